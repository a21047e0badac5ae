"""The scenario schema: what a planner writes in ``scenarios/*.yaml``, validated with pydantic.

A scenario names its data, its service date, its parameters, and optionally a ``base`` scenario
whose values it overrides (deep merge: a mapping merges key by key, anything else replaces). Every
error names the file and the key path (``network.speeds_kph.car``); an unknown or misspelt key is
an error that suggests the closest valid key. Clock times such as ``07:30`` are read as clock times
(seconds after midnight); paths are relative to the scenario file that wrote them.

Precedence (house style practice 11): built-in defaults (the field defaults below) < base scenario
< scenario < CLI flags (``--seed``, ``--time-limit-s``), with the same key names.
"""

from __future__ import annotations

import datetime as dt
import difflib
import typing
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, field_validator

from optimizer.errors import ScenarioError
from optimizer.network.params import FerryParams, NetworkParams
from optimizer.scenario.yaml_io import deep_merge, load_yaml
from optimizer.units import parse_clock


def _clock(value: Any) -> Any:
    if isinstance(value, str):
        return parse_clock(value)
    return value


ClockS = Annotated[int, BeforeValidator(_clock), Field(ge=0, le=48 * 3600)]
"""A clock time written ``HH:MM`` in YAML, held as seconds after midnight of the service day."""


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DialysisSection(_Section):
    """Dialysis rides (义载接送): which data, which units and vehicles, and the service rules."""

    enabled: bool = True
    patients: Path | None = None
    units: Path | None = None
    vehicles: Path | None = None
    active_units: list[str] | None = None
    extra_vehicles: list[dict[str, Any]] = []
    arrive_early_min: tuple[float, float] = (15.0, 45.0)
    return_pickup_within_min: float = Field(default=30.0, ge=0)
    max_ride_time_min: float = Field(default=120.0, gt=0)
    max_ride_factor: float = Field(default=2.5, ge=1.0)
    service_walking_min: float = Field(default=2.0, ge=0)
    service_wheelchair_min: float = Field(default=6.0, ge=0)

    @field_validator("arrive_early_min")
    @classmethod
    def _ordered(cls, v: tuple[float, float]) -> tuple[float, float]:
        if not 0 <= v[0] <= v[1]:
            raise ValueError(f"expected [earliest, latest] minutes with 0 <= earliest <= latest, got {list(v)}")
        return v


class MealsSection(_Section):
    """Meal delivery (助餐配送): coverage, siting and delivery rounds.

    Defaults and their sources: :mod:`optimizer.services.meals` (``MEAL_UPTAKE_SHARE``,
    ``FRESHNESS_MIN``, ``COURIER_BOX_MEALS``, ``SERVICE_MIN_PER_STOP``); ``rounds_time_limit_s`` is
    the solve limit per canteen's lunch round; ``rounds_respect_capacity`` caps each canteen's
    deliveries at its daily capacity (nearest subscribers first).
    """

    enabled: bool = True
    elderly: Path | None = None
    canteens: Path | None = None
    candidates: Path | None = None
    delivery_mode: Literal["ebike", "car", "walk"] = "ebike"
    delivery_time: ClockS = 11 * 3600
    threshold_min: float = Field(default=15.0, gt=0)
    demand_scale: float = Field(default=1.0, gt=0)
    open_candidates: list[str] = []
    siting_model: Literal["mclp", "lscp", "pmedian", "none"] = "mclp"
    new_sites: int = Field(default=2, ge=0)
    demand_level: Literal["points", "villages"] = "points"
    uptake_share: float = Field(default=0.034, gt=0, le=1)
    freshness_min: float = Field(default=30.0, gt=0)
    box_meals: int = Field(default=20, ge=1)
    service_min: float = Field(default=2.0, ge=0)
    rounds: bool = True
    rounds_respect_capacity: bool = True
    rounds_time_limit_s: float = Field(default=2.0, gt=0)


class SolverSection(_Section):
    """Solver limits (maps one-to-one to the solvers' parameters)."""

    time_limit_s: float = Field(default=20.0, gt=0)
    seed: int = 0
    workers: int = Field(default=2, ge=1)
    """Parallel searches of the dialysis solver (one process each; default 2 = the reference
    2-core machine)."""


class OutputsSection(_Section):
    """What the run writes."""

    languages: list[Literal["zh", "en"]] = ["zh", "en"]
    tiles: Literal["osm", "tianditu", "amap", "offline"] = "osm"


