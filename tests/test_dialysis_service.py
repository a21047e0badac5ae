"""Dialysis ride service on a hand-made two-island case (tests/data/dialysis, README there).

Geometry (EPSG:32651 metres from X0 = 410000, Y0 = 3310000): island TA (unit U1 at (1000, 1000),
pier PA at (3900, 1000)), island TB 2 km east across a strait (pier PB at (6100, 1000)), island TC
with no pier. Land proxy: spacing 500 m, circuity 1.2, no lattice correction, car 40 km/h, so the
land legs pier→unit / unit→pier / home→pier are 5-8 min. Buffers: foot 15 min.

Sailings (route R_AB): PB→PA 05:50→06:10, 06:30→06:50, 07:10→07:30;
PA→PB 11:20→11:40, 12:10→12:30, 14:00→14:20.

Hand-computed choices for P2 (TB, session 07:30-11:30, drop-off window [06:45, 07:15]):
* outbound: 07:10 lands 07:30 > 07:15 (infeasible); 06:30 lands 06:50, + 2 min + ~6 min
  ≈ 06:58 <= 07:15 → **B_0630** (the latest feasible), at pier PB by 06:15;
* return: pickup >= 11:30, + 2 min + ~6 min ≈ 11:38 at PA; 11:20 has left; 12:10 needs the
  patient by 11:55 → **A_1210**, landing 12:30.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from optimizer.errors import InputError, InputErrors
from optimizer.io.gtfs import read_gtfs
from optimizer.network.build import APPROXIMATE_ROADS_NOTE, Network
from optimizer.network.ferries import add_ferries, timetable_for_date
from optimizer.network.islands import load_islands
from optimizer.network.land_proxy import build_land_proxy
from optimizer.problems.darp import DarpResult, Route, SolveStatus
from optimizer.results import REASONS, NoteKind
from optimizer.services.dialysis import (
    DialysisParams,
    ExtraVehicle,
    Leg,
    load_dialysis_inputs,
    plan_dialysis_day,
    sessions_for_date,
)
from optimizer.services.dialysis.planning import unlink_dropped_legs
from optimizer.solvers.checker import check_darp
from optimizer.solvers.params import SolverParams

D = Path(__file__).parent / "data" / "dialysis"
WED = dt.date(2025, 6, 4)
FAST = {"deterministic": True, "solution_limit": 200, "lns_iterations": 1000}
SOLVER = SolverParams(time_limit_s=5, workers=1)


def hm(h: int, m: int) -> int:
    return h * 3600 + m * 60


@pytest.fixture(scope="module")
def islands():
    return load_islands(D / "islands.geojson")


@pytest.fixture(scope="module")
def feed():
    return read_gtfs(D / "gtfs")


@pytest.fixture(scope="module")
def G(islands, feed):
    g = build_land_proxy(islands, spacing_m=500, bridges=(), select=False,
                         correct_lattice_detour=False, circuity=1.2, name="toy")
    return add_ferries(g, feed, islands=islands)


@pytest.fixture(scope="module")
def inputs(islands):
    return load_dialysis_inputs(D / "patients.csv", D / "units.csv", D / "vehicles.csv",
                                islands=islands)


def toy_network(G, islands, feed, *, suspended=()):
    """The toy network as :func:`optimizer.network.build.build_network` would return it."""
    return Network(G=G, islands=islands, feed=feed,
                   timetable=timetable_for_date(feed, WED, suspended_routes=suspended), date=WED,
                   notes=(APPROXIMATE_ROADS_NOTE,))


def _plan(inputs, G, islands, feed, *, suspended=(), **params):
    prm = DialysisParams(**params)
    return plan_dialysis_day(inputs, WED, network=toy_network(G, islands, feed,
                                                              suspended=suspended),
                             params=prm, solver=SOLVER, solve_options=FAST)


@pytest.fixture(scope="module")
def plan(inputs, G, islands, feed):
    return _plan(inputs, G, islands, feed)


def _unserved(plan):
    return {u.trip_id: u for u in plan.unserved}


# ------------------------------------------------------------------------------------ inputs
def test_inputs_loaded(inputs):
    assert [p.patient_id for p in inputs.patients] == ["P1", "P2", "P3", "P4", "P5"]
    p3 = inputs.patients[2]
    assert p3.wheelchair and p3.escort and p3.session_start_s == hm(7, 30)
    assert p3.duration_s == 240 * 60 and p3.days == frozenset({0, 2, 4})
    assert inputs.unit("U1").days == frozenset(range(6))
    assert set(inputs.home_report["status"]) == {"on_land"}
    assert [v.serves_islands for v in inputs.vehicles] == [None, {"TA"}, {"TB"}]


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_loader_collects_every_bad_row(tmp_path, islands):
    src = (D / "patients.csv").read_text(encoding="utf-8").splitlines()
    header, rows = src[0], src[1:]
    bad = [rows[0],
           rows[0],  # row 2: duplicate id P1
           rows[1].replace("07:30", "7h30"),  # row 3: not a time
           rows[2].replace(",07:30,240,", ",16:00,240,"),  # row 4: ends 20:00 > 19:00
           rows[3].replace(",U1", ",U9"),  # row 5: unknown unit
           rows[4].replace("122.072278397", "122.2")]  # row 6: in the sea (far east of TB)
    p = _write(tmp_path / "patients.csv", "\n".join([header, *bad]) + "\n")
    with pytest.raises(InputError) as ei:
        load_dialysis_inputs(p, D / "units.csv", D / "vehicles.csv", islands=islands)
    assert (ei.value.line, ei.value.field) == (3, "patient_id")  # duplicate id, found first
    # read_points stops at the duplicate id; fix it and check the others
    bad[1] = bad[1].replace("P1,", "P9,", 1)
    p = _write(tmp_path / "patients.csv", "\n".join([header, *bad]) + "\n")
    with pytest.raises(InputErrors) as ei:
        load_dialysis_inputs(p, D / "units.csv", D / "vehicles.csv", islands=islands)
    got = {(Path(e.file).name, e.line, e.field) for e in ei.value.errors}  # header = line 1
    assert ("patients.csv", 4, "session_start") in got
    assert ("patients.csv", 5, "duration_min") in got
    assert ("patients.csv", 6, "unit_id") in got
    assert ("patients.csv", 7, "lon") in got
    assert len(ei.value.errors) == 4


def test_snapped_home_is_reported(tmp_path, islands):
    rows = (D / "patients.csv").read_text(encoding="utf-8").splitlines()
    # P1 moved ~100 m south of TA's southern shore (y = -100 m): snapped, not an error
    from pyproj import Transformer

    lon, lat = Transformer.from_crs("EPSG:32651", "EPSG:4326", always_xy=True).transform(
        412000.0, 3309900.0)
    parts = rows[1].split(",")
    parts[5], parts[6] = f"{lon:.9f}", f"{lat:.9f}"
    rows[1] = ",".join(parts)
    p = _write(tmp_path / "patients.csv", "\n".join(rows) + "\n")
    inp = load_dialysis_inputs(p, D / "units.csv", D / "vehicles.csv", islands=islands)
    rep = inp.home_report.set_index("patient_id")
    assert rep.loc["P1", "status"] == "snapped"
    assert rep.loc["P1", "distance_to_land_m"] == pytest.approx(100.0, abs=1.0)
    warned = [n for n in inp.notes if n.kind is NoteKind.DATA_WARNING]
    # the note is published (summary, index): it names the file's line, never the patient id
    assert len(warned) == 1 and warned[0].en == \
        "patients.csv line 2: the home is 100 m off the shore; placed on island TA"
    assert "patients.csv line 2" in warned[0].zh and "P1" not in str(warned[0])


def test_bad_vehicle_and_unit_rows(tmp_path, islands):
    v = (D / "vehicles.csv").read_text(encoding="utf-8").replace("05:30,18:00,TB", "05:30,25:99,TB")
    vp = _write(tmp_path / "vehicles.csv", v)
    u = (D / "units.csv").read_text(encoding="utf-8").replace("Mon-Sat", "Moon")
    up = _write(tmp_path / "units.csv", u)
    with pytest.raises(InputErrors) as ei:
        load_dialysis_inputs(D / "patients.csv", up, vp, islands=islands)
    got = {(Path(e.file).name, e.line, e.field) for e in ei.value.errors}
    assert ("vehicles.csv", 4, "shift_end") in got
    assert ("units.csv", 2, "days") in got


# ------------------------------------------------------------------------------------ sessions
def test_sessions_from_weekly_patterns(inputs):
    sessions, trips = sessions_for_date(inputs.patients, WED)
    assert [s.patient_id for s in sessions] == ["P1", "P2", "P3", "P5"]  # MWF; P4 is TTS
    tue, _ = sessions_for_date(inputs.patients, "2025-06-03")
    assert [s.patient_id for s in tue] == ["P4"]
    sun, _ = sessions_for_date(inputs.patients, "2025-06-08")
    assert sun == ()
    out = {t.trip_id: t for t in trips}
    assert out["P2-out"].delivery_window_s == (hm(6, 45), hm(7, 15))
    assert out["P2-ret"].pickup_window_s == (hm(11, 30), hm(12, 0))
    assert out["P2-out"].pickup_window_s == (0.0, math.inf)


@settings(max_examples=60, deadline=None)
@given(start=st.integers(hm(6, 0), hm(16, 0)), lo=st.floats(0, 60), span=st.floats(0, 60),
       ret=st.floats(0, 90))
def test_trip_windows_never_late(inputs, start, lo, span, ret):
    p = dataclasses.replace(inputs.patients[0], session_start_s=start)
    prm = DialysisParams(arrive_early_min=(lo, lo + span), return_pickup_within_min=ret)
    _, (out, back) = sessions_for_date([p], WED, params=prm)
    e, l = out.delivery_window_s
    assert e <= l <= start and l == pytest.approx(start - 60 * lo, abs=1e-6)
    assert back.pickup_window_s[0] == start + p.duration_s
    # absolute tolerance: a difference of two clock times (~5e4 s) keeps ~1e-11 s, not 1e-12
    assert back.pickup_window_s[1] - back.pickup_window_s[0] == pytest.approx(60 * ret, abs=1e-6)


def test_params_defaults_equal_the_scenario_section(tmp_path):
    from optimizer.scenario.schema import load_scenario

    path = tmp_path / "s.yaml"
    path.write_text("name: s\ndialysis: {}\n", encoding="utf-8")
    prm = DialysisParams()
    assert load_scenario(path).dialysis == prm  # the section is the class: defaults defined once
    assert (prm.arrive_early_min, prm.return_pickup_within_min, prm.max_ride_time_min,
            prm.max_ride_factor, prm.service_walking_min, prm.service_wheelchair_min) == (
        (15.0, 45.0), 30.0, 120.0, 2.5, 2.0, 6.0)
    # no solver limits or boarding buffer here: SolverParams and the ferries section own them
    assert not {"time_limit_s", "seed", "workers", "foot_boarding_buffer_min"} & set(
        dataclasses.asdict(prm))


@pytest.mark.parametrize("bad", [
    {"arrive_early_min": (45, 15)}, {"arrive_early_min": (-1, 15)},
    {"return_pickup_within_min": -1}, {"max_ride_time_min": 0}, {"max_ride_factor": 0.9},
    {"service_wheelchair_min": float("nan")}, {"time_limit_s": 5}])
def test_params_refuse_bad_values_and_keys(bad):
    with pytest.raises(ValueError) as ei:
        DialysisParams(**bad)
    assert next(iter(bad)) in str(ei.value)


EXTRA = {"vehicle_id": "VB2", "island_id": "TB", "lon": 122.15, "lat": 29.93, "seats": 4,
         "wheelchair_places": 0, "shift_start": "04:30", "shift_end": "12:00",
         "serves_islands": "TB"}


def test_extra_vehicle_refuses_a_misspelt_key():
    ev = ExtraVehicle(**EXTRA)
    assert (ev.shift_start, ev.shift_end, ev.serves_islands) == (hm(4, 30), hm(12, 0), ("TB",))
    with pytest.raises(ValueError) as ei:
        ExtraVehicle(**{**EXTRA, "wheelchair_place": 1})
    assert "wheelchair_place" in str(ei.value)
    with pytest.raises(ValueError):
        DialysisParams(extra_vehicles=({**EXTRA, "seat": 3},))
    assert ExtraVehicle(**{**EXTRA, "may_board_car_ferry": "yes"}).may_board_car_ferry is True


def test_extra_vehicles_join_the_fleet_once(islands):
    inp = load_dialysis_inputs(D / "patients.csv", D / "units.csv", D / "vehicles.csv",
                               islands=islands, extra_vehicles=(ExtraVehicle(**EXTRA),))
    assert [v.vehicle_id for v in inp.vehicles] == ["VA1", "VA2", "VB1", "VB2"]
    assert inp.vehicles[-1].serves_islands == {"TB"}
    with pytest.raises(InputErrors) as ei:
        load_dialysis_inputs(D / "patients.csv", D / "units.csv", D / "vehicles.csv",
                             islands=islands, extra_vehicles=(
                                 ExtraVehicle(**{**EXTRA, "vehicle_id": "VB1"}),
                                 ExtraVehicle(**{**EXTRA, "shift_end": "04:00"})))
    got = {(e.file, e.row, e.field) for e in ei.value.errors}
    assert got == {("extra_vehicles", 1, "vehicle_id"), ("extra_vehicles", 2, "shift_end")}


# ------------------------------------------------------------------------------------ plan
def test_cross_island_takes_hand_computed_sailings(plan):
    cr = {c.trip_id: c for c in plan.crossings}
    assert cr["P2-out"].sailing.trip_id == "B_0630"
    assert cr["P2-out"].boarding_deadline_s == hm(6, 15)
    assert cr["P2-ret"].sailing.trip_id == "A_1210"
    stops = plan.stops.set_index(["leg_id", "action"])
    # leg 1 at the pier before the buffer, leg 2 picked up after landing, unit in the window
    assert stops.loc[("P2-out:1", "dropoff"), "start_s"] <= hm(6, 15)
    assert stops.loc[("P2-out:1", "dropoff"), "place_name"] == "乙岛码头"
    assert stops.loc[("P2-out:2", "pickup"), "start_s"] >= hm(6, 50)
    assert hm(6, 45) <= stops.loc[("P2-out:2", "dropoff"), "start_s"] <= hm(7, 15)
    assert stops.loc[("P2-ret:1", "dropoff"), "start_s"] <= hm(11, 55)
    assert stops.loc[("P2-ret:2", "pickup"), "start_s"] >= hm(12, 30)
    # each side by its own island's vehicles
    assert stops.loc[("P2-out:1", "pickup"), "vehicle_id"] == "VB1"
    assert stops.loc[("P2-out:2", "pickup"), "vehicle_id"] in {"VA1", "VA2"}


def test_same_island_ride_in_window(plan):
    s = plan.stops.set_index(["leg_id", "action"])
    assert hm(6, 45) <= s.loc[("P1-out", "dropoff"), "start_s"] <= hm(7, 15)
    assert hm(11, 30) <= s.loc[("P1-ret", "pickup"), "start_s"] <= hm(12, 0)


def test_unserved_with_reasons(plan):
    u = _unserved(plan)
    assert {k: v.code for k, v in u.items()} == {
        "P3-out": "NO_WHEELCHAIR_PLACE", "P3-ret": "NO_WHEELCHAIR_PLACE",
        "P5-out": "UNREACHABLE_ISLAND", "P5-ret": "UNREACHABLE_ISLAND"}
    for x in u.values():
        assert (x.text_zh, x.text_en) == (REASONS[x.code].zh, REASONS[x.code].en) and x.detail
    assert plan.reason_codes() == {"NO_WHEELCHAIR_PLACE", "UNREACHABLE_ISLAND"}
    assert plan.reason_codes() <= set(REASONS)


def test_every_trip_served_or_unserved_exactly_once(plan):
    served = set(plan.served_trip_ids)
    uns = [u.trip_id for u in plan.unserved]
    assert len(uns) == len(set(uns)) and not served & set(uns)
    assert served | set(uns) == {t.trip_id for t in plan.trips}
    assert served == {"P1-out", "P1-ret", "P2-out", "P2-ret"}
    k = plan.kpis
    assert (k["trips_served"], k["trips_unserved"], k["ferry_crossings"]) == (4, 4, 2)
    assert k["vehicles_used"] == len(plan.result.routes)
    assert k["total_driving_time_min"] == pytest.approx(
        sum(r.travel_time_s for r in plan.result.routes) / 60)


def test_plan_passes_checker(plan):
    assert plan.violations == ()
    assert check_darp(plan.problem, plan.result) == []


def test_frames_and_public_frames(plan, inputs):
    fr = plan.to_frames()
    assert set(fr) == {"stops", "crossings", "trips", "unserved", "kpis"}
    assert "测试2" in set(fr["stops"]["patient_name"])
    pub = plan.public_frames()
    names = {p.name for p in inputs.patients} | {p.phone for p in inputs.patients} \
        | {v.driver for v in inputs.vehicles} | {v.phone for v in inputs.vehicles}
    homes = {round(c, 6) for p in inputs.patients for c in (p.lon, p.lat)} \
        | {round(c, 6) for v in inputs.vehicles for c in (v.lon, v.lat)}
    pids = {p.patient_id for p in inputs.patients}
    for name, df in pub.items():
        assert not {"patient_name", "phone", "driver", "driver_phone", "patient_id"} & set(df)
        for col in df.columns:
            for v in df[col]:
                if isinstance(v, str):
                    assert v not in names and not any(v == p or v.startswith(p + "-")
                                                      for p in pids), (name, col, v)
                    assert not any(n in v for n in names if n), (name, col, v)
                elif isinstance(v, float) and math.isfinite(v):
                    assert round(v, 6) not in homes, (name, col, v)
    st_ = pub["stops"]
    assert st_.loc[st_["place_type"] == "home", ["lon", "lat"]].isna().all().all()
    assert set(st_.loc[st_["place_type"] == "home", "island_id"]) <= {"TA", "TB"}


def test_suspended_route_gives_no_sailing(inputs, G, islands, feed):
    p = _plan(inputs, G, islands, feed, suspended=("R_AB",))
    u = _unserved(p)
    assert u["P2-out"].code == "NO_SAILING" and u["P2-ret"].code == "NO_SAILING"
    assert "suspended" in u["P2-out"].detail
    assert {"P1-out", "P1-ret"} <= set(p.served_trip_ids)
    assert p.violations == ()


def test_earlier_window_takes_earlier_sailing_or_none(inputs, G, islands, feed):
    # drop-off window [06:30, 06:50]: B_0630 lands 06:50 (+ ~8 min) too late → B_0550, at the
    # pier by 05:35: VB1 (from 05:30) cannot make it (home→pier ~8 min + boarding) …
    p = _plan(inputs, G, islands, feed, arrive_early_min=(40, 60))
    u = _unserved(p)
    assert u["P2-out"].code in ("TIME_WINDOW", "SHIFT_END")
    assert u["P2-out"].detail.startswith("outbound leg, part 1 before the ferry (home → ")
    # … an extra early vehicle on TB (scenario extra_vehicles) can
    early = ExtraVehicle(**{**EXTRA, "lon": inputs.vehicles[2].lon,
                            "lat": inputs.vehicles[2].lat})
    with_early = load_dialysis_inputs(D / "patients.csv", D / "units.csv", D / "vehicles.csv",
                                      islands=islands, extra_vehicles=(early,))
    p = _plan(with_early, G, islands, feed, arrive_early_min=(40, 60), extra_vehicles=(early,))
    cr = {c.trip_id: c.sailing.trip_id for c in p.crossings}
    assert cr["P2-out"] == "B_0550"
    s = p.stops.set_index(["leg_id", "action"])
    assert s.loc[("P2-out:1", "pickup"), "vehicle_id"] == "VB2"
    assert s.loc[("P2-out:1", "dropoff"), "start_s"] <= hm(5, 35)
    assert p.violations == ()
    # latest drop-off 05:30: the first sailing lands 06:10 → NO_SAILING
    p = _plan(inputs, G, islands, feed, arrive_early_min=(120, 150))
    u = _unserved(p)
    assert u["P2-out"].code == "NO_SAILING" and "B_0550" not in u["P2-out"].detail  # GTFS id
    assert "the first sailing that gets there, 甲乙航线 乙岛码头 05:50 → " in u["P2-out"].detail


def test_unlinking_a_dropped_leg_removes_its_partner(plan):
    """If the search dropped leg 2 of P2-out, leg 1 leaves its route and the trip is unserved."""
    prob, res = plan.problem, plan.result
    routes = []
    for rt in res.routes:
        stops = tuple(s for s in rt.stops if s.request_id != "P2-out:2")
        routes.append(Route(rt.vehicle_id, stops, rt.cost, rt.travel_time_s, rt.duration_s))
    from optimizer.problems.darp import Unserved, UnservedReason

    raw = DarpResult(SolveStatus.PARTIAL, tuple(routes),
                     (Unserved("P2-out:2", UnservedReason.DROPPED_BY_SEARCH, "test"),), 0.0)
    trips = {t.trip_id: t for t in plan.trips}
    legs = [Leg(r.request_id, trips[r.request_id.split(":")[0]], r.pickup_node,
                r.delivery_node, r.pickup_window_s, r.delivery_window_s) for r in prob.requests]
    marked = {}
    out = unlink_dropped_legs(prob, raw, legs, lambda trip, code, detail="": marked.update(
        {trip.trip_id: code}))
    assert marked == {"P2-out": "CAPACITY"}
    assert "P2-out:1" not in out.served and "P2-out:2" not in out.served
    assert {u.request_id for u in out.unserved} == {"P2-out:1", "P2-out:2"}
    assert check_darp(prob, out) == []


# ------------------------------------------------------------------------------------ real data
@pytest.mark.slow
def test_putuo_synthetic_day():
    from optimizer.datasets import get_path
    from optimizer.network.land_proxy import putuo_land_proxy

    isl = load_islands()
    G = putuo_land_proxy().copy()
    feed = read_gtfs(get_path("putuo/ferries/gtfs"))
    add_ferries(G, feed, islands=isl)
    day = dt.date(2026, 12, 2)  # a Wednesday: the MWF patients
    tt = timetable_for_date(feed, day)
    s = "putuo/synthetic/"
    inp = load_dialysis_inputs(get_path(s + "dialysis_patients.csv"),
                               get_path(s + "dialysis_units.csv"), get_path(s + "vehicles.csv"))
    net = Network(G=G, islands=isl, feed=feed, timetable=tt, date=day,
                  notes=(APPROXIMATE_ROADS_NOTE,))
    plan = plan_dialysis_day(inp, day, network=net,
                             solver=SolverParams(time_limit_s=10, workers=1))
    # the embedded files flag their rows synthetic: the inputs say so (not their paths)
    syn = [n for n in inp.notes if n.kind is NoteKind.SYNTHETIC_DATA]
    assert len(syn) == 1 and "dialysis_patients.csv" in syn[0].en and "vehicles.csv" in syn[0].en
    assert syn[0] in plan.notes and APPROXIMATE_ROADS_NOTE in plan.notes
    mwf = [p for p in inp.patients if p.schedule == "MWF" and p.ride_service]
    assert plan.kpis["patients_not_enrolled_today"] == sum(
        1 for p in inp.patients if p.schedule == "MWF" and not p.ride_service) > 0
    assert len(plan.trips) == 2 * len(mwf)
    served = set(plan.served_trip_ids)
    uns = {u.trip_id: u for u in plan.unserved}
    assert len(uns) == len(plan.unserved) and not served & set(uns)
    assert served | set(uns) == {t.trip_id for t in plan.trips}
    assert all(u.code in REASONS and u.text_zh and u.text_en for u in uns.values())
    assert plan.violations == ()
    assert served, "nothing served on the synthetic day"
    # Huni (ISL019) has no pier: its patients cannot be served
    huni = [p.patient_id for p in mwf if p.island_id == "ISL019"]
    assert huni and all(uns[f"{p}-out"].code == "UNREACHABLE_ISLAND" for p in huni)
    running = {x.trip_id for x in tt.sailings}
    assert all(c.sailing.trip_id in running for c in plan.crossings)
    pub = plan.public_frames()
    assert not set(pub["stops"]["trip_id"].dropna()) & served
    assert isinstance(plan.to_frames()["kpis"], pd.DataFrame)
