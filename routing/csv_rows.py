"""Reading CSV files row by row: every bad cell reported, none silently dropped.

Shared by the history log (:mod:`routing.history`) and, through the simulator, the replay's
escalation log and the interval forecast: reading the file (plain or gzip-compressed, by a ``.gz``
suffix) and its header (:func:`read_csv_text`, :func:`open_csv`), walking the data rows with their
line numbers (:func:`data_rows`), a :class:`Problems` collector that stops at :data:`MAX_PROBLEMS`,
and a :class:`RowReader` that parses one row's cells, naming each problem ``line N, column``.

Standard library only (it sits in the routing core so both sides of the one-way rule can use it).
"""

from __future__ import annotations

import csv
import gzip
import zlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from functools import lru_cache
from pathlib import Path
from typing import TypeVar

from routing.errors import FieldProblem, InvalidInput

#: Problems reported before a file is given up on (a wrong file would otherwise list thousands).
MAX_PROBLEMS = 50

__all__ = [
    "MAX_PROBLEMS",
    "Problems",
    "RowReader",
    "TooManyProblems",
    "check_header",
    "data_rows",
    "file_cached",
    "open_csv",
    "read_csv_text",
]

T = TypeVar("T")


class TooManyProblems(Exception):
    """The problem limit was reached; the caller reports what it has."""


class Problems:
    """Collects :class:`FieldProblem` entries; raise :class:`TooManyProblems` at the limit."""

    def __init__(self) -> None:
        self.items: list[FieldProblem] = []

    def add(self, location: str, problem: str) -> None:
        self.items.append(FieldProblem(location, problem))
        if len(self.items) >= MAX_PROBLEMS:
            raise TooManyProblems

    def stopped(self) -> list[FieldProblem]:
        """The problems, with a last line saying the reading stopped at the limit."""
        return [*self.items, FieldProblem("", f"stopped after {MAX_PROBLEMS} problems")]


class RowReader:
    """Parses the cells of CSV line ``line``; ``ok`` turns false at the first problem."""

    def __init__(self, cells: Mapping[str, str], line: int, problems: Problems) -> None:
        self.cells = cells
        self.line = line
        self.problems = problems
        self.ok = True

    def field(self, column: str, parse: Callable[[str], T]) -> T | None:
        """``parse`` of the column's cell (empty if absent), or None after reporting its ValueError."""
        try:
            return parse(self.cells.get(column, ""))
        except ValueError as exc:
            self.problem(column, str(exc))
            return None

    def problem(self, column: str, message: str) -> None:
        self.ok = False
        self.problems.add(f"line {self.line}, {column}", message)


def read_csv_text(path: Path | str) -> str:
    """The file's text (a UTF-8 BOM dropped; gunzipped when the name ends in ``.gz``), or
    :class:`InvalidInput` naming the file."""
    path = Path(path)
    try:
        if path.suffix.lower() == ".gz":
            return gzip.decompress(path.read_bytes()).decode("utf-8-sig")
        return path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InvalidInput([FieldProblem("", "file not found")], str(path)) from None
    except (gzip.BadGzipFile, EOFError, zlib.error) as exc:
        raise InvalidInput([FieldProblem("", f"not a readable gzip file: {exc}")], str(path)) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInput([FieldProblem("", f"cannot read file: {exc}")], str(path)) from None


def open_csv(text: str, source: str, expected_header: Sequence[str]) -> tuple[Iterator[list[str]], list[str]]:
    """A strict CSV reader over ``text`` and its stripped header line; an empty file is
    :class:`InvalidInput` naming the header it should have had."""
    reader = csv.reader(text.splitlines(keepends=True), strict=True)
    try:
        header = [name.strip() for name in next(reader)]
    except StopIteration:
        raise InvalidInput(
            [FieldProblem("", f"the file is empty; expected a header line: {','.join(expected_header)}")],
            source,
        ) from None
    return reader, header


def check_header(
    header: Sequence[str],
    required: Sequence[str],
    problems: Problems,
    source: str,
    *,
    allowed: Sequence[str] | None = None,
) -> None:
    """Report, as ``line 1`` problems, the required columns the header lacks, the columns it gives
    twice and, with ``allowed``, the columns it should not have; raise :class:`InvalidInput`
    (``source``) with them, since no row can be read against a broken header."""
    missing = [c for c in required if c not in header]
    if missing:
        problems.add("line 1", f"missing required column(s): {', '.join(missing)}")
    if allowed is not None:
        unknown = [c for c in header if c not in allowed]
        if unknown:
            problems.add(
                "line 1",
                f"unknown column(s): {', '.join(map(repr, unknown))} (allowed: {', '.join(allowed)})",
            )
    twice = sorted({c for c in header if header.count(c) > 1})
    if twice:
        problems.add("line 1", f"column(s) given twice: {', '.join(twice)}")
    if problems.items:
        raise InvalidInput(problems.items, source)


def data_rows(
    reader: Iterator[list[str]], width: int, columns: Mapping[str, int], problems: Problems
) -> Iterator[tuple[int, dict[str, str]]]:
    """``(line, cells)`` for each data row after the header: ``cells`` maps each of ``columns``
    (name -> position) to its stripped value. Blank lines are skipped; a row of the wrong width
    is a problem; a broken quote ends the reading with a problem (the reader cannot resynchronise).
    """
    line_num = getattr(reader, "line_num", 1)
    last_line = line_num
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            problems.add(f"line {last_line + 1}", f"malformed CSV: {exc}")
            return
        n, last_line = last_line + 1, getattr(reader, "line_num", last_line + 1)
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != width:
            problems.add(f"line {n}", f"expected {width} fields, got {len(row)}")
            continue
        yield n, {name: row[i].strip() for name, i in columns.items()}


def file_cached(load: Callable[[Path], T]) -> Callable[[Path], T]:
    """``load`` memoised per file version (path, modification time, size): a scenario's data file
    is parsed once per process however many segments and replications read it. Only for loaders
    whose results are immutable; a missing file goes straight to ``load`` (and its error)."""

    @lru_cache(maxsize=32)
    def by_version(path: str, _mtime_ns: int, _size: int) -> T:
        return load(Path(path))

    def cached(path: Path) -> T:
        try:
            stat = Path(path).stat()
        except OSError:
            return load(Path(path))
        return by_version(str(Path(path).resolve()), stat.st_mtime_ns, stat.st_size)

    cached.__doc__ = f"{load.__doc__}\n\nMemoised per file version (path, modification time, size)."
    return cached
