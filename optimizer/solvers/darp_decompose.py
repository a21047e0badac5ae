"""Large dial-a-ride days solved in parts: island groups, time bands, repair across the cut.

Why
---
One search over a whole large day does not hold its limit and can serve *fewer* rides with
more data: at 10 x the Putuo patients (1,449 legs in the model, 10 vehicles) the construction
alone took 73 s of a 10 s limit and the plan served 78 trips, fewer than at 1 x (the work
limits of :func:`~optimizer.solvers.ortools_routing.work_limits` then fell like ``R ** -1.5``
and the OR-Tools construction grows faster than that; our search now counts its own work, but
the OR-Tools construction and guided local search still grow with the model). Parts of about :data:`PART_REQUESTS` requests
keep every search in the size range its rates were measured on.

Method
------
1. **Island groups.** Requests and vehicles are joined when the vehicle may serve the request
   (eligibility, capacities) and reaches its pickup from the base and its base from the
   drop-off (finite travel times). The connected components are independent problems (no
   vehicle can serve two of them), solved one after the other, the smallest first.
2. **Time bands.** A group with more than ``part_requests`` requests is cut into
   ``ceil(R / part_requests)`` bands of consecutive requests in the order of their *key* (the
   latest drop-off when it is bounded, else the earliest pickup plus boarding and the direct
   ride: when the passenger arrives); each cut is moved to the largest gap between keys within
   a quarter band of the equal-count cut, so the dialysis shifts (arrivals before 07:30, home
   after 11:30, ...) fall apart where they naturally do.
3. **Bands in order, vehicles carried over.** Band ``b`` is a DARP of its requests with every
   vehicle of the group whose shift is not over: a vehicle used in an earlier band starts at
   the end of its earlier route (its end node, at the time it got there), with what is left of
   its maximum route duration. Each part is solved by
   :func:`~optimizer.solvers.ortools_routing.solve_darp` (construction portfolio, ruin and
   recreate, guided local search) with a share of the budget proportional to its requests.
4. **Repair across the cut.** The requests a band leaves unserved are carried into the next
   band's part (while their windows are still open), where the search inserts them into any
   vehicle's route with its insertion operators. What is left at the end is tried, request by
   request in key order, in every idle gap of every vehicle's assembled day (between two stops
   with nobody on board; the rest of the route keeps its times, so the test is exact).
5. **Assembly.** Each vehicle's band routes are joined in time order (the stops keep their
   service times; with shortest-path travel times the joined route arrives no later, so it
   stays feasible); :func:`optimizer.solvers.checker.check_darp` verifies the plan in the
   caller (the dialysis planner does).

More vehicles never serve fewer
-------------------------------
With ``base_vehicles`` (e.g. the fleet before a scenario's extra vehicles) the solve first plans
with the base fleet alone (``base_share`` of the budget), then with the whole fleet (the rest),
and keeps the plan serving more requests (then the cheaper): the plan with more vehicles is
never worse than the plan of :func:`solve_decomposed` on the base fleet with
``time_limit_s x base_share`` (the same call, so the same plan in work mode).

Budget
------
Time mode (``deterministic=False``): each part gets its share of the wall time *left* (less
:data:`TAIL_SHARE` for the repair and assembly), so the whole solve ends near ``time_limit_s``.
Work mode: each part's work limits are derived from its share of ``time_limit_s`` (the rates
are calibrated on the reference machine, so the parts together take about ``time_limit_s``
there); the safety cap is what is left of the whole solve's ``wall_clock_cap_s``. Parts run one search each (``searches=1``): the parts
replace the portfolio. The side-by-side parts of a band are independent and run on ``workers``
processes at once (started once per solve); like the portfolio, this changes the wall time,
never a work-limited plan. In time mode such a part may take ``workers`` times its share.
"""

from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from optimizer.errors import InputError
from optimizer.problems.darp import (
    DarpProblem,
    DarpResult,
    Request,
    Route,
    SolveStatus,
    Stop,
    Unserved,
    UnservedReason,
    Vehicle,
)
from optimizer.results import SearchRecord, StopCause

__all__ = ["BAND_GAP_S", "DECOMPOSE_ABOVE_REQUESTS", "PART_REQUESTS", "island_groups",
           "solve_decomposed", "split_by_place", "time_bands"]

