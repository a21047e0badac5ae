"""Operators' key figures of a dialysis day plan (issue 12, item 5).

:func:`operator_kpis` computes, from the final DARP plan (one request per vehicle leg) and the
trip summary, what a ride operator watches besides the trips served:

``vehicle_hours``
    Hours the used vehicles are out: per route, the arrival back at the base minus the departure
    from it (:attr:`optimizer.problems.darp.Route.duration_s`), summed, in hours.
``trips_per_vehicle_hour``
    Trips served (whole trips, a ferry crossing's two legs count once) per vehicle-hour;
    0 without vehicle-hours.
``on_time_pct``
    Percentage (0–100) of the served outbound trips whose last drop-off at the unit starts at or before
    the session start (the plan's windows make late arrivals impossible, so anything below 1 is
    a defect); omitted when no outbound trip is served.
``mean_leg_ride_time_min``, ``p90_leg_ride_time_min``
    Ride time of each vehicle leg, minutes: start of the drop-off minus departure from the
    pickup (the DARP ride time held to ``dialysis.max_ride_time_min``); mean and 90th percentile
    (linear interpolation between order statistics, :func:`numpy.percentile`'s default). The
    maximum is the day plan's ``max_leg_ride_time_min``
    (:func:`~optimizer.services.dialysis.tables.max_leg_ride_time_min`, same definition).
``mean_excess_ride_time_min``
    Mean over legs of the ride time minus the direct drive from pickup to drop-off (the
    problem's travel time), minutes: the detour and waiting with the patient on board.
``deadhead_pct``
    Empty driving as a percentage of all driving (0–100): the travel time of route arcs driven with nobody on
    board (after the previous stop no seat and no wheelchair place is taken; the first arc from
    the base is empty) divided by the travel time of all arcs, x 100.

Shares are percentages so that the reports' one-decimal rounding
(:func:`optimizer.scenario.run.tidy_kpis`) keeps them readable (97.6, not 1.0).

Ride-time figures and the deadhead share are 0 when no leg is served.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from optimizer.problems.darp import DarpProblem, DarpResult

__all__ = ["OPERATOR_KPIS", "operator_kpis"]

OPERATOR_KPIS = ("vehicle_hours", "trips_per_vehicle_hour", "on_time_pct",
                 "mean_leg_ride_time_min", "p90_leg_ride_time_min", "mean_excess_ride_time_min", "deadhead_pct")
"""Keys :func:`operator_kpis` may return, in the order a summary lists them."""


def _legs(problem: DarpProblem, result: DarpResult) -> tuple[np.ndarray, np.ndarray]:
    """Ride time and direct time of every served leg, seconds (two arrays of one length)."""
    ride, direct = [], []
    for rt in result.routes:
        up: dict[str, float] = {}
        for s in rt.stops:
            if s.kind == "pickup":
                up[s.request_id] = s.departure_s
            elif s.kind == "delivery":
                ride.append(s.start_s - up[s.request_id])
                direct.append(problem.direct_time_s(s.request_id))
    return np.asarray(ride, dtype=float), np.asarray(direct, dtype=float)


def _deadhead_share(problem: DarpProblem, result: DarpResult) -> float:
    """Empty travel time over all travel time of the routes (0 without driving)."""
    empty = total = 0.0
    tt = problem.travel_time_s
    for rt in result.routes:
        for prev, s in zip(rt.stops, rt.stops[1:]):
            t = float(tt[prev.node, s.node])
            total += t
            if prev.seats_on_board + prev.wheelchairs_on_board == 0:
                empty += t
    return empty / total if total > 0 else 0.0


def operator_kpis(problem: DarpProblem | None, result: DarpResult | None,
                  trip_summary: pd.DataFrame) -> dict[str, Any]:
    """The operators' key figures of the day (module docs: definitions and units).

    Parameters
    ----------
    problem, result
        The DARP solved (requests = vehicle legs, travel times in seconds) and its final plan;
        ``None`` when nothing was solved.
    trip_summary
        :attr:`~optimizer.services.dialysis.DialysisPlan.trip_summary` (one row per served
        trip; ``direction``, ``wait_at_unit_min`` = session start minus the outbound drop-off,
        minutes).

    Returns
    -------
    dict
        Keys of :data:`OPERATOR_KPIS` (floats; ``on_time_pct`` only with a served outbound
        trip).
    """
    routes = result.routes if result is not None else ()
    hours = sum(r.duration_s for r in routes) / 3600.0
    out: dict[str, Any] = {
        "vehicle_hours": float(hours),
        "trips_per_vehicle_hour": float(len(trip_summary) / hours) if hours > 0 else 0.0}
    outbound = trip_summary[trip_summary["direction"] == "out"] if len(trip_summary) else \
        trip_summary
    if len(outbound):
        on_time = (outbound["wait_at_unit_min"].astype(float) >= -1e-9).mean()
        out["on_time_pct"] = float(100.0 * on_time)
    if problem is None or result is None:
        ride = direct = np.zeros(0)
    else:
        ride, direct = _legs(problem, result)
    if ride.size:
        out.update(mean_leg_ride_time_min=float(ride.mean() / 60.0),
                   p90_leg_ride_time_min=float(np.percentile(ride, 90) / 60.0),
                   mean_excess_ride_time_min=float((ride - direct).mean() / 60.0))
    else:
        out.update(mean_leg_ride_time_min=0.0, p90_leg_ride_time_min=0.0,
                   mean_excess_ride_time_min=0.0)
    out["deadhead_pct"] = (100.0 * _deadhead_share(problem, result)
                             if problem is not None and result is not None else 0.0)
    return out
