"""Tables of the store (SQLAlchemy 2). Amounts are NUMERIC, never float; every fact keeps the
money unit it was printed in and its value in 元, so sums across documents are in one unit."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    JSON,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

MONEY = Numeric(20, 2, asdecimal=True)


class Base(DeclarativeBase):
    pass


class Region(Base):
    __tablename__ = "region"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)


class Department(Base):
    __tablename__ = "department"
    __table_args__ = (UniqueConstraint("region_id", "name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("region.id"))
    name: Mapped[str] = mapped_column(String(200))
    region: Mapped[Region] = relationship()


class Unit(Base):
    __tablename__ = "unit"
    __table_args__ = (UniqueConstraint("department_id", "name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"))
    name: Mapped[str] = mapped_column(String(200), index=True)
    department: Mapped[Department] = relationship()


class Document(Base):
    """One disclosure of one unit: a year's 预算 or 决算. Re-uploads are its versions."""

    __tablename__ = "document"
    __table_args__ = (UniqueConstraint("unit_id", "year", "kind"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    year: Mapped[int] = mapped_column(Integer, index=True)
    kind: Mapped[str] = mapped_column(String(10))  # budget | final
    published: Mapped[bool] = mapped_column(default=True)
    unit: Mapped[Unit] = relationship()
    versions: Mapped[list[Version]] = relationship(back_populates="document", order_by="Version.number")


class Version(Base):
    """A file as uploaded, kept whole; the same file (same hash) is recognised, never stored twice."""

    __tablename__ = "version"
    __table_args__ = (UniqueConstraint("document_id", "number"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("document.id"))
    number: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    filename: Mapped[str] = mapped_column(String(300))
    format: Mapped[str] = mapped_column(String(10))
    size: Mapped[int] = mapped_column(Integer)
    # the two large columns load only when asked for: lists and pages of versions do not need them
    original: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    disclosure: Mapped[dict] = mapped_column(JSON, deferred=True)  # the read model, as `yusuan parse` prints it
    # what the check said besides its findings (summary, localisation, rules not applicable, settings);
    # none for versions stored before it was kept (migration 0002)
    report: Mapped[dict | None] = mapped_column(JSON, deferred=True)
    money_unit: Mapped[str] = mapped_column(String(4))
    errors: Mapped[int] = mapped_column(Integer, default=0)
    warnings: Mapped[int] = mapped_column(Integer, default=0)
    uploaded_at: Mapped[datetime] = mapped_column(DateTime, server_default=func.now())
    uploaded_by: Mapped[int | None] = mapped_column(ForeignKey("account.id"), nullable=True)
    document: Mapped[Document] = relationship(back_populates="versions")


class Narrative(Base):
    """A version's narrative paragraphs, apart from its read model: a page that quotes a document's words
    (a final account's explanations) reads them without parsing the whole model (hundreds of KB of JSON)."""

    __tablename__ = "narrative"
    version_id: Mapped[int] = mapped_column(ForeignKey("version.id", ondelete="CASCADE"), primary_key=True)
    paragraphs: Mapped[list] = mapped_column(JSON)  # as the read model keeps them: text, section, source


class CellValue(Base):
    """One printed amount: SQL can sum across units and years by table kind, code and column."""

    __tablename__ = "cell"
    __table_args__ = (Index("ix_cell_kind_code", "table_kind", "code"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("version.id", ondelete="CASCADE"), index=True)
    table_number: Mapped[str | None] = mapped_column(String(20))
    table_kind: Mapped[str] = mapped_column(String(40))
    row: Mapped[int] = mapped_column(Integer)
    code: Mapped[str | None] = mapped_column(String(10))
    label: Mapped[str] = mapped_column(String(300))
    column_key: Mapped[str] = mapped_column(String(60))
    value: Mapped[Decimal] = mapped_column(MONEY)
    money_unit: Mapped[str] = mapped_column(String(4))


class Fact(Base):
    """A line of the fact table behind a document (funding source × functional × economic ×
    basic/project × project), recovered by `yusuan extract`; amounts in 元."""

    __tablename__ = "fact"
    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("version.id", ondelete="CASCADE"), index=True)
    source: Mapped[str] = mapped_column(String(30))
    functional: Mapped[str] = mapped_column(String(7), index=True)
    economic: Mapped[str] = mapped_column(String(5))
    kind: Mapped[str] = mapped_column(String(10))  # personnel | public | project
    project: Mapped[str | None] = mapped_column(String(300))
    yuan: Mapped[Decimal] = mapped_column(MONEY)


class Figure(Base):
    """A key figure of a version (支出合计, 人员经费, 机关运行经费, “三公”经费, staff …) as the document states it
    (store/figures.py): its value in 元 or 人, and where it was printed: a cell, else a paragraph of the narrative,
    else only its source (the overview's staffing line)."""

    __tablename__ = "figure"
    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("version.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(20))
    label: Mapped[str] = mapped_column(String(300))
    value: Mapped[Decimal] = mapped_column(MONEY)
    unit: Mapped[str] = mapped_column(String(4))  # 元 | 人
    cell_id: Mapped[int | None] = mapped_column(ForeignKey("cell.id", ondelete="CASCADE"), nullable=True)
    paragraph: Mapped[int | None] = mapped_column(Integer, nullable=True)
    source: Mapped[dict | None] = mapped_column(JSON, nullable=True)  # a model Source, as JSON


class FindingRow(Base):
    __tablename__ = "finding"
    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("version.id", ondelete="CASCADE"), index=True)
    fid: Mapped[str] = mapped_column(String(10))  # F1, F2 … within the version
    rule: Mapped[str] = mapped_column(String(80), index=True)
    severity: Mapped[str] = mapped_column(String(10))
    message: Mapped[str] = mapped_column(Text)
    data: Mapped[dict] = mapped_column(JSON)  # the finding as `check --format json` gives it
    status: Mapped[str] = mapped_column(String(12), default="open")  # open | confirmed | dismissed
    reason: Mapped[str | None] = mapped_column(Text)
    reviewed_by: Mapped[int | None] = mapped_column(ForeignKey("account.id"), nullable=True)
    reviewed_at: Mapped[datetime | None] = mapped_column(DateTime)


class Account(Base):
    __tablename__ = "account"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(10))  # admin | reviewer | editor


class EditorUnit(Base):
    """The units a unit editor may upload and build for."""

    __tablename__ = "editor_unit"
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id", ondelete="CASCADE"), primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id", ondelete="CASCADE"), primary_key=True)


