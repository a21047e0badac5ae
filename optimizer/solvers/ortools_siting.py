r"""Canteen siting with OR-Tools CP-SAT: maximal covering, set covering and p-median.

The only module that imports OR-Tools for siting. Every model keeps existing canteens open, chooses
new sites among the candidates, honours per-island minimums, and has a capacitated variant (split or
single-source assignment). Results come back in the user's ids as a :class:`SitingResult` with the
solver status, the objective, the proved bound and gap, and the uncoverable demand with reasons.

Notation
--------
:math:`I` demand points with weight :math:`w_i` (elderly residents); :math:`J = E \cup C` sites,
existing :math:`E` (:math:`y_j = 1` fixed) and candidates :math:`C`; travel time :math:`t_{ij}`
(seconds); radius :math:`R`; :math:`N_i = \{j : t_{ij} \le R\}`; capacity :math:`Q_j` (meals/day,
one meal per unit of weight); island minimums :math:`m_k` over the candidates :math:`C_k` of island
:math:`k`.

Models
------
MCLP (:func:`solve_mclp`, Church & ReVelle 1974)
    :math:`\max \sum_i w_i c_i` s.t. :math:`c_i \le \sum_{j \in N_i} y_j`,
    :math:`\sum_{j\in C} y_j \le p`, :math:`\sum_{j \in C_k} y_j \ge m_k`; binary :math:`y, c`.
    Optional budget :math:`\sum_{j \in C} f_j y_j \le B` (opening costs).
LSCP (:func:`solve_lscp`, Toregas et al. 1971)
    :math:`\min \sum_{j \in C} y_j` (or :math:`\sum f_j y_j`) s.t. :math:`\sum_{j\in N_i} y_j \ge 1`
    for every *coverable* :math:`i`. Uncoverable demand (``N_i`` empty) is excluded and reported,
    never turned into infeasibility.
p-median (:func:`solve_pmedian`, Hakimi 1964; radius formulation of Cornuéjols, Nemhauser &
Wolsey 1980 / García, Labbé & Marín 2011)
    Uncapacitated: every demand point with a finite travel time to some site is assigned to its
    nearest open site (also beyond :math:`R`; such assignments are counted in the result), and
    :math:`\sum_i w_i \min_{j \text{ open}} t_{ij}` is minimised. This is the classic p-median,
    the same model as ``spopt.locate.PMedian``. Demand with no reachable site is reported.
Capacitated variants (any finite :math:`Q_j`)
    Assignment variables exist only for pairs within the radius. Split: integer amounts
    :math:`0 \le a_{ij} \le w_i` (in weight units); single: binary :math:`s_{ij}`. Capacity
    :math:`\sum_i a_{ij} \le Q_j y_j`. MCLP maximises the served weight; LSCP and p-median must serve
    every coverable point completely **within the radius** (status ``INFEASIBLE`` when capacities
    or :math:`p` make that impossible; run MCLP to see how much can be served); p-median then
    minimises :math:`\sum t_{ij} a_{ij}`.

``p`` counts *new* sites and is an upper bound: fewer are opened only when one more would not
improve the objective (in the uncapacitated models more sites never hurt).

Integer scaling and proofs
--------------------------
CP-SAT works on integers. Times are rounded to whole seconds (:func:`optimizer.units.seconds_to_int`,
used in p-median objectives only; coverage tests ``t <= R`` use the exact floats). Weights and
capacities are scaled by ``weight_resolution`` (1 when every weight is a whole number, else 0.001;
capacities are floored) and opening costs by ``cost_resolution`` via
:func:`optimizer.units.quantity_to_int`. Status ``OPTIMAL`` means CP-SAT proved the *scaled*
objective optimal (bound = objective, gap 0); with whole-second times and whole-number weights the
scaled objective is the exact objective. ``objective`` is recomputed from the chosen sites in the
original floats.

Reductions (all exact)
----------------------
* demand covered by an existing site is constant in MCLP/LSCP and leaves the model;
* candidates covering nothing left leave the model (except on islands with a minimum);
* dominated candidates (cover a subset of another same-island candidate's set at no lower opening
  cost) leave MCLP/LSCP, unless alternatives are requested (they could be alternatives);
* demand points with identical coverage sets are merged (weights summed);
* LSCP: a demand row whose coverage set contains another row's set is implied and dropped, then
  columns covering no remaining row or dominated are dropped, repeated until nothing changes
  (Toregas & ReVelle 1973); see :func:`_reduce_cover`;
* p-median: a greedy + fast vertex-substitution heuristic (Teitz & Bart 1968; Whitaker 1983;
  Resende & Werneck 2004) gives an upper bound; a Lagrangian relaxation of the assignment
  constraints (Cornuéjols, Fisher & Nemhauser 1977; Beasley 1993) gives an exact integer lower
  bound and fixes candidates open or closed by reduced costs (:func:`_pm_lagrangian`). When the
  bound meets the heuristic the result is proved optimal without a CP-SAT model
  (``params["iterations"] == 0``); otherwise a Lagrangian branch-and-bound (Christofides &
  Beasley 1982; :func:`_pm_branch`, ``params["bb_nodes"]``) searches the remaining gap for part
  of the time (``bb_share``) and proves optimality when its tree is exhausted; if it is not, the
  free candidates go to
* the radius formulation with per-point distance levels truncated at the nearest fixed-open site
  and at a heuristic's level; the truncated model is a relaxation, and levels are extended until
  the optimum of the relaxation has the same value in the full model (then it is optimal for the
  full model). Solutions excluded by the fixings are not better than the heuristic's, so the
  reported bound is ``max(Lagrangian bound, min(heuristic, residual bound))``. With alternatives
  the fixing is strict (keeps every solution of the heuristic's value).

Alternatives
------------
With ``max_alternatives=k > 0``, after a proved optimum the model is re-solved with the objective
fixed to the optimal value and a no-good cut :math:`\sum_{j \in S} y_j \le |S| - 1` for every set
:math:`S` of new sites found so far (this excludes ``S`` and its supersets, which only add useless
sites). Each alternative is therefore a different set with the proved optimal value;
``alternatives_complete`` is True when the search proved that no further set exists. The
alternatives found are listed in the tie-break's order (fewest new sites, then the sorted site
ids compared as text), each set's ids sorted; the recommended set itself comes first (option 0)
and is the canonical one in work mode, so with the enumeration complete the recommendation and
its alternatives together are all equal-value optima in one fixed order.

Over-capacity demand (single-source)
------------------------------------
With capacities and single-source assignment, a demand point whose weight exceeds the largest
capacity among the sites within its radius can never be assigned whole: before the model is built
it is moved to ``uncoverable`` with the reason ``over_capacity`` (naming that site and its
capacity), and everything else is planned. Without this, LSCP and the p-median would report the
whole instance ``INFEASIBLE``. Joint shortfalls (each point fits some site, but not all together)
still give ``INFEASIBLE`` (run MCLP to see how much can be served).

Work limits and the tie-break (reproducible siting)
---------------------------------------------------
With ``deterministic=True`` (work mode; :func:`siting_options` for a scenario) every CP-SAT
solve of a call shares ``time_limit_s x`` :data:`CPSAT_DETERMINISTIC_S_PER_S` of CP-SAT's
*deterministic* time, the p-median branch-and-bound a node limit (:data:`BB_NODES_PER_S`), and
the wall clock is only a safety cap (``wall_clock_cap_s``, default 3 x ``time_limit_s``); with
several workers CP-SAT searches interleaved, its deterministic parallel mode. Among equal-value
optima the result is then the *canonical* set (``canonical``, default on in work mode): the
fewest new sites, then the lexicographically smallest sorted list of site ids (a count solve and
one solve per chosen site on the model with its objective fixed; for the uncapacitated p-median
on the full radius model after a strict Lagrangian fixing, skipped above
:data:`CANONICAL_MAX_LEVELS` distance levels). Dominance reductions keep the smaller id of two
identical candidates, so the canonical set is the smallest among the candidates the exact
reductions keep. ``result.search`` records whether the call ended with a proof, on its work
limit or on the wall clock; ``params["tie_break"]`` whether the tie-break completed.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
from ortools.sat.python import cp_model

from optimizer.errors import InputError
from optimizer.problems.coverage import SitingProblem, UncoverableDemand
from optimizer.results import SearchRecord, SolveStatus, StopCause
from optimizer.solvers.params import DEFAULT_CAP_FACTOR, SolverParams
from optimizer.units import quantity_to_int, seconds_to_int

__all__ = [
    "BB_NODES_PER_S",
    "CPSAT_DETERMINISTIC_S_PER_S",
    "SitingResult",
    "SolveStatus",
    "siting_options",
    "solve_lscp",
    "solve_mclp",
    "solve_pmedian",
]


# ``SolveStatus`` is :class:`optimizer.results.SolveStatus` (one vocabulary for every solver),
# re-exported here under its old name. A siting solve is ``OPTIMAL`` (proved, gap 0 on the scaled
# objective), ``FEASIBLE`` (a solution, not proved optimal within the limits), ``INFEASIBLE``
# (proved that no solution exists), ``NO_SOLUTION`` (nothing found or proved within the limits;
# was ``UNKNOWN``) or ``INVALID`` (CP-SAT rejected the model: a defect).


_CP_STATUS = {
    cp_model.OPTIMAL: SolveStatus.OPTIMAL,
    cp_model.FEASIBLE: SolveStatus.FEASIBLE,
    cp_model.INFEASIBLE: SolveStatus.INFEASIBLE,
    cp_model.UNKNOWN: SolveStatus.NO_SOLUTION,
    cp_model.MODEL_INVALID: SolveStatus.INVALID,
}


@dataclass(frozen=True)
class SitingResult:
    """The answer of one siting model, in the problem's ids.

    Attributes
    ----------
    model
        ``"mclp"``, ``"lscp"`` or ``"pmedian"`` (``"-capacitated"`` appended when capacities apply).
    status
        :class:`SolveStatus`.
    objective
        MCLP: covered (served) weight, persons; LSCP: number of new sites, or their opening cost;
        p-median: total weighted travel time, person-seconds. ``None`` without a solution.
    best_bound
        The solver's proved bound on the objective, same unit (scaled back; see module notes).
    gap
        ``|objective - bound| / max(1, |objective|)`` on the scaled objective; 0 when optimal.
    open_sites, new_sites, existing_sites
        Site ids: all open, newly opened, existing (always open).
    assignment
        Demand id -> the site serving it (the largest share under split assignment). MCLP: only
        covered demand; p-median uncapacitated: every reachable point (also beyond the radius).
    shares
        ``(demand_id, site_id, weight)`` for every served share (weight in persons).
    covered_weight
        Weight within the radius of an open site (uncapacitated) or served (capacitated), persons.
    total_weight
        Weight of all demand points, persons.
    unserved
        ``(demand_id, reason)`` for coverable demand left unserved: ``"not_covered_by_chosen_sites"``
        or ``"capacity"``.
    uncoverable
        Demand no site can cover within the radius, with reasons (see
        :meth:`optimizer.problems.coverage.SitingProblem.uncoverable_demand`).
    beyond_radius
        p-median (uncapacitated) only: demand ids assigned to a site farther than the radius.
    runtime_s
        Wall time of the whole call, seconds (model building included).
    alternatives
        Other sets of new site ids with the same proved optimal objective (see module notes).
    alternatives_complete
        True when the solver proved there are no further alternative sets.
    params
        The parameters of the call (time limit, seed, p, reductions, scaling).
    message
        Plain-language note (e.g. why infeasible).
    search
        What bounded the search: ``PROVED`` (optimal or infeasible), ``WORK_LIMIT`` (CP-SAT's
        deterministic time or the branch-and-bound node limit ran out), ``WALL_CLOCK`` (the
        time limit or safety cap ended it: the result may differ on another machine).
    """

    model: str
    status: SolveStatus
    objective: float | None
    best_bound: float | None
    gap: float | None
    open_sites: tuple[str, ...]
    new_sites: tuple[str, ...]
    existing_sites: tuple[str, ...]
    assignment: Mapping[str, str]
    shares: tuple[tuple[str, str, float], ...]
    covered_weight: float
    total_weight: float
    unserved: tuple[tuple[str, str], ...]
    uncoverable: tuple[UncoverableDemand, ...]
    beyond_radius: tuple[str, ...]
    runtime_s: float
    alternatives: tuple[tuple[str, ...], ...] = ()
    alternatives_complete: bool = False
    params: Mapping[str, Any] = field(default_factory=dict)
    message: str = ""
    search: SearchRecord = field(default_factory=lambda: SearchRecord("siting", StopCause.NOT_RUN))

    def is_feasible(self) -> bool:
        """True when the result holds a solution (``OPTIMAL`` or ``FEASIBLE``)."""
        return self.status in (SolveStatus.OPTIMAL, SolveStatus.FEASIBLE)

    def summary(self) -> str:
        """A few lines for a log or the CLI."""
        lines = [f"{self.model}: {self.status.value}, objective {self.objective}, "
                 f"bound {self.best_bound}, gap {self.gap}",
                 f"open {len(self.open_sites)} sites ({len(self.new_sites)} new): "
                 f"{', '.join(self.new_sites)}",
                 f"covered weight {self.covered_weight:g} of {self.total_weight:g}; "
                 f"{len(self.unserved)} coverable point(s) unserved, {len(self.uncoverable)} "
                 "uncoverable"]
        if self.alternatives:
            lines.append(f"{len(self.alternatives)} equal-value alternative(s)")
        if self.message:
            lines.append(self.message)
        return "\n".join(lines)


# ---------------------------------------------------------------------------------------- helpers
def _resolution(values: np.ndarray, fine: float) -> float:
    finite = values[np.isfinite(values)]
    return 1.0 if np.allclose(finite, np.round(finite), rtol=0, atol=1e-9) else fine


class _Prep:
    """Scaled data and index sets shared by the three models."""

    def __init__(self, prob: SitingProblem, *, p: int | None, need_p: bool,
                 capacitated: bool | None) -> None:
        if not isinstance(prob, SitingProblem):
            raise InputError(f"expected a SitingProblem, got {type(prob).__name__}", field="problem")
        self.prob = prob
        self.n_d, self.n_s = prob.cost.shape
        self.ex = np.asarray(prob.existing)
        self.ex_idx = np.nonzero(self.ex)[0]
        self.cand_idx = np.nonzero(~self.ex)[0]
        self.covers = prob.covers
        self.res_w = _resolution(prob.demand_weight, 1e-3)
        self.W = quantity_to_int(prob.demand_weight, resolution=self.res_w, what="demand weight")
        cap = np.asarray(prob.capacity)
        self.capacitated = prob.is_capacitated if capacitated is None else bool(capacitated)
        self.Q = np.full(self.n_s, -1, dtype=np.int64)  # -1 = unlimited
        if self.capacitated:
            fin = np.isfinite(cap)
            self.Q[fin] = np.floor(cap[fin] / self.res_w + 1e-9).astype(np.int64)
        self.res_c = _resolution(np.asarray(prob.opening_cost), 0.01)
        self.F = quantity_to_int(prob.opening_cost, resolution=self.res_c, what="opening cost")
        self.p = prob.p if p is None else p
        if self.p is not None and (isinstance(self.p, bool) or not isinstance(self.p, (int, np.integer))
                                   or self.p < 0):
            raise InputError(f"p={self.p!r}; expected a whole number >= 0 of new sites", field="p")
        if need_p and self.p is None:
            raise InputError("p (number of new sites) is not set; pass p= or set SitingProblem.p",
                             field="p")
        # island minimums as (candidate indices, least count of new sites)
        self.island_mins: list[tuple[str, np.ndarray, int]] = []
        s_isl = np.asarray(prob.site_island_id, dtype=object)
        for isl, m in prob.min_new_per_island.items():
            self.island_mins.append((isl, self.cand_idx[s_isl[self.cand_idx] == isl], int(m)))
        for isl, m in prob.min_open_per_island.items():
            n_ex = int(np.sum(s_isl[self.ex_idx] == isl))
            self.island_mins.append((isl, self.cand_idx[s_isl[self.cand_idx] == isl],
                                     max(0, int(m) - n_ex)))
        self.constrained_islands = {isl for isl, _, m in self.island_mins if m > 0}
        need: dict[str, int] = {}
        for isl, _, m in self.island_mins:
            need[isl] = max(need.get(isl, 0), m)
        if self.p is not None and need and sum(need.values()) > self.p:
            raise InputError(f"the per-island minimums need {sum(need.values())} new sites "
                             f"({need}) but p={self.p}; raise p or lower the minimums", field="p")
        self.s_isl = s_isl
        self.uncoverable = prob.uncoverable_demand()
        self.coverable = np.asarray(prob.coverable)
        if self.capacitated and prob.assignment == "single":
            self._drop_over_capacity()

    def _drop_over_capacity(self) -> None:
        """Single-source: a point needing more than the largest capacity within its radius can
        never be assigned; it leaves the model (the rest is still planned) and is reported
        ``over_capacity`` naming that largest site."""
        prob, big = self.prob, np.iinfo(np.int64).max
        q = np.where(self.Q < 0, big, self.Q)
        qmax = np.where(self.covers, q[None, :], -1).max(axis=1) if self.n_s else \
            np.full(self.n_d, -1)
        over = np.asarray(self.coverable) & (self.W > qmax)
        if not over.any():
            return
        cap, vals, extra = np.asarray(prob.capacity), prob.cost.values, {}
        for i in np.nonzero(over)[0]:
            j = int(np.argmax(np.where(self.covers[i], q, -1)))  # ties: the first column
            extra[prob.cost.demand_ids[i]] = UncoverableDemand(
                prob.cost.demand_ids[i], float(prob.demand_weight[i]), prob.demand_island_id[i],
                "over_capacity", prob.cost.site_ids[j], float(vals[i, j]), float(cap[j]))
        row = {d: k for k, d in enumerate(prob.cost.demand_ids)}
        self.uncoverable = tuple(sorted((*self.uncoverable, *extra.values()),
                                        key=lambda u: row[u.demand_id]))
        self.coverable = np.asarray(self.coverable) & ~over


def _group_rows(mat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Group identical rows of a bool/int matrix: (representative row index, inverse map)."""
    if mat.shape[0] == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    if mat.shape[1] == 0:
        return np.zeros(1, dtype=np.int64), np.zeros(mat.shape[0], dtype=np.int64)
    if mat.dtype == bool:
        key = np.ascontiguousarray(np.packbits(mat, axis=1))
    else:
        key = np.ascontiguousarray(mat)
    keyv = key.view(np.dtype((np.void, key.dtype.itemsize * key.shape[1]))).ravel()
    _, first, inv = np.unique(keyv, return_index=True, return_inverse=True)
    return first, inv.ravel()


