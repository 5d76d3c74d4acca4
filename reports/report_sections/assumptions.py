"""Section 2, the assumptions: the horizon, the targets, where demand comes from, how agents
answer offers, the routing rules, the model, and the demand segments and roster as given."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape
from pathlib import Path

from reports.html_parts import html_table
from reports.plan_data import scenario_start
from reports.report_text import targets_text
from simulator.planning.result import CapacityPlan
from simulator.scenario import AgentGroup, DemandSegment, Distribution, Scenario

__all__ = ["render"]

_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def _percent(share: float, digits: int = 0) -> str:
    """A scenario input that is a share (decline probability, shrinkage) as a percentage."""
    return f"{100 * share:.{digits}f} %"


def _distribution(d: Distribution | None) -> str:
    if d is None:
        return "infinitely patient"
    if d.distribution == "empirical":
        return f"empirical ({len(d.values_s or [])} values, mean {d.mean:.0f} s)"
    if d.distribution == "lognormal":
        return f"lognormal, mean {d.mean:g} s, CV {d.cv:g}"
    return f"{d.distribution}, mean {d.mean:g} s"


def _days(days: Sequence[int]) -> str:
    if list(days) == list(range(7)):
        return "every day"
    if list(days) == list(range(5)):
        return "Mon–Fri"
    return ", ".join(_DAYS[d] for d in days)


def _volume(seg: DemandSegment) -> str:
    if seg.arrivals_per_hour is not None:
        text = f"{seg.arrivals_per_hour:g}/h base"
    elif seg.volume_per_interval is not None:
        text = f"volume per interval ({len(seg.volume_per_interval)} values)"
    else:
        text = f"forecast CSV {Path(str(seg.forecast_csv)).name}"
    if seg.peaks:
        text += "; peaks " + ", ".join(f"{p.start:%H:%M}–{p.end:%H:%M} ×{p.multiplier:g}" for p in seg.peaks)
    return text


def _shifts(group: AgentGroup) -> str:
    if group.shifts is None:
        return "always on"
    parts = []
    for s in group.shifts:
        text = f"{_days(s.days)} {s.start}–{s.end}"
        if s.breaks:
            text += " (break " + ", ".join(f"{b.start}–{b.end}" for b in s.breaks) + ")"
        parts.append(text)
    return "; ".join(parts)


def _concurrency(group: AgentGroup) -> str:
    caps = ", ".join(f"{c.value} {n}" for c, n in group.channels.items())
    return caps + (f"; at most {group.max_total} in all" if group.max_total is not None else "")


def _demand_source(sc: Scenario) -> str:
    parts = []
    if sc.demand:
        parts.append(f"{len(sc.demand)} generated segment(s) (time-varying Poisson)")
    if sc.replay is not None:
        parts.append(f"replayed log {Path(str(sc.replay.log)).name}")
    return ", ".join(parts)


def _facts(plan: CapacityPlan) -> list[tuple[str, str]]:
    sc = plan.scenario
    routing = sc.effective_routing
    timeouts = sorted(set(routing.offer_timeout_s.values()))
    tiers = ", ".join(f"{k.value} customers to tier ≥ {v}" for k, v in routing.min_agent_tier.items())
    facts = [
        ("scenario", f"{sc.name}" + (f": {sc.description}" if sc.description else "")),
        (
            "horizon",
            f"{scenario_start(sc):%a %d %b %Y %H:%M} {sc.time_zone}, {sc.duration_h:g} h after a "
            f"{sc.warmup_h:g} h warm-up, {sc.interval_min}-min intervals",
        ),
        ("targets", targets_text(sc.service_level)),
        ("demand source", _demand_source(sc)),
        (
            "agents answering offers",
            f"accept delay {_distribution(sc.offers.accept_delay)}; decline probability "
            f"{_percent(sc.offers.decline_probability, 1)}; offer timeout "
            + ", ".join(f"{v:g} s" for v in timeouts),
        ),
        (
            "routing",
            f"relaxation: {'; '.join(s.describe() for s in routing.relaxation) or 'none'}; tier headroom "
            f"{routing.tier_headroom}; {tiers}; defer when nobody eligible starts within "
            f"{routing.deferral.horizon_s / 60:g} min",
        ),
        ("replications and seed", f"{plan.replications} replications per roster, seed {plan.seed}"),
    ]
    return facts + [(f"model: {k}", v) for k, v in plan.method.items()]


def render(plan: CapacityPlan, pngs: Mapping[str, bytes]) -> str:
    """The facts as a definition list, then the demand segments and the current roster."""
    sc = plan.scenario
    dl = "".join(f"<dt>{escape(k)}</dt><dd>{escape(v)}</dd>" for k, v in _facts(plan))
    out = f'<dl class="facts">{dl}</dl>'
    if sc.demand:
        seg_rows = [
            (
                seg.segment,
                seg.channel.value,
                ", ".join(f"{k} ≥ {v}" for k, v in seg.skills.items()) or "none",
                _volume(seg),
                _distribution(seg.handle_time),
                _distribution(seg.patience),
            )
            for seg in sc.demand
        ]
        out += "<h3>Demand segments</h3>" + html_table(
            ("segment", "channel", "required skills", "volume", "handle time", "patience"),
            seg_rows,
            numeric_from=99,
            cls="small",
        )
    grp_rows = [
        (
            g.group,
            str(g.count),
            ", ".join(f"{k} {v}" for k, v in g.skills.items()),
            str(g.tier),
            _concurrency(g),
            g.time_zone,
            _shifts(g),
            _percent(g.shrinkage),
        )
        for g in sc.roster
    ]
    out += "<h3>Current roster</h3>" + html_table(
        ("group", "agents", "skills", "tier", "concurrency", "time zone", "shifts (local)", "shrinkage"),
        grp_rows,
        numeric_from=99,
        cls="small",
    )
    return out
