"""Data-quality checks for serving inputs: schema, types, nulls, value and mean bounds, freshness.

A *table* is a mapping ``{column name: sequence of values}`` (lists or numpy arrays), so the checks
run without a dataframe library.  A *rule* is built with :func:`column_exists`, :func:`of_type`,
:func:`not_null`, :func:`between` or :func:`mean_between`; :func:`validate` applies rules and
returns one :class:`CheckResult` per rule whose ``message`` names the column, the rule and what
was found (counts and a few offending values).

Freshness: a feature last updated at ``t_u`` is *stale* at time ``t`` when ``t − t_u > max_staleness``;
:func:`serve_feature` then returns the configured default instead of the stale value (fallback)
and says why.
"""
from __future__ import annotations

import datetime as _dt
import math
import re
from dataclasses import dataclass, field
from numbers import Integral, Real

import numpy as np

__all__ = ["Rule", "CheckResult", "column_exists", "of_type", "not_null", "between", "mean_between",
           "validate", "is_null", "parse_duration", "FreshnessResult", "check_freshness", "serve_feature",
           "make_batch"]

_KINDS = ("datetime", "int", "float", "str")


@dataclass(frozen=True)
class Rule:
    """One expectation about one column. ``kind`` is exists, type, not_null, between or mean_between."""
    kind: str
    column: str
    args: tuple = ()

    def describe(self) -> str:
        """The rule in words, e.g. "values between 0 and 120"."""
        a = self.args
        if self.kind == "type":
            return f"values are of type {a[0]}"
        if self.kind in ("between", "mean_between"):
            what = "values" if self.kind == "between" else "mean"
            return f"{what} between {_show(a[0])} and {_show(a[1])}"
        return {"exists": "column exists", "not_null": "no missing values"}.get(self.kind, self.kind)


@dataclass
class CheckResult:
    """Outcome of one rule: ``passed``, a readable ``message``, and how many values failed."""
    rule: Rule
    passed: bool
    message: str
    failing: int = 0
    total: int = 0
    examples: list = field(default_factory=list)

    @property
    def column(self) -> str:
        return self.rule.column


def column_exists(column: str) -> Rule:
    return Rule("exists", column)


def of_type(column: str, kind: str) -> Rule:
    """Every non-missing value has type ``kind``: datetime, int, float (any real number) or str."""
    if kind not in _KINDS:
        raise ValueError(f"unknown type {kind!r}; use one of {', '.join(_KINDS)}")
    return Rule("type", column, (kind,))


def not_null(column: str) -> Rule:
    return Rule("not_null", column)


def between(column: str, lo: float, hi: float) -> Rule:
    """Every non-missing value lies in [lo, hi]."""
    if lo > hi:
        raise ValueError(f"bounds for {column!r} are reversed: {lo} > {hi}")
    return Rule("between", column, (lo, hi))


def mean_between(column: str, lo: float, hi: float) -> Rule:
    """The mean of the non-missing values lies in [lo, hi]."""
    if lo > hi:
        raise ValueError(f"bounds for {column!r} are reversed: {lo} > {hi}")
    return Rule("mean_between", column, (lo, hi))


def is_null(v) -> bool:
    """None, NaN and NaT count as missing."""
    if v is None:
        return True
    if isinstance(v, (float, np.floating)) and math.isnan(v):
        return True
    if isinstance(v, np.datetime64) and np.isnat(v):
        return True
    return False


def _is_kind(v, kind) -> bool:
    if kind == "datetime":
        return isinstance(v, (_dt.datetime, np.datetime64))
    if kind == "int":
        return isinstance(v, Integral) and not isinstance(v, (bool, np.bool_))
    if kind == "float":
        return isinstance(v, Real) and not isinstance(v, (bool, np.bool_))
    return isinstance(v, str)


