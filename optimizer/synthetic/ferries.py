"""Estimated return sailings, car-ferry flags and the 蜈蚣峙–普陀山 shuttle for the Putuo GTFS feed.

No source gives return times for the Putuo ferries (``data/geo/putuo/SOURCES.md``), only 45
outbound sailings from 沈家门墩头/半升洞. A network with one-way ferries strands everybody on the
islands, so this module writes a complete feed to ``data/geo/putuo/ferries/gtfs/`` from the
verbatim sourced copy in ``data/geo/putuo/ferries/gtfs/sourced/``, adding:

1. **One estimated return per sourced outbound trip** (rule :func:`return_departure_s`): the
   vessel turns around at the island after :data:`TURNAROUND_MIN` (20 min for 快艇 fast boats,
   30 min otherwise) and sails back with the same crossing time. If that return would arrive after
   :data:`LATEST_RETURN_ARRIVAL` (20:00), the vessel stays overnight at the island and sails back at
   :data:`OVERNIGHT_RETURN_DEPARTURE` (06:30) — the early "islanders to town" sailing typical of
   island ferries; several overnight returns of one route leave 30 min apart in order of arrival.
   Return trips have ``trip_id = <outbound>_RET``, ``direction_id = 1``, ``is_estimate = 1``,
   ``timepoint = 0`` and ``estimate_method`` stating the rule.
2. **The 朱家尖蜈蚣峙 ↔ 普陀山 shuttle** (route ``R_WGZ_PTS``): sourced crossing 15–20 min
   (``ferry_links.csv``), no timetable in any source. Estimated: every 30 min from 06:30 to 17:30
   in both directions, 20 min crossing (the upper end of the sourced range); all ``is_estimate=1``.
3. **``cars_allowed``** on every trip (values as GTFS ``bikes_allowed``: 1 = vehicles may board,
   2 = passengers only; ``cars_allowed`` is a proposed GTFS field, not yet in the reference) and
   ``cars_allowed_basis`` stating why. Sourced: 快艇 sailings are passenger-only. **Assumed**: the
   conventional sailings to 桃花, 蚂蚁, 六横 (台门, 蛟头/大岙), 虾峙 and 登步 are car ferries (车客渡);
   佛渡, 嵊山, 东极 and 普陀山 sailings are passenger-only (no source says either way; passenger-only
   is the conservative choice for routing vehicles).
4. Columns ``is_estimate`` (0 for the 45 sourced trips and the sourced 东极 return) and
   ``estimate_method`` on every trip; ``duration_is_estimate`` is kept (0 where a crossing time is
   sourced).
5. **Sourced corrections** (``data/geo/putuo/ferries/putuo_ferry_facts.csv``, a copy of the shared
   ``sourced/`` facts): stop names and positions from ``ports.csv`` (sourced 桃花茅草屋 and 虾峙栅棚
   piers), crossing times :data:`SOURCED_CROSSING_MIN` (桃花 fast boat 25 min, 东极 130 min), the
   东极 return at 11:00 (:data:`SOURCED_RETURN_DEPARTURE`); the other estimated crossings are
   recomputed from the port positions by the sourced feed's own rule
   (:func:`estimated_crossing_min`).
6. **A nominal calendar** :data:`NOMINAL_START_DATE`..:data:`NOMINAL_END_DATE`, labelled in
   ``feed_info.txt`` (``feed_start_date``/``feed_end_date``, ``calendar_basis = nominal``,
   ``source_published``).

The rule is deterministic (no random numbers); :func:`generate` rewrites the same files every time.

Examples
--------
>>> from optimizer.datasets import get_path
>>> trips = generate(out_dir=get_path("putuo/ferries/gtfs"))  # doctest: +SKIP
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from optimizer.datasets import get_path
from optimizer.errors import InputError
from optimizer.units import hhmm

TURNAROUND_MIN = {"fast_boat": 20, "conventional": 30, "unspecified": 30}
"""Minutes a vessel spends at the island pier before its estimated return (by ``vessel_type``).

