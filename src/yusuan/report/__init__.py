"""Reports: terminal, JSON, CSV and HTML renderings of tables and findings."""
