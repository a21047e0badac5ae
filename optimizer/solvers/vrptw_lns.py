# ruff: noqa: PLR1730  (explicit ifs instead of min()/max() in the hot loops: faster)
"""Ruin-and-recreate search for the VRPTW on the integer model (no OR-Tools).

The search works on the same *integer* model that :mod:`optimizer.solvers.ortools_vrptw` hands
to OR-Tools (:func:`build_model`): travel + service times rounded *up*, earliest window bounds
rounded up, latest rounded down, distances x ``distance_scale`` rounded. A route feasible in
these integers is feasible in exact arithmetic (its earliest-start schedule in seconds is never
later than the integer one), so every plan it returns passes
:func:`optimizer.problems.vrptw.check_vrptw`.

Method: SISR, "Slack Induction by String Removals" (Christiaens & Vanden Berghe 2020,
Transportation Science 54(2), 417-433):

* ruin - adjacent string removal: from a random seed customer, walk its nearest neighbours and
  remove one string (consecutive customers, length uniform in ``1 .. l_max``) from each route
  met, until ``k_s`` routes are ruined; with probability 1/2 a *split string* (a longer string of
  which a block of ``m`` consecutive customers is kept, ``m`` grown with probability
  ``1 - split_depth``). Paper parameters: average removed ``c_bar = 10``, ``L_max = 10``, split
  depth 0.01.
* recreate - greedy insertion with blinks: customers sorted random / largest demand / farthest /
  closest to the depot / narrowest window / earliest window start / latest window end
  (weights 4/4/2/1/1/1/1, :data:`ORDER_WEIGHTS`), each inserted at the cheapest feasible position, every
  position skipped with probability ``blink`` = 0.01; a customer that fits nowhere stays
  unassigned at a penalty above the cost of any route.
* route elimination (objective ``"vehicles_then_distance"`` and with fixed vehicle costs): with
  probability ``p_route`` a whole short route is removed as well, so a vehicle can disappear.
* acceptance - simulated annealing, temperature falling exponentially from ``t_start`` to
  ``t_end`` (multiples of the mean arc cost of the start plan) over the budget; the best plan
  is kept.

Feasibility of an insertion is tested in O(1) (Savelsbergh 1992, "The vehicle routing problem
with time windows: minimizing route duration", ORSA J. Computing 4(2)): per route the earliest
start of service ``E`` (forward) and the latest start ``L`` that keeps the rest of the route
feasible (backward); customer ``c`` fits between ``p`` and ``n`` iff
``a = max(lo_c, E_p + T[p, c]) <= hi_c`` and ``a + T[c, n] <= L_n``, plus the capacity. All
insertion positions of the plan are tested at once with numpy (one row per vehicle). A maximum
route duration is checked exactly on the chosen position (Savelsbergh's forward slack).
After an insertion the earliest starts are updated forward and the latest starts backward from
the new customer only, each stopping where the old value returns (Savelsbergh 1992, same
paper); on Solomon R201 this about doubled the iterations per second (360 -> 740 in one 8 s
run each on a loaded 2-core machine).

Engines: :func:`sisr_search` runs the search loop either compiled (``engine="jit"``, the
default when numba is installed: :mod:`optimizer.solvers._sisr_jit`, numba ``njit`` kernels
over the model's arrays, the whole ruin-recreate-accept iteration in machine code; numba is
imported only when a search runs) or in this module (``engine="python"``). Same method, same
parameters; the random streams differ, so one seed gives different (each reproducible) plans.
Measured in one run on Solomon, 3 s per instance, loaded 2-core machine: compiled
25,400-43,500 iterations/s, Python 1,700-3,000/s (BENCHMARKS.md, "SISR iterations per
second"). :func:`construct` stays in Python.
"""

from __future__ import annotations

import itertools
import math
import random
import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from optimizer.errors import InputError
from optimizer.problems.vrptw import VrptwProblem

__all__ = ["ENGINES", "ORDER_WEIGHTS", "LnsVrptwResult", "VrptwLnsModel", "build_model",
           "construct", "default_engine", "plan_cost", "route_feasible", "sisr_search", "warm_up"]

HUGE_T = 2**40
"""Integer stand-in for an infinite time (latest window bound, shift end)."""
_UNREACH = 2**42
"""Transit / cost of an unreachable arc: above every finite ``hi``, so never feasible."""
_BIGC = 2**62

ORDER_WEIGHTS = (4, 4, 2, 1, 1, 1, 1)
"""Weights of the recreate orders: 0 random, 1 largest demand first, 2 farthest from the
depot first, 3 closest first (Christiaens & Vanden Berghe 2020: 4/4/2/1), 4 narrowest time
window first, 5 earliest window start first, 6 latest window end first (the time-window orders
of SISR for the VRPTW, weight 1 each as in the open-source SISR of Pajersky, Sobotka & Rudova,
CPAIOR 2026, ``config.json``). Measured with the compiled engine, 120,000 iterations from our
construction, Solomon C101-RC201, seeds 0-2 (``python -m benchmarks.sisr_quality``): mean gap
0.285 % with the first four orders only, 0.247 % with all seven (RC101 0.98 -> 0.90 %, RC201
0.11 -> 0.16 %, R101 0.16 -> 0 %, R201 0.45 -> 0.42 %)."""


