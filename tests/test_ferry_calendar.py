"""Ferry calendar (issue 11, item 7): a date outside the feed is refused, the embedded feed's
nominal calendar runs through 2027 with a note, and a route without sailings on the date is
flagged in the island report."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pandas as pd
import pytest

from optimizer.cli import main
from optimizer.datasets import get_path
from optimizer.errors import InputError
from optimizer.io.gtfs import check_service_date, feed_validity, read_gtfs
from optimizer.network.build import build_network
from optimizer.network.diagnostics import island_report
from optimizer.network.ferries import routes_not_running, timetable_for_date
from optimizer.network.params import FerryParams, NetworkParams
from optimizer.results import REASONS, NoteKind

HERE = Path(__file__).resolve().parent
BAD = HERE / "data" / "bad" / "calendar"
TINY = HERE / "data" / "gtfs" / "tiny"


def test_validate_refuses_a_date_outside_the_feed(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(BAD / "date-outside-feed.yaml")]) == 2
    err = capsys.readouterr().err
    assert "date-outside-feed.yaml" in err and "field 'date'" in err
    assert "the ferry timetable covers 2025-01-01 to 2027-12-31" in err
    assert "the scenario's date 2028-02-03 is outside it" in err
    assert "2025-01-01 至 2027-12-31" in err  # the Chinese half


def test_run_refuses_a_date_outside_the_feed_and_writes_nothing(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    assert main(["run", str(BAD / "date-outside-feed.yaml"), "--out", str(out)]) == 2
    assert "covers 2025-01-01 to 2027-12-31" in capsys.readouterr().err
    assert not out.exists()


def test_a_2027_date_validates_with_sailings(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(BAD / "date-2027.yaml")]) == 0
    out = capsys.readouterr().out
    # 136 trips run every day: 136 sailings (two-stop trips, no trip past midnight)
    assert "136 trips, 136 sailings on 2027-03-03" in out
    assert "calendar 2025-01-01 to 2027-12-31 (nominal" in out


def test_a_2027_network_has_sailings_and_the_nominal_calendar_note() -> None:
    net = build_network(NetworkParams(spacing_m=300), FerryParams(), date=dt.date(2027, 3, 3))
    assert len(net.timetable.sailings) == 136
    nominal = [n for n in net.notes if n.kind is NoteKind.NOMINAL_CALENDAR]
    assert len(nominal) == 1
    assert "2027-03-03" in nominal[0].en and "undated (probably 2016-2019)" in nominal[0].en
    assert "名义日期" in nominal[0].zh


def test_feed_validity_of_the_embedded_and_a_dated_feed() -> None:
    v = feed_validity(read_gtfs(get_path("putuo/ferries/gtfs")))
    assert (v.start, v.end, v.nominal) == (dt.date(2025, 1, 1), dt.date(2027, 12, 31), True)
    tiny = read_gtfs(TINY)  # calendar.txt 2025-01-01..2025-12-31, no feed_info.txt
    vt = feed_validity(tiny)
    assert (vt.start, vt.end, vt.nominal) == (dt.date(2025, 1, 1), dt.date(2025, 12, 31), False)
    assert check_service_date(tiny, "2025-12-31") == vt  # last day is inside
    with pytest.raises(InputError) as ei:
        check_service_date(tiny, "2026-01-01", file="s.yaml")
    assert ei.value.field == "date" and ei.value.file == "s.yaml"
    assert "covers 2025-01-01 to 2025-12-31" in str(ei.value)


def _feed_with_a_removed_route(tmp_path: Path, route_id: str, day: str) -> Path:
    """The embedded feed with ``route_id`` on its own daily service, removed on ``day``
    (``calendar_dates.txt`` exception_type 2)."""
    dst = tmp_path / "gtfs"
    shutil.copytree(get_path("putuo/ferries/gtfs"), dst, ignore=shutil.ignore_patterns("sourced"))
    trips = pd.read_csv(dst / "trips.txt", dtype=str, keep_default_na=False)
    trips.loc[trips["route_id"] == route_id, "service_id"] = "ROUTE_OWN"
    trips.to_csv(dst / "trips.txt", index=False)
    cal = pd.read_csv(dst / "calendar.txt", dtype=str)
    own = cal.iloc[[0]].assign(service_id="ROUTE_OWN")
    pd.concat([cal, own]).to_csv(dst / "calendar.txt", index=False)
    (dst / "calendar_dates.txt").write_text(
        f"service_id,date,exception_type\nROUTE_OWN,{day},2\n", encoding="utf-8")
    return dst


def test_a_removed_route_is_flagged_in_the_island_report(tmp_path: Path) -> None:
    gtfs = _feed_with_a_removed_route(tmp_path, "R_DT_DB", "20270303")
    feed = read_gtfs(gtfs)
    assert routes_not_running(feed, timetable_for_date(feed, "2027-03-03")) == {
        "R_DT_DB": "NO_SERVICE_TODAY"}
    assert routes_not_running(feed, timetable_for_date(feed, "2027-03-04")) == {}
    net = build_network(NetworkParams(spacing_m=300), FerryParams(gtfs=gtfs),
                        date=dt.date(2027, 3, 3))
    rep = island_report(net, depart_s=7 * 3600, named_only=True).set_index("name_zh")
    dengbu = rep.loc["登步岛"]
    assert dengbu["ferry_flag"] == "NO_SERVICE_TODAY"
    assert "墩头-登步 (R_DT_DB)" in dengbu["ferry_flag_detail"]
    assert dengbu["earliest_arrival"] == ""  # its only route has no sailing that day
    assert "当天该航线无班次" in dengbu["reachability"]
    assert rep.loc["桃花岛", "ferry_flag"] == ""  # other routes are not flagged


def test_a_suspended_route_is_flagged_route_suspended() -> None:
    net = build_network(NetworkParams(spacing_m=300),
                        FerryParams(suspended_routes=("R_DT_TH", "R_DT_TH_F")),
                        date=dt.date(2026, 12, 2))
    rep = island_report(net, depart_s=7 * 3600, named_only=True).set_index("name_zh")
    assert rep.loc["桃花岛", "ferry_flag"] == "ROUTE_SUSPENDED"
    assert rep.loc["桃花岛", "ferry_flag_detail"].count("航线停航 Ferry route suspended") == 2
    assert rep.loc["蚂蚁岛", "ferry_flag"] == ""
    for code in ("NO_SERVICE_TODAY", "ROUTE_SUSPENDED"):
        assert REASONS[code].zh and REASONS[code].en and REASONS[code].explanation


def test_the_summary_kpis_name_the_routes_not_running() -> None:
    from optimizer.services.connectivity.planning import Destination, plan_connectivity

    net = build_network(NetworkParams(spacing_m=300),
                        FerryParams(suspended_routes=("R_DT_XZ", "R_DT_XZ_HS", "R_DT_XZ_ZP")),
                        date=dt.date(2027, 3, 3))
    res = plan_connectivity(net, Destination("U01", "普陀医院", (122.320521, 29.984033)),
                            reachability_depart_s=7 * 3600, journeys_depart_s=7 * 3600,
                            isochrone_minutes=(30,))
    assert res.kpis["routes_not_running"] == {
        "墩头-虾峙 (R_DT_XZ)": "ROUTE_SUSPENDED", "墩头-虾峙黄石 (R_DT_XZ_HS)": "ROUTE_SUSPENDED",
        "墩头-虾峙栅棚 (R_DT_XZ_ZP)": "ROUTE_SUSPENDED"}
    assert res.kpis["islands_with_routes_not_running"] == ["舟山岛", "虾峙岛"]  # both ends
    assert "ROUTE_SUSPENDED" in res.reason_codes()
    assert "虾峙岛" in res.kpis["islands_unreachable"]
