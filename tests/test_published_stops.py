"""The published ``dialysis/stops.csv``: counts per village or place and two-hour band, cells
under 3 merged (optimizer.services.dialysis.tables.stop_counts), hand-checked."""

from __future__ import annotations

import pandas as pd

from optimizer.services.dialysis.tables import (
    ISLAND_HOMES,
    MIN_CELL,
    STOP_COUNT_COLUMNS,
    SUPPRESSED_PLACE,
    stop_counts,
)


def _stops(rows):
    return pd.DataFrame(rows, columns=["action", "start_s", "place_type", "place_name",
                                       "village_code", "island_id", "island_name", "mobility"])


H = 3600


def test_counts_and_small_cells_merged():
    rows = (
        # village V1: four pickups 06:00-08:00 (shown), one at 08:10 (own band: suppressed)
        [("pickup", 6 * H + k * 600, "home", "home", "V1", "I1", "甲岛", "walking")
         for k in range(4)]
        + [("pickup", 8 * H + 600, "home", "home", "V1", "I1", "甲岛", "wheelchair")]
        # village V2: two wheelchair pickups (suppressed: would name them)
        + [("pickup", 7 * H, "home", "home", "V2", "I1", "甲岛", "wheelchair")] * 2
        # a pier: three drop-offs 06:00-08:00 (shown)
        + [("dropoff", 7 * H + 300, "pier", "甲岛码头", "", "I1", "甲岛", "walking")] * 3
        # vehicle start/end are not stops of a ride
        + [("start", 5 * H, "base", "base", "V1", "I1", "甲岛", None)])
    got = stop_counts(_stops(rows))
    assert list(got.columns) == STOP_COUNT_COLUMNS
    assert got.to_dict("records") == [
        {"island_id": "I1", "island_name": "甲岛", "place_type": "home", "place": "V1",
         "action": "pickup", "time_band": "06:00–08:00", "stops": 4},
        {"island_id": "I1", "island_name": "甲岛", "place_type": "pier", "place": "甲岛码头",
         "action": "dropoff", "time_band": "06:00–08:00", "stops": 3},
        {"island_id": "", "island_name": "", "place_type": "", "place": SUPPRESSED_PLACE,
         "action": "", "time_band": "", "stops": 3},  # V1 08:10 (1) + V2 (2)
    ]
    assert MIN_CELL == 3
    assert sum(got["stops"]) == 10  # every ride stop counted once


def test_no_row_without_small_cells_and_empty_input():
    rows = [("dropoff", 12 * H, "unit", "透析室", "", "I1", "", "walking")] * 3
    got = stop_counts(_stops(rows))
    assert list(got["place"]) == ["透析室"] and list(got["stops"]) == [3]
    assert stop_counts(_stops([])).empty


def test_published_table_has_no_ride_detail():
    """What the run writes: no ride, mobility, exact time or coordinate column."""
    st = _stops([("pickup", 6 * H, "home", "home", "V1", "I1", "甲岛", "wheelchair")] * 3)
    got = stop_counts(st)
    assert not {"mobility", "trip_id", "leg_id", "start_s", "lon", "lat", "clock"} & set(
        got.columns)


def test_small_village_cells_merge_per_island_first():
    """Two villages with 2 and 1 pickups in one band: under 3 each, 3 together on the island."""
    rows = ([("pickup", 7 * H, "home", "home", "V1", "I1", "甲岛", "walking")] * 2
            + [("pickup", 7 * H + 60, "home", "home", "V2", "I1", "甲岛", "walking")]
            + [("pickup", 7 * H, "home", "home", "V3", "I2", "乙岛", "walking")])
    got = stop_counts(_stops(rows))
    assert got.to_dict("records") == [
        {"island_id": "I1", "island_name": "甲岛", "place_type": "home", "place": ISLAND_HOMES,
         "action": "pickup", "time_band": "06:00–08:00", "stops": 3},
        {"island_id": "", "island_name": "", "place_type": "", "place": SUPPRESSED_PLACE,
         "action": "", "time_band": "", "stops": 1},  # I2's single pickup
    ]
