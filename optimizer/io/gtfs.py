"""Read and validate a GTFS feed (ferries), and find the services running on a date.

The reader keeps every column of every file as text in :class:`pandas.DataFrame` objects and adds
parsed columns (``arrival_s``/``departure_s`` in seconds after midnight of the service day,
``stop_lat``/``stop_lon`` as floats, calendar dates as :class:`datetime.date`). It validates the
feed completely and raises once: an :class:`~optimizer.errors.InputError` for one problem, an
:class:`~optimizer.errors.InputErrors` listing all of them otherwise. Each problem names the file
(``stop_times.txt``), the 1-based data row (the header is row 0) and the field.

Reference: GTFS Schedule reference, https://gtfs.org/schedule/reference/ (file and field names,
``HH:MM:SS`` times that may exceed 24:00:00 for trips running past midnight of their service day,
``calendar_dates.txt`` ``exception_type`` 1 = service added, 2 = service removed).

Examples
--------
>>> from optimizer.datasets import get_path
>>> feed = read_gtfs(get_path("putuo/ferries/gtfs"))
>>> int(((feed.trips["is_estimate"] == "0") & (feed.trips["direction_id"] == "0")).sum())
45
"""

from __future__ import annotations

import datetime as dt
import io
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from optimizer.errors import InputError, InputErrors
from optimizer.io.tables import decode_text

REQUIRED_COLUMNS: dict[str, tuple[str, ...]] = {
    "agency.txt": ("agency_name", "agency_url", "agency_timezone"),
    "stops.txt": ("stop_id", "stop_name", "stop_lat", "stop_lon"),
    "routes.txt": ("route_id", "route_type"),
    "trips.txt": ("route_id", "service_id", "trip_id"),
    "stop_times.txt": ("trip_id", "arrival_time", "departure_time", "stop_id", "stop_sequence"),
    "calendar.txt": (
        "service_id", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday",
        "sunday", "start_date", "end_date",
    ),
    "calendar_dates.txt": ("service_id", "date", "exception_type"),
}
"""Columns that must be present in each GTFS file (GTFS Schedule reference, "Required" fields;
``stop_name`` is conditionally required there and always required here)."""

REQUIRED_FILES = ("agency.txt", "stops.txt", "routes.txt", "trips.txt", "stop_times.txt")
"""Files that must exist; at least one of ``calendar.txt`` and ``calendar_dates.txt`` must too."""

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
"""``calendar.txt`` weekday columns in :meth:`datetime.date.weekday` order (Monday = 0)."""

PUTUO_BBOX_LONLAT = (121.5, 29.3, 123.5, 31.0)
"""Study area (min lon, min lat, max lon, max lat; EPSG:4326 degrees) accepted for stop positions.

Covers Zhoushan City (舟山市: Putuo, Dinghai, Daishan, Shengsi incl. 嵊山 at 122.82 E, 30.72 N) and the
facing Ningbo shore (郭巨, 白峰), so that every port named in the Putuo ferry sources fits. Derived
from the extent of ``data/geo/putuo/boundaries/zhoushan_city.geojson`` plus a margin.
"""

_TIME_RE = re.compile(r"^(\d{1,3}):([0-5]\d):([0-5]\d)$")
_DATE_RE = re.compile(r"^\d{8}$")
MAX_GTFS_HOURS = 48
"""Latest hour accepted in a GTFS time (exclusive). GTFS allows times past 24:00:00 for the part
of a trip after midnight of its service day; a ferry trip lasting past 48:00:00 is taken as an
input error."""


