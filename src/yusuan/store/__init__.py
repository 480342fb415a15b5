"""The store: every unit, year and document version, the read disclosure as normalised rows,
the findings with their review, and the accounts. SQLite by default, PostgreSQL by URL."""
