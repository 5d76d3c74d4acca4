"""Random streams: one generator per (replication, purpose, key), derived from one seed."""

from __future__ import annotations

import numpy as np
import pytest

from simulator.streams import STREAMS, replication_seeds, stream


def draws(seed: int, replication: int, purpose: str, *key: int, replications: int = 3) -> np.ndarray:
    seq = replication_seeds(seed, replications)[replication]
    return stream(seq, purpose, *key).random(64)


@pytest.mark.parametrize("purpose", STREAMS)
def test_the_same_coordinates_give_identical_draws(purpose: str) -> None:
    a = draws(7, 1, purpose, 2)
    b = draws(7, 1, purpose, 2)
    assert np.array_equal(a, b)
    # fresh seed sequences every time: nothing is shared or consumed between calls
    seq = replication_seeds(7, 3)[1]
    assert np.array_equal(stream(seq, purpose, 2).random(64), stream(seq, purpose, 2).random(64))


def test_a_stream_does_not_depend_on_what_else_was_drawn() -> None:
    seq = replication_seeds(11, 2)[0]
    alone = stream(seq, "handle", 0).random(16)
    busy = replication_seeds(11, 2)[0]
    stream(busy, "arrivals", 0).random(1000)
    stream(busy, "handle", 1).random(1000)
    assert np.array_equal(stream(busy, "handle", 0).random(16), alone)


def test_different_purposes_keys_replications_and_seeds_differ() -> None:
    base = draws(7, 1, "handle", 2)
    others = {
        "purpose": draws(7, 1, "patience", 2),
        "key": draws(7, 1, "handle", 3),
        "no key": draws(7, 1, "handle"),
        "longer key": draws(7, 1, "handle", 2, 0),
        "replication": draws(7, 0, "handle", 2),
        "seed": draws(8, 1, "handle", 2),
    }
    for what, values in others.items():
        assert not np.array_equal(values, base), what
    # and they differ from each other, too (no two coordinates collapse onto one stream)
    all_draws = [base, *others.values()]
    firsts = {float(d[0]) for d in all_draws}
    assert len(firsts) == len(all_draws)


def test_replication_seeds_do_not_depend_on_how_many_replications() -> None:
    # replication r of a 3-run and of a 10-run experiment see the same customers
    three = replication_seeds(5, 3)
    ten = replication_seeds(5, 10)
    for r in range(3):
        assert np.array_equal(
            stream(three[r], "arrivals", 0).random(8), stream(ten[r], "arrivals", 0).random(8)
        )
    assert len(ten) == 10


def test_replication_seeds_are_all_different() -> None:
    seqs = replication_seeds(0, 20)
    firsts = {float(stream(s, "arrivals", 0).random()) for s in seqs}
    assert len(firsts) == 20


@pytest.mark.parametrize("seed", [-1, -100])
def test_a_negative_seed_is_rejected_with_its_value(seed: int) -> None:
    with pytest.raises(ValueError, match=rf"seed\(={seed}\) must be >= 0"):
        replication_seeds(seed, 3)


@pytest.mark.parametrize("replications", [0, -2])
def test_fewer_than_one_replication_is_rejected_with_the_value(replications: int) -> None:
    with pytest.raises(ValueError, match=rf"replications\(={replications}\) must be >= 1"):
        replication_seeds(1, replications)


def test_an_unknown_purpose_is_a_key_error() -> None:
    with pytest.raises(KeyError, match="weather"):
        stream(replication_seeds(1, 1)[0], "weather", 0)