@dataclass(frozen=True)
class VrptwLnsModel:
    """Integer VRPTW model (internal node ``i`` = problem node ``nodes[i]``; depots first).

    Attributes
    ----------
    nodes
        ``(m,)`` problem node of each internal node.
    n_depots
        Internal nodes ``0 .. n_depots-1`` are depots; the others are the customers searched.
    transit
        ``(m, m)`` int64: ``ceil(service_i x ts) + ceil(t_ij x ts)``; unreachable = ``2**42``.
    cost
        ``(m, m)`` int64: ``rint(d_ij x ds)``; unreachable = ``2**42``.
    lo, hi
        ``(m,)`` int64 window on the start of service (``hi`` of an open window = ``2**40``).
    demand
        ``(m,)`` int64.
    v_start, v_end, v_lo, v_hi, v_cap, v_open, v_maxdur
        ``(K,)`` int64 per vehicle: internal start / end node, shift, capacity, cost of using it
        (fixed cost x ds, plus the vehicle weight of ``"vehicles_then_distance"``), maximum
        duration (``-1`` = none).
    penalty
        Cost of one unassigned customer (above any route's cost).
    time_scale, distance_scale
        Integer units per second and per metre.
    """

    nodes: np.ndarray
    n_depots: int
    transit: np.ndarray
    cost: np.ndarray
    lo: np.ndarray
    hi: np.ndarray
    demand: np.ndarray
    v_start: np.ndarray
    v_end: np.ndarray
    v_lo: np.ndarray
    v_hi: np.ndarray
    v_cap: np.ndarray
    v_open: np.ndarray
    v_maxdur: np.ndarray
    penalty: int
    time_scale: float
    distance_scale: float

    @property
    def n_vehicles(self) -> int:
        """Number of vehicles ``K``."""
        return len(self.v_start)


def _ceil(x: float, scale: float) -> int:
    return math.ceil(x * scale - 1e-6)


def _floor(x: float, scale: float) -> int:
    return HUGE_T if not math.isfinite(x) else min(HUGE_T, math.floor(x * scale + 1e-6))


def build_model(problem: VrptwProblem, active: Sequence[int], *, objective: str = "distance",
                distance_scale: float = 1.0, time_scale: float = 1.0) -> VrptwLnsModel:
    """Integer model of ``problem`` restricted to the customers ``active``.

    Rounding as in :mod:`optimizer.solvers.ortools_vrptw` (times up, earliest bounds up, latest
    bounds down), so a plan feasible here is feasible in exact arithmetic.

    Parameters
    ----------
    problem
        The instance (seconds, metres).
    active
        Problem nodes of the customers to route (usually those that can be served alone).
    objective
        ``"distance"`` or ``"vehicles_then_distance"`` (each vehicle then costs more than any
        distance saving: ``(n_customers + K + 1) x (longest arc + 1)``).
    distance_scale, time_scale
        Integer units per metre / per second.

    Returns
    -------
    VrptwLnsModel

    Raises
    ------
    optimizer.errors.InputError
        If a node of ``active`` is a depot or repeated, or the objective is unknown.
    """
    if objective not in ("distance", "vehicles_then_distance"):
        raise InputError(f"objective={objective!r}", field="objective")
    vehs = problem.vehicles
    depots = sorted({v.depot for v in vehs} | {v.end_depot for v in vehs})
    act = [int(c) for c in active]
    if len(set(act)) != len(act) or set(act) & set(depots):
        raise InputError("active customers repeated or containing a depot", field="active")
    nodes = np.asarray(depots + act, dtype=np.int64)
    pos = {int(nd): k for k, nd in enumerate(nodes)}
    tt = problem.travel_time_s[np.ix_(nodes, nodes)]
    dd = problem.distance_m[np.ix_(nodes, nodes)]
    fin = np.isfinite(tt)
    svc = problem.service_s[nodes]
    t_int = np.ceil(np.where(fin, tt, 0) * time_scale - 1e-6) + np.ceil(
        svc * time_scale - 1e-6)[:, None]
    transit = np.where(fin, t_int, _UNREACH).astype(np.int64)
    np.fill_diagonal(transit, 0)
    d_fin = np.rint(np.where(fin, dd, 0) * distance_scale).astype(np.int64)
    cost = np.where(fin, d_fin, _UNREACH).astype(np.int64)
    tw = problem.time_window_s[nodes]
    lo = np.array([_ceil(x, time_scale) for x in tw[:, 0]], dtype=np.int64)
    hi = np.array([_floor(x, time_scale) for x in tw[:, 1]], dtype=np.int64)
    max_d = int(d_fin.max()) if d_fin.size else 0
    big = (len(act) + len(vehs) + 1) * (max_d + 1) if objective == "vehicles_then_distance" else 0
    v_lo, v_hi, v_open, v_dur = [], [], [], []
    for k, v in enumerate(vehs):
        a, b = problem.shift(k)
        v_lo.append(_ceil(a, time_scale))
        v_hi.append(_floor(b, time_scale))
        v_open.append(round(v.fixed_cost_m * distance_scale) + big)
        v_dur.append(-1 if not math.isfinite(v.max_route_duration_s)
                     else _floor(v.max_route_duration_s, time_scale))
    penalty = 10 * (max(v_open, default=0) + 2 * max_d + 1)
    i64 = np.int64
    return VrptwLnsModel(
        nodes=nodes, n_depots=len(depots), transit=transit, cost=cost, lo=lo, hi=hi,
        demand=problem.demand[nodes].astype(i64),
        v_start=np.array([pos[v.depot] for v in vehs], dtype=i64),
        v_end=np.array([pos[v.end_depot] for v in vehs], dtype=i64),
        v_lo=np.array(v_lo, dtype=i64), v_hi=np.array(v_hi, dtype=i64),
        v_cap=np.array([v.capacity for v in vehs], dtype=i64),
        v_open=np.array(v_open, dtype=i64), v_maxdur=np.array(v_dur, dtype=i64),
        penalty=int(penalty), time_scale=time_scale, distance_scale=distance_scale)


