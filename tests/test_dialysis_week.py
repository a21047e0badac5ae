"""The dialysis week (issue 12 item 1) on the hand-made two-island case of tests/data/dialysis.

Brute-force instance (island TA only, week of Monday 2025-06-02, Mon–Wed): two one-seat vehicles
VA1 and VA2 and three walking patients with sessions at 07:30 and a 5-minute drop-off window
(arrive 15–20 minutes early): X (Mon, Wed), Y (Mon, Tue, Wed), Z (Tue). Two patients of one day
cannot share a vehicle on the way out (one seat, and the second home is more than 5 minutes from
the unit), so X and Y, and Y and Z, ride out with different drivers. The best week keeps every
patient with one driver (X and Z with one vehicle, Y with the other): brute force over every
assignment of every leg to a vehicle gives the same-driver optimum the week plan must reach.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import json
from collections import Counter
from pathlib import Path

import pytest

from optimizer.cli import main
from optimizer.errors import InputErrors
from optimizer.io.gtfs import read_gtfs
from optimizer.network.build import APPROXIMATE_ROADS_NOTE, Network
from optimizer.network.ferries import add_ferries, timetable_for_date
from optimizer.network.islands import load_islands
from optimizer.network.land_proxy import build_land_proxy
from optimizer.services.dialysis import DialysisParams, load_dialysis_inputs, plan_dialysis_day
from optimizer.services.dialysis.planning import solve_legs
from optimizer.services.dialysis_week import (
    DialysisWeekParams,
    WeekInputs,
    plan_dialysis_week,
    read_exceptions,
)
from optimizer.services.dialysis_week.measures import (
    LegUse,
    leg_side,
    pickup_spreads,
    same_driver,
    usual_drivers,
)
from optimizer.solvers.checker import check_darp
from optimizer.solvers.params import SolverParams

D = Path(__file__).parent / "data" / "dialysis"
REPO = Path(__file__).resolve().parents[1]
MON = dt.date(2025, 6, 2)
FAST = {"deterministic": True, "solution_limit": 200, "lns_iterations": 1000}
SOLVER = SolverParams(time_limit_s=2, workers=1)

PATIENTS = ("patient_id,name,phone,village_code,island_id,lon,lat,mobility,escort,schedule,"
            "session_start,duration_min,unit_id\n") + """\
X,测试X,100-0000-0011,VTA,TA,122.088278062,29.926587358,walking,no,Mon;Wed,07:30,240,U1
Y,测试Y,100-0000-0012,VTA,TA,122.098596801,29.931170385,walking,no,Mon;Tue;Wed,07:30,240,U1
Z,测试Z,100-0000-0013,VTA,TA,122.089278062,29.927587358,walking,no,Tue,07:30,240,U1
"""
VEHICLES = ("vehicle_id,driver,phone,base_village_code,island_id,lon,lat,seats,wheelchair_places,"
            "shift_start,shift_end,serves_islands,may_board_car_ferry\n") + """\
