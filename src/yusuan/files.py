"""File names that come from users or from a document's own text (a unit's name), made safe for a file
system, a zip member and an HTTP header."""

from __future__ import annotations

from pathlib import PurePath


def safe_name(name: str, fallback: str = "upload") -> str:
    """A file name from a user (or a document's own unit name), fit for a file system, a zip member and a
    header: no folders (a browser may send a whole path, \\ or /), no control characters, not "." or "..",
    at most 200 characters with its suffix kept."""
    name = "".join(c for c in name.replace("\\", "/").rsplit("/", 1)[-1] if c.isprintable()).strip()
    if name in ("", ".", ".."):
        return fallback
    suffix = PurePath(name).suffix[:20]
    return name if len(name) <= 200 else name[:200 - len(suffix)] + suffix