@dataclass(frozen=True, eq=False)
class Feed:
    """A validated GTFS feed.

    All frames keep the original text columns (``dtype=str``, empty string for a missing value) in
    file order plus parsed columns:

    * ``stops``: ``stop_lat``, ``stop_lon`` as float (EPSG:4326 degrees).
    * ``stop_times``: ``arrival_s``, ``departure_s`` (int seconds after midnight of the service day;
      may exceed 86 400), ``stop_sequence`` as int; sorted by ``trip_id`` then ``stop_sequence``.
    * ``calendar``: ``start``, ``end`` (:class:`datetime.date`) and weekday flags as int.
    * ``calendar_dates``: ``day`` (:class:`datetime.date`) and ``exception_type`` as int.
    * ``trips``: ``cars_allowed`` (text ``"1"`` allowed, ``"2"`` not allowed, ``""``/``"0"`` no
      information) and ``is_estimate`` (``"1"``/``"0"``) are added as ``""``/``"0"`` if absent.

    Parameters
    ----------
    path
        The folder the feed was read from.
    agency, stops, routes, trips, stop_times, calendar, calendar_dates
        One frame per GTFS file (``calendar``/``calendar_dates`` empty if the file is absent).
    feed_info
        ``feed_info.txt`` if present, else an empty frame.
    """

    path: Path
    agency: pd.DataFrame
    stops: pd.DataFrame
    routes: pd.DataFrame
    trips: pd.DataFrame
    stop_times: pd.DataFrame
    calendar: pd.DataFrame
    calendar_dates: pd.DataFrame
    feed_info: pd.DataFrame = field(default_factory=pd.DataFrame)

    @property
    def trip_ids(self) -> list[str]:
        """Trip ids in ``trips.txt`` order."""
        return list(self.trips["trip_id"])

    def stop_name(self, stop_id: str) -> str:
        """Name of a stop (``stop_name``), or the id itself if unknown."""
        hit = self.stops.loc[self.stops["stop_id"] == stop_id, "stop_name"]
        return str(hit.iloc[0]) if len(hit) else stop_id


def parse_gtfs_time(text: str, *, file: str | None = None, row: int | None = None,
                    field: str | None = None) -> int:
    """Parse a GTFS time ``H:MM:SS`` / ``HH:MM:SS`` to seconds after midnight of the service day.

    Hours may exceed 23 (GTFS): ``25:10:00`` is 01:10 on the day after the service day.

    Parameters
    ----------
    text
        The time text.
    file, row, field
        Where the value came from (for the error message).

    Returns
    -------
    int
        Seconds after midnight of the service day (0 <= value < 48 h).

    Raises
    ------
    optimizer.errors.InputError
        If the text is not ``HH:MM:SS`` with minutes and seconds 00-59 and hours below
        :data:`MAX_GTFS_HOURS`.

    Examples
    --------
    >>> parse_gtfs_time("25:10:00")
    90600
    >>> parse_gtfs_time("7:20:00")
    26400
    """
    m = _TIME_RE.match(str(text).strip())
    if not m:
        raise InputError(
            f"{text!r} is not a GTFS time; expected HH:MM:SS (e.g. 07:30:00; 25:10:00 for 01:10 "
            "after midnight of the service day)", file=file, row=row, field=field)
    h, mi, s = (int(g) for g in m.groups())
    if h >= MAX_GTFS_HOURS:
        raise InputError(f"{text!r}: hour {h} is {MAX_GTFS_HOURS} or more; a ferry trip ends "
                         "within two days of its service day", file=file, row=row, field=field)
    return h * 3600 + mi * 60 + s


def parse_gtfs_date(text: str, *, file: str | None = None, row: int | None = None,
                    field: str | None = None) -> dt.date:
    """Parse a GTFS date ``YYYYMMDD``.

    Raises
    ------
    optimizer.errors.InputError
        If the text is not eight digits forming a real calendar date.

    Examples
    --------
    >>> parse_gtfs_date("20250501")
    datetime.date(2025, 5, 1)
    """
    s = str(text).strip()
    if not _DATE_RE.match(s):
        raise InputError(f"{text!r} is not a GTFS date; expected YYYYMMDD (e.g. 20250501)",
                         file=file, row=row, field=field)
    try:
        return dt.date(int(s[:4]), int(s[4:6]), int(s[6:]))
    except ValueError as exc:
        raise InputError(f"{text!r} is not a real date ({exc})", file=file, row=row,
                         field=field) from None


