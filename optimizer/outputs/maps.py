"""Folium maps for Chinese-first users: bilingual title, legend and notes; privacy guard; offline HTML.

The only module that builds folium maps. A map is made with :func:`base_map`, layers are added with
:func:`add_polygons`, :func:`add_points` and :func:`add_lines` (GeoDataFrames in EPSG:4326, one
``FeatureGroup`` per layer, named in Chinese and English; the three share one pipeline: checks,
privacy guard, datum shift, view, legend), and written with :func:`save_map`. Map modules that
draw extra elements use :func:`feature_group` (the layer to put them in), :func:`include_in_view`
and :func:`add_note` instead of reaching into the map's internals.

* **Base tiles** (:mod:`optimizer.outputs.tiles`): ``"osm"``, ``"tianditu"``, ``"amap"`` (GCJ-02: every
  helper shifts WGS84 data with :func:`~optimizer.outputs.tiles.to_display_crs`) or ``"offline"``.
* **Labels**: a title box (中文 first, then English), note lines such as "近似路网 Approximate roads" and
  "合成数据 Synthetic data", a bilingual legend built from the layers added, a layer control and a
  metric scale bar.
* **Layout**: the title box never overlaps the layer control: on maps narrower than
  :data:`NARROW_SCREEN_PX` the control starts collapsed to its icon and the notes and legend start
  folded (``<details>``, one click opens them); at any width a small script narrows the title box
  to the room left of the control, or moves it below the control.
* **Privacy**: a map is *published* by default. Published maps refuse columns that look personal
  (names of people, phones, addresses, patient ids — :func:`assert_publishable`) and point layers
  flagged ``personal=True`` (exact homes). Only the columns a layer shows (tooltip, popup) are written
  into the HTML, never the whole frame.
* **Offline**: ``save_map(m, path, offline=True)`` replaces every CDN ``<script src>`` and
  ``<link href>`` with the vendored files of ``optimizer/outputs/static`` (see ``SOURCES.md`` there),
  so the page opens with no network. Check it in a real browser with
  :func:`optimizer.outputs.browser.check_page`.

Examples
--------
>>> import geopandas as gpd
>>> from shapely.geometry import Point
>>> m = base_map(title_zh="食堂覆盖", title_en="Canteen coverage", tiles="offline", synthetic=True)
>>> sites = gpd.GeoDataFrame({"site_id": ["S1"]}, geometry=[Point(122.30, 29.95)], crs="EPSG:4326")
>>> m = add_points(m, sites, name=("食堂", "Canteens"), tooltip_cols=["site_id"])
"""

from __future__ import annotations

import base64
import html
import json
import math
import mimetypes
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from branca.element import Element, MacroElement
from folium.plugins import MarkerCluster
from folium.utilities import JsCode
from jinja2 import Template
from shapely.geometry import mapping

from optimizer.errors import InputError, PrivacyError
from optimizer.outputs.tiles import TileSource, resolve_tiles, to_display_crs
from optimizer.results import Note, NoteKind

__all__ = [
    "DEFAULT_CENTER",
    "NARROW_SCREEN_PX",
    "NOTE_APPROXIMATE_ROADS",
    "NOTE_SYNTHETIC",
    "STATIC_DIR",
    "OptimizerMap",
    "add_lines",
    "add_note",
    "add_points",
    "add_polygons",
    "assert_publishable",
    "base_map",
    "feature_group",
    "has_coordinates",
    "include_in_view",
    "layer_name",
    "map_notes",
    "missing_coordinates_note",
    "personal_columns",
    "save_map",
]

STATIC_DIR = Path(__file__).resolve().parent / "static"
"""Vendored Leaflet/folium JS, CSS, fonts and images used by offline maps (see ``SOURCES.md``)."""

DEFAULT_CENTER = (29.95, 122.30)
"""(lat, lon) in degrees (EPSG:4326) of the default view: Zhoushan Island near Shenjiamen, Putuo."""

NOTE_APPROXIMATE_ROADS = "近似路网：道路为海岸线内的代理网络 · Approximate roads: land-proxy network, not surveyed"
"""Note shown when travel times come from the land-proxy road network (architecture: roads in Putuo)."""

NOTE_SYNTHETIC = "合成数据：非真实记录 · Synthetic data: generated, not real records"
"""Note shown when any layer comes from ``optimizer.synthetic``."""

_CJK_FONTS = (
    '"Noto Sans CJK SC","Source Han Sans SC","PingFang SC","Microsoft YaHei",'
    '"WenQuanYi Micro Hei","Hiragino Sans GB",sans-serif'
)

# Colours of the awesome-markers "soft" sprite, for legend swatches (approximate, read off the PNG).
_ICON_COLORS_HEX = {
    "red": "#d63e2a", "darkred": "#a23336", "lightred": "#ff8e7f", "orange": "#f69730",
    "beige": "#ffcb92", "green": "#72b026", "darkgreen": "#728224", "lightgreen": "#bbf970",
    "blue": "#38aadd", "darkblue": "#00649f", "cadetblue": "#436978", "lightblue": "#8adaff",
    "purple": "#d252b9", "darkpurple": "#5b396b", "pink": "#ff91ea", "white": "#fbfbfb",
    "gray": "#575757", "lightgray": "#a3a3a3", "black": "#303030",
}


# --------------------------------------------------------------------------------------------
# Privacy
# --------------------------------------------------------------------------------------------
# Column-name tokens that identify a person or their contact/home (English, pinyin-free).
_PERSONAL_TOKENS = frozenset({
    "phone", "phones", "tel", "telephone", "mobile", "cellphone", "cell", "fax", "email", "wechat",
    "weixin", "qq", "patient", "patients", "address", "addr", "street", "driver", "escort",
    "surname", "firstname", "lastname", "fullname", "givenname", "idcard", "passport", "ssn",
    "birth", "birthday", "dob", "person", "resident", "client", "household", "contact",
})
# Whole column names that are personal (bare "name" is a person's name in our inputs: see
# data/geo/putuo/synthetic/dialysis_patients.csv; place names use name_zh / name_en).
_PERSONAL_NAMES = frozenset({"name", "names", "full_name", "given_name", "family_name", "id_number",
                             "id_no", "home", "home_lon", "home_lat", "home_x", "home_y"})
_PERSONAL_CJK = ("姓名", "名字", "电话", "手机", "联系", "住址", "地址", "家庭", "患者", "病人",
                 "身份证", "司机", "陪护", "出生", "微信")


def _tokens(col: str) -> list[str]:
    norm = unicodedata.normalize("NFKC", str(col)).strip().lower()
    return [t for t in re.split(r"[^0-9a-z]+", norm) if t]


