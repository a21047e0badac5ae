"""Land proxy: hand-checked toy islands, contract, and the real Putuo proxy (no water crossing)."""

from __future__ import annotations

from pathlib import Path

import networkx as nx
import numpy as np
import pytest
import shapely
from shapely.geometry import LineString

from optimizer.errors import InputError
from optimizer.network.contract import validate_network
from optimizer.network.islands import load_islands
from optimizer.network.land_proxy import (
    Bridge,
    build_land_proxy,
    load_bridges,
    putuo_land_proxy,
)
from optimizer.network.matrix import distance_matrix, travel_time_matrix
from optimizer.network.speeds import LATTICE_MEAN_DETOUR, ProxySpeeds

TOY = Path(__file__).parent / "data" / "network" / "two_islands.geojson"
X0, Y0 = 400000.0, 3310000.0
TOY_SPEEDS = ProxySpeeds(car_kph=36.0, ebike_kph=18.0, walk_kph=3.6, bridge_car_kph=72.0)


def toy_graph() -> nx.MultiDiGraph:
    """Two islands + one islet (tests/data/network/README.md), spacing 100 m, circuity 1.2."""
    return build_land_proxy(load_islands(TOY), spacing_m=100.0, circuity=1.2, speeds=TOY_SPEEDS,
                            bridges=[Bridge("toy bridge", "TOYA", "TOYB", source="test")],
                            select=False, correct_lattice_detour=False)


def node_at(G: nx.MultiDiGraph, dx: float, dy: float) -> int:
    best = min(G.nodes, key=lambda n: (G.nodes[n]["x"] - X0 - dx) ** 2
               + (G.nodes[n]["y"] - Y0 - dy) ** 2)
    assert abs(G.nodes[best]["x"] - X0 - dx) < 0.01 and abs(G.nodes[best]["y"] - Y0 - dy) < 0.01
    return best


def test_toy_lattice_nodes_and_contract():
    G = toy_graph()
    validate_network(G)
    assert G.graph["crs"] == "EPSG:32651"
    assert G.graph["road_source"] == "land_proxy" and G.graph["approximate_roads"] is True
    lattice = sorted((round(d["x"] - X0), round(d["y"] - Y0), d["island_id"])
                     for _, d in G.nodes(data=True) if d["proxy_role"] == "lattice")
    assert lattice == [(0, 0, "TOYA"), (100, 0, "TOYA"), (200, 0, "TOYA"), (300, 0, "TOYA"),
                       (500, 0, "TOYB"), (600, 0, "TOYB"), (700, 0, "TOYB"), (800, 0, "TOYB")]
    # the islet has no lattice point but still gets nodes (shore ring + representative point)
    roles_c = {d["proxy_role"] for _, d in G.nodes(data=True) if d["island_id"] == "TOYC"}
    assert roles_c == {"shore", "representative"}
    for _, d in G.nodes(data=True):
        assert set(d) >= {"x", "y", "lon", "lat", "island_id", "kind"}


def test_toy_travel_times_by_hand():
    G = toy_graph()
    a0, a3, b8 = node_at(G, 0, 0), node_at(G, 300, 0), node_at(G, 800, 0)
    # along island A: 300 m × 1.2 = 360 m at 10 m/s
    assert travel_time_matrix(G, [a0], [a3])[0, 0] == pytest.approx(36.0, abs=1e-3)
    # across the bridge: 700 m road × 1.2 at 10 m/s + 100 m bridge at 20 m/s = 89 s
    assert travel_time_matrix(G, [a0], [b8])[0, 0] == pytest.approx(89.0, abs=1e-3)
    # walking: 840 s + 100 s (walkers keep their road speed, 1 m/s, on the bridge)
    assert travel_time_matrix(G, [a0], [b8], travel_mode="walk")[0, 0] == pytest.approx(
        940.0, abs=1e-2)
    assert distance_matrix(G, [a0], [b8])[0, 0] == pytest.approx(940.0, abs=1e-3)
    islet = next(n for n, d in G.nodes(data=True) if d["island_id"] == "TOYC")
    assert np.isinf(travel_time_matrix(G, [a0], [islet])[0, 0])


def test_toy_bridge_is_the_only_link_and_exact():
    G = toy_graph()
    bridges = [(u, v, d) for u, v, d in G.edges(data=True) if d["mode"] == "bridge"]
    assert len(bridges) == 2  # one link, both directions
    u, v, d = bridges[0]
    assert d["length_m"] == pytest.approx(100.0, abs=1e-3)
    assert d["travel_time_s_car"] == pytest.approx(5.0, abs=1e-4)
    assert {G.nodes[u]["kind"], G.nodes[v]["kind"]} == {"bridge_end"}
    ends = sorted((round(G.nodes[n]["x"] - X0, 2), round(G.nodes[n]["y"] - Y0, 2)) for n in (u, v))
    assert ends == [(350.0, 0.0), (450.0, 0.0)]
    for u, v, d in G.edges(data=True):
        if d["mode"] == "road":
            assert G.nodes[u]["island_id"] == G.nodes[v]["island_id"]


