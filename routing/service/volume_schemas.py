"""Request and response bodies of ``/v1/conversation-volume``: the AI platform's conversation
counts per interval and segment, the escalation rate's denominator."""

from __future__ import annotations

import itertools
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from routing import timestamps
from routing.schemas import Instant
from routing.service.schemas import Segment, _NoNul, epoch_of

__all__ = [
    "VOLUME_INTERVALS_S",
    "VolumeIn",
    "VolumeInterval",
    "VolumeIntervalOut",
    "VolumePage",
    "VolumeStored",
]

#: the interval lengths a report may use, seconds (the planning grains: 5 to 60 minutes)
VOLUME_INTERVALS_S = (300, 600, 900, 1800, 3600)
MAX_INTERVALS = 2000  # per request

_IN = ConfigDict(extra="forbid")
_OUT = ConfigDict(extra="forbid")


class VolumeInterval(BaseModel):
    """The conversations the AI assistant handled in one interval (escalated or not)."""

    model_config = _IN
    interval_start: Instant
    interval_s: Literal[300, 600, 900, 1800, 3600] = Field(900, description="The interval's length, seconds.")
    segment: Segment | None = Field(
        None, description="Your segment label, as escalations carry it; null: all segments together."
    )
    conversations: Annotated[int, Field(ge=0, le=1_000_000_000, strict=True)] = Field(
        description="Conversations that started in the interval."
    )

    @property
    def start_s(self) -> float:
        return self.interval_start.timestamp()


class VolumeIn(_NoNul):
    """Counts of one or more intervals. A count for an interval start and segment already
    reported replaces it (a re-post is harmless); intervals of one segment must not overlap,
    here or with those stored."""

    model_config = _IN
    intervals: list[VolumeInterval] = Field(min_length=1, max_length=MAX_INTERVALS)

    @model_validator(mode="after")
    def _apart(self) -> VolumeIn:
        by_segment: dict[str, list[tuple[float, float, int]]] = {}
        for i, item in enumerate(self.intervals):
            by_segment.setdefault(item.segment or "", []).append(
                (item.start_s, item.start_s + item.interval_s, i)
            )
        for spans in by_segment.values():
            spans.sort()
            for (_, end, i), (start, _, j) in itertools.pairwise(spans):
                if start < end:
                    first, second = sorted((i, j))
                    raise ValueError(
                        f"intervals[{second}] overlaps intervals[{first}] of the same segment "
                        f"(starting {timestamps.iso(self.intervals[second].start_s)})"
                    )
        return self


class VolumeStored(BaseModel):
    """What a report stored: new intervals, and intervals it replaced."""

    model_config = _OUT
    stored: int = Field(description="Intervals stored that had no count before.")
    replaced: int = Field(description="Intervals whose earlier count this report replaced.")


class VolumeIntervalOut(BaseModel):
    """One interval's stored count."""

    model_config = _OUT
    interval_start: Instant
    interval_start_s: float = epoch_of("interval_start")
    interval_s: int
    segment: str | None
    conversations: int
    reported_at: Instant = Field(description="When the count was last reported.")


class VolumePage(BaseModel):
    """The counts of a period."""

    model_config = _OUT
    intervals: list[VolumeIntervalOut] = Field(description="By interval start, then segment.")
