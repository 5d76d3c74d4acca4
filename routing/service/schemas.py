"""Request and response bodies of the HTTP API (Pydantic v2, OpenAPI 3.1).

Requests reuse the routing boundary models (:class:`~routing.schemas.AgentIn`,
:class:`~routing.schemas.EscalationIn` with its :class:`~routing.schemas.ContextPacket`), with ids
restricted to characters that are safe in a URL path. Times follow :mod:`routing.timestamps`:
an instant is ``*_at``, ISO 8601 UTC to the millisecond with ``Z`` (:data:`~routing.schemas.Instant`;
requests may give one as epoch seconds too); decisions and audit entries add ``*_at_s``, the
same instant in epoch seconds; durations are seconds (``*_s``).
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from routing import offer_ids, timestamps
from routing.domain import AgentStatus, CancelReason, DeferralMode, EscalationState
from routing.schemas import AgentIn, ContextPacket, EscalationIn, Instant

ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$"
OFFER_ID_PATTERN = offer_ids.api_pattern(ID_PATTERN)
Id = Annotated[str, Field(pattern=ID_PATTERN, min_length=1, max_length=128)]

_OUT = ConfigDict(extra="forbid")
DETAIL = (
    "The decision (its fields and explanation) or what was received; instants as *_at "
    "(ISO 8601 UTC) beside *_at_s (epoch seconds)."
)


def at(epoch_s: float | None) -> datetime | None:
    """Epoch seconds as an aware UTC datetime, to the millisecond (:func:`routing.timestamps.utc`)."""
    return None if epoch_s is None else timestamps.utc(epoch_s)


def epoch_of(instant: str, *default: None) -> Any:
    """The field of ``<instant>_s``: ``instant`` again, in epoch seconds (``default``: None if given)."""
    return Field(*default, description=f"``{instant}`` in seconds since the Unix epoch (3 decimals).")


def nul_at(value: Any, where: str = "") -> str | None:
    """Where a NUL character hides in ``value`` (strings, keys, nested lists and dicts), or None.

    Storage (PostgreSQL text) cannot hold NUL, so it is rejected at the boundary as bad input.
    """
    found = unfit_at(value, where)
    return found[0] if found and found[1] == _NUL else None


_NUL = "NUL characters are not allowed"
_NON_FINITE = "NaN and Infinity are not JSON numbers"


def unfit_at(value: Any, where: str = "") -> tuple[str, str] | None:
    """The first place in ``value`` (depth first) holding what no JSON body may hold, and what
    it is: a NUL character (storage cannot hold it), or a NaN or infinite number (``json.loads``
    reads ``NaN`` and ``Infinity``; JSON has neither, and they would be stored as null). None if
    there is nothing of the kind.

    Iterative, so a deeply nested value never exhausts the stack; a place is spelled out only
    for the one found.
    """
    parents: list[tuple[int, str]] = [(-1, where)]  # (parent's index, this part of the path)

    def path(index: int) -> str:
        parts = []
        while index >= 0:
            index, part = parents[index]
            parts.append(part)
        return "".join(reversed(parts))

    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        node, index = stack.pop()
        if isinstance(node, str):
            if "\x00" in node:
                return path(index) or "value", _NUL
        elif isinstance(node, float):
            if not math.isfinite(node):
                return path(index) or "value", _NON_FINITE
        elif isinstance(node, dict):
            top = index == 0 and not where
            children = []
            for key, item in node.items():
                if isinstance(key, str) and "\x00" in key:
                    return (f"{path(index)} (key)" if not top else "(key)"), _NUL
                parents.append((index, str(key) if top else f".{key}"))
                children.append((item, len(parents) - 1))
            stack.extend(reversed(children))
        elif isinstance(node, list | tuple):
            children = []
            for i, item in enumerate(node):
                parents.append((index, f"[{i}]"))
                children.append((item, len(parents) - 1))
            stack.extend(reversed(children))
    return None


class _NoNul(BaseModel):
    """A request body: no NUL characters and no NaN or Infinity anywhere in it."""

    @model_validator(mode="before")
    @classmethod
    def _no_nul(cls, data: Any) -> Any:
        found = unfit_at(data)
        if found:
            raise ValueError(f"{found[0]}: {found[1]}")
        return data


#: a segment label of the AI platform's (the same in escalations and conversation volume)
Segment = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9._:/-]*$")]
#: a customer reference hashed by the sender: stored and exported as given
CUSTOMER_REF_PATTERN = r"^[A-Za-z0-9_:.=+/-]{16,128}$"


class EscalationCreate(_NoNul, EscalationIn):
    """An escalation from the AI platform, with its context packet.

    Beside the routing fields, what the escalation review measures: when the AI conversation
    began (time to escalation), who the customer is (return rate), and the platform's segment
    (escalation rate against ``POST /v1/conversation-volume``). None of them affects routing.
    """

    id: Id
    conversation_started_at: Instant | None = Field(
        None,
        description="When the AI conversation began; time to escalation is created_at minus this. "
        "Not after created_at.",
    )
    customer_id: Annotated[str, Field(min_length=1, max_length=256)] | None = Field(
        None,
        description="The customer's id in your systems, raw. The service never stores it: it keeps "
        "its keyed hash (HMAC-SHA256 under a secret salt of the tenant) as customer_ref, so the same "
        "id gives the same customer_ref in every escalation of the tenant. Give customer_id or "
        "customer_ref, not both.",
    )
    customer_ref: Annotated[str, Field(pattern=CUSTOMER_REF_PATTERN)] | None = Field(
        None,
        description="A stable customer reference you have already hashed (16-128 characters: letters, "
        "digits and _:.=+/-), stored as given. Give customer_id or customer_ref, not both.",
    )
    segment: Segment | None = Field(
        None, description="Your segment label, as in POST /v1/conversation-volume (escalation rate)."
    )

    @model_validator(mode="after")
    def _review_fields_fit(self) -> EscalationCreate:
        if self.customer_id is not None and self.customer_ref is not None:
            raise ValueError("give customer_id (raw, hashed here) or customer_ref (hashed), not both")
        started = self.conversation_started_at
        if started is not None and started > self.created_at:
            raise ValueError(
                f"conversation_started_at ({timestamps.iso(started)}) is after created_at "
                f"({timestamps.iso(self.created_at)})"
            )
        return self

    def routing_spec(self) -> dict[str, Any]:
        """The escalation as routing stores it (:class:`~routing.schemas.EscalationIn` without the
        context packet and the review fields), JSON-ready."""
        return self.model_dump(mode="json", exclude={"context", *REVIEW_FIELDS})


#: the fields of :class:`EscalationCreate` routing never sees (stored in columns of their own)
REVIEW_FIELDS = frozenset({"conversation_started_at", "customer_id", "customer_ref", "segment"})


class AgentUpsert(_NoNul, AgentIn):
    """An agent's profile: skills, tier, languages, time zone, shifts, channel caps.

    ``status`` applies when the agent is created; later changes go through the status endpoint.
    """

    id: Id


class StatusIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    status: AgentStatus


def _json_integer(value: Any) -> Any:
    """A JSON integer as JSON Schema counts them: ``4`` and ``4.0``, never ``"4"`` or ``true``
    (left to the strict check after it, which refuses them)."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


