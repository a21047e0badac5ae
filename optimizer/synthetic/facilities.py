"""Synthetic canteens (幸福食堂), candidate canteen sites and volunteer vehicles.

No list, address or coordinate of Putuo's 幸福食堂 (community canteens for older people) or
居家养老服务照料中心 was found (see ``data/geo/putuo/SOURCES.md``). The project brief states there
are **12 existing canteens, 10 of them franchised restaurants**; their positions here are
**placeholders** (a seeded point near the synthetic point of the named village), and capacities,
opening costs and the vehicle fleet are assumptions labelled as such.

Assumptions
-----------
* Capacities (meals/day): franchised restaurants 80–200, community-run canteens 60–80.
* Candidate sites (:data:`N_CANDIDATES` = 60): at least one on every inhabited island, the rest in
  proportion to elderly residents (largest remainder). Kinds: ``restaurant_willing`` (a restaurant
  willing to join as a franchise), ``community_centre`` (居家养老服务照料中心 needing a kitchen),
  ``village_office`` (村委会 hall); islands with < 1,000 elderly get community centres or village
  offices only. Opening costs (CNY, one-off): restaurants 20,000–60,000 (equipment, hygiene
  upgrade), community centres 150,000–350,000 (new kitchen), village offices 80,000–150,000.
* Vehicles: 10 volunteer vehicles (3 wheelchair-accessible vans) based on 舟山岛 and the large
  outer islands; vehicles on the bridge-linked group (舟山岛, 朱家尖, 鲁家峙) serve that group,
  outer-island vehicles their own island; vans may board car ferries (车客渡), cars not.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from optimizer.synthetic.dialysis import fake_name, fake_phone
from optimizer.synthetic.population import SEED, Land, largest_remainder

EXISTING_CANTEENS = (
    # canteen_id, village_code, kind, capacity_meals_per_day
    ("C01", "330903001001", "restaurant_franchise", 200),  # 沈家门 新街社区
    ("C02", "330903001016", "restaurant_franchise", 150),  # 沈家门 东大社区
    ("C03", "330903001021", "restaurant_franchise", 120),  # 鲁家峙 鲁东社区
    ("C04", "330903003001", "restaurant_franchise", 180),  # 东港 安康社区
    ("C05", "330903003005", "restaurant_franchise", 150),  # 东港 兴普社区
    ("C06", "330903005001", "community_run", 80),          # 展茅 沙井居委会
    ("C07", "330903004001", "restaurant_franchise", 120),  # 朱家尖 福兴社区
    ("C08", "330903100004", "restaurant_franchise", 150),  # 六横 蟑螂山社区
    ("C09", "330903100002", "restaurant_franchise", 120),  # 六横 台门社区
    ("C10", "330903104001", "restaurant_franchise", 100),  # 桃花 公前居委会
    ("C11", "330903102001", "community_run", 60),          # 虾峙 灵和居委会
    ("C12", "330903106001", "restaurant_franchise", 80),   # 普陀山 龙沙社区
)
"""The 12 existing canteens: placement village, kind, capacity (assumptions, positions placeholders)."""

N_CANDIDATES = 60
"""Number of synthetic candidate canteen sites."""

FIXED_LINK_GROUP = ("ISL001", "ISL003", "ISL014")
"""Islands joined by sourced bridges (舟山岛, 朱家尖, 鲁家峙; ``fixed_link_group`` in the islands file)."""

VEHICLES = (
    # vehicle_id, base village_code, seats, wheelchair_places, shift_start, shift_end, van
    ("V01", "330903001001", 4, 1, "06:30", "18:30", True),   # 沈家门
    ("V02", "330903001010", 4, 0, "06:30", "13:30", False),  # 沈家门 中兴社区
    ("V03", "330903003003", 4, 0, "11:00", "18:30", False),  # 东港 中昌社区
    ("V04", "330903003006", 3, 2, "06:30", "18:30", True),   # 东港 浦西社区
    ("V05", "330903005001", 4, 0, "06:30", "17:00", False),  # 展茅
    ("V06", "330903004001", 4, 0, "06:30", "17:00", False),  # 朱家尖
    ("V07", "330903100004", 4, 1, "06:00", "18:30", True),   # 六横 蟑螂山
    ("V08", "330903100002", 4, 0, "06:30", "17:00", False),  # 六横 台门
    ("V09", "330903104001", 4, 0, "06:30", "17:00", False),  # 桃花
    ("V10", "330903102001", 4, 0, "06:30", "17:00", False),  # 虾峙
)
"""Volunteer vehicles (assumption): base village, seats (besides the driver), wheelchair places,
shift (HH:MM), whether it is a van allowed on car ferries."""

CANTEEN_COLUMNS = ("canteen_id", "name_zh", "kind", "village_code", "town_name", "island_id",
                   "lon", "lat", "coord_quality", "capacity_meals_per_day", "open_time",
                   "close_time", "delivers", "synthetic")
CANDIDATE_COLUMNS = ("site_id", "name_zh", "kind", "village_code", "island_id", "lon", "lat",
                     "capacity_meals_per_day", "opening_cost_cny", "synthetic")
VEHICLE_COLUMNS = ("vehicle_id", "driver", "phone", "base_village_code", "island_id", "lon", "lat",
                   "seats", "wheelchair_places", "shift_start", "shift_end", "serves_islands",
                   "may_board_car_ferry", "synthetic")


def _short(name: str) -> str:
    for suf in ("社区居委会", "社区村委会", "居委会", "村村委会", "村委会"):
        if name.endswith(suf):
            return name[: -len(suf)]
    return name


def generate_canteens(elderly: pd.DataFrame, *, seed: int = SEED, land: Land | None = None
                      ) -> pd.DataFrame:
    """The 12 existing 幸福食堂 (10 franchised restaurants, 2 community-run), placeholder positions.

    Parameters
    ----------
    elderly
        ``elderly.csv`` table (village points).
    seed
        Seed; stream ``[seed, 3]``.
    land
        Land sampler; default :meth:`Land.default`.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`CANTEEN_COLUMNS`; points EPSG:4326 on land within ~150 m of the village
        point; ``coord_quality`` says PLACEHOLDER.
    """
    land = land or Land.default()
    rng = np.random.default_rng([seed, 3])
    e = elderly.set_index("village_code")
    rows = []
    for cid, vc, kind, cap in EXISTING_CANTEENS:
        v = e.loc[vc]
        lon, lat = land.sample(str(v["island_id"]), rng, near=(float(v["lon"]), float(v["lat"])),
                               sigma_m=150.0, inset_m=30.0)
        rows.append({
            "canteen_id": cid, "name_zh": f"{_short(str(v['name_zh']))}幸福食堂",
            "kind": kind, "village_code": vc, "town_name": str(v["town_name"]),
            "island_id": str(v["island_id"]), "lon": lon, "lat": lat,
            "coord_quality": "PLACEHOLDER: synthetic point near the village point; address unknown",
            "capacity_meals_per_day": cap, "open_time": "10:30", "close_time": "18:30",
            "delivers": "yes" if kind == "restaurant_franchise" else "no", "synthetic": True,
        })
    return pd.DataFrame(rows, columns=list(CANTEEN_COLUMNS))


def generate_candidate_sites(elderly: pd.DataFrame, *, seed: int = SEED, land: Land | None = None,
                             n_sites: int = N_CANDIDATES) -> pd.DataFrame:
    """Candidate canteen sites on every inhabited island (synthetic).

    Parameters
    ----------
    elderly
        ``elderly.csv`` table.
    seed
        Seed; stream ``[seed, 4]``.
    land
        Land sampler; default :meth:`Land.default`.
    n_sites
        Number of sites (>= number of inhabited islands).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`CANDIDATE_COLUMNS`; ``capacity_meals_per_day`` (meals/day),
        ``opening_cost_cny`` (one-off CNY) are assumptions (module docstring).

    Raises
    ------
    ValueError
        If ``n_sites`` is smaller than the number of inhabited islands.
    """
    land = land or Land.default()
    rng = np.random.default_rng([seed, 4])
    e = elderly.reset_index(drop=True)
    by_isl = e.groupby("island_id")["elderly_60plus"].sum().sort_index()
    k = len(by_isl)
    if n_sites < k:
        raise ValueError(f"n_sites={n_sites} < {k} inhabited islands; need at least one each")
    per = largest_remainder(by_isl.to_numpy(dtype=float), n_sites - k) + 1
    rows = []
    placed: list[tuple[float, float]] = []
    n = 0
    for isl, cnt in zip(by_isl.index, per):
        vv = e[e["island_id"] == isl]
        w = vv["elderly_60plus"].to_numpy(dtype=float)
        small = by_isl[isl] < 1000
        for _ in range(int(cnt)):
            v = vv.iloc[int(rng.choice(len(vv), p=w / w.sum()))]
            if small:
                kind = ("community_centre", "village_office")[int(rng.integers(2))]
            else:
                kind = str(rng.choice(["restaurant_willing", "community_centre", "village_office"],
                                      p=[0.5, 0.35, 0.15]))
            lon, lat = land.sample(isl, rng, near=(float(v["lon"]), float(v["lat"])), sigma_m=300.0,
                                   inset_m=30.0, avoid=placed, min_sep_m=100.0)
            placed.append((lon, lat))
            if kind == "restaurant_willing":
                cap, cost = int(rng.integers(8, 21)) * 10, int(rng.integers(20, 61)) * 1000
            elif kind == "community_centre":
                cap, cost = int(rng.integers(4, 13)) * 10, int(rng.integers(150, 351)) * 1000
            else:
                cap, cost = int(rng.integers(3, 7)) * 10, int(rng.integers(80, 151)) * 1000
            n += 1
            label = {"restaurant_willing": "合作餐馆(候选)", "community_centre": "照料中心(候选)",
                     "village_office": "村委会食堂(候选)"}[kind]
            rows.append({
                "site_id": f"S{n:03d}", "name_zh": f"{_short(str(v['name_zh']))}{label}",
                "kind": kind, "village_code": str(v["village_code"]), "island_id": isl,
                "lon": lon, "lat": lat, "capacity_meals_per_day": cap, "opening_cost_cny": cost,
                "synthetic": True,
            })
    return pd.DataFrame(rows, columns=list(CANDIDATE_COLUMNS))


def generate_vehicles(elderly: pd.DataFrame, *, seed: int = SEED, land: Land | None = None
                      ) -> pd.DataFrame:
    """Volunteer vehicles (10; 3 wheelchair-accessible), bases on land near a village point.

    Parameters
    ----------
    elderly
        ``elderly.csv`` table.
    seed
        Seed; stream ``[seed, 5]``.
    land
        Land sampler; default :meth:`Land.default`.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`VEHICLE_COLUMNS`; ``seats`` = passenger seats besides the driver,
        ``wheelchair_places`` = wheelchair positions, shifts ``HH:MM``, ``serves_islands`` a
        ``;``-separated list of island ids or ``"all"``.
    """
    land = land or Land.default()
    rng = np.random.default_rng([seed, 5])
    e = elderly.set_index("village_code")
    rows = []
    for i, (vid, vc, seats, wcp, s0, s1, van) in enumerate(VEHICLES, start=1):
        v = e.loc[vc]
        isl = str(v["island_id"])
        lon, lat = land.sample(isl, rng, near=(float(v["lon"]), float(v["lat"])), sigma_m=200.0,
                               inset_m=30.0)
        if van and isl in FIXED_LINK_GROUP:
            serves = "all"
        elif isl in FIXED_LINK_GROUP:
            serves = ";".join(FIXED_LINK_GROUP)
        else:
            serves = isl
        rows.append({
            "vehicle_id": vid, "driver": fake_name(rng) + "(志愿者)", "phone": fake_phone(101, i),
            "base_village_code": vc, "island_id": isl, "lon": lon, "lat": lat, "seats": seats,
            "wheelchair_places": wcp, "shift_start": s0, "shift_end": s1, "serves_islands": serves,
            "may_board_car_ferry": "yes" if van else "no", "synthetic": True,
        })
    return pd.DataFrame(rows, columns=list(VEHICLE_COLUMNS))
