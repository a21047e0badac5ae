"""Units and the one place where floats become OR-Tools integers.

OR-Tools routing and CP-SAT work on 64-bit integers. This module states the resolutions:

* time: 1 second per unit (``TIME_UNIT_S``),
* distance: 1 metre per unit (``DISTANCE_UNIT_M``),
* benchmark coordinates (Solomon, Li & Lim, Cordeau): ``BENCH_SCALE`` units per instance unit.

A :class:`~optimizer.errors.ScalingWarning` fires when a scaled value approaches ``MAX_VALUE``.

Clock times: :func:`parse_clock` reads every form users have (``7:30``, Excel time cells, ISO
8601 date-times converted to China Standard Time, :data:`STUDY_AREA_TZ`) as seconds after
midnight of the service day and refuses numbers and ``25:00`` with the fix; :func:`hhmm` writes
them back as ``HH:MM`` with the next-day marker ``"01:30 (+1)"``; :func:`minutes_text` writes
durations a person reads (``"45 min"``, ``"1 h 05 min"``).
"""

from __future__ import annotations

import datetime as dt
import math
import re
import warnings
from typing import Any

import numpy as np

from optimizer.errors import ScalingWarning

TIME_UNIT_S = 1
"""Seconds per integer time unit handed to OR-Tools."""

DISTANCE_UNIT_M = 1
"""Metres per integer distance unit handed to OR-Tools."""

BENCH_SCALE = 1000
"""Integer units per coordinate unit when solving benchmark instances (3 decimals kept)."""

MAX_VALUE = 2**53
"""Largest integer we hand to OR-Tools without warning (exact in float64, far from int64 overflow)."""


def seconds_to_int(seconds: float | np.ndarray, *, how: str = "round") -> int | np.ndarray:
    """Convert seconds to OR-Tools integer time units.

    Parameters
    ----------
    seconds
        Duration(s) in seconds; scalar or array of any shape. ``inf`` is not allowed.
    how
        ``"round"`` (default), ``"ceil"`` (safe for travel times: never optimistic) or ``"floor"``.

    Returns
    -------
    int or numpy.ndarray of int64
        Same shape as the input.

    Raises
    ------
    ValueError
        If a value is not finite or ``how`` is unknown.
    """
    arr = np.asarray(seconds, dtype=float) / TIME_UNIT_S
    if not np.all(np.isfinite(arr)):
        raise ValueError("seconds_to_int: non-finite duration; mask unreachable pairs first")
    if how == "round":
        out = np.rint(arr)
    elif how == "ceil":
        out = np.ceil(arr - 1e-9)
    elif how == "floor":
        out = np.floor(arr + 1e-9)
    else:
        raise ValueError(f"seconds_to_int: how={how!r}; expected 'round', 'ceil' or 'floor'")
    check_scale(out)
    out = out.astype(np.int64)
    return int(out) if out.ndim == 0 else out


def check_scale(values: float | np.ndarray, *, what: str = "value") -> None:
    """Warn with :class:`ScalingWarning` if any ``abs(value)`` exceeds ``MAX_VALUE / 1000``.

    Parameters
    ----------
    values
        Scalar or array already in integer units.
    what
        Name used in the warning text.
    """
    arr = np.asarray(values, dtype=float)
    if arr.size and float(np.nanmax(np.abs(arr))) > MAX_VALUE / 1000:
        warnings.warn(
            f"{what} up to {float(np.nanmax(np.abs(arr))):.3g} is close to the OR-Tools integer "
            f"range ({MAX_VALUE:.3g}); use a coarser unit",
            ScalingWarning,
            stacklevel=2,
        )


STUDY_AREA_UTC_OFFSET_H = 8
"""The study area's clock: China Standard Time, UTC+8 all year (no daylight saving since 1991;
GB/T 7408-2005 notation). Date-times given with an offset (``...+08:00``, ``...Z``) are converted
to this clock."""

STUDY_AREA_TZ = dt.timezone(dt.timedelta(hours=STUDY_AREA_UTC_OFFSET_H), "CST")
""":data:`STUDY_AREA_UTC_OFFSET_H` as a :class:`datetime.timezone`."""

