"""Group commit (:mod:`routing.service.unit_of_work`): events of one tenant queued behind its lock
are applied in one transaction, each as it would be alone, and none is answered before the commit.

Each test holds the tenant's line with an event that waits inside its transaction until the
others are queued behind it, so the group they form is known; on SQLite and PostgreSQL.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from routing.errors import DuplicateEscalation, InvalidTransition
from routing.service.core import RoutingService
from routing.service.schemas import EscalationCreate
from routing.service.storage import repository as repo
from routing.service.storage.models import CommandRow, EscalationRow
from routing.service.unit_of_work import Transaction
from tests.service.conftest import Api, agent_body, escalation_body
from tests.service.test_command_log import rebuilt_state, routing_state, version_of


class Gate:
    """An event that holds the tenant's line (inside its transaction) until released."""

    def __init__(self) -> None:
        self.entered = threading.Event()
        self.release = threading.Event()

    def __call__(self, tx: Transaction) -> str:
        self.entered.set()
        assert self.release.wait(10), "the gate was never released"
        return "gate"


def queued(service: RoutingService, tenant_id: str = "acme") -> int:
    """Events waiting in the tenant's line (not those of the group being applied)."""
    line = service.work._lines.get(tenant_id)
    return 0 if line is None else len(line.jobs)


@contextmanager
def grouped(
    service: RoutingService, calls: list[Callable[[], Any]], held: Callable[[], None] = lambda: None
) -> Iterator[list[Any]]:
    """Run ``calls`` in threads while a gate (a read: it writes nothing) holds the line, so that
    they queue behind it in order, ``held`` called first; on exit release the gate and wait for
    them. Yields the list their outcomes (result or exception) fill, in the calls' order."""
    gate = Gate()
    outcomes: list[Any] = [None] * len(calls)
    holder = threading.Thread(target=lambda: service.work.apply("acme", "gate", gate, changes_only=True))
    holder.start()
    assert gate.entered.wait(10)
    held()

    def run(i: int, call: Callable[[], Any]) -> None:
        try:
            outcomes[i] = call()
        except Exception as exc:
            outcomes[i] = exc

    threads = []
    for i, call in enumerate(calls):  # one by one, so the line keeps their order
        t = threading.Thread(target=run, args=(i, call))
        t.start()
        threads.append(t)
        deadline = time.monotonic() + 10
        while queued(service) < i + 1:  # (the gate's job left the line when its group began)
            assert time.monotonic() < deadline, "a call never reached the line"
            time.sleep(0.001)
    try:
        yield outcomes
    finally:
        gate.release.set()
        holder.join(10)
        for t in threads:
            t.join(10)


def assert_cache_is_the_rows(service: RoutingService) -> None:
    """The tenant's cached dispatcher is what a rebuild from the committed rows gives."""
    cached = service.work.cached("acme")
    assert cached is not None
    assert routing_state(cached) == rebuilt_state(service, "acme")


def create(service: RoutingService, esc_id: str, key: str | None = None) -> Callable[[], Any]:
    body = EscalationCreate.model_validate(escalation_body(esc_id))
    return lambda: service.create_escalation("acme", body, key or esc_id)


def count_transactions(service: RoutingService) -> list[int]:
    """A list that gets one entry per tenant transaction from now on."""
    opened: list[int] = []
    original = service.db.tenant_transaction

    @contextmanager
    def counted(tenant_id: str) -> Iterator[Any]:
        opened.append(1)
        with original(tenant_id) as out:
            yield out

    service.db.tenant_transaction = counted  # type: ignore[method-assign]
    return opened


def commands(service: RoutingService) -> list[tuple[int, list[Any]]]:
    with service.db.read() as s:
        rows = s.execute(select(CommandRow.version, CommandRow.calls).order_by(CommandRow.version))
        return [(v, [c[0] for c in calls]) for v, calls in rows]


def test_events_queued_behind_the_lock_commit_together_each_as_alone(api: Api) -> None:
    api.post("/v1/agents", agent_body("ana", channels={"chat": 2}))
    service = api.service
    before = version_of(service)
    opened = count_transactions(service)
    with grouped(service, [create(service, f"e{i}") for i in range(5)]) as outcomes:
        pass
    assert len(opened) == 2  # the gate's, then one for the five creates
    statuses = [o[0] for o in outcomes]
    states = [json.loads(o[1])["state"] for o in outcomes]
    assert statuses == [201] * 5
    assert states == ["offered", "offered", "queued", "queued", "queued"]  # ana has two slots
    assert version_of(service) == before + 5  # one version per event (the gate wrote nothing)
    assert [v for v, _ in commands(service)][-5:] == list(range(before + 1, before + 6))
    with service.db.read() as s:
        seqs = s.scalars(select(EscalationRow.seq).order_by(EscalationRow.seq)).all()
    assert list(seqs) == list(range(before + 1, before + 6))  # arrival order, as versions
    assert_cache_is_the_rows(service)


def test_a_refused_event_in_a_group_stores_nothing_and_the_others_commit(api: Api) -> None:
    api.post("/v1/agents", agent_body("ana"))
    service = api.service
    before = version_of(service)
    calls = [create(service, "e1"), create(service, "e1", key="other-key"), create(service, "e2")]
    with grouped(service, calls) as outcomes:
        pass
    assert outcomes[0][0] == 201
    assert outcomes[2][0] == 201
    assert isinstance(outcomes[1], DuplicateEscalation)  # e1 exists: made earlier in the group
    assert version_of(service) == before + 2
    with service.db.read() as s:
        assert s.scalar(select(func.count()).select_from(EscalationRow)) == 2
    again = api.post("/v1/escalations", escalation_body("e1"), **{"Idempotency-Key": "other-key"})
    assert again.status_code == 409  # the refused request left no idempotency record behind
    assert_cache_is_the_rows(service)


