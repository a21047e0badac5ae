"""Regenerate the hand-made two-island dialysis test case (see README.md).

Run from the repository root: ``.venv/bin/python tests/data/dialysis/make_data.py``.
Exact coordinates are given in EPSG:32651 metres relative to X0, Y0 and converted to WGS 84.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

from pyproj import Transformer

HERE = Path(__file__).parent
X0, Y0 = 410_000.0, 3_310_000.0
TO_LL = Transformer.from_crs("EPSG:32651", "EPSG:4326", always_xy=True)


def ll(x: float, y: float) -> tuple[float, float]:
    lon, lat = TO_LL.transform(X0 + x, Y0 + y)
    return round(lon, 9), round(lat, 9)


ISLANDS = {  # id: (name_zh, name_en, x0, x1, y0, y1)
    "TA": ("甲岛", "Toy A (unit island)", 0, 4000, 0, 2000),
    "TB": ("乙岛", "Toy B (home island, ferry)", 6000, 10000, 0, 2000),
    "TC": ("丙岛", "Toy C (no pier)", 0, 1000, 6000, 7000),
}
STOPS = {"PA": ("甲岛码头", 3900, 1000), "PB": ("乙岛码头", 6100, 1000)}
UNITS = [("U1", "甲岛透析室", "Toy A dialysis unit", "TA", 1000, 1000, "true")]
PATIENTS = [  # id, island, x, y, mobility, escort, schedule, start
    ("P1", "TA", 2000, 1000, "walking", "no", "MWF", "07:30"),
    ("P2", "TB", 9000, 1000, "walking", "no", "MWF", "07:30"),
    ("P3", "TB", 8500, 1500, "wheelchair", "yes", "MWF", "07:30"),
    ("P4", "TA", 3000, 1500, "walking", "no", "TTS", "07:30"),
    ("P5", "TC", 500, 6500, "walking", "no", "MWF", "07:30"),
]
VEHICLES = [  # id, island, x, y, seats, wheelchair, serves, car ferry
    ("VA1", "TA", 500, 1000, 4, 1, "all", "no"),
    ("VA2", "TA", 1500, 500, 4, 0, "TA", "no"),
    ("VB1", "TB", 8000, 1000, 4, 0, "TB", "no"),
]


def main() -> None:
    feats = []
    for iid, (zh, en, x0, x1, y0, y1) in ISLANDS.items():
        ring = [ll(x0, y0), ll(x1, y0), ll(x1, y1), ll(x0, y1), ll(x0, y0)]
        feats.append({"type": "Feature", "properties": {"island_id": iid, "name_zh": zh,
                                                         "name_en": en},
                      "geometry": {"type": "Polygon", "coordinates": [ring]}})
    (HERE / "islands.geojson").write_text(json.dumps(
        {"type": "FeatureCollection", "features": feats}, ensure_ascii=False, indent=1),
        encoding="utf-8")
    with open(HERE / "units.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["unit_id", "name_zh", "name_en", "island_id", "lon", "lat", "chairs",
                    "open_time", "close_time", "days", "shift_starts", "session_duration_min",
                    "active_default"])
        for uid, zh, en, isl, x, y, act in UNITS:
            w.writerow([uid, zh, en, isl, *ll(x, y), 10, "07:00", "19:00", "Mon-Sat",
                        "07:30;12:00", 240, act])
    with open(HERE / "patients.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["patient_id", "name", "phone", "village_code", "island_id", "lon", "lat",
                    "mobility", "escort", "schedule", "session_start", "duration_min",
                    "unit_id"])
        for k, (pid, isl, x, y, mob, esc, sch, start) in enumerate(PATIENTS, start=1):
            w.writerow([pid, f"测试{k}", f"100-0000-000{k}", f"V{isl}", isl, *ll(x, y), mob, esc,
                        sch, start, 240, "U1"])
    with open(HERE / "vehicles.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["vehicle_id", "driver", "phone", "base_village_code", "island_id", "lon",
                    "lat", "seats", "wheelchair_places", "shift_start", "shift_end",
                    "serves_islands", "may_board_car_ferry"])
        for k, (vid, isl, x, y, seats, wc, serves, car) in enumerate(VEHICLES, start=1):
            w.writerow([vid, f"司机{k}", f"101-0000-000{k}", f"V{isl}", isl, *ll(x, y), seats, wc,
                        "05:30", "18:00", serves, car])
    with open(HERE / "gtfs" / "stops.txt", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["stop_id", "stop_name", "stop_lat", "stop_lon"])
        for sid, (name, x, y) in STOPS.items():
            lon, lat = ll(x, y)
            w.writerow([sid, name, lat, lon])


if __name__ == "__main__":
    main()
