"""Input checks shared by the model modules (one definition, one message)."""
from __future__ import annotations

import numpy as np

__all__ = ["nonneg"]


def nonneg(**values) -> None:
    """Raise ``ValueError`` naming the first input that is NaN, infinite or negative.

    Scalars and arrays are accepted (every element is checked).

    >>> nonneg(cost=5.0, days=[0, 1, 2])
    >>> nonneg(cost=float("nan"))
    Traceback (most recent call last):
    ...
    ValueError: cost must be a finite number ≥ 0 (got nan)
    """
    for name, v in values.items():
        arr = np.asarray(v, dtype=float)
        if not np.all(np.isfinite(arr)) or np.any(arr < 0):
            raise ValueError(f"{name} must be a finite number ≥ 0 (got {v!r})")
