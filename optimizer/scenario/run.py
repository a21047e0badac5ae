"""One scenario run: inputs → network → problems → solvers → outputs, into one folder.

:func:`run_scenario` is what ``optimizer run`` calls. Each step writes its files and adds its
KPIs; the run ends with ``summary.json``/``summary.md``, ``manifest.json`` and ``index.html``.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from optimizer.errors import InputError
from optimizer.network.build import Network, build_network
from optimizer.scenario.schema import Scenario, load_scenario
from optimizer.units import hhmm, parse_clock

ISOCHRONE_MINUTES = (30, 60, 90, 120)
"""Isochrone thresholds (minutes) drawn around the default dialysis unit."""

JOURNEY_DEPART_S = 6 * 3600 + 30 * 60
"""06:30: departure time of the island-to-dialysis-unit journeys (typical first pick-up)."""

SYNTHETIC_NOTE = ("合成数据 Synthetic data: dialysis patients, elderly counts per village, canteens, "
                  "candidate sites and vehicles are generated (data/geo/putuo/SOURCES.md)")
"""Carried by every run that uses the embedded synthetic files (the default data paths)."""

ISLAND_CHECK_DEPART_S = 8 * 3600
"""08:00: departure from 沈家门 for the island reachability check."""


@dataclass
class RunResult:
    """What a run produced.

    Attributes
    ----------
    scenario
        The validated scenario.
    out_dir
        The output folder.
    kpis
        Headline figures, grouped by step (JSON-serialisable).
    files
        Output files (relative to ``out_dir``) with a bilingual description.
    steps
        Per step: status, runtime in seconds, solver limits.
    """

    scenario: Scenario
    out_dir: Path
    kpis: dict[str, dict[str, Any]] = field(default_factory=dict)
    files: list[tuple[str, str]] = field(default_factory=list)
    steps: dict[str, dict[str, Any]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def summary_line(self) -> str:
        """A one-line summary for the terminal."""
        n = self.kpis.get("network", {})
        return (f"{self.scenario.name}: {n.get('nodes', '?')} nodes, "
                f"{n.get('islands_reachable', '?')}/{n.get('islands_named', '?')} named islands "
                f"reachable, {len(self.files)} files in {self.out_dir}")


def _write_csv(df: pd.DataFrame, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    df.to_csv(path, index=False, encoding="utf-8-sig")  # BOM: Excel opens Chinese text correctly


def run_scenario(scenario: Scenario, out_dir: str | Path, *,
                 progress: Callable[[str], None] | None = None) -> RunResult:
    """Run a scenario and write every output into ``out_dir``.

    Parameters
    ----------
    scenario
        A validated scenario (:func:`optimizer.scenario.schema.load_scenario`).
    out_dir
        Output folder, created if needed; existing files with the same names are replaced.
    progress
        Called with a short message at the start of each step.

    Returns
    -------
    RunResult

    Raises
    ------
    optimizer.errors.InputError
        On bad data (file, row, field named).
    optimizer.errors.OptimizerError
        On a network or solver failure.
    """
    say = progress or (lambda _msg: None)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    result = RunResult(scenario=scenario, out_dir=out)

    t0 = time.perf_counter()
    say("network: roads, bridges, piers and the day's ferry timetable")
    net = build_network(scenario.network, scenario.ferries, date=scenario.date,
                        dataset=scenario.dataset, name=scenario.name)
    result.notes.extend(str(n) for n in net.notes)
    if any(path is None for path in (scenario.dialysis.patients, scenario.dialysis.vehicles,
                                     scenario.meals.elderly, scenario.meals.canteens)):
        result.notes.append(SYNTHETIC_NOTE)
    result.steps["network"] = {"status": "ok", "runtime_s": round(time.perf_counter() - t0, 2)}

    say("network: island diagnostics, journeys to the dialysis unit, isochrones")
    t1 = time.perf_counter()
    _network_outputs(net, scenario, result)
    result.steps["network_outputs"] = {"status": "ok",
                                       "runtime_s": round(time.perf_counter() - t1, 2)}

    if scenario.dialysis.enabled:
        say(f"dialysis rides: DARP for {scenario.date} "
            f"(time limit {scenario.solver.time_limit_s:g} s, seed {scenario.solver.seed}, "
            f"{scenario.solver.workers} parallel search(es))")
        t2 = time.perf_counter()
        status = _dialysis_outputs(net, scenario, result)
        result.steps["dialysis"] = {"status": status,
                                    "runtime_s": round(time.perf_counter() - t2, 2),
                                    "time_limit_s": scenario.solver.time_limit_s,
                                    "seed": scenario.solver.seed,
                                    "workers": scenario.solver.workers}

    if scenario.meals.enabled:
        say(f"meals: 15-minute coverage, siting ({scenario.meals.siting_model}, "
            f"{scenario.meals.new_sites} new), lunch rounds")
        t3 = time.perf_counter()
        status = _meals_outputs(net, scenario, result)
        result.steps["meals"] = {"status": status,
                                 "runtime_s": round(time.perf_counter() - t3, 2),
                                 "time_limit_s": scenario.solver.time_limit_s,
                                 "rounds_time_limit_s": scenario.meals.rounds_time_limit_s,
                                 "seed": scenario.solver.seed}

    say("summary, manifest and index")
    _finish(result)
    return result


def _unit_point(scenario: Scenario) -> tuple[str, str, tuple[float, float]]:
    """The default dialysis unit (first active unit) as (id, name, (lon, lat))."""
    from optimizer.services.dialysis import default_unit, read_units

    path = _data_path(scenario, scenario.dialysis.units, "synthetic/dialysis_units.csv")
    unit = default_unit(read_units(path, active_units=scenario.dialysis.active_units or None))
    return unit.unit_id, unit.name_zh, (unit.lon, unit.lat)


def _network_outputs(net: Network, scenario: Scenario, result: RunResult) -> None:
    from optimizer.network.diagnostics import island_report
    from optimizer.network.isochrones import isochrone_polygons
    from optimizer.network.journey import earliest_arrival_all, journey_from_points
    from optimizer.network.snap import snap_points
    from optimizer.network.islands import points_from_lonlat

    out = result.out_dir / "network"
    G = net.G
    # 1. islands
    rep = island_report(net, depart_s=ISLAND_CHECK_DEPART_S)
    named = rep[rep["name_zh"].astype(str).str.len() > 0]
    _write_csv(rep.drop(columns=["earliest_arrival_s"]), out / "islands.csv")
    result.files.append(("network/islands.csv",
                         "岛屿连通与可达性 Island links and reachability from 沈家门 at "
                         f"{hhmm(ISLAND_CHECK_DEPART_S)}"))
    # 2. journeys from each named island to the dialysis unit
    unit_id, unit_name, unit_ll = _unit_point(scenario)
    rows = []
    for r in named.itertuples(index=False):
        isl = net.islands.loc[net.islands["island_id"] == r.island_id].iloc[0]
        pt = isl.geometry.representative_point()
        row: dict[str, Any] = {"island_id": r.island_id, "island": r.name_zh,
                               "to": f"{unit_id} {unit_name}", "depart": hhmm(JOURNEY_DEPART_S)}
        try:
            j = journey_from_points(G, net.timetable, (pt.x, pt.y), unit_ll, JOURNEY_DEPART_S,
                                    islands=net.islands, boarding_buffer_s=net.boarding_buffer_s)
        except Exception as exc:  # unreachable point: reported, not dropped
            row.update(arrive="", duration_min="", sailings="", reason=str(exc))
        else:
            ok = math.isfinite(j.arrival_s)
            row.update(
                arrive=hhmm(j.arrival_s) if ok else "",
                duration_min=round(j.duration_s / 60) if ok else "",
                wait_min=round(j.wait_s / 60) if ok else "",
                sailings="; ".join(f"{s.trip_id} {hhmm(s.departure_s)}→{hhmm(s.arrival_s)}"
                                   + (" (估计 est.)" if s.is_estimate else "")
                                   for s in j.sailings) if ok else "",
                reason="" if ok else f"{j.reason_code}: {j.reason}",
                legs=" | ".join(leg.describe() for leg in j.legs) if ok else "")
        rows.append(row)
    journeys = pd.DataFrame(rows)
    _write_csv(journeys, out / "journeys_to_dialysis_unit.csv")
    result.files.append(("network/journeys_to_dialysis_unit.csv",
                         f"各岛至透析点行程 Journeys from each island to {unit_id} leaving "
                         f"{hhmm(JOURNEY_DEPART_S)}, sailings and waits itemised"))
    # 3. isochrones around the unit across ferries
    pts = points_from_lonlat([unit_ll[0]], [unit_ll[1]])
    snapped = snap_points(G, pts, islands=net.islands, strict=True)
    times = earliest_arrival_all(G, net.timetable, snapped["node"].iloc[0], ISLAND_CHECK_DEPART_S,
                                 max_duration_s=max(ISOCHRONE_MINUTES) * 60,
                                 boarding_buffer_s=net.boarding_buffer_s)
    rel = {n: t - ISLAND_CHECK_DEPART_S for n, t in times.items()
           if G.nodes[n].get("kind") != "pier"}
    iso = isochrone_polygons(G, rel, [m * 60 for m in ISOCHRONE_MINUTES], islands=net.islands)
    iso["origin"] = f"{unit_id} {unit_name}"
    iso["depart"] = hhmm(ISLAND_CHECK_DEPART_S)
    iso["note"] = "; ".join(map(str, net.notes))
    (out / "isochrones.geojson").write_text(iso.to_json(ensure_ascii=False), encoding="utf-8")
    result.files.append(("network/isochrones.geojson",
                         f"等时圈 Isochrones {list(ISOCHRONE_MINUTES)} min from {unit_id} by car "
                         f"and ferry, leaving {hhmm(ISLAND_CHECK_DEPART_S)} (EPSG:4326)"))
    from optimizer.outputs.network_map import network_map

    network_map(net, rep, iso, (unit_id, unit_name, unit_ll), result.out_dir / "maps" /
                "network.html", tiles=scenario.outputs.tiles,
                title_zh=f"{scenario.title_zh or scenario.name}：岛屿连通与可达性",
                title_en=f"{scenario.title_en or scenario.name}: island links and reachability",
                synthetic=SYNTHETIC_NOTE in result.notes)
    result.files.append(("maps/network.html",
                         "地图：岛屿连通、等时圈、码头与航线 Map: island links, isochrones, piers, "
                         "ferry routes"))
    reach = named["earliest_arrival_s"].apply(math.isfinite)
    result.kpis["network"] = {
        "nodes": G.number_of_nodes(),
        "edges": G.number_of_edges(),
        "road_source": G.graph.get("road_source"),
        "approximate_roads": bool(G.graph.get("approximate_roads")),
        "sailings_today": len(net.timetable.sailings),
        "sailings_suspended": len(net.timetable.suspended_sailings),
        "sailings_estimated": sum(s.is_estimate for s in net.timetable.sailings),
        "islands_named": int(len(named)),
        "islands_reachable": int(reach.sum()),
        "islands_unreachable": sorted(named.loc[~reach, "name_zh"].astype(str)),
        "journeys_to_unit_reachable": int((journeys["arrive"] != "").sum()),
        "isochrone_area_km2": {int(r.threshold_min): round(float(r.area_km2), 1)
                               for r in iso.itertuples()},
    }


def _data_path(scenario: Scenario, given: Path | None, name: str) -> Path:
    from optimizer.datasets import get_path

    if given is not None:
        return Path(given)
    if scenario.dataset is not None:
        return Path(scenario.dataset) / name
    return get_path(f"putuo/{name}")


def _dialysis_params(scenario: Scenario):
    """The scenario's ``dialysis:`` section as :class:`DialysisParams` (until the schema holds the
    class itself)."""
    from optimizer.services.dialysis import DialysisParams, ExtraVehicle

    sec = scenario.dialysis
    try:
        return DialysisParams(**sec.model_dump(exclude={"extra_vehicles"}),
                              extra_vehicles=tuple(ExtraVehicle(**v) for v in sec.extra_vehicles))
    except ValueError as exc:
        raise InputError(str(exc), file=str(scenario.source_files[-1]) if scenario.source_files
                         else None, field="dialysis.extra_vehicles") from None


def _dialysis_data(scenario: Scenario, islands):
    from optimizer.datasets import get_path
    from optimizer.services.base import DataContext

    dataset = Path(scenario.dataset) if scenario.dataset else get_path("putuo")
    return DataContext(dataset=dataset, islands=islands, date=scenario.date)


def _dialysis_outputs(net: Network, scenario: Scenario, result: RunResult) -> str:
    """Plan the day's dialysis rides; dispatcher files under ``dispatch/`` (personal data),
    de-identified tables under ``dialysis/``. Returns the plan's status."""
    from optimizer.services.base import PlanContext, WriteContext
    from optimizer.services.dialysis import SERVICE
    from optimizer.solvers.params import SolverParams

    params = _dialysis_params(scenario)
    inputs = SERVICE.load(params, _dialysis_data(scenario, net.islands))
    solver = SolverParams(time_limit_s=scenario.solver.time_limit_s, seed=scenario.solver.seed,
                          workers=scenario.solver.workers)
    plan = SERVICE.plan(inputs, params, PlanContext(network=net, solver=solver,
                                                    date=scenario.date))
    ctx = WriteContext(network=net, languages=tuple(scenario.outputs.languages),
                       tiles=scenario.outputs.tiles,
                       title_zh=scenario.title_zh or scenario.name,
                       title_en=scenario.title_en or scenario.name, notes=tuple(net.notes))
    files = SERVICE.write(plan, result.out_dir, ctx)
    result.files += [(f.path, f.description) for f in files]
    result.kpis["dialysis"] = {k: _tidy(v) if not isinstance(v, dict) else v
                               for k, v in plan.kpis.items()}
    seen = {n.split(" ")[0] for n in result.notes}  # same Chinese label = same note
    result.notes.extend(str(n) for n in plan.notes if str(n).split(" ")[0] not in seen)
    return str(plan.status)


