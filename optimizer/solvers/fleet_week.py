"""Fleet sizing for a week of dial-a-ride days: the fewest vehicles to add from a candidate pool
so that every day serves every trip it can, when an added vehicle works every day of the week,
and the trips of the week gained by each added vehicle in turn.

Every day is a :class:`~optimizer.problems.darp.DarpProblem` with the same vehicles (ids, in the
same order: the base fleet first, then the candidates); candidates of one *kind* (same type,
base, shift: interchangeable) are counted, not named. The week's answer is one set of vehicles
serving every day, not the sum of the days' answers.

Method
------
1. **Each day alone.** :func:`~optimizer.solvers.fleet_sizing.size_fleet` on each day that
   needs vehicles (pool solve with a fixed cost per candidate, greedy order, curve from the
   pool plan, no step re-solves). Its last
   step's trips served is the day's *target*; its answer uses ``k_d(kind)`` vehicles per kind.
2. **Combine.** The week starts with ``max_d k_d(kind)`` vehicles of each kind (the first ids of
   the kind in pool order). Every day's plan of step 1 stays feasible with them (vehicles of a
   kind are renamed onto the week's ids: :func:`fit_plan`), so every day reaches its target.
3. **Remove.** Each week vehicle in turn (the one completing fewest trips of the week first,
   wheelchair places before seats on ties, then pool order) is taken out when every day still
   reaches its target without it: a day whose plan needs fewer vehicles of its kind keeps its
   plan (renamed); else its plan without that kind's least useful route is tried, then a
   re-solve of the day with the smaller fleet started from that plan (``resolve_params``).
   This step finds, e.g., that one wheelchair car can do a car's work on Monday and its own on
   Wednesday (max per kind said one car and one wheelchair car).
4. **The curve.** The week's vehicles in greedy order (most trips of the week; ties: pool
   order); step ``j`` counts, per day, the best known plan with the base fleet and the first
   ``j`` vehicles: the base plan, the day's final plan restricted to them, a step of the day's
   own curve (step 1) whose vehicles they hold (by kind), the previous step's plan and
   (``step_params``) a short re-solve, started from the previous step's plan, when none of
   these gains over the previous step below the day's target: never decreasing, every point a
   real plan per day. ``vehicles_to_add`` is the first step reaching the last
   step's count.

This is a heuristic upper bound on the fewest vehicles: the days' sizings and the re-solves are
local searches, and step 3 removes one vehicle at a time (a swap of two cars for one wheelchair
car is not tried). The tests compare it with brute force over every subset of a small pool.
What it does not model: an added vehicle's weekly hours, and driver continuity across the days
(each day is sized with the day rules).
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from optimizer.errors import InputError
from optimizer.problems.darp import DarpProblem, DarpResult, Route, Vehicle
from optimizer.results import SearchRecord
from optimizer.solvers.fleet_sizing import (
    FleetSizing,
    restrict,
    size_fleet,
    subproblem,
    trips_served,
)
from optimizer.solvers.ortools_routing import SolveParams, solve_darp

__all__ = ["WeekFleetDay", "WeekFleetSizing", "WeekFleetStep", "fit_plan", "size_fleet_week"]


@dataclass(frozen=True)
class WeekFleetDay:
    """One day of the week to size.

    Attributes
    ----------
    name
        The day's name (an ISO date), in search names and :attr:`WeekFleetSizing.served_by_day`.
    problem
        The day's problem: the base fleet first, then the candidates (the same vehicle ids in
        the same order on every day; travel times in seconds).
    trip_of
        Request id → trip id (every request).
    base_served
        Trips the base fleet's own plan serves (e.g. the day plan); ``None``: solved.
    needs_vehicles
        ``False``: the base fleet already serves every servable trip of the day (no solve; the
        target is ``base_served``, which must then be given).
    base_routes
        The base plan of ``base_served`` as a start plan (vehicle id → (request id,
        ``"pickup"``/``"delivery"``) in order), for the curve's re-solves; ``None``: none.
    """

    name: str
    problem: DarpProblem
    trip_of: Mapping[str, str]
    base_served: int | None = None
    needs_vehicles: bool = True
    base_routes: Mapping[str, Sequence[tuple[str, str]]] | None = None


@dataclass(frozen=True)
class WeekFleetStep:
    """One point of the weekly curve: ``step`` vehicles added (``added`` the last one, ``None``
    at step 0), trips of the week served, gained over the previous step, per day (name →
    trips), and each day's plan on the base fleet plus the first ``step`` vehicles (``None``
    where the day's count is its given base count)."""

    step: int
    added: str | None
    trips_served: int
    trips_gained: int
    by_day: Mapping[str, int]
    plans: Mapping[str, DarpResult | None]


