"""Real positions (issue 11, item 11): hospitals and piers are where the sourced points say
(``data/geo/putuo/facilities/zhoushan_health_and_ports_points_2022.csv``, a copy of
``shared/data/putuo/sourced/``; PROVENANCE.md there), and what derives from them follows."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from optimizer.datasets import get_path
from optimizer.io.gtfs import read_gtfs
from optimizer.io.places import read_hospitals, read_ports

# Points as printed in PROVENANCE.md (WGS-84 lon, lat) and the old placeholders they replace.
PUTUO_HOSPITAL = (122.320521, 29.984033)   # 普陀医院, 东港街道文康街19号
ZHOUSHAN_HOSPITAL = (122.208162, 29.994405)  # 舟山医院, 定沈路739号
XIAZHI_ZHAPENG = (122.215883, 29.776637)   # 虾峙轮渡站, 栅棚
TAOHUA_MAOCAOWU = (122.283821, 29.843524)  # 桃花茅草屋码头
OLD = {"H01": (122.29503, 29.9454), "H02": (122.10315, 30.01796),
       "P_XIAZHI": (122.243305, 29.78706), "P_TAOHUA": (122.279972, 29.848753)}


def haversine_m(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance in metres (mean Earth radius 6 371 008.8 m), written out by hand."""
    lon1, lat1, lon2, lat2 = map(math.radians, (*a, *b))
    h = (math.sin((lat2 - lat1) / 2) ** 2
         + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2)
    return 2 * 6_371_008.8 * math.asin(math.sqrt(h))


def test_haversine_by_hand() -> None:
    # one minute of latitude is one nautical mile, ~1 853 m on the mean sphere
    assert haversine_m((122.0, 30.0), (122.0, 30.0 + 1 / 60)) == pytest.approx(1853.2, abs=0.5)


def _pt(df: pd.DataFrame, id_col: str, key: str) -> tuple[float, float]:
    r = df.set_index(id_col).loc[key]
    return float(r["lon"]), float(r["lat"])


def test_hospitals_and_piers_are_at_the_sourced_points() -> None:
    h, p = read_hospitals(), read_ports()
    assert haversine_m(_pt(h, "facility_id", "H01"), PUTUO_HOSPITAL) < 100
    assert haversine_m(_pt(h, "facility_id", "H02"), ZHOUSHAN_HOSPITAL) < 100
    assert haversine_m(_pt(p, "stop_id", "P_XIAZHI"), XIAZHI_ZHAPENG) < 100
    assert haversine_m(_pt(p, "stop_id", "P_TAOHUA"), TAOHUA_MAOCAOWU) < 100
    # PROVENANCE: 4.9 km, 10.5 km, 2.9 km, 0.7 km from the old placeholders
    assert haversine_m(OLD["H01"], PUTUO_HOSPITAL) == pytest.approx(4900, abs=60)
    assert haversine_m(OLD["H02"], ZHOUSHAN_HOSPITAL) == pytest.approx(10500, abs=60)
    assert haversine_m(OLD["P_XIAZHI"], XIAZHI_ZHAPENG) == pytest.approx(2900, abs=60)
    assert haversine_m(OLD["P_TAOHUA"], TAOHUA_MAOCAOWU) == pytest.approx(700, abs=60)
    assert not h["coord_quality"].str.startswith("PLACEHOLDER").any()


def test_every_sourced_hospital_and_pier_is_used() -> None:
    """Each Putuo hospital and pier of the sourced file is in hospitals.csv / ports.csv at its
    point (within 1 m), under the same name."""
    src = pd.read_csv(get_path("putuo/facilities/zhoushan_health_and_ports_points_2022.csv"))
    hosp = src[src["category"].str.startswith("hospital") & (
        (src["district"] == "普陀区") | (src["name_zh"] == "舟山医院"))]
    piers = src[src["category"].str.startswith("ferry terminal") & (src["district"] == "普陀区")]
    assert len(hosp) == 10 and len(piers) == 3
    h, p = read_hospitals(), read_ports()
    for pts, table in ((hosp, h), (piers, p)):
        for r in pts.itertuples():
            d = [haversine_m((r.lon_wgs84, r.lat_wgs84), (x.lon, x.lat))
                 for x in table.itertuples()]
            assert min(d) < 1.0, r.name_zh


def test_the_feed_and_the_dialysis_units_follow() -> None:
    feed = read_gtfs(get_path("putuo/ferries/gtfs"))
    stops = feed.stops.set_index("stop_id")
    x = stops.loc["P_XIAZHI"]
    assert haversine_m((x["stop_lon"], x["stop_lat"]), XIAZHI_ZHAPENG) < 1
    assert x["stop_name"] == "虾峙栅棚轮渡站"
    units = pd.read_csv(get_path("putuo/synthetic/dialysis_units.csv")).set_index("unit_id")
    assert haversine_m(tuple(units.loc["U01", ["lon", "lat"]]), PUTUO_HOSPITAL) < 1
    assert haversine_m(tuple(units.loc["U03", ["lon", "lat"]]), ZHOUSHAN_HOSPITAL) < 1


def test_sourced_crossing_times_in_the_feed() -> None:
    feed = read_gtfs(get_path("putuo/ferries/gtfs"))
    st = feed.stop_times
    dur = (st.groupby("trip_id")["arrival_s"].max() - st.groupby("trip_id")["departure_s"].min())
    trips = feed.trips.set_index("trip_id")
    fast = trips.index[trips["route_id"] == "R_DT_TH_F"]
    assert len(fast) == 12 and (dur[fast] == 25 * 60).all()  # 墩头→桃花 快艇 09:10→09:35
    assert dur["R_BSD_DJ_0830"] == 130 * 60  # 半升洞 14:00→庙子湖 16:10
    ret = st[st["trip_id"] == "R_BSD_DJ_0830_RET"].sort_values("stop_sequence")
    assert ret["departure_s"].iloc[0] == 11 * 3600  # leaves 庙子湖 again at about 11:00
    assert trips.loc["R_BSD_DJ_0830_RET", "is_estimate"] == "0"
    # an estimated crossing follows the corrected pier: 墩头→栅棚 20.2 km → 90 min (was 80)
    assert dur["R_DT_XZ_0730"] == 90 * 60
