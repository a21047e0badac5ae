"""Time-dependent earliest arrival across the tiny two-island ferry network (hand-computed).

Graph (all edges both ways; times in seconds for car / ebike / walk):

    A --(600/900/2400, 5000 m)-- a --access 60 s, 50 m-- pier:PA
    pier:PA ==R_CAR, R_FAST==> pier:PB ; pier:PB ==R_CAR==> pier:PA
    pier:PB --access 60 s, 50 m-- b --(300/450/1200, 2500 m)-- B
    C --(100)-- C2   (island ISL_C, no pier)

Timetable: tests/data/gtfs/tiny (see its README.md). Buffers: foot 900 s, vehicle 1800 s.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from pathlib import Path

import networkx as nx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from optimizer.errors import InputError, UnreachableError
from optimizer.io.gtfs import read_gtfs
from optimizer.network.contract import validate_network
from optimizer.network.ferries import timetable_for_date
from optimizer.network.journey import (
    REASON_CODES,
    earliest_arrival,
    earliest_arrival_all,
    journey_from_points,
)

TINY = Path(__file__).parent / "data" / "gtfs" / "tiny"
H = 3600


def hm(h: int, m: int) -> int:
    return h * H + m * 60


def _land(G, u, v, car, ebike, walk, length, mode="road"):
    for a, b in ((u, v), (v, u)):
        G.add_edge(a, b, mode=mode, length_m=length, travel_time_s_car=car,
                   travel_time_s_ebike=ebike, travel_time_s_walk=walk)


def build_graph() -> nx.MultiDiGraph:
    G = nx.MultiDiGraph(crs="EPSG:32651", approximate_roads=True, name="tiny two islands")
    nodes = {"A": ("ISL_A", "road", 0), "a": ("ISL_A", "road", 5000),
             "pier:PA": ("ISL_A", "pier", 5050),
             "pier:PB": ("ISL_B", "pier", 9500), "b": ("ISL_B", "road", 9550),
             "B": ("ISL_B", "road", 12050), "C": ("ISL_C", "road", 20000),
             "C2": ("ISL_C", "road", 20100)}
    for n, (isl, kind, x) in nodes.items():
        attrs = dict(x=float(x), y=0.0, lon=122.3, lat=29.9, island_id=isl, kind=kind)
        if kind == "pier":
            attrs["stop_id"] = n.split(":")[1]
        G.add_node(n, **attrs)
    _land(G, "A", "a", 600, 900, 2400, 5000)
    _land(G, "a", "pier:PA", 60, 60, 60, 50, mode="access")
    _land(G, "pier:PB", "b", 60, 60, 60, 50, mode="access")
    _land(G, "b", "B", 300, 450, 1200, 2500)
    _land(G, "C", "C2", 100, 100, 100, 100)
    for u, v, r in (("pier:PA", "pier:PB", "R_CAR"), ("pier:PA", "pier:PB", "R_FAST"),
                    ("pier:PB", "pier:PA", "R_CAR")):
        G.add_edge(u, v, key=r, mode="ferry", route_id=r, length_m=4450.0)
    return G


@pytest.fixture(scope="module")
def feed():
    return read_gtfs(TINY)


@pytest.fixture(scope="module")
def G():
    g = build_graph()
    validate_network(g)
    return g


@pytest.fixture(scope="module")
def wed(feed):
    return timetable_for_date(feed, "2025-04-30")


def kinds(j):
    return [leg.kind for leg in j.legs]


def test_foot_crossing_at_0630_itemised(G, wed):
    """Leave A 06:30 by car, cross on foot: at pier 06:41, must board by 06:56; the 07:15 fast boat
    arrives 07:35, before the 07:00 car ferry (07:40); B at 07:41."""
    j = earliest_arrival(G, wed, "A", "B", hm(6, 30), travel_mode="car", ferry_access="foot")
    assert j.reachable and j.arrival_s == hm(7, 41)
    assert kinds(j) == ["land", "wait", "boarding", "ferry", "land"]
    land1, wait, board, ferry, land2 = j.legs
    assert (land1.from_node, land1.to_node, land1.depart_s, land1.arrive_s) == \
        ("A", "pier:PA", hm(6, 30), hm(6, 41))
    assert land1.length_m == 5050 and land1.travel_mode == "car"
    assert (wait.depart_s, wait.arrive_s, wait.duration_s) == (hm(6, 41), hm(7, 0), 1140)
    assert (board.depart_s, board.arrive_s) == (hm(7, 0), hm(7, 15))
    assert ferry.sailing.trip_id == "FAST_0715" and ferry.sailing.route_id == "R_FAST"
    assert (ferry.depart_s, ferry.arrive_s) == (hm(7, 15), hm(7, 35))
    assert (land2.from_node, land2.to_node, land2.duration_s) == ("pier:PB", "B", 360)
    assert j.wait_s == 1140 and j.duration_s == 71 * 60
    assert "FAST_0715" in j.summary()


def test_vehicle_buffer_misses_0700_and_waits_for_0900(G, wed):
    """With the car on board: fast boat not allowed; ready 06:41 + 30 min = 07:11 misses the
    07:00 car ferry; next car ferry 09:00 -> 09:40; B at 09:46; wait 06:41-08:30."""
    j = earliest_arrival(G, wed, "A", "B", hm(6, 30), travel_mode="car", ferry_access="vehicle")
    assert j.arrival_s == hm(9, 46)
    assert j.sailings[0].trip_id == "CAR_0900" and j.sailings[0].cars_allowed
    wait = j.legs[1]
    assert (wait.kind, wait.depart_s, wait.arrive_s) == ("wait", hm(6, 41), hm(8, 30))
    assert j.legs[2].duration_s == 1800 and j.boarding_buffer_s == 1800


def test_without_buffer_the_0700_is_caught(G, wed):
    j = earliest_arrival(G, wed, "A", "B", hm(6, 30), ferry_access="vehicle", boarding_buffer_s=0)
    assert j.sailings[0].trip_id == "CAR_0700" and j.arrival_s == hm(7, 46)
    # zero buffer: no boarding time, the wait runs to departure
    assert j.legs[1].kind == "wait" and j.legs[1].arrive_s == hm(7, 0)
    assert j.legs[2].kind == "boarding" and j.legs[2].duration_s == 0


def test_buffer_mapping_by_ferry_access(G, wed):
    """A network's ``{"foot": s, "vehicle": s}`` buffers: the access picks its own value."""
    buffers = {"foot": 900.0, "vehicle": 0.0}  # as Network.boarding_buffer_s
    car = earliest_arrival(G, wed, "A", "B", hm(6, 30), ferry_access="vehicle",
                           boarding_buffer_s=buffers)
    assert car.boarding_buffer_s == 0 and car.sailings[0].trip_id == "CAR_0700"
    foot = earliest_arrival(G, wed, "A", "B", hm(6, 30), boarding_buffer_s=buffers)
    assert foot.boarding_buffer_s == 900 and foot.arrival_s == hm(7, 41)
    # foot 40 min: at pier:PA 06:41 misses FAST_0715's boarding cut-off 06:35; next is
    # CAR_0900 (cut-off 08:20) -> pier:PB 09:40, B at 09:40 + 60 + 300 s = 09:46
    later = earliest_arrival_all(G, wed, "A", hm(6, 30), boarding_buffer_s={"foot": 2400.0})
    assert later["B"] == hm(9, 46)
    with pytest.raises(InputError) as e:
        earliest_arrival(G, wed, "A", "B", hm(6, 30), ferry_access="vehicle",
                         boarding_buffer_s={"foot": 900.0})
    assert e.value.field == "boarding_buffer_s"


