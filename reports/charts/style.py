"""The look every chart shares: A4 width, type sizes, colours, axes, legend, and the rosters drawn.

Figures are built with :class:`matplotlib.figure.Figure` on the Agg canvas, never pyplot, so no
global state (backend, current figure, rcParams) changes for other code. Colours: the current
roster is orange, the recommended one blue, a compared scenario grey; targets are dashed dark red.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from typing import Final

import numpy as np
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from numpy.typing import NDArray

from reports.plan_data import ROSTER_LABELS
from simulator.metric_catalogue import Metric
from simulator.planning.result import CapacityPlan
from simulator.replications import Estimate, Replications

__all__ = [
    "COMPARE",
    "CURRENT",
    "DEMAND",
    "LABEL_PT",
    "LEGEND_PT",
    "RECOMMENDED",
    "REQUIRED",
    "SHORT_STRIP",
    "TARGET",
    "TICK_PT",
    "TITLE_PT",
    "WIDTH_IN",
    "axes",
    "error_bars",
    "figure",
    "legend_below",
    "panel_title",
    "unit_label",
    "verified_runs",
]

FloatArray = NDArray[np.float64]

WIDTH_IN: Final = 7.5  # A4 portrait less margins
TITLE_PT: Final = 10.5
LABEL_PT: Final = 9.0
TICK_PT: Final = 8.5
LEGEND_PT: Final = 8.5

CURRENT: Final = "#e07b00"
RECOMMENDED: Final = "#1f5fa8"
COMPARE: Final = "#7f7f7f"
REQUIRED: Final = "#111111"
TARGET: Final = "#a01818"
SHORT_STRIP: Final = "#d62728"
DEMAND: Final = "#b9cde5"

_UNIT_LABELS: Final = {"share": "share (%)", "s": "seconds", "count": "escalations"}


def figure(height_in: float) -> Figure:
    """An empty A4-wide figure on its own Agg canvas."""
    fig = Figure(figsize=(WIDTH_IN, height_in), layout="constrained", dpi=100)
    FigureCanvasAgg(fig)  # attaches itself to the figure: Agg, whatever the global backend
    return fig


def axes(ax: Axes, title: str | None = None, xlabel: str | None = None, ylabel: str | None = None) -> None:
    """Title on the left, labelled axes, a light horizontal grid, no top and right spines."""
    if title:
        ax.set_title(title, fontsize=TITLE_PT, loc="left")
    if xlabel:
        ax.set_xlabel(xlabel, fontsize=LABEL_PT)
    if ylabel:
        ax.set_ylabel(ylabel, fontsize=LABEL_PT)
    ax.tick_params(labelsize=TICK_PT)
    ax.grid(True, axis="y", color="#dddddd", linewidth=0.6)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)


def panel_title(m: Metric, width: int = 30) -> str:
    """The catalogue label of ``m`` wrapped to ``width`` characters, for a narrow panel."""
    return "\n".join(textwrap.wrap(m.label, width))


def unit_label(m: Metric) -> str:
    """The axis label of a value in the unit of ``m``: ``share (%)``, ``seconds``, ``escalations``."""
    return _UNIT_LABELS[m.unit]


def legend_below(fig: Figure, ax: Axes | Sequence[Axes], ncols: int = 4) -> None:
    """One legend under the figure for every labelled artist of ``ax`` (each label once; labels
    starting with ``_`` are left out)."""
    axes = [ax] if isinstance(ax, Axes) else list(ax)
    handles, labels = [], []
    for a in axes:
        h, lab = a.get_legend_handles_labels()
        for hh, ll in zip(h, lab, strict=True):
            if ll not in labels and not ll.startswith("_"):
                handles.append(hh)
                labels.append(ll)
    if handles:
        fig.legend(
            handles,
            labels,
            loc="outside lower center",
            ncols=min(ncols, len(labels)),
            fontsize=LEGEND_PT,
            frameon=False,
        )


def error_bars(estimates: Sequence[Estimate]) -> tuple[FloatArray, FloatArray, FloatArray]:
    """(means, distance down to the CI's low end, distance up to its high end) of ``estimates``;
    0 where an estimate has no CI."""
    means = np.array([e.mean for e in estimates], dtype=np.float64)
    lo = np.array([e.mean - e.ci95[0] if e.ci95 else 0.0 for e in estimates])
    hi = np.array([e.ci95[1] - e.mean if e.ci95 else 0.0 for e in estimates])
    return means, lo, hi


def verified_runs(plan: CapacityPlan) -> list[tuple[str, Replications, str]]:
    """(label, replications, colour) of the current and recommended rosters."""
    out = [(ROSTER_LABELS["current"], plan.current, CURRENT)]
    if plan.recommended is not None:
        out.append((ROSTER_LABELS["recommended"], plan.recommended, RECOMMENDED))
    return out
