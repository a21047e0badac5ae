"""The dialysis week behind the service contract (:class:`optimizer.services.base.Service`).

:data:`SERVICE` (scenario section ``dialysis_week:``, off by default): ``load`` reads the day
inputs with the section's ``rules`` (as the ``dialysis`` service would) and the exceptions file;
``plan`` plans the week (:func:`~optimizer.services.dialysis_week.week.plan_dialysis_week`);
``write`` delegates to :func:`optimizer.outputs.dialysis_week.write_dialysis_week`. The only
module of the package that imports :mod:`optimizer.outputs`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

from optimizer.errors import ErrorCollector
from optimizer.services.base import DataContext, OutputFile, PersonalData, PlanContext, WriteContext
from optimizer.services.dialysis.service import SERVICE as DIALYSIS
from optimizer.services.dialysis_week.columns import TABLES
from optimizer.services.dialysis_week.fleet import plan_week_fleet_sizing
from optimizer.services.dialysis_week.inputs import WeekInputs, read_exceptions
from optimizer.services.dialysis_week.params import DialysisWeekParams
from optimizer.services.dialysis_week.week import WeekPlan, day_network, plan_dialysis_week

__all__ = ["DEFAULT_EXCEPTIONS", "SERVICE", "DialysisWeekService", "monday_of"]

DEFAULT_EXCEPTIONS = "synthetic/dialysis_exceptions.csv"
"""Default exceptions file, relative to the dataset root (used when present)."""


def monday_of(day: dt.date) -> dt.date:
    """The Monday of ``day``'s week (ISO weeks start on Monday)."""
    return day - dt.timedelta(days=day.weekday())


class DialysisWeekService:
    """The dialysis week (透析周计划): standing trips, same driver, stable times, weekly hours.

    Attributes
    ----------
    name
        ``"dialysis_week"`` (scenario section, output step, ``summary.json`` KPI block).
    Params
        :class:`~optimizer.services.dialysis_week.DialysisWeekParams`.
    title
        Bilingual step title.
    tables
        The exceptions table (:mod:`optimizer.services.dialysis_week.columns`).
    """

    name = "dialysis_week"
    Params = DialysisWeekParams
    tables = TABLES
    title = "血透周计划 dialysis week"

    def load(self, params: DialysisWeekParams, ctx: DataContext) -> WeekInputs:
        """Read the patients, units and vehicles (``params.rules``) and the exceptions; every
        problem of every file raised at once (file, line, id, field)."""
        errs = ErrorCollector()
        day = None
        with errs.collect():
            day = DIALYSIS.load(params.rules, ctx)
        path = ctx.path(params.exceptions, DEFAULT_EXCEPTIONS)
        exceptions, note, used = (), None, ""
        if params.exceptions is not None or path.is_file():
            ids = [p.patient_id for p in day.patients] if day is not None else []
            with errs.collect():
                exceptions, note = read_exceptions(path, ids)
                used = str(path)
        errs.raise_if_any()
        assert day is not None
        return WeekInputs(day=day, exceptions=exceptions,
                          notes=(*day.notes, *((note,) if note else ())), exceptions_file=used)

    def plan(self, inputs: WeekInputs, params: DialysisWeekParams, ctx: PlanContext
             ) -> WeekPlan:
        """Plan the week from ``params.week_start`` (default: the Monday of ``ctx.date``); with
        ``params.fleet_sizing``, also size the fleet for the week
        (:func:`~optimizer.services.dialysis_week.fleet.plan_week_fleet_sizing`: KPIs
        ``vehicles_to_serve_all``, ``wheelchair_vehicles_to_serve_all``, ``fleet_sizing_week``
        and the sentence ``fleet_sizing_week_answer``)."""
        start = params.week_start or monday_of(ctx.date)
        week = plan_dialysis_week(inputs, network=ctx.network, week_start=start, params=params,
                                  solver=ctx.solver)
        if not params.fleet_sizing:
            return week
        report = plan_week_fleet_sizing(week.free, network=ctx.network, params=params,
                                        solver=ctx.solver, day_net=day_network)
        searches = () if report.sizing is None else tuple(
            dataclasses.replace(r, name=f"dialysis {r.name}") for r in report.sizing.searches)
        return dataclasses.replace(week, fleet_sizing=report,
                                   searches=(*week.searches, *searches),
                                   kpis={**week.kpis, **report.kpis,
                                         "fleet_sizing_week_answer": report.sentence})

    def write(self, result: WeekPlan, out_dir: Path, ctx: WriteContext) -> list[OutputFile]:
        """Write the rosters, notices, daily sheets and week tables
        (:func:`optimizer.outputs.dialysis_week.write_dialysis_week`)."""
        from optimizer.outputs.dialysis_week import write_dialysis_week

        return write_dialysis_week(result, out_dir, ctx)

    def personal_data(self, inputs: WeekInputs) -> PersonalData:
        """As the dialysis service (names, phones, homes, bases), plus the exceptions' notes."""
        base = DIALYSIS.personal_data(inputs.day)
        notes = {e.note: f"exception note of patient {e.patient_id} ({e.date})"
                 for e in inputs.exceptions if len(e.note) >= 4}
        owners = {**notes, **base.owners}
        return dataclasses.replace(base, texts=tuple(dict.fromkeys((*base.texts, *notes))),
                                   owners=owners)


SERVICE = DialysisWeekService()
"""The dialysis week service (the registry's entry)."""
