"""Pipelines: the cost of silent failures, and why notebook cell order matters.

Silent-failure cost (money in USD, time in days)::

    loss per incident      L(d)  = R · q · d / 365            R annual revenue, q fractional quality drop,
                                                              d days until the failure is detected
    saving per incident    ΔL    = L(d_manual) − L(d_auto)
    annual saving          S     = N · ΔL                     N incidents per year

``L`` assumes revenue falls in proportion to the quality drop while the failure goes unnoticed,
and that it is repaired as soon as it is detected.  When checks run every ``P`` days and an
incident can start at any moment, it waits between 0 and ``P`` days to be caught — ``P`` in the
worst case, ``P/2`` on average (:func:`detection_delay`).

The notebook helper :func:`run_in_order` executes code cells in a chosen order in one fresh
namespace, which is how a notebook's hidden state dependencies are demonstrated.
"""
from __future__ import annotations

import numpy as np

from mlsysim.core.constants import DAYS_PER_YEAR

from ._checks import nonneg as _nonneg

__all__ = ["incident_loss", "saving_per_incident", "annual_saving", "detection_delay", "run_in_order"]


def incident_loss(annual_revenue: float, quality_drop: float, detection_days,
                  days_per_year: float = DAYS_PER_YEAR):
    """Revenue lost while one silent failure goes undetected: R·q·d/365 (USD). ``detection_days``
    may be an array (a curve of losses)."""
    _nonneg(annual_revenue=annual_revenue, detection_days=detection_days)
    if not 0 <= quality_drop <= 1:
        raise ValueError(f"quality_drop is a fraction in [0, 1], got {quality_drop!r}")
    value = annual_revenue * quality_drop * np.asarray(detection_days, dtype=float) / days_per_year
    return float(value) if value.ndim == 0 else value


def saving_per_incident(annual_revenue: float, quality_drop: float, days_manual: float,
                        days_auto: float, days_per_year: float = DAYS_PER_YEAR) -> float:
    """ΔL = L(d_manual) − L(d_auto): what faster detection saves on one incident (negative if slower)."""
    return (incident_loss(annual_revenue, quality_drop, days_manual, days_per_year)
            - incident_loss(annual_revenue, quality_drop, days_auto, days_per_year))


def annual_saving(annual_revenue: float, quality_drop: float, days_manual: float, days_auto: float,
                  incidents_per_year: float, days_per_year: float = DAYS_PER_YEAR) -> float:
    """S = N·ΔL: yearly saving of detecting each of N incidents in ``days_auto`` instead of ``days_manual``."""
    _nonneg(incidents_per_year=incidents_per_year)
    return incidents_per_year * saving_per_incident(annual_revenue, quality_drop, days_manual,
                                                    days_auto, days_per_year)


def detection_delay(check_interval: float, case: str = "mean") -> float:
    """Days from the start of an incident to the next periodic check.

    An incident starting at a uniformly random moment between checks ``P`` days apart waits
    ``P/2`` days on average (``case="mean"``) and ``P`` days at worst (``case="worst"``).
    """
    _nonneg(check_interval=check_interval)
    if case == "mean":
        return check_interval / 2
    if case == "worst":
        return float(check_interval)
    raise ValueError(f"case must be 'mean' or 'worst', got {case!r}")


def run_in_order(cells, order):
    """Execute ``cells`` (a list of code strings, numbered from 1) in ``order`` in a fresh namespace.

    Returns ``(namespace, None)`` on success or ``(namespace, "cell k: ErrorType: message")`` at
    the first failing cell — how a pipeline that runs cells top to bottom discovers that a
    notebook only worked because its author ran them out of order.
    """
    ns: dict = {}
    for k in order:
        if not 1 <= k <= len(cells):
            raise ValueError(f"there is no cell {k}; cells are numbered 1 to {len(cells)}")
        try:
            exec(compile(cells[k - 1], f"<cell {k}>", "exec"), ns)  # noqa: S102 – teaching example
        except Exception as exc:  # noqa: BLE001 – report any failure the way a pipeline would
            ns.pop("__builtins__", None)
            return ns, f"cell {k}: {type(exc).__name__}: {exc}"
    ns.pop("__builtins__", None)
    return ns, None
