"""Demand: turn a scenario's segments (or a replayed log) into one run's escalations, up front.

Everything random about a customer is drawn here, before the run starts, from streams keyed by
demand segment (:mod:`simulator.streams`): arrival time, customer tier, language, handle time,
patience, and the accept delay and decline of the first offer. So two runs with the same seed and
different rosters serve the very same customers (common random numbers).

The result is columnar (:class:`Arrivals`): numpy arrays indexed by escalation number, in arrival
order, plus a small table of escalation *kinds* (segment x customer tier x language), so the
simulator builds each :class:`~routing.domain.Escalation` from a shared template.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
from numpy.typing import NDArray

from routing.domain import CHANNELS, Channel, CustomerTier, Trigger
from routing.shifts import zone
from simulator.arrivals import poisson_arrivals
from simulator.scenario.loading import cached_escalation_log, cached_interval_forecast
from simulator.scenario.models import WEEKDAYS, DemandSegment, Distribution, Scenario
from simulator.streams import stream

FloatArray = NDArray[np.float64]

#: Positional arguments of :class:`~routing.domain.Escalation` after ``id`` and ``created_s``.
Template = tuple[Any, ...]


def sample(dist: Distribution, rng: np.random.Generator, n: int) -> FloatArray:
    """``n`` draws of ``dist`` in seconds.

    ``lognormal`` is parameterised by its mean and coefficient of variation:
    sigma^2 = ln(1 + cv^2), mu = ln(mean) - sigma^2 / 2.
    """
    kind = dist.distribution
    if kind == "empirical":
        assert dist.values_s is not None
        return rng.choice(np.asarray(dist.values_s, dtype=np.float64), size=n)
    mean = dist.mean
    if kind == "fixed":
        return np.full(n, mean)
    if kind == "exponential":
        return rng.exponential(mean, n)
    assert dist.cv is not None
    sigma2 = math.log1p(dist.cv**2)
    return rng.lognormal(math.log(mean) - sigma2 / 2, math.sqrt(sigma2), n)


def peak_multipliers(segment: DemandSegment, scenario: Scenario) -> FloatArray:
    """Per interval, the rate multiplier of the segment's peaks.

    A peak covering part of an interval counts for that part (time-weighted), so a peak from 07:10
    lifts the 07:00-07:15 interval by two thirds of its excess. Times of day are local to the
    scenario's time zone, so peaks follow its wall clock across DST changes; a peak with ``days``
    lifts only those local weekdays.
    """
    n = scenario.intervals
    out = np.ones(n)
    if not segment.peaks:
        return out
    tz = zone(scenario.time_zone)
    start_s = scenario.start_s
    width_min = float(scenario.interval_min)
    for k in range(n):
        local = datetime.fromtimestamp(start_s + k * scenario.interval_s, tz)
        t0 = local.hour * 60 + local.minute + local.second / 60
        today = local.weekday()
        for peak in segment.peaks:
            p0 = peak.start.hour * 60 + peak.start.minute
            p1 = peak.end.hour * 60 + peak.end.minute
            overlap = 0.0
            if peak.days is None or today in peak.days:
                overlap += max(0.0, min(t0 + width_min, p1) - max(t0, p0))
            if peak.days is None or (today + 1) % 7 in peak.days:  # the part past midnight
                overlap += max(0.0, min(t0 + width_min - 1440, p1) - max(t0 - 1440, p0))
            out[k] += (peak.multiplier - 1.0) * overlap / width_min
    return out


def day_multipliers(segment: DemandSegment, scenario: Scenario) -> FloatArray:
    """Per interval, the segment's ``day_of_week`` multiplier for the local weekday the interval
    starts on (1 for days it leaves out, and everywhere when it has none)."""
    n = scenario.intervals
    if not segment.day_of_week:
        return np.ones(n)
    tz = zone(scenario.time_zone)
    by_day = np.array([segment.day_of_week.get(d, 1.0) for d in WEEKDAYS])
    weekday = [
        datetime.fromtimestamp(scenario.start_s + k * scenario.interval_s, tz).weekday() for k in range(n)
    ]
    out: FloatArray = by_day[np.asarray(weekday, np.int64)]
    return out


def segment_rates_per_s(segment: DemandSegment, scenario: Scenario) -> FloatArray:
    """The segment's arrival rate (per second) in each interval, peaks and the day-of-week
    multipliers applied."""
    n = scenario.intervals
    interval_s = scenario.interval_s
    if segment.arrivals_per_hour is not None:
        base = np.full(n, segment.arrivals_per_hour / 3600.0)
    elif segment.volume_per_interval is not None:
        volumes = np.asarray(segment.volume_per_interval, dtype=np.float64)
        base = np.resize(volumes, n) / interval_s
    else:
        base = _forecast_volumes(segment, scenario) / interval_s
    return base * peak_multipliers(segment, scenario) * day_multipliers(segment, scenario)


def _forecast_volumes(segment: DemandSegment, scenario: Scenario) -> FloatArray:
    assert segment.forecast_csv is not None
    forecast = cached_interval_forecast(segment.forecast_csv)
    f = segment.forecast_filter
    return forecast.volumes(
        scenario.start_s,
        scenario.interval_s,
        scenario.intervals,
        queue=f.queue if f else None,
        channel=segment.channel,
        skill_set=f.skill_set if f else None,
        language=f.language if f else None,
    )


@dataclass(frozen=True, slots=True, eq=False)
class Arrivals:
    """One run's escalations in arrival order (all arrays of one length).

    ``kind[i]`` indexes ``templates`` (the escalation's fixed fields) and ``kind_segment`` maps a
    kind to its segment in ``segments``. ``patience_s`` is ``inf`` for a patient customer.
    ``outside_horizon`` counts replayed log rows that fell outside the scenario's horizon.
    """

    created_s: FloatArray
    kind: NDArray[np.int32]
    handle_s: FloatArray
    patience_s: FloatArray
    accept_delay_s: FloatArray
    declines: NDArray[np.bool_]
    segments: tuple[str, ...]
    templates: tuple[Template, ...]
    kind_segment: NDArray[np.int16]
    kind_channel: NDArray[np.int8]
    outside_horizon: int = 0

    def __len__(self) -> int:
        return int(self.created_s.shape[0])

    @property
    def segment(self) -> NDArray[np.int16]:
        return self.kind_segment[self.kind]

    @property
    def channel(self) -> NDArray[np.int8]:
        return self.kind_channel[self.kind]


def _template(
    channel: Channel,
    required: dict[str, int],
    preferred: dict[str, int],
    complexity_tier: int,
    customer_tier: CustomerTier,
    language: str,
    region: str | None,
    urgency: float,
) -> Template:
    # order of routing.domain.Escalation's fields after id and created_s
    trigger = Trigger.VIP if customer_tier is CustomerTier.VIP else Trigger.OTHER
    return (
        channel,
        required,
        preferred,
        complexity_tier,
        customer_tier,
        language,
        region,
        None,
        trigger,
        urgency,
    )


class _Builder:
    """Collects per-segment columns, then merges them into one arrival-ordered :class:`Arrivals`."""

    def __init__(self) -> None:
        self.columns: list[tuple[FloatArray, NDArray[np.int32], FloatArray, FloatArray, FloatArray, Any]] = []
        self.templates: list[Template] = []
        self.kind_segment: list[int] = []
        self.kind_channel: list[int] = []
        self.segments: list[str] = []

    def kind(self, segment: int, template: Template) -> int:
        self.templates.append(template)
        self.kind_segment.append(segment)
        self.kind_channel.append(CHANNELS.index(template[0]))
        return len(self.templates) - 1

    def add(
        self,
        created_s: FloatArray,
        kinds: NDArray[np.int32],
        handle_s: FloatArray,
        patience_s: FloatArray,
        accept_delay_s: FloatArray,
        declines: NDArray[np.bool_],
    ) -> None:
        self.columns.append((created_s, kinds, handle_s, patience_s, accept_delay_s, declines))

    def build(self, outside_horizon: int) -> Arrivals:
        """Merge the segments' columns in arrival order, one column at a time (peak memory:
        one extra column, not a second copy of everything)."""
        columns = [list(c) for c in self.columns]
        self.columns = []
        if not columns:
            empty = np.empty(0)
            columns = [[empty, np.empty(0, np.int32), empty, empty, empty, np.empty(0, bool)]]
        created = columns[0][0] if len(columns) == 1 else np.concatenate([c[0] for c in columns])
        order = None if _ascending(created) else np.argsort(created, kind="stable")
        arrays: list[Any] = []
        for j in range(6):
            parts = [c[j] for c in columns]
            constant = _merged_constant(parts)
            if constant is not None:  # in any order the same
                arrays.append(constant)
                continue
            col = parts[0] if len(parts) == 1 else np.concatenate(parts)
            arrays.append(col if order is None else col[order])
            for c in columns:
                c[j] = None  # drop each source column as soon as it is merged
            del parts, col
        return Arrivals(
            created_s=arrays[0],
            kind=arrays[1].astype(np.int32, copy=False),
            handle_s=arrays[2],
            patience_s=arrays[3],
            accept_delay_s=arrays[4],
            declines=arrays[5].astype(bool, copy=False),
            segments=tuple(self.segments),
            templates=tuple(self.templates),
            kind_segment=np.asarray(self.kind_segment, dtype=np.int16),
            kind_channel=np.asarray(self.kind_channel, dtype=np.int8),
            outside_horizon=outside_horizon,
        )


def _ascending(values: FloatArray) -> bool:
    return bool(values.size < 2 or (values[1:] >= values[:-1]).all())


def _mix(rng: np.random.Generator, shares: list[float], n: int) -> NDArray[np.int8]:
    """``n`` draws of an index with the given shares (a single option draws nothing)."""
    if len(shares) == 1:
        return np.zeros(n, np.int8)
    return rng.choice(len(shares), size=n, p=shares).astype(np.int8)


def _first_offers(
    scenario: Scenario, rng: np.random.Generator, n: int
) -> tuple[FloatArray, NDArray[np.bool_]]:
    delay = scenario.offers.accept_delay
    delays = _constant(delay.mean, n) if delay.distribution == "fixed" else sample(delay, rng, n)
    declines = rng.random(n) < scenario.offers.decline_probability
    return delays, declines


def _constant(value: float, n: int) -> FloatArray:
    """``n`` times ``value``, read-only, in no memory (a million escalations' default accept
    delay or infinite patience would otherwise be 8 MB each); ``sample`` draws nothing for a
    fixed value either, so the streams are unchanged."""
    return np.broadcast_to(np.float64(value), (n,))


def _merged_constant(parts: list[Any]) -> Any:
    """The concatenation of ``parts`` as one :func:`_constant`, when each is one of the same
    value (None otherwise)."""
    if not all(isinstance(p, np.ndarray) and p.ndim == 1 and p.strides == (0,) for p in parts):
        return None
    values = {float(p[0]) for p in parts if p.size}
    if len(values) > 1:
        return None
    return _constant(values.pop() if values else 0.0, sum(p.size for p in parts))


def generate_demand(scenario: Scenario, replication: np.random.SeedSequence) -> Arrivals:
    """Every escalation of one replication: the segments' Poisson arrivals plus the replayed log.

    Segment ``s`` draws from its own streams, so adding a segment, or changing the roster, leaves
    the other segments' customers unchanged.
    """
    builder = _Builder()
    start_s = scenario.start_s
    for s, seg in enumerate(scenario.demand):
        builder.segments.append(seg.segment)
        rates = segment_rates_per_s(seg, scenario)
        created = poisson_arrivals(rates, scenario.interval_s, stream(replication, "arrivals", s), start_s)
        n = created.size
        attrs = stream(replication, "attributes", s)
        tiers = list(seg.customer_tiers)
        languages = list(seg.languages)
        tier_idx = _mix(attrs, [seg.customer_tiers[t] for t in tiers], n)
        lang_idx = _mix(attrs, [seg.languages[x] for x in languages], n)
        kind_of = np.empty((len(tiers), len(languages)), dtype=np.int32)
        for ti, tier in enumerate(tiers):
            for li, lang in enumerate(languages):
                kind_of[ti, li] = builder.kind(
                    s,
                    _template(
                        seg.channel,
                        dict(seg.skills),
                        dict(seg.preferred_skills),
                        seg.complexity_tier,
                        tier,
                        lang,
                        seg.customer_region,
                        seg.urgency,
                    ),
                )
        handle = sample(seg.handle_time, stream(replication, "handle", s), n)
        patience = (
            sample(seg.patience, stream(replication, "patience", s), n)
            if seg.patience is not None
            else _constant(np.inf, n)
        )
        delays, declines = _first_offers(scenario, stream(replication, "accept", s), n)
        builder.add(created, kind_of[tier_idx, lang_idx], handle, patience, delays, declines)
    outside = 0
    if scenario.replay is not None:
        outside = _add_replay(builder, scenario, replication, start_s)
    return builder.build(outside)


def _add_replay(
    builder: _Builder, scenario: Scenario, replication: np.random.SeedSequence, start_s: float
) -> int:
    """Add the replayed log's rows inside the horizon; return how many fell outside it.

    Replayed rows are grouped into segments named ``channel:skill+skill`` (``chat:billing+refunds``).
    Missing handle and patience times are drawn from the replay's distributions.
    """
    replay = scenario.replay
    assert replay is not None
    log = cached_escalation_log(replay.log)
    end_s = start_s + scenario.intervals * scenario.interval_s
    inside = np.flatnonzero((log.created_s >= start_s) & (log.created_s < end_s))
    s_key = len(scenario.demand)  # stream keys after the generated segments'
    kinds: dict[tuple[Any, ...], int] = {}
    segment_of: dict[str, int] = {}
    kind_col = np.empty(inside.size, dtype=np.int32)
    for j, i in enumerate(inside.tolist()):
        channel = CHANNELS[int(log.channel[i])]
        skills = dict(log.skills[i])
        label = f"{channel.value}:{'+'.join(sorted(skills)) or 'any'}"
        if label not in segment_of:
            segment_of[label] = len(builder.segments)
            builder.segments.append(label)
        key = (label, tuple(sorted(skills.items())), log.customer_tier[i], log.language[i])
        if key not in kinds:
            tpl = _template(channel, skills, {}, 1, log.customer_tier[i], log.language[i], None, 0.0)
            kinds[key] = builder.kind(segment_of[label], tpl)
        kind_col[j] = kinds[key]
    n = inside.size
    handle = log.handle_time_s[inside].copy()
    missing = np.isnan(handle)
    handle[missing] = sample(replay.handle_time, stream(replication, "handle", s_key), int(missing.sum()))
    patience = log.patience_s[inside].copy()
    missing = np.isnan(patience)
    if replay.patience is None:
        patience[missing] = np.inf
    else:
        patience[missing] = sample(
            replay.patience, stream(replication, "patience", s_key), int(missing.sum())
        )
    delays, declines = _first_offers(scenario, stream(replication, "accept", s_key), n)
    builder.add(log.created_s[inside].copy(), kind_col, handle, patience, delays, declines)
    return int(len(log) - n)
