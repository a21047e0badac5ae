"""Route geometry along the land network (optimizer.network.paths).

Hand-made grid (EPSG:32651 metres from X0 = 410000, Y0 = 3310000), island G1 = [−100, 2100]²:

    6 - 7 - 8        y = 2000       nodes n = 3*row + col at (1000*col, 1000*row)
    |   |   |                       every edge 1000 m, 100 s by car, both directions,
    3 - 4 - 5        y = 1000       except 0→1→2 along the bottom: 300 s per edge (slow road),
    |   |   |                       and 1-4, 4-7: 1000 s (very slow)
    0 - 1 - 2        y = 0

Fastest 0 → 2: 0-3-4-5-2 = 4 × 100 s = 400 s (the bottom road takes 600 s).
Node 9 sits alone on island G2 = [5000, 6000] × [0, 1000] at (5500, 500): no bridge (ferry).
Edge 3→4 carries a curved ``geometry`` through (500, 1200); 4→3 the reversed curve.
"""

from __future__ import annotations

import math

import geopandas as gpd
import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pyproj import Transformer
from shapely.geometry import LineString, box

from optimizer.errors import InputError
from optimizer.network.matrix import travel_time_matrix
from optimizer.network.paths import RouteLeg, route_geometry, route_legs_frame

X0, Y0 = 410000.0, 3310000.0
TO_DEG = Transformer.from_crs("EPSG:32651", "EPSG:4326", always_xy=True)
TO_M = Transformer.from_crs("EPSG:4326", "EPSG:32651", always_xy=True)


def lonlat(x: float, y: float) -> tuple[float, float]:
    lon, lat = TO_DEG.transform(X0 + x, Y0 + y)
    return float(lon), float(lat)


def _edge(G, u, v, t_car, geometry=None):
    attrs = {"mode": "road", "length_m": 1000.0, "travel_time_s_car": float(t_car),
             "travel_time_s_ebike": 2.0 * t_car, "travel_time_s_walk": 10.0 * t_car}
    if geometry is not None:
        attrs["geometry"] = geometry
    G.add_edge(u, v, **attrs)


