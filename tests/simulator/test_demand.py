"""Demand: distributions, peak multipliers, segment rates, and one run's escalations drawn up front
with common random numbers (same seed, same customers, whatever the roster or the other segments)."""

from __future__ import annotations

import math
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from routing.domain import CHANNELS, Channel, CustomerTier, Trigger
from simulator.demand import (
    Arrivals,
    generate_demand,
    peak_multipliers,
    sample,
    segment_rates_per_s,
)
from simulator.scenario import Distribution, Scenario
from simulator.streams import replication_seeds
from tests import factories
from tests.factories import exponential, make_scenario, scenario_data

LOG_HEADER = "created_at,channel,skills,customer_tier,language,handle_time_s,patience_s"


def rng(seed: int = 20261201) -> np.random.Generator:
    return np.random.default_rng(seed)


def seq(seed: int = 1, r: int = 0) -> np.random.SeedSequence:
    return replication_seeds(seed, r + 1)[r]


def segment(name: str = "general", **over: Any) -> dict[str, Any]:
    base = factories.segment(
        name, arrivals_per_hour=600, handle_time=exponential(150), patience=exponential(60)
    )
    return {**base, **over}


def scenario(**over: Any) -> Scenario:
    base = scenario_data(name="demand-test", duration_h=2, warmup_h=0, demand=[segment()])
    return make_scenario(**{**base, **over})


def same_arrivals(a: Arrivals, b: Arrivals) -> None:
    """Every drawn column equal, bit for bit."""
    for name in ("created_s", "kind", "handle_s", "patience_s", "accept_delay_s", "declines"):
        assert np.array_equal(getattr(a, name), getattr(b, name)), name
    assert a.templates == b.templates
    assert a.segments == b.segments


def of_segment(a: Arrivals, s: int) -> dict[str, np.ndarray]:
    mine = a.segment == s
    return {
        name: getattr(a, name)[mine]
        for name in ("created_s", "handle_s", "patience_s", "accept_delay_s", "declines")
    }


# ----------------------------------------------------------------------------------- sample
def test_lognormal_has_the_given_mean_and_cv() -> None:
    dist = Distribution(distribution="lognormal", mean_s=300, cv=0.8)
    x = sample(dist, rng(), 400_000)
    assert x.shape == (400_000,)
    assert (x > 0).all()
    assert x.mean() == pytest.approx(300, rel=0.01)
    assert x.std() / x.mean() == pytest.approx(0.8, rel=0.03)
    # the median of a lognormal is mean / sqrt(1 + cv^2): a plain lognormal(mean, cv) would miss it
    assert np.median(x) == pytest.approx(300 / math.sqrt(1 + 0.8**2), rel=0.01)


def test_exponential_has_the_given_mean_and_cv_one() -> None:
    x = sample(Distribution(distribution="exponential", mean_s=60), rng(), 400_000)
    assert x.mean() == pytest.approx(60, rel=0.01)
    assert x.std() / x.mean() == pytest.approx(1.0, rel=0.02)


def test_fixed_gives_the_mean_every_time() -> None:
    x = sample(Distribution(distribution="fixed", mean_s=42.5), rng(), 1000)
    assert x.dtype == np.float64
    assert (x == 42.5).all()


def test_fixed_zero_is_allowed() -> None:
    assert (sample(Distribution(distribution="fixed", mean_s=0), rng(), 10) == 0).all()


def test_empirical_only_takes_listed_values_each_about_equally_often() -> None:
    values = [10.0, 20.0, 45.5, 300.0]
    x = sample(Distribution(distribution="empirical", values_s=values), rng(), 40_000)
    assert set(np.unique(x).tolist()) == set(values)
    shares = np.array([np.count_nonzero(x == v) for v in values]) / x.size
    assert np.allclose(shares, 0.25, atol=0.01)
    assert x.mean() == pytest.approx(np.mean(values), rel=0.02)


def test_sample_is_reproducible_and_sized() -> None:
    dist = Distribution(distribution="lognormal", mean_s=100, cv=1.5)
    assert np.array_equal(sample(dist, rng(3), 50), sample(dist, rng(3), 50))
    assert sample(dist, rng(3), 0).shape == (0,)


