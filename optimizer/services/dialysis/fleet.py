"""Fleet sizing of the dialysis day (issue 12, item 4): how many vehicles, of which type and
where, would serve every servable trip, and the trips gained by each added vehicle in turn.

Candidate vehicles
------------------
For every island with trips the day plan left unserved for a reason a vehicle could fix
(:data:`FIXABLE`: capacity, no vehicle on the island, shifts, seats, wheelchair places), the pool
holds, of each type of :data:`DEFAULT_TYPES`, one vehicle per :data:`POOL_TRIPS_PER_VEHICLE`
such trips needing that type (at least one car per island with walking patients' trips, one
wheelchair car per island with wheelchair trips; a wheelchair car also carries walking
patients). A crossing trip counts on its home island and on its unit's island. Each candidate:

* home position: the base of the island's first vehicle in the fleet (file order), else the
  island's first open unit, else its first pier (by stop id); an island with none of these gets
  no candidate;
* shift: the earliest start to the latest end of the fleet's shifts (a full-day volunteer);
  06:30–18:30 without a fleet (the vehicles file's full-day shift); for trips no shift covers
  (``SHIFT_END``), candidates of the same types whose shift ends :data:`LATE_SHIFT_EXTRA_S`
  later (ids ``+late-…``);
* serves every island reachable by land from its base; does not board car ferries.

Method: :func:`optimizer.solvers.fleet_sizing.size_fleet` (one pool solve with a fixed cost per
candidate used, then a greedy order with short re-solves). Trips unserved for reasons no vehicle
can fix (no sailing, unreachable island, ride time, time windows …) are excluded and counted by
reason.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from optimizer.problems.darp import DarpProblem
from optimizer.services.dialysis.params import DialysisParams
from optimizer.services.dialysis.planning import (
    _legs_and_crossings,
    _precheck,
    _request,
    _Unserved,
    _vehicles,
)
from optimizer.services.dialysis.places import PlaceMatrix, build_places, day_piers
from optimizer.services.dialysis.records import DialysisInputs, VehicleSpec
from optimizer.services.dialysis.result import DialysisPlan
from optimizer.services.dialysis.trips import LegRules, sessions_for_date
from optimizer.solvers.fleet_sizing import FleetSizing, size_fleet
from optimizer.solvers.params import SolverParams
from optimizer.units import hhmm

if TYPE_CHECKING:  # pragma: no cover
    from optimizer.network.build import Network

__all__ = ["DEFAULT_TYPES", "FIXABLE", "FLEET_COLUMNS", "LATE_SHIFT_EXTRA_S",
           "POOL_TRIPS_PER_VEHICLE", "FleetReport",
           "VehicleType", "candidate_vehicles", "plan_fleet_sizing"]

FIXABLE = frozenset({"CAPACITY", "NO_VEHICLE_ON_ISLAND", "SHIFT_END", "NO_WHEELCHAIR_PLACE",
                     "NOT_ENOUGH_SEATS"})
"""Reason codes of unserved trips that another vehicle could fix (candidates are placed for
them; whether a trip is servable is then decided by checking it against the pool)."""

POOL_TRIPS_PER_VEHICLE = 3
"""Candidates per island and type: one per this many unserved trips needing the type (project
choice: the baseline's vehicles serve about 9 trips each, so a third of that leaves the search
room; a larger pool costs solve time)."""

LATE_SHIFT_EXTRA_S = 2 * 3600
"""For trips unserved because no shift covers them (``SHIFT_END``), candidates whose shift ends
this much later than the fleet's latest end (at most 24:00), seconds: 2 h covers the baseline's
18:20–18:50 pier pickups on 六横 and the drive home (project choice)."""

DEFAULT_SHIFT_S = (6 * 3600 + 1800, 18 * 3600 + 1800)
"""Shift of a candidate when the fleet is empty: 06:30–18:30, the full-day shift of the
dataset's ``vehicles.csv`` (V01, V04)."""


@dataclass(frozen=True)
class VehicleType:
    """A kind of vehicle to add: ``key`` (in ids), bilingual name, seats and wheelchair
    places."""

    key: str
    name_zh: str
    name_en: str
    seats: int
    wheelchair_places: int


DEFAULT_TYPES = (VehicleType("car", "小汽车", "car", 4, 0),
                 VehicleType("wc", "轮椅车", "wheelchair car", 3, 1))
"""The default candidate types: a volunteer car (4 seats, as most of ``vehicles.csv``) and a car
with one wheelchair place and 3 seats (as the ``putuo-more-vehicles`` scenario's cars)."""

