"""The service core: applies one event at a time per tenant to that tenant's dispatcher, and
persists the result before anyone is told.

The database is the source of truth. Each process caches one :class:`~routing.dispatcher.Dispatcher`
per tenant together with the tenant's ``version`` (committed events so far). An event:

1. locks the tenant (:meth:`Database.tenant_transaction`);
2. rebuilds the dispatcher from the rows if the stored version differs from the cached one
   (another instance moved on, or this process restarted) -- via the dispatcher's restore API;
3. lets time pass (``advance_to(now)``: offer expiries, relaxation, shift changes), applies the
   event, writes the changed agents and escalations, the audit rows and the new version;
4. commits, and only then returns (so a 201 always means "stored").

A failed event rolls back and drops the cached dispatcher (it may be ahead of the rows). The
core raises :mod:`routing.errors` / :mod:`routing.service.errors`; it knows nothing of HTTP.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from routing.decisions import Assigned, Decision, Deferred, Finished, Offer, Queued
from routing.dispatcher import Dispatcher
from routing.domain import EscalationState
from routing.errors import (
    DuplicateEscalation,
    InvalidTransition,
    OfferNotActive,
    UnknownAgent,
    UnknownEscalation,
    UnknownOffer,
)
from routing.schemas import AgentIn, ContextPacket, EscalationIn
from routing.service.clock import Clock
from routing.service.errors import (
    DuplicateAgent,
    IdempotencyKeyReused,
    RequestInFlight,
    UnknownTenant,
)
from routing.service.metrics import Metrics
from routing.service.schemas import (
    AgentUpsert,
    AgentView,
    AuditEntry,
    AuditPage,
    Completed,
    CompletionIn,
    DecisionOut,
    EscalationCreate,
    EscalationCreated,
    EscalationView,
    HistoryEntry,
    OfferAccepted,
    OfferDeclined,
    QueueSegment,
    QueuesView,
    StatusIn,
    at,
)
from routing.service.storage import repository as repo
from routing.service.storage.database import AdvisoryLockBusy, Database, TenantNotFound
from routing.service.storage.models import AgentRow, EscalationRow
from routing.settings import RoutingSettings

log = logging.getLogger("handoff.service")
T = TypeVar("T")


def api_offer_id(offer_id: str | None) -> str | None:
    """Offer ids in URLs: the dispatcher's ``esc#n`` becomes ``esc~n`` ('~' is never in an id)."""
    return None if offer_id is None else offer_id.replace("#", "~")


def core_offer_id(offer_id: str) -> str:
    return offer_id.replace("~", "#")


@dataclass(slots=True)
class _Cached:
    dispatcher: Dispatcher
    version: int


@dataclass(slots=True)
class _Tx:
    """One event in progress: what it changed, collected for persisting."""

    session: Session
    tenant_id: str
    dispatcher: Dispatcher
    now_s: float
    version: int = 0  # the tenant's version this event will commit
    decisions: list[Decision] = field(default_factory=list)
    escalations: set[str] = field(default_factory=set)
    agents: set[str] = field(default_factory=set)
    new_escalations: dict[str, dict[str, Any]] = field(default_factory=dict)  # id -> row to insert
    _details: dict[int, dict[str, Any]] = field(default_factory=dict)

    def detail(self, d: Decision) -> dict[str, Any]:
        """The decision as audit JSON, computed once (explanations are not free)."""
        out = self._details.get(id(d))
        if out is None:
            out = self._details[id(d)] = repo.decision_detail(d)
        return out


