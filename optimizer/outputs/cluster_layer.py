"""Clustered circle markers for large point layers (tens of thousands of demand points).

:func:`optimizer.outputs.maps.add_points` with ``icon=None, cluster=True`` draws a layer here:
one ``L.markerClusterGroup`` (Leaflet.markercluster, vendored for offline maps) filled in one
``addLayers`` call with chunked loading, each point an ``L.circleMarker`` in the layer's colour
whose tooltip table is built in the browser from the row's values when the pointer is on it.
The page holds one JSON array of rows (position and the tooltip values, HTML-escaped in Python)
instead of one SVG path per point, so a map of the 10 x dataset's 38,309 demand points opens
and pans in a browser, where 38,309 always-drawn SVG circles would not. Cluster icons are
discs in the layer's colour with the number of points they hold; from zoom
:data:`UNCLUSTER_AT_ZOOM` every point is drawn alone.
"""

from __future__ import annotations

import html
import json
from collections.abc import Mapping, Sequence
from typing import Any

import folium
import shapely
from folium.plugins import MarkerCluster
from jinja2 import Template

__all__ = ["UNCLUSTER_AT_ZOOM", "CircleCluster", "circle_cluster_layer"]

UNCLUSTER_AT_ZOOM = 15
"""Zoom level from which points are no longer clustered (about 5 m a pixel at Putuo's latitude:
street level, where single points are readable); project choice."""


class CircleCluster(MarkerCluster):
    """A marker-cluster layer of circle markers built in the browser from ``rows``.

    Parameters
    ----------
    rows
        ``[lat, lon, value, ...]`` per point (degrees; values are HTML-safe strings).
    names
        Tooltip row names (HTML-safe), one per value.
    color
        CSS colour of the circles and of the cluster discs.
    radius_px
        Circle radius in CSS pixels.
    """

    _template = Template("""
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = (function(){
            var rows = {{ this.rows_json }};
            var names = {{ this.names_json }};
            var colour = {{ this.color_json }};
            var cluster = L.markerClusterGroup({
                chunkedLoading: true, showCoverageOnHover: false, maxClusterRadius: 50,
                disableClusteringAtZoom: {{ this.uncluster_at }},
                iconCreateFunction: function(c) {
                    var n = c.getChildCount();
                    var d = n < 100 ? 30 : (n < 1000 ? 36 : 44);
                    return L.divIcon({
                        html: '<div style="background:' + colour + ';opacity:0.85;color:#fff;' +
                              'border-radius:50%;width:' + d + 'px;height:' + d + 'px;' +
                              'line-height:' + d + 'px;text-align:center;font:bold 12px sans-serif">' +
                              n + '</div>',
                        className: 'opt-cluster', iconSize: L.point(d, d)});
                }
            });
            function tip(layer) {
                var r = layer.options.row, s = "<table style='font-size:12px'>";
                for (var k = 0; k < names.length; k++) {
                    s += "<tr><th style='padding-right:6px;text-align:left'>" + names[k] +
                         "</th><td>" + r[k + 2] + "</td></tr>";
                }
                return s + "</table>";
            }
            var markers = new Array(rows.length);
            for (var i = 0; i < rows.length; i++) {
                var m = L.circleMarker([rows[i][0], rows[i][1]], {
                    radius: {{ this.radius_px }}, color: "#333", weight: 1, fill: true,
                    fillColor: colour, fillOpacity: 0.9, opacity: 0.9, row: rows[i]});
                if (names.length) { m.bindTooltip(tip, {sticky: true}); }
                markers[i] = m;
            }
            cluster.addLayers(markers);
            cluster.addTo({{ this._parent.get_name() }});
            return cluster;
        })();
        {% endmacro %}""")

    def __init__(self, rows: list[list[Any]], names: Sequence[str], *, color: str,
                 radius_px: float) -> None:
        super().__init__(control=False)
        self._name = "CircleCluster"
        self.rows_json = json.dumps(rows, ensure_ascii=False, separators=(",", ":"))
        self.names_json = json.dumps(list(names), ensure_ascii=False)
        self.color_json = json.dumps(color)
        self.radius_px = float(radius_px)
        self.uncluster_at = UNCLUSTER_AT_ZOOM


def circle_cluster_layer(m: folium.Map, prep: Any, *, color: str, radius_px: float,
                         labels: Mapping[str, str] | None, show: bool) -> folium.FeatureGroup:
    """Add ``prep`` (a checked layer of :func:`optimizer.outputs.maps.add_points`) as one
    :class:`CircleCluster` inside a ``FeatureGroup`` named like the layer.

    Parameters
    ----------
    m
        The map.
    prep
        The prepared layer (rows, tooltip columns, display geometries in the tiles' datum).
    color
        CSS colour of the circles and cluster discs.
    radius_px
        Circle radius, CSS pixels.
    labels
        Column -> tooltip row name.
    show
        Whether the layer is on when the map opens.

    Returns
    -------
    folium.FeatureGroup
        The layer added to ``m``.
    """
    from optimizer.outputs.maps import _jsonable, _labels

    xs = shapely.get_x(prep.geoms)
    ys = shapely.get_y(prep.geoms)
    cols = [prep.gdf[c].tolist() for c in prep.tips]
    rows: list[list[Any]] = []
    for i in range(len(prep.gdf)):
        vals = [_jsonable(col[i]) for col in cols]
        rows.append([round(float(ys[i]), 6), round(float(xs[i]), 6),
                     *(html.escape("" if v is None else str(v)) for v in vals)])
    names = [html.escape(n) for n in _labels(prep.tips, labels)]
    fg = folium.FeatureGroup(name=prep.label, show=show)
    CircleCluster(rows, names, color=color, radius_px=radius_px).add_to(fg)
    fg.add_to(m)
    return fg
