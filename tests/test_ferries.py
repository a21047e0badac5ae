"""Ferry timetable per date (calendar, past-midnight trips, suspensions) and add_ferries."""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import networkx as nx
import pytest
from pyproj import Transformer

from optimizer.datasets import get_path
from optimizer.errors import InputError
from optimizer.io.gtfs import read_gtfs
from optimizer.network.contract import validate_network
from optimizer.network.ferries import (
    FerryTimetable,
    Sailing,
    add_ferries,
    pier_node_id,
    timetable_for_date,
)

TINY = Path(__file__).parent / "data" / "gtfs" / "tiny"
TO_UTM = Transformer.from_crs("EPSG:4326", "EPSG:32651", always_xy=True)


@pytest.fixture(scope="module")
def tiny():
    return read_gtfs(TINY)


def ids(sailings):
    return [s.trip_id for s in sailings]


def test_timetable_regular_day(tiny):
    tt = timetable_for_date(tiny, "2025-04-30")
    pa_pb = tt.sailings_between("PA", "PB")
    # the previous day's FAST_2450 (24:50 on 04-29) runs first, at 00:50 on 04-30
    assert ids(pa_pb) == ["FAST_2450", "CAR_0700", "FAST_0715", "CAR_0900", "CAR_2330",
                          "FAST_2450"]
    car = pa_pb[1]
    assert (car.departure_s, car.arrival_s) == (25_200, 27_600)
    assert ids(tt.sailings_between("PA", "PB", cars_only=True)) == ["CAR_0700", "CAR_0900",
                                                                     "CAR_2330"]
    late = tt.sailings_between("PA", "PB", route_id="R_FAST")[-1]
    assert (late.departure_s, late.arrival_s, late.service_day) == (89_400, 91_800,
                                                                    dt.date(2025, 4, 30))


def test_previous_day_trip_past_midnight(tiny):
    tt = timetable_for_date(tiny, "2025-04-30")
    early = [s for s in tt.sailings if s.departure_s < 6 * 3600]
    assert len(early) == 1
    s = early[0]
    assert (s.trip_id, s.departure_s, s.arrival_s) == ("FAST_2450", 3_000, 5_400)
    assert s.service_day == dt.date(2025, 4, 29)
    # CAR_2330 of 04-29 left before midnight: not in 04-30's timetable at a negative time
    assert all(s.departure_s >= 0 for s in tt.sailings)


def test_calendar_exception_removes_and_adds(tiny):
    holiday = timetable_for_date(tiny, dt.date(2025, 5, 1))
    # DAILY removed on 05-01; HOLIDAY added; 04-30's 24:50 trip still runs at 00:50 on 05-01
    assert ids(holiday.sailings) == ["FAST_2450", "HOL_1000"]
    after = timetable_for_date(tiny, "2025-05-02")
    # no 00:50 sailing on 05-02: its service day 05-01 had DAILY removed
    assert min(s.departure_s for s in after.sailings) == 25_200


def test_next_departure_and_earliest_arrival(tiny):
    tt = timetable_for_date(tiny, "2025-04-30")
    assert tt.next_departure("PA", "PB", 25_201).trip_id == "FAST_0715"
    assert tt.next_departure("PA", "PB", 25_200).trip_id == "CAR_0700"
    # from 06:56 the 07:15 fast boat arrives (07:35) before the 07:00 car ferry (07:40)
    assert tt.earliest_arrival("PA", "PB", 24_960).trip_id == "FAST_0715"
    assert tt.earliest_arrival("PA", "PB", 24_960, cars_only=True).trip_id == "CAR_0700"
    assert tt.next_departure("PA", "PB", 89_401) is None
    assert tt.next_departure("PB", "PA", 0).trip_id == "CAR_B_0800"
    assert tt.next_departure("PB", "PA", 28_801) is None


def test_suspended_routes(tiny):
    tt = timetable_for_date(tiny, "2025-04-30", suspended_routes=["R_CAR"])
    assert {s.route_id for s in tt.sailings} == {"R_FAST"}
    assert {s.route_id for s in tt.suspended_sailings} == {"R_CAR"}
    assert tt.has_service("PA", "PB", route_id="R_CAR", include_suspended=True)
    assert not tt.has_service("PA", "PB", route_id="R_CAR")
    with pytest.raises(InputError) as exc:
        timetable_for_date(tiny, "2025-04-30", suspended_routes=["R_NOPE"])
    assert exc.value.field == "suspended_routes"


def test_sailing_validation():
    with pytest.raises(InputError):
        Sailing("T", "R", "A", "B", departure_s=100, arrival_s=100)
    with pytest.raises(InputError):
        Sailing("T", "R", "A", "A", departure_s=100, arrival_s=200)
    with pytest.raises(InputError):
        FerryTimetable(day=dt.date(2025, 1, 1),
                       sailings=(Sailing("T", "R", "A", "B", 0, 10),),
                       suspended_routes=frozenset({"R"}))


