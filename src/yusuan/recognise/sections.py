"""The narrative's topics (data/sections.toml): what a heading is about, and the paragraphs that
state a topic without a heading of their own (`本单位无政府性基金预算支出…`)."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources

from yusuan.model.numbers import squash

_NUMBERING = re.compile(r"^(第[一二三四五六七八九十]+部分[:：]?|[一二三四五六七八九十]+、|[（(][一二三四五六七八九十\d]+[)）]"
                        r"|\d+[.、．](?!\d))")
_DETAIL = re.compile(r"[（(](详见|见)[^)）]*[)）]$")


@dataclass(frozen=True)
class Topic:
    id: str
    name: str
    heading: tuple[re.Pattern[str], ...]
    statement: tuple[re.Pattern[str], ...]


@cache
def topics() -> tuple[Topic, ...]:
    data = tomllib.loads(resources.files("yusuan.data").joinpath("sections.toml").read_text("utf-8"))
    return tuple(Topic(t["id"], t["name"], tuple(map(re.compile, t.get("heading", ()))),
                       tuple(map(re.compile, t.get("statement", ())))) for t in data["topic"])


def name(topic: str) -> str:
    return next(t.name for t in topics() if t.id == topic)


def heading_topic(heading: str) -> str | None:
    """The topic a heading names, or None (the caller gives it its part's topic, else `other`)."""
    text = _DETAIL.sub("", _NUMBERING.sub("", squash(heading)))
    return next((t.id for t in topics() if any(p.search(text) for p in t.heading)), None)


def statement_topics(paragraph: str) -> list[str]:
    """The topics a paragraph states at its opening, with no heading of their own."""
    text = _NUMBERING.sub("", squash(paragraph))[:80]
    return [t.id for t in topics() if any(p.search(text) for p in t.statement)]
