"""Scenario models: what a workforce planner describes, validated once at the boundary.

A scenario is YAML (or JSON) with a horizon, targets, demand segments, a roster of agent groups,
offer behaviour and the routing settings -- the same :class:`routing.settings.RoutingSettings`
the service runs. Every model forbids unknown fields; :func:`simulator.scenario.load_scenario`
turns any problem into :class:`routing.errors.InvalidInput` naming the file, the path inside it
and the bad value (``scenarios/x.yaml: roster[2].skills.billing: proficiency must be 1-5, got 7``).

Demand volume comes in exactly one of three forms per segment: ``arrivals_per_hour`` (constant),
``volume_per_interval`` (one count per ``interval_min`` interval, repeating if shorter than the
horizon), or ``forecast_csv`` (a file of interval volumes). ``peaks`` multiply the rate over a
window. Time of day is in the scenario's ``time_zone``. The time grid (start, interval starts in
epoch seconds) is a property of :class:`Scenario`.

A week: ``day_of_week`` multiplies a segment's rate per local weekday and a peak may apply on some
``days`` only; a scenario with either leaves ``duration_h`` out to plan a week (:data:`WEEK_H`),
simulated as one continuous run (queues carry across midnight). A segment may promise its own
targets (``service_level``, :class:`~simulator.scenario.targets.SegmentServiceLevel`); a roster
group's paid hours cost ``cost_per_paid_hour`` (1 by default: costs are then paid hours).
"""

from __future__ import annotations

import itertools
from datetime import datetime, time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Final, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from routing.domain import Agent, Channel, CustomerTier
from routing.schemas import (
    AgentProfile,
    NonEmpty,
    Proficiency,
    Shifts,
    Tier,
    TimeZoneName,
    Weekdays,
    check_unique,
)
from routing.settings import RoutingSettings
from routing.shifts import zone
from simulator.scenario.fix_rules import FixRules
from simulator.scenario.labour_rules import LabourRules
from simulator.scenario.people import NamedAgent
from simulator.scenario.shift_plans import ShiftPlan
from simulator.scenario.targets import SegmentServiceLevel, ServiceLevelTarget

if TYPE_CHECKING:  # numpy loads when the time grid is first asked for: `scenario check` never is
    import numpy as np
    from numpy.typing import NDArray

__all__ = [
    "WEEKDAYS",
    "WEEK_H",
    "AgentGroup",
    "DemandSegment",
    "Distribution",
    "ForecastFilter",
    "OfferBehaviour",
    "Peak",
    "ReplaySource",
    "Scenario",
    "Weekday",
]

#: The horizon of a weekly plan (a scenario with day-of-week demand that leaves ``duration_h`` out).
WEEK_H: Final = 24 * 7

Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
#: Local weekdays in ``datetime.weekday()`` order.
WEEKDAYS: Final[tuple[Weekday, ...]] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


_STRICT = ConfigDict(extra="forbid", frozen=True)

Seconds = Annotated[float, Field(ge=0)]
Share = Annotated[float, Field(ge=0, le=1)]


class Distribution(BaseModel):
    """A duration distribution, in seconds.

    ``exponential`` and ``fixed`` need ``mean_s``; ``lognormal`` needs ``mean_s`` and ``cv``
    (standard deviation / mean); ``empirical`` needs ``values_s`` (sampled uniformly).
    """

    model_config = _STRICT
    distribution: Literal["exponential", "lognormal", "fixed", "empirical"]
    mean_s: Annotated[float, Field(ge=0)] | None = None
    cv: Annotated[float, Field(gt=0)] | None = None
    values_s: list[Annotated[float, Field(ge=0)]] | None = None

    @model_validator(mode="after")
    def _parameters_fit(self) -> Distribution:
        kind = self.distribution
        if kind == "empirical":
            if not self.values_s:
                raise ValueError("an empirical distribution needs values_s (a non-empty list of seconds)")
            if self.mean_s is not None or self.cv is not None:
                raise ValueError("an empirical distribution takes values_s only, not mean_s or cv")
            return self
        if self.mean_s is None:
            raise ValueError(f"a {kind} distribution needs mean_s")
        if self.values_s is not None:
            raise ValueError(f"values_s applies to empirical distributions, not {kind}")
        if kind == "lognormal" and self.cv is None:
            raise ValueError("a lognormal distribution needs cv (standard deviation / mean), e.g. 0.8")
        if kind != "lognormal" and self.cv is not None:
            raise ValueError(f"cv applies to lognormal distributions, not {kind}")
        if kind in ("exponential", "lognormal") and self.mean_s <= 0:
            raise ValueError(f"a {kind} distribution needs mean_s > 0, got {self.mean_s}")
        return self

    @property
    def mean(self) -> float:
        if self.values_s is not None:
            return sum(self.values_s) / len(self.values_s)
        assert self.mean_s is not None
        return self.mean_s


