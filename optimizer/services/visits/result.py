"""The result of the visits service: the hand-off and the visit plan of the horizon."""

from __future__ import annotations

from dataclasses import dataclass

from optimizer.results import Note, SearchRecord, SolveStatus, merge_notes
from optimizer.services.visits.handoff import HandoffResult
from optimizer.services.visits.inputs import VisitsInputs
from optimizer.services.visits.planning import VisitPlan

__all__ = ["VisitsResult"]


@dataclass(frozen=True)
class VisitsResult:
    """The hand-off and (when ``plan_visits``) the visit plan (satisfies
    :class:`optimizer.services.base.ServiceResult`)."""

    handoff: HandoffResult
    plan: VisitPlan | None = None

    @property
    def inputs(self) -> VisitsInputs:
        """The validated inputs."""
        return self.handoff.inputs

    @property
    def status(self) -> SolveStatus:
        """FEASIBLE (a plan; PARTIAL when a due visit is listed unplanned), or the hand-off's."""
        if self.plan is None:
            return self.handoff.status
        return SolveStatus.PARTIAL if len(self.plan.unvisited) else SolveStatus.FEASIBLE

    @property
    def kpis(self) -> dict:
        """The hand-off's KPIs, then the plan's."""
        return {**self.handoff.kpis, **(self.plan.kpis if self.plan is not None else {})}

    @property
    def notes(self) -> tuple[Note, ...]:
        """The inputs' notes (synthetic data) and the plan's assumptions."""
        return tuple(merge_notes(self.handoff.notes, self.plan.notes if self.plan else ()))

    @property
    def searches(self) -> tuple[SearchRecord, ...]:
        """None: the planner is constructive and deterministic (no search limits)."""
        return ()

    def reason_codes(self) -> set[str]:
        """Reason codes of the unplanned visits."""
        if self.plan is None:
            return set()
        return set(self.plan.unvisited["reason"])
