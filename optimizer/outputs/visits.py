"""Writer of the visits service: the hand-off tables and flow map (published: counts only).

Files: ``visits/handoff.csv`` (registration office → residence office, households, crossing
islands, ferry needed), ``visits/handoff_by_office.csv`` (registered, living, handed out, handed
in per office) and ``maps/handoff.html`` (offices and one arrow per pair of offices, width by
households). No household name, phone, address or home appears: the tables hold office names
and counts, the map office points and lines between them.
"""

from __future__ import annotations

import math
from pathlib import Path

import geopandas as gpd
import pandas as pd
from shapely.geometry import LineString, MultiLineString, Point

from optimizer.results import NoteKind, merge_notes
from optimizer.services.base import OutputFile, WriteContext
from optimizer.services.visits.handoff import HandoffResult

__all__ = ["WIDTH_CLASSES", "flow_arrow", "write_visits"]

WIDTH_CLASSES = ((1, 9, 2.0), (10, 29, 4.0), (30, 99, 7.0), (100, None, 10.0))
"""(fewest households, most households or None, line width in CSS pixels) of the map's arrow
layers: wider arrows for more households handed over."""

FERRY_COLORS = {"yes": "#d62728", "no": "#1f77b4"}
"""Arrow colour by ``ferry_needed``: red when a ferry lies between the two offices."""

_LABELS = {"from_office": "移交办事处 from (registration)", "to_office": "接收办事处 to (residence)",
           "households": "户数 households", "crossing_islands": "跨岛 crossing islands",
           "ferry_needed": "需乘船 ferry needed", "office": "办事处 office",
           "registered": "户籍在此 registered", "living": "居住在此 living here",
           "handed_out": "转出 handed out", "handed_in": "转入 handed in"}


