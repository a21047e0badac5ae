"""Re-planning on the day (issue 12 item 2): ``optimizer replan``.

The small cases use the hand-made two-island day of ``tests/data/dialysis`` (see
``test_dialysis_service.py``): P1 lives on island TA with the unit U1 (rides 07:30 session,
return pickup 11:30-12:00); P2 lives on TB and crosses on the 06:30 boat PB → PA and goes home
on the 12:10 boat PA → PB (landing 12:30); VA1 and VA2 drive on TA, VB1 on TB.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pandas as pd
import pytest

from optimizer.cli import main
from optimizer.errors import InputError
from optimizer.services.dialysis import DialysisParams, plan_dialysis_day
from optimizer.services.dialysis.replan import freeze, replan_day
from optimizer.services.dialysis.replan_changes import as_plan, change_list
from optimizer.services.dialysis.replan_day import build_day, read_plan
from optimizer.services.dialysis.replan_events import Event, apply_events
from optimizer.solvers.checker import check_darp
from optimizer.units import parse_clock
from tests.test_dialysis_service import (
    FAST,
    SOLVER,
    WED,
    G,  # noqa: F401  (fixtures)
    feed,  # noqa: F401
    inputs,  # noqa: F401
    islands,  # noqa: F401
    toy_network,
)

AT = parse_clock("09:00")


@pytest.fixture(scope="module")
def toy(inputs, G, islands, feed):  # noqa: F811
    """The toy day planned, rebuilt and read back as a re-plan sees it."""
    net = toy_network(G, islands, feed)
    plan = plan_dialysis_day(inputs, WED, network=net, params=DialysisParams(), solver=SOLVER,
                             solve_options=FAST)
    day = build_day(inputs, net, DialysisParams(), WED)
    return net, day, plan.result


def _replan(toy, events, at_s=AT):
    net, day, original = toy
    piers = {pl.place_id: pl.name for pl in day.m.places if pl.place_type == "pier"}
    applied = apply_events(events, day.trips, day.inputs.patients,
                           [v.vehicle_id for v in day.inputs.vehicles], net.timetable, piers,
                           day.params, WED)
    return replan_day(day, original, applied, at_s, network=net, solver=SOLVER,
                      time_limit_s=1.0)


def _stops(result, vid):
    return next((r.stops for r in result.routes if r.vehicle_id == vid), ())


def _assert_past_kept(original, new, at_s):
    """Every stop that started by ``at_s`` is in the new plan, same vehicle, place and times."""
    for r in original.routes:
        done = [s for s in r.stops[1:-1] if s.start_s <= at_s]
        now = [s for s in _stops(new, r.vehicle_id)[1:-1]][:len(done)]
        assert [(s.request_id, s.kind, s.node, s.start_s) for s in done] == \
            [(s.request_id, s.kind, s.node, s.start_s) for s in now]


def _where(result, rid, kind="pickup"):
    for r in result.routes:
        for s in r.stops:
            if s.request_id == rid and s.kind == kind:
                return r.vehicle_id, s
    return None, None


def test_the_plan_reads_back_from_a_route_sheet(toy, tmp_path):
    net, day, original = toy
    plan = plan_dialysis_day(day.inputs, WED, network=net, params=DialysisParams(),
                             solver=SOLVER, solve_options=FAST)
    (tmp_path / "dispatch").mkdir()
    plan.to_frames()  # the sheet writer's source
    from optimizer.outputs.sheets import write_route_sheets

    write_route_sheets(plan, tmp_path / "dispatch", inputs=day.inputs, formats=("csv",))
    back = read_plan(tmp_path, day)
    served = {s.request_id for r in back.routes for s in r.stops if s.request_id}
    assert served == set(original.served)
    for r in back.routes:  # the same minutes on every stop
        orig = _stops(original, r.vehicle_id)
        assert [round(s.start_s / 60) for s in r.stops[1:-1]] == \
            [round(s.start_s / 60) for s in orig[1:-1]]
    assert not check_darp(day.problem([day.requests[k] for k in sorted(served)]), back)


def test_a_cancellation_frees_its_legs_and_keeps_the_past(toy):
    _net, _day, original = toy
    assert _where(original, "P1-ret")[0] is not None
    rp = _replan(toy, [Event("cancel", 0, patient="P1", trip="ret")])
    assert rp.violations == ()
    assert _where(rp.result, "P1-ret")[0] is None
    assert rp.unserved["P1-ret"][0] == "CANCELLED"
    assert "P1-ret" not in {r.request_id for r in rp.problem.requests}
    _assert_past_kept(original, rp.result, AT)
    assert set(original.served) - {"P1-ret"} <= set(rp.result.served)  # the others stay


def test_a_session_40_minutes_late_moves_the_return_pickup(toy):
    _net, _day, original = toy
    _v, before = _where(original, "P1-ret")
    rp = _replan(toy, [Event("session_late", 0, patient="P1", minutes=40)])
    assert rp.violations == ()
    _v, after = _where(rp.result, "P1-ret")
    assert after is not None
    assert after.start_s >= parse_clock("11:30") + 40 * 60  # session end 11:30 + 40 min
    assert after.start_s <= parse_clock("12:00") + 40 * 60
    assert before.start_s < parse_clock("12:10")
    _assert_past_kept(original, rp.result, AT)
    rows = change_list(rp, original, rp.day)
    row = rows[rows["trip_id"] == "P1-ret"].iloc[0]
    assert "PICKUP_TIME" in row["change"] and row["new_pickup"] >= "12:10"
    assert "patient P1" in row["call"]


def test_a_sailing_30_minutes_late_moves_the_crossing(toy):
    _net, day, original = toy
    assert day.crossing_of["P2-ret"].sailing.trip_id == "A_1210"
    rp = _replan(toy, [Event("sailing_delayed", 0, pier="PA",
                             departure_s=parse_clock("12:10"), minutes=30)])
    assert rp.violations == ()
    cr = rp.crossings["P2-ret"]
    assert (cr.sailing.departure_s, cr.sailing.arrival_s) == (parse_clock("12:40"),
                                                              parse_clock("13:00"))
    v2, s2 = _where(rp.result, "P2-ret:2")
    assert v2 == "VB1" and s2.start_s >= parse_clock("13:00")  # met at PB after the landing
    v1, d1 = _where(rp.result, "P2-ret:1", "delivery")
    assert d1.start_s <= parse_clock("12:25")  # at the pier by the new boarding time
    _assert_past_kept(original, rp.result, AT)
    rows = change_list(rp, original, rp.day)
    assert "SAILING" in rows.set_index("trip_id").loc["P2-ret", "change"]


def test_a_vehicle_out_of_service_hands_its_trips_to_another(toy):
    _net, _day, original = toy
    vid, _s = _where(original, "P1-ret")
    rp = _replan(toy, [Event("vehicle_out", 0, vehicle=vid, from_s=AT)])
    assert rp.violations == ()
    new_vid, s = _where(rp.result, "P1-ret")
    assert s is not None and new_vid not in (None, vid)
    assert all(s.start_s <= AT for s in _stops(rp.result, vid)[1:-1])  # nothing new for it
    _assert_past_kept(original, rp.result, AT)


def test_a_patient_on_board_cannot_be_cancelled(toy):
    _net, _day, original = toy
    _v, p = _where(original, "P1-out")
    at = p.start_s + 60  # on board
    fz = freeze(original, toy[1], at)
    assert "P1-out" in fz.onboard
    with pytest.raises(InputError) as err:
        _replan(toy, [Event("cancel", 0, line=3, file="ev.yaml", patient="P1", trip="out")], at)
    assert err.value.field == "events[0].patient" and err.value.row == 3


def test_events_naming_unknown_things_are_refused_with_their_line(toy):
    with pytest.raises(InputError) as err:
        _replan(toy, [Event("cancel", 0), Event("vehicle_out", 1, line=7, vehicle="VX",
                                                 from_s=AT)])
    assert err.value.field == "events[0].patient"
    with pytest.raises(InputError) as err:
        _replan(toy, [Event("sailing_delayed", 0, line=2, pier="PA",
                            departure_s=parse_clock("12:15"), minutes=30)])
    assert err.value.field == "events[0].departure" and "12:10" in str(err.value)


def test_bad_events_file_exits_2_with_line_and_field(tmp_path, capsys):
    ev = tmp_path / "events.yaml"
    ev.write_text("events:\n"
                  "  - type: cancel\n"
                  "    patient: P1\n"
                  "  - type: session_late\n"
                  "    patient: P1\n"
                  "    minuts: 40\n", encoding="utf-8")
    code = main(["replan", str(tmp_path), str(ev), "--at", "09:00", "--out",
                 str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 2
    assert "line 6" in err and "events[1].minuts" in err and "unknown key" in err
    ev.write_text("events:\n  - type: ferry_late\n    minutes: 3\n", encoding="utf-8")
    assert main(["replan", str(tmp_path), str(ev), "--at", "09:00", "--out",
                 str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert "line 2" in err and "unknown event type" in err


def test_the_new_plan_has_sheets_and_kpis(toy):
    rp = _replan(toy, [Event("cancel", 0, patient="P1", trip="both")])
    plan = as_plan(rp)
    assert "P1-ret" in {u.trip_id for u in plan.unserved}
    assert plan.kpis["trips"] == len(rp.trips)
    assert not math.isnan(plan.kpis["trips_served"])


# ----------------------------------------------------------------------------- end to end
def _served_rows(run: Path) -> pd.DataFrame:
    df = pd.read_csv(run / "dispatch" / "route_stops.csv", dtype=str, keep_default_na=False,
                     encoding="utf-8-sig")
    return df[df["action"].isin(["start", "pickup", "dropoff", "end"])]


def _baseline_events(run: Path, at: str) -> tuple[str, str]:
    """A cancellation, a session 40 minutes late and a sailing 30 minutes late, chosen from the
    run's own plan (rides home after ``at``, a sailing leaving after ``at``)."""
    rows = _served_rows(run)
    rets = rows[(rows["action"] == "pickup") & rows["trip_id"].str.endswith("-ret")
                & (rows["time"] > "11:00") & ~rows["leg_id"].str.contains(":")]
    pids = list(dict.fromkeys(rets["patient_id"]))
    cross = pd.read_csv(run / "dialysis" / "crossings.csv", dtype=str, encoding="utf-8-sig")
    sail = cross[cross["departure"] > at].iloc[0]
    return (f"events:\n  - type: cancel\n    patient: {pids[0]}\n    trip: ret\n"
            f"  - type: session_late\n    patient: {pids[1]}\n    minutes: 40\n"
            f"  - type: sailing_delayed\n    pier: {sail['from_stop_id']}\n"
            f"    departure: \"{sail['departure']}\"\n    minutes: 30\n"), pids[0]


