"""Metrics of one replication from its records: every definition of the module docstring checked on
hand-built records, clock-time sums against brute force, attribution to the arrival interval."""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import settings as hyp_settings
from hypothesis import strategies as st
from pydantic import ValidationError

from routing.domain import Channel, CustomerTier, Trigger
from simulator.demand import Arrivals
from simulator.metrics import (
    METRICS,
    SHARES,
    escalation_metrics,
    on_shift_spans,
    overlap_per_bin,
    staffing,
    summarise,
)
from simulator.records import ABANDONED, ASSIGNED, COMPLETED, DEFERRED, WAITING, RunRecords
from simulator.scenario import Scenario
from tests.factories import group, make_scenario, scenario_data, segment

NAN = math.nan
TEMPLATE = (Channel.CHAT, {"general": 1}, {}, 1, CustomerTier.STANDARD, "en", None, None, Trigger.OTHER, 0.0)


def make_records(
    rows: list[tuple[float, float, int, bool]],
    *,
    start_s: float = 0.0,
    end_s: float = 3600.0,
    stopped_s: float | None = None,
    finished: list[float] | None = None,
    segment: list[int] | None = None,
    segments: tuple[str, ...] = ("general",),
    agent: list[int] | None = None,
    group_names: tuple[str, ...] = ("agents",),
    group_counts: tuple[int, ...] = (1,),
    away: list[tuple[int, float, float]] | None = None,
) -> RunRecords:
    """Records from rows of (created_s, accepted_s or NaN, outcome, offered_on_arrival), sorted.

    ``agent``: the number of the agent who accepted each (agents numbered group by group; default
    agent 0 for every accepted one). ``away``: (agent, start_s, end_s) off-queue episodes.
    """
    n = len(rows)
    created = np.array([r[0] for r in rows], dtype=np.float64)
    assert np.all(np.diff(created) >= 0), "records are in arrival order"
    accepted = np.array([r[1] for r in rows], dtype=np.float64)
    on_arrival = np.array([r[3] for r in rows], dtype=bool)
    kinds = np.asarray(segment if segment is not None else [0] * n, dtype=np.int32)
    arrivals = Arrivals(
        created_s=created,
        kind=kinds,
        handle_s=np.full(n, 100.0),
        patience_s=np.full(n, np.inf),
        accept_delay_s=np.zeros(n),
        declines=np.zeros(n, bool),
        segments=segments,
        templates=tuple(TEMPLATE for _ in segments),
        kind_segment=np.arange(len(segments), dtype=np.int16),
        kind_channel=np.zeros(len(segments), dtype=np.int8),
    )
    first_offer = np.where(on_arrival, created, accepted)
    agents = np.asarray(
        agent if agent is not None else [-1 if math.isnan(a) else 0 for a in accepted], dtype=np.int32
    )
    agent_groups = np.repeat(np.arange(len(group_counts)), group_counts).astype(np.int16)
    away_rows = np.asarray(away or [], dtype=np.float64).reshape(-1, 3)
    return RunRecords(
        arrivals=arrivals,
        first_offer_s=first_offer,
        accepted_s=accepted,
        finished_s=np.asarray(finished if finished is not None else [NAN] * n, dtype=np.float64),
        outcome=np.array([r[2] for r in rows], dtype=np.int8),
        agent=agents,
        agent_group=np.where(agents >= 0, agent_groups[agents], -1).astype(np.int16),
        offers=np.asarray([0 if math.isnan(a) and not o else 1 for _, a, _, o in rows], dtype=np.int16),
        offered_on_arrival=on_arrival,
        eta_s=np.full(n, NAN),
        group_names=group_names,
        group_counts=group_counts,
        agent_groups=agent_groups,
        away_agent=away_rows[:, 0].astype(np.int32),
        away_start_s=away_rows[:, 1],
        away_end_s=away_rows[:, 2],
        start_s=start_s,
        end_s=end_s,
        stopped_s=stopped_s if stopped_s is not None else end_s,
        events=0,
        wall_s=0.0,
    )


def scenario(**over: Any) -> Scenario:
    base = scenario_data(
        name="metrics",
        service_level={"threshold_s": 30},
        demand=[segment(arrivals_per_hour=0, handle_time={"distribution": "fixed", "mean_s": 100})],
        roster=[group(count=1)],
    )
    return make_scenario(**{**base, **over})