FLEET_COLUMNS = ["step", "vehicle_type", "seats", "wheelchair_places", "shift", "home_island_id",
                 "home_island", "trips_served", "trips_gained"]
"""Columns of ``dialysis/fleet_sizing.csv`` (step 0: the current fleet)."""


@dataclass(frozen=True)
class FleetReport:
    """The fleet-sizing answer of the day.

    Attributes
    ----------
    table
        The curve (:data:`FLEET_COLUMNS`), published as ``dialysis/fleet_sizing.csv``.
    kpis
        ``vehicles_to_add``, ``by_type`` (type · island · shift → vehicles), ``trips_servable``,
        ``trips_not_servable_by_any_vehicle``, ``not_servable_by_reason`` (code → trips),
        ``trips_served_with_added``, ``trips_servable_unserved`` (servable, not reached by the
        pool), ``wheelchair_vehicles_to_add``.
    sentence_zh, sentence_en
        The answer in one sentence.
    sizing
        The solver's result (plans of every step, for checks).
    """

    table: pd.DataFrame
    kpis: Mapping[str, Any]
    sentence_zh: str
    sentence_en: str
    sizing: FleetSizing | None = field(default=None, compare=False, repr=False)

    @property
    def sentence(self) -> str:
        """``"<zh> / <en>"``."""
        return f"{self.sentence_zh} / {self.sentence_en}"


def _base_point(island: str, inputs: DialysisInputs, network: Network
                ) -> tuple[float, float] | None:
    for v in inputs.vehicles:
        if v.island_id == island:
            return v.lon, v.lat
    for u in inputs.units:
        if u.active and u.island_id == island:
            return u.lon, u.lat
    piers = sorted((str(d.get("stop_id")), float(d["lon"]), float(d["lat"]))
                   for _, d in network.G.nodes(data=True)
                   if d.get("kind") == "pier" and d.get("island_id") == island)
    return (piers[0][1], piers[0][2]) if piers else None


def _needs(plan: DialysisPlan, inputs: DialysisInputs) -> dict[str, list[int]]:
    """Island → [walking trips, wheelchair trips, walking trips past the shifts, wheelchair
    trips past the shifts] left unserved for a fixable reason (``SHIFT_END`` counts in the last
    two)."""
    patients = {p.patient_id: p for p in inputs.patients}
    out: dict[str, list[int]] = {}
    for u in plan.unserved:
        if u.code not in FIXABLE:
            continue
        p = patients[u.patient_id]
        islands = {p.island_id}
        try:
            islands.add(inputs.unit(p.unit_id).island_id)
        except KeyError:  # pragma: no cover - the loader checks unit ids
            pass
        col = int(p.wheelchair) + (2 if u.code == "SHIFT_END" else 0)
        for isl in sorted(islands):
            out.setdefault(isl, [0, 0, 0, 0])[col] += 1
    return out


def candidate_vehicles(plan: DialysisPlan, inputs: DialysisInputs, network: Network,
                       types: Sequence[VehicleType] = DEFAULT_TYPES
                       ) -> list[tuple[VehicleSpec, VehicleType]]:
    """The candidate pool (module docs), in island then type order, ids
    ``+<type key>-<island id>-<n>``.

    Parameters
    ----------
    plan
        The day plan (its unserved trips decide the islands and needs).
    inputs
        Its inputs (fleet shifts and bases, units, patients).
    network
        The built network (piers as ``kind="pier"`` nodes with ``island_id``, lon/lat).
    types
        Candidate types (default :data:`DEFAULT_TYPES`).
    """
    shifts = [(v.shift_start_s, v.shift_end_s) for v in inputs.vehicles]
    start, end = ((min(s for s, _ in shifts), max(e for _, e in shifts)) if shifts
                  else DEFAULT_SHIFT_S)
    late = (start, min(end + LATE_SHIFT_EXTRA_S, 24 * 3600))
    out = []
    for isl, (walk, wheel, walk_late, wheel_late) in sorted(_needs(plan, inputs).items()):
        point = _base_point(isl, inputs, network)
        if point is None:
            continue
        for tag, (a, b), needs in (("", (start, end), (walk, wheel)),
                                   ("late-", late, (walk_late, wheel_late))):
            for t in types:
                need = needs[1] if t.wheelchair_places else needs[0]
                for n in range(1, math.ceil(need / POOL_TRIPS_PER_VEHICLE) + 1):
                    spec = VehicleSpec(f"+{tag}{t.key}-{isl}-{n}", "", "", isl, point[0],
                                       point[1], t.seats, t.wheelchair_places, a, b)
                    out.append((spec, t))
    return out


