"""The metric catalogue: every metric the runs report is in it once, with its unit and formats."""

from __future__ import annotations

import math

import pytest

from simulator.eta_accuracy import eta_accuracy, eta_pairs
from simulator.metric_catalogue import (
    CATALOGUE,
    ESCALATION_METRICS,
    ETA_METRICS,
    MISSING,
    SHARES,
    cell,
    metric,
)
from simulator.metrics import summarise
from simulator.model import simulate
from simulator.streams import replication_seeds
from tests.factories import make_scenario


def test_every_reported_metric_has_an_entry() -> None:
    scenario = make_scenario(duration_h=0.5)
    summary = summarise(simulate(scenario, replication_seeds(1, 1)[0]), scenario)
    reported = set(summary.overall) | {m for m in summary.intervals if not m.startswith("staffed_")}
    assert reported == set(CATALOGUE) - set(ETA_METRICS)


def test_eta_accuracy_reports_exactly_the_eta_metrics() -> None:
    scenario = make_scenario(duration_h=0.5)
    records = simulate(scenario, replication_seeds(1, 1)[0])
    accuracy = eta_accuracy(eta_pairs([records], scenario.warmup_s))
    assert tuple(accuracy.metrics()) == ETA_METRICS


def test_escalation_metrics_are_the_catalogue_less_occupancy_and_eta_accuracy() -> None:
    assert tuple(m for m in CATALOGUE if m != "occupancy" and m not in ETA_METRICS) == ESCALATION_METRICS
    assert {m.name for m in CATALOGUE.values() if m.unit == "share"} == SHARES


@pytest.mark.parametrize(
    ("name", "value", "text", "csv"),
    [
        ("service_level", 0.8234, "82.3 %", "0.8234"),
        ("asa_s", 12.345, "12.3 s", "12.35"),
        ("offered", 1234.0, "1,234", "1234"),
        ("p95_handoff_s", math.nan, MISSING, ""),
    ],
)
def test_one_format_per_unit(name: str, value: float, text: str, csv: str) -> None:
    assert metric(name).text(value) == text
    assert metric(name).cell(value) == csv


def test_intervals_and_changes_read_like_the_value() -> None:
    sl = metric("service_level")
    assert sl.interval_text(0.801, 0.84) == "80.1–84.0 %"
    assert sl.delta_text(0.025) == "+2.5 pp"
    assert metric("asa_s").delta_text(-3.0) == "−3.0 s"
    assert metric("offered").delta_text(0.0) == "±0"
    assert sl.interval_text(math.nan, 0.9) == MISSING


def test_cells_drop_trailing_zeros_and_negative_zero() -> None:
    assert cell(2.50, 2) == "2.5"
    assert cell(-0.00001, 2) == "0"
    assert cell(None) == ""
    assert cell(7) == "7"


def test_staffing_columns_are_counts_and_unknown_names_are_refused() -> None:
    assert metric("staffed_dublin").unit == "count"
    with pytest.raises(KeyError, match="unknown metric 'nope'"):
        metric("nope")
