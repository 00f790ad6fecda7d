"""Monitoring: how fast drift can be confirmed, what monitoring costs, what it returns, and how
scheduled and trigger-based retraining compare over a year.

Detection (accuracy ``p0`` before, ``p1 < p0`` after a drop; ``z_q`` the standard-normal quantile)::

    n (one-sample test, H0: p = p0 vs p = p1)   = ⌈ (z_{1−α}·√(p0 q0) + z_{power}·√(p1 q1))² / (p0 − p1)² ⌉
    n (two windows of equal size, per window)   = ⌈ (z_{1−α}·√(2 p̄ q̄) + z_{power}·√(p0 q0 + p1 q1))² / (p0 − p1)² ⌉
    time to collect n labelled samples          = n / (request rate · labelled fraction)

``q = 1 − p``, ``p̄ = (p0 + p1)/2``; ``α`` is one-sided unless ``two_sided=True`` (then ``α/2``).
:func:`exact_binomial_samples` replaces the normal approximation by the exact binomial test
(scipy.stats.binom).

Cost (month of ``DAYS_PER_MONTH`` days)::

    C_monitoring = C_ingest + C_storage + C_compute + C_alert                 USD/month
    C_ingest     = variants · metrics · samples/min · 60 · 24 · days / 10⁶ · price per million points
    C_storage    = points retained · bytes/point / 10⁹ · price per GB-month
    C_compute    = dashboards · users · refreshes/hour · hours · days · price per query
    C_alert      = rules · checks/hour · 24 · days · price per evaluation
    observability cost rate ≈ frequency · metrics · (ingest + storage price per point)
    ROI          = incidents prevented · average incident cost / annual monitoring cost

Rotting asset: accuracy ``A(age) = A0·e^(−λ·age)`` with ``age`` in days since the last retraining;
scheduled retraining resets ``age`` every ``interval`` days, trigger-based retraining resets it
``lag`` days after accuracy first falls below ``threshold``.  Yearly cost of a strategy::

    cost = retrains · C  +  Σ_days Q · V · (A0 − A(day))
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np

from ..core.constants import DAYS_PER_MONTH, HOURS_PER_DAY, MILLION, MINUTES_PER_HOUR, SECONDS_PER_DAY
from . import economics as _economics
from ._checks import nonneg as _nonneg

__all__ = [
    "RULE_OF_THUMB_SAMPLES",
    "samples_to_detect_drop", "two_window_samples", "exact_binomial_samples", "detection_power",
    "min_detectable_drop", "collection_time",
    "datapoints_per_month", "ingestion_cost", "storage_gb", "storage_cost", "query_count", "query_cost",
    "alert_evaluations", "alert_cost", "monitoring_cost", "flat_retained_points", "tiered_retained_points",
    "observability_cost_rate", "scale_volume", "monitoring_roi", "breakeven_incidents",
    "RetrainingRun", "simulate_retraining", "strategy_cost", "breakeven_value_rate", "equivalent_interval",
    "dynamic_sampling_fraction",
    "accuracy_after_drop", "series_count", "standard_tiers", "sampled_rate", "StrategyCost",
]

#: The rule of thumb quoted by the original chapter: "about 1,000 labelled samples" to confirm a
#: five-point accuracy drop with 95% confidence.
RULE_OF_THUMB_SAMPLES = 1_000


# ── detection ──────────────────────────────────────────────────────────────────────────────────
def _check_rates(p0, p1):
    if not (0 < p1 < p0 < 1):
        raise ValueError(f"need 0 < p1 < p0 < 1 (an accuracy drop); got p0={p0}, p1={p1}")


def _check_alpha_power(alpha, power):
    if not 0 < alpha < 0.5:
        raise ValueError(f"significance level alpha must be between 0 and 0.5, got {alpha}")
    if not 0.5 <= power < 1:
        raise ValueError(f"power must be at least 0.5 and below 1, got {power}")


def _z_alpha(alpha, two_sided):
    from scipy.stats import norm

    return float(norm.ppf(1 - alpha / 2 if two_sided else 1 - alpha))


def samples_to_detect_drop(p0: float, p1: float, alpha: float = 0.05, power: float = 0.8,
                           two_sided: bool = False) -> int:
    """Labelled samples needed to tell accuracy ``p1`` from a known baseline ``p0`` (one-sample
    binomial test, normal approximation):  n = ((z_{1−α}√(p0q0) + z_{power}√(p1q1)) / (p0−p1))²."""
    from scipy.stats import norm

    _check_rates(p0, p1)
    _check_alpha_power(alpha, power)
    za, zb = _z_alpha(alpha, two_sided), float(norm.ppf(power))
    n = ((za * math.sqrt(p0 * (1 - p0)) + zb * math.sqrt(p1 * (1 - p1))) / (p0 - p1)) ** 2
    return math.ceil(n - 1e-9)


def two_window_samples(p0: float, p1: float, alpha: float = 0.05, power: float = 0.8,
                       two_sided: bool = False) -> int:
    """Samples needed *in each of two windows* (reference and current) when the baseline is itself
    estimated (two-proportion z-test, pooled variance under H0)."""
    from scipy.stats import norm

    _check_rates(p0, p1)
    _check_alpha_power(alpha, power)
    za, zb = _z_alpha(alpha, two_sided), float(norm.ppf(power))
    pbar = (p0 + p1) / 2
    n = ((za * math.sqrt(2 * pbar * (1 - pbar)) + zb * math.sqrt(p0 * (1 - p0) + p1 * (1 - p1)))
         / (p0 - p1)) ** 2
    return math.ceil(n - 1e-9)


def detection_power(n: int, p0: float, p1: float, alpha: float = 0.05, two_sided: bool = False) -> float:
    """Probability that a one-sample test on ``n`` labelled samples flags the drop p0 → p1
    (normal approximation)."""
    from scipy.stats import norm

    _check_rates(p0, p1)
    if n <= 0:
        raise ValueError("n must be positive")
    za = _z_alpha(alpha, two_sided)
    z = ((p0 - p1) * math.sqrt(n) - za * math.sqrt(p0 * (1 - p0))) / math.sqrt(p1 * (1 - p1))
    return float(norm.cdf(z))


def exact_binomial_samples(p0: float, p1: float, alpha: float = 0.05, power: float = 0.8) -> int:
    """Smallest n for which the exact one-sided binomial test (reject when the number of correct
    predictions X ≤ k, with P(X ≤ k | p0) ≤ α) reaches ``power`` against p1 (scipy.stats.binom).

    Power of an exact test is a saw-tooth in n; this returns the first n that reaches the target.
    """
    from scipy.stats import binom

    _check_rates(p0, p1)
    _check_alpha_power(alpha, power)
    hi = 4 * samples_to_detect_drop(p0, p1, alpha, power) + 50
    n = np.arange(1, hi + 1)
    k = binom.ppf(alpha, n, p0)                        # smallest k with P(X ≤ k) ≥ α
    k = np.where(binom.cdf(k, n, p0) > alpha, k - 1, k)  # critical value keeps the size ≤ α
    pw = np.where(k >= 0, binom.cdf(k, n, p1), 0.0)
    ok = np.nonzero(pw >= power)[0]
    if ok.size == 0:
        raise ValueError("no sample size up to the search limit reaches the requested power")
    return int(n[ok[0]])


def min_detectable_drop(n: int, p0: float, alpha: float = 0.05, power: float = 0.8,
                        two_sided: bool = False) -> float:
    """Smallest drop p0 − p1 that ``n`` labelled samples detect with the given power."""
    from scipy.optimize import brentq

    _check_alpha_power(alpha, power)
    if not 0 < p0 < 1 or n <= 0:
        raise ValueError("need 0 < p0 < 1 and n > 0")
    f = lambda p1: detection_power(n, p0, p1, alpha, two_sided) - power  # noqa: E731
    lo = 1e-9
    if f(lo) < 0:
        return p0 - lo        # even a collapse to zero accuracy is not detectable
    return p0 - brentq(f, lo, p0 - 1e-12, xtol=1e-12)


def _exact_critical(n: int, p0: float, alpha: float) -> int:
    """Largest k with P(X ≤ k | n, p0) ≤ α: the exact one-sided test flags a drop when X ≤ k
    (−1 when no k keeps the size within α)."""
    from scipy.stats import binom

    k = int(binom.ppf(alpha, n, p0))
    return k - 1 if binom.cdf(k, n, p0) > alpha else k


def exact_detection_power(n: int, p0: float, p1: float, alpha: float = 0.05) -> float:
    """Probability that the exact one-sided binomial test on ``n`` labelled samples flags the drop
    p0 → p1 (the test of :func:`exact_binomial_samples`; no normal approximation)."""
    from scipy.stats import binom

    _check_rates(p0, p1)
    if n <= 0:
        raise ValueError("n must be positive")
    k = _exact_critical(int(n), p0, alpha)
    return float(binom.cdf(k, int(n), p1)) if k >= 0 else 0.0


def exact_min_detectable_drop(n: int, p0: float, alpha: float = 0.05, power: float = 0.8) -> float:
    """Smallest drop p0 − p1 that the exact one-sided binomial test on ``n`` samples detects with
    the given power (the exact counterpart of :func:`min_detectable_drop`)."""
    from scipy.optimize import brentq
    from scipy.stats import binom

    _check_alpha_power(alpha, power)
    if not 0 < p0 < 1 or n <= 0:
        raise ValueError("need 0 < p0 < 1 and n > 0")
    k = _exact_critical(int(n), p0, alpha)
    if k < 0 or binom.cdf(k, int(n), 1e-9) < power:
        return p0 - 1e-9      # no drop at all is detectable with this sample
    f = lambda p1: float(binom.cdf(k, int(n), p1)) - power  # noqa: E731  (falls as p1 rises)
    return p0 - brentq(f, 1e-9, p0, xtol=1e-12)


def collection_time(samples: float, rate_per_second: float, labelled_fraction: float = 1.0) -> float:
    """Seconds needed to gather ``samples`` labelled examples at ``rate_per_second`` requests/s
    of which ``labelled_fraction`` receive a ground-truth label."""
    if rate_per_second <= 0 or not 0 < labelled_fraction <= 1:
        raise ValueError("need a positive request rate and 0 < labelled fraction ≤ 1")
    return samples / (rate_per_second * labelled_fraction)


# ── cost of monitoring ─────────────────────────────────────────────────────────────────────────
def datapoints_per_month(variants: int, metrics: int, samples_per_minute: float,
                         days: float = DAYS_PER_MONTH, series_per_metric: int = 1) -> float:
    """Metric data points ingested per month: variants · metrics · series per metric (label
    cardinality) · samples/min · 60 · 24 · days."""
    return variants * metrics * series_per_metric * samples_per_minute * MINUTES_PER_HOUR * HOURS_PER_DAY * days


def ingestion_cost(points: float, usd_per_million: float) -> float:
    """USD to ingest ``points`` data points at a price per million points."""
    return points / MILLION * usd_per_million


def storage_gb(points: float, bytes_per_point: float) -> float:
    """Decimal gigabytes occupied by ``points`` stored at ``bytes_per_point`` (pint: byte → GB)."""
    from ..core.constants import GB, byte

    return float((points * bytes_per_point * byte).m_as(GB))


def storage_cost(gigabytes: float, usd_per_gb_month: float) -> float:
    """USD per month to keep ``gigabytes`` stored."""
    return gigabytes * usd_per_gb_month


def query_count(dashboards: int, users: int, refreshes_per_hour: float, hours_per_day: float,
                days: float) -> float:
    """Dashboard queries per month: one query per dashboard refresh per viewing user."""
    return dashboards * users * refreshes_per_hour * hours_per_day * days


def query_cost(queries: float, usd_per_query: float) -> float:
    return queries * usd_per_query


def alert_evaluations(rules: int, checks_per_hour: float, days: float = DAYS_PER_MONTH) -> float:
    """Alert-rule evaluations per month (rules run around the clock)."""
    return rules * checks_per_hour * HOURS_PER_DAY * days


def alert_cost(evaluations: float, usd_per_evaluation: float) -> float:
    return evaluations * usd_per_evaluation


def monitoring_cost(ingest: float, storage: float, compute: float, alert: float = 0.0) -> float:
    """Total monitoring cost = C_ingest + C_storage + C_compute + C_alert (all in USD per month)."""
    parts = (ingest, storage, compute, alert)
    if any(p < 0 for p in parts):
        raise ValueError("cost components cannot be negative")
    return float(sum(parts))


def flat_retained_points(interval_s: float, retention_s: float, series: float = 1) -> float:
    """Points kept for ``series`` time series (default: per series) when every sample is stored at
    ``interval_s`` for ``retention_s``: series · retention / interval."""
    if interval_s <= 0 or retention_s < 0 or series < 0:
        raise ValueError("need a positive sample interval and a non-negative retention and series count")
    return series * (retention_s / interval_s)


def tiered_retained_points(tiers, series: float = 1) -> float:
    """Points kept for ``series`` time series (default: per series) under tiered retention.

    ``tiers`` is a sequence of ``(interval_s, until_s)``: resolution ``interval_s`` is kept for the
    data younger than ``until_s``, older than the previous tier's ``until_s`` (windows do not overlap;
    ``until_s`` must increase).  E.g. ``[(15, 1 day), (60, 7 days), (300, 30 days)]``.
    """
    total, start = 0.0, 0.0
    for interval_s, until_s in tiers:
        if interval_s <= 0 or until_s < start:
            raise ValueError("tier intervals must be positive and tier windows must increase")
        total += (until_s - start) / interval_s
        start = until_s
    if series < 0:
        raise ValueError("the series count cannot be negative")
    return series * total


def observability_cost_rate(frequency_hz: float, metrics: float, ingest_per_point: float,
                            storage_per_point: float) -> float:
    """Cost per second ≈ frequency · metrics · (ingest + storage price per point)."""
    return frequency_hz * metrics * (ingest_per_point + storage_per_point)


def scale_volume(volume_at_reference: float, reference_interval_s: float, interval_s: float) -> float:
    """Data volume at another sampling interval: volume scales linearly with frequency."""
    if reference_interval_s <= 0 or interval_s <= 0:
        raise ValueError("sampling intervals must be positive")
    return volume_at_reference * reference_interval_s / interval_s


def monitoring_roi(incidents_prevented: float, avg_incident_cost: float, annual_monitoring_cost: float) -> float:
    """ROI = incidents prevented · average incident cost / annual monitoring cost (a multiple)."""
    if annual_monitoring_cost <= 0:
        raise ValueError("annual monitoring cost must be positive")
    return incidents_prevented * avg_incident_cost / annual_monitoring_cost


#: Incidents monitoring must prevent each year to pay for itself (ROI = 1):
#: ``breakeven_incidents(annual_monitoring_cost, avg_incident_cost)`` — the investment section's
#: formula with no time savings (one definition, in :mod:`mlsysim.models.economics`).
breakeven_incidents = _economics.breakeven_incidents


# ── the rotting asset ──────────────────────────────────────────────────────────────────────────
@dataclass
class RetrainingRun:
    """Daily accuracy of one retraining strategy and the days on which it retrained."""
    accuracy: np.ndarray
    retrain_days: list = field(default_factory=list)

    @property
    def retrains(self) -> int:
        return len(self.retrain_days)

    @property
    def mean(self) -> float:
        return float(self.accuracy.mean())

    @property
    def min(self) -> float:
        return float(self.accuracy.min())

    def days_below(self, threshold: float) -> int:
        return int(np.sum(self.accuracy < threshold))

    def shortfall(self, A0: float) -> float:
        """Σ_days (A0 − A(day)): accuracy-days lost against a freshly trained model."""
        return float(np.sum(A0 - self.accuracy))


def simulate_retraining(horizon_days: int, A0: float, decay_rate: float, *, interval: int | None = None,
                        threshold: float | None = None, lag: int = 0) -> RetrainingRun:
    """Day-by-day accuracy ``A0·e^(−λ·age)`` over ``horizon_days`` under one strategy.

    * scheduled: ``interval`` given — retrain on days interval, 2·interval, … (day 0 is deployment);
    * trigger-based: ``threshold`` given — retrain ``lag`` days after accuracy first drops below
      ``threshold`` (lag 0: on the same day, so the drop is caught at once).

    A retraining restores accuracy to ``A0`` on the day it happens.
    """
    if (interval is None) == (threshold is None):
        raise ValueError("give exactly one of interval (scheduled) or threshold (trigger-based)")
    if interval is not None and interval < 1:
        raise ValueError("the retraining interval must be at least one day")
    if lag < 0 or horizon_days < 1 or decay_rate < 0:
        raise ValueError("need lag ≥ 0, horizon ≥ 1 day and a non-negative decay rate")
    acc = np.empty(int(horizon_days))
    age, due, days = 0, None, []
    for d in range(int(horizon_days)):
        a = A0 * math.exp(-decay_rate * age)
        if interval is not None:
            retrain = d > 0 and d % interval == 0
        else:
            if due is None and threshold is not None and a < threshold:
                due = d + lag
            retrain = due is not None and d >= due
        if retrain:
            age, a, due = 0, A0, None
            days.append(d)
        acc[d] = a
        age += 1
    return RetrainingRun(acc, days)


class StrategyCost(NamedTuple):
    """What a retraining strategy costs over a run (USD); unpacks as (retraining, loss)."""
    retraining: float   #: retraining spend
    loss: float         #: value lost to stale accuracy

    @property
    def total(self) -> float:
        """Retraining spend plus value lost."""
        return self.retraining + self.loss


def strategy_cost(run: RetrainingRun, A0: float, retrain_cost: float, value_rate: float) -> StrategyCost:
    """(retraining spend, value lost to stale accuracy) over the run, in USD, and their ``total``.

    ``value_rate`` = Q·V: USD per day of one whole unit of accuracy (queries/day × value per query).
    """
    return StrategyCost(run.retrains * retrain_cost, value_rate * run.shortfall(A0))


def breakeven_value_rate(a: RetrainingRun, b: RetrainingRun, A0: float, retrain_cost: float) -> float:
    """The Q·V (USD per day per unit of accuracy) at which strategies ``a`` and ``b`` cost the same.

    Returns ``nan`` when one strategy is never more expensive than the other (it retrains no more
    often *and* loses no more accuracy), or when they are identical.
    """
    d_retrain = (b.retrains - a.retrains) * retrain_cost       # extra retraining spend of b
    d_loss = a.shortfall(A0) - b.shortfall(A0)                  # accuracy-days b saves
    if d_loss == 0 or d_retrain == 0 or (d_retrain > 0) != (d_loss > 0):
        return float("nan")
    return d_retrain / d_loss


def equivalent_interval(A0: float, threshold: float, decay_rate: float) -> float:
    """Days for A0·e^(−λt) to reach ``threshold``: ln(A0/threshold)/λ.

    Under a smooth, known decay a threshold trigger fires exactly this often, so a schedule with
    this interval behaves like the trigger; triggers add value when the decay rate is not known
    in advance or changes.
    """
    if not 0 < threshold < A0 or decay_rate <= 0:
        raise ValueError("need 0 < threshold < A0 and a positive decay rate")
    return math.log(A0 / threshold) / decay_rate


def dynamic_sampling_fraction(error_rate: float, success_sample: float = 0.01, error_sample: float = 1.0) -> float:
    """Share of requests kept when successes are sampled at ``success_sample`` and errors at
    ``error_sample``: (1 − e)·s_ok + e·s_err."""
    for name, v in (("error_rate", error_rate), ("success_sample", success_sample), ("error_sample", error_sample)):
        if not 0 <= v <= 1:
            raise ValueError(f"{name} must be a fraction between 0 and 1, got {v}")
    return (1 - error_rate) * success_sample + error_rate * error_sample


def accuracy_after_drop(baseline: float, drop: float) -> float:
    """The accuracy a monitor must detect: baseline − drop (absolute; 0.05 = five points).

    >>> round(accuracy_after_drop(0.95, 0.05), 12)
    0.9
    """
    return baseline - drop


def series_count(variants: int, metrics_per_variant: int, series_per_metric: int = 1) -> int:
    """Time series a deployment writes: variants · metrics per variant · series per metric (label
    cardinality).

    >>> series_count(3, 50, 4)
    600
    """
    _nonneg(variants=variants, metrics_per_variant=metrics_per_variant,
                       series_per_metric=series_per_metric)
    return variants * metrics_per_variant * series_per_metric


def standard_tiers(sample_interval_s: float, retention_days: float) -> list[tuple[float, float]]:
    """The usual three retention tiers for :func:`tiered_retained_points`: raw samples for the first
    day, 1-minute resolution to day 7, 5-minute resolution to the end of retention (a tier is never
    finer than the sample interval, and none outlives the retention).

    >>> standard_tiers(15, 30)
    [(15, 86400), (60, 604800), (300, 2592000)]
    """
    if sample_interval_s <= 0 or retention_days <= 0:
        raise ValueError("need a positive sample interval and a positive retention")
    day = SECONDS_PER_DAY
    return [(sample_interval_s, min(1, retention_days) * day),
            (max(60, sample_interval_s), min(7, retention_days) * day),
            (max(300, sample_interval_s), retention_days * day)]


def sampled_rate(request_rate: float, kept_fraction: float) -> float:
    """Requests per second that a sampler keeps: rate · kept fraction (:func:`dynamic_sampling_fraction`).

    >>> sampled_rate(1_000_000, 0.0199)
    19900.0
    """
    if request_rate < 0 or not 0 <= kept_fraction <= 1:
        raise ValueError("need a non-negative request rate and a kept fraction between 0 and 1")
    return request_rate * kept_fraction
