"""The reading report in words: what yusuan read of a document, said before any finding, so that a
reviewer knows which parts the findings stand on and which to read by hand."""

from __future__ import annotations

from dataclasses import dataclass, field

from yusuan.check.findings import Reading
from yusuan.recognise.sections import topics

CONTENTS = {"tables": "本文件只有公开表（无情况说明）", "narrative": "本文件只有情况说明（无公开表）"}


@dataclass
class ReadingText:
    summary: str  # one sentence: tables, target tables, narrative parts
    not_read: list[str] = field(default_factory=list)  # tables the 目录 lists that were not read
    unread: list[str] = field(default_factory=list)  # parts seen but not understood: page and reason
    notices: list[str] = field(default_factory=list)  # cells and relations no rule relied on

    @property
    def doubts(self) -> int:
        return len(self.not_read) + len(self.unread) + len(self.notices)


def reading_text(reading: Reading) -> ReadingText:
    tables = f"读到公开表 {len(reading.tables)} 张"
    if reading.listed:
        tables += f"（目录列出 {reading.listed} 张）"
    parts = [tables, f"绩效目标表 {reading.targets} 张"]
    named = {t.id: t.name for t in topics()}
    names = [named.get(t, t) for t in reading.topics]
    parts.append(f"情况说明 {len(names)} 部分（{'、'.join(names)}）" if names else "情况说明未分出部分")
    if reading.contents in CONTENTS:
        parts.insert(0, CONTENTS[reading.contents])
    return ReadingText(summary="；".join(parts) + "。", not_read=list(reading.not_read),
                       unread=[u.describe(longest=40) for u in reading.unread],
                       notices=[f.message for f in reading.notices])