def _dominated(A: np.ndarray, cost: np.ndarray, island: np.ndarray,
               protected: np.ndarray, order: np.ndarray | None = None) -> np.ndarray:
    """Bool mask of dominated columns of a bool matrix ``A`` (rows = demand groups).

    Column ``j`` is dominated by ``k`` (same island) when ``A[:, j] <= A[:, k]`` and
    ``cost[k] <= cost[j]``, with ties broken by strictly larger set, lower cost or lower
    ``order`` (default the column index; the site-id rank with the canonical tie-break, so of
    two identical columns the smaller id stays). Protected columns are never removed.
    """
    n = A.shape[1]
    if n <= 1:
        return np.zeros(n, dtype=bool)
    from scipy import sparse

    S = sparse.csc_matrix(A.astype(np.int32))
    inter = (S.T @ S).toarray()
    size = np.diag(inter).copy()
    sub = inter == size[:, None]  # sub[j, k]: set j within set k
    np.fill_diagonal(sub, False)
    same_isl = island[:, None] == island[None, :]
    cheaper = cost[None, :] <= cost[:, None]
    rank = np.arange(n) if order is None else np.asarray(order)
    strict = (size[None, :] > size[:, None]) | (cost[None, :] < cost[:, None]) | (
        rank[None, :] < rank[:, None])
    dom = (sub & same_isl & cheaper & strict).any(axis=1)
    return dom & ~protected


def _dominated_rows(B: np.ndarray, *, chunk: int = 1024) -> np.ndarray:
    """Bool mask of rows of a bool matrix whose set contains another row's set.

    In a covering model, the constraint of such a row is implied by the smaller row's constraint;
    of several equal rows the first is kept. Computed in chunks of ``chunk`` rows (memory
    ``chunk x n_rows``)."""
    n = B.shape[0]
    dom = np.zeros(n, dtype=bool)
    if n <= 1:
        return dom
    from scipy import sparse

    S = sparse.csr_matrix(B.astype(np.int32))
    St = S.T.tocsc()
    size = np.asarray(B.sum(axis=1)).ravel()
    for a in range(0, n, chunk):
        b = min(n, a + chunk)
        inter = (S[a:b] @ St).toarray()  # inter[s, r] = |set(s) & set(r)|
        sub = inter == size[a:b, None]  # set(s) within set(r)
        # equal sets: only the later row is implied (keeps one copy of duplicates)
        same = size[a:b, None] == size[None, :]
        sub &= ~same | (np.arange(a, b)[:, None] < np.arange(n)[None, :])
        dom |= sub.any(axis=0)
    return dom


def _reduce_cover(pp: _Prep, A: np.ndarray, cols: np.ndarray, *, cost: np.ndarray,
                  columns: bool, order: np.ndarray | None = None
                  ) -> tuple[np.ndarray, np.ndarray]:
    """Exact set-covering reductions, repeated until nothing changes (Toregas & ReVelle 1973,
    "Binary logic solutions to a class of location problem", Geographical Analysis 5(2)).

    Identical rows are merged; a row containing another row is implied and dropped; a column that
    covers no remaining row is useless (unless an island minimum needs it); with ``columns``, a
    column dominated by another of the same island at no lower cost is dropped (see
    :func:`_dominated`; off when alternatives are wanted, because it removes equal-value sets).

    Parameters
    ----------
    A
        ``(n_rows, n_cols)`` bool coverage of the rows still to cover by the columns ``cols``.
    cols
        ``(n_cols,)`` site indices of the columns.
    cost
        ``(n_sites,)`` opening cost per site (integer units), used by column dominance.
    order
        ``(n_sites,)`` tie-break rank of the sites for column dominance (default: index).

    Returns
    -------
    tuple
        The reduced bool matrix and its site indices.
    """
    first, _ = _group_rows(A)
    B = A[first]
    protected = np.array([pp.s_isl[j] in pp.constrained_islands for j in cols], dtype=bool)
    while True:
        rd = _dominated_rows(B)
        B = B[~rd]
        drop = ~B.any(axis=0) & ~protected
        if columns and B.shape[1] > 1:
            drop |= _dominated(B, cost[cols], pp.s_isl[cols], protected,
                               None if order is None else order[cols])
        B, cols, protected = B[:, ~drop], cols[~drop], protected[~drop]
        if not rd.any() and not drop.any():
            return B, cols


CPSAT_DETERMINISTIC_S_PER_S = 0.5
"""CP-SAT deterministic time per second of wall time (work mode: a siting solve gets
``time_limit_s x`` this much deterministic time in all, its proof steps included).

Measured on the reference 2-core machine (one worker, ``linearization_level=2``, loaded by other
jobs): generated 3,000 x 200 MCLP 0.071 deterministic s in 0.130 s of wall time (0.55),
2,000 x 300 MCLP 0.051 in 0.205 s (0.25); the Putuo and 1,000 x 100 models take milliseconds.
Command: ``PYTHONPATH=. python /tmp/probe/solvers_cpsat_rate.py`` (the probe of this change)."""

BB_NODES_PER_S = 100.0
"""Lagrangian branch-and-bound nodes per second at 100,000 rows x columns (e.g. 1,000 x 100),
scaled by ``1e5 / (rows x columns)`` (a node's subgradient steps cost ``O(rows x k)``, ``k``
about ``8 columns / p``). Work mode: the tree gets ``time_limit_s x bb_share`` of this. Measured
on the reference machine (quiet) on generated instances, normalised to 1e5 pairs: 2,000 x 200
p = 10: 187/s; 3,000 x 300 p = 20: 54/s; 2,000 x 400 p = 30: 600/s (most instances need 0-13
nodes). Command: ``PYTHONPATH=. python /tmp/probe/solvers_bbrate.py 2000,200,10,3
3000,300,20,0 2000,400,30,1`` (probe of this change)."""

CANONICAL_MAX_LEVELS = 200_000
"""Uncapacitated p-median: the tie-break among equal optima builds the full radius model; above
this many distance-level variables it is skipped (``params["tie_break"]`` says so)."""


