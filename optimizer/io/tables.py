"""Declared input tables: their columns, a strict header check, and one reader for CSV and XLSX.

Every user input table (dialysis patients, units and vehicles; canteens, candidate sites, elderly
by village or by point) is declared once, next to the code that reads it, as a :class:`TableSpec`
of :class:`Column` s. The declaration drives

* the header check (:meth:`TableSpec.check_header`): an unknown or misspelt column, optional ones
  too, is an error with a "did you mean" suggestion (:func:`difflib.get_close_matches`); every
  missing required column is listed in one message;
* the value bounds (:meth:`TableSpec.check_bounds`): negative or absurd numbers are errors naming
  the bound and its source;
* the blank templates (:func:`write_templates`, ``optimizer template DIR``) and the column
  reference of the data guide (:func:`markdown`, ``python -m optimizer.io.tables --markdown``).

:func:`read_table` reads a CSV (UTF-8, UTF-8 with BOM, GBK/GB18030; a file mixing encodings is
refused naming the lines that do not decode) or an XLSX sheet into text cells and remembers the
spreadsheet line of every record (header = line 1, first data row = line 2; blank lines are
skipped but counted). Excel time cells become ``HH:MM:SS`` text (a date-time on Excel's day zero,
1899-12-30/31 or 1900-01-01, too; other date-times become ISO 8601 text), which
:func:`optimizer.units.parse_clock` reads.

Examples
--------
>>> spec = TableSpec("demo", "id", (Column("id", "id", required=True),
...                                 Column("seats", "count", minimum=1, maximum=60)), "示例", "demo")
>>> [e.message.split(";")[0] for e in spec.check_header(["id", "seat"], "demo.csv")]
["unknown column 'seat'"]
"""

from __future__ import annotations

import csv
import datetime as dt
import difflib
import io
import math
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from optimizer.errors import InputError

__all__ = [
    "COORD_SYSTEMS",
    "ENCODINGS",
    "Column",
    "Table",
    "TableSpec",
    "markdown",
    "point_columns",
    "read_table",
    "write_templates",
]

ENCODINGS = ("utf-8-sig", "gb18030")
"""Text encodings tried in order for CSV files (GB18030 is a superset of GBK and GB2312)."""

COORD_SYSTEMS = ("WGS-84", "GCJ-02", "BD-09")
"""Values of the optional ``coord_system`` column: WGS-84 (GPS, OpenStreetMap), GCJ-02 (Amap,
Tencent, Google China), BD-09 (Baidu). Converted to WGS-84 on read by :mod:`optimizer.io.coords`."""

KINDS = ("id", "text", "lon", "lat", "number", "count", "time", "yes_no", "days", "choice",
         "list")
"""Column kinds: how a cell is read (``count`` = whole number >= 0, ``time`` = clock time
``HH:MM``, ``list`` = items separated by ``;``)."""

EXCEL_DAY_ZERO = (dt.date(1899, 12, 30), dt.date(1899, 12, 31), dt.date(1900, 1, 1))
"""Dates Excel and LibreOffice give a time-only cell read as a date-time (serial day 0 in the
1900 date system is shown as 1900-01-00 = 1899-12-31; openpyxl's epoch is 1899-12-30; some
exporters write 1900-01-01)."""

EXCEL_DATED_FROM = 1980
"""In a time column, a date-time cell dated before this year is a number shown as a time (Excel
serial 730 formatted ``h:mm`` is 1901-12-30 00:00), not a dated time a person typed; no dialysis
or meals table holds dates before 1980."""

@dataclass(frozen=True)
class Column:
    """One column of an input table.

    Parameters
    ----------
    name
        Header text, exactly (case-sensitive).
    kind
        One of :data:`KINDS`.
    required
        The header must be present (cells may still be checked by the reader).
    default
        Value used when the column is absent or a cell is empty (text, as a user would type it);
        ``None`` = no default.
    unit
        Unit of the values (``"meals/day"``, ``"minutes"``, ``"degrees (EPSG:4326)"``…).
    allowed
        Allowed values (for ``choice``, ``yes_no``) or a format description.
    zh, en
        Meaning, in Chinese and English.
    example
        An example cell value.
    minimum, maximum
        Plausibility bounds of a numeric column (inclusive); a value outside is an error whose
        message gives ``bound_source``.
    bound_source
        Where the bounds come from (a source or a stated assumption).
    """

    name: str
    kind: str = "text"
    required: bool = False
    default: str | None = None
    unit: str = ""
    allowed: tuple[str, ...] = ()
    zh: str = ""
    en: str = ""
    example: str = ""
    minimum: float | None = None
    maximum: float | None = None
    bound_source: str = ""

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"column {self.name!r}: kind {self.kind!r} not in {KINDS}")


