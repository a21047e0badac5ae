"""Meal delivery (幸福食堂 15分钟助餐配送圈): coverage, canteen siting and daily delivery rounds.

The service answers the analyst's and the planner's questions in their words:

1. **Coverage** (:func:`coverage`): for every demand point (village, or synthetic points around
   each village), the nearest open canteen by land travel time in the delivery mode, whether it is
   within the threshold (15 min by e-bike by default) and, if not, why not (a code of
   :data:`optimizer.results.REASONS`): ``BEYOND_THRESHOLD``, ``NO_CANTEEN_ON_ISLAND``,
   ``UNREACHABLE``. Summaries by village, town and island (:func:`summarise`) count every older
   resident exactly once. Canteen capacity is compared with *meals* (:func:`canteen_utilisation`).
   :func:`delivery_area` draws the land within the threshold of any open canteen. Analysts may
   ask for straight-line coverage within ``radius_m`` metres instead
   (``coverage_mode: straight_line``, :func:`straight_line_coverage`).
2. **Siting** (:func:`recommend_sites`): existing canteens stay open, candidates may open; the
   scenario's model is solved exactly with CP-SAT, with its proof and alternatives.
3. **Rounds** (:func:`delivery_rounds`): per delivering canteen, the lunch round as a VRPTW.

:func:`load_meals_inputs` reads and validates the inputs (all problems at once);
:func:`plan_meals` runs all three steps; :data:`SERVICE` is the contract object the scenario
runner uses (``load``, ``plan``, ``write``), whose ``write`` is
:func:`optimizer.outputs.meals.write_meals`.

Examples
--------
>>> from optimizer.services.meals import MealsParams, SERVICE
>>> MealsParams().threshold_s, SERVICE.name
(900.0, 'meals')
"""

from optimizer.services.meals.coverage import COVERAGE_REASONS as COVERAGE_REASONS
from optimizer.services.meals.coverage import COVERED as COVERED
from optimizer.services.meals.coverage import canteen_utilisation as canteen_utilisation
from optimizer.services.meals.coverage import coverage as coverage
from optimizer.services.meals.coverage import delivery_area as delivery_area
from optimizer.services.meals.coverage import status_text as status_text
from optimizer.services.meals.coverage import straight_line_coverage as straight_line_coverage
from optimizer.services.meals.coverage import summarise as summarise
from optimizer.services.meals.inputs import MealsInputs as MealsInputs
from optimizer.services.meals.inputs import load_meals_inputs as load_meals_inputs
from optimizer.services.meals.matrix import MealsMatrix as MealsMatrix
from optimizer.services.meals.matrix import meals_matrix as meals_matrix
from optimizer.services.meals.params import COURIER_BOX_MEALS as COURIER_BOX_MEALS
from optimizer.services.meals.params import DEMAND_LEVELS as DEMAND_LEVELS
from optimizer.services.meals.params import FRESHNESS_MIN as FRESHNESS_MIN
from optimizer.services.meals.params import MEAL_UPTAKE_SHARE as MEAL_UPTAKE_SHARE
from optimizer.services.meals.params import SERVICE_MIN_PER_STOP as SERVICE_MIN_PER_STOP
from optimizer.services.meals.params import SITING_MODELS as SITING_MODELS
from optimizer.services.meals.params import MealsParams as MealsParams
from optimizer.services.meals.planning import plan_meals as plan_meals
from optimizer.services.meals.result import FRAMES as FRAMES
from optimizer.services.meals.result import MealsResult as MealsResult
from optimizer.services.meals.rounds import ROUND_REASONS as ROUND_REASONS
from optimizer.services.meals.rounds import RoundsResult as RoundsResult
from optimizer.services.meals.rounds import delivery_rounds as delivery_rounds
from optimizer.services.meals.rounds import subscribers as subscribers
from optimizer.services.meals.service import SERVICE as SERVICE
from optimizer.services.meals.siting import UNCOVERABLE_CODES as UNCOVERABLE_CODES
from optimizer.services.meals.siting import SitingRecommendation as SitingRecommendation
from optimizer.services.meals.siting import recommend_sites as recommend_sites
from optimizer.services.meals.siting import siting_problem as siting_problem

__all__ = [
    "COURIER_BOX_MEALS",
    "COVERAGE_REASONS",
    "COVERED",
    "DEMAND_LEVELS",
    "FRAMES",
    "FRESHNESS_MIN",
    "MEAL_UPTAKE_SHARE",
    "ROUND_REASONS",
    "SERVICE",
    "SERVICE_MIN_PER_STOP",
    "SITING_MODELS",
    "UNCOVERABLE_CODES",
    "MealsInputs",
    "MealsMatrix",
    "MealsParams",
    "MealsResult",
    "RoundsResult",
    "SitingRecommendation",
    "canteen_utilisation",
    "coverage",
    "delivery_area",
    "delivery_rounds",
    "load_meals_inputs",
    "meals_matrix",
    "plan_meals",
    "recommend_sites",
    "siting_problem",
    "status_text",
    "subscribers",
    "straight_line_coverage",
    "summarise",
]