# ------------------------------------------------------------------------ escalation_metrics
# (created, handoff or NaN, outcome, offered on arrival); threshold 30 s
TEN = [
    (0.0, 0.0, COMPLETED, True),
    (1.0, 10.0, COMPLETED, False),
    (2.0, 30.0, COMPLETED, False),  # exactly at the threshold: within
    (3.0, 31.0, COMPLETED, False),
    (4.0, 100.0, ASSIGNED, False),  # still working at the end: accepted all the same
    (5.0, 5.0, COMPLETED, True),  # offered at once, accepted after a 5 s accept delay
    (6.0, NAN, ABANDONED, False),
    (7.0, NAN, ABANDONED, True),  # offered at once, declined, then left
    (8.0, NAN, DEFERRED, False),
    (9.0, NAN, WAITING, False),
]


def ten_records() -> RunRecords:
    return make_records([(c, c + h, o, a) for c, h, o, a in TEN])


def test_every_definition_on_hand_built_records() -> None:
    m = escalation_metrics(ten_records(), 30.0, slice(None))
    assert list(m) == list(METRICS)
    answered = [0.0, 10.0, 30.0, 31.0, 100.0, 5.0]
    assert m["offered"] == 10
    assert m["accepted"] == 6
    assert m["abandoned"] == 2
    assert m["deferred"] == 1
    assert m["in_system"] == 1
    assert m["service_level"] == pytest.approx(4 / 10)  # abandons and deferrals count against
    assert m["service_level_answered"] == pytest.approx(4 / 6)
    assert m["abandon_rate"] == pytest.approx(2 / 10)
    assert m["deferral_rate"] == pytest.approx(1 / 10)
    assert m["p_wait"] == pytest.approx(7 / 10)  # 3 were offered the moment they arrived
    assert m["asa_s"] == pytest.approx(sum(answered) / 6)
    # numpy's default (linear) quantiles of 0, 5, 10, 30, 31, 100
    assert m["p50_handoff_s"] == pytest.approx(20.0)
    assert m["p90_handoff_s"] == pytest.approx(31 + 0.5 * 69)
    assert m["p95_handoff_s"] == pytest.approx(31 + 0.75 * 69)
    for name, value in m.items():
        if name in SHARES:
            assert 0 <= value <= 1, name
    assert m["offered"] == m["accepted"] + m["abandoned"] + m["deferred"] + m["in_system"]


def test_the_threshold_is_inclusive_and_moves_the_service_level() -> None:
    rec = ten_records()
    assert escalation_metrics(rec, 29.999, slice(None))["service_level"] == pytest.approx(3 / 10)
    assert escalation_metrics(rec, 31.0, slice(None))["service_level"] == pytest.approx(5 / 10)
    assert escalation_metrics(rec, 100.0, slice(None))["service_level_answered"] == 1.0


def test_a_slice_and_an_index_array_select_the_same_escalations() -> None:
    rec = ten_records()
    by_slice = escalation_metrics(rec, 30.0, slice(4, 8))
    by_index = escalation_metrics(rec, 30.0, np.arange(4, 8))
    assert by_slice == by_index
    assert by_slice["offered"] == 4
    assert by_slice["accepted"] == 2
    assert by_slice["abandoned"] == 2
    assert by_slice["p_wait"] == pytest.approx(2 / 4)
    assert by_slice["asa_s"] == pytest.approx(52.5)
    picked = escalation_metrics(rec, 30.0, np.array([0, 9]))
    assert (picked["offered"], picked["accepted"], picked["in_system"]) == (2, 1, 1)


def test_no_escalations_give_zero_counts_and_no_rates() -> None:
    m = escalation_metrics(ten_records(), 30.0, slice(0, 0))
    assert (m["offered"], m["accepted"], m["abandoned"], m["deferred"], m["in_system"]) == (0, 0, 0, 0, 0)
    for name in (
        "service_level",
        "service_level_answered",
        "abandon_rate",
        "p_wait",
        "asa_s",
        "p95_handoff_s",
    ):
        assert math.isnan(m[name]), name


def test_nobody_accepted_gives_zero_service_level_but_no_answered_metrics() -> None:
    rec = make_records([(0.0, NAN, ABANDONED, False), (5.0, NAN, DEFERRED, False)])
    m = escalation_metrics(rec, 30.0, slice(None))
    assert m["service_level"] == 0.0
    assert m["abandon_rate"] == 0.5
    assert m["p_wait"] == 1.0
    for name in ("service_level_answered", "asa_s", "p50_handoff_s", "p90_handoff_s", "p95_handoff_s"):
        assert math.isnan(m[name]), name


