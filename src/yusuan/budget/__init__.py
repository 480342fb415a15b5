"""Budget data: the fact table of line items and what the narrative needs beside it."""