def test_lattice_detour_correction_scales_lengths():
    isl = load_islands(TOY)
    kw = dict(spacing_m=100.0, circuity=1.3, bridges=(), select=False)
    g1 = build_land_proxy(isl, correct_lattice_detour=True, **kw)
    g0 = build_land_proxy(isl, correct_lattice_detour=False, **kw)
    a, b = node_at(g1, 0, 0), node_at(g1, 100, 0)
    assert g1[a][b][0]["length_m"] == pytest.approx(100 * 1.3 / LATTICE_MEAN_DETOUR)
    a0, b0 = node_at(g0, 0, 0), node_at(g0, 100, 0)
    assert g0[a0][b0][0]["length_m"] == pytest.approx(130.0)


@pytest.mark.parametrize("kw", [{"spacing_m": 0}, {"spacing_m": -5.0}, {"circuity": 0.9}])
def test_bad_parameters_raise(kw):
    with pytest.raises(InputError):
        build_land_proxy(load_islands(TOY), bridges=(), select=False, **kw)


def test_bridge_to_unmodelled_island_raises():
    with pytest.raises(InputError, match="not modelled"):
        build_land_proxy(load_islands(TOY), bridges=[Bridge("x", "TOYA", "NOPE")], select=False)


def test_load_bridges_putuo_sources():
    table = load_bridges(load_islands())
    pairs = sorted(tuple(sorted((b.island_a, b.island_b))) for b in table.bridges)
    assert pairs == [("ISL001", "ISL003"), ("ISL001", "ISL014")]
    assert len(table.skipped) == 1 and "舟山跨海大桥" in table.skipped[0][0]


# ---------------------------------------------------------------- real Putuo proxy

@pytest.fixture(scope="module")
def putuo():
    return putuo_land_proxy()


def test_putuo_size_and_contract(putuo):
    G = putuo
    assert 8000 <= G.number_of_nodes() <= 15000
    assert validate_network(G) == []
    assert G.graph["proxy_warnings"] == []


def test_putuo_every_named_island_has_nodes(putuo):
    isl = load_islands()
    have = {d["island_id"] for _, d in putuo.nodes(data=True)}
    named = set(isl.loc[isl["name_zh"] != "", "island_id"])
    assert len(named) == 14 and named <= have
    # every island of the district (full/partial share) is modelled; the rest are listed
    inside = set(isl.loc[isl["share_in_putuo_boundary"] != "outside_or_edge", "island_id"])
    assert inside <= have
    left = {r["island_id"] for r in putuo.graph["islands_left_out"]}
    assert left == set(isl["island_id"]) - have


def test_putuo_no_edge_crosses_water(putuo):
    G = putuo
    isl = load_islands().to_crs("EPSG:32651").set_index("island_id").geometry
    buf = {i: g.buffer(1.0) for i, g in isl.items()}
    for g in buf.values():
        shapely.prepare(g)
    by_island: dict[str, list] = {}
    for u, v, d in G.edges(data=True):
        if d["mode"] != "road":
            continue
        iu, iv = G.nodes[u]["island_id"], G.nodes[v]["island_id"]
        assert iu == iv, f"road edge {u}->{v} joins {iu} and {iv}"
        geom = d.get("geometry") or LineString([(G.nodes[u]["x"], G.nodes[u]["y"]),
                                                (G.nodes[v]["x"], G.nodes[v]["y"])])
        by_island.setdefault(iu, []).append(geom)
    for i, geoms in by_island.items():
        ok = shapely.covers(buf[i], np.asarray(geoms, dtype=object))
        assert ok.all(), f"{(~ok).sum()} road edge(s) of {i} leave the island"


def test_putuo_bridges_are_the_only_inter_island_land_edges(putuo):
    G = putuo
    links = set()
    for u, v, d in G.edges(data=True):
        iu, iv = G.nodes[u]["island_id"], G.nodes[v]["island_id"]
        if iu != iv:
            assert d["mode"] == "bridge"
            links.add(tuple(sorted((iu, iv))))
        if d["mode"] == "bridge":
            assert 0 < d["length_m"] < 3000 and d["estimated"] is True
    assert links == {("ISL001", "ISL003"), ("ISL001", "ISL014")}


def test_putuo_each_island_connected_by_road(putuo):
    G = putuo
    road = nx.Graph()
    road.add_edges_from((u, v) for u, v, m in G.edges(data="mode") if m == "road")
    road.add_nodes_from(G.nodes)
    seen: dict[str, int] = {}
    for comp in nx.connected_components(road):
        isl = {G.nodes[n]["island_id"] for n in comp}
        assert len(isl) == 1
        i = isl.pop()
        seen[i] = seen.get(i, 0) + 1
    assert all(k == 1 for k in seen.values())
