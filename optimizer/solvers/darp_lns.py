# ruff: noqa: PLR1730  (explicit ifs instead of min()/max() in the hot loops: faster)
"""Ruin-and-recreate large neighbourhood search for the dial-a-ride problem (no OR-Tools).

The search works on the *integer* model that :mod:`optimizer.solvers.ortools_routing` hands to
OR-Tools (same stops, transit times, windows, ride and duration limits, capacities), so every
route it accepts is accepted by the OR-Tools model too, and a plan feasible in integers is
feasible in exact arithmetic (travel times are rounded up there).

Stops are numbered like the routing model: request ``j`` has pickup stop ``2 j`` and delivery
stop ``2 j + 1``; vehicle ``k`` starts at stop ``2 R + 2 k`` and ends at ``2 R + 2 k + 1``
(``R`` requests). A route is the list of its request stops (start and end implied).

Method (Ropke & Pisinger 2006, "An adaptive large neighborhood search heuristic for the pickup
and delivery problem with time windows", Transportation Science 40(4); applied to the DARP by
Ropke, Cordeau & Laporte 2007 and Parragh, Doerner & Hartl 2010):

* ruin: remove ``q`` requests (5-25 % of them, at least 2, at most 30) by one of five rules:
  random removal, Shaw removal (related by distance between pickups and drop-offs and by
  service start times; randomised with exponent 6), worst removal (largest cost saving;
  exponent 3), route removal (the requests of one route, a run of ``q`` if longer) and time
  removal (Shaw by service times only, which frees the same hour on every route);
* recreate: greedy insertion with cost noise (+- 0.025 x the largest arc cost), regret-2 or
  regret-3 insertion (the request whose best routes differ most goes first), each insertion at
  the cheapest position that passes the exact time test below; positions are screened in
  near-constant time by bisection on the route's earliest and latest schedules; after an
  insertion only the changed route is re-evaluated and a request's three best routes are
  re-ranked only when needed (incremental regret);
* operators chosen by adaptive weights (Ropke & Pisinger 2006, section 5.3);
* polish of promising candidates: each request of a route not yet polished is taken out and
  put back at the cheapest feasible pair of positions of the same route (covers every
  single-stop move; pairs are screened first by cost with window-based arc elimination, Dumas,
  Desrosiers & Soumis 1991, then by the bisection screen), then route tails exchanged between
  routes where nobody is on board (2-opt*, Potvin & Rousseau 1995; as used for the DARP by
  Braekers, Caris & Janssens 2014), each move tested exactly; polished route versions and
  route-version pairs without an improving exchange are remembered, so unchanged routes are
  not scanned again;
* acceptance: simulated annealing; the start temperature accepts a 3 % worse plan with
  probability 1/2 (Ropke & Pisinger use 5 %), cooling exponentially to 1/1000 of it over the
  budget (time or iterations); the best plan is kept; optionally the search returns to the
  best plan after a number of rounds without improvement.

Exact time test
---------------
Windows, ride times and route duration of a fixed stop order are a system of difference
constraints ``t_v >= t_u + w`` with upper bounds ``t <= hi`` (see
:func:`optimizer.solvers.checker.route_schedule`). Starting from the lower bounds and raising
times only as far as a violated constraint forces (forward travel pushes later stops, a ride or
duration limit pushes the pickup or the departure) computes the *least* solution, a
label-correcting longest-path computation; the order is feasible exactly when no time passes its
upper bound. In integers each round raises a time by at least one unit, so the loop ends; a
round cap makes the test conservative (reject), never optimistic.
"""

from __future__ import annotations

import math
import random
import time
from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from optimizer.errors import InputError

_INF = float("inf")

__all__ = ["INSERTIONS", "REMOVALS", "WORK_NS", "LnsInstance", "LnsResult", "lns_improve",
           "route_times"]

# ------------------------------------------------------------------ work units (work mode)
WORK_NS = {"insertion_scan": 7000, "position": 65, "schedule_stop": 670, "round_item": 4400}
"""Estimated nanoseconds of the search's elementary steps, the unit of its work limit.

A work-limited search (``max_work_s``) counts, deterministically: each insertion screen of a
request into a route (:func:`_best_insertion`, ``insertion_scan``) and each pickup or delivery
position it scans (``position``); each stop of an exact schedule test, earliest or latest
(``schedule_stop``); and per round, each request and vehicle (``round_item``: copying the plan,
ruin, bookkeeping). Their weighted sum estimates the search's time on the reference 2-core
machine, so a work limit costs about the same wall time on a small Cordeau instance and on a
large Putuo day, where a fixed number of rounds did not (rounds per second fell from 3,575 on
Cordeau a2-16 to 112 on the Putuo 1 x day with 53 requests re-tried every round).

Source: non-negative least squares of the wall time of 2.5 s single-process searches (seed 0,
from the solver's construction) on the counters, over 16 instances: Cordeau a2-16, a5-40,
a8-96, the Putuo 1 x day (152 legs) and the parts of the 3 x and 10 x days (47-105 requests),
measured 2026-12-04 with OR-Tools 9.15, Python 3.11.7. Error of the estimate: 10 % RMS, at most
17 % on one instance (rounds alone: more than a factor of 2). Command: the probes
``/tmp/probe/dump.py`` (pickles each ``lns_improve_parallel`` call of a solve) and
``/tmp/probe/rate2.py 2.5 /tmp/probe/inst_*.pkl`` of this change, the fit with
``scipy.optimize.nnls``."""

_W_CALL, _W_POS = WORK_NS["insertion_scan"], WORK_NS["position"]
_W_STOP, _W_ROUND = WORK_NS["schedule_stop"], WORK_NS["round_item"]


@dataclass(frozen=True)
class LnsInstance:
    """The integer DARP model searched by :func:`lns_improve`.

    Parameters
    ----------
    transit
        ``(n_stops, n_stops)`` int: service at the origin stop + travel time, integer time units
        (``n_stops = 2 R + 2 K``); unreachable pairs carry a value above every ``hi``.
    cost
        ``(n_stops, n_stops)`` int arc costs (integer cost units).
    lo, hi
        ``(n_stops,)`` int earliest / latest start of service per stop (shift for the vehicle
        start and end stops).
    ride_limit
        ``(R,)`` int: ``start(delivery) - start(pickup) <= ride_limit`` (maximum ride time plus
        pickup service); negative = no limit.
    span_limit
        ``(K,)`` int: ``end - start <= span_limit`` per vehicle; negative = no limit.
    seats, wheelchairs
        ``(R,)`` int places taken by each request.
    seat_cap, wheel_cap
        ``(K,)`` int capacities per vehicle.
    allowed
        ``(R, K)`` bool: vehicle ``k`` may serve request ``j``.
    penalty
        Cost of leaving a request unserved (integer cost units).

    Raises
    ------
    optimizer.errors.InputError
        If the shapes do not agree.
    """

    transit: np.ndarray
    cost: np.ndarray
    lo: np.ndarray
    hi: np.ndarray
    ride_limit: np.ndarray
    span_limit: np.ndarray
    seats: np.ndarray
    wheelchairs: np.ndarray
    seat_cap: np.ndarray
    wheel_cap: np.ndarray
    allowed: np.ndarray
    penalty: int

    def __post_init__(self) -> None:
        r, k = len(self.ride_limit), len(self.span_limit)
        n = 2 * r + 2 * k
        checks = {"transit": (np.shape(self.transit), (n, n)),
                  "cost": (np.shape(self.cost), (n, n)),
                  "lo": (np.shape(self.lo), (n,)), "hi": (np.shape(self.hi), (n,)),
                  "seats": (np.shape(self.seats), (r,)),
                  "wheelchairs": (np.shape(self.wheelchairs), (r,)),
                  "seat_cap": (np.shape(self.seat_cap), (k,)),
                  "wheel_cap": (np.shape(self.wheel_cap), (k,)),
                  "allowed": (np.shape(self.allowed), (r, k))}
        for name, (got, want) in checks.items():
            if tuple(got) != want:
                raise InputError(f"LnsInstance.{name} has shape {tuple(got)}; expected {want}",
                                 field=name)

    @property
    def n_requests(self) -> int:
        """Number of requests ``R``."""
        return len(self.ride_limit)

    @property
    def n_vehicles(self) -> int:
        """Number of vehicles ``K``."""
        return len(self.span_limit)


