"""spopt (PuLP + CBC, offline) as an oracle: same optimal objective on the same cost matrix."""

from __future__ import annotations

import numpy as np
import pytest

from optimizer.problems.coverage import CostMatrix, SitingProblem
from optimizer.solvers.ortools_siting import (
    SolveStatus,
    solve_lscp,
    solve_mclp,
    solve_pmedian,
)

spopt_locate = pytest.importorskip("spopt.locate")
pulp = pytest.importorskip("pulp")

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")  # PuLP 3 -> 4 notices

R = 900.0
SEEDS = [0, 1, 2]


def instance(seed: int, n: int = 50, m: int = 15):
    """Points in a 10 km square, time = distance / 5 m/s rounded to whole seconds."""
    rng = np.random.default_rng(seed)
    d = rng.uniform(0, 10_000, (n, 2))
    s = rng.uniform(0, 10_000, (m, 2))
    t = np.rint(np.linalg.norm(d[:, None] - s[None], axis=2) / 5.0)
    w = rng.integers(1, 30, n).astype(float)
    cm = CostMatrix(t, [f"d{i}" for i in range(n)], [f"s{j}" for j in range(m)])
    return t, w, SitingProblem(cm, w, service_radius_s=R)


def cbc():
    return pulp.PULP_CBC_CMD(msg=False)


@pytest.mark.parametrize("seed", SEEDS)
def test_mclp_same_objective(seed):
    t, w, prob = instance(seed)
    for p in (2, 4):
        ref = spopt_locate.MCLP.from_cost_matrix(t, w, R, p_facilities=p).solve(cbc())
        ours = solve_mclp(prob, p=p)
        assert ours.status == SolveStatus.OPTIMAL
        assert ours.objective == pytest.approx(pulp.value(ref.problem.objective))


@pytest.mark.parametrize("seed", SEEDS)
def test_lscp_same_objective(seed):
    t, w, prob = instance(seed)
    cov = prob.coverable
    ref = spopt_locate.LSCP.from_cost_matrix(t[cov], R).solve(cbc())
    ours = solve_lscp(prob)
    assert ours.status == SolveStatus.OPTIMAL
    assert ours.objective == pytest.approx(pulp.value(ref.problem.objective))


@pytest.mark.parametrize("seed", SEEDS)
def test_pmedian_same_objective(seed):
    t, w, prob = instance(seed)
    ref = spopt_locate.PMedian.from_cost_matrix(t, w, p_facilities=3).solve(cbc())
    ours = solve_pmedian(prob, p=3)
    assert ours.status == SolveStatus.OPTIMAL and ours.gap == 0
    assert ours.objective == pytest.approx(pulp.value(ref.problem.objective))


@pytest.mark.parametrize("seed", SEEDS)
def test_existing_sites_as_predefined(seed):
    t, w, prob = instance(seed)
    ex = np.zeros(t.shape[1], dtype=bool)
    ex[[0, 5]] = True
    prob = SitingProblem(prob.cost, w, existing=ex, service_radius_s=R)
    ref = spopt_locate.MCLP.from_cost_matrix(t, w, R, p_facilities=4,
                                             predefined_facilities_arr=ex.astype(int)).solve(cbc())
    ours = solve_mclp(prob, p=2)
    assert ours.objective == pytest.approx(pulp.value(ref.problem.objective))
    ref = spopt_locate.PMedian.from_cost_matrix(t, w, p_facilities=4,
                                                predefined_facilities_arr=ex.astype(int)
                                                ).solve(cbc())
    ours = solve_pmedian(prob, p=2)
    assert ours.objective == pytest.approx(pulp.value(ref.problem.objective))


@pytest.mark.parametrize("seed", SEEDS)
def test_capacitated_lscp_split_same_objective(seed):
    t, w, prob = instance(seed)
    cov = prob.coverable
    cap = np.full(t.shape[1], 120.0)
    ref = spopt_locate.LSCP.from_cost_matrix(t[cov], R, demand_quantity_arr=w[cov],
                                             facility_capacity_arr=cap).solve(cbc())
    cm = CostMatrix(t[cov], [f"d{i}" for i in range(int(cov.sum()))], prob.cost.site_ids)
    ours = solve_lscp(SitingProblem(cm, w[cov], capacity=cap, service_radius_s=R))
    assert ours.status == SolveStatus.OPTIMAL
    assert ours.objective == pytest.approx(pulp.value(ref.problem.objective))
