"""The tenant's agents as a scenario roster: agents of the same profile become one group.

A scenario's roster (``simulator.scenario.AgentGroup``) is a list of groups, each ``count``
agents sharing one :class:`routing.schemas.AgentProfile` (skills and proficiency, tier,
languages, time zone, weekly shifts, channel caps, ``max_total``, regions). :func:`roster_groups`
groups the service's agents the same way: two agents fall in one group exactly when their
profiles are equal. A group is named for its profile -- its skills, then its tier
(``billing+refunds-t2``) -- with ``-2``, ``-3``... for further profiles of the same skills and
tier, in the order their first agent was created; the history export's ``agent_group`` column
uses the same names (:func:`group_of`).

What a scenario roster cannot hold from the service is left out: names, statuses, and shrinkage
(the service does not know it; the scenario's default, 0, applies until the planner sets it).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import yaml

from routing.schemas import AgentProfile
from routing.service.storage import repository as repo
from routing.service.storage.models import AgentRow

__all__ = ["RosterGroup", "group_of", "roster_document", "roster_groups"]

#: the stored profile's fields that are no part of a scenario roster
_NOT_PROFILE = ("id", "name", "status")


@dataclass(frozen=True, slots=True)
class RosterGroup:
    """Agents of one profile: the group's name, its agents' ids (creation order), its profile
    as a scenario writes it (JSON-ready) and whether each agent is still active."""

    name: str
    agent_ids: tuple[str, ...]
    active: tuple[bool, ...]
    profile: Mapping[str, Any]

    def as_scenario_group(self, *, active_only: bool = True) -> dict[str, Any]:
        """The group as a scenario's ``roster`` item (``count``: its active agents, or all)."""
        count = sum(self.active) if active_only else len(self.agent_ids)
        return {"group": self.name, "count": count, **self.profile}


def _scenario_profile(row: AgentRow) -> dict[str, Any]:
    """The agent's profile as a scenario writes it: every field, ``shifts: always`` for an agent
    always on shift, no ``max_total`` or ``regions`` when it has none."""
    stored = {k: v for k, v in repo.stored_profile(row).items() if k not in _NOT_PROFILE}
    profile = AgentProfile.model_validate(stored).model_dump(mode="json")
    if profile["shifts"] is None:
        profile["shifts"] = "always"
    if profile["max_total"] is None:
        del profile["max_total"]
    if not profile["regions"]:
        del profile["regions"]
    return profile


def _base_name(profile: Mapping[str, Any]) -> str:
    skills = "+".join(sorted(profile["skills"]))
    return f"{skills}-t{profile['tier']}"


def roster_groups(rows: Sequence[AgentRow]) -> list[RosterGroup]:
    """The agents ``rows`` (in creation order) grouped by equal profile, named as the module
    docstring says, in the order of each group's first agent."""
    members: dict[str, list[AgentRow]] = {}
    profiles: dict[str, dict[str, Any]] = {}
    for row in sorted(rows, key=lambda r: r.seq):
        profile = _scenario_profile(row)
        key = json.dumps(profile, sort_keys=True)
        profiles.setdefault(key, profile)
        members.setdefault(key, []).append(row)
    taken: dict[str, int] = {}
    groups = []
    for key, agents in members.items():
        base = _base_name(profiles[key])
        taken[base] = taken.get(base, 0) + 1
        name = base if taken[base] == 1 else f"{base}-{taken[base]}"
        groups.append(
            RosterGroup(
                name=name,
                agent_ids=tuple(a.id for a in agents),
                active=tuple(a.deactivated_s is None for a in agents),
                profile=profiles[key],
            )
        )
    return groups


def group_of(groups: Sequence[RosterGroup]) -> dict[str, str]:
    """Each agent's group name."""
    return {agent_id: g.name for g in groups for agent_id in g.agent_ids}


def roster_document(groups: Sequence[RosterGroup], tenant_id: str, *, active_only: bool = True) -> str:
    """A YAML document ``roster: [...]`` of ``groups`` (empty groups left out), headed by
    comments saying whose agents these are and which agent is in which group: paste its
    ``roster`` into a scenario, or load it as one (``Scenario.roster``)."""
    items = [g.as_scenario_group(active_only=active_only) for g in groups]
    kept = [(g, item) for g, item in zip(groups, items, strict=True) if item["count"] > 0]
    agents = sum(item["count"] for _, item in kept)
    lines = [f"# roster of tenant {tenant_id}: {agents} agents in {len(kept)} groups (handoff roster export)"]
    for g, _ in kept:
        ids = [a for a, on in zip(g.agent_ids, g.active, strict=True) if on or not active_only]
        lines.append(f"# {g.name}: {', '.join(ids)}")
    body = yaml.safe_dump({"roster": [item for _, item in kept]}, sort_keys=False, allow_unicode=True)
    return "\n".join(lines) + "\n" + body
