"""Performance-target tables (绩效目标表) of every form, from the grids that print them:

- a form per project, department or special fund: label–value rows (项目名称, 主管部门, 资金总额,
  年度目标 …), then indicator rows under a header (一级指标 | 二级指标 | 三级指标 | 指标值 …), often
  continued on the next page without a header, or split into two grids around a line of text;
- a list of many projects: a header naming the project column and the goal or indicator columns,
  one row or one block of rows per project.

Labels and column names are matched on their printed words, numbering and blanks removed."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal

from yusuan.model import Indicator, PerformanceTarget
from yusuan.model.numbers import clean, parse_amount, squash
from yusuan.recognise.captions import TARGET_TITLE, table_number
from yusuan.recognise.layout import Cell, Grid

_VALUE = re.compile(r"^(?P<cmp>≥|≤|>=|<=|=|＞|＜|>|<|＝)?\s*(?P<num>\d+(?:\.\d+)?)\s*(?P<unit>.*)$")
_MONEY = re.compile(r"^(?P<num>[\d,]+(?:\.\d+)?)\s*(?P<unit>万元|元)?$")
_CMP = {">=": "≥", "<=": "≤", "＞": ">", "＜": "<", "＝": "="}
_CODE = re.compile(r"^[0-9A-Z]{8,}[-_]?")  # a project's code printed before its name

# what a label cell of a form names; the value is the next cell that is no label
_LABELS: tuple[tuple[str, re.Pattern[str]], ...] = tuple((k, re.compile(p)) for k, p in (
    ("project", r"^(项目|专项资金|专项|资金|政策|转移支付(项目)?|一级项目)([(（](项目|资金)[)）])?名称[:：]?$"),
    ("department", r"^(部门|单位|部门[(（]单位[)）]|预算部门|预算单位)名称[:：]?$"),
    ("owner", r"负责人[:：]?$"),
    ("unit", r"^(主管部门|预算单位|实施单位|资金主管部门)(及代码)?[:：]?$"),
    ("total", r"^(其中[:：])?(年度(预算)?(资金)?(申请)?总?额|(实施期|项目)?资金总额|年度预算(资金|数)|项目总额|预算金额"
              r"|年度资金总额|当年预算|年度预算资金总额|金额合计)[:：]?$"),
    ("fiscal", r"^(其中[:：])?(当年)?财政(拨款|资金)[:：]?$"),
    ("other", r"^(其中[:：])?其他资金[:：]?$"),
    ("goal", r"^((项目)?(年度|总体|整体|当年)(总体|整体)?(绩效)?目标|(项目)?绩效目标|年度总体目标|项目总目标)[:：]?$"),
))
# an indicator table's columns
_COLUMNS: tuple[tuple[str, re.Pattern[str]], ...] = tuple((k, re.compile(p)) for k, p in (
    ("level1", r"^一级指标$"),
    ("level2", r"^二级指标$"),
    ("level3", r"^(三级指标|指标名称|指标内容|绩效指标名称)$"),
    ("comparator", r"^(绩效)?指标性质$|^(运算)?符号$"),
    ("basis", r"(设置|设定)依据|指标说明"),
    ("prior", r"^上年|历史|完成值$"),
    ("weight", r"权重|分值"),
    ("rule", r"评分|赋分|计分"),
    ("evidence", r"佐证|证明材料"),
    ("value", r"指标值|目标值"),
    ("value_unit", r"(度量|计量)单位$"),
))
# a title that names its project: `“泉州政务”新媒体号运营资金项目绩效目标表`; not `专项资金总体绩效目标表`
_TITLE = re.compile(r"^(?:\d{4}年度?)?(?P<name>.*?)(?:项目)?(?:支出)?绩效(?:目标|指标)(?:申报)?表")
_GENERIC = re.compile(r"^(部门|单位)?(预算)?(整体|项目|专项)?(支出|资金|业务经费)?(总体|整体)?$")
_LEVEL1 = re.compile(r"^(产出|效益|效果|满意度|成本|影响)指标$")
_LEVEL2 = re.compile(r"(数量|质量|时效|成本|经济|社会|生态|可持续|满意度|效益|影响)\S*(指标|影响|效益|成本)$")
# a list's columns
_LIST: tuple[tuple[str, re.Pattern[str]], ...] = tuple((k, re.compile(p)) for k, p in (
    ("project", r"^(一级|二级)?项目(名称)?(及编码)?$|^专项(资金)?名称$"),
    ("unit", r"^(二级)?(预算)?单位(名称)?$"),
    ("total", r"^(预算数|金额|项目总额|资金|预算金额|当年财政拨款预算金额|年度预算)(（万元）|\(万元\)|（单位：万元）)?$"),
    ("fiscal", r"^财政(资金|拨款)$"),
    ("other", r"^其他资金$"),
    ("goal", r"^(当年|年度)?绩效目标$"),
))


def _match(table: tuple[tuple[str, re.Pattern[str]], ...], text: str) -> str | None:
    s = squash(text).strip("*")
    return next((k for k, p in table if p.search(s)), None)


def _money(text: str) -> Decimal | None:
    m = _MONEY.match(squash(text).lstrip(",，"))
    if m:
        return Decimal(m["num"].replace(",", ""))
    try:
        return parse_amount(text)
    except ValueError:
        return None


def indicator_value(text: str) -> tuple[str | None, Decimal | None, str | None]:
    """`≥1家` → ("≥", 1, "家"); `>=95%` → ("≥", 95, "%"); a qualitative value → (None, None, None)."""
    m = _VALUE.match(squash(text))
    if not m:
        return None, None, None
    return (_CMP.get(m["cmp"], m["cmp"]) if m["cmp"] else None), Decimal(m["num"]), m["unit"] or None


def _texts(row: list[Cell]) -> list[tuple[int, str]]:
    return [(c.col, clean(c.text)) for c in row if clean(c.text)]


def _indicator_header(row: list[Cell]) -> dict[int, str] | None:
    """An indicator table's header row: its columns, by grid column."""
    columns: dict[int, str] = {}
    for col, text in _texts(row):
        key = _match(_COLUMNS, text)
        if key and key not in columns.values():
            columns[col] = key
    if "value" in columns.values() and ("level3" in columns.values() or "level1" in columns.values()):
        return columns
    return None


