"""The meal service behind the service contract (:class:`optimizer.services.base.Service`).

The only module of the package that imports :mod:`optimizer.outputs`: ``write`` delegates to
:func:`optimizer.outputs.meals.write_meals`.
"""

from __future__ import annotations

from pathlib import Path

from optimizer.services.base import DataContext, OutputFile, PersonalData, PlanContext, WriteContext
from optimizer.services.meals.columns import TABLES
from optimizer.services.meals.inputs import MealsInputs, load_meals_inputs
from optimizer.services.meals.params import MealsParams
from optimizer.services.meals.planning import plan_meals
from optimizer.services.meals.result import MealsResult

__all__ = ["SERVICE", "MealsService"]


class MealsService:
    """Meal delivery (助餐配送): 15-minute coverage, canteen siting and lunch rounds.

    ``tables`` are its input tables (elderly by point or village, canteens, candidate sites;
    :mod:`optimizer.services.meals.columns`).
    """

    name = "meals"
    Params = MealsParams
    tables = TABLES
    title = "助餐配送 meals"

    def load(self, params: MealsParams, ctx: DataContext) -> MealsInputs:
        """Read and validate the demand, canteen and candidate files (no solving).

        Raises
        ------
        optimizer.errors.InputErrors
            Every input problem at once (see :func:`load_meals_inputs`).
        """
        return load_meals_inputs(params, dataset=ctx.dataset, islands=ctx.islands,
                                 scenario_file=ctx.scenario_file or None)

    def plan(self, inputs: MealsInputs, params: MealsParams, ctx: PlanContext) -> MealsResult:
        """Coverage, siting and rounds on the network (land legs only: the date's ferries do
        not matter to couriers)."""
        net = ctx.network
        return plan_meals(inputs, net.G, params=params, solver=ctx.solver, islands=net.islands,
                          notes=net.notes)

    def write(self, result: MealsResult, out_dir: Path, ctx: WriteContext) -> list[OutputFile]:
        """The tables under ``meals/`` and the coverage map ``maps/coverage.html``."""
        from optimizer.outputs.meals import write_meals

        return write_meals(result, out_dir, ctx)

    def personal_data(self, inputs: MealsInputs) -> PersonalData:
        """None: the demand is village or synthetic points with counts, the sites are public
        places."""
        return PersonalData()


SERVICE = MealsService()
"""The meal service's contract object (registered by the scenario runner)."""
