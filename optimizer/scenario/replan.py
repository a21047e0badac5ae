"""``optimizer replan RUN_DIR EVENTS.yaml --at HH:MM --out DIR``: re-plan a run's dialysis day.

Steps (:func:`replan_run`):

1. read the events file strictly (:func:`read_events`: unknown keys and kinds refused with the
   line, the event's position and the field);
2. the run's scenario and seed from its ``manifest.json``; the inputs' hashes recorded there
   are checked against the files today (a changed input is refused: the plan would not be the
   run's);
3. the dialysis inputs and the network of the day, the day's legs rebuilt, the run's plan read
   back from ``dispatch/route_stops.csv``
   (:func:`optimizer.services.dialysis.replan_day.read_plan`);
4. the events applied, the past frozen at ``--at``, the rest re-planned
   (:func:`optimizer.services.dialysis.replan.replan_day`) and checked;
5. written into DIR (complete or absent, like a run folder): ``dispatch/`` the new route sheets
   and the change list ``changes.csv`` / ``changes.html`` (names and phones: dispatcher only),
   ``replan.json`` (figures, no personal data) and ``manifest.json``.

Events file
-----------
.. code-block:: yaml

    events:
      - type: cancel            # patient, trip: out | ret | both (default both)
        patient: DP041
        trip: ret
      - type: session_late      # patient (or unit + session_end), minutes
        patient: DP127
        minutes: 40
      - type: sailing_delayed   # pier (stop id or name), departure, route (optional), minutes
        pier: P_LH_DAAO
        departure: "09:50"
        minutes: 30
      - type: sailing_cancelled # pier, departure, route (optional)
      - type: no_show           # patient, trip: out | ret (default out)
      - type: vehicle_out       # vehicle, from: HH:MM
      - type: urgent_request    # patient, direction: out | ret, earliest, latest (HH:MM)
"""

from __future__ import annotations

import datetime as dt
import json
import time
from pathlib import Path
from typing import Annotated, Any, Literal, Union

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from optimizer.errors import InputError, ScenarioError
from optimizer.scenario.yaml_io import key_lines, key_path, load_yaml
from optimizer.services.dialysis.replan_events import EVENT_KINDS, Event
from optimizer.units import hhmm, parse_clock

__all__ = ["ReplanOutcome", "read_events", "replan_run"]


