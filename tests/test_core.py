"""Units, formatting and the LEGO Calculation contract."""
import math
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, strategies as st

from mlsysim.calc import Calculation, Param, ParamError
from mlsysim.fmt import (ClaimError, GuardError, Text, check, claim, fmt, fmt_duration, fmt_mult, fmt_pct,
                         fmt_sig, fmt_usd, md_table)


# ── constants ────────────────────────────────────────────────────────────────
def test_import_is_lazy():
    code = ("import sys, mlsysim, mlsysim.calc, mlsysim.fmt, mlsysim.core.constants as c; "
            "assert c.MILLION == 10**6; "
            "print(sorted(m for m in ('pint', 'matplotlib', 'ipywidgets', 'scipy') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_units_and_constants():
    from mlsysim.core.constants import DAYS_PER_YEAR, GB, HOURS_PER_DAY, MILLION, THOUSAND, byte, ms, second

    assert (8 * 25_920_000 * byte).m_as(GB) == pytest.approx(0.20736)
    assert (1500 * ms).m_as(second) == pytest.approx(1.5)
    assert (MILLION, THOUSAND, DAYS_PER_YEAR, HOURS_PER_DAY) == (10**6, 10**3, 365, 24)


def test_unknown_constant_is_an_attribute_error():
    import mlsysim.core.constants as c

    with pytest.raises(AttributeError, match="NOT_A_UNIT"):
        c.NOT_A_UNIT  # noqa: B018


# ── formatting ───────────────────────────────────────────────────────────────
@pytest.mark.parametrize("call, expected", [
    (lambda: fmt(365000, precision=0, commas=True), "365,000"),
    (lambda: fmt(365000, precision=0, commas=False), "365000"),
    (lambda: fmt(0.456, 1), "0.5"),
    (lambda: fmt(-0.0001, 2), "0.00"),
    (lambda: fmt(math.inf, inf="never"), "never"),
    (lambda: fmt(-math.inf, inf="∞"), "−∞"),
    (lambda: fmt_duration(math.inf, inf="never"), "never"),
    (lambda: fmt_usd(5000), "$5,000"),
    (lambda: fmt_usd(-20.5, 2), "−$20.50"),
    (lambda: fmt_pct(0.02, 0), "2%"),
    (lambda: fmt_mult(4), "4.0×"),
    (lambda: fmt_sig(0.012345), "0.012"),
    (lambda: fmt_sig(123456, 3), "123,000"),
    (lambda: fmt_duration(86400 * 1.03), "1.0 day"),
    (lambda: fmt_duration(0.25), "250.0 ms"),
    (lambda: fmt_duration(7200, unit="minute", precision=0), "120 minutes"),
])
def test_formatting(call, expected):
    out = call()
    assert out == expected
    assert isinstance(out, Text) and repr(out) == expected      # inline {eval} shows no quotes


@pytest.mark.parametrize("call", [
    lambda: fmt(float("nan")), lambda: fmt(math.inf), lambda: fmt(-math.inf), lambda: fmt_usd(math.nan),
    lambda: fmt_usd(math.inf), lambda: fmt_pct(0 * math.inf), lambda: fmt_mult(math.inf),
    lambda: fmt_sig(math.nan), lambda: fmt_duration(math.nan), lambda: fmt_duration(math.inf),
    lambda: fmt(np.float64("nan")),
])
def test_prose_refuses_nan_and_infinity(call):
    from mlsysim.fmt import NumberError

    with pytest.raises(NumberError, match="NaN|infinity") as info:
        call()
    assert isinstance(info.value, GuardError)       # explorers show GuardError messages, never a traceback
    assert "nan" not in str(info.value) and "inf " not in str(info.value)


def test_explorer_shows_the_number_error_instead_of_numbers():
    from mlsysim.widgets import explore

    class Ratio(Calculation):
        a = Param(1.0, lo=0, hi=10)
        b = Param(1.0, lo=0, hi=10)

        def execute(self):
            self.r = self.a / self.b if self.b else math.nan

        def output(self):
            self.r_str = fmt(self.r, 2)

    ex = explore(Ratio, render=lambda c: f"ratio {c.r_str}")
    assert "ratio 1.00" in ex.text.value and ex.error is None
    ex.set(b="0")
    assert ex.error and "NaN" in ex.error and "ratio 1.00" in ex.text.value   # last valid numbers kept



def test_fmt_rejects_non_numbers():
    with pytest.raises(TypeError, match="not a number"):
        fmt("abc")


@given(st.floats(min_value=-1e12, max_value=1e12, allow_nan=False))
def test_fmt_round_trips(x):
    assert float(fmt(x, 3).replace(",", "")) == pytest.approx(round(x, 3), abs=1e-3)


def test_check_and_claim():
    check(True, "never shown")
    with pytest.raises(GuardError) as err:
        check(1 > 2, "latency budget exceeds the SLO")
    assert str(err.value) == "latency budget exceeds the SLO"
    with pytest.raises(ClaimError, match="no longer holds: about one day"):
        claim(False, "about one day")
    assert issubclass(ClaimError, GuardError)


def test_md_table(monkeypatch):
    monkeypatch.setenv("MLSYSIM_MARKDOWN", "myst")                # the website's build (_ext/xref_links.py)
    t = md_table(["a", "b"], [[1, "x|y"]], caption="Cap", label="tbl-x", align="lr")
    assert t.splitlines()[:2] == [":::{table} Cap", ":name: tbl-x"]
    assert "| 1 | x\\|y |" in t and "|:---|---:|" in t
    with pytest.raises(ValueError, match="2 columns"):
        md_table(["a", "b"], [[1]])


# ── the Calculation contract ─────────────────────────────────────────────────
class Budget(Calculation):
    """Toy scenario used to test the contract."""
    slo_ms = Param(100.0, unit="ms", lo=1, hi=1000, label="SLO")
    inference_ms = Param(60.0, unit="ms", lo=0, hi=1000, label="Inference")
    network_ms = Param(20.0, unit="ms", lo=0, hi=1000, label="Network")
    replicas = Param(3, lo=1, hi=64, integer=True, label="Replicas")

    def execute(self):
        self.total_ms = self.inference_ms + self.network_ms

    def guard(self):
        check(self.total_ms >= 0, "total latency cannot be negative")
        self.expect(self.total_ms <= self.slo_ms,
                    f"latency budget exceeds the {fmt(self.slo_ms, 0)} ms SLO by {fmt(self.total_ms - self.slo_ms, 0)} ms")

    def output(self):
        self.total_str = fmt(self.total_ms, 0)


def test_defaults_overrides_and_with():
    b = Budget()
    assert b.total_str == "80" and b.warnings == []
    assert Budget(inference_ms=70).total_ms == 90
    v = b.with_(network_ms=50)
    assert v.total_ms == 110 and b.total_ms == 80        # with_ does not touch the original
    assert v.warnings == ["latency budget exceeds the 100 ms SLO by 10 ms"]
    assert v.changed() == {"network_ms": 50.0}
    assert list(Budget.params()) == ["slo_ms", "inference_ms", "network_ms", "replicas"]


@pytest.mark.parametrize("kwargs, pieces", [
    ({"slo_ms": 0}, ["Budget.slo_ms = 0", "out of range", "between 1 and 1,000 ms"]),
    ({"slo_ms": "fast"}, ["Budget.slo_ms = 'fast'", "not a number"]),
    ({"slo_ms": float("nan")}, ["not finite"]),
    ({"slo_ms": True}, ["not a number"]),
    ({"replicas": 2.5}, ["Budget.replicas = 2.5", "whole number"]),
    ({"latency": 3}, ["has no parameter 'latency'", "slo_ms, inference_ms, network_ms, replicas"]),
])
def test_bad_params_name_parameter_value_and_range(kwargs, pieces):
    with pytest.raises(ParamError) as err:
        Budget(**kwargs)
    for piece in pieces:
        assert piece in str(err.value)


def test_strings_and_quantities_are_accepted():
    from mlsysim.core.constants import Q_

    assert Budget(slo_ms="1,000").slo_ms == 1000
    assert Budget(slo_ms=Q_(0.2, "second")).slo_ms == pytest.approx(200)


def test_hard_guard_raises():
    class Broken(Calculation):
        x = Param(1.0, lo=0, hi=2)

        def guard(self):
            check(self.x < 1.5, "x must stay below 1.5")

    Broken(x=1.0)
    with pytest.raises(GuardError, match="x must stay below 1.5"):
        Broken(x=1.8)


def test_param_declaration_errors():
    for kwargs in ({"log": True}, {"log": True, "lo": 0, "hi": 2}, {"log": True, "lo": -1}):
        with pytest.raises(ValueError) as err:
            Param(1.0, **kwargs)
        assert str(err.value) == "a log-scaled Param needs a positive lower bound lo"
    with pytest.raises(ValueError) as err:
        Param(1.0, lo=3, hi=2)
    assert str(err.value) == "Param bounds are reversed: lo=3 > hi=2"


def test_md_table_escapes_money_but_not_math(monkeypatch):
    monkeypatch.setenv("MLSYSIM_MARKDOWN", "myst")
    t = md_table(["Effect on $T^*$", "Saving"], [["x", "$5,000 and \\$3,000"]], caption="Saves $2M", label="tbl-m")
    assert "Effect on $T^*$" in t and "\\$5,000 and \\$3,000" in t and "Saves \\$2M" in t
    assert "\\\\$" not in t                                  # an already escaped sign is not escaped twice


def test_nbrun_reports_a_bad_parameter_in_one_line(tmp_path):
    import nbformat
    from nbformat.v4 import new_code_cell, new_notebook

    nb = new_notebook(cells=[
        new_code_cell("rate = 0.02", metadata={"tags": ["parameters"]}),
        new_code_cell("from mlsysim.calc import Calculation, Param\n"
                      "class C(Calculation):\n    rate = Param(0.02, unit='1/day', lo=1e-4, hi=1.0)\n"
                      "C(rate=rate)"),
    ])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    path = tmp_path / "nb.ipynb"
    nbformat.write(nb, path)
    run = [sys.executable, "-m", "mlsysim.nbrun", str(path), "-o", str(tmp_path / "out")]
    unsafe = subprocess.run(run[:-2] + ["-p", "rate=0.5"], capture_output=True, text=True)
    assert unsafe.returncode == 2 and "give --output DIR" in unsafe.stderr
    out = subprocess.run(run + ["-p", "rate=7"], capture_output=True, text=True)
    assert out.returncode == 1
    line = [x for x in out.stderr.splitlines() if x.startswith("FAILED")][0]
    assert line.endswith("a cell raised ParamError: C.rate = 7 is out of range; it must be a number between "
                         "0.0001 and 1 per day.")
    bad = subprocess.run(run + ["-p", "rate=abc"], capture_output=True, text=True)
    assert bad.returncode == 2 and "'abc' is not a Python literal" in bad.stderr
    ok = subprocess.run(run + ["-p", "rate=0.5"], capture_output=True, text=True)
    assert ok.returncode == 0, ok.stderr
    executed = nbformat.read(tmp_path / "out" / "nb.ipynb", as_version=4)
    assert "injected-parameters" in executed.cells[1].metadata["tags"] and "rate = 0.5" in executed.cells[1].source
    assert nbformat.read(path, as_version=4).cells[1].source.startswith("from mlsysim")   # original untouched


# ── declared outputs ────────────────────────────────────────────────────────────────────────────
def test_declared_outputs_are_checked_and_inherited():
    from mlsysim.calc import OutputError

    class Base(Calculation):
        x = Param(2.0, lo=0, hi=10)
        outputs = ("x_str",)

        def output(self):
            self.x_str = fmt(self.x, 1)

    class Child(Base):
        outputs = ("y_str",)

        def output(self):
            super().output()
            self.y_str = fmt(self.x * 2, 1)

    assert Child._outputs == ("x_str", "y_str") and Child().y_str == "4.0"

    class Forgets(Base):
        outputs = ("y_str",)

    with pytest.raises(OutputError, match="declares output.*y_str.*did not set"):
        Forgets()

    class Undeclared(Base):
        def output(self):
            super().output()
            self.z_str = "z"

    with pytest.raises(OutputError, match="sets z_str without declaring"):
        Undeclared()
    with pytest.raises(TypeError, match="tuple of names"):
        type("Bad", (Calculation,), {"outputs": "x_str"})


# ── fmt details pinned by the mutation run (docs/mutation.md) ──────────────────────────────────
import re as _re  # noqa: E402

from mlsysim.fmt import NumberError  # noqa: E402


def test_fmt_nan_and_infinity_messages_in_full():
    with pytest.raises(NumberError, match="^" + _re.escape(
            "A number for the text is NaN (not a number): a 0/0 or a missing value upstream; "
            "the inputs give no meaningful value here.") + "$"):
        fmt(float("nan"))
    for x, sign in ((float("inf"), ""), (float("-inf"), "minus ")):
        with pytest.raises(NumberError, match="^" + _re.escape(
                f"A number for the text is {sign}infinity: the inputs give no finite value here.") + "$"):
            fmt(x)
    assert fmt(float("-inf"), inf="never") == "−never" and fmt(float("inf"), inf="never") == "never"


def test_fmt_defaults_negative_zero_and_separators():
    assert fmt(1234.5678) == "1,234.57"                        # precision 2, commas by default
    assert fmt(-0.001) == "0.00" and fmt(-0.001, 0) == "0"
    assert fmt(-1234.5, 1) == "-1,234.5"
    assert fmt_pct(12.3456) == "1,234.6%"                       # one decimal, separators
    assert fmt_mult(1234.5) == "1,234.5×"
    assert fmt_usd(-0.4) == "$0" and fmt_usd(-1234.4) == "−$1,234"
    assert fmt_usd(1234, commas=False) == "$1234" and fmt_usd(0) == "$0"
    assert fmt_sig(0) == "0" and fmt_sig(1) == "1.0" and fmt_sig(0.0, commas=False) == "0"
    assert fmt_sig(12345.678, 7) == "12,345.68" and fmt_sig(12345.678, 7, commas=False) == "12345.68"
    assert fmt_sig(1234, commas=False) == "1200"


def test_fmt_numbers_from_pint_numpy_and_their_refusal():
    from mlsysim.core.constants import ms

    assert fmt(1500 * ms, 0) == "1,500"
    assert fmt(np.float32(2.5), 1) == "2.5" and fmt(np.array(3.25), 2) == "3.25"
    with pytest.raises(TypeError, match="^cannot format value 'abc': not a number$"):
        fmt("abc")
    with pytest.raises(TypeError, match="^cannot format duration 'abc': not a number$"):
        fmt_duration("abc")


def test_fmt_duration_units_boundaries_and_plurals():
    assert fmt_duration(60) == "1.0 minute" and fmt_duration(59.9) == "59.9 seconds"
    assert fmt_duration(1e-9) == "0.0 µs" and fmt_duration(2e-6) == "2.0 µs"
    assert fmt_duration(0.002) == "2.0 ms"
    assert fmt_duration(3600, precision=0) == "1 hour" and fmt_duration(3600, precision=2) == "1.00 hour"
    assert fmt_duration(7200, unit="hour", precision=0) == "2 hours"
    with pytest.raises(ValueError, match="^" + _re.escape(
            "unknown duration unit 'week'; use one of year, day, hour, minute, second, ms, µs") + "$"):
        fmt_duration(1, unit="week")


# ── calc details pinned by the mutation run (docs/mutation.md) ─────────────────────────────────
from mlsysim.calc import OutputError, unit_words  # noqa: E402


def test_allowed_for_every_kind_of_param():
    assert Param(1, unit="1/day", lo=0, hi=2).allowed() == "a number between 0 and 2 per day"
    assert Param(1, lo=0.5).allowed() == "a number ≥ 0.5"
    assert Param(1, unit="USD/run", hi=10, integer=True).allowed() == "a whole number ≤ 10 USD per run"
    assert Param(1).allowed() == "a number" and Param(1, unit="ms").allowed() == "a number in ms"
    assert Param("a", choices=["a", "b"]).allowed() == "one of 'a', 'b'"
    assert Param(1, lo=0, hi=1e15).allowed() == "a number between 0 and 1e+15"
    assert Param(1, lo=0, hi=999_999_999_999_999.0).allowed() == "a number between 0 and 999,999,999,999,999"
    assert unit_words("1/week") == "per week" and unit_words("USD/GB/month") == "USD per GB per month"


def test_validate_names_and_conversions():
    p = Param(1.0, lo=0, hi=1e6)
    assert p.validate("1_000") == 1000.0 and p.validate("2,500") == 2500.0
    assert type(p.validate(np.float32(2.5))) is float and p.validate(np.float32(2.5)) == 2.5
    with pytest.raises(ParamError, match=r"^parameter = 'x' is not a number"):
        p.validate("x")
    with pytest.raises(ParamError, match=r"^n = 'x' is not a number"):
        p.validate("x", name="n")

    class C(Calculation):
        max_wait = Param(1.0, unit="ms", lo=0, hi=10)

    assert C.params()["max_wait"].label == "max wait"
    from mlsysim.core.constants import GB

    with pytest.raises(ParamError, match=r"^C\.max_wait = 1 GB cannot be expressed in ms: Cannot convert"):
        C.params()["max_wait"].validate(1 * GB)


def test_expect_returns_the_condition_and_outputs_name_every_missing_one():
    b = Budget()
    assert b.expect(True, "fine") is True and b.expect(0, "zero") is False and b.warnings == ["zero"]

    class Two(Calculation):
        outputs = ("a_str", "b_str")

    with pytest.raises(OutputError, match=r"^Two declares output\(s\) a_str, b_str but did not set them\.$"):
        Two()

    class Extra(Calculation):
        outputs = ("c_str",)

        def output(self):
            self.c_str, self.a_str, self.b_str = "c", "a", "b"

    with pytest.raises(OutputError, match=r"^Extra sets a_str, b_str without declaring them in Extra\.outputs\.$"):
        Extra()


def test_scaled_and_copy():
    b = Budget().scaled(network_ms=2, replicas=2)
    assert b.network_ms == 40.0 and b.replicas == 6 and b.total_str == "100"
    with pytest.raises(ParamError) as err:
        Budget().scaled(zz=2, nope=3)
    assert str(err.value) == ("Budget has no parameter 'nope', 'zz'; its parameters are: "
                              "slo_ms, inference_ms, network_ms, replicas.")
    p = Budget.params()["replicas"].copy()
    assert (p.default, p.lo, p.hi, p.integer, p.label, p.name) == (3, 1, 64, True, "Replicas", None)


def test_fmt_usd_below_one_dollar_is_not_negative():
    assert fmt_usd(0.6) == "$1" and fmt_usd(0.4) == "$0"


# -- the contract's remaining edges (mutants that survived the calc run) ------------------------------
def test_unknown_inputs_are_named_together_and_a_class_without_inputs_says_none():
    class NoInputs(Calculation):
        def execute(self):
            self.x = 1

    with pytest.raises(ParamError) as err:
        NoInputs(a=1, b=2)
    assert str(err.value) == "NoInputs has no parameter 'a', 'b'; its parameters are: (none)."


def test_repr_shows_the_inputs():
    assert repr(Budget(replicas=4)) == "Budget(slo_ms=100.0, inference_ms=60.0, network_ms=20.0, replicas=4)"


def test_describe_names_label_and_unit():
    assert Budget.params()["slo_ms"].describe() == "SLO [ms]"
    assert Budget.params()["replicas"].describe() == "Replicas"


def test_an_own_param_is_kept_not_copied():
    rate = Param(0.5, lo=0, hi=1)

    class Own(Calculation):
        r = rate

        def execute(self):
            self.y = self.r

    assert Own.__dict__["r"] is rate and (rate.owner, rate.name) == ("Own", "r")


def test_param_defaults_and_edge_bounds():
    p = Param(1)
    assert (p.unit, p.doc, p.label, p.name, p.owner, p.choices, p.step) == ("", "", None, None, None, None, None)
    assert Param(1, lo=1, hi=1).validate(1) == 1                 # equal bounds: one allowed value
    assert Param(1, lo=0.5, hi=2, log=True).lo == 0.5             # a log range may start below 1


def test_copy_keeps_every_presentation_field():
    p = Param(5, unit="ms", lo=1, hi=100, log=True, integer=True, label="Latency", doc="per request", step=1)
    c = p.copy()
    assert (c.default, c.unit, c.lo, c.hi, c.log, c.integer, c.label, c.doc, c.step, c.choices) == \
        (5, "ms", 1, 100, True, True, "Latency", "per request", 1, None)
    assert Param("a", choices=("a", "b")).copy().choices == ("a", "b")


def test_validate_converts_other_numbers_and_refuses_other_objects():
    from decimal import Decimal

    p = Param(1.0, lo=0, hi=1e6)
    p.name = "x"
    assert p.validate("1_000") == 1000.0 and p.validate("12,500") == 12500.0
    assert p.validate(Decimal("2.5")) == 2.5 and isinstance(p.validate(Decimal("2.5")), float)
    with pytest.raises(ParamError) as err:
        p.validate([1])
    assert str(err.value) == "x = [1] is not a number; it must be a number between 0 and 1,000,000."
