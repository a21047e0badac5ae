"""The flats near the dialysis unit (issue 13 item 5): the CP-SAT choice against brute force,
the documented tie-break, the service on the two-island toy day, the scenario's files and KPIs,
and refused parameters.

Toy day (tests/data/dialysis/README.md): P1 and P4 live on TA with the unit (not island
patients), P2 and P3 on TB (across a sailing; P3 in a wheelchair), P5 on TC, which no pier
reaches: its trips cannot be made. By default (``unmade_trip_h`` 0) such trips are not counted
and P5 is listed ``trips_not_made``; with ``unmade_trip_h: 4`` each counts 4 h and a flat saves
P5 the most (3 sessions x 2 trips x 4 h - 3 x 2 x 5 min walk = 23.5 h a week).
"""

from __future__ import annotations

import itertools
import json
import random
from pathlib import Path

import pandas as pd
import pytest

from optimizer.cli import main
from optimizer.errors import InputError
from optimizer.io.gtfs import read_gtfs
from optimizer.network.ferries import add_ferries
from optimizer.network.islands import load_islands
from optimizer.network.land_proxy import build_land_proxy
from optimizer.problems.flats import FlatsProblem
from optimizer.results import SolveStatus
from optimizer.services.base import DataContext, PlanContext, WriteContext
from optimizer.services.dialysis import DialysisParams
from optimizer.services.flats import SERVICE, FlatsParams
from optimizer.solvers.ortools_flats import solve_flats
from optimizer.solvers.params import SolverParams
from tests.test_dialysis_service import FAST, WED, D, toy_network

REPO = Path(__file__).resolve().parents[1]


# ----------------------------------------------------------------------------- the solver
def brute_force(p: FlatsProblem) -> tuple[int, tuple[str, ...]]:
    """Best total over every feasible subset; among the best, the earliest ids first (the
    lexicographic maximum of the 0/1 vector in id order)."""
    best: tuple[int, tuple[int, ...]] | None = None
    n = len(p.ids)
    for bits in itertools.product((1, 0), repeat=n):  # (1,1,..) first: lexicographic max wins
        chosen = [i for i, b in zip(p.ids, bits) if b]
        if not p.feasible(chosen):
            continue
        total = p.total(chosen)
        if best is None or total > best[0]:
            best = (total, bits)
    assert best is not None
    return best[0], tuple(i for i, b in zip(p.ids, best[1]) if b)


@pytest.mark.parametrize("seed", range(12))
def test_cp_sat_choice_equals_brute_force_on_six_patients(seed: int) -> None:
    rng = random.Random(seed)
    ids = tuple(f"P{k}" for k in range(1, 7))
    value = tuple(rng.choice([0, 3, 5, 5, 8, 13]) for _ in ids)  # repeats: ties are common
    wheel = tuple(rng.random() < 0.4 for _ in ids)
    p = FlatsProblem(ids, value, wheel, places=rng.choice([2, 3]),
                     wheelchair_places=rng.choice([None, 0, 1]))
    got = solve_flats(p, time_limit_s=2)
    total, chosen = brute_force(p)
    assert got.status is SolveStatus.OPTIMAL
    assert (got.objective, got.bound) == (total, total)
    assert got.chosen == chosen
    assert got.tie_break == "earliest ids first"


def test_ties_go_to_the_earliest_ids() -> None:
    # four equal values, two places: the two earliest ids
    p = FlatsProblem(("a", "b", "c", "d"), (5, 5, 5, 5), (False,) * 4, places=2)
    assert solve_flats(p, time_limit_s=1).chosen == ("a", "b")
    # one wheelchair place: {a,c}, {a,d}, {b,c}, {b,d} all give 6; a first, then c
    p = FlatsProblem(("a", "b", "c", "d"), (4, 4, 2, 2), (True, True, False, False), places=2,
                     wheelchair_places=1)
    r = solve_flats(p, time_limit_s=1)
    assert (r.objective, r.bound, r.chosen) == (6, 6, ("a", "c"))
    # the best pair wins over earlier ids
    p = FlatsProblem(("a", "b", "c", "d"), (2, 4, 5, 7), (False,) * 4, places=2)
    assert solve_flats(p, time_limit_s=1).chosen == ("c", "d")
    p = FlatsProblem(("a", "b", "c", "d"), (4, 4, 5, 5), (False,) * 4, places=3)
    assert solve_flats(p, time_limit_s=1).chosen == ("a", "c", "d")
    # the wheelchair place is not enough for c: a and b
    p = FlatsProblem(("a", "b", "c", "d"), (5, 4, 5, 1), (False, False, True, False), places=2,
                     wheelchair_places=0)
    assert solve_flats(p, time_limit_s=1).chosen == ("a", "b")