def _meals_outputs(net: Network, scenario: Scenario, result: RunResult) -> str:
    """Coverage, siting and rounds through the meal service's contract; publishable tables under
    ``meals/``, the coverage map under ``maps/``. Returns the siting status."""
    from optimizer.services.base import PlanContext, WriteContext
    from optimizer.services.meals import SERVICE

    params = _meals_params(scenario)
    inputs = SERVICE.load(params, _data_context(scenario, net.islands))
    meals = SERVICE.plan(inputs, params, PlanContext(network=net, solver=_meals_solver(scenario),
                                                     date=scenario.date))
    files = SERVICE.write(meals, result.out_dir,
                          WriteContext(network=net, tiles=scenario.outputs.tiles,
                                       notes=net.notes))
    result.files += [(f.path, f.description) for f in files]
    result.kpis["meals"] = {k: _tidy(v) if not isinstance(v, (dict, list, tuple)) else v
                            for k, v in meals.kpis.items()}
    seen = {n.split(" ")[0] for n in result.notes}
    result.notes.extend(str(n) for n in meals.notes if str(n).split(" ")[0] not in seen)
    return str(meals.siting.status) if meals.siting is not None else "no siting"


def _meals_params(scenario: Scenario) -> Any:
    """The scenario's ``meals:`` section as :class:`~optimizer.services.meals.MealsParams`."""
    from optimizer.services.meals import MealsParams

    return MealsParams(**scenario.meals.model_dump())


