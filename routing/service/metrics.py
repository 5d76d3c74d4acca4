"""Prometheus text exposition of the service's counters (per process), written by hand: a few
counters, one gauge and one histogram do not need a client library."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterable, Mapping

from routing.decisions import Assigned, Decision

HANDOFF_BUCKETS_S = (5.0, 10.0, 20.0, 30.0, 45.0, 60.0, 120.0, 300.0)


__all__ = ["HANDOFF_BUCKETS_S", "Metrics"]


class Metrics:
    """Thread-safe counters fed by the service core after each committed event."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._decisions: Counter[str] = Counter()
        self._events: Counter[str] = Counter()
        self._handoff_counts = [0] * len(HANDOFF_BUCKETS_S)
        self._handoff_sum_s = 0.0
        self._handoff_n = 0

    def record(self, event: str, decisions: Iterable[Decision]) -> None:
        with self._lock:
            self._events[event] += 1
            for d in decisions:
                self._decisions[d.kind] += 1
                if isinstance(d, Assigned):
                    # never below 0: a created_at ahead of the server clock is taken as now
                    # (RoutingService), and a histogram has no negative buckets
                    handoff_s = max(0.0, d.handoff_s)
                    self._handoff_n += 1
                    self._handoff_sum_s += handoff_s
                    for i, bound in enumerate(HANDOFF_BUCKETS_S):
                        if handoff_s <= bound:
                            self._handoff_counts[i] += 1

    def render(self, queue_depth: Mapping[str, int], *, tenant_labels: bool = False) -> str:
        """The exposition text; ``queue_depth`` is escalations waiting per tenant (from storage),
        shown per tenant id with ``tenant_labels``, else as one total that names no tenant."""
        lines = [
            "# HELP handoff_events_total Events applied to the dispatcher, by event.",
            "# TYPE handoff_events_total counter",
        ]
        with self._lock:
            lines += [f'handoff_events_total{{event="{k}"}} {v}' for k, v in sorted(self._events.items())]
            lines += [
                "# HELP handoff_decisions_total Routing decisions made, by kind.",
                "# TYPE handoff_decisions_total counter",
            ]
            lines += [
                f'handoff_decisions_total{{kind="{k}"}} {v}' for k, v in sorted(self._decisions.items())
            ]
            lines += [
                "# HELP handoff_handoff_seconds Escalation created to accepted by an agent.",
                "# TYPE handoff_handoff_seconds histogram",
            ]
            lines += [
                f'handoff_handoff_seconds_bucket{{le="{b:g}"}} {n}'
                for b, n in zip(HANDOFF_BUCKETS_S, self._handoff_counts, strict=True)
            ]
            lines += [
                f'handoff_handoff_seconds_bucket{{le="+Inf"}} {self._handoff_n}',
                f"handoff_handoff_seconds_sum {self._handoff_sum_s:.6g}",
                f"handoff_handoff_seconds_count {self._handoff_n}",
            ]
        lines += [
            "# HELP handoff_queue_depth Escalations waiting for an agent.",
            "# TYPE handoff_queue_depth gauge",
        ]
        if tenant_labels:
            lines += [f'handoff_queue_depth{{tenant="{t}"}} {n}' for t, n in sorted(queue_depth.items())]
        else:
            lines.append(f"handoff_queue_depth {sum(queue_depth.values())}")
        return "\n".join(lines) + "\n"
