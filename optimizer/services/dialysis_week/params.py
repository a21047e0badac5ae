"""Parameters of the dialysis week (the scenario's ``dialysis_week:`` section)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

from pydantic import Field

from optimizer.params import Minutes, params
from optimizer.services.dialysis.params import DialysisParams

__all__ = ["DialysisWeekParams"]

Hours = Annotated[float, Field(gt=0, le=168, allow_inf_nan=False)]
"""A positive number of hours in one week (at most 7 x 24 = 168)."""


@params
class DialysisWeekParams:
    """The dialysis week (issue 12, item 1): Monday–Saturday planned jointly from the patients'
    weekly schedules, with dated exceptions, driver continuity, stable pickup times and weekly
    driving hours (:func:`~optimizer.services.dialysis_week.week.plan_dialysis_week`).

    Parameters
    ----------
    enabled
        Plan the week in a scenario run. Default off (the baseline plans one day);
        ``scenarios/putuo-dialysis-week.yaml`` turns it on.
    rules
        The day rules (:class:`~optimizer.services.dialysis.DialysisParams`: data files, ride
        time limits, windows, extra vehicles…) every day of the week is planned with; its
        ``enabled`` and ``fleet_sizing`` are not used here (``fleet_sizing_time_factor``
        and ``fleet_sizing_step_factor`` bound the week's fleet sizing).
    exceptions
        Dated exceptions (``dialysis_exceptions`` table: ``patient_id``, ``date``, ``kind`` =
        ``cancelled`` | ``hospital_stay`` | ``holiday``, ``note``); ``None`` = the dataset's
        ``synthetic/dialysis_exceptions.csv`` when present, else none.
    week_start
        The Monday the week starts (``YYYY-MM-DD``); ``None`` = the Monday of the scenario's
        ``date``.
    days
        Days planned from ``week_start`` (default 6: Monday–Saturday, the units' days).
    continuity_weight_min
        Weight of driver continuity, minutes of driving per vehicle leg not driven by the
        patient's usual driver: among plans serving the same trips, the plan with the lower
        driving time + weight x such legs is kept (default 30, a project choice: half an hour
        of driving to keep a patient with their driver).
    pickup_spread_max_min
        A patient's pickup times for the sessions of the week (same shift) differ by at most
        this many minutes where feasible; reported otherwise (default 15, issue 12).
    weekly_hours_max_h
        Driving hours a vehicle may be out in the week, base to base (default 40, a project
        choice: a full-time week); enforced by shortening the vehicle's shift on the later days
        to the hours left.
    weekly_hours_by_vehicle_h
        Per-vehicle limits that replace ``weekly_hours_max_h`` (vehicle id -> hours).
    continuity_tries
        Patients whose legs are split between drivers after the joint pass: how many of them
        (most split first) get one more try with their second driver as the preferred one
        (each try re-plans that patient's days; default 3; 0 = no tries).
    fleet_sizing
        Answer "how many vehicles, of which type and where, working every day of the week,
        would serve every servable trip of every day?"
        (:mod:`optimizer.services.dialysis_week.fleet`; ``dialysis_week/fleet_sizing.csv`` and
        ``vehicles_to_serve_all``, ``fleet_sizing_week`` in the summary). Default off: it costs
        a pool solve per day that needs vehicles and re-solves;
        ``scenarios/putuo-dialysis-week.yaml`` turns it on.
    """

    enabled: bool = False
    rules: DialysisParams = DialysisParams()
    exceptions: Path | None = None
    week_start: dt.date | None = None
    days: int = Field(default=6, ge=1, le=7)
    continuity_weight_min: Minutes = 30.0
    pickup_spread_max_min: Minutes = 15.0
    weekly_hours_max_h: Hours = 40.0
    weekly_hours_by_vehicle_h: dict[str, Hours] = Field(default_factory=dict)
    continuity_tries: int = Field(default=3, ge=0, le=50)
    fleet_sizing: bool = False
