"""Checks: rules as data, applied to a read disclosure; findings and error localisation."""