class _Cp:
    """Thin CP-SAT wrapper: solve with limits, read status/objective/bound, and keep account of
    what limited the search.

    Time mode: every solve stops at ``time_limit_s`` after construction of the wrapper. Work mode
    (``deterministic``): the solves share ``det_time_s`` of CP-SAT deterministic time, the wall
    clock (``cap_s``) is only a safety cap, and several workers search interleaved (CP-SAT's
    deterministic parallel mode), so the result does not depend on timing or ``num_workers``.
    """

    def __init__(self, *, time_limit_s: float, seed: int, num_workers: int,
                 deterministic: bool = False, cap_s: float | None = None) -> None:
        if not (isinstance(time_limit_s, (int, float)) and time_limit_s > 0):
            raise InputError(f"time_limit_s={time_limit_s!r}; expected seconds > 0",
                             field="time_limit_s")
        if cap_s is not None and not (isinstance(cap_s, (int, float)) and cap_s > 0):
            raise InputError(f"wall_clock_cap_s={cap_s!r}; expected seconds > 0",
                             field="wall_clock_cap_s")
        if isinstance(num_workers, bool) or not isinstance(num_workers, int) or num_workers < 1:
            raise InputError(f"num_workers={num_workers!r}; expected a whole number >= 1",
                             field="num_workers")
        self.work = bool(deterministic)
        self.time_limit_s = float(time_limit_s)
        self.cap_s = (float(cap_s) if cap_s is not None else DEFAULT_CAP_FACTOR * time_limit_s) \
            if self.work else float(time_limit_s)
        self.deadline = time.perf_counter() + self.cap_s
        self.det_limit = self.time_limit_s * CPSAT_DETERMINISTIC_S_PER_S
        self.det_used = 0.0
        self.seed = int(seed)
        self.num_workers = int(num_workers)
        self.capped = False  # work mode: the wall clock cut a search
        self.limited = False  # work mode: the work limit cut a search

    def solve(self, model: cp_model.CpModel) -> tuple[cp_model.CpSolver, SolveStatus]:
        s = cp_model.CpSolver()
        s.parameters.max_time_in_seconds = max(0.01, self.deadline - time.perf_counter())
        s.parameters.random_seed = self.seed
        s.parameters.num_workers = self.num_workers
        s.parameters.relative_gap_limit = 0.0
        s.parameters.absolute_gap_limit = 0.0
        # full LP relaxation: covering and p-median relaxations are tight, and with it a single
        # worker proves these models optimal far faster than the default portfolio
        s.parameters.linearization_level = 2
        if self.work:
            det = max(1e-3, self.det_limit - self.det_used)
            s.parameters.max_deterministic_time = det
            if self.num_workers > 1:
                s.parameters.interleave_search = True
        st = s.solve(model)
        status = _CP_STATUS.get(st, SolveStatus.NO_SOLUTION)
        if self.work:
            self.det_used += s.deterministic_time
            if status not in (SolveStatus.OPTIMAL, SolveStatus.INFEASIBLE,
                              SolveStatus.INVALID):
                if s.deterministic_time >= 0.999 * det:
                    self.limited = True
                else:
                    self.capped = True
        return s, status

    def expired(self) -> bool:
        """True when the wall-clock limit has passed (marks a work-mode search as capped)."""
        out = time.perf_counter() > self.deadline
        if out and self.work:
            self.capped = True
        return out

    def record(self, name: str, status: SolveStatus, t0: float, *, nodes: int | None = None,
               node_limit: int | None = None) -> SearchRecord:
        """The :class:`SearchRecord` of one siting solve."""
        runtime = time.perf_counter() - t0
        if not self.work:
            stop = StopCause.PROVED if status in (SolveStatus.OPTIMAL, SolveStatus.INFEASIBLE) \
                else StopCause.WALL_CLOCK
            return SearchRecord(name, stop, wall_clock_cap_s=self.cap_s, runtime_s=runtime)
        if self.capped:
            stop = StopCause.WALL_CLOCK
        elif status in (SolveStatus.OPTIMAL, SolveStatus.INFEASIBLE):
            stop = StopCause.PROVED
        else:
            stop = StopCause.WORK_LIMIT
        limit = f"{self.det_limit:.2f} s CP-SAT deterministic time"
        done = f"{self.det_used:.3f} s CP-SAT deterministic time"
        if node_limit is not None:
            limit += f", {node_limit} branch-and-bound nodes"
            done += f", {nodes or 0} branch-and-bound nodes"
        return SearchRecord(name, stop, limit, done, wall_clock_cap_s=self.cap_s,
                            runtime_s=runtime)


def siting_options(solver: SolverParams) -> dict[str, Any]:
    """Keyword options of :func:`solve_mclp`, :func:`solve_lscp` and :func:`solve_pmedian` for a
    scenario's ``solver:`` section.

    The meal service's siting calls, e.g.::

        solve_mclp(prob, p=new_sites, max_alternatives=k, **siting_options(ctx.solver))

    Work mode (``solver.stop == "work"``): ``deterministic=True`` (CP-SAT deterministic time
    and branch-and-bound nodes derived from ``solver.time_limit_s``, the wall clock only as the
    safety cap ``solver.cap_s``; the canonical tie-break among equal optima). Time mode:
    ``time_limit_s`` of wall time. One CP-SAT worker in both modes (the fastest on these models;
    see ``benchmarks/run_siting.py``); ``solver.workers`` is not used.

    Parameters
    ----------
    solver
        The scenario's :class:`~optimizer.solvers.params.SolverParams`.

    Returns
    -------
    dict
        ``time_limit_s``, ``seed``, ``num_workers``, ``deterministic``, ``wall_clock_cap_s``.

    Examples
    --------
    >>> siting_options(SolverParams(time_limit_s=10))["wall_clock_cap_s"]
    60.0
    """
    return {"time_limit_s": float(solver.time_limit_s), "seed": int(solver.seed),
            "num_workers": 1, "deterministic": solver.deterministic,
            "wall_clock_cap_s": solver.cap_s if solver.deterministic else None}


def _site_rank(pp: _Prep) -> np.ndarray:
    """``(n_sites,)`` rank of each site by its id (the tie-break order)."""
    ids = np.array(pp.prob.cost.site_ids, dtype=object)
    rank = np.empty(len(ids), dtype=np.int64)
    rank[np.argsort(ids, kind="stable")] = np.arange(len(ids))
    return rank


def _canonical(model: cp_model.CpModel, cp: _Cp, y: Mapping[int, Any], rank: np.ndarray
               ) -> tuple[list[int], cp_model.CpSolver] | None:
    """The canonical optimal set: among the solutions of ``model`` (its objective already bounded
    by the optimum), the fewest open ``y``, then the lexicographically smallest list of site ids.

    Works on a copy of ``model``: one solve for the count, then one per chosen site, each
    maximising ``sum_k b_k`` with ``b_k <= b_(k-1) + y_(order k)`` (``b_k`` = "a site at or before
    position ``k`` is open", so the sum counts the positions from the first open site on) and
    fixing the first open site it finds; each solve starts from the previous solution as a hint.
    Returns the sites and the solver of the last solve (its values hold the canonical set), or
    ``None`` if a step was not solved to optimality within the limits.
    """
    m = model.clone()
    m.clear_hints()
    m.clear_objective()
    ys = {j: m.get_bool_var_from_proto_index(v.index) for j, v in y.items()}
    m.minimize(sum(ys.values()) if ys else 0)
    s, st = cp.solve(m)
    if st != SolveStatus.OPTIMAL:
        return None
    count = int(round(s.objective_value))
    m.clear_objective()
    if ys:
        m.add(sum(ys.values()) == count)
    order = sorted(ys, key=lambda j: int(rank[j]))
    n = len(order)
    chosen: list[int] = []
    pos = 0
    for _ in range(count):
        m.clear_hints()
        for j in order:
            m.add_hint(ys[j], s.boolean_value(ys[j]))
        b = [m.new_bool_var("") for _ in range(pos, n)]
        m.add(b[0] <= ys[order[pos]])
        for i in range(1, len(b)):
            m.add(b[i] <= b[i - 1] + ys[order[pos + i]])
        m.maximize(sum(b))
        s, st = cp.solve(m)
        if st != SolveStatus.OPTIMAL:
            return None
        k = n - int(round(s.objective_value))
        m.clear_objective()
        m.add(ys[order[k]] == 1)
        for q in range(pos, k):
            m.add(ys[order[q]] == 0)
        chosen.append(order[k])
        pos = k + 1
    return chosen, s


def _tie_break(model: cp_model.CpModel, cp: _Cp, y: Mapping[int, Any], pp: _Prep,
               chosen: list[int], solver: cp_model.CpSolver, params: dict[str, Any]
               ) -> tuple[list[int], cp_model.CpSolver]:
    """Replace ``chosen`` by the canonical optimal set (:func:`_canonical`) when it is found;
    ``params["tie_break"]`` records the outcome."""
    got = _canonical(model, cp, y, _site_rank(pp))
    if got is None:
        params["tie_break"] = "not completed within the limits (first optimum kept)"
        return chosen, solver
    params["tie_break"] = "canonical (fewest new sites, then smallest ids)"
    return got[0], got[1]


def _prove_and_list(model: cp_model.CpModel, cp: _Cp, y: Mapping[int, Any], pp: _Prep,
                    objective_expr: Any, opt: int, chosen: list[int], solver: cp_model.CpSolver,
                    *, canonical: bool, max_alternatives: int, params: dict[str, Any]
                    ) -> tuple[list[int], cp_model.CpSolver, list[list[int]], bool]:
    """After a proved optimum: fix the objective to ``opt`` and apply the tie-break
    (``canonical``) and the enumeration of up to ``max_alternatives`` other optimal sets.

    Returns
    -------
    tuple
        ``(chosen, solver holding it, alternatives, alternatives complete)``.
    """
    if not canonical and max_alternatives <= 0:
        return chosen, solver, [], False
    maximize = model.proto.objective.scaling_factor < 0  # CP-SAT stores max as min of -expr
    model.clear_objective()
    model.clear_hints()
    if canonical:
        # an inequality at the optimum is equivalent to fixing it, and easier for the LP
        model.add(objective_expr >= opt if maximize else objective_expr <= opt)
        chosen, solver = _tie_break(model, cp, y, pp, chosen, solver, params)
    alts: list[list[int]] = []
    complete = False
    if max_alternatives > 0:
        model.add(objective_expr == opt)
        alts, complete = _alternatives(model, cp, y, chosen, max_alternatives)
    return chosen, solver, alts, complete


def _new_set_cut(model: cp_model.CpModel, y: Mapping[int, Any], chosen: Sequence[int]) -> None:
    """No-good cut: not all of ``chosen`` open again (excludes the set and its supersets)."""
    lits = [y[j] for j in chosen if j in y]
    if lits:
        model.add_bool_or([lit.Not() for lit in lits])
    else:
        model.add_bool_or([])  # the empty set is a subset of every set: nothing else exists


def _greedy_cover(A: np.ndarray, W: np.ndarray, k: int) -> list[int]:
    """Greedy maximal covering: pick ``k`` columns of bool ``A`` by uncovered weight."""
    chosen: list[int] = []
    unc = W.astype(float).copy()
    Af = A.astype(float)
    for _ in range(min(k, A.shape[1])):
        gain = unc @ Af
        j = int(np.argmax(gain))
        if gain[j] <= 0:
            break
        chosen.append(j)
        unc[A[:, j]] = 0
    return chosen


# ---------------------------------------------------------------------------- result assembly
def _finish(pp: _Prep, *, model_name: str, status: SolveStatus, new_idx: Sequence[int] | None,
            objective: float | None, bound: float | None, gap: float | None,
            shares: list[tuple[int, int, float]] | None, t0: float, params: dict[str, Any],
            alternatives: list[list[int]], alt_complete: bool, message: str = "",
            assign_beyond: bool = False) -> SitingResult:
    prob = pp.prob
    sid, did = prob.cost.site_ids, prob.cost.demand_ids
    w = np.asarray(prob.demand_weight)
    existing = tuple(sid[j] for j in pp.ex_idx)
    if new_idx is None:
        return SitingResult(model_name, status, None, bound, None, (), (), existing, {}, (), 0.0,
                            float(w.sum()), (), pp.uncoverable, (), time.perf_counter() - t0,
                            (), False, params, message)
    new_sorted = sorted(int(j) for j in new_idx)
    open_idx = np.array(sorted(set(pp.ex_idx.tolist()) | set(new_sorted)), dtype=np.int64)
    vals = prob.cost.values
    assignment: dict[str, str] = {}
    out_shares: list[tuple[str, str, float]] = []
    unserved: list[tuple[str, str]] = []
    beyond: list[str] = []
    covered_w = 0.0
    if shares is None:  # uncapacitated: nearest open site
        if open_idx.size:
            sub = vals[:, open_idx]
            best = np.argmin(sub, axis=1)
            bt = sub[np.arange(pp.n_d), best]
        else:
            best = np.zeros(pp.n_d, dtype=np.int64)
            bt = np.full(pp.n_d, np.inf)
        within = bt <= prob.service_radius_s + 1e-9
        for i in range(pp.n_d):
            if within[i] or (assign_beyond and np.isfinite(bt[i])):
                j = int(open_idx[best[i]])
                assignment[did[i]] = sid[j]
                out_shares.append((did[i], sid[j], float(w[i])))
                if within[i]:
                    covered_w += float(w[i])
                else:
                    beyond.append(did[i])
            elif pp.coverable[i]:
                unserved.append((did[i], "not_covered_by_chosen_sites"))
    else:
        got = np.zeros(pp.n_d)
        best_share: dict[int, tuple[float, int]] = {}
        for i, j, amount in shares:
            if amount <= 0:
                continue
            got[i] += amount
            out_shares.append((did[i], sid[j], float(amount)))
            if amount > best_share.get(i, (-1.0, -1))[0]:
                best_share[i] = (amount, j)
        for i, (_, j) in best_share.items():
            assignment[did[i]] = sid[j]
        covered_w = float(got.sum())
        for i in np.nonzero(pp.coverable)[0]:
            if got[i] + 1e-9 < w[i]:
                unserved.append((did[i], "capacity" if pp.covers[i, open_idx].any()
                                 else "not_covered_by_chosen_sites"))
    alts = tuple(sorted((tuple(sorted(sid[j] for j in a)) for a in alternatives),
                        key=lambda t: (len(t), t)))  # documented order: fewest, then ids
    return SitingResult(
        model=model_name, status=status, objective=objective, best_bound=bound, gap=gap,
        open_sites=tuple(sid[j] for j in open_idx), new_sites=tuple(sid[j] for j in new_sorted),
        existing_sites=existing, assignment=assignment, shares=tuple(out_shares),
        covered_weight=covered_w, total_weight=float(w.sum()), unserved=tuple(unserved),
        uncoverable=pp.uncoverable, beyond_radius=tuple(beyond),
        runtime_s=time.perf_counter() - t0, alternatives=alts, alternatives_complete=alt_complete,
        params=params, message=message)


