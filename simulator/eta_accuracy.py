"""ETA accuracy: how well the router's predicted wait matched the wait that followed.

For every escalation queued on arrival (after warm-up), the records hold the ETA the router gave
(:mod:`routing.eta`) and when it was first offered to an agent. The actual wait is created ->
first offer. Escalations that left or were deferred before any offer have no actual wait (their
wait is censored) and are counted apart, as are those whose ETA was unknown.

Per group of escalations (a segment, or all):

* ``median_abs_error_s``: median of |predicted - actual|;
* ``bias_s``: median of predicted - actual (positive: ETAs promise too long a wait);
* ``within_30s``: share of predictions within +-30 s of the actual wait;
* ``median_wait_s``: median actual wait, and ``relative_error`` = median absolute error / median
  wait (the ETA is useful when this is well below 1).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from simulator.records import RunRecords

__all__ = [
    "ALL",
    "Calibration",
    "EtaAccuracy",
    "EtaPairs",
    "calibration",
    "eta_accuracy",
    "eta_accuracy_by_segment",
    "eta_pairs",
]

FloatArray = NDArray[np.float64]

#: A prediction counts as good when it is within this of the actual wait.
WITHIN_S = 30.0


@dataclass(frozen=True, slots=True, eq=False)
class EtaPairs:
    """Every escalation queued on arrival after warm-up, pooled over replications: the ETA it was
    given (``predicted_s``; ``inf``: unknown), its actual wait to a first offer (``actual_s``;
    NaN: it left or was deferred first) and its ``segment`` (index into ``segments``)."""

    predicted_s: FloatArray
    actual_s: FloatArray
    segment: NDArray[np.int64]
    segments: tuple[str, ...]

    def of(self, segment: str | None) -> EtaPairs:
        """The pairs of one segment (``None``: all)."""
        if segment is None:
            return self
        mine = self.segment == self.segments.index(segment)
        return EtaPairs(self.predicted_s[mine], self.actual_s[mine], self.segment[mine], self.segments)

    @property
    def measured(self) -> NDArray[np.bool_]:
        """Pairs with a known ETA and an actual wait: the ones accuracy is measured on."""
        return np.isfinite(self.predicted_s) & ~np.isnan(self.actual_s)

    @property
    def queued(self) -> int:
        return int(self.predicted_s.size)

    @property
    def unknown(self) -> int:
        """Queued without an ETA (nobody who may take it was due within the horizon)."""
        return int(np.count_nonzero(~np.isfinite(self.predicted_s)))

    @property
    def censored(self) -> int:
        """Given an ETA but never offered (left, or deferred): no actual wait to compare."""
        return int(np.count_nonzero(np.isfinite(self.predicted_s) & np.isnan(self.actual_s)))


def eta_pairs(records: Sequence[RunRecords], warmup_s: float) -> EtaPairs:
    """Pool the ETAs and actual waits of ``records`` after ``warmup_s`` from each run's start.

    Raise a ValueError when ``records`` is empty.
    """
    if not records:
        raise ValueError("eta_pairs needs the records of at least one replication")
    predicted, actual, segment = [], [], []
    for rec in records:
        created = rec.arrivals.created_s
        given = ~np.isnan(rec.eta_s) & (created >= rec.start_s + warmup_s)
        predicted.append(rec.eta_s[given])
        actual.append(rec.first_offer_s[given] - created[given])
        segment.append(rec.arrivals.segment[given].astype(np.int64))
    return EtaPairs(
        np.concatenate(predicted),
        np.concatenate(actual),
        np.concatenate(segment),
        tuple(records[0].arrivals.segments),
    )


@dataclass(frozen=True, slots=True)
class EtaAccuracy:
    """How well ETAs predicted the wait of one group of escalations (see the module docstring):
    how many were queued, had no ETA, left before an offer, and were measured; then the figures."""

    queued: int
    unknown: int
    censored: int
    measured: int
    median_abs_error_s: float
    bias_s: float
    within_30s: float
    median_wait_s: float

    @property
    def relative_error(self) -> float:
        """Median absolute error over the median actual wait (NaN without a wait)."""
        if self.median_wait_s > 0:
            return self.median_abs_error_s / self.median_wait_s
        return math.nan

    def metrics(self) -> dict[str, float]:
        """The figures under their catalogue names (:data:`simulator.metric_catalogue.ETA_METRICS`)."""
        return {
            "eta_queued": float(self.queued),
            "eta_measured": float(self.measured),
            "eta_median_abs_error_s": self.median_abs_error_s,
            "eta_bias_s": self.bias_s,
            "eta_within_30s": self.within_30s,
            "eta_median_wait_s": self.median_wait_s,
            "eta_relative_error": self.relative_error,
        }


def eta_accuracy(pairs: EtaPairs) -> EtaAccuracy:
    """Accuracy of the measured predictions of ``pairs`` (see :attr:`EtaPairs.measured`)."""
    measured = pairs.measured
    predicted_s, actual_s = pairs.predicted_s[measured], pairs.actual_s[measured]
    counts = (pairs.queued, pairs.unknown, pairs.censored)
    if predicted_s.size == 0:
        return EtaAccuracy(*counts, 0, math.nan, math.nan, math.nan, math.nan)
    error = predicted_s - actual_s
    return EtaAccuracy(
        *counts,
        measured=int(predicted_s.size),
        median_abs_error_s=float(np.median(np.abs(error))),
        bias_s=float(np.median(error)),
        within_30s=float(np.mean(np.abs(error) <= WITHIN_S)),
        median_wait_s=float(np.median(actual_s)),
    )


def eta_accuracy_by_segment(pairs: EtaPairs) -> dict[str, EtaAccuracy]:
    """:func:`eta_accuracy` of every segment with queued escalations, then :data:`ALL` of them."""
    out = {
        name: eta_accuracy(pairs.of(name))
        for s, name in enumerate(pairs.segments)
        if np.any(pairs.segment == s)
    }
    out[ALL] = eta_accuracy(pairs)
    return out


#: The key of every escalation together in :func:`eta_accuracy_by_segment`.
ALL = "all"


@dataclass(frozen=True, slots=True, eq=False)
class Calibration:
    """Predicted vs actual wait in bins of predicted wait: per bin the median prediction, the
    median and quartiles of the actual waits, and how many pairs it holds."""

    predicted_s: FloatArray
    actual_median_s: FloatArray
    actual_q25_s: FloatArray
    actual_q75_s: FloatArray
    counts: NDArray[np.int64]


#: Bin edges of predicted wait for :func:`calibration` (s): finer where most ETAs fall.
CALIBRATION_EDGES_S = (0.0, 5.0, 10.0, 20.0, 30.0, 45.0, 60.0, 90.0, 120.0, 180.0, 240.0, 360.0, 600.0, 900.0)


def calibration(pairs: EtaPairs, min_count: int = 5) -> Calibration:
    """The :class:`Calibration` of the measured ``pairs`` over the bins of
    :data:`CALIBRATION_EDGES_S` (the last open-ended), leaving out bins of fewer than
    ``min_count`` pairs."""
    p, a = pairs.predicted_s[pairs.measured], pairs.actual_s[pairs.measured]
    which = np.searchsorted(np.asarray(CALIBRATION_EDGES_S), p, side="right") - 1
    rows = []
    for k in np.unique(which).tolist():
        mine = which == k
        if int(mine.sum()) < min_count:
            continue
        q25, q50, q75 = np.quantile(a[mine], (0.25, 0.5, 0.75))
        rows.append((float(np.median(p[mine])), q50, q25, q75, int(mine.sum())))
    if not rows:
        empty = np.zeros(0)
        return Calibration(empty, empty, empty, empty, np.zeros(0, np.int64))
    cols = list(zip(*rows, strict=True))
    return Calibration(
        np.asarray(cols[0]),
        np.asarray(cols[1]),
        np.asarray(cols[2]),
        np.asarray(cols[3]),
        np.asarray(cols[4], np.int64),
    )
