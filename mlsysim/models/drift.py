"""Drift metrics: Population Stability Index, KL and Jensen–Shannon divergence, Kolmogorov–Smirnov.

Notation: ``e_i`` (expected, the training/reference distribution) and ``a_i`` (actual, the
serving distribution) are bin *proportions* that each sum to 1::

    PSI(e, a)      = Σ_i (a_i − e_i) · ln(a_i / e_i)                 dimensionless, ≥ 0
                   = KL(a‖e) + KL(e‖a)                               (so PSI is symmetric)
    KL(p‖q)        = Σ_x p(x) · ln(p(x) / q(x))                      nats, ≥ 0, asymmetric
    JS(p, q)       = ½ KL(p‖m) + ½ KL(q‖m),  m = (p + q)/2           divergence, ≤ ln 2 nats
    KS(x, y)       = sup_t |F_x(t) − F_y(t)|                          two empirical CDFs, in [0, 1]

Empty bins make ``ln(a_i/e_i)`` infinite.  Every function here replaces proportions below ``eps``
by ``eps`` (and renormalises) before taking logarithms — the usual production convention — and
says so in its docstring.  KL uses :func:`scipy.stats.entropy`, JS uses
:func:`scipy.spatial.distance.jensenshannon` (which returns the *distance*, the square root of
the divergence; :func:`js` returns the divergence unless ``distance=True``), KS uses
:func:`scipy.stats.ks_2samp`.

Inputs: the metrics accept either two arrays of raw *samples* (binned here with :func:`bin_edges`
and :func:`proportions`) or, with ``bins=None``, two arrays of bin counts or proportions of equal
length.
"""
from __future__ import annotations

import numpy as np

__all__ = [
    "PSI_WARN", "PSI_ALERT", "KS_ALERT", "JS_ALERT",
    "bin_edges", "proportions", "binned", "smooth", "psi_terms", "psi", "kl", "js", "ks",
    "psi_band", "ks_test", "ks_critical", "psi_noise_floor", "compounded_decline",
    "normal_samples",
]

#: PSI bands of credit-scorecard practice, where the index comes from: below 0.1 stable, 0.1–0.2
#: investigate, above 0.2 a significant shift (Siddiqi, *Credit Risk Scorecards*, Wiley 2006, the
#: book's ``siddiqi2006credit``).  Rules of thumb, not significance levels: with small samples the
#: binning noise alone can exceed them (:func:`psi_noise_floor`).
PSI_WARN = 0.1
PSI_ALERT = 0.2
#: Starting alert thresholds for the KS statistic and the Jensen–Shannon divergence, as the book's
#: drift-threshold table gives them (sec-drift-lab); meant to be calibrated per feature.  A fixed KS
#: cut-off is statistically meaningful only when the samples are large (:func:`ks_critical`).
KS_ALERT = 0.1
JS_ALERT = 0.1

DEFAULT_EPS = 1e-4


def _as_1d(x, name):
    arr = np.asarray(x, dtype=float).ravel()
    if arr.size == 0:
        raise ValueError(f"{name} is empty")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} contains NaN or infinite values")
    return arr


def bin_edges(reference, bins: int = 10, strategy: str = "quantile"):
    """Bin edges fitted on the *reference* sample.

    ``strategy="quantile"`` puts about the same share of the reference in each bin (the usual
    PSI practice); ``"uniform"`` spaces edges evenly between min and max.  The outer edges are
    −∞ and +∞ so that serving values outside the training range still land in a bin.
    Duplicate quantiles (heavily repeated values) are merged, so fewer bins may result.
    """
    ref = _as_1d(reference, "reference")
    if int(bins) != bins or bins < 1:
        raise ValueError(f"bins must be a positive whole number, got {bins!r}")
    bins = int(bins)
    if strategy == "quantile":
        inner = np.quantile(ref, np.linspace(0, 1, bins + 1)[1:-1])
    elif strategy == "uniform":
        inner = np.linspace(ref.min(), ref.max(), bins + 1)[1:-1]
    else:
        raise ValueError(f"strategy must be 'quantile' or 'uniform', got {strategy!r}")
    inner = np.unique(inner)
    return np.concatenate(([-np.inf], inner, [np.inf]))


def proportions(sample, edges):
    """Share of ``sample`` falling in each bin ``[edges[i], edges[i+1])`` (sums to 1)."""
    x = _as_1d(sample, "sample")
    counts, _ = np.histogram(x, bins=np.asarray(edges, dtype=float))
    return counts / counts.sum()


