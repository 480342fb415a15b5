"""A region's list of departments and units with their approval dates (名单): read from a CSV or an Excel
workbook (its columns in data/register.toml), and the workbook to fill, with its instructions."""

from __future__ import annotations

import csv
import io
import re
import tomllib
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from importlib import resources
from typing import Any

from yusuan.errors import YusuanError
from yusuan.model.numbers import squash
from yusuan.store.season import Listed

MAX_ROWS = 20_000  # a province lists a few thousand units
KINDS = {"预算": "budget", "决算": "final", "budget": "budget", "final": "final", "": "budget"}
_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")


@dataclass(frozen=True)
class Column:
    id: str
    name: str
    aliases: tuple[str, ...]
    required: bool
    help: str


@cache
def columns() -> tuple[Column, ...]:
    data = tomllib.loads(resources.files("yusuan.data").joinpath("register.toml").read_text("utf-8"))
    return tuple(Column(c["id"], c["name"], tuple(c.get("aliases", ())), c.get("required", False), c.get("help", ""))
                 for c in data["column"])


def parse_date(value: Any) -> date | None:
    """A date as a workbook or a person writes it: a date cell, 2026-01-20, 2026/1/20, 2026年1月20日, 20260120."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        value = value.isoformat()
    text = squash(str(value))
    if re.fullmatch(r"\d{8}", text):
        text = f"{text[:4]}-{text[4:6]}-{text[6:]}"
    m = _DATE.match(text)
    if not m or not 1900 <= int(m[1]) <= 2999:  # a year of budgets, and a deadline after it still a date
        raise ValueError(text)
    return date(int(m[1]), int(m[2]), int(m[3]))


def read_register(data: bytes, name: str) -> list[Listed]:
    """The rows of a list (CSV, or the first sheet of an .xlsx); every problem named by its row, all at once."""
    table = _workbook_rows(data, name) if data.startswith(b"PK\x03\x04") else _csv_rows(data, name)
    header_at, keys = _header(table, name)
    rows: list[Listed] = []
    problems: list[str] = []
    seen: dict[tuple, int] = {}
    for line, cells in table[header_at + 1:]:
        values = {key: cells[i] if i < len(cells) else None for i, key in keys.items()}
        if all(_text(v) == "" for v in values.values()):
            continue
        try:
            row = _listed(values, line)
        except ValueError as error:
            problems.append(f"第{line}行：{error}")
            continue
        key = (row.region, row.unit, row.year, row.kind)
        if key in seen:
            problems.append(f"第{line}行：{row.unit}{row.year}年{'决算' if row.kind == 'final' else '预算'}与第{seen[key]}行重复")
            continue
        seen[key] = line
        rows.append(row)
    if problems:
        listed = "\n".join(f"  {p}" for p in problems[:50])
        more = f"\n  ……共 {len(problems)} 个问题" if len(problems) > 50 else ""
        raise YusuanError(f"名单有 {len(problems)} 个问题：\n{listed}{more}", file=name)
    if not rows:
        raise YusuanError("名单中没有单位", file=name)
    return rows


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _listed(values: dict[str, Any], line: int) -> Listed:
    text = {k: _text(v) for k, v in values.items()}
    missing = [c.name for c in columns() if c.required and not text.get(c.id)]
    if missing:
        raise ValueError(f"缺少{'、'.join(missing)}")
    try:
        year = int(text["year"].removesuffix("年"))
    except ValueError:
        raise ValueError(f"年度“{text['year']}”不是年份") from None
    if not 1900 <= year <= 2999:
        raise ValueError(f"年度“{year}”不是年份")
    kind = KINDS.get(text.get("kind", "").removesuffix("公开"))
    if kind is None:
        raise ValueError(f"类型“{text['kind']}”应为预算或决算")
    scope = text.get("scope") or ("部门" if text["unit"] == text["department"] else "单位")
    if scope not in ("部门", "单位"):
        raise ValueError(f"级次“{scope}”应为部门或单位")
    dates = {}
    for key, label in (("approved_on", "批复日期"), ("published_on", "公开日期")):
        try:
            dates[key] = parse_date(values.get(key))
        except ValueError:
            raise ValueError(f"{label}“{text.get(key)}”无法识别（应写成 2026-01-20）") from None
    for key, bound in (("region", 100), ("department", 200), ("unit", 200), ("url", 500)):
        if len(text.get(key, "")) > bound:
            raise ValueError(f"{next(c.name for c in columns() if c.id == key)}超过 {bound} 个字")
    return Listed(region=text["region"], department=text["department"], unit=text["unit"], year=year, kind=kind,
                  scope=scope, line=line, url=text.get("url") or None, note=text.get("note") or None, **dates)


def _header(table: list[tuple[int, list]], name: str) -> tuple[int, dict[int, str]]:
    """The header row (the first that names the required columns; a title may stand above it) and the
    column each known header is in."""
    names = {squash(alias): c.id for c in columns() for alias in (c.name, *c.aliases)}
    for at, (_, cells) in enumerate(table[:20]):
        keys = {i: names[squash(_text(v))] for i, v in enumerate(cells) if squash(_text(v)) in names}
        if {c.id for c in columns() if c.required} <= set(keys.values()):
            return at, keys
    wanted = "、".join(c.name for c in columns() if c.required)
    raise YusuanError(f"没有找到名单的表头（应有{wanted}等列；可用 yusuan register template 生成名单模板）", file=name)


def _csv_rows(data: bytes, name: str) -> list[tuple[int, list]]:
    from yusuan.read.limits import MAX_TEXT_BYTES

    if len(data) > MAX_TEXT_BYTES:
        raise YusuanError(f"名单文件有 {len(data) >> 20} MB，超过 {MAX_TEXT_BYTES >> 20} MB 的上限", file=name)
    if b"\x00" in data[:4096]:
        raise YusuanError("名单应为 CSV（UTF-8 或 GBK 编码）或 Excel（.xlsx）文件", file=name)
    for encoding in ("utf-8-sig", "gb18030"):  # Excel in China saves CSV as GBK
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise YusuanError("名单的编码无法识别（请存为 UTF-8 或 GBK 编码的 CSV）", file=name)
    try:
        rows = list(csv.reader(io.StringIO(text)))
    except csv.Error as error:
        raise YusuanError(f"CSV 格式有误：{error}", file=name) from error
    if len(rows) > MAX_ROWS:
        raise YusuanError(f"名单有 {len(rows):,} 行，超过 {MAX_ROWS:,} 行的上限", file=name)
    return list(enumerate(rows, start=1))


def _workbook_rows(data: bytes, name: str) -> list[tuple[int, list]]:
    from openpyxl import load_workbook

    from yusuan.read.limits import MAX_CELLS
    from yusuan.read.office import open_zip

    open_zip(data, name)  # bounded unpacking, no DTDs: before openpyxl sees it
    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds on a broken workbook
        raise YusuanError("无法读取名单：文件已损坏，或不是 Excel 工作簿（.xlsx）", file=name) from error
    ws = wb["名单"] if "名单" in wb.sheetnames else wb.worksheets[0]
    rows: list[tuple[int, list]] = []
    cells = 0
    for line, values in enumerate(ws.iter_rows(values_only=True), start=1):
        cells += len(values)
        if cells > MAX_CELLS or line > MAX_ROWS:
            raise YusuanError(f"名单的工作表太大（超过 {MAX_ROWS:,} 行或 {MAX_CELLS:,} 个单元格），拒绝读取", file=name)
        rows.append((line, list(values)))
    wb.close()
    return rows


def template() -> bytes:
    """The list to fill: the columns on the sheet 名单, what each means on 填写说明."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    from yusuan.spreadsheet import put

    wb = Workbook()
    ws = wb.active
    ws.title = "名单"
    for col, column in enumerate(columns(), start=1):
        put(ws, 1, col, column.name).font = Font(bold=True)
        ws.column_dimensions[ws.cell(1, col).column_letter].width = 24 if column.id in ("unit", "url") else 14
    ws.freeze_panes = "A2"
    guide = wb.create_sheet("填写说明")
    intro = "每个部门、每个单位一行；同一文件可以列多个地区、多个年度。列名不可改动，列的先后可以调整。"
    put(guide, 1, 1, intro).font = Font(bold=True)
    for row, column in enumerate(columns(), start=3):
        put(guide, row, 1, column.name + ("（必填）" if column.required else ""))
        put(guide, row, 2, column.help)
    at = len(columns()) + 5
    put(guide, at - 1, 1, "示例（填在“名单”表中）：").font = Font(bold=True)
    example = ["新疆 昌吉州", "昌吉州工业和信息化局", "昌吉州工业和信息化局", "部门", 2026, "预算", "2026-01-20"]
    for col, (column, value) in enumerate(zip(columns(), example, strict=False), start=1):
        put(guide, at, col, column.name)
        put(guide, at + 1, col, value)
    guide.column_dimensions["A"].width = 16
    guide.column_dimensions["B"].width = 60
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
