"""The Queued reason names the real cause (routing.reasons), one test per cause."""

from __future__ import annotations

from routing.decisions import Queued
from routing.dispatcher import Dispatcher
from routing.domain import Agent, AgentStatus, Channel, Escalation, WeeklyShift

#: Tuesday 2026-12-01 09:00 UTC
T0 = 1_796_115_600.0


def queued_reason(d: Dispatcher, **kw: object) -> str:
    esc = Escalation("e1", T0, Channel.CHAT, kw.pop("required_skills", {"billing": 3}), **kw)  # type: ignore[arg-type]
    [queued] = [x for x in d.escalation_arrived(esc, T0) if isinstance(x, Queued)]
    assert d.waiting_reason("e1", T0) == queued.reason
    return queued.reason


def test_below_the_proficiency_minimum_until_the_relaxation_step() -> None:
    d = Dispatcher()
    d.add_agent(Agent("ana", {"billing": 2}), T0, AgentStatus.AVAILABLE)
    reason = queued_reason(d)
    assert reason == (
        "no agent meets its requirements until the relaxation step at 2026-12-01T09:00:30Z "
        "(in 30 s) (after 30s: minimum proficiency lowered by 1)"
    )


def test_nobody_eligible_on_shift_until_the_next_shift_start() -> None:
    d = Dispatcher()
    later = (WeeklyShift(frozenset({1}), 9 * 60 + 5, 17 * 60),)  # Tuesdays from 09:05 UTC
    d.add_agent(Agent("ana", {"billing": 3}, shifts=later), T0, AgentStatus.AVAILABLE)
    assert queued_reason(d).startswith("nobody eligible is on shift until 2026-12-01T09:05:00Z (in 300 s)")


def test_the_only_eligible_agent_is_not_responding_or_busy() -> None:
    d = Dispatcher()
    d.add_agent(Agent("ana", {"billing": 3}), T0, AgentStatus.NOT_RESPONDING)
    assert queued_reason(d) == "the only eligible agent on shift, ana, is not responding"
    d.set_agent_status("ana", AgentStatus.AVAILABLE, T0)
    esc = Escalation("e2", T0, Channel.CHAT, {"billing": 3})
    [queued] = [x for x in d.escalation_arrived(esc, T0) if isinstance(x, Queued)]
    assert queued.reason == "the only eligible agent on shift, ana, is busy"
