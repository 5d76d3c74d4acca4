"""Records: what one replication leaves behind, one entry per escalation (columnar).

The model (:mod:`simulator.model`) fills a :class:`RunRecords`; metrics and reports read only
records. Importable without the engine (no SimPy here), like Ciw's ``data_record``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np
from numpy.typing import NDArray

from simulator.demand import Arrivals

__all__ = ["ABANDONED", "ASSIGNED", "COMPLETED", "DEFERRED", "OUTCOMES", "WAITING", "RunRecords"]

FloatArray = NDArray[np.float64]

# outcome codes of a record (indices into OUTCOMES)
WAITING: Final = 0  # queued or offered when the run ended
ASSIGNED: Final = 1  # an agent accepted and was still working when the run ended
COMPLETED: Final = 2
ABANDONED: Final = 3
DEFERRED: Final = 4
OUTCOMES: Final = ("waiting", "assigned", "completed", "abandoned", "deferred")


@dataclass(frozen=True, slots=True, eq=False)
class RunRecords:
    """What one replication leaves behind: one record per escalation, columnar.

    Per escalation ``i`` (same order as ``arrivals``): ``first_offer_s``, ``accepted_s`` and
    ``finished_s`` (epoch seconds, NaN if it never happened; finished = completed, abandoned or
    deferred), ``outcome`` (code into :data:`OUTCOMES`), ``agent`` (number of the agent who
    accepted it, -1 if none) and its ``agent_group`` (index into ``group_names``), ``offers`` made,
    ``offered_on_arrival`` (an agent was offered it the moment it arrived: the complement of
    P(wait)), and ``eta_s``, the wait to an offer the router predicted when it queued the
    escalation on arrival (:mod:`routing.eta`; NaN if it was not queued on arrival, ``inf`` if the
    ETA was unknown).

    Staffing: ``group_counts`` agents per group, agents numbered group by group (``agent_groups``
    maps an agent number to its group); ``away_agent``/``away_start_s``/``away_end_s`` the
    off-queue episodes (shrinkage), the last one ended when the run stopped.
    """

    arrivals: Arrivals
    first_offer_s: FloatArray
    accepted_s: FloatArray
    finished_s: FloatArray
    outcome: NDArray[np.int8]
    agent: NDArray[np.int32]
    agent_group: NDArray[np.int16]
    offers: NDArray[np.int16]
    offered_on_arrival: NDArray[np.bool_]
    eta_s: FloatArray
    group_names: tuple[str, ...]
    group_counts: tuple[int, ...]
    agent_groups: NDArray[np.int16]
    away_agent: NDArray[np.int32]
    away_start_s: FloatArray
    away_end_s: FloatArray
    start_s: float
    end_s: float
    stopped_s: float
    events: int
    wall_s: float

    @property
    def handoff_s(self) -> FloatArray:
        """Created -> accepted by an agent (NaN if never accepted)."""
        return self.accepted_s - self.arrivals.created_s
