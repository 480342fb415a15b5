"""The `yusuan` command. Heavy modules are imported inside the commands that need them,
so `yusuan --version` stays fast. No `from __future__ import annotations` here (nor in
season/cli.py): typer reads every command's parameters at each start, and postponed annotations
would have it eval some 450 strings, two thirds of its start-up."""

import errno
import io
import os
import re
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from yusuan import __version__
from yusuan.errors import YusuanError
from yusuan.season import cli as season_cli

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


def _read(path: Path):
    from yusuan.read import read

    return _guarded(path, lambda: read(path))


def _guarded(path: Path, work):
    """`work` on the file at `path`: its result, or the reason it could not be read and exit status 2."""
    try:
        return work()
    except YusuanError as error:
        _fail(error)
    except (MemoryError, RecursionError) as exc:  # a bound the readers do not yet know of
        _fail(YusuanError(f"文件过大或结构过深，读取时超出{'内存' if isinstance(exc, MemoryError) else '嵌套层数'}上限",
                          file=str(path)))


@app.command()
def parse(file: FileArg) -> None:
    """把公开文件读成模型，输出 JSON。"""
    disclosure = _read(file)
    sys.stdout.write(disclosure.model_dump_json(indent=1) + "\n")


@app.command()
def show(
    file: FileArg,
    table: Annotated[str | None, typer.Option("--table", "-t", help="只显示这张表，如 表5 或 gpb_expense")] = None,
    page: Annotated[int | None, typer.Option("--page", help="PDF 的第几页（配合 --image）", min=1)] = None,
    image: Annotated[Path | None, typer.Option("--image", help="把这一页画成 PNG，标出读到的框线和单元格")] = None,
) -> None:
    """在终端里画出读到的表格；或用 --page N --image 图.png 把 PDF 的一页画成图片，标出读到的单元格。

    例：yusuan show 公开.pdf --page 12 --image p12.png"""
    if image is not None or page is not None:
        _show_page(file, page, image)
        return
    from yusuan.report.terminal import show_tables

    disclosure = _read(file)
    tables = disclosure.tables
    if table:
        tables = [t for t in tables if table in (t.number, t.kind)]
        if not tables:
            _fail(YusuanError(f"没有这张表：{table}", file=str(file)))
    show_tables(tables)


def _show_page(file: Path, page: int | None, image: Path | None) -> None:
    from yusuan.read import sniff
    from yusuan.read.pdfshow import page_image

    if page is None or image is None:
        _fail(YusuanError("--page 和 --image 要一起给出：画第几页，写到哪个 PNG 文件"))
    data = _guarded(file, file.read_bytes)
    if sniff(data) != "pdf":
        _fail(YusuanError("只有 PDF 能画出页面（--image）", file=str(file)))
    _guarded(file, lambda: page_image(data, page, image, str(file)))
    print(f"已写入 {image}")


@app.command(name="catalog")
def catalog_cmd(
    code: Annotated[str, typer.Argument(help="分类科目编码，如 2011301 或 30111")],
    year: Annotated[int | None, typer.Option("--year", help="目录年度（默认取最新）")] = None,
) -> None:
    """查询功能分类或经济分类科目：名称、级次和上级科目。"""
    from yusuan import catalog

    kind = catalog.classify(code)
    if kind is None:
        _fail(YusuanError(f"{code} 不是分类科目编码：{_why_not_a_code(code)}"))
    entry = catalog.lookup(code, year)
    parent = catalog.local_parent(code, year)
    if entry is None and parent is not None:
        print(f"{code}：{catalog.LABELS[kind]}的全国目录只到款（5 位），这是地方自设的下级科目")
        print(f"  上级：{parent.code} {parent.name}（{catalog.LEVELS[parent.level]}）")
        return
    if entry is None:
        print(f"{code}：{catalog.LABELS[kind]}中未收录（目录不完整，见 data/catalog/SOURCE.md）")
        raise typer.Exit(1)
    print(f"{entry.code} {entry.name}")
    print(f"  分类：{catalog.LABELS[kind]}  级次：{catalog.LEVELS[entry.level]}  目录年度：{entry.year}"
          + (f"（{year}年无此科目，取最近年度）" if year and entry.year != year else ""))
    for parent in catalog.parents(code, year):
        print(f"  上级：{parent.code} {parent.name}（{catalog.LEVELS[parent.level]}）")


