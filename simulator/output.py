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
import io
import json
import math
from datetime import datetime
from pathlib import Path
from typing import TextIO

import numpy as np

from routing.domain import CHANNELS
from routing.shifts import zone
from simulator.metric_catalogue import metric as catalogue_metric
from simulator.metrics import METRICS
from simulator.records import OUTCOMES, RunRecords
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


#: Rows formatted and written at a time: bounds the strings alive while writing a long run.
RECORDS_CHUNK = 4_096

_INF = math.inf


def decimal_cells(values: np.ndarray, digits: int = 3, inf: str = "") -> list[str]:
    """:func:`~simulator.metric_catalogue.cell` of each value, in one pass: ``digits`` decimals,
    trailing zeros dropped, ``"0"`` for a negative zero, empty for NaN and -inf, ``inf`` for +inf.
    The same text as ``cell(v, digits)`` (with ``inf`` in place of +inf), at about half its cost."""
    spec = f"{{:.{digits}f}}"
    out: list[str] = []
    append = out.append
    fmt = spec.format
    for v in values.tolist():
        if -_INF < v < _INF:
            text = fmt(v).rstrip("0").rstrip(".")
            append("0" if text == "-0" else text)
        else:
            append(inf if v == _INF else "")
    return out


def write_records(result: Replications, path: Path) -> int:
    """Write every kept record; return the number of rows. Nothing is written without records.

    Rows go out :data:`RECORDS_CHUNK` at a time, formatted column by column, so the text of a
    million-escalation run never sits in memory at once. The text is what :func:`csv.writer`
    writes (``\\r\\n`` line ends, fields quoted only where they must be); the rows are assembled
    here because most of their fields come from small tables that are quoted once.
    """
    if not result.records:
        return 0
    rows = 0
    with path.open("w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerow(RECORD_COLUMNS)
        for r, rec in enumerate(result.records):
            rows += _write_run_records(f, r, rec)
    return rows


def csv_field(text: str) -> str:
    """``text`` as :func:`csv.writer` writes it as one field of a row of several."""
    buf = io.StringIO()
    csv.writer(buf).writerow((text, ""))
    return buf.getvalue()[: -len(",\r\n")]


def _write_run_records(f: TextIO, r: int, rec: RunRecords) -> int:
    arr = rec.arrivals
    origin = rec.start_s
    # per kind of escalation, its segment, channel, tier and language; per agent number (and -1:
    # never accepted), its group and id: each a run of fields, quoted once here
    segment = [arr.segments[s] for s in arr.kind_segment.tolist()]
    channel = [CHANNELS[c].value for c in arr.kind_channel.tolist()]
    kinds_text = np.array(
        [
            ",".join(map(csv_field, (seg, ch, str(t[4]), str(t[5]))))
            for seg, ch, t in zip(segment, channel, arr.templates, strict=True)
        ],
        dtype=object,
    )
    agents_text = np.array(
        [
            *(
                f"{csv_field(name)},{csv_field(f'{name}#{k}')}"
                for name, count in zip(rec.group_names, rec.group_counts, strict=True)
                for k in range(count)
            ),
            ",",
        ],
        dtype=object,
    )
    outcomes = np.array(OUTCOMES, dtype=object)
    row = f"{r},%d,%s,%s,%s,%s,%s,%s,%s,%s,%d,%d,%s,%s,%s\r\n"
    n = len(arr)
    for lo in range(0, n, RECORDS_CHUNK):
        hi = min(n, lo + RECORDS_CHUNK)
        created_s = arr.created_s[lo:hi]
        accepted_s = rec.accepted_s[lo:hi]
        cells = zip(
            range(lo, hi),
            kinds_text[arr.kind[lo:hi]].tolist(),
            decimal_cells(created_s - origin),
            decimal_cells(rec.first_offer_s[lo:hi] - origin),
            decimal_cells(accepted_s - origin),
            decimal_cells(rec.finished_s[lo:hi] - origin),
            decimal_cells(accepted_s - created_s),
            outcomes[rec.outcome[lo:hi]].tolist(),
            agents_text[rec.agent[lo:hi]].tolist(),
            rec.offers[lo:hi].tolist(),
            rec.offered_on_arrival[lo:hi].tolist(),
            # the ETA given on queueing: empty when not queued on arrival, "inf" when unknown
            decimal_cells(rec.eta_s[lo:hi], inf="inf"),
            decimal_cells(arr.handle_s[lo:hi]),
            decimal_cells(arr.patience_s[lo:hi]),
            strict=True,
        )
        f.write("".join(map(row.__mod__, cells)))
    return n


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
