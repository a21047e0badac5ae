"""Planning the dialysis week jointly, on top of the day planner.

:func:`plan_dialysis_week` plans Monday–Saturday (``days`` from ``week_start``) from the
patients' weekly schedules (``MWF``/``TTS``…,
:func:`~optimizer.services.dialysis.sessions_for_date`) minus the dated exceptions, in three passes, every day planned by
:func:`~optimizer.services.dialysis.plan_dialysis_day` (one DARP per day, checked):

1. **free pass**: each day alone, as the day planner plans it. From these plans come each leg
   group's usual driver (:func:`~optimizer.services.dialysis_week.measures.usual_drivers`) and
   each leg's reference pickup time (the lower median of its pickup times over the week).
2. **joint pass**, day by day: each leg may only use its group's preferred driver (when that
   vehicle is eligible for it) and must be picked up within ``pickup_spread_max_min / 2`` of its
   reference time (the window intersected with the leg's own; unchanged if they do not meet);
   a vehicle whose hours on the days planned plus its free-pass hours on the days still to
   plan exceed ``weekly_hours_max_h`` gets a budget for the day: the hours left, shared among
   the days still to plan in proportion to its free-pass hours (so they are spread over the
   week rather than spent by Thursday); its shift is cut to that budget from the time it left
   its base in the free plan (a vehicle with under 10 minutes is not used). Trips the free
   plan served but the joint plan did not are re-planned with their patients' legs free (no
   preferred driver, own windows). Of the free plan (when it fits
   the hours left; else the day planned with the hours budgets only, ``capped``), the joint
   plan and the repaired plan, the day keeps the one serving most trips, then the joint or
   repaired plan before the free or capped one (it keeps drivers and stable times), then the
   least driving time + ``continuity_weight_min`` x legs off the preferred driver. Serving
   comes first: on a congested day the free plan wins and the week reports the spreads and
   driver changes it brings.
3. **continuity tries**: up to ``continuity_tries`` changes of preferred driver, most split leg
   groups first: a split group gets the driver it had instead, or a group that held its
   preferred driver on such a day (a blocker) gets that other driver; the group's days are
   re-planned as in pass 2 and the change is kept when the week serves as many trips and its
   driving time + weight x legs off the usual driver falls.

This is a heuristic (days are solved one at a time with hard preferences, not one week model);
on small instances its same-driver share is checked against brute force
(tests/test_dialysis_week.py). Spreads over the limit are reported, never hidden
(:attr:`WeekPlan.spreads`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pandas as pd

from optimizer.network.ferries import timetable_for_date
from optimizer.problems.darp import Request
from optimizer.results import Note, SearchRecord, SolveStatus
from optimizer.services.dialysis.params import DialysisParams
from optimizer.services.dialysis.planning import plan_dialysis_day
from optimizer.services.dialysis.records import DialysisInputs, VehicleSpec
from optimizer.services.dialysis.result import DialysisPlan, PlanUnserved
from optimizer.services.dialysis.trips import Leg, sessions_for_date
from optimizer.services.dialysis_week.inputs import SessionException, WeekInputs
from optimizer.services.dialysis_week.kpis import hours_table, spread_table, week_kpis
from optimizer.services.dialysis_week.measures import (
    LegUse,
    leg_part,
    leg_side,
    leg_uses,
    same_driver,
    usual_drivers,
)
from optimizer.services.dialysis_week.params import DialysisWeekParams
from optimizer.solvers.params import SolverParams

if TYPE_CHECKING:  # pragma: no cover
    from optimizer.network.build import Network

__all__ = ["EXCEPTION_CODES", "WeekDay", "WeekPlan", "day_network", "plan_dialysis_week",
           "week_days"]

EXCEPTION_CODES = {"cancelled": "SESSION_CANCELLED", "hospital_stay": "HOSPITAL_STAY",
                   "holiday": "HOLIDAY"}
"""Exception kind → reason code of :data:`optimizer.results.REASONS`."""

MIN_SHIFT_S = 600.0
"""A vehicle with fewer weekly seconds left than this (10 minutes) is not used on a day: no
ride fits (project rule)."""

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


@dataclass(frozen=True)
class WeekDay:
    """One day of the week plan: the chosen day plan, the trips the exceptions took out, and
    which pass the plan comes from (``free``, ``joint``, ``repaired``, ``capped``)."""

    date: dt.date
    plan: DialysisPlan
    excepted: tuple[PlanUnserved, ...] = ()
    chosen: str = "free"

    @property
    def uses(self) -> list[LegUse]:
        """The day's served legs."""
        return leg_uses(self.date.isoformat(), self.plan.stops)