def _meals_solver(scenario: Scenario) -> Any:
    """The scenario's solver limits; ``stop="time"`` keeps the lunch rounds time-limited as
    before until the runner passes the scenario's own :class:`SolverParams`."""
    from optimizer.solvers.params import SolverParams

    sv = scenario.solver
    return SolverParams(time_limit_s=sv.time_limit_s, seed=sv.seed, workers=sv.workers,
                        stop="time")


def _data_context(scenario: Scenario, islands: Any) -> Any:
    from optimizer.datasets import get_path
    from optimizer.services.base import DataContext

    dataset = Path(scenario.dataset) if scenario.dataset else get_path("putuo")
    return DataContext(dataset=dataset, islands=islands, date=scenario.date,
                       scenario_file=str(scenario.source_files[-1]) if scenario.source_files
                       else "")


def _tidy(v: Any) -> Any:
    """KPI value for reports: whole numbers as int, other floats to 1 decimal."""
    if isinstance(v, bool) or isinstance(v, (int, str)):
        return v
    try:
        f = float(v)
    except (TypeError, ValueError):
        return str(v)
    if not math.isfinite(f):
        return None
    return int(f) if f.is_integer() else round(f, 1)


def _finish(result: RunResult) -> None:
    from optimizer.outputs.manifest import input_hashes, write_manifest
    from optimizer.outputs.report import write_index, write_summary

    sc = result.scenario
    inputs = [*sc.source_files]
    if sc.dataset:
        inputs.append(Path(sc.dataset))
    write_summary(result)
    write_manifest(result.out_dir / "manifest.json",
                   inputs=input_hashes(inputs, root=Path.cwd()),
                   params=json.loads(sc.model_dump_json()), steps=result.steps)
    result.files.append(("manifest.json", "运行清单 Run manifest: input hashes, versions, seed"))
    write_index(result)


