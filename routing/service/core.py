"""The service core: every operation of the API, for one tenant at a time.

:class:`RoutingService` is the facade the API routers call. Operations that change routing state
run as one event each in the :mod:`~routing.service.unit_of_work` (tenant lock, cached
dispatcher, stored before it returns); reads of stored rows go straight to the
:mod:`~routing.service.views`. The core raises :mod:`routing.errors` /
:mod:`routing.service.errors`; it knows nothing of HTTP.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from routing import offer_ids, timestamps
from routing.decisions import Assigned, Decision, Deferred, OfferRevoked, Transferred
from routing.dispatcher import Dispatcher
from routing.domain import AgentStatus, EscalationState
from routing.errors import (
    DuplicateEscalation,
    FieldProblem,
    InvalidInput,
    InvalidTransition,
    OfferNotActive,
    UnknownAgent,
    UnknownEscalation,
    UnknownOffer,
)
from routing.schemas import ContextPacket, EscalationIn
from routing.service import events, outbox, stats, views
from routing.service.clock import Clock
from routing.service.errors import AgentDeactivated, DuplicateAgent, IdempotencyKeyReused
from routing.service.metrics import Metrics
from routing.service.schemas import (
    AgentUpsert,
    AgentView,
    AuditPage,
    CallbackIn,
    CallbackRequestedOut,
    CancelIn,
    Cancelled,
    Completed,
    CompletionIn,
    ContextViewed,
    EscalationCreate,
    EscalationCreated,
    EscalationPosition,
    EscalationView,
    HandBackIn,
    HandedBack,
    OfferAccepted,
    OfferDeclined,
    PendingOffer,
    QueuesView,
    StatusIn,
    TransferIn,
    TransferredOut,
    at,
)
from routing.service.settings import (
    CatchUpSettings,
    GroupCommitSettings,
    IdempotencySettings,
    LimitsSettings,
    PositionSettings,
    StatsSettings,
)
from routing.service.stats_schemas import StatsView
from routing.service.storage import command_log
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
        stats: StatsSettings | None = None,
        positions: PositionSettings | None = None,
        limits: LimitsSettings | None = None,
        catch_up: CatchUpSettings | None = None,
        group_commit: GroupCommitSettings | None = None,
    ) -> None:
        self.db = db
        self.settings = settings
        self.clock = clock
        self.metrics = metrics
        self.idempotency = idempotency or IdempotencySettings()
        self.stats_settings = stats or StatsSettings()
        self.limits = limits or LimitsSettings()
        #: jobs the tick loop runs after each round (:meth:`tick_due`), each given the time
        #: (seconds) and returning how many rows it changed: e.g. the retention's redaction
        self.housekeeping: list[Callable[[float], int]] = []
        self.catch_up = catch_up or CatchUpSettings()
        self.work = UnitOfWork(
            db, settings, clock, metrics, on_deliveries, on_events, positions, self.catch_up, group_commit
        )
        self._commands_purged_s = -math.inf
        self._housekept_s = -math.inf

    # ============================================================================ escalations
    def create_escalation(
        self, tenant_id: str, body: EscalationCreate, idempotency_key: str
    ) -> tuple[int, str, bool]:
        """Route a new escalation. Returns (status, response body as JSON text, replayed).

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
    ) -> tuple[int, str, bool]:
        s = tx.session
        expired_s = tx.now_s - self.idempotency.ttl_s
        record, duplicate = repo.create_lookup(s, tx.tenant_id, key, body.id, expired_s)
        if record is not None:
            if record[0] != fingerprint:
                raise IdempotencyKeyReused(f"Idempotency-Key {key!r} was already used with a different body")
            return record[1], record[2], True
        if duplicate:
            raise DuplicateEscalation(f"escalation {body.id!r} already exists")
        body = self._created_now_at_latest(body, tx.now_s)
        spec = body.to_domain()
        stored = body.routing_spec()
        customer = body.customer_ref
        if body.customer_id is not None:
            customer = repo.customer_ref(repo.customer_salt(s, tx.tenant_id), body.customer_id)
        started = body.conversation_started_at
        tx.new_escalations[body.id] = {
            "tenant_id": tx.tenant_id,
            "id": body.id,
            "seq": tx.version,  # versions only grow: arrival order
            "spec": stored,
            "context": body.context.model_dump(mode="json"),
            "created_s": spec.created_s,
            "arrived_s": tx.now_s,
            "conversation_started_s": None if started is None else started.timestamp(),
            "customer_ref": customer,
            "segment": body.segment,
        }
        tx.decisions.extend(tx.run("arrive", spec=stored))
        tx.escalations.add(body.id)
        received = {"channel": spec.channel.value, "trigger": spec.trigger.value, "idempotency_key": key}
        tx.audit("escalation_received", received, escalation_id=body.id)
        first = views.first_routing(tx.decisions, body.id)
        assert first is not None, "the dispatcher always answers an arrival with offer, queue or deferral"
        state = EscalationState.DEFERRED if isinstance(first, Deferred) else tx.dispatcher.state_of(body.id)
        explanation = tx.detail(first).get("explanation")
        response = EscalationCreated(
            escalation_id=body.id, state=state, decision=views.decision_out(first, explanation)
        )
        payload = response.model_dump_json()  # encoded once: stored for replays, and answered
        repo.store_idempotency(s, tx.tenant_id, key, fingerprint, 201, payload, tx.now_s)
        return 201, payload, False

    def _created_now_at_latest(self, body: EscalationCreate, now_s: float) -> EscalationCreate:
        """``body`` with its ``created_at`` checked against the server clock: a time up to
        ``limits.created_at_future_s`` ahead is taken as now (a sender's fast clock must not
        give a negative handoff or wait time); further ahead, or more than
        ``limits.created_at_past_s`` behind, raises :class:`InvalidInput` (stating the server's
        time, never the value sent)."""
        created_s = body.created_at.timestamp()
        ahead_s, behind_s = self.limits.created_at_future_s, self.limits.created_at_past_s
        if created_s > now_s + ahead_s or created_s < now_s - behind_s:
            when = "ahead of" if created_s > now_s else "behind"
            bound = ahead_s if created_s > now_s else behind_s
            problem = (
                f"{when} the server clock ({timestamps.iso(now_s)}) by more than {bound:g} s "
                "(HANDOFF_LIMITS__CREATED_AT_FUTURE_S / __CREATED_AT_PAST_S)"
            )
            raise InvalidInput([FieldProblem("body.created_at", problem)])
        if created_s > now_s:
            # cut to the millisecond, never rounded up past now; the conversation began by then too
            created = timestamps.to_ms(datetime.fromtimestamp(now_s, UTC))
            started = body.conversation_started_at
            update: dict[str, Any] = {"created_at": created}
            if started is not None and started > created:
                update["conversation_started_at"] = created
            return body.model_copy(update=update)
        return body

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
            # stored before the decision, so the escalation.completed event carries the feedback
            row.outcome = outcome.model_dump(mode="json", exclude={"wrap_up_s"})
            tx.session.flush()
            tx.decisions.extend(tx.run("complete", escalation=escalation_id, wrap_up_s=outcome.wrap_up_s))
            tx.escalations.add(escalation_id)
            until_s = next((end for e, _, end in tx.dispatcher.wrap_ups() if e == escalation_id), None)
            if until_s is not None:
                row.wrap_up_s, row.wrap_up_until_s = until_s - tx.now_s, until_s
            if agent_id:
                tx.agents.add(agent_id)
                self._retire_if_done(tx, agent_id)
            repo.audit(
                tx.session,
                tx.tenant_id,
                tx.now_s,
                "outcome",
                outcome.model_dump(mode="json", include=_AUDITED_OUTCOME),
                escalation_id=escalation_id,
                agent_id=agent_id,
            )
            return Completed(
                escalation_id=escalation_id,
                state=EscalationState.COMPLETED,
                outcome=outcome,
                wrap_up_s=0.0 if until_s is None else until_s - tx.now_s,
                wrap_up_until=at(until_s),
            )

        return self.work.apply(tenant_id, "work_completed", event)

    def context_viewed(self, tenant_id: str, escalation_id: str) -> ContextViewed:
        """The agent desktop shows the agent the context packet of an escalation it accepted (the
        accept alone is not a view). The first report records when and publishes
        ``escalation.context_viewed``; a repeated one answers the first view (``first_view``
        false) and publishes nothing. A report may come late, after completion or hand-back.

        Raise :class:`UnknownEscalation` if the tenant has no such escalation,
        :class:`InvalidTransition` unless an agent accepted it and still holds it (assigned,
        completed or handed back by that agent).
        """

        def event(tx: Transaction) -> ContextViewed:
            row = repo.escalation(tx.session, tx.tenant_id, escalation_id)
            if row is None:
                raise UnknownEscalation(escalation_id)
            if row.state not in _HELD or row.agent_id is None or row.assigned_s is None:
                raise InvalidTransition(
                    f"escalation {escalation_id!r} is {row.state}: only an escalation an agent accepted "
                    "has its context viewed"
                )
            first = row.context_viewed_s is None
            if first:
                row.context_viewed_s = tx.now_s
                row.event_seq += 1
                tx.session.flush()  # the events of this event's decisions (if any) read event_seq
                viewed = events.context_viewed(
                    tx.tenant_id, tx.now_s, escalation_id, row.event_seq, row.agent_id, row.assigned_s
                )
                tx.deliveries += outbox.append(tx.session, tx.tenant_id, tx.now_s, [viewed])
                tx.published += 1
                detail = {"after_accept_s": round(tx.now_s - row.assigned_s, 3)}
                repo.audit(
                    tx.session,
                    tx.tenant_id,
                    tx.now_s,
                    "context_viewed",
                    detail,
                    escalation_id=escalation_id,
                    agent_id=row.agent_id,
                )
            viewed_s = row.context_viewed_s
            assert viewed_s is not None
            return ContextViewed(
                escalation_id=escalation_id,
                agent_id=row.agent_id,
                viewed_at=timestamps.utc(viewed_s),
                viewed_at_s=timestamps.epoch_s(viewed_s),
                after_accept_s=round(max(viewed_s - row.assigned_s, 0.0), 3),
                first_view=first,
            )

        return self.work.apply(tenant_id, "context_viewed", event)

    # ============================================================================ lifecycle
    def _live_row(self, tx: Transaction, escalation_id: str) -> EscalationRow:
        """The tenant's escalation. Raise UnknownEscalation, or InvalidTransition if it finished."""
        row = repo.escalation(tx.session, tx.tenant_id, escalation_id)
        if row is None:
            raise UnknownEscalation(escalation_id)
        if row.state not in repo.ACTIVE_STATES:
            raise InvalidTransition(f"escalation {escalation_id!r} already {row.state}")
        return row

    def cancel(self, tenant_id: str, escalation_id: str, body: CancelIn) -> Cancelled:
        """Withdraw a waiting escalation (customer left: abandoned; else cancelled); a pending
        offer is revoked and the agent's slot re-routed in the same transaction. Raise
        :class:`UnknownEscalation` if the tenant has no such escalation,
        :class:`InvalidTransition` if it is assigned or finished."""

        def event(tx: Transaction) -> Cancelled:
            row = self._live_row(tx, escalation_id)
            if row.state == EscalationState.ASSIGNED.value:
                raise InvalidTransition(
                    f"escalation {escalation_id!r} is assigned to {row.agent_id!r}: the agent hands it "
                    "back or completes it"
                )
            offer = offer_ids.to_api(row.offer_id)
            decisions = tx.run("cancel", escalation=escalation_id, reason=body.reason.value)
            tx.decisions.extend(decisions)
            row.outcome = {"cancelled": {"reason": body.reason.value, "note": body.note}}
            detail = {"reason": body.reason.value, "note": body.note, "offer_withdrawn": offer}
            repo.audit(tx.session, tx.tenant_id, tx.now_s, "cancelled", detail, escalation_id=escalation_id)
            return Cancelled(
                escalation_id=escalation_id,
                state=body.reason.state,
                reason=body.reason,
                note=body.note,
                offer_withdrawn=offer,
            )

        return self.work.apply(tenant_id, "escalation_cancelled", event)

    def hand_back(self, tenant_id: str, escalation_id: str, body: HandBackIn) -> HandedBack:
        """The agent returns an accepted conversation to the AI assistant; the slot is re-routed.
        Raise :class:`UnknownEscalation` if the tenant has no such escalation,
        :class:`InvalidTransition` unless it is assigned."""

        def event(tx: Transaction) -> HandedBack:
            row = self._live_row(tx, escalation_id)
            if row.state != EscalationState.ASSIGNED.value:
                raise InvalidTransition(f"escalation {escalation_id!r} is {row.state}, not assigned")
            agent_id = row.agent_id
            tx.decisions.extend(tx.run("hand_back", escalation=escalation_id, outcome=body.outcome))
            if agent_id:
                tx.agents.add(agent_id)
                self._retire_if_done(tx, agent_id)
            row.outcome = {"handed_back": {"outcome": body.outcome, "note": body.note}}
            detail = {"outcome": body.outcome, "note": body.note}
            repo.audit(
                tx.session,
                tx.tenant_id,
                tx.now_s,
                "handed_back",
                detail,
                escalation_id=escalation_id,
                agent_id=agent_id,
            )
            return HandedBack(
                escalation_id=escalation_id,
                state=EscalationState.HANDED_BACK,
                outcome=body.outcome,
                note=body.note,
            )

        return self.work.apply(tenant_id, "escalation_handed_back", event)

    def transfer(self, tenant_id: str, escalation_id: str, body: TransferIn) -> TransferredOut:
        """Route an assigned escalation again with new requirements, its creation time, context and
        history kept, never back to its agent; to requirements nobody has it is deferred. Raise
        :class:`UnknownEscalation` if the tenant has no such escalation,
        :class:`InvalidTransition` unless it is assigned."""

        def event(tx: Transaction) -> TransferredOut:
            row = self._live_row(tx, escalation_id)
            if row.state != EscalationState.ASSIGNED.value:
                raise InvalidTransition(f"escalation {escalation_id!r} is {row.state}, not assigned")
            changes = body.model_dump(exclude={"reason"}, exclude_none=True)
            spec = EscalationIn.model_validate({**row.spec, **changes})
            agent_id = row.agent_id
            stored = spec.model_dump(mode="json", exclude={"context"})
            decisions = tx.run("transfer", spec=stored, reason=body.reason)
            tx.decisions.extend(decisions)
            row.spec = stored
            if agent_id:
                tx.agents.add(agent_id)
            detail = {"reason": body.reason, "changes": changes, "from_agent_id": agent_id}
            repo.audit(
                tx.session,
                tx.tenant_id,
                tx.now_s,
                "transferred",
                detail,
                escalation_id=escalation_id,
                agent_id=agent_id,
            )
            first = views.first_routing(decisions, escalation_id)
            assert first is not None, "a transfer is always answered with offer, queue or deferral"
            state = (
                EscalationState.DEFERRED
                if isinstance(first, Deferred)
                else tx.dispatcher.state_of(escalation_id)
            )
            moved = next(d for d in decisions if isinstance(d, Transferred))
            return TransferredOut(
                escalation_id=escalation_id,
                state=state,
                transfers=moved.transfers,
                decision=views.decision_out(first, tx.detail(first).get("explanation")),
            )

        return self.work.apply(tenant_id, "escalation_transferred", event)

    def request_callback(self, tenant_id: str, escalation_id: str, body: CallbackIn) -> CallbackRequestedOut:
        """The waiting customer will be called back: the escalation keeps its place; its offers
        say callback. Raise :class:`UnknownEscalation` if the tenant has no such escalation,
        :class:`InvalidTransition` unless it is waiting on a channel that allows callbacks."""

        def event(tx: Transaction) -> CallbackRequestedOut:
            row = self._live_row(tx, escalation_id)
            tx.decisions.extend(tx.run("callback", escalation=escalation_id))
            row.callback = {**body.model_dump(mode="json"), "requested_at_s": tx.now_s}
            repo.audit(
                tx.session,
                tx.tenant_id,
                tx.now_s,
                "callback_requested",
                {"notes": body.notes},
                escalation_id=escalation_id,
            )
            return CallbackRequestedOut(escalation_id=escalation_id, state=EscalationState(row.state))

        return self.work.apply(tenant_id, "callback_requested", event)

    def end_wrap_up(self, tenant_id: str, agent_id: str) -> AgentView:
        """The agent ends its wrap-up early: its slots free and are re-routed (nothing happens if it
        is in none). Raise :class:`UnknownAgent` if the tenant has no such agent."""

        def event(tx: Transaction) -> AgentView:
            row = repo.agent(tx.session, tx.tenant_id, agent_id)
            if row is None or not _on_roster(tx.dispatcher, agent_id):
                raise UnknownAgent(agent_id)
            decisions = tx.run("end_wrap_up", agent=agent_id)
            tx.decisions.extend(decisions)
            tx.agents.add(agent_id)
            if decisions:
                self._retire_if_done(tx, agent_id)
            return views.agent_view(tx.session, tx.tenant_id, row, tx.dispatcher)

        return self.work.apply(tenant_id, "wrap_up_ended", event)

    # ============================================================================ offers
    def _offer_row(self, tx: Transaction, offer_id: str) -> EscalationRow:
        """The escalation an offer id belongs to (this tenant only). Raises UnknownOffer/OfferNotActive."""
        core_id = offer_ids.from_api(offer_id)
        esc_id = offer_ids.escalation_id_of(core_id)
        row = repo.escalation(tx.session, tx.tenant_id, esc_id) if esc_id else None
        if row is None:
            raise UnknownOffer(offer_id)
        if row.offer_id != core_id:
            if row.state in (EscalationState.CANCELLED.value, EscalationState.ABANDONED.value):
                why = (row.outcome or {}).get("cancelled", {}).get("reason", "cancelled")
                raise OfferNotActive(
                    f"offer {offer_id!r} is no longer active: escalation {esc_id!r} was cancelled ({why})"
                )
            raise OfferNotActive(f"offer {offer_id!r} is no longer active")
        return row

    def accept_offer(self, tenant_id: str, offer_id: str) -> OfferAccepted:
        """The agent takes the escalation; returns the full context packet.

        Raise :class:`UnknownOffer` if the tenant never made the offer, :class:`OfferNotActive` if
        it is no longer pending.
        """

        def event(tx: Transaction) -> OfferAccepted:
            row = self._offer_row(tx, offer_id)
            decisions = tx.run("accept", offer=offer_ids.from_api(offer_id))
            tx.decisions.extend(decisions)
            assigned = next(d for d in decisions if isinstance(d, Assigned))
            return OfferAccepted(
                offer_id=offer_id,
                escalation_id=row.id,
                agent_id=assigned.agent_id,
                handoff_s=assigned.handoff_s,
                escalation=views.escalation_as_received(row.spec),
                context=ContextPacket.model_validate(row.context),
                callback=row.callback,
            )

        return self.work.apply(tenant_id, "offer_accepted", event)

    def decline_offer(self, tenant_id: str, offer_id: str) -> OfferDeclined:
        """The agent says no; the escalation goes to someone else (never back to them).

        Raise :class:`UnknownOffer` if the tenant never made the offer, :class:`OfferNotActive` if
        it is no longer pending.
        """

        def event(tx: Transaction) -> OfferDeclined:
            row = self._offer_row(tx, offer_id)
            decisions = tx.run("decline", offer=offer_ids.from_api(offer_id))
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
    def upsert_agent(
        self,
        tenant_id: str,
        body: AgentUpsert,
        *,
        create_only: bool,
        precondition: Callable[[AgentRow | None], None] | None = None,
    ) -> tuple[AgentView, bool]:
        """Create an agent, or replace its profile (status and load stay). Returns (view, created).

        A deactivated agent is reactivated (``created`` is True): with ``body.status``, after the
        active agents (or where it was, if it still holds accepted work). Raises
        :class:`DuplicateAgent` when ``create_only`` and the id exists and is active.
        ``precondition`` is called with the stored row (None: no such agent) under the tenant's
        lock, before anything changes: what it raises aborts the update (``If-Match``).
        """

        def event(tx: Transaction) -> tuple[AgentView, bool]:
            s, d = tx.session, tx.dispatcher
            row = repo.agent(s, tx.tenant_id, body.id)
            if precondition is not None:
                precondition(row)
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
            tx.decisions.extend(tx.run("agent", profile=profile, status=body.status.value))
            if kept:  # add_agent keeps a known agent's status
                tx.decisions.extend(tx.run("status", agent=body.id, status=body.status.value))
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
            tx.decisions.extend(tx.run("status", agent=agent_id, status=body.status.value))
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
            s = tx.session
            row = repo.agent(s, tx.tenant_id, agent_id)
            if row is None:
                raise UnknownAgent(agent_id)
            if row.deactivated_s is not None:
                return False
            kept = repo.assigned_count(s, tx.tenant_id, agent_id)
            if kept:  # offline until its accepted work is done: offered nothing, offers withdrawn
                decisions = [
                    _as_removal(dec, agent_id)
                    for dec in tx.run("status", agent=agent_id, status=AgentStatus.OFFLINE.value)
                ]
            else:
                decisions = tx.run("remove", agent=agent_id)
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
        tx.decisions.extend(tx.run("remove", agent=agent_id))
        tx.retired.add(agent_id)
        detail = {"reason": "deactivated, and its last accepted escalation is completed"}
        repo.audit(tx.session, tx.tenant_id, tx.now_s, "agent_removed", detail, agent_id=agent_id)

    # ============================================================================ time, queues
    def tick(self, tenant_id: str) -> int:
        """Let time pass for one tenant (expiries, relaxation, shifts); returns decisions made."""
        return self.work.apply(tenant_id, "tick", lambda tx: len(tx.decisions), changes_only=True)

    def tick_due(self) -> int:
        """Tick every tenant that has something due now, then purge expired idempotency records
        (:meth:`purge_expired`) and run the :attr:`housekeeping` jobs -- every round while they
        find work, else once every :attr:`HOUSEKEEPING_EVERY_S`; returns decisions made."""
        with self.db.read() as s:
            due = repo.tenants_due(s, self.clock.now_s())
        decisions = sum(self.tick(tenant_id) for tenant_id in due)
        now_s = self.clock.now_s()
        if now_s - self._housekept_s >= self.HOUSEKEEPING_EVERY_S:
            changed = self.purge_expired() + sum(job(now_s) for job in self.housekeeping)
            # a round that found work leaves the next one due at once: a backlog drains at the
            # rounds' pace, a batch per round
            self._housekept_s = now_s if changed == 0 else -math.inf
            self.purge_commands()
        return decisions

    #: how often (seconds) :meth:`tick_due` looks for housekeeping when the last look found none:
    #: under load the tick loop wakes at every offer's expiry, and each look's reads took CPU
    #: from the requests
    HOUSEKEEPING_EVERY_S = 1.0

    #: how often (seconds) :meth:`tick_due` purges the command log
    COMMAND_PURGE_EVERY_S = 60.0

    def purge_commands(self, *, force: bool = False) -> int:
        """Delete the commands more than ``catch_up.max_commands`` versions behind their tenant
        (nobody replays those: an instance that far behind rebuilds), at most once every
        :attr:`COMMAND_PURGE_EVERY_S` unless ``force``; returns how many were deleted."""
        now_s = self.clock.now_s()
        if not force and now_s - self._commands_purged_s < self.COMMAND_PURGE_EVERY_S:
            return 0
        self._commands_purged_s = now_s
        with self.db.write() as s:
            return command_log.purge(s, self.catch_up.max_commands)

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
            tenant_id, "queues_read", lambda tx: views.queues_view(tx.dispatcher, tx.now_s), changes_only=True
        )

    def stats(self, tenant_id: str) -> StatsView:
        """Real-time statistics of the tenant and per queue (:mod:`routing.service.stats`): the live
        part after time passes (as :meth:`queues`), then today's counters from a read session."""
        now = self.work.apply(
            tenant_id, "stats_read", lambda tx: stats.live(tx.dispatcher, tx.now_s), changes_only=True
        )
        zone = self.stats_settings.zone_of(tenant_id)
        start_s = stats.day_start_s(now.now_s, zone)
        with self.db.read() as s:
            day = stats.today(s, tenant_id, now.now_s, start_s, self.stats_settings.service_level_s)
        return stats.stats_view(now, day, zone, self.stats_settings)

    def audit(self, tenant_id: str, escalation_id: str | None, after_seq: int, limit: int) -> AuditPage:
        """A page of the tenant's audit trail (of one escalation, or all), oldest first."""
        with self.db.read() as s:
            return views.audit_page(s, tenant_id, escalation_id, after_seq, limit)

    def queue_depths(self) -> dict[str, int]:
        """Waiting escalations per tenant, from storage (for /metrics)."""
        with self.db.read() as s:
            return views.queue_depths(s)


#: the states of an escalation an agent accepted and holds (or held to its end)
_HELD = (EscalationState.ASSIGNED.value, EscalationState.COMPLETED.value, EscalationState.HANDED_BACK.value)
#: the completion feedback the audit trail keeps (the notes stay on the escalation only)
_AUDITED_OUTCOME = {
    "resolved",
    "ai_failure_reason",
    "return_to_ai_allowed",
    "csat",
    "first_contact_resolved",
    "ai_could_have_handled",
}
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
