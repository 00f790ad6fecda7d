"""Operational economics of MLOps: return on investment, maturity and reliability arithmetic,
case-study bookkeeping and the time ratios behind the chapter's fallacies.

Single-model return on investment (money in USD, time in years unless stated)::

    incident_savings    = N_avoided · C_incident                                   USD/year
    time_savings        = h_month · 12 · c_hour                                    USD/year
    benefit_cost_ratio  = (incident_savings + time_savings) / I_annual             the chapter's "Annual ROI"
    net_roi             = (benefit − cost) / cost = benefit_cost_ratio − 1         conventional ROI
    breakeven_incidents = max(0, (I_annual − time_savings) / C_incident)           ratio = 1
    payback_months      = 12 · setup / (benefit − running)                         ∞ if it never pays back
    fte_month_cost      = c_hour · hours_per_fte_month

Maturity and reliability patterns::

    path_effort         = ((n − 1)·m_lo, (n − 1)·m_hi)   months to climb n maturity levels

    bft_replicas(f)     = 3f + 1        Byzantine agreement among replicas tolerating f faulty ones
    vote_replicas(f)    = 2f + 1        plain majority vote among independently failing models
    majority_error(p,n) = P[Binomial(n, p) > n/2]    (scipy.stats.binom), independent errors only

Case-study and comparison arithmetic::

    gap_closed          = (improved − baseline) / (ceiling − baseline)
    ratio_range         = (slow_lo / fast_hi, slow_hi / fast_lo)    worst and best speed-up of a range pair
    degradation_exposure= accuracy_drop · days                      accuracy-point-days of silent damage
    implied_decay_rate  = ln(A_start / A_end) / elapsed             exponential-decay reading of two readings
    linear_crossing_time= elapsed · (threshold − v0) / (v1 − v0)    when a linearly growing metric crosses
"""
from __future__ import annotations

import math

from ..core.constants import MONTHS_PER_YEAR
from ._checks import nonneg as _nonneg
from .accuracy import implied_decay_rate, accuracy_drop

__all__ = [
    "incident_savings", "time_savings", "annual_benefit", "benefit_cost_ratio", "net_roi",
    "breakeven_incidents", "max_justified_investment", "fte_month_cost", "first_year_cost",
    "payback_months", "range_midpoint", "path_effort",
    "bft_replicas", "vote_replicas", "compute_multiplier", "majority_error",
    "gap_closed", "ratio_range", "share_sum_bounds", "degradation_exposure", "lost_correct_predictions",
    "implied_decay_rate", "linear_crossing_time",
    "gap_remaining", "phase_durations", "setup_cost", "running_cost", "accuracy_drop",
]

# ── single-model return on investment ──────────────────────────────────────────────────────────
def incident_savings(incidents_avoided: float, incident_cost: float) -> float:
    """Money not lost to incidents each year: N_avoided [incidents/year] · C_incident [USD/incident]."""
    _nonneg(incidents_avoided=incidents_avoided, incident_cost=incident_cost)
    return incidents_avoided * incident_cost


def time_savings(hours_saved_per_month: float, hourly_cost: float) -> float:
    """Engineering time no longer spent each year: h_month [h/month] · 12 · c_hour [USD/h]."""
    _nonneg(hours_saved_per_month=hours_saved_per_month, hourly_cost=hourly_cost)
    return hours_saved_per_month * MONTHS_PER_YEAR * hourly_cost


def annual_benefit(incidents_avoided, incident_cost, hours_saved_per_month, hourly_cost) -> float:
    """The numerator of the chapter's ROI equation: incident savings + time savings [USD/year]."""
    return (incident_savings(incidents_avoided, incident_cost)
            + time_savings(hours_saved_per_month, hourly_cost))


def benefit_cost_ratio(benefit: float, cost: float) -> float:
    """Annual benefit divided by annual cost (what the chapter calls the annual ROI, as a multiple).

    A ratio of 1 is break-even; the investment pays for itself when the ratio exceeds 1."""
    _nonneg(benefit=benefit)
    if not cost > 0:
        raise ValueError(f"cost must be positive (got {cost!r})")
    return benefit / cost


def net_roi(benefit: float, cost: float) -> float:
    """Conventional return on investment: (benefit − cost) / cost, i.e. ``benefit_cost_ratio − 1``."""
    return benefit_cost_ratio(benefit, cost) - 1


