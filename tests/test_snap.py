"""Snapping points to the nearest node on the same island (never across water)."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
from shapely.geometry import Point, Polygon

from optimizer.errors import InputError, UnreachableError
from optimizer.network.islands import load_islands, points_from_lonlat
from optimizer.network.land_proxy import build_land_proxy, putuo_land_proxy
from optimizer.network.snap import nearest_node_same_island, snap_points

X0, Y0 = 400000.0, 3310000.0


@pytest.fixture(scope="module")
def strait():
    """Islands P (1 km square) and Q (1 km square) 20 m apart; Q's shore ring starts facing P."""
    P = Polygon([(X0, Y0), (X0 + 1000, Y0), (X0 + 1000, Y0 + 1000), (X0, Y0 + 1000)])
    Q = Polygon([(X0 + 1020, Y0 + 500), (X0 + 1020, Y0), (X0 + 2020, Y0), (X0 + 2020, Y0 + 1000),
                 (X0 + 1020, Y0 + 1000)])
    isl = gpd.GeoDataFrame({"island_id": ["P", "Q"], "name_zh": ["", ""]}, geometry=[P, Q],
                           crs="EPSG:32651").to_crs("EPSG:4326")
    G = build_land_proxy(isl, spacing_m=400.0, bridges=(), select=False)
    return G, isl


def pts(xy, crs="EPSG:32651"):
    return gpd.GeoDataFrame(geometry=[Point(X0 + x, Y0 + y) for x, y in xy], crs=crs)


def test_snap_stays_on_the_island_even_when_another_island_is_closer(strait):
    G, isl = strait
    # (995, 500) lies on P; Q's shore node (1020, 500) is 25 m away, P's nearest node ~100 m
    res = snap_points(G, pts([(995, 500)]), islands=isl)
    row = res.iloc[0]
    assert row["status"] == "on_land" and row["island_id"] == "P"
    assert G.nodes[row["node"]]["island_id"] == "P"
    assert row["snap_distance_m"] == pytest.approx(np.hypot(5, 100), abs=0.01)
    node, d = nearest_node_same_island(G, X0 + 995, Y0 + 500, "Q")
    assert G.nodes[node]["island_id"] == "Q" and d == pytest.approx(25.0, abs=0.01)


def test_sea_points_snapped_or_reported(strait):
    G, isl = strait
    res = snap_points(G, pts([(1005, 500), (-300, 500), (-3000, 500)]), islands=isl,
                      max_snap_m=500.0)
    assert res["status"].tolist() == ["snapped", "snapped", "in_sea"]
    assert res["island_id"].tolist() == ["P", "P", ""]
    assert res["distance_to_land_m"].iloc[1] == pytest.approx(300.0, abs=0.01)
    assert res["node"].iloc[2] is None and np.isinf(res["snap_distance_m"].iloc[2])
    with pytest.raises(UnreachableError) as exc:
        snap_points(G, pts([(500, 500), (-3000, 500)]), islands=isl, strict=True)
    assert exc.value.ids == ["1"]


def test_island_without_nodes_is_reported(strait):
    G, isl = strait
    extra = gpd.GeoDataFrame({"island_id": ["R"], "name_zh": [""]},
                             geometry=[Polygon([(X0, Y0 + 3000), (X0 + 100, Y0 + 3000),
                                                (X0 + 100, Y0 + 3100)])],
                             crs="EPSG:32651").to_crs("EPSG:4326")
    both = gpd.GeoDataFrame(np.concatenate([isl.values, extra.values]), columns=isl.columns,
                            geometry="geometry", crs="EPSG:4326")
    res = snap_points(G, pts([(60, 3020)]), islands=both)
    assert res["status"].iloc[0] == "no_node_on_island" and res["island_id"].iloc[0] == "R"
    with pytest.raises(UnreachableError):
        nearest_node_same_island(G, X0, Y0 + 3000, "R")


def test_points_need_a_crs(strait):
    G, isl = strait
    with pytest.raises(InputError):
        snap_points(G, gpd.GeoDataFrame(geometry=[Point(0, 0)]), islands=isl)


def test_putuo_snapping_real_places():
    G = putuo_land_proxy()
    isl = load_islands()
    # Shenjiamen (鲁家峙 side), Liuheng reference point, Zhujiajian reference point, open sea
    p = points_from_lonlat([122.30, 122.134769, 122.399155, 122.0], [29.94, 29.724575, 29.896239,
                                                                     29.95])
    res = snap_points(G, p, islands=isl)
    assert res["island_id"].tolist() == ["ISL014", "ISL002", "ISL003", ""]
    ok = res["node"].notna()
    assert ok.tolist() == [True, True, True, False]
    for n, i in zip(res["node"][ok], res["island_id"][ok]):
        assert G.nodes[n]["island_id"] == i
    # lattice spacing 300 m: a land point is within half a diagonal (212 m) of some node
    assert (res["snap_distance_m"][ok] <= 300 * np.sqrt(2) / 2 + 1e-6).all()


def test_unsnapped_points_are_named_by_label_never_by_index(strait):
    """A point from an input file that cannot be snapped is an input error naming the file,
    line and record, the distance to land and to the nearest road (brute force), and the fix;
    an unlabelled point is named by its coordinates, never ``[0]``."""
    from optimizer.errors import InputErrors
    from optimizer.network.snap import PointLabel

    G, isl = strait
    road = min(np.hypot(d["x"] - (X0 - 3000), d["y"] - (Y0 + 500))
               for _, d in G.nodes(data=True) if d.get("kind", "road") == "road")
    with pytest.raises(InputErrors) as exc:
        snap_points(G, pts([(500, 500), (-3000, 500)]), islands=isl, strict=True,
                    labels=[PointLabel("units.csv", 2, "unit A"),
                            PointLabel("units.csv", 3, "unit B")])
    (e,) = exc.value.errors
    assert (e.file, e.line, e.field) == ("units.csv", 3, "lon")
    assert e.message.startswith("unit B cannot be reached: in the sea, 3000 m from the nearest "
                                "island")
    assert f"the nearest road is {road:.0f} m away" in e.message and "coord_system" in e.message
    assert str(e).startswith("units.csv, line 3, field 'lon': unit B")
    with pytest.raises(UnreachableError) as plain:
        snap_points(G, pts([(-3000, 500)]), islands=isl, strict=True)
    assert "[0]" not in str(plain.value) and "point (" in str(plain.value)
    assert "3000 m from the nearest island" in str(plain.value)
