"""Incident response, debugging and the business cost of errors.

Four groups of pure functions, each used by the ``incidents`` section of the book:

**Severity** — the four-level classification of ML incidents, written as rules::

    P0  serving failure (errors, null predictions)                    respond within 15 min
    P1  primary metric down by more than 10 % (relative)              1 h
    P2  significant drift (PSI > 0.3) or a smaller user-facing drop   4 h
    P3  anything else (minor anomaly, no user impact)                 24 h

**Slice analysis** — a traffic-weighted overall accuracy hides weak segments::

    A_overall = Σ_s w_s · a_s            (w_s = traffic share of slice s, Σ w_s = 1)
    error share of s = w_s·(1 − a_s) / (1 − A_overall)

**Attribution and counterfactuals for a linear (logistic) model** — exact SHAP values when the
features are treated as independent, and the smallest one-feature change that flips a decision::

    φ_j(x) = w_j · (x_j − E[x_j])          (contribution to the logit, log-odds)
    Δx_j   = −(b + w·x) / w_j               (moves the logit to the decision boundary 0)

**Business cost of a threshold** — the stylised error-rate model of the chapter's fraud example::

    FPR(t) = 1 / (1 + e^{ k (t − t_FP)})     falls as the threshold t rises
    FNR(t) = 1 / (1 + e^{−k (t − t_FN)})     rises with t
    E[C](t) = C_FP · FPR(t) + C_FN · FNR(t)  expected cost (USD per decision opportunity)
    t*      = argmin_t E[C](t)
    t_Bayes = C_FP / (C_FP + C_FN)           optimum for calibrated probabilities

and the arithmetic of framing a detection-rate improvement in money (``fraud_*`` functions).
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from typing import NamedTuple

import numpy as np

from ..core.constants import DAYS_PER_MONTH, DAYS_PER_YEAR, MONTHS_PER_YEAR
from .accuracy import mixture_accuracy
from .compare import ratio, relative_change  # re-exported: one formula, in models.compare

__all__ = [
    "SEVERITY_LEVELS", "classify_severity", "response_minutes",
    "overall_accuracy", "error_shares", "rescale_shares", "accuracy_without", "slice_impact",
    "simulate_stale_feature_incident", "fit_logistic", "predict_logit", "linear_attributions",
    "counterfactual_value",
    "error_rates", "expected_cost", "optimal_threshold", "bayes_threshold",
    "miss_reduction", "fraud_volume_implied", "fraud_loss_prevented", "breakeven_spend",
    "frauds_caught", "fraud_prevalence", "alerts_avoided_per_year", "annual_alert_savings", "false_alert_rate_drop",
    "ratio", "relative_change",
    "SliceAttribution", "slice_error_attributions",
]

# ── severity ─────────────────────────────────────────────────────────────────
#: level → (criteria, response time in minutes, example).  The four-level P0–P3 scheme with response
#: targets of 15 min / 1 h / 4 h / 24 h is the book's severity table (sec-incidents,
#: tbl-severity-examples), following the priority levels common in on-call practice; the response
#: times are the chapter's targets, not measured values.
SEVERITY_LEVELS = {
    "P0": ("Complete model failure, serving errors", 15, "Model returns null predictions"),
    "P1": ("Significant accuracy degradation (>10%)", 60, "Recommendation CTR drops 15%"),
    "P2": ("Moderate drift, localized impact", 4 * 60, "One feature shows PSI > 0.3"),
    "P3": ("Minor anomalies, no user impact", 24 * 60, "Training pipeline delay"),
}

P1_DROP = 0.10     # relative drop of the primary metric above which an incident is P1 (the P1 row above)
P2_PSI = 0.30      # PSI above which a single feature's drift is a P2 on its own (the P2 row's example;
                   # above drift.PSI_ALERT = 0.2, the "significant shift" band)


def classify_severity(serving_failure: bool = False, metric_drop: float = 0.0, max_psi: float = 0.0,
                      user_impact: bool = True) -> str:
    """Severity level ``"P0"``…``"P3"`` of an ML incident.

    ``metric_drop`` is the *relative* fall of the primary metric (0.12 = down 12 %); ``max_psi`` the
    largest population stability index among monitored features.  Rules, first match wins:
    serving failure → P0; drop > 10 % → P1; PSI > 0.3, or a smaller drop that users feel → P2;
    otherwise P3.
    """
    if not 0 <= metric_drop <= 1:
        raise ValueError(f"metric_drop is a relative fall between 0 and 1, got {metric_drop}")
    if max_psi < 0:
        raise ValueError(f"PSI cannot be negative, got {max_psi}")
    if serving_failure:
        return "P0"
    if metric_drop > P1_DROP:
        return "P1"
    if max_psi > P2_PSI or (metric_drop > 0 and user_impact):
        return "P2"
    return "P3"


def response_minutes(level: str) -> int:
    """Target time to respond to an incident of ``level`` (minutes)."""
    try:
        return SEVERITY_LEVELS[level][1]
    except KeyError:
        raise ValueError(f"unknown severity {level!r}; use one of {', '.join(SEVERITY_LEVELS)}") from None


# ── slice analysis ───────────────────────────────────────────────────────────
def _shares_and_acc(shares: Sequence[float], accuracies: Sequence[float]):
    w = np.asarray(shares, dtype=float)
    a = np.asarray(accuracies, dtype=float)
    if w.ndim != 1:
        raise ValueError("need one traffic share per accuracy")
    mixture_accuracy(w, a)                   # the one validator of shares and accuracies
    return w, a


overall_accuracy = mixture_accuracy      # Σ w_s·a_s, one definition in mlsysim.models.accuracy


def rescale_shares(shares: Sequence[float], index: int, new_share: float) -> tuple[float, ...]:
    """Give slice ``index`` the traffic share ``new_share`` and scale the other slices so that the
    shares still sum to 1 and keep their relative sizes."""
    w = np.asarray(shares, dtype=float)
    if not 0 <= new_share <= 1:
        raise ValueError(f"a traffic share lies between 0 and 1, got {new_share}")
    rest = w.sum() - w[index]
    if rest <= 0:
        raise ValueError("the other slices have no traffic to rescale")
    out = w * (1 - new_share) / rest
    out[index] = new_share
    return tuple(float(x) for x in out)


def error_shares(shares: Sequence[float], accuracies: Sequence[float]) -> np.ndarray:
    """Fraction of all errors that each slice produces: w_s(1 − a_s) / Σ w(1 − a)."""
    w, a = _shares_and_acc(shares, accuracies)
    errors = w * (1 - a)
    total = errors.sum()
    if total == 0:
        return np.zeros_like(errors)
    return errors / total


def accuracy_without(shares: Sequence[float], accuracies: Sequence[float], index: int) -> float:
    """Overall accuracy of the traffic that remains when slice ``index`` is removed."""
    w, a = _shares_and_acc(shares, accuracies)
    keep = np.ones(w.size, dtype=bool)
    keep[index] = False
    if w[keep].sum() == 0:
        raise ValueError("no traffic is left once the slice is removed")
    return float(np.dot(w[keep], a[keep]) / w[keep].sum())


def slice_impact(accuracy: float, overall: float, minor_gap: float = 0.01, severe_gap: float = 0.10) -> str:
    """Label a slice by how far it falls below the overall accuracy (gaps are fractions:
    0.01 = one percentage point).  Below by more than ``severe_gap`` → "Severe — investigate";
    by more than ``minor_gap`` → "Minor degradation"; otherwise "Nominal"."""
    if not 0 <= minor_gap <= severe_gap:
        raise ValueError("need 0 ≤ minor_gap ≤ severe_gap")
    gap = overall - accuracy
    if gap > severe_gap:
        return "Severe — investigate"
    if gap > minor_gap:
        return "Minor degradation"
    return "Nominal"


# ── attribution and counterfactuals (linear models) ──────────────────────────
FEATURES = ("session_minutes", "pages_viewed", "days_since_visit")


def simulate_stale_feature_incident(n: int = 8000, seed: int = 2026, stale_value: float = 30.0,
                                    tablet_share: float = 0.05) -> dict:
    """Synthetic engagement data in which the feature store stopped refreshing one feature
    (``days_since_visit``) for tablet users: at serving time tablets report ``stale_value``.

    Returns a dict with the feature matrix seen in training (``X_train``, ``y_train``), the
    serving-time matrix (``X_serve``, true values ``X_true``), labels ``y_serve`` and the device of
    each serving request (``device``: array of str).  Deterministic for a given ``seed``.
    """
    rng = np.random.default_rng(seed)

    def draw(m):
        session = rng.gamma(2.0, 3.0, m)                 # minutes per session
        pages = rng.poisson(4.0, m).astype(float)
        recency = rng.exponential(5.0, m)                # days since the previous visit
        X = np.column_stack([session, pages, recency])
        logit = -2.0 + 0.5 * session + 0.6 * pages - 0.7 * recency
        y = (rng.random(m) < 1 / (1 + np.exp(-logit))).astype(int)
        return X, y

    X_train, y_train = draw(n)
    X_true, y_serve = draw(n)
    device = rng.choice(["desktop", "ios", "android", "tablet"], size=n,
                        p=[0.45, 0.30, 0.20 + 0.05 - tablet_share, tablet_share])
    X_serve = X_true.copy()
    X_serve[device == "tablet", 2] = stale_value         # the stale feature
    return {"X_train": X_train, "y_train": y_train, "X_true": X_true, "X_serve": X_serve,
            "y_serve": y_serve, "device": device, "features": FEATURES}


def fit_logistic(X, y, l2: float = 0.0) -> tuple[float, np.ndarray]:
    """Logistic regression by maximum likelihood: L-BFGS on the mean log-loss of standardised
    features (optionally with an L2 penalty ``l2``·|w|² on the standardised weights).
    Returns ``(intercept, weights)`` in the original feature units."""
    from scipy.optimize import minimize

    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    mu, sd = X.mean(axis=0), X.std(axis=0)
    sd[sd == 0] = 1.0
    Z = (X - mu) / sd

    def loss(theta):
        b, w = theta[0], theta[1:]
        z = b + Z @ w
        value = np.mean(np.logaddexp(0, z) - y * z) + l2 * np.dot(w, w)
        p = 1 / (1 + np.exp(-z))
        grad = np.concatenate([[np.mean(p - y)], Z.T @ (p - y) / len(y) + 2 * l2 * w])
        return value, grad

    res = minimize(loss, np.zeros(X.shape[1] + 1), jac=True, method="L-BFGS-B",
                   options={"gtol": 1e-10, "ftol": 1e-15, "maxiter": 1000})
    w = res.x[1:] / sd                                   # back to the original feature units
    b = res.x[0] - np.dot(w, mu)
    return float(b), w


def predict_logit(b: float, w, X) -> np.ndarray:
    """Logit b + X·w of a linear model."""
    return b + np.asarray(X, dtype=float) @ np.asarray(w, dtype=float)


def linear_attributions(w, X, baseline) -> np.ndarray:
    """Exact SHAP values of a linear model on the logit scale (independent features):
    φ_ij = w_j·(x_ij − baseline_j), where ``baseline`` is the mean of the background data.
    Each row sums to logit(x_i) − logit(baseline)."""
    return (np.asarray(X, dtype=float) - np.asarray(baseline, dtype=float)) * np.asarray(w, dtype=float)


def counterfactual_value(b: float, w, x, j: int, margin: float = 0.0) -> float:
    """Value of feature ``j`` at which the linear model's decision for ``x`` flips
    (logit = ``margin``), all other features unchanged: x_j − (logit(x) − margin)/w_j."""
    w = np.asarray(w, dtype=float)
    if w[j] == 0:
        return math.inf
    logit = float(b + np.dot(w, x))
    return float(x[j] - (logit - margin) / w[j])


# ── business cost of a threshold ─────────────────────────────────────────────
def error_rates(t, fp_centre: float = 0.3, fn_centre: float = 0.7, steepness: float = 8.0):
    """Stylised false-positive and false-negative rates at threshold ``t`` (logistic curves)."""
    t = np.asarray(t, dtype=float)
    fpr = 1 / (1 + np.exp(steepness * (t - fp_centre)))
    fnr = 1 / (1 + np.exp(-steepness * (t - fn_centre)))
    if fpr.ndim == 0:
        return float(fpr), float(fnr)
    return fpr, fnr


def expected_cost(t, fp_cost: float, fn_cost: float, fp_centre: float = 0.3, fn_centre: float = 0.7,
                  steepness: float = 8.0):
    """E[C](t) = C_FP·FPR(t) + C_FN·FNR(t) (USD)."""
    if fp_cost < 0 or fn_cost < 0:
        raise ValueError("error costs must be non-negative")
    fpr, fnr = error_rates(t, fp_centre, fn_centre, steepness)
    return fp_cost * fpr + fn_cost * fnr


def optimal_threshold(fp_cost: float, fn_cost: float, fp_centre: float = 0.3, fn_centre: float = 0.7,
                      steepness: float = 8.0, lo: float = 0.0, hi: float = 1.0) -> tuple[float, float]:
    """Threshold in [lo, hi] that minimises :func:`expected_cost`, and the cost there.

    A fine grid finds the basin of the global minimum; Brent's bounded method
    (``scipy.optimize.minimize_scalar``) refines it to about 1e-8 (scipy's relative x tolerance, not the
    requested ``xatol``, sets that limit).
    """
    from scipy.optimize import minimize_scalar

    args = (fp_cost, fn_cost, fp_centre, fn_centre, steepness)
    grid = np.linspace(lo, hi, 2001)
    costs = expected_cost(grid, *args)
    i = int(np.argmin(costs))
    a, b = grid[max(i - 1, 0)], grid[min(i + 1, grid.size - 1)]
    res = minimize_scalar(lambda x: expected_cost(x, *args), bounds=(a, b), method="bounded",
                          options={"xatol": 1e-10})
    t, c = (float(res.x), float(res.fun)) if res.fun <= costs[i] else (float(grid[i]), float(costs[i]))
    return t, c


def bayes_threshold(fp_cost: float, fn_cost: float) -> float:
    """Cost-minimising threshold on a *calibrated* probability of the positive class:
    flag when p > C_FP / (C_FP + C_FN)."""
    if fp_cost < 0 or fn_cost < 0 or fp_cost + fn_cost == 0:
        raise ValueError("error costs must be non-negative and not both zero")
    return fp_cost / (fp_cost + fn_cost)


# ── framing an improvement in money ──────────────────────────────────────────
def miss_reduction(detect_before: float, detect_after: float) -> float:
    """Relative fall in missed cases when the detection rate rises: 1 − (1−after)/(1−before)."""
    if not 0 <= detect_before < 1 or not 0 <= detect_after <= 1:
        raise ValueError("detection rates are fractions, and 'before' must be below 1")
    return 1 - (1 - detect_after) / (1 - detect_before)


def fraud_volume_implied(loss_prevented: float, cost_per_miss: float, detect_before: float,
                         detect_after: float) -> float:
    """Fraud attempts per period that make a detection gain worth ``loss_prevented``:
    N = L / (C_miss · (d_after − d_before))."""
    gain = detect_after - detect_before
    if gain <= 0 or cost_per_miss <= 0:
        raise ValueError("need a positive detection gain and a positive cost per missed fraud")
    return loss_prevented / (cost_per_miss * gain)


def fraud_loss_prevented(fraud_volume: float, cost_per_miss: float, detect_before: float,
                         detect_after: float) -> float:
    """Loss avoided per period: N · C_miss · (d_after − d_before)."""
    return fraud_volume * cost_per_miss * (detect_after - detect_before)


def frauds_caught(loss_prevented: float, cost_per_miss: float) -> float:
    """Extra frauds caught a year: loss prevented [USD/year] / cost of one missed fraud [USD]."""
    if not cost_per_miss > 0:
        raise ValueError("the cost of a missed fraud must be positive")
    return loss_prevented / cost_per_miss


def fraud_prevalence(frauds_per_year: float, transactions_per_day: float) -> float:
    """Share of transactions that are fraudulent: frauds a year / (transactions a day · DAYS_PER_YEAR)."""
    if not transactions_per_day > 0:
        raise ValueError("transactions per day must be positive")
    return frauds_per_year / (transactions_per_day * DAYS_PER_YEAR)


def alerts_avoided_per_year(alerts_per_day_before: float, alerts_per_day_after: float,
                            days_per_year: float = DAYS_PER_YEAR) -> float:
    """Alerts no longer raised in a year: (alerts a day before − after) · days per year.

    >>> alerts_avoided_per_year(1_000, 800)
    73000
    """
    return (alerts_per_day_before - alerts_per_day_after) * days_per_year


def annual_alert_savings(false_alerts_avoided_per_month: float, cost_per_false_alert: float) -> float:
    """Yearly value of the false alerts no longer raised: alerts avoided a month · 12 · cost per alert."""
    return false_alerts_avoided_per_month * MONTHS_PER_YEAR * cost_per_false_alert


def false_alert_rate_drop(false_alerts_avoided_per_month: float, transactions_per_day: float) -> float:
    """Fall of the false-positive rate: alerts avoided a month / transactions a month (a month of
    DAYS_PER_MONTH days)."""
    if not transactions_per_day > 0:
        raise ValueError("transactions per day must be positive")
    return false_alerts_avoided_per_month / (transactions_per_day * DAYS_PER_MONTH)


def breakeven_spend(annual_benefit: float, cost_increase: float) -> float:
    """Largest current spend for which raising it by ``cost_increase`` (a fraction) still costs
    less than ``annual_benefit``: benefit / increase."""
    if cost_increase <= 0:
        raise ValueError("the cost increase must be positive")
    return annual_benefit / cost_increase


class SliceAttribution(NamedTuple):
    """Mispredictions inside one slice of traffic against those outside it."""
    n_errors: int                 #: mispredicted rows inside the slice
    mean_abs_slice: np.ndarray    #: mean |φ_j| per feature over the slice's errors
    mean_abs_other: np.ndarray    #: mean |φ_j| per feature over the other errors
    first_error: int              #: row index of the slice's first misprediction


def slice_error_attributions(w, X, baseline, errors, in_slice) -> SliceAttribution:
    """Mean absolute attribution per feature (:func:`linear_attributions`) of the mispredicted rows
    inside a slice (``errors & in_slice``) and outside it (``errors & ~in_slice``), with the number
    of errors in the slice and the row of its first one — how an incident review finds the feature
    behind one segment's failures.

    >>> r = slice_error_attributions([2.0, 1.0], [[1, 0], [3, 1], [0, 0], [1, 4]], [0.5, 0.5],
    ...                              [True, True, False, True], [False, True, False, False])
    >>> r.n_errors, r.first_error, r.mean_abs_slice.tolist(), r.mean_abs_other.tolist()
    (1, 1, [5.0, 0.5], [1.0, 2.0])
    """
    errors, in_slice = np.asarray(errors, dtype=bool), np.asarray(in_slice, dtype=bool)
    X = np.asarray(X, dtype=float)
    if errors.shape != in_slice.shape or errors.shape != (len(X),):
        raise ValueError("errors and in_slice need one flag per row of X")
    inside, outside = errors & in_slice, errors & ~in_slice
    if not inside.any():
        raise ValueError("the slice has no mispredicted rows to attribute")

    def mean_abs(rows):
        return np.abs(linear_attributions(w, X[rows], baseline)).mean(axis=0)
    return SliceAttribution(int(inside.sum()), mean_abs(inside), mean_abs(outside), int(np.flatnonzero(inside)[0]))
