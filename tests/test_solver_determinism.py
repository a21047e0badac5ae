"""Reproducible searches (issue 10, point 5): work limits, portfolios independent of the number
of workers, the wall clock only as a safety cap, canonical siting optima, one status vocabulary.

Every test asserts plans, limits and stop causes, never timings: budgets are small and the
safety caps generous, except where a tiny cap is the point of the test.
"""

from __future__ import annotations

import itertools
import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from benchmarks.readers import cordeau_time_scale, read_cordeau, read_solomon, solomon_scale
from optimizer.problems import darp as darp_problem
from optimizer.problems import vrptw as vrptw_problem
from optimizer.problems.coverage import CostMatrix, SitingProblem
from optimizer.problems.vrptw import check_vrptw
from optimizer.results import SolveStatus, StopCause
from optimizer.solvers import ortools_siting
from optimizer.solvers._parallel import best_of
from optimizer.solvers.checker import check_darp
from optimizer.solvers.darp_lns import lns_improve, lns_improve_parallel
from optimizer.solvers.ortools_routing import (
    SolveParams,
    _build,
    _precheck,
    darp_params,
    solve_darp,
    work_limits,
)
from optimizer.solvers.ortools_siting import siting_options, solve_lscp, solve_mclp, solve_pmedian
from optimizer.solvers.ortools_vrptw import (
    SISR_ITERATIONS_PER_S,
    solve_vrptw,
    vrptw_options,
)
from optimizer.solvers.params import SolverParams

DATA = Path(__file__).parent / "data"
CAP = 300.0  # generous safety cap: these tests must end on their work limits


@pytest.fixture(scope="module")
def a2_16():
    """Cordeau a2-16: 16 requests, 2 vehicles (BKS 294.25)."""
    return read_cordeau(DATA / "darp" / "a2-16.txt")


@pytest.fixture(scope="module")
def c101():
    """Solomon C101, DIMACS convention (100 customers, 25 vehicles)."""
    return read_solomon(DATA / "solomon" / "C101.vrp")


def plan_of_darp(res) -> tuple:
    return res.objective, tuple((rt.vehicle_id, tuple((s.kind, s.request_id, s.start_s)
                                                     for s in rt.stops)) for rt in res.routes)


def plan_of_vrptw(res) -> tuple:
    return res.distance_m, tuple((rt.vehicle_id, rt.customers) for rt in res.routes)


# --------------------------------------------------------------------------- one vocabulary
def test_one_solve_status_for_every_solver():
    assert darp_problem.SolveStatus is SolveStatus
    assert vrptw_problem.SolveStatus is SolveStatus
    assert ortools_siting.SolveStatus is SolveStatus
    assert not hasattr(SolveStatus, "UNKNOWN")  # siting's UNKNOWN is NO_SOLUTION now
    assert ortools_siting._CP_STATUS[ortools_siting.cp_model.UNKNOWN] is SolveStatus.NO_SOLUTION


def test_hand_built_result_carries_a_not_run_record():
    res = darp_problem.DarpResult(SolveStatus.OPTIMAL, (), (), 0.0)
    assert res.search.stopped_by is StopCause.NOT_RUN and res.search.reproducible


# --------------------------------------------------------------------------- DARP
def test_darp_params_maps_the_solver_section():
    work = darp_params(SolverParams(time_limit_s=10, searches=3, workers=2, seed=4))
    assert (work.deterministic, work.wall_clock_cap_s, work.searches, work.workers,
            work.seed, work.time_limit_s) == (True, 60.0, 3, 2, 4, 10.0)
    timed = darp_params(SolverParams(time_limit_s=10, stop="time", searches=1, workers=2))
    assert (timed.deterministic, timed.wall_clock_cap_s, timed.searches, timed.workers) == \
        (False, None, 1, 1)  # never more processes than searches
    assert darp_params(SolverParams(wall_clock_cap_s=12.5)).cap_s == 12.5


