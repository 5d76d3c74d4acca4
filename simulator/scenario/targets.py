"""Service targets: what a plan promises, written once.

A scenario's :class:`ServiceLevelTarget` holds the planner's numbers (X % of escalations accepted
within Y seconds, and optional caps on abandonment, occupancy and the p95 handoff time).
:attr:`ServiceLevelTarget.targets` turns them into the list of :class:`Target` checks that the
staffing search, the closed loop and the reports all read, in one order.

A demand segment may promise its own numbers (:class:`SegmentServiceLevel`: VIP 90 % in 20 s
where the rest get 80 % in 30 s); :meth:`ServiceLevelTarget.for_segment` merges them over the
scenario-wide target, which stays the default for every field a segment leaves out.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["SegmentServiceLevel", "ServiceLevelTarget", "Target"]

Share = Annotated[float, Field(ge=0, le=1)]


@dataclass(frozen=True, slots=True)
class Target:
    """One promise: ``metric`` at least ``goal`` (``higher_is_better``) or at most ``goal``.

    ``scope`` says where it is judged: ``"segment"`` per demand segment, ``"pool"`` over all the
    escalations the agents serve (occupancy is a property of agents, not of customers).
    """

    metric: str
    goal: float
    higher_is_better: bool
    scope: Literal["segment", "pool"]

    def gap(self, value: float) -> float:
        """How far ``value`` is on the wrong side of the goal (<= 0 when it meets it; NaN stays NaN)."""
        return self.goal - value if self.higher_is_better else value - self.goal

    def met_by(self, value: float) -> bool:
        """Whether ``value`` meets the target; a value that does not exist (NaN) does not fail it."""
        return not math.isfinite(value) or self.gap(value) <= 0


class ServiceLevelTarget(BaseModel):
    """The scenario's targets: ``target`` share accepted within ``threshold_s`` (per segment), and
    optionally at most ``max_abandon_rate`` abandoned and a p95 handoff time of at most
    ``max_p95_handoff_s`` (per segment), and at most ``max_occupancy`` (per pool)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    threshold_s: Annotated[float, Field(gt=0)] = 30.0
    target: Annotated[float, Field(gt=0, le=1)] = 0.8
    max_abandon_rate: Share | None = None
    max_occupancy: Share | None = None
    max_p95_handoff_s: Annotated[float, Field(gt=0)] | None = None

    def for_segment(self, own: SegmentServiceLevel | None) -> ServiceLevelTarget:
        """The targets one segment is judged against: ``own``'s fields where it sets them, this
        target's elsewhere (``max_occupancy`` is a pool's, never a segment's). Raises nothing."""
        if own is None:
            return self
        return self.model_copy(update=own.model_dump(exclude_none=True))

    @property
    def targets(self) -> tuple[Target, ...]:
        """Every target that applies, service level first, then the caps that are set."""
        out = [Target("service_level", self.target, True, "segment")]
        if self.max_abandon_rate is not None:
            out.append(Target("abandon_rate", self.max_abandon_rate, False, "segment"))
        if self.max_p95_handoff_s is not None:
            out.append(Target("p95_handoff_s", self.max_p95_handoff_s, False, "segment"))
        if self.max_occupancy is not None:
            out.append(Target("occupancy", self.max_occupancy, False, "pool"))
        return tuple(out)


class SegmentServiceLevel(BaseModel):
    """A demand segment's own promise: any of the scenario-wide fields (a share ``target`` within
    ``threshold_s``, ``max_abandon_rate``, ``max_p95_handoff_s``); each field left out is the
    scenario's. Occupancy is a property of agents, so it stays the scenario's."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    threshold_s: Annotated[float, Field(gt=0)] | None = None
    target: Annotated[float, Field(gt=0, le=1)] | None = None
    max_abandon_rate: Share | None = None
    max_p95_handoff_s: Annotated[float, Field(gt=0)] | None = None