def breakeven_incidents(annual_investment: float, incident_cost: float, hours_saved_per_month: float = 0.0,
                        hourly_cost: float = 0.0) -> float:
    """Incidents that must be avoided each year for the benefit to equal the investment
    (0 when the time savings alone already cover it).  Without time savings this is the monitoring
    section's ``annual cost / incident cost`` (``monitoring.breakeven_incidents`` is this function).

    >>> breakeven_incidents(100_000, 25_000)
    4.0
    >>> breakeven_incidents(100_000, 25_000, 20, 150)      # 20 h/month at $150/h saves $36,000 a year
    2.56
    """
    _nonneg(annual_investment=annual_investment)
    if not incident_cost > 0:
        raise ValueError(f"incident_cost must be positive (got {incident_cost!r})")
    gap = annual_investment - time_savings(hours_saved_per_month, hourly_cost)
    return max(0.0, gap / incident_cost)


def max_justified_investment(benefit: float, target_ratio: float = 1.0) -> float:
    """Largest annual spend that still earns ``target_ratio`` (benefit / investment) [USD/year]."""
    _nonneg(benefit=benefit)
    if not target_ratio > 0:
        raise ValueError(f"target_ratio must be positive (got {target_ratio!r})")
    return benefit / target_ratio


def fte_month_cost(hourly_cost: float, hours_per_fte_month: float = 160.0) -> float:
    """Cost of one full-time-equivalent month of engineering: c_hour · hours [USD]."""
    _nonneg(hourly_cost=hourly_cost, hours_per_fte_month=hours_per_fte_month)
    return hourly_cost * hours_per_fte_month


def first_year_cost(setup_cost: float, running_cost: float) -> float:
    """One-time setup plus one year of running cost [USD]."""
    _nonneg(setup_cost=setup_cost, running_cost=running_cost)
    return setup_cost + running_cost


def payback_months(setup_cost: float, benefit: float, running_cost: float) -> float:
    """Months until the cumulative net benefit repays the setup cost:
    12 · setup / (benefit − running); ``math.inf`` if the benefit never exceeds the running cost."""
    _nonneg(setup_cost=setup_cost, benefit=benefit, running_cost=running_cost)
    surplus = benefit - running_cost
    if surplus <= 0:
        return math.inf
    return MONTHS_PER_YEAR * setup_cost / surplus


def range_midpoint(lo: float, hi: float) -> float:
    """Midpoint of a stated range such as "$5–20K"."""
    if lo > hi:
        raise ValueError(f"range is reversed: {lo!r} > {hi!r}")
    return (lo + hi) / 2


# ── reliability patterns ──────────────────────────────────────────────────────────────────────
def _faults(f) -> int:
    if isinstance(f, bool) or int(f) != f or f < 0:
        raise ValueError(f"the number of tolerated faults must be a whole number ≥ 0 (got {f!r})")
    return int(f)


def bft_replicas(f: int) -> int:
    """Replicas needed for Byzantine agreement that tolerates ``f`` arbitrarily faulty ones: 3f + 1."""
    return 3 * _faults(f) + 1


def vote_replicas(f: int) -> int:
    """Models needed for a majority vote to out-vote ``f`` wrong ones: 2f + 1."""
    return 2 * _faults(f) + 1


def compute_multiplier(replicas: int) -> tuple[int, int]:
    """Serving compute of ``replicas`` copies relative to one model: (total multiple, increase)."""
    if replicas < 1:
        raise ValueError("need at least one replica")
    return replicas, replicas - 1


