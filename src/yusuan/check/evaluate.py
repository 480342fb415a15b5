"""Evaluate the linear identities: each one that fails becomes a finding."""

from __future__ import annotations

from decimal import Decimal

from yusuan.check.context import Context
from yusuan.check.findings import Finding
from yusuan.check.identities import Identity
from yusuan.check.rules import ROUNDED


def evaluate(ctx: Context) -> None:
    """One finding per failing identity; an identity that says again what another said (the
    same stated cell, rule and expected value through another table) shares its finding."""
    said: dict[tuple, Finding] = {}
    for n, identity in enumerate(ctx.identities):
        sides = _sides(ctx, identity)
        if sides is None or abs(sides[0] - sides[1]) <= ctx.rules[identity.rule].tolerance:
            continue
        key = (identity.rule, identity.stated, sides[1])
        if key not in said:
            said[key] = _report(ctx, identity, *sides)
        ctx.violated[n] = said[key]


def _sides(ctx: Context, identity: Identity) -> tuple[Decimal, Decimal] | None:
    """(stated, Σ parts), or None when a cell is not a number: text.not_a_number reports it
    and localisation fills it in."""
    values = [ctx.cells.value(r) for r in identity.parts]
    stated = ctx.cells.value(identity.stated) if identity.stated else Decimal(0)
    if stated is None or any(v is None for v in values):
        return None
    return stated, sum(values, Decimal(0))  # type: ignore[arg-type]


def _report(ctx: Context, identity: Identity, stated: Decimal, expected: Decimal) -> Finding:
    cells = ctx.cells
    severity = None
    slack = ctx.settings.rounding * max(len(identity.parts) - 1, 1)
    rounding_note = ""
    if abs(stated - expected) <= slack and identity.rule.startswith(ROUNDED):
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
        message = f"{head} 为 {stated}，而按 {identity.what} 应为 {expected}，相差 {stated - expected}"
    return ctx.add(identity.rule, message + rounding_note, where, stated=stated, expected=expected, severity=severity)
