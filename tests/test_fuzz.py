"""Fuzzing the reading side: the text reader, the recogniser, the claim parser and the check
that follows them, on mutations of the example and of the corpus (docs/fuzzing.md).

Whatever the input, reading ends in a Disclosure or in one YusuanError, and checking that
Disclosure ends in a Report: any other exception, a run past the deadline, or a broken
invariant of what is returned is a crash. The CI budget is small; `YUSUAN_FUZZ_EXAMPLES`
scales every test up for a long local run, and `YUSUAN_FUZZ_SEED` replays one run."""

from __future__ import annotations

import hashlib
import os
import random
import re
import signal
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from decimal import Decimal
from functools import cache
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, note, seed, settings
from hypothesis import strategies as st

from conftest import EXAMPLE, FIXTURES
from yusuan.check.engine import check
from yusuan.check.findings import Report
from yusuan.errors import YusuanError
from yusuan.model import Claim, Disclosure, Source
from yusuan.model.numbers import parse_amount, squash
from yusuan.read import layout_of, read_bytes
from yusuan.read.tabular import rows_from_sheet
from yusuan.read.text import decode, read_text
from yusuan.recognise import recognise
from yusuan.recognise.claims import parse_claims
from yusuan.recognise.layout import Cell, Grid, Layout, Line
from yusuan.recognise.targets import indicator_value

# examples of the whole-document test (the others run a multiple of it, being cheaper): 60 keeps the
# file within 30 s here (60 s is CI's budget); a long local run sets thousands
EXAMPLES = int(os.environ.get("YUSUAN_FUZZ_EXAMPLES", "60"))
# hypothesis draws from this seed; a failure notes it, so `YUSUAN_FUZZ_SEED=… pytest` replays the run
SEED = int(os.environ.get("YUSUAN_FUZZ_SEED") or random.SystemRandom().randrange(2**32))
HANG = 60  # seconds: an example still running then is stopped and fails as a hang

CORPUS = FIXTURES / "corpus"
TEXTS = [EXAMPLE, FIXTURES / "changji-corrected.txt"]


def fuzz(share: float, deadline: float) -> settings:
    """Settings of one fuzz test: `share` × EXAMPLES examples, each within `deadline` seconds."""
    return settings(max_examples=max(1, round(share * EXAMPLES)), deadline=timedelta(seconds=deadline),
                    print_blob=True, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                                            HealthCheck.large_base_example])


class Hang(Exception):
    """An example ran past HANG seconds."""


@contextmanager
def hang_limit() -> Iterator[None]:
    """Stop an example that runs forever (hypothesis's deadline only measures one that ends)."""
    def stop(signum: int, frame: Any) -> None:
        raise Hang(f"运行超过 {HANG} 秒")

    previous = signal.signal(signal.SIGALRM, stop)
    signal.setitimer(signal.ITIMER_REAL, HANG)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


# ---------------------------------------------------------------- seeds

def render(layout: Layout) -> str:
    """A layout written back as a text export: a cell per line after a TAB, rows apart by a blank
    line, two blank lines after a grid (so the next prose line does not continue its last cell)."""
    out: list[str] = []
    for item in layout.items:
        if isinstance(item, Line):
            out.append(item.text)
            continue
        out.append("")
        for row in item.rows:
            out += ["\t" + c.text for c in row]
            out.append("")
        out.append("")
    return "\n".join(out) + "\n"


# the seed documents by name, filled by the fixture `seeds` before any test draws from them
SEEDS: dict[str, str] = {}
# PDFs of eight templates (the corpus has more of each; reading all of them would only slow the start)
SEED_PDFS = [CORPUS / f"{name}.pdf" for name in (
    "01_guangzhou_qixiangju_2026_budget", "04_shenzhen_qixiangju_2026_budget", "06_hangzhou_qixiangju_2026_budget",
    "09_xian_qixiangju_2022_budget", "11_foshan_guidaojiaotong_2019_final", "14_shanghai_putuo_sifaju_2026_budget",
    "31_suzhou_jiaotongyunshu_2026_budget", "42_fuzhou_shangwuju_2026_budget")]
SEED_NAMES = sorted([*(path.name for path in TEXTS), *(pdf.stem + ".txt" for pdf in SEED_PDFS)])
# every distinct cell and line the seeds print (up to 40 characters): headers, codes, labels,
# amounts and captions in the documents' own words
VOCABULARY: list[str] = []


