"""Dispatcher route sheets (optimizer.outputs.sheets) for the toy dialysis day.

The plan is the two-island toy of tests/test_dialysis_service.py (tests/data/dialysis, Wednesday
2025-06-04): P1 (TA) rides with VA2; P2 (TB) crosses on B_0630 (at pier PB by 06:15) and back on
A_1210 (landing 12:30), carried by VB1 on TB and VA2 on TA; P3 (wheelchair, TB) and P5 (island TC,
no pier) are unserved. Goldens in tests/data/sheets/ (CSV byte for byte, the HTML's visible text);
``UPDATE_GOLDENS=1 pytest tests/test_sheets.py`` rewrites them (review the diff before keeping it).
The browser checks follow tests/test_browser.py: skipped only when Chromium or playwright is
missing and CI is unset.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import importlib.util
import os
import re
import struct
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook

from optimizer.errors import InputError, PrivacyError
from optimizer.io.gtfs import read_gtfs
from optimizer.network.build import APPROXIMATE_ROADS_NOTE, Network
from optimizer.network.ferries import add_ferries, timetable_for_date
from optimizer.network.islands import load_islands
from optimizer.network.land_proxy import build_land_proxy
from optimizer.outputs.browser import find_chromium
from optimizer.outputs.maps import personal_columns
from optimizer.outputs.sheets import (
    KPI_LABELS,
    ROW_COLUMNS,
    STRINGS,
    _safe_name,
    _sheet_title,
    label,
    public_summary_tables,
    route_sheet_rows,
    summary_tables,
    write_public_summary,
    write_route_sheets,
)
from optimizer.results import Note, NoteKind
from optimizer.services.dialysis import load_dialysis_inputs, plan_dialysis_day
from optimizer.solvers.params import SolverParams

D = Path(__file__).parent / "data" / "dialysis"
GOLD = Path(__file__).parent / "data" / "sheets"
WED = dt.date(2025, 6, 4)
UPDATE = os.environ.get("UPDATE_GOLDENS") == "1"
_NO_BROWSER = find_chromium() is None or importlib.util.find_spec("playwright") is None
needs_browser = pytest.mark.skipif(
    _NO_BROWSER and not os.environ.get("CI"),
    reason="Debian chromium or the playwright package is missing (required when CI is set)")
CJK = re.compile(r"[\u4e00-\u9fff]")


# ------------------------------------------------------------------------------------ fixtures
@pytest.fixture(scope="module")
def inputs():
    return load_dialysis_inputs(D / "patients.csv", D / "units.csv", D / "vehicles.csv",
                                islands=load_islands(D / "islands.geojson"))


@pytest.fixture(scope="module")
def network():
    """The two-island toy network of Wednesday 2025-06-04."""
    islands = load_islands(D / "islands.geojson")
    feed = read_gtfs(D / "gtfs")
    G = add_ferries(build_land_proxy(islands, spacing_m=500, bridges=(), select=False,
                                     correct_lattice_detour=False, circuity=1.2, name="toy"),
                    feed, islands=islands)
    return Network(G=G, islands=islands, feed=feed, timetable=timetable_for_date(feed, WED),
                   date=WED, notes=(APPROXIMATE_ROADS_NOTE,))


def _plan(inputs, network):
    return plan_dialysis_day(inputs, WED, network=network,
                             solver=SolverParams(time_limit_s=5, workers=1),
                             solve_options={"deterministic": True, "solution_limit": 200,
                                            "lns_iterations": 1000})


@pytest.fixture(scope="module")
def plan(inputs, network):
    """The toy plan of Wednesday 2025-06-04 (deterministic search, as in the service tests)."""
    return _plan(inputs, network)


@pytest.fixture(scope="module")
def written(plan, inputs, tmp_path_factory):
    out = tmp_path_factory.mktemp("sheets")
    files = write_route_sheets(plan, out / "dispatch", inputs=inputs, synthetic=True)
    pub = write_public_summary(plan, out / "public", synthetic=True, inputs=inputs)
    return {p.name: p for p in [*files, *pub]}


class _Text(HTMLParser):
    """Visible text of an HTML page: one line per block, table cells joined by ' | '."""

    BLOCK = frozenset({"p", "h1", "h2", "li", "div", "section", "tr", "title", "ul", "table", "thead",
             "tbody"})

    def __init__(self) -> None:
        super().__init__()
        self.lines: list[list[str]] = [[]]
        self.skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("style", "script"):
            self.skip += 1
        elif tag in self.BLOCK:
            self.lines.append([])
        elif tag in ("td", "th") and "".join(self.lines[-1]).strip():
            self.lines[-1].append(" | ")

    def handle_endtag(self, tag):
        if tag in ("style", "script"):
            self.skip -= 1
        elif tag in self.BLOCK:
            self.lines.append([])

    def handle_data(self, data):
        if not self.skip:
            self.lines[-1].append(data)


def visible_text(path: Path) -> str:
    p = _Text()
    p.feed(path.read_text(encoding="utf-8"))
    lines = [re.sub(r"\s+", " ", "".join(x)).strip() for x in p.lines]
    return "\n".join(x for x in lines if x) + "\n"


def _golden(name: str, data: bytes) -> None:
    path = GOLD / name
    if UPDATE:
        GOLD.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    assert path.exists(), f"missing golden {path}; run with UPDATE_GOLDENS=1"
    assert data.decode("utf-8") == path.read_bytes().decode("utf-8"), f"{name} != golden"


# ------------------------------------------------------------------------------------ goldens
@pytest.mark.parametrize("name", ["route_stops.csv", "route_summary.csv", "route_unserved.csv",
                                  "public_summary.csv", "public_unserved.csv",
                                  "public_crossings.csv"])
def test_csv_goldens(written, name):
    raw = written[name].read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf"), "CSV must start with a UTF-8 BOM for Excel"
    assert b"\r" not in raw
    _golden(name, raw)


@pytest.mark.parametrize("name", ["route_sheets.html", "public_summary.html"])
def test_html_visible_text_golden(written, name):
    _golden(name.replace(".html", ".txt"), visible_text(written[name]).encode("utf-8"))


def test_files_written(written):
    assert {"route_sheets.html", "route_summary.html", "route_VA2.html", "route_VB1.html",
            "route_sheets.xlsx", "route_stops.csv", "route_summary.csv",
            "route_unserved.csv"} <= set(written)
    assert "route_VA1.html" not in written  # VA1 has no route today (listed in the summary)


# ------------------------------------------------------------------------------------ content
def test_ferry_rows_hand_checked(plan):
    rows = route_sheet_rows(plan)
    vb1 = rows[rows["vehicle_id"] == "VB1"].reset_index(drop=True)
    assert list(vb1["action"]) == ["start", "pickup", "dropoff", "board_ferry", "pickup",
                                   "dropoff", "end"]
    assert list(vb1["row"]) == list(range(1, 8))
    drop = vb1.iloc[2]
    # B_0630 leaves PB 06:30; foot passengers must be at the pier 15 min before: 06:15
    assert (drop["place"], drop["ferry_trip_id"], drop["at_pier_by"]) == ("乙岛码头", "B_0630",
                                                                         "06:15")
    assert drop["time"] <= "06:15" and drop["patient_name"] == "测试2"
    board = vb1.iloc[3]
    assert (board["time"], board["action_label"], board["ferry_to"], board["ferry_arrival"]) == (
        "06:30", "乘船 Board ferry", "甲岛码头", "06:50")
    meet = vb1.iloc[4]  # return: A_1210 lands at PB 12:30
    assert (meet["ferry_trip_id"], meet["ferry_arrival"]) == ("A_1210", "12:30")
    assert meet["time"] >= "12:30" and meet["ferry_estimated"] == "no"
    # every served stop is on a sheet, once; one board row per crossing
    stops = plan.stops[plan.stops["action"].isin(["pickup", "dropoff"])]
    got = rows[rows["action"].isin(["pickup", "dropoff"])]
    assert sorted(zip(got["leg_id"], got["action"])) == sorted(zip(stops["leg_id"],
                                                                   stops["action"]))
    assert (rows["action"] == "board_ferry").sum() == len(plan.crossings) == 2
    assert list(rows.columns) == list(ROW_COLUMNS)


def test_end_row_shows_arrival_at_base(plan):
    """The solver may leave the end stop's start at the latest the shift allows (18:29 here);
    the sheet shows when the vehicle is back (its arrival)."""
    st = plan.stops.copy()
    last = st.index[(st["vehicle_id"] == "VB1") & (st["action"] == "end")][0]
    st.loc[last, "start_s"] = st.loc[last, "departure_s"] = 18 * 3600 + 29 * 60
    st.loc[last, "arrival_s"] = 12 * 3600 + 41 * 60 + 10
    late = dataclasses.replace(plan, stops=st)
    rows = route_sheet_rows(late)
    assert rows.loc[(rows["vehicle_id"] == "VB1") & (rows["action"] == "end"), "time"].item() \
        == "12:41"
    assert summary_tables(late)["vehicles"].set_index("vehicle_id").loc["VB1", "end"] == "12:41"


def test_unit_notes_and_load(plan):
    rows = route_sheet_rows(plan, languages=("en",))
    at_unit = rows[(rows["place_type"] == "unit") & (rows["action"] == "dropoff")]
    assert set(at_unit["notes"]) == {"session starts 07:30"}
    assert set(at_unit["place"]) == {"甲岛透析室"}  # no inputs: the unit's name as in the plan
    assert (rows["seats_on_board"] >= 0).all()


def test_estimated_sailing_is_flagged(plan, inputs, tmp_path):
    est = tuple(dataclasses.replace(c, sailing=dataclasses.replace(c.sailing, is_estimate=True))
                for c in plan.crossings)
    p2 = dataclasses.replace(plan, crossings=est)
    rows = route_sheet_rows(p2)
    assert set(rows.loc[rows["ferry_trip_id"] != "", "ferry_estimated"]) == {"yes"}
    files = write_route_sheets(p2, tmp_path, formats=("html",), inputs=inputs)
    text = visible_text(files[0])
    # per crossing: the drop-off at the boarding pier, the board row, the pickup at landing
    assert text.count("[估计 estimated]") == 3 * len(est) == 6
    assert label("estimated_sailings") in text


def test_summary_tables(plan, inputs):
    s = summary_tables(plan, inputs=inputs)
    k = dict(zip(s["kpis"]["key"], s["kpis"]["value"]))
    assert (k["vehicles_used"], k["trips_served"], k["trips_unserved"], k["ferry_crossings"]) \
        == ("2", "4", "4", "2")
    # minutes a person reads are whole minutes
    assert k["total_driving_time_min"] == f"{round(plan.kpis['total_driving_time_min']):d}"
    assert k["max_trip_duration_min"] == f"{round(plan.kpis['max_trip_duration_min']):d}"
    assert list(s["kpis"]["key"])[:6] == list(KPI_LABELS)[:6]
    v = s["vehicles"].set_index("vehicle_id")
    assert list(v.index) == ["VA2", "VB1", "VA1"] and v.loc["VA1", "used"] == "no"
    assert v.loc["VA1", "driver"] == "司机1"  # from inputs, though unused
    assert (v.loc["VB1", "stops"], v.loc["VB1", "patients"]) == (4, 1)
    u = s["unserved"]
    assert list(zip(u["trip_id"], u["code"])) == [(x.trip_id, x.code) for x in plan.unserved]
    assert set(u["patient_name"]) == {"测试3", "测试5"}  # names for the dispatcher to call


def test_unserved_csv_equals_plan(plan, written):
    df = pd.read_csv(written["route_unserved.csv"], encoding="utf-8-sig", dtype=str)
    assert list(df["trip_id"]) == [u.trip_id for u in plan.unserved]
    assert list(df["reason"]) == [f"{u.text_zh} {u.text_en}" for u in plan.unserved]


# ------------------------------------------------------------------------------------ XLSX
def test_xlsx_read_back(plan, written):
    wb = load_workbook(written["route_sheets.xlsx"])
    assert wb.sheetnames == ["汇总 Summary", "VA2", "VB1"]
    ws = wb["VB1"]
    header = [c.value for c in ws[6]]
    assert header == [label(k) for k in ("col_no", "col_time", "col_action", "col_patient",
                                         "col_phone", "col_place", "col_notes", "col_ferry",
                                         "col_load")]
    assert ws.freeze_panes == "A7"
    assert ws["A2"].value == "内部资料 含个人信息 Internal: contains personal data"
    body = [[c.value for c in r] for r in ws.iter_rows(min_row=7, max_row=13)]
    board = body[3]
    assert board[1:4] == ["06:30", "乘船 Board ferry", "测试2"]
    assert "乙岛码头 → 甲岛码头 (航线 route 甲乙航线)" in board[7] and "06:50" in board[7]
    assert not any("B_0630" in str(v) or "A_1210" in str(v) for r in body for v in r)
    assert body[2][1:4] == ["06:15", "下车 Drop off", "测试2"] and "06:15" in body[2][7]
    assert ws.column_dimensions["H"].width > ws.column_dimensions["A"].width
    cells = [c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    assert any(v.startswith("司机签名 Driver signature") for v in cells)
    assert any(str(APPROXIMATE_ROADS_NOTE) == v for v in cells)
    sm = wb["汇总 Summary"]
    figures = {r[0].value: r[1].value for r in sm.iter_rows(min_row=6, max_row=20)}
    assert figures["使用车辆 Vehicles used"] == "2"
    assert figures["未安排行程 Trips unserved"] == "4"
    assert figures["渡轮过海人次 Ferry crossings"] == "2"
    trips = [c.value for c in sm["A"] if isinstance(c.value, str) and c.value[:2] in ("P3", "P5")]
    assert trips == [u.trip_id for u in plan.unserved]


# ------------------------------------------------------------------------------------ languages
def test_every_string_has_both_languages():
    for key, (zh, en) in STRINGS.items():
        assert zh and en and CJK.search(zh), key
        assert not CJK.search(en), key


@pytest.mark.parametrize("langs", [("zh",), ("en",)])
def test_single_language(plan, tmp_path, langs):
    files = write_route_sheets(plan, tmp_path, languages=langs, formats=("xlsx", "csv"))
    ws = load_workbook(files[0])["VB1"]
    header = [c.value for c in ws[6]]
    if langs == ("zh",):
        assert header[:3] == ["序号", "时间", "动作"] and ws["C8"].value == "上车"
        assert load_workbook(files[0]).sheetnames[0] == "汇总"
    else:
        assert header[:3] == ["No.", "Time", "Action"] and ws["C8"].value == "Pick up"
        assert not any(CJK.search(str(h)) for h in header)
    rows = pd.read_csv(files[1], encoding="utf-8-sig", dtype=str)
    assert set(rows["action_label"]) == {label(a, langs) for a in
                                         ("start", "pickup", "dropoff", "board_ferry", "end")}


def test_label_and_bad_languages():
    assert label("pickup") == "上车 Pick up"
    assert label("pickup", ("en", "zh")) == "Pick up 上车"
    for bad in [(), ("fr",), ("zh", "zh")]:
        with pytest.raises(InputError) as ei:
            label("pickup", bad)
        assert ei.value.field == "languages"


def test_bad_formats_and_missing_column(plan, tmp_path):
    with pytest.raises(InputError) as ei:
        write_route_sheets(plan, tmp_path, formats=("pdf",))
    assert ei.value.field == "formats"
    broken = dataclasses.replace(plan, stops=plan.stops.drop(columns=["phone"]))
    with pytest.raises(InputError) as ei:
        write_route_sheets(broken, tmp_path)
    assert ei.value.field == "phone"


def test_plan_without_routes(plan, tmp_path):
    empty = dataclasses.replace(plan, stops=plan.stops.iloc[0:0], result=None, crossings=())
    files = write_route_sheets(empty, tmp_path)
    assert [p.name for p in files if p.name.startswith("route_V")] == []
    wb = load_workbook(tmp_path / "route_sheets.xlsx")
    assert wb.sheetnames == ["汇总 Summary"]
    v = summary_tables(empty)["vehicles"]
    assert set(v["used"]) == {"no"} and len(v) == 3  # every vehicle listed, none dropped


def test_names_are_safe():
    used: set[str] = set()
    assert _sheet_title("a/b:c*?[x]", used) == "a_b_c___x_"
    assert _sheet_title("A/B:C*?[X]", used) == "A_B_C___X_~2"  # Excel names are case-blind
    assert len(_sheet_title("v" * 40, used)) == 31
    assert _safe_name("车 1/../x") == "车_1_.._x"


# ------------------------------------------------------------------------------------ privacy
def test_internal_mark_on_every_page(written):
    for name in ("route_sheets.html", "route_VA2.html", "route_summary.html"):
        html = written[name].read_text(encoding="utf-8")
        n_pages = html.count('<section class="page')
        assert n_pages >= 1
        assert html.count('<div class="mark">内部资料 含个人信息 Internal: contains personal data'
                          ) == n_pages


def test_public_summary_has_no_personal_data(plan, inputs, written):
    secrets = {p.name for p in inputs.patients} | {p.phone for p in inputs.patients} \
        | {v.driver for v in inputs.vehicles} | {v.phone for v in inputs.vehicles}
    pids = {p.patient_id for p in inputs.patients}
    for name in ("public_summary.html", "public_summary.csv", "public_unserved.csv",
                 "public_crossings.csv"):
        text = written[name].read_text(encoding="utf-8-sig")
        assert not [s for s in secrets if s in text], name
        assert not re.search(r"\bP[1-5]\b|\bP[1-5]-(out|ret)", text), name
        assert "内部资料" not in text
    assert pids and "公开资料 已去除个人信息" in written["public_summary.html"].read_text("utf-8")
    tabs = public_summary_tables(plan)
    for df in tabs.values():
        assert personal_columns(df.columns) == []
    assert tabs["unserved"]["rides"].sum() == len(plan.unserved)  # counts, no ride listed
    assert not {"ride", "trip", "detail"} & set(tabs["unserved"].columns)
    assert dict(zip(tabs["by_reason"]["code"], tabs["by_reason"]["trips"])) == {
        "NO_WHEELCHAIR_PLACE": 2, "UNREACHABLE_ISLAND": 2}


def test_public_summary_refuses_leaked_values(plan, inputs, tmp_path, monkeypatch):
    """Defence in depth: a name that slipped into a published table (say an unscrubbed text)
    stops the writer before anything is written."""
    real = type(plan).unserved_counts

    def leaky(self):
        return real(self).assign(island_name="call 测试3 at 100-0000-0003")

    monkeypatch.setattr(type(plan), "unserved_counts", leaky)
    with pytest.raises(PrivacyError) as ei:
        write_public_summary(plan, tmp_path, inputs=inputs)
    assert "测试3" in str(ei.value) or "100-0000-0003" in str(ei.value)
    assert not (tmp_path / "public_summary.html").exists()


def test_public_summary_withholds_notes_naming_patients(plan, inputs, tmp_path):
    moved = Note(NoteKind.DATA_WARNING, "", "P3: home moved 40 m onto the shore")
    noted = dataclasses.replace(plan, notes=(*plan.notes, moved))
    files = write_public_summary(noted, tmp_path, inputs=inputs)
    text = visible_text(files[0])
    assert "P3" not in text and str(APPROXIMATE_ROADS_NOTE) in text
    assert label("notes_withheld", n=1) in text
    # the dispatcher sheets keep it
    files = write_route_sheets(noted, tmp_path / "d", formats=("html",))
    assert "P3: home moved 40 m onto the shore" in visible_text(files[0])


# ------------------------------------------------------------------------------------ browser
def _png_size(path: Path) -> tuple[int, int]:
    head = path.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    return struct.unpack(">II", head[16:24])


@needs_browser
def test_combined_html_in_chromium(written, tmp_path):
    from optimizer.outputs.browser import check_page

    shot = tmp_path / "route_sheets.png"
    rep = check_page(written["route_sheets.html"], screenshot=shot, viewport=(900, 1300))
    assert rep.ok, rep.summary()
    assert rep.js_errors == () and rep.blocked_requests == ()
    assert rep.title == "透析接送路单 Dialysis ride route sheets · 2025-06-04"
    assert _png_size(shot) == (900, 1300)


@needs_browser
def test_print_gives_one_a4_page_per_sheet(written, tmp_path):
    """Printed to PDF (A4 from the page's CSS): the summary and each vehicle on its own page."""
    from playwright.sync_api import sync_playwright

    from optimizer.outputs.browser import CHROMIUM_FLAGS

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=find_chromium(),
                                     args=[f for f in CHROMIUM_FLAGS if f != "--headless"])
        try:
            page = browser.new_page()
            page.goto(written["route_sheets.html"].as_uri())
            pdf = page.pdf(prefer_css_page_size=True)
        finally:
            browser.close()
    pages = re.findall(rb"/Type\s*/Page[^s]", pdf)
    assert len(pages) == 3  # summary, VA2, VB1
    box = re.search(rb"/MediaBox\s*\[\s*0\s+0\s+([\d.]+)\s+([\d.]+)\s*\]", pdf)
    assert box and abs(float(box.group(1)) - 595.3) < 1 and abs(float(box.group(2)) - 841.9) < 1


