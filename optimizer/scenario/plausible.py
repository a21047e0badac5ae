"""Values a scenario's parameter classes accept but no planner means: refused or warned.

The parameter classes (:mod:`optimizer.params`) hold the hard bounds (a negative seat count is a
type error there). This module adds the checks that need the machine or common sense about the
service, applied to a validated scenario:

Refused (:func:`refused`, the scenario loader raises them with file, line and key path)
    * a vehicle added in ``dialysis.extra_vehicles`` with 0 seats and 0 wheelchair places
      (it can carry nobody);
    * a longitude outside [-180, 180] or a latitude outside [-90, 90] (``extra_vehicles``,
      ``network.fixed_links``): no place on Earth.

Warned (:func:`warnings`, shown by ``optimizer validate`` and carried as data-warning notes of a
run, :func:`scenario_notes`)
    * ``solver.workers`` above the machine's cores (:func:`os.cpu_count`): the searches then
      share cores and each takes longer; the plan is the same (workers never change it);
    * ``solver.time_limit_s`` above 3600 s (one solve of the Putuo day needs about 10 s,
      BENCHMARKS.md);
    * an extra vehicle with more than :data:`MAX_SEATS` seats (a volunteer car or minibus has
      at most 8; 30 covers a bus);
    * ``dialysis.max_ride_time_min`` above 300 min, ``meals.threshold_min`` above 240 min or
      ``meals.freshness_min`` above 480 min (a clock time or seconds typed as minutes?).
"""

from __future__ import annotations

import os
from typing import Any

from optimizer.results import Note, NoteKind
from optimizer.scenario.yaml_io import key_path

__all__ = ["MAX_SEATS", "refused", "scenario_notes", "warnings"]

MAX_SEATS = 30
"""Seats above which an extra vehicle is warned about (a project choice: a bus)."""

Finding = tuple[tuple[str | int, ...], str]
"""(key location as in a pydantic error, what is wrong)."""


def _extra_vehicles(sc: Any) -> list[Any]:
    dialysis = getattr(sc, "dialysis", None)
    return list(getattr(dialysis, "extra_vehicles", ()) or ())


def refused(sc: Any) -> list[Finding]:
    """Implausible values that are errors (see the module docs).

    Parameters
    ----------
    sc
        A validated :class:`~optimizer.scenario.schema.Scenario`.

    Returns
    -------
    list of (location, message)
        Empty when nothing is refused.
    """
    out: list[Finding] = []
    for i, v in enumerate(_extra_vehicles(sc)):
        loc: tuple[str | int, ...] = ("dialysis", "extra_vehicles", i)
        if v.seats == 0 and v.wheelchair_places == 0:
            out.append((loc + ("seats",), f"vehicle {v.vehicle_id!r} has 0 seats and 0 "
                        "wheelchair places: it can carry nobody; give its seats (e.g. seats: 3) "
                        "or leave it out"))
        out += _lonlat(loc, v.lon, v.lat, "lon", "lat")
    for i, link in enumerate(sc.network.fixed_links):
        for end in ("from_lonlat", "to_lonlat"):
            lon, lat = getattr(link, end)
            out += _lonlat(("network", "fixed_links", i, end), lon, lat, None, None)
    return out


def _lonlat(loc: tuple[str | int, ...], lon: float, lat: float, lon_key: str | None,
            lat_key: str | None) -> list[Finding]:
    out: list[Finding] = []
    if not -180 <= lon <= 180:
        out.append((loc + ((lon_key,) if lon_key else ()),
                    f"longitude {lon} is outside [-180, 180]; give WGS-84 degrees "
                    "(Putuo is near 122.3)"))
    if not -90 <= lat <= 90:
        out.append((loc + ((lat_key,) if lat_key else ()),
                    f"latitude {lat} is outside [-90, 90]; give WGS-84 degrees (Putuo is near "
                    "29.9); swapped with the longitude?"))
    return out


def warnings(sc: Any, *, cores: int | None = None) -> list[Finding]:
    """Implausible values that are warnings (see the module docs).

    Parameters
    ----------
    sc
        A validated scenario.
    cores
        Cores of the machine; default :func:`os.cpu_count`.

    Returns
    -------
    list of (location, message)
    """
    cores = cores if cores is not None else (os.cpu_count() or 1)
    out: list[Finding] = []
    if sc.solver.workers > cores:
        out.append((("solver", "workers"), f"{sc.solver.workers} workers on a machine with "
                    f"{cores} cores: the searches share the cores and each takes longer (the "
                    f"plan is the same); set workers: {cores} or fewer"))
    if sc.solver.time_limit_s > 3600:
        out.append((("solver", "time_limit_s"), f"{sc.solver.time_limit_s:g} s per solve is "
                    "over an hour (the Putuo day needs about 10 s); seconds, not minutes?"))
    for i, v in enumerate(_extra_vehicles(sc)):
        if v.seats > MAX_SEATS:
            out.append((("dialysis", "extra_vehicles", i, "seats"),
                        f"vehicle {v.vehicle_id!r} has {v.seats} seats; more than a bus "
                        f"({MAX_SEATS}); a typo?"))
    for section, key, limit in (("dialysis", "max_ride_time_min", 300),
                                ("meals", "threshold_min", 240),
                                ("meals", "freshness_min", 480)):
        value = getattr(getattr(sc, section, None), key, None)
        if value is not None and value > limit:
            out.append(((section, key), f"{value:g} min is more than {limit} min; a clock "
                        "time or seconds typed as minutes?"))
    return out


def scenario_notes(sc: Any, *, cores: int | None = None) -> tuple[Note, ...]:
    """The :func:`warnings` of a scenario as data-warning notes (bilingual, key path named)."""
    return tuple(Note(NoteKind.DATA_WARNING, f"场景参数 {key_path(loc)} 可能有误",
                      f"scenario key '{key_path(loc)}': {what}")
                 for loc, what in warnings(sc, cores=cores))
