"""What the narrative's claims refer to in the tables, and the checks on its arithmetic."""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal
from difflib import SequenceMatcher

from yusuan.check.cells import Ref, blank_total
from yusuan.check.identities import Identity
from yusuan.model import Claim, Disclosure, Table
from yusuan.model.numbers import decimals_of, round_half_up, squash

# `一般公共服务（类）商贸事务（款）行政运行（项）`, or with the codes: `公共安全支出（204类）司法（06款）…（99项）`
_PATH = re.compile(r"(.+?)（(\d{3})?类）(.+?)（(\d{2})?款）(.+?)（(\d{2})?项）")
INCOME_ITEMS = (
    ("上级一般公共预算", "上级一般公共预算"), ("上级政府性基金", "上级政府性基金"), ("上级国有资本", "上级国有资本"),
    ("一般公共预算", "一般公共预算"), ("政府性基金", "基金"), ("国有资本经营", "国有资本"), ("财政专户", "财政专户"),
    ("单位资金", "单位资金"), ("事业收入", "事业收入"), ("非财政拨款结转", "非财政拨款结转"),
    ("财政拨款结转", "财政拨款结转"), ("其他收入", "其他收入"),
)
_INCOME_END = re.compile(r"(收入|拨款|资金|补助|结转|结余|经费拨款)(预算)?(数)?$")
_CARRIED = re.compile(r"上年(结转|结余)|年初结转")
THREE_PUBLIC = (("因公出国", "出国"), ("公务接待", "接待"), ("购置及运行", "购置及运行"), ("公务用车购置", "购置费"),
                ("公务用车运行", "运行(维护)?费$"), ("三公", None))


def similar(a: str, b: str) -> float:
    return SequenceMatcher(None, squash(a), squash(b)).ratio()


def _best(rows: list[tuple[int, str]], name: str, cutoff: float = 0.6) -> tuple[int, str] | None:
    """The row whose name is the printed one, else the most alike; a name of a word or two (`支出`)
    names no row but one printed so."""
    key = squash(name)
    exact = next(((i, n) for i, n in rows if squash(n) == key), None)
    if exact or len(key.removesuffix("支出")) < 2:
        return exact
    scored = sorted(((similar(name, n), i, n) for i, n in rows), reverse=True)
    if scored and scored[0][0] >= cutoff:
        return scored[0][1], scored[0][2]
    return None