def _gap(obj: float, bound: float) -> float:
    return abs(obj - bound) / max(1.0, abs(obj))


# ---------------------------------------------------------------------- capacitated assignment
class _Assign:
    """Assignment variables for pairs within the radius (capacitated variants)."""

    def __init__(self, model: cp_model.CpModel, pp: _Prep, y: Mapping[int, Any], *,
                 must_serve: bool, aggregate: bool) -> None:
        self.pp = pp
        rows = np.nonzero(pp.coverable)[0]
        single = pp.prob.assignment == "single"
        self.single = single
        sites = np.nonzero(pp.covers[rows].any(axis=0))[0] if rows.size else np.zeros(0, int)
        A = pp.covers[np.ix_(rows, sites)] if rows.size else np.zeros((0, 0), bool)
        if aggregate and not single:
            first, inv = _group_rows(A)
        else:
            first, inv = np.arange(rows.size), np.arange(rows.size)
        self.members = [[] for _ in range(first.size)]
        for r, g in enumerate(inv):
            self.members[g].append(int(rows[r]))
        Wg = np.zeros(first.size, dtype=np.int64)
        np.add.at(Wg, inv, pp.W[rows])
        self.Wg = Wg
        self.pairs: list[tuple[int, int, Any]] = []  # (group, site, var)
        per_site: dict[int, list[tuple[int, Any]]] = {}
        served_terms = []
        for g in range(first.size):
            js = sites[A[first[g]]]
            terms = []
            for j in js:
                j = int(j)
                if single:
                    v = model.new_bool_var("")
                    if j in y:
                        model.add_implication(v, y[j])
                    terms.append(v)
                else:
                    ub = int(Wg[g]) if pp.Q[j] < 0 else int(min(Wg[g], pp.Q[j]))
                    v = model.new_int_var(0, ub, "")
                    if j in y and ub > 0:
                        model.add(v <= ub * y[j])
                    terms.append(v)
                self.pairs.append((g, j, v))
                per_site.setdefault(j, []).append((g, v))
            if single:
                if must_serve:
                    model.add_exactly_one(terms)
                else:
                    model.add_at_most_one(terms)
                served_terms.extend(int(Wg[g]) * t for t in terms)
            else:
                expr = sum(terms)
                if must_serve:
                    model.add(expr == int(Wg[g]))
                else:
                    model.add(expr <= int(Wg[g]))
                served_terms.extend(terms)
        for j, lst in per_site.items():
            if pp.Q[j] >= 0:
                load = sum(int(Wg[g]) * v for g, v in lst) if single else sum(v for _, v in lst)
                if j in y:
                    model.add(load <= int(pp.Q[j]) * y[j])
                else:
                    model.add(load <= int(pp.Q[j]))
        self.served = sum(served_terms) if served_terms else 0

    def cost_expr(self, T: np.ndarray) -> Any:
        """Sum of integer time x assigned scaled weight."""
        terms = []
        for g, j, v in self.pairs:
            i = self.members[g][0]
            t = int(T[i, j])
            if t:
                terms.append((t * int(self.Wg[g])) * v if self.single else t * v)
        return sum(terms) if terms else 0

    def shares(self, solver: cp_model.CpSolver) -> list[tuple[int, int, float]]:
        """Disaggregate group amounts to member demand points (persons)."""
        res = self.pp.res_w
        w = np.asarray(self.pp.prob.demand_weight)
        out: list[tuple[int, int, float]] = []
        left = {g: list(m) for g, m in enumerate(self.members)}
        rem = {i: float(w[i]) for m in self.members for i in m}
        for g, j, v in self.pairs:
            val = solver.value(v)
            if not val:
                continue
            if self.single:
                for i in self.members[g]:
                    out.append((i, j, float(w[i])))
                continue
            amount = val * res
            for i in left[g]:
                if amount <= 1e-12:
                    break
                take = min(rem[i], amount)
                if take > 0:
                    out.append((i, j, take))
                    rem[i] -= take
                    amount -= take
            left[g] = [i for i in left[g] if rem[i] > 1e-12]
        return out


def _site_vars(model: cp_model.CpModel, pp: _Prep, keep: np.ndarray) -> dict[int, Any]:
    y = {int(j): model.new_bool_var(f"y{j}") for j in keep}
    for isl, idx, m in pp.island_mins:
        if m > 0:
            model.add(sum(y[int(j)] for j in idx) >= m)
    return y


def _keep_candidates(pp: _Prep, A: np.ndarray, cand_cols: np.ndarray, *, reduce: bool,
                     cost: np.ndarray, order: np.ndarray | None = None) -> np.ndarray:
    """Mask over ``cand_cols`` of candidates kept in an MCLP/LSCP model (``order``: tie-break
    rank of the sites for dominance, default the index)."""
    protected = np.array([pp.s_isl[j] in pp.constrained_islands for j in cand_cols], dtype=bool)
    keep = A.any(axis=0) | protected
    if reduce and keep.any():
        k_idx = np.nonzero(keep)[0]
        dom = _dominated(A[:, k_idx], cost[cand_cols[k_idx]], pp.s_isl[cand_cols[k_idx]],
                         protected[k_idx],
                         None if order is None else order[cand_cols[k_idx]])
        keep[k_idx[dom]] = False
    return keep


def _params(**kw: Any) -> dict[str, Any]:
    return dict(kw)


def _alternatives(model: cp_model.CpModel, cp: _Cp, y: Mapping[int, Any], first: list[int],
                  k: int, verify: Any = None) -> tuple[list[list[int]], bool]:
    """Enumerate up to ``k`` other optimal new-site sets (objective already fixed in ``model``)."""
    found: list[list[int]] = []
    _new_set_cut(model, y, first)
    complete = False
    while len(found) < k:
        s, st = cp.solve(model)
        if st == SolveStatus.INFEASIBLE:
            complete = True
            break
        if st not in (SolveStatus.OPTIMAL, SolveStatus.FEASIBLE):
            break
        chosen = [j for j, v in y.items() if s.boolean_value(v)]
        if verify is None or verify(chosen):
            found.append(chosen)
        _new_set_cut(model, y, chosen)
    return found, complete


# ------------------------------------------------------------------------------------------- MCLP
def _mclp_model(pp: _Prep, *, reduce: bool, keep_alternatives: bool, budget: float | None,
                order: np.ndarray | None):
    """The MCLP model: ``(model, y, objective expression, constant covered weight, assignment
    or None)``."""
    model = cp_model.CpModel()
    if pp.capacitated:
        y = _site_vars(model, pp, pp.cand_idx)
        asg = _Assign(model, pp, y, must_serve=False, aggregate=reduce)
        objective_expr, const_w = asg.served, 0
    else:
        asg = None
        cov_ex = pp.covers[:, pp.ex_idx].any(axis=1) if pp.ex_idx.size else np.zeros(pp.n_d, bool)
        rows = np.nonzero(pp.coverable & ~cov_ex)[0]
        const_w = int(pp.W[cov_ex].sum())
        A = pp.covers[np.ix_(rows, pp.cand_idx)]
        keep = _keep_candidates(pp, A, pp.cand_idx, reduce=reduce and not keep_alternatives,
                                cost=pp.F if budget is not None else np.zeros(pp.n_s, np.int64),
                                order=order)
        cols = pp.cand_idx[keep]
        A = A[:, keep]
        first, inv = _group_rows(A) if reduce else (np.arange(rows.size), np.arange(rows.size))
        Wg = np.zeros(first.size, dtype=np.int64)
        np.add.at(Wg, inv, pp.W[rows])
        Ag = A[first]
        y = _site_vars(model, pp, cols)
        c = [model.new_bool_var("") for _ in range(first.size)]
        for g in range(first.size):
            model.add_bool_or([c[g].Not()] + [y[int(j)] for j in cols[Ag[g]]])
        objective_expr = sum(int(Wg[g]) * c[g] for g in range(first.size) if Wg[g]) \
            if first.size else 0
        if pp.p and Ag.shape[1] and not pp.constrained_islands and budget is None:
            gi = _greedy_cover(Ag, Wg, pp.p)  # greedy hint
            hs = set(int(cols[j]) for j in gi)
            for j, v in y.items():
                model.add_hint(v, j in hs)
            for g in range(first.size):
                model.add_hint(c[g], bool(Ag[g, gi].any()) if gi else False)
    model.maximize(objective_expr)
    if y:
        model.add(sum(y.values()) <= int(pp.p))
    if budget is not None:
        if not (isinstance(budget, (int, float)) and budget >= 0):
            raise InputError(f"budget={budget!r}; expected a number >= 0", field="budget")
        b = int(math.floor(budget / pp.res_c + 1e-9))
        model.add(sum(int(pp.F[j]) * v for j, v in y.items()) <= b)
    return model, y, objective_expr, const_w, asg


def _setup(problem: SitingProblem, *, p: int | None, need_p: bool, capacitated: bool | None,
           time_limit_s: float, seed: int, num_workers: int, deterministic: bool,
           wall_clock_cap_s: float | None, canonical: bool | None
           ) -> tuple[_Prep, _Cp, bool]:
    """Prepared data, the CP-SAT wrapper and whether to apply the tie-break (default: in work
    mode)."""
    pp = _Prep(problem, p=p, need_p=need_p, capacitated=capacitated)
    cp = _Cp(time_limit_s=time_limit_s, seed=seed, num_workers=num_workers,
             deterministic=deterministic, cap_s=wall_clock_cap_s)
    return pp, cp, bool(deterministic) if canonical is None else bool(canonical)


def _limits_params(cp: _Cp, canon: bool) -> dict[str, Any]:
    return {"deterministic": cp.work, "wall_clock_cap_s": cp.cap_s,
            "deterministic_time_limit_s": cp.det_limit if cp.work else None,
            "canonical": canon}


