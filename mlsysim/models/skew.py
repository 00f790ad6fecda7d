"""Training–serving skew: a feature-skew validator and the arithmetic of shifted populations.

The validator compares each feature's training sample with its serving sample using the
two-sample Kolmogorov–Smirnov test (:func:`scipy.stats.ks_2samp`)::

    D = sup_t | F_train(t) − F_serve(t) |        largest gap between the two empirical CDFs, in [0, 1]

A feature is *skewed* when every enabled criterion holds:

* ``threshold`` (effect size): ``D > threshold``  — how different the distributions are;
* ``alpha`` (significance):    ``p < alpha``      — how sure we are the difference is not sampling noise.

With large samples the p-value of a negligible difference is tiny, so a p-value alone blocks
deployments for nothing; with small samples ``D`` wanders above a threshold by chance, which is
what ``alpha`` guards against.  :func:`skew_report` returns one :class:`FeatureSkew` per feature
and never raises on skew; :func:`validate_no_skew` raises :class:`SkewError` naming the feature,
the statistic, the p-value and the threshold (a CI/CD deployment gate).

Population arithmetic used by the session-length case study (means in minutes, shares in [0, 1])::

    mixture mean        m = s·m_b + (1 − s)·m_a                          share s of population b
    share for a mean    s = (m_a − m) / (m_a − m_b)                      inverse of the line above
    lognormal location  μ = ln(mean) − σ²/2                              so that E[X] = mean
    mixed accuracy      A = Σ_k w_k · A_k                                segment weights w_k sum to 1
    logistic shift      s(t) = s0 + (s1 − s0) / (1 + exp(−(t − t_mid)/τ))  a share moving from s0 to s1
"""
from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from mlsysim.fmt import Text

from .accuracy import mixture_accuracy
from .drift import ks_test

__all__ = [
    "SkewError", "FeatureSkew", "ks_test", "skew_report", "validate_no_skew", "format_pvalue",
    "mixture_mean", "mixture_share", "lognormal_mu", "lognormal_sample", "segment_mix_accuracy",
    "logistic_share",
    "mixture_lognormal_sample",
]


class SkewError(Exception):
    """A deployment gate found training–serving skew.

    ``feature``, ``statistic``, ``pvalue`` and ``threshold`` describe the worst skewed feature;
    ``skewed`` lists every skewed :class:`FeatureSkew` (worst first).
    """

    def __init__(self, skewed: list[FeatureSkew]):
        if not skewed:
            raise ValueError("SkewError needs at least one skewed feature")
        self.skewed = list(skewed)
        worst = self.skewed[0]
        self.feature, self.statistic = worst.feature, worst.statistic
        self.pvalue, self.threshold, self.alpha = worst.pvalue, worst.threshold, worst.alpha
        others = [f.feature for f in self.skewed[1:]]
        more = f" {len(others)} more skewed feature(s): {', '.join(others)}." if others else ""
        super().__init__(f"Training–serving skew in feature '{worst.feature}': {worst.reason()}.{more}")


@dataclass(frozen=True)
class FeatureSkew:
    """Result of comparing one feature's training and serving samples."""

    feature: str
    statistic: float            # KS D
    pvalue: float
    threshold: float | None     # on D; None = not used
    alpha: float | None         # on the p-value; None = not used
    n_train: int
    n_serve: int
    mean_train: float
    mean_serve: float
    missing_train: float        # share of NaN values dropped before the test
    missing_serve: float

    @property
    def skewed(self) -> bool:
        big = self.threshold is None or self.statistic > self.threshold
        sure = self.alpha is None or self.pvalue < self.alpha
        return big and sure

    def reason(self) -> str:
        """Why the feature passed or failed, in words with the numbers."""
        parts = []
        if self.threshold is not None:
            rel = ">" if self.statistic > self.threshold else "≤"
            parts.append(f"KS statistic D = {self.statistic:.3f} {rel} threshold {self.threshold:.3f}")
        else:
            parts.append(f"KS statistic D = {self.statistic:.3f}")
        pv: str = format_pvalue(self.pvalue)
        pv = pv if pv.startswith("<") else f"= {pv}"
        pv = pv.replace("<", "< ", 1) if pv.startswith("<") else pv
        if self.alpha is not None:
            rel = "<" if self.pvalue < self.alpha else "≥"
            parts.append(f"p-value {pv} {rel} α = {self.alpha:g}")
        else:
            parts.append(f"p-value {pv}")
        return ", ".join(parts)


