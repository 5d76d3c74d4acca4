"""ETA accuracy (simulator.eta_accuracy): the model records the ETA of every escalation it saw
queued on arrival, and the accuracy figures are exact order statistics of predicted - actual."""

from __future__ import annotations

import math

import numpy as np
import pytest

from simulator.eta_accuracy import (
    ALL,
    EtaPairs,
    calibration,
    eta_accuracy,
    eta_accuracy_by_segment,
    eta_pairs,
)
from simulator.model import simulate
from simulator.records import DEFERRED
from simulator.streams import replication_seeds
from tests.factories import group, make_scenario, segment

INF, NAN = math.inf, math.nan


def pairs(predicted: list[float], actual: list[float], seg: list[int] | None = None) -> EtaPairs:
    return EtaPairs(
        np.array(predicted),
        np.array(actual),
        np.array(seg if seg is not None else [0] * len(predicted)),
        ("a", "b"),
    )


def test_figures_are_order_statistics_of_the_errors() -> None:
    acc = eta_accuracy(pairs([10, 20, 100, 60], [10, 50, 40, 0]))  # errors 0, -30, 60, 60
    assert (acc.queued, acc.measured, acc.unknown, acc.censored) == (4, 4, 0, 0)
    assert acc.median_abs_error_s == pytest.approx(45.0)
    assert acc.bias_s == pytest.approx(30.0)
    assert acc.within_30s == pytest.approx(0.5)
    assert acc.median_wait_s == pytest.approx(25.0)
    assert acc.relative_error == pytest.approx(45.0 / 25.0)


def test_unknown_etas_and_customers_who_left_are_counted_not_measured() -> None:
    acc = eta_accuracy(pairs([INF, 30, 40, 50], [20, NAN, 40, NAN]))
    assert (acc.queued, acc.unknown, acc.censored, acc.measured) == (4, 1, 2, 1)
    assert acc.median_abs_error_s == 0.0


def test_nothing_measured_gives_no_figures() -> None:
    acc = eta_accuracy(pairs([INF], [5.0]))
    assert acc.measured == 0
    assert math.isnan(acc.median_abs_error_s)
    assert math.isnan(acc.relative_error)


def test_by_segment_lists_segments_with_queued_escalations_then_all() -> None:
    by = eta_accuracy_by_segment(pairs([10, 20, 30], [10, 20, 60], seg=[1, 1, 1]))
    assert list(by) == ["b", ALL]
    assert by["b"].measured == by[ALL].measured == 3


def test_calibration_bins_cover_every_measured_pair() -> None:
    rng = np.random.default_rng(1)
    predicted = rng.uniform(0, 300, 500)
    p = pairs(list(predicted), list(predicted + rng.normal(0, 10, 500)))
    cal = calibration(p, min_count=1)
    assert cal.counts.sum() == 500
    assert calibration(p, min_count=20).counts.min() >= 20
    assert np.all(np.diff(cal.predicted_s) > 0)
    assert np.all(np.abs(cal.actual_median_s - cal.predicted_s) < 15)
    assert np.all(cal.actual_q25_s <= cal.actual_median_s)
    assert np.all(cal.actual_median_s <= cal.actual_q75_s)


def test_the_model_records_an_eta_for_every_escalation_queued_on_arrival() -> None:
    # few agents for the load: many queue; patience long enough that most get an offer
    scenario = make_scenario(
        demand=[segment(arrivals_per_hour=120, patience={"distribution": "exponential", "mean_s": 900})],
        roster=[group(count=2)],
    )
    rec = simulate(scenario, replication_seeds(3, 1)[0])
    queued_on_arrival = ~rec.offered_on_arrival & ~(
        (rec.outcome == DEFERRED) & (rec.finished_s == rec.arrivals.created_s)
    )
    assert np.array_equal(~np.isnan(rec.eta_s), queued_on_arrival)
    assert queued_on_arrival.sum() > 50
    p = eta_pairs([rec], scenario.warmup_s)
    acc = eta_accuracy(p)
    assert acc.measured > 20
    assert acc.median_abs_error_s < acc.median_wait_s  # better than saying "no wait" to everyone


def test_eta_pairs_leave_out_the_warm_up() -> None:
    scenario = make_scenario(roster=[group(count=1)])
    rec = simulate(scenario, replication_seeds(4, 1)[0])
    everything = eta_pairs([rec], 0.0)
    after = eta_pairs([rec], scenario.warmup_s)
    assert after.queued <= everything.queued
    assert after.queued == int(
        np.count_nonzero(~np.isnan(rec.eta_s) & (rec.arrivals.created_s >= rec.start_s + scenario.warmup_s))
    )
    with pytest.raises(ValueError, match="at least one replication"):
        eta_pairs([], 0.0)


def test_asking_for_etas_changes_no_routing_decision() -> None:
    scenario = make_scenario(roster=[group(count=2)])
    seq = replication_seeds(5, 1)[0]
    with_etas, without = simulate(scenario, seq), simulate(scenario, seq, record_etas=False)
    assert np.isnan(without.eta_s).all()
    assert (~np.isnan(with_etas.eta_s)).any()
    for column in ("first_offer_s", "accepted_s", "finished_s", "outcome", "agent", "offers"):
        assert np.array_equal(getattr(with_etas, column), getattr(without, column), equal_nan=True), column