def solve_mclp(problem: SitingProblem, *, p: int | None = None, budget: float | None = None,
               capacitated: bool | None = None, time_limit_s: float = 60.0, seed: int = 0,
               num_workers: int = 1, max_alternatives: int = 0, reduce: bool = True,
               deterministic: bool = False, wall_clock_cap_s: float | None = None,
               canonical: bool | None = None) -> SitingResult:
    """Maximal covering: open at most ``p`` new sites to cover (serve) the most weight.

    For a scenario, pass :func:`siting_options` (work or time mode from the ``solver:``
    section).

    Parameters
    ----------
    problem
        The siting data; existing sites stay open and count toward coverage, not toward ``p``.
    p
        Number of new sites (default ``problem.p``).
    budget
        Optional limit on the total opening cost of the new sites (same currency as
        ``problem.opening_cost``).
    capacitated
        ``None`` (default): capacitated when some capacity is finite. Capacitated MCLP maximises
        the weight *served* within the radius under capacities, split or single-source
        (``problem.assignment``).
    time_limit_s
        Time mode: wall-clock limit for the whole call, seconds. Work mode: the budget the
        CP-SAT deterministic time is derived from (``time_limit_s x``
        :data:`CPSAT_DETERMINISTIC_S_PER_S`).
    seed
        CP-SAT random seed.
    num_workers
        CP-SAT search workers (threads). Default 1: with the full LP relaxation
        (``linearization_level=2``) one worker was the fastest to prove optimality on our
        instances (see ``benchmarks/run_siting.py``). In work mode several workers search
        interleaved (deterministic, the same result for any number).
    max_alternatives
        Look for up to this many other optimal sets (disables dominated-candidate removal).
    reduce
        Apply the exact reductions described in the module notes.
    deterministic
        Work mode: stop on CP-SAT deterministic time, the wall clock only as a safety cap.
    wall_clock_cap_s
        Work mode: the safety cap, seconds (``None`` = 3 x ``time_limit_s``).
    canonical
        Among equal optima return the canonical set (fewest new sites, then the
        lexicographically smallest sorted list of site ids; see the module notes); ``None`` =
        in work mode.

    Returns
    -------
    SitingResult
        ``objective`` = covered weight (persons), including demand covered by existing sites.

    Raises
    ------
    optimizer.errors.InputError
        If ``p`` is missing or negative, the island minimums need more than ``p`` sites, or a
        parameter is out of range.
    """
    t0 = time.perf_counter()
    pp, cp, canon = _setup(problem, p=p, need_p=True, capacitated=capacitated,
                           time_limit_s=time_limit_s, seed=seed, num_workers=num_workers,
                           deterministic=deterministic, wall_clock_cap_s=wall_clock_cap_s,
                           canonical=canonical)
    name = "mclp-capacitated" if pp.capacitated else "mclp"
    params = _params(p=pp.p, budget=budget, capacitated=pp.capacitated, time_limit_s=time_limit_s,
                     seed=seed, num_workers=num_workers, max_alternatives=max_alternatives,
                     reduce=reduce, weight_resolution=pp.res_w, cost_resolution=pp.res_c,
                     assignment=problem.assignment, **_limits_params(cp, canon))
    model, y, objective_expr, const_w, asg = _mclp_model(
        pp, reduce=reduce, keep_alternatives=max_alternatives > 0, budget=budget,
        order=_site_rank(pp) if canon else None)
    s, st = cp.solve(model)
    if st not in (SolveStatus.OPTIMAL, SolveStatus.FEASIBLE):
        msg = ("no set of new sites satisfies the island minimums and the budget"
               if st == SolveStatus.INFEASIBLE else "no solution within the limits")
        res = _finish(pp, model_name=name, status=st, new_idx=None, objective=None, bound=None,
                      gap=None, shares=None, t0=t0, params=params, alternatives=[],
                      alt_complete=False, message=msg)
        return replace(res, search=cp.record(name, st, t0))
    chosen = [j for j, v in y.items() if s.boolean_value(v)]
    obj_int = int(round(s.objective_value)) + const_w
    bound_int = float(s.best_objective_bound) + const_w
    alts: list[list[int]] = []
    complete = False
    if st == SolveStatus.OPTIMAL:
        chosen, s, alts, complete = _prove_and_list(
            model, cp, y, pp, objective_expr, obj_int - const_w, chosen, s, canonical=canon,
            max_alternatives=max_alternatives, params=params)
    shares = asg.shares(s) if asg is not None else None
    res = _finish(pp, model_name=name, status=st, new_idx=chosen, objective=None,
                  bound=bound_int * pp.res_w, gap=_gap(obj_int, bound_int), shares=shares, t0=t0,
                  params=params, alternatives=alts, alt_complete=complete)
    return replace(res, objective=res.covered_weight, search=cp.record(name, st, t0))


# ------------------------------------------------------------------------------------------- LSCP
def _lscp_model(pp: _Prep, *, minimize: str, reduce: bool, keep_alternatives: bool,
                params: dict[str, Any], order: np.ndarray | None):
    """The LSCP model: ``(model, y, objective expression, cost vector, assignment or None)``."""
    model = cp_model.CpModel()
    cost_vec = pp.F if minimize == "opening_cost" else np.ones(pp.n_s, dtype=np.int64)
    dom_cost = cost_vec if minimize == "opening_cost" else np.zeros(pp.n_s, np.int64)
    asg = None
    if pp.capacitated:
        y = _site_vars(model, pp, pp.cand_idx)
        asg = _Assign(model, pp, y, must_serve=True, aggregate=reduce)
    else:
        cov_ex = pp.covers[:, pp.ex_idx].any(axis=1) if pp.ex_idx.size else np.zeros(pp.n_d, bool)
        rows = np.nonzero(pp.coverable & ~cov_ex)[0]
        A = pp.covers[np.ix_(rows, pp.cand_idx)]
        keep = _keep_candidates(pp, A, pp.cand_idx, reduce=reduce and not keep_alternatives,
                                cost=dom_cost, order=order)
        cols = pp.cand_idx[keep]
        A = A[:, keep]
        if reduce:
            B, cols = _reduce_cover(pp, A, cols, cost=dom_cost, columns=not keep_alternatives,
                                    order=order)
        else:
            B = A
        params["reduced_rows"], params["reduced_columns"] = int(B.shape[0]), int(cols.size)
        y = _site_vars(model, pp, cols)
        for row in B:
            model.add_bool_or([y[int(j)] for j in cols[row]])
    objective_expr = sum(int(cost_vec[j]) * v for j, v in y.items()) if y else 0
    model.minimize(objective_expr)
    return model, y, objective_expr, cost_vec, asg


def solve_lscp(problem: SitingProblem, *, minimize: str = "sites", capacitated: bool | None = None,
               time_limit_s: float = 60.0, seed: int = 0, num_workers: int = 1,
               max_alternatives: int = 0, reduce: bool = True, deterministic: bool = False,
               wall_clock_cap_s: float | None = None,
               canonical: bool | None = None) -> SitingResult:
    """Set covering: the fewest new sites (or least opening cost) covering all coverable demand.

    Demand that no site can cover within the radius is excluded and listed in
    ``result.uncoverable`` with its reason; it never makes the model infeasible. Per-island
    minimums apply.

    Parameters
    ----------
    problem
        The siting data; existing sites stay open and do not count in the objective.
    minimize
        ``"sites"`` (number of new sites) or ``"opening_cost"`` (sum of their opening costs).
    capacitated
        ``None`` (default): capacitated when some capacity is finite; then every coverable point
        must be fully served within the radius under capacities (``INFEASIBLE`` if impossible).
    time_limit_s, seed, num_workers, max_alternatives, reduce, deterministic, wall_clock_cap_s, canonical
        As in :func:`solve_mclp`.

    Returns
    -------
    SitingResult
        ``objective`` = number of new sites, or their total opening cost.

    Raises
    ------
    optimizer.errors.InputError
        If ``minimize`` is unknown or a parameter is out of range.
    """
    t0 = time.perf_counter()
    if minimize not in ("sites", "opening_cost"):
        raise InputError(f"minimize={minimize!r}; expected 'sites' or 'opening_cost'",
                         field="minimize")
    pp, cp, canon = _setup(problem, p=None, need_p=False, capacitated=capacitated,
                           time_limit_s=time_limit_s, seed=seed, num_workers=num_workers,
                           deterministic=deterministic, wall_clock_cap_s=wall_clock_cap_s,
                           canonical=canonical)
    name = "lscp-capacitated" if pp.capacitated else "lscp"
    params = _params(minimize=minimize, capacitated=pp.capacitated, time_limit_s=time_limit_s,
                     seed=seed, num_workers=num_workers, max_alternatives=max_alternatives,
                     reduce=reduce, weight_resolution=pp.res_w, cost_resolution=pp.res_c,
                     assignment=problem.assignment, **_limits_params(cp, canon))
    model, y, objective_expr, cost_vec, asg = _lscp_model(
        pp, minimize=minimize, reduce=reduce, keep_alternatives=max_alternatives > 0,
        params=params, order=_site_rank(pp) if canon else None)
    s, st = cp.solve(model)
    if st not in (SolveStatus.OPTIMAL, SolveStatus.FEASIBLE):
        if st == SolveStatus.INFEASIBLE:
            need = float(np.asarray(problem.demand_weight)[pp.coverable].sum())
            capsum = float(np.sum(np.asarray(problem.capacity)))
            msg = (f"cannot serve all coverable demand ({need:g} persons) within the radius under "
                   f"the capacities (total {capsum:g} meals/day) and island minimums; use "
                   "solve_mclp to maximise the served demand instead")
        else:
            msg = "no solution within the limits"
        res = _finish(pp, model_name=name, status=st, new_idx=None, objective=None, bound=None,
                      gap=None, shares=None, t0=t0, params=params, alternatives=[],
                      alt_complete=False, message=msg)
        return replace(res, search=cp.record(name, st, t0))
    chosen = [j for j, v in y.items() if s.boolean_value(v)]
    obj_int = int(round(s.objective_value))
    bound_int = float(s.best_objective_bound)
    scale = pp.res_c if minimize == "opening_cost" else 1.0
    alts: list[list[int]] = []
    complete = False
    if st == SolveStatus.OPTIMAL:
        chosen, s, alts, complete = _prove_and_list(
            model, cp, y, pp, objective_expr, obj_int, chosen, s, canonical=canon,
            max_alternatives=max_alternatives, params=params)
    shares = asg.shares(s) if asg is not None else None
    objective = float(np.sum(np.asarray(problem.opening_cost)[chosen])) \
        if minimize == "opening_cost" else float(len(chosen))
    res = _finish(pp, model_name=name, status=st, new_idx=chosen, objective=objective,
                  bound=bound_int * scale, gap=_gap(obj_int, bound_int), shares=shares, t0=t0,
                  params=params, alternatives=alts, alt_complete=complete)
    return replace(res, search=cp.record(name, st, t0))


# --------------------------------------------------------------------------------------- p-median
# --------------------------------------------------------------- p-median bounds and heuristics
_BIG = np.int64(1) << 50
"""Cost standing for "unreachable" in the p-median heuristics and Lagrangian (integer units)."""

_LAGR_Q = 16
"""Lagrange multipliers are kept as multiples of ``1 / _LAGR_Q`` so that every bound is computed
exactly in 64-bit integers (no float round-off in a proof)."""


def _island_groups(pp: _Prep, cols: np.ndarray) -> list[tuple[np.ndarray, int]]:
    """Island minimums as ``(positions in cols, least count)``, one entry per island (max)."""
    need: dict[str, int] = {}
    for isl, _, m in pp.island_mins:
        if m > 0:
            need[isl] = max(need.get(isl, 0), m)
    isl_of = pp.s_isl[cols] if cols.size else np.zeros(0, dtype=object)
    return [(np.nonzero(isl_of == isl)[0], m) for isl, m in need.items()]


def _pm_costs(C: np.ndarray, E: np.ndarray, S: Sequence[int]) -> np.ndarray:
    """Per-row cost of serving from the open columns ``S`` or the fixed cap ``E`` (int64)."""
    if len(S) == 0:
        return E.copy()
    return np.minimum(C[:, list(S)].min(axis=1), E)


def _pm_greedy(C: np.ndarray, E: np.ndarray, p: int,
               islands: Sequence[tuple[np.ndarray, int]]) -> list[int]:
    """Greedy-add p-median heuristic (Kuehn & Hamburger 1963), island minimums first."""
    cur = E.astype(np.float64)
    Cf = C.astype(np.float64)
    S: list[int] = []

    def add_best(opts: np.ndarray) -> None:
        nonlocal cur
        opts = np.array([j for j in opts if j not in S], dtype=np.int64)
        if opts.size == 0:
            return
        gain = np.maximum(0.0, cur[:, None] - Cf[:, opts]).sum(axis=0)
        k = int(opts[int(np.argmax(gain))])
        S.append(k)
        cur = np.minimum(cur, Cf[:, k])

    for idx, m in islands:
        for _ in range(m):
            if len(S) < p:
                add_best(idx)
    while len(S) < min(p, C.shape[1]):
        gain = np.maximum(0.0, cur[:, None] - Cf).sum(axis=0)
        gain[S] = -1.0
        k = int(np.argmax(gain))
        if gain[k] <= 0:
            break
        S.append(k)
        cur = np.minimum(cur, Cf[:, k])
    return S


def _pm_interchange(C: np.ndarray, E: np.ndarray, S: Sequence[int],
                    islands: Sequence[tuple[np.ndarray, int]], deadline: float) -> list[int]:
    """Vertex substitution (Teitz & Bart 1968) with Whitaker's fast interchange evaluation
    (Whitaker 1983; Resende & Werneck 2004): apply the best improving swap until none is left.
    Every swap keeps the island minimums."""
    S = list(S)
    n, m = C.shape
    if not S or m <= len(S) or n == 0:
        return S
    Cf = C.astype(np.float64)
    Ef = E.astype(np.float64)
    isl_of = np.full(m, -1, dtype=np.int64)
    for k, (idx, _) in enumerate(islands):
        isl_of[idx] = k
    rows = np.arange(n)
    while time.perf_counter() < deadline:
        sub = Cf[:, S]
        if len(S) > 1:
            part = np.argpartition(sub, 1, axis=1)[:, :2]
            a, b = sub[rows, part[:, 0]], sub[rows, part[:, 1]]
            swap = b < a
            r1 = np.where(swap, part[:, 1], part[:, 0])
            d1, d2 = np.minimum(a, b), np.maximum(a, b)
        else:
            r1 = np.zeros(n, dtype=np.int64)
            d1, d2 = sub[:, 0], np.full(n, np.inf)
        ex_first = Ef <= d1  # served by a fixed site: no open column is critical for the row
        d2 = np.minimum(d2, Ef)
        d1 = np.minimum(d1, Ef)
        profit = np.maximum(0.0, d1[:, None] - Cf).sum(axis=0)
        M = np.minimum(Cf, d2[:, None]) - np.minimum(Cf, d1[:, None])
        lab = np.where(ex_first, len(S), r1)
        extra = np.zeros((len(S) + 1, m))
        _add_rows(extra, lab, M)
        delta = extra[: len(S)] - profit[None, :]
        delta[:, S] = np.inf
        for k, (idx, need) in enumerate(islands):  # a swap may not break an island minimum
            on = [r for r, j in enumerate(S) if isl_of[j] == k]
            if len(on) <= need:
                for r in on:
                    delta[r, isl_of != k] = np.inf
        r, j = np.unravel_index(int(np.argmin(delta)), delta.shape)
        if not delta[r, j] < -0.5:  # integer costs: an improvement is at least 1
            break
        S[int(r)] = int(j)
    return S


