"""The capacity report: one self-contained HTML file a planner takes to a manager, plus its parts.

:func:`write_report` writes into ``out_dir``::

    report.html             charts embedded as base64 PNG, no external resource, prints on A4
    plan.json               the plan for machines (:mod:`reports.plan_document`)
    charts/NAME.png|.svg    every chart (:data:`reports.charts.CHARTS`)
    tables/NAME.csv         every table (:mod:`reports.report_tables`)

The HTML reads in a manager's order: 1 headline (does the roster meet the handoff target on the
peak day; headcount per group and the change), 2 assumptions, 3 KPI summary with 95 % CIs, 4 demand
vs staffing, 5 handoff-time distribution, 6 service level / abandonment / occupancy per interval
and the intervals that still miss, 7 recommended shifts, 8 per-segment breakdown, 9 comparison.
Every string that comes from the scenario is HTML-escaped.
"""

from __future__ import annotations

import base64
import csv
import io
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from html import escape
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from reports import charts
from reports.plan_document import write_plan_json
from reports.report_tables import KPI_METRICS, Table, build_tables, rosters
from routing.shifts import zone
from simulator.planning.result import CapacityPlan
from simulator.replications import Estimate
from simulator.scenario import AgentGroup, DemandSegment, Distribution, Scenario

__all__ = ["PNG_DPI", "render_charts", "render_html", "write_report"]

PNG_DPI = 150  # 7.5 in x 150 dpi = 1125 px: sharp on screen and on A4 paper, ~100 kB a chart
_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