# --------------------------------------------------------------------------- overlap_per_bin
def brute_overlap(
    starts: list[float], ends: list[float], edges: list[float], weights: list[float]
) -> list[float]:
    out = [0.0] * (len(edges) - 1)
    for a, b, w in zip(starts, ends, weights, strict=True):
        for k in range(len(edges) - 1):
            out[k] += w * max(0.0, min(b, edges[k + 1]) - max(a, edges[k]))
    return out


times = st.integers(-50, 150).map(float)


@hyp_settings(max_examples=150, deadline=None)
@given(
    spans=st.lists(st.tuples(times, times, st.integers(0, 5).map(float)), max_size=12),
    edges=st.lists(st.integers(0, 100).map(float), min_size=2, max_size=8, unique=True).map(sorted),
    weighted=st.booleans(),
)
def test_overlap_per_bin_matches_brute_force(
    spans: list[tuple[float, float, float]], edges: list[float], weighted: bool
) -> None:
    starts = [a for a, _, _ in spans]
    ends = [b for _, b, _ in spans]
    weights = [w for _, _, w in spans] if weighted else [1.0] * len(spans)
    got = overlap_per_bin(
        np.asarray(starts, dtype=np.float64),
        np.asarray(ends, dtype=np.float64),
        np.asarray(edges, dtype=np.float64),
        np.asarray(weights, dtype=np.float64) if weighted else None,
    )
    assert got.shape == (len(edges) - 1,)
    assert got.tolist() == pytest.approx(brute_overlap(starts, ends, edges, weights), abs=1e-9)


def test_overlap_per_bin_by_hand() -> None:
    got = overlap_per_bin(
        np.array([5.0, 0.0, 30.0, 12.0]),
        np.array([25.0, 40.0, 20.0, 12.0]),  # the last two are empty (end <= start): nothing
        np.array([0.0, 10.0, 20.0, 30.0]),
        np.array([2.0, 1.0, 7.0, 7.0]),
    )
    assert got.tolist() == [2 * 5 + 10, 2 * 10 + 10, 2 * 5 + 10]


# --------------------------------------------------------------------------------- staffing
def test_an_agents_slots_are_the_sum_of_channel_caps_under_max_total() -> None:
    s = scenario(
        roster=[
            {"group": "a", "count": 1, "skills": {"general": 3}},
            {"group": "b", "count": 1, "skills": {"general": 3}, "channels": {"chat": 2, "voice": 1}},
            {
                "group": "c",
                "count": 1,
                "skills": {"general": 3},
                "channels": {"chat": 2, "voice": 1},
                "max_total": 2,
            },
            {"group": "d", "count": 1, "skills": {"general": 3}, "channels": {"chat": 1}, "max_total": 4},
        ]
    )
    assert [g.slots for g in s.roster] == [1, 3, 2, 1]


def test_on_shift_spans_are_shifts_minus_breaks_in_the_agents_zone() -> None:
    s = scenario(
        roster=[
            {
                "group": "ny",
                "count": 1,
                "skills": {"general": 3},
                "time_zone": "America/New_York",
                "shifts": [
                    {
                        "days": ["tue"],
                        "start": "09:00",
                        "end": "17:00",
                        "breaks": [{"start": "12:00", "end": "12:30"}],
                    }
                ],
            }
        ]
    )
    day = s.start_s  # 2026-12-01 00:00 UTC, a Tuesday; New York is UTC-5
    a, b = on_shift_spans(s.roster[0], day, day + 86400)
    hours = [((x - day) / 3600, (y - day) / 3600) for x, y in zip(a.tolist(), b.tolist(), strict=True)]
    assert hours == [(14.0, 17.0), (17.5, 22.0)]
    always = scenario().roster[0]
    a, b = on_shift_spans(always, day, day + 100)
    assert (a.tolist(), b.tolist()) == ([day], [day + 100])


