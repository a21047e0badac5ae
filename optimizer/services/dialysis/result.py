"""The day plan of the dialysis ride service (:class:`DialysisPlan`) and its tables.

:class:`DialysisPlan` satisfies :class:`optimizer.services.base.ServiceResult` (status, KPIs,
typed notes, search records, reason codes) and gives the writers their tables:
:meth:`DialysisPlan.to_frames` (personal data included: dispatcher sheets) and
:meth:`DialysisPlan.public_frames` (de-identified: published tables and maps).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from optimizer.problems.darp import DarpProblem, DarpResult
from optimizer.results import Note, SearchRecord, SolveStatus, reason
from optimizer.services.dialysis.records import DialysisInputs
from optimizer.services.dialysis.trips import Crossing, Trip
from optimizer.units import hhmm

__all__ = ["DialysisPlan", "PlanUnserved"]


@dataclass(frozen=True)
class PlanUnserved:
    """A trip not in the plan.

    Attributes
    ----------
    trip_id, patient_id, direction
        The trip (``direction`` ``"out"`` or ``"ret"``).
    code
        Reason code of :data:`optimizer.results.REASONS`.
    detail
        The figures behind it, in HH:MM and place names (patient ids are pseudonymised in the
        published tables).
    island_id
        The patient's home island (island level only, so it may be published).
    """

    trip_id: str
    patient_id: str
    direction: str
    code: str
    detail: str = ""
    island_id: str = ""

    def __post_init__(self) -> None:
        reason(self.code)  # an unknown code fails here, loudly

    @property
    def text_zh(self) -> str:
        """The reason in Chinese (the catalogue's label)."""
        return reason(self.code).zh

    @property
    def text_en(self) -> str:
        """The reason in English (the catalogue's label)."""
        return reason(self.code).en


_CROSSING_COLUMNS = ["trip_id", "patient_id", "direction", "gtfs_trip_id", "route_id",
                     "route_name", "from_stop_id", "from_pier", "to_stop_id", "to_pier", "at_pier_by",
                     "departure", "arrival", "is_estimate"]
_UNSERVED_COLUMNS = ["trip_id", "patient_id", "direction", "island_id", "code", "reason_zh",
                     "reason_en", "detail"]


@dataclass(frozen=True)
class DialysisPlan:
    """The day plan of the dialysis ride service.

    Attributes
    ----------
    date
        Service date.
    stops
        One row per stop (see :meth:`to_frames`); personal data included (dispatcher sheets).
    crossings
        Every ferry crossing of a served trip.
    unserved
        Every trip not served, with reason (each trip exactly once here or in :attr:`stops`).
    kpis
        Key figures: counts and minutes (floats), ``unserved_by_reason`` (code → trips) and,
        only when the checker found any, ``checker_violations``.
    trips
        Every trip of the day.
    problem, result
        The DARP instance (legs as requests) and its final, post-processed plan (``None`` when
        there was nothing to solve).
    violations
        :func:`optimizer.solvers.checker.check_darp` findings (empty for a valid plan).
    notes
        Typed labels: the inputs' notes, then approximate roads and (when a crossing uses one)
        estimated sailings from the network's notes.
    trip_summary
        One row per served trip with its whole duration (crossing included).
    status
        :class:`~optimizer.results.SolveStatus`: the solver's status, ``PARTIAL`` when some trip
        is unserved, ``OPTIMAL`` when there was nothing to plan.
    searches
        What bounded each search (empty until the solver reports it).
    inputs
        The inputs planned (the dispatcher sheets need names, phones and vehicles).
    island_names
        Island id -> name (the published counts name islands).
    fleet_sizing
        :class:`~optimizer.services.dialysis.fleet.FleetReport` when ``dialysis.fleet_sizing``
        is on, else ``None``.
    car_ferry
        :class:`~optimizer.services.dialysis.car_ferry.CarFerryCheck` when the plan has
        vehicles on car ferries (re-checks :attr:`result` from the timetable), else ``None``.
    """

    date: dt.date
    stops: pd.DataFrame
    crossings: tuple[Crossing, ...]
    unserved: tuple[PlanUnserved, ...]
    kpis: Mapping[str, Any]
    trips: tuple[Trip, ...]
    problem: DarpProblem | None
    result: DarpResult | None
    violations: tuple = ()
    notes: tuple[Note, ...] = ()
    trip_summary: pd.DataFrame = field(default_factory=pd.DataFrame)
    status: SolveStatus = SolveStatus.OPTIMAL
    searches: tuple[SearchRecord, ...] = ()
    inputs: DialysisInputs | None = field(default=None, compare=False, repr=False)
    island_names: Mapping[str, str] = field(default_factory=dict, compare=False, repr=False)
    fleet_sizing: Any = field(default=None, compare=False, repr=False)
    car_ferry: Any = field(default=None, compare=False, repr=False)

    @property
    def served_trip_ids(self) -> tuple[str, ...]:
        """Trips whose every leg is on a route."""
        if self.trip_summary.empty:
            return ()
        return tuple(self.trip_summary["trip_id"])

    def reason_codes(self) -> set[str]:
        """Codes of :data:`optimizer.results.REASONS` the plan's tables show."""
        return {u.code for u in self.unserved}

    def to_frames(self) -> dict[str, pd.DataFrame]:
        """Tables for the sheet writers.

        Returns
        -------
        dict of pandas.DataFrame
            ``stops``: vehicle_id, driver, driver_phone, seq, action (start/pickup/dropoff/end),
            clock (HH:MM of the start of service), arrival_s/start_s/departure_s (s after
            midnight), trip_id, leg_id, patient_id, patient_name, phone, place_type
            (base/home/unit/pier), place_name, island_id, village_code, lon, lat (EPSG:4326),
            mobility, escort, note (wheelchair, escort, sailing), sailing_trip_id,
            seats_on_board, wheelchairs_on_board.
            ``crossings``: trip_id, patient_id, direction, gtfs trip, route, piers, at_pier_by,
            departure, arrival (``HH:MM``: a person reads the clock, never seconds), is_estimate. ``trips``: one row per served trip with its whole duration and the wait at
            the unit (whole minutes; the KPIs use the exact figures).
            ``unserved``: trip_id, patient_id, direction, island_id (home island), code,
            reason_zh, reason_en (the catalogue's labels), detail.
            ``kpis``: kpi, value (the numeric KPIs).
        """
        cross = pd.DataFrame([{
            "trip_id": c.trip_id, "patient_id": c.patient_id, "direction": c.direction,
            "gtfs_trip_id": c.sailing.trip_id, "route_id": c.sailing.route_id,
            "route_name": c.route_name,
            "from_stop_id": c.sailing.from_stop_id, "from_pier": c.from_pier_name,
            "to_stop_id": c.sailing.to_stop_id, "to_pier": c.to_pier_name,
            "at_pier_by": hhmm(c.boarding_deadline_s),
            "departure": hhmm(c.sailing.departure_s), "arrival": hhmm(c.sailing.arrival_s),
            "is_estimate": c.sailing.is_estimate} for c in self.crossings],
            columns=_CROSSING_COLUMNS)
        uns = pd.DataFrame([{"trip_id": u.trip_id, "patient_id": u.patient_id,
                             "direction": u.direction, "island_id": u.island_id, "code": u.code,
                             "reason_zh": u.text_zh, "reason_en": u.text_en, "detail": u.detail}
                            for u in self.unserved], columns=_UNSERVED_COLUMNS)
        numeric = {k: v for k, v in self.kpis.items()
                   if isinstance(v, (int, float)) and not isinstance(v, bool)
                   and k != "checker_violations"}
        kp = pd.DataFrame({"kpi": list(numeric), "value": list(numeric.values())})
        trips = self.trip_summary.copy()  # minutes a person reads: whole minutes
        for col in ("trip_duration_min", "wait_at_unit_min"):
            trips[col] = trips[col].astype(float).round().astype("Int64")
        return {"stops": self.stops.copy(), "crossings": cross, "trips": trips,
                "unserved": uns, "kpis": kp}

    def public_frames(self) -> dict[str, pd.DataFrame]:
        """The same tables de-identified for publication: no names, phones, patient ids, driver
        names, or coordinates of homes and vehicle bases (island and village code only); rides
        are numbered ``R001`` … in a per-plan pseudonym."""
        fr = self.to_frames()
        ids = sorted({t.patient_id for t in self.trips})
        alias = {pid: f"R{k:03d}" for k, pid in enumerate(ids, start=1)}
        pseudo = _pseudonym(alias)
        st = fr["stops"].drop(columns=["patient_name", "phone", "address", "patient_id", "driver",
                                       "driver_phone", "escort"], errors="ignore")
        private = st["place_type"].isin(["home", "base"])
        st.loc[private, ["lon", "lat"]] = np.nan
        st.loc[private, "place_name"] = st.loc[private, "place_type"]
        st["trip_id"] = st["trip_id"].map(pseudo)
        st["leg_id"] = st["leg_id"].map(_leg_alias(pseudo))
        out = {"stops": st}
        for name in ("crossings", "trips", "unserved"):
            df = fr[name].copy()
            df["trip_id"] = df["trip_id"].map(pseudo)
            df["patient_id"] = df["patient_id"].map(
                lambda v: alias.get(v, v) if isinstance(v, str) else v)
            df = df.rename(columns={"patient_id": "ride"})
            if name == "unserved":
                df["detail"] = df["detail"].map(lambda t: _scrub(t, alias))
            out[name] = df
        out["kpis"] = fr["kpis"]
        return out

    def unserved_counts(self) -> pd.DataFrame:
        """The unserved rides as published: counts per home island, reason, direction and
        two-hour band, cells under 3 merged
        (:func:`~optimizer.services.dialysis.tables.unserved_counts`)."""
        from optimizer.services.dialysis.tables import unserved_counts

        return unserved_counts(self.unserved, self.trips, self.island_names)

    def crossing_counts(self) -> pd.DataFrame:
        """The ferry crossings as published: rides per route, piers and two-hour band of the
        departure, cells under 3 merged
        (:func:`~optimizer.services.dialysis.tables.crossing_counts`)."""
        from optimizer.services.dialysis.tables import crossing_counts

        return crossing_counts(self.crossings)

    def published_tables(self) -> dict[str, pd.DataFrame]:
        """The tables written to ``dialysis/`` (:meth:`public_frames`, with ``stops`` replaced
        by :func:`~optimizer.services.dialysis.tables.stop_counts`: pickups and drop-offs per
        village or public place and two-hour band, cells under 3 merged). Ride by ride, a
        village code with a mobility and exact times could name a patient in a small village;
        the counts cannot. The per-stop de-identified table stays in :meth:`public_frames`
        for the published map, which shows homes at village points."""
        from optimizer.services.dialysis.tables import stop_counts

        out = self.public_frames()
        out["stops"] = stop_counts(out["stops"])
        return out


def _pseudonym(alias: Mapping[str, str]) -> Callable[[Any], Any]:
    """Trip id (``P1-out``) or patient id → the same with the patient's alias."""
    def one(v: Any) -> Any:
        if not isinstance(v, str):
            return v
        pid, sep, rest = v.rpartition("-")
        return f"{alias.get(pid, pid)}{sep}{rest}" if sep else alias.get(v, v)
    return one


def _leg_alias(pseudo: Callable[[Any], Any]) -> Callable[[Any], Any]:
    def one(v: Any) -> Any:
        if not isinstance(v, str):
            return v
        trip, sep, part = v.partition(":")
        return f"{pseudo(trip)}{sep}{part}"
    return one


def _scrub(text: str, alias: Mapping[str, str]) -> str:
    for pid in sorted(alias, key=len, reverse=True):
        text = text.replace(pid, alias[pid])
    return text
