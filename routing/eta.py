"""ETAs: when a waiting escalation is likely to be offered to an agent.

The method, a *supply walk* over the agents who may take it:

1. **Who may take it, and from when.** Every agent eligible for it at some relaxation level,
   present, available (busy or not) and not kept from it for good (offered it the most times
   allowed). Not counted: an agent away, not responding or offline -- nobody knows when they are
   back (counting away agents back after a learned mean spell made the peak scenario's ETAs no
   better). Each is admitted at the latest of: now, the relaxation step that makes them eligible,
   the start of their shift or the end of their break when that is within the deferral horizon
   (later ones are not counted), and the end of their re-offer cool-down. An agent on shift
   leaves at its end.
2. **How fast they free slots.** Slots free at admission are taken at once. Work an agent holds
   is expected to end a handle time after it was accepted (the learned mean handle time of that
   kind of work, :class:`HandleTimes`; the ``default_handle_time_s`` setting until one is seen),
   and work past that still takes a fifth of one; as any of it may end sooner, held slots free at
   ``held / time to that end`` until then. From then on, and for slots taken at admission, a
   slot frees every handle time of the escalation's own kind of work. Where the channel has
   wrap-up (``wrap_up_s``), a slot frees that much later: after held work, the recent mean wrap-up
   of the channel (its most until one has ended) is added to its end and to each turn of a slot;
   a slot held by a wrap-up frees when that wrap-up ends at the latest.
3. **How many go first.** The escalations ahead of it in the queue that compete for the same
   agents, each group weighted by the share of its agents that are also this escalation's, plus
   one for itself.
4. **The walk.** From now, through the admissions and departures in time order, the ETA is when the
   slots freed reach that count. It is unknown (``None``) when no admitted agent remains to free
   one.

What limits it: customers ahead who leave (shortening the wait) and later arrivals of higher
priority who overtake (lengthening it) are not foreseen, and where a few agents with long,
variable handle times serve a queue, when the next one frees is uncertain by nature; all of it
shows in the measured accuracy of the capacity report. ETAs are recomputed on every call, so they
follow every change of the queue and of the roster.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from routing.domain import CHANNEL_INDEX, CHANNELS, Channel
from routing.eligibility import EligibilityCache, Requirement
from routing.ledger import LiveEscalation
from routing.relaxation import Relaxation
from routing.roster import AVAILABLE, AgentTable
from routing.settings import RoutingSettings
from routing.waiting_queue import WaitingQueue

#: Completed handle times a mean remembers (an exponentially weighted mean over about this many;
#: the first ones count equally).
HANDLE_TIME_MEMORY = 200
#: The shortest handle time an ETA assumes (work observed to take no time would free slots at an
#: infinite rate).
MIN_HANDLE_S = 1.0
#: Kinds of work (base requirements) whose handle time is learned apart; beyond, only per channel.
MAX_KINDS = 4096


@dataclass(frozen=True, slots=True)
class LearnedMean:
    """One learned mean of :class:`HandleTimes`, as storage keeps it: the handle time of a kind
    of work (``kind``), or of a channel's work (``kind`` None), or a channel's wrap-up
    (``wrap_up``); ``count``: values folded in so far (it sets the weight of the next)."""

    channel: Channel
    kind: Requirement | None
    wrap_up: bool
    mean_s: float
    count: int


class HandleTimes:
    """Recent mean handle time (accepted -> completed) per kind of work -- the escalation's
    unrelaxed requirement -- and per channel; before any completion of a kind is seen its channel's
    mean stands in, and before any on the channel the settings' ``default_handle_time_s``. Beside
    it, the recent mean wrap-up per channel (its most, ``wrap_up_s``, until one has ended).

    What it learns is state a rebuilt dispatcher must get back (expected ends of work and ETAs
    follow from it): :meth:`learned` reads it out, :meth:`restore` puts it back, and
    :meth:`take_changes` says what changed since it was last asked, for storage to write only that.
    """

    __slots__ = ("_changed", "_channel", "_forgot", "_kind", "_wrap_up")

    def __init__(self, settings: RoutingSettings) -> None:
        self._channel = [[settings.default_handle_time_s.get(c, 600.0), 0] for c in CHANNELS]
        self._kind: dict[Requirement, list[float]] = {}
        self._wrap_up = [[settings.wrap_up_for(c), 0] for c in CHANNELS]
        # (kind, channel column, wrap-up) of the means changed since take_changes; _forgot: the
        # kinds were forgotten (MAX_KINDS reached) since
        self._changed: set[tuple[Requirement | None, int, bool]] = set()
        self._forgot = False

    def observe(self, esc: LiveEscalation, handle_s: float) -> None:
        """Count ``esc``'s work, completed after ``handle_s`` (NaN: acceptance not known, ignored)."""
        if not handle_s >= 0:
            return
        kind = esc.ladder.reqs[0]
        if kind not in self._kind and len(self._kind) >= MAX_KINDS:
            self._kind.clear()
            self._changed = {c for c in self._changed if c[0] is None}
            self._forgot = True
        _update(self._kind.setdefault(kind, [handle_s, 0]), handle_s)
        _update(self._channel[kind.channel_col], handle_s)
        self._changed.add((kind, kind.channel_col, False))
        self._changed.add((None, kind.channel_col, False))

    def mean_s(self, esc: LiveEscalation) -> float:
        """The handle time to expect of ``esc``'s work."""
        kind = esc.ladder.reqs[0]
        mean = self._kind.get(kind)
        return (mean or self._channel[kind.channel_col])[0]

    def observe_wrap_up(self, channel_col: int, lasted_s: float) -> None:
        """Count a wrap-up on channel ``channel_col`` that lasted ``lasted_s`` (NaN: start not
        known, ignored)."""
        if lasted_s >= 0:
            _update(self._wrap_up[channel_col], lasted_s)
            self._changed.add((None, channel_col, True))

    def wrap_up_s(self, channel_col: int) -> float:
        """The wrap-up to expect after work on channel ``channel_col`` (0: none)."""
        return self._wrap_up[channel_col][0]

    def learned(self) -> list[LearnedMean]:
        """Every mean that has learned from at least one value (the rest are the settings')."""
        keys: list[tuple[Requirement | None, int, bool]] = [(k, k.channel_col, False) for k in self._kind]
        keys += [(None, col, wrap) for wrap in (False, True) for col in range(len(CHANNELS))]
        return [m for m in map(self._mean, keys) if m.count > 0]

    def take_changes(self) -> tuple[bool, list[LearnedMean]]:
        """(whether the kinds' means were forgotten, the means changed) since the last call; the
        next call reports only what changes after this one."""
        changed, forgot = sorted(map(self._mean, self._changed), key=_order), self._forgot
        self._changed, self._forgot = set(), False
        return forgot, changed

    def restore(self, means: Iterable[LearnedMean]) -> None:
        """Put back means read out by :meth:`learned` (of a dispatcher with the same settings);
        they count as unchanged. Raise a ValueError for a kind whose channel is not its own."""
        for m in means:
            col = CHANNEL_INDEX[m.channel]
            if m.wrap_up:
                self._wrap_up[col] = [m.mean_s, m.count]
            elif m.kind is None:
                self._channel[col] = [m.mean_s, m.count]
            elif m.kind.channel_col != col:
                raise ValueError(f"a learned mean of {m.kind.channel} work filed under {m.channel}")
            else:
                self._kind[m.kind] = [m.mean_s, m.count]

    def _mean(self, key: tuple[Requirement | None, int, bool]) -> LearnedMean:
        kind, col, wrap = key
        mean = self._wrap_up[col] if wrap else (self._channel[col] if kind is None else self._kind[kind])
        return LearnedMean(CHANNELS[col], kind, wrap, mean[0], int(mean[1]))


