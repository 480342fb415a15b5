"""Recognition: from any reader's layout (lines and grids, each with where it was printed) to the
model. Captions, table kinds, headers, codes, claims, performance targets and narrative sections
each have one home here; the regional vocabulary they use is data (data/tables.toml, data/sections.toml)."""

from yusuan.recognise.document import recognise

__all__ = ["recognise"]
