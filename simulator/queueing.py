"""Exact steady-state queueing formulas for staffing a queue of handoffs: Erlang B, C and A.

Time is in seconds throughout (``aht_s``, ``patience_s``, ``threshold_s``); rates are per second.
Use :func:`per_hour` to turn an hourly volume into a rate.

Models
------
* **Erlang B** (M/M/n/n): blocking probability ``B(n, A)`` for offered load ``A = lambda * aht``.
* **Erlang C** (M/M/n): ``C = B / (1 - rho (1 - B))`` with ``rho = A / n`` (needs ``A < n``);
  ``P(W > t) = C exp(-(n mu - lambda) t)``, ``ASA = C / (n mu - lambda)``.
* **Erlang A** (M/M/n+M, exponential patience with rate ``theta = 1 / patience``).

Numerics
--------
No factorials and no powers: every probability is built from logarithms of ratios and normalised
with log-sum-exp. Erlang B uses ``log(t_k / t_n) = sum_{i=k+1..n} log(i / A)``, stable for
``A`` up to 10^4 erlangs and ``n`` beyond 15,000.

Erlang A method
---------------
1. *Stationary law.* The number in system is a birth-death chain with birth rate ``lambda`` and death
   rate ``min(j, n) mu + max(j - n, 0) theta``. Above ``n`` its terms are
   ``w_{n+k} = w_n prod_{i=1..k} lambda / (n mu + i theta)``; they are generated in log space and cut
   at the first ``K`` where the ratio is below 1 and the geometric bound on the remaining tail,
   ``w_{n+K} r / (1 - r)``, is below 1e-15 of the mass so far. A chain that would need more than
   ``MAX_STATES`` states (overloaded, almost infinite patience) raises :class:`ValueError`.
2. *Tagged customer* (PASTA: an arrival sees the stationary law). Finding ``n + k`` it has ``k``
   customers ahead. With ``i`` ahead, the next one leaves (served at the head or abandoning) at rate
   ``a_i = n mu + i theta``; the customer itself abandons at rate ``theta``; with none ahead it is
   served at rate ``n mu``. Its stage ``i`` therefore lasts ``Exp(n mu + (i + 1) theta)`` whatever
   the exit, so with ``S_k`` the sum of those stage times:

   * ``P(served | k) = prod_i a_i / (a_i + theta) = n mu / (n mu + (k + 1) theta)`` (telescoping);
   * ``P(served, W <= t | k) = P(served | k) P(S_k <= t)``, and ``S_k`` is hypoexponential with the
     arithmetic rates ``n mu + theta, ..., n mu + (k + 1) theta``, whose law is the regularised
     incomplete beta ``I_x(k + 1, n mu / theta + 1)``, ``x = 1 - exp(-theta t)``, i.e.
     ``P(N >= k + 1)`` for a negative binomial ``N`` with pmf
     ``g_j = exp(-(n mu + theta) t) prod_{i=1..j} (n mu + i theta) (x / theta) / i``
     (Poisson(``n mu t``) in the limit ``theta -> 0``), summed in log space;
   * ``E[W 1{served} | k] = P(served | k) sum_{i=0..k} 1 / (n mu + (i + 1) theta)``.

   ``service_level = P(no wait) + sum_k pi_{n+k} P(served, W <= t | k)``; ASA is
   ``E[W 1{served}] / P(served)``. All sums have positive terms only.

Staffing: :func:`staff_for_target` finds the fewest agents meeting a service level (and optional
abandonment cap) by doubling then bisection; both measures are monotone in ``n``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

__all__ = [
    "MAX_STATES",
    "QueueMetrics",
    "erlang_b",
    "erlang_c",
    "gross_agents",
    "per_hour",
    "queue_metrics",
    "staff_for_target",
    "wait_quantiles",
]

MAX_STATES = 2_000_000
"""Largest truncated Erlang A state space (``n + K + 1``) before giving up with ValueError."""

_TAIL = math.log(1e-15)
_CHUNK = 4096

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class QueueMetrics:
    """Steady-state measures of one staffing level.

    ``service_level`` counts abandons against (answered within threshold / offered);
    ``service_level_answered`` is answered within threshold / answered. ``asa_s`` is the mean wait
    of served customers (those answered at once included); ``occupancy`` is busy agents / agents.
    """

    p_wait: float
    abandon_rate: float
    service_level: float
    service_level_answered: float
    asa_s: float
    occupancy: float
    agents: int


def per_hour(arrivals_per_hour: float) -> float:
    """Arrivals per hour -> arrivals per second."""
    return arrivals_per_hour / 3600.0


def _logsumexp(x: FloatArray) -> float:
    top = float(np.max(x))
    if not math.isfinite(top):
        return top
    return top + math.log(float(np.sum(np.exp(x - top))))


def _check_load(offered_load: float, agents: int) -> None:
    if not (math.isfinite(offered_load) and offered_load >= 0):
        raise ValueError(f"offered_load(={offered_load}) must be a finite number >= 0.")
    if isinstance(agents, bool) or not isinstance(agents, int) or agents < 0:
        raise ValueError(f"agents(={agents!r}) must be an int >= 0.")


def _log_below_n(offered_load: float, agents: int) -> FloatArray:
    """``log(t_j / t_n)`` for ``j = 0..n`` with ``t_j = A^j / j!``, without factorials."""
    i = np.arange(1, agents + 1, dtype=np.float64)
    steps = np.log(i / offered_load)  # log(t_{i-1} / t_i) = log(i / A)
    out = np.zeros(agents + 1)
    out[:-1] = np.cumsum(steps[::-1])[::-1]
    return out


def erlang_b(offered_load: float, agents: int) -> float:
    """Blocking probability of M/M/n/n. Raise a ValueError if the load is negative or agents < 0."""
    _check_load(offered_load, agents)
    if offered_load == 0:
        return 1.0 if agents == 0 else 0.0
    return math.exp(-_logsumexp(_log_below_n(offered_load, agents)))


def erlang_c(offered_load: float, agents: int) -> float:
    """Probability of waiting in M/M/n. Raise a ValueError unless ``0 <= offered_load < agents``
    (a load within 1e-12 relative of ``agents`` counts as equal)."""
    _check_load(offered_load, agents)
    if offered_load >= agents * (1 - 1e-12):  # within rounding of agents: 200/h * 180 s is 9.99..98
        raise ValueError(
            f"offered_load(={offered_load:g}) must be < agents(={agents}) for Erlang C: "
            "the queue is unstable without abandonment."
        )
    if offered_load == 0:
        return 0.0
    b = erlang_b(offered_load, agents)
    rho = offered_load / agents
    return b / (1.0 - rho + rho * b)


def _check_inputs(
    arrival_rate_per_s: float, aht_s: float, patience_s: float | None, threshold_s: float
) -> None:
    if not (math.isfinite(arrival_rate_per_s) and arrival_rate_per_s >= 0):
        raise ValueError(f"arrival_rate_per_s(={arrival_rate_per_s}) must be a finite number >= 0.")
    if not (math.isfinite(aht_s) and aht_s > 0):
        raise ValueError(f"aht_s(={aht_s}) must be a finite number > 0.")
    if patience_s is not None and not (patience_s > 0):
        raise ValueError(f"patience_s(={patience_s}) must be > 0 (None or inf: infinite patience).")
    if not (math.isfinite(threshold_s) and threshold_s >= 0):
        raise ValueError(f"threshold_s(={threshold_s}) must be a finite number >= 0.")


def _erlang_c_metrics(lam: float, mu: float, agents: int, threshold_s: float) -> QueueMetrics:
    load = lam / mu
    c = erlang_c(load, agents)
    drain = agents * mu - lam
    sl = 1.0 - c * math.exp(-drain * threshold_s)
    return QueueMetrics(
        p_wait=c,
        abandon_rate=0.0,
        service_level=sl,
        service_level_answered=sl,
        asa_s=c / drain,
        occupancy=load / agents if agents else 0.0,
        agents=agents,
    )


def _log_queue_terms(lam: float, n_mu: float, theta: float, log_mass: float, room: int) -> FloatArray:
    """``log(w_{n+k} / w_n)`` for ``k = 0..K``, cut where the tail is below 1e-15 of the mass."""
    log_lam = math.log(lam)
    parts: list[FloatArray] = [np.zeros(1)]
    last = 0.0
    first = 1  # index i of the next term
    while True:
        i = np.arange(first, first + _CHUNK + 1, dtype=np.float64)
        d = log_lam - np.log(n_mu + i * theta)  # log(w_{n+i} / w_{n+i-1}), decreasing in i
        terms = last + np.cumsum(d[:-1])
        mass = np.logaddexp(log_mass, np.logaddexp.accumulate(terms))
        nxt = d[1:]
        with np.errstate(divide="ignore"):
            # bound on the mass after term i: w_i r / (1 - r), r = exp(d_{i+1}) < 1
            bound = np.where(nxt < 0, terms + nxt - np.log(-np.expm1(np.minimum(nxt, 0.0))), np.inf)
        done = np.flatnonzero(bound < mass + _TAIL)
        if done.size:
            parts.append(terms[: done[0] + 1])
            return np.concatenate(parts)
        parts.append(terms)
        if sum(p.size for p in parts) > room:
            raise ValueError(
                f"Erlang A needs more than MAX_STATES(={MAX_STATES}) states: the queue is overloaded "
                "and patience is almost infinite; use fewer arrivals, more agents or shorter patience."
            )
        last = float(terms[-1])
        log_mass = float(mass[-1])
        first += _CHUNK


def _erlang_a_metrics(lam: float, mu: float, theta: float, agents: int, threshold_s: float) -> QueueMetrics:
    n_mu = agents * mu
    below = _log_below_n(lam / mu, agents)  # log(w_j / w_n), j = 0..n
    queue = _log_queue_terms(lam, n_mu, theta, _logsumexp(below), MAX_STATES - agents)
    log_z = _logsumexp(np.concatenate([below[:-1], queue]))
    pi_below = np.exp(below[:-1] - log_z)  # states 0..n-1
    q = np.exp(queue - log_z)  # states n+k, k = 0..K: what an arrival finds (PASTA)

    k1 = np.arange(1, q.size + 1, dtype=np.float64)  # k + 1
    stage = n_mu + k1 * theta  # exit rate of stage i = k1 - 1
    served_given_k = n_mu / stage
    p_wait = float(np.sum(q))
    p_served_queued = float(np.sum(q * served_given_k))
    abandon = max(0.0, min(1.0, p_wait - p_served_queued))
    no_wait = float(np.sum(pi_below))
    p_served = no_wait + p_served_queued

    wait_served = float(np.sum(q * served_given_k * np.cumsum(1.0 / stage)))

    x_over_theta = -math.expm1(-theta * threshold_s) / theta
    if x_over_theta <= 0:  # threshold 0, or so small it underflows: nobody queued is served within it
        within = 0.0
    else:
        # negative binomial pmf g_j, j = 0..K; P(S_k <= t) = P(N >= k + 1) = 1 - cdf_k; summed in
        # logs term by term so that a tiny threshold cannot underflow a product to log(0)
        log_g = -stage[0] * threshold_s + np.concatenate(
            [[0.0], np.cumsum(np.log(stage[:-1]) + math.log(x_over_theta) - np.log(k1[:-1]))]
        )
        survival = np.clip(1.0 - np.cumsum(np.exp(log_g)), 0.0, 1.0)
        within = float(np.sum(q * served_given_k * survival))

    busy = float(np.sum(np.arange(agents, dtype=np.float64) * pi_below)) + agents * p_wait
    sl = no_wait + within
    return QueueMetrics(
        p_wait=p_wait,
        abandon_rate=abandon,
        service_level=sl,
        service_level_answered=sl / p_served if p_served > 0 else 0.0,
        asa_s=wait_served / p_served if p_served > 0 else 0.0,
        occupancy=busy / agents,
        agents=agents,
    )


def queue_metrics(
    arrival_rate_per_s: float,
    aht_s: float,
    agents: int,
    threshold_s: float,
    patience_s: float | None = None,
) -> QueueMetrics:
    """Steady-state metrics for ``agents`` agents: Erlang C if ``patience_s`` is None (or inf), else
    Erlang A. Raise a ValueError for negative or non-finite inputs, ``patience_s <= 0``,
    ``agents < 1``, or an unstable Erlang C (offered load >= agents)."""
    _check_inputs(arrival_rate_per_s, aht_s, patience_s, threshold_s)
    if isinstance(agents, bool) or not isinstance(agents, int) or agents < 1:
        raise ValueError(f"agents(={agents!r}) must be an int >= 1.")
    mu = 1.0 / aht_s
    if arrival_rate_per_s == 0:
        return QueueMetrics(0.0, 0.0, 1.0, 1.0, 0.0, 0.0, agents)
    if patience_s is None or math.isinf(patience_s):
        return _erlang_c_metrics(arrival_rate_per_s, mu, agents, threshold_s)
    return _erlang_a_metrics(arrival_rate_per_s, mu, 1.0 / patience_s, agents, threshold_s)


def staff_for_target(
    arrival_rate_per_s: float,
    aht_s: float,
    target_sl: float,
    threshold_s: float,
    patience_s: float | None = None,
    max_abandon: float | None = None,
    max_agents: int = 1_000_000,
) -> QueueMetrics:
    """Metrics of the fewest agents with ``service_level >= target_sl`` (and
    ``abandon_rate <= max_abandon`` if given). Raise a ValueError if ``target_sl`` is not in (0, 1),
    ``max_abandon`` not in (0, 1], or more than ``max_agents`` would be needed.

    A staffing level whose Erlang A chain exceeds ``MAX_STATES`` is that overloaded that it counts
    as failing the target."""
    _check_inputs(arrival_rate_per_s, aht_s, patience_s, threshold_s)
    if not 0 < target_sl < 1:
        raise ValueError(f"target_sl(={target_sl}) must be in (0, 1).")
    if max_abandon is not None and not 0 < max_abandon <= 1:
        raise ValueError(f"max_abandon(={max_abandon}) must be in (0, 1].")
    load = arrival_rate_per_s * aht_s
    erlang_c_model = patience_s is None or math.isinf(patience_s)

    def meets(agents: int) -> QueueMetrics | None:
        try:
            m = queue_metrics(arrival_rate_per_s, aht_s, agents, threshold_s, patience_s)
        except ValueError:
            if erlang_c_model:
                raise
            return None  # too many states: heavily overloaded
        ok = m.service_level >= target_sl and (max_abandon is None or m.abandon_rate <= max_abandon)
        return m if ok else None

    low = math.floor(load) + 1 if erlang_c_model else 1  # every n below `low` fails
    low -= 1
    high = max(low + 1, 1)
    best = meets(high)
    while best is None:
        low = high
        high = max(high + 1, 2 * high)
        if high > max_agents:
            raise ValueError(f"more than max_agents(={max_agents}) agents would be needed.")
        best = meets(high)
    while high - low > 1:  # invariant: low fails (or is 0), high meets
        mid = (low + high) // 2
        found = meets(mid)
        if found is None:
            low = mid
        else:
            high, best = mid, found
    return best


def gross_agents(net_agents: int, shrinkage: float) -> int:
    """Rostered agents so that ``net_agents`` remain after ``shrinkage`` (breaks, training, ...):
    ``ceil(net / (1 - shrinkage))``. Raise a ValueError unless ``0 <= shrinkage < 1``."""
    if not 0 <= shrinkage < 1:
        raise ValueError(f"shrinkage(={shrinkage}) must be in [0, 1).")
    if net_agents < 0:
        raise ValueError(f"net_agents(={net_agents}) must be >= 0.")
    # rounded first so that 14 / 0.7 == 20.000000000000004 gives 20, not 21
    return math.ceil(round(net_agents / (1.0 - shrinkage), 9))


def wait_quantiles(
    arrival_rate_per_s: float,
    aht_s: float,
    agents: int,
    quantiles: Sequence[float] = (0.5, 0.9, 0.95),
) -> dict[float, float]:
    """Erlang C quantiles of the wait (all customers), in seconds: the smallest ``t`` with
    ``P(W <= t) >= q``, from ``P(W > t) = C exp(-(n mu - lambda) t)``. Raise a ValueError for a
    quantile outside (0, 1) or an unstable queue."""
    _check_inputs(arrival_rate_per_s, aht_s, None, 0.0)
    mu = 1.0 / aht_s
    c = erlang_c(arrival_rate_per_s / mu, agents)
    drain = agents * mu - arrival_rate_per_s
    out: dict[float, float] = {}
    for q in quantiles:
        if not 0 < q < 1:
            raise ValueError(f"quantile(={q}) must be in (0, 1).")
        out[q] = max(0.0, math.log(c / (1.0 - q)) / drain) if c > 0 else 0.0
    return out