def test_reason_codes_are_catalogue_codes():
    from optimizer.results import REASONS

    assert set(REASON_CODES) == {"NO_LINK", "NO_SERVICE_TODAY", "ROUTE_SUSPENDED",
                                 "NO_CAR_FERRY", "NO_SAILING_AFTER"}
    assert all(REASON_CODES[c] is REASONS[c] for c in REASON_CODES)


def test_walking_uses_walk_times(G, wed):
    # walk A->pier 2400+60 = 07:11; board by 07:15 - 15 min = 07:00: missed; 07:00 car ferry
    # also missed; CAR_0900 (09:40) beats nothing else -> B at 09:40 + 60 + 1200 s = 10:01
    j = earliest_arrival(G, wed, "A", "B", hm(6, 30), travel_mode="walk")
    assert j.arrival_s == hm(10, 1) and j.sailings[0].trip_id == "CAR_0900"


def test_trip_past_midnight(G, wed):
    # 23:00 -> pier 23:11, board by 23:15 for CAR_2330 (23:30 -> 24:30) -> B at 24:36
    j = earliest_arrival(G, wed, "A", "B", hm(23, 0))
    assert j.sailings[0].trip_id == "CAR_2330"
    assert j.arrival_s == hm(24, 36) == 88_560


def test_previous_service_day_sailing_after_midnight(G, feed):
    # 05-01 00:10: 04-30's FAST_2450 leaves 00:50 (3000 s) -> 01:30; B at 01:36
    tt = timetable_for_date(feed, "2025-05-01")
    j = earliest_arrival(G, tt, "A", "B", hm(0, 10))
    s = j.sailings[0]
    assert (s.trip_id, s.departure_s, s.service_day) == ("FAST_2450", 3000, dt.date(2025, 4, 30))
    assert j.arrival_s == hm(1, 36)