def _csv(df: pd.DataFrame, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    df.to_csv(path, index=False, encoding="utf-8-sig", lineterminator="\n")


def flow_arrow(a: tuple[float, float], b: tuple[float, float], *, bend: float = 0.12,
               head: float = 0.08, head_max_deg: float = 0.006) -> MultiLineString:
    """A curved arrow from ``a`` to ``b`` (``(lon, lat)`` EPSG:4326 degrees).

    The curve bows to the right of the direction of travel by ``bend`` × the distance (so the
    arrows A→B and B→A do not overlap); the head is two strokes of ``head`` × the distance at
    ``b``, at most ``head_max_deg`` degrees (about 600 m) long. Degrees are scaled by
    cos(latitude) in longitude so the shape is not skewed.

    Returns
    -------
    shapely.geometry.MultiLineString
        The curve (17 points) and the head's two strokes, EPSG:4326.
    """
    k = math.cos(math.radians((a[1] + b[1]) / 2))
    ax, ay, bx, by = a[0] * k, a[1], b[0] * k, b[1]
    dx, dy = bx - ax, by - ay
    cx, cy = (ax + bx) / 2 + bend * dy, (ay + by) / 2 - bend * dx
    pts = [((1 - t) ** 2 * ax + 2 * (1 - t) * t * cx + t ** 2 * bx,
            (1 - t) ** 2 * ay + 2 * (1 - t) * t * cy + t ** 2 * by)
           for t in (i / 16 for i in range(17))]
    tx, ty = bx - cx, by - cy
    norm = math.hypot(tx, ty) or 1.0
    size = min(head * math.hypot(dx, dy), head_max_deg)
    ux, uy = tx / norm * size, ty / norm * size
    wings = [(bx - ux + uy * 0.6, by - uy - ux * 0.6), (bx - ux - uy * 0.6, by - uy + ux * 0.6)]
    back = [(x / k, y) for x, y in pts]
    strokes = [[(bx / k, by), (x / k, y)] for x, y in wings]
    return MultiLineString([LineString(back), *(LineString(s) for s in strokes)])


def _arrows(result: HandoffResult) -> gpd.GeoDataFrame:
    where = {o.office_id: (o.lon, o.lat) for o in result.inputs.offices}
    h = result.handoff.copy()
    h["color"] = h["ferry_needed"].map(FERRY_COLORS)
    geoms = [flow_arrow(where[a], where[b]) for a, b in zip(h["from_office_id"], h["to_office_id"])]
    return gpd.GeoDataFrame(h, geometry=geoms, crs="EPSG:4326")


def handoff_map(result: HandoffResult, path: Path, ctx: WriteContext) -> Path:
    """``maps/handoff.html``: offices (registered, living, handed out/in) and one arrow per
    pair of offices, width by households (:data:`WIDTH_CLASSES`), red where a ferry is needed.
    Counts only; self-contained (scripts inlined, opens with no network but the tiles)."""
    from optimizer.outputs.maps import add_lines, add_points, base_map, save_map

    notes = merge_notes(ctx.notes, result.notes)
    m = base_map(title_zh=f"{ctx.title_zh}：困难群众探访“呼叫转移”",
                 title_en=f"{ctx.title_en}: visits hand-off between offices", tiles=ctx.tiles,
                 notes=notes, synthetic=any(n.kind is NoteKind.SYNTHETIC_DATA for n in notes))
    arrows = _arrows(result)
    for lo, hi, width in WIDTH_CLASSES:
        part = arrows[(arrows["households"] >= lo)
                      & ((arrows["households"] <= hi) if hi is not None else True)]
        if part.empty:
            continue
        span = f"{lo}-{hi}" if hi is not None else f"{lo}+"
        add_lines(m, part, name=(f"移交 {span} 户", f"{span} households"),
                  color_col="color", weight_px=width,
                  tooltip_cols=("from_office", "to_office", "households", "crossing_islands",
                                "ferry_needed"), labels=_LABELS,
                  legend={"乘船 ferry": FERRY_COLORS["yes"], "陆路 road": FERRY_COLORS["no"]})
    offices = result.by_office.copy()
    pos = {o.office_id: Point(o.lon, o.lat) for o in result.inputs.offices}
    gdf = gpd.GeoDataFrame(offices, geometry=[pos[i] for i in offices["office_id"]],
                           crs="EPSG:4326")
    add_points(m, gdf, name=("办事处", "offices"), color="darkblue", icon="building",
               tooltip_cols=("office", "registered", "living", "handed_out", "handed_in"),
               labels=_LABELS)
    return save_map(m, path, offline=True)


def write_visits(result, out_dir: Path, ctx: WriteContext) -> list[OutputFile]:
    """Write the hand-off tables and map under ``out_dir`` and, when the result holds a visit
    plan, its files (:func:`optimizer.outputs.visit_plan.write_visit_plan`); return them all.

    Parameters
    ----------
    result
        A :class:`~optimizer.services.visits.result.VisitsResult`, or the
        :class:`~optimizer.services.visits.handoff.HandoffResult` alone.
    out_dir
        The run folder.
    ctx
        Titles, tiles and the run's notes.

    Returns
    -------
    list of OutputFile
    """
    full = result
    if not isinstance(result, HandoffResult):
        result = full.handoff
    out = Path(out_dir)
    _csv(result.handoff, out / "visits" / "handoff.csv")
    _csv(result.by_office, out / "visits" / "handoff_by_office.csv")
    handoff_map(result, out / "maps" / "handoff.html", ctx)
    k = result.kpis
    more = []
    if getattr(full, "plan", None) is not None:
        from optimizer.outputs.visit_plan import write_visit_plan

        more = write_visit_plan(full, out, ctx)
    return [
        OutputFile("visits/handoff.csv", f"呼叫转移移交表 Hand-off: {k['handoffs']} households "
                   "passed from the registration office to the residence office, by pair of "
                   "offices (crossing islands, ferry needed)"),
        OutputFile("visits/handoff_by_office.csv", "各办事处户籍、居住、转出、转入户数 Per office: "
                   "households registered, living, handed out, handed in"),
        OutputFile("maps/handoff.html", "地图：办事处间移交流向（仅户数） Map: hand-offs between "
                   "offices (counts only)"),
        *more,
    ]
