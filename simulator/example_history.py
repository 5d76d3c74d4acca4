"""The example history: eight weeks of a desk's escalations, simulated, in the history-log format.

The desk is a scenario (``scenarios/history/desk.yaml``): its segments give a weekday's rates and
day profile (``arrivals_per_hour`` and ``peaks``), its roster and offer behaviour serve them.
Each calendar day's customers are drawn with every segment's rate multiplied by that day's
factor (:func:`day_factor`), then all days run as one simulation through the production
dispatcher (:class:`simulator.model.Model`):

* a **weekly** pattern (:data:`WEEKDAY_FACTORS`: Monday busiest, the weekend quiet);
* a **holiday** (:attr:`HistoryCalendar.holiday`: the day runs at :data:`HOLIDAY_FACTOR`);
* a **level shift** (:attr:`HistoryCalendar.level_shift_from`: from that day on every rate is
  :data:`LEVEL_SHIFT_FACTOR` times higher, as after a product launch) on the same roster, so the
  last weeks' service level drops, as it would.

What the simulator decides (offers, acceptance, abandonment, deferral, handle time) becomes the
outcome columns of the history log. What it does not model is drawn from seeded streams, so the
metrics of ``handoff analytics`` have something to read: the trigger of each escalation, the time
the AI conversation started, a hashed customer reference drawn from a pool (some customers come
back), when the context packet was opened, CSAT (answered by a share of customers, lower after a
long wait), first-contact resolution and whether the agent judged the AI could have handled it.
The simulator has no wrap-up, no transfers and does not tell declines from expiries: those cells
are left empty (not observed), never written as a fake 0. ``transfers`` is empty too.

A second file gives the AI platform's conversation volume per 15 minutes and segment (the
escalation rate's denominator): the escalations of the interval plus a Poisson count of
conversations the AI finished itself, at :data:`ESCALATION_SHARE`.

Deterministic for a seed: day ``d``'s customers and its unmodelled columns draw only from
``SeedSequence([seed, d.toordinal()])``, the run's agents (shrinkage, later offers) from
``SeedSequence(seed)``. A simulation is causal, so regenerating the first ``k`` days gives the
full history's rows of every escalation settled before the ``k``-th day ends (all of them but a
few still waiting at that midnight).
"""

from __future__ import annotations

import argparse
import hashlib
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Final

import numpy as np

from routing.domain import Trigger
from routing.history import HistoryRecord, Outcome, VolumeRecord, write_history, write_volume
from simulator.demand import Arrivals, generate_demand, segment_rates_per_s
from simulator.model import Model
from simulator.records import ABANDONED, ASSIGNED, COMPLETED, DEFERRED, WAITING, RunRecords
from simulator.scenario import Scenario, load_scenario

__all__ = [
    "DEFAULT_SEED",
    "ESCALATION_SHARE",
    "HISTORY_FILE",
    "HOLIDAY_FACTOR",
    "LEVEL_SHIFT_FACTOR",
    "REPLAY_DAY",
    "VOLUME_FILE",
    "WEEKDAY_FACTORS",
    "HistoryCalendar",
    "day_factor",
    "day_scenario",
    "example_history",
    "main",
    "replay_day_file",
    "write_example_history",
]

#: Monday..Sunday multipliers of the desk's weekday rates.
WEEKDAY_FACTORS: Final = (1.15, 1.05, 1.0, 1.0, 0.95, 0.55, 0.45)
HOLIDAY_FACTOR: Final = 0.35
LEVEL_SHIFT_FACTOR: Final = 1.25
#: Share of AI conversations escalated to a human (the conversation file's denominator).
ESCALATION_SHARE: Final = 0.18
#: Distinct customers behind the escalations (some escalate again: the return rate).
CUSTOMERS: Final = 6000

