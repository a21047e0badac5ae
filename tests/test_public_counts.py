"""Published dialysis tables as counts (issue: public_unserved.csv and public_crossings.csv
gave one row per pseudonymous ride with island and exact times): unserved rides per island,
reason, direction and two-hour band, crossings per route and band, cells under 3 merged, totals
kept. And every published CSV reads as a person reads: clock times HH:MM (no ``*_s`` seconds),
coordinates to 6 decimals."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from optimizer.outputs.csvfiles import round_coordinates, write_csv
from optimizer.services.dialysis.tables import (
    ALL_DAY,
    MIN_CELL,
    SUPPRESSED_PLACE,
    merge_small_cells,
    time_band,
)


def _read(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")


def test_merge_small_cells_by_hand() -> None:
    rows = pd.DataFrame({"island": ["A"] * 5 + ["A"] * 2 + ["A"] + ["B"] * 2,
                         "band": ["06"] * 5 + ["08"] * 2 + ["10"] + ["06"] * 2})
    got = merge_small_cells(rows, ["island", "band"], [{"band": ALL_DAY}],
                            other=("island", "other"))
    # A 06 (5) shown; A 08 (2) + A 10 (1) merge into A all day (3); B 06 (2) stays small: other
    assert got.values.tolist() == [["A", "06", 5], ["A", ALL_DAY, 3], ["other", "", 2]]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from("ABCD"), st.sampled_from("xy"),
                          st.sampled_from(["06", "08", "10", "12"])), max_size=40))
def test_merge_small_cells_never_shows_a_small_cell(items: list) -> None:
    rows = pd.DataFrame(items, columns=["island", "dir", "band"])
    got = merge_small_cells(rows, ["island", "dir", "band"],
                            [{"band": ALL_DAY}, {"dir": "both"}], other=("island", "other"))
    assert int(got["rides"].sum()) == len(rows)  # totals preserved
    cells = got[got["island"] != "other"]
    assert (cells["rides"] >= MIN_CELL).all()
    assert (got["island"] == "other").sum() <= 1
    assert not cells.duplicated(["island", "dir", "band"]).any()


def test_time_band() -> None:
    assert time_band(45000) == "12:00–14:00"
    assert time_band(7199) == "00:00–02:00" and time_band(7200) == "02:00–04:00"


def test_public_unserved_and_crossings_are_counts(baseline_run: Path) -> None:
    kpis = json.loads((baseline_run / "summary.json").read_text(encoding="utf-8"))["kpis"]
    d = kpis["dialysis"]
    band = re.compile(r"^\d\d:\d\d–\d\d:\d\d$")
    for name, total in (("public_unserved.csv", sum(d["unserved_by_reason"].values())),
                        ("public_crossings.csv", d["ferry_crossings"])):
        df = _read(baseline_run / "dialysis" / name)
        assert not {"ride", "trip", "detail", "departure", "arrival", "gtfs_trip_id"} & set(
            df.columns), name
        rides = df["rides"].astype(int)
        other = df.apply(lambda r: SUPPRESSED_PLACE in r.values, axis=1)
        assert other.sum() <= 1 and (rides[~other] >= MIN_CELL).all(), name
        assert rides.sum() == total > 0, name
        assert all(band.match(b) or b == ALL_DAY for b in df.loc[~other, "time_band"]), name
    un = _read(baseline_run / "dialysis" / "public_unserved.csv")
    assert {"island", "direction_label", "time_band", "reason"} <= set(un.columns)
    assert (un["island"] != "").sum() >= len(un) - 1  # islands by name
    # the dispatcher's list is unchanged: one row per trip
    assert len(_read(baseline_run / "dispatch" / "route_unserved.csv")) == \
        sum(d["unserved_by_reason"].values())
    html = (baseline_run / "dialysis" / "public_summary.html").read_text(encoding="utf-8")
    assert not re.search(r"\bR\d{3}\b", html)  # no ride pseudonym on the public page


def test_no_published_csv_has_seconds_or_long_coordinates(baseline_run: Path) -> None:
    csvs = sorted(baseline_run.rglob("*.csv"))
    assert len(csvs) > 15
    for path in csvs:
        df = _read(path)
        rel = path.relative_to(baseline_run).as_posix()
        assert not [c for c in df.columns if c.endswith("_s")], rel  # clock times are HH:MM
        for c in df.columns:
            if re.search(r"^(lon|lat)(_.+)?$|_(lon|lat)$", c):
                assert not df[c].str.fullmatch(r"-?\d+\.\d{7,}").any(), (rel, c)
    cr = _read(baseline_run / "dialysis" / "crossings.csv")
    assert cr["departure"].str.fullmatch(r"\d\d:\d\d").all()


def test_write_csv_rounds_coordinates(tmp_path: Path) -> None:
    df = pd.DataFrame({"site_id": ["HX1"], "lon": [122.29494498439065],
                       "lat": [29.95501123456789], "lon_gcj02": [122.29960012345678],
                       "elderly": [12.3456789]})
    path = write_csv(df, tmp_path / "meals" / "canteens.csv")
    text = path.read_text(encoding="utf-8-sig")
    assert "122.294945,29.955011,122.2996,12.3456789" in text
    assert round_coordinates(df)["elderly"].iloc[0] == 12.3456789  # only degrees are rounded