Assumption (no source): unloading and loading a small passenger boat ~20 min, a car ferry ~30 min.
"""

LATEST_RETURN_ARRIVAL = "20:00:00"
"""A return that would arrive later than this (GTFS time) becomes an overnight return.
Assumption."""

OVERNIGHT_RETURN_DEPARTURE = "06:30:00"
"""Departure of an overnight return from the island, next service day (GTFS time). Assumption:
before the first sourced outbound sailing (07:20), as island commuter sailings usually are."""

OVERNIGHT_SPACING_MIN = 30
"""Minutes between several overnight returns of one route (assumption)."""

CAR_FERRY_ROUTES = ("R_DT_TH", "R_DT_MY", "R_DT_LH", "R_DT_JT", "R_DT_XZ", "R_DT_XZ_HS",
                    "R_DT_XZ_ZP", "R_DT_DB")
"""Conventional routes **assumed** to be car ferries (车客渡): 桃花, 蚂蚁, 六横台门, 六横蛟头, 虾峙
(incl. 黄石/栅棚), 登步. Not stated in any source; flagged in ``cars_allowed_basis``."""

PUTUOSHAN_FIRST = "06:30:00"
PUTUOSHAN_LAST = "17:30:00"
PUTUOSHAN_HEADWAY_MIN = 30
PUTUOSHAN_CROSSING_MIN = 20
"""Estimated 蜈蚣峙↔普陀山 service: first/last departure, headway, crossing (min). The crossing is
sourced as 15-20 min (``ferry_links.csv``: ids 61284906599, 56783418883); the upper end is used.
Times and headway are assumptions (no timetable in any source)."""

WGZ, PTS = "P_WUGONGZHI", "P_PUTUOSHAN"

NOMINAL_START_DATE = "20250101"
NOMINAL_END_DATE = "20271231"
"""The feed's nominal calendar (``calendar.txt``, ``feed_info.txt`` ``feed_start_date`` /
``feed_end_date``). **Nominal**: the source timetable is undated (probably 2016-2019) and states
no validity period; these dates only say for which days the project assumes the timetable runs
(every day). Marked ``calendar_basis = nominal`` in ``feed_info.txt``, so every run on the embedded
feed carries a typed note (:class:`optimizer.results.NoteKind` ``NOMINAL_CALENDAR``)."""

SOURCE_PUBLISHED = "undated (probably 2016-2019)"
"""``feed_info.txt`` ``source_published``: when the sourced departure times were published."""

SOURCED_CROSSING_MIN = {
    "R_DT_TH_F": (25, "sourced: 墩头 09:10 -> 桃花茅草屋 09:35 by 快艇 fast boat (travel log 2007-05, "
                      "kllvx.com; ferries/putuo_ferry_facts.csv)"),
    "R_BSD_DJ": (130, "sourced: 半升洞 14:00 -> 庙子湖 16:10 (travel log, m.dongchecha.com/gonglve-4579, "
                      "probably ~2010-2013); other sources: ~150 min whole trip (2020), 120 min "
                      "(older travel guide); ferries/putuo_ferry_facts.csv"),
}
"""Crossing times (minutes) with a source, by route: they replace the feed's estimates (and the
older 120-min 东极 figure) for every trip of the route and its return."""

SOURCED_RETURN_DEPARTURE = {
    "R_BSD_DJ": ("11:00:00", "sourced (approximate): the vessel leaves 庙子湖 again at about 11:00 "
                             "(m.dongchecha.com/gonglve-4579; ferries/putuo_ferry_facts.csv)"),
}
"""Return departures (GTFS time) with a source, by route, replacing the turnaround rule."""

ESTIMATE_SPEED_KPH = {"fast_boat": 35.0, "conventional": 18.0, "unspecified": 18.0}
ESTIMATE_DETOUR = 1.25
ESTIMATE_EXTRA_MIN = 5
"""The crossing-time rule of the sourced feed's estimated durations (``SOURCES.md``, ferries/gtfs):
straight-line port distance (haversine, metres) x 1.25 / speed + 5 min, rounded to 5 min; speeds
35 km/h (快艇) and 18 km/h (other vessels). Assumptions, not sourced. Re-applied here so that an
estimated crossing follows its ports when a port position is corrected in ``ports.csv``."""


def _t(text: str) -> int:
    h, m, s = (int(x) for x in text.split(":"))
    return h * 3600 + m * 60 + s


def _gtfs(sec: int) -> str:
    return f"{sec // 3600:02d}:{sec % 3600 // 60:02d}:{sec % 60:02d}"


def return_departure_s(outbound_arrival_s: int, crossing_s: int, vessel_type: str) -> int | None:
    """Departure (s after midnight) of the estimated same-day return, or ``None`` if overnight.

    Parameters
    ----------
    outbound_arrival_s
        Arrival of the outbound sailing at the island (seconds after midnight of the service day).
    crossing_s
        Crossing time of the return (seconds), equal to the outbound crossing.
    vessel_type
        ``"fast_boat"``, ``"conventional"`` or ``"unspecified"`` (selects :data:`TURNAROUND_MIN`).

    Returns
    -------
    int or None
        ``outbound_arrival_s + turnaround``; ``None`` when the return would arrive after
        :data:`LATEST_RETURN_ARRIVAL` (the vessel then returns at
        :data:`OVERNIGHT_RETURN_DEPARTURE` on the next service day).

    Raises
    ------
    optimizer.errors.InputError
        If ``vessel_type`` is unknown.

    Examples
    --------
    >>> hhmm(return_departure_s(8 * 3600 + 600, 3000, "conventional"))
    '08:40'
    >>> return_departure_s(19 * 3600, 3000, "conventional") is None  # back 19:30 -> 20:20
    True
    """
    if vessel_type not in TURNAROUND_MIN:
        raise InputError(f"vessel_type {vessel_type!r} not one of {list(TURNAROUND_MIN)}",
                         file="trips.txt", field="vessel_type")
    dep = outbound_arrival_s + TURNAROUND_MIN[vessel_type] * 60
    return None if dep + crossing_s > _t(LATEST_RETURN_ARRIVAL) else dep


def _cars(route_id: str, vessel_type: str) -> tuple[str, str]:
    if vessel_type == "fast_boat":
        return "2", "sourced: 快艇 fast passenger boat (passengers only)"
    if route_id in CAR_FERRY_ROUTES:
        return "1", ("ASSUMPTION: conventional sailing to a populated island treated as a car "
                     "ferry (车客渡); not stated in any source")
    return "2", ("ASSUMPTION: passengers only (no source says vehicles are carried; conservative "
                 "for vehicle routing)")


def build_feed_tables(source_dir: Path, ports_csv: Path) -> dict[str, pd.DataFrame]:
    """Build the completed GTFS tables (no files written).

    Parameters
    ----------
    source_dir
        Folder with the verbatim sourced feed (``data/geo/putuo/ferries/gtfs/sourced``).
    ports_csv
        ``data/geo/putuo/ferries/ports.csv`` (positions of 蜈蚣峙 and 普陀山, not in stops.txt).

    Returns
    -------
    dict of str to pandas.DataFrame
        File name (``"trips.txt"`` …) to table, all columns text.

    Raises
    ------
    optimizer.errors.InputError
        If a sourced trip lacks its two stop_times rows or a port is missing from ``ports_csv``.
    """
    tables = {n: pd.read_csv(source_dir / n, dtype=str, keep_default_na=False,
                             encoding="utf-8-sig")
              for n in ("agency.txt", "stops.txt", "routes.txt", "trips.txt", "stop_times.txt",
                        "calendar.txt", "feed_info.txt")}
    stops = _stops_from_ports(tables["stops.txt"], ports_csv)
    names = dict(zip(stops["stop_id"], stops["stop_name"]))
    trips, st_src = _crossings(tables["trips.txt"], tables["stop_times.txt"], stops)
    out_trips, out_st = _sourced_with_returns(trips, st_src, names)
    # 蜈蚣峙 <-> 普陀山 shuttle (estimated timetable, sourced crossing time).
    new_stops = _shuttle_ports(ports_csv)
    stops = pd.concat([stops, pd.DataFrame(new_stops)], ignore_index=True)
    names.update({s["stop_id"]: s["stop_name"] for s in new_stops})
    routes = tables["routes.txt"]
    routes = pd.concat([routes, pd.DataFrame([{
        "route_id": "R_WGZ_PTS", "agency_id": routes["agency_id"].iloc[0],
        "route_short_name": "蜈蚣峙-普陀山", "route_long_name": "朱家尖蜈蚣峙 ↔ 普陀山",
        "route_type": "4",
        "route_desc": "vessel: conventional; crossing 15-20 min sourced; timetable ESTIMATED",
    }])], ignore_index=True)
    shuttle_trips, shuttle_st = _shuttle_trips(tables["calendar.txt"]["service_id"].iloc[0], names)
    out_trips += shuttle_trips
    out_st += shuttle_st
    tables.update({"trips.txt": pd.DataFrame(out_trips), "stop_times.txt": pd.DataFrame(out_st),
                   "stops.txt": stops, "routes.txt": routes,
                   "calendar.txt": _nominal_calendar(tables["calendar.txt"]),
                   "feed_info.txt": _feed_info(tables["feed_info.txt"])})
    return tables


def _nominal_calendar(cal: pd.DataFrame) -> pd.DataFrame:
    """``calendar.txt`` with the nominal dates :data:`NOMINAL_START_DATE`..:data:`NOMINAL_END_DATE`."""
    cal = cal.copy()
    cal["start_date"] = NOMINAL_START_DATE
    cal["end_date"] = NOMINAL_END_DATE
    return cal


def _feed_info(fi: pd.DataFrame) -> pd.DataFrame:
    """``feed_info.txt``: validity dates (GTFS ``feed_start_date``/``feed_end_date``), what was
    added, and the project columns ``calendar_basis`` / ``source_published``."""
    fi = fi.copy()
    fi["feed_start_date"] = NOMINAL_START_DATE
    fi["feed_end_date"] = NOMINAL_END_DATE
    fi["feed_version"] = fi["feed_version"] + (
        "; + estimated return sailings, 蜈蚣峙-普陀山 shuttle and cars_allowed added by "
        "optimizer.synthetic.ferries (see NOTES.md); sourced port positions and crossing times "
        "applied; nominal calendar "
        f"{NOMINAL_START_DATE[:4]}-{NOMINAL_START_DATE[4:6]}-{NOMINAL_START_DATE[6:]} to "
        f"{NOMINAL_END_DATE[:4]}-{NOMINAL_END_DATE[4:6]}-{NOMINAL_END_DATE[6:]}")
    fi["calendar_basis"] = "nominal"
    fi["source_published"] = SOURCE_PUBLISHED
    return fi


def _stops_from_ports(stops: pd.DataFrame, ports_csv: Path) -> pd.DataFrame:
    """The sourced ``stops.txt`` with name, position and ``stop_desc`` taken from ``ports.csv``
    (the curated table: sourced positions replace the estimates there); stops not in it unchanged."""
    ports = pd.read_csv(ports_csv, dtype=str, keep_default_na=False,
                        encoding="utf-8-sig").set_index("stop_id")
    stops = stops.copy()
    for i in stops.index:
        sid = stops.at[i, "stop_id"]
        if sid in ports.index:
            p = ports.loc[sid]
            stops.loc[i, ["stop_name", "stop_lat", "stop_lon", "stop_desc"]] = [
                p["stop_name"], p["stop_lat"], p["stop_lon"], p["coord_quality"]]
    return stops


def estimated_crossing_min(distance_m: float, vessel_type: str) -> int:
    """The feed's crossing-time rule (:data:`ESTIMATE_SPEED_KPH`): minutes, a multiple of 5.

    Examples
    --------
    >>> estimated_crossing_min(10_757, "conventional")  # 墩头 -> 桃花, 10.8 km
    50
    """
    raw = distance_m / 1000 * ESTIMATE_DETOUR / ESTIMATE_SPEED_KPH[vessel_type] * 60
    return int(5 * round((raw + ESTIMATE_EXTRA_MIN) / 5))


def _haversine_m(a: tuple[float, float], b: tuple[float, float]) -> float:
    import math

    (lon1, lat1), (lon2, lat2) = ((math.radians(x), math.radians(y)) for x, y in (a, b))
    h = (math.sin((lat2 - lat1) / 2) ** 2
         + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2)
    return 2 * 6_371_008.8 * math.asin(math.sqrt(h))


def _crossings(trips: pd.DataFrame, st: pd.DataFrame, stops: pd.DataFrame
               ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Sourced trips with crossing times: :data:`SOURCED_CROSSING_MIN` where a source gives one,
    else estimated crossings recomputed by :func:`estimated_crossing_min` from the (possibly
    corrected) port positions; the arrival row of each trip follows."""
    trips, st = trips.copy(), st.copy()
    pos = {r.stop_id: (float(r.stop_lon), float(r.stop_lat)) for r in stops.itertuples()}
    for i in trips.index:
        t = trips.loc[i]
        rows = st.index[st["trip_id"] == t["trip_id"]]
        if len(rows) != 2:
            continue  # reported by _sourced_with_returns
        o, d = rows[0], rows[1]
        if t["route_id"] in SOURCED_CROSSING_MIN:
            minutes, method = SOURCED_CROSSING_MIN[t["route_id"]]
            trips.loc[i, ["duration_is_estimate", "duration_method"]] = ["0", method]
        elif t["duration_is_estimate"] == "1":
            minutes = estimated_crossing_min(
                _haversine_m(pos[st.at[o, "stop_id"]], pos[st.at[d, "stop_id"]]), t["vessel_type"])
        else:
            continue
        arr = _gtfs(_t(st.at[o, "departure_time"]) + minutes * 60)
        trips.loc[i, "duration_min"] = str(minutes)
        st.loc[d, ["arrival_time", "departure_time"]] = [arr, arr]
        if "timepoint" in st.columns:
            st.loc[d, "timepoint"] = "0"  # approximate: a crossing time, not a published arrival
    return trips, st