def _list_header(rows: list[list[Cell]]) -> dict[int, str] | None:
    """A list's header, over its first rows: the project column and a goal or indicator column."""
    columns: dict[int, str] = {}
    for row in rows[:3]:
        for col, text in _texts(row):
            key = _match(_LIST, text) or _match(_COLUMNS, text)
            if key and key not in columns.values():
                columns[col] = key
    keys = set(columns.values())
    if "project" in keys and ("goal" in keys or "level3" in keys):
        return columns
    return None


def _is_indicator_row(row: list[Cell]) -> bool:
    texts = [squash(t) for _, t in _texts(row)]
    return len(texts) >= 2 and any(_LEVEL1.match(t) or _LEVEL2.search(t) for t in texts[:3])


@dataclass
class Targets:
    """Reads target tables as they come, one grid after another; keeps what a grid on the next
    page needs to go on with the table before it."""

    found: list[PerformanceTarget] = field(default_factory=list)
    unit: str | None = None  # the money unit the captions name
    _columns: dict[int, str] | None = None  # the indicator or list columns in force
    _list: bool = False
    _last: Grid | None = None  # the last grid read as targets

    def take(self, grid: Grid, caption: list[str]) -> bool:
        """Read the grid if it is (or goes on with) a target table."""
        named = any(TARGET_TITLE.search(squash(t)) for t in caption)
        listed = _list_header(grid.rows)
        labels = any(_match(_LABELS, t) in ("project", "department") for row in grid.rows[:4] for _, t in _texts(row))
        indicators = any(_indicator_header(row) for row in grid.rows)
        if listed and (named or not labels):
            self._read_list(grid, listed)
        elif (named and (labels or indicators or _labelled(caption))) or (labels and indicators):
            self._read_form(grid, caption=None if labels else caption)
        elif self._goes_on(grid, caption):
            if self._list:
                self._read_list(grid, self._columns or {})
            else:
                self._read_form(grid, self._columns if self._last and self._last.width == grid.width else None)
        else:
            return False
        self._last = grid
        return True

    def _goes_on(self, grid: Grid, caption: list[str]) -> bool:
        """A grid right after a target table, on its page or the next, with no caption of its own, whose
        rows are indicators (or, after a list, as wide as the list)."""
        last = self._last
        if last is None or not self.found or any(squash(t) for t in caption if "表" in t):
            return False
        page, before = grid.source.page, last.rows[-1][0].source.page if last.rows and last.rows[-1] else None
        if page is not None and before is not None and page - before not in (0, 1):
            return False
        if self._list:
            return grid.width == last.width
        return any(_is_indicator_row(row) for row in grid.rows[:3])

    # ------------------------------------------------------------------------ forms

    def _read_form(self, grid: Grid, columns: dict[int, str] | None = None, caption: list[str] | None = None) -> None:
        """A form, or the rest of one; `caption` when the form's project or department is named above it."""
        goes_on = columns is not None or not self._starts_target(grid)
        target = self.found[-1] if goes_on and self.found else None
        first = next((row for row in grid.rows if row), None)
        if first is None:
            return
        if caption is not None and (named := _named_by(caption)) is not None:
            target = self._new(first)
            target.form, target.project = named
        last: dict[str, str] = {"level1": "", "level2": ""}
        if target is not None and target.indicators:
            last = {"level1": target.indicators[-1].level1, "level2": target.indicators[-1].level2}
        unit = self.unit
        stashed: list[tuple[list[Cell], list[str | None]]] = []  # label rows before the first 项目名称
        for row in grid.rows:
            cells = _texts(row)
            if not cells:
                continue
            header = _indicator_header(row)
            if header:
                columns, last = header, {"level1": "", "level2": ""}
                continue
            keys = [_match(_LABELS, t) for _, t in cells]
            starts = any(k in ("project", "department") for k in keys)
            if columns is not None and not starts and (len(cells) == 1 or any(keys)):
                if any(keys) or TARGET_TITLE.search(squash(cells[0][1])):  # the next form's caption and labels
                    stashed.append((row, keys))
                continue  # a 备注 between the forms
            if columns is None or starts:
                unit = _unit_of(cells) or unit
                if starts:
                    columns = None
                    target = self._new(stashed[0][0] if stashed else row)
                    for before, before_keys in stashed:  # 预算单位 printed above 项目名称
                        self._labels(target, _texts(before), before_keys, unit)
                    stashed = []
                if target is None:
                    stashed.append((row, keys))
                else:
                    self._labels(target, cells, keys, unit)
                continue
            if target is not None:
                target.indicators.append(self._indicator(row, columns, last))
        self._columns, self._list = columns, False

    def _starts_target(self, grid: Grid) -> bool:
        return any(_match(_LABELS, t) in ("project", "department") for row in grid.rows[:4] for _, t in _texts(row)) \
            or not any(_is_indicator_row(row) for row in grid.rows[:3])

    def _new(self, row: list[Cell]) -> PerformanceTarget:
        first = row[0]
        target = PerformanceTarget(project="", line=first.source.line, source=first.source)
        self.found.append(target)
        return target

    def _labels(self, target: PerformanceTarget, cells: list[tuple[int, str]], keys: list[str | None],
                unit: str | None) -> None:
        for i, (key, (_, text)) in enumerate(zip(keys, cells, strict=True)):
            if key is None:
                continue
            following = keys[i + 1:]  # the value is the next cell, unless that is the next label
            if not following or following[0] is not None:
                continue
            value = cells[i + 1][1]
            if key in ("project", "department"):
                target.project = target.project or value
                target.form = "department" if key == "department" else "project"
            elif key == "owner":
                target.owner = target.owner or value
            elif key == "unit":
                target.unit = target.unit or value
            elif key == "goal":
                target.goal = target.goal or "\n".join(p.strip() for p in value.split("\n"))
            elif key in ("total", "fiscal", "other") and getattr(target, key) is None:
                target.amounts_raw[key] = value
                setattr(target, key, _money(value))
                target.amount_unit = target.amount_unit or _unit_of([(0, text), (0, value)]) or unit  # type: ignore[assignment]

    def _indicator(self, row: list[Cell], columns: dict[int, str] | None, last: dict[str, str]) -> Indicator:
        cells = dict(_texts(row))
        fields: dict[str, str] = {}
        if columns:
            for col, text in cells.items():
                key = columns.get(col) or next((k for c, k in sorted(columns.items(), reverse=True) if c < col), None)
                if key and key not in fields:
                    fields[key] = text
        else:  # no header in force: by the words, then in order
            rest = []
            for text in cells.values():
                s = squash(text)
                if _LEVEL1.match(s) and "level1" not in fields:
                    fields["level1"] = text
                elif _LEVEL2.search(s) and "level2" not in fields:
                    fields["level2"] = text
                else:
                    rest.append(text)
            for key, text in zip(("level3", "value", "weight"), rest, strict=False):
                fields[key] = text
        for level in ("level1", "level2"):  # merged down the rows: fill down
            fields[level] = fields.get(level) or last[level]
            last[level] = fields[level]
        first = row[0]
        value = fields.get("value", "")
        if fields.get("value_unit") and not value.endswith(fields["value_unit"]):
            value += fields["value_unit"]
        if fields.get("comparator") and fields["comparator"] not in ("定性", "定量"):
            value = fields["comparator"] + value
        ind = Indicator(level1=fields["level1"], level2=fields["level2"], level3=fields.get("level3", ""), value=value,
                        basis=fields.get("basis"), prior=fields.get("prior"), weight_raw=fields.get("weight"),
                        rule=fields.get("rule"), evidence=fields.get("evidence"), line=first.source.line,
                        source=first.source)
        ind.comparator, ind.number, ind.value_unit = indicator_value(value)
        try:
            ind.weight = parse_amount(re.sub(r"[(（]%[)）]", "", fields.get("weight") or ""))
        except ValueError:
            ind.weight = None
        return ind

    # ------------------------------------------------------------------------ lists

    def _read_list(self, grid: Grid, columns: dict[int, str]) -> None:
        header = 0 if not _list_header(grid.rows) else max(
            (i + 1 for i, row in enumerate(grid.rows[:3]) if any(_match(_LIST, t) or _match(_COLUMNS, t)
                                                                   for _, t in _texts(row))), default=0)
        project_col = next((c for c, k in columns.items() if k == "project"), None)
        last = {"level1": "", "level2": ""}
        target = self.found[-1] if self.found and self._list and header == 0 else None
        for row in grid.rows[header:]:
            cells = dict(_texts(row))
            if not cells:
                continue
            name = cells.get(project_col) if project_col is not None else None
            if name:
                target = PerformanceTarget(project=_CODE.sub("", squash(name)) or squash(name), form="list",
                                           line=row[0].source.line, source=row[0].source, amount_unit=self.unit)
                self.found.append(target)
                last = {"level1": "", "level2": ""}
            if target is None:
                continue
            for col, text in cells.items():
                key = columns.get(col)
                if key == "unit":
                    target.unit = target.unit or text
                elif key == "goal":
                    target.goal = (target.goal + text) if target.goal and not name else target.goal or text
                elif key in ("total", "fiscal", "other") and getattr(target, key) is None:
                    target.amounts_raw[key] = text
                    setattr(target, key, _money(text))
            if any(k in ("level1", "level2", "level3", "value") for c, k in columns.items() if c in cells):
                target.indicators.append(self._indicator(row, columns, last))
        self._columns, self._list = columns, True