# trigger mix per segment, and how often the agent says the AI could have handled it
_TRIGGERS: Final[dict[str, tuple[tuple[Trigger, float, float], ...]]] = {
    "billing": (
        (Trigger.EXPLICIT_REQUEST, 0.35, 0.30),
        (Trigger.POLICY_TOPIC, 0.30, 0.05),
        (Trigger.NEGATIVE_SENTIMENT, 0.15, 0.10),
        (Trigger.LOW_CONFIDENCE, 0.20, 0.45),
    ),
    "technical": (
        (Trigger.LOOP, 0.45, 0.20),
        (Trigger.LOW_CONFIDENCE, 0.30, 0.40),
        (Trigger.EXPLICIT_REQUEST, 0.25, 0.25),
    ),
    "account-security": ((Trigger.SECURITY, 0.85, 0.02), (Trigger.EXPLICIT_REQUEST, 0.15, 0.10)),
}
_DEFAULT_TRIGGERS: Final = ((Trigger.OTHER, 1.0, 0.1),)
_QUEUES: Final = {"billing": "Billing", "technical": "Technical", "account-security": "Account Security"}
_TIMEZONES: Final = {
    "en": ("Europe/London", "America/New_York"),
    "es": ("Europe/Madrid", "America/Mexico_City"),
}
_INTERVAL_S: Final = 900
DEFAULT_SEED: Final = 2026
HISTORY_FILE: Final = "history.csv.gz"
VOLUME_FILE: Final = "conversations.csv.gz"
#: The day also written on its own, as a one-day export to replay (a Tuesday after the level shift).
REPLAY_DAY: Final = date(2026, 11, 24)
#: The simulator's outcome codes (never accepted) as history-log outcomes.
_OUTCOME: Final = {ABANDONED: Outcome.ABANDONED, DEFERRED: Outcome.DEFERRED, WAITING: Outcome.WAITING}


@dataclass(frozen=True, slots=True)
class HistoryCalendar:
    """The days of the example history and its two events. ``first_day`` should be a Monday."""

    first_day: date = date(2026, 10, 5)
    weeks: int = 8
    holiday: date | None = date(2026, 11, 5)  # a Thursday in week 5
    level_shift_from: date | None = date(2026, 11, 16)  # Monday of week 7

    def __post_init__(self) -> None:
        if self.weeks < 1:
            raise ValueError(f"weeks(={self.weeks}) must be >= 1")

    def days(self) -> list[date]:
        return [self.first_day + timedelta(days=k) for k in range(7 * self.weeks)]


def day_factor(day: date, calendar: HistoryCalendar) -> float:
    """The multiplier of the desk's weekday rates on ``day``."""
    factor = WEEKDAY_FACTORS[day.weekday()]
    if day == calendar.holiday:
        factor *= HOLIDAY_FACTOR
    if calendar.level_shift_from is not None and day >= calendar.level_shift_from:
        factor *= LEVEL_SHIFT_FACTOR
    return factor


def day_scenario(desk: Scenario, day: date, factor: float) -> Scenario:
    """``desk`` moved to ``day`` (00:00 UTC, 24 h, no warm-up) with every segment's base rate
    times ``factor``. Raise a ValueError if a segment's volume is not ``arrivals_per_hour``."""
    demand = []
    for seg in desk.demand:
        if seg.arrivals_per_hour is None:
            raise ValueError(f"segment {seg.segment!r}: the example history needs arrivals_per_hour")
        demand.append(seg.model_copy(update={"arrivals_per_hour": seg.arrivals_per_hour * factor}))
    start = datetime(day.year, day.month, day.day, tzinfo=UTC)
    return desk.model_copy(
        update={"demand": demand, "start": start, "time_zone": "UTC", "duration_h": 24.0, "warmup_h": 0.0}
    )


def _concatenate(parts: Sequence[Arrivals]) -> Arrivals:
    """The days' arrivals as one run's, in time order (each day's are already sorted and later
    than the day before's). Every day's demand has the same kinds, so the kind table is shared."""
    first = parts[0]
    for part in parts[1:]:
        if part.templates != first.templates or part.segments != first.segments:
            raise ValueError("every day must have the same demand segments and kinds")
    return Arrivals(
        created_s=np.concatenate([p.created_s for p in parts]),
        kind=np.concatenate([p.kind for p in parts]),
        handle_s=np.concatenate([p.handle_s for p in parts]),
        patience_s=np.concatenate([p.patience_s for p in parts]),
        accept_delay_s=np.concatenate([p.accept_delay_s for p in parts]),
        declines=np.concatenate([p.declines for p in parts]),
        segments=first.segments,
        templates=first.templates,
        kind_segment=first.kind_segment,
        kind_channel=first.kind_channel,
    )


