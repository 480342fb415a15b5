"""A region's review season: its list of units with their approval dates, whether and when each published,
how good each disclosure is, what blocks it, and the notices telling each unit what to fix."""