@dataclass(frozen=True)
class TableSpec:
    """The declared columns of one input table.

    Parameters
    ----------
    name
        Table name; also the template file stem (``dialysis_patients`` → ``dialysis_patients.csv``).
    id_col
        The column holding each record's unique id.
    columns
        Every column the reader knows, required and optional, in template order.
    zh, en
        What the table holds, in Chinese and English.
    scenario_key
        The scenario key that names the file (``"dialysis.patients"``).
    example_rows
        Example rows (column → text) for ``optimizer init`` and the data guide; flagged synthetic.
    """

    name: str
    id_col: str
    columns: tuple[Column, ...]
    zh: str = ""
    en: str = ""
    scenario_key: str = ""
    example_rows: tuple[dict[str, str], ...] = field(default=(), compare=False)

    @property
    def names(self) -> tuple[str, ...]:
        """Every known column name, in template order."""
        return tuple(c.name for c in self.columns)

    @property
    def required(self) -> tuple[str, ...]:
        """The required column names."""
        return tuple(c.name for c in self.columns if c.required)

    def column(self, name: str) -> Column:
        """The column called ``name`` (KeyError if unknown)."""
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)

    def check_header(self, header: Sequence[str], fname: str) -> list[InputError]:
        """Problems of a header row (line 1): unknown columns, each with a suggestion, and one
        error listing every missing required column. Empty list if the header is fine."""
        errors = []
        known = self.names
        for col in header:
            if col in known:
                continue
            errors.append(InputError(f"unknown column {col!r}; {_suggest(col, known)}",
                                     file=fname, line=1, field=col))
        missing = [c for c in self.required if c not in header]
        if missing:
            errors.append(InputError(
                f"missing required column(s) {missing}; table '{self.name}' needs "
                f"{list(self.required)} (optional: {[c for c in known if c not in self.required]})",
                file=fname, line=1, field=missing[0]))
        return errors

    def check_bounds(self, df: pd.DataFrame, lines: Sequence[int], fname: str
                     ) -> list[InputError]:
        """Numeric cells outside a column's ``minimum``/``maximum`` (non-numeric and empty cells
        are left to the reader). Each error names the line, the record id and the field."""
        errors = []
        ids = df[self.id_col].astype(str).tolist() if self.id_col in df.columns else None
        for col in self.columns:
            if (col.minimum is None and col.maximum is None) or col.name not in df.columns:
                continue
            for k, raw in enumerate(df[col.name]):
                v = _number(raw)
                if v is None or (col.kind == "count" and v < 0):
                    continue  # not a number / a negative count: the reader's own error
                bad = ((col.minimum is not None and v < col.minimum)
                       or (col.maximum is not None and v > col.maximum))
                if bad:
                    who = f"{ids[k]!r}: " if ids else ""
                    errors.append(InputError(
                        f"{who}{col.name} {str(raw).strip()} is outside {_range(col)} "
                        f"{col.unit}".rstrip() + f" ({col.bound_source}); fix the value",
                        file=fname, line=lines[k], row=k + 1, field=col.name))
        return errors


def point_columns(*, lon_example: str = "122.295001", lat_example: str = "29.955011"
                  ) -> tuple[Column, ...]:
    """``lon``, ``lat`` (required) and the optional ``coord_system`` and ``synthetic`` columns
    that every point table has."""
    return (
        Column("lon", "lon", True, unit="degrees", zh="经度", en="longitude",
               example=lon_example),
        Column("lat", "lat", True, unit="degrees", zh="纬度", en="latitude", example=lat_example),
        Column("coord_system", "choice", default="WGS-84", allowed=COORD_SYSTEMS,
               zh="坐标系（高德为 GCJ-02，百度为 BD-09，GPS 为 WGS-84）",
               en="coordinate system of lon/lat (Amap: GCJ-02, Baidu: BD-09, GPS: WGS-84)",
               example="WGS-84"),
        Column("synthetic", "yes_no", default="no", allowed=("yes", "no"),
               zh="该行为合成（虚构）数据", en="the row is synthetic (made-up) data",
               example="no"),
    )