@dataclass(frozen=True)
class LnsResult:
    """Best plan found: ``routes[k]`` the request stops of vehicle ``k`` in order, ``cost`` the
    arc cost plus penalties (integer units), ``unserved`` request positions left out,
    ``iterations`` ruin-and-recreate rounds run, ``improvements`` new best plans found,
    ``removal_weights`` / ``insertion_weights`` the final adaptive weights (orders of
    :data:`REMOVALS` and :data:`INSERTIONS`), ``search_iterations`` the rounds of each search of
    a portfolio (one entry for a single search), ``search_work_s`` the estimated work of each
    search in seconds (:data:`WORK_NS`), ``work_limited`` whether every search stopped on its
    round or work limit (not on the wall clock)."""

    routes: tuple[tuple[int, ...], ...]
    cost: int
    unserved: tuple[int, ...]
    iterations: int
    improvements: int
    removal_weights: tuple[float, ...] = ()
    insertion_weights: tuple[float, ...] = ()
    search_iterations: tuple[int, ...] = ()
    search_work_s: tuple[float, ...] = ()
    work_limited: bool = False


class _Data:
    """Plain-list copy of an :class:`LnsInstance` (list indexing is faster than numpy scalars)."""

    def __init__(self, inst: LnsInstance) -> None:
        self.R, self.K = inst.n_requests, inst.n_vehicles
        self.tr = np.asarray(inst.transit, dtype=np.int64).tolist()
        self.c = np.asarray(inst.cost, dtype=np.int64).tolist()
        self.lo = [int(x) for x in inst.lo]
        self.hi = [int(x) for x in inst.hi]
        self.ride = [int(x) for x in inst.ride_limit]
        self.span = [int(x) for x in inst.span_limit]
        self.q = [int(x) for x in inst.seats]
        self.w = [int(x) for x in inst.wheelchairs]
        self.qcap = [int(x) for x in inst.seat_cap]
        self.wcap = [int(x) for x in inst.wheel_cap]
        self.allowed = np.asarray(inst.allowed, dtype=bool).tolist()
        self.penalty = int(inst.penalty)
        self.memo: dict = {}  # (request, route version) -> best insertion
        self.tails_done: set = set()  # route-version pairs without an improving 2-opt* move
        self.polished: set = set()  # route versions without an improving in-route move
        self.version = 0  # route versions: every new route content gets a new number
        self.work = 0  # estimated work done, nanoseconds (see WORK_NS)
        # vehicles with the same start, end, shift, limits and capacities are interchangeable:
        # an empty route is evaluated once per class
        self.vclass = []
        seen: dict[tuple, int] = {}
        R = self.R
        for k in range(self.K):
            s, e = 2 * R + 2 * k, 2 * R + 2 * k + 1
            key = (tuple(self.tr[s]), tuple(self.tr[e]), self.lo[s], self.hi[s], self.lo[e],
                   self.hi[e], self.span[k], self.qcap[k], self.wcap[k],
                   tuple(row[k] for row in self.allowed))
            self.vclass.append(seen.setdefault(key, len(seen)))


def _times(D: _Data, k: int, seq: Sequence[int]) -> list[int] | None:
    """Least feasible start times ``[t_start, stops..., t_end]`` of ``seq`` on vehicle ``k``,
    or ``None`` if the order is infeasible (windows, ride times, duration, shift)."""
    R = D.R
    tr, lo, hi, ride = D.tr, D.lo, D.hi, D.ride
    s0, e0 = 2 * R + 2 * k, 2 * R + 2 * k + 1
    nodes = [s0, *seq, e0]
    n = len(nodes)
    D.work += _W_STOP * n
    t = [0] * n
    a = t[0] = lo[s0]
    row = tr[s0]
    pairs = []
    pos = {}
    for i in range(1, n):
        nd = nodes[i]
        a += row[nd]
        lo_ = lo[nd]
        if a < lo_:
            a = lo_
        if a > hi[nd]:
            return None
        t[i] = a
        row = tr[nd]
        if nd & 1:
            lim = ride[nd >> 1] if nd < 2 * R else -1
            if lim >= 0:
                pairs.append((pos[nd - 1], i, lim))
        else:
            pos[nd] = i
    span = D.span[k]
    if not pairs and span < 0:
        return t
    for _ in range(4 * n + 8):
        first = n
        for ip, idl, lim in pairs:
            need = t[idl] - lim
            if t[ip] < need:
                if need > hi[nodes[ip]]:
                    return None
                t[ip] = need
                if ip < first:
                    first = ip
        if span >= 0 and t[n - 1] - t[0] > span:
            need = t[n - 1] - span
            if need > hi[s0]:
                return None
            t[0] = need
            first = 0
        if first == n:
            return t
        for i in range(first + 1, n):
            a = t[i - 1] + tr[nodes[i - 1]][nodes[i]]
            if a <= t[i]:
                continue
            if a > hi[nodes[i]]:
                return None
            t[i] = a
    return None  # pragma: no cover - conservative cap


