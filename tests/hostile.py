"""Hostile and broken files, made on the spot: each case is a file name, its bytes and the kind of
attack or damage it stands for. The good documents they start from are built by yusuan itself
(`good`), so every format is covered without binary fixtures."""

from __future__ import annotations

import io
import random
import struct
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from conftest import EXAMPLE


@dataclass(frozen=True)
class Case:
    kind: str  # what it stands for: zip-bomb, xml-entities, pdf-size, nesting, truncated, ...
    name: str  # the file name given to yusuan
    data: bytes
    command: str = "check"  # `check` a disclosure, or `build` from budget data


# ------------------------------------------------------------------------------------- zips


def rezip(data: bytes, change: Callable[[str, bytes], bytes | None], extra: dict[str, bytes] | None = None) -> bytes:
    """A copy of an OOXML zip with members changed (None drops one) and members added."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = change(info.filename, src.read(info))
            if body is not None:
                dst.writestr(info.filename, body)
        for name, body in (extra or {}).items():
            dst.writestr(name, body)
    return out.getvalue()


def zip_bombs(docx: bytes, xlsx: bytes) -> Iterator[Case]:
    big = 300 << 20
    # one member of 300 MB of zeros (300 KB packed): the classic bomb, in both containers
    yield Case("zip-bomb", "bomb.docx", rezip(docx, lambda n, b: b, {"word/media/zeros.bin": b"\0" * big}))
    yield Case("zip-bomb", "bomb.xlsx", rezip(xlsx, lambda n, b: b, {"xl/media/zeros.bin": b"\0" * big}))
    # the document part itself blown up: a valid XML start followed by 250 MB of spaces
    yield Case("zip-bomb", "bloated-part.docx", rezip(docx, lambda n, b: b.replace(b"<w:body>", b"<w:body>" + b" " * (250 << 20))
                                                    if n == "word/document.xml" else b))
    # headers that lie: a member declared 100 bytes that unpacks to 250 MB
    lying = rezip(xlsx, lambda n, b: b, {"xl/media/x.bin": b"\0" * (250 << 20)})
    yield Case("zip-bomb", "lying-header.xlsx", _lying_sizes(lying))
    # fifty thousand empty members
    many = io.BytesIO()
    with zipfile.ZipFile(many, "w") as z:
        for i in range(50_000):
            z.writestr(f"word/m{i}.xml", b"")
    yield Case("zip-bomb", "many-members.docx", many.getvalue())


def _lying_sizes(data: bytes) -> bytes:
    """Rewrite every declared uncompressed size (local and central headers) to 100 bytes."""
    buf = bytearray(data)
    for sig, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        at = buf.find(sig)
        while at != -1:
            size = struct.unpack_from("<I", buf, at + offset)[0]
            if size > 1 << 20:
                struct.pack_into("<I", buf, at + offset, 100)
            at = buf.find(sig, at + 4)
    return bytes(buf)


# ------------------------------------------------------------------------------- XML attacks

LAUGHS = (b'<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
          + b"".join(b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10) for i in range(1, 10))
          + b"]>\n")
XXE = b'<?xml version="1.0"?>\n<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n'


def _with_doctype(doctype: bytes, reference: bytes) -> Callable[[bytes], bytes]:
    def change(xml: bytes) -> bytes:
        body = xml.split(b"?>", 1)[1] if xml.startswith(b"<?xml") else xml
        return doctype + body.replace(b"<w:t>", b"<w:t>" + reference, 1).replace(b"<t>", b"<t>" + reference, 1)
    return change


def xml_attacks(docx: bytes, xlsx: bytes) -> Iterator[Case]:
    for doctype, ref, what in ((LAUGHS, b"&lol9;", "laughs"), (XXE, b"&x;", "xxe")):
        doc = _with_doctype(doctype, ref)
        yield Case("xml-entities", f"{what}.docx", rezip(docx, lambda n, b, d=doc: d(b) if n == "word/document.xml" else b))
        yield Case("xml-entities", f"{what}.xlsx",
                   rezip(xlsx, lambda n, b, d=doc: d(b) if n == "xl/worksheets/sheet1.xml" else b))
        yield Case("xml-entities", f"{what}-rels.docx",
                   rezip(docx, lambda n, b, d=doc: d(b) if n == "[Content_Types].xml" else b))
    # the same in a web page: html.parser does not expand DTD entities, the page reads as text
    yield Case("xml-entities", "laughs.html", LAUGHS + b"<html><body><table><tr><td>&lol9;</td></tr></table></body></html>")


# -------------------------------------------------------------------------------------- PDFs


def pdf(pages: list[bytes], *, compress: bool = False) -> bytes:
    """A minimal valid PDF whose pages have the given content streams (Helvetica)."""
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"", b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    kids = []
    for content in pages:
        body = zlib.compress(content, 9) if compress else content
        objects.append(b"<< /Length %d%s >>\nstream\n%s\nendstream" % (
            len(body), b" /Filter /FlateDecode" if compress else b"", body))
        objects.append(b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 3 0 R >> >>"
                       b" /Contents %d 0 R >>" % len(objects))
        kids.append(b"%d 0 R" % len(objects))
    objects[1] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (b" ".join(kids), len(kids))
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n%s\nendobj\n" % (number, body))
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    out.write(b"".join(b"%010d 00000 n \n" % o for o in offsets))
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    return out.getvalue()


def _text_ops(lines: int) -> bytes:
    return b"BT /F1 8 Tf 10 TL 20 830 Td " + b"(2023 budget 1234.56) ' " * lines + b"ET"


def pdf_attacks() -> Iterator[Case]:
    yield Case("pdf-size", "5000-pages.pdf", pdf([_text_ops(1)] * 5000))
    yield Case("pdf-size", "huge-content-stream.pdf", pdf([_text_ops(1_000_000)]))  # 24 MB, a million text lines
    yield Case("pdf-size", "flate-bomb.pdf", pdf([b"BT /F1 8 Tf (x) Tj ET" + b" " * (1 << 30)], compress=True))
    # the page tree points at itself
    loop = pdf([_text_ops(3)]).replace(b"/Kids [4 0 R]", b"/Kids [2 0 R]")
    yield Case("pdf-structure", "page-tree-loop.pdf", loop)
    # an object nested ten thousand arrays deep
    deep = pdf([_text_ops(3)]).replace(b"/MediaBox [0 0 595 842]", b"/MediaBox [0 0 595 842] /X " + b"[" * 10_000 + b"]" * 10_000)
    yield Case("pdf-structure", "deep-object.pdf", deep)
    yield Case("pdf-structure", "header-only.pdf", b"%PDF-1.7\n" + random.Random(7).randbytes(100_000))


# ------------------------------------------------------------------------- nesting and size


def html_nested(depth: int) -> bytes:
    return b"<html><body>" + b"<table><tr><td>" * depth + b"2023" + b"</td></tr></table>" * depth + b"</body></html>"


def docx_nested(docx: bytes, depth: int) -> bytes:
    cell = b"<w:p><w:r><w:t>x</w:t></w:r></w:p>"
    for _ in range(depth):
        cell = b"<w:tbl><w:tr><w:tc>" + cell + b"<w:p/></w:tc></w:tr></w:tbl>"
    return rezip(docx, lambda n, b: b.replace(b"<w:body>", b"<w:body>" + cell, 1) if n == "word/document.xml" else b)


def xlsx_far_cell(xlsx: bytes) -> bytes:
    """A sheet with one cell at the last row and column Excel allows."""
    def change(name: str, body: bytes) -> bytes:
        if name == "xl/worksheets/sheet1.xml":
            body = body.replace(b"</sheetData>", b'<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>1</t></is></c></row>'
                                                 b"</sheetData>", 1)
        return body
    return rezip(xlsx, change)


def xlsx_huge_merge(xlsx: bytes) -> bytes:
    def change(name: str, body: bytes) -> bytes:
        if name == "xl/worksheets/sheet1.xml":
            body = body.replace(b"</sheetData>",
                                b'</sheetData><mergeCells count="1"><mergeCell ref="A1:XFD1048576"/></mergeCells>', 1)
        return body
    return rezip(xlsx, change)


def nesting_and_size(docx: bytes, xlsx: bytes) -> Iterator[Case]:
    yield Case("nesting", "nested-5000.html", html_nested(5000))
    yield Case("nesting", "nested-300.docx", docx_nested(docx, 300))
    yield Case("nesting", "nested-250.docx", docx_nested(docx, 250))
    yield Case("table-size", "far-cell.xlsx", xlsx_far_cell(xlsx))
    yield Case("table-size", "huge-merge.xlsx", xlsx_huge_merge(xlsx))
    row = b"<tr>" + b"<td>201</td><td>1234.56</td>" * 5 + b"</tr>"
    yield Case("table-size", "million-cells.html", b"<html><body><table>" + row * 100_000 + b"</table></body></html>")
    yield Case("table-size", "colspan.html", b"<table><tr><td colspan=999999999 rowspan=999999999>1</td></tr>"
                                             + b"<tr><td>2</td></tr>" * 10_000 + b"</table>")
    line = b"\t201\t1234.56\t1234.56\n\n"
    yield Case("table-size", "million-lines.txt", "表1 收支总表\n".encode() + line * 500_000)
    yield Case("table-size", "one-long-line.txt", "表1 收支总表\n\t".encode() + b"9" * (50 << 20))


# ---------------------------------------------------------------------- damage of any format


def truncations(name: str, data: bytes) -> Iterator[Case]:
    for fraction in (0.1, 0.5, 0.9):
        yield Case("truncated", f"truncated-{int(fraction * 100)}-{name}", data[: int(len(data) * fraction)])


def bit_flips(name: str, data: bytes, seed: int = 1) -> Iterator[Case]:
    rng = random.Random(seed)
    flipped = bytearray(data)
    for _ in range(max(8, len(data) // 2000)):
        at = rng.randrange(len(flipped))
        flipped[at] ^= 1 << rng.randrange(8)
    yield Case("corrupt", f"flipped-{name}", bytes(flipped))


PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000") + b"\0" * 64
ELF = b"\x7fELF\x02\x01\x01" + b"\0" * 9 + random.Random(3).randbytes(4096)


def impostors() -> Iterator[Case]:
    rng = random.Random(11)
    for suffix in (".pdf", ".docx", ".xlsx", ".xls", ".html", ".txt"):
        yield Case("impostor", f"png{suffix}", PNG)
        yield Case("impostor", f"random{suffix}", rng.randbytes(50_000))
    yield Case("impostor", "elf.docx", ELF)
    yield Case("impostor", "gzip.pdf", b"\x1f\x8b\x08\x00" + rng.randbytes(2000))
    plain = io.BytesIO()
    with zipfile.ZipFile(plain, "w") as z:
        z.writestr("readme.txt", "不是公开文件")
    yield Case("impostor", "plain-zip.docx", plain.getvalue())
    yield Case("impostor", "ole-nothing.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504 + rng.randbytes(4096))


def encodings() -> Iterator[Case]:
    text = EXAMPLE.read_text(encoding="utf-8")
    yield Case("encoding", "utf16le-bom.txt", text.encode("utf-16"))
    yield Case("encoding", "utf16be.txt", text.encode("utf-16-be"))
    yield Case("encoding", "utf32.txt", text.encode("utf-32"))
    yield Case("encoding", "big5.txt", text.encode("big5", errors="replace"))
    yield Case("encoding", "shift-jis.txt", text.encode("shift_jis", errors="replace"))
    yield Case("encoding", "latin1.txt", "Budget 2023 café résumé\n\t1234.56\n".encode("latin-1") * 100)
    yield Case("encoding", "half-utf8-half-gbk.txt", text[:5000].encode("utf-8") + text[5000:10000].encode("gb18030"))
    yield Case("encoding", "gbk-html.html", b'<html><head><meta charset="gbk"></head><body>'
               + "<p>部门预算</p><table><tr><td>合计</td><td>1.00</td></tr></table>".encode("gbk") + b"</body></html>")
    yield Case("encoding", "bad-charset.html", b'<meta charset="no-such-codec"><table><tr><td>1</td></tr></table>')


def empties() -> Iterator[Case]:
    for suffix in (".pdf", ".docx", ".xlsx", ".xls", ".html", ".txt", ""):
        yield Case("empty", f"empty{suffix}", b"")
    yield Case("empty", "spaces.txt", b" \n\t\r\n" * 100)
    yield Case("empty", "bom-only.txt", b"\xef\xbb\xbf")
    yield Case("empty", "empty-table.html", b"<html><body><table></table></body></html>")


def budget_attacks(workbook: bytes, yaml_text: str) -> Iterator[Case]:
    """Budget data for `yusuan build`: the same bombs, and names that try to leave the output folder."""
    yield Case("budget", "bomb-budget.xlsx", rezip(workbook, lambda n, b: b, {"xl/media/z.bin": b"\0" * (300 << 20)}), "build")
    far = rezip(workbook, lambda n, b: b.replace(b"</sheetData>", b'<row r="1048576"><c r="XFD1048576" t="inlineStr">'
                                                b"<is><t>1</t></is></c></row></sheetData>", 1)
                if n.startswith("xl/worksheets/") else b)
    yield Case("budget", "far-cell-budget.xlsx", far, "build")
    yield Case("budget", "laughs-budget.xlsx", rezip(workbook, lambda n, b: _with_doctype(LAUGHS, b"&lol9;")(b)
                                                     if n == "xl/workbook.xml" else b), "build")
    laughs = "a: &a [" + ",".join(["x"] * 10) + "]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [" + ",".join([f"*{chr(97 + i)}"] * 10) + "]\n" for i in range(8))
    yield Case("budget", "laughs.yaml", laughs.encode(), "build")
    yield Case("budget", "deep.json", b"[" * 100_000 + b"]" * 100_000, "build")
    yield Case("budget", "huge.json", b'{"unit": "' + b"x" * (40 << 20) + b'"}', "build")
    yield Case("budget", "not-a-budget.yaml", b"- 1\n- 2\n", "build")
    escape = yaml_text.replace("name: 示例县档案馆", 'name: "../../逃逸/示例县档案馆"', 1)
    yield Case("budget-name", "escape.yaml", escape.encode(), "build")


def all_cases(good: dict[str, bytes]) -> list[Case]:
    """Every hostile case, from good documents of each format ({"docx": bytes, ...}, "budget.xlsx" and
    "budget.yaml" among them)."""
    cases = [*zip_bombs(good["docx"], good["xlsx"]), *xml_attacks(good["docx"], good["xlsx"]), *pdf_attacks(),
             *nesting_and_size(good["docx"], good["xlsx"]), *impostors(), *encodings(), *empties(),
             *budget_attacks(good.pop("budget.xlsx"), good.pop("budget.yaml").decode())]
    for fmt, data in good.items():
        cases += [*truncations(f"good.{fmt}", data), *bit_flips(f"good.{fmt}", data)]
    return cases