@dataclass(frozen=True)
class _Day:
    problem: DarpProblem
    trip_of: dict[str, str]
    not_servable: dict[str, str]
    m: PlaceMatrix


def _day_problem(inputs: DialysisInputs, fleet: Sequence[VehicleSpec], d: dt.date,
                 network: Network, prm: DialysisParams) -> _Day:
    """The day's DARP with ``fleet`` (legs of trips no vehicle of it can serve left out)."""
    patients = {p.patient_id: p for p in inputs.patients}
    sessions, trips = sessions_for_date(inputs.patients, d, params=prm)
    m = build_places(fleet, inputs.units, day_piers(network.G, network.timetable, network.feed),
                     [patients[s.patient_id] for s in sessions], network.G, network.islands)
    rules = LegRules.of(prm, boarding_buffer_s=network.boarding_buffer_s["foot"])
    unserved = _Unserved(patients)
    legs, _ = _legs_and_crossings(trips, inputs, m, network.timetable, rules, unserved.mark)
    requests = [_request(leg, fleet, m, patients[leg.trip.patient_id], prm, rules)
                for leg in legs]
    tt = np.where(np.isfinite(m.travel_time_s), m.travel_time_s, np.inf)
    vehicles = _vehicles(fleet)
    if requests:
        full = DarpProblem(tt, tuple(requests), vehicles, node_labels=m.labels)
        _precheck(full, legs, fleet, m, unserved)
    keep = [k for k, leg in enumerate(legs) if leg.trip.trip_id not in unserved]
    problem = DarpProblem(tt, tuple(requests[k] for k in keep), vehicles, node_labels=m.labels,
                          name=f"dialysis fleet sizing {d}")
    return _Day(problem, {legs[k].leg_id: legs[k].trip.trip_id for k in keep},
                {t: u.code for t, u in unserved.by_trip.items()}, m)


def plan_fleet_sizing(plan: DialysisPlan, inputs: DialysisInputs, *, network: Network,
                      params: DialysisParams, solver: SolverParams,
                      types: Sequence[VehicleType] = DEFAULT_TYPES) -> FleetReport:
    """The fewest vehicles to add to serve every servable trip of ``plan``'s day, and the
    curve (module docs).

    Parameters
    ----------
    plan
        The day plan (:func:`~optimizer.services.dialysis.plan_dialysis_day`).
    inputs, network, params
        What it was planned from.
    solver
        The scenario's search limits: the pool solve gets
        ``params.fleet_sizing_time_factor x solver.time_limit_s``, each step's re-solve
        ``params.fleet_sizing_step_factor x solver.time_limit_s`` (0: no re-solves). A day
        with more legs than ``solver.decompose_above_requests`` (e.g. the 10 x dataset) is
        solved in parts, like the day plan, and its curve comes from the pool plan alone (no
        re-solves: one per added vehicle would cost a decomposed solve each; the KPI
        ``curve_from_pool_plan`` and the sentence say so). In work
        mode each solve's wall-clock safety cap is at least ``solver.cap_s`` (the day plan's
        own cap), so short re-solves on a loaded machine still stop on their work limits.
    types
        Candidate types.

    Returns
    -------
    FleetReport
    """
    from optimizer.solvers.ortools_routing import darp_params

    cands = candidate_vehicles(plan, inputs, network, types)
    kind = {spec.vehicle_id: t for spec, t in cands}
    day = _day_problem(inputs, [*inputs.vehicles, *(s for s, _ in cands)], plan.date, network,
                       params)
    t = float(solver.time_limit_s)

    def limits(factor: float) -> SolverParams:
        budget = dataclasses.replace(solver, time_limit_s=t * factor, wall_clock_cap_s=None)
        return dataclasses.replace(budget, wall_clock_cap_s=max(budget.cap_s, solver.cap_s))

    pool_s = limits(params.fleet_sizing_time_factor)
    large = len(day.problem.requests) > solver.decompose_above_requests
    step = None
    if params.fleet_sizing_step_factor > 0 and not large:
        step = darp_params(limits(params.fleet_sizing_step_factor))
    sizing = size_fleet(day.problem, len(inputs.vehicles), day.trip_of,
                        params=darp_params(pool_s), step_params=step,
                        base_served=len(plan.served_trip_ids),
                        solve=_decomposed(solver) if large else None)
    report = _report(sizing, kind, day, {s.vehicle_id: s for s, _ in cands})
    if not large:
        return report
    n, above = len(day.problem.requests), solver.decompose_above_requests
    return dataclasses.replace(
        report, kpis={**report.kpis, "curve_from_pool_plan": True},
        sentence_zh=report.sentence_zh + f"（当日 {n} 段行程，超过 {above}：候选车队分块求解，"
        "曲线取自该方案，未逐步重解）",
        sentence_en=report.sentence_en + f" (a large day, {n} legs above {above}: the pool "
        "was solved in parts and the curve read from its plan, without step re-solves)")


