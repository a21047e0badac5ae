"""YAML loading for scenarios: clock times stay text, base scenarios merge, paths resolve.

PyYAML follows YAML 1.1, where an unquoted ``07:30`` is the base-60 integer 450. Scenario files are
written by planners who mean a clock time, so :func:`load_yaml` reads ``H:MM`` / ``HH:MM`` /
``HH:MM:SS`` scalars as strings; :func:`optimizer.units.parse_clock` turns them into seconds.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from optimizer.errors import ScenarioError

_CLOCK = re.compile(r"^\d{1,2}:\d{2}(:\d{2})?$")


class _ScenarioLoader(yaml.SafeLoader):
    """SafeLoader that resolves clock-like scalars to ``str`` before YAML 1.1's base-60 ints."""


for _ch in "0123456789":
    _resolvers = _ScenarioLoader.yaml_implicit_resolvers.setdefault(_ch, [])
    _ScenarioLoader.yaml_implicit_resolvers[_ch] = [("tag:yaml.org,2002:str", _CLOCK)] + list(
        _resolvers
    )


def load_yaml(path: str | Path) -> dict[str, Any]:
    """Read one YAML mapping, keeping clock times as text.

    Parameters
    ----------
    path
        The YAML file.

    Returns
    -------
    dict
        The mapping (empty file → ``{}``).

    Raises
    ------
    optimizer.errors.ScenarioError
        If the file is missing, is not valid YAML (line and column given) or is not a mapping.
    """
    p = Path(path)
    if not p.exists():
        raise ScenarioError(f"file not found: {p}", file=str(p))
    if not p.is_file():
        raise ScenarioError(f"{p} is a folder, not a scenario file; give a .yaml file such as "
                            "scenarios/putuo-baseline.yaml", file=str(p))
    try:
        text = p.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = p.read_bytes()[:exc.start].count(b"\n") + 1
        raise ScenarioError(f"line {line} is not UTF-8 text (byte 0x{p.read_bytes()[exc.start]:02x}); "
                            "save the file as UTF-8", file=str(p)) from None
    try:
        data = yaml.load(text, Loader=_ScenarioLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise ScenarioError(f"not valid YAML{where}: {exc.problem}", file=str(p)) from exc
    except ValueError as exc:  # a scalar YAML resolves but cannot build, e.g. 2026-02-30
        raise ScenarioError(f"{_bad_scalar(text, exc)}: {exc}", file=str(p)) from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ScenarioError(
            f"a scenario must be a mapping of keys, got {type(data).__name__}", file=str(p)
        )
    return data


_DATE = re.compile(r"^\s*([\w.-]+)\s*:\s*['\"]?(\d{4}-\d{1,2}-\d{1,2})\b", re.M)


def _bad_scalar(text: str, exc: ValueError) -> str:
    """Name the key and line of the first date-like scalar that is not a calendar date."""
    import datetime as dt

    for m in _DATE.finditer(text):
        try:
            dt.date(*map(int, m.group(2).split("-")))
        except ValueError:
            line = text.count("\n", 0, m.start()) + 1
            return f"key '{m.group(1)}' at line {line}: {m.group(2)} is not a calendar date"
    return "a value cannot be read"


def deep_merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """Merge ``override`` into ``base`` recursively (mappings merge, everything else replaces).

    Examples
    --------
    >>> deep_merge({"a": {"x": 1, "y": 2}, "b": 1}, {"a": {"y": 3}})
    {'a': {'x': 1, 'y': 3}, 'b': 1}
    """
    out = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = value
    return out