def route_feasible(model: VrptwLnsModel, vehicle: int, seq: Sequence[int]) -> bool:
    """Whether internal customers ``seq`` in this order are feasible on ``vehicle`` (integers).

    Checks windows, shift, capacity and maximum duration (minimum duration: departure delayed
    by the forward slack, capped by the total waiting; Savelsbergh 1992).
    """
    T, lo, hi = model.transit, model.lo, model.hi
    k = vehicle
    t = int(model.v_lo[k])
    a = t
    prev = int(model.v_start[k])
    waited = 0
    slack = HUGE_T * 4
    load = 0
    for c in seq:
        arr = t + int(T[prev, c])
        t = max(arr, int(lo[c]))
        waited += t - arr
        if t > hi[c]:
            return False
        slack = min(slack, waited + int(hi[c]) - t)
        load += int(model.demand[c])
        prev = c
    end = t + int(T[prev, model.v_end[k]])
    if end > model.v_hi[k] or load > model.v_cap[k]:
        return False
    slack = min(slack, waited + int(model.v_hi[k]) - end)
    dmax = int(model.v_maxdur[k])
    return dmax < 0 or end - (a + max(0, min(slack, waited))) <= dmax


def plan_cost(model: VrptwLnsModel, routes: Sequence[Sequence[int]]) -> tuple[int, int] | None:
    """``(unassigned customers, integer cost without penalties)`` of a plan, or ``None`` if a
    route is infeasible or a customer repeated. ``routes[k]``: internal customers of vehicle
    ``k``; cost = arc costs + ``v_open`` of every used vehicle."""
    seen: set[int] = set()
    cost = 0
    C = model.cost
    for k, seq in enumerate(routes):
        seq = [int(c) for c in seq]
        if not seq:
            continue
        if set(seq) & seen or len(set(seq)) != len(seq) or not route_feasible(model, k, seq):
            return None
        seen.update(seq)
        path = [int(model.v_start[k]), *seq, int(model.v_end[k])]
        cost += int(sum(C[a, b] for a, b in itertools.pairwise(path)))
        cost += int(model.v_open[k])
    n_cust = len(model.nodes) - model.n_depots
    return n_cust - len(seen), cost


@dataclass(frozen=True)
class LnsVrptwResult:
    """Best plan of :func:`sisr_search` / :func:`construct`.

    ``routes[k]``: internal customer nodes of vehicle ``k`` in order; ``unassigned``: internal
    customers in no route; ``cost``: integer cost (arcs + vehicle costs + penalties);
    ``iterations``, ``improvements``: ruin-and-recreate rounds run and new best plans found.
    """

    routes: tuple[tuple[int, ...], ...]
    unassigned: tuple[int, ...]
    cost: int
    iterations: int = 0
    improvements: int = 0


class _Ctx:
    """Plain-list copies of the model (list indexing beats numpy scalars in loops)."""

    def __init__(self, m: VrptwLnsModel) -> None:
        self.m = m
        self.T = m.transit.tolist()
        self.C = m.cost.tolist()
        self.TT = np.ascontiguousarray(m.transit.T)
        self.CT = np.ascontiguousarray(m.cost.T)
        self.Tn, self.Cn = m.transit, m.cost
        self.lo = m.lo.tolist()
        self.hi = m.hi.tolist()
        self.q = m.demand.tolist()
        self.vs = m.v_start.tolist()
        self.ve = m.v_end.tolist()
        self.vlo = m.v_lo.tolist()
        self.vhi = m.v_hi.tolist()
        self.cap = m.v_cap.tolist()
        self.open = m.v_open.tolist()
        self.dur = m.v_maxdur.tolist()
        self.has_dur = any(d >= 0 for d in self.dur)
        self.K = m.n_vehicles
        self.customers = list(range(m.n_depots, len(m.nodes)))
        seen: dict[tuple, int] = {}
        self.vtype = []
        for k in range(self.K):
            key = (self.vs[k], self.ve[k], self.vlo[k], self.vhi[k], self.cap[k], self.open[k],
                   self.dur[k])
            self.vtype.append(seen.setdefault(key, len(seen)))
        self.n_types = len(seen)