def _why_not_a_code(code: str) -> str:
    """What is wrong with a code, in the terms of its shape: its length, else its first three digits."""
    if not code.isascii() or not code.isdigit() or len(code) not in (3, 5, 7):
        return "应为 3、5 或 7 位数字（类、款、项）"
    return "功能分类编码以 201–299 开头，部门经济分类以 301–399 开头，政府经济分类以 501–599 开头"


class Format(StrEnum):
    terminal = "terminal"
    json = "json"
    html = "html"
    csv = "csv"


def _settings(config: Path | None, tolerance: str | None, weight_total: str | None, severity: list[str]):
    from decimal import Decimal, InvalidOperation

    from yusuan.check.rules import rules
    from yusuan.intake import settings_in_force

    settings = settings_in_force(config)
    try:
        if tolerance is not None:
            settings.tolerance = Decimal(tolerance)
        if weight_total is not None:
            settings.weight_total = Decimal(weight_total)
    except InvalidOperation:
        raise YusuanError(f"数值无效：{tolerance or weight_total}") from None
    known = rules()
    for item in severity:
        rule, _, level = item.partition("=")
        if rule not in known or level not in ("error", "warning", "info"):
            raise YusuanError(f"--severity 应写成 规则=error|warning|info，且规则存在：{item}")
        settings.severity[rule] = level
    return settings


@app.command(short_help="核查公开文件（一个或一批）：勾稽、占比、科目、绩效、完整性")
def check(
    files: Annotated[list[str], typer.Argument(
        help="公开文件（文本、PDF、Word、Excel 或 HTML）；给出多个文件、目录或通配符（如 'docs/**/*.pdf'）即批量核查",
        show_default=False, metavar="PATH")],
    format: Annotated[Format, typer.Option("--format", "-f", help="输出格式")] = Format.terminal,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="写入文件（默认输出到终端）")] = None,
    config: Annotated[Path | None, typer.Option(
        "--config", help="设置文件（默认取环境变量 YUSUAN_CONFIG，否则 ./yusuan.toml）")] = None,
    tolerance: Annotated[str | None, typer.Option(help="各规则的默认容差")] = None,
    weight_total: Annotated[str | None, typer.Option(help="绩效指标权重总分（默认 100）")] = None,
    severity: Annotated[list[str], typer.Option(help="改变规则的级别，如 catalog.unknown_code=info")] = [],  # noqa: B006
    jobs: Annotated[int | None, typer.Option("--jobs", "-j", help="批量：并行进程数（默认 CPU 核数）")] = None,
    out: Annotated[Path | None, typer.Option("--out", help="批量：结果文件 .parquet、.csv 或 .json（可续跑）")] = None,
    force: Annotated[bool, typer.Option("--force", help="批量：不跳过已完成的文件，全部重新核查")] = False,
    timeout: Annotated[float, typer.Option(help="批量：每个文件的时限（秒）")] = 300.0,
    memory_limit: Annotated[int, typer.Option(help="批量：每个处理进程的内存上限（MB，0 为不限）")] = 2048,
    dask: Annotated[str | None, typer.Option(
        "--dask", help="批量：在 Dask 集群上运行，如 tcp://HOST:8786（默认取环境变量 YUSUAN_DASK_SCHEDULER）")] = None,
) -> None:
    """核查公开文件：勾稽关系、占比与增长率、科目编码、绩效目标、完整性。退出码：0 无错误，1 有错误，2 无法读取。

    批量核查（多个文件、目录或通配符）：退出码 0 全部无错误，1 有文件发现错误，2 有文件无法读取、超时或超出内存。"""
    from yusuan.batch.inputs import is_pattern

    try:
        settings = _settings(config, tolerance, weight_total, severity)
    except YusuanError as error:
        _fail(error)
    file = Path(files[0])
    if len(files) > 1 or out or dask or file.is_dir() or is_pattern(files[0]):
        if format is not Format.terminal or output is not None:
            _fail(YusuanError("批量核查用 --out 写结果（.parquet、.csv 或 .json）；--format、--output 只用于单个文件"))
        _check_batch(files, settings, jobs, out, force, timeout, memory_limit,
                     dask or os.environ.get("YUSUAN_DASK_SCHEDULER") or None)
    from yusuan.intake import check_file

    checked = _guarded(file, lambda: check_file(file, settings))
    report = checked.report
    if format is Format.terminal and output is None:
        from yusuan.report.terminal import show_report

        show_report(report)
    else:
        text = _render(report, checked.disclosure, format)
        if output:
            _writing(output, lambda: output.write_text(text, encoding="utf-8"))
        else:
            sys.stdout.write(text)
    raise typer.Exit(1 if report.summary["errors"] else 0)