class Scenario(_Section):
    """One validated scenario (paths already resolved against the scenario file)."""

    name: str
    title_zh: str = ""
    title_en: str = ""
    description: str = ""
    base: Path | None = None
    date: dt.date = dt.date(2026, 12, 2)
    dataset: Path | None = None
    network: NetworkParams = NetworkParams()
    ferries: FerryParams = FerryParams()
    dialysis: DialysisSection = DialysisSection()
    meals: MealsSection = MealsSection()
    solver: SolverSection = SolverSection()
    outputs: OutputsSection = OutputsSection()
    source_files: tuple[Path, ...] = ()


_PATH_KEYS = {
    ("dataset",),
    ("base",),
    ("network", "osm_path"),
    ("ferries", "gtfs"),
    ("dialysis", "patients"),
    ("dialysis", "units"),
    ("dialysis", "vehicles"),
    ("meals", "elderly"),
    ("meals", "canteens"),
    ("meals", "candidates"),
}


def _resolve_paths(raw: dict[str, Any], folder: Path) -> dict[str, Any]:
    out = dict(raw)
    for keys in _PATH_KEYS:
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


def _field_types(model: Any) -> dict[str, Any]:
    """Field name -> annotation of a pydantic model or pydantic dataclass ({} for anything else)."""
    fields = getattr(model, "model_fields", None) or getattr(model, "__pydantic_fields__", None)
    if not isinstance(model, type) or not fields:
        return {}
    return {name: f.annotation for name, f in fields.items()}


def _fields_at(loc: tuple[Any, ...]) -> list[str]:
    """Valid keys at the mapping that holds ``loc[-1]`` (list/tuple items: their element type)."""
    model: Any = Scenario
    for part in loc[:-1]:
        if isinstance(part, int):  # an item of a list or tuple section (``fixed_links[0]``)
            args = [a for a in typing.get_args(model) if a is not Ellipsis]
            model = args[0] if len(args) == 1 else None
        else:
            model = _field_types(model).get(part)
        if model is None:
            return []
    return list(_field_types(model))


def _explain(exc: ValidationError, file: str) -> ScenarioError:
    lines = []
    first_key = None
    for err in exc.errors():
        loc = tuple(err["loc"])
        key = ".".join(str(p) for p in loc)
        first_key = first_key or key
        # BaseModel sections report an unknown key as ``extra_forbidden``, the @params dataclass
        # sections as ``unexpected_keyword_argument``
        if err["type"] in ("extra_forbidden", "unexpected_keyword_argument"):
            valid = [f for f in _fields_at(loc) if f != "source_files"]
            close = difflib.get_close_matches(str(loc[-1]), valid, n=1, cutoff=0.5)
            hint = f"; did you mean '{close[0]}'?" if close else f"; valid keys here: {', '.join(valid)}"
            lines.append(f"key '{key}': unknown key{hint}")
        else:
            lines.append(f"key '{key}': {err['msg']} (got {err.get('input')!r})")
    return ScenarioError("; ".join(lines), file=file, field=first_key)


def load_scenario(path: str | Path, *, overrides: dict[str, Any] | None = None) -> Scenario:
    """Read, merge (``base``) and validate a scenario file.

    Parameters
    ----------
    path
        The scenario YAML file.
    overrides
        Values that win over the file (CLI flags), same key structure, e.g. ``{"solver": {"seed": 1}}``.

    Returns
    -------
    Scenario
        Validated, with every path absolute. ``source_files`` lists the YAML files read (base first).

    Raises
    ------
    optimizer.errors.ScenarioError
        On a missing file, invalid YAML, an unknown key (with a suggestion), a wrong type or value,
        or a ``base`` cycle; the message names the file and the key path.
    """
    p = Path(path).resolve()
    chain: list[Path] = []
    merged: dict[str, Any] = {}
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
    for file, raw in reversed(stack):
        # validate each file's own keys so errors name the file that wrote them
        try:
            Scenario.model_validate({"name": "x", **raw})
        except ValidationError as exc:
            raise _explain(exc, str(file)) from None
        merged = deep_merge(merged, raw)
    if overrides:
        merged = deep_merge(merged, overrides)
    merged["base"] = stack[0][1].get("base")
    merged["source_files"] = tuple(reversed(chain))
    if "name" not in merged:
        merged["name"] = p.stem
    try:
        return Scenario.model_validate(merged)
    except ValidationError as exc:
        raise _explain(exc, str(p)) from None
