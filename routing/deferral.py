"""Deferral: when waiting is pointless, a callback or a ticket instead of a queue.

An escalation is deferred when no agent eligible for it *even after every relaxation step* is
staffed (on shift and logged in), and none starts a shift within the deferral horizon. It is a
decision with a reason and a next opening, never an error.
"""

from __future__ import annotations

import math
from typing import NamedTuple

from routing.domain import Channel, DeferralMode
from routing.roster import AgentTable, BoolArray
from routing.settings import RoutingSettings


class Deferral(NamedTuple):
    """The fields of a :class:`~routing.decisions.Deferred` decision after the escalation id."""

    mode: DeferralMode
    next_open_at_s: float | None  # the earliest shift start of an eligible agent; None: none this week
    reason: str


def deferral(
    t: AgentTable,
    eligible: BoolArray,
    channel: Channel,
    now_s: float,
    settings: RoutingSettings,
    exhausted: BoolArray | None = None,
) -> Deferral | None:
    """The deferral of an escalation whose fully relaxed requirement admits the agents ``eligible``,
    or ``None`` when it should wait (someone eligible is staffed or starts within the horizon).

    ``exhausted``: agents left out of ``eligible`` because they had it the most times allowed
    (:class:`~routing.settings.ReofferPolicy`); the reason names them.
    """
    staffed = t.staffed()
    if (eligible & staffed).any():
        return None
    later = eligible & ~t.on_shift[: t.n]
    next_open = float(t.shift_until_s[: t.n][later].min()) if later.any() else math.inf
    if next_open - now_s <= settings.deferral.horizon_s:
        return None
    mode = settings.deferral.mode.get(channel, DeferralMode.TICKET)
    if exhausted is not None and (exhausted & staffed).any():
        reason = (
            f"every eligible agent on shift has been offered it {settings.reoffer.max_offers_per_agent} "
            "time(s) without taking it, and no other eligible agent is on shift"
        )
    elif not eligible.any():
        reason = "no agent on the roster can take this escalation"
    else:
        reason = "no eligible agent is on shift"
    return Deferral(mode, next_open if math.isfinite(next_open) else None, reason)
