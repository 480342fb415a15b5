"""The `yusuan` command. Heavy modules are imported inside the commands that need them,
so `yusuan --version` stays fast."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from yusuan import __version__
from yusuan.errors import YusuanError

app = typer.Typer(
    help="yusuan（预算）：读取、核查、生成部门预算/决算公开文件。",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

FileArg = Annotated[Path, typer.Argument(help="公开文件（文本、PDF、Word、Excel 或 HTML）")]


def _version(value: bool) -> None:
    if value:
        print(f"yusuan {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True, help="显示版本")] = False,
) -> None:
    """yusuan（预算）"""


def _fail(error: YusuanError) -> None:
    print(f"错误：{error}", file=sys.stderr)
    raise typer.Exit(2)


def _read(path: Path):  # noqa: ANN202 - returns the model, imported lazily
    from yusuan.read import read

    try:
        return read(path)
    except YusuanError as error:
        _fail(error)


@app.command()
def parse(file: FileArg) -> None:
    """把公开文件读成模型，输出 JSON。"""
    disclosure = _read(file)
    sys.stdout.write(disclosure.model_dump_json(indent=1) + "\n")


@app.command()
def show(
    file: FileArg,
    table: Annotated[str | None, typer.Option("--table", "-t", help="只显示这张表，如 表5 或 gpb_expense")] = None,
) -> None:
    """在终端里画出读到的表格。"""
    from yusuan.report.terminal import show_tables

    disclosure = _read(file)
    tables = disclosure.tables
    if table:
        tables = [t for t in tables if table in (t.number, t.kind)]
        if not tables:
            _fail(YusuanError(f"没有这张表：{table}", file=str(file)))
    show_tables(tables)


@app.command(name="catalog")
def catalog_cmd(
    code: Annotated[str, typer.Argument(help="分类科目编码，如 2011301 或 30111")],
    year: Annotated[int | None, typer.Option("--year", help="目录年度（默认取最新）")] = None,
) -> None:
    """查询功能分类或经济分类科目：名称、级次和上级科目。"""
    from yusuan import catalog

    kind = catalog.classify(code)
    if kind is None:
        _fail(YusuanError(f"{code} 不是有效的分类科目编码（应为 3、5 或 7 位数字）"))
    entry = catalog.lookup(code, year)
    if entry is None:
        print(f"{code}：{catalog.LABELS[kind]}中未收录（目录不完整，见 data/catalog/SOURCE.md）")
        raise typer.Exit(1)
    print(f"{entry.code} {entry.name}")
    print(f"  分类：{catalog.LABELS[kind]}  级次：{catalog.LEVELS[entry.level]}  目录年度：{entry.year}"
          + (f"（{year}年无此科目，取最近年度）" if year and entry.year != year else ""))
    for parent in catalog.parents(code, year):
        print(f"  上级：{parent.code} {parent.name}（{catalog.LEVELS[parent.level]}）")


def main() -> None:
    app()
