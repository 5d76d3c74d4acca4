"""The unit of work: one event of one tenant, applied to the tenant's dispatcher and stored before
anyone is told.

The database is the source of truth. Each process caches one :class:`~routing.dispatcher.Dispatcher`
per tenant together with the tenant's ``version`` (committed events so far). An event:

1. locks the tenant (:meth:`Database.tenant_transaction`);
2. rebuilds the dispatcher from the rows if the stored version differs from the cached one
   (another instance moved on, or this process restarted) -- via the dispatcher's restore API;
3. lets time pass (``advance_to(now)``: offer expiries, relaxation, shift changes), applies the
   event, writes the changed agents and escalations, the audit rows, the events of every decision
   with their webhook deliveries (the outbox, :mod:`routing.service.outbox`) and the new version;
4. commits, and only then returns (so a 201 always means "stored"), after telling ``on_wakeup``
   (the tick loop) the tenant's next wake-up, ``on_deliveries`` (the delivery worker) when
   deliveries were created and ``on_events`` (the event stream's hub,
   :mod:`routing.service.stream`) when events were.

A failed event rolls back and drops the cached dispatcher (it may be ahead of the rows). So does
an event that took agents off the roster (``Transaction.retired``): the next one rebuilds without
them, as any other instance would.
"""

from __future__ import annotations

import logging
import math
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy.orm import Session

from routing.decisions import Assigned, Decision, Deferred, Finished, WrapUpEnded
from routing.dispatcher import Dispatcher
from routing.domain import EscalationState
from routing.schemas import AgentIn, EscalationIn
from routing.service import outbox
from routing.service.clock import Clock
from routing.service.errors import RequestInFlight, UnknownTenant
from routing.service.metrics import Metrics
from routing.service.positions import PositionAnnouncer
from routing.service.settings import PositionSettings
from routing.service.storage import repository as repo
from routing.service.storage.database import AdvisoryLockBusy, Database, TenantNotFound
from routing.service.storage.models import EscalationRow
from routing.settings import RoutingSettings

__all__ = ["Transaction", "UnitOfWork"]

log = logging.getLogger("handoff.service")
T = TypeVar("T")

_IN_FLIGHT = "a request with this Idempotency-Key is in progress; retry later"


@dataclass(slots=True)
class Transaction:
    """One event in progress: the tenant's dispatcher at ``now_s``, and what the event changed,
    collected for storing. Events add the ids they touched beyond what their decisions name."""

    session: Session
    tenant_id: str
    dispatcher: Dispatcher
    now_s: float
    version: int = 0  # the tenant's version this event will commit
    command: str = ""  # the event's name (``apply``'s): the cause position announcements give
    decisions: list[Decision] = field(default_factory=list)
    escalations: set[str] = field(default_factory=set)
    agents: set[str] = field(default_factory=set)
    new_escalations: dict[str, dict[str, Any]] = field(default_factory=dict)  # id -> row to insert
    deliveries: int = 0  # webhook deliveries the event's decisions created
    published: int = 0  # events the event stored itself, beside those of its decisions
    retired: set[str] = field(default_factory=set)  # agents the event removed from the dispatcher
    _details: dict[int, dict[str, Any]] = field(default_factory=dict)

    def detail(self, d: Decision) -> dict[str, Any]:
        """The decision as audit JSON, computed once (explanations are not free)."""
        out = self._details.get(id(d))
        if out is None:
            out = self._details[id(d)] = repo.decision_detail(d)
        return out


@dataclass(slots=True)
class _Cached:
    dispatcher: Dispatcher
    version: int


def stored_spec(row: EscalationRow) -> EscalationIn:
    """The escalation of a stored row, as it was received (without the context)."""
    return EscalationIn.model_validate(row.spec)