def _latest(D: _Data, k: int, seq: Sequence[int]) -> list[int] | None:
    """Greatest feasible start times of ``seq`` on vehicle ``k`` (mirror of :func:`_times`), or
    ``None`` if infeasible."""
    R = D.R
    tr, lo, hi = D.tr, D.lo, D.hi
    s0, e0 = 2 * R + 2 * k, 2 * R + 2 * k + 1
    nodes = [s0, *seq, e0]
    n = len(nodes)
    D.work += _W_STOP * n
    t = [0] * n
    t[n - 1] = hi[e0]
    nxt = e0
    for i in range(n - 2, -1, -1):
        nd = nodes[i]
        a = t[i + 1] - tr[nd][nxt]
        if a > hi[nd]:
            a = hi[nd]
        if a < lo[nd]:
            return None
        t[i] = a
        nxt = nd
    ride = D.ride
    pairs = []
    pos: dict[int, int] = {}
    for i in range(1, n - 1):
        nd = nodes[i]
        if nd & 1:
            lim = ride[nd >> 1]
            if lim >= 0:
                pairs.append((pos[nd - 1], i, lim))
        else:
            pos[nd] = i
    span = D.span[k]
    for _ in range(4 * n + 8):
        last = -1
        for ip, idl, lim in pairs:
            cap = t[ip] + lim
            if t[idl] > cap:
                if cap < lo[nodes[idl]]:
                    return None
                t[idl] = cap
                if idl > last:
                    last = idl
        if span >= 0 and t[n - 1] - t[0] > span:
            cap = t[0] + span
            if cap < lo[e0]:
                return None
            t[n - 1] = cap
            last = n - 1
        if last < 0:
            return t
        for i in range(last - 1, -1, -1):
            a = t[i + 1] - tr[nodes[i]][nodes[i + 1]]
            if a >= t[i]:
                continue
            if a < lo[nodes[i]]:
                return None
            t[i] = a
    return None  # pragma: no cover - conservative cap


def route_times(inst: LnsInstance, vehicle: int, stops: Sequence[int]) -> list[int] | None:
    """Least feasible service start times of a stop order (exact; integer units).

    Parameters
    ----------
    inst
        The integer model.
    vehicle
        Vehicle position ``k``.
    stops
        Request stops in order (pickup ``2 j`` before delivery ``2 j + 1``).

    Returns
    -------
    list of int or None
        ``[departure from the start, service start at each stop..., arrival at the end]``
        (length ``len(stops) + 2``), the earliest feasible schedule; ``None`` if no schedule
        meets windows, ride-time limits, route duration and shift. Capacities are not tested.
    """
    return _times(_Data(inst), vehicle, list(stops))


def _route_cost(D: _Data, k: int, seq: Sequence[int]) -> int:
    c = D.c
    prev = 2 * D.R + 2 * k
    tot = 0
    for nd in seq:
        tot += c[prev][nd]
        prev = nd
    return tot + c[prev][2 * D.R + 2 * k + 1]


def _best_insertion(D: _Data, k: int, seq: list[int], times: list[int], late: list[int],
                    lq: list[int], lw: list[int], j: int, max_checks: int = 25,
                    bound: float = _INF) -> tuple[int, int, int] | None:
    """Cheapest feasible insertion of request ``j`` in route ``k``: ``(delta, a, b)`` with the
    pickup inserted before ``seq[a]`` and the delivery before ``seq[b]`` (``a <= b``, original
    positions), or ``None``.

    ``times`` / ``late`` are the least / greatest feasible schedules of the route and ``lq`` /
    ``lw`` the seats / wheelchair places on board after each node (start included). In a
    feasible schedule of the longer route the old stops keep times inside ``[times, late]``
    (adding stops only adds constraints), which screens positions cheaply; both schedules are
    non-decreasing along the route, so the positions whose times can meet the pickup and
    delivery windows are found by bisection (Savelsbergh 1992 style forward / backward time
    bounds, here from the exact schedules). The survivors are tried in order of cost with the
    exact test (at most ``max_checks`` of them; ``max_checks=0``: the cheapest screened
    position, *not* yet tested exactly). Only positions costing less than ``bound`` are
    tried. The screen is a relaxation, so the screened cheapest cost is a lower bound on the
    exact cheapest cost."""
    if not D.allowed[j][k]:
        return None
    qcap, wcap = D.qcap[k] - D.q[j], D.wcap[k] - D.w[j]
    if qcap < 0 or wcap < 0:
        return None
    R = D.R
    P, Q = 2 * j, 2 * j + 1
    c, tr = D.c, D.tr
    nodes = [2 * R + 2 * k, *seq, 2 * R + 2 * k + 1]
    n = len(seq)
    loP, hiP, loQ, hiQ = D.lo[P], D.hi[P], D.lo[Q], D.hi[Q]
    lim = D.ride[j]
    if lim < 0:
        lim = 1 << 62
    trP, trQ, cP, cQ = tr[P], tr[Q], c[P], c[Q]
    tPQ, cPQ = trP[Q], cP[Q]
    a_lo = bisect_left(late, loP) - 1
    if a_lo < 0:
        a_lo = 0
    a_hi = bisect_right(times, hiP) - 1
    if a_hi > n:
        a_hi = n
    b_lo = bisect_left(late, loQ) - 1
    best = None
    cand = [] if max_checks else None
    scanned = 0
    for a in range(a_lo, a_hi + 1):
        scanned += 1
        if lq[a] > qcap or lw[a] > wcap:
            continue
        pa = nodes[a]
        estP = times[a] + tr[pa][P]
        if estP > hiP:
            break
        if estP < loP:
            estP = loP
        na = nodes[a + 1]
        lstP = late[a + 1] - trP[na]
        if lstP > hiP:
            lstP = hiP
        cpa = c[pa]
        base = cpa[P] - cpa[na]
        # delivery directly after the pickup
        estQ = estP + tPQ
        if estQ < loQ:
            estQ = loQ
        lstQ = late[a + 1] - trQ[na]
        if lstQ > hiQ:
            lstQ = hiQ
        if estQ <= lstQ and estQ - lstP <= lim and estP <= lstQ - tPQ:
            d = base + cPQ + cQ[na]
            if cand is None:
                if best is None or d < best[0]:
                    best = (d, a, a)
            else:
                cand.append((d, a, a))
        if estP > lstP:
            continue
        base += cP[na]
        top = lstP + lim
        if top > hiQ:
            top = hiQ
        b_hi = bisect_right(times, top, a + 1) - 1
        if b_hi > n:
            b_hi = n
        for b in range(a + 1, b_hi + 1):
            scanned += 1
            if lq[b] > qcap or lw[b] > wcap:
                break
            if b < b_lo:
                continue
            pb = nodes[b]
            estQ = times[b] + tr[pb][Q]
            if estQ > hiQ or estQ - lstP > lim:
                break
            if estQ < loQ:
                estQ = loQ
            nb = nodes[b + 1]
            if estQ > late[b + 1] - trQ[nb]:
                continue
            cpb = c[pb]
            d = base + cpb[Q] + cQ[nb] - cpb[nb]
            if cand is None:
                if best is None or d < best[0]:
                    best = (d, a, b)
            else:
                cand.append((d, a, b))
    D.work += _W_CALL + _W_POS * scanned
    if cand is None:
        return best
    cand.sort()
    for delta, a, b in cand[:max_checks]:
        if delta >= bound:
            return None
        if _times(D, k, seq[:a] + [P] + seq[a:b] + [Q] + seq[b:]) is not None:
            return delta, a, b
    return None


def _insert(seq: list[int], j: int, a: int, b: int) -> list[int]:
    return seq[:a] + [2 * j] + seq[a:b] + [2 * j + 1] + seq[b:]