class ApiToken(Base):
    __tablename__ = "api_token"
    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id", ondelete="CASCADE"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, server_default=func.now())


class Register(Base):
    """A region's list of departments and units with the dates their budgets were approved, as imported
    (the file kept whole) or made from the units the store holds. Nothing is replaced: a later list's
    entry for a unit, year and kind is the one in force, the earlier stays."""

    __tablename__ = "register"
    id: Mapped[int] = mapped_column(primary_key=True)
    filename: Mapped[str] = mapped_column(String(300))  # as uploaded; for a list made from the store, what it says
    sha256: Mapped[str | None] = mapped_column(String(64))  # none for a list made from the store
    original: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    imported_at: Mapped[datetime] = mapped_column(DateTime, server_default=func.now())
    imported_by: Mapped[int | None] = mapped_column(ForeignKey("account.id"), nullable=True)


class RegisterEntry(Base):
    """One unit's year on a list: when its budget (or final account) was approved, and what the bureau
    saw of its publication (the date and address on its website), when it knows."""

    __tablename__ = "register_entry"
    __table_args__ = (UniqueConstraint("register_id", "unit_id", "year", "kind"),
                      Index("ix_register_entry_unit", "unit_id", "year", "kind"))
    id: Mapped[int] = mapped_column(primary_key=True)
    register_id: Mapped[int] = mapped_column(ForeignKey("register.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    year: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(10))  # budget | final
    scope: Mapped[str | None] = mapped_column(String(4))  # 部门 | 单位: whose deadline (预算法 §14, 实施条例 §6)
    approved_on: Mapped[date | None] = mapped_column(Date)
    published_on: Mapped[date | None] = mapped_column(Date)
    url: Mapped[str | None] = mapped_column(String(500))
    note: Mapped[str | None] = mapped_column(Text)
    line: Mapped[int | None] = mapped_column(Integer)  # its row in the file


class Publication(Base):
    """A document made public (公开) or taken back (撤回), when and by whom: the first tells when it was
    published, the last whether it still is."""

    __tablename__ = "publication"
    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("document.id"), index=True)
    published: Mapped[bool] = mapped_column()
    at: Mapped[datetime] = mapped_column(DateTime, server_default=func.now())
    by: Mapped[int | None] = mapped_column(ForeignKey("account.id"), nullable=True)


class ReviewPolicy(Base):
    """What blocks a region's disclosures from publication (致命) and what only warns, as its bureau set it;
    the newest in force, every earlier one kept."""

    __tablename__ = "review_policy"
    id: Mapped[int] = mapped_column(primary_key=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("region.id"), index=True)
    fatal_rules: Mapped[list] = mapped_column(JSON)  # check rules, `cross.*` for a family
    fatal_items: Mapped[list] = mapped_column(JSON)  # scoring items
    set_at: Mapped[datetime] = mapped_column(DateTime, server_default=func.now())
    set_by: Mapped[int | None] = mapped_column(ForeignKey("account.id"), nullable=True)