@dataclass(frozen=True)
class WeekPlan:
    """The week plan of the dialysis rides.

    Attributes
    ----------
    days
        One :class:`WeekDay` per planned day, in date order.
    kpis
        Week figures (:func:`week_kpis`) and ``per_day`` (date → the day plan's main figures).
    spreads
        One row per patient and direction with two or more served trips: ``patient_id``,
        ``direction``, ``trips``, ``earliest``, ``latest`` (HH:MM), ``spread_min``,
        ``over_limit``.
    hours
        One row per vehicle: ``vehicle_id``, ``hours`` (week, base to base), ``limit_h``,
        ``days_used``.
    status
        The worst status of the days.
    searches
        Every search of every pass, named by day and pass.
    notes
        Typed notes (the inputs' and the day plans').
    inputs
        The inputs planned.
    params
        The parameters planned with.
    free
        Date → the free pass's plan (each day alone with the day rules; the base of the fleet
        sizing, :mod:`optimizer.services.dialysis_week.fleet`).
    fleet_sizing
        The week's :class:`~optimizer.services.dialysis_week.fleet.WeekFleetReport` when
        ``dialysis_week.fleet_sizing`` is on (set by the service), else ``None``.
    """

    days: tuple[WeekDay, ...]
    kpis: Mapping[str, Any]
    spreads: pd.DataFrame
    hours: pd.DataFrame
    status: SolveStatus
    searches: tuple[SearchRecord, ...] = ()
    notes: tuple[Note, ...] = ()
    inputs: WeekInputs | None = field(default=None, compare=False, repr=False)
    params: DialysisWeekParams | None = field(default=None, compare=False, repr=False)
    free: Mapping[dt.date, DialysisPlan] = field(default_factory=dict, compare=False,
                                                 repr=False)
    fleet_sizing: Any = field(default=None, compare=False, repr=False)

    def reason_codes(self) -> set[str]:
        """Codes of :data:`optimizer.results.REASONS` the week's tables show."""
        return {u.code for d in self.days for u in (*d.plan.unserved, *d.excepted)}

    @property
    def uses(self) -> list[LegUse]:
        """Every served leg of the week."""
        return [u for d in self.days for u in d.uses]


# ----------------------------------------------------------------------------- helpers
def week_days(start: dt.date, n: int) -> tuple[dt.date, ...]:
    """``n`` consecutive days from ``start``."""
    return tuple(start + dt.timedelta(days=k) for k in range(n))


def day_network(network: Network, day: dt.date) -> Network:
    """``network`` with the timetable of ``day`` (same suspended routes; the roads do not
    change with the day)."""
    if network.timetable is not None and network.timetable.day == day:
        return network
    tt = timetable_for_date(network.feed, day,
                            suspended_routes=network.timetable.suspended_routes)
    return dataclasses.replace(network, timetable=tt, date=day)