VA1,司机1,101-0000-0001,VTA,TA,122.072739032,29.926478981,1,0,05:30,18:00,TA,no
VA2,司机2,101-0000-0002,VTA,TA,122.083139728,29.922039659,1,0,05:30,18:00,TA,no
"""
RULES = DialysisParams(arrive_early_min=(15.0, 20.0))


@pytest.fixture(scope="module")
def islands():
    return load_islands(D / "islands.geojson")


@pytest.fixture(scope="module")
def network(islands):
    feed = read_gtfs(D / "gtfs")
    g = build_land_proxy(islands, spacing_m=500, bridges=(), select=False,
                         correct_lattice_detour=False, circuity=1.2, name="toy")
    G = add_ferries(g, feed, islands=islands)
    return Network(G=G, islands=islands, feed=feed, timetable=timetable_for_date(feed, MON),
                   date=MON, notes=(APPROXIMATE_ROADS_NOTE,))


@pytest.fixture(scope="module")
def small(islands, tmp_path_factory):
    d = tmp_path_factory.mktemp("week")
    (d / "patients.csv").write_text(PATIENTS, encoding="utf-8")
    (d / "vehicles.csv").write_text(VEHICLES, encoding="utf-8")
    return load_dialysis_inputs(d / "patients.csv", D / "units.csv", d / "vehicles.csv",
                                islands=islands)


@pytest.fixture(scope="module")
def small_week(small, network):
    return plan_dialysis_week(WeekInputs(day=small), network=network, week_start=MON,
                              params=DialysisWeekParams(days=3, rules=RULES), solver=SOLVER,
                              solve_options=FAST)


@pytest.fixture(scope="module")
def toy_inputs(islands):
    return load_dialysis_inputs(D / "patients.csv", D / "units.csv", D / "vehicles.csv",
                                islands=islands)


# ------------------------------------------------------------------------------ measures
def test_measures_by_hand():
    uses = [LegUse("d1", "A", "out", "", "V1", 7 * 3600.0),
            LegUse("d1", "A", "ret", "", "V2", 12 * 3600.0),
            LegUse("d2", "A", "out", "", "V1", 7 * 3600.0 + 600),
            LegUse("d2", "A", "ret", "", "V1", 12 * 3600.0 + 1200),
            LegUse("d1", "B", "out", "1", "V2", 6 * 3600.0),      # home side of a crossing
            LegUse("d1", "B", "out", "2", "V1", 6 * 3600.0 + 1800),  # far side
            LegUse("d2", "B", "out", "1", "V2", 6 * 3600.0 + 900)]
    assert leg_side("out", "1") == "home" and leg_side("ret", "2") == "home"
    assert leg_side("out", "2") == "far" and leg_side("ret", "1") == "far"
    assert usual_drivers(uses) == {("A", "home"): "V1", ("B", "far"): "V1",
                                   ("B", "home"): "V2"}
    assert same_driver(uses) == (6, 7)  # only A's first return is off its usual driver
    assert pickup_spreads(uses) == {("A", "out"): 10.0, ("A", "ret"): 20.0, ("B", "out"): 15.0}


# ------------------------------------------------------------------------------ brute force
def _feasible_assignments(problem, vehicles):
    """Every assignment leg → vehicle that serves every leg of the day (a DARP solve per
    assignment with each leg restricted to its vehicle)."""
    ok = []
    for combo in itertools.product(vehicles, repeat=len(problem.requests)):
        reqs = tuple(dataclasses.replace(r, eligible_vehicles=frozenset({v}))
                     for r, v in zip(problem.requests, combo))
        p = dataclasses.replace(problem, requests=reqs)
        res = solve_legs(p, SOLVER, FAST)
        if not res.unserved:
            assert check_darp(p, res) == []
            ok.append(dict(zip((r.request_id for r in reqs), combo)))
    return ok


def test_same_driver_share_matches_brute_force(small, network, small_week):
    vehicles = ("VA1", "VA2")
    per_day = {}
    for k in range(3):
        day = MON + dt.timedelta(days=k)
        plan = plan_dialysis_day(small, day, network=dataclasses.replace(
            network, timetable=timetable_for_date(network.feed, day), date=day),
            params=RULES, solver=SOLVER, solve_options=FAST)
        per_day[day] = _feasible_assignments(plan.problem, vehicles)
        assert per_day[day], day  # every day can serve every trip
    groups = sorted({(rid.split("-")[0], "home") for opts in per_day.values()
                     for rid in opts[0]})
    best = 0
    for f in itertools.product(vehicles, repeat=len(groups)):
        pref = dict(zip(groups, f))
        best = max(best, sum(max(sum(pref[(rid.split("-")[0], "home")] == v
                                     for rid, v in a.items()) for a in opts)
                             for opts in per_day.values()))
    legs = sum(len(opts[0]) for opts in per_day.values())
    k = small_week.kpis
    assert k["trips_served"] == k["trips"] == legs == 12
    assert best == 12  # X and Z with one driver, Y with the other
    assert k["same_driver_share"] == pytest.approx(100.0 * best / legs)
    uses = small_week.uses
    assert len({u.vehicle_id for u in uses if u.patient_id == "X"}) == 1
    assert ({u.vehicle_id for u in uses if u.patient_id == "Y"}
            != {u.vehicle_id for u in uses if u.patient_id == "Z"})
    for wd in small_week.days:
        assert wd.plan.violations == ()


def test_pickup_spread_is_computed_from_the_plans(small_week):
    uses = small_week.uses
    spreads = small_week.spreads.set_index(["patient_id", "direction"])["spread_min"]
    for (pid, way), s in spreads.items():
        times = [u.pickup_s for u in uses if u.patient_id == pid and u.direction == way]
        assert s == pytest.approx(round((max(times) - min(times)) / 60.0, 1))
    assert small_week.kpis["pickup_spread_max_min"] == pytest.approx(spreads.max())
    assert small_week.kpis["pickup_spread_max_min"] <= 15.0  # feasible here: kept
    assert small_week.kpis["spreads_over_limit"] == 0


# ------------------------------------------------------------------------------ exceptions
def _exceptions(tmp_path, text):
    path = tmp_path / "exceptions.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_exceptions_take_sessions_out_and_list_them(toy_inputs, network, tmp_path):
    path = _exceptions(tmp_path, "patient_id,date,kind,note\nP1,2025-06-04,cancelled,moved\n"
                                 "*,2025-06-03,holiday,\n")
    exc, note = read_exceptions(path, [p.patient_id for p in toy_inputs.patients])
    assert [(e.patient_id, e.kind, e.line) for e in exc] == [("P1", "cancelled", 2),
                                                           ("*", "holiday", 3)]
    assert note is None
    week = plan_dialysis_week(WeekInputs(day=toy_inputs, exceptions=exc), network=network,
                              week_start=MON, params=DialysisWeekParams(days=3),
                              solver=SOLVER, solve_options=FAST)
    wed, tue = week.days[2], week.days[1]
    assert {u.trip_id: u.code for u in wed.excepted} == {"P1-out": "SESSION_CANCELLED",
                                                         "P1-ret": "SESSION_CANCELLED"}
    assert wed.excepted[0].detail == ("2025-06-04 (Wed): cancelled (exceptions file line 2): "
                                      "moved")
    assert "P1" not in set(wed.plan.stops["patient_id"])
    assert {u.trip_id for u in tue.excepted} == {"P4-out", "P4-ret"}  # the only TTS patient
    assert {u.code for u in tue.excepted} == {"HOLIDAY"} and tue.plan.stops.empty
    k = week.kpis
    assert k["trips_excepted"] == 4
    assert k["trips"] == k["trips_served"] + k["trips_unserved"] + k["trips_excepted"] == 18
    # every trip of the week is served or listed, exactly once
    for wd in week.days:
        listed = [u.trip_id for u in (*wd.plan.unserved, *wd.excepted)]
        served = list(wd.plan.served_trip_ids)
        assert len(listed) + len(served) == len(set(listed) | set(served))


@pytest.mark.parametrize(("text", "line", "field", "words"), [
    ("patient_id,date,kind\nP9,2025-06-04,cancelled\n", 2, "patient_id", "unknown patient"),
    ("patient_id,date,kind\nP1,04/06/2025,cancelled\n", 2, "date", "not a date"),
    ("patient_id,date,kind\nP1,2025-06-04,sick\n", 2, "kind", "is not one of"),
    ("patient_id,date,kind\n*,2025-06-04,cancelled\n", 2, "patient_id", "needs a patient id"),
    ("patient_id,date,kind\nP1,2025-06-04,cancelled\nP1,2025-06-04,holiday\n", 3, "date",
     "listed twice"),
    ("patient_id,day,kind\nP1,2025-06-04,cancelled\n", 1, "day", "unknown column"),
])
def test_bad_exceptions_are_refused_naming_line_and_field(tmp_path, text, line, field, words):
    with pytest.raises(InputErrors) as exc:
        read_exceptions(_exceptions(tmp_path, text), ["P1", "P2"])
    err = exc.value.errors[0]
    assert (err.line, err.field) == (line, field) and words in str(err)


def test_bad_exceptions_file_exits_2(tmp_path, capsys):
    bad = _exceptions(tmp_path, "patient_id,date,kind\nDP002,2026-12-02,sick\n")
    sc = tmp_path / "week.yaml"
    sc.write_text(f"base: {REPO / 'scenarios' / 'putuo-dialysis-week.yaml'}\n"
                  f"dialysis_week:\n  exceptions: {bad}\n", encoding="utf-8")
    assert main(["validate", str(sc)]) == 2
    err = capsys.readouterr().err
    assert "line 2" in err and "'kind'" in err and "DP002" in err


# ------------------------------------------------------------------------------ weekly hours
def test_weekly_hours_limit_is_kept(toy_inputs, network):
    free = plan_dialysis_week(WeekInputs(day=toy_inputs), network=network, week_start=MON,
                              params=DialysisWeekParams(days=3), solver=SOLVER,
                              solve_options=FAST)
    busiest = free.hours.sort_values("hours").iloc[-1]
    limit = float(busiest["hours"]) * 0.6
    week = plan_dialysis_week(WeekInputs(day=toy_inputs), network=network, week_start=MON,
                              params=DialysisWeekParams(days=3, weekly_hours_by_vehicle_h={
                                  busiest["vehicle_id"]: limit}),
                              solver=SOLVER, solve_options=FAST)
    row = week.hours.set_index("vehicle_id").loc[busiest["vehicle_id"]]
    assert row["limit_h"] == pytest.approx(limit, abs=0.01)
    assert row["hours"] <= limit + 0.01
    assert week.kpis["vehicles_over_weekly_hours"] == 0
    for wd in week.days:
        assert wd.plan.violations == ()


# ------------------------------------------------------------------------------ the scenario
def test_week_scenario_runs_and_summary_carries_the_keys(tmp_path, capsys):
    sc = tmp_path / "week.yaml"
    sc.write_text(f"base: {REPO / 'scenarios' / 'putuo-dialysis-week.yaml'}\n"
                  "solver:\n  time_limit_s: 1\nconnectivity:\n  enabled: false\n"
                  "dialysis_week:\n  days: 3\n  continuity_tries: 0\n"
                  "  fleet_sizing: false\n",  # tests/test_fleet_week.py covers it (minutes here)
                  encoding="utf-8")
    out = tmp_path / "run"
    assert main(["run", str(sc), "--out", str(out)]) == 0
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    k = summary["kpis"]["dialysis_week"]
    for key in ("days", "trips", "trips_served", "trips_unserved", "same_driver_share",
                "pickup_spread_max_min", "trips_per_vehicle_hour", "on_time_rate"):
        assert key in k, key
    assert k["days"] == 3
    assert k["trips"] == k["trips_served"] + k["trips_unserved"] + k["trips_excepted"]
    assert k["unserved_by_reason"]["SESSION_CANCELLED"] == 2  # DP002 on Wednesday
    assert k["unserved_by_reason"]["HOSPITAL_STAY"] == 2      # DP015 on Wednesday
    for rel in ("dispatch/week/roster.xlsx", "dispatch/week/notices.xlsx",
                "dispatch/week/notices.csv", "dispatch/week/notices.html",
                "dispatch/2026-11-30/route_sheets.html",
                "dispatch/2026-12-02/route_sheets.xlsx", "dialysis_week/kpis.csv"):
        assert (out / rel).is_file(), rel
    import openpyxl

    wb = openpyxl.load_workbook(out / "dispatch" / "week" / "roster.xlsx")
    ws = wb[wb.sheetnames[0]]
    assert [c.value for c in ws[2]] == ["2026-11-30 周一 Mon", "2026-12-01 周二 Tue",
                                        "2026-12-02 周三 Wed"]
    # places as on the daily sheets: the base by its village and island, homes by village or
    # address, never the vehicle id or the patient's name as a place
    cells = [str(c.value) for row in ws.iter_rows(min_row=3) for c in row if c.value]
    assert cells and cells[0].startswith(("0", "1")) and "车辆基地 Base · " in cells[0]
    assert not any(" @ V0" in c for c in cells)
    assert any("接 pick up" in c and "@ 家 Home · " in c for c in cells)
    codes = Counter(r.split(",")[4] for r in (out / "dispatch" / "week" / "unserved.csv")
                    .read_text(encoding="utf-8-sig").splitlines()[1:])
    assert codes["SESSION_CANCELLED"] == 2
    import pandas as pd

    notices = pd.read_csv(out / "dispatch" / "week" / "notices.csv", dtype=str).fillna("")
    dp002 = notices.set_index("patient_id").loc["DP002"]
    assert "Session cancelled" in dp002["2026-12-02 周三 Wed"]  # MWF: cancelled on Wednesday
    assert dp002["2026-12-01 周二 Tue"] == ""                   # no session on Tuesday
    monday = dp002["2026-11-30 周一 Mon"]
    assert monday.startswith("去 out: ") and "回 back: " in monday
    public = (out / "dialysis_week" / "kpis.csv").read_text(encoding="utf-8-sig")
    assert "DP0" not in public and "100-0000" not in public


def test_week_starts_on_the_monday_of_the_scenario_date():
    from optimizer.services.dialysis_week.service import monday_of

    assert monday_of(dt.date(2026, 12, 2)) == dt.date(2026, 11, 30)
    assert monday_of(dt.date(2026, 11, 30)) == dt.date(2026, 11, 30)
    assert monday_of(dt.date(2026, 12, 6)) == dt.date(2026, 11, 30)  # Sunday