def info_columns(*names: str) -> tuple[Column, ...]:
    """Optional free-text columns kept for people (provenance notes of the embedded data)."""
    meaning = {
        "coord_quality": ("坐标来源与精度说明", "where the point comes from and how exact it is"),
        "coord_source": ("坐标来源", "source of the point"),
        "coord_note": ("坐标说明", "note on the point"),
        "note": ("备注", "note"),
        "source": ("数据来源", "source of the row"),
    }
    return tuple(Column(n, "text", zh=meaning[n][0], en=meaning[n][1]) for n in names)


def _suggest(col: str, known: Sequence[str]) -> str:
    """``did you mean 'x'?`` (close match, case ignored) or the list of known columns."""
    lower = {k.lower(): k for k in known}
    close = difflib.get_close_matches(col.strip().lower(), list(lower), n=1, cutoff=0.6)
    if close:
        return f"did you mean {lower[close[0]]!r}? Rename the column"
    return f"known columns are {list(known)}; rename or delete it"


def _range(col: Column) -> str:
    if col.minimum is not None and col.maximum is not None:
        return f"{col.minimum:g}..{col.maximum:g}"
    if col.minimum is not None:
        return f">= {col.minimum:g}"
    return f"<= {col.maximum:g}"


def _number(raw: Any) -> float | None:
    try:
        v = float(str(raw).strip().replace("\u2212", "-"))
    except ValueError:
        return None
    return v if math.isfinite(v) else None


# ----------------------------------------------------------------------------- reading
@dataclass
class Table:
    """A table as read: text cells, the spreadsheet line of each record, the encoding.

    Attributes
    ----------
    df
        One row per non-blank record, every cell text (stripped); columns = header cells.
    lines
        ``lines[k]`` is the spreadsheet line of ``df`` row ``k`` (header = line 1).
    encoding
        ``"utf-8"``, ``"gb18030"`` or ``"xlsx"``.
    """

    df: pd.DataFrame
    lines: list[int]
    encoding: str


# ----------------------------------------------------------------------------- read log
FORMS = {"utf-8": "UTF-8", "gb18030": "GBK/GB18030", "xlsx": "XLSX", "geojson": "GeoJSON",
         "json": "GeoJSON", "gpkg": "GeoPackage", "shp": "Shapefile"}
"""How ``optimizer validate`` names a file's encoding or format."""


@dataclass(frozen=True)
class FileRead:
    """One data file a reader read: its path, encoding or format (:data:`FORMS`) and, for a
    point file, its coordinate system when not WGS-84 (``""`` = WGS-84 or no coordinates)."""

    file: str
    form: str
    coord_system: str = ""

    def describe(self) -> str:
        """``"…/units.csv (UTF-8)"``, ``"…/units.csv (UTF-8, GCJ-02)"``."""
        parts = [FORMS.get(self.form.lower(), self.form), self.coord_system]
        return f"{self.file} ({', '.join(p for p in parts if p)})"


_READS: ContextVar[dict[str, FileRead] | None] = ContextVar("optimizer_reads", default=None)


@contextmanager
def recording_reads() -> Iterator[dict[str, FileRead]]:
    """Within the block, every file read by :func:`read_table` or
    :func:`optimizer.io.points.read_points` is recorded (path → :class:`FileRead`, in the order
    first read; a later read of the same file updates it), e.g. for ``optimizer validate``'s
    list of the files it checked. Blocks nest (each records its own)."""
    reads: dict[str, FileRead] = {}
    token = _READS.set(reads)
    try:
        yield reads
    finally:
        _READS.reset(token)


def record_read(file: str | Path, form: str, coord_system: str = "") -> None:
    """Record a file read (no-op outside :func:`recording_reads`)."""
    reads = _READS.get()
    if reads is not None:
        reads[str(file)] = FileRead(str(file), form, coord_system)


