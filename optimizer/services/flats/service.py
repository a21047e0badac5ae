"""The flats service behind the service contract (:class:`optimizer.services.base.Service`).

``load`` reads the dialysis inputs with the scenario's ``dialysis:`` section
(``DataContext.sections``; defaults when absent) and checks the flats' unit; ``plan`` chooses
who is offered the flats and re-plans the day (:func:`~optimizer.services.flats.plan_flats`);
``write`` delegates to :func:`optimizer.outputs.flats.write_flats`. The only module of the
package that imports :mod:`optimizer.outputs`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from optimizer.errors import InputError
from optimizer.services.base import DataContext, OutputFile, PersonalData, PlanContext, WriteContext
from optimizer.services.dialysis import SERVICE as DIALYSIS
from optimizer.services.dialysis import DialysisParams
from optimizer.services.dialysis.records import DialysisInputs
from optimizer.services.flats.params import FlatsParams
from optimizer.services.flats.planning import plan_flats
from optimizer.services.flats.result import FlatsPlan

__all__ = ["SERVICE", "FlatsInputs", "FlatsService"]


@dataclass(frozen=True)
class FlatsInputs:
    """The dialysis inputs and the ``dialysis:`` section they were loaded with."""

    dialysis: DialysisInputs
    dialysis_params: DialysisParams

    @property
    def notes(self) -> tuple:
        """The dialysis inputs' notes."""
        return self.dialysis.notes

    def describe(self) -> str:
        """One line for ``optimizer validate``."""
        return f"candidates among {self.dialysis.describe()}"


class FlatsService:
    """The flats near the dialysis unit (血透公寓): who should be offered them.

    Attributes
    ----------
    name
        ``"flats"`` (scenario section and output step).
    Params
        :class:`~optimizer.services.flats.FlatsParams`.
    title
        Bilingual step title.
    tables
        None of its own (it reads the dialysis tables).
    """

    name = "flats"
    Params = FlatsParams
    tables = ()
    title = "透析公寓 flats near the unit"

    def load(self, params: FlatsParams, ctx: DataContext) -> FlatsInputs:
        """Read the dialysis inputs (scenario's ``dialysis:`` section) and check ``unit_id``.

        Raises
        ------
        optimizer.errors.InputError
            ``flats.unit_id`` names no unit, or names an inactive one.
        """
        dprm = ctx.sections.get("dialysis") or DialysisParams()
        inputs = DIALYSIS.load(dprm, ctx)
        if params.unit_id is not None:
            known = {u.unit_id: u for u in inputs.units}
            if params.unit_id not in known or not known[params.unit_id].active:
                raise InputError(
                    f"flats.unit_id {params.unit_id!r} is not an active unit; active: "
                    f"{sorted(inputs.active_unit_ids)}", file=ctx.scenario_file or None,
                    field="flats.unit_id")
        return FlatsInputs(inputs, dprm)

    def plan(self, inputs: FlatsInputs, params: FlatsParams, ctx: PlanContext) -> FlatsPlan:
        """Choose and re-plan on ``ctx.network`` with ``ctx.solver``'s limits."""
        return plan_flats(inputs.dialysis, ctx.date, network=ctx.network,
                          dparams=inputs.dialysis_params, fparams=params, solver=ctx.solver)

    def write(self, result: FlatsPlan, out_dir: Path, ctx: WriteContext) -> list[OutputFile]:
        """Write the published tables and the dispatcher's list
        (:func:`optimizer.outputs.flats.write_flats`)."""
        from optimizer.outputs.flats import write_flats

        return write_flats(result, out_dir, ctx)

    def personal_data(self, inputs: FlatsInputs) -> PersonalData:
        """The dialysis inputs' names, phones, homes and bases."""
        return DIALYSIS.personal_data(inputs.dialysis)


SERVICE = FlatsService()
"""The flats service (the registry's entry)."""