@pytest.fixture(scope="module")
def seeds(request: pytest.FixtureRequest) -> None:
    """The example, its corrected version, and each corpus PDF as a text export. Reading the PDFs
    takes about ten seconds, so their text is kept in pytest's cache (when on) by the PDF's hash."""
    cache = getattr(request.config, "cache", None)
    SEEDS.update({path.name: path.read_text("utf-8") for path in TEXTS})
    for pdf in SEED_PDFS:
        data = pdf.read_bytes()
        key = f"yusuan/fuzz-seed/{hashlib.sha256(data).hexdigest()}"
        text = cache.get(key, None) if cache else None
        if text is None:
            text = render(layout_of(data, pdf.name))
            if cache:
                cache.set(key, text)
        SEEDS[pdf.stem + ".txt"] = text
    VOCABULARY[:] = sorted({w for text in SEEDS.values() for line in text.split("\n") if 0 < len(w := squash(line)) <= 40})
    check(read_bytes(EXAMPLE.read_bytes(), EXAMPLE.name))  # imports and catalogs loaded before any deadline


class Case:
    """One fuzzed input: its seed, the changes made to it (shown when it fails) and its bytes."""

    def __init__(self, seed: str, changes: list[str], data: bytes) -> None:
        self.seed, self.changes, self.data = seed, changes, data

    def __repr__(self) -> str:
        return f"Case({self.seed!r}, {self.changes!r}, {len(self.data)} 字节)"


# ---------------------------------------------------------------- strategies

CONTROL = "\x00\x01\x08\x0b\x0c\x1b\x1c\x1f\x7f\x85\u00a0\u2028\u2029\u3000\u200b\ufeff\ufffd\t\r"
TOKENS = ["表1", "表 3", "表12-1", "合计", "总计", "小计", "其中：", "单位：万元", "单位:元", "编制单位：", "第一部分",
          "第三部分 ", "一、", "（一）", "1.", "项目支出绩效目标表", "一级指标", "预算单位", "项目名称", "项目资金（万元）",
          "年度预算总额", "名词解释", "万元", "元", "%", "％", "增加", "减少", "持平", "201", "20101", "2010101",
          "30101", "[2080505]", "【2130101】", "2023年", "2026年度", "空表", "本部门没有政府性基金预算拨款", "主要原因是"]
characters = st.one_of(
    st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF),  # CJK
    st.characters(min_codepoint=0x20, max_codepoint=0x7E),  # ASCII
    st.sampled_from(CONTROL),
    st.characters(exclude_categories=("Cs",)),  # anything encodable
)
junk = st.one_of(st.text(characters, min_size=1, max_size=8), st.sampled_from(TOKENS))

# numbers as the tables print them, and broken in the ways documents break them
digits = st.from_regex(r"[0-9]{1,9}", fullmatch=True)
numbers = st.one_of(
    st.decimals(min_value=-10**9, max_value=10**9, places=2, allow_nan=False).map(str),
    st.decimals(min_value=0, max_value=10**9, places=2, allow_nan=False).map(lambda d: f"{d:,}"),
    st.builds(lambda a, b: f"{a}.{b}", digits, digits),
    st.lists(digits, min_size=2, max_size=5).map(",".join),  # 1,2,3
    st.lists(digits, min_size=3, max_size=5).map(".".join),  # 1.2.3.4.5
    digits.map(lambda d: f"（{d}.3）"), digits.map(lambda d: f"({d})"), digits.map(lambda d: f"−{d}"),
    digits.map(lambda d: f"－{d}.5"), digits.map(lambda d: f"{d}％"), digits.map(lambda d: f"{d}%"),
    digits.map(lambda d: f"{d}亿元"), digits.map(lambda d: f"{d}万元"), digits.map(lambda d: f"{d} . 5"),
    digits.map(lambda d: d.translate(str.maketrans("0123456789", "０１２３４５６７８９"))),  # full-width
    digits.map(lambda d: d.translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))),  # Arabic-Indic
    st.from_regex(r"[0-9]{20,60}(\.[0-9]{1,40})?", fullmatch=True),  # beyond Decimal's 28 digits
    st.from_regex(r"0\.0{10,40}[1-9]", fullmatch=True),
    st.sampled_from(["-", "—", "－", "/", ".", "-.", "0", "-0", "0.00", "1e5", "1E+30", "NaN", "Infinity", "-inf",
                     "sNaN", "12..3", "1,234,56", ",123", "123,", "1 234.5", "1\u00a0234", "（）", "()", "--1", "+5"]),
)