def _as_date(day: dt.date | str) -> dt.date:
    if isinstance(day, dt.datetime):
        return day.date()
    if isinstance(day, dt.date):
        return day
    s = str(day).strip()
    try:
        if _DATE_RE.match(s):
            return parse_gtfs_date(s, field="date")
        return dt.date.fromisoformat(s)
    except ValueError:
        raise InputError(f"{day!r} is not a date; expected YYYY-MM-DD or YYYYMMDD",
                         field="date") from None


def _read_csv(path: Path, name: str, errors: list[InputError]) -> pd.DataFrame | None:
    p = path / name
    if not p.exists():
        return None
    try:  # UTF-8 as GTFS requires, but also GBK/GB18030; mixed encodings name the line
        text, _ = decode_text(p.read_bytes(), name)
    except InputError as exc:
        errors.append(exc)
        return None
    try:
        df = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False,
                         skipinitialspace=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        errors.append(InputError(f"not a readable CSV file ({exc})", file=name))
        return None
    df.columns = [str(c).strip() for c in df.columns]
    for c in df.columns:
        df[c] = df[c].str.strip()
    return df


def _row(i: int) -> int:
    """1-based data row of frame index ``i`` (the header is row 0)."""
    return int(i) + 1


def _check_unique(df: pd.DataFrame, cols: list[str], name: str,
                  errors: list[InputError]) -> None:
    dup = df.duplicated(subset=cols, keep="first")
    for i in df.index[dup]:
        first = df.index[(df[cols] == df.loc[i, cols]).all(axis=1)][0]
        key = ", ".join(f"{c}={df.at[i, c]!r}" for c in cols)
        errors.append(InputError(f"duplicate {key} (first seen in row {_row(first)}); ids must be "
                                 "unique", file=name, row=_row(i), field=cols[-1]))
    for c in cols:
        for i in df.index[df[c] == ""]:
            errors.append(InputError(f"{c} is empty; every row needs one", file=name, row=_row(i),
                                     field=c))


def _check_refs(df: pd.DataFrame, col: str, known: Iterable[str], name: str, target: str,
                errors: list[InputError]) -> None:
    known_set = set(known)
    for i in df.index[~df[col].isin(known_set) & (df[col] != "")]:
        errors.append(InputError(f"{col} {df.at[i, col]!r} is not defined in {target}",
                                 file=name, row=_row(i), field=col))


def _check_flag(df: pd.DataFrame, col: str, allowed: tuple[str, ...], name: str,
                errors: list[InputError], *, allow_empty: bool = True) -> None:
    if col not in df.columns:
        return
    ok = df[col].isin(allowed) | ((df[col] == "") if allow_empty else False)
    for i in df.index[~ok]:
        errors.append(InputError(f"{col} {df.at[i, col]!r} not one of {list(allowed)}",
                                 file=name, row=_row(i), field=col))


def _validate_stops(stops: pd.DataFrame, bbox: tuple[float, float, float, float],
                    errors: list[InputError]) -> None:
    name = "stops.txt"
    lon_min, lat_min, lon_max, lat_max = bbox
    lats, lons = [], []
    for i in stops.index:
        vals = {}
        for c in ("stop_lat", "stop_lon"):
            try:
                v = float(stops.at[i, c])
                if not math.isfinite(v):
                    raise ValueError
                vals[c] = v
            except ValueError:
                errors.append(InputError(f"{c} {stops.at[i, c]!r} is not a number (degrees, "
                                         "EPSG:4326)", file=name, row=_row(i), field=c))
        lat, lon = vals.get("stop_lat", math.nan), vals.get("stop_lon", math.nan)
        lats.append(lat)
        lons.append(lon)
        if len(vals) < 2:
            continue
        in_lat = lat_min <= lat <= lat_max
        in_lon = lon_min <= lon <= lon_max
        if in_lat and in_lon:
            continue
        if lat_min <= lon <= lat_max and lon_min <= lat <= lon_max:
            errors.append(InputError(
                f"stop_lat {lat} / stop_lon {lon} look swapped: the latitude is in the study "
                f"area's longitude range and vice versa; put the latitude ({lon}) in stop_lat",
                file=name, row=_row(i), field="stop_lat"))
        elif not in_lat:
            errors.append(InputError(
                f"stop_lat {lat} is outside the study area ({lat_min}..{lat_max} N)",
                file=name, row=_row(i), field="stop_lat"))
        else:
            errors.append(InputError(
                f"stop_lon {lon} is outside the study area ({lon_min}..{lon_max} E)",
                file=name, row=_row(i), field="stop_lon"))
    stops["stop_lat"] = lats
    stops["stop_lon"] = lons