class _Ev(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


def _clock(v: Any) -> int:
    if not isinstance(v, str):
        raise ValueError(f"write the time as text in quotes, e.g. '07:30' (got {v!r})")
    return parse_clock(v)


class _Cancel(_Ev):
    type: Literal["cancel"]
    patient: str
    trip: Literal["out", "ret", "both"] = "both"


class _NoShow(_Ev):
    type: Literal["no_show"]
    patient: str
    trip: Literal["out", "ret"] = "out"


class _SessionLate(_Ev):
    type: Literal["session_late"]
    patient: str | None = None
    unit: str | None = None
    session_end: str | None = None
    minutes: float = Field(gt=0, le=720)

    _c = field_validator("session_end")(lambda v: None if v is None else hhmm(_clock(v)))


class _SailingDelayed(_Ev):
    type: Literal["sailing_delayed"]
    pier: str
    departure: str
    route: str | None = None
    minutes: float = Field(gt=0, le=720)

    _c = field_validator("departure")(lambda v: hhmm(_clock(v)))


class _SailingCancelled(_Ev):
    type: Literal["sailing_cancelled"]
    pier: str
    departure: str
    route: str | None = None

    _c = field_validator("departure")(lambda v: hhmm(_clock(v)))


class _VehicleOut(_Ev):
    type: Literal["vehicle_out"]
    vehicle: str
    from_: str = Field(alias="from")

    _c = field_validator("from_")(lambda v: hhmm(_clock(v)))


class _Urgent(_Ev):
    type: Literal["urgent_request"]
    patient: str
    direction: Literal["out", "ret"]
    earliest: str
    latest: str

    _c = field_validator("earliest", "latest")(lambda v: hhmm(_clock(v)))


_ANY = Annotated[Union[_Cancel, _NoShow, _SessionLate, _SailingDelayed, _SailingCancelled,
                       _VehicleOut, _Urgent], Field(discriminator="type")]


class _EventsFile(_Ev):
    events: list[_ANY]


def _where(err: dict[str, Any], lines: dict[tuple[Any, ...], int]) -> tuple[int | None, str]:
    loc = tuple(err["loc"])
    if len(loc) >= 3 and loc[0] == "events" and loc[2] in EVENT_KINDS:
        loc = loc[:2] + loc[3:]  # the tagged-union member is not a key of the file
    loc = tuple("from" if x == "from_" else x for x in loc)
    line = None
    for n in range(len(loc), 0, -1):
        if loc[:n] in lines:
            line = lines[loc[:n]]
            break
    return line, key_path(loc)


def read_events(path: str | Path) -> list[Event]:
    """Read an events file (see the module docs).

    Parameters
    ----------
    path
        The YAML file.

    Returns
    -------
    list of Event
        In file order, each with its position and line.

    Raises
    ------
    optimizer.errors.ScenarioError
        Naming the file, the line and the key path (``events[1].minutes``) of every problem:
        unknown keys or event types, missing fields, bad clock times or numbers.
    """
    p = Path(path)
    raw = load_yaml(p)
    lines = key_lines(p)
    try:
        parsed = _EventsFile.model_validate(raw)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            line, key = _where(err, lines)
            what = str(err["msg"]).removeprefix("Value error, ")
            if err["type"] == "extra_forbidden":
                what = "unknown key"
            elif err["type"] == "union_tag_invalid":
                what = f"unknown event type; expected one of {', '.join(EVENT_KINDS)}"
            problems.append((line or 0, f"line {line}, key '{key}': {what}"))
        problems.sort()
        first_key = problems[0][1].split("key '")[1].split("'")[0]
        text = "; ".join(t for _, t in problems)
        raise ScenarioError(f"{len(problems)} problem(s) in the events file: {text}",
                            file=str(p), field=first_key) from None
    return [_event(e, k, lines.get(("events", k)), str(p)) for k, e in enumerate(parsed.events)]


def _event(e: Any, k: int, line: int | None, file: str) -> Event:
    d = e.model_dump()
    clock = {name: float(parse_clock(d[name])) if d.get(name) else None
             for name in ("session_end", "departure", "from_", "earliest", "latest")}
    return Event(kind=e.type, index=k, line=line, file=file, patient=d.get("patient") or "",
                 trip=d.get("trip") or "", unit=d.get("unit") or "",
                 session_end_s=clock["session_end"], minutes=float(d.get("minutes") or 0.0),
                 pier=d.get("pier") or "", departure_s=clock["departure"],
                 route=d.get("route") or "", vehicle=d.get("vehicle") or "",
                 from_s=clock["from_"], direction=d.get("direction") or "out",
                 earliest_s=clock["earliest"], latest_s=clock["latest"])


# ----------------------------------------------------------------------------- the command
class ReplanOutcome(BaseModel):
    """What :func:`replan_run` did (figures only, no personal data)."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    out_dir: Path
    at: str
    files: list[Any]
    figures: dict[str, Any]
    violations: int
    runtime_s: float

    def summary_line(self) -> str:
        """One line for the terminal."""
        f = self.figures
        return (f"re-plan at {self.at}: {f['trips_served']} trips served "
                f"(plan: {f['trips_served_before']}), {f['changes']} change(s) to call, "
                f"checker violations: {self.violations}; {len(self.files)} files in "
                f"{self.out_dir}")


def _manifest(run_dir: Path) -> dict[str, Any]:
    path = run_dir / "manifest.json"
    if not path.is_file():
        raise InputError(f"{path} not found: RUN_DIR must be a folder written by 'optimizer "
                         "run'", file=str(path))
    return json.loads(path.read_text(encoding="utf-8"))


def _find(key: str, roots: list[Path]) -> Path | None:
    p = Path(key)
    if p.is_absolute():
        return p if p.is_file() else None
    return next((r / p for r in roots if (r / p).is_file()), None)


def check_inputs(manifest: dict[str, Any], scenario_file: Path) -> None:
    """Refuse a re-plan when an input the run recorded (``manifest.json`` ``inputs``: SHA-256
    by path) differs today or is gone.

    Raises
    ------
    optimizer.errors.InputError
        Naming the changed files (field ``inputs``).
    """
    from optimizer.outputs.manifest import sha256_file

    roots = [Path.cwd(), *scenario_file.resolve().parents[:4]]
    bad = []
    for key, digest in manifest.get("inputs", {}).items():
        f = _find(key, roots)
        if f is None:
            bad.append(f"{key} (missing)")
        elif sha256_file(f) != digest:
            bad.append(f"{key} (changed)")
    if bad:
        raise InputError(f"the inputs changed since the run, so its plan cannot be rebuilt: "
                         f"{', '.join(bad[:5])}" + (f" and {len(bad) - 5} more" if len(bad) > 5
                                                    else "") + "; re-run the scenario first",
                         file=str(scenario_file), field="inputs")


def _original_unserved(run_dir: Path) -> dict[str, tuple[str, str]]:
    path = run_dir / "dispatch" / "route_unserved.csv"
    if not path.is_file():
        return {}
    df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    return {r.trip_id: (r.code, r.detail) for r in df.itertuples(index=False)}


def replan_run(run_dir: str | Path, events_file: str | Path, at: str, out_dir: str | Path, *,
               time_limit_s: float = 1.0) -> ReplanOutcome:
    """Re-plan a run's dialysis day from ``at`` with the events (see the module docs).

    Parameters
    ----------
    run_dir
        A run folder of ``optimizer run`` (dialysis on).
    events_file
        The events (YAML).
    at
        The re-plan time ``HH:MM``: everything started by then is kept.
    out_dir
        New, empty, or an earlier output of this tool (replaced whole); never ``run_dir``.
    time_limit_s
        Budget of each solve (work mode: the work it stands for), seconds.

    Returns
    -------
    ReplanOutcome

    Raises
    ------
    optimizer.errors.InputError
        A bad events file or ``--at``, an event naming an unknown patient, vehicle or sailing,
        or one the past makes impossible, changed inputs, or a bad ``out_dir``.
    """
    t0 = time.perf_counter()
    run = Path(run_dir)
    events = read_events(events_file)
    at_s = parse_clock(at, field="--at")
    from optimizer.scenario.outdir import check_target, staged_folder

    target = check_target(out_dir)
    if target.resolve() == run.resolve():
        raise InputError("--out must not be the run folder itself (it would be replaced)",
                         field="--out")
    day0, original, applied, rp, network_ctx = _replan(run, events, at_s, time_limit_s)
    from optimizer.services.dialysis.replan_changes import as_plan, change_list

    plan = as_plan(rp)
    changes = change_list(rp, original, day0)
    figures = _figures(plan, original, changes, rp, at_s, events)
    with staged_folder(target) as tmp:
        files = _write(tmp, plan, changes, figures, network_ctx)
        runtime = round(time.perf_counter() - t0, 2)
        files += _write_manifest(tmp, run, Path(events_file), at, runtime, rp)
    return ReplanOutcome(out_dir=target, at=hhmm(at_s), files=files, figures=figures,
                         violations=len(rp.violations), runtime_s=runtime)


def _replan(run: Path, events: list[Event], at_s: float, time_limit_s: float):
    from optimizer.network.build import build_network
    from optimizer.scenario.registry import SERVICES
    from optimizer.scenario.run import data_context
    from optimizer.scenario.schema import load_scenario
    from optimizer.services.dialysis.replan import replan_day
    from optimizer.services.dialysis.replan_day import build_day, read_plan
    from optimizer.services.dialysis.replan_events import apply_events

    man = _manifest(run)
    src = Path(man["params"]["source_files"][-1])
    check_inputs(man, src)
    sc = load_scenario(src, overrides={"solver": man["params"]["solver"]})
    if not sc.dialysis.enabled:
        raise InputError("the run's scenario has the dialysis service off: nothing to re-plan",
                         file=str(src), field="dialysis.enabled")
    ctx = data_context(sc)
    svc = next(s for s in SERVICES if s.name == "dialysis")
    inputs = svc.load(sc.dialysis, ctx)
    net = build_network(sc.network, sc.ferries, date=sc.date, dataset=ctx.dataset, name=sc.name)
    pats = {p.patient_id: p for p in inputs.patients}
    urgent = [pats[e.patient] for e in events if e.kind == "urgent_request" and e.patient in pats]
    day0 = build_day(inputs, net, sc.dialysis, sc.date, extra_patients=urgent)
    original = read_plan(run, day0)
    piers = {pl.place_id: pl.name for pl in day0.m.places if pl.place_type == "pier"}
    applied = apply_events(events, day0.trips, inputs.patients,
                           [v.vehicle_id for v in inputs.vehicles], net.timetable, piers,
                           sc.dialysis, sc.date)
    rp = replan_day(day0, original, applied, at_s, network=net, solver=sc.solver,
                    time_limit_s=time_limit_s, original_unserved=_original_unserved(run))
    return day0, original, applied, rp, (sc, net)


def _figures(plan: Any, original: Any, changes: pd.DataFrame, rp: Any, at_s: float,
             events: list[Event]) -> dict[str, Any]:
    before = {s.request_id.split(":")[0] for r in original.routes for s in r.stops
              if s.request_id}
    by_reason: dict[str, int] = {}
    for u in plan.unserved:
        by_reason[u.code] = by_reason.get(u.code, 0) + 1
    return {"at": hhmm(at_s), "date": str(plan.date),
            "events": [{"event": e.index + 1, "type": e.kind} for e in events],
            "trips": len(plan.trips), "trips_served_before": len(before),
            "trips_served": len(plan.trip_summary), "changes": len(changes),
            "changes_by_kind": {k: int(v) for k, v in sorted(
                changes["change"].str.split(";").explode().value_counts().items())}
            if len(changes) else {},
            "unserved_by_reason": dict(sorted(by_reason.items())),
            "solve": rp.phase, "checker_violations": len(rp.violations)}


def _write(tmp: Path, plan: Any, changes: pd.DataFrame, figures: dict[str, Any],
           network_ctx: Any) -> list[Any]:
    from optimizer.outputs.replan import write_replan
    from optimizer.services.base import OutputFile

    sc, net = network_ctx
    files = write_replan(plan, changes, tmp, languages=tuple(sc.outputs.languages),
                         title=f"{sc.title_zh or sc.name} · {sc.title_en or sc.name} · 重新排班 "
                               f"re-plan {figures['at']}", notes=net.notes)
    (tmp / "replan.json").write_text(json.dumps(figures, ensure_ascii=False, indent=2),
                                     encoding="utf-8")
    files.append(OutputFile("replan.json", "重新排班主要数字（无个人信息）Re-plan figures "
                            "(no personal data)"))
    return files


def _write_manifest(tmp: Path, run: Path, events_file: Path, at: str, runtime_s: float,
                    rp: Any) -> list[Any]:
    from optimizer.outputs.manifest import TOOL, sha256_file
    from optimizer.services.base import OutputFile

    content = {"tool": TOOL, "command": "replan",
               "created_utc": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
               "run_dir": str(run.resolve()), "events": str(events_file.resolve()),
               "events_sha256": sha256_file(events_file), "at": at, "runtime_s": runtime_s,
               "searches": [r.to_dict() for r in rp.searches]}
    (tmp / "manifest.json").write_text(json.dumps(content, ensure_ascii=False, indent=2),
                                       encoding="utf-8")
    return [OutputFile("manifest.json", "运行清单 Re-plan manifest: run, events, time, searches")]
