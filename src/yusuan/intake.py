"""Taking a file in: read it, check it once with the settings in force, recover the fact table behind
it, and hand the store plain rows. `yusuan check` and `yusuan import`, the batch jobs, the web's uploads,
the API (its check stores nothing) and the example loader all come through here, so one file under one
set of settings gets the same findings whichever way it came.

Reading and checking are used by their front doors: `yusuan.read` and `yusuan.check.engine` (and, for
last year's comparisons, which need the store, `yusuan.check.crossyear`). The store is imported only
to keep a file, so `yusuan check` loads no database."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

from yusuan.errors import YusuanError

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from yusuan.check.findings import Report
    from yusuan.check.rules import Settings
    from yusuan.model import Disclosure
    from yusuan.store.documents import Stored

CONFIG_ENV = "YUSUAN_CONFIG"
TO_YUAN = {"万元": Decimal(10000), "元": Decimal(1)}


def config_path(path: Path | None = None) -> Path | None:
    """The settings file in force: the one named (--config), else $YUSUAN_CONFIG, else ./yusuan.toml
    when there is one; None: the defaults."""
    if path is not None:
        return path
    if os.environ.get(CONFIG_ENV):
        return Path(os.environ[CONFIG_ENV])
    default = Path("yusuan.toml")
    return default if default.is_file() else None


def settings_in_force(path: Path | None = None) -> Settings:
    """The check's settings from the file in force (config_path); YusuanError when it cannot be read."""
    from yusuan.check.rules import Settings, load_settings

    found = config_path(path)
    return load_settings(found) if found is not None else Settings()


@dataclass
class Checked:
    """A file read and checked once: what every door shows of it, and what the store keeps."""

    disclosure: Disclosure
    report: Report
    settings: Settings | None
    read_seconds: float = 0.0
    check_seconds: float = 0.0
    facts: list[dict] | None = None  # the fact table, when asked for: storing needs it, a check alone does not


def check_bytes(data: bytes, name: str, settings: Settings | None = None, *, facts: bool = False) -> Checked:
    """Read and check a file's content (`name` as the user knows it); YusuanError when it cannot be read.
    No settings: the defaults."""
    from yusuan.read import read_bytes

    start = time.perf_counter()
    disclosure = read_bytes(data, name)
    return _check(disclosure, settings, time.perf_counter() - start, facts)


def check_file(path: Path, settings: Settings | None = None, *, facts: bool = False) -> Checked:
    """As check_bytes, for a file named on the command line (its own messages for a missing file or a folder)."""
    from yusuan.read import read

    start = time.perf_counter()
    disclosure = read(path)
    return _check(disclosure, settings, time.perf_counter() - start, facts)


def _check(disclosure: Disclosure, settings: Settings | None, read_seconds: float, facts: bool) -> Checked:
    from yusuan.check.engine import check

    start = time.perf_counter()
    report = check(disclosure, settings)
    checked = Checked(disclosure, report, settings, read_seconds, time.perf_counter() - start)
    if facts:
        checked.facts = fact_lines(disclosure, report)
    return checked


def fact_lines(disclosure: Disclosure, report: Report) -> list[dict]:
    """The fact table behind the document as `yusuan extract` recovers it (the cells the check's
    localisation names put right), a line a dict, amounts in 元."""
    from yusuan.build.extract import corrected, extract

    try:
        budget, _ = extract(corrected(disclosure, report)[0])
    except (ValueError, ArithmeticError):  # a document too far from the standard tables
        return []
    scale = TO_YUAN[budget.money_unit]
    return [{"source": line.source, "functional": line.functional, "economic": line.economic, "kind": line.kind,
             "project": line.project, "yuan": line.amount * scale} for line in budget.lines]


def keep(session: Session, data: bytes, name: str, checked: Checked | None, *, region: str | None = None,
         department: str | None = None, account_id: int | None = None) -> Stored:
    """Store a file read and checked as the next version of its unit's document for its year, in the
    caller's transaction; the same file again is the version it already is. `checked` None: the caller
    found the file stored already and did not read it."""
    import yusuan.store.documents as store

    existing = store.stored_version(session, data)
    if existing is not None:
        return store.Stored(existing, new=False)
    if checked is None:
        raise YusuanError("文件未能读取，请重新上传", file=name)
    facts = checked.disclosure.document
    if not facts.unit or not facts.year:
        raise YusuanError("读不出单位名称或年度，无法归档（请在上传时注明）", file=name)
    document = store.document_for(session, facts.unit, facts.year, facts.kind, region=region, department=department)
    findings = [f.model_dump(mode="json") for f in checked.report.findings]
    findings += _against_last_year(session, document, checked, len(findings))
    lines = checked.facts if checked.facts is not None else fact_lines(checked.disclosure, checked.report)
    version = store.add_version(session, document, data, name, format=facts.format or "text",
                                disclosure=checked.disclosure, findings=findings, facts=lines,
                                report=checked.report.model_dump(mode="json", exclude={"findings"}),
                                account_id=account_id)
    return store.Stored(version, new=True)


def take_in(session: Session, data: bytes, name: str, settings: Settings | None = None, *,
            region: str | None = None, department: str | None = None, account_id: int | None = None) -> Stored:
    """Read, check and store one file in the caller's transaction (a trusted file: the example, a test's);
    a file the store already holds is not read again."""
    import yusuan.store.documents as store

    existing = store.stored_version(session, data)
    if existing is not None:
        return store.Stored(existing, new=False)
    return keep(session, data, name, check_bytes(data, name, settings, facts=True), region=region,
                department=department, account_id=account_id)


def _against_last_year(session: Session, document, checked: Checked, numbered: int) -> list[dict]:
    """When the store holds the unit's previous year, the narrative's comparisons are checked against
    what that year's document printed; the findings name that document by year and version."""
    import yusuan.store.documents as store
    from yusuan.check.crossyear import check_against_previous

    last = store.last_year(session, document)
    if last is None:
        return []
    found = check_against_previous(checked.disclosure, store.from_stored(last.disclosure),
                                   f"{document.year - 1}年第{last.number}版", checked.settings)
    for n, finding in enumerate(found, start=numbered + 1):
        finding.id = f"F{n}"
    return [f.model_dump(mode="json") for f in found]
