"""A hypothesis state machine drives the API -- agents log in and out, escalations arrive, offers
are accepted, declined or left to expire, work completes -- beside a simple model of what must
hold: nothing acknowledged disappears, finished stays finished, the accepting agent gets the very
context packet that was sent, no agent exceeds a cap, and the stored state rebuilds into a sound
dispatcher (``Dispatcher.violations()`` empty) after every step."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule
from sqlalchemy import select

from routing.domain import EscalationState
from routing.schemas import ContextPacket
from routing.service.clock import ManualClock
from routing.service.storage.models import EscalationRow
from tests.service.conftest import T0, agent_body, escalation_body, make_api

AGENT_IDS = ("ana", "bob", "cy")
SKILLS = ("billing", "tech")
TERMINAL = ("completed", "deferred")


class ServiceMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.dir = Path(tempfile.mkdtemp(prefix="handoff-stateful-"))
        self.clock = ManualClock(T0)
        self._apis = make_api(f"sqlite:///{self.dir / 'h.db'}", self.clock, sqlite_synchronous="NORMAL")
        self.api = next(self._apis)
        self.caps: dict[str, dict[str, int]] = {}
        self.sent: dict[str, dict[str, Any]] = {}  # escalation id -> context packet sent
        self.final: dict[str, str] = {}  # escalation id -> terminal state seen
        self.n = 0

    def teardown(self) -> None:
        self._apis.close()
        shutil.rmtree(self.dir, ignore_errors=True)

    def view(self, esc_id: str) -> dict[str, Any]:
        r = self.api.get(f"/v1/escalations/{esc_id}")
        assert r.status_code == 200, r.text
        body: dict[str, Any] = r.json()
        return body

    def states(self) -> dict[str, str]:
        """Escalation id -> state, straight from storage (cheaper than a GET each)."""
        with self.api.service.db.read() as session:
            rows = session.execute(
                select(EscalationRow.id, EscalationRow.state).where(EscalationRow.tenant_id == "acme")
            )
            return {esc_id: state for esc_id, state in rows}

    def in_state(self, state: str) -> list[str]:
        return sorted(e for e, s in self.states().items() if s == state)

    # ------------------------------------------------------------------ rules
    @rule(agent=st.sampled_from(AGENT_IDS), chat=st.integers(1, 2), skill=st.sampled_from(SKILLS))
    def save_agent(self, agent: str, chat: int, skill: str) -> None:
        caps = {"chat": chat, "voice": 1}
        r = self.api.put(f"/v1/agents/{agent}", agent_body(agent, skills={skill: 3}, channels=caps))
        assert r.status_code == (201 if agent not in self.caps else 200), r.text
        self.caps[agent] = caps

    @precondition(lambda self: self.caps)
    @rule(data=st.data(), status=st.sampled_from(["available", "away", "offline"]))
    def set_status(self, data: st.DataObject, status: str) -> None:
        agent = data.draw(st.sampled_from(sorted(self.caps)))
        r = self.api.put(f"/v1/agents/{agent}/status", {"status": status})
        assert r.status_code == 200
        assert r.json()["status"] == status

    @rule(
        skill=st.sampled_from(SKILLS),
        channel=st.sampled_from(["chat", "voice"]),
        words=st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=12),  # NUL: a 422
    )
    def arrive(self, skill: str, channel: str, words: str) -> None:
        esc_id = f"e{self.n}"
        self.n += 1
        body = escalation_body(esc_id, channel=channel, required_skills={skill: 2})
        body["context"]["summary"] = words
        r = self.api.post("/v1/escalations", body, **{"Idempotency-Key": esc_id})
        assert r.status_code == 201, r.text
        outcome = r.json()["decision"]["outcome"]
        assert outcome in ("offered", "queued", "deferred")
        self.sent[esc_id] = body["context"]
        if outcome == "deferred":
            self.final[esc_id] = "deferred"

    @rule(data=st.data(), accept=st.booleans())
    def answer_offer(self, data: st.DataObject, accept: bool) -> None:
        offered = self.in_state("offered")
        if not offered:
            return
        esc_id = data.draw(st.sampled_from(offered))
        offer = self.view(esc_id)["offer_id"]
        r = self.api.post(f"/v1/offers/{offer}/{'accept' if accept else 'decline'}")
        assert r.status_code == 200, r.text
        if accept:
            sent = ContextPacket.model_validate(self.sent[esc_id]).model_dump(mode="json")
            assert r.json()["context"] == sent  # as sent (after the boundary's whitespace trim)
        again = self.api.post(f"/v1/offers/{offer}/accept")
        assert again.status_code == 409  # an answered offer is gone
        if not accept and r.json()["state"] == "deferred":
            self.final[esc_id] = "deferred"

    @rule(data=st.data())
    def complete(self, data: st.DataObject) -> None:
        assigned = self.in_state("assigned")
        if not assigned:
            return
        esc_id = data.draw(st.sampled_from(assigned))
        r = self.api.post(f"/v1/escalations/{esc_id}/complete", {"resolved": True})
        assert r.status_code == 200, r.text
        self.final[esc_id] = "completed"

    @rule(seconds=st.sampled_from([5.0, 21.0]))
    def time_passes(self, seconds: float) -> None:
        self.api.tick(seconds)  # offers older than 20 s expire; agents go not-responding

    # ------------------------------------------------------------------ invariants
    @invariant()
    def nothing_lost_and_finished_stays_finished(self) -> None:
        states = self.states()
        assert set(states) == set(self.sent)
        for esc_id, state in states.items():
            if esc_id in self.final:
                assert state == self.final[esc_id]
            elif state == "deferred":  # deferred later, when nobody could take it any more
                self.final[esc_id] = state

    @invariant()
    def caps_hold_and_storage_rebuilds_soundly(self) -> None:
        held = 0
        for agent, caps in self.caps.items():
            load = self.api.get(f"/v1/agents/{agent}").json()["load"]
            # above a cap only when it was lowered under accepted work: then no offer is pending
            if not all(n <= caps.get(ch, 0) for ch, n in load.items()):
                offered_to = {self.view(e).get("agent_id") for e in self.in_state("offered")}
                assert agent not in offered_to, (agent, load)
            held += sum(load.values())
        service = self.api.service
        with service.db.read() as session:
            rebuilt = service.work.rebuild(session, "acme", self.clock.now_s())
        assert rebuilt.violations() == []
        assert held == len(rebuilt.ids_in(EscalationState.OFFERED)) + len(
            rebuilt.ids_in(EscalationState.ASSIGNED)
        )


ServiceMachine.TestCase.settings = settings(max_examples=10, stateful_step_count=15, deadline=None)
TestServiceMachine = ServiceMachine.TestCase
