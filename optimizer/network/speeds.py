"""Documented default speeds and circuity for the land-proxy road network.

Every figure here is an **assumption** used because Putuo has no road geometry (see
``data/geo/putuo/roads/road_facts.csv``: "road network geometry: MISSING"). Each constant states
where its value comes from; change them through :class:`ProxySpeeds` (keyword-only, validated),
never by editing a built graph.

Travel time on a proxy edge is ``length_m / speed`` where ``length_m`` is the straight segment
length times the circuity factor (road length over straight-line length), see
:func:`optimizer.network.land_proxy.build_land_proxy`.
"""

from __future__ import annotations

from dataclasses import dataclass

from optimizer.errors import InputError

DEFAULT_CIRCUITY = 1.3
"""Road distance / straight-line distance applied to proxy edges (dimensionless).

Assumption within the published range: Newell (1980) found urban network distance about 1.2 times
the Euclidean distance; O'Sullivan (1996) 1.21-1.23 around transit stations; Ballou, Rahardja &
Sakai (2002, *Transportation Research A* 36(9)) report national road circuity factors; Boscoe, Henry
& Zdeb (2012, *Professional Geographer* 64(2)) a mean driving/straight-line ratio of about 1.4 for
US hospital trips (larger for short trips). Island roads are hilly and winding (pushes it up), but
the proxy lattice already walks around bays and straits (water detours are modelled, not folded
into the factor), so 1.3 is used. Summary of the literature: Wikibooks, *Transportation Geography
and Network Science/Circuity*. Not calibrated on Putuo.
"""

LATTICE_MEAN_DETOUR = 1.0548
"""Mean ratio of 8-neighbour lattice path length to straight-line length (dimensionless).

For a direction at angle θ ∈ [0, π/4] from a lattice axis the shortest 8-neighbour (octile) path is
``cos θ + (√2 − 1) sin θ`` times the straight line; averaged over uniform θ this is
``(4/π)(sin(π/4) + (√2 − 1)(1 − cos(π/4))) = 1.0548`` (maximum 1.0824 at θ = 22.5°). Derived here;
the land proxy divides the circuity by it so that a long lattice path has, on average, the intended
circuity rather than circuity × 1.055.
"""

CAR_SPEED_KPH = 40.0
"""Average car speed on island roads (km/h).

Assumption: the Chinese urban road design code CJJ 37-2012 (城市道路工程设计规范) sets design speeds
of 30-50 km/h for secondary roads (次干路) and 20-40 km/h for branch roads (支路); island county
and village roads (县道/村道, Liuheng road statistics in ``road_facts.csv``) are of that class.
40 km/h is an average including junctions; not measured on Putuo.
"""

EBIKE_SPEED_KPH = 20.0
"""Average electric-bicycle speed (km/h).

GB 17761-2018 (电动自行车安全技术规范) caps the design speed of e-bikes at 25 km/h; 20 km/h is an
assumed average below the cap (hills, junctions).
"""

WALK_SPEED_KPH = 4.5
"""Walking speed (km/h), i.e. 1.25 m/s.

Bohannon & Andrews (2011, *Physiotherapy* 97(3), "Normal walking speed: a descriptive
meta-analysis") report comfortable gait speeds of about 1.26 m/s (men) and 1.13 m/s (women) aged
70-79 and about 1.3 m/s for ages 60-69. 4.5 km/h suits able older adults; frail patients walk
slower (set ``walk_speed_kph`` lower, e.g. 3.0, for them).
"""

BRIDGE_CAR_SPEED_KPH = 50.0
"""Car speed on the two sea bridges (km/h). Assumption (straight, grade-separated two-lane bridge);
speed limits of 鲁家峙大桥 / 朱家尖大桥 were not found in any reachable source."""

BRIDGE_CIRCUITY = 1.0
"""Bridges are modelled as straight segments between the two shore points (no circuity)."""


@dataclass(frozen=True)
class ProxySpeeds:
    """Speeds (km/h) per land travel mode and edge kind used to time land-proxy edges.

    Parameters
    ----------
    car_kph, ebike_kph, walk_kph
        Speeds on proxy roads (km/h). Defaults :data:`CAR_SPEED_KPH`, :data:`EBIKE_SPEED_KPH`,
        :data:`WALK_SPEED_KPH` (see their sources).
    bridge_car_kph
        Car speed on bridges (km/h); e-bikes and walkers keep their road speed on bridges.
        Default :data:`BRIDGE_CAR_SPEED_KPH`.

    Raises
    ------
    optimizer.errors.InputError
        If a speed is not a finite number > 0.

    Examples
    --------
    >>> ProxySpeeds().road_kph("walk")
    4.5
    >>> round(ProxySpeeds().mps("car"), 3)
    11.111
    """

    car_kph: float = CAR_SPEED_KPH
    ebike_kph: float = EBIKE_SPEED_KPH
    walk_kph: float = WALK_SPEED_KPH
    bridge_car_kph: float = BRIDGE_CAR_SPEED_KPH

    def __post_init__(self) -> None:
        for name in ("car_kph", "ebike_kph", "walk_kph", "bridge_car_kph"):
            v = getattr(self, name)
            if not isinstance(v, (int, float)) or not (v > 0) or v == float("inf"):
                raise InputError(f"speed {v!r} km/h is not a finite number > 0", field=name)

    def road_kph(self, travel_mode: str) -> float:
        """Road speed (km/h) of a land travel mode (``"car"``, ``"ebike"``, ``"walk"``).

        Raises
        ------
        ValueError
            If the travel mode is unknown.
        """
        if travel_mode not in ("car", "ebike", "walk"):
            raise ValueError(f"travel mode {travel_mode!r} unknown; expected car, ebike or walk")
        return float(getattr(self, f"{travel_mode}_kph"))

    def bridge_kph(self, travel_mode: str) -> float:
        """Bridge speed (km/h) of a land travel mode (only cars differ from road speed).

        Raises
        ------
        ValueError
            If the travel mode is unknown.
        """
        return float(self.bridge_car_kph) if travel_mode == "car" else self.road_kph(travel_mode)

    def mps(self, travel_mode: str) -> float:
        """Road speed of a travel mode in metres per second.

        Raises
        ------
        ValueError
            If the travel mode is unknown.
        """
        return self.road_kph(travel_mode) / 3.6
