"""The weekly review against figures computed by hand on a nine-escalation log over two weeks.

Week 1 starts Monday 2026-11-23, week 2 Monday 2026-11-30 (UTC). Accepted: a1 (10 s), a2 (40 s),
b1 (20 s), b2 (5 s), b3 (100 s); decided: all but a5 (cancelled) and b4 (still waiting) = 7.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from routing.analytics import CATALOGUE, NOT_RECORDED, weekly_review, weeks_between
from routing.domain import CancelReason, Channel, CustomerTier, Trigger
from routing.history import HistoryRecord, Outcome, VolumeRecord


def at(day: int, hour: int, minute: int = 0) -> float:
    """Epoch seconds of 2026-11-``day`` (or December for day > 30) ``hour``:``minute`` UTC."""
    month, day = (12, day - 30) if day > 30 else (11, day)
    return datetime(2026, month, day, hour, minute, tzinfo=UTC).timestamp()


def esc(name: str, created_s: float, outcome: Outcome, **fields: object) -> HistoryRecord:
    handoff = fields.pop("handoff", None)
    accepted = {} if handoff is None else {"accepted_at_s": created_s + handoff, "handoff_s": handoff}
    return HistoryRecord(escalation_id=name, created_at_s=created_s, outcome=outcome, **accepted, **fields)  # type: ignore[arg-type]


LOOP = {
    "trigger": Trigger.LOOP,
    "segment": "billing",
    "customer_tier": CustomerTier.STANDARD,
    "language": "en",
}
LEGAL = {"trigger": Trigger.LEGAL, "segment": "sales", "language": "es"}
CHAT, VOICE, EMAIL = Channel.CHAT, Channel.VOICE, Channel.EMAIL

LOG = [
    esc("b4", at(31, 12, 30), Outcome.WAITING, channel=CHAT, **LOOP),  # out of order on purpose
    esc(
        "a1",
        at(23, 9),
        Outcome.COMPLETED,
        channel=CHAT,
        handoff=10.0,
        agent_group="g1",
        context_viewed_at_s=at(23, 9, 1),
        csat=5,
        first_contact_resolved=True,
        ai_could_have_handled=False,
        customer_ref="c1",
        conversation_started_at_s=at(23, 9) - 60,
        transfers=0,
        **LOOP,
    ),
    esc(
        "a2",
        at(23, 9, 30),
        Outcome.COMPLETED,
        channel=CHAT,
        handoff=40.0,
        agent_group="g1",
        csat=2,
        first_contact_resolved=False,
        ai_could_have_handled=True,
        customer_ref="c2",
        conversation_started_at_s=at(23, 9, 30) - 120,
        transfers=1,
        **LOOP,
    ),
    esc(
        "a3",
        at(24, 10),
        Outcome.ABANDONED,
        channel=VOICE,
        patience_s=50.0,
        customer_ref="c1",
        cancel_reason=CancelReason.CUSTOMER_LEFT,
        customer_tier=CustomerTier.VIP,
        **LEGAL,
    ),
    esc("a4", at(24, 10, 15), Outcome.DEFERRED, channel=VOICE, customer_tier=CustomerTier.VIP, **LEGAL),
    esc("a5", at(25, 11), Outcome.CANCELLED, channel=CHAT, customer_ref="c3", **LOOP),
    esc(
        "b1",
        at(30, 9),
        Outcome.COMPLETED,
        channel=CHAT,
        handoff=20.0,
        agent_group="g1",
        context_viewed_at_s=at(30, 9, 1),
        csat=4,
        first_contact_resolved=True,
        ai_could_have_handled=True,
        customer_ref="c1",
        transfers=0,
        **LOOP,
    ),
    esc(
        "b2",
        at(30, 9, 10),
        Outcome.HANDED_BACK,
        channel=CHAT,
        handoff=5.0,
        agent_group="g2",
        context_viewed_at_s=at(30, 9, 11),
        ai_could_have_handled=True,
        transfers=0,
        customer_tier=CustomerTier.PRIORITY,
        **LEGAL,
    ),
    esc(
        "b3",
        at(31, 12),
        Outcome.COMPLETED,
        channel=EMAIL,
        handoff=100.0,
        agent_group="g2",
        csat=1,
        first_contact_resolved=False,
        ai_could_have_handled=False,
        customer_ref="c2",
        transfers=2,
        customer_tier=CustomerTier.STANDARD,
        **{**LEGAL, "language": "en"},
    ),
]

VOLUME = [
    VolumeRecord(interval_start_s=at(23, 9), interval_s=3600, segment="billing", conversations=60),
    VolumeRecord(interval_start_s=at(30, 9), interval_s=3600, segment="billing", conversations=40),
    VolumeRecord(interval_start_s=at(24, 10), interval_s=3600, segment="sales", conversations=20),
    VolumeRecord(interval_start_s=at(31, 12), interval_s=3600, segment="sales", conversations=30),
]

ALL_DIMENSIONS = ("trigger", "segment", "channel", "customer_tier", "language", "agent_group")


def review(**options: object):
    kwargs = {"threshold_s": 30.0, "target": 0.8, "volume": VOLUME, "group_by": ALL_DIMENSIONS, **options}
    return weekly_review(LOG, **kwargs)  # type: ignore[arg-type]


def values(measures) -> dict[str, float | None]:
    return {name: m.value for name, m in measures.items()}


def test_every_metric_over_the_period() -> None:
    r = review()
    assert [w.label for w in r.weeks] == ["2026-11-23", "2026-11-30"]
    assert values(r.total) == pytest.approx(
        {
            "escalations": 9,
            "conversations": 150,
            "escalation_rate": 9 / 150,
            "time_to_escalation_p50_s": 90.0,
            "accepted": 5,
            "service_level": 3 / 7,
            "service_level_answered": 3 / 5,
            "asa_s": 35.0,
            "handoff_p50_s": 20.0,
            "handoff_p90_s": 76.0,  # [5, 10, 20, 40, 100] at 0.9 * 4 = 3.6: 40 + 0.6 * 60
            "context_view_rate": 3 / 5,
            "abandoned": 1,
            "abandon_rate": 1 / 7,
            "abandon_patience_p50_s": 50.0,
            "deferred": 1,
            "deferral_rate": 1 / 7,
            "transfer_rate": 2 / 5,
            "hand_back_rate": 1 / 5,
            "csat_mean": 3.0,
            "low_csat_rate": 2 / 4,
            "first_contact_resolution": 2 / 4,
            # c1: a1 -> a3 after 25 h (1), a3 -> b1 after 5 d 23 h (1); c2: a2 -> b3 after 8 d (0);
            # b1, b3, a5: their 7-day window ends after the log's last escalation (unknown)
            "return_rate": 2 / 3,
            "ai_could_have_handled_rate": 3 / 5,
        }
    )
    assert r.total["service_level"].n == 7
    assert r.total["return_rate"].n == 3


def test_every_metric_per_week_with_change() -> None:
    r = review()
    week1, week2 = (values(w) for w in r.weekly)
    assert week1["escalations"] == 5
    assert week1["service_level"] == pytest.approx(1 / 4)
    assert week1["escalation_rate"] == pytest.approx(5 / 80)
    assert week1["return_rate"] == pytest.approx(2 / 3)
    assert week1["abandon_rate"] == pytest.approx(1 / 4)
    assert week2["service_level"] == pytest.approx(2 / 3)
    assert week2["escalation_rate"] == pytest.approx(4 / 70)
    assert week2["time_to_escalation_p50_s"] is None
    assert r.weekly[1]["time_to_escalation_p50_s"].missing == "no conversation start recorded"
    assert week2["return_rate"] is None
    assert week2["hand_back_rate"] == pytest.approx(1 / 3)
    assert r.change("service_level", 1) == pytest.approx(2 / 3 - 1 / 4)
    assert r.change("service_level", 0) is None
    assert r.change("time_to_escalation_p50_s", 1) is None


def groups(r, dimension: str) -> dict[str, dict[str, float | None]]:
    return {g.group: values(g.total) for g in r.groups[dimension]}


def test_every_grouping() -> None:
    r = review()
    trigger = groups(r, "trigger")
    assert list(trigger) == ["loop", "legal"]  # by volume
    assert trigger["loop"]["escalations"] == 5
    assert trigger["loop"]["service_level"] == pytest.approx(2 / 3)  # a1, a2, b1 decided; a1, b1 within
    assert trigger["legal"]["service_level"] == pytest.approx(1 / 4)  # a3, a4, b2, b3; b2 within
    assert trigger["loop"]["escalation_rate"] is None
    assert (
        r.groups["trigger"][0].total["escalation_rate"].missing
        == "the conversation volume is not counted per trigger"
    )

    segment = groups(r, "segment")
    assert segment["billing"]["escalation_rate"] == pytest.approx(5 / 100)
    assert segment["sales"]["escalation_rate"] == pytest.approx(4 / 50)
    week1_billing = next(g for g in r.groups["segment"] if g.group == "billing").weekly[0]
    assert week1_billing["escalation_rate"].value == pytest.approx(3 / 60)

    channel = groups(r, "channel")
    assert {k: v["escalations"] for k, v in channel.items()} == {"chat": 6, "voice": 2, "email": 1}
    assert channel["voice"]["accepted"] == 0
    assert channel["voice"]["asa_s"] is None
    assert channel["chat"]["asa_s"] == pytest.approx((10 + 40 + 20 + 5) / 4)

    tier = groups(r, "customer_tier")
    assert {k: v["escalations"] for k, v in tier.items()} == {"standard": 6, "vip": 2, "priority": 1}
    assert tier["vip"]["deferral_rate"] == pytest.approx(1 / 2)

    language = groups(r, "language")
    assert {k: v["escalations"] for k, v in language.items()} == {"en": 6, "es": 3}
    assert language["es"]["hand_back_rate"] == pytest.approx(1.0)

    agent = groups(r, "agent_group")
    assert {k: v["escalations"] for k, v in agent.items()} == {NOT_RECORDED: 4, "g1": 3, "g2": 2}
    assert agent["g2"]["csat_mean"] == pytest.approx(1.0)
    assert agent["g1"]["context_view_rate"] == pytest.approx(2 / 3)
    assert agent["g1"]["transfer_rate"] == pytest.approx(1 / 3)


def test_trigger_rankings() -> None:
    r = review(group_by=())
    assert "trigger" not in r.groups
    assert [(t.trigger, t.ai_could_have_handled_rate.value) for t in r.too_early] == [
        ("loop", pytest.approx(2 / 3)),
        ("legal", pytest.approx(1 / 2)),
    ]
    assert [(t.trigger, t.low_csat_rate.value) for t in r.too_late] == [
        ("legal", pytest.approx(1.0)),
        ("loop", pytest.approx(1 / 3)),
    ]


def test_heatmap_of_volume_and_hit_rate() -> None:
    h = review().heatmap
    assert h.escalations.sum() == 9
    assert h.escalations[0, 9] == 4  # Mondays 09:00: a1, a2, b1, b2
    assert h.service_level[0, 9] == pytest.approx(3 / 4)
    assert h.escalations[1, 10] == 2
    assert h.service_level[1, 10] == 0.0  # abandoned and deferred
    assert h.escalations[2, 11] == 1
    assert h.service_level[2, 11] != h.service_level[2, 11]  # cancelled only: nothing decided (NaN)
    assert h.service_level[1, 12] == 0.0  # b3 late, b4 still waiting


def test_missing_inputs_say_so_instead_of_zero() -> None:
    bare = [
        HistoryRecord(
            escalation_id="x", created_at_s=at(23, 9), channel=CHAT, outcome=Outcome.COMPLETED, handoff_s=12.0
        )
    ]
    r = weekly_review(bare, threshold_s=30.0, target=0.8)
    assert r.total["service_level"].value == 1.0
    for name, need in [
        ("escalation_rate", "needs the AI platform's conversation volume"),
        ("conversations", "needs the AI platform's conversation volume"),
        ("csat_mean", "needs csat (no escalation in the log has it)"),
        ("context_view_rate", "needs context_viewed_at (no escalation in the log has it)"),
        ("return_rate", "needs customer_ref (no escalation in the log has it)"),
        ("time_to_escalation_p50_s", "needs conversation_started_at (no escalation in the log has it)"),
        ("ai_could_have_handled_rate", "needs ai_could_have_handled (no escalation in the log has it)"),
        ("abandon_rate", None),
    ]:
        assert r.total[name].missing == need, name
        assert (r.total[name].value is None) == (need is not None), name
    assert weekly_review(bare, threshold_s=30.0, target=0.8, return_window_days=None).total[
        "return_rate"
    ].missing == ("needs customer_ref (no escalation in the log has it)")


def test_period_and_time_zone() -> None:
    r = review(start_s=at(30, 0), end_s=at(31, 0))  # Monday 30 only
    assert r.total["escalations"].value == 2
    assert len(r.weeks) == 1
    assert r.weeks[0].partial
    assert r.total["return_rate"].missing is not None  # b1's window runs past the log
    tokyo = review(time_zone="Asia/Tokyo")
    assert tokyo.heatmap.escalations[0, 18] == 4  # 09:00 UTC is 18:00 in Tokyo


def test_bad_arguments() -> None:
    with pytest.raises(ValueError, match="unknown grouping queue"):
        review(group_by=("queue",))
    with pytest.raises(ValueError, match="no escalation was created in the period"):
        review(start_s=at(1, 0), end_s=at(2, 0))
    with pytest.raises(ValueError, match="threshold_s"):
        review(threshold_s=0)
    with pytest.raises(ValueError, match="window_days"):
        review(return_window_days=0)


def test_weeks_follow_local_midnight_across_dst() -> None:
    # Europe/Paris leaves summer time on Sunday 2026-10-25: that week has 169 hours
    (week,) = weeks_between(at(20, 12) - 28 * 86400, at(20, 13) - 28 * 86400, "Europe/Paris")
    assert week.label == "2026-10-19"
    assert week.end_s - week.start_s == 169 * 3600


OUTCOMES = list(Outcome)


@st.composite
def histories(draw: st.DrawFn) -> list[HistoryRecord]:
    """Up to 40 escalations over three weeks with random outcomes, groups and feedback."""
    records = []
    for i in range(draw(st.integers(1, 40))):
        outcome = draw(st.sampled_from(OUTCOMES))
        accepted = outcome in (Outcome.COMPLETED, Outcome.HANDED_BACK, Outcome.TRANSFERRED, Outcome.ASSIGNED)
        created = at(23, 0) + draw(st.floats(0, 21 * 86400 - 1))
        records.append(
            HistoryRecord(
                escalation_id=f"e{i}",
                created_at_s=created,
                channel=draw(st.sampled_from(list(Channel))),
                outcome=outcome,
                trigger=draw(st.none() | st.sampled_from([Trigger.LOOP, Trigger.LEGAL])),
                segment=draw(st.none() | st.sampled_from(["a", "b"])),
                agent_group=draw(st.sampled_from(["g1", "g2"])) if accepted else None,
                handoff_s=draw(st.floats(0, 120)) if accepted else None,
                csat=draw(st.none() | st.integers(1, 5)),
                customer_ref=draw(st.none() | st.sampled_from(["c1", "c2", "c3"])),
            )
        )
    return records


@settings(max_examples=20, deadline=None)
@given(histories())
def test_weeks_and_groups_add_up_to_the_total(log: list[HistoryRecord]) -> None:
    r = weekly_review(log, threshold_s=30.0, target=0.8, group_by=ALL_DIMENSIONS)
    total = r.total["escalations"].value
    assert total == len(log)
    assert sum(w["escalations"].value or 0 for w in r.weekly) == total
    assert int(r.heatmap.escalations.sum()) == total
    assert int(r.heatmap.decided.sum()) == r.total["service_level"].n
    for dimension, groups in r.groups.items():
        assert sum(g.total["escalations"].value or 0 for g in groups) == total, dimension
        assert sum(g.total["accepted"].value or 0 for g in groups) == r.total["accepted"].value, dimension
    for measures in (r.total, *r.weekly):
        for name, m in measures.items():
            assert (m.value is None) == (m.missing is not None), name
            if m.value is not None and CATALOGUE[name].unit == "share":
                assert 0.0 <= m.value <= 1.0, name
