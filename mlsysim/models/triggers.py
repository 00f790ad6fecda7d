"""Triggered retraining: a trigger configuration evaluated day by day against monitoring data.

A configuration (YAML, as teams write it) lists triggers; each watches one metric over a window
of whole days and fires when the metric crosses its threshold:

=================================  ===================================================  =========
metric                             value on day t (window of w days ending on day t)    fires if
=================================  ===================================================  =========
``accuracy``                       drop = A_ref − A_w  (A_w: share of correct           drop > θ
                                   predictions among labelled examples in the window;
                                   ``relative: true`` uses (A_ref − A_w) / A_ref)
``feature_drift_psi``              max over the listed features of                       PSI > θ
                                   PSI = Σ_i (a_i − e_i)·ln(a_i / e_i)  (reference e,
                                   window a; :func:`mlsysim.models.drift.psi`)
``prediction_distribution_shift``  KS statistic D = sup |F_ref − F_w| of the model's      D > θ
                                   scores (:func:`mlsysim.models.drift.ks`)
=================================  ===================================================  =========

An optional ``persist`` (e.g. ``2d``) makes a trigger fire only after its condition has held on
that many consecutive days, which filters one-day blips such as a broken pipeline run.
Windows are written ``7d`` or ``24h`` and must be whole days because monitoring data arrive as
daily batches; a trigger is evaluated only once its window is full (value NaN before).  PSI of an
integer-coded (bucketed) feature is computed on category counts, with categories unseen in the
reference pooled into one extra bin; PSI of a continuous feature uses ten quantile bins of the
reference.  PSI comes from :mod:`mlsysim.models.drift` (one implementation for the whole book).
"""
from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from mlsysim.models import drift

__all__ = ["METRICS", "Trigger", "TriggerConfigError", "DailyBatch", "Reference", "TriggerResult",
           "parse_window", "load_config", "feature_psi", "window_values", "evaluate_triggers", "persistent",
           "day_ranges"]

METRICS = ("accuracy", "feature_drift_psi", "prediction_distribution_shift")


class TriggerConfigError(ValueError):
    """A trigger configuration cannot be used; the message names the trigger and the problem."""


@dataclass(frozen=True)
class Trigger:
    metric: str
    threshold: float
    window_days: int = 1
    features: tuple[str, ...] = ()
    relative: bool = False
    persist_days: int = 1       # fire only when the condition has held this many days in a row

    def describe(self) -> str:
        win = f"{self.window_days}-day window" if self.window_days != 1 else "24-hour window"
        if self.metric == "accuracy":
            kind = "relative " if self.relative else ""
            text = f"accuracy {kind}drop > {self.threshold:g} over a {win}"
        elif self.metric == "feature_drift_psi":
            text = f"PSI > {self.threshold:g} on {', '.join(self.features)} ({win})"
        else:
            text = f"prediction KS statistic > {self.threshold:g} over a {win}"
        return text + (f", held {self.persist_days} days in a row" if self.persist_days > 1 else "")


def parse_window(text) -> int:
    """``"7d"`` → 7, ``"24h"`` → 1, ``"48h"`` → 2; other spellings raise TriggerConfigError."""
    if isinstance(text, int) and not isinstance(text, bool):
        days = text
    else:
        m = re.fullmatch(r"\s*(\d+)\s*([dh])\s*", str(text))
        if not m:
            raise TriggerConfigError(f"window {text!r} is not understood; write e.g. '7d' or '24h'")
        n, unit = int(m.group(1)), m.group(2)
        if unit == "h" and n % 24:
            raise TriggerConfigError(f"window {text!r} is not a whole number of days; "
                                     "monitoring data arrive as daily batches")
        days = n // 24 if unit == "h" else n
    if days < 1:
        raise TriggerConfigError(f"window {text!r} must be at least one day")
    return days


def load_config(config) -> list[Trigger]:
    """Triggers from YAML text (``triggers:`` list) or an already-parsed mapping/list."""
    if isinstance(config, str):
        import yaml

        config = yaml.safe_load(config)
    items = config.get("triggers") if isinstance(config, Mapping) else config
    if not isinstance(items, list) or not items:
        raise TriggerConfigError("the configuration needs a non-empty 'triggers' list")
    out = []
    for i, item in enumerate(items, 1):
        where = f"trigger {i}"
        if not isinstance(item, Mapping) or "metric" not in item:
            raise TriggerConfigError(f"{where} needs a 'metric'")
        metric = item["metric"]
        if metric not in METRICS:
            raise TriggerConfigError(f"{where}: unknown metric {metric!r}; use one of {', '.join(METRICS)}")
        thr = item.get("threshold")
        if isinstance(thr, bool) or not isinstance(thr, (int, float)) or not math.isfinite(thr) or thr <= 0:
            raise TriggerConfigError(f"{where} ({metric}): threshold must be a positive number, got {thr!r}")
        features = tuple(item.get("features") or ())
        if metric == "feature_drift_psi" and not features:
            raise TriggerConfigError(f"{where} (feature_drift_psi) needs a 'features' list")
        if metric in ("accuracy", "prediction_distribution_shift") and thr >= 1:
            raise TriggerConfigError(f"{where} ({metric}): threshold must be below 1, got {thr!r}")
        out.append(Trigger(metric, float(thr), parse_window(item.get("window", "1d")), features,
                           bool(item.get("relative", False)), parse_window(item.get("persist", "1d"))))
    return out


@dataclass
class DailyBatch:
    """One day of serving data: feature values, model scores, and which predictions were right
    (``correct``: booleans for the examples whose labels have arrived; may be empty)."""

    features: Mapping[str, np.ndarray]
    predictions: np.ndarray
    correct: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))


