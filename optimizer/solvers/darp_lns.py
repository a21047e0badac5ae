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

* ruin: remove ``q`` requests (10-35 % of them, at least 2, at most 40) by one of three rules
  chosen at random: random removal, Shaw removal (related by distance between pickups and
  drop-offs and by service start times; randomised with exponent 6) and worst removal (largest
  cost saving; exponent 3);
* recreate: regret-2 insertion (the request whose best and second-best routes differ most goes
  first) or greedy insertion with cost noise (+-10 %), each insertion at the cheapest position
  that passes the exact time test below;
* acceptance: simulated annealing; the start temperature accepts a 3 % worse plan with
  probability 1/2 (Ropke & Pisinger use 5 %), cooling exponentially to 1/1000 of it over the
  budget (time or iterations); the best plan is kept.

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
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from optimizer.errors import InputError

__all__ = ["LnsInstance", "LnsResult", "lns_improve", "route_times"]


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
    ``iterations`` ruin-and-recreate rounds run, ``improvements`` new best plans found."""

    routes: tuple[tuple[int, ...], ...]
    cost: int
    unserved: tuple[int, ...]
    iterations: int
    improvements: int


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
        self.memo: dict = {}  # (request, vehicle, route) -> best insertion
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
                    j: int, max_checks: int = 25) -> tuple[int, int, int] | None:
    """Cheapest feasible insertion of request ``j`` in route ``k``: ``(delta, a, b)`` with the
    pickup inserted before ``seq[a]`` and the delivery before ``seq[b]`` (``a <= b``, original
    positions), or ``None``.

    ``times`` / ``late`` are the least / greatest feasible schedules of the route. In a feasible
    schedule of the longer route the old stops keep times inside ``[times, late]`` (with travel
    times obeying the triangle inequality), which screens positions cheaply; the survivors are
    tried in order of cost with the exact test (at most ``max_checks`` of them;
    ``max_checks=0``: the cheapest screened position, *not* yet tested exactly)."""
    if not D.allowed[j][k]:
        return None
    qj, wj = D.q[j], D.w[j]
    if qj > D.qcap[k] or wj > D.wcap[k]:
        return None
    R = D.R
    P, Q = 2 * j, 2 * j + 1
    c, tr = D.c, D.tr
    s0, e0 = 2 * R + 2 * k, 2 * R + 2 * k + 1
    nodes = [s0, *seq, e0]
    n = len(seq)
    qcap, wcap = D.qcap[k] - qj, D.wcap[k] - wj
    load_q = [0] * (n + 1)
    load_w = [0] * (n + 1)
    lq = lw = 0
    for i, nd in enumerate(seq, start=1):
        r = nd >> 1
        if nd & 1:
            lq -= D.q[r]
            lw -= D.w[r]
        else:
            lq += D.q[r]
            lw += D.w[r]
        load_q[i], load_w[i] = lq, lw
    loP, hiP, loQ, hiQ = D.lo[P], D.hi[P], D.lo[Q], D.hi[Q]
    lim = D.ride[j]
    if lim < 0:
        lim = 1 << 62
    trP, trQ, cP, cQ = tr[P], tr[Q], c[P], c[Q]
    tPQ, cPQ = trP[Q], cP[Q]
    cand = []
    for a in range(n + 1):  # pickup after nodes[a] (a = 0: after the start)
        pa = nodes[a]
        estP = times[a] + tr[pa][P]
        if estP > hiP:
            break
        if estP < loP:
            estP = loP
        if load_q[a] > qcap or load_w[a] > wcap:
            continue
        na = nodes[a + 1]
        lstP = late[a + 1] - trP[na]
        if lstP > hiP:
            lstP = hiP
        base = c[pa][P] - c[pa][na]
        # delivery directly after the pickup
        estQ = estP + tPQ
        if estQ < loQ:
            estQ = loQ
        lstQ = late[a + 1] - trQ[na]
        if lstQ > hiQ:
            lstQ = hiQ
        if estQ <= lstQ and estQ - lstP <= lim and estP <= lstQ - tPQ:
            cand.append((base + cPQ + cQ[na], a, a))
        if estP > lstP:
            continue
        cPn = cP[na]
        for b in range(a + 1, n + 1):  # delivery after nodes[b]
            if load_q[b] > qcap or load_w[b] > wcap:
                break
            pb = nodes[b]
            estQ = times[b] + tr[pb][Q]
            if estQ > hiQ or estQ - lstP > lim:
                break
            if estQ < loQ:
                estQ = loQ
            nb = nodes[b + 1]
            lstQ = late[b + 1] - trQ[nb]
            if estQ > lstQ or estQ - lstP > lim:
                continue
            cand.append((base + cPn + c[pb][Q] + cQ[nb] - c[pb][nb], a, b))
    if not cand:
        return None
    if max_checks == 0:
        return min(cand)
    cand.sort()
    for delta, a, b in cand[:max_checks]:
        if _times(D, k, seq[:a] + [P] + seq[a:b] + [Q] + seq[b:]) is not None:
            return delta, a, b
    return None


def _insert(seq: list[int], j: int, a: int, b: int) -> list[int]:
    return seq[:a] + [2 * j] + seq[a:b] + [2 * j + 1] + seq[b:]


class _Solution:
    def __init__(self, D: _Data, routes: list[list[int]]) -> None:
        self.D = D
        self.routes = [list(r) for r in routes]
        self.times = [_times(D, k, r) for k, r in enumerate(self.routes)]
        self.late = [_latest(D, k, r) for k, r in enumerate(self.routes)]
        self.rcost = [_route_cost(D, k, r) for k, r in enumerate(self.routes)]
        self.where = {}
        for k, r in enumerate(self.routes):
            for nd in r:
                self.where[nd >> 1] = k
        self.unserved = sorted(set(range(D.R)) - set(self.where))

    def copy(self) -> _Solution:
        s = object.__new__(_Solution)
        s.D = self.D
        s.routes = [list(r) for r in self.routes]
        s.times = list(self.times)
        s.late = list(self.late)
        s.rcost = list(self.rcost)
        s.where = dict(self.where)
        s.unserved = list(self.unserved)
        return s

    @property
    def cost(self) -> int:
        return sum(self.rcost) + self.D.penalty * len(self.unserved)

    def set_route(self, k: int, seq: list[int], times: list[int] | None = None) -> None:
        self.routes[k] = seq
        self.times[k] = times if times is not None else _times(self.D, k, seq)
        self.late[k] = _latest(self.D, k, seq)
        self.rcost[k] = _route_cost(self.D, k, seq)

    def remove(self, reqs: Sequence[int]) -> None:
        by_route: dict[int, set[int]] = {}
        for j in reqs:
            by_route.setdefault(self.where.pop(j), set()).update((2 * j, 2 * j + 1))
        for k, gone in by_route.items():
            # removing stops never breaks feasibility (constraints only get looser)
            self.set_route(k, [nd for nd in self.routes[k] if nd not in gone])
        self.unserved.extend(reqs)


def _recreate(sol: _Solution, rng: random.Random, *, regret: bool, noise: float) -> None:
    D = sol.D
    todo = list(sol.unserved)
    rng.shuffle(todo)
    sol.unserved = []
    # (request, vehicle) -> (delta, a, b, tested exactly) or None. Positions are first ranked by
    # the screen alone; the exact test runs when a position is chosen, and only if it fails is
    # the pair re-evaluated with exact tests (most screened positions are feasible).
    cache: dict[tuple[int, int], tuple[int, int, int, bool] | None] = {}
    memo = D.memo  # across rounds: routes the ruin did not touch are evaluated once
    if len(memo) > 400_000:
        memo.clear()
    rkey = [tuple(r) for r in sol.routes]

    def best(j: int, k: int):
        key = (j, k)
        if key not in cache:
            mkey = (j, k, rkey[k])
            got = memo.get(mkey, memo)
            if got is memo:
                ins = _best_insertion(D, k, sol.routes[k], sol.times[k], sol.late[k], j,
                                      max_checks=0)
                got = memo[mkey] = None if ins is None else (*ins, False)
            cache[key] = got
        return cache[key]

    while todo:
        pick = None
        pick_key = None
        for j in todo:
            seen_empty: set[int] = set()
            opts = []
            for k in range(D.K):
                if not sol.routes[k]:
                    cls = D.vclass[k]
                    if cls in seen_empty:
                        continue
                    seen_empty.add(cls)
                ins = best(j, k)
                if ins is not None:
                    d = ins[0]
                    if noise:
                        d = d * (1.0 + noise * (2.0 * rng.random() - 1.0))
                    opts.append((d, k, ins))
            if not opts:
                continue
            opts.sort(key=lambda o: o[0])
            if regret:
                second = opts[1][0] if len(opts) > 1 else math.inf
                key = (-(second - opts[0][0]), opts[0][0])
            else:
                key = (opts[0][0],)
            if pick_key is None or key < pick_key:
                pick_key, pick = key, (j, opts[0][1], opts[0][2])
        if pick is None:
            sol.unserved.extend(todo)
            break
        j, k, (_, a, b, tested) = pick
        new = _insert(sol.routes[k], j, a, b)
        times = _times(D, k, new)
        if times is None:  # the screen let an infeasible position through: test exactly
            ins = None if tested else _best_insertion(D, k, sol.routes[k], sol.times[k],
                                                      sol.late[k], j)
            cache[(j, k)] = memo[(j, k, rkey[k])] = None if ins is None else (*ins, True)
            continue
        sol.set_route(k, new, times)
        rkey[k] = tuple(new)
        sol.where[j] = k
        todo.remove(j)
        for key in [key for key in cache if key[1] == k]:
            del cache[key]
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


def _relocate_stops(D: _Data, k: int, seq: list[int]) -> list[int] | None:
    """First-improvement descent moving single stops within route ``k`` (a pickup stays before
    its delivery); only cost-improving moves are tested exactly. ``None`` if nothing improves."""
    c = D.c
    s0, e0 = 2 * D.R + 2 * k, 2 * D.R + 2 * k + 1
    improved = False
    again = True
    while again:
        again = False
        nodes = [s0, *seq, e0]
        n = len(seq)
        for i in range(1, n + 1):
            x = nodes[i]
            prev, nxt = nodes[i - 1], nodes[i + 1]
            gain = c[prev][x] + c[x][nxt] - c[prev][nxt]
            rest = nodes[:i] + nodes[i + 1:]
            partner = x + 1 if not x & 1 else x - 1
            if x < 2 * D.R:
                jp = rest.index(partner)
                lo_pos, hi_pos = (1, jp) if not x & 1 else (jp + 1, len(rest) - 1)
            else:  # pragma: no cover - start/end never inside
                continue
            for pos in range(lo_pos, hi_pos + 1):  # insert before rest[pos]
                if pos == i:
                    continue
                u, v = rest[pos - 1], rest[pos]
                if c[u][x] + c[x][v] - c[u][v] >= gain:
                    continue
                new = rest[1:pos] + [x] + rest[pos:-1]
                if _loads_ok(D, k, new) and _times(D, k, new) is not None:
                    seq = new
                    improved = again = True
                    break
            if again:
                break
    return seq if improved else None


def _served(sol: _Solution) -> list[int]:
    return sorted(sol.where)


def _ruin(sol: _Solution, rng: random.Random, q: int, rule: int, dist: list[list[int]]) -> None:
    D = sol.D
    served = _served(sol)
    if not served:
        return
    q = min(q, len(served))
    if rule == 0:  # random
        sol.remove(rng.sample(served, q))
        return
    if rule == 1:  # Shaw: related in space and time
        pos = {}
        for k, seq in enumerate(sol.routes):
            t = sol.times[k]
            for i, nd in enumerate(seq, start=1):
                pos[nd] = t[i]
        seed_r = rng.choice(served)
        chosen = [seed_r]
        rest = [j for j in served if j != seed_r]
        while len(chosen) < q and rest:
            ref = rng.choice(chosen)
            pr, dr = 2 * ref, 2 * ref + 1

            def rel(j: int, pr: int = pr, dr: int = dr) -> float:
                return (dist[pr][2 * j] + dist[dr][2 * j + 1]
                        + abs(pos[pr] - pos[2 * j]) + abs(pos[dr] - pos[2 * j + 1]))

            rest.sort(key=rel)
            idx = int(len(rest) * rng.random() ** 6)
            chosen.append(rest.pop(idx))
        sol.remove(chosen)
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
    chosen = []
    while len(chosen) < q and gains:
        chosen.append(gains.pop(int(len(gains) * rng.random() ** 3))[1])
    sol.remove(chosen)


def lns_improve(inst: LnsInstance, routes: Sequence[Sequence[int]], *, seed: int = 0,
                time_limit_s: float | None = None, max_iterations: int | None = None,
                min_remove: float = 0.10, max_remove: float = 0.35,
                start_worse: float = 0.03, polish: bool = True) -> LnsResult:
    """Improve a DARP plan by ruin and recreate with simulated-annealing acceptance.

    Parameters
    ----------
    inst
        The integer model.
    routes
        Starting plan: ``routes[k]`` the request stops of vehicle ``k`` in order (each route
        must be feasible; requests on no route start unserved and are inserted when possible).
    seed
        Seed of the random generator (same seed and ``max_iterations`` without time limit =
        same result).
    time_limit_s
        Wall-time budget in seconds (``None`` = no time limit).
    max_iterations
        Number of ruin-and-recreate rounds (``None`` = until the time limit).
    min_remove, max_remove
        Share of the served requests removed per round (uniform between the two).
    polish
        After each recreate, move single stops within every changed route while that lowers
        the cost (first improvement, exact test).
    start_worse
        Start temperature: a plan this much worse (share of the start cost) is accepted with
        probability 1/2; the temperature falls to 1/1000 of it over the budget.

    Returns
    -------
    LnsResult
        The best plan found (never worse than the start: fewer unserved, then lower cost).

    Raises
    ------
    optimizer.errors.InputError
        If neither limit is given, a route has an infeasible order or serves a request twice.
    """
    if time_limit_s is None and max_iterations is None:
        raise InputError("lns_improve needs time_limit_s or max_iterations", field="limits")
    if not 0 < min_remove <= max_remove < 1:
        raise InputError("expected 0 < min_remove <= max_remove < 1", field="min_remove")
    if not start_worse >= 0:
        raise InputError("start_worse must be >= 0", field="start_worse")
    t0 = time.perf_counter()
    D = _Data(inst)
    if len(routes) != D.K:
        raise InputError(f"{len(routes)} routes for {D.K} vehicles", field="routes")
    seen: set[int] = set()
    for k, seq in enumerate(routes):
        for nd in seq:
            if nd in seen or not 0 <= nd < 2 * D.R:
                raise InputError(f"route {k}: stop {nd} repeated or not a request stop",
                                 field="routes")
            seen.add(nd)
        if _times(D, k, list(seq)) is None:
            raise InputError(f"route {k} has an infeasible order", field="routes")
    rng = random.Random(seed)
    cur = _Solution(D, [list(r) for r in routes])
    if cur.unserved:
        _recreate(cur, rng, regret=True, noise=0.0)
    best = cur.copy()
    best_cost = best.cost
    # relatedness distance: travel between stops (symmetrised)
    tr = np.asarray(inst.transit, dtype=np.int64)
    dist = np.minimum(tr, tr.T).tolist()
    t_start = start_worse * sum(cur.rcost) / 0.6931  # accepted with p = 1/2
    t_end = t_start / 1000.0
    it = improvements = 0
    while True:
        if max_iterations is not None and it >= max_iterations:
            break
        elapsed = time.perf_counter() - t0
        if time_limit_s is not None and elapsed >= time_limit_s:
            break
        frac = (it / max_iterations if max_iterations is not None and time_limit_s is None
                else elapsed / time_limit_s)
        temp = t_start * (t_end / t_start) ** min(1.0, frac) if t_start > 0 else 0.0
        cand = cur.copy()
        served_n = D.R - len(cand.unserved)
        lo_q = max(2, int(min_remove * served_n))
        hi_q = max(lo_q, min(40, int(max_remove * served_n)))
        q = rng.randint(lo_q, hi_q)
        _ruin(cand, rng, q, rng.randrange(3), dist)
        regret = rng.random() < 0.5
        _recreate(cand, rng, regret=regret, noise=0.0 if regret else 0.1)
        if polish:
            for k, seq in enumerate(cand.routes):
                if seq != cur.routes[k]:
                    better = _relocate_stops(D, k, seq)
                    if better is not None:
                        cand.set_route(k, better)
        it += 1
        c_new, c_cur = cand.cost, cur.cost
        if c_new < best_cost:
            best, best_cost = cand.copy(), c_new
            improvements += 1
        if c_new <= c_cur or (temp > 0 and rng.random() < math.exp(-(c_new - c_cur) / temp)):
            cur = cand
    return LnsResult(routes=tuple(tuple(r) for r in best.routes), cost=int(best_cost),
                     unserved=tuple(best.unserved), iterations=it, improvements=improvements)
