"""Travel speeds and directions per land travel mode from OpenStreetMap way tags.

Used by :func:`optimizer.network.osm.read_osm`. Everything here is a pure function of one way's tags
(a ``dict[str, str]``), so the PBF and the XML readers give identical times.

Speeds (km/h) by ``highway`` class
----------------------------------
``car``
    Class speeds follow the Chinese design speeds: JTG B01-2014 (公路工程技术标准) for expressways
    (``motorway`` 100 km/h; ramps ``motorway_link`` 60 km/h, inside the 40-80 km/h ramp range) and
    CJJ 37-2012 (城市道路工程设计规范) for urban roads: 快速路 (``trunk``) 80, 主干路 (``primary``) 60,
    次干路 (``secondary``) 50, 支路 (``tertiary``) 40 km/h; ``residential``/``unclassified``/``road``
    30 km/h, the limit of the Road Traffic Safety Law Implementation Regulations (道路交通安全法实施
    条例) art. 45 for urban roads without a centre line. ``service`` 20, ``track`` 15 and
    ``living_street`` 10 km/h are assumptions (walking-pace zones). A parseable ``maxspeed`` tag
    replaces the class speed for cars.
``ebike``
    20 km/h cruising on roads and cycleways, below the 25 km/h design cap of GB 17761-2018
    (电动自行车安全技术规范); 15 on ``service``, 12 on ``path``/``track``/``trail``, 10 on
    ``living_street`` (assumptions); never faster than the car speed or ``maxspeed``.
    Not allowed on ``motorway``/``motorway_link`` (expressways are closed to non-motor vehicles,
    Road Traffic Safety Law art. 67) nor on footways, steps and pedestrian zones unless a
    ``bicycle``/``electric_bicycle`` tag allows it.
``walk``
    4.5 km/h (1.25 m/s) everywhere it is allowed, 2.0 km/h on ``steps`` (assumptions; older
    pedestrians are slower: pass a scenario speed factor downstream). Not allowed on
    ``motorway``, ``motorway_link``, ``trunk``, ``trunk_link`` (art. 67), ``busway``,
    ``bus_guideway`` unless a ``foot`` tag allows it.

Access tags
    The most specific tag present decides for each mode (OSM access hierarchy): car
    ``motorcar`` > ``motor_vehicle`` > ``vehicle`` > ``access``; e-bike (a non-motor vehicle in
    China) ``electric_bicycle`` > ``bicycle`` > ``vehicle`` > ``access``; walk ``foot`` >
    ``access``. ``no`` closes the way to that mode. ``private``/``destination``/``delivery`` do
    not: our vehicles drive to patients' homes. A mode-specific ``yes``/``designated``/
    ``permissive`` opens a class the mode may not use by default, at :data:`OPENED_SPEED_KPH`.

Directions
    ``oneway`` (``yes``/``true``/``1``, ``-1``/``reverse``), ``junction=roundabout``/``circular``
    and ``highway=motorway`` (implied one-way, OSM wiki ``Key:oneway``) bind cars and e-bikes.
    ``oneway:bicycle=no`` or ``cycleway=opposite*`` lets e-bikes ride against it.
    ``oneway=reversible``/``alternating`` (direction changes with the time of day) is closed to
    cars and e-bikes in both directions: it cannot be relied on. Pedestrians walk both ways,
    except where ``oneway:foot`` says otherwise or on foot-only ways (``footway``, ``steps``,
    ``escalator``, ...) tagged ``oneway``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping

from optimizer.network.contract import TRAVEL_MODES

Speeds = dict[str, float | None]
"""Speed in km/h per travel mode; ``None`` when the mode may not use the way."""

_N = None

HIGHWAY_SPEEDS_KPH: Mapping[str, tuple[float | None, float | None, float | None]] = {
    # highway:          (car,  ebike, walk)   km/h; None = mode not allowed by default
    "motorway": (100.0, _N, _N),
    "motorway_link": (60.0, _N, _N),
    "trunk": (80.0, 20.0, _N),
    "trunk_link": (50.0, 20.0, _N),
    "primary": (60.0, 20.0, 4.5),
    "primary_link": (40.0, 20.0, 4.5),
    "secondary": (50.0, 20.0, 4.5),
    "secondary_link": (30.0, 20.0, 4.5),
    "tertiary": (40.0, 20.0, 4.5),
    "tertiary_link": (30.0, 20.0, 4.5),
    "unclassified": (30.0, 20.0, 4.5),
    "residential": (30.0, 20.0, 4.5),
    "road": (30.0, 20.0, 4.5),
    "living_street": (10.0, 10.0, 4.5),
    "service": (20.0, 15.0, 4.5),
    "track": (15.0, 12.0, 4.5),
    "cycleway": (_N, 20.0, 4.5),
    "path": (_N, 12.0, 4.5),
    "trail": (_N, 12.0, 4.5),
    "bridleway": (_N, _N, 4.5),
    "footway": (_N, _N, 4.5),
    "pedestrian": (_N, _N, 4.5),
    "corridor": (_N, _N, 4.5),
    "elevator": (_N, _N, 4.5),
    "escalator": (_N, _N, 4.5),
    "steps": (_N, _N, 2.0),
    "ladder": (_N, _N, 2.0),
    "via_ferrata": (_N, _N, 2.0),
    "busway": (_N, _N, _N),
    "bus_guideway": (_N, _N, _N),
}
"""Default speeds (km/h) per ``highway`` value for ``(car, ebike, walk)``; sources in the module
docstring. A value not listed here (e.g. a local tag) is treated as ``road``."""

UNKNOWN_HIGHWAY = "road"
"""The class used for a ``highway`` value missing from :data:`HIGHWAY_SPEEDS_KPH`."""

EBIKE_MAX_KPH = 25.0
"""Design speed cap of an electric bicycle, GB 17761-2018 (km/h)."""

OPENED_SPEED_KPH: Mapping[str, float] = {"car": 10.0, "ebike": 12.0, "walk": 4.5}
"""Speed (km/h) on a way whose class a mode may not use by default but a mode-specific access
tag opens (e.g. ``highway=footway`` + ``bicycle=yes``). Assumption: slow, shared space."""

ACCESS_KEYS: Mapping[str, tuple[str, ...]] = {
    "car": ("motorcar", "motor_vehicle", "vehicle", "access"),
    "ebike": ("electric_bicycle", "bicycle", "vehicle", "access"),
    "walk": ("foot", "access"),
}
"""Access tags per travel mode, most specific first (OSM access hierarchy)."""

_CLOSED = frozenset({"no", "use_sidepath", "discouraged_no"})
_OPEN = frozenset({"yes", "designated", "permissive", "official"})
_YES = frozenset({"yes", "true", "1"})
_REVERSE = frozenset({"-1", "reverse"})
_BOTH_UNUSABLE = frozenset({"reversible", "alternating"})
_FOOT_ONLY = frozenset({"footway", "pedestrian", "steps", "path", "corridor", "escalator",
                        "elevator", "ladder", "bridleway", "via_ferrata"})

_KPH_PER_MPH = 1.609344
_KPH_PER_KNOT = 1.852


def parse_maxspeed_kph(value: object) -> float | None:
    """Parse an OSM ``maxspeed`` value to km/h.

    Accepts ``"50"``, ``"50 km/h"``, ``"30 mph"``, ``"10 knots"`` and several values separated by
    ``;`` (the lowest wins). Symbolic values (``"CN:urban"``, ``"none"``, ``"walk"``,
    ``"signals"``) and values <= 0 return ``None``: the class speed is used instead.

    Parameters
    ----------
    value
        The tag value (``None`` or NaN when absent).

    Returns
    -------
    float or None
        The speed in km/h, or ``None`` when absent or not a number.

    Examples
    --------
    >>> parse_maxspeed_kph("60")
    60.0
    >>> round(parse_maxspeed_kph("30 mph"), 2)
    48.28
    >>> parse_maxspeed_kph("CN:urban") is None
    True
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    found = []
    for part in str(value).split(";"):
        m = re.fullmatch(r"\s*(\d+(?:[.,]\d+)?)\s*(km/h|kmh|kph|mph|knots?|kn)?\s*", part.lower())
        if not m:
            continue
        kph = float(m.group(1).replace(",", "."))
        unit = m.group(2) or "km/h"
        if unit == "mph":
            kph *= _KPH_PER_MPH
        elif unit.startswith("kn"):
            kph *= _KPH_PER_KNOT
        if kph > 0:
            found.append(kph)
    return min(found) if found else None


