"""Fleet sizing of the dialysis week (issue 12 item 4, the week): the fewest vehicles to add,
each working every day of the week, so that every servable trip of every day is served, and
the trips of the week gained by each added vehicle in turn.

Each day is sized as :mod:`optimizer.services.dialysis.fleet` sizes a day, from the week's
*free pass* (each day planned alone with the day rules, the base count of the curve): the
candidates are those the day's unserved trips call for
(:func:`~optimizer.services.dialysis.fleet.candidate_vehicles`: per island, type and shift), and
the week's pool is their union (per island, type and shift, the most any day calls for), the
same pool on every day. Vehicles of one island, type and shift are interchangeable (one
*kind*). :func:`optimizer.solvers.fleet_week.size_fleet_week` sizes each day, takes per kind
the most vehicles any day needs, takes vehicles out while every day still serves what its own
sizing served, and draws the weekly curve.

What is heuristic or left out: the days' sizings and re-solves are local searches (an upper
bound on the fewest vehicles; brute force agrees on small weeks, tests/test_fleet_week.py);
vehicles are taken out one at a time; the days are sized with the day rules, not the week's
(driver continuity, stable pickup times and weekly hours are not part of the question, and an
added vehicle has no weekly-hours limit here).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pandas as pd

from optimizer.services.dialysis.fleet import (
    DEFAULT_TYPES,
    FIXABLE,
    FLEET_COLUMNS,
    FleetReport,
    VehicleType,
    _day_problem,
    candidate_vehicles,
)
from optimizer.services.dialysis.records import VehicleSpec
from optimizer.services.dialysis.result import DialysisPlan
from optimizer.services.dialysis_week.params import DialysisWeekParams
from optimizer.solvers.fleet_week import WeekFleetDay, WeekFleetSizing, size_fleet_week
from optimizer.solvers.params import SolverParams
from optimizer.units import hhmm

if TYPE_CHECKING:  # pragma: no cover
    from optimizer.network.build import Network

__all__ = ["WeekFleetReport", "plan_week_fleet_sizing", "week_pool"]


@dataclass(frozen=True)
class WeekFleetReport(FleetReport):
    """The fleet-sizing answer of the week (the day's :class:`FleetReport`, for a week).

    Attributes
    ----------
    table
        The weekly curve (columns of :data:`~optimizer.services.dialysis.fleet.FLEET_COLUMNS`;
        ``trips_served`` and ``trips_gained`` count trips of the week; step 0 is the current
        fleet in the free pass), published as ``dialysis_week/fleet_sizing.csv``.
    kpis
        ``vehicles_to_serve_all``, ``wheelchair_vehicles_to_serve_all`` and ``fleet_sizing_week``
        (``by_type``, ``vehicles_to_add_by_day``, ``vehicles_to_add_sum_of_days``,
        ``trips_servable``, ``trips_not_servable_by_any_vehicle``, ``not_servable_by_reason``,
        ``trips_served_with_added``, ``trips_servable_unserved``).
    sentence_zh, sentence_en
        The answer in one sentence (:attr:`sentence` joins them).
    sizing
        The solver's result (every day's plans, for checks); ``None`` when no day needed a
        vehicle.
    """

    sizing: WeekFleetSizing | None = field(default=None, compare=False, repr=False)


def _kind(vehicle_id: str) -> str:
    """``+car-TA-2`` → ``+car-TA`` (island, type and shift)."""
    return vehicle_id.rsplit("-", 1)[0]


def week_pool(free: Mapping[dt.date, DialysisPlan], network: Network, day_net: Any,
              types: Sequence[VehicleType] = DEFAULT_TYPES
              ) -> list[tuple[VehicleSpec, VehicleType]]:
    """The week's candidates: the union over the days of
    :func:`~optimizer.services.dialysis.fleet.candidate_vehicles` of each free-pass plan
    (``day_net(network, day)`` gives a day's network), ordered by island, shift, type and
    number."""
    pool: dict[str, tuple[VehicleSpec, VehicleType]] = {}
    for d, plan in sorted(free.items()):
        for spec, t in candidate_vehicles(plan, plan.inputs, day_net(network, d), types):
            pool.setdefault(spec.vehicle_id, (spec, t))
    order = {t.key: k for k, t in enumerate(types)}

    def key(item: tuple[VehicleSpec, VehicleType]) -> tuple:
        spec, t = item
        return (spec.island_id, "+late-" in spec.vehicle_id, order[t.key],
                int(spec.vehicle_id.rsplit("-", 1)[1]))

    return sorted(pool.values(), key=key)


def _needs_vehicles(plan: DialysisPlan) -> bool:
    return any(u.code in FIXABLE for u in plan.unserved)


def plan_week_fleet_sizing(free: Mapping[dt.date, DialysisPlan], *, network: Network,
                           params: DialysisWeekParams, solver: SolverParams, day_net: Any,
                           types: Sequence[VehicleType] = DEFAULT_TYPES) -> WeekFleetReport:
    """The fewest vehicles to add so that every servable trip of every day of the week is
    served, and the weekly curve (module docs).

    Parameters
    ----------
    free
        Date → the free pass's day plan (each day alone, day rules; its ``inputs`` are the
        day's inputs without the exceptions' patients).
    network
        The built network; ``day_net(network, day)`` gives the day's (its timetable).
    params
        The week's parameters: ``params.rules`` are the day rules; its
        ``fleet_sizing_time_factor`` x ``solver.time_limit_s`` bounds each day's pool solve and
        each re-solve that tries the week without a vehicle; ``fleet_sizing_step_factor`` x
        ``solver.time_limit_s`` each re-solve of the weekly curve (0: none), made only where no
        known plan gains over the previous step (each step takes the best known plan per day,
        :func:`optimizer.solvers.fleet_week.size_fleet_week` step 4), started from the previous
        step's plan (the free pass's at step 1). A re-solve per day and step, 66 on the week
        scenario, made the sizing about 11 minutes instead of under 2 on the loaded reference
        machine.
    solver
        The scenario's search limits (work mode: each solve's wall-clock cap at least
        ``solver.cap_s``).
    day_net
        ``(network, date) -> Network`` (:func:`~optimizer.services.dialysis_week.week.day_network`).
    types
        Candidate types.

    Returns
    -------
    WeekFleetReport
    """
    from optimizer.solvers.ortools_routing import darp_params

    rules = params.rules
    pool = week_pool(free, network, day_net, types)
    specs = [s for s, _ in pool]
    days, info = [], {}
    for d, plan in sorted(free.items()):
        inputs = plan.inputs
        day = _day_problem(inputs, [*inputs.vehicles, *specs], d, day_net(network, d), rules)
        info[d.isoformat()] = day
        known = {r.request_id for r in day.problem.requests}
        start = None if plan.result is None else {
            r.vehicle_id: [(x.request_id, x.kind) for x in r.stops if x.request_id in known]
            for r in plan.result.routes if r.request_ids}
        days.append(WeekFleetDay(d.isoformat(), day.problem, day.trip_of,
                                 base_served=len(plan.served_trip_ids),
                                 needs_vehicles=bool(specs) and bool(day.problem.requests)
                                 and _needs_vehicles(plan), base_routes=start))
    sizing = None
    if any(x.needs_vehicles for x in days):
        t = float(solver.time_limit_s)

        def limits(factor: float) -> Any:
            budget = dataclasses.replace(solver, time_limit_s=t * factor, wall_clock_cap_s=None)
            return darp_params(dataclasses.replace(
                budget, wall_clock_cap_s=max(budget.cap_s, solver.cap_s)))

        pool_p = limits(rules.fleet_sizing_time_factor)
        step_p = limits(rules.fleet_sizing_step_factor) if rules.fleet_sizing_step_factor else None
        n_base = len(next(iter(free.values())).inputs.vehicles)
        sizing = size_fleet_week(days, n_base, params=pool_p, step_params=step_p,
                                 resolve_params=pool_p,
                                 kind_of={s.vehicle_id: _kind(s.vehicle_id) for s in specs})
    return _report(sizing, free, info, {s.vehicle_id: (s, t) for s, t in pool})


def _report(sizing: WeekFleetSizing | None, free: Mapping[dt.date, DialysisPlan],
            info: Mapping[str, Any], pool: Mapping[str, tuple[VehicleSpec, VehicleType]]
            ) -> WeekFleetReport:
    """The table, KPIs and sentence of the week's fleet sizing."""
    names = next(iter(info.values())).m.island_names if info else {}
    base = sum(len(p.served_trip_ids) for p in free.values())
    rows = [{"step": 0, "vehicle_type": "现有车辆 current fleet", "seats": None,
             "wheelchair_places": None, "shift": "", "home_island_id": "", "home_island": "",
             "trips_served": base if sizing is None else sizing.steps[0].trips_served,
             "trips_gained": 0}]
    by_type: Counter = Counter()
    wheel: Counter = Counter()
    steps = () if sizing is None else sizing.steps[1:]
    for s in steps:
        v, t = pool[s.added]
        shift = f"{hhmm(v.shift_start_s)}–{hhmm(v.shift_end_s)}"
        isl = names.get(v.island_id, "") or v.island_id
        rows.append({"step": s.step, "vehicle_type": f"{t.name_zh} {t.name_en}",
                     "seats": t.seats, "wheelchair_places": t.wheelchair_places, "shift": shift,
                     "home_island_id": v.island_id, "home_island": isl,
                     "trips_served": s.trips_served, "trips_gained": s.trips_gained})
        if s.step <= sizing.vehicles_to_add:
            by_type[f"{t.name_en} ({t.seats}+{t.wheelchair_places}) · {isl} · {shift}"] += 1
            if t.wheelchair_places:
                wheel[isl] += 1
    servable, reasons = _servable(sizing, free, info)
    n = 0 if sizing is None else sizing.vehicles_to_add
    by_day = {} if sizing is None else sizing.day_answers
    served = rows[-1]["trips_served"]
    block = {"by_type": dict(sorted(by_type.items())),
             "vehicles_to_add_by_day": {d: by_day.get(d, 0) for d in sorted(info)},
             "vehicles_to_add_sum_of_days": sum(by_day.values()),
             "trips_servable": servable,
             "trips_not_servable_by_any_vehicle": sum(reasons.values()),
             "not_servable_by_reason": dict(sorted(reasons.items())),
             "trips_served_with_added": served,
             "trips_servable_unserved": max(0, servable - served)}
    kpis = {"vehicles_to_serve_all": n, "wheelchair_vehicles_to_serve_all": sum(wheel.values()),
            "fleet_sizing_week": block}
    zh, en = _sentence(n, wheel, block)
    table = pd.DataFrame(rows, columns=FLEET_COLUMNS)
    for col in ("seats", "wheelchair_places"):  # blank at step 0, whole numbers after
        table[col] = table[col].astype("Int64")
    return WeekFleetReport(table, kpis, zh, en, sizing)


