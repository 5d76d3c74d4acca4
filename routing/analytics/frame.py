"""History records as columns (numpy arrays), built once, so every week x group x metric is a mask.

:func:`history_frame` turns :class:`~routing.history.HistoryRecord` entries into a
:class:`HistoryFrame`: float columns with NaN where a value was not observed, booleans as 1.0 /
0.0 / NaN, and the grouping dimensions (:data:`DIMENSIONS`) as string arrays with
:data:`NOT_RECORDED` where the record has none. ``observed`` lists the inputs at least one record
carries: an input no record carries was not captured, and the metrics that need it say so instead
of reporting 0.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Final

import numpy as np
from numpy.typing import NDArray

from routing.history import HistoryRecord, Outcome

__all__ = ["DIMENSIONS", "NOT_RECORDED", "HistoryFrame", "history_frame"]

FloatArray = NDArray[np.float64]

#: Text of a group for records that do not say (e.g. no agent group on an abandoned escalation).
NOT_RECORDED: Final = "(not recorded)"

#: The dimensions a review can be grouped by, each with the record's value for it.
DIMENSIONS: Final[Mapping[str, Callable[[HistoryRecord], object]]] = {
    "trigger": lambda r: r.trigger,
    "segment": lambda r: r.segment,
    "channel": lambda r: r.channel,
    "customer_tier": lambda r: r.customer_tier,
    "language": lambda r: r.language,
    "agent_group": lambda r: r.agent_group,
}

_OPTIONAL_INPUTS: Final = (
    "conversation_started_at",
    "context_viewed_at",
    "patience_s",
    "transfers",
    "csat",
    "first_contact_resolved",
    "customer_ref",
    "ai_could_have_handled",
)


def _floats(values: Sequence[float | int | bool | None]) -> FloatArray:
    return np.array([np.nan if v is None else float(v) for v in values], dtype=np.float64)


@dataclass(frozen=True, slots=True, eq=False)
class HistoryFrame:
    """The columns of a history, one entry per record, in the records' order.

    Floats (NaN = not observed): ``created_s``, ``started_s`` (conversation start), ``handoff_s``
    (created -> accepted; from ``accepted_at`` when ``handoff_s`` is not given), ``patience_s``,
    ``transfers``, ``csat``; 1.0 / 0.0 / NaN: ``viewed`` (context opened, only where a human
    accepted), ``fcr``, ``ai_could``. ``outcome`` and each dimension of ``groups`` are string
    arrays (``outcome_masks``: one mask per outcome, computed once); ``customer_ref`` is an object
    array (None where absent). ``log_end_s`` is the last
    creation time in the log (return-rate windows must end before it).
    """

    created_s: FloatArray
    started_s: FloatArray
    handoff_s: FloatArray
    patience_s: FloatArray
    transfers: FloatArray
    csat: FloatArray
    viewed: FloatArray
    fcr: FloatArray
    ai_could: FloatArray
    outcome: NDArray[np.str_]
    customer_ref: NDArray[np.object_]
    groups: Mapping[str, NDArray[np.str_]]
    observed: frozenset[str]
    log_end_s: float
    outcome_masks: Mapping[str, NDArray[np.bool_]]

    def __len__(self) -> int:
        return int(self.created_s.shape[0])

    def is_outcome(self, *outcomes: Outcome) -> NDArray[np.bool_]:
        """Mask of the records that ended in one of ``outcomes``."""
        mask = np.zeros(len(self), dtype=bool)
        for o in outcomes:
            mask |= self.outcome_masks[o.value]
        return mask


def history_frame(records: Sequence[HistoryRecord]) -> HistoryFrame:
    """The records as columns (see :class:`HistoryFrame`); an empty sequence gives empty columns."""
    handoff = [
        r.handoff_s
        if r.handoff_s is not None
        else (None if r.accepted_at_s is None else r.accepted_at_s - r.created_at_s)
        for r in records
    ]
    accepted = [h is not None for h in handoff]
    viewed = [
        (r.context_viewed_at_s is not None) if a else None for r, a in zip(records, accepted, strict=True)
    ]
    observed = {name for name in _OPTIONAL_INPUTS if any(_value(r, name) is not None for r in records)}
    groups = {
        dim: np.array([_group_text(value(r)) for r in records], dtype=np.str_)
        if records
        else np.zeros(0, dtype=np.str_)
        for dim, value in DIMENSIONS.items()
    }
    created = _floats([r.created_at_s for r in records])
    outcome = (
        np.array([r.outcome.value for r in records], dtype=np.str_) if records else np.zeros(0, dtype=np.str_)
    )
    return HistoryFrame(
        created_s=created,
        started_s=_floats([r.conversation_started_at_s for r in records]),
        handoff_s=_floats(handoff),
        patience_s=_floats([r.patience_s for r in records]),
        transfers=_floats(
            [1 if r.outcome is Outcome.TRANSFERRED and not r.transfers else r.transfers for r in records]
        ),
        csat=_floats([r.csat for r in records]),
        viewed=_floats(viewed),
        fcr=_floats([r.first_contact_resolved for r in records]),
        ai_could=_floats([r.ai_could_have_handled for r in records]),
        outcome=outcome,
        customer_ref=np.array([r.customer_ref for r in records], dtype=object),
        groups=groups,
        observed=frozenset(observed),
        log_end_s=float(created.max()) if len(records) else float("nan"),
        outcome_masks={o.value: outcome == o.value for o in Outcome},
    )


def _value(record: HistoryRecord, name: str) -> object:
    return getattr(record, f"{name}_s" if name.endswith("_at") else name)


def _group_text(value: object) -> str:
    if value is None:
        return NOT_RECORDED
    return str(getattr(value, "value", value))
