"""Units and plain constants.

Plain numbers (``MILLION``, ``DAYS_PER_YEAR`` …) are ordinary module attributes and cost nothing.
Units (``byte``, ``GB``, ``second``, ``day`` …) come from a pint registry that is created on first
use only: building a registry costs about a third of a second, which a reader who only wants a
formula should not pay.  ``from mlsysim.core.constants import byte, GB`` triggers that creation;
``(8 * 25_920_000 * byte).m_as(GB)`` then works as in pint.
"""
from __future__ import annotations

import functools

# ── plain constants ────────────────────────────────────────────────────────────
THOUSAND = 1_000
MILLION = 1_000_000
BILLION = 1_000_000_000
TRILLION = 1_000_000_000_000

SECONDS_PER_MINUTE = 60
MINUTES_PER_HOUR = 60
HOURS_PER_DAY = 24
DAYS_PER_WEEK = 7
DAYS_PER_YEAR = 365
WEEKS_PER_YEAR = 52
MONTHS_PER_YEAR = 12
#: The book's one month: a 30-day planning/billing month (monitoring prices are quoted per month of
#: 30 days).  Every "per month" in models and notebooks uses it, so 12 months are 360 days, not 365;
#: where a calendar year matters, formulas use DAYS_PER_YEAR directly.
DAYS_PER_MONTH = 30
SECONDS_PER_HOUR = SECONDS_PER_MINUTE * MINUTES_PER_HOUR
SECONDS_PER_DAY = SECONDS_PER_HOUR * HOURS_PER_DAY
MS_PER_SECOND = 1_000

# ── units (lazy) ──────────────────────────────────────────────────────────────
# Names exported as units, mapped to the pint expression that defines them.
_UNITS = {
    "byte": "byte", "bit": "bit",
    "KB": "kilobyte", "MB": "megabyte", "GB": "gigabyte", "TB": "terabyte", "PB": "petabyte",
    "KiB": "kibibyte", "MiB": "mebibyte", "GiB": "gibibyte", "TiB": "tebibyte",
    "second": "second", "ms": "millisecond", "us": "microsecond", "minute": "minute",
    "hour": "hour", "day": "day", "week": "week", "year": "year",
    "USD": "USD", "query": "query", "FLOP": "FLOP",
}


@functools.lru_cache(maxsize=1)
def ureg():
    """The book's single pint registry (created on first call)."""
    import pint

    reg = pint.UnitRegistry()
    reg.define("USD = [currency] = dollar")
    reg.define("query = [queries]")
    reg.define("FLOP = [flop]")
    reg.formatter.default_format = "~P"
    return reg


def Q_(value, unit: str):
    """Build a quantity in the book's registry: ``Q_(3, 'ms')``."""
    return ureg().Quantity(value, unit)


def __getattr__(name: str):
    if name in _UNITS:
        unit = getattr(ureg(), _UNITS[name])
        globals()[name] = unit          # later look-ups skip this function
        return unit
    raise AttributeError(f"module 'mlsysim.core.constants' has no attribute {name!r}")


def __dir__():
    return sorted(list(globals()) + list(_UNITS))
