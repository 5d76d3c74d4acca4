"""Real-time statistics (``GET /v1/stats``), per tenant and per queue, as contact-center routers
give them (TaskRouter's real-time statistics, Amazon Connect's real-time metrics).

Two sources, read in two steps:

1. **Live** (:func:`live`), from the tenant's dispatcher inside an event, after time has passed: the
   agents by status, their profiles (who is eligible for which queue), and per queue what waits,
   for how long and the ETA -- the segments of ``GET /v1/queues``
   (:func:`routing.service.views.queues_view`), reused as they are. Cheap: no query.
2. **Today** (:func:`today`), from storage in a read session (not under the tenant's lock): the
   escalations that arrived since midnight of the tenant's time zone, and the offer events since
   then, each one indexed range query bounded to the day.

A *queue* is a segment: the channel and the sorted names of the required skills. The definitions
of every figure are in :mod:`routing.service.stats_schemas` (the OpenAPI descriptions).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from routing import timestamps
from routing.dispatcher import Dispatcher
from routing.domain import Channel, EscalationState
from routing.service.settings import StatsSettings
from routing.service.stats_schemas import AgentCounts, QueueStats, StatsView, TodayCounts
from routing.service.storage import stats as store
from routing.service.views import queues_view

__all__ = ["Live", "Today", "day_start_s", "live", "stats_view", "today"]

#: A queue: (channel, required skill names sorted), as ``GET /v1/queues`` groups them.
Segment = tuple[str, tuple[str, ...]]


def day_start_s(now_s: float, zone: str) -> float:
    """Epoch seconds of the last midnight at or before ``now_s`` in the IANA time zone ``zone``."""
    tz = ZoneInfo(zone)
    local = datetime.fromtimestamp(now_s, tz)
    return datetime(local.year, local.month, local.day, tzinfo=tz).timestamp()


@dataclass(frozen=True, slots=True)
class _Agent:
    status: str
    channels: frozenset[str]
    skills: frozenset[str]
    wrap_up: bool

    def serves(self, segment: Segment) -> bool:
        return segment[0] in self.channels and self.skills.issuperset(segment[1])


@dataclass(frozen=True, slots=True)
class _Waiting:
    depth: int
    oldest_wait_s: float
    eta_s: float | None


@dataclass(frozen=True, slots=True)
class Live:
    """The dispatcher's state that statistics read, taken at ``now_s``."""

    now_s: float
    agents: tuple[_Agent, ...]
    waiting: Mapping[Segment, _Waiting]


def live(d: Dispatcher, now_s: float) -> Live:
    """Agents (status, channels, skills) and the queues of ``d`` now: no I/O, O(agents + queued)."""
    wrap_ups = getattr(d, "wrap_ups", None)  # after-contact work, where the dispatcher has it
    wrapping = {agent_id for _, agent_id, _ in wrap_ups()} if callable(wrap_ups) else set()
    agents = []
    for agent_id in d.agent_ids():
        profile = d.agent_profile(agent_id)
        channels = frozenset(Channel(c).value for c, cap in profile.channel_caps.items() if cap > 0)
        status = d.agent_status(agent_id).value
        agents.append(_Agent(status, channels, frozenset(profile.skills), agent_id in wrapping))
    waiting = {
        (seg.channel, tuple(seg.required_skills)): _Waiting(seg.depth, seg.oldest_wait_s, seg.eta_s)
        for seg in queues_view(d, now_s).segments
    }
    return Live(now_s, tuple(agents), waiting)