DECOMPOSE_ABOVE_REQUESTS = 300
"""Default size (requests in the DARP) above which a day is solved in parts. The Putuo baseline
day has 152 legs (``BENCHMARKS.md``), so its plan is unchanged; the 3 x day has 434."""

PART_REQUESTS = 120
"""Default target requests per part: the single solve holds its limit up to about this size
(the OR-Tools construction and guided-local-search rates of
:mod:`optimizer.solvers.ortools_routing` were measured at 16-152 requests)."""

BAND_GAP_S = 1200.0
"""Default gap (seconds) between the arrival times of consecutive requests that ends a time band
(20 min: the Putuo day's four groups, arrivals for the 07:30 and 12:00 sessions and the rides
home after them, are separated by more, the requests within a group by less)."""

PART_WORK_SCALE = 1.1
"""Work mode: a part's work limits are those of ``PART_WORK_SCALE x`` its wall-time share (see
:meth:`_Budget.band`). The whole solve's rates are calibrated for its two searches side by side
(:data:`optimizer.solvers.ortools_routing.DARP_LNS_WORK_PER_S`); a part runs one search, which
then runs faster per unit of work. Calibrated on the quiet reference machine (2026-12-04) so
that the 3 x and 10 x days end near ``time_limit_s``: without the side-by-side rule and at a
scale of 1 they took 7.3 and 6.3 s of 10 s; at 1.5, 9.1-9.7 s and 7.8-8.0 s. Command:
``python -m benchmarks.run_darp_scale /tmp/scale/k3/scenario.yaml /tmp/scale/k10/scenario.yaml
--stop work`` (BENCHMARKS.md)."""

REF_PROCESSES = 2
"""Work mode: processes of the reference machine (2 cores), on which the side-by-side parts of a
band run at the same time. A constant, not ``workers``: a work-limited plan must not depend on
the machine, only its wall time does."""

TAIL_SHARE = 0.05
"""Time mode: share of ``time_limit_s`` kept for the repair after the parts and the assembly
(the parts share the rest)."""

TIME_MODE_FIRST = ("LOCAL_CHEAPEST_INSERTION",)
"""Time mode: the one construction of a part. A part may get a fraction of a second on a loaded
machine; split four ways (the whole solve's portfolio) no construction finished and the part
served nobody (10 x day, load average 8-10). Local cheapest insertion always found a first
plan in the project's solver notes."""

_EPS = 1e-6


# ----------------------------------------------------------------------------- structure
def island_groups(problem: DarpProblem) -> list[tuple[list[int], list[int]]]:
    """Independent parts of a DARP: ``(request positions, vehicle positions)`` per group.

    A request and a vehicle are joined when the vehicle may serve it
    (:meth:`DarpProblem.is_eligible`) and the travel times from the vehicle's start to the
    pickup and from the drop-off to the vehicle's end are finite. Requests no vehicle can
    serve form groups without vehicles.

    Returns
    -------
    list of (list of int, list of int)
        Groups in the order of their first request; positions ascending.
    """
    nr, nv = len(problem.requests), len(problem.vehicles)
    parent = list(range(nr + nv))

    def find(a: int) -> int:
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    tt = problem.travel_time_s
    starts = np.array([v.start_node for v in problem.vehicles], dtype=int)
    ends = np.array([v.end_node for v in problem.vehicles], dtype=int)
    for i, r in enumerate(problem.requests):
        reach = np.isfinite(tt[starts, r.pickup_node]) & np.isfinite(tt[r.delivery_node, ends])
        for k in np.flatnonzero(reach):
            if problem.is_eligible(i, int(k)):
                a, b = find(i), find(nr + int(k))
                if a != b:
                    parent[max(a, b)] = min(a, b)
    groups: dict[int, tuple[list[int], list[int]]] = {}
    for x in range(nr + nv):
        g = groups.setdefault(find(x), ([], []))
        (g[0] if x < nr else g[1]).append(x if x < nr else x - nr)
    return [g for g in groups.values() if g[0]]


def _key(problem: DarpProblem, i: int) -> float:
    """When the passenger of request ``i`` arrives: the latest drop-off when bounded, else the
    earliest pickup + boarding + the direct ride (seconds)."""
    r = problem.requests[i]
    ld = r.delivery_window_s[1]
    if math.isfinite(ld):
        return float(ld)
    direct = float(problem.travel_time_s[r.pickup_node, r.delivery_node])
    return float(r.pickup_window_s[0]) + r.pickup_service_s + (direct if math.isfinite(direct)
                                                               else 0.0)


