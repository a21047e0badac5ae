"""Route map of the dialysis day plan (透析接送路线图): one layer per vehicle, drawn along the network.

Built on :mod:`optimizer.outputs.maps` (base map, line layers, privacy guard, offline saving) and
:func:`optimizer.network.paths.route_geometry` (the land path between consecutive stops).

What is drawn
-------------
* **One layer per vehicle** (``"车辆 VA1 Vehicle VA1"``), each in its own colour
  (:data:`ROUTE_COLOURS`): the route along the land network between consecutive stops, and one
  numbered marker per stop place (the stop's sequence numbers) whose popup lists every stop there:
  sequence, time, action, place, ride, notes (wheelchair, escort, sailing).
* **Ferry crossings** (``"轮渡换乘 Ferry crossings"``): patients cross as foot passengers on a
  timetabled sailing, between a drop-off at one pier and a pickup at the other (usually by two
  vehicles). Each sailing used is one dashed straight line pier → pier with the piers, the
  departure and arrival, the time to be at the pier, the riders, and "估计 estimated" when the
  timetable marks the sailing as an estimate; a label at the boarding pier shows the departure.
  A vehicle leg that itself crosses water (different land components) is drawn dashed, straight,
  in the vehicle's layer.

Privacy (published = True, the default)
---------------------------------------
Homes of patients and vehicle bases (volunteers' homes) are *private places*.

* No names, phones, patient ids or driver names: popups come from
  :meth:`optimizer.services.dialysis.DialysisPlan.public_frames` (rides are pseudonyms ``R001-out``).
* Private stops are never drawn at their exact point: their marker sits at the village point of
  their ``village_code`` (``villages``: the dialysis inputs' village points,
  :func:`optimizer.services.dialysis.read_village_points`), else at the representative point of
  their island,
  else at the mean of the island's network nodes (the popup says which).
* Route lines: the leg is drawn node to node (no access segment pointing at the stop), and the
  first/last :data:`PRIVACY_RADIUS_M` metres along the line next to a private stop are cut off
  (legs shorter than that vanish). We cut **along the line** rather than removing a disc around
  each home, because the ends of several pieces clipped by one disc all lie on one circle whose
  centre is the home. What remains ends on the road network at least that far (along the road)
  from the home's nearest node. Line coordinates are rounded to :data:`PUBLISHED_DECIMALS`
  decimals, so a route that merely drives past another home's road node does not carry its exact
  coordinates. (A line may still pass near a home: routes are not bent around homes, since a gap
  in a line would point at what it hides.)

The dispatcher version (``published=False``) shows exact points, patient names, phones, mobility
and driver names, and is titled and noted "内部资料 Internal".
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import folium
import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
from shapely.geometry import LineString
from shapely.ops import substring

from optimizer.errors import InputError
from optimizer.network.contract import WGS84, local_crs
from optimizer.network.paths import RouteLeg, route_geometry
from optimizer.outputs.maps import (
    add_lines,
    add_note,
    add_polygons,
    base_map,
    feature_group,
    include_in_view,
    layer_name,
    missing_coordinates_note,
    save_map,
)
from optimizer.outputs.tiles import to_display_crs

__all__ = [
    "ACTION_LABELS",
    "PLACE_LABELS",
    "PRIVACY_RADIUS_M",
    "PRIVATE_PLACE_TYPES",
    "PUBLISHED_DECIMALS",
    "ROUTE_COLOURS",
    "plot_routes",
    "save_route_map",
]

ROUTE_COLOURS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#17becf",
                 "#bcbd22", "#7f7f7f", "#ff7f0e", "#393b79", "#637939", "#8c6d31", "#843c39",
                 "#7b4173", "#3182bd", "#e6550d", "#31a354", "#756bb1", "#636363")
"""Vehicle colours in order of the vehicles (matplotlib tab10, then d3 category20b/c picks);
cycled beyond 20 vehicles."""

FERRY_COLOUR = "#ff7f0e"
"""Colour of the ferry crossings layer (as in :mod:`optimizer.outputs.network_map`)."""

PRIVACY_RADIUS_M = 300.0
"""Metres of route line (measured along the line, in its UTM zone) not drawn next to a home or
base on published maps. Project choice: about one village block, larger than the 100–250 m
spacing of the road proxy and most rural house clusters, small against the 1–5 km legs of a
route."""

PUBLISHED_DECIMALS = 4
"""Decimals of the route-line coordinates on published maps (1e-4° ≈ 10 m at 30° N): a line that
merely passes a home's road node does not carry that node's exact coordinates."""

PRIVATE_PLACE_TYPES = ("home", "base")
"""Stop place types never shown at their exact point on published maps (bases are volunteers'
homes)."""

ACTION_LABELS = {"start": "出车 Start", "pickup": "上车 Pick-up", "dropoff": "下车 Drop-off",
                 "end": "收车 End"}
"""Bilingual labels of the stop actions of :meth:`DialysisPlan.to_frames`."""

PLACE_LABELS = {"home": "住家 Home", "base": "车辆基地 Vehicle base", "unit": "透析点 Dialysis unit",
                "pier": "码头 Pier"}
"""Bilingual labels of the stop place types."""

def _island_points(G: nx.MultiDiGraph, islands: gpd.GeoDataFrame | None) -> dict[str, tuple]:
    out: dict[str, tuple] = {}
    if islands is not None and len(islands):
        isl = islands.to_crs(WGS84)
        for iid, geom in zip(isl["island_id"].astype(str), isl.geometry):
            if geom is not None and not geom.is_empty:
                rp = geom.representative_point()
                out[iid] = (rp.x, rp.y, "岛屿代表点 island point")
    sums: dict[str, list[float]] = {}
    for _, d in G.nodes(data=True):
        iid = d.get("island_id", "")
        if iid and iid not in out:
            s = sums.setdefault(iid, [0.0, 0.0, 0.0])
            s[0] += d["lon"]
            s[1] += d["lat"]
            s[2] += 1
    for iid, (x, y, k) in sums.items():
        out[iid] = (x / k, y / k, "岛屿路网中心 island network centre")
    return out


def _display_points(stops: pd.DataFrame, *, published: bool, villages: pd.DataFrame,
                    island_pts: Mapping[str, tuple]) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Marker position (lon, lat) and a position note for every stop row (NaN for a private stop
    on a published map with neither a village point nor an island point)."""
    lon = stops["lon"].to_numpy(dtype=float).copy()
    lat = stops["lat"].to_numpy(dtype=float).copy()
    where = [""] * len(stops)
    if not published:
        return lon, lat, where
    for k, (ptype, vcode, iid) in enumerate(zip(stops["place_type"], stops["village_code"],
                                                stops["island_id"])):
        if ptype not in PRIVATE_PLACE_TYPES:
            continue
        vcode = "" if pd.isna(vcode) else str(vcode)
        if vcode and vcode in villages.index:
            lon[k], lat[k] = villages.loc[vcode, ["lon", "lat"]].astype(float)
            where[k] = f"示意位置：村庄点，非实际住址 · Shown at the village point ({vcode}), not the home"
        elif str(iid) in island_pts:
            x, y, what = island_pts[str(iid)]
            lon[k], lat[k] = x, y
            zh, en = what.split(" ", 1)
            where[k] = f"示意位置：{zh}，非实际住址 · Shown at the {en} ({iid}), not the home"
        else:  # neither a village nor an island point: left off the map (_placed_stops)
            lon[k] = lat[k] = np.nan
    return lon, lat, where


