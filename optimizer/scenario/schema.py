"""The scenario schema: what a planner writes in ``scenarios/*.yaml``, built from the parameters
the code itself declares.

A scenario names its data, its service date, its parameters, and optionally a ``base`` scenario
whose values it overrides (deep merge: a mapping merges key by key, anything else replaces). Its
sections are the parameter classes of the code, held as they are (defined once,
:mod:`optimizer.params`): ``network`` (:class:`~optimizer.network.params.NetworkParams`),
``ferries`` (:class:`~optimizer.network.params.FerryParams`), ``solver``
(:class:`~optimizer.solvers.params.SolverParams`), ``outputs`` (:class:`OutputParams`) and one
section per registered service (its ``Params``; :mod:`optimizer.scenario.registry`). So an empty
section equals the Python API's defaults, and a key the code does not declare is an error.

Every error names the file, the line and the key path (``dialysis.extra_vehicles[2].seats``); an
unknown or misspelt key is an error that suggests the closest valid key, and every problem of a
scenario and its base files is reported at once (pydantic validates every nesting level; each
file is validated on its own keys so that a problem names the file that wrote it). Values the
parameter classes accept but no planner means are refused or warned by
:mod:`optimizer.scenario.plausible`. Files may be UTF-8 (with or without BOM) or GBK/GB18030
(:func:`optimizer.scenario.yaml_io.read_text`). Clock times such as ``07:30`` are read as
clock times (seconds after midnight); paths are relative to the scenario file that wrote them.

Precedence (house style practice 11): built-in defaults < base scenario < scenario < CLI flags
(``--seed``, ``--time-limit-s``), with the same key names.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import difflib
import typing
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, ValidationError, create_model

from optimizer.errors import ScenarioError
from optimizer.network.params import FerryParams, NetworkParams
from optimizer.params import params
from optimizer.scenario.registry import SERVICES
from optimizer.scenario.plausible import refused
from optimizer.scenario.yaml_io import deep_merge, key_lines, key_path, load_yaml
from optimizer.solvers.params import SolverParams

__all__ = ["OutputParams", "Scenario", "explain", "key_path", "load_scenario", "path_keys",
           "section_types"]


@params
class OutputParams:
    """What the run writes.

    Parameters
    ----------
    languages
        Languages of sheets and pages, ``zh`` and/or ``en``.
    tiles
        Base map tiles: ``osm``, ``tianditu``, ``amap`` (GCJ-02 shift applied) or ``offline``.
    """

    languages: tuple[Literal["zh", "en"], ...] = ("zh", "en")
    tiles: Literal["osm", "tianditu", "amap", "offline"] = "osm"


class _ScenarioBase(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, arbitrary_types_allowed=True)

    name: str
    title_zh: str = ""
    title_en: str = ""
    description: str = ""
    base: Path | None = None
    date: dt.date = dt.date(2026, 12, 2)
    dataset: Path | None = None
    network: NetworkParams = NetworkParams()
    ferries: FerryParams = FerryParams()
    solver: SolverParams = SolverParams()
    outputs: OutputParams = OutputParams()
    source_files: tuple[Path, ...] = ()


Scenario = create_model(  # one section per registered service, holding its Params
    "Scenario", __base__=_ScenarioBase, __module__=__name__,
    **{s.name: (s.Params, s.Params()) for s in SERVICES})  # type: ignore[call-overload]
Scenario.__doc__ = """One validated scenario (paths resolved against the scenario file).