def smooth(p, eps: float = DEFAULT_EPS):
    """Counts or proportions → proportions with every entry at least ``eps`` (then renormalised).

    This is the epsilon handling for empty bins: without it ``ln(a/e)`` is ±∞.
    """
    p = np.asarray(p, dtype=float).ravel()
    if p.size == 0 or np.any(p < 0) or not np.all(np.isfinite(p)):
        raise ValueError("bin counts/proportions must be finite and non-negative")
    total = p.sum()
    if total <= 0:
        raise ValueError("bin counts/proportions sum to zero")
    if not 0 <= eps < 1 / p.size:
        raise ValueError(f"eps must be in [0, 1/number_of_bins), got {eps!r}")
    p = np.maximum(p / total, eps)
    return p / p.sum()


def binned(expected, actual, bins=10, strategy: str = "quantile"):
    """Return ``(e, a)`` raw bin proportions.

    ``bins=None``: ``expected``/``actual`` already are counts or proportions (same length).
    ``bins`` an int: samples, binned on edges fitted to ``expected`` (:func:`bin_edges`).
    ``bins`` an array: explicit edges.
    """
    if bins is None:
        e = _as_1d(expected, "expected")
        a = _as_1d(actual, "actual")
        if e.shape != a.shape:
            raise ValueError(f"expected and actual need the same number of bins ({e.size} ≠ {a.size})")
        if np.any(e < 0) or np.any(a < 0):
            raise ValueError("bin counts/proportions must be non-negative")
        return e / e.sum(), a / a.sum()
    edges = bin_edges(expected, bins, strategy) if np.ndim(bins) == 0 else np.asarray(bins, float)
    return proportions(expected, edges), proportions(actual, edges)


def psi_terms(expected, actual, bins=10, eps: float = DEFAULT_EPS, strategy: str = "quantile"):
    """Per-bin PSI contributions (a_i − e_i)·ln(a_i/e_i), each ≥ 0, after ``eps`` smoothing."""
    e, a = binned(expected, actual, bins, strategy)
    e, a = smooth(e, eps), smooth(a, eps)
    return (a - e) * np.log(a / e)


def psi(expected, actual, bins=10, eps: float = DEFAULT_EPS, strategy: str = "quantile") -> float:
    """Population Stability Index  PSI = Σ (a_i − e_i)·ln(a_i/e_i).

    ``expected`` is the training/reference data, ``actual`` the serving data: raw samples
    (binned into ``bins`` quantile bins of ``expected``, or on explicit edges) or, with
    ``bins=None``, bin counts/proportions.  Proportions below ``eps`` (empty bins) are raised to
    ``eps`` before the logarithm.  Returns a float ≥ 0; 0 means identical binned distributions.
    """
    return float(np.sum(psi_terms(expected, actual, bins, eps, strategy)))


def psi_band(value: float) -> str:
    """"stable" (< 0.1), "investigate" (0.1–0.2) or "significant shift" (> 0.2)."""
    if value < PSI_WARN:
        return "stable"
    if value <= PSI_ALERT:
        return "investigate"
    return "significant shift"


def kl(p, q, bins=None, eps: float = DEFAULT_EPS, strategy: str = "quantile") -> float:
    """Kullback–Leibler divergence KL(p‖q) = Σ p·ln(p/q) in nats (scipy.stats.entropy).

    With ``bins`` given, ``p`` and ``q`` are samples binned on edges fitted to ``q`` (the
    reference); with ``bins=None`` they are counts/proportions.  ``eps`` smoothing as in :func:`psi`.
    Note the order: ``kl(actual, expected)`` asks how surprising serving data is under training data.
    """
    from scipy.stats import entropy

    if bins is None:
        pp, qq = binned(p, q, None)
    else:
        qq, pp = binned(q, p, bins, strategy)
    return float(entropy(smooth(pp, eps), smooth(qq, eps)))


def js(p, q, bins=None, eps: float = 0.0, strategy: str = "quantile", distance: bool = False,
       base: float | None = None) -> float:
    """Jensen–Shannon divergence in nats (0 … ln 2), via scipy.spatial.distance.jensenshannon.

    JS is finite even with empty bins (the mixture m is never zero where p or q is not), so no
    smoothing is needed; ``eps`` is accepted for symmetry with :func:`psi`.  ``distance=True``
    returns scipy's JS *distance* (the square root of the divergence); ``base=2`` measures in bits
    (divergence then lies in 0 … 1).  Binning as in :func:`kl`, with edges fitted on ``q``.
    """
    from scipy.spatial.distance import jensenshannon

    if bins is None:
        pp, qq = binned(p, q, None)
    else:
        qq, pp = binned(q, p, bins, strategy)
    if eps:
        pp, qq = smooth(pp, eps), smooth(qq, eps)
    d = float(jensenshannon(pp, qq, base=base))   # natural-log base by default
    return d if distance else d * d