_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def format_pvalue(p: float) -> Text:
    """A p-value for prose: ``0.034``, ``2.1×10⁻⁷``, or ``<10⁻³⁰⁰`` when it underflows.

    Written without spaces or hyphens so that it never breaks across lines in a table cell.
    """
    if not 0 <= p <= 1:
        raise ValueError(f"a p-value lies in [0, 1], got {p!r}")
    if p < 1e-300:
        return Text("<10⁻³⁰⁰")
    if p >= 0.001:
        return Text(f"{p:.3g}")
    mantissa, exponent = f"{p:.1e}".split("e")
    return Text(f"{mantissa}×10{str(int(exponent)).translate(_SUPERSCRIPT)}")


def _clean(x, what: str) -> tuple[np.ndarray, float]:
    arr = np.asarray(x, dtype=float).ravel()
    if arr.size == 0:
        raise ValueError(f"{what} is empty")
    nan = np.isnan(arr)
    if np.any(np.isinf(arr)):
        raise ValueError(f"{what} contains infinite values")
    kept = arr[~nan]
    if kept.size == 0:
        raise ValueError(f"{what} has no non-missing values")
    return kept, float(nan.mean())


def _columns(table) -> list[str]:
    if isinstance(table, Mapping):
        return list(table.keys())
    if hasattr(table, "columns"):                      # pandas-like
        return [str(c) for c in table.columns]
    raise TypeError("features must be a mapping of name → values (or a DataFrame)")


def _check_criteria(threshold, alpha):
    if threshold is None and alpha is None:
        raise ValueError("give a KS threshold, a significance level alpha, or both")
    if threshold is not None and not 0 <= threshold < 1:
        raise ValueError(f"the KS threshold must be in [0, 1), got {threshold!r}")
    if alpha is not None and not 0 < alpha < 1:
        raise ValueError(f"alpha must be in (0, 1), got {alpha!r}")


def skew_report(training, serving, threshold: float | None = 0.1, alpha: float | None = None,
                features=None) -> list[FeatureSkew]:
    """Compare every feature of ``training`` with ``serving`` (mappings name → 1-D values).

    Missing values (NaN) are dropped before the test and their shares reported, so a feature
    whose serving pipeline fills gaps differently still shows up — through the filled values.
    Raises ``KeyError`` (naming the feature) when a feature is absent from ``serving``; never
    raises because of skew.  Results are in the order of ``features`` (default: training's columns).
    """
    _check_criteria(threshold, alpha)
    names = list(features) if features is not None else _columns(training)
    serve_cols = set(_columns(serving))
    out = []
    for name in names:
        if name not in serve_cols:
            raise KeyError(f"feature '{name}' is in the training data but missing from the serving data")
        a, miss_a = _clean(training[name], f"training feature '{name}'")
        b, miss_b = _clean(serving[name], f"serving feature '{name}'")
        d, p = ks_test(a, b)
        out.append(FeatureSkew(name, d, p, threshold, alpha, int(a.size), int(b.size),
                               float(a.mean()), float(b.mean()), miss_a, miss_b))
    return out


def validate_no_skew(training, serving, threshold: float | None = 0.1, alpha: float | None = None,
                     features=None) -> list[FeatureSkew]:
    """Deployment gate: raise :class:`SkewError` if any feature is skewed, else return the report.

    The error names the worst feature (largest D), its KS statistic, p-value and the threshold,
    and lists the other skewed features.
    """
    report = skew_report(training, serving, threshold, alpha, features)
    bad = sorted((r for r in report if r.skewed), key=lambda r: -r.statistic)
    if bad:
        raise SkewError(bad)
    return report