def _validate_stop_times(st: pd.DataFrame, errors: list[InputError]) -> pd.DataFrame:
    name = "stop_times.txt"
    arr, dep, seq = [], [], []
    for i in st.index:
        a_txt, d_txt = st.at[i, "arrival_time"], st.at[i, "departure_time"]
        if a_txt == "" and d_txt == "":
            errors.append(InputError("arrival_time and departure_time are both empty; this reader "
                                     "does not interpolate times, give both", file=name,
                                     row=_row(i), field="arrival_time"))
            a = d = None
        else:
            a_txt = a_txt or d_txt
            d_txt = d_txt or a_txt
            a = d = None
            try:
                a = parse_gtfs_time(a_txt, file=name, row=_row(i), field="arrival_time")
            except InputError as e:
                errors.append(e)
            try:
                d = parse_gtfs_time(d_txt, file=name, row=_row(i), field="departure_time")
            except InputError as e:
                errors.append(e)
            if a is not None and d is not None and d < a:
                errors.append(InputError(
                    f"departure_time {d_txt} is before arrival_time {a_txt} at this stop",
                    file=name, row=_row(i), field="departure_time"))
        s = st.at[i, "stop_sequence"]
        if not s.isdigit():
            errors.append(InputError(f"stop_sequence {s!r} is not a non-negative integer",
                                     file=name, row=_row(i), field="stop_sequence"))
            s = None
        arr.append(a)
        dep.append(d)
        seq.append(int(s) if s is not None else None)
    st["arrival_s"] = pd.array(arr, dtype="Int64")
    st["departure_s"] = pd.array(dep, dtype="Int64")
    st["stop_sequence"] = pd.array(seq, dtype="Int64")
    st["_row"] = [_row(i) for i in st.index]
    _check_unique(st.assign(stop_sequence=st["stop_sequence"].astype(str)),
                  ["trip_id", "stop_sequence"], name, errors)
    # Times must increase strictly along stop_sequence within a trip.
    ok = st.dropna(subset=["stop_sequence"]).sort_values(["trip_id", "stop_sequence"],
                                                         kind="stable")
    for trip_id, grp in ok.groupby("trip_id", sort=False):
        prev_dep, prev_row = None, None
        for _, r in grp.iterrows():
            a, d = r["arrival_s"], r["departure_s"]
            if prev_dep is not None and a is not pd.NA and not (a > prev_dep):
                errors.append(InputError(
                    f"trip {trip_id!r}: arrival_time {r['arrival_time'] or r['departure_time']} is "
                    f"not after the departure from the previous stop (row {prev_row}); times must "
                    "increase along stop_sequence", file=name, row=int(r["_row"]),
                    field="arrival_time"))
            if d is not pd.NA:
                prev_dep, prev_row = d, int(r["_row"])
    return st


