"""Arrival generators checked against Poisson theory with fixed seeds."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from simulator.arrivals import apply_peaks, poisson_arrivals, thinning_arrivals

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
