"""The dialysis service behind the service contract (optimizer.services.base) on the toy case.

The toy (tests/data/dialysis, README there; hand-computed in tests/test_dialysis_service.py):
on Wednesday 2025-06-04 P1 (island TA) rides to unit U1 and back; P2 (island TB) crosses on
B_0630 and returns on A_1210; P3 (wheelchair, TB) is unserved for lack of a wheelchair place on
TB; P5 (island TC, no pier) cannot be reached; P4 has no session on Wednesdays.
"""

from __future__ import annotations

import ast
import datetime as dt
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest

from optimizer.errors import InputError, InputErrors
from optimizer.io.gtfs import read_gtfs
from optimizer.network.build import APPROXIMATE_ROADS_NOTE, Network
from optimizer.network.ferries import add_ferries, timetable_for_date
from optimizer.network.islands import load_islands
from optimizer.network.land_proxy import build_land_proxy
from optimizer.results import REASONS, NoteKind, SolveStatus
from optimizer.services.base import (
    DataContext,
    OutputFile,
    PersonalData,
    PlanContext,
    ServiceResult,
    WriteContext,
)
from optimizer.services.dialysis import (
    SERVICE,
    DialysisInputs,
    DialysisParams,
    DialysisPlan,
    PlanUnserved,
    default_unit,
    read_units,
)
from optimizer.services.dialysis.planning import DARP_TO_CODE
from optimizer.solvers.params import SolverParams

D = Path(__file__).parent / "data" / "dialysis"
ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "optimizer" / "services" / "dialysis"
WED = dt.date(2025, 6, 4)
CJK = re.compile(r"[\u4e00-\u9fff]")


def toy_params(**kw) -> DialysisParams:
    files = {"patients": D / "patients.csv", "units": D / "units.csv",
             "vehicles": D / "vehicles.csv"}
    return DialysisParams(**{**files, **kw})


@pytest.fixture(scope="module")
def network():
    islands = load_islands(D / "islands.geojson")
    feed = read_gtfs(D / "gtfs")
    G = add_ferries(build_land_proxy(islands, spacing_m=500, bridges=(), select=False,
                                     correct_lattice_detour=False, circuity=1.2, name="toy"),
                    feed, islands=islands)
    return Network(G=G, islands=islands, feed=feed, timetable=timetable_for_date(feed, WED),
                   date=WED, notes=(APPROXIMATE_ROADS_NOTE,))


def data_ctx(network) -> DataContext:
    return DataContext(dataset=D, islands=network.islands, date=WED)


@pytest.fixture(scope="module")
def inputs(network):
    return SERVICE.load(toy_params(), data_ctx(network))


@pytest.fixture(scope="module")
def plan(inputs, network):
    ctx = PlanContext(network=network, solver=SolverParams(time_limit_s=2, workers=1), date=WED)
    return SERVICE.plan(inputs, toy_params(), ctx)


@pytest.fixture(scope="module")
def written(plan, network, tmp_path_factory):
    out = tmp_path_factory.mktemp("run")
    ctx = WriteContext(network=network, tiles="offline", title_zh="玩具", title_en="Toy",
                       notes=network.notes)
    return out, SERVICE.write(plan, out, ctx)


# ------------------------------------------------------------------------------ the contract
def test_service_object_has_the_contract():
    assert (SERVICE.name, SERVICE.Params, SERVICE.title) == (
        "dialysis", DialysisParams, "血透接送 dialysis rides")
    for method in ("load", "plan", "write", "personal_data"):
        assert callable(getattr(SERVICE, method))


def test_load_plan_write_end_to_end(inputs, plan, written):
    assert isinstance(inputs, DialysisInputs) and isinstance(plan, DialysisPlan)
    assert isinstance(plan, ServiceResult)
    # hand-checked outcome (module docstring)
    assert set(plan.served_trip_ids) == {"P1-out", "P1-ret", "P2-out", "P2-ret"}
    assert {u.trip_id: u.code for u in plan.unserved} == {
        "P3-out": "NO_WHEELCHAIR_PLACE", "P3-ret": "NO_WHEELCHAIR_PLACE",
        "P5-out": "UNREACHABLE_ISLAND", "P5-ret": "UNREACHABLE_ISLAND"}
    assert {c.trip_id: c.sailing.trip_id for c in plan.crossings} == {
        "P2-out": "B_0630", "P2-ret": "A_1210"}
    assert plan.status is SolveStatus.PARTIAL and plan.status.produced_plan
    assert plan.kpis["unserved_by_reason"] == {"NO_WHEELCHAIR_PLACE": 2, "UNREACHABLE_ISLAND": 2}
    assert (plan.kpis["trips"], plan.kpis["trips_served"], plan.kpis["ferry_crossings"]) == (
        8.0, 4.0, 2.0)
    assert "checker_violations" not in plan.kpis and plan.violations == ()
    # the toy files carry no synthetic flag; the toy dataset has no village points
    assert [n.kind for n in plan.notes] == [NoteKind.DATA_WARNING, NoteKind.APPROXIMATE_ROADS]
    assert "no village points" in plan.notes[0].en and inputs.village_points.empty
    assert tuple(plan.searches) == () or all(s.name for s in plan.searches)
    out, files = written
    names = {f.path for f in files}
    assert {"dispatch/route_sheets.html", "dispatch/route_VA2.html", "dispatch/route_VB1.html",
            "dispatch/route_unserved.csv", "dispatch/routes_map.html", "maps/routes.html",
            "dialysis/public_summary.html", "dialysis/unserved.csv"} <= names
    unserved = pd.read_csv(out / "dialysis" / "unserved.csv", encoding="utf-8-sig")
    assert list(unserved["code"]) == [u.code for u in plan.unserved]
    assert list(unserved["reason_en"]) == [REASONS[u.code].en for u in plan.unserved]


