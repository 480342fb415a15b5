"""A published budget disclosure as data: document facts, overview, tables, narrative,
performance target tables and glossary. Every printed figure keeps its raw text and
where it was printed, so each later finding can point at it."""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, Field, computed_field, field_serializer, field_validator

MoneyUnit = Literal["万元", "元"]


def _absent(value: object) -> bool:
    return value is None


def column_letters(col: int) -> str:
    """A spreadsheet's name for a 1-based column: 1 → A, 27 → AA."""
    letters = ""
    while col > 0:
        col, rest = divmod(col - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


class Source(BaseModel):
    """Where something was printed.

    - text exports: `line` of the file;
    - PDF: `page`, and `x`/`y` on the page;
    - Word (.docx) and HTML: a paragraph's `line` is its number in the document body (1-based,
      Word: body-level paragraphs counting empty ones; HTML: blocks of text); a table cell has
      `table` (the table's number in the document, 1-based), `line` (its row in that table, 1-based)
      and `col` (its column on the table's grid, 1-based; a merged cell names its first column);
    - Excel (.xlsx, .xls): `sheet` (the worksheet's name), `line` (the sheet row) and `col` (the
      sheet column), both 1-based as Excel shows them (`C7` is line 7, col 3).

    The fields after `y` are left out of JSON when unset, so text and PDF sources print as before."""

    line: int | None = None
    page: int | None = None
    x: float | None = None
    y: float | None = None
    sheet: str | None = Field(default=None, exclude_if=_absent)
    table: int | None = Field(default=None, exclude_if=_absent)
    col: int | None = Field(default=None, exclude_if=_absent)

    def describe(self) -> str:
        if self.sheet is not None:
            where = f"工作表“{self.sheet}”"
            if self.line is not None and self.col is not None:
                return f"{where} {column_letters(self.col)}{self.line}"
            return where + (f"第{self.line}行" if self.line is not None else "")
        if self.table is not None:
            where = f"第{self.table}个表格"
            if self.line is not None:
                where += f"第{self.line}行"
            if self.col is not None:
                where += f"第{self.col}列"
            return where
        if self.line is not None:
            return f"第{self.line}行"
        if self.page is not None:
            return f"第{self.page}页"
        return ""


class DocumentFacts(BaseModel):
    unit: str | None = None
    year: int | None = None
    kind: Literal["budget", "final"] = "budget"
    scope: Literal["部门", "单位"] | None = None
    money_unit: MoneyUnit | None = None
    date: str | None = None  # as signed at the end: "2023年1月31日"
    file: str | None = None
    format: str | None = None
    page_labels: dict[int, str] = Field(default_factory=dict, exclude_if=lambda v: not v)  # page → number printed
    # full; tables: the tables attachment alone (北京's 附件2); narrative: the 情况说明 alone, its tables elsewhere
    contents: Literal["full", "tables", "narrative"] = "full"


class Overview(BaseModel):
    functions: list[str] = Field(default_factory=list)
    organisation: str | None = None
    departments: list[str] = Field(default_factory=list)
    # 编制数, 实有人数, 在职, 退休, 离休 and their changes (增加 +, 减少 −)
    staffing: dict[str, int] = Field(default_factory=dict)
    staffing_changes: dict[str, int] = Field(default_factory=dict)
    staffing_source: Source | None = None


class HeaderCell(BaseModel):
    text: str
    row: int
    col: int
    colspan: int = 1
    rowspan: int = 1
    source: Source | None = None


class Column(BaseModel):
    key: str  # meaning, stable: "total", "basic", "gpb", "econ_302" …
    label: str  # the leaf header as printed, whitespace removed
    path: list[str] = Field(default_factory=list)  # header texts from the top row down
    is_amount: bool = True
    is_part: bool = True  # false for a memo column (政府采购 of the row) that no total includes


def code_level(code: str | None) -> int | None:
    """A functional classification code's level by its digits: 1 类 (3), 2 款 (5), 3 项 (7)."""
    return {3: 1, 5: 2, 7: 3}.get(len(code)) if code else None


class Row(BaseModel):
    code: str | None = None  # full classification code, 3/5/7 digits
    level: int | None = None  # 1 类, 2 款, 3 项
    label: str = ""  # the row's label as printed (an income item, 合计 …)
    name: str = ""  # the classification name or item name
    is_total: bool = False
    values: dict[str, Decimal | None] = Field(default_factory=dict)
    raw: dict[str, str] = Field(default_factory=dict)
    source: dict[str, Source] = Field(default_factory=dict)
    line: int | None = None
    page: int | None = None

    def value(self, key: str) -> Decimal:
        """The amount in a column, a blank cell counting as zero."""
        v = self.values.get(key)
        return v if v is not None else Decimal(0)

    def is_garbled(self, key: str) -> bool:
        """A cell that prints something but not a number."""
        return key in self.values and self.values[key] is None and bool(self.raw.get(key, "").strip())

    @property
    def key(self) -> str:
        """How findings name the row: its code, else its label."""
        return self.code or self.label or self.name


class Table(BaseModel):
    number: str | None = None  # as printed: "表5"
    kind: str  # from the table-kind registry
    title: str = ""
    unit: MoneyUnit | None = None
    header: list[HeaderCell] = Field(default_factory=list)
    columns: list[Column] = Field(default_factory=list)
    rows: list[Row] = Field(default_factory=list)
    note: str | None = None  # an empty table's explanation
    filler_rows: int = 0  # all-empty rows printed to pad the template
    source: Source | None = None

    @field_serializer("columns")
    def _columns_as_keys(self, columns: list[Column]) -> list[str]:
        return [c.key for c in columns]

    @computed_field  # type: ignore[prop-decorator]
    @property
    def column_labels(self) -> dict[str, str]:
        """Each column's header as printed, by key (JSON readers get keys in `columns`)."""
        return {c.key: c.label for c in self.columns}

    def column(self, key: str) -> Column | None:
        return next((c for c in self.columns if c.key == key), None)

    def has(self, key: str) -> bool:
        return any(c.key == key for c in self.columns)

    @property
    def amount_keys(self) -> list[str]:
        return [c.key for c in self.columns if c.is_amount]

    @property
    def name(self) -> str:
        return f"{self.number or ''}{self.title}"

    def total_row(self) -> Row | None:
        return next((r for r in reversed(self.rows) if r.is_total), None)

    def coded_rows(self) -> list[Row]:
        return [r for r in self.rows if r.code]

    def is_empty(self) -> bool:
        return all(v is None or v == 0 for r in self.rows for v in r.values.values()) and not any(
            r.is_garbled(k) for r in self.rows for k in r.raw
        )


class Indicator(BaseModel):
    level1: str
    level2: str
    level3: str
    value: str  # 指标值 as printed: "≥1家"
    comparator: str | None = None  # ≥ ≤ = > <
    number: Decimal | None = None
    value_unit: str | None = None
    basis: str | None = None
    prior: str | None = None
    weight: Decimal | None = None
    weight_raw: str | None = None
    rule: str | None = None
    evidence: str | None = None
    line: int | None = None
    source: Source | None = None


class PerformanceTarget(BaseModel):
    unit: str | None = None
    project: str  # the project's name; for a department's overall targets, the department's
    form: Literal["project", "department", "list"] = "project"  # a form of its own, or a row of a list
    owner: str | None = None
    total: Decimal | None = None
    fiscal: Decimal | None = None
    other: Decimal | None = None
    amounts_raw: dict[str, str] = Field(default_factory=dict)
    amount_unit: MoneyUnit | None = None
    goal: str | None = None
    indicators: list[Indicator] = Field(default_factory=list)
    line: int | None = None
    source: Source | None = None


class Claim(BaseModel):
    """One figure the narrative states, with what it is about."""

    subject: str  # what the figure is about, in the document's words
    subject_kind: str  # income_source, expense_class, basic, project, three_public, …
    section: str | None = None  # the narrative section heading
    amount: Decimal | None = None
    share: Decimal | None = None  # percent
    change: Decimal | None = None  # signed: 减少 is negative
    prior: Decimal | None = None  # last year's figure when the text states it (预算执行数为…)
    budget: Decimal | None = None  # the budget a final account's figure is measured against (完成预算…)
    growth_rate: Decimal | None = None  # percent, signed: 下降 is negative
    count: Decimal | None = None
    count_unit: str | None = None
    raw: dict[str, str] = Field(default_factory=dict)  # each figure as printed
    unit: MoneyUnit = "万元"
    line: int | None = None
    text: str = ""  # the paragraph that states it
    paragraph: int | None = None  # its index in the narrative's paragraphs
    sentence: int = 0  # which sentence of the paragraph (up to `。`), from 0
    listed: bool = False  # stated after `其中` in its sentence: a part of what the sentence named before
    nested: bool = False  # stated inside parentheses: a breakdown of the figure before them
    source: Source | None = None


class Paragraph(BaseModel):
    text: str
    section: str | None = None
    source: Source | None = None


class Section(BaseModel):
    """A part of the narrative: its heading as printed and the topic it is about."""

    title: str
    topic: str | None = None  # summary, income, three_public … (data/sections.toml); None: none the rules know
    heading: bool = True  # false: a topic a paragraph states without a heading of its own
    source: Source | None = None


class Narrative(BaseModel):
    paragraphs: list[Paragraph] = Field(default_factory=list)
    sections: list[Section] = Field(default_factory=list)
    claims: list[Claim] = Field(default_factory=list)

    @field_validator("sections", mode="before")
    @classmethod
    def _headings_of_old(cls, value: object) -> object:
        """A version stored before sections had topics lists their headings alone."""
        return [{"title": v} if isinstance(v, str) else v for v in value] if isinstance(value, list) else value


class GlossaryTerm(BaseModel):
    term: str
    definition: str
    source: Source | None = None


class Unread(BaseModel):
    """A part of the document yusuan saw but did not understand, and why: a reviewer reads it by
    hand, and no rule blames the document for it."""

    what: Literal["table", "target", "page", "cell", "text"] = "text"
    reason: str
    title: str | None = None  # the caption printed over it, if any
    source: Source | None = None

    def describe(self, longest: int | None = None) -> str:
        """Page and reason, and the caption printed over it (its start, `longest` characters): enough to
        find it on the page."""
        where = self.source.describe() if self.source else ""
        title = self.title[:longest] + "…" if self.title and longest and len(self.title) > longest else self.title
        return (f"{where}：" if where else "") + self.reason + (f"（{title}）" if title else "")


class Disclosure(BaseModel):
    document: DocumentFacts = Field(default_factory=DocumentFacts)
    overview: Overview = Field(default_factory=Overview)
    tables: list[Table] = Field(default_factory=list)
    narrative: Narrative = Field(default_factory=Narrative)
    performance_targets: list[PerformanceTarget] = Field(default_factory=list)
    glossary: list[GlossaryTerm] = Field(default_factory=list)
    unread: list[Unread] = Field(default_factory=list)  # what was seen but not understood
    listed_tables: list[str] = Field(default_factory=list)  # the tables the document's 目录 lists, as printed

    @field_validator("unread", mode="before")
    @classmethod
    def _unread_of_old(cls, value: object) -> object:
        """A version stored before unread parts had their place and reason says them in one line."""
        return [{"reason": v} if isinstance(v, str) else v for v in value] if isinstance(value, list) else value

    def table(self, kind: str) -> Table | None:
        return next((t for t in self.tables if t.kind == kind), None)

    def tables_of(self, kind: str) -> list[Table]:
        return [t for t in self.tables if t.kind == kind]

    def find_table(self, number: str) -> Table | None:
        return next((t for t in self.tables if t.number == number), None)
