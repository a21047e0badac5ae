"""Writer of the flats service: published counts by island and the day before/after, and the
dispatcher's list of patients to offer a flat.

Files: ``flats/flats_by_island.csv`` (islands and counts only: candidates, offered, weekly
hours saved), ``flats/flats_day_before_after.csv`` (the day plan's vehicles, trips and driving
before and after the offered patients move in), ``dispatch/flats_offer.csv`` (patient id, name,
phone, island, weekly hours saved: personal) and ``dispatch/flats_candidates.csv`` (every
patient of the unit with the decision and the hours: patient ids, dispatcher only).
"""

from __future__ import annotations

from pathlib import Path

from optimizer.outputs.csvfiles import write_csv
from optimizer.services.base import OutputFile, WriteContext
from optimizer.services.flats.result import FlatsPlan

__all__ = ["write_flats"]


def write_flats(result: FlatsPlan, out_dir: Path, ctx: WriteContext) -> list[OutputFile]:
    """Write the flats tables under ``out_dir`` and return every file written.

    Parameters
    ----------
    result
        From :func:`optimizer.services.flats.plan_flats`.
    out_dir
        The run folder.
    ctx
        Unused beyond the contract (the tables carry no map).

    Returns
    -------
    list of OutputFile
    """
    out = Path(out_dir)
    k = result.kpis
    write_csv(result.by_island(), out / "flats" / "flats_by_island.csv")
    write_csv(result.freed(), out / "flats" / "flats_day_before_after.csv")
    write_csv(result.offer_list(), out / "dispatch" / "flats_offer.csv")
    write_csv(result.candidates(), out / "dispatch" / "flats_candidates.csv")
    return [
        OutputFile("flats/flats_by_island.csv",
                   f"透析公寓按岛（仅人数） Flats by island: {k['offered']} of {k['flats']} flats "
                   f"offered ({k['status']}), weekly hours saved (counts only)"),
        OutputFile("flats/flats_day_before_after.csv",
                   "入住公寓前后的当日接送方案 The day plan before and after the offered patients "
                   "move in: vehicles, trips served, driving"),
        OutputFile("dispatch/flats_offer.csv",
                   "调度员：建议提供公寓的患者（姓名、电话） Dispatcher: patients to offer a flat "
                   "(name, phone, weekly hours saved)", personal=True),
        OutputFile("dispatch/flats_candidates.csv",
                   "调度员：全部患者及决定 Dispatcher: every patient of the unit with the "
                   "decision and weekly hours", personal=True),
    ]
