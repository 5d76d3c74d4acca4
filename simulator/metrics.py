"""Metrics of one replication, from its records: overall, per interval, per segment.

Definitions (the README repeats them; all after warm-up):

* ``offered`` -- escalations that arrived (were handed to the router);
* ``accepted`` -- of those, the ones an agent accepted (at any time, even after the horizon);
* ``service_level`` = accepted within ``threshold_s`` / offered (abandoned and deferred count
  against); ``service_level_answered`` = accepted within ``threshold_s`` / accepted;
* ``abandon_rate`` = abandoned / offered; ``deferral_rate`` = deferred (callback or ticket) / offered;
* ``p_wait`` = share of offered escalations not offered to an agent the moment they arrived;
* ``asa_s`` = mean handoff time (created -> accepted) of accepted escalations; ``p50_handoff_s``,
  ``p90_handoff_s``, ``p95_handoff_s`` are quantiles of the same;
* ``occupancy`` = slot-seconds spent handling / staffed slot-seconds, where an agent's slots are
  its total concurrency cap (``max_total``, or the sum of its channel caps) and staffed means on
  shift and not away (shrinkage). With one slot per agent this is Erlang's busy share.

**Attribution.** Per-interval counts, rates and handoff times belong to the interval in which the
escalation *arrived* (an escalation arriving at 11:59 and accepted at 12:01 counts for 11:45-12:00).
Occupancy and staffed agents are clock-time measures of the interval itself.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Final

import numpy as np
from numpy.typing import NDArray

from routing.shifts import shift_state
from simulator.metric_catalogue import ESCALATION_METRICS, SHARES
from simulator.records import ABANDONED, DEFERRED, WAITING, RunRecords
from simulator.scenario import AgentGroup, Scenario

__all__ = [
    "METRICS",
    "SHARES",
    "RunSummary",
    "Staffing",
    "escalation_metrics",
    "on_shift_spans",
    "overlap_per_bin",
    "staffing",
    "summarise",
]

FloatArray = NDArray[np.float64]

#: Metrics of a set of escalations, in report order (labels and units: the catalogue).
METRICS: Final = ESCALATION_METRICS


def _ratio(num: float, den: float) -> float:
    return num / den if den > 0 else math.nan


def escalation_metrics(
    records: RunRecords, threshold_s: float, idx: slice | NDArray[np.intp]
) -> dict[str, float]:
    """The :data:`METRICS` of the escalations ``idx`` (a slice or index array into the records)."""
    outcome = records.outcome[idx]
    answered = _handoff_times_s(records.accepted_s[idx], records.arrivals.created_s[idx])
    offered = float(outcome.size)
    accepted = float(answered.size)
    within = float(np.count_nonzero(answered <= threshold_s))
    abandoned = float(np.count_nonzero(outcome == ABANDONED))
    deferred = float(np.count_nonzero(outcome == DEFERRED))
    if answered.size:
        asa = float(answered.mean())  # before the quantiles reorder ``answered`` in place
        p50, p90, p95 = (float(q) for q in np.quantile(answered, (0.5, 0.9, 0.95), overwrite_input=True))
    else:
        p50 = p90 = p95 = asa = math.nan
    return {
        "offered": offered,
        "accepted": accepted,
        "abandoned": abandoned,
        "deferred": deferred,
        "in_system": float(np.count_nonzero(outcome == WAITING)),
        "service_level": _ratio(within, offered),
        "service_level_answered": _ratio(within, accepted),
        "abandon_rate": _ratio(abandoned, offered),
        "deferral_rate": _ratio(deferred, offered),
        "p_wait": _ratio(offered - float(np.count_nonzero(records.offered_on_arrival[idx])), offered),
        "asa_s": asa,
        "p50_handoff_s": p50,
        "p90_handoff_s": p90,
        "p95_handoff_s": p95,
    }


#: escalations whose handoff times are taken at a time: a million-escalation run's columns are
#: large, and the peak memory of a run is its summaries' temporaries
_HANDOFF_CHUNK = 65_536


def _handoff_times_s(accepted_s: FloatArray, created_s: FloatArray) -> FloatArray:
    """``accepted_s - created_s`` of the accepted ones (``accepted_s`` not NaN), in order; no
    temporary larger than a chunk besides the result."""
    answered = np.empty(int(np.count_nonzero(~np.isnan(accepted_s))), np.float64)
    at = 0
    for lo in range(0, accepted_s.size, _HANDOFF_CHUNK):
        handoff = accepted_s[lo : lo + _HANDOFF_CHUNK] - created_s[lo : lo + _HANDOFF_CHUNK]
        part = handoff[~np.isnan(handoff)]
        answered[at : at + part.size] = part
        at += part.size
    return answered


# ------------------------------------------------------------------------------ clock-time sums
def overlap_per_bin(
    starts: FloatArray, ends: FloatArray, edges: FloatArray, weights: FloatArray | None = None
) -> FloatArray:
    """Sum over spans ``[starts[i], ends[i])`` of (weight x) their overlap with each bin of ``edges``.

    Exact and vectorised: with F(t) = sum_i w_i * |[a_i, b_i) n (-inf, t)|, bin k holds
    F(edges[k+1]) - F(edges[k]), and F at every edge comes from sorted starts and ends and their
    prefix sums. Times are best given relative to the first edge (smaller numbers, exact sums).
    """
    keep = ends > starts
    if weights is None:
        # unit weights: the same sums without a weight column (1.0 * x is x, and the prefix sum of
        # ones is the count), so a million spans need no more than their sorted copies
        if keep.all():
            a, b = starts, ends
        else:
            a, b = starts[keep], ends[keep]
        del keep
        return _unit_overlap(np.array(a, dtype=np.float64), np.array(b, dtype=np.float64), edges)
    w = np.asarray(weights, dtype=np.float64)
    a, b, w = starts[keep], ends[keep], w[keep]
    return np.diff(_covered_before(a, w, edges) - _covered_before(b, w, edges))


def _covered_before(points: FloatArray, w: FloatArray, edges: FloatArray) -> FloatArray:
    """sum_i w_i * max(0, edge - points_i) at each edge."""
    order = np.argsort(points, kind="stable")
    p, ww = points[order], w[order]
    cw = np.concatenate(([0.0], np.cumsum(ww)))
    cwp = np.concatenate(([0.0], np.cumsum(ww * p)))
    k = np.searchsorted(p, edges, side="left")
    return cw[k] * edges - cwp[k]


def _unit_overlap(a: FloatArray, b: FloatArray, edges: FloatArray) -> FloatArray:
    """:func:`overlap_per_bin` of spans ``[a, b)`` that all have ``b > a``, unit weights; sorts
    ``a`` and ``b`` in place (pass arrays of your own)."""
    return np.diff(_unit_covered_before(a, edges) - _unit_covered_before(b, edges))


def _unit_covered_before(points: FloatArray, edges: FloatArray) -> FloatArray:
    """:func:`_covered_before` with unit weights, sorting ``points`` in place."""
    points.sort(kind="stable")
    k = np.searchsorted(points, edges, side="left")
    np.cumsum(points, out=points)  # the prefix sums, in place: sum of the first k is points[k - 1]
    prefix = np.where(k > 0, points[np.maximum(k - 1, 0)], 0.0) if points.size else np.zeros(k.size)
    return k.astype(np.float64) * edges - prefix


def on_shift_spans(group: AgentGroup, from_s: float, to_s: float) -> tuple[FloatArray, FloatArray]:
    """The group's working spans (shifts minus breaks, its own time zone) within ``[from_s, to_s)``."""
    shifts = group.weekly_shifts()
    starts: list[float] = []
    ends: list[float] = []
    t = from_s
    while t < to_s:
        on, until = shift_state(shifts, group.time_zone, t)
        until = min(until, to_s)
        if on:
            starts.append(t)
            ends.append(until)
        if until <= t:
            break
        t = until
    return np.asarray(starts, dtype=np.float64), np.asarray(ends, dtype=np.float64)


