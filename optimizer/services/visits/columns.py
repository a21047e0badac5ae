"""The declared input tables of the visits service: needy households and visiting offices.

:func:`~optimizer.services.visits.inputs.load_visits_inputs` reads the files against these specs
(:class:`optimizer.io.tables.TableSpec`): an unknown or misspelt column is an error with a "did
you mean", numbers outside the bounds below are errors naming the bound's source. ``optimizer
template`` writes blank templates from them and the data guide lists them.

Bounds and their sources (assumptions where stated):

* ``visits_per_year`` 1..52: at least one visit a year keeps a household on the list; more than
  weekly is care, not a visiting service (assumption).
* ``workers`` 1..200: an office with no worker cannot visit; 200 is far above any town office
  (assumption: Putuo's towns have a handful of social workers each).
* ``hours_per_day`` 0.5..12 hours: a shorter slot visits nobody, a longer one is not a working
  day (the Labour Law's standard day is 8 hours).
"""

from __future__ import annotations

from optimizer.io.tables import Column, TableSpec, info_columns, point_columns

__all__ = ["CATEGORIES", "HOUSEHOLDS", "MOBILITIES", "OFFICES", "TABLES"]

CATEGORIES = ("低保", "低边", "特困", "支出型")
"""Assistance categories: 低保 (minimum living guarantee), 低边 (near-poverty), 特困 (destitute
persons' support), 支出型 (expenditure-type hardship: medical or school costs)."""

MOBILITIES = ("walks", "walking_aid", "wheelchair", "bedridden")
"""Mobility of the household's main person (what a visiting worker should know)."""

HOUSEHOLDS = TableSpec(
    "needy_households", "household_id", (
        Column("household_id", "id", True, zh="困难家庭编号（唯一）", en="household id (unique)",
               example="NH0001"),
        Column("name", "text", zh="户主姓名（仅内部探访单）", en="name (internal visit sheets only)",
               example="王某英"),
        Column("phone", "text", zh="电话（仅内部探访单）", en="phone (internal visit sheets only)",
               example="102-0000-0001"),
        Column("address", "text", zh="现居住地址（仅内部探访单）",
               en="address where the household lives (internal visit sheets only)",
               example="新街社区居委会12号"),
        Column("registration_town_code", "text", True, zh="户籍所在街道/镇代码（见办事处表）",
               en="town/street code of the household registration (see the offices table)",
               example="330903100"),
        Column("registration_town_name", "text", zh="户籍所在街道/镇名称（说明用）",
               en="town/street name of the registration (for reference)", example="六横镇"),
        Column("village_code", "text", True, zh="现居住村（社区）统计代码",
               en="statistical code of the village where the household lives",
               example="330903001001"),
        *point_columns(lon_example="122.296014", lat_example="29.955614"),
        Column("category", "choice", True, allowed=CATEGORIES,
               zh="救助类别：低保、低边、特困、支出型",
               en="assistance category: 低保, 低边, 特困 or 支出型", example="低保"),
        Column("visits_per_year", "count", unit="visits/year",
               zh="每年探访次数（空 = 按类别默认）",
               en="visits a year (empty = the category's default)",
               example="4", minimum=1, maximum=52,
               bound_source="at least yearly, at most weekly (assumption)"),
        Column("mobility", "choice", default="walks", allowed=MOBILITIES,
               zh="行动能力：walks、walking_aid（助行器）、wheelchair（轮椅）、bedridden（卧床）",
               en="mobility: walks, walking_aid, wheelchair or bedridden", example="walks"),
        Column("language", "text", default="普通话", zh="沟通语言（如仅会舟山话）",
               en="language to speak (e.g. only the 舟山话 dialect)", example="普通话"),
    ),
    "困难家庭（人户分离探访）", "needy households (visits wherever they live)", "visits.households",
    example_rows=(
        {"household_id": "NH0001", "name": "示例甲", "phone": "102-0000-0001",
         "address": "新街社区居委会(示例)", "registration_town_code": "330903001",
         "registration_town_name": "沈家门街道", "village_code": "330903001001",
         "lon": "122.296014", "lat": "29.955614", "coord_system": "WGS-84", "synthetic": "yes",
         "category": "特困", "visits_per_year": "12", "mobility": "wheelchair",
         "language": "舟山话"},
    ),
)
"""Needy households (``visits.households``)."""

OFFICES = TableSpec(
    "offices", "office_id", (
        Column("office_id", "id", True, zh="办事处编号（唯一）", en="office id (unique)",
               example="OF001"),
        Column("name_zh", "text", zh="中文名称", en="name in Chinese", example="沈家门街道民政办"),
        Column("town_code", "text", True, zh="所属街道/镇代码（每个街道/镇一个办事处）",
               en="town/street code (one office per town/street)", example="330903001"),
        Column("town_name", "text", zh="街道/镇名称（说明用）", en="town/street name (for reference)",
               example="沈家门街道"),
        Column("island_id", "text", zh="所在岛屿编号（说明用）", en="island id (for reference)",
               example="ISL001"),
        *point_columns(lon_example="122.29503", lat_example="29.9454"),
        Column("workers", "count", True, unit="workers", zh="探访工作人员数",
               en="visiting workers", example="4", minimum=1, maximum=200,
               bound_source="at least one worker; no town office has hundreds (assumption)"),
        Column("hours_per_day", "number", True, unit="hours", zh="每人每天可用于探访的小时数",
               en="hours a worker can visit per working day", example="6", minimum=0.5,
               maximum=12, bound_source="a working day is 8 hours (Labour Law); 12 is a typo"),
        Column("working_days", "days", default="Mon-Fri", allowed=("Mon-Fri", "Mon;Wed;Fri"),
               zh="工作日", en="working days", example="Mon-Fri"),
        Column("start_time", "time", default="08:30", unit="HH:MM", zh="上班时间",
               en="start of the working day", example="08:30"),
        *info_columns("note"),
    ),
    "街道/镇办事处", "town offices that visit", "visits.offices",
    example_rows=(
        {"office_id": "OF001", "name_zh": "沈家门街道民政办(示例)", "town_code": "330903001",
         "town_name": "沈家门街道", "island_id": "ISL001", "lon": "122.29503",
         "lat": "29.9454", "coord_system": "WGS-84", "synthetic": "yes", "workers": "4",
         "hours_per_day": "6", "working_days": "Mon-Fri", "start_time": "08:30"},
    ),
)
"""Visiting offices, one per town/street (``visits.offices``)."""

TABLES = (HOUSEHOLDS, OFFICES)
"""Every input table of the visits service, in template order."""
