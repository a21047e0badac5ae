"""Sweep files and their variants: what a planner writes in ``scenarios/sweeps/*.yaml``.

A sweep names a ``base`` scenario, ``overrides`` applied to every variant, and what varies:

``grid``
    Scenario keys (dotted, e.g. ``meals.new_sites``, ``date``) with their values; every
    combination is a variant. Values are a list, or a range ``{from: A, to: B, step: S}``
    (inclusive; whole numbers, decimals or dates, ``step`` in days for dates, default 1).
``sample``
    ``{n: N, seed: S, keys: {key: values}}``: ``N`` points drawn with a seeded generator
    (:class:`random.Random`); ``values`` is a list or a range (one drawn), or
    ``{uniform: [A, B]}`` (a decimal in [A, B], rounded to 3 places). With a ``grid`` too, every
    grid combination is run at every sampled point.
``vehicle_types``
    Named vehicle templates (the fields of ``dialysis.extra_vehicles`` without ``vehicle_id``).
    The key ``dialysis.extra_vehicles.TYPE`` then varies a *count*: the variant adds that many
    copies of the template (ids ``TYPE-1``, ``TYPE-2``, …). These replace any
    ``extra_vehicles`` the base scenario lists.

``keep_runs``
    ``true`` (default): keep each variant's full run folder under ``variants/<key>/run/``;
    ``false``: keep only its KPIs (a year of dates makes hundreds of run folders of a few MB).

Each variant is the base scenario with ``overrides`` then its own values deep-merged in
(:func:`optimizer.scenario.yaml_io.deep_merge`), validated by the normal scenario schema
(:func:`optimizer.scenario.schema.load_scenario`). Paths in the sweep file are relative to it.
Every problem of the sweep file and of every variant is raised at once (CLI exit 2).
"""

from __future__ import annotations

import datetime as dt
import itertools
import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from optimizer.errors import InputError, InputErrors
from optimizer.scenario.schema import _resolve_paths, load_scenario
from optimizer.scenario.yaml_io import deep_merge, load_yaml

__all__ = ["SweepSpec", "Variant", "build_variants", "load_sweep"]

TOP_KEYS = ("name", "title_zh", "title_en", "description", "base", "overrides", "grid",
            "sample", "vehicle_types", "keep_runs")
"""Keys a sweep file may hold."""

VEHICLE_KEY = "dialysis.extra_vehicles."
"""Prefix of a key that varies a count of vehicles of one ``vehicle_types`` entry."""

SWEEP_DEFAULTS: dict[str, Any] = {"solver": {"workers": 1}}
"""Applied under every sweep's ``overrides``: the sweep runs variants in parallel, so each
variant's solver uses one process (``solver.workers`` changes wall time only, never the plan;
and a Dask worker process may not start processes of its own)."""


@dataclass(frozen=True)
class Variant:
    """One variant: its values (key → value as written, counts for vehicle types), the scenario
    overrides built from them, and the validated scenario."""

    index: int
    params: dict[str, Any]
    overrides: dict[str, Any]
    scenario: Any = field(repr=False, compare=False)

    @property
    def label(self) -> str:
        """``key=value, …`` for messages and plot legends."""
        return ", ".join(f"{k}={_show(v)}" for k, v in self.params.items()) or "base"


@dataclass(frozen=True)
class SweepSpec:
    """A read sweep file (paths absolute)."""

    file: Path
    name: str
    base: Path
    overrides: dict[str, Any]
    grid: dict[str, list[Any]]
    sample: dict[str, Any] | None
    vehicle_types: dict[str, dict[str, Any]]
    title: str = ""
    keep_runs: bool = True

    @property
    def varied(self) -> list[str]:
        """The keys that vary, grid first."""
        return list(self.grid) + list((self.sample or {}).get("keys", {}))


def _show(v: Any) -> str:
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(map(str, v)) + "]"
    return str(v)


def _err(msg: str, spec_file: Path, key: str) -> InputError:
    return InputError(msg, file=str(spec_file), field=key)