Fields: ``name``, ``title_zh``, ``title_en``, ``description``, ``base``, ``date``, ``dataset``,
``network``, ``ferries``, ``solver``, ``outputs``, ``source_files`` and one section per registered
service (``connectivity``, ``dialysis``, ``meals``)."""


def section_types() -> dict[str, type]:
    """Every section of the scenario: key → its parameter class."""
    return {name: f.annotation for name, f in Scenario.model_fields.items()
            if dataclasses.is_dataclass(f.annotation)}


def _is_path(hint: Any) -> bool:
    return hint is Path or any(_is_path(a) for a in typing.get_args(hint))


def path_keys() -> set[tuple[str, ...]]:
    """Key paths whose values are file paths (resolved against the scenario file)."""
    keys = {("dataset",), ("base",)}
    for name, cls in section_types().items():
        for fname, hint in typing.get_type_hints(cls).items():
            if _is_path(hint):
                keys.add((name, fname))
            elif dataclasses.is_dataclass(hint):  # a nested section (dialysis_week.rules)
                keys |= {(name, fname, sub) for sub, h in typing.get_type_hints(hint).items()
                         if _is_path(h)}
    return keys


def _resolve_paths(raw: dict[str, Any], folder: Path) -> dict[str, Any]:
    out = dict(raw)
    for keys in path_keys():
        node: Any = out
        for k in keys[:-1]:
            if not isinstance(node, dict) or not isinstance(node.get(k), dict):
                node = None
                break
            node[k] = dict(node[k])
            node = node[k]
        if isinstance(node, dict) and isinstance(node.get(keys[-1]), str):
            node[keys[-1]] = str((folder / node[keys[-1]]).resolve())
    return out


def _fields_at(loc: tuple[Any, ...]) -> list[str]:
    """Valid keys at the parent of ``loc`` (for did-you-mean suggestions)."""
    cls: Any = Scenario
    for part in loc[:-1]:
        if isinstance(part, int):
            continue
        hints = (typing.get_type_hints(cls) if dataclasses.is_dataclass(cls)
                 else {k: f.annotation for k, f in cls.model_fields.items()})
        hint = hints.get(part)
        args = [a for a in (hint, *typing.get_args(hint)) if isinstance(a, type)]
        args += [b for a in typing.get_args(hint) for b in typing.get_args(a) if isinstance(b, type)]
        cls = next((a for a in args if dataclasses.is_dataclass(a) or
                    (isinstance(a, type) and issubclass(a, BaseModel))), None)
        if cls is None:
            return []
    if dataclasses.is_dataclass(cls):
        return [f.name for f in dataclasses.fields(cls)]
    return [k for k in cls.model_fields if k != "source_files"]


def _line_of(loc: tuple[Any, ...], lines: dict[tuple[Any, ...], int]) -> int | None:
    """Line of ``loc`` in the file, or of its closest written parent (a missing key)."""
    for n in range(len(loc), 0, -1):
        if loc[:n] in lines:
            return lines[loc[:n]]
    return None


def _problem(err: Any, lines: dict[tuple[Any, ...], int]) -> tuple[int | None, str, str]:
    """(line, key path, what is wrong) of one pydantic error, in the planner's words."""
    loc = tuple(err["loc"])
    key = key_path(loc)
    line = _line_of(loc, lines)
    if err["type"] in ("extra_forbidden", "unexpected_keyword_argument"):
        valid = _fields_at(loc)
        close = difflib.get_close_matches(str(loc[-1]), valid, n=1, cutoff=0.5)
        return line, key, "unknown key" + (f"; did you mean '{close[0]}'?" if close
                                           else f"; valid keys here: {', '.join(valid)}")
    msg = str(err["msg"]).removeprefix("Value error, ")
    got = err.get("input")
    if str(err["type"]).startswith(("date_", "datetime_")):  # pydantic's wording, then the fix
        msg = f"{msg}; write the date as YYYY-MM-DD, e.g. 2027-03-03"
    said = isinstance(got, (str, int, float)) and len(repr(got)) >= 3 and (
        repr(got) in msg or str(got) in msg)  # the message already quotes the value
    if isinstance(got, (dict, typing.Mapping)) or said:
        return line, key, msg
    return line, key, f"{msg} (got {got!r})"


Problem = tuple[str, int | None, str, str]
"""One scenario problem: (file, line or None, key path, what is wrong)."""


def explain(problems: list[Problem]) -> ScenarioError:
    """One :class:`ScenarioError` listing every problem, one line each, in file and line order.

    A single problem names its file and key in the error's ``file`` and ``field``; several are
    listed as ``line N, key 'a.b[2].c': what``, prefixed by the file when they come from more
    than one file (a scenario and its ``base``; files in the order given, base first).
    """
    order = {f: i for i, f in enumerate(dict.fromkeys(p[0] for p in problems))}  # base first
    problems = sorted(problems, key=lambda p: (order[p[0]], p[1] or 0, p[2]))
    if len(problems) == 1:
        file, line, key, what = problems[0]
        return ScenarioError(what + (f" (line {line})" if line else ""), file=file, field=key)
    files = list(dict.fromkeys(p[0] for p in problems))

    def one(p: Problem) -> str:
        where = (f"{p[0]}: " if len(files) > 1 else "") + (f"line {p[1]}, " if p[1] else "")
        return f"{where}key '{p[2]}': {p[3]}"

    lines = "\n  - ".join(one(p) for p in problems)
    return ScenarioError(f"{len(problems)} problems:\n  - {lines}",
                         file=files[0] if len(files) == 1 else None)


