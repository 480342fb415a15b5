"""Error localisation (Fellegi–Holt, as R's errorlocate): the fewest cells, weighted, whose
change makes every identity hold, found as a mixed-integer program solved by HiGHS.

minimise Σ wᵢ·zᵢ  subject to  |Σ identity cells| ≤ tolerance for every identity,
                              |xᵢ − printedᵢ| ≤ M·zᵢ,  zᵢ ∈ {0, 1}
A cell that is not a number is free (z = 1 at no cost): it gets the value the identities imply."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal

from yusuan.check.cells import Ref
from yusuan.check.context import Context
from yusuan.check.findings import Correction
from yusuan.check.precision import sum_slack

MAX_ALTERNATIVES = 3
ALTERNATIVE_MARGIN = 2.0  # an alternative may cost up to this much more (about two more cells)
_EXACT_CENTS = Decimal(2**53) / 100


class _Program:
    """The identities over a component's cells as a sparse matrix, A·x within [lo, hi], in
    cents of the printed unit so tolerances sit far above the solver's own."""

    def __init__(self, ctx: Context, refs: list[Ref], involved: list[int]) -> None:
        import numpy as np
        from scipy.sparse import csr_array

        self.refs, self.n = refs, len(refs)
        index = {r: i for i, r in enumerate(refs)}
        # a figure past 2⁵³ cents has no exact float (no budget prints one): free, as a garbled cell
        printed = [v if v is not None and abs(v) < _EXACT_CENTS else None for v in map(ctx.cells.value, refs)]
        self.free = np.array([v is None for v in printed])
        self.values = np.array([float(v) * 100 if v is not None else 0.0 for v in printed])
        # amounts printed without a minus sign stay so: budgets do not go negative
        self.floor = np.where(self.values >= 0, 0.0, -np.inf)
        weights = ctx.settings.weights
        self.cost = np.array([0.0 if self.free[i] else weights["narrative"] if r.claim is not None
                              else weights["missing_row"] if ctx.cells.is_virtual(r)
                              else weights["blank"] if r.claim is None and not ctx.cells.raw(r)
                              else weights["total"] if ctx.cells.is_total(r) else weights["cell"]
                              for i, r in enumerate(refs)])
        data, rows, cols, tol = [], [], [], []
        for j, k in enumerate(involved):
            identity = ctx.identities[k]
            for sign, ref in ((1, identity.stated), *((-1, r) for r in identity.parts)):
                if ref is not None:
                    data.append(sign)
                    rows.append(j)
                    cols.append(index[ref])
            # a 尾差 is no defect to localise: an identity holds within the rounding of its printed figures
            slack = ctx.rules[identity.rule].tolerance + sum_slack([ctx.cells.raw(r) for r in identity.cells])
            tol.append(float(slack) * 100 + 1e-3)
        self.a = csr_array((data, (rows, cols)), shape=(len(involved), self.n))
        self.a.sum_duplicates()
        self.hi = np.array(tol)
        self.lo = -self.hi
        # how far a cell may move: twice the largest identity it is in, and never less than the
        # largest printed figure (a row a table lacks prints nothing, yet may hold the most)
        size = abs(self.a) @ np.abs(self.values)
        member = abs(self.a).tocsc()
        largest = float(np.abs(self.values).max(initial=0))
        within = [float(size[member.indices[member.indptr[i]:member.indptr[i + 1]]].max(initial=0))
                  for i in range(self.n)]
        self.reach = 2 * np.maximum(np.array(within), largest) + 100

    def _l1(self, weight, bounds):
        """min Σ weight·|x − printed| subject to the identities, x within bounds."""
        import numpy as np
        from scipy.optimize import linprog
        from scipy.sparse import eye_array, hstack, vstack

        n = self.n
        a = hstack([self.a, _zeros(self.a.shape[0], 2 * n)])
        eq = hstack([eye_array(n), -eye_array(n), eye_array(n)])  # x − printed = up − down
        return linprog(np.concatenate([np.zeros(n), weight, weight]), A_ub=vstack([a, -a]).tocsr(),
                       b_ub=np.concatenate([self.hi, -self.lo]), A_eq=eq.tocsr(), b_eq=self.values,
                       bounds=list(bounds) + [(0, None)] * (2 * n), method="highs")

    def reweighted_l1(self, rounds: int = 2) -> set[int]:
        """Cells a sparse change touches: L1 minimisation, reweighted towards fewer cells."""
        import numpy as np

        support: set[int] = set()
        w = np.where(self.free, 0.0, self.cost)
        for _ in range(rounds):
            result = self._l1(w, ((f, None) for f in self.floor))
            if result.status != 0:
                break
            change = np.abs(result.x[: self.n] - self.values)
            support |= {i for i in range(self.n) if change[i] > 0.5 or self.free[i]}
            w = np.where(self.free, 0.0, self.cost / (change + 1.0))
        return support

    def restrict(self, cols: list[int]):
        """The identities over some cells only, the others fixed at their printed values:
        (matrix, lo, hi) with the fixed cells moved into the bounds."""
        import numpy as np

        fixed = np.ones(self.n, dtype=bool)
        fixed[cols] = False
        constant = self.a @ np.where(fixed, self.values, 0.0)
        return self.a[:, cols], self.lo - constant, self.hi - constant

    def verify(self, changed: list[int]) -> dict[int, float] | None:
        """Values for the changed cells that make every identity hold, the others as printed;
        of those, the values that leave the least 尾差, an identity of few parts (where a 尾差
        is less likely) counting for more."""
        import numpy as np
        from scipy.optimize import linprog
        from scipy.sparse import eye_array, hstack

        if not changed:
            return {} if np.all((self.lo <= self.a @ self.values) & (self.a @ self.values <= self.hi)) else None
        a, lo, hi = self.restrict(changed)
        touched = np.flatnonzero(abs(a).sum(axis=1))  # identities without a changed cell stay as printed
        untouched = np.setdiff1d(np.arange(len(lo)), touched)
        if np.any((lo[untouched] > 0) | (hi[untouched] < 0)):
            return None
        a, lo, hi = a[touched], lo[touched], hi[touched]
        m, k = len(changed), len(touched)
        centre = (lo + hi) / 2  # the identity holds exactly at the centre of its band
        # variables: x (m), residual up/down (k, k); A·x − up + down = centre, |up − down| ≤ half band
        eq = hstack([a, -eye_array(k), eye_array(k)]).tocsr()
        half = (hi - lo) / 2
        bounds = [(f, None) for f in self.floor[changed]] + [(0, h) for h in half] * 2
        weight = np.concatenate([np.zeros(m), 1 / half, 1 / half])
        result = linprog(weight, A_eq=eq, b_eq=centre, bounds=bounds, method="highs")
        if result.status != 0:
            return None
        return {i: float(x) / 100 for i, x in zip(changed, result.x[:m], strict=True)}

    def cardinality(self, candidates: list[int]) -> list[tuple[float, dict[int, float]]]:
        """Fewest weighted cells among the candidates, with alternatives of equal weight."""
        import numpy as np
        from scipy.optimize import Bounds, LinearConstraint, milp
        from scipy.sparse import csr_array, hstack, vstack

        m = len(candidates)
        a, lo, hi = self.restrict(candidates)
        reach, values, free = self.reach[candidates], self.values[candidates], self.free[candidates]
        # variables x (m), z (m): sign·(x − printed) ≤ reach·z
        j = np.arange(m)
        link = csr_array((np.concatenate([np.ones(m), -reach, -np.ones(m), -reach]),
                          (np.concatenate([j, j, m + j, m + j]), np.concatenate([j, m + j, j, m + j]))),
                         shape=(2 * m, 2 * m))
        matrix = vstack([hstack([a, _zeros(a.shape[0], m)]), link]).tocsr()
        lo = np.concatenate([lo, np.full(2 * m, -np.inf)])
        hi = np.concatenate([hi, values, -values])
        bounds = Bounds(np.concatenate([self.floor[candidates], free.astype(float)]),
                        np.concatenate([np.full(m, np.inf), np.ones(m)]))
        cost = np.concatenate([np.zeros(m), self.cost[candidates]])
        integrality = np.concatenate([np.zeros(m), np.ones(m)])
        solutions: list[tuple[float, dict[int, float]]] = []
        for _ in range(3 * (MAX_ALTERNATIVES + 1)):  # rejected (numerically loose) answers count too
            result = milp(cost, integrality=integrality, bounds=bounds, options={"time_limit": 2.0},
                          constraints=LinearConstraint(matrix, lo, hi))
            if result.x is None or (solutions and result.fun > solutions[0][0] + ALTERNATIVE_MARGIN):
                break
            chosen = [k for k in range(m) if result.x[m + k] > 0.5]
            exact = self.verify([candidates[k] for k in chosen])
            if exact is not None:
                changed = {i: x for i, x in exact.items() if abs(x * 100 - self.values[i]) > 0.5 or self.free[i]}
                solutions.append((float(result.fun), changed))
                if len(solutions) > MAX_ALTERNATIVES:
                    break
            cut = np.zeros(2 * m)  # no-good cut: not this same set of cells again
            cut[[m + k for k in chosen if not free[k]]] = 1
            if not cut.any():
                break
            matrix = vstack([matrix, csr_array(cut[None, :])]).tocsr()
            lo = np.append(lo, -np.inf)
            hi = np.append(hi, cut.sum() - 1)
        return solutions


