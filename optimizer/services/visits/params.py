"""Parameters of the visits service (scenario section ``visits:``), defined once."""

from __future__ import annotations

from pathlib import Path

from optimizer.params import params

__all__ = ["DEFAULT_FILES", "DEFAULT_VISITS_PER_YEAR", "VisitsParams"]

DEFAULT_FILES = {"households": "synthetic/needy_households.csv",
                 "offices": "synthetic/offices.csv",
                 "villages": "synthetic/elderly.csv"}
"""Default data files, relative to the dataset folder (``data/geo/putuo``)."""

DEFAULT_VISITS_PER_YEAR = {"低保": 4, "低边": 2, "特困": 12, "支出型": 6}
"""Visits a year by category when a household's ``visits_per_year`` cell is empty (assumption,
as the synthetic data's :data:`optimizer.synthetic.needy.VISITS_PER_YEAR`: 特困 monthly, 支出型
every two months, 低保 quarterly, 低边 half-yearly; the bureau's own rule replaces these)."""


@params
class VisitsParams:
    """The visiting service for needy households (人户分离困难群众探访关爱“呼叫转移”).

    This increment reads and checks the households and offices and publishes the hand-off: which
    registration office passes how many cases to which residence office.

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
        ``name_zh``); ``None`` = the dataset's ``synthetic/elderly.csv``.
    """

    enabled: bool = True
    households: Path | None = None
    offices: Path | None = None
    villages: Path | None = None
