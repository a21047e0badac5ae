"""Command-line interface: a thin typer layer over the library.

Exit codes: **0** a plan was produced (unserved requests are listed in the outputs); **1** a
solver produced no plan at all, or the product refused to publish (privacy), or an internal
error (the traceback is saved to a file, never printed); **2** bad input: the scenario, a data
file or an option, with a message naming the file, row/key and field. Every command is also
callable in-process through :func:`main` (used by the tests).
"""

from __future__ import annotations

import re
import sys
import tempfile
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any, Optional

import typer

from optimizer.errors import InputError, OptimizerError, PrivacyError

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Island logistics optimizer (海岛民政服务物流优化): networks, dialysis rides, canteen coverage.",
)

EXIT_OK, EXIT_NO_PLAN, EXIT_BAD_INPUT = 0, 1, 2
"""Exit codes (see the module docs)."""


_ROLE = re.compile(r":(?:[a-z]+:)?[a-z]+:`~?(?:[^`<]*<)?([^`>]+)>?`")
_LITERAL = re.compile(r"``([^`]+)``")


def plain_help(doc: str | None) -> str:
    """A command's docstring as the help text a person reads in ``optimizer CMD --help``: reST
    roles (``:func:`a.b.f```) become the bare name, double-backtick literals 'quoted', and the
    lines of each paragraph are joined (typer prints docstring line breaks as they are).

    >>> plain_help("Read it (:func:`optimizer.io.matrix.read_matrix`):\\n``.csv`` files.")
    "Read it (optimizer.io.matrix.read_matrix): '.csv' files."
    """
    text = _LITERAL.sub(r"'\1'", _ROLE.sub(r"\1", doc or ""))
    paragraphs = [" ".join(p.split()) for p in re.split(r"\n\s*\n", text.strip())]
    return "\n\n".join(p for p in paragraphs if p)


