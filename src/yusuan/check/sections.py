"""Narrative arithmetic (shares, growth rates, listed items, precision) and the other sections:
“三公”, 机关运行经费, 政府采购, 国有资产, staffing."""

from __future__ import annotations

import re
from decimal import ROUND_DOWN, Decimal

from yusuan.check.cells import Ref, blank_total
from yusuan.check.context import Context
from yusuan.check.findings import Location
from yusuan.check.narrative import convert, expected_growth, expected_share, prior_of
from yusuan.check.precision import Printed, growth_range, half_unit, share_range, sum_slack
from yusuan.model import Claim, Source
from yusuan.model.numbers import decimals_of, round_half_up, squash


def by_paragraph(claims: list[Claim]) -> list[list[Claim]]:
    """Claims grouped by the paragraph that states them, in order."""
    groups: dict[tuple, list[Claim]] = {}
    for claim in claims:
        where = claim.source or Source()
        groups.setdefault((where.line, where.page, where.x, where.y, claim.text), []).append(claim)
    return list(groups.values())


def _once(claims: list[Claim]) -> list[Claim]:
    """The items a sentence lists, an item printed twice over (a clause pasted again) once."""
    seen: set[tuple] = set()
    out = []
    for c in claims:
        key = (c.subject, c.amount, c.count, c.count_unit)
        if key not in seen:
            seen.add(key)
            out.append(c)
    return out


def _loc(ctx: Context, claim: Claim, column: str | None = None) -> Location:
    return Location.of_claim(claim, ctx.d.document.page_labels, column)


def check_narrative(ctx: Context) -> None:
    claims = ctx.d.narrative.claims
    for claim in claims:
        _growth(ctx, claim)
        _share(ctx, claim)
        for field in ("amount", "change"):
            raw = claim.raw.get(field, "")
            m = re.search(r"\.(\d+)", raw)
            if m and len(m[1]) > 2:
                ctx.add("text.precision", f"“{claim.subject}”的{'金额' if field == 'amount' else '增减额'} "
                        f"{raw.strip()} 有 {len(m[1])} 位小数，表格只印两位", [_loc(ctx, claim)])
    _other_unit_amounts(ctx)
    _items_sum(ctx)
    _section_items(ctx)
    _renamed(ctx)


def _unit_of(ctx: Context, ref: Ref) -> str | None:
    return ctx.d.tables[ref.table].unit or ctx.d.document.money_unit  # type: ignore[index]


def _other_unit_amounts(ctx: Context) -> None:
    """A figure the narrative states in another unit than its table (万元 against 元): the table's
    figure, converted, is one the narrative's stands for. One cut off where it should be rounded
    (1361万元 for 13,616,271元) is a slip to mention, not an error."""
    for ci, claim in enumerate(ctx.d.narrative.claims):
        if claim.amount is None:
            continue
        ref = ctx.resolver.amount_ref(ci, claim)
        if ref is None or claim.unit == _unit_of(ctx, ref) or blank_total(ctx.d, ref):
            continue
        value = ctx.cells.value(ref)
        if value is None:
            continue
        exact = convert(value, _unit_of(ctx, ref), claim.unit)
        printed = Printed.of(claim.amount, claim.raw.get("amount"))
        if printed.meets(exact, exact):
            continue
        places = decimals_of(claim.raw.get("amount", "").replace(claim.unit, "").strip())
        expected = round_half_up(exact, places)
        cut = exact.quantize(Decimal(1).scaleb(-places), rounding=ROUND_DOWN) == claim.amount
        rule = "other.three_public_matches_table" if claim.subject_kind == "three_public" else \
            "narrative.amount_matches_table"
        ctx.add(rule, f"“{claim.subject}”为 {claim.amount}{claim.unit}，而{ctx.loc(ref).describe()}为 "
                f"{value}{_unit_of(ctx, ref)}，即 {expected}{claim.unit}" + ("（截尾而未四舍五入）" if cut else ""),
                [_loc(ctx, claim, "金额"), ctx.loc(ref)], stated=claim.amount, expected=expected,
                severity="warning" if cut else None)