def _problems(exc: ValidationError, file: Path) -> list[Problem]:
    """Every problem of one validation, with its line in ``file``."""
    lines = key_lines(file) if file.is_file() else {}
    return [(str(file), *_problem(err, lines)) for err in exc.errors()]


def _link_sections(merged: dict[str, Any]) -> dict[str, Any]:
    """Cross-section defaults: the connectivity report follows ``dialysis.units`` (and its
    ``dialysis.coord_system``, so both steps read the file the same way) unless it names its own
    ``connectivity.units``."""
    dial = merged.get("dialysis") if isinstance(merged.get("dialysis"), dict) else {}
    units = dial.get("units")
    conn = merged.get("connectivity")
    if units and not (isinstance(conn, dict) and conn.get("units")):
        linked = {"units": units}
        if dial.get("coord_system") is not None:
            linked["coord_system"] = dial["coord_system"]
        merged = {**merged, "connectivity": {**(conn if isinstance(conn, dict) else {}),
                                             **linked}}
    return merged


def load_scenario(path: str | Path, *, overrides: dict[str, Any] | None = None) -> Any:
    """Read, merge (``base``) and validate a scenario file.

    Parameters
    ----------
    path
        The scenario YAML file.
    overrides
        Values that win over the file (CLI flags), same key structure, e.g.
        ``{"solver": {"seed": 1}}``.

    Returns
    -------
    Scenario
        Validated, with every path absolute. ``source_files`` lists the YAML files read (base
        first).

    Raises
    ------
    optimizer.errors.ScenarioError
        On a missing file, a folder, invalid YAML or a date that is not a calendar date, an
        unknown key (with a suggestion), a wrong type or value, an implausible value
        (:func:`optimizer.scenario.plausible.refused`), mixed encodings or a ``base`` cycle; the
        message names the file, the line and the key path of every problem at once.
    """
    p = Path(path).resolve()
    chain: list[Path] = []
    stack: list[tuple[Path, dict[str, Any]]] = []
    current: Path | None = p
    while current is not None:
        if current in chain:
            raise ScenarioError(f"'base' cycle: {' -> '.join(map(str, chain + [current]))}",
                                file=str(p), field="base")
        chain.append(current)
        raw = _resolve_paths(load_yaml(current), current.parent)
        stack.append((current, raw))
        base = raw.get("base")
        current = Path(base) if isinstance(base, str) else None
    merged: dict[str, Any] = {}
    problems: list[Problem] = []
    for file, raw in reversed(stack):
        try:  # validate each file's own keys so errors name the file that wrote them
            Scenario.model_validate({"name": "x", **raw})
        except ValidationError as exc:
            problems += _problems(exc, file)
        merged = deep_merge(merged, raw)
    if problems:  # every file's problems at once
        raise explain(problems) from None
    if overrides:
        merged = deep_merge(merged, overrides)
    merged = _link_sections(merged)
    merged["base"] = stack[0][1].get("base")
    merged["source_files"] = tuple(reversed(chain))
    merged.setdefault("name", p.stem)
    try:
        sc = Scenario.model_validate(merged)
    except ValidationError as exc:
        raise explain(_problems(exc, p)) from None
    implausible = [(*_written_at(k, chain), key_path(k), what) for k, what in refused(sc)]
    if implausible:
        raise explain(implausible)
    return sc


def _written_at(loc: tuple[Any, ...], chain: list[Path]) -> tuple[str, int | None]:
    """(file, line) of the scenario file in ``chain`` (child first) that wrote ``loc``."""
    for file in chain:
        lines = key_lines(file)
        if loc in lines:
            return str(file), lines[loc]
    return str(chain[0]), None