@st.composite
def text_mutations(draw: st.DrawFn, text: str, changes: list[str]) -> str:
    """1–6 changes at the level of characters, lines, tables, numbers and sentences, each
    described in `changes`."""
    lines = text.split("\n")
    for _ in range(draw(st.integers(1, 6))):
        lines = lines or [""]  # every line deleted: the next change works on an empty one
        n = len(lines)
        i = draw(st.integers(0, n - 1))
        op = draw(st.sampled_from(OPS))
        line = lines[i]
        k = draw(st.integers(0, len(line)))
        detail: object = k
        if op == "delete_chars":
            detail = (k, draw(st.integers(1, 20)))
            lines[i] = line[:k] + line[k + detail[1]:]
        elif op == "insert_chars":
            detail = (k, draw(junk))
            lines[i] = line[:k] + detail[1] + line[k:]
        elif op == "duplicate_chars":
            lines[i] = line[:k] + line[k:k + 10] + line[k:]
        elif op == "change_digit":
            spots = [m.start() for m in re.finditer(r"\d", line)]
            if spots:
                detail = (draw(st.sampled_from(spots)), draw(st.sampled_from("0123456789１")))
                lines[i] = line[:detail[0]] + detail[1] + line[detail[0] + 1:]
        elif op == "whitespace":
            detail = draw(st.sampled_from(["", " ", "\t", "\u3000", "  ", "\t\t"]))
            lines[i] = line[:k] + detail + line[k:] if detail else re.sub(r"[ \t\u3000]", "", line)
        elif op == "tab":  # a cell becomes prose, or prose a cell
            lines[i] = line[1:] if line.startswith("\t") else "\t" + line
        elif op == "delete_line":
            detail = draw(st.integers(1, 30))
            del lines[i:i + detail]
        elif op == "duplicate_line":
            detail = draw(st.integers(1, 30))
            lines[i:i] = lines[i:i + detail]
        elif op == "swap_lines":
            detail = draw(st.integers(0, max(n - 1, 0)))
            if lines:
                lines[i], lines[detail] = lines[detail], lines[i]
        elif op == "split_line":
            lines[i:i + 1] = [line[:k], line[k:]]
        elif op == "merge_lines":
            lines[i:i + 2] = ["".join(lines[i:i + 2])]
        elif op == "truncate":
            lines = [*lines[:i], line[:k]]
        elif op == "number":
            cells = [j for j, t in enumerate(lines) if t.startswith("\t") and _is_number(t)]
            if cells:
                i, detail = draw(st.sampled_from(cells)), draw(numbers)
                lines[i] = f"\t{detail}"
        elif op in ("drop_table", "repeat_table", "empty_caption"):
            starts = [j for j, t in enumerate(lines) if re.match(r"^\s*表\s*\d", t)]
            if starts:
                i = draw(st.sampled_from(starts))
                end = next((j for j in starts if j > i), len(lines))
                detail = end + 1
                if op == "drop_table":
                    del lines[i:end]
                elif op == "repeat_table":
                    lines[end:end] = lines[i:end]
                else:
                    detail = draw(st.sampled_from(["", "表", "\t", " "]))
                    lines[i] = detail
        elif op == "shuffle_rows":
            rows = _rows(lines)
            if len(rows) > 1:
                a = draw(st.integers(0, len(rows) - 2))
                b = draw(st.integers(a + 1, min(a + 12, len(rows) - 1)))
                order = draw(st.permutations(range(a, b + 1)))
                i, end = rows[a][0], rows[b][1]
                detail = [rows[r][0] + 1 for r in order]
                lines[i:end] = [t for r in order for t in lines[rows[r][0]:rows[r][1]]]
        elif op == "sentence":
            prose = [j for j, t in enumerate(lines) if t.strip() and not t.startswith("\t")]
            i = draw(st.sampled_from(prose)) if prose else 0
            detail = draw(sentences())
            lines[i:i + draw(st.integers(0, 1))] = [detail]
        changes.append(f"第{i + 1}行 {op} {detail!r}")
    return "\n".join(lines)


OPS = ["delete_chars", "insert_chars", "duplicate_chars", "change_digit", "whitespace", "tab", "delete_line",
       "duplicate_line", "swap_lines", "split_line", "merge_lines", "truncate", "number", "drop_table",
       "repeat_table", "empty_caption", "shuffle_rows", "sentence"]


def _is_number(line: str) -> bool:
    try:
        return parse_amount(line) is not None
    except ValueError:
        return False


def _rows(lines: list[str]) -> list[tuple[int, int]]:
    """The spans of a text export's table rows: runs of cell lines, with the blank line after."""
    rows: list[tuple[int, int]] = []
    j = 0
    while j < len(lines):
        if lines[j].startswith("\t"):
            start = j
            while j < len(lines) and lines[j].startswith("\t"):
                j += 1
            rows.append((start, j + 1 if j < len(lines) and not lines[j].strip() else j))
        j += 1
    return rows


ENCODINGS = ["utf-8", "utf-8-sig", "gb18030", "utf-16"]  # utf-16: with its BOM, as Notepad saves "Unicode"