@pytest.fixture(scope="module")
def grid():
    G = nx.MultiDiGraph(crs="EPSG:32651", approximate_roads=True, name="grid")
    for n in range(9):
        x, y = 1000.0 * (n % 3), 1000.0 * (n // 3)
        lon, lat = lonlat(x, y)
        G.add_node(n, x=X0 + x, y=Y0 + y, lon=lon, lat=lat, island_id="G1", kind="road")
    lon, lat = lonlat(5500, 500)
    G.add_node(9, x=X0 + 5500, y=Y0 + 500, lon=lon, lat=lat, island_id="G2", kind="road")
    slow = {(0, 1): 300, (1, 2): 300, (1, 4): 1000, (4, 7): 1000}
    curve = LineString([(X0, Y0 + 1000), (X0 + 500, Y0 + 1200), (X0 + 1000, Y0 + 1000)])
    for n in range(9):
        for m in (n + 1, n + 3):
            if (m == n + 1 and n % 3 == 2) or m > 8:
                continue
            t = slow.get((n, m), 100)
            geo = curve if (n, m) == (3, 4) else None
            _edge(G, n, m, t, geo)
            _edge(G, m, n, t, LineString(curve.coords[::-1]) if geo is not None else None)
    cells = [box(X0 - 100, Y0 - 100, X0 + 2100, Y0 + 2100),
             box(X0 + 5000, Y0, X0 + 6000, Y0 + 1000)]
    islands = gpd.GeoDataFrame({"island_id": ["G1", "G2"]}, geometry=cells,
                               crs="EPSG:32651").to_crs("EPSG:4326")
    return G, islands


def _xy_m(line: LineString) -> np.ndarray:
    lon, lat = np.asarray(line.coords).T
    x, y = TO_M.transform(lon, lat)
    return np.column_stack([x - X0, y - Y0])


def test_fastest_path_follows_nodes_and_edge_geometry(grid):
    G, isl = grid
    legs = route_geometry(G, [lonlat(0, 0), lonlat(2000, 0)], islands=isl)
    assert len(legs) == 1
    leg = legs[0]
    assert leg.kind == "land" and leg.from_node == 0 and leg.to_node == 2
    assert leg.travel_time_s == pytest.approx(400.0)
    # 0 (0,0) → 3 (0,1000) → curve via (500,1200) → 4 (1000,1000) → 5 → 2
    expected = [(0, 0), (0, 1000), (500, 1200), (1000, 1000), (2000, 1000), (2000, 0)]
    np.testing.assert_allclose(_xy_m(leg.geometry), expected, atol=1e-3)
    curve = 2 * math.hypot(500, 200)
    assert leg.length_m == pytest.approx(1000 + curve + 1000 + 1000, rel=1e-6)


def test_reverse_path_uses_reversed_edge_geometry(grid):
    G, isl = grid
    (leg,) = route_geometry(G, [lonlat(2000, 0), lonlat(0, 0)], islands=isl)
    expected = [(2000, 0), (2000, 1000), (1000, 1000), (500, 1200), (0, 1000), (0, 0)]
    np.testing.assert_allclose(_xy_m(leg.geometry), expected, atol=1e-3)


def test_access_legs_join_the_stops_to_their_nodes(grid):
    G, isl = grid
    a, b = (30.0, -40.0), (1980.0, 1010.0)      # near node 0 and node 5
    (leg,) = route_geometry(G, [lonlat(*a), lonlat(*b)], islands=isl)
    xy = _xy_m(leg.geometry)
    np.testing.assert_allclose(xy[0], a, atol=1e-3)
    np.testing.assert_allclose(xy[1], (0, 0), atol=1e-3)
    np.testing.assert_allclose(xy[-2], (2000, 1000), atol=1e-3)
    np.testing.assert_allclose(xy[-1], b, atol=1e-3)
    (bare,) = route_geometry(G, [lonlat(*a), lonlat(*b)], islands=isl, access=False)
    xb = _xy_m(bare.geometry)
    np.testing.assert_allclose(xb[[0, -1]], [(0, 0), (2000, 1000)], atol=1e-3)
    assert leg.length_m == pytest.approx(bare.length_m + 50.0 + math.hypot(20, 10), rel=1e-6)


def test_island_without_bridge_gives_a_flagged_straight_ferry_leg(grid):
    G, isl = grid
    legs = route_geometry(G, [lonlat(0, 0), lonlat(5500, 500), lonlat(2000, 2000)], islands=isl)
    assert [leg.kind for leg in legs] == ["ferry", "ferry"]
    assert all(leg.is_ferry and not leg.on_network for leg in legs)
    assert all(len(leg.geometry.coords) == 2 and math.isinf(leg.travel_time_s) for leg in legs)
    np.testing.assert_allclose(_xy_m(legs[0].geometry), [(0, 0), (5500, 500)], atol=1e-3)


def test_stop_in_the_sea_is_reported_not_dropped(grid):
    G, isl = grid
    legs = route_geometry(G, [lonlat(0, 0), lonlat(3500, 5000), lonlat(2000, 0)], islands=isl,
                          max_snap_m=100.0)
    assert [leg.kind for leg in legs] == ["unsnapped", "unsnapped"]
    assert legs[0].to_node is None and legs[1].from_node is None


def test_same_place_and_short_sequences(grid):
    G, isl = grid
    (leg,) = route_geometry(G, [lonlat(1000, 1000), lonlat(1000, 1000)], islands=isl)
    assert leg.kind == "same_place" and leg.travel_time_s == 0.0 and leg.length_m == 0.0
    assert route_geometry(G, [lonlat(0, 0)], islands=isl) == []
    assert route_geometry(G, np.empty((0, 2)), islands=isl) == []


def test_no_path_for_the_travel_mode_is_flagged(grid):
    G, isl = grid
    H = G.copy()
    for u, v, d in H.edges(data=True):          # node 8 cannot be walked to or from
        if 8 in (u, v):
            d["travel_time_s_walk"] = math.inf
    (leg,) = route_geometry(H, [lonlat(0, 0), lonlat(2000, 2000)], islands=isl,
                            travel_mode="walk")
    assert leg.kind == "no_land_path" and len(leg.geometry.coords) == 2
    (car,) = route_geometry(H, [lonlat(0, 0), lonlat(2000, 2000)], islands=isl)
    assert car.kind == "land" and car.travel_time_s == pytest.approx(400.0)


def test_bad_input(grid):
    G, isl = grid
    with pytest.raises(InputError, match="shape"):
        route_geometry(G, [(1.0, 2.0, 3.0)], islands=isl)
    with pytest.raises(InputError) as ei:
        route_geometry(G, [lonlat(0, 0), (math.nan, 29.9)], islands=isl)
    assert ei.value.row == 2
    with pytest.raises(ValueError, match="travel_mode"):
        route_geometry(G, [lonlat(0, 0), lonlat(0, 0)], islands=isl, travel_mode="boat")
    with pytest.raises(InputError):
        RouteLeg(0, 1, "teleport", LineString([(0, 0), (1, 1)]), None, None, 0.0, 0.0)


@settings(max_examples=30, deadline=None)
@given(seq=st.lists(st.integers(0, 8), min_size=2, max_size=6))
def test_legs_agree_with_the_matrix_and_chain(grid, seq):
    G, isl = grid
    pts = [lonlat(1000.0 * (n % 3), 1000.0 * (n // 3)) for n in seq]
    legs = route_geometry(G, pts, islands=isl)
    M = travel_time_matrix(G, seq, seq)
    assert len(legs) == len(seq) - 1
    for i, leg in enumerate(legs):
        assert (leg.from_stop, leg.to_stop) == (i, i + 1)
        assert leg.travel_time_s == pytest.approx(M[i, i + 1])
        xy = _xy_m(leg.geometry)
        # starts and ends at the stops; never shorter than the straight line
        np.testing.assert_allclose(xy[[0, -1]], _xy_m(LineString([pts[i], pts[i + 1]]))
                                   if pts[i] != pts[i + 1] else [xy[0], xy[0]], atol=1e-3)
        assert leg.length_m + 1e-6 >= math.dist(xy[0], xy[-1])
    frame = route_legs_frame(legs)
    assert len(frame) == len(legs) and frame.crs.to_epsg() == 4326


@pytest.mark.slow
def test_putuo_path_on_zhoushan_stays_on_land():
    from optimizer.network.islands import load_islands
    from optimizer.network.land_proxy import putuo_land_proxy

    G = putuo_land_proxy()
    isl = load_islands()
    # 沈家门 (122.30, 29.94) → 勾山 area (122.25, 29.98) on 舟山岛 (ISL001); 桃花岛 (ISL004) by ferry
    stops = [(122.30, 29.955), (122.25, 29.985), (122.28, 29.82)]
    legs = route_geometry(G, stops, islands=isl)
    assert [leg.kind for leg in legs] == ["land", "ferry"]
    land = legs[0]
    assert len(land.geometry.coords) > 10 and np.isfinite(land.travel_time_s)
    zs = isl.loc[isl["island_id"] == "ISL001"].to_crs("EPSG:32651").geometry.iloc[0]
    line_m = gpd.GeoSeries([land.geometry], crs="EPSG:4326").to_crs("EPSG:32651").iloc[0]
    shore = zs.buffer(50.0)   # land-proxy nodes sit inside the coastline (50 m for rounding)
    assert all(shore.contains(gpd.points_from_xy([x], [y])[0]) for x, y in line_m.coords)
    # the drawn length is at least the straight distance and under 3x it
    straight = line_m.coords[0], line_m.coords[-1]
    d = math.dist(*straight)
    assert d <= land.length_m <= 3 * d