def _validate_calendar(cal: pd.DataFrame, errors: list[InputError]) -> None:
    name = "calendar.txt"
    starts, ends = [], []
    for i in cal.index:
        for c in WEEKDAYS:
            if cal.at[i, c] not in ("0", "1"):
                errors.append(InputError(f"{c} {cal.at[i, c]!r} must be 0 or 1", file=name,
                                         row=_row(i), field=c))
        s = e = None
        try:
            s = parse_gtfs_date(cal.at[i, "start_date"], file=name, row=_row(i), field="start_date")
        except InputError as exc:
            errors.append(exc)
        try:
            e = parse_gtfs_date(cal.at[i, "end_date"], file=name, row=_row(i), field="end_date")
        except InputError as exc:
            errors.append(exc)
        if s and e and e < s:
            errors.append(InputError(f"end_date {e:%Y%m%d} is before start_date {s:%Y%m%d}",
                                     file=name, row=_row(i), field="end_date"))
        starts.append(s)
        ends.append(e)
    cal["start"] = starts
    cal["end"] = ends


def _validate_calendar_dates(cd: pd.DataFrame, errors: list[InputError]) -> None:
    name = "calendar_dates.txt"
    days = []
    for i in cd.index:
        d = None
        try:
            d = parse_gtfs_date(cd.at[i, "date"], file=name, row=_row(i), field="date")
        except InputError as exc:
            errors.append(exc)
        days.append(d)
        if cd.at[i, "exception_type"] not in ("1", "2"):
            errors.append(InputError(
                f"exception_type {cd.at[i, 'exception_type']!r} must be 1 (service added) or 2 "
                "(service removed)", file=name, row=_row(i), field="exception_type"))
    cd["day"] = days
    _check_unique(cd, ["service_id", "date"], name, errors)


