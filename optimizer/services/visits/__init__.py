"""Home visits for needy households wherever they live (人户分离困难群众探访关爱“呼叫转移”).

The inputs (households, offices), the hand-off between offices (:func:`plan_handoff`) and the
visit plan of a horizon (:func:`plan_visits`); the service returns both as a
:class:`VisitsResult`.
"""

from optimizer.services.visits.columns import CATEGORIES, HOUSEHOLDS, MOBILITIES, OFFICES, TABLES
from optimizer.services.visits.handoff import HandoffResult, plan_handoff
from optimizer.services.visits.inputs import (Household, Office, VisitsInputs,
                                              load_visits_inputs)
from optimizer.services.visits.params import VisitsParams
from optimizer.services.visits.planning import VisitPlan, plan_visits
from optimizer.services.visits.result import VisitsResult
from optimizer.services.visits.service import SERVICE, VisitsService

__all__ = ["CATEGORIES", "HOUSEHOLDS", "MOBILITIES", "OFFICES", "SERVICE", "TABLES",
           "HandoffResult", "Household", "Office", "VisitsInputs", "VisitsParams",
           "VisitPlan", "VisitsResult", "VisitsService", "load_visits_inputs", "plan_handoff",
           "plan_visits"]
