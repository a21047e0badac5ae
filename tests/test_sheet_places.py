"""Places and reasons on the dispatcher sheets as a person reads them: a vehicle's base by its
village and island (not "Base CL1"), unserved details naming sailings by route, pier and HH:MM
and legs in words (never GTFS trip ids or internal leg ids)."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from optimizer.outputs.sheets import _place_text

VILLAGES = {"330903001001": "新街社区居委会"}
POINTS = pd.DataFrame({"lon": [122.2950], "lat": [29.9550], "name_zh": ["新街社区居委会"]},
                      index=pd.Index(["330903001001"], name="village_code"))


def _base(**kw):
    row = {"place_type": "base", "island_name": "舟山岛", "village_code": "", "lon": 122.2951,
           "lat": 29.9551, "place_name": "CL1 base"}
    row.update(kw)
    return row


def test_base_named_by_its_village_and_island():
    text = _place_text(_base(village_code="330903001001"), "CL1", ("zh", "en"), {}, VILLAGES)
    assert text == "车辆基地 Base · 新街社区居委会 · 舟山岛"


def test_base_without_village_code_takes_the_nearest_village_point():
    # 0.0001° ≈ 14 m from the village point: within 3 km
    text = _place_text(_base(), "CL1", ("zh", "en"), {}, VILLAGES, POINTS)
    assert text == "车辆基地 Base · 新街社区居委会附近 near · 舟山岛"
    far = _place_text(_base(lon=122.40), "CL1", ("zh", "en"), {}, VILLAGES, POINTS)  # ~10 km
    assert far == "车辆基地 Base · 舟山岛"
    bare = _place_text(_base(island_name="", lon=122.40), "CL1", ("en",), {}, VILLAGES, POINTS)
    assert bare == "Base (29.95510, 122.40000)"
    assert "CL1" not in text + far + bare


def test_baseline_sheets_name_bases_and_sailings(baseline_run: Path):
    stops = pd.read_csv(baseline_run / "dispatch" / "route_stops.csv", dtype=str,
                        keep_default_na=False, encoding="utf-8-sig")
    bases = stops.loc[stops["place_type"] == "base", "place"]
    assert len(bases) > 0
    for text in bases:
        assert re.fullmatch(r"车辆基地 Base · \S+ · \S+岛|车辆基地 Base · \S+ · 鲁家峙", text), text
    un = pd.read_csv(baseline_run / "dispatch" / "route_unserved.csv", dtype=str,
                     keep_default_na=False, encoding="utf-8-sig")
    details = "\n".join(un["detail"])
    assert "NO_SAILING" in set(un["code"])
    assert not re.search(r"R_DT_|_RET\b|\bleg \S+:\d|-(out|ret):\d", details)
    assert "leg, part 2 after the ferry (" in details or "leg, part 1 before the ferry (" in \
        details
    assert re.search(r"the first sailing that gets there, 墩头-\S+ \S+码头 \d\d:\d\d → ", details)
