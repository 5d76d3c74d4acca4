"""Shared fixtures of the forecast tests: the shipped example history and one forecast of it."""

from __future__ import annotations

from pathlib import Path

import pytest

from routing.history import HistoryRecord, read_history

HISTORY_DIR = Path(__file__).resolve().parents[3] / "scenarios" / "history"


@pytest.fixture(scope="session")
def shipped_history() -> list[HistoryRecord]:
    return read_history(HISTORY_DIR / "history.csv.gz")