def decision_out(d: Decision, explained: dict[str, Any] | None = None) -> DecisionOut:
    """The first decision about a new (or re-routed) escalation, for API responses.

    ``explained``: the explanation as a dict when already computed.
    """
    explanation = getattr(d, "explanation", None)
    expl = explained if explained is not None else explanation.as_dict() if explanation is not None else None
    if isinstance(d, Offer):
        return DecisionOut(
            outcome="offered",
            offer_id=api_offer_id(d.offer_id),
            agent_id=d.agent_id,
            expires_at=at(d.expires_at_s),
            explanation=expl,
        )
    if isinstance(d, Queued):
        return DecisionOut(
            outcome="queued", position=d.position, eta_s=d.eta_s, reason=d.reason, explanation=expl
        )
    if isinstance(d, Deferred):
        return DecisionOut(
            outcome="deferred",
            mode=d.mode,
            next_open_at=at(d.next_open_at_s),
            reason=d.reason,
            explanation=expl,
        )
    raise TypeError(f"not a routing decision: {d.kind}")


def _first_routing(decisions: list[Decision], escalation_id: str) -> Decision | None:
    for d in decisions:
        if isinstance(d, Offer | Queued | Deferred) and d.escalation_id == escalation_id:
            return d
    return None


def _spec_of(row: EscalationRow) -> EscalationIn:
    return EscalationIn.model_validate(row.spec)