def read_table(path: str | Path, *, encoding: str | None = None, sheet: str | int = 0,
               time_cols: Iterable[str] = ()) -> Table:
    """Read a CSV or XLSX table as text cells, keeping each record's spreadsheet line.

    Parameters
    ----------
    path
        ``.csv``/``.txt`` (UTF-8, UTF-8 with BOM, GBK or GB18030, detected in that order) or
        ``.xlsx``/``.xlsm``.
    encoding
        Force a text encoding instead of detection.
    sheet
        Sheet name or 0-based index for workbooks.
    time_cols
        Columns holding clock times: a numeric Excel cell there in [0, 1) is a day fraction and
        becomes ``HH:MM:SS`` (other numbers stay as typed, so ``730`` is refused by the reader).

    Returns
    -------
    Table

    Raises
    ------
    optimizer.errors.InputError
        File missing, unreadable, empty, an old ``.xls``, a header with repeated or empty
        names, a record with more cells than the header, or a CSV that does not decode (a file
        mixing UTF-8 and GBK lines is refused naming the lines that are not UTF-8).
    """
    path = Path(path)
    fname = str(path)
    if not path.exists():
        raise InputError("file not found", file=fname)
    suffix = path.suffix.lower()
    if suffix == ".xls":
        raise InputError("old .xls workbooks are not supported; save as .xlsx or CSV", file=fname)
    if suffix in (".xlsx", ".xlsm"):
        records, used = _xlsx_records(path, sheet, set(time_cols)), "xlsx"
    else:
        text, used = decode_text(path.read_bytes(), fname, encoding)
        records = _csv_records(text, fname)
    record_read(fname, used)
    return _to_table(records, fname, used)


def decode_text(raw: bytes, fname: str, encoding: str | None = None) -> tuple[str, str]:
    """Text of a file in UTF-8 (BOM dropped) or GB18030, and the encoding used.

    Raises
    ------
    optimizer.errors.InputError
        If no encoding fits, or if some lines are UTF-8 text and others are not (a file pasted
        together from UTF-8 and GBK sources): the error names the lines that fail (field
        ``encoding``).
    """
    if encoding:
        try:
            return raw.decode(encoding), encoding
        except (UnicodeDecodeError, LookupError) as exc:
            raise InputError(f"cannot decode the file as {encoding} ({exc})", file=fname,
                             field="encoding") from exc
    try:
        return raw.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        pass
    bad, utf8_text = _utf8_lines(raw)
    if bad and utf8_text:
        shown = ", ".join(str(n) for n in bad[:10]) + (" …" if len(bad) > 10 else "")
        raise InputError(
            f"mixed text encodings: line(s) {shown} are not UTF-8 (GBK?) while line(s) "
            f"{', '.join(str(n) for n in utf8_text[:3])} are UTF-8 Chinese text; save the whole "
            "file in one encoding (Excel: Save As → CSV UTF-8) / 文件混用了 UTF-8 与 GBK 编码，"
            "请整体另存为 CSV UTF-8", file=fname, line=bad[0], field="encoding")
    try:
        return raw.decode("gb18030"), "gb18030"
    except UnicodeDecodeError as exc:
        line = raw[:exc.start].count(b"\n") + 1
        raise InputError("cannot decode the file as UTF-8 or GBK/GB18030; save it as CSV UTF-8",
                         file=fname, line=line, field="encoding") from exc


def _utf8_lines(raw: bytes) -> tuple[list[int], list[int]]:
    """1-based lines that are not UTF-8, and lines that are UTF-8 with characters beyond
    U+07FF (CJK text: GBK bytes almost never form such sequences by accident)."""
    bad, cjk = [], []
    for n, chunk in enumerate(raw.split(b"\n"), start=1):
        try:
            s = chunk.decode("utf-8-sig" if n == 1 else "utf-8")
        except UnicodeDecodeError:
            bad.append(n)
            continue
        if any(ord(ch) > 0x7FF for ch in s):
            cjk.append(n)
    return bad, cjk


def _csv_records(text: str, fname: str) -> list[tuple[int, list[str]]]:
    """(first line, cells) of every CSV record (a quoted cell may span lines)."""
    reader = csv.reader(io.StringIO(text))
    out = []
    start = 1
    try:
        for cells in reader:
            out.append((start, cells))
            start = reader.line_num + 1
    except csv.Error as exc:
        raise InputError(f"not a valid CSV table ({exc})", file=fname,
                         line=reader.line_num) from exc
    return out


def _xlsx_records(path: Path, sheet: str | int, time_cols: set[str]
                  ) -> list[tuple[int, list[str]]]:
    """(Excel row number, cells as text) of every row of the sheet."""
    import openpyxl

    fname = str(path)
    try:
        wb = openpyxl.load_workbook(path, data_only=True)
        ws = wb.worksheets[sheet] if isinstance(sheet, int) else wb[sheet]
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many kinds
        raise InputError(f"cannot read workbook ({exc})", file=fname) from exc
    rows = [(n, list(r)) for n, r in enumerate(ws.iter_rows(values_only=True), start=1)]
    header = [str(c).strip() if c is not None else "" for c in rows[0][1]] if rows else []
    timed = [h in time_cols for h in header]
    return [(n, [excel_text(c, time=timed[i] if i < len(timed) else False)
                 for i, c in enumerate(r)]) for n, r in rows]


