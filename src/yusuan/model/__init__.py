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
    code_level,
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
    "code_level",
    "parse_amount",
    "squash",
]
