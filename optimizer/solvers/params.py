"""The solver settings of a scenario (its ``solver:`` section), defined once.

A run is reproducible from its scenario and seed: by default (``stop="work"``) every search stops
on a deterministic work limit (ruin-and-recreate rounds, OR-Tools solutions, CP-SAT deterministic
time) derived from ``time_limit_s``, and the wall clock cuts a search only as a safety cap
(``wall_clock_cap_s``). The result is then the same on every machine and with any number of
``workers``; a search cut by the cap is recorded as such (see
:class:`optimizer.results.SearchRecord`) and the run's manifest says that its result may differ on
another machine. ``stop="time"`` stops every search at ``time_limit_s`` of wall time instead (the
benchmarks' setting: best result in a fixed time, not reproducible).
"""

from __future__ import annotations

import math
from typing import Literal

from pydantic import Field

from optimizer.params import params

__all__ = ["DEFAULT_CAP_FACTOR", "SolverParams"]

DEFAULT_CAP_FACTOR = 6.0
"""Default wall-clock safety cap as a multiple of ``time_limit_s`` (work mode). The work limits
are calibrated to take about ``time_limit_s`` on the reference 2-core machine when it is quiet
(BENCHMARKS.md). The same plan took 3 x that on this machine while two other test processes ran
(the DARP of the Putuo day: 9.3 s quiet, 29.9 s loaded), so a factor of 6 keeps a loaded or
slower machine reproducible and still stops a runaway search."""


@params
class SolverParams:
    """Search limits shared by every solve of a run (scenario ``solver:`` section).

    Parameters
    ----------
    time_limit_s
        Search budget of one solve (the dialysis day plan, one siting model), seconds. In work
        mode it is converted into work limits at rates measured on the reference machine
        (documented beside each search), so a solve takes about this long there.
    stop
        ``"work"`` (default): stop on deterministic work limits, reproducible. ``"time"``: stop on
        the wall clock at ``time_limit_s`` (not reproducible).
    seed
        Seed of every random choice; search ``i`` of a portfolio uses ``seed + i``.
    searches
        Independent searches of a portfolio (different seeds, best kept). Part of the result:
        changing it changes the plan.
    workers
        Processes that run the searches at once (1 to ``searches``); changes the wall time only,
        never the plan.
    wall_clock_cap_s
        Work mode: the wall-clock safety cap of one solve, seconds; ``None`` =
        :data:`DEFAULT_CAP_FACTOR` x ``time_limit_s``.
    decompose_above_requests
        Dial-a-ride days with more requests (legs) than this are solved in parts (island
        groups and time bands, repaired across the cut;
        :mod:`optimizer.solvers.darp_decompose`). Default 300: the Putuo baseline day (152
        legs) is solved whole, as before.
    decompose_part_requests
        Target requests per part of a decomposed day (default 120, within the sizes the work
        rates were measured on).
    """

    time_limit_s: float = Field(default=10.0, gt=0, allow_inf_nan=False)
    stop: Literal["work", "time"] = "work"
    seed: int = Field(default=0, ge=0)
    searches: int = Field(default=2, ge=1, le=64)
    workers: int = Field(default=2, ge=1, le=64)
    wall_clock_cap_s: float | None = Field(default=None, gt=0, allow_inf_nan=False)
    decompose_above_requests: int = Field(default=300, ge=0)
    decompose_part_requests: int = Field(default=120, ge=1)

    @property
    def deterministic(self) -> bool:
        """True in work mode (``stop == "work"``)."""
        return self.stop == "work"

    @property
    def cap_s(self) -> float:
        """Wall-clock limit of one solve in seconds: the safety cap in work mode,
        ``time_limit_s`` in time mode."""
        if not self.deterministic:
            return float(self.time_limit_s)
        if self.wall_clock_cap_s is not None:
            return float(self.wall_clock_cap_s)
        return float(self.time_limit_s) * DEFAULT_CAP_FACTOR

    @property
    def processes(self) -> int:
        """Processes to start for a portfolio: ``min(workers, searches)``."""
        return max(1, min(self.workers, self.searches))

    def work(self, rate_per_s: float, *, share: float = 1.0, minimum: int = 1) -> int:
        """A work limit worth ``share`` of ``time_limit_s`` at ``rate_per_s`` units per second
        (rounded, at least ``minimum``)."""
        return max(minimum, int(math.floor(self.time_limit_s * share * rate_per_s + 0.5)))
