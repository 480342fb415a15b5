"""yusuan (预算): read, check and build Chinese government budget disclosures."""

__version__ = "0.1.0"
