"""What to check: files, directories (walked) and glob patterns, in a stable order; and the
content hash that names a document across runs."""

from __future__ import annotations

import glob
import hashlib
import os
from pathlib import Path

from yusuan.errors import YusuanError

GLOB_CHARS = frozenset("*?[")


def is_pattern(arg: str) -> bool:
    return any(c in GLOB_CHARS for c in arg) and not Path(arg).exists()


def _skipped(name: str) -> bool:
    """Hidden files and Office lock files (~$报告.docx) are not documents."""
    return name.startswith((".", "~$"))


def _walk(directory: str) -> list[str]:
    out = []
    for root, dirs, files in os.walk(directory):
        dirs[:] = sorted(d for d in dirs if not _skipped(d))
        out += [os.path.join(root, f) for f in sorted(files) if not _skipped(f)]
    return out


def expand(args: list[str], exclude: list[Path] = ()) -> list[str]:
    """Every document named, once each, in the order given (a directory's files sorted).
    Raises YusuanError for a name that is neither a file, a directory nor a pattern that matches."""
    skip = {os.path.realpath(p) for p in exclude}
    seen: set[str] = set()
    out: list[str] = []
    for arg in args:
        if os.path.isdir(arg):
            found = _walk(arg)
        elif os.path.isfile(arg):
            found = [arg]
        elif is_pattern(arg):
            found = []
            for match in sorted(glob.glob(arg, recursive=True)):
                found += _walk(match) if os.path.isdir(match) else [match]
            if not found:
                raise YusuanError(f"没有与 {arg} 匹配的文件")
        else:
            raise YusuanError("文件不存在", file=arg)
        for path in found:
            real = os.path.realpath(path)
            if real not in seen and real not in skip:
                seen.add(real)
                out.append(path)
    return out


def sha256_file(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def readable(path: str) -> str:
    """A file name fit to print and to write as UTF-8. Linux hands a name that is not UTF-8 over
    with its bytes escaped; Chinese ones are mostly GBK (from zips and Windows shares)."""
    try:
        path.encode("utf-8")
        return path
    except UnicodeEncodeError:
        raw = path.encode("utf-8", "surrogateescape")
    try:
        return raw.decode("gb18030")
    except UnicodeDecodeError:
        return raw.decode("utf-8", "replace")