# ----------------------------------------------------------------------------- geometry
def _truncate(lines: Sequence[LineString], cut_start: Sequence[bool], cut_end: Sequence[bool],
              radius_m: float) -> list[LineString | None]:
    """Cut ``radius_m`` metres (along the line, in its UTM zone) off the flagged ends
    (EPSG:4326)."""
    if not len(lines):
        return []
    geo = gpd.GeoSeries(list(lines), crs=WGS84)
    crs = local_crs(geo)
    proj = geo.to_crs(crs)
    out: list[LineString | None] = []
    for geom, a, b in zip(proj, cut_start, cut_end):
        L = geom.length
        s = radius_m if a else 0.0
        e = L - radius_m if b else L
        if e - s <= 1.0:  # less than a metre left: nothing to draw
            out.append(None)
            continue
        out.append(substring(geom, s, e) if (a or b) else geom)
    keep = [g for g in out if g is not None]
    back = iter(gpd.GeoSeries(keep, crs=crs).to_crs(WGS84)) if keep else iter(())
    return [next(back) if g is not None else None for g in out]


def _coarsen(line: LineString | None) -> LineString | None:
    """Round to :data:`PUBLISHED_DECIMALS` and drop repeated vertices (None if nothing is left)."""
    if line is None:
        return None
    xy = np.round(np.asarray(line.coords, dtype=float), PUBLISHED_DECIMALS)
    keep = np.ones(len(xy), dtype=bool)
    keep[1:] = np.any(xy[1:] != xy[:-1], axis=1)
    xy = xy[keep]
    return LineString(xy) if len(xy) >= 2 else None


