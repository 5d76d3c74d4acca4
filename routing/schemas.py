"""Boundary models: what the outside world sends us, validated once, then turned into domain objects.

Every model forbids unknown fields. A failure becomes :class:`~routing.errors.InvalidInput` whose
problems name the field path and the bad value, e.g.
``agents[3].skills.billing: proficiency must be 1-5, got 7`` -- never a traceback.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar
from zoneinfo import ZoneInfoNotFoundError, available_timezones

import yaml
from pydantic import (
    AfterValidator,
    AliasChoices,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    ValidationError,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
    model_validator,
)

from routing import limits
from routing.domain import (
    MINUTES_PER_DAY,
    Agent,
    AgentStatus,
    Channel,
    CustomerTier,
    Escalation,
    Trigger,
    WeeklyShift,
)
from routing.errors import FieldProblem, InvalidInput
from routing.settings import RoutingSettings
from routing.shifts import zone
from routing.timestamps import iso, to_ms

# allow_inf_nan: NaN and Infinity are not JSON numbers (json.loads and YAML read them anyway)
_STRICT = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True, allow_inf_nan=False)


def _proficiency(value: int) -> int:
    if not 1 <= value <= 5:
        raise ValueError(f"proficiency must be 1-5, got {value}")
    return value


def _tier(value: int) -> int:
    if not 1 <= value <= 3:
        raise ValueError(f"tier must be 1-3, got {value}")
    return value


def _time_zone(value: str) -> str:
    try:
        zone(value)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: a folder name such as 'Europe'
        raise ValueError(f"unknown IANA time zone {value!r} (e.g. 'Europe/Paris')") from None
    return value


def _aware(value: datetime) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(
            f"time needs a UTC offset (e.g. '2026-12-01T09:00:00+00:00'), got {value.isoformat()!r}"
        )
    try:
        return to_ms(value)
    except OverflowError:  # e.g. 0001-01-01T00:00:00+01:00 is in year 0, UTC
        raise ValueError("time is outside the years 1-9999 (UTC)") from None


# strict: a boolean or a float is not a proficiency, even where Python would convert it
# the constraints in the JSON schema too (the OpenAPI contract), checked by the validators here
Proficiency = Annotated[
    int, Field(strict=True, json_schema_extra={"minimum": 1, "maximum": 5}), AfterValidator(_proficiency)
]
Tier = Annotated[
    int, Field(strict=True, json_schema_extra={"minimum": 1, "maximum": 3}), AfterValidator(_tier)
]
TimeZoneName = Annotated[
    str,
    AfterValidator(_time_zone),
    Field(
        json_schema_extra={"enum": sorted(available_timezones())},
        description="An IANA time zone (Europe/Paris, UTC, ...).",
    ),
]
#: An instant (:mod:`routing.timestamps`): read from ISO 8601 with a UTC offset or from epoch
#: seconds, kept in UTC to the millisecond, written as ISO 8601 UTC with ``Z``
#: (``2026-12-01T09:00:20.000Z``). The service's response models use it for every ``*_at``.
Instant = Annotated[
    datetime,
    AfterValidator(_aware),
    PlainSerializer(iso, return_type=str, when_used="json"),
    WithJsonSchema(
        {
            "anyOf": [{"type": "string", "format": "date-time"}, {"type": "number"}],
            "description": "An instant: ISO 8601 with a UTC offset (2026-12-01T09:00:00Z), or seconds "
            "since the Unix epoch. Kept to the millisecond.",
        },
        mode="validation",
    ),
    WithJsonSchema(
        {
            "type": "string",
            "format": "date-time",
            "description": "An instant: ISO 8601 UTC to the millisecond, with Z.",
            "examples": ["2026-12-01T09:00:20.000Z"],
        },
        mode="serialization",
    ),
]
NonEmpty = Annotated[str, Field(min_length=1, max_length=limits.NAME_CHARS)]
#: ``HH:MM``
Clock = Annotated[
    str,
    Field(max_length=limits.CLOCK_CHARS, json_schema_extra={"pattern": r"^(([01]\d|2[0-3]):[0-5]\d|24:00)$"}),
]

_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_HHMM = re.compile(r"^([01]\d|2[0-4]):([0-5]\d)$")


def _minutes(value: str) -> int:
    match = _HHMM.match(value)
    if not match or (match.group(1) == "24" and match.group(2) != "00"):
        raise ValueError(f"time must be HH:MM (00:00-24:00), got {value!r}")
    return int(match.group(1)) * 60 + int(match.group(2))


def _parse_days(value: Any) -> Any:
    """Accept ``[mon, tue]``, ``mon-fri``, ``[mon-fri, sun]`` or ``daily``; return day indices."""
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list):
        return value
    if len(items) > limits.DAY_ITEMS:
        raise ValueError(f"days: at most {limits.DAY_ITEMS} names or ranges")
    days: set[int] = set()
    for item in items:
        if not isinstance(item, str):
            raise ValueError(f"days must be names like 'mon' or ranges like 'mon-fri', got {item!r}")
        token = item.strip().lower()
        if token in ("daily", "everyday", "all"):
            days.update(range(7))
            continue
        first, _, last = token.partition("-")
        if first not in _DAYS or (last and last not in _DAYS):
            raise ValueError(f"unknown day {item!r}; use mon..sun, a range like mon-fri, or daily")
        a, b = _DAYS.index(first), _DAYS.index(last or first)
        days.update(range(a, b + 1) if a <= b else [*range(a, 7), *range(0, b + 1)])
    return sorted(days)


def _day_names(days: list[int]) -> list[str]:
    return [_DAYS[d] for d in days]


#: Weekdays as files spell them (``mon-fri``, ``[sat, sun]``, ``daily``), held as indices 0-6
#: (Monday 0) and written back as names, so a dumped document reads back as it was.
Weekdays = Annotated[
    list[int],
    BeforeValidator(_parse_days),
    PlainSerializer(_day_names, return_type=list[str], when_used="json"),
]


class BreakIn(BaseModel):
    model_config = _STRICT
    start: Clock
    end: Clock


class ShiftIn(BaseModel):
    """A weekly shift in the agent's local time. ``end`` before ``start`` crosses midnight; ``end``
    equal to ``start`` is refused (a shift with no length, or a 24-hour one written ambiguously: a
    whole day is ``start: "00:00"``, ``end: "24:00"``). ``start`` is 00:00-23:59."""

    model_config = _STRICT
    # written back as names (mon..sun), so a stored profile reads back as it was sent
    days: Annotated[Weekdays, Field(min_length=1)]
    start: Clock
    end: Clock
    breaks: list[BreakIn] = Field(default_factory=list, max_length=limits.BREAKS_PER_SHIFT)

    @field_validator("start", "end")
    @classmethod
    def _hhmm(cls, value: str) -> str:
        _minutes(value)
        return value

    @field_validator("start")
    @classmethod
    def _starts_within_the_day(cls, value: str) -> str:
        if _minutes(value) == MINUTES_PER_DAY:
            raise ValueError("a shift starts at 00:00-23:59, got '24:00' (write '00:00' of the next day)")
        return value

    @field_validator("end")
    @classmethod
    def _has_length(cls, value: str, info: ValidationInfo) -> str:
        start = info.data.get("start")
        if start is not None and _minutes(value) == _minutes(start):
            raise ValueError(
                f"end {value!r} equals start {start!r}, a shift of no length; a 24-hour shift is "
                "written start '00:00', end '24:00'"
            )
        return value

    def to_domain(self) -> WeeklyShift:
        """Raise a ValueError naming the break if one has no length or is outside the shift."""
        start = _minutes(self.start)
        end = _minutes(self.end)
        if end < start:
            end += MINUTES_PER_DAY
        breaks = []
        for i, b in enumerate(self.breaks):
            try:
                b_start, b_end = _minutes(b.start), _minutes(b.end)
            except ValueError as exc:
                raise ValueError(f"breaks[{i}]: {exc}") from None
            if b_end == b_start:
                raise ValueError(
                    f"breaks[{i}].end: {b.end!r} equals its start {b.start!r}, a break of no length"
                )
            if b_start < start:
                b_start += MINUTES_PER_DAY
            if b_end <= b_start:
                b_end += MINUTES_PER_DAY
            if b_start < start or b_end > end:
                raise ValueError(
                    f"breaks[{i}]: break {b.start}-{b.end} is outside the shift {self.start}-{self.end}"
                )
            breaks.append((b_start, b_end))
        return WeeklyShift(frozenset(self.days), start, end, tuple(breaks))

    @model_validator(mode="after")
    def _breaks_inside(self) -> ShiftIn:
        self.to_domain()
        return self


def _always(value: Any) -> Any:
    return None if value in ("always", None) else value


#: ``always`` (or nothing) means always on shift; otherwise a list of weekly shifts.
Shifts = Annotated[
    Annotated[list[ShiftIn], Field(max_length=limits.SHIFTS_PER_AGENT)] | None, BeforeValidator(_always)
]


def _some_channel(caps: dict[Channel, int]) -> dict[Channel, int]:
    if not any(caps.values()):
        raise ValueError("an agent needs a cap above 0 on at least one channel")
    return caps


#: Concurrency cap per channel (0-100), at least one above 0.
ChannelCaps = Annotated[
    dict[Channel, Annotated[int, Field(ge=0, le=100)]],
    # "not every cap is 0" in the schema: at least one entry, and not all of them at most 0
    Field(
        max_length=len(Channel),
        json_schema_extra={"minProperties": 1, "not": {"additionalProperties": {"maximum": 0}}},
    ),
    AfterValidator(_some_channel),
]


def check_unique(what: str, key: str, names: Sequence[str]) -> None:
    """Raise ValueError naming the second use of a name: ``roster[3].group: 'x' already used by ...``."""
    seen: dict[str, int] = {}
    for i, name in enumerate(names):
        if name in seen:
            raise ValueError(f"{what}[{i}].{key}: {name!r} already used by {what}[{seen[name]}]")
        seen[name] = i


class AgentProfile(BaseModel):
    """What routing knows of an agent, wherever the agent is described: skills with proficiency,
    tier, languages, time zone and weekly shifts, concurrency caps and regions. The roster API
    (:class:`AgentIn`) and a scenario's agent group (``simulator.scenario.AgentGroup``) share it."""

    model_config = _STRICT
    skills: dict[NonEmpty, Proficiency] = Field(min_length=1, max_length=limits.AGENT_SKILLS)
    tier: Tier = 1
    languages: list[NonEmpty] = Field(
        default_factory=lambda: ["en"], min_length=1, max_length=limits.AGENT_LANGUAGES
    )
    time_zone: TimeZoneName = "UTC"
    shifts: Shifts = Field(None, description="'always' (default) or a list of weekly shifts in local time")
    channels: ChannelCaps = Field(default_factory=lambda: {Channel.CHAT: 1}, description="Cap per channel.")
    max_total: Annotated[int, Field(ge=1, le=100)] | None = None
    regions: list[NonEmpty] = Field(default_factory=list, max_length=limits.AGENT_REGIONS)

    def weekly_shifts(self) -> tuple[WeeklyShift, ...] | None:
        """The shifts as domain objects; ``None`` means always on shift."""
        return None if self.shifts is None else tuple(s.to_domain() for s in self.shifts)

    def agent(self, agent_id: str, *, with_shifts: bool = True) -> Agent:
        """The domain :class:`~routing.domain.Agent` of this profile (always on shift when
        ``with_shifts`` is false)."""
        return Agent(
            id=agent_id,
            skills=dict(self.skills),
            tier=self.tier,
            languages=frozenset(self.languages),
            time_zone=self.time_zone,
            shifts=self.weekly_shifts() if with_shifts else None,
            channel_caps=dict(self.channels),
            max_total=self.max_total,
            regions=frozenset(self.regions),
        )

    @property
    def slots(self) -> int:
        """Total concurrency: ``max_total``, or the sum of the channel caps."""
        total = sum(self.channels.values())
        return min(total, self.max_total) if self.max_total is not None else total


