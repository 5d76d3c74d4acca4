"""Reading planners' CSV files row by row: every bad cell reported, none silently dropped.

Shared by the escalation log (:mod:`simulator.arrivals`) and the interval forecast
(:mod:`simulator.forecast`): a :class:`Problems` collector that stops at :data:`MAX_PROBLEMS`, and
a :class:`RowReader` that parses one row's cells, naming each problem ``line N, column``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TypeVar

from routing.errors import FieldProblem

#: Problems reported before a file is given up on (a wrong file would otherwise list thousands).
MAX_PROBLEMS = 50

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
