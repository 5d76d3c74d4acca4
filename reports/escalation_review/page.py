"""The escalation review as one HTML page, in a manager's order: 1 headline (did the last week
meet the handoff target, and what changed), 2 the metrics per week, 3 when (day x hour), 4 the
handoff-time distribution, 5 abandonment and deferral, 6 transfers and hand-backs, 7 triggers
(escalating too early, too late), 8 per group, 9 definitions. Built on the capacity report's page
(:func:`reports.html_parts.html_page`); every string from the log is escaped there."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from html import escape
from typing import Final

from reports.escalation_review.charts import CHARTS
from reports.escalation_review.formats import MISSING, change_text, value_text
from reports.html_parts import chart, html_page, html_table
from routing.analytics import CATALOGUE, Review, latest_week, missing_input, review_metric
from routing.shifts import zone

__all__ = ["HEADLINE_METRICS", "SECTIONS", "render_page"]

Render = Callable[[Review, Mapping[str, bytes]], str]
_CAPTIONS: Final = dict(CHARTS)

#: Metrics whose week-over-week change the headline reports, in this order.
HEADLINE_METRICS: Final = (
    "escalations",
    "escalation_rate",
    "asa_s",
    "abandon_rate",
    "deferral_rate",
    "context_view_rate",
    "csat_mean",
    "ai_could_have_handled_rate",
)
#: Metrics of the per-group tables.
GROUP_METRICS: Final = (
    "escalations",
    "service_level",
    "asa_s",
    "abandon_rate",
    "transfer_rate",
    "csat_mean",
    "ai_could_have_handled_rate",
)


def _figure(name: str, pngs: Mapping[str, bytes]) -> str:
    return chart(name, pngs, _CAPTIONS[name])


def _headline(review: Review, pngs: Mapping[str, bytes]) -> str:
    sl_metric = review_metric("service_level")
    goal = f"{value_text(sl_metric, review.target)} within {review.threshold_s:g} s"
    i = latest_week(review)
    if i is None:
        text = f"No decided escalation in the period: nothing to judge against {goal}."
        return f'<p class="verdict warn">{escape(text)}</p>'
    week = review.weeks[i]
    sl = review.weekly[i]["service_level"]
    assert sl.value is not None
    ok = sl.value >= review.target
    part = " (part of the week)" if week.partial else ""
    verdict = (
        f"{'Yes' if ok else 'No'}: in the week of {week.label}{part}, {value_text(sl_metric, sl.value)} of "
        f"{sl.n:,} decided escalation{'' if sl.n == 1 else 's'} {'was' if sl.n == 1 else 'were'} accepted "
        f"within {review.threshold_s:g} s (target {goal})."
    )
    changes = []
    if i > 0:
        changes.append(
            f"service level {change_text(sl_metric, review.change('service_level', i))} on the week before"
        )
        for name in HEADLINE_METRICS:
            delta = review.change(name, i)
            if delta is not None and delta != 0:
                changes.append(f"{review_metric(name).label} {change_text(review_metric(name), delta)}")
    moves = _group_moves(review, i) if i > 0 else []
    body = f'<p class="verdict {"ok" if ok else "miss"}">{escape(verdict)}</p>'
    if changes:
        body += (
            "<h3>What changed on the week before</h3><ul>"
            + "".join(f"<li>{escape(c)}</li>" for c in changes)
            + "</ul>"
        )
    if moves:
        body += (
            "<h3>Groups that moved most</h3><ul>" + "".join(f"<li>{escape(m)}</li>" for m in moves) + "</ul>"
        )
    total = review.total["service_level"]
    body += (
        f"<p class=note>Over the whole period: {value_text(sl_metric, total.value)} of {total.n:,} decided "
        "escalations accepted within the threshold. Decided: all but cancelled escalations and those still "
        "waiting when the log was written.</p>"
    )
    return body


def _group_moves(review: Review, i: int, minimum: int = 10, count: int = 3) -> list[str]:
    """The groups whose service level moved most against the week before (at least ``minimum``
    decided escalations in both weeks)."""
    sl = review_metric("service_level")
    moved = []
    for dimension, groups in review.groups.items():
        for g in groups:
            now, before = g.weekly[i]["service_level"], g.weekly[i - 1]["service_level"]
            if now.value is None or before.value is None or min(now.n, before.n) < minimum:
                continue
            moved.append(
                (abs(now.value - before.value), dimension, g.group, now.value - before.value, now.value)
            )
    moved.sort(reverse=True)
    return [
        f"{dimension.replace('_', ' ')} {group}: service level {change_text(sl, delta)} "
        f"to {value_text(sl, value)}"
        for _, dimension, group, delta, value in moved[:count]
    ]


def _weekly(review: Review, pngs: Mapping[str, bytes]) -> str:
    header = [
        "metric",
        *(w.label + (" (part)" if w.partial else "") for w in review.weeks),
        "change",
        "period",
    ]
    rows = []
    last = len(review.weeks) - 1
    for name, m in CATALOGUE.items():
        row = [m.label]
        row += [value_text(m, w[name].value) for w in review.weekly]
        row.append(change_text(m, review.change(name, last)) if last > 0 else MISSING)
        row.append(value_text(m, review.total[name].value))
        rows.append(row)
    missing = sorted({(CATALOGUE[n].label, mm.missing) for n, mm in review.total.items() if mm.missing})
    notes = "".join(f"<li>{escape(label)}: {escape(why)}</li>" for label, why in missing)
    window = (
        "" if review.return_window_days is None else f" Return window: {review.return_window_days:g} days."
    )
    return (
        _figure("weekly_service_level", pngs)
        + html_table(header, rows, cls="small")
        + ("<h3>Not measured over the period</h3><ul>" + notes + "</ul>" if notes else "")
        + f"<p class=note>“change”: the last week against the one before.{escape(window)}</p>"
    )


def _when(review: Review, pngs: Mapping[str, bytes]) -> str:
    return _figure("when_heatmap", pngs) + (
        f"<p class=note>Local time in {escape(review.time_zone)}; every escalation of the period. "
        "Blank cells in the lower map: nothing decided in that hour.</p>"
    )


def _handoff(review: Review, pngs: Mapping[str, bytes]) -> str:
    return _figure("handoff_distribution", pngs) + (
        f"<p class=note>Accepted escalations only; the dashed line is the {review.threshold_s:g}-s "
        "threshold. Abandoned and deferred escalations are not in these curves: they count against "
        "the service level.</p>"
    )


def _rows(review: Review, names: tuple[str, ...]) -> str:
    header = ["metric", *(w.label for w in review.weeks), "period"]
    rows = [
        [
            CATALOGUE[n].label,
            *(value_text(CATALOGUE[n], w[n].value) for w in review.weekly),
            value_text(CATALOGUE[n], review.total[n].value),
        ]
        for n in names
    ]
    return html_table(header, rows, cls="small")


def _abandonment(review: Review, pngs: Mapping[str, bytes]) -> str:
    names = ("abandoned", "abandon_rate", "abandon_patience_p50_s", "deferred", "deferral_rate")
    return _figure("abandonment_deferral", pngs) + _rows(review, names)


def _transfers(review: Review, pngs: Mapping[str, bytes]) -> str:
    return _figure("transfers_hand_backs", pngs) + _rows(
        review, ("accepted", "transfer_rate", "hand_back_rate")
    )


def _triggers(review: Review, pngs: Mapping[str, bytes]) -> str:
    rate = review_metric("ai_could_have_handled_rate")
    low = review_metric("low_csat_rate")
    score = review_metric("csat_mean")
    early = [
        [
            t.trigger,
            f"{t.escalations:,}",
            value_text(rate, t.ai_could_have_handled_rate.value),
            f"{t.ai_could_have_handled_rate.n:,}",
        ]
        for t in review.too_early
    ]
    late = [
        [
            t.trigger,
            f"{t.escalations:,}",
            value_text(low, t.low_csat_rate.value),
            f"{t.low_csat_rate.n:,}",
            value_text(score, t.csat_mean.value),
        ]
        for t in review.too_late
    ]
    note_early = review.total["ai_could_have_handled_rate"].missing
    note_late = review.total["low_csat_rate"].missing
    return (
        "<h3>Escalating too early: the human says the AI could have handled it</h3>"
        + (f"<p class=note>{escape(note_early)}</p>" if note_early else "")
        + html_table(["trigger", "escalations", "AI could have handled", "judged"], early)
        + "<h3>Escalating too late: low CSAT after the handoff</h3>"
        + (f"<p class=note>{escape(note_late)}</p>" if note_late else "")
        + html_table(["trigger", "escalations", "CSAT 1-2", "rated", "mean CSAT"], late)
        + "<p class=note>Ranked by the share, highest first; triggers without a value last.</p>"
    )


def _groups(review: Review, pngs: Mapping[str, bytes]) -> str:
    if not review.groups:
        return "<p class=note>No grouping asked for (<code>--group-by</code>).</p>"
    last = len(review.weeks) - 1
    out = []
    sl = review_metric("service_level")
    for dimension, groups in review.groups.items():
        header = ["group", *(CATALOGUE[n].label for n in GROUP_METRICS), "service level, last week's change"]
        rows = [
            [
                g.group,
                *(value_text(CATALOGUE[n], g.total[n].value) for n in GROUP_METRICS),
                change_text(sl, review.change("service_level", last, g.weekly)),
            ]
            for g in groups
        ]
        out.append(
            f"<h3>By {escape(dimension.replace('_', ' '))}</h3>" + html_table(header, rows, cls="small")
        )
    return (
        "".join(out) + "<p class=note>Over the whole period; every week of every group is in "
        "<code>tables/groups.csv</code>.</p>"
    )


def _definitions(review: Review, pngs: Mapping[str, bytes]) -> str:
    rows = [
        [
            m.name,
            m.label,
            m.unit,
            ", ".join(missing_input(n).removeprefix("needs ") for n in m.needs)
            or "the log's required columns",
        ]
        for m in CATALOGUE.values()
    ]
    return html_table(["name", "metric", "unit", "needs"], rows, numeric_from=9)


#: (anchor, heading, render) of every section, in report order.
SECTIONS: Final[tuple[tuple[str, str, Render], ...]] = (
    ("headline", "1. Headline", _headline),
    ("weekly", "2. The metrics per week", _weekly),
    ("when", "3. When: day of week and hour", _when),
    ("handoff", "4. Handoff-time distribution", _handoff),
    ("abandonment", "5. Abandonment and deferral", _abandonment),
    ("transfers", "6. Transfers and hand-backs to the AI", _transfers),
    ("triggers", "7. Triggers: escalating too early, too late", _triggers),
    ("groups", "8. Per group", _groups),
    ("definitions", "9. Definitions", _definitions),
)


def render_page(review: Review, pngs: Mapping[str, bytes], source: str) -> str:
    """The whole review as one HTML document; ``pngs`` maps a chart name to the PNG to embed;
    ``source`` names the history it was read from."""
    tz = zone(review.time_zone)
    start = datetime.fromtimestamp(review.start_s, tz)
    end = datetime.fromtimestamp(review.end_s, tz)
    title = "Escalation review"
    sub = (
        f"{start:%a %d %b %Y} to {end:%a %d %b %Y} · {review.time_zone} · target "
        f"{value_text(review_metric('service_level'), review.target)} within {review.threshold_s:g} s · "
        f"from {source}"
    )
    files = "<code>review.json</code> (for machines), <code>charts/</code> (PNG and SVG), "
    files += "<code>tables/</code> (CSV)"
    return html_page(
        title, sub, files, [(key, heading, render(review, pngs)) for key, heading, render in SECTIONS]
    )
