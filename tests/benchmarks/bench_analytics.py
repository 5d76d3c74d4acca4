"""Benchmark of the weekly escalation review on the shipped eight-week history: how long reading
the log, computing the review and writing the report take.

Run as a script (it is not a pytest module)::

    python tests/benchmarks/bench_analytics.py             # the shipped history, 3 repeats
    python tests/benchmarks/bench_analytics.py --repeats 1 --log LOG.csv.gz --volume V.csv

Prints, for each stage, the best and the median wall time over the repeats (seconds):

* **read log**: :func:`routing.history.read_history` (every row validated);
* **read volume**: :func:`routing.history.read_volume`;
* **review**: :func:`routing.analytics.weekly_review` with every grouping;
* **report**: :func:`reports.escalation_review.write_review_report` (5 charts as PNG and SVG,
  4 tables, JSON, HTML) into a temporary folder.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]


def timed(repeats: int, work: Callable[[], Any]) -> tuple[Any, list[float]]:
    """``work()``'s last result and its wall time (s) on each of ``repeats`` runs."""
    times, result = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        result = work()
        times.append(time.perf_counter() - start)
    return result, times


def main() -> None:
    """Parse the options, time each stage, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--log", type=Path, default=ROOT / "scenarios/history/history.csv.gz")
    parser.add_argument("--volume", type=Path, default=ROOT / "scenarios/history/conversations.csv.gz")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    from reports.escalation_review import write_review_report
    from routing.analytics import DIMENSIONS, weekly_review
    from routing.history import read_history, read_volume

    records, t_log = timed(args.repeats, lambda: read_history(args.log))
    volume, t_volume = timed(args.repeats, lambda: read_volume(args.volume))
    review, t_review = timed(
        args.repeats,
        lambda: weekly_review(
            records, threshold_s=30.0, target=0.8, volume=volume, group_by=tuple(DIMENSIONS)
        ),
    )
    with tempfile.TemporaryDirectory() as folder:
        _, t_report = timed(args.repeats, lambda: write_review_report(review, Path(folder), args.log.name))

    print(f"{len(records):,} escalations, {len(volume):,} volume intervals, {len(review.weeks)} weeks")
    print(f"{'stage':<12} {'best s':>8} {'median s':>9}")
    for name, times in (
        ("read log", t_log),
        ("read volume", t_volume),
        ("review", t_review),
        ("report", t_report),
    ):
        print(f"{name:<12} {min(times):>8.2f} {statistics.median(times):>9.2f}")


if __name__ == "__main__":
    main()