def _check_batch(files: list[str], settings, jobs: int | None, out: Path | None, force: bool, timeout: float,
                 memory_limit: int, dask: str | None, job: str | None = None, verb: str = "核查") -> None:
    from yusuan.batch.display import run_command
    from yusuan.batch.sandbox import Limits

    if (jobs is not None and jobs < 1) or timeout <= 0 or memory_limit < 0:
        _fail(YusuanError("--jobs 应至少为 1，--timeout 应大于 0，--memory-limit 不能为负"))
    try:
        status = run_command(files, settings, jobs=jobs or os.cpu_count() or 1, out=out, force=force,
                             limits=Limits(timeout, memory_limit), dask=dask, job=job, verb=verb)
    except YusuanError as error:
        _fail(error)
    except Exception as error:  # never a traceback: say what stopped the batch
        if os.environ.get("YUSUAN_DEBUG"):
            raise
        kept = "已完成的文件记在 --out 旁的续跑记录中" if job is None else "已入库的文件不会丢失，再次运行即可接着入库"
        _fail(YusuanError(f"批量{verb}意外中止（{type(error).__name__}: {error}）；{kept}"))
    raise typer.Exit(status)


@app.command("import", short_help="把一批公开文件读入、核查并存入数据库")
def import_(
    files: Annotated[list[str], typer.Argument(help="公开文件、目录或通配符（如 'docs/**/*.pdf'）", show_default=False,
                                               metavar="PATH")],
    database: Annotated[str | None, typer.Option(
        help="数据库 URL（默认取环境变量 YUSUAN_DATABASE_URL，否则 ./yusuan.db）")] = None,
    jobs: Annotated[int | None, typer.Option("--jobs", "-j", help="并行进程数（默认 CPU 核数）")] = None,
    timeout: Annotated[float, typer.Option(help="每个文件的时限（秒）")] = 300.0,
    memory_limit: Annotated[int, typer.Option(help="每个处理进程的内存上限（MB，0 为不限）")] = 2048,
    config: Annotated[Path | None, typer.Option(
        "--config", help="核查设置文件（默认取环境变量 YUSUAN_CONFIG，否则 ./yusuan.toml）")] = None,
) -> None:
    """把一批公开文件读入、核查并存入数据库（与批量核查同一套机制：时限、内存上限、进度）。库中已有的文件跳过，
    再次运行只做未完成的。退出码：0 全部入库且无错误，1 有文件发现错误，2 有文件无法读取、超时或超出内存。"""
    from yusuan.batch.job import IMPORT_JOB
    from yusuan.store.db import database_url, sessions

    try:
        settings = _settings(config, None, None, [])
        os.environ["YUSUAN_DATABASE_URL"] = database_url(database)  # the worker processes store there too
        sessions()  # the schema is brought up to date once, here, before the workers write
    except YusuanError as error:
        _fail(error)
    except Exception as error:  # a database that cannot be opened: say which
        _fail(YusuanError(f"无法打开数据库 {os.environ['YUSUAN_DATABASE_URL']}（{type(error).__name__}: {error}）"))
    _check_batch(files, settings, jobs, None, False, timeout, memory_limit, None, job=IMPORT_JOB, verb="入库")


def _render(report, disclosure, format: Format) -> str:
    if format is Format.html:
        from yusuan.report.html import render_html

        return render_html(report, disclosure)
    if format is Format.csv:
        from yusuan.report.csv import render_csv

        return render_csv(report)
    if format is Format.terminal:
        from rich.console import Console

        from yusuan.report.terminal import show_report

        console = Console(record=True, width=160, file=io.StringIO())
        show_report(report, console)
        return console.export_text()
    from yusuan.report.json import render_json

    return render_json(report)


