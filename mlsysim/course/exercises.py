"""What a section notebook uses to pose exercises: variant inputs, answer keys, self-checks.

Cell conventions (``docs/coursework.md`` has the full authoring guide)::

    # cell tagged [parameters, remove-input, remove-output]  — the exercise inputs
    ex_drift_rate = 0.05

    # cell tagged [remove-input]  — how variants draw them (shows "your inputs" as a table)
    inputs = variant(ex_drift_rate=Draw(RetrainingInterval.drift_rate, lo=0.005, hi=0.2))
    inputs

    # cell tagged [exercise-key, remove-input, remove-output]  — the key is code, never a number
    ex1 = NumericExercise("ex1", key=lambda: RetrainingInterval(drift_rate=ex_drift_rate).T_sqrt,
                          tol=0.02, unit="days", points=2)

    # cell tagged [answer]
    answer_ex1 = None      # your answer in days

    # cell tagged [self-check]
    ex1.check(answer_ex1)

Every declaration registers itself in this module's registry; the coursework tools read the
registry from a kernel that ran the notebook (:func:`spec_json`, :func:`keys_json`,
:func:`assign_variants`).  One tolerance rule — :func:`compare_numeric` — serves both the
student's self-check and the autograder.
"""
from __future__ import annotations

import json
import math
import sys
from collections.abc import Callable
from numbers import Integral, Real
from typing import Any

from . import params as _params

__all__ = [
    "ChoiceCheck",
    "ChoiceExercise",
    "Draw",
    "NumericCheck",
    "NumericExercise",
    "Variant",
    "Verdict",
    "assign_variants",
    "check_partial",
    "check_source",
    "compare_choice",
    "compare_numeric",
    "keys_json",
    "magnitude_hint",
    "normalise_choice",
    "parse_number",
    "plausible_band",
    "registry",
    "reset_registry",
    "score_numeric",
    "spec_json",
    "variant",
]

_REGISTRY: dict = {"variant": None, "exercises": {}}


def registry() -> dict:
    """The variant and exercises the running notebook declared (latest declaration wins)."""
    return _REGISTRY


def reset_registry() -> None:
    _REGISTRY["variant"] = None
    _REGISTRY["exercises"] = {}


# -- tolerance ------------------------------------------------------------------------------
class Verdict:
    """Outcome of comparing one answer with its key: ``status`` is one of ``correct``,
    ``incorrect``, ``missing``, ``non-numeric`` (or ``invalid`` for a choice), plus a message."""

    __slots__ = ("detail", "fraction", "key", "status", "value")

    def __init__(self, status: str, detail: str = "", value=None):
        self.status, self.detail, self.value, self.key = status, detail, value, None
        self.fraction = 1.0 if status == "correct" else 0.0

    @property
    def correct(self) -> bool:
        return self.status == "correct"

    def __repr__(self):
        return f"Verdict({self.status!r}, {self.detail!r})"


def parse_number(answer):
    """``(float, None)`` for a usable numeric answer, else ``(None, Verdict)`` explaining why not.

    Accepted: ``int``, ``float`` and numpy scalars (not ``bool``), finite.  Text is *not*
    converted — ``"3.2"`` is reported as text so the student learns to write ``3.2``.
    """
    if answer is None:
        return None, Verdict("missing", "no answer given (the answer is None)")
    if isinstance(answer, bool):
        return None, Verdict("non-numeric", f"{answer!r} is a truth value, not a number")
    if isinstance(answer, str):
        return None, Verdict("non-numeric", f"the text {answer!r} is not a number: write it without quotes")
    if hasattr(answer, "magnitude") and hasattr(answer, "units"):
        return None, Verdict("non-numeric", "a quantity with units: give a plain number in the stated unit")
    if not isinstance(answer, Real):
        try:
            import numpy as np

            if isinstance(answer, np.generic) and np.ndim(answer) == 0 and not isinstance(answer, np.bool_):
                answer = float(answer)
        except ImportError:  # pragma: no cover
            pass
    if not isinstance(answer, Real):
        return None, Verdict("non-numeric", f"a {type(answer).__name__} is not a number")
    x = float(answer)
    if not math.isfinite(x):
        return None, Verdict("non-numeric", f"{x} is not a finite number")
    return x, None