def time_bands(problem: DarpProblem, requests: Sequence[int], part_requests: int, *,
               gap_s: float | None = None) -> list[list[int]]:
    """Cut ``requests`` into time bands (module docs, step 2).

    Requests are ordered by key (when the passenger arrives); a band ends where two
    consecutive keys are more than ``gap_s`` apart (default :data:`BAND_GAP_S`), and
    consecutive bands are merged while together they hold at most ``part_requests``.

    Returns
    -------
    list of list of int
        Bands in time order; each in key order (ties by position).
    """
    gap = BAND_GAP_S if gap_s is None else float(gap_s)
    order = sorted(requests, key=lambda i: (_key(problem, i), i))
    bands: list[list[int]] = []
    prev = -math.inf
    for i in order:
        k = _key(problem, i)
        if not bands or k - prev > gap:
            bands.append([])
        bands[-1].append(i)
        prev = k
    merged: list[list[int]] = []
    for b in bands:
        if merged and len(merged[-1]) + len(b) <= part_requests:
            merged[-1].extend(b)
        else:
            merged.append(list(b))
    return merged


def _location(problem: DarpProblem, reqs: Sequence[int]) -> dict[int, int]:
    """Where each request is, for the split by place: the one of its two nodes that fewer
    requests of ``reqs`` share (the home, not the dialysis unit)."""
    count: dict[int, int] = {}
    for i in reqs:
        r = problem.requests[i]
        for n in (r.pickup_node, r.delivery_node):
            count[n] = count.get(n, 0) + 1
    out = {}
    for i in reqs:
        r = problem.requests[i]
        out[i] = (r.pickup_node if count[r.pickup_node] <= count[r.delivery_node]
                  else r.delivery_node)
    return out


def split_by_place(problem: DarpProblem, reqs: Sequence[int], nodes_of_vehicles: Sequence[int],
                   n_parts: int) -> list[tuple[list[int], list[int]]]:
    """Split a band into ``n_parts`` parts side by side: ``(requests, vehicle slots)`` each.

    A sweep: requests and vehicles are ordered by the travel time from a reference place (the
    request place farthest from the place most requests share), cut into parts of equal request
    counts, and the vehicles shared out in the same order in proportion (at least one each), so
    each part's vehicles are near its requests.

    Parameters
    ----------
    problem
        The instance.
    reqs
        Request positions of the band.
    nodes_of_vehicles
        Where each vehicle of the band is (node numbers); the returned slots index this list.
    n_parts
        Parts wanted (at most the number of vehicles).

    Returns
    -------
    list of (list of int, list of int)
    """
    from optimizer.apportion import largest_remainder

    n_parts = max(1, min(n_parts, len(nodes_of_vehicles), len(reqs)))
    if n_parts == 1:
        return [(list(reqs), list(range(len(nodes_of_vehicles))))]
    tt = problem.travel_time_s
    loc = _location(problem, reqs)
    hub = max(sorted(set(loc.values())), key=lambda n: sum(1 for x in loc.values() if x == n))
    far = [loc[i] for i in reqs]
    ref = max(sorted(set(far)), key=lambda n: (_finite(tt[hub, n]) + _finite(tt[n, hub])))

    def sweep(n: int) -> float:
        return _finite(tt[ref, n])

    order = sorted(reqs, key=lambda i: (sweep(loc[i]), _key(problem, i), i))
    cuts = [round(p * len(order) / n_parts) for p in range(n_parts + 1)]
    parts = [order[a:b] for a, b in zip(cuts, cuts[1:])]
    vorder = sorted(range(len(nodes_of_vehicles)),
                    key=lambda k: (sweep(nodes_of_vehicles[k]), k))
    extra = len(vorder) - n_parts
    share = largest_remainder(np.array([len(p) for p in parts], dtype=float), extra) + 1
    out, at = [], 0
    for p, n in zip(parts, share):
        out.append((p, vorder[at:at + int(n)]))
        at += int(n)
    return out


def _finite(x: float) -> float:
    return float(x) if math.isfinite(x) else 1e12


