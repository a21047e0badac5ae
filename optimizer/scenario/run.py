"""One scenario run: load every enabled service, build the network, plan, write, check, publish.

:func:`run_scenario` is what ``optimizer run`` calls; it is a loop over the registered services
(:mod:`optimizer.scenario.registry`), each behind the contract of :mod:`optimizer.services.base`:

1. **load** every enabled service (all input errors of all services, raised together, before
   anything is built or written; :func:`validate_scenario` stops here);
2. build the network of the date (roads, bridges, timetabled ferries);
3. **plan** and **write** each service into a staging folder; every file a service writes is
   listed from what its ``write`` returned;
4. scan every file outside ``dispatch/`` for personal data; write ``summary.json``/``.md``,
   ``manifest.json`` and ``index.html`` (which links every file);
5. move the staging folder into place (:mod:`optimizer.scenario.outdir`): the run folder is
   complete or absent, and an earlier run in it is replaced whole.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from optimizer.errors import ErrorCollector, InputError, OptimizerError
from optimizer.network.build import Network, build_network
from optimizer.io.provenance import combine_synthetic_notes
from optimizer.results import Note, SearchRecord, SolveStatus, merge_notes
from optimizer.scenario.outdir import check_target, staged_folder
from optimizer.scenario.registry import SERVICES
from optimizer.scenario.plausible import scenario_notes
from optimizer.scenario.schema import Scenario, load_scenario
from optimizer.services.base import DataContext, OutputFile, PlanContext, Service, WriteContext

__all__ = ["Loaded", "RunResult", "StepReport", "data_context", "load_services",
           "run_scenario", "tidy_kpis", "validate_scenario"]


@dataclass(frozen=True)
class Loaded:
    """One enabled service with its parameters and validated inputs."""

    service: Service
    params: Any
    inputs: Any


@dataclass
class StepReport:
    """What one step did: status, measured runtime (seconds), searches and files."""

    name: str
    title: str
    status: SolveStatus
    runtime_s: float = 0.0
    searches: tuple[SearchRecord, ...] = ()
    files: list[OutputFile] = field(default_factory=list)
    reason_codes: tuple[str, ...] = ()


@dataclass
class RunResult:
    """What a run produced.

    Attributes
    ----------
    scenario
        The validated scenario.
    out_dir
        The run folder (absolute).
    kpis
        Headline figures by step (``network`` and each service), JSON-serialisable.
    steps
        One :class:`StepReport` per service, in run order.
    notes
        Labels the run carries (network, synthetic data, each service's notes).
    files
        Every file in the run folder, as written (services' files, then the run's own).
    """

    scenario: Scenario
    out_dir: Path
    kpis: dict[str, dict[str, Any]] = field(default_factory=dict)
    steps: dict[str, StepReport] = field(default_factory=dict)
    notes: tuple[Note, ...] = ()
    files: list[OutputFile] = field(default_factory=list)

    @property
    def failed_steps(self) -> list[str]:
        """Services whose solver produced no plan at all (exit code 1)."""
        return [s.name for s in self.steps.values() if not s.status.produced_plan]

    @property
    def searches(self) -> list[SearchRecord]:
        """Every search of the run, in order."""
        return [r for s in self.steps.values() for r in s.searches]

    def summary_line(self) -> str:
        """A one-line summary for the terminal."""
        c = self.kpis.get("connectivity", {})
        isl = (f", {c['islands_reachable']}/{c['islands_named']} named islands reachable"
               if "islands_named" in c else "")
        return (f"{self.scenario.name}: {self.kpis.get('network', {}).get('nodes', '?')} nodes"
                f"{isl}, {len(self.files)} files in {self.out_dir}")


# ----------------------------------------------------------------------------- load
def data_context(sc: Scenario) -> DataContext:
    """Where the scenario's data is, with the island polygons loaded (fast: no network).

    Raises
    ------
    optimizer.errors.InputError
        If the dataset folder or its island polygons are missing.
    """
    from optimizer.datasets import get_path
    from optimizer.network.islands import load_islands

    dataset = Path(sc.dataset) if sc.dataset else get_path("putuo")
    if not dataset.is_dir():
        raise InputError(f"dataset folder {dataset} does not exist", field="dataset",
                         file=str(sc.source_files[-1]) if sc.source_files else None)
    islands = load_islands(dataset / "islands" / "putuo_islands_gshhg.geojson")
    return DataContext(dataset=dataset, islands=islands, date=sc.date,
                       scenario_file=str(sc.source_files[-1]) if sc.source_files else "",
                       sections={s.name: getattr(sc, s.name) for s in SERVICES})


def enabled_services(sc: Scenario) -> list[tuple[Service, Any]]:
    """(service, params) of every enabled service, in registry order."""
    out = []
    for svc in SERVICES:
        params = getattr(sc, svc.name)
        if getattr(params, "enabled", True):
            out.append((svc, params))
    return out


def check_ferry_date(sc: Scenario, ctx: DataContext) -> tuple[Any, Any]:
    """Read the scenario's ferry feed and refuse a date outside its calendar.

    Returns
    -------
    (Feed, FerryTimetable)
        The feed and the timetable of ``sc.date`` (suspended routes held apart).

    Raises
    ------
    optimizer.errors.InputError
        A bad feed, an unknown suspended route, or a date outside the feed's dates
        (:func:`optimizer.io.gtfs.check_service_date`: the message names the feed's validity;
        file = the scenario file, field ``date``).
    """
    from optimizer.io.gtfs import check_service_date, read_gtfs
    from optimizer.network.ferries import timetable_for_date

    feed = read_gtfs(sc.ferries.gtfs or ctx.dataset / "ferries" / "gtfs")
    check_service_date(feed, sc.date, file=ctx.scenario_file or None, field="date")
    return feed, timetable_for_date(feed, sc.date, suspended_routes=sc.ferries.suspended_routes)


def load_services(sc: Scenario, ctx: DataContext) -> list[Loaded]:
    """``load`` every enabled service and check the ferry date; all input problems of all
    services (and a date outside the ferry calendar) raised at once.

    Raises
    ------
    optimizer.errors.InputErrors
        Every problem found (file, row, id and field named), whichever service found it.
    """
    loaded, errs = [], ErrorCollector()
    with errs.collect():
        check_ferry_date(sc, ctx)
    for svc, params in enabled_services(sc):
        with errs.collect():
            loaded.append(Loaded(svc, params, svc.load(params, ctx)))
    errs.raise_if_any()
    return loaded


# ----------------------------------------------------------------------------- run
def _tidy(v: Any) -> Any:
    if isinstance(v, bool) or isinstance(v, (int, str)) or v is None:
        return v
    if isinstance(v, dict):
        return {str(k): _tidy(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_tidy(x) for x in v]
    try:
        f = float(v)
    except (TypeError, ValueError):
        return str(v)
    if not math.isfinite(f):
        return None
    return int(f) if f.is_integer() else round(f, 1)


def tidy_kpis(kpis: Any) -> dict[str, Any]:
    """KPIs for reports: whole numbers as ``int``, other numbers to 1 decimal, ``inf``/``nan``
    as ``None``, containers recursively, anything else as text (JSON-ready)."""
    return {str(k): _tidy(v) for k, v in dict(kpis).items()}


def network_kpis(net: Network) -> dict[str, Any]:
    """Size and timetable figures of the built network."""
    tt = net.timetable
    return {"nodes": net.G.number_of_nodes(), "edges": net.G.number_of_edges(),
            "road_source": net.G.graph.get("road_source"),
            "approximate_roads": net.approximate_roads,
            "sailings_today": len(tt.sailings), "sailings_suspended": len(tt.suspended_sailings),
            "sailings_estimated": sum(s.is_estimate for s in tt.sailings)}


def _plan_and_write(item: Loaded, sc: Scenario, net: Network, tmp: Path,
                    notes: tuple[Note, ...]) -> tuple[StepReport, Any]:
    svc = item.service
    t0 = time.perf_counter()
    res = svc.plan(item.inputs, item.params, PlanContext(network=net, solver=sc.solver,
                                                          date=sc.date))
    wctx = WriteContext(network=net, languages=tuple(sc.outputs.languages),
                        tiles=sc.outputs.tiles, title_zh=sc.title_zh or sc.name,
                        title_en=sc.title_en or sc.name, notes=notes)
    files = list(svc.write(res, tmp, wctx))
    step = StepReport(name=svc.name, title=svc.title, status=SolveStatus(res.status),
                      runtime_s=round(time.perf_counter() - t0, 2),
                      searches=tuple(res.searches), files=files,
                      reason_codes=tuple(sorted(res.reason_codes())))
    return step, res


def run_scenario(scenario: Scenario, out_dir: str | Path, *,
                 progress: Callable[[str], None] | None = None) -> RunResult:
    """Run a scenario and write every output into ``out_dir`` (see the module docs).

    Parameters
    ----------
    scenario
        A validated scenario (:func:`optimizer.scenario.schema.load_scenario`).
    out_dir
        The run folder: absent, empty, or an earlier run of this tool (replaced whole).
    progress
        Called with a short message at the start of each step.

    Returns
    -------
    RunResult
        Check :attr:`RunResult.failed_steps`: a service whose solver found no plan is listed
        there (its files still describe why).

    Raises
    ------
    optimizer.errors.InputError
        On bad data (every problem, file/row/field named) or a bad ``out_dir``; nothing is
        written then.
    optimizer.errors.PrivacyError
        If personal data would reach a published file; nothing is written then.
    optimizer.errors.OptimizerError
        On a network or solver failure; nothing is written then.
    """
    say = progress or (lambda _msg: None)
    target = check_target(out_dir)
    _check_road_source(scenario)
    say("inputs: reading and checking every file")
    ctx = data_context(scenario)
    loaded = load_services(scenario, ctx)
    say("network: roads, bridges, piers and the day's ferry timetable")
    t0 = time.perf_counter()
    net = build_network(scenario.network, scenario.ferries, date=scenario.date,
                        dataset=ctx.dataset, name=scenario.name)
    result = RunResult(scenario=scenario, out_dir=target,
                       notes=merge_notes(scenario_notes(scenario), net.notes))
    result.kpis["network"] = network_kpis(net)
    build_s = round(time.perf_counter() - t0, 2)
    with staged_folder(target) as tmp:
        for item in loaded:
            say(f"{item.service.title}")
            step, res = _plan_and_write(item, scenario, net, tmp, net.notes)
            result.steps[step.name] = step
            result.kpis[step.name] = tidy_kpis(res.kpis)
            result.notes = combine_synthetic_notes(merge_notes(result.notes, res.notes))
            result.files += step.files
        say("privacy check, summary, manifest and index")
        _finish(tmp, result, build_s)
        _check_privacy(tmp, result, loaded)  # after the summary: its notes are published too
    return result


def _check_privacy(tmp: Path, result: RunResult, loaded: list[Loaded]) -> None:
    from optimizer.outputs.privacy import assert_folder_publishable

    texts, points, owners, ids = [], [], {}, []
    for item in loaded:
        pd_ = item.service.personal_data(item.inputs)
        texts += pd_.texts
        points += pd_.points
        owners.update(pd_.owners)
        ids += pd_.ids
    on_disk = {p.relative_to(tmp).as_posix() for p in tmp.rglob("*") if p.is_file()}
    assert_folder_publishable(tmp, sorted(on_disk), texts=texts, points=points, owners=owners,
                              ids=ids)


def _finish(tmp: Path, result: RunResult, build_s: float) -> None:
    from optimizer.outputs.manifest import write_manifest
    from optimizer.outputs.report import write_index, write_summary

    result.files += write_summary(tmp, result)
    result.files += write_manifest(tmp, result, network_runtime_s=build_s)
    result.files += write_index(tmp, result)
    listed = {f.path for f in result.files}
    on_disk = {p.relative_to(tmp).as_posix() for p in tmp.rglob("*") if p.is_file()}
    if on_disk != listed:  # a writer forgot to return a file, or returned one it did not write
        raise OptimizerError(f"defect: the run folder and the writers' file lists differ (not "
                             f"listed {sorted(on_disk - listed)}, listed but missing "
                             f"{sorted(listed - on_disk)}); nothing was written")


# ----------------------------------------------------------------------------- validate
def _check_road_source(sc: Scenario) -> None:
    """An OSM road source needs an existing ``network.osm_path`` (checked before any run)."""
    net = sc.network
    if net.road_source == "osm" and (net.osm_path is None or not Path(net.osm_path).is_file()):
        raise InputError("road_source is 'osm' but network.osm_path "
                         + ("is not given" if net.osm_path is None else
                            f"{net.osm_path} is not a file") + "; give an OSM extract (.osm.pbf "
                         "or .osm)", file=str(sc.source_files[-1]) if sc.source_files else None,
                         field="network.osm_path")


def validate_matrix(path: str | Path, *, unit: str | None = None) -> str:
    """Check a user's travel-time matrix file (``optimizer validate FILE.csv --unit min``).

    Returns
    -------
    str
        ``ok: FILE (n x m, unit)`` and one line per no-path pair and per warning, by label.

    Raises
    ------
    optimizer.errors.InputError
        As :func:`optimizer.io.matrix.read_matrix` (every problem at once).
    """
    from optimizer.io.matrix import read_matrix

    m = read_matrix(path, unit=unit)
    lines = [f"ok: {Path(path)} ({len(m.row_labels)} x {len(m.col_labels)} travel times, read "
             f"in {m.unit}); {len(m.unreachable)} pair(s) with no path"]
    return "\n".join(lines + [f"  {line}" for line in m.report()])


def validate_scenario(path: str | Path) -> str:
    """Validate a scenario file and every input of every enabled service (``optimizer
    validate``): the same ``load`` as a run, no network built, nothing solved or written.

    Returns
    -------
    str
        A short report of what was checked: the scenario files, every data file read (with
        its encoding or format and, when not WGS-84, its coordinate system), the ferry day,
        and one line per service.

    Raises
    ------
    optimizer.errors.ScenarioError
        On schema errors (file and key path named).
    optimizer.errors.InputError
        On data errors (every problem, file, row and field named).
    """
    from optimizer.io.gtfs import feed_validity

    from optimizer.io.tables import recording_reads

    sc = load_scenario(path)
    ctx = data_context(sc)
    with recording_reads() as reads:
        loaded = load_services(sc, ctx)
    feed, tt = check_ferry_date(sc, ctx)
    validity = feed_validity(feed)
    _check_road_source(sc)
    lines = [f"ok: {Path(path)} (scenario {sc.name!r}, date {sc.date})",
             f"  scenario files: {', '.join(str(f) for f in sc.source_files)}",
             *(f"  data file: {r.describe()}" for r in reads.values()),
             f"  ferries ({sc.ferries.gtfs or ctx.dataset / 'ferries' / 'gtfs'}): "
             f"{len(feed.trips)} trips, {len(tt.sailings)} sailings on {sc.date}, "
             f"{len(tt.suspended_sailings)} suspended; calendar {validity.describe()}"
             + (" (nominal: not dates the operator published)" if validity.nominal else "")]
    if sc.network.fixed_links:
        from optimizer.network.build import scenario_bridges

        links = scenario_bridges(ctx.islands, sc.network.fixed_links)
        lines.append("  fixed links: " + "; ".join(
            f"{b.name} ({b.island_a}–{b.island_b})" for b in links))
    for item in loaded:
        describe = getattr(item.inputs, "describe", None)
        lines.append(f"  {item.service.name}: " + (describe() if callable(describe) else "ok"))
    lines += [f"  warning: {note.en}" for note in scenario_notes(sc)]
    lines += _input_warnings(loaded)
    return "\n".join(lines)


def _input_warnings(loaded: list[Loaded]) -> list[str]:
    """The data warnings the services' inputs carry (a home moved onto the shore, an island
    that disagrees with the point), as ``run`` reports them."""
    from optimizer.results import NoteKind

    seen: dict[str, None] = {}
    for item in loaded:
        for note in getattr(item.inputs, "notes", ()):
            if getattr(note, "kind", None) is NoteKind.DATA_WARNING:
                seen.setdefault(f"  warning: {note.en}")
    return list(seen)
