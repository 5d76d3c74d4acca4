"""Arrival generators checked against Poisson theory with fixed seeds; escalation-log replay."""

from __future__ import annotations

import math
from datetime import datetime
from pathlib import Path

import numpy as np
import pytest

from routing.domain import CHANNEL_INDEX, Channel, CustomerTier, Escalation
from routing.errors import FieldProblem, InvalidInput
from simulator.arrivals import apply_peaks, poisson_arrivals, thinning_arrivals
from simulator.scenario.escalation_log import MAX_PROBLEMS, load_escalation_log

EXAMPLE = Path(__file__).resolve().parents[2] / "scenarios" / "replay_example.csv"


def rng(seed: int = 20261201) -> np.random.Generator:
    return np.random.default_rng(seed)


def counts_per_interval(times: np.ndarray, n_intervals: int, interval_s: float, start_s: float = 0.0):
    edges = start_s + interval_s * np.arange(n_intervals + 1)
    counts, _ = np.histogram(times, bins=edges)
    return counts


# ------------------------------------------------------------------------- piecewise Poisson
def test_counts_per_interval_match_the_rate() -> None:
    n, interval_s = 2_000, 60.0
    k = np.arange(n)
    rates = 0.01 + 0.09 * np.sin(2 * np.pi * k / 48) ** 2  # 0.6 .. 6 expected per interval
    times = poisson_arrivals(rates, interval_s, rng(), start_s=1_000.0)
    assert times.min() >= 1_000.0
    assert times.max() < 1_000.0 + n * interval_s
    observed = counts_per_interval(times, n, interval_s, start_s=1_000.0)
    assert observed.sum() == times.size  # every arrival inside the horizon
    expected = rates * interval_s
    # total count: Poisson(sum of means), within 4 standard errors
    assert abs(observed.sum() - expected.sum()) < 4 * math.sqrt(expected.sum())
    # Pearson dispersion ~ chi-square with n degrees of freedom: mean n, sd sqrt(2n)
    chi2 = float(np.sum((observed - expected) ** 2 / expected))
    assert abs(chi2 - n) < 4 * math.sqrt(2 * n)


def test_constant_rate_gives_exponential_gaps() -> None:
    rate = 0.5
    # many short intervals: gaps that straddle interval boundaries must still be exponential
    times = poisson_arrivals(np.full(1_000, rate), 20.0, rng())
    assert np.all(np.diff(times) >= 0)
    gaps = np.diff(times)
    n = gaps.size
    assert n > 9_000
    assert abs(gaps.mean() - 1 / rate) < 4 * (1 / rate) / math.sqrt(n)
    cv = gaps.std(ddof=1) / gaps.mean()
    assert abs(cv - 1.0) < 0.05
    # Kolmogorov-Smirnov against Exp(rate); 1.95 / sqrt(n) is the 0.1% critical value
    sorted_gaps = np.sort(gaps)
    cdf = 1 - np.exp(-rate * sorted_gaps)
    ecdf_hi = np.arange(1, n + 1) / n
    ecdf_lo = np.arange(n) / n
    d = max(np.max(ecdf_hi - cdf), np.max(cdf - ecdf_lo))
    assert d < 1.95 / math.sqrt(n)


def test_same_seed_same_arrays_and_different_seeds_differ() -> None:
    rates = [0.1, 0.3, 0.0, 0.2]
    a = poisson_arrivals(rates, 300.0, rng(7))
    b = poisson_arrivals(rates, 300.0, rng(7))
    c = poisson_arrivals(rates, 300.0, rng(8))
    assert a.dtype == np.float64
    np.testing.assert_array_equal(a, b)
    assert a.size != c.size or not np.array_equal(a, c)
    t1 = thinning_arrivals(lambda t: 0.1 + 0.0 * t, 0.2, 3_600.0, rng(7))
    t2 = thinning_arrivals(lambda t: 0.1 + 0.0 * t, 0.2, 3_600.0, rng(7))
    np.testing.assert_array_equal(t1, t2)


