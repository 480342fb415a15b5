"""The findings ledger (fixtures/corpus/ledger): every error yusuan reports on a real corpus document
has a verdict checked on the page. An error with no `real` verdict fails (a false error, or a new one
nobody has looked at), and so does a `real` defect that is no longer found."""

from __future__ import annotations

import pytest

from corpus import documents, is_negative, judge, report

REAL = [n for n in documents() if not is_negative(n)]


@pytest.mark.parametrize("name", REAL)
def test_every_error_is_a_real_defect_and_every_defect_is_found(name: str) -> None:
    judged = judge(name, report(name).findings)
    assert [f.message for _, f in judged.unreviewed + judged.false] == []
    assert [e["message"] for e in judged.missed] == []