def test_calendar_exception_removes_a_day(G, feed):
    # 05-01 (DAILY removed, HOLIDAY added): 06:30 -> HOL_1000 10:00 -> 10:40, B 10:46
    j = earliest_arrival(G, timetable_for_date(feed, "2025-05-01"), "A", "B", hm(6, 30))
    assert j.sailings[0].trip_id == "HOL_1000" and j.arrival_s == hm(10, 46)
    # 05-02 00:10: no 00:50 boat (its service day 05-01 had DAILY removed) -> FAST_0715, B 07:41
    j2 = earliest_arrival(G, timetable_for_date(feed, "2025-05-02"), "A", "B", hm(0, 10))
    assert j2.sailings[0].trip_id == "FAST_0715" and j2.arrival_s == hm(7, 41)


def test_passenger_only_sailing_foot_yes_vehicle_no(G, wed):
    # 23:40: CAR_2330 gone; FAST_2450 (passengers only) at 24:50
    foot = earliest_arrival(G, wed, "A", "B", hm(23, 40), ferry_access="foot")
    assert foot.sailings[0].trip_id == "FAST_2450" and foot.arrival_s == hm(25, 36)
    car = earliest_arrival(G, wed, "A", "B", hm(23, 40), ferry_access="vehicle")
    assert not car.reachable and car.reason_code == "NO_SAILING_AFTER"
    assert "PA" in car.reason and "23:30" in car.reason  # last car sailing named


def test_return_direction_estimated_sailing(G, wed):
    j = earliest_arrival(G, wed, "B", "A", hm(7, 0))
    # B->pier:PB 07:06, board by 07:45 for CAR_B_0800 -> 08:40; A at 08:40 + 60 + 600 = 08:51
    assert j.sailings[0].trip_id == "CAR_B_0800" and j.sailings[0].is_estimate
    assert j.arrival_s == hm(8, 51)