def _loads(D: _Data, seq: Sequence[int]) -> tuple[list[int], list[int]]:
    """Seats and wheelchair places on board after each node of ``[start, *seq]``."""
    q, w = D.q, D.w
    lq = [0] * (len(seq) + 1)
    lw = [0] * (len(seq) + 1)
    a = b = 0
    for i, nd in enumerate(seq, start=1):
        r = nd >> 1
        if nd & 1:
            a -= q[r]
            b -= w[r]
        else:
            a += q[r]
            b += w[r]
        lq[i] = a
        lw[i] = b
    return lq, lw


class _Solution:
    def __init__(self, D: _Data, routes: list[list[int]]) -> None:
        self.D = D
        self.routes = []
        self.times = []
        self.late = []
        self.rcost = []
        self.lq = []
        self.lw = []
        self.ver = []
        for k, r in enumerate(routes):
            self.routes.append(None)
            self.times.append(None)
            self.late.append(None)
            self.rcost.append(0)
            self.lq.append(None)
            self.lw.append(None)
            self.ver.append(0)
            self.set_route(k, list(r))
        self.where = {}
        for k, r in enumerate(self.routes):
            for nd in r:
                self.where[nd >> 1] = k
        self.unserved = sorted(set(range(D.R)) - set(self.where))

    def copy(self) -> _Solution:
        s = object.__new__(_Solution)
        s.D = self.D
        s.routes = list(self.routes)  # route lists are replaced, never mutated in place
        s.times = list(self.times)
        s.late = list(self.late)
        s.rcost = list(self.rcost)
        s.lq = list(self.lq)
        s.lw = list(self.lw)
        s.ver = list(self.ver)
        s.where = dict(self.where)
        s.unserved = list(self.unserved)
        return s

    @property
    def cost(self) -> int:
        return sum(self.rcost) + self.D.penalty * len(self.unserved)

    def set_route(self, k: int, seq: list[int], times: list[int] | None = None,
                  cost: int | None = None) -> None:
        D = self.D
        self.routes[k] = seq
        self.times[k] = times if times is not None else _times(D, k, seq)
        self.late[k] = _latest(D, k, seq)
        self.rcost[k] = cost if cost is not None else _route_cost(D, k, seq)
        self.lq[k], self.lw[k] = _loads(D, seq)
        D.version += 1
        self.ver[k] = D.version

    def remove(self, reqs: Sequence[int]) -> None:
        by_route: dict[int, set[int]] = {}
        for j in reqs:
            by_route.setdefault(self.where.pop(j), set()).update((2 * j, 2 * j + 1))
        for k, gone in by_route.items():
            # removing stops never breaks feasibility (constraints only get looser)
            self.set_route(k, [nd for nd in self.routes[k] if nd not in gone])
        self.unserved.extend(reqs)



def _routes_to_try(routes: list, vclass: list[int]) -> list[int]:
    """Vehicles to try an insertion on: every used route, and one empty route per class of
    interchangeable vehicles."""
    out = []
    seen = set()
    for k, r in enumerate(routes):
        if not r:
            cls = vclass[k]
            if cls in seen:
                continue
            seen.add(cls)
        out.append(k)
    return out


def _rank(vals_j: dict[int, tuple], regret: int) -> tuple | None:
    """``(key, third cost, top three routes, best route, best insertion)`` of one request from
    its insertion costs per route ``vals_j`` (route -> (noisy cost, insertion)), or ``None``
    when it fits no route; the smallest key goes first (greedy: cheapest; regret-k: largest
    regret)."""
    b1 = b2 = b3 = _INF
    k1 = k2 = k3 = -1
    bg = None
    for k, (d, g) in vals_j.items():
        if d < b1:
            b3, k3, b2, k2, b1, k1, bg = b2, k2, b1, k1, d, k, g
        elif d < b2:
            b3, k3, b2, k2 = b2, k2, d, k
        elif d < b3:
            b3, k3 = d, k
    if bg is None:
        return None
    if regret == 1:
        key = (b1, 0.0)
    elif regret == 2:
        key = (-(b2 - b1), b1)
    else:
        key = (-((b2 - b1) + (b3 - b1)), b1)
    return key, b3, (k1, k2, k3), k1, bg


def _recreate(sol: _Solution, rng: random.Random, *, regret: int, noise: float) -> None:
    """Insert the unserved requests one at a time (Ropke & Pisinger 2006, section 5.2).

    ``regret = 1``: greedy (cheapest insertion first); ``regret = k >= 2``: the request with
    the largest sum of cost differences between its best route and its next ``k - 1`` routes
    goes first (a request that fits fewer routes goes earlier). ``noise``: each insertion cost
    is perturbed by ``noise * uniform(-1, 1)`` cost units when compared (drawn once per
    request and route content).

    Insertions are first ranked by the screen of :func:`_best_insertion` alone (memoised per
    request and route version across rounds); the exact test runs on the chosen position, and
    only if it fails is that pair re-evaluated with exact tests. After an insertion only the
    changed route is re-evaluated, and a request's three best routes are re-ranked only when
    the changed route was among them or now beats the third (incremental regret)."""
    D = sol.D
    todo = list(sol.unserved)
    rng.shuffle(todo)
    sol.unserved = []
    memo = D.memo
    if len(memo) > 300_000:
        memo.clear()
    vclass = D.vclass
    routes, ver, stimes, slate, slq, slw = sol.routes, sol.ver, sol.times, sol.late, sol.lq, sol.lw
    rand = rng.random
    vals: dict[int, dict[int, tuple]] = {j: {} for j in todo}  # j -> {route: (cost, ins)}
    top: dict[int, tuple | None] = {}  # j -> (key, third cost, top routes, route, ins)

    def set_val(j: int, k: int) -> float:
        mk = (j, ver[k])
        g = memo.get(mk, memo)
        if g is memo:
            ins = _best_insertion(D, k, routes[k], stimes[k], slate[k], slq[k], slw[k], j,
                                  max_checks=0)
            g = memo[mk] = None if ins is None else (*ins, False)
        if g is None:
            vals[j].pop(k, None)
            return _INF
        d = g[0] + noise * (2.0 * rand() - 1.0) if noise else g[0]
        vals[j][k] = (d, g)
        return d

    ks = _routes_to_try(routes, vclass)
    for j in todo:
        for k in ks:
            set_val(j, k)
        top[j] = _rank(vals[j], regret)
    while todo:
        pick = None
        pick_key = None
        for j in todo:
            tj = top[j]
            if tj is not None and (pick_key is None or tj[0] < pick_key):
                pick_key, pick = tj[0], j
        if pick is None:
            sol.unserved.extend(todo)
            break
        j = pick
        _, _, _, k, (delta, a, b, tested) = top[j]
        seq = routes[k]
        new = _insert(seq, j, a, b)
        times = _times(D, k, new)
        if times is None:  # the screen let an infeasible position through: test exactly
            ins = None if tested else _best_insertion(D, k, seq, stimes[k], slate[k], slq[k],
                                                      slw[k], j)
            memo[(j, ver[k])] = None if ins is None else (*ins, True)
            set_val(j, k)
            top[j] = _rank(vals[j], regret)
            continue
        was_empty = not seq
        sol.set_route(k, new, times, sol.rcost[k] + delta)
        sol.where[j] = k
        todo.remove(j)
        del vals[j], top[j]
        for j2 in todo:
            d = set_val(j2, k)
            t2 = top[j2]
            if t2 is None or k in t2[2] or d < t2[1]:
                top[j2] = _rank(vals[j2], regret)
        if was_empty:
            old = set(ks)
            ks = _routes_to_try(routes, vclass)
            for k2 in ks:
                if k2 not in old:
                    for j2 in todo:
                        set_val(j2, k2)
            for j2 in todo:
                top[j2] = _rank(vals[j2], regret)
    sol.unserved.sort()


