"""What a check reports: which rule, which cells, what was printed and what was expected."""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, Field

from yusuan.model import Claim, Unread
from yusuan.registry import registry

Severity = Literal["error", "warning", "info"]
PLACE_NAMES = {"narrative": "情况说明", "performance_target": "绩效目标表", "overview": "概况", "glossary": "名词解释"}


def kind_name(kind: str | None) -> str:
    """A table kind's name (data/tables.toml), or the name of a part of the document that is no table."""
    if not kind:
        return ""
    if kind in PLACE_NAMES:
        return PLACE_NAMES[kind]
    try:
        return registry().kind(kind).name
    except StopIteration:  # a kind this version no longer knows (a report stored long ago)
        return kind


class Location(BaseModel):
    table: str | None = None  # as printed: "表5"; None for the narrative and other sections
    kind: str | None = None  # table kind, or "narrative", "performance_target", "overview"
    row: str | None = None  # row code, or label
    column: str | None = None  # column header as printed
    column_key: str | None = None
    line: int | None = None
    page: int | None = None
    page_label: str | None = None  # the page number printed on that page, where it is not the PDF's own
    paragraph: int | None = None  # a narrative claim's paragraph (its index in the narrative)
    where: str | None = None  # the position in the source's own terms: 第937行, 工作表“表5” E9, 第3页

    def page_text(self) -> str:
        """The page as the reader finds it: the number printed on it, and the PDF's where they differ."""
        if self.page_label and self.page_label != str(self.page):
            return f"第{self.page_label}页（PDF 第{self.page}页）"
        return f"第{self.page}页"

    @classmethod
    def of_claim(cls, claim: Claim, labels: dict[int, str], column: str | None = None,
                 column_key: str | None = None) -> Location:
        """Where the narrative states a claim: its paragraph's line or page (`labels`: the page numbers
        the document prints, by page)."""
        source = claim.source
        office = source is not None and (source.sheet is not None or source.table is not None)
        page = source.page if source else None
        return cls(kind="narrative", row=claim.subject, column=column, column_key=column_key, line=claim.line,
                   page=page, page_label=labels.get(page) if page else None,
                   where=source.describe() if office else None, paragraph=claim.paragraph)

    def describe(self) -> str:
        parts = [self.table or kind_name(self.kind)]
        if self.row:
            parts.append(self.row)
        if self.column:
            parts.append(self.column)
        text = " ".join(p for p in parts if p)
        if self.where:
            text += f"（{self.where}）"
        elif self.line:
            text += f"（第{self.line}行）"
        elif self.page:
            text += f"（{self.page_text()}）"
        return text


class Finding(BaseModel):
    id: str = ""
    rule: str
    family: str
    severity: Severity
    message: str
    locations: list[Location] = Field(default_factory=list)
    stated: Decimal | None = None
    expected: Decimal | None = None
    difference: Decimal | None = None
    tolerance: Decimal | None = None
    caused_by: str | None = None  # the finding this one follows from
    follows: list[str] = Field(default_factory=list)  # findings that follow from this one


class Correction(BaseModel):
    """A cell error localisation names, with its most likely value."""

    table: str | None
    kind: str | None
    row: str | None
    column: str | None
    line: int | None = None
    page: int | None = None
    page_label: str | None = None
    stated: str
    likely: str
    alternatives: list[str] = Field(default_factory=list)
    explains: list[str] = Field(default_factory=list)


class TableRead(BaseModel):
    number: str | None
    title: str
    kind: str
    name: str  # the kind's Chinese name
    page: int | None = None


class Reading(BaseModel):
    """What yusuan read of the document, shown before any finding: the tables it read and those the
    document lists but it did not, the performance targets and narrative topics it found, and what
    it could not understand (page and reason). No rule blames the document for anything here."""

    contents: str = "full"  # full | tables (the tables attachment alone) | narrative (the 情况说明 alone)
    tables: list[TableRead] = Field(default_factory=list)
    listed: int = 0  # tables the document's 目录 lists
    not_read: list[str] = Field(default_factory=list)  # listed there, but not read
    targets: int = 0
    topics: list[str] = Field(default_factory=list)  # narrative topics found (data/sections.toml)
    unread: list[Unread] = Field(default_factory=list)
    notices: list[Finding] = Field(default_factory=list)  # cells and relations the check could not rely on


class Report(BaseModel):
    document: dict
    summary: dict[str, int]
    findings: list[Finding]
    reading: Reading = Field(default_factory=Reading)
    localisation: list[Correction] = Field(default_factory=list)
    not_applicable: list[str] = Field(default_factory=list)
    settings: dict = Field(default_factory=dict)
