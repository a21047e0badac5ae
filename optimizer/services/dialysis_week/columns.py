"""The declared input table of the dialysis week: dated exceptions to the weekly schedules.

:func:`~optimizer.services.dialysis_week.inputs.read_exceptions` reads the file against
:data:`EXCEPTIONS` (:class:`optimizer.io.tables.TableSpec`): an unknown or misspelt column is an
error with a "did you mean"; ``optimizer template`` writes a blank template and the data guide
lists it.
"""

from __future__ import annotations

from optimizer.io.tables import Column, TableSpec, info_columns

__all__ = ["ALL_PATIENTS", "EXCEPTIONS", "KINDS", "TABLES"]

KINDS = ("cancelled", "hospital_stay", "holiday")
"""Kinds of exception: a cancelled session, a stay in hospital (no session at the unit), a
holiday (the unit closed; may apply to every patient)."""

ALL_PATIENTS = "*"
"""``patient_id`` of a holiday that applies to every patient (an empty cell means the same)."""

EXCEPTIONS = TableSpec(
    "dialysis_exceptions", "patient_id", (
        Column("patient_id", "id", True,
               zh="患者编号（节假日可填 * 或留空，表示全部患者）",
               en="patient id (for a holiday: * or empty = every patient)", example="DP002"),
        Column("date", "text", True, unit="YYYY-MM-DD", zh="日期", en="date", example="2026-12-02"),
        Column("kind", "choice", True, allowed=KINDS,
               zh="类型：cancelled（取消本次治疗）、hospital_stay（住院）、holiday（节假日停诊）",
               en="kind: cancelled (session cancelled), hospital_stay (in hospital), holiday "
                  "(unit closed)", example="cancelled"),
        *info_columns("note"),
        Column("synthetic", "yes_no", default="no", allowed=("yes", "no"),
               zh="该行为合成（虚构）数据", en="the row is synthetic (made-up) data",
               example="no"),
    ),
    "透析例外（取消、住院、节假日）", "dialysis exceptions (cancelled, hospital stay, holiday)",
    "dialysis_week.exceptions",
    example_rows=(
        {"patient_id": "DP002", "date": "2026-12-02", "kind": "cancelled",
         "note": "示例 example", "synthetic": "yes"},
    ),
)
"""Dated exceptions to the weekly schedules (``dialysis_week.exceptions``)."""

TABLES = (EXCEPTIONS,)
"""Every input table of the dialysis week."""