def test_bad_problems_are_refused() -> None:
    with pytest.raises(InputError, match="places"):
        FlatsProblem(("a",), (1,), (False,), places=-1)
    with pytest.raises(InputError, match="whole numbers"):
        FlatsProblem(("a",), (-1,), (False,), places=1)
    with pytest.raises(InputError, match="repeat"):
        FlatsProblem(("a", "a"), (1, 1), (False, False), places=1)


# ----------------------------------------------------------------------------- the toy day
@pytest.fixture(scope="module")
def toy():
    islands = load_islands(D / "islands.geojson")
    feed = read_gtfs(D / "gtfs")
    G = add_ferries(build_land_proxy(islands, spacing_m=500, bridges=(), select=False,
                                     correct_lattice_detour=False, circuity=1.2, name="toy"),
                    feed, islands=islands)
    dprm = DialysisParams(patients=D / "patients.csv", units=D / "units.csv",
                          vehicles=D / "vehicles.csv")
    ctx = DataContext(dataset=D, islands=islands, date=WED, sections={"dialysis": dprm})
    return toy_network(G, islands, feed), ctx


def _plan(toy, **kw):
    net, ctx = toy
    prm = FlatsParams(enabled=True, **kw)
    inputs = SERVICE.load(prm, ctx)
    return SERVICE.plan(inputs, prm, PlanContext(
        network=net, solver=SolverParams(time_limit_s=1, workers=1, searches=1), date=WED))


def test_toy_day_by_default_counts_made_trips_only(toy) -> None:
    plan = _plan(toy, flats=1)
    b = plan.burdens.set_index("patient_id")
    assert b.loc["P5", "decision"] == "trips_not_made"
    assert plan.kpis["candidates"] == 2 and plan.kpis["not_chosen_tied"] == 0
    offered = b[b["decision"] == "offered"]
    left = b[b["decision"] == "not_chosen"]
    assert len(offered) == 1 and list(left.index) == sorted({"P2", "P3"} - set(offered.index))
    assert offered["weekly_burden_saved"].iloc[0] >= left["weekly_burden_saved"].iloc[0]
    for pid in ("P2", "P3"):  # 3 sessions; the saving = weighted ride + vehicle hours - walk
        r = b.loc[pid]
        assert r["weekly_ride_h_saved"] == pytest.approx(3 * r["ride_h_per_session"] - 0.5)
        assert r["weekly_vehicle_h_saved"] == pytest.approx(3 * r["vehicle_h_per_session"])
        assert r["weekly_burden_saved"] == pytest.approx(
            r["weekly_ride_h_saved"] + r["weekly_vehicle_h_saved"])
    # the offered patient is MWF: after the move its two trips need no transport
    assert plan.after.kpis["trips_no_transport_needed"] == 2
    assert plan.kpis["trips_no_transport_needed_after"] == 2