class RoutingService:
    """Every operation of the API, for one tenant at a time. Thread-safe."""

    def __init__(self, db: Database, settings: RoutingSettings, clock: Clock, metrics: Metrics) -> None:
        self.db = db
        self.settings = settings
        self.clock = clock
        self.metrics = metrics
        self._cache: dict[str, _Cached] = {}
        self._in_flight: set[tuple[str, str]] = set()
        self._in_flight_lock = threading.Lock()

    # ============================================================================ the event loop
    def _apply(
        self, tenant_id: str, name: str, event: Callable[[_Tx], T], advisory_key: str | None = None
    ) -> T:
        try:
            with self.db.tenant_transaction(tenant_id, advisory_key) as (session, version):
                cached = self._cache.pop(tenant_id, None)  # back in only after a commit
                now_s = self.clock.now_s()
                if cached is None or cached.version != version:
                    cached = _Cached(self._rebuild(session, tenant_id, now_s), version)
                d = cached.dispatcher
                tx = _Tx(session, tenant_id, d, now_s, version + 1)
                tx.decisions.extend(decision for _, decision in d.advance_to(now_s))
                result = event(tx)
                self._persist(tx)
                wake = d.next_wakeup_s()
                repo.bump_version(session, tenant_id, version + 1, wake if wake < 1e300 else None)
        except TenantNotFound:
            raise UnknownTenant(tenant_id) from None
        except AdvisoryLockBusy:
            raise RequestInFlight("a request with this Idempotency-Key is in progress; retry later") from None
        cached.version = version + 1
        self._cache[tenant_id] = cached
        self.metrics.record(name, tx.decisions)
        return result

    def _rebuild(self, session: Session, tenant_id: str, now_s: float) -> Dispatcher:
        """A dispatcher holding exactly the stored state of the tenant."""
        d = Dispatcher(self.settings, keep_finished=False)
        agents = repo.agents(session, tenant_id)
        for row in agents:
            d.restore_agent(AgentIn.model_validate(row.profile).to_domain(), repo.agent_snapshot(row), now_s)
        escalations = repo.active_escalations(session, tenant_id)
        for esc in escalations:
            d.restore_escalation(_spec_of(esc).to_domain(), repo.escalation_snapshot(esc))
        log.info(
            "rebuilt tenant %s: %d agents, %d active escalations", tenant_id, len(agents), len(escalations)
        )
        return d

    def _persist(self, tx: _Tx) -> None:
        """Write what the event changed: one statement per changed row, the audit rows in one.

        Core statements, not ORM units of work: this runs once per request under the tenant
        lock, and the ORM's bookkeeping was most of its cost.
        """
        d, now_s = tx.dispatcher, tx.now_s
        terminal: dict[str, EscalationState] = {}
        for dec in tx.decisions:
            if isinstance(dec, Finished):
                terminal[dec.escalation_id] = dec.state
            elif isinstance(dec, Deferred):
                terminal[dec.escalation_id] = EscalationState.DEFERRED
            esc_id = getattr(dec, "escalation_id", None)
            if esc_id is not None:
                tx.escalations.add(esc_id)
            agent_id = getattr(dec, "agent_id", None)
            if agent_id is not None:
                tx.agents.add(agent_id)
        assigned = {dec.escalation_id: dec for dec in tx.decisions if isinstance(dec, Assigned)}
        for esc_id in sorted(tx.escalations):
            values: dict[str, Any]
            if esc_id in terminal:
                values = {"state": terminal[esc_id].value, "offer_id": None, "offer_expires_at_s": None}
                if terminal[esc_id] is not EscalationState.COMPLETED:
                    values["agent_id"] = None
                values["finished_s"] = now_s
            else:
                values = repo.escalation_values(d.escalation_snapshot(esc_id))
            if esc_id in assigned:
                values["assigned_s"] = now_s
                values["handoff_s"] = assigned[esc_id].handoff_s
            new = tx.new_escalations.pop(esc_id, None)
            if new is not None:
                repo.insert_escalation(tx.session, {**new, **values})
            else:
                repo.update_escalation(tx.session, tx.tenant_id, esc_id, values)
        for agent_id in sorted(tx.agents):
            repo.update_agent(tx.session, tx.tenant_id, agent_id, d.agent_snapshot(agent_id), now_s)
        repo.audit_many(tx.session, tx.tenant_id, now_s, [tx.detail(dec) for dec in tx.decisions])

    # ============================================================================ escalations
    @contextmanager
    def _claim(self, tenant_id: str, key: str) -> Iterator[None]:
        flight = (tenant_id, key)
        with self._in_flight_lock:
            if flight in self._in_flight:
                raise RequestInFlight("a request with this Idempotency-Key is in progress; retry later")
            self._in_flight.add(flight)
        try:
            yield
        finally:
            with self._in_flight_lock:
                self._in_flight.discard(flight)

    def create_escalation(
        self, tenant_id: str, body: EscalationCreate, idempotency_key: str
    ) -> tuple[int, dict[str, Any], bool]:
        """Route a new escalation. Returns (status, response body, replayed).

        Idempotency (IETF draft): a key seen before with the same body replays the stored response;
        with another body raises :class:`IdempotencyKeyReused`; while the first request with the
        key is still running, :class:`RequestInFlight`. Keys are scoped per tenant. Raises
        :class:`DuplicateEscalation` for an id already stored under another key.
        """
        fingerprint = hashlib.sha256(body.model_dump_json().encode()).hexdigest()
        with self._claim(tenant_id, idempotency_key):
            return self._apply(
                tenant_id,
                "escalation_created",
                lambda tx: self._create(tx, body, idempotency_key, fingerprint),
                advisory_key=f"idempotency:{len(tenant_id)}:{tenant_id}:{idempotency_key}",
            )

    def _create(
        self, tx: _Tx, body: EscalationCreate, key: str, fingerprint: str
    ) -> tuple[int, dict[str, Any], bool]:
        s = tx.session
        record = repo.idempotency_record(s, tx.tenant_id, key)
        if record is not None:
            if record[0] != fingerprint:
                raise IdempotencyKeyReused(f"Idempotency-Key {key!r} was already used with a different body")
            return record[1], record[2], True
        if repo.escalation_exists(s, tx.tenant_id, body.id):
            raise DuplicateEscalation(f"escalation {body.id!r} already exists")
        spec = body.to_domain()
        tx.new_escalations[body.id] = {
            "tenant_id": tx.tenant_id,
            "id": body.id,
            "seq": tx.version,  # versions only grow: arrival order
            "spec": body.model_dump(mode="json", exclude={"context"}),
            "context": body.context.model_dump(mode="json"),
            "created_s": spec.created_s,
            "arrived_s": tx.now_s,
        }
        tx.decisions.extend(tx.dispatcher.escalation_arrived(spec, tx.now_s))
        tx.escalations.add(body.id)
        received = {"channel": spec.channel.value, "trigger": spec.trigger.value, "idempotency_key": key}
        repo.audit(s, tx.tenant_id, tx.now_s, "escalation_received", received, escalation_id=body.id)
        first = _first_routing(tx.decisions, body.id)
        assert first is not None, "the dispatcher always answers an arrival with offer, queue or deferral"
        state = EscalationState.DEFERRED if isinstance(first, Deferred) else tx.dispatcher.state_of(body.id)
        explanation = tx.detail(first).get("explanation")
        response = EscalationCreated(
            escalation_id=body.id, state=state, decision=decision_out(first, explanation)
        )
        payload = response.model_dump(mode="json")
        repo.store_idempotency(s, tx.tenant_id, key, fingerprint, 201, payload, tx.now_s)
        return 201, payload, False

    def escalation(self, tenant_id: str, escalation_id: str) -> EscalationView:
        with self.db.read() as s:
            row = repo.escalation(s, tenant_id, escalation_id)
            if row is None:
                raise UnknownEscalation(escalation_id)
            events = repo.audit_trail(s, tenant_id, escalation_id, after_seq=0, limit=10_000)
            return EscalationView(
                id=row.id,
                state=EscalationState(row.state),
                created_at=at(row.created_s),
                agent_id=row.agent_id,
                offer_id=api_offer_id(row.offer_id),
                offer_expires_at=at(row.offer_expires_at_s),
                relaxation_level=row.level,
                offers_made=row.attempts,
                handoff_s=row.handoff_s,
                outcome=row.outcome,
                escalation=row.spec,
                context=ContextPacket.model_validate(row.context),
                history=[
                    HistoryEntry(
                        seq=e.seq,
                        at=at(e.at_s),
                        kind=e.kind,
                        agent_id=e.agent_id,
                        offer_id=api_offer_id(e.offer_id),
                        detail=e.detail,
                    )
                    for e in events
                ],
            )

    def complete(self, tenant_id: str, escalation_id: str, outcome: CompletionIn) -> Completed:
        """The agent finished. Raises UnknownEscalation, or InvalidTransition unless assigned."""

        def event(tx: _Tx) -> Completed:
            row = repo.escalation(tx.session, tx.tenant_id, escalation_id)
            if row is None:
                raise UnknownEscalation(escalation_id)
            if row.state != EscalationState.ASSIGNED.value:
                raise InvalidTransition(f"escalation {escalation_id!r} is {row.state}, not assigned")
            agent_id = row.agent_id
            tx.decisions.extend(tx.dispatcher.work_completed(escalation_id, tx.now_s))
            tx.escalations.add(escalation_id)
            if agent_id:
                tx.agents.add(agent_id)
            row.outcome = outcome.model_dump(mode="json")
            repo.audit(
                tx.session,
                tx.tenant_id,
                tx.now_s,
                "outcome",
                {
                    "resolved": outcome.resolved,
                    "ai_failure_reason": outcome.ai_failure_reason,
                    "return_to_ai_allowed": outcome.return_to_ai_allowed,
                },
                escalation_id=escalation_id,
                agent_id=agent_id,
            )
            return Completed(escalation_id=escalation_id, state=EscalationState.COMPLETED, outcome=outcome)

        return self._apply(tenant_id, "work_completed", event)

    # ============================================================================ offers
    def _offer_row(self, tx: _Tx, offer_id: str) -> EscalationRow:
        """The escalation an offer id belongs to (this tenant only). Raises UnknownOffer/OfferNotActive."""
        esc_id = core_offer_id(offer_id).rpartition("#")[0]
        row = repo.escalation(tx.session, tx.tenant_id, esc_id) if esc_id else None
        if row is None:
            raise UnknownOffer(offer_id)
        if row.offer_id != core_offer_id(offer_id):
            raise OfferNotActive(f"offer {offer_id!r} is no longer active")
        return row

    def accept_offer(self, tenant_id: str, offer_id: str) -> OfferAccepted:
        """The agent takes the escalation; returns the full context packet."""

        def event(tx: _Tx) -> OfferAccepted:
            row = self._offer_row(tx, offer_id)
            decisions = tx.dispatcher.offer_accepted(core_offer_id(offer_id), tx.now_s)
            tx.decisions.extend(decisions)
            assigned = next(d for d in decisions if isinstance(d, Assigned))
            return OfferAccepted(
                offer_id=offer_id,
                escalation_id=row.id,
                agent_id=assigned.agent_id,
                handoff_s=assigned.handoff_s,
                escalation=row.spec,
                context=ContextPacket.model_validate(row.context),
            )

        return self._apply(tenant_id, "offer_accepted", event)

    def decline_offer(self, tenant_id: str, offer_id: str) -> OfferDeclined:
        """The agent says no; the escalation goes to someone else (never back to them)."""

        def event(tx: _Tx) -> OfferDeclined:
            row = self._offer_row(tx, offer_id)
            decisions = tx.dispatcher.offer_declined(core_offer_id(offer_id), tx.now_s)
            tx.decisions.extend(decisions)
            following = _first_routing(decisions, row.id)
            if following is not None and isinstance(following, Deferred):
                state = EscalationState.DEFERRED
            else:
                state = tx.dispatcher.state_of(row.id)
            return OfferDeclined(
                offer_id=offer_id,
                escalation_id=row.id,
                state=state,
                next_decision=decision_out(following) if following else None,
            )

        return self._apply(tenant_id, "offer_declined", event)

    # ============================================================================ agents
    def upsert_agent(self, tenant_id: str, body: AgentUpsert, *, create_only: bool) -> tuple[AgentView, bool]:
        """Create an agent, or replace its profile (status and load stay). Returns (view, created).

        Raises :class:`DuplicateAgent` when ``create_only`` and the id exists.
        """

        def event(tx: _Tx) -> tuple[AgentView, bool]:
            s = tx.session
            row = repo.agent(s, tx.tenant_id, body.id)
            profile = body.model_dump(mode="json", exclude={"status"})
            if row is not None and create_only:
                raise DuplicateAgent(f"agent {body.id!r} already exists")
            created = row is None
            if row is None:
                row = AgentRow(
                    tenant_id=tx.tenant_id,
                    id=body.id,
                    seq=repo.next_agent_seq(s, tx.tenant_id),
                    profile=profile,
                    status=body.status.value,
                    missed_offers=0,
                    idle_since_s=tx.now_s,
                    done_ewma=0.0,
                    done_at_s=0.0,
                    updated_s=tx.now_s,
                )
                s.add(row)
                s.flush()
            else:
                row.profile = profile
            tx.decisions.extend(tx.dispatcher.add_agent(body.to_domain(), tx.now_s, body.status))
            tx.agents.add(body.id)
            repo.audit(s, tx.tenant_id, tx.now_s, "agent_saved", profile, agent_id=body.id)
            return self._agent_view(s, tx.tenant_id, row, tx.dispatcher), created

        return self._apply(tenant_id, "agent_saved", event)

    def set_agent_status(self, tenant_id: str, agent_id: str, body: StatusIn) -> AgentView:
        def event(tx: _Tx) -> AgentView:
            row = repo.agent(tx.session, tx.tenant_id, agent_id)
            if row is None:
                raise UnknownAgent(agent_id)
            tx.decisions.extend(tx.dispatcher.set_agent_status(agent_id, body.status, tx.now_s))
            tx.agents.add(agent_id)
            repo.audit(
                tx.session,
                tx.tenant_id,
                tx.now_s,
                "agent_status_set",
                {"status": body.status.value},
                agent_id=agent_id,
            )
            return self._agent_view(tx.session, tx.tenant_id, row, tx.dispatcher)

        return self._apply(tenant_id, "agent_status_set", event)

    def agent(self, tenant_id: str, agent_id: str) -> AgentView:
        with self.db.read() as s:
            row = repo.agent(s, tenant_id, agent_id)
            if row is None:
                raise UnknownAgent(agent_id)
            return self._agent_view(s, tenant_id, row, None)

    def agents(self, tenant_id: str) -> list[AgentView]:
        with self.db.read() as s:
            return [self._agent_view(s, tenant_id, row, None) for row in repo.agents(s, tenant_id)]

    def _agent_view(self, s: Session, tenant_id: str, row: AgentRow, d: Dispatcher | None) -> AgentView:
        if d is not None:
            snap = d.agent_snapshot(row.id)
            return AgentView(
                id=row.id,
                profile=row.profile,
                status=snap.status,
                load=d.agent_load(row.id),
                missed_offers=snap.missed_offers,
            )
        load: dict[str, int] = defaultdict(int)
        held = s.execute(
            select(EscalationRow.spec).where(
                EscalationRow.tenant_id == tenant_id,
                EscalationRow.agent_id == row.id,
                EscalationRow.state.in_((EscalationState.OFFERED.value, EscalationState.ASSIGNED.value)),
            )
        )
        for (spec,) in held:
            load[str(spec["channel"])] += 1
        return AgentView(
            id=row.id,
            profile=row.profile,
            status=row.status,
            load=dict(load),
            missed_offers=row.missed_offers,
        )

    # ============================================================================ time, queues
    def tick(self, tenant_id: str) -> int:
        """Let time pass for one tenant (expiries, relaxation, shifts); returns decisions made."""
        return self._apply(tenant_id, "tick", lambda tx: len(tx.decisions))

    def tick_due(self) -> int:
        """Tick every tenant that has something due now; returns decisions made."""
        with self.db.read() as s:
            due = repo.tenants_due(s, self.clock.now_s())
        return sum(self.tick(tenant_id) for tenant_id in due)

    def queues(self, tenant_id: str) -> QueuesView:
        """Depth, oldest wait and ETA per segment (channel + required skills), after time passes."""

        def event(tx: _Tx) -> QueuesView:
            d = tx.dispatcher
            segments: dict[tuple[str, tuple[str, ...]], list[str]] = {}
            for esc_id in d.waiting_ids():
                spec = d.escalation(esc_id)
                segments.setdefault((spec.channel.value, tuple(sorted(spec.required_skills))), []).append(
                    esc_id
                )
            out = []
            for (channel, skills), ids in sorted(segments.items()):
                oldest_s = max(tx.now_s - d.escalation(i).created_s for i in ids)
                _, eta_s = d.queue_estimate(ids[-1], tx.now_s)
                out.append(
                    QueueSegment(
                        channel=channel,
                        required_skills=list(skills),
                        depth=len(ids),
                        oldest_wait_s=round(oldest_s, 3),
                        eta_s=None if eta_s is None else round(eta_s, 3),
                    )
                )
            depth = sum(seg.depth for seg in out)
            oldest_all = max((seg.oldest_wait_s for seg in out), default=None)
            return QueuesView(depth=depth, oldest_wait_s=oldest_all, segments=out)

        return self._apply(tenant_id, "queues_read", event)

    def audit(self, tenant_id: str, escalation_id: str | None, after_seq: int, limit: int) -> AuditPage:
        with self.db.read() as s:
            events = repo.audit_trail(s, tenant_id, escalation_id, after_seq, limit)
            entries = [
                AuditEntry(
                    seq=e.seq,
                    at=at(e.at_s),
                    kind=e.kind,
                    escalation_id=e.escalation_id,
                    agent_id=e.agent_id,
                    offer_id=api_offer_id(e.offer_id),
                    detail=e.detail,
                )
                for e in events
            ]
        return AuditPage(events=entries, next_after_seq=entries[-1].seq if len(entries) == limit else None)

    def queue_depths(self) -> dict[str, int]:
        """Waiting escalations per tenant, from storage (for /metrics)."""
        with self.db.read() as s:
            rows = s.execute(
                select(EscalationRow.tenant_id, func.count())
                .where(EscalationRow.state == EscalationState.QUEUED.value)
                .group_by(EscalationRow.tenant_id)
            )
            return {tenant: int(n) for tenant, n in rows}


__all__ = ["RoutingService", "api_offer_id", "core_offer_id", "decision_out"]