def read_gtfs(path: str | Path, *,
              bbox_lonlat: tuple[float, float, float, float] = PUTUO_BBOX_LONLAT) -> Feed:
    """Read a GTFS feed folder and validate it completely.

    Parameters
    ----------
    path
        Folder holding the ``.txt`` files (a zipped feed must be unzipped first).
    bbox_lonlat
        Study area ``(min lon, min lat, max lon, max lat)`` in EPSG:4326 degrees; stops outside
        it are errors (swapped latitude/longitude is detected and named). Default
        :data:`PUTUO_BBOX_LONLAT`.

    Returns
    -------
    Feed
        The validated feed with parsed columns (see :class:`Feed`).

    Raises
    ------
    optimizer.errors.InputError
        For one problem, naming file, 1-based data row and field; :class:`InputErrors` (a
        subclass) listing every problem when there are several. Checked: missing folder, files
        and required columns; empty or duplicate ids (``stop_id``, ``route_id``, ``trip_id``,
        ``service_id`` in calendar, ``(trip_id, stop_sequence)``, ``(service_id, date)``);
        references to unknown stops, routes, trips and services; times that are not
        ``HH:MM:SS``; departure before arrival at a stop; times not increasing along a trip;
        trips with fewer than two stops; coordinates that are not numbers, outside the study area
        or swapped; malformed calendar flags and dates; unknown ``cars_allowed``, ``is_estimate``
        and ``exception_type`` codes.
    """
    path = Path(path)
    if not path.is_dir():
        raise InputError(f"GTFS folder {str(path)!r} not found (unzip a .zip feed first)",
                         file=str(path))
    errors: list[InputError] = []
    frames: dict[str, pd.DataFrame | None] = {}
    for name in list(REQUIRED_COLUMNS) + ["feed_info.txt"]:
        frames[name] = _read_csv(path, name, errors)
    for name in REQUIRED_FILES:
        if frames[name] is None and not any(e.file == name for e in errors):
            errors.append(InputError(f"required GTFS file missing from {path}", file=name))
    if frames["calendar.txt"] is None and frames["calendar_dates.txt"] is None:
        errors.append(InputError("neither calendar.txt nor calendar_dates.txt exists; one is "
                                 "required to know on which days trips run", file="calendar.txt"))
    for name, cols in REQUIRED_COLUMNS.items():
        df = frames[name]
        if df is None:
            continue
        missing = [c for c in cols if c not in df.columns]
        for c in missing:
            errors.append(InputError(f"required column missing (columns present: "
                                     f"{list(df.columns)})", file=name, row=0, field=c))
        if missing:
            frames[name] = None  # cannot validate its rows
    if errors:
        _raise(errors)

    stops = frames["stops.txt"]
    routes = frames["routes.txt"]
    trips = frames["trips.txt"]
    st = frames["stop_times.txt"]
    cal = frames["calendar.txt"] if frames["calendar.txt"] is not None else pd.DataFrame(
        columns=list(REQUIRED_COLUMNS["calendar.txt"]))
    cd = frames["calendar_dates.txt"] if frames["calendar_dates.txt"] is not None else \
        pd.DataFrame(columns=list(REQUIRED_COLUMNS["calendar_dates.txt"]))
    assert stops is not None and routes is not None and trips is not None and st is not None
    agency = frames["agency.txt"]
    assert agency is not None

    _check_unique(stops, ["stop_id"], "stops.txt", errors)
    _check_unique(routes, ["route_id"], "routes.txt", errors)
    _check_unique(trips, ["trip_id"], "trips.txt", errors)
    _check_unique(cal, ["service_id"], "calendar.txt", errors)
    if "agency_id" in agency.columns and "agency_id" in routes.columns:
        _check_refs(routes, "agency_id", agency["agency_id"], "routes.txt", "agency.txt", errors)
    for i in routes.index[~routes["route_type"].str.fullmatch(r"\d+")]:
        errors.append(InputError(f"route_type {routes.at[i, 'route_type']!r} is not an integer "
                                 "(4 = ferry)", file="routes.txt", row=_row(i), field="route_type"))
    _validate_stops(stops, bbox_lonlat, errors)
    _validate_calendar(cal, errors)
    _validate_calendar_dates(cd, errors)
    services = set(cal["service_id"]) | set(cd["service_id"])
    _check_refs(trips, "route_id", routes["route_id"], "trips.txt", "routes.txt", errors)
    _check_refs(trips, "service_id", services, "trips.txt", "calendar.txt or calendar_dates.txt",
                errors)
    for col in ("cars_allowed", "is_estimate"):
        if col not in trips.columns:
            trips[col] = "" if col == "cars_allowed" else "0"
    _check_flag(trips, "cars_allowed", ("0", "1", "2"), "trips.txt", errors)
    _check_flag(trips, "is_estimate", ("0", "1"), "trips.txt", errors, allow_empty=False)
    _check_flag(trips, "duration_is_estimate", ("0", "1"), "trips.txt", errors)
    _check_refs(st, "trip_id", trips["trip_id"], "stop_times.txt", "trips.txt", errors)
    _check_refs(st, "stop_id", stops["stop_id"], "stop_times.txt", "stops.txt", errors)
    st = _validate_stop_times(st, errors)
    counts = st["trip_id"].value_counts()
    for i in trips.index:
        n = int(counts.get(trips.at[i, "trip_id"], 0))
        if n < 2 and trips.at[i, "trip_id"] != "":
            errors.append(InputError(f"trip {trips.at[i, 'trip_id']!r} has {n} stop_times row(s); "
                                     "a sailing needs at least two stops", file="trips.txt",
                                     row=_row(i), field="trip_id"))
    if errors:
        _raise(errors)

    st = st.sort_values(["trip_id", "stop_sequence"], kind="stable").reset_index(drop=True)
    st["arrival_s"] = st["arrival_s"].astype(int)
    st["departure_s"] = st["departure_s"].astype(int)
    st["stop_sequence"] = st["stop_sequence"].astype(int)
    for c in WEEKDAYS:
        cal[c] = cal[c].astype(int)
    cd["exception_type"] = cd["exception_type"].astype(int)
    fi = frames["feed_info.txt"]
    return Feed(path=path, agency=agency, stops=stops, routes=routes, trips=trips,
                stop_times=st.drop(columns=["_row"]), calendar=cal, calendar_dates=cd,
                feed_info=fi if fi is not None else pd.DataFrame())


