"""Where replications run changes nothing: in-process, a local process pool and a Dask
LocalCluster give the same summaries for the same seeds."""

from __future__ import annotations

import math

import pytest

from simulator.replications import Replications, run_replications
from simulator.scaleout import replication_pool
from simulator.scenario import Scenario
from tests.factories import exponential, group, make_scenario, segment


def small() -> Scenario:
    return make_scenario(
        name="scale-out",
        demand=[segment(arrivals_per_hour=300, patience=exponential(90))],
        roster=[group(count=11)],
    )


def same(a: Replications, b: Replications) -> None:
    assert len(a.runs) == len(b.runs)
    for x, y in zip(a.runs, b.runs, strict=True):
        assert x.overall.keys() == y.overall.keys()
        for key, value in x.overall.items():
            other = y.overall[key]
            assert (math.isnan(value) and math.isnan(other)) or value == other, key
        assert x.escalations == y.escalations


def test_a_dask_local_cluster_gives_the_local_results() -> None:
    pytest.importorskip("distributed", reason="Dask is an optional extra: pip install 'dask[distributed]'")
    scenario = small()
    local = run_replications(scenario, 4, seed=7, keep_records=False)
    with replication_pool(2, "local") as pool:
        assert pool is not None
        assert pool.remote
        remote = run_replications(scenario, 4, seed=7, keep_records=True, pool=pool)
    same(local, remote)
    assert remote.records is None  # a cluster returns summaries, not per-escalation records


def test_a_local_process_pool_gives_the_in_process_results_and_keeps_records() -> None:
    scenario = small()
    local = run_replications(scenario, 3, seed=3)
    with replication_pool(2) as pool:
        pooled = run_replications(scenario, 3, seed=3, pool=pool)
    same(local, pooled)
    assert pooled.records is not None
    assert [len(r.arrivals) for r in pooled.records] == [len(r.arrivals) for r in local.records or ()]


def test_one_worker_runs_in_process_and_bad_counts_are_refused() -> None:
    with replication_pool(1) as pool:
        assert pool is None
    with pytest.raises(ValueError, match=r"workers\(=0\) must be >= 1"), replication_pool(0):
        pass