# ---------------------------------------------------------------------------------- peaks
def test_a_peak_counts_for_the_part_of_an_interval_it_covers() -> None:
    s = scenario(
        start="2026-12-01T07:00:00",
        duration_h=2,
        demand=[segment(peaks=[{"start": "07:10", "end": "08:00", "multiplier": 3}])],
    )
    m = peak_multipliers(s.demand[0], s)
    assert m.shape == (8,)
    assert m[0] == pytest.approx(1 + 2 * (5 / 15))  # 07:00-07:15 holds 5 peak minutes
    assert m[1:4] == pytest.approx([3, 3, 3])
    assert m[4:] == pytest.approx([1, 1, 1, 1])  # 08:00 on: no peak


def test_peaks_in_several_windows_and_partial_at_both_ends() -> None:
    s = scenario(
        start="2026-12-01T10:00:00",
        duration_h=2,
        interval_min=30,
        demand=[
            segment(
                peaks=[
                    {"start": "10:20", "end": "10:40", "multiplier": 4},  # 10 min in each of 2 intervals
                    {"start": "11:30", "end": "11:45", "multiplier": 0},  # a dip: half of 11:30-12:00
                ]
            )
        ],
    )
    m = peak_multipliers(s.demand[0], s)
    assert m == pytest.approx([1 + 3 * 10 / 30, 1 + 3 * 10 / 30, 1, 1 - 15 / 30])


def test_without_peaks_every_multiplier_is_one() -> None:
    s = scenario()
    assert (peak_multipliers(s.demand[0], s) == 1).all()


def test_an_interval_crossing_midnight_takes_the_peak_after_midnight() -> None:
    s = scenario(
        start="2026-12-01T23:50:00",
        duration_h=0.75,
        demand=[segment(peaks=[{"start": "00:00", "end": "00:30", "multiplier": 4}])],
    )
    m = peak_multipliers(s.demand[0], s)
    # 23:50-00:05 holds 5 peak minutes, 00:05-00:20 all 15, 00:20-00:35 ten
    assert m == pytest.approx([1 + 3 * 5 / 15, 4, 1 + 3 * 10 / 15])


def test_peaks_follow_the_local_wall_clock_across_a_dst_change() -> None:
    # Berlin leaves summer time on 2026-10-25 (03:00 CEST -> 02:00 CET): the lunch peak is at
    # 10:00 UTC on the 24th and at 11:00 UTC on the 25th.
    s = scenario(
        time_zone="Europe/Berlin",
        start="2026-10-24T00:00:00",
        duration_h=48,
        interval_min=60,
        demand=[segment(peaks=[{"start": "12:00", "end": "13:00", "multiplier": 2}])],
    )
    m = peak_multipliers(s.demand[0], s)
    assert s.start_s == datetime.fromisoformat("2026-10-23T22:00:00+00:00").timestamp()
    starts = s.interval_starts_s
    assert starts[37] == datetime.fromisoformat("2026-10-25T11:00:00+00:00").timestamp()
    assert np.flatnonzero(m > 1).tolist() == [12, 37]  # 25 h apart: the day after has 25 hours
    assert (m[[12, 37]] == 2).all()
    assert m[36] == 1  # 11:00 CET: an implementation with a frozen UTC offset would put the peak here


def test_a_partial_peak_across_a_dst_change_with_quarter_hours() -> None:
    # New York, 2026-03-08 02:00 EST -> 03:00 EDT; the scenario starts at 01:00 local.
    s = scenario(
        time_zone="America/New_York",
        start="2026-03-08T01:00:00",
        duration_h=3,
        demand=[segment(peaks=[{"start": "03:10", "end": "03:40", "multiplier": 2.5}])],
    )
    m = peak_multipliers(s.demand[0], s)
    # intervals by local start: 01:00 01:15 01:30 01:45 | 03:00 03:15 03:30 03:45 04:00 ...
    expected = np.ones(12)
    expected[4] = 1 + 1.5 * 5 / 15
    expected[5] = 2.5
    expected[6] = 1 + 1.5 * 10 / 15
    assert m == pytest.approx(expected)


