"""Tests of the Chinese coordinate systems (GCJ-02, BD-09) and the UTM zone choice.

Reference vectors: eviltransform's published test points (github.com/googollee/eviltransform,
python/test.py: Shanghai, Shenzhen, Beijing, WGS-84 → GCJ-02) and values cross-checked once
against ``prcoords`` 1.0.2 (``wgs_bd``, ``bd_wgs_bored``; PyPI), hard-coded here.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pyproj import Geod

from optimizer.io.coords import (BD09_NAME, GCJ02_NAME, WGS84_NAME, bd09_to_wgs84,
                                 coord_system_name, from_system, gcj02_to_wgs84, in_china,
                                 to_system, utm_crs, wgs84_to_bd09, wgs84_to_gcj02)

GEOD = Geod(ellps="WGS84")

# (wgs lon, wgs lat, gcj lon, gcj lat): eviltransform python/test.py
EVIL = [(121.5272106, 31.1774276, 121.531541859215, 31.17530398364597),   # Shanghai
        (113.912316, 22.543847, 113.9171764808363, 22.540796131694766),   # Shenzhen
        (116.377817, 39.911954, 116.38404722455657, 39.91334545536069)]   # Beijing


def _m(lon1, lat1, lon2, lat2) -> np.ndarray:
    return np.asarray(GEOD.inv(lon1, lat1, lon2, lat2)[2])


@pytest.mark.parametrize("wlon,wlat,glon,glat", EVIL)
def test_published_gcj02_vectors_forward_and_inverse(wlon, wlat, glon, glat):
    lon, lat = wgs84_to_gcj02(wlon, wlat)
    assert float(lon) == pytest.approx(glon, abs=1e-9)
    assert float(lat) == pytest.approx(glat, abs=1e-9)
    back = gcj02_to_wgs84(glon, glat)
    assert float(_m(*back, wlon, wlat)) < 0.01  # the exact inverse: well under 0.5 m


def test_bd09_matches_prcoords():
    # prcoords.wgs_bd((29.95, 122.3)) and prcoords.bd_wgs_bored((29.199786, 120.019809))
    lon, lat = wgs84_to_bd09(122.3, 29.95)
    assert (float(lon), float(lat)) == pytest.approx((122.31061847006002, 29.953717496792446),
                                                      abs=1e-9)
    lon, lat = bd09_to_wgs84(120.019809, 29.199786)
    assert (float(lon), float(lat)) == pytest.approx((120.00873981820818, 29.196220284954137),
                                                      abs=1e-8)


def test_offset_near_zhoushan_is_about_500_m():
    # Putuo (普陀, Zhoushan): the GCJ-02 point lies some 480 m from the true one
    d = float(_m(122.3, 29.95, *wgs84_to_gcj02(122.3, 29.95)))
    assert 400 < d < 600
    lon, lat = wgs84_to_gcj02(122.3, 29.95)
    assert float(lon) > 122.3 and float(lat) < 29.95  # east and south, as everywhere in 浙江
    d_bd = float(_m(122.3, 29.95, *wgs84_to_bd09(122.3, 29.95)))
    assert 1000 < d_bd < 1300  # BD-09 adds about 0.0065°/0.006° more


@settings(max_examples=200, deadline=None)
@given(st.floats(73.7, 134.7), st.floats(18.2, 53.5))
def test_round_trips_over_china(lon, lat):
    for system in (GCJ02_NAME, BD09_NAME):
        x, y = to_system(lon, lat, system)
        back = from_system(x, y, system)
        assert float(_m(*back, lon, lat)) < 0.5
        assert float(_m(x, y, lon, lat)) > 1.0  # the offset is real everywhere in China


def test_vectorised_over_arrays():
    lon = np.array([w[0] for w in EVIL])
    lat = np.array([w[1] for w in EVIL])
    glon, glat = wgs84_to_gcj02(lon, lat)
    assert glon.shape == (3,)
    np.testing.assert_allclose(glon, [w[2] for w in EVIL], atol=1e-9)
    wlon, wlat = gcj02_to_wgs84(glon, glat)
    assert (_m(wlon, wlat, lon, lat) < 0.01).all()
    assert from_system(lon, lat, WGS84_NAME)[0].tolist() == lon.tolist()


def test_in_china_box():
    assert in_china([122.3, 2.35, 151.2], [29.95, 48.85, -33.87]).tolist() == [True, False, False]


@pytest.mark.parametrize("raw,name", [("gcj02", GCJ02_NAME), ("GCJ02", GCJ02_NAME),
                                      ("GCJ-02", GCJ02_NAME), ("wgs84", WGS84_NAME),
                                      ("WGS 84", WGS84_NAME), ("EPSG:4326", WGS84_NAME),
                                      ("bd09", BD09_NAME), ("BD-09", BD09_NAME),
                                      ("utm51", None), ("", None)])
def test_coord_system_spellings(raw, name):
    assert coord_system_name(raw) == name


@pytest.mark.parametrize("lon,lat,crs", [(122.3, 29.95, "EPSG:32651"),   # Putuo: zone 51 N
                                         (-0.12, 51.5, "EPSG:32630"),    # London
                                         (-70.6, -33.4, "EPSG:32719"),   # Santiago
                                         (174.8, -41.3, "EPSG:32760"),   # Wellington
                                         (-180.0, 10.0, "EPSG:32601"),
                                         (180.0, 10.0, "EPSG:32660")])
def test_utm_zone_of_a_place(lon, lat, crs):
    assert utm_crs(lon, lat) == crs
    zone = int(crs[-2:])
    assert -180 + 6 * (zone - 1) <= lon <= -180 + 6 * zone


def test_utm_zone_refuses_no_coordinates():
    with pytest.raises(ValueError):
        utm_crs([math.nan], [math.nan])
    with pytest.raises(ValueError):
        utm_crs(500000.0, 3300000.0)
