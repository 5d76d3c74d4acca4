"""Replications: R independent runs of a scenario, summarised as means with 95 % confidence intervals.

Replication ``r`` draws every random number from ``SeedSequence(seed).spawn(R)[r]``
(:mod:`simulator.streams`), so results depend on the seed and nothing else: the same seed gives
bit-identical results whether the runs go in one process or in ``workers`` processes, in any
order. Each metric's interval is Student's t over the replication means:
``mean +- t(0.975, R-1) * sd / sqrt(R)`` (no interval with one replication).
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Final

import numpy as np
from numpy.typing import NDArray

from simulator.metrics import METRICS, SHARES, RunSummary, summarise
from simulator.model import simulate
from simulator.records import RunRecords
from simulator.scaleout import ReplicationPool, replication_pool
from simulator.scenario import Scenario
from simulator.streams import replication_seeds

FloatArray = NDArray[np.float64]

#: ``stdtrit(df, 0.975)`` for df = 1..64, as scipy computes it (tests check every entry): the
#: Student t quantile of a confidence interval without importing scipy (a second of start-up).
_T975: Final = (
    12.706204736174694,
    4.302652729749462,
    3.1824463052837078,
    2.7764451051977934,
    2.5705818356363146,
    2.4469118511449786,
    2.364624251592784,
    2.306004135204166,
    2.262157162798205,
    2.228138851986274,
    2.200985160091639,
    2.1788128296672284,
    2.1603686564627913,
    2.144786687917804,
    2.131449545559776,
    2.1199052992212546,
    2.1098155778333156,
    2.1009220402410382,
    2.0930240544083087,
    2.085963447265864,
    2.0796138447276795,
    2.0738730679040254,
    2.0686576104190486,
    2.0638985616280245,
    2.0595385527532972,
    2.0555294386428735,
    2.0518305164802846,
    2.0484071417952454,
    2.045229642132703,
    2.0422724563012378,
    2.039513446396408,
    2.0369333434601016,
    2.0345152974493383,
    2.0322445093177186,
    2.030107928250343,
    2.0280940009804502,
    2.0261924630291093,
    2.0243941639119694,
    2.022690920036761,
    2.021075390306273,
    2.019540970441376,
    2.0180817028184443,
    2.016692199227824,
    2.0153675744437636,
    2.014103388880846,
    2.012895598919429,
    2.0117405137297655,
    2.010634757624232,
    2.0095752371292392,
    2.008559112100761,
    2.007583770315836,
    2.006646805061688,
    2.0057459953178687,
    2.0048792881880564,
    2.0040447832891455,
    2.003240718847872,
    2.002465459291007,
    2.0017174841452356,
    2.000995378088267,
    2.0002978220142604,
    1.999623584994939,
    1.9989715170333788,
    1.998340542520741,
    1.997729654317693,
)


def t975(df: int) -> float:
    """The 0.975 quantile of Student's t with ``df`` degrees of freedom (scipy's value)."""
    if 1 <= df <= len(_T975):
        return _T975[df - 1]
    from scipy.special import stdtrit  # only past the table

    return float(stdtrit(df, 0.975))


#: Overall metrics in ``summary.json`` (the report reads these).
SUMMARY_METRICS = (*METRICS, "occupancy")


@dataclass(frozen=True, slots=True)
class Estimate:
    """A mean over replications and its 95 % confidence interval (``None`` when R < 2 or no data)."""

    mean: float
    ci95: tuple[float, float] | None
    n: int

    def as_dict(self) -> dict[str, Any]:
        return {
            "mean": _finite_or_none(self.mean),
            "ci95": None if self.ci95 is None else [_finite_or_none(v) for v in self.ci95],
        }


def _finite_or_none(value: float) -> float | None:
    return float(value) if math.isfinite(value) else None


def estimate(values: Sequence[float] | FloatArray, *, share: bool = False) -> Estimate:
    """Mean and Student-t 95 % interval of per-replication values; NaNs (no data) are left out.

    Every metric here is non-negative, so the interval is clipped at 0, and at 1 for a ``share``
    (a t interval knows nothing of bounds; a planner should not read a negative abandon rate).
    """
    arr = np.asarray(values, dtype=np.float64)
    arr = arr[~np.isnan(arr)]
    n = int(arr.size)
    if n == 0:
        return Estimate(math.nan, None, 0)
    mean = float(arr.mean())
    if n < 2:
        return Estimate(mean, None, n)
    half = float(t975(n - 1) * arr.std(ddof=1) / math.sqrt(n))
    return Estimate(mean, (max(0.0, mean - half), min(1.0, mean + half) if share else mean + half), n)


def estimate_columns(rows: FloatArray, *, share: bool = False) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Column-wise :func:`estimate` of a (replications x intervals) array: (mean, low, high)."""
    mean = np.full(rows.shape[1], np.nan)
    low = np.full(rows.shape[1], np.nan)
    high = np.full(rows.shape[1], np.nan)
    for k in range(rows.shape[1]):
        e = estimate(rows[:, k], share=share)
        mean[k] = e.mean
        if e.ci95 is not None:
            low[k], high[k] = e.ci95
    return mean, low, high


