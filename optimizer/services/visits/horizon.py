"""The planning horizon and the visits each household is due in it (the stated rule).

Rule (deterministic, no random numbers): a household with ``v`` visits a year is due at the
points ``12 (k + φ) / v`` months after 1 January of year 0 (``k`` whole numbers), where its phase
``φ = crc32(household_id) mod 10007 / 10007`` in [0, 1) spreads the households of a category
evenly over the year. A visit is required in the horizon when its due point falls in
``[P(start), P(end))``, ``P(d) = 12 year + (month − 1) + (day − 1) / days in the month`` (months
as a continuous scale, so every calendar month has the same weight). Hence a monthly household
(``v = 12``) is due exactly once in every calendar month, a quarterly one (``v = 4``) in one
month of three, always the same months; a household with ``v > 12`` may be due more than once.
"""

from __future__ import annotations

import calendar
import datetime as dt
import math
import zlib

__all__ = ["PHASE_MODULUS", "due_dates", "horizon", "month_position", "phase", "working_days"]

PHASE_MODULUS = 10007
"""A prime: ``crc32(id) mod 10007`` spreads phases evenly whatever the ids look like."""


def horizon(date: dt.date, *, start: dt.date | None = None, days: int | None = None
            ) -> tuple[dt.date, dt.date]:
    """``(first day, day after the last)`` of the horizon.

    ``start`` ``None`` = the first day of ``date``'s month; ``days`` ``None`` = to the end of
    ``start``'s month.

    >>> horizon(dt.date(2026, 12, 2))
    (datetime.date(2026, 12, 1), datetime.date(2027, 1, 1))
    """
    first = start if start is not None else date.replace(day=1)
    if days is None:
        days = calendar.monthrange(first.year, first.month)[1] - first.day + 1
    return first, first + dt.timedelta(days=days)


def month_position(d: dt.date) -> float:
    """Months since 1 January of year 0 (continuous): ``12 year + month − 1 + (day − 1) /
    days in the month``."""
    dim = calendar.monthrange(d.year, d.month)[1]
    return 12 * d.year + d.month - 1 + (d.day - 1) / dim


def _date_at(p: float) -> dt.date:
    m = math.floor(p)
    year, month = divmod(m, 12)
    dim = calendar.monthrange(year, month + 1)[1]
    return dt.date(year, month + 1, min(dim, math.floor((p - m) * dim) + 1))


def phase(household_id: str) -> float:
    """The household's phase in [0, 1): ``crc32(id) mod 10007 / 10007`` (stable across runs,
    machines and Python versions)."""
    return (zlib.crc32(household_id.encode("utf-8")) % PHASE_MODULUS) / PHASE_MODULUS


def due_dates(household_id: str, visits_per_year: int, start: dt.date, end: dt.date
              ) -> list[dt.date]:
    """Dates of the visits due in ``[start, end)`` by the module's rule (may be empty).

    >>> len(due_dates("NH0001", 12, dt.date(2026, 2, 1), dt.date(2026, 3, 1)))
    1
    """
    a, b, f = month_position(start), month_position(end), phase(household_id)
    k0 = math.ceil(a * visits_per_year / 12 - f)
    out = []
    k = k0
    while (p := 12 * (k + f) / visits_per_year) < b:
        if p >= a:
            out.append(_date_at(p))
        k += 1
    return out


def working_days(start: dt.date, end: dt.date, weekdays: frozenset[int]) -> list[dt.date]:
    """Days of ``[start, end)`` whose weekday (Mon = 0) is in ``weekdays`` (public holidays are
    not modelled: give them as a shorter horizon or working-day pattern)."""
    n = (end - start).days
    return [d for d in (start + dt.timedelta(days=i) for i in range(n)) if d.weekday() in weekdays]
