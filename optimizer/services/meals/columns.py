"""The declared input tables of the meal service: elderly by village or by point, canteens,
candidate sites.

:func:`~optimizer.services.meals.inputs.load_meals_inputs` reads the files against these specs
(:class:`optimizer.io.tables.TableSpec`); ``optimizer template`` writes blank templates from them
and the data guide lists them.

Bounds and their sources (assumptions where stated):

* ``capacity_meals_per_day`` 1..10,000 meals a day: community canteens (老年食堂 / 幸福食堂) serve
  tens to a few hundred meals (the embedded synthetic canteens 50-200); 10,000 is the scale of
  a large central kitchen, so more is a typo (e.g. a yearly figure). A canteen that serves no
  meal is a row to delete.
* ``opening_cost_cny`` 0..100,000,000 CNY: a canteen fit-out costs tens to hundreds of thousands
  of yuan (assumption); 100 million is a hospital, not a canteen.
* ``elderly_60plus`` 0..100,000 persons per row: a row is one village or one point; the whole of
  Putuo District had 95,865 residents aged 60+ in the 2020 census
  (``data/geo/putuo/demographics/putuo_population_facts.csv``).
"""

from __future__ import annotations

from optimizer.io.tables import Column, TableSpec, info_columns, point_columns

__all__ = ["CANDIDATES", "CANTEENS", "ELDERLY_POINTS", "ELDERLY_VILLAGES", "TABLES"]

_ELDERLY = Column("elderly_60plus", "count", True, unit="persons", zh="60岁及以上老人数",
                  en="residents aged 60 and over", example="25", minimum=0, maximum=100_000,
                  bound_source="all of Putuo had 95,865 residents aged 60+ in the 2020 census")
_CAPACITY = Column("capacity_meals_per_day", "count", True, unit="meals/day",
                   zh="每日供餐能力（份）", en="meals a day the kitchen can make", example="150",
                   minimum=1, maximum=10_000,
                   bound_source="community canteens make tens to hundreds of meals a day; "
                                "10,000 is a central kitchen")


def _village_columns() -> tuple[Column, ...]:
    return (
        Column("name_zh", "text", zh="村（社区）名称", en="village name", example="新街社区居委会"),
        Column("town_code", "text", zh="乡镇（街道）代码", en="town code", example="330903001"),
        Column("town_name", "text", zh="乡镇（街道）名称", en="town name", example="沈家门街道"),
        Column("kind", "text", zh="村或居委会", en="village or urban community",
               example="居委会(urban community)"),
        Column("island_id", "text", zh="所在岛屿编号（按坐标核对）",
               en="island id (checked against the point)", example="ISL001"),
        Column("island_name_zh", "text", zh="岛屿名称", en="island name", example="舟山岛"),
    )


ELDERLY_POINTS = TableSpec(
    "elderly_points", "point_id", (
        Column("point_id", "id", True, zh="需求点编号（唯一）", en="demand point id (unique)",
               example="330903001001-1"),
        Column("village_code", "text", True, zh="所属村（社区）代码", en="village code",
               example="330903001001"),
        *_village_columns(),
        *point_columns(lon_example="122.29312", lat_example="29.955189"),
        _ELDERLY,
    ),
    "老年人（按点）", "elderly residents by point", "meals.elderly",
    example_rows=(
        {"point_id": "330903001001-1", "village_code": "330903001001", "name_zh": "示例社区",
         "town_code": "330903001", "town_name": "沈家门街道", "island_id": "ISL001",
         "island_name_zh": "舟山岛", "lon": "122.29312", "lat": "29.955189",
         "coord_system": "WGS-84", "synthetic": "yes", "elderly_60plus": "25"},
        {"point_id": "330903001001-2", "village_code": "330903001001", "name_zh": "示例社区",
         "town_code": "330903001", "town_name": "沈家门街道", "island_id": "ISL001",
         "island_name_zh": "舟山岛", "lon": "122.296937", "lat": "29.954023",
         "coord_system": "WGS-84", "synthetic": "yes", "elderly_60plus": "30"},
    ),
)
"""Elderly residents by demand point (``meals.elderly`` with ``point_id``)."""