def test_unreachable_reasons(G, feed, wed):
    late = earliest_arrival(G, wed, "A", "B", hm(25, 0))
    assert late.reason_code == "NO_SAILING_AFTER" and late.arrival_s == math.inf
    assert late.legs == ()
    nolink = earliest_arrival(G, wed, "A", "C", hm(6, 30))
    assert nolink.reason_code == "NO_LINK" and "ISL_C" in nolink.reason
    # 05-01: the only B->A sailing (CAR_B_0800, DAILY) does not run
    nosvc = earliest_arrival(G, timetable_for_date(feed, "2025-05-01"), "B", "A", hm(6, 0))
    assert nosvc.reason_code == "NO_SERVICE_TODAY"
    susp = timetable_for_date(feed, "2025-04-30", suspended_routes=["R_CAR"])
    sj = earliest_arrival(G, susp, "A", "B", hm(6, 30), ferry_access="vehicle")
    assert sj.reason_code == "ROUTE_SUSPENDED" and "R_CAR" in sj.reason
    # on foot the fast boat still runs
    assert earliest_arrival(G, susp, "A", "B", hm(6, 30)).arrival_s == hm(7, 41)
    # without the car-ferry edge a vehicle cannot cross at all
    g2 = G.copy()
    g2.remove_edge("pier:PA", "pier:PB", key="R_CAR")
    nocar = earliest_arrival(g2, wed, "A", "B", hm(6, 30), ferry_access="vehicle")
    assert nocar.reason_code == "NO_CAR_FERRY"
    for j in (late, nolink, nosvc, sj, nocar):
        assert j.reason_code in REASON_CODES and "UNREACHABLE" in j.summary()


def test_same_node_and_bad_inputs(G, wed):
    j = earliest_arrival(G, wed, "A", "A", hm(8, 0))
    assert j.arrival_s == hm(8, 0) and j.legs == ()
    with pytest.raises(InputError) as e1:
        earliest_arrival(G, wed, "A", "Z", 0)
    assert e1.value.field == "destination_node"
    with pytest.raises(InputError):
        earliest_arrival(G, wed, "A", "B", 0, travel_mode="bus")
    with pytest.raises(InputError):
        earliest_arrival(G, wed, "A", "B", 0, ferry_access="swim")
    with pytest.raises(InputError):
        earliest_arrival(G, wed, "A", "B", 0, travel_mode="walk", ferry_access="vehicle")
    with pytest.raises(InputError):
        earliest_arrival(G, wed, "A", "B", -5)
    with pytest.raises(InputError):
        earliest_arrival(G, wed, "A", "B", 0, boarding_buffer_s=-1)


def test_earliest_arrival_all(G, wed):
    arr = earliest_arrival_all(G, wed, "A", hm(6, 30))
    assert arr == {"A": hm(6, 30), "a": hm(6, 40), "pier:PA": hm(6, 41), "pier:PB": hm(7, 35),
                   "b": hm(7, 36), "B": hm(7, 41)}
    within_1h = earliest_arrival_all(G, wed, "A", hm(6, 30), max_duration_s=3600)
    assert set(within_1h) == {"A", "a", "pier:PA"}
    with pytest.raises(InputError):
        earliest_arrival_all(G, wed, "A", 0, max_duration_s=-1)


def test_journey_from_points(G, wed):
    """Points are snapped on their own island (toy polygons), then routed."""
    import geopandas as gpd
    from pyproj import Transformer
    from shapely.geometry import box

    g = G.copy()
    to_utm = Transformer.from_crs("EPSG:4326", "EPSG:32651", always_xy=True)
    for n, (lon, lat) in {"A": (122.30, 29.96), "a": (122.30, 29.945),
                          "b": (122.30, 29.895), "B": (122.30, 29.88)}.items():
        x, y = to_utm.transform(lon, lat)
        g.nodes[n].update(x=x, y=y, lon=lon, lat=lat)
    islands = gpd.GeoDataFrame({"island_id": ["ISL_A", "ISL_B"]},
                               geometry=[box(122.28, 29.93, 122.32, 29.97),
                                         box(122.28, 29.87, 122.32, 29.905)], crs="EPSG:4326")
    j = journey_from_points(g, wed, (122.3001, 29.96), (122.30, 29.8801), hm(6, 30),
                            islands=islands)
    assert (j.origin, j.destination) == ("A", "B") and j.arrival_s == hm(7, 41)
    assert any("snapped" in n and "ISL_A" in n for n in j.notes)
    # a point at sea far from both islands is refused, not moved across water
    with pytest.raises(UnreachableError):
        journey_from_points(g, wed, (122.5, 29.7), (122.30, 29.88), hm(6, 30), islands=islands)


