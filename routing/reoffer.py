"""Re-offers: when an agent whose offer of an escalation failed may be offered it again.

The policy is :class:`~routing.settings.ReofferPolicy`. An offer that fails (declined, expired,
withdrawn because the agent went offline or left) leaves the agent in the escalation's
``excluded`` rows, the one set every candidate search reads (fast paths, the batch solve and
:meth:`~routing.dispatcher.Dispatcher.violations`), so "eligible" means the same everywhere. The
agent leaves the set again when a re-offer alarm (:data:`routing.timers.READMIT`) ends their
cool-down; the dispatcher then routes the escalation if it waits. An agent who had it
``max_offers_per_agent`` times gets no alarm: *exhausted*, they stay excluded, and deferral counts
them out (:meth:`Reoffer.unavailable`), so nothing waits for an agent who will never be asked.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np

from routing.ledger import LiveEscalation
from routing.roster import AgentTable, BoolArray
from routing.settings import RoutingSettings
from routing.timers import Timers


class Reoffer:
    """Carries out the re-offer policy of ``settings`` over the dispatcher's table and alarms."""

    __slots__ = ("_policy", "_table", "_timers")

    def __init__(self, table: AgentTable, timers: Timers, settings: RoutingSettings) -> None:
        self._table = table
        self._timers = timers
        self._policy = settings.reoffer

    def offer_failed(self, esc: LiveEscalation, row: int, now_s: float, *, declined: bool) -> None:
        """Agent ``row``'s offer of ``esc`` failed (``declined``, or expired or withdrawn): keep it
        from them for the cool-down, or for good once they had it the most times allowed."""
        limit = self._policy.max_offers_per_agent
        if limit is not None and esc.offers_to.get(row, 0) >= limit:
            esc.reoffer_at.pop(row, None)
            return
        due = now_s + self._policy.cool_down_s(declined=declined)
        if due <= now_s and not self._table.routable[row]:
            esc.excluded.discard(row)  # no cool-down: theirs to take as soon as they are available
            return
        esc.reoffer_at[row] = due
        self._timers.readmit_at(due, esc.spec.id, row)

    def restore(
        self, esc: LiveEscalation, offers_to: Mapping[int, int], reoffer_at_s: Sequence[tuple[str, float]]
    ) -> None:
        """Put back who a restored ``esc`` was offered to (``offers_to``: row -> offers made) and
        the stored cool-downs (agent id, end), so that exactly the agents the original kept from it
        are kept: the exhausted (offered the most times allowed) and those cooling down; a holder
        is added by the ledger. A cool-down that ended before the snapshot ends again at the next
        tick. Agents no longer known are ignored."""
        limit = self._policy.max_offers_per_agent
        esc.offers_to = dict(offers_to)
        esc.excluded = {r for r, k in offers_to.items() if limit is not None and k >= limit}
        for agent_id, due in reoffer_at_s:
            row = self._table.row.get(agent_id, -1)
            if row in offers_to and row != esc.agent_row:
                esc.excluded.add(row)
                esc.reoffer_at[row] = due
                self._timers.readmit_at(due, esc.spec.id, row)

    def restart(self, esc: LiveEscalation) -> None:
        """``esc`` is routed afresh (transferred): the agents kept from it are those it was
        transferred from and the exhausted; cool-downs are over (its requirement changed)."""
        limit = self._policy.max_offers_per_agent
        esc.reoffer_at.clear()
        esc.excluded = set(esc.transferred_from) | {
            r for r, k in esc.offers_to.items() if limit is not None and k >= limit
        }

    @staticmethod
    def readmit(esc: LiveEscalation, row: int, now_s: float) -> bool:
        """End agent ``row``'s cool-down for ``esc`` if due by ``now_s``; whether it ended."""
        if esc.reoffer_at.get(row, math.inf) > now_s:
            return False
        del esc.reoffer_at[row]  # a readmitted agent is neither excluded nor cooling down
        esc.excluded.discard(row)
        return True

    def unavailable(self, esc: LiveEscalation) -> BoolArray:
        """Agents who will not be offered ``esc`` again: exhausted (no cool-down to wait for)."""
        mask = np.zeros(self._table.n, bool)
        rows = [r for r in esc.excluded if r not in esc.reoffer_at and r != esc.agent_row]
        mask[rows] = True
        return mask
