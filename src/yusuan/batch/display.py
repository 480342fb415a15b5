"""`yusuan check DIR_OR_GLOB...`: the batch with a progress bar (rate, ETA) on stderr and a
summary on stdout: documents read, failed to read, with errors, findings by rule."""

from __future__ import annotations

import signal
from contextlib import contextmanager
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table
from rich.text import Text

from yusuan.batch.inputs import expand, readable
from yusuan.batch.records import UNREADABLE
from yusuan.batch.results import journal_path, output_format
from yusuan.batch.run import BatchInterrupted, BatchResult, run_batch
from yusuan.batch.sandbox import Limits
from yusuan.check.rules import rule_name
from yusuan.errors import YusuanError
from yusuan.report.words import SEVERITY_NAMES as SEVERITY

STATUS = {"ok": "无错误", "errors": "有错误", "failed": "无法读取", "timeout": "超时", "memory": "超出内存",
          "duplicate": "内容重复"}
SHOWN_FAILURES = 20


class RateColumn(ProgressColumn):
    def render(self, task) -> Text:
        speed = task.finished_speed or task.speed
        return Text("— 份/秒" if speed is None else f"{speed:.1f} 份/秒", style="progress.data.speed")


@contextmanager
def _terminate_as_interrupt():
    """`kill` (SIGTERM) stops the batch as Ctrl-C does: results so far are written."""
    def handler(signum, frame):
        raise KeyboardInterrupt

    try:
        previous = signal.signal(signal.SIGTERM, handler)
    except ValueError:  # not the main thread
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def run_command(args: list[str], settings, *, jobs: int, out: Path | None, force: bool, limits: Limits,
                dask: str | None, job: str | None = None, verb: str = "核查") -> int:
    """A batch with its progress bar and summary; `job` and `verb` name other work (入库: `yusuan import`)."""
    if out is not None:
        output_format(out)
        if not out.parent.is_dir():
            raise YusuanError("结果文件所在的目录不存在", file=str(out))
    paths = expand(args, [out, journal_path(out)] if out else [])
    if not paths:
        raise YusuanError(f"没有找到要{verb}的文件")
    errors = Console(stderr=True)
    unread = skipped = 0
    progress = Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                        RateColumn(), TextColumn("已用"), TimeElapsedColumn(), TextColumn("剩余"),
                        TimeRemainingColumn(), console=errors)
    bar = progress.add_task(verb, total=len(paths))

    def advance(path: str, status: str, done_before: bool) -> None:
        """A document done in an earlier run leaves the bar, so rate and ETA are this run's."""
        nonlocal unread, skipped
        if done_before:
            skipped += 1
            progress.update(bar, total=len(paths) - skipped)
        else:
            unread += status in UNREADABLE
            progress.update(bar, advance=1)
        notes = [f"已完成而跳过 {skipped}"] * bool(skipped) + [f"无法读取 {unread}"] * bool(unread)
        progress.update(bar, description=f"{verb}（{'，'.join(notes)}）" if notes else verb)

    try:
        with _terminate_as_interrupt(), progress:
            result = run_batch(paths, settings, jobs=jobs, limits=limits, out=out, force=force, dask=dask,
                               job=job, on_result=advance)
    except BatchInterrupted as stop:
        done = stop.result.checked
        if out:
            errors.print(f"已中断：本次完成的 {done} 个文件已写入 {escape(str(out))}；再次运行同一命令即可接着{verb}，"
                         "已完成的文件不会重做。", highlight=False)
        else:
            kept = "（未指定 --out，结果没有保存）" if job is None else f"；再次运行同一命令即可接着{verb}"
            errors.print(f"已中断：本次完成了 {done} 个文件{kept}。", highlight=False)
        return 130
    show_summary(result, Console(), verb)
    return result.exit_status


def show_summary(result: BatchResult, console: Console, verb: str = "核查") -> None:
    statuses = result.statuses
    total = len(result.paths)
    rate = result.checked / result.elapsed if result.elapsed else 0.0
    where = f"Dask 集群 {result.cluster}" if result.cluster else "本机"
    console.print(f"[bold]批量{verb}：{total} 个文件[/bold]，本次{verb} {result.checked} 个，用时 {result.elapsed:.1f} 秒"
                  f"（{rate:.1f} 份/秒，{where} {result.workers} 个进程）", highlight=False)
    table = Table(show_header=True, header_style="bold", box=None, padding=(0, 2))
    table.add_column("文件")
    table.add_column("数量", justify="right")
    read = statuses["ok"] + statuses["errors"]
    table.add_row("读取并核查", str(read))
    table.add_row("  其中有错误", str(statuses["errors"]))
    table.add_row("无法读取", str(statuses["failed"]))
    table.add_row("超时", str(statuses["timeout"]))
    table.add_row("超出内存", str(statuses["memory"]))
    table.add_row("内容重复（未重复核查）", str(statuses["duplicate"]))
    table.add_row("此前已完成（跳过）", str(result.skipped))
    console.print(table)

    rules = sorted(result.rules.items(), key=lambda kv: (list(SEVERITY).index(kv[0][1]), -kv[1][0], kv[0][0]))
    if rules:
        by_rule = Table(title="按规则统计的发现", title_justify="left", header_style="bold", box=None, padding=(0, 2))
        by_rule.add_column("规则")
        by_rule.add_column("编号", style="dim")
        by_rule.add_column("级别")
        by_rule.add_column("发现", justify="right")
        by_rule.add_column("文件", justify="right")
        for (rule, severity), (findings, documents) in rules:
            by_rule.add_row(rule_name(rule), rule, SEVERITY.get(severity, severity), str(findings), str(documents))
        console.print(by_rule)

    failed = [(p, s) for p, s in result.summaries.items() if s.status in UNREADABLE]
    if failed:
        listing = Table(title="未能核查的文件", title_justify="left", header_style="bold", box=None, padding=(0, 2))
        listing.add_column("文件")
        listing.add_column("状态")
        listing.add_column("原因")
        for path, summary in failed[:SHOWN_FAILURES]:
            listing.add_row(escape(readable(path)), STATUS[summary.status], escape(summary.message or ""))
        console.print(listing)
        if len(failed) > SHOWN_FAILURES:
            console.print(f"……另有 {len(failed) - SHOWN_FAILURES} 个，原因见结果文件的 message 列", highlight=False)
    if result.out:
        console.print(f"结果：{escape(str(result.out))}（续跑记录：{escape(str(result.journal))}）", highlight=False)