# ---------------------------------------------------------------------------------- rates
def test_arrivals_per_hour_is_a_constant_rate_per_second() -> None:
    s = scenario(warmup_h=0.5, demand=[segment(arrivals_per_hour=360)])
    rates = segment_rates_per_s(s.demand[0], s)
    assert rates.shape == (10,)  # warm-up intervals included
    assert rates == pytest.approx(np.full(10, 0.1))


def test_volume_per_interval_repeats_when_shorter_than_the_horizon() -> None:
    s = scenario(
        duration_h=1.5, demand=[segment(arrivals_per_hour=None, volume_per_interval=[30, 60, 90, 0])]
    )
    rates = segment_rates_per_s(s.demand[0], s)
    assert rates * 900 == pytest.approx([30, 60, 90, 0, 30, 60])


def test_volume_per_interval_longer_than_the_horizon_is_cut() -> None:
    s = scenario(duration_h=0.5, demand=[segment(arrivals_per_hour=None, volume_per_interval=[9, 18, 27])])
    assert segment_rates_per_s(s.demand[0], s) * 900 == pytest.approx([9, 18])


def test_rates_carry_the_peaks() -> None:
    s = scenario(
        start="2026-12-01T07:00:00",
        duration_h=1,
        demand=[
            segment(
                arrivals_per_hour=None,
                volume_per_interval=[90],
                peaks=[{"start": "07:10", "end": "08:00", "multiplier": 3}],
            )
        ],
    )
    assert segment_rates_per_s(s.demand[0], s) * 900 == pytest.approx([90 * (1 + 2 / 3), 270, 270, 270])


# ------------------------------------------------------------------------ generate_demand
def test_demand_is_sorted_inside_the_horizon_with_one_length() -> None:
    s = scenario(warmup_h=0.5)
    a = generate_demand(s, seq())
    n = len(a)
    start = s.start_s
    assert 0.8 * 600 * 2.5 < n < 1.2 * 600 * 2.5
    assert np.all(np.diff(a.created_s) >= 0)
    assert a.created_s.min() >= start
    assert a.created_s.max() < start + 2.5 * 3600
    for name in ("kind", "handle_s", "patience_s", "accept_delay_s", "declines"):
        assert getattr(a, name).shape == (n,), name
    assert a.segments == ("general",)
    assert (a.segment == 0).all()
    assert (a.channel == CHANNELS.index(Channel.CHAT)).all()
    assert a.outside_horizon == 0


def test_the_same_seed_gives_identical_arrays() -> None:
    s = scenario(demand=[segment(), segment("other", channel="voice", skills={"billing": 2})])
    same_arrivals(generate_demand(s, seq(9)), generate_demand(s, seq(9)))


def test_other_seeds_and_replications_give_other_customers() -> None:
    s = scenario()
    base = generate_demand(s, seq(9, 0))
    for other in (generate_demand(s, seq(10, 0)), generate_demand(s, seq(9, 1))):
        n = min(len(base), len(other))
        assert not np.array_equal(base.created_s[:n], other.created_s[:n])


def test_the_roster_never_changes_the_customers() -> None:
    s = scenario(demand=[segment(), segment("vip", customer_tiers={"vip": 0.5, "standard": 0.5})])
    other = s.model_copy(
        update={
            "roster": [
                *scenario(
                    roster=[
                        {"group": "x", "count": 40, "skills": {"general": 5}, "shrinkage": 0.3},
                        {"group": "y", "count": 1, "skills": {"billing": 1}, "channels": {"voice": 2}},
                    ]
                ).roster
            ]
        }
    )
    same_arrivals(generate_demand(s, seq(4)), generate_demand(other, seq(4)))