@st.composite
def documents(draw: st.DrawFn) -> Case:
    """A seed document, changed as text, then encoded as a text export may come, sometimes
    with damaged bytes."""
    name = draw(st.sampled_from(SEED_NAMES))
    changes: list[str] = []
    encoding = draw(st.sampled_from(ENCODINGS))
    changes.append(encoding)
    data = draw(text_mutations(SEEDS[name], changes)).encode(encoding)
    for _ in range(draw(st.sampled_from([0, 0, 0, 1, 2, 3]))):  # a damaged byte mostly ends in 无法解码: not too often
        at = draw(st.integers(0, len(data)))
        op = draw(st.sampled_from(["flip", "insert", "delete", "truncate"]))
        if op == "flip" and at < len(data):
            data = data[:at] + bytes([data[at] ^ draw(st.integers(1, 255))]) + data[at + 1:]
        elif op == "insert":
            data = data[:at] + draw(st.binary(min_size=1, max_size=4)) + data[at:]
        elif op == "delete":
            data = data[:at] + data[at + 1:]
        else:
            data = data[:at]
        changes.append(f"字节{at} {op}")
    return Case(name, changes, data)


# claim sentences: subjects, figures and wording as the narratives print them
SUBJECTS = ["一般公共预算拨款支出", "基本支出", "项目支出", "人员经费", "公用经费", "“三公”经费", "因公出国（境）费",
            "公务用车购置及运行费", "公务接待费", "公务用车购置费", "机关运行经费", "政府采购预算", "授予中小企业合同金额",
            "一般公共服务支出（类）", "行政运行（项）", "收入总预算", "支出总预算", "部门收支总预算", "政府性基金预算拨款支出",
            "国有资本经营预算财政拨款支出", "财政拨款收入", "事业收入", "车辆", "办公设备", "2026年预算安排",
            "2025年预算执行数", "上年", "其中：", "本年", "金额", ""]
UNITS = ["万元", "元", "万 元", "亿元", ""]


@st.composite
def figures(draw: st.DrawFn) -> str:
    n = draw(numbers)
    kind = draw(st.sampled_from(["amount", "share", "change", "growth", "flat", "count", "junk"]))
    if kind == "amount":
        return f"{draw(st.sampled_from(['为', '', '共计', '合计为', '安排']))}{n}{draw(st.sampled_from(UNITS))}"
    if kind == "share":
        return f"占{draw(st.sampled_from(['', '总支出的', '比', '比重为', '收入的比例为']))}{n}{draw(st.sampled_from('%％'))}"
    if kind == "change":
        return (f"{draw(st.sampled_from(['比上年', '较上年预算', '同比', '与上年相比', '比2025年预算执行数', '']))}"
                f"{draw(st.sampled_from(['增加', '减少', '增长', '下降', '减', '增', '变化']))}"
                f"{n}{draw(st.sampled_from([*UNITS, '%', '％']))}")
    if kind == "growth":
        return f"{draw(st.sampled_from(['增长', '下降']))}{n}{draw(st.sampled_from('%％'))}"
    if kind == "flat":
        return draw(st.sampled_from(["与上年持平", "持平", "无增减变化", "与上年一致"]))
    if kind == "count":
        return f"{n}{draw(st.sampled_from(['辆', '台', '台（套）', '平方米', '个', '人', '名', '项', '套']))}"
    return draw(junk)


@st.composite
def sentences(draw: st.DrawFn) -> str:
    clauses = []
    for _ in range(draw(st.integers(1, 4))):
        parts = [draw(st.sampled_from(["", "其中：", "1.", "（一）", "2026年", "本部门", "包括："])),
                 draw(st.sampled_from(SUBJECTS))]
        parts += [draw(figures()) + draw(st.sampled_from(["", "，", "、", " "])) for _ in range(draw(st.integers(1, 4)))]
        if draw(st.booleans()):
            parts.append(f"，{draw(st.sampled_from(['主要原因是', '原因为', '主要用于']))}{draw(SUBJECT_TEXT)}"
                         f"增加{REASON_FIGURE}万元")
        clauses.append("".join(parts) + draw(st.sampled_from(["。", "；", ";", "", "，"])))
    return "".join(clauses)


REASON_FIGURE = "8642.9753"  # no other figure prints so
SUBJECT_TEXT = st.text(st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF), max_size=6)


# ---------------------------------------------------------------- what must hold

def finite(values: Iterable[Decimal | None]) -> None:
    for value in values:
        assert value is None or (isinstance(value, Decimal) and value.is_finite()), value


