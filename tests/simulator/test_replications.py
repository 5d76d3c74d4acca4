"""Replications: Student-t intervals over replication means, bit-identical results in one process or
several, and the ``summary.json`` document."""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np
import pytest
from scipy import stats

from simulator.metrics import METRICS, SHARES
from simulator.replications import (
    SUMMARY_METRICS,
    Replications,
    estimate,
    estimate_columns,
    run_replications,
)
from simulator.scenario import Scenario
from tests.factories import ISSUE_METRICS, exponential, group, make_scenario, scenario_data, segment


def t_interval(values: list[float]) -> tuple[float, float, float]:
    x = np.asarray(values, dtype=np.float64)
    mean = float(x.mean())
    half = float(stats.t.ppf(0.975, x.size - 1) * x.std(ddof=1) / math.sqrt(x.size))
    return mean, mean - half, mean + half


# ------------------------------------------------------------------------------- estimate
@pytest.mark.parametrize(
    "values",
    [[0.2, 0.4, 0.3, 0.5], [10.0, 10.5], [100.0, 101.0, 99.0, 100.5, 98.0, 103.0, 97.5, 100.0, 99.9, 101.1]],
)
def test_estimate_is_the_student_t_interval(values: list[float]) -> None:
    mean, low, high = t_interval(values)
    e = estimate(values)
    assert e.n == len(values)
    assert e.mean == pytest.approx(mean, rel=1e-12)
    assert e.ci95 is not None
    assert e.ci95 == pytest.approx((low, high), rel=1e-12)
    assert e.as_dict() == {"mean": pytest.approx(mean), "ci95": [pytest.approx(low), pytest.approx(high)]}


def test_two_replications_use_the_wide_t_quantile() -> None:
    # t(0.975, 1) = 12.706: far wider than the normal 1.96, which a plausible bug would use
    e = estimate([10.0, 12.0])
    assert e.ci95 is not None
    half = e.ci95[1] - 11.0
    assert half == pytest.approx(12.7062047, rel=1e-6)  # sd = sqrt(2), n = 2


def test_shares_are_clipped_to_one_and_everything_at_zero() -> None:
    near_one = [0.95, 1.0, 0.99]
    mean, low, high = t_interval(near_one)
    assert high > 1
    share = estimate(near_one, share=True)
    assert share.ci95 == pytest.approx((low, 1.0))
    assert share.mean == pytest.approx(mean)
    plain = estimate(near_one)  # not a share (e.g. a time in seconds): only the zero floor
    assert plain.ci95 == pytest.approx((low, high))

    near_zero = [0.0, 0.1, 0.0, 0.2]
    mean, low, high = t_interval(near_zero)
    assert low < 0
    for share_flag in (False, True):
        e = estimate(near_zero, share=share_flag)
        assert e.ci95 == pytest.approx((0.0, high))


def test_nans_are_left_out() -> None:
    with_nan = estimate([math.nan, 1.0, 2.0, math.nan, 3.0])
    assert with_nan == estimate([1.0, 2.0, 3.0])
    assert with_nan.n == 3


def test_one_value_has_no_interval() -> None:
    e = estimate([4.5])
    assert (e.mean, e.ci95, e.n) == (4.5, None, 1)
    assert e.as_dict() == {"mean": 4.5, "ci95": None}
    assert estimate([math.nan, 7.0]).ci95 is None


def test_no_data_has_no_mean_and_no_interval() -> None:
    e = estimate([math.nan, math.nan])
    assert e.n == 0
    assert math.isnan(e.mean)
    assert e.ci95 is None
    assert e.as_dict() == {"mean": None, "ci95": None}  # JSON has no NaN
    assert estimate([]).n == 0


def test_identical_values_give_a_zero_width_interval() -> None:
    e = estimate([0.8, 0.8, 0.8], share=True)
    assert e.n == 3
    assert e.ci95 is not None
    assert (e.mean, *e.ci95) == pytest.approx((0.8, 0.8, 0.8))


def test_estimate_columns_is_estimate_per_column() -> None:
    rows = np.array([[0.1, 5.0, math.nan, 1.0], [0.3, 7.0, math.nan, math.nan], [0.2, 6.5, math.nan, 2.0]])
    mean, low, high = estimate_columns(rows, share=True)
    for k in range(rows.shape[1]):
        e = estimate(rows[:, k], share=True)
        assert mean[k] == e.mean or (math.isnan(mean[k]) and math.isnan(e.mean))
        if e.ci95 is None:
            assert math.isnan(low[k])
            assert math.isnan(high[k])
        else:
            assert (low[k], high[k]) == e.ci95
    assert high[1] == 1.0  # a share column clipped
    assert np.isnan(mean[2])