@dataclass(frozen=True)
class WeekFleetSizing:
    """What :func:`size_fleet_week` found.

    Attributes
    ----------
    days
        The days sized.
    n_base
        Number of base vehicles.
    by_day
        Day name → its own sizing (``None`` for a day that needs no vehicle).
    combined
        The vehicles of step 2 (max per kind over the days), pool order.
    steps
        The weekly curve, step 0 first (one step per vehicle kept by step 3).
    vehicles_to_add
        Fewest steps reaching the last step's trips of the week.
    targets
        Day name → trips its own sizing served (what the week's vehicles must reach).
    removed
        Vehicles of ``combined`` that step 3 took out, in that order.
    searches
        Every solve's search record (named ``fleet sizing week <day> …``).
    """

    days: tuple[WeekFleetDay, ...]
    n_base: int
    by_day: Mapping[str, FleetSizing | None]
    combined: tuple[str, ...]
    steps: tuple[WeekFleetStep, ...]
    vehicles_to_add: int
    targets: Mapping[str, int]
    removed: tuple[str, ...] = ()
    searches: tuple[SearchRecord, ...] = ()

    @property
    def added(self) -> tuple[str, ...]:
        """Ids of the vehicles to add (the first :attr:`vehicles_to_add` of the curve)."""
        return tuple(s.added for s in self.steps[1:self.vehicles_to_add + 1])

    @property
    def day_answers(self) -> dict[str, int]:
        """Day name → vehicles its own sizing adds (0 for a day that needs none)."""
        return {d.name: 0 if self.by_day[d.name] is None else self.by_day[d.name].vehicles_to_add
                for d in self.days}

    def problem_at(self, day: str, step: int) -> DarpProblem:
        """Day ``day``'s problem with the base fleet and the first ``step`` vehicles."""
        d = next(x for x in self.days if x.name == day)
        keep = [v.vehicle_id for v in d.problem.vehicles[:self.n_base]]
        return subproblem(d.problem, keep + [s.added for s in self.steps[1:step + 1]])


# ----------------------------------------------------------------------------- plans
def fit_plan(plan: DarpResult, problem: DarpProblem, fleet: Sequence[str],
             kind_of: Mapping[str, str]) -> DarpResult | None:
    """``plan`` on the vehicles ``fleet`` of ``problem``: each route of a candidate moves to a
    vehicle of its kind in ``fleet`` (the ``i``-th used vehicle of a kind, in pool order, onto
    the ``i``-th of ``fleet``); ``None`` when ``fleet`` has too few of a kind or lacks a base
    vehicle the plan uses. Vehicles of a kind are interchangeable (checked by
    :func:`size_fleet_week`), so the moved plan is as feasible as ``plan``."""
    order = {v.vehicle_id: k for k, v in enumerate(problem.vehicles)}
    free: dict[str, list[str]] = {}
    for vid in sorted(fleet, key=order.__getitem__):
        free.setdefault(kind_of.get(vid, vid), []).append(vid)
    routes: list[Route] = []
    for rt in sorted((r for r in plan.routes if r.request_ids),
                     key=lambda r: order[r.vehicle_id]):
        ids = free.get(kind_of.get(rt.vehicle_id, rt.vehicle_id), [])
        if not ids:
            return None
        routes.append(_move(rt, problem.vehicles[order[ids.pop(0)]]))
    return dataclasses.replace(plan, routes=tuple(routes))


def _move(route: Route, vehicle: Vehicle) -> Route:
    """``route`` driven by ``vehicle``: its id, and its start and end stops at the vehicle's
    own base nodes (same travel times: checked by :func:`_check_kinds`)."""
    if route.vehicle_id == vehicle.vehicle_id:
        return route
    stops = list(route.stops)
    if stops and stops[0].kind == "start":
        stops[0] = dataclasses.replace(stops[0], node=vehicle.start_node)
    if stops and stops[-1].kind == "end":
        stops[-1] = dataclasses.replace(stops[-1], node=vehicle.end_node)
    return dataclasses.replace(route, vehicle_id=vehicle.vehicle_id, stops=tuple(stops))


def _count(plan: DarpResult | None, day: WeekFleetDay, base: int,
           fleet: Sequence[str] | None = None) -> int:
    """Trips ``plan`` serves (on ``fleet`` only), at least the day's base count."""
    if plan is None:
        return base
    return max(base, len(trips_served(plan, day.trip_of, fleet)))


