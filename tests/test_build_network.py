"""build_network from the network parameters alone (no scenario): buffers, date, suspensions."""

from __future__ import annotations

import datetime as dt

import pytest

from optimizer.errors import InputError
from optimizer.network.build import APPROXIMATE_ROADS_NOTE, build_network
from optimizer.network.diagnostics import island_report
from optimizer.network.journey import journey_from_points
from optimizer.network.params import FerryParams, NetworkParams
from optimizer.results import NoteKind

DAY = dt.date(2026, 12, 2)
SHENJIAMEN = (122.29503, 29.9454)
LIUHENG = (122.117802, 29.747592)  # 六横镇 town point (places/towns.csv)


@pytest.fixture(scope="module")
def default_net():
    return build_network(NetworkParams(), FerryParams(), date=DAY)


def test_defaults_give_the_default_buffers_and_notes(default_net):
    assert default_net.boarding_buffer_s == {"foot": 900.0, "vehicle": 1800.0}
    assert default_net.date == DAY and default_net.timetable.day == DAY
    assert default_net.notes[0] == APPROXIMATE_ROADS_NOTE
    assert [n.kind for n in default_net.notes] == [NoteKind.APPROXIMATE_ROADS,
                                                   NoteKind.ESTIMATED_SAILINGS,
                                                   NoteKind.NOMINAL_CALENDAR]


def test_scenario_buffers_are_read_and_used(default_net):
    """ferries.boarding_buffer_*_min reach the Network and the journeys that take its buffers."""
    net = build_network(NetworkParams(), FerryParams(boarding_buffer_foot_min=20,
                                                     boarding_buffer_vehicle_min=45), date=DAY)
    assert net.boarding_buffer_s == {"foot": 1200.0, "vehicle": 2700.0}
    foot = journey_from_points(net.G, net.timetable, LIUHENG, SHENJIAMEN, 6 * 3600,
                               islands=net.islands, boarding_buffer_s=net.boarding_buffer_s)
    car = journey_from_points(net.G, net.timetable, LIUHENG, SHENJIAMEN, 6 * 3600,
                              islands=net.islands, ferry_access="vehicle",
                              boarding_buffer_s=net.boarding_buffer_s)
    assert (foot.boarding_buffer_s, car.boarding_buffer_s) == (1200.0, 2700.0)
    # 六横 大岙 pier at 06:06: foot boards 06:10-06:30 (20 min), the car 06:15-07:00 (45 min)
    assert [leg.duration_s for leg in foot.legs if leg.kind == "boarding"] == [1200.0]
    assert [leg.duration_s for leg in car.legs if leg.kind == "boarding"] == [2700.0]
    # the island report uses the network's buffers unless told otherwise
    rep = island_report(net, depart_s=8 * 3600)
    rep0 = island_report(net, depart_s=8 * 3600, boarding_buffer_s=default_net.boarding_buffer_s)
    base = island_report(default_net, depart_s=8 * 3600)
    assert list(rep0["earliest_arrival_s"]) == list(base["earliest_arrival_s"])
    assert (rep["earliest_arrival_s"] >= base["earliest_arrival_s"]).all()


def test_suspended_routes_and_missing_osm_path():
    net = build_network(NetworkParams(), FerryParams(suspended_routes=("R_DT_TH", "R_DT_TH_F")),
                        date=DAY)
    assert net.timetable.suspended_routes == frozenset({"R_DT_TH", "R_DT_TH_F"})
    assert all(s.route_id not in ("R_DT_TH", "R_DT_TH_F") for s in net.timetable.sailings)
    with pytest.raises(InputError) as info:
        build_network(NetworkParams(road_source="osm"), FerryParams(), date=DAY)
    assert info.value.field == "network.osm_path"