def ks(expected, actual) -> float:
    """Two-sample Kolmogorov–Smirnov statistic D = sup |F_e − F_a| (scipy.stats.ks_2samp), on raw samples."""
    from scipy.stats import ks_2samp

    return float(ks_2samp(_as_1d(expected, "expected"), _as_1d(actual, "actual")).statistic)


def ks_test(expected, actual, missing: str = "raise") -> tuple[float, float]:
    """Two-sample KS statistic D and its two-sided p-value (:func:`scipy.stats.ks_2samp`) on raw samples.

    ``missing="raise"`` (drift checks) rejects NaN; ``missing="omit"`` (the skew report, which counts
    missing values separately) drops NaN first.  Infinite values are rejected either way.

    >>> ks_test([1, 2, 3, 4], [3, 4, 5, 6])[0]
    0.5
    """
    from scipy.stats import ks_2samp

    if missing not in ("raise", "omit"):
        raise ValueError(f"missing must be 'raise' or 'omit', not {missing!r}")
    samples = []
    for x, name in ((expected, "expected"), (actual, "actual")):
        arr = np.asarray(x, dtype=float).ravel()
        if missing == "omit":
            if np.any(np.isinf(arr)):
                raise ValueError(f"{name} contains infinite values")
            arr = arr[~np.isnan(arr)]
            if arr.size == 0 and np.asarray(x).size:
                raise ValueError(f"{name} has no non-missing values")
        samples.append(_as_1d(arr, name))
    r = ks_2samp(*samples)
    return float(r.statistic), float(r.pvalue)


def ks_critical(n: int, m: int, alpha: float = 0.05) -> float:
    """Large-sample critical value of the two-sample KS statistic:
    D_crit = c(α)·√((n + m)/(n·m)), c(α) = √(−ln(α/2)/2)  (c = 1.358 for α = 0.05).
    A fixed threshold such as KS > 0.1 is 'significant' only when D_crit < 0.1, i.e. for large samples."""
    if n <= 0 or m <= 0 or not 0 < alpha < 1:
        raise ValueError("need positive sample sizes and 0 < alpha < 1")
    return float(np.sqrt(-np.log(alpha / 2) / 2) * np.sqrt((n + m) / (n * m)))


def psi_noise_floor(bins: int, n_expected: int, n_actual: int) -> float:
    """Expected PSI between two samples drawn from the *same* distribution, to first order:
    (bins − 1)·(1/n_expected + 1/n_actual).  PSI ≈ Σ (a − e)²/e for small differences, a χ²-type
    statistic, so sampling noise alone produces this much 'drift'; small windows can cross 0.1."""
    if bins < 1 or n_expected <= 0 or n_actual <= 0:
        raise ValueError("need at least one bin and positive sample sizes")
    return (bins - 1) * (1 / n_expected + 1 / n_actual)


def compounded_decline(daily_fraction: float, days: float) -> float:
    """Total relative decline after ``days`` of a steady relative loss ``daily_fraction`` per day:
    1 − (1 − f)^days.  Two basis points a day (f = 0.0002) is invisible day to day but compounds."""
    if not 0 <= daily_fraction < 1 or days < 0:
        raise ValueError("need 0 ≤ daily fraction < 1 and days ≥ 0")
    return float(-np.expm1(days * np.log1p(-daily_fraction)))


def normal_samples(rng: np.random.Generator, n_reference: int, n_serving: int, mean: float, sd: float,
                   shift: float = 0.0, spread: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """A reference sample N(mean, sd²) and a serving sample N(mean + shift, (sd·spread)²), drawn in
    that order from ``rng`` (one feature before and after a shift of its mean and its spread).

    >>> ref, srv = normal_samples(np.random.default_rng(0), 1000, 1000, 50.0, 10.0, shift=5.0, spread=2.0)
    >>> round(float(ref.mean()), 0), round(float(srv.std() / ref.std()), 0)
    (50.0, 2.0)
    """
    if sd <= 0 or spread <= 0:
        raise ValueError("the standard deviation and the spread factor must be positive")
    z_ref, z_srv = rng.standard_normal(int(n_reference)), rng.standard_normal(int(n_serving))
    return mean + sd * z_ref, mean + shift + sd * spread * z_srv
