"""The review season's commands: `yusuan score`, `yusuan notice` and `yusuan register …` (registered by
yusuan.cli). Heavy modules are imported inside the commands, and annotations are not postponed, as in yusuan.cli."""

import sys
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from yusuan.errors import YusuanError

register_app = typer.Typer(help="地区的部门和单位名单：批复日期、公开日期，以及各单位的公开状态。", no_args_is_help=True)

Method = Annotated[str | None, typer.Option("--method", help="评分方法：内置名称（默认 default）或 .toml 文件")]
Database = Annotated[str | None, typer.Option(help="数据库 URL（默认取环境变量 YUSUAN_DATABASE_URL，否则 ./yusuan.db）")]
Config = Annotated[Path | None, typer.Option("--config", help="核查设置文件（默认取环境变量 YUSUAN_CONFIG，否则 ./yusuan.toml）")]
Approved = Annotated[str | None, typer.Option(help="批复日期（及时性按批复后二十日计），如 2026-01-20")]
Published = Annotated[str | None, typer.Option(help="公开日期，如 2026-02-05")]


class ScoreFormat(StrEnum):
    terminal = "terminal"
    json = "json"


def _fail(error: YusuanError) -> None:
    from yusuan.cli import _fail as fail

    fail(error)


def _day(value: str | None, name: str) -> date | None:
    from yusuan.season.register import parse_date

    try:
        return parse_date(value)
    except ValueError:
        _fail(YusuanError(f"{name} “{value}” 不是日期（应写成 2026-01-20）"))
    return None


def _checked(file: Path, config: Path | None):
    """The file read and checked with the settings in force, as `yusuan check` would; exit 2 if it cannot be."""
    from yusuan.cli import _guarded, _settings
    from yusuan.intake import check_file

    try:
        settings = _settings(config, None, None, [])
    except YusuanError as error:
        _fail(error)
    return _guarded(file, lambda: check_file(file, settings))


def _method(name: str | None):
    from yusuan.scoring import load_method

    try:
        return load_method(name)
    except YusuanError as error:
        _fail(error)


def _scored(file: Path, method_name: str | None, approved: str | None, published: str | None, config: Path | None):
    from yusuan.scoring import Timing, score
    from yusuan.season.season import today

    method = _method(method_name)
    timing = Timing(approved=_day(approved, "--approved"), published=_day(published, "--published"), as_of=today(),
                    deadline_days=method.deadline_days)
    checked = _checked(file, config)
    return checked, method, timing, score(checked.disclosure, checked.report.findings, method, timing)


def score(
    file: Annotated[Path, typer.Argument(help="公开文件（文本、PDF、Word、Excel 或 HTML）")],
    format: Annotated[ScoreFormat, typer.Option("--format", "-f", help="输出格式")] = ScoreFormat.terminal,
    method: Method = None,
    approved: Approved = None,
    published: Published = None,
    config: Config = None,
) -> None:
    """给一份公开文件评分：按评分方法（data/scoring/*.toml）逐项检查完整性、细化程度、及时性、公开方式、真实性，
    每项给出得分、理由和依据条款；不适用的项（如不知道批复日期时的及时性）不计入，总分按适用项折算为百分制。

    例：yusuan score 2026年部门预算.pdf --approved 2026-01-20 --published 2026-02-05 -f json"""
    _, _, _, scored = _scored(file, method, approved, published, config)
    if format is ScoreFormat.json:
        sys.stdout.write(scored.model_dump_json(indent=1) + "\n")
        return
    from yusuan.season.terminal import show_score

    show_score(scored)