def _check_kinds(days: Sequence[WeekFleetDay], n_base: int, kind_of: Mapping[str, str]) -> None:
    """Same vehicles every day; vehicles of one kind interchangeable on every day (same shift,
    capacities, route duration, eligibility, and travel times from and to their base nodes,
    which may be distinct nodes at one place)."""
    ids = [v.vehicle_id for v in days[0].problem.vehicles]
    for d in days:
        if [v.vehicle_id for v in d.problem.vehicles] != ids:
            raise InputError(f"day {d.name}: its vehicles differ from day {days[0].name}'s",
                             field="problem.vehicles")
        first: dict[str, tuple] = {}
        tt = d.problem.travel_time_s
        for k, v in enumerate(d.problem.vehicles[n_base:], start=n_base):
            elig = tuple(d.problem.is_eligible(i, k) for i in range(len(d.problem.requests)))
            nodes = tuple(tt[n].tobytes() + tt[:, n].tobytes()
                          for n in (v.start_node, v.end_node))
            sig = (v.shift_s, v.seats, v.wheelchair_places, v.max_route_duration_s, nodes, elig)
            if first.setdefault(kind_of.get(v.vehicle_id, v.vehicle_id), sig) != sig:
                raise InputError(f"day {d.name}: vehicle {v.vehicle_id!r} differs from the "
                                 f"others of kind {kind_of[v.vehicle_id]!r}", field="kind_of")


# ----------------------------------------------------------------------------- steps
def _combine(sizings: Mapping[str, FleetSizing | None], cands: Sequence[str],
             kind_of: Mapping[str, str]) -> list[str]:
    """Step 2: per kind, the most vehicles of that kind any day adds; the first ids of the kind
    in pool order."""
    need: Counter = Counter()
    for fs in sizings.values():
        if fs is not None:
            for kind, n in Counter(kind_of.get(v, v) for v in fs.added).items():
                need[kind] = max(need[kind], n)
    out, taken = [], Counter()
    for c in cands:
        kind = kind_of.get(c, c)
        if taken[kind] < need[kind]:
            out.append(c)
            taken[kind] += 1
    return out


@dataclass
class _State:
    days: Sequence[WeekFleetDay]
    base_ids: list[str]
    base: dict[str, int]
    targets: dict[str, int]
    plans: dict[str, DarpResult | None]
    base_plans: dict[str, DarpResult | None]
    kind_of: Mapping[str, str]
    resolve: SolveParams | None
    searches: list[SearchRecord]
    day_curves: dict[str, list[tuple[Counter, int, DarpResult | None]]] = dataclasses.field(
        default_factory=dict)

    def without(self, fleet: list[str], v: str) -> dict[str, DarpResult | None] | None:
        """Every day's plan on ``fleet`` minus ``v`` reaching its target, or ``None``."""
        rest = [x for x in fleet if x != v]
        out: dict[str, DarpResult | None] = {}
        for d in self.days:
            plan = self.plans[d.name]
            if plan is None:
                out[d.name] = None
                continue
            fleet_ids = self.base_ids + rest
            fitted = fit_plan(plan, d.problem, fleet_ids, self.kind_of)
            if fitted is None:
                fitted = self._repair(d, plan, fleet_ids, v)
            if fitted is None:
                return None
            out[d.name] = fitted
        return out

    def _repair(self, d: WeekFleetDay, plan: DarpResult, fleet: list[str], v: str
                ) -> DarpResult | None:
        """The day's plan without its least useful route of ``v``'s kind, then a re-solve
        from it on ``fleet``; ``None`` when neither reaches the target."""
        kind = self.kind_of.get(v, v)
        mine = [r.vehicle_id for r in plan.routes
                if r.request_ids and self.kind_of.get(r.vehicle_id, r.vehicle_id) == kind]
        if not mine:  # pragma: no cover - fit_plan succeeds when the plan uses no such route
            return None
        everyone = [r.vehicle_id for r in plan.routes]
        drop = max(mine, key=lambda x: len(trips_served(
            plan, d.trip_of, [y for y in everyone if y != x])))
        sub = subproblem(d.problem, fleet)
        cut = fit_plan(restrict(d.problem, plan, [y for y in everyone if y != drop]), d.problem,
                       fleet, self.kind_of)
        assert cut is not None  # one route of the kind fewer: fits
        cut = restrict(sub, cut, fleet)
        if _count(cut, d, self.base[d.name]) >= self.targets[d.name]:
            return cut
        if self.resolve is None:
            return None
        res = solve_darp(sub, dataclasses.replace(self.resolve, initial_routes=_stops(cut)))
        self.searches.append(dataclasses.replace(
            res.search, name=f"fleet sizing week {d.name} without {v}"))
        return res if _count(res, d, self.base[d.name]) >= self.targets[d.name] else None


