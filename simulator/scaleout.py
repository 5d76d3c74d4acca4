"""Where replications run: in this process, in local worker processes, or on a Dask cluster.

Every replication is the same pure function, :func:`simulator.replications.run_replication`
(scenario, seed, replication index -> summary), so where it runs changes nothing in the results:
the same seed gives the same summaries in one process, in a process pool, or on Dask workers.

:func:`replication_pool` opens one pool for a whole job (a staffing search runs hundreds of small
batches; starting processes per batch would cost more than the simulations):

* ``dask="local"`` starts a ``distributed.LocalCluster`` of ``workers`` single-threaded processes;
* ``dask="tcp://host:8786"`` (any scheduler address) connects to a running cluster;
* otherwise ``workers > 1`` gives a spawn-based ``ProcessPoolExecutor``, and 1 runs in-process.

Dask runs return summaries only: per-escalation records stay where they were made.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from multiprocessing import get_context
from typing import Any, Protocol

from routing.collector import tune_collector


class ResultLike(Protocol):
    def result(self) -> Any: ...


class ReplicationPool(Protocol):
    """Anything that runs ``fn(*args)`` elsewhere and hands back a future (an executor, a Dask
    client). ``remote``: results come back over a network, so records are not sent."""

    remote: bool

    def submit(self, fn: Callable[..., Any], /, *args: Any) -> ResultLike: ...


class LocalPool:
    """Worker processes on this machine (spawned: a clean interpreter each, on every platform),
    each with the collector tuned for routing (:func:`routing.collector.tune_collector`)."""

    remote = False

    def __init__(self, workers: int) -> None:
        self._executor = ProcessPoolExecutor(
            max_workers=workers, mp_context=get_context("spawn"), initializer=tune_collector
        )

    def submit(self, fn: Callable[..., Any], /, *args: Any) -> ResultLike:
        return self._executor.submit(fn, *args)

    def close(self) -> None:
        self._executor.shutdown()


class DaskPool:
    """A ``distributed.Client``: tasks are pure, so equal arguments share one result."""

    remote = True

    def __init__(self, client: Any) -> None:
        self.client = client

    def submit(self, fn: Callable[..., Any], /, *args: Any) -> ResultLike:
        future: ResultLike = self.client.submit(fn, *args, pure=True)
        return future


@contextmanager
def replication_pool(workers: int = 1, dask: str | None = None) -> Iterator[ReplicationPool | None]:
    """Open the pool for a job (see the module docstring); ``None`` means run in-process.

    Raise a ValueError for ``workers`` < 1, and a RuntimeError naming the package when Dask is asked
    for but not installed.
    """
    if workers < 1:
        raise ValueError(f"workers(={workers}) must be >= 1")
    if dask is not None:
        try:
            from distributed import Client, LocalCluster
        except ImportError:
            raise RuntimeError(
                "Dask is not installed: pip install 'dask[distributed]' (or the project's 'dask' extra)"
            ) from None
        if dask == "local":
            with (
                LocalCluster(
                    n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None
                ) as cluster,
                Client(cluster) as client,
            ):
                yield DaskPool(client)
        else:
            with Client(dask) as client:
                yield DaskPool(client)
        return
    if workers == 1:
        yield None
        return
    pool = LocalPool(workers)
    try:
        yield pool
    finally:
        pool.close()
