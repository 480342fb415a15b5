"""Office containers: what is inside a zip (Word .docx, Excel .xlsx) or an OLE compound file
(Excel .xls, old Word .doc, a password-protected Office file), checked before any library
parses it. Every bad input ends in one YusuanError naming the file."""

from __future__ import annotations

import io
import zipfile
import zlib
from pathlib import Path

from yusuan.errors import YusuanError
from yusuan.recognise.layout import Layout

MAX_UNPACKED = 200 * 1024 * 1024  # bytes, all members together: more is a zip bomb
MAX_MEMBERS = 10_000
_CHUNK = 1 << 20

ENCRYPTED = "文件有密码保护（已加密），无法读取；请在 Word/Excel 中取消密码后另存，再读取"
CORRUPT_ZIP = "文件已损坏或不完整，无法作为 Word（.docx）或 Excel（.xlsx）文件打开"
UNSAFE_XML = "XML 中有实体定义（疑似 XML 炸弹），拒绝读取"

# what a file name promises, for a clearer message when the content is something else
_SUFFIXES = {
    ".docx": "Word（.docx）", ".docm": "Word（.docx）", ".doc": "Word（.doc）", ".xlsx": "Excel（.xlsx）",
    ".xlsm": "Excel（.xlsx）", ".xls": "Excel（.xls）", ".pdf": "PDF", ".zip": "zip", ".wps": "WPS", ".et": "WPS",
}


def check_suffix(data: bytes, file: str) -> None:
    """Binary content that is no format we know, under a name that promises one."""
    suffix = Path(file).suffix.lower()
    if suffix in _SUFFIXES and b"\x00" in data[:4096]:
        raise YusuanError(f"文件扩展名是 {suffix}，但内容不是 {_SUFFIXES[suffix]} 文件（可能已损坏，或扩展名有误）",
                          file=file)


def open_zip(data: bytes, file: str) -> zipfile.ZipFile:
    """The zip, once every member has been unpacked within the bound and its checksum checked.
    Sizes are counted as unpacked, not as the headers declare them."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as exc:
        raise YusuanError(CORRUPT_ZIP, file=file) from exc
    if len(infos) > MAX_MEMBERS:
        raise YusuanError(f"zip 包中有 {len(infos)} 个文件，太多了，拒绝读取（疑似 zip 炸弹）", file=file)
    if sum(i.file_size for i in infos) > MAX_UNPACKED:
        raise YusuanError(f"解压后超过 {MAX_UNPACKED >> 20} MB，拒绝读取（疑似 zip 炸弹）", file=file)
    total = 0
    for info in infos:
        if info.flag_bits & 0x1:
            raise YusuanError(ENCRYPTED, file=file)
        try:
            xml = info.filename.lower().endswith((".xml", ".rels", ".vml"))
            tail = b""
            with archive.open(info) as member:
                while chunk := member.read(_CHUNK):
                    # Office never writes a DTD: one in any part is an entity bomb or an external entity
                    if xml and b"<!DOCTYPE" in tail + chunk:
                        raise YusuanError(f"{UNSAFE_XML}（{info.filename}）", file=file)
                    tail = chunk[-9:]
                    total += len(chunk)
                    if total > MAX_UNPACKED:
                        raise YusuanError(f"解压后超过 {MAX_UNPACKED >> 20} MB，拒绝读取（疑似 zip 炸弹）", file=file)
        except YusuanError:
            raise
        except (zipfile.BadZipFile, zlib.error, OSError, EOFError, ValueError, NotImplementedError,
                RuntimeError) as exc:
            raise YusuanError(f"{CORRUPT_ZIP}（{info.filename} 无法解压）", file=file) from exc
    return archive


def read_zip(data: bytes, file: str) -> Layout:
    archive = open_zip(data, file)
    names = set(archive.namelist())
    if "word/document.xml" in names or any(n.startswith("word/") for n in names):
        from yusuan.read.docx import read_docx

        return read_docx(data, file)
    if "xl/workbook.xml" in names or any(n.startswith("xl/") for n in names):
        from yusuan.read.xlsx import read_xlsx

        return read_xlsx(data, file, archive)
    if "mimetype" in names and b"opendocument" in archive.read("mimetype"):
        raise YusuanError("这是 OpenDocument 文件（.odt/.ods），暂不支持；请另存为 .docx 或 .xlsx 后再读取", file=file)
    if any(n.startswith("ppt/") for n in names):
        raise YusuanError("这是 PowerPoint 文件，不是预算公开文件；请提供 Word、Excel、PDF 或文本格式", file=file)
    raise YusuanError("这是一个 zip 压缩包，但不是 Word（.docx）或 Excel（.xlsx）文件；"
                      "若是多份文件打的包，请解压后逐个读取", file=file)


def ole_streams(data: bytes, file: str) -> set[str]:
    from xlrd.compdoc import CompDoc, CompDocError

    try:
        return {d.name for d in CompDoc(data, logfile=io.StringIO()).dirlist}
    except (CompDocError, Exception) as exc:  # xlrd's parser may fail in any way on a damaged file
        raise YusuanError("文件已损坏或不完整（OLE 复合文档结构有误），无法读取", file=file) from exc


def read_ole(data: bytes, file: str) -> Layout:
    streams = ole_streams(data, file)
    if "EncryptedPackage" in streams or "EncryptionInfo" in streams:
        raise YusuanError(ENCRYPTED, file=file)
    if "WordDocument" in streams:
        raise YusuanError("这是旧版 Word 文件（.doc），暂不支持；请在 Word 或 WPS 中另存为 .docx 或 PDF 后再读取",
                          file=file)
    if "Workbook" in streams or "Book" in streams:
        from yusuan.read.xls import read_xls

        return read_xls(data, file)
    if "PowerPoint Document" in streams:
        raise YusuanError("这是旧版 PowerPoint 文件，不是预算公开文件", file=file)
    raise YusuanError("这是 OLE 复合文档，但不是 Excel（.xls）文件，无法读取", file=file)