def excel_text(cell: Any, *, time: bool = False) -> str:
    """Text of one Excel cell value as openpyxl returns it.

    Time cells (``datetime.time``, a ``datetime`` on Excel's day zero :data:`EXCEL_DAY_ZERO`,
    ``timedelta``) become ``HH:MM:SS``; other date-times ISO 8601; whole floats lose ``.0``; a
    number in [0, 1) in a ``time`` column (a day fraction) becomes ``HH:MM:SS``. In a ``time``
    column, a number >= 1 or < 0 that the cell's time format shows as a time (openpyxl returns
    ``730`` formatted ``h:mm`` as 1901-12-30 00:00, a date before :data:`EXCEL_DATED_FROM`, or
    ``[h]:mm`` as a timedelta of 730 days) becomes the number typed (``"730"``), which the
    reader refuses like the CSV text ``730`` (it was read as 00:00).

    Examples
    --------
    >>> excel_text(dt.datetime(1899, 12, 30, 8, 0)), excel_text(0.3125, time=True), excel_text(4.0)
    ('08:00:00', '07:30:00', '4')
    >>> excel_text(dt.datetime(1901, 12, 30), time=True), excel_text(dt.timedelta(days=730), time=True)
    ('730', '730')
    """
    if cell is None:
        return ""
    if isinstance(cell, bool):
        return "yes" if cell else "no"
    if isinstance(cell, dt.datetime):
        if cell.date() in EXCEL_DAY_ZERO:
            return cell.strftime("%H:%M:%S")
        if time and cell.year < EXCEL_DATED_FROM:  # a number >= 1 or < 0 shown as a time
            return _serial_text((cell - dt.datetime(1899, 12, 30)).total_seconds() / 86400)
        return cell.isoformat()
    if isinstance(cell, dt.time):
        return cell.strftime("%H:%M:%S")
    if isinstance(cell, dt.date):
        return cell.isoformat()
    if isinstance(cell, dt.timedelta):
        if time and not dt.timedelta(0) <= cell < dt.timedelta(days=1):
            return _serial_text(cell.total_seconds() / 86400)
        s = round(cell.total_seconds())
        return f"{s // 3600:02d}:{s % 3600 // 60:02d}:{s % 60:02d}"
    if isinstance(cell, (int, float)):
        if time and 0 <= cell < 1:
            s = round(cell * 86400)
            return f"{s // 3600:02d}:{s % 3600 // 60:02d}:{s % 60:02d}"
        if isinstance(cell, float) and cell.is_integer():
            return str(int(cell))
        return str(cell)
    return str(cell).strip()


def _serial_text(days: float) -> str:
    """The number an Excel cell holds (days), as the user typed it: ``730``, ``-0.5``."""
    days = round(days, 9)
    return str(int(days)) if float(days).is_integer() else repr(days)


def _to_table(records: list[tuple[int, list[str]]], fname: str, used: str) -> Table:
    """Header check of shape (repeated/empty names), blank records dropped, short rows padded."""
    records = [(n, [str(c).strip() for c in cells]) for n, cells in records]
    records = [(n, cells) for n, cells in records if any(cells)]
    if not records:
        raise InputError("the file is empty; expected a header row and data rows", file=fname)
    hline, header = records[0]
    header = [h.lstrip("\ufeff").strip() for h in header]
    body = records[1:]
    while header and header[-1] == "" and all(len(c) < len(header) or c[len(header) - 1] == ""
                                              for _, c in body):
        header.pop()  # trailing empty columns of an Excel export
    _check_header_shape(header, fname, hline)
    rows, lines = [], []
    for n, cells in body:
        extra = cells[len(header):]
        if any(extra):
            raise InputError(f"{len(cells)} cells but the header has {len(header)} columns; "
                             "remove the extra cells or quote cells that contain commas",
                             file=fname, line=n)
        rows.append((cells + [""] * len(header))[:len(header)])
        lines.append(n)
    if not rows:
        raise InputError("no data rows below the header", file=fname, line=hline)
    return Table(pd.DataFrame(rows, columns=header, dtype=str), lines, used)


