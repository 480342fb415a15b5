"""Load budget data from the input workbook, JSON or YAML; every problem named by where it is."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from yusuan.budget.model import Budget
from yusuan.budget.validate import Problem, validate
from yusuan.errors import YusuanError
from yusuan.read.limits import MAX_TEXT_BYTES

_FIELDS = {"source": "资金来源", "functional": "功能分类科目编码", "economic": "经济分类科目编码", "kind": "支出类型",
           "project": "项目名称", "amount": "金额"}


def _problems(error: ValidationError, rows: dict[int, int]) -> list[Problem]:
    out = []
    for e in error.errors():
        loc = e["loc"]
        if len(loc) >= 3 and loc[0] == "lines" and isinstance(loc[1], int):
            out.append(Problem("支出明细", rows.get(loc[1], loc[1] + 1), _FIELDS.get(str(loc[2]), str(loc[2])),
                               e["msg"]))
        else:
            out.append(Problem(str(loc[0]) if loc else "", None, ".".join(str(x) for x in loc[1:]), e["msg"]))
    return out


MAX_ALIASES = 100  # a budget written by hand uses few, if any; a "billion laughs" needs many


def _yaml(text: str, file: str) -> Any:
    """YAML, refusing alias bombs: aliases share one object, which validation would walk once per path."""
    import yaml

    aliases = sum(isinstance(event, yaml.AliasEvent) for event in yaml.parse(text, Loader=yaml.SafeLoader))
    if aliases > MAX_ALIASES:
        raise YusuanError(f"YAML 中有 {aliases} 处别名（*），超过 {MAX_ALIASES} 处的上限（疑似 YAML 炸弹）", file=file)
    return yaml.safe_load(text)


def load_budget(path: Path) -> tuple[Budget, list[Problem]]:
    """The budget data, and the warnings about it; errors raise, all of them listed."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise YusuanError(f"无法读取（{exc.strerror or exc}）", file=str(path)) from exc
    rows: dict[int, int] = {}
    problems: list[Problem] = []
    raw: Any
    if data.startswith(b"PK\x03\x04"):
        from yusuan.budget.workbook import read_workbook
        from yusuan.read.office import open_zip

        open_zip(data, str(path))  # bounded unpacking, no DTDs: before openpyxl sees it
        try:
            raw, rows, problems = read_workbook(data)
        except YusuanError as error:
            raise YusuanError(str(error), file=str(path)) from error
        except Exception as exc:  # openpyxl raises many kinds on a broken workbook
            raise YusuanError(f"无法读取录入表：{exc}", file=str(path)) from exc
    else:
        if len(data) > MAX_TEXT_BYTES:
            raise YusuanError(f"预算数据文件有 {len(data) >> 20} MB，超过 {MAX_TEXT_BYTES >> 20} MB 的上限", file=str(path))
        text = data.decode("utf-8-sig", errors="replace")
        try:
            raw = _yaml(text, str(path)) if path.suffix.lower() in (".yaml", ".yml") else json.loads(text)
        except RecursionError as exc:
            raise YusuanError("预算数据嵌套过深，不是有效的预算数据", file=str(path)) from exc
        except (ValueError, ImportError) as exc:
            raise YusuanError(f"不是有效的 JSON/YAML 预算数据：{exc}", file=str(path)) from exc
    budget = None
    if not problems:
        try:
            budget = Budget.model_validate(raw)
        except ValidationError as exc:
            problems = _problems(exc, rows)
    if budget is not None:
        problems = validate(budget, rows)
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        listed = "\n".join(f"  {p}" for p in errors[:50])
        more = f"\n  ……共 {len(errors)} 个问题" if len(errors) > 50 else ""
        raise YusuanError(f"预算数据有 {len(errors)} 个问题：\n{listed}{more}", file=str(path))
    return budget, [p for p in problems if p.severity != "error"]  # type: ignore[return-value]
