"""The LEGO contract: ``Param`` and ``Calculation``.

A scenario is a class with four visible blocks::

    class RetrainingInterval(Calculation):
        # ┌── 1. LOAD ──────────────
        retrain_cost = Param(5_000, unit="USD", lo=100, hi=100_000, label="Retraining cost C")
        # ┌── 2. EXECUTE ───────────
        def execute(self): ...          # call formulas in mlsysim.models
        # ┌── 3. GUARD ─────────────
        def guard(self): ...            # check(...) hard invariants, self.expect(...) soft ones
        # ┌── 4. OUTPUT ────────────
        def output(self): ...           # formatted strings for the prose

    fraud = RetrainingInterval()                  # the book's scenario: every Param at its default
    RetrainingInterval(drift_rate=0.08)           # a variant
    fraud.with_(drift_rate=0.08)                  # the same variant, starting from fraud's inputs

Constructing runs EXECUTE → GUARD → OUTPUT.  Bad inputs raise :class:`ParamError`, whose message
names the parameter, the value and what is allowed.  Two kinds of invariant live in GUARD:

* ``check(cond, msg)`` – must hold for every valid input; a violation raises :class:`GuardError`.
* ``self.expect(cond, msg)`` – a condition the scenario *should* satisfy (e.g. "the latency budget
  fits the SLO").  A violation does not raise; it is recorded in ``self.warnings`` so an explorer
  can show it next to the numbers and the prose can talk about it.

Claims the prose makes about the book's own numbers are asserted in the notebook with
:func:`mlsysim.fmt.claim`, next to the sentence.
"""
from __future__ import annotations

import math
from numbers import Integral, Real

from .fmt import ClaimError, GuardError, check, claim, fmt

__all__ = ["Param", "Calculation", "ParamError", "GuardError", "ClaimError", "OutputError", "check", "claim"]


class ParamError(ValueError):
    """An input is not acceptable. The message names the parameter, the value and what is allowed."""

    def _render_traceback_(self):
        # IPython (and so JupyterLab, nbclient and papermill) shows this instead of a traceback:
        # the message already says what was wrong and what is allowed.
        return [f"ParamError: {self}"]


def unit_words(unit: str) -> str:
    """A unit as a reader says it: ``1/day`` → ``per day``, ``USD/run`` → ``USD per run``."""
    if unit.startswith("1/"):
        return "per " + unit[2:]
    return unit.replace("/", " per ")


class OutputError(GuardError):
    """A Calculation did not produce an output it declares, or produced a ``*_str`` it does not declare."""