@app.command(name="rules")
def rules_cmd() -> None:
    """列出全部核查规则：编号、类别、级别、容差和说明。"""
    from rich.console import Console
    from rich.markup import escape

    from yusuan.check.findings import kind_name
    from yusuan.check.rules import family_name, rules
    from yusuan.report.words import SEVERITY_NAMES

    console = Console()
    family = None
    for rule in rules().values():
        if rule.family != family:
            family = rule.family
            console.print(f"[bold]{family_name(family)}[/bold] [dim]{family}[/dim]")
        console.print(f"  {rule.name}  [cyan]{rule.id}[/cyan]  [dim]{SEVERITY_NAMES[rule.severity]}，容差 {rule.tolerance}[/dim]",
                      highlight=False)
        console.print(f"    {escape(rule.description)}", highlight=False)
        if rule.kinds:
            console.print(f"    [dim]表格：{'、'.join(kind_name(k) for k in rule.kinds)}[/dim]", highlight=False)


@app.command(short_help="生成预算数据录入表（Excel）")
def template(
    output: Annotated[Path, typer.Option("--output", "-o", help="写入的录入表（.xlsx）")] = Path("budget.xlsx"),
    year: Annotated[int | None, typer.Option("--year", help="预算年度：下拉列表取该年前后的分类目录")] = None,
    force: Annotated[bool, typer.Option("--force", help="覆盖已有文件")] = False,
) -> None:
    """生成预算数据录入表（Excel）：每部分一张表，中文列名，科目编码下拉列表，首页为填写说明。"""
    from yusuan.budget.workbook import write_workbook

    _refuse_overwrite(output, force)
    _writing(output, lambda: output.write_bytes(write_workbook(None, year)))
    print(f"已生成录入表：{output}")


def _writing(path: Path, work) -> None:
    """`work` writing at `path`: a path that cannot be written (no such folder, no permission, a folder) is the
    user's to mend, exit status 2, not a defect of yusuan's."""
    try:
        work()
    except OSError as error:
        _fail(YusuanError(f"无法写入（{error.strerror or error}）", file=str(error.filename or path)))


def _refuse_overwrite(path: Path, force: bool) -> None:
    if path.exists() and not force:
        _fail(YusuanError("文件已存在；确需覆盖请加 --force", file=str(path)))


@app.command(short_help="由预算数据生成整套公开文件（Excel、Word、HTML、PDF）")
def build(
    budget: Annotated[Path, typer.Argument(help="预算数据：录入表（.xlsx）、JSON 或 YAML")],
    output: Annotated[Path, typer.Option("--output", "-o", help="输出目录")] = Path("out"),
    formats: Annotated[str, typer.Option("--format", "-f", help="输出格式，逗号分隔")] = "xlsx,docx,html,pdf",
    template_name: Annotated[str | None, typer.Option("--template", help="公开表模板（默认取录入表中的设置）")] = None,
) -> None:
    """由预算数据生成整套公开文件：各表都由同一组支出明细汇总，情况说明的占比、增减和增长率与表一致。"""
    from yusuan.budget.io import load_budget
    from yusuan.build.document import build as build_disclosure

    wanted = [f.strip() for f in formats.split(",") if f.strip()]
    unknown = [f for f in wanted if f not in RENDERERS]
    if unknown:
        _fail(YusuanError(f"不支持的输出格式：{'、'.join(unknown)}（可选 {'、'.join(RENDERERS)}）"))
    try:
        data, warnings = load_budget(budget)
        for warning in warnings:
            print(f"提示：{warning}")
        if template_name:
            data.template = template_name
        disclosure = build_disclosure(data)
    except YusuanError as error:
        _fail(error)
    from yusuan.check.engine import check as check_disclosure
    from yusuan.check.rules import rule_name
    from yusuan.files import safe_name
    from yusuan.intake import settings_in_force

    made, refused = {}, []
    for fmt in wanted:  # all made before any is written: a refused PDF leaves no half-written folder behind
        try:
            made[fmt] = _render_document(disclosure, fmt)
        except YusuanError as error:
            refused.append(error)
    stem = safe_name(f"{data.unit.name}{data.unit.year}年{data.unit.scope}预算公开")  # a name is not a path
    _write_all(output, {f"{stem}.{fmt}": content for fmt, content in made.items()})
    for error in refused:
        print(f"错误：{error}", file=sys.stderr)
    # the built disclosure checked as a reviewer will check it: budget data it cannot word or add up shows here
    try:
        report = check_disclosure(disclosure, settings_in_force())
    except YusuanError as error:
        _fail(error)
    errors = [f for f in report.findings if f.severity == "error"]
    for finding in errors:
        print(f"核查错误：{finding.id} {rule_name(finding.rule)}：{finding.message}", file=sys.stderr)
    if errors:
        print(f"生成的公开文件核查有 {len(errors)} 个错误（见上）；请改正预算数据后重新生成", file=sys.stderr)
    raise typer.Exit(2 if refused else 1 if errors else 0)