def test_toy_day_offers_the_unreachable_island_first_and_frees_its_trips(toy) -> None:
    plan = _plan(toy, flats=1, unmade_trip_h=4)
    b = plan.burdens.set_index("patient_id")
    assert list(b.loc[["P1", "P4"], "decision"]) == ["not_island", "not_island"]
    assert list(b.loc[["P2", "P3", "P5"], "island_patient"]) == [True, True, True]
    assert b.loc["P5", "unmade_trips_per_session"] == 2
    assert b.loc["P5", "weekly_ride_h_saved"] == pytest.approx(3 * (8.0 - 10 / 60))
    assert b.loc["P5", "weekly_vehicle_h_saved"] == 0
    # P2 crosses: its ride includes the sailing (20 min each way), more than its vehicle legs
    assert b.loc["P2", "ride_h_per_session"] > b.loc["P2", "vehicle_h_per_session"] + 40 / 60
    assert b.loc["P5", "decision"] == "offered"
    assert set(b.loc[["P2", "P3"], "decision"]) == {"not_chosen"}
    k = plan.kpis
    assert (k["status"], k["offered"], k["candidates"], k["flats"]) == ("OPTIMAL", 1, 3, 1)
    assert k["objective_weighted_h"] == pytest.approx(k["bound_weighted_h"])
    assert k["weekly_ride_hours_saved"] == pytest.approx(3 * (8.0 - 10 / 60))
    # before: P5's two trips unreachable; after: P5 lives at the unit, no ride needed
    assert plan.before.kpis["unserved_by_reason"].get("UNREACHABLE_ISLAND") == 2
    assert "UNREACHABLE_ISLAND" not in plan.after.kpis["unserved_by_reason"]
    assert plan.after.kpis["trips_no_transport_needed"] == 2
    assert k["trips_unserved_after"] == k["trips_unserved_before"] - 2


def test_toy_day_with_no_wheelchair_flat_passes_over_p3(toy) -> None:
    both = _plan(toy, flats=3, unmade_trip_h=4)
    assert both.kpis["offered"] == 3
    plan = _plan(toy, flats=3, wheelchair_flats=0, unmade_trip_h=4)
    b = plan.burdens.set_index("patient_id")
    assert list(b.loc[["P2", "P3", "P5"], "decision"]) == ["offered", "not_chosen", "offered"]
    assert plan.kpis["offered_wheelchair"] == 0


def test_service_writes_counts_published_and_names_only_for_the_dispatcher(toy, tmp_path) -> None:
    plan = _plan(toy, flats=2, unmade_trip_h=4)
    files = SERVICE.write(plan, tmp_path, WriteContext(network=toy[0], tiles="offline"))
    on_disk = {p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.is_file()}
    assert on_disk == {f.path for f in files}
    assert {f.path for f in files if f.personal} == {"dispatch/flats_offer.csv",
                                                      "dispatch/flats_candidates.csv"}
    by_island = pd.read_csv(tmp_path / "flats" / "flats_by_island.csv", encoding="utf-8-sig")
    assert int(by_island["offered"].sum()) == 2 and int(by_island["candidates"].sum()) == 3
    published = "".join((tmp_path / f.path).read_text(encoding="utf-8-sig")
                        for f in files if not f.personal)
    for p in plan.inputs.patients:
        assert p.patient_id not in published and p.name not in published
        assert p.phone not in published
    offer = pd.read_csv(tmp_path / "dispatch" / "flats_offer.csv", encoding="utf-8-sig",
                        dtype=str)
    assert list(offer["patient_id"]) == ["P5", plan.choice.chosen[0]]
    assert set(offer.columns) >= {"name", "phone", "island", "weekly_ride_h_saved"}


def test_unknown_unit_is_refused(toy) -> None:
    with pytest.raises(InputError, match="flats.unit_id"):
        SERVICE.load(FlatsParams(enabled=True, unit_id="U9"), toy[1])


# ----------------------------------------------------------------------------- scenario/CLI
def _scenario(tmp_path: Path, body: str) -> Path:
    sc = tmp_path / "flats.yaml"
    sc.write_text(f"base: {REPO / 'scenarios' / 'putuo-flats.yaml'}\nname: flats-test\n{body}",
                  encoding="utf-8")
    return sc


@pytest.mark.parametrize("body", ["flats:\n  flats: -1\n", "flats:\n  ride_weight: -0.5\n",
                                  "flats:\n  eligible: everyone\n", "flats:\n  flat: 3\n"])
def test_bad_flats_params_exit_2(tmp_path: Path, body: str) -> None:
    assert main(["validate", str(_scenario(tmp_path, body))]) == 2