# -------------------------------------------------------------------------------- summarise
def summary_records(**over: Any) -> RunRecords:
    """Start 00:00, warm-up to 00:15, intervals 00:15 00:30 00:45 01:00 (seconds 900 .. 4500)."""
    rows = [
        (100.0, 100.0, COMPLETED, True),  # warm-up: excluded, and busy only in warm-up
        (1799.0, 1850.0, COMPLETED, False),  # end of 00:15-00:30, accepted in the next: counts for the first
        (2000.0, 2010.0, COMPLETED, False),
        (2100.0, NAN, ABANDONED, False),
        (4000.0, 4000.0, ASSIGNED, True),  # still working when the run stopped at 4600
    ]
    args: dict[str, Any] = {
        "start_s": 0.0,
        "end_s": 4500.0,
        "stopped_s": 4600.0,
        "finished": [400.0, 2000.0, 2710.0, 2160.0, NAN],
    }
    args.update(over)
    return make_records(rows, **args)


def epoch_records(s: Scenario, **over: Any) -> RunRecords:
    """summary_records, shifted to the scenario's real start (epoch seconds)."""
    t0 = s.start_s
    rec = summary_records(**over)
    return dataclasses.replace(
        rec,
        arrivals=dataclasses.replace(rec.arrivals, created_s=rec.arrivals.created_s + t0),
        first_offer_s=rec.first_offer_s + t0,
        accepted_s=rec.accepted_s + t0,
        finished_s=rec.finished_s + t0,
        away_start_s=rec.away_start_s + t0,
        away_end_s=rec.away_end_s + t0,
        start_s=rec.start_s + t0,
        end_s=rec.end_s + t0,
        stopped_s=rec.stopped_s + t0,
    )


def same_metrics(a: dict[str, float], b: dict[str, float]) -> bool:
    return a.keys() == b.keys() and all((math.isnan(a[k]) and math.isnan(b[k])) or a[k] == b[k] for k in a)


def test_summarise_attributes_to_the_arrival_interval_and_skips_warm_up() -> None:
    s = scenario()
    t0 = s.start_s
    out = summarise(epoch_records(s), s)
    assert out.interval_start_s.tolist() == [t0 + 900, t0 + 1800, t0 + 2700, t0 + 3600]
    iv = out.intervals
    assert iv["offered"].tolist() == [1, 2, 0, 1]
    assert iv["accepted"].tolist() == [1, 1, 0, 1]
    assert iv["abandoned"].tolist() == [0, 1, 0, 0]
    assert iv["asa_s"][[0, 1, 3]].tolist() == [51.0, 10.0, 0.0]
    assert np.isnan(iv["asa_s"][2])
    assert iv["service_level"][[0, 1, 3]].tolist() == [0.0, 0.5, 1.0]
    assert iv["p_wait"][[0, 1, 3]].tolist() == [1.0, 1.0, 0.0]
    assert np.isnan(iv["service_level"][2])
    for metric in (*METRICS, "occupancy", "staffed_agents"):
        assert iv[metric].shape == (4,), metric

    overall = out.overall
    assert overall["offered"] == 4  # the warm-up escalation is left out
    assert overall["accepted"] == 3
    assert overall["abandon_rate"] == pytest.approx(1 / 4)
    assert overall["service_level"] == pytest.approx(2 / 4)
    assert overall["asa_s"] == pytest.approx((51 + 10 + 0) / 3)
    assert overall["p_wait"] == pytest.approx(3 / 4)
    assert list(out.segments) == ["general"]
    assert same_metrics(out.segments["general"], {m: overall[m] for m in METRICS})
    assert out.escalations == 5
    assert out.outside_horizon == 0


def test_occupancy_with_one_slot_is_busy_over_staffed() -> None:
    s = scenario()
    out = summarise(epoch_records(s), s)
    # busy seconds per interval: 1850-2000 and 2010-2710 (150 + 690 | 10), 4000-4600 clipped at 4500
    busy = np.array([0.0, 840.0, 10.0, 500.0])
    assert out.intervals["staffed_agents"].tolist() == [1.0, 1.0, 1.0, 1.0]
    assert out.intervals["occupancy"] == pytest.approx(busy / 900)
    assert out.overall["occupancy"] == pytest.approx(busy.sum() / 3600)


