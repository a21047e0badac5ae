"""Parameters of the visits service (scenario section ``visits:``), defined once."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Literal

from pydantic import Field

from optimizer.params import params

__all__ = ["DEFAULT_FILES", "DEFAULT_VISITS_PER_YEAR", "VISIT_MIN", "VisitsParams"]

DEFAULT_FILES = {"households": "synthetic/needy_households.csv",
                 "offices": "synthetic/offices.csv",
                 "villages": "synthetic/elderly.csv"}
"""Default data files, relative to the dataset folder (``data/geo/putuo``)."""

DEFAULT_VISITS_PER_YEAR = {"低保": 4, "低边": 2, "特困": 12, "支出型": 6}
"""Visits a year by category when a household's ``visits_per_year`` cell is empty (assumption,
as the synthetic data's :data:`optimizer.synthetic.needy.VISITS_PER_YEAR`: 特困 monthly, 支出型
every two months, 低保 quarterly, 低边 half-yearly; the bureau's own rule replaces these)."""

VISIT_MIN = 45.0
"""Minutes spent in a home per visit (assumption: a conversation, a look at the home and the
record; no Putuo figure found)."""


@params
class VisitsParams:
    """The visiting service for needy households (人户分离困难群众探访关爱“呼叫转移”).

    Reads and checks the households and offices, publishes the hand-off (which registration
    office passes how many cases to which residence office) and plans the visits of the horizon
    (:mod:`optimizer.services.visits.planning`): every visit due, by a worker of the residence
    office, on its working days, one route a worker-day from the office and back.

    Parameters
    ----------
    enabled
        Run the service (``visits/handoff*.csv``, ``maps/handoff.html``).
    households
        Needy households file (CSV/XLSX; columns in the data guide, table
        ``needy_households``); ``None`` = the dataset's ``synthetic/needy_households.csv``.
    offices
        Offices file, one per town/street (table ``offices``); ``None`` = the dataset's
        ``synthetic/offices.csv``.
    villages
        Villages with their town and island (``village_code``, ``town_code``, ``island_id``,
        ``name_zh``, optional ``lon``/``lat`` for the territories map); ``None`` = the
        dataset's ``synthetic/elderly.csv``.
    plan_visits
        Plan the visits of the horizon (calendar, daily sheets, territories map); False = the
        hand-off only.
    horizon_start
        First day of the planning horizon; ``None`` = the first day of the scenario date's month.
    horizon_days
        Days in the horizon (1..92); ``None`` = to the end of ``horizon_start``'s month.
    visit_min
        Minutes in a home per visit (> 0); default :data:`VISIT_MIN` (assumption).
    ferry_day_extra_min
        Minutes a worker-day to an island reached by ferry may run past ``hours_per_day``
        (>= 0; default 0: the office's hours hold on ferry days too). The synthetic offices'
        6 visiting hours are a 7.5-hour day less office work, so 90 lets a ferry day take the
        whole working day.
    travel_mode
        How workers travel on land (``"car"`` default: offices' cars; ``"ebike"``,
        ``"walk"``); they cross to other islands as foot passengers on any sailing.
    """

    enabled: bool = True
    households: Path | None = None
    offices: Path | None = None
    villages: Path | None = None
    plan_visits: bool = True
    horizon_start: dt.date | None = None
    horizon_days: int | None = Field(default=None, ge=1, le=92)
    visit_min: float = Field(default=VISIT_MIN, gt=0, le=480, allow_inf_nan=False)
    ferry_day_extra_min: float = Field(default=0.0, ge=0, le=360, allow_inf_nan=False)
    travel_mode: Literal["car", "ebike", "walk"] = "car"
