"""WAPE, the backtest's pooled figures and the conformal calibration, by hand (no statsforecast)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from simulator.forecast import Backtest, BacktestWindow, Calibration, seasonal_naive, wape
from simulator.forecast.intervals import scaled_scores


def _window(actual: list[float], forecast: list[float], baseline: list[float]) -> BacktestWindow:
    return BacktestWindow(0, np.asarray(actual), np.asarray(forecast), np.asarray(baseline))


def test_wape_by_hand() -> None:
    assert wape(np.array([2.0, 0.0, 2.0]), np.array([1.0, 1.0, 2.0])) == pytest.approx(0.5)
    assert math.isnan(wape(np.zeros(3), np.ones(3)))


def test_backtest_pools_windows_and_totals() -> None:
    bt = Backtest(
        (
            _window([1, 3, 0, 4], [2, 2, 1, 3], [0, 0, 0, 0]),
            _window([2, 2, 2, 2], [2, 2, 2, 2], [4, 4, 4, 4]),
        )
    )
    assert bt.wape == pytest.approx(4 / 16)
    assert bt.baseline_wape == pytest.approx((8 + 8) / 16)
    # pairs of intervals: window 1 sums (4, 4) vs (4, 4); window 2 (4, 4) vs (4, 4)
    assert bt.wape_of_totals(2) == 0.0
    assert bt.wape_of_totals(2, baseline=True) == pytest.approx((4 + 4 + 4 + 4) / 16)
    with pytest.raises(ValueError, match="must divide the horizon of 4"):
        bt.wape_of_totals(3)


def test_conformal_quantile_uses_the_finite_sample_rank() -> None:
    calibration = Calibration(np.arange(1.0, 10.0))  # scores 1..9
    assert calibration.score_quantile(0.5) == 5.0  # rank ceil(0.5 * 10) = 5
    assert calibration.score_quantile(0.9) == 9.0
    mean = np.array([0.0, 4.0])
    np.testing.assert_allclose(calibration.bound(mean, 0.5), mean + 5.0 * np.sqrt(mean + 0.25))
    lower, upper = Calibration(np.array([-3.0, -1.0, 1.0, 3.0])).interval(np.array([100.0]), 0.5)
    assert lower[0] < 100.0 < upper[0]
    assert Calibration(np.array([-50.0, 1.0])).bound(np.array([1.0]), 0.1)[0] == 0.0  # never below 0
    np.testing.assert_allclose(scaled_scores(np.array([6.0]), np.array([4.0])), [2.0 / math.sqrt(4.25)])
    with pytest.raises(ValueError, match="between 0 and 1"):
        calibration.score_quantile(1.0)


def test_seasonal_naive_repeats_last_week() -> None:
    y = np.arange(700.0)
    forecast = seasonal_naive(y, 700)
    np.testing.assert_array_equal(forecast[:672], y[-672:])
    np.testing.assert_array_equal(forecast[672:], y[-672:-644])
    with pytest.raises(ValueError, match="at least 672"):
        seasonal_naive(y[:10], 5)


def test_the_rate_bound_leaves_out_the_poisson_noise_the_simulator_adds_again() -> None:
    rng = np.random.default_rng(7)
    mean = np.full(20_000, 4.0)
    poisson_only = Calibration(scaled_scores(rng.poisson(mean).astype(float), mean))
    # errors no wider than Poisson noise: the rate is known, its quantile is the mean
    assert np.all(np.abs(poisson_only.rate_bound(np.array([4.0]), 0.9) - 4.0) < 0.25)
    # a rate itself uncertain (x 1.5 half the time): the bound rises above the mean, below the count's
    rates = mean * np.where(rng.random(mean.size) < 0.5, 1.5, 1.0)
    wider = Calibration(scaled_scores(rng.poisson(rates).astype(float), mean))
    rate_q, count_q = wider.rate_bound(np.array([4.0]), 0.9)[0], wider.bound(np.array([4.0]), 0.9)[0]
    assert 5.5 <= rate_q < count_q  # the rate is 4 or 6 (its 0.9 quantile 6; a normal approximation)
    with pytest.raises(ValueError, match="between 0 and 1"):
        wider.rate_bound(mean, 0.0)