@needs_browser
def test_public_summary_fits_the_printed_page(plan, inputs, tmp_path, monkeypatch):
    """An unserved count with a long reason (and a long unbroken token) wraps inside the A4 page:
    printed (A4 portrait, the page's CSS), no element of the summary is wider than the page."""
    from playwright.sync_api import sync_playwright

    import optimizer.outputs.sheets as sheets_module
    from optimizer.outputs.browser import CHROMIUM_FLAGS

    long = ("can be served alone, but not together with the other rides within "
            "the solve limits (capacity or time conflicts) " + "X" * 160)
    real = sheets_module._unserved_counts
    monkeypatch.setattr(sheets_module, "_unserved_counts",
                        lambda counts, langs: real(counts, langs).assign(reason=long))
    assert len(plan.unserved)
    write_public_summary(plan, tmp_path, inputs=inputs)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=find_chromium(),
                                     args=[f for f in CHROMIUM_FLAGS if f != "--headless"])
        try:
            page = browser.new_page()
            errors: list[str] = []
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto((tmp_path / "public_summary.html").as_uri())
            page.emulate_media(media="print")
            page.set_viewport_size({"width": 718, "height": 1000})  # A4 minus margins, 96 dpi
            widths = page.evaluate(
                "() => [document.documentElement.clientWidth,"
                " Math.max(...[...document.querySelectorAll('section.page *')]"
                ".map(e => e.getBoundingClientRect().right))]")
            detail = page.evaluate("() => document.querySelector("
                                   "'table.unserved td:nth-last-child(2)').textContent")
        finally:
            browser.close()
    assert errors == []
    assert long in detail
    page_width, rightmost = widths
    assert rightmost <= page_width + 0.5, widths


