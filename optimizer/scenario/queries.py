"""Network questions asked from the command line (``optimizer journey``, ``optimizer islands``)."""

from __future__ import annotations

from pathlib import Path

from optimizer.errors import InputError
from optimizer.network.build import Network, build_network
from optimizer.scenario.schema import load_scenario
from optimizer.units import parse_clock

__all__ = ["islands_text", "journey_text", "scenario_network"]


def scenario_network(path: str | Path) -> Network:
    """Build the network of a scenario file (its roads, ferries and date).

    Raises
    ------
    optimizer.errors.InputError
        On a bad scenario or network data.
    """
    sc = load_scenario(path)
    return build_network(sc.network, sc.ferries, date=sc.date,
                         dataset=Path(sc.dataset) if sc.dataset else None, name=sc.name)


def _lonlat(text: str, field: str) -> tuple[float, float]:
    try:
        lon, lat = (float(v) for v in text.split(","))
    except ValueError:
        raise InputError(f"{text!r} is not 'lon,lat' (degrees, EPSG:4326)", field=field) from None
    return lon, lat


def journey_text(path: str | Path, from_lonlat: str, to_lonlat: str, depart: str, mode: str,
                 ferry_access: str) -> str:
    """Earliest-arrival journey as text (the ``optimizer journey`` command); the scenario's
    boarding buffer for ``ferry_access`` applies. Places are named (piers, islands, the nearest
    town or village of a road point; :class:`~optimizer.network.placenames.PlaceNames`), never
    network node ids.

    Raises
    ------
    optimizer.errors.InputError
        On a bad point, time, mode or scenario.
    """
    from optimizer.network.journey import journey_from_points, place_names
    from optimizer.network.placenames import PlaceNames

    net = scenario_network(path)
    namer = PlaceNames.of(net.G, net.islands, feed=net.feed)
    j = journey_from_points(net.G, net.timetable, _lonlat(from_lonlat, "--from"),
                            _lonlat(to_lonlat, "--to"), parse_clock(depart, field="--depart"),
                            islands=net.islands, travel_mode=mode, ferry_access=ferry_access,
                            boarding_buffer_s=net.boarding_buffer_s.get(ferry_access),
                            namer=namer)
    names = place_names(net.G, j, origin=f"{namer.node(j.origin)} · start ({from_lonlat})",
                        destination=f"{namer.node(j.destination)} · destination ({to_lonlat})",
                        namer=namer)
    return "\n".join([j.summary(names), *[f"  note: {n}" for n in net.notes]])


def islands_text(path: str | Path, depart: str) -> str:
    """Island diagnostics as a text table (the ``optimizer islands`` command); linked islands
    are listed by name.

    Raises
    ------
    optimizer.errors.InputError
        On a bad time or scenario.
    """
    from optimizer.network.diagnostics import island_report

    net = scenario_network(path)
    df = island_report(net, depart_s=parse_clock(depart, field="--depart"), named_only=True)
    names = dict(zip(net.islands["island_id"].astype(str), net.islands["name_zh"].astype(str)))
    for col in ("land_linked_islands", "ferry_linked_islands"):  # ids -> names a person reads
        df[col] = [";".join(names.get(i, i) or i for i in str(v).split(";") if i)
                   for v in df[col].fillna("")]
    cols = ["island_id", "name_zh", "status", "land_linked_islands", "ferry_linked_islands",
            "reachability"]
    return df[cols].to_string(index=False) + "\n" + "\n".join(f"note: {n}" for n in net.notes)
