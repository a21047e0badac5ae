"""Isochrone polygons: hand-checked areas on toy islands, land clipping and nesting on Putuo."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import shapely

from optimizer.errors import InputError, UnreachableError
from optimizer.network.islands import load_islands, points_from_lonlat
from optimizer.network.isochrones import isochrone_polygons, land_isochrones
from optimizer.network.land_proxy import Bridge, build_land_proxy, putuo_land_proxy
from optimizer.network.matrix import router

TOY = Path(__file__).parent / "data" / "network" / "two_islands.geojson"
X0, Y0 = 400000.0, 3310000.0


@pytest.fixture(scope="module")
def toy():
    isl = load_islands(TOY)
    G = build_land_proxy(isl, spacing_m=100.0, circuity=1.2, bridges=[Bridge("b", "TOYA", "TOYB")],
                         select=False, correct_lattice_detour=False)
    return G, isl


def node_at(G, dx, dy):
    return min(G.nodes, key=lambda n: (G.nodes[n]["x"] - X0 - dx) ** 2
               + (G.nodes[n]["y"] - Y0 - dy) ** 2)


def test_single_node_disc_clipped_to_island(toy):
    G, isl = toy
    a0 = node_at(G, 0, 0)
    gdf = isochrone_polygons(G, {a0: 0.0}, [0.0], buffer_m=200.0, islands=isl)
    # disc r = 200 m at (0, 0) ∩ rectangle x ∈ [-50, 350], y ∈ [-50, 50]: x from -50 to ~194-200
    # (16-gon disc), full height 100 m → area between 100 × 240 and 100 × 250 m²
    area_m2 = gdf["area_km2"].iloc[0] * 1e6
    assert 24_000 < area_m2 < 25_000
    assert gdf.crs.to_epsg() == 4326 and gdf["n_nodes"].iloc[0] == 1


def test_everything_reached_covers_exactly_the_reached_islands(toy):
    G, isl = toy
    times = router(G, "car").one_to_all(node_at(G, 0, 0))
    gdf = isochrone_polygons(G, times, [10_000.0], buffer_m=200.0, islands=isl)
    # A is 400 m × 100 m = 40,000 m²; B is 350 m × 120 m + tip triangle 50 × 120 / 2 = 45,000 m²;
    # the islet C is not reachable by land and stays out
    assert gdf["area_km2"].iloc[0] * 1e6 == pytest.approx(85_000.0, rel=1e-4)


def test_thresholds_sorted_nested_and_empty_below_first_arrival(toy):
    G, isl = toy
    times = {n: t + 30.0 for n, t in router(G, "car").one_to_all(node_at(G, 0, 0)).items()}
    gdf = isochrone_polygons(G, times, [60.0, 10.0, 45.0], islands=isl)
    assert gdf["threshold_s"].tolist() == [10.0, 45.0, 60.0]
    assert gdf.geometry.iloc[0].is_empty and gdf["n_nodes"].iloc[0] == 0
    g = gdf.to_crs("EPSG:32651").geometry
    assert g.iloc[2].buffer(1e-6).covers(g.iloc[1])
    assert gdf["area_km2"].iloc[1] < gdf["area_km2"].iloc[2]


def test_bad_inputs(toy):
    G, isl = toy
    with pytest.raises(InputError):
        isochrone_polygons(G, {"nope": 1.0}, [10.0], islands=isl)
    with pytest.raises(InputError):
        isochrone_polygons(G, {}, [-1.0], islands=isl)
    with pytest.raises(InputError):
        isochrone_polygons(G, {}, [1.0], buffer_m=0.0, islands=isl)


def test_putuo_land_isochrones_on_land_nested_and_cross_the_bridge():
    G = putuo_land_proxy()
    isl = load_islands()
    origin = points_from_lonlat([122.30], [29.94])      # 沈家门 / 鲁家峙
    gdf = land_isochrones(G, origin, [5, 10, 15], travel_mode="car", islands=isl)
    assert gdf["threshold_min"].tolist() == [5.0, 10.0, 15.0]
    assert np.all(np.diff(gdf["area_km2"]) > 0)
    land = shapely.union_all(isl.to_crs("EPSG:32651").geometry.values)
    geoms = gdf.to_crs("EPSG:32651").geometry
    for g in geoms:
        assert g.difference(land).area < 1.0          # clipped to land (m²)
    assert geoms.iloc[0].contains(origin.to_crs("EPSG:32651").geometry.iloc[0])
    zs = isl.loc[isl["island_id"] == "ISL001"].to_crs("EPSG:32651").geometry.iloc[0]
    assert geoms.iloc[2].intersection(zs).area > 1e6   # over the 鲁家峙 bridge onto 舟山岛
    with pytest.raises(UnreachableError):
        land_isochrones(G, points_from_lonlat([122.0], [29.95]), [5], islands=isl)
