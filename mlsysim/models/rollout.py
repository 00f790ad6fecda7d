"""Releasing a model: how long a canary must run, and how fast the way back must be.

A canary sends a share ``s`` of the ``R`` requests an hour to the candidate model and the rest to the
incumbent.  To tell an accuracy drop of ``δ`` (absolute: 0.02 = two points) from noise, with each
prediction a 0/1 outcome (right or wrong) of variance ``p (1 − p)``, each side needs (two-sided test,
normal approximation, the A/B formula of :mod:`mlsysim.models.experiments`)::

    n per side   = 2 (z_{α/2} + z_β)² p (1 − p) / δ²
    canary hours = n / (R · min(s, 1 − s))            (the smaller side fills last)

If the candidate really is ``δ`` worse, every request it answers is wrong ``δ`` more often than the
incumbent's.  Caught when the canary reaches its sample and then rolled back within a tier's time
limit ``t``, it serves ``s · R · (T + t)`` requests and so causes::

    extra wrong answers = δ · s · R · (T + t)

Rollback tiers (time to restore the previous model, in hours): immediate — a warm standby, under a
minute; rapid — the registry's previous version, within 15 minutes; delayed — a full redeployment
with state migration, within 4 hours.  A rollback plan for a risk budget ``B`` (the extra wrong answers
a bad release may cause) takes the slowest, cheapest tier whose exposure stays within ``B``; when even
the immediate tier exceeds it, the candidate should run as a *shadow* first, which serves no answers
while its predictions are compared.
"""
from __future__ import annotations

import math

from mlsysim.models import experiments

__all__ = ["ROLLBACK_TIERS", "canary_predictions", "canary_hours", "excess_wrong_answers",
           "exposure_by_tier", "rollback_plan"]

#: Time limit of each rollback tier in hours, slowest (cheapest to provide) first.
ROLLBACK_TIERS: dict[str, float] = {"delayed": 4.0, "rapid": 0.25, "immediate": 1 / 60}


def canary_predictions(accuracy: float, drop: float, alpha: float = 0.05, power: float = 0.80) -> float:
    """Predictions each side of a canary needs to tell an accuracy drop ``drop`` (absolute) from noise
    when the incumbent is right with probability ``accuracy``: 2 (z_{α/2} + z_β)² p(1 − p) / δ²
    (not rounded up)."""
    if drop <= 0:
        raise ValueError(f"the accuracy drop to detect must be positive, got {drop!r}")
    if not accuracy - drop > 0:
        raise ValueError(f"a drop of {drop!r} from an accuracy of {accuracy!r} leaves no accuracy")
    sigma = math.sqrt(experiments.bernoulli_variance(accuracy))
    return experiments.sample_size(sigma, drop, alpha, power)


def canary_hours(n_per_side: float, requests_per_hour: float, canary_share: float) -> float:
    """Hours until both sides of a canary that gets ``canary_share`` of ``requests_per_hour`` have
    served ``n_per_side`` predictions: n / (R · min(s, 1 − s))."""
    if n_per_side <= 0:
        raise ValueError(f"the predictions per side must be positive, got {n_per_side!r}")
    if requests_per_hour <= 0:
        raise ValueError(f"the request rate must be positive, got {requests_per_hour!r}")
    if not 0 < canary_share < 1:
        raise ValueError(f"the canary's traffic share must be strictly between 0 and 1, got {canary_share!r}")
    return n_per_side / (requests_per_hour * min(canary_share, 1 - canary_share))


def excess_wrong_answers(drop: float, requests_per_hour: float, canary_share: float, hours: float) -> float:
    """Extra wrong answers a candidate ``drop`` less accurate than the incumbent gives while it answers
    ``canary_share`` of ``requests_per_hour`` for ``hours``: δ · s · R · t."""
    if drop < 0 or requests_per_hour < 0 or hours < 0:
        raise ValueError("the drop, the request rate and the time must not be negative")
    if not 0 < canary_share <= 1:
        raise ValueError(f"the candidate's traffic share must be in (0, 1], got {canary_share!r}")
    return drop * canary_share * requests_per_hour * hours


def exposure_by_tier(drop: float, requests_per_hour: float, canary_share: float,
                     canary_hours: float) -> dict[str, float]:
    """Extra wrong answers of a bad candidate caught by the canary after ``canary_hours`` and rolled
    back by each tier of :data:`ROLLBACK_TIERS`: δ · s · R · (T + t_tier)."""
    return {tier: excess_wrong_answers(drop, requests_per_hour, canary_share, canary_hours + limit)
            for tier, limit in ROLLBACK_TIERS.items()}


def rollback_plan(exposure: dict[str, float], risk_budget: float) -> str:
    """The slowest rollback tier whose exposure stays within ``risk_budget`` extra wrong answers, or
    ``"shadow"`` when none does (run the candidate as a shadow first: it serves no answers)."""
    if risk_budget < 0:
        raise ValueError(f"the risk budget must not be negative, got {risk_budget!r}")
    for tier in ROLLBACK_TIERS:
        if exposure[tier] <= risk_budget:
            return tier
    return "shadow"
