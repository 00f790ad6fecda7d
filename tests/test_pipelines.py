"""Silent-failure cost formulas, the notebook-order helper, and the pipelines section's explorer."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from mlsysim.models import pipelines
from notebook_ns import load_namespace


def test_incident_loss_hand_checked():
    # $50M × 5% × 28/365 = $191,780.82;  × 1/365 = $6,849.32
    assert pipelines.incident_loss(50e6, 0.05, 28) == pytest.approx(191_780.82, abs=0.01)
    assert pipelines.incident_loss(50e6, 0.05, 1) == pytest.approx(6_849.32, abs=0.01)
    assert pipelines.incident_loss(50e6, 0.05, 365) == pytest.approx(2.5e6)
    curve = pipelines.incident_loss(50e6, 0.05, np.array([0.0, 1.0, 28.0]))
    assert curve == pytest.approx([0, 6_849.32, 191_780.82], abs=0.01)


def test_savings_hand_checked_against_the_sources_740k():
    per = pipelines.saving_per_incident(50e6, 0.05, 28, 1)
    assert per == pytest.approx(184_931.51, abs=0.01)
    year = pipelines.annual_saving(50e6, 0.05, 28, 1, 4)
    assert year == pytest.approx(739_726.03, abs=0.01) and year < 740_000
    assert pipelines.annual_saving(50e6, 0.05, 28, 1, 3) == pytest.approx(554_794.52, abs=0.01)
    assert pipelines.annual_saving(50e6, 0.05, 30, 1, 4) == pytest.approx(794_520.55, abs=0.01)


def test_detection_delay():
    assert pipelines.detection_delay(28) == 14 and pipelines.detection_delay(28, "worst") == 28
    with pytest.raises(ValueError, match="'mean' or 'worst'"):
        pipelines.detection_delay(28, "best")


def test_inputs_are_validated():
    with pytest.raises(ValueError, match="quality_drop"):
        pipelines.incident_loss(1e6, 1.5, 3)
    with pytest.raises(ValueError, match="detection_days"):
        pipelines.incident_loss(1e6, 0.1, -3)
    with pytest.raises(ValueError, match="incidents_per_year"):
        pipelines.annual_saving(1e6, 0.1, 3, 1, -1)


@settings(max_examples=60, deadline=None)
@given(st.floats(1e3, 1e10), st.floats(0, 1), st.floats(0, 365), st.floats(0, 365))
def test_loss_is_linear_and_monotone_in_detection_time(R, q, a, b):
    la, lb = pipelines.incident_loss(R, q, a), pipelines.incident_loss(R, q, b)
    assert pipelines.incident_loss(R, q, a + b) == pytest.approx(la + lb, rel=1e-9, abs=1e-6)
    assert (la <= lb + 1e-9) if a <= b else (la >= lb - 1e-9)


@settings(max_examples=60, deadline=None)
@given(st.floats(1e3, 1e10), st.floats(0, 1), st.floats(0, 180), st.floats(0, 52))
def test_no_saving_without_faster_detection(R, q, d, n):
    assert pipelines.annual_saving(R, q, d, d, n) == pytest.approx(0, abs=1e-6)
    assert pipelines.annual_saving(R, q, d + 1, d, n) >= 0


def test_run_in_order_reveals_hidden_state():
    cells = ["raw = [2.0, None, 4.0]", "out = [x / s for x in clean]",
             "clean = [x for x in raw if x is not None]\ns = max(clean)"]
    ns, err = pipelines.run_in_order(cells, [1, 3, 2])
    assert err is None and ns["out"] == [0.5, 1.0] and "__builtins__" not in ns
    ns, err = pipelines.run_in_order(cells, [1, 2, 3])
    assert err == "cell 2: NameError: name 'clean' is not defined" and "out" not in ns
    with pytest.raises(ValueError, match="no cell 4"):
        pipelines.run_in_order(cells, [4])


def test_silent_failure_scenario_and_explorer():
    ns = load_namespace("pipelines")
    silent = ns["silent"]
    assert silent.annual == pytest.approx(739_726.03, abs=0.01)
    assert silent.annual_mean == pytest.approx(369_863.01, abs=0.01)
    assert silent.annual_str == "$739,726"
    ex = ns["silent_explorer"]
    before = ex.text.value
    ex.sliders["incidents_per_year"].value = 8
    assert ex.text.value != before and "$1,479,452" in ex.text.value
    ex.set(quality_drop="-5")
    assert "quality_drop = -5" in ex.error and "between 0.001 and 0.5" in ex.error
    ex.set(quality_drop="0.05")
    assert ex.error is None
    ex.set(days_auto="30")
    ex.set(days_manual="10")
    assert "not faster than the manual review" in ex.message.value
    ex.set(days_manual="28")
    ex.set(days_auto="1")
    ex.set(incidents_per_year="4")
    assert ex.message.value == "" and "$739,726" in ex.text.value


# -- edges the mutation run found unpinned ------------------------------------------------------------
def test_days_per_year_reaches_every_loss_and_saving():
    """A 360-day year (another convention) must change every result by 365/360, not only incident_loss."""
    loss365 = pipelines.incident_loss(1e6, 0.1, 36)
    assert pipelines.incident_loss(1e6, 0.1, 36, days_per_year=360) == pytest.approx(loss365 * 365 / 360)
    s365 = pipelines.saving_per_incident(1e6, 0.1, 36, 6)
    assert pipelines.saving_per_incident(1e6, 0.1, 36, 6, days_per_year=360) == pytest.approx(s365 * 365 / 360)
    a365 = pipelines.annual_saving(1e6, 0.1, 36, 6, 4)
    assert pipelines.annual_saving(1e6, 0.1, 36, 6, 4, days_per_year=360) == pytest.approx(a365 * 365 / 360)


def test_incident_loss_refuses_negative_revenue_by_name_and_returns_a_float():
    with pytest.raises(ValueError) as err:
        pipelines.incident_loss(-1.0, 0.1, 10)
    assert str(err.value) == "annual_revenue must be a finite number ≥ 0 (got -1.0)"
    assert type(pipelines.incident_loss(1e6, 0.1, 10)) is float
    assert isinstance(pipelines.incident_loss(1e6, 0.1, [10, 20]), np.ndarray)


def test_run_in_order_returns_only_the_cells_names():
    ns, err = pipelines.run_in_order(["x = 1", "y = x + 1"], [1, 2])
    assert err is None and ns == {"x": 1, "y": 2}
    ns, err = pipelines.run_in_order(["x = 1", "y = z"], [1, 2])
    assert err == "cell 2: NameError: name 'z' is not defined" and ns == {"x": 1}


def test_run_in_order_reports_a_first_cell_that_does_not_compile():
    """A syntax error in the first cell happens before exec ever ran: the namespace is still empty."""
    ns, err = pipelines.run_in_order(["x = (", "y = 1"], [1, 2])
    assert ns == {} and err == "cell 1: SyntaxError: '(' was never closed (<cell 1>, line 1)"