def _add_rows(out: np.ndarray, lab: np.ndarray, M: np.ndarray) -> None:
    """``out[k] += M[lab == k].sum(axis=0)`` for every label ``k`` (faster than ``np.add.at``)."""
    order = np.argsort(lab, kind="stable")
    bounds = np.searchsorted(lab[order], np.arange(out.shape[0] + 1))
    Ms = M[order]
    for k in range(out.shape[0]):
        if bounds[k + 1] > bounds[k]:
            out[k] += Ms[bounds[k]:bounds[k + 1]].sum(axis=0)


def _pm_sub(rho: np.ndarray, p: int, islands: Sequence[tuple[np.ndarray, int]],
            forced_in: np.ndarray, forced_out: np.ndarray) -> tuple[int, np.ndarray | None]:
    """Lagrangian subproblem: ``min sum rho_j y_j`` s.t. ``sum y <= p``, island minimums, fixings.

    Exact by exchange: each island takes its cheapest columns up to its minimum, then the cheapest
    negative columns fill the rest. Returns ``(value, y)``, ``(huge, None)`` when infeasible."""
    y = forced_in.copy()
    avail = ~forced_out & ~y
    used = int(y.sum())
    for idx, need in islands:
        short = need - int(y[idx].sum())
        if short > 0:
            c = idx[avail[idx]]
            if c.size < short:
                return int(_BIG) * 64, None
            pick = c[np.argsort(rho[c], kind="stable")[:short]]
            y[pick] = True
            avail[pick] = False
            used += short
    if used > p:
        return int(_BIG) * 64, None
    rest = np.nonzero(avail & (rho < 0))[0]
    k = p - used
    if rest.size > k:
        rest = rest[np.argsort(rho[rest], kind="stable")[:k]]
    y[rest] = True
    return int(rho[y].sum()), y


def _pm_sub_fix(rho: np.ndarray, p: int, y: np.ndarray, v: int, opened: np.ndarray,
                closed: np.ndarray, islands: Sequence[tuple[np.ndarray, int]], L0: int,
                thresh: int) -> tuple[np.ndarray, np.ndarray]:
    """Reduced-cost tests: masks of free columns whose forcing in (out) lifts the subproblem
    bound ``L0 + value`` above ``thresh``. Closed form without island minimums (the subproblem
    takes the ``p - |opened|`` most negative ``rho``), else one :func:`_pm_sub` per column."""
    free = ~closed & ~opened
    close_new = np.zeros(rho.size, dtype=bool)
    open_new = np.zeros(rho.size, dtype=bool)
    if islands:
        for j in np.nonzero(free)[0]:
            if y[j]:
                fo = closed.copy()
                fo[j] = True
                v0, _ = _pm_sub(rho, p, islands, opened, fo)
                open_new[j] = L0 + v0 > thresh
            else:
                fi = opened.copy()
                fi[j] = True
                v1, _ = _pm_sub(rho, p, islands, fi, closed)
                close_new[j] = L0 + v1 > thresh
        return close_new, open_new
    k = p - int(opened.sum())
    chosen = free & y
    n_ch = int(chosen.sum())
    # forcing an unchosen column in: it replaces the worst chosen one when all k slots are used
    worst = int(rho[chosen].max()) if n_ch and n_ch >= k else 0
    add = rho - worst if (n_ch and n_ch >= k) else rho.copy()
    if k <= 0:
        add = np.full(rho.size, int(_BIG) * 64, dtype=np.int64)
    close_new = free & ~y & (L0 + v + add > thresh)
    # forcing a chosen column out: the best unchosen negative column takes its slot
    rest = free & ~y & (rho < 0)
    nxt = int(rho[rest].min()) if rest.any() else 0
    open_new = chosen & (L0 + v - rho + nxt > thresh)
    return close_new, open_new


