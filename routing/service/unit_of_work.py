"""The unit of work: one event of one tenant, applied to the tenant's dispatcher and stored before
anyone is told.

The database is the source of truth. Each process caches one :class:`~routing.dispatcher.Dispatcher`
per tenant together with the tenant's ``version`` (committed events so far). An event:

1. locks the tenant (:meth:`Database.tenant_transaction`);
2. catches the cached dispatcher up if the stored version is ahead of it (another instance
   committed events): it applies the tenant's commands it has not seen, in order
   (:mod:`routing.service.commands`), and rebuilds from the rows only when it is more than
   ``catch_up.max_commands`` behind, has no dispatcher (this process just started) or a command
   does not reproduce its digest;
3. lets time pass (``advance_to(now)``, catching up at now after an outage or a stall: see
   :meth:`Dispatcher.advance_to`), applies the event through :meth:`Transaction.run`, writes the
   changed agents and escalations, the audit rows, the events of every decision with their
   webhook deliveries (the outbox, :mod:`routing.service.outbox`), the command and the new version;
4. commits, and only then returns (so a 201 always means "stored"), after telling ``on_wakeup``
   (the tick loop) the tenant's next wake-up, ``on_deliveries`` (the delivery worker) when
   deliveries were created and ``on_events`` (the event stream's hub,
   :mod:`routing.service.stream`) when events were.

A read (``changes_only``: queues, statistics, the tick) commits only what time decided; when
nothing was due, it writes nothing and leaves the version alone.

**Group commit.** Events of one tenant wait for its lock in a line; the thread whose event heads
the line leads: it takes up to ``group_commit.max_events`` of them and applies them in order in
one transaction, each exactly as it would be alone (its own ``now``, version, command and rows),
then commits once, finishes them all and hands the lead to the next event waiting. Under load
this pays the lock, the catch-up check, the tenant version and the commit (an fsync on SQLite)
once per group instead of once per event, and wakes the tick loop, the delivery worker and the
event stream once per group; an event that finds the line empty commits alone, as before.
Nobody is answered before the group's commit, and a failed commit fails every event of the
group (none of them is stored).

A refused event (a :class:`~routing.errors.RoutingError`: unknown offer, stale offer, reused
key, ...) stores nothing of its own. It has changed nothing either (events validate before they
mutate the dispatcher), so the cached dispatcher stays. Among others, each event runs in a
savepoint: a refused one's writes are rolled back, and what time decided before it (the tick
loop was about to store it) is stored as a tick would. Alone, it rolls its transaction back, and
when time had decided something, drops the cached dispatcher (it is ahead of the rows). Any
other failure -- or an event that took agents off the roster (``Transaction.retired``: the next
one rebuilds without them, as any other instance would) -- ends the group there: what came
before it commits, the dispatcher is dropped, and the events after it wait for the next group.
"""

from __future__ import annotations

import logging
import math
import threading
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, TypeVar, cast

from sqlalchemy.orm import Session

from routing.decisions import Assigned, Decision, Deferred, Finished, WrapUpEnded
from routing.dispatcher import Dispatcher
from routing.domain import EscalationState
from routing.errors import RoutingError
from routing.schemas import AgentIn, EscalationIn
from routing.service import commands, outbox
from routing.service.clock import Clock
from routing.service.errors import RequestInFlight, UnknownTenant
from routing.service.metrics import Metrics
from routing.service.positions import PositionAnnouncer
from routing.service.settings import CatchUpSettings, GroupCommitSettings, PositionSettings
from routing.service.storage import command_log, learned_means
from routing.service.storage import repository as repo
from routing.service.storage.database import Database, TenantNotFound
from routing.service.storage.models import EscalationRow
from routing.service.storage.raw import Savepoint
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
    calls: list[commands.Call] = field(default_factory=list)  # the command: what the event did
    made: list[Decision] = field(default_factory=list)  # as the dispatcher made them (the digest's)
    audits: list[dict[str, Any]] = field(default_factory=list)  # rows stored before the decisions'
    _details: dict[int, dict[str, Any]] = field(default_factory=dict)

    def run(self, operation: str, **args: Any) -> list[Decision]:
        """Change the dispatcher: one call of :data:`routing.service.commands.OPERATIONS`, recorded
        in the event's command; returns its decisions (the event adds them to ``decisions``,
        reworded if it must). Raises what the dispatcher's event raises."""
        made = commands.run(self.dispatcher, self.now_s, operation, args)
        self.calls.append((operation, args))
        self.made.extend(made)
        return made

    def audit(self, kind: str, detail: dict[str, Any], *, escalation_id: str | None = None) -> None:
        """Audit ``kind`` now, stored with the decisions' audit rows (one statement), before them."""
        self.audits.append(repo.audit_row(self.tenant_id, self.now_s, kind, detail, escalation_id))

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


