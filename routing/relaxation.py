"""Relaxation: how an escalation's requirement loosens while it waits.

A :class:`Ladder` is one escalation's :class:`~routing.eligibility.Requirement` at every relaxation
level, with the next level that actually changes it; :class:`Relaxation` applies the configured
steps: the level a wait has reached, the ladder of an escalation (shared by escalations that route
alike), and when the next step that matters is due.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Final

from routing.cost import base_priority
from routing.domain import Escalation
from routing.eligibility import Requirement, requirements_by_level
from routing.settings import RoutingSettings

#: Distinct routing profiles remembered; the ladder cache restarts beyond it.
MAX_LADDERS: Final = 4096


@dataclass(frozen=True, slots=True)
class Ladder:
    """An escalation's requirement at every relaxation level, and where it next changes.

    ``reqs[level]`` is :func:`~routing.eligibility.requirement_at` for that level (levels whose
    steps change nothing share one object); ``next_change[level]`` is the first higher level whose
    requirement differs (``None``: no further step loosens anything).
    ``base_priority`` is the escalation's priority before aging (it depends on the same fields).
    """

    reqs: tuple[Requirement, ...]
    next_change: tuple[int | None, ...]
    base_priority: float

    @staticmethod
    def of(escalation: Escalation, settings: RoutingSettings) -> Ladder:
        reqs = requirements_by_level(escalation, settings)
        next_change: list[int | None] = []
        for level, req in enumerate(reqs):
            # a shared object is an equal requirement: the identity test spares the comparison
            later = (k for k in range(level + 1, len(reqs)) if reqs[k] is not req and reqs[k] != req)
            next_change.append(next(later, None))
        return Ladder(reqs, tuple(next_change), base_priority(escalation, settings))

    @property
    def top(self) -> int:
        """The highest level: every relaxation step applied."""
        return len(self.reqs) - 1


class Relaxation:
    """The relaxation steps of ``settings``, applied to escalations."""

    __slots__ = ("_first_after_s", "_ladders", "_steps", "settings")

    def __init__(self, settings: RoutingSettings) -> None:
        self.settings = settings
        self._steps = settings.relaxation
        self._first_after_s = self._steps[0].after_s if self._steps else math.inf
        self._ladders: dict[tuple[object, ...], Ladder] = {}

    def level_after(self, waited_s: float) -> int:
        """The level an escalation has reached after waiting ``waited_s``: steps due by then."""
        if waited_s < self._first_after_s:  # the common case: a fresh arrival
            return 0
        return sum(1 for step in self._steps if step.after_s <= waited_s)

    def describe(self, level: int) -> str:
        """The step that brought an escalation to ``level``, in words.

        Raise a ValueError if ``level`` is not a step (1 up to the number of steps).
        """
        if not 1 <= level <= len(self._steps):
            raise ValueError(f"level(={level}) must be a relaxation step, 1..{len(self._steps)}")
        return self._steps[level - 1].describe()

    def next_step(self, escalation: Escalation, ladder: Ladder, level: int) -> tuple[float, int] | None:
        """(when, level) of the next step that loosens the requirement beyond ``level``, or ``None``.

        Steps that change nothing for this escalation (dropping preferred skills it does not have)
        are skipped, so a simulation does not wake up for them.
        """
        nxt = ladder.next_change[level]
        if nxt is None:
            return None
        return escalation.created_s + self._steps[nxt - 1].after_s, nxt

    def ladder(self, escalation: Escalation) -> Ladder:
        """The escalation's ladder; its requirements are shared by escalations that route alike
        (memoised).

        The key holds every field :func:`requirement_at` reads; mappings enter as item tuples in
        their own order, so equal keys always mean equal requirements (a different order only
        costs a cache miss). Urgency and trigger only weigh in the priority
        (:func:`base_priority`, a few additions), and urgency is a score that hardly repeats, so
        they stay out of the key: an escalation whose priority differs from the remembered one
        gets the same requirements under its own priority.
        """
        key = (
            escalation.channel,
            tuple(escalation.required_skills.items()),
            tuple(escalation.preferred_skills.items()),
            escalation.language,
            escalation.complexity_tier,
            escalation.customer_tier,
            escalation.customer_region,
        )
        ladder = self._ladders.get(key)
        if ladder is None:
            if len(self._ladders) >= MAX_LADDERS:
                self._ladders.clear()
            ladder = self._ladders[key] = Ladder.of(escalation, self.settings)
            return ladder
        priority = base_priority(escalation, self.settings)
        if priority == ladder.base_priority:
            return ladder
        return Ladder(ladder.reqs, ladder.next_change, priority)