def check_layout(layout: Layout, lines: int) -> None:
    """A text export's layout: prose lines and grids whose cells sit in order on lines of the file."""
    for item in layout.items:
        if isinstance(item, Line):
            assert item.text.strip() and 1 <= item.source.line <= lines
            continue
        assert item.rows and all(item.rows)
        numbers = [c.source.line for row in item.rows for c in row]
        assert numbers == sorted(numbers) and len(set(numbers)) == len(numbers) and 1 <= numbers[0] <= lines
        assert all(c.col == j and c.colspan == 1 for row in item.rows for j, c in enumerate(row))


def check_disclosure(d: Disclosure, lines: int | None) -> None:
    """What the recogniser returns: valid against the model, every amount finite, every cell of
    a row in a column of its table, every header cell over the table's columns."""
    data = d.model_dump()
    for table, dumped in zip(d.tables, data["tables"], strict=True):
        dumped["columns"] = [c.model_dump() for c in table.columns]  # JSON carries keys only
    assert Disclosure.model_validate(data) == d
    d.model_dump_json()
    for table in d.tables:
        keys = [c.key for c in table.columns]
        assert len(set(keys)) == len(keys), keys
        amounts = set(table.amount_keys)
        for row in table.rows:
            assert set(row.values) <= amounts and set(row.raw) <= set(keys) and set(row.source) <= set(keys), (
                table.number, row)
            finite(row.values.values())
            assert row.level is None or (row.code and len(row.code) == 2 * row.level + 1), row
            if lines is not None:
                assert all(1 <= s.line <= lines for s in row.source.values() if s.line is not None)
        for cell in table.header:
            assert cell.col >= 0 and cell.col + cell.colspan <= len(keys) and cell.colspan >= 1, (table.number, cell)
    for claim in d.narrative.claims:
        check_claim(claim, claim.text)
    for target in d.performance_targets:
        finite([target.total, target.fiscal, target.other])
        finite(v for ind in target.indicators for v in (ind.number, ind.weight))


def check_claim(claim: Claim, text: str) -> None:
    finite([claim.amount, claim.share, claim.change, claim.prior, claim.growth_rate, claim.count])
    assert claim.text == text.strip()
    for raw in claim.raw.values():
        assert squash(raw) in squash(text), (raw, text)
    for key in ("amount", "count"):  # the figure printed, read exactly
        if getattr(claim, key) is not None:
            printed = re.search(r"\d[\d,]*(\.\d+)?", claim.raw[key])
            assert printed and Decimal(printed[0].replace(",", "")) == getattr(claim, key), (key, claim)
    for key in ("change", "growth_rate"):
        value = getattr(claim, key)
        if value is not None and value != 0:
            assert (value < 0) == claim.raw[key].startswith(("减少", "下降", "减")), (key, claim)


def check_report(report: Report) -> None:
    Report.model_validate(report.model_dump())
    report.model_dump_json()
    finite(v for f in report.findings for v in (f.stated, f.expected, f.difference, f.tolerance))
    for correction in report.localisation:  # a likely value is a number, and zero has no sign
        assert correction.likely != "-0.00" and (correction.column == "编码" or Decimal(correction.likely).is_finite())
    assert report.summary["errors"] + report.summary["warnings"] + report.summary["info"] == len(report.findings)


def read_and_check(data: bytes, file: str, lines: int | None) -> None:
    """The whole reading side on one input: a Disclosure and its Report, or one YusuanError."""
    note(f"重现：YUSUAN_FUZZ_SEED={SEED}")
    with hang_limit():
        try:
            disclosure = read_bytes(data, file)
        except YusuanError as exc:
            assert str(exc).startswith(file)
            event("无法读取（YusuanError）")
            return
        check_disclosure(disclosure, lines)
        check_report(check(disclosure))
        event(f"读取并核查：识别出 {len(disclosure.tables)} 张表")


def line_count(data: bytes) -> int:
    return data.count(b"\n") + data.count(b"\r") + 1


# ---------------------------------------------------------------- the fuzz tests

@seed(SEED)
@fuzz(share=2.4, deadline=5)
@given(case=documents())
def test_text_reader_keeps_every_printed_character(seeds: None, case: Case) -> None:
    note(f"{case!r}\n重现：YUSUAN_FUZZ_SEED={SEED}")
    with hang_limit():
        try:
            layout = read_text(case.data, case.seed)
        except YusuanError as exc:
            assert str(exc).startswith(case.seed)
            return
    check_layout(layout, line_count(case.data))
    printed = "".join(i.text if isinstance(i, Line) else "".join(c.text for r in i.rows for c in r)
                      for i in layout.items)
    assert squash(printed) == squash(decode(case.data, case.seed))