# ------------------------------------------------------------------------------------------ entry
def write_report(plan: CapacityPlan, out_dir: Path) -> dict[str, Path]:
    """Write the capacity report of ``plan`` into ``out_dir`` (created if missing).

    Returns every file written, keyed by its path relative to ``out_dir`` (``"report.html"``,
    ``"plan.json"``, ``"charts/demand_vs_staffing.png"``, ``"tables/kpis.csv"``, ...). Charts
    whose data the plan lacks are left out: ``shift_coverage`` without a schedule,
    ``comparison`` without a recommended roster or a compared scenario.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "charts").mkdir(exist_ok=True)
    (out_dir / "tables").mkdir(exist_ok=True)
    written: dict[str, Path] = {}

    pngs: dict[str, bytes] = {}
    for name, fig in render_charts(plan).items():
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=PNG_DPI, metadata={"Software": None})
        pngs[name] = buf.getvalue()
        png_path = out_dir / "charts" / f"{name}.png"
        png_path.write_bytes(pngs[name])
        svg_path = out_dir / "charts" / f"{name}.svg"
        fig.savefig(svg_path, format="svg", metadata={"Date": None})
        written[f"charts/{name}.png"] = png_path
        written[f"charts/{name}.svg"] = svg_path

    tables = build_tables(plan)
    for name, table in tables.items():
        path = out_dir / "tables" / f"{name}.csv"
        _write_csv(table, path)
        written[f"tables/{name}.csv"] = path

    written["plan.json"] = out_dir / "plan.json"
    write_plan_json(plan, written["plan.json"])

    written["report.html"] = out_dir / "report.html"
    written["report.html"].write_text(render_html(plan, pngs), encoding="utf-8")
    return written


def render_charts(plan: CapacityPlan) -> dict[str, Figure]:
    """Every chart the plan has data for, in report order (see :func:`write_report`)."""
    makers: dict[str, Callable[[CapacityPlan], Figure]] = {
        "demand_vs_staffing": charts.demand_vs_staffing,
        "handoff_distribution": charts.handoff_distribution,
        "interval_performance": charts.interval_performance,
        "shift_coverage": charts.shift_coverage,
        "segment_breakdown": charts.segment_breakdown,
        "comparison": charts.comparison,
    }
    skip = set()
    if plan.schedule is None:
        skip.add("shift_coverage")
    if plan.recommended is None and plan.compare is None:
        skip.add("comparison")
    if not plan.current.records and not (plan.recommended and plan.recommended.records):
        skip.add("handoff_distribution")
    return {name: make(plan) for name, make in makers.items() if name not in skip}


def _write_csv(table: Table, path: Path) -> None:
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(table.header)
        writer.writerows(table.rows)


# ------------------------------------------------------------------------------------- formatting
def _share(v: float, digits: int = 1) -> str:
    return "–" if not math.isfinite(v) else f"{100 * v:.{digits}f} %"


def _value(v: float, unit: str) -> str:
    if not math.isfinite(v):
        return "–"
    if unit == "share":
        return _share(v)
    if unit == "s":
        return f"{v:.1f} s"
    return f"{v:,.0f}"


def _ci(e: Estimate, unit: str) -> str:
    if e.ci95 is None:
        return ""
    lo, hi = e.ci95
    if unit == "share":
        return f"{100 * lo:.1f}–{100 * hi:.1f} %"
    if unit == "s":
        return f"{lo:.1f}–{hi:.1f} s"
    return f"{lo:,.0f}–{hi:,.0f}"


def _delta(d: float, unit: str) -> str:
    if not math.isfinite(d):
        return "–"
    sign = "+" if d > 0 else ("−" if d < 0 else "±")
    a = abs(d)
    if unit == "share":
        return f"{sign}{100 * a:.1f} pp"
    if unit == "s":
        return f"{sign}{a:.1f} s"
    return f"{sign}{a:,.0f}"


def _local(epoch_s: float, scenario: Scenario, fmt: str = "%H:%M") -> str:
    return datetime.fromtimestamp(float(epoch_s), zone(scenario.time_zone)).strftime(fmt)


def _dist(d: Distribution | None) -> str:
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


# ------------------------------------------------------------------------------------------- HTML
def _table(
    header: Sequence[str], rows: Iterable[Sequence[str]], *, numeric_from: int = 1, cls: str = ""
) -> str:
    """An HTML table; every cell is escaped here (callers pass plain text)."""
    head = "".join(
        f'<th class="num">{escape(h)}</th>' if i >= numeric_from else f"<th>{escape(h)}</th>"
        for i, h in enumerate(header)
    )
    body = []
    for row in rows:
        cells = "".join(
            f'<td class="num">{escape(c)}</td>' if i >= numeric_from else f"<td>{escape(c)}</td>"
            for i, c in enumerate(row)
        )
        body.append(f"<tr>{cells}</tr>")
    klass = f' class="{cls}"' if cls else ""
    return f"<table{klass}><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _figure(name: str, png: bytes | None, caption: str) -> str:
    if png is None:
        return ""
    data = base64.b64encode(png).decode("ascii")
    return (
        f'<figure><img src="data:image/png;base64,{data}" alt="{escape(caption)}">'
        f"<figcaption>{escape(caption)} (also <code>charts/{escape(name)}.svg</code>)</figcaption></figure>"
    )


def _headline(plan: CapacityPlan) -> str:
    sc = plan.scenario
    target = sc.service_level
    goal = f"{_share(target.target, 0)} of escalations accepted by a human within {target.threshold_s:g} s"
    verified = plan.recommended or plan.current
    sl = verified.overall("service_level")
    n = plan.interval_start_s.size
    missed = sorted({m.interval_start_s for m in plan.misses})
    by_metric: dict[str, list[float]] = {}
    for m in sorted(plan.misses, key=lambda m: m.interval_start_s):
        by_metric.setdefault(m.metric, []).append(m.interval_start_s)
    which = "recommended roster" if plan.recommended is not None else "current roster"
    handoff = f"the {target.threshold_s:g}-s handoff target"
    sl_missed = len(by_metric.get("service_level", ()))
    if plan.meets_target:
        verdict = (
            f"Yes: the {which} meets {handoff} and every other target in every interval of the peak day."
        )
        klass = "ok"
    elif sl_missed == 0:
        others = "; ".join(
            f"{_METRIC_LABELS.get(k, k)} in {len(v)} of {n} intervals" for k, v in by_metric.items()
        )
        verdict = f"Yes on {handoff} in every interval, but the {which} still misses: {others}."
        klass = "warn"
    else:
        verdict = f"No: the {which} misses {handoff} in {sl_missed} of {n} intervals."
        if len(missed) > sl_missed:
            verdict += f" Counting every target, {len(missed)} of {n} intervals miss."
        klass = "miss"
    cur_sl = plan.current.overall("service_level")
    lines = [
        f"<p>Target: {escape(goal)}"
        + (
            f"; abandonment at most {_share(target.max_abandon_rate, 0)}"
            if target.max_abandon_rate is not None
            else ""
        )
        + (
            f"; occupancy at most {_share(target.max_occupancy, 0)}"
            if target.max_occupancy is not None
            else ""
        )
        + (
            f"; p95 handoff at most {target.max_p95_handoff_s:g} s"
            if target.max_p95_handoff_s is not None
            else ""
        )
        + ".</p>",
        f"<p>Service level over the day: {which} <b>{_share(sl.mean)}</b>"
        + (f" (95 % CI {_ci(sl, 'share')})" if sl.ci95 else "")
        + (
            f"; current roster {_share(cur_sl.mean)}"
            + (f" (95 % CI {_ci(cur_sl, 'share')})" if cur_sl.ci95 else "")
            if plan.recommended is not None
            else ""
        )
        + ".</p>",
    ]
    groups = list(dict.fromkeys([*plan.current_headcount, *plan.recommended_headcount]))
    rows = []

    def hours(table: dict[str, float], g: str | None) -> str:
        if not table:
            return "-"
        value = sum(table.values()) if g is None else table.get(g, 0.0)
        return f"{value:,.0f}"

    for g in groups:
        cur = plan.current_headcount.get(g, 0)
        rec = plan.recommended_headcount.get(g, cur)
        rows.append(
            (
                g,
                str(cur),
                str(rec),
                _delta(rec - cur, "count"),
                hours(plan.current_agent_hours, g),
                hours(plan.recommended_agent_hours, g),
            )
        )
    cur_total = sum(plan.current_headcount.get(g, 0) for g in groups)
    rec_total = sum(plan.recommended_headcount.get(g, plan.current_headcount.get(g, 0)) for g in groups)
    rows.append(
        (
            "all groups",
            str(cur_total),
            str(rec_total),
            _delta(rec_total - cur_total, "count"),
            hours(plan.current_agent_hours, None),
            hours(plan.recommended_agent_hours, None),
        )
    )
    headcount = _table(
        (
            "group",
            "current headcount",
            "recommended headcount",
            "change",
            "current agent-hours on duty",
            "recommended agent-hours on duty",
        ),
        rows,
        cls="headcount",
    )
    notes = ""
    if plan.notes:
        notes = "<h3>Findings</h3><ul>" + "".join(f"<li>{escape(n)}</li>" for n in plan.notes) + "</ul>"
    for metric, starts in by_metric.items():
        names = ", ".join(_local(t, sc) for t in starts[:12]) + (" …" if len(starts) > 12 else "")
        label = _METRIC_LABELS.get(metric, metric)
        lines.append(
            f"<p>Intervals that still miss on {escape(label)} (local start): {escape(names)}; "
            "see section 6.</p>"
        )
    return (
        f'<div class="verdict {klass}">{escape(verdict)}</div>'
        + "".join(lines)
        + "<h3>Headcount per group</h3>"
        + headcount
        + notes
    )


def _assumptions(plan: CapacityPlan) -> str:
    sc = plan.scenario
    t = sc.service_level
    start = sc.start if sc.start.tzinfo else sc.start.replace(tzinfo=zone(sc.time_zone))
    routing = sc.effective_routing
    timeouts = sorted({v for v in routing.offer_timeout_s.values()})
    facts = [
        ("scenario", f"{sc.name}" + (f": {sc.description}" if sc.description else "")),
        (
            "horizon",
            f"{start:%a %d %b %Y %H:%M} {sc.time_zone}, {sc.duration_h:g} h after a {sc.warmup_h:g} h "
            f"warm-up, {sc.interval_min}-min intervals",
        ),
        (
            "targets",
            f"service level {_share(t.target, 0)} within {t.threshold_s:g} s"
            + (f"; abandonment ≤ {_share(t.max_abandon_rate, 0)}" if t.max_abandon_rate is not None else "")
            + (f"; occupancy ≤ {_share(t.max_occupancy, 0)}" if t.max_occupancy is not None else "")
            + (f"; p95 handoff ≤ {t.max_p95_handoff_s:g} s" if t.max_p95_handoff_s is not None else ""),
        ),
        (
            "demand source",
            ", ".join(
                filter(
                    None,
                    [
                        f"{len(sc.demand)} generated segment(s) (time-varying Poisson)" if sc.demand else "",
                        f"replayed log {Path(str(sc.replay.log)).name}" if sc.replay is not None else "",
                    ],
                )
            ),
        ),
        (
            "agents answering offers",
            f"accept delay {_dist(sc.offers.accept_delay)}; decline probability "
            f"{_share(sc.offers.decline_probability)}; offer timeout "
            + ", ".join(f"{v:g} s" for v in timeouts),
        ),
        (
            "routing",
            f"relaxation: {'; '.join(s.describe() for s in routing.relaxation) or 'none'}; tier headroom "
            f"{routing.tier_headroom}; "
            + ", ".join(f"{k.value} customers to tier ≥ {v}" for k, v in routing.min_agent_tier.items())
            + f"; defer when nobody eligible starts within {routing.deferral.horizon_s / 60:g} min",
        ),
        ("replications and seed", f"{plan.replications} replications per roster, seed {plan.seed}"),
    ]
    facts += [(f"model: {k}", v) for k, v in plan.method.items()]
    dl = "".join(f"<dt>{escape(k)}</dt><dd>{escape(v)}</dd>" for k, v in facts)
    seg_rows = [
        (
            seg.segment,
            seg.channel.value,
            ", ".join(f"{k} ≥ {v}" for k, v in seg.skills.items()) or "none",
            _volume(seg),
            _dist(seg.handle_time),
            _dist(seg.patience),
        )
        for seg in sc.demand
    ]
    grp_rows = [
        (
            g.group,
            str(g.count),
            ", ".join(f"{k} {v}" for k, v in g.skills.items()),
            str(g.tier),
            _concurrency(g),
            g.time_zone,
            _shifts(g),
            _share(g.shrinkage, 0),
        )
        for g in sc.roster
    ]
    out = f'<dl class="facts">{dl}</dl>'
    if seg_rows:
        out += "<h3>Demand segments</h3>" + _table(
            ("segment", "channel", "required skills", "volume", "handle time", "patience"),
            seg_rows,
            numeric_from=99,
            cls="small",
        )
    out += "<h3>Current roster</h3>" + _table(
        ("group", "agents", "skills", "tier", "concurrency", "time zone", "shifts (local)", "shrinkage"),
        grp_rows,
        numeric_from=99,
        cls="small",
    )
    return out


def _kpis(plan: CapacityPlan) -> str:
    runs = rosters(plan)
    labels = {
        "current": "current roster",
        "recommended": "recommended roster",
        "compare": "compared scenario",
    }
    header = ["metric"]
    for key, _ in runs:
        header += [labels[key], "95 % CI"]
    if len(runs) > 1:
        header.append("change (recommended vs current)" if runs[1][0] == "recommended" else "change")
    rows = []
    for metric, label, unit in KPI_METRICS:
        row = [label]
        ests = [r.overall(metric) for _, r in runs]
        for e in ests:
            row += [_value(e.mean, unit), _ci(e, unit)]
        if len(runs) > 1:
            row.append(_delta(ests[1].mean - ests[0].mean, unit))
        rows.append(row)
    note = (
        "<p class=note>Means over replications with Student-t 95 % confidence intervals; every figure "
        "is after warm-up. Service level counts abandoned and deferred escalations against.</p>"
    )
    return _table(header, rows, cls="kpi") + note


def _demand_text(plan: CapacityPlan) -> str:
    sc = plan.scenario
    n = plan.interval_start_s.size
    req = np.zeros(n)
    cur = np.zeros(n)
    for v in plan.required.values():
        req = req + np.asarray(v, dtype=np.float64)
    for w in plan.scheduled_current.values():
        cur = cur + np.asarray(w, dtype=np.float64)
    gap = req - cur
    short = np.flatnonzero(gap > 1e-9)
    if short.size == 0:
        return "<p>The current roster has at least the required agents on the queue in every interval.</p>"
    worst = int(short[np.argmax(gap[short])])
    return (
        f"<p>The current roster is below the requirement in <b>{short.size} of {n}</b> intervals "
        "(red strip); "
        f"the largest gap is {gap[worst]:.1f} agents at {escape(_local(plan.interval_start_s[worst], sc))}. "
        "Per interval and group: <code>tables/requirements.csv</code>, "
        "<code>tables/intervals.csv</code>.</p>"
    )


_METRIC_LABELS = {
    "service_level": "service level",
    "abandon_rate": "abandonment",
    "occupancy": "occupancy",
    "p95_handoff_s": "p95 handoff time",
}


def _misses(plan: CapacityPlan) -> str:
    sc = plan.scenario
    if not plan.misses:
        which = "recommended" if plan.recommended is not None else "current"
        return f"<p>The {which} roster meets every target in every interval.</p>"
    rows = []
    for m in sorted(plan.misses, key=lambda m: (m.interval_start_s, m.metric)):
        unit = "s" if m.metric.endswith("_s") else "share"
        end = m.interval_start_s + sc.interval_s
        rows.append(
            (
                f"{_local(m.interval_start_s, sc)}–{_local(end, sc)}",
                _METRIC_LABELS.get(m.metric, m.metric),
                _value(m.value, unit),
                _value(m.target, unit),
                _delta(m.shortfall, unit).lstrip("+"),
            )
        )
    return "<h3>Intervals that still miss a target</h3>" + _table(
        ("interval (local)", "metric", "simulated", "target", "short by"), rows, numeric_from=2
    )


def _shifts_section(plan: CapacityPlan) -> str:
    sched = plan.schedule
    if sched is None:
        return "<p>No shift schedule was produced for this plan.</p>"
    sc = plan.scenario
    info = (
        f"<p>Schedule status <b>{escape(sched.status.value)}</b> (method {escape(sched.method)}) · "
        f"paid hours {sched.paid_hours:,.1f} · cost {sched.cost:,.2f}</p>"
        f"<p class=note>Solver: {escape(sched.message)}</p>"
    )
    rows = []
    for s in sorted(sched.shifts, key=lambda s: (s.group, s.start_s, s.template)):
        brk = (
            ""
            if s.break_start is None or s.break_end is None
            else f"{s.break_start:%H:%M}–{s.break_end:%H:%M}"
        )
        local = f"{datetime.fromtimestamp(s.start_s, zone(sc.time_zone)):%H:%M}"
        rows.append(
            (
                s.group,
                s.template,
                f"{s.start:%a %H:%M}",
                f"{s.end:%a %H:%M}",
                s.time_zone,
                str(s.count),
                brk,
                local,
            )
        )
    table = _table(
        ("group", "template", "start", "end", "time zone", "agents", "break", f"start in {sc.time_zone}"),
        rows,
        numeric_from=5,
    )
    return info + "<h3>Recommended shifts</h3>" + table


def _segments_section(plan: CapacityPlan) -> str:
    runs = rosters(plan)[:2]
    rows = []
    for seg in plan.current.runs[0].segments:
        for key, r in runs:
            rows.append(
                (
                    seg,
                    key,
                    _value(r.segment(seg, "offered").mean, "count"),
                    _value(r.segment(seg, "service_level").mean, "share"),
                    _value(r.segment(seg, "asa_s").mean, "s"),
                    _value(r.segment(seg, "p95_handoff_s").mean, "s"),
                    _value(r.segment(seg, "abandon_rate").mean, "share"),
                )
            )
    worst = max(
        plan.current.runs[0].segments,
        key=lambda s: (
            runs[-1][1].segment(s, "asa_s").mean
            if math.isfinite(runs[-1][1].segment(s, "asa_s").mean)
            else -1.0
        ),
        default=None,
    )
    text = ""
    if worst is not None:
        text = (
            f"<p>Longest wait ({escape(runs[-1][0])} roster): <b>{escape(worst)}</b>, ASA "
            f"{_value(runs[-1][1].segment(worst, 'asa_s').mean, 's')}.</p>"
        )
    return text + _table(
        ("segment", "roster", "offered", "service level", "ASA", "p95 handoff", "abandoned"),
        rows,
        numeric_from=2,
    )


def _comparison_section(plan: CapacityPlan) -> str:
    runs = rosters(plan)
    if len(runs) < 2:
        return "<p>Nothing to compare: the plan has neither a recommended roster nor a compared scenario.</p>"
    labels = {
        "current": "current roster",
        "recommended": "recommended roster",
        "compare": "compared scenario",
    }
    header = ["metric", *(labels[k] for k, _ in runs), *(f"Δ {labels[k]} vs current" for k, _ in runs[1:])]
    rows = []
    for metric, label, unit in KPI_METRICS:
        means = [r.overall(metric).mean for _, r in runs]
        rows.append(
            [label, *(_value(m, unit) for m in means), *(_delta(m - means[0], unit) for m in means[1:])]
        )
    who = ""
    if plan.compare is not None:
        who = f"<p>Compared scenario: <b>{escape(plan.compare.scenario.name)}</b>.</p>"
    return who + _table(header, rows, cls="kpi")


_CSS = """
:root { --ok: #1a7f37; --miss: #b42318; --ink: #1d1d1f; --muted: #5f6368; --rule: #d0d7de; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif;
       color: var(--ink); margin: 0 auto; max-width: 980px; padding: 24px; }