def _sourced_with_returns(trips: pd.DataFrame, st: pd.DataFrame, names: dict[str, str]
                          ) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    """Every sourced trip (with ``cars_allowed``) followed by its estimated return trip; their
    stop_times rows."""
    out_trips: list[dict[str, str]] = []
    out_st: list[dict[str, str]] = []
    overnight: dict[str, int] = {}
    for _, t in trips.iterrows():
        row = {c: str(t[c]) for c in trips.columns}
        cars, basis = _cars(row["route_id"], row["vessel_type"])
        row.update(cars_allowed=cars, cars_allowed_basis=basis, is_estimate="0",
                   estimate_method="")
        out_trips.append(row)
        rows = st[st["trip_id"] == row["trip_id"]].sort_values(
            "stop_sequence", key=lambda s: s.astype(int))
        if len(rows) != 2:
            raise InputError(f"sourced trip {row['trip_id']!r} has {len(rows)} stop_times rows; "
                             "expected 2 (origin, destination)", file="stop_times.txt",
                             field="trip_id")
        out_st.extend({c: str(r[c]) for c in st.columns} for _, r in rows.iterrows())
        ret_row, ret_st = _return_trip(row, rows.iloc[0], rows.iloc[1], names, overnight)
        out_trips.append(ret_row)
        out_st.extend(ret_st)
    return out_trips, out_st


