"""Readers: any published disclosure → layout → the model."""

from __future__ import annotations

from pathlib import Path

from yusuan.errors import YusuanError
from yusuan.model import Disclosure
from yusuan.recognise.layout import Layout


def sniff(data: bytes) -> str:
    """The format, from the content, never from the file name."""
    head = data[:2048].removeprefix(b"\xef\xbb\xbf").lstrip()
    if head.startswith(b"%PDF"):
        return "pdf"
    if data.startswith(b"PK\x03\x04"):
        return "zip"
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        return "ole"
    if head[:200].lower().startswith((b"<!doctype html", b"<html", b"<head", b"<meta")) or b"<table" in head.lower():
        return "html"
    return "text"


def layout_of(data: bytes, file: str) -> Layout:
    from yusuan.read.limits import MAX_TEXT_BYTES

    fmt = sniff(data)
    if fmt in ("text", "html") and len(data) > MAX_TEXT_BYTES:
        raise YusuanError(f"文本/HTML 文件有 {len(data) >> 20} MB，超过 {MAX_TEXT_BYTES >> 20} MB 的上限，"
                          "远大于任何公开文件，拒绝读取", file=file)
    if fmt == "text":
        from yusuan.read.office import check_suffix
        from yusuan.read.text import read_text

        check_suffix(data, file)
        return read_text(data, file)
    if fmt == "pdf":
        from yusuan.read.pdf import read_pdf

        return read_pdf(data, file)
    if fmt == "zip":
        from yusuan.read.office import read_zip

        return read_zip(data, file)
    if fmt == "ole":
        from yusuan.read.office import read_ole

        return read_ole(data, file)
    if fmt == "html":
        from yusuan.read.html import read_html

        return read_html(data, file)
    names = {"pdf": "PDF", "zip": "Word/Excel (zip)", "ole": "旧版 Word/Excel", "html": "HTML"}
    raise YusuanError(f"暂不支持读取 {names[fmt]} 格式", file=file)


def read_bytes(data: bytes, file: str) -> Disclosure:
    from yusuan.recognise import recognise

    return recognise(layout_of(data, file))


def read(path: str | Path) -> Disclosure:
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError as exc:
        raise YusuanError("文件不存在", file=str(path)) from exc
    except IsADirectoryError as exc:
        raise YusuanError("这是一个目录，不是文件", file=str(path)) from exc
    except OSError as exc:
        raise YusuanError(f"无法读取文件（{exc.strerror}）", file=str(path)) from exc
    return read_bytes(data, str(path))