def _zeros(rows: int, cols: int):
    from scipy.sparse import csr_array

    return csr_array((rows, cols))


def _component(ctx: Context) -> tuple[list[Ref], list[int]]:
    """The identities connected, through shared cells, to one that fails or holds a cell
    that is not a number; and their cells."""
    by_cell: dict[Ref, list[int]] = {}
    for k, identity in enumerate(ctx.identities):
        for ref in identity.cells:
            by_cell.setdefault(ref, []).append(k)
    usable = [not any(r in ctx.uncertain for r in i.cells) for i in ctx.identities]  # none rests on a misread cell
    seeds = [k for k, f in ctx.violated.items() if f.severity == "error" and usable[k]]
    seeds += [k for k, i in enumerate(ctx.identities) if usable[k] and any(ctx.cells.value(r) is None for r in i.cells)]
    seen, stack = set(seeds), list(seeds)
    while stack:
        for ref in ctx.identities[stack.pop()].cells:
            for k in by_cell[ref]:
                if k not in seen and usable[k]:
                    seen.add(k)
                    stack.append(k)
    involved = sorted(seen)
    return list(dict.fromkeys(r for k in involved for r in ctx.identities[k].cells)), involved


@contextmanager
def _quiet() -> Iterator[None]:
    """HiGHS writes some messages straight to file descriptor 1: keep them out of a JSON or
    CSV report on standard output."""
    sys.stdout.flush()
    saved, devnull = os.dup(1), os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    try:
        yield
    finally:
        os.dup2(saved, 1)
        os.close(saved)
        os.close(devnull)