# ----------------------------------------------------------------------------- sub-problems
@dataclass
class _VehicleState:
    """Where a vehicle is after the bands planned so far."""

    position: int  # vehicle position in the full problem
    node: int  # where it is free (its start node, then the end node of its last route)
    free_s: float  # from when
    first_s: float | None = None  # departure of its first route (route duration)
    stops: list[Stop] = dataclasses.field(default_factory=list)  # request stops so far


def _subproblem(problem: DarpProblem, reqs: Sequence[int], states: Sequence[_VehicleState]
                ) -> tuple[DarpProblem, np.ndarray]:
    """The DARP of ``reqs`` with the vehicles as they are now, on the nodes it uses only
    (returns the problem and its nodes' numbers in ``problem``)."""
    vehs = problem.vehicles
    nodes = sorted({n for i in reqs for n in (problem.requests[i].pickup_node,
                                              problem.requests[i].delivery_node)}
                   | {s.node for s in states} | {vehs[s.position].end_node for s in states})
    idx = {n: j for j, n in enumerate(nodes)}
    sel = np.array(nodes, dtype=int)
    tt = problem.travel_time_s[np.ix_(sel, sel)]
    cost = np.asarray(problem.cost)[np.ix_(sel, sel)]
    ids = {vehs[s.position].vehicle_id for s in states}
    new_v = []
    for s in states:
        v = vehs[s.position]
        dur = v.max_route_duration_s
        if s.first_s is not None and math.isfinite(dur):
            dur = max(0.0, dur - (s.free_s - s.first_s))
        new_v.append(Vehicle(v.vehicle_id, idx[s.node], idx[v.end_node],
                             (max(v.shift_s[0], s.free_s), v.shift_s[1]), seats=v.seats,
                             wheelchair_places=v.wheelchair_places, max_route_duration_s=dur))
    new_r = []
    for i in reqs:
        r = problem.requests[i]
        elig = None if r.eligible_vehicles is None else frozenset(r.eligible_vehicles & ids)
        new_r.append(dataclasses.replace(r, pickup_node=idx[r.pickup_node],
                                         delivery_node=idx[r.delivery_node],
                                         eligible_vehicles=elig))
    labels = (None if problem.node_labels is None
              else tuple(problem.node_labels[n] for n in nodes))
    sub = DarpProblem(tt, tuple(new_r), tuple(new_v), cost=cost, node_labels=labels,
                      cost_unit=problem.cost_unit, name=problem.name, source=problem.source)
    return sub, sel


def _open_after(problem: DarpProblem, i: int, t_s: float) -> bool:
    """Whether request ``i`` can still be picked up at or after ``t_s`` (its latest pickup, or
    its latest drop-off, is later)."""
    r = problem.requests[i]
    return r.pickup_window_s[1] >= t_s and r.delivery_window_s[1] >= t_s


# ----------------------------------------------------------------------------- the solve
@dataclass
class _Budget:
    """The budget of the parts (module docs, "Budget")."""

    prm: object  # SolveParams
    t0: float
    total_requests: int
    left_requests: int = 0

    def band(self, n_new: int, sizes: Sequence[int], processes: int) -> list[object]:
        """The :class:`SolveParams` of the side-by-side parts of a band with ``n_new`` new
        requests (parts of ``sizes`` requests, carried ones included, solved on ``processes``
        processes).

        Work mode: part ``p`` has the work of :data:`PART_WORK_SCALE` x its share ``n_new x
        sizes[p] / sum(sizes)`` of the requests x ``parts / ceil(parts /``
        :data:`REF_PROCESSES` ``)`` (side-by-side parts run at the same time on the reference
        machine, so the band's wall time stays its share; independent of ``processes``). Time mode: the band gets its share of the
        time left, ``n_new`` of the requests left; its parts run in ``ceil(parts /
        processes)`` waves, each wave the band's time over the number of waves."""
        prm = self.prm
        total = max(1, sum(sizes))
        shares = [n_new * n / total for n in sizes]
        if prm.deterministic:  # the safety cap: what is left of the whole solve's
            cap = max(0.5, prm.cap_s - (time.perf_counter() - self.t0))
            side = len(sizes) / math.ceil(len(sizes) / REF_PROCESSES)
            out = [dataclasses.replace(prm, time_limit_s=max(
                0.05, PART_WORK_SCALE * side * prm.time_limit_s * sh
                / max(1, self.total_requests)),
                wall_clock_cap_s=cap, searches=1, workers=1) for sh in shares]
        else:
            left = prm.time_limit_s * (1.0 - TAIL_SHARE) - (time.perf_counter() - self.t0)
            band_s = left * min(1.0, n_new / max(1, self.left_requests))
            waves = math.ceil(len(sizes) / max(1, min(processes, len(sizes))))
            t = max(0.2, band_s / waves)
            out = [dataclasses.replace(prm, time_limit_s=t, searches=1, workers=1,
                                       first_solution_strategies=TIME_MODE_FIRST,
                                       construction_share=0.25) for _ in sizes]
        self.left_requests -= n_new
        return out