class _Sol:
    """A plan with per-vehicle insertion rows: slot ``j`` of row ``k`` = the arc between
    position ``j`` and ``j + 1`` of ``[start] + route + [end]``. ``S[0..4]`` hold per slot the
    previous node ``P``, the next node ``N``, the earliest start at ``P``, the latest start at
    ``N`` and the arc cost ``P -> N``; unused slots have an earliest start above every bound.
    ``El, Ll, Dl`` hold the same earliest / latest starts and arc costs of each route as Python
    lists (replaced, never changed in place: copies may share them) for incremental updates."""

    def __init__(self, X: _Ctx, width: int) -> None:
        K = X.K
        self.X = X
        self.routes: list[list[int]] = [[] for _ in range(K)]
        self.load = [0] * K
        self.rcost = [0] * K
        self.width = width
        self.S = np.zeros((5, K, width), dtype=np.int64)
        self.S[2] = _UNREACH
        self.open = np.zeros((K, 1), dtype=np.int64)
        self.capleft = np.array(X.cap, dtype=np.int64)
        self.route_of = [-1] * len(X.T)
        self.unassigned: set[int] = set()
        self.nrows = K
        self.El: list[list[int]] = [[] for _ in range(K)]
        self.Ll: list[list[int]] = [[] for _ in range(K)]
        self.Dl: list[list[int]] = [[] for _ in range(K)]
        for k in range(K):
            self.set_route(k, [])

    def copy(self) -> _Sol:
        s = _Sol.__new__(_Sol)
        s.X = self.X
        s.routes = [r[:] for r in self.routes]
        s.load = self.load[:]
        s.rcost = self.rcost[:]
        s.width = self.width
        s.S = self.S.copy()
        s.open = self.open.copy()
        s.capleft = self.capleft.copy()
        s.route_of = self.route_of[:]
        s.unassigned = set(self.unassigned)
        s.nrows = self.nrows
        s.El, s.Ll, s.Dl = self.El[:], self.Ll[:], self.Dl[:]
        return s

    @property
    def cost(self) -> int:
        return sum(self.rcost) + self.X.m.penalty * len(self.unassigned)

    def _grow(self, need: int) -> None:
        w = max(need, 2 * self.width)
        new = np.zeros((5, self.X.K, w), dtype=np.int64)
        new[2] = _UNREACH
        new[:, :, :self.width] = self.S
        self.S = new
        self.width = w

    def set_route(self, k: int, seq: list[int]) -> bool:
        """Store ``seq`` as route ``k``; ``False`` (and nothing stored) if infeasible."""
        X = self.X
        T, lo, hi, C = X.T, X.lo, X.hi, X.C
        s, e = X.vs[k], X.ve[k]
        t = X.vlo[k]
        E = [t]
        D = []
        prev = s
        load = 0
        for c in seq:
            t += T[prev][c]
            if t < lo[c]:
                t = lo[c]
            if t > hi[c]:
                return False
            E.append(t)
            D.append(C[prev][c])
            load += X.q[c]
            prev = c
        if t + T[prev][e] > X.vhi[k] or load > X.cap[k]:
            return False
        if seq and X.dur[k] >= 0 and not route_feasible(X.m, k, seq):
            return False
        D.append(C[prev][e])
        m = len(seq)
        L = [0] * (m + 1)
        lx = X.vhi[k]
        L[m] = lx
        nxt = e
        for j in range(m - 1, -1, -1):
            c = seq[j]
            lx = lx - T[c][nxt]
            if lx > hi[c]:
                lx = hi[c]
            L[j] = lx
            nxt = c
        if m + 2 > self.width:
            self._grow(m + 2)
        ro = self.route_of
        for c in self.routes[k]:
            ro[c] = -1
        for c in seq:
            ro[c] = k
        self.routes[k] = seq
        self.load[k] = load
        self.capleft[k] = X.cap[k] - load
        self.rcost[k] = (sum(D) + X.open[k]) if seq else 0
        self.open[k, 0] = 0 if seq else X.open[k]
        row = self.S[:, k]
        row[:, :m + 1] = [[s, *seq], [*seq, e], E, L, D]
        row[2, m + 1:] = _UNREACH
        self.El[k], self.Ll[k], self.Dl[k] = E, L, D
        return True

    def disable_spare_empties(self) -> None:
        """Only one empty vehicle per type is offered to insertions (they are interchangeable);
        ``nrows`` = 1 + the last vehicle used or offered (rows beyond are not evaluated)."""
        X = self.X
        offered: set[int] = set()
        EP = self.S[2]
        last = 0
        for k in range(X.K):
            if self.routes[k]:
                last = k
                continue
            t = X.vtype[k]
            if t in offered:
                EP[k, 0] = _UNREACH
            else:
                EP[k, 0] = X.vlo[k]
                offered.add(t)
                last = k
        self.nrows = last + 1

    def best_insertion(self, c: int, rnd: random.Random | None, blink: float
                       ) -> tuple[int, int] | None:
        """Cheapest feasible (vehicle, position) for customer ``c`` or ``None``.

        Feasible iff ``max(E_p + T[p, c], lo_c) <= min(L_n - T[c, n], hi_c)`` and the load
        fits; each position is skipped with probability ``blink`` (SISR blinks).
        """
        X = self.X
        nr = self.nrows
        S = self.S[:, :nr]
        P, N = S[0], S[1]
        a = X.TT[c].take(P)
        a += S[2]
        np.maximum(a, X.lo[c], out=a)
        b = S[3] - X.Tn[c].take(N)
        np.minimum(b, X.hi[c], out=b)
        b[self.capleft[:nr] < X.q[c]] = -1
        delta = X.CT[c].take(P)
        delta += X.Cn[c].take(N)
        delta -= S[4]
        delta += self.open[:nr]
        delta[a > b] = _BIGC
        if blink > 0 and rnd is not None:
            size = delta.size
            nb = int(size * blink + rnd.random())
            if nb:
                flat = delta.reshape(-1)
                for _ in range(nb):
                    flat[int(rnd.random() * size)] = _BIGC
        while True:
            j = int(delta.argmin())
            if delta.flat[j] >= _BIGC:
                return None
            k, p = divmod(j, self.width)
            if not X.has_dur or X.dur[k] < 0:
                return k, p
            seq = self.routes[k]
            if route_feasible(X.m, k, [*seq[:p], c, *seq[p:]]):
                return k, p
            delta.flat[j] = _BIGC

    def insert(self, c: int, k: int, p: int) -> None:
        """Insert ``c`` at position ``p`` of route ``k`` (a position that passed the slack
        test of :meth:`best_insertion`). Into a non-empty route without a duration limit the
        schedule is updated incrementally: earliest starts forward from ``p`` and latest starts
        backward from ``p``, each stopping where the old value returns."""
        seq = self.routes[k]
        X = self.X
        if not seq or X.dur[k] >= 0:
            if not self.set_route(k, [*seq[:p], c, *seq[p:]]):  # pragma: no cover - defensive
                raise AssertionError("insertion passed the slack test but the route is "
                                     "infeasible")
            self.unassigned.discard(c)
            if len(seq) == 0:
                self.disable_spare_empties()
            return
        T, lo, hi, C = X.T, X.lo, X.hi, X.C
        m = len(seq)
        E0, L0, D0 = self.El[k], self.Ll[k], self.Dl[k]
        P = seq[p - 1] if p else X.vs[k]
        N = seq[p] if p < m else X.ve[k]
        new = seq[:p]
        new.append(c)
        new += seq[p:]
        # earliest starts: unchanged up to P; from c on until a value equals the old one
        t = E0[p] + T[P][c]
        if t < lo[c]:
            t = lo[c]
        E = E0[:p + 1]
        E.append(t)
        prev = c
        for j in range(p, m):
            x = seq[j]
            t += T[prev][x]
            if t < lo[x]:
                t = lo[x]
            E.append(t)
            if t == E0[j + 1]:
                E += E0[j + 2:]
                break
            prev = x
        # latest starts: unchanged from N on; backward from c until a value equals the old one
        lx = L0[p] - T[c][N]
        if lx > hi[c]:
            lx = hi[c]
        back = [lx]
        nxt = c
        j = p - 1
        while j >= 0:
            x = seq[j]
            lx = lx - T[x][nxt]
            if lx > hi[x]:
                lx = hi[x]
            if lx == L0[j]:
                break
            back.append(lx)
            nxt = x
            j -= 1
        back.reverse()
        L = L0[:j + 1] + back + L0[p:]
        dp, dn = C[P][c], C[c][N]
        D = D0[:p]
        D.append(dp)
        D.append(dn)
        D += D0[p + 1:]
        if m + 3 > self.width:
            self._grow(m + 3)
        self.route_of[c] = k
        self.routes[k] = new
        q = X.q[c]
        self.load[k] += q
        self.capleft[k] -= q
        self.rcost[k] += dp + dn - D0[p]
        row = self.S[:, k]
        row[:, :m + 2] = [[X.vs[k], *new], [*new, X.ve[k]], E, L, D]
        self.El[k], self.Ll[k], self.Dl[k] = E, L, D
        self.unassigned.discard(c)

    def remove(self, k: int, drop: set[int]) -> None:
        """Remove customers ``drop`` from route ``k`` (to ``unassigned``); if the shorter route
        is infeasible (travel times without the triangle inequality), the whole route goes."""
        seq = [c for c in self.routes[k] if c not in drop]
        removed = [c for c in self.routes[k] if c in drop]
        if not self.set_route(k, seq):
            removed = list(self.routes[k])
            self.set_route(k, [])
        self.unassigned.update(removed)
        if not self.routes[k]:
            # keep the used vehicles of a type packed at the lowest indices (fewer rows to test)
            X = self.X
            for k2 in range(X.K - 1, k, -1):
                if self.routes[k2] and X.vtype[k2] == X.vtype[k]:
                    seq2 = self.routes[k2]
                    self.set_route(k2, [])
                    self.set_route(k, seq2)
                    break
            self.disable_spare_empties()