def _decomposed(solver: SolverParams) -> Any:
    """The pool solver of a large day: in parts, as the day plan
    (:func:`optimizer.solvers.darp_decompose.solve_decomposed` with the scenario's
    ``decompose_above_requests`` and ``decompose_part_requests``)."""
    from functools import partial

    from optimizer.solvers.darp_decompose import solve_decomposed

    return partial(solve_decomposed, above_requests=solver.decompose_above_requests,
                   part_requests=solver.decompose_part_requests)


def _report(sizing: FleetSizing, kind: Mapping[str, VehicleType], day: _Day,
            specs: Mapping[str, VehicleSpec]) -> FleetReport:
    """The table, KPIs and sentence of a fleet sizing."""
    names = day.m.island_names
    rows = [{"step": 0, "vehicle_type": "现有车辆 current fleet", "seats": None,
             "wheelchair_places": None, "shift": "", "home_island_id": "", "home_island": "",
             "trips_served": sizing.steps[0].trips_served, "trips_gained": 0}]
    by_type: dict[str, int] = {}
    wheel: dict[str, int] = {}
    for s in sizing.steps[1:]:
        t, v = kind[s.added], specs[s.added]
        shift = f"{hhmm(v.shift_start_s)}–{hhmm(v.shift_end_s)}"
        isl = names.get(v.island_id, "") or v.island_id
        rows.append({"step": s.step, "vehicle_type": f"{t.name_zh} {t.name_en}",
                     "seats": t.seats, "wheelchair_places": t.wheelchair_places, "shift": shift,
                     "home_island_id": v.island_id, "home_island": isl,
                     "trips_served": s.trips_served, "trips_gained": s.trips_gained})
        if s.step <= sizing.vehicles_to_add:
            key = f"{t.name_en} ({t.seats}+{t.wheelchair_places}) · {isl} · {shift}"
            by_type[key] = by_type.get(key, 0) + 1
            if t.wheelchair_places:
                wheel[isl] = wheel.get(isl, 0) + 1
    reasons: dict[str, int] = {}
    for code in day.not_servable.values():
        reasons[code] = reasons.get(code, 0) + 1
    n = sizing.vehicles_to_add
    servable = len(sizing.servable)
    served = sizing.steps[-1].trips_served
    kpis = {"vehicles_to_add": n, "wheelchair_vehicles_to_add": sum(wheel.values()),
            "by_type": dict(sorted(by_type.items())), "trips_servable": servable,
            "trips_not_servable_by_any_vehicle": len(day.not_servable),
            "not_servable_by_reason": dict(sorted(reasons.items())),
            "trips_served_with_added": served,
            "trips_servable_unserved": max(0, servable - served)}
    zh, en = _sentence(n, wheel, servable - served)
    table = pd.DataFrame(rows, columns=FLEET_COLUMNS)
    for col in ("seats", "wheelchair_places"):  # blank at step 0, whole numbers after
        table[col] = table[col].astype("Int64")
    return FleetReport(table, kpis, zh, en, sizing)


def _sentence(n: int, wheel: Mapping[str, int], left: int) -> tuple[str, str]:
    """The answer in Chinese and English."""
    w = sum(wheel.values())
    where_zh = "、".join(f"{isl} {k} 辆" for isl, k in sorted(wheel.items()))
    where_en = ", ".join(f"{k} on {isl}" for isl, k in sorted(wheel.items()))
    zh = f"要服务所有可服务的行程：需再增加 {n} 辆车"
    en = f"To serve every servable trip: {n} more vehicle{'s' if n != 1 else ''}"
    if w:
        zh += f"，其中 {w} 辆带轮椅位（{where_zh}）"
        en += f", of which {w} with wheelchair places ({where_en})"
    if left > 0:
        zh += f"；仍有 {left} 个可服务的行程未能安排（候选车辆不足或搜索限制）"
        en += (f"; {left} servable trip{'s' if left != 1 else ''} still unserved (candidate "
               "pool or search limits)")
    return zh + "。", en + "."