def _excepted(inputs: DialysisInputs, day: dt.date, exceptions: Sequence[SessionException],
              rules: DialysisParams) -> tuple[DialysisInputs, tuple[PlanUnserved, ...]]:
    """The day's inputs without the patients an exception takes out, and their trips listed
    with the exception's reason code (the note in the detail)."""
    hit = {}
    for p in inputs.patients:
        for e in exceptions:
            if e.applies(p.patient_id, day):
                hit.setdefault(p.patient_id, e)
    if not hit:
        return inputs, ()
    gone = [p for p in inputs.patients if p.patient_id in hit]
    _, trips = sessions_for_date(gone, day, params=rules)
    listed = tuple(PlanUnserved(
        t.trip_id, t.patient_id, t.direction, EXCEPTION_CODES[hit[t.patient_id].kind],
        f"{day} ({WEEKDAYS[day.weekday()]}): {hit[t.patient_id].kind} (exceptions file line "
        f"{hit[t.patient_id].line})" + (f": {hit[t.patient_id].note}" if hit[t.patient_id].note
                                        else ""), island_id=p.island_id)
        for t in trips for p in gone if p.patient_id == t.patient_id)
    kept = tuple(p for p in inputs.patients if p.patient_id not in hit)
    return dataclasses.replace(inputs, patients=kept), listed


def _limits(fleet: Sequence[VehicleSpec], prm: DialysisWeekParams) -> dict[str, float]:
    """Vehicle id → weekly limit, seconds."""
    return {v.vehicle_id: 3600.0 * prm.weekly_hours_by_vehicle_h.get(v.vehicle_id,
                                                                    prm.weekly_hours_max_h)
            for v in fleet}


def _route_hours(plan: DialysisPlan) -> dict[str, float]:
    """Vehicle id → seconds out (base to base) in a day plan."""
    if plan.result is None:
        return {}
    return {r.vehicle_id: float(r.duration_s) for r in plan.result.routes}


def _drive_s(plan: DialysisPlan) -> float:
    return 0.0 if plan.result is None else float(sum(r.travel_time_s for r in plan.result.routes))


@dataclass
class _Ctx:
    """What every re-plan of a day needs."""

    inputs: WeekInputs
    network: Network
    prm: DialysisWeekParams
    solver: SolverParams
    options: Mapping[str, Any] | None
    day_inputs: dict[dt.date, DialysisInputs]
    excepted: dict[dt.date, tuple[PlanUnserved, ...]]
    free: dict[dt.date, DialysisPlan]
    refs: dict[tuple[str, str, str], float]
    searches: list[SearchRecord]

    def plan(self, day: dt.date, inputs: DialysisInputs, label: str,
             adjust: Any = None) -> DialysisPlan:
        plan = plan_dialysis_day(inputs, day, network=day_network(self.network, day),
                                 params=self.prm.rules, solver=self.solver,
                                 solve_options=self.options, adjust_requests=adjust)
        self.searches += [dataclasses.replace(s, name=f"dialysis week {day} {label}")
                          for s in plan.searches]
        return plan