EXCEL_BASE_DATES = frozenset({dt.date(1899, 12, 30), dt.date(1899, 12, 31), dt.date(1900, 1, 1)})
"""Dates a spreadsheet puts in front of a time-only cell (Excel's serial 0/1 in the 1900 date
system as openpyxl, pandas and LibreOffice render it): such a date-time is a clock time and its
date part is ignored."""

DAY_S = 24 * 3600
"""Seconds in a day."""

_NEXT_DAY = re.compile(r"\s*\(([+-]\d)\)$")
_CLOCK_TEXT = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?$")
_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)$")


def hhmm(seconds: float, *, gtfs: bool = False) -> str:
    """Format seconds after midnight of the service day as ``HH:MM`` (rounded to the minute).

    A time on a later day carries the next-day marker ``" (+1)"`` (``" (+2)"`` two days on,
    ``" (-1)"`` the day before): ``"01:30 (+1)"`` is half past one the next morning. The marker is
    the same in every language, so Chinese and English sheets and reasons read alike;
    :func:`parse_clock` reads it back.

    Parameters
    ----------
    seconds
        Seconds after midnight (may be 24 h or more; not finite gives ``"--:--"``).
    gtfs
        ``True``: hours past 23 as GTFS writes them (``"25:10"``), no marker (for feed ids and
        files in GTFS style, never for text a person reads).

    Examples
    --------
    >>> hhmm(6 * 3600 + 30 * 60)
    '06:30'
    >>> hhmm(25 * 3600 + 600)
    '01:10 (+1)'
    >>> hhmm(25 * 3600 + 600, gtfs=True)
    '25:10'
    """
    if not math.isfinite(seconds):
        return "--:--"
    m = int(round(seconds / 60.0))
    if gtfs:
        return f"{m // 60:02d}:{m % 60:02d}"
    day, m = divmod(m, 1440)
    text = f"{m // 60:02d}:{m % 60:02d}"
    return text if day == 0 else f"{text} ({day:+d})"


def minutes_text(seconds: float) -> str:
    """A duration a person reads: whole minutes, ``"45 min"``, or ``"1 h 05 min"`` from an hour.

    Examples
    --------
    >>> minutes_text(643.8 * 60)
    '10 h 44 min'
    >>> minutes_text(59.6 * 60)
    '1 h 00 min'
    >>> minutes_text(170)
    '3 min'
    """
    if not math.isfinite(seconds):
        return "--"
    m = int(round(seconds / 60.0))
    sign, m = ("-", -m) if m < 0 else ("", m)
    return f"{sign}{m} min" if m < 60 else f"{sign}{m // 60} h {m % 60:02d} min"


def _clock_error(text: Any, why: str, **at: Any) -> Exception:
    from optimizer.errors import InputError

    return InputError(f"{text!r} {why}", **at)


def number_as_clock_message(value: float, *, table: bool = False) -> str:
    """What is wrong with a number given where a clock time is expected, and the fix
    (``730`` → ``07:30``, ``11`` → ``11:00``, else ``07:30`` as the example). In a YAML file the
    fix is a quoted text (``'07:30'``: unquoted, YAML reads ``07:30`` as a number of minutes);
    in a table cell (``table``; CSV/XLSX) quotes would be part of the text, so the fix is the
    bare ``07:30``.

    Examples
    --------
    >>> number_as_clock_message(730)
    "is a number, not a clock time; write the time as text in quotes, e.g. '07:30' (HH:MM)"
    >>> number_as_clock_message(730, table=True)
    'is a number, not a clock time; write 07:30 (hours:minutes)'
    """
    v = float(value)
    if v.is_integer() and 100 <= v < 2400 and int(v) % 100 < 60:
        hint = f"{int(v) // 100:02d}:{int(v) % 100:02d}"
    elif v.is_integer() and 0 <= v < 24:
        hint = f"{int(v):02d}:00"
    else:
        hint = "07:30"
    if table:
        return f"is a number, not a clock time; write {hint} (hours:minutes)"
    return (f"is a number, not a clock time; write the time as text in quotes, e.g. '{hint}' "
            "(HH:MM)")