@dataclass(frozen=True, slots=True, eq=False)
class Replications:
    """The runs of one scenario (summaries always; records when kept), in replication order."""

    scenario: Scenario
    seed: int
    counts: dict[str, int]
    runs: tuple[RunSummary, ...]
    records: tuple[RunRecords, ...] | None

    @property
    def interval_start_s(self) -> FloatArray:
        return self.runs[0].interval_start_s

    def overall(self, metric: str) -> Estimate:
        return estimate([run.overall[metric] for run in self.runs], share=metric in SHARES)

    def per_interval(self, metric: str) -> FloatArray:
        """(replications x intervals) values of an interval metric."""
        return np.vstack([run.intervals[metric] for run in self.runs])

    def segment(self, segment: str, metric: str) -> Estimate:
        return estimate([run.segments[segment][metric] for run in self.runs], share=metric in SHARES)

    def segment_per_interval(self, segment: str, metric: str) -> FloatArray:
        """(replications x intervals) values of one segment's interval metric. Raise a KeyError
        for a segment or metric the runs do not have."""
        return np.vstack([run.segment_intervals[segment][metric] for run in self.runs])

    def summary(self) -> dict[str, Any]:
        """The ``summary.json`` document."""
        runs = self.runs
        return {
            "scenario": self.scenario.name,
            "replications": len(runs),
            "seed": self.seed,
            "metrics": {m: self.overall(m).as_dict() for m in SUMMARY_METRICS},
            "segments": {
                name: {m: self.segment(name, m).as_dict() for m in METRICS} for name in runs[0].segments
            },
            "roster": self.counts,
            "service_level_target": {
                "threshold_s": self.scenario.service_level.threshold_s,
                "target": self.scenario.service_level.target,
            },
            "horizon": {
                "warmup_h": self.scenario.warmup_h,
                "duration_h": self.scenario.duration_h,
                "interval_min": self.scenario.interval_min,
                "intervals": int(self.interval_start_s.size),
            },
            "run": {
                "escalations_per_replication": _finite_or_none(float(np.mean([r.escalations for r in runs]))),
                "replayed_rows_outside_horizon": runs[0].outside_horizon,
                "events": int(sum(r.events for r in runs)),
                "simulated_wall_s": round(sum(r.wall_s for r in runs), 3),
            },
            "attribution": "per-interval escalation metrics belong to the interval the escalation arrived in",
        }


def run_replication(
    scenario: Scenario,
    seed: int,
    replication: int,
    replications: int,
    counts: dict[str, int] | None = None,
    keep_records: bool = False,
) -> tuple[int, RunSummary, RunRecords | None]:
    """Replication ``replication`` of ``replications`` from ``seed``: a pure function (same
    arguments, same result, wherever it runs). Returns (index, summary, records if kept); only
    kept records carry the ETAs given (nothing else reads them, and they cost time)."""
    seq = replication_seeds(seed, replications)[replication]
    records = simulate(scenario, seq, counts, record_etas=keep_records)
    return replication, summarise(records, scenario), records if keep_records else None


def default_workers() -> int:
    """One worker per core the process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not every platform has it
        return max(1, os.cpu_count() or 1)


def run_replications(
    scenario: Scenario,
    replications: int,
    seed: int,
    *,
    workers: int = 1,
    counts: dict[str, int] | None = None,
    keep_records: bool = True,
    progress: Callable[[int], None] | None = None,
    pool: ReplicationPool | None = None,
) -> Replications:
    """Run ``replications`` independent replications of ``scenario``.

    ``workers`` > 1 runs them in that many processes (same results as one process). ``counts``
    overrides agents per group (the replication seeds stay the same: common random numbers across
    staffing candidates). ``progress`` is called with the number of runs finished so far.
    ``pool`` (:mod:`simulator.scaleout`) runs them there instead; a remote (Dask) pool returns no
    records.

    Raise a ValueError for ``replications`` < 1, ``workers`` < 1, a negative seed, or ``counts``
    naming an unknown group.
    """
    if workers < 1:
        raise ValueError(f"workers(={workers}) must be >= 1")
    replication_seeds(seed, replications)  # validates seed and replications
    counts = dict(counts or {})
    unknown = sorted(set(counts) - {g.group for g in scenario.roster})
    if unknown:
        raise ValueError(f"counts names unknown group(s): {', '.join(unknown)}")
    full_counts = {g.group: counts.get(g.group, g.count) for g in scenario.roster}
    results: list[tuple[RunSummary, RunRecords | None] | None] = [None] * replications
    if pool is None and workers > 1 and replications > 1:
        with replication_pool(min(workers, replications)) as local:
            return run_replications(
                scenario,
                replications,
                seed,
                counts=counts,
                keep_records=keep_records,
                progress=progress,
                pool=local,
            )
    if pool is not None:
        keep_records = keep_records and not pool.remote
        futures = [
            pool.submit(run_replication, scenario, seed, r, replications, counts, keep_records)
            for r in range(replications)
        ]
        for done, future in enumerate(futures, start=1):
            r, summary, records = future.result()
            results[r] = (summary, records)
            if progress:
                progress(done)
    else:
        for r in range(replications):
            _, summary, records = run_replication(scenario, seed, r, replications, counts, keep_records)
            results[r] = (summary, records)
            if progress:
                progress(r + 1)
    finished = [res for res in results if res is not None]
    kept = tuple(rec for _, rec in finished if rec is not None)
    return Replications(
        scenario=scenario,
        seed=seed,
        counts=full_counts,
        runs=tuple(summary for summary, _ in finished),
        records=kept if keep_records else None,
    )