def _steps(a: Any, b: Any, step: Any) -> list[Any]:
    if isinstance(a, dt.date) and isinstance(b, dt.date):
        days = int(step or 1)
        if days < 1:
            raise ValueError("step must be at least 1 day")
        return [a + dt.timedelta(days=d) for d in range(0, (b - a).days + 1, days)]
    if all(isinstance(x, int) and not isinstance(x, bool) for x in (a, b)) and \
            isinstance(step or 1, int):
        if (step or 1) < 1:
            raise ValueError("step must be at least 1")
        return list(range(a, b + 1, step or 1))
    a, b, s = float(a), float(b), float(step or 1)
    if s <= 0:
        raise ValueError("step must be positive")
    n = int((b - a) / s + 1e-9)
    return [round(a + i * s, 6) for i in range(n + 1)]


def expand_values(raw: Any, *, file: Path, key: str) -> list[Any]:
    """The values of one varied key: a list as given, or a ``{from, to, step}`` range.

    Raises
    ------
    optimizer.errors.InputError
        Neither a non-empty list nor a valid range (file and key named).
    """
    if isinstance(raw, list) and raw:
        return raw
    if isinstance(raw, dict) and set(raw) <= {"from", "to", "step"} and {"from", "to"} <= set(raw):
        try:
            out = _steps(raw["from"], raw["to"], raw.get("step"))
        except (TypeError, ValueError) as exc:
            raise _err(f"bad range {raw!r}: {exc}; expected {{from: A, to: B, step: S}} with "
                       "numbers or dates (YYYY-MM-DD)", file, key) from None
        if out:
            return out
    raise _err(f"values {raw!r} are not a non-empty list nor a range {{from: A, to: B, step: S}}"
               " (to >= from); write e.g. [0, 1, 2] or {from: 0, to: 4}", file, key)


def _check_key(key: str, spec: dict[str, Any], file: Path) -> list[InputError]:
    if key.startswith(VEHICLE_KEY):
        vtype = key[len(VEHICLE_KEY):]
        if vtype not in (spec.get("vehicle_types") or {}):
            return [_err(f"vehicle type '{vtype}' is not under vehicle_types (have: "
                         f"{', '.join(spec.get('vehicle_types') or {}) or 'none'}); add its "
                         "template there", file, key)]
    elif key == "dialysis.extra_vehicles":
        return [_err("vary a count by type instead: dialysis.extra_vehicles.TYPE with TYPE "
                     "under vehicle_types", file, key)]
    return []


def _read_sample(raw: Any, file: Path) -> tuple[dict[str, Any] | None, list[InputError]]:
    if raw is None:
        return None, []
    if not isinstance(raw, dict) or not isinstance(raw.get("keys"), dict) or not raw["keys"]:
        return None, [_err("sample needs {n: N, seed: S, keys: {key: values}}", file, "sample")]
    errors = []
    n, seed = raw.get("n"), raw.get("seed", 0)
    if not isinstance(n, int) or isinstance(n, bool) or n < 1:
        errors.append(_err(f"sample.n={n!r}; expected a whole number >= 1", file, "sample.n"))
    if not isinstance(seed, int) or isinstance(seed, bool) or seed < 0:
        errors.append(_err(f"sample.seed={seed!r}; expected a whole number >= 0", file,
                           "sample.seed"))
    keys = {}
    for key, vals in raw["keys"].items():
        if isinstance(vals, dict) and set(vals) == {"uniform"}:
            lo_hi = vals["uniform"]
            if not (isinstance(lo_hi, list) and len(lo_hi) == 2 and
                    all(isinstance(x, (int, float)) for x in lo_hi) and lo_hi[0] <= lo_hi[1]):
                errors.append(_err(f"uniform needs [low, high] numbers, got {lo_hi!r}", file,
                                   f"sample.keys.{key}"))
            keys[key] = vals
            continue
        try:
            keys[key] = expand_values(vals, file=file, key=f"sample.keys.{key}")
        except InputError as exc:
            errors.append(exc)
    return {"n": n, "seed": seed, "keys": keys}, errors