def personal_columns(columns: Iterable[Any], *, allow: Iterable[str] = ()) -> list[str]:
    """List the column names that look like personal data (people's names, contacts, homes).

    Rules: a bare ``name`` (our inputs use ``name_zh``/``name_en`` for places and ``name`` for
    people), any name with a token such as ``phone``, ``patient``, ``address``, ``driver``,
    ``contact``, ``birth``, ``idcard``, or any Chinese name containing 姓名, 电话, 手机, 地址, 住址, 患者,
    病人, 身份证, 司机, …

    Parameters
    ----------
    columns
        Column names to check.
    allow
        Names exempted on purpose (e.g. a facility's public ``address``).

    Returns
    -------
    list of str
        The offending names, in input order.
    """
    allowed = {str(a) for a in allow}
    bad = []
    for col in columns:
        name = str(col)
        if name in allowed or name == "geometry":
            continue
        toks = _tokens(name)
        joined = "_".join(toks)
        if (
            joined in _PERSONAL_NAMES
            or any(t in _PERSONAL_TOKENS for t in toks)
            or any(c in name for c in _PERSONAL_CJK)
        ):
            bad.append(name)
    return bad


def assert_publishable(
    gdf: pd.DataFrame,
    *,
    columns: Sequence[str] | None = None,
    personal: bool = False,
    allow: Iterable[str] = (),
    layer: str | None = None,
) -> None:
    """Refuse personal data on a published map or table.

    Parameters
    ----------
    gdf
        The frame to publish (GeoDataFrame or DataFrame).
    columns
        The columns that will be written out; default all columns of ``gdf``.
    personal
        True when the rows are people (e.g. exact patient homes): such a layer is never publishable;
        aggregate it (counts per village or grid cell) or publish offset points instead.
    allow
        Column names exempted on purpose (e.g. a hospital's public ``address``).
    layer
        Layer name, used in the message.

    Raises
    ------
    PrivacyError
        (an :class:`~optimizer.errors.InputError`) naming the offending columns, or the layer when
        ``personal=True``.
    """
    where = f"layer {layer!r}: " if layer else ""
    if personal:
        raise PrivacyError(
            f"{where}a layer flagged personal=True (exact homes of people) cannot go on a published "
            "map; aggregate it (e.g. counts per village) or publish offset points, or build the map "
            "with published=False for a dispatcher-only map",
            field="personal",
        )
    cols = list(gdf.columns) if columns is None else list(columns)
    bad = personal_columns(cols, allow=allow)
    if bad:
        raise PrivacyError(
            f"{where}columns {bad} look like personal data (names, phones, addresses, patients) and "
            "cannot go on a published map; drop them, show an aggregate, rename a public place name to "
            "name_zh/name_en, exempt a truly public column with allow=[...], or use published=False "
            "for a dispatcher-only map",
            field=bad[0],
        )


# --------------------------------------------------------------------------------------------
# Map elements
# --------------------------------------------------------------------------------------------
@dataclass
class _LegendEntry:
    label: str
    color: str
    kind: str  # "polygon" | "point" | "line"
    dash: bool = False


NARROW_SCREEN_PX = 768
"""Map width (CSS pixels) below which a map opens in its compact layout: layer control collapsed
to its icon, notes and legend folded (click to open). 768 px is the common tablet/phone
breakpoint (Bootstrap's ``md``)."""


class _TitleBox(MacroElement):
    _template = Template(
        """
        {% macro header(this, kwargs) %}
        <style>
          .opt-title-box { position: absolute; top: 10px; left: 50px; z-index: 1000;
            max-width: calc(100% - 260px); max-height: calc(100% - 60px); overflow-y: auto;
            overflow-wrap: anywhere; background: rgba(255,255,255,0.94); padding: 6px 12px;
            border-radius: 6px; box-shadow: 0 1px 5px rgba(0,0,0,0.35);
            font-family: {{ this.fonts }}; line-height: 1.3; }
          .opt-title-zh { font-size: 18px; font-weight: 700; color: #1a1a1a; }
          .opt-title-en { font-size: 13px; color: #444; }
          .opt-notes > summary { font-size: 12px; color: #8a4b00; cursor: pointer; margin-top: 3px; }
          .opt-note { font-size: 12px; color: #8a4b00; margin-top: 3px; }
          .opt-note::before { content: "⚠ "; }
          .opt-legend { position: absolute; bottom: 28px; right: 10px; z-index: 1000;
            background: rgba(255,255,255,0.94); padding: 6px 10px; border-radius: 6px;
            box-shadow: 0 1px 5px rgba(0,0,0,0.35); font-family: {{ this.fonts }};
            font-size: 12px; line-height: 1.5; max-width: 300px; max-height: calc(100% - 80px);
            overflow-y: auto; }
          .opt-legend-title { font-weight: 700; margin-bottom: 2px; cursor: pointer; }
          .opt-sw { display: inline-block; width: 16px; height: 12px; margin-right: 6px;
            vertical-align: middle; }
          .opt-sw-polygon { border: 1px solid #333; opacity: 0.8; }
          .opt-sw-point { width: 12px; border-radius: 50%; border: 1px solid #333; margin: 0 8px 0 2px; }
          .opt-sw-line { height: 0; border-top: 3px solid; }
          .opt-sw-dash { border-top-style: dashed; }
          /* narrow screens: the layer control is collapsed to its 44 px icon at the top right
             (see _Layout); keep 12 px clear of it even before the layout script runs */
          @media (max-width: {{ this.narrow_px - 1 }}px) {
            .opt-title-box { max-width: calc(100% - 116px); padding: 4px 8px; }
            .opt-title-zh { font-size: 15px; }
            .opt-title-en { font-size: 12px; }
            .opt-legend { max-width: calc(100% - 20px); }
          }
        </style>
        {% endmacro %}
        {% macro html(this, kwargs) %}
        <div class="opt-title-box" id="{{ this.get_name() }}">
          <div class="opt-title-zh">{{ this.title_zh }}</div>
          <div class="opt-title-en">{{ this.title_en }}</div>
          {% if this.notes %}<details class="opt-notes opt-fold" open><summary>说明 Notes ({{ this.notes|length }})</summary>
          {% for n in this.notes %}<div class="opt-note">{{ n }}</div>{% endfor %}
          </details>{% endif %}
        </div>
        {% endmacro %}
        """
    )

    def __init__(self, title_zh: str, title_en: str, notes: Sequence[str]) -> None:
        super().__init__()
        self._name = "OptTitleBox"
        self.title_zh = html.escape(title_zh)
        self.title_en = html.escape(title_en)
        self.notes = [html.escape(str(n)) for n in notes]
        self.fonts = _CJK_FONTS
        self.narrow_px = NARROW_SCREEN_PX


class _Legend(MacroElement):
    _template = Template(
        """
        {% macro html(this, kwargs) %}
        {% if this.entries %}
        <details class="opt-legend opt-fold" id="{{ this.get_name() }}" open>
          <summary class="opt-legend-title">图例 Legend</summary>
          {% for e in this.entries %}
          <div class="opt-legend-row">{% if e.kind == "line" %}<span class="opt-sw opt-sw-line{% if e.dash %} opt-sw-dash{% endif %}" style="border-top-color: {{ e.color }}"></span>{% else %}<span class="opt-sw opt-sw-{{ e.kind }}" style="background: {{ e.color }}"></span>{% endif %}{{ e.label }}</div>
          {% endfor %}
        </details>
        {% endif %}
        {% endmacro %}
        """
    )

    def __init__(self) -> None:
        super().__init__()
        self._name = "OptLegend"
        self.entries: list[_LegendEntry] = []


