"""``plan.json``: the capacity plan for machines (a workforce-management import, a dashboard, a diff).

:func:`build_plan_document` turns a :class:`simulator.planning.result.CapacityPlan` into a
:class:`PlanDocument`; :func:`write_plan_json` writes it. The document holds:

* ``requirements`` -- one row per interval and group: agents required on the queue
  (``required``), the workload lower bound, and the agents on the queue under the current roster
  and under the recommended shifts;
* ``shifts`` -- the recommended shifts (``plan.schedule.shifts``): group, template, start, end,
  time zone, count, break, paid hours;
* ``current_headcount`` / ``recommended_headcount`` / ``headcount_change`` (``{group: count}``);
* ``current_agent_hours`` / ``recommended_agent_hours`` (``{group: hours}`` on duty over the horizon);
* ``verification`` -- the re-simulated recommended roster in the ``summary.json`` shape of
  :meth:`simulator.replications.Replications.summary`, plus ``intervals``: every interval's
  metrics as ``{mean, ci95}``; ``baseline`` is the same for the current roster and
  ``comparison`` for a compared scenario;
* ``meets_target``, ``misses`` (intervals that still miss, with by how much, and the segment
  judged: each segment against its own targets, ``null`` for a pool target), ``notes``,
  ``schedule`` (status, message, paid hours, cost, their LP lower bounds and gaps, shortfalls),
  ``method``, ``scenario``, ``seed`` and ``replications``;
* ``segment_verdicts`` -- per demand segment, its own targets (``own``: set by the segment) and
  the verified roster's horizon-wide mean against each.
* ``fixes`` / ``applied_fix`` -- structural fixes for hours no group can cover, ranked, and the
  number of the fix this plan was made with (:mod:`reports.fix_document`).

Times are ISO 8601 with their UTC offset: interval starts in the scenario's time zone, shift times
in the shift's own time zone. There is no NaN anywhere: a value that does not exist (an ASA in an
interval where nobody was accepted) is ``null``.
"""

from __future__ import annotations

import json
import math
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, PlainSerializer

from reports.fix_document import FixOut, fixes_out
from reports.plan_data import requirements, scenario_start, verified_eta_pairs
from routing.shifts import zone
from simulator.eta_accuracy import eta_accuracy_by_segment
from simulator.metric_catalogue import SHARES
from simulator.planning.result import CapacityPlan
from simulator.replications import SUMMARY_METRICS, Replications, estimate_columns

__all__ = [
    "PLAN_FORMAT_VERSION",
    "EstimateOut",
    "IntervalMetrics",
    "MissOut",
    "PlanDocument",
    "RequirementRow",
    "ScenarioInfo",
    "ScheduleInfo",
    "SegmentVerdictOut",
    "ShiftOut",
    "ShortfallOut",
    "TargetCheckOut",
    "Verification",
    "build_plan_document",
    "interval_datetimes",
    "plan_json_text",
    "verification_of",
    "write_plan_json",
]

PLAN_FORMAT_VERSION: Literal[1] = 1
_DOC = ConfigDict(extra="forbid", frozen=True)

#: An aware datetime, written with its numeric UTC offset (``+00:00``, never ``Z``), as Python's
#: ``isoformat`` and the CSV tables write it.
Instant = Annotated[
    AwareDatetime, PlainSerializer(lambda d: d.isoformat(), return_type=str, when_used="json")
]


def _finite(value: float | None) -> float | None:
    """``value`` as a float, or None when missing or not finite (JSON has no NaN)."""
    if value is None:
        return None
    v = float(value)
    return v if math.isfinite(v) else None


class EstimateOut(BaseModel):
    """A mean over replications and its 95 % interval (``null`` when it does not exist)."""

    model_config = _DOC
    mean: float | None
    ci95: tuple[float | None, float | None] | None


class IntervalMetrics(BaseModel):
    """One interval of a simulated roster: every metric of ``summary.json`` plus ``staffed_<group>``
    (mean agents on the queue), each as ``{mean, ci95}``."""

    model_config = _DOC
    interval_start: Instant
    metrics: dict[str, EstimateOut]


class SummaryTarget(BaseModel):
    """The service-level target a verification was judged against, as ``summary.json`` holds it."""

    model_config = _DOC
    threshold_s: float
    target: float


