"""The visits service behind the service contract (:class:`optimizer.services.base.Service`).

:data:`SERVICE` is what the registry lists: ``load`` reads and checks the households, offices
and villages, ``plan`` counts the hand-offs on the built network (which offices are joined by
road), ``write`` delegates to :func:`optimizer.outputs.visits.write_visits`,
``personal_data`` lists the households' names, phones, addresses and homes, which published
files must never show. The only module of the package that imports :mod:`optimizer.outputs`.
"""

from __future__ import annotations

from pathlib import Path

from optimizer.network.islands import land_components
from optimizer.services.base import DataContext, OutputFile, PersonalData, PlanContext, WriteContext
from optimizer.services.visits.columns import TABLES
from optimizer.services.visits.handoff import plan_handoff
from optimizer.services.visits.inputs import VisitsInputs, load_visits_inputs
from optimizer.services.visits.params import DEFAULT_FILES, VisitsParams
from optimizer.services.visits.planning import plan_visits
from optimizer.services.visits.result import VisitsResult

__all__ = ["SERVICE", "VisitsService"]


class VisitsService:
    """Visits wherever households live: the hand-off from registration to residence office."""

    name = "visits"
    Params = VisitsParams
    tables = TABLES
    title = "困难群众探访“呼叫转移” visits: hand-off and visit plan"

    def load(self, params: VisitsParams, ctx: DataContext) -> VisitsInputs:
        """Read and check households, offices and villages; raises
        :class:`~optimizer.errors.InputErrors` listing every problem (file, line, id, field)."""
        return load_visits_inputs(ctx.path(params.households, DEFAULT_FILES["households"]),
                                  ctx.path(params.offices, DEFAULT_FILES["offices"]),
                                  ctx.path(params.villages, DEFAULT_FILES["villages"]),
                                  islands=ctx.islands)

    def plan(self, inputs: VisitsInputs, params: VisitsParams, ctx: PlanContext
             ) -> VisitsResult:
        """Count the hand-offs (offices on islands of different road-linked groups of
        ``ctx.network`` need a ferry) and, with ``plan_visits``, plan the horizon's visits
        (:func:`~optimizer.services.visits.planning.plan_visits`)."""
        handoff = plan_handoff(inputs, land_components(ctx.network.G))
        plan = (plan_visits(inputs, ctx.network, params, date=ctx.date)
                if params.plan_visits else None)
        return VisitsResult(handoff, plan)

    def write(self, result: VisitsResult, out_dir: Path, ctx: WriteContext
              ) -> list[OutputFile]:
        """Write the hand-off (``visits/handoff*.csv``, ``maps/handoff.html``: counts only)
        and the plan (published: ``visits/workload.csv``, ``visits/unvisited.csv``,
        ``maps/visit_territories.html``; internal under ``dispatch/visits/``: calendar, daily
        sheets, unvisited households); returns every file written."""
        from optimizer.outputs.visits import write_visits

        return write_visits(result, out_dir, ctx)

    def personal_data(self, inputs: VisitsInputs) -> PersonalData:
        """Households' names, phones and addresses (with their owners), homes and ids."""
        owners: dict[str, str] = {}
        for h in inputs.households:
            owners.setdefault(h.name, f"household {h.household_id} name")
            owners.setdefault(h.phone, f"household {h.household_id} phone")
            owners.setdefault(h.address, f"household {h.household_id} address")
        owners.pop("", None)
        points = tuple(dict.fromkeys((h.lon, h.lat) for h in inputs.households))
        return PersonalData(texts=tuple(owners), points=points, owners=owners,
                            ids=tuple(h.household_id for h in inputs.households))


SERVICE = VisitsService()
"""The registered visits service."""
