"""The day a re-plan starts from: the day's legs rebuilt from the inputs, and the run's plan
read back from its route sheet (``dispatch/route_stops.csv``).

A run's plan is reproducible (same inputs and seed, same plan), but re-solving it takes the
whole search (15 s for the baseline). A re-plan needs it in well under 5 s, so the plan is read
back from the run's own sheet instead: the order of every vehicle's stops (vehicle, row, action,
leg id) and the minute of each stop. The exact seconds are restored by solving the route's
timing constraints (:func:`route_times`) with every stop held to the minute the sheet prints:
a schedule that reproduces the sheet to the minute and that the independent checker
(:func:`optimizer.solvers.checker.check_darp`) accepts. A sheet that does not fit the inputs
(a leg the inputs do not make, or an order no schedule can keep) is refused: the inputs changed
since the run.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from optimizer.errors import InputError
from optimizer.network.ferries import FerryTimetable
from optimizer.network.placenames import route_names
from optimizer.problems.darp import DarpProblem, DarpResult, Request, Route, SolveStatus, Stop
from optimizer.services.dialysis.params import DialysisParams
from optimizer.services.dialysis.places import PlaceMatrix, build_places, day_piers
from optimizer.services.dialysis.planning import (
    _legs_and_crossings,
    _request,
    _vehicles,
    _with_route_names,
)
from optimizer.services.dialysis.records import DialysisInputs, Patient
from optimizer.services.dialysis.trips import Crossing, Leg, LegRules, Trip, sessions_for_date
from optimizer.units import parse_clock

if TYPE_CHECKING:  # pragma: no cover
    from optimizer.network.build import Network

__all__ = ["Day", "build_day", "legs_of", "read_plan", "route_times"]


@dataclass(frozen=True)
class Day:
    """The legs of a dialysis day and the car matrix they live on.

    Attributes
    ----------
    inputs, params, date
        The inputs, service rules and service date.
    m
        Places and car travel times (seconds); homes of ``extra_patients`` appended last, so
        the nodes of the run's places keep their numbers.
    rules
        Leg timing rules (the network's foot boarding buffer).
    trips
        The day's trips (outbound and return per session).
    legs
        The legs of the trips that can be made (one DARP request each, ids = leg ids).
    requests
        Leg id → DARP request (windows in seconds after midnight).
    crossing_of
        Trip id → the sailing it takes.
    unmade
        Trip id → (reason code, detail) for trips with no legs (no sailing, same place …).
    timetable
        The sailings of the day (``None``: no ferries).
    route_names
        GTFS route id → name (for the sailings named in details).
    """

    inputs: DialysisInputs
    params: DialysisParams
    date: dt.date
    m: PlaceMatrix
    rules: LegRules
    trips: tuple[Trip, ...]
    legs: tuple[Leg, ...]
    requests: Mapping[str, Request]
    crossing_of: Mapping[str, Crossing]
    unmade: Mapping[str, tuple[str, str]]
    timetable: FerryTimetable | None
    route_names: Mapping[str, str]

    @property
    def patients(self) -> dict[str, Patient]:
        """Patient id → patient."""
        return {p.patient_id: p for p in self.inputs.patients}

    def problem(self, requests: Sequence[Request], vehicles: Sequence[Any] | None = None,
                name: str = "") -> DarpProblem:
        """A DARP on this day's matrix (vehicles default: the fleet at its bases)."""
        tt = np.where(np.isfinite(self.m.travel_time_s), self.m.travel_time_s, np.inf)
        return DarpProblem(tt, tuple(requests), tuple(vehicles if vehicles is not None
                                                      else _vehicles(self.inputs.vehicles)),
                           node_labels=self.m.labels, name=name or f"dialysis {self.date}")


def build_day(inputs: DialysisInputs, network: Network, params: DialysisParams, date: dt.date,
              *, timetable: FerryTimetable | None = None, trips: Sequence[Trip] | None = None,
              extra_patients: Sequence[Patient] = (), m: PlaceMatrix | None = None) -> Day:
    """Rebuild the legs of a day exactly as :func:`plan_dialysis_day` makes them.

    Parameters
    ----------
    inputs, network, params, date
        As for :func:`~optimizer.services.dialysis.planning.plan_dialysis_day`.
    timetable
        Sailings to use (default ``network.timetable``; a re-plan passes the delayed ones).
    trips
        Trips to split into legs (default: the sessions of ``date``).
    extra_patients
        Patients without a session whose homes must be places (urgent requests).
    m
        Places already built (the same ``extra_patients``); rebuilt when ``None``.

    Returns
    -------
    Day
    """
    tt = network.timetable if timetable is None else timetable
    sessions, day_trips = sessions_for_date(inputs.patients, date, params=params)
    patients = {p.patient_id: p for p in inputs.patients}
    if m is None:
        homes = [patients[s.patient_id] for s in sessions]
        seen = {p.patient_id for p in homes}
        homes += [p for p in extra_patients if p.patient_id not in seen]
        m = build_places(inputs.vehicles, inputs.units,
                         day_piers(network.G, network.timetable, network.feed), homes,
                         network.G, network.islands)
    rules = LegRules.of(params, boarding_buffer_s=network.boarding_buffer_s["foot"])
    unmade: dict[str, tuple[str, str]] = {}

    def mark(trip: Trip, code: str, detail: str = "") -> None:
        unmade[trip.trip_id] = (code, detail)

    names = route_names(network.feed)
    use = tuple(day_trips if trips is None else trips)
    legs, crossing_of = _legs_and_crossings(use, inputs, m, tt, rules, mark, names)
    crossing_of = _with_route_names(crossing_of, network.feed)
    reqs = {leg.leg_id: _request(leg, inputs.vehicles, m, patients[leg.trip.patient_id], params,
                                 rules) for leg in legs}
    return Day(inputs, params, date, m, rules, use, tuple(legs), reqs, crossing_of, unmade, tt,
               names)


def legs_of(day: Day) -> dict[str, Leg]:
    """Leg id → leg."""
    return {leg.leg_id: leg for leg in day.legs}


# ----------------------------------------------------------------------------- timing
def route_times(tt: np.ndarray, nodes: Sequence[int], service_s: Sequence[float],
                lo: Sequence[float], hi: Sequence[float],
                rides: Sequence[tuple[int, int, float]] = ()) -> np.ndarray | None:
    """The earliest service start times of a fixed stop order, or ``None`` when none exists.

    Parameters
    ----------
    tt
        Travel times, seconds, ``(n_nodes, n_nodes)``.
    nodes
        The route's nodes in order (start depot first, end depot last).
    service_s
        Service duration at each position, seconds.
    lo, hi
        Bounds on each position's start of service (seconds after midnight; ``inf`` open).
    rides
        ``(i, j, limit_s)``: position ``j`` starts at most ``limit_s`` after position ``i``
        starts (ride time limit plus the pickup's service).

    Returns
    -------
    numpy.ndarray or None
        Shape ``(len(nodes),)``: start times, seconds after midnight.

    Notes
    -----
    Difference constraints ``t_{k+1} >= t_k + s_k + t(n_k, n_{k+1})``, ``lo <= t <= hi`` and the
    ride limits, solved as shortest paths (Bellman-Ford from a zero node; the earliest
    schedule is minus the distance to the zero node), exactly as
    :func:`optimizer.solvers.checker.route_schedule`.
    """
    n = len(nodes)
    arcs: list[tuple[int, int, float]] = []  # t_v - t_u <= w  as (u, v, w)
    z = n
    for k in range(n - 1):
        leg = float(tt[nodes[k], nodes[k + 1]])
        if not math.isfinite(leg):
            return None
        arcs.append((k + 1, k, -(service_s[k] + leg)))
    for k in range(n):
        if math.isfinite(hi[k]):
            arcs.append((z, k, float(hi[k])))
        arcs.append((k, z, -float(lo[k])))
    arcs += [(i, j, float(w)) for i, j, w in rides if math.isfinite(w)]
    dist = np.zeros(n + 1)  # from a virtual source with 0-arcs to every node
    for _ in range(n + 2):
        changed = False
        for u, v, w in arcs:
            if dist[u] + w < dist[v] - 1e-9:
                dist[v] = dist[u] + w
                changed = True
        if not changed:
            break
    else:
        return None
    return dist[:n] - dist[z]


# ----------------------------------------------------------------------------- the plan read back
def _sheet(run_dir: Path) -> pd.DataFrame:
    path = Path(run_dir) / "dispatch" / "route_stops.csv"
    if not path.is_file():
        raise InputError(f"{path} not found: RUN_DIR must be a run folder of 'optimizer run' "
                         "with the dialysis service on", file=str(path))
    df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    need = {"vehicle_id", "row", "time", "action", "leg_id"}
    if not need <= set(df.columns):
        raise InputError(f"columns {sorted(need - set(df.columns))} missing", file=str(path))
    df["row"] = df["row"].astype(int)
    return df.sort_values(["vehicle_id", "row"], kind="stable")


def read_plan(run_dir: str | Path, day: Day) -> DarpResult:
    """The run's dialysis plan read back from ``dispatch/route_stops.csv``, timed to the second.

    Parameters
    ----------
    run_dir
        The run folder.
    day
        The day rebuilt from the run's inputs (:func:`build_day`).

    Returns
    -------
    DarpResult
        The routes (in the day's leg ids) with exact times; no unserved list.

    Raises
    ------
    optimizer.errors.InputError
        If the sheet names a vehicle or a leg the inputs do not make, or a vehicle's stops
        cannot be timed to the minutes printed: the inputs changed since the run.
    """
    df = _sheet(Path(run_dir))
    src = str(Path(run_dir) / "dispatch" / "route_stops.csv")
    fleet = {v.vehicle_id: k for k, v in enumerate(day.inputs.vehicles)}
    routes = []
    for vid, grp in df.groupby("vehicle_id", sort=True):
        if vid not in fleet:
            raise InputError(f"vehicle {vid} of the run is not in the inputs: the inputs "
                             "changed since the run; re-run the scenario", file=src,
                             field="vehicle_id")
        routes.append(_route_back(day, str(vid), fleet[str(vid)], grp, src))
    return DarpResult(status=SolveStatus.FEASIBLE, routes=tuple(routes), unserved=(),
                      objective=float(sum(r.cost for r in routes)))


_ACTIONS = {"start": "start", "pickup": "pickup", "dropoff": "delivery", "end": "end"}
"""Sheet actions that are vehicle stops → DARP stop kinds."""


def _route_back(day: Day, vid: str, k: int, grp: pd.DataFrame, src: str) -> Route:
    """One vehicle's route from its sheet rows, timed to the printed minutes."""
    veh = day.inputs.vehicles[k]
    kinds, nodes, svc, rids, printed = [], [], [], [], []
    for r in grp.itertuples(index=False):
        if r.action not in _ACTIONS:
            continue  # ferry rows (board_ferry …) say what the patient does after the drop-off
        kind = _ACTIONS[r.action]
        printed.append(float(parse_clock(r.time)))
        if kind in ("start", "end"):
            kinds.append(kind)
            nodes.append(k)
            svc.append(0.0)
            rids.append(None)
            continue
        req = day.requests.get(r.leg_id)
        if req is None and str(r.leg_id).endswith(":car"):
            raise InputError(f"row {r.row} of vehicle {vid}: leg {r.leg_id!r} is a through ride "
                             "on a car ferry (the vehicle crosses with the patient); re-planning "
                             "a day with vehicles on car ferries is not supported yet: re-run the "
                             "scenario with dialysis.car_ferry_deck_places: 0 to re-plan it",
                             file=src, row=int(r.row), field="leg_id")
        if req is None:
            raise InputError(f"row {r.row} of vehicle {vid}: leg {r.leg_id!r} is not made by "
                             "the inputs: the inputs changed since the run; re-run the "
                             "scenario", file=src, row=int(r.row), field="leg_id")
        kinds.append(kind)
        nodes.append(req.pickup_node if kind == "pickup" else req.delivery_node)
        svc.append(req.pickup_service_s if kind == "pickup" else req.delivery_service_s)
        rids.append(r.leg_id)
    times = None
    for slack in (29.999, 30.0):
        times = _timed(day, veh, kinds, nodes, svc, rids, printed, slack)
        if times is not None:
            break
    if times is None:
        raise InputError(f"the stops of vehicle {vid} cannot be timed as the sheet prints them "
                         "with today's inputs: the inputs changed since the run; re-run the "
                         "scenario", file=src, field="time")
    return build_route(day.m.travel_time_s, vid, kinds, nodes, svc, rids, times, day.requests)


def _timed(day: Day, veh: Any, kinds: list[str], nodes: list[int], svc: list[float],
           rids: list[str | None], printed: list[float], slack: float) -> np.ndarray | None:
    lo, hi, rides, at = [], [], [], {}
    prob_lim = _ride_limits(day)
    for i, (kind, rid) in enumerate(zip(kinds, rids)):
        w = (float(veh.shift_start_s), float(veh.shift_end_s))
        if rid is not None:
            req = day.requests[rid]
            w = req.pickup_window_s if kind == "pickup" else req.delivery_window_s
            if kind == "pickup":
                at[rid] = i
            elif rid in at:
                rides.append((at[rid], i, prob_lim[rid] + req.pickup_service_s))
        lo.append(max(w[0], printed[i] - slack))
        hi.append(min(w[1], printed[i] + slack))
    return route_times(day.m.travel_time_s, nodes, svc, lo, hi, rides)


def _ride_limits(day: Day) -> dict[str, float]:
    """Leg id → binding ride-time limit, seconds (``min(max_ride_time, factor x direct)``)."""
    tt = day.m.travel_time_s
    out = {}
    for rid, r in day.requests.items():
        lim = r.max_ride_time_s
        if r.max_ride_factor is not None:
            lim = min(lim, r.max_ride_factor * float(tt[r.pickup_node, r.delivery_node]))
        out[rid] = lim
    return out


def build_route(tt: np.ndarray, vid: str, kinds: Sequence[str],
                nodes: Sequence[int], svc: Sequence[float], rids: Sequence[str | None],
                times: Sequence[float], requests: Mapping[str, Request]) -> Route:
    """A :class:`Route` from its stops and service start times: arrivals from the previous
    departure and the travel time, loads and cost (= travel time, the day's cost) recomputed
    (seconds)."""
    stops: list[Stop] = []
    seats = wc = 0
    tot_t = tot_c = 0.0
    for i, (kind, node, s, rid, t) in enumerate(zip(kinds, nodes, svc, rids, times)):
        if i == 0:
            arrival = float(t)
        else:
            prev = stops[-1]
            tot_t += float(tt[prev.node, node])
            tot_c += float(tt[prev.node, node])
            arrival = prev.departure_s + float(tt[prev.node, node])
        if rid is not None:
            sgn = 1 if kind == "pickup" else -1
            seats += sgn * requests[rid].seats
            wc += sgn * requests[rid].wheelchair_places
        start = float(t) if kind == "start" else max(float(t), arrival)
        stops.append(Stop(kind, int(node), rid, arrival, start, start + float(s), seats, wc))
    return Route(vid, tuple(stops), tot_c, tot_t, stops[-1].arrival_s - stops[0].departure_s)