class Verification(BaseModel):
    """A simulated roster in the ``summary.json`` shape (:meth:`Replications.summary`), with the
    per-interval metrics added as ``intervals``."""

    model_config = _DOC
    scenario: str
    replications: int
    seed: int
    metrics: dict[str, EstimateOut]
    segments: dict[str, dict[str, EstimateOut]]
    roster: dict[str, int]
    service_level_target: SummaryTarget
    horizon: dict[str, float | int]
    run: dict[str, float | int | None]
    attribution: str
    intervals: list[IntervalMetrics]


class RequirementRow(BaseModel):
    """Agents on the queue for one group in one interval."""

    model_config = _DOC
    interval_start: Instant
    group: str
    required: int = Field(ge=0, description="fewest agents on the queue that meet the targets")
    lower_bound: int | None = Field(None, description="max-flow / workload bound")
    scheduled_current: float | None = Field(None, description="agents on the queue, current roster")
    scheduled_recommended: float | None = Field(None, description="agents on duty, recommended shifts")


class ShiftOut(BaseModel):
    """``count`` agents of ``group`` working ``template`` from ``start`` to ``end`` (in ``time_zone``)."""

    model_config = _DOC
    group: str
    template: str
    start: Instant
    end: Instant
    time_zone: str
    count: int = Field(ge=0)
    break_start: Instant | None
    break_end: Instant | None
    paid_h: float = Field(description="paid hours of one such shift")


class ShortfallOut(BaseModel):
    """An interval where the chosen shifts cover fewer agents of ``group`` than required."""

    model_config = _DOC
    group: str
    interval_start: Instant
    required: float
    covered: float
    short: float


class ScheduleInfo(BaseModel):
    """How the shift schedule was reached (:class:`simulator.planning.scheduling.ScheduleResult`)."""

    model_config = _DOC
    status: Literal["optimal", "feasible", "infeasible", "time_limit"]
    message: str
    method: str
    paid_hours: float | None
    cost: float | None
    lower_bound_paid_hours: float | None = Field(None, description="LP relaxation: no schedule pays less")
    lower_bound_cost: float | None = None
    paid_hours_gap: float | None = Field(None, description="(paid hours - bound) / bound")
    cost_gap: float | None = None
    covered: bool
    shortfalls: list[ShortfallOut]


class MissOut(BaseModel):
    """An interval where the recommended roster still misses a target, and by how much."""

    model_config = _DOC
    interval_start: Instant
    metric: str
    value: float | None
    target: float
    shortfall: float | None
    ci95: list[float | None] | None = None  # of the mean over replications
    clear: bool = False  # the whole interval is on the wrong side of the target (not just noise)
    segment: str | None = None  # the segment judged (against its own target); null: a pool target


class TargetCheckOut(BaseModel):
    """One target of a segment against the horizon-wide mean."""

    model_config = _DOC
    metric: str
    goal: float
    bound: Literal["min", "max"]
    value: float | None
    ci95: list[float | None] | None
    met: bool


class SegmentVerdictOut(BaseModel):
    """A segment against its own targets (``own``: the segment sets some) over the horizon."""

    model_config = _DOC
    segment: str
    own: bool
    threshold_s: float
    meets: bool
    checks: list[TargetCheckOut]


class ScenarioInfo(BaseModel):
    """The scenario planned: its horizon and its service targets (the caps it leaves out are
    ``null``)."""

    model_config = _DOC
    name: str
    description: str
    time_zone: str
    start: Instant
    duration_h: float
    warmup_h: float
    interval_min: int
    threshold_s: float
    target_service_level: float
    max_abandon_rate: float | None
    max_occupancy: float | None
    max_p95_handoff_s: float | None


class EtaAccuracyOut(BaseModel):
    """How well the router's ETAs predicted the wait of one segment's queued escalations
    (:mod:`simulator.eta_accuracy`; ``null`` where nothing was measured)."""

    model_config = _DOC
    queued: int
    unknown: int
    censored: int
    measured: int
    median_abs_error_s: float | None
    bias_s: float | None
    within_30s: float | None
    median_wait_s: float | None
    relative_error: float | None


