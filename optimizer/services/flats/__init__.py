"""The flats near the dialysis unit: which island patients should be offered them (issue 13,
item 5), solved exactly with CP-SAT, and what it frees on the day plan."""

from optimizer.services.flats.burden import BURDEN_COLUMNS as BURDEN_COLUMNS
from optimizer.services.flats.burden import DECISIONS as DECISIONS
from optimizer.services.flats.burden import patient_burdens as patient_burdens
from optimizer.services.flats.params import FlatsParams as FlatsParams
from optimizer.services.flats.planning import flats_problem as flats_problem
from optimizer.services.flats.planning import move_to_flats as move_to_flats
from optimizer.services.flats.planning import plan_flats as plan_flats
from optimizer.services.flats.result import FlatsPlan as FlatsPlan
from optimizer.services.flats.service import SERVICE as SERVICE
from optimizer.services.flats.service import FlatsInputs as FlatsInputs
from optimizer.services.flats.service import FlatsService as FlatsService

__all__ = ["BURDEN_COLUMNS", "DECISIONS", "SERVICE", "FlatsInputs", "FlatsParams", "FlatsPlan",
           "FlatsService", "flats_problem", "move_to_flats", "patient_burdens", "plan_flats"]
