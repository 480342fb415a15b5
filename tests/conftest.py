from pathlib import Path

import pytest

from yusuan.model import Disclosure
from yusuan.read import read

FIXTURES = Path(__file__).parent / "fixtures"
EXAMPLE = FIXTURES / "changji-gxj-2023-budget.txt"


@pytest.fixture(scope="session")
def example() -> Disclosure:
    return read(EXAMPLE)