h1 { font-size: 24px; margin: 0 0 4px; }
h2 { font-size: 19px; border-bottom: 2px solid var(--rule); padding-bottom: 4px; margin-top: 32px; }
h3 { font-size: 15px; margin: 18px 0 6px; }
.sub { color: var(--muted); margin: 0 0 16px; }
.verdict { font-size: 18px; font-weight: 600; padding: 10px 14px; border-radius: 6px; margin: 8px 0 12px; }
.verdict.ok { background: #dafbe1; color: var(--ok); border-left: 6px solid var(--ok); }
.verdict.miss { background: #ffebe9; color: var(--miss); border-left: 6px solid var(--miss); }
.verdict.warn { background: #fff8c5; color: #7d4e00; border-left: 6px solid #bf8700; }
table { border-collapse: collapse; margin: 6px 0 12px; font-size: 13px; width: 100%; }
table.headcount { width: auto; min-width: 60%; }
table.small { font-size: 12px; }
table.kpi td:first-child { min-width: 13em; }
th, td { border-bottom: 1px solid var(--rule); padding: 4px 8px; text-align: left; vertical-align: top; }
th { background: #f6f8fa; font-weight: 600; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
th.num { text-align: right; }
tbody tr:last-child td { border-bottom: 1px solid #8c959f; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 4px 16px; margin: 8px 0; }
dl.facts dt { font-weight: 600; } dl.facts dd { margin: 0; }
figure { margin: 10px 0 16px; } figure img { width: 100%; height: auto; display: block; }
figcaption, .note { color: var(--muted); font-size: 12px; }
code { font-size: 12px; background: #f6f8fa; padding: 0 3px; border-radius: 3px; }
nav ol { columns: 2; margin: 4px 0 0; padding-left: 0; list-style: none; }
@page { size: A4; margin: 12mm 11mm 14mm; }
@media print {
  body { max-width: none; padding: 0; font-size: 11pt; }
  nav { display: none; }
  section { break-before: page; }
  section#headline { break-before: auto; }
  h2, h3 { break-after: avoid; }
  figure, .verdict, tr, dl.facts { break-inside: avoid; }
  figure img { max-height: 245mm; object-fit: contain; }
  table { font-size: 9.5pt; }
  a { color: inherit; text-decoration: none; }
  .verdict { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  th { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
"""

_SECTIONS = (
    ("headline", "1. Headline"),
    ("assumptions", "2. Assumptions"),
    ("kpis", "3. KPI summary"),
    ("demand", "4. Demand vs staffing"),
    ("handoff", "5. Handoff-time distribution"),
    ("intervals", "6. Service level, abandonment and occupancy per interval"),
    ("shifts", "7. Recommended shifts"),
    ("segments", "8. Per-segment breakdown"),
    ("comparison", "9. Comparison"),
)


def render_html(plan: CapacityPlan, pngs: Mapping[str, bytes]) -> str:
    """The whole report as one HTML document; ``pngs`` maps a chart name to the PNG bytes to embed
    (a chart missing from it is left out). The HTML formats the plan for people; the CSV tables
    hold the same figures for machines."""
    sc = plan.scenario
    start = sc.start if sc.start.tzinfo else sc.start.replace(tzinfo=zone(sc.time_zone))
    t = sc.service_level
    fig = dict(charts.CHARTS)
    body = {
        "headline": _headline(plan),
        "assumptions": _assumptions(plan),
        "kpis": _kpis(plan),
        "demand": _figure("demand_vs_staffing", pngs.get("demand_vs_staffing"), fig["demand_vs_staffing"])
        + _demand_text(plan),
        "handoff": _figure(
            "handoff_distribution", pngs.get("handoff_distribution"), fig["handoff_distribution"]
        )
        + "<p class=note>Accepted escalations after warm-up, pooled over replications; the dashed "
        "line is the "
        f"{t.threshold_s:g}-s threshold. Escalations never accepted (abandoned, deferred) are not in these "
        f"curves: they count against the service level in section 3.</p>",
        "intervals": _figure(
            "interval_performance", pngs.get("interval_performance"), fig["interval_performance"]
        )
        + _misses(plan),
        "shifts": _figure("shift_coverage", pngs.get("shift_coverage"), fig["shift_coverage"])
        + _shifts_section(plan),
        "segments": _figure("segment_breakdown", pngs.get("segment_breakdown"), fig["segment_breakdown"])
        + _segments_section(plan),
        "comparison": _figure("comparison", pngs.get("comparison"), fig["comparison"])
        + _comparison_section(plan),
    }
    nav = "".join(f'<li><a href="#{key}">{escape(title)}</a></li>' for key, title in _SECTIONS)
    sections = "".join(
        f'<section id="{key}"><h2>{escape(title)}</h2>{body[key]}</section>' for key, title in _SECTIONS
    )
    title = f"Capacity report: {sc.name}"
    sub = (
        f"{start:%a %d %b %Y} · {sc.time_zone} · target {_share(t.target, 0)} within {t.threshold_s:g} s · "
        f"{plan.replications} replications, seed {plan.seed}"
    )
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<link rel="icon" href="data:,">'
        f"<title>{escape(title)}</title><style>{_CSS}</style></head><body>"
        f"<header><h1>{escape(title)}</h1><p class=sub>{escape(sub)}</p>"
        "<p class=note>Files beside this report: <code>plan.json</code> (for machines), "
        "<code>charts/</code> (PNG and SVG), <code>tables/</code> (CSV).</p>"
        f"<nav><ol>{nav}</ol></nav></header>{sections}"
        "</body></html>\n"
    )
