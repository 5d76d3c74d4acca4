"""Benchmark of start-up: how long ``handoff`` takes before it does any work, as users meet it.

Run as a script (it is not a pytest module)::

    python tests/benchmarks/bench_startup.py            # 15 rounds of each command
    python tests/benchmarks/bench_startup.py --rounds 40

Each command runs as a whole process (interpreter start-up and imports included), interleaved
round by round with the reference ``python -c pass`` so that both see the same machine load; the
figures are the median and best wall times and the median's excess over the reference. Goal (from
the restructuring issue): ``handoff --help`` and ``handoff scenario check`` within 0.3 s. A second
table lists the heaviest imports of ``handoff --help`` (``python -X importtime``).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ERLANG = ROOT / "scenarios" / "erlang_check.yaml"
PEAK = ROOT / "scenarios" / "ai_support_peak.yaml"


def _handoff() -> list[str]:
    exe = shutil.which("handoff")
    return [exe] if exe else [sys.executable, "-c", "from reports.cli import main; main()"]


def commands() -> dict[str, list[str]]:
    h = _handoff()
    return {
        "python -c pass (reference)": [sys.executable, "-c", "pass"],
        "handoff --help": [*h, "--help"],
        "handoff simulate --help": [*h, "simulate", "--help"],
        "handoff scenario check erlang_check.yaml": [*h, "scenario", "check", str(ERLANG)],
        "handoff scenario check ai_support_peak.yaml": [*h, "scenario", "check", str(PEAK)],
    }


def wall_s(argv: list[str]) -> float:
    began = time.perf_counter()
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT)
    return time.perf_counter() - began


def heaviest_imports(argv: list[str], top: int = 8) -> list[tuple[int, str]]:
    """(cumulative microseconds, module) of the slowest top-level imports of one run."""
    env = {**os.environ, "PYTHONPROFILEIMPORTTIME": "1"}
    err = subprocess.run(argv, capture_output=True, text=True, env=env, cwd=ROOT).stderr
    rows = []
    for line in err.splitlines():
        m = re.match(r"import time:\s+\d+ \|\s+(\d+) \|( *)(\S+)", line)
        if m and len(m.group(2)) <= 1:  # top-level imports only
            rows.append((int(m.group(1)), m.group(3)))
    return sorted(rows, reverse=True)[:top]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args()
    cmds = commands()
    for argv in cmds.values():  # warm the file cache and .pyc files
        wall_s(argv)
    times: dict[str, list[float]] = {name: [] for name in cmds}
    for _ in range(args.rounds):
        for name, argv in cmds.items():
            times[name].append(wall_s(argv))
    ref = statistics.median(times["python -c pass (reference)"])
    print(f"load average {os.getloadavg()[0]:.2f}; {args.rounds} rounds, interleaved")
    print(f"{'command':<46} {'median s':>9} {'best s':>8} {'minus python':>13}")
    for name, values in times.items():
        med = statistics.median(values)
        print(f"{name:<46} {med:9.3f} {min(values):8.3f} {med - ref:13.3f}")
    print("\nheaviest top-level imports of `handoff --help` (cumulative ms):")
    for us, module in heaviest_imports(cmds["handoff --help"]):
        print(f"  {us / 1000:8.1f}  {module}")


if __name__ == "__main__":
    main()
