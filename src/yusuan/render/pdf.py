"""PDF through WeasyPrint from the HTML rendering: one layout for the page and the print. The Chinese is set
in Noto Sans SC from the package pylopdf-fonts-zh-cn (a dependency), so a fresh `pip install` prints it on
any machine; without that face, or with a character it lacks, no PDF is made: never a PDF of empty boxes."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from yusuan.errors import YusuanError
from yusuan.model import Disclosure
from yusuan.render.html import render_html

FACE = "Noto Sans SC"  # first in the template's font-family lists
HOW_TO_GET = "pip install pylopdf-fonts-zh-cn（yusuan 的依赖，随 pip install yusuan 安装）"


def cjk_face() -> Path:
    """The font file of Noto Sans SC, or the reason there is none."""
    try:
        from pylopdf_fonts_zh_cn import sans_path
    except ImportError:
        raise YusuanError(f"无法生成 PDF：缺少中文字体 {FACE}，生成的 PDF 会全是方框；请运行 {HOW_TO_GET}") from None
    path = sans_path()
    if not path.is_file():
        raise YusuanError(f"无法生成 PDF：中文字体 {FACE} 的文件不见了（{path}）；请重新安装：{HOW_TO_GET}")
    return path


@cache
def _characters(path: Path) -> frozenset[int]:
    from fontTools.ttLib import TTFont

    return frozenset(TTFont(path, lazy=True).getBestCmap())


def missing_characters(text: str, face: Path) -> list[str]:
    """Characters of `text` the face cannot draw (a PDF would show a box for each)."""
    have = _characters(face)
    return sorted({c for c in text if c.isprintable() and not c.isspace() and ord(c) not in have})


def render_pdf(d: Disclosure) -> bytes:
    from weasyprint import CSS, HTML
    from weasyprint.text.fonts import FontConfiguration

    face = cjk_face()
    html = render_html(d)
    missing = missing_characters(html, face)
    if missing:
        raise YusuanError(f"无法生成 PDF：字体 {FACE} 中没有这些字符：{'、'.join(missing[:20])}"
                          f"{'等' if len(missing) > 20 else ''}；请改写这些字符，或改用 Word、HTML 格式")
    fonts = FontConfiguration()
    css = CSS(string=f'@font-face {{ font-family: "{FACE}"; src: url("{face.as_uri()}"); }}', font_config=fonts)
    return HTML(string=html).write_pdf(stylesheets=[css], font_config=fonts)
