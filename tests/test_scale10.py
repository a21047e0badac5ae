"""The main job at ten times the data (issue 14 item 5): what keeps it within its limits.

* fleet sizing of a day above ``solver.decompose_above_requests`` legs: the pool solved in
  parts, the curve read from its plan (no re-solves), and the same answer on the two-island day;
* the visits' travel lower bound above :data:`EXACT_BOUND_MAX_NODES`: the row/column-minimum
  bound, never above the exact assignment bound;
* ``scenarios/putuo-10x.yaml`` names the files ``python -m optimizer.synthetic --scale 10``
  writes (the 10 x main job itself is too slow for the tests; BENCHMARKS.md measures it).
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
import yaml

from optimizer.io.gtfs import read_gtfs
from optimizer.network.ferries import add_ferries
from optimizer.network.islands import load_islands
from optimizer.network.land_proxy import build_land_proxy
from optimizer.services.dialysis import DialysisParams, load_dialysis_inputs, plan_dialysis_day
from optimizer.services.dialysis.fleet import plan_fleet_sizing
from optimizer.services.visits import planning as vplanning
from optimizer.solvers.checker import check_darp
from optimizer.solvers.params import SolverParams
from tests.test_dialysis_service import WED, D, toy_network

ROOT = Path(__file__).resolve().parents[1]


def _two_island_day():
    islands = load_islands(D / "islands.geojson")
    feed = read_gtfs(D / "gtfs")
    G = add_ferries(build_land_proxy(islands, spacing_m=500, bridges=(), select=False,
                                     correct_lattice_detour=False, circuity=1.2, name="toy"),
                    feed, islands=islands)
    inputs = load_dialysis_inputs(D / "patients.csv", D / "units.csv", D / "vehicles.csv",
                                  islands=islands)
    return inputs, toy_network(G, islands, feed)


def test_fleet_sizing_of_a_large_day_is_solved_in_parts_without_re_solves():
    """With ``decompose_above_requests: 1`` the two-island day counts as large: the pool is
    solved in parts (``decomposed``), no step is re-solved (searches: the pool only), the KPI
    ``curve_from_pool_plan`` and the sentence say so, and the answer is the small day's (one
    wheelchair car on TB serves P3's two trips; P5's are not servable); every plan of the
    curve passes the independent checker."""
    inputs, net = _two_island_day()
    solver = SolverParams(time_limit_s=1, workers=1, searches=1, decompose_above_requests=1,
                          decompose_part_requests=4)
    prm = DialysisParams(fleet_sizing=True, fleet_sizing_step_factor=0.5)
    plan = plan_dialysis_day(inputs, WED, network=net, params=prm, solver=solver)
    rep = plan_fleet_sizing(plan, inputs, network=net, params=prm, solver=solver)
    k = rep.kpis
    assert rep.sizing.pool.params.get("decomposed") is True
    assert [r.name for r in rep.sizing.searches] == ["fleet sizing pool"]
    assert k["curve_from_pool_plan"] is True
    assert (k["vehicles_to_add"], k["wheelchair_vehicles_to_add"]) == (1, 1)
    assert k["not_servable_by_reason"] == {"UNREACHABLE_ISLAND": 2}
    assert k["trips_served_with_added"] == len(plan.served_trip_ids) + 2
    assert [s.source for s in rep.sizing.steps[1:]] == ["pool"]
    for s in rep.sizing.steps[1:]:
        assert check_darp(rep.sizing.problem_at(s.step), s.result) == []
    assert "solved in parts" in rep.sentence_en and "分块求解" in rep.sentence_zh


def _instance(n: int, seed: int) -> tuple[np.ndarray, list[int]]:
    """Land seconds between an office (0) and ``n`` homes on a plane (metric)."""
    rng = np.random.default_rng(seed)
    xy = rng.random((n + 1, 2)) * 5000
    D_ = np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1)) / 5.0
    return D_, list(range(1, n + 1))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_visits_bound_above_the_exact_size_is_weaker_but_valid(seed, monkeypatch):
    """Above the exact size, the bound is the larger of the row- and column-minimum sums of
    the same assignment matrix: positive, at most the exact assignment bound, and equal to
    it computed by hand; the whole bound (with the radial one) is at least it."""
    D_, land = _instance(40, seed)
    assert len(set(land)) == len(land)  # no household twice: the matrix below is the bound's
    kw = dict(visit_s=2700.0, day_s=6 * 3600.0)
    exact = vplanning._assignment_bound(D_, land, **kw)
    monkeypatch.setattr(vplanning, "EXACT_BOUND_MAX_NODES", 10)
    weak = vplanning._assignment_bound(D_, land, **kw)
    assert vplanning.travel_lower_bound(D_, land, [], **kw) >= weak
    r = math.ceil(40 * 2700.0 / (6 * 3600.0))
    nodes = [0] * r + land
    C = D_[np.ix_(nodes, nodes)]
    C[:r, :r] = np.inf
    np.fill_diagonal(C, np.inf)
    by_hand = max(C.min(axis=1).sum(), C.min(axis=0).sum())
    assert weak == pytest.approx(by_hand)
    assert 0 < weak <= exact + 1e-6


def test_ten_times_scenario_names_the_generated_files():
    """Every data path of ``scenarios/putuo-10x.yaml`` is a file
    :func:`optimizer.synthetic.scale.generate_scaled` writes, in ``data/scale/k10``."""
    from optimizer.synthetic.scale import SCALED_FILES

    sc = yaml.safe_load((ROOT / "scenarios" / "putuo-10x.yaml").read_text(encoding="utf-8"))
    assert sc["base"] == "putuo-baseline.yaml"
    paths = [v for sec in ("dialysis", "meals", "visits") for v in sc[sec].values()]
    assert len(paths) == 9
    for p in paths:
        assert Path(p).parent.as_posix() == "../data/scale/k10"
        assert Path(p).name in SCALED_FILES


_ALPHABET = "DPNH01_-x 者,."


def _regex_ids(ids, text):
    """The definition, id by id: each id that occurs in ``text`` with no letter, digit or ``_``
    on either side (the previous single alternation missed one of two overlapping ids, e.g.
    ``11`` in ``11.`` beside the id ``11.``)."""
    import re

    ids = {i.strip() for i in ids if len(i.strip()) >= 2}
    return {i for i in ids
            if re.search("(?<![0-9A-Za-z_])" + re.escape(i) + "(?![0-9A-Za-z_])", text)}


def test_privacy_id_finder_matches_the_whole_token_regex():
    """The set lookup over letter/digit tokens finds exactly the ids that occur as whole tokens
    (hypothesis: ids with and without other characters, texts around them), and
    ``DP001`` is found in ``患者DP001,`` but not in ``DP0010`` or ``XDP001``."""
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from optimizer.outputs.privacy import _id_pattern

    f = _id_pattern(["DP001", "NH00042", "V01-2"])
    assert set(f.findall("患者DP001, V01-2; DP0010 XDP001 NH00042_")) == {"DP001", "V01-2"}
    assert _id_pattern([]) is None and _id_pattern(["x"]) is None
    assert set(_id_pattern(["11", "11."]).findall("11.")) == {"11", "11."}  # both occur

    @settings(max_examples=300, deadline=None)
    @given(st.lists(st.text(_ALPHABET, min_size=2, max_size=5), max_size=6),
           st.text(_ALPHABET, max_size=60))
    def check(ids, text):
        f = _id_pattern(ids)
        got = set() if f is None else set(f.findall(text))
        assert got == _regex_ids(ids, text)

    check()


def _greedy_by_recount(pool, trip_of, base, used):
    """The greedy order as first written: every candidate's trips recounted at every step."""
    from optimizer.solvers.fleet_sizing import trips_served

    order, left = [], list(used)
    target = len(trips_served(pool, trip_of))
    while left and len(trips_served(pool, trip_of, base + order)) < target:
        gains = [len(trips_served(pool, trip_of, [*base, *order, c])) for c in left]
        best = left[gains.index(max(gains))]
        order.append(best)
        left.remove(best)
    return order