def test_flats_scenario_writes_files_and_kpis(tmp_path: Path) -> None:
    """The Putuo flats scenario with the other services off and short solves: the files, the
    KPIs under ``flats`` and the run's privacy scan (the run exits 0 only if it passes)."""
    sc = _scenario(tmp_path, "solver:\n  time_limit_s: 1\nconnectivity:\n  enabled: false\n"
                   "meals:\n  enabled: false\nvisits:\n  enabled: false\n"
                   "dialysis:\n  enabled: false\n")
    out = tmp_path / "run"
    assert main(["run", str(sc), "--out", str(out)]) == 0
    k = json.loads((out / "summary.json").read_text(encoding="utf-8"))["kpis"]["flats"]
    assert (k["flats"], k["offered"], k["status"]) == (10, 10, "OPTIMAL")
    assert k["vehicles_used_after"] <= k["vehicles_used_before"]
    assert k["objective_weighted_h"] == k["bound_weighted_h"] > 0
    assert k["weekly_ride_hours_saved"] > 0 and k["weekly_vehicle_hours_saved"] >= 0
    for key in ("trips_served", "vehicles_used", "trips_unserved", "driving_time_min"):
        assert f"{key}_before" in k and f"{key}_after" in k
    assert k["trips_served_after"] + k["trips_unserved_after"] <= \
        k["trips_served_before"] + k["trips_unserved_before"]
    for f in ("flats/flats_by_island.csv", "flats/flats_day_before_after.csv",
              "dispatch/flats_offer.csv", "dispatch/flats_candidates.csv"):
        assert (out / f).is_file()
    offer = pd.read_csv(out / "dispatch" / "flats_offer.csv", encoding="utf-8-sig", dtype=str)
    assert len(offer) == 10 and offer["phone"].notna().all()


def test_eligible_all_makes_the_unit_side_patients_candidates(toy) -> None:
    plan = _plan(toy, flats=5, eligible="all")
    b = plan.burdens.set_index("patient_id")
    assert set(b.loc[["P1", "P4"], "decision"]) == {"offered"}
    assert plan.kpis["candidates"] == 4  # P1-P4; P5's trips cannot be made (not counted)
    assert b.loc["P5", "decision"] == "trips_not_made"


def test_the_week_is_summed_day_by_day_on_each_days_timetable(toy, tmp_path: Path) -> None:
    """The burden sums the real sessions of the scenario date's week, each on its own day's
    sailings: with no sailing on the Friday of that week (GTFS calendar_dates removal), P2's
    Friday trips cannot be made and count ``unmade_trip_h`` each instead of the crossing."""
    import shutil

    from optimizer.services.flats.burden import week_of
    assert week_of(WED) == tuple(WED + pd.Timedelta(days=k).to_pytimedelta()
                                 for k in range(-2, 4))
    base = _plan(toy, flats=1, unmade_trip_h=4).burdens.set_index("patient_id")
    gtfs = tmp_path / "gtfs"
    shutil.copytree(D / "gtfs", gtfs)
    (gtfs / "calendar_dates.txt").write_text("service_id,date,exception_type\n"
                                             "DAILY,20250606,2\n", encoding="utf-8")
    net0, ctx = toy
    feed = read_gtfs(gtfs)
    islands = ctx.islands
    G = add_ferries(build_land_proxy(islands, spacing_m=500, bridges=(), select=False,
                                     correct_lattice_detour=False, circuity=1.2, name="toy"),
                    feed, islands=islands)
    prm = FlatsParams(enabled=True, flats=1, unmade_trip_h=4)
    plan = SERVICE.plan(SERVICE.load(prm, ctx), prm, PlanContext(
        network=toy_network(G, islands, feed),
        solver=SolverParams(time_limit_s=1, workers=1, searches=1), date=WED))
    b = plan.burdens.set_index("patient_id")
    p2, p2_base = b.loc["P2"], base.loc["P2"]
    assert p2["sessions_per_week"] == 3
    # Monday and Wednesday as before; Friday: 2 unmade trips of 4 h, no vehicle time
    per = p2_base["ride_h_per_session"]
    assert p2["weekly_ride_h"] == pytest.approx(2 * per + 2 * 4.0)
    assert p2["weekly_vehicle_h"] == pytest.approx(2 * p2_base["vehicle_h_per_session"])
    assert p2["unmade_trips_per_session"] == pytest.approx(2 / 3)
    # P1 lives with the unit on TA: no sailing needed, the same every day
    assert b.loc["P1", "weekly_ride_h"] == pytest.approx(base.loc["P1", "weekly_ride_h"])
