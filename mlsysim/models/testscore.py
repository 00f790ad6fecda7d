"""The ML Test Score rubric (Breck et al.): sixteen production-readiness tests in four categories.

Each test earns a score s ∈ {0, 0.5, 1}: 0 = not implemented, 0.5 = partially implemented (or run
by hand), 1 = fully automated.  Two ways of aggregating them are computed::

    S_total = Σ_i s_i                                   the chapter's rule, 0 … 16
    S_min   = min_c Σ_{i ∈ c} s_i                       the paper's rule: the weakest category, 0 … 4

The chapter maps ``S_total`` to a maturity band; the bands are read as half-open intervals
[0, 5), [5, 10), [10, 15), [15, 16] so that every score has exactly one band.
"""
from __future__ import annotations

import math
from collections.abc import Mapping

__all__ = ["CATEGORIES", "TESTS", "ALLOWED", "BANDS", "validate_score", "total_score",
           "category_scores", "weakest_category", "min_category_score", "band", "gaps", "max_score"]

CATEGORIES = ("Data", "Model", "Infrastructure", "Monitoring")
ALLOWED = (0.0, 0.5, 1.0)

#: test id → (category, short label, test, implementation example)
TESTS = {
    "d_schema": ("Data", "schema holds feature expectations",
                 "Feature expectations are captured in a schema", "Great Expectations, TFX Data Validation"),
    "d_beneficial": ("Data", "every feature is useful",
                     "All features are beneficial (no unused features)",
                     "Feature importance analysis, ablation studies"),
    "d_cost": ("Data", "no feature costs more than it gives",
               "No feature's cost exceeds its benefit", "Latency/accuracy trade-off analysis"),
    "d_privacy": ("Data", "privacy controls on the pipeline",
                  "The data pipeline has appropriate privacy controls", "PII detection, access logging"),
    "m_spec": ("Model", "model spec reviewed and versioned",
               "The model specification is reviewed and checked into version control", "Git-tracked model configs"),
    "m_offline_online": ("Model", "offline and online metrics agree",
                         "Offline and online metrics are correlated", "A/B test validation of offline improvements"),
    "m_hyperparams": ("Model", "hyperparameters tuned",
                      "All hyperparameters are tuned", "Automated HPO with tracked results"),
    "m_staleness": ("Model", "staleness measured and bounded",
                    "Model staleness is measured and bounded", "Performance decay monitoring"),
    "i_reproducible": ("Infrastructure", "training is reproducible",
                       "Training is reproducible", "Fixed seeds, versioned data, locked dependencies"),
    "i_rollback": ("Infrastructure", "rollback to previous version",
                   "The model can be rolled back to the previous version", "Model registry with versioning"),
    "i_paths": ("Infrastructure", "train/serve code paths consistent",
                "Training and serving code paths are tested for consistency", "Feature store integration tests"),
    "i_gate": ("Infrastructure", "quality validated before serving",
               "Model quality is validated before serving", "Automated validation gates in CI/CD"),
    "mon_dependencies": ("Monitoring", "dependency changes alert",
                         "Dependency changes result in alerts", "Data schema monitoring"),
    "mon_invariants": ("Monitoring", "data invariants hold",
                       "Data invariants hold in training and serving", "Distribution comparison tests"),
    "mon_skew": ("Monitoring", "no training–serving skew",
                 "Training and serving features are not skewed", "Training-serving skew detection"),
    "mon_retrain": ("Monitoring", "staleness triggers retraining",
                    "Model staleness triggers retraining", "Automated retraining pipelines"),
}

#: (lower bound inclusive, upper bound exclusive, band, what it means)
BANDS = (
    (0.0, 5.0, "Ad hoc",
     "High-risk deployment: critical gaps in reproducibility, monitoring or validation; expect frequent "
     "incidents and hard debugging."),
    (5.0, 10.0, "Developing",
     "Basic automation with gaps remaining; fit for low-stakes internal applications with active "
     "engineering support."),
    (10.0, 15.0, "Mature",
     "Most best practices in place; fit for customer-facing applications with moderate risk tolerance."),
    (15.0, math.inf, "Production-grade",
     "Comprehensive automation, monitoring and validation; fit for safety-critical or high-stakes "
     "applications."),
)


def max_score() -> float:
    """Highest possible total: one point per test."""
    return float(len(TESTS))


def validate_score(test_id: str, value) -> float:
    """A test's score as a float; raises ``ValueError`` unless it is 0, 0.5 or 1."""
    if test_id not in TESTS:
        raise ValueError(f"unknown test {test_id!r}")
    v = float(value)
    if v not in ALLOWED:
        raise ValueError(f"{test_id} = {value!r}: a test scores 0, 0.5 or 1")
    return v


def _checked(scores: Mapping[str, float]) -> dict[str, float]:
    missing = sorted(set(TESTS) - set(scores))
    extra = sorted(set(scores) - set(TESTS))
    if missing or extra:
        raise ValueError(f"scores must cover exactly the {len(TESTS)} tests "
                         f"(missing: {missing or 'none'}; unknown: {extra or 'none'})")
    return {k: validate_score(k, v) for k, v in scores.items()}


def total_score(scores: Mapping[str, float]) -> float:
    """S_total = Σ s_i over all sixteen tests."""
    return sum(_checked(scores).values())


def category_scores(scores: Mapping[str, float]) -> dict[str, float]:
    """Sum of the scores within each category, in :data:`CATEGORIES` order."""
    s = _checked(scores)
    out = {c: 0.0 for c in CATEGORIES}
    for k, v in s.items():
        out[TESTS[k][0]] += v
    return out


def min_category_score(scores: Mapping[str, float]) -> float:
    """The paper's aggregate: the lowest category sum."""
    return min(category_scores(scores).values())


def weakest_category(scores: Mapping[str, float]) -> str:
    """The category with the lowest sum (the first in :data:`CATEGORIES` order on ties)."""
    cats = category_scores(scores)
    return min(CATEGORIES, key=lambda c: cats[c])


def band(total: float) -> tuple[str, str]:
    """(band name, meaning) for a total score."""
    if not 0 <= total <= max_score():
        raise ValueError(f"a total score lies between 0 and {max_score():g}, got {total}")
    for lo, hi, name, meaning in BANDS:
        if lo <= total < hi:
            return name, meaning
    raise AssertionError("bands cover [0, ∞)")  # pragma: no cover


def gaps(scores: Mapping[str, float]) -> list[str]:
    """Ids of the tests scored 0, in rubric order."""
    s = _checked(scores)
    return [k for k in TESTS if s[k] == 0]
