"""Section 5, the handoff-time distribution: the chart and what its curves leave out."""

from __future__ import annotations

from collections.abc import Mapping

from reports.html_parts import chart
from simulator.planning.result import CapacityPlan

__all__ = ["render"]


def render(plan: CapacityPlan, pngs: Mapping[str, bytes]) -> str:
    """The chart and a note on which escalations it pools."""
    threshold_s = plan.scenario.service_level.threshold_s
    return chart("handoff_distribution", pngs) + (
        "<p class=note>Accepted escalations after warm-up, pooled over replications; the dashed "
        f"line is the {threshold_s:g}-s threshold. Escalations never accepted (abandoned, deferred) "
        "are not in these curves: they count against the service level in section 3.</p>"
    )
