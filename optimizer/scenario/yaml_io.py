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
    """Read one YAML mapping, keeping clock times as text (encoding: :func:`read_text`).

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
        If the file is missing, is not text in one encoding (:func:`read_text`), is not valid
        YAML (line and column given) or is not a mapping.
    """
    p = Path(path)
    if not p.exists():
        raise ScenarioError(f"file not found: {p}", file=str(p))
    if not p.is_file():
        raise ScenarioError(f"{p} is a folder, not a scenario file; give a .yaml file such as "
                            "scenarios/putuo-baseline.yaml", file=str(p))
    text, _enc = read_text(p)
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


ENCODINGS = ("utf-8", "gb18030")
"""Encodings a scenario file may be in: UTF-8 (with or without a byte-order mark) or GB18030,
the superset of GBK and GB2312 that Chinese Windows editors save as "ANSI"."""


def read_text(path: str | Path) -> tuple[str, str]:
    """Decode a text file written in one of :data:`ENCODINGS`, naming the line that fails.

    The encoding is decided line by line: the file is UTF-8 (a leading byte-order mark is
    dropped) when every line decodes as UTF-8; it is GB18030/GBK when no non-ASCII line decodes as
    UTF-8 and the whole file decodes as GB18030. A file with lines of both kinds (a GBK line
    pasted into a UTF-8 file, or the reverse) is refused, because one of the two would be read
    as mojibake: the message names the first line whose encoding differs from the file's first
    non-ASCII line.

    Parameters
    ----------
    path
        The file.

    Returns
    -------
    tuple of (str, str)
        The text (line breaks kept, no byte-order mark) and the encoding read: ``"utf-8"``,
        ``"utf-8-sig"`` or ``"gb18030"``.

    Raises
    ------
    optimizer.errors.ScenarioError
        On mixed encodings or bytes that are neither UTF-8 nor GB18030, naming the line
        (1-based) and the first offending byte.
    """
    p = Path(path)
    raw = p.read_bytes()
    bom = raw.startswith(b"\xef\xbb\xbf")
    lines = raw[3:].splitlines(keepends=True) if bom else raw.splitlines(keepends=True)
    kinds = [_line_kind(b) for b in lines]
    first = next((k for k in kinds if k not in ("ascii", "bad")), "utf-8")
    if bom and first != "utf-8":
        first = "utf-8"
    for no, (kind, b) in enumerate(zip(kinds, lines), start=1):
        if kind in ("ascii", first):
            continue
        bad = next((x for x in b if x >= 0x80), b[0] if b else 0)
        if kind == "bad":
            what = (f"line {no} is not UTF-8 or GBK/GB18030 text (byte 0x{bad:02x}); save the "
                    f"file as UTF-8 / 第 {no} 行既不是 UTF-8 也不是 GBK 编码，请另存为 UTF-8")
        else:
            what = (f"line {no} is {_NAMES[kind]} but the lines before it are {_NAMES[first]} "
                    f"(first non-ASCII byte 0x{bad:02x}): mixed encodings; save the whole file "
                    "in one encoding, UTF-8 preferred (e.g. in Notepad: Save as, Encoding "
                    f"UTF-8) / 第 {no} 行的编码与文件其余部分不同，请整个文件另存为 UTF-8")
        raise ScenarioError(what, file=str(p))
    body = raw[3:] if bom else raw
    enc = "gb18030" if first == "gb18030" else ("utf-8-sig" if bom else "utf-8")
    return body.decode("gb18030" if first == "gb18030" else "utf-8"), enc


_NAMES = {"utf-8": "UTF-8", "gb18030": "GBK/GB18030"}


def _line_kind(b: bytes) -> str:
    """``"ascii"``, ``"utf-8"``, ``"gb18030"`` or ``"bad"`` for one line's bytes."""
    if b.isascii():
        return "ascii"
    for enc in ENCODINGS:
        try:
            b.decode(enc)
            return enc
        except UnicodeDecodeError:
            continue
    return "bad"


def key_lines(path: str | Path) -> dict[tuple[str | int, ...], int]:
    """Line (1-based) of every key and list item of a YAML mapping file, by key path.

    Parameters
    ----------
    path
        A file that :func:`load_yaml` reads.

    Returns
    -------
    dict
        ``{("dialysis", "extra_vehicles", 2, "seats"): 14, ...}``: list items are keyed by their
        0-based position (the pydantic error location), mapping keys by name. Empty when the
        file cannot be composed (its error is raised by :func:`load_yaml`).
    """
    text, _enc = read_text(path)
    try:
        root = yaml.compose(text, Loader=_ScenarioLoader)
    except yaml.YAMLError:
        return {}
    out: dict[tuple[str | int, ...], int] = {}

    def walk(node: Any, prefix: tuple[str | int, ...]) -> None:
        if isinstance(node, yaml.MappingNode):
            for k, v in node.value:
                key = prefix + (k.value,)
                out[key] = k.start_mark.line + 1
                walk(v, key)
        elif isinstance(node, yaml.SequenceNode):
            for i, v in enumerate(node.value):
                out[prefix + (i,)] = v.start_mark.line + 1
                walk(v, prefix + (i,))

    walk(root, ())
    return out


def key_path(loc: tuple[Any, ...]) -> str:
    """A key path as a planner writes it: ``dialysis.extra_vehicles[2].seats``.

    Examples
    --------
    >>> key_path(("dialysis", "extra_vehicles", 2, "seats"))
    'dialysis.extra_vehicles[2].seats'
    """
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


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