def example_history(
    desk: Scenario, calendar: HistoryCalendar, seed: int, days: int | None = None
) -> tuple[list[HistoryRecord], list[VolumeRecord]]:
    """The history-log records and conversation-volume records of the first ``days`` days of
    ``calendar`` (default: all), in time order.

    Each day's customers are drawn from that day's own seed; then all days run as **one**
    simulation through the dispatcher, so work in progress at midnight stays with its agent
    (per-day runs would hand a busy agent new work at 00:00, beyond their concurrency cap).
    The run's horizon may exceed the 31 days a planner's scenario file allows: that limit guards
    planners' inputs, not the model. Raise a ValueError if ``days`` is not 1 to the calendar's.
    """
    all_days = calendar.days()
    n_days = len(all_days) if days is None else days
    if not 1 <= n_days <= len(all_days):
        raise ValueError(f"days(={days}) must be 1-{len(all_days)}")
    chosen = all_days[:n_days]
    day_scenarios = [day_scenario(desk, day, day_factor(day, calendar)) for day in chosen]
    parts = [
        generate_demand(sc, np.random.SeedSequence([seed, day.toordinal()]))
        for day, sc in zip(chosen, day_scenarios, strict=True)
    ]
    run = day_scenarios[0].model_copy(update={"duration_h": 24.0 * n_days})
    records = Model(run, _concatenate(parts), np.random.SeedSequence(seed), record_etas=False).run()
    history: list[HistoryRecord] = []
    volume: list[VolumeRecord] = []
    first = 0
    for day, sc, part in zip(chosen, day_scenarios, parts, strict=True):
        extra = np.random.Generator(np.random.PCG64(np.random.SeedSequence([seed, day.toordinal(), 1])))
        history.extend(_rows(records, range(first, first + len(part)), sc, day, extra))
        volume.extend(_conversations(part, sc, extra))
        first += len(part)
    return history, volume


def _agent_ids(records: RunRecords) -> list[str]:
    ids: list[str] = []
    for name, count in zip(records.group_names, records.group_counts, strict=True):
        ids.extend(f"{name}#{k}" for k in range(count))
    return ids


def _rows(
    records: RunRecords, rows: range, scenario: Scenario, day: date, rng: np.random.Generator
) -> Iterator[HistoryRecord]:
    """The history records of the run's escalations ``rows`` (one day's)."""
    arrivals = records.arrivals
    agents = _agent_ids(records)
    threshold_s = scenario.service_level.threshold_s
    n = len(rows)
    # every draw is made for every row, in one call each, so the streams never depend on outcomes
    conversation_s = rng.lognormal(math.log(200.0), 0.6, n)
    customer = np.minimum(rng.zipf(1.6, n), CUSTOMERS) + rng.integers(0, CUSTOMERS, n)
    trigger_u = rng.random(n)
    tz_pick = rng.integers(0, 2, n)
    viewed = rng.random(n) < 0.92
    view_delay_s = rng.exponential(15.0, n)
    answers_csat = rng.random(n) < 0.35
    csat_noise = rng.normal(0.0, 0.8, n)
    resolved_u = rng.random(n)
    ai_u = rng.random(n)
    for j, i in enumerate(rows):
        template = arrivals.templates[int(arrivals.kind[i])]
        channel, required, preferred, complexity, customer_tier, language = template[:6]
        segment = arrivals.segments[int(arrivals.kind_segment[int(arrivals.kind[i])])]
        created_s = float(arrivals.created_s[i])
        triggers = _TRIGGERS.get(segment, _DEFAULT_TRIGGERS)
        cumulative = np.cumsum([t[1] for t in triggers])
        t_index = min(
            int(np.searchsorted(cumulative, trigger_u[j] * cumulative[-1], side="right")), len(triggers) - 1
        )
        trigger, _, ai_share = triggers[t_index]
        outcome = int(records.outcome[i])
        accepted_s = float(records.accepted_s[i])
        first_offer_s = float(records.first_offer_s[i])
        handle_s = float(arrivals.handle_s[i])
        agent = int(records.agent[i])
        served = outcome in (ASSIGNED, COMPLETED)
        handoff_s = accepted_s - created_s if served else math.nan
        late = served and handoff_s > threshold_s
        csat = None
        if served and answers_csat[j]:
            score = 4.3 - 0.9 * late - (0.5 if trigger is Trigger.NEGATIVE_SENTIMENT else 0.0)
            csat = int(min(5, max(1, round(score + float(csat_noise[j])))))
        yield HistoryRecord(
            escalation_id=f"esc-{day:%Y%m%d}-{j + 1:05d}",
            created_at_s=created_s,
            conversation_started_at_s=created_s - float(conversation_s[j]),
            channel=channel,
            skills=dict(required),
            preferred_skills=dict(preferred),
            tier=int(complexity),
            customer_tier=customer_tier,
            language=language,
            customer_timezone=_TIMEZONES.get(language, ("UTC", "UTC"))[int(tz_pick[j])],
            trigger=trigger,
            segment=segment,
            queue=_QUEUES.get(segment, segment),
            customer_ref=hashlib.sha256(f"customer-{int(customer[j])}".encode()).hexdigest()[:16],
            outcome=Outcome.COMPLETED if served else _OUTCOME[outcome],
            offers=int(records.offers[i]),
            first_offered_at_s=None if math.isnan(first_offer_s) else first_offer_s,
            accepted_at_s=accepted_s if served else None,
            handoff_s=handoff_s if served else None,
            agent_id=agents[agent] if served else None,
            agent_group=records.group_names[int(records.agent_group[i])] if served else None,
            context_viewed_at_s=accepted_s + float(view_delay_s[j]) if served and viewed[j] else None,
            completed_at_s=accepted_s + handle_s if served else None,
            handle_time_s=handle_s if served else None,
            patience_s=float(records.finished_s[i]) - created_s if outcome == ABANDONED else None,
            csat=csat,
            first_contact_resolved=bool(resolved_u[j] < 0.82 - 0.1 * late) if served else None,
            ai_could_have_handled=bool(ai_u[j] < ai_share) if served else None,
        )