@seed(SEED)
@fuzz(share=1, deadline=20)
@given(case=documents())
def test_reading_and_checking_a_mutated_document(seeds: None, case: Case) -> None:
    note(repr(case))
    read_and_check(case.data, case.seed, line_count(case.data))


@seed(SEED)
@fuzz(share=12, deadline=2)
@given(text=sentences(), line=st.integers(1, 5000), section=st.sampled_from([None, "一、收支预算总体情况",
                                                                            "（五）“三公”经费", "三、资产情况"]))
def test_claim_parser(text: str, line: int, section: str | None) -> None:
    note(f"重现：YUSUAN_FUZZ_SEED={SEED}")
    with hang_limit():
        claims = parse_claims(text, Source(line=line), section, ("昌吉州工业和信息化局",))
    for claim in claims:
        check_claim(claim, text)
        assert claim.line == line and claim.section == section
        Claim.model_validate(claim.model_dump())
        assert REASON_FIGURE not in "".join(claim.raw.values()), claim  # a reason's figure is no claim


@seed(SEED)
@fuzz(share=12, deadline=1)
@given(text=st.one_of(numbers, st.text(characters, max_size=12)))
def test_numbers_parse_finite_or_not_at_all(text: str) -> None:
    try:
        value = parse_amount(text)
    except ValueError:
        value = None
    else:
        finite([value])
        if value is not None:
            assert parse_amount(f"{value:f}") == value  # printed plainly, it reads back the same
    cmp, number, _ = indicator_value(text)
    finite([number])
    assert number is None or cmp in (None, "≥", "≤", ">", "<", "=")


@cache
def seed_tables(name: str) -> list[tuple[list[str], list[list[str]]]]:
    """A seed's tables: the lines printed before each (number, title, unit) and its cells."""
    tables, lines = [], []
    for item in read_text(SEEDS[name].encode(), name).items:
        if isinstance(item, Line):
            lines.append(item.text)
        else:
            tables.append((lines[-3:], [[c.text for c in row] for row in item.rows]))
            lines = []
    return tables


@st.composite
def sheets(draw: st.DrawFn) -> Layout:
    """Tables of the seeds laid out as the Word, Excel and HTML readers lay them out (through
    tabular.py: cells on a grid, merged ranges printed once), with cells changed and merged."""
    items: list[Line | Grid] = []
    for _ in range(draw(st.integers(1, 3))):
        captions, rows = draw(st.sampled_from(seed_tables(draw(st.sampled_from(SEED_NAMES)))))
        start = draw(st.integers(0, max(len(rows) - 1, 0)))
        rows = rows[:draw(st.integers(0, 4))] + rows[start:start + draw(st.integers(1, 20))]  # header and some body
        cells = {(r, c): t for r, row in enumerate(rows) for c, t in enumerate(row)}
        height, width = len(rows), max(len(r) for r in rows)
        for _ in range(draw(st.integers(0, 6))):
            cells[(draw(st.integers(0, height - 1)), draw(st.integers(0, width - 1)))] = draw(
                st.one_of(st.just(""), numbers, st.sampled_from(VOCABULARY), junk))
        merges: list[tuple[int, int, int, int]] = []
        taken: set[tuple[int, int]] = set()
        for _ in range(draw(st.integers(0, 4))):
            r0, c0 = draw(st.integers(0, height - 1)), draw(st.integers(0, width - 1))
            r1, c1 = draw(st.integers(r0, min(r0 + 2, height - 1))), draw(st.integers(c0, width - 1))
            area = {(r, c) for r in range(r0, r1 + 1) for c in range(c0, c1 + 1)}
            if not area & taken:  # Excel's merged ranges never overlap
                taken |= area
                merges.append((r0, r1, c0, c1))
        items += [Line(text=t, source=_source(0, 0)) for t in captions[draw(st.integers(0, len(captions))):]]
        items += Grid.placed_rows(rows_from_sheet({k: v for k, v in cells.items() if v}, merges, _source))
    return Layout(file="fuzz.xlsx", format="xlsx", items=items)


def _source(row: int, col: int) -> Source:
    return Source(sheet="表", line=row + 1, col=col + 1)


@seed(SEED)
@fuzz(share=1.6, deadline=20)
@given(layout=sheets())
def test_recognising_and_checking_grids_as_office_readers_lay_them_out(seeds: None, layout: Layout) -> None:
    note(f"重现：YUSUAN_FUZZ_SEED={SEED}")
    with hang_limit():
        try:
            disclosure = recognise(layout)
        except YusuanError as exc:
            assert str(exc).startswith("fuzz.xlsx")
            return
        check_disclosure(disclosure, None)
        check_report(check(disclosure))