# ------------------------------------------------------------------------ run_replications
def small_scenario(**over: Any) -> Scenario:
    base = scenario_data(
        name="small",
        service_level={"threshold_s": 20},
        demand=[
            segment(patience=exponential(60)),
            segment(
                "billing",
                channel="voice",
                skills={"billing": 2},
                arrivals_per_hour=40,
                handle_time={"distribution": "lognormal", "mean_s": 200, "cv": 0.6},
            ),
        ],
        roster=[
            group("generalists", 6, shrinkage=0.1),
            group("billing", 3, skills={"billing": 3, "general": 1}, channels={"voice": 1}),
        ],
        offers={"accept_delay": exponential(3), "decline_probability": 0.05},
    )
    return make_scenario(**{**base, **over})


def same_number(a: float, b: float) -> bool:
    return (math.isnan(a) and math.isnan(b)) or a == b


def assert_same_runs(a: Replications, b: Replications) -> None:
    assert len(a.runs) == len(b.runs)
    for x, y in zip(a.runs, b.runs, strict=True):
        assert x.overall.keys() == y.overall.keys()
        assert all(same_number(x.overall[m], y.overall[m]) for m in x.overall), x.overall
        assert x.intervals.keys() == y.intervals.keys()
        for m in x.intervals:
            assert np.array_equal(x.intervals[m], y.intervals[m], equal_nan=True), m
        assert x.segments.keys() == y.segments.keys()
        for seg in x.segments:
            assert all(same_number(x.segments[seg][m], y.segments[seg][m]) for m in METRICS), seg
        assert np.array_equal(x.interval_start_s, y.interval_start_s)
        assert (x.events, x.escalations, x.outside_horizon) == (y.events, y.escalations, y.outside_horizon)


def without_wall_time(summary: dict[str, Any]) -> dict[str, Any]:
    out = json.loads(json.dumps(summary))
    del out["run"]["simulated_wall_s"]
    return out


@pytest.fixture(scope="module")
def three_runs() -> Replications:
    return run_replications(small_scenario(), 3, 7, workers=1)


def test_workers_give_bit_identical_results(three_runs: Replications) -> None:
    done: list[int] = []
    parallel = run_replications(small_scenario(), 3, 7, workers=2, progress=done.append)
    assert_same_runs(three_runs, parallel)
    assert sorted(done) == [1, 2, 3]
    assert three_runs.records is not None
    assert parallel.records is not None
    for x, y in zip(three_runs.records, parallel.records, strict=True):
        assert np.array_equal(x.arrivals.created_s, y.arrivals.created_s)
        assert np.array_equal(x.accepted_s, y.accepted_s, equal_nan=True)
        assert np.array_equal(x.outcome, y.outcome)
    assert without_wall_time(three_runs.summary()) == without_wall_time(parallel.summary())


def test_replications_are_independent_and_reproducible(three_runs: Replications) -> None:
    again = run_replications(small_scenario(), 3, 7, workers=1, keep_records=False)
    assert_same_runs(three_runs, again)
    assert again.records is None
    offered = [run.overall["offered"] for run in three_runs.runs]
    assert len(set(offered)) > 1 or len({run.overall["asa_s"] for run in three_runs.runs}) > 1
    other_seed = run_replications(small_scenario(), 1, 8)
    assert not same_number(other_seed.runs[0].overall["asa_s"], three_runs.runs[0].overall["asa_s"])


def test_a_replication_does_not_depend_on_how_many_run(three_runs: Replications) -> None:
    two = run_replications(small_scenario(), 2, 7)
    assert_same_runs(Replications(two.scenario, 7, two.counts, three_runs.runs[:2], None), two)


def test_progress_counts_up_to_the_replications() -> None:
    done: list[int] = []
    run_replications(small_scenario(duration_h=0.25, warmup_h=0), 4, 1, progress=done.append)
    assert done == [1, 2, 3, 4]


