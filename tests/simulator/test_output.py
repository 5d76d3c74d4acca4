"""The records writer's fast cell formatting and chunked writing."""

from __future__ import annotations

import csv
import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from simulator import output
from simulator.metric_catalogue import cell
from simulator.output import decimal_cells, write_records
from simulator.replications import run_replications
from simulator.scenario import Scenario


@given(st.lists(st.floats(allow_nan=True, allow_infinity=True), max_size=50), st.integers(0, 6))
def test_decimal_cells_is_cell_of_each_value(values: list[float], digits: int) -> None:
    got = decimal_cells(np.asarray(values, dtype=np.float64), digits)
    assert got == [cell(v, digits) for v in values]


def test_decimal_cells_edge_values() -> None:
    values = np.array([-0.0, -0.0004, 0.0005, 1e-12, 100.0, 2.5, math.nan, math.inf, -math.inf])
    assert decimal_cells(values) == [cell(v, 3) for v in values[:-2]] + ["", ""]
    assert decimal_cells(values, inf="inf")[-2:] == ["inf", ""]


def _scenario(segment: str = "general", group: str = "agents") -> Scenario:
    return Scenario.model_validate(
        {
            "name": "chunks",
            "start": "2026-12-01T00:00:00",
            "duration_h": 1,
            "warmup_h": 0,
            "interval_min": 30,
            "demand": [
                {
                    "segment": segment,
                    "channel": "chat",
                    "skills": {"general": 1},
                    "arrivals_per_hour": 300,
                    "handle_time": {"distribution": "exponential", "mean_s": 120},
                    "patience": {"distribution": "exponential", "mean_s": 60},
                }
            ],
            "roster": [{"group": group, "count": 8, "skills": {"general": 3}}],
        }
    )


def test_records_do_not_depend_on_the_chunk_size(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    result = run_replications(_scenario(), 2, seed=5)
    whole = tmp_path / "whole.csv"
    rows = write_records(result, whole)
    monkeypatch.setattr(output, "RECORDS_CHUNK", 7)
    chunked = tmp_path / "chunked.csv"
    assert write_records(result, chunked) == rows
    assert chunked.read_bytes() == whole.read_bytes()
    with whole.open(newline="") as f:
        table = list(csv.reader(f))
    assert len(table) == rows + 1
    assert rows == sum(len(r.arrivals) for r in result.records or ())


def test_records_are_the_text_csv_writer_writes(tmp_path: Path) -> None:
    # names that must be quoted: a comma, a quote, a line break
    result = run_replications(_scenario('general, "vip"', "agents,\nnight"), 1, seed=3)
    path = tmp_path / "records.csv"
    write_records(result, path)
    rec = (result.records or ())[0]
    expected = tmp_path / "expected.csv"
    with expected.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(output.RECORD_COLUMNS)
        with path.open(newline="", encoding="utf-8") as got:
            rows = list(csv.reader(got))[1:]
        writer.writerows(rows)
    assert path.read_bytes() == expected.read_bytes()
    assert {row[2] for row in rows} == {'general, "vip"'}
    accepted = [row for row in rows if row[13]]
    assert accepted
    assert {row[12] for row in accepted} == {"agents,\nnight"}
    assert len(rows) == len(rec.arrivals)