def _order(m: LearnedMean) -> tuple[bool, str, bool, str]:
    """A stable order of means (storage writes them in it: no deadlock between two writers)."""
    return (m.wrap_up, m.channel.value, m.kind is not None, repr(m.kind))


def _update(mean: list[float], value: float) -> None:
    """Fold ``value`` into ``mean`` = [mean, count]."""
    mean[1] += 1
    mean[0] += (value - mean[0]) / min(mean[1], HANDLE_TIME_MEMORY)


class EtaEstimator:
    """Positions and ETAs of queued escalations over the dispatcher's parts; see the module docstring."""

    __slots__ = ("_cache", "_queue", "_relaxation", "_settings", "_table", "handle_times")

    def __init__(
        self,
        table: AgentTable,
        cache: EligibilityCache,
        queue: WaitingQueue,
        relaxation: Relaxation,
        settings: RoutingSettings,
    ) -> None:
        self._table = table
        self._cache = cache
        self._queue = queue
        self._relaxation = relaxation
        self._settings = settings
        self.handle_times = HandleTimes(settings)

    def estimate(self, esc: LiveEscalation, now_s: float) -> tuple[int, float | None]:
        """1-based position of queued ``esc`` among those competing for its agents, and its ETA in
        seconds from ``now_s`` (``None``: unknown)."""
        t = self._table
        admit_s = self._admission_times(esc, now_s)
        admitted = np.isfinite(admit_s)
        position, ahead = self._queue.ahead(esc, admitted)
        rows = np.flatnonzero(admitted)
        if rows.size == 0:
            return position, None
        admit_s = admit_s[rows]
        ch = esc.req.channel_col
        # a slot frees a wrap-up after the work in it ends: it turns over every handle + wrap-up
        wrap_s = self.handle_times.wrap_up_s(ch)
        handle_s = max(self.handle_times.mean_s(esc), MIN_HANDLE_S) + wrap_s
        # (a channel's column read whole, then the rows: cheaper than a 2-D fancy index)
        cap, cap_total = t.cap[:, ch][rows], t.cap_total[rows]
        load_total = t.load_total[rows]
        usable = np.minimum(cap, cap_total).astype(np.float64)
        on = t.on_shift[rows]
        all_on = np.count_nonzero(on) == rows.size
        free = np.minimum(cap - t.load[:, ch][rows], cap_total - load_total)
        free = np.minimum(np.maximum(free, 0), usable)  # np.clip(free, 0, usable), without its wrapper
        if not all_on:
            free = np.where(on, free, usable)  # a shift starting brings every slot
        held = usable - free  # slots that free up only when held work ends
        # held work ends when expected on acceptance (work pending acceptance, or of unknown start:
        # a handle time from now; the agent's held slots at their mean end); work past its expected
        # end still takes a while (a fifth of a handle time, at least)
        # (held work's slot frees a wrap-up after its end; a wrap-up's slot at the wrap-up's end)
        timed = t.work_timed[rows]
        untimed = load_total - timed
        work = timed - t.wrap_ups[rows]
        ends_sum_s = t.work_end_sum_s[rows] + wrap_s * work + (now_s + handle_s) * untimed
        ends_s = ends_sum_s / np.maximum(load_total, 1)
        ends_s = np.maximum(np.maximum(ends_s, now_s + handle_s / 5), admit_s)
        leave_s = t.shift_until_s[rows] if all_on else np.where(on, t.shift_until_s[rows], math.inf)
        early = admit_s < leave_s
        late = early & (ends_s < leave_s)
        # held work may end any time before its expected end: it frees slots at held / residual
        # from admission, then (its expected end passed) at held / handle time like free slots
        residual_rate = held / np.maximum(ends_s - admit_s, handle_s / 5)
        times = np.concatenate((admit_s[early], ends_s[late], leave_s))
        bursts = np.concatenate((free[early], np.zeros(int(late.sum())), np.zeros(rows.size)))
        start_rate = (free / handle_s + residual_rate)[early]
        switch = (held / handle_s - residual_rate)[late]
        leaving = np.where(early, free / handle_s + np.where(late, held / handle_s, residual_rate), 0.0)
        d_rate = np.concatenate((start_rate, switch, -leaving))
        return position, supply_walk(ahead + 1.0, times, bursts, d_rate, now_s)

    def _admission_times(self, esc: LiveEscalation, now_s: float) -> np.ndarray:
        """When each agent may first be offered ``esc`` (``inf``: not within the horizon, or never)."""
        t, n = self._table, self._table.n
        ladder, settings = esc.ladder, self._settings
        admit = np.full(n, math.inf)
        # lowest level first wins: walk the ladder from the top down (masks only grow with levels)
        levels = [esc.level]
        while (step := self._relaxation.next_step(esc.spec, ladder, levels[-1])) is not None:
            levels.append(step[1])
        for level in reversed(levels):
            at = now_s if level == esc.level else esc.spec.created_s + settings.relaxation[level - 1].after_s
            admit[self._cache.get(ladder.reqs[level]).mask] = max(at, now_s)
        ready = t.present[:n] & (t.status[:n] == AVAILABLE)
        on = t.on_shift[:n]
        if np.count_nonzero(on) == n and settings.deferral.horizon_s >= 0:
            # everyone on shift: every start is now, and no admission (now or later) is before it
            admit = np.where(ready, admit, math.inf)
        else:
            starts_s = np.where(~on, t.shift_until_s[:n], now_s)
            ready &= starts_s <= now_s + settings.deferral.horizon_s
            admit = np.where(ready, np.maximum(admit, starts_s), math.inf)
        for row in esc.excluded:
            if row < n:
                admit[row] = max(admit[row], esc.reoffer_at.get(row, math.inf))
        return admit


