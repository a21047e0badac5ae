"""Assigning an office's visits to workers and days, one route a worker-day (the decomposition).

1. **Territories** (:func:`territories`): the office's villages, in the order road-linked area
   first then each island group reached by ferry, each by bearing from the office, are cut into
   as many consecutive runs as the office has workers, balanced by visits a year (a village goes
   to the worker whose share holds the middle of its load). A household is always visited by its
   village's worker (the same worker every month).
2. **Worker-days** (:func:`land_routes`, :func:`ferry_routes`): each worker's visits of the
   road-linked area, by bearing from the office, fill a day while the day's travel (cheapest
   insertion) and visits fit in the working hours; then a new day starts. Visits on an island
   group reached by ferry make their own days (out on the sailings after the start of work, back
   in time for its end), timed on the horizon's timetables.
3. **Balance** (:func:`optimizer.services.visits.planning.balance_workers`): whole road-linked
   days are lent from the busiest worker of an office to the least busy while that narrows
   the gap (those visits are by a stand-in this horizon; ``visits_by_stand_in``).
4. **Days** (:func:`assign_days`): the worker-days are spread evenly over the worker's working
   days (ferry days first, on days whose sailings allow them); days that do not fit go to the
   office's worker with the most free days, else their visits are listed ``OFFICE_CAPACITY``.
5. Every day is then ordered exactly (:func:`optimizer.services.visits.routing.best_path`).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from optimizer.services.visits.routing import best_path
from optimizer.services.visits.travel import FerryAccess

__all__ = ["Route", "assign_days", "bearing", "ferry_eval", "ferry_routes", "improve_routes",
           "land_routes", "territories"]


@dataclass(eq=False)
class Route:
    """One worker-day: ``stops`` are matrix indices (1..n) in visiting order; ``group`` ``""``
    for the road-linked area, else the island group; ``days`` the dates it may take (all for
    land days); ``day`` the date given; ``part`` the part of the horizon (for households due
    more than once)."""

    worker: int
    stops: list[int]
    group: str = ""
    part: int = 0
    days: tuple[dt.date, ...] | None = None
    day: dt.date | None = None
    meta: dict = field(default_factory=dict)


def bearing(lon0: float, lat0: float, lon: float, lat: float) -> float:
    """Bearing from (lon0, lat0) to (lon, lat) in radians, in [0, 2π), east = 0, counter-
    clockwise (longitudes scaled by cos(latitude))."""
    a = math.atan2(lat - lat0, (lon - lon0) * math.cos(math.radians(lat0)))
    return a % (2 * math.pi)


def territories(units: Sequence[tuple[str, tuple, float]], workers: int) -> dict[str, int]:
    """Cut ordered units into ``workers`` balanced consecutive runs.

    Parameters
    ----------
    units
        ``(unit id, sort key, load)`` per village (load: visits a year).
    workers
        Workers of the office (>= 1).

    Returns
    -------
    dict
        Unit id → worker index 0..workers-1: the worker whose share of the cumulative load
        holds the middle of the unit's load.
    """
    ordered = sorted(units, key=lambda u: (u[1], u[0]))
    total = sum(u[2] for u in ordered) or 1.0
    out, cum = {}, 0.0
    for uid, _, load in ordered:
        out[uid] = min(workers - 1, int(workers * (cum + load / 2) / total))
        cum += load
    return out


def _insertion(route: list[int], cost: float, k: int, D: np.ndarray) -> tuple[float, int]:
    seq = [0, *route, 0]
    best, pos = math.inf, 0
    for i in range(len(seq) - 1):
        c = D[seq[i], k] + D[k, seq[i + 1]] - D[seq[i], seq[i + 1]]
        if c < best - 1e-9:
            best, pos = c, i
    return cost + best, pos


def _sweep_fill(stops: Sequence[int], D: np.ndarray, visit_s: float, day_s: float
                ) -> list[list[int]]:
    routes: list[list[int]] = []
    cur: list[int] = []
    cost = 0.0
    for k in stops:
        c, pos = _insertion(cur, cost, k, D)
        if c + (len(cur) + 1) * visit_s <= day_s:
            cur.insert(pos, k)
            cost = c
            continue
        routes.append(cur)
        cur, cost = [k], D[0, k] + D[k, 0]
    if cur:
        routes.append(cur)
    return routes


def _savings_fill(stops: Sequence[int], D: np.ndarray, visit_s: float, day_s: float
                  ) -> list[list[int]]:
    """Clarke–Wright savings: join route ends while the joined day fits (ties by index)."""
    routes = {k: [k] for k in stops}
    where = {k: k for k in stops}
    secs = {k: D[0, k] + D[k, 0] + visit_s for k in stops}
    pairs = sorted(((D[i, 0] + D[0, j] - D[i, j], i, j) for i in stops for j in stops if i != j),
                   key=lambda x: (-x[0], x[1], x[2]))
    for sav, i, j in pairs:
        if sav <= 0:
            break
        a, b = where[i], where[j]
        if a == b or routes[a][-1] != i or routes[b][0] != j:
            continue
        t = secs[a] + secs[b] - D[i, 0] - D[0, j] + D[i, j]
        if t > day_s:
            continue
        routes[a] += routes.pop(b)
        secs[a] = t
        for k in routes[a]:
            where[k] = a
    return [routes[k] for k in sorted(routes, key=lambda k: stops.index(routes[k][0]))]


def land_routes(stops: Sequence[int], D: np.ndarray, *, visit_s: float, day_s: float
                ) -> list[list[int]]:
    """Fill worker-days with ``stops`` (matrix indices, in sweep order) so that travel +
    visits fit in ``day_s`` seconds: the cheaper (then fewer days) of a sweep fill (by
    bearing, cheapest insertion) and Clarke–Wright savings, each improved by
    :func:`improve_routes`; each day then ordered exactly. Stops that do not fit a day alone
    are left out (the caller lists them)."""
    ok = [k for k in stops if D[0, k] + D[k, 0] + visit_s <= day_s]
    best = None
    for fill in (_sweep_fill, _savings_fill):
        routes = improve_routes(fill(ok, D, visit_s, day_s), D, visit_s=visit_s, day_s=day_s)
        routes = [[r[i] for i in best_path(D[0, r], D[np.ix_(r, r)], D[r, 0])[0]]
                  for r in routes]
        cost = sum(_tour(r, D) for r in routes)
        if best is None or (cost, len(routes)) < (best[0] - 1e-6, best[1]):
            best = (cost, len(routes), routes)
    return best[2] if best else []


def _tour(r: Sequence[int], D: np.ndarray) -> float:
    seq = [0, *r, 0]
    return float(sum(D[a, b] for a, b in zip(seq, seq[1:])))


def improve_routes(routes: list[list[int]], D: np.ndarray, *, visit_s: float, day_s: float,
                   max_passes: int = 4) -> list[list[int]]:
    """Relocate visits between one worker's days while the total travel falls (first
    improvement, fixed scan order, at most ``max_passes`` passes: deterministic); every day
    keeps travel + visits within ``day_s``. Emptied days are dropped."""
    routes = [list(r) for r in routes]
    cost = [_tour(r, D) for r in routes]
    for _ in range(max_passes):
        moved = False
        for a in range(len(routes)):
            k = 0
            while k < len(routes[a]):
                stop = routes[a][k]
                rest = routes[a][:k] + routes[a][k + 1:]
                save = cost[a] - _tour(rest, D)
                best = None
                for b in range(len(routes)):
                    if b == a or (len(routes[b]) + 1) * visit_s > day_s:
                        continue
                    c, pos = _insertion(routes[b], cost[b], stop, D)
                    gain = save - (c - cost[b])
                    if gain > 1e-6 and c + (len(routes[b]) + 1) * visit_s <= day_s and (
                            best is None or gain > best[0] + 1e-9):
                        best = (gain, b, pos, c)
                if best is None:
                    k += 1
                    continue
                _, b, pos, c = best
                routes[b].insert(pos, stop)
                cost[b] = c
                routes[a] = rest
                cost[a] = _tour(rest, D)
                moved = True
        if not moved:
            break
    return [r for r in routes if r]


def ferry_eval(fa: FerryAccess, day: dt.date, local: Sequence[int], inner: np.ndarray, *,
               visit_s: float, day_s: float, start_s: float) -> tuple[list[int], float, float]:
    """Order and time a ferry day to the group's homes ``local`` (indices of ``fa.nodes``).

    Returns
    -------
    (order, travel seconds, end seconds after midnight)
        ``travel`` = out crossing (waits included) + moves on the island + the way back;
        ``inf`` when the day does not fit the working hours or no sailing allows it.
    """
    out = fa.out_s(day)
    st = np.array([out[i] for i in local])
    if not np.isfinite(st).any():
        return list(local), math.inf, math.inf
    sub = inner[np.ix_(local, local)]
    order, _ = best_path(st, sub, st)
    seq = [local[i] for i in order]
    t = start_s + out[seq[0]] + visit_s
    travel = out[seq[0]]
    for a, b in zip(seq, seq[1:]):
        t += inner[a, b] + visit_s
        travel += inner[a, b]
    back = fa.back_s(day, seq[-1], t)
    travel += back
    end = t + back
    if not (math.isfinite(end) and end <= start_s + day_s + 1e-6):
        return seq, math.inf, math.inf
    return seq, float(travel), float(end)


def ferry_routes(local: Sequence[int], fa: FerryAccess, inner: np.ndarray, days: Sequence[dt.date],
                 *, visit_s: float, day_s: float, start_s: float
                 ) -> tuple[list[tuple[list[int], tuple[dt.date, ...]]], list[int]]:
    """Fill ferry days with the group's homes ``local`` (in sweep order).

    Days are built on the first of ``days`` on which one home alone fits, then every day lists
    the dates of ``days`` on which it fits (the same sailings give the same answer).

    Returns
    -------
    (routes, left)
        ``(ordered local indices, dates it fits)`` per day, and the homes no day of ``days``
        allows (no sailing there and back within the hours).
    """
    memo: dict[tuple, bool] = {}

    def fits(day, group):
        k = (fa.timetables.get(day)[1], tuple(group))
        if k not in memo:
            memo[k] = math.isfinite(ferry_eval(fa, day, group, inner, visit_s=visit_s,
                                               day_s=day_s, start_s=start_s)[1])
        return memo[k]

    ref = next((d for d in days if any(fits(d, [i]) for i in local)), None)
    if ref is None:
        return [], list(local)
    routes, left, cur = [], [], []
    for i in local:
        if not fits(ref, [i]):
            left.append(i)
        elif fits(ref, [*cur, i]):
            cur.append(i)
        else:
            routes.append(cur)
            cur = [i]
    if cur:
        routes.append(cur)
    out = []
    for r in routes:
        ok = tuple(d for d in days if fits(d, r))
        seq, _, _ = ferry_eval(fa, ok[0], r, inner, visit_s=visit_s, day_s=day_s,
                               start_s=start_s)
        out.append((seq, ok))
    return out, left


def _spread(n_routes: int, n_days: int) -> list[int]:
    return [min(n_days - 1, int((i + 0.5) * n_days / n_routes)) for i in range(n_routes)]


def assign_days(routes: Sequence[Route], days: Sequence[dt.date], workers: int,
                parts: int) -> list[Route]:
    """Give every route a day of its part of the horizon (one route a worker-day).

    Ferry routes first (on days they fit), then land routes, each on the free day of its worker
    nearest its evenly spread target; a route finding none goes to the worker of the office with
    the most free days that fits it; routes left without a day are returned (their visits are
    listed ``OFFICE_CAPACITY``).
    """
    slices = [list(days[p * len(days) // parts:(p + 1) * len(days) // parts])
              for p in range(parts)]
    busy: dict[int, set[dt.date]] = {w: set() for w in range(workers)}
    left: list[Route] = []
    for ferry in (True, False):
        for p in range(parts):
            for w in range(workers):
                mine = [r for r in routes if r.worker == w and r.part == p and bool(r.group) == ferry]
                targets = _spread(len(mine), max(1, len(slices[p])))
                for r, t in zip(mine, targets):
                    if not _place(r, w, t, slices[p], busy):
                        left.append(r)
    still = []
    for r in left:
        sl = slices[r.part]
        order = sorted(range(workers), key=lambda w: (-sum(d not in busy[w] for d in sl), w))
        if not any(_place(r, w, len(sl) // 2, sl, busy) for w in order):
            still.append(r)
    return still


def _place(r: Route, w: int, target: int, sl: Sequence[dt.date],
           busy: Mapping[int, set[dt.date]]) -> bool:
    allowed = set(r.days) if r.days is not None else None
    free = [i for i, d in enumerate(sl) if d not in busy[w] and (allowed is None or d in allowed)]
    if not free:
        return False
    i = min(free, key=lambda k: (abs(k - target), k))
    r.worker, r.day = w, sl[i]
    busy[w].add(sl[i])
    return True