def _apply(problem: DarpProblem, reqs: list[int], live: list[_VehicleState], nodes: np.ndarray,
           res: DarpResult) -> list[int]:
    """Append a part's routes to its vehicles' days; return the requests it left unserved."""
    by_id = {problem.vehicles[s.position].vehicle_id: s for s in live}
    for rt in res.routes:
        s = by_id[rt.vehicle_id]
        if s.first_s is None:
            s.first_s = rt.stops[0].departure_s
        s.stops.extend(dataclasses.replace(st, node=int(nodes[st.node]))
                       for st in rt.stops[1:-1])
        end = rt.stops[-1]
        s.node, s.free_s = int(nodes[end.node]), float(end.arrival_s)
    pos = {problem.requests[i].request_id: i for i in reqs}
    return [pos[u.request_id] for u in res.unserved]


def _solve_part(sub: DarpProblem, prm: object, end_epoch: float | None) -> DarpResult:
    """:func:`~optimizer.solvers.ortools_routing.solve_darp` of one part; in time mode its time
    limit is cut to what is left before ``end_epoch`` (a part that waited for a worker does not
    run late)."""
    from optimizer.solvers.ortools_routing import solve_darp

    if end_epoch is not None and not prm.deterministic:
        prm = dataclasses.replace(prm, time_limit_s=max(0.05, min(prm.time_limit_s,
                                                                  end_epoch - time.time())))
    return solve_darp(sub, prm)


def _warm() -> None:
    """Import the solver in a worker process (before its first part arrives)."""
    import optimizer.solvers.ortools_routing  # noqa: F401


class _Runner:
    """Solves the side-by-side parts of a band, on ``processes`` processes when more than one
    (the parts are independent: their vehicles differ; a work-limited part gives the same plan
    in any process). The worker processes are ``spawn``-ed once, on first use."""

    def __init__(self, processes: int) -> None:
        self.processes = max(1, int(processes))
        self._pool = None
        if self.processes > 1:  # start the workers now: they import while the first band runs
            self._start()
            for _ in range(self.processes):
                self._pool.submit(_warm)

    def _start(self) -> None:
        import multiprocessing as mp
        from concurrent.futures import ProcessPoolExecutor

        self._pool = ProcessPoolExecutor(max_workers=self.processes,
                                         mp_context=mp.get_context("spawn"))

    def solve(self, calls: list[tuple[DarpProblem, object]], end_epoch: float | None = None
              ) -> list[DarpResult]:
        """Solve the parts; time mode: none runs past ``end_epoch`` (``time.time()``)."""
        if self.processes == 1 or len(calls) == 1:
            return [_solve_part(sub, prm, end_epoch) for sub, prm in calls]
        if self._pool is None:
            self._start()
        futures = [self._pool.submit(_solve_part, sub, prm, end_epoch) for sub, prm in calls]
        return [f.result() for f in futures]

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)  # the workers exit alone
            self._pool = None