def test_adding_a_segment_leaves_the_first_segments_customers_unchanged() -> None:
    one = scenario(demand=[segment()])
    two = scenario(demand=[segment(), segment("billing", skills={"billing": 2}, arrivals_per_hour=900)])
    a, b = generate_demand(one, seq(2)), generate_demand(two, seq(2))
    first_a, first_b = of_segment(a, 0), of_segment(b, 0)
    for name, values in first_a.items():
        assert np.array_equal(values, first_b[name]), name
    assert np.count_nonzero(b.segment == 1) > 0
    assert len(b) == len(a) + np.count_nonzero(b.segment == 1)


def test_changing_one_segments_distributions_leaves_its_arrival_times() -> None:
    # each purpose has its own stream: a longer handle time draws no arrival numbers
    a = generate_demand(scenario(demand=[segment()]), seq(2))
    b = generate_demand(
        scenario(demand=[segment(handle_time={"distribution": "lognormal", "mean_s": 400, "cv": 0.5})]),
        seq(2),
    )
    assert np.array_equal(a.created_s, b.created_s)
    assert np.array_equal(a.patience_s, b.patience_s)
    assert not np.array_equal(a.handle_s, b.handle_s)


def test_customer_tier_and_language_mix_shares() -> None:
    s = scenario(
        demand=[
            segment(
                arrivals_per_hour=20_000,
                customer_tiers={"standard": 0.7, "priority": 0.2, "vip": 0.1},
                languages={"en": 0.6, "es": 0.3, "de": 0.1},
            )
        ]
    )
    a = generate_demand(s, seq(5))
    assert len(a) > 30_000
    tier = np.array([a.templates[k][4] for k in a.kind.tolist()])
    lang = np.array([a.templates[k][5] for k in a.kind.tolist()])
    for value, share in ((CustomerTier.STANDARD, 0.7), (CustomerTier.PRIORITY, 0.2), (CustomerTier.VIP, 0.1)):
        assert np.mean(tier == value) == pytest.approx(share, abs=0.01), value
    for value, share in (("en", 0.6), ("es", 0.3), ("de", 0.1)):
        assert np.mean(lang == value) == pytest.approx(share, abs=0.01), value
    # one kind per tier x language, all of this segment, with the segment's needs
    assert len(a.templates) == 9
    assert (a.kind_segment == 0).all()
    for tpl in a.templates:
        assert tpl[0] is Channel.CHAT
        assert tpl[1] == {"general": 1}
        assert tpl[8] is (Trigger.VIP if tpl[4] is CustomerTier.VIP else Trigger.OTHER)


def test_distributions_of_the_drawn_customers() -> None:
    s = scenario(
        demand=[
            segment(
                arrivals_per_hour=10_000,
                handle_time={"distribution": "fixed", "mean_s": 240},
                patience=None,
            )
        ],
        offers={"accept_delay": {"distribution": "exponential", "mean_s": 4}, "decline_probability": 0.25},
    )
    a = generate_demand(s, seq(6))
    assert (a.handle_s == 240).all()
    assert np.isinf(a.patience_s).all()  # no patience: infinitely patient
    assert a.accept_delay_s.mean() == pytest.approx(4, rel=0.05)
    assert a.declines.mean() == pytest.approx(0.25, abs=0.015)


def test_a_zero_rate_segment_has_no_escalations() -> None:
    a = generate_demand(scenario(demand=[segment(arrivals_per_hour=0)]), seq())
    assert len(a) == 0
    assert a.created_s.dtype == np.float64


# --------------------------------------------------------------------------------- replay
def write_log(path: Path, rows: list[str]) -> Path:
    path.write_text("\n".join([LOG_HEADER, *rows]) + "\n", encoding="utf-8")
    return path


def replay_scenario(log: Path, **over: Any) -> Scenario:
    data: dict[str, Any] = {
        "name": "replay",
        "start": "2026-12-01T09:00:00",
        "duration_h": 1,
        "demand": [],
        "replay": {
            "log": str(log),
            "handle_time": {"distribution": "fixed", "mean_s": 123},
            "patience": {"distribution": "fixed", "mean_s": 45},
        },
        "roster": [{"group": "agents", "count": 1, "skills": {"billing": 3}}],
    }
    data.update(over)
    return Scenario.model_validate(data)