def _stops(plan: DarpResult) -> dict[str, list[tuple[str, str]]]:
    """``plan`` as ``initial_routes``: vehicle id → (request id, stop kind) in order."""
    return {r.vehicle_id: [(x.request_id, x.kind) for x in r.stops if x.request_id is not None]
            for r in plan.routes if r.request_ids}


def _removal_order(st: _State, fleet: list[str], problem: DarpProblem) -> list[str]:
    """Step 3's order: fewest trips of the week completed first (trips lost without it), then
    more wheelchair places, then pool order."""
    wc = {v.vehicle_id: v.wheelchair_places for v in problem.vehicles}
    pos = {v.vehicle_id: k for k, v in enumerate(problem.vehicles)}

    def lost(v: str) -> int:
        all_ids = st.base_ids + fleet
        rest = [x for x in all_ids if x != v]
        return sum(_count(st.plans[d.name], d, 0, all_ids)
                   - _count(st.plans[d.name], d, 0, rest) for d in st.days)

    return sorted(fleet, key=lambda v: (lost(v), -wc[v], pos[v]))


def _best(st: _State, d: WeekFleetDay, ids: list[str]) -> tuple[int, DarpResult | None]:
    """The most trips of day ``d`` a known plan serves with the vehicles ``ids`` (base
    included): the base plan (or count), the day's final plan restricted to ``ids``, and each
    step of the day's own curve whose vehicles (by kind) ``ids`` hold, moved onto them."""
    sub = subproblem(d.problem, ids)
    best: tuple[int, DarpResult | None] = (st.base[d.name], st.base_plans[d.name])
    if best[1] is not None:
        best = (best[0], restrict(sub, best[1], ids))
    final = st.plans[d.name]
    if final is not None and _count(final, d, 0, ids) > best[0]:
        best = (_count(final, d, 0, ids), restrict(sub, final, ids))
    have = Counter(st.kind_of.get(v, v) for v in ids)
    for kinds, n, plan in st.day_curves.get(d.name, ()):
        if n > best[0] and plan is not None and not kinds - have:
            moved = fit_plan(plan, d.problem, ids, st.kind_of)
            if moved is not None:
                best = (_count(moved, d, 0), restrict(sub, moved, ids))
    return best


def _curve(st: _State, fleet: list[str], step_params: SolveParams | None
           ) -> list[WeekFleetStep]:
    """Step 4 (module docs)."""
    first = {d.name: _best(st, d, st.base_ids) for d in st.days}
    by0 = {k: v[0] for k, v in first.items()}
    steps = [WeekFleetStep(0, None, sum(by0.values()), 0, by0,
                           {k: v[1] for k, v in first.items()})]
    order: list[str] = []
    left = list(fleet)
    while left:
        gains = [sum(_best(st, d, st.base_ids + [*order, c])[0] for d in st.days)
                 for c in left]
        order.append(left.pop(gains.index(max(gains))))
        steps.append(_step(st, order, steps[-1], step_params))
    return steps


def _step(st: _State, order: list[str], prev: WeekFleetStep, step_params: SolveParams | None
          ) -> WeekFleetStep:
    """Curve step ``len(order)``: per day the best of the previous step, the known plans
    (:func:`_best`) and, when none gains over the previous step and the day's target is not
    reached, a re-solve (``step_params``) started from the previous step's plan (or the day's
    ``base_routes``)."""
    ids = st.base_ids + order
    by_day, plans = {}, {}
    for d in st.days:
        sub = subproblem(d.problem, ids)
        options = [(prev.by_day[d.name],
                    None if prev.plans[d.name] is None else restrict(sub, prev.plans[d.name],
                                                                     ids)),
                   _best(st, d, ids)]
        known = max(o[0] for o in options)
        if step_params is not None and prev.by_day[d.name] >= known < st.targets[d.name]:
            start = d.base_routes if prev.plans[d.name] is None else _stops(prev.plans[d.name])
            res = solve_darp(sub, dataclasses.replace(step_params, initial_routes=start))
            st.searches.append(dataclasses.replace(
                res.search, name=f"fleet sizing week {d.name} step {len(order)}"))
            options.append((_count(res, d, 0), res))
        by_day[d.name], plans[d.name] = max(options, key=lambda o: o[0])
    n = sum(by_day.values())
    return WeekFleetStep(len(order), order[-1], n, n - prev.trips_served, by_day, plans)


