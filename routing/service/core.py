"""The service core: every operation of the API, for one tenant at a time.

:class:`RoutingService` is the facade the API routers call. Operations that change routing state
run as one event each in the :mod:`~routing.service.unit_of_work` (tenant lock, cached
dispatcher, stored before it returns); reads of stored rows go straight to the
:mod:`~routing.service.views`. The core raises :mod:`routing.errors` /
:mod:`routing.service.errors`; it knows nothing of HTTP.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

from routing import offer_ids
from routing.decisions import Assigned, Decision, Deferred, OfferRevoked
from routing.dispatcher import Dispatcher
from routing.domain import AgentStatus, EscalationState
from routing.errors import (
    DuplicateEscalation,
    InvalidTransition,
    OfferNotActive,
    UnknownAgent,
    UnknownEscalation,
    UnknownOffer,
)
from routing.schemas import ContextPacket
from routing.service import views
from routing.service.clock import Clock
from routing.service.errors import AgentDeactivated, DuplicateAgent, IdempotencyKeyReused
from routing.service.metrics import Metrics
from routing.service.schemas import (
    AgentUpsert,
    AgentView,
    AuditPage,
    Completed,
    CompletionIn,
    EscalationCreate,
    EscalationCreated,
    EscalationPosition,
    EscalationView,
    OfferAccepted,
    OfferDeclined,
    PendingOffer,
    QueuesView,
    StatusIn,
)
from routing.service.settings import IdempotencySettings
from routing.service.storage import repository as repo
from routing.service.storage.database import Database
from routing.service.storage.models import AgentRow, EscalationRow
from routing.service.unit_of_work import Transaction, UnitOfWork
from routing.settings import RoutingSettings

__all__ = ["RoutingService"]


class RoutingService:
    """Every operation of the API, for one tenant at a time. Thread-safe.

    Operations run as events (everything but the plain reads of stored rows) raise
    :class:`~routing.service.errors.UnknownTenant` for a tenant that does not exist; what else an
    operation raises is named in its docstring.
    """

    def __init__(
        self,
        db: Database,
        settings: RoutingSettings,
        clock: Clock,
        metrics: Metrics,
        on_deliveries: Callable[[], None] | None = None,
        on_events: Callable[[], None] | None = None,
        idempotency: IdempotencySettings | None = None,
    ) -> None:
        self.db = db
        self.settings = settings
        self.clock = clock
        self.metrics = metrics
        self.idempotency = idempotency or IdempotencySettings()
        self.work = UnitOfWork(db, settings, clock, metrics, on_deliveries, on_events)

    # ============================================================================ escalations
    def create_escalation(
        self, tenant_id: str, body: EscalationCreate, idempotency_key: str
    ) -> tuple[int, dict[str, Any], bool]:
        """Route a new escalation. Returns (status, response body, replayed).

        Idempotency (IETF draft): a key seen before with the same body replays the stored response;
        with another body raises :class:`IdempotencyKeyReused`; while the first request with the
        key is still running, :class:`RequestInFlight`. Keys are scoped per tenant and expire
        ``idempotency.ttl_s`` after their first request: a key used again after that starts a new
        request. Raises :class:`DuplicateEscalation` for an id already stored under another key
        (or under an expired one).
        """
        fingerprint = hashlib.sha256(body.model_dump_json().encode()).hexdigest()
        with self.work.claim(tenant_id, idempotency_key):
            return self.work.apply(
                tenant_id,
                "escalation_created",
                lambda tx: self._create(tx, body, idempotency_key, fingerprint),
                advisory_key=f"idempotency:{len(tenant_id)}:{tenant_id}:{idempotency_key}",
            )

    def _create(
        self, tx: Transaction, body: EscalationCreate, key: str, fingerprint: str
    ) -> tuple[int, dict[str, Any], bool]:
        s = tx.session
        record = repo.idempotency_record(s, tx.tenant_id, key, tx.now_s - self.idempotency.ttl_s)
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
        first = views.first_routing(tx.decisions, body.id)
        assert first is not None, "the dispatcher always answers an arrival with offer, queue or deferral"
        state = EscalationState.DEFERRED if isinstance(first, Deferred) else tx.dispatcher.state_of(body.id)
        explanation = tx.detail(first).get("explanation")
        response = EscalationCreated(
            escalation_id=body.id, state=state, decision=views.decision_out(first, explanation)
        )
        payload = response.model_dump(mode="json")
        repo.store_idempotency(s, tx.tenant_id, key, fingerprint, 201, payload, tx.now_s)
        return 201, payload, False

    def complete(self, tenant_id: str, escalation_id: str, outcome: CompletionIn) -> Completed:
        """The agent finished. Raise :class:`UnknownEscalation` if the tenant has no such
        escalation, :class:`InvalidTransition` unless it is assigned."""

        def event(tx: Transaction) -> Completed:
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
                self._retire_if_done(tx, agent_id)
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

        return self.work.apply(tenant_id, "work_completed", event)

    # ============================================================================ offers
    def _offer_row(self, tx: Transaction, offer_id: str) -> EscalationRow:
        """The escalation an offer id belongs to (this tenant only). Raises UnknownOffer/OfferNotActive."""
        core_id = offer_ids.from_api(offer_id)
        esc_id = offer_ids.escalation_id_of(core_id)
        row = repo.escalation(tx.session, tx.tenant_id, esc_id) if esc_id else None
        if row is None:
            raise UnknownOffer(offer_id)
        if row.offer_id != core_id:
            raise OfferNotActive(f"offer {offer_id!r} is no longer active")
        return row

    def accept_offer(self, tenant_id: str, offer_id: str) -> OfferAccepted:
        """The agent takes the escalation; returns the full context packet.

        Raise :class:`UnknownOffer` if the tenant never made the offer, :class:`OfferNotActive` if
        it is no longer pending.
        """

        def event(tx: Transaction) -> OfferAccepted:
            row = self._offer_row(tx, offer_id)
            decisions = tx.dispatcher.offer_accepted(offer_ids.from_api(offer_id), tx.now_s)
            tx.decisions.extend(decisions)
            assigned = next(d for d in decisions if isinstance(d, Assigned))
            return OfferAccepted(
                offer_id=offer_id,
                escalation_id=row.id,
                agent_id=assigned.agent_id,
                handoff_s=assigned.handoff_s,
                escalation=views.escalation_as_received(row.spec),
                context=ContextPacket.model_validate(row.context),
            )

        return self.work.apply(tenant_id, "offer_accepted", event)

    def decline_offer(self, tenant_id: str, offer_id: str) -> OfferDeclined:
        """The agent says no; the escalation goes to someone else (never back to them).

        Raise :class:`UnknownOffer` if the tenant never made the offer, :class:`OfferNotActive` if
        it is no longer pending.
        """

        def event(tx: Transaction) -> OfferDeclined:
            row = self._offer_row(tx, offer_id)
            decisions = tx.dispatcher.offer_declined(offer_ids.from_api(offer_id), tx.now_s)
            tx.decisions.extend(decisions)
            following = views.first_routing(decisions, row.id)
            if following is not None and isinstance(following, Deferred):
                state = EscalationState.DEFERRED
            else:
                state = tx.dispatcher.state_of(row.id)
            return OfferDeclined(
                offer_id=offer_id,
                escalation_id=row.id,
                state=state,
                next_decision=views.decision_out(following) if following else None,
            )

        return self.work.apply(tenant_id, "offer_declined", event)

    # ============================================================================ agents
    def upsert_agent(self, tenant_id: str, body: AgentUpsert, *, create_only: bool) -> tuple[AgentView, bool]:
        """Create an agent, or replace its profile (status and load stay). Returns (view, created).

        A deactivated agent is reactivated (``created`` is True): with ``body.status``, after the
        active agents (or where it was, if it still holds accepted work). Raises
        :class:`DuplicateAgent` when ``create_only`` and the id exists and is active.
        """

        def event(tx: Transaction) -> tuple[AgentView, bool]:
            s, d = tx.session, tx.dispatcher
            row = repo.agent(s, tx.tenant_id, body.id)
            profile = body.model_dump(mode="json", exclude={"status"})
            inactive = row is not None and row.deactivated_s is not None
            if row is not None and create_only and not inactive:
                raise DuplicateAgent(f"agent {body.id!r} already exists")
            created = row is None or inactive
            kept = inactive and _on_roster(d, body.id)  # deactivated, still finishing accepted work
            if row is not None and inactive and not kept:  # comes back as a new agent would
                s.delete(row)
                s.flush()
                row = None
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
                row.deactivated_s = None
                s.flush()
            tx.decisions.extend(d.add_agent(body.to_domain(), tx.now_s, body.status))
            if kept:  # add_agent keeps a known agent's status
                tx.decisions.extend(d.set_agent_status(body.id, body.status, tx.now_s))
            tx.agents.add(body.id)
            if inactive:
                repo.audit(s, tx.tenant_id, tx.now_s, "agent_reactivated", {}, agent_id=body.id)
            repo.audit(s, tx.tenant_id, tx.now_s, "agent_saved", profile, agent_id=body.id)
            return views.agent_view(s, tx.tenant_id, row, d), created

        return self.work.apply(tenant_id, "agent_saved", event)

    def set_agent_status(self, tenant_id: str, agent_id: str, body: StatusIn) -> AgentView:
        """Presence change; returns the agent as it is now. Raise :class:`UnknownAgent` if the
        tenant has no such agent, :class:`AgentDeactivated` if it is deactivated."""

        def event(tx: Transaction) -> AgentView:
            row = repo.agent(tx.session, tx.tenant_id, agent_id)
            if row is None:
                raise UnknownAgent(agent_id)
            if row.deactivated_s is not None:
                raise AgentDeactivated(
                    f"agent {agent_id!r} is deactivated; add it again (POST or PUT /v1/agents) "
                    "to reactivate it"
                )
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
            return views.agent_view(tx.session, tx.tenant_id, row, tx.dispatcher)

        return self.work.apply(tenant_id, "agent_status_set", event)

    def deactivate_agent(self, tenant_id: str, agent_id: str, *, by: str) -> bool:
        """Deactivate the agent; ``by`` (who asks) goes to the audit trail. Its pending offers are
        withdrawn and re-routed (``offer.revoked``, reason ``agent removed``), escalations it has
        accepted stay its own until completed, nothing new is offered to it, and it leaves the
        roster once it holds no work. Returns False if it was deactivated already (nothing
        changes then). Raise :class:`UnknownAgent` if the tenant has no such agent."""

        def event(tx: Transaction) -> bool:
            s, d = tx.session, tx.dispatcher
            row = repo.agent(s, tx.tenant_id, agent_id)
            if row is None:
                raise UnknownAgent(agent_id)
            if row.deactivated_s is not None:
                return False
            kept = repo.assigned_count(s, tx.tenant_id, agent_id)
            if kept:  # offline until its accepted work is done: offered nothing, offers withdrawn
                decisions = [
                    _as_removal(dec, agent_id)
                    for dec in d.set_agent_status(agent_id, AgentStatus.OFFLINE, tx.now_s)
                ]
            else:
                decisions = d.remove_agent(agent_id, tx.now_s)
                tx.retired.add(agent_id)
            tx.decisions.extend(decisions)
            tx.agents.add(agent_id)
            row.status = AgentStatus.OFFLINE.value
            row.deactivated_s = row.updated_s = tx.now_s
            s.flush()
            withdrawn = [
                offer_ids.to_api(dec.offer_id)
                for dec in decisions
                if isinstance(dec, OfferRevoked) and dec.agent_id == agent_id
            ]
            detail = {"by": by, "offers_withdrawn": withdrawn, "assigned_kept": kept}
            repo.audit(s, tx.tenant_id, tx.now_s, "agent_deactivated", detail, agent_id=agent_id)
            return True

        return self.work.apply(tenant_id, "agent_deactivated", event)

    def _retire_if_done(self, tx: Transaction, agent_id: str) -> None:
        """Take a deactivated agent off the dispatcher once it holds no more work."""
        row = repo.agent(tx.session, tx.tenant_id, agent_id)
        if row is None or row.deactivated_s is None or any(tx.dispatcher.agent_load(agent_id).values()):
            return
        tx.decisions.extend(tx.dispatcher.remove_agent(agent_id, tx.now_s))
        tx.retired.add(agent_id)
        detail = {"reason": "deactivated, and its last accepted escalation is completed"}
        repo.audit(tx.session, tx.tenant_id, tx.now_s, "agent_removed", detail, agent_id=agent_id)

    # ============================================================================ time, queues
    def tick(self, tenant_id: str) -> int:
        """Let time pass for one tenant (expiries, relaxation, shifts); returns decisions made."""
        return self.work.apply(tenant_id, "tick", lambda tx: len(tx.decisions))

    def tick_due(self) -> int:
        """Tick every tenant that has something due now, then purge expired idempotency records
        (:meth:`purge_expired`); returns decisions made."""
        with self.db.read() as s:
            due = repo.tenants_due(s, self.clock.now_s())
        decisions = sum(self.tick(tenant_id) for tenant_id in due)
        self.purge_expired()
        return decisions

    def purge_expired(self) -> int:
        """Delete up to ``idempotency.purge_batch`` idempotency records (of every tenant) older
        than ``idempotency.ttl_s``, oldest first; returns how many. Writes nothing, after one
        cheap read, when none has expired."""
        limit = self.idempotency.purge_batch
        if limit == 0:
            return 0
        cutoff_s = self.clock.now_s() - self.idempotency.ttl_s
        with self.db.read() as s:
            oldest_s = repo.oldest_idempotency_s(s)
        if oldest_s is None or oldest_s > cutoff_s:
            return 0
        with self.db.write() as s:
            return repo.purge_idempotency(s, cutoff_s, limit)

    def next_wakeup_s(self) -> float | None:
        """When some tenant next has something due (its dispatcher's ``next_wakeup_s``, as
        stored); ``None`` when none has."""
        with self.db.read() as s:
            return repo.earliest_wakeup_s(s)

    # ============================================================================ reads
    def escalation(self, tenant_id: str, escalation_id: str) -> EscalationView:
        """The stored escalation with its context and history. Raise :class:`UnknownEscalation`
        if the tenant has none with this id."""
        with self.db.read() as s:
            return views.escalation_view(s, tenant_id, escalation_id)

    def agent(self, tenant_id: str, agent_id: str) -> AgentView:
        """The stored agent. Raise :class:`UnknownAgent` if the tenant has none with this id."""
        with self.db.read() as s:
            row = repo.agent(s, tenant_id, agent_id)
            if row is None:
                raise UnknownAgent(agent_id)
            return views.agent_view(s, tenant_id, row, None)

    def agents(self, tenant_id: str, *, include_inactive: bool = False) -> list[AgentView]:
        """The tenant's active agents (every stored one with ``include_inactive``), in the order
        they were created."""
        with self.db.read() as s:
            return [
                views.agent_view(s, tenant_id, row, None)
                for row in repo.agents(s, tenant_id)
                if include_inactive or row.deactivated_s is None
            ]

    def agent_offers(self, tenant_id: str, agent_id: str) -> list[PendingOffer]:
        """The agent's offers awaiting an answer now (committed rows). Raise
        :class:`UnknownAgent` if the tenant has no such agent."""
        with self.db.read() as s:
            return views.pending_offers(s, tenant_id, agent_id, self.clock.now_s())

    def position(self, tenant_id: str, escalation_id: str) -> EscalationPosition:
        """Where the escalation stands now: position, ETA and reason if queued (recomputed on each
        call, after time has passed), else its state. Stores nothing: the tenant's version stays.
        Raise :class:`UnknownEscalation` if the tenant has no such escalation."""
        stored = self._stored_state(tenant_id, escalation_id)
        if stored is EscalationState.QUEUED:
            try:
                return self.work.peek(
                    tenant_id, lambda d, now_s: views.escalation_position(d, escalation_id, now_s)
                )
            except UnknownEscalation:  # finished between the two reads: say so from the rows
                stored = self._stored_state(tenant_id, escalation_id)
        return EscalationPosition(
            escalation_id=escalation_id, state=stored, position=None, eta_s=None, reason=None
        )

    def _stored_state(self, tenant_id: str, escalation_id: str) -> EscalationState:
        with self.db.read() as s:
            row = repo.escalation(s, tenant_id, escalation_id)
            if row is None:
                raise UnknownEscalation(escalation_id)
            return EscalationState(row.state)

    def queues(self, tenant_id: str) -> QueuesView:
        """Depth, oldest wait and ETA per segment (channel + required skills), after time passes."""
        return self.work.apply(
            tenant_id, "queues_read", lambda tx: views.queues_view(tx.dispatcher, tx.now_s)
        )

    def audit(self, tenant_id: str, escalation_id: str | None, after_seq: int, limit: int) -> AuditPage:
        """A page of the tenant's audit trail (of one escalation, or all), oldest first."""
        with self.db.read() as s:
            return views.audit_page(s, tenant_id, escalation_id, after_seq, limit)

    def queue_depths(self) -> dict[str, int]:
        """Waiting escalations per tenant, from storage (for /metrics)."""
        with self.db.read() as s:
            return views.queue_depths(s)


_REMOVED = "agent removed"  # the reason the dispatcher gives in remove_agent


def _as_removal(d: Decision, agent_id: str) -> Decision:
    """An offer of ``agent_id`` withdrawn because the agent went offline, as withdrawn because it
    was deactivated (what :meth:`Dispatcher.remove_agent` says); any other decision as it is."""
    if isinstance(d, OfferRevoked) and d.agent_id == agent_id:
        return OfferRevoked(d.offer_id, d.escalation_id, d.agent_id, _REMOVED)
    return d


def _on_roster(d: Dispatcher, agent_id: str) -> bool:
    try:
        d.agent_status(agent_id)
    except UnknownAgent:
        return False
    return True
