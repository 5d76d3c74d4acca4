"""The history log's columns, written once: name, record field, and how a cell is read and written.

The writer (:mod:`routing.history.writer`) writes :data:`HISTORY_COLUMNS` in this order; the
reader (:mod:`routing.history.reader`) needs :data:`REQUIRED_COLUMNS` and treats an absent
optional column as a column of empty cells (not observed). An instant's column is ``<name>_at``
(ISO 8601 UTC with ``Z``) and its record field ``<name>_at_s`` (epoch seconds), as
:mod:`routing.timestamps` has it.

=============================  ========  ==========================================================
column                         required  content
=============================  ========  ==========================================================
``escalation_id``              yes       the escalation's id, unique in the file
``created_at``                 yes       when the AI escalated
``conversation_started_at``    no        when the AI conversation started (time to escalation)
``channel``                    yes       ``chat``, ``voice``, ``email`` or ``messaging``
``skills``                     no        required skills ``billing:3|refunds:2`` (proficiency 1-5)
``preferred_skills``           no        preferred skills, same form
``tier``                       no        complexity tier 1-3
``customer_tier``              no        ``standard``, ``priority`` or ``vip``
``language``                   no        a language tag such as ``en`` or ``es-MX``
``customer_timezone``          no        an IANA time zone
``trigger``                    no        the escalation's reason code (:class:`routing.domain.Trigger`)
``segment``                    no        the demand segment (free text)
``queue``                      no        the queue (free text)
``customer_ref``               no        a stable hashed customer reference (return rate)
``outcome``                    yes       :class:`routing.history.Outcome`
``cancel_reason``              no        :class:`routing.domain.CancelReason` (cancelled, abandoned)
``offers``                     no        offers made (whole number >= 0); ``declines``, ``expiries``
``first_offered_at``           no        the first offer; ``accepted_at``: a human accepted
``handoff_s``                  no        created to accepted, seconds (the 30 s target is on this)
``agent_id``, ``agent_group``  no        who accepted (last), and their group
``context_viewed_at``          no        the agent opened the context packet
``completed_at``               no        the work was completed
``handle_time_s``              no        seconds of handling; ``wrap_up_s``: after-work seconds
``patience_s``                 no        only for ``abandoned``: created to the customer leaving
``transfers``                  no        transfers between humans (whole number >= 0)
``csat``                       no        post-escalation satisfaction, 1-5
``first_contact_resolved``     no        ``true`` / ``false``
``ai_could_have_handled``      no        ``true`` / ``false``: the human's judgement
=============================  ========  ==========================================================
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from routing.csv_rows import RowReader
from routing.domain import CancelReason, Channel, CustomerTier, Trigger
from routing.history import cells
from routing.history.record import Outcome

__all__ = ["COLUMNS", "COLUMN_BY_NAME", "HISTORY_COLUMNS", "REQUIRED_COLUMNS", "Column", "read_cells"]


@dataclass(frozen=True, slots=True)
class Column:
    """One column: its CSV ``name``, the :class:`~routing.history.HistoryRecord` field ``attr``,
    ``parse`` (cell text -> value, ValueError with the problem) and ``format`` (value -> text)."""

    name: str
    attr: str
    parse: Callable[[str], Any]
    format: Callable[[Any], str]
    required: bool = False


def _text(name: str, *, required: bool = False) -> Column:
    parse = cells.required(cells.parse_text) if required else cells.parse_text
    return Column(name, name, parse, cells.format_text, required)


def _instant(name: str, *, required: bool = False) -> Column:
    parse = cells.required(cells.parse_instant) if required else cells.parse_instant
    return Column(name, f"{name}_s", parse, cells.format_instant, required)


def _enum(name: str, kind: type[Any], *, required: bool = False) -> Column:
    parse = cells.enum_parser(kind)
    return Column(name, name, cells.required(parse) if required else parse, cells.format_text, required)


def _cell(
    name: str, parse: Callable[[str], Any], write: Callable[[Any], str] = cells.format_number
) -> Column:
    return Column(name, name, parse, write)


COLUMNS: tuple[Column, ...] = (
    _text("escalation_id", required=True),
    _instant("created_at", required=True),
    _instant("conversation_started_at"),
    _enum("channel", Channel, required=True),
    _cell("skills", cells.parse_skills, cells.format_skills),
    _cell("preferred_skills", cells.parse_skills, cells.format_skills),
    _cell("tier", cells.parse_tier),
    _enum("customer_tier", CustomerTier),
    _cell("language", cells.parse_language, cells.format_text),
    _cell("customer_timezone", cells.parse_time_zone, cells.format_text),
    _enum("trigger", Trigger),
    _text("segment"),
    _text("queue"),
    _text("customer_ref"),
    _enum("outcome", Outcome, required=True),
    _enum("cancel_reason", CancelReason),
    _cell("offers", cells.parse_count),
    _cell("declines", cells.parse_count),
    _cell("expiries", cells.parse_count),
    _instant("first_offered_at"),
    _instant("accepted_at"),
    _cell("handoff_s", cells.parse_seconds),
    _text("agent_id"),
    _text("agent_group"),
    _instant("context_viewed_at"),
    _instant("completed_at"),
    _cell("handle_time_s", cells.parse_seconds),
    _cell("wrap_up_s", cells.parse_seconds),
    _cell("patience_s", cells.parse_seconds),
    _cell("transfers", cells.parse_count),
    _cell("csat", cells.parse_csat),
    _cell("first_contact_resolved", cells.parse_bool, cells.format_bool),
    _cell("ai_could_have_handled", cells.parse_bool, cells.format_bool),
)

#: Column names in file order.
HISTORY_COLUMNS: tuple[str, ...] = tuple(c.name for c in COLUMNS)
#: Columns a history log must have.
REQUIRED_COLUMNS: tuple[str, ...] = tuple(c.name for c in COLUMNS if c.required)
#: Column by name.
COLUMN_BY_NAME: Mapping[str, Column] = {c.name: c for c in COLUMNS}


def read_cells(row: RowReader, columns: tuple[Column, ...]) -> dict[str, Any]:
    """Each column's parsed value by record field (``attr``), reporting each bad cell on ``row``
    (``line N, column: problem``); an absent column reads as an empty cell."""
    values: dict[str, Any] = {}
    for column in columns:
        values[column.attr] = row.field(column.name, column.parse)
    return values
