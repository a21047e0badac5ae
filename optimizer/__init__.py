"""Island logistics optimizer for social services (Putuo District, Zhoushan).

Data flows one way: inputs (:mod:`optimizer.io`) -> network (:mod:`optimizer.network`) ->
problems (:mod:`optimizer.problems`) -> solvers (:mod:`optimizer.solvers`) -> outputs
(:mod:`optimizer.outputs`); :mod:`optimizer.scenario` orchestrates one run and
:mod:`optimizer.cli` is a thin command-line layer over it.
"""

__version__ = "0.1.0"