def test_overall_is_the_estimate_over_runs(three_runs: Replications) -> None:
    for metric in SUMMARY_METRICS:
        values = [run.overall[metric] for run in three_runs.runs]
        assert three_runs.overall(metric) == estimate(values, share=metric in SHARES), metric
    per_interval = three_runs.per_interval("offered")
    assert per_interval.shape == (3, 4)
    assert per_interval.sum(axis=1).tolist() == [run.overall["offered"] for run in three_runs.runs]


def test_summary_has_the_documented_shape_and_is_valid_json(three_runs: Replications) -> None:
    summary = three_runs.summary()
    text = json.dumps(summary, allow_nan=False)  # raises on NaN or infinity
    doc = json.loads(text)
    assert doc["scenario"] == "small"
    assert doc["replications"] == 3
    assert doc["seed"] == 7
    metrics = doc["metrics"]
    assert set(ISSUE_METRICS) <= set(metrics)
    for name in ISSUE_METRICS:
        entry = metrics[name]
        assert set(entry) == {"mean", "ci95"}, name
        assert isinstance(entry["mean"], float), name
        low, high = entry["ci95"]
        assert low <= entry["mean"] <= high, name
    for name in ("service_level", "service_level_answered", "abandon_rate", "p_wait", "occupancy"):
        assert 0 <= metrics[name]["ci95"][0] <= metrics[name]["ci95"][1] <= 1, name
    assert metrics["offered"]["mean"] == pytest.approx(
        np.mean([r.overall["offered"] for r in three_runs.runs])
    )
    assert set(doc["segments"]) == {"general", "billing"}
    assert set(doc["segments"]["billing"]) == set(METRICS)
    assert doc["roster"] == {"generalists": 6, "billing": 3}
    assert doc["horizon"]["intervals"] == 4
    assert doc["service_level_target"] == {"threshold_s": 20.0, "target": 0.8}


def test_summary_without_data_writes_null_not_nan() -> None:
    # nobody can take anything: every escalation is deferred, so no handoff time exists
    s = small_scenario(
        roster=[{"group": "generalists", "count": 0, "skills": {"general": 3}}],
        demand=[small_scenario().demand[0]],
    )
    result = run_replications(s, 2, 1)
    doc = json.loads(json.dumps(result.summary(), allow_nan=False))
    assert doc["metrics"]["asa_s"] == {"mean": None, "ci95": None}
    assert doc["metrics"]["service_level"]["mean"] == 0.0
    assert doc["metrics"]["deferral_rate"]["mean"] == 1.0


def test_counts_override_the_roster_with_common_random_numbers(three_runs: Replications) -> None:
    more = run_replications(small_scenario(), 3, 7, counts={"generalists": 9})
    assert more.counts == {"generalists": 9, "billing": 3}
    assert more.summary()["roster"] == {"generalists": 9, "billing": 3}
    assert three_runs.records is not None
    assert more.records is not None
    for base, other in zip(three_runs.records, more.records, strict=True):
        assert np.array_equal(base.arrivals.created_s, other.arrivals.created_s)
        assert np.array_equal(base.arrivals.handle_s, other.arrivals.handle_s)
        assert np.array_equal(base.arrivals.patience_s, other.arrivals.patience_s)
        assert other.group_counts == (9, 3)
    assert more.overall("offered") == three_runs.overall("offered")


def test_counts_naming_an_unknown_group_are_rejected() -> None:
    with pytest.raises(ValueError, match=r"unknown group\(s\): ghosts, nobody"):
        run_replications(small_scenario(), 2, 1, counts={"nobody": 1, "ghosts": 2, "billing": 1})


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"replications": 0}, r"replications\(=0\) must be >= 1"),
        ({"seed": -3}, r"seed\(=-3\) must be >= 0"),
        ({"workers": 0}, r"workers\(=0\) must be >= 1"),
    ],
)
def test_bad_arguments_are_rejected_with_their_value(kwargs: dict[str, int], message: str) -> None:
    args = {"replications": 2, "seed": 1, "workers": 1, **kwargs}
    with pytest.raises(ValueError, match=message):
        run_replications(small_scenario(), args["replications"], args["seed"], workers=args["workers"])


def test_t_quantile_table_is_scipys() -> None:
    from scipy.special import stdtrit

    from simulator.replications import _T975, t975

    for df in range(1, len(_T975) + 3):
        assert t975(df) == float(stdtrit(df, 0.975))
