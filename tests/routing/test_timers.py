"""The alarm clock on its own: earliest first, ties in the order set, stale alarms skipped."""

from __future__ import annotations

import math

from routing.timers import CLOSE, EXPIRE, READMIT, RELAX, Timers


def test_alarms_go_off_in_time_order_ties_in_the_order_set() -> None:
    timers = Timers(lambda offer_id: True, lambda esc_id, level: True, lambda esc_id, row: True)
    timers.relax_at(30.0, "e1", 1)
    timers.expire_offer_at(10.0, "e2#1")
    timers.expire_offer_at(30.0, "e3#1")
    assert timers.next_due_s() == 10.0
    fired = []
    while (alarm := timers.pop_due(30.0)) is not None:
        fired.append((alarm.due_s, alarm.kind, alarm.ref, alarm.arg))
    assert fired == [(10.0, EXPIRE, "e2#1", 0), (30.0, RELAX, "e1", 1), (30.0, EXPIRE, "e3#1", 0)]
    assert timers.next_due_s() == math.inf


def test_stale_alarms_are_skipped_and_dropped() -> None:
    live_offers = {"e1#2"}
    cooling = {("e1", 3)}
    timers = Timers(
        live_offers.__contains__, lambda esc_id, level: level > 1, lambda e, row: (e, row) in cooling
    )
    timers.expire_offer_at(5.0, "e1#1")  # answered long ago
    timers.relax_at(6.0, "e1", 1)  # already at level 1
    timers.relax_at(7.0, "e1", 2)
    timers.expire_offer_at(8.0, "e1#2")
    timers.readmit_at(4.0, "e1", 2)  # agent row 2 is no longer cooling down
    timers.readmit_at(9.0, "e1", 3)
    assert timers.next_due_s() == 7.0
    assert timers.pop_due(6.5) is None
    alarm = timers.pop_due(100.0)
    assert alarm is not None
    assert (alarm.kind, alarm.arg) == (RELAX, 2)
    live_offers.clear()  # the offer was answered before its alarm: liveness is checked as it comes up
    alarm = timers.pop_due(100.0)
    assert alarm is not None
    assert (alarm.due_s, alarm.kind, alarm.ref, alarm.arg) == (9.0, READMIT, "e1", 3)
    assert timers.pop_due(100.0) is None


def test_a_window_closing_matters_only_while_the_window_it_names_is_open() -> None:
    timers = Timers(lambda offer_id: True, lambda esc_id, level: True, lambda esc_id, row: True)
    timers.close_window_at(3.0, 1)
    assert timers.next_due_s() == math.inf  # nobody watches windows: none is open
    open_windows = {2}
    timers.watch_windows(open_windows.__contains__)
    timers.close_window_at(4.0, 2)
    assert timers.next_due_s() == 4.0
    alarm = timers.pop_due(10.0)
    assert alarm is not None
    assert (alarm.due_s, alarm.kind, alarm.ref, alarm.arg) == (4.0, CLOSE, "", 2)
    timers.close_window_at(5.0, 2)
    open_windows.clear()  # everyone held left the window before it closed
    assert timers.pop_due(10.0) is None