def compare_numeric(answer, key: float, tol: float = 0.01, abs_tol: float = 0.0) -> Verdict:
    """The single tolerance rule: correct when ``|answer − key| ≤ max(tol·|key|, abs_tol)``.

    ``tol`` is relative (0.02 = ±2 %); ``abs_tol`` is an absolute floor for keys near zero.
    """
    x, problem = parse_number(answer)
    if problem:
        return problem
    key = float(key)
    allowed = max(abs(tol) * abs(key), abs(abs_tol))
    if abs(x - key) <= allowed * (1 + 1e-12):
        return Verdict("correct", "", x)
    return Verdict("incorrect", "", x)


def score_numeric(answer, key: float, tol: float = 0.01, abs_tol: float = 0.0, partial=()) -> Verdict:
    """:func:`compare_numeric` plus partial credit: ``partial`` is a list of ``(tol, fraction)``
    bands (relative tolerance, share of the points); the verdict's ``fraction`` is 1 when correct,
    the fraction of the tightest band that contains the answer, else 0 (status ``partial``)."""
    v = compare_numeric(answer, key, tol, abs_tol)
    v.fraction = 1.0 if v.correct else 0.0
    if v.status == "incorrect":
        for band_tol, fraction in sorted(partial or ()):
            if compare_numeric(v.value, key, band_tol, abs_tol).correct:
                v.status, v.fraction = "partial", float(fraction)
                v.detail = f"within ±{band_tol * 100:g}% ({fraction * 100:g}% of the points)"
                break
    return v


def check_partial(id, partial):
    """Validate a ``partial=[(tol, fraction), ...]`` declaration; returns it as a sorted list."""
    out = []
    for item in partial or ():
        try:
            band_tol, fraction = (float(x) for x in item)
        except (TypeError, ValueError):
            raise ValueError(f"exercise {id}: partial credit is a list of (tolerance, fraction) pairs, "
                             f"e.g. partial=[(0.05, 0.5)]") from None
        if not (band_tol > 0 and 0 < fraction < 1):
            raise ValueError(f"exercise {id}: a partial-credit band needs a tolerance > 0 and a fraction "
                             f"between 0 and 1 (got {item!r})")
        out.append([band_tol, fraction])
    return sorted(out)


def magnitude_hint(answer: float, lo: float, hi: float) -> str:
    """The self-check's hint for an answer outside the plausible range ``[lo, hi]``: the same text
    in the student's notebook and in the grader's feedback.  Empty when the answer is inside."""
    if lo <= answer <= hi:
        return ""
    if answer != 0 and (lo > 0 > answer or hi < 0 < answer):
        return "Your number has the wrong sign."
    for factor, why in _SLIPS:
        if lo <= answer / factor <= hi:
            return f"Your number looks off by {why}"
    side = "large" if answer > hi else "small"
    return f"Your number is far too {side} to be right: check the formula and the units."


def plausible_band(key: float, abs_tol: float, u: float, v: float = 0.0, sig: int = 2) -> tuple[float, float]:
    """A coarse interval around ``key`` that the student's self-check may show.

    The band is ``[c/5, 5c]`` around a secret off-centre point ``c = key·r``, where ``r`` is drawn
    log-uniformly in [1/2, 2] from ``u`` in [0, 1) (the grader draws it with a keyed hash), then
    rounded outwards to ``sig`` significant figures.  Knowing the band and this rule places the key
    anywhere in ``[c/2, 2c]`` — a factor of 4, never the tolerance — while a unit slip (×24, ×100,
    ×1000) always lands outside it.  Keys at or below ``abs_tol`` get a symmetric band.  (``v`` is
    unused; kept for a stable signature.)"""
    r = math.exp((2 * u - 1) * math.log(2))
    key = float(key)
    if abs(key) <= abs_tol or key == 0:
        m = max(abs_tol, abs(key), 1e-12) * 5 * r
        return _round_out(-m, sig, "down"), _round_out(m, sig, "up")
    c = key * r
    lo, hi = (c / 5, c * 5) if key > 0 else (c * 5, c / 5)
    return _round_out(lo, sig, "down"), _round_out(hi, sig, "up")