def test_incremental_greedy_order_equals_the_recount():
    """Hypothesis: random pool plans (requests of two-leg trips spread over base and candidate
    vehicles) give the same greedy order, ties included, as recounting every step."""
    from types import SimpleNamespace

    from hypothesis import given, settings
    from hypothesis import strategies as st

    from optimizer.solvers.fleet_sizing import _greedy_order

    @settings(max_examples=200, deadline=None)
    @given(st.integers(1, 12), st.integers(0, 3), st.integers(1, 6), st.randoms())
    def check(n_trips, n_base, n_cand, rnd):
        vehicles = [f"B{k}" for k in range(n_base)] + [f"C{k}" for k in range(n_cand)]
        trip_of, routes = {}, {v: [] for v in vehicles}
        for t in range(n_trips):
            for leg in range(rnd.choice([1, 2])):
                rid = f"t{t}-{leg}"
                trip_of[rid] = f"t{t}"
                if rnd.random() < 0.85:
                    routes[rnd.choice(vehicles)].append(rid)
        pool = SimpleNamespace(routes=[SimpleNamespace(vehicle_id=v, request_ids=tuple(r))
                                       for v, r in routes.items() if r])
        base = vehicles[:n_base]
        used = [v for v in vehicles[n_base:] if routes[v]]
        assert _greedy_order(pool, trip_of, base, used) == _greedy_by_recount(
            pool, trip_of, base, used)

    check()


def test_privacy_pairs_on_long_lines_stay_within_one_position():
    """A home written as a coordinate pair is found in every layout the outputs use (GeoJSON,
    ``"lon": x, "lat": y``, Leaflet ``[lat, lon]``, WKT, CSV), on long lines and short; the
    latitude of one position and the longitude of the next one (across ``], [``) are no pair."""
    from optimizer.outputs.privacy import _pairs

    home = (12230059, 2994996)  # 122.300587, 29.949956 at 5 decimals
    pad = "x" * 2100  # a long line: consecutive numbers only
    layouts = ['{"coordinates": [122.300587, 29.949956]}',
               '{"lon": 122.300587, "lat": 29.949956}',
               "L.circleMarker([29.949956, 122.300587])",
               "POINT (122.300587 29.949956)",
               "122.300587,29.949956"]
    for text in layouts:
        assert home in _pairs(text), text
        assert home in _pairs(pad + text + pad), text
    mixed = pad + "[[122.411111, 29.949956], [122.300587, 29.811111]]" + pad
    assert home not in _pairs(mixed)
    rows = pad + '[[29.949956,122.411111,"P1","25.0"],[29.811111,122.300587,"P2"]]'
    assert home not in _pairs(rows)
    # a short line still pairs every two numbers on it (a CSV row with the point split)
    assert home in _pairs("122.300587,P1,25.0,29.949956")