class CompletionIn(_NoNul):
    """Outcome feedback, so escalation patterns can be reviewed."""

    model_config = ConfigDict(extra="forbid")
    resolved: bool
    ai_failure_reason: Annotated[str, Field(max_length=2000)] | None = Field(
        None, description="Why the AI assistant could not resolve it."
    )
    return_to_ai_allowed: bool = Field(False, description="Could this conversation go back to the AI?")
    notes: Annotated[str, Field(max_length=5000)] = ""
    wrap_up_s: Annotated[float, Field(ge=0, le=86_400)] | None = Field(
        None,
        description="After-contact work: keep the slot this long (capped by the channel's wrap_up_s "
        "setting; null: all of it, 0: none).",
    )
    csat: Annotated[int, Field(ge=1, le=5, strict=True), BeforeValidator(_json_integer)] | None = Field(
        None, description="The customer's satisfaction score after the conversation, 1-5 (null: not asked)."
    )
    first_contact_resolved: bool | None = Field(
        None, description="Resolved in this contact, with no follow-up needed (null: not known)."
    )
    ai_could_have_handled: bool | None = Field(
        None,
        description="The agent's judgement: could the AI assistant have resolved it without a human? "
        "(null: not judged).",
    )


class DecisionOut(BaseModel):
    """What happens to the escalation now: offered to an agent, queued, or deferred."""

    model_config = _OUT
    outcome: Literal["offered", "queued", "deferred"]
    offer_id: str | None = None
    agent_id: str | None = None
    expires_at: Instant | None = None
    expires_at_s: float | None = epoch_of("expires_at", None)
    position: int | None = None
    eta_s: float | None = None
    mode: DeferralMode | None = None
    next_open_at: Instant | None = None
    next_open_at_s: float | None = epoch_of("next_open_at", None)
    reason: str | None = None
    explanation: dict[str, Any] | None = None


