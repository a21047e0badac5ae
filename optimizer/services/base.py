"""The service contract: what every service (dialysis rides, meals, …) offers the scenario runner.

A service is a package under :mod:`optimizer.services` with one object that satisfies
:class:`Service`:

``name``
    The scenario section and output step name (``"dialysis"``).
``Params``
    Its frozen parameter dataclass (:func:`optimizer.params.params`); the scenario schema's
    section *is* this class, so defaults live in one place.
``load(params, ctx) -> inputs``
    Reads and validates every input file the service needs; solves nothing. Raises
    :class:`~optimizer.errors.InputError` / :class:`~optimizer.errors.InputErrors` naming file,
    row, id and field of every problem at once. ``optimizer validate`` is ``load`` of every
    enabled service, so it catches every input error ``run`` would, in seconds.
``plan(inputs, params, ctx) -> result``
    Builds the problems and solves them; returns a result satisfying :class:`ServiceResult`
    (status, KPIs, notes, search records). Writes nothing.
``write(result, out_dir, ctx) -> list[OutputFile]``
    Writes the service's files under ``out_dir`` and returns every file written (paths relative
    to ``out_dir``): the runner lists exactly these in ``index.html`` and the terminal, and scans
    every one outside ``dispatch/`` for personal data.
``personal_data(inputs) -> PersonalData``
    The names, phones and exact points in the inputs that published files must never show.

Layering: a service's planning modules never import :mod:`optimizer.outputs`; only the
package's ``service.py`` (the object above) binds planning to the writers in ``outputs``.
The registry (:mod:`optimizer.scenario.registry`) lists the services; a new service is a new
package plus one registry line.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TypeVar, runtime_checkable

from optimizer.results import Note, SearchRecord, SolveStatus

if TYPE_CHECKING:  # pragma: no cover
    from optimizer.io.tables import TableSpec
    import geopandas as gpd

    from optimizer.network.build import Network
    from optimizer.solvers.params import SolverParams

__all__ = [
    "DataContext",
    "OutputFile",
    "PersonalData",
    "PlanContext",
    "Service",
    "ServiceResult",
    "WriteContext",
]

P = TypeVar("P")
I = TypeVar("I")  # noqa: E741 - inputs
R = TypeVar("R")


@dataclass(frozen=True)
class DataContext:
    """What ``load`` may use: where the data is, the island polygons and the service date.

    Attributes
    ----------
    dataset
        Root folder of the dataset (``data/geo/putuo`` for the embedded Putuo data); a
        service's default files are relative to it.
    islands
        Island polygons, EPSG:4326 (``island_id``, ``name_zh``, ``geometry``).
    date
        The service date.
    scenario_file
        The scenario file the parameters came from (named in errors about keys).
    """

    dataset: Path
    islands: gpd.GeoDataFrame
    date: dt.date
    scenario_file: str = ""

    def path(self, given: Path | None, default: str) -> Path:
        """``given`` if set, else ``dataset / default``."""
        return Path(given) if given is not None else self.dataset / default


@dataclass(frozen=True)
class PlanContext:
    """What ``plan`` may use: the built network, the solver limits and the date."""

    network: Network
    solver: SolverParams
    date: dt.date


@dataclass(frozen=True)
class WriteContext:
    """What ``write`` may use: the network (for maps), languages, map tiles, titles and the
    network's notes (approximate roads, estimated sailings) that every output carries; a
    service's own labels (synthetic inputs, assumptions) are in its result's ``notes``."""

    network: Network
    languages: tuple[str, ...] = ("zh", "en")
    tiles: str = "osm"
    title_zh: str = ""
    title_en: str = ""
    notes: tuple[Note, ...] = ()

    @property
    def title(self) -> str:
        """``"<title_zh> · <title_en>"``."""
        return f"{self.title_zh} · {self.title_en}"


@dataclass(frozen=True)
class OutputFile:
    """One file a service wrote.

    Attributes
    ----------
    path
        Relative to the run folder, ``/``-separated (``"dispatch/route_V01.html"``).
    description
        Bilingual one-line description for ``index.html``.
    personal
        True for files with personal data (only under ``dispatch/``).
    """

    path: str
    description: str
    personal: bool = False

    def __post_init__(self) -> None:
        if self.personal != self.path.startswith("dispatch/"):
            raise ValueError(f"{self.path}: files with personal data live under dispatch/ and "
                             "only there")


@dataclass(frozen=True)
class PersonalData:
    """Values that must never appear in a published file.

    Attributes
    ----------
    texts
        Names, phone numbers, addresses (exact strings).
    points
        Exact positions (lon, lat) in EPSG:4326 degrees of homes and vehicle bases.
    owners
        For each text, whose it is (``"patient DP001 name"``), to name in the error without
        repeating the value.
    ids
        Record ids of people (patient ids, household ids): published files name people by
        per-run pseudonyms or counts, never by these (searched as whole tokens).
    """

    texts: tuple[str, ...] = ()
    points: tuple[tuple[float, float], ...] = ()
    owners: Mapping[str, str] = field(default_factory=dict)
    ids: tuple[str, ...] = ()


@runtime_checkable
class ServiceResult(Protocol):
    """What every service's ``plan`` returns (besides its own tables)."""

    @property
    def status(self) -> SolveStatus:
        """The worst status of the service's solves."""
        ...

    @property
    def kpis(self) -> Mapping[str, Any]:
        """Headline figures, JSON-serialisable."""
        ...

    @property
    def notes(self) -> Sequence[Note]:
        """Labels its outputs carry."""
        ...

    @property
    def searches(self) -> Sequence[SearchRecord]:
        """What bounded each search."""
        ...

    def reason_codes(self) -> set[str]:
        """Codes of :data:`optimizer.results.REASONS` its tables show."""
        ...


class Service(Protocol[P, I, R]):
    """The contract every service satisfies (see the module docs)."""

    name: str
    Params: type[P]
    title: str
    """Bilingual step title for the terminal, e.g. ``"血透接送 dialysis rides"``."""
    tables: tuple[TableSpec, ...]
    """The input tables the service reads (:class:`optimizer.io.tables.TableSpec`), in template
    order: ``optimizer template`` and the data guide list them; empty if it reads none."""

    def load(self, params: P, ctx: DataContext) -> I:
        """Read and validate every input (no solving)."""
        ...

    def plan(self, inputs: I, params: P, ctx: PlanContext) -> R:
        """Build and solve; return the result."""
        ...

    def write(self, result: R, out_dir: Path, ctx: WriteContext) -> list[OutputFile]:
        """Write the files; return every file written."""
        ...

    def personal_data(self, inputs: I) -> PersonalData:
        """Values published files must not show."""
        ...