@dataclass(slots=True, eq=False)
class _Job:
    """One call of :meth:`UnitOfWork.apply` in its tenant's line: ``ready`` is set when it is
    done (``result`` or ``error``) or when its thread is to lead the line."""

    name: str
    event: Callable[[Transaction], Any]
    advisory_key: str | None
    changes_only: bool
    ready: threading.Event = field(default_factory=threading.Event)
    done: bool = False
    result: Any = None
    error: BaseException | None = None

    def finish(self, result: Any, error: BaseException | None) -> None:
        self.result, self.error, self.done = result, error, True
        self.ready.set()


@dataclass(slots=True, eq=False)
class _Line:
    """A tenant's jobs waiting for its lock, oldest first; ``leading``: a thread commits them."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    jobs: deque[_Job] = field(default_factory=deque)
    leading: bool = False


class _AloneFailed(Exception):
    """A job alone in its group failed: its transaction is rolled back. ``clean``: the
    dispatcher is still as committed (the job was refused before changing it, and time decided
    nothing)."""

    def __init__(self, error: Exception, clean: bool) -> None:
        super().__init__(error)
        self.error, self.clean = error, clean


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
        catch_up: CatchUpSettings | None = None,
        group_commit: GroupCommitSettings | None = None,
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
        self.catch_up = catch_up or CatchUpSettings()
        self.group_commit = group_commit or GroupCommitSettings()
        #: rebuilds from the rows, and commands of other instances applied instead, since start
        self.rebuilds = 0
        self.replayed = 0
        self._cache: dict[str, _Cached] = {}
        self._in_flight: set[tuple[str, str]] = set()
        self._in_flight_lock = threading.Lock()
        self._lines: dict[str, _Line] = {}
        self._lines_guard = threading.Lock()

    def apply(
        self,
        tenant_id: str,
        name: str,
        event: Callable[[Transaction], T],
        advisory_key: str | None = None,
        *,
        changes_only: bool = False,
    ) -> T:
        """Run ``event`` in a transaction of the tenant after time has passed, store what changed,
        commit, and record metrics under ``name``; return what ``event`` returned. With
        ``changes_only`` (a read, a tick) nothing is written unless time made decisions.

        Events of one tenant queued behind its lock are committed as a group (see the module
        docstring): each is applied as it would be alone, and none returns before the group's
        commit.

        Raise :class:`UnknownTenant` if the tenant does not exist, :class:`RequestInFlight` if
        ``advisory_key`` is locked by another transaction, and whatever ``event`` raises (nothing
        of it is stored then), or what the group's commit raised.
        """
        job = _Job(name, event, advisory_key, changes_only)
        line = self._line(tenant_id)
        with line.lock:
            line.jobs.append(job)
            leads = not line.leading
            line.leading = True
        if not leads:
            job.ready.wait()  # done, or handed the lead: its job heads the line
        if not job.done:
            self._lead(tenant_id, line, job)
        if job.error is not None:
            raise job.error
        return cast(T, job.result)

    def _line(self, tenant_id: str) -> _Line:
        with self._lines_guard:
            line = self._lines.get(tenant_id)
            if line is None:
                line = self._lines[tenant_id] = _Line()
            return line

    def _lead(self, tenant_id: str, line: _Line, own: _Job) -> None:
        """Commit groups of the line's jobs, oldest first, until ``own`` (at the head of the line)
        is done; then hand the lead to the next job waiting, or leave the line unled."""
        try:
            while not own.done:
                with line.lock:
                    size = min(self.group_commit.max_events, len(line.jobs))
                    group = [line.jobs.popleft() for _ in range(size)]
                again = self._commit_group(tenant_id, group)
                with line.lock:
                    line.jobs.extendleft(reversed(again))
        finally:
            with line.lock:
                if line.jobs:
                    line.jobs[0].ready.set()
                else:
                    line.leading = False

    def _commit_group(self, tenant_id: str, group: list[_Job]) -> list[_Job]:
        """Apply ``group``'s jobs in order in one transaction of the tenant and commit; finish
        each (result or error) once the commit is over. Returns the jobs to queue again, not
        run: those after one that left the dispatcher ahead of what this transaction stores
        (it failed after changing the dispatcher, or removed agents), which is dropped then."""
        done: list[tuple[_Job, Any, Transaction | None]] = []  # (job, result or error, its writes)
        again: list[_Job] = []
        keep = True  # the dispatcher is what this transaction stores
        wake = math.inf
        cached: _Cached | None = None
        try:
            with self.db.tenant_transaction(tenant_id) as (session, version):
                cached = self._cache.pop(tenant_id, None)  # back in only after a commit
                cached = self._caught_up(session, tenant_id, cached, version, self.clock.now_s())
                keyed = [job for job in group if job.advisory_key is not None]
                taken = self.db.try_advisory_locks(session, [cast(str, job.advisory_key) for job in keyed])
                busy = {id(job) for job, got in zip(keyed, taken, strict=True) if not got}
                d, isolated = cached.dispatcher, len(group) > 1
                for i, job in enumerate(group):
                    if id(job) in busy:
                        done.append((job, RequestInFlight(_IN_FLIGHT), None))
                        continue
                    outcome, tx, clean = self._run_job(session, tenant_id, d, version, job, isolated)
                    done.append((job, outcome, tx))
                    if tx is not None:
                        version += 1
                    if not clean or (tx is not None and tx.retired):
                        keep, again = False, group[i + 1 :]
                        break
                if version > cached.version:
                    wake = d.next_wakeup_s()
                    repo.bump_version(session, tenant_id, version, wake if wake < 1e300 else None)
        except _AloneFailed as failed:  # rolled back: as if the job had never run
            if failed.clean and cached is not None:
                self._cache[tenant_id] = cached
            group[0].finish(None, failed.error)
            return []
        except BaseException as exc:  # nothing of the group is stored: each of its jobs is told
            error = UnknownTenant(tenant_id) if isinstance(exc, TenantNotFound) else exc
            for job in group[: len(group) - len(again)]:
                job.finish(None, error)
            if not isinstance(exc, Exception):
                raise
            return again
        assert cached is not None
        if keep:
            cached.version = version
            self._cache[tenant_id] = cached
        self._committed(wake, done)
        return again

    def _run_job(
        self, session: Session, tenant_id: str, d: Dispatcher, version: int, job: _Job, isolated: bool
    ) -> tuple[Any, Transaction | None, bool]:
        """Apply ``job`` to ``d`` after time has passed, and write what changed as ``version`` + 1.
        Returns (its result, or the exception it raised; the transaction written, None if it
        wrote nothing; whether ``d`` is still what the session holds).

        ``isolated`` (a job among others): the job's writes are in a savepoint. A refused event
        (a :class:`RoutingError` before it changed the dispatcher) writes nothing of its own,
        but what time decided before it is written (as the tick would); any other failure
        rolls the job's writes back and leaves ``d`` ahead of them. Alone, a failure raises
        :class:`_AloneFailed` to roll the whole transaction back."""
        now_s = self.clock.now_s()
        tx = Transaction(session, tenant_id, d, now_s, version + 1, command=job.name)
        tx.made.extend(decision for _, decision in d.advance_to(now_s, self.catch_up.late_after_s))
        tx.decisions.extend(tx.made)
        savepoint = Savepoint(session) if isolated else None
        try:
            result: Any = job.event(tx)
        except Exception as exc:
            refused = isinstance(exc, RoutingError) and not tx.calls  # the dispatcher is unchanged
            if savepoint is None:
                raise _AloneFailed(exc, refused and not tx.made) from exc
            savepoint.rollback()
            if not refused:
                return exc, None, False
            if not tx.made:
                return exc, None, True
            tick = Transaction(session, tenant_id, d, now_s, version + 1, command="tick")
            tick.made.extend(tx.made)
            tick.decisions.extend(tx.made)
            self._write(tick)
            return exc, tick, True
        if job.changes_only and not tx.made:
            if savepoint is not None:
                savepoint.release()
            return result, None, True
        self._write(tx)
        if savepoint is not None:
            savepoint.release()
        return result, tx, True

    def _write(self, tx: Transaction) -> None:
        """Store what ``tx`` changed and its command (the command log's row of ``tx.version``)."""
        self._store(tx)
        command_log.append(tx.session, tx.tenant_id, tx.version, tx.now_s, tx.calls, commands.digest(tx.made))

    def _committed(self, wake: float, done: list[tuple[_Job, Any, Transaction | None]]) -> None:
        """After a group's commit: record metrics, finish its jobs and tell the tick loop, the
        delivery worker and the event stream, once each for the whole group."""
        deliveries = published = False
        for job, outcome, tx in done:
            if tx is not None:
                self.metrics.record(tx.command, tx.decisions)
                deliveries = deliveries or tx.deliveries > 0
                published = published or bool(tx.decisions) or tx.published > 0
            if isinstance(outcome, BaseException):
                job.finish(None, outcome)
            else:
                job.finish(outcome, None)
        if wake < math.inf and self.on_wakeup is not None:
            self.on_wakeup(wake)
        if deliveries and self.on_deliveries is not None:
            self.on_deliveries()
        if published and self.on_events is not None:  # one per decision (outbox)
            self.on_events()

    def _caught_up(
        self, session: Session, tenant_id: str, cached: _Cached | None, version: int, now_s: float
    ) -> _Cached:
        """The tenant's dispatcher at the stored ``version``: ``cached`` as it is, or after the
        commands it has not seen; rebuilt from the rows when there is none, it is further behind
        than ``catch_up.max_commands``, a command is missing or does not reproduce its digest."""
        if cached is not None and cached.version == version:
            return cached
        if cached is not None and 0 < version - cached.version <= self.catch_up.max_commands:
            pending = command_log.after(session, tenant_id, cached.version)
            if [c.version for c in pending] == list(range(cached.version + 1, version + 1)):
                try:
                    faithful = all(
                        commands.replay(
                            cached.dispatcher, c.now_s, c.calls, c.digest, self.catch_up.late_after_s
                        )
                        for c in pending
                    )
                except Exception as exc:  # a command that failed here: rebuild from the rows
                    log.warning(
                        "tenant %s: replaying its commands failed (%s)", tenant_id, type(exc).__name__
                    )
                    faithful = False
                if faithful:
                    cached.dispatcher.learned_changes()  # stored by the instance that made them
                    self.replayed += len(pending)
                    return _Cached(cached.dispatcher, version)
        self.rebuilds += 1
        return _Cached(self.rebuild(session, tenant_id, now_s), version)

    def cached(self, tenant_id: str) -> Dispatcher | None:
        """The tenant's cached dispatcher, at the version this process last saw (``None``: none
        cached; the next event rebuilds). For inspection: events change it, callers must not."""
        entry = self._cache.get(tenant_id)
        return None if entry is None else entry.dispatcher

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
        d.advance_to(now_s, self.catch_up.late_after_s)
        return read(d, now_s)

    def rebuild(self, session: Session, tenant_id: str, now_s: float, *, quiet: bool = False) -> Dispatcher:
        """A dispatcher holding exactly the stored state of the tenant (logged unless ``quiet``)."""
        d = Dispatcher(self.settings, keep_finished=False)
        d.restore_learned_means(learned_means.read(session, tenant_id))
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
        details = [tx.detail(dec) for dec in tx.decisions]
        repo.audit_many(tx.session, tx.tenant_id, now_s, details, before=tx.audits)
        learned_means.save(tx.session, tx.tenant_id, *d.learned_changes())