def _round_out(x: float, sig: int, direction: str) -> float:
    if x == 0:
        return 0.0
    e = math.floor(math.log10(abs(x))) - sig + 1
    q = x / 10 ** e
    q = math.floor(q) if direction == "down" else math.ceil(q)
    return float(f"{q * 10 ** e:.{sig + 1}g}")


def normalise_choice(text) -> str:
    return " ".join(str(text).casefold().replace("-", " ").split())


def compare_choice(answer, key: str, options) -> Verdict:
    """A decision is correct when it names (case and spacing aside) the option ``key``."""
    if answer is None:
        return Verdict("missing", "no option chosen (the answer is None)")
    if not isinstance(answer, str):
        return Verdict("invalid", f"{answer!r} is not one of the options")
    chosen = normalise_choice(answer)
    valid = {normalise_choice(o): o for o in options}
    if chosen not in valid:
        return Verdict("invalid", f"{answer[:60]!r} is not one of the options")
    return Verdict("correct" if chosen == normalise_choice(key) else "incorrect", "", valid[chosen])



def _tol_text(tol: float, abs_tol: float, unit: str) -> str:
    parts = []
    if tol:
        pct = tol * 100
        parts.append(f"±{pct:g}%")
    if abs_tol:
        parts.append(f"±{abs_tol:g}{(' ' + unit) if unit else ''}")
    return " or ".join(parts) if parts else "exactly"


_SLIPS = ((100, "a factor of 100 — a fraction written as a percentage?"),
          (0.01, "a factor of 100 — a percentage written as a fraction?"),
          (24, "a factor of 24 — hours instead of days?"), (1 / 24, "a factor of 24 — days instead of hours?"),
          (1000, "a factor of 1,000 — check the unit prefix"), (0.001, "a factor of 1,000 — check the unit prefix"))


# -- declarations --------------------------------------------------------------------------
class Draw:
    """How variants draw one input: a Param of a Calculation (its range, log scale, integer-ness
    and label), optionally narrowed with ``lo``/``hi``; values are rounded to ``sig`` significant
    figures.  Without a Param, give ``lo``, ``hi`` (and ``log``/``integer``) directly."""

    def __init__(self, param=None, *, lo=None, hi=None, log=None, integer=None, sig: int = 3,
                 label: str | None = None, unit: str | None = None):
        self.param = param
        plo = getattr(param, "lo", None)
        phi = getattr(param, "hi", None)
        lo = lo if lo is not None else plo
        hi = hi if hi is not None else phi
        self.log = bool(getattr(param, "log", False) if log is None else log)
        self.integer = bool(getattr(param, "integer", False) if integer is None else integer)
        self.sig = int(sig)
        self.label = label or getattr(param, "label", None)
        self.unit = unit if unit is not None else getattr(param, "unit", "")
        where = (f"{param.owner}.{param.name}" if param is not None and getattr(param, "owner", None)
                 else "Draw")
        if lo is None or hi is None:
            raise ValueError(f"{where}: a variant input needs a finite range (lo and hi)")
        self.lo: Real = lo
        self.hi: Real = hi
        if (plo is not None and self.lo < plo) or (phi is not None and self.hi > phi):
            raise ValueError(f"{where}: the variant range [{self.lo:g}, {self.hi:g}] must lie inside the "
                             f"Param's valid range [{plo:g}, {phi:g}]")
        _params.check_spec(where, self.spec())
        self.source = where if param is not None else ""

    def spec(self) -> dict:
        return {"lo": self.lo, "hi": self.hi, "log": self.log, "integer": self.integer, "sig": self.sig}

    def validate(self, name: str, value):
        """Value accepted by the Param (if any) and inside the variant range; raises ValueError."""
        if self.param is not None:
            value = self.param.validate(value, name)      # the message names the notebook's parameter
        if isinstance(value, bool) or not isinstance(value, Real) or not (self.lo <= value <= self.hi):
            raise ValueError(f"{name} = {value!r} is outside the variant range [{self.lo:g}, {self.hi:g}]")
        return value