class AgentIn(AgentProfile):
    """An agent as the roster API and ``handoff route`` files describe it."""

    id: NonEmpty
    name: Annotated[str, Field(max_length=limits.AGENT_NAME_CHARS)] | None = None
    status: AgentStatus = AgentStatus.AVAILABLE

    def to_domain(self) -> Agent:
        return self.agent(self.id)


class TranscriptTurn(BaseModel):
    model_config = _STRICT
    role: Literal["customer", "assistant", "agent", "system"]
    text: str = Field(max_length=limits.TURN_CHARS)
    sent_at: Instant | None = Field(
        None,
        validation_alias=AliasChoices("sent_at", "at"),
        description="When the turn was sent; `at`, its former name, is read too.",
    )


def _account(value: dict[str, Any]) -> dict[str, Any]:
    problem = limits.json_tree_problem(value)
    if problem:
        raise ValueError(problem)
    return value


class ContextPacket(BaseModel):
    """Everything the human needs so the customer never repeats themselves."""

    model_config = _STRICT
    transcript: list[TranscriptTurn] = Field(default_factory=list, max_length=limits.TRANSCRIPT_TURNS)
    summary: str = Field("", max_length=limits.SUMMARY_CHARS)
    intent: Annotated[str, Field(max_length=limits.INTENT_CHARS)] | None = None
    sentiment_trend: list[Annotated[float, Field(ge=-1, le=1)]] = Field(
        default_factory=list, max_length=limits.SENTIMENT_POINTS
    )
    actions_tried: list[Annotated[str, Field(max_length=limits.ACTION_CHARS)]] = Field(
        default_factory=list, max_length=limits.ACTIONS_TRIED
    )
    account: Annotated[dict[str, Any], AfterValidator(_account)] = Field(
        default_factory=dict,
        max_length=limits.ACCOUNT_KEYS,
        description=f"Free-form account data: maps nested at most {limits.ACCOUNT_DEPTH} deep, at most "
        f"{limits.ACCOUNT_KEYS} keys per map and {limits.ACCOUNT_ITEMS} keys and list items in all, keys "
        f"up to {limits.ACCOUNT_KEY_CHARS} and strings up to {limits.ACCOUNT_STRING_CHARS} characters.",
    )
    reason: str = Field("", max_length=limits.REASON_CHARS)