def validate_scenario(path: str | Path) -> str:
    """Validate a scenario file and the data it names (the ``optimizer validate`` command).

    Returns
    -------
    str
        A short report of what was checked.

    Raises
    ------
    optimizer.errors.ScenarioError
        On schema errors.
    optimizer.errors.InputError
        On data errors (file, row, field named).
    """
    sc = load_scenario(path)
    from optimizer.datasets import get_path
    from optimizer.io.gtfs import read_gtfs
    from optimizer.network.ferries import timetable_for_date
    from optimizer.network.islands import load_islands

    dataset = Path(sc.dataset) if sc.dataset else get_path("putuo")
    feed = read_gtfs(sc.ferries.gtfs or dataset / "ferries" / "gtfs")
    tt = timetable_for_date(feed, sc.date, suspended_routes=sc.ferries.suspended_routes)
    lines = [f"ok: {Path(path)} (scenario {sc.name!r}, date {sc.date})",
             f"  files: {', '.join(str(f) for f in sc.source_files)}",
             f"  ferries: {len(feed.trips)} trips, {len(tt.sailings)} sailings on {sc.date}, "
             f"{len(tt.suspended_sailings)} suspended"]
    islands = load_islands(dataset / "islands" / "putuo_islands_gshhg.geojson")
    if sc.network.fixed_links:
        from optimizer.network.build import scenario_bridges

        links = scenario_bridges(islands, sc.network.fixed_links)
        lines.append("  fixed links: " + "; ".join(
            f"{b.name} ({b.island_a}–{b.island_b})" for b in links))
    if sc.dialysis.enabled:
        from optimizer.services.dialysis import SERVICE

        inputs = SERVICE.load(_dialysis_params(sc), _dialysis_data(sc, islands))
        lines.append(f"  dialysis: {len(inputs.patients)} patients, {len(inputs.units)} units, "
                     f"{len(inputs.vehicles)} vehicles")
    if sc.meals.enabled:
        from optimizer.services.meals import SERVICE

        meals = SERVICE.load(_meals_params(sc), _data_context(sc, islands))
        lines.append(f"  meals: {len(meals.demand)} demand points, {len(meals.canteens)} "
                     f"canteens, {len(meals.candidates)} candidate sites"
                     + (f", candidates to open {list(sc.meals.open_candidates)}"
                        if sc.meals.open_candidates else ""))
    return "\n".join(lines)