def test_replan_cli_on_the_baseline_run(baseline_run, tmp_path, capsys):
    at = "09:00"
    text, cancelled = _baseline_events(baseline_run, at)
    ev = tmp_path / "events.yaml"
    ev.write_text(text, encoding="utf-8")
    out = tmp_path / "replan"
    assert main(["replan", str(baseline_run), str(ev), "--at", at, "--out", str(out)]) == 0
    figures = json.loads((out / "replan.json").read_text(encoding="utf-8"))
    assert figures["checker_violations"] == 0
    old, new = _served_rows(baseline_run), _served_rows(out)
    for vid, grp in old.groupby("vehicle_id"):  # nothing that started by --at changed
        past = grp[(grp["time"] <= at) & (grp["action"] != "end")]
        if len(past) <= 1:
            continue
        now = new[new["vehicle_id"] == vid].head(len(past))
        cols = ["action", "leg_id", "time", "place_type"]
        assert past[cols].to_numpy().tolist() == now[cols].to_numpy().tolist()
    changes = pd.read_csv(out / "dispatch" / "changes.csv", dtype=str, keep_default_na=False,
                          encoding="utf-8-sig")
    row = changes.set_index("trip_id").loc[f"{cancelled}-ret"]
    assert row["change"] == "CANCELLED" and row["code"] == "CANCELLED"
    assert row["patient_phone"] and row["old_driver_phone"]
    assert (out / "dispatch" / "changes.html").is_file()
    assert (out / "dispatch" / "route_sheets.xlsx").is_file()
    assert set(changes["code"]) - {""} <= set(figures["unserved_by_reason"])