class _Layout(MacroElement):
    """Keep the title/notes box clear of the layer control, at any screen width.

    Runs after the layer control is created. On maps narrower than :data:`NARROW_SCREEN_PX` the
    notes and legend start folded (the control starts collapsed: see :func:`base_map`). Then, on
    load and on every resize, if the title box would overlap the control it is narrowed to the
    room left of the control, or moved below it when that room is under 180 px.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function () {
          var map = {{ this._parent.get_name() }};
          var ctrl = {{ this.control.get_name() }};
          var box = document.getElementById({{ this.box.get_name()|tojson }});
          if (map.getContainer().clientWidth < {{ this.narrow_px }}) {
            document.querySelectorAll("details.opt-fold").forEach(function (d) { d.open = false; });
          }
          function fit() {
            if (!box) { return; }
            box.style.maxWidth = ""; box.style.top = "";
            var c = ctrl.getContainer().getBoundingClientRect();
            var b = box.getBoundingClientRect();
            var gap = 8;
            if (c.width === 0 || b.right + gap <= c.left || c.right + gap <= b.left ||
                b.bottom + gap <= c.top || c.bottom + gap <= b.top) { return; }
            var room = Math.floor(c.left - b.left - gap);
            if (room >= 180) { box.style.maxWidth = room + "px"; }
            else { box.style.top = (box.offsetTop + Math.ceil(c.bottom - b.top) + gap) + "px"; }
          }
          fit();
          map.on("resize", fit);
          window.addEventListener("load", fit);
          if (box) { box.addEventListener("toggle", fit, true); }
        })();
        {% endmacro %}
        """
    )

    def __init__(self, box: _TitleBox, control: folium.LayerControl) -> None:
        super().__init__()
        self._name = "OptLayout"
        self.box = box
        self.control = control
        self.narrow_px = NARROW_SCREEN_PX


class _FitData(MacroElement):
    """Fit the view to the union of all layer bounds, computed at render time."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        {% if this.bounds %}
        {{ this._parent.get_name() }}.fitBounds({{ this.bounds|tojson }}, {padding: [20, 20], maxZoom: 15});
        {% endif %}
        {% endmacro %}
        """
    )

    def __init__(self) -> None:
        super().__init__()
        self._name = "OptFitData"
        self.bounds: list[list[float]] | None = None


class OptimizerMap(folium.Map):
    """A ``folium.Map`` that remembers its tiles, privacy mode and legend.

    Created by :func:`base_map`; use it like any folium map. Rendering moves the layer control,
    legend and view-fitting after every layer so they see all layers added.

    Attributes
    ----------
    tile_source : TileSource
        The resolved base tiles (decides the GCJ-02 shift).
    published : bool
        Whether the privacy guard applies to layers added through the helpers.
    """

    tile_source: TileSource
    published: bool

    def render(self, **kwargs: Any) -> None:
        tail = (folium.LayerControl, _Legend, _FitData, _Layout)
        for key in [k for k, c in self._children.items() if isinstance(c, tail)]:
            self._children.move_to_end(key)
        fit = next((c for c in self._children.values() if isinstance(c, _FitData)), None)
        if fit is not None:
            fit.bounds = self._opt_bounds()
        super().render(**kwargs)

    def _opt_bounds(self) -> list[list[float]] | None:
        b = getattr(self, "_opt_data_bounds", None)
        if b is None:
            return None
        minx, miny, maxx, maxy = b
        return [[miny, minx], [maxy, maxx]]


def _ctx(m: folium.Map) -> tuple[TileSource, bool, _Legend | None]:
    ts = getattr(m, "tile_source", None) or resolve_tiles("osm")
    published = getattr(m, "published", True)
    legend = next((c for c in m._children.values() if isinstance(c, _Legend)), None)
    return ts, published, legend


def layer_name(name: str | tuple[str, str]) -> str:
    """Build a bilingual layer name: ``("食堂", "Canteens") -> "食堂 Canteens"``.

    Parameters
    ----------
    name
        ``(chinese, english)`` or an already bilingual string.

    Returns
    -------
    str

    Raises
    ------
    InputError
        If a part is empty.
    """
    if isinstance(name, tuple):
        if len(name) != 2 or not all(isinstance(p, str) and p.strip() for p in name):
            raise InputError(f"layer name must be (zh, en) with both non-empty; got {name!r}", field="name")
        return f"{name[0].strip()} {name[1].strip()}"
    if not isinstance(name, str) or not name.strip():
        raise InputError(f"layer name must be a non-empty string or (zh, en); got {name!r}", field="name")
    return name.strip()


def base_map(
    *,
    title_zh: str,
    title_en: str,
    tiles: str = "osm",
    token: str | None = None,
    center: tuple[float, float] | None = None,
    zoom: int = 11,
    notes: Sequence[str | Note] = (),
    approximate_roads: bool = False,
    synthetic: bool = False,
    published: bool = True,
    height: str = "100%",
) -> OptimizerMap:
    """Create a map with a bilingual title box, notes, legend, layer control and scale bar.

    Parameters
    ----------
    title_zh, title_en
        Title in Chinese (shown first, larger) and English.
    tiles
        ``"osm"``, ``"tianditu"`` (needs ``token`` or ``TIANDITU_TOKEN``; falls back to OSM with a
        warning), ``"amap"`` (GCJ-02; layers are shifted) or ``"offline"`` (no tile layer).
    token
        天地图 key (only for ``tiles="tianditu"``).
    center
        ``(lat, lon)`` in degrees (EPSG:4326, WGS84) of the initial view. Default None: fit the view
        to the layers added (or :data:`DEFAULT_CENTER` when there are none). Shifted to GCJ-02 on
        AMap tiles like the data.
    zoom
        Initial zoom level (0–19) when ``center`` is given or no layer is added.
    notes
        Extra note lines (escape-safe text), shown under the title: plain strings or typed
        :class:`~optimizer.results.Note` objects, read by kind (never by text): a note of kind
        ``APPROXIMATE_ROADS`` sets ``approximate_roads``; a note of kind ``SYNTHETIC_DATA`` sets
        ``synthetic`` and is shown as written (it names the files) instead of
        :data:`NOTE_SYNTHETIC`; any other note is shown as ``str(note)``.
    approximate_roads
        Add :data:`NOTE_APPROXIMATE_ROADS` (required whenever results depend on the land-proxy roads).
    synthetic
        Add :data:`NOTE_SYNTHETIC` (required whenever a layer comes from synthetic data) unless a
        ``SYNTHETIC_DATA`` note is given.
    published
        True (default): the privacy guard refuses personal columns and ``personal=True`` layers in
        every helper. False only for dispatcher maps that are not shared.
    height
        CSS height of the map element.

    Returns
    -------
    OptimizerMap
        A ``folium.Map`` subclass carrying ``tile_source`` and ``published``.

    Raises
    ------
    InputError
        If the titles are empty, ``tiles`` unknown, ``center`` out of range or ``zoom`` not in 0–19.
    """
    if not str(title_zh).strip() or not str(title_en).strip():
        raise InputError("both title_zh and title_en are required (Chinese-first users)", field="title_zh")
    if not 0 <= int(zoom) <= 19:
        raise InputError(f"zoom must be in 0..19; got {zoom!r}", field="zoom")
    ts = resolve_tiles(tiles, token=token)
    fit = center is None
    lat0, lon0 = DEFAULT_CENTER if center is None else center
    if not (-90 <= lat0 <= 90 and -180 <= lon0 <= 180):
        raise InputError(f"center must be (lat, lon) in degrees; got {center!r}", field="center")
    dlon, dlat = to_display_crs(lon0, lat0, ts)
    m = OptimizerMap(
        location=[float(dlat), float(dlon)],
        zoom_start=int(zoom),
        tiles=None,
        control_scale=True,
        height=height,
        prefer_canvas=False,
    )
    # Leaflet takes maxZoom from the tile layers; with none (offline) MarkerCluster needs it on the map.
    m.options["max_zoom"] = 19
    m.tile_source = ts
    m.published = bool(published)
    m._opt_data_bounds = None
    for spec in ts.layers:
        folium.TileLayer(
            tiles=spec.url,
            attr=spec.attribution,
            name=spec.name,
            subdomains=spec.subdomains,
            max_zoom=spec.max_zoom,
            overlay=spec.overlay,
            control=True,
            show=True,
        ).add_to(m)
    if ts.name == "offline":
        m.get_root().header.add_child(
            folium.Element("<style>.leaflet-container{background:#dfe9f3 !important;}</style>"),
            name="opt_offline_bg",
        )
    all_notes = _note_lines(notes, approximate_roads=approximate_roads, synthetic=synthetic)
    box = _TitleBox(str(title_zh).strip(), str(title_en).strip(), all_notes)
    m.add_child(box)
    m.add_child(_Legend())
    if fit:
        m.add_child(_FitData())
    # Expanded on wide screens; collapsed to its icon on narrow ones (decided in the browser).
    control = folium.LayerControl(collapsed=JsCode(f"window.innerWidth < {NARROW_SCREEN_PX}"),
                                  position="topright")
    control.add_to(m)
    m.add_child(_Layout(box, control))
    return m