def _references(free: Mapping[dt.date, DialysisPlan]) -> dict[tuple[str, str, str], float]:
    """(patient, direction, part) → lower median of its pickup starts over the free plans,
    seconds."""
    times: dict[tuple[str, str, str], list[float]] = defaultdict(list)
    for d, plan in free.items():
        for u in leg_uses(d.isoformat(), plan.stops):
            times[(u.patient_id, u.direction, u.part)].append(u.pickup_s)
    return {k: sorted(v)[(len(v) - 1) // 2] for k, v in sorted(times.items())}


def _adjuster(pref: Mapping[tuple[str, str], str], refs: Mapping[tuple[str, str, str], float],
              half_s: float, fleet_ids: Sequence[str], off: frozenset[str],
              free_patients: frozenset[str]):
    """The ``adjust_requests`` hook of the joint pass (module docs)."""

    def adjust(legs: Sequence[Leg], requests: list[Request]) -> list[Request]:
        out = []
        for leg, req in zip(legs, requests):
            elig = frozenset(fleet_ids if req.eligible_vehicles is None
                             else req.eligible_vehicles) - off
            window = req.pickup_window_s
            pid, way = leg.trip.patient_id, leg.trip.direction
            if pid not in free_patients:
                part = leg_part(leg.leg_id, leg.trip.trip_id)
                v = pref.get((pid, leg_side(way, part)))
                if v in elig:
                    elig = frozenset({v})
                ref = refs.get((pid, way, part))
                if ref is not None:
                    lo, hi = max(window[0], ref - half_s), min(window[1], ref + half_s)
                    if lo <= hi:
                        window = (lo, hi)
            out.append(dataclasses.replace(req, eligible_vehicles=elig, pickup_window_s=window))
        return out

    return adjust


def _disagree(plan: DialysisPlan, day: dt.date, pref: Mapping[tuple[str, str], str]) -> int:
    uses = leg_uses(day.isoformat(), plan.stops)
    return len(uses) - same_driver(uses, pref)[0]


def _fits(plan: DialysisPlan, left_s: Mapping[str, float]) -> bool:
    return all(s <= left_s.get(v, 0.0) + 1e-6 for v, s in _route_hours(plan).items())


# ----------------------------------------------------------------------------- one day
def _budgets(c: _Ctx, plans: Mapping[dt.date, DialysisPlan], day: dt.date
             ) -> dict[str, float]:
    """Vehicle id → seconds it may be out on ``day`` (module docs): when its hours on the days
    planned plus the free plans' hours on the days still to plan fit the weekly limit, the
    limit minus both (the other days' free hours kept for them); else the hours left, shared
    among the days still to plan in proportion to the free plans' hours. Either way the week
    stays within the limit."""
    limits = _limits(c.day_inputs[day].vehicles, c.prm)
    todo = [d for d in c.free if d == day or d not in plans]
    out = {}
    for v, limit in limits.items():
        used = sum(_route_hours(p).get(v, 0.0) for d, p in plans.items() if d != day)
        est = {d: _route_hours(c.free[d]).get(v, 0.0) for d in todo}
        total = sum(est.values())
        if used + total <= limit:  # the other days' free hours are kept for them
            out[v] = limit - used - (total - est[day])
        else:
            left = max(0.0, limit - used)
            out[v] = left * est[day] / total if total > 0 else left / len(todo)
    return out


def _capped_fleet(fleet: Sequence[VehicleSpec], budget: Mapping[str, float],
                  free: DialysisPlan) -> tuple[tuple[VehicleSpec, ...], frozenset[str]]:
    """The fleet with each limited vehicle's shift cut to its budget from the time it left its
    base in the free plan (its shift start if unused there), and the vehicles with less than
    :data:`MIN_SHIFT_S` (not used that day)."""
    starts = {} if free.result is None else {r.vehicle_id: float(r.stops[0].departure_s)
                                             for r in free.result.routes}
    out, off = [], set()
    for v in fleet:
        b = budget.get(v.vehicle_id, float(v.shift_end_s - v.shift_start_s))
        if b < MIN_SHIFT_S:
            off.add(v.vehicle_id)
        elif b < v.shift_end_s - v.shift_start_s:
            lo = int(max(v.shift_start_s, min(starts.get(v.vehicle_id, v.shift_start_s),
                                              v.shift_end_s - b)))
            v = dataclasses.replace(v, shift_start_s=lo, shift_end_s=int(lo + b))
        out.append(v)
    return tuple(out), frozenset(off)


def _plan_joint_day(c: _Ctx, day: dt.date, pref: Mapping[tuple[str, str], str],
                    budget: Mapping[str, float]) -> tuple[DialysisPlan, str]:
    """Pass 2 for one day (module docs): the joint plan, repaired if it lost trips, or the free
    plan when it serves more and fits the budgets (vehicle id → seconds, :func:`_budgets`);
    returns (plan, which)."""
    base = c.day_inputs[day]
    left = dict(budget)
    fleet, off = _capped_fleet(base.vehicles, budget, c.free[day])
    inputs = dataclasses.replace(base, vehicles=fleet)
    ids = [v.vehicle_id for v in fleet]
    half = 30.0 * c.prm.pickup_spread_max_min
    joint = c.plan(day, inputs, "joint", _adjuster(pref, c.refs, half, ids, off, frozenset()))
    cands = [("joint", joint)]
    free = c.free[day]
    lost = set(free.served_trip_ids) - set(joint.served_trip_ids)
    if lost:
        pids = frozenset(t.rpartition("-")[0] for t in lost)
        cands.append(("repaired", c.plan(day, inputs, "repaired",
                                         _adjuster(pref, c.refs, half, ids, off, pids))))
    if _fits(free, left):
        cands.append(("free", free))
    else:  # the free plan breaks the weekly hours: plan the day with the budgets only
        everyone = frozenset(p.patient_id for p in base.patients)
        cands.append(("capped", c.plan(day, inputs, "capped",
                                       _adjuster(pref, c.refs, half, ids, off, everyone))))
    w = 60.0 * c.prm.continuity_weight_min

    def key(item: tuple[str, DialysisPlan]) -> tuple[float, int, float]:
        name, p = item  # free or capped only when it serves more (stable times kept otherwise)
        return (-len(p.served_trip_ids), int(name in ("free", "capped")),
                _drive_s(p) + w * _disagree(p, day, pref))

    which, plan = min(cands, key=key)
    return plan, which


def _week_score(plans: Mapping[dt.date, DialysisPlan], w_s: float) -> tuple[float, float]:
    """(−trips served, driving s + weight x legs off the usual driver): lower is better."""
    uses = [u for d, p in plans.items() for u in leg_uses(d.isoformat(), p.stops)]
    agree, n = same_driver(uses)
    served = sum(len(p.served_trip_ids) for p in plans.values())
    return (-served, sum(_drive_s(p) for p in plans.values()) + w_s * (n - agree))


def _moves(uses: Sequence[LegUse], pref: Mapping[tuple[str, str], str]
           ) -> list[tuple[tuple[str, str], str]]:
    """Candidate preference changes ``(group, vehicle)``, most split groups first: for a group
    with legs off its preferred driver, its second driver; and for each group that held the
    preferred driver on such a day (a blocker), the vehicle the split group got instead."""
    count: dict[tuple[str, str], Counter] = defaultdict(Counter)
    for u in uses:
        count[u.group][u.vehicle_id] += 1
    split = sorted((g for g, cn in count.items() if len(cn) > 1),
                   key=lambda g: (-(sum(count[g].values()) - max(count[g].values())), g))
    moves: list[tuple[tuple[str, str], str]] = []
    for g in split:
        usual = pref.get(g) or usual_drivers(u for u in uses if u.group == g)[g]
        for u in uses:
            if u.group != g or u.vehicle_id == usual:
                continue
            moves.append((g, u.vehicle_id))
            moves += [(b.group, u.vehicle_id) for b in uses
                      if b.day == u.day and b.group != g and b.vehicle_id == usual
                      and pref.get(b.group) == usual]
    return list(dict.fromkeys(m for m in moves if pref.get(m[0]) != m[1]))


def _continuity_tries(c: _Ctx, plans: dict[dt.date, DialysisPlan], which: dict[dt.date, str],
                      pref: dict[tuple[str, str], str]) -> None:
    """Pass 3 (module docs): up to ``continuity_tries`` preference changes (:func:`_moves`),
    each kept when the week's score improves."""
    w_s = 60.0 * c.prm.continuity_weight_min
    budget, tried = c.prm.continuity_tries, set()
    while budget > 0:
        uses = [u for d, p in plans.items() for u in leg_uses(d.isoformat(), p.stops)]
        moves = [m for m in _moves(uses, pref) if (m, pref.get(m[0])) not in tried]
        if not moves:
            return
        (g, v), budget = moves[0], budget - 1
        tried.add(((g, v), pref.get(g)))
        trial_pref = {**pref, g: v}
        days = sorted({dt.date.fromisoformat(u.day) for u in uses if u.group == g})
        trial, trial_which = dict(plans), dict(which)
        for d in days:
            trial[d], trial_which[d] = _plan_joint_day(c, d, trial_pref,
                                                       _budgets(c, trial, d))
        if _week_score(trial, w_s) < _week_score(plans, w_s):
            plans.update(trial)
            which.update(trial_which)
            pref[g] = v


# ----------------------------------------------------------------------------- the week
def plan_dialysis_week(inputs: WeekInputs, *, network: Network, week_start: dt.date,
                       params: DialysisWeekParams | None = None,
                       solver: SolverParams | None = None,
                       solve_options: Mapping[str, Any] | None = None) -> WeekPlan:
    """Plan the dialysis rides of a week jointly (module docs: the three passes).

    Parameters
    ----------
    inputs
        :class:`~optimizer.services.dialysis_week.WeekInputs` (patients with their weekly
        schedules, units, vehicles; exceptions).
    network
        The built network of any day (:class:`optimizer.network.build.Network`); each day gets
        its own timetable from ``network.feed`` (:func:`day_network`).
    week_start
        The first day planned (a Monday for a Monday–Saturday week).
    params
        Week rules (default :class:`DialysisWeekParams`); ``params.rules`` are the day rules.
    solver
        Search limits of every day solve (default :class:`SolverParams`).
    solve_options
        Extra ``SolveParams`` fields for every day solve (tests: ``deterministic=True``).

    Returns
    -------
    WeekPlan
        Every trip of the week is served in a day plan, unserved there with its reason, or taken
        out by an exception (listed with ``SESSION_CANCELLED``, ``HOSPITAL_STAY`` or
        ``HOLIDAY``).

    Raises
    ------
    optimizer.errors.InputError
        As :func:`~optimizer.services.dialysis.plan_dialysis_day` (a day outside the ferry
        calendar, rules that differ from those the inputs were loaded with).
    """
    prm = params or DialysisWeekParams()
    days = week_days(week_start, prm.days)
    day_inputs, excepted = {}, {}
    for d in days:
        day_inputs[d], excepted[d] = _excepted(inputs.day, d, inputs.exceptions, prm.rules)
    c = _Ctx(inputs, network, prm, solver or SolverParams(), solve_options, day_inputs, excepted,
             {}, {}, [])
    for d in days:
        c.free[d] = c.plan(d, day_inputs[d], "free")
    c.refs = _references(c.free)
    pref = usual_drivers(u for d in days for u in leg_uses(d.isoformat(), c.free[d].stops))
    plans: dict[dt.date, DialysisPlan] = {}
    which: dict[dt.date, str] = {}
    for d in days:
        plans[d], which[d] = _plan_joint_day(c, d, pref, _budgets(c, plans, d))
    _continuity_tries(c, plans, which, pref)
    week = tuple(WeekDay(d, plans[d], excepted[d], which[d]) for d in days)
    uses = [u for wd in week for u in wd.uses]
    spreads = spread_table(uses, prm.pickup_spread_max_min)
    hours = hours_table(week, _limits(inputs.day.vehicles, prm))
    notes = tuple(dict.fromkeys([*inputs.notes, *(n for wd in week for n in wd.plan.notes)]))
    kpis = week_kpis(week, spreads, hours)
    kpis["trips_lost_to_week_rules"] = sum(len(c.free[d].served_trip_ids) for d in days) - \
        kpis["trips_served"]
    return WeekPlan(days=week, kpis=kpis, spreads=spreads,
                    hours=hours, status=SolveStatus.worst([wd.plan.status for wd in week]),
                    searches=tuple(c.searches), notes=notes, inputs=inputs, params=prm,
                    free=dict(c.free))

