"""The dialysis ride service behind the service contract (:class:`optimizer.services.base.Service`).

:data:`SERVICE` is what the scenario runner's registry lists: ``load`` reads and validates the
patients, units and vehicles (no solving), ``plan`` plans the day on the built network, ``write``
delegates to :func:`optimizer.outputs.dialysis.write_dialysis`, ``personal_data`` lists the
names, phones and exact points that published files must never show. This is the only module of
the package that imports :mod:`optimizer.outputs`.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from optimizer.errors import InputError, InputErrors
from optimizer.io.coords import WGS84_NAME, from_system, in_china
from optimizer.results import Note, NoteKind
from optimizer.services.base import DataContext, OutputFile, PersonalData, PlanContext, WriteContext
from optimizer.services.dialysis.columns import TABLES
from optimizer.services.dialysis.fleet import plan_fleet_sizing
from optimizer.services.dialysis.inputs import load_dialysis_inputs, read_village_points
from optimizer.services.dialysis.params import DialysisParams, ExtraVehicle
from optimizer.services.dialysis.planning import plan_dialysis_day
from optimizer.services.dialysis.records import DialysisInputs
from optimizer.services.dialysis.result import DialysisPlan

__all__ = ["DEFAULT_FILES", "SERVICE", "DialysisService"]

DEFAULT_FILES = {"patients": "synthetic/dialysis_patients.csv",
                 "villages": "synthetic/elderly.csv",
                 "units": "synthetic/dialysis_units.csv",
                 "vehicles": "synthetic/vehicles.csv"}
"""Default data files, relative to the dataset root (``data/geo/putuo``)."""


class DialysisService:
    """Dialysis rides (义载接送): patients' sessions → one DARP across ferries → route sheets.

    Attributes
    ----------
    name
        ``"dialysis"`` (scenario section and output step).
    Params
        :class:`~optimizer.services.dialysis.DialysisParams`.
    title
        Bilingual step title for the terminal.
    tables
        The input tables read (patients, units, vehicles; :mod:`optimizer.services.dialysis.columns`).
    """

    name = "dialysis"
    Params = DialysisParams
    tables = TABLES
    title = "血透接送 dialysis rides"

    def load(self, params: DialysisParams, ctx: DataContext) -> DialysisInputs:
        """Read and validate patients, units and vehicles (extra vehicles and active units of
        ``params`` applied); raises :class:`~optimizer.errors.InputErrors` listing every bad
        value (file, row, record id, field)."""
        inputs = load_dialysis_inputs(ctx.path(params.patients, DEFAULT_FILES["patients"]),
                                      ctx.path(params.units, DEFAULT_FILES["units"]),
                                      ctx.path(params.vehicles, DEFAULT_FILES["vehicles"]),
                                      islands=ctx.islands,
                                      extra_vehicles=_extra_in_wgs84(params, ctx.scenario_file),
                                      active_units=params.active_units,
                                      coord_systems={r: params.file_coord_system(r) for r in
                                                     ("patients", "units", "vehicles")})
        path = ctx.path(params.villages, DEFAULT_FILES["villages"])
        if params.villages is None and not path.is_file():  # optional: island points instead
            note = Note(NoteKind.DATA_WARNING, "无村点文件，公开地图按岛显示住址",
                        f"no village points ({path.name}): the published route map shows homes "
                        "and bases at their island's point")
            return dataclasses.replace(inputs, notes=(*inputs.notes, note))
        return dataclasses.replace(inputs, village_points=read_village_points(
            path, crs=params.file_coord_system("villages")))

    def plan(self, inputs: DialysisInputs, params: DialysisParams, ctx: PlanContext
             ) -> DialysisPlan:
        """Plan the day ``ctx.date`` on ``ctx.network`` with the limits of ``ctx.solver``;
        with ``params.fleet_sizing``, also size the fleet
        (:func:`~optimizer.services.dialysis.fleet.plan_fleet_sizing`: KPIs under
        ``fleet_sizing`` and the sentence ``fleet_sizing_answer``)."""
        plan = plan_dialysis_day(inputs, ctx.date, network=ctx.network, params=params,
                                 solver=ctx.solver)
        if not params.fleet_sizing:
            return plan
        report = plan_fleet_sizing(plan, inputs, network=ctx.network, params=params,
                                   solver=ctx.solver)
        searches = () if report.sizing is None else tuple(
            dataclasses.replace(r, name=f"dialysis {r.name}") for r in report.sizing.searches)
        return dataclasses.replace(plan, fleet_sizing=report, searches=(
            *plan.searches, *searches), kpis={
            **plan.kpis, "fleet_sizing": dict(report.kpis),
            "fleet_sizing_answer": report.sentence})

    def write(self, result: DialysisPlan, out_dir: Path, ctx: WriteContext) -> list[OutputFile]:
        """Write route sheets, maps and tables (:func:`optimizer.outputs.dialysis.write_dialysis`);
        returns every file written."""
        from optimizer.outputs.dialysis import write_dialysis

        return write_dialysis(result, result.inputs, out_dir, ctx)

    def personal_data(self, inputs: DialysisInputs) -> PersonalData:
        """Patient and driver names and phones (with their owners), homes and vehicle bases,
        patient ids."""
        owners: dict[str, str] = {}
        for p in inputs.patients:
            owners.setdefault(p.name, f"patient {p.patient_id} name")
            owners.setdefault(p.phone, f"patient {p.patient_id} phone")
        for v in inputs.vehicles:
            owners.setdefault(v.driver, f"vehicle {v.vehicle_id} driver name")
            owners.setdefault(v.phone, f"vehicle {v.vehicle_id} driver phone")
        owners.pop("", None)
        points = [*((p.lon, p.lat) for p in inputs.patients),
                  *((v.lon, v.lat) for v in inputs.vehicles)]
        return PersonalData(texts=tuple(owners), points=tuple(dict.fromkeys(points)),
                            owners=owners, ids=tuple(p.patient_id for p in inputs.patients))


def _extra_in_wgs84(params: DialysisParams, scenario_file: str) -> tuple[ExtraVehicle, ...]:
    """``extra_vehicles`` with lon/lat converted from ``coord_system`` to WGS-84.

    Raises
    ------
    optimizer.errors.InputErrors
        A GCJ-02/BD-09 vehicle outside China (field ``dialysis.extra_vehicles``, position
        named): the offset is undefined there.
    """
    system = params.coord_system
    if system == WGS84_NAME or not params.extra_vehicles:
        return params.extra_vehicles
    errors, out = [], []
    for k, v in enumerate(params.extra_vehicles, start=1):
        if not bool(in_china(v.lon, v.lat)):
            errors.append(InputError(
                f"extra vehicle {v.vehicle_id!r} (item {k}): ({v.lon:g}, {v.lat:g}) is given in "
                f"{system} but lies outside China, where {system} is undefined; give WGS-84",
                file=scenario_file or None, row=k, field="dialysis.extra_vehicles"))
            continue
        lon, lat = from_system(v.lon, v.lat, system)
        out.append(dataclasses.replace(v, lon=float(lon), lat=float(lat)))
    if errors:
        raise InputErrors(errors)
    return tuple(out)


SERVICE = DialysisService()
"""The dialysis ride service (the registry's entry)."""
