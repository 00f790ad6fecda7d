"""Formatting of numbers for prose, and the guard functions used by Calculations.

Every number that appears in a sentence of the book passes through one of these helpers, so the
same value is always written the same way (``365,000``, ``$5,000``, ``2.0%``, ``4×``, ``1.0 days``).
"""
from __future__ import annotations

import math
from numbers import Real

__all__ = [
    "fmt", "fmt_usd", "fmt_pct", "fmt_mult", "fmt_duration", "fmt_sig",
    "check", "claim", "GuardError", "ClaimError", "md_table", "Text",
]


class Text(str):
    """A formatted number: a ``str`` whose ``repr`` is the text itself.

    Inline ``{eval}`` roles (website and JupyterLab) show an object's ``repr``; for a plain ``str``
    that would add quotes (``'1,000'``).  Every helper here returns ``Text`` so prose reads ``1,000``.
    """

    __slots__ = ()

    def __repr__(self):
        return str.__str__(self)


class GuardError(Exception):
    """An invariant of a calculation does not hold. The message is meant for a reader, verbatim."""


class ClaimError(GuardError):
    """A sentence of the book claims something about its scenario that the numbers no longer support."""


def check(condition, message: str) -> None:
    """Raise :class:`GuardError` with ``message`` (shown verbatim) when ``condition`` is false."""
    if not condition:
        raise GuardError(message)


def claim(condition, message: str) -> None:
    """Assert a *scenario claim*: something the prose states about the book's own numbers.

    Put it next to the sentence that makes the claim; if an input or a formula changes so that the
    sentence is no longer true, executing the notebook (and so building the book) fails here.
    """
    if not condition:
        raise ClaimError(f"The text's claim no longer holds: {message}")


def _number(value, what: str = "value") -> float:
    if hasattr(value, "magnitude"):          # a pint quantity: format its magnitude
        value = value.magnitude
    if isinstance(value, bool) or not isinstance(value, Real):
        try:
            value = float(value)             # numpy scalars and 0-d arrays
        except (TypeError, ValueError):
            raise TypeError(f"cannot format {what} {value!r}: not a number") from None
    return float(value)


def fmt(value, precision: int = 2, commas: bool = True) -> str:
    """``fmt(365000, precision=0, commas=True) == "365,000"``; ``fmt(0.456, 1) == "0.5"``.

    Negative zero is written ``0``; infinities as ``∞``; NaN as ``n/a``.
    """
    x = _number(value)
    if math.isnan(x):
        return Text("n/a")
    if math.isinf(x):
        return Text("∞" if x > 0 else "−∞")
    text = f"{x:,.{precision}f}" if commas else f"{x:.{precision}f}"
    if float(text.replace(",", "")) == 0:
        text = text.lstrip("-")
    return Text(text)


def fmt_sig(value, digits: int = 2, commas: bool = True) -> str:
    """Round to ``digits`` significant figures (``fmt_sig(0.012345) == "0.012"``)."""
    x = _number(value)
    if x == 0 or not math.isfinite(x):
        return fmt(x, 0, commas)
    decimals = digits - 1 - math.floor(math.log10(abs(x)))
    return fmt(round(x, decimals), max(0, decimals), commas)


def fmt_usd(value, precision: int = 0, commas: bool = True) -> str:
    """Money: ``fmt_usd(5000) == "$5,000"``, ``fmt_usd(-20) == "−$20"``."""
    x = _number(value)
    body = fmt(abs(x), precision, commas)
    return Text(("−$" if x < 0 and body.strip("0.,") else "$") + body)


def fmt_pct(fraction, precision: int = 1) -> str:
    """A fraction as a percentage: ``fmt_pct(0.02, 0) == "2%"``."""
    return Text(fmt(_number(fraction) * 100, precision, commas=True) + "%")


def fmt_mult(ratio, precision: int = 1) -> str:
    """A multiplier: ``fmt_mult(4) == "4.0×"``."""
    return Text(fmt(ratio, precision, commas=True) + "×")


_DURATION_UNITS = (("year", 365 * 86400), ("day", 86400), ("hour", 3600), ("minute", 60),
                   ("second", 1), ("ms", 1e-3), ("µs", 1e-6))


def fmt_duration(seconds, precision: int = 1, unit: str | None = None) -> str:
    """A duration in the largest unit that keeps the number ≥ 1 (or in ``unit``):
    ``fmt_duration(86400 * 1.03) == "1.0 day"``, ``fmt_duration(0.25) == "250.0 ms"``."""
    s = _number(seconds, "duration")
    if not math.isfinite(s):
        return Text("never") if s > 0 else fmt(s)
    if unit is None:
        name, size = next(((n, z) for n, z in _DURATION_UNITS if abs(s) >= z), _DURATION_UNITS[-1])
    else:
        table = dict(_DURATION_UNITS)
        if unit not in table:
            raise ValueError(f"unknown duration unit {unit!r}; use one of {', '.join(table)}")
        name, size = unit, table[unit]
    number = fmt(s / size, precision)
    plural = name not in ("ms", "µs") and number not in ("1", "1.0", "1.00")
    return Text(f"{number} {name}{'s' if plural else ''}")


def _money(cell) -> str:
    """Escape a dollar sign that starts an amount (``$5,000``) so MyST does not read it as math;
    ``$T^*$`` stays math."""
    import re

    return re.sub(r"(?<!\\)\$(?=[\d.])", r"\\$", str(cell))


def md_table(headers, rows, caption: str | None = None, label: str | None = None,
             align: str | None = None) -> str:
    """A MyST table (with caption and label when given) built from computed cells.

    ``align`` is one character per column: ``l``, ``r`` or ``c``.  The result is Markdown text;
    display it with ``IPython.display.Markdown`` so the website numbers it like a typed table.
    """
    headers = [_money(h) for h in headers]
    rows = [[_money(c) for c in r] for r in rows]
    for r in rows:
        if len(r) != len(headers):
            raise ValueError(f"row {r} has {len(r)} cells; the table has {len(headers)} columns")
    align = align or "l" * len(headers)
    if len(align) != len(headers):
        raise ValueError("align needs one character per column")
    rule = {"l": ":---", "r": "---:", "c": ":---:"}
    lines = ["| " + " | ".join(headers) + " |",
             "|" + "|".join(rule[a] for a in align) + "|"]
    lines += ["| " + " | ".join(c.replace("|", "\\|") for c in r) + " |" for r in rows]
    body = "\n".join(lines)
    if caption is None and label is None:
        return body
    head = f":::{{table}} {_money(caption or '')}".rstrip()
    name = f"\n:name: {label}" if label else ""
    return f"{head}{name}\n\n{body}\n:::"