class Variant:
    """The inputs of a notebook's exercises, their draw rules, and the namespace they live in.

    Displaying it shows the current values as a table ("your inputs")."""

    def __init__(self, draws: dict, namespace: dict):
        if not draws:
            raise ValueError("variant() needs at least one input, e.g. variant(ex_rate=Draw(...))")
        for name, d in draws.items():
            if not isinstance(d, Draw):
                raise TypeError(f"variant input {name!r} must be a Draw(...), not {type(d).__name__}")
            if name not in namespace:
                raise NameError(f"variant input {name!r} is not defined: assign it in the cell tagged "
                                f"'parameters' first")
            d.validate(name, namespace[name])
        self.draws = dict(draws)
        self.namespace = namespace

    def values(self) -> dict:
        return {n: self.namespace.get(n) for n in self.draws}

    def specs(self) -> dict:
        return {n: d.spec() for n, d in self.draws.items()}

    def _rows(self):
        for name, d in self.draws.items():
            v = self.namespace.get(name)
            if isinstance(v, bool) or not isinstance(v, Real):
                shown = repr(v)
            elif float(v).is_integer() and abs(v) < 1e15:
                shown = f"{int(v):,}"                      # 250000.0 → 250,000
            else:
                shown = f"{float(v):,.6g}"                 # exactly the value in the parameters cell
            yield d.label or name, shown, d.unit or "", name

    def _repr_markdown_(self):
        lines = ["**Your inputs** (set at the top of the notebook, in the parameters cells)", "",
                 "| Input | Value | Unit | Variable |", "|:--|--:|:--|:--|"]
        lines += [f"| {lab} | {val} | {unit} | `{name}` |" for lab, val, unit, name in self._rows()]
        return "\n".join(lines)

    def __repr__(self):
        return "Variant(" + ", ".join(f"{n}={v!r}" for n, v in self.values().items()) + ")"


def variant(**draws) -> Variant:
    """Declare how variants draw the exercise inputs (``name=Draw(...)``); registers and returns a
    :class:`Variant`.  The inputs must already be assigned in the notebook (parameters cell)."""
    namespace = sys._getframe(1).f_globals
    v = Variant(draws, namespace)
    _REGISTRY["variant"] = v
    return v


class _Exercise:
    kind = "exercise"
    id: str
    key: Callable[[], Any]
    points: float
    title: str
    answer_var: str

    def __init__(self, id: str, key, points: float = 1, title: str = ""):
        if not isinstance(id, str) or not id.isidentifier():
            raise ValueError(f"exercise id {id!r} must be a Python identifier such as 'ex1'")
        if not callable(key):
            raise TypeError(f"exercise {id}: key must be a function (e.g. a lambda), so no number is stored")
        if not (isinstance(points, Real) and points >= 0):
            raise ValueError(f"exercise {id}: points must be a non-negative number")
        self.id, self.key, self.points, self.title = id, key, points, title
        self.answer_var = f"answer_{id}"
        _REGISTRY["exercises"][id] = self

    def spec(self) -> dict:
        return {"id": self.id, "kind": self.kind, "points": self.points, "title": self.title,
                "answer_var": self.answer_var}

    def grade(self, answer, key) -> Verdict:
        raise NotImplementedError

    def check(self, answer=None, *extra):
        """The self-check: print whether ``answer`` is right, without revealing the key."""
        try:
            key = self.key()
        except Exception as exc:  # noqa: BLE001 – a broken key is the author's bug; say so plainly
            print(f"Exercise {self.id}: the answer key could not be computed ({type(exc).__name__}: {exc}).")
            return
        print(self.message(self.grade(answer, key)))
        return

    def __repr__(self):
        return f"{type(self).__name__}({self.id!r}, points={self.points:g})"


