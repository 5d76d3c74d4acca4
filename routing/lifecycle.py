"""The escalation lifecycle beyond routing: completion and wrap-up, hand-back to the AI, transfer,
cancellation (abandonment is one: the customer left), and a customer-chosen callback.

:class:`Lifecycle` holds these events of the :class:`~routing.dispatcher.Dispatcher` (it is one of
its bases): each changes an escalation's state in the :mod:`routing.ledger`, frees or keeps a slot,
and routes what that makes possible through the dispatcher's strategy, so the invariant of
:mod:`routing.dispatcher` holds after every one of them. Wrap-up ends by a
:data:`~routing.timers.WRAP_UP` alarm or on the agent's word; both are restorable from storage.
"""

from __future__ import annotations

import math
from dataclasses import replace
from typing import TYPE_CHECKING

from routing.decisions import CallbackRequested, Decision, Finished, OfferRevoked, Transferred, WrapUpEnded
from routing.domain import CHANNEL_INDEX, CancelReason, Channel, Escalation, EscalationState
from routing.errors import InvalidTransition

if TYPE_CHECKING:
    from routing.arrival_batch import ArrivalBatch
    from routing.ledger import Ledger, LiveEscalation
    from routing.placement import Placement
    from routing.relaxation import Relaxation
    from routing.reoffer import Reoffer
    from routing.roster import AgentTable
    from routing.settings import RoutingSettings
    from routing.timers import Timers


