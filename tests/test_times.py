"""Times a person writes and reads (issue 11 item 4) and reasons a person can act on (item 8).

Files under ``tests/data/bad/times/`` (README there): each is read correctly or refused naming the
file, the row, the field and the fix.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from optimizer.cli import main
from optimizer.errors import InputError, InputErrors
from optimizer.params import ClockS, params
from optimizer.problems.coverage import CostMatrix, SitingProblem
from optimizer.results import REASONS
from optimizer.solvers.ortools_siting import SolveStatus, solve_lscp, solve_mclp, solve_pmedian
from optimizer.units import hhmm, minutes_text, parse_clock

REPO = Path(__file__).resolve().parents[1]
BAD = REPO / "tests" / "data" / "bad" / "times"
D = REPO / "tests" / "data" / "dialysis"


def hm(h: int, m: int) -> int:
    return h * 3600 + m * 60


# ------------------------------------------------------------------------------ parse_clock
@pytest.mark.parametrize("value, seconds", [
    ("07:30", hm(7, 30)), ("7:30", hm(7, 30)), ("07:30:00", hm(7, 30)), (" 7:05 ", hm(7, 5)),
    ("24:00", hm(24, 0)),
    (dt.time(8, 0), hm(8, 0)),
    (dt.datetime(1899, 12, 30, 8, 0), hm(8, 0)),  # Excel's serial 0 as pandas renders it
    (dt.datetime(1900, 1, 1, 8, 0), hm(8, 0)),
    ("1900-01-01 08:00:00", hm(8, 0)), ("1899-12-30 08:00:00", hm(8, 0)),
    (0.3125, hm(7, 30)), (np.float64(0.5), hm(12, 0)),
    ("2026-12-03T07:30:00+08:00", hm(7, 30)),
    ("2026-12-02T23:30:00Z", hm(7, 30)),       # 23:30 UTC = 07:30 next day in China
    ("2026-12-03T00:30:00+01:00", hm(7, 30)),
    ("2026-12-03 07:30", hm(7, 30)),           # no offset: China Standard Time
    ("01:30 (+1)", hm(25, 30)), ("次日 01:30", hm(25, 30)),
])
def test_parse_clock_reads_every_form_users_have(value, seconds):
    assert parse_clock(value) == seconds


def test_iso_date_is_checked_against_the_plan_date():
    day = dt.date(2026, 12, 3)
    assert parse_clock("2026-12-03T07:30:00+08:00", plan_date=day) == hm(7, 30)
    assert parse_clock("2026-12-03T17:30:00Z", plan_date=day) == hm(25, 30)  # 01:30 next day
    with pytest.raises(InputError, match="not on the plan date 2026-12-03"):
        parse_clock("2026-12-05T07:30:00+08:00", plan_date=day, field="shift_start")
    # without a plan date (weekly tables) the date part is ignored
    assert parse_clock("2026-12-05T07:30:00+08:00") == hm(7, 30)


def test_day_fraction_as_text_only_from_a_workbook():
    assert parse_clock("0.75", file="vehicles.xlsx") == hm(18, 0)
    with pytest.raises(InputError, match="is a number, not a clock time"):
        parse_clock("0.75", file="vehicles.csv")


@pytest.mark.parametrize("value, fix", [
    ("730", "write 07:30 (hours:minutes)"), (730, "write 07:30 (hours:minutes)"),
    (11, "write 11:00 (hours:minutes)"), (7.5, "write 07:30 (hours:minutes)"),
    ("7.5", "write 07:30 (hours:minutes)"),
    ("25:00", "(+1)"), ("07:61", "0-59"), ("", "HH:MM"), (None, "HH:MM"), (True, "HH:MM"),
    ("half past seven", "HH:MM"), (dt.date(2026, 12, 3), "without a time"),
    ("01:30 (+1) extra", "HH:MM"),
])
def test_parse_clock_refuses_with_the_fix(value, fix):
    with pytest.raises(InputError) as ei:
        parse_clock(value, file="vehicles.csv", row=2, field="shift_start")
    e = ei.value
    assert (e.file, e.row, e.field) == ("vehicles.csv", 2, "shift_start")
    assert fix in e.message


@pytest.mark.parametrize("file, fix", [
    ("scenario.yaml", "write the time as text in quotes, e.g. '07:30' (HH:MM)"),
    (None, "write the time as text in quotes, e.g. '07:30' (HH:MM)"),
    ("vehicles.csv", "write 07:30 (hours:minutes)"),
    ("Vehicles.XLSX", "write 07:30 (hours:minutes)"),
])
def test_number_fix_depends_on_where_the_time_is_written(file, fix):
    """YAML reads an unquoted 07:30 as a number, so the fix quotes it; in a CSV/XLSX cell the
    quotes would be part of the text (and refused), so the fix is the bare 07:30."""
    with pytest.raises(InputError) as ei:
        parse_clock(730, file=file, field="t")
    assert ei.value.message == f"730 is a number, not a clock time; {fix}"


@pytest.mark.parametrize("file, fix", [
    ("scenario.yaml", "write the time as text in quotes, e.g. '07:30' (HH:MM)"),
    (None, "write the time as text in quotes, e.g. '07:30' (HH:MM)"),
    ("vehicles.csv", "write 07:30 (hours:minutes)"),
    ("Vehicles.XLSX", "write 07:30 (hours:minutes)"),
])
def test_number_fix_depends_on_where_the_time_is_written(file, fix):
    """YAML reads an unquoted 07:30 as a number, so the fix quotes it; in a CSV/XLSX cell the
    quotes would be part of the text (and refused), so the fix is the bare 07:30."""
    with pytest.raises(InputError) as ei:
        parse_clock(730, file=file, field="t")
    assert ei.value.message == f"730 is a number, not a clock time; {fix}"


def test_past_24_only_when_asked_gtfs():
    assert parse_clock("25:10:00", past_24=True) == hm(25, 10)
    with pytest.raises(InputError, match="past 24:00"):
        parse_clock("25:10:00")
    with pytest.raises(InputError, match="hours 0-47"):
        parse_clock("48:00", past_24=True)


def test_hhmm_next_day_marker_and_whole_minutes():
    assert hhmm(hm(7, 30)) == "07:30"
    assert hhmm(hm(25, 30)) == "01:30 (+1)"
    assert hhmm(hm(48, 0)) == "00:00 (+2)"
    assert hhmm(hm(25, 30), gtfs=True) == "25:30"
    assert hhmm(math.inf) == "--:--"
    assert minutes_text(643.8 * 60) == "10 h 44 min"
    assert minutes_text(65 * 60) == "1 h 05 min"
    assert minutes_text(44.6 * 60) == "45 min"


@given(st.integers(min_value=0, max_value=48 * 3600 - 1))
def test_hhmm_parse_clock_round_trip(t):
    """Every time of two service days: parse_clock(hhmm(t)) is t to the minute, and formats back
    to the same text (the next-day marker included)."""
    text = hhmm(t)
    back = parse_clock(text)
    assert back == 60 * round(t / 60)
    assert hhmm(back) == text
    assert back < 24 * 3600 or "(+" in text
    if back < 48 * 3600:
        assert parse_clock(hhmm(t, gtfs=True), past_24=True) == back


# ------------------------------------------------------------------------------ ClockS
@params
class _Demo:
    ready: ClockS = 11 * 3600


@pytest.mark.parametrize("value", [730, 11, 7.5, "25:00", True])
def test_clock_parameters_refuse_numbers_and_25h(value):
    with pytest.raises(ValueError) as ei:
        _Demo(ready=value)
    text = str(ei.value)
    assert ("write the time as text in quotes" in text) if not isinstance(value, str) \
        else "(+1)" in text


def test_clock_parameters_read_text_and_times():
    assert _Demo(ready="07:30").ready == hm(7, 30)
    assert _Demo(ready=dt.time(7, 30)).ready == hm(7, 30)
    assert _Demo(ready="2026-12-02T23:30:00Z").ready == hm(7, 30)


def test_scenario_number_for_a_time_exits_2_naming_key_and_fix(capsys):
    assert main(["validate", str(BAD / "scenario_delivery_time_730.yaml")]) == 2
    err = capsys.readouterr().err
    assert "scenario_delivery_time_730.yaml" in err and "meals.delivery_time" in err
    assert "write the time as text in quotes" in err and "'07:30'" in err  # YAML: quotes


def test_scenario_25h_exits_2(capsys):
    assert main(["validate", str(BAD / "scenario_delivery_time_25h.yaml")]) == 2
    err = capsys.readouterr().err
    assert "meals.delivery_time" in err and "past 24:00" in err


def test_scenario_unquoted_and_iso_times_read():
    from optimizer.scenario.schema import load_scenario

    sc = load_scenario(BAD / "scenario_delivery_time_ok.yaml")
    assert sc.meals.delivery_time == hm(7, 30)
    assert sc.connectivity.journeys_depart == hm(6, 30)


# ------------------------------------------------------------------------------ vehicle tables
@pytest.fixture(scope="module")
def islands():
    from optimizer.network.islands import load_islands

    return load_islands(D / "islands.geojson")


def _vehicles(path, islands):
    from optimizer.services.dialysis import load_dialysis_inputs

    inp = load_dialysis_inputs(D / "patients.csv", D / "units.csv", path, islands=islands)
    return {v.vehicle_id: (v.shift_start_s, v.shift_end_s) for v in inp.vehicles}


def test_vehicles_h_mm_iso_and_excel_text(islands):
    assert _vehicles(BAD / "vehicles_h_mm_and_iso.csv", islands) == {
        "VA1": (hm(7, 30), hm(18, 0)), "VB1": (hm(5, 30), hm(18, 0))}


def test_vehicles_real_excel_time_cells(islands):
    assert _vehicles(BAD / "vehicles_excel_cells.xlsx", islands) == {
        "VA1": (hm(7, 30), hm(18, 0)), "VB1": (hm(5, 30), hm(18, 0))}


def test_night_shift_ends_next_day_and_a_23h_one_is_refused(islands, tmp_path):
    with pytest.raises(InputErrors) as ei:
        _vehicles(BAD / "vehicles_night_shift.csv", islands)
    [e] = ei.value.errors
    assert (Path(e.file).name, e.row, e.field) == ("vehicles_night_shift.csv", 2, "shift_end")
    assert "04:30" in e.message and "night shift" in e.message
    ok = tmp_path / "vehicles.csv"
    ok.write_text("\n".join((BAD / "vehicles_night_shift.csv").read_text(encoding="utf-8")
                            .splitlines()[:2]) + "\n", encoding="utf-8")
    assert _vehicles(ok, islands) == {"VA1": (hm(22, 30), hm(25, 30))}
    assert hhmm(hm(25, 30)) == "01:30 (+1)"


def test_vehicle_number_and_25h_refused_naming_row_field_fix(islands):
    with pytest.raises(InputErrors) as ei:
        _vehicles(BAD / "vehicles_number_and_25h.csv", islands)
    got = {(Path(e.file).name, e.line, e.field): e.message for e in ei.value.errors}
    assert set(got) == {("vehicles_number_and_25h.csv", 2, "shift_start"),
                        ("vehicles_number_and_25h.csv", 3, "shift_end")}  # header = line 1
    # in a table cell the fix is the bare time: quotes typed in a CSV cell would be refused
    assert got[("vehicles_number_and_25h.csv", 2, "shift_start")].endswith(
        "is a number, not a clock time; write 07:30 (hours:minutes)")
    assert "'07:30'" not in got[("vehicles_number_and_25h.csv", 2, "shift_start")]
    assert "(+1)" in got[("vehicles_number_and_25h.csv", 3, "shift_end")]


# ------------------------------------------------------------------------------ same place
def test_same_place_is_no_transport_needed_and_holds_no_seat(islands):
    from optimizer.io.gtfs import read_gtfs
    from optimizer.network.build import Network
    from optimizer.network.ferries import add_ferries, timetable_for_date
    from optimizer.network.land_proxy import build_land_proxy
    from optimizer.services.dialysis import load_dialysis_inputs, plan_dialysis_day
    from optimizer.solvers.params import SolverParams

    feed = read_gtfs(D / "gtfs")
    G = add_ferries(build_land_proxy(islands, spacing_m=500, bridges=(), select=False,
                                     correct_lattice_detour=False, circuity=1.2, name="toy"),
                    feed, islands=islands)
    wed = dt.date(2025, 6, 4)
    net = Network(G=G, islands=islands, feed=feed, timetable=timetable_for_date(feed, wed),
                  date=wed)
    inp = load_dialysis_inputs(BAD / "patients_at_the_unit.csv", D / "units.csv",
                               D / "vehicles.csv", islands=islands)
    plan = plan_dialysis_day(inp, wed, network=net, solver=SolverParams(time_limit_s=5, workers=1),
                             solve_options={"deterministic": True, "solution_limit": 200,
                                            "lns_iterations": 1000})
    by = {u.trip_id: u for u in plan.unserved}
    assert by["P1-out"].code == by["P1-ret"].code == "NO_TRANSPORT_NEEDED"
    assert "same place" in by["P1-out"].detail and "甲岛透析室" in by["P1-out"].detail
    assert not any(r.request_id.startswith("P1-") for r in plan.problem.requests)  # no seat
    assert plan.kpis["trips_no_transport_needed"] == 2
    assert plan.kpis["trips_unserved"] == len(plan.unserved) - 2
    assert plan.kpis["unserved_by_reason"]["NO_TRANSPORT_NEEDED"] == 2
    assert REASONS["NO_TRANSPORT_NEEDED"].zh and REASONS["NO_TRANSPORT_NEEDED"].en


# ------------------------------------------------------------------------------ siting
R = 900.0
INF = math.inf


def _siting(values, weights, **kw):
    values = np.asarray(values, dtype=float)
    n, m = values.shape
    cm = CostMatrix(values, [f"V{i + 1}" for i in range(n)], kw.pop("site_ids"))
    return SitingProblem(cm, weights, service_radius_s=R, **kw)


def test_single_source_over_capacity_demand_is_named_and_the_rest_planned():
    """V1 needs 130; within its reach K1 makes 120 and K2 100: no kitchen can take it whole.
    V2 (50) and V3 (40) fit K1 (90 <= 120): with V1 listed, nothing new needs opening."""
    prob = _siting([[300, 600], [300, 600], [300, 2000]], [130, 50, 40],
                   site_ids=["K1", "K2"], existing=[True, False], capacity=[120, 100],
                   assignment="single", p=1)
    for res in (solve_lscp(prob, capacitated=True),
                solve_pmedian(prob, p=1, capacitated=True, deterministic=True)):
        assert res.status is SolveStatus.OPTIMAL, res.message
        [u] = res.uncoverable
        assert (u.demand_id, u.reason, u.nearest_site_id, u.capacity) == \
            ("V1", "over_capacity", "K1", 120.0)
        assert u.describe() == "V1: needs 130; the largest site within reach, K1, holds 120"
        assert {d for d, _s, _w in res.shares} == {"V2", "V3"}
        assert res.new_sites == ()  # p-median: 50 x 300 + 40 x 300 s either way; fewest sites
    assert res.objective == 50 * 300 + 40 * 300
    mc = solve_mclp(prob, p=1, capacitated=True)
    assert mc.covered_weight == 90.0 and [u.demand_id for u in mc.uncoverable] == ["V1"]


def test_equal_value_optima_in_the_documented_order():
    """Three candidates each covering a different village of 10: with p = 1 every one is
    optimal; the recommendation is the smallest id, the alternatives follow in id order."""
    prob = _siting([[100, INF, INF], [INF, 100, INF], [INF, INF, 100]], [10, 10, 10],
                   site_ids=["S3", "S1", "S2"])
    res = solve_mclp(prob, p=1, max_alternatives=5, deterministic=True, reduce=False)
    assert res.status is SolveStatus.OPTIMAL and res.objective == 10
    assert res.new_sites == ("S1",)
    assert res.alternatives == (("S2",), ("S3",)) and res.alternatives_complete



def test_xlsx_numbers_in_time_cells_are_refused_not_midnight(islands):
    """730 typed in a cell formatted h:mm (openpyxl: 1901-12-30 00:00), -0.5 (h:mm) and 730
    formatted [h]:mm (a timedelta) are numbers, refused like the CSV text 730 with the table
    fix; 730 was read as 00:00 (then "session outside the opening hours")."""
    with pytest.raises(InputErrors) as ei:
        _vehicles(BAD / "vehicles_number_cells.xlsx", islands)
    got = {(e.line, e.field): e.message for e in ei.value.errors}
    assert set(got) == {(2, "shift_start"), (3, "shift_start"), (4, "shift_start")}
    assert got[(2, "shift_start")] == ("vehicle VA1: '730' is a number, not a clock time; "
                                       "write 07:30 (hours:minutes)")
    assert "'-0.5' is a number" in got[(3, "shift_start")]
    assert "'730' is a number" in got[(4, "shift_start")]


def test_mobility_in_chinese_is_read_and_an_unknown_word_refused(islands, tmp_path):
    """轮椅 → wheelchair; 步行, 可步行, 自行 → walking (as 是/否 are yes/no); 拐杖 (crutches) is no
    documented value: refused naming line, patient and the accepted words."""
    from optimizer.services.dialysis import load_dialysis_inputs

    src = REPO / "tests" / "data" / "bad" / "tables" / "patients_chinese_mobility.csv"
    with pytest.raises(InputErrors) as ei:
        load_dialysis_inputs(src, D / "units.csv", D / "vehicles.csv", islands=islands)
    (e,) = ei.value.errors
    assert (Path(e.file).name, e.line, e.field) == ("patients_chinese_mobility.csv", 6,
                                                     "mobility")
    assert e.message == ("patient P5: '拐杖' is not a mobility; expected one of ('walking', "
                         "'wheelchair') (or 轮椅 / 步行 / 可步行 / 自行)")
    ok = tmp_path / "patients.csv"
    ok.write_text("\n".join(src.read_text(encoding="utf-8").splitlines()[:5]) + "\n",
                  encoding="utf-8")
    inp = load_dialysis_inputs(ok, D / "units.csv", D / "vehicles.csv", islands=islands)
    assert [p.mobility for p in inp.patients] == ["wheelchair", "walking", "walking", "walking"]