class Peak(BaseModel):
    """Multiply a segment's rate by ``multiplier`` between two local times of day, on ``days``
    (local weekdays the peak starts on, e.g. ``mon-fri``; omitted = every day)."""

    model_config = _STRICT
    start: time
    end: time
    multiplier: Annotated[float, Field(ge=0)]
    days: Annotated[Weekdays, Field(min_length=1)] | None = None

    @model_validator(mode="after")
    def _ordered(self) -> Peak:
        if self.end <= self.start:
            raise ValueError(f"a peak must end after it starts, got {self.start}-{self.end}")
        return self


class ForecastFilter(BaseModel):
    """Which rows of an interval forecast CSV make up a segment (``None`` = any). The media type
    always matches the segment's channel."""

    model_config = _STRICT
    queue: NonEmpty | None = None
    skill_set: NonEmpty | None = None
    language: NonEmpty | None = None


class DemandSegment(BaseModel):
    """One stream of escalations with the same needs."""

    model_config = _STRICT
    segment: NonEmpty
    channel: Channel
    skills: dict[NonEmpty, Proficiency] = Field(default_factory=dict, description="required skill: minimum")
    preferred_skills: dict[NonEmpty, Proficiency] = Field(default_factory=dict)
    complexity_tier: Tier = 1
    arrivals_per_hour: Annotated[float, Field(ge=0)] | None = None
    volume_per_interval: list[Annotated[float, Field(ge=0)]] | None = None
    forecast_csv: Path | None = Field(
        None, description="interval volumes in the Genesys Cloud historical-import CSV layout"
    )
    forecast_filter: ForecastFilter | None = None
    peaks: list[Peak] = Field(default_factory=list)
    day_of_week: dict[Weekday, Annotated[float, Field(ge=0)]] | None = Field(
        None, description="rate multiplier per local weekday (mon..sun); days left out are 1"
    )
    service_level: SegmentServiceLevel | None = Field(
        None, description="this segment's own targets; fields left out are the scenario's"
    )
    handle_time: Distribution
    patience: Distribution | None = Field(None, description="omitted = infinitely patient")
    customer_tiers: dict[CustomerTier, Share] = Field(default_factory=lambda: {CustomerTier.STANDARD: 1.0})
    languages: dict[NonEmpty, Share] = Field(default_factory=lambda: {"en": 1.0})
    customer_region: NonEmpty | None = None
    urgency: Share = 0.0

    @model_validator(mode="after")
    def _one_volume_source(self) -> DemandSegment:
        given = [
            n
            for n in ("arrivals_per_hour", "volume_per_interval", "forecast_csv")
            if getattr(self, n) is not None
        ]
        if len(given) != 1:
            raise ValueError(
                "give exactly one of arrivals_per_hour, volume_per_interval or forecast_csv, "
                f"got {', '.join(given) or 'none'}"
            )
        if self.volume_per_interval is not None and not self.volume_per_interval:
            raise ValueError("volume_per_interval needs at least one interval")
        return self

    @field_validator("peaks")
    @classmethod
    def _peaks_apart(cls, peaks: list[Peak]) -> list[Peak]:
        ordered = sorted(peaks, key=lambda p: p.start)
        for a, b in itertools.pairwise(ordered):
            same_day = a.days is None or b.days is None or bool(set(a.days) & set(b.days))
            if same_day and b.start < a.end:
                raise ValueError(f"peaks must not overlap, got {a.start}-{a.end} and {b.start}-{b.end}")
        return peaks

    @field_validator("customer_tiers", "languages")
    @classmethod
    def _mix_sums_to_one(cls, mix: dict[Any, float]) -> dict[Any, float]:
        total = sum(mix.values())
        if not mix or abs(total - 1) > 1e-6:
            raise ValueError(f"shares must sum to 1, got {total:g}")
        return mix


