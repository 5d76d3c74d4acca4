"""The staffing search: the fewest agents per group that meet every target at one demand level.

For each demand level and pool, a stationary sub-scenario (the pool's segments at that level's
rates, its groups always on the queue) is simulated through the production dispatcher. The search
starts from Erlang A (each concurrency slot a server, so ``ceil(servers / slots)`` agents) spread
over the groups by the max-flow bound's mix (:func:`start_counts`), adds the agent that most
reduces the shortfall while a target fails, then removes agents while every target still holds.
Every candidate of a level is run on the same seeds (common random numbers), so candidates differ
by staffing, not by luck. A candidate meets the targets when the replication means do;
replications double (up to ``max_replications``) while a 95 % interval straddles a target: the
stop rule.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from simulator.planning.coverage import PoolBound
from simulator.planning.staffing_groups import StaffingGroup, always_on
from simulator.planning.targets import relative_shortfall
from simulator.queueing import staff_for_target
from simulator.replications import run_replications
from simulator.scaleout import ReplicationPool
from simulator.scenario import DemandSegment, Scenario

__all__ = ["Evaluation", "LevelSearch", "SearchSettings", "start_counts"]

IntArray = NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class SearchSettings:
    """How hard the staffing search works. Defaults suit a laptop; raise for a final plan."""

    horizon_h: float = 2.0  # stationary run per candidate, after warm-up
    warmup_h: float = 0.5
    replications: int = 4  # first try per candidate
    max_replications: int = 16  # the stop rule's budget per candidate
    max_steps: int = 400  # candidate evaluations per level and pool


@dataclass(frozen=True, slots=True)
class Evaluation:
    """One candidate's verdict: ``meets`` every target, and ``shortfall`` (0 when it meets; the
    sum of relative shortfalls otherwise, the search's yardstick)."""

    counts: tuple[int, ...]
    meets: bool
    shortfall: float
    failing: tuple[str, ...]  # segments that miss a target
    replications: int


class LevelSearch:
    """The staffing search of one pool at one demand level (stationary, common random numbers).

    ``segments`` are the pool's demand segments at the level's rates, ``groups`` its staffing
    groups (counts are per group, in this order), ``serves`` staffing group -> segments it can
    serve; every candidate runs on ``seed``'s replications, in ``pool`` when given.
    ``price_per_h``: per group, what one more agent on the queue costs per hour
    (:func:`~simulator.planning.staffing_groups.queue_cost_per_h`; default 1 each), so the search
    buys shortfall where it is cheapest and gives back the dearest agents first. ``staffable``: the
    segments every part of which some of ``groups`` can serve, whose deferrals are judged as lost
    escalations (:func:`~simulator.planning.targets.relative_shortfall`). Raise a ValueError
    if ``price_per_h`` has not one entry per group; nothing else at construction (the sub-scenario
    is a copy of ``scenario``, not validated again).
    """

    def __init__(
        self,
        scenario: Scenario,
        segments: list[DemandSegment],
        groups: list[StaffingGroup],
        serves: dict[str, set[str]],
        seed: int,
        settings: SearchSettings,
        pool: ReplicationPool | None = None,
        price_per_h: Sequence[float] | None = None,
        staffable: Collection[str] = (),
    ) -> None:
        self.pool = pool
        self.staffable = frozenset(staffable)
        self.price_per_h = tuple(price_per_h) if price_per_h is not None else (1.0,) * len(groups)
        if len(self.price_per_h) != len(groups):
            raise ValueError(f"price_per_h has {len(self.price_per_h)} entries for {len(groups)} groups")
        self.groups = groups
        self.segment_names = [s.segment for s in segments]
        self.serves = serves  # group name -> segments it can serve
        self.seed = seed
        self.settings = settings
        self.base = scenario.model_copy(
            update={
                "demand": segments,
                "replay": None,
                "roster": [always_on(g, 0) for g in groups],
                "duration_h": settings.horizon_h,
                "warmup_h": settings.warmup_h,
                "interval_min": 15,
                "start": scenario.start,
            }
        )
        self.cache: dict[tuple[int, ...], Evaluation] = {}
        self.evaluations = 0

    def evaluate(self, counts: tuple[int, ...]) -> Evaluation:
        """The verdict on ``counts`` (agents per group), cached; no agents at all never meets.

        Raise a ValueError if ``counts`` (not all 0) has not one entry per group, or for a negative
        seed.
        """
        known = self.cache.get(counts)
        if known is not None:
            return known
        self.evaluations += 1
        if sum(counts) == 0:
            ev = Evaluation(counts, False, float("inf"), tuple(self.segment_names), 0)
            self.cache[counts] = ev
            return ev
        named = {g.name: n for g, n in zip(self.groups, counts, strict=True)}
        reps = self.settings.replications
        while True:
            result = run_replications(
                self.base, reps, self.seed, counts=named, keep_records=False, pool=self.pool
            )
            shortfall, failing, unsure = relative_shortfall(
                result, self.base, self.segment_names, self.staffable
            )
            if not unsure or reps >= self.settings.max_replications:
                break
            reps = min(2 * reps, self.settings.max_replications)
        ev = Evaluation(counts, shortfall == 0, shortfall, tuple(failing), reps)
        self.cache[counts] = ev
        return ev

    def search(self, start: tuple[int, ...]) -> tuple[tuple[int, ...], str]:
        """Grow from ``start`` until the targets hold, then shrink while they still hold, then
        trade a dearer agent for a cheaper one while the targets still hold (the cost-aware split).

        Growing adds the agent with the most shortfall removed per unit of price; shrinking tries
        the dearest groups first; trading moves one agent at a time from a group to a cheaper one
        that serves the same segments' failures, while that keeps the goal (so where two groups
        can serve the same demand, the cheaper one carries it).

        When adding any one agent stops reducing the shortfall for ``_STALL_STEPS`` steps (a target
        staffing cannot reach, e.g. customers leaving during the accept delay), the search keeps
        the best shortfall it reached as its goal and says so.

        Returns the counts and the outcome: ``"met"``, or why the targets were not met (a clause
        for a planner). Raise a ValueError as :meth:`evaluate` does.
        """
        counts = start
        current = self.evaluate(counts)
        steps = stalled = 0
        outcome = "met"
        while not current.meets:
            steps += 1
            if steps > self.settings.max_steps:
                outcome = f"stopped after {self.settings.max_steps} steps without meeting the targets"
                break
            helpful = [
                k
                for k, g in enumerate(self.groups)
                if not current.failing or self.serves[g.name] & set(current.failing)
            ] or list(range(len(self.groups)))
            trials = [(self.evaluate(_bump(counts, k, +1)), self.price_per_h[k]) for k in helpful]
            gaining = [(e, p) for e, p in trials if e.shortfall < current.shortfall - 1e-9]
            if gaining:  # the most shortfall removed per unit of price (a met target counts in full)
                best = max(
                    gaining,
                    key=lambda ep: (ep[0].meets, (current.shortfall - ep[0].shortfall) / max(ep[1], 1e-9)),
                )[0]
            else:
                best = min((e for e, _ in trials), key=lambda e: (e.shortfall, sum(e.counts)))
            stalled = 0 if best.shortfall < current.shortfall - 1e-9 else stalled + 1
            counts, current = best.counts, best
            if stalled >= _STALL_STEPS:
                outcome = (
                    "more agents stop helping before every target holds "
                    f"(still missing for {', '.join(current.failing) or 'the pool'}); "
                    "staffed for the best reachable"
                )
                break
        goal = current.shortfall
        counts = self._shrink(counts, goal)
        for _ in range(self.settings.max_steps):
            traded = self._trade(counts, goal)
            if traded is None:
                break
            counts = self._shrink(traded, goal)
        return counts, outcome

    def _shrink(self, counts: tuple[int, ...], goal: float) -> tuple[int, ...]:
        """Remove agents, dearest group first (then the largest), while the shortfall stays at most
        ``goal``."""
        improved = True
        while improved:
            improved = False
            for k in sorted(range(len(self.groups)), key=lambda k: (-self.price_per_h[k], -counts[k])):
                if counts[k] == 0:
                    continue
                trial = self.evaluate(_bump(counts, k, -1))
                if trial.shortfall <= goal + 1e-9:
                    counts, improved = trial.counts, True
                    break
        return counts

    def _trade(self, counts: tuple[int, ...], goal: float) -> tuple[int, ...] | None:
        """One agent moved from a group to a cheaper one serving some of the same segments, the
        largest saving first, when the shortfall stays at most ``goal``; None when no trade holds."""
        price = self.price_per_h
        pairs = [
            (price[dear] - price[cheap], dear, cheap)
            for dear in range(len(self.groups))
            for cheap in range(len(self.groups))
            if counts[dear] > 0
            and price[cheap] < price[dear] - 1e-9
            and self.serves[self.groups[dear].name] & self.serves[self.groups[cheap].name]
        ]
        for _, dear, cheap in sorted(pairs, key=lambda p: -p[0]):
            trial = self.evaluate(_bump(_bump(counts, dear, -1), cheap, +1))
            if trial.shortfall <= goal + 1e-9:
                return trial.counts
        return None