class PlanDocument(BaseModel):
    """The whole of ``plan.json`` (see the module docstring)."""

    model_config = _DOC
    format_version: Literal[1] = PLAN_FORMAT_VERSION
    scenario: ScenarioInfo
    seed: int
    replications: int
    method: dict[str, str]
    meets_target: bool
    current_headcount: dict[str, int]
    recommended_headcount: dict[str, int]
    headcount_change: dict[str, int]
    current_agent_hours: dict[str, float]
    recommended_agent_hours: dict[str, float]
    requirements: list[RequirementRow]
    shifts: list[ShiftOut]
    schedule: ScheduleInfo | None
    verification: Verification | None
    baseline: Verification
    comparison: Verification | None
    misses: list[MissOut]
    segment_verdicts: list[SegmentVerdictOut] = []
    #: per segment, then "all": for the verified roster (empty when no records were kept)
    eta_accuracy: dict[str, EtaAccuracyOut] = {}
    notes: list[str]
    fixes: list[FixOut] = []
    applied_fix: int | None = None


# ---------------------------------------------------------------------------------------- builders
def interval_datetimes(plan: CapacityPlan) -> list[datetime]:
    """The plan's interval starts as aware datetimes in the scenario's time zone."""
    tz = zone(plan.scenario.time_zone)
    return [datetime.fromtimestamp(float(t), tz) for t in plan.interval_start_s]


def _estimate_out(d: dict[str, Any]) -> EstimateOut:
    ci = d.get("ci95")
    return EstimateOut(
        mean=_finite(d.get("mean")), ci95=None if ci is None else (_finite(ci[0]), _finite(ci[1]))
    )


def _interval_metrics(result: Replications, tz_name: str) -> list[IntervalMetrics]:
    tz = zone(tz_name)
    names = [*SUMMARY_METRICS, *(m for m in result.runs[0].intervals if m.startswith("staffed_"))]
    columns = {m: estimate_columns(result.per_interval(m), share=m in SHARES) for m in names}
    rows = []
    for k, start in enumerate(result.interval_start_s.tolist()):
        metrics = {}
        for m, (mean, low, high) in columns.items():
            lo, hi = _finite(low[k]), _finite(high[k])
            metrics[m] = EstimateOut(
                mean=_finite(mean[k]), ci95=None if lo is None and hi is None else (lo, hi)
            )
        rows.append(IntervalMetrics(interval_start=datetime.fromtimestamp(start, tz), metrics=metrics))
    return rows


def verification_of(result: Replications) -> Verification:
    """``result`` in the ``summary.json`` shape, with per-interval metrics added."""
    s = result.summary()
    return Verification(
        scenario=s["scenario"],
        replications=s["replications"],
        seed=s["seed"],
        metrics={m: _estimate_out(v) for m, v in s["metrics"].items()},
        segments={
            seg: {m: _estimate_out(v) for m, v in metrics.items()} for seg, metrics in s["segments"].items()
        },
        roster=s["roster"],
        service_level_target=SummaryTarget(**s["service_level_target"]),
        horizon=s["horizon"],
        run=s["run"],
        attribution=s["attribution"],
        intervals=_interval_metrics(result, result.scenario.time_zone),
    )


def _requirements(plan: CapacityPlan) -> list[RequirementRow]:
    tz = zone(plan.scenario.time_zone)
    return [
        RequirementRow(
            interval_start=datetime.fromtimestamp(r.interval_start_s, tz),
            group=r.group,
            required=r.required,
            lower_bound=r.lower_bound,
            scheduled_current=_finite(r.scheduled_current),
            scheduled_recommended=_finite(r.scheduled_recommended),
        )
        for r in requirements(plan)
    ]


def _schedule(plan: CapacityPlan) -> tuple[list[ShiftOut], ScheduleInfo | None]:
    sched = plan.schedule
    if sched is None:
        return [], None
    tz = zone(plan.scenario.time_zone)
    shifts = [
        ShiftOut(
            group=s.group,
            template=s.template,
            start=s.start,
            end=s.end,
            time_zone=s.time_zone,
            count=s.count,
            break_start=s.break_start,
            break_end=s.break_end,
            paid_h=s.paid_h,
        )
        for s in sched.shifts
    ]
    info = ScheduleInfo(
        status=sched.status.value,
        message=sched.message,
        method=sched.method,
        paid_hours=_finite(sched.paid_hours),
        cost=_finite(sched.cost),
        lower_bound_paid_hours=_finite(sched.lower_bound_paid_hours),
        lower_bound_cost=_finite(sched.lower_bound_cost),
        paid_hours_gap=_finite(sched.paid_hours_gap),
        cost_gap=_finite(sched.cost_gap),
        covered=sched.covered,
        shortfalls=[
            ShortfallOut(
                group=f.group,
                interval_start=f.start.astimezone(tz),
                required=f.required,
                covered=f.covered,
                short=f.short,
            )
            for f in sched.shortfalls
        ],
    )
    return shifts, info


