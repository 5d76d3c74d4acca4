"""No rebuild storms: a failed request (404, 409, 422) keeps the tenant's cached dispatcher, a
rebuild reads no context packet, a read leaves the version alone, and an instance behind applies
the commands it has not seen (the command log) instead of rebuilding -- reaching the very state a
rebuild from the rows gives (a stateful property, on SQLite and PostgreSQL)."""

from __future__ import annotations

import contextlib
import itertools
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test
from sqlalchemy import event, select

from routing import offer_ids
from routing.dispatcher import Dispatcher
from routing.domain import AgentStatus, CancelReason, EscalationState
from routing.errors import RoutingError
from routing.service import tenants
from routing.service.clock import ManualClock
from routing.service.core import RoutingService
from routing.service.metrics import Metrics
from routing.service.schemas import AgentUpsert, CancelIn, CompletionIn, EscalationCreate, StatusIn
from routing.service.storage.database import Database
from routing.service.storage.models import EscalationRow, Tenant
from routing.settings import RoutingSettings
from tests.service.conftest import T0, Api, agent_body, escalation_body


def version_of(service: RoutingService, tenant_id: str = "acme") -> int:
    with service.db.read() as s:
        return int(s.scalar(select(Tenant.version).where(Tenant.id == tenant_id)) or 0)


def routing_state(d: Dispatcher) -> dict[str, Any]:
    """Everything a dispatcher would decide from, as storage keeps it."""
    live = [e for state in (EscalationState.QUEUED, EscalationState.OFFERED, EscalationState.ASSIGNED)
            for e in d.ids_in(state)]  # fmt: skip
    return {
        "agents": {a: (d.agent_snapshot(a), d.agent_load(a)) for a in sorted(d.agent_ids())},
        "escalations": {e: d.escalation_snapshot(e) for e in sorted(live)},
        "offers": sorted((o.offer_id, o.agent_id, o.expires_at_s) for o in d.active_offers()),
        "waiting": sorted(d.waiting_ids()),
        "wrap_ups": sorted(d.wrap_ups()),
        "next_wakeup_s": d.next_wakeup_s(),
        "learned": sorted(map(repr, d.learned_means())),  # the handle and wrap-up times expected
    }


def rebuilt_state(service: RoutingService, tenant_id: str) -> dict[str, Any]:
    """The state a rebuild from the rows gives once it is at ``now``, as every event and read
    advances it before deciding: a re-offer cool-down that ended at the last event is still in its
    row (ending one decides nothing, so nothing is written) and ends at that first advance."""
    now_s = service.clock.now_s()
    with service.db.read() as s:
        d = service.work.rebuild(s, tenant_id, now_s, quiet=True)
    d.advance_to(now_s, service.work.catch_up.late_after_s)
    return routing_state(d)


# ------------------------------------------------------------------------------------ failures
def test_a_failed_request_keeps_the_cached_dispatcher(api: Api) -> None:
    work = api.service.work
    api.post("/v1/agents", agent_body("ana"))
    offer = api.escalate("e1").json()["decision"]["offer_id"]
    rebuilds = work.rebuilds
    assert api.post("/v1/offers/e404~1/accept").status_code == 404
    assert api.post(f"/v1/offers/{offer}/accept").status_code == 200
    assert api.post(f"/v1/offers/{offer}/decline").status_code == 409  # stale
    reused = escalation_body("e9")  # another body under the key of e1
    assert api.post("/v1/escalations", reused, **{"Idempotency-Key": "k-e1"}).status_code == 422
    assert api.escalate("e2").status_code == 201
    assert work.rebuilds == rebuilds  # not one rebuild after the three failures
    cached = work.cached("acme")
    assert cached is not None
    assert routing_state(cached) == rebuilt_state(api.service, "acme")