def test_a_no_show_at_a_pickup_already_made_keeps_the_visit(toy, tmp_path):
    _net, day, original = toy
    vid, p = _where(original, "P1-out")
    at = p.start_s + 30  # the driver is at the door, nobody comes
    rp = _replan(toy, [Event("no_show", 0, patient="P1")], at)
    assert rp.violations == ()
    assert rp.unserved["P1-out"][0] == "NO_SHOW" and rp.unserved["P1-ret"][0] == "NO_SHOW"
    v, visit = _where(rp.result, "P1-out~no-show")
    assert v == vid and visit.start_s == p.start_s  # the stop happened, as planned
    assert _where(rp.result, "P1-out", "delivery")[0] is None
    assert _where(rp.result, "P1-ret")[0] is None
    from optimizer.outputs.replan import write_replan

    files = write_replan(as_plan(rp), change_list(rp, original, day), tmp_path)
    assert {f.path for f in files} >= {"dispatch/changes.csv", "dispatch/route_stops.csv"}
    assert all(f.personal and (tmp_path / f.path).is_file() for f in files)
    changes = pd.read_csv(tmp_path / "dispatch" / "changes.csv", encoding="utf-8-sig")
    assert set(changes["change"]) == {"NO_SHOW"}


def test_a_cancelled_sailing_takes_the_next_boat(toy):
    rp = _replan(toy, [Event("sailing_cancelled", 0, pier="甲岛码头",
                             departure_s=parse_clock("12:10"))])
    assert rp.violations == ()
    cr = rp.crossings["P2-ret"]
    assert cr.sailing.trip_id == "A_1400"  # the next sailing home, 14:00 → 14:20
    v2, s2 = _where(rp.result, "P2-ret:2")
    assert v2 == "VB1" and s2.start_s >= parse_clock("14:20")


