"""Invariants checked on storage after a test run, by replaying the append-only audit trail."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import create_engine, select

from routing.service.storage.models import AgentRow, AuditEvent, EscalationRow


def replay_violations(database_url: str, tenant_id: str = "acme") -> tuple[list[str], int]:
    """Replay the tenant's audit trail in commit order; return (violations, offers seen).

    Checked at every step: no agent holds more offers + assignments on a channel than its cap, or
    in total than ``max_total``; no escalation has two live offers (or an offer while assigned).
    At the end, the rows agree with the replay.
    """
    engine = create_engine(database_url)
    with engine.connect() as conn:
        agents = {
            r.id: r.profile for r in conn.execute(select(AgentRow).where(AgentRow.tenant_id == tenant_id))
        }
        escs = {
            r.id: (r.spec["channel"], r.state, r.agent_id)
            for r in conn.execute(select(EscalationRow).where(EscalationRow.tenant_id == tenant_id))
        }
        events = conn.execute(
            select(AuditEvent.kind, AuditEvent.escalation_id, AuditEvent.agent_id)
            .where(AuditEvent.tenant_id == tenant_id)
            .order_by(AuditEvent.seq)
        ).all()
    engine.dispose()
    problems: list[str] = []
    holder: dict[str, str] = {}  # escalation -> agent holding it (offered or assigned)
    load: Counter[tuple[str, str]] = Counter()
    offers = 0
    for kind, esc, agent in events:
        if kind == "offer":
            offers += 1
            if esc in holder:
                problems.append(f"{esc} offered to {agent} while held by {holder[esc]}")
            holder[esc] = agent
            channel = escs[esc][0]
            load[agent, channel] += 1
            caps = agents[agent]["channels"]
            total = sum(n for (a, _), n in load.items() if a == agent)
            if load[agent, channel] > caps.get(channel, 0):
                problems.append(f"{agent} over its {channel} cap with {esc}")
            if agents[agent].get("max_total") and total > agents[agent]["max_total"]:
                problems.append(f"{agent} over max_total with {esc}")
        elif kind in ("offer_revoked", "finished", "transferred"):
            # a cancelled offer says finished first, then offer_revoked; a transfer frees the slot
            # before the escalation is routed again (a wrap-up's slot is not followed here)
            if esc in holder:
                load[holder[esc], escs[esc][0]] -= 1
                del holder[esc]
        elif kind == "assigned" and holder.get(esc) != agent:
            problems.append(f"{esc} assigned to {agent} without its offer")
    for esc, (_, state, agent) in escs.items():
        if state in ("offered", "assigned") and holder.get(esc) != agent:
            problems.append(f"{esc} is {state} with {agent} in the rows but {holder.get(esc)} in the trail")
    return problems, offers
