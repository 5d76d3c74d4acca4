"""ETAs (routing.eta): predictable waits get their ETA, agents who cannot take it are not counted,
held work is expected to end when it was expected to, and the supply walk is exact arithmetic."""

from __future__ import annotations

import math
from datetime import UTC, datetime

import numpy as np
import pytest
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from routing.decisions import Queued
from routing.dispatcher import Dispatcher
from routing.domain import Agent, AgentStatus, Channel, Escalation, WeeklyShift
from routing.eta import supply_walk
from routing.settings import RelaxationStep, ReofferPolicy, RoutingSettings

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC).timestamp()
ALL_DAYS = frozenset(range(7))


def agent(agent_id: str, skills: dict[str, int] | None = None, **kw: object) -> Agent:
    kw.setdefault("channel_caps", {Channel.CHAT: 1})
    return Agent(agent_id, skills or {"billing": 3}, **kw)  # type: ignore[arg-type]


def esc(esc_id: str, at: float = T0, skills: dict[str, int] | None = None) -> Escalation:
    return Escalation(esc_id, at, Channel.CHAT, skills or {"billing": 2})


def desk(*agents: Agent, settings: RoutingSettings | None = None) -> Dispatcher:
    d = Dispatcher(settings)
    for a in agents:
        d.add_agent(a, T0 - 600, AgentStatus.AVAILABLE)
    return d


def queued(decisions: list) -> Queued:  # type: ignore[type-arg]
    [q] = [d for d in decisions if isinstance(d, Queued)]
    return q


# ------------------------------------------------------------------------------ supply walk
def walk(need: float, events: list[tuple[float, float, float]], now_s: float = 0.0) -> float | None:
    times, bursts, rates = (np.array(col, dtype=np.float64) for col in zip(*events, strict=True))
    return supply_walk(need, times, bursts, rates, now_s)


def test_walk_at_a_steady_rate_is_need_over_rate() -> None:
    assert walk(3, [(0.0, 0.0, 0.5)]) == pytest.approx(6.0)


def test_walk_counts_slots_free_at_once_then_the_rate() -> None:
    # 2 slots free at t=10, rate 1/s from then: the 3rd slot comes at t=11
    assert walk(2, [(10.0, 2.0, 1.0)]) == pytest.approx(10.0)
    assert walk(3, [(10.0, 2.0, 1.0)]) == pytest.approx(11.0)


def test_walk_stops_counting_an_agent_who_leaves() -> None:
    # rate 0.1/s until t=5 (0.5 slot), then nobody: never 1 slot
    assert walk(1, [(0.0, 0.0, 0.1), (5.0, 0.0, -0.1)]) is None
    # someone starts at t=20 with a free slot
    assert walk(1, [(0.0, 0.0, 0.1), (5.0, 0.0, -0.1), (20.0, 1.0, 0.1)]) == pytest.approx(20.0)


@given(
    st.floats(0.5, 50),
    st.lists(st.tuples(st.floats(0, 1000), st.floats(0, 3), st.floats(0, 0.1)), min_size=1, max_size=12),
)
def test_walk_is_monotone_in_what_it_waits_for(need: float, events: list[tuple[float, float, float]]) -> None:
    first, later = walk(need, events), walk(need + 1, events)
    if first is None:
        assert later is None
    else:
        assert first >= 0
        assert later is None or later >= first - 1e-9


def walk_one_by_one(
    need: float, times_s: np.ndarray, bursts: np.ndarray, d_rate_per_s: np.ndarray, now_s: float
) -> float | None:
    """The supply walk as a plain loop over every event: what supply_walk must equal."""
    order = np.argsort(times_s, kind="stable")
    t, rate = now_s, 0.0
    for at, burst, d_rate in zip(
        times_s[order].tolist(), bursts[order].tolist(), d_rate_per_s[order].tolist(), strict=True
    ):
        if not math.isfinite(at):
            break
        if at > t:
            if rate > 0 and need <= rate * (at - t):
                return t + need / rate - now_s
            need -= rate * (at - t)
            t = at
        need -= burst
        if need <= 1e-9:
            return t - now_s
        rate = max(rate + d_rate, 0.0)
    return t + need / rate - now_s if rate > 1e-12 else None