def build_plan_document(plan: CapacityPlan) -> PlanDocument:
    """The :class:`PlanDocument` of ``plan``."""
    sc = plan.scenario
    tz = zone(sc.time_zone)
    target = sc.service_level
    goals = {t.metric: t.goal for t in target.targets}  # the caps a scenario leaves out are None
    shifts, schedule = _schedule(plan)
    groups = list(dict.fromkeys([*plan.current_headcount, *plan.recommended_headcount]))
    return PlanDocument(
        scenario=ScenarioInfo(
            name=sc.name,
            description=sc.description,
            time_zone=sc.time_zone,
            start=scenario_start(sc),
            duration_h=sc.duration_h,
            warmup_h=sc.warmup_h,
            interval_min=sc.interval_min,
            threshold_s=target.threshold_s,
            target_service_level=goals["service_level"],
            max_abandon_rate=goals.get("abandon_rate"),
            max_occupancy=goals.get("occupancy"),
            max_p95_handoff_s=goals.get("p95_handoff_s"),
        ),
        seed=plan.seed,
        replications=plan.replications,
        method=dict(plan.method),
        meets_target=plan.meets_target,
        current_headcount=dict(plan.current_headcount),
        recommended_headcount=dict(plan.recommended_headcount),
        current_agent_hours={g: round(h, 2) for g, h in plan.current_agent_hours.items()},
        recommended_agent_hours={g: round(h, 2) for g, h in plan.recommended_agent_hours.items()},
        headcount_change={
            g: plan.recommended_headcount.get(g, 0) - plan.current_headcount.get(g, 0) for g in groups
        },
        requirements=_requirements(plan),
        shifts=shifts,
        schedule=schedule,
        verification=None if plan.recommended is None else verification_of(plan.recommended),
        baseline=verification_of(plan.current),
        comparison=None if plan.compare is None else verification_of(plan.compare),
        misses=[
            MissOut(
                interval_start=datetime.fromtimestamp(m.interval_start_s, tz),
                metric=m.metric,
                value=_finite(m.value),
                target=m.target,
                shortfall=_finite(m.shortfall),
                ci95=None if m.ci95 is None else [_finite(v) for v in m.ci95],
                clear=m.clear,
                segment=m.segment,
            )
            for m in plan.misses
        ],
        segment_verdicts=[
            SegmentVerdictOut(
                segment=v.segment,
                own=v.own,
                threshold_s=v.threshold_s,
                meets=v.meets,
                checks=[
                    TargetCheckOut(
                        metric=c.metric,
                        goal=c.goal,
                        bound="min" if c.higher_is_better else "max",
                        value=_finite(c.value),
                        ci95=None if c.ci95 is None else [_finite(x) for x in c.ci95],
                        met=c.met,
                    )
                    for c in v.checks
                ],
            )
            for v in plan.segment_verdicts
        ],
        eta_accuracy=_eta_accuracy(plan),
        notes=list(plan.notes),
        fixes=fixes_out(plan),
        applied_fix=plan.applied_fix,
    )


def _eta_accuracy(plan: CapacityPlan) -> dict[str, EtaAccuracyOut]:
    pairs = verified_eta_pairs(plan)
    if pairs is None:
        return {}
    return {
        segment: EtaAccuracyOut(
            queued=a.queued,
            unknown=a.unknown,
            censored=a.censored,
            measured=a.measured,
            median_abs_error_s=_finite(a.median_abs_error_s),
            bias_s=_finite(a.bias_s),
            within_30s=_finite(a.within_30s),
            median_wait_s=_finite(a.median_wait_s),
            relative_error=_finite(a.relative_error),
        )
        for segment, a in eta_accuracy_by_segment(pairs).items()
    }


def plan_json_text(document: PlanDocument) -> str:
    """``document`` as JSON text (indented; ``allow_nan=False``: a NaN is a bug, never output)."""
    data = document.model_dump(mode="json")
    return json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def write_plan_json(plan: CapacityPlan, path: Path) -> PlanDocument:
    """Write ``plan.json`` for ``plan`` to ``path``; return the document written."""
    document = build_plan_document(plan)
    path.write_text(plan_json_text(document), encoding="utf-8")
    return document
