"""The users' services, each a package behind one contract (:mod:`optimizer.services.base`):
``connectivity`` (island links report), ``dialysis`` (血透接送 ride plans), ``meals`` (助餐配送
coverage, siting and rounds). Import a service from its package, e.g.
``from optimizer.services.dialysis import SERVICE, DialysisParams``."""

from optimizer.services.base import DataContext as DataContext
from optimizer.services.base import OutputFile as OutputFile
from optimizer.services.base import PersonalData as PersonalData
from optimizer.services.base import PlanContext as PlanContext
from optimizer.services.base import Service as Service
from optimizer.services.base import ServiceResult as ServiceResult
from optimizer.services.base import WriteContext as WriteContext

__all__ = ["DataContext", "OutputFile", "PersonalData", "PlanContext", "Service",
           "ServiceResult", "WriteContext"]
