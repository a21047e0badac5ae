"""The multimodal island network: roads (land proxy or OSM), bridges, piers and timetabled
ferries as one graph (:mod:`optimizer.network.contract`), travel times, journeys and isochrones.

The public names below are what notebooks and other packages use; the modules hold the details.
"""

from optimizer.network.build import Network as Network
from optimizer.network.build import build_network as build_network
from optimizer.network.diagnostics import island_report as island_report
from optimizer.network.ferries import FerryTimetable as FerryTimetable
from optimizer.network.ferries import timetable_for_date as timetable_for_date
from optimizer.network.islands import island_of as island_of
from optimizer.network.islands import load_islands as load_islands
from optimizer.network.islands import points_from_lonlat as points_from_lonlat
from optimizer.network.isochrones import isochrone_polygons as isochrone_polygons
from optimizer.network.journey import Journey as Journey
from optimizer.network.journey import earliest_arrival as earliest_arrival
from optimizer.network.journey import earliest_arrival_all as earliest_arrival_all
from optimizer.network.journey import journey_from_points as journey_from_points
from optimizer.network.journey import place_names as place_names
from optimizer.network.matrix import point_matrix as point_matrix
from optimizer.network.matrix import travel_time_matrix as travel_time_matrix
from optimizer.network.params import FerryParams as FerryParams
from optimizer.network.params import NetworkParams as NetworkParams
from optimizer.network.placenames import PlaceNames as PlaceNames
from optimizer.network.snap import snap_points as snap_points

__all__ = ["FerryParams", "FerryTimetable", "Journey", "Network", "NetworkParams", "PlaceNames",
           "build_network", "earliest_arrival", "earliest_arrival_all", "island_of",
           "island_report", "isochrone_polygons", "journey_from_points", "load_islands",
           "place_names", "point_matrix", "points_from_lonlat", "snap_points",
           "timetable_for_date", "travel_time_matrix"]