def _loads_ok(D: _Data, k: int, seq: Sequence[int]) -> bool:
    """Seats and wheelchair places on board stay within vehicle ``k``'s capacities."""
    qc, wc, q, w = D.qcap[k], D.wcap[k], D.q, D.w
    lq = lw = 0
    for nd in seq:
        r = nd >> 1
        if nd & 1:
            lq -= q[r]
            lw -= w[r]
        else:
            lq += q[r]
            lw += w[r]
            if lq > qc or lw > wc:
                return False
    return True


def _removal_gain(D: _Data, k: int, seq: Sequence[int], i: int, iq: int) -> int:
    """Cost saved by taking the pickup at ``seq[i]`` and its delivery at ``seq[iq]`` out of
    route ``k`` (``i < iq``)."""
    c = D.c
    s0 = 2 * D.R + 2 * k
    P, Q = seq[i], seq[iq]
    u = seq[i - 1] if i else s0
    y = seq[iq + 1] if iq + 1 < len(seq) else s0 + 1
    if iq == i + 1:
        return c[u][P] + c[P][Q] + c[Q][y] - c[u][y]
    v, x = seq[i + 1], seq[iq - 1]
    return c[u][P] + c[P][v] - c[u][v] + c[x][Q] + c[Q][y] - c[x][y]


def _cheapest_cost(D: _Data, k: int, seq: Sequence[int], P: int) -> float:
    """Lower bound on the cost of inserting pickup ``P`` and delivery ``P + 1`` into route
    ``k`` (``seq``), in ``O(len(seq))``: the cheapest pair of positions whose arcs pass the
    window test ``max(lo[P], lo[u] + t[u][P]) <= hi[P]`` and ``max(lo[P], lo[u] + t[u][P]) +
    t[P][v] <= hi[v]`` for the stops ``u``, ``v`` around each new stop (every feasible
    schedule starts ``u`` no earlier than ``lo[u]``; arc elimination, Dumas, Desrosiers &
    Soumis 1991). Capacities and ride times are ignored; ``inf`` if no position passes."""
    c, tr, lo, hi = D.c, D.tr, D.lo, D.hi
    Q = P + 1
    cP, cQ, trP, trQ = c[P], c[Q], tr[P], tr[Q]
    cPQ, tPQ = cP[Q], trP[Q]
    loP, hiP, loQ, hiQ = lo[P], hi[P], lo[Q], hi[Q]
    u = 2 * D.R + 2 * k
    e = u + 1
    best = _INF
    min_p = _INF  # cheapest feasible pickup position strictly before the current one
    for v in (*seq, e):
        cu, tu, lu, hv = c[u], tr[u], lo[u], hi[v]
        uv = cu[v]
        eq = lu + tu[Q]
        if eq < loQ:
            eq = loQ
        if eq <= hiQ and eq + trQ[v] <= hv:
            d = min_p + cu[Q] + cQ[v] - uv
            if d < best:
                best = d
        ep = lu + tu[P]
        if ep < loP:
            ep = loP
        if ep <= hiP:
            dp = cu[P] + cP[v] - uv
            if ep + trP[v] <= hv and dp < min_p:
                min_p = dp
            eq = ep + tPQ
            if eq < loQ:
                eq = loQ
            if eq <= hiQ and eq + trQ[v] <= hv:
                d = cu[P] + cPQ + cQ[v] - uv
                if d < best:
                    best = d
        u = v
    return best


RELOCATE_MAX_CHECKS = 6
"""Exact route tests per request in the in-route polish (:func:`_relocate_stops`): the six
cheapest screened positions (a speed/quality trade-off measured on a8-96; a large value makes
the polish an exact re-insertion local optimum)."""


def _relocate_stops(D: _Data, k: int, seq: list[int]) -> list[int] | None:
    """First-improvement descent re-inserting each request of route ``k`` in the same route:
    its pickup and delivery are taken out and put back at the cheapest feasible pair of
    positions if that costs less than they saved (every single-stop move is such a pair). The
    positions are screened by :func:`_best_insertion` (bisection on the earliest / latest
    schedules of the shorter route, capacities from its loads) and only cost-improving ones
    are tested exactly. ``None`` if nothing improves."""
    improved = False
    again = True
    while again:
        again = False
        pos = {nd: i for i, nd in enumerate(seq)}
        for i, P in enumerate(seq):
            if P & 1:
                continue
            gain = _removal_gain(D, k, seq, i, pos[P + 1])
            if gain <= 0:
                continue
            rest = [nd for nd in seq if nd != P and nd != P + 1]
            if _cheapest_cost(D, k, rest, P) >= gain:  # no cheaper pair, time aside
                continue
            t = _times(D, k, rest)
            late = _latest(D, k, rest)
            if t is None or late is None:  # pragma: no cover - removal only loosens
                continue
            lq, lw = _loads(D, rest)
            ins = _best_insertion(D, k, rest, t, late, lq, lw, P >> 1,
                                  max_checks=RELOCATE_MAX_CHECKS, bound=gain)
            if ins is not None:
                seq = _insert(rest, P >> 1, ins[1], ins[2])
                improved = again = True
                break
    return seq if improved else None