#: Events :func:`supply_walk` steps through one by one before it takes the rest in whole-array
#: steps: most walks end within a few events (an escalation near the head of its queue), where
#: numpy's fixed cost per call would exceed the loop's.
WALK_STEPS = 64


def supply_walk(
    need: float, times_s: np.ndarray, bursts: np.ndarray, d_rate_per_s: np.ndarray, now_s: float
) -> float | None:
    """Seconds from ``now_s`` until ``need`` slots are freed, or ``None`` if they never are.

    At ``times_s[k]`` (not before ``now_s``), ``bursts[k]`` slots come free at once and the rate at
    which slots free changes by ``d_rate_per_s[k]``; in between, slots free at the rate reached.
    The rate never falls below 0. The events are taken in time order (equal times in their given
    order), the first :data:`WALK_STEPS` one at a time and the rest, if the walk goes on, in whole
    arrays (:func:`_walk_arrays`): the same floats either way.
    """
    order = np.argsort(times_s, kind="stable")
    at_s, burst, d_rate = times_s[order], bursts[order], d_rate_per_s[order]
    is_finite = np.isfinite(at_s)
    finite = at_s.size if is_finite.all() else int(is_finite.argmin())  # events before the first inf
    head = min(finite, WALK_STEPS)
    state = _walk_steps(need, at_s[:head].tolist(), burst[:head].tolist(), d_rate[:head].tolist(), now_s)
    if isinstance(state, _Done):
        return state.eta_s
    t, rate, need = state
    if finite > head:
        tail = slice(head, finite)
        done = _walk_arrays(need, at_s[tail], burst[tail], d_rate[tail], t, rate, now_s)
        if done is None:  # the rate would fall below 0 somewhere: step through it one by one
            state = _walk_steps(
                need, at_s[tail].tolist(), burst[tail].tolist(), d_rate[tail].tolist(), now_s, t, rate
            )
        else:
            state = done
        if isinstance(state, _Done):
            return state.eta_s
        t, rate, need = state
    return t + need / rate - now_s if rate > 1e-12 else None