TABLE_SUFFIXES = (".csv", ".txt", ".tsv", ".xlsx", ".xlsm", ".xls", ".geojson", ".json",
                  ".gpkg", ".shp")
"""Files whose cells are table cells (a clock is written bare there, not in quotes)."""


def _in_table(at: dict[str, Any]) -> bool:
    """Whether the value came from a table file (CSV/XLSX/geo; its ``file`` suffix)."""
    return str(at.get("file") or "").lower().endswith(TABLE_SUFFIXES)


def _from_datetime(d: dt.datetime, plan_date: dt.date | None, **at: Any) -> int:
    """Seconds after midnight of a date-time in the study area's clock (rules in
    :func:`parse_clock`)."""
    if d.tzinfo is not None:
        d = d.astimezone(STUDY_AREA_TZ)
    tod = d.hour * 3600 + d.minute * 60 + d.second
    if d.date() in EXCEL_BASE_DATES or plan_date is None:
        return tod
    days = (d.date() - plan_date).days
    if days in (0, 1):
        return tod + days * DAY_S
    raise _clock_error(d.isoformat(), f"is on {d.date()} (China Standard Time), not on the plan "
                       f"date {plan_date} or the next day; give the time of the plan date, "
                       "e.g. '07:30'", **at)


def _from_text(s: str, *, past_24: bool, xlsx: bool, plan_date: dt.date | None,
               **at: Any) -> int:
    """Seconds after midnight of a clock, ISO date-time or spreadsheet text."""
    day = 0
    if s.startswith("次日"):
        s, day = s.removeprefix("次日").strip(), 1
    elif (mk := _NEXT_DAY.search(s)) is not None:
        s, day = s[:mk.start()].strip(), int(mk.group(1))
    m = _CLOCK_TEXT.match(s)
    if m is not None:
        h, mi, sec = int(m.group(1)), int(m.group(2)), int(m.group(3) or 0)
        if mi > 59 or sec > 59:
            raise _clock_error(s, "is not a valid time (minutes and seconds 0-59)", **at)
        t = h * 3600 + mi * 60 + sec
        if day and t >= DAY_S:
            raise _clock_error(s, "with a day marker must be before 24:00", **at)
        if past_24 and t >= 2 * DAY_S:
            raise _clock_error(s, "is not a valid time (hours 0-47)", **at)
        if not past_24 and t > DAY_S:
            raise _clock_error(s, "is past 24:00; a time on the next day is written with the "
                               "next-day marker, e.g. '01:00 (+1)' (a shift whose end is before "
                               "its start already ends the next day)", **at)
        return t + day * DAY_S
    if _NUMBER.match(s):
        x = float(s)
        if xlsx and "." in s and 0 <= x < 1:
            return int(round(x * DAY_S))
        raise _clock_error(s, number_as_clock_message(x, table=_in_table(at)), **at)
    try:
        d = dt.datetime.fromisoformat(s)
    except ValueError:
        raise _clock_error(s, "is not a time; expected HH:MM (07:30 or 7:30), HH:MM:SS, or an "
                           "ISO 8601 date-time such as 2026-12-03T07:30:00+08:00", **at) from None
    return _from_datetime(d, plan_date, **at) + day * DAY_S