class EscalationCreated(BaseModel):
    model_config = _OUT
    escalation_id: str
    state: EscalationState
    decision: DecisionOut


class HistoryEntry(BaseModel):
    model_config = _OUT
    seq: int
    occurred_at: Instant = Field(description="When it was recorded.")
    occurred_at_s: float = epoch_of("occurred_at")
    kind: str
    agent_id: str | None = None
    offer_id: str | None = None
    detail: dict[str, Any] = Field(description=DETAIL)


class EscalationView(BaseModel):
    model_config = _OUT
    id: str
    state: EscalationState
    created_at: Instant
    agent_id: str | None
    offer_id: str | None
    offer_expires_at: Instant | None
    relaxation_level: int
    offers_made: int
    handoff_s: float | None
    outcome: dict[str, Any] | None
    escalation: dict[str, Any] = Field(description="The escalation as received, without the context.")
    context: ContextPacket
    history: list[HistoryEntry] = Field(description="Every decision with its explanation, in order.")
    conversation_started_at: Instant | None = Field(None, description="When the AI conversation began.")
    customer_ref: str | None = Field(None, description="The hashed customer reference (never the raw id).")
    segment: str | None = None
    context_viewed_at: Instant | None = Field(
        None, description="When an agent first opened the context packet (POST .../context-viewed)."
    )


class AgentView(BaseModel):
    model_config = _OUT
    id: str
    profile: dict[str, Any]
    status: AgentStatus
    load: dict[str, int] = Field(description="Slots in use per channel (pending offers included).")
    missed_offers: int
    active: bool = Field(True, description="False once deactivated (DELETE); adding it again reactivates it.")
    deactivated_at: Instant | None = None
    wrap_up_until: Instant | None = Field(
        None, description="While the agent wraps up a completed escalation: when that ends (its slot frees)."
    )


class OfferAccepted(BaseModel):
    """The accepted escalation and everything the agent needs: the full context packet."""

    model_config = _OUT
    offer_id: str
    escalation_id: str
    agent_id: str
    handoff_s: float
    escalation: dict[str, Any]
    context: ContextPacket
    callback: dict[str, Any] | None = Field(
        None, description="The customer asked to be called back: phone, notes."
    )


class OfferDeclined(BaseModel):
    model_config = _OUT
    offer_id: str
    escalation_id: str
    state: EscalationState
    next_decision: DecisionOut | None = Field(description="Where the escalation went instead.")


class ContextSummary(BaseModel):
    """What an offered agent sees before accepting: never the transcript or account data."""

    model_config = ConfigDict(extra="forbid")
    summary: str = ""
    intent: str | None = None
    reason: str = ""

    @classmethod
    def of(cls, context: dict[str, Any] | None) -> ContextSummary:
        """The summary of a stored context packet (JSON), dropping everything else."""
        return cls.model_validate({k: v for k, v in (context or {}).items() if k in cls.model_fields})


class PendingOffer(BaseModel):
    """An offer awaiting the agent's answer."""

    model_config = _OUT
    offer_id: str
    escalation_id: str
    channel: str
    expires_at: Instant
    expires_in_s: float = Field(description="Seconds left to accept, from now (>= 0).")
    context: ContextSummary


class EscalationPosition(BaseModel):
    """Where an escalation stands now. Only a queued one has a position and an ETA."""

    model_config = _OUT
    escalation_id: str
    state: EscalationState
    position: int | None = Field(
        description="1-based among those competing for the same agents; null unless queued."
    )
    eta_s: float | None = Field(
        description="Estimated wait to an offer; null unless queued or if nobody eligible is staffed."
    )
    reason: str | None = Field(description="Why it waits; null unless queued.")


class ContextViewed(BaseModel):
    """The context packet's first view by the agent holding the escalation."""

    model_config = _OUT
    escalation_id: str
    agent_id: str
    viewed_at: Instant = Field(description="When it was first viewed (a repeated report keeps the first).")
    viewed_at_s: float = epoch_of("viewed_at")
    after_accept_s: float = Field(description="From the agent's accept to the view, seconds.")
    first_view: bool = Field(description="False when an earlier report had recorded the view already.")


