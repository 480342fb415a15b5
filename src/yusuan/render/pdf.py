"""PDF through WeasyPrint from the HTML rendering: one layout for the page and the print,
CJK text in Debian's Noto CJK fonts (fonts-noto-cjk)."""

from __future__ import annotations

from yusuan.model import Disclosure
from yusuan.render.html import render_html


def render_pdf(d: Disclosure) -> bytes:
    from weasyprint import HTML

    return HTML(string=render_html(d)).write_pdf()