class EscalationIn(BaseModel):
    """An escalation as the AI platform sends it."""

    model_config = _STRICT
    id: NonEmpty
    created_at: Instant
    channel: Channel
    required_skills: dict[NonEmpty, Proficiency] = Field(
        default_factory=dict, max_length=limits.ESCALATION_SKILLS
    )
    preferred_skills: dict[NonEmpty, Proficiency] = Field(
        default_factory=dict, max_length=limits.ESCALATION_SKILLS
    )
    complexity_tier: Tier = 1
    customer_tier: CustomerTier = CustomerTier.STANDARD
    language: NonEmpty = "en"
    customer_region: NonEmpty | None = None
    customer_time_zone: TimeZoneName | None = None
    trigger: Trigger = Trigger.OTHER
    urgency: Annotated[float, Field(ge=0, le=1)] = 0.0
    context: ContextPacket = Field(default_factory=ContextPacket)

    def to_domain(self) -> Escalation:
        return Escalation(
            id=self.id,
            created_s=self.created_at.timestamp(),
            channel=self.channel,
            required_skills=dict(self.required_skills),
            preferred_skills=dict(self.preferred_skills),
            complexity_tier=self.complexity_tier,
            customer_tier=self.customer_tier,
            language=self.language,
            customer_region=self.customer_region,
            customer_time_zone=self.customer_time_zone,
            trigger=self.trigger,
            urgency=self.urgency,
        )