# ------------------------------------------------------------------------------------ driver-usable
BAD = Path(__file__).parent / "data" / "bad" / "sheets"


@pytest.fixture(scope="module")
def addressed(network, tmp_path_factory):
    """The toy day with tests/data/bad/sheets/patients_address.csv (P1 has an address, P2 an
    empty cell), its plan and the sheets written from it."""
    inp = load_dialysis_inputs(BAD / "patients_address.csv", D / "units.csv", D / "vehicles.csv",
                               islands=load_islands(D / "islands.geojson"))
    plan = _plan(inp, network)
    out = tmp_path_factory.mktemp("addressed")
    files = write_route_sheets(plan, out, inputs=inp)
    write_public_summary(plan, out / "public", inputs=inp)
    return inp, plan, {p.name: p for p in files}, out


def test_address_column_read(addressed):
    inp = addressed[0]
    assert {p.patient_id: p.address for p in inp.patients} == {
        "P1": "甲岛镇渔港路12号", "P2": "", "P3": "乙岛 东沙村 3 号", "P4": "", "P5": ""}


def test_home_stops_show_the_address(addressed):
    _, plan, files, _ = addressed
    rows = route_sheet_rows(plan, languages=("zh", "en"))
    home = rows[rows["place_type"] == "home"]
    p1 = set(home.loc[home["patient_id"] == "P1", "place"])
    assert p1 == {"家 Home · 甲岛镇渔港路12号"}  # no village code, no raw coordinates
    p2 = set(home.loc[home["patient_id"] == "P2", "place"])
    assert p2 == {"家 Home · 村 village VTB (29.92707, 122.16079) · GCJ-02 (29.92475, 122.16505)"}
    text = visible_text(files["route_VA2.html"])
    assert text.count("甲岛镇渔港路12号") == 2  # pickup and drop-off of P1
    assert "VTA (29.92659" not in text


