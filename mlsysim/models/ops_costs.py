"""Operational cost formulas of the chapter's opening sections (overview, principles, technical debt).

Everything here is a pure function of plain numbers; the notebooks call these and never re-derive
them.  Units are stated in every docstring (time in weeks or days, money in USD, rates as fractions).

Training-serving skew (the Consistency Imperative)::

    skew cost per period = error rate × query volume per period × cost per error          [USD]

Silent degradation (the Degradation Equation ``A(t) = A0·e^(−λt)`` read backwards)::

    λ = ln(A_before / A_after) / Δt                 decay rate implied by two accuracy readings
    error multiple = (1 − A_after) / (1 − A_before)  how many more wrong answers per query

Reproducibility: a model is a function of four versioned artifacts (code, data, configuration,
environment); :func:`artifact_fingerprint` hashes each with SHA-256 (``hashlib``) and combines the
digests into one "complete artifact hash" that changes when any byte of any artifact changes.

Compound cost of manual operations.  A manually retrained model needs ``h0`` engineering hours per
week for its initial feature set; features keep being added, so that the set grows by ``g`` times its
initial size every ``P`` weeks (``g = 1``: the feature count doubles in ``P`` weeks) and manual work
grows in proportion to the feature count.  An automated pipeline costs ``B`` hours once plus ``u``
hours of upkeep per week::

    manual hours per week       h(t) = h0·(1 + g·t/P)
    cumulative manual hours     M(t) = h0·(t + g·t²/(2P))
    cumulative automated hours  A(t) = B + u·t
    break-even week             t* : M(t*) = A(t*)   (root of a quadratic; ∞ if it never happens)
    maintenance share           h(t) / capacity     (fraction of the team's weekly hours)
"""
from __future__ import annotations

import hashlib
import math
from collections.abc import Mapping

import numpy as np

from ..core.constants import DAYS_PER_YEAR, WEEKS_PER_YEAR
from ._checks import nonneg as _nonneg
from .accuracy import accuracy_at, decay_rate_between, detection_lateness, implied_decay_rate

__all__ = [
    "skew_cost", "annual_skew_cost", "skewed_predictions",
    "implied_decay_rate", "decay_rate_between", "accuracy_at", "detection_lateness", "error_multiple",
    "orders_of_magnitude",
    "manual_hours_per_week", "feature_multiple", "cumulative_manual_hours", "hours_saved", "cumulative_automated_hours",
    "breakeven_weeks", "maintenance_share", "average_maintenance_share", "models_at_capacity",
    "week_capacity_reached", "artifact_digest", "artifact_fingerprint",
]


def _out(x):
    """A 0-d array back to a float; arrays stay arrays."""
    return x.item() if np.ndim(x) == 0 else x


# ── training-serving skew ───────────────────────────────────────────────────────────────────────
def skew_cost(error_rate, query_volume, cost_per_error):
    """Skew Cost = Base Error Rate × Query Volume × Error Impact.

    ``error_rate``: fraction of queries whose prediction is wrong because of training-serving skew
    (0–1); ``query_volume``: queries in the period; ``cost_per_error``: USD per wrong prediction.
    Returns USD per period (the same period as ``query_volume``).
    """
    _nonneg(error_rate=error_rate, query_volume=query_volume, cost_per_error=cost_per_error)
    if np.any(np.asarray(error_rate, dtype=float) > 1):
        raise ValueError(f"error_rate is a fraction of queries and cannot exceed 1, got {error_rate!r}")
    return error_rate * query_volume * cost_per_error


def annual_skew_cost(queries_per_day, error_rate, cost_per_error, days_per_year: float = DAYS_PER_YEAR):
    """Skew cost over a year [USD/year] for a stream of ``queries_per_day`` queries a day."""
    return skew_cost(error_rate, queries_per_day * days_per_year, cost_per_error)


def skewed_predictions(query_volume, error_rate):
    """Number of predictions spoiled by skew in a period: error rate × query volume."""
    _nonneg(query_volume=query_volume, error_rate=error_rate)
    return query_volume * error_rate


# ── silent degradation ──────────────────────────────────────────────────────────────────────────
def error_multiple(accuracy_before: float, accuracy_after: float) -> float:
    """How many times more wrong answers per query after a drop in accuracy:
    (1 − A_after) / (1 − A_before)."""
    if not (0 <= accuracy_before < 1 and 0 <= accuracy_after <= 1):
        raise ValueError("accuracies must be fractions; the earlier one must be below 1")
    return (1 - accuracy_after) / (1 - accuracy_before)


def orders_of_magnitude(largest: float, smallest: float) -> float:
    """How many powers of ten separate two positive quantities: log10(largest / smallest)."""
    if largest <= 0 or smallest <= 0:
        raise ValueError("both quantities must be positive")
    return math.log10(largest / smallest)


# ── compound cost of manual operations ─────────────────────────────────────────────────────────
def manual_hours_per_week(t, h0, growth, period=WEEKS_PER_YEAR):
    """Manual hours per week at week ``t`` [h/week]: h0·(1 + g·t/P).

    ``h0``: hours per week for the initial feature set; ``growth`` g: features added every ``period``
    weeks, as a multiple of the initial count (manual work is proportional to the feature count).
    """
    _nonneg(h0=h0)
    return _out(h0 * np.asarray(feature_multiple(t, growth, period)))


def feature_multiple(t, growth, period=WEEKS_PER_YEAR):
    """The feature count at week ``t`` as a multiple of today's: 1 + g·t/P (``growth`` g features
    added every ``period`` P weeks, as a multiple of the initial count).

    >>> feature_multiple(104, 0.5)
    2.0
    """
    _nonneg(t=t, growth=growth)
    if period <= 0:
        raise ValueError("period must be positive")
    return _out(1 + growth * np.asarray(t, dtype=float) / period)


