"""Accuracy as a concept shared by several sections: its decay law read backwards, and the accuracy
of a model over a mix of traffic segments.

Each formula lives here once; the section modules that first needed them re-export them under the
names their notebooks use (``ops_costs.implied_decay_rate`` and ``economics.implied_decay_rate``;
``incidents.overall_accuracy`` and ``skew.segment_mix_accuracy``)::

    implied_decay_rate(A_before, A_after, Δt) = ln(A_before / A_after) / Δt
        the rate λ of A(t) = A0·e^(−λt) (mlsysim.models.retraining.accuracy) through two readings
    decay_rate_between(t0, A0, t1, A1) = implied_decay_rate(A0, A1, t1 − t0)      readings at times t0 < t1
    accuracy_at(t, t0, A0, λ) = A0·e^(−λ(t − t0))                                 projected from a reading
    accuracy_drop(A_before, A_after) = A_before − A_after
    detection_lateness(t_needed, t_noticed) = t_noticed − t_needed
    mixture_accuracy(w, a) = Σ_k w_k · a_k
        traffic shares w_k (non-negative, summing to 1) and per-segment accuracies a_k
"""
from __future__ import annotations

import math

import numpy as np

__all__ = ["implied_decay_rate", "mixture_accuracy", "accuracy_drop", "decay_rate_between", "accuracy_at",
           "detection_lateness"]


def implied_decay_rate(accuracy_before: float, accuracy_after: float, elapsed: float) -> float:
    """Decay rate λ [1/time unit of ``elapsed``] for which A0·e^(−λ·Δt) turns ``accuracy_before``
    into ``accuracy_after``: λ = ln(A_before / A_after) / Δt.  Negative if accuracy rose.

    >>> round(implied_decay_rate(0.94, 0.88, 3), 4)
    0.022
    """
    if not (0 < accuracy_before <= 1 and 0 < accuracy_after <= 1):
        raise ValueError("accuracies must be fractions in (0, 1]")
    if not elapsed > 0:
        raise ValueError("elapsed time must be positive")
    return math.log(accuracy_before / accuracy_after) / elapsed


def mixture_accuracy(shares, accuracies):
    """Accuracy of one model over a traffic mix: A = Σ_k w_k·a_k.

    ``shares`` has shape (K,) or (..., K) (each row sums to 1, e.g. the daily share of each sales
    channel); ``accuracies`` has shape (K,).  Returns a float for one mix, an array for many.

    >>> round(mixture_accuracy([0.9, 0.1], [0.92, 0.70]), 3)
    0.898
    """
    w = np.asarray(shares, dtype=float)
    a = np.asarray(accuracies, dtype=float)
    if w.ndim == 0 or a.ndim != 1 or a.size == 0 or w.shape[-1] != a.shape[-1]:
        raise ValueError("need one traffic share per accuracy (one accuracy per segment)")
    if not np.all(np.isfinite(w)) or np.any(w < 0) or not np.allclose(w.sum(axis=-1), 1.0, rtol=0, atol=1e-9):
        total = w.sum(axis=-1)
        raise ValueError("traffic shares must be non-negative and sum to 1 "
                         f"(they sum to {np.round(total, 6).tolist()})")
    if not np.all(np.isfinite(a)) or np.any((a < 0) | (a > 1)):
        raise ValueError("accuracies must be fractions between 0 and 1")
    value = w @ a
    return float(value) if np.ndim(value) == 0 else value


def accuracy_drop(accuracy_before: float, accuracy_after: float) -> float:
    """How much accuracy fell, as a fraction (0.03 = three points): A_before − A_after.

    >>> round(accuracy_drop(0.94, 0.86), 12)
    0.08
    """
    return accuracy_before - accuracy_after


def decay_rate_between(t_before: float, accuracy_before: float, t_after: float, accuracy_after: float) -> float:
    """The decay rate λ through two readings taken at times ``t_before`` < ``t_after`` (any unit,
    e.g. week numbers): :func:`implied_decay_rate` over the elapsed time t_after − t_before.

    >>> round(decay_rate_between(2, 0.94, 5, 0.88), 4)
    0.022
    """
    return implied_decay_rate(accuracy_before, accuracy_after, t_after - t_before)


def accuracy_at(t: float, t0: float, accuracy0: float, lam: float) -> float:
    """Accuracy at time ``t`` of a model that had ``accuracy0`` at time ``t0`` and decays at rate λ:
    A0·e^(−λ(t − t0)) (``mlsysim.models.retraining.accuracy`` on the elapsed time).

    >>> round(accuracy_at(12, 2, 0.9, 0.01), 6)
    0.814354
    """
    from .retraining import accuracy
    return accuracy(t - t0, accuracy0, lam)


def detection_lateness(needed_at: float, noticed_at: float) -> float:
    """How long a degraded model ran unnoticed: the time it was noticed minus the time action was
    needed (negative when monitoring noticed it in time).

    >>> detection_lateness(9, 14)
    5
    """
    return noticed_at - needed_at
