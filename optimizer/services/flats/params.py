"""Parameters of the flats service (scenario section ``flats:``), defined once.

The flats service reads the dialysis patients, units and vehicles with the scenario's own
``dialysis:`` section (files, active units, extra vehicles, ride rules), so none of those are
repeated here.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from optimizer.params import params

__all__ = ["FlatsParams"]


@params
class FlatsParams:
    """Which island dialysis patients should be offered the flats near the unit.

    Parameters
    ----------
    enabled
        Run the service (off in the baseline; ``scenarios/putuo-flats.yaml`` turns it on).
    flats
        Flats the bureau keeps near the unit (>= 0; default 10, the bureau's practice as the
        issue states it).
    patients_per_flat
        Patients one flat houses (>= 1; default 1: a patient and any escort share one flat).
    wheelchair_flats
        Flats a wheelchair user can live in (>= 0); ``None`` (default) = every flat.
    unit_id
        The unit the flats are near; ``None`` = the first active unit of the units file
        (``U01`` on the Putuo data). Only its patients are candidates.
    eligible
        ``"island"`` (default): only patients whose home is not joined to the unit by road or
        bridge (their trips need a ferry); ``"all"``: every enrolled patient of the unit.
    ride_weight
        Weight of one patient hour of travel (riding, waiting at piers, on the ferry, walking)
        in the burden (>= 0; default 1.0).
    vehicle_weight
        Weight of one vehicle-hour (the vehicle time of the patient's direct legs, boarding and
        alighting included) in the burden (>= 0; default 1.0: an hour of a driver and car
        counts as much as an hour of a patient; a project choice to set by the bureau).
    flat_walk_min
        Minutes from the flat to the unit, each way (>= 0; default 5, a flat within about
        400 m). The flat is at the unit's point: the day planner lists the trips as
        ``NO_TRANSPORT_NEEDED`` (no vehicle).
    unmade_trip_h
        Patient hours a trip counts when the day planner cannot make it by any sailing or road
        (``NO_SAILING``, ``UNREACHABLE_ISLAND``; the family must arrange a private boat or a
        night away), no vehicle-hours (>= 0). Default 0: only trips the planner can make count,
        so the burden is measured, not assumed; such patients are listed ``trips_not_made``
        (their session time or sailing is the first thing to fix). A value such as 4.0 ranks
        them first (they then tie, and the lowest ids win).
    """

    enabled: bool = False
    flats: int = Field(default=10, ge=0)
    patients_per_flat: int = Field(default=1, ge=1)
    wheelchair_flats: int | None = Field(default=None, ge=0)
    unit_id: str | None = None
    eligible: Literal["island", "all"] = "island"
    ride_weight: float = Field(default=1.0, ge=0, allow_inf_nan=False)
    vehicle_weight: float = Field(default=1.0, ge=0, allow_inf_nan=False)
    flat_walk_min: float = Field(default=5.0, ge=0, allow_inf_nan=False)
    unmade_trip_h: float = Field(default=0.0, ge=0, allow_inf_nan=False)
