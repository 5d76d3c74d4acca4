"""The definitions of the review's metrics over one set of escalations (a week, a group, both).

:func:`measure` computes every metric of :data:`routing.analytics.catalogue.CATALOGUE` for the
records a mask selects, each as a :class:`Measure`: the value, the number of escalations it is a
share or statistic of (``n``), or, when there is none, ``missing``: why (an input that was not
captured, or nothing to measure in this set, such as no accepted escalation). Populations
(*escalations*, *decided*, *accepted*) are defined in :mod:`routing.analytics.catalogue`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from routing.analytics.catalogue import CATALOGUE, missing_input
from routing.analytics.frame import HistoryFrame
from routing.history import Outcome

__all__ = ["Conversations", "Measure", "measure", "returned_within", "service_level_parts"]

Mask = NDArray[np.bool_]
FloatArray = NDArray[np.float64]
DAY_S = 86_400.0


@dataclass(frozen=True, slots=True)
class Measure:
    """One metric's value (``None`` when it has none, ``missing`` then says why) and ``n``, the
    escalations (or ratings, or conversations) it was computed from."""

    value: float | None
    n: int
    missing: str | None = None


@dataclass(frozen=True, slots=True)
class Conversations:
    """The AI conversations behind a set of escalations: a count, or why there is none."""

    count: int | None
    missing: str | None = None


def returned_within(frame: HistoryFrame, window_days: float) -> FloatArray:
    """Per record: 1.0 if the same ``customer_ref`` escalated again (a later escalation) within
    ``window_days`` after it, 0.0 if not, NaN if the record has no ref or its window reaches past
    the log's last escalation (the answer is not known yet). Raise ValueError if
    ``window_days`` <= 0."""
    if not window_days > 0:
        raise ValueError(f"window_days(={window_days}) must be > 0")
    window_s = window_days * DAY_S
    out = np.full(len(frame), np.nan)
    has_ref = np.array([ref is not None for ref in frame.customer_ref], dtype=bool)
    idx = np.flatnonzero(has_ref)
    if idx.size == 0:
        return out
    refs = np.array([str(frame.customer_ref[i]) for i in idx], dtype=np.str_)
    order = idx[np.lexsort((frame.created_s[idx], refs))]
    sorted_refs = np.array([str(frame.customer_ref[i]) for i in order], dtype=np.str_)
    created = frame.created_s[order]
    next_gap = np.full(order.size, np.inf)
    same = sorted_refs[1:] == sorted_refs[:-1]
    next_gap[:-1][same] = created[1:][same] - created[:-1][same]
    known = created + window_s <= frame.log_end_s
    result = np.where(next_gap <= window_s, 1.0, np.where(known, 0.0, np.nan))
    out[order] = result
    return out


def service_level_parts(frame: HistoryFrame, threshold_s: float) -> tuple[Mask, Mask]:
    """Masks over the whole frame: the *decided* escalations (the service level's denominator:
    all but ``cancelled`` ones and open ones nobody accepted yet) and those accepted within
    ``threshold_s`` (its numerator)."""
    accepted = ~np.isnan(frame.handoff_s)
    open_unaccepted = frame.is_outcome(Outcome.WAITING, Outcome.OFFERED) & ~accepted
    decided = ~frame.is_outcome(Outcome.CANCELLED) & ~open_unaccepted
    with np.errstate(invalid="ignore"):
        within = accepted & (frame.handoff_s <= threshold_s)
    return decided, within


def _share(hits: Mask, of: Mask, empty: str) -> tuple[float | None, int, str | None]:
    n = int(np.count_nonzero(of))
    if n == 0:
        return None, 0, empty
    return int(np.count_nonzero(hits & of)) / n, n, None


def _statistic(
    values: FloatArray, stat: Callable[[FloatArray], float], empty: str
) -> tuple[float | None, int, str | None]:
    present = values[~np.isnan(values)]
    if present.size == 0:
        return None, 0, empty
    return float(stat(present)), int(present.size), None


def measure(
    frame: HistoryFrame,
    mask: Mask,
    *,
    threshold_s: float,
    conversations: Conversations,
    returned: FloatArray | None,
) -> dict[str, Measure]:
    """Every catalogue metric of the records ``mask`` selects, by name (catalogue order).

    ``threshold_s`` is the service-level threshold (the 30 s target); ``conversations`` the AI
    conversations behind these escalations; ``returned`` is :func:`returned_within` of the whole
    frame (None when no return window applies: the return rate then says why).
    """
    escalations = int(np.count_nonzero(mask))
    accepted = mask & ~np.isnan(frame.handoff_s)
    decided_all, within_all = service_level_parts(frame, threshold_s)
    decided, within = mask & decided_all, mask & within_all
    abandoned = mask & frame.is_outcome(Outcome.ABANDONED)
    deferred = mask & frame.is_outcome(Outcome.DEFERRED)
    no_accepted = "no escalation accepted"

    raw: dict[str, tuple[float | None, int, str | None]] = {
        "escalations": (float(escalations), escalations, None),
        "accepted": (float(np.count_nonzero(accepted)), escalations, None),
        "abandoned": (float(np.count_nonzero(abandoned)), escalations, None),
        "deferred": (float(np.count_nonzero(deferred)), escalations, None),
        "service_level": _share(within, decided, "no decided escalation"),
        "service_level_answered": _share(within, accepted, no_accepted),
        "asa_s": _statistic(frame.handoff_s[accepted], np.mean, no_accepted),
        "handoff_p50_s": _statistic(frame.handoff_s[accepted], np.median, no_accepted),
        "handoff_p90_s": _statistic(
            frame.handoff_s[accepted], lambda v: float(np.quantile(v, 0.9)), no_accepted
        ),
        "abandon_rate": _share(abandoned, decided, "no decided escalation"),
        "deferral_rate": _share(deferred, decided, "no decided escalation"),
        "hand_back_rate": _share(frame.is_outcome(Outcome.HANDED_BACK), accepted, no_accepted),
        "time_to_escalation_p50_s": _statistic(
            (frame.created_s - frame.started_s)[mask], np.median, "no conversation start recorded"
        ),
        "context_view_rate": _share(frame.viewed == 1.0, accepted, no_accepted),
        "abandon_patience_p50_s": _statistic(
            frame.patience_s[abandoned], np.median, "no abandoned escalation with a recorded wait"
        ),
        "transfer_rate": _share(
            frame.transfers >= 1,
            accepted & ~np.isnan(frame.transfers),
            "no accepted escalation with transfers",
        ),
        "csat_mean": _statistic(frame.csat[mask], np.mean, "no CSAT rating"),
        "low_csat_rate": _share(frame.csat <= 2, mask & ~np.isnan(frame.csat), "no CSAT rating"),
        "first_contact_resolution": _share(
            frame.fcr == 1.0, mask & ~np.isnan(frame.fcr), "no first-contact resolution reported"
        ),
        "ai_could_have_handled_rate": _share(
            frame.ai_could == 1.0, mask & ~np.isnan(frame.ai_could), "no judgement recorded"
        ),
    }
    if returned is None:
        raw["return_rate"] = (None, 0, "no return window given")
    else:
        raw["return_rate"] = _share(
            returned == 1.0,
            mask & ~np.isnan(returned),
            "no escalation with a customer ref whose return window has ended in the log",
        )
    if conversations.count is None:
        raw["conversations"] = (None, 0, conversations.missing)
        raw["escalation_rate"] = (None, 0, conversations.missing)
    else:
        count = conversations.count
        raw["conversations"] = (float(count), count, None)
        raw["escalation_rate"] = (
            (escalations / count, count, None) if count > 0 else (None, 0, "no AI conversations counted")
        )

    out: dict[str, Measure] = {}
    for name, metric in CATALOGUE.items():
        absent = next(
            (need for need in metric.needs if need != "volume" and need not in frame.observed), None
        )
        if absent is not None:
            out[name] = Measure(None, 0, missing_input(absent))
            continue
        value, n, why = raw[name]
        out[name] = Measure(value, n, why)
    return out
