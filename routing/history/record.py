"""One escalation of the history log, as the service exports it and analytics, forecast and replay read it.

A :class:`HistoryRecord` is one row of the history log (:mod:`routing.history.columns` lists the
columns and :mod:`routing.history.reader` the checks). Times are float seconds since the Unix
epoch (``*_at_s``; the CSV writes them as ISO 8601 UTC with ``Z``), durations are seconds
(``*_s``). ``None`` means *not observed or not applicable*, never zero: an escalation nobody rated
has ``csat=None``, one with no transfer observed has ``transfers=None`` only if the source did not
count them (a source that counts writes 0).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from routing.domain import CancelReason, Channel, CustomerTier, Trigger

__all__ = ["ACCEPTED_OUTCOMES", "OPEN_OUTCOMES", "HistoryRecord", "Outcome"]


class Outcome(StrEnum):
    """Where an escalation ended (or stands, for one still open when the log was written).

    Final: ``completed`` (a human finished it), ``abandoned`` (the customer left before a human
    accepted), ``cancelled`` (withdrawn for another reason: resolved by the AI, a duplicate),
    ``handed_back`` (the human returned it to the AI), ``deferred`` (a callback or ticket: nobody
    could take it in time), ``transferred`` (the last human passed it on outside the log's view).
    Open: ``waiting`` (queued), ``offered`` (an offer is pending), ``assigned`` (a human works it).
    """

    COMPLETED = "completed"
    ABANDONED = "abandoned"
    CANCELLED = "cancelled"
    HANDED_BACK = "handed_back"
    DEFERRED = "deferred"
    TRANSFERRED = "transferred"
    WAITING = "waiting"
    OFFERED = "offered"
    ASSIGNED = "assigned"


#: Outcomes of escalations still open when the log was written.
OPEN_OUTCOMES = frozenset({Outcome.WAITING, Outcome.OFFERED, Outcome.ASSIGNED})
#: Outcomes that imply a human accepted the escalation at some point.
ACCEPTED_OUTCOMES = frozenset({Outcome.COMPLETED, Outcome.HANDED_BACK, Outcome.TRANSFERRED, Outcome.ASSIGNED})


@dataclass(frozen=True, slots=True, kw_only=True)
class HistoryRecord:
    """One escalation, as the history log holds it (fields in the log's column order).

    Required: ``escalation_id``, ``created_at_s``, ``channel``, ``outcome``; everything else is
    ``None`` (or an empty mapping for the skills) when not observed. Plain data: the reader
    (:func:`routing.history.read_history`) validates, the writer writes what it is given.
    """

    escalation_id: str
    created_at_s: float
    conversation_started_at_s: float | None = None
    channel: Channel
    skills: Mapping[str, int] = field(default_factory=dict)
    preferred_skills: Mapping[str, int] = field(default_factory=dict)
    tier: int | None = None
    customer_tier: CustomerTier | None = None
    language: str | None = None
    customer_timezone: str | None = None
    trigger: Trigger | None = None
    segment: str | None = None
    queue: str | None = None
    customer_ref: str | None = None
    outcome: Outcome
    cancel_reason: CancelReason | None = None
    offers: int | None = None
    declines: int | None = None
    expiries: int | None = None
    first_offered_at_s: float | None = None
    accepted_at_s: float | None = None
    handoff_s: float | None = None
    agent_id: str | None = None
    agent_group: str | None = None
    context_viewed_at_s: float | None = None
    completed_at_s: float | None = None
    handle_time_s: float | None = None
    wrap_up_s: float | None = None
    patience_s: float | None = None
    transfers: int | None = None
    csat: int | None = None
    first_contact_resolved: bool | None = None
    ai_could_have_handled: bool | None = None
