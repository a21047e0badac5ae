"""Reading the dialysis week's inputs: the day inputs (patients, units, vehicles) and the dated
exceptions file, validated strictly (every problem at once, file, line, id and field named)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from optimizer.errors import InputError, InputErrors
from optimizer.io.provenance import synthetic_note, synthetic_rows
from optimizer.io.tables import read_table
from optimizer.results import Note
from optimizer.services.dialysis.records import DialysisInputs
from optimizer.services.dialysis_week.columns import ALL_PATIENTS, EXCEPTIONS, KINDS

__all__ = ["SessionException", "WeekInputs", "read_exceptions"]


@dataclass(frozen=True)
class SessionException:
    """One dated exception: no session (so no ride) for ``patient_id`` on ``date``.

    Attributes
    ----------
    patient_id
        The patient, or ``"*"`` (:data:`~optimizer.services.dialysis_week.columns.ALL_PATIENTS`)
        for a holiday of every patient.
    date
        The day.
    kind
        ``cancelled``, ``hospital_stay`` or ``holiday``.
    note
        Free text for the dispatcher (dispatcher files only).
    line
        Spreadsheet line in the file (header = line 1).
    """

    patient_id: str
    date: dt.date
    kind: str
    note: str = ""
    line: int = 0

    def applies(self, patient_id: str, day: dt.date) -> bool:
        """Whether the exception takes away ``patient_id``'s session on ``day``."""
        return self.date == day and self.patient_id in (patient_id, ALL_PATIENTS)


@dataclass(frozen=True)
class WeekInputs:
    """What the week plans from: the day inputs and the exceptions.

    Attributes
    ----------
    day
        :class:`~optimizer.services.dialysis.DialysisInputs` (patients with their weekly
        ``schedule``, units, vehicles).
    exceptions
        Every exception of the file, in file order.
    notes
        The day inputs' notes, then the exceptions file's synthetic-data label (if flagged).
    exceptions_file
        The file read (``""`` when none).
    """

    day: DialysisInputs
    exceptions: tuple[SessionException, ...] = ()
    notes: tuple[Note, ...] = ()
    exceptions_file: str = ""

    def describe(self) -> str:
        """One line for ``optimizer validate``."""
        return (f"{len(self.day.patients)} patients, {len(self.day.vehicles)} vehicles, "
                f"{len(self.exceptions)} exceptions"
                + (f" ({self.exceptions_file})" if self.exceptions_file else ""))


def _date(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        return None


def read_exceptions(path: str | Path, patient_ids: Iterable[str]
                    ) -> tuple[tuple[SessionException, ...], Note | None]:
    """Read and validate the exceptions file (table
    :data:`~optimizer.services.dialysis_week.columns.EXCEPTIONS`).

    Parameters
    ----------
    path
        CSV or XLSX file.
    patient_ids
        The known patient ids (an exception must name one, or ``*``/empty for a holiday).

    Returns
    -------
    exceptions, note
        The exceptions in file order, and the synthetic-data label when rows are flagged
        ``synthetic`` (else ``None``).

    Raises
    ------
    optimizer.errors.InputErrors
        Every problem at once, each naming the file, line, patient id and field: an unknown or
        misspelt column, an unknown patient, a date not ``YYYY-MM-DD``, a kind not in
        :data:`~optimizer.services.dialysis_week.columns.KINDS`, a whole-day exception that is
        not a holiday, the same patient and date twice.
    """
    fname = str(path)
    table = read_table(path)
    df, lines = table.df, table.lines
    errors = EXCEPTIONS.check_header(list(df.columns), fname)
    if errors:
        raise InputErrors(errors)
    known = set(patient_ids)
    out: list[SessionException] = []
    seen: dict[tuple[str, dt.date], int] = {}
    for k, rec in enumerate(df.to_dict("records")):
        line, n0 = lines[k], len(errors)
        pid = str(rec.get("patient_id", "")).strip() or ALL_PATIENTS
        kind = str(rec.get("kind", "")).strip()
        raw_date = str(rec.get("date", "")).strip()
        day = _date(raw_date)
        who = f"patient {pid}" if pid != ALL_PATIENTS else "every patient (*)"

        def err(fld: str, msg: str, _line: int = line, _who: str = who) -> None:
            errors.append(InputError(f"{_who}: {msg}", file=fname, line=_line, field=fld))

        if pid != ALL_PATIENTS and pid not in known:
            err("patient_id", f"unknown patient {pid!r}; the patients file has no such id")
        if day is None:
            err("date", f"{raw_date!r} is not a date; write YYYY-MM-DD (e.g. 2026-12-02)")
        if kind not in KINDS:
            err("kind", f"{kind!r} is not one of {list(KINDS)}")
        elif pid == ALL_PATIENTS and kind != "holiday":
            err("patient_id", f"a {kind} exception needs a patient id (only a holiday may apply "
                              "to every patient)")
        if day is not None and (pid, day) in seen:
            err("date", f"{day} is listed twice (lines {seen[(pid, day)]} and {line}); keep one")
        if len(errors) == n0 and day is not None:
            seen[(pid, day)] = line
            out.append(SessionException(pid, day, kind, str(rec.get("note", "") or "").strip(),
                                        line))
    if errors:
        raise InputErrors(errors)
    note = synthetic_note([fname]) if bool(synthetic_rows(df).any()) else None
    return tuple(out), note
