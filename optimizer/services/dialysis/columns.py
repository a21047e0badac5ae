"""The declared input tables of the dialysis service: patients, dialysis units, vehicles.

:func:`~optimizer.services.dialysis.inputs.load_dialysis_inputs` reads the files against these
specs (:class:`optimizer.io.tables.TableSpec`): an unknown or misspelt column is an error with a
"did you mean", numbers outside the bounds below are errors naming the bound's source.
``optimizer template`` writes blank templates from them and the data guide lists them.

Bounds and their sources (assumptions where stated):

* ``seats`` 1..60: a vehicle with no seat cannot carry a walking patient or an escort (a
  wheelchair-only van is declared with 1 seat for the escort); 60 is above the largest
  standard coach (12 m coach, about 55 seats; GB/T 3730.1 large bus class), so more is a typo.
* ``wheelchair_places`` 0..10: accessible minibuses take 1-4 wheelchairs, large accessible
  coaches about 6-8 (assumption from manufacturers' brochures); more is a typo.
* ``duration_min`` 60..720 minutes: haemodialysis sessions last 3-5 hours (KDOQI adequacy
  guideline: at least 3 h three times a week); under 1 h or over 12 h is not a session.
* ``chairs`` 0..500: the largest Chinese haemodialysis centres have a few hundred stations
  (assumption); the embedded Putuo unit has 52.
"""

from __future__ import annotations

from optimizer.io.tables import Column, TableSpec, info_columns, point_columns
from optimizer.services.dialysis.records import MOBILITIES, MOBILITY_ALIASES

__all__ = ["PATIENTS", "TABLES", "UNITS", "VEHICLES"]

_YES_NO = ("yes", "no")
_DAYS = ("MWF", "TTS", "Mon;Wed;Fri", "Mon-Sat")

PATIENTS = TableSpec(
    "dialysis_patients", "patient_id", (
        Column("patient_id", "id", True, zh="患者编号（唯一）", en="patient id (unique)",
               example="P001"),
        Column("name", "text", zh="姓名（仅内部调度单）", en="name (internal dispatch sheets only)",
               example="张某"),
        Column("phone", "text", zh="电话（仅内部调度单）", en="phone (internal dispatch sheets only)",
               example="138-0000-0000"),
        Column("address", "text", zh="地址（显示在司机调度单上）",
               en="address (shown on the driver's dispatch sheet)", example="沈家门街道新街1号"),
        Column("village_code", "text", zh="村（社区）统计代码", en="village statistical code",
               example="330903001001"),
        Column("island_id", "text", zh="所在岛屿编号（按坐标核对）",
               en="island id (checked against the point)", example="ISL001"),
        *point_columns(lon_example="122.294844", lat_example="29.956314"),
        Column("mobility", "choice", True,
               allowed=(*MOBILITIES, *MOBILITY_ALIASES),
               zh="行动方式：walking（步行、可步行、自行）或 wheelchair（轮椅）",
               en="mobility: walking (步行, 可步行, 自行) or wheelchair (轮椅)", example="walking"),
        Column("escort", "yes_no", default="no", allowed=_YES_NO, zh="是否有陪护同行",
               en="an escort rides along", example="no"),
        Column("schedule", "days", True, allowed=_DAYS, zh="透析日：MWF、TTS 或星期列表",
               en="dialysis days: MWF, TTS or a day list", example="MWF"),
        Column("session_start", "time", True, unit="HH:MM", zh="透析开始时间",
               en="session start time", example="07:30"),
        Column("duration_min", "count", True, unit="minutes", zh="透析时长（分钟）",
               en="session length (minutes)", example="240", minimum=60, maximum=720,
               bound_source="haemodialysis sessions last 3-5 h (KDOQI)"),
        Column("unit_id", "text", True, zh="透析室编号（见透析室表）",
               en="dialysis unit id (see the units table)", example="U01"),
        Column("ride_service", "yes_no", default="yes", allowed=_YES_NO, zh="是否登记接送服务",
               en="enrolled in the ride service", example="yes"),
    ),
    "透析患者", "dialysis patients", "dialysis.patients",
    example_rows=(
        {"patient_id": "P001", "name": "示例甲", "phone": "100-0000-0001",
         "address": "沈家门街道(示例)", "village_code": "330903001001", "island_id": "ISL001",
         "lon": "122.294844", "lat": "29.956314", "coord_system": "WGS-84", "synthetic": "yes",
         "mobility": "walking", "escort": "no", "schedule": "MWF", "session_start": "07:30",
         "duration_min": "240", "unit_id": "U01", "ride_service": "yes"},
        {"patient_id": "P002", "name": "示例乙", "phone": "100-0000-0002",
         "address": "沈家门街道(示例)", "village_code": "330903001001", "island_id": "ISL001",
         "lon": "122.295566", "lat": "29.960538", "coord_system": "WGS-84", "synthetic": "yes",
         "mobility": "wheelchair", "escort": "yes", "schedule": "Mon;Wed;Fri",
         "session_start": "12:00", "duration_min": "240", "unit_id": "U01",
         "ride_service": "yes"},
    ),
)
"""Dialysis patients (``dialysis.patients``)."""