def test_work_limits_from_the_budget_and_size():
    # 10 s at 100 requests: 10 x 0.1 / 4 x 36 = 9 solutions per strategy, 10 x 0.9 x 0.9 x 0.95
    # = 7.695 -> 7.7 s of estimated work per search (milliseconds), 10 x 0.9 x 0.1 x 5 = 4.5 -> 5
    # GLS solutions (half up)
    w = work_limits(SolveParams(time_limit_s=10, deterministic=True, workers=2), 100)
    assert (w.construction_solutions, w.lns_iterations, w.lns_work_s, w.searches,
            w.gls_solutions) == (9, None, 7.695, 2, 5)
    assert w.describe(4) == ("4 x 9 construction solutions, 2 x 7.70 s of LNS work, "
                             "5 GLS solutions")
    # 5 s: 4.5 construction solutions rounds half up to 5 (Python's round() would give 4)
    assert work_limits(SolveParams(time_limit_s=5, deterministic=True), 100) \
        .construction_solutions == 5
    # the search counts its own steps: its work does not depend on the size; GLS does
    big = work_limits(SolveParams(time_limit_s=10, deterministic=True), 400)
    assert (big.lns_work_s, big.gls_solutions) == (7.695, 2)
    explicit = work_limits(SolveParams(time_limit_s=10, deterministic=True, lns_iterations=7,
                                       solution_limit=3, construction_solutions=2), 100)
    assert (explicit.construction_solutions, explicit.lns_iterations, explicit.lns_work_s,
            explicit.gls_solutions) == (2, 7, None, 3)
    off = work_limits(SolveParams(time_limit_s=10, deterministic=True, lns_share=0), 100)
    assert (off.lns_iterations, off.lns_work_s, off.lns_on) == (0, None, False)


@settings(max_examples=60, deadline=None)
@given(t1=st.floats(0.01, 120), t2=st.floats(0.01, 120), r1=st.integers(1, 600),
       r2=st.integers(1, 600))
def test_work_limits_are_monotone_and_positive(t1, t2, r1, r2):
    (ta, tb), (ra, rb) = sorted((t1, t2)), sorted((r1, r2))

    def lim(t, r):
        w = work_limits(SolveParams(time_limit_s=t, deterministic=True), r)
        return w.construction_solutions, w.lns_work_s, w.gls_solutions

    for a, b in zip(lim(ta, ra), lim(tb, ra)):  # more budget, never less work
        assert 0 < a <= b
    assert lim(ta, ra)[1] == lim(ta, rb)[1]  # the search's work: the same at any size
    assert lim(ta, ra)[2] >= lim(ta, rb)[2]  # more requests, never more GLS solutions
    assert lim(ta, ra)[2] >= 2  # guided local search gets at least one step past its start


def test_darp_same_seed_same_plan_and_any_number_of_workers(a2_16):
    kw = dict(time_scale=cordeau_time_scale(), cost_scale=1000)
    def solver(workers: int) -> SolverParams:
        return SolverParams(time_limit_s=0.3, searches=2, workers=workers, seed=5,
                            wall_clock_cap_s=CAP)

    one = solve_darp(a2_16, darp_params(solver(1), **kw))
    again = solve_darp(a2_16, darp_params(solver(1), **kw))
    two = solve_darp(a2_16, darp_params(solver(2), **kw))
    assert plan_of_darp(one) == plan_of_darp(again) == plan_of_darp(two)
    assert check_darp(a2_16, one) == [] and not one.unserved
    for res in (one, two):
        rec = res.search
        assert rec.stopped_by is StopCause.WORK_LIMIT and rec.reproducible
        lim = work_limits(SolveParams(time_limit_s=0.3, deterministic=True, workers=2), 16)
        assert rec.work_limit == lim.describe(4)
        done = float(rec.work_done.split("(")[1].split(" s of work")[0])
        assert done == pytest.approx(2 * lim.lns_work_s, abs=0.05)  # each ends past its limit
        assert done >= 2 * lim.lns_work_s - 0.005
        assert rec.wall_clock_cap_s == CAP
        assert res.params["lns_work_s"] == lim.lns_work_s
    assert one.objective <= 294.25 * 1.05


def test_darp_tiny_cap_is_reported_as_wall_clock(a2_16):
    res = solve_darp(a2_16, deterministic=True, time_limit_s=1.0, wall_clock_cap_s=0.2,
                     lns_iterations=10**8, time_scale=cordeau_time_scale(), cost_scale=1000)
    assert res.search.stopped_by is StopCause.WALL_CLOCK and not res.search.reproducible
    listed = set(res.served) | {u.request_id for u in res.unserved}
    assert listed == {r.request_id for r in a2_16.requests}  # nobody dropped silently
    assert check_darp(a2_16, res) == []


def test_darp_time_mode_is_recorded_as_wall_clock(a2_16):
    res = solve_darp(a2_16, time_limit_s=0.5, time_scale=cordeau_time_scale(), cost_scale=1000)
    assert res.search.stopped_by is StopCause.WALL_CLOCK and res.search.work_limit == ""
    assert res.search.wall_clock_cap_s == 0.5


def test_lns_annealing_follows_rounds_when_a_cap_is_given(a2_16):
    prm = SolveParams(time_scale=cordeau_time_scale(), cost_scale=1000)
    _, active, windows = _precheck(a2_16, prm)
    m = _build(a2_16, prm, active, windows)
    start = [[] for _ in a2_16.vehicles]
    free = lns_improve(m.lns, start, seed=2, max_iterations=200)
    capped = lns_improve(m.lns, start, seed=2, max_iterations=200, time_limit_s=1000.0)
    assert (free.routes, free.cost, free.iterations) == \
        (capped.routes, capped.cost, capped.iterations)