def _servable(sizing: WeekFleetSizing | None, free: Mapping[dt.date, DialysisPlan],
              info: Mapping[str, Any]) -> tuple[int, Counter]:
    """Servable trips of the week and the others by reason: a sized day's as its sizing found
    them; a day that needed no vehicle: its served trips, the others not servable with the free
    plan's reasons."""
    servable, reasons = 0, Counter()
    for d, plan in sorted(free.items()):
        fs = None if sizing is None else sizing.by_day.get(d.isoformat())
        if fs is None:
            servable += len(plan.served_trip_ids)
            reasons.update(u.code for u in plan.unserved)
        else:
            servable += len(fs.servable)
            day = info[d.isoformat()]
            reasons.update(day.not_servable.values())
            reasons.update(fs.not_servable[t][0].value for t in fs.not_servable)
    return servable, reasons


def _sentence(n: int, wheel: Mapping[str, int], block: Mapping[str, Any]) -> tuple[str, str]:
    """The answer in Chinese and English."""
    w = sum(wheel.values())
    where_zh = "、".join(f"{isl} {k} 辆" for isl, k in sorted(wheel.items()))
    where_en = ", ".join(f"{k} on {isl}" for isl, k in sorted(wheel.items()))
    zh = f"要服务本周每天所有可服务的行程：需再增加 {n} 辆车（每天出车）"
    en = (f"To serve every servable trip of every day of the week: {n} more "
          f"vehicle{'s' if n != 1 else ''} (working every day)")
    if w:
        zh += f"，其中 {w} 辆带轮椅位（{where_zh}）"
        en += f", of which {w} with wheelchair places ({where_en})"
    total = block["vehicles_to_add_sum_of_days"]
    most = max(block["vehicles_to_add_by_day"].values(), default=0)
    zh += f"；逐日单独测算合计 {total} 辆，单日最多 {most} 辆"
    en += f"; the days sized one by one add {total} in all, at most {most} on one day"
    left = block["trips_servable_unserved"]
    if left > 0:
        zh += f"；仍有 {left} 个可服务的行程未能安排（候选车辆不足或搜索限制）"
        en += (f"; {left} servable trip{'s' if left != 1 else ''} still unserved (candidate "
               "pool or search limits)")
    return zh + "。", en + "."