def _two_opt_star(sol: _Solution) -> bool:
    """Exchange route tails between two routes while that lowers the cost (2-opt*,
    Potvin & Rousseau 1995; for the DARP with cuts where nobody is on board, as in Braekers,
    Caris & Janssens 2014): route ``A`` keeps its stops up to a cut and continues with the
    stops of ``B`` after a cut, and vice versa; each vehicle keeps its own start and end.
    Moves are screened by cost and by the pickup window of the first stop of the new tail, and
    accepted after the exact time test, the capacity test and the eligibility test (first
    improvement). Pairs of route versions found without an improving exchange are remembered
    (routes are never changed in place), so unchanged pairs are not scanned again. Returns
    whether the plan changed."""
    D = sol.D
    c, tr, hi, allowed = D.c, D.tr, D.hi, D.allowed
    R, K = D.R, D.K
    changed = False
    done = D.tails_done
    if len(done) > 200_000:
        done.clear()
    ver = sol.ver
    cache: dict[int, tuple] = {}

    def info(k: int):
        got = cache.get(k)
        if got is not None:
            return got
        seq = sol.routes[k]
        nodes = [2 * R + 2 * k, *seq, 2 * R + 2 * k + 1]
        pre = [0] * len(nodes)
        for i in range(1, len(nodes)):
            pre[i] = pre[i - 1] + c[nodes[i - 1]][nodes[i]]
        lq, lw = sol.lq[k], sol.lw[k]
        cuts = [i for i in range(len(seq) + 1) if lq[i] == 0 and lw[i] == 0]
        got = cache[k] = (seq, nodes, pre, cuts)
        return got

    again = True
    while again:
        again = False
        cache.clear()
        for k1 in range(K):
            for k2 in range(k1 + 1, K):
                if not sol.routes[k1] and not sol.routes[k2]:
                    continue
                pair = (ver[k1], ver[k2])
                if pair in done:
                    continue
                s1, n1, p1, cuts1 = info(k1)
                e1 = n1[-1]
                s2, n2, p2, cuts2 = info(k2)
                e2 = n2[-1]
                old = p1[-1] + p2[-1]
                m1, m2 = len(s1), len(s2)
                for i in cuts1:
                    a = n1[i]
                    t_a = sol.times[k1][i]
                    ca = c[a]
                    for j in cuts2:
                        b = n2[j]
                        # new k1: n1[..i] + s2[j:] ; new k2: n2[..j] + s1[i:]
                        if j < m2:
                            f2 = n2[j + 1]
                            new1 = p1[i] + ca[f2] + (p2[m2] - p2[j + 1]) + c[n2[m2]][e1]
                        else:
                            f2 = -1
                            new1 = p1[i] + ca[e1]
                        if i < m1:
                            f1 = n1[i + 1]
                            new2 = p2[j] + c[b][f1] + (p1[m1] - p1[i + 1]) + c[n1[m1]][e2]
                        else:
                            f1 = -1
                            new2 = p2[j] + c[b][e2]
                        if new1 + new2 >= old:
                            continue
                        if f2 >= 0 and t_a + tr[a][f2] > hi[f2]:
                            continue
                        if f1 >= 0 and sol.times[k2][j] + tr[b][f1] > hi[f1]:
                            continue
                        r1 = s1[:i] + s2[j:]
                        r2 = s2[:j] + s1[i:]
                        if any(not allowed[nd >> 1][k1] for nd in s2[j:]) or any(
                                not allowed[nd >> 1][k2] for nd in s1[i:]):
                            continue
                        if not (_loads_ok(D, k1, r1) and _loads_ok(D, k2, r2)):
                            continue
                        t1 = _times(D, k1, r1)
                        if t1 is None:
                            continue
                        t2 = _times(D, k2, r2)
                        if t2 is None:
                            continue
                        sol.set_route(k1, r1, t1)
                        sol.set_route(k2, r2, t2)
                        for nd in r1:
                            sol.where[nd >> 1] = k1
                        for nd in r2:
                            sol.where[nd >> 1] = k2
                        changed = again = True
                        break
                    if again:
                        break
                if again:
                    break
                done.add(pair)
            if again:
                break
    return changed


# --------------------------------------------------------------------------- ruin operators
REMOVALS = ("random", "shaw", "worst", "route", "time")
"""Ruin operators, in the order of :attr:`LnsResult.removal_weights`."""
INSERTIONS = ("greedy", "regret2", "regret3")
"""Recreate operators, in the order of :attr:`LnsResult.insertion_weights`."""


def _pick(rng: random.Random, ranked: list, q: int, p: float) -> list:
    """``q`` items from ``ranked`` (best first), item ``floor(len * u**p)`` each time
    (Ropke & Pisinger 2006, algorithm 2: randomised greedy choice; ``p`` large = greedy)."""
    ranked = list(ranked)
    out = []
    while len(out) < q and ranked:
        out.append(ranked.pop(int(len(ranked) * rng.random() ** p)))
    return out


def _ruin(sol: _Solution, rng: random.Random, q: int, rule: int, dist: list[list[int]]) -> None:
    D = sol.D
    served = sorted(sol.where)
    if not served:
        return
    q = min(q, len(served))
    if rule == 0:  # random
        sol.remove(rng.sample(served, q))
        return
    if rule in (1, 4):  # Shaw (space and time) / time only: related to a random seed
        at = {}
        for k, seq in enumerate(sol.routes):
            t = sol.times[k]
            for i, nd in enumerate(seq, start=1):
                at[nd] = t[i]
        seed_r = rng.choice(served)
        chosen = [seed_r]
        rest = [j for j in served if j != seed_r]
        while len(chosen) < q and rest:
            ref = rng.choice(chosen)
            pr, dr = 2 * ref, 2 * ref + 1
            tp, td = at[pr], at[dr]
            if rule == 1:
                dp, dd = dist[pr], dist[dr]
                rest.sort(key=lambda j: dp[2 * j] + dd[2 * j + 1] + abs(tp - at[2 * j])
                          + abs(td - at[2 * j + 1]))
            else:
                rest.sort(key=lambda j: abs(tp - at[2 * j]) + abs(td - at[2 * j + 1]))
            chosen.append(rest.pop(int(len(rest) * rng.random() ** 6)))
        sol.remove(chosen)
        return
    if rule == 3:  # route removal: every request of one route (at most q of them, a segment)
        ks = [k for k, r in enumerate(sol.routes) if r]
        k = rng.choice(ks)
        reqs = [nd >> 1 for nd in sol.routes[k] if not nd & 1]
        if len(reqs) > q:
            s = rng.randrange(len(reqs) - q + 1)
            reqs = reqs[s:s + q]
        sol.remove(reqs)
        return
    # worst removal: the requests whose removal saves most (savings computed once per round)
    c = D.c
    gains = []
    for k, seq in enumerate(sol.routes):
        nodes = [2 * D.R + 2 * k, *seq, 2 * D.R + 2 * k + 1]
        at = {nd: i for i, nd in enumerate(nodes)}
        for nd in seq:
            if nd & 1:
                continue
            ip, iq = at[nd], at[nd + 1]
            a_, b_ = nodes[ip - 1], nodes[ip + 1]
            if iq == ip + 1:
                g = c[a_][nd] + c[nd][nd + 1] + c[nd + 1][nodes[iq + 1]] - c[a_][nodes[iq + 1]]
            else:
                x, y = nodes[iq - 1], nodes[iq + 1]
                g = (c[a_][nd] + c[nd][b_] - c[a_][b_]
                     + c[x][nd + 1] + c[nd + 1][y] - c[x][y])
            gains.append((g, nd >> 1))
    gains.sort(reverse=True)
    sol.remove([j for _, j in _pick(rng, gains, q, 3.0)])


