"""Dialysis ride service (义载接送): patients, sessions, units, vehicles and ferries → a day plan.

Modules, one job each:

* :mod:`~optimizer.services.dialysis.params`: :class:`DialysisParams` (the scenario's
  ``dialysis:`` section) and :class:`ExtraVehicle`.
* :mod:`~optimizer.services.dialysis.records` and :mod:`~optimizer.services.dialysis.inputs`:
  the validated records and :func:`load_dialysis_inputs` (every problem of every file at once),
  :func:`read_units`, :func:`default_unit`.
* :mod:`~optimizer.services.dialysis.trips`: sessions, trips and their vehicle legs across a
  ferry (the crossing model is documented there).
* :mod:`~optimizer.services.dialysis.places`: the day's places and their car matrix.
* :mod:`~optimizer.services.dialysis.planning`: :func:`plan_dialysis_day` (one DARP, pre-check,
  solve, unlink, check).
* :mod:`~optimizer.services.dialysis.tables` and :mod:`~optimizer.services.dialysis.result`:
  the stops table, trip summary, KPIs and :class:`DialysisPlan`.
* re-planning on the day (``optimizer replan``): :mod:`~.replan_day` (the day rebuilt, the
  run's plan read back: :func:`build_day`, :func:`read_plan`), :mod:`~.replan_events`
  (:class:`Event`, :func:`apply_events`), :mod:`~.replan` (:func:`replan_day`: freeze at
  ``--at``, re-solve from the plan, check), :mod:`~.replan_changes` (the change list).
* :mod:`~optimizer.services.dialysis.service`: :data:`SERVICE`, the contract object
  (:class:`optimizer.services.base.Service`).

Examples
--------
>>> from optimizer.services.dialysis import SERVICE, DialysisParams
>>> SERVICE.name, DialysisParams().arrive_early_min
('dialysis', (15.0, 45.0))
"""

from optimizer.services.dialysis.inputs import (
    default_unit,
    load_dialysis_inputs,
    read_units,
    read_village_points,
)
from optimizer.services.dialysis.params import DialysisParams, ExtraVehicle
from optimizer.services.dialysis.planning import plan_dialysis_day
from optimizer.services.dialysis.records import DialysisInputs, Patient, Unit, VehicleSpec
from optimizer.services.dialysis.replan import Replanned, replan_day
from optimizer.services.dialysis.replan_day import build_day, read_plan
from optimizer.services.dialysis.replan_events import Event, apply_events
from optimizer.services.dialysis.result import DialysisPlan, PlanUnserved
from optimizer.services.dialysis.service import SERVICE, DialysisService
from optimizer.services.dialysis.trips import Crossing, Leg, Session, Trip, sessions_for_date

__all__ = [
    "SERVICE",
    "Crossing",
    "DialysisInputs",
    "DialysisParams",
    "DialysisPlan",
    "DialysisService",
    "Event",
    "ExtraVehicle",
    "Leg",
    "Patient",
    "PlanUnserved",
    "Replanned",
    "Session",
    "Trip",
    "Unit",
    "VehicleSpec",
    "apply_events",
    "build_day",
    "default_unit",
    "load_dialysis_inputs",
    "plan_dialysis_day",
    "read_plan",
    "read_units",
    "replan_day",
    "read_village_points",
    "sessions_for_date",
]
