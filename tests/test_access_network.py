"""Nearest facility by time-dependent earliest arrival (optimizer.network.access), hand-checked on
the tiny two-island network of tests/test_journey.py and checked against brute force
(one :func:`earliest_arrival` per origin and facility).

Tiny network: A --600 s car-- a --60 s-- pier:PA ==ferries== pier:PB --60 s-- b --300 s-- B;
island ISL_C (C, C2) has no pier. Sailings PA→PB 07:00-07:40 (car), 07:15-07:35 (fast, foot
only), 09:00-09:40 (car), 23:30-24:30 (car), 24:50-25:30 (fast); PB→PA 08:00-08:40 (car).
Buffers: foot 900 s, vehicle 1800 s.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from optimizer.errors import InputError
from optimizer.io.gtfs import read_gtfs
from optimizer.network.access import nearest_facility
from optimizer.network.ferries import timetable_for_date
from optimizer.network.journey import earliest_arrival
from tests.test_journey import TINY, build_graph, hm

NODES = ["A", "a", "pier:PA", "pier:PB", "b", "B", "C", "C2"]


@pytest.fixture(scope="module")
def G():
    return build_graph()


@pytest.fixture(scope="module")
def wed():
    return timetable_for_date(read_gtfs(TINY), "2025-04-30")


def test_hand_checked_times(G, wed):
    """Facility at B. From A leaving 06:30 by car on foot across: pier 06:41, fast boat 07:15 →
    07:35, B 07:41 (71 min). From b: 5 min by land. From C: no link (island without pier)."""
    r = nearest_facility(G, wed, ["A", "b", "C", "B"], ["B"], hm(6, 30))
    assert r.arrival_s[0] == hm(7, 41) and r.duration_s[0] == 71 * 60
    assert [s.trip_id for s in r.sailings[0]] == ["FAST_0715"]
    assert r.arrival_s[1] == hm(6, 35) and r.sailings[1] == ()
    assert math.isinf(r.arrival_s[2]) and r.facility[2] == -1
    assert r.arrival_s[3] == hm(6, 30) and r.facility[3] == 0


def test_vehicle_waits_for_the_0900_car_ferry(G, wed):
    """With the car on board: ready 06:41 + 30 min misses 07:00; the 09:00 arrives 09:40; B at
    09:46."""
    r = nearest_facility(G, wed, ["A"], ["B"], hm(6, 30), ferry_access="vehicle")
    assert r.arrival_s[0] == hm(9, 46)
    assert [s.trip_id for s in r.sailings[0]] == ["CAR_0900"]


def test_nearest_of_two_is_by_time_not_distance(G, wed):
    """Facilities B (across the water) and C (unreachable): A reaches B; from a, A is 10 min by
    land and wins over B."""
    r = nearest_facility(G, wed, ["A", "a"], ["C", "B", "A"], hm(6, 30))
    assert list(r.facility) == [2, 2]
    assert r.arrival_s[1] == hm(6, 40)
    r = nearest_facility(G, wed, ["a"], ["C", "B"], hm(6, 30))
    # from a: pier 06:31, still the 07:15 fast boat (boarding cut-off 07:00), B 07:41
    assert list(r.facility) == [1] and r.arrival_s[0] == hm(7, 41)


def test_too_late_for_the_last_sailing(G, wed):
    """Leaving A at 25:00 (01:00 next day on this day's timetable): no sailing left."""
    r = nearest_facility(G, wed, ["A"], ["B"], 25 * 3600)
    assert math.isinf(r.arrival_s[0]) and r.sailings[0] == ()


def test_bad_input(G, wed):
    with pytest.raises(InputError):
        nearest_facility(G, wed, ["A"], [], hm(8, 0))
    with pytest.raises(InputError):
        nearest_facility(G, wed, ["nowhere"], ["B"], hm(8, 0))
    with pytest.raises(InputError):
        nearest_facility(G, wed, ["A"], ["B"], hm(8, 0), travel_mode="walk",
                         ferry_access="vehicle")


def _brute(G, tt, origins, facilities, depart, **kw):
    out = []
    for o in origins:
        arr = [earliest_arrival(G, tt, o, f, depart, **kw).arrival_s for f in facilities]
        out.append(min(arr))
    return np.array(out)


@settings(max_examples=60, deadline=None)
@given(depart=st.integers(0, 26 * 3600),
       facilities=st.lists(st.sampled_from(NODES), min_size=1, max_size=3),
       mode=st.sampled_from(["car", "ebike", "walk"]),
       access=st.sampled_from(["foot", "vehicle"]),
       buffer=st.sampled_from([None, 0.0, 300.0]))
def test_equals_brute_force(G, wed, depart, facilities, mode, access, buffer):
    if mode == "walk" and access == "vehicle":
        access = "foot"
    kw = dict(travel_mode=mode, ferry_access=access, boarding_buffer_s=buffer)
    r = nearest_facility(G, wed, NODES, facilities, depart, **kw)
    np.testing.assert_allclose(r.arrival_s, _brute(G, wed, NODES, facilities, depart, **kw))
    for i, f in enumerate(r.facility):  # the facility named is one reached at that time
        if f >= 0:
            j = earliest_arrival(G, wed, NODES[i], facilities[f], depart, **kw)
            assert j.arrival_s == pytest.approx(r.arrival_s[i])


def _random_network(draw_w, sailings):
    """Three islands, two road nodes and a pier each (island 0 has a second pier); ferry edges
    between every two piers on their own route ``R_<a>_<b>``."""
    import networkx as nx

    from tests.test_journey import _land

    G = nx.MultiDiGraph(crs="EPSG:32651")
    piers = ["P0", "P0b", "P1", "P2"]
    for i in range(3):
        for n in (f"r{i}a", f"r{i}b"):
            G.add_node(n, x=0.0, y=0.0, lon=122.3, lat=29.9, island_id=f"I{i}", kind="road")
        _land(G, f"r{i}a", f"r{i}b", *draw_w[i], 1000.0)
    for p in piers:
        isl = "I0" if p.startswith("P0") else f"I{p[1]}"
        G.add_node(f"pier:{p}", x=0.0, y=0.0, lon=122.3, lat=29.9, island_id=isl, kind="pier",
                   stop_id=p)
    _land(G, "r0b", "pier:P0", 60, 60, 60, 50, mode="access")
    _land(G, "r0a", "pier:P0b", 120, 150, 300, 50, mode="access")
    _land(G, "r1b", "pier:P1", 60, 60, 60, 50, mode="access")
    _land(G, "r2b", "pier:P2", 60, 60, 60, 50, mode="access")
    for a in piers:
        for b in piers:
            if a != b:
                G.add_edge(f"pier:{a}", f"pier:{b}", key=f"R_{a}_{b}", mode="ferry",
                           route_id=f"R_{a}_{b}", length_m=1000.0)
    return G


@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_transfers_equal_brute_force_on_random_timetables(data):
    """Random sailings between four piers on three islands (transfers ferry → land → ferry):
    the profile scan equals one journey search per origin and facility."""
    import datetime as dt

    from optimizer.network.ferries import FerryTimetable, Sailing

    weights = [data.draw(st.tuples(*(st.integers(30, 3000),) * 3)) for _ in range(3)]
    piers = ["P0", "P0b", "P1", "P2"]
    raw = data.draw(st.lists(st.tuples(st.sampled_from(piers), st.sampled_from(piers),
                                       st.integers(5 * 3600, 20 * 3600), st.integers(300, 7200),
                                       st.booleans()), max_size=14))
    sailings = [Sailing(f"T{k}", f"R_{a}_{b}", a, b, dep, dep + dur, cars_allowed=cars)
                for k, (a, b, dep, dur, cars) in enumerate(raw) if a != b]
    tt = FerryTimetable(dt.date(2025, 4, 30), tuple(sailings))
    G = _random_network(weights, sailings)
    nodes = [n for n in G.nodes if not n.startswith("pier")]
    facilities = data.draw(st.lists(st.sampled_from(nodes), min_size=1, max_size=2))
    depart = data.draw(st.integers(4 * 3600, 20 * 3600))
    kw = dict(travel_mode=data.draw(st.sampled_from(["car", "walk"])),
              boarding_buffer_s=data.draw(st.sampled_from([0.0, 600.0])))
    if kw["travel_mode"] == "car":
        kw["ferry_access"] = data.draw(st.sampled_from(["foot", "vehicle"]))
    r = nearest_facility(G, tt, nodes, facilities, depart, **kw)
    np.testing.assert_allclose(r.arrival_s, _brute(G, tt, nodes, facilities, depart, **kw))
    for i, chain in enumerate(r.sailings):  # the chain is a real itinerary: each boards later
        for s1, s2 in zip(chain, chain[1:]):
            assert s2.departure_s >= s1.arrival_s + kw["boarding_buffer_s"]
        if chain:
            assert chain[0].departure_s >= depart + kw["boarding_buffer_s"]
            assert r.arrival_s[i] >= chain[-1].arrival_s


def test_hand_checked_transfer_across_an_island():
    """r1a → P1 (11 min) → T1 06:00-07:00 to P0 → across island 0 by land to P0b (1+10+2 min,
    07:13) → T2 07:30-08:00 to P2 → r2a (11 min): 08:11, both sailings named; the 07:10 sailing
    from P0b is missed by 3 minutes."""
    import datetime as dt

    from optimizer.network.ferries import FerryTimetable, Sailing

    s = [Sailing("T1", "R_P1_P0", "P1", "P0", hm(6, 0), hm(7, 0)),
         Sailing("T_missed", "R_P0b_P2", "P0b", "P2", hm(7, 10), hm(7, 40)),
         Sailing("T2", "R_P0b_P2", "P0b", "P2", hm(7, 30), hm(8, 0))]
    tt = FerryTimetable(dt.date(2025, 4, 30), tuple(s))
    G = _random_network([(600, 600, 600)] * 3, s)
    r = nearest_facility(G, tt, ["r1a", "r0a"], ["r2a"], hm(5, 0), boarding_buffer_s=0.0)
    assert r.arrival_s[0] == hm(8, 11)
    assert [x.trip_id for x in r.sailings[0]] == ["T1", "T2"]
    # from r0a: P0b at 05:02, first sailing T_missed 07:10 → 07:40, r2a 07:51
    assert r.arrival_s[1] == hm(7, 51) and [x.trip_id for x in r.sailings[1]] == ["T_missed"]
