"""Retention of personal data: a finished escalation's context packet (transcript, summary,
intent, sentiment, actions tried, account data, reason), its callback details (phone, notes),
the free-text notes of its outcome and the context summary in its ``escalation.offered`` events
are redacted ``retention.context_s`` after it finished (30 days by default; 0: kept forever).

What stays: the escalation's row as routed (id, channel, skills, tiers, language, region, times,
state, handoff, attempts, the outcome's fields but its notes), every event but the context
summary, and the audit trail, which is append-only (it never held a context packet) and gains a
``context_redacted`` entry per escalation. A redacted escalation reads back with an empty
context packet and ``null`` callback.

:meth:`Retention.redact_due` runs on every round of the tick loop
(:attr:`routing.service.core.RoutingService.housekeeping`) and redacts at most ``batch``
escalations of any tenant per round, oldest finished first, in one transaction; instances
running it at once skip each other's rows (PostgreSQL ``SKIP LOCKED``).
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select, update

from routing.schemas import ContextPacket
from routing.service.settings import RetentionSettings
from routing.service.storage import repository as repo
from routing.service.storage.database import Database
from routing.service.storage.models import EscalationRow, OutboxEvent

__all__ = ["REDACTED_CONTEXT", "Retention"]

#: what a redacted escalation's context packet becomes: the empty packet
REDACTED_CONTEXT: dict[str, Any] = ContextPacket().model_dump(mode="json")
#: free-text fields of an outcome (completion, cancel, hand-back) emptied on redaction
_NOTE_FIELDS = frozenset({"notes", "note", "ai_failure_reason"})
_OFFERED = "escalation.offered"


def _without_notes(value: Any) -> Any:
    if isinstance(value, dict):
        blank = {k for k, v in value.items() if k in _NOTE_FIELDS and isinstance(v, str)}
        return {k: "" if k in blank else _without_notes(v) for k, v in value.items()}
    return value


def _without_context(body: str) -> str:
    event = json.loads(body)
    data = event.get("data")
    if isinstance(data, dict) and "context" in data:
        data["context"] = {"summary": "", "intent": None, "reason": ""}
    return json.dumps(event, ensure_ascii=False, separators=(",", ":"))


class Retention:
    """Redacts what :mod:`routing.service.retention` says, once it is old enough. Thread-safe."""

    def __init__(self, db: Database, settings: RetentionSettings) -> None:
        self.db = db
        self.settings = settings

    def redact_due(self, now_s: float) -> int:
        """Redact up to ``settings.batch`` escalations finished at or before
        ``now_s - settings.context_s`` and not redacted yet; returns how many (0 when retention
        is off). One read when nothing is due."""
        if self.settings.context_s <= 0:
            return 0
        cutoff_s = now_s - self.settings.context_s
        e = EscalationRow
        due = (
            select(e.tenant_id, e.id, e.outcome)
            .where(e.redacted_s.is_(None), e.finished_s.is_not(None), e.finished_s <= cutoff_s)
            .order_by(e.finished_s)
            .limit(self.settings.batch)
        )
        with self.db.read() as s:
            if s.execute(due.with_only_columns(e.id)).first() is None:
                return 0
        with self.db.write() as s:
            rows = s.execute(due.with_for_update(skip_locked=True)).all()
            for tenant_id, escalation_id, outcome in rows:
                s.execute(
                    update(e)
                    .where(e.tenant_id == tenant_id, e.id == escalation_id)
                    .values(
                        context=REDACTED_CONTEXT,
                        callback=None,
                        outcome=_without_notes(outcome),
                        redacted_s=now_s,
                    )
                )
                o = OutboxEvent
                offered = s.execute(
                    select(o.position, o.body).where(
                        o.tenant_id == tenant_id, o.escalation_id == escalation_id, o.type == _OFFERED
                    )
                ).all()
                for position, body in offered:
                    s.execute(update(o).where(o.position == position).values(body=_without_context(body)))
                detail = {"after_s": self.settings.context_s}
                repo.audit(s, tenant_id, now_s, "context_redacted", detail, escalation_id=escalation_id)
            return len(rows)
