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
from optimizer.services.visits.handoff import HandoffResult, plan_handoff
from optimizer.services.visits.inputs import VisitsInputs, load_visits_inputs
from optimizer.services.visits.params import DEFAULT_FILES, VisitsParams

__all__ = ["SERVICE", "VisitsService"]


class VisitsService:
    """Visits wherever households live: the hand-off from registration to residence office."""

    name = "visits"
    Params = VisitsParams
    tables = TABLES
    title = "困难群众探访“呼叫转移” visits: hand-off to the residence office"

    def load(self, params: VisitsParams, ctx: DataContext) -> VisitsInputs:
        """Read and check households, offices and villages; raises
        :class:`~optimizer.errors.InputErrors` listing every problem (file, line, id, field)."""
        return load_visits_inputs(ctx.path(params.households, DEFAULT_FILES["households"]),
                                  ctx.path(params.offices, DEFAULT_FILES["offices"]),
                                  ctx.path(params.villages, DEFAULT_FILES["villages"]),
                                  islands=ctx.islands)

    def plan(self, inputs: VisitsInputs, params: VisitsParams, ctx: PlanContext
             ) -> HandoffResult:
        """Count the hand-offs; offices on islands of different road-linked groups of
        ``ctx.network`` need a ferry."""
        return plan_handoff(inputs, land_components(ctx.network.G))

    def write(self, result: HandoffResult, out_dir: Path, ctx: WriteContext
              ) -> list[OutputFile]:
        """Write ``visits/handoff.csv``, ``visits/handoff_by_office.csv`` and
        ``maps/handoff.html`` (counts only); returns every file written."""
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