def test_address_never_published(addressed):
    _, plan, _, out = addressed
    assert "address" not in plan.public_frames()["stops"].columns
    for f in (out / "public").iterdir():
        assert "渔港路" not in f.read_text(encoding="utf-8-sig"), f.name


def test_no_raw_gtfs_ids_in_text_a_person_reads(addressed):
    """Trip and route ids stay in their machine columns; the sheet names piers and routes."""
    _, plan, files, _ = addressed
    gtfs_ids = {c.sailing.trip_id for c in plan.crossings} | {c.sailing.route_id
                                                             for c in plan.crossings}
    assert gtfs_ids == {"B_0630", "A_1210", "R_AB"}
    rows = route_sheet_rows(plan)
    for col in ("place", "notes", "action_label"):
        assert not any(i in v for v in rows[col] for i in gtfs_ids), col
    for name in ("route_sheets.html", "route_VA2.html", "route_VB1.html"):
        text = visible_text(files[name])
        assert not any(i in text for i in gtfs_ids), name
        assert "乙岛码头 → 甲岛码头 (航线 route 甲乙航线)" in text or name == "route_VA2.html"
    wb = load_workbook(files["route_sheets.xlsx"])
    cells = [str(c.value) for ws in wb for row in ws.iter_rows() for c in row if c.value]
    assert not any(i in v for v in cells for i in gtfs_ids)
    assert any("甲岛码头 → 乙岛码头 (航线 route 甲乙航线)" in v for v in cells)
    # the machine columns keep them
    assert set(rows.loc[rows["ferry_trip_id"] != "", "ferry_trip_id"]) == {"B_0630", "A_1210"}