def command(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Register ``fn`` as a CLI command whose help is :func:`plain_help` of its docstring (the
    docstring stays as written for the API docs)."""
    app.command(help=plain_help(fn.__doc__))(fn)
    return fn


def _solver_overrides(seed: int | None, time_limit_s: float | None,
                      workers: int | None = None) -> dict:
    """CLI flags as scenario overrides (same key names as the ``solver:`` block)."""
    solver = {k: v for k, v in (("seed", seed), ("time_limit_s", time_limit_s),
                                ("workers", workers)) if v is not None}
    return {"solver": solver} if solver else {}


def _fail(exc: Exception) -> None:
    code = EXIT_BAD_INPUT if isinstance(exc, InputError) and not isinstance(exc, PrivacyError) \
        else EXIT_NO_PLAN
    typer.secho(f"error: {exc}", fg=typer.colors.RED, err=True)
    raise typer.Exit(code)


def _progress(msg: str) -> None:
    typer.echo(f"· {msg}", err=True)


@command
def validate(scenario: Path = typer.Argument(..., help="Scenario YAML file (or a travel-time "
                                             "matrix .csv/.json)."),
             unit: Optional[str] = typer.Option(None, help="Unit of a matrix file: s or min "
                                             "(unless the file says it).")) -> None:
    """Check a scenario file and every input of every enabled service (the same checks as
    ``run``, in seconds, nothing solved or written); exit 2 listing every problem. A ``.csv`` or
    ``.json`` file is read as a travel-time matrix (:func:`optimizer.io.matrix.read_matrix`;
    scenarios do not take one yet): its no-path pairs and warnings are listed by label."""
    from optimizer.scenario.run import validate_matrix, validate_scenario

    try:
        if scenario.suffix.lower() in (".csv", ".json"):
            report = validate_matrix(scenario, unit=unit)
        else:
            report = validate_scenario(scenario)
    except OptimizerError as exc:
        _fail(exc)
    typer.echo(report)


def _report_run(result, out: Path) -> None:
    for f in result.files:
        typer.echo(f"  {f.path}" + ("  (内部 internal: personal data)" if f.personal else ""))
    typer.echo(f"done: {result.summary_line()}")
    typer.echo(f"open {out / 'index.html'}")
    cut = [r.name for r in result.searches if not r.reproducible]
    if cut:
        typer.secho(f"note: wall-clock cap cut {', '.join(cut)}; the result may differ on "
                    "another machine (manifest.json)", fg=typer.colors.YELLOW, err=True)
    if result.failed_steps:
        steps = ", ".join(f"{n} ({result.steps[n].status})" for n in result.failed_steps)
        typer.secho(f"error: no plan produced by {steps}; see {out / 'index.html'}",
                    fg=typer.colors.RED, err=True)
        raise typer.Exit(EXIT_NO_PLAN)


@command
def run(
    scenario: Path = typer.Argument(..., help="Scenario YAML file."),
    out: Path = typer.Option(..., "--out", help="Output folder: new, empty, or an earlier run "
                             "(replaced whole)."),
    seed: Optional[int] = typer.Option(None, "--seed", help="Override solver.seed."),
    time_limit_s: Optional[float] = typer.Option(
        None, "--time-limit-s", help="Override solver.time_limit_s (seconds)."),
    workers: Optional[int] = typer.Option(None, "--workers", help="Override solver.workers "
                                          "(processes; changes wall time, not the plan)."),
) -> None:
    """Run one scenario and write every output into OUT (complete or not at all)."""
    from optimizer.scenario.run import run_scenario
    from optimizer.scenario.schema import load_scenario

    try:
        sc = load_scenario(scenario, overrides=_solver_overrides(seed, time_limit_s, workers))
        result = run_scenario(sc, out, progress=_progress)
    except OptimizerError as exc:
        _fail(exc)
    _report_run(result, out)


@command
def compare(
    scenario_a: Path = typer.Argument(..., help="Scenario A (e.g. the baseline)."),
    scenario_b: Path = typer.Argument(..., help="Scenario B (the what-if)."),
    out: Path = typer.Option(..., "--out", help="Output folder: runs go to OUT/<name>, the "
                             "comparison to OUT/index.html."),
    seed: Optional[int] = typer.Option(None, "--seed", help="Override solver.seed in both."),
    time_limit_s: Optional[float] = typer.Option(None, "--time-limit-s",
                                                 help="Override solver.time_limit_s in both."),
) -> None:
    """Run two scenarios and compare them: KPIs side by side with differences, both maps."""
    from optimizer.scenario.compare import compare_scenarios

    try:
        table = compare_scenarios(scenario_a, scenario_b, out,
                                  overrides=_solver_overrides(seed, time_limit_s),
                                  progress=_progress)
    except OptimizerError as exc:
        _fail(exc)
    changed = table[~table["difference"].isin(["", "0"])]
    typer.echo(f"done: {len(changed)} of {len(table)} KPIs differ")
    typer.echo(f"open {out / 'index.html'}")


@command
def sweep(
    sweep_file: Path = typer.Argument(..., metavar="SWEEP.yaml", help="Sweep file: a base "
                                      "scenario and what varies (scenarios/sweeps/)."),
    out: Optional[Path] = typer.Option(None, "--out", help="Sweep folder: table, plots, one "
                                       "folder per variant; a rerun does only the variants not "
                                       "finished there (default: out/sweep-<file name>)."),
    scheduler: Optional[str] = typer.Option(None, "--scheduler", help="Address of a running "
                                            "Dask scheduler, tcp://HOST:PORT (default: an "
                                            "embedded local cluster)."),
    workers: Optional[int] = typer.Option(None, "--workers", help="Processes of the embedded "
                                          "cluster (default: CPUs)."),
) -> None:
    """Run a scenario over many variants on Dask: one table (Parquet, CSV) of every variant's
    values and KPIs, plots (PNG, HTML). Exit 1 if any variant failed or produced no plan (the
    others still run and are in the table); exit 2 on a bad sweep file or variant."""
    from optimizer.scenario.sweep import run_sweep

    out = out if out is not None else Path("out") / f"sweep-{sweep_file.stem}"
    try:
        res = run_sweep(sweep_file, out, scheduler=scheduler, workers=workers, say=_progress)
    except OptimizerError as exc:
        _fail(exc)
    st = res.stats
    typer.echo(f"done: {len(res.table)} variants ({st.cached} cached, {st.ran} run, "
               f"{len(res.failed)} failed or without a plan); table {out / 'sweep.csv'}")
    if any(f.name == "sweep.html" for f in res.files):
        typer.echo(f"open {out / 'sweep.html'}")
    for row in res.failed.itertuples():
        typer.secho(f"error: variant {row.variant} ({row.status}): {row.error or 'no plan'}; "
                    f"see {out / 'variants' / row.key}", fg=typer.colors.RED, err=True)
    if len(res.failed):
        raise typer.Exit(EXIT_NO_PLAN)


@command
def journey(
    scenario: Path = typer.Argument(..., help="Scenario YAML file (network, ferries, date)."),
    from_lonlat: str = typer.Option(..., "--from", help="Origin 'lon,lat' (WGS84)."),
    to_lonlat: str = typer.Option(..., "--to", help="Destination 'lon,lat' (WGS84)."),
    depart: str = typer.Option("06:30", "--depart", help="Departure clock time HH:MM."),
    mode: str = typer.Option("car", "--mode", help="car, ebike or walk."),
    ferry_access: str = typer.Option("foot", "--ferry-access", help="foot or vehicle."),
) -> None:
    """Earliest arrival from A to B at a departure time, with sailings and waits itemised."""
    from optimizer.scenario.queries import journey_text

    try:
        typer.echo(journey_text(scenario, from_lonlat, to_lonlat, depart, mode, ferry_access))
    except OptimizerError as exc:
        _fail(exc)


@command
def islands(
    scenario: Path = typer.Argument(..., help="Scenario YAML file."),
    depart: str = typer.Option("08:00", "--depart", help="Clock time for the reachability check."),
) -> None:
    """Island diagnostics: road/bridge groups, ferry-only islands, islands unreachable at a time."""
    from optimizer.scenario.queries import islands_text

    try:
        typer.echo(islands_text(scenario, depart))
    except OptimizerError as exc:
        _fail(exc)


@command
def access(
    scenario: Path = typer.Argument(..., help="Scenario YAML file (network, ferries, date, "
                                    "meals demand)."),
    facilities: str = typer.Argument(..., help="Facilities file (CSV/XLSX/GeoJSON: "
                                     "facility_id, name_zh, lon, lat …) or 'hospitals' for the "
                                     "embedded hospitals."),
    out: Path = typer.Option(..., "--out", help="Output folder: new, empty, or an earlier "
                             "output (replaced whole)."),
    mode: str = typer.Option("car", "--mode", help="car, ebike or walk."),
    depart: str = typer.Option("08:00", "--depart", help="Departure clock time HH:MM."),
    ferry_access: str = typer.Option("foot", "--ferry-access", help="foot (any sailing) or "
                                     "vehicle (car ferries only)."),
    coord_system: str = typer.Option("WGS-84", "--coord-system", help="Coordinate system of "
                                     "the facilities file (WGS-84, GCJ-02, BD-09) where a row "
                                     "has no coord_system."),
) -> None:
    """Travel time from every village and demand point to the nearest facility, leaving at a
    time, ferries included; a table per level, a summary by island and time band, a map."""
    from optimizer.scenario.access import run_access

    try:
        report, files = run_access(scenario, facilities, out, mode=mode, depart=depart,
                                   ferry_access=ferry_access, coord_system=coord_system,
                                   progress=_progress)
    except OptimizerError as exc:
        _fail(exc)
    for f in files:
        typer.echo(f"  {f.path}")
    k = report.kpis()
    typer.echo(f"done: {k['origins_reachable']} of {k['origins']} origins reach a facility; "
               f"{k['residents_within_30_min']} of {k['residents_60plus']} residents aged 60+ "
               f"within 30 min, {k['residents_unreachable']} cannot reach one today")
    typer.echo(f"open {out / 'access_map.html'}")


@command
def template(out_dir: Path = typer.Argument(..., metavar="DIR", help="Folder for the templates.")
             ) -> None:
    """Write blank templates (XLSX with a "说明 Guide" sheet, and CSV in UTF-8 with BOM) for
    every input table: patients, units, vehicles, elderly (by village and by point), canteens,
    candidate sites, needy households, offices, facilities."""
    from optimizer.scenario.scaffold import write_all_templates

    try:
        files = write_all_templates(out_dir)
    except OptimizerError as exc:
        _fail(exc)
    for f in files:
        typer.echo(f"  {f}")
    typer.echo(f"done: {len(files)} templates in {out_dir}")


@command
def init(out_dir: Path = typer.Argument(..., metavar="DIR", help="New or empty folder.")
         ) -> None:
    """Scaffold a scenario folder (scenario.yaml + input files with a few synthetic example
    rows) that `optimizer validate` accepts and `optimizer run` plans as written."""
    from optimizer.scenario.scaffold import init_scenario

    try:
        files = init_scenario(out_dir)
    except OptimizerError as exc:
        _fail(exc)
    for f in files:
        typer.echo(f"  {f}")
    typer.echo(f"next: optimizer validate {files[0]}")


def _internal_error(exc: BaseException) -> int:
    """Save the traceback of a defect to a file and print one line pointing at it."""
    fd, name = tempfile.mkstemp(prefix="optimizer-error-", suffix=".txt")
    with open(fd, "w", encoding="utf-8") as fh:
        fh.write("".join(traceback.format_exception(exc)))
    typer.secho(f"error: internal error ({type(exc).__name__}: {exc}); this is a defect, please "
                f"report it with {name}", fg=typer.colors.RED, err=True)
    return EXIT_NO_PLAN


def main(argv: list[str] | None = None) -> int:
    """Run the CLI in-process and return its exit code (for tests and ``python -m optimizer``)."""
    try:
        rv = app(args=argv if argv is not None else sys.argv[1:], standalone_mode=False)
    except typer.Exit as exc:
        return int(exc.exit_code or 0)
    except SystemExit as exc:  # pragma: no cover - click may still exit
        return int(exc.code or 0)
    except KeyboardInterrupt:
        typer.secho("interrupted; nothing was written", err=True)
        return 130
    except Exception as exc:
        # click's usage errors: from click itself, or from the copy typer >= 0.2x vendors
        # (typer._click), which is not importable as ``click``; both have show() and exit_code
        if callable(getattr(exc, "show", None)) and isinstance(getattr(exc, "exit_code", None),
                                                                int):
            exc.show()
            return EXIT_BAD_INPUT
        return _internal_error(exc)
    # with standalone_mode=False click returns the code of a typer.Exit instead of raising
    return rv if isinstance(rv, int) else 0


def entry() -> None:
    """Console-script entry point (``optimizer``): :func:`main` with its exit code."""
    raise SystemExit(main())