UNITS = TableSpec(
    "dialysis_units", "unit_id", (
        Column("unit_id", "id", True, zh="透析室编号（唯一）", en="unit id (unique)", example="U01"),
        Column("name_zh", "text", zh="中文名称", en="name in Chinese", example="普陀医院血液透析室"),
        Column("name_en", "text", zh="英文名称", en="name in English",
               example="Putuo Hospital haemodialysis unit"),
        Column("hospital_id", "text", zh="所属医院编号", en="hospital id", example="H01"),
        Column("island_id", "text", zh="所在岛屿编号", en="island id", example="ISL001"),
        *point_columns(lon_example="122.29503", lat_example="29.9454"),
        Column("chairs", "count", default="0", unit="chairs", zh="透析床位数",
               en="dialysis chairs", example="52", minimum=0, maximum=500,
               bound_source="largest centres have a few hundred stations (assumption)"),
        Column("open_time", "time", True, unit="HH:MM", zh="开门时间", en="opening time",
               example="07:00"),
        Column("close_time", "time", True, unit="HH:MM", zh="关门时间", en="closing time",
               example="19:00"),
        Column("days", "days", True, allowed=_DAYS, zh="开放日", en="opening days",
               example="Mon-Sat"),
        Column("shift_starts", "list", unit="HH:MM;HH:MM", zh="班次开始时间（说明用）",
               en="shift start times (for reference)", example="07:30;12:00"),
        Column("session_duration_min", "count", unit="minutes", zh="每次透析时长（说明用）",
               en="session length (for reference)", example="240"),
        Column("active_default", "yes_no", default="yes", allowed=_YES_NO,
               zh="默认启用（情景可用 dialysis.active_units 覆盖）",
               en="open by default (the scenario's dialysis.active_units overrides)",
               example="yes"),
        Column("dialysis_verified", "yes_no", allowed=_YES_NO, zh="已核实提供透析",
               en="dialysis service verified", example="no"),
        *info_columns("coord_quality", "source", "note"),
    ),
    "透析室", "dialysis units", "dialysis.units",
    example_rows=(
        {"unit_id": "U01", "name_zh": "示例透析室", "name_en": "Example dialysis unit",
         "island_id": "ISL001", "lon": "122.29503", "lat": "29.9454", "coord_system": "WGS-84",
         "synthetic": "yes", "chairs": "20", "open_time": "07:00", "close_time": "19:00",
         "days": "Mon-Sat", "active_default": "yes"},
    ),
)
"""Dialysis units (``dialysis.units``)."""

VEHICLES = TableSpec(
    "vehicles", "vehicle_id", (
        Column("vehicle_id", "id", True, zh="车辆编号（唯一）", en="vehicle id (unique)",
               example="V01"),
        Column("driver", "text", zh="司机姓名（仅内部调度单）", en="driver (internal sheets only)",
               example="李某"),
        Column("phone", "text", zh="司机电话（仅内部调度单）", en="driver phone (internal only)",
               example="139-0000-0000"),
        Column("base_village_code", "text", zh="车辆停放地村代码", en="village code of the base",
               example="330903001001"),
        Column("island_id", "text", zh="停放地岛屿编号", en="island id of the base",
               example="ISL001"),
        *point_columns(lon_example="122.293993", lat_example="29.955672"),
        Column("seats", "count", True, unit="seats", zh="座位数（步行患者与陪护）",
               en="seats (walking patients and escorts)", example="4", minimum=1, maximum=60,
               bound_source="at least one seat; no standard coach has more than about 55"),
        Column("wheelchair_places", "count", default="0", unit="wheelchairs", zh="轮椅位数",
               en="wheelchair places", example="1", minimum=0, maximum=10,
               bound_source="accessible vehicles take at most about 8 wheelchairs (assumption)"),
        Column("shift_start", "time", True, unit="HH:MM", zh="出车开始时间",
               en="shift start", example="06:30"),
        Column("shift_end", "time", True, unit="HH:MM", zh="出车结束时间", en="shift end",
               example="18:30"),
        Column("serves_islands", "list", default="all", allowed=("all", "ISL001;ISL003"),
               zh="服务岛屿：all 或以分号分隔的岛屿编号",
               en="islands served: all, or island ids separated by ';'", example="all"),
        Column("may_board_car_ferry", "yes_no", default="no", allowed=_YES_NO,
               zh="可随车渡过海", en="may cross on a car ferry", example="yes"),
    ),
    "车辆", "vehicles", "dialysis.vehicles",
    example_rows=(
        {"vehicle_id": "V01", "driver": "示例司机", "phone": "101-0000-0001",
         "base_village_code": "330903001001", "island_id": "ISL001", "lon": "122.293993",
         "lat": "29.955672", "coord_system": "WGS-84", "synthetic": "yes", "seats": "4",
         "wheelchair_places": "1", "shift_start": "06:30", "shift_end": "18:30",
         "serves_islands": "all", "may_board_car_ferry": "yes"},
    ),
)
"""Vehicles of the ride service (``dialysis.vehicles``)."""

TABLES = (PATIENTS, UNITS, VEHICLES)
"""Every input table of the dialysis service, in template order."""
