"""Loading scenario files: parse, validate, resolve data files beside the scenario, read them once.

:func:`load_scenario` is the one way in. A scenario's data files (an interval forecast, an
escalation log) are read through :func:`cached_interval_forecast` and :func:`cached_escalation_log`:
once per file version per process, however many segments and replications read them.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from routing.csv_rows import file_cached
from routing.errors import FieldProblem, InvalidInput
from routing.schemas import load_document, parse
from simulator.scenario.models import Scenario

if TYPE_CHECKING:
    from simulator.scenario.escalation_log import EscalationLog
    from simulator.scenario.interval_forecast import IntervalForecast

__all__ = ["cached_escalation_log", "cached_interval_forecast", "load_scenario", "scenario_json_schema"]


# The data-file formats (and numpy with them) load with the first data file: a scenario without
# one is checked without them.
@cache
def _forecast_loader() -> Callable[[Path], IntervalForecast]:
    from simulator.scenario.interval_forecast import load_interval_forecast

    return file_cached(load_interval_forecast)


@cache
def _log_loader() -> Callable[[Path], EscalationLog]:
    from simulator.scenario.escalation_log import load_escalation_log

    return file_cached(load_escalation_log)


def cached_interval_forecast(path: Path) -> IntervalForecast:
    """:func:`simulator.scenario.interval_forecast.load_interval_forecast`, once per file version
    (path, modification time, size) per process; raises what it raises."""
    return _forecast_loader()(path)


def cached_escalation_log(path: Path) -> EscalationLog:
    """:func:`simulator.scenario.escalation_log.load_escalation_log`, once per file version
    (path, modification time, size) per process; raises what it raises."""
    return _log_loader()(path)


def load_scenario(path: Path) -> Scenario:
    """Read and validate a scenario file; relative ``forecast_csv`` paths resolve next to it.

    Raises :class:`InvalidInput` naming the file, the field and the value for any problem,
    including a ``forecast_csv`` or replay log that does not exist, or a bad row in one (then the
    error names that data file and the row's line).
    """
    scenario = parse(Scenario, load_document(path), source=str(path))
    problems = []
    demand = []
    for i, seg in enumerate(scenario.demand):
        if seg.forecast_csv is not None:
            csv_path = _beside(path, seg.forecast_csv)
            if not csv_path.is_file():
                problems.append(FieldProblem(f"demand[{i}].forecast_csv", f"file not found: {csv_path}"))
            seg = seg.model_copy(update={"forecast_csv": csv_path})
        demand.append(seg)
    replay = scenario.replay
    if replay is not None:
        log_path = _beside(path, replay.log)
        if not log_path.is_file():
            problems.append(FieldProblem("replay.log", f"file not found: {log_path}"))
        replay = replay.model_copy(update={"log": log_path})
    if problems:
        raise InvalidInput(problems, str(path))
    # read the data files now, so a bad row is reported by `scenario check`, not mid-run
    for seg in demand:
        if seg.forecast_csv is not None:
            cached_interval_forecast(seg.forecast_csv)
    if replay is not None:
        cached_escalation_log(replay.log)
    return scenario.model_copy(update={"demand": demand, "replay": replay})


def _beside(scenario_path: Path, path: Path) -> Path:
    """``path`` as written in a scenario: relative paths resolve next to the scenario file."""
    return path if path.is_absolute() else scenario_path.parent / path


def scenario_json_schema() -> str:
    """JSON Schema of scenario files, for editor completion and validation."""
    return json.dumps(Scenario.model_json_schema(), indent=2)