def _label_line(text: str) -> tuple[str, str] | None:
    """A caption line that labels the form: `部门（单位）名称 西安市气象局`, a blank form's `项目名称`."""
    label, *value = re.split(r"[:：\s]+", clean(text).strip(), maxsplit=1)
    key = _match(_LABELS, label)
    if key in ("project", "department"):
        return ("department" if key == "department" else "project"), squash("".join(value))
    return None


def _labelled(caption: list[str]) -> bool:
    return any(_label_line(t) for t in caption)


def _named_by(caption: list[str]) -> tuple[str, str] | None:
    """The form and name a caption gives a form that does not name its project in its rows: a label
    line above the grid, else the title."""
    named = next((n for t in caption if (n := _label_line(t))), None)
    if named is not None:
        return named
    for text in reversed(caption):  # the nearest title, not the heading of the part above it
        m = _TITLE.match(table_number(text)[1])
        if m:
            name = "" if _GENERIC.match(m["name"]) else m["name"]
            return ("department" if "整体" in m["name"] else "project"), name
    return None


def _unit_of(cells: list[tuple[int, str]]) -> str | None:
    for _, text in cells:
        m = re.search(r"[(（](万元|元)[)）]|单位[:：]\s*(万元|元)", squash(text))
        if m:
            return m[1] or m[2]
    return None
