"""The weekly escalation review: every metric per week and per group, with week-over-week change.

:func:`weekly_review` is pure: history records (and optionally the AI platform's conversation
volume) in, a :class:`Review` out. The service's analytics API and ``handoff analytics`` both
call it; the report only formats what it returns.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Final

import numpy as np
from numpy.typing import NDArray

from routing.analytics.catalogue import missing_input
from routing.analytics.frame import DIMENSIONS, NOT_RECORDED, HistoryFrame, history_frame
from routing.analytics.heatmap import Heatmap, heatmap
from routing.analytics.measures import Conversations, Measure, measure, returned_within
from routing.analytics.weeks import Week, weeks_between, whole_days
from routing.history import HistoryRecord, VolumeRecord

__all__ = ["DEFAULT_RETURN_WINDOW_DAYS", "GroupReview", "Review", "TriggerRank", "weekly_review"]

#: Return rate: the same customer escalating again within this many days.
DEFAULT_RETURN_WINDOW_DAYS: Final = 7.0

Measures = Mapping[str, Measure]


@dataclass(frozen=True, slots=True)
class GroupReview:
    """One group of a dimension (``trigger`` = ``loop``): its ``total`` over the period and its
    measures per week (``weekly[i]`` for ``Review.weeks[i]``)."""

    dimension: str
    group: str
    total: Measures
    weekly: tuple[Measures, ...]


@dataclass(frozen=True, slots=True)
class TriggerRank:
    """A trigger with the figures that rank it: how often the human judged that the AI could
    have handled it (escalating too early) and how often CSAT was low (escalating too late)."""

    trigger: str
    escalations: int
    ai_could_have_handled_rate: Measure
    low_csat_rate: Measure
    csat_mean: Measure


@dataclass(frozen=True, slots=True, eq=False)
class Review:
    """The review of ``[start_s, end_s)``: ``weeks`` (local to ``time_zone``), ``total`` and
    ``weekly`` measures over every escalation, ``groups`` by dimension (groups by volume,
    largest first), the ``heatmap`` and the accepted ``handoff_s`` of the period, the triggers
    ranked both ways, and what it was computed with (``threshold_s`` and ``target`` of the
    service level, the return window, whether conversation volume was given)."""

    start_s: float
    end_s: float
    time_zone: str
    threshold_s: float
    target: float
    return_window_days: float | None
    volume_given: bool
    weeks: tuple[Week, ...]
    total: Measures
    weekly: tuple[Measures, ...]
    groups: Mapping[str, tuple[GroupReview, ...]]
    heatmap: Heatmap
    handoff_s: NDArray[np.float64]
    too_early: tuple[TriggerRank, ...]
    too_late: tuple[TriggerRank, ...]

    def change(self, name: str, i: int, weekly: Sequence[Measures] | None = None) -> float | None:
        """Week-over-week change of metric ``name`` in week ``i`` (against week ``i - 1``) of
        ``weekly`` (default: every escalation); None for the first week or without both values."""
        series = self.weekly if weekly is None else weekly
        if i <= 0 or i >= len(series):
            return None
        now, before = series[i][name].value, series[i - 1][name].value
        return None if now is None or before is None else now - before


@dataclass(frozen=True, slots=True, eq=False)
class _Volume:
    """The conversation-volume rows as columns (interval start, segment, count), built once."""

    start_s: NDArray[np.float64]
    segment: NDArray[np.str_]
    conversations: NDArray[np.int64]
    per_segment: bool

    @classmethod
    def of(cls, volume: Sequence[VolumeRecord]) -> _Volume:
        return cls(
            start_s=np.array([v.interval_start_s for v in volume], dtype=np.float64),
            segment=np.array([v.segment or "" for v in volume], dtype=np.str_),
            conversations=np.array([v.conversations for v in volume], dtype=np.int64),
            per_segment=any(v.segment is not None for v in volume),
        )


def _conversations(
    volume: _Volume | None,
    start_s: float,
    end_s: float,
    dimension: str | None,
    group: str | None,
) -> Conversations:
    if volume is None:
        return Conversations(None, missing_input("volume"))
    if dimension is not None and dimension != "segment":
        return Conversations(
            None, f"the conversation volume is not counted per {dimension.replace('_', ' ')}"
        )
    if dimension == "segment" and not volume.per_segment:
        return Conversations(None, "the conversation volume is not counted per segment")
    rows = (volume.start_s >= start_s) & (volume.start_s < end_s)
    if not rows.any():
        return Conversations(None, "no conversation volume in this period")
    if dimension == "segment":
        if group == NOT_RECORDED:
            return Conversations(None, "escalations without a segment have no conversation volume")
        rows &= volume.segment == group
    return Conversations(int(volume.conversations[rows].sum()))


def _rank(groups: Sequence[GroupReview]) -> tuple[tuple[TriggerRank, ...], tuple[TriggerRank, ...]]:
    ranks = [
        TriggerRank(
            trigger=g.group,
            escalations=int(g.total["escalations"].n),
            ai_could_have_handled_rate=g.total["ai_could_have_handled_rate"],
            low_csat_rate=g.total["low_csat_rate"],
            csat_mean=g.total["csat_mean"],
        )
        for g in groups
    ]

    def by(rank: TriggerRank, which: str) -> tuple[bool, float, int]:
        m: Measure = getattr(rank, which)
        return (m.value is None, -(m.value or 0.0), -m.n)

    too_early = tuple(sorted(ranks, key=lambda r: by(r, "ai_could_have_handled_rate")))
    too_late = tuple(sorted(ranks, key=lambda r: by(r, "low_csat_rate")))
    return too_early, too_late


def weekly_review(
    records: Sequence[HistoryRecord],
    *,
    threshold_s: float,
    target: float,
    volume: Sequence[VolumeRecord] | None = None,
    start_s: float | None = None,
    end_s: float | None = None,
    group_by: Sequence[str] = ("trigger",),
    time_zone: str = "UTC",
    return_window_days: float | None = DEFAULT_RETURN_WINDOW_DAYS,
) -> Review:
    """The review of the escalations created in ``[start_s, end_s)`` (default: the whole local
    days of ``time_zone`` from the first escalation of ``records`` to the last), per local week.

    ``threshold_s`` and ``target`` are the service-level target (the targets catalogue's: 30 s,
    80 %); ``volume`` the AI platform's conversation counts (without it the escalation rate says
    it needs them); ``group_by`` the dimensions to break down (:data:`DIMENSIONS`; the trigger
    rankings are always computed); ``return_window_days`` the return-rate window (None: no
    return rate). Returns reach beyond the period: a customer's next escalation is looked for in
    all of ``records``.

    Raise ValueError for an unknown dimension, ``threshold_s`` <= 0, ``target`` outside (0, 1],
    a non-positive return window, or a period without escalations.
    """
    unknown = [d for d in group_by if d not in DIMENSIONS]
    if unknown:
        raise ValueError(f"unknown grouping {', '.join(unknown)}; known: {', '.join(DIMENSIONS)}")
    if not threshold_s > 0:
        raise ValueError(f"threshold_s(={threshold_s}) must be > 0")
    if not 0 < target <= 1:
        raise ValueError(f"target(={target}) must be in (0, 1]")
    frame: HistoryFrame = history_frame(records)
    counts = None if volume is None else _Volume.of(volume)
    returned = None if return_window_days is None else returned_within(frame, return_window_days)
    if not len(frame):
        raise ValueError("the history has no escalations")
    first_day_s, last_day_end_s = whole_days(
        float(frame.created_s.min()), float(frame.created_s.max()), time_zone
    )
    lo = start_s if start_s is not None else first_day_s
    hi = end_s if end_s is not None else last_day_end_s
    in_period = (frame.created_s >= lo) & (frame.created_s < hi)
    if not in_period.any():
        raise ValueError("no escalation was created in the period")
    weeks = weeks_between(lo, hi, time_zone)
    week_masks = [in_period & (frame.created_s >= w.start_s) & (frame.created_s < w.end_s) for w in weeks]

    def cell(
        mask: NDArray[np.bool_], a: float, b: float, dimension: str | None, group: str | None
    ) -> Measures:
        return measure(
            frame,
            mask,
            threshold_s=threshold_s,
            conversations=_conversations(counts, max(a, lo), min(b, hi), dimension, group),
            returned=returned,
        )

    def breakdown(dimension: str) -> tuple[GroupReview, ...]:
        values = frame.groups[dimension]
        names, counts = np.unique(values[in_period], return_counts=True)
        order = sorted(range(len(names)), key=lambda k: (-int(counts[k]), str(names[k])))
        out = []
        for k in order:
            group = str(names[k])
            member = values == group
            out.append(
                GroupReview(
                    dimension=dimension,
                    group=group,
                    total=cell(in_period & member, lo, hi, dimension, group),
                    weekly=tuple(
                        cell(m & member, w.start_s, w.end_s, dimension, group)
                        for m, w in zip(week_masks, weeks, strict=True)
                    ),
                )
            )
        return tuple(out)

    groups = {d: breakdown(d) for d in dict.fromkeys((*group_by, "trigger"))}
    too_early, too_late = _rank(groups["trigger"])
    if "trigger" not in group_by:
        del groups["trigger"]
    accepted = in_period & ~np.isnan(frame.handoff_s)
    return Review(
        start_s=lo,
        end_s=hi,
        time_zone=time_zone,
        threshold_s=threshold_s,
        target=target,
        return_window_days=return_window_days,
        volume_given=volume is not None,
        weeks=weeks,
        total=cell(in_period, lo, hi, None, None),
        weekly=tuple(cell(m, w.start_s, w.end_s, None, None) for m, w in zip(week_masks, weeks, strict=True)),
        groups=groups,
        heatmap=heatmap(frame, in_period, threshold_s=threshold_s, time_zone=time_zone),
        handoff_s=frame.handoff_s[accepted],
        too_early=too_early,
        too_late=too_late,
    )
