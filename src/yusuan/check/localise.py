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


class _Matrix:
    """A sparse matrix as its non-zero entries (rows, cols and values, numpy arrays, column by column,
    duplicates summed): just what the programs here do with one. HiGHS takes it column by column."""

    def __init__(self, rows, cols, values, shape: tuple[int, int]) -> None:
        import numpy as np

        rows, cols = np.asarray(rows, dtype=np.int64), np.asarray(cols, dtype=np.int64)
        values = np.asarray(values, dtype=float)
        order = np.lexsort((rows, cols))
        rows, cols, values = rows[order], cols[order], values[order]
        first = np.flatnonzero(np.r_[True, (np.diff(rows) != 0) | (np.diff(cols) != 0)]) if len(rows) else order
        summed = np.add.reduceat(values, first) if len(rows) else values
        keep = summed != 0
        self.rows, self.cols, self.values = rows[first][keep], cols[first][keep], summed[keep]
        self.shape = shape

    def __matmul__(self, x):
        import numpy as np

        return np.bincount(self.rows, weights=self.values * x[self.cols], minlength=self.shape[0])

    def __abs__(self) -> _Matrix:
        return _Matrix(self.rows, self.cols, abs(self.values), self.shape)

    def __neg__(self) -> _Matrix:
        return _Matrix(self.rows, self.cols, -self.values, self.shape)

    def columns(self, cols) -> _Matrix:
        """The matrix of these columns only, numbered in their order."""
        import numpy as np

        position = np.full(self.shape[1], -1)
        position[cols] = np.arange(len(cols))
        kept = position[self.cols] >= 0
        return _Matrix(self.rows[kept], position[self.cols[kept]], self.values[kept], (self.shape[0], len(cols)))

    def select_rows(self, rows) -> _Matrix:
        """The matrix of these rows only, numbered in their order."""
        import numpy as np

        position = np.full(self.shape[0], -1)
        position[rows] = np.arange(len(rows))
        kept = position[self.rows] >= 0
        return _Matrix(position[self.rows[kept]], self.cols[kept], self.values[kept], (len(rows), self.shape[1]))

    @staticmethod
    def block(blocks: list[list[_Matrix | None]], heights: list[int], widths: list[int]) -> _Matrix:
        """Matrices side by side and one above another (None: zeros of that block's size)."""
        import numpy as np

        rows, cols, values = [np.zeros(0, dtype=np.int64)], [np.zeros(0, dtype=np.int64)], [np.zeros(0)]
        top = 0
        for line, height in zip(blocks, heights, strict=True):
            left = 0
            for part, width in zip(line, widths, strict=True):
                if part is not None:
                    rows.append(part.rows + top)
                    cols.append(part.cols + left)
                    values.append(part.values)
                left += width
            top += height
        return _Matrix(np.concatenate(rows), np.concatenate(cols), np.concatenate(values), (top, sum(widths)))

    @staticmethod
    def identity(n: int, sign: float = 1.0) -> _Matrix:
        import numpy as np

        return _Matrix(np.arange(n), np.arange(n), np.full(n, sign), (n, n))


def _solve(cost, lower, upper, matrix: _Matrix, row_lower, row_upper, integer=None, time_limit=None):
    """min cost·x with row_lower ≤ matrix·x ≤ row_upper and lower ≤ x ≤ upper (the columns marked in
    `integer` whole numbers), asked of HiGHS as scipy's linprog(method="highs") and milp ask it:
    (x, objective), or None when there is no answer to use (a mixed-integer program out of time keeps
    the best it found)."""
    import highspy
    import numpy as np

    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = matrix.shape[1], matrix.shape[0]
    lp.col_cost_, lp.col_lower_, lp.col_upper_ = (np.asarray(v, dtype=float) for v in (cost, lower, upper))
    lp.row_lower_, lp.row_upper_ = (np.asarray(v, dtype=float) for v in (row_lower, row_upper))
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.num_col_, lp.a_matrix_.num_row_ = lp.num_col_, lp.num_row_
    lp.a_matrix_.start_ = np.searchsorted(matrix.cols, np.arange(matrix.shape[1] + 1)).astype(np.int32)
    lp.a_matrix_.index_ = matrix.rows.astype(np.int32)
    lp.a_matrix_.value_ = matrix.values
    mip = integer is not None and bool(np.any(integer))
    if mip:
        lp.integrality_ = [highspy.HighsVarType.kInteger if k else highspy.HighsVarType.kContinuous
                           for k in integer]
    highs = highspy.Highs()
    highs.setOptionValue("output_flag", False)
    if mip:
        highs.setOptionValue("time_limit", float(time_limit or highspy.kHighsInf))
    else:
        highs.setOptionValue("presolve", "on")
        highs.setOptionValue("simplex_strategy", 1)  # dual simplex
    highs.passModel(lp)
    highs.run()
    status, info = highs.getModelStatus(), highs.getInfo()
    stopped = (highspy.HighsModelStatus.kTimeLimit, highspy.HighsModelStatus.kIterationLimit,
               highspy.HighsModelStatus.kSolutionLimit)
    if status == highspy.HighsModelStatus.kOptimal or (
            mip and status in stopped and info.objective_function_value != highspy.kHighsInf):
        return np.array(highs.getSolution().col_value), info.objective_function_value
    return None