def _conversations(arrivals: Arrivals, scenario: Scenario, rng: np.random.Generator) -> list[VolumeRecord]:
    k = ((arrivals.created_s - scenario.start_s) // _INTERVAL_S).astype(np.int64)
    n_intervals = scenario.intervals
    out: list[VolumeRecord] = []
    for s, seg in enumerate(scenario.demand):
        escalated = np.bincount(k[arrivals.segment == s], minlength=n_intervals)[:n_intervals]
        rate = segment_rates_per_s(seg, scenario) * _INTERVAL_S
        by_ai = rng.poisson(rate * (1.0 / ESCALATION_SHARE - 1.0))
        out.extend(
            VolumeRecord(
                interval_start_s=scenario.start_s + j * _INTERVAL_S,
                interval_s=_INTERVAL_S,
                segment=seg.segment,
                conversations=int(escalated[j] + by_ai[j]),
            )
            for j in range(n_intervals)
        )
    return out


def write_example_history(
    desk_path: Path, out: Path, calendar: HistoryCalendar | None = None, seed: int = DEFAULT_SEED
) -> list[Path]:
    """Write ``history.csv.gz``, ``conversations.csv.gz`` and (when the calendar has it) the
    :data:`REPLAY_DAY` alone as ``day-YYYY-MM-DD.csv`` into ``out`` for the desk scenario at
    ``desk_path``; return their paths. Raise :class:`routing.errors.InvalidInput` for a bad
    desk file and OSError if ``out`` cannot be written."""
    desk = load_scenario(desk_path)
    calendar = calendar or HistoryCalendar()
    out.mkdir(parents=True, exist_ok=True)
    records, volume = example_history(desk, calendar, seed)
    paths = [out / HISTORY_FILE, out / VOLUME_FILE]
    write_history(paths[0], records)
    write_volume(paths[1], volume)
    if REPLAY_DAY in calendar.days():
        paths.append(out / replay_day_file(REPLAY_DAY))
        write_history(
            paths[2], (r for r in records if r.escalation_id.startswith(f"esc-{REPLAY_DAY:%Y%m%d}-"))
        )
    return paths


def replay_day_file(day: date) -> str:
    """The file name of a one-day export: ``day-2026-11-24.csv``."""
    return f"day-{day:%Y-%m-%d}.csv"


def main(argv: Sequence[str] | None = None) -> None:
    """``python -m simulator.example_history``: regenerate the shipped example history."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--desk", type=Path, default=Path("scenarios/history/desk.yaml"))
    parser.add_argument("--out", type=Path, default=Path("scenarios/history"))
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--weeks", type=int, default=HistoryCalendar().weeks)
    args = parser.parse_args(argv)
    paths = write_example_history(args.desk, args.out, HistoryCalendar(weeks=args.weeks), args.seed)
    for path in paths:
        print(f"{path}: {path.stat().st_size:,} bytes")


if __name__ == "__main__":
    main()
