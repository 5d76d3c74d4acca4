"""The escalation review's metric catalogue: every metric of the weekly review, written once.

Each :class:`ReviewMetric` has its ``name`` in files and the API, the ``label`` people read, its
``unit`` (``count``, ``share`` 0-1, ``s`` seconds, or ``score`` for CSAT on 1-5), the inputs it
``needs`` (history-log columns, or ``volume`` for the AI platform's conversation-volume file) and
which way is better. The definitions (:mod:`routing.analytics.measures`) and every output (the
report, its CSV and JSON, the service's ``/v1/analytics`` API) read names, labels and units from
here. A metric whose input was not captured has no value and says which input it needs
(:func:`missing_input`), never 0.

Populations, as the definitions use them:

* *escalations*: every escalation created in the week (or group);
* *decided*: escalations minus those ``cancelled`` (withdrawn by the AI or a duplicate, nobody
  waited on a human) and minus those still ``waiting`` or ``offered`` when the log was written
  (their fate is unknown); the service level, abandonment and deferral rates are shares of it;
* *accepted*: escalations a human accepted (``handoff_s`` known).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

__all__ = ["CATALOGUE", "METRIC_NAMES", "VOLUME", "ReviewMetric", "missing_input", "review_metric"]

Unit = Literal["count", "share", "s", "score"]

#: The input name of the AI platform's conversation-volume file.
VOLUME: Final = "volume"


@dataclass(frozen=True, slots=True)
class ReviewMetric:
    """One review metric: ``name``, ``label``, ``unit``, the inputs it ``needs`` (column names or
    :data:`VOLUME`) and whether a higher value is better (``None``: neither, e.g. a volume)."""

    name: str
    label: str
    unit: Unit
    needs: tuple[str, ...] = ()
    higher_is_better: bool | None = None


_ALL: Final = (
    ReviewMetric("escalations", "escalations", "count"),
    ReviewMetric("conversations", "AI conversations", "count", (VOLUME,)),
    ReviewMetric(
        "escalation_rate", "escalation rate (escalated / AI conversations)", "share", (VOLUME,), False
    ),
    ReviewMetric(
        "time_to_escalation_p50_s",
        "median time to escalation (conversation start -> escalated)",
        "s",
        ("conversation_started_at",),
    ),
    ReviewMetric("accepted", "accepted by a human", "count"),
    ReviewMetric("service_level", "service level (accepted within threshold / decided)", "share", (), True),
    ReviewMetric("service_level_answered", "accepted within threshold / accepted", "share", (), True),
    ReviewMetric("asa_s", "ASA: mean handoff time (created -> accepted)", "s", (), False),
    ReviewMetric("handoff_p50_s", "p50 handoff time", "s", (), False),
    ReviewMetric("handoff_p90_s", "p90 handoff time", "s", (), False),
    ReviewMetric(
        "context_view_rate", "context packet opened / accepted", "share", ("context_viewed_at",), True
    ),
    ReviewMetric("abandoned", "abandoned before a human accepted", "count"),
    ReviewMetric("abandon_rate", "abandoned / decided", "share", (), False),
    ReviewMetric("abandon_patience_p50_s", "median wait of those who abandoned", "s", ("patience_s",)),
    ReviewMetric("deferred", "deferred to a callback or ticket", "count"),
    ReviewMetric("deferral_rate", "deferred / decided", "share", (), False),
    ReviewMetric("transfer_rate", "transferred at least once / accepted", "share", ("transfers",), False),
    ReviewMetric("hand_back_rate", "handed back to the AI / accepted", "share", (), False),
    ReviewMetric("csat_mean", "mean post-escalation CSAT (1-5)", "score", ("csat",), True),
    ReviewMetric("low_csat_rate", "CSAT 1-2 / rated", "share", ("csat",), False),
    ReviewMetric(
        "first_contact_resolution",
        "resolved on first contact / reported",
        "share",
        ("first_contact_resolved",),
        True,
    ),
    ReviewMetric(
        "return_rate",
        "same customer escalated again within the window / escalations",
        "share",
        ("customer_ref",),
        False,
    ),
    ReviewMetric(
        "ai_could_have_handled_rate",
        "the human says the AI could have handled it / judged",
        "share",
        ("ai_could_have_handled",),
        False,
    ),
)

#: Every metric by name, in review order.
CATALOGUE: Final = {m.name: m for m in _ALL}
#: Metric names in review order.
METRIC_NAMES: Final = tuple(CATALOGUE)


def review_metric(name: str) -> ReviewMetric:
    """The catalogue entry of ``name``. Raise a KeyError naming the known metrics if unknown."""
    try:
        return CATALOGUE[name]
    except KeyError:
        raise KeyError(f"unknown review metric {name!r}; known: {', '.join(CATALOGUE)}") from None


def missing_input(need: str) -> str:
    """Why a metric has no value when input ``need`` was not captured."""
    if need == VOLUME:
        return "needs the AI platform's conversation volume"
    return f"needs {need} (no escalation in the log has it)"
