"""Explorers: built from Params, updated in Python, readable messages instead of tracebacks."""
import re

import ipywidgets as W
import pytest

from mlsysim.calc import Calculation, Param, ParamError
from mlsysim.fmt import check, fmt
from mlsysim.widgets import explore
from notebook_ns import load_namespace


class Toy(Calculation):
    rate = Param(0.02, unit="1/day", lo=1e-4, hi=1.0, log=True, label="Rate λ")
    cost = Param(100.0, unit="USD", lo=0, hi=1000, label="Cost")
    n = Param(3, lo=1, hi=10, integer=True, label="Count")

    def execute(self):
        self.total = self.cost * self.n * self.rate

    def guard(self):
        check(self.cost != 999, "a cost of exactly 999 is forbidden in this toy")
        self.expect(self.total < 50, f"total {fmt(self.total, 1)} is above 50")

    def output(self):
        self.total_str = fmt(self.total, 2)


def render(c):
    return f"Total: **{c.total_str}**"


def test_sliders_match_params():
    ex = explore(Toy, render=render)
    assert isinstance(ex.sliders["rate"], W.FloatLogSlider)
    assert isinstance(ex.sliders["cost"], W.FloatSlider)
    assert isinstance(ex.sliders["n"], W.IntSlider)
    assert ex.sliders["rate"].description == "Rate λ" and ex.sliders["rate"].min == pytest.approx(-4)
    assert "mlsysim-log" in ex.sliders["rate"]._dom_classes       # explorers.js speaks 10**value
    assert ">1/day</span>" in ex.children[0].children[2].value      # the unit beside the value box
    assert "<strong>6.00</strong>" in ex.text.value


def test_slider_change_updates_text():
    ex = explore(Toy, render=render)
    before = ex.text.value
    ex.sliders["n"].value = 5
    assert ex.text.value != before and "<strong>10.00</strong>" in ex.text.value
    assert ex.entries["n"].value == "5"


def test_typed_invalid_value_shows_message_and_keeps_last_valid_numbers():
    ex = explore(Toy, render=render)
    good = ex.text.value
    ex.set(cost="-5")
    assert ex.error and "Toy.cost = -5" in ex.error and "between 0 and 1,000 USD" in ex.error
    assert "mlsysim-error" in ex.message.value and ex.text.value == good
    ex.set(cost="abc")
    assert "not a number" in ex.error
    ex.set(cost="200")                                   # a valid value clears the message
    assert ex.error is None and "<strong>12.00</strong>" in ex.text.value


def test_violated_invariants_are_messages_not_exceptions():
    ex = explore(Toy, render=render)
    ex.set(cost="999")
    assert "forbidden" in ex.error
    ex.set(cost="1000", rate="0.5")
    assert "above 50" in ex.message.value and "mlsysim-warning" in ex.message.value


def test_unknown_inputs():
    with pytest.raises(ParamError, match="no parameter nope"):
        explore(Toy, params=["nope"])
    ex = explore(Toy, render=render)
    ex.set(nope=1)
    assert "no input 'nope'" in ex.error


def test_instance_as_base_and_plot():
    calls = []

    def plot(c, ax):
        calls.append(c.total)
        ax.plot([0, 1], [0, c.total])

    ex = explore(Toy(cost=10), params=["rate"], render=render, plot=plot)
    assert ex.calc.cost == 10 and calls == [pytest.approx(0.6)]
    assert ex.svg.startswith(b"<?xml") and b"<svg" in ex.svg
    assert '<img src="data:image/svg+xml;base64,' in ex.out.value and 'style="width:100%' in ex.out.value
    alt_before = re.search(r'alt="([^"]*)"', ex.out.value).group(1)
    ex.sliders["rate"].value = 0.1
    assert len(calls) == 2
    assert repr(ex) == "Run this cell to explore Toy (rate)."     # what a saved notebook shows before it runs
    # the alt text and the caption state what the plot shows for the current inputs
    alt = re.search(r'alt="([^"]*)"', ex.out.value).group(1)
    assert alt != alt_before and alt in ex.plot_caption.value
    assert alt.startswith("Plot of Toy. For the inputs set above:")
    assert "0.1" in alt and "0.6" in alt_before


def test_plot_alt_callable_and_accessible_rows():
    ex = explore(Toy, params=["rate"], render=render, plot=lambda c, ax: ax.plot([0, 1], [0, c.total]),
                 plot_alt=lambda c: f"A line rising to {c.total:.2f}.")
    assert 'alt="A line rising to' in ex.out.value
    row = ex.children[0]
    assert "mlsysim-row" in row._dom_classes            # explorers.js finds rows by this class
    unit = [w for w in row.children if isinstance(w, W.HTML)]
    assert unit and "mlsysim-unit" in unit[0].value
    assert "tex2jax_ignore" in ex.text._dom_classes


# ── the retraining-economics section's own explorer ───────────────────────────
@pytest.fixture  # fresh explorers per test (notebook_ns)
def retraining_ns():
    return load_namespace("retraining_economics")


def test_retraining_explorer_moves_with_drift_rate(retraining_ns):
    ex = retraining_ns["explorer"]
    before = ex.text.value
    assert "1.03 days" in before and "good approximation" in before
    ex.sliders["drift_rate"].value = 0.08
    assert ex.text.value != before
    assert ex.calc.T_sqrt == pytest.approx(retraining_ns["fraud"].T_sqrt / 2)


def test_retraining_explorer_reports_breakdown_and_nonsense(retraining_ns):
    ex = retraining_ns["explorer"]
    ex.set(retrain_cost="1000000", drift_rate="0.5", query_volume="1000", value_per_query="1")
    assert "Retraining never pays for itself" in ex.message.value
    assert "No finite optimum" in ex.text.value
    ex.set(retrain_cost="20000", query_volume="100000")
    assert "breaks down" in ex.text.value
    ex.set(drift_rate="-0.1")
    assert "RetrainingInterval.drift_rate = -0.1" in ex.error and "between 0.0001 and 1 per day" in ex.error


class Mode(Calculation):
    effect = Param("relative", choices=("relative", "absolute"), label="Effect is")
    size = Param(0.02, lo=0.001, hi=0.5, label="Effect size")

    def output(self):
        self.summary = f"{self.effect} {self.size}"


def test_choice_params_become_dropdowns():
    ex = explore(Mode, render=lambda c: c.summary)
    assert isinstance(ex.sliders["effect"], W.Dropdown) and "effect" not in ex.entries
    ex.sliders["effect"].value = "absolute"
    assert "absolute 0.02" in ex.text.value
    ex.set(effect="both")
    assert "Mode.effect = 'both' is not allowed" in ex.error and "'relative', 'absolute'" in ex.error
