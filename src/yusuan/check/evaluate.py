"""Evaluate the linear identities: each one that fails becomes a finding."""

from __future__ import annotations

from decimal import Decimal

from yusuan.check.context import Context
from yusuan.check.identities import Identity


def evaluate(ctx: Context) -> None:
    for n, identity in enumerate(ctx.identities):
        finding = _check(ctx, identity)
        if finding is not None:
            ctx.violated[n] = finding


def _check(ctx: Context, identity: Identity):  # noqa: ANN202
    cells = ctx.cells
    values = [cells.value(r) for r in identity.cells]
    if any(v is None for v in values):
        return None  # a garbled cell: text.not_a_number reports it, localisation fills it in
    stated = cells.value(identity.stated) if identity.stated else Decimal(0)
    expected = sum((cells.value(r) for r in identity.parts), Decimal(0))
    diff = abs(stated - expected)  # type: ignore[operator]
    rule = ctx.rules[identity.rule]
    if diff <= rule.tolerance:
        return None
    severity = None
    slack = ctx.settings.rounding * max(len(identity.parts) - 1, 1)
    rounding_note = ""
    if diff <= slack and identity.rule.startswith(("hierarchy", "row", "summary", "cross")):
        severity, rounding_note = "warning", f"，在尾差范围（{slack}）内"
    where = [ctx.loc(r) for r in identity.cells]
    lacking = [r for r in identity.cells if cells.is_virtual(r)]
    if lacking and (identity.stated in lacking or all(r in lacking for r in identity.parts)):
        present = [r for r in identity.cells if not cells.is_virtual(r)]
        shown = "、".join(f"{ctx.loc(r).describe()} 为 {cells.value(r)}" for r in present)
        where = [ctx.loc(r) for r in present]
        message = f"{'、'.join(ctx.loc(r).describe() for r in lacking)}，而{shown}（{identity.what}）"
    else:
        head = ctx.loc(identity.stated).describe() if identity.stated else ""
        message = f"{head} 为 {stated}，而按 {identity.what} 应为 {expected}，相差 {stated - expected}"  # type: ignore[operator]
    return ctx.add(identity.rule, message + rounding_note, where, stated=stated, expected=expected, severity=severity)