# ----------------------------------------------------------------------------- the week
def size_fleet_week(days: Sequence[WeekFleetDay], n_base: int, *, params: SolveParams,
                    step_params: SolveParams | None = None,
                    resolve_params: SolveParams | None = None,
                    kind_of: Mapping[str, str] | None = None,
                    fixed_cost: Mapping[str, float] | None = None) -> WeekFleetSizing:
    """The fewest candidates to add so that every day of the week reaches what it can serve,
    and the weekly curve (module docs).

    Parameters
    ----------
    days
        The days (:class:`WeekFleetDay`), every one with the same vehicles: ``n_base`` base
        vehicles, then the candidates.
    n_base
        Number of base vehicles.
    params
        Search limits of each day's pool solve (:func:`size_fleet`).
    step_params
        Search limits of the weekly curve's re-solves (``None``: none; the curve then comes
        from the days' plans restricted to each step's fleet). The days are sized without step
        re-solves (their own curves are not the answer; step 3 takes out what they overcount).
    resolve_params
        Search limits of step 3's re-solves (``None``: no re-solve; a vehicle is only removed
        when the days' plans do without it).
    kind_of
        Candidate id → kind (interchangeable candidates: same type, base, shift, capacities and
        eligibility); default: every candidate its own kind.
    fixed_cost
        Candidate id → fixed cost of the pool solves (default
        :func:`~optimizer.solvers.fleet_sizing.default_fixed_costs`).

    Returns
    -------
    WeekFleetSizing

    Raises
    ------
    optimizer.errors.InputError
        If no day is given, the days' vehicles differ, two candidates of a kind differ, or a
        day that needs no vehicle has no ``base_served``.
    """
    if not days:
        raise InputError("no day to size", field="days")
    kinds = dict(kind_of or {})
    _check_kinds(days, n_base, kinds)
    vehicles = days[0].problem.vehicles
    base_ids = [v.vehicle_id for v in vehicles[:n_base]]
    cands = [v.vehicle_id for v in vehicles[n_base:]]
    sizings: dict[str, FleetSizing | None] = {}
    searches: list[SearchRecord] = []
    st = _State(days, base_ids, {}, {}, {}, {}, kinds, resolve_params, searches)
    for d in days:
        if not d.needs_vehicles:
            if d.base_served is None:
                raise InputError(f"day {d.name}: needs_vehicles=False without base_served",
                                 field="base_served")
            sizings[d.name] = None
            st.base[d.name] = st.targets[d.name] = int(d.base_served)
            st.plans[d.name] = st.base_plans[d.name] = None
            continue
        fs = size_fleet(d.problem, n_base, d.trip_of, params=params, step_params=None,
                        fixed_cost=fixed_cost, base_served=d.base_served)
        sizings[d.name] = fs
        searches += [dataclasses.replace(s, name=s.name.replace(
            "fleet sizing", f"fleet sizing week {d.name}")) for s in fs.searches]
        st.base[d.name] = fs.steps[0].trips_served
        st.targets[d.name] = fs.steps[-1].trips_served
        st.plans[d.name] = fs.steps[fs.vehicles_to_add].result
        st.base_plans[d.name] = fs.steps[0].result
        st.day_curves[d.name] = [
            (Counter(kinds.get(x.added, x.added) for x in fs.steps[1:i + 1]), x.trips_served,
             x.result) for i, x in enumerate(fs.steps)]
    combined = _combine(sizings, cands, kinds)
    for d in days:  # every day's plan moved onto the combined vehicles
        if st.plans[d.name] is not None:
            st.plans[d.name] = fit_plan(st.plans[d.name], d.problem, base_ids + combined, kinds)
    fleet, removed = list(combined), []
    for v in _removal_order(st, fleet, days[0].problem):
        trial = st.without(fleet, v)
        if trial is not None:
            fleet.remove(v)
            removed.append(v)
            st.plans.update(trial)
    steps = _curve(st, fleet, step_params)
    final = steps[-1].trips_served
    need = next(s.step for s in steps if s.trips_served >= final)
    return WeekFleetSizing(tuple(days), n_base, sizings, tuple(combined), tuple(steps), need,
                           dict(st.targets), tuple(removed), tuple(searches))
