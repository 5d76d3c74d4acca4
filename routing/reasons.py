"""Why an escalation waits: the reason of a :class:`~routing.decisions.Queued` decision.

The reason names the real cause, the first of these that holds:

1. nobody on the roster meets its requirement yet: until the relaxation step at T (what it loosens);
2. nobody eligible is on shift and logged in: until T (the earliest shift start of one);
3. every eligible agent on shift -- or every one with a free slot -- has been offered it: who
   may be offered it again, and when (:class:`~routing.settings.ReofferPolicy`), or that they
   all had it the most times allowed;
4. every eligible agent on shift who may take it is not responding (or away);
5. else they are all busy, and the ETA says how long that lasts.

Times read as ISO 8601 UTC with the seconds from now, e.g. ``2026-03-02T09:00:30Z (in 45 s)``.
"""

from __future__ import annotations

import math

import numpy as np

from routing.eligibility import StaticEligibility
from routing.ledger import LiveEscalation
from routing.roster import AVAILABLE, NOT_RESPONDING, AgentTable, BoolArray
from routing.timestamps import iso

#: (when, what it loosens) of the next relaxation step that changes an escalation's requirement
NextStep = tuple[float, str] | None


def at_time(when_s: float, now_s: float) -> str:
    """``when_s`` in a reason: ISO 8601 UTC, and how far ahead of ``now_s`` (``never``: infinite)."""
    if not math.isfinite(when_s):
        return "never"
    return f"{iso(when_s, timespec='seconds')} (in {max(when_s - now_s, 0.0):.0f} s)"


def queued_reason(
    esc: LiveEscalation, entry: StaticEligibility, t: AgentTable, now_s: float, next_step: NextStep
) -> str:
    """Why ``esc`` (demanding what ``entry`` caches) waits now; ``next_step`` is its next
    relaxation step. See the module docstring for the order of the causes."""
    n = t.n
    relaxes = f"the relaxation step at {at_time(next_step[0], now_s)}" if next_step else ""
    if not entry.mask.any():
        if next_step is None:
            return "no agent on the roster meets its requirements"
        return f"no agent meets its requirements until {relaxes} ({next_step[1]})"
    staffed = entry.mask & t.staffed()
    if not staffed.any():
        return _nobody_on_shift(entry.mask, t, now_s, next_step)
    excluded = np.zeros(n, bool)
    excluded[list(esc.excluded)] = True
    open_ = staffed & ~excluded
    if not open_.any():
        return _all_offered("every eligible agent on shift", esc, staffed & excluded, t, now_s)
    kept_free = staffed & excluded & t.free_mask(esc.req.channel_col)
    if kept_free.any():  # the others are busy, away or not responding
        return _all_offered("every eligible agent with a free slot", esc, kept_free, t, now_s)
    ready = open_ & (t.status[:n] == AVAILABLE)
    if not ready.any():
        silent = np.flatnonzero(open_ & (t.status[:n] == NOT_RESPONDING))
        if silent.size == open_.sum() == 1:
            return f"the only eligible agent on shift, {t.ids[int(silent[0])]}, is not responding"
        if silent.size == open_.sum():
            return f"every eligible agent on shift ({silent.size}) is not responding"
        return f"every eligible agent on shift ({int(open_.sum())}) is away or not responding"
    busy = int(ready.sum())
    return (
        f"the {busy} eligible agent(s) on shift are busy"
        if busy > 1
        else (f"the only eligible agent on shift, {t.ids[int(np.flatnonzero(ready)[0])]}, is busy")
    )


def _nobody_on_shift(eligible: BoolArray, t: AgentTable, now_s: float, next_step: NextStep) -> str:
    n = t.n
    if (eligible & t.on_shift[:n]).any():
        reason = "every eligible agent on shift is offline"
    else:
        later = eligible & ~t.on_shift[:n]
        start = float(t.shift_until_s[:n][later].min()) if later.any() else math.inf
        reason = (
            f"nobody eligible is on shift until {at_time(start, now_s)}"
            if math.isfinite(start)
            else ("nobody eligible is on shift")
        )
    if next_step is not None:
        reason += f"; the relaxation step at {at_time(next_step[0], now_s)} ({next_step[1]}) may admit others"
    return reason


def _all_offered(who: str, esc: LiveEscalation, offered: BoolArray, t: AgentTable, now_s: float) -> str:
    """``who`` (the agents ``offered``) are kept from ``esc`` by failed offers."""
    head = f"{who} has been offered it"
    cooling = [(esc.reoffer_at[r], r) for r in np.flatnonzero(offered).tolist() if r in esc.reoffer_at]
    if not cooling:
        return f"{head} the most times allowed; waiting for another eligible agent"
    due, row = min(cooling)
    again = f"{t.ids[row]} may be offered it again at {at_time(due, now_s)}"
    if t.status[row] != AVAILABLE:
        again += f", once available ({t.status_of(row).value} now)"
    return f"{head}; {again}"
