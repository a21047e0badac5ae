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


# =========================================================================== Solomon and Li & Lim
# Appended for VRPTW / PDPTW (see tests/data/solomon/SOURCES.md, tests/data/lilim/SOURCES.md).
import math
import re

from optimizer.problems.darp import INF
from optimizer.problems.vrptw import VrptwProblem, VrptwVehicle

__all__ += ["lilim_time_scale", "read_lilim", "read_lilim_solution", "read_solomon",
            "read_solomon_solution", "solomon_scale"]

_SOLOMON_CONVENTIONS = ("dimacs", "exact")


def solomon_scale(distances: str = "dimacs") -> float:
    """Integer OR-Tools units per instance unit for a Solomon problem.

    ``"dimacs"``: 10 (arcs truncated to one decimal become exact integers);
    ``"exact"``: :data:`optimizer.units.BENCH_SCALE` (3 decimals kept).
    """
    if distances not in _SOLOMON_CONVENTIONS:
        raise InputError(f"distances={distances!r}; expected one of {_SOLOMON_CONVENTIONS}",
                         field="distances")
    return 10.0 if distances == "dimacs" else float(BENCH_SCALE)


def _euclid(xy: np.ndarray, distances: str) -> np.ndarray:
    diff2 = ((xy[:, None, :] - xy[None, :, :]) ** 2).sum(axis=2)
    if distances == "exact":
        return np.sqrt(diff2)
    if np.all(xy == np.round(xy)):
        # integer coordinates: floor(10 * sqrt(k)) = isqrt(100 k) exactly (no float noise)
        k = np.rint(diff2).astype(np.int64)
        return np.vectorize(lambda v: math.isqrt(100 * int(v)))(k).astype(float) / 10.0
    return np.floor(10.0 * np.sqrt(diff2) + 1e-9) / 10.0


def read_solomon(path: str | Path, *, distances: str = "dimacs") -> VrptwProblem:
    """Read a Solomon VRPTW instance in VRPLIB format (``.vrp``, e.g. ``R101.vrp``).

    Conventions (``tests/data/solomon/SOURCES.md``): VRPLIB node 1 is the depot (node 0 here),
    node ``j + 1`` is customer ``j``; ``TIME_WINDOW_SECTION`` gives the earliest and latest start
    of service; the depot window is the horizon (every vehicle's shift); ``SERVICE_TIME`` applies
    to customers; travel time = distance (one instance unit read as one metre and one second).

    Parameters
    ----------
    path
        The ``.vrp`` file.
    distances
        ``"dimacs"`` (default): Euclidean distance truncated to one decimal (the convention of
        the proven optima in ``BKS_dimacs.csv``); ``"exact"``: double precision (SINTEF
        ``BKS.csv``).

    Returns
    -------
    VrptwProblem
        ``VEHICLES`` identical vehicles (ids ``"1"..``) of capacity ``CAPACITY`` at node 0;
        node names ``"0"`` (depot) and ``"1".."100"`` (Solomon customer numbers).

    Raises
    ------
    optimizer.errors.InputError
        On a missing header field or section, or a malformed line (names file, row, field;
        row = 1-based line number in the file).
    """
    path = Path(path)
    f = str(path)
    if distances not in _SOLOMON_CONVENTIONS:
        raise InputError(f"distances={distances!r}; expected one of {_SOLOMON_CONVENTIONS}",
                         field="distances")
    head: dict[str, str] = {}
    sections: dict[str, list[tuple[int, list[str]]]] = {}
    current = None
    for k, raw in enumerate(path.read_text().splitlines(), start=1):
        line = raw.strip()
        if not line or line == "EOF":
            continue
        if line.endswith("_SECTION"):
            current = line
            sections[current] = []
            continue
        m = re.match(r"^([A-Z_]+)\s*:\s*(.*)$", line)
        if m and current is None:
            head[m.group(1)] = m.group(2).strip()
        elif current is not None:
            sections[current].append((k, line.split()))
    for key in ("DIMENSION", "CAPACITY"):
        if key not in head:
            raise InputError(f"header field {key} missing", file=f, row=0, field=key)
    for sec in ("NODE_COORD_SECTION", "DEMAND_SECTION", "TIME_WINDOW_SECTION"):
        if sec not in sections:
            raise InputError(f"{sec} missing", file=f, field=sec)
    try:
        n = int(head["DIMENSION"])
        cap = int(float(head["CAPACITY"]))
        n_veh = int(head.get("VEHICLES", n - 1))
        svc_c = float(head.get("SERVICE_TIME", 0))
    except ValueError as exc:
        raise InputError(f"header value is not a number: {exc}", file=f, row=0,
                         field="header") from exc
    errors: list[InputError] = []

    def table(sec: str, ncol: int) -> np.ndarray:
        out = np.full((n, ncol), np.nan)
        for line_no, parts in sections[sec]:
            if parts == ["-1"]:
                continue
            if len(parts) < ncol + 1:
                errors.append(InputError(f"{len(parts)} fields; expected id and {ncol} values",
                                         file=f, row=line_no, field=sec))
                continue
            try:
                idx = int(parts[0]) - 1
                vals = [float(x) for x in parts[1:ncol + 1]]
            except ValueError:
                errors.append(InputError(f"not numbers: {parts}", file=f, row=line_no,
                                         field=sec))
                continue
            if not 0 <= idx < n:
                errors.append(InputError(f"node id {idx + 1} out of range 1..{n}", file=f,
                                         row=line_no, field=sec))
                continue
            out[idx] = vals
        missing = np.argwhere(np.isnan(out).any(axis=1)).ravel()
        if missing.size:
            errors.append(InputError(f"no line for node(s) {(missing + 1).tolist()[:10]}",
                                     file=f, field=sec))
        return out

    xy = table("NODE_COORD_SECTION", 2)
    dem = table("DEMAND_SECTION", 1)[:, 0]
    tw = table("TIME_WINDOW_SECTION", 2)
    svc = np.full(n, svc_c)
    if "SERVICE_TIME_SECTION" in sections:
        svc = table("SERVICE_TIME_SECTION", 1)[:, 0]
    if "DEPOT_SECTION" in sections:
        dep = [p for _, p in sections["DEPOT_SECTION"] if p != ["-1"]]
        if dep != [["1"]]:
            errors.append(InputError(f"depots {dep}; only a single depot 1 is supported", file=f,
                                     field="DEPOT_SECTION"))
    if errors:
        raise InputErrors(errors)
    svc[0] = 0.0
    dist = _euclid(xy, distances)
    shift = (float(tw[0, 0]), float(tw[0, 1]))
    vehicles = tuple(VrptwVehicle(str(k + 1), 0, cap, shift_s=shift) for k in range(n_veh))
    try:
        return VrptwProblem(travel_time_s=dist, distance_m=dist, demand=dem, time_window_s=tw,
                            service_s=svc, vehicles=vehicles, name=head.get("NAME", path.stem),
                            source=f)
    except InputErrors as e:
        raise InputErrors([InputError(x.message, file=f, row=x.row, field=x.field)
                           for x in e.errors]) from e


