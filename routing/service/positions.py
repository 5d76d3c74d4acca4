"""Position announcements: ``escalation.position_changed`` when a queued escalation moves in line.

A queued escalation is told its position and ETA once, in ``escalation.queued``. Afterwards, every
command of the tenant (an arrival, an accept, a completion, a status change, a tick) may move it:
someone ahead is offered an agent or leaves, someone of higher priority arrives, agents come and
go. The unit of work (:mod:`routing.service.unit_of_work`) asks :class:`PositionAnnouncer`, inside
the command's transaction and after the command's own events are in the outbox, which queued
escalations now stand elsewhere than they were last told; each gets one
``escalation.position_changed`` event (:class:`~routing.service.events.PositionChangedData`) with
its next per-escalation ``sequence``, and its row remembers what it was told
(``announced_position``, ``announced_eta_s``). So the event is committed with the command that
moved it, or not at all.

When it is announced (:class:`~routing.service.settings.PositionSettings`): the position
(:meth:`Dispatcher.queue_estimate <routing.dispatcher.Dispatcher.queue_estimate>`) differs from the
one last told by at least ``step``, or the ETA by at least ``eta_change_s`` (from known to unknown
or back counts as a change); 0 turns a criterion off, both 0 turn announcements off.

The work is bounded. A position is an O(agents) estimate, so computing every queued escalation's
on every command would cost O(queue x agents) under the tenant lock. Only a command that touched
something is considered (an escalation or an agent named by its decisions or changed by it), and
only escalations waiting for a channel it touched (the channels of those escalations and the
channels the agents work; an escalation that finished with the command counts as touching every
channel). Of those, at most ``max_per_command`` are checked, in turns through the line: the first
command from the front (highest priority first), each next one of the tenant where the previous
stopped, wrapping around -- so a long line is covered in ``len / max_per_command`` commands, and an
escalation further back is told later, never wrongly. (The turn is kept per process: another
instance simply starts its own.) An escalation that got ``escalation.queued`` in this command was
just told; it is not checked again.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, cast

from sqlalchemy import Table, select
from sqlalchemy.orm import Session

from routing.decisions import Decision, Queued
from routing.dispatcher import Dispatcher
from routing.domain import Channel
from routing.errors import UnknownAgent, UnknownEscalation
from routing.service import events
from routing.service.outbox import append
from routing.service.settings import PositionSettings
from routing.service.storage.models import EscalationRow

__all__ = ["Announcements", "PositionAnnouncer", "moved"]

ESCALATIONS = cast(Table, EscalationRow.__table__)


@dataclass(slots=True)
class Announcements:
    """What one command announced: column values per escalation row, and deliveries created."""

    columns: dict[str, dict[str, Any]] = field(default_factory=dict)
    events: int = 0
    deliveries: int = 0
    checked: int = 0


def moved(
    settings: PositionSettings,
    position: int,
    eta_s: float | None,
    told_position: int,
    told_eta_s: float | None,
) -> bool:
    """Whether an escalation told (``told_position``, ``told_eta_s``) must be told again, now at
    (``position``, ``eta_s``)."""
    if settings.step > 0 and abs(position - told_position) >= settings.step:
        return True
    if settings.eta_change_s <= 0:
        return False
    if eta_s is None or told_eta_s is None:
        return (eta_s is None) != (told_eta_s is None)
    return abs(eta_s - told_eta_s) >= settings.eta_change_s


def _eta(eta_s: float | None) -> float | None:
    return None if eta_s is None else round(eta_s, 3)


class PositionAnnouncer:
    """Finds the queued escalations a command moved and writes their events; see the module
    docstring. What was told lives in the rows; only whose turn it is lives here. Thread-safe
    under the unit of work (one command per tenant at a time)."""

    def __init__(self, settings: PositionSettings | None = None) -> None:
        self.settings = settings or PositionSettings()
        self._turn: dict[str, int] = {}  # tenant -> where the next bounded check starts

    def announce(
        self,
        session: Session,
        tenant_id: str,
        d: Dispatcher,
        now_s: float,
        decisions: Iterable[Decision],
        escalations: set[str],
        agents: Iterable[str],
        sequences: dict[str, int],
        cause: str,
    ) -> Announcements:
        """Announce the moves of one command whose decisions are already in the outbox.

        ``escalations`` and ``agents``: what the command touched (``escalations`` gains the ids
        announced, so their rows are written); ``sequences``: each escalation's last event
        sequence after the command's own events (updated with the announcements'). Returns the
        column values to store per escalation.
        """
        out = Announcements()
        told: dict[str, Queued] = {}
        for dec in decisions:
            if isinstance(dec, Queued):
                told[dec.escalation_id] = dec
        for esc_id, q in told.items():
            out.columns[esc_id] = {"announced_position": q.position, "announced_eta_s": _eta(q.eta_s)}
        agents = set(agents)
        if not self.settings.enabled or not (escalations or agents):
            return out
        candidates = self._candidates(tenant_id, d, escalations, agents, told.keys())
        out.checked = len(candidates)
        if not candidates:
            return out
        e = ESCALATIONS
        stored = session.connection().execute(
            select(e.c.id, e.c.announced_position, e.c.announced_eta_s, e.c.event_seq).where(
                e.c.tenant_id == tenant_id, e.c.id.in_(candidates)
            )
        )
        found = {row[0]: (row[1], row[2], row[3]) for row in stored}
        new_events: list[events.Event] = []
        for esc_id in candidates:
            if esc_id not in found:
                continue
            told_position, told_eta_s, last_seq = found[esc_id]
            position, eta = d.queue_estimate(esc_id, now_s)
            eta_s = _eta(eta)
            if told_position is None:  # stored before announcements: remember, say nothing yet
                out.columns[esc_id] = {"announced_position": position, "announced_eta_s": eta_s}
                escalations.add(esc_id)
                continue
            if not moved(self.settings, position, eta_s, told_position, told_eta_s):
                continue
            sequence = sequences[esc_id] = sequences.get(esc_id, last_seq) + 1
            data = events.PositionChangedData(
                position=position,
                previous_position=told_position,
                eta_s=eta_s,
                previous_eta_s=told_eta_s,
                reason=d.waiting_reason(esc_id, now_s),
                cause=cause,
            )
            new_events.append(events.position_changed(tenant_id, now_s, esc_id, sequence, data))
            out.columns[esc_id] = {"announced_position": position, "announced_eta_s": eta_s}
            escalations.add(esc_id)
        out.events = len(new_events)
        out.deliveries = append(session, tenant_id, now_s, new_events) if new_events else 0
        return out

    def _candidates(
        self,
        tenant_id: str,
        d: Dispatcher,
        escalations: Iterable[str],
        agents: Iterable[str],
        told: Iterable[str],
    ) -> list[str]:
        """Queued escalations on a channel the command touched, without those just told: all of
        them up to ``max_per_command``, else that many from the tenant's turn on, wrapping."""
        channels = _touched_channels(d, escalations, agents)
        skip, limit = set(told), self.settings.max_per_command
        line = [
            esc_id
            for esc_id in d.waiting_ids()
            if esc_id not in skip and (channels is None or d.escalation(esc_id).channel in channels)
        ]
        if len(line) <= limit:
            self._turn.pop(tenant_id, None)
            return line
        start = self._turn.get(tenant_id, 0) % len(line)
        self._turn[tenant_id] = start + limit
        return (line[start:] + line[:start])[:limit]


def _touched_channels(
    d: Dispatcher, escalations: Iterable[str], agents: Iterable[str]
) -> set[Channel] | None:
    """The channels of the live ``escalations`` and those the ``agents`` work; ``None`` (every
    channel) if one of them is gone: finished or off the roster with this command."""
    channels: set[Channel] = set()
    for esc_id in escalations:
        try:
            channels.add(d.escalation(esc_id).channel)
        except UnknownEscalation:  # finished: it may have been ahead of anyone
            return None
    for agent_id in agents:
        try:
            caps: Mapping[Channel, int] = d.agent_profile(agent_id).channel_caps
        except UnknownAgent:
            return None
        channels.update(c for c, cap in caps.items() if cap > 0)
    return channels
