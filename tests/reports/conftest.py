"""Fixtures of the report tests: one real plan (and the same plan recommending nothing) and its
written report, built once per session."""

from __future__ import annotations

from pathlib import Path

import pytest

from reports.capacity_report import write_report
from simulator.planning.result import CapacityPlan
from tests.reports.plan_fixture import build_plan, without_recommendation

#: Paths the tests want a person to look at; printed at the end of the run.
LOOK_AT: list[str] = []


@pytest.fixture(scope="session")
def plan() -> CapacityPlan:
    return build_plan()


@pytest.fixture(scope="session")
def bare_plan(plan: CapacityPlan) -> CapacityPlan:
    """The plan stripped of schedule, recommendation and comparison."""
    return without_recommendation(plan)


@pytest.fixture(scope="session")
def report(plan: CapacityPlan, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return write_report(plan, tmp_path_factory.mktemp("report"))


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    for line in LOOK_AT:
        terminalreporter.write_line(line)