def test_an_urgent_request_is_added(toy, inputs):  # noqa: F811
    net, _day, original = toy
    p4 = next(p for p in inputs.patients if p.patient_id == "P4")  # no session on Wednesdays
    day = build_day(inputs, net, DialysisParams(), WED, extra_patients=[p4])
    ev = [Event("urgent_request", 0, patient="P4", direction="out",
                earliest_s=parse_clock("10:00"), latest_s=parse_clock("10:30"))]
    piers = {pl.place_id: pl.name for pl in day.m.places if pl.place_type == "pier"}
    applied = apply_events(ev, day.trips, inputs.patients, [v.vehicle_id for v in inputs.vehicles],
                           net.timetable, piers, day.params, WED)
    rp = replan_day(day, original, applied, AT, network=net, solver=SOLVER, time_limit_s=1.0)
    assert rp.violations == ()
    _v, d = _where(rp.result, "P4-urgent1", "delivery")
    assert d is not None and parse_clock("10:00") <= d.start_s <= parse_clock("10:30")
    rows = change_list(rp, original, day)
    assert rows.set_index("trip_id").loc["P4-urgent1", "change"] == "NEWLY_SERVED"


def test_same_events_same_replan(toy):
    events = [Event("session_late", 0, patient="P1", minutes=40),
              Event("sailing_delayed", 1, pier="PA", departure_s=parse_clock("12:10"),
                    minutes=30)]
    a, b = _replan(toy, events), _replan(toy, events)
    assert a.result.routes == b.result.routes and a.unserved == b.unserved
