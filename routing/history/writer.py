"""Writing a history log (or a conversation-volume file): CSV, gzip-compressed for a ``.gz`` name.

:func:`write_history` writes the header (:data:`routing.history.HISTORY_COLUMNS`) and one row per
:class:`~routing.history.HistoryRecord`, in the order given, streaming (records may be a
generator over a database cursor). Instants are ISO 8601 UTC with ``Z`` to the millisecond,
durations in seconds to the millisecond, ``None`` an empty cell. The file appears whole or not at
all (written beside, then renamed), and a ``.gz`` file is byte-for-byte reproducible (no
timestamp in the gzip header), so a regenerated history can be compared with the shipped one.
"""

from __future__ import annotations

import csv
import gzip
import io
import os
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from routing.history.columns import COLUMNS, Column
from routing.history.record import HistoryRecord

__all__ = ["history_row", "open_csv_for_writing", "write_history", "write_table"]


def history_row(record: HistoryRecord) -> list[str]:
    """The record's cells in column order (what :func:`write_history` writes for it)."""
    return [column.format(getattr(record, column.attr)) for column in COLUMNS]


@contextmanager
def open_csv_for_writing(path: Path | str) -> Iterator[IO[str]]:
    """A text stream to write a CSV file at ``path``, gzip-compressed when the name ends in
    ``.gz``; the file replaces ``path`` only when the block ends without an exception.

    Raise OSError if the folder does not exist or cannot be written.
    """
    path = Path(path)
    partial = path.with_name(f".{path.name}.partial")
    try:
        with open(partial, "wb") as raw:
            if path.suffix.lower() == ".gz":
                with (
                    gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as packed,
                    io.TextIOWrapper(packed, encoding="utf-8", newline="") as text,
                ):
                    yield text
            else:
                with io.TextIOWrapper(raw, encoding="utf-8", newline="") as text:
                    yield text
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)


def write_table(path: Path | str, columns: tuple[Column, ...], items: Iterable[Any]) -> int:
    """Write ``items`` (objects with each column's ``attr``) as a CSV at ``path`` under a header
    of ``columns``; return the number of rows written."""
    count = 0
    with open_csv_for_writing(path) as stream:
        writer = csv.writer(stream, lineterminator="\n")
        writer.writerow([c.name for c in columns])
        for item in items:
            writer.writerow([c.format(getattr(item, c.attr)) for c in columns])
            count += 1
    return count


def write_history(path: Path | str, records: Iterable[HistoryRecord]) -> int:
    """Write ``records`` as a history log at ``path`` (``.csv`` or ``.csv.gz``); return the
    number of rows written. Raise OSError if ``path`` cannot be written."""
    return write_table(path, COLUMNS, records)
