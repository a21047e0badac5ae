"""DARP problem data: validation on construction, read-only matrices, ride-time resolution."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from optimizer.errors import InputError, InputErrors
from optimizer.problems.darp import DarpProblem, Request, Vehicle, requests_from_records


def line_matrix(xs):
    x = np.asarray(xs, dtype=float)
    return np.abs(x[:, None] - x[None, :])


@pytest.fixture
def problem():
    """Three nodes on a line at 0, 600 and 1500 s; one request 1 -> 2; one vehicle at node 0."""
    return DarpProblem(
        travel_time_s=line_matrix([0, 600, 1500]),
        requests=(Request("r1", 1, 2, max_ride_time_s=3600, max_ride_factor=1.5),),
        vehicles=(Vehicle("v1", 0, 0, shift_s=(0, 36000), seats=4),),
    )


def test_valid_problem_is_read_only_and_cost_defaults_to_time(problem):
    assert problem.n_nodes == 3
    assert problem.cost is problem.travel_time_s
    with pytest.raises(ValueError):
        problem.travel_time_s[0, 1] = 5.0
    assert problem.direct_time_s("r1") == 900.0
    # relative limit 1.5 x 900 s = 1350 s binds before the absolute 3600 s
    assert problem.max_ride_s[0] == pytest.approx(1350.0)
    assert problem.request_index("r1") == 0 and problem.vehicle_index("v1") == 0


def test_input_matrix_is_copied(problem):
    m = line_matrix([0, 1, 2])
    p = DarpProblem(travel_time_s=m, requests=(), vehicles=())
    m[0, 1] = 99
    assert p.travel_time_s[0, 1] == 1


def test_replace_revalidates(problem):
    with pytest.raises(InputErrors):
        dataclasses.replace(problem, vehicles=(Vehicle("v1", 0, 7),))


@pytest.mark.parametrize("bad, field", [
    (np.ones((2, 3)), "travel_time_s"),
    (np.array([[0.0, -1.0], [1.0, 0.0]]), "travel_time_s"),
    (np.array([[1.0, 1.0], [1.0, 0.0]]), "travel_time_s"),
    (np.array([[0.0, np.nan], [1.0, 0.0]]), "travel_time_s"),
])
def test_bad_matrices(bad, field):
    with pytest.raises(InputError) as e:
        DarpProblem(travel_time_s=bad, requests=(), vehicles=())
    assert e.value.field == field


def test_unreachable_pairs_allowed():
    t = np.array([[0.0, math.inf], [5.0, 0.0]])
    p = DarpProblem(travel_time_s=t, requests=(Request("a", 0, 1),), vehicles=())
    assert math.isinf(p.direct_time_s(0))


def test_errors_are_collected_with_rows_and_fields():
    t = line_matrix([0, 1, 2])
    with pytest.raises(InputErrors) as e:
        DarpProblem(
            travel_time_s=t,
            requests=(Request("a", 0, 5), Request("a", 1, 2, eligible_vehicles={"nope"})),
            vehicles=(Vehicle("v", 0, 9), Vehicle("v", 0, 0)),
            source="rides.csv",
        )
    errs = e.value.errors
    fields = {(x.field, x.row) for x in errs}
    assert ("delivery_node", 1) in fields
    assert ("request_id", 2) in fields
    assert ("eligible_vehicles", 2) in fields
    assert ("end_node", 1) in fields
    assert ("vehicle_id", 2) in fields
    assert all(x.file == "rides.csv" for x in errs)


@pytest.mark.parametrize("kwargs, field", [
    ({"pickup_window_s": (100, 50)}, "pickup_window_s"),
    ({"delivery_window_s": (-1, 50)}, "delivery_window_s"),
    ({"seats": 0, "wheelchair_places": 0}, "seats"),
    ({"seats": -1}, "seats"),
    ({"seats": 1.5}, "seats"),
    ({"pickup_service_s": -3}, "pickup_service_s"),
    ({"max_ride_time_s": -1}, "max_ride_time_s"),
    ({"max_ride_factor": 0.5}, "max_ride_factor"),
])
def test_bad_requests(kwargs, field):
    with pytest.raises(InputError) as e:
        Request("r", 0, 1, **kwargs)
    assert e.value.field == field


def test_bad_vehicle():
    with pytest.raises(InputError) as e:
        Vehicle("v", 0, 0, shift_s=(100, 10))
    assert e.value.field == "shift_s"
    with pytest.raises(InputError) as e:
        Vehicle("v", 0, 0, wheelchair_places=-1)
    assert e.value.field == "wheelchair_places"


def test_wheelchair_only_request_and_eligibility(problem):
    r = Request("w", 1, 2, seats=0, wheelchair_places=1)
    p = dataclasses.replace(problem, requests=(r,), vehicles=(
        Vehicle("car", 0, 0, seats=4), Vehicle("van", 0, 0, seats=2, wheelchair_places=1)))
    assert not p.is_eligible(0, 0)
    assert p.is_eligible(0, 1)


def test_requests_from_records_names_rows():
    recs = [{"request_id": "a", "pickup_node": 0, "delivery_node": 1},
            {"request_id": "b", "pickup_node": 0, "delivery_node": 1, "seats": -2},
            {"request_id": "c", "pickup_node": 0, "delivery_node": 1, "colour": "red"}]
    with pytest.raises(InputErrors) as e:
        requests_from_records(recs, file="req.csv")
    assert [(x.row, x.field) for x in e.value.errors] == [(2, "seats"), (3, None)]
    assert requests_from_records(recs[:1])[0].request_id == "a"
