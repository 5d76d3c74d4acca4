"""Result files of a simulation: ``summary.json``, ``intervals.csv`` and ``records.csv``.

* ``summary.json`` -- overall metrics (mean and 95 % CI over replications), per segment too, with
  the roster, target and horizon used (:meth:`Replications.summary`).
* ``intervals.csv`` -- one row per post-warm-up interval: the mean over replications of each
  metric, with ``_ci_low``/``_ci_high`` columns for the rates and times, and the average agents
  staffed per group. Times are in the scenario's time zone (ISO 8601 with offset).
* ``records.csv`` -- one row per escalation per replication (times in seconds from the scenario
  start; NaN-free: empty cells for what never happened).
"""

from __future__ import annotations

import csv
import json
import math
from datetime import datetime
from pathlib import Path

import numpy as np

from routing.domain import CHANNELS
from routing.shifts import zone
from simulator.metric_catalogue import cell
from simulator.metric_catalogue import metric as catalogue_metric
from simulator.metrics import METRICS
from simulator.records import OUTCOMES
from simulator.replications import Replications, estimate_columns

#: Interval metrics that get confidence-interval columns.
WITH_CI = (
    "service_level",
    "service_level_answered",
    "abandon_rate",
    "p_wait",
    "asa_s",
    "p95_handoff_s",
    "occupancy",
)


def write_summary(result: Replications, path: Path) -> None:
    path.write_text(json.dumps(result.summary(), indent=2) + "\n", encoding="utf-8")


def interval_table(result: Replications) -> tuple[list[str], list[list[str]]]:
    """Header and rows of ``intervals.csv``."""
    tz = zone(result.scenario.time_zone)
    starts = [datetime.fromtimestamp(float(t), tz).isoformat() for t in result.interval_start_s]
    columns: list[tuple[str, list[str]]] = [("interval_start", starts)]
    staffed = [m for m in result.runs[0].intervals if m.startswith("staffed_")]
    for metric in (*METRICS, "occupancy", *staffed):
        entry = catalogue_metric(metric)
        mean, low, high = estimate_columns(result.per_interval(metric), share=entry.share)
        columns.append((metric, [entry.cell(v) for v in mean.tolist()]))
        if metric in WITH_CI:
            columns.append((f"{metric}_ci_low", [entry.cell(v) for v in low.tolist()]))
            columns.append((f"{metric}_ci_high", [entry.cell(v) for v in high.tolist()]))
    header = [name for name, _ in columns]
    rows = [list(row) for row in zip(*(values for _, values in columns), strict=True)]
    return header, rows


def write_intervals(result: Replications, path: Path) -> None:
    header, rows = interval_table(result)
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows(rows)


RECORD_COLUMNS = (
    "replication",
    "escalation",
    "segment",
    "channel",
    "customer_tier",
    "language",
    "created_s",
    "first_offer_s",
    "accepted_s",
    "finished_s",
    "handoff_s",
    "outcome",
    "agent_group",
    "agent",
    "offers",
    "offered_on_arrival",
    "eta_s",
    "handle_s",
    "patience_s",
)


def write_records(result: Replications, path: Path) -> int:
    """Write every kept record; return the number of rows. Nothing is written without records."""
    if not result.records:
        return 0
    rows = 0
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(RECORD_COLUMNS)
        for r, rec in enumerate(result.records):
            arr = rec.arrivals
            origin = rec.start_s
            kinds = arr.kind.tolist()
            tiers = [str(t[4]) for t in arr.templates]
            languages = [str(t[5]) for t in arr.templates]
            segment = arr.kind_segment.tolist()
            channel = arr.kind_channel.tolist()
            groups = ("", *rec.group_names)
            agent_ids = [
                f"{name}#{k}"
                for name, count in zip(rec.group_names, rec.group_counts, strict=True)
                for k in range(count)
            ]
            agent_ids.append("")  # index -1: never accepted
            agent = rec.agent.tolist()

            def rel(values: np.ndarray, origin: float = origin) -> list[str]:
                return [cell(v, 3) for v in (values - origin).tolist()]

            created, first, accepted, finished = (
                rel(arr.created_s),
                rel(rec.first_offer_s),
                rel(rec.accepted_s),
                rel(rec.finished_s),
            )
            handoff = [cell(v, 3) for v in rec.handoff_s.tolist()]
            handle = [cell(v, 3) for v in arr.handle_s.tolist()]
            patience = [cell(v, 3) for v in arr.patience_s.tolist()]
            outcome = rec.outcome.tolist()
            agent_group = rec.agent_group.tolist()
            offers = rec.offers.tolist()
            on_arrival = rec.offered_on_arrival.tolist()
            # the ETA given on queueing: empty when not queued on arrival, "inf" when unknown
            eta = ["inf" if v == math.inf else cell(v, 3) for v in rec.eta_s.tolist()]
            for i, k in enumerate(kinds):
                writer.writerow(
                    (
                        r,
                        i,
                        arr.segments[segment[k]],
                        CHANNELS[channel[k]].value,
                        tiers[k],
                        languages[k],
                        created[i],
                        first[i],
                        accepted[i],
                        finished[i],
                        handoff[i],
                        OUTCOMES[outcome[i]],
                        groups[agent_group[i] + 1],
                        agent_ids[agent[i]],
                        offers[i],
                        int(on_arrival[i]),
                        eta[i],
                        handle[i],
                        patience[i],
                    )
                )
            rows += len(kinds)
    return rows


def write_results(result: Replications, out_dir: Path) -> dict[str, Path]:
    """Write ``summary.json``, ``intervals.csv`` and (with records kept) ``records.csv`` into ``out_dir``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {"summary": out_dir / "summary.json", "intervals": out_dir / "intervals.csv"}
    write_summary(result, paths["summary"])
    write_intervals(result, paths["intervals"])
    if result.records:
        paths["records"] = out_dir / "records.csv"
        write_records(result, paths["records"])
    return paths