# --------------------------------------------------------------------------- the search
def _start_solution(D: _Data, routes: Sequence[Sequence[int]]) -> _Solution:
    """The start plan as a :class:`_Solution`, after checking every route.

    Raises
    ------
    optimizer.errors.InputError
        If the number of routes is not the number of vehicles, a stop is repeated or not a
        request stop, a route's order is infeasible or its loads exceed the capacities.
    """
    if len(routes) != D.K:
        raise InputError(f"{len(routes)} routes for {D.K} vehicles", field="routes")
    seen: set[int] = set()
    for k, seq in enumerate(routes):
        for nd in seq:
            if nd in seen or not 0 <= nd < 2 * D.R:
                raise InputError(f"route {k}: stop {nd} repeated or not a request stop",
                                 field="routes")
            seen.add(nd)
        pos = {nd: i for i, nd in enumerate(seq)}
        if any(pos.get(nd ^ 1, -1) < i if not nd & 1 else pos.get(nd ^ 1, len(seq)) > i
               for i, nd in enumerate(seq)) or _times(D, k, list(seq)) is None:
            raise InputError(f"route {k} has an infeasible order (windows, ride times, "
                             "duration, or a delivery without its pickup before it)",
                             field="routes")
        if not _loads_ok(D, k, seq):
            raise InputError(f"route {k} exceeds the vehicle's capacity", field="routes")
    return _Solution(D, [list(r) for r in routes])


class _Weights:
    """Adaptive operator weights (Ropke & Pisinger 2006, section 5.3): segments of 100 rounds,
    reaction factor 0.1, weights at least 0.05."""

    def __init__(self, n: int) -> None:
        self.w = [1.0] * n
        self.s = [0.0] * n
        self.n = [0] * n

    def add(self, i: int, score: float) -> None:
        self.s[i] += score
        self.n[i] += 1

    def end_segment(self) -> None:
        w, s, n = self.w, self.s, self.n
        for i in range(len(w)):
            if n[i]:
                w[i] = max(0.05, 0.9 * w[i] + 0.1 * s[i] / n[i])
            s[i] = 0.0
            n[i] = 0


def _polish(D: _Data, cand: _Solution, *, tails: bool) -> None:
    """Re-insert the requests of every route not yet polished in the same route
    (:func:`_relocate_stops`), then exchange route tails (:func:`_two_opt_star`)."""
    polished = D.polished
    if len(polished) > 200_000:
        polished.clear()
    for k, seq in enumerate(cand.routes):
        if cand.ver[k] not in polished:
            better = _relocate_stops(D, k, seq)
            if better is not None:
                cand.set_route(k, better)
            polished.add(cand.ver[k])
    if tails:
        _two_opt_star(cand)


def _check_options(time_limit_s: float | None, max_iterations: int | None,
                   max_work_s: float | None, min_remove: float, max_remove: float,
                   start_worse: float) -> None:
    """Raise :class:`InputError` on bad :func:`lns_improve` options."""
    if time_limit_s is None and max_iterations is None and max_work_s is None:
        raise InputError("lns_improve needs time_limit_s, max_iterations or max_work_s",
                         field="limits")
    if max_iterations is not None and max_work_s is not None:
        raise InputError("give max_iterations or max_work_s, not both", field="limits")
    if max_work_s is not None and not (math.isfinite(max_work_s) and max_work_s > 0):
        raise InputError(f"max_work_s={max_work_s!r}; expected seconds > 0", field="max_work_s")
    if not 0 < min_remove <= max_remove < 1:
        raise InputError("expected 0 < min_remove <= max_remove < 1", field="min_remove")
    if not start_worse >= 0:
        raise InputError("start_worse must be >= 0", field="start_worse")


def _operators(rng: random.Random, rem: _Weights, ins: _Weights, adaptive: bool
               ) -> tuple[int, int]:
    """Ruin and recreate operators of a round: by adaptive weights, or uniform."""
    if adaptive:
        ro = rng.choices(range(len(REMOVALS)), weights=rem.w)[0]
        io = rng.choices(range(len(INSERTIONS)), weights=ins.w)[0]
        return ro, io
    return rng.randrange(len(REMOVALS)), rng.randrange(len(INSERTIONS))


class _Schedule:
    """Stopping rule and annealing temperature of one search.

    With ``max_iterations`` the temperature follows the round count (``it / max_iterations``),
    with ``max_work_ns`` the work done (:data:`WORK_NS`), also when a wall-clock
    ``time_limit_s`` is given as a safety cap, so a work-limited search is reproducible; with
    only ``time_limit_s`` it follows the elapsed wall time. ``clock_stop`` records whether the
    wall clock ended the search."""

    def __init__(self, t_start: float, *, time_limit_s: float | None,
                 max_iterations: int | None, max_work_ns: int | None = None) -> None:
        self.t0 = time.perf_counter()
        self.t_start, self.t_end = t_start, t_start / 1000.0
        self.time_limit_s, self.max_iterations = time_limit_s, max_iterations
        self.max_work_ns = max_work_ns
        self.clock_stop = False

    def temperature(self, it: int, work_ns: int = 0) -> float | None:
        """Temperature of round ``it`` (0-based) after ``work_ns`` of work, or ``None`` when
        a limit is reached."""
        if self.max_iterations is not None and it >= self.max_iterations:
            return None
        if self.max_work_ns is not None and work_ns >= self.max_work_ns:
            return None
        elapsed = time.perf_counter() - self.t0
        if self.time_limit_s is not None and elapsed >= self.time_limit_s:
            self.clock_stop = True
            return None
        if self.t_start <= 0:
            return 0.0
        if self.max_iterations is not None:
            frac = it / self.max_iterations
        elif self.max_work_ns is not None:
            frac = work_ns / self.max_work_ns
        else:
            frac = elapsed / self.time_limit_s  # type: ignore[operator]
        return self.t_start * (self.t_end / self.t_start) ** min(1.0, frac)


