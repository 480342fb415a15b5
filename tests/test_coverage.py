"""How much of the whole corpus yusuan reads, against the answer key written by hand from the pages
(fixtures/corpus/manifest): the floor every change must keep. `benchmarks/coverage.py` prints the
same per document, with what was missed."""

from __future__ import annotations

import pytest

from corpus import Coverage, coverage, disclosure, documents, is_negative, manifest
from yusuan.errors import YusuanError


def test_the_corpus_is_read() -> None:
    total, refused = Coverage(), []
    for name in documents():
        if is_negative(name):
            continue
        try:
            total += coverage(name, disclosure(name))
        except YusuanError:
            refused.append(name)
    assert refused == []
    missed = "\n".join(total.missed)
    assert total.tables_read >= 0.98 * total.tables, missed
    assert total.targets_read >= 0.95 * total.targets, missed
    assert total.sections_found >= 0.95 * total.sections, missed


@pytest.mark.parametrize("name", [n for n in documents() if is_negative(n)])
def test_a_negative_is_refused_or_read_without_tables(name: str) -> None:
    """A file that is no disclosure is never read as one: it is refused saying what it is, or (a
    情况说明 whose tables were left out) read with no table into it."""
    try:
        d = disclosure(name)
    except YusuanError as error:
        assert "这不是部门预算或决算公开文件" in str(error)
    else:
        assert d.tables == []


def test_the_unit_and_year_are_read_from_the_cover() -> None:
    """The unit and year as the answer key has them, from the cover or its title however it is broken over
    lines; the three 北京 files are the tables alone and print neither (the store asks for them)."""
    wrong = {}
    for name in documents():
        if is_negative(name):
            continue
        facts, key = disclosure(name).document, manifest(name)["document"]
        if (facts.unit, facts.year) != (key["unit"], key["year"]):
            wrong[name[:2]] = (facts.unit, facts.year)
    assert wrong == {"25": (None, None), "26": (None, None), "27": (None, None)}