def test_a_rebuild_reads_no_context_packet(api: Api) -> None:
    api.post("/v1/agents", agent_body("ana", channels={"chat": 1}))
    for i in range(3):
        api.escalate(f"e{i}")
    statements: list[str] = []

    def seen(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        statements.append(statement)

    engine = api.service.db.engine
    event.listen(engine, "before_cursor_execute", seen)
    try:
        with api.service.db.read() as s:
            d = api.service.work.rebuild(s, "acme", api.clock.now_s())
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    assert len(d.waiting_ids()) == 2
    reads = [x for x in statements if "FROM escalations" in x]
    assert reads
    assert not [x for x in reads if re.search(r"escalations\.context\b", x)]  # not context_viewed_s


def test_a_read_leaves_the_tenant_version_alone(api: Api) -> None:
    api.post("/v1/agents", agent_body("ana"))
    api.escalate("e1")
    before = version_of(api.service)
    for path in ("/v1/queues", "/v1/stats", "/v1/queues"):
        assert api.get(path).status_code == 200
    api.service.tick("acme")  # nothing due: nothing to commit
    assert version_of(api.service) == before


# ------------------------------------------------------------------------------------ two instances
class Instances:
    """Two services (two processes' worth of caches) on one database, one clock."""

    def __init__(self, url: str) -> None:
        self.clock = ManualClock(T0)
        self.services = [
            RoutingService(Database(url), RoutingSettings(), self.clock, Metrics()) for _ in range(2)
        ]
        self.services[0].db.migrate()
        self._tenants = itertools.count()

    def tenant(self) -> str:
        tenant_id = f"t{next(self._tenants)}"
        tenants.provision(self.services[0].db, tenant_id, now_s=self.clock.now_s())
        return tenant_id

    def close(self) -> None:
        for service in self.services:
            service.db.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def instances(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Instances]:
    url = (
        f"sqlite:///{tmp_path / 'handoff.db'}"
        if request.param == "sqlite"
        else request.getfixturevalue("postgres_url")
    )
    both = Instances(url)
    try:
        yield both
    finally:
        both.close()


def create(service: RoutingService, tenant_id: str, esc_id: str, **fields: Any) -> dict[str, Any]:
    body = EscalationCreate.model_validate(escalation_body(esc_id, **fields))
    answered: dict[str, Any] = json.loads(service.create_escalation(tenant_id, body, f"k-{esc_id}")[1])
    return answered


def test_an_instance_behind_applies_the_commands_instead_of_rebuilding(instances: Instances) -> None:
    a, b = instances.services
    tenant_id = instances.tenant()
    for agent_id in ("ana", "ben"):
        a.upsert_agent(tenant_id, AgentUpsert.model_validate(agent_body(agent_id)), create_only=True)
    for i in range(12):  # the two take turns: each is one command behind every time
        create(a if i % 2 else b, tenant_id, f"e{i}")
        instances.clock.advance(1)
    assert (a.work.rebuilds, b.work.rebuilds) == (1, 1)  # once each, when first used
    assert a.work.replayed > 0
    assert b.work.replayed > 0
    for service in (a, b):
        service.queues(tenant_id)  # catches up to the last command
        cached = service.work.cached(tenant_id)
        assert cached is not None
        assert routing_state(cached) == rebuilt_state(service, tenant_id)


def test_a_rebuilt_dispatcher_expects_work_to_end_when_the_one_that_learned_did(
    instances: Instances,
) -> None:
    a, b = instances.services
    tenant_id = instances.tenant()
    a.upsert_agent(tenant_id, AgentUpsert.model_validate(agent_body("ana")), create_only=True)
    a.accept_offer(tenant_id, create(a, tenant_id, "e1")["decision"]["offer_id"])
    instances.clock.advance(120)
    a.complete(tenant_id, "e1", CompletionIn(resolved=True))  # billing chats take 120 s here
    offer = create(b, tenant_id, "e2")["decision"]["offer_id"]
    assert b.work.rebuilds == 1  # b's first event: it rebuilt from the rows
    b.accept_offer(tenant_id, offer)
    accepted_s = instances.clock.now_s()
    a.queues(tenant_id)  # a applies b's commands
    for service in (a, b):
        cached = service.work.cached(tenant_id)
        assert cached is not None
        assert cached.escalation_snapshot("e2").expected_end_s == pytest.approx(accepted_s + 120, abs=1e-6)
    with b.db.read() as s:
        row = s.scalar(select(EscalationRow).where(EscalationRow.id == "e2"))
    assert row is not None
    assert row.expected_end_s == pytest.approx(accepted_s + 120, abs=1e-6)


def test_a_rebuild_keeps_the_end_expected_at_acceptance_when_the_mean_moved_since(
    instances: Instances,
) -> None:
    a, b = instances.services
    tenant_id = instances.tenant()
    for agent_id in ("ana", "ben"):
        a.upsert_agent(tenant_id, AgentUpsert.model_validate(agent_body(agent_id)), create_only=True)
    a.accept_offer(tenant_id, create(a, tenant_id, "e1")["decision"]["offer_id"])
    a.accept_offer(tenant_id, create(a, tenant_id, "e2")["decision"]["offer_id"])
    accepted_s = instances.clock.now_s()  # e2 is expected to end 600 s on (nothing learned yet)
    instances.clock.advance(60)
    a.complete(tenant_id, "e1", CompletionIn(resolved=True))  # now billing chats take 60 s
    b.queues(tenant_id)  # b's first use: a rebuild from the rows
    cached = b.work.cached(tenant_id)
    assert cached is not None
    assert cached.escalation_snapshot("e2").expected_end_s == pytest.approx(accepted_s + 600, abs=1e-6)


class TwoInstances(RuleBasedStateMachine):
    """Random events sent to either instance; after each, either one caught up holds exactly the
    state a rebuild from the committed rows gives."""

    both: Instances

    @initialize()
    def start(self) -> None:
        self.tenant_id = self.both.tenant()
        self.n = 0

    def _service(self, which: int) -> RoutingService:
        return self.both.services[which]

    @rule(which=st.integers(0, 1), agent=st.sampled_from(["ana", "ben", "cy"]), cap=st.integers(1, 2))
    def save_agent(self, which: int, agent: str, cap: int) -> None:
        body = AgentUpsert.model_validate(agent_body(agent, channels={"chat": cap}, status="available"))
        self._service(which).upsert_agent(self.tenant_id, body, create_only=False)

    @rule(which=st.integers(0, 1), skill=st.integers(1, 4))
    def escalate(self, which: int, skill: int) -> None:
        self.n += 1
        create(self._service(which), self.tenant_id, f"e{self.n}", required_skills={"billing": skill})

    @rule(which=st.integers(0, 1), pick=st.integers(0, 10), accept=st.booleans())
    def answer(self, which: int, pick: int, accept: bool) -> None:
        service = self._service(which)
        with service.db.read() as s:
            offers = s.scalars(
                select(EscalationRow.offer_id).where(
                    EscalationRow.tenant_id == self.tenant_id, EscalationRow.offer_id.is_not(None)
                )
            ).all()
        if not offers:
            return
        offer = offer_ids.to_api(sorted(offers)[pick % len(offers)])
        with contextlib.suppress(RoutingError):
            (service.accept_offer if accept else service.decline_offer)(self.tenant_id, offer)

    @rule(which=st.integers(0, 1), pick=st.integers(0, 10), cancel=st.booleans())
    def finish(self, which: int, pick: int, cancel: bool) -> None:
        service = self._service(which)
        esc_id = f"e{pick % max(self.n, 1) + 1}"
        try:
            if cancel:
                service.cancel(self.tenant_id, esc_id, CancelIn(reason=CancelReason.DUPLICATE))
            else:
                service.complete(self.tenant_id, esc_id, CompletionIn(resolved=True))
        except RoutingError:
            pass

    @rule(which=st.integers(0, 1), agent=st.sampled_from(["ana", "ben", "cy"]),
          status=st.sampled_from([AgentStatus.AVAILABLE, AgentStatus.AWAY]))  # fmt: skip
    def presence(self, which: int, agent: str, status: AgentStatus) -> None:
        with contextlib.suppress(RoutingError):
            self._service(which).set_agent_status(self.tenant_id, agent, StatusIn(status=status))

    @rule(which=st.integers(0, 1), seconds=st.sampled_from([1.0, 5.0, 25.0]))
    def time_passes(self, which: int, seconds: float) -> None:
        self.both.clock.advance(seconds)
        self._service(which).tick(self.tenant_id)

    @invariant()
    def caught_up_is_rebuilt(self) -> None:
        for service in self.both.services:
            service.queues(self.tenant_id)
            cached = service.work.cached(self.tenant_id)
            if cached is not None:
                assert routing_state(cached) == rebuilt_state(service, self.tenant_id)


def test_state_after_catch_up_is_state_after_rebuild(instances: Instances) -> None:
    TwoInstances.both = instances
    run_state_machine_as_test(
        TwoInstances,
        settings=settings(
            max_examples=12, stateful_step_count=20, deadline=None, suppress_health_check=list(HealthCheck)
        ),
    )
    replayed = sum(s.work.replayed for s in instances.services)
    assert replayed > 0  # the property was about catch-up, not only rebuilds