def load_sweep(path: str | Path) -> SweepSpec:
    """Read a sweep file (see the module docs).

    Raises
    ------
    optimizer.errors.InputError
        A missing file, an unknown top-level key, no ``base``, nothing varied, a bad range or
        sample, an unknown vehicle type: every problem at once (file and key named).
    """
    file = Path(path).resolve()
    if not file.is_file():
        raise InputError(f"sweep file {file} does not exist", file=str(file))
    raw = load_yaml(file)
    errors = [_err(f"unknown key '{k}'; valid keys: {', '.join(TOP_KEYS)}", file, k)
              for k in raw if k not in TOP_KEYS]
    base = raw.get("base")
    if not isinstance(base, str):
        errors.append(_err("no base scenario; write e.g. base: ../putuo-baseline.yaml", file,
                           "base"))
    grid: dict[str, list[Any]] = {}
    for key, vals in (raw.get("grid") or {}).items():
        try:
            grid[str(key)] = expand_values(vals, file=file, key=f"grid.{key}")
        except InputError as exc:
            errors.append(exc)
    sample, problems = _read_sample(raw.get("sample"), file)
    errors += problems
    for key in list(grid) + list((sample or {}).get("keys", {})):
        errors += _check_key(key, raw, file)
    if not isinstance(raw.get("keep_runs", True), bool):
        errors.append(_err(f"keep_runs={raw['keep_runs']!r}; expected true or false", file,
                           "keep_runs"))
    if not grid and not sample and not problems:
        errors.append(_err("nothing varies: add a grid: or a sample: section", file, "grid"))
    if errors:
        raise errors[0] if len(errors) == 1 else InputErrors(errors)
    overrides = _resolve_paths(raw.get("overrides") or {}, file.parent)
    return SweepSpec(file=file, name=str(raw.get("name") or file.stem),
                     base=(file.parent / str(base)).resolve(), overrides=overrides,
                     grid=grid, sample=sample, vehicle_types=dict(raw.get("vehicle_types") or {}),
                     title=str(raw.get("title_en") or raw.get("title_zh") or ""),
                     keep_runs=raw.get("keep_runs", True))


def _points(spec: SweepSpec) -> list[dict[str, Any]]:
    """Every variant's values: grid combinations (× sampled points), in a fixed order."""
    combos = [dict(zip(spec.grid, vals)) for vals in itertools.product(*spec.grid.values())]
    if not spec.sample:
        return combos
    rng = random.Random(spec.sample["seed"])
    drawn = []
    for _ in range(spec.sample["n"]):
        point = {}
        for key, vals in spec.sample["keys"].items():
            if isinstance(vals, dict):
                lo, hi = vals["uniform"]
                point[key] = round(rng.uniform(lo, hi), 3)
            else:
                point[key] = rng.choice(vals)
        drawn.append(point)
    return [{**c, **d} for c in combos for d in drawn]


def variant_overrides(spec: SweepSpec, values: dict[str, Any]) -> dict[str, Any]:
    """The scenario overrides of one variant: sweep defaults < ``overrides`` < its values
    (dotted keys nested; vehicle counts as copies of their templates)."""
    out = deep_merge(SWEEP_DEFAULTS, spec.overrides)
    vehicles: list[dict[str, Any]] = []
    for key, value in values.items():
        if key.startswith(VEHICLE_KEY):
            vtype = key[len(VEHICLE_KEY):]
            count = int(value)
            vehicles += [{**spec.vehicle_types[vtype], "vehicle_id": f"{vtype}-{i}"}
                         for i in range(1, count + 1)]
            continue
        node: dict[str, Any] = {}
        leaf = node
        parts = key.split(".")
        for part in parts[:-1]:
            leaf[part] = {}
            leaf = leaf[part]
        leaf[parts[-1]] = value.isoformat() if isinstance(value, dt.date) else value
        out = deep_merge(out, _resolve_paths(node, spec.file.parent))
    if any(k.startswith(VEHICLE_KEY) for k in values):
        out = deep_merge(out, {"dialysis": {"extra_vehicles": vehicles}})
    return out


def build_variants(spec: SweepSpec) -> list[Variant]:
    """Every variant, validated through the scenario schema.

    Raises
    ------
    optimizer.errors.InputErrors
        Every schema problem of every variant at once, each message naming the variant
        (``variant 3 (meals.new_sites=-1): …``); the file named is the sweep file.
    """
    variants, errors = [], []
    for i, values in enumerate(_points(spec), start=1):
        overrides = variant_overrides(spec, values)
        label = ", ".join(f"{k}={_show(v)}" for k, v in values.items())
        try:
            sc = load_scenario(spec.base, overrides=overrides)
        except InputErrors as exc:
            errors += [_err(f"variant {i} ({label}): {e.message}", spec.file, e.field or "")
                       for e in exc.errors]
            continue
        except InputError as exc:
            errors.append(_err(f"variant {i} ({label}): {exc.message}", spec.file,
                               exc.field or ""))
            continue
        variants.append(Variant(i, dict(values), overrides, sc))
    if errors:
        raise errors[0] if len(errors) == 1 else InputErrors(errors)
    return variants
