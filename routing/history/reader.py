"""Reading a history log: every row validated, every problem named by line and column.

:func:`read_history` reads the CSV (or ``.csv.gz``) history log (columns in
:mod:`routing.history.columns`) into :class:`~routing.history.HistoryRecord` entries sorted by
``created_at_s`` (stable: rows out of order are accepted). Nothing is dropped or repaired; the
load fails with :class:`routing.errors.InvalidInput` listing every problem (up to
:data:`routing.csv_rows.MAX_PROBLEMS`) as ``line 7, csat: must be 1-5, got 9``. Beyond each cell's
own type, a row must agree with itself:

* ``escalation_id`` is unique in the file;
* ``conversation_started_at`` is not after ``created_at``; ``first_offered_at``, ``accepted_at``,
  ``context_viewed_at`` and ``completed_at`` are not before it; ``completed_at`` is not before
  ``accepted_at``;
* ``handoff_s`` equals ``accepted_at - created_at`` (to 2 ms) when both are given; when only
  ``accepted_at`` is, ``handoff_s`` is taken from it (observed, not invented);
* ``accepted_at`` only for outcomes where a human accepted (completed, handed_back, transferred,
  assigned); ``patience_s`` only for ``abandoned``; ``cancel_reason`` only for ``abandoned``
  (``customer_left``) and ``cancelled`` (any other reason).

Missing required columns, unknown columns and a file without rows are errors; an absent optional
column reads as empty cells.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from routing.csv_rows import (
    Problems,
    RowReader,
    TooManyProblems,
    check_header,
    data_rows,
    open_csv,
    read_csv_text,
)
from routing.domain import CancelReason
from routing.errors import InvalidInput
from routing.history.columns import COLUMNS, Column, read_cells
from routing.history.record import ACCEPTED_OUTCOMES, HistoryRecord, Outcome

__all__ = ["HANDOFF_TOLERANCE_S", "read_history", "read_table"]

#: How far ``handoff_s`` may differ from ``accepted_at - created_at`` (both rounded to the ms).
HANDOFF_TOLERANCE_S = 0.002

_AFTER_CREATED = ("first_offered_at", "accepted_at", "context_viewed_at", "completed_at")


def read_table(
    path: Path | str, columns: tuple[Column, ...], problems: Problems
) -> Iterator[tuple[RowReader, dict[str, Any]]]:
    """The parsed cells of each data row of the CSV at ``path``, with the row's reader (to report
    cross-field problems on; skip the row when ``reader.ok`` is false). The header must hold every
    required column of ``columns`` and no other; raise :class:`InvalidInput` (``source`` = the
    path) for an unreadable file or a broken header, at once."""
    source = str(path)
    text = read_csv_text(path)
    names = tuple(c.name for c in columns)
    reader, header = open_csv(text, source, names)
    check_header(header, [c.name for c in columns if c.required], problems, source, allowed=names)
    present = tuple(c for c in columns if c.name in header)
    # an absent optional column reads as empty cells: its value is the same for every row
    absent = {c.attr: c.parse("") for c in columns if c.name not in header and not c.required}
    positions = {name: i for i, name in enumerate(header)}
    for line, cells in data_rows(reader, len(header), positions, problems):
        row = RowReader(cells, line, problems)
        values = read_cells(row, present)
        for attr, empty in absent.items():
            values[attr] = empty.copy() if isinstance(empty, dict) else empty
        yield row, values


def _check_row(row: RowReader, values: dict[str, Any]) -> None:
    """Report the ways a row's well-typed cells disagree with each other."""
    created = values["created_at_s"]
    started = values["conversation_started_at_s"]
    if started is not None and started > created:
        row.problem("conversation_started_at", "must not be after created_at")
    for name in _AFTER_CREATED:
        when = values[f"{name}_s"]
        if when is not None and when < created:
            row.problem(name, "must not be before created_at")
    accepted, completed = values["accepted_at_s"], values["completed_at_s"]
    if accepted is not None and completed is not None and completed < accepted:
        row.problem("completed_at", "must not be before accepted_at")
    outcome: Outcome = values["outcome"]
    if accepted is not None and outcome not in ACCEPTED_OUTCOMES:
        row.problem("accepted_at", f"given, but the outcome {outcome.value!r} means nobody accepted")
    handoff = values["handoff_s"]
    observed = None if accepted is None else accepted - created
    if observed is not None and handoff is not None and abs(handoff - observed) > HANDOFF_TOLERANCE_S:
        row.problem("handoff_s", f"must equal accepted_at - created_at ({observed:.3f}), got {handoff}")
    if values["patience_s"] is not None and outcome is not Outcome.ABANDONED:
        row.problem("patience_s", f"only for abandoned escalations, but the outcome is {outcome.value!r}")
    reason: CancelReason | None = values["cancel_reason"]
    if reason is not None:
        if outcome is Outcome.ABANDONED and reason is not CancelReason.CUSTOMER_LEFT:
            row.problem("cancel_reason", f"abandoned means customer_left, got {reason.value!r}")
        elif outcome is Outcome.CANCELLED and reason is CancelReason.CUSTOMER_LEFT:
            row.problem("cancel_reason", "customer_left means the outcome is abandoned, not cancelled")
        elif outcome not in (Outcome.ABANDONED, Outcome.CANCELLED):
            row.problem("cancel_reason", f"only for cancelled or abandoned, got outcome {outcome.value!r}")


def read_history(path: Path | str) -> list[HistoryRecord]:
    """Read the history log at ``path`` (``.csv`` or ``.csv.gz``), sorted by ``created_at_s``.

    Raise :class:`routing.errors.InvalidInput` (``source`` = the path) listing every bad row and
    column as ``line N, column: problem`` (rules in the module docstring).
    """
    problems = Problems()
    records: list[HistoryRecord] = []
    first_line: dict[str, int] = {}
    try:
        for row, values in read_table(path, COLUMNS, problems):
            if not row.ok:
                continue
            escalation_id = values["escalation_id"]
            if escalation_id in first_line:
                first = first_line[escalation_id]
                row.problem("escalation_id", f"{escalation_id!r} given twice (first on line {first})")
                continue
            first_line[escalation_id] = row.line
            _check_row(row, values)
            if not row.ok:
                continue
            if values["handoff_s"] is None and values["accepted_at_s"] is not None:
                values["handoff_s"] = round(values["accepted_at_s"] - values["created_at_s"], 3)
            records.append(HistoryRecord(**values))
        if not problems.items and not first_line:
            problems.add("", "no escalation rows after the header")
    except TooManyProblems:
        problems.items = problems.stopped()
    if problems.items:
        raise InvalidInput(problems.items, str(path))
    records.sort(key=lambda r: r.created_at_s)
    return records
