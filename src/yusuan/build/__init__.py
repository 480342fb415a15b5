"""Build a whole disclosure from budget data: every table a view of the line items."""