def _write_all(folder: Path, files: dict[str, bytes]) -> None:
    """Write each file into `folder`, made if missing."""
    _writing(folder, lambda: folder.mkdir(parents=True, exist_ok=True))
    for name, content in files.items():
        _writing(folder / name, lambda name=name, content=content: (folder / name).write_bytes(content))
        print(f"已生成：{folder / name}")


RENDERERS = ("xlsx", "docx", "html", "pdf")


def _render_document(disclosure, fmt: str) -> bytes:
    if fmt == "xlsx":
        from yusuan.render.xlsx import render_xlsx

        return render_xlsx(disclosure)
    if fmt == "docx":
        from yusuan.render.docx import render_docx

        return render_docx(disclosure)
    if fmt == "pdf":
        from yusuan.render.pdf import render_pdf

        return render_pdf(disclosure)
    from yusuan.render.html import render_html

    return render_html(disclosure).encode("utf-8")


@app.command(short_help="从已公开的文件恢复预算数据，作为下一年的起点")
def extract(
    file: FileArg,
    output: Annotated[Path, typer.Option("--output", "-o", help="写入的预算数据（.xlsx、.json 或 .yaml）")] = Path(
        "budget.xlsx"),
    force: Annotated[bool, typer.Option("--force", help="覆盖已有文件")] = False,
) -> None:
    """从已公开的文件恢复预算数据，作为下一年的起点；各表互相矛盾之处按 yusuan check 的误差定位更正，并列出更正。"""
    from yusuan.budget.workbook import save
    from yusuan.build.extract import corrected
    from yusuan.build.extract import extract as extract_budget

    _refuse_overwrite(output, force)
    disclosure = _read(file)
    fixed, changes = corrected(disclosure)
    budget, notes = extract_budget(fixed)
    _writing(output, lambda: save(budget, output))
    for change in changes:
        print(f"更正：{change}")
    for note in notes:
        print(f"说明：{note}")
    print(f"已写入预算数据：{output}（{len(budget.lines)} 条支出明细）")


@app.command(short_help="启动网站和 API（默认 ./yusuan.db，首次载入示例）")
def serve(
    host: Annotated[str, typer.Option(help="监听地址")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="端口")] = 8000,
    database: Annotated[str | None, typer.Option(help="数据库 URL（默认 YUSUAN_DATABASE_URL，或 ./yusuan.db）")] = None,
    workers: Annotated[int, typer.Option(min=1, help="工作进程数（多核时可设为核数）")] = 1,
    config: Annotated[Path | None, typer.Option(
        "--config", help="核查设置文件（默认取环境变量 YUSUAN_CONFIG，否则 ./yusuan.toml），与 yusuan check 相同")] = None,
    access_log: Annotated[bool, typer.Option(
        "--access-log/--no-access-log", help="每个请求在标准输出记一行：时间、来访地址、请求、状态码")] = True,
) -> None:
    """启动网站和 API：默认使用当前目录下的 SQLite 文件 yusuan.db，首次启动载入示例文件。上传的文件按核查设置核查。"""
    import uvicorn

    from yusuan.intake import CONFIG_ENV, config_path
    from yusuan.web.app import create_app

    _port_free(host, port)
    found = config_path(config)
    if found is not None:
        os.environ[CONFIG_ENV] = str(found.resolve())  # the workers check with the same settings
    # once, here, before any worker starts: the settings read, the migration, the session secret file, the example
    try:
        create_app(database)
    except YusuanError as error:
        _fail(error)
    if database:
        os.environ["YUSUAN_DATABASE_URL"] = database  # the workers open the same store
    print(f"yusuan 网站：http://{host}:{port}/   API 文档：http://{host}:{port}/api/docs"
          + ("" if access_log else "（不记访问日志）"))
    uvicorn.run("yusuan.web.app:worker_app", factory=True, workers=workers, host=host, port=port,
                log_config=_log_config(access_log), access_log=access_log)