def _show(v) -> str:
    if isinstance(v, str):
        return repr(v)
    if isinstance(v, (Real, np.number)) and not isinstance(v, (bool, np.bool_)):
        v = float(v)
        return f"{v:,.0f}" if v.is_integer() else f"{v:,.4g}"
    return str(v)


def _count(n, total):
    share = f" ({n / total:.1%})" if total else ""
    return f"{n:,} of {total:,} values{share}"


def _examples(values, k=3):
    return ", ".join(_show(v) for v in values[:k])


def _check(table, rule: Rule) -> CheckResult:
    col = rule.column
    if col not in table:
        present = ", ".join(map(repr, table)) or "none"
        return CheckResult(rule, False, f"column {col!r} is missing (columns present: {present})")
    values = list(table[col])
    total = len(values)
    present_vals = [v for v in values if not is_null(v)]
    if rule.kind == "exists":
        return CheckResult(rule, True, f"column {col!r} exists", 0, total)
    if rule.kind == "not_null":
        n = total - len(present_vals)
        ok = n == 0
        msg = (f"column {col!r}: no missing values" if ok else
               f"column {col!r}: {_count(n, total)} are missing (rule: not null)")
        return CheckResult(rule, ok, msg, n, total)
    if rule.kind == "type":
        kind = rule.args[0]
        bad = [v for v in present_vals if not _is_kind(v, kind)]
        ok = not bad
        if ok:
            msg = f"column {col!r}: all values are {kind}"
        else:
            found = sorted({type(v).__name__ for v in bad})
            msg = (f"column {col!r}: {_count(len(bad), total)} are not {kind} "
                   f"(found {', '.join(found)}, e.g. {_examples(bad)})")
        return CheckResult(rule, ok, msg, len(bad), total, bad[:3])
    numeric = [v for v in present_vals if _is_kind(v, "float")]
    non_numeric = len(present_vals) - len(numeric)
    lo, hi = rule.args
    if rule.kind == "between":
        bad = [v for v in numeric if not lo <= v <= hi]
        n = len(bad) + non_numeric
        ok = n == 0
        if ok:
            msg = f"column {col!r}: all values within [{_show(lo)}, {_show(hi)}]"
        else:
            extra = f"; {non_numeric:,} are not numbers" if non_numeric else ""
            eg = f" (e.g. {_examples(bad)})" if bad else ""
            msg = f"column {col!r}: {_count(len(bad), total)} outside [{_show(lo)}, {_show(hi)}]{eg}{extra}"
        return CheckResult(rule, ok, msg, n, total, bad[:3])
    if rule.kind == "mean_between":
        if not numeric:
            return CheckResult(rule, False, f"column {col!r}: no numeric values to average", total, total)
        m = float(np.mean(np.asarray(numeric, dtype=float)))
        ok = lo <= m <= hi
        side = "" if ok else (" — below the lower bound" if m < lo else " — above the upper bound")
        msg = f"column {col!r}: mean {_show(m)} {'within' if ok else 'outside'} [{_show(lo)}, {_show(hi)}]{side}"
        return CheckResult(rule, ok, msg, 0 if ok else total, total, [] if ok else [m])
    raise ValueError(f"unknown rule kind {rule.kind!r}")


def validate(table, rules) -> list[CheckResult]:
    """Apply every rule to ``table`` (a mapping of column name → values); one result per rule."""
    if not hasattr(table, "keys"):
        raise TypeError("table must be a mapping from column name to a sequence of values")
    return [_check(table, r) for r in rules]


# ── freshness ──────────────────────────────────────────────────────────────────────────────────
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def parse_duration(text) -> float:
    """"6h" → 21,600 s; also "90s", "15m", "2d", "1w", "1h30m", or a number of seconds."""
    if isinstance(text, (int, float)) and not isinstance(text, bool):
        if text < 0 or not math.isfinite(text):
            raise ValueError(f"duration must be a non-negative number of seconds, got {text!r}")
        return float(text)
    s = str(text).strip().lower()
    parts = re.findall(r"(\d+(?:\.\d+)?)\s*([smhdw])", s)
    if not parts or re.sub(r"(\d+(?:\.\d+)?)\s*([smhdw])", "", s).strip():
        raise ValueError(f"cannot read duration {text!r}; write e.g. '90s', '15m', '6h', '2d'")
    return float(sum(float(n) * _UNIT_SECONDS[u] for n, u in parts))


