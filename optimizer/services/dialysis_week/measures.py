"""The week's continuity and stable-time measures, from the day plans' stops.

Pure functions on the stops tables (:attr:`optimizer.services.dialysis.DialysisPlan.stops`), so
tests can check them by hand:

* a **leg group** is ``(patient_id, side)``: ``side`` is ``"home"`` for the legs that start or
  end at the patient's home (a trip on one side, part 1 of an outbound crossing, part 2 of a
  return crossing) and ``"far"`` for the legs across the water (pier → unit, unit → pier); the two
  sides of a crossing are necessarily driven by different vehicles;
* the **usual driver** of a group is its most used vehicle over the week (ties: the smallest
  vehicle id); the **same-driver share** is the share of served legs driven by their group's
  usual driver, in percent;
* the **pickup spread** of a patient and direction is the latest minus the earliest start of
  boarding at the trip's first pickup over the week's served trips, minutes.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import pandas as pd

__all__ = ["LegUse", "leg_part", "leg_side", "leg_uses", "pickup_spreads", "same_driver",
           "usual_drivers"]


@dataclass(frozen=True)
class LegUse:
    """One served leg of the week: the day (ISO text), patient, direction (``out``/``ret``),
    leg part (``""`` one leg, ``"1"``/``"2"`` either side of a crossing), the vehicle and the
    start of boarding at the pickup (seconds after midnight)."""

    day: str
    patient_id: str
    direction: str
    part: str
    vehicle_id: str
    pickup_s: float

    @property
    def group(self) -> tuple[str, str]:
        """``(patient_id, side)``."""
        return self.patient_id, leg_side(self.direction, self.part)


def leg_part(leg_id: str, trip_id: str) -> str:
    """``""`` for a one-leg trip, ``"1"``/``"2"`` for the parts of a crossing trip."""
    return "" if leg_id == trip_id else leg_id.rpartition(":")[2]


def leg_side(direction: str, part: str) -> str:
    """``"home"`` or ``"far"`` (module docs)."""
    if part == "" or (direction, part) in (("out", "1"), ("ret", "2")):
        return "home"
    return "far"


def leg_uses(day: str, stops: pd.DataFrame) -> list[LegUse]:
    """The served legs of one day plan's stops table (its ``pickup`` rows)."""
    if stops is None or stops.empty:
        return []
    pick = stops[stops["action"] == "pickup"]
    return [LegUse(day, str(r.patient_id), str(r.trip_id).rpartition("-")[2],
                   leg_part(str(r.leg_id), str(r.trip_id)), str(r.vehicle_id), float(r.start_s))
            for r in pick.itertuples(index=False)]


def usual_drivers(uses: Iterable[LegUse]) -> dict[tuple[str, str], str]:
    """Leg group → its most used vehicle (ties: the smallest vehicle id)."""
    count: dict[tuple[str, str], Counter] = defaultdict(Counter)
    for u in uses:
        count[u.group][u.vehicle_id] += 1
    return {g: min(c, key=lambda v: (-c[v], v)) for g, c in sorted(count.items())}


def same_driver(uses: Iterable[LegUse],
                preferred: Mapping[tuple[str, str], str] | None = None) -> tuple[int, int]:
    """``(legs driven by their group's usual driver, legs)``; ``preferred`` replaces the usual
    drivers (:func:`usual_drivers`) when given."""
    uses = list(uses)
    pref = usual_drivers(uses) if preferred is None else preferred
    return sum(pref.get(u.group) == u.vehicle_id for u in uses), len(uses)


def pickup_spreads(uses: Iterable[LegUse]) -> dict[tuple[str, str], float]:
    """``(patient_id, direction)`` → latest minus earliest first pickup of the week, minutes
    (only the first leg of a trip counts: part ``""`` or ``"1"``)."""
    times: dict[tuple[str, str], list[float]] = defaultdict(list)
    for u in uses:
        if u.part in ("", "1"):
            times[(u.patient_id, u.direction)].append(u.pickup_s)
    return {k: (max(v) - min(v)) / 60.0 for k, v in sorted(times.items())}