class NumericExercise(_Exercise):
    """A "compute it" exercise: a number, right within a relative tolerance ``tol`` (and/or an
    absolute ``abs_tol``).  ``key`` is a zero-argument function that recomputes the answer from
    the notebook's inputs with the section's Calculation classes."""

    kind = "numeric"

    def __init__(self, id, key, *, tol: float = 0.01, abs_tol: float = 0.0, unit: str = "",
                 points: float = 1, title: str = "", partial=()):
        if tol < 0 or abs_tol < 0 or (tol == 0 and abs_tol == 0):
            raise ValueError(f"exercise {id}: give a positive tolerance (tol relative and/or abs_tol)")
        self.tol, self.abs_tol, self.unit = float(tol), float(abs_tol), unit
        self.partial = [b for b in check_partial(id, partial) if b[0] > self.tol]
        super().__init__(id, key, points, title)

    def spec(self):
        return {**super().spec(), "tol": self.tol, "abs_tol": self.abs_tol, "unit": self.unit,
                "partial": self.partial}

    def grade(self, answer, key) -> Verdict:
        return score_numeric(answer, key, self.tol, self.abs_tol, self.partial)

    def message(self, v: Verdict) -> str:
        unit = f" ({self.unit})" if self.unit else ""
        within = _tol_text(self.tol, self.abs_tol, self.unit)
        head = f"Exercise {self.id}"
        if v.status == "missing":
            return (f"{head}: not answered yet.\nSet {self.answer_var} = <your number{unit}> in the cell "
                    f"above, then run this cell again.")
        if v.status == "non-numeric":
            return f"{head}: {self.answer_var} is not usable: {v.detail}."
        if v.status == "correct":
            return f"{head}: ✔ correct — within {within} of the model's value."
        if v.status == "partial":
            return f"{head}: ≈ close — {v.detail}, but not within {within}. Check your rounding."
        hint = ""
        try:
            key = float(self.key())
            for factor, why in _SLIPS:
                if key and math.isclose(v.value, key * factor, rel_tol=max(self.tol, 1e-9)):
                    hint = f" Your number is off by {why}"
                    break
        except Exception:  # noqa: BLE001
            pass
        return (f"{head}: ✘ not within {within} of the model's value{unit}.\n"
                f"{hint.strip() or 'Check the formula, the units and your inputs, then try again.'}")


class ChoiceExercise(_Exercise):
    """An "explain/decide" exercise: choose one of ``options`` (auto-graded against ``key``, a
    function returning the option the model supports) and explain it in ``explain_<id>``
    (collected for the instructor, graded by hand)."""

    kind = "choice"

    def __init__(self, id, key, *, options, points: float = 1, title: str = "", explain: bool = True,
                 explain_points: float = 1):
        options = [str(o) for o in options]
        self.explain_points = float(explain_points) if explain else 0.0
        if len(options) < 2 or len({normalise_choice(o) for o in options}) != len(options):
            raise ValueError(f"exercise {id}: give at least two distinct options")
        self.options, self.explain = options, bool(explain)
        super().__init__(id, key, points, title)
        self.explain_var = f"explain_{id}" if explain else None

    def spec(self):
        return {**super().spec(), "options": self.options, "explain_var": self.explain_var,
                "manual_points": self.explain_points}

    def grade(self, answer, key) -> Verdict:
        return compare_choice(answer, key, self.options)

    def check(self, answer=None, explanation=None):
        """Self-check of the decision; also reminds the student to write the explanation."""
        try:
            key = self.key()
        except Exception as exc:  # noqa: BLE001
            print(f"Exercise {self.id}: the answer key could not be computed ({type(exc).__name__}: {exc}).")
            return
        msg = self.message(self.grade(answer, key))
        if self.explain and answer is not None and not (isinstance(explanation, str) and explanation.strip()):
            msg += f"\nNow justify it in {self.explain_var} (one or two sentences, graded by your instructor)."
        print(msg)
        return

    def message(self, v: Verdict) -> str:
        opts = " or ".join(repr(o) for o in self.options)
        head = f"Exercise {self.id}"
        if v.status == "missing":
            return f"{head}: not answered yet.\nSet {self.answer_var} to {opts}, then run this cell again."
        if v.status == "invalid":
            return f"{head}: {v.detail}; choose {opts}."
        if v.status == "correct":
            return f"{head}: ✔ your decision agrees with what the model says for your inputs."
        return f"{head}: ✘ the model's numbers for your inputs point the other way.\nRecompute and reconsider."