def _note_lines(notes: Sequence[str | Note], *, approximate_roads: bool,
                synthetic: bool) -> list[str]:
    """The title box's note lines: typed notes read by kind (see :func:`base_map`)."""
    kinds = {n.kind for n in notes if isinstance(n, Note)}
    lines = [str(n) for n in notes
             if not (isinstance(n, Note) and n.kind is NoteKind.APPROXIMATE_ROADS)]
    if approximate_roads or NoteKind.APPROXIMATE_ROADS in kinds:
        lines.append(NOTE_APPROXIMATE_ROADS)
    if synthetic and NoteKind.SYNTHETIC_DATA not in kinds:
        lines.append(NOTE_SYNTHETIC)
    return lines


# --------------------------------------------------------------------------------------------
# Layer helpers
# --------------------------------------------------------------------------------------------
def _check_gdf(gdf: Any, allowed: tuple[str, ...], what: str) -> gpd.GeoDataFrame:
    if not isinstance(gdf, gpd.GeoDataFrame):
        raise InputError(f"{what} needs a GeoDataFrame; got {type(gdf).__name__}", field="gdf")
    if gdf.crs is None:
        raise InputError(
            f"{what}: the GeoDataFrame has no CRS; set it (gdf.set_crs(4326)) if it is WGS84 lon/lat",
            field="crs",
        )
    if gdf.crs.to_epsg() != 4326:
        raise InputError(
            f"{what}: the GeoDataFrame is in {gdf.crs.to_string()}, expected EPSG:4326 (WGS84); "
            "use gdf.to_crs(4326)",
            field="crs",
        )
    errors = []
    geoms = gdf.geometry.values
    for pos, geom in enumerate(geoms):
        if geom is None or geom.is_empty:
            continue  # no coordinates: left off the map and counted in a note (_prepare)
        if geom.geom_type not in allowed:
            errors.append(InputError(
                f"{what}: geometry type {geom.geom_type} not allowed, expected one of {allowed} "
                f"(index {gdf.index[pos]!r})", row=pos + 1, field="geometry"))
    if errors:
        from optimizer.errors import InputErrors

        raise errors[0] if len(errors) == 1 else InputErrors(errors)
    return gdf


def has_coordinates(geoms: Iterable[Any]) -> np.ndarray:
    """Per geometry: True when it is present, not empty and every coordinate is finite.

    A point read from a table with a blank or ``NaN`` longitude or latitude (``POINT (NaN
    NaN)``, ``POINT (122.3 NaN)``), a ``None`` geometry and an empty one are False: the layer
    helpers leave them off the map (no ``NaN`` reaches the GeoJSON or the page) and say so in a
    note (:func:`missing_coordinates_note`).

    Returns
    -------
    numpy.ndarray
        Boolean, one per geometry.
    """
    out = []
    for g in geoms:
        ok = g is not None and not (isinstance(g, float) and math.isnan(g)) and not g.is_empty
        out.append(bool(ok and np.isfinite(shapely.get_coordinates(g)).all()))
    return np.array(out, dtype=bool)


def missing_coordinates_note(n: int, name: str | tuple[str, str]) -> str:
    """The map note for ``n`` items of layer ``name`` left off for want of coordinates.

    Examples
    --------
    >>> missing_coordinates_note(2, ("患者", "patients"))
    '2 个患者未在图上显示：无坐标 · 2 patients not shown: no coordinates'
    >>> missing_coordinates_note(1, "村 Villages")
    '村 Villages：1 个未在图上显示（无坐标）· 1 not shown: no coordinates'
    """
    if isinstance(name, tuple):
        zh, en = name
        return f"{n} 个{zh}未在图上显示：无坐标 · {n} {en} not shown: no coordinates"
    return f"{name}：{n} 个未在图上显示（无坐标）· {n} not shown: no coordinates"


def _note_if_possible(m: folium.Map, text: str) -> None:
    """:func:`add_note` on maps from :func:`base_map`; other maps have no note box."""
    if any(isinstance(c, _TitleBox) for c in m._children.values()):
        add_note(m, text)


def _check_cols(gdf: pd.DataFrame, cols: Sequence[str], what: str) -> list[str]:
    cols = list(cols or [])
    missing = [c for c in cols if c not in gdf.columns]
    if missing:
        raise InputError(f"{what}: columns {missing} not in the frame (have {list(gdf.columns)})",
                         field=missing[0])
    return cols


def _jsonable(v: Any) -> Any:
    if v is None:
        return None
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, (np.floating, float)):
        return None if math.isnan(float(v)) else float(v)
    if isinstance(v, (np.bool_, bool)):
        return bool(v)
    if isinstance(v, (int, str)):
        return v
    try:
        if pd.isna(v):
            return None
    except (TypeError, ValueError):
        pass
    return str(v)


def _display_geoms(gdf: gpd.GeoDataFrame, ts: TileSource) -> np.ndarray:
    geoms = np.asarray(gdf.geometry.values, dtype=object)
    if not ts.needs_gcj02:
        return geoms

    def shift(xy: np.ndarray) -> np.ndarray:
        lon, lat = to_display_crs(xy[:, 0], xy[:, 1], ts)
        return np.column_stack([lon, lat])

    return shapely.transform(geoms, shift)


