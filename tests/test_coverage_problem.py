"""CostMatrix / SitingProblem validation and the uncoverable-demand report."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from optimizer.errors import InputError
from optimizer.problems.coverage import CostMatrix, SitingProblem

INF = math.inf


def _cm(values=None):
    values = [[300.0, 1200.0, INF], [1000.0, 200.0, INF], [INF, INF, INF]] if values is None \
        else values
    n, m = len(values), len(values[0])
    return CostMatrix(values, [f"d{i}" for i in range(n)], [f"s{j}" for j in range(m)])


def _fields(exc: InputError) -> set:
    errs = getattr(exc, "errors", [exc])
    return {e.field for e in errs}


def test_cost_matrix_read_only_and_shape():
    cm = _cm()
    assert cm.shape == (3, 3)
    with pytest.raises(ValueError):
        cm.values[0, 0] = 1.0
    src = np.array([[1.0, 2.0]])
    cm2 = CostMatrix(src, ["a"], ["x", "y"])
    src[0, 0] = 99.0  # the matrix keeps its own copy
    assert cm2.values[0, 0] == 1.0


@pytest.mark.parametrize("kwargs, field", [
    (dict(values=[[1.0, 2.0]], demand_ids=["a", "b"], site_ids=["x", "y"]), "values"),
    (dict(values=[[1.0, 2.0]], demand_ids=["a"], site_ids=["x", "x"]), "site_ids"),
    (dict(values=[[1.0], [2.0]], demand_ids=["a", "a"], site_ids=["x"]), "demand_ids"),
    (dict(values=[[-1.0]], demand_ids=["a"], site_ids=["x"]), "values"),
    (dict(values=[[float("nan")]], demand_ids=["a"], site_ids=["x"]), "values"),
    (dict(values=[[1.0]], demand_ids=["a"], site_ids=["x"], unit="min"), "unit"),
])
def test_cost_matrix_rejects(kwargs, field):
    with pytest.raises(InputError) as ei:
        CostMatrix(**kwargs)
    assert field in _fields(ei.value)


def test_duplicate_id_message_names_both_rows():
    with pytest.raises(InputError) as ei:
        CostMatrix([[1.0, 2.0, 3.0]], ["a"], ["x", "y", "x"])
    assert "'x'" in str(ei.value) and "rows 1 and 3" in str(ei.value)


@pytest.mark.parametrize("kwargs, field", [
    (dict(demand_weight=[1, -2, 3]), "demand_weight"),
    (dict(demand_weight=[1, float("nan"), 3]), "demand_weight"),
    (dict(demand_weight=[1, 2]), "demand_weight"),
    (dict(demand_weight=[1, 2, 3], capacity=[10, float("nan"), 5]), "capacity"),
    (dict(demand_weight=[1, 2, 3], capacity=[10, "many", 5]), "capacity"),
    (dict(demand_weight=[1, 2, 3], capacity=[10, 0, 5]), "capacity"),
    (dict(demand_weight=[1, 2, 3], service_radius_s=0), "service_radius_s"),
    (dict(demand_weight=[1, 2, 3], service_radius_s=-5.0), "service_radius_s"),
    (dict(demand_weight=[1, 2, 3], p=-1), "p"),
    (dict(demand_weight=[1, 2, 3], assignment="nearest"), "assignment"),
    (dict(demand_weight=[1, 2, 3], existing=[True, "yes", False]), "existing"),
    (dict(demand_weight=[1, 2, 3], opening_cost=[1, -1, 0]), "opening_cost"),
    (dict(demand_weight=[1, 2, 3], site_island_id=["A", "A"]), "site_island_id"),
    (dict(demand_weight=[1, 2, 3], min_new_per_island={"Z": 1}), "min_new_per_island"),
    (dict(demand_weight=[1, 2, 3], site_island_id=["A", "A", "B"],
          min_new_per_island={"B": 2}), "min_new_per_island"),
])
def test_siting_problem_rejects(kwargs, field):
    kwargs.setdefault("service_radius_s", 900)
    with pytest.raises(InputError) as ei:
        SitingProblem(_cm(), **kwargs)
    assert field in _fields(ei.value)


def test_errors_are_collected():
    with pytest.raises(InputError) as ei:
        SitingProblem(_cm(), demand_weight=[-1, 2, 3], capacity=[1, float("nan"), 1],
                      service_radius_s=0)
    assert _fields(ei.value) == {"demand_weight", "capacity", "service_radius_s"}


def test_weight_error_names_row_and_id():
    with pytest.raises(InputError) as ei:
        SitingProblem(_cm(), demand_weight=[1, -2, 3], source="demand.csv")
    err = ei.value.errors[0]
    assert (err.file, err.row, err.field) == ("demand.csv", 2, "demand_weight")
    assert "'d1'" in str(err)


def test_min_open_counts_existing():
    # island B has one existing site and one candidate: min_open 2 is feasible, 3 is not
    cm = _cm([[1.0, 2.0, 3.0]])
    ok = SitingProblem(cm, [1], existing=[False, True, False], site_island_id=["A", "B", "B"],
                       min_open_per_island={"B": 2})
    assert ok.min_open_per_island == {"B": 2}
    with pytest.raises(InputError):
        dataclasses.replace(ok, min_open_per_island={"B": 3})


def test_defaults_and_replace():
    prob = SitingProblem(_cm(), demand_weight=[1, 2, 3], service_radius_s=900)
    assert not prob.existing.any() and np.isinf(prob.capacity).all()
    assert prob.site_island_id == ("main",) * 3 and not prob.is_capacitated
    prob2 = dataclasses.replace(prob, capacity=[5, INF, 5])
    assert prob2.is_capacitated and prob2.capacity[1] == INF


def test_coverage_sets_sorted_by_time():
    cm = _cm([[800.0, 100.0, 900.0, 901.0]])
    prob = SitingProblem(cm, [1], service_radius_s=900)
    (js,) = prob.coverage_sets()
    assert js.tolist() == [1, 0, 2]  # radius inclusive, 901 s excluded


def test_uncoverable_reasons():
    # d0 covered; d1 beyond radius (nearest s1 at 1000 s); d2 unreachable but sites on its island;
    # d3 on island C with no site, reachable only from s0 at 2000 s
    cm = _cm([[300.0, 1200.0, INF], [1100.0, 1000.0, INF], [INF, INF, INF],
              [2000.0, INF, INF]])
    prob = SitingProblem(cm, [5, 6, 7, 8], site_island_id=["A", "A", "B"],
                         demand_island_id=["A", "A", "B", "C"], service_radius_s=900)
    unc = {u.demand_id: u for u in prob.uncoverable_demand()}
    assert set(unc) == {"d1", "d2", "d3"}
    assert unc["d1"].reason == "beyond_radius" and unc["d1"].nearest_site_id == "s1"
    assert unc["d1"].nearest_time_s == 1000.0 and unc["d1"].weight == 6.0
    assert unc["d2"].reason == "unreachable" and unc["d2"].nearest_site_id is None
    assert unc["d3"].reason == "no_site_on_island" and unc["d3"].nearest_site_id == "s0"
    assert "island C" in unc["d3"].describe()