# -- what a student's personal notebook holds instead of the exercises ------------------------
class _Check:
    """The student-side stand-in for an exercise: same id, points and answer variable, **no key**.

    ``assign`` replaces every ``exercise-key`` cell of a student's notebook by one of these, so
    nothing in the student's hands computes or returns a graded value.  Its ``check`` can only
    say what is knowable without the key (see ``docs/coursework.md``, "Self-checks without keys").
    """

    kind = "check"

    def __init__(self, id: str, *, points: float = 1, title: str = ""):
        if not isinstance(id, str) or not id.isidentifier():
            raise ValueError(f"exercise id {id!r} must be a Python identifier such as 'ex1'")
        self.id, self.points, self.title = id, points, title
        self.answer_var = f"answer_{id}"

    def __repr__(self):
        return f"{type(self).__name__}({self.id!r}, points={self.points:g})"


class NumericCheck(_Check):
    """Self-check of a numeric answer in a student's notebook: usable number, sign and order of
    magnitude against a coarse ``plausible=(lo, hi)`` range (unit slips fall outside it).  Whether
    the answer is within the tolerance is decided by the grader only."""

    kind = "numeric-check"

    def __init__(self, id, *, plausible, unit: str = "", tol: float = 0.01, abs_tol: float = 0.0,
                 points: float = 1, title: str = "", partial=()):
        super().__init__(id, points=points, title=title)
        lo, hi = (float(x) for x in plausible)
        if not (math.isfinite(lo) and math.isfinite(hi) and lo < hi):
            raise ValueError(f"exercise {id}: plausible must be a range (lo, hi) with lo < hi")
        self.plausible, self.unit, self.tol, self.abs_tol = (lo, hi), unit, float(tol), float(abs_tol)
        self.partial = check_partial(id, partial)

    def message(self, answer) -> str:
        head = f"Exercise {self.id}"
        unit = f" ({self.unit})" if self.unit else ""
        x, problem = parse_number(answer)
        if problem is not None and problem.status == "missing":
            return (f"{head}: not answered yet.\nSet {self.answer_var} = <your number{unit}> in the cell "
                    f"above, then run this cell again.")
        if problem is not None:
            return f"{head}: {self.answer_var} is not usable: {problem.detail}."
        hint = magnitude_hint(x, *self.plausible)
        within = _tol_text(self.tol, self.abs_tol, self.unit)
        if hint:
            return f"{head}: ✘ outside the plausible range for your inputs{unit}.\n{hint}"
        return (f"{head}: plausible — right sign and order of magnitude. The grader checks it to "
                f"{within}; this self-check cannot tell you more.")

    def check(self, answer=None, *extra):
        print(self.message(answer))


class ChoiceCheck(_Check):
    """Self-check of a decision in a student's notebook: one of the options, explanation written.
    (With two options, any right/wrong signal would be the answer, so there is none.)"""

    kind = "choice-check"

    def __init__(self, id, *, options, points: float = 1, title: str = "", explain: bool = True):
        super().__init__(id, points=points, title=title)
        self.options, self.explain = [str(o) for o in options], bool(explain)
        self.explain_var = f"explain_{id}" if explain else None

    def check(self, answer=None, explanation=None):
        head = f"Exercise {self.id}"
        opts = " or ".join(repr(o) for o in self.options)
        if answer is None:
            print(f"{head}: not answered yet.\nSet {self.answer_var} to {opts}, then run this cell again.")
            return
        v = compare_choice(answer, self.options[0], self.options)
        if v.status == "invalid":
            print(f"{head}: {v.detail}; choose {opts}.")
            return
        msg = f"{head}: recorded {v.value!r}. The grader checks the decision against your inputs."
        if self.explain and not (isinstance(explanation, str) and explanation.strip()):
            msg += f"\nNow justify it in {self.explain_var} (one or two sentences, graded by your instructor)."
        print(msg)


