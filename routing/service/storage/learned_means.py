"""The learned means' queries (table ``learned_means``,
:class:`~routing.service.storage.models.LearnedMeanRow`): write the means an event changed, read a
tenant's back for a rebuild (:class:`routing.eta.LearnedMean`)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from typing import Any, cast

from sqlalchemy import Table, bindparam, delete, select
from sqlalchemy.orm import Session

from routing.domain import Channel
from routing.eligibility import Requirement
from routing.eta import LearnedMean
from routing.service.storage.models import LearnedMeanRow
from routing.service.storage.raw import RawUpsert

__all__ = ["read", "save"]

MEANS = cast(Table, LearnedMeanRow.__table__)
#: a mean's row replaces the one stored of the same mean (its key)
_UPSERT = RawUpsert(MEANS, key=["tenant_id", "key"], replace=["mean_s", "count"])
_READ = select(MEANS.c.channel, MEANS.c.wrap_up, MEANS.c.requirement, MEANS.c.mean_s, MEANS.c.count).where(
    MEANS.c.tenant_id == bindparam("t")
)


def save(session: Session, tenant_id: str, forgot_kinds: bool, means: Sequence[LearnedMean]) -> None:
    """Store the tenant's changed ``means`` (in the event's transaction), replacing the rows of the
    same means; ``forgot_kinds``: the dispatcher forgot every kind's mean first, so their rows go."""
    if forgot_kinds:
        session.execute(delete(MEANS).where(MEANS.c.tenant_id == tenant_id, MEANS.c.requirement.is_not(None)))
    _UPSERT.execute(session, [_row(tenant_id, m) for m in means])


def read(session: Session, tenant_id: str) -> list[LearnedMean]:
    """Every stored learned mean of the tenant."""
    return [
        LearnedMean(
            Channel(r[0]), None if r[2] is None else _requirement(r[2]), bool(r[1]), float(r[3]), int(r[4])
        )
        for r in session.connection().execute(_READ, {"t": tenant_id})
    ]


def _row(tenant_id: str, m: LearnedMean) -> dict[str, Any]:
    requirement = None if m.kind is None else _as_json(m.kind)
    named = json.dumps([m.channel.value, m.wrap_up, requirement], sort_keys=True, separators=(",", ":"))
    return {
        "tenant_id": tenant_id,
        "key": hashlib.sha256(named.encode()).hexdigest()[:40],
        "channel": m.channel.value,
        "wrap_up": m.wrap_up,
        "requirement": requirement,
        "mean_s": m.mean_s,
        "count": m.count,
    }


def _as_json(r: Requirement) -> dict[str, Any]:
    return {
        "channel": r.channel.value,
        "skills": [list(s) for s in r.skills],
        "preferred": [list(s) for s in r.preferred],
        "preferred_required": r.preferred_required,
        "language": r.language,
        "complexity_tier": r.complexity_tier,
        "max_agent_tier": r.max_agent_tier,
        "policy_min_tier": r.policy_min_tier,
        "regions": None if r.regions is None else sorted(r.regions),
        "regionless_agents": r.regionless_agents,
    }


def _requirement(j: dict[str, Any]) -> Requirement:
    return Requirement(
        channel=Channel(j["channel"]),
        skills=tuple((str(s), int(level)) for s, level in j["skills"]),
        preferred=tuple((str(s), int(level)) for s, level in j["preferred"]),
        preferred_required=bool(j["preferred_required"]),
        language=str(j["language"]),
        complexity_tier=int(j["complexity_tier"]),
        max_agent_tier=int(j["max_agent_tier"]),
        policy_min_tier=int(j["policy_min_tier"]),
        regions=None if j["regions"] is None else frozenset(j["regions"]),
        regionless_agents=bool(j["regionless_agents"]),
    )