def majority_error(p: float, n: int) -> float:
    """Probability that a majority of ``n`` models (n odd) is wrong when each is wrong independently
    with probability ``p``: P[Binomial(n, p) ≥ (n+1)/2], from ``scipy.stats.binom``.

    Independence is the optimistic assumption: models trained on the same data tend to fail
    together, and correlated errors erase most of the benefit of voting."""
    from scipy.stats import binom

    if not 0 <= p <= 1:
        raise ValueError(f"p must be a probability between 0 and 1 (got {p!r})")
    if isinstance(n, bool) or int(n) != n or n < 1 or int(n) % 2 == 0:
        raise ValueError(f"n must be an odd whole number ≥ 1 (got {n!r})")
    n = int(n)
    return float(binom.sf(n // 2, n, p))


# ── case-study and comparison arithmetic ───────────────────────────────────────────────────────
def gap_closed(baseline: float, improved: float, ceiling: float) -> float:
    """Fraction of the distance from ``baseline`` to ``ceiling`` that ``improved`` covers."""
    if not ceiling > baseline:
        raise ValueError(f"the ceiling ({ceiling!r}) must lie above the baseline ({baseline!r})")
    return (improved - baseline) / (ceiling - baseline)


def ratio_range(slow_lo: float, slow_hi: float, fast_lo: float, fast_hi: float) -> tuple[float, float]:
    """How many times faster the "fast" range is than the "slow" one, at worst and at best:
    (slow_lo / fast_hi, slow_hi / fast_lo). All four in the same unit."""
    for name, v in dict(slow_lo=slow_lo, slow_hi=slow_hi, fast_lo=fast_lo, fast_hi=fast_hi).items():
        if not (math.isfinite(v) and v > 0):
            raise ValueError(f"{name} must be a positive number (got {v!r})")
    if slow_lo > slow_hi or fast_lo > fast_hi:
        raise ValueError("each range must be given as (low, high)")
    return slow_lo / fast_hi, slow_hi / fast_lo


def share_sum_bounds(ranges) -> tuple[float, float]:
    """Smallest and largest total of several stated share ranges [(lo, hi), ...]; the ranges can
    describe parts of one whole only if the interval contains 1."""
    ranges = list(ranges)
    if not ranges:
        raise ValueError("need at least one range")
    for lo, hi in ranges:
        if lo > hi or lo < 0:
            raise ValueError(f"bad share range ({lo!r}, {hi!r})")
    return float(sum(lo for lo, _ in ranges)), float(sum(hi for _, hi in ranges))


def degradation_exposure(accuracy_drop: float, days: float) -> float:
    """Silent damage of an undetected degradation: accuracy drop [fraction] × days it lasts
    [accuracy-days; ×100 gives accuracy-point-days]."""
    _nonneg(accuracy_drop=accuracy_drop, days=days)
    return accuracy_drop * days


def lost_correct_predictions(accuracy_drop: float, days: float, predictions_per_day: float) -> float:
    """Predictions that would have been right but were not: drop × days × traffic."""
    _nonneg(predictions_per_day=predictions_per_day)
    return degradation_exposure(accuracy_drop, days) * predictions_per_day


def linear_crossing_time(v0: float, v1: float, elapsed: float, threshold: float) -> float:
    """When a metric that moved linearly from ``v0`` to ``v1`` over ``elapsed`` reaches ``threshold``
    (same unit as ``elapsed``; 0 if it starts at or beyond it, ``math.inf`` if it never gets there)."""
    if not elapsed > 0:
        raise ValueError("elapsed must be positive")
    rising = v1 >= v0
    if (threshold <= v0) if rising else (threshold >= v0):
        return 0.0
    if v1 == v0:
        return math.inf
    return elapsed * (threshold - v0) / (v1 - v0)


def path_effort(n_levels: int, months_lo: float, months_hi: float) -> tuple[float, float]:
    """Engineering effort to climb from the first of ``n_levels`` maturity levels to the last, when
    each transition takes between ``months_lo`` and ``months_hi`` months: (n − 1)·lo, (n − 1)·hi."""
    if isinstance(n_levels, bool) or int(n_levels) != n_levels or n_levels < 1:
        raise ValueError(f"n_levels must be a whole number ≥ 1 (got {n_levels!r})")
    if not 0 <= months_lo <= months_hi:
        raise ValueError(f"need 0 ≤ months_lo ≤ months_hi (got {months_lo!r}, {months_hi!r})")
    steps = int(n_levels) - 1
    return steps * months_lo, steps * months_hi


def gap_remaining(improved: float, ceiling: float) -> float:
    """What is left between ``improved`` and the ``ceiling`` (e.g. expert agreement): ceiling − improved.

    >>> round(gap_remaining(0.79, 0.825), 12)
    0.035
    """
    return ceiling - improved


def phase_durations(shares, total: float) -> list[float]:
    """Each phase's share of a project times its length: [s_k · total].

    >>> phase_durations([0.5, 0.25, 0.25], 12)
    [6.0, 3.0, 3.0]
    """
    _nonneg(total=total)
    if any(not 0 <= s <= 1 for s in shares):
        raise ValueError("phase shares must be fractions between 0 and 1")
    return [s * total for s in shares]


def setup_cost(fixed_cost: float, fte_months: float, fte_month_cost: float) -> float:
    """One-time setup: a fixed cost plus engineering time, fixed + FTE-months · cost per FTE-month (USD).

    >>> setup_cost(20_000, 1.5, 12_000)
    38000.0
    """
    _nonneg(fixed_cost=fixed_cost, fte_months=fte_months, fte_month_cost=fte_month_cost)
    return fixed_cost + fte_months * fte_month_cost


def running_cost(*annual_costs: float) -> float:
    """Yearly running cost: the sum of the components' yearly costs (USD/year).

    >>> running_cost(6_000, 12_500, 2_500)
    21000
    """
    for k, c in enumerate(annual_costs):
        _nonneg(**{f"annual_costs[{k}]": c})
    return sum(annual_costs)