def notice(
    file: Annotated[Path | None, typer.Argument(help="公开文件；或用 --region 为地区的每个单位各写一份")] = None,
    output: Annotated[Path | None, typer.Option(
        "--output", "-o", help="通知文件（.docx 或 .html，默认 整改通知.docx）；--region 时为目录（默认 整改通知/）")] = None,
    region: Annotated[str | None, typer.Option(help="地区名称：为库中该地区每个有问题的单位写通知，另写汇总表")] = None,
    year: Annotated[int | None, typer.Option(help="--region 时的年度")] = None,
    kind: Annotated[str, typer.Option(help="budget（预算）或 final（决算）")] = "budget",
    issuer: Annotated[str | None, typer.Option(help="发文机关（默认“地区财政部门”）")] = None,
    deadline: Annotated[str | None, typer.Option(help="整改期限（默认为发文日期后，评分方法中的天数）")] = None,
    approved: Approved = None,
    published: Published = None,
    as_of: Annotated[str | None, typer.Option("--as-of", help="统计日期（默认今天）")] = None,
    method: Method = None,
    database: Database = None,
    config: Config = None,
    force: Annotated[bool, typer.Option("--force", help="覆盖已有文件")] = False,
) -> None:
    """写整改通知：逐条列出问题、所违反的条款、所在页和单元格、公开数与应为数，以及整改期限。

    例：yusuan notice 2026年部门预算.pdf -o 整改通知.docx
        yusuan notice --region "新疆 昌吉州" --year 2026 -o 整改通知/（每个单位一份 .docx，另有 汇总.xlsx）"""
    if (file is None) == (region is None):
        _fail(YusuanError("请给出一份公开文件，或用 --region 指定地区（二者取一）"))
    if region is not None:
        _region_notices(region, year, kind, output or Path("整改通知"), issuer, _day(deadline, "--deadline"),
                        _day(as_of, "--as-of"), method, database, force)
        return
    from yusuan.scoring import Policy
    from yusuan.season.notice import make_notice, notice_docx, notice_html, problems_of
    from yusuan.season.season import today

    output = output or Path("整改通知.docx")
    if output.suffix.lower() not in (".docx", ".html"):
        _fail(YusuanError("通知文件应为 .docx 或 .html", file=str(output)))
    _refuse_overwrite(output, force)
    checked, spec, timing, scored = _scored(file, method, approved, published, config)  # type: ignore[arg-type]
    doc = checked.disclosure.document
    dated = _day(as_of, "--as-of") or today()
    problems = problems_of(checked.report.findings, checked.report.localisation, scored, spec, Policy.of(spec), timing)
    made = make_notice(doc.unit or "（未识别单位）", doc.year, doc.kind, problems, issuer=issuer or "财政部门", dated=dated,
                       method=spec, deadline=_day(deadline, "--deadline"), document=Path(doc.file or file.name).name,  # type: ignore[union-attr]
                       score=scored.score)
    output.write_bytes(notice_docx(made) if output.suffix.lower() == ".docx" else notice_html(made).encode("utf-8"))
    print(f"已写入整改通知：{output}（{len(problems)} 个问题，其中 {sum(p.blocking for p in problems)} 个阻止公开）")


def _refuse_overwrite(path: Path, force: bool) -> None:
    if path.exists() and not force:
        _fail(YusuanError("文件已存在；确需覆盖请加 --force", file=str(path)))


def _open_season(region: str, year: int | None, kind: str, as_of: date | None, method_name: str | None,
                 database: str | None):
    """The region's season from the store; exit 2 with a message when there is none."""
    from yusuan.season.season import season
    from yusuan.store.db import sessions
    from yusuan.store.season import region_named, seasons

    if kind not in ("budget", "final"):
        _fail(YusuanError(f"--kind 应为 budget 或 final，而不是 {kind}"))
    spec = _method(method_name)
    session = sessions(database)()
    try:
        found = region_named(session, region)
        if found is None:
            _fail(YusuanError(f"库中没有地区“{region}”（名单或上传文件中写的地区名称）"))
        if year is None:
            years = [y for y, k in seasons(session, found.id) if k == kind]  # type: ignore[union-attr]
            if not years:
                _fail(YusuanError(f"地区“{region}”还没有名单或文件"))
            year = years[0]
        return session, season(session, found.id, year, kind, spec, as_of=as_of)  # type: ignore[union-attr]
    except BaseException:  # the message and exit status 2: no transaction left open behind them
        session.close()
        raise


def _region_notices(region: str, year: int | None, kind: str, output: Path, issuer: str | None, deadline: date | None,
                    as_of: date | None, method_name: str | None, database: str | None, force: bool) -> None:
    from yusuan.files import safe_name
    from yusuan.season.notice import notice_docx, unit_notice
    from yusuan.season.workbook import summary_workbook

    session, made = _open_season(region, year, kind, as_of, method_name, database)
    with session:
        notices = {u.entry.unit_id: unit_notice(session, made, u, issuer=issuer, deadline=deadline) for u in made.units}
    output.mkdir(parents=True, exist_ok=True)
    files = {output / f"{n.filename}.docx": notice_docx(n) for n in notices.values() if n.problems}
    summary = output / safe_name(f"{made.region}{made.year}年公开检查汇总.xlsx")
    files[summary] = summary_workbook(made, {k: n.problems for k, n in notices.items()})
    existing = [p for p in files if p.exists()]
    if existing and not force:
        _fail(YusuanError(f"{len(existing)} 个文件已存在（如 {existing[0].name}）；确需覆盖请加 --force", file=str(output)))
    for path, data in files.items():
        path.write_bytes(data)
    print(f"已写入 {len(files) - 1} 份整改通知和汇总表：{output}（{made.region} {made.year}年，{len(made.units)} 个单位）")


