"""Regenerate the coordinate test files (``python tests/data/bad/coords/make_files.py``).

The same four Putuo points (普陀医院 placeholder, a 沈家门 home, a vehicle base, 六横) in WGS-84,
GCJ-02 (Amap), BD-09 (Baidu), mixed per row, and as GeoJSON (EPSG:4326 and UTM 51N); and the
bad cases: swapped columns and GCJ-02 in Lisbon (outside China), metres declared as degrees,
degrees in a UTM layer, a line feature, an unknown coordinate system.
"""

from pathlib import Path

import geopandas as gpd
from pyproj import Transformer
from shapely.geometry import LineString, Point

from optimizer.io.coords import to_system

HERE = Path(__file__).parent
PUTUO = [("P1", "医院", 122.29503, 29.9454), ("P2", "沈家门住户", 122.294844, 29.956314),
         ("P3", "车辆基地", 122.303661, 29.949418), ("P4", "六横", 122.115757, 29.745074)]
LISBON = [("L1", "Baixa", -9.1393, 38.7107), ("L2", "Belém", -9.2155, 38.6916),
          ("L3", "Oriente", -9.0990, 38.7678)]


def _csv(name, header, rows):
    lines = [",".join(header)] + [",".join(str(v) for v in r) for r in rows]
    (HERE / name).write_text("\n".join(lines) + "\n", encoding="utf-8")


def _in(system):
    out = []
    for pid, name, lon, lat in PUTUO:
        x, y = to_system(lon, lat, system)
        out.append((pid, name, f"{float(x):.8f}", f"{float(y):.8f}"))
    return out


def main():
    head = ("id", "name_zh", "lon", "lat")
    _csv("wgs84.csv", head, PUTUO)
    _csv("gcj02.csv", head, _in("GCJ-02"))       # read with crs / coord_system key GCJ-02
    _csv("bd09.csv", head, _in("BD-09"))         # read with BD-09
    systems = ("gcj02", "WGS84", "bd09", "")     # per row; the empty cell = the file's system
    mixed = [(*_in({"gcj02": "GCJ-02", "WGS84": "WGS-84", "bd09": "BD-09", "": "WGS-84"}[s])[k],
              s) for k, s in enumerate(systems)]
    _csv("mixed_rows.csv", (*head, "coord_system"), mixed)
    _csv("unknown_system.csv", (*head, "coord_system"),
         [(*PUTUO[0], "GCJ02"), (*PUTUO[1], "utm51")])
    _csv("swapped_lisbon.csv", ("id", "name", "lon", "lat"),
         [(i, n, lat, lon) for i, n, lon, lat in LISBON])
    _csv("gcj02_lisbon.csv", ("id", "name", "lon", "lat", "coord_system"),
         [(i, n, lon, lat, "GCJ-02") for i, n, lon, lat in LISBON])
    utm = Transformer.from_crs(4326, 32651, always_xy=True)
    _csv("metres_as_degrees.csv", head,
         [(i, n, *(f"{v:.1f}" for v in utm.transform(lon, lat))) for i, n, lon, lat in PUTUO])
    pts = gpd.GeoDataFrame({"id": [p[0] for p in PUTUO], "name_zh": [p[1] for p in PUTUO]},
                           geometry=[Point(p[2], p[3]) for p in PUTUO], crs=4326)
    pts.to_file(HERE / "points.geojson", driver="GeoJSON")
    pts.to_crs(32651).to_file(HERE / "points_utm51.geojson", driver="GeoJSON")
    deg = pts.copy().set_crs(32651, allow_override=True)  # degrees labelled as UTM metres
    deg.to_file(HERE / "degrees_in_utm.geojson", driver="GeoJSON")
    line = gpd.GeoDataFrame({"id": ["P1", "R1"], "name_zh": ["医院", "道路"]},
                            geometry=[Point(122.29503, 29.9454),
                                      LineString([(122.29, 29.95), (122.30, 29.96)])], crs=4326)
    line.to_file(HERE / "line_feature.geojson", driver="GeoJSON")
    gx, gy = (f"{float(v):.8f}" for v in to_system(122.295001, 29.955011, "GCJ-02"))
    _csv("canteens_bad_coords.csv",  # through `optimizer validate` (meals.canteens): exit 2
         ("canteen_id", "name_zh", "lon", "lat", "capacity_meals_per_day", "coord_system"),
         [("C01", "新街食堂", gx, gy, 200, "GCJ-02"),          # fine: Amap point, converted
          ("C02", "东大食堂", 122.293478, 29.949154, 150, "utm51"),   # unknown system
          ("C03", "里斯本食堂", -9.1393, 38.7107, 100, "gcj02"),      # GCJ-02 outside China
          ("C04", "对调食堂", 29.951, 122.301, 80, "")])               # columns swapped
    _units_gcj02()


def _units_gcj02():
    """The dataset's dialysis units as an Amap export (GCJ-02, 8 decimals): read with
    ``dialysis.coord_system: GCJ-02`` they are the WGS-84 units exactly; read as WGS-84, U01
    (on reclaimed land ~400 m off the GSHHG shore) lands in the sea and validate refuses it."""
    import pandas as pd

    src = HERE.parents[3] / "data" / "geo" / "putuo" / "synthetic" / "dialysis_units.csv"
    df = pd.read_csv(src, dtype=str, keep_default_na=False)
    lon, lat = to_system(df["lon"].astype(float), df["lat"].astype(float), "GCJ-02")
    df["lon"], df["lat"] = [f"{v:.8f}" for v in lon], [f"{v:.8f}" for v in lat]
    df["coord_system"] = ""  # the file's system is the scenario's key
    df.to_csv(HERE / "units_gcj02.csv", index=False)


if __name__ == "__main__":
    main()