def read_solomon_solution(path: str | Path) -> tuple[list[list[int]], float | None]:
    """Read a VRPLIB solution (``Route #k: c1 c2 ...`` then ``Cost x``).

    Returns
    -------
    tuple
        ``(routes, cost)``: customer node indices per route (Solomon customer numbers, equal to
        the node indices of :func:`read_solomon`) and the stated cost (``None`` if absent).

    Raises
    ------
    optimizer.errors.InputError
        On a malformed route or cost line (names file and row).
    """
    routes: list[list[int]] = []
    cost = None
    for k, raw in enumerate(Path(path).read_text().splitlines(), start=1):
        line = raw.strip()
        try:
            if line.lower().startswith("route"):
                routes.append([int(x) for x in line.split(":", 1)[1].split()])
            elif line.lower().startswith("cost"):
                cost = float(line.split()[1])
        except (ValueError, IndexError) as exc:
            raise InputError(f"malformed line {line!r}", file=str(path), row=k,
                             field="route") from exc
    return routes, cost


def lilim_time_scale() -> float:
    """Integer OR-Tools units per second for a Li & Lim problem: ``BENCH_SCALE`` (3 decimals)."""
    return float(BENCH_SCALE)


def read_lilim(path: str | Path) -> DarpProblem:
    """Read a Li & Lim PDPTW instance (``lc101.txt``) as a dial-a-ride problem without ride limit.

    Format (``tests/data/lilim/SOURCES.md``): line 1 ``K Q speed``; then nodes
    ``id x y demand e l s pickup_id delivery_id`` (id 0 = depot); a pickup has ``pickup_id 0``
    and its delivery in ``delivery_id``. Travel time = cost = double-precision Euclidean distance
    (one instance unit read as one second; ``speed`` must be 1).

    Speed convention: ten of the 56 published 100-task files (e.g. ``lc104``, ``lr107``) carry
    ``0`` in the header's speed field, although their best-known solutions (SINTEF TOP, Li &
    Lim 2001) are computed with travel time = distance, i.e. speed 1. A speed of ``0`` is
    therefore read as ``1`` (as every published solution does); a missing speed is ``1`` too.
    Any other speed than 0 or 1 is refused (time = distance / speed is not implemented).

    Returns
    -------
    DarpProblem
        One request per pickup (id = the pickup's node id as text, ``seats`` = its demand, no
        maximum ride time), ``K`` vehicles of ``seats = Q`` from node 0 back to node 0, shift =
        depot window. Solve with ``time_scale = lilim_time_scale()``.

    Raises
    ------
    optimizer.errors.InputError
        On a malformed header or node line, or inconsistent pickup/delivery pairs (names file,
        row, field; row = 1-based line number).
    """
    path = Path(path)
    f = str(path)
    lines = [(k, ln.split()) for k, ln in enumerate(path.read_text().splitlines(), start=1)
             if ln.strip()]
    if not lines or len(lines[0][1]) < 2:
        raise InputError("header must be 'K Q speed'", file=f, row=1, field="header")
    try:
        k_veh, q_cap = int(lines[0][1][0]), int(float(lines[0][1][1]))
        speed = float(lines[0][1][2]) if len(lines[0][1]) > 2 else 1.0
    except ValueError as exc:
        raise InputError(f"header {lines[0][1]} is not 'K Q speed' numbers", file=f, row=1,
                         field="header") from exc
    if speed == 0.0:  # as published for lc104, lr107, ...: the BKS use speed 1
        speed = 1.0
    if speed != 1.0:
        raise InputError(f"speed {speed}; only speed 1 (time = distance; 0 in the header is read "
                         "as 1, as in the published best-known solutions) is supported", file=f,
                         row=1, field="speed")
    errors: list[InputError] = []
    rows = []
    for k, parts in lines[1:]:
        if len(parts) < 9:
            errors.append(InputError(f"{len(parts)} fields; expected id x y demand e l s "
                                     "pickup delivery", file=f, row=k))
            continue
        try:
            rows.append((k, [float(x) for x in parts[:9]]))
        except ValueError:
            errors.append(InputError(f"not numbers: {parts}", file=f, row=k))
    if errors:
        raise InputErrors(errors)
    data = np.array([r for _, r in rows])
    line_of = [k for k, _ in rows]
    n = len(rows)
    for j in range(n):
        if int(data[j, 0]) != j:
            errors.append(InputError(f"node id {int(data[j, 0])} out of order; expected {j}",
                                     file=f, row=line_of[j], field="id"))
    if errors:
        raise InputErrors(errors)
    xy = data[:, 1:3]
    dist = np.sqrt(((xy[:, None, :] - xy[None, :, :]) ** 2).sum(axis=2))
    shift = (float(data[0, 4]), float(data[0, 5]))
    vehicles = tuple(Vehicle(vehicle_id=str(k + 1), start_node=0, end_node=0, shift_s=shift,
                             seats=q_cap, wheelchair_places=0) for k in range(k_veh))
    requests = []
    paired = set()
    for j in range(1, n):
        pick, deliv = int(data[j, 7]), int(data[j, 8])
        if pick == 0:  # a pickup
            if not 0 < deliv < n or int(data[deliv, 7]) != j:
                errors.append(InputError(f"pickup {j}: delivery {deliv} does not point back",
                                         file=f, row=line_of[j], field="delivery_id"))
                continue
            d = data[deliv]
            if data[j, 3] <= 0 or d[3] != -data[j, 3]:
                errors.append(InputError(f"pickup {j}: demand {data[j, 3]} and delivery demand "
                                         f"{d[3]}; expected q > 0 and -q", file=f,
                                         row=line_of[j], field="demand"))
                continue
            paired.update((j, deliv))
            try:
                requests.append(Request(
                    request_id=str(j), pickup_node=j, delivery_node=deliv,
                    pickup_window_s=(data[j, 4], data[j, 5]), delivery_window_s=(d[4], d[5]),
                    seats=int(data[j, 3]), pickup_service_s=data[j, 6],
                    delivery_service_s=d[6], max_ride_time_s=INF))
            except InputError as e:
                errors.append(InputError(e.message, file=f, row=line_of[j], field=e.field))
    for j in range(1, n):
        if j not in paired:
            errors.append(InputError(f"node {j} is in no pickup-delivery pair", file=f,
                                     row=line_of[j], field="pickup_id"))
    if errors:
        raise InputErrors(errors)
    return DarpProblem(travel_time_s=dist, cost=dist, requests=tuple(requests),
                       vehicles=vehicles, cost_unit="1", name=path.stem, source=f)


def read_lilim_solution(path: str | Path) -> list[list[int]]:
    """Read a SINTEF solution file (``Route k : ids ...`` after a ``Solution`` line).

    Returns
    -------
    list of list of int
        Node ids (pickups and deliveries, depot excluded) per route.

    Raises
    ------
    optimizer.errors.InputError
        On a malformed route line (names file and row).
    """
    routes = []
    for k, raw in enumerate(Path(path).read_text().splitlines(), start=1):
        line = raw.strip()
        if re.match(r"^Route\s+\d+\s*:", line):
            try:
                routes.append([int(x) for x in line.split(":", 1)[1].split()])
            except ValueError as exc:
                raise InputError(f"malformed route line {line!r}", file=str(path), row=k,
                                 field="route") from exc
    return routes