# ── population arithmetic ─────────────────────────────────────────────────────
def mixture_mean(share_b: float, mean_a: float, mean_b: float) -> float:
    """Mean of a population that is a share ``share_b`` of group b and the rest group a."""
    if not 0 <= share_b <= 1:
        raise ValueError(f"share must be in [0, 1], got {share_b!r}")
    return share_b * mean_b + (1 - share_b) * mean_a


def mixture_share(target_mean: float, mean_a: float, mean_b: float) -> float:
    """Share of group b needed for the mixture to have ``target_mean`` (inverse of :func:`mixture_mean`).

    Raises ``ValueError`` when no share in [0, 1] gives that mean — e.g. adding *shorter* sessions
    can never make the average *longer*.
    """
    if mean_a == mean_b:
        raise ValueError("the two groups have the same mean, so no share changes the mixture's mean")
    s = (mean_a - target_mean) / (mean_a - mean_b)
    if not -1e-12 <= s <= 1 + 1e-12:
        lo, hi = sorted((mean_a, mean_b))
        raise ValueError(f"a mixture of groups with means {mean_a:g} and {mean_b:g} has a mean between "
                         f"{lo:g} and {hi:g}; {target_mean:g} is impossible")
    return min(max(s, 0.0), 1.0)


def lognormal_mu(mean: float, sigma: float) -> float:
    """Location μ of a lognormal with the given mean and shape σ: μ = ln(mean) − σ²/2."""
    if mean <= 0 or sigma < 0:
        raise ValueError("a lognormal needs a positive mean and a non-negative σ")
    return math.log(mean) - sigma**2 / 2


def lognormal_sample(rng: np.random.Generator, n: int, mean: float, sigma: float) -> np.ndarray:
    """``n`` lognormal draws with the given *mean* (not median) and shape σ."""
    return rng.lognormal(lognormal_mu(mean, sigma), sigma, size=int(n))


segment_mix_accuracy = mixture_accuracy  # Σ w_k·A_k, one definition in mlsysim.models.accuracy


def logistic_share(t, start: float, end: float, midpoint: float, width: float):
    """A share moving smoothly from ``start`` to ``end``, halfway at ``midpoint``, over a time scale
    ``width``: s(t) = s0 + (s1 − s0) / (1 + exp(−(t − t_mid)/τ))."""
    if not (0 <= start <= 1 and 0 <= end <= 1):
        raise ValueError("start and end shares must lie in [0, 1]")
    if width <= 0:
        raise ValueError("width must be positive")
    t = np.asarray(t, dtype=float)
    value = start + (end - start) / (1 + np.exp(-(t - midpoint) / width))
    return float(value) if value.ndim == 0 else value


def mixture_lognormal_sample(rng: np.random.Generator, n: int, share_b: float, mean_a: float, mean_b: float,
                             sigma: float) -> np.ndarray:
    """``n`` draws from a two-segment mix: each draw comes from segment b with probability
    ``share_b`` (the count is one binomial draw), segment a's draws first.  Both segments are
    lognormal with shape σ and the given means (:func:`lognormal_sample`).

    >>> x = mixture_lognormal_sample(np.random.default_rng(1), 2_000, 0.25, 10.0, 2.0, 0.5)
    >>> len(x), bool(abs(x.mean() - mixture_mean(0.25, 10.0, 2.0)) < 0.5)
    (2000, True)
    """
    if not 0 <= share_b <= 1:
        raise ValueError(f"share_b must be a fraction between 0 and 1, got {share_b!r}")
    n = int(n)
    n_b = int(rng.binomial(n, share_b))
    return np.concatenate([lognormal_sample(rng, n - n_b, mean_a, sigma),
                           lognormal_sample(rng, n_b, mean_b, sigma)])