class UnitOfWork:
    """Applies events to tenants' dispatchers: one at a time per tenant, each in one database
    transaction, the dispatcher cached between them. ``on_deliveries`` and ``on_events`` are
    called (in the committing thread) after a commit that created webhook deliveries, or events.
    Thread-safe."""

    def __init__(
        self,
        db: Database,
        settings: RoutingSettings,
        clock: Clock,
        metrics: Metrics,
        on_deliveries: Callable[[], None] | None = None,
        on_events: Callable[[], None] | None = None,
        positions: PositionSettings | None = None,
    ) -> None:
        self.db = db
        self.settings = settings
        self.clock = clock
        self.metrics = metrics
        self.on_deliveries = on_deliveries
        self.on_events = on_events
        #: ``escalation.position_changed`` of the queued escalations each event moves
        self.positions = PositionAnnouncer(positions)
        #: told (in the committing thread) each commit's next wake-up of the tenant, when it has one
        self.on_wakeup: Callable[[float], None] | None = None
        self._cache: dict[str, _Cached] = {}
        self._in_flight: set[tuple[str, str]] = set()
        self._in_flight_lock = threading.Lock()

    def apply(
        self, tenant_id: str, name: str, event: Callable[[Transaction], T], advisory_key: str | None = None
    ) -> T:
        """Run ``event`` in a transaction of the tenant after time has passed, store what changed,
        commit, and record metrics under ``name``; return what ``event`` returned.

        Raise :class:`UnknownTenant` if the tenant does not exist, :class:`RequestInFlight` if
        ``advisory_key`` is locked by another transaction, and whatever ``event`` raises (nothing
        is stored then).
        """
        try:
            with self.db.tenant_transaction(tenant_id, advisory_key) as (session, version):
                cached = self._cache.pop(tenant_id, None)  # back in only after a commit
                now_s = self.clock.now_s()
                if cached is None or cached.version != version:
                    cached = _Cached(self.rebuild(session, tenant_id, now_s), version)
                d = cached.dispatcher
                tx = Transaction(session, tenant_id, d, now_s, version + 1, command=name)
                tx.decisions.extend(decision for _, decision in d.advance_to(now_s))
                result = event(tx)
                self._store(tx)
                wake = d.next_wakeup_s()
                repo.bump_version(session, tenant_id, version + 1, wake if wake < 1e300 else None)
        except TenantNotFound:
            raise UnknownTenant(tenant_id) from None
        except AdvisoryLockBusy:
            raise RequestInFlight(_IN_FLIGHT) from None
        cached.version = version + 1
        if not tx.retired:  # a removed agent's row would linger in the cached dispatcher alone
            self._cache[tenant_id] = cached
        self.metrics.record(name, tx.decisions)
        if wake < math.inf and self.on_wakeup is not None:
            self.on_wakeup(wake)
        if tx.deliveries and self.on_deliveries is not None:
            self.on_deliveries()
        if (tx.decisions or tx.published) and self.on_events is not None:  # one per decision (outbox)
            self.on_events()
        return result

    @contextmanager
    def claim(self, tenant_id: str, key: str) -> Iterator[None]:
        """Hold the Idempotency-Key ``key`` of the tenant in this process while the block runs.

        Raise :class:`RequestInFlight` if a request with the same key is running here already.
        """
        flight = (tenant_id, key)
        with self._in_flight_lock:
            if flight in self._in_flight:
                raise RequestInFlight(_IN_FLIGHT)
            self._in_flight.add(flight)
        try:
            yield
        finally:
            with self._in_flight_lock:
                self._in_flight.discard(flight)

    def peek(self, tenant_id: str, read: Callable[[Dispatcher, float], T]) -> T:
        """``read`` the tenant's routing state now, storing nothing and leaving the version alone.

        ``read`` gets a private dispatcher built from the committed rows, after time has passed
        (``advance_to(now)``); what time changed is the background tick's to store. It costs a
        rebuild (rows of the tenant's agents and active escalations), never the tenant's lock.
        """
        with self.db.read() as session:
            now_s = self.clock.now_s()
            d = self.rebuild(session, tenant_id, now_s, quiet=True)
        d.advance_to(now_s)
        return read(d, now_s)

    def rebuild(self, session: Session, tenant_id: str, now_s: float, *, quiet: bool = False) -> Dispatcher:
        """A dispatcher holding exactly the stored state of the tenant (logged unless ``quiet``)."""
        d = Dispatcher(self.settings, keep_finished=False)
        agents = repo.roster(session, tenant_id)
        for row in agents:
            profile = AgentIn.model_validate(repo.stored_profile(row)).to_domain()
            d.restore_agent(profile, repo.agent_snapshot(row), now_s)
        escalations = repo.active_escalations(session, tenant_id)
        for esc in escalations:
            d.restore_escalation(stored_spec(esc).to_domain(), repo.escalation_snapshot(esc))
        for done in repo.wrap_ups(session, tenant_id):  # completed, the agent still wrapping up
            if done.agent_id is not None and done.wrap_up_until_s is not None:
                channel = stored_spec(done).channel
                until_s = done.wrap_up_until_s
                started_s = math.nan if done.wrap_up_s is None else until_s - done.wrap_up_s
                d.restore_wrap_up(done.id, done.agent_id, channel, until_s, started_s)
        if not quiet:
            log.info(
                "rebuilt tenant %s: %d agents, %d active escalations",
                tenant_id,
                len(agents),
                len(escalations),
            )
        return d

    def _store(self, tx: Transaction) -> None:
        """Write what the event changed: one statement per changed row, the audit rows in one.

        Core statements, not ORM units of work: this runs once per request under the tenant
        lock, and the ORM's bookkeeping was most of its cost.
        """
        d, now_s = tx.dispatcher, tx.now_s
        terminal: dict[str, EscalationState] = {}
        wrapped: set[str] = set()  # completed escalations whose wrap-up ended
        for dec in tx.decisions:
            if isinstance(dec, Finished):
                terminal[dec.escalation_id] = dec.state
            elif isinstance(dec, WrapUpEnded):
                wrapped.add(dec.escalation_id)
            elif isinstance(dec, Deferred):
                terminal[dec.escalation_id] = EscalationState.DEFERRED
            esc_id = getattr(dec, "escalation_id", None)
            if esc_id is not None:
                tx.escalations.add(esc_id)
            agent_id = getattr(dec, "agent_id", None)
            if agent_id is not None:
                tx.agents.add(agent_id)
        assigned = {dec.escalation_id: dec for dec in tx.decisions if isinstance(dec, Assigned)}
        sequences, tx.deliveries = outbox.record_decisions(
            tx.session, tx.tenant_id, now_s, tx.decisions, tx.new_escalations
        )
        announced = self.positions.announce(
            tx.session, tx.tenant_id, d, now_s, tx.decisions, tx.escalations, tx.agents, sequences, tx.command
        )
        tx.deliveries += announced.deliveries
        for esc_id in sorted(tx.escalations):
            values: dict[str, Any]
            if esc_id in terminal:
                values = {"state": terminal[esc_id].value, "offer_id": None, "offer_expires_at_s": None}
                if terminal[esc_id] not in (EscalationState.COMPLETED, EscalationState.HANDED_BACK):
                    values["agent_id"] = None
                values["finished_s"] = now_s
            elif esc_id in wrapped:
                values = {}
            else:
                values = repo.escalation_values(d.escalation_snapshot(esc_id))
            if esc_id in wrapped:
                values.update(repo.wrap_up_ended_values(now_s))
            if esc_id in sequences:
                values["event_seq"] = sequences[esc_id]
            values.update(announced.columns.get(esc_id, {}))
            if esc_id in assigned:
                values["assigned_s"] = now_s
                values["handoff_s"] = assigned[esc_id].handoff_s
            new = tx.new_escalations.pop(esc_id, None)
            if new is not None:
                repo.insert_escalation(tx.session, {**new, **values})
            else:
                repo.update_escalation(tx.session, tx.tenant_id, esc_id, values)
        for agent_id in sorted(tx.agents - tx.retired):
            repo.update_agent(tx.session, tx.tenant_id, agent_id, d.agent_snapshot(agent_id), now_s)
        repo.audit_many(tx.session, tx.tenant_id, now_s, [tx.detail(dec) for dec in tx.decisions])