@hypothesis_settings(max_examples=300, deadline=None)
@given(
    st.floats(0.5, 400),
    st.lists(
        st.tuples(
            st.one_of(st.floats(0, 1000), st.sampled_from([0.0, 5.0, 5.0, math.inf])),
            st.sampled_from([0.0, 0.0, 1.0, 2.0]) | st.floats(0, 3),
            st.floats(-0.1, 0.1) | st.sampled_from([0.0, -0.0]),
        ),
        min_size=1,
        max_size=120,
    ),
)
def test_walk_gives_the_very_float_of_a_walk_one_event_at_a_time(
    need: float, events: list[tuple[float, float, float]]
) -> None:
    # past WALK_STEPS events the walk goes on in whole arrays; equal times, leaving agents
    # (negative rate changes, clamped at 0), and agents who never come (inf) included
    times, bursts, rates = (np.array(col, dtype=np.float64) for col in zip(*events, strict=True))
    expected = walk_one_by_one(need, times, bursts, rates, 0.0)
    got = supply_walk(need, times, bursts, rates, 0.0)
    assert got == expected or (
        got is not None and expected is not None and math.isnan(got) and math.isnan(expected)
    )
    assert got is None or expected is None or math.copysign(1.0, got) == math.copysign(1.0, expected)


# ------------------------------------------------------------------------------ predictable ETAs
def test_a_relaxation_step_that_admits_an_idle_agent_gives_its_time() -> None:
    # only a proficiency-1 agent is free; the step at 30 s lowers the minimum from 2 to 1
    d = desk(agent("junior", {"billing": 1}))
    q = queued(d.escalation_arrived(esc("e1"), T0))
    assert q.eta_s == pytest.approx(30.0)


def test_a_shift_starting_within_the_horizon_gives_its_time() -> None:
    starts_in_5_min = WeeklyShift(ALL_DAYS, 9 * 60 + 5, 17 * 60)
    d = desk(agent("late", shifts=(starts_in_5_min,), time_zone="UTC"))
    q = queued(d.escalation_arrived(esc("e1"), T0))
    assert q.eta_s == pytest.approx(300.0)


def test_a_break_end_within_the_horizon_gives_its_time() -> None:
    with_break = WeeklyShift(ALL_DAYS, 8 * 60, 17 * 60, breaks=((8 * 60 + 50, 9 * 60 + 10),))
    d = desk(agent("on-break", shifts=(with_break,), time_zone="UTC"))
    q = queued(d.escalation_arrived(esc("e1"), T0))
    assert q.eta_s == pytest.approx(600.0)


def test_held_work_is_expected_to_end_one_handle_time_after_acceptance() -> None:
    d = desk(agent("a"))
    [offer] = d.escalation_arrived(esc("busy"), T0)
    d.offer_accepted(offer.offer_id, T0)
    q = queued(d.escalation_arrived(esc("e1", T0 + 100), T0 + 100))
    assert q.eta_s == pytest.approx(600.0 - 100.0)  # the default chat handle time: 600 s


def test_the_handle_time_is_learned_per_kind_of_work() -> None:
    d = desk(agent("a"))
    [offer] = d.escalation_arrived(esc("first"), T0)
    d.offer_accepted(offer.offer_id, T0)
    d.work_completed("first", T0 + 120)  # billing chats take 120 s here
    [offer] = d.escalation_arrived(esc("busy", T0 + 200), T0 + 200)
    d.offer_accepted(offer.offer_id, T0 + 200)
    q = queued(d.escalation_arrived(esc("e1", T0 + 230), T0 + 230))
    assert q.eta_s == pytest.approx(90.0)  # expected to end at T0 + 320


def test_work_past_its_expected_end_still_takes_a_fifth_of_a_handle_time() -> None:
    d = desk(agent("a"))
    [offer] = d.escalation_arrived(esc("busy"), T0)
    d.offer_accepted(offer.offer_id, T0)
    q = queued(d.escalation_arrived(esc("e1", T0 + 900), T0 + 900))
    assert q.eta_s == pytest.approx(600.0 / 5)


# ------------------------------------------------------------------------------ who counts
@pytest.mark.parametrize("status", [AgentStatus.NOT_RESPONDING, AgentStatus.AWAY])
def test_an_agent_who_cannot_take_it_is_not_counted(status: AgentStatus) -> None:
    d = desk(agent("a"))
    d.set_agent_status("a", status, T0)
    q = queued(d.escalation_arrived(esc("e1"), T0))
    assert q.eta_s is None


def test_an_away_agent_is_not_counted_even_after_coming_back_before() -> None:
    d = desk(agent("a"), agent("b"))
    d.set_agent_status("b", AgentStatus.AWAY, T0 - 400)
    d.set_agent_status("b", AgentStatus.AVAILABLE, T0 - 100)
    [offer] = d.escalation_arrived(esc("busy"), T0)
    d.offer_accepted(offer.offer_id, T0)
    d.set_agent_status("b", AgentStatus.AWAY, T0)
    q = queued(d.escalation_arrived(esc("e1", T0 + 60), T0 + 60))
    assert q.eta_s == pytest.approx(600.0 - 60.0)  # a's work ends; b is not expected back