@pytest.mark.parametrize(
    ("away_agent", "outside"),
    [
        (1, [0.0, 0.0, 0.0, 0.0]),  # the agent who does no work steps away
        (0, [0.0, 100.0, 10.0, 0.0]),  # the working agent steps away 2600-2900, mid-work until 2710
    ],
)
def test_occupancy_and_staffing_with_away_time_two_agents_and_two_slots(
    away_agent: int, outside: list[float]
) -> None:
    s = scenario(roster=[{"group": "agents", "count": 2, "skills": {"general": 3}, "channels": {"chat": 2}}])
    t0 = s.start_s
    away = [(away_agent, 1000.0, 1300.0), (away_agent, 2600.0, 2900.0)]
    rec = epoch_records(s, group_counts=(2,), away=away)
    out = summarise(rec, s)
    staffed_s = np.array([2 * 900 - 300, 2 * 900 - 100, 2 * 900 - 200, 2 * 900])
    assert out.intervals["staffed_agents"] == pytest.approx(staffed_s / 900)
    busy = np.array([0.0, 840.0, 10.0, 500.0])
    # two slots per agent; work kept while away counts as a staffed slot
    slots = 2 * staffed_s + np.array(outside)
    st_ = staffing(rec, s, t0 + np.array([900.0, 1800.0, 2700.0, 3600.0, 4500.0]))
    assert st_.staffed_slot_s[0] == pytest.approx(slots)
    assert st_.busy_slot_s[0] == pytest.approx(busy)
    assert out.intervals["occupancy"] == pytest.approx(busy / slots)
    assert out.overall["occupancy"] == pytest.approx(busy.sum() / slots.sum())


def test_staffing_follows_shifts_and_counts_away_time_only_on_shift() -> None:
    s = scenario(
        roster=[
            {
                "group": "agents",
                "count": 3,
                "skills": {"general": 3},
                "shifts": [{"days": ["daily"], "start": "00:20", "end": "00:50"}],
            }
        ]
    )
    # agent 2 away 00:40-01:10: only the 10 minutes to 00:50 are on shift
    rec = epoch_records(s, group_counts=(3,), away=[(2, 2400.0, 4200.0)])
    out = summarise(rec, s)
    on_s = np.array([600.0, 900.0, 300.0, 0.0])  # per agent: 00:20-00:30, all, 00:45-00:50, none
    away_s = np.array([0.0, 300.0, 300.0, 0.0])
    staffed_s = 3 * on_s - away_s
    assert out.intervals["staffed_agents"] == pytest.approx(staffed_s / 900)
    busy = np.array([0.0, 840.0, 10.0, 500.0])
    # agent 0 works 4000-4600, after its shift: at work, so those 500 s in the last interval are a
    # staffed slot (busy throughout); the rest of its work is on shift
    slots = staffed_s + np.array([0.0, 0.0, 0.0, 500.0])
    assert out.intervals["occupancy"] == pytest.approx(busy / slots)
    assert out.intervals["occupancy"][3] == 1.0
    assert out.overall["occupancy"] == pytest.approx(busy.sum() / slots.sum())


def test_occupancy_is_nan_when_nobody_is_staffed_or_working() -> None:
    s = scenario(
        roster=[
            {
                "group": "agents",
                "count": 2,
                "skills": {"general": 3},
                "shifts": [{"days": ["daily"], "start": "00:20", "end": "00:50"}],
            }
        ]
    )
    rec = epoch_records(s, group_counts=(2,))
    rec = dataclasses.replace(rec, stopped_s=rec.end_s, finished_s=rec.finished_s.copy())
    rec.finished_s[4] = rec.accepted_s[4]  # the last escalation takes no time at all
    out = summarise(rec, s)
    assert np.isnan(out.intervals["occupancy"][3])
    assert out.intervals["staffed_agents"][3] == 0.0


def test_staffing_splits_busy_time_by_the_accepting_group() -> None:
    s = scenario(
        roster=[
            {"group": "a", "count": 1, "skills": {"general": 3}},
            {"group": "b", "count": 2, "skills": {"general": 3}},
        ]
    )
    t0 = s.start_s
    rec = epoch_records(s, group_names=("a", "b"), group_counts=(1, 2), agent=[0, 1, 0, -1, 1])
    edges = t0 + np.array([900.0, 1800.0, 2700.0, 3600.0, 4500.0])
    st_ = staffing(rec, s, edges)
    assert st_.busy_slot_s[0].tolist() == pytest.approx([0.0, 690.0, 10.0, 0.0])
    assert st_.busy_slot_s[1].tolist() == pytest.approx([0.0, 150.0, 0.0, 500.0])
    assert st_.staffed_agent_s[:, 0].tolist() == [900.0, 1800.0]
    out = summarise(rec, s)
    assert out.intervals["staffed_a"].tolist() == [1.0] * 4
    assert out.intervals["staffed_b"].tolist() == [2.0] * 4
    assert out.intervals["occupancy"] == pytest.approx(np.array([0.0, 840.0, 10.0, 500.0]) / 2700)