def parse_duration_s(value: object) -> float | None:
    """Parse an OSM ``duration`` value (ferry crossing time) to seconds.

    Accepts ``"MM"``, ``"HH:MM"``, ``"HH:MM:SS"`` (OSM wiki ``Key:duration``) and ISO 8601
    ``"PT1H20M"``.

    Parameters
    ----------
    value
        The tag value (``None`` or NaN when absent).

    Returns
    -------
    float or None
        Seconds, or ``None`` when absent or not parseable.

    Examples
    --------
    >>> parse_duration_s("00:25")
    1500.0
    >>> parse_duration_s("PT1H5M")
    3900.0
    >>> parse_duration_s("45")
    2700.0
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    s = str(value).strip()
    if re.fullmatch(r"\d+(\.\d+)?", s):
        return float(s) * 60.0
    m = re.fullmatch(r"(\d+):(\d{1,2})(?::(\d{1,2}))?", s)
    if m:
        h, mi, sec = int(m.group(1)), int(m.group(2)), int(m.group(3) or 0)
        if mi < 60 and sec < 60:
            return float(h * 3600 + mi * 60 + sec)
        return None
    m = re.fullmatch(r"P(?:T)?(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?", s.upper())
    if m and any(m.groups()):
        h, mi, sec = (int(g or 0) for g in m.groups())
        return float(h * 3600 + mi * 60 + sec)
    return None


def _mode_access(tags: Mapping[str, str], mode: str) -> str | None:
    """``"closed"``, ``"open"`` or ``None`` (no opinion) from the most specific access tag."""
    for key in ACCESS_KEYS[mode]:
        value = tags.get(key)
        if value is None:
            continue
        values = {v.strip() for v in str(value).split(";")}
        if values & _CLOSED and not values & _OPEN:
            return "closed"
        if key != "access" and values & _OPEN:
            return "open"
        return None
    return None


def speeds_kph(tags: Mapping[str, str]) -> Speeds:
    """Speed (km/h) of each land travel mode on a road way, ``None`` where not allowed.

    Parameters
    ----------
    tags
        The way's OSM tags; ``highway`` decides the class (see the module docstring).

    Returns
    -------
    dict
        ``{"car": kph | None, "ebike": kph | None, "walk": kph | None}``.

    Examples
    --------
    >>> speeds_kph({"highway": "primary"})
    {'car': 60.0, 'ebike': 20.0, 'walk': 4.5}
    >>> speeds_kph({"highway": "residential", "maxspeed": "15"})
    {'car': 15.0, 'ebike': 15.0, 'walk': 4.5}
    >>> speeds_kph({"highway": "footway", "bicycle": "yes"})
    {'car': None, 'ebike': 12.0, 'walk': 4.5}
    """
    highway = str(tags.get("highway", UNKNOWN_HIGHWAY))
    base = HIGHWAY_SPEEDS_KPH.get(highway, HIGHWAY_SPEEDS_KPH[UNKNOWN_HIGHWAY])
    out: Speeds = dict(zip(TRAVEL_MODES, base))
    maxspeed = parse_maxspeed_kph(tags.get("maxspeed"))
    if maxspeed is not None and out["car"] is not None:
        out["car"] = maxspeed
    for mode in TRAVEL_MODES:
        access = _mode_access(tags, mode)
        if access == "closed":
            out[mode] = None
        elif access == "open" and out[mode] is None:
            out[mode] = OPENED_SPEED_KPH[mode]
    if out["ebike"] is not None:
        cap = EBIKE_MAX_KPH
        if out["car"] is not None:
            cap = min(cap, out["car"])
        if maxspeed is not None:
            cap = min(cap, maxspeed)
        out["ebike"] = min(out["ebike"], cap)
    return out


def parse_oneway(value: object) -> tuple[bool, bool] | None:
    """Parse a ``oneway``-like tag value.

    Parameters
    ----------
    value
        ``yes``/``true``/``1``, ``-1``/``reverse``, ``no``/``false``/``0``,
        ``reversible``/``alternating``; ``None`` or NaN when absent.

    Returns
    -------
    tuple of (bool, bool) or None
        ``(forward allowed, backward allowed)``, or ``None`` when absent or not understood.

    Examples
    --------
    >>> parse_oneway("-1")
    (False, True)
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    v = str(value).strip().lower()
    if v in _YES:
        return (True, False)
    if v in _REVERSE:
        return (False, True)
    if v in _BOTH_UNUSABLE:
        return (False, False)
    if v in ("no", "false", "0"):
        return (True, True)
    return None


