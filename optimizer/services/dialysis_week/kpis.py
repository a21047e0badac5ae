"""The week's tables and key figures (``summary.json`` → ``dialysis_week``).

Key figures (:func:`week_kpis`):

``days``, ``trips``, ``trips_served``, ``trips_unserved``, ``trips_excepted``
    Days planned; every standing trip of the week (two per session of an enrolled patient,
    from the weekly schedules) = served + unserved (a day plan's reason) + excepted (taken out
    by the exceptions file, with its reason).
``same_driver_share``
    Percentage (0–100) of served vehicle legs driven by their leg group's usual driver
    (:mod:`optimizer.services.dialysis_week.measures`).
``pickup_spread_max_min``
    The largest spread of a patient's first-pickup times over the week (same direction),
    minutes; ``spreads_over_limit`` counts the patient-directions over
    ``pickup_spread_max_min`` of the parameters.
``vehicle_hours``, ``trips_per_vehicle_hour``
    Hours the vehicles are out over the week (base to base), and served trips per such hour.
``max_vehicle_week_hours``, ``vehicles_over_weekly_hours``
    The busiest vehicle's week hours and the vehicles over their weekly limit (0 by
    construction: shifts are shortened to the hours left).
``on_time_rate``
    Percentage (0–100) of the served outbound trips that reach the unit at or before the
    session start (the day plans' ``on_time_pct``, weighted by trips).
``unserved_by_reason``
    Reason code → unserved and excepted trips.
``trips_lost_to_week_rules``
    Trips the free pass (each day alone) served minus the trips the week serves: what the week
    rules (preferred drivers, stable times, weekly hours) cost (negative: the week serves more);
    added by :func:`~optimizer.services.dialysis_week.week.plan_dialysis_week`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from optimizer.services.dialysis_week.measures import LegUse, pickup_spreads, same_driver
from optimizer.units import hhmm

__all__ = ["HOURS_COLUMNS", "SPREAD_COLUMNS", "hours_table", "spread_table", "week_kpis"]

SPREAD_COLUMNS = ["patient_id", "direction", "trips", "earliest", "latest", "spread_min",
                  "over_limit"]
HOURS_COLUMNS = ["vehicle_id", "hours", "limit_h", "days_used"]


def spread_table(uses: Sequence[LegUse], limit_min: float) -> pd.DataFrame:
    """One row per patient and direction with two or more served trips (columns
    :data:`SPREAD_COLUMNS`; ``spread_min`` in minutes, ``earliest``/``latest`` HH:MM)."""
    rows = []
    spreads = pickup_spreads(uses)
    for (pid, way), spread in spreads.items():
        times = [u.pickup_s for u in uses if u.patient_id == pid and u.direction == way
                 and u.part in ("", "1")]
        if len(times) < 2:
            continue
        rows.append({"patient_id": pid, "direction": way, "trips": len(times),
                     "earliest": hhmm(min(times)), "latest": hhmm(max(times)),
                     "spread_min": round(spread, 1), "over_limit": spread > limit_min + 1e-9})
    return pd.DataFrame(rows, columns=SPREAD_COLUMNS)


def hours_table(week: Sequence[Any], limits_s: Mapping[str, float]) -> pd.DataFrame:
    """One row per vehicle: week hours out (base to base), its limit, days used (columns
    :data:`HOURS_COLUMNS`)."""
    secs: Counter = Counter()
    used: Counter = Counter()
    for wd in week:
        if wd.plan.result is None:
            continue
        for r in wd.plan.result.routes:
            secs[r.vehicle_id] += float(r.duration_s)
            used[r.vehicle_id] += 1
    return pd.DataFrame([{"vehicle_id": v, "hours": round(secs[v] / 3600.0, 2),
                          "limit_h": round(limits_s[v] / 3600.0, 2), "days_used": used[v]}
                         for v in limits_s], columns=HOURS_COLUMNS)


def week_kpis(week: Sequence[Any], spreads: pd.DataFrame, hours: pd.DataFrame
              ) -> dict[str, Any]:
    """The week's key figures (module docs) and ``per_day`` (ISO date → trips, trips_served,
    trips_unserved, trips_excepted, vehicle_hours, plan)."""
    served = sum(len(wd.plan.served_trip_ids) for wd in week)
    unserved = sum(len(wd.plan.unserved) for wd in week)
    excepted = sum(len(wd.excepted) for wd in week)
    uses = [u for wd in week for u in wd.uses]
    agree, legs = same_driver(uses)
    secs = sum(float(r.duration_s) for wd in week if wd.plan.result is not None
               for r in wd.plan.result.routes)
    out_trips = on_time = 0.0
    for wd in week:
        ts = wd.plan.trip_summary
        if len(ts):
            out = ts[ts["direction"] == "out"]
            out_trips += len(out)
            on_time += float((out["wait_at_unit_min"].astype(float) >= -1e-9).sum())
    reasons = Counter(u.code for wd in week for u in (*wd.plan.unserved, *wd.excepted))
    over = hours[hours["hours"] > hours["limit_h"] + 1e-6] if len(hours) else hours
    return {
        "days": len(week), "trips": served + unserved + excepted, "trips_served": served,
        "trips_unserved": unserved, "trips_excepted": excepted,
        "same_driver_share": 100.0 * agree / legs if legs else 0.0,
        "pickup_spread_max_min": float(spreads["spread_min"].max()) if len(spreads) else 0.0,
        "spreads_over_limit": int(spreads["over_limit"].sum()) if len(spreads) else 0,
        "vehicle_hours": secs / 3600.0,
        "trips_per_vehicle_hour": served / (secs / 3600.0) if secs > 0 else 0.0,
        "max_vehicle_week_hours": float(hours["hours"].max()) if len(hours) else 0.0,
        "vehicles_over_weekly_hours": len(over),
        "on_time_rate": 100.0 * on_time / out_trips if out_trips else 0.0,
        "unserved_by_reason": dict(sorted(reasons.items())),
        "per_day": {wd.date.isoformat(): {
            "trips": len(wd.plan.served_trip_ids) + len(wd.plan.unserved) + len(wd.excepted),
            "trips_served": len(wd.plan.served_trip_ids),
            "trips_unserved": len(wd.plan.unserved), "trips_excepted": len(wd.excepted),
            "vehicle_hours": float(wd.plan.kpis.get("vehicle_hours", 0.0)),
            "plan": wd.chosen} for wd in week},
    }