def include_in_view(m: folium.Map, lon: Any, lat: Any) -> None:
    """Extend the view a map opens on (see ``center=None`` in :func:`base_map`) to points.

    For elements added to the map without the layer helpers (e.g. ``folium.Marker`` into a
    :func:`feature_group`). Non-finite values are ignored; maps not made by :func:`base_map`
    (fixed view) are left unchanged.

    Parameters
    ----------
    m
        Map from :func:`base_map`.
    lon, lat
        Longitudes and latitudes in degrees, EPSG:4326 (scalars or equal-length sequences).

    Raises
    ------
    InputError
        If ``lon`` and ``lat`` differ in length.
    """
    x = np.atleast_1d(np.asarray(lon, dtype=float)).ravel()
    y = np.atleast_1d(np.asarray(lat, dtype=float)).ravel()
    if x.shape != y.shape:
        raise InputError(f"lon and lat differ in length ({x.size} vs {y.size})", field="lon")
    ok = np.isfinite(x) & np.isfinite(y)
    if not ok.any() or not hasattr(m, "_opt_data_bounds"):
        return
    b = (x[ok].min(), y[ok].min(), x[ok].max(), y[ok].max())
    old = m._opt_data_bounds
    if old is not None:
        b = (min(old[0], b[0]), min(old[1], b[1]), max(old[2], b[2]), max(old[3], b[3]))
    m._opt_data_bounds = tuple(float(v) for v in b)


def _update_bounds(m: folium.Map, geoms: np.ndarray) -> None:
    if not len(geoms):
        return
    b = shapely.total_bounds(geoms)
    if np.all(np.isfinite(b)):
        include_in_view(m, [b[0], b[2]], [b[1], b[3]])


def add_note(m: folium.Map, text: str) -> folium.Map:
    """Add one note line under the map's title (shown with "⚠", in the foldable notes).

    Parameters
    ----------
    m
        Map from :func:`base_map`.
    text
        Plain text, Chinese first then English (e.g. ``"直线绘制 Drawn straight: …"``); it is
        HTML-escaped.

    Returns
    -------
    folium.Map
        ``m``.

    Raises
    ------
    InputError
        If ``text`` is empty, or ``m`` has no title box (not made by :func:`base_map`).
    """
    if not str(text).strip():
        raise InputError("a map note needs text", field="text")
    box = next((c for c in m._children.values() if isinstance(c, _TitleBox)), None)
    if box is None:
        raise InputError("the map has no title box: make it with base_map()", field="m")
    box.notes.append(html.escape(str(text).strip()))
    return m


def map_notes(m: folium.Map) -> list[str]:
    """The note lines of a map from :func:`base_map`, in order (as shown, HTML-escaped).

    Parameters
    ----------
    m
        Map from :func:`base_map` (any other map has none).

    Returns
    -------
    list of str
    """
    box = next((c for c in m._children.values() if isinstance(c, _TitleBox)), None)
    return list(box.notes) if box is not None else []


def feature_group(m: folium.Map, name: str | tuple[str, str], *, show: bool = True
                  ) -> folium.FeatureGroup:
    """The map's layer (``FeatureGroup``) named ``name``; created (empty, listed in the layer
    control) if there is none.

    Use it to put extra elements (e.g. labels as ``folium.Marker`` with a ``DivIcon``) into a
    layer made by :func:`add_lines` / :func:`add_points`, so that one checkbox toggles both. Such
    elements bypass the privacy guard: write only public values into them, and call
    :func:`include_in_view` for their positions.

    Parameters
    ----------
    m
        Map from :func:`base_map`.
    name
        ``(zh, en)`` or a bilingual string (as given to the layer helper).
    show
        Whether a newly created layer is on when the map opens.

    Returns
    -------
    folium.FeatureGroup

    Raises
    ------
    InputError
        If ``name`` is empty.
    """
    label = layer_name(name)
    for child in reversed(list(m._children.values())):
        if isinstance(child, folium.FeatureGroup) and child.layer_name == label:
            return child
    fg = folium.FeatureGroup(name=label, show=show)
    fg.add_to(m)
    return fg


def _labels(cols: Sequence[str], labels: Mapping[str, str] | None) -> list[str]:
    labels = labels or {}
    return [str(labels.get(c, c)) for c in cols]


def _html_table(row: pd.Series, cols: Sequence[str], names: Sequence[str]) -> str:
    cells = "".join(
        f"<tr><th style='padding-right:6px;text-align:left'>{html.escape(n)}</th>"
        f"<td>{html.escape('' if _jsonable(row[c]) is None else str(_jsonable(row[c])))}</td></tr>"
        for c, n in zip(cols, names)
    )
    return f"<table style='font-size:12px'>{cells}</table>"


@dataclass
class _Prepared:
    """A layer checked and ready to draw (the common first half of every layer helper)."""

    label: str
    gdf: gpd.GeoDataFrame
    tips: list[str]
    pops: list[str]
    ccol: str | None
    geoms: np.ndarray  # in the display datum of the map's tiles (GCJ-02 on AMap)


def _prepare(m: folium.Map, gdf: Any, *, what: str, kinds: tuple[str, ...],
             name: str | tuple[str, str], tooltip_cols: Sequence[str], popup_cols: Sequence[str],
             color_col: str | None, personal: bool, allow: Iterable[str],
             published: bool | None) -> _Prepared:
    """Name, geometry/CRS/column checks, privacy guard and datum shift shared by the helpers."""
    label = layer_name(name)
    gdf = _check_gdf(gdf, kinds, what)
    ok = has_coordinates(gdf.geometry.values)
    if not ok.all():
        _note_if_possible(m, missing_coordinates_note(int((~ok).sum()), name))
        gdf = gdf[ok]
    tips = _check_cols(gdf, tooltip_cols, what)
    pops = _check_cols(gdf, popup_cols, what)
    ccol = _check_cols(gdf, [color_col], what)[0] if color_col else None
    written = list(dict.fromkeys(tips + pops + ([ccol] if ccol else [])))
    ts, map_published, _ = _ctx(m)
    if map_published if published is None else published:
        assert_publishable(gdf, columns=written, personal=personal, allow=allow, layer=label)
    return _Prepared(label, gdf, tips, pops, ccol, _display_geoms(gdf, ts))


def _finish(m: folium.Map, prep: _Prepared, *, kind: str, color: str,
            legend: Mapping[str, str] | None, dash: bool = False) -> folium.Map:
    """Extend the view and add the legend rows (one per ``legend`` entry, else one)."""
    _update_bounds(m, prep.geoms)
    box = _ctx(m)[2]
    if box is not None:
        rows = ([(f"{prep.label}: {lab}", col) for lab, col in legend.items()] if legend
                else [(prep.label, color)])
        for lab, col in rows:
            if kind == "point":  # awesome-markers colour names -> the sprite's colour
                col = _ICON_COLORS_HEX.get(col, col)
            box.entries.append(_LegendEntry(html.escape(lab), html.escape(col), kind, dash))
    return m


