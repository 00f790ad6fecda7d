"""Online experiments: how many users an A/B test needs, and what a given sample can detect.

Two-sample comparison of means (a conversion rate is the mean of a 0/1 outcome), equal allocation,
normal approximation.  With ``z_{α/2}`` and ``z_β`` the standard-normal quantiles of the two-sided
significance level α and of the power 1 − β::

    n per variant = 2 (z_{α/2} + z_β)² σ² / δ²                 (σ² shared by both arms)
    n per variant = (z_{α/2} + z_β)² (σ_A² + σ_B²) / δ²         (each arm its own variance)
    power(n)      = Φ(|δ| / SE − z_{α/2}) + Φ(−|δ| / SE − z_{α/2}),   SE = sqrt((σ_A² + σ_B²) / n)
    MDE(n)        = (z_{α/2} + z_β) · sqrt((σ_A² + σ_B²) / n)

Variance reduction with a pre-experiment covariate (CUPED) replaces σ² by σ²(1 − ρ²), where ρ is the
correlation between the covariate and the outcome, so n shrinks by the same factor.

For a conversion rate p the outcome's variance is σ² = p (1 − p).  A minimum detectable effect may be
stated *relative* to the baseline (a "2% lift" of 5% is 5.1%) or *absolute* (2 percentage points:
5% → 7%); the two readings differ by a factor of (1/p)² in the sample size.

Quantiles come from ``scipy.stats.norm``.  Units: rates and α, power are fractions; ``n`` is a count
of randomisation units (users, sessions or requests) per variant.
"""
from __future__ import annotations

import math

from scipy.stats import norm

__all__ = [
    "z_values", "bernoulli_variance", "absolute_effect", "sample_size", "sample_size_unpooled",
    "sample_size_proportions", "power", "minimum_detectable_effect", "days_to_sample",
    "cuped_variance_factor",
    "treatment_rate",
]


def _fraction(name: str, x: float) -> None:
    if not 0 < x < 1:
        raise ValueError(f"{name} must be a fraction strictly between 0 and 1, got {x!r}")


def z_values(alpha: float = 0.05, power: float = 0.80, two_sided: bool = True) -> tuple[float, float]:
    """Standard-normal quantiles (z_α, z_β): z_{1−α/2} (or z_{1−α} one-sided) and z_{power}."""
    _fraction("alpha", alpha)
    _fraction("power", power)
    z_a = norm.ppf(1 - alpha / 2) if two_sided else norm.ppf(1 - alpha)
    z_b = norm.ppf(power)
    if z_a + z_b <= 0:
        raise ValueError("power must exceed the false-positive rate (z_α + z_β must be positive)")
    return float(z_a), float(z_b)


def bernoulli_variance(p: float) -> float:
    """Variance of a 0/1 outcome with success rate p: σ² = p (1 − p)."""
    _fraction("rate", p)
    return p * (1 - p)


def absolute_effect(baseline: float, mde: float, relative: bool = True) -> float:
    """The effect δ in the units of the rate: ``baseline·mde`` if relative, else ``mde``."""
    _fraction("baseline rate", baseline)
    if mde <= 0:
        raise ValueError(f"the minimum detectable effect must be positive, got {mde!r}")
    return baseline * mde if relative else mde


def sample_size(sigma: float, delta: float, alpha: float = 0.05, power: float = 0.80,
                two_sided: bool = True) -> float:
    """Units per variant, n = 2 (z_{α/2} + z_β)² σ² / δ² (not rounded up)."""
    if sigma <= 0:
        raise ValueError(f"the outcome's standard deviation σ must be positive, got {sigma!r}")
    if delta == 0:
        raise ValueError("the minimum detectable effect δ must be non-zero")
    z_a, z_b = z_values(alpha, power, two_sided)
    return 2 * (z_a + z_b) ** 2 * sigma**2 / delta**2