def _solve_split_band(problem: DarpProblem, model: list[int], n_new: int,
                      states: list[_VehicleState], part_requests: int, budget: _Budget,
                      records: list[SearchRecord], runner: _Runner,
                      dropped: set[int]) -> list[int]:
    """One band: split by place when larger than ``part_requests`` (side by side, vehicles
    shared out), the parts solved (at once when there are processes); returns the requests
    left unserved."""
    live = [s for s in states if s.free_s < problem.vehicles[s.position].shift_s[1]]
    if not live:
        budget.left_requests -= n_new
        return list(model)
    n_parts = math.ceil(len(model) / part_requests)
    parts = split_by_place(problem, model, [s.node for s in live], n_parts)
    prms = budget.band(n_new, [len(reqs) for reqs, _ in parts], runner.processes)
    calls, prepared = [], []
    for (reqs, slots), prm in zip(parts, prms):
        mine = [live[k] for k in slots]
        sub, nodes = _subproblem(problem, reqs, mine)
        calls.append((sub, prm))
        prepared.append((reqs, mine, nodes))
    unserved: list[int] = []
    end = None if budget.prm.deterministic else time.time() + max(p.time_limit_s for p in prms) \
        * math.ceil(len(calls) / max(1, min(runner.processes, len(calls))))
    for (reqs, mine, nodes), res in zip(prepared, runner.solve(calls, end)):
        records.append(res.search)
        unserved.extend(_apply(problem, reqs, mine, nodes, res))
        pos = {problem.requests[i].request_id: i for i in reqs}
        dropped.update(pos[u.request_id] for u in res.unserved
                       if u.reason is UnservedReason.DROPPED_BY_SEARCH)
    return unserved


def _decompose(problem: DarpProblem, prm: object, part_requests: int, t0: float,
               runner: _Runner
               ) -> tuple[list[_VehicleState], list[int], list[SearchRecord], set[int]]:
    """Steps 1-4 of the module docs: the vehicles' days, the requests left and the parts'
    search records."""
    states = [_VehicleState(k, v.start_node, float(v.shift_s[0]))
              for k, v in enumerate(problem.vehicles)]
    budget = _Budget(prm, t0, len(problem.requests), len(problem.requests))
    left: list[int] = []
    records: list[SearchRecord] = []
    dropped: set[int] = set()  # left by a part's search: servable alone
    for reqs, vks in sorted(island_groups(problem), key=lambda g: (len(g[0]), g[0][0])):
        if not vks:  # smallest groups first: in time mode the largest takes up any slack
            left.extend(reqs)
            budget.left_requests -= len(reqs)
            continue
        carry: list[int] = []
        for band in time_bands(problem, reqs, part_requests):
            model = sorted(carry + band, key=lambda i: (_key(problem, i), i))
            unserved = _solve_split_band(problem, model, len(band), [states[k] for k in vks],
                                         part_requests, budget, records, runner, dropped)
            t_next = min((states[k].free_s for k in vks), default=math.inf)
            carry = [i for i in unserved if _open_after(problem, i, t_next)]
            kept = set(carry)
            left.extend(i for i in unserved if i not in kept)
        left.extend(carry)
    return states, left, records, dropped


def _gap_insert(problem: DarpProblem, states: list[_VehicleState], left: list[int],
                end_s: float | None = None) -> list[int]:
    """Step 4's last pass: each request left (in key order) into the first idle gap of a
    vehicle's day where it fits without moving any other stop (an exact test); returns the
    requests still left. Time mode: stops at ``end_s`` (``time.perf_counter()`` seconds)."""
    tt = problem.travel_time_s
    still = []
    for n, i in enumerate(sorted(left, key=lambda j: (_key(problem, j), j))):
        if end_s is not None and n % 16 == 0 and time.perf_counter() > end_s:
            still.extend(sorted(left, key=lambda j: (_key(problem, j), j))[n:])
            break
        r = problem.requests[i]
        for s in states:
            v = problem.vehicles[s.position]
            if (math.isfinite(tt[v.start_node, r.pickup_node]) and problem.is_eligible(
                    i, s.position) and _try_gap(problem, tt, r, i, s)):
                break
        else:
            still.append(i)
    return still