def _return_trip(row: dict[str, str], o: pd.Series, d: pd.Series, names: dict[str, str],
                 overnight: dict[str, int]) -> tuple[dict[str, str], list[dict[str, str]]]:
    """The estimated return of one sourced trip (``o``/``d``: its origin and destination
    stop_times rows) and its two stop_times rows; ``overnight`` counts the overnight returns
    per route (updated)."""
    crossing = _t(d["arrival_time"]) - _t(o["departure_time"])
    ret = return_departure_s(_t(d["arrival_time"]), crossing, row["vessel_type"])
    turn = TURNAROUND_MIN[row["vessel_type"]]
    sourced = SOURCED_RETURN_DEPARTURE.get(row["route_id"])
    if sourced is not None:
        ret, method = _t(sourced[0]), ""
    elif ret is None:
        k = overnight.get(row["route_id"], 0)
        overnight[row["route_id"]] = k + 1
        ret = _t(OVERNIGHT_RETURN_DEPARTURE) + k * OVERNIGHT_SPACING_MIN * 60
        method = (f"ESTIMATE (no source): overnight return of {row['trip_id']} (a same-day "
                  f"return after a {turn}-min turnaround would arrive after "
                  f"{LATEST_RETURN_ARRIVAL[:5]}); departs {hhmm(ret)} every service day; "
                  "crossing time as outbound")
    else:
        method = (f"ESTIMATE (no source): return of {row['trip_id']} after a {turn}-min "
                  "turnaround at the island; crossing time as outbound")
    rid = f"{row['trip_id']}_RET"
    ret_row = dict(row)
    ret_row.update(trip_id=rid, trip_headsign=names.get(o["stop_id"], o["stop_id"]),
                   direction_id="1", is_estimate="0" if sourced else "1", estimate_method=method,
                   source=sourced[1] if sourced else
                   "estimated by optimizer.synthetic.ferries (no return times in any source)",
                   note=(row["note"] + "; " if row["note"] else "")
                   + "fare assumed as outbound")
    ret_st = [
        {"trip_id": rid, "arrival_time": _gtfs(ret), "departure_time": _gtfs(ret),
         "stop_id": d["stop_id"], "stop_sequence": "1", "timepoint": "0"},
        {"trip_id": rid, "arrival_time": _gtfs(ret + crossing),
         "departure_time": _gtfs(ret + crossing), "stop_id": o["stop_id"],
         "stop_sequence": "2", "timepoint": "0"},
    ]
    return ret_row, ret_st