def test_an_agent_who_had_it_the_most_times_allowed_is_not_counted() -> None:
    once = RoutingSettings(relaxation=(), reoffer=ReofferPolicy(max_offers_per_agent=1))
    d = desk(agent("a"), settings=once)
    [offer] = d.escalation_arrived(esc("e1"), T0)
    decisions = d.offer_declined(offer.offer_id, T0 + 5)
    assert not [x for x in decisions if isinstance(x, Queued)]  # deferred: nobody else will take it
    assert d.state_of("e1").value == "deferred"


def test_an_agent_cooling_down_counts_from_the_end_of_the_cool_down() -> None:
    settings = RoutingSettings(relaxation=(), reoffer=ReofferPolicy(after_decline_s=60))
    d = desk(agent("a"), settings=settings)
    [offer] = d.escalation_arrived(esc("e1"), T0)
    d.offer_declined(offer.offer_id, T0 + 5)
    assert d.queue_estimate("e1", T0 + 5)[1] == pytest.approx(60.0)


def test_several_relaxation_steps_admit_agents_in_turn() -> None:
    steps = (
        RelaxationStep(after_s=20, lower_min_proficiency_by=1),
        RelaxationStep(after_s=50, lower_min_proficiency_by=1),
    )
    d = desk(agent("novice", {"billing": 1}), settings=RoutingSettings(relaxation=steps))
    q = queued(d.escalation_arrived(esc("e1", skills={"billing": 3}), T0))
    assert q.eta_s == pytest.approx(50.0)  # the second step, not the first, admits the novice


@given(st.integers(1, 6), st.integers(1, 3))
def test_later_in_line_never_has_an_earlier_eta(waiting: int, slots: int) -> None:
    d = desk(agent("a", channel_caps={Channel.CHAT: slots}), agent("b", channel_caps={Channel.CHAT: slots}))
    for k in range(2 * slots):
        [offer] = d.escalation_arrived(esc(f"busy{k}", T0 + k), T0 + k)
        d.offer_accepted(offer.offer_id, T0 + k)
    now = T0 + 2 * slots
    etas = [queued(d.escalation_arrived(esc(f"q{k}", now), now)).eta_s for k in range(waiting)]
    now_etas = [d.queue_estimate(f"q{k}", now)[1] for k in range(waiting)]
    assert all(e is not None for e in now_etas)
    assert now_etas == sorted(now_etas)  # type: ignore[type-var]
    assert etas[0] == now_etas[0]


def test_work_that_took_no_time_does_not_break_the_eta() -> None:
    d = desk(agent("a"))
    [offer] = d.escalation_arrived(esc("instant"), T0)
    d.offer_accepted(offer.offer_id, T0)
    d.work_completed("instant", T0)  # accepted and completed at once: 0 s of handle time
    [offer] = d.escalation_arrived(esc("busy"), T0)
    d.offer_accepted(offer.offer_id, T0)
    q = queued(d.escalation_arrived(esc("e1"), T0))
    assert q.eta_s is not None
    assert q.eta_s >= 0


def test_a_restored_dispatcher_expects_held_work_to_end_when_the_original_did() -> None:
    from routing.snapshots import AgentSnapshot

    d = desk(agent("a"))
    [offer] = d.escalation_arrived(esc("busy"), T0)
    d.offer_accepted(offer.offer_id, T0)
    snapshot = d.escalation_snapshot("busy")
    assert snapshot.assigned_at_s == T0
    copy = Dispatcher()
    copy.restore_agent(agent("a"), AgentSnapshot(AgentStatus.AVAILABLE), T0)
    copy.restore_escalation(d.escalation("busy"), snapshot)
    etas = [queued(x.escalation_arrived(esc("e1", T0 + 100), T0 + 100)).eta_s for x in (d, copy)]
    assert etas[0] == etas[1] == pytest.approx(500.0)


# ------------------------------------------------------------------------------ wrap-up
WRAP = RoutingSettings(wrap_up_s={Channel.CHAT: 120})


def test_a_slot_in_wrap_up_frees_when_the_wrap_up_ends() -> None:
    d = desk(agent("a"), settings=WRAP)
    [offer] = d.escalation_arrived(esc("busy"), T0)
    d.offer_accepted(offer.offer_id, T0)
    d.work_completed("busy", T0 + 300)  # the slot is the agent's wrap-up's until T0 + 420
    q = queued(d.escalation_arrived(esc("e1", T0 + 330), T0 + 330))
    assert q.eta_s == pytest.approx(90.0)


