"""Formatting of numbers for prose, and the guard functions used by Calculations.

Every number that appears in a sentence of the book passes through one of these helpers, so the
same value is always written the same way (``365,000``, ``$5,000``, ``2.0%``, ``4×``, ``1.0 days``).
"""
from __future__ import annotations

import math
import os
import re
from numbers import Real

__all__ = [
    "fmt", "fmt_usd", "fmt_pct", "fmt_mult", "fmt_duration", "fmt_sig",
    "check", "claim", "GuardError", "ClaimError", "NumberError", "md_table", "Text", "escape_dollars",
    "looks_like_math",
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


class NumberError(GuardError, ValueError):
    """A value headed for the prose is NaN or infinite.  The book never prints "nan" or "inf": a NaN
    is a 0/0 or a missing value upstream, and an infinity must be said in words by the author
    (``fmt(x, inf="never")``).  A :class:`GuardError`, so an explorer shows the message instead of
    numbers, and a notebook that would print it fails to build."""


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


def _finite(x: float, inf: str | None) -> Text | None:
    """``None`` for a finite ``x``; the author's word for an infinity; otherwise :class:`NumberError`."""
    if math.isnan(x):
        raise NumberError("A number for the text is NaN (not a number): a 0/0 or a missing value "
                          "upstream; the inputs give no meaningful value here.")
    if math.isinf(x):
        if inf is None:
            raise NumberError(f"A number for the text is {'' if x > 0 else 'minus '}infinity: the "
                              "inputs give no finite value here.")
        return Text(inf if x > 0 else "−" + inf)
    return None


def fmt(value, precision: int = 2, commas: bool = True, *, inf: str | None = None) -> Text:
    """A number as the prose writes it: thousands separators, fixed decimals, ``0`` for ``-0``.

    NaN raises :class:`NumberError`; so does an infinity unless ``inf`` gives the words for it.

    >>> fmt(365000, precision=0, commas=True)
    365,000
    >>> fmt(0.456, 1)
    0.5
    >>> fmt(float("inf"), inf="never")
    never
    >>> fmt(float("nan"))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    mlsysim.fmt.NumberError: A number for the text is NaN (not a number): a 0/0 or a missing value upstream...
    """
    x = _number(value)
    word = _finite(x, inf)
    if word is not None:
        return word
    text = f"{x:,.{precision}f}" if commas else f"{x:.{precision}f}"
    if float(text.replace(",", "")) == 0:
        text = text.lstrip("-")
    return Text(text)


def fmt_sig(value, digits: int = 2, commas: bool = True) -> Text:
    """Round to ``digits`` significant figures.

    >>> fmt_sig(0.012345)
    0.012
    """
    x = _number(value)
    if x == 0 or not math.isfinite(x):
        return fmt(x, 0, commas)
    decimals = digits - 1 - math.floor(math.log10(abs(x)))
    return fmt(round(x, decimals), max(0, decimals), commas)


def fmt_usd(value, precision: int = 0, commas: bool = True) -> Text:
    """Money.

    >>> fmt_usd(5000), fmt_usd(-20)
    ($5,000, −$20)
    """
    x = _number(value)
    _finite(x, None)
    body = fmt(abs(x), precision, commas)
    return Text(("−$" if x < 0 and body.strip("0.,") else "$") + body)


def fmt_pct(fraction, precision: int = 1) -> Text:
    """A fraction as a percentage.

    >>> fmt_pct(0.02, 0)
    2%
    """
    return Text(fmt(_number(fraction) * 100, precision, commas=True) + "%")


def fmt_mult(ratio, precision: int = 1) -> Text:
    """A multiplier.

    >>> fmt_mult(4)
    4.0×
    """
    return Text(fmt(ratio, precision, commas=True) + "×")


_DURATION_UNITS = (("year", 365 * 86400), ("day", 86400), ("hour", 3600), ("minute", 60),
                   ("second", 1), ("ms", 1e-3), ("µs", 1e-6))


def fmt_duration(seconds, precision: int = 1, unit: str | None = None, *, inf: str | None = None) -> Text:
    """A duration in the largest unit that keeps the number ≥ 1 (or in ``unit``).  An infinite
    duration needs its words (``inf="never"``); NaN raises :class:`NumberError`.

    >>> fmt_duration(86400 * 1.03), fmt_duration(0.25)
    (1.0 day, 250.0 ms)
    >>> fmt_duration(float("inf"), inf="never")
    never
    """
    s = _number(seconds, "duration")
    word = _finite(s, inf)
    if word is not None:
        return word
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


# An inline math span as MyST's dollarmath reads it: no space just inside either "$", no "$$".
_MATH_SPAN = re.compile(r"(?<![\\$])\$(?=[^\s$])([^$\n]*?[^\s\\$])\$(?!\$)|(?<![\\$])\$([^\s$\\])\$(?!\$)")
_MONEY_START = re.compile(r"\d[\d,]*(?:\.\d+)?\s*(?:[KMBT]|million|billion|thousand)?\s+(?:an?|[A-Za-z]{2,})\b")
_TEX_TEXT = re.compile(r"\\(?:text|mathrm|operatorname|textbf|textit|mbox)\s*\{[^{}]*\}|\\[A-Za-z]+")
_CODE_OR_DISPLAY = re.compile(r"(`+).*?\1|\$\$.*?\$\$", re.S)


def looks_like_math(tex: str) -> bool:
    """Whether the inside of a ``$…$`` span is a formula (``T^*``, ``10^{-3}``, ``1-\\beta``, ``x``)
    rather than prose between two dollar amounts (``136,000 a year. Setup is … at``)."""
    tex = tex.strip()
    if not tex or re.fullmatch(r"[\d.,]+", tex) or _MONEY_START.match(tex):
        return False
    words = re.findall(r"(?<![A-Za-z])[A-Za-z]{3,}(?![A-Za-z])", _TEX_TEXT.sub(" ", tex))
    return len(words) < 4


def escape_dollars(text) -> str:
    """Escape every ``$`` that is not part of a formula, so MyST never reads two amounts as math.

    ``escape_dollars("costs $5,000 and $T^*$ days") == r"costs \\$5,000 and $T^*$ days"``.  Idempotent
    (an escaped ``\\$`` stays as it is); formulas (:func:`looks_like_math`), ``$$…$$`` and code spans
    are kept.  Use it on any Markdown that code builds (``md_table`` applies it to every cell)."""
    text = str(text)
    out, pos = [], 0
    keep = [m.span() for m in _CODE_OR_DISPLAY.finditer(text)]
    keep += [m.span() for m in _MATH_SPAN.finditer(text)
             if looks_like_math(m.group(1) or m.group(2))
             and not any(a <= m.start() < b for a, b in keep)]
    keep.sort()
    for a, b in keep:
        if a < pos:
            continue
        out.append(re.sub(r"(?<!\\)\$", r"\\$", text[pos:a]))
        out.append(text[a:b])
        pos = b
    out.append(re.sub(r"(?<!\\)\$", r"\\$", text[pos:]))
    return Text("".join(out))


def _money(cell) -> str:
    return escape_dollars(cell)


_ROLE = re.compile(r"\{([a-z:]+)\}`([^`]*)`")
_ROLE_WORDS = {"eq": "the equation", "numref": "the table", "ref": "that section"}


def plain_roles(text: str) -> str:
    """MyST roles as plain words, for Markdown a frontend without MyST renders (``MLSYSIM_MARKDOWN=commonmark``,
    set by the first cell of a reader copy): ``{term}`drift <Data drift>``` → ``drift``."""
    def one(m):
        name, content = m.group(1), " ".join(m.group(2).split())
        shown = re.match(r"^(.*?)\s*<[^<>]+>$", content)
        if shown:
            return shown.group(1)
        return _ROLE_WORDS.get(name, content if not name.startswith("cite") else f"({content})")
    return _ROLE.sub(one, text)


def md_table(headers, rows, caption: str | None = None, label: str | None = None,
             align: str | None = None) -> str:
    """A table (with caption and label when given) built from computed cells.

    ``align`` is one character per column: ``l``, ``r`` or ``c``.  The result is Markdown text; display it
    with ``IPython.display.Markdown``. In the website's build (``MLSYSIM_MARKDOWN=myst``, set by
    ``_ext/xref_links.py``) it is a MyST ``{table}`` directive, numbered and referenceable like a typed table.
    Anywhere else (JupyterLab, plain Jupyter, a reader copy) it is an anchor, the caption and a CommonMark
    table: jupyterlab-myst would number a directive in an output on its own and repeat a number of the
    notebook's prose tables, and a frontend without MyST would show the directive as text.
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
    if os.environ.get("MLSYSIM_MARKDOWN") != "myst":           # not the website: no MyST directive
        body = plain_roles(body)
        anchor = f'<a id="{label}"></a>\n\n' if label else ""
        return f"{anchor}{plain_roles(_money(caption))}\n\n{body}" if caption else f"{anchor}{body}"
    if caption is None and label is None:
        return body
    head = f":::{{table}} {_money(caption or '')}".rstrip()
    name = f"\n:name: {label}" if label else ""
    return f"{head}{name}\n\n{body}\n:::"