def _share(ctx: Context, claim: Claim) -> None:
    """占比 = amount ÷ its total, for some values the printed figures stand for; shares of one total
    rounded so that they add up to 100 % may each be off by one in their last digit."""
    base = ctx.resolver.base_ref(claim) if claim.share is not None and claim.amount is not None else None
    value = ctx.cells.value(base) if base else None
    if base is None or not value:
        return
    ratio = convert(Decimal(1), _unit_of(ctx, base), claim.unit)
    total = Printed(value * ratio, half_unit(ctx.cells.raw(base)) * ratio)
    found = share_range(Printed.of(claim.amount, claim.raw.get("amount")), total)  # type: ignore[arg-type]
    share = Printed.of(claim.share, claim.raw.get("share"))  # type: ignore[arg-type]
    if found is None or share.meets(*found):
        return
    expected = expected_share(claim, total.value)
    if expected is None or _rounded_to_hundred(ctx, claim, base, expected):
        return
    ctx.add("narrative.share", f"“{claim.subject}”占比印为 {claim.share}%，按 {claim.amount} ÷ {total.value} 应为 {expected}%",
            [_loc(ctx, claim, "占比"), ctx.loc(base)], stated=claim.share, expected=expected)


def _rounded_to_hundred(ctx: Context, claim: Claim, base: Ref, expected: Decimal) -> bool:
    """The shares of one total a paragraph states add up to exactly 100 %, and this one is off by one
    in its last digit: rounded to make the sum come out (the largest-remainder convention)."""
    siblings = [c for c in ctx.d.narrative.claims if c.paragraph == claim.paragraph and c.share is not None
                and c.amount is not None and ctx.resolver.base_ref(c) == base]
    step = half_unit(claim.raw.get("share")) * 2
    return len(siblings) >= 2 and sum(c.share for c in siblings) == 100 and abs(claim.share - expected) == step  # type: ignore[misc]


def _growth(ctx: Context, claim: Claim) -> None:
    prior = prior_of(claim)
    if claim.prior is None and prior is not None and claim.change is not None and claim.amount is not None \
            and prior + half_unit(claim.raw.get("amount")) + half_unit(claim.raw.get("change")) < 0:
        # `0万元，比2022年增加1421.25万元`: no year could have had less than nothing
        ctx.add("narrative.change_consistent",
                f"“{claim.subject}”为 {claim.amount}{claim.unit}，却说{claim.raw.get('change', '').strip()}，"
                f"上年应为 {prior}{claim.unit}（负数）", [_loc(ctx, claim, "增减额")], stated=claim.change,
                expected=None)
        return
    if claim.growth_rate is None or claim.amount is None or prior is None:
        return
    if prior == 0:  # no rate from a zero base: “增长100%” is a convention to flag
        both = "上年和本年均为零" if claim.amount == 0 else "上年为零"
        ctx.add("narrative.zero_base_growth",
                f"“{claim.subject}”{both}，增长率无从计算，却写“增长{claim.growth_rate}%”", [_loc(ctx, claim, "增长率")],
                stated=claim.growth_rate)
        return
    change = Printed.of(claim.change, claim.raw.get("change")) if claim.change is not None else None
    stated = Printed.of(claim.prior, claim.raw.get("prior")) if claim.prior is not None else None
    found = growth_range(Printed.of(claim.amount, claim.raw.get("amount")), stated, change)
    if found is not None and Printed.of(claim.growth_rate, claim.raw.get("growth_rate")).meets(*found):
        return  # some values the printed figures stand for give the printed rate
    expected = expected_growth(claim)
    if expected is not None and expected != claim.growth_rate:
        ctx.add("narrative.growth_rate",
                f"“{claim.subject}”增长率印为 {claim.growth_rate}%，按（{claim.amount} − {prior}）÷ {prior} 应为 {expected}%",
                [_loc(ctx, claim, "增长率")], stated=claim.growth_rate, expected=expected)


