"""Named people: who may be rostered, with their skills, site, contract and preferences.

A :class:`NamedAgent` is one person of the scenario's ``people`` list (or of a roster export): an
id and a display name, skills with proficiency and languages (what decides the staffing groups
they may work in: :meth:`NamedAgent.can_work`), the site's time zone, the contract they are on
(a :class:`~simulator.scenario.labour_rules.Contract` name), an optional personal cap on weekly
hours below the contract's, and soft preferences (days off, a start time) that the assignment
honours where it costs no cover. Scenario-file models (define stage).
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import time
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, model_validator

from routing.schemas import AgentProfile, NonEmpty, Proficiency, TimeZoneName, Weekdays

__all__ = ["NamedAgent"]

_STRICT = ConfigDict(extra="forbid", frozen=True)


class NamedAgent(BaseModel):
    """One person who may be rostered.

    ``groups``: roster groups the person may work in (omitted: any whose profile they meet);
    ``preferred_days_off``: weekdays (``sat-sun``, ``[mon, fri]``); ``preferred_start``: a local
    start time of day they would rather work from.
    """

    model_config = _STRICT
    id: NonEmpty
    name: str = ""
    skills: dict[NonEmpty, Proficiency] = Field(min_length=1)
    languages: list[NonEmpty] = Field(default_factory=lambda: ["en"], min_length=1)
    time_zone: TimeZoneName = "UTC"
    contract: NonEmpty = "full-time"
    groups: list[NonEmpty] | None = None
    max_weekly_h: Annotated[float, Field(gt=0, le=7 * 24)] | None = None
    preferred_days_off: Weekdays = Field(default_factory=list)
    preferred_start: time | None = None

    @model_validator(mode="after")
    def _local_time(self) -> NamedAgent:
        start = self.preferred_start
        if start is not None and (start.tzinfo is not None or start.second or start.microsecond):
            raise ValueError(f"preferred_start must be a local HH:MM time, got {start.isoformat()}")
        return self

    @property
    def display_name(self) -> str:
        """``name``, or the id when no name is given."""
        return self.name or self.id

    def can_work(self, profile: AgentProfile, names: Collection[str]) -> bool:
        """Whether the person may work in a group of ``profile`` known by ``names`` (a staffing
        group's name and its roster groups'): one of them is in ``groups`` (when given), the
        person has every skill of the profile at its proficiency or higher, speaks every language
        of it, and is at its site (the same time zone). Raises nothing."""
        if self.groups is not None and not set(names) & set(self.groups):
            return False
        return (
            all(self.skills.get(skill, 0) >= level for skill, level in profile.skills.items())
            and set(profile.languages) <= set(self.languages)
            and profile.time_zone == self.time_zone
        )
