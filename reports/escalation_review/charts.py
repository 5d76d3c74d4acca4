"""The escalation review's charts, one function each, in the look of the capacity report
(:mod:`reports.charts.style`: A4 width, the same type sizes, targets dashed dark red).

:data:`CHARTS` lists (file name, caption) in report order; :func:`render_charts` draws them all.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Final

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter

import reports.charts.style as style
from reports.charts.handoff import handoff_range
from reports.escalation_review.formats import value_text
from routing.analytics import Review, review_metric

__all__ = [
    "CHARTS",
    "abandonment_deferral",
    "handoff_distribution",
    "render_charts",
    "transfers_hand_backs",
    "weekly_service_level",
    "when_heatmap",
]

_DAYS: Final = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_SECOND: Final = "#2a9d8f"


def _series(review: Review, name: str) -> np.ndarray:
    return np.array(
        [np.nan if w[name].value is None else w[name].value for w in review.weekly], dtype=np.float64
    )


def _week_axis(ax: Axes, review: Review) -> np.ndarray:
    x = np.arange(len(review.weeks))
    ax.set_xticks(x, [w.label[5:] + ("*" if w.partial else "") for w in review.weeks])
    if len(review.weeks) > 6:
        ax.tick_params(axis="x", labelrotation=45)
    if any(w.partial for w in review.weeks):
        ax.set_xlabel(
            f"week starting (month-day, {review.weeks[0].label[:4]}; * part of the week)",
            fontsize=style.LABEL_PT,
        )
    else:
        ax.set_xlabel(f"week starting (month-day, {review.weeks[0].label[:4]})", fontsize=style.LABEL_PT)
    ax.set_xlim(-0.5, len(review.weeks) - 0.5)
    return x


def _no_data(ax: Axes, text: str) -> None:
    ax.text(0.5, 0.5, text, ha="center", va="center", transform=ax.transAxes, fontsize=style.LABEL_PT)


def _target_line(ax: Axes, review: Review, linestyle: str, linewidth: float) -> None:
    """The service-level target as a horizontal line on a 0-100 % share axis."""
    ax.axhline(
        review.target,
        color=style.TARGET,
        linestyle=linestyle,
        linewidth=linewidth,
        label=f"target {value_text(review_metric('service_level'), review.target)}",
    )
    ax.set_ylim(0, 1.02)
    ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))


def weekly_service_level(review: Review) -> Figure:
    """Per week: escalations (bars) and the share accepted within the threshold (line) against
    the target."""
    fig = style.figure(3.2)
    ax_volume, ax_sl = fig.subplots(1, 2)
    style.axes(ax_volume, "Escalations per week", "week starting", "escalations")
    style.axes(
        ax_sl, f"Accepted within {review.threshold_s:g} s per week", "week starting", "share of decided (%)"
    )
    x = _week_axis(ax_volume, review)
    _week_axis(ax_sl, review)
    ax_volume.bar(
        x,
        _series(review, "escalations"),
        color=style.DEMAND,
        edgecolor=style.RECOMMENDED,
        label="escalations",
    )
    ax_sl.plot(
        x, _series(review, "service_level"), marker="o", color=style.RECOMMENDED, label="service level"
    )
    ax_sl.plot(
        x,
        _series(review, "service_level_answered"),
        marker=".",
        linestyle=":",
        color=style.COMPARE,
        label="of accepted only",
    )
    _target_line(ax_sl, review, "--", 1.2)
    style.legend_below(fig, [ax_volume, ax_sl], ncols=4)
    return fig


def when_heatmap(review: Review) -> Figure:
    """Day of week x hour (local time): escalations over the period, and the share accepted
    within the threshold (blank where nothing was decided)."""
    fig = style.figure(4.6)
    ax_volume, ax_sl = fig.subplots(2, 1)
    h = review.heatmap
    for ax, data, title, cmap, limits, label in (
        (
            ax_volume,
            h.escalations.astype(float),
            "Escalations by day and hour",
            "Blues",
            (0, None),
            "escalations",
        ),
        (
            ax_sl,
            h.service_level,
            f"Accepted within {review.threshold_s:g} s by day and hour",
            "RdYlGn",
            (0.0, 1.0),
            "share of decided",
        ),
    ):
        style.axes(ax, title, f"hour of day ({review.time_zone})")
        ax.grid(False)
        image = ax.imshow(
            np.ma.masked_invalid(data),
            aspect="auto",
            cmap=cmap,
            vmin=limits[0],
            vmax=limits[1],
            interpolation="nearest",
        )
        ax.set_yticks(range(7), _DAYS)
        ax.set_xticks(range(0, 24, 2))
        bar = fig.colorbar(image, ax=ax, pad=0.01, fraction=0.04)
        bar.ax.tick_params(labelsize=style.TICK_PT)
        bar.set_label(label, fontsize=style.LABEL_PT)
        if label.startswith("share"):
            bar.ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    return fig


def handoff_distribution(review: Review) -> Figure:
    """Histogram (share per bin) and ECDF of the handoff times of accepted escalations, with the
    threshold and the target marked; times beyond the x range count in the last bin."""
    threshold = review.threshold_s
    h = review.handoff_s
    fig = style.figure(3.4)
    ax_hist, ax_cdf = fig.subplots(1, 2)
    cap, bin_s = handoff_range(h, threshold)
    style.axes(
        ax_hist,
        "Handoff time: histogram",
        "handoff time (s), created -> accepted",
        f"share per {bin_s:g}-s bin (%)",
    )
    style.axes(ax_cdf, "Handoff time: cumulative share", "handoff time (s)", "share accepted within x s (%)")
    if h.size:
        bins = np.arange(0.0, cap + bin_s, bin_s)
        ax_hist.hist(
            np.minimum(h, cap - 1e-9),
            bins=bins,
            weights=np.full(h.size, 1.0 / h.size),
            color=style.DEMAND,
            edgecolor=style.RECOMMENDED,
            label=f"{h.size:,} accepted",
        )
        xs = np.sort(h)
        ax_cdf.step(
            np.concatenate(([0.0], xs)),
            np.concatenate(([0.0], np.arange(1, xs.size + 1) / xs.size)),
            where="post",
            color=style.RECOMMENDED,
            linewidth=1.6,
            label="_ecdf",
        )
        within = float(np.count_nonzero(h <= threshold)) / h.size
        ax_cdf.text(
            0.97,
            0.06,
            f"{value_text(review_metric('service_level_answered'), within)} of accepted "
            f"within {threshold:g} s",
            transform=ax_cdf.transAxes,
            ha="right",
            va="bottom",
            fontsize=style.LEGEND_PT,
        )
    else:
        _no_data(ax_hist, "no escalation accepted")
    for ax in (ax_hist, ax_cdf):
        ax.axvline(
            threshold, color=style.TARGET, linestyle="--", linewidth=1.2, label=f"{threshold:g}-s threshold"
        )
        ax.set_xlim(0, cap)
    _target_line(ax_cdf, review, ":", 1.0)
    ax_hist.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    style.legend_below(fig, [ax_hist, ax_cdf], ncols=3)
    return fig


def _rates(review: Review, names: Sequence[tuple[str, str]], title: str) -> Figure:
    fig = style.figure(3.0)
    ax = fig.subplots()
    style.axes(ax, title, "week starting", "share (%)")
    x = _week_axis(ax, review)
    colours = (style.CURRENT, _SECOND, style.RECOMMENDED)
    top = 0.0
    for (name, label), colour in zip(names, colours, strict=False):
        y = _series(review, name)
        if np.isfinite(y).any():
            top = max(top, float(np.nanmax(y)))
            ax.plot(x, y, marker="o", color=colour, label=review_metric(name).label)
        else:
            ax.plot([], [], color=colour, label=f"{label}: {review.total[name].missing or 'no value'}")
    ax.set_ylim(0, max(0.05, top * 1.2))
    ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=1))
    style.legend_below(fig, ax, ncols=2)
    return fig


def abandonment_deferral(review: Review) -> Figure:
    """Per week: the abandonment and deferral rates (shares of decided escalations)."""
    return _rates(
        review, (("abandon_rate", "abandoned"), ("deferral_rate", "deferred")), "Abandonment and deferral"
    )


def transfers_hand_backs(review: Review) -> Figure:
    """Per week: the transfer and hand-back rates (shares of accepted escalations)."""
    return _rates(
        review,
        (("transfer_rate", "transferred"), ("hand_back_rate", "handed back")),
        "Transfers and hand-backs to the AI",
    )


#: (file name, caption) of every chart, in report order.
CHARTS: Final = (
    ("weekly_service_level", "Escalations and the share accepted within the threshold, per week"),
    ("when_heatmap", "Escalations and the share accepted within the threshold by day of week and hour"),
    ("handoff_distribution", "Handoff-time distribution against the threshold"),
    ("abandonment_deferral", "Abandonment and deferral per week"),
    ("transfers_hand_backs", "Transfers and hand-backs to the AI per week"),
)

_MAKERS: Final[dict[str, Callable[[Review], Figure]]] = {
    "weekly_service_level": weekly_service_level,
    "when_heatmap": when_heatmap,
    "handoff_distribution": handoff_distribution,
    "abandonment_deferral": abandonment_deferral,
    "transfers_hand_backs": transfers_hand_backs,
}


def render_charts(review: Review) -> dict[str, Figure]:
    """Every chart of the review, keyed by file name in report order."""
    return {name: _MAKERS[name](review) for name, _ in CHARTS}
