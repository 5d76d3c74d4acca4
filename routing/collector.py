"""The garbage collector of a long-running routing process, as its entry point sets it once.

CPython frees almost every object by reference counting; the cyclic collector exists for the
rest, and runs a pass over the youngest objects every 700 allocations (net of deallocations) of
container objects by default, a pass over the older ones every tenth of those, and a full pass
over the whole heap now and then. The routing core makes no reference cycles per decision (in
``tests/benchmarks/bench_router.py`` no pass during the arrival benchmark found anything to
collect), so the passes only cost: an explained arrival leaves about 40 containers behind it, a
young pass came inside about 4 % of the arrivals at 10,000 agents, an older pass (about 6,500
objects, about 1 ms) inside 0.4 %, and a full pass over the loaded heap took over 100 ms.

:func:`tune_collector` is what a process that routes -- the service (``handoff serve``) and the
simulator's worker processes -- calls once, when what it loads at start is loaded:

* what is loaded then is frozen (:func:`gc.freeze`): full passes no longer walk it;
* the youngest generation is collected every :data:`YOUNG_THRESHOLD` allocations: a pass then
  comes inside well under 1 % of the decisions, each pass longer (it walks more young objects).
  Measured there (thread CPU time, a loaded 2-core machine): a pass came inside 0.6 % of the
  arrivals instead of 4.3 %, a young pass took about 2.3 ms and the one older pass about 25 ms,
  and the p99 of an arrival at 10,000 agents became that of the arrivals without a pass.

Library code (the dispatcher, the simulator's model) never calls it: it changes the whole
process, which is its entry point's choice.
"""

from __future__ import annotations

import gc

__all__ = ["YOUNG_THRESHOLD", "tune_collector"]

#: Net allocations of container objects between two passes over the youngest generation.
YOUNG_THRESHOLD = 5_000


def tune_collector() -> None:
    """Collect once, freeze every object alive into the permanent generation (never scanned
    again), and raise the youngest generation's threshold to at least :data:`YOUNG_THRESHOLD`
    (the older generations' thresholds are kept). Idempotent in effect: a second call freezes
    what was loaded since."""
    gc.collect()
    gc.freeze()
    young, older, oldest = gc.get_threshold()
    gc.set_threshold(max(young, YOUNG_THRESHOLD), older, oldest)
