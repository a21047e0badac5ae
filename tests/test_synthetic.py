"""Tests of the synthetic Putuo data: census totals, cited prevalence, land placement, determinism."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import Point

from optimizer.io.places import read_district_boundary, read_islands
from optimizer.synthetic import SYNTHETIC_DIR, SYNTHETIC_FILES, generate_all
from optimizer.synthetic.dialysis import HD_PREVALENCE_PMP, patient_count
from optimizer.synthetic.population import largest_remainder


def _read(name: str) -> pd.DataFrame:
    return pd.read_csv(SYNTHETIC_DIR / name, dtype={"village_code": str, "town_code": str,
                                                    "base_village_code": str})


@pytest.fixture(scope="module")
def islands():
    return read_islands().set_index("island_id")


@pytest.fixture(scope="module")
def elderly():
    return _read("elderly.csv")


def test_elderly_matches_census(elderly):
    assert len(elderly) == 133 and elderly["village_code"].is_unique
    assert int(elderly["elderly_60plus"].sum()) == 95_865  # 2020 census, 60+
    assert int(elderly["population_est"].sum()) == 382_902  # 2020 census, residents
    assert (elderly["elderly_60plus"] > 0).all()
    assert (elderly["elderly_60plus"] < elderly["population_est"]).all()
    assert elderly["synthetic"].all()


def test_elderly_sourced_anchors_and_island_assignment(elderly):
    by_isl = elderly.groupby("island_id")["population_est"].sum()
    assert by_isl["ISL014"] == 20_000  # 鲁家峙 (story map)
    assert by_isl["ISL007"] == 6_495   # 登步岛 (2000 census)
    assert by_isl["ISL015"] == 4_000   # 蚂蚁岛
    isl = elderly.set_index("name_zh")["island_id"]
    assert isl["大岙村村委会"] == isl["竹东村村委会"] == isl["沙头村村委会"] == "ISL007"
    assert isl["蚂蚁岛村村委会"] == "ISL015" and isl["白沙港村村委会"] == "ISL016"
    assert isl["佛渡村村委会"] == "ISL009" and isl["悬山村村委会"] == "ISL008"
    assert isl["湖泥村村委会"] == "ISL019" and isl["东极村村委会"] == "ISL012"
    # the sourced Liuheng points are kept where they are on the right island
    src = elderly["coord_source"].value_counts()
    assert src["sourced"] == 21 and src["sourced_moved_to_land"] == 1


def test_patient_count_is_cited_prevalence_times_population():
    assert HD_PREVALENCE_PMP == 519.3
    assert patient_count() == round(382_902 * 519.3 / 1e6) == 199
    assert len(_read("dialysis_patients.csv")) == 199
    assert patient_count(prevalence_pmp=600) == 230


def test_patient_sessions_pattern():
    p = _read("dialysis_patients.csv")
    assert p["patient_id"].is_unique
    assert set(p["schedule"]) == {"MWF", "TTS"}  # 3 sessions a week each
    assert set(p["session_start"]) == {"07:30", "12:00"}
    assert (p["duration_min"] == 240).all()
    slots = p.groupby(["schedule", "session_start"]).size()
    assert slots.max() - slots.min() <= 1
    units = _read("dialysis_units.csv").set_index("unit_id")
    assert set(p["unit_id"]) == {"U01"} and bool(units.loc["U01", "active_default"])
    assert slots.max() <= units.loc["U01", "chairs"]  # every slot fits the chairs
    # the 07:30 shift ends before the 12:00 shift starts
    assert 7 * 60 + 30 + 240 <= 12 * 60
    assert (p["mobility"] == "wheelchair").sum() == round(0.22 * 199)
    assert (p.loc[p["mobility"] == "wheelchair", "escort"] == "yes").all()
    assert p["phone"].str.fullmatch(r"100-0000-\d{4}").all() and p["name"].str.contains("某").all()
    assert set(p["village_code"]) <= set(_read("elderly.csv")["village_code"])


def test_canteens_twelve_with_ten_franchised_restaurants():
    c = _read("canteens.csv")
    assert len(c) == 12 and c["canteen_id"].is_unique
    assert (c["kind"] == "restaurant_franchise").sum() == 10
    assert (c["kind"] == "community_run").sum() == 2
    assert c["coord_quality"].str.startswith("PLACEHOLDER").all()
    assert c["island_id"].nunique() >= 6  # spread over the main islands
    s = _read("candidate_sites.csv")
    assert 40 <= len(s) <= 80 and s["site_id"].is_unique
    assert set(_read("elderly.csv")["island_id"]) == set(s["island_id"])  # every inhabited island
    assert (s["opening_cost_cny"] > 0).all() and (s["capacity_meals_per_day"] > 0).all()


def test_vehicles():
    v = _read("vehicles.csv")
    assert 8 <= len(v) <= 12 and v["vehicle_id"].is_unique
    assert (v["wheelchair_places"] > 0).sum() == 3
    assert {"ISL001", "ISL002"} <= set(v["island_id"])
    assert v["may_board_car_ferry"].isin(["yes", "no"]).all()
    assert (v["shift_start"] < v["shift_end"]).all()


@pytest.mark.parametrize("name,id_col", [
    ("elderly.csv", "village_code"), ("dialysis_patients.csv", "patient_id"),
    ("dialysis_units.csv", "unit_id"), ("canteens.csv", "canteen_id"),
    ("candidate_sites.csv", "site_id"), ("vehicles.csv", "vehicle_id"),
])
def test_every_point_on_land_on_its_island(islands, name, id_col):
    df = _read(name)
    district = read_district_boundary().geometry.union_all()
    bad = []
    for r in df.itertuples():
        pt = Point(r.lon, r.lat)
        if not islands.loc[r.island_id, "geometry"].contains(pt):
            if name == "dialysis_units.csv" and "reclaimed land" in r.coord_quality:
                # 普陀医院 (东港) stands on land reclaimed after GSHHG (2017): the sourced point is
                # ~350 m off the shoreline, within the 500 m the network snaps points to land
                from optimizer.network.islands import island_of, points_from_lonlat

                res = island_of(points_from_lonlat([r.lon], [r.lat]), islands.reset_index())
                if res["island_id"].iloc[0] == r.island_id:
                    continue
            bad.append(getattr(r, id_col))
        # inside Putuo (except the 定海 scenario unit U03)
        elif name != "dialysis_units.csv" and not district.buffer(0.002).contains(pt):
            bad.append(getattr(r, id_col))
    assert bad == []
    assert df["synthetic"].all()


def test_regeneration_is_byte_identical(tmp_path):
    paths = generate_all(tmp_path)
    assert sorted(paths) == sorted(SYNTHETIC_FILES)
    for name in SYNTHETIC_FILES:
        assert (tmp_path / name).read_bytes() == (SYNTHETIC_DIR / name).read_bytes(), name


@settings(max_examples=60, deadline=None)
@given(q=st.lists(st.floats(0, 1e4, allow_nan=False), min_size=1, max_size=30).filter(
    lambda xs: sum(xs) > 0), total=st.integers(0, 100_000))
def test_largest_remainder_sums_exactly_and_is_within_one(q, total):
    out = largest_remainder(np.array(q), total)
    assert out.sum() == total and (out >= 0).all()
    exact = np.array(q) * total / sum(q)
    assert np.all(np.abs(out - exact) < 1 + 1e-9)


def test_largest_remainder_hand_case():
    assert largest_remainder(np.array([1.0, 1.0, 1.0]), 10).tolist() == [4, 3, 3]
    assert largest_remainder(np.array([0.5, 0.3, 0.2]), 7).tolist() == [4, 2, 1]


def test_ride_service_enrollment_rule() -> None:
    """Wheelchair users and outer-island patients are always enrolled; near walkers are not."""
    import math

    import pandas as pd

    from optimizer.datasets import get_path
    from optimizer.synthetic.dialysis import RIDE_SERVICE_MIN_DISTANCE_M, UNIT_ROAD_GROUP

    p = pd.read_csv(get_path("putuo/synthetic/dialysis_patients.csv"), dtype=str)
    assert set(p["ride_service"]) == {"yes", "no"}
    outer = ~p["island_id"].isin(UNIT_ROAD_GROUP)
    assert (p.loc[outer | (p["mobility"] == "wheelchair"), "ride_service"] == "yes").all()
    near = p[(p["ride_service"] == "no")]
    u = pd.read_csv(get_path("putuo/synthetic/dialysis_units.csv")).set_index("unit_id").loc["U01"]
    assert (u["lon"], u["lat"]) == (122.320521, 29.984033)  # 普陀医院, 东港 (hospitals.csv H01)
    for r in near.itertuples():
        dy = (float(r.lat) - u["lat"]) * 111_320.0
        dx = (float(r.lon) - u["lon"]) * 111_320.0 * math.cos(math.radians(float(r.lat)))
        assert math.hypot(dx, dy) <= RIDE_SERVICE_MIN_DISTANCE_M
        assert r.mobility == "walking" and r.island_id in UNIT_ROAD_GROUP
