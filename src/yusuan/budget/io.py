"""Load budget data from the input workbook, JSON or YAML; every problem named by where it is."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import ValidationError

from yusuan.budget.model import Budget
from yusuan.budget.validate import Place, Problem, model_problems, validate
from yusuan.errors import YusuanError
from yusuan.read.limits import MAX_TEXT_BYTES


def load_budget(path: Path) -> tuple[Budget, list[Problem]]:
    """The budget data, and the warnings about it; errors raise, all of them listed."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise YusuanError(f"无法读取（{exc.strerror or exc}）", file=str(path)) from exc
    problems: list[Problem] = []
    raw: Any
    place: Place
    if data.startswith(b"PK\x03\x04"):
        from yusuan.budget import workbook
        from yusuan.read.office import open_zip

        open_zip(data, str(path))  # bounded unpacking, no DTDs: before openpyxl sees it
        try:
            raw, at, problems = workbook.read_workbook(data)
        except YusuanError as error:
            raise YusuanError(str(error), file=str(path)) from error

        def place(where: tuple) -> str:
            return workbook.place(where, at)
    else:
        from yusuan.budget.text import Lines, load_text

        if len(data) > MAX_TEXT_BYTES:
            raise YusuanError(f"预算数据文件有 {len(data) >> 20} MB，超过 {MAX_TEXT_BYTES >> 20} MB 的上限", file=str(path))
        text = data.decode("utf-8-sig", errors="replace")
        try:
            raw = load_text(text, str(path), yaml_syntax=path.suffix.lower() in (".yaml", ".yml"))
        except RecursionError as exc:
            raise YusuanError("预算数据嵌套过深，不是有效的预算数据", file=str(path)) from exc
        place = Lines(text).place
    budget = None
    try:
        budget = Budget.model_validate(raw)
    except ValidationError as exc:
        problems += model_problems(exc, place)
    if budget is not None and not problems:
        problems = validate(budget, place)
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        listed = "\n".join(f"  {p}" for p in errors[:50])
        more = f"\n  ……共 {len(errors)} 个问题" if len(errors) > 50 else ""
        raise YusuanError(f"预算数据有 {len(errors)} 个问题：\n{listed}{more}", file=str(path))
    return budget, [p for p in problems if p.severity != "error"]  # type: ignore[return-value]