class Resolver:
    """Finds the table cell a claim speaks of."""

    def __init__(self, d: Disclosure) -> None:
        self.d = d
        self.idx = {t.kind: i for i, t in reversed(list(enumerate(d.tables)))}
        self.renamed: list[tuple[int, str, str]] = []  # (claim, printed name, table name)
        self.codes: dict[int, str] = {}  # claim → the functional code its （类）（款）（项） path names
        self.refs: dict[int, Ref | None] = {}

    def _table(self, kind: str) -> tuple[int, Table] | None:
        i = self.idx.get(kind)
        return (i, self.d.tables[i]) if i is not None else None

    def total_ref(self, kind: str, key: str) -> Ref | None:
        found = self._table(kind)
        if not found or not found[1].has(key):
            return None
        row = found[1].total_row()
        return Ref(found[0], found[1].rows.index(row), key) if row else None

    def _coded(self, kind: str, code_len: int, prefix: str, name: str, ci: int) -> tuple[Ref, str] | None:
        found = self._table(kind)
        if not found:
            return None
        ti, table = found
        rows = [(i, r.name) for i, r in enumerate(table.rows)
                if r.code and len(r.code) == code_len and r.code.startswith(prefix)]
        best = _best(rows, name)
        if best is None:
            return None
        i, table_name = best
        if squash(table_name) != squash(name):
            self.renamed.append((ci, name, table_name))
        return Ref(ti, i, "total"), table.rows[i].code or ""

    def _by_code(self, kind: str, code: str) -> tuple[Ref, str] | None:
        found = self._table(kind)
        if not found:
            return None
        ti, table = found
        i = next((i for i, r in enumerate(table.rows) if r.code == code), None)
        return (Ref(ti, i, "total"), code) if i is not None else None

    def _same_name(self, ci: int, printed: str, name: str) -> None:
        if squash(printed) != squash(name):
            self.renamed.append((ci, printed, name))

    def amount_ref(self, ci: int, claim: Claim) -> Ref | None:
        """The cell a claim's amount is (found once per claim)."""
        if ci not in self.refs:
            self.refs[ci] = self._amount_ref(ci, claim)
        return self.refs[ci]

    def _amount_ref(self, ci: int, claim: Claim) -> Ref | None:
        s, kind, section = claim.subject, claim.subject_kind, claim.section or ""
        fiscal = "一般公共预算" in section or "财政拨款" in section
        if kind == "expense_item":
            m = _PATH.search(s)
            if not m:
                return None
            if m[2] and m[4] and m[6]:  # the codes are printed: the names are only checked
                code = m[2] + m[4] + m[6]
                found = self._by_code("gpb_expense", code)
                if found:
                    self._same_name(ci, m[5], self.d.tables[found[0].table].rows[found[0].row].name)  # type: ignore[index]
            else:
                found = self._coded("gpb_expense", 3, "", m[1], ci)
                found = found and self._coded("gpb_expense", 5, found[1], m[3], ci)
                found = found and self._coded("gpb_expense", 7, found[1], m[5], ci)
            if found:
                self.codes[ci] = found[1]
                return found[0]
            return None
        if kind == "expense_class":
            found = self._coded(self._class_table(section), 3, "", s, ci)
            return found[0] if found else None
        if kind in ("basic", "project"):
            if "人员" in s or "公用" in s:
                return None
            return self.total_ref("gpb_expense" if fiscal or "一般公共预算" in s else "expense", kind)
        if kind in ("personnel", "public"):
            return self.total_ref("gpb_basic_expense", kind)
        if kind == "gpb_total":
            return self.total_ref("gpb_expense", "total")
        if kind in ("fund_total", "capital_total"):
            return self.total_ref("gov_fund_expense" if kind == "fund_total" else "state_capital_expense", "total")
        if kind == "total":
            if "一般公共预算" in s:
                return self.total_ref("gpb_expense", "total")
            if "财政拨款" in s:
                return self.total_ref("fiscal_summary", "income_amount")
            return self.total_ref("income_expense_summary", "income_amount")
        if kind == "three_public":
            return self._three_public(s)
        if kind in ("income_source", "other") and claim.amount is not None:
            return self._income(s, fiscal and kind == "other", named=kind == "income_source")
        return None

    def _three_public(self, subject: str) -> Ref | None:
        found = self._table("three_public")
        if not found:
            return None
        ti, table = found
        # the narrative's 财政拨款“三公”经费 is all funds, the three items without 会议费 and 培训费 beside them
        key = "three_public_total" if table.has("three_public_total") else "total"
        for word, label in THREE_PUBLIC:
            if word in subject:
                if label is None:
                    row = table.total_row()
                    return Ref(ti, table.rows.index(row), key) if row else None
                rx = re.compile(label)
                i = next((i for i, r in enumerate(table.rows) if rx.search(squash(r.label))), None)
                return Ref(ti, i, key) if i is not None else None
        return None

    def _income(self, subject: str, fiscal: bool, named: bool) -> Ref | None:
        """`named`: the sentence is an item of an income list (`收入预算…，其中：一般公共预算…`)."""
        found = self._table("fiscal_summary" if fiscal else "income_expense_summary")
        if not found:
            return None
        ti, table = found
        # elsewhere an income item names its source at its end (`…一般公共预算拨款收入`): `…安排的会议费` is
        # spent; and `上年结转结余的…收入` is last year's carry-over, not the source's row
        if _CARRIED.search(subject) or not (named or _INCOME_END.search(subject)):
            return None
        for word, label in INCOME_ITEMS:
            if word in subject:
                for i, row in enumerate(table.rows):
                    text = squash(row.raw.get("income_item", ""))
                    if label in text and not text.startswith("其中") and not (
                            label == "一般公共预算" and "上级" in text):
                        return Ref(ti, i, "income_amount")
                return None
        return None

    @staticmethod
    def _class_table(section: str) -> str:
        """Which table a section's expense classes come from."""
        if "一般公共预算" in section:
            return "gpb_expense"
        return "fiscal_summary" if "财政拨款" in section else "expense"

    def income_ref(self, code: str) -> list[Ref]:
        """The 一般公共预算 cells of 收入总表 for a code."""
        found = self._table("income")
        if not found:
            return []
        ti, table = found
        row = next((i for i, r in enumerate(table.rows) if r.code == code), None)
        return [Ref(ti, row, k) for k in ("gpb", "gpb_transfer") if table.has(k)] if row is not None else []

    def base_ref(self, claim: Claim) -> Ref | None:
        """The total a claim's share is of."""
        kind, section = claim.subject_kind, claim.section or ""
        if kind == "income_source":
            return self.total_ref("income_expense_summary", "income_amount")
        if kind in ("basic", "project") and "支出预算" in section and "一般公共预算" not in section:
            return self.total_ref("expense", "total")
        if kind == "expense_class":
            table = self._class_table(section)
            return self.total_ref(table, "income_amount" if table == "fiscal_summary" else "total")
        if kind in ("basic", "project", "expense_class"):
            return self.total_ref("expense", "total")
        return None


