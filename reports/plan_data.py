"""Views of a :class:`~simulator.planning.result.CapacityPlan` that the tables, the charts and the
HTML sections share: the simulated rosters with their names, and per-interval totals over groups.

Nothing here formats text or draws; it only picks and adds up what the plan holds.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Final, Literal, NamedTuple

import numpy as np
import numpy.typing as npt
from numpy.typing import NDArray

from routing.shifts import zone
from simulator.eta_accuracy import EtaPairs, eta_pairs
from simulator.planning.result import CapacityPlan
from simulator.replications import Replications
from simulator.scenario import Scenario

__all__ = [
    "ROSTER_LABELS",
    "Requirement",
    "RosterKey",
    "current_short",
    "group_total",
    "on_plan_grid",
    "requirements",
    "rosters",
    "scenario_start",
    "verified",
    "verified_eta_pairs",
    "week_on_duty",
]

FloatArray = NDArray[np.float64]
RosterKey = Literal["current", "recommended", "compare"]

#: What people call each simulated roster (the CSV files use the keys).
ROSTER_LABELS: Final[dict[RosterKey, str]] = {
    "current": "current roster",
    "recommended": "recommended roster",
    "compare": "compared scenario",
}


def rosters(plan: CapacityPlan) -> list[tuple[RosterKey, Replications]]:
    """(key, replications) of every simulated roster: current, recommended, compare (if present)."""
    out: list[tuple[RosterKey, Replications]] = [("current", plan.current)]
    if plan.recommended is not None:
        out.append(("recommended", plan.recommended))
    if plan.compare is not None:
        out.append(("compare", plan.compare))
    return out


def verified(plan: CapacityPlan) -> tuple[RosterKey, Replications]:
    """The roster the plan's verdict is about: the recommended one, or the current one when the
    plan recommends nothing."""
    if plan.recommended is not None:
        return "recommended", plan.recommended
    return "current", plan.current


def verified_eta_pairs(plan: CapacityPlan) -> EtaPairs | None:
    """ETAs and actual waits of the verified roster's queued escalations (``None``: no records)."""
    _, result = verified(plan)
    if not result.records:
        return None
    return eta_pairs(result.records, plan.scenario.warmup_s)


def group_total(per_group: Mapping[str, NDArray[np.float64] | NDArray[np.int64]], n: int) -> FloatArray:
    """The sum over groups of per-interval arrays (``n`` intervals; zeros when there is no group)."""
    total: FloatArray = np.zeros(n)
    for values in per_group.values():
        total = total + np.asarray(values, dtype=np.float64)
    return total


class Requirement(NamedTuple):
    """Agents on the queue for one group in one interval: required, the workload lower bound, and
    scheduled under the current roster and the recommended shifts (None where the plan has none)."""

    interval_start_s: float
    group: str
    required: int
    lower_bound: int | None
    scheduled_current: float | None
    scheduled_recommended: float | None


def requirements(plan: CapacityPlan) -> Iterator[Requirement]:
    """Every :class:`Requirement` of the plan, group by group, each group interval by interval."""
    starts = plan.interval_start_s.tolist()
    for group, required in plan.required.items():
        lower = plan.lower_bound.get(group)
        current = plan.scheduled_current.get(group)
        recommended = plan.scheduled_recommended.get(group)
        for k, start in enumerate(starts):
            yield Requirement(
                start,
                group,
                int(required[k]),
                None if lower is None else int(lower[k]),
                None if current is None else float(current[k]),
                None if recommended is None else float(recommended[k]),
            )


def on_plan_grid(plan: CapacityPlan, starts_s: FloatArray, values: npt.ArrayLike) -> FloatArray:
    """``values`` given per interval starting at ``starts_s`` (epoch seconds, e.g. the schedule's
    grid, which may be longer: it includes the warm-up), matched by interval start onto the plan's
    post-warm-up grid; NaN where ``starts_s`` has no such interval."""
    src = np.asarray(starts_s, dtype=np.float64)
    vals = np.asarray(values, dtype=np.float64)
    out = np.full(plan.interval_start_s.size, np.nan)
    if src.size == 0:
        return out
    k = np.searchsorted(src, plan.interval_start_s)
    ok = (k < src.size) & (np.abs(src[np.minimum(k, src.size - 1)] - plan.interval_start_s) < 1.0)
    out[ok] = vals[k[ok]]
    return out


def week_on_duty(plan: CapacityPlan) -> tuple[FloatArray, FloatArray, str] | None:
    """(required, scheduled, source) agents on duty per interval of the plan's grid, over all
    groups: what had to be covered (the on-queue requirement grossed up for shrinkage) and what
    the weekly patterns (``source`` ``"weekly patterns"``) or, without them, the recommended
    shifts (``"recommended shifts"``) put on duty. ``None`` without either."""
    n = plan.interval_start_s.size
    if plan.weekly_roster is not None:
        p = plan.weekly_roster.patterns
        per_group = next(iter(p.required.values()), np.zeros(0))
        starts = p.start_s + np.arange(np.asarray(per_group).size, dtype=np.float64) * p.interval_min * 60
        source, need, have = "weekly patterns", p.required, p.coverage
    elif plan.schedule is not None:
        sched = plan.schedule
        starts = np.asarray(sched.interval_starts_s, dtype=np.float64)
        source, need, have = "recommended shifts", sched.required, sched.coverage
    else:
        return None
    required = group_total({g: on_plan_grid(plan, starts, np.ravel(v)) for g, v in need.items()}, n)
    scheduled = group_total({g: on_plan_grid(plan, starts, np.ravel(v)) for g, v in have.items()}, n)
    return required, scheduled, source


def current_short(plan: CapacityPlan) -> NDArray[np.bool_]:
    """Per interval: the current roster has fewer agents on the queue than required (all groups)."""
    n = plan.interval_start_s.size
    short: NDArray[np.bool_] = group_total(plan.scheduled_current, n) < group_total(plan.required, n) - 1e-9
    return short


def scenario_start(scenario: Scenario) -> datetime:
    """The scenario's start as an aware datetime (a naive start is in the scenario's time zone)."""
    start = scenario.start
    return start if start.tzinfo is not None else start.replace(tzinfo=zone(scenario.time_zone))