def _port_free(host: str, port: int) -> None:
    """Refuse a port another program holds before saying where the site is, and say what to do instead."""
    import socket

    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
        with socket.socket(family, kind, proto) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds it
            probe.bind(address)
    except socket.gaierror:
        _fail(YusuanError(f"监听地址无效：{host}"))
    except OSError as error:
        taken = error.errno == errno.EADDRINUSE
        _fail(YusuanError(f"无法在 {host}:{port} 上启动（{'端口已被占用' if taken else error.strerror}）；"
                          f"请换一个端口，如 yusuan serve --port {port + 1 if port < 65535 else 8000}"))


def _log_config(access_log: bool) -> dict:
    """uvicorn's logging, with its messages at warnings and above, and one line a request (the access log)."""
    return {
        "version": 1, "disable_existing_loggers": False,
        "formatters": {"access": {"()": "uvicorn.logging.AccessFormatter", "use_colors": False,
                                  "fmt": '%(asctime)s %(client_addr)s "%(request_line)s" %(status_code)s'},
                       "default": {"()": "uvicorn.logging.DefaultFormatter", "fmt": "%(asctime)s %(levelprefix)s %(message)s",
                                   "use_colors": False}},
        "handlers": {"access": {"class": "logging.StreamHandler", "formatter": "access", "stream": "ext://sys.stdout"},
                     "default": {"class": "logging.StreamHandler", "formatter": "default", "stream": "ext://sys.stderr"}},
        "loggers": {"uvicorn": {"handlers": ["default"], "level": "WARNING", "propagate": False},
                    "uvicorn.error": {"level": "WARNING"},
                    "uvicorn.access": {"handlers": ["access"], "level": "INFO" if access_log else "WARNING",
                                       "propagate": False}},
    }


@app.command(short_help="把整个数据库备份到一个 zip 文件")
def backup(
    file: Annotated[Path, typer.Argument(help="备份文件（zip）")],
    database: Annotated[str | None, typer.Option(
        help="数据库 URL（默认取环境变量 YUSUAN_DATABASE_URL，否则 ./yusuan.db）")] = None,
    force: Annotated[bool, typer.Option("--force", help="覆盖已有文件")] = False,
) -> None:
    """把整个数据库备份到一个文件：同一时刻的完整快照，SQLite 与 PostgreSQL 通用，可互相恢复。"""
    from yusuan.store.backup import backup as write_backup
    from yusuan.store.db import database_url

    _refuse_overwrite(file, force)
    try:
        summary = write_backup(database_url(database), file, force=force)
    except YusuanError as error:
        _fail(error)
    print(f"已备份：{file}（{len(summary.tables)} 张表，{summary.rows} 行，{summary.size / 1e6:.1f} MB，"
          f"结构版本 {summary.revision}）")


@app.command(short_help="从备份恢复到一个空数据库")
def restore(
    file: Annotated[Path, typer.Argument(help="yusuan backup 写的备份文件")],
    database: Annotated[str | None, typer.Option(
        help="恢复到的空数据库 URL（默认取环境变量 YUSUAN_DATABASE_URL，否则 ./yusuan.db）")] = None,
) -> None:
    """从备份恢复到一个空数据库（已有数据的库拒绝恢复，以免覆盖）；逐表核对行数和校验和，全部成功才写入。"""
    from yusuan.store.backup import restore as load_backup
    from yusuan.store.db import database_url

    try:
        summary = load_backup(file, database_url(database))
    except YusuanError as error:
        _fail(error)
    print(f"已恢复：{len(summary.tables)} 张表，{summary.rows} 行（文件 {summary.tables.get('document', 0)} 份、"
          f"版本 {summary.tables.get('version', 0)} 个、账户 {summary.tables.get('account', 0)} 个）")


# the review season: a file's score and notice, a region's list of units, its notices and summary
app.command(short_help="给一份公开文件评分：逐项得分、理由和依据条款")(season_cli.score)
app.command(short_help="写整改通知：逐条列出问题、条款、页码和单元格")(season_cli.notice)
app.add_typer(season_cli.register_app, name="register")

admin_app = typer.Typer(help="管理账户。", no_args_is_help=True)
app.add_typer(admin_app, name="admin")