def test_zero_rate_intervals_have_no_arrivals() -> None:
    rates = np.tile([0.5, 0.0], 200)
    times = poisson_arrivals(rates, 10.0, rng())
    counts = counts_per_interval(times, rates.size, 10.0)
    assert counts[1::2].sum() == 0
    assert counts[0::2].sum() > 0
    assert poisson_arrivals(np.zeros(10), 10.0, rng()).size == 0
    assert poisson_arrivals([], 10.0, rng()).size == 0


def test_peak_triples_the_count_in_its_interval() -> None:
    days, per_day, interval_s = 200, 48, 1_800.0
    base = np.full(per_day, 0.05)  # 90 per half hour
    multipliers = np.ones(per_day)
    multipliers[24:26] = 3.0  # lunch, 12:00-13:00
    profile = apply_peaks(base, multipliers)
    np.testing.assert_allclose(profile[24:26], [0.15, 0.15])
    np.testing.assert_array_equal(np.delete(profile, [24, 25]), 0.05)
    times = poisson_arrivals(np.tile(profile, days), interval_s, rng())
    counts = counts_per_interval(times, days * per_day, interval_s).reshape(days, per_day)
    peak = counts[:, 24:26].sum()
    off_peak_mean = counts[:, [i for i in range(per_day) if i not in (24, 25)]].mean()
    expected_peak = days * 2 * 3 * 0.05 * interval_s
    assert abs(peak - expected_peak) < 4 * math.sqrt(expected_peak)
    assert abs(peak / (days * 2 * off_peak_mean) - 3.0) < 0.05


def test_thinning_matches_the_piecewise_method_in_expected_count() -> None:
    period_s, horizon_s = 3_600.0, 36_000.0

    def rate_fn(t: np.ndarray) -> np.ndarray:
        return 0.5 * (1 + np.sin(2 * np.pi * t / period_s))

    thinned = thinning_arrivals(rate_fn, 1.0, horizon_s, rng(1), start_s=0.0)
    assert np.all(np.diff(thinned) >= 0)
    assert thinned.min() >= 0.0
    assert thinned.max() < horizon_s
    expected = 0.5 * horizon_s  # the sine integrates to 0 over whole periods
    assert abs(thinned.size - expected) < 4 * math.sqrt(expected)
    # same rate, averaged over one-minute steps, by the exact piecewise method
    edges = np.arange(0.0, horizon_s + 1, 60.0)
    mid = (edges[:-1] + edges[1:]) / 2
    piecewise = poisson_arrivals(rate_fn(mid), 60.0, rng(2))
    assert abs(piecewise.size - thinned.size) < 4 * math.sqrt(2 * expected)
    # and the shape: the rising half of each period (sin > 0) holds (1 + 2/pi) / 2 of the arrivals
    rising = np.mean((thinned % period_s) < period_s / 2)
    assert abs(rising - (1 + 2 / np.pi) / 2) < 4 * math.sqrt(0.25 / thinned.size)