def test_rows_in_time_order_with_ferry_rows(addressed):
    """Every vehicle's rows run in time order, board rows included (VA2's 12:10 boarding comes
    after its 11:49 return to base), numbered 1..n."""
    rows = route_sheet_rows(addressed[1])
    for vid, grp in rows.groupby("vehicle_id"):
        assert list(grp["time"]) == sorted(grp["time"]), vid
        assert list(grp["row"]) == list(range(1, len(grp) + 1))
    va2 = rows[rows["vehicle_id"] == "VA2"]
    assert list(va2["action"])[-2:] == ["end", "board_ferry"]
    assert list(va2["time"])[-2:] == ["11:49", "12:10"]


def test_totals_as_durations(addressed):
    _, plan, files, _ = addressed
    v = summary_tables(plan)["vehicles"].set_index("vehicle_id")
    rt = {r.vehicle_id: r for r in plan.result.routes}
    for vid in ("VA2", "VB1"):
        total = round(rt[vid].duration_s / 60.0)
        h, m = divmod(total, 60)
        assert v.loc[vid, "route_time"] == f"{h}小时{m}分 {h} h {m} min"
        assert f"{h} h {m} min" in visible_text(files[f"route_{vid}.html"])
    text = visible_text(files["route_sheets.html"])
    assert not re.search(r"\d+\.\d+ (分钟 )?min", text)  # no raw minutes with decimals
    wb = load_workbook(files["route_sheets.xlsx"])
    totals = [c.value for c in wb["VB1"]["A"] if str(c.value or "").startswith("合计")]
    assert len(totals) == 1 and re.search(r"\d+ h \d+ min", totals[0])
    assert not re.search(r"\d+\.\d+", totals[0])