def parse_clock(value: Any, *, file: str | None = None, row: int | None = None,
                field: str | None = None, past_24: bool = False,
                plan_date: dt.date | None = None) -> int:
    """Read a clock time as whole seconds after midnight of the service day.

    Accepted (the data guide lists the same):

    * ``"07:30"``, ``"7:30"``, ``"07:30:00"`` (fractions of a second dropped);
    * the next-day marker of :func:`hhmm`: ``"01:30 (+1)"`` (also ``"次日 01:30"``) is 25:30;
    * spreadsheet cells: :class:`datetime.time`; a :class:`datetime.datetime` (or its text
      ``"1900-01-01 08:00:00"``) on a date of :data:`EXCEL_BASE_DATES` (a time-only cell); a day
      fraction ``0 <= x < 1`` as a float, or as text when ``file`` is an ``.xlsx``/``.xls``
      workbook (``0.3125`` = 07:30);
    * ISO 8601 date-times, with an offset (``2026-12-03T07:30:00+08:00``,
      ``2026-12-02T23:30:00Z``) converted to China Standard Time
      (:data:`STUDY_AREA_TZ`), or without one (taken as China Standard Time). Date rule: with
      ``plan_date``, the date must be the plan date (or the next day: + 24 h); without it (the
      tables are weekly patterns, not dated), the date part is ignored.

    Refused, each with the fix in the message: numbers (``730``, ``11``, ``7.5``: in YAML
    "write the time as text in quotes, e.g. '07:30'", in a table file (``file`` a CSV/XLSX)
    "write 07:30 (hours:minutes)"), empty cells, bare dates, times past 24:00
    (``"25:00"``) unless ``past_24`` (GTFS ``stop_times``, hours 0-47).

    Parameters
    ----------
    value
        The cell or YAML value.
    file, row, field
        Where the value came from, for the error message.
    past_24
        Accept hours 24-47 written as such (GTFS style); only GTFS readers set it.
    plan_date
        The plan's date, when the caller knows it (dated date-times are checked against it).

    Returns
    -------
    int
        Seconds after midnight of the service day (24 h and more on the next day).

    Raises
    ------
    optimizer.errors.InputError
        If the value is not a clock time (names file, row and field, and the fix).

    Examples
    --------
    >>> parse_clock("07:30"), parse_clock("7:30"), parse_clock("07:30:00")
    (27000, 27000, 27000)
    >>> parse_clock("2026-12-02T23:30:00Z")
    27000
    >>> parse_clock("1900-01-01 08:00:00")
    28800
    >>> parse_clock("01:30 (+1)")
    91800
    >>> parse_clock("25:10:00", past_24=True)
    90600
    """
    at = {"file": file, "row": row, "field": field}
    if isinstance(value, bool) or value is None:
        raise _clock_error(value, "is not a time; expected HH:MM, e.g. '07:30'", **at)
    if isinstance(value, dt.datetime):
        return _from_datetime(value, plan_date, **at)
    if isinstance(value, dt.time):
        if value.tzinfo is not None:
            return _from_datetime(dt.datetime.combine(dt.date(1900, 1, 1), value), None, **at)
        return value.hour * 3600 + value.minute * 60 + value.second
    if isinstance(value, dt.date):
        raise _clock_error(value.isoformat(), "is a date without a time; expected HH:MM", **at)
    if isinstance(value, (int, float, np.integer, np.floating)):
        x = float(value)
        if isinstance(value, (float, np.floating)) and 0 <= x < 1:
            return int(round(x * DAY_S))
        if not math.isfinite(x):
            raise _clock_error(value, "is empty; expected a time HH:MM, e.g. '07:30'", **at)
        raise _clock_error(value, number_as_clock_message(x, table=_in_table(at)), **at)
    s = str(value).strip()
    if not s:
        raise _clock_error(value, "is empty; expected a time HH:MM, e.g. '07:30'", **at)
    xlsx = str(file or "").lower().endswith((".xlsx", ".xls", ".xlsm"))
    return _from_text(s, past_24=past_24, xlsx=xlsx, plan_date=plan_date, **at)


def quantity_to_int(values: float | np.ndarray, *, resolution: float,
                    what: str = "value") -> int | np.ndarray:
    """Round non-time quantities (demand weights, capacities, costs) to OR-Tools integers.

    Parameters
    ----------
    values
        Finite value(s), any shape, in their own unit (persons, meals/day, yuan).
    resolution
        Size of one integer unit in the value's unit (``1.0`` keeps whole numbers exact,
        ``0.001`` keeps three decimals).
    what
        Name used in the scaling warning.

    Returns
    -------
    int or numpy.ndarray of int64
        ``round(values / resolution)``, same shape as the input.

    Raises
    ------
    ValueError
        If a value is not finite or ``resolution <= 0``.
    """
    if not resolution > 0:
        raise ValueError(f"quantity_to_int: resolution={resolution!r}; expected > 0")
    arr = np.asarray(values, dtype=float) / resolution
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"quantity_to_int: non-finite {what}; mask infinite values first")
    out = np.rint(arr)
    check_scale(out, what=what)
    out = out.astype(np.int64)
    return int(out) if out.ndim == 0 else out
