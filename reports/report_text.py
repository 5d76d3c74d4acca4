"""Text for people that the report's sections and the console share: targets, local times, counts.

Metric labels and number formats are the catalogue's (:mod:`simulator.metric_catalogue`); the
list of targets is the scenario's (:attr:`simulator.scenario.ServiceLevelTarget.targets`). This
module only words them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Final

from routing.shifts import zone
from simulator.metric_catalogue import Metric, metric
from simulator.scenario import Scenario, ServiceLevelTarget, Target

__all__ = [
    "AGENT_HOURS",
    "HEADCOUNT",
    "goal_text",
    "local_time",
    "target_of",
    "target_text",
    "targets_text",
]

#: Agents in a group, and agent-hours on duty: formatted (and changes signed) like the catalogue's
#: counts.
HEADCOUNT: Final = Metric("headcount", "agents", "count")
AGENT_HOURS: Final = Metric("agent_hours", "agent-hours on duty", "count")


def target_text(target: Target, threshold_s: float) -> str:
    """One target for people: ``abandoned / offered at most 8.0 %``; the service level names its
    threshold (``threshold_s``)."""
    m = metric(target.metric)
    bound = "at least" if target.higher_is_better else "at most"
    text = f"{m.label} {bound} {m.text(target.goal)}"
    if target.metric == "service_level":
        text += f" (threshold {threshold_s:g} s)"
    return text


def targets_text(service_level: ServiceLevelTarget) -> str:
    """Every target of the scenario, in the targets' own order, joined by ``; ``."""
    return "; ".join(target_text(t, service_level.threshold_s) for t in service_level.targets)


def goal_text(service_level: ServiceLevelTarget) -> str:
    """The service-level goal in a few words: ``80.0 % within 30 s``."""
    return f"{metric('service_level').text(service_level.target)} within {service_level.threshold_s:g} s"


def target_of(service_level: ServiceLevelTarget, name: str) -> Target | None:
    """The scenario's target on metric ``name``, or None when the scenario sets none."""
    return next((t for t in service_level.targets if t.metric == name), None)


def local_time(epoch_s: float, scenario: Scenario, fmt: str = "%H:%M") -> str:
    """``epoch_s`` on the scenario's wall clock."""
    return datetime.fromtimestamp(float(epoch_s), zone(scenario.time_zone)).strftime(fmt)