class Param:
    """A declared input: default, unit, valid range, and how an explorer should show it.

    ``lo``/``hi`` are inclusive bounds; ``log=True`` asks explorers and variant generators to treat
    the range on a logarithmic scale (rates, volumes spanning decades); ``integer=True`` accepts whole
    numbers only; ``choices`` restricts the value to a fixed set.
    """

    __slots__ = ("default", "unit", "lo", "hi", "log", "integer", "label", "doc", "step",
                 "choices", "name", "owner", "_owner_class")

    def __init__(self, default, *, unit: str = "", lo=None, hi=None, log: bool = False,
                 integer: bool = False, label: str | None = None, doc: str = "", step=None,
                 choices=None):
        self.default, self.unit, self.lo, self.hi = default, unit, lo, hi
        self.log, self.integer, self.label, self.doc, self.step = log, integer, label, doc, step
        self.choices = tuple(choices) if choices is not None else None
        self.name = None
        self.owner = None
        self._owner_class: type | None = None
        if log and (lo is None or lo <= 0):
            raise ValueError("a log-scaled Param needs a positive lower bound lo")
        if lo is not None and hi is not None and lo > hi:
            raise ValueError(f"Param bounds are reversed: lo={lo} > hi={hi}")

    def __set_name__(self, owner, name):
        if self._owner_class is not None:
            # Already declared by another class (``drift_rate = RetrainingInterval.drift_rate``): that
            # class keeps it; Calculation.__init_subclass__ gives ``owner`` its own copy.
            return
        self.name, self.owner, self._owner_class = name, owner.__name__, owner
        if self.label is None:
            self.label = name.replace("_", " ")

    def copy(self) -> Param:
        """An unbound Param with the same default, unit, range, label and presentation."""
        return Param(self.default, unit=self.unit, lo=self.lo, hi=self.hi, log=self.log, integer=self.integer,
                     label=self.label, doc=self.doc, step=self.step, choices=self.choices)

    # -- presentation --------------------------------------------------------------------------
    def allowed(self) -> str:
        """Human description of the allowed values, e.g. ``"between 100 and 100,000 USD"``."""
        unit = f" {unit_words(self.unit)}" if self.unit else ""
        if self.choices is not None:
            return "one of " + ", ".join(map(repr, self.choices))
        kind = "a whole number" if self.integer else "a number"
        if self.lo is not None and self.hi is not None:
            return f"{kind} between {_plain(self.lo)} and {_plain(self.hi)}{unit}"
        if self.lo is not None:
            return f"{kind} ≥ {_plain(self.lo)}{unit}"
        if self.hi is not None:
            return f"{kind} ≤ {_plain(self.hi)}{unit}"
        return f"{kind}{unit and ' in' + unit}"

    def describe(self) -> str:
        unit = f" [{self.unit}]" if self.unit else ""
        return f"{self.label}{unit}"

    # -- validation ----------------------------------------------------------------------------
    def validate(self, value, name: str | None = None):
        """The value, converted, if allowed; else ParamError naming ``name`` (default ``Class.field``)."""
        where = name or (f"{self.owner}.{self.name}" if self.owner else (self.name or "parameter"))
        if self.choices is not None:
            if value not in self.choices:
                raise ParamError(f"{where} = {value!r} is not allowed: use {self.allowed()}.")
            return value
        if hasattr(value, "m_as") and self.unit:                 # a pint quantity
            try:
                value = value.m_as(self.unit)
            except Exception as exc:  # noqa: BLE001 – pint raises several kinds
                raise ParamError(f"{where} = {value} cannot be expressed in {self.unit}: {exc}") from None
        if isinstance(value, str):
            try:
                value = float(value.replace(",", "").replace("_", ""))
            except ValueError:
                raise ParamError(f"{where} = {value!r} is not a number; it must be {self.allowed()}.") from None
        if isinstance(value, bool):
            raise ParamError(f"{where} = {value!r} is not a number; it must be {self.allowed()}.")
        if not isinstance(value, Real):
            try:
                value = float(value)                             # numpy scalars
            except (TypeError, ValueError):
                raise ParamError(f"{where} = {value!r} is not a number; it must be {self.allowed()}.") from None
        if not math.isfinite(float(value)):
            raise ParamError(f"{where} = {value!r} is not finite; it must be {self.allowed()}.")
        if self.integer:
            if float(value) != int(float(value)):
                raise ParamError(f"{where} = {value!r} is not a whole number; it must be {self.allowed()}.")
            value = int(float(value))
        elif not isinstance(value, Integral):
            value = float(value)
        if (self.lo is not None and value < self.lo) or (self.hi is not None and value > self.hi):
            raise ParamError(f"{where} = {_plain(value)} is out of range; it must be {self.allowed()}.")
        return value

    def __repr__(self):
        return f"Param({self.default!r}, unit={self.unit!r}, lo={self.lo!r}, hi={self.hi!r}, log={self.log})"


def _plain(x) -> str:
    """A bound or value written for a message: 100000 → "100,000", 0.0001 → "0.0001"."""
    if isinstance(x, Integral) or (isinstance(x, float) and x.is_integer() and abs(x) < 1e15):
        return fmt(x, 0)
    return f"{x:,.6g}"


