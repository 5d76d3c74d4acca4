"""Interval forecast CSV (Genesys Cloud historical-import layout): loading, validation, re-gridding."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import routing.csv_rows as csv_rows
import simulator.scenario.interval_forecast as forecast
from routing.domain import CHANNEL_INDEX, Channel
from routing.errors import InvalidInput
from simulator.scenario.interval_forecast import IntervalForecast, load_interval_forecast

EXAMPLE = Path(__file__).resolve().parents[3] / "scenarios" / "genesys_forecast_example.csv"
HEADER = (
    "Interval Start UTC Date,Queue,Media Type,Skill Set,Language,Offered,"
    "Interactions Handled,Total Handle Time (Seconds)"
)
T0 = int(datetime(2026, 12, 1, 9, tzinfo=UTC).timestamp())


def write(tmp_path: Path, *rows: str, header: str = HEADER) -> Path:
    path = tmp_path / "forecast.csv"
    path.write_text("\n".join((header, *rows)) + "\n", encoding="utf-8")
    return path


def load_rows(tmp_path: Path, *rows: str, interval_min: int | None = None) -> IntervalForecast:
    return load_interval_forecast(write(tmp_path, *rows), interval_min=interval_min)


def problem(tmp_path: Path, *rows: str, header: str = HEADER, pattern: str) -> InvalidInput:
    with pytest.raises(InvalidInput, match=pattern) as info:
        load_interval_forecast(write(tmp_path, *rows, header=header))
    return info.value


def test_public_api() -> None:
    assert set(forecast.__all__) == {
        "COLUMN_ALIASES",
        "MEDIA_TYPES",
        "OPTIONAL_COLUMNS",
        "REQUIRED_COLUMNS",
        "ForecastCombination",
        "IntervalForecast",
        "load_interval_forecast",
    }


# ------------------------------------------------------------------------------------ example
def test_example_loads() -> None:
    f = load_interval_forecast(EXAMPLE)
    assert 0 < len(f) <= 600
    assert f.interval_s == 900
    assert set(f.queue.tolist()) == {"Billing", "Technical", "Account Security"}
    assert set(f.language.tolist()) == {"en", "es"}
    assert {CHANNEL_INDEX[Channel.CHAT], CHANNEL_INDEX[Channel.VOICE]} == set(f.channel.tolist())
    assert f.interval_start_s.dtype == np.int64
    assert f.offered.dtype == np.float64
    hourly = f.volumes(datetime(2026, 11, 17, tzinfo=UTC), 3600, 24)
    assert hourly.sum() == f.offered.sum()
    assert int(np.argmax(hourly)) in (11, 12, 13)  # the lunch peak (UTC)
    aht = f.mean_handle_time_s()
    assert aht is not None
    assert 180 < aht < 1200
    combos = f.combinations()
    assert len(combos) == len({(c.queue, c.media_type, c.skill_set, c.language) for c in combos})
    assert sum(c.offered for c in combos) == f.offered.sum()
    assert sum(c.rows for c in combos) == len(f)


def test_arrays_are_read_only() -> None:
    f = load_interval_forecast(EXAMPLE)
    with pytest.raises(ValueError, match="read-only"):
        f.offered[0] = 1.0


def test_columns_and_media_mapping(tmp_path: Path) -> None:
    f = load_rows(
        tmp_path,
        "2026-12-01T09:00:00Z,Q,Voice,a|||b,English,4,3,300",
        "2026-12-01T09:00:00.000Z,Q,callback,a|||b,English,1,1,100",
        "2026-12-01T09:15:00Z,Q,CHAT,,,2,2,50",
        "2026-12-01T09:15:00Z,Q,email,,,1,0,0",
        "2026-12-01T09:15:00Z,Q,message,,,1,1,10",
    )
    assert f.interval_start_s.tolist() == [T0, T0, T0 + 900, T0 + 900, T0 + 900]
    assert f.media_type.tolist() == ["voice", "callback", "chat", "email", "message"]
    expected = [Channel.VOICE, Channel.VOICE, Channel.CHAT, Channel.EMAIL, Channel.MESSAGING]
    assert f.channel.tolist() == [CHANNEL_INDEX[c] for c in expected]
    assert f.skill_set.tolist() == ["a|||b", "a|||b", "", "", ""]
    assert f.line.tolist() == [2, 3, 4, 5, 6]
    assert f.ignored_columns == ()


def test_optional_columns_absent_and_extra_columns_listed(tmp_path: Path) -> None:
    header = "Interval Start UTC Date,Queue,Media Type,Offered,Interactions Handled,Total Handle Time,Site"
    f = load_interval_forecast(write(tmp_path, "2026-12-01T09:00:00Z,Q,chat,3,2,200,Leeds", header=header))
    assert f.skill_set.tolist() == [""]
    assert f.language.tolist() == [""]
    assert f.handle_time_s.tolist() == [200.0]
    assert f.ignored_columns == ("Site",)


# -------------------------------------------------------------------------------- re-gridding
def test_30_min_source_splits_evenly_onto_15_min(tmp_path: Path) -> None:
    f = load_rows(
        tmp_path,
        "2026-12-01T09:00:00Z,Q,chat,,,7,0,0",
        "2026-12-01T09:30:00Z,Q,chat,,,3,0,0",
    )
    assert f.interval_s == 1800
    v = f.volumes(T0, 900, 6)
    assert v.tolist() == [3.5, 3.5, 1.5, 1.5, 0.0, 0.0]
    assert v.sum() == 10.0


def test_15_min_source_sums_into_30_and_60(tmp_path: Path) -> None:
    rows = [
        f"2026-12-01T09:{m:02d}:00Z,Q,chat,,,{n},0,0"
        for m, n in zip((0, 15, 30, 45), (1, 2, 3, 4), strict=True)
    ]
    rows.append("2026-12-01T10:15:00Z,Q,chat,,,5,0,0")
    f = load_rows(tmp_path, *rows)
    assert f.interval_s == 900
    assert f.volumes(T0, 1800, 4).tolist() == [3.0, 7.0, 5.0, 0.0]
    assert f.volumes(T0, 3600, 2).tolist() == [10.0, 5.0]
    assert f.volumes(datetime(2026, 12, 1, 9, tzinfo=UTC), 900, 6).tolist() == [1, 2, 3, 4, 0, 5]


def test_horizon_before_and_after_the_file_is_zero(tmp_path: Path) -> None:
    f = load_rows(tmp_path, "2026-12-01T09:00:00Z,Q,chat,,,4,0,0")
    assert (f.start_s, f.end_s) == (T0, T0 + 900)
    assert f.volumes(T0 - 1800, 900, 4).tolist() == [0.0, 0.0, 4.0, 0.0]
    assert f.volumes(T0 + 900, 900, 3).tolist() == [0.0, 0.0, 0.0]
    assert f.volumes(T0, 900, 0).shape == (0,)


def test_volumes_rejects_bad_arguments(tmp_path: Path) -> None:
    f = load_rows(tmp_path, "2026-12-01T09:00:00Z,Q,chat,,,4,0,0")
    with pytest.raises(ValueError, match=r"interval_s\(=0.0\) must be > 0"):
        f.volumes(T0, 0, 4)
    with pytest.raises(ValueError, match=r"n_intervals\(=-1\)"):
        f.volumes(T0, 900, -1)
    with pytest.raises(ValueError, match="timezone-aware"):
        f.volumes(datetime(2026, 12, 1, 9), 900, 4)


def test_interval_min_given(tmp_path: Path) -> None:
    # a sparse 15-minute file that detection would read as 30-minute
    f = load_rows(tmp_path, "2026-12-01T09:00:00Z,Q,chat,,,4,0,0", "2026-12-01T09:30:00Z,Q,chat,,,2,0,0")
    assert f.interval_s == 1800
    f15 = load_interval_forecast(tmp_path / "forecast.csv", interval_min=15)
    assert f15.volumes(T0, 900, 3).tolist() == [4.0, 0.0, 2.0]
    with pytest.raises(ValueError, match=r"interval_min\(=20\)"):
        load_interval_forecast(tmp_path / "forecast.csv", interval_min=20)


@given(
    interval_min=st.sampled_from([15, 30]),
    counts=st.lists(st.integers(0, 500), min_size=1, max_size=40),
    scenario_interval_s=st.sampled_from([900, 1800, 3600]),
)
def test_regridding_conserves_volume_inside_the_horizon(
    interval_min: int, counts: list[int], scenario_interval_s: int
) -> None:
    step_s = interval_min * 60
    n = len(counts)
    f = IntervalForecast(
        interval_start_s=T0 + step_s * np.arange(n, dtype=np.int64),
        queue=np.full(n, "Q"),
        media_type=np.full(n, "chat"),
        channel=np.full(n, CHANNEL_INDEX[Channel.CHAT], dtype=np.int8),
        skill_set=np.full(n, ""),
        language=np.full(n, ""),
        offered=np.asarray(counts, dtype=np.float64),
        handled=np.zeros(n),
        handle_time_s=np.zeros(n),
        line=np.arange(2, n + 2, dtype=np.int64),
        interval_s=step_s,
    )
    # a horizon covering the whole file: everything lands in it, exactly
    n_out = -(-n * step_s // scenario_interval_s)
    v = f.volumes(T0, scenario_interval_s, n_out)
    assert v.sum() == sum(counts)
    assert np.all(v >= 0)
    # a horizon cut at an interval boundary keeps exactly the volume of the rows inside it
    cut = n_out // 2
    inside_s = cut * scenario_interval_s
    expected = sum(c * min(1.0, max(0.0, (inside_s - i * step_s) / step_s)) for i, c in enumerate(counts))
    assert f.volumes(T0, scenario_interval_s, cut).sum() == pytest.approx(expected, abs=1e-9)


# ------------------------------------------------------------------------------ filters, AHT
ROWS = (
    "2026-12-01T09:00:00Z,Billing,chat,billing,en,10,8,800",
    "2026-12-01T09:00:00Z,Billing,voice,billing,en,6,4,1200",
    "2026-12-01T09:00:00Z,Billing,callback,billing,en,1,1,500",
    "2026-12-01T09:15:00Z,Billing,chat,billing,es,3,2,500",
    "2026-12-01T09:15:00Z,Technical,chat,technical,en,5,0,0",
)


def test_filters(tmp_path: Path) -> None:
    f = load_rows(tmp_path, *ROWS)
    assert f.volumes(T0, 900, 2).tolist() == [17.0, 8.0]
    assert f.volumes(T0, 900, 2, queue="Billing").tolist() == [17.0, 3.0]
    assert f.volumes(T0, 900, 2, channel=Channel.CHAT).tolist() == [10.0, 8.0]
    assert f.volumes(T0, 900, 2, channel=Channel.VOICE).tolist() == [7.0, 0.0]  # voice + callback
    assert f.volumes(T0, 900, 2, language="es").tolist() == [0.0, 3.0]
    assert f.volumes(T0, 900, 2, queue="Billing", channel=Channel.CHAT, language="en").tolist() == [10.0, 0.0]
    assert f.volumes(T0, 900, 2, skill_set="technical").tolist() == [0.0, 5.0]
    assert f.volumes(T0, 900, 2, queue="Nope").tolist() == [0.0, 0.0]


def test_mean_handle_time_is_handled_weighted(tmp_path: Path) -> None:
    f = load_rows(tmp_path, *ROWS)
    # (800 + 1200 + 500 + 500 + 0) / (8 + 4 + 1 + 2 + 0) = 3000 / 15
    assert f.mean_handle_time_s() == pytest.approx(200.0)
    # chat: (800 + 500 + 0) / (8 + 2 + 0) = 130, not the row mean of 100, 250 and none
    assert f.mean_handle_time_s(channel=Channel.CHAT) == pytest.approx(130.0)
    assert f.mean_handle_time_s(channel=Channel.VOICE) == pytest.approx(1700 / 5)
    assert f.mean_handle_time_s(queue="Technical") is None
    assert f.mean_handle_time_s(queue="Nope") is None


def test_combinations(tmp_path: Path) -> None:
    f = load_rows(tmp_path, *ROWS, "2026-12-01T09:15:00Z,Billing,chat,billing,en,2,2,100")
    combos = f.combinations()
    assert [(c.queue, c.media_type, c.language, c.rows, c.offered) for c in combos] == [
        ("Billing", "callback", "en", 1, 1.0),
        ("Billing", "chat", "en", 2, 12.0),
        ("Billing", "chat", "es", 1, 3.0),
        ("Billing", "voice", "en", 1, 6.0),
        ("Technical", "chat", "en", 1, 5.0),
    ]
    assert combos[0].channel is Channel.VOICE
    assert combos[1].handled == 10.0
    assert combos[1].handle_time_s == 900.0


# --------------------------------------------------------------------------------- validation
GOOD = "2026-12-01T09:00:00Z,Q,chat,s,en,4,2,100"


@pytest.mark.parametrize(
    ("row", "pattern"),
    [
        (
            "2026-12-01T09:00:00Z,Q,chat,s,en,abc,2,100",
            r"line 2, Offered: must be a non-negative number, got 'abc'",
        ),
        (
            "2026-12-01T09:00:00Z,Q,chat,s,en,-1,0,0",
            r"line 2, Offered: must be a non-negative number, got '-1'",
        ),
        ("2026-12-01T09:00:00Z,Q,chat,s,en,4,-2,0", r"line 2, Interactions Handled: .* got '-2'"),
        ("2026-12-01T09:00:00Z,Q,chat,s,en,4,2,-5", r"line 2, Total Handle Time \(Seconds\): .* got '-5'"),
        ("2026-12-01T09:00:00Z,Q,chat,s,en,nan,2,100", r"line 2, Offered: .* got 'nan'"),
        (
            "2026-12-01T09:00:00Z,Q,chat,s,en,4,5,100",
            r"line 2, Interactions Handled: must not exceed .*got '5'",
        ),
        (
            "2026-12-01T09:00:00Z,Q,chat,s,en,4,0,100",
            r"line 2, Total Handle Time \(Seconds\): must be 0 .*got '100'",
        ),
        ("2026-12-01T09:00:00Z,Q,fax,s,en,4,2,100", r"line 2, Media Type: must be one of .*got 'fax'"),
        ("2026-12-01T09:00:00Z,,chat,s,en,4,2,100", r"line 2, Queue: required"),
        (
            "01/12/2026 09:00,Q,chat,s,en,4,2,100",
            r"line 2, Interval Start UTC Date: .*got '01/12/2026 09:00'",
        ),
        (
            "2026-12-01T09:00:00+01:00,Q,chat,s,en,4,2,100",
            r"line 2, Interval Start UTC Date: .*09:00:00\+01:00'",
        ),
        (
            "2026-02-30T09:00:00Z,Q,chat,s,en,4,2,100",
            r"line 2, Interval Start UTC Date: not a valid .*2026-02-30",
        ),
        (
            "2026-12-01T09:10:00Z,Q,chat,s,en,4,2,100",
            r"line 2, Interval Start UTC Date: .*15-minute mark.*09:10:00Z'",
        ),
        (
            "2026-12-01T09:15:30Z,Q,chat,s,en,4,2,100",
            r"line 2, Interval Start UTC Date: .*15-minute mark.*09:15:30Z'",
        ),
        ("2026-12-01T09:00:00Z,Q,chat,s,en,4,2", r"line 2: expected 8 fields, got 7"),
    ],
)
def test_bad_cell_names_line_column_and_value(tmp_path: Path, row: str, pattern: str) -> None:
    error = problem(tmp_path, row, pattern=pattern)
    assert str(error).startswith(str(tmp_path / "forecast.csv") + ": line 2")


def test_duplicate_rows(tmp_path: Path) -> None:
    other = "2026-12-01T09:00:00Z,Q,voice,s,en,1,1,10"
    error = problem(
        tmp_path,
        GOOD,
        other,
        "2026-12-01T09:00:00.000Z,Q,Chat,s,en,9,9,90",
        pattern=r"line 4: repeats line 2's .*'2026-12-01T09:00:00.000Z', 'Q', 'chat', 's', 'en'",
    )
    assert len(error.problems) == 1


def test_missing_required_column(tmp_path: Path) -> None:
    header = "Interval Start UTC Date,Queue,Skill Set,Language,Offered,Interactions Handled"
    problem(
        tmp_path,
        "2026-12-01T09:00:00Z,Q,s,en,4,2",
        header=header,
        pattern=r"line 1: missing required column\(s\): Media Type, Total Handle Time \(Seconds\)",
    )


def test_column_given_twice(tmp_path: Path) -> None:
    problem(
        tmp_path, GOOD + ",5", header=HEADER + ",Offered", pattern=r"line 1: column\(s\) given twice: Offered"
    )


def test_off_30_minute_grid_when_declared(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD, "2026-12-01T09:15:00Z,Q,chat,s,en,4,2,100")
    with pytest.raises(InvalidInput, match=r"line 3, Interval Start UTC Date: .*30-minute mark.*09:15:00Z'"):
        load_interval_forecast(path, interval_min=30)


def test_every_problem_is_reported(tmp_path: Path) -> None:
    error = problem(
        tmp_path,
        GOOD,
        "2026-12-01T09:00:00Z,Q,fax,s,en,x,2,100",
        "",
        "2026-12-01T09:07:00Z,Q,chat,s,en,4,5,100",
        pattern="line 3",
    )
    assert [str(p) for p in error.problems] == [
        "line 3, Media Type: must be one of voice, callback, chat, email, message, got 'fax'",
        "line 3, Offered: must be a non-negative number, got 'x'",
        "line 5, Interval Start UTC Date: must start on a 15-minute mark (minutes 00, 15, 30 or 45, "
        "seconds 00), got '2026-12-01T09:07:00Z'",
        "line 5, Interactions Handled: must not exceed Offered ('4'), got '5'",
    ]


def test_problem_limit(tmp_path: Path) -> None:
    rows = [f"2026-12-01T09:00:00Z,Q{i},chat,s,en,x,0,0" for i in range(80)]
    error = problem(tmp_path, *rows, pattern="stopped after")
    assert len(error.problems) == csv_rows.MAX_PROBLEMS + 1


@pytest.mark.parametrize(
    ("text", "pattern"),
    [("", "the file is empty"), (HEADER + "\n", "no interval rows after the header")],
)
def test_empty_files(tmp_path: Path, text: str, pattern: str) -> None:
    path = tmp_path / "forecast.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InvalidInput, match=pattern):
        load_interval_forecast(path)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match=re.escape("nope.csv: file not found")):
        load_interval_forecast(tmp_path / "nope.csv")