@admin_app.command("create", short_help="创建账户（密码从终端读入）")
def admin_create(
    name: Annotated[str, typer.Argument(help="用户名")],
    role: Annotated[str, typer.Option(help="角色：admin（管理员）、reviewer（审核）或 editor（单位填报）")] = "admin",
    unit: Annotated[list[str], typer.Option(help="单位填报账户可以上传的单位名称（可多次给出）")] = [],  # noqa: B006
    database: Annotated[str | None, typer.Option(
        help="数据库 URL（默认取环境变量 YUSUAN_DATABASE_URL，否则 ./yusuan.db）")] = None,
    token: Annotated[bool, typer.Option("--token", help="同时生成一个 API 令牌")] = False,
) -> None:
    """创建账户（第一个管理员也这样创建）；密码从终端读入，不留在命令历史里。

    例：yusuan admin create 张三 --role editor --unit 昌吉州工业和信息化局"""
    from sqlalchemy import select

    from yusuan.store.accounts import ROLE_NAMES, ROLES, create_account, issue_token
    from yusuan.store.db import sessions
    from yusuan.store.schema import Account, EditorUnit, Unit

    try:  # everything but the password is checked before it is asked for
        if role not in ROLES:
            raise YusuanError(f"角色应为 {'、'.join(ROLES)} 之一，而不是 {role}")
        if not name.strip():
            raise YusuanError("用户名不能为空")
        with sessions(database)() as session:
            if session.scalars(select(Account.id).where(Account.name == name)).first() is not None:
                raise YusuanError(f"用户 {name} 已存在")
            missing = [u for u in unit if session.scalars(select(Unit.id).where(Unit.name == u)).first() is None]
            if missing:
                raise YusuanError(f"没有这个单位：{'、'.join(missing)}（单位名称须与库中一致，见网站首页）")
    except YusuanError as error:
        _fail(error)
    password = typer.prompt("密码（至少 8 位）", hide_input=True)
    if typer.prompt("再输入一次密码", hide_input=True) != password:
        _fail(YusuanError("两次输入的密码不一致，账户未创建"))
    try:
        with sessions(database).begin() as session:
            account = create_account(session, name, password, role)
            for unit_name in unit:
                found = session.scalars(select(Unit).where(Unit.name == unit_name)).all()
                session.add_all(EditorUnit(account_id=account.id, unit_id=u.id) for u in found)
            issued = issue_token(session, account) if token else None
    except YusuanError as error:
        _fail(error)
    print(f"已创建{ROLE_NAMES[role]}账户：{name}")
    if issued:
        print(f"API 令牌（只显示这一次）：{issued}")


@app.command()
def schema(
    what: Annotated[str, typer.Argument(help="disclosure（parse 的输出）或 report（check --format json 的输出）")],
) -> None:
    """输出 JSON Schema（由模型生成）。"""
    import json

    from yusuan.check.findings import Report
    from yusuan.model import Disclosure

    models = {"disclosure": Disclosure, "report": Report}
    if what not in models:
        _fail(YusuanError(f"没有这种 schema：{what}（可选 disclosure、report）"))
    sys.stdout.write(json.dumps(models[what].model_json_schema(mode="serialization"), ensure_ascii=False, indent=1)
                     + "\n")


# typer's own words on its help pages, in Chinese like the rest ("Usage" stays: the syntax line is the same in any
# language); read by typer's help at the time it draws
TYPER_WORDS = {"OPTIONS_PANEL_TITLE": "选项", "ARGUMENTS_PANEL_TITLE": "参数", "COMMANDS_PANEL_TITLE": "命令",
               "DEFAULT_STRING": "[默认：{}]", "REQUIRED_LONG_STRING": "[必填]", "ERRORS_PANEL_TITLE": "错误",
               "ABORTED_TEXT": "已中止。", "RICH_HELP": "用 [blue]{command_path} {help_option}[/] 查看帮助。"}
HELP_TEXT = "显示本帮助并退出"