def _fmt_place(row: pd.Series, *, published: bool) -> str:
    ptype = str(row["place_type"])
    label = PLACE_LABELS.get(ptype, ptype)
    if published and ptype in PRIVATE_PLACE_TYPES:
        return label
    name = "" if pd.isna(row.get("place_name")) else str(row["place_name"])
    return f"{label} · {name}" if name and name != ptype else label


def _cell(v: Any) -> str:
    if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NA:
        return ""
    return html.escape(str(v))


def _stop_table(rows: pd.DataFrame, *, published: bool, where: str) -> str:
    cols = [("seq", "#"), ("clock", "时间 Time"), ("action", "动作 Action"),
            ("place", "地点 Place"), ("ride", "行程 Ride")]
    if not published:
        cols += [("patient_name", "患者 Patient"), ("phone", "电话 Phone"),
                 ("mobility", "行动 Mobility")]
    cols += [("note", "备注 Note")]
    head = "".join(f"<th style='padding:0 4px;text-align:left'>{html.escape(n)}</th>"
                   for _, n in cols)
    body = "".join("<tr>" + "".join(f"<td style='padding:0 4px'>{_cell(r[c])}</td>"
                                    for c, _ in cols) + "</tr>" for _, r in rows.iterrows())
    foot = f"<div style='font-size:11px;color:#8a4b00'>{html.escape(where)}</div>" if where else ""
    return (f"<table style='font-size:12px;white-space:nowrap'><tr>{head}</tr>{body}</table>"
            f"{foot}")