@pytest.mark.parametrize(("minutes", "text"), [(0.0, "0 min"), (44.6, "45 min"), (59.6, "1 h"),
                                               (134.6, "2 h 15 min"), (183.2, "3 h 3 min"),
                                               (float("nan"), "")])
def test_duration_text(minutes, text):
    from optimizer.outputs.sheets import duration_text

    assert duration_text(minutes, ("en",)) == text


def test_ride_time_kpis_per_leg_and_door_to_door(plan):
    """The per-leg ride time (what the 120 min limit holds) is reported apart from the
    door-to-door trip time (ferry and waits included), each with its own label."""
    legs = plan.stops[plan.stops["leg_id"].notna()]
    rides = [(g.loc[g["action"] == "dropoff", "start_s"].max()
              - g.loc[g["action"] == "pickup", "departure_s"].min()) / 60.0
             for _, g in legs.groupby("leg_id")]
    assert plan.kpis["max_leg_ride_time_min"] == pytest.approx(max(rides))
    assert plan.kpis["max_ride_time_limit_min"] == 120.0
    assert plan.kpis["max_trip_duration_min"] > plan.kpis["max_leg_ride_time_min"]
    s = summary_tables(plan, languages=("en",))["kpis"].set_index("key")
    assert s.loc["max_trip_duration_min", "label"].startswith("Longest door-to-door trip")
    assert s.loc["max_leg_ride_time_min", "label"] == "Longest ride in a vehicle (one leg)"
    assert s.loc["max_ride_time_limit_min", "text"] == "2 h"