class AgentGroup(AgentProfile):
    """``count`` agents with the same profile and shifts (the profile fields are
    :class:`routing.schemas.AgentProfile`'s, the roster API's own)."""

    model_config = _STRICT
    group: NonEmpty
    count: Annotated[int, Field(ge=0, le=100_000)]
    shifts: Shifts = Field(None, description="'always' (default) or weekly shifts in local time")
    shrinkage: Annotated[float, Field(ge=0, lt=1)] = Field(
        0.0, description="share of scheduled time off the queue (meetings, training, absence)"
    )
    away_episode_min: Annotated[float, Field(gt=0)] = Field(
        30.0, description="mean length of one off-queue episode; shrinkage sets how often they come"
    )
    cost_per_paid_hour: Annotated[float, Field(ge=0, le=1e6)] = Field(
        1.0, description="what one paid hour of this group costs (its shift templates' default)"
    )

    def agents(self, count: int | None = None) -> list[Agent]:
        """``count`` (default: the group's) agents of this profile, ids ``group#0``, ``group#1``..."""
        n = self.count if count is None else count
        return [self.agent(f"{self.group}#{k}") for k in range(n)]


class OfferBehaviour(BaseModel):
    """How agents answer offers in the simulation."""

    model_config = _STRICT
    accept_delay: Distribution = Field(default_factory=lambda: Distribution(distribution="fixed", mean_s=0))
    decline_probability: Share = 0.0
    timeout_s: Annotated[float, Field(gt=0)] | None = Field(
        None, description="offer timeout for every channel; omitted = routing.offer_timeout_s"
    )
    not_responding_recovery_s: Annotated[float, Field(gt=0)] = Field(
        60.0, description="how long an agent marked not-responding takes to become available again"
    )


class ReplaySource(BaseModel):
    """Replay a log of real escalations (CSV, see :mod:`simulator.arrivals`) instead of, or beside,
    generated demand. Times are replayed as logged; rows outside the scenario's horizon are counted
    and reported, not replayed."""

    model_config = _STRICT
    log: Path
    handle_time: Distribution = Field(description="for rows without handle_time_s")
    patience: Distribution | None = Field(None, description="for rows without patience_s; omitted = patient")