def localise(ctx: Context) -> list[Correction]:
    with _quiet():
        return _localise(ctx)


def _localise(ctx: Context) -> list[Correction]:
    """Reweighted L1 over the whole component proposes the cells; a MILP over those cells and
    the cells of failing identities picks the fewest, and the alternatives of equal weight."""
    refs, involved = _component(ctx)
    if not refs:
        return _code_corrections(ctx)
    program = _Program(ctx, refs, involved)
    failing = {r for k, f in ctx.violated.items() if f.severity == "error" for r in ctx.identities[k].cells}
    candidates = sorted(program.reweighted_l1() | {i for i, r in enumerate(refs) if r in failing})
    if not candidates:  # the first stage found no cell (the solver gave up) and no identity fails
        return _code_corrections(ctx)
    solutions = program.cardinality(candidates)
    return _corrections(ctx, refs, solutions, involved) + _code_corrections(ctx)


def _decimal(x: float) -> Decimal:
    value = Decimal(f"{x:.2f}")
    return abs(value) if value == 0 else value  # a solver's −0.001 is 0.00, not −0.00


def _corrections(ctx: Context, refs: list[Ref], solutions: list[tuple[float, dict[int, float]]],
                 involved: list[int]) -> list[Correction]:
    """The best solution's cells; for each, what the other near-minimal solutions make of it."""
    if not solutions:
        return []
    best_cost, best = solutions[0]
    out = []
    for i, x in best.items():
        ref = refs[i]
        loc = ctx.loc(ref)
        alternatives = []
        for cost, other in solutions[1:]:
            extra = (f"（另一组解，代价多 {cost - best_cost:.1f}）" if cost > best_cost + 1e-6
                     else "（同样少的另一组解）")
            if i in other and _decimal(other[i]) != _decimal(x):
                alternatives.append(f"{_decimal(other[i])}{extra}")
            elif i not in other:
                alternatives.append(f"不变{extra}")
        explains = [ctx.violated[k].id for k in involved if k in ctx.violated and ref in ctx.identities[k].cells]
        out.append(Correction(table=loc.table, kind=loc.kind, row=loc.row, column=loc.column, line=loc.line,
                              page=loc.page, page_label=loc.page_label,
                              stated=ctx.cells.raw(ref), likely=str(_decimal(x)),
                              alternatives=list(dict.fromkeys(alternatives)), explains=explains))
    return out


def _code_corrections(ctx: Context) -> list[Correction]:
    out = []
    for table, ri, code in ctx.code_fixes:
        row = table.rows[ri]
        explains = [f.id for f in ctx.findings if f.rule == "catalog.wrong_classification"
                    and any(loc.table == table.number and loc.row == row.code for loc in f.locations)]
        out.append(Correction(table=table.number, kind=table.kind, row=row.code, column="编码", line=row.line,
                              stated=" ".join(p for p in (row.raw.get("class"), row.raw.get("item")) if p)
                              or row.code or "",
                              likely=code, explains=explains))
    return out
