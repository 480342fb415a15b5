"""The whole disclosure as one HTML page, also the source of the PDF."""

from __future__ import annotations

from yusuan.model import Disclosure
from yusuan.render.grid import body_rows, header_rows

CN = "一二三四五六七八九十"


def numeral(n: int) -> str:
    return CN[n - 1] if n <= 10 else ("十" if n < 20 else CN[n // 10 - 1] + "十") + (CN[n % 10 - 1] if n % 10 else "")


def staffing_sentence(d: Disclosure) -> str:
    s, changes = d.overview.staffing, d.overview.staffing_changes
    if not s:
        return ""
    parts = []
    for key in ("在职", "退休", "离休"):
        if key in s:
            change = changes.get(key)
            word = "" if change is None else f"，{'减少' if change < 0 else '增加'}{abs(change)}人"
            parts.append(f"{key}{s[key]}人{word}")
    head = "，".join(f"{k}{s[k]}{'名' if k == '编制数' else '人'}" for k in ("编制数", "实有人数") if k in s)
    return f"{d.document.unit}{head}" + (f"，其中：{'；'.join(parts)}" if parts else "") + "。"


def narrative_sections(d: Disclosure) -> list[tuple[str, list[str]]]:
    headings = [s.title for s in d.narrative.sections if s.heading]
    out: list[tuple[str, list[str]]] = [(s, []) for s in headings]
    index = {s: i for i, s in enumerate(headings)}
    for p in d.narrative.paragraphs:
        if p.section in index:
            out[index[p.section]][1].append(p.text)
    return out


def render_html(d: Disclosure) -> str:
    from jinja2 import Environment, PackageLoader, select_autoescape

    env = Environment(loader=PackageLoader("yusuan.render"), autoescape=select_autoescape())
    return env.get_template("disclosure.html").render(
        d=d, kind_word="决算" if d.document.kind == "final" else "预算", staffing=staffing_sentence(d),
        narrative=narrative_sections(d), header=header_rows, body=body_rows, numeral=numeral)