@dataclass(slots=True)
class _Counters:
    arrived: int = 0
    abandoned: int = 0
    cancelled: int = 0
    deferred: int = 0
    within: int = 0
    basis: int = 0
    offers: Counter[str] = field(default_factory=Counter)
    accept_sum_s: float = 0.0
    accept_n: int = 0
    handoff_sum_s: float = 0.0
    handoff_n: int = 0

    def counts(self) -> TodayCounts:
        return TodayCounts(
            escalations_arrived=self.arrived,
            escalations_abandoned=self.abandoned,
            escalations_cancelled=self.cancelled,
            escalations_deferred=self.deferred,
            accepted_within_threshold=self.within,
            service_level_basis=self.basis,
            service_level=round(self.within / self.basis, 4) if self.basis else None,
            offers_made=self.offers["escalation.offered"],
            offers_accepted=self.offers["escalation.assigned"],
            offers_declined=self.offers["offer.declined"],
            offers_expired=self.offers["offer.expired"],
            offers_revoked=self.offers["offer.revoked"],
            avg_accept_s=round(self.accept_sum_s / self.accept_n, 3) if self.accept_n else None,
            avg_handoff_s=round(self.handoff_sum_s / self.handoff_n, 3) if self.handoff_n else None,
        )


@dataclass(slots=True)
class Today:
    """The day's counters: per queue, and for the tenant (``None``)."""

    start_s: float
    per: dict[Segment | None, _Counters] = field(default_factory=dict)

    def of(self, segment: Segment | None) -> _Counters:
        found = self.per.get(segment)
        if found is None:
            found = self.per[segment] = _Counters()
        return found


def today(session: Session, tenant_id: str, now_s: float, start_s: float, threshold_s: float) -> Today:
    """The tenant's counters from ``start_s`` (its midnight) to ``now_s``: two grouped queries."""
    out = Today(start_s)
    tenant = out.of(None)
    for a in store.arrivals(session, tenant_id, start_s, now_s, threshold_s):
        for c in (tenant, out.of((a.channel, a.required_skills))):
            c.arrived += a.arrived
            c.abandoned += a.arrived if a.state == EscalationState.ABANDONED.value else 0
            c.cancelled += a.arrived if a.state == "cancelled" else 0  # resolved by the AI, duplicate, ...
            c.deferred += a.arrived if a.state == EscalationState.DEFERRED.value else 0
            c.within += a.within
            c.basis += a.basis
    for o in store.offers(session, tenant_id, start_s):
        for c in (tenant, out.of((o.channel, o.required_skills))):
            c.offers[o.type] += o.n
            if o.type == "escalation.assigned":
                c.handoff_sum_s += o.handoff_sum_s
                c.handoff_n += o.n
                c.accept_sum_s += o.accept_sum_s
                c.accept_n += o.accept_n
    return out


def _agent_counts(of: Iterable[_Agent]) -> AgentCounts:
    agents = list(of)
    by = Counter(a.status for a in agents)
    return AgentCounts(
        eligible=sum(by.values()),
        available=by["available"],
        busy=by["busy"],
        wrap_up=sum(a.wrap_up for a in agents),
        not_responding=by["not_responding"],
        away=by["away"],
        offline=by["offline"],
    )


def stats_view(now: Live, day: Today, zone: str, settings: StatsSettings) -> StatsView:
    """The response: tenant figures, then every queue waiting now or active today, sorted."""
    segments = sorted(set(now.waiting) | {s for s in day.per if s is not None})
    queues = []
    for segment in segments:
        w = now.waiting.get(segment)
        queues.append(
            QueueStats(
                channel=segment[0],
                required_skills=list(segment[1]),
                waiting=w.depth if w else 0,
                longest_wait_s=w.oldest_wait_s if w else None,
                eta_s=w.eta_s if w else None,
                agents=_agent_counts(a for a in now.agents if a.serves(segment)),
                today=day.of(segment).counts(),
            )
        )
    oldest = [w.oldest_wait_s for w in now.waiting.values()]
    return StatsView(
        as_of=timestamps.utc(now.now_s),
        as_of_s=timestamps.epoch_s(now.now_s),
        time_zone=zone,
        day_started_at=timestamps.utc(day.start_s),
        day_started_at_s=timestamps.epoch_s(day.start_s),
        service_level_threshold_s=settings.service_level_s,
        service_level_goal=settings.service_level_goal,
        agents=_agent_counts(now.agents),
        waiting=sum(w.depth for w in now.waiting.values()),
        longest_wait_s=max(oldest) if oldest else None,
        today=day.of(None).counts(),
        queues=queues,
    )
