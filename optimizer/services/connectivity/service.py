"""The connectivity report behind the service contract (:mod:`optimizer.services.base`)."""

from __future__ import annotations

from pathlib import Path

from optimizer.errors import InputError
from optimizer.io.coords import WGS84_NAME
from optimizer.io.provenance import synthetic_note
from optimizer.network.snap import PointLabel
from optimizer.services.base import DataContext, OutputFile, PersonalData, PlanContext, WriteContext
from optimizer.services.connectivity.params import ConnectivityParams
from optimizer.services.connectivity.planning import (
    ConnectivityResult,
    Destination,
    plan_connectivity,
)

__all__ = ["SERVICE", "ConnectivityService"]

DEFAULT_UNITS = "synthetic/dialysis_units.csv"
"""The dataset's dialysis units file (relative to the dataset folder)."""


class ConnectivityService:
    """Island links, journeys to the dialysis unit and isochrones (``network/``, maps)."""

    name = "connectivity"
    Params = ConnectivityParams
    tables = ()  # reads the network only
    title = "岛屿连通 island links, journeys to the dialysis unit, isochrones"

    def load(self, params: ConnectivityParams, ctx: DataContext) -> Destination:
        """Read the dialysis units and pick the destination unit.

        Raises
        ------
        optimizer.errors.InputError
            A bad units file (read in ``params.coord_system``; a unit in the sea is refused here,
        so ``optimizer validate`` catches it), an unknown ``destination_unit``, or no active
        unit.
        """
        from optimizer.services.dialysis import default_unit, read_units

        path = ctx.path(params.units, DEFAULT_UNITS)
        system = params.coord_system if params.units is not None else WGS84_NAME
        units = read_units(path, crs=system, islands=ctx.islands)
        if params.destination_unit is None:
            unit = default_unit(units)
        else:
            match = [u for u in units if u.unit_id == params.destination_unit]
            if not match:
                raise InputError(f"unit {params.destination_unit!r} is not in {path} (known: "
                                 f"{[u.unit_id for u in units]})", file=ctx.scenario_file,
                                 field="connectivity.destination_unit")
            unit = match[0]
        notes = (synthetic_note([path]),) if unit.synthetic else ()
        return Destination(unit.unit_id, unit.name_zh, (unit.lon, unit.lat), notes=notes,
                           source=PointLabel(str(path), unit.line or None,
                                             f"unit {unit.unit_id}"))

    def plan(self, inputs: Destination, params: ConnectivityParams,
             ctx: PlanContext) -> ConnectivityResult:
        """Compute the report on the built network."""
        return plan_connectivity(ctx.network, inputs,
                                 reachability_depart_s=params.reachability_depart,
                                 journeys_depart_s=params.journeys_depart,
                                 isochrone_minutes=tuple(params.isochrone_minutes))

    def write(self, result: ConnectivityResult, out_dir: Path,
              ctx: WriteContext) -> list[OutputFile]:
        """Write ``network/*`` and ``maps/network.html``."""
        from optimizer.outputs.connectivity import write_connectivity

        return write_connectivity(result, out_dir, ctx)

    def personal_data(self, inputs: Destination) -> PersonalData:
        """None: the report holds islands, piers and a public facility."""
        return PersonalData()


SERVICE = ConnectivityService()
"""The registered connectivity service."""