def test_lns_portfolio_result_does_not_depend_on_processes(a2_16):
    prm = SolveParams(time_scale=cordeau_time_scale(), cost_scale=1000)
    _, active, windows = _precheck(a2_16, prm)
    m = _build(a2_16, prm, active, windows)
    start = [[] for _ in a2_16.vehicles]
    runs = [lns_improve_parallel(m.lns, start, workers=w, searches=3, seed=7,
                                 max_iterations=40, time_limit_s=CAP) for w in (1, 2, 3)]
    assert len({(r.routes, r.cost) for r in runs}) == 1
    assert all(r.search_iterations == (40, 40, 40) and r.iterations == 120 for r in runs)
    singles = [lns_improve(m.lns, start, seed=7 + i, max_iterations=40) for i in range(3)]
    best = min(range(3), key=lambda i: (len(singles[i].unserved), singles[i].cost, i))
    assert runs[0].routes == singles[best].routes  # the best search, ties to the lower seed


def test_best_of_breaks_ties_by_search_index():
    calls = [{"a": 1, "time_limit_s": None}, {"a": 1, "time_limit_s": None}]
    best, results = best_of(dict, calls, key=lambda r: 0, processes=1)
    assert best is results[0] and results[0] == results[1] == {"a": 1, "time_limit_s": None}


# --------------------------------------------------------------------------- VRPTW
def test_vrptw_options_map_the_solver_section():
    o = vrptw_options(SolverParams(time_limit_s=10, searches=2, workers=2), budget_s=0.2,
                      searches=1)
    assert o == {"time_limit_s": 0.2, "seed": 0, "deterministic": True,
                 "wall_clock_cap_s": 1.2, "searches": 1, "workers": 1}
    t = vrptw_options(SolverParams(time_limit_s=10, stop="time", workers=2))
    assert (t["deterministic"], t["wall_clock_cap_s"], t["time_limit_s"], t["searches"],
            t["workers"]) == (False, None, 10.0, 2, 2)


def test_vrptw_same_seed_same_plan_and_any_number_of_workers(c101):
    s = solomon_scale()
    runs = []
    for w in (1, 1, 2):
        o = vrptw_options(SolverParams(time_limit_s=0.05, searches=2, workers=w, seed=3,
                                       wall_clock_cap_s=CAP))
        runs.append(solve_vrptw(c101, distance_scale=s, time_scale=s, **o))
    assert len({plan_of_vrptw(r) for r in runs}) == 1
    its = math.floor(0.05 * SISR_ITERATIONS_PER_S + 0.5)
    for r in runs:
        assert check_vrptw(c101, r) == [] and not r.unserved
        assert r.search.stopped_by is StopCause.WORK_LIMIT
        assert r.search.work_limit == f"2 x {its} SISR iterations"
        assert r.search.work_done == f"{2 * its} SISR iterations"


def test_vrptw_tiny_cap_is_reported_as_wall_clock(c101):
    s = solomon_scale()
    r = solve_vrptw(c101, distance_scale=s, time_scale=s, deterministic=True,
                    solution_limit=10**8, time_limit_s=1.0, wall_clock_cap_s=0.3)
    assert r.search.stopped_by is StopCause.WALL_CLOCK
    assert check_vrptw(c101, r) == []
    assert len(r.unserved) + sum(len(rt.customers) for rt in r.routes) == 100


def test_vrptw_explicit_polish_is_solution_limited(c101):
    s = solomon_scale()
    kw = dict(distance_scale=s, time_scale=s, deterministic=True, solution_limit=50,
              polish_solutions=3, time_limit_s=1.0, wall_clock_cap_s=CAP, seed=1)
    a, b = solve_vrptw(c101, **kw), solve_vrptw(c101, **kw)
    assert plan_of_vrptw(a) == plan_of_vrptw(b)
    assert a.search.work_limit == "2 x 1 x 50 SISR iterations, 2 x 3 GLS solutions"
    assert a.search.stopped_by is StopCause.WORK_LIMIT


# --------------------------------------------------------------------------- siting
def site_problem(times, weights, ids, *, p, existing=None):
    cm = CostMatrix(np.asarray(times, dtype=float), [f"d{i}" for i in range(len(weights))],
                    list(ids))
    return SitingProblem(cm, weights, service_radius_s=900.0, p=p,
                         existing=existing if existing is not None else [False] * len(ids))