ELDERLY_VILLAGES = TableSpec(
    "elderly_villages", "village_code", (
        Column("village_code", "id", True, zh="村（社区）代码（唯一）", en="village code (unique)",
               example="330903001001"),
        *_village_columns(),
        *point_columns(lon_example="122.296014", lat_example="29.955614"),
        Column("population_est", "count", unit="persons", zh="常住人口估计",
               en="estimated residents", example="5756"),
        _ELDERLY,
        *info_columns("coord_source", "coord_note"),
    ),
    "老年人（按村）", "elderly residents by village", "meals.elderly",
)
"""Elderly residents by village (``meals.elderly`` without ``point_id``)."""

CANTEENS = TableSpec(
    "canteens", "canteen_id", (
        Column("canteen_id", "id", True, zh="食堂编号（唯一）", en="canteen id (unique)",
               example="C01"),
        Column("name_zh", "text", True, zh="食堂名称", en="canteen name", example="新街幸福食堂"),
        Column("kind", "text", zh="类型", en="kind", example="restaurant_franchise"),
        Column("village_code", "text", zh="所在村代码", en="village code", example="330903001001"),
        Column("town_name", "text", zh="乡镇（街道）", en="town", example="沈家门街道"),
        Column("island_id", "text", zh="所在岛屿编号（按坐标核对）",
               en="island id (checked against the point)", example="ISL001"),
        *point_columns(lon_example="122.295001", lat_example="29.955011"),
        _CAPACITY,
        Column("open_time", "time", unit="HH:MM", zh="开门时间（说明用）",
               en="opening time (for reference)", example="10:30"),
        Column("close_time", "time", unit="HH:MM", zh="关门时间（说明用）",
               en="closing time (for reference)", example="18:30"),
        Column("delivers", "yes_no", default="yes", allowed=("yes", "no"), zh="是否送餐上门",
               en="delivers meals to homes", example="yes"),
        *info_columns("coord_quality", "source", "note"),
    ),
    "现有食堂", "existing canteens", "meals.canteens",
    example_rows=(
        {"canteen_id": "C01", "name_zh": "示例幸福食堂", "kind": "community",
         "village_code": "330903001001", "town_name": "沈家门街道", "island_id": "ISL001",
         "lon": "122.295001", "lat": "29.955011", "coord_system": "WGS-84", "synthetic": "yes",
         "capacity_meals_per_day": "150", "open_time": "10:30", "close_time": "18:30",
         "delivers": "yes"},
    ),
)
"""Existing canteens (``meals.canteens``)."""

CANDIDATES = TableSpec(
    "candidate_sites", "site_id", (
        Column("site_id", "id", True, zh="候选点编号（唯一，不与食堂重复）",
               en="site id (unique, not a canteen id)", example="S001"),
        Column("name_zh", "text", True, zh="名称", en="name", example="芦花合作餐馆(候选)"),
        Column("kind", "text", zh="类型", en="kind", example="restaurant_willing"),
        Column("village_code", "text", zh="所在村代码", en="village code", example="330903003220"),
        Column("island_id", "text", zh="所在岛屿编号（按坐标核对）",
               en="island id (checked against the point)", example="ISL001"),
        *point_columns(lon_example="122.293683", lat_example="29.963469"),
        _CAPACITY,
        Column("opening_cost_cny", "count", True, unit="CNY", zh="开办成本（元）",
               en="opening cost (yuan)", example="50000", minimum=0, maximum=100_000_000,
               bound_source="a canteen fit-out costs tens to hundreds of thousands of yuan"),
        *info_columns("coord_quality", "source", "note"),
    ),
    "候选食堂地点", "candidate canteen sites", "meals.candidates",
    example_rows=(
        {"site_id": "S001", "name_zh": "示例合作餐馆(候选)", "kind": "restaurant_willing",
         "village_code": "330903001001", "island_id": "ISL001", "lon": "122.293683",
         "lat": "29.963469", "coord_system": "WGS-84", "synthetic": "yes",
         "capacity_meals_per_day": "120", "opening_cost_cny": "50000"},
    ),
)
"""Candidate canteen sites (``meals.candidates``)."""

TABLES = (ELDERLY_POINTS, ELDERLY_VILLAGES, CANTEENS, CANDIDATES)
"""Every input table of the meal service, in template order."""
