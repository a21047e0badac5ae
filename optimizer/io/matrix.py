"""Travel-time matrices that users give (CSV or JSON, minutes or seconds, labelled rows and
columns).

A matrix exported from a routing service, a GIS or a spreadsheet marks "no road" in many ways.
:func:`read_matrix` reads every one of them as **no path** (stored as ``inf``, the value every
problem and solver of this package reads as unreachable) and lists each such pair by its labels,
never as a real travel time:

* an empty cell, JSON ``null``, ``NaN``/``nan``/``NA``/``-``, ``inf``/``Infinity``;
* a negative value (``-1`` is the usual "no route" code);
* an integer overflow sentinel: any value at or above :data:`SENTINEL_MIN` = 2**31 - 1
  (int32 max 2147483647, uint32 max, int64 max 9223372036854775807, 1e15, ...). 2**31 - 1
  seconds is 68 years, so no real travel time comes near it in either unit.

Formats
-------
CSV (UTF-8, UTF-8 with BOM or GBK/GB18030): the first row holds the column labels (destinations),
the first column the row labels (origins); the top-left cell may declare the unit, e.g.
``from\\to [min]``, ``min``, ``unit=s``, ``秒`` or ``分钟``::

    from\\to [min],C03 东港食堂,V17
    C03 东港食堂,0,12.5
    V17,13,0

JSON: ``{"unit": "min", "labels": [...], "values": [[...], ...]}`` (square, rows and columns
the same places), or ``{"unit": ..., "rows": [...], "columns": [...], "values": [[...]]}``
(rectangular, e.g. demand points x sites), or ``{"unit": ..., "values": {"A": {"B": 12}}}``
(origin -> destination -> value; a missing pair is no path).

Units: ``"s"`` or ``"min"`` (aliases ``sec``, ``seconds``, ``秒``, ``minutes``, ``分钟``), given to
:func:`read_matrix` or written in the file; both must agree. A matrix declared in minutes whose
median travel time is above :data:`SECONDS_LIKE_MEDIAN_MIN` "minutes" (10 hours) most likely holds
seconds: a warning says so.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from optimizer.errors import InputError, InputErrors

__all__ = ["SECONDS_LIKE_MEDIAN_MIN", "SENTINEL_MIN", "TravelMatrix", "Unreachable",
           "read_matrix"]

SENTINEL_MIN = float(2**31 - 1)
"""Values (in the file's unit) at or above int32 max are overflow sentinels meaning no path."""

SECONDS_LIKE_MEDIAN_MIN = 600.0
"""Median above which a matrix declared in minutes is warned as probably in seconds (10 h: no
island trip takes that long; the same trips in seconds have medians of 600-3600)."""

MAX_ERRORS = 50
"""Errors listed at most (the first ones, in file order)."""

_UNITS = {"s": "s", "sec": "s", "secs": "s", "second": "s", "seconds": "s", "秒": "s",
          "min": "min", "mins": "min", "minute": "min", "minutes": "min", "分": "min",
          "分钟": "min"}
_FACTOR = {"s": 1.0, "min": 60.0}
_NO_PATH_TEXT = {"", "nan", "na", "n/a", "null", "none", "-", "inf", "+inf", "infinity",
                 "+infinity", "∞"}


@dataclass(frozen=True)
class Unreachable:
    """One pair marked "no path": origin and destination labels and the cell as written."""

    origin: str
    destination: str
    written: str

    def describe(self) -> str:
        """``no path from 'A' to 'B' (cell: -1, a negative value)``."""
        return f"no path from {self.origin!r} to {self.destination!r} ({_why(self.written)})"


def _why(written: str) -> str:
    text = written.strip()
    if text.lower() in ("", "none"):
        return "empty cell"
    if text.lower() == "null":
        return "cell null"
    try:
        x = float(text)
    except ValueError:
        return f"cell {text!r}"
    if math.isnan(x):
        return "cell NaN"
    if x < 0:
        return f"cell {text}: a negative value"
    if math.isinf(x):
        return f"cell {text}"
    return f"cell {text}: an integer overflow sentinel"


@dataclass(frozen=True)
class TravelMatrix:
    """A user's travel-time matrix in seconds, with its labels.

    Attributes
    ----------
    row_labels, col_labels
        Origins (rows) and destinations (columns), as written.
    seconds
        Read-only ``float64`` array ``(n_rows, n_cols)``, seconds; ``inf`` = no path.
    unit
        The unit the file was written in (``"s"`` or ``"min"``).
    source
        The file read.
    unreachable
        Every pair marked "no path", in file order.
    warnings
        Sentences about values that look wrong but were read (seconds declared as minutes).
    """

    row_labels: tuple[str, ...]
    col_labels: tuple[str, ...]
    seconds: np.ndarray
    unit: str
    source: str
    unreachable: tuple[Unreachable, ...] = ()
    warnings: tuple[str, ...] = ()

    @property
    def labels(self) -> tuple[str, ...]:
        """The places of a square matrix (rows = columns).

        Raises
        ------
        optimizer.errors.InputError
            If the rows and columns are not the same places in the same order.
        """
        if self.row_labels != self.col_labels:
            raise InputError("the rows and columns are not the same places in the same order; "
                             "a square travel-time matrix is needed here", file=self.source)
        return self.row_labels

    def index(self, label: str) -> int:
        """Row position of ``label`` (for the node indices of a problem).

        Raises
        ------
        KeyError
            If the label is not a row label (the message lists the closest ones).
        """
        try:
            return self.row_labels.index(label)
        except ValueError:
            import difflib

            close = difflib.get_close_matches(label, self.row_labels, n=3)
            raise KeyError(f"{label!r} is not a row of {self.source}; did you mean "
                           f"{close}?") from None

    def report(self) -> list[str]:
        """One line per unreachable pair and per warning (what ``optimizer validate`` shows)."""
        return [u.describe() for u in self.unreachable] + [f"warning: {w}" for w in self.warnings]


def read_matrix(path: str | Path, *, unit: str | None = None) -> TravelMatrix:
    """Read a user's travel-time matrix (CSV or JSON; see the module docs for the formats).

    Parameters
    ----------
    path
        A ``.csv`` or ``.json`` file (any other suffix is read as CSV).
    unit
        ``"s"`` or ``"min"`` (or an alias); ``None`` = the unit written in the file.

    Returns
    -------
    TravelMatrix
        Seconds, ``inf`` where the file says no path (listed in ``unreachable`` by label).

    Raises
    ------
    optimizer.errors.InputErrors
        Every problem at once (up to :data:`MAX_ERRORS`): no unit or two different ones, a cell
        that is not a number, a row of the wrong length, empty or repeated labels, a no-path mark
        on the diagonal (a place to itself). Each names the file, the data row (``row``: 1 =
        the first row under the header; JSON: the position in ``values``) and the labels.
    """
    p = Path(path)
    if not p.is_file():
        raise InputError(f"matrix file not found: {p}", file=str(p))
    if p.suffix.lower() == ".json":
        rows, cols, cells, lines, written_unit = _json_cells(p)
    else:
        rows, cols, cells, lines, written_unit = _csv_cells(p)
    errors: list[InputError] = []
    unit_ = _unit(unit, written_unit, p, errors)
    errors += _label_errors(rows, "row", p) + _label_errors(cols, "column", p)
    values = np.full((len(rows), len(cols)), math.inf)
    unreachable: list[Unreachable] = []
    for i, (row, line) in enumerate(zip(cells, lines)):
        if len(row) != len(cols):
            errors.append(InputError(f"row {rows[i]!r} has {len(row)} value(s) for "
                                     f"{len(cols)} columns", file=str(p), row=line, field=rows[i]))
            continue
        for j, cell in enumerate(row):
            x = _number(cell)
            if x is None:
                errors.append(InputError(
                    f"{cell!r} from {rows[i]!r} to {cols[j]!r} is not a number; give the travel "
                    f"time{' in ' + unit_ if unit_ else ''}, or leave the cell empty for no path",
                    file=str(p), row=line, field=cols[j]))
            elif not math.isfinite(x) or x < 0 or x >= SENTINEL_MIN:
                if rows[i] == cols[j]:
                    errors.append(InputError(f"{rows[i]!r} to itself is marked no path "
                                             f"({_why(str(cell))}); a place reaches itself in 0",
                                             file=str(p), row=line, field=cols[j]))
                unreachable.append(Unreachable(rows[i], cols[j], _text(cell)))
            else:
                values[i, j] = x
    if errors:
        raise InputErrors(errors[:MAX_ERRORS])
    assert unit_ is not None
    warnings = _seconds_as_minutes(values, unit_, rows, cols)
    seconds = values * _FACTOR[unit_]
    seconds.setflags(write=False)
    return TravelMatrix(tuple(rows), tuple(cols), seconds, unit_, str(p), tuple(unreachable),
                        tuple(warnings))


def _text(cell: Any) -> str:
    if cell is None:
        return "null"
    if isinstance(cell, float) and cell.is_integer() and abs(cell) < 1e16:
        return str(int(cell))
    return str(cell)


def _number(cell: Any) -> float | None:
    """The cell as a float (no-path marks as NaN), or ``None`` if it is not a number."""
    if cell is None:
        return math.nan
    if isinstance(cell, bool):
        return None
    if isinstance(cell, (int, float)):
        return float(cell)
    text = str(cell).strip()
    if text.lower() in _NO_PATH_TEXT:
        return math.nan if text.lower() not in ("inf", "+inf", "infinity", "+infinity", "∞") \
            else math.inf
    try:
        return float(text)
    except ValueError:
        return None


def _unit(given: str | None, written: str | None, p: Path,
          errors: list[InputError]) -> str | None:
    norm = {}
    for what, u in (("given", given), ("written", written)):
        if u is not None:
            key = _UNITS.get(str(u).strip().lower())
            if key is None:
                errors.append(InputError(f"unit {u!r} is unknown; use 's' (seconds) or 'min' "
                                         "(minutes)", file=str(p), field="unit"))
            norm[what] = key
    if not norm:
        errors.append(InputError("the unit is not given: pass unit='min' or unit='s' (CLI: "
                                 "--unit min), or write it in the top-left cell, e.g. "
                                 "'from\\to [min]' (JSON: \"unit\": \"min\")", file=str(p),
                                 field="unit"))
        return None
    if len(set(norm.values())) > 1 and None not in norm.values():
        errors.append(InputError(f"unit {given!r} was given but the file says {written!r}; "
                                 "give one", file=str(p), field="unit"))
    return norm.get("given") or norm.get("written")


def _label_errors(labels: Sequence[str], kind: str, p: Path) -> list[InputError]:
    out = []
    for k, lab in enumerate(labels, start=1):
        if not str(lab).strip():
            out.append(InputError(f"{kind} {k} has no label; every {kind} names its place",
                                  file=str(p), field=f"{kind} {k}"))
    dup = sorted({x for x in labels if list(labels).count(x) > 1})
    if dup:
        out.append(InputError(f"repeated {kind} labels {dup}; each place once", file=str(p)))
    return out


def _seconds_as_minutes(values: np.ndarray, unit: str, rows: Sequence[str],
                        cols: Sequence[str]) -> list[str]:
    off = np.array(rows, dtype=object)[:, None] != np.array(cols, dtype=object)[None, :]
    finite = values[np.isfinite(values) & off]
    if unit != "min" or finite.size == 0:
        return []
    median = float(np.median(finite))
    if median <= SECONDS_LIKE_MEDIAN_MIN:
        return []
    return [f"the values were declared in minutes but their median is {median:g} min "
            f"({median / 60:.1f} h): they look like seconds; if so, give unit 's' / 数值像是秒，"
            "如是请将单位设为秒"]


_UNIT_IN_HEADER = re.compile(r"(?:\[|\(|unit\s*[=:]\s*|^)\s*"
                             r"(s|secs?|seconds?|mins?|minutes?|秒|分钟|分)\s*(?:\]|\)|$)", re.I)


def _decode(p: Path) -> str:
    raw = p.read_bytes()
    for enc in ("utf-8-sig", "gb18030"):
        try:
            return raw.decode(enc)
        except UnicodeDecodeError:
            continue
    raise InputError("not UTF-8 or GBK/GB18030 text; save the file as UTF-8", file=str(p))


def _csv_cells(p: Path) -> tuple[list[str], list[str], list[list[Any]], list[int], str | None]:
    """Row labels, column labels, cells per row, data row per row, unit in the header."""
    table = [r for r in csv.reader(io.StringIO(_decode(p)))]
    numbered = [(k, r) for k, r in enumerate(table, start=1) if any(c.strip() for c in r)]
    if not numbered:
        raise InputError("the file is empty; expected a header row of destination labels",
                         file=str(p))
    head = numbered[0][1]
    m = _UNIT_IN_HEADER.search(head[0].strip())
    cols = [c.strip() for c in head[1:]]
    rows, cells, lines = [], [], []
    for k, r in numbered[1:]:
        rows.append(r[0].strip())
        cells.append(r[1:])
        lines.append(k - numbered[0][0])  # data row (header excluded), as InputError counts
    return rows, cols, cells, lines, (m.group(1) if m else None)


def _json_cells(p: Path) -> tuple[list[str], list[str], list[list[Any]], list[int], str | None]:
    try:
        data = json.loads(_decode(p))
    except json.JSONDecodeError as exc:
        raise InputError(f"not valid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}",
                         file=str(p)) from None
    if not isinstance(data, dict) or "values" not in data:
        raise InputError("expected an object with 'values' (and 'labels', or 'rows' and "
                         "'columns'); see optimizer.io.matrix", file=str(p))
    vals = data["values"]
    if isinstance(vals, dict):  # origin -> destination -> value
        rows = [str(r) for r in vals]
        cols = list(dict.fromkeys(str(c) for d in vals.values() if isinstance(d, dict)
                                  for c in d))
        cells = [[(d or {}).get(c) if isinstance(d, dict) else None for c in cols]
                 for d in vals.values()]
    else:
        rows = [str(x) for x in data.get("rows", data.get("labels", []))]
        cols = [str(x) for x in data.get("columns", data.get("labels", []))]
        cells = [list(r) if isinstance(r, list) else [r] for r in vals]
        if len(cells) != len(rows):
            raise InputError(f"{len(cells)} rows of values for {len(rows)} row labels",
                             file=str(p), field="values")
    unit = data.get("unit")
    return rows, cols, cells, [k + 1 for k in range(len(rows))], unit