def directions(tags: Mapping[str, str]) -> dict[str, tuple[bool, bool]]:
    """Which directions of a way each land travel mode may use.

    Parameters
    ----------
    tags
        The way's OSM tags (rules in the module docstring).

    Returns
    -------
    dict
        ``{mode: (forward, backward)}``; forward is the order of the way's nodes.

    Examples
    --------
    >>> directions({"highway": "primary", "oneway": "yes"})
    {'car': (True, False), 'ebike': (True, False), 'walk': (True, True)}
    >>> directions({"highway": "residential", "oneway": "-1", "oneway:bicycle": "no"})
    {'car': (False, True), 'ebike': (True, True), 'walk': (True, True)}
    """
    highway = str(tags.get("highway", ""))
    vehicle = parse_oneway(tags.get("oneway"))
    if vehicle is None:
        implied = highway == "motorway" or str(tags.get("junction", "")) in ("roundabout",
                                                                            "circular")
        vehicle = (True, False) if implied else (True, True)
    ebike = vehicle
    bike_tag = parse_oneway(tags.get("oneway:bicycle"))
    if bike_tag is not None:
        ebike = bike_tag
    elif str(tags.get("cycleway", "")).startswith("opposite"):
        ebike = (True, True)
    walk = parse_oneway(tags.get("oneway:foot"))
    if walk is None:
        walk = vehicle if highway in _FOOT_ONLY else (True, True)
    return {"car": vehicle, "ebike": ebike, "walk": walk}
