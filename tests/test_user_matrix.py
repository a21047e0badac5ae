"""Travel-time matrices from users (issue 11, item 5): every no-path mark read as unreachable and
named by its labels; units declared or refused; seconds declared as minutes warned; problems and
solvers name places, never matrix indices; ``optimizer validate FILE.csv`` exits 0 or 2."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from optimizer.cli import main
from optimizer.errors import InputError
from optimizer.io.matrix import SENTINEL_MIN, read_matrix
from optimizer.problems.coverage import CostMatrix
from optimizer.problems.darp import DarpProblem, Request, Vehicle
from optimizer.problems.vrptw import VrptwProblem
from optimizer.solvers.ortools_routing import explain_request

BAD = Path(__file__).parent / "data" / "bad" / "matrix"
C03, V17, U01 = "C03 东港食堂", "V17", "U01 医院"


@pytest.mark.parametrize("name", ["no-path-markers.csv", "no-path-markers-gbk.csv"])
def test_every_no_path_mark_is_unreachable_and_named_by_labels(name: str) -> None:
    m = read_matrix(BAD / name)
    assert m.unit == "min" and m.labels == (C03, V17, U01)
    # finite cells: minutes -> seconds (12 min = 720 s); NaN, empty, -1, int64 max, int32 max: inf
    expected = np.array([[0, math.inf, 720], [math.inf, 0, math.inf],
                         [math.inf, math.inf, 0]])
    assert np.array_equal(m.seconds, expected)
    assert [(u.origin, u.destination) for u in m.unreachable] == [
        (C03, V17), (V17, C03), (V17, U01), (U01, C03), (U01, V17)]
    lines = m.report()
    assert lines[0] == f"no path from '{C03}' to 'V17' (cell NaN)"
    assert lines[2] == f"no path from 'V17' to '{U01}' (cell -1: a negative value)"
    assert "9223372036854775807: an integer overflow sentinel" in lines[3]
    assert not any("node" in line for line in lines)


def test_json_matrix_with_null_negative_and_int64_max() -> None:
    m = read_matrix(BAD / "matrix.json")
    assert m.unit == "s" and m.seconds[0, 1] == 720 and m.seconds[2, 1] == 1500
    assert [(u.origin, u.destination, u.written) for u in m.unreachable] == [
        (C03, U01, "null"), (V17, U01, "-1"), (U01, C03, "9223372036854775807")]
    assert np.isinf(m.seconds[[0, 1, 2], [2, 2, 0]]).all()


def test_nested_json_missing_pair_is_no_path(tmp_path: Path) -> None:
    p = tmp_path / "m.json"
    p.write_text('{"unit": "min", "values": {"A": {"A": 0, "B": 2}, "B": {"B": 0}}}',
                 encoding="utf-8")
    m = read_matrix(p)
    assert m.seconds.tolist() == [[0, 120], [math.inf, 0]]
    assert m.report() == ["no path from 'B' to 'A' (cell null)"]


def test_unit_must_be_given_and_agree() -> None:
    with pytest.raises(InputError, match="the unit is not given"):
        read_matrix(BAD / "no-unit.csv")
    assert read_matrix(BAD / "no-unit.csv", unit="s").seconds[0, 1] == 12
    assert read_matrix(BAD / "no-unit.csv", unit="分钟").seconds[0, 1] == 720
    with pytest.raises(InputError, match="unit 's' was given but the file says 'min'"):
        read_matrix(BAD / "no-path-markers.csv", unit="s")


def test_every_bad_cell_at_once_with_row_and_labels() -> None:
    with pytest.raises(InputError) as info:
        read_matrix(BAD / "not-a-number.csv")
    errs = info.value.errors
    assert [(e.row, e.field) for e in errs] == [(1, "V17"), (2, "V17")]
    assert f"'abc' from '{C03}' to 'V17' is not a number" in str(errs[0])
    assert "row 'V17' has 1 value(s) for 2 columns" in str(errs[1])


def test_seconds_declared_as_minutes_is_a_warning() -> None:
    m = read_matrix(BAD / "seconds-as-minutes.csv")
    # off-diagonal values 900, 1800, 960, 2400, 1700, 2300: median (1700 + 1800) / 2 = 1750
    assert m.warnings and "median is 1750 min" in m.warnings[0]
    assert m.seconds[0, 1] == 900 * 60  # read as declared
    assert not read_matrix(BAD / "seconds-as-minutes.csv", unit="min").unreachable
    assert read_matrix(BAD / "no-path-markers.csv").warnings == ()


def test_diagonal_no_path_is_refused(tmp_path: Path) -> None:
    p = tmp_path / "d.csv"
    p.write_text("min,A,B\nA,,1\nB,1,0\n", encoding="utf-8")
    with pytest.raises(InputError, match="'A' to itself is marked no path"):
        read_matrix(p)


def _darp(m):
    reqs = [Request("r1", m.index(V17), m.index(U01))]
    return DarpProblem.from_matrix(m, reqs, [Vehicle("car", m.index(C03), m.index(C03))])


def test_darp_reason_names_places_never_indices_or_sentinel_minutes() -> None:
    m = read_matrix(BAD / "no-path-markers.csv")
    reason, text = explain_request(_darp(m), 0)
    assert reason.value == "UNREACHABLE"
    assert text == f"no path from 'V17' to '{U01}'"


def test_problems_refuse_a_raw_overflow_sentinel_naming_labels() -> None:
    big = float(np.iinfo(np.int64).max)
    t = np.array([[0.0, big], [60.0, 0.0]])
    with pytest.raises(InputError) as info:
        DarpProblem(t, (), (), node_labels=("A 港", "B"))
    assert "from 'A 港' to 'B' = 9.22337e+18 s looks like an integer overflow sentinel" in \
        str(info.value)
    with pytest.raises(InputError, match="first from 'A 港' to 'B'"):
        VrptwProblem.homogeneous(travel_time_s=t, distance_m=np.zeros((2, 2)), demand=[0, 1],
                                 time_window_s=[[0, 100], [0, 100]], service_s=[0, 0],
                                 n_vehicles=1, capacity=1, node_names=["A 港", "B"])
    with pytest.raises(InputError, match="from demand 'd1' to site 's2' is an integer overflow"):
        CostMatrix([[0.0, SENTINEL_MIN]], demand_ids=["d1"], site_ids=["s1", "s2"])


def test_cost_matrix_from_a_rectangular_file(tmp_path: Path) -> None:
    p = tmp_path / "cost.csv"
    p.write_text("village\\site [s],S1,S2\nV1,300,-1\nV2,,900\n", encoding="utf-8")
    cm = CostMatrix.from_file(p)
    assert cm.demand_ids == ("V1", "V2") and cm.site_ids == ("S1", "S2")
    assert cm.values.tolist() == [[300, math.inf], [math.inf, 900]]


@pytest.mark.parametrize("name, unit, code, needle", [
    ("no-path-markers.csv", None, 0, f"no path from 'V17' to '{U01}' (cell -1"),
    ("matrix.json", None, 0, "3 pair(s) with no path"),
    ("seconds-as-minutes.csv", None, 0, "warning: the values were declared in minutes"),
    ("no-unit.csv", None, 2, "the unit is not given"),
    ("no-unit.csv", "min", 0, "read in min"),
    ("not-a-number.csv", None, 2, "'abc' from"),
])
def test_validate_a_matrix_file(name: str, unit: str | None, code: int, needle: str,
                                capsys: pytest.CaptureFixture[str]) -> None:
    args = ["validate", str(BAD / name)] + (["--unit", unit] if unit else [])
    assert main(args) == code
    out = capsys.readouterr()
    assert needle in (out.out if code == 0 else out.err)
    assert "Traceback" not in out.err
