"""What a re-plan changed, for the dispatcher: the new plan as a :class:`DialysisPlan` (for the
route sheets) and the change list (:func:`change_list`: whom to call, what changed, old and new
times as HH:MM, trips that can no longer be served with their reason code).

The change list holds names and phones: it is written under ``dispatch/`` only.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from optimizer.problems.darp import DarpResult
from optimizer.results import reason
from optimizer.services.dialysis.operations import operator_kpis
from optimizer.services.dialysis.replan import NO_SHOW_SUFFIX, Replanned
from optimizer.services.dialysis.replan_day import Day
from optimizer.services.dialysis.result import DialysisPlan, PlanUnserved
from optimizer.services.dialysis.tables import day_kpis, stops_table, trip_summary
from optimizer.services.dialysis.trips import Crossing, sailing_text, sessions_for_date
from optimizer.units import hhmm

__all__ = ["CHANGE_COLUMNS", "CHANGE_KINDS", "as_plan", "change_list"]

CHANGE_KINDS: dict[str, tuple[str, str]] = {
    "CANCELLED": ("取消", "cancelled"),
    "NO_SHOW": ("未出现", "no-show"),
    "UNSERVED": ("无法接送", "can no longer be served"),
    "NEWLY_SERVED": ("新安排", "now served"),
    "VEHICLE": ("换车", "other vehicle"),
    "PICKUP_TIME": ("上车时间变更", "pickup time changed"),
    "DROPOFF_TIME": ("到达时间变更", "drop-off time changed"),
    "SAILING": ("换航班", "other sailing"),
}
"""Kinds of change in the change list: code → (Chinese, English)."""

CHANGE_COLUMNS = ["trip_id", "patient_id", "patient_name", "patient_phone", "direction",
                  "change", "change_zh", "change_en", "call", "old_vehicle", "old_driver",
                  "old_driver_phone", "new_vehicle", "new_driver", "new_driver_phone",
                  "old_pickup", "new_pickup", "old_dropoff", "new_dropoff", "old_sailing",
                  "new_sailing", "code", "reason_zh", "reason_en", "detail"]
"""Columns of ``dispatch/changes.csv`` (times ``HH:MM``)."""


def as_plan(rp: Replanned) -> DialysisPlan:
    """The re-plan as a :class:`DialysisPlan` (stops, trips, unserved, KPIs) for the sheet
    writers."""
    day = rp.day
    assert day is not None
    patients = day.patients
    crossing_of = dict(rp.crossings)
    stops = stops_table(rp.result, day.inputs.vehicles, day.m, list(rp.legs.values()), patients,
                        crossing_of)
    unserved = {tid: PlanUnserved(tid, t.patient_id, t.direction, *rp.unserved[tid],
                                  island_id=patients[t.patient_id].island_id)
                for t in rp.trips for tid in (t.trip_id,) if tid in rp.unserved}
    summary = trip_summary(stops, rp.trips, unserved, crossing_of)
    served = set(summary["trip_id"])
    crossings = tuple(c for tid, c in crossing_of.items() if tid in served)
    ordered = tuple(unserved[t.trip_id] for t in rp.trips if t.trip_id in unserved)
    sessions, _ = sessions_for_date(day.inputs.patients, day.date, params=day.params)
    kpis = day_kpis(day.inputs, day.date, sessions, rp.trips, summary, ordered, rp.result,
                    len(crossings), len(rp.violations), stops=stops,
                    ride_time_limit_min=day.params.max_ride_time_min)
    kpis.update(operator_kpis(rp.problem, rp.result, summary))
    from optimizer.results import SolveStatus

    status = SolveStatus.PARTIAL if any(u.code != "NO_TRANSPORT_NEEDED" for u in ordered) \
        else SolveStatus.FEASIBLE
    return DialysisPlan(date=day.date, stops=stops, crossings=crossings, unserved=ordered,
                        kpis=kpis, trips=rp.trips, problem=rp.problem, result=rp.result,
                        violations=rp.violations, notes=day.inputs.notes, trip_summary=summary,
                        status=status, searches=rp.searches, inputs=day.inputs,
                        island_names=day.m.island_names)


def _trip_view(result: DarpResult) -> dict[str, dict[str, Any]]:
    """Trip id → vehicles, first pickup and last drop-off (seconds) in a plan."""
    out: dict[str, dict[str, Any]] = {}
    for r in result.routes:
        for s in r.stops:
            if s.request_id is None or s.request_id.endswith(NO_SHOW_SUFFIX):
                continue
            tid = s.request_id.split(":")[0]
            t = out.setdefault(tid, {"vehicles": [], "pickup": None, "dropoff": None})
            if r.vehicle_id not in t["vehicles"]:
                t["vehicles"].append(r.vehicle_id)
            if s.kind == "pickup" and (t["pickup"] is None or s.start_s < t["pickup"]):
                t["pickup"] = s.start_s
            if s.kind == "delivery" and (t["dropoff"] is None or s.start_s > t["dropoff"]):
                t["dropoff"] = s.start_s
    return out


def _kinds(tid: str, old: Mapping[str, Any] | None, new: Mapping[str, Any] | None,
           unserved: Mapping[str, tuple[str, str]], old_cr: Crossing | None,
           new_cr: Crossing | None) -> list[str]:
    kinds = []
    code = unserved.get(tid, ("", ""))[0]
    if code in ("CANCELLED", "NO_SHOW"):
        return [code] if old is not None else []
    if old is not None and new is None:
        return ["UNSERVED"]
    if old is None and new is not None:
        return ["NEWLY_SERVED"]
    if old is None or new is None:
        return []
    if old["vehicles"] != new["vehicles"]:
        kinds.append("VEHICLE")
    if hhmm(old["pickup"]) != hhmm(new["pickup"]):
        kinds.append("PICKUP_TIME")
    if hhmm(old["dropoff"]) != hhmm(new["dropoff"]):
        kinds.append("DROPOFF_TIME")
    if old_cr is not None and new_cr is not None and (
            old_cr.sailing.departure_s, old_cr.sailing.trip_id) != (
            new_cr.sailing.departure_s, new_cr.sailing.trip_id):
        kinds.append("SAILING")
    return kinds


def change_list(rp: Replanned, original: DarpResult, day0: Day) -> pd.DataFrame:
    """The dispatcher's change list: one row per trip whose ride changed.

    Parameters
    ----------
    rp
        The re-plan.
    original
        The plan it changes (routes in leg ids).
    day0
        The day as planned (crossings, drivers, patients).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`CHANGE_COLUMNS`, in trip order: the kinds of change (codes of
        :data:`CHANGE_KINDS`, ``;``-joined, and in words), whom to call (the patient, the old and
        the new driver, with phones), old and new vehicle, pickup, drop-off (HH:MM) and sailing,
        and for a trip no longer served its reason code (:data:`optimizer.results.REASONS`)
        with the detail. Personal data: write it under ``dispatch/`` only.
    """
    old_v, new_v = _trip_view(original), _trip_view(rp.result)
    patients = day0.patients
    drivers = {v.vehicle_id: v for v in day0.inputs.vehicles}
    rows = []
    for t in rp.trips:
        tid = t.trip_id
        old, new = old_v.get(tid), new_v.get(tid)
        old_cr, new_cr = day0.crossing_of.get(tid), rp.crossings.get(tid)
        kinds = _kinds(tid, old, new, rp.unserved, old_cr, new_cr if new else None)
        if not kinds:
            continue
        p = patients[t.patient_id]
        ov = (old or {}).get("vehicles", [])
        nv = (new or {}).get("vehicles", [])
        code, detail = rp.unserved.get(tid, ("", ""))
        call = [f"patient {p.patient_id} {p.phone}"] + [
            f"driver {v} {drivers[v].driver} {drivers[v].phone}" for v in dict.fromkeys(ov + nv)]
        rows.append({
            "trip_id": tid, "patient_id": p.patient_id, "patient_name": p.name,
            "patient_phone": p.phone, "direction": t.direction, "change": ";".join(kinds),
            "change_zh": "；".join(CHANGE_KINDS[k][0] for k in kinds),
            "change_en": "; ".join(CHANGE_KINDS[k][1] for k in kinds), "call": "; ".join(call),
            "old_vehicle": " ".join(ov), "old_driver": " ".join(drivers[v].driver for v in ov),
            "old_driver_phone": " ".join(drivers[v].phone for v in ov),
            "new_vehicle": " ".join(nv), "new_driver": " ".join(drivers[v].driver for v in nv),
            "new_driver_phone": " ".join(drivers[v].phone for v in nv),
            "old_pickup": _clock(old, "pickup"), "new_pickup": _clock(new, "pickup"),
            "old_dropoff": _clock(old, "dropoff"), "new_dropoff": _clock(new, "dropoff"),
            "old_sailing": sailing_text(old_cr.sailing, day0.m, day0.route_names)
            if old_cr is not None and old else "",
            "new_sailing": sailing_text(new_cr.sailing, day0.m, day0.route_names)
            if new_cr is not None and new else "",
            "code": code, "reason_zh": reason(code).zh if code else "",
            "reason_en": reason(code).en if code else "", "detail": detail})
    return pd.DataFrame(rows, columns=CHANGE_COLUMNS)


def _clock(view: Mapping[str, Any] | None, key: str) -> str:
    if view is None or view.get(key) is None:
        return ""
    return hhmm(view[key])