def test_thinning_agrees_with_a_step_rate_per_interval() -> None:
    rates = np.array([0.2, 0.0, 0.6, 0.1, 0.4])
    interval_s = 2_000.0

    def step(t: np.ndarray) -> np.ndarray:
        return rates[(t // interval_s).astype(int)]

    thinned = thinning_arrivals(step, 0.6, rates.size * interval_s, rng(3))
    counts = counts_per_interval(thinned, rates.size, interval_s)
    expected = rates * interval_s
    assert counts[1] == 0
    assert np.all(np.abs(counts - expected) <= 4 * np.sqrt(expected) + 1e-9)


def test_thinning_uses_several_batches_over_a_long_horizon() -> None:
    # 1.1 * expected candidates per batch: the loop must run on until the horizon is covered
    times = thinning_arrivals(lambda t: np.full_like(t, 2.0), 2.0, 50_000.0, rng(4), start_s=500.0)
    assert times.max() > 500.0 + 49_900.0
    assert abs(times.size - 100_000) < 4 * math.sqrt(100_000)
    assert thinning_arrivals(lambda t: t * 0.0, 0.0, 100.0, rng()).size == 0


def test_thinning_rejects_a_rate_above_the_bound() -> None:
    with pytest.raises(ValueError, match=r"rate_fn\(t=.*\) = 2\.0 is outside \[0, max_rate_per_s\(=1\.0\)\]"):
        thinning_arrivals(lambda t: np.full_like(t, 2.0), 1.0, 100.0, rng())
    with pytest.raises(ValueError, match="is outside"):
        thinning_arrivals(lambda t: np.full_like(t, -0.1), 1.0, 100.0, rng())
    with pytest.raises(ValueError, match="is outside"):
        thinning_arrivals(lambda t: np.full_like(t, np.nan), 1.0, 100.0, rng())


@pytest.mark.parametrize(
    ("rates", "interval_s", "start_s", "match"),
    [
        ([0.1], 0.0, 0.0, r"interval_s\(=0\.0\) must be > 0"),
        ([0.1], -5.0, 0.0, r"interval_s\(=-5\.0\) must be > 0"),
        ([0.1], math.nan, 0.0, r"interval_s\(=nan\) must be > 0"),
        ([0.1, -0.2], 60.0, 0.0, r"rate_per_s_by_interval\[1\]\(=-0\.2\) must be finite and >= 0"),
        ([math.nan], 60.0, 0.0, r"rate_per_s_by_interval\[0\]\(=nan\) must be finite and >= 0"),
        ([math.inf], 60.0, 0.0, r"rate_per_s_by_interval\[0\]\(=inf\)"),
        ([[0.1, 0.2]], 60.0, 0.0, r"must be 1-dimensional, got shape \(1, 2\)"),
        ([0.1], 60.0, math.inf, r"start_s\(=inf\) must be finite"),
    ],
)
def test_poisson_arguments_are_checked(
    rates: list[float], interval_s: float, start_s: float, match: str
) -> None:
    with pytest.raises(ValueError, match=match):
        poisson_arrivals(rates, interval_s, rng(), start_s=start_s)


def test_peaks_and_thinning_arguments_are_checked() -> None:
    with pytest.raises(ValueError, match="multipliers has 2 values but rates has 3"):
        apply_peaks([0.1, 0.1, 0.1], [1.0, 3.0])
    with pytest.raises(ValueError, match=r"multipliers\[1\]\(=-3\.0\) must be finite and >= 0"):
        apply_peaks([0.1, 0.1], [1.0, -3.0])
    with pytest.raises(ValueError, match=r"rates\[0\]\(=nan\)"):
        apply_peaks([math.nan], [1.0])
    with pytest.raises(ValueError, match=r"horizon_s\(=0\.0\) must be > 0"):
        thinning_arrivals(lambda t: t, 1.0, 0.0, rng())
    with pytest.raises(ValueError, match=r"max_rate_per_s\(=-1\.0\) must be finite and >= 0"):
        thinning_arrivals(lambda t: t, -1.0, 10.0, rng())


# ---------------------------------------------------------------------------------- log replay
HEADER = "created_at,channel,skills,customer_tier,language,handle_time_s,patience_s"
GOOD_ROW = "2026-12-01T09:00:00+00:00,chat,billing:3,standard,en,,"


def write(tmp_path: Path, *lines: str, name: str = "escalations.csv") -> Path:
    path = tmp_path / name
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path


def problems_of(path: Path) -> list[FieldProblem]:
    with pytest.raises(InvalidInput) as info:
        load_escalation_log(path)
    assert info.value.source == str(path)
    return info.value.problems


def test_good_log_round_trips_to_escalations(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        HEADER,
        "2026-12-01T10:00:00+01:00,voice,billing:3|refunds:2,vip,es,420.5,90",
        " 2026-12-01T09:05:00Z , chat ,, standard , en ,,",
        "2026-12-01T09:10:00+00:00,email,technical:5,priority,en-GB,,0",
    )
    log = load_escalation_log(path)
    assert len(log) == 3
    t0 = datetime.fromisoformat("2026-12-01T09:00:00+00:00").timestamp()
    np.testing.assert_array_equal(log.created_s, [t0, t0 + 300, t0 + 600])
    np.testing.assert_array_equal(log.line, [2, 3, 4])
    assert [int(c) for c in log.channel] == [
        CHANNEL_INDEX[c] for c in (Channel.VOICE, Channel.CHAT, Channel.EMAIL)
    ]
    np.testing.assert_array_equal(log.handle_time_s, [420.5, np.nan, np.nan])
    np.testing.assert_array_equal(log.patience_s, [90.0, np.nan, 0.0])
    assert log.skills == ({"billing": 3, "refunds": 2}, {}, {"technical": 5})
    assert log.customer_tier == (CustomerTier.VIP, CustomerTier.STANDARD, CustomerTier.PRIORITY)
    assert log.language == ("es", "en", "en-GB")
    with pytest.raises(ValueError, match="read-only"):
        log.created_s[0] = 0.0

    escalations = list(log.to_escalations("log-"))
    assert escalations[0] == Escalation(
        id="log-2",
        created_s=t0,
        channel=Channel.VOICE,
        required_skills={"billing": 3, "refunds": 2},
        customer_tier=CustomerTier.VIP,
        language="es",
    )
    assert [e.id for e in escalations] == ["log-2", "log-3", "log-4"]
    assert escalations[1].required_skills == {}
    assert escalations[2].channel is Channel.EMAIL


def test_optional_columns_may_be_left_out(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "language,customer_tier,skills,channel,created_at",
        "en,standard,,chat,2026-12-01T09:00:00+00:00",
    )
    log = load_escalation_log(path)
    assert np.isnan(log.handle_time_s).all()
    assert np.isnan(log.patience_s).all()


def test_unsorted_rows_are_sorted_stably_with_their_lines(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        HEADER,
        "2026-12-01T09:02:00+00:00,chat,,standard,en,,",
        "2026-12-01T09:00:00+00:00,chat,,standard,en,1,",
        "2026-12-01T09:01:00+00:00,voice,,standard,en,,",
        "2026-12-01T09:00:00+00:00,chat,,standard,en,2,",
    )
    log = load_escalation_log(path)
    np.testing.assert_array_equal(log.line, [3, 5, 4, 2])
    assert np.all(np.diff(log.created_s) >= 0)
    np.testing.assert_array_equal(log.handle_time_s[:2], [1.0, 2.0])  # ties keep file order
    assert log.channel[2] == CHANNEL_INDEX[Channel.VOICE]


@pytest.mark.parametrize(
    ("column", "value", "problem"),
    [
        (
            "created_at",
            "2026-12-01T09:00:00",
            "time needs a UTC offset (e.g. '2026-12-01T09:00:00+00:00'), got '2026-12-01T09:00:00'",
        ),
        ("created_at", "yesterday", "not an ISO 8601 time, got 'yesterday'"),
        ("created_at", "", "required, got an empty value"),
        ("channel", "fax", "must be one of chat, voice, email, messaging, got 'fax'"),
        (
            "skills",
            "billing=3",
            "expected name:proficiency items separated by '|' (e.g. 'billing:3|refunds:2'), got 'billing=3'",
        ),
        ("skills", "billing:9", "proficiency must be 1-5, got 9"),
        ("skills", "billing:3|billing:2", "skill 'billing' given twice"),
        ("customer_tier", "gold", "must be one of standard, priority, vip, got 'gold'"),
        ("language", "", "must be a language tag such as 'en' or 'es-MX', got ''"),
        ("handle_time_s", "-5", "must be > 0, got -5"),
        ("handle_time_s", "0", "must be > 0, got 0"),
        ("handle_time_s", "soon", "must be a number of seconds, got 'soon'"),
        ("patience_s", "nan", "must be >= 0, got nan"),
    ],
)
def test_each_bad_cell_names_line_and_column(tmp_path: Path, column: str, value: str, problem: str) -> None:
    cells = dict(zip(HEADER.split(","), GOOD_ROW.split(","), strict=True))
    cells[column] = value
    path = write(tmp_path, HEADER, GOOD_ROW, ",".join(cells.values()))
    problems = problems_of(path)
    assert problems == [FieldProblem(f"line 3, {column}", problem)]
    with pytest.raises(InvalidInput, match=f"escalations.csv: line 3, {column}: "):
        load_escalation_log(path)


def test_every_bad_row_and_cell_is_reported(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        HEADER,
        GOOD_ROW,
        "2026-12-01T09:00:00,chat,billing:3,standard,en,,",
        GOOD_ROW,
        "2026-12-01T09:00:00+00:00,fax,billing:9|refunds=2,gold,en,-1,",
        "2026-12-01T09:00:00+00:00,chat,billing:3",
    )
    assert [str(p) for p in problems_of(path)] == [
        "line 3, created_at: time needs a UTC offset (e.g. '2026-12-01T09:00:00+00:00'), "
        "got '2026-12-01T09:00:00'",
        "line 5, channel: must be one of chat, voice, email, messaging, got 'fax'",
        "line 5, skills: proficiency must be 1-5, got 9",
        "line 5, skills: expected name:proficiency items separated by '|' (e.g. 'billing:3|refunds:2'), "
        "got 'refunds=2'",
        "line 5, customer_tier: must be one of standard, priority, vip, got 'gold'",
        "line 5, handle_time_s: must be > 0, got -1",
        "line 6: expected 7 fields, got 3",
    ]


def test_problems_stop_at_the_limit(tmp_path: Path) -> None:
    bad = "2026-12-01T09:00:00+00:00,fax,,standard,en,,"
    problems = problems_of(write(tmp_path, HEADER, *[bad] * (MAX_PROBLEMS + 20)))
    assert len(problems) == MAX_PROBLEMS + 1
    assert problems[-1] == FieldProblem("", f"stopped after {MAX_PROBLEMS} problems")


def test_missing_and_unknown_columns(tmp_path: Path) -> None:
    missing = write(tmp_path, "created_at,skills,language", "2026-12-01T09:00:00+00:00,,en", name="a.csv")
    assert problems_of(missing) == [
        FieldProblem("line 1", "missing required column(s): channel, customer_tier")
    ]
    extra = write(tmp_path, HEADER + ",queue,Channel", GOOD_ROW + ",q1,chat", name="b.csv")
    assert problems_of(extra) == [
        FieldProblem(
            "line 1",
            "unknown column(s): 'queue', 'Channel' (allowed: created_at, channel, skills, customer_tier, "
            "language, handle_time_s, patience_s)",
        )
    ]
    twice = write(tmp_path, HEADER + ",skills", GOOD_ROW + ",", name="c.csv")
    assert problems_of(twice) == [FieldProblem("line 1", "column(s) given twice: skills")]


def test_empty_file_and_header_only(tmp_path: Path) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_text("", encoding="utf-8")
    [problem] = problems_of(empty)
    assert problem.problem.startswith("the file is empty")
    assert problems_of(write(tmp_path, HEADER, name="header.csv")) == [
        FieldProblem("", "no escalation rows after the header")
    ]
    assert problems_of(tmp_path / "absent.csv") == [FieldProblem("", "file not found")]


def test_blank_lines_are_skipped_and_line_numbers_stay_true(tmp_path: Path) -> None:
    path = write(tmp_path, HEADER, GOOD_ROW, "", GOOD_ROW.replace("chat", "fax"))
    assert problems_of(path) == [
        FieldProblem("line 4, channel", "must be one of chat, voice, email, messaging, got 'fax'")
    ]


def test_example_log_loads_every_row() -> None:
    rows_in = len(EXAMPLE.read_text(encoding="utf-8").splitlines()) - 1
    log = load_escalation_log(EXAMPLE)
    assert len(log) == rows_in == 40
    assert sorted(log.line.tolist()) == list(range(2, rows_in + 2))
    assert np.all(np.diff(log.created_s) >= 0)
    assert {int(c) for c in log.channel} == {CHANNEL_INDEX[Channel.CHAT], CHANNEL_INDEX[Channel.VOICE]}
    assert CustomerTier.VIP in log.customer_tier
    assert set(log.language) == {"en", "es"}
    assert {s for row in log.skills for s in row} == {"billing", "refunds", "technical", "account_security"}
    assert np.isnan(log.handle_time_s).any()
    assert not np.isnan(log.handle_time_s).all()
    assert np.isnan(log.patience_s).any()
    assert not np.isnan(log.patience_s).all()
    escalations = list(log.to_escalations())
    assert len(escalations) == rows_in
    assert len({e.id for e in escalations}) == rows_in
