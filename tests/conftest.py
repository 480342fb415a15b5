import os
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, make_url, text

from yusuan.model import Disclosure
from yusuan.read import read
from yusuan.store.db import engine

FIXTURES = Path(__file__).parent / "fixtures"
EXAMPLE = FIXTURES / "changji-gxj-2023-budget.txt"


@pytest.fixture(scope="session")
def example() -> Disclosure:
    return read(EXAMPLE)


# The store runs on SQLite and on PostgreSQL. YUSUAN_TEST_POSTGRESQL is a server URL whose user may
# create databases (.ci/run starts one); each module gets a database of its own, dropped after.
POSTGRESQL = os.environ.get("YUSUAN_TEST_POSTGRESQL")
NO_POSTGRESQL = "没有 PostgreSQL：设置 YUSUAN_TEST_POSTGRESQL（.ci/run 会启动一个）"


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('store') / 'yusuan.db'}"
        return
    if not POSTGRESQL:
        pytest.skip(NO_POSTGRESQL)
    server = make_url(POSTGRESQL)
    name = f"yusuan_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    yield server.set(database=name).render_as_string(hide_password=False)
    engine(server.set(database=name).render_as_string(hide_password=False)).dispose()
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
    admin.dispose()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Every skip counted by its reason, so a run on a machine without PostgreSQL or chromium says what it left out
    (pytest alone prints one count, or one line per test with -rs)."""
    reasons = Counter(_reason(report) for report in terminalreporter.stats.get("skipped", []))
    if reasons:
        terminalreporter.section("跳过的测试（按原因）")
        for reason, count in reasons.most_common():
            terminalreporter.line(f"{count:6d}  {reason}")


def _reason(report: pytest.TestReport) -> str:
    if isinstance(report.longrepr, tuple):  # (file, line, "Skipped: reason")
        return str(report.longrepr[2]).removeprefix("Skipped: ")
    return str(report.longrepr)