def test_summarise_splits_segments_after_warm_up() -> None:
    s = scenario()
    rec = epoch_records(s, segment=[1, 0, 1, 1, 0], segments=("general", "billing"))
    out = summarise(rec, s)
    assert set(out.segments) == {"general", "billing"}
    assert out.segments["general"]["offered"] == 2  # 1799 and 4000
    assert out.segments["billing"]["offered"] == 2  # 2000 and 2100; the warm-up one is left out
    assert out.segments["billing"]["abandon_rate"] == 0.5
    assert out.segments["general"]["asa_s"] == pytest.approx(25.5)


@pytest.mark.parametrize("warmup_h", [0.1, 0.2])
def test_warm_up_not_on_an_interval_boundary_is_refused(warmup_h: float) -> None:
    # a warm-up ending mid-interval would split an interval between warm-up and statistics
    with pytest.raises(ValidationError, match=r"warmup_h must be a whole number of 15-min intervals"):
        scenario(warmup_h=warmup_h, duration_h=1.0)


def test_work_kept_while_away_keeps_occupancy_a_share() -> None:
    # one agent, one slot, always on; handles 00:00-00:15 throughout but is away 00:05-00:10:
    # staffed (on the queue) 10 minutes, at work all 15, so busy all the time it is at work
    s = scenario(duration_h=0.25, warmup_h=0)
    t0 = s.start_s
    rec = make_records(
        [(t0 + 0.0, t0 + 0.0, COMPLETED, True)],
        start_s=t0,
        end_s=t0 + 900,
        finished=[t0 + 900.0],
        away=[(0, t0 + 300.0, t0 + 600.0)],
    )
    out = summarise(rec, s)
    assert out.intervals["staffed_agents"].tolist() == pytest.approx([600 / 900])
    st_ = staffing(rec, s, np.array([t0, t0 + 900]))
    assert st_.staffed_agent_s.tolist() == [[600.0]]
    assert st_.staffed_slot_s.tolist() == [[900.0]]
    assert st_.busy_slot_s.tolist() == [[900.0]]
    assert out.overall["occupancy"] == 1.0


@given(
    st.lists(
        st.tuples(st.floats(-1e6, 1e6), st.floats(0, 1e5)),
        max_size=40,
    ),
    st.lists(st.floats(-2e6, 2e6), min_size=2, max_size=8, unique=True),
)
def test_unit_weights_give_the_weighted_sums_bit_for_bit(
    spans: list[tuple[float, float]], edges: list[float]
) -> None:
    """The weight-free path (no weight column, sorted in place) is the weighted one with ones."""
    starts = np.asarray([a for a, _ in spans], dtype=np.float64)
    ends = np.asarray([a + d for a, d in spans], dtype=np.float64)
    grid = np.sort(np.asarray(edges))
    unit = overlap_per_bin(starts, ends, grid)
    weighted = overlap_per_bin(starts, ends, grid, np.ones_like(starts))
    assert unit.tobytes() == weighted.tobytes()
    assert starts.tolist() == [a for a, _ in spans]  # the caller's arrays are left alone


@hyp_settings(max_examples=60, deadline=None)
@given(
    accepted=st.lists(st.one_of(st.just(math.nan), st.floats(0, 1e4)), max_size=300),
    chunk=st.integers(1, 40),
)
def test_handoff_times_are_the_accepted_ones_in_order_whatever_the_chunk(
    accepted: list[float], chunk: int
) -> None:
    import simulator.metrics as metrics

    acc = np.asarray(accepted, np.float64) + 1.7e9
    created = np.full(acc.size, 1.7e9) - np.arange(acc.size, dtype=np.float64)
    expected = (acc - created)[~np.isnan(acc)]
    default = metrics._HANDOFF_CHUNK
    try:
        metrics._HANDOFF_CHUNK = chunk
        assert np.array_equal(metrics._handoff_times_s(acc, created), expected)
    finally:
        metrics._HANDOFF_CHUNK = default