def cumulative_manual_hours(t, h0, growth, period=WEEKS_PER_YEAR):
    """Engineering hours spent on manual operations in the first ``t`` weeks [h]:
    ∫0..t h(s) ds = h0·(t + g·t²/(2P))."""
    _nonneg(t=t, h0=h0, growth=growth)
    if period <= 0:
        raise ValueError("period must be positive")
    t = np.asarray(t, dtype=float)
    return _out(h0 * (t + growth * t**2 / (2 * period)))


def cumulative_automated_hours(t, build, upkeep=0.0):
    """Engineering hours an automated pipeline has cost after ``t`` weeks [h]: B + u·t."""
    _nonneg(t=t, build=build, upkeep=upkeep)
    return _out(build + upkeep * np.asarray(t, dtype=float))


def hours_saved(t, h0, build, growth=0.0, upkeep=0.0, period=WEEKS_PER_YEAR):
    """Engineering hours the pipeline has saved after ``t`` weeks [h]: cumulative manual hours minus
    the pipeline's cumulative hours (negative before break-even).

    >>> hours_saved(52, 10, 200, 0.5, 1)
    398.0
    """
    return cumulative_manual_hours(t, h0, growth, period) - cumulative_automated_hours(t, build, upkeep)


def breakeven_weeks(h0: float, build: float, growth: float = 0.0, upkeep: float = 0.0,
                    period: float = WEEKS_PER_YEAR) -> float:
    """Week at which cumulative manual hours first equal the pipeline's cumulative hours.

    Solves a·t² + b·t − B = 0 with a = h0·g/(2P), b = h0 − u for its positive root.  Each form of
    that root subtracts nearly equal numbers for one sign of b, so the one without a subtraction is
    used: 2B / (b + √(b² + 4aB)) when b ≥ 0, (√(b² + 4aB) − b) / (2a) when b < 0 (upkeep above the
    initial manual hours, where only growth makes automation pay).  Without growth this is the
    familiar B / (h0 − u).  Returns ``math.inf`` when manual work never catches up (no growth and
    h0 ≤ u).

    >>> breakeven_weeks(10, 100)
    10.0
    >>> round(breakeven_weeks(0.25, 1.0, growth=0.001, upkeep=14.0), 1)
    5720000.1
    """
    _nonneg(h0=h0, build=build, growth=growth, upkeep=upkeep)
    if period <= 0:
        raise ValueError("period must be positive")
    if build == 0:
        return 0.0
    a = h0 * growth / (2 * period)
    b = h0 - upkeep
    if a == 0:
        return build / b if b > 0 else math.inf
    root = math.sqrt(b * b + 4 * a * build)
    return 2 * build / (b + root) if b >= 0 else (root - b) / (2 * a)


def maintenance_share(hours_per_week, capacity_hours_per_week):
    """Fraction of a team's weekly capacity spent on maintenance (may exceed 1 when overloaded)."""
    _nonneg(hours_per_week=hours_per_week)
    if capacity_hours_per_week <= 0:
        raise ValueError("capacity must be positive")
    return hours_per_week / capacity_hours_per_week


def average_maintenance_share(h0, growth, horizon, capacity_hours_per_week, period=WEEKS_PER_YEAR):
    """Average fraction of capacity spent on manual operations over the first ``horizon`` weeks:
    M(horizon) / (horizon · capacity)."""
    if horizon <= 0:
        raise ValueError("horizon must be positive")
    return maintenance_share(cumulative_manual_hours(horizon, h0, growth, period) / horizon,
                             capacity_hours_per_week)


def models_at_capacity(hours_per_week_per_model, capacity_hours_per_week):
    """How many such models one team can keep running by hand: capacity / hours per model."""
    if hours_per_week_per_model <= 0:
        return math.inf
    return capacity_hours_per_week / hours_per_week_per_model


def week_capacity_reached(h0, growth, capacity_hours_per_week, period=WEEKS_PER_YEAR):
    """Week at which one model's manual work alone fills the team's capacity: h(t) = capacity
    ⇒ t = P·(capacity/h0 − 1)/g.  0 if it already does, ∞ if it never will."""
    _nonneg(h0=h0, growth=growth)
    if capacity_hours_per_week <= 0:
        raise ValueError("capacity must be positive")
    if h0 >= capacity_hours_per_week:
        return 0.0
    if h0 == 0 or growth == 0:
        return math.inf
    return period * (capacity_hours_per_week / h0 - 1) / growth


# ── reproducibility ────────────────────────────────────────────────────────────────────────────
def artifact_digest(content) -> str:
    """SHA-256 hex digest of one artifact (``bytes``, or ``str`` encoded as UTF-8)."""
    if isinstance(content, str):
        content = content.encode("utf-8")
    if not isinstance(content, (bytes, bytearray)):
        raise TypeError(f"an artifact must be bytes or str, got {type(content).__name__}")
    return hashlib.sha256(content).hexdigest()


def artifact_fingerprint(components: Mapping[str, object]) -> tuple[dict[str, str], str]:
    """Digest of every artifact and one combined fingerprint of the whole set.

    The combined fingerprint hashes the sorted ``name=digest`` lines, so it does not depend on the
    order the components are given in, and it changes whenever any single artifact changes.
    Returns ``(digests, fingerprint)``.
    """
    if not components:
        raise ValueError("a fingerprint needs at least one artifact")
    digests = {name: artifact_digest(content) for name, content in components.items()}
    manifest = "\n".join(f"{name}={digests[name]}" for name in sorted(digests))
    return digests, artifact_digest(manifest)
