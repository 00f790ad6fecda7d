"""Retraining economics: exponential accuracy decay and the optimal retraining interval.

Model (time in days, ``lam`` per day, ``Q`` queries per day, ``V`` value per query per unit of
accuracy, ``C`` cost of one retraining run)::

    A(t)              = A0 · exp(−λ t)
    staleness(T)      = ∫0..T Q·V·(A0 − A(t)) dt = Q·V·A0·(T − (1 − e^{−λT})/λ)
    cost_rate(T)      = (staleness(T) + C) / T                          cost per day
    T*_sqrt           = sqrt(2C / (Q·V·A0·λ))                           square-root law
    T*_exact          : d/dT cost_rate = 0  ⇔  Q·V·A0·g(T) = C,  g(T) = (1 − e^{−λT})/λ − T·e^{−λT}

``g`` rises from 0 to 1/λ, so an exact optimum exists only when ``C < Q·V·A0/λ``; otherwise the
cost rate falls for ever and retraining never pays for itself.  The square-root law comes from
the second-order expansion ``staleness ≈ Q·V·A0·λ·T²/2``; it is good while ``λ·T*`` is small.
"""
from __future__ import annotations

import math

import numpy as np

__all__ = [
    "accuracy", "half_life", "staleness_cost", "cost_rate", "sqrt_law_interval",
    "exact_optimal_interval", "optimum_exists", "sqrt_law_error", "sqrt_law_penalty",
    "sqrt_law_terms", "cost_ratio", "sqrt_law_relative_error", "breakdown_point",
    "value_rate", "optimal_cost_rate", "marginal_shape",
]


def accuracy(t, A0: float, lam: float):
    """A(t) = A0·e^(−λt)."""
    return A0 * np.exp(-lam * np.asarray(t, dtype=float)) if np.ndim(t) else A0 * math.exp(-lam * t)


def half_life(lam: float) -> float:
    """Time for accuracy to fall to half its initial value: ln 2 / λ."""
    if lam <= 0:
        raise ValueError("decay rate λ must be positive")
    return math.log(2) / lam


def _one_minus_exp_over_lam(T, lam):
    """(1 − e^{−λT})/λ computed without cancellation for small λT (expm1)."""
    return -np.expm1(-lam * np.asarray(T, dtype=float)) / lam


def marginal_shape(u: float) -> float:
    """1 − e^{−u}(1 + u), the left side of the optimality condition 1 − e^{−u}(1+u) = z (u = λT).

    For small u the two terms cancel (both are 1 − u²/2 + …), so below u = 0.01 its series
    u²/2 − u³/3 + u⁴/8 − u⁵/30 + u⁶/144 is used (truncation ≤ 3·10⁻¹³ relative; the direct form loses
    eps/(u²/2) ≤ 5·10⁻¹² relative just above).

    >>> marginal_shape(0.0)
    0.0
    >>> round(marginal_shape(1.0), 12)
    0.264241117657
    """
    if u < 1e-2:
        return u * u * (1 / 2 - u * (1 / 3 - u * (1 / 8 - u * (1 / 30 - u / 144))))
    return -math.expm1(-u) - u * math.exp(-u)


def staleness_cost(T, Q: float, V: float, A0: float, lam: float):
    """Accumulated cost of stale predictions over one interval of length T (closed form).

    Uses ``T − (1 − e^{−λT})/λ``, evaluated with a series for small λT so it stays accurate.
    """
    T = np.asarray(T, dtype=float)
    x = lam * T
    series = T * (x / 2 - x**2 / 6 + x**3 / 24 - x**4 / 120)   # T − (1−e^{−x})/λ for small x
    direct = T - _one_minus_exp_over_lam(T, lam)
    value = Q * V * A0 * np.where(x < 1e-3, series, direct)
    return value.item() if value.ndim == 0 else value


def cost_rate(T, C: float, Q: float, V: float, A0: float, lam: float):
    """Total cost per unit time when retraining every T: (staleness(T) + C) / T."""
    T = np.asarray(T, dtype=float)
    if np.any(T <= 0):
        raise ValueError("retraining interval T must be positive")
    value = (staleness_cost(T, Q, V, A0, lam) + C) / T
    return value.item() if np.ndim(value) == 0 else value


def sqrt_law_terms(C: float, Q: float, V: float, A0: float, lam: float) -> tuple[float, float]:
    """Numerator 2C and denominator Q·V·A0·λ of the square-root law."""
    denominator = Q * V * A0 * lam
    if C < 0 or denominator <= 0:
        raise ValueError("need C ≥ 0 and Q·V·A0·λ > 0")
    return 2 * C, denominator


def sqrt_law_interval(C: float, Q: float, V: float, A0: float, lam: float) -> float:
    """Square-root law T* ≈ sqrt(2C / (Q·V·A0·λ))."""
    numerator, denominator = sqrt_law_terms(C, Q, V, A0, lam)
    return math.sqrt(numerator / denominator)


