"""The disclosure model: what a published budget disclosure says, cell by cell."""

from yusuan.model.disclosure import (
    Claim,
    Column,
    Disclosure,
    DocumentFacts,
    GlossaryTerm,
    HeaderCell,
    Indicator,
    Narrative,
    Overview,
    Paragraph,
    PerformanceTarget,
    Row,
    Section,
    Source,
    Table,
    Unread,
)
from yusuan.model.numbers import parse_amount, squash

__all__ = [
    "Claim",
    "Column",
    "Disclosure",
    "DocumentFacts",
    "GlossaryTerm",
    "HeaderCell",
    "Indicator",
    "Narrative",
    "Overview",
    "Paragraph",
    "PerformanceTarget",
    "Row",
    "Section",
    "Source",
    "Table",
    "Unread",
    "parse_amount",
    "squash",
]
