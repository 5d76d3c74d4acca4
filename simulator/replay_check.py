"""Replay vs measured: a replayed history day's simulated service beside what the log recorded.

When a scenario replays a history log (:mod:`routing.history`; see
:mod:`simulator.scenario.escalation_log`), the log also says what happened to each escalation.
:func:`measured_outcomes` computes, from those outcomes, the escalations the simulator's metrics
count (created after the warm-up and before the horizon ends) with the same definitions
(:mod:`simulator.metrics`): service level = accepted within the threshold / offered (abandoned and
deferred count against), abandonment and deferral rates over offered, ASA and the 90th percentile
of handoff time over accepted. :func:`compare_replay` sets them beside the replications' means
and says, in numbers, what the replay could not take from the log and had to draw:

* **accept delay**: the log's mean first-offer accept delay against the scenario's
  ``offers.accept_delay`` (every offer's answer is simulated, not replayed);
* **patience**: only customers who abandoned reveal their patience (``patience_s``); everyone
  else draws it from ``replay.patience`` (or waits forever without it), so a simulated wait
  longer than the real one can make them leave when they did not, and the reverse;
* **handle time**: escalations without ``handle_time_s`` (not completed) draw it;
* declines, expiries and the agents' off-queue episodes (shrinkage) are drawn, not replayed.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

import numpy as np

from routing.history import ACCEPTED_OUTCOMES, HistoryRecord, Outcome
from simulator.replications import Estimate, Replications
from simulator.scenario.loading import cached_escalation_log

__all__ = ["COMPARED", "MeasuredOutcomes", "ReplayComparison", "compare_replay", "measured_outcomes"]

#: Metrics set side by side, in order.
COMPARED: Final = ("offered", "service_level", "abandon_rate", "deferral_rate", "asa_s", "p90_handoff_s")


def _ratio(num: float, den: float) -> float:
    return num / den if den > 0 else math.nan


@dataclass(frozen=True, slots=True)
class MeasuredOutcomes:
    """What the log recorded for the escalations a replay's metrics count.

    ``metrics`` holds :data:`COMPARED` (NaN where undefined); ``accept_delay_s`` the mean first-offer
    accept delay of escalations accepted on their first offer (NaN if none); ``with_patience``
    the abandoners (patience observed), ``without_patience`` everyone else; ``without_handle_time``
    the escalations with no ``handle_time_s``.
    """

    metrics: dict[str, float]
    accept_delay_s: float
    accept_delays_seen: int
    with_patience: int
    without_patience: int
    without_handle_time: int


def measured_outcomes(
    records: Sequence[HistoryRecord], from_s: float, to_s: float, threshold_s: float
) -> MeasuredOutcomes:
    """The outcomes of the ``records`` created in ``[from_s, to_s)`` (see the module docstring)."""
    rows = [r for r in records if from_s <= r.created_at_s < to_s]
    handoff = np.asarray(
        [r.handoff_s for r in rows if r.outcome in ACCEPTED_OUTCOMES and r.handoff_s is not None],
        dtype=np.float64,
    )
    offered = float(len(rows))
    abandoned = sum(1 for r in rows if r.outcome is Outcome.ABANDONED)
    deferred = sum(1 for r in rows if r.outcome is Outcome.DEFERRED)
    delays = [
        r.accepted_at_s - r.first_offered_at_s
        for r in rows
        if r.offers == 1 and r.accepted_at_s is not None and r.first_offered_at_s is not None
    ]
    metrics = {
        "offered": offered,
        "service_level": _ratio(float(np.count_nonzero(handoff <= threshold_s)), offered),
        "abandon_rate": _ratio(abandoned, offered),
        "deferral_rate": _ratio(deferred, offered),
        "asa_s": float(handoff.mean()) if handoff.size else math.nan,
        "p90_handoff_s": float(np.quantile(handoff, 0.9)) if handoff.size else math.nan,
    }
    with_patience = sum(1 for r in rows if r.patience_s is not None)
    return MeasuredOutcomes(
        metrics=metrics,
        accept_delay_s=float(np.mean(delays)) if delays else math.nan,
        accept_delays_seen=len(delays),
        with_patience=with_patience,
        without_patience=len(rows) - with_patience,
        without_handle_time=sum(1 for r in rows if r.handle_time_s is None),
    )


def _clean(value: float) -> float | None:
    return None if not math.isfinite(value) else round(value, 4)


@dataclass(frozen=True, slots=True)
class ReplayComparison:
    """Measured against simulated, metric by metric, and the notes that explain the gap."""

    measured: MeasuredOutcomes
    simulated: dict[str, Estimate]
    notes: tuple[str, ...]

    def difference(self, metric: str) -> float:
        """Simulated mean minus measured (NaN where either is undefined)."""
        return self.simulated[metric].mean - self.measured.metrics[metric]

    def as_dict(self) -> dict[str, Any]:
        """The ``replay_vs_measured.json`` document."""
        return {
            "metrics": {
                m: {
                    "measured": _clean(self.measured.metrics[m]),
                    "simulated": self.simulated[m].as_dict(),
                    "difference": _clean(self.difference(m)),
                }
                for m in COMPARED
            },
            "measured_accept_delay_s": _clean(self.measured.accept_delay_s),
            "patience_observed": self.measured.with_patience,
            "patience_drawn": self.measured.without_patience,
            "handle_time_drawn": self.measured.without_handle_time,
            "notes": list(self.notes),
        }


def compare_replay(result: Replications) -> ReplayComparison | None:
    """The comparison for a scenario that replays a history log; None for any other scenario."""
    scenario = result.scenario
    if scenario.replay is None:
        return None
    log = cached_escalation_log(scenario.replay.log)
    if not log.history:
        return None
    threshold_s = scenario.service_level.threshold_s
    from_s = scenario.start_s + scenario.warmup_s
    measured = measured_outcomes(log.history, from_s, scenario.end_s, threshold_s)
    simulated = {m: result.overall(m) for m in COMPARED}
    comparison = ReplayComparison(measured, simulated, ())
    return ReplayComparison(measured, simulated, tuple(_notes(comparison, result)))


def _notes(c: ReplayComparison, result: Replications) -> list[str]:
    scenario = result.scenario
    replay = scenario.replay
    assert replay is not None
    m = c.measured
    sl = c.simulated["service_level"]
    measured_sl = m.metrics["service_level"]
    notes = []
    if math.isfinite(sl.mean) and math.isfinite(measured_sl):
        inside = sl.ci95 is not None and sl.ci95[0] <= measured_sl <= sl.ci95[1]
        notes.append(
            f"service level: simulated {sl.mean:.1%} vs measured {measured_sl:.1%} "
            f"({100 * (sl.mean - measured_sl):+.1f} points); the measured value is "
            f"{'inside' if inside else 'outside'} the simulation's 95 % interval"
        )
    drawn_delay = scenario.offers.accept_delay.mean
    if math.isfinite(m.accept_delay_s):
        notes.append(
            f"accept delay: the log's agents accepted a first offer after {m.accept_delay_s:.1f} s on "
            "average "
            f"({m.accept_delays_seen} offers); the simulation draws {drawn_delay:.1f} s "
            f"({scenario.offers.accept_delay.distribution}): every answer is simulated, not replayed"
        )
    else:
        notes.append(f"accept delay: not observed in the log; the simulation draws {drawn_delay:.1f} s")
    if replay.patience is None:
        patience = "are treated as patient (no replay.patience)"
    else:
        patience = f"draw it from replay.patience (mean {replay.patience.mean:.0f} s)"
    notes.append(
        f"patience: {m.with_patience} customer(s) abandoned and replay their measured patience; the other "
        f"{m.without_patience} never showed how long they would wait and {patience}"
    )
    notes.append(
        f"handle time: {m.without_handle_time} escalation(s) without handle_time_s draw it from "
        f"replay.handle_time (mean {replay.handle_time.mean:.0f} s)"
    )
    notes.append(
        f"offered: {m.metrics['offered']:.0f} in the log, {c.simulated['offered'].mean:.0f} replayed "
        "(equal unless rows fall outside the horizon)"
    )
    notes.append(
        f"drawn, not replayed: declines (probability {scenario.offers.decline_probability:g}), offer "
        "expiries and the agents' off-queue episodes (each group's shrinkage)"
    )
    return notes