def test_write_returns_exactly_the_files_written(written):
    out, files = written
    on_disk = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()}
    assert [f.path for f in files] == sorted({f.path for f in files}, key=[
        f.path for f in files].index)  # no repeats
    assert {f.path for f in files} == on_disk
    for f in files:
        assert isinstance(f, OutputFile)
        assert f.personal == f.path.startswith("dispatch/")
        assert CJK.search(f.description) and re.search(r"[A-Za-z]{3}", f.description), f


def test_empty_day_is_optimal(inputs, network):
    sunday = dt.date(2025, 6, 8)
    net = Network(G=network.G, islands=network.islands, feed=network.feed,
                  timetable=timetable_for_date(network.feed, sunday), date=sunday)
    plan = SERVICE.plan(inputs, toy_params(), PlanContext(network=net, solver=SolverParams(),
                                                          date=sunday))
    assert plan.trips == () and plan.unserved == () and plan.result is None
    assert plan.status is SolveStatus.OPTIMAL and plan.reason_codes() == set()


def test_plan_refuses_params_the_inputs_were_not_loaded_with(inputs, network):
    ctx = PlanContext(network=network, solver=SolverParams(), date=WED)
    with pytest.raises(InputError) as ei:
        SERVICE.plan(inputs, toy_params(active_units=()), ctx)
    assert ei.value.field == "active_units"


# ------------------------------------------------------------------------------ reasons
def test_reason_codes_are_catalogue_codes(plan):
    assert plan.reason_codes() <= set(REASONS)
    assert set(DARP_TO_CODE.values()) <= set(REASONS)
    # every code literal of the package is in the catalogue
    literals = set()
    for path in PACKAGE.glob("*.py"):
        literals |= set(re.findall(r'code="([A-Z_]+)"', path.read_text(encoding="utf-8")))
        literals |= set(re.findall(r'"([A-Z_]{6,})" if timetable', path.read_text("utf-8")))
    assert literals and literals <= set(REASONS), literals - set(REASONS)
    with pytest.raises(InputError):
        PlanUnserved("P1-out", "P1", "out", "NO_SUCH_REASON")


def test_reasons_name_places_and_clock_times_not_indices(plan):
    for u in plan.unserved:
        assert not re.search(r"\bnode \d+", u.detail), u.detail
        assert not re.search(r"\d+\.\d+ min|\d{3,} min", u.detail), u.detail  # HH:MM, not minutes
    # at the pier by 06:15 (a sailing at 06:30, less the boarding buffer), 30 min slack
    assert plan.unserved[0].detail == ("outbound leg, part 1 before the ferry (home → 乙岛码头, "
                                       "arrive 05:45–06:15): needs 1 wheelchair place(s); the "
                                       "vehicles that can serve this leg (wheelchair places): "
                                       "VB1 (0)")
    for u in plan.unserved:  # legs in words, never the internal leg id
        assert not re.search(r"\bleg \S+:\d|P\d-(out|ret):\d", u.detail), u.detail


# ------------------------------------------------------------------------------ notes, privacy
def test_synthetic_label_comes_from_the_rows_flag(tmp_path, network):
    """A copy of the toy patients with a ``synthetic`` column: the inputs say so; the same
    file without it (as given) is real data, whatever its path."""
    df = pd.read_csv(D / "patients.csv", dtype=str)
    df["synthetic"] = "true"
    df.to_csv(tmp_path / "patients.csv", index=False)
    inp = SERVICE.load(toy_params(patients=tmp_path / "patients.csv"), data_ctx(network))
    syn = [n for n in inp.notes if n.kind is NoteKind.SYNTHETIC_DATA]
    assert len(syn) == 1 and "patients.csv" in syn[0].en
    shutil.copy(D / "patients.csv", tmp_path / "synthetic_patients.csv")
    inp = SERVICE.load(toy_params(patients=tmp_path / "synthetic_patients.csv"),
                       data_ctx(network))
    assert not [n for n in inp.notes if n.kind is NoteKind.SYNTHETIC_DATA]