# click's usage errors, as a person reads them here
USAGE_ERRORS = [
    (r"Missing argument (.+?)\.(.*)", lambda m: f"缺少参数 {m[1]}"),
    (r"Missing option (.+?)\.(.*)", lambda m: f"缺少选项 {m[1]}"),
    (r"No such option: (\S+?)(?: \(Possible options: (.+)\))?", lambda m: f"没有这个选项：{m[1]}"
     + (f"（是不是 {m[2]}？）" if m[2] else "")),
    (r"No such command '(.+)'\.", lambda m: f"没有这个命令：{m[1]}（yusuan --help 列出全部命令）"),
    (r"Got unexpected extra arguments? \((.+)\)", lambda m: f"多余的参数：{m[1]}"),
    (r"Option '(.+)' requires an argument\.", lambda m: f"选项 {m[1]} 需要一个值"),
    (r"Invalid value for (.+?): (?:Value error, )?'(.*)' is not one of (.+)\.",
     lambda m: f"{m[1]} 的值“{m[2]}”无效，可选：{m[3].replace(', ', '、')}"),
    (r"Invalid value for (.+?): '(.*)' is not a valid (integer|float)(.*)",
     lambda m: f"{m[1]} 的值“{m[2]}”无效，应为{'整数' if m[3] == 'integer' else '数字'}"),
    (r"Invalid value for (.+?): Input should be a valid (integer|number)(.*)",
     lambda m: f"{m[1]} 的值无效，应为{'整数' if m[2] == 'integer' else '数字'}"),
    (r"Invalid value for (.+?): (.*)", lambda m: f"{m[1]} 的值无效：{m[2]}"),
]


def usage_error_in_chinese(message: str) -> str:
    for pattern, words in USAGE_ERRORS:
        if found := re.fullmatch(pattern, message, re.S):
            return words(found)
    return message


def _in_chinese(rich_utils) -> None:
    """typer's help pages and usage errors (drawn by its rich_utils) in Chinese, once."""
    if getattr(rich_utils, "in_chinese", False):
        return
    rich_utils.in_chinese = True
    for name, text in TYPER_WORDS.items():
        if hasattr(rich_utils, name):
            setattr(rich_utils, name, text)
    english = rich_utils.rich_format_error

    def chinese(error) -> None:
        message = usage_error_in_chinese(error.format_message())
        error.format_message = lambda: message
        english(error)

    rich_utils.rich_format_error = chinese


class _TyperWords:
    """Finds typer.rich_utils, which typer imports only to draw a help page or a usage error, and puts
    the Chinese in as it loads: a command that draws neither does not pay for rich's markdown and
    syntax modules (about 60 ms, a sixth of a one-page check)."""

    @staticmethod
    def find_spec(name: str, path=None, target=None):
        if name != "typer.rich_utils":
            return None
        from importlib.machinery import PathFinder

        sys.meta_path.remove(_TyperWords)
        spec = PathFinder.find_spec(name, path)
        if spec is None or spec.loader is None:
            return spec
        load = spec.loader.exec_module

        def exec_module(module) -> None:
            load(module)
            _in_chinese(module)

        spec.loader.exec_module = exec_module  # type: ignore[method-assign]
        return spec


def command():
    """The click command of `app`, with its help pages and usage errors in Chinese."""
    from types import SimpleNamespace

    if "typer.rich_utils" in sys.modules:  # loaded before (a test, or a second call)
        _in_chinese(sys.modules["typer.rich_utils"])
    elif _TyperWords not in sys.meta_path:
        sys.meta_path.insert(0, _TyperWords)
    root = typer.main.get_command(app)
    todo = [root]
    while todo:  # each command's --help option is made once and kept: its words can be set here
        cmd = todo.pop()
        todo.extend(getattr(cmd, "commands", {}).values())
        option = cmd.get_help_option(SimpleNamespace(help_option_names=["--help"]))
        if option is not None and getattr(cmd, "_help_option", None) is option:
            option.help = HELP_TEXT
    return root


def main() -> None:
    """Every way out is a message and an exit status: a traceback only when YUSUAN_DEBUG asks for one.
    Exit status: 0 done (no errors found), 1 errors found, 2 the user's input could not be used, 3 a defect of
    yusuan's own (the message says to report it), 130 interrupted."""
    try:
        command()(prog_name="yusuan")
    except KeyboardInterrupt:
        print("已中断", file=sys.stderr)
        sys.exit(130)
    except MemoryError:
        print("错误：内存不足（文件过大或结构异常）", file=sys.stderr)
        sys.exit(2)
    except Exception as exc:
        if os.environ.get("YUSUAN_DEBUG"):
            raise
        print(f"内部错误：{type(exc).__name__}: {exc}\n这是 yusuan 的缺陷，不是你的文件的问题；请把文件和这条消息报告给开发者"
              "（设置 YUSUAN_DEBUG=1 可显示调用栈）", file=sys.stderr)
        sys.exit(3)