def canonical_by_brute_force(prob, model):
    """Fewest new sites, then the lexicographically smallest sorted ids, among the optima."""
    cand = [j for j in range(prob.n_sites) if not prob.existing[j]]
    ex = [j for j in range(prob.n_sites) if prob.existing[j]]
    vals = prob.cost.values
    w = np.asarray(prob.demand_weight)
    best = None
    top = len(cand) if model == "lscp" else min(prob.p, len(cand))
    for k in range(top + 1):
        for S in itertools.combinations(cand, k):
            open_ = ex + list(S)
            if model == "mclp":
                cov = prob.covers[:, open_].any(axis=1) if open_ else np.zeros(len(w), bool)
                score = -float(w[cov].sum())
            elif model == "lscp":
                cov = prob.covers[:, open_].any(axis=1) if open_ else np.zeros(len(w), bool)
                if not np.all(cov | ~np.asarray(prob.coverable)):
                    continue
                score = float(k)
            else:
                if not open_:
                    continue
                d = vals[:, open_].min(axis=1)
                if not np.all(np.isfinite(d) | ~np.isfinite(vals).any(axis=1)):
                    continue
                score = float(np.sum(w[np.isfinite(d)] * d[np.isfinite(d)]))
            key = (score, k, sorted(prob.cost.site_ids[j] for j in S))
            if best is None or key < best:
                best = key
    return tuple(best[2])


TIE_TIMES = st.lists(st.sampled_from([60.0, 300.0, 600.0, 1200.0]), min_size=30, max_size=30)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(times=TIE_TIMES, weights=st.lists(st.integers(1, 3), min_size=5, max_size=5),
       p=st.integers(1, 3), model=st.sampled_from(["mclp", "lscp", "pmedian"]),
       perm=st.permutations(range(6)))
def test_siting_work_mode_returns_the_canonical_optimum(times, weights, p, model, perm):
    """Coarse travel times give many equal-value optima; work mode returns the canonical one
    (brute force, without the dominance reductions) whatever the column order."""
    t = np.array(times).reshape(5, 6)
    ids = ["s3", "s0", "s5", "s1", "s4", "s2"]
    prob = site_problem(t, weights, ids, p=p)
    shuffled = site_problem(t[:, list(perm)], weights, [ids[j] for j in perm], p=p)
    f = {"mclp": solve_mclp, "lscp": solve_lscp, "pmedian": solve_pmedian}[model]
    kw = {} if model == "lscp" else {"p": p}
    want = canonical_by_brute_force(prob, model)
    for pr in (prob, shuffled):
        res = f(pr, deterministic=True, reduce=False, wall_clock_cap_s=CAP, **kw)
        assert res.status is SolveStatus.OPTIMAL and res.gap == 0
        assert res.search.stopped_by is StopCause.PROVED
        assert tuple(sorted(res.new_sites)) == want
        assert res.params["tie_break"].startswith("canonical")


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(times=TIE_TIMES, weights=st.lists(st.integers(1, 3), min_size=5, max_size=5),
       p=st.integers(1, 3), model=st.sampled_from(["mclp", "lscp", "pmedian"]),
       perm=st.permutations(range(6)))
def test_siting_with_reductions_is_the_same_for_any_order_and_workers(times, weights, p, model,
                                                                      perm):
    t = np.array(times).reshape(5, 6)
    ids = ["s3", "s0", "s5", "s1", "s4", "s2"]
    existing = [False, False, False, False, False, True]
    f = {"mclp": solve_mclp, "lscp": solve_lscp, "pmedian": solve_pmedian}[model]
    kw = {} if model == "lscp" else {"p": p}
    got = set()
    for order, workers in ((range(6), 1), (perm, 1), (perm, 2)):
        order = list(order)
        pr = site_problem(t[:, order], weights, [ids[j] for j in order], p=p,
                          existing=[existing[j] for j in order])
        res = f(pr, deterministic=True, num_workers=workers, wall_clock_cap_s=CAP, **kw)
        got.add((res.status, res.objective, tuple(sorted(res.new_sites))))
    assert len(got) == 1


def test_siting_options_and_record():
    # "b" and "a" both cover both points: work mode returns the smaller id
    prob = site_problem([[60, 60, 1200], [60, 60, 1200]], [1, 1], ["b", "a", "c"], p=1)
    res = solve_mclp(prob, **siting_options(SolverParams(time_limit_s=2)))
    assert res.new_sites == ("a",) and res.objective == 2
    assert res.search.stopped_by is StopCause.PROVED
    assert res.search.work_limit == "1.00 s CP-SAT deterministic time"
    assert res.params["deterministic"] and res.params["wall_clock_cap_s"] == 12.0
    timed = solve_mclp(prob, **siting_options(SolverParams(time_limit_s=2, stop="time")))
    assert timed.objective == 2 and timed.search.work_limit == ""
    assert timed.search.stopped_by is StopCause.PROVED
    assert "tie_break" not in timed.params  # time mode: no tie-break (benchmarks unchanged)