def test_published_stops_are_counts(plan):
    """dialysis/stops.csv is written from published_tables(): counts only; the toy day's few
    stops per place fall under 3 and are merged into one row holding all of them."""
    from optimizer.services.dialysis.tables import STOP_COUNT_COLUMNS, SUPPRESSED_PLACE

    pub = plan.published_tables()
    st = pub["stops"]
    assert list(st.columns) == STOP_COUNT_COLUMNS
    n = int(plan.stops["action"].isin(["pickup", "dropoff"]).sum())
    assert int(st["stops"].sum()) == n == 12
    assert (st["stops"] >= 3).all()
    assert SUPPRESSED_PLACE in set(st["place"])
    assert set(pub) == set(plan.public_frames())
    assert "home_island_id" in pub["trips"].columns
    assert set(pub["trips"]["home_island_id"]) <= {"TA", "TB"}


def test_home_without_address_named_by_village(addressed):
    """Homes without an address show the village's name when the village points carry one."""
    inp, plan, _, _ = addressed
    named = dataclasses.replace(inp, village_points=pd.DataFrame(
        {"lon": [122.1], "lat": [29.9], "name_zh": ["乙村"]},
        index=pd.Index(["VTB"], name="village_code")))
    rows = route_sheet_rows(plan, inputs=named)
    home = rows[(rows["place_type"] == "home") & (rows["patient_id"] == "P2")]
    assert set(home["place"]) == {"家 Home · 乙村 (29.92707, 122.16079) · GCJ-02 (29.92475, "
                                  "122.16505)"}
    assert set(home["village_code"]) == {"VTB"}  # the code stays in its own column