def _recreate(sol: _Sol, rng: random.Random, *, blink: float, depot_dist: list[int],
              order: int | None = None) -> None:
    """Greedy insertion with blinks of the unassigned customers in ``order`` (``None``: drawn
    with :data:`ORDER_WEIGHTS`; the orders as in :data:`ORDER_WEIGHTS`)."""
    todo = list(sol.unassigned)
    rule = order if order is not None else rng.choices(range(len(ORDER_WEIGHTS)),
                                                       weights=ORDER_WEIGHTS)[0]
    X = sol.X
    if rule == 0:
        rng.shuffle(todo)
    elif rule == 1:
        rng.shuffle(todo)
        todo.sort(key=lambda c: -X.q[c])
    elif rule == 2:
        todo.sort(key=lambda c: -depot_dist[c])
    elif rule == 3:
        todo.sort(key=lambda c: depot_dist[c])
    elif rule == 4:
        todo.sort(key=lambda c: X.hi[c] - X.lo[c])
    elif rule == 5:
        todo.sort(key=lambda c: X.lo[c])
    else:
        todo.sort(key=lambda c: -X.hi[c])
    for c in todo:
        best = sol.best_insertion(c, rng, blink)
        if best is not None:
            sol.insert(c, *best)


def _sequential(sol: _Sol, depot_dist: list[int]) -> None:
    """Sequential cheapest insertion: open one route at a time with the farthest unrouted
    customer that fits, then insert the cheapest (customer, position) pair into that route
    until nothing fits. All pairs are tested at once with numpy; a customer that fits nowhere
    in the route is dropped from its candidates (insertions only tighten a route)."""
    X = sol.X
    U = sorted(sol.unassigned, key=lambda c: -depot_dist[c])
    Tn, TT, Cn, CT = X.Tn, X.TT, X.Cn, X.CT
    lo_all, hi_all, q_all = X.m.lo, X.m.hi, X.m.demand
    while U:
        ks = [k for k in range(X.K) if not sol.routes[k] and sol.S[2, k, 0] < _UNREACH]
        if not ks:
            return
        k = ks[0]
        for i, c in enumerate(U):
            if sol.set_route(k, [c]):
                sol.unassigned.discard(c)
                del U[i]
                break
        else:
            return  # nothing fits alone in this vehicle type (left unassigned)
        cand = np.asarray(U, dtype=np.int64)
        placed: set[int] = set()
        while cand.size:
            m = len(sol.routes[k])
            row = sol.S[:, k, :m + 1]
            P, N = row[0], row[1]
            a = Tn[P][:, cand]
            a += row[2][:, None]
            np.maximum(a, lo_all[cand], out=a)
            b = row[3][:, None] - TT[N][:, cand]
            np.minimum(b, hi_all[cand], out=b)
            ok = a <= b
            ok &= (q_all[cand] <= sol.capleft[k])[None, :]
            alive = ok.any(axis=0)
            if not alive.any():
                break
            if not alive.all():
                cand, ok = cand[alive], ok[:, alive]
                P_cost = Cn[P][:, cand] + CT[N][:, cand]
            else:
                P_cost = Cn[P][:, cand] + CT[N][:, cand]
            delta = P_cost - row[4][:, None]
            delta[~ok] = _BIGC
            found = None
            while True:
                j = int(delta.argmin())
                if delta.flat[j] >= _BIGC:
                    break
                p, i = divmod(j, cand.size)
                seq = sol.routes[k]
                if not X.has_dur or route_feasible(X.m, k, [*seq[:p], int(cand[i]), *seq[p:]]):
                    found = (p, i)
                    break
                delta.flat[j] = _BIGC
            if found is None:
                break
            p, i = found
            c = int(cand[i])
            sol.insert(c, k, p)
            placed.add(c)
            cand = np.delete(cand, i)
        U = [c for c in U if c not in placed]
        sol.disable_spare_empties()