# ---------------------------------------------------------------- what the fuzzing found, kept

def _sheet(captions: list[str], cells: dict[tuple[int, int], str],
           merges: list[tuple[int, int, int, int]]) -> Disclosure:
    items: list[Line | Grid] = [Line(text=t, source=_source(0, 0)) for t in captions]
    return recognise(Layout(file="t.xlsx", format="xlsx",
                            items=items + Grid.placed_rows(rows_from_sheet(cells, merges, _source))))


def _over_columns(d: Disclosure) -> bool:
    return all(h.col + h.colspan <= len(t.columns) for t in d.tables for h in t.header)


def test_amounts_under_two_heads_are_no_list_printed_in_halves() -> None:
    """预算数 | 决算数 side by side (Foshan's 2019 三公 table) once became two half-empty rows."""
    cells = {(0, 0): "预算数", (0, 3): "决算数"}
    cells |= {(1, c): t for c, t in enumerate(["合计", "因公出国（境）费", "公务接待费"] * 2)}
    cells |= {(2, c): t for c, t in enumerate(["1.00", "0.50", "0.50", "0.80", "0.30", "0.50"])}
    d = _sheet(["表7", "“三公”经费支出表"], cells, [(0, 0, 0, 2), (0, 0, 3, 5)])
    (row,) = d.tables[0].rows
    assert (row.values["total"], row.values["total_2"], row.values["reception_2"]) == (
        Decimal("1.00"), Decimal("0.80"), Decimal("0.50"))
    check_disclosure(d, None)


def test_a_list_printed_in_halves_has_the_header_of_one_list() -> None:
    """Unfolded into one list, the halves' header once still spoke of six columns over four."""
    cells = {(0, 0): "人员经费", (0, 3): "公用经费"}
    cells |= {(1, c): t for c, t in enumerate(["经济分类科目编码", "科目名称", "金额"] * 2)}
    cells |= {(2, c): t for c, t in enumerate(["30101", "基本工资", "1.00", "30201", "办公费", "2.00"])}
    table = _sheet(["表6", "一般公共预算基本支出表"], cells, [(0, 0, 0, 2), (0, 0, 3, 5)]).tables[0]
    assert [(h.text, h.col, h.colspan) for h in table.header] == [
        ("经济分类科目编码", 0, 1), ("科目名称", 1, 1), ("人员经费", 2, 1), ("公用经费", 3, 1)]
    assert [c.key for c in table.columns] == ["code", "name", "personnel", "public"]


def test_halves_under_heads_of_one_meaning_keep_two_amount_columns() -> None:
    """合计 | 总计 over two halves both mean `total`: the list had two columns of one key, and the
    second half's amounts overwrote the first's."""
    cells = {(0, 0): "合计", (0, 2): "总计"}
    cells |= {(1, c): t for c, t in enumerate(["科目名称", "金额"] * 2)}
    cells |= {(2, c): t for c, t in enumerate(["基本工资", "1.00", "办公费", "2.00"])}
    table = _sheet(["表6", "一般公共预算基本支出表"], cells, [(0, 0, 0, 1), (0, 0, 2, 3)]).tables[0]
    assert [c.key for c in table.columns] == ["name", "total", "total_2"]
    assert [(r.label, r.values["total"], r.values["total_2"]) for r in table.rows] == [
        ("基本工资", Decimal("1.00"), None), ("办公费", None, Decimal("2.00"))]


def test_a_header_row_longer_than_the_row_below_stays_over_the_columns() -> None:
    """Text export: a header row with more cells than the row under it kept stale columns, and
    the row above it then spanned past the table (Xi'an's 三公 table written back as text)."""
    rows = [["上年数", "本年数"], ["合计", "基本支出", "项目支出"], ["小计", "人员"],
            ["201", "一般公共服务支出", "1", "1", "0", "1"]]
    text = "表3\n部门支出总表\n\n" + "\n\n".join("\n".join(f"\t{c}" for c in row) for row in rows) + "\n"
    d = read_bytes(text.encode(), "t.txt")
    assert len(d.tables[0].columns) == 6 and _over_columns(d)


def test_a_grid_with_an_empty_body_keeps_every_grid_column() -> None:
    """A PDF table with nothing in its body (Xi'an's empty 政府性基金 table) was one column short:
    the width came from the header's leaf row, which a vertically merged 序号 leaves short."""
    def cell(text: str, col: int, span: int = 1) -> Cell:
        return Cell(text=text, source=Source(page=1), col=col, colspan=span)

    leaf = ["项目", "预算数", "支出功能分类科目", "预算数", "经济分类科目", "预算数", "政府经济分类科目", "预算数"]
    grid = Grid(rows=[[cell("序号", 0), cell("收入", 1, 2), cell("支出", 3, 6)],
                      [cell(t, c) for c, t in enumerate(leaf, start=1)],
                      [cell("", c) for c in range(9)]], source=Source(page=1), header_rows=2)
    d = recognise(Layout(file="t.pdf", format="pdf", items=[Line(text="表9", source=Source(page=1)),
                                                            Line(text="政府性基金收支表", source=Source(page=1)), grid]))
    assert len(d.tables[0].columns) == 9 and _over_columns(d)


