"""Comparing two quantities: a ratio and a relative change.

Shared by every section that says "N× more" or "20 % fewer"; ``mlsysim.models.incidents`` re-exports
both under the same names::

    ratio(a, b)                = a / b                   a multiplier (3.2×) or an average per unit
    relative_change(b, a)      = a / b − 1               −0.2 means 20 % less than before
"""
from __future__ import annotations

__all__ = ["ratio", "relative_change"]


def ratio(after: float, before: float) -> float:
    """after / before: a multiplier (a latency increase, a speed-up, a cost premium) or an average
    per unit (hours per night, nights per participant).

    >>> ratio(120, 50)
    2.4
    """
    if before == 0:
        raise ValueError("cannot take a ratio to zero")
    return after / before


def relative_change(before: float, after: float) -> float:
    """(after − before) / before, computed as after / before − 1: −0.2 means a 20 % reduction.

    >>> round(relative_change(1_000, 800), 12)
    -0.2
    """
    return ratio(after, before) - 1
