"""Evaluate the linear identities: each one that fails becomes a finding; those that hold only
within the rounding of their printed figures (尾差) are listed together once."""

from __future__ import annotations

from decimal import Decimal

from yusuan.check.context import Context
from yusuan.check.findings import Finding
from yusuan.check.identities import Identity
from yusuan.check.precision import sum_slack

MAX_LISTED = 30  # locations the 尾差 line names; the count says how many there are


def evaluate(ctx: Context) -> None:
    """One finding per failing identity; an identity that says again what another said (the
    same stated cell, rule and expected value through another table) shares its finding."""
    said: dict[tuple, Finding] = {}
    rounded: list[Identity] = []
    blanks: dict[tuple, list[tuple[int, Identity, Decimal]]] = {}
    for n, identity in enumerate(ctx.identities):
        sides = _sides(ctx, identity)
        if sides is None or sides[0] == sides[1]:
            continue
        stated, expected = sides
        if abs(stated - expected) <= ctx.rules[identity.rule].tolerance + sum_slack(
                [ctx.cells.raw(r) for r in identity.cells]):
            rounded.append(identity)
            continue
        if identity.stated is not None and identity.stated.claim is None and not ctx.cells.raw(identity.stated) \
                and not ctx.cells.is_virtual(identity.stated):
            # a column printed blank is one defect, however many cells and identities it leaves empty
            blanks.setdefault((identity.stated.table, identity.stated.column), []).append((n, identity, expected))
            continue
        key = (identity.rule, identity.stated, expected)
        if key not in said:
            said[key] = _report(ctx, identity, stated, expected)
        ctx.violated[n] = said[key]
    for found in blanks.values():
        finding = _blank(ctx, found)
        for n, _, _ in found:
            ctx.violated[n] = finding
    if rounded:
        where = [ctx.loc(r) for r in dict.fromkeys(i.stated for i in rounded if i.stated is not None)]
        ctx.add("text.rounding", f"{len(rounded)} 处合计与其各项之和的差在所印数字的四舍五入范围内（尾差），不算错误",
                where[:MAX_LISTED])


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
    return ctx.add(identity.rule, message, where, stated=stated, expected=expected)


def _blank(ctx: Context, found: list[tuple[int, Identity, Decimal]]) -> Finding:
    """Cells of one column printed blank where figures are due: one finding that names them all."""
    cells = list(dict.fromkeys(identity.stated for _, identity, _ in found))
    _, first, expected = found[0]
    where = ctx.loc(first.stated)  # type: ignore[arg-type]
    if len(cells) == 1:
        message = f"{where.describe()} 空白，未印数字，按 {first.what} 应为 {expected}"
    else:
        table = where.table or where.kind
        message = (f"{table} {where.column} 栏有 {len(cells)} 个单元格空白，未印数字，而按 {first.what} 应有数"
                   f"（如 {where.row} 应为 {expected}）")
    return ctx.add(first.rule, message, [ctx.loc(r) for r in cells[:MAX_LISTED]],  # type: ignore[arg-type]
                   stated=Decimal(0), expected=expected)
