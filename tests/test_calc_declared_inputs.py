"""A Calculation may declare another scenario's inputs as its own (``x = Other.x``) and run variants
with scaled inputs (``calc.scaled(x=4)``) — how a sensitivity table declares its base scenario
instead of reading a global one (issue 13)."""
import pytest

from mlsysim.calc import Calculation, OutputError, Param, ParamError


class Base(Calculation):
    rate = Param(0.02, unit="1/day", lo=1e-4, hi=1.0, label="Drift rate λ")
    cost = Param(5_000, unit="USD", lo=100, hi=1e6)
    outputs = ("rate_str",)

    def execute(self):
        self.value = self.cost / self.rate

    def output(self):
        self.rate_str = str(self.rate)


class Table(Calculation):
    rate = Base.rate
    cost = Base.cost
    factor = Param(4.0, lo=1.01, hi=100.0)
    outputs = ("ratio_str",)

    def execute(self):
        base = Base(**{name: getattr(self, name) for name in Base.params()})
        self.ratio = base.scaled(rate=self.factor).value / base.value

    def output(self):
        self.ratio_str = f"{self.ratio:.2f}"


def test_a_taken_over_param_is_a_copy_that_names_its_new_owner():
    assert Table.rate is not Base.rate and Table.cost is not Base.cost
    assert (Base.rate.owner, Base.rate.name) == ("Base", "rate")       # the original is untouched
    assert (Table.rate.owner, Table.rate.name) == ("Table", "rate")
    assert Table.rate.label == "Drift rate λ" and Table.rate.unit == "1/day" and Table.rate.hi == 1.0
    assert list(Table.params()) == ["rate", "cost", "factor"]
    with pytest.raises(ParamError, match=r"^Table\.rate = 2 is out of range"):
        Table(rate=2)
    with pytest.raises(ParamError, match=r"^Base\.rate = 2 is out of range"):
        Base(rate=2)


def test_a_class_that_takes_over_params_does_not_inherit_outputs():
    t = Table(rate=0.05, cost=2_000)
    assert t.ratio == pytest.approx(0.25) and t.ratio_str == "0.25"
    assert Table._outputs == ("ratio_str",)


def test_the_same_param_under_two_names_in_one_class_gives_two_params():
    class Two(Calculation):
        a = b = Param(1.0, lo=0, hi=10)
    assert Two.a is not Two.b
    assert {Two.a.name, Two.b.name} == {"a", "b"}
    with pytest.raises(ParamError, match=r"^Two\.b = 11"):
        Two(b=11)


def test_scaled_multiplies_the_named_inputs_and_validates_them():
    base = Base(rate=0.02, cost=5_000)
    v = base.scaled(rate=4, cost=0.5)
    assert (v.rate, v.cost) == (0.08, 2_500) and type(v) is Base
    assert (base.rate, base.cost) == (0.02, 5_000)
    with pytest.raises(ParamError, match=r"Base has no parameter 'speed'"):
        base.scaled(speed=2)
    with pytest.raises(ParamError, match=r"Base\.rate = 2 is out of range"):
        base.scaled(rate=100)


def test_outputs_are_still_checked_on_a_class_with_taken_over_params():
    class Forgets(Calculation):
        rate = Base.rate
        outputs = ("x_str",)
    with pytest.raises(OutputError, match="x_str"):
        Forgets()