def _number_icon(text: str, colour: str, *, dashed: bool) -> folium.DivIcon:
    border = "2px dashed #333" if dashed else "2px solid #fff"
    width = max(22, 8 + 7 * len(text))
    return folium.DivIcon(
        html=(f"<div style='background:{colour};color:#fff;border:{border};border-radius:11px;"
              f"font:700 11px/18px sans-serif;text-align:center;width:{width}px;height:22px;"
              f"line-height:18px;box-shadow:0 1px 3px rgba(0,0,0,.5)'>{html.escape(text)}</div>"),
        icon_size=(width, 22), icon_anchor=(width // 2, 11), class_name="opt-stop-icon")


# ----------------------------------------------------------------------------- the map
def plot_routes(
    plan: Any,
    G: nx.MultiDiGraph,
    *,
    islands: gpd.GeoDataFrame | None = None,
    tiles: str = "osm",
    published: bool = True,
    m: folium.Map | None = None,
    travel_mode: str = "car",
    villages: pd.DataFrame | None = None,
    privacy_radius_m: float = PRIVACY_RADIUS_M,
    synthetic: bool = False,
    title_zh: str | None = None,
    title_en: str | None = None,
    notes: Sequence[Any] | None = None,
) -> folium.Map:
    """Draw the vehicle routes of a dialysis day plan along the network.

    Parameters
    ----------
    plan
        A :class:`optimizer.services.dialysis.DialysisPlan`.
    G
        The network the plan was made on (projected, :mod:`optimizer.network.contract`).
    islands
        Island polygons (EPSG:4326) used to snap stops and as fallback points for private stops;
        default the embedded Putuo islands.
    tiles
        ``"osm"``, ``"tianditu"``, ``"amap"`` (GCJ-02 shift applied) or ``"offline"``.
    published
        True (default): the public map (see the module notes: no names, phones, patient ids or
        exact homes). False: the dispatcher map with exact points and names, marked
        "内部资料 Internal".
    m
        An existing map from :func:`optimizer.outputs.maps.base_map` to add the layers to; its
        ``published`` flag must equal ``published``. Default: a new map.
    travel_mode
        Travel mode whose fastest paths are drawn (``"car"``, ``"ebike"``, ``"walk"``).
    villages
        Village points (index ``village_code``, columns ``lon``, ``lat`` in degrees), e.g. the
        dialysis inputs' ``village_points``; ``None`` = none (private stops at their island's
        point). Used on published maps only.
    privacy_radius_m
        Metres of line (along it) not drawn next to a home or base on published maps; default
        :data:`PRIVACY_RADIUS_M`. Must be > 0 when published.
    synthetic
        Label the map "合成数据 Synthetic data".
    title_zh, title_en
        Title; default "透析接送路线 <date>" / "Dialysis rides <date>".
    notes
        Notes of a new map (typed :class:`~optimizer.results.Note` objects or text); default the
        plan's notes. Approximate-roads notes are left to the map's own label, and synthetic-data
        notes too when ``synthetic`` is set (selected by kind, not text).

    Returns
    -------
    folium.Map
        The map (``m`` when given), with one ``FeatureGroup`` per vehicle named
        ``"车辆 <id> Vehicle <id>"`` and one ``"轮渡换乘 Ferry crossings"`` when a trip crosses.

    Raises
    ------
    optimizer.errors.InputError
        If ``m``'s privacy flag differs from ``published`` or ``privacy_radius_m`` is not positive
        on a published map. A stop without a finite lon/lat, or a private stop with no village,
        island or network point to be shown at, is no error: it is left off the map (its route
        drawn from the stop before to the stop after) and counted in a map note ("2 个停靠点未在
        图上显示：无坐标 · 2 stop(s) not shown: no coordinates").
    optimizer.errors.PrivacyError
        If a personal column would reach a published map (guard of :mod:`optimizer.outputs.maps`).
    ValueError
        If ``travel_mode`` is unknown.
    """
    published = bool(published)
    if published and not privacy_radius_m > 0:
        raise InputError(f"privacy_radius_m={privacy_radius_m!r}; published maps need > 0 m",
                         field="privacy_radius_m")
    exact, shown, crossings = _route_frames(plan, published=published)
    if islands is None:
        from optimizer.network.islands import load_islands

        islands = load_islands()
    if m is None:
        m = _new_map(plan, G, tiles=tiles, published=published, synthetic=synthetic,
                     title_zh=title_zh, title_en=title_en,
                     notes=getattr(plan, "notes", ()) if notes is None else notes,
                     privacy_radius_m=privacy_radius_m)
    elif bool(getattr(m, "published", True)) != published:
        raise InputError(f"the map given has published={getattr(m, 'published', True)} but "
                         f"plot_routes was called with published={published}; use one privacy "
                         "mode per map", field="published")
    ts = getattr(m, "tile_source", None) or tiles
    none = pd.DataFrame(columns=["lon", "lat"])
    vill = (none if villages is None else villages) if published else none
    disp = _display_points(exact, published=published, villages=vill,
                           island_pts=_island_points(G, islands))
    exact, shown, disp = _placed_stops(m, exact, shown, disp)
    if getattr(ts, "name", ts) == "offline":
        _islands_layer(m, islands, set(exact["island_id"].astype(str)))
    off_network = _vehicle_layers(m, G, exact, shown, disp, islands=islands,
                                  travel_mode=travel_mode, published=published,
                                  radius_m=privacy_radius_m, ts=ts)
    if off_network:
        add_note(m, "直线绘制（无路网路径）Drawn straight (no network path): "
                 + "; ".join(off_network[:5]))
    _ferry_layer(m, crossings, G, exact, published=published, ts=ts)
    return m


def _route_frames(plan: Any, *, published: bool) -> tuple[pd.DataFrame, pd.DataFrame,
                                                           pd.DataFrame]:
    """Exact stops (positions, every row), the stops as shown (de-identified when published;
    with ``place``, bilingual ``action`` and ``ride``) and the crossings shown."""
    frames = plan.to_frames()
    exact = frames["stops"].reset_index(drop=True)
    if published:
        pub = plan.public_frames()
        shown, crossings = pub["stops"].reset_index(drop=True), pub["crossings"]
    else:
        shown, crossings = exact.copy(), frames["crossings"]
    shown = shown.assign(place=[_fmt_place(r, published=published) for _, r in shown.iterrows()],
                         action=shown["action"].map(lambda a: ACTION_LABELS.get(a, a)),
                         ride=shown["trip_id"])
    return exact, shown, crossings


def _map_notes(notes: Sequence[Any], *, synthetic: bool) -> list[str]:
    """Note lines of the map: typed notes by kind (approximate roads are the map's own label,
    synthetic data too when the map is labelled synthetic); text as given."""
    from optimizer.results import NoteKind

    skip = {NoteKind.APPROXIMATE_ROADS} | ({NoteKind.SYNTHETIC_DATA} if synthetic else set())
    return [str(n) for n in notes if getattr(n, "kind", None) not in skip]


def _new_map(plan: Any, G: nx.MultiDiGraph, *, tiles: str, published: bool, synthetic: bool,
             title_zh: str | None, title_en: str | None, notes: Sequence[Any],
             privacy_radius_m: float) -> folium.Map:
    """A base map titled for the plan, with its notes, the privacy mode and the unserved count."""
    lines = _map_notes(notes, synthetic=synthetic)
    if published:
        lines.append("公开版：无姓名电话；住家与车辆基地显示于村庄点，其附近 "
                     f"{privacy_radius_m:.0f} 米路线不绘制 · Published: no names or phones; homes "
                     f"and bases shown at village points, route lines stop {privacy_radius_m:.0f} "
                     "m short of them")
    else:
        lines.append("内部资料：含姓名、电话与住址，仅供调度使用，不得外传 · Internal: names, "
                     "phones and homes, for dispatchers only, do not share")
    n_uns = len(getattr(plan, "unserved", ()))
    if n_uns:
        lines.append(f"未安排行程 {n_uns} 个（见调度单）· {n_uns} trip(s) unserved (see the "
                     "route sheet)")
    date = getattr(plan, "date", "")
    tz = title_zh or f"透析接送路线 {date}"
    te = title_en or f"Dialysis rides {date}"
    if not published:
        tz, te = f"内部资料 {tz}", f"Internal · {te}"
    return base_map(title_zh=tz, title_en=te, tiles=tiles, notes=lines,
                    approximate_roads=bool(G.graph.get("approximate_roads")),
                    synthetic=synthetic, published=published)


def _placed_stops(m: folium.Map, exact: pd.DataFrame, shown: pd.DataFrame,
                  disp: tuple[np.ndarray, np.ndarray, list[str]]
                  ) -> tuple[pd.DataFrame, pd.DataFrame, tuple[np.ndarray, np.ndarray, list[str]]]:
    """The stops that have a position (exact and as shown), re-indexed from 0; a stop without
    one (no finite lon/lat, or a private stop with neither a village point nor an island point
    on a published map) is left off the map and counted in a note. Its route is drawn from the
    stop before to the stop after."""
    lon, lat, where = disp
    ok = (np.isfinite(exact["lon"].to_numpy(dtype=float))
          & np.isfinite(exact["lat"].to_numpy(dtype=float))
          & np.isfinite(lon) & np.isfinite(lat))
    if ok.all():
        return exact, shown, disp
    add_note(m, missing_coordinates_note(int((~ok).sum()), ("停靠点", "stop(s)")))
    keep = np.flatnonzero(ok)
    return (exact.iloc[keep].reset_index(drop=True), shown.iloc[keep].reset_index(drop=True),
            (lon[keep], lat[keep], [where[k] for k in keep]))


def _vehicle_layers(m: folium.Map, G: nx.MultiDiGraph, exact: pd.DataFrame, shown: pd.DataFrame,
                    disp: tuple[np.ndarray, np.ndarray, list[str]], *,
                    islands: gpd.GeoDataFrame, travel_mode: str, published: bool,
                    radius_m: float, ts: Any) -> list[str]:
    """One layer per vehicle (in order of first appearance); returns the legs drawn straight."""
    disp_lon, disp_lat, where = disp
    off_network: list[str] = []
    for k, vid in enumerate(dict.fromkeys(exact["vehicle_id"])):
        colour = ROUTE_COLOURS[k % len(ROUTE_COLOURS)]
        idx = exact.index[exact["vehicle_id"] == vid]
        idx = idx[np.argsort(exact.loc[idx, "seq"].to_numpy(), kind="stable")]
        ex = exact.loc[idx]
        legs = route_geometry(G, list(zip(ex["lon"].astype(float), ex["lat"].astype(float))),
                              travel_mode=travel_mode, islands=islands, access=not published)
        private = ex["place_type"].isin(PRIVATE_PLACE_TYPES).to_numpy()
        _vehicle_layer(m, layer_name((f"车辆 {vid}", f"Vehicle {vid}")), colour, legs, ex,
                       shown.loc[idx], private, disp_lon[idx], disp_lat[idx],
                       [where[i] for i in idx], published=published, radius_m=radius_m, ts=ts,
                       off_network=off_network)
    return off_network


def _islands_layer(m: folium.Map, islands: gpd.GeoDataFrame, ids: set[str]) -> None:
    """Faint island outlines (the islands with stops) for maps without base tiles."""
    isl = islands[islands["island_id"].astype(str).isin(ids)]
    if not len(isl):
        return
    crs = local_crs(isl)
    g = isl.to_crs(crs)
    g = gpd.GeoDataFrame({"island_id": g["island_id"].astype(str),
                          "name_zh": g.get("name_zh", "")},
                         geometry=g.geometry.simplify(20.0), crs=crs).to_crs(WGS84)
    add_polygons(m, g, name=("岛屿", "Islands"), color="#b8b8a8", fill_opacity=0.35,
                 weight_px=1.0, tooltip_cols=["island_id", "name_zh"],
                 labels={"island_id": "岛屿 Island", "name_zh": "名称 Name"})


def _vehicle_layer(m: folium.Map, label: str, colour: str, legs: Sequence[RouteLeg],
                   ex: pd.DataFrame, sh: pd.DataFrame, private: np.ndarray, dlon: np.ndarray,
                   dlat: np.ndarray, where: Sequence[str], *, published: bool, radius_m: float,
                   ts: Any, off_network: list[str]) -> None:
    places = [_fmt_place(r, published=published) for _, r in sh.iterrows()]
    clocks = list(sh["clock"])
    net = [leg for leg in legs if leg.on_network and leg.length_m > 0]
    geoms: list[LineString | None] = [leg.geometry for leg in net]
    if published:
        geoms = _truncate(geoms, [bool(private[leg.from_stop]) for leg in net],
                          [bool(private[leg.to_stop]) for leg in net], radius_m)
        geoms = [_coarsen(g) for g in geoms]
    rows = []
    for leg, geom in zip(net, geoms):
        if geom is None:
            continue
        a, b = leg.from_stop, leg.to_stop
        rows.append({"leg": f"{clocks[a]} {places[a]} → {clocks[b]} {places[b]}",
                     "drive_min": round(leg.travel_time_s / 60.0, 1), "geometry": geom})
    gdf = gpd.GeoDataFrame(rows, columns=["leg", "drive_min", "geometry"], geometry="geometry",
                           crs=WGS84)
    if len(gdf):
        add_lines(m, gdf, name=label, color=colour, weight_px=4.0,
                  tooltip_cols=["leg", "drive_min"],
                  labels={"leg": "路段 Leg", "drive_min": "行车 Driving (min)"})
    fg = feature_group(m, label)
    # legs off the network: water crossings of the vehicle itself, or no path / no node
    for leg in legs:
        if leg.on_network:
            continue
        a, b = leg.from_stop, leg.to_stop
        pts = [(dlon[a], dlat[a]), (dlon[b], dlat[b])] if published else list(leg.geometry.coords)
        lon, lat = to_display_crs(np.array([p[0] for p in pts]), np.array([p[1] for p in pts]), ts)
        if leg.is_ferry:
            tip = f"轮渡 Ferry: {clocks[a]} {places[a]} → {clocks[b]} {places[b]}"
        else:
            tip = (f"直线：无路网路径 Straight, no network path ({leg.kind}): {places[a]} → "
                   f"{places[b]}")
            off_network.append(f"{label} #{a}→#{b}")
        folium.PolyLine(list(zip(lat, lon)), color=colour, weight=3, opacity=0.9,
                        dash_array="8 6" if leg.is_ferry else "2 6",
                        tooltip=html.escape(tip)).add_to(fg)
    # one marker per displayed place, listing every stop there
    pos = pd.DataFrame({"lon": np.round(dlon, 7), "lat": np.round(dlat, 7),
                        "k": np.arange(len(ex))})
    lon_d, lat_d = to_display_crs(dlon, dlat, ts)
    for _, grp in pos.groupby(["lon", "lat"], sort=False):
        ks = grp["k"].tolist()
        rows_here = sh.iloc[ks].assign(place=[places[k] for k in ks])
        seqs = [str(int(s)) for s in rows_here["seq"]]
        text = ",".join(seqs) if len(seqs) <= 3 else f"{seqs[0]}…{seqs[-1]}"
        dashed = bool(published and private[ks[0]])
        vid = str(ex["vehicle_id"].iloc[0])
        tip = f"{vid} #{text} · {places[ks[0]]} · {clocks[ks[0]]}"
        folium.Marker(
            location=[float(lat_d[ks[0]]), float(lon_d[ks[0]])],
            icon=_number_icon(text, colour, dashed=dashed),
            tooltip=html.escape(tip),
            popup=folium.Popup(f"<b>{html.escape(label)}</b>" + _stop_table(
                rows_here, published=published, where=where[ks[0]]), max_width=520),
        ).add_to(fg)
    include_in_view(m, dlon, dlat)



def _pier_lonlat(G: nx.MultiDiGraph, stop_id: str, name: str,
                 exact: pd.DataFrame) -> tuple[float, float] | None:
    d = G.nodes.get(f"pier:{stop_id}") if G.has_node(f"pier:{stop_id}") else None
    if d is not None:
        return float(d["lon"]), float(d["lat"])
    hit = exact[(exact["place_type"] == "pier") & (exact["place_name"] == name)]
    if len(hit):
        return float(hit["lon"].iloc[0]), float(hit["lat"].iloc[0])
    return None


def _arc(a: tuple[float, float], b: tuple[float, float], bulge: float, n: int = 24) -> LineString:
    """Quadratic arc a → b (degrees) bulging to the left of travel by ``bulge`` × length, so that
    the two directions of one crossing (and several sailings) do not hide each other."""
    p0, p2 = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    k = np.cos(np.radians((p0[1] + p2[1]) / 2.0))  # lon degrees shrink with latitude
    d = (p2 - p0) * np.array([k, 1.0])
    left = np.array([-d[1], d[0]]) * bulge * 2.0 / np.array([k, 1.0])
    p1 = (p0 + p2) / 2.0 + left
    t = np.linspace(0.0, 1.0, n)[:, None]
    return LineString((1 - t) ** 2 * p0 + 2 * (1 - t) * t * p1 + t**2 * p2)


def _ferry_layer(m: folium.Map, crossings: pd.DataFrame, G: nx.MultiDiGraph, exact: pd.DataFrame,
                 *, published: bool, ts: Any) -> None:
    """One dashed line per sailing used (pier → pier), with a departure label at the boarding pier."""
    if crossings is None or not len(crossings):
        return
    who = "ride" if published else "patient_id"
    names = {}
    if not published:
        names = dict(zip(exact["patient_id"], exact["patient_name"]))
    rows, missing = [], []
    seen: dict[tuple[str, str], int] = {}
    keys = ["gtfs_trip_id", "from_stop_id", "to_stop_id"]
    for _, grp in crossings.groupby(keys, sort=False):
        r = grp.iloc[0]
        a = _pier_lonlat(G, str(r["from_stop_id"]), str(r["from_pier"]), exact)
        b = _pier_lonlat(G, str(r["to_stop_id"]), str(r["to_pier"]), exact)
        if a is None or b is None:
            missing.append(str(r["gtfs_trip_id"]))
            continue
        riders = [str(t) for t in grp["trip_id"]]
        if not published:
            riders = [f"{names.get(p, p)} ({t})" for p, t in zip(grp[who], grp["trip_id"])]
        est = bool(grp["is_estimate"].any())
        rows.append({
            # the route's name and departure a person reads (the GTFS ids stay in the tables)
            "sailing": f"{r.get('route_name') or r['route_id']} {r['departure']}",
            "piers": f"{r['from_pier']} → {r['to_pier']}",
            "departure": f"{r['departure']} 开 dep." + (" 估计 estimated" if est else ""),
            "arrival": f"{r['arrival']} 到 arr.",
            "at_pier_by": str(r["at_pier_by"]),
            "timetable": "估计 estimated" if est else "时刻表 timetabled",
            "riders": len(grp),
            ("rides" if published else "patients"): ", ".join(riders),
            "_lonlat": (a, b), "_dep": str(r["departure"]), "_est": est,
            "geometry": _arc(a, b, 0.08 + 0.05 * seen.get((str(r["from_stop_id"]),
                                                           str(r["to_stop_id"])), 0))})
        pair = (str(r["from_stop_id"]), str(r["to_stop_id"]))
        seen[pair] = seen.get(pair, 0) + 1
    if missing:
        add_note(m, "未绘制的航班（码头不在路网中）Sailings not drawn (pier not in the network): "
              + ", ".join(missing))
    if not rows:
        return
    extra = "rides" if published else "patients"
    cols = ["sailing", "piers", "departure", "arrival", "at_pier_by", "timetable", "riders", extra]
    gdf = gpd.GeoDataFrame([{c: r[c] for c in cols} | {"geometry": r["geometry"]} for r in rows],
                           geometry="geometry", crs=WGS84)
    label = layer_name(("轮渡换乘", "Ferry crossings"))
    add_lines(m, gdf, name=label, color=FERRY_COLOUR, dash=True, weight_px=3.0,
              tooltip_cols=["sailing", "piers", "departure", "timetable"], popup_cols=cols,
              labels={"sailing": "航班 Sailing", "piers": "码头 Piers", "departure": "开船 Departure",
                      "arrival": "到港 Arrival", "at_pier_by": "到码头时限 At the pier by",
                      "timetable": "时刻 Times", "riders": "乘客数 Riders",
                      "rides": "行程 Rides", "patients": "患者 Patients"})
    fg = feature_group(m, label)
    for r in rows:
        (lon0, lat0), _ = r["_lonlat"]
        lon, lat = to_display_crs(np.array([lon0]), np.array([lat0]), ts)
        text = f"渡 {r['_dep']}" + (" 估" if r["_est"] else "")
        folium.Marker(
            location=[float(lat[0]), float(lon[0])],
            icon=folium.DivIcon(
                html=(f"<div style='background:#fff;color:{FERRY_COLOUR};border:2px dashed "
                      f"{FERRY_COLOUR};border-radius:4px;font:700 11px/16px sans-serif;"
                      f"padding:0 3px;white-space:nowrap'>{html.escape(text)}</div>"),
                icon_size=(64, 20), icon_anchor=(-6, 24), class_name="opt-ferry-label"),
            tooltip=html.escape(f"{r['piers']} · {r['departure']} · {r['sailing']}"),
        ).add_to(fg)


def save_route_map(plan: Any, G: nx.MultiDiGraph, path: str | Path, *, offline: bool = True,
                   **kwargs: Any) -> Path:
    """Write the route map of a plan as one HTML file.

    Parameters
    ----------
    plan, G
        As :func:`plot_routes`.
    path
        Output HTML file (parent folders created).
    offline
        True (default): scripts and styles inlined (opens with no network except tiles unless
        ``tiles="offline"``); see :func:`optimizer.outputs.maps.save_map`.
    **kwargs
        Keyword options of :func:`plot_routes` (``published``, ``tiles``, ``islands``, …).

    Returns
    -------
    pathlib.Path
        The written file.

    Raises
    ------
    optimizer.errors.InputError
        As :func:`plot_routes` and :func:`optimizer.outputs.maps.save_map`.
    """
    return save_map(plot_routes(plan, G, **kwargs), path, offline=offline)