def cost_ratio(C: float, Q: float, V: float, A0: float, lam: float) -> float:
    """The one dimensionless number that decides how good the square-root law is:
    z = C·λ / (Q·V·A0) — one retraining run as a fraction of the staleness loss a never-retrained
    model accumulates over 1/λ.  The exact optimum solves 1 − e^{−u}(1+u) = z for u = λT*, the
    square-root law says u = sqrt(2z); an optimum exists only for z < 1."""
    return C * lam / (Q * V * A0)


def sqrt_law_relative_error(z: float) -> float:
    """T_sqrt/T_exact − 1 as a function of z = :func:`cost_ratio` alone (−1 when z ≥ 1)."""
    from scipy.optimize import brentq

    if not 0 < z:
        raise ValueError("z must be positive")
    if z >= 1:
        return -1.0
    u_exact = brentq(lambda u: marginal_shape(u) - z, 1e-12, 800.0, xtol=1e-15, rtol=1e-13)
    return math.sqrt(2 * z) / u_exact - 1


def breakdown_point(max_error: float) -> tuple[float, float]:
    """Largest z (and the matching λ·T_sqrt) for which the square-root law's interval is still
    within ``max_error`` (a fraction, e.g. 0.05) of the exact optimum."""
    from scipy.optimize import brentq

    if not 0 < max_error < 1:
        raise ValueError("max_error must be a fraction between 0 and 1")
    z = brentq(lambda z: abs(sqrt_law_relative_error(z)) - max_error, 1e-9, 1 - 1e-12, xtol=1e-14)
    return z, math.sqrt(2 * z)


def optimum_exists(C: float, Q: float, V: float, A0: float, lam: float) -> bool:
    """True when retraining ever pays off: C < Q·V·A0/λ (the asymptotic staleness loss per cycle)."""
    return C < Q * V * A0 / lam


def exact_optimal_interval(C: float, Q: float, V: float, A0: float, lam: float) -> float:
    """The interval that minimises :func:`cost_rate` exactly (``math.inf`` when none exists).

    Solves Q·V·A0·g(T) = C with g(T) = (1 − e^{−λT})/λ − T·e^{−λT}, which is increasing in T,
    by bracketing and Brent's method (scipy.optimize.brentq).
    """
    from scipy.optimize import brentq

    if C <= 0:
        return 0.0
    if not optimum_exists(C, Q, V, A0, lam):
        return math.inf
    k = Q * V * A0

    def h(T):
        return k * marginal_shape(lam * T) / lam - C

    hi = max(sqrt_law_interval(C, Q, V, A0, lam), 1e-12)
    while h(hi) < 0:
        hi *= 2
    lo = hi / 2
    while lo > 0 and h(lo) > 0:
        lo /= 2
    return brentq(h, lo, hi, xtol=1e-14 * hi, rtol=1e-12, maxiter=200)


def sqrt_law_error(C: float, Q: float, V: float, A0: float, lam: float) -> float:
    """Relative error of the square-root law interval against the exact optimum
    (T_sqrt/T_exact − 1; −1 when no exact optimum exists)."""
    exact = exact_optimal_interval(C, Q, V, A0, lam)
    if math.isinf(exact):
        return -1.0
    return sqrt_law_interval(C, Q, V, A0, lam) / exact - 1


def sqrt_law_penalty(C: float, Q: float, V: float, A0: float, lam: float) -> float:
    """Extra cost per day paid by following the square-root law instead of the exact optimum,
    as a fraction of the optimal cost rate (0 means no penalty)."""
    exact = exact_optimal_interval(C, Q, V, A0, lam)
    approx = sqrt_law_interval(C, Q, V, A0, lam)
    if math.isinf(exact):
        floor = Q * V * A0                       # cost rate approached as T → ∞
        return cost_rate(approx, C, Q, V, A0, lam) / floor - 1
    best = cost_rate(exact, C, Q, V, A0, lam)
    return cost_rate(approx, C, Q, V, A0, lam) / best - 1


def value_rate(Q: float, V: float) -> float:
    """Q·V: USD per day of one whole unit of accuracy (queries per day × value per query).

    >>> value_rate(10_000, 0.5)
    5000.0
    """
    if Q < 0 or V < 0:
        raise ValueError("query volume and value per query cannot be negative")
    return Q * V


def optimal_cost_rate(C: float, Q: float, V: float, A0: float, lam: float) -> float:
    """Cost per day at the exact optimum (:func:`exact_optimal_interval`); when no optimum exists
    (retraining never pays) the cost of never retraining, the limit Q·V·A0 of a model decayed to zero.

    >>> round(optimal_cost_rate(5_000, 1e6, 0.5, 0.95, 0.02), 2)
    9713.4
    """
    T = exact_optimal_interval(C, Q, V, A0, lam)
    return cost_rate(T, C, Q, V, A0, lam) if math.isfinite(T) else value_rate(Q, V) * A0