@settings(max_examples=60, deadline=None)
@given(t1=st.integers(0, 26 * H), dt_s=st.integers(0, 6 * H),
       access=st.sampled_from(["foot", "vehicle"]))
def test_fifo_and_leg_chain(t1, dt_s, access):
    """Leaving later never arrives earlier; legs chain without gaps from departure to arrival."""
    g = _G
    j1 = earliest_arrival(g, _WED, "A", "B", t1, ferry_access=access)
    j2 = earliest_arrival(g, _WED, "A", "B", t1 + dt_s, ferry_access=access)
    assert j2.arrival_s >= j1.arrival_s
    if j1.reachable:
        assert j1.legs[0].depart_s == t1 and j1.legs[-1].arrive_s == j1.arrival_s
        for prev, nxt in zip(j1.legs, j1.legs[1:]):
            assert prev.arrive_s == nxt.depart_s
        # lower bound: land time + one crossing of 20 min at least
        assert j1.arrival_s >= t1 + 660 + 20 * 60 + 360
        for s in j1.sailings:
            assert s.cars_allowed or access == "foot"
    else:
        assert j1.reason_code == "NO_SAILING_AFTER"


_G = build_graph()
_WED = timetable_for_date(read_gtfs(TINY), "2025-04-30")


@pytest.mark.slow
def test_putuo_land_proxy_with_ferries():
    """Real data: Putuo land proxy + the Putuo feed; Shenjiamen -> Taohua by the 07:20 boat."""
    from optimizer.datasets import get_path
    from optimizer.network.ferries import add_ferries
    from optimizer.network.land_proxy import putuo_land_proxy

    g = putuo_land_proxy().copy()
    feed = read_gtfs(get_path("putuo/ferries/gtfs"))
    add_ferries(g, feed)
    validate_network(g)
    # every pier but 嵊山 (outside the Putuo islands) is joined to a road node on its island
    assert set(g.graph["unlinked_piers"]) == {"P_SHENGSHAN"}
    assert g.nodes["pier:P_TAOHUA"]["island_id"] != g.nodes["pier:P_DUNTOU"]["island_id"]
    tt = timetable_for_date(feed, "2025-06-02")
    j = journey_from_points(g, tt, (122.30, 29.95), (122.285, 29.82), hm(6, 30))
    assert [s.trip_id for s in j.sailings] == ["R_DT_TH_0720"]
    assert hm(8, 10) < j.arrival_s < hm(8, 40)
    back = journey_from_points(g, tt, (122.285, 29.82), (122.30, 29.95), hm(16, 0),
                               ferry_access="vehicle")
    assert back.sailings[0].trip_id == "R_DT_TH_1730_RET" and back.sailings[0].is_estimate


# ------------------------------------------------------------------------ texts a person reads
def _names(G):
    """Place names for the tiny graph: islands 甲岛/乙岛/丙岛, piers 甲码头/乙码头, one named
    place (东村) 1 km from node A on ISL_A, route R_FAST named (R_CAR by its id)."""
    import pandas as pd

    from optimizer.network.placenames import PlaceNames

    g = G.copy()
    g.nodes["pier:PA"]["name"] = "甲码头"
    g.nodes["pier:PB"]["name"] = "乙码头"
    names = PlaceNames(g, {"ISL_A": "甲岛", "ISL_B": "乙岛", "ISL_C": "丙岛"},
                       pd.DataFrame({"name": ["东村"], "island_id": ["ISL_A"], "x": [1000.0],
                                     "y": [0.0]}),
                       {"R_FAST": "甲乙快船"})
    return g, names