def _ruin(sol: _Sol, rng: random.Random, adj: list[list[int]], *, c_bar: float,
          l_max: int, split_depth: float, p_route: float) -> None:
    served = [k for k, r in enumerate(sol.routes) if r]
    if not served:
        return
    n_served = sum(len(sol.routes[k]) for k in served)
    ls_max = min(float(l_max), n_served / len(served))
    ks_max = 4.0 * c_bar / (1.0 + ls_max) - 1.0
    ks = int(rng.random() * ks_max) + 1
    if p_route > 0 and len(served) > 1 and rng.random() < p_route:
        # route elimination: a short route goes whole (weight 1 / length)
        k = rng.choices(served, weights=[1.0 / len(sol.routes[k]) for k in served])[0]
        sol.remove(k, set(sol.routes[k]))
    ro = sol.route_of
    pool = [c for c in sol.X.customers if ro[c] >= 0]
    if not pool:
        return
    seed = pool[rng.randrange(len(pool))]
    ruined: set[int] = set()
    for c in adj[seed]:
        if len(ruined) >= ks:
            break
        k = ro[c]
        if k < 0 or k in ruined:
            continue
        t = sol.routes[k]
        n_t = len(t)
        lt_max = min(float(n_t), ls_max)
        ell = int(rng.random() * lt_max) + 1
        i = t.index(c)
        if ell >= n_t or rng.random() < 0.5:
            start = i - rng.randrange(ell) if ell > 1 else i
            start = max(0, min(start, n_t - ell))
            drop = set(t[start:start + ell])
        else:
            m = 1
            while ell + m < n_t and rng.random() > split_depth:
                m += 1
            span = ell + m
            start = i - rng.randrange(span)
            start = max(0, min(start, n_t - span))
            keep_at = rng.randrange(ell + 1)
            block = t[start:start + span]
            drop = set(block[:keep_at] + block[keep_at + m:])
        sol.remove(k, drop)
        ruined.add(k)


def _new_solution(X: _Ctx, routes: Sequence[Sequence[int]] | None) -> _Sol:
    width = 8
    if routes is not None:
        width = max(width, max((len(r) for r in routes), default=0) + 4)
    sol = _Sol(X, width)
    sol.unassigned = set(X.customers)
    if routes is not None:
        if len(routes) != X.K:
            raise InputError(f"{len(routes)} routes for {X.K} vehicles", field="routes")
        seen: set[int] = set()
        for k, r in enumerate(routes):
            r = [int(c) for c in r]
            if (set(r) & seen or len(set(r)) != len(r)
                    or any(c not in sol.unassigned for c in r)):
                raise InputError(f"route {k}: customer repeated or not a customer", field="routes")
            seen.update(r)
            if not sol.set_route(k, r) and r:  # (an empty route may be infeasible: the
                # vehicle cannot even drive from its start to its end depot in its shift)
                raise InputError(f"route {k} has an infeasible order", field="routes")
            sol.unassigned.difference_update(r)
    sol.disable_spare_empties()
    return sol