@dataclass(frozen=True, slots=True, eq=False)
class Staffing:
    """Clock-time staffing per group (rows) and interval (columns), in seconds.

    ``staffed_agent_s``: agents on shift and not away, times seconds (the agents a planner sees on
    the queue). ``staffed_slot_s``: the same in concurrency slots, plus the slot-seconds of work an
    agent finishes while away or after the shift ended (that agent is at work, so the slot counts
    as staffed; without it occupancy could exceed 1). ``busy_slot_s``: slot-seconds handling.
    """

    staffed_agent_s: FloatArray
    staffed_slot_s: FloatArray
    busy_slot_s: FloatArray


def _intersect(
    a0: FloatArray, a1: FloatArray, b0: FloatArray, b1: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """Pairwise intersections of spans ``[a0, a1)`` with spans ``[b0, b1)`` (empty ones dropped)."""
    lo = np.maximum(a0[:, None], b0[None, :]).ravel()
    hi = np.minimum(a1[:, None], b1[None, :]).ravel()
    keep = hi > lo
    return lo[keep], hi[keep]


def staffing(records: RunRecords, scenario: Scenario, edges_s: FloatArray) -> Staffing:
    """Staffed and busy time per group over the bins of ``edges_s`` (epoch seconds).

    Exact per agent: staffed = the group's shifts (minus breaks) minus the agent's away episodes;
    busy = from acceptance to completion (or to the end of the run).
    """
    origin = float(edges_s[0])
    rel_edges = edges_s - origin

    def per_bin(a: FloatArray, b: FloatArray) -> FloatArray:
        return overlap_per_bin(a - origin, b - origin, rel_edges)

    groups = len(records.group_names)
    staffed = np.zeros((groups, rel_edges.size - 1))
    slots = np.zeros_like(staffed)
    busy = np.zeros_like(staffed)
    accepted = ~np.isnan(records.accepted_s)

    def work_end(which: NDArray[np.bool_]) -> FloatArray:
        """When the work of the escalations ``which`` ended: finished, or the run's stop."""
        end = records.finished_s[which]
        end[np.isnan(end)] = records.stopped_s
        return end

    for g, (group, count) in enumerate(zip(scenario.roster, records.group_counts, strict=True)):
        per_agent = group.slots
        on_a, on_b = on_shift_spans(group, float(edges_s[0]), max(float(edges_s[-1]), records.stopped_s))
        on = per_bin(on_a, on_b) * count
        away = np.zeros_like(on)
        outside = np.zeros_like(on)  # busy slot-seconds outside the agent's staffed time
        for agent in np.flatnonzero(records.agent_groups == g).tolist():
            mine = records.away_agent == agent
            away_a, away_b = _intersect(records.away_start_s[mine], records.away_end_s[mine], on_a, on_b)
            away += per_bin(away_a, away_b)
            work = accepted & (records.agent == agent)
            w0, w1 = records.accepted_s[work], work_end(work)
            if w0.size == 0:
                continue
            # busy inside staffed = busy n shifts - busy n (away n shifts); the rest is outside
            inside = per_bin(*_intersect(w0, w1, on_a, on_b)) - per_bin(*_intersect(w0, w1, away_a, away_b))
            outside += per_bin(w0, w1) - inside
        staffed[g] = on - away
        slots[g] = staffed[g] * per_agent + outside
        # the group's work that took time, its starts then its ends: one column copy at a time
        # (times minus the origin are exact, so the order of starts and ends is kept)
        took_time = (records.agent_group == g) & (
            (records.finished_s > records.accepted_s)
            | (np.isnan(records.finished_s) & (records.stopped_s > records.accepted_s))
        )
        starts = records.accepted_s[took_time]
        starts -= origin
        covered = _unit_covered_before(starts, rel_edges)
        del starts
        ends = work_end(took_time)
        del took_time
        ends -= origin
        busy[g] = np.diff(covered - _unit_covered_before(ends, rel_edges))
        del ends
    return Staffing(staffed, slots, busy)


@dataclass(frozen=True, slots=True, eq=False)
class RunSummary:
    """One replication's results, small enough to send between processes.

    ``overall``: :data:`METRICS` plus ``occupancy`` after warm-up. ``intervals``: each metric per
    post-warm-up interval (arrays), plus ``staffed_<group>`` (average agents staffed) and
    ``occupancy``. ``segments``: :data:`METRICS` per demand segment, its service level within the
    segment's own threshold (:meth:`Scenario.segment_service_level`); ``segment_intervals``: the
    same per segment and post-warm-up interval (arrays), what the closed loop judges.
    """

    overall: dict[str, float]
    intervals: dict[str, FloatArray]
    segments: dict[str, dict[str, float]]
    segment_intervals: dict[str, dict[str, FloatArray]]
    interval_start_s: FloatArray
    events: int
    wall_s: float
    escalations: int
    outside_horizon: int


def _segment_threshold_s(scenario: Scenario, segment: str) -> float:
    """The segment's own service-level threshold (the scenario's for a replayed-only segment)."""
    try:
        return scenario.segment_service_level(segment).threshold_s
    except KeyError:
        return scenario.service_level.threshold_s


def _contiguous(idx: NDArray[np.intp]) -> slice | NDArray[np.intp]:
    """Sorted indices as a slice when they are a run (a view instead of copies of each column)."""
    if idx.size and int(idx[-1]) - int(idx[0]) + 1 == idx.size:
        return slice(int(idx[0]), int(idx[-1]) + 1)
    return idx


def _part(idx: slice | NDArray[np.intp], lo: int, hi: int) -> slice | NDArray[np.intp]:
    """Positions ``lo:hi`` of ``idx``."""
    if isinstance(idx, slice):
        start = idx.start or 0
        return slice(start + int(lo), start + int(hi))
    return idx[lo:hi]


def summarise(records: RunRecords, scenario: Scenario) -> RunSummary:
    """Overall, per-interval and per-segment metrics of one replication (after warm-up)."""
    threshold = scenario.service_level.threshold_s
    warm = records.start_s + scenario.warmup_s
    interval_s = scenario.interval_s
    first = round(scenario.warmup_s / interval_s)
    edges = np.asarray(records.start_s + np.arange(first, scenario.intervals + 1) * interval_s, np.float64)
    created = records.arrivals.created_s
    bounds = np.searchsorted(created, edges, side="left")

    overall = escalation_metrics(records, threshold, slice(int(np.searchsorted(created, warm)), len(created)))
    columns: dict[str, list[float]] = {m: [] for m in METRICS}
    for k in range(edges.size - 1):
        row = escalation_metrics(records, threshold, slice(int(bounds[k]), int(bounds[k + 1])))
        for m in METRICS:
            columns[m].append(row[m])
    intervals = {m: np.asarray(v) for m, v in columns.items()}

    staff = staffing(records, scenario, edges)
    slot_s = staff.staffed_slot_s.sum(axis=0)
    busy_s = staff.busy_slot_s.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        intervals["occupancy"] = np.where(slot_s > 0, busy_s / slot_s, np.nan)
    for g, name in enumerate(records.group_names):
        intervals[f"staffed_{name}"] = staff.staffed_agent_s[g] / interval_s
    overall["occupancy"] = _ratio(float(busy_s.sum()), float(slot_s.sum()))

    post_from = int(np.searchsorted(created, warm))  # created is sorted
    segment_of = records.arrivals.segment[post_from:]
    segments: dict[str, dict[str, float]] = {}
    segment_intervals: dict[str, dict[str, FloatArray]] = {}
    for s, name in enumerate(records.arrivals.segments):
        own = _segment_threshold_s(scenario, name)
        mine = segment_of == s
        idx: slice | NDArray[np.intp]
        if mine.all():  # one segment (or every escalation after warm-up is of it): no index array
            idx = slice(post_from, len(created))
        else:
            positions = np.flatnonzero(mine)
            positions += post_from
            idx = _contiguous(positions)
        del mine
        segments[name] = escalation_metrics(records, own, idx)
        cut = np.searchsorted(created[idx], edges, side="left")
        rows = [
            escalation_metrics(records, own, _part(idx, cut[k], cut[k + 1])) for k in range(edges.size - 1)
        ]
        segment_intervals[name] = {m: np.asarray([r[m] for r in rows], np.float64) for m in METRICS}
    return RunSummary(
        overall=overall,
        intervals=intervals,
        segments=segments,
        segment_intervals=segment_intervals,
        interval_start_s=edges[:-1],
        events=records.events,
        wall_s=records.wall_s,
        escalations=len(created),
        outside_horizon=records.arrivals.outside_horizon,
    )