def _geojson_layer(
    m: folium.Map,
    prep: _Prepared,
    *,
    style: dict[str, Any],
    labels: Mapping[str, str] | None,
    show: bool,
    marker: folium.CircleMarker | None = None,
    color_keys: tuple[str, ...] = ("color", "fillColor"),
) -> folium.FeatureGroup:
    """One ``GeoJson`` element for the whole layer (one template render, however many rows;
    per-row folium elements cost a Jinja2 compile each). ``marker`` draws points as that marker;
    ``color_keys`` are the style keys a ``color_col`` value sets."""
    gdf, tips, pops, color_col = prep.gdf, prep.tips, prep.pops, prep.ccol
    prop_cols = list(dict.fromkeys(tips + pops))
    features = []
    for pos, geom in enumerate(prep.geoms):
        row = gdf.iloc[pos]
        props = {c: _jsonable(row[c]) for c in prop_cols}
        if color_col is not None:
            props["__color"] = str(row[color_col])
        features.append({"type": "Feature", "properties": props, "geometry": mapping(geom)})
    data = {"type": "FeatureCollection", "features": features}
    base = dict(style)

    def style_function(feature: dict[str, Any]) -> dict[str, Any]:
        s = dict(base)
        c = feature["properties"].get("__color")
        if c:
            s.update(dict.fromkeys(color_keys, c))
        return s

    fg = folium.FeatureGroup(name=prep.label, show=show)
    # an empty layer still appears (legend, layer control) but has nothing to describe: folium
    # checks tooltip/popup fields against the first feature
    tooltip = (
        folium.GeoJsonTooltip(fields=list(tips), aliases=_labels(tips, labels), sticky=True)
        if tips and features else None
    )
    popup = (
        folium.GeoJsonPopup(fields=list(pops), aliases=_labels(pops, labels))
        if pops and features else None
    )
    folium.GeoJson(
        data,
        name=prep.label,
        style_function=style_function,
        highlight_function=lambda f: {"weight": base.get("weight", 2) + 2},
        tooltip=tooltip,
        popup=popup,
        marker=marker,
        control=False,
    ).add_to(fg)
    fg.add_to(m)
    return fg


def add_polygons(
    m: folium.Map,
    gdf: gpd.GeoDataFrame,
    *,
    name: str | tuple[str, str],
    color: str = "#3388ff",
    color_col: str | None = None,
    fill_opacity: float = 0.35,
    weight_px: float = 1.5,
    tooltip_cols: Sequence[str] = (),
    popup_cols: Sequence[str] = (),
    labels: Mapping[str, str] | None = None,
    legend: Mapping[str, str] | None = None,
    allow: Iterable[str] = (),
    published: bool | None = None,
    show: bool = True,
) -> folium.Map:
    """Add a polygon layer (one ``FeatureGroup``; one SVG path per row).

    Parameters
    ----------
    m
        Map from :func:`base_map` (its tiles decide the GCJ-02 shift; its ``published`` flag the
        privacy guard).
    gdf
        Polygons or MultiPolygons in EPSG:4326; one feature per row. Only ``tooltip_cols``,
        ``popup_cols`` and ``color_col`` are written into the map.
    name
        ``(zh, en)`` or a bilingual string; shown in the layer control and legend.
    color
        CSS colour for all features (outline and fill).
    color_col
        Column of CSS colours, one per row (overrides ``color``).
    fill_opacity
        0–1.
    weight_px
        Outline width in CSS pixels.
    tooltip_cols, popup_cols
        Columns shown on hover / click.
    labels
        Display label per column (e.g. ``{"share_covered": "覆盖率 Covered share"}``).
    legend
        ``{label: colour}`` legend rows for a ``color_col`` layer; default one row with ``color``.
    allow
        Columns exempted from the privacy guard on purpose.
    published
        Override the map's ``published`` flag (None: use the map's).
    show
        Whether the layer is on when the map opens.

    Returns
    -------
    folium.Map
        ``m``, for chaining.

    Raises
    ------
    InputError
        Not a GeoDataFrame, CRS not EPSG:4326, a geometry of the wrong type (row named), unknown
        column, ``fill_opacity`` outside [0, 1]. (A row without coordinates, a ``None``, empty
        or ``NaN`` geometry, is no error: it is left off the map and counted in a map note, see
        :func:`has_coordinates`.)
    PrivacyError
        On a published map, if a written column looks personal.
    """
    if not 0 <= fill_opacity <= 1:
        raise InputError(f"fill_opacity must be in [0, 1]; got {fill_opacity}", field="fill_opacity")
    prep = _prepare(m, gdf, what="add_polygons", kinds=("Polygon", "MultiPolygon"), name=name,
                    tooltip_cols=tooltip_cols, popup_cols=popup_cols, color_col=color_col,
                    personal=False, allow=allow, published=published)
    style = {"color": color, "fillColor": color, "weight": weight_px, "fillOpacity": fill_opacity,
             "opacity": 0.9}
    _geojson_layer(m, prep, style=style, labels=labels, show=show)
    return _finish(m, prep, kind="polygon", color=color, legend=legend)


def add_lines(
    m: folium.Map,
    gdf: gpd.GeoDataFrame,
    *,
    name: str | tuple[str, str],
    color: str = "#d62728",
    color_col: str | None = None,
    dash: bool = False,
    weight_px: float = 3.0,
    tooltip_cols: Sequence[str] = (),
    popup_cols: Sequence[str] = (),
    labels: Mapping[str, str] | None = None,
    legend: Mapping[str, str] | None = None,
    allow: Iterable[str] = (),
    published: bool | None = None,
    show: bool = True,
) -> folium.Map:
    """Add a line layer (routes, ferry links, bridges): one ``FeatureGroup``, one SVG path per row.

    Parameters
    ----------
    m
        Map from :func:`base_map`.
    gdf
        LineStrings or MultiLineStrings in EPSG:4326.
    name
        ``(zh, en)`` or a bilingual string.
    color
        CSS colour.
    color_col
        Column of CSS colours, one per row (overrides ``color``).
    dash
        Dashed line (e.g. ferry links, approximate roads).
    weight_px
        Line width in CSS pixels.
    tooltip_cols, popup_cols, labels, legend, allow, published, show
        As in :func:`add_polygons`.

    Returns
    -------
    folium.Map
        ``m``.

    Raises
    ------
    InputError
        As in :func:`add_polygons`.
    PrivacyError
        On a published map, if a written column looks personal.
    """
    prep = _prepare(m, gdf, what="add_lines", kinds=("LineString", "MultiLineString"), name=name,
                    tooltip_cols=tooltip_cols, popup_cols=popup_cols, color_col=color_col,
                    personal=False, allow=allow, published=published)
    style = {"color": color, "weight": weight_px, "opacity": 0.9}
    if dash:
        style["dashArray"] = "8 6"
    _geojson_layer(m, prep, style=style, labels=labels, show=show)
    return _finish(m, prep, kind="line", color=color, legend=legend, dash=dash)