@dataclass(frozen=True, slots=True)
class _Done:
    """A walk that reached its need: the ETA in seconds from now."""

    eta_s: float


def _walk_steps(
    need: float,
    times_s: list[float],
    bursts: list[float],
    d_rates: list[float],
    now_s: float,
    t: float | None = None,
    rate: float = 0.0,
) -> _Done | tuple[float, float, float]:
    """Walk finite events in time order one by one from instant ``t`` (default ``now_s``) at
    ``rate``: :class:`_Done` when ``need`` is reached, else (instant, rate, need) after them."""
    t = now_s if t is None else t
    for at, burst, d_rate in zip(times_s, bursts, d_rates, strict=True):
        if at > t:
            if rate > 0 and need <= rate * (at - t):
                return _Done(t + need / rate - now_s)
            need -= rate * (at - t)
            t = at
        need -= burst
        if need <= 1e-9:
            return _Done(t - now_s)
        rate += d_rate
        if rate < 0.0:  # max(rate, 0.0) to the bit (-0.0 and NaN stay), without a call per event
            rate = 0.0
    return t, rate, need


def _walk_arrays(
    need: float,
    times_s: np.ndarray,
    bursts: np.ndarray,
    d_rates: np.ndarray,
    t: float,
    rate: float,
    now_s: float,
) -> _Done | tuple[float, float, float] | None:
    """:func:`_walk_steps` over finite events in time order, in whole arrays; ``None`` when the
    rate would fall below 0 (where the steps clamp it). The same floats, as every sum is taken
    in the steps' order: a cumulative sum adds left to right, ``a - b`` is ``a + -b``, and a gap
    the steps skip (an event at the current instant) subtracts 0 from a need above 0."""
    rates = np.cumsum(np.concatenate(([rate], d_rates)))  # the rate after each event, first: before
    if (rates < 0).any():
        return None
    before = rates[:-1]
    since = np.maximum(np.concatenate(([t], times_s[:-1])), t)  # the instant each event moves from
    moves = times_s > since
    gaps = np.where(moves, before * (times_s - since), 0.0)
    # the need before each gap and after each burst: need, -gap 0, -burst 0, -gap 1, -burst 1, ...
    steps = np.empty(2 * times_s.size + 1)
    steps[0], steps[1::2], steps[2::2] = need, -gaps, -bursts
    needs = np.cumsum(steps)
    need_before, need_after = needs[0:-1:2], needs[2::2]
    within = moves & (before > 0) & (need_before <= gaps)  # the need is met during the gap
    reached = need_after <= 1e-9  # the need is met by the event's burst
    hit = within | reached
    if hit.any():
        k = int(hit.argmax())
        if within[k]:
            return _Done(float(since[k]) + float(need_before[k]) / float(before[k]) - now_s)
        return _Done(float(max(since[k], times_s[k])) - now_s)
    return float(max(since[-1], times_s[-1])), float(rates[-1]), float(needs[-1])
