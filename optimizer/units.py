"""Units and the one place where floats become OR-Tools integers.

OR-Tools routing and CP-SAT work on 64-bit integers. This module states the resolutions:

* time: 1 second per unit (``TIME_UNIT_S``),
* distance: 1 metre per unit (``DISTANCE_UNIT_M``),
* benchmark coordinates (Solomon, Li & Lim, Cordeau): ``BENCH_SCALE`` units per instance unit.

A :class:`~optimizer.errors.ScalingWarning` fires when a scaled value approaches ``MAX_VALUE``.
"""

from __future__ import annotations

import math
import warnings

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


def hhmm(seconds: float) -> str:
    """Format seconds after midnight as ``HH:MM`` (hours may exceed 23, GTFS style).

    Examples
    --------
    >>> hhmm(6 * 3600 + 30 * 60)
    '06:30'
    >>> hhmm(25 * 3600 + 600)
    '25:10'
    """
    if not math.isfinite(seconds):
        return "--:--"
    m = int(round(seconds / 60.0))
    return f"{m // 60:02d}:{m % 60:02d}"


def parse_clock(text: str, *, file: str | None = None, row: int | None = None,
                field: str | None = None) -> int:
    """Parse ``HH:MM`` or ``HH:MM:SS`` (hours may exceed 23, GTFS style) to seconds after midnight.

    Parameters
    ----------
    text
        The clock time.
    file, row, field
        Where the value came from, for the error message.

    Returns
    -------
    int
        Seconds after midnight of the service day.

    Raises
    ------
    optimizer.errors.InputError
        If the text is not a clock time (names file, row and field).

    Examples
    --------
    >>> parse_clock("07:30")
    27000
    >>> parse_clock("25:10:00")
    90600
    """
    from optimizer.errors import InputError

    s = str(text).strip()
    parts = s.split(":")
    if len(parts) not in (2, 3) or not all(p.isdigit() for p in parts):
        raise InputError(f"{text!r} is not a time; expected HH:MM or HH:MM:SS",
                         file=file, row=row, field=field)
    h, m = int(parts[0]), int(parts[1])
    sec = int(parts[2]) if len(parts) == 3 else 0
    if m > 59 or sec > 59 or h > 47:
        raise InputError(f"{text!r} is not a valid time (minutes/seconds 0-59, hours 0-47)",
                         file=file, row=row, field=field)
    return h * 3600 + m * 60 + sec


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
