"""The metric catalogue: every metric a run reports, written once -- name, label, unit, formats.

The console (``handoff simulate``), the CSV tables (``intervals.csv``, the report's tables) and the
capacity report all read labels, units and number formats from here, so a metric is called and
written the same everywhere. Definitions of the values themselves are in :mod:`simulator.metrics`.

Units: ``count`` (escalations), ``share`` (0-1, shown as %; confidence intervals clipped to
[0, 1]) and ``s`` (seconds). A value that does not exist (no escalation in an interval, no
interval with one replication) is NaN in arrays, :data:`MISSING` in text and an empty CSV cell.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Final, Literal

import numpy as np

__all__ = ["CATALOGUE", "ESCALATION_METRICS", "ETA_METRICS", "MISSING", "SHARES", "Metric", "cell", "metric"]

Unit = Literal["count", "share", "s"]

#: Text for a value that does not exist.
MISSING: Final = "–"


def cell(value: float | int | None, digits: int = 4) -> str:
    """A number for a CSV cell: empty when missing or not finite, trailing zeros dropped, ``.``
    decimals, no thousands separators."""
    if value is None:
        return ""
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        return str(int(value))
    v = float(value)
    if not math.isfinite(v):
        return ""
    text = f"{v:.{digits}f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


@dataclass(frozen=True, slots=True)
class Metric:
    """One metric: its ``name`` in files, the ``label`` people read, and its ``unit``."""

    name: str
    label: str
    unit: Unit

    @property
    def share(self) -> bool:
        """A share of something (its confidence interval is clipped to [0, 1])."""
        return self.unit == "share"

    @property
    def csv_digits(self) -> int:
        """Decimals in CSV files: 4 for shares, 2 for counts and seconds."""
        return 4 if self.share else 2

    def cell(self, value: float | None) -> str:
        """The value for a CSV cell (see :func:`cell`)."""
        return cell(value, self.csv_digits)

    def text(self, value: float) -> str:
        """The value for people: ``83.2 %``, ``12.4 s``, ``1,234``; :data:`MISSING` when absent."""
        if not math.isfinite(value):
            return MISSING
        if self.unit == "share":
            return f"{100 * value:.1f} %"
        if self.unit == "s":
            return f"{value:.1f} s"
        return f"{value:,.0f}"

    def interval_text(self, low: float, high: float) -> str:
        """A confidence interval for people: ``80.1–84.0 %``; :data:`MISSING` when absent."""
        if not (math.isfinite(low) and math.isfinite(high)):
            return MISSING
        if self.unit == "share":
            return f"{100 * low:.1f}–{100 * high:.1f} %"
        if self.unit == "s":
            return f"{low:.1f}–{high:.1f} s"
        return f"{low:,.0f}–{high:,.0f}"

    def delta_text(self, delta: float) -> str:
        """A change for people: ``+2.5 pp``, ``−3.0 s``, ``±0``; :data:`MISSING` when absent."""
        if not math.isfinite(delta):
            return MISSING
        sign = "+" if delta > 0 else ("−" if delta < 0 else "±")
        size = abs(delta)
        if self.unit == "share":
            return f"{sign}{100 * size:.1f} pp"
        if self.unit == "s":
            return f"{sign}{size:.1f} s"
        return f"{sign}{size:,.0f}"


_ALL: Final = (
    Metric("offered", "offered escalations", "count"),
    Metric("accepted", "accepted by an agent", "count"),
    Metric("abandoned", "abandoned before an agent accepted", "count"),
    Metric("deferred", "deferred to a callback or ticket", "count"),
    Metric("in_system", "still waiting when the run ended", "count"),
    Metric("service_level", "service level (accepted within threshold / offered)", "share"),
    Metric("service_level_answered", "service level of accepted escalations", "share"),
    Metric("abandon_rate", "abandoned / offered", "share"),
    Metric("deferral_rate", "deferred (callback / ticket) / offered", "share"),
    Metric("p_wait", "P(wait): not offered to an agent on arrival", "share"),
    Metric("asa_s", "ASA: mean handoff time", "s"),
    Metric("p50_handoff_s", "p50 handoff time", "s"),
    Metric("p90_handoff_s", "p90 handoff time", "s"),
    Metric("p95_handoff_s", "p95 handoff time", "s"),
    Metric("occupancy", "occupancy (busy / staffed slot time)", "share"),
    # how well the router's ETAs predicted the wait (simulator.eta_accuracy)
    Metric("eta_queued", "queued on arrival", "count"),
    Metric("eta_measured", "with an ETA and an offer (measured)", "count"),
    Metric("eta_median_abs_error_s", "ETA median absolute error", "s"),
    Metric("eta_bias_s", "ETA bias (median predicted - actual)", "s"),
    Metric("eta_within_30s", "ETAs within +-30 s", "share"),
    Metric("eta_median_wait_s", "median actual wait to an offer", "s"),
    Metric("eta_relative_error", "ETA error / median wait", "share"),
)

#: Every metric by name, in report order.
CATALOGUE: Final = {m.name: m for m in _ALL}
#: ETA accuracy, from the records of queued escalations (:mod:`simulator.eta_accuracy`).
ETA_METRICS: Final = tuple(m.name for m in _ALL if m.name.startswith("eta_"))
#: Metrics of a set of escalations (everything but occupancy, a property of agents, and ETA
#: accuracy, measured on pooled records), in order.
ESCALATION_METRICS: Final = tuple(m.name for m in _ALL if m.name != "occupancy" and m.name not in ETA_METRICS)
#: Metrics that are shares of something: their confidence intervals are clipped to [0, 1].
SHARES: Final = frozenset(m.name for m in _ALL if m.share)


def metric(name: str) -> Metric:
    """The catalogue entry of ``name``. Per-group staffing columns (``staffed_<group>``) are
    average agents, formatted like counts with two decimals in CSV.

    Raise a KeyError naming the metric and the known ones if ``name`` is neither.
    """
    known = CATALOGUE.get(name)
    if known is not None:
        return known
    if name.startswith("staffed_"):
        return Metric(name, f"agents staffed, {name.removeprefix('staffed_')}", "count")
    raise KeyError(f"unknown metric {name!r}; known: {', '.join(CATALOGUE)}")