def test_held_work_frees_its_slot_a_wrap_up_after_its_expected_end() -> None:
    d = desk(agent("a"), settings=WRAP)
    [offer] = d.escalation_arrived(esc("busy"), T0)
    d.offer_accepted(offer.offer_id, T0)
    q = queued(d.escalation_arrived(esc("e1", T0 + 100), T0 + 100))
    assert q.eta_s == pytest.approx(600.0 + 120.0 - 100.0)  # handle 600 s, then its wrap-up


def test_the_wrap_up_expected_is_learned_from_those_that_ended() -> None:
    d = desk(agent("a"), settings=WRAP)
    [offer] = d.escalation_arrived(esc("first"), T0)
    d.offer_accepted(offer.offer_id, T0)
    d.work_completed("first", T0 + 100)
    d.wrap_up_ended("a", T0 + 130)  # wrap-ups take 30 s here, not the 120 s allowed
    [offer] = d.escalation_arrived(esc("busy", T0 + 200), T0 + 200)
    d.offer_accepted(offer.offer_id, T0 + 200)
    q = queued(d.escalation_arrived(esc("e1", T0 + 230), T0 + 230))
    assert q.eta_s == pytest.approx(100.0 + 30.0 - 30.0)  # work ends T0 + 300, its wrap-up T0 + 330


def test_without_wrap_up_the_eta_is_the_work_alone() -> None:
    d = desk(agent("a"))
    [offer] = d.escalation_arrived(esc("busy"), T0)
    d.offer_accepted(offer.offer_id, T0)
    d.work_completed("busy", T0 + 300)  # no wrap-up: the slot is free at once, e1 is offered
    assert not [x for x in d.escalation_arrived(esc("e1", T0 + 330), T0 + 330) if isinstance(x, Queued)]


# ------------------------------------------------------------------------------ learned means
def learned_desk() -> Dispatcher:
    """A dispatcher that has learned a billing chat takes 120 s and a wrap-up 30 s."""
    d = desk(agent("a"), settings=WRAP)
    [offer] = d.escalation_arrived(esc("first"), T0)
    d.offer_accepted(offer.offer_id, T0)
    d.work_completed("first", T0 + 120)
    d.wrap_up_ended("a", T0 + 150)
    return d


def test_a_dispatcher_given_the_learned_means_expects_what_the_original_does() -> None:
    from routing.snapshots import AgentSnapshot

    d = learned_desk()
    copy = Dispatcher(WRAP)
    copy.restore_learned_means(d.learned_means())
    copy.restore_agent(agent("a"), AgentSnapshot(AgentStatus.AVAILABLE), T0 + 150)
    for x in (d, copy):
        [offer] = x.escalation_arrived(esc("busy", T0 + 200), T0 + 200)
        x.offer_accepted(offer.offer_id, T0 + 200)
    etas = [queued(x.escalation_arrived(esc("e1", T0 + 230), T0 + 230)).eta_s for x in (d, copy)]
    assert etas[0] == etas[1] == pytest.approx(120.0)  # ends T0 + 320, its wrap-up T0 + 350
    assert copy.escalation_snapshot("busy").expected_end_s == d.escalation_snapshot("busy").expected_end_s
    assert sorted(map(repr, copy.learned_means())) == sorted(map(repr, d.learned_means()))


def test_learned_changes_name_each_changed_mean_once_and_restored_ones_are_unchanged() -> None:
    d = learned_desk()
    forgot, changed = d.learned_changes()
    assert not forgot
    kinds = [(m.kind is not None, m.wrap_up, m.mean_s, m.count) for m in changed]
    assert sorted(kinds) == [(False, False, 120.0, 1), (False, True, 30.0, 1), (True, False, 120.0, 1)]
    assert d.learned_changes() == (False, [])  # nothing since
    copy = Dispatcher(WRAP)
    copy.restore_learned_means(d.learned_means())
    assert copy.learned_changes() == (False, [])


def test_a_dispatcher_that_forgets_the_kinds_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    import routing.eta

    monkeypatch.setattr(routing.eta, "MAX_KINDS", 1)
    d = learned_desk()
    d.learned_changes()
    [offer] = d.escalation_arrived(esc("other", T0 + 200, skills={"billing": 1}), T0 + 200)
    d.offer_accepted(offer.offer_id, T0 + 200)
    d.work_completed("other", T0 + 260)
    forgot, changed = d.learned_changes()
    assert forgot
    assert [m.kind.skills for m in changed if m.kind is not None] == [(("billing", 1),)]
