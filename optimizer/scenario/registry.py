"""The registered services, in run order. A new service is a new package plus one line here.

Each entry satisfies :class:`optimizer.services.base.Service`; its ``name`` is the scenario
section that holds its :attr:`~optimizer.services.base.Service.Params` (the schema is built from
this list, :mod:`optimizer.scenario.schema`) and the KPI group of its results.
"""

from __future__ import annotations

from optimizer.errors import InputError
from optimizer.io.facilities import FACILITIES
from optimizer.io.tables import TableSpec
from optimizer.services.base import Service
from optimizer.services.connectivity import SERVICE as CONNECTIVITY
from optimizer.services.dialysis import SERVICE as DIALYSIS
from optimizer.services.dialysis_week import SERVICE as DIALYSIS_WEEK
from optimizer.services.flats import SERVICE as FLATS
from optimizer.services.meals import SERVICE as MEALS
from optimizer.services.visits import SERVICE as VISITS

__all__ = ["SERVICES", "all_tables", "service"]

SERVICES: tuple[Service, ...] = (
    CONNECTIVITY,
    DIALYSIS,
    DIALYSIS_WEEK,
    MEALS,
    VISITS,
    FLATS,
)
"""Every service, in the order a run plans and writes them (``dialysis_week`` is off unless a
scenario turns it on)."""


def service(name: str) -> Service:
    """The registered service called ``name``.

    Raises
    ------
    optimizer.errors.InputError
        If no service has that name (the message lists them).
    """
    for s in SERVICES:
        if s.name == name:
            return s
    raise InputError(f"no service {name!r}; registered: {[s.name for s in SERVICES]}",
                     field="service")


COMMAND_TABLES: tuple[TableSpec, ...] = (FACILITIES,)
"""Input tables of commands outside the run (``optimizer access FACILITIES``)."""


def all_tables() -> tuple[TableSpec, ...]:
    """The input tables of every registered service, in run order, then those of the other
    commands (:data:`COMMAND_TABLES`) (``optimizer template``, the data guide's column
    reference)."""
    return (*(t for s in SERVICES for t in getattr(s, "tables", ())), *COMMAND_TABLES)