def test_an_event_failing_after_it_changed_the_dispatcher_ends_the_group_there(api: Api) -> None:
    api.post("/v1/agents", agent_body("ana", channels={"chat": 3}))
    service = api.service
    before = version_of(service)
    spec = EscalationCreate.model_validate(escalation_body("ghost")).routing_spec()

    def half_done(tx: Transaction) -> None:
        tx.run("arrive", spec=spec)  # the dispatcher now holds an escalation no row has
        raise RuntimeError("the event failed halfway")

    calls = [
        create(service, "e1"),
        lambda: service.work.apply("acme", "half_done", half_done),
        create(service, "e2"),
        create(service, "e3"),
    ]
    opened = count_transactions(service)
    with grouped(service, calls) as outcomes:
        pass
    assert outcomes[0][0] == 201
    assert isinstance(outcomes[1], RuntimeError)
    assert [o[0] for o in outcomes[2:]] == [201, 201]  # queued again, applied on a rebuilt dispatcher
    assert len(opened) == 3  # the gate's; e1 and the failure; e2 and e3
    assert version_of(service) == before + 3
    assert service.work.rebuilds >= 1
    with service.db.read() as s:
        ids = set(s.scalars(select(EscalationRow.id)).all())
    assert ids == {"e1", "e2", "e3"}
    cached = service.work.cached("acme")
    assert cached is not None
    assert "ghost" not in routing_state(cached)["escalations"]
    assert routing_state(cached) == rebuilt_state(service, "acme")


def test_a_failed_commit_fails_every_event_of_the_group_and_stores_none(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    api.post("/v1/agents", agent_body("ana"))
    service = api.service
    before = version_of(service)
    original = service.db.tenant_transaction
    fail = {"next": False}

    @contextmanager
    def failing_commit(tenant_id: str) -> Iterator[Any]:
        with original(tenant_id) as out:
            yield out
            if fail["next"]:
                fail["next"] = False
                raise OperationalError("COMMIT", None, Exception("disk I/O error"))  # rolls back

    monkeypatch.setattr(service.db, "tenant_transaction", failing_commit)
    armed = threading.Event()

    def arm(tx: Transaction) -> None:  # runs first in the creates' group: its commit fails
        fail["next"] = True
        armed.set()

    calls = [lambda: service.work.apply("acme", "arm", arm), *(create(service, f"e{i}") for i in range(3))]
    with grouped(service, calls) as outcomes:
        pass
    assert armed.is_set()
    assert all(isinstance(o, OperationalError) for o in outcomes), outcomes
    assert version_of(service) == before
    with service.db.read() as s:
        assert s.scalar(select(func.count()).select_from(EscalationRow)) == 0
    status, body, _ = create(service, "e0")()  # nothing was acknowledged: the retry creates it
    assert status == 201
    assert json.loads(body)["state"] == "offered"
    assert_cache_is_the_rows(service)


def test_time_decided_before_a_refused_event_in_a_group_is_stored(api: Api) -> None:
    api.post("/v1/agents", agent_body("ana", channels={"chat": 1}))
    service = api.service
    _, first, _ = create(service, "e1")()
    assert json.loads(first)["state"] == "offered"
    before = version_of(service)
    calls = [create(service, "e1", key="other-key"), create(service, "e2")]
    # e1's offer expires while the line is held: time decides when the group runs
    with grouped(service, calls, held=lambda: api.clock.advance(60)) as outcomes:
        pass
    assert isinstance(outcomes[0], DuplicateEscalation)
    assert outcomes[1][0] == 201
    assert [c for _, c in commands(service)][-2:] == [[], ["arrive"]]  # the expiry, as a tick's
    assert version_of(service) == before + 2
    assert_cache_is_the_rows(service)


def test_a_group_of_one_event_at_most_when_the_setting_says_so(api: Api) -> None:
    api.post("/v1/agents", agent_body("ana", channels={"chat": 4}))
    service = api.service
    service.work.group_commit = service.work.group_commit.model_copy(update={"max_events": 1})
    opened = count_transactions(service)
    with grouped(service, [create(service, f"e{i}") for i in range(3)]) as outcomes:
        pass
    assert [o[0] for o in outcomes] == [201, 201, 201]
    assert len(opened) == 4  # the gate's, then one per create


def test_a_refused_events_writes_are_undone_and_the_next_event_reads_the_rows_again(api: Api) -> None:
    api.post("/v1/agents", agent_body("ana"))
    service = api.service
    assert api.escalate("e1").status_code == 201

    def write_then_refuse(tx: Transaction) -> None:
        row = repo.escalation(tx.session, "acme", "e1")
        assert row is not None
        row.outcome = {"written": "by a refused event"}
        tx.session.flush()
        raise InvalidTransition("refused after it wrote")

    def read_outcome(tx: Transaction) -> Any:
        row = repo.escalation(tx.session, "acme", "e1")
        assert row is not None
        return row.outcome

    calls = [
        create(service, "e0"),
        lambda: service.work.apply("acme", "refuse", write_then_refuse),
        lambda: service.work.apply("acme", "read", read_outcome, changes_only=True),
        create(service, "e2"),
    ]
    with grouped(service, calls) as outcomes:
        pass
    assert outcomes[0][0] == 201
    assert isinstance(outcomes[1], InvalidTransition)
    assert outcomes[2] is None  # the refused write was rolled back to its savepoint
    assert outcomes[3][0] == 201
    with service.db.read() as s:
        assert s.scalar(select(EscalationRow.outcome).where(EscalationRow.id == "e1")) is None
        assert s.scalar(select(func.count()).select_from(EscalationRow)) == 3
