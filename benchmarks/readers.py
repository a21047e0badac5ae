"""Readers for standard routing benchmark instances.

Only the Cordeau (2006) dial-a-ride format is implemented (the ``a``/``b`` series, e.g.
``a2-16.txt``). Format (see ``tests/data/darp/SOURCES.md``): line 1 ``K n T Q L`` (vehicles,
requests, maximum route duration, vehicle capacity, maximum ride time); then one line per node
``id x y service load e l`` for nodes ``0 .. 2n+1``: 0 = origin depot, ``1..n`` pickups,
``n+i`` the drop-off of request ``i``, ``2n+1`` the destination depot.

Conventions (Cordeau 2006): travel time = routing cost = double-precision Euclidean distance;
times are minutes. The reader maps one instance minute to ``time_unit_s`` seconds (default 60)
so the problem is in seconds like every other :class:`~optimizer.problems.darp.DarpProblem`,
while ``cost`` stays the Euclidean distance (``cost_unit="1"``). Solve with
``time_scale = BENCH_SCALE / time_unit_s`` integer units per second (1/1000 of an instance
unit; :data:`optimizer.units.BENCH_SCALE`).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from optimizer.errors import InputError, InputErrors
from optimizer.problems.darp import DarpProblem, Request, Vehicle
from optimizer.units import BENCH_SCALE

__all__ = ["Bks", "cordeau_time_scale", "read_bks", "read_cordeau"]


def cordeau_time_scale(time_unit_s: float = 60.0) -> float:
    """Integer OR-Tools units per second for a Cordeau problem read with ``time_unit_s``.

    ``BENCH_SCALE`` (1000) units per instance minute, i.e. distances kept to 3 decimals.
    """
    return BENCH_SCALE / time_unit_s


def read_cordeau(path: str | Path, *, time_unit_s: float = 60.0) -> DarpProblem:
    """Read a Cordeau (2006) DARP instance.

    Parameters
    ----------
    path
        The ``.txt`` file (e.g. ``a2-16.txt``).
    time_unit_s
        Seconds per instance time unit (the instances use minutes: 60).

    Returns
    -------
    DarpProblem
        ``travel_time_s`` = Euclidean distance x ``time_unit_s`` (shape ``(2n+2, 2n+2)``),
        ``cost`` = Euclidean distance, K identical vehicles from node 0 to node ``2n+1`` with
        ``seats = Q``, no wheelchair places, shift = depot window, ``max_route_duration_s = T``;
        request ``i`` (id ``str(i)``) from node ``i`` to node ``n+i`` with ``seats`` = load,
        max ride time ``L``.

    Raises
    ------
    optimizer.errors.InputError
        If the header or a node line is malformed (names file, row, field).
    """
    path = Path(path)
    f = str(path)
    lines = [ln.split() for ln in path.read_text().splitlines() if ln.strip()]
    if not lines or len(lines[0]) < 5:
        raise InputError("header must be 'K n T Q L'", file=f, row=0, field="header")
    try:
        k_veh, n_req = int(lines[0][0]), int(lines[0][1])
        t_max, q_cap, l_ride = float(lines[0][2]), int(float(lines[0][3])), float(lines[0][4])
    except ValueError as exc:
        raise InputError(f"header {lines[0]} is not 'K n T Q L' numbers", file=f, row=0,
                         field="header") from exc
    n_nodes = 2 * n_req + 2
    rows = lines[1:]
    if len(rows) < n_nodes:
        raise InputError(f"{len(rows)} node lines; expected {n_nodes} (2n+2 with n={n_req})",
                         file=f, row=len(rows), field="nodes")
    names = ("id", "x", "y", "service", "load", "e", "l")
    data = np.zeros((n_nodes, 7))
    errors: list[InputError] = []
    for k, row in enumerate(rows[:n_nodes], start=1):
        if len(row) < 7:
            errors.append(InputError(f"{len(row)} fields; expected id x y service load e l",
                                     file=f, row=k))
            continue
        for j, name in enumerate(names):
            try:
                data[k - 1, j] = float(row[j])
            except ValueError:
                errors.append(InputError(f"{row[j]!r} is not a number", file=f, row=k,
                                         field=name))
        if int(data[k - 1, 0]) != k - 1:
            errors.append(InputError(f"node id {row[0]} out of order; expected {k - 1}",
                                     file=f, row=k, field="id"))
    if errors:
        raise InputErrors(errors)
    xy = data[:, 1:3]
    dist = np.sqrt(((xy[:, None, :] - xy[None, :, :]) ** 2).sum(axis=2))
    u = time_unit_s
    vehicles = tuple(
        Vehicle(vehicle_id=str(k), start_node=0, end_node=n_nodes - 1,
                shift_s=(data[0, 5] * u, data[0, 6] * u), seats=q_cap, wheelchair_places=0,
                max_route_duration_s=t_max * u)
        for k in range(k_veh))
    requests = []
    for i in range(1, n_req + 1):
        p, d = data[i], data[n_req + i]
        try:
            requests.append(Request(
                request_id=str(i), pickup_node=i, delivery_node=n_req + i,
                pickup_window_s=(p[5] * u, p[6] * u), delivery_window_s=(d[5] * u, d[6] * u),
                seats=int(p[4]), pickup_service_s=p[3] * u, delivery_service_s=d[3] * u,
                max_ride_time_s=l_ride * u))
        except InputError as e:
            errors.append(InputError(e.message, file=f, row=i + 1, field=e.field))
    if errors:
        raise InputErrors(errors)
    return DarpProblem(travel_time_s=dist * u, cost=dist, requests=tuple(requests),
                       vehicles=vehicles, cost_unit="1", name=path.stem, source=f)


@dataclass(frozen=True)
class Bks:
    """A best-known solution value: ``cost`` in instance units, ``vehicles`` fleet size."""

    instance: str
    cost: float
    vehicles: int
    source: str


def read_bks(path: str | Path) -> dict[str, Bks]:
    """Read a ``BKS.csv`` (columns ``instance,bks_cost,bks_vehicles,source``).

    Raises
    ------
    optimizer.errors.InputError
        On a missing column or a non-numeric value (names file, row, field).
    """
    out = {}
    with open(path, newline="", encoding="utf-8") as fh:
        for k, rec in enumerate(csv.DictReader(fh), start=1):
            for col in ("instance", "bks_cost", "bks_vehicles"):
                if rec.get(col) in (None, ""):
                    raise InputError("missing value", file=str(path), row=k, field=col)
            try:
                out[rec["instance"]] = Bks(rec["instance"], float(rec["bks_cost"]),
                                           int(rec["bks_vehicles"]), rec.get("source") or "")
            except ValueError as exc:
                raise InputError(f"not a number: {exc}", file=str(path), row=k,
                                 field="bks_cost") from exc
    return out