def _items_sum(ctx: Context) -> None:
    """The figures a sentence lists after `其中` add up to the figure it names before them (or, for a
    sentence that opens with `其中`, the last figure of the sentence before). A breakdown in
    parentheses is no item; items of another kind than their head (会议费 after “三公”经费) are none;
    a sentence whose `其中` goes on in prose, not figure by figure, lists nothing."""
    for claims in by_paragraph(ctx.d.narrative.claims):
        head: Claim | None = None
        lists: list[tuple[Claim, list[Claim]]] = []  # each head with what its sentence lists after it
        for claim in claims:
            if not claim.listed:
                if claim.amount is not None:
                    head = claim
            elif head is not None and not claim.nested:
                if not lists or lists[-1][0] is not head:
                    lists.append((head, []))
                lists[-1][1].append(claim)
        for head, listed in lists:
            listed = _once(listed)
            items = [c for c in listed if c.amount is not None]
            # procurement and assets have rules of their own (`_procurement`, `_assets`)
            if not items or len(items) < len(listed) or any(len(c.subject) > 24 for c in items) \
                    or {head.subject_kind, *(c.subject_kind for c in items)} & {"asset", "procurement"}:
                continue
            if head.subject_kind == "three_public":
                items = [c for c in items if c.subject_kind == "three_public"]
            if len(items) < 2:
                continue
            total = sum((c.amount for c in items), Decimal(0))  # type: ignore[misc]
            if abs(total - head.amount) > sum_slack([c.raw.get("amount", "") for c in (head, *items)]):  # type: ignore[operator]
                ctx.add("narrative.items_sum", f"“{head.subject}”为 {head.amount}，其中各项合计 {total}",
                        [_loc(ctx, head)], stated=head.amount, expected=total)


def _section_items(ctx: Context) -> None:
    """The 项 of the 一般公共预算 table a section lists one by one (each once) add up to no more than
    its total, within the rounding of the figures printed (a section of 财政拨款 lists 政府性基金 项
    too: only those the table has count)."""
    total_ref = ctx.resolver.total_ref("gpb_expense", "total")
    if total_ref is None:
        return
    sections: dict[str | None, dict[str, Claim]] = {}
    for ci, claim in enumerate(ctx.d.narrative.claims):
        ref = ctx.resolver.amount_ref(ci, claim) if claim.subject_kind == "expense_item" else None
        if ref is not None and ref.table == total_ref.table and claim.amount is not None and "项）" in claim.subject:
            sections.setdefault(claim.section, {}).setdefault(claim.subject, claim)
    value = ctx.cells.value(total_ref)
    for section, by_subject in sections.items():
        claims = list(by_subject.values())
        if value is None or len(claims) < 2:
            continue
        total = round_half_up(convert(value, _unit_of(ctx, total_ref), claims[0].unit), 2)
        listed = sum((c.amount for c in claims), Decimal(0))  # type: ignore[misc]
        if abs(listed - total) <= sum_slack([c.raw.get("amount", "") for c in claims]) + half_unit(str(total)):
            continue
        more = listed > total
        ctx.add("narrative.items_sum",
                f"{section or '情况说明'}逐项列出的 {len(claims)} 个项合计 {listed}，"
                f"{'超过' if more else '少于'}一般公共预算支出合计 {total}" + ("" if more else "（可能漏列）"),
                [_loc(ctx, claims[0]), ctx.loc(total_ref)], stated=listed, expected=total,
                severity=None if more else "warning")


def _renamed(ctx: Context) -> None:
    for ci, printed, name in dict.fromkeys(ctx.resolver.renamed):
        if squash(name) == squash(printed) + "支出":  # `一般公共服务（类）`: 支出 is dropped by convention
            continue
        claim = ctx.d.narrative.claims[ci]
        ctx.add("text.name_differs", f"情况说明称“{printed}”，表中为“{name}”", [_loc(ctx, claim)])


def check_other_sections(ctx: Context) -> None:
    claims = ctx.d.narrative.claims
    basic = ctx.table("gpb_basic_expense")
    for claim in claims:
        if claim.subject_kind == "office_running" and claim.amount is not None and basic and basic.total_row() \
                and basic.has("public"):  # without a 公用经费 column there is nothing to compare
            public = basic.total_row().value("public")  # type: ignore[union-attr]
            places = decimals_of(claim.raw.get("amount", "").replace(claim.unit, "").strip())
            public = round_half_up(convert(public, basic.unit or ctx.d.document.money_unit, claim.unit), places)
            if public != claim.amount:
                ti = ctx.d.tables.index(basic)
                ctx.add("other.office_running_vs_public",
                        f"机关运行经费 {claim.amount} 与基本支出表公用经费 {public} 不同",
                        [_loc(ctx, claim), ctx.loc(Ref(ti, basic.rows.index(basic.total_row()), "public"))],  # type: ignore[arg-type]
                        stated=claim.amount, expected=public)
    _procurement(ctx, [c for c in claims if c.subject_kind == "procurement"])
    _assets(ctx, [c for c in claims if c.subject_kind == "asset"])
    _staffing(ctx)


_GOODS = ("货物", "工程", "服务")