def _pm_sparse_rows(C: np.ndarray, cols: np.ndarray, k: int
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each row's ``k`` cheapest columns among ``cols``: ``(column indices (n, k), costs x
    _LAGR_Q (n, k), multiplier cap = the (k+1)-th cheapest cost x _LAGR_Q (n,))``."""
    n = C.shape[0]
    Q = _LAGR_Q
    Cc = C[:, cols]
    if k < cols.size:
        part = np.argpartition(Cc, k, axis=1)
        near = part[:, :k]
        cap = (Cc[np.arange(n), part[:, k]] * Q).astype(np.float64)  # (k+1)-th cheapest
    else:
        near = np.broadcast_to(np.arange(cols.size), (n, cols.size))
        cap = np.full(n, np.inf)
    return cols[near], np.take_along_axis(Cc, near, axis=1) * Q, cap


def _pm_lagrangian(C: np.ndarray, E: np.ndarray, p: int,
                   islands: Sequence[tuple[np.ndarray, int]], ub: int, lam0: np.ndarray, *,
                   strict: bool, deadline: float, max_iter: int = 400,
                   closed0: np.ndarray | None = None, opened0: np.ndarray | None = None,
                   mu0: float = 2.0, k_nearest: int | None = None, state: dict | None = None
                   ) -> tuple[int, np.ndarray, np.ndarray, int]:
    r"""Lagrangian bound and reduced-cost fixing for the p-median (Cornuéjols, Fisher & Nemhauser
    1977; Beasley 1993, "Lagrangean heuristics for location problems", EJOR 65).

    Relaxing the assignment constraints :math:`\sum_j x_{ij} + x_{i0} = 1` (:math:`x_{i0}`: served
    by a fixed site at cost :math:`E_i`) with multipliers :math:`\lambda_i` gives
    :math:`L(\lambda) = \sum_i \lambda_i + \sum_i \min(0, E_i - \lambda_i)
    + \min_y \sum_j \rho_j y_j`, :math:`\rho_j = \sum_i \min(0, C_{ij} - \lambda_i)`, a lower
    bound for every :math:`\lambda`. Multipliers follow subgradient steps (Polyak step towards
    ``ub``, halved after 20 steps without progress). Column ``j`` is fixed closed (open) when the
    subproblem with ``y_j`` forced to 1 (0) is already not better than ``ub`` (``strict``: worse
    than ``ub``, which keeps every solution of value ``ub``); fixings accumulate and tighten the
    later bounds. All bounds are exact integers (multipliers in steps of ``1/16``).

    Sparse rows: each row keeps its ``k_nearest`` cheapest free columns and its multiplier is
    capped at the next cost, :math:`\lambda_i \le c_i^{(k+1)}`; every pair beyond then has
    :math:`C_{ij} - \lambda_i \ge 0` and drops out of :math:`\rho`, so an iteration costs
    :math:`O(n k)` instead of :math:`O(n m)`. The cap restricts :math:`\lambda`, never the bound's
    validity (every :math:`\lambda` gives a lower bound).

    Parameters
    ----------
    C
        ``(n_rows, n_cols)`` int64 costs (weight x seconds), ``_BIG`` where unreachable.
    E
        ``(n_rows,)`` int64 cost of the nearest fixed (always open) site, ``_BIG`` if none.
    p, islands
        At most ``p`` columns; island minimums as ``(column positions, count)``.
    ub
        Value of a known feasible solution (integer units).
    lam0
        ``(n_rows,)`` starting multipliers (cost units).
    strict, deadline, max_iter
        Fixing rule (see above), wall-clock limit (``time.perf_counter`` seconds), iterations.
    closed0, opened0
        ``(n_cols,)`` bool fixings already known (a branch-and-bound node); default none.
    mu0
        Initial Polyak step factor (Held, Wolfe & Crowder 1974 use 2).
    k_nearest
        Columns kept per row (see above); default ``8 m / p`` (the nearest of ``p`` open columns
        is typically about the ``m / p``-th nearest column, so the cap rarely binds).
    state
        Optional dict; receives ``lam`` (best multipliers, cost units), ``y`` (the subproblem
        solution at the best bound) and ``rho`` (its reduced costs).

    Returns
    -------
    tuple
        ``(lower bound, closed mask, opened mask, iterations)``; the bound is an integer valid for
        every solution that respects the fixings and is better than ``ub`` (or equal, ``strict``).
    """
    n, m = C.shape
    Q = _LAGR_Q
    Eq = E * Q
    ubq = int(ub) * Q
    thresh = ubq if strict else ubq - Q  # bound above this: no (strictly) improving solution
    closed = np.zeros(m, dtype=bool) if closed0 is None else closed0.copy()
    opened = np.zeros(m, dtype=bool) if opened0 is None else opened0.copy()
    lam = lam0.astype(np.float64) * Q
    cols = np.nonzero(~closed)[0]
    if k_nearest is None:  # the nearest open site of a row is about its (m / p)-th nearest column
        k_nearest = 8 * -(-cols.size // max(p, 1))
    k = min(int(k_nearest), cols.size)
    if state is not None:
        state.update(lam=lam0.astype(np.float64), y=None, rho=None)
    if k == 0 or n == 0:
        v, y = _pm_sub(np.zeros(m, dtype=np.int64), p, islands, opened, closed)
        if y is None:
            return (ub + 1 if strict else ub), closed, opened, 0
        L = int(np.minimum(0, E).sum()) if n else 0
        return L, closed, opened, 0
    Jk, Ck, cap = _pm_sparse_rows(C, cols, k)
    best = -(1 << 62)
    mu, stall, it = float(mu0), 0, 0
    for it in range(1, max_iter + 1):
        lam = np.minimum(lam, cap)
        lq = np.rint(lam).astype(np.int64)
        diff = Ck - lq[:, None]
        neg = diff < 0
        rho = np.zeros(m, dtype=np.int64)
        np.add.at(rho, Jk[neg], diff[neg])
        L0 = int(lq.sum()) + int(np.minimum(0, Eq - lq).sum())
        v, y = _pm_sub(rho, p, islands, opened, closed)
        if y is None:  # the fixings leave no feasible choice: nothing better than ub exists
            return (ub + 1 if strict else ub), closed, opened, it
        L = L0 + v
        if L > best:
            best, stall = L, 0
            if state is not None:
                state.update(lam=lam / Q, y=y.copy(), rho=rho)
            cn, on = _pm_sub_fix(rho, p, y, v, opened, closed, islands, L0, thresh)
            closed |= cn
            opened |= on
        else:
            stall += 1
            if stall >= 20:
                mu, stall = mu / 2, 0
        if best > thresh or mu < 1e-3 or time.perf_counter() > deadline:
            break
        s = 1 - (Eq < lq).astype(np.int64) - (neg & y[Jk]).sum(axis=1)
        ss = float(np.dot(s, s))
        if ss == 0:
            break  # lambda is optimal for the relaxation
        lam = lam + mu * (ubq - L) / ss * s
    return -(-best // Q), closed, opened, it  # ceil: objective values are integers


def _pm_branch(C: np.ndarray, E: np.ndarray, p: int, islands: Sequence[tuple[np.ndarray, int]],
               ub: int, S: Sequence[int], lam: np.ndarray, closed: np.ndarray,
               opened: np.ndarray, *, deadline: float, node_iter: int = 120,
               max_nodes: int | None = None) -> tuple[bool, int, list[int], float, int]:
    """Lagrangian branch-and-bound for the p-median (Beasley 1993, sec. 4; Christofides & Beasley
    1982, "A tree search algorithm for the p-median problem", EJOR 10).

    Depth first over "column ``j`` open" / "column ``j`` closed"; each node re-runs the subgradient
    from its parent's multipliers with the node's fixings (:func:`_pm_lagrangian`, reduced-cost
    fixing inside the node) and is pruned when its integer bound reaches the incumbent. Every
    Lagrangian subproblem solution is feasible (``<= p`` columns, island minimums) and is
    evaluated as a new incumbent. Branching column: the open column of the node's subproblem
    solution with the least negative reduced cost (the most doubtful one), else the free column
    with the lowest reduced cost.

    Returns
    -------
    tuple
        ``(proved, incumbent value, incumbent columns, lower bound, nodes)``: ``proved`` when the
        tree was exhausted before ``deadline`` and within ``max_nodes`` nodes (the incumbent is
        then optimal); the lower bound is valid for the whole problem (the least bound over
        unexplored nodes and the incumbent).
    """
    best_S = list(S)
    stack: list[tuple[np.ndarray, np.ndarray, np.ndarray, float]] = [
        (closed, opened, lam, -math.inf)]
    nodes = 0
    while stack:
        if time.perf_counter() > deadline or (max_nodes is not None and nodes >= max_nodes):
            lb = min(min(b for *_, b in stack), float(ub))
            return False, ub, best_S, lb, nodes
        cl, op, lam_n, plb = stack.pop()
        if plb >= ub:
            continue
        nodes += 1
        info: dict = {}
        lb, cl2, op2, _ = _pm_lagrangian(C, E, p, islands, ub, lam_n, strict=False,
                                         deadline=deadline, max_iter=node_iter, closed0=cl,
                                         opened0=op, mu0=2.0 if nodes == 1 else 0.5,
                                         state=info)
        y = info.get("y")
        if y is not None:
            cand_S = np.nonzero(y)[0]
            cost = _pm_costs(C, E, cand_S)
            if np.all(cost < _BIG) and int(cost.sum()) < ub:
                ub, best_S = int(cost.sum()), [int(j) for j in cand_S]
        if lb >= ub or y is None:
            continue
        free = ~cl2 & ~op2
        if not free.any():
            continue  # every column fixed: the node's only solution was evaluated above
        rho = info["rho"]
        on = np.nonzero(free & y)[0]
        j = int(on[np.argmax(rho[on])]) if on.size else \
            int(np.nonzero(free)[0][np.argmin(rho[free])])
        c_cl, c_op = cl2.copy(), op2.copy()
        c_cl[j] = True
        c_op[j] = True
        lam_b = info["lam"]
        stack.append((c_cl, op2, lam_b, float(lb)))  # explored second
        stack.append((cl2, c_op, lam_b, float(lb)))  # explored first
    return True, ub, best_S, float(ub), nodes


class _RadiusPMedian:
    """Truncated radius formulation of the uncapacitated p-median (see module notes).

    Rows are demand groups (identical time rows merged when ``reduce``). :meth:`set_sites` fixes
    which sites are open for sure (existing, plus sites fixed open by the Lagrangian) and which
    candidates are free; the levels of a group are the distinct times of free candidates below its
    nearest fixed-open site.
    """

    def __init__(self, pp: _Prep, T: np.ndarray, reduce: bool) -> None:
        self.pp = pp
        finite = np.isfinite(pp.prob.cost.values)
        rows = np.nonzero(finite.any(axis=1))[0]
        self.rows = rows
        Tr = np.where(finite[rows], T[rows], -1)
        if reduce and rows.size:
            first, inv = _group_rows(Tr)
        else:
            first, inv = np.arange(rows.size), np.arange(rows.size)
        self.first, self.inv = first, inv
        Wg = np.zeros(first.size, dtype=np.int64)
        np.add.at(Wg, inv, pp.W[rows])
        self.Wg = Wg
        self.Tg = Tr[first]  # -1 = unreachable

    def set_sites(self, fixed_open: np.ndarray, cand: np.ndarray) -> None:
        """Recompute the levels for sites ``fixed_open`` (always open) and free ``cand``."""
        self.fixed_open, self.cand = fixed_open, cand
        self.levels: list[np.ndarray] = []  # distinct candidate times below nearest fixed site
        self.level_sites: list[list[np.ndarray]] = []
        self.top: list[int] = []  # number of z variables in the full model
        self.e: list[float] = []
        Tfo = self.Tg[:, fixed_open].astype(np.float64)
        Tfo[Tfo < 0] = np.inf
        e_all = Tfo.min(axis=1) if fixed_open.size else np.full(self.first.size, np.inf)
        Tc = self.Tg[:, cand]
        for g in range(self.first.size):
            e = float(e_all[g])
            tc = Tc[g]
            ok = (tc >= 0) & (tc < e)
            cj, ct = cand[ok], tc[ok]
            order = np.argsort(ct, kind="stable")
            cj, ct = cj[order], ct[order]
            lv, start = np.unique(ct, return_index=True)
            groups = np.split(cj, start[1:]) if lv.size else []
            self.levels.append(np.concatenate([lv, [e]]) if math.isfinite(e) else lv)
            self.level_sites.append(groups)
            self.top.append(lv.size if math.isfinite(e) else max(lv.size - 1, 0))
            self.e.append(e)
        self.L = np.array(self.top, dtype=np.int64)  # current truncation (levels with z)

    def true_cost(self, open_idx: np.ndarray) -> np.ndarray:
        """Integer nearest-open time per group (``inf`` if none reachable)."""
        t = self.Tg[:, open_idx].astype(float)
        t[t < 0] = np.inf
        d = t.min(axis=1) if open_idx.size else np.full(self.first.size, np.inf)
        return d

    def weighted(self, d: np.ndarray) -> float:
        """Objective (integer units) of per-group times ``d``; ``inf`` if a group is cut off."""
        if not np.all(np.isfinite(d)):
            return math.inf
        return float(np.sum(self.Wg * d))

    def set_truncation(self, dist: np.ndarray) -> None:
        """Truncate each group's levels at twice (+4) the level of ``dist`` (a heuristic's time)."""
        for g in range(self.first.size):
            lv = self.levels[g]
            k = int(np.searchsorted(lv, dist[g], side="left")) + 1 if math.isfinite(dist[g]) \
                else self.top[g]
            self.L[g] = min(self.top[g], max(2 * k + 4, 1))  # slack: fewer re-solves

    def build(self, model: cp_model.CpModel, y: Mapping[int, Any]) -> tuple[Any, int, list]:
        const = 0
        terms = []
        zs: list[list[Any]] = []
        reach_sets: dict[bytes, list[int]] = {}
        for g in range(self.first.size):
            lv = self.levels[g]
            W = int(self.Wg[g])
            zg: list[Any] = []
            if not math.isfinite(self.e[g]):  # no fixed site reachable: some candidate must open
                mask = self.Tg[g][self.cand] >= 0
                key = np.packbits(mask).tobytes()
                reach_sets.setdefault(key, [int(j) for j in self.cand[mask]])
            if lv.size == 0:
                zs.append(zg)
                continue
            const += W * int(lv[0])
            prev = None
            for k in range(int(self.L[g])):
                z = model.new_bool_var("")
                ys = [y[int(j)] for j in self.level_sites[g][k]]
                model.add_bool_or([z] + ys + ([prev.Not()] if prev is not None else []))
                inc = int(lv[k + 1] - lv[k])
                if inc and W:
                    terms.append((W * inc) * z)
                zg.append(z)
                prev = z
            zs.append(zg)
        for js in reach_sets.values():
            model.add_bool_or([y[j] for j in js])
        return (sum(terms) if terms else 0), const, zs


def _pm_capacitated(pp: _Prep, cp: _Cp, T: np.ndarray, *, name: str, params: dict[str, Any],
                    t0: float, canon: bool, max_alternatives: int,
                    true_objective: Any) -> SitingResult:
    """Capacitated p-median: one CP-SAT model (every coverable point served within the radius)."""
    model = cp_model.CpModel()
    y = _site_vars(model, pp, pp.cand_idx)
    if y:
        model.add(sum(y.values()) <= int(pp.p))
    asg = _Assign(model, pp, y, must_serve=True, aggregate=False)
    objective_expr = asg.cost_expr(T)
    model.minimize(objective_expr)
    s, st = cp.solve(model)
    if st not in (SolveStatus.OPTIMAL, SolveStatus.FEASIBLE):
        msg = ("cannot serve every coverable point within the radius with at most "
               f"p={pp.p} new sites under the capacities; use solve_mclp to maximise the "
               "served demand" if st == SolveStatus.INFEASIBLE
               else "no solution within the limits")
        res = _finish(pp, model_name=name, status=st, new_idx=None, objective=None,
                      bound=None, gap=None, shares=None, t0=t0, params=params,
                      alternatives=[], alt_complete=False, message=msg)
        return replace(res, search=cp.record(name, st, t0))
    chosen = [j for j, v in y.items() if s.boolean_value(v)]
    obj_int = int(round(s.objective_value))
    bound_int = float(s.best_objective_bound)
    alts: list[list[int]] = []
    complete = False
    if st == SolveStatus.OPTIMAL:
        chosen, s, alts, complete = _prove_and_list(
            model, cp, y, pp, objective_expr, obj_int, chosen, s, canonical=canon,
            max_alternatives=max_alternatives, params=params)
    shares = asg.shares(s)
    open_idx = np.array(sorted(set(pp.ex_idx.tolist()) | set(chosen)), dtype=np.int64)
    res = _finish(pp, model_name=name, status=st, new_idx=chosen,
                  objective=true_objective(open_idx, shares),
                  bound=bound_int * pp.res_w, gap=_gap(obj_int, bound_int), shares=shares,
                  t0=t0, params=params, alternatives=alts, alt_complete=complete)
    return replace(res, search=cp.record(name, st, t0))


@dataclass
class _PmState:
    """Working state of the uncapacitated p-median: costs, the incumbent, bounds, fixings."""

    rp: _RadiusPMedian
    C: np.ndarray  # (groups, candidates) weight x seconds, _BIG if unreachable
    E: np.ndarray  # (groups,) cost of the nearest existing site
    islands: list
    cand: np.ndarray
    ex: np.ndarray
    p_new: int
    S: list[int]  # incumbent (positions in cand)
    ub: int | None
    incumbent: tuple[list[int], float] | None  # (site indices, value)
    strict: bool
    lagr_lb: float = -math.inf
    closed: np.ndarray | None = None
    opened: np.ndarray | None = None
    nodes: int = 0
    node_limit: int | None = None


def _pm_start(pp: _Prep, cp: _Cp, T: np.ndarray, *, reduce: bool, strict: bool) -> _PmState:
    """Costs and the heuristic incumbent: greedy add + fast vertex substitution."""
    rp = _RadiusPMedian(pp, T, reduce)
    cand, ex = pp.cand_idx, pp.ex_idx
    n_g = rp.first.size
    reach = rp.Tg >= 0
    Cfull = np.where(reach, rp.Wg[:, None] * np.maximum(rp.Tg, 0), _BIG)
    C = np.ascontiguousarray(Cfull[:, cand])
    E = Cfull[:, ex].min(axis=1) if ex.size else np.full(n_g, _BIG, dtype=np.int64)
    islands = _island_groups(pp, cand)
    p_new = int(pp.p)
    S = _pm_greedy(C, E, p_new, islands)
    S = _pm_interchange(C, E, S, islands, deadline=cp.deadline)
    cp.expired()
    inc_cost = _pm_costs(C, E, S)
    ub = int(inc_cost.sum()) if np.all(inc_cost < _BIG) else None
    incumbent = ([int(cand[j]) for j in S], float(ub)) if ub is not None else None
    return _PmState(rp, C, E, islands, cand, ex, p_new, S, ub, incumbent, strict,
                    closed=np.zeros(cand.size, dtype=bool), opened=np.zeros(cand.size, dtype=bool))


def _pm_bound(st: _PmState, cp: _Cp, *, reduce: bool, bb_share: float,
              params: dict[str, Any]) -> None:
    """Lagrangian bound with reduced-cost fixing, then (not ``strict``) the Lagrangian
    branch-and-bound on the remaining gap: time mode for ``bb_share`` of the time left, work
    mode for ``time_limit_s x bb_share x`` :data:`BB_NODES_PER_S` (scaled by size) nodes."""
    C, n_g = st.C, st.rp.first.size
    if not (reduce and st.ub is not None and st.cand.size and n_g
            and float(C[C < _BIG].max(initial=0)) * n_g * _LAGR_Q < 2.0**60):
        return
    info: dict = {}
    st.lagr_lb, st.closed, st.opened, lit = _pm_lagrangian(
        C, st.E, st.p_new, st.islands, st.ub, _pm_costs(C, st.E, st.S), strict=st.strict,
        deadline=cp.deadline, max_iter=1000, state=info)
    cp.expired()
    params["lagrangian_iterations"] = lit
    if st.strict or st.lagr_lb >= st.ub:
        return
    now = time.perf_counter()
    if cp.work:
        size = 1e5 / max(1.0, float(n_g) * float(st.cand.size))
        st.node_limit = max(1, int(math.floor(cp.time_limit_s * bb_share * BB_NODES_PER_S
                                              * size + 0.5 + 1e-9)))
        deadline = cp.deadline
    else:
        deadline = now + bb_share * max(0.0, cp.deadline - now)
    proved, ub2, S2, bb_lb, st.nodes = _pm_branch(
        C, st.E, st.p_new, st.islands, st.ub, st.S, info["lam"], st.closed, st.opened,
        deadline=deadline, max_nodes=st.node_limit)
    if cp.work and not proved and (st.node_limit is None or st.nodes < st.node_limit):
        cp.capped = True
    params["bb_nodes"] = st.nodes
    if ub2 < st.ub:
        st.ub, st.S = ub2, S2
        st.incumbent = ([int(st.cand[j]) for j in S2], float(ub2))
    if math.isfinite(bb_lb):
        st.lagr_lb = max(st.lagr_lb, int(math.ceil(bb_lb)))


def _pm_residual(st: _PmState, cp: _Cp) -> tuple[SolveStatus, tuple | None, float, int]:
    """Exact residual model over the free candidates (radius formulation, truncation extended
    until the relaxation's optimum is exact); ``(status, best, bound, CP-SAT models)``."""
    rp, cand, ex, opened, closed = st.rp, st.cand, st.ex, st.opened, st.closed
    fixed_open = np.sort(np.concatenate([ex, cand[opened]])).astype(np.int64)
    free = cand[~closed & ~opened]
    rp.set_sites(fixed_open, free)
    p_res = st.p_new - int(opened.sum())
    res_islands = _pm_res_islands(st, free)
    S = st.S
    inc_d = rp.true_cost(np.concatenate([ex, cand[S]]).astype(np.int64)) if S else \
        rp.true_cost(ex)
    rp.set_truncation(inc_d)
    best = st.incumbent
    hint = set(best[0]) if best is not None else set()
    res_bound = math.inf
    iterations = 0
    status = SolveStatus.NO_SOLUTION
    while True:
        iterations += 1
        model, y = _pm_model(rp, free, res_islands, p_res)
        expr, const, _ = rp.build(model, y)
        model.minimize(expr)
        for j, v in y.items():
            model.add_hint(v, j in hint)
        s, status = cp.solve(model)
        if status == SolveStatus.INFEASIBLE:
            res_bound = math.inf  # nothing respects the fixings: none better than the incumbent
            break
        if status not in (SolveStatus.OPTIMAL, SolveStatus.FEASIBLE):
            res_bound = -math.inf
            break
        chosen = [int(cand[k]) for k in np.nonzero(opened)[0]] + \
            [j for j, v in y.items() if s.boolean_value(v)]
        d = rp.true_cost(np.concatenate([ex, np.array(chosen, dtype=np.int64)]))
        true_int = rp.weighted(d)
        relax_int = float(s.objective_value) + const
        res_bound = float(s.best_objective_bound) + const
        if best is None or true_int < best[1]:
            best = (chosen, true_int)
        hint = set(best[0])
        if status != SolveStatus.OPTIMAL or true_int <= relax_int + 1e-9:
            break  # relaxation optimum has the same value in the full model: optimal
        _pm_extend_truncation(rp, d)
    # solutions outside the residual model are not better than the incumbent
    outside = st.incumbent[1] if st.incumbent is not None else math.inf
    bound = max(st.lagr_lb, min(outside, res_bound))
    if best is not None and best[1] <= bound + 1e-9 and status in (SolveStatus.OPTIMAL,
                                                                   SolveStatus.INFEASIBLE):
        status = SolveStatus.OPTIMAL
    elif best is not None:
        status = SolveStatus.FEASIBLE
    return status, best, bound, iterations


def _pm_res_islands(st: _PmState, free: np.ndarray) -> list[tuple[np.ndarray, int]]:
    """Island minimums over the free candidates (site indices), net of the sites fixed open."""
    return [(free[np.isin(free, st.cand[idx])], need - int(st.opened[idx].sum()))
            for idx, need in st.islands]


def _pm_model(rp: _RadiusPMedian, free: np.ndarray, res_islands: list, p_res: int
              ) -> tuple[cp_model.CpModel, dict[int, Any]]:
    """A CP-SAT model with the site variables of the free candidates, their island minimums and
    the count limit (the radius terms are added by :meth:`_RadiusPMedian.build`)."""
    model = cp_model.CpModel()
    y = {int(j): model.new_bool_var(f"y{j}") for j in free}
    for idx, need in res_islands:
        if need > 0:
            model.add(sum(y[int(j)] for j in idx) >= need)
    if y:
        model.add(sum(y.values()) <= p_res)
    return model, y


def _pm_extend_truncation(rp: _RadiusPMedian, d: np.ndarray) -> None:
    """Extend the level truncation of every group whose chosen nearest site lies beyond it."""
    for g in range(rp.first.size):
        lv, Lg = rp.levels[g], int(rp.L[g])
        if Lg >= rp.top[g]:
            continue
        if not math.isfinite(d[g]):
            rp.L[g] = rp.top[g]
        elif d[g] > lv[Lg]:
            m = int(np.searchsorted(lv, d[g], side="left"))
            rp.L[g] = min(rp.top[g], max(m + 1, 2 * Lg + 4))


def _pm_equal_optima(st: _PmState, cp: _Cp, pp: _Prep, chosen: list[int], opt: float, *,
                     canon: bool, max_alternatives: int, params: dict[str, Any]
                     ) -> tuple[list[int], list[list[int]], bool]:
    """Tie-break and alternatives of a proved uncapacitated optimum ``opt`` (integer units):
    the full radius model over the free candidates with its objective fixed to ``opt``.

    With the tie-break and no ``strict`` fixing (the fixings may exclude sets of value
    ``opt``), the candidates are first re-fixed by a strict Lagrangian at ``ub = opt``, which
    keeps every optimal set. Returns ``(chosen, alternatives, complete)``."""
    rp, cand, ex = st.rp, st.cand, st.ex
    if canon and not st.strict:
        pos = {int(c): k for k, c in enumerate(cand)}
        lam = _pm_costs(st.C, st.E, [pos[j] for j in chosen if j in pos])
        _, closed, opened, _ = _pm_lagrangian(st.C, st.E, st.p_new, st.islands, int(opt), lam,
                                              strict=True, deadline=cp.deadline, max_iter=1000)
        cp.expired()
        fixed_open = np.sort(np.concatenate([ex, cand[opened]])).astype(np.int64)
        st.opened, st.closed = opened, closed
        rp.set_sites(fixed_open, cand[~closed & ~opened])
    forced_new = [int(cand[k]) for k in np.nonzero(st.opened)[0]]
    if canon and int(np.sum(rp.top)) > CANONICAL_MAX_LEVELS:
        params["tie_break"] = f"skipped (more than {CANONICAL_MAX_LEVELS} distance levels)"
        canon = False
    if not canon and max_alternatives <= 0:
        return chosen, [], False

    def verify(sites: list[int]) -> bool:
        o = np.array(sorted(set(ex.tolist()) | set(forced_new) | set(sites)), dtype=np.int64)
        return rp.weighted(rp.true_cost(o)) <= opt + 1e-9

    rp.L = np.array(rp.top, dtype=np.int64)  # full levels: the fixed objective is exact
    free = rp.cand
    model, y = _pm_model(rp, free, _pm_res_islands(st, free), st.p_new - len(forced_new))
    expr, const, _ = rp.build(model, y)
    if canon:  # an inequality at the optimum is equivalent and easier for the LP
        model.add(expr <= int(round(opt)) - const)
    else:
        model.add(expr == int(round(opt)) - const)
    first_free = [j for j in chosen if j in y]
    if canon:
        got = _canonical(model, cp, y, _site_rank(pp))
        if got is not None and verify(got[0]):
            first_free = got[0]
            chosen = sorted(forced_new + first_free)
            params["tie_break"] = "canonical (fewest new sites, then smallest ids)"
        else:
            params["tie_break"] = "not completed within the limits (first optimum kept)"
    alts: list[list[int]] = []
    complete = False
    if max_alternatives > 0:
        alts, complete = _alternatives(model, cp, y, first_free, max_alternatives, verify)
        alts = [forced_new + a for a in alts]
    return chosen, alts, complete


def solve_pmedian(problem: SitingProblem, *, p: int | None = None,
                  capacitated: bool | None = None, time_limit_s: float = 60.0, seed: int = 0,
                  num_workers: int = 1, max_alternatives: int = 0,
                  reduce: bool = True, bb_share: float = 0.8, deterministic: bool = False,
                  wall_clock_cap_s: float | None = None,
                  canonical: bool | None = None) -> SitingResult:
    """p-median: open at most ``p`` new sites minimising total weighted travel time.

    Uncapacitated: every demand point with a finite time to some site is assigned to its nearest
    open site, within the radius or not (``result.beyond_radius`` lists those beyond); this is
    the classic p-median (same optimum as ``spopt.locate.PMedian`` with the existing sites
    predefined). Capacitated: every coverable point is served completely within the radius
    (split or single-source), ``INFEASIBLE`` if the capacities or ``p`` cannot do that.

    Parameters
    ----------
    problem
        The siting data.
    p
        Number of new sites (default ``problem.p``).
    capacitated, time_limit_s, seed, num_workers, max_alternatives, reduce, deterministic, wall_clock_cap_s, canonical
        As in :func:`solve_mclp`.
    bb_share
        Time mode: fraction (0-1) of the time left after the root Lagrangian given to the
        Lagrangian branch-and-bound (:func:`_pm_branch`) before the CP-SAT residual model takes
        over. Work mode: the tree gets ``time_limit_s x bb_share x`` :data:`BB_NODES_PER_S`
        nodes (scaled by size).

    Returns
    -------
    SitingResult
        ``objective`` = sum over assigned demand of weight x travel time (person-seconds, exact
        floats); ``best_bound`` in the same unit on 1-second times.

    Raises
    ------
    optimizer.errors.InputError
        If ``p`` is missing or negative, or the island minimums need more than ``p`` sites.
    """
    t0 = time.perf_counter()
    pp, cp, canon = _setup(problem, p=p, need_p=True, capacitated=capacitated,
                           time_limit_s=time_limit_s, seed=seed, num_workers=num_workers,
                           deterministic=deterministic, wall_clock_cap_s=wall_clock_cap_s,
                           canonical=canonical)
    vals = problem.cost.values
    finite = np.isfinite(vals)
    T = np.zeros(vals.shape, dtype=np.int64)
    T[finite] = seconds_to_int(vals[finite])
    name = "pmedian-capacitated" if pp.capacitated else "pmedian"
    params = _params(p=pp.p, capacitated=pp.capacitated, time_limit_s=time_limit_s, seed=seed,
                     num_workers=num_workers, max_alternatives=max_alternatives, reduce=reduce,
                     weight_resolution=pp.res_w, time_resolution_s=1,
                     assignment=problem.assignment, **_limits_params(cp, canon))
    w = np.asarray(problem.demand_weight)

    def true_objective(open_idx: np.ndarray, shares: list | None) -> float:
        if shares is not None:
            return float(sum(a * vals[i, j] for i, j, a in shares))
        if open_idx.size == 0:
            return math.inf
        d = vals[:, open_idx].min(axis=1)
        m = np.isfinite(d)
        return float(np.sum(w[m] * d[m]))

    if pp.capacitated:
        return _pm_capacitated(pp, cp, T, name=name, params=params, t0=t0, canon=canon,
                               max_alternatives=max_alternatives, true_objective=true_objective)
    st = _pm_start(pp, cp, T, reduce=reduce, strict=max_alternatives > 0)
    _pm_bound(st, cp, reduce=reduce, bb_share=bb_share, params=params)
    params["fixed_closed"] = int(st.closed.sum())
    params["fixed_open"] = int(st.opened.sum())
    iterations = 0
    if st.incumbent is not None and st.lagr_lb >= st.incumbent[1] and not st.strict:
        status, best, bound_int = SolveStatus.OPTIMAL, st.incumbent, st.incumbent[1]
    else:
        status, best, bound_int, iterations = _pm_residual(st, cp)
    params["iterations"] = iterations
    if best is None or not math.isfinite(best[1]):
        msg = ("no set of new sites reaches every demand point and meets the island minimums"
               if status == SolveStatus.INFEASIBLE else "no solution within the limits")
        res = _finish(pp, model_name=name, status=status, new_idx=None, objective=None,
                      bound=None, gap=None, shares=None, t0=t0, params=params, alternatives=[],
                      alt_complete=False, message=msg)
        return replace(res, search=cp.record(name, status, t0, nodes=st.nodes,
                                             node_limit=st.node_limit))
    chosen, true_int = best
    alts: list[list[int]] = []
    complete = False
    if status == SolveStatus.OPTIMAL:
        bound_int = true_int
        chosen, alts, complete = _pm_equal_optima(st, cp, pp, chosen, true_int, canon=canon,
                                                  max_alternatives=max_alternatives,
                                                  params=params)
    open_idx = np.array(sorted(set(st.ex.tolist()) | set(chosen)), dtype=np.int64)
    res = _finish(pp, model_name=name, status=status, new_idx=chosen,
                  objective=true_objective(open_idx, None), bound=bound_int * pp.res_w,
                  gap=_gap(true_int, bound_int), shares=None, t0=t0, params=params,
                  alternatives=alts, alt_complete=complete, assign_beyond=True)
    return replace(res, search=cp.record(name, status, t0, nodes=st.nodes,
                                         node_limit=st.node_limit))