def _check_header_shape(header: list[str], fname: str, hline: int) -> None:
    seen: set[str] = set()
    for i, h in enumerate(header, start=1):
        if h == "":
            raise InputError(f"column {i} has no header; name it or delete the column",
                             file=fname, line=hline)
        if h in seen:
            raise InputError(f"column {h!r} appears twice in the header; keep one", file=fname,
                             line=hline, field=h)
        seen.add(h)


# ----------------------------------------------------------------------------- templates
GUIDE_SHEET = "说明 Guide"
"""Name of the second sheet of every XLSX template (one row per column)."""

GUIDE_HEADER = ("column 列名", "required 必填", "default 默认值", "unit 单位",
                "allowed 可选值", "含义", "meaning", "example 示例")
"""Header of the guide sheet and of the Markdown column tables."""


def guide_rows(spec: TableSpec) -> list[tuple[str, ...]]:
    """One row per column: name, required (yes/no), default, unit, allowed, zh, en, example."""
    return [(c.name, "yes 是" if c.required else "no 否", c.default or "", c.unit,
             " / ".join(c.allowed) or (_range(c) if c.minimum is not None
                                       or c.maximum is not None else ""),
             c.zh, c.en, c.example) for c in spec.columns]


def write_templates(specs: Iterable[TableSpec], out_dir: str | Path) -> list[Path]:
    """Write a blank XLSX (header + guide sheet) and CSV (UTF-8 with BOM) template per table.

    Parameters
    ----------
    specs
        The tables (e.g. every registered service's ``tables``).
    out_dir
        Folder to write into (created if missing).

    Returns
    -------
    list of Path
        The files written (``<name>.xlsx`` then ``<name>.csv`` for each table).
    """
    import openpyxl
    from openpyxl.styles import Font

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for spec in specs:
        wb = openpyxl.Workbook()
        ws = wb.active
        ws.title = spec.name[:31]
        ws.append(list(spec.names))
        for cell in ws[1]:
            cell.font = Font(bold=spec.column(str(cell.value)).required)
        guide = wb.create_sheet(GUIDE_SHEET)
        guide.append([f"{spec.zh} / {spec.en}"])
        guide.append(list(GUIDE_HEADER))
        for r in guide_rows(spec):
            guide.append(list(r))
        x = out / f"{spec.name}.xlsx"
        wb.save(x)
        c = out / f"{spec.name}.csv"
        write_csv(c, spec.names, [])
        written += [x, c]
    return written


def write_csv(path: Path, header: Sequence[str], rows: Iterable[Sequence[str]]) -> None:
    """A CSV in UTF-8 with BOM (so Excel shows Chinese correctly), ``\\r\\n`` line ends."""
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)


def markdown(specs: Iterable[TableSpec]) -> str:
    """The column reference of every table as Markdown: one bilingual table per input file."""
    parts = []
    for spec in specs:
        parts.append(f"### `{spec.name}` — {spec.zh} / {spec.en}\n")
        if spec.scenario_key:
            parts.append(f"Scenario key 情景键: `{spec.scenario_key}`; id column 编号列: "
                         f"`{spec.id_col}`.\n")
        parts.append("| " + " | ".join(GUIDE_HEADER) + " |")
        parts.append("|" + "---|" * len(GUIDE_HEADER))
        for r in guide_rows(spec):
            cells = [f"`{r[0]}`", *r[1:7], f"`{r[7]}`" if r[7] else ""]
            parts.append("| " + " | ".join(s.replace("|", "\\|") for s in cells) + " |")
        parts.append("")
    return "\n".join(parts)


def _main(argv: Sequence[str] | None = None) -> int:
    """``python -m optimizer.io.tables --markdown``: print the column reference."""
    import sys

    args = list(sys.argv[1:] if argv is None else argv)
    if args != ["--markdown"]:
        print("usage: python -m optimizer.io.tables --markdown", file=sys.stderr)
        return 2
    import importlib

    # entry point, not library code: the registry sits above io (layering), so it is looked up
    # by name here rather than imported by the module
    registry = importlib.import_module("optimizer.scenario.registry")
    print(markdown(registry.all_tables()))
    return 0


if __name__ == "__main__":  # pragma: no cover - exercised through subprocess in the tests
    raise SystemExit(_main())
