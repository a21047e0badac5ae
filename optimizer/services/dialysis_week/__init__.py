"""The dialysis week (透析周计划, issue 12 item 1): Monday–Saturday planned jointly from the
patients' weekly schedules and dated exceptions, keeping each patient with the same driver and
stable pickup times within the drivers' weekly hours.

* :mod:`~optimizer.services.dialysis_week.params`: :class:`DialysisWeekParams` (the scenario's
  ``dialysis_week:`` section).
* :mod:`~optimizer.services.dialysis_week.columns` and
  :mod:`~optimizer.services.dialysis_week.inputs`: the exceptions table and its strict reader.
* :mod:`~optimizer.services.dialysis_week.measures`: same-driver share and pickup spreads.
* :mod:`~optimizer.services.dialysis_week.week`: :func:`plan_dialysis_week` (on top of the day
  planner).
* :mod:`~optimizer.services.dialysis_week.kpis`: the week's tables and key figures.
* :mod:`~optimizer.services.dialysis_week.fleet`: fleet sizing of the week (vehicles working
  every day; ``dialysis_week.fleet_sizing``).
* :mod:`~optimizer.services.dialysis_week.service`: :data:`SERVICE`.
"""

from optimizer.services.dialysis_week.columns import EXCEPTIONS
from optimizer.services.dialysis_week.inputs import SessionException, WeekInputs, read_exceptions
from optimizer.services.dialysis_week.params import DialysisWeekParams
from optimizer.services.dialysis_week.service import SERVICE, DialysisWeekService
from optimizer.services.dialysis_week.week import WeekDay, WeekPlan, plan_dialysis_week

__all__ = [
    "EXCEPTIONS",
    "SERVICE",
    "DialysisWeekParams",
    "DialysisWeekService",
    "SessionException",
    "WeekDay",
    "WeekInputs",
    "WeekPlan",
    "plan_dialysis_week",
    "read_exceptions",
]