def _procurement(ctx: Context, claims: list[Claim]) -> None:
    """政府采购 = 货物 + 工程 + 服务, as each total is followed by its three parts (`总额 6,143.52 万元：货物
    5,242.52 万元、工程 0 万元、服务 901 万元`); what is reserved for small firms is within it."""
    for i, head in enumerate(claims):
        if head.amount is None or any(w in head.subject for w in _GOODS) or not re.search(
                r"政府采购(预算)?(总额|合计)?$", head.subject):
            continue
        parts = [c for c in claims[i + 1:i + 4] if c.paragraph == head.paragraph and c.amount is not None]
        parts = [c for c in parts[:3] if any(w in c.subject for w in _GOODS)]
        if sorted(w for c in parts for w in _GOODS if w in c.subject) != sorted(_GOODS):
            continue
        total = sum((c.amount for c in parts), Decimal(0))  # type: ignore[misc]
        if abs(total - head.amount) > sum_slack([c.raw.get("amount", "") for c in (head, *parts)]):
            ctx.add("other.procurement_parts", f"“{head.subject}”为 {head.amount}，而货物、工程、服务合计 {total}",
                    [_loc(ctx, head)], stated=head.amount, expected=total)
    total = next((c for c in claims if re.search(r"政府采购(预算)?$", c.subject) and c.amount is not None), None)
    sme = next((c for c in claims if "中小企业" in c.subject), None)
    small = next((c for c in claims if "小微" in c.subject), None)
    if total and sme and sme.amount is not None and sme.amount > total.amount:  # type: ignore[operator]
        ctx.add("other.procurement_parts", f"面向中小企业预留 {sme.amount} 超过政府采购预算 {total.amount}",
                [_loc(ctx, sme), _loc(ctx, total)], stated=sme.amount, expected=total.amount)
    if sme and small and sme.amount is not None and small.amount is not None and small.amount > sme.amount:
        ctx.add("other.procurement_parts", f"面向小微企业预留 {small.amount} 超过面向中小企业预留 {sme.amount}",
                [_loc(ctx, small), _loc(ctx, sme)], stated=small.amount, expected=sme.amount)


def _assets(ctx: Context, claims: list[Claim]) -> None:
    """In a sentence, the figures listed after `其中` (their count and value) are parts of the figure
    named before them: each no more than it, and together no more (an asset may be counted twice,
    under 车辆 and under 单价100万元以上)."""
    for group in by_paragraph(claims):
        for number in sorted({c.sentence for c in group}):
            sentence = [c for c in group if c.sentence == number]
            heads = [c for c in sentence if not c.listed]
            items = _once([c for c in sentence if c.listed and not c.nested])
            if not heads or not items:
                continue
            for field in ("count", "amount"):
                head = next((c for c in reversed(heads) if getattr(c, field) is not None), None)
                if head is None:
                    continue
                parts = [c for c in items if getattr(c, field) is not None
                         and (field != "count" or c.count_unit == head.count_unit)]  # 辆 are no 台（套）
                limit = getattr(head, field)
                for item in parts:
                    if getattr(item, field) > limit:
                        ctx.add("other.asset_parts",
                                f"“{item.subject}” {getattr(item, field)} 超过总数“{head.subject}” {limit}",
                                [_loc(ctx, item), _loc(ctx, head)], stated=getattr(item, field), expected=limit)
                total = sum((getattr(c, field) for c in parts), Decimal(0))
                if parts and total > limit and all(getattr(c, field) <= limit for c in parts):
                    ctx.add("other.asset_parts", f"“{head.subject}”其中各项合计 {total} 超过总数 {limit}",
                            [_loc(ctx, head)], stated=total, expected=limit)


def _staffing(ctx: Context) -> None:
    staff = ctx.d.overview.staffing
    if "实有人数" in staff and any(k in staff for k in ("在职", "退休", "离休")):
        parts = sum(staff.get(k, 0) for k in ("在职", "退休", "离休"))
        if parts != staff["实有人数"]:
            line = ctx.d.overview.staffing_source.line if ctx.d.overview.staffing_source else None
            ctx.add("other.staffing", f"实有人数 {staff['实有人数']} ≠ 在职 + 退休 + 离休 = {parts}",
                    [Location(kind="overview", row="人员情况", line=line)],
                    stated=Decimal(staff["实有人数"]), expected=Decimal(parts))