def add_points(
    m: folium.Map,
    gdf: gpd.GeoDataFrame,
    *,
    name: str | tuple[str, str],
    color: str = "blue",
    color_col: str | None = None,
    icon: str | None = "circle",
    radius_px: float = 6.0,
    tooltip_cols: Sequence[str] = (),
    popup_cols: Sequence[str] = (),
    labels: Mapping[str, str] | None = None,
    legend: Mapping[str, str] | None = None,
    cluster: bool = False,
    personal: bool = False,
    allow: Iterable[str] = (),
    published: bool | None = None,
    show: bool = True,
) -> folium.Map:
    """Add a point layer as icon markers (or circle markers): one ``FeatureGroup``.

    Parameters
    ----------
    m
        Map from :func:`base_map`.
    gdf
        Points in EPSG:4326, one marker per row.
    name
        ``(zh, en)`` or a bilingual string.
    color
        With ``icon``: an awesome-markers colour name (``"red"``, ``"blue"``, ``"green"``,
        ``"orange"``, ``"purple"``, ``"darkred"``, ``"cadetblue"``, …); with ``icon=None``: any CSS
        colour.
    color_col
        Column of colours, one per row (overrides ``color``; same rules as ``color``).
    icon
        Font Awesome 6 icon name (e.g. ``"utensils"``, ``"hospital"``, ``"ship"``, ``"circle"``); None
        draws circle markers (SVG paths, better for hundreds of points).
    radius_px
        Circle-marker radius in CSS pixels (``icon=None`` only).
    tooltip_cols, popup_cols, labels, legend
        As in :func:`add_polygons`.
    cluster
        Group nearby markers (Leaflet.markercluster). Circle markers (``icon=None``) of one
        colour with tooltips only are clustered in the browser from one array of rows
        (:mod:`optimizer.outputs.cluster_layer`: tens of thousands of points).
    personal
        True when the points are people's exact homes: refused on a published map.
    allow, published, show
        As in :func:`add_polygons`.

    Returns
    -------
    folium.Map
        ``m``.

    Raises
    ------
    InputError
        As in :func:`add_polygons`, or an unknown icon colour.
    PrivacyError
        On a published map, if ``personal=True`` or a written column looks personal.
    """
    prep = _prepare(m, gdf, what="add_points", kinds=("Point",), name=name,
                    tooltip_cols=tooltip_cols, popup_cols=popup_cols, color_col=color_col,
                    personal=personal, allow=allow, published=published)
    colours = ([str(c) for c in prep.gdf[prep.ccol]] if prep.ccol else [color] * len(prep.gdf))
    bad = sorted({c for c in colours if c not in _ICON_COLORS_HEX}) if icon is not None else []
    if bad:
        raise InputError(
            f"icon colour(s) {bad} unknown; with icon markers use one of {sorted(_ICON_COLORS_HEX)} "
            "(or icon=None for circle markers in any CSS colour)",
            field=prep.ccol or "color",
        )
    if icon is None and not cluster:
        # circle markers: one GeoJSON layer (thousands of demand points render in well under a
        # second; one CircleMarker element per point took about 10 s for Putuo's 3,835)
        _geojson_layer(m, prep, style={"color": "#333", "weight": 1, "fill": True,
                                       "fillColor": color, "fillOpacity": 0.9, "opacity": 0.9},
                       labels=labels, show=show, color_keys=("fillColor",),
                       marker=folium.CircleMarker(radius=radius_px))
        return _finish(m, prep, kind="point", color=color, legend=legend)
    if icon is None and prep.ccol is None and not prep.pops:
        # clustered circles: one JSON array and one markercluster group (tens of thousands of
        # points; per-point folium elements would cost a template render each)
        from optimizer.outputs.cluster_layer import circle_cluster_layer

        circle_cluster_layer(m, prep, color=color, radius_px=radius_px, labels=labels, show=show)
        return _finish(m, prep, kind="point", color=color, legend=legend)
    xs = shapely.get_x(prep.geoms)
    ys = shapely.get_y(prep.geoms)
    fg = folium.FeatureGroup(name=prep.label, show=show)
    parent: folium.map.Layer | folium.FeatureGroup = fg
    if cluster:
        parent = MarkerCluster(control=False)
        parent.add_to(fg)
    tip_names = _labels(prep.tips, labels)
    pop_names = _labels(prep.pops, labels)
    for pos in range(len(prep.gdf)):
        row = prep.gdf.iloc[pos]
        tooltip = folium.Tooltip(_html_table(row, prep.tips, tip_names)) if prep.tips else None
        popup = (folium.Popup(_html_table(row, prep.pops, pop_names), max_width=320)
                 if prep.pops else None)
        loc = [float(ys[pos]), float(xs[pos])]
        if icon is None:
            folium.CircleMarker(location=loc, radius=radius_px, color="#333", weight=1, fill=True,
                                fill_color=colours[pos], fill_opacity=0.9, tooltip=tooltip,
                                popup=popup).add_to(parent)
        else:
            folium.Marker(location=loc, icon=folium.Icon(color=colours[pos], icon=icon, prefix="fa"),
                          tooltip=tooltip, popup=popup).add_to(parent)
    fg.add_to(m)
    return _finish(m, prep, kind="point", color=color, legend=legend)


# --------------------------------------------------------------------------------------------
# Saving (online or self-contained offline HTML)
# --------------------------------------------------------------------------------------------
# CDN URL (as emitted by folium 0.20) -> vendored file under STATIC_DIR (see static/SOURCES.md).
_VENDORED: dict[str, str] = {
    "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.js": "leaflet-1.9.3/leaflet.js",
    "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.css": "leaflet-1.9.3/leaflet.css",
    "https://code.jquery.com/jquery-3.7.1.min.js": "jquery-3.7.1/jquery.min.js",
    "https://cdn.jsdelivr.net/npm/bootstrap@5.2.2/dist/js/bootstrap.bundle.min.js":
        "bootstrap-5.2.2/bootstrap.bundle.min.js",
    "https://cdn.jsdelivr.net/npm/bootstrap@5.2.2/dist/css/bootstrap.min.css": "bootstrap-5.2.2/bootstrap.min.css",
    "https://cdnjs.cloudflare.com/ajax/libs/Leaflet.awesome-markers/2.0.2/leaflet.awesome-markers.js":
        "leaflet.awesome-markers-2.0.2/leaflet.awesome-markers.js",
    "https://cdnjs.cloudflare.com/ajax/libs/Leaflet.awesome-markers/2.0.2/leaflet.awesome-markers.css":
        "leaflet.awesome-markers-2.0.2/leaflet.awesome-markers.css",
    "https://cdn.jsdelivr.net/npm/@fortawesome/fontawesome-free@6.2.0/css/all.min.css":
        "fontawesome-free-6.2.0/css/all.min.css",
    "https://cdn.jsdelivr.net/gh/python-visualization/folium/folium/templates/leaflet.awesome.rotate.min.css":
        "folium/leaflet.awesome.rotate.css",
    "https://cdnjs.cloudflare.com/ajax/libs/leaflet.markercluster/1.1.0/leaflet.markercluster.js":
        "leaflet.markercluster-1.1.0/leaflet.markercluster.js",
    "https://cdnjs.cloudflare.com/ajax/libs/leaflet.markercluster/1.1.0/MarkerCluster.css":
        "leaflet.markercluster-1.1.0/MarkerCluster.css",
    "https://cdnjs.cloudflare.com/ajax/libs/leaflet.markercluster/1.1.0/MarkerCluster.Default.css":
        "leaflet.markercluster-1.1.0/MarkerCluster.Default.css",
}
# Links dropped in offline maps (Bootstrap 3 glyphicons: only for Icon(prefix="glyphicon"), which the
# helpers never emit; a map using one is refused, see save_map).
_DROPPED = ("https://netdna.bootstrapcdn.com/bootstrap/3.0.0/css/bootstrap-glyphicons.css",)