def _depot_dist(X: _Ctx) -> list[int]:
    # distance from the (first) start depot, for the recreate orders
    s = X.vs[0] if X.K else 0
    return [X.C[s][c] if X.C[s][c] < _UNREACH else 0 for c in range(len(X.C))]


def _result(sol: _Sol, it: int = 0, imp: int = 0) -> LnsVrptwResult:
    return LnsVrptwResult(routes=tuple(tuple(r) for r in sol.routes),
                          unassigned=tuple(sorted(sol.unassigned)), cost=int(sol.cost),
                          iterations=it, improvements=imp)


def construct(model: VrptwLnsModel, *, seed: int = 0, orders: Sequence[int] = (4, 2)
              ) -> LnsVrptwResult:
    """Greedy cheapest-insertion construction, best of several customer orders.

    Parameters
    ----------
    model
        The integer model.
    seed
        Seed for the random order.
    orders
        Constructions tried: parallel cheapest insertion in the order 0 random, 1 largest
        demand first, 2 farthest from the depot first, 3 closest first; 4 sequential cheapest
        insertion (one route at a time, seeded with the farthest customer; what is left is
        inserted farthest first). The plan with the fewest unassigned, then the lowest cost,
        wins.

    Returns
    -------
    LnsVrptwResult
        Every customer is in a route or in ``unassigned`` (no position fits it).
    """
    X = _Ctx(model)
    rng = random.Random(seed)
    dd = _depot_dist(X)
    best = None
    for o in orders:
        sol = _new_solution(X, None)
        if o == 4:
            _sequential(sol, dd)
        _recreate(sol, rng, blink=0.0, depot_dist=dd, order=o % 4)
        if best is None or (len(sol.unassigned), sol.cost) < (len(best.unassigned), best.cost):
            best = sol
    assert best is not None
    return _result(best)


def _neighbours(model: VrptwLnsModel, X: _Ctx) -> list[list[int]]:
    """Neighbours of each customer by cost (symmetrised), nearest first, itself first (at most
    200 per customer above 1,000 customers); empty lists for the depots."""
    n_cust = len(X.customers)
    cust = np.asarray(X.customers, dtype=np.int64)
    sym = np.minimum(model.cost[np.ix_(cust, cust)], model.cost[np.ix_(cust, cust)].T)
    order = np.argsort(sym, axis=1, kind="stable")
    keep = min(n_cust, 200) if n_cust > 1000 else n_cust
    adj: list[list[int]] = [[] for _ in range(len(X.T))]
    for r, c in enumerate(X.customers):
        row = cust[order[r, :keep]].tolist()
        if row[0] != c:
            row.remove(c) if c in row else row.pop()
            row.insert(0, c)
        adj[c] = row
    return adj


