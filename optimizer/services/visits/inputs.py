"""Reading and validating the visits inputs: needy households, offices, villages (all problems
at once).

:func:`load_visits_inputs` reads the households and offices against their declared tables
(:mod:`optimizer.services.visits.columns`; an unknown or misspelt column is an error with a "did
you mean", numbers outside the declared bounds are errors naming the bound's source) and checks
every record against the villages (village code → town and island) and the offices (one per
town). Every problem of every file is raised once as :class:`~optimizer.errors.InputErrors`,
each naming the file, the spreadsheet line (header = line 1), the record id and the field.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from optimizer.errors import InputError, InputErrors
from optimizer.io.points import read_points
from optimizer.io.provenance import synthetic_note, synthetic_rows
from optimizer.io.tables import TableSpec, read_table
from optimizer.network.islands import island_of
from optimizer.results import Note
from optimizer.services.visits.columns import CATEGORIES, HOUSEHOLDS, MOBILITIES, OFFICES
from optimizer.services.visits.params import DEFAULT_VISITS_PER_YEAR
from optimizer.units import parse_clock

__all__ = ["Household", "Office", "Village", "VisitsInputs", "load_visits_inputs",
           "parse_days"]

DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
"""Weekday abbreviations (``datetime.date.weekday()`` order)."""


@dataclass(frozen=True)
class Village:
    """A village (村/社区): its code, name, town and island (from the villages file), and its
    published reference point (``lon``/``lat`` EPSG:4326 degrees; NaN when the file has none)."""

    village_code: str
    name_zh: str
    town_code: str
    island_id: str
    lon: float = float("nan")
    lat: float = float("nan")


@dataclass(frozen=True)
class Office:
    """A town/street office that visits the households living in its town.

    ``lon``/``lat`` EPSG:4326 degrees; ``working_days`` weekday numbers (Mon = 0); ``start_s``
    seconds after midnight; ``hours_per_day`` hours; ``line`` the spreadsheet line."""

    office_id: str
    name_zh: str
    town_code: str
    town_name: str
    island_id: str
    lon: float
    lat: float
    workers: int
    hours_per_day: float
    working_days: frozenset[int]
    start_s: int
    line: int = 0


@dataclass(frozen=True)
class Household:
    """A needy household: where it is registered (town) and where it lives (village, point).

    ``lon``/``lat`` EPSG:4326 degrees of the home (personal: only under ``dispatch/``);
    ``residence_town_code`` and ``residence_island_id`` come from the village; ``line`` the
    spreadsheet line."""

    household_id: str
    name: str
    phone: str
    address: str
    registration_town_code: str
    village_code: str
    residence_town_code: str
    residence_island_id: str
    lon: float
    lat: float
    category: str
    visits_per_year: int
    mobility: str
    language: str
    line: int = 0


@dataclass(frozen=True)
class VisitsInputs:
    """The validated inputs of the visits service.

    Attributes
    ----------
    households, offices
        In file order.
    villages
        ``village_code`` → :class:`Village`.
    notes
        Labels the outputs carry (synthetic inputs).
    """

    households: tuple[Household, ...]
    offices: tuple[Office, ...]
    villages: Mapping[str, Village] = field(default_factory=dict)
    notes: tuple[Note, ...] = ()

    @property
    def office_of_town(self) -> dict[str, Office]:
        """``town_code`` → its office."""
        return {o.town_code: o for o in self.offices}

    def describe(self) -> str:
        """One line for ``optimizer validate``: what was read."""
        moved = sum(h.registration_town_code != h.residence_town_code for h in self.households)
        return (f"{len(self.households)} needy households ({moved} living outside their "
                f"registration town), {len(self.offices)} offices")


def parse_days(text: str, *, file: str, line: int, field_: str) -> frozenset[int]:
    """Weekdays of ``Mon-Fri``, ``Mon;Wed;Fri`` (Mon = 0).

    Raises
    ------
    optimizer.errors.InputError
        Naming ``file``, ``line`` and ``field_`` if the text is not such a pattern.
    """
    names = {d.lower(): k for k, d in enumerate(DAY_NAMES)}
    out: set[int] = set()
    for part in str(text).replace(",", ";").split(";"):
        a, dash, b = (x.strip() for x in part.strip().lower().partition("-"))
        if dash and a in names and b in names and names[a] <= names[b]:
            out.update(range(names[a], names[b] + 1))
        elif not dash and a in names:
            out.add(names[a])
        else:
            raise InputError(f"{text!r} is not a list of working days; expected e.g. 'Mon-Fri' "
                             "or 'Mon;Wed;Fri'", file=file, line=line, field=field_)
    return frozenset(out)


def read_villages(path: Path) -> dict[str, Village]:
    """Villages (``village_code``, ``name_zh``, ``town_code``, ``island_id``) of a table such as
    ``synthetic/elderly.csv``.

    Raises
    ------
    optimizer.errors.InputError
        If the file is missing or lacks one of those columns.
    """
    df = read_table(path).df
    missing = [c for c in ("village_code", "name_zh", "town_code", "island_id")
               if c not in df.columns]
    if missing:
        raise InputError(f"missing column(s) {missing}; the villages file needs village_code, "
                         "name_zh, town_code and island_id", file=str(path), line=1,
                         field=missing[0])
    has_xy = "lon" in df.columns and "lat" in df.columns
    lon = pd.to_numeric(df["lon"], errors="coerce") if has_xy else pd.Series(float("nan"),
                                                                              index=df.index)
    lat = pd.to_numeric(df["lat"], errors="coerce") if has_xy else lon
    return {r.village_code: Village(r.village_code, r.name_zh, r.town_code, r.island_id,
                                    float(x), float(y))
            for r, x, y in zip(df.itertuples(index=False), lon, lat)}


def _err(errors: list[InputError], fname: str, line: int, who: str, fld: str, msg: str) -> None:
    errors.append(InputError(f"{who}: {msg}", file=fname, line=line, field=fld))


def _office(rec: Mapping[str, str], line: int, fname: str, island: str,
            errors: list[InputError]) -> Office | None:
    oid = str(rec["office_id"])
    who, n0 = f"office {oid}", len(errors)
    days = start = None
    try:
        days = parse_days(rec.get("working_days") or "Mon-Fri", file=fname, line=line,
                          field_="working_days")
        start = parse_clock(rec.get("start_time") or "08:30", field="start_time")
    except InputError as e:
        _err(errors, fname, line, who, e.field or "start_time", e.message)
    try:
        workers, hours = int(float(rec["workers"])), float(rec["hours_per_day"])
    except ValueError:
        _err(errors, fname, line, who, "workers", f"workers {rec['workers']!r} and hours_per_day "
             f"{rec['hours_per_day']!r} must be numbers")
        return None
    if workers != float(rec["workers"]):
        _err(errors, fname, line, who, "workers", f"workers {rec['workers']!r} is not a whole "
             "number")
    if workers < 1 or not hours > 0:  # the declared bounds name the problem
        return None
    if not island:
        _err(errors, fname, line, who, "lon", "the office lies in the sea; give a point on land")
    if len(errors) > n0 or days is None or start is None:
        return None
    return Office(oid, str(rec.get("name_zh") or oid), str(rec["town_code"]),
                  str(rec.get("town_name") or rec["town_code"]), island, float(rec["lon"]),
                  float(rec["lat"]), workers, hours, days, int(start), line)


def read_offices(path: Path, islands: pd.DataFrame, villages: Mapping[str, Village],
                 errors: list[InputError]) -> tuple[list[Office], set[str] | None]:
    """The offices of ``path`` (problems appended to ``errors``) and every town code the file
    declares (also of offices with problems; ``None`` if the file cannot be read): town codes
    must be known (a village of the villages file has it) and unique; points on land."""
    fname = str(path)
    df = _points_or_none(path, OFFICES, errors)
    if df is None:
        return [], None
    lines = df.attrs["lines"]
    where = island_of(df, islands)
    towns = {v.town_code for v in villages.values()}
    seen: dict[str, int] = {}
    out = []
    for k, rec in enumerate(df.drop(columns="geometry").astype(str).to_dict("records")):
        t, line = rec["town_code"], lines[k]
        if t not in towns:
            _err(errors, fname, line, f"office {rec['office_id']}", "town_code",
                 f"town code {t!r} has no village in the villages file; expected one of "
                 f"{sorted(towns)}")
        elif t in seen:
            _err(errors, fname, line, f"office {rec['office_id']}", "town_code",
                 f"town {t} already has an office on line {seen[t]}; keep one office per town")
        seen.setdefault(t, line)
        o = _office(rec, line, fname, str(where["island_id"].iloc[k]), errors)
        if o is not None:
            out.append(o)
    return out, set(seen)


def _household(rec: Mapping[str, str], line: int, fname: str, villages: Mapping[str, Village],
               offices: set[str] | None, errors: list[InputError]) -> Household | None:
    """One household (``offices``: the town codes with an office; ``None``: the offices file
    could not be read, so the towns are not checked)."""
    hid = str(rec["household_id"])
    who, n0 = f"household {hid}", len(errors)
    v = villages.get(rec["village_code"])
    if v is None:
        _err(errors, fname, line, who, "village_code", f"unknown village code "
             f"{rec['village_code']!r}; use a code of the villages file (12 digits, e.g. "
             "330903001001) / 村代码不存在")
    elif offices is not None and v.town_code not in offices:
        _err(errors, fname, line, who, "village_code", f"village {v.name_zh} lies in town "
             f"{v.town_code}, which has no office in the offices file; add the office")
    if offices is not None and rec["registration_town_code"] not in offices:
        _err(errors, fname, line, who, "registration_town_code",
             f"registration town {rec['registration_town_code']!r} has no office; expected one "
             f"of {sorted(offices)} / 户籍街道/镇无对应办事处")
    cat = rec["category"]
    if cat not in CATEGORIES:
        _err(errors, fname, line, who, "category", f"unknown category {cat!r}; expected one of "
             f"{list(CATEGORIES)} / 救助类别应为 低保、低边、特困 或 支出型")
    mob = rec.get("mobility") or "walks"
    if mob not in MOBILITIES:
        _err(errors, fname, line, who, "mobility", f"unknown mobility {mob!r}; expected one of "
             f"{list(MOBILITIES)}")
    vpy = rec.get("visits_per_year") or str(DEFAULT_VISITS_PER_YEAR.get(cat, 0))
    if not vpy.isdigit() or int(vpy) < 1:
        _err(errors, fname, line, who, "visits_per_year", f"{vpy!r} is not a whole number of "
             "visits a year >= 1")
    if len(errors) > n0 or v is None:
        return None
    return Household(hid, rec.get("name", ""), rec.get("phone", ""), rec.get("address", ""),
                     rec["registration_town_code"], v.village_code, v.town_code, v.island_id,
                     float(rec["lon"]), float(rec["lat"]), cat, int(vpy), mob,
                     rec.get("language") or "普通话", line)


def _points_or_none(path: Path, spec: TableSpec, errors: list[InputError]
                    ) -> pd.DataFrame | None:
    """The points table of ``path`` read to ``spec``; ``None`` (problems appended to
    ``errors``) when the file cannot be read as a whole."""
    try:
        return read_points(path, spec=spec, problems=errors)
    except InputErrors as e:
        errors.extend(e.errors)
    except InputError as e:
        errors.append(e)
    return None


def read_households(path: Path, villages: Mapping[str, Village], offices: set[str] | None,
                    errors: list[InputError]) -> tuple[list[Household], pd.DataFrame | None]:
    """The households of ``path`` (problems appended to ``errors``) and the table as read."""
    df = _points_or_none(path, HOUSEHOLDS, errors)
    if df is None:
        return [], None
    lines = df.attrs["lines"]
    recs = df.drop(columns="geometry").astype(str).replace("nan", "").to_dict("records")
    out = [h for k, rec in enumerate(recs)
           if (h := _household(rec, lines[k], str(path), villages, offices, errors)) is not None]
    return out, df


def load_visits_inputs(households: Path, offices: Path, villages: Path, *,
                       islands: pd.DataFrame) -> VisitsInputs:
    """Read and check the households, offices and villages (every problem raised at once).

    Parameters
    ----------
    households, offices, villages
        The files (tables ``needy_households``, ``offices``; villages with ``village_code``,
        ``name_zh``, ``town_code``, ``island_id``).
    islands
        Island polygons, EPSG:4326 (offices are placed on them).

    Returns
    -------
    VisitsInputs

    Raises
    ------
    optimizer.errors.InputErrors
        Every problem (file, spreadsheet line, record id and field): unknown or misspelt
        columns, bad coordinates, unknown village codes or categories, a registration town or a
        residence town without an office, bad office staffing or days, an office in the sea.
    """
    errors: list[InputError] = []
    vill = read_villages(villages)
    offs, towns = read_offices(offices, islands, vill, errors)
    hh, hdf = read_households(households, vill, towns, errors)
    if errors:
        raise InputErrors(errors)
    synth = [str(households)] if hdf is not None and synthetic_rows(hdf).any() else []
    note = synthetic_note(synth)
    return VisitsInputs(tuple(hh), tuple(offs), vill, notes=(note,) if note else ())