class Completed(BaseModel):
    model_config = _OUT
    escalation_id: str
    state: EscalationState
    outcome: CompletionIn
    wrap_up_s: float = Field(0.0, description="The wrap-up granted (0: the slot freed at once).")
    wrap_up_until: Instant | None = None


class CancelIn(_NoNul):
    """Why the escalation is withdrawn before an agent accepted it."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={  # the API's check, in the schema: reason other needs a note
            "if": {"properties": {"reason": {"const": "other"}}, "required": ["reason"]},
            "then": {"properties": {"note": {"pattern": r"\S"}}, "required": ["note"]},
        },
    )
    reason: CancelReason = Field(
        description="customer_left ends it abandoned; resolved_by_ai, duplicate, other end it cancelled."
    )
    note: Annotated[str, Field(max_length=2000)] = Field("", description="Required with reason other.")


class Cancelled(BaseModel):
    model_config = _OUT
    escalation_id: str
    state: EscalationState
    reason: CancelReason
    note: str
    offer_withdrawn: str | None = Field(description="The pending offer withdrawn, if it had one.")


class HandBackIn(_NoNul):
    """The agent returns an accepted conversation to the AI assistant."""

    model_config = ConfigDict(extra="forbid")
    outcome: Literal["resolved", "partially_resolved", "unresolved", "ai_can_continue"]
    note: Annotated[str, Field(max_length=5000)] = Field("", description="For the AI assistant.")


class HandedBack(BaseModel):
    model_config = _OUT
    escalation_id: str
    state: EscalationState
    outcome: str
    note: str


SkillName = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^\S.*$")]
Proficiency = Annotated[int, Field(ge=1, le=5)]


class TransferIn(_NoNul):
    """Send an accepted escalation to other requirements; unset fields stay as they are."""

    model_config = ConfigDict(extra="forbid")
    reason: Annotated[str, Field(min_length=1, max_length=500)]
    required_skills: dict[SkillName, Proficiency] | None = None
    preferred_skills: dict[SkillName, Proficiency] | None = None
    complexity_tier: Annotated[int, Field(ge=1, le=3)] | None = None
    language: Annotated[str, Field(min_length=1, max_length=35)] | None = None


class TransferredOut(BaseModel):
    model_config = _OUT
    escalation_id: str
    state: EscalationState
    transfers: int
    decision: DecisionOut = Field(description="Where it went: offered, queued or deferred.")


class CallbackIn(_NoNul):
    """The waiting customer asks to be called back instead of holding."""

    model_config = ConfigDict(extra="forbid")
    phone: Annotated[str, Field(pattern=r"^\+[1-9][0-9]{6,14}$", description="E.164, e.g. +14155550100.")]
    notes: Annotated[str, Field(max_length=1000)] = ""


class CallbackRequestedOut(BaseModel):
    model_config = _OUT
    escalation_id: str
    state: EscalationState
    callback: bool = True


class QueueSegment(BaseModel):
    model_config = _OUT
    channel: str
    required_skills: list[str]
    depth: int
    oldest_wait_s: float
    eta_s: float | None = Field(description="Estimated wait of the last in line; null: nobody staffed.")


class QueuesView(BaseModel):
    model_config = _OUT
    depth: int
    oldest_wait_s: float | None
    segments: list[QueueSegment]


class AuditEntry(BaseModel):
    model_config = _OUT
    seq: int
    occurred_at: Instant = Field(description="When it was recorded.")
    occurred_at_s: float = epoch_of("occurred_at")
    kind: str
    escalation_id: str | None
    agent_id: str | None
    offer_id: str | None
    detail: dict[str, Any] = Field(description=DETAIL)


class AuditPage(BaseModel):
    model_config = _OUT
    events: list[AuditEntry]
    next_after_seq: int | None = Field(description="Pass as after_seq for the next page; null at the end.")


class FieldError(BaseModel):
    model_config = _OUT
    field: str
    problem: str


class Problem(BaseModel):
    """RFC 9457 problem details."""

    model_config = ConfigDict(extra="allow")
    type: str = "about:blank"
    title: str
    status: int
    detail: str | None = None
    instance: str | None = None
    errors: list[FieldError] | None = None


class Health(BaseModel):
    model_config = _OUT
    status: str
