"""Land travel-time matrices: hand cases, networkx equality, hypothesis invariants."""

from __future__ import annotations

import math

import geopandas as gpd
import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from optimizer.errors import InputErrors
from optimizer.network.islands import load_islands, points_from_lonlat
from optimizer.network.land_proxy import putuo_land_proxy
from optimizer.network.matrix import (
    LandRouter,
    clear_cache,
    distance_matrix,
    point_matrix,
    router,
    travel_time_matrix,
)


def edge(G, u, v, t, *, mode="road", length=None, walk=None):
    G.add_edge(u, v, mode=mode, length_m=length if length is not None else 10.0 * t,
               travel_time_s_car=t, travel_time_s_ebike=2 * t,
               travel_time_s_walk=walk if walk is not None else 8 * t,
               **({"route_id": "R"} if mode == "ferry" else {}))


def test_hand_graph_ferry_excluded_parallel_min_directed_inf_weight():
    G = nx.MultiDiGraph(crs="EPSG:32651")
    edge(G, "a", "b", 10.0)
    edge(G, "a", "b", 4.0)                   # parallel edge: the faster one counts
    edge(G, "b", "c", 5.0)
    edge(G, "c", "a", 1.0, mode="ferry")     # ferries never in land matrices
    edge(G, "a", "c", 100.0, walk=math.inf)  # walkers may not use it
    edge(G, "c", "d", 0.0)                   # zero-weight edge stays an edge
    M = travel_time_matrix(G, ["a", "b", "c"], ["a", "b", "c", "d"])
    assert M.tolist() == [[0.0, 4.0, 9.0, 9.0],
                          [math.inf, 0.0, 5.0, 5.0],
                          [math.inf, math.inf, 0.0, 0.0]]
    W = travel_time_matrix(G, ["a"], ["c"], travel_mode="walk")
    assert W[0, 0] == 32.0 + 40.0           # via b; the 100 s edge is banned for walking
    assert distance_matrix(G, ["a"], ["d"])[0, 0] == 90.0
    # many origins, one destination: the reversed-graph path gives the same answer
    R = travel_time_matrix(G, ["a", "b", "c", "a"], ["d"])
    assert R[:, 0].tolist() == [9.0, 5.0, 0.0, 9.0]


def test_unknown_nodes_listed_and_bad_mode():
    G = nx.MultiDiGraph(crs="EPSG:32651")
    edge(G, 1, 2, 3.0)
    with pytest.raises(InputErrors) as exc:
        travel_time_matrix(G, [1, 7, 8], [2])
    assert [(e.row, e.field) for e in exc.value.errors] == [(2, "origins"), (3, "origins")]
    with pytest.raises(ValueError):
        travel_time_matrix(G, [1], [2], travel_mode="boat")


def test_cache_reused_and_invalidated():
    G = nx.MultiDiGraph(crs="EPSG:32651")
    edge(G, 1, 2, 3.0)
    r1 = router(G, "car")
    assert router(G, "car") is r1
    edge(G, 2, 3, 4.0)                       # graph grew: rebuilt
    assert router(G, "car") is not r1
    assert travel_time_matrix(G, [1], [3])[0, 0] == 7.0
    G[1][2][0]["travel_time_s_car"] = 1.0    # in-place edit: stale until cleared
    clear_cache(G)
    assert travel_time_matrix(G, [1], [3])[0, 0] == 5.0


def test_max_time_cutoff():
    G = nx.MultiDiGraph(crs="EPSG:32651")
    edge(G, 1, 2, 3.0)
    edge(G, 2, 3, 4.0)
    assert travel_time_matrix(G, [1], [2, 3], max_time_s=5.0).tolist() == [[3.0, math.inf]]


@st.composite
def random_graphs(draw):
    n = draw(st.integers(2, 12))
    m = draw(st.integers(0, 40))
    G = nx.MultiDiGraph(crs="EPSG:32651")
    G.add_nodes_from(range(n))
    for _ in range(m):
        u, v = draw(st.integers(0, n - 1)), draw(st.integers(0, n - 1))
        t = draw(st.floats(0, 1000, allow_nan=False))
        mode = draw(st.sampled_from(["road", "road", "bridge", "access", "ferry"]))
        edge(G, u, v, t, mode=mode)
    return G


def nx_land_times(G, source):
    def w(u, v, d):
        vals = [e["travel_time_s_car"] for e in d.values() if e["mode"] != "ferry"]
        return min(vals) if vals else None
    return nx.single_source_dijkstra_path_length(G, source, weight=w)


