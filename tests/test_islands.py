"""Island polygons, point → island lookup and connectivity diagnostics."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pytest
from shapely.geometry import Point, Polygon

from optimizer.errors import InputError, InputErrors
from optimizer.network.islands import (
    island_connectivity,
    island_of,
    load_islands,
    points_from_lonlat,
    select_islands,
    validate_islands,
)
from optimizer.network.land_proxy import Bridge, build_land_proxy, putuo_land_proxy

TOY = Path(__file__).parent / "data" / "network" / "two_islands.geojson"


def test_load_putuo_islands():
    isl = load_islands()
    assert len(isl) == 127 and isl.crs.to_epsg() == 4326
    assert isl["island_id"].is_unique
    assert (isl["name_zh"] != "").sum() == 14
    zs = isl.loc[isl["island_id"] == "ISL001"].iloc[0]
    assert zs["name_zh"] == "舟山岛" and zs["area_km2"] == pytest.approx(477.436)


def test_select_islands_keeps_district_and_named_and_lists_the_rest():
    isl = load_islands()
    kept, left = select_islands(isl)
    assert len(kept) == 82 and len(left) == 45
    assert set(kept["island_id"]) | set(left["island_id"]) == set(isl["island_id"])
    assert left["reason"].str.contains("outside").all()
    kept2, left2 = select_islands(isl, min_area_km2=5.0)
    # named islands stay even below the threshold (庙子湖 3.0 km², 湖泥 1.8 km²)
    assert {"ISL012", "ISL019"} <= set(kept2["island_id"])
    assert len(kept2) + len(left2) == 127
    with pytest.raises(InputError):
        select_islands(isl, min_area_km2=-1)


def test_island_of_inside_snapped_and_sea():
    isl = load_islands()
    putuoshan = isl.loc[isl["island_id"] == "ISL006"].to_crs("EPSG:32651").geometry.iloc[0]
    off = putuoshan.buffer(200.0).exterior.interpolate(0.0)   # 200 m off the shore
    pts = gpd.GeoDataFrame(geometry=[Point(122.393969, 30.004570), off, Point(122.0, 29.95)],
                           crs="EPSG:4326")
    pts.loc[1, "geometry"] = gpd.GeoSeries([off], crs="EPSG:32651").to_crs(4326).iloc[0]
    res = island_of(pts, isl, max_snap_m=500.0)
    assert res["status"].tolist() == ["on_land", "snapped", "in_sea"]
    assert res["island_id"].tolist() == ["ISL006", "ISL006", ""]
    assert res["distance_to_land_m"].iloc[0] == 0.0
    assert res["distance_to_land_m"].iloc[1] == pytest.approx(200.0, rel=0.01)
    assert res["distance_to_land_m"].iloc[2] > 5000
    # a tighter tolerance reports the near-shore point instead of moving it
    tight = island_of(pts, isl, max_snap_m=100.0)
    assert tight["status"].tolist() == ["on_land", "in_sea", "in_sea"]


def test_points_from_lonlat_reports_bad_rows():
    with pytest.raises(InputErrors) as exc:
        points_from_lonlat([122.0, float("nan"), 200.0], [30.0, 30.0, 30.0])
    assert [e.row for e in exc.value.errors] == [2, 3]


def test_validate_islands_lists_every_problem():
    bad = gpd.GeoDataFrame({"island_id": ["A", "A", "B"]},
                           geometry=[Polygon([(0, 0), (1, 0), (1, 1)]),
                                     Polygon([(0, 0), (1, 0), (1, 1)]), Point(0, 0)],
                           crs="EPSG:4326")
    with pytest.raises(InputErrors) as exc:
        validate_islands(bad, file="x.geojson")
    fields = sorted((e.row, e.field) for e in exc.value.errors)
    assert fields == [(1, "island_id"), (2, "island_id"), (3, "geometry")]


def test_connectivity_toy_land_ferry_isolated():
    isl = load_islands(TOY)
    G = build_land_proxy(isl, spacing_m=100.0, bridges=[Bridge("b", "TOYA", "TOYB")],
                         select=False)
    d = island_connectivity(G, isl, reference_island="TOYA").set_index("island_id")
    assert d.loc["TOYA", "status"] == "land_linked"
    assert d.loc["TOYA", "land_linked_islands"] == "TOYB"
    assert d.loc["TOYC", "status"] == "isolated"
    assert d["reachable_from_reference"].tolist() == [True, True, False]
    d2 = island_connectivity(G, isl, ferry_links=[("TOYB", "TOYC")],
                             reference_island="TOYA").set_index("island_id")
    assert d2.loc["TOYC", "status"] == "ferry_only"
    assert d2.loc["TOYC", "ferry_linked_islands"] == "TOYB"
    assert d2["reachable_from_reference"].all()
    with pytest.raises(InputErrors):
        island_connectivity(G, isl, ferry_links=[("TOYA", "NOPE")])


def test_connectivity_putuo_every_island_reported():
    isl = load_islands()
    G = putuo_land_proxy()
    d = island_connectivity(G, isl).set_index("island_id")
    assert len(d) == 127
    main = d.loc["ISL001", "land_component"]
    assert d.loc[["ISL001", "ISL003", "ISL014"], "land_component"].tolist() == [main] * 3
    assert d.loc["ISL003", "status"] == "land_linked"
    assert d.loc["ISL002", "status"] == "isolated"     # 六横: ferry only, none given here
    assert (d["status"] == "no_nodes").sum() == 45     # the islets outside the district
    d2 = island_connectivity(G, isl, ferry_links=[("ISL001", "ISL002")]).set_index("island_id")
    assert d2.loc["ISL002", "status"] == "ferry_only"
    assert bool(d2.loc["ISL002", "reachable_from_reference"])
    assert not bool(d2.loc["ISL004", "reachable_from_reference"])
