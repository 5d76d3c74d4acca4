"""What a forecast scenario's segments and (without ``--roster``) its roster are read from history.

Per series (:class:`~simulator.forecast.series.VolumeSeries`), :func:`segment_profile` gives the
scenario fields a demand segment needs besides its volume:

* ``skills`` / ``preferred_skills`` / ``complexity_tier``: the most frequent value in the series;
* ``languages`` / ``customer_tiers``: the observed shares (rows without one are left out; a
  series without any is ``en`` / ``standard``, the scenario defaults);
* ``handle_time``: lognormal with the observed mean and coefficient of variation of
  ``handle_time_s`` (fixed at the mean with one observation);
* ``patience``: exponential, with the censored maximum-likelihood mean: the time every customer
  was seen waiting (``patience_s`` for those who left, ``handoff_s`` for those a human took) over
  the number who left. Those who were served reveal only that they would have waited that long,
  so the mean of the abandoners' ``patience_s`` alone would understate patience. No abandonment
  observed: patience is omitted (patient customers).

:func:`observed_roster` derives a roster when the planner gives none: one group per
``agent_group`` of the log, with its distinct ``agent_id`` count, the highest proficiency its
escalations required of each skill, their languages and highest complexity tier, and per channel
the most escalations one of its agents held at once (accepted -> completed). It is what the log
shows the desk *did*, not its HR record: pass the real roster with ``--roster`` when you have it.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from typing import Any

import numpy as np

from routing.history.record import HistoryRecord, Outcome
from simulator.forecast.series import VolumeSeries

__all__ = ["observed_offers", "observed_roster", "segment_profile"]


def _shares(values: Sequence[str]) -> dict[str, float] | None:
    if not values:
        return None
    counts = Counter(values)
    total = sum(counts.values())
    shares = {k: round(v / total, 4) for k, v in sorted(counts.items(), key=lambda kv: -kv[1])}
    first = next(iter(shares))
    shares[first] = round(1.0 - sum(v for k, v in shares.items() if k != first), 4)
    return shares


def _most_common(values: Sequence[Any], default: Any) -> Any:
    return Counter(values).most_common(1)[0][0] if values else default


def _duration(values: Sequence[float]) -> dict[str, Any] | None:
    if not values:
        return None
    arr = np.asarray(values, dtype=np.float64)
    mean = float(arr.mean())
    if arr.size < 2 or float(arr.std(ddof=1)) == 0.0:
        return {"distribution": "fixed", "mean_s": round(mean, 1)}
    return {
        "distribution": "lognormal",
        "mean_s": round(mean, 1),
        "cv": round(float(arr.std(ddof=1)) / mean, 3),
    }


def segment_profile(series: VolumeSeries, records: Sequence[HistoryRecord]) -> dict[str, Any]:
    """The demand-segment fields (scenario-file form) of ``series`` besides its volume.

    Raise a ValueError naming the series if no escalation in it has a ``handle_time_s``."""
    rows = [records[int(i)] for i in series.rows]
    out: dict[str, Any] = {"segment": series.name, "channel": series.channel.value}
    skills = _most_common([tuple(sorted(r.skills.items())) for r in rows], ())
    if skills:
        out["skills"] = dict(skills)
    preferred = _most_common([tuple(sorted(r.preferred_skills.items())) for r in rows], ())
    if preferred:
        out["preferred_skills"] = dict(preferred)
    tier = _most_common([r.tier for r in rows if r.tier is not None], 1)
    if tier != 1:
        out["complexity_tier"] = tier
    handle = _duration([r.handle_time_s for r in rows if r.handle_time_s is not None])
    if handle is None:
        raise ValueError(f"series {series.name!r}: no escalation has a handle_time_s to size work from")
    out["handle_time"] = handle
    left = sum(1 for r in rows if r.outcome is Outcome.ABANDONED)
    waited = sum(r.patience_s or 0.0 for r in rows if r.outcome is Outcome.ABANDONED) + sum(
        r.handoff_s for r in rows if r.handoff_s is not None
    )
    if left and waited > 0:
        out["patience"] = {"distribution": "exponential", "mean_s": round(waited / left, 1)}
    tiers = _shares([r.customer_tier.value for r in rows if r.customer_tier is not None])
    if tiers is not None:
        out["customer_tiers"] = tiers
    languages = _shares([r.language for r in rows if r.language])
    if languages is not None:
        out["languages"] = languages
    return out


def _max_concurrent(spans: list[tuple[float, float]]) -> int:
    events = sorted([(a, 1) for a, _ in spans] + [(b, -1) for _, b in spans], key=lambda e: (e[0], e[1]))
    held = best = 0
    for _, step in events:
        held += step
        best = max(best, held)
    return best


def observed_roster(records: Sequence[HistoryRecord]) -> list[dict[str, Any]]:
    """Roster groups (scenario-file form) as the log shows them (see the module docstring).

    Raise a ValueError if no escalation names an ``agent_group`` and ``agent_id``."""
    by_group: dict[str, list[HistoryRecord]] = {}
    for r in records:
        if r.agent_group and r.agent_id:
            by_group.setdefault(r.agent_group, []).append(r)
    if not by_group:
        raise ValueError(
            "the history names no agent_group and agent_id to derive a roster from; give one with --roster"
        )
    groups = []
    for name, rows in sorted(by_group.items()):
        skills: dict[str, int] = {}
        for r in rows:
            for skill, level in r.skills.items():
                skills[skill] = max(skills.get(skill, 1), level)
        spans: dict[tuple[str, str], list[tuple[float, float]]] = {}
        all_spans: dict[str, list[tuple[float, float]]] = {}
        for r in rows:
            if r.accepted_at_s is None or r.completed_at_s is None:
                continue
            span = (r.accepted_at_s, r.completed_at_s)
            spans.setdefault((r.agent_id or "", r.channel.value), []).append(span)
            all_spans.setdefault(r.agent_id or "", []).append(span)
        caps: dict[str, int] = {}
        for (_, channel), agent_spans in spans.items():
            caps[channel] = max(caps.get(channel, 1), _max_concurrent(agent_spans))
        if not caps:
            caps = {c: 1 for c in sorted({r.channel.value for r in rows})}
        group: dict[str, Any] = {
            "group": name,
            "count": len({r.agent_id for r in rows}),
            "skills": skills,
            "tier": max([r.tier for r in rows if r.tier is not None], default=1),
            "languages": sorted({r.language for r in rows if r.language}) or ["en"],
            "channels": caps,
        }
        total = max((_max_concurrent(s) for s in all_spans.values()), default=1)
        if len(caps) > 1 and total < sum(caps.values()):
            group["max_total"] = total
        groups.append(group)
    return groups


def observed_offers(records: Sequence[HistoryRecord]) -> dict[str, Any]:
    """Offer behaviour (scenario-file form) from the log: the accept delay (first offer ->
    accepted) of escalations accepted on their first offer; empty when none is observed."""
    delays = [
        r.accepted_at_s - r.first_offered_at_s
        for r in records
        if r.offers == 1 and r.accepted_at_s is not None and r.first_offered_at_s is not None
    ]
    delay = _duration([d for d in delays if d >= 0 and math.isfinite(d)])
    return {} if delay is None else {"accept_delay": delay}