def _try_gap(problem: DarpProblem, tt: np.ndarray, r: Request, i: int, s: _VehicleState
             ) -> bool:
    """Insert request ``i`` as a direct ride into an idle gap of ``s`` (nobody on board), the
    other stops keeping their times; ``True`` if done."""
    v = problem.vehicles[s.position]
    if math.isfinite(v.max_route_duration_s):
        return False  # the duration of the day would change: left to the band solves
    lim = float(problem.max_ride_s[i])
    seq = s.stops
    for g in range(len(seq) + 1):
        if g > 0 and (seq[g - 1].seats_on_board or seq[g - 1].wheelchairs_on_board):
            continue
        prev_node = v.start_node if g == 0 else seq[g - 1].node
        prev_dep = v.shift_s[0] if g == 0 else seq[g - 1].departure_s
        nxt_node = v.end_node if g == len(seq) else seq[g].node
        nxt_start = v.shift_s[1] if g == len(seq) else seq[g].start_s
        p_start = max(r.pickup_window_s[0], prev_dep + tt[prev_node, r.pickup_node])
        if p_start > r.pickup_window_s[1] + _EPS:
            continue
        d_arr = p_start + r.pickup_service_s + tt[r.pickup_node, r.delivery_node]
        d_start = max(r.delivery_window_s[0], d_arr)
        if d_start > r.delivery_window_s[1] + _EPS or d_start - p_start > lim + \
                r.pickup_service_s + _EPS:
            continue
        d_dep = d_start + r.delivery_service_s
        if d_dep + tt[r.delivery_node, nxt_node] > nxt_start + _EPS:
            continue
        p = Stop("pickup", r.pickup_node, r.request_id, prev_dep + tt[prev_node, r.pickup_node],
                 p_start, p_start + r.pickup_service_s, r.seats, r.wheelchair_places)
        d = Stop("delivery", r.delivery_node, r.request_id, d_arr, d_start, d_dep, 0, 0)
        seq[g:g] = [p, d]
        if s.first_s is None:
            s.first_s = p_start
        return True
    return False


def _route(problem: DarpProblem, s: _VehicleState) -> Route | None:
    """A vehicle's assembled day as a :class:`Route` (arrivals, travel, cost recomputed)."""
    if not s.stops:
        return None
    v = problem.vehicles[s.position]
    tt, cost = problem.travel_time_s, problem.cost
    stops: list[Stop] = []
    first = s.stops[0]
    dep0 = max(v.shift_s[0], first.start_s - float(tt[v.start_node, first.node]))
    prev = Stop("start", v.start_node, None, dep0, dep0, dep0)
    stops.append(prev)
    tot_t = tot_c = 0.0
    for st in [*s.stops, Stop("end", v.end_node, None, 0.0, 0.0, 0.0)]:
        leg = float(tt[prev.node, st.node])
        tot_t += leg
        tot_c += float(cost[prev.node, st.node])
        arr = prev.departure_s + leg
        if st.kind == "end":
            st = Stop("end", v.end_node, None, arr, arr, arr)
        else:
            st = dataclasses.replace(st, arrival_s=arr, start_s=max(st.start_s, arr),
                                     departure_s=max(st.start_s, arr)
                                     + (st.departure_s - st.start_s))
        stops.append(st)
        prev = st
    return Route(v.vehicle_id, tuple(stops), tot_c, tot_t,
                 stops[-1].arrival_s - stops[0].departure_s)


def _result(problem: DarpProblem, states: list[_VehicleState], left: list[int],
            dropped: set[int], records: list[SearchRecord], prm: object, t0: float,
            part_requests: int) -> DarpResult:
    """The plan, each request left with its reason: dropped by a part's search (so servable
    alone), or else the reason of :func:`~optimizer.solvers.ortools_routing.explain_request`
    on the whole problem."""
    from optimizer.solvers.ortools_routing import explain_request

    routes = [rt for s in states if (rt := _route(problem, s)) is not None]
    unserved = []
    for i in sorted(left):
        why = None if i in dropped else explain_request(problem, i)
        unserved.append(Unserved(problem.requests[i].request_id, *(why or (
            UnservedReason.DROPPED_BY_SEARCH,
            "can be served alone, but not together with the other rides within the solve "
            "limits (capacity or time conflicts)"))))
    runtime = time.perf_counter() - t0
    capped = any(r.stopped_by is StopCause.WALL_CLOCK for r in records)
    stop = (StopCause.WALL_CLOCK if capped or not prm.deterministic else
            StopCause.WORK_LIMIT if records else StopCause.NOT_RUN)
    search = SearchRecord(
        "darp", stop, f"{len(records)} parts of <= {part_requests} requests, "
        f"{prm.time_limit_s:g} s of work in all",
        "; ".join(r.work_done for r in records if r.work_done)[:2000],
        wall_clock_cap_s=prm.cap_s, runtime_s=runtime)
    params = {**dataclasses.asdict(prm), "decomposed": True, "parts": len(records),
              "part_requests": part_requests}
    params["first_solution_strategies"] = list(prm.first_solution_strategies)
    return DarpResult(status=SolveStatus.PARTIAL if unserved else SolveStatus.FEASIBLE,
                      routes=tuple(routes), unserved=tuple(unserved),
                      objective=float(sum(rt.cost for rt in routes)), runtime_s=runtime,
                      params=params, search=search)