def sample_size_unpooled(var_a: float, var_b: float, delta: float, alpha: float = 0.05,
                         power: float = 0.80, two_sided: bool = True) -> float:
    """Units per variant when each arm has its own variance: (z_{α/2} + z_β)² (σ_A² + σ_B²) / δ²."""
    if var_a <= 0 or var_b <= 0:
        raise ValueError("both variances must be positive")
    if delta == 0:
        raise ValueError("the minimum detectable effect δ must be non-zero")
    z_a, z_b = z_values(alpha, power, two_sided)
    return (z_a + z_b) ** 2 * (var_a + var_b) / delta**2


def sample_size_proportions(baseline: float, mde: float, relative: bool = True, alpha: float = 0.05,
                            power: float = 0.80, unpooled: bool = False) -> float:
    """Users per variant to detect a change of a conversion rate from ``baseline``.

    ``unpooled=False`` is the textbook formula with the baseline's variance in both arms;
    ``unpooled=True`` uses p_A(1 − p_A) + p_B(1 − p_B)."""
    delta = absolute_effect(baseline, mde, relative)
    treated = baseline + delta
    _fraction("treatment rate (baseline + effect)", treated)
    if unpooled:
        return sample_size_unpooled(bernoulli_variance(baseline), bernoulli_variance(treated), delta,
                                    alpha, power)
    return sample_size(math.sqrt(bernoulli_variance(baseline)), delta, alpha, power)


def power(n: float, sigma: float, delta: float, alpha: float = 0.05, two_sided: bool = True,
          sigma_b: float | None = None) -> float:
    """Probability that a z-test with n units per variant rejects H0 when the true effect is δ."""
    if n <= 0:
        raise ValueError(f"the sample size per variant must be positive, got {n!r}")
    if sigma <= 0 or (sigma_b is not None and sigma_b <= 0):
        raise ValueError("standard deviations must be positive")
    _fraction("alpha", alpha)
    sb = sigma if sigma_b is None else sigma_b
    se = math.sqrt((sigma**2 + sb**2) / n)
    shift = abs(delta) / se
    if two_sided:
        z_a = norm.ppf(1 - alpha / 2)
        return float(norm.cdf(shift - z_a) + norm.cdf(-shift - z_a))
    return float(norm.cdf(shift - norm.ppf(1 - alpha)))


def minimum_detectable_effect(n: float, sigma: float, alpha: float = 0.05, power: float = 0.80,
                              two_sided: bool = True) -> float:
    """Smallest effect δ detectable with the given power at n units per variant (shared σ)."""
    if n <= 0 or sigma <= 0:
        raise ValueError("n and σ must be positive")
    z_a, z_b = z_values(alpha, power, two_sided)
    return (z_a + z_b) * sigma * math.sqrt(2 / n)


def days_to_sample(n_per_variant: float, daily_units: float, variants: int = 2,
                   traffic_share: float = 1.0) -> float:
    """Days of traffic needed to put n units in each of ``variants`` arms, when ``traffic_share`` of
    the ``daily_units`` daily arrivals enter the experiment."""
    if daily_units <= 0:
        raise ValueError("daily traffic must be positive")
    if not 0 < traffic_share <= 1:
        raise ValueError("the experiment's traffic share must be in (0, 1]")
    if variants < 2:
        raise ValueError("an A/B test has at least two variants")
    return n_per_variant * variants / (daily_units * traffic_share)


def cuped_variance_factor(rho: float) -> float:
    """Share of the outcome variance left after CUPED adjustment with a covariate of correlation ρ:
    1 − ρ².  The sample size needed scales by the same factor."""
    if not -1 < rho < 1:
        raise ValueError(f"the correlation ρ must be strictly between −1 and 1, got {rho!r}")
    return 1 - rho * rho


def treatment_rate(baseline: float, delta: float) -> float:
    """The treatment group's rate when the effect δ (in rate units, :func:`absolute_effect`) is
    real: p + δ.  It may leave [0, 1] — callers check that it is still a probability.

    >>> round(treatment_rate(0.05, 0.001), 12)
    0.051
    """
    _fraction("baseline rate", baseline)
    return baseline + delta