def test_personal_data_lists_names_phones_homes_and_bases(inputs):
    pd_ = SERVICE.personal_data(inputs)
    assert isinstance(pd_, PersonalData)
    assert pd_.owners["测试1"] == "patient P1 name"
    assert pd_.owners["100-0000-0001"] == "patient P1 phone"
    assert pd_.owners["司机3"] == "vehicle VB1 driver name"
    assert set(pd_.texts) == set(pd_.owners) and "" not in pd_.texts
    assert (inputs.patients[1].lon, inputs.patients[1].lat) in pd_.points
    assert (inputs.vehicles[0].lon, inputs.vehicles[0].lat) in pd_.points


def test_published_files_show_no_personal_values(inputs, written):
    out, files = written
    secrets = SERVICE.personal_data(inputs).texts
    for f in files:
        if f.personal or f.path.endswith(".xlsx"):
            continue
        text = (out / f.path).read_text(encoding="utf-8-sig")
        assert not [s for s in secrets if s in text], f.path


# ------------------------------------------------------------------------------ units
def test_read_units_and_default_unit(tmp_path):
    units = read_units(D / "units.csv")
    assert [u.unit_id for u in units] == ["U1"] and default_unit(units).name_zh == "甲岛透析室"
    with pytest.raises(InputError) as ei:
        default_unit(read_units(D / "units.csv", active_units=()))
    assert ei.value.field == "active_units"
    with pytest.raises(InputErrors) as ei:
        read_units(D / "units.csv", active_units=("U9",))
    assert [(e.field, e.row) for e in ei.value.errors] == [("active_units", 1)]
    bad = (D / "units.csv").read_text(encoding="utf-8").replace("07:00,19:00", "19:00,07:00")
    (tmp_path / "units.csv").write_text(bad, encoding="utf-8")
    with pytest.raises(InputErrors) as ei:
        read_units(tmp_path / "units.csv")
    (e,) = ei.value.errors
    assert (Path(e.file).name, e.line, e.field) == ("units.csv", 2, "close_time")
    assert "unit U1" in e.message


# ------------------------------------------------------------------------------ layering, size
def _imports(path: Path) -> set[str]:
    mods = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            mods.add(node.module)
        elif isinstance(node, ast.Import):
            mods |= {a.name for a in node.names}
    return mods


def test_only_service_module_imports_outputs():
    for path in PACKAGE.glob("*.py"):
        uses = {m for m in _imports(path) if m.startswith("optimizer.outputs")}
        assert not uses or path.name == "service.py", (path.name, uses)


@pytest.mark.parametrize("path", [*sorted(PACKAGE.glob("*.py")),
                                  ROOT / "optimizer" / "outputs" / "dialysis.py",
                                  ROOT / "optimizer" / "outputs" / "route_map.py"],
                         ids=lambda p: p.name)
def test_no_function_over_120_lines(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    long = [(n.name, n.end_lineno - n.lineno + 1) for n in ast.walk(tree)
            if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))
            and n.end_lineno - n.lineno + 1 > 120]
    assert long == []


def test_village_points_of_the_dataset_are_read_at_load():
    from optimizer.datasets import get_path
    from optimizer.network.islands import load_islands

    ctx = DataContext(dataset=get_path("putuo"), islands=load_islands(), date=WED)
    villages = SERVICE.load(DialysisParams(), ctx).village_points
    assert len(villages) > 100 and villages.index.name == "village_code"
    assert villages["lon"].between(121.5, 123.0).all() and villages["lat"].between(29.4, 30.4).all()


def test_a_named_village_file_that_is_missing_is_an_error(tmp_path, network):
    with pytest.raises(InputError, match="nope.csv"):
        SERVICE.load(toy_params(villages=tmp_path / "nope.csv"), data_ctx(network))


def test_no_ride_home_is_planned_for_a_patient_no_sailing_brings_to_the_session(baseline_run):
    """A return ride for a patient whose outbound has no sailing in time would be a vehicle
    waiting at the unit for nobody: it is listed unserved (NO_SAILING) with why."""
    import pandas as pd

    un = pd.read_csv(baseline_run / "dispatch" / "route_unserved.csv", dtype=str,
                     encoding="utf-8-sig")
    no_way = set(un.loc[(un["direction"] == "out") & (un["code"] == "NO_SAILING"), "patient_id"])
    assert len(no_way) >= 3  # the baseline has such patients (outer islands, early sessions)
    ret = un[un["direction"] == "ret"].set_index("patient_id")
    assert no_way <= set(ret.index)
    assert set(ret.loc[sorted(no_way), "code"]) == {"NO_SAILING"}
    stops = pd.read_csv(baseline_run / "dispatch" / "route_stops.csv", dtype=str,
                        encoding="utf-8-sig", keep_default_na=False)
    assert not set(stops["patient_id"]) & no_way
