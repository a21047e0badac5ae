"""Home visits for needy households wherever they live (人户分离困难群众探访关爱“呼叫转移”).

This increment: the inputs (households, offices) and the hand-off between offices
(:func:`plan_handoff`); visit planning builds on it.
"""

from optimizer.services.visits.columns import CATEGORIES, HOUSEHOLDS, MOBILITIES, OFFICES, TABLES
from optimizer.services.visits.handoff import HandoffResult, plan_handoff
from optimizer.services.visits.inputs import (Household, Office, VisitsInputs,
                                              load_visits_inputs)
from optimizer.services.visits.params import VisitsParams
from optimizer.services.visits.service import SERVICE, VisitsService

__all__ = ["CATEGORIES", "HOUSEHOLDS", "MOBILITIES", "OFFICES", "SERVICE", "TABLES",
           "HandoffResult", "Household", "Office", "VisitsInputs", "VisitsParams",
           "VisitsService", "load_visits_inputs", "plan_handoff"]
