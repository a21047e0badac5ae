"""Fleet sizing for the dial-a-ride problem: the fewest vehicles to add from a candidate pool so
that every servable trip is served, and the trips gained by each added vehicle in turn.

A *trip* is a group of requests served only together (a dialysis trip across the sea is two
vehicle legs); ``trip_of`` maps each request id to its trip.

Method
------
1. **Servable trips.** Each request is checked alone against the whole fleet, candidates
   included (:func:`~optimizer.solvers.ortools_routing.explain_request`); a trip with a request
   no vehicle of the pool can serve (unreachable, ride time, time windows …) is *not servable by
   any vehicle* and is listed with that reason.
2. **Pool solve.** One solve of the whole problem, base fleet plus candidates, where each
   candidate used costs a fixed cost (default: the longest candidate shift in seconds, more
   driving than any one added vehicle can save, so fewer vehicles win over shorter driving) and
   an unserved request costs more than any fixed cost
   (:class:`~optimizer.solvers.ortools_routing.SolveParams` ``vehicle_fixed_cost``; the
   search compares plans by unserved requests first, then cost). Its plan says which
   candidates are needed.
3. **Greedy order.** The used candidates are added one at a time, each time the one whose route
   in the pool plan completes the most trips together with the base vehicles and the
   candidates already added (ties: problem order).
4. **The curve.** Step ``j`` (base fleet plus the first ``j`` candidates) serves the best of:
   the pool plan restricted to those vehicles (its other routes removed: a subset of a checked
   plan), a short re-solve with that fleet (``step_params``; optional), and step ``j - 1``'s
   plan (still feasible with one vehicle more). So the curve never decreases and every point is
   a real plan (:attr:`FleetStep.result`, checkable with
   :func:`~optimizer.solvers.checker.check_darp` against :meth:`FleetSizing.problem_at`).
   ``vehicles_to_add`` is the first step that reaches the last step's count.

This is a heuristic upper bound on the fewest vehicles (the pool solve is a local search; the
exact question is a DARP with fleet composition, NP-hard); the tests compare it with brute
force on small days.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from optimizer.problems.darp import (
    DarpProblem,
    DarpResult,
    SolveStatus,
    Unserved,
    UnservedReason,
)
from optimizer.results import SearchRecord
from optimizer.solvers.ortools_routing import SolveParams, explain_request, solve_darp

__all__ = ["FleetSizing", "FleetStep", "default_fixed_costs", "restrict", "size_fleet",
           "subproblem", "trips_served"]


@dataclass(frozen=True)
class FleetStep:
    """One point of the curve.

    Attributes
    ----------
    step
        Vehicles added so far (0 = the base fleet).
    added
        Id of the vehicle added at this step (``None`` at step 0).
    trips_served
        Whole trips the step's plan serves.
    trips_gained
        ``trips_served`` minus the previous step's (0 at step 0).
    source
        Which plan gave the count: ``"base"`` (given base count or re-solve of the base
        fleet), ``"pool"`` (pool plan restricted), ``"re-solve"``, ``"previous"``.
    result
        The plan on :meth:`FleetSizing.problem_at` (``step``); ``None`` when the count is the
        given ``base_served`` (step 0, or a later step where no plan of this problem did
        better: the base plan stays feasible with more vehicles).
    """

    step: int
    added: str | None
    trips_served: int
    trips_gained: int
    source: str
    result: DarpResult | None = None


@dataclass(frozen=True)
class FleetSizing:
    """What :func:`size_fleet` found.

    Attributes
    ----------
    problem
        The whole problem (base vehicles first, then the candidates).
    n_base
        Number of base vehicles.
    steps
        The curve, step 0 first; one step per candidate used by the pool plan.
    vehicles_to_add
        Fewest steps reaching the last step's trips served.
    servable
        Trips every request of which some vehicle of the pool can serve alone.
    not_servable
        Trip → (reason, detail) of its first request no vehicle can serve.
    pool
        The pool plan.
    searches
        What bounded each solve (pool first, then the re-solves in step order; named
        ``fleet sizing pool``, ``fleet sizing base``, ``fleet sizing step <j>``) for the run
        manifest, which flags a solve the wall clock cut.
    """

    problem: DarpProblem
    n_base: int
    steps: tuple[FleetStep, ...]
    vehicles_to_add: int
    servable: frozenset[str]
    not_servable: Mapping[str, tuple[UnservedReason, str]]
    pool: DarpResult
    searches: tuple[SearchRecord, ...] = ()

    @property
    def added(self) -> tuple[str, ...]:
        """Ids of the vehicles to add (the first :attr:`vehicles_to_add` of the order)."""
        return tuple(s.added for s in self.steps[1:self.vehicles_to_add + 1])

    def problem_at(self, step: int) -> DarpProblem:
        """The problem with the base fleet and the first ``step`` vehicles of the order."""
        keep = [v.vehicle_id for v in self.problem.vehicles[:self.n_base]]
        keep += [s.added for s in self.steps[1:step + 1]]
        return subproblem(self.problem, keep)


def subproblem(problem: DarpProblem, vehicle_ids: Sequence[str]) -> DarpProblem:
    """``problem`` with only the vehicles ``vehicle_ids`` (problem order kept), eligibility
    lists cut to them."""
    keep = set(vehicle_ids)
    vehicles = tuple(v for v in problem.vehicles if v.vehicle_id in keep)
    reqs = tuple(r if r.eligible_vehicles is None else
                 dataclasses.replace(r, eligible_vehicles=r.eligible_vehicles & keep)
                 for r in problem.requests)
    return dataclasses.replace(problem, vehicles=vehicles, requests=reqs)


def trips_served(result: DarpResult, trip_of: Mapping[str, str],
                 vehicle_ids: Sequence[str] | None = None) -> frozenset[str]:
    """Trips whose every request is on a route of ``vehicle_ids`` (default: every route)."""
    keep = None if vehicle_ids is None else set(vehicle_ids)
    on = {rid for rt in result.routes if keep is None or rt.vehicle_id in keep
          for rid in rt.request_ids}
    trips: dict[str, bool] = {}
    for rid, trip in trip_of.items():
        trips[trip] = trips.get(trip, True) and rid in on
    return frozenset(t for t, ok in trips.items() if ok)


def restrict(problem: DarpProblem, result: DarpResult, vehicle_ids: Sequence[str]
             ) -> DarpResult:
    """``result`` with only the routes of ``vehicle_ids``; every other request listed unserved
    (a subset of a feasible plan's routes is feasible)."""
    keep = set(vehicle_ids)
    routes = tuple(rt for rt in result.routes if rt.vehicle_id in keep)
    on = {rid for rt in routes for rid in rt.request_ids}
    uns = tuple(Unserved(r.request_id, UnservedReason.DROPPED_BY_SEARCH,
                         "its vehicle is not in this fleet")
                for r in problem.requests if r.request_id not in on)
    return DarpResult(status=SolveStatus.PARTIAL if uns else SolveStatus.FEASIBLE,
                      routes=routes, unserved=uns,
                      objective=float(sum(rt.cost for rt in routes)), search=result.search)


def default_fixed_costs(problem: DarpProblem, n_base: int) -> dict[str, float]:
    """Fixed cost of each candidate (vehicles after the first ``n_base``), problem cost units:
    the longest candidate shift in seconds (a vehicle cannot drive longer than its shift, so one
    more vehicle saves less driving than that in any sane plan), raised by
    ``wheelchair_places / (2 x candidates)`` of itself, so that among plans with as many
    vehicles the one with fewer wheelchair places wins and the total raise stays under one
    vehicle's cost."""
    cands = problem.vehicles[n_base:]
    if not cands:
        return {}
    base = max(float(v.shift_s[1] - v.shift_s[0]) for v in cands)
    base = base if base < float("inf") else 86400.0
    return {v.vehicle_id: base * (1.0 + v.wheelchair_places / (2.0 * len(cands)))
            for v in cands}


def _servable(problem: DarpProblem, trip_of: Mapping[str, str]
              ) -> tuple[frozenset[str], dict[str, tuple[UnservedReason, str]]]:
    bad: dict[str, tuple[UnservedReason, str]] = {}
    for i, r in enumerate(problem.requests):
        why = explain_request(problem, i)
        if why is not None:
            bad.setdefault(trip_of[r.request_id], why)
    return frozenset(set(trip_of.values()) - set(bad)), bad


def _greedy_order(pool: DarpResult, trip_of: Mapping[str, str], base: list[str],
                  used: list[str]) -> list[str]:
    """Used candidates in greedy order (most trips completed first; ties: given order); stops
    once the pool plan's trips are all completed.

    Counted incrementally (the same order as recounting :func:`trips_served` for every
    candidate at every step: adding a vehicle only adds requests, so a candidate's gain is the
    trips it touches that its requests complete; at 10 x the recount took seconds per step)."""
    reqs_of: dict[str, set[str]] = {}
    for rt in pool.routes:
        reqs_of.setdefault(rt.vehicle_id, set()).update(rt.request_ids)
    members: dict[str, list[str]] = {}
    for rid, trip in trip_of.items():
        members.setdefault(trip, []).append(rid)
    on = set().union(*(reqs_of.get(v, set()) for v in base))
    done = {t for t, rs in members.items() if all(r in on for r in rs)}
    target = len(trips_served(pool, trip_of))
    order: list[str] = []
    left = list(used)
    while left and len(done) < target:
        gains = []
        for c in left:
            mine = reqs_of.get(c, set())
            touched = {trip_of[r] for r in mine if r in trip_of} - done
            gains.append(sum(1 for t in touched
                             if all(r in on or r in mine for r in members[t])))
        best = left[gains.index(max(gains))]
        order.append(best)
        left.remove(best)
        on |= reqs_of.get(best, set())
        done |= {t for t in {trip_of[r] for r in reqs_of.get(best, set()) if r in trip_of}
                 if all(r in on for r in members[t])}
    return order


def size_fleet(problem: DarpProblem, n_base: int, trip_of: Mapping[str, str], *,
               params: SolveParams, step_params: SolveParams | None = None,
               fixed_cost: Mapping[str, float] | None = None,
               base_served: int | None = None,
               solve: Callable[[DarpProblem, SolveParams], DarpResult] | None = None
               ) -> FleetSizing:
    """The fewest candidates to add and the curve (module docs).

    Parameters
    ----------
    problem
        The problem with the base fleet first (``n_base`` vehicles) and the candidate vehicles
        after it (travel times in seconds).
    n_base
        Number of base vehicles.
    trip_of
        Request id → trip id (every request).
    params
        Search limits of the pool solve (its ``vehicle_fixed_cost`` is replaced).
    step_params
        Search limits of each step's re-solve (``None``: no re-solves; the curve comes from
        the pool plan); also used to solve the base fleet when ``base_served`` is not given.
    fixed_cost
        Candidate id → fixed cost (default :func:`default_fixed_costs`).
    base_served
        Trips the base fleet's own plan serves (e.g. the day plan); step 0's count.
    solve
        The solver of the pool solve and the re-solves (default
        :func:`~optimizer.solvers.ortools_routing.solve_darp`; a large day passes
        :func:`~optimizer.solvers.darp_decompose.solve_decomposed`).

    Returns
    -------
    FleetSizing

    Raises
    ------
    optimizer.errors.InputError
        If ``n_base`` is out of range or a request has no trip.
    """
    from optimizer.errors import InputError

    if not 0 <= n_base <= len(problem.vehicles):
        raise InputError(f"n_base={n_base}; expected 0..{len(problem.vehicles)}", field="n_base")
    missing = [r.request_id for r in problem.requests if r.request_id not in trip_of]
    if missing:
        raise InputError(f"requests without a trip: {missing[:5]}", field="trip_of")
    servable, bad = _servable(problem, trip_of)
    fixed = dict(fixed_cost) if fixed_cost is not None else default_fixed_costs(problem, n_base)
    solve = solve or solve_darp
    pool = solve(problem, dataclasses.replace(params, vehicle_fixed_cost=fixed))
    base = [v.vehicle_id for v in problem.vehicles[:n_base]]
    cands = [v.vehicle_id for v in problem.vehicles[n_base:]]
    used = [c for c in cands if c in {rt.vehicle_id for rt in pool.routes}]
    order = _greedy_order(pool, trip_of, base, used)
    steps = [_base_step(problem, base, trip_of, step_params, base_served)]
    searches = [dataclasses.replace(pool.search, name="fleet sizing pool")]
    if base_served is None and steps[0].result is not None and steps[0].result.routes:
        searches.append(dataclasses.replace(steps[0].result.search, name="fleet sizing base"))
    for j, vid in enumerate(order, start=1):
        fleet = base + order[:j]
        # restrict() reads only the request ids, which a subproblem shares with the problem:
        # build the subproblem (a validated copy of the whole day) only to re-solve it
        sub = subproblem(problem, fleet) if step_params is not None else problem
        options = [(len(trips_served(pool, trip_of, fleet)), "pool", restrict(sub, pool, fleet))]
        if step_params is not None:
            res = solve(sub, step_params)
            searches.append(dataclasses.replace(res.search, name=f"fleet sizing step {j}"))
            options.append((len(trips_served(res, trip_of)), "re-solve", res))
        prev = steps[-1]
        options.append((prev.trips_served, "previous",
                        None if prev.result is None else _widen(sub, prev.result)))
        n, src, res = max(options, key=lambda o: o[0])  # first best wins ties
        steps.append(FleetStep(j, vid, n, n - prev.trips_served, src, res))
    final = steps[-1].trips_served
    need = next(s.step for s in steps if s.trips_served >= final)
    return FleetSizing(problem, n_base, tuple(steps), need, servable, bad, pool,
                       tuple(searches))


def _base_step(problem: DarpProblem, base: list[str], trip_of: Mapping[str, str],
               step_params: SolveParams | None, base_served: int | None) -> FleetStep:
    if base_served is not None:
        return FleetStep(0, None, int(base_served), 0, "base", None)
    sub = subproblem(problem, base)
    if not sub.vehicles:
        return FleetStep(0, None, 0, 0, "base", restrict(sub, _empty(), []))
    res = solve_darp(sub, step_params or SolveParams(deterministic=True, time_limit_s=1.0))
    return FleetStep(0, None, len(trips_served(res, trip_of)), 0, "base", res)


def _empty() -> DarpResult:
    return DarpResult(status=SolveStatus.OPTIMAL, routes=(), unserved=(), objective=0.0)


def _widen(sub: DarpProblem, result: DarpResult) -> DarpResult:
    """A plan of the previous step, valid on ``sub`` (one vehicle more, unused)."""
    return restrict(sub, result, [v.vehicle_id for v in sub.vehicles])