class Scenario(BaseModel):
    """Everything a simulation run needs, from a planner's file."""

    model_config = _STRICT
    name: NonEmpty
    description: str = ""
    time_zone: TimeZoneName = "UTC"
    start: datetime
    duration_h: Annotated[float, Field(gt=0, le=24 * 31)] = Field(
        description="the horizon in hours; day-of-week demand may leave it out (then a week)"
    )
    warmup_h: Annotated[float, Field(ge=0, le=24 * 7)] = 0.0
    interval_min: Literal[5, 10, 15, 30, 60] = 15
    service_level: ServiceLevelTarget = Field(default_factory=ServiceLevelTarget)
    demand: list[DemandSegment] = Field(default_factory=list)
    replay: ReplaySource | None = None
    roster: list[AgentGroup] = Field(min_length=1)
    offers: OfferBehaviour = Field(default_factory=OfferBehaviour)
    routing: RoutingSettings = Field(default_factory=RoutingSettings)
    fix_rules: FixRules = Field(
        default_factory=FixRules,
        description="site hours and prices of the fixes `handoff plan` proposes for uncovered hours",
    )
    shift_plans: list[ShiftPlan] = Field(
        default_factory=list,
        description="shifts `handoff plan` may publish, per roster group (its group of the same "
        "profile); groups without one get full-time 8.5 h and part-time 4 h shifts every 30 min",
    )
    labour_rules: LabourRules = Field(
        default_factory=LabourRules, description="contracts and the rules weekly patterns keep"
    )
    people: list[NamedAgent] = Field(
        default_factory=list, description="named people a weekly roster assigns to patterns"
    )

    @model_validator(mode="before")
    @classmethod
    def _week_by_default(cls, data: Any) -> Any:
        """Day-of-week demand (``day_of_week``, or peaks on some ``days``) without ``duration_h``
        plans a week (:data:`WEEK_H`)."""
        if not isinstance(data, dict) or "duration_h" in data or not isinstance(data.get("demand"), list):
            return data

        def weekly(d: Any) -> bool:
            peaks = d.get("peaks") if isinstance(d, dict) else None
            return isinstance(d, dict) and (
                bool(d.get("day_of_week"))
                or (isinstance(peaks, list) and any(isinstance(p, dict) and p.get("days") for p in peaks))
            )

        return {**data, "duration_h": WEEK_H} if any(weekly(d) for d in data["demand"]) else data

    @model_validator(mode="after")
    def _unique_names(self) -> Scenario:
        check_unique("demand", "segment", [d.segment for d in self.demand])
        check_unique("roster", "group", [g.group for g in self.roster])
        if not self.demand and self.replay is None:
            raise ValueError("give demand segments, a replay log, or both")
        for name in ("warmup_h", "duration_h"):
            intervals = getattr(self, name) * 60 / self.interval_min
            if abs(intervals - round(intervals)) > 1e-9:
                raise ValueError(
                    f"{name} must be a whole number of {self.interval_min}-min intervals, "
                    f"got {getattr(self, name):g} h"
                )
        groups = {g.group for g in self.roster}
        for i, plan in enumerate(self.shift_plans):
            if plan.group not in groups:
                raise ValueError(
                    f"shift_plans[{i}].group: no roster group named {plan.group!r} "
                    f"(groups: {', '.join(sorted(groups))})"
                )
        self._people_fit(groups)
        return self

    def _people_fit(self, groups: set[str]) -> None:
        """Every person's id is unique, their contract exists and their groups are roster groups."""
        check_unique("people", "id", [p.id for p in self.people])
        contracts = {c.name for c in self.labour_rules.contracts}
        for i, person in enumerate(self.people):
            if person.contract not in contracts:
                raise ValueError(
                    f"people[{i}].contract: no contract named {person.contract!r} in labour_rules "
                    f"(contracts: {', '.join(sorted(contracts))})"
                )
            unknown = sorted(set(person.groups or ()) - groups)
            if unknown:
                raise ValueError(
                    f"people[{i}].groups: no roster group named {unknown[0]!r} "
                    f"(groups: {', '.join(sorted(groups))})"
                )

    def segment_service_level(self, segment: str) -> ServiceLevelTarget:
        """The targets ``segment`` is judged against: its own ``service_level`` over the
        scenario's. Raise a KeyError naming an unknown segment."""
        for d in self.demand:
            if d.segment == segment:
                return self.service_level.for_segment(d.service_level)
        raise KeyError(f"no demand segment named {segment!r}")

    @property
    def effective_routing(self) -> RoutingSettings:
        """The routing settings the run uses: ``routing``, with ``offers.timeout_s`` (when given)
        as the offer timeout of every channel."""
        if self.offers.timeout_s is None:
            return self.routing
        timeout = self.offers.timeout_s
        return self.routing.model_copy(update={"offer_timeout_s": {c: timeout for c in Channel}})

    @property
    def warmup_s(self) -> float:
        return self.warmup_h * 3600.0

    @property
    def interval_s(self) -> float:
        return self.interval_min * 60.0

    @property
    def intervals(self) -> int:
        """Intervals in warm-up plus horizon."""
        return round((self.warmup_h + self.duration_h) * 60 / self.interval_min)

    @property
    def start_s(self) -> float:
        """The scenario's start as epoch seconds (a naive ``start`` is in the scenario's time zone)."""
        start = self.start
        if start.tzinfo is None:
            start = start.replace(tzinfo=zone(self.time_zone))
        return start.timestamp()

    @property
    def end_s(self) -> float:
        """Epoch seconds at which the last interval ends."""
        return self.start_s + self.intervals * self.interval_s

    @property
    def interval_starts_s(self) -> NDArray[np.float64]:
        """Epoch seconds at which each interval (warm-up included) starts."""
        import numpy as np

        return np.asarray(self.start_s + np.arange(self.intervals) * self.interval_s, np.float64)

    @property
    def warmup_intervals(self) -> int:
        """Intervals of warm-up, before the ones metrics count."""
        return round(self.warmup_s / self.interval_s)