NODE_ID = re.compile(r"(?<![\w:])(A|a|b|B|C|C2)(?![\w])|pier:|\bP[AB]\b|FAST_0715")


def test_journey_text_names_places_not_nodes(G, wed):
    from optimizer.network.journey import place_names

    g, namer = _names(G)
    j = earliest_arrival(g, wed, "A", "B", hm(6, 30), namer=namer)
    names = place_names(g, j, origin=f"{namer.node('A')} (start)", destination="乙岛 (end)",
                        namer=namer)
    text = j.summary(names)
    lines = text.splitlines()
    assert lines[0].startswith("甲岛 东村附近 (start) → 乙岛 (end), leave 06:30")
    assert lines[1] == "  06:30-06:41 car 甲岛 东村附近 (start) → 甲码头, 11 min, 5.0 km"
    assert lines[2] == "  06:41-07:00 wait at 甲码头, 19 min"
    assert lines[4] == "  07:15-07:35 ferry 甲乙快船: 甲码头 → 乙码头, 20 min"
    assert lines[5] == "  07:35-07:41 car 乙码头 → 乙岛 (end), 6 min, 2.5 km"
    assert not NODE_ID.search(text), text
    # a road node with no named place within 3 km: its island alone
    assert namer.node("a") == "甲岛" and namer.node("b") == "乙岛"  # 东村 is 4 km from a
    # without names (tests, debugging) the ids remain
    assert "FAST_0715" in j.summary() and "pier:PA" in j.summary()


def test_no_link_reason_bilingual_with_island_names(G, wed):
    g, namer = _names(G)
    j = earliest_arrival(g, wed, "A", "C", hm(6, 30), namer=namer)
    assert j.reason_code == "NO_LINK"
    assert j.reason == ("从 甲岛 到 丙岛 既无陆路也无渡轮航线 · no car route on land and no ferry "
                        "link from island 甲岛 to island 丙岛 in the network")
    late = earliest_arrival(g, wed, "A", "B", hm(25, 0), namer=namer)
    assert "甲码头" in late.reason and "pier PA" not in late.reason


def test_place_names_of_network_islands_and_gazetteer():
    """PlaceNames.of: island names from the polygons, a gazetteer place on the same island."""
    import geopandas as gpd
    import pandas as pd
    from pyproj import Transformer
    from shapely.geometry import box

    from optimizer.network.placenames import PlaceNames

    to_utm = Transformer.from_crs("EPSG:4326", "EPSG:32651", always_xy=True)
    g = nx.MultiDiGraph(crs="EPSG:32651")
    for n, (lon, lat, isl) in {"n1": (122.300, 29.950, "I1"), "n2": (122.380, 29.950, "I1"),
                               "n3": (122.300, 29.850, "I2")}.items():
        x, y = to_utm.transform(lon, lat)
        g.add_node(n, x=x, y=y, lon=lon, lat=lat, island_id=isl, kind="road")
    islands = gpd.GeoDataFrame({"island_id": ["I1", "I2"], "name_zh": ["大岛", "小岛"]},
                               geometry=[box(122.25, 29.90, 122.45, 30.0),
                                         box(122.25, 29.80, 122.35, 29.88)], crs="EPSG:4326")
    gaz = pd.DataFrame({"name": ["西村", "南村"], "lon": [122.305, 122.301],
                        "lat": [29.951, 29.870]})  # 西村 on I1 (~500 m from n1), 南村 on I2
    names = PlaceNames.of(g, islands, gazetteer=gaz)
    assert names.node("n1") == "大岛 西村附近"
    assert names.node("n2") == "大岛"  # 西村 is ~7 km away: the island alone
    assert names.node("n3") == "小岛 南村附近"
    assert names.island("I9") == "I9" and names.route("R1") == "R1"