def claim_identities(d: Disclosure, resolver: Resolver) -> Iterator[Identity]:
    for ci, claim in enumerate(d.narrative.claims):
        if claim.amount is None:
            continue
        ref = resolver.amount_ref(ci, claim)
        if ref is None or claim.unit != (d.tables[ref.table].unit or d.document.money_unit):  # type: ignore[index]
            continue  # in another unit: sections.check_narrative compares it, rounded
        if blank_total(d, ref):
            continue
        rule = "other.three_public_matches_table" if claim.subject_kind == "three_public" else \
            "narrative.amount_matches_table"
        yield Identity(rule, Ref(None, None, "amount", claim=ci), [ref], "情况说明金额 = 表中金额")
        if ci in resolver.codes:  # a 项 of 一般公共预算 is in 收入总表 too
            income = resolver.income_ref(resolver.codes[ci])
            if income:
                yield Identity(rule, Ref(None, None, "amount", claim=ci), income,
                               "情况说明金额 = 收入总表一般公共预算")


def prior_of(claim: Claim) -> Decimal | None:
    """Last year's figure: stated (`预算执行数为…`), else implied by the change."""
    if claim.prior is not None:
        return claim.prior
    if claim.amount is None or claim.change is None:
        return None
    return claim.amount - claim.change


def expected_growth(claim: Claim) -> Decimal | None:
    """(amount − prior) ÷ prior, rounded half-up to the printed decimals; None from a zero base."""
    prior = prior_of(claim)
    if claim.amount is None or prior is None or prior == 0 or claim.growth_rate is None:
        return None
    places = decimals_of(claim.raw.get("growth_rate", "").rstrip("%％ "))
    return round_half_up((claim.amount - prior) / prior * 100, places)


RATIO = {("元", "万元"): Decimal("0.0001"), ("万元", "元"): Decimal(10000)}


def convert(value: Decimal, source: str | None, target: str | None) -> Decimal:
    """An amount in another money unit: the same document may print 元 in tables and 万元 in
    the narrative."""
    return value * RATIO.get((source or "", target or ""), Decimal(1))


def expected_share(claim: Claim, base: Decimal) -> Decimal | None:
    if claim.amount is None or claim.share is None or base == 0:
        return None
    places = decimals_of(claim.raw.get("share", "").rstrip("%％ "))
    return round_half_up(claim.amount / base * 100, places)