_SCRIPT_RE = re.compile(r'<script\s+src="([^"]+)"\s*>\s*</script>', re.IGNORECASE)
_LINK_RE = re.compile(r'<link\s+rel="stylesheet"\s+href="([^"]+)"\s*/?>', re.IGNORECASE)
_CSS_URL_RE = re.compile(r"url\(\s*(['\"]?)([^'\")]+)\1\s*\)")
_EXTERNAL_TAG_RE = re.compile(r"<(?:script|link|img|iframe)\b[^>]*(?:src|href)=[\"'](?:https?:)?//",
                              re.IGNORECASE)


def _data_uri(path: Path) -> str:
    mime = mimetypes.guess_type(path.name)[0] or (
        "font/woff2" if path.suffix == ".woff2" else "application/octet-stream")
    return f"data:{mime};base64,{base64.b64encode(path.read_bytes()).decode('ascii')}"


@cache
def _inline_asset(rel: str) -> str:
    path = STATIC_DIR / rel
    if not path.is_file():
        raise InputError(f"vendored asset missing: {path} (see {STATIC_DIR / 'SOURCES.md'})", file=str(path))
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".css":
        def repl(mt: re.Match[str]) -> str:
            ref = mt.group(2).strip()
            if ref.startswith(("data:", "#")):
                return mt.group(0)
            target = (path.parent / ref).resolve()
            if not target.is_file():
                raise InputError(f"{rel} references {ref!r}, which is not vendored in {STATIC_DIR}",
                                 file=str(path))
            return f'url("{_data_uri(target)}")'

        text = _CSS_URL_RE.sub(repl, text)
        return f"<style>/* {rel} (vendored, see optimizer/outputs/static/SOURCES.md) */\n{text}\n</style>"
    # Keep a literal "</script>" inside the JS from closing the tag early.
    text = text.replace("</script", "<\\/script")
    return f"<script>/* {rel} (vendored, see optimizer/outputs/static/SOURCES.md) */\n{text}\n</script>"


@lru_cache(maxsize=1)
def _default_icon_fix() -> str:
    img = STATIC_DIR / "leaflet-1.9.3" / "images"
    opts = {
        "iconUrl": _data_uri(img / "marker-icon.png"),
        "iconRetinaUrl": _data_uri(img / "marker-icon-2x.png"),
        "shadowUrl": _data_uri(img / "marker-shadow.png"),
    }
    return ("<script>/* offline: Leaflet default marker images as data URIs */\n"
            f"L.Icon.Default.imagePath = ''; L.Icon.Default.mergeOptions({json.dumps(opts)});\n</script>")


def _make_offline(doc: str) -> str:
    if '"prefix": "glyphicon"' in doc:
        raise InputError(
            "the map uses a glyphicon icon (folium.Icon default prefix); offline maps carry Font Awesome "
            "only: use folium.Icon(prefix='fa', icon=...) or the add_points helper",
            field="icon",
        )
    unknown: list[str] = []

    def script_repl(mt: re.Match[str]) -> str:
        url = mt.group(1)
        rel = _VENDORED.get(url)
        if rel is None:
            unknown.append(url)
            return mt.group(0)
        out = _inline_asset(rel)
        if rel == "leaflet-1.9.3/leaflet.js":
            out += "\n" + _default_icon_fix()
        return out

    def link_repl(mt: re.Match[str]) -> str:
        url = mt.group(1)
        if url in _DROPPED:
            return f"<!-- offline: dropped {html.escape(url)} (not vendored, unused) -->"
        rel = _VENDORED.get(url)
        if rel is None:
            unknown.append(url)
            return mt.group(0)
        return _inline_asset(rel)

    doc = _SCRIPT_RE.sub(script_repl, doc)
    doc = _LINK_RE.sub(link_repl, doc)
    left = _EXTERNAL_TAG_RE.findall(doc)
    if unknown or left:
        raise InputError(
            f"offline map still needs the network for {unknown or left}: these assets are not vendored "
            f"in {STATIC_DIR}; vendor them (see SOURCES.md there) or save with offline=False",
            field="offline",
        )
    return doc


_HEX_ID_RE = re.compile(r"(?<![0-9a-f])[0-9a-f]{32}(?![0-9a-f])")
"""A branca element id: 32 lower-case hex digits (``os.urandom(16)``; folium's copies use
``uuid4().hex``)."""


def _element_ids(root: Element) -> set[str]:
    """The ids of ``root`` and of every element reachable from it: children, and elements held
    in attributes (a popup's ``html``, a figure's ``header``), also inside lists and dicts.
    Called after rendering, which adds elements."""
    ids: set[str] = set()
    seen: set[int] = set()
    stack: list[Any] = [root]
    while stack:
        obj = stack.pop()
        if isinstance(obj, (list, tuple, set, frozenset)):
            stack.extend(obj)
            continue
        if isinstance(obj, dict):
            stack.extend(obj.values())
            continue
        if not isinstance(obj, Element) or id(obj) in seen:
            continue
        seen.add(id(obj))
        ids.add(obj._id)
        stack.extend(v for k, v in vars(obj).items() if k != "_parent")
    return ids


def _stable_ids(doc: str, root: Element) -> str:
    """Replace the random element ids in a rendered page by sequential ones.

    branca gives every element a random 32-hex id (``map_<id>``, ``feature_group_<id>``, ...),
    so every save of the same map would differ. Each id of an element of the page is replaced by
    ``f"{n:032x}"``, ``n`` = 1, 2, ... in order of first appearance in the page: the same map
    gives the same bytes, and names keep their form (unique, valid JavaScript identifiers).
    Only ids of the page's elements are replaced, never other hex text.
    """
    ids = _element_ids(root)
    seen: dict[str, str] = {}

    def repl(mt: re.Match[str]) -> str:
        token = mt.group(0)
        if token not in ids:
            return token
        if token not in seen:
            seen[token] = f"{len(seen) + 1:032x}"
        return seen[token]

    return _HEX_ID_RE.sub(repl, doc)


def save_map(m: folium.Map, path: str | Path, *, offline: bool = False) -> Path:
    """Write the map as one HTML file (UTF-8).

    Parameters
    ----------
    m
        A folium map (usually from :func:`base_map`).
    path
        Output file; parent folders are created.
    offline
        True: inline every script, stylesheet, font and image from ``optimizer/outputs/static``
        instead of CDN links, so the file opens with no network (about 1.2 MB overhead). Tile
        images still come from the network unless the map uses ``tiles="offline"``.

    Returns
    -------
    pathlib.Path
        The written file. The same map gives the same bytes in every run: the random element ids
        of folium/branca are replaced by sequential ones (:func:`_stable_ids`).

    Raises
    ------
    InputError
        With ``offline=True``, if the page links an asset that is not vendored (the message lists the
        URLs), or uses a glyphicon icon.
    """
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    root = m.get_root()
    doc = _stable_ids(root.render(), root)
    if offline:
        doc = _make_offline(doc)
    out.write_text(doc, encoding="utf-8")
    return out