class RouteRequest(BaseModel):
    """Input of ``handoff route``: a roster, escalations arriving at their ``created_at``, settings.

    Agents accept each offer ``accept_after_s`` after it is made (``null``: nobody answers, so
    offers expire), except the agents listed in ``declines`` (agent id -> escalation ids), who
    decline those. ``until`` lets time run on after the last arrival.
    """

    model_config = _STRICT
    settings: RoutingSettings = Field(default_factory=RoutingSettings)
    agents: list[AgentIn] = Field(min_length=1)
    escalations: list[EscalationIn] = Field(min_length=1)
    accept_after_s: Annotated[float, Field(ge=0)] | None = 5.0
    declines: dict[str, list[str]] = Field(default_factory=dict)
    until: Instant | None = None

    @model_validator(mode="after")
    def _unique_ids(self) -> RouteRequest:
        check_unique("agents", "id", [a.id for a in self.agents])
        check_unique("escalations", "id", [e.id for e in self.escalations])
        return self


# ------------------------------------------------------------------------------------- errors
def _location(loc: Sequence[int | str]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part == "[key]":
            out += " (key)"
        else:
            out += f".{part}" if out else str(part)
    return out


def problems_from(exc: ValidationError) -> list[FieldProblem]:
    """Pydantic's errors as ``location: problem, got value`` lines."""
    problems = []
    for err in exc.errors(include_url=False):
        msg = str(err["msg"])
        for prefix in ("Value error, ", "Assertion failed, "):
            if msg.startswith(prefix):
                msg = msg[len(prefix) :]
        if err["type"] not in ("missing", "extra_forbidden") and "input" in err:
            value = err["input"]
            # our own messages already quote the value; pydantic's never do
            quoted = (
                f"got {value!r}" in msg
                or f"got {value}" in msg
                or (isinstance(value, str) and repr(value) in msg)
            )
            if not isinstance(value, dict | list) and not quoted:
                msg = f"{msg}, got {value!r}"
        if err["type"] == "extra_forbidden":
            msg = "unknown field (check the spelling)"
        problems.append(FieldProblem(_location(err["loc"]), msg))
    return problems


M = TypeVar("M", bound=BaseModel)


def parse(model: type[M], data: Any, source: str | None = None) -> M:
    """Validate ``data`` as ``model``; raise :class:`InvalidInput` naming every bad field."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise InvalidInput(problems_from(exc), source) from None


def load_document(path: Path) -> Mapping[str, Any]:
    """Read a JSON or YAML file into a mapping, with errors that name the file and line."""
    source = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InvalidInput([FieldProblem("", "file not found")], source) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInput([FieldProblem("", f"cannot read file: {exc}")], source) from None
    try:
        data = json.loads(text) if path.suffix.lower() == ".json" else yaml.safe_load(text)
    except json.JSONDecodeError as exc:
        raise InvalidInput([FieldProblem(f"line {exc.lineno}", f"invalid JSON: {exc.msg}")], source) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise InvalidInput([FieldProblem(where, f"invalid YAML: {problem}")], source) from None
    if data is None:
        raise InvalidInput([FieldProblem("", "the file is empty")], source)
    if not isinstance(data, dict):
        raise InvalidInput(
            [FieldProblem("", f"expected a mapping at the top, got {type(data).__name__}")], source
        )
    return data