def _shuttle_ports(ports_csv: Path) -> list[dict[str, str]]:
    """stops.txt rows of 蜈蚣峙 and 普陀山 from the ports table."""
    ports = pd.read_csv(ports_csv, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    new_stops = []
    for sid in (WGZ, PTS):
        hit = ports[ports["stop_id"] == sid]
        if hit.empty:
            raise InputError(f"port {sid} not found", file=str(ports_csv), field="stop_id")
        p = hit.iloc[0]
        new_stops.append({"stop_id": sid, "stop_name": p["stop_name"], "stop_lat": p["stop_lat"],
                          "stop_lon": p["stop_lon"], "location_type": "0",
                          "stop_desc": p["coord_quality"]})
    return new_stops


def _shuttle_trips(service: str, names: dict[str, str]
                   ) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    """The estimated 蜈蚣峙 ↔ 普陀山 shuttle: trips and stop_times rows, both directions."""
    out_trips: list[dict[str, str]] = []
    out_st: list[dict[str, str]] = []
    t0 = _t(PUTUOSHAN_FIRST)
    deps = range(t0, _t(PUTUOSHAN_LAST) + 1, PUTUOSHAN_HEADWAY_MIN * 60)
    cross = PUTUOSHAN_CROSSING_MIN * 60
    for direction, (a, b) in enumerate(((WGZ, PTS), (PTS, WGZ))):
        for dep in deps:
            clock = hhmm(dep, gtfs=True).replace(":", "")
            tid = f"R_WGZ_PTS_{'I' if direction == 0 else 'O'}_{clock}"
            out_trips.append({
                "route_id": "R_WGZ_PTS", "service_id": service, "trip_id": tid,
                "trip_headsign": names[b], "direction_id": str(direction),
                "vessel_type": "conventional", "fare_cny": "", "duration_min": str(cross // 60),
                "duration_is_estimate": "0",
                "duration_method": "sourced 15-20 min (ferry_links.csv); upper end used",
                "source": "crossing time: public GitHub travel texts (ids 61284906599, "
                          "56783418883); timetable estimated by optimizer.synthetic.ferries",
                "note": "",
                "cars_allowed": "2",
                "cars_allowed_basis": ("ASSUMPTION: passenger ferry (普陀山 is a scenic island; no "
                                       "source says vehicles are carried)"),
                "is_estimate": "1",
                "estimate_method": (f"ESTIMATE (no timetable in any source): every "
                                    f"{PUTUOSHAN_HEADWAY_MIN} min {PUTUOSHAN_FIRST[:5]}-"
                                    f"{PUTUOSHAN_LAST[:5]} both directions, "
                                    f"{PUTUOSHAN_CROSSING_MIN}-min crossing"),
            })
            out_st.append({"trip_id": tid, "arrival_time": _gtfs(dep), "departure_time": _gtfs(dep),
                           "stop_id": a, "stop_sequence": "1", "timepoint": "0"})
            out_st.append({"trip_id": tid, "arrival_time": _gtfs(dep + cross),
                           "departure_time": _gtfs(dep + cross), "stop_id": b,
                           "stop_sequence": "2", "timepoint": "0"})
    return out_trips, out_st


def generate(*, out_dir: str | Path | None = None, source_dir: str | Path | None = None,
             ports_csv: str | Path | None = None) -> pd.DataFrame:
    """Write the completed Putuo ferry feed (sourced + estimated trips) as GTFS text files.

    Parameters
    ----------
    out_dir
        Folder to write ``agency.txt`` … ``feed_info.txt`` into. Default
        ``data/geo/putuo/ferries/gtfs``.
    source_dir
        Verbatim sourced feed. Default ``<out_dir>/sourced``.
    ports_csv
        Ports table with 蜈蚣峙/普陀山 positions. Default ``data/geo/putuo/ferries/ports.csv``.

    Returns
    -------
    pandas.DataFrame
        The written ``trips.txt`` table.

    Raises
    ------
    optimizer.errors.InputError
        If the sourced feed is inconsistent (see :func:`build_feed_tables`).
    FileNotFoundError
        If a default input is missing.
    """
    out = Path(out_dir) if out_dir is not None else get_path("putuo/ferries/gtfs")
    src = Path(source_dir) if source_dir is not None else out / "sourced"
    ports = Path(ports_csv) if ports_csv is not None else get_path("putuo/ferries/ports.csv")
    tables = build_feed_tables(src, ports)
    out.mkdir(parents=True, exist_ok=True)
    for name, df in tables.items():
        df.to_csv(out / name, index=False, encoding="utf-8", lineterminator="\n")
    return tables["trips.txt"]


if __name__ == "__main__":  # pragma: no cover
    t = generate()
    print(f"wrote {len(t)} trips ({int((t['is_estimate'] == '1').sum())} estimated)")
