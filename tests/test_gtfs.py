"""GTFS reading/validation (tiny hand-written feed, each bad input) and the real Putuo feed."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pandas as pd
import pytest

from optimizer.datasets import get_path
from optimizer.errors import InputError, InputErrors
from optimizer.io.gtfs import active_services, parse_gtfs_time, read_gtfs
from optimizer.synthetic.ferries import build_feed_tables, generate, return_departure_s

TINY = Path(__file__).parent / "data" / "gtfs" / "tiny"


@pytest.fixture
def tiny_copy(tmp_path: Path) -> Path:
    """A writable copy of the tiny two-island feed (see tests/data/gtfs/tiny/README.md)."""
    dst = tmp_path / "feed"
    shutil.copytree(TINY, dst)
    return dst


def edit(folder: Path, name: str, old: str, new: str) -> None:
    p = folder / name
    text = p.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {name}"
    p.write_text(text.replace(old, new, 1), encoding="utf-8")


def one_error(folder: Path) -> InputError:
    with pytest.raises(InputError) as exc:
        read_gtfs(folder)
    err = exc.value
    assert not isinstance(err, InputErrors), str(err)
    return err


# --- tiny feed reads -------------------------------------------------------------------------

def test_tiny_feed_parses_times_and_counts():
    feed = read_gtfs(TINY)
    assert len(feed.trips) == 7 and len(feed.stops) == 2 and len(feed.routes) == 2
    st = feed.stop_times.set_index(["trip_id", "stop_sequence"])
    assert st.loc[("CAR_2330", 2), "arrival_s"] == 24 * 3600 + 30 * 60  # 24:30:00 = 88 200 s
    assert st.loc[("FAST_2450", 1), "departure_s"] == 89_400
    assert feed.stops.set_index("stop_id").loc["PB", "stop_lat"] == pytest.approx(29.9)
    assert feed.trips.set_index("trip_id").loc["FAST_0715", "cars_allowed"] == "2"


def test_parse_gtfs_time_past_midnight():
    assert parse_gtfs_time("25:10:00") == 90_600
    assert parse_gtfs_time("00:00:00") == 0
    with pytest.raises(InputError):
        parse_gtfs_time("7h30")
    with pytest.raises(InputError):
        parse_gtfs_time("07:61:00")


@pytest.mark.parametrize("day, expected", [
    ("2025-04-30", {"DAILY"}),          # Wednesday, regular
    ("20250501", {"HOLIDAY"}),          # DAILY removed (2), HOLIDAY added (1)
    (dt.date(2025, 5, 2), {"DAILY"}),
    ("2026-01-01", set()),              # after end_date
    ("2024-12-31", set()),              # before start_date
])
def test_active_services_calendar_and_exceptions(day, expected):
    assert active_services(read_gtfs(TINY), day) == expected


def test_active_services_weekday_flags(tiny_copy):
    edit(tiny_copy, "calendar.txt", "DAILY,1,1,1,1,1,1,1", "DAILY,1,1,1,1,1,0,0")
    feed = read_gtfs(tiny_copy)
    assert active_services(feed, "2025-05-03") == set()      # Saturday
    assert active_services(feed, "2025-05-05") == {"DAILY"}  # Monday


def test_bad_date_argument():
    with pytest.raises(InputError):
        active_services(read_gtfs(TINY), "30/04/2025")


# --- each bad input names file, row, field ---------------------------------------------------

def test_unknown_stop_id(tiny_copy):
    edit(tiny_copy, "stop_times.txt", "CAR_0900,09:40:00,09:40:00,PB",
         "CAR_0900,09:40:00,09:40:00,PX")
    e = one_error(tiny_copy)
    assert (e.file, e.row, e.field) == ("stop_times.txt", 6, "stop_id")
    assert "PX" in str(e)


def test_unknown_trip_id(tiny_copy):
    edit(tiny_copy, "stop_times.txt", "CAR_0900,09:40:00", "CAR_0999,09:40:00")
    with pytest.raises(InputErrors) as exc:  # unknown trip, and CAR_0900 left with one stop
        read_gtfs(tiny_copy)
    found = {(e.file, e.row, e.field) for e in exc.value.errors}
    assert ("stop_times.txt", 6, "trip_id") in found
    assert ("trips.txt", 3, "trip_id") in found


def test_unknown_route_and_service(tiny_copy):
    edit(tiny_copy, "trips.txt", "R_CAR,DAILY,CAR_0900", "R_BUS,WEEKLY,CAR_0900")
    with pytest.raises(InputErrors) as exc:
        read_gtfs(tiny_copy)
    found = {(e.file, e.row, e.field) for e in exc.value.errors}
    assert found == {("trips.txt", 3, "route_id"), ("trips.txt", 3, "service_id")}


def test_arrival_before_previous_departure(tiny_copy):
    edit(tiny_copy, "stop_times.txt", "CAR_0900,09:40:00,09:40:00", "CAR_0900,08:40:00,08:40:00")
    e = one_error(tiny_copy)
    assert (e.file, e.row, e.field) == ("stop_times.txt", 6, "arrival_time")
    assert "increase" in str(e)


def test_equal_times_along_trip_rejected(tiny_copy):
    edit(tiny_copy, "stop_times.txt", "CAR_0900,09:40:00,09:40:00", "CAR_0900,09:00:00,09:00:00")
    e = one_error(tiny_copy)
    assert (e.row, e.field) == (6, "arrival_time")


def test_departure_before_arrival_at_stop(tiny_copy):
    edit(tiny_copy, "stop_times.txt", "CAR_0900,09:00:00,09:00:00", "CAR_0900,09:00:00,08:55:00")
    e = one_error(tiny_copy)
    assert (e.file, e.row, e.field) == ("stop_times.txt", 5, "departure_time")


def test_duplicate_stop_id(tiny_copy):
    edit(tiny_copy, "stops.txt", "PB,Pier B", "PA,Pier B")
    with pytest.raises(InputError) as exc:
        read_gtfs(tiny_copy)
    errs = exc.value.errors if isinstance(exc.value, InputErrors) else [exc.value]
    assert ("stops.txt", 2, "stop_id") in {(e.file, e.row, e.field) for e in errs}
    assert "duplicate" in str(exc.value)


def test_duplicate_trip_id(tiny_copy):
    edit(tiny_copy, "trips.txt", "R_CAR,DAILY,CAR_0900", "R_CAR,DAILY,CAR_0700")
    with pytest.raises(InputError) as exc:
        read_gtfs(tiny_copy)
    errs = exc.value.errors if isinstance(exc.value, InputErrors) else [exc.value]
    assert ("trips.txt", 3, "trip_id") in {(e.file, e.row, e.field) for e in errs}


def test_duplicate_route_id(tiny_copy):
    edit(tiny_copy, "routes.txt", "R_FAST,A1", "R_CAR,A1")
    with pytest.raises(InputError) as exc:
        read_gtfs(tiny_copy)
    errs = exc.value.errors if isinstance(exc.value, InputErrors) else [exc.value]
    assert ("routes.txt", 2, "route_id") in {(e.file, e.row, e.field) for e in errs}


def test_missing_column(tiny_copy):
    p = tiny_copy / "trips.txt"
    df = pd.read_csv(p, dtype=str).drop(columns=["service_id"])
    df.to_csv(p, index=False)
    e = one_error(tiny_copy)
    assert (e.file, e.row, e.field) == ("trips.txt", 0, "service_id")


def test_missing_file(tiny_copy):
    (tiny_copy / "routes.txt").unlink()
    e = one_error(tiny_copy)
    assert e.file == "routes.txt"


def test_missing_calendar_files(tiny_copy):
    (tiny_copy / "calendar.txt").unlink()
    (tiny_copy / "calendar_dates.txt").unlink()
    e = one_error(tiny_copy)
    assert e.file == "calendar.txt"


def test_malformed_time(tiny_copy):
    edit(tiny_copy, "stop_times.txt", "FAST_0715,07:15:00,07:15:00", "FAST_0715,7h15,07:15:00")
    e = one_error(tiny_copy)
    assert (e.file, e.row, e.field) == ("stop_times.txt", 3, "arrival_time")
    assert "HH:MM:SS" in str(e)


def test_swapped_coordinates(tiny_copy):
    edit(tiny_copy, "stops.txt", "PB,Pier B,29.9000,122.3000", "PB,Pier B,122.3000,29.9000")
    e = one_error(tiny_copy)
    assert (e.file, e.row, e.field) == ("stops.txt", 2, "stop_lat")
    assert "swapped" in str(e)


def test_coordinates_outside_study_area(tiny_copy):
    edit(tiny_copy, "stops.txt", "PB,Pier B,29.9000,122.3000", "PB,Pier B,29.9000,116.4000")
    e = one_error(tiny_copy)
    assert (e.file, e.row, e.field) == ("stops.txt", 2, "stop_lon")


def test_non_numeric_coordinate(tiny_copy):
    edit(tiny_copy, "stops.txt", "PB,Pier B,29.9000", "PB,Pier B,29.9N")
    e = one_error(tiny_copy)
    assert (e.file, e.row, e.field) == ("stops.txt", 2, "stop_lat")


def test_malformed_calendar_dates(tiny_copy):
    edit(tiny_copy, "calendar.txt", "DAILY,1,1,1,1,1,1,1,20250101",
         "DAILY,1,1,1,1,1,1,1,2025-01-01")
    e = one_error(tiny_copy)
    assert (e.file, e.row, e.field) == ("calendar.txt", 1, "start_date")
    (tiny_copy / "calendar.txt").write_text((TINY / "calendar.txt").read_text())
    edit(tiny_copy, "calendar_dates.txt", "HOLIDAY,20250501,1", "HOLIDAY,20250231,3")
    with pytest.raises(InputErrors) as exc:
        read_gtfs(tiny_copy)
    found = {(e.file, e.row, e.field) for e in exc.value.errors}
    assert found == {("calendar_dates.txt", 2, "date"), ("calendar_dates.txt", 2, "exception_type")}


def test_bad_cars_allowed_code(tiny_copy):
    edit(tiny_copy, "trips.txt", "CAR_0700,0,1,0", "CAR_0700,0,yes,0")
    e = one_error(tiny_copy)
    assert (e.file, e.row, e.field) == ("trips.txt", 1, "cars_allowed")


def test_many_problems_collected_once(tiny_copy):
    edit(tiny_copy, "stops.txt", "PB,Pier B,29.9000,122.3000", "PB,Pier B,122.3000,29.9000")
    edit(tiny_copy, "stop_times.txt", "FAST_0715,07:15:00,07:15:00", "FAST_0715,7h15,07:15:00")
    edit(tiny_copy, "trips.txt", "R_CAR,DAILY,CAR_0900", "R_CAR,DAILY,CAR_0700")
    with pytest.raises(InputErrors) as exc:
        read_gtfs(tiny_copy)
    files = [e.file for e in exc.value.errors]
    assert {"stops.txt", "stop_times.txt", "trips.txt"} <= set(files)
    assert "input problem(s)" in str(exc.value)


def test_missing_folder(tmp_path):
    with pytest.raises(InputError):
        read_gtfs(tmp_path / "nope")


# --- the real Putuo feed ---------------------------------------------------------------------

def test_putuo_feed_sourced_and_estimated_trips():
    feed = read_gtfs(get_path("putuo/ferries/gtfs"))
    trips = feed.trips.set_index("trip_id")
    sourced = trips[(trips["is_estimate"] == "0") & (trips["direction_id"] == "0")]
    estimated = trips[trips["is_estimate"] == "1"]
    assert len(sourced) == 45 and sourced["route_id"].nunique() == 13
    assert set(trips["is_estimate"]) == {"0", "1"}  # every trip flagged one way or the other
    # one return per sourced outbound trip, in the opposite direction; estimated except the
    # 东极 return, sourced as "leaves 庙子湖 again at about 11:00"
    st = feed.stop_times
    for tid in sourced.index:
        rid = f"{tid}_RET"
        out = st[st.trip_id == tid].sort_values("stop_sequence")["stop_id"].tolist()
        back = st[st.trip_id == rid].sort_values("stop_sequence")["stop_id"].tolist()
        assert back == out[::-1]
        if tid == "R_BSD_DJ_0830":
            assert trips.loc[rid, "is_estimate"] == "0" and "11:00" in trips.loc[rid, "source"]
        else:
            assert estimated.loc[rid, "estimate_method"].startswith("ESTIMATE")
    # the Wugongzhi-Putuoshan shuttle: estimated timetable, both directions
    wp = trips[trips["route_id"] == "R_WGZ_PTS"]
    assert len(wp) == 46 and set(wp["is_estimate"]) == {"1"}
    assert len(estimated) == 44 + 46
    # cars: fast boats never carry cars; every trip says why
    assert set(trips.loc[trips["vessel_type"] == "fast_boat", "cars_allowed"]) == {"2"}
    assert set(trips["cars_allowed"]) == {"1", "2"}
    assert (trips["cars_allowed_basis"] != "").all()
    assert (sourced["duration_is_estimate"].isin(["0", "1"])).all()


def test_putuo_sourced_copy_is_verbatim_shared_outbound():
    """The sourced copy holds exactly the 45 outbound trips the generator starts from; the feed
    keeps their stops and departures, and their arrivals except where a sourced crossing time
    (桃花 fast boat, 东极) or a corrected pier (虾峙 at 栅棚) changed the crossing."""
    src = read_gtfs(get_path("putuo/ferries/gtfs/sourced"))
    assert len(src.trips) == 45
    full = read_gtfs(get_path("putuo/ferries/gtfs"))
    a = src.stop_times[["trip_id", "stop_id", "stop_sequence"]]
    b = full.stop_times[full.stop_times.trip_id.isin(src.trips.trip_id)][a.columns]
    pd.testing.assert_frame_equal(a.reset_index(drop=True), b.reset_index(drop=True))
    first = src.stop_times[src.stop_times.stop_sequence == 1].set_index("trip_id")
    full_first = full.stop_times[full.stop_times.stop_sequence == 1].set_index("trip_id")
    assert (first["departure_time"] == full_first.loc[first.index, "departure_time"]).all()
    arr_a = src.stop_times.set_index(["trip_id", "stop_sequence"])["arrival_time"]
    arr_b = full.stop_times.set_index(["trip_id", "stop_sequence"])["arrival_time"]
    changed = {t for (t, _), x in arr_a.items() if arr_b[(t, _)] != x}
    routes = set(src.trips.set_index("trip_id").loc[sorted(changed), "route_id"])
    assert routes == {"R_DT_TH_F", "R_BSD_DJ", "R_DT_XZ", "R_DT_XZ_HS", "R_DT_XZ_ZP"}


def test_generator_deterministic_and_matches_repository(tmp_path):
    generate(out_dir=tmp_path / "a", source_dir=get_path("putuo/ferries/gtfs/sourced"))
    repo = get_path("putuo/ferries/gtfs")
    for name in ("trips.txt", "stop_times.txt", "stops.txt", "routes.txt"):
        assert (tmp_path / "a" / name).read_bytes() == (repo / name).read_bytes(), name
    read_gtfs(tmp_path / "a")  # the generated feed validates


def test_return_rule_hand_values():
    # 桃花 conventional: arrives 08:10, 30-min turnaround, 50-min crossing -> returns 08:40
    assert return_departure_s(8 * 3600 + 600, 3000, "conventional") == 8 * 3600 + 2400
    # fast boat: 20-min turnaround
    assert return_departure_s(8 * 3600 + 1800, 1800, "fast_boat") == 8 * 3600 + 3000
    # 六横台门 15:40 -> 17:40, back 18:10 -> 20:10 > 20:00: overnight
    assert return_departure_s(17 * 3600 + 2400, 7200, "conventional") is None
    tables = build_feed_tables(get_path("putuo/ferries/gtfs/sourced"),
                               get_path("putuo/ferries/ports.csv"))
    st = tables["stop_times.txt"].set_index(["trip_id", "stop_sequence"])
    assert st.loc[("R_DT_LH_1540_RET", "1"), "departure_time"] == "06:30:00"
    assert st.loc[("R_DT_JT_1630_RET", "1"), "departure_time"] == "07:00:00"  # second overnight
    assert st.loc[("R_DT_TH_0720_RET", "2"), "arrival_time"] == "09:30:00"