def _raise(errors: list[InputError]) -> None:
    if len(errors) == 1:
        raise errors[0]
    raise InputErrors(errors)


def active_services(feed: Feed, day: dt.date | str) -> frozenset[str]:
    """Service ids running on a service day.

    A service runs on ``day`` if ``calendar.txt`` has it with ``start_date <= day <= end_date``
    and the weekday flag set, unless ``calendar_dates.txt`` removes it that day
    (``exception_type`` 2); ``calendar_dates.txt`` rows with ``exception_type`` 1 add a service
    on that day. Trip times past 24:00:00 still belong to this service day (a trip at 25:10 on
    service day D leaves at 01:10 on D + 1; see
    :func:`optimizer.network.ferries.timetable_for_date`).

    Parameters
    ----------
    feed
        A feed from :func:`read_gtfs`.
    day
        The service day: a :class:`datetime.date` or text ``YYYY-MM-DD`` / ``YYYYMMDD``.

    Returns
    -------
    frozenset of str
        The active ``service_id`` values.

    Raises
    ------
    optimizer.errors.InputError
        If ``day`` is not a date.

    Examples
    --------
    >>> from optimizer.datasets import get_path
    >>> sorted(active_services(read_gtfs(get_path("putuo/ferries/gtfs")), "2025-06-02"))
    ['UNDATED_DAILY']
    """
    d = _as_date(day)
    wd = WEEKDAYS[d.weekday()]
    cal = feed.calendar
    on: set[str] = set()
    if len(cal):
        mask = (cal["start"] <= d) & (cal["end"] >= d) & (cal[wd] == 1)
        on = set(cal.loc[mask, "service_id"])
    cd = feed.calendar_dates
    if len(cd):
        today = cd[cd["day"] == d]
        on |= set(today.loc[today["exception_type"] == 1, "service_id"])
        on -= set(today.loc[today["exception_type"] == 2, "service_id"])
    return frozenset(on)


def as_date(day: dt.date | str) -> dt.date:
    """Return ``day`` as a :class:`datetime.date` (accepts ``YYYY-MM-DD`` or ``YYYYMMDD`` text).

    Raises
    ------
    optimizer.errors.InputError
        If ``day`` is not a date.
    """
    return _as_date(day)


@dataclass(frozen=True)
class FeedValidity:
    """The dates a GTFS feed covers, and whether its calendar is nominal.

    Attributes
    ----------
    start, end
        First and last service day the feed covers (inclusive). From ``feed_info.txt``
        ``feed_start_date``/``feed_end_date`` where given (GTFS: "the dataset provides complete
        and reliable schedule information for service in the period from the beginning of the
        feed_start_date day to the end of the feed_end_date day"), otherwise the earliest
        ``start_date`` and latest ``end_date`` of ``calendar.txt`` and the dates
        ``calendar_dates.txt`` adds service on. ``None`` for a feed without any date.
    nominal
        True when ``feed_info.txt`` says ``calendar_basis = nominal``: the calendar dates were not
        published by the operator (the source timetable is undated or older), so every sailing
        on every date is an assumption that the timetable still runs (a project extension of
        GTFS; readers that do not know the column ignore it).
    source_dates
        ``feed_info.txt`` ``source_published`` text: when the source timetable was published
        (e.g. ``"undated (probably 2016-2019)"``); ``""`` if not given.
    """

    start: dt.date | None
    end: dt.date | None
    nominal: bool = False
    source_dates: str = ""

    def covers(self, day: dt.date) -> bool:
        """True if ``day`` is inside ``start``..``end`` (inclusive)."""
        return self.start is not None and self.end is not None and self.start <= day <= self.end

    def describe(self) -> str:
        """``"2025-01-01 to 2027-12-31"`` (or ``"no dates"``)."""
        if self.start is None or self.end is None:
            return "no dates"
        return f"{self.start.isoformat()} to {self.end.isoformat()}"


