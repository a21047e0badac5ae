"""Writer of the island-links report: ``network/`` tables and ``maps/network.html``."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from optimizer.outputs.csvfiles import write_csv
from optimizer.results import NoteKind, merge_notes
from optimizer.services.base import OutputFile, WriteContext
from optimizer.services.connectivity.planning import ConnectivityResult
from optimizer.units import hhmm

__all__ = ["write_connectivity"]


def _csv(df: pd.DataFrame, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    write_csv(df, path)  # BOM: Excel opens Chinese text correctly; coordinates to 6 decimals


def write_connectivity(result: ConnectivityResult, out_dir: Path,
                       ctx: WriteContext) -> list[OutputFile]:
    """Write the report's files under ``out_dir`` and return them.

    Files: ``network/islands.csv`` (every island, reachability), ``network/
    journeys_to_dialysis_unit.csv``, ``network/isochrones.geojson`` (EPSG:4326) and
    ``maps/network.html``.

    Parameters
    ----------
    result
        From :func:`optimizer.services.connectivity.plan_connectivity`.
    out_dir
        The run folder.
    ctx
        Titles, tiles, notes and the network (for the map).

    Returns
    -------
    list of OutputFile
    """
    from optimizer.outputs.network_map import network_map

    out = Path(out_dir)
    dest = result.destination
    _csv(result.islands.drop(columns=["earliest_arrival_s"]), out / "network" / "islands.csv")
    _csv(result.journeys, out / "network" / "journeys_to_dialysis_unit.csv")
    (out / "network" / "isochrones.geojson").write_text(
        result.isochrones.to_json(ensure_ascii=False, drop_id=True), encoding="utf-8")
    notes = merge_notes(ctx.notes, result.notes)
    synthetic = any(n.kind is NoteKind.SYNTHETIC_DATA for n in notes)
    network_map(ctx.network, result.islands, result.isochrones,
                (dest.unit_id, dest.name, dest.lonlat), out / "maps" / "network.html",
                tiles=ctx.tiles, title_zh=f"{ctx.title_zh}：岛屿连通与可达性",
                title_en=f"{ctx.title_en}: island links and reachability", synthetic=synthetic,
                notes=notes)
    minutes = sorted(int(m) for m in result.isochrones["threshold_min"])
    return [
        OutputFile("network/islands.csv", "岛屿连通与可达性 Island links and reachability from "
                   f"沈家门 at {hhmm(result.reachability_depart_s)}"),
        OutputFile("network/journeys_to_dialysis_unit.csv",
                   f"各岛至透析点行程 Journeys from each island to {dest.unit_id} leaving "
                   f"{hhmm(result.journeys_depart_s)}, sailings and waits itemised"),
        OutputFile("network/isochrones.geojson",
                   f"等时圈 Isochrones {minutes} min from {dest.unit_id} by car and ferry, "
                   f"leaving {hhmm(result.reachability_depart_s)} (EPSG:4326)"),
        OutputFile("maps/network.html", "地图：岛屿连通、等时圈、码头与航线 Map: island links, "
                   "isochrones, piers, ferry routes"),
    ]
