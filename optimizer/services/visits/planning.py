"""Visit planning over a horizon (a month by default): :func:`plan_visits`.

Steps: the visits due in the horizon (:mod:`~optimizer.services.visits.horizon`, the stated
rule); per office the land times and crossings (:mod:`~optimizer.services.visits.travel`); the
territories, worker-days and days (:mod:`~optimizer.services.visits.schedule`; an office with at
most :data:`~optimizer.services.visits.routing.EXACT_OFFICE_VISITS` visits, all on land and due
once, is split exactly); the timed visits; the lower bound on travel (:func:`travel_lower_bound`).
Every due visit is planned or listed with a reason code (``HOME_UNREACHABLE``,
``VISIT_NO_SAILING``, ``OFFICE_CAPACITY``).
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from optimizer.network.build import Network
from optimizer.network.ferries import pier_node_id
from optimizer.network.islands import land_components
from optimizer.results import Note, NoteKind, SearchRecord, SolveStatus
from optimizer.services.visits.horizon import due_dates, horizon, working_days
from optimizer.services.visits.inputs import Household, Office, VisitsInputs
from optimizer.services.visits.params import VisitsParams
from optimizer.services.visits.routing import EXACT_OFFICE_VISITS, exact_partition
from optimizer.services.visits.schedule import (Route, assign_days, bearing, ferry_eval,
                                                ferry_routes, land_routes, territories)
from optimizer.services.visits.travel import FerryAccess, Timetables, office_travel
from optimizer.units import hhmm

__all__ = ["DAY_COLUMNS", "TERRITORY_COLUMNS", "UNVISITED_COLUMNS", "VISIT_COLUMNS", "VisitPlan",
           "balance_workers", "ferry_day_least", "plan_visits", "travel_lower_bound",
           "worker_name"]

VISIT_COLUMNS = ("office_id", "worker", "date", "seq", "household_id", "village_code",
                 "village", "island_id", "arrive", "leave", "travel_min", "due_date", "ferry",
                 "territory_worker")
"""The planned visits (one row per visit; ``arrive``/``leave`` HH:MM; ``travel_min`` from the
previous place; ``territory_worker`` the worker of the household's village, who visits it
unless a day was lent to balance the month, :func:`balance_workers`)."""

DAY_COLUMNS = ("office_id", "worker", "date", "start", "end", "visits", "travel_min",
               "visit_min", "ferry_crossings", "island_group")
"""The worker-days (one route from the office and back each)."""

UNVISITED_COLUMNS = ("household_id", "office_id", "village_code", "village", "island_id",
                     "visits_missed", "reason")
"""Households with a visit due and not planned, with a reason code."""

TERRITORY_COLUMNS = ("office_id", "office", "worker", "village_code", "village", "island_id",
                     "households", "visits_per_year", "lon", "lat")
"""Which worker covers which village (village reference points: published)."""



EXACT_BOUND_MAX_NODES = 2_000
"""Largest assignment (visits plus office copies of one office) :func:`travel_lower_bound`
solves exactly; above it the weaker row/column-minimum bound is used (project choice: the
baseline's largest office has a few hundred land visits a month; 10 x that took minutes)."""

def worker_name(office_id: str, k: int) -> str:
    """``"OF001-W1"``: worker ``k`` (0-based) of an office (no person's name)."""
    return f"{office_id}-W{k + 1}"


@dataclass(frozen=True)
class VisitPlan:
    """The visits of the horizon (tables as :data:`VISIT_COLUMNS`, :data:`DAY_COLUMNS`,
    :data:`UNVISITED_COLUMNS`, :data:`TERRITORY_COLUMNS`).

    ``visits_required`` counts due visits; ``travel_lower_bound_s`` is
    :func:`travel_lower_bound` over the planned visits (seconds)."""

    start: dt.date
    end: dt.date
    visits: pd.DataFrame
    days: pd.DataFrame
    unvisited: pd.DataFrame
    territories: pd.DataFrame
    households: int
    households_due: int
    visits_required: int
    workers: int
    travel_lower_bound_s: float
    exact_offices: tuple[str, ...] = ()
    notes: tuple[Note, ...] = field(default=())

    @property
    def kpis(self) -> dict[str, float | int | str]:
        """The plan's KPIs (see :data:`optimizer.outputs.labels.VISITS_KPI_LABELS`).

        ``households_overdue``: households with a visit due in the horizon that is not planned
        (their visit will be late; in a one-horizon plan the same as ``households_unvisited``).
        ``travel_share``: travel / (travel + time in homes), percent. ``travel_gap_pct``:
        (travel − bound) / travel, percent (:func:`travel_lower_bound`)."""
        d = self.days
        travel = float(d["travel_min"].sum()) if len(d) else 0.0
        visit = float(d["visit_min"].sum()) if len(d) else 0.0
        lb = self.travel_lower_bound_s / 60
        return {
            "horizon_start": self.start.isoformat(),
            "horizon_days": (self.end - self.start).days,
            "households_due": self.households_due,
            "visits_required": self.visits_required,
            "visits_planned": len(self.visits),
            "visits_unplanned": int(self.unvisited["visits_missed"].sum()),
            "households_unvisited": int(self.unvisited["household_id"].nunique()),
            "households_overdue": int(self.unvisited["household_id"].nunique()),
            "workers": self.workers,
            "worker_days": len(d),
            "visits_by_stand_in": int((self.visits["worker"]
                                       != self.visits["territory_worker"]).sum()),
            "visits_per_worker_day": round(len(self.visits) / len(d), 2) if len(d) else 0.0,
            "travel_share": round(100 * travel / (travel + visit), 1) if travel + visit else 0.0,
            "travel_hours": round(travel / 60, 1),
            "travel_lower_bound_min": round(lb, 1),
            "travel_gap_pct": round(100 * (travel - lb) / travel, 1) if travel else 0.0,
            "ferry_crossings": int(d["ferry_crossings"].sum()) if len(d) else 0,
        }


@dataclass
class _Office:
    office: Office
    hh: list[Household]             # due households (matrix index = position + 1)
    due: list[list[dt.date]]
    days: list[dt.date]
    D: np.ndarray
    worker_of: list[int]
    group_of: list[str]             # "" = road-linked to the office
    ferries: dict[str, tuple[FerryAccess, list[int]]]
    unvisited: list[tuple[int, str]] = field(default_factory=list)
    routes: list[Route] = field(default_factory=list)
    ferry_extra_s: float = 0.0


def _due(inputs: VisitsInputs, start: dt.date, end: dt.date) -> dict[str, list[dt.date]]:
    return {h.household_id: due_dates(h.household_id, h.visits_per_year, start, end)
            for h in inputs.households}


def _territory_units(o: Office, living: Sequence[Household], comp: dict[str, int],
                     inputs: VisitsInputs) -> dict[str, int]:
    acc: dict[str, list] = {}
    home = comp.get(o.island_id)
    for h in living:
        u = acc.setdefault(h.village_code, [0.0, 0.0, 0, 0.0])
        u[0] += h.lon
        u[1] += h.lat
        u[2] += 1
        u[3] += h.visits_per_year
    units = []
    for v, (x, y, n, load) in acc.items():
        c = comp.get(inputs.villages[v].island_id) if v in inputs.villages else None
        g = "" if c is not None and c == home else inputs.villages[v].island_id
        units.append((v, (g, bearing(o.lon, o.lat, x / n, y / n)), load))
    return territories(units, o.workers)


def _office_setup(o: Office, living: list[Household], due: dict[str, list[dt.date]],
                  net: Network, params: VisitsParams, comp: dict[str, int], tts: Timetables,
                  inputs: VisitsInputs, start: dt.date, end: dt.date) -> _Office:
    terr = _territory_units(o, living, comp, inputs)
    hh = [h for h in living if due[h.household_id]]
    hh.sort(key=lambda h: (bearing(o.lon, o.lat, h.lon, h.lat), h.household_id))
    tr = office_travel(net, [(o.lon, o.lat)] + [(h.lon, h.lat) for h in hh],
                       travel_mode=params.travel_mode)
    st = _Office(o, hh, [due[h.household_id] for h in hh],
                 working_days(start, end, o.working_days), tr.land_s,
                 [terr[h.village_code] for h in hh], [], {},
                 ferry_extra_s=params.ferry_day_extra_min * 60)
    home = comp.get(o.island_id)
    members: dict[str, list[int]] = defaultdict(list)
    for i, h in enumerate(hh, start=1):
        c = comp.get(h.residence_island_id)
        if tr.nodes[i] is None or tr.nodes[0] is None:
            st.group_of.append("-")
            st.unvisited.append((i, "HOME_UNREACHABLE"))
        elif c is not None and c == home:
            st.group_of.append("")
            if not np.isfinite(tr.land_s[0, i] + tr.land_s[i, 0]):
                st.unvisited.append((i, "HOME_UNREACHABLE"))
        else:
            g = min(k for k, v in comp.items() if v == c) if c is not None else h.residence_island_id
            st.group_of.append(g)
            members[g].append(i)
    for g, idx in members.items():
        c = comp.get(g)
        isl = frozenset(k for k, v in comp.items() if v == c) if c is not None else {g}
        fa = FerryAccess(net, tr.nodes[0], [tr.nodes[i] for i in idx], o.start_s,
                         o.hours_per_day * 3600 + st.ferry_extra_s, params.travel_mode, tts,
                         frozenset(isl))
        st.ferries[g] = (fa, idx)
    return st


def _exact_ok(st: _Office) -> bool:
    n = len(st.hh)
    return (0 < n <= EXACT_OFFICE_VISITS and not st.unvisited and not st.ferries
            and all(len(d) == 1 for d in st.due))


def _plan_exact(st: _Office, visit_s: float, day_s: float) -> None:
    res = exact_partition(st.D, visit_s=visit_s, day_s=day_s,
                          max_routes=st.office.workers * len(st.days))
    if res is None:
        st.unvisited += [(i, "OFFICE_CAPACITY") for i in range(1, len(st.hh) + 1)]
        return
    routes = [Route(-1, r) for r in res[0]]
    load = [0.0] * st.office.workers
    for r in sorted(routes, key=lambda r: (-len(r.stops), r.stops)):
        w = min(range(st.office.workers), key=lambda k: (load[k], k))
        r.worker = w
        load[w] += len(r.stops)
    for r in assign_days(routes, st.days, st.office.workers, 1):  # pragma: no cover - fits
        st.unvisited += [(i, "OFFICE_CAPACITY") for i in r.stops]
    st.routes = routes


def _plan_heuristic(st: _Office, visit_s: float, day_s: float) -> None:
    parts = max([len(d) for d in st.due] + [1])
    routes: list[Route] = []
    bad = {i for i, _ in st.unvisited}
    for p in range(parts):
        sl = st.days[p * len(st.days) // parts:(p + 1) * len(st.days) // parts]
        for w in range(st.office.workers):
            mine = [i for i in range(1, len(st.hh) + 1) if st.worker_of[i - 1] == w
                    and len(st.due[i - 1]) > p and i not in bad]
            land = [i for i in mine if st.group_of[i - 1] == ""]
            for r in land_routes(land, st.D, visit_s=visit_s, day_s=day_s):
                seq = [0, *r, 0]
                secs = sum(st.D[a, b] for a, b in zip(seq, seq[1:])) + visit_s * len(r)
                routes.append(Route(w, r, "", p, meta={"secs": float(secs)}))
            placed = {i for r in routes for i in r.stops}
            st.unvisited += [(i, "HOME_UNREACHABLE") for i in land if i not in placed]
            for g, (fa, idx) in st.ferries.items():
                local = [k for k, i in enumerate(idx) if i in mine]
                if not local:
                    continue
                rs, left = ferry_routes(local, fa, st.D[np.ix_(idx, idx)], sl, visit_s=visit_s,
                                        day_s=day_s + st.ferry_extra_s,
                                        start_s=st.office.start_s)
                routes += [Route(w, [idx[k] for k in seq], g, p, ok, meta={"secs": day_s})
                           for seq, ok in rs]
                st.unvisited += [(idx[k], "VISIT_NO_SAILING") for k in left]
    for p in range(parts):
        n_days = (p + 1) * len(st.days) // parts - p * len(st.days) // parts
        balance_workers([r for r in routes if r.part == p], st.office.workers, n_days)
    for r in assign_days(routes, st.days, st.office.workers, parts):
        st.unvisited += [(i, "OFFICE_CAPACITY") for i in r.stops]
        routes.remove(r)
    st.routes = routes


def balance_workers(routes: Sequence[Route], workers: int, n_days: int,
                    max_moves: int = 100) -> int:
    """Lend whole road-linked days from the busiest worker to the least busy one of an office
    while that narrows the gap between them (each move: the day whose hours are nearest half
    the gap and below it; the receiver must have a free day). Ferry days stay with their
    worker. Returns the number of days lent (their visits are by a stand-in this horizon).
    """
    moves = 0
    for _ in range(max_moves):
        load = [0.0] * workers
        count = [0] * workers
        for r in routes:
            load[r.worker] += r.meta.get("secs", 0.0)
            count[r.worker] += 1
        hi = max(range(workers), key=lambda w: (load[w], -w))
        lo = min(range(workers), key=lambda w: (load[w], w))
        gap = load[hi] - load[lo]
        cands = [r for r in routes if r.worker == hi and not r.group
                 and r.meta.get("secs", 0.0) < gap - 1e-6]
        if hi == lo or not cands or count[lo] >= n_days:
            break
        best = min(cands, key=lambda r: (abs(r.meta["secs"] - gap / 2), r.stops))
        best.worker = lo
        moves += 1
    return moves


def _time_route(st: _Office, r: Route, visit_s: float, day_s: float) -> tuple[list, list]:
    o, D = st.office, st.D
    wname = worker_name(o.office_id, r.worker)
    if r.group:
        fa, idx = st.ferries[r.group]
        local = [idx.index(i) for i in r.stops]
        inner = D[np.ix_(idx, idx)]
        seq, travel, end = ferry_eval(fa, r.day, local, inner, visit_s=visit_s,
                                      day_s=day_s + st.ferry_extra_s, start_s=o.start_s)
        stops = [idx[k] for k in seq]
        legs = [fa.out_s(r.day)[seq[0]]] + [inner[a, b] for a, b in zip(seq, seq[1:])]
        back = end - (o.start_s + sum(legs) + visit_s * len(stops))
        crossings = fa.sailings_out(r.day, seq[0]) + fa.sailings_back(
            r.day, seq[-1], end - back)
    else:
        stops = r.stops
        legs = [D[a, b] for a, b in zip([0, *stops], stops)]
        back, crossings = D[stops[-1], 0], 0
    rows, t = [], float(o.start_s)
    for k, (i, leg) in enumerate(zip(stops, legs), start=1):
        h = st.hh[i - 1]
        t += leg
        due = st.due[i - 1][min(r.part, len(st.due[i - 1]) - 1)]
        rows.append((o.office_id, wname, r.day.isoformat(), k, h.household_id, h.village_code,
                     "", h.residence_island_id, hhmm(t), hhmm(t + visit_s),
                     round(leg / 60, 1), due.isoformat(), "yes" if r.group else "no",
                     worker_name(o.office_id, st.worker_of[i - 1])))
        t += visit_s
    travel = sum(legs) + back
    day = (o.office_id, wname, r.day.isoformat(), hhmm(o.start_s), hhmm(t + back), len(stops),
           round(travel / 60, 1), round(visit_s * len(stops) / 60, 1), int(crossings),
           r.group)
    return rows, [day]


def travel_lower_bound(D: np.ndarray, land: Sequence[int], ferry: Sequence[tuple[int, float]],
                       *, visit_s: float, day_s: float, ferry_day_s: float | None = None
                       ) -> float:
    """A lower bound (seconds) on the travel of any plan of these visits of one office.

    Land: the larger of two valid bounds on the road-linked visits (``r = ⌈visits × visit_s /
    day_s⌉`` worker-days at least, since the visits alone fill that many days):

    * **assignment**: land times are shortest paths plus access legs, so they obey the triangle
      inequality: joining two routes into one never adds travel, hence some plan with exactly
      ``r`` routes (ignoring the hours) costs no more than the best plan. Dropping the "no
      subtour" condition of those routes leaves an assignment problem (every visit and each of
      ``r`` copies of the office gets one successor and one predecessor, never itself; office →
      office forbidden; two visits of one household never follow each other, as they fall on
      different days), solved exactly (:func:`scipy.optimize.linear_sum_assignment`). With
      more than :data:`EXACT_BOUND_MAX_NODES` nodes (visits plus office copies: an office of
      the 10 x dataset) the assignment is replaced by its own lower bound, the larger of the
      sums of the row minima and of the column minima (the exact assignment there is cubic in
      the visits: minutes per office).
    * **radial** (bin packing of the farthest visits): a day's route costs at least the round
      trip office → v → office to each of its visits ``v`` (triangle inequality), and a day
      holds at most ``c = ⌊day_s / visit_s⌋`` visits; with the round trips sorted longest
      first, any split into days of at most ``c`` costs at least the sum of every ``c``-th
      round trip from the first (each day pays its longest; the ``k``-th day's longest is at
      least the ``k c``-th longest). Strong where the travel is mostly getting out to distant
      villages and back, where the assignment bound lets neighbouring homes pair up at ~0.

    A ferry group with ``k`` visits needs at least ``⌈k × visit_s / ferry_day_s⌉`` days
    (default ``day_s``), each with at least ``cross_s`` seconds of crossing (given: the least out
    journey of the horizon plus the shortest sailing back with its boarding buffer); moves on the
    island count 0. The bound holds for plans whose worker-days each serve either the
    road-linked area or one island group (the planner's plans).

    Parameters
    ----------
    D
        Land seconds, office = row/column 0.
    land
        Matrix indices of the land visits (an index twice for a household visited twice).
    ferry
        ``(visits, cross_s)`` per island group.
    """
    lb = max(_assignment_bound(D, land, visit_s, day_s), _radial_bound(D, land, visit_s, day_s))
    for k, cross in ferry:
        if k and math.isfinite(cross):
            lb += math.ceil(k * visit_s / (ferry_day_s or day_s)) * cross
    return lb


def _assignment_bound(D: np.ndarray, land: Sequence[int], visit_s: float, day_s: float
                      ) -> float:
    """The assignment relaxation of :func:`travel_lower_bound` (seconds; 0 without visits)."""
    from scipy.optimize import linear_sum_assignment

    if not land:
        return 0.0
    from collections import Counter

    # at least the days the visits fill, and one day per visit of the most-visited household
    r = max(1, math.ceil(len(land) * visit_s / day_s), max(Counter(land).values()))
    nodes = [0] * r + list(land)
    C = D[np.ix_(nodes, nodes)].astype(float)
    C[:r, :r] = np.inf
    idx = np.asarray(nodes)
    same = idx[:, None] == idx[None, :]
    same[:r, :r] = False
    C[same] = np.inf  # the diagonal, and two visits of one household
    if len(nodes) > EXACT_BOUND_MAX_NODES:
        # each node has one successor and one predecessor: the row minima (and the column
        # minima) sum to at most the assignment's optimum
        return max(float(np.min(C, axis=1).sum()), float(np.min(C, axis=0).sum()))
    big = 1e9  # stands for "forbidden" (linear_sum_assignment needs finite costs)
    C = np.where(np.isfinite(C), C, big)
    rows, cols = linear_sum_assignment(C)
    return float(C[rows, cols].sum())


def _radial_bound(D: np.ndarray, land: Sequence[int], visit_s: float, day_s: float) -> float:
    """The radial (farthest visit per day) bound of :func:`travel_lower_bound` (seconds)."""
    if not land:
        return 0.0
    c = max(1, int(day_s // visit_s))
    idx = np.asarray(land)
    trips = np.sort(D[0, idx].astype(float) + D[idx, 0].astype(float))[::-1]
    return float(trips[::c].sum())


def _back_min(net: Network, tts: Timetables, days: Sequence[dt.date], comp: dict[str, int],
              group: str) -> float:
    c = comp.get(group)
    best = math.inf
    for d in dict.fromkeys(tts.get(x)[1] for x in days):
        tt = next(tts.get(x)[0] for x in days if tts.get(x)[1] == d)
        for s in tt.sailings:
            node = pier_node_id(s.from_stop_id)
            isl = net.G.nodes[node].get("island_id") if node in net.G else None
            if isl is not None and comp.get(isl) == c and comp.get(
                    net.G.nodes.get(pier_node_id(s.to_stop_id), {}).get("island_id")) != c:
                best = min(best, s.duration_s)
    return best + float(net.boarding_buffer_s.get("foot", 0.0))


def ferry_day_least(fa: FerryAccess, days: Sequence[dt.date], most: int, visit_s: float
                    ) -> list[float]:
    """The least travel (seconds) of any ferry day to ``fa``'s island group with ``m`` visits,
    for ``m = 1 .. most`` (list position ``m - 1``), over ``days`` (one search per distinct
    timetable), waits for the sailings included.

    A day with ``m`` visits leaves the group no earlier than ``L = start + out + m × visit_s``
    (``out`` = the earliest arrival at any of its homes, :meth:`FerryAccess.out_s`), so it ends
    no earlier than the earliest return to the office from any of its homes leaving at ``L``
    (later departures never arrive earlier: sailings and roads are first-in first-out). Its
    travel (the day's span less its visits, as :func:`~optimizer.services.visits.schedule.
    ferry_eval` counts it) is therefore at least ``out + min_home back_s(L)``. ``inf`` when no
    day reaches the group.
    """
    best = [math.inf] * most
    seen: set = set()
    for d in days:
        key = fa.timetables.get(d)[1]
        if key in seen:
            continue
        seen.add(key)
        out = fa.out_s(d)
        ok = [i for i in range(len(out)) if math.isfinite(out[i])]
        if not ok:
            continue
        first = float(min(out[i] for i in ok))
        for m in range(1, most + 1):
            leave = fa.start_s + first + m * visit_s
            best[m - 1] = min(best[m - 1], first + min(fa.back_s(d, i, leave) for i in ok))
    return best


def ferry_group_least(k: int, per_day: Sequence[float]) -> float:
    """Least total of ``per_day[m - 1]`` over every split of ``k`` visits into days of at most
    ``len(per_day)`` visits (a knapsack by dynamic programming; seconds; ``inf`` if none)."""
    total = [0.0] + [math.inf] * k
    for n in range(1, k + 1):
        total[n] = min((per_day[m - 1] + total[n - m] for m in range(1, min(n, len(per_day)) + 1)),
                       default=math.inf)
    return total[k]


def _bound(st: _Office, net: Network, tts: Timetables, comp: dict[str, int], visit_s: float,
           day_s: float) -> float:
    """:func:`travel_lower_bound` of the office's land visits, plus per island group the larger
    of its crossing bound and :func:`ferry_group_least` over :func:`ferry_day_least`."""
    land = [i for r in st.routes if not r.group for i in r.stops]
    ferry_day_s = day_s + st.ferry_extra_s
    lb = travel_lower_bound(st.D, land, [], visit_s=visit_s, day_s=day_s)
    for g, (fa, idx) in st.ferries.items():
        k = sum(len(r.stops) for r in st.routes if r.group == g)
        if not k:
            continue
        out = min(float(np.min(fa.out_s(d))) for d in st.days)
        cross = travel_lower_bound(st.D, [], [(k, out + _back_min(net, tts, st.days, comp, g))],
                                   visit_s=visit_s, day_s=day_s, ferry_day_s=ferry_day_s)
        cap = max(1, int(ferry_day_s // visit_s))
        per_day = ferry_day_least(fa, st.days, min(k, cap), visit_s)
        lb += max(cross, ferry_group_least(k, per_day))
    return lb


def plan_visits(inputs: VisitsInputs, net: Network, params: VisitsParams, *, date: dt.date
                ) -> VisitPlan:
    """Plan every visit due in the horizon (see the module and
    :mod:`optimizer.services.visits.schedule`).

    Parameters
    ----------
    inputs
        Validated households and offices.
    net
        The built network (roads, piers, the feed for each day's sailings).
    params
        ``horizon_start``, ``horizon_days``, ``visit_min``, ``travel_mode``.
    date
        The scenario's date (default horizon: its month).

    Returns
    -------
    VisitPlan
    """
    start, end = horizon(date, start=params.horizon_start, days=params.horizon_days)
    due = _due(inputs, start, end)
    comp = land_components(net.G)
    tts = Timetables(net)
    visit_s = params.visit_min * 60
    vrows, drows, urows, exact, lb = [], [], [], [], 0.0
    for o in inputs.offices:
        living = [h for h in inputs.households if h.residence_town_code == o.town_code]
        st = _office_setup(o, living, due, net, params, comp, tts, inputs, start, end)
        day_s = o.hours_per_day * 3600
        if _exact_ok(st):
            _plan_exact(st, visit_s, day_s)
            exact.append(o.office_id)
        elif st.hh:
            _plan_heuristic(st, visit_s, day_s)
        for r in sorted(st.routes, key=lambda r: (r.day, r.worker)):
            v, d = _time_route(st, r, visit_s, day_s)
            vrows += v
            drows += d
        missed: dict[tuple[int, str], int] = defaultdict(int)
        for i, code in st.unvisited:
            missed[(i, code)] += 1
        for (i, code), n in sorted(missed.items()):
            h = st.hh[i - 1]
            urows.append((h.household_id, o.office_id, h.village_code, "", h.residence_island_id,
                          n, code))
        lb += _bound(st, net, tts, comp, visit_s, day_s)
    return _assemble(inputs, comp, start, end, due, vrows, drows, urows, lb, tuple(exact))


def _assemble(inputs: VisitsInputs, comp: dict[str, int], start: dt.date, end: dt.date,
              due: dict[str, list[dt.date]], vrows: list, drows: list, urows: list, lb: float,
              exact: tuple[str, ...]) -> VisitPlan:
    name = {v: x.name_zh for v, x in inputs.villages.items()}
    visits = pd.DataFrame(vrows, columns=list(VISIT_COLUMNS))
    visits["village"] = visits["village_code"].map(name).fillna("")
    visits = visits.sort_values(["office_id", "worker", "date", "seq"]).reset_index(drop=True)
    days = pd.DataFrame(drows, columns=list(DAY_COLUMNS)).sort_values(
        ["office_id", "worker", "date"]).reset_index(drop=True)
    unv = pd.DataFrame(urows, columns=list(UNVISITED_COLUMNS))
    unv["village"] = unv["village_code"].map(name).fillna("")
    unv = unv.sort_values(["office_id", "household_id", "reason"]).reset_index(drop=True)
    notes = (Note(NoteKind.ASSUMPTION,
                  "探访频次按类别折算到本月（规则见数据说明）；工作人员以编号表示",
                  "Visits due in the horizon by the stated rule; workers are numbered, not "
                  "named"),)
    return VisitPlan(start, end, visits, days, unv, territory_table(inputs, comp),
                     len(inputs.households), sum(1 for d in due.values() if d),
                     sum(len(d) for d in due.values()), sum(o.workers for o in inputs.offices),
                     lb, exact, notes)


def territory_table(inputs: VisitsInputs, comp: dict[str, int]) -> pd.DataFrame:
    """:data:`TERRITORY_COLUMNS`: every village with households, its office and worker (the
    territories of :func:`~optimizer.services.visits.schedule.territories`; ``comp`` island →
    road-linked group, :func:`optimizer.network.islands.land_components`)."""
    rows = []
    for o in inputs.offices:
        living = [h for h in inputs.households if h.residence_town_code == o.town_code]
        terr = _territory_units(o, living, comp, inputs)
        agg: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        for h in living:
            agg[h.village_code][0] += 1
            agg[h.village_code][1] += h.visits_per_year
        for v, (n, vpy) in sorted(agg.items()):
            vil = inputs.villages.get(v)
            rows.append((o.office_id, o.name_zh, worker_name(o.office_id, terr[v]), v,
                         vil.name_zh if vil else v, vil.island_id if vil else "", n, vpy,
                         vil.lon if vil else math.nan, vil.lat if vil else math.nan))
    return pd.DataFrame(rows, columns=list(TERRITORY_COLUMNS))