class Lifecycle:
    """The dispatcher's lifecycle events (see the module docstring); the parts they use are the
    dispatcher's."""

    settings: RoutingSettings
    _t: AgentTable
    _ledger: Ledger
    _active: dict[str, LiveEscalation]
    _timers: Timers
    _relaxation: Relaxation
    _reoffer: Reoffer
    _placement: Placement
    _batch: ArrivalBatch
    _aging: float

    if TYPE_CHECKING:

        def _route(
            self,
            escs: list[LiveEscalation],
            rows: list[int],
            now_s: float,
            out: list[Decision],
            *,
            announce: bool = False,
        ) -> None: ...

        def _if_routable(self, row: int) -> list[int]: ...

        def _schedule_relaxation(self, esc: LiveEscalation) -> None: ...

    def wrap_up_until_s(self, agent_id: str) -> float | None:
        """When the agent's last wrap-up ends; ``None`` if it is in none. Raise
        :class:`UnknownAgent` if not on the roster."""
        row = self._t.row_of(agent_id)
        ends = [self._ledger.wrap_ups[e].until_s for e in self._ledger.wrap_ups_of(row)]
        return max(ends) if ends else None

    def wrap_ups(self) -> list[tuple[str, str, float]]:
        """(escalation, agent, end) of every wrap-up in progress, in the order they started."""
        return [(e, self._t.ids[w.agent_row], w.until_s) for e, w in self._ledger.wrap_ups.items()]

    def work_completed(
        self, escalation_id: str, now_s: float, wrap_up_s: float | None = None
    ) -> list[Decision]:
        """The agent finished: free the slot and give it to the best waiting escalation -- or,
        with after-contact work, keep it for the agent's wrap-up first.

        The wrap-up lasts ``wrap_up_s``, clamped to the channel's most
        (:meth:`RoutingSettings.wrap_up_for`); ``None`` takes all of it (0 by default: none).
        Its end (a :data:`~routing.timers.WRAP_UP` alarm, or :meth:`wrap_up_ended`) frees the slot
        with a :class:`WrapUpEnded` decision.

        Raise :class:`UnknownEscalation` if it never arrived, :class:`InvalidTransition` if it is
        not assigned (or already finished).
        """
        esc = self._ledger.expect_live(escalation_id)
        if esc.state is not EscalationState.ASSIGNED:
            raise InvalidTransition(f"escalation {escalation_id!r} is {esc.state.value}, not assigned")
        most_s = self.settings.wrap_up_for(esc.spec.channel)
        wrap_s = most_s if wrap_up_s is None else min(max(wrap_up_s, 0.0), most_s)
        row = esc.agent_row
        if wrap_s > 0:  # the slot stays taken: handed from the escalation to its wrap-up
            self._ledger.start_wrap_up(esc, now_s, now_s + wrap_s)
            self._timers.end_wrap_up_at(now_s + wrap_s, escalation_id)
        self._ledger.release(esc, now_s)
        self._t.record_completion(row, now_s, self.settings.completion_window_s)
        self._placement.eta.handle_times.observe(esc, now_s - esc.assigned_s)
        self._ledger.finish(esc, EscalationState.COMPLETED)
        out: list[Decision] = [Finished(escalation_id, EscalationState.COMPLETED)]
        if wrap_s <= 0:
            self._route([], self._if_routable(row), now_s, out)
        return out

    def wrap_up_ended(self, agent_id: str, now_s: float) -> list[Decision]:
        """The agent ended its wrap-up early: free its slots (every wrap-up it is in) and route them.
        Nothing happens for an agent not in wrap-up.

        Raise :class:`UnknownAgent` if not on the roster.
        """
        row = self._t.row_of(agent_id)
        out: list[Decision] = []
        for esc_id in self._ledger.wrap_ups_of(row):
            self._end_wrap_up(esc_id, now_s, out)
        if out:
            self._route([], self._if_routable(row), now_s, out)
        return out

    def _end_wrap_up(self, escalation_id: str, now_s: float, out: list[Decision]) -> int:
        """End one wrap-up, say so; returns the agent row whose slot freed."""
        wrap = self._ledger.end_wrap_up(escalation_id, now_s)
        lasted_s = now_s - wrap.started_s if wrap.started_s == wrap.started_s else math.nan
        self._placement.eta.handle_times.observe_wrap_up(wrap.channel, lasted_s)
        out.append(WrapUpEnded(escalation_id, self._t.ids[wrap.agent_row], lasted_s))
        return wrap.agent_row

    def handed_back(self, escalation_id: str, now_s: float, outcome: str = "") -> list[Decision]:
        """The agent returned an accepted conversation to the AI assistant: it ends handed back
        (``outcome`` is the Finished decision's reason) and the slot goes to the best waiting
        escalation.

        Raise :class:`UnknownEscalation` if it never arrived, :class:`InvalidTransition` if it is
        not assigned (or already finished).
        """
        esc = self._ledger.expect_live(escalation_id)
        if esc.state is not EscalationState.ASSIGNED:
            raise InvalidTransition(f"escalation {escalation_id!r} is {esc.state.value}, not assigned")
        row = esc.agent_row
        self._ledger.release(esc, now_s)
        self._t.record_completion(row, now_s, self.settings.completion_window_s)
        self._ledger.finish(esc, EscalationState.HANDED_BACK)
        out: list[Decision] = [Finished(escalation_id, EscalationState.HANDED_BACK, outcome or None)]
        self._route([], self._if_routable(row), now_s, out)
        return out

    def escalation_transferred(
        self, escalation: Escalation, now_s: float, reason: str = ""
    ) -> list[Decision]:
        """The agent holding an assigned escalation sends it elsewhere: ``escalation`` (same id) says
        what it demands now (skills, tier, language, ...). It keeps its original creation time
        (whatever ``escalation.created_s`` says), so its aging and relaxation go on from there, its
        place in arrival order and its offer history; it is routed again like an arrival (offer,
        queue or deferral follows the :class:`Transferred` decision), never to the agent who
        transferred it, and the agent's slot goes to the best waiting escalation.

        Raise :class:`UnknownEscalation` if it never arrived, :class:`InvalidTransition` if it is
        not assigned (or already finished).
        """
        esc = self._ledger.expect_live(escalation.id)
        if esc.state is not EscalationState.ASSIGNED:
            raise InvalidTransition(f"escalation {escalation.id!r} is {esc.state.value}, not assigned")
        row = esc.agent_row
        self._ledger.release(esc, now_s)
        self._ledger.set_state(esc, EscalationState.QUEUED)
        esc.transfers += 1
        esc.transferred_from.add(row)
        spec = replace(escalation, created_s=esc.spec.created_s)
        ladder = self._relaxation.ladder(spec)
        level = min(self._relaxation.level_after(now_s - spec.created_s), ladder.top)
        esc.spec, esc.ladder, esc.level, esc.req = spec, ladder, level, ladder.reqs[level]
        esc.key = ladder.base_priority - self._aging * spec.created_s
        self._reoffer.restart(esc)
        self._schedule_relaxation(esc)
        out: list[Decision] = [Transferred(spec.id, self._t.ids[row], esc.transfers, reason)]
        # as after a failed offer: the slot and the escalation are independent (it never goes back)
        self._route([], self._if_routable(row), now_s, out)
        self._route([esc], [], now_s, out, announce=True)
        return out

    def escalation_cancelled(
        self, escalation_id: str, now_s: float, reason: CancelReason = CancelReason.CUSTOMER_LEFT
    ) -> list[Decision]:
        """The escalation is withdrawn before an agent accepted it: the customer left
        (``customer_left``: it ends abandoned), the AI resolved it, it was a duplicate, ... (it
        ends cancelled). A pending offer is revoked and the agent's slot goes to the best waiting
        escalation.

        Raise :class:`UnknownEscalation` if it never arrived, :class:`InvalidTransition` if it is
        assigned (the agent's now: hand it back or complete it) or already finished.
        """
        esc = self._ledger.expect_live(escalation_id)
        out: list[Decision] = []
        if esc.state is EscalationState.QUEUED:
            self._batch.unqueue(esc)
        elif esc.state is EscalationState.OFFERED:
            assert esc.offer_id is not None
            offer = self._ledger.take_offer(esc.offer_id)
            row = offer.agent_row
            why = (
                "customer left" if reason is CancelReason.CUSTOMER_LEFT else f"escalation cancelled: {reason}"
            )
            out.append(OfferRevoked(offer.offer_id, escalation_id, self._t.ids[row], why))
            self._ledger.release(esc, now_s)
            self._route([], self._if_routable(row), now_s, out)
        else:
            raise InvalidTransition(
                f"escalation {escalation_id!r} is {esc.state.value}; "
                "only waiting ones abandon or are cancelled"
            )
        self._ledger.finish(esc, reason.state)
        out.insert(0, Finished(escalation_id, reason.state, reason.value))
        return out

    def escalation_abandoned(self, escalation_id: str, now_s: float) -> list[Decision]:
        """The customer left before an agent accepted: :meth:`escalation_cancelled` with
        ``customer_left``. Raises what it raises."""
        return self.escalation_cancelled(escalation_id, now_s, CancelReason.CUSTOMER_LEFT)

    def callback_requested(self, escalation_id: str, now_s: float) -> list[Decision]:
        """The waiting customer asked to be called back instead of holding: the escalation keeps
        its place and priority, and its offers from now on say it is a callback
        (:attr:`Offer.callback`). Asking again changes nothing (no decision).

        Raise :class:`UnknownEscalation` if it never arrived, :class:`InvalidTransition` if it is
        not waiting (queued or offered) or its channel is not in
        :attr:`RoutingSettings.callback_channels`.
        """
        esc = self._ledger.expect_live(escalation_id)
        if esc.state is EscalationState.ASSIGNED:
            raise InvalidTransition(f"escalation {escalation_id!r} is assigned; only waiting ones call back")
        if esc.spec.channel not in self.settings.callback_channels:
            allowed = ", ".join(sorted(c.value for c in self.settings.callback_channels)) or "none"
            raise InvalidTransition(
                f"escalation {escalation_id!r} is {esc.spec.channel.value}; "
                f"callbacks are offered on: {allowed}"
            )
        if esc.callback:
            return []
        esc.callback = True
        return [CallbackRequested(escalation_id)]

    def restore_wrap_up(
        self, escalation_id: str, agent_id: str, channel: Channel, until_s: float, started_s: float = math.nan
    ) -> None:
        """Put back the stored wrap-up of a completed escalation: agent ``agent_id`` holds a slot of
        ``channel`` from ``started_s`` (NaN: unknown) until ``until_s`` (:meth:`tick` ends it then,
        or at once if that has passed). Routes nothing. An agent no longer known is ignored.

        Raise :class:`InvalidTransition` if the escalation is live or its wrap-up already restored.
        """
        if escalation_id in self._active or escalation_id in self._ledger.wrap_ups:
            raise InvalidTransition(f"escalation {escalation_id!r} is live or already wrapping up")
        row = self._t.row.get(agent_id)
        if row is None:
            return
        self._ledger.restore_wrap_up(escalation_id, row, CHANNEL_INDEX[channel], until_s, started_s)
        self._timers.end_wrap_up_at(until_s, escalation_id)