class _Program:
    """The identities over a component's cells as a sparse matrix, A·x within [lo, hi], in
    cents of the printed unit so tolerances sit far above the solver's own."""

    def __init__(self, ctx: Context, refs: list[Ref], involved: list[int]) -> None:
        import numpy as np

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
        self.a = _Matrix(rows, cols, data, (len(involved), self.n))
        self.hi = np.array(tol)
        self.lo = -self.hi
        # how far a cell may move: twice the largest identity it is in, and never less than the
        # largest printed figure (a row a table lacks prints nothing, yet may hold the most)
        size = abs(self.a) @ np.abs(self.values)
        within = np.zeros(self.n)
        np.maximum.at(within, self.a.cols, size[self.a.rows])
        largest = float(np.abs(self.values).max(initial=0))
        self.reach = 2 * np.maximum(within, largest) + 100

    def _l1(self, weight, floor):
        """min Σ weight·|x − printed| subject to the identities, x at least floor."""
        import numpy as np

        n, m = self.n, self.a.shape[0]
        # lo ≤ A·x ≤ hi as A·x ≤ hi and −A·x ≤ −lo; x − printed = up − down
        matrix = _Matrix.block([[self.a, None, None], [-self.a, None, None],
                                [_Matrix.identity(n), _Matrix.identity(n, -1), _Matrix.identity(n)]],
                               [m, m, n], [n, n, n])
        return _solve(np.concatenate([np.zeros(n), weight, weight]), np.concatenate([floor, np.zeros(2 * n)]),
                      np.full(3 * n, np.inf), matrix, np.concatenate([np.full(2 * m, -np.inf), self.values]),
                      np.concatenate([self.hi, -self.lo, self.values]))

    def reweighted_l1(self, rounds: int = 2) -> set[int]:
        """Cells a sparse change touches: L1 minimisation, reweighted towards fewer cells."""
        import numpy as np

        support: set[int] = set()
        w = np.where(self.free, 0.0, self.cost)
        for _ in range(rounds):
            result = self._l1(w, self.floor)
            if result is None:
                break
            change = np.abs(result[0][: self.n] - self.values)
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
        return self.a.columns(cols), self.lo - constant, self.hi - constant

    def verify(self, changed: list[int]) -> dict[int, float] | None:
        """Values for the changed cells that make every identity hold, the others as printed;
        of those, the values that leave the least 尾差, an identity of few parts (where a 尾差
        is less likely) counting for more."""
        import numpy as np

        if not changed:
            return {} if np.all((self.lo <= self.a @ self.values) & (self.a @ self.values <= self.hi)) else None
        a, lo, hi = self.restrict(changed)
        touched = np.unique(a.rows)  # identities without a changed cell stay as printed
        untouched = np.setdiff1d(np.arange(len(lo)), touched)
        if np.any((lo[untouched] > 0) | (hi[untouched] < 0)):
            return None
        a, lo, hi = a.select_rows(touched), lo[touched], hi[touched]
        m, k = len(changed), len(touched)
        centre = (lo + hi) / 2  # the identity holds exactly at the centre of its band
        # variables: x (m), residual up/down (k, k); A·x − up + down = centre, |up − down| ≤ half band
        eq = _Matrix.block([[a, _Matrix.identity(k, -1), _Matrix.identity(k)]], [k], [m, k, k])
        half = (hi - lo) / 2
        result = _solve(np.concatenate([np.zeros(m), 1 / half, 1 / half]),
                        np.concatenate([self.floor[changed], np.zeros(2 * k)]),
                        np.concatenate([np.full(m, np.inf), half, half]), eq, centre, centre)
        if result is None:
            return None
        return {i: float(x) / 100 for i, x in zip(changed, result[0][:m], strict=True)}

    def cardinality(self, candidates: list[int]) -> list[tuple[float, dict[int, float]]]:
        """Fewest weighted cells among the candidates, with alternatives of equal weight."""
        import numpy as np

        m = len(candidates)
        a, lo, hi = self.restrict(candidates)
        reach, values, free = self.reach[candidates], self.values[candidates], self.free[candidates]
        # variables x (m), z (m): sign·(x − printed) ≤ reach·z
        j = np.arange(m)
        link = _Matrix(np.concatenate([j, j, m + j, m + j]), np.concatenate([j, m + j, j, m + j]),
                       np.concatenate([np.ones(m), -reach, -np.ones(m), -reach]), (2 * m, 2 * m))
        matrix = _Matrix.block([[a], [link]], [a.shape[0], 2 * m], [2 * m])  # a's m columns, then z's
        lo = np.concatenate([lo, np.full(2 * m, -np.inf)])
        hi = np.concatenate([hi, values, -values])
        lower = np.concatenate([self.floor[candidates], free.astype(float)])
        upper = np.concatenate([np.full(m, np.inf), np.ones(m)])
        cost = np.concatenate([np.zeros(m), self.cost[candidates]])
        integer = np.concatenate([np.zeros(m), np.ones(m)])
        solutions: list[tuple[float, dict[int, float]]] = []
        for _ in range(3 * (MAX_ALTERNATIVES + 1)):  # rejected (numerically loose) answers count too
            result = _solve(cost, lower, upper, matrix, lo, hi, integer, time_limit=2.0)
            if result is None or (solutions and result[1] > solutions[0][0] + ALTERNATIVE_MARGIN):
                break
            x, objective = result
            chosen = [k for k in range(m) if x[m + k] > 0.5]
            exact = self.verify([candidates[k] for k in chosen])
            if exact is not None:
                changed = {i: v for i, v in exact.items() if abs(v * 100 - self.values[i]) > 0.5 or self.free[i]}
                solutions.append((float(objective), changed))
                if len(solutions) > MAX_ALTERNATIVES:
                    break
            cut = [m + k for k in chosen if not free[k]]  # no-good cut: not this same set of cells again
            if not cut:
                break
            matrix = _Matrix.block([[matrix], [_Matrix(np.zeros(len(cut)), cut, np.ones(len(cut)), (1, 2 * m))]],
                                   [matrix.shape[0], 1], [2 * m])
            lo = np.append(lo, -np.inf)
            hi = np.append(hi, len(cut) - 1)
        return solutions


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
