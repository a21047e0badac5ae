"""Write XLSX workbooks that are byte-identical for identical content.

openpyxl stamps the current time into ``docProps/core.xml`` (created, modified) and every zip
entry carries the time it was written, so two saves of the same workbook differ.
:func:`save_workbook` writes the workbook with fixed document times and fixed zip entry times
(:data:`XLSX_TIMESTAMP`), in openpyxl's own entry order: the same workbook gives the same bytes,
and the file is an ordinary XLSX that openpyxl, LibreOffice and Excel open.

Examples
--------
>>> from openpyxl import Workbook
>>> wb = Workbook()
>>> wb.active["A1"] = "车辆 Vehicle"
>>> save_workbook(wb, "/tmp/example.xlsx")  # doctest: +SKIP
PosixPath('/tmp/example.xlsx')
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from openpyxl import Workbook

__all__ = ["XLSX_TIMESTAMP", "save_workbook"]

XLSX_TIMESTAMP = dt.datetime(1980, 1, 1)
"""Document created/modified time (UTC) and zip entry time written into every workbook: the zip
format's epoch (the earliest time a zip entry can hold), so no run-dependent time is written."""

_ENTRY_MODE = 0o644 << 16
"""Unix permission bits of every zip entry (``-rw-r--r--``), fixed so the umask does not matter."""


def save_workbook(wb: Workbook, path: str | Path, *,
                  timestamp: dt.datetime = XLSX_TIMESTAMP) -> Path:
    """Save ``wb`` as ``.xlsx`` with fixed document and zip times (identical bytes per content).

    Parameters
    ----------
    wb
        An :class:`openpyxl.Workbook`; its ``properties.created`` and ``properties.modified``
        are set to ``timestamp``.
    path
        Output file; parent folders are created.
    timestamp
        The time written (naive, read as UTC); default :data:`XLSX_TIMESTAMP`. Must be on or
        after 1980-01-01 (the zip format cannot hold earlier times).

    Returns
    -------
    pathlib.Path
        The written file.

    Raises
    ------
    ValueError
        If ``timestamp`` is before 1980.
    """
    from openpyxl.writer.excel import ExcelWriter

    if timestamp.year < 1980:
        raise ValueError(f"timestamp {timestamp} is before 1980: a zip entry cannot hold it")
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    wb.properties.created = timestamp
    wb.properties.modified = timestamp
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
        ExcelWriter(wb, archive).save()
    date_time = timestamp.timetuple()[:6]
    with zipfile.ZipFile(buffer) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED,
                                                         allowZip64=True) as dst:
        for entry in src.infolist():
            info = zipfile.ZipInfo(entry.filename, date_time=date_time)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = _ENTRY_MODE
            dst.writestr(info, src.read(entry.filename))
    return out