def test_a_figure_too_large_for_a_float_is_localised() -> None:
    """A 24-digit figure has no exact float: the solver failed on it and named no cell at all."""
    lines = EXAMPLE.read_text("utf-8").split("\n")
    assert lines[751] == "\t101.77"  # 表3 208 合计
    lines[751] = "\t955035261960658109885150"
    report = check(read_bytes("\n".join(lines).encode(), EXAMPLE.name))
    check_report(report)
    assert [c.likely for c in report.localisation if c.line == 752] == ["101.77"]


def _grid(rows: list[list[str]], header_rows: int, spans: dict[tuple[int, int], int] | None = None) -> Grid:
    """Cells as an office reader places them: one per grid column unless `spans` widens one."""
    out = []
    for r, texts in enumerate(rows):
        col, row = 0, []
        for text in texts:
            span = (spans or {}).get((r, col), 1)
            row.append(Cell(text=text, source=_source(r, col), col=col, colspan=span))
            col += span
        out.append(row)
    return Grid(rows=out, source=_source(0, 0), header_rows=header_rows)


def test_halves_without_an_amount_are_no_list_printed_in_halves() -> None:
    """Two header groups of label columns only: unfolding them looked for an amount column that
    is not there (ValueError)."""
    grid = _grid([["项目", "国有资本经营预算支出", ""], ["功能分类科目编码", ""]], 2, {(1, 0): 2})
    d = recognise(Layout(file="t.xlsx", format="xlsx", items=[
        Line(text="2026年部门国有资本经营预算支出功能分类预算表", source=_source(0, 0)), grid]))
    assert d.tables[0].kind == "state_capital_expense" and not d.tables[0].rows
    check_report(check(d))


def test_a_garbled_total_beside_a_38_digit_figure() -> None:
    """No cell of the solver's first stage (it failed on the figure), no failing identity: the
    exact stage was given nothing to choose from (once a ValueError from the solver)."""
    grid = _grid([["", "本年支出合计", "对附属单位补助支出"], ["", "1.2.3", "99466160593911554620003892973206875063"]], 1)
    d = recognise(Layout(file="t.xlsx", format="xlsx", items=[Line(text="支出决算表", source=_source(0, 0)), grid]))
    report = check(d)
    check_report(report)
    assert {c.stated: c.likely for c in report.localisation} == {
        "1.2.3": "0.00", "99466160593911554620003892973206875063": "0.00"}


def test_localisation_with_no_cell_to_choose_names_none(monkeypatch: pytest.MonkeyPatch) -> None:
    """When the solver's first stage finds no cell and no identity fails, nothing is localised."""
    from yusuan.check import localise

    monkeypatch.setattr(localise._Program, "reweighted_l1", lambda self, rounds=2: set())
    grid = _grid([["", "本年支出合计", "对附属单位补助支出"], ["", "1.2.3", "5.00"]], 1)
    d = recognise(Layout(file="t.xlsx", format="xlsx", items=[Line(text="支出决算表", source=_source(0, 0)), grid]))
    report = check(d)
    assert report.localisation == [] and any(f.rule == "text.not_a_number" for f in report.findings)


def test_a_word_in_an_amount_column_is_a_reading_notice_not_an_error() -> None:
    """`减少` where a figure is due is yusuan's misreading (a header or label out of place): no error,
    no cell proposed, a notice in the reading report."""
    grid = _grid([["", "本年支出合计", "对附属单位补助支出"], ["", "减少", "5.00"]], 1)
    d = recognise(Layout(file="t.xlsx", format="xlsx", items=[Line(text="支出决算表", source=_source(0, 0)), grid]))
    report = check(d)
    assert report.localisation == [] and not [f for f in report.findings if f.rule == "text.not_a_number"]
    assert [n.rule for n in report.reading.notices] == ["reading.cell"] and "减少" in report.reading.notices[0].message


def test_a_likely_value_of_zero_has_no_sign() -> None:
    """The solver's −0.001 was printed as a likely value of −0.00."""
    from yusuan.check.localise import _decimal

    assert str(_decimal(-0.001)) == "0.00" and str(_decimal(-0.006)) == "-0.01"
