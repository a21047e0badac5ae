"""Command-line interface: a thin typer layer over the library.

Exit codes: 0 success; 1 infeasible or solver failure; 2 bad input (scenario, data files).
Every command is also callable in-process through :func:`main` (used by the tests).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Optional

import typer

from optimizer.errors import InputError, OptimizerError

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Island logistics optimizer (海岛民政服务物流优化): networks, dialysis rides, canteen coverage.",
)


def _solver_overrides(seed: int | None, time_limit_s: float | None) -> dict:
    """CLI flags as scenario overrides (same key names as the ``solver:`` block)."""
    solver: dict = {}
    if seed is not None:
        solver["seed"] = seed
    if time_limit_s is not None:
        solver["time_limit_s"] = time_limit_s
    return {"solver": solver} if solver else {}


def _fail(exc: Exception) -> None:
    code = 2 if isinstance(exc, InputError) else 1
    typer.secho(f"error: {exc}", fg=typer.colors.RED, err=True)
    raise typer.Exit(code)


@app.command()
def validate(scenario: Path = typer.Argument(..., help="Scenario YAML file.")) -> None:
    """Check a scenario file and the data it names; print what is wrong, exit 2 if anything is."""
    from optimizer.scenario.run import validate_scenario

    try:
        report = validate_scenario(scenario)
    except OptimizerError as exc:
        _fail(exc)
    typer.echo(report)


@app.command()
def run(
    scenario: Path = typer.Argument(..., help="Scenario YAML file."),
    out: Path = typer.Option(..., "--out", help="Output folder (created)."),
    seed: Optional[int] = typer.Option(None, "--seed", help="Override solver.seed."),
    time_limit_s: Optional[float] = typer.Option(
        None, "--time-limit-s", help="Override solver.time_limit_s (seconds)."
    ),
) -> None:
    """Run one scenario and write every output into OUT."""
    from optimizer.scenario.run import run_scenario
    from optimizer.scenario.schema import load_scenario

    try:
        sc = load_scenario(scenario, overrides=_solver_overrides(seed, time_limit_s))
        result = run_scenario(sc, out, progress=lambda msg: typer.echo(f"· {msg}", err=True))
    except OptimizerError as exc:
        _fail(exc)
    typer.echo(f"done: {result.summary_line()}")
    typer.echo(f"open {Path(out) / 'index.html'}")


@app.command()
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
    from optimizer.scenario.compare import compare_runs
    from optimizer.scenario.run import run_scenario
    from optimizer.scenario.schema import load_scenario

    overrides = _solver_overrides(seed, time_limit_s)
    try:
        scs = [load_scenario(s, overrides=overrides) for s in (scenario_a, scenario_b)]
        if scs[0].name == scs[1].name:
            raise InputError(f"both scenarios are named {scs[0].name!r}; give them different "
                             "names", file=str(scenario_b), field="name")
        dirs = []
        for sc in scs:
            typer.echo(f"== {sc.name}", err=True)
            run_scenario(sc, out / sc.name, progress=lambda msg: typer.echo(f"· {msg}", err=True))
            dirs.append(out / sc.name)
        table = compare_runs(dirs[0], dirs[1], out)
    except OptimizerError as exc:
        _fail(exc)
    changed = table[~table["difference"].isin(["", "0"])]
    typer.echo(f"done: {len(changed)} of {len(table)} KPIs differ")
    typer.echo(f"open {out / 'index.html'}")


@app.command()
def journey(
    scenario: Path = typer.Argument(..., help="Scenario YAML file (network, ferries, date)."),
    from_lonlat: str = typer.Option(..., "--from", help="Origin 'lon,lat' (WGS84)."),
    to_lonlat: str = typer.Option(..., "--to", help="Destination 'lon,lat' (WGS84)."),
    depart: str = typer.Option("06:30", "--depart", help="Departure clock time HH:MM."),
    mode: str = typer.Option("car", "--mode", help="car, ebike or walk."),
    ferry_access: str = typer.Option("foot", "--ferry-access", help="foot or vehicle."),
) -> None:
    """Earliest arrival from A to B at a departure time, with sailings and waits itemised."""
    from optimizer.scenario.run import journey_text

    try:
        typer.echo(journey_text(scenario, from_lonlat, to_lonlat, depart, mode, ferry_access))
    except OptimizerError as exc:
        _fail(exc)


@app.command()
def islands(
    scenario: Path = typer.Argument(..., help="Scenario YAML file."),
    depart: str = typer.Option("08:00", "--depart", help="Clock time for the reachability check."),
) -> None:
    """Island diagnostics: road/bridge groups, ferry-only islands, islands unreachable at a time."""
    from optimizer.scenario.run import islands_text

    try:
        typer.echo(islands_text(scenario, depart))
    except OptimizerError as exc:
        _fail(exc)


def main(argv: list[str] | None = None) -> int:
    """Run the CLI in-process and return its exit code (for tests and ``python -m optimizer``)."""
    try:
        rv = app(args=argv if argv is not None else sys.argv[1:], standalone_mode=False)
    except typer.Exit as exc:
        return int(exc.exit_code or 0)
    except SystemExit as exc:  # pragma: no cover - click may still exit
        return int(exc.code or 0)
    except Exception as exc:
        # click's usage errors: from click itself, or from the copy typer >= 0.2x vendors
        # (typer._click), which is not importable as ``click``; both have show() and exit_code
        if callable(getattr(exc, "show", None)) and isinstance(getattr(exc, "exit_code", None),
                                                                int):
            exc.show()
            return 2
        raise
    # with standalone_mode=False click returns the code of a typer.Exit instead of raising
    return rv if isinstance(rv, int) else 0
