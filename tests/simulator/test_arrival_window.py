"""The simulator with an arrival window (``routing.arrival_batch_window_s``): at 0 it runs exactly
as without one, and with one the model's ordinary wake-ups (``next_wakeup_s``) close the windows,
so every held escalation is offered by its window's end with no special casing in the model."""

from __future__ import annotations

import numpy as np
import pytest

import routing.arrival_batch as arrival_batch
from simulator.model import simulate
from simulator.records import RunRecords
from simulator.streams import replication_seeds
from tests.factories import exponential, group, make_scenario, segment

COLUMNS = ("first_offer_s", "accepted_s", "finished_s", "outcome", "agent", "offers", "offered_on_arrival")


def run(window_s: float | None, count: int = 5) -> RunRecords:
    routing = {} if window_s is None else {"arrival_batch_window_s": window_s}
    scenario = make_scenario(
        demand=[segment(arrivals_per_hour=300, patience=exponential(120))],
        roster=[group(count=count)],
        routing=routing,
    )
    return simulate(scenario, replication_seeds(3, 1)[0])


def test_a_window_of_zero_never_opens_one_and_changes_no_record(monkeypatch: pytest.MonkeyPatch) -> None:
    def never(self: object, closes_at_s: float) -> None:
        raise AssertionError("a window of 0 opened a window")

    monkeypatch.setattr(arrival_batch.ArrivalBatch, "_open", never)
    default, zero = run(None), run(0.0)
    for name in COLUMNS:
        np.testing.assert_array_equal(getattr(zero, name), getattr(default, name), err_msg=name)
    assert zero.events == default.events


def test_with_a_window_every_arrival_an_idle_desk_can_take_is_offered_by_the_window_end() -> None:
    window_s = 0.5
    records = run(window_s, count=40)  # ample staffing: nobody waits for an agent
    created, first = records.arrivals.created_s, records.first_offer_s
    offered = ~np.isnan(first)
    assert offered.mean() > 0.95
    assert not records.offered_on_arrival.any()  # every one was held first
    waited = first[offered] - created[offered]
    assert (waited > 0).all()
    assert (waited <= window_s + 1e-6).all()