def check_source(spec: dict, plausible=None) -> str:
    """The code of a student notebook's check cell for one exercise (spec as in :func:`spec_json`)."""
    common = f"points={spec['points']!r}, title={spec.get('title', '')!r}"
    if spec["kind"] == "numeric":
        lo, hi = plausible
        extra = f", partial={spec['partial']!r}" if spec.get("partial") else ""
        return (f"{spec['id']} = NumericCheck({spec['id']!r}, plausible=({lo!r}, {hi!r}), "
                f"unit={spec.get('unit', '')!r}, tol={spec['tol']!r}, abs_tol={spec['abs_tol']!r}, "
                f"{common}{extra})")
    return (f"{spec['id']} = ChoiceCheck({spec['id']!r}, options={spec['options']!r}, "
            f"explain={spec.get('explain_var') is not None!r}, {common})")


# -- read by the coursework tools through a kernel -------------------------------------------
def _jsonable(x):
    if isinstance(x, bool) or x is None or isinstance(x, str):
        return x
    if isinstance(x, Integral):
        return int(x)
    if isinstance(x, Real):
        return float(x) if math.isfinite(float(x)) else {"error": f"not finite ({float(x)})"}
    return {"error": f"unsupported key type {type(x).__name__}"}


def spec_json() -> str:
    """The declared variant inputs and exercises, as JSON (no key values)."""
    v = _REGISTRY["variant"]
    variant_specs: dict[str, dict] = {}
    out = {"variant": variant_specs, "exercises": [e.spec() for e in _REGISTRY["exercises"].values()]}
    if v is not None:
        for name, d in v.draws.items():
            variant_specs[name] = {**d.spec(), "label": d.label or name, "unit": d.unit or "",
                                   "source": d.source, "default": _jsonable(v.namespace.get(name))}
    return json.dumps(out)


def _evaluate_keys() -> dict:
    keys = {}
    for ex in _REGISTRY["exercises"].values():
        try:
            value = _jsonable(ex.key())
        except Exception as exc:  # noqa: BLE001
            value = {"error": f"{type(exc).__name__}: {exc}"}
        if ex.kind == "choice" and isinstance(value, str) and \
                normalise_choice(value) not in {normalise_choice(o) for o in ex.options}:
            value = {"error": f"key {value!r} is not one of the options"}
        if ex.kind == "numeric" and not isinstance(value, dict) and (
                value is None or isinstance(value, (bool, str))):
            value = {"error": f"a numeric exercise's key must be a number, not {type(value).__name__}"}
        if ex.kind == "choice" and value is None:
            value = {"error": "a choice exercise's key returned None"}
        keys[ex.id] = value
    return keys


def keys_json() -> str:
    """Every exercise's key evaluated with the inputs now in the notebook, as JSON."""
    return json.dumps(_evaluate_keys())


def assign_variants(request: str) -> str:
    """Draw each student's variant and make sure its keys are valid (kernel side of ``assign``).

    ``request`` is JSON ``{"students": [...], "seed": int, "notebook": str, "max_attempts": int}``.
    For each student, draws are tried with attempt 0, 1, … until every key evaluates to a finite
    number (or a listed option) with the drawn inputs; the notebook's inputs are restored after.
    """
    req = json.loads(request)
    v = _REGISTRY["variant"]
    if v is None:
        return json.dumps({"error": "the notebook declares no variant(...) inputs"})
    specs = v.specs()
    saved = v.values()
    result = {}
    try:
        for student in req["students"]:
            last = None
            for attempt in range(int(req.get("max_attempts", 50))):
                values = _params.draw_variant(specs, int(req["seed"]), req["notebook"], student, attempt)
                try:
                    for name, value in values.items():
                        v.draws[name].validate(name, value)
                except Exception as exc:  # noqa: BLE001
                    last = str(exc)
                    continue
                v.namespace.update(values)
                keys = _evaluate_keys()
                bad = {k: val["error"] for k, val in keys.items() if isinstance(val, dict)}
                if not bad:
                    result[student] = {"params": values, "attempts": attempt + 1, "keys": keys}
                    break
                last = "; ".join(f"{k}: {e}" for k, e in bad.items())
            else:
                return json.dumps({"error": f"no valid variant for student {student!r} after "
                                            f"{req.get('max_attempts', 50)} draws (last problem: {last}); "
                                            f"narrow the Draw ranges"})
    finally:
        v.namespace.update(saved)
    return json.dumps({"students": result})