@dataclass
class FreshnessResult:
    feature: str
    age_s: float
    max_staleness_s: float
    stale: bool
    message: str


def _hours(sec: float) -> str:
    return f"{sec / 3600:,.1f} h"


def check_freshness(feature: str, last_updated, now, max_staleness) -> FreshnessResult:
    """Is ``feature`` older than ``max_staleness``?  Times are datetimes or seconds since an epoch;
    ``max_staleness`` is seconds or a duration string such as "6h"."""
    limit = parse_duration(max_staleness)
    if isinstance(now, _dt.datetime) != isinstance(last_updated, _dt.datetime):
        raise TypeError("now and last_updated must both be datetimes or both be numbers of seconds")
    age = (now - last_updated).total_seconds() if isinstance(now, _dt.datetime) else float(now - last_updated)
    if age < 0:
        raise ValueError(f"feature {feature!r} was updated in the future (age {_hours(age)}); check the clocks")
    stale = age > limit
    msg = (f"feature {feature!r} is stale: last updated {_hours(age)} ago, limit {_hours(limit)}"
           if stale else f"feature {feature!r} is fresh: {_hours(age)} old, limit {_hours(limit)}")
    return FreshnessResult(feature, age, limit, stale, msg)


def serve_feature(feature: str, value, last_updated, now, max_staleness, default):
    """Return ``(value_to_serve, FreshnessResult, used_fallback)``: the stored value when fresh,
    ``default`` when stale (the ``fallback_to_default`` action)."""
    result = check_freshness(feature, last_updated, now, max_staleness)
    if result.stale:
        result.message += f"; serving the default {default!r} instead"
        return default, result, True
    return value, result, False


def make_batch(n_rows: int = 1_000, seed: int = 2026, *, string_timestamps: int = 0, null_feature: int = 0,
               bad_ages=(), purchase_scale: float = 1.0, rename: dict | None = None):
    """A seeded synthetic serving batch with the columns of the validation example, and faults injected
    on purpose: ``string_timestamps`` timestamps written as ISO strings, ``null_feature`` missing values
    in ``feature_a``, ages replaced by the values in ``bad_ages``, purchase amounts multiplied by
    ``purchase_scale`` (100 = an upstream switch from dollars to cents), columns renamed by ``rename``.

    Clean data: user ids 1…n, hourly timestamps, feature_a ~ N(0, 1), age uniform on 18–79 (int),
    purchase_amount log-normal with a median of about $40.
    """
    rng = np.random.default_rng(seed)
    start = _dt.datetime(2026, 1, 1)
    ts = [start + _dt.timedelta(hours=i) for i in range(n_rows)]
    feature = rng.standard_normal(n_rows)
    age = rng.integers(18, 80, n_rows).tolist()
    purchase = np.round(np.exp(rng.normal(np.log(40), 0.8, n_rows)), 2) * purchase_scale
    picks = rng.permutation(n_rows)
    k = 0
    for i in picks[k:k + string_timestamps]:
        ts[i] = ts[i].isoformat()
    k += string_timestamps
    feature[picks[k:k + null_feature]] = np.nan
    k += null_feature
    for i, v in zip(picks[k:k + len(bad_ages)], bad_ages):
        age[i] = v
    table = {"user_id": list(range(1, n_rows + 1)), "timestamp": ts, "feature_a": feature.tolist(),
             "age": age, "purchase_amount": purchase.tolist()}
    for old, new in (rename or {}).items():
        table[new] = table.pop(old)
    return table
