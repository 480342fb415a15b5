"""Render a disclosure (read or built) as a document: HTML, PDF, Word and Excel."""
