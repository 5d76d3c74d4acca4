"""Arrival generation: when escalations reach the human desk, drawn or replayed.

Time is float **seconds** (``*_s``); rates are arrivals **per second**. Every random draw comes from
the :class:`numpy.random.Generator` passed in, so the same seed gives the same arrays; nothing reads
global random state.

Generators
----------
* :func:`poisson_arrivals` -- a non-homogeneous Poisson process whose rate is constant on each of
  consecutive intervals of ``interval_s`` seconds. The method is exact for such a rate: on interval
  ``k`` the count is ``N_k ~ Poisson(rate_k * interval_s)`` and, given ``N_k``, the arrival times are
  ``N_k`` independent uniforms on the interval. All counts and all uniforms are drawn in one call
  each (no Python loop per arrival or per interval), then sorted.
* :func:`apply_peaks` -- multiply a rate profile elementwise (e.g. 3x over lunch).
* :func:`thinning_arrivals` -- Lewis-Shedler thinning for a general rate function ``rate_fn(t)``:
  candidates from a homogeneous process at ``max_rate_per_s`` (exponential gaps drawn in batches),
  each kept with probability ``rate_fn(t) / max_rate_per_s``. ``rate_fn`` is evaluated on whole
  batches, and any candidate time where it exceeds ``max_rate_per_s`` (or is negative or NaN) raises
  :class:`ValueError`: thinning would otherwise silently under-generate.

All three reject bad arguments with a :class:`ValueError` that names the argument and its value,
e.g. ``interval_s(=0.0) must be > 0``.

Replayed logs are read by :mod:`simulator.scenario.escalation_log` (a scenario's input).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np
from numpy.typing import NDArray

__all__ = ["apply_peaks", "poisson_arrivals", "thinning_arrivals"]

FloatArray = NDArray[np.float64]


# ------------------------------------------------------------------------------ argument checks
def _positive(name: str, value: float) -> float:
    value = float(value)
    if not (math.isfinite(value) and value > 0):
        raise ValueError(f"{name}(={value}) must be > 0")
    return value


def _finite(name: str, value: float) -> float:
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"{name}(={value}) must be finite")
    return value


def _rate_profile(name: str, values: Sequence[float] | FloatArray) -> FloatArray:
    """``values`` as a 1-D float array of finite numbers >= 0, or a ValueError naming the first bad one."""
    arr = np.asarray(values, dtype=np.float64)
    if arr.ndim != 1:
        raise ValueError(f"{name} must be 1-dimensional, got shape {arr.shape}")
    bad = np.flatnonzero(~(np.isfinite(arr) & (arr >= 0)))
    if bad.size:
        i = int(bad[0])
        raise ValueError(f"{name}[{i}](={arr[i]}) must be finite and >= 0")
    return arr


# ---------------------------------------------------------------------------------- generators
def poisson_arrivals(
    rate_per_s_by_interval: Sequence[float] | FloatArray,
    interval_s: float,
    rng: np.random.Generator,
    start_s: float = 0.0,
) -> FloatArray:
    """Arrival times of a Poisson process with a piecewise-constant rate, sorted ascending.

    Interval ``k`` is ``[start_s + k * interval_s, start_s + (k + 1) * interval_s)`` and has rate
    ``rate_per_s_by_interval[k]`` (arrivals per second). Exact: per interval a Poisson count, then
    that many uniform times in it.

    Raise a ValueError if ``interval_s <= 0``, ``start_s`` is not finite, or a rate is negative,
    NaN or infinite.
    """
    rates = _rate_profile("rate_per_s_by_interval", rate_per_s_by_interval)
    interval_s = _positive("interval_s", interval_s)
    start_s = _finite("start_s", start_s)
    counts = rng.poisson(rates * interval_s)
    interval_of = np.repeat(np.arange(rates.size, dtype=np.float64), counts)
    # interval index + a uniform in [0, 1): every arrival falls inside its own interval
    times: FloatArray = start_s + (interval_of + rng.random(interval_of.size)) * interval_s
    times.sort()
    return times


def apply_peaks(rates: Sequence[float] | FloatArray, multipliers: Sequence[float] | FloatArray) -> FloatArray:
    """``rates * multipliers`` elementwise: one multiplier per interval (3.0 = a peak at triple rate).

    Raise a ValueError if the lengths differ or a rate or multiplier is negative, NaN or infinite.
    """
    r = _rate_profile("rates", rates)
    m = _rate_profile("multipliers", multipliers)
    if r.size != m.size:
        raise ValueError(f"multipliers has {m.size} values but rates has {r.size}; give one per interval")
    return r * m


def thinning_arrivals(
    rate_fn: Callable[[FloatArray], FloatArray | float],
    max_rate_per_s: float,
    horizon_s: float,
    rng: np.random.Generator,
    start_s: float = 0.0,
) -> FloatArray:
    """Arrival times on ``[start_s, start_s + horizon_s)`` for the rate ``rate_fn(t)``, by thinning.

    ``rate_fn`` takes an array of absolute times in seconds and returns the rate at each (an array
    of the same shape, or a scalar). Candidates come from a homogeneous Poisson process at
    ``max_rate_per_s``; each is kept with probability ``rate_fn(t) / max_rate_per_s``.

    Raise a ValueError if ``max_rate_per_s`` is negative or not finite, ``horizon_s <= 0``, or
    ``rate_fn`` returns a value above ``max_rate_per_s``, below 0 or NaN at a candidate time
    (only candidate times are checked: a bound violated between them goes unseen).
    """
    max_rate = float(max_rate_per_s)
    if not (math.isfinite(max_rate) and max_rate >= 0):
        raise ValueError(f"max_rate_per_s(={max_rate}) must be finite and >= 0")
    horizon_s = _positive("horizon_s", horizon_s)
    start_s = _finite("start_s", start_s)
    end_s = start_s + horizon_s
    if max_rate == 0:
        return np.empty(0, dtype=np.float64)
    # batches about 10% above the expected candidate count, so one batch usually suffices
    batch = int(min(max(1024.0, 1.1 * max_rate * horizon_s + 64), 1 << 20))
    kept: list[FloatArray] = []
    t = start_s
    while t < end_s:
        candidates = t + np.cumsum(rng.exponential(1.0 / max_rate, batch))
        t = float(candidates[-1])
        candidates = candidates[candidates < end_s]
        rate = np.broadcast_to(np.asarray(rate_fn(candidates), dtype=np.float64), candidates.shape)
        bad = np.flatnonzero(~((rate >= 0) & (rate <= max_rate)))
        if bad.size:
            i = int(bad[0])
            raise ValueError(
                f"rate_fn(t={candidates[i]}) = {rate[i]} is outside [0, max_rate_per_s(={max_rate})]"
            )
        kept.append(candidates[rng.random(candidates.size) * max_rate < rate])
    return np.concatenate(kept)