def test_replay_keeps_rows_inside_the_horizon_and_counts_the_rest(tmp_path: Path) -> None:
    log = write_log(
        tmp_path / "log.csv",
        [
            "2026-12-01T08:59:59+00:00,chat,billing:2,standard,en,100,30",  # before the start
            "2026-12-01T09:00:00+00:00,chat,billing:2,standard,en,100,30",  # at the start: in
            "2026-12-01T11:30:00+02:00,voice,billing:3|refunds:2,vip,de,,",  # 09:30 UTC, drawn times
            "2026-12-01T09:45:00+00:00,chat,,priority,en,50,",
            "2026-12-01T10:00:00+00:00,chat,billing:2,standard,en,100,30",  # at the end: out
            "2026-12-02T09:00:00+00:00,chat,billing:2,standard,en,100,30",  # next day: out
        ],
    )
    s = replay_scenario(log)
    a = generate_demand(s, seq())
    start = s.start_s
    assert a.outside_horizon == 3
    assert (a.created_s - start).tolist() == [0.0, 1800.0, 2700.0]
    assert a.handle_s.tolist() == [100.0, 123.0, 50.0]  # missing handle time from the replay's distribution
    assert a.patience_s.tolist() == [30.0, 45.0, 45.0]
    assert a.segments == ("chat:billing", "voice:billing+refunds", "chat:any")
    assert a.segment.tolist() == [0, 1, 2]
    assert [CHANNELS[c] for c in a.channel.tolist()] == [Channel.CHAT, Channel.VOICE, Channel.CHAT]
    vip = a.templates[int(a.kind[1])]
    assert (vip[1], vip[4], vip[5], vip[8]) == (
        {"billing": 3, "refunds": 2},
        CustomerTier.VIP,
        "de",
        Trigger.VIP,
    )


def test_replay_without_patience_distribution_is_patient(tmp_path: Path) -> None:
    log = write_log(tmp_path / "log.csv", ["2026-12-01T09:10:00+00:00,chat,billing:1,standard,en,,"])
    s = replay_scenario(log, replay={"log": str(log), "handle_time": {"distribution": "fixed", "mean_s": 7}})
    a = generate_demand(s, seq())
    assert a.handle_s.tolist() == [7.0]
    assert np.isinf(a.patience_s).all()


def test_replay_beside_generated_demand_leaves_the_generated_customers(tmp_path: Path) -> None:
    log = write_log(
        tmp_path / "log.csv",
        [f"2026-12-01T09:{m:02d}:00+00:00,chat,billing:1,standard,en,," for m in range(0, 60, 5)],
    )
    generated = replay_scenario(log, demand=[segment()], replay=None)
    both = replay_scenario(log, demand=[segment()])
    a, b = generate_demand(generated, seq(3)), generate_demand(both, seq(3))
    for name, values in of_segment(a, 0).items():
        assert np.array_equal(values, of_segment(b, 0)[name]), name
    assert b.segments == ("general", "chat:billing")
    assert np.count_nonzero(b.segment == 1) == 12
    assert np.all(np.diff(b.created_s) >= 0)  # merged in arrival order


def test_a_fixed_accept_delay_and_no_patience_take_no_memory_and_read_as_values() -> None:
    two = scenario(demand=[segment("a", patience=None), segment("b", patience=None, arrivals_per_hour=300)])
    a = generate_demand(two, seq())
    for column, value in ((a.accept_delay_s, 0.0), (a.patience_s, math.inf)):
        assert column.strides == (0,)  # one value, broadcast: no 8 bytes per escalation
        assert len(column) == len(a)
        assert np.all(column == value)
        with pytest.raises(ValueError, match="read-only"):
            column[0] = 1.0


def test_a_constant_column_beside_drawn_ones_merges_into_values() -> None:
    mixed = scenario(demand=[segment("a", patience=None), segment("b", arrivals_per_hour=300)])
    a = generate_demand(mixed, seq())
    assert a.patience_s.strides != (0,)
    assert np.all(np.isinf(a.patience_s[a.segment == 0]))
    assert np.all(np.isfinite(a.patience_s[a.segment == 1]))