def lns_improve(inst: LnsInstance, routes: Sequence[Sequence[int]], *, seed: int = 0,
                time_limit_s: float | None = None, max_iterations: int | None = None,
                max_work_s: float | None = None, min_remove: float = 0.05,
                max_remove: float = 0.25, max_remove_n: int = 30, start_worse: float = 0.03, polish: bool = True, adaptive: bool = True,
                restart_after: int = 0, tails: bool = True) -> LnsResult:
    """Improve a DARP plan by adaptive ruin and recreate with simulated-annealing acceptance.

    Parameters
    ----------
    inst
        The integer model.
    routes
        Starting plan: ``routes[k]`` the request stops of vehicle ``k`` in order (each route
        must be feasible; requests on no route start unserved and are inserted when possible).
    seed
        Seed of the random generator: the same seed and ``max_iterations`` give the same result
        unless ``time_limit_s`` stops the search first.
    time_limit_s
        Wall-time budget in seconds (``None`` = no time limit); with ``max_iterations`` only a
        safety cap (the temperature then follows the rounds, not the clock).
    max_iterations
        Number of ruin-and-recreate rounds (``None`` = until the time limit).
    max_work_s
        Work limit in estimated seconds (:data:`WORK_NS`; ``None`` = none): the search stops
        after the round in which its counted work reaches it, the same on every machine.
    min_remove, max_remove, max_remove_n
        Requests removed per round: uniform between ``min_remove`` and ``max_remove`` times the
        served requests (at least 2, at most ``max_remove_n``). Defaults measured on Cordeau
        a8-96 (5-25 % beat Ropke & Pisinger's 10-40 % at a 20-30 s budget).
    start_worse
        Start temperature: a plan this much worse (share of the start cost) is accepted with
        probability 1/2; the temperature falls exponentially to 1/1000 of it over the budget.
    polish
        After each recreate, re-insert each request of every route not yet polished at its
        cheapest feasible positions in the same route while that lowers the cost (first
        improvement, exact test).
    adaptive
        Choose ruin and recreate operators by adaptive weights (Ropke & Pisinger 2006,
        section 5.3: segments of 100 rounds, scores 33 / 9 / 13 for a new best / a better /
        an accepted worse plan, reaction factor 0.1); ``False``: uniform choice.
    restart_after
        Return to the best plan after this many rounds without a new best (``0`` = never).
    tails
        With ``polish``: also exchange route tails between routes while that lowers the cost
        (:func:`_two_opt_star`).

    Returns
    -------
    LnsResult
        The best plan found (never worse than the start: fewer unserved, then lower cost).

    Raises
    ------
    optimizer.errors.InputError
        If no limit is given, both ``max_iterations`` and ``max_work_s``, an option is out of
        range, a route has an infeasible order
        or serves a request twice.
    """
    _check_options(time_limit_s, max_iterations, max_work_s, min_remove, max_remove,
                   start_worse)
    t0 = time.perf_counter()
    D = _Data(inst)
    cur = _start_solution(D, routes)
    rng = random.Random(seed)
    if cur.unserved:
        _recreate(cur, rng, regret=2, noise=0.0)
    best = cur.copy()
    best_cost = best.cost
    tr = np.asarray(inst.transit, dtype=np.int64)
    dist = np.minimum(tr, tr.T).tolist()  # relatedness: travel between stops (symmetrised)
    max_c = int(np.max(inst.cost[: 2 * D.R, : 2 * D.R])) if D.R else 0
    noise_amt = 0.025 * max_c  # Ropke & Pisinger 2006: eta = 0.025 of the largest distance
    sched = _Schedule(start_worse * sum(cur.rcost) / 0.6931,  # accepted with p = 1/2
                      time_limit_s=time_limit_s, max_iterations=max_iterations,
                      max_work_ns=None if max_work_s is None else round(max_work_s * 1e9))
    sched.t0 = t0
    rem, ins = _Weights(len(REMOVALS)), _Weights(len(INSERTIONS))
    it = improvements = since_best = 0
    round_ns = _W_ROUND * (D.R + D.K)
    while (temp := sched.temperature(it, D.work)) is not None:
        D.work += round_ns
        cand = cur.copy()
        served_n = D.R - len(cand.unserved)
        lo_q = max(2, int(min_remove * served_n))
        q = rng.randint(lo_q, max(lo_q, min(max_remove_n, int(max_remove * served_n))))
        ro, io = _operators(rng, rem, ins, adaptive)
        _ruin(cand, rng, q, ro, dist)
        _recreate(cand, rng, regret=io + 1, noise=noise_amt if io == 0 else 0.0)
        if polish and cand.cost <= cur.cost + 2.0 * temp:  # hopeless candidates: not polished
            _polish(D, cand, tails=tails)
        it += 1
        since_best += 1
        c_new, c_cur = cand.cost, cur.cost
        score = 0.0
        if c_new < best_cost:
            best, best_cost = cand.copy(), c_new
            improvements += 1
            since_best = 0
            score = 33.0
        if c_new <= c_cur or (temp > 0 and rng.random() < math.exp(-(c_new - c_cur) / temp)):
            if not score and c_new != c_cur:
                score = 9.0 if c_new < c_cur else 13.0
            cur = cand
        rem.add(ro, score)
        ins.add(io, score)
        if it % 100 == 0:  # end of a segment: update the weights
            rem.end_segment()
            ins.end_segment()
        if restart_after and since_best >= restart_after:
            cur = best.copy()
            since_best = 0
    return LnsResult(routes=tuple(tuple(r) for r in best.routes), cost=int(best_cost),
                     unserved=tuple(best.unserved), iterations=it, improvements=improvements,
                     removal_weights=tuple(rem.w), insertion_weights=tuple(ins.w),
                     search_iterations=(it,), search_work_s=(D.work / 1e9,),
                     work_limited=not sched.clock_stop)


# ------------------------------------------------------------------ parallel portfolio (cores)
def lns_improve_parallel(inst: LnsInstance, routes: Sequence[Sequence[int]], *,
                         workers: int, seed: int = 0, time_limit_s: float | None = None,
                         max_iterations: int | None = None, max_work_s: float | None = None,
                         searches: int | None = None, **options) -> LnsResult:
    """Run ``searches`` independent :func:`lns_improve` searches on ``workers`` processes and
    keep the best (:func:`optimizer.solvers._parallel.best_of`; search ``i`` uses seed
    ``seed + i``).

    Parameters
    ----------
    inst, routes, seed, max_iterations, max_work_s, **options
        As :func:`lns_improve` (``max_iterations`` and ``max_work_s`` per search).
    time_limit_s
        Wall time of the whole portfolio, seconds: without ``max_iterations`` a budget shared
        equally by the waves of searches (one wave when ``searches <= workers``: every search
        runs to the common deadline); with ``max_iterations`` or ``max_work_s`` a safety cap
        for every search.
    workers
        Processes (>= 1; this one included). Changes the wall time only, never the result of
        a work-limited portfolio.
    searches
        Independent searches (default ``workers``).

    Returns
    -------
    LnsResult
        The best result (fewest unserved, then lowest cost, then lowest seed); ``iterations``
        is the sum over the searches, ``search_iterations`` the rounds and ``search_work_s``
        the work of each search. Deterministic with ``max_iterations`` or ``max_work_s`` unless
        the time limit stops a search first (then ``work_limited`` is ``False``).

    Raises
    ------
    optimizer.errors.InputError
        As :func:`lns_improve`, or ``workers < 1`` or ``searches < 1``.
    """
    from optimizer.solvers._parallel import best_of

    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise InputError(f"workers={workers!r}; expected a whole number >= 1", field="workers")
    n = workers if searches is None else searches
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise InputError(f"searches={searches!r}; expected a whole number >= 1",
                         field="searches")
    plain = [list(map(int, r)) for r in routes]
    calls = [dict(inst=inst, routes=plain, seed=seed + i, time_limit_s=time_limit_s,
                  max_iterations=max_iterations, max_work_s=max_work_s, **options)
             for i in range(n)]
    work = max_iterations is not None or max_work_s is not None
    out, results = best_of(lns_improve, calls, key=lambda r: (len(r.unserved), r.cost),
                           processes=min(workers, n), split_time=not work)
    return LnsResult(out.routes, out.cost, out.unserved,
                     sum(r.iterations for r in results), out.improvements,
                     out.removal_weights, out.insertion_weights,
                     tuple(r.iterations for r in results),
                     tuple(w for r in results for w in r.search_work_s),
                     all(r.work_limited for r in results))