class Calculation:
    """Base class of every scenario. Subclasses declare ``Param`` attributes and override
    ``execute``, ``guard`` and ``output``. See the module docstring."""

    _params: dict[str, Param] = {}
    #: The names the prose may print (``{eval}`calc.name```), declared by each subclass:
    #: ``outputs = ("T_sqrt_str", "cost_str")``.  Subclasses inherit their bases' outputs.  When a
    #: class declares outputs, constructing it checks that every declared output was set and that no
    #: undeclared ``*_str`` was; tests/test_prose_outputs.py checks every ``{eval}`` against them.
    outputs: tuple[str, ...] = ()
    _outputs: tuple[str, ...] | None = None

    def __init_subclass__(cls, **kw):
        super().__init_subclass__(**kw)
        for name, value in list(vars(cls).items()):
            # A Param taken over from another scenario (so that this one declares the same input)
            # becomes this class's own copy: messages name this class, and the other is untouched.
            if isinstance(value, Param) and (value._owner_class is not cls or value.name != name):
                own = value.copy()
                own.__set_name__(cls, name)
                setattr(cls, name, own)
        params: dict[str, Param] = {}
        for base in reversed(cls.__mro__[1:]):
            params.update(getattr(base, "_params", {}))
        params.update({k: v for k, v in vars(cls).items() if isinstance(v, Param)})
        cls._params = params
        declared = [c.__dict__["outputs"] for c in reversed(cls.__mro__) if "outputs" in c.__dict__
                    and c is not Calculation]
        if any(isinstance(d, str) for d in declared):
            raise TypeError(f"{cls.__name__}.outputs must be a tuple of names, not a string")
        cls._outputs = tuple(dict.fromkeys(n for d in declared for n in d)) if declared else None

    def __init__(self, **overrides):
        cls = type(self)
        unknown = sorted(set(overrides) - set(cls._params))
        if unknown:
            names = ", ".join(cls._params) or "(none)"
            raise ParamError(f"{cls.__name__} has no parameter {', '.join(map(repr, unknown))}; "
                             f"its parameters are: {names}.")
        for name, param in cls._params.items():
            setattr(self, name, param.validate(overrides.get(name, param.default)))
        self.warnings: list[str] = []
        self.execute()
        self.guard()
        self.output()
        if cls._outputs is not None:
            self._check_outputs(cls._outputs)

    def _check_outputs(self, declared: tuple[str, ...]) -> None:
        cls = type(self).__name__
        missing = [n for n in declared if not hasattr(self, n)]
        if missing:
            raise OutputError(f"{cls} declares output(s) {', '.join(missing)} but did not set them.")
        extra = [n for n in vars(self) if n.endswith("_str") and n not in declared]
        if extra:
            raise OutputError(f"{cls} sets {', '.join(extra)} without declaring them in {cls}.outputs.")

    # -- the four blocks (LOAD is the class body) --------------------------------------------------
    def execute(self):
        """2. EXECUTE: compute results by calling formulas in ``mlsysim.models``."""

    def guard(self):
        """3. GUARD: ``check`` hard invariants; ``self.expect`` soft ones."""

    def output(self):
        """4. OUTPUT: set ``*_str`` attributes used in the prose."""

    # -- helpers -----------------------------------------------------------------------------------
    def expect(self, condition, message: str) -> bool:
        """Soft invariant: record ``message`` in ``self.warnings`` when ``condition`` is false."""
        if not condition:
            self.warnings.append(message)
        return bool(condition)

    @classmethod
    def params(cls) -> dict[str, Param]:
        """The declared inputs, in declaration order."""
        return dict(cls._params)

    @classmethod
    def defaults(cls) -> dict:
        return {k: p.default for k, p in cls._params.items()}

    def inputs(self) -> dict:
        """This instance's input values (after validation)."""
        return {k: getattr(self, k) for k in self._params}

    def with_(self, **overrides) -> Calculation:
        """A new run of the same scenario with some inputs changed."""
        return type(self)(**{**self.inputs(), **overrides})

    def scaled(self, **factors) -> Calculation:
        """A new run with some inputs multiplied by a factor: ``calc.scaled(drift_rate=4)`` runs the
        scenario with four times the drift rate (validated like any other input)."""
        unknown = sorted(set(factors) - set(self._params))
        if unknown:
            raise ParamError(f"{type(self).__name__} has no parameter {', '.join(map(repr, unknown))}; "
                             f"its parameters are: {', '.join(self._params)}.")
        return self.with_(**{name: getattr(self, name) * factor for name, factor in factors.items()})

    def changed(self) -> dict:
        """Inputs that differ from the class defaults."""
        return {k: v for k, v in self.inputs().items() if v != self._params[k].default}

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.inputs().items())
        return f"{type(self).__name__}({args})"