def _feed_info_value(feed: Feed, column: str) -> str:
    fi = feed.feed_info
    if fi is None or not len(fi) or column not in fi.columns:
        return ""
    return str(fi[column].iloc[0]).strip()


def feed_validity(feed: Feed) -> FeedValidity:
    """The dates a feed covers (see :class:`FeedValidity`).

    Raises
    ------
    optimizer.errors.InputError
        If ``feed_info.txt`` ``feed_start_date``/``feed_end_date`` is not ``YYYYMMDD``, or ends
        before it starts.

    Examples
    --------
    >>> from optimizer.datasets import get_path
    >>> v = feed_validity(read_gtfs(get_path("putuo/ferries/gtfs")))
    >>> v.describe(), v.nominal
    ('2025-01-01 to 2027-12-31', True)
    """
    start = end = None
    s_txt = _feed_info_value(feed, "feed_start_date")
    e_txt = _feed_info_value(feed, "feed_end_date")
    if s_txt:
        start = parse_gtfs_date(s_txt, file="feed_info.txt", row=1, field="feed_start_date")
    if e_txt:
        end = parse_gtfs_date(e_txt, file="feed_info.txt", row=1, field="feed_end_date")
    days: list[dt.date] = []
    if len(feed.calendar):
        days += list(feed.calendar["start"]) + list(feed.calendar["end"])
    cd = feed.calendar_dates
    if len(cd):
        days += list(cd.loc[cd["exception_type"] == 1, "day"])
    if start is None and days:
        start = min(days)
    if end is None and days:
        end = max(days)
    if start is not None and end is not None and end < start:
        raise InputError(f"feed_end_date {end:%Y%m%d} is before feed_start_date {start:%Y%m%d}",
                         file="feed_info.txt", row=1, field="feed_end_date")
    return FeedValidity(start=start, end=end,
                        nominal=_feed_info_value(feed, "calendar_basis").lower() == "nominal",
                        source_dates=_feed_info_value(feed, "source_published"))


def check_service_date(feed: Feed, day: dt.date | str, *, file: str | None = None,
                       field: str = "date") -> FeedValidity:
    """Refuse a service day outside the dates the feed covers.

    A date outside the feed's calendar has no sailings at all: planning on it would strand every
    island without saying why, so it is bad input, not an empty timetable.

    Parameters
    ----------
    feed
        A feed from :func:`read_gtfs`.
    day
        The service day (``date`` or ``YYYY-MM-DD`` / ``YYYYMMDD`` text).
    file, field
        Where the date came from (the scenario file and its key), for the message.

    Returns
    -------
    FeedValidity
        The feed's validity (the day is inside it).

    Raises
    ------
    optimizer.errors.InputError
        If the day is outside :func:`feed_validity` (the message names the feed's dates and the
        fix), or the feed has no dates at all.

    Examples
    --------
    >>> from optimizer.datasets import get_path
    >>> try:
    ...     check_service_date(read_gtfs(get_path("putuo/ferries/gtfs")), "2028-02-03")
    ... except InputError as exc:
    ...     print(exc.field, "covers 2025-01-01 to 2027-12-31" in str(exc))
    date True
    """
    d = _as_date(day)
    v = feed_validity(feed)
    if v.covers(d):
        return v
    where = f"the ferry timetable in {feed.path}" if file is None else "the ferry timetable"
    if v.start is None:
        raise InputError(f"渡轮时刻表没有任何日期 / {where} has no service dates (calendar.txt and "
                         "calendar_dates.txt are empty); no sailing can run on "
                         f"{d.isoformat()}", file=file, field=field)
    raise InputError(
        f"渡轮时刻表的日期范围为 {v.start.isoformat()} 至 {v.end.isoformat()}，情景日期 "
        f"{d.isoformat()} 不在其内 / {where} covers {v.describe()}; the scenario's date "
        f"{d.isoformat()} is outside it: choose a date inside it, or give a GTFS feed that "
        "covers it (ferries.gtfs)", file=file, field=field)
