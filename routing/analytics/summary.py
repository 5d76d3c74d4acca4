"""The review as a JSON-ready document, for ``review.json`` and the service's analytics API.

:func:`review_summary` turns a :class:`~routing.analytics.Review` into plain dicts and lists
(numbers, strings, booleans, None): every figure as ``{"value", "n", "change", "missing"}``
(``change`` against the week before; ``missing`` says why a figure has no value, else None),
instants as ISO 8601 UTC (:mod:`routing.timestamps`). :func:`latest_week` picks the week the
headline judges.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any, Final

from routing.analytics.catalogue import CATALOGUE
from routing.analytics.measures import Measure
from routing.analytics.review import Review, TriggerRank
from routing.timestamps import iso

__all__ = ["SUMMARY_VERSION", "latest_week", "review_summary"]

#: Bumped when a field changes meaning or goes away.
SUMMARY_VERSION: Final = 1


def latest_week(review: Review) -> int | None:
    """The index of the last week with a service level (the week the headline judges), or None
    when no week has one."""
    for i in range(len(review.weeks) - 1, -1, -1):
        if review.weekly[i]["service_level"].value is not None:
            return i
    return None


def _figures(measures: Mapping[str, Measure], before: Mapping[str, Measure] | None) -> dict[str, Any]:
    out = {}
    for name, m in measures.items():
        prev = None if before is None else before[name].value
        change = None if m.value is None or prev is None else m.value - prev
        out[name] = {"value": m.value, "n": m.n, "change": change, "missing": m.missing}
    return out


def _weeks(review: Review, weekly: Sequence[Mapping[str, Measure]]) -> list[dict[str, Any]]:
    return [
        {
            "week_start": week.label,
            "iso_week": week.iso_week,
            "start_at": iso(week.start_s),
            "end_at": iso(week.end_s),
            "partial": week.partial,
            "metrics": _figures(weekly[i], weekly[i - 1] if i > 0 else None),
        }
        for i, week in enumerate(review.weeks)
    ]


def _rank(t: TriggerRank) -> dict[str, Any]:
    def fig(m: Measure) -> dict[str, Any]:
        return {"value": m.value, "n": m.n, "missing": m.missing}

    return {
        "trigger": t.trigger,
        "escalations": t.escalations,
        "ai_could_have_handled_rate": fig(t.ai_could_have_handled_rate),
        "low_csat_rate": fig(t.low_csat_rate),
        "csat_mean": fig(t.csat_mean),
    }


def _grid(rows: Any) -> list[list[float | None]]:
    return [[None if not math.isfinite(float(v)) else float(v) for v in row] for row in rows]


def review_summary(review: Review) -> dict[str, Any]:
    """The whole review as a JSON-ready dict (see the module docstring)."""
    judged = latest_week(review)
    verdict = None
    if judged is not None:
        sl = review.weekly[judged]["service_level"].value
        assert sl is not None
        verdict = {
            "week_start": review.weeks[judged].label,
            "service_level": sl,
            "meets_target": sl >= review.target,
            "change": review.change("service_level", judged),
        }
    return {
        "version": SUMMARY_VERSION,
        "period": {
            "start_at": iso(review.start_s),
            "end_at": iso(review.end_s),
            "time_zone": review.time_zone,
        },
        "target": {"threshold_s": review.threshold_s, "service_level": review.target},
        "return_window_days": review.return_window_days,
        "volume_given": review.volume_given,
        "verdict": verdict,
        "metrics": [
            {
                "name": m.name,
                "label": m.label,
                "unit": m.unit,
                "needs": list(m.needs),
                "higher_is_better": m.higher_is_better,
            }
            for m in CATALOGUE.values()
        ],
        "total": _figures(review.total, None),
        "weeks": _weeks(review, review.weekly),
        "groups": {
            dimension: [
                {"group": g.group, "total": _figures(g.total, None), "weeks": _weeks(review, g.weekly)}
                for g in groups
            ]
            for dimension, groups in review.groups.items()
        },
        "triggers": {
            "too_early": [_rank(t) for t in review.too_early],
            "too_late": [_rank(t) for t in review.too_late],
        },
        "heatmap": {
            "weekdays": ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"],
            "escalations": review.heatmap.escalations.tolist(),
            "service_level": _grid(review.heatmap.service_level),
        },
        "handoff_s_accepted": int(review.handoff_s.size),
    }