_STALL_STEPS = 3


def _bump(counts: tuple[int, ...], k: int, delta: int) -> tuple[int, ...]:
    out = list(counts)
    out[k] += delta
    return tuple(out)


def _erlang_start(
    scenario: Scenario,
    segments: list[DemandSegment],
    rates_per_h: dict[str, float],
    groups: list[StaffingGroup],
) -> int:
    """Agents Erlang A asks for the pool: per segment (against its own targets), slots as servers
    over the average slots."""
    slots = max(1.0, float(np.mean([g.profile.slots for g in groups])))
    total = 0
    for seg in segments:
        rate = rates_per_h[seg.segment] / 3600.0
        if rate <= 0:
            continue
        patience = seg.patience.mean if seg.patience is not None else None
        t = scenario.segment_service_level(seg.segment)
        try:
            servers = staff_for_target(
                rate, seg.handle_time.mean, t.target, t.threshold_s, patience, t.max_abandon_rate
            ).agents
        except ValueError:
            servers = math.ceil(rate * seg.handle_time.mean) + 1
        total += math.ceil(servers / slots)
    return total


def start_counts(
    scenario: Scenario,
    segs: list[DemandSegment],
    rates: dict[str, float],
    pool_groups: list[StaffingGroup],
    bounds: Sequence[PoolBound],
    level_of: IntArray,
    level: int,
) -> tuple[int, ...]:
    """Erlang A's total for the pool, spread over its groups like the max-flow bound's mix, at the
    first interval of ``level`` (``level_of``: level index per interval); the first group takes it
    all when the bound is 0 there. Raise an IndexError if no interval has that level."""
    interval = int(np.flatnonzero(level_of == level)[0])
    mix = {g.name: 0 for g in pool_groups}
    for bound in bounds:
        for name, arr in bound.by_group.items():
            if name in mix:
                mix[name] = int(np.asarray(arr)[interval])
    total = _erlang_start(scenario, segs, rates, pool_groups)
    bound_total = sum(mix.values())
    if bound_total == 0:
        counts = [0] * len(pool_groups)
        counts[0] = total
        return tuple(counts)
    scale = max(1.0, total / bound_total)
    return tuple(max(0, math.ceil(mix[g.name] * scale)) for g in pool_groups)