@register_app.command("template")
def register_template(
    output: Annotated[Path, typer.Option("--output", "-o", help="写入的名单模板（.xlsx）")] = Path("名单.xlsx"),
    force: Annotated[bool, typer.Option("--force", help="覆盖已有文件")] = False,
) -> None:
    """生成名单模板（Excel）：地区、部门、单位、级次、年度、类型、批复日期、公开日期、公开网址。

    例：yusuan register template -o 名单.xlsx"""
    from yusuan.season.register import template

    _refuse_overwrite(output, force)
    output.write_bytes(template())
    print(f"已生成名单模板：{output}")


@register_app.command("import")
def register_import(
    file: Annotated[Path, typer.Argument(help="名单（CSV 或 .xlsx）")],
    database: Database = None,
) -> None:
    """导入名单：每行一个部门或单位的一个年度，名单原样保存；同一单位、年度在新名单中的一行取代旧的（旧的仍保留）。

    例：yusuan register import 名单.xlsx"""
    from yusuan.season.register import read_register
    from yusuan.store.db import sessions
    from yusuan.store.season import add_register

    try:
        data = file.read_bytes()
    except OSError as error:
        _fail(YusuanError(f"无法读取（{error.strerror or error}）", file=str(file)))
    try:
        rows = read_register(data, str(file))
    except YusuanError as error:
        _fail(error)
    with sessions(database).begin() as session:
        add_register(session, file.name, data, rows)
    regions = sorted({r.region for r in rows})
    print(f"已导入名单：{len(rows)} 个单位（{'、'.join(regions)}）")


@register_app.command("build")
def register_build(
    region: Annotated[str, typer.Option(help="地区名称")],
    year: Annotated[int, typer.Option(help="年度")],
    approved: Annotated[str, typer.Option(help="批复日期，如 2026-01-20（所有单位相同）")],
    kind: Annotated[str, typer.Option(help="budget（预算）或 final（决算）")] = "budget",
    database: Database = None,
) -> None:
    """由库中已有的单位生成名单：该地区每个单位一行，批复日期相同。

    例：yusuan register build --region "新疆 昌吉州" --year 2026 --approved 2026-01-20"""
    from yusuan.season.season import register_from_store
    from yusuan.store.db import sessions
    from yusuan.store.season import region_named

    day = _day(approved, "--approved")
    if kind not in ("budget", "final"):
        _fail(YusuanError(f"--kind 应为 budget 或 final，而不是 {kind}"))
    with sessions(database).begin() as session:
        found = region_named(session, region)
        if found is None:
            _fail(YusuanError(f"库中没有地区“{region}”"))
        _, count = register_from_store(session, found.id, year, kind, day)  # type: ignore[union-attr]
    print(f"已由库中单位生成名单：{region} {year}年，{count} 个单位，批复日期 {day}")


class SeasonFormat(StrEnum):
    terminal = "terminal"
    json = "json"


@register_app.command("show")
def register_show(
    region: Annotated[str, typer.Option(help="地区名称")],
    year: Annotated[int | None, typer.Option(help="年度（默认最近的）")] = None,
    kind: Annotated[str, typer.Option(help="budget（预算）或 final（决算）")] = "budget",
    as_of: Annotated[str | None, typer.Option("--as-of", help="统计日期（默认今天）")] = None,
    format: Annotated[SeasonFormat, typer.Option("--format", "-f", help="输出格式")] = SeasonFormat.terminal,
    method: Method = None,
    database: Database = None,
) -> None:
    """各单位的公开状态（未公开、逾期、已公开、已撤回、已修改）、剩余或逾期天数、得分和阻止公开的问题，按问题轻重排序。

    例：yusuan register show --region "新疆 昌吉州" --year 2026"""
    session, made = _open_season(region, year, kind, _day(as_of, "--as-of"), method, database)
    session.close()
    out = made.out()
    if format is SeasonFormat.json:
        sys.stdout.write(out.model_dump_json(indent=1) + "\n")
        return
    from yusuan.season.terminal import show_season

    show_season(out)