def sisr_search(model: VrptwLnsModel, routes: Sequence[Sequence[int]] | None = None, *,
                seed: int = 0, time_limit_s: float | None = None,
                max_iterations: int | None = None, c_bar: float = 10.0, l_max: int = 10,
                split_depth: float = 0.01, blink: float = 0.01, t_start: float | None = None,
                t_end: float | None = None, p_route: float | None = None,
                engine: str | None = None) -> LnsVrptwResult:
    """Improve a plan with SISR ruin and recreate (see the module docs).

    Parameters
    ----------
    model
        The integer model.
    routes
        Start plan, ``routes[k]`` internal customers of vehicle ``k`` (each feasible); ``None``
        = greedy :func:`construct`. Customers in no route are inserted when they fit.
    seed
        Random seed (same seed and ``max_iterations`` without a time limit = same plan).
    time_limit_s
        Wall-time budget in seconds (``None`` = no time limit).
    max_iterations
        Ruin-and-recreate rounds (``None`` = until the time limit).
    c_bar, l_max, split_depth, blink
        SISR parameters (Christiaens & Vanden Berghe 2020: 10, 10, 0.01, 0.01).
    t_start, t_end
        Start and end temperature of the simulated annealing as multiples of the mean arc cost
        of the start plan; ``None`` = 3 and 0.01 when vehicles cost nothing (distance
        objective), else 0.1 and 0.001 (vehicle objective: on 200-stop lunch rounds, 2 s, the
        hotter schedule was no better, 26-27 vs 26 couriers in two runs). The paper's 100 and 1 in Solomon distance units are
        about 6 and 0.06 mean arcs of a greedy R2 plan. Measured on Solomon at 8 s of SISR
        alone (one run each, loaded 2-core machine): the former 0.1 / 0.001 (nearly a descent)
        left R201 at 6 routes (+3.3 %), RC201 +1.9 %, C201 +6.4 %, R101 +0.9 %; 3 / 0.01 gave
        R201 +0.5-1.4 %, RC201 +1.1-2.4 %, C201 0 %, R101 0-0.3 %; 1.5 and 6 were no better.
    p_route
        Probability of also removing a whole short route; ``None`` = 0.2 when vehicles cost
        something (vehicle weight or fixed costs), else 0.
    engine
        ``"jit"`` (the search loop compiled with numba, :mod:`._sisr_jit`), ``"python"`` (this
        module's numpy/Python loop) or ``None`` = ``"jit"`` when numba is importable, else
        ``"python"``. Both run the same method; for one seed their plans differ (different
        random streams), each is reproducible.

    Returns
    -------
    LnsVrptwResult
        The best plan found (never worse than the start: fewer unassigned, then lower cost).
        With ``max_iterations`` the temperature follows the iteration count, so the same
        seed gives the same plan unless the time limit (then a safety cap) stops it first.

    Raises
    ------
    optimizer.errors.InputError
        If neither limit is given or a start route is infeasible or repeats a customer.
    """
    if time_limit_s is None and max_iterations is None:
        raise InputError("sisr_search needs time_limit_s or max_iterations", field="limits")
    t0 = time.perf_counter()
    engine = default_engine() if engine is None else engine
    if engine not in ENGINES:
        raise InputError(f"engine={engine!r}; expected one of {ENGINES}", field="engine")
    X = _Ctx(model)
    rng = random.Random(seed)
    dd = _depot_dist(X)
    if routes is None:
        routes = construct(model, seed=seed).routes
    cur = _new_solution(X, routes)
    vehicles_cost = any(o > 0 for o in X.open)
    if p_route is None:
        p_route = 0.2 if vehicles_cost else 0.0
    if t_start is None:
        t_start = 0.1 if vehicles_cost else 3.0
    if t_end is None:
        t_end = 0.001 if vehicles_cost else 0.01
    if engine == "jit":
        return _sisr_compiled(model, X, cur, dd, seed=seed, time_limit_s=time_limit_s,
                              max_iterations=max_iterations, c_bar=c_bar, l_max=l_max,
                              split_depth=split_depth, blink=blink, t_start=t_start,
                              t_end=t_end, p_route=p_route, t0=t0)
    if cur.unassigned:
        _recreate(cur, rng, blink=0.0, depot_dist=dd, order=2)
    n_cust = len(X.customers)
    best = cur.copy()
    best_cost = best.cost
    if n_cust == 0:
        return _result(best)
    arcs = sum(len(r) + 1 for r in cur.routes if r)
    mean_arc = sum(cur.rcost[k] - X.open[k] for k in range(X.K) if cur.routes[k]) / max(1, arcs)
    temp0 = max(1e-9, t_start * mean_arc)
    temp1 = max(1e-12, min(temp0, t_end * mean_arc))
    adj = _neighbours(model, X)
    it = imp = 0
    cur_cost = cur.cost
    log_ratio = math.log(temp1 / temp0)
    while True:
        if max_iterations is not None and it >= max_iterations:
            break
        if time_limit_s is not None:
            elapsed = time.perf_counter() - t0
            if elapsed >= time_limit_s:
                break
        # the iteration count sets the temperature when given (reproducible plans; the time
        # limit is then only a safety cap)
        frac = (it / max_iterations if max_iterations is not None
                else elapsed / time_limit_s)  # type: ignore[operator]
        temp = temp0 * math.exp(log_ratio * min(1.0, frac))
        cand = cur.copy()
        _ruin(cand, rng, adj, c_bar=c_bar, l_max=l_max, split_depth=split_depth,
              p_route=p_route)
        _recreate(cand, rng, blink=blink, depot_dist=dd)
        it += 1
        c_new = cand.cost
        if c_new < best_cost:
            best, best_cost = cand.copy(), c_new
            imp += 1
        if c_new < cur_cost - temp * math.log(1.0 - rng.random()):
            cur, cur_cost = cand, c_new
    return _result(best, it, imp)


ENGINES = ("jit", "python")
"""Engines of :func:`sisr_search`."""


def default_engine() -> str:
    """``"jit"`` when numba is importable, else ``"python"``."""
    try:
        import numba  # noqa: F401
    except ImportError:  # pragma: no cover - numba is a dependency
        return "python"
    return "jit"


def warm_up(engine: str | None = None) -> float:
    """Load the compiled engine's kernels (compile them on a machine's first use; numba keeps
    them under ``__pycache__``); returns the seconds it took, 0 for the Python engine or once
    warm. :func:`optimizer.solvers.ortools_vrptw.solve_vrptw` calls it before starting its
    clock, so loading or compiling never counts against a search's budget."""
    if (default_engine() if engine is None else engine) != "jit":
        return 0.0
    from optimizer.solvers import _sisr_jit

    return _sisr_jit.warm_up()


def _sisr_compiled(model: VrptwLnsModel, X: _Ctx, cur: _Sol, dd: list[int], *, seed: int,
                   time_limit_s: float | None, max_iterations: int | None, t0: float,
                   **params) -> LnsVrptwResult:
    """:func:`sisr_search` on the compiled engine (numba imported here, lazily)."""
    from optimizer.solvers import _sisr_jit

    M = _sisr_jit.model_arrays(model, _neighbours(model, X), dd, X.vtype)
    routes, cost, it, imp = _sisr_jit.search(M, cur.routes, seed=seed,
                                             time_limit_s=time_limit_s,
                                             max_iterations=max_iterations, t0=t0, **params)
    routed = {c for r in routes for c in r}
    return LnsVrptwResult(routes=tuple(tuple(r) for r in routes),
                          unassigned=tuple(c for c in X.customers if c not in routed),
                          cost=int(cost), iterations=it, improvements=imp)