def test_putuo_timetable_returns_exist():
    feed = read_gtfs(get_path("putuo/ferries/gtfs"))
    tt = timetable_for_date(feed, "2025-06-02")
    assert len(tt.sailings) == 136
    back = tt.next_departure("P_TAOHUA", "P_DUNTOU", 8 * 3600)
    assert back.trip_id == "R_DT_TH_0720_RET" and back.is_estimate
    assert (back.departure_s, back.arrival_s) == (8 * 3600 + 2400, 9 * 3600 + 1800)
    assert tt.next_departure("P_DUNTOU", "P_TAOHUA", 0).trip_id == "R_DT_TH_0720"
    assert tt.next_departure("P_DUNTOU", "P_TAOHUA", 0, cars_only=True).cars_allowed


# --- add_ferries -----------------------------------------------------------------------------

def _road_graph(offsets_m: dict[str, tuple[float, float]], *, far_other_island: bool = False):
    """Road nodes a (island ISL_A) and b (ISL_B) offset from the tiny feed's piers."""
    G = nx.MultiDiGraph(crs="EPSG:32651", approximate_roads=True, name="tiny")
    piers = {"PA": (122.30, 29.94, "ISL_A", "a"), "PB": (122.30, 29.90, "ISL_B", "b")}
    for sid, (lon, lat, isl, node) in piers.items():
        x, y = TO_UTM.transform(lon, lat)
        dx, dy = offsets_m[sid]
        G.add_node(node, x=x + dx, y=y + dy, lon=lon, lat=lat, island_id=isl, kind="road")
    if far_other_island:
        # a node of ISL_B 10 m from pier A must not be joined to pier A (water in between)
        x, y = TO_UTM.transform(122.30, 29.94)
        G.add_node("trap", x=x + 10, y=y, lon=122.30, lat=29.94, island_id="ISL_B", kind="road")
    return G


def test_add_ferries_piers_access_and_ferry_edges(tiny):
    G = _road_graph({"PA": (100.0, 0.0), "PB": (0.0, 200.0)})
    add_ferries(G, tiny, stop_islands={"PA": "ISL_A", "PB": "ISL_B"})
    pa = G.nodes[pier_node_id("PA")]
    assert pa["kind"] == "pier" and pa["stop_id"] == "PA" and pa["island_id"] == "ISL_A"
    acc = G.edges["pier:PA", "a", "access"]
    assert acc["mode"] == "access"
    assert acc["length_m"] == pytest.approx(130.0, abs=1e-6)        # 100 m x circuity 1.3
    assert acc["travel_time_s_walk"] == pytest.approx(130.0 / 1.25)  # 4.5 km/h
    assert acc["travel_time_s_car"] == pytest.approx(130.0 / (40 / 3.6))
    assert G.has_edge("a", "pier:PA", "access")
    assert G.edges["b", "pier:PB", "access"]["length_m"] == pytest.approx(260.0)
    ferry = {(u, v, k) for u, v, k, m in G.edges(keys=True, data="mode") if m == "ferry"}
    assert ferry == {("pier:PA", "pier:PB", "R_CAR"), ("pier:PA", "pier:PB", "R_FAST"),
                     ("pier:PB", "pier:PA", "R_CAR")}
    e = G.edges["pier:PA", "pier:PB", "R_CAR"]
    assert e["route_id"] == "R_CAR" and "travel_time_s_car" not in e
    assert e["length_m"] == pytest.approx(4_436, rel=0.01)  # 0.04 deg of latitude
    assert G.graph["unlinked_piers"] == {}
    validate_network(G)


def test_add_ferries_never_joins_a_pier_across_water(tiny):
    # a node of ISL_B 10 m from pier A (e.g. across a narrow strait) must not be pier A's access
    G = _road_graph({"PA": (50.0, 0.0), "PB": (0.0, 50.0)}, far_other_island=True)
    add_ferries(G, tiny, stop_islands={"PA": "ISL_A", "PB": "ISL_B"})
    assert not G.has_edge("pier:PA", "trap")
    assert G.has_edge("pier:PA", "a")


def test_add_ferries_unlinked_pier_reported_not_dropped(tiny):
    G = _road_graph({"PA": (3_000.0, 0.0), "PB": (0.0, 10.0)})
    add_ferries(G, tiny, stop_islands={"PA": "ISL_A", "PB": "ISL_B"}, max_access_m=2_000)
    assert "pier:PA" in G
    assert G.out_degree("pier:PA") == 2  # the two ferry edges only
    assert "3000 m" in G.graph["unlinked_piers"]["PA"]


def test_add_ferries_rejects_geographic_graph(tiny):
    G = nx.MultiDiGraph(crs="EPSG:4326")
    with pytest.raises(InputError) as exc:
        add_ferries(G, tiny)
    assert exc.value.field == "crs"


def test_add_ferries_with_island_polygons(tiny):
    import geopandas as gpd
    from shapely.geometry import box

    islands = gpd.GeoDataFrame(
        {"island_id": ["ISL_A", "ISL_B"]},
        geometry=[box(122.29, 29.935, 122.31, 29.95), box(122.29, 29.89, 122.31, 29.905)],
        crs="EPSG:4326")
    G = _road_graph({"PA": (50.0, 0.0), "PB": (0.0, 50.0)})
    add_ferries(G, tiny, islands=islands)
    assert G.nodes["pier:PA"]["island_id"] == "ISL_A"
    assert G.nodes["pier:PB"]["island_id"] == "ISL_B"
    assert math.isclose(G.edges["pier:PB", "b", "access"]["length_m"], 65.0)
