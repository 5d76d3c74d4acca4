"""Benchmark of ``handoff forecast`` on the shipped example history: where its time goes.

Run as a script (it is not a pytest module)::

    python tests/benchmarks/bench_forecast.py              # a 7-day forecast, 3 backtest windows
    python tests/benchmarks/bench_forecast.py --days 1 --windows 2

Figures, each measured in a fresh interpreter so nothing is warm:

* the whole command as users run it (interpreter start-up, imports, reading, every fit, files and
  chart), best and median of ``--rounds``;
* its parts in one process: importing ``statsforecast.models`` (it pulls in statsmodels and
  pandas; statsforecast 2 compiles no numba code on this path), reading the log, the first MSTL
  fit and a second one (the difference is any one-off warm-up), and the whole
  :func:`~simulator.forecast.forecast_history` (every backtest window and the final fit per series).
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HISTORY = ROOT / "scenarios" / "history" / "history.csv.gz"
DESK = ROOT / "scenarios" / "history" / "desk.yaml"

_PARTS = """
import json, sys, time
t = time.perf_counter()
import statsforecast.models
import_s = time.perf_counter() - t
from routing.history import read_history
from simulator.forecast import ForecastMethod, ForecastOptions, forecast_history, volume_series
t = time.perf_counter()
records = read_history(sys.argv[1])
read_s = time.perf_counter() - t
y = volume_series(records)[0].counts
method = ForecastMethod()
t = time.perf_counter(); method.forecast(y, 96 * int(sys.argv[2])); first_fit_s = time.perf_counter() - t
t = time.perf_counter(); method.forecast(y, 96 * int(sys.argv[2])); second_fit_s = time.perf_counter() - t
t = time.perf_counter()
result = forecast_history(records, ForecastOptions(days=int(sys.argv[2]), windows=int(sys.argv[3])))
forecast_s = time.perf_counter() - t
print(json.dumps({"import_statsforecast_s": import_s, "read_history_s": read_s, "rows": len(records),
    "first_fit_s": first_fit_s, "second_fit_s": second_fit_s, "forecast_history_s": forecast_s,
    "series": len(result.series), "fits": len(result.series) * (len(result.series[0].backtest.windows) + 1)}))
"""


def _handoff() -> list[str]:
    exe = shutil.which("handoff")
    return [exe] if exe else [sys.executable, "-c", "from reports.cli import main; main()"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=7)
    parser.add_argument("--windows", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    walls = []
    with tempfile.TemporaryDirectory() as tmp:
        for k in range(args.rounds):
            command = [
                *_handoff(),
                "forecast",
                str(HISTORY),
                "--days",
                str(args.days),
                "--windows",
                str(args.windows),
                "--roster",
                str(DESK),
                "--out",
                f"{tmp}/{k}",
                "-q",
            ]
            began = time.perf_counter()
            subprocess.run(command, check=True, capture_output=True, cwd=ROOT)
            walls.append(time.perf_counter() - began)
    print(
        f"handoff forecast --days {args.days} --windows {args.windows} "
        f"(whole command, {args.rounds} rounds): "
        f"best {min(walls):.1f} s, median {statistics.median(walls):.1f} s"
    )
    parts = subprocess.run(
        [sys.executable, "-c", _PARTS, str(HISTORY), str(args.days), str(args.windows)],
        check=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    figures = json.loads(parts.stdout)
    for name, value in figures.items():
        print(f"  {name:<24} {value:.2f}" if isinstance(value, float) else f"  {name:<24} {value}")


if __name__ == "__main__":
    main()