@settings(max_examples=60, deadline=None)
@given(G=random_graphs(), data=st.data())
def test_random_directed_graphs_equal_networkx(G, data):
    nodes = list(G.nodes)
    origins = data.draw(st.lists(st.sampled_from(nodes), min_size=1, max_size=8))
    dests = data.draw(st.lists(st.sampled_from(nodes), min_size=1, max_size=8))
    M = LandRouter(G, "car").matrix(origins, dests)
    for i, o in enumerate(origins):
        ref = nx_land_times(G, o)
        for j, d in enumerate(dests):
            assert M[i, j] == pytest.approx(ref.get(d, math.inf), abs=1e-9)


# ------------------------------------------------------------- the real Putuo proxy

@pytest.fixture(scope="module")
def putuo():
    G = putuo_land_proxy()
    return G, list(G.nodes)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_putuo_matrix_properties(putuo, seed):
    G, nodes = putuo
    rng = np.random.default_rng(seed)
    k = rng.choice(len(nodes), size=12, replace=False)
    sel = [nodes[i] for i in k]
    M = travel_time_matrix(G, sel, sel, travel_mode="car")
    assert np.all(np.diag(M) == 0.0)
    assert np.all(M >= 0)
    finite = np.isfinite(M)
    assert np.array_equal(finite, finite.T)
    np.testing.assert_allclose(M[finite], M.T[finite], rtol=1e-9)     # symmetric proxy
    # triangle inequality d(a,c) <= d(a,b) + d(b,c) for every triple
    via = M[:, :, None] + M[None, :, :]                               # a, b, c
    assert np.all(M[:, None, :] <= via + 1e-6)
    # walking is never faster than driving (walk 4.5 km/h < car 40 km/h everywhere)
    W = travel_time_matrix(G, sel, sel, travel_mode="walk")
    assert np.all(W[finite] >= M[finite])


def test_putuo_matrix_equals_networkx_dijkstra(putuo):
    G, nodes = putuo
    rng = np.random.default_rng(7)
    # sources on the bridged main group and on 六横 (ferry only: Zhoushan unreachable by land)
    main = [n for n in nodes if G.nodes[n]["island_id"] in ("ISL001", "ISL003", "ISL014")]
    liuheng = [n for n in nodes if G.nodes[n]["island_id"] == "ISL002"]
    srcs = [main[i] for i in rng.choice(len(main), 2, replace=False)] + [liuheng[0]]
    dsts = [nodes[i] for i in rng.choice(len(nodes), 300, replace=False)]
    M = travel_time_matrix(G, srcs, dsts)
    for i, s in enumerate(srcs):
        ref = nx.single_source_dijkstra_path_length(G, s, weight="travel_time_s_car")
        exp = np.array([ref.get(d, math.inf) for d in dsts])
        np.testing.assert_allclose(M[i], exp, rtol=1e-9)
    assert np.isfinite(M[0]).sum() > 50 and np.isinf(M[2]).sum() > 50


def test_putuo_bridge_makes_zhujiajian_reachable(putuo):
    G, nodes = putuo
    zs = next(n for n in nodes if G.nodes[n]["island_id"] == "ISL001")
    zjj = next(n for n in nodes if G.nodes[n]["island_id"] == "ISL003")
    th = next(n for n in nodes if G.nodes[n]["island_id"] == "ISL004")   # 桃花: ferry only
    M = travel_time_matrix(G, [zs], [zjj, th])
    assert np.isfinite(M[0, 0]) and np.isinf(M[0, 1])


def test_point_matrix_access_legs_and_reporting(putuo):
    G, _ = putuo
    # 沈家门 (鲁家峙), 朱家尖 ref point, the same 沈家门 point again, a point in the open sea
    p = points_from_lonlat([122.30, 122.399155, 122.30, 122.0], [29.94, 29.896239, 29.94, 29.95])
    pm = point_matrix(G, p, p, travel_mode="car", islands=load_islands())
    T = pm.travel_time_s
    assert not T.flags.writeable
    assert T[0, 0] == 0.0 and T[0, 2] == 0.0 and T[1, 1] == 0.0
    assert np.isinf(T[3]).all() and np.isinf(T[:, 3]).all()
    assert pm.unsnapped["side"].tolist() == ["origin", "destination"]
    n0, n1 = pm.origin_snap["node"].iloc[0], pm.origin_snap["node"].iloc[1]
    core = travel_time_matrix(G, [n0], [n1])[0, 0]
    acc = (pm.origin_snap["snap_distance_m"].iloc[[0, 1]].sum() * G.graph["circuity"]
           / (G.graph["speeds_kph"]["car"] / 3.6))
    assert T[0, 1] == pytest.approx(core + acc)
    assert 10 * 60 < T[0, 1] < 40 * 60      # 沈家门 → 朱家尖 by car: tens of minutes, not hours
    assert isinstance(p, gpd.GeoDataFrame)
