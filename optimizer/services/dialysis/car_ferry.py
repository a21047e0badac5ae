"""Vehicles on car ferries: a crossing trip served as ONE through ride (issue 12 item 3).

A vehicle whose ``may_board_car_ferry`` is true may serve a trip whose home and unit are on
different sides of the sea as one ride: it drives the patient to a pier, waits for a sailing that
carries cars (GTFS ``cars_allowed``), is at the pier the **vehicle boarding buffer** before the
departure (``Network.boarding_buffer_s["vehicle"]``, scenario ``ferries``), crosses with the
patient on board and drives on to the destination. The timetable has no fares, so the ride pays
time only.

Keeping the DARP static and exact: pinned node copies
----------------------------------------------------
A through request is a DARP request between **copies** of the origin and destination places with
point windows: pickup at exactly ``t0``, drop-off at exactly ``t1`` (:func:`through_ride`).
Across the sea an arc is finite only when one end is pinned (:func:`pinned_matrix`), and then it
is exact:

* into a pinned node ``j`` (start ``t_j``) from ``x`` on the other side:
  ``min over car sailings S with S.arr + land(S.to, j) <= t_j of
  land(x, S.from) + buffer + (t_j - S.dep)``; "arrive by ``t_j``" is then exactly "catch S"
  (any wait is at the pier);
* out of a pinned node ``i`` (departure ``t_i + service``) to ``y``: the earliest arrival at ``y``
  by one car sailing from that departure, minus the departure.

Two unpinned places on different sides stay ``inf``, so every crossing touches a pinned node.
Only car-ferry vehicles are eligible for through requests, so other vehicles never reach the
pinned nodes. A vehicle crosses on **one** sailing per arc (a hop over a third island is not
modelled).

The choice and the deck
-----------------------
:func:`optimizer.services.dialysis.planning.plan_dialysis_day` plans the split day first (the
patient on foot, a vehicle on each side), then adds a through request for every crossing trip the
split left unserved and re-solves from the first plan; the second plan is kept only when it
serves more trips and the car-ferry checker
(:func:`optimizer.solvers.checker.check_car_ferries`) accepts it. Our vehicles per sailing are
limited to ``dialysis.car_ferry_deck_places``; a sailing over the limit loses the through rides of
its last vehicles (by vehicle id), which are listed ``CAR_FERRY_DECK_FULL``, and the day is solved
again (:func:`deck_excess`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from optimizer.network.ferries import FerryTimetable, Sailing
from optimizer.problems.darp import Request
from optimizer.services.dialysis.places import PlaceMatrix
from optimizer.services.dialysis.records import Patient, VehicleSpec
from optimizer.services.dialysis.trips import Crossing, Leg, Trip
from optimizer.problems.darp import DarpProblem, DarpResult
from optimizer.solvers.checker import CarCrossing, Violation, car_sailing_for, check_car_ferries
from optimizer.units import hhmm

__all__ = ["THROUGH_SUFFIX", "CarFerryCheck", "ThroughRide", "car_sailings", "deck_excess", "pinned_matrix",
           "through_request", "through_ride"]

THROUGH_SUFFIX = ":car"
"""Leg id of a through ride: ``"<trip_id>:car"``."""


@dataclass(frozen=True)
class ThroughRide:
    """A crossing trip as one vehicle ride on a car ferry.

    Attributes
    ----------
    leg
        The DARP leg (``leg_id`` ``"<trip_id>:car"``); ``pickup`` / ``delivery`` are the original
        places here and become the pinned copies in :func:`pinned_matrix`.
    crossing
        The sailing the vehicle and the patient take (``boarding_deadline_s`` = departure minus
        the vehicle boarding buffer; ``vehicle_boards`` true).
    pickup_s, delivery_s
        The pinned start of boarding at the origin and of alighting at the destination, whole
        seconds after midnight.
    service_s
        Boarding (= alighting) time, seconds.
    """

    leg: Leg
    crossing: Crossing
    pickup_s: float
    delivery_s: float
    service_s: float


@dataclass(frozen=True)
class CarFerryCheck:
    """What the independent car-ferry check of a day plan needs: the land matrix of the plan's
    nodes (seconds, ``inf`` across the sea), the car sailings, pier stop id -> node, the vehicle
    boarding buffer (seconds) and the deck places."""

    land_s: np.ndarray
    sailings: tuple[Sailing, ...]
    pier_node: Mapping[str, int]
    boarding_buffer_s: float
    deck_places: int

    def check(self, problem: DarpProblem, result: DarpResult
              ) -> tuple[list[Violation], list[CarCrossing]]:
        """:func:`optimizer.solvers.checker.check_car_ferries` on a plan of ``problem``."""
        return check_car_ferries(problem, result, land_s=self.land_s, sailings=self.sailings,
                                 pier_node=self.pier_node,
                                 boarding_buffer_s=self.boarding_buffer_s,
                                 deck_places=self.deck_places)


def car_sailings(timetable: FerryTimetable | None, m: PlaceMatrix) -> tuple[Sailing, ...]:
    """The day's sailings that carry cars between two piers of ``m`` with a road node (departure
    order)."""
    if timetable is None:
        return ()
    ok = {s for s, n in m.pier_node.items() if m.snapped[n]}
    return tuple(s for s in timetable.sailings
                 if s.cars_allowed and s.from_stop_id in ok and s.to_stop_id in ok)


def _earliest(land: np.ndarray, sailings: Sequence[Sailing], pier: Mapping[str, int], i: int,
              depart_s: float, j: int, buffer_s: float) -> float:
    """Earliest arrival at ``j`` leaving ``i`` at ``depart_s`` on one car sailing (inf if none)."""
    best = math.inf
    for s in sailings:
        a, b = pier[s.from_stop_id], pier[s.to_stop_id]
        if depart_s + land[i, a] + buffer_s <= s.departure_s + 1e-9:
            best = min(best, s.arrival_s + land[b, j])
    return best


def through_ride(trip: Trip, p: Patient, h: int, un: int, m: PlaceMatrix,
                 sailings: Sequence[Sailing], *, buffer_s: float, service_s: float,
                 route_names: Mapping[str, str] | None = None) -> ThroughRide | None:
    """The through ride of a crossing trip on a car sailing, or ``None`` when none fits.

    Parameters
    ----------
    trip, p
        The trip and its patient.
    h, un
        Nodes of the home and the unit in ``m`` (on different sides).
    m
        The day's places and land matrix (seconds).
    sailings
        The car sailings of the day (:func:`car_sailings`).
    buffer_s
        Vehicle boarding buffer, seconds.
    service_s
        Boarding / alighting time of the patient, seconds.
    route_names
        Route id -> name, for the sheets.

    Returns
    -------
    ThroughRide or None
        Outbound: the car sailing letting the patient leave home latest while the unit is reached
        by the latest drop-off; pickup ``t0 = floor(dep - buffer - land(home, pier) - service)``,
        drop-off ``t1 = max(ceil(earliest arrival), earliest drop-off)``. Return: the car
        sailing bringing the patient home first among those reachable from a pickup in the return
        window; ``t0`` as late as that sailing allows within the window (no wait at the pier when
        possible), ``t1 = ceil(earliest arrival home)``.
    """
    tt, pier = m.travel_time_s, m.pier_node
    a_end, b_end = (h, un) if trip.direction == "out" else (un, h)
    (ep, lp), (ed, ld) = trip.pickup_window_s, trip.delivery_window_s
    best = None
    for s in sailings:
        a, b = pier[s.from_stop_id], pier[s.to_stop_id]
        to_pier, from_pier = tt[a_end, a], tt[b, b_end]
        if not (np.isfinite(to_pier) and np.isfinite(from_pier)):
            continue
        latest = s.departure_s - buffer_s - to_pier - service_s
        arrive = s.arrival_s + from_pier
        if latest < ep - 1e-9 or arrive > ld + 1e-9:
            continue
        key = (-latest, arrive) if trip.direction == "out" else (arrive, -latest)
        if best is None or key < best[0]:
            best = (key, s, latest)
    if best is None:
        return None
    _, s, latest = best
    t0 = float(math.floor(min(latest, lp)))
    first = _earliest(tt, sailings, pier, a_end, t0 + service_s, b_end, buffer_s)
    t1 = float(max(math.ceil(first - 1e-9), ed))
    if t1 > ld + 1e-9:  # pragma: no cover - the chosen sailing itself arrives by ld
        return None
    took = car_sailing_for(tt, sailings, pier, a_end, t0 + service_s, b_end, t1,
                           buffer_s=buffer_s) or s
    cr = Crossing(trip.trip_id, trip.patient_id, trip.direction, took,
                  m.pier_name(took.from_stop_id), m.pier_name(took.to_stop_id),
                  took.departure_s - buffer_s, (route_names or {}).get(took.route_id, ""),
                  vehicle_boards=True)
    leg = Leg(trip.trip_id + THROUGH_SUFFIX, trip, a_end, b_end, (t0, t0), (t1, t1))
    return ThroughRide(leg, cr, t0, t1, float(service_s))


def through_request(ride: ThroughRide, node_p: int, node_d: int, p: Patient,
                    fleet: Sequence[VehicleSpec], m: PlaceMatrix) -> Request:
    """The DARP request of a through ride between its pinned copies ``node_p`` / ``node_d``:
    point windows, the patient's seats and wheelchair place, no ride-time limit (the ride is
    the pinned crossing itself), eligible only to car-ferry vehicles serving both islands."""
    isl = {m.island[ride.leg.pickup], m.island[ride.leg.delivery]}
    eligible = frozenset(v.vehicle_id for v in fleet
                         if v.may_board_car_ferry and all(v.serves(i) for i in isl))
    return Request(ride.leg.leg_id, node_p, node_d, (ride.pickup_s, ride.pickup_s),
                   (ride.delivery_s, ride.delivery_s),
                   seats=int(p.escort) + (0 if p.wheelchair else 1),
                   wheelchair_places=int(p.wheelchair), pickup_service_s=ride.service_s,
                   delivery_service_s=ride.service_s, eligible_vehicles=eligible)


def pinned_matrix(m: PlaceMatrix, rides: Sequence[ThroughRide], sailings: Sequence[Sailing], *,
                  buffer_s: float) -> tuple[PlaceMatrix, np.ndarray, dict[int, str]]:
    """The day's places with two pinned copies per through ride and the exact cross arcs.

    Parameters
    ----------
    m
        The day's places and land matrix (seconds, ``inf`` across the sea).
    rides
        The through rides; ride ``k`` gets nodes ``n + 2k`` (pickup copy) and ``n + 2k + 1``
        (drop-off copy), ``n = len(m.places)``.
    sailings
        Car sailings (:func:`car_sailings`).
    buffer_s
        Vehicle boarding buffer, seconds.

    Returns
    -------
    places, land, pinned
        ``places``: a :class:`PlaceMatrix` whose ``travel_time_s`` holds the land times plus the
        pinned cross arcs of the module docs (the DARP matrix); ``land``: the same nodes by land
        only (for the checker); ``pinned``: pinned node -> leg id.
    """
    n = len(m.places)
    idx = list(range(n)) + [x for r in rides for x in (r.leg.pickup, r.leg.delivery)]
    land = np.asarray(m.travel_time_s)[np.ix_(idx, idx)].copy()
    tt = land.copy()
    pier = m.pier_node
    ends = [(pier[s.from_stop_id], pier[s.to_stop_id], s) for s in sailings]
    pinned: dict[int, str] = {}
    times = []
    for k, r in enumerate(rides):
        for node, t in ((n + 2 * k, r.pickup_s), (n + 2 * k + 1, r.delivery_s)):
            pinned[node] = r.leg.leg_id
            times.append((node, t, t + r.service_s))
    for j, t_j, _ in times:  # into a pinned node: catch the sailing that gets there by t_j
        col = np.full(len(idx), math.inf)
        for a, b, s in ends:
            if s.arrival_s + land[b, j] <= t_j + 1e-9:
                col = np.minimum(col, land[:, a] + buffer_s + (t_j - s.departure_s))
        cross = ~np.isfinite(land[:, j])
        tt[cross, j] = col[cross]
    for i, _, dep in times:  # out of a pinned node: earliest arrival from its departure
        row = np.full(len(idx), math.inf)
        for a, b, s in ends:
            if dep + land[i, a] + buffer_s <= s.departure_s + 1e-9:
                row = np.minimum(row, s.arrival_s + land[b, :] - dep)
        cross = ~np.isfinite(land[i, :])
        tt[i, cross] = row[cross]
    np.fill_diagonal(tt, 0.0)
    out = PlaceMatrix(tuple(m.places[x] for x in idx), tt, tuple(m.island[x] for x in idx),
                      np.asarray(m.snapped)[idx], m.unit_node, m.pier_node, m.home_node,
                      m.island_names)
    return out, land, pinned


def deck_excess(crossings: Sequence[CarCrossing], pinned: Mapping[int, str], *,
                deck_places: int) -> dict[str, str]:
    """Through rides to take out so that no sailing carries more than ``deck_places`` of our
    vehicles: per sailing over the limit, the vehicles after the first ``deck_places`` (by
    vehicle id) lose the through ride their crossing serves (the pinned end of the arc).

    Returns
    -------
    dict
        Leg id -> detail (the sailing as HH:MM, the limit).
    """
    by_sailing: dict[str, list[CarCrossing]] = {}
    for c in crossings:
        by_sailing.setdefault(c.sailing.trip_id, []).append(c)
    out: dict[str, str] = {}
    for _, cs in sorted(by_sailing.items()):
        vehicles = sorted({c.vehicle_id for c in cs})
        if len(vehicles) <= deck_places:
            continue
        s = cs[0].sailing
        for c in sorted(cs, key=lambda c: (c.vehicle_id, c.from_node)):
            if c.vehicle_id in vehicles[:deck_places]:
                continue
            leg = pinned.get(c.to_node) or pinned.get(c.from_node)
            if leg is not None and leg not in out:
                out[leg] = (f"the car ferry {hhmm(s.departure_s)} → {hhmm(s.arrival_s)} already "
                            f"carries {deck_places} of our vehicle(s) (dialysis."
                            "car_ferry_deck_places)")
    return out