def _restricted(problem: DarpProblem, keep: frozenset[str]) -> DarpProblem:
    """``problem`` with only the vehicles ``keep`` (eligibility lists cut to them)."""
    vehs = tuple(v for v in problem.vehicles if v.vehicle_id in keep)
    reqs = tuple(r if r.eligible_vehicles is None else
                 dataclasses.replace(r, eligible_vehicles=frozenset(r.eligible_vehicles & keep))
                 for r in problem.requests)
    return dataclasses.replace(problem, requests=reqs, vehicles=vehs)


def _better(a: DarpResult, b: DarpResult) -> DarpResult:
    """The result serving more requests (then the cheaper; ties to ``a``)."""
    return a if (len(a.unserved), a.objective) <= (len(b.unserved), b.objective) else b


def solve_decomposed(problem: DarpProblem, params: object | None = None, *,
                     above_requests: int = DECOMPOSE_ABOVE_REQUESTS,
                     part_requests: int = PART_REQUESTS,
                     base_vehicles: frozenset[str] | None = None,
                     base_share: float = 0.5) -> DarpResult:
    """Solve a DARP whole when small, in parts when large (module docs).

    Parameters
    ----------
    problem
        The instance (times in seconds).
    params
        :class:`~optimizer.solvers.ortools_routing.SolveParams` of the whole solve (its
        ``time_limit_s`` is the budget of all parts together).
    above_requests
        Requests above which the day is decomposed; at or below,
        :func:`~optimizer.solvers.ortools_routing.solve_darp` runs unchanged.
    part_requests
        Target requests per time band (>= 1).
    base_vehicles
        Vehicle ids of a base fleet (module docs, "More vehicles never serve fewer"); ``None``
        or the whole fleet: no base solve.
    base_share
        Share of the budget of the base solve, in (0, 1).

    Returns
    -------
    DarpResult
        As :func:`~optimizer.solvers.ortools_routing.solve_darp`; ``params["decomposed"]`` is
        ``True`` when solved in parts, and ``search`` sums up the parts.

    Raises
    ------
    optimizer.errors.InputError
        On a bad ``part_requests``, ``above_requests`` or ``base_share``, or as ``solve_darp``.
    """
    from optimizer.solvers.ortools_routing import SolveParams, solve_darp

    prm = params or SolveParams()
    if part_requests < 1 or above_requests < 0:
        raise InputError(f"part_requests={part_requests}, above_requests={above_requests}; "
                         "expected part_requests >= 1 and above_requests >= 0",
                         field="part_requests")
    if not 0 < base_share < 1:
        raise InputError(f"base_share={base_share}; expected a share in (0, 1)",
                         field="base_share")
    if len(problem.requests) <= above_requests:
        return solve_darp(problem, prm)
    t0 = time.perf_counter()
    ids = {v.vehicle_id for v in problem.vehicles}
    if base_vehicles is not None and set(base_vehicles) & ids and ids - set(base_vehicles):
        keep = frozenset(set(base_vehicles) & ids)
        opts = dict(above_requests=above_requests, part_requests=part_requests)
        base = solve_decomposed(_restricted(problem, keep), _scaled(prm, base_share), **opts)
        full = solve_decomposed(problem, _scaled(prm, 1.0 - base_share), **opts)
        best = _better(full, base)
        return dataclasses.replace(best, runtime_s=time.perf_counter() - t0)
    runner = _Runner(prm.workers)
    try:
        states, left, records, dropped = _decompose(problem, prm, part_requests, t0, runner)
    finally:
        runner.close()
    end = None if prm.deterministic else t0 + prm.time_limit_s * (1.0 - TAIL_SHARE / 2)
    left = _gap_insert(problem, states, left, end)
    return _result(problem, states, left, dropped, records, prm, t0, part_requests)


def _scaled(prm: object, share: float) -> object:
    """``prm`` with ``share`` of its time limit (and of its wall-clock cap)."""
    cap = None if prm.wall_clock_cap_s is None else prm.wall_clock_cap_s * share
    return dataclasses.replace(prm, time_limit_s=prm.time_limit_s * share, wall_clock_cap_s=cap)