@dataclass
class Reference:
    """What the model saw at training/validation time: features, scores, and its accuracy."""

    features: Mapping[str, np.ndarray]
    predictions: np.ndarray
    accuracy: float


def _is_codes(x: np.ndarray) -> bool:
    return np.issubdtype(x.dtype, np.integer)


def feature_psi(reference, current) -> float:
    """PSI of one feature: category counts for integer codes, ten reference quantile bins otherwise."""
    ref, cur = np.asarray(reference), np.asarray(current)
    if _is_codes(ref) and _is_codes(cur):
        cats = np.unique(ref)
        e = np.array([(ref == c).sum() for c in cats] + [0], dtype=float)
        a = np.array([(cur == c).sum() for c in cats] + [np.isin(cur, cats, invert=True).sum()], dtype=float)
        if e[-1] == 0 and a[-1] == 0:
            e, a = e[:-1], a[:-1]
        return drift.psi(e, a, bins=None)
    return drift.psi(ref.astype(float), cur.astype(float), bins=10)


def _window_metric(trigger: Trigger, reference: Reference, win: list[DailyBatch]) -> tuple[float, str]:
    """(value, detail) of one trigger over one window of batches; detail names the PSI feature."""
    if trigger.metric == "accuracy":
        correct = np.concatenate([np.asarray(b.correct, dtype=bool) for b in win])
        if not correct.size:
            return math.nan, ""
        drop = reference.accuracy - correct.mean()
        return (drop / reference.accuracy if trigger.relative else drop), ""
    if trigger.metric == "feature_drift_psi":
        per = {}
        for name in trigger.features:
            if name not in reference.features:
                raise TriggerConfigError(f"feature '{name}' of the PSI trigger is not in the reference data")
            cur = np.concatenate([np.asarray(b.features[name]) for b in win])
            per[name] = feature_psi(reference.features[name], cur)
        worst = max(per, key=lambda k: per[k])
        return per[worst], worst
    cur = np.concatenate([np.asarray(b.predictions, dtype=float) for b in win])
    return drift.ks(reference.predictions, cur), ""


def window_values(trigger: Trigger, reference: Reference, batches: list[DailyBatch]):
    """The trigger's metric on every day (NaN until the window is full, or with no labels in it),
    and per day the feature that drove a PSI value ("" for other metrics)."""
    w = trigger.window_days
    values = np.full(len(batches), np.nan)
    detail = [""] * len(batches)
    for t in range(w - 1, len(batches)):
        values[t], detail[t] = _window_metric(trigger, reference, batches[t - w + 1:t + 1])
    return values, detail


def persistent(above, k: int = 1) -> np.ndarray:
    """True on day t when ``above`` held on days t−k+1 … t (k consecutive days)."""
    above = np.asarray(above, dtype=bool)
    if k < 1:
        raise ValueError("k must be at least 1")
    if k == 1:
        return above.copy()
    out = np.zeros_like(above)
    run = 0
    for t, a in enumerate(above):
        run = run + 1 if a else 0
        out[t] = run >= k
    return out


def day_ranges(days, base: int = 1) -> str:
    """Day indices as compact ranges: [8, 37, 38, 39] → "9, 38–40" (numbered from ``base``)."""
    days = sorted(int(d) + base for d in days)
    if not days:
        return "never"
    parts, start, prev = [], days[0], days[0]
    for d in days[1:] + [None]:
        if d is not None and d == prev + 1:
            prev = d
            continue
        parts.append(f"{start}" if start == prev else f"{start}–{prev}")
        if d is not None:
            start = prev = d
    return ", ".join(parts)


@dataclass
class TriggerResult:
    trigger: Trigger
    values: np.ndarray          # metric per day (NaN: not evaluated)
    fired: np.ndarray           # bool per day
    detail: list[str]           # per day: which feature drove a PSI value (else "")

    @property
    def first_day(self) -> int | None:
        """Index (0-based) of the first day the trigger fires, or None."""
        idx = np.flatnonzero(self.fired)
        return int(idx[0]) if idx.size else None

    @property
    def days_fired(self) -> list[int]:
        return [int(i) for i in np.flatnonzero(self.fired)]

    def reason(self, day: int) -> str:
        """Why the trigger did or did not fire on ``day`` (0-based), with the numbers."""
        v, thr = self.values[day], self.trigger.threshold
        if math.isnan(v):
            return f"not evaluated (needs {self.trigger.window_days} days of data)"
        rel = ">" if v > thr else "≤"
        verb = "fires" if self.fired[day] else "quiet"
        if self.trigger.metric == "accuracy":
            what = "relative accuracy drop" if self.trigger.relative else "accuracy drop"
            return f"{verb}: {self.trigger.window_days}-day {what} {v:.3f} {rel} {thr:g}"
        if self.trigger.metric == "feature_drift_psi":
            return f"{verb}: PSI of {self.detail[day]} = {v:.3f} {rel} {thr:g}"
        return f"{verb}: KS statistic of scores = {v:.3f} {rel} {thr:g}"


def evaluate_triggers(triggers, reference: Reference, batches: list[DailyBatch]) -> list[TriggerResult]:
    """Evaluate every trigger on every day; a trigger fires on day t when its value exceeds its threshold."""
    if isinstance(triggers, (str, Mapping)):
        triggers = load_config(triggers)
    results = []
    for trig in triggers:
        values, detail = window_values(trig, reference, batches)
        fired = persistent(np.where(np.isnan(values), False, values > trig.threshold), trig.persist_days)
        results.append(TriggerResult(trig, values, fired, detail))
    return results
