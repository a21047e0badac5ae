"""Regenerate the tiny meal instance files (coordinates from EPSG:32651 metres)."""

import itertools
from pathlib import Path

import geopandas as gpd
from pyproj import Transformer
from shapely.geometry import box

HERE = Path(__file__).parent
X0, Y0 = 470_000.0, 3_280_000.0  # EPSG:32651, open sea east of Putuo (inside the study bbox)
TO_LL = Transformer.from_crs("EPSG:32651", "EPSG:4326", always_xy=True)


def lonlat(x, y):
    lon, lat = TO_LL.transform(x, y)
    return round(lon, 7), round(lat, 7)


NODES = {**{f"a{k}": (X0 + 1000 * k, Y0, "A") for k in range(9)},
         "a9": (X0 + 4500, Y0 + 250, "A"),
         **{f"b{k}": (X0 + 1000 * k, Y0 + 5000, "B") for k in range(3)}}

if __name__ == "__main__":
    isl = gpd.GeoDataFrame(
        {"island_id": ["A", "B"], "name_zh": ["甲岛", "乙岛"], "name_en": ["Isle A", "Isle B"]},
        geometry=[box(X0 - 200, Y0 - 300, X0 + 9200, Y0 + 300),
                  box(X0 - 200, Y0 + 4700, X0 + 2200, Y0 + 5300)], crs="EPSG:32651")
    isl.to_crs("EPSG:4326").to_file(HERE / "islands.geojson", driver="GeoJSON")
    vill = [("V1", "a1", 100, "T1", "一镇"), ("V2", "a3", 50, "T1", "一镇"),
            ("V3", "a4", 40, "T1", "一镇"), ("V4", "a6", 30, "T2", "二镇"),
            ("V5", "a9", 20, "T2", "二镇"), ("V6", "b1", 60, "T3", "三镇")]
    rows = ["synthetic,village_code,name_zh,town_code,town_name,island_id,lon,lat,elderly_60plus"]
    for v, n, e, tc, tn in vill:
        x, y, i = NODES[n]
        rows.append(f"true,{v},{v}村,{tc},{tn},{i},{lonlat(x, y)[0]},{lonlat(x, y)[1]},{e}")
    (HERE / "elderly.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    rows = ["synthetic,canteen_id,name_zh,island_id,lon,lat,capacity_meals_per_day,delivers"]
    for c, n, cap in (("K1", "a0", 10), ("K2", "a8", 5)):
        x, y, i = NODES[n]
        rows.append(f"true,{c},{c}食堂,{i},{lonlat(x, y)[0]},{lonlat(x, y)[1]},{cap},yes")
    (HERE / "canteens.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    rows = ["synthetic,site_id,name_zh,kind,island_id,lon,lat,capacity_meals_per_day,"
            "opening_cost_cny"]
    for s, n, cap, cost in (("S1", "a4", 20, 30000), ("S2", "b0", 20, 50000),
                            ("S3", "a9", 20, 10000)):
        x, y, i = NODES[n]
        rows.append(f"true,{s},{s}候选,restaurant_willing,{i},{lonlat(x, y)[0]},"
                    f"{lonlat(x, y)[1]},{cap},{cost}")
    (HERE / "candidates.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")


EDGE_S = 280.0
"""E-bike seconds per 1,000 m edge (about 12.9 km/h)."""


def tiny_graph():
    """The tiny contract graph: a0..a8 on a line (island A), isolated a9 (A), b0..b2 (B)."""
    import networkx as nx

    G = nx.MultiDiGraph(crs="EPSG:32651", approximate_roads=True, road_source="land_proxy",
                        name="tiny meals", circuity=1.0,
                        speeds_kph={"ebike": 3.6 * 1000 / EDGE_S, "car": 36.0, "walk": 4.5})
    for n, (x, y, isl) in NODES.items():
        lon, lat = TO_LL.transform(x, y)
        G.add_node(n, x=x, y=y, lon=lon, lat=lat, island_id=isl, kind="road")
    for chain in ([f"a{k}" for k in range(9)], [f"b{k}" for k in range(3)]):
        for u, v in itertools.pairwise(chain):
            for a, b in ((u, v), (v, u)):
                G.add_edge(a, b, mode="road", length_m=1000.0, travel_time_s_ebike=EDGE_S,
                           travel_time_s_car=100.0, travel_time_s_walk=800.0)
    return G