def _scenario_network(path: str | Path) -> Network:
    sc = load_scenario(path)
    return build_network(sc.network, sc.ferries, date=sc.date, dataset=sc.dataset, name=sc.name)


def _lonlat(text: str, field: str) -> tuple[float, float]:
    try:
        lon, lat = (float(v) for v in text.split(","))
    except ValueError:
        raise InputError(f"{text!r} is not 'lon,lat' (degrees, EPSG:4326)", field=field) from None
    return lon, lat


def journey_text(path: str | Path, from_lonlat: str, to_lonlat: str, depart: str, mode: str,
                 ferry_access: str) -> str:
    """Earliest-arrival journey as text (the ``optimizer journey`` command)."""
    from optimizer.network.journey import journey_from_points

    net = _scenario_network(path)
    j = journey_from_points(net.G, net.timetable, _lonlat(from_lonlat, "--from"),
                            _lonlat(to_lonlat, "--to"), parse_clock(depart, field="--depart"),
                            islands=net.islands, travel_mode=mode, ferry_access=ferry_access,
                            boarding_buffer_s=net.boarding_buffer_s)
    return "\n".join([j.summary(), *[f"  note: {n}" for n in net.notes]])


def islands_text(path: str | Path, depart: str) -> str:
    """Island diagnostics as a text table (the ``optimizer islands`` command)."""
    from optimizer.network.diagnostics import island_report

    net = _scenario_network(path)
    df = island_report(net, depart_s=parse_clock(depart, field="--depart"), named_only=True)
    cols = ["island_id", "name_zh", "status", "land_linked_islands", "ferry_linked_islands",
            "reachability"]
    return df[cols].to_string(index=False) + "\n" + "\n".join(f"note: {n}" for n in net.notes)
