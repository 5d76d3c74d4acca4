"""Random streams: one numpy Generator per purpose, derived from one seed.

Every random quantity of a run comes from its own stream, keyed by purpose and by what it belongs
to (a demand segment, an agent). Two runs with the same seed are bit-identical. Two runs with the
same seed but different rosters see the same customers (same arrival times, handle times, patience,
first-offer accept delays): **common random numbers**, so comparing staffing candidates compares
rosters, not luck.

Streams are derived with :class:`numpy.random.SeedSequence` spawn keys, not by drawing seeds from
another generator, so they are statistically independent and adding a stream never shifts another.
"""

from __future__ import annotations

from typing import Final

import numpy as np

STREAMS: Final = (
    "arrivals",  # arrival times, per demand segment
    "attributes",  # customer tier and language, per segment
    "handle",  # handle times, per segment
    "patience",  # patience, per segment
    "accept",  # accept delay and decline of the first offer, per segment
    "reoffer",  # accept delay and decline of later offers, one stream per run
    "shrinkage",  # off-queue episodes, per (group, agent)
)
_INDEX: Final = {name: i for i, name in enumerate(STREAMS)}


def replication_seeds(seed: int, replications: int) -> list[np.random.SeedSequence]:
    """One independent seed sequence per replication, all from ``seed``.

    Raise a ValueError if ``seed`` is negative or ``replications`` < 1.
    """
    if seed < 0:
        raise ValueError(f"seed(={seed}) must be >= 0")
    if replications < 1:
        raise ValueError(f"replications(={replications}) must be >= 1")
    return np.random.SeedSequence(seed).spawn(replications)


def stream(replication: np.random.SeedSequence, purpose: str, *key: int) -> np.random.Generator:
    """The generator for ``purpose`` (one of :data:`STREAMS`) and ``key`` within a replication.

    The same (replication, purpose, key) always gives the same stream, whatever else the run does.
    Raise a KeyError for an unknown purpose.
    """
    child = np.random.SeedSequence(
        entropy=replication.entropy,
        spawn_key=(*replication.spawn_key, _INDEX[purpose], *key),
        pool_size=replication.pool_size,
    )
    return np.random.Generator(np.random.PCG64(child))
