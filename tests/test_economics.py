"""Tests of mlsysim.models.economics and of the explorers in the maturity, investment, case-study and
summary sections (book/maturity.ipynb, book/investment.ipynb, book/case_studies.ipynb, book/summary.ipynb)."""
import itertools
import math

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from mlsysim.calc import ParamError
from mlsysim.fmt import GuardError
from mlsysim.models import economics as E
from notebook_ns import load_namespace

money = st.floats(min_value=1.0, max_value=1e8, allow_nan=False, allow_infinity=False)
count = st.floats(min_value=0.0, max_value=100.0, allow_nan=False, allow_infinity=False)
prob = st.floats(min_value=0.0, max_value=1.0, allow_nan=False, allow_infinity=False)
odd_n = st.sampled_from([1, 3, 5, 7, 9, 11])


# ── unit tests: hand-checked values ─────────────────────────────────────────────────────────────
def test_single_model_roi_scenario_by_hand():
    # 4 incidents × $25,000 = $100,000; 20 h/month × 12 × $150 = $36,000; $136,000 / $30,000 = 4.533…
    assert E.incident_savings(4, 25_000) == 100_000
    assert E.time_savings(20, 150) == 36_000
    benefit = E.annual_benefit(4, 25_000, 20, 150)
    assert benefit == 136_000
    assert E.benefit_cost_ratio(benefit, 30_000) == pytest.approx(136 / 30)
    assert E.net_roi(benefit, 30_000) == pytest.approx(106 / 30)


def test_breakeven_incidents_by_hand():
    assert E.breakeven_incidents(30_000, 25_000, 20, 150) == 0.0          # time savings ($36K) cover it
    assert E.breakeven_incidents(100_000, 25_000, 20, 150) == pytest.approx(64_000 / 25_000)
    assert E.breakeven_incidents(100_000, 25_000, 0, 150) == pytest.approx(4.0)


def test_budget_helpers_by_hand():
    assert E.fte_month_cost(150) == 24_000
    assert E.fte_month_cost(100, hours_per_fte_month=170) == 17_000
    assert E.first_year_cost(56_000, 21_000) == 77_000
    assert E.payback_months(56_000, 136_000, 21_000) == pytest.approx(12 * 56_000 / 115_000)
    assert E.payback_months(10_000, 5_000, 5_000) == math.inf
    assert E.max_justified_investment(136_000, 4.0) == 34_000
    assert E.range_midpoint(5_000, 20_000) == 12_500


def test_redundancy_by_hand():
    assert [E.bft_replicas(f) for f in range(4)] == [1, 4, 7, 10]
    assert [E.vote_replicas(f) for f in range(4)] == [1, 3, 5, 7]
    assert E.compute_multiplier(4) == (4, 3)
    # three models, majority wrong when at least two are: 3p²(1−p) + p³
    p = 0.05
    assert E.majority_error(p, 3) == pytest.approx(3 * p**2 * (1 - p) + p**3)
    assert E.majority_error(p, 1) == pytest.approx(p)


def test_majority_error_matches_enumeration():
    p, n = 0.2, 5
    brute = sum(p ** sum(o) * (1 - p) ** (n - sum(o)) for o in itertools.product([0, 1], repeat=n) if sum(o) > n / 2)
    assert E.majority_error(p, n) == pytest.approx(brute, rel=1e-12)


def test_case_and_comparison_helpers_by_hand():
    assert E.gap_closed(0.62, 0.79, 0.825) == pytest.approx(0.17 / 0.205)
    assert E.ratio_range(5 * 24, 14 * 24, 4, 24) == pytest.approx((5.0, 84.0))
    assert E.ratio_range(15, 45, 2, 5) == pytest.approx((3.0, 22.5))
    assert E.share_sum_bounds([(0.2, 0.3), (0.4, 0.6), (0.15, 0.25)]) == pytest.approx((0.75, 1.15))
    assert E.degradation_exposure(0.12, 42) == pytest.approx(5.04)
    assert E.lost_correct_predictions(0.12, 42, 1e6) == pytest.approx(5.04e6)
    assert E.implied_decay_rate(0.94, 0.87, 91.25) == pytest.approx(math.log(0.94 / 0.87) / 91.25)
    assert E.path_effort(3, 3, 6) == (6, 12)


def test_linear_crossing_time_by_hand():
    assert E.linear_crossing_time(0.18, 0.31, 3, 0.2) == pytest.approx(3 * 0.02 / 0.13)
    assert E.linear_crossing_time(0.25, 0.31, 3, 0.2) == 0.0                 # already beyond at the start
    assert E.linear_crossing_time(0.18, 0.18, 3, 0.2) == math.inf           # never moves
    assert E.linear_crossing_time(0.9, 0.7, 10, 0.8) == pytest.approx(5.0)  # falling metric


@pytest.mark.parametrize("call, fragment", [
    (lambda: E.incident_savings(-1, 100), "incidents_avoided"),
    (lambda: E.time_savings(10, -5), "hourly_cost"),
    (lambda: E.benefit_cost_ratio(100, 0), "cost must be positive"),
    (lambda: E.breakeven_incidents(1_000, 0, 1, 1), "incident_cost"),
    (lambda: E.majority_error(1.5, 3), "probability"),
    (lambda: E.majority_error(0.1, 4), "odd"),
    (lambda: E.bft_replicas(1.5), "whole number"),
    (lambda: E.gap_closed(0.9, 0.95, 0.8), "ceiling"),
    (lambda: E.ratio_range(5, 1, 1, 2), "(low, high)"),
    (lambda: E.implied_decay_rate(0.9, 0.8, 0), "positive"),
    (lambda: E.path_effort(3, 6, 3), "months_lo"),
])
def test_bad_inputs_raise_readable_errors(call, fragment):
    with pytest.raises(ValueError, match=None) as info:
        call()
    assert fragment in str(info.value)


# ── property tests ──────────────────────────────────────────────────────────────────────────────
@settings(max_examples=150, deadline=None)
@given(n=count, cost=money, h=count, rate=money, invest=money, k=st.floats(1.01, 10))
def test_ratio_monotone_in_each_input(n, cost, h, rate, invest, k):
    base = E.benefit_cost_ratio(E.annual_benefit(n, cost, h, rate), invest)
    assert E.benefit_cost_ratio(E.annual_benefit(n * k, cost, h, rate), invest) >= base
    assert E.benefit_cost_ratio(E.annual_benefit(n, cost * k, h, rate), invest) >= base
    assert E.benefit_cost_ratio(E.annual_benefit(n, cost, h, rate), invest * k) <= base
    assert E.net_roi(E.annual_benefit(n, cost, h, rate), invest) == pytest.approx(base - 1)


@settings(max_examples=150, deadline=None)
@given(cost=money, h=count, rate=st.floats(1, 1000), invest=money)
def test_breakeven_point_gives_ratio_one(cost, h, rate, invest):
    n = E.breakeven_incidents(invest, cost, h, rate)
    ratio = E.benefit_cost_ratio(E.annual_benefit(n, cost, h, rate), invest)
    if n > 0:
        assert ratio == pytest.approx(1.0, rel=1e-9)
    else:
        assert ratio >= 1.0 - 1e-12


@settings(max_examples=100, deadline=None)
@given(setup=money, benefit=money, running=money, k=st.floats(0.1, 10))
def test_payback_scales_with_setup(setup, benefit, running, k):
    months = E.payback_months(setup, benefit, running)
    if benefit <= running:
        assert months == math.inf
    else:
        assert E.payback_months(setup * k, benefit, running) == pytest.approx(k * months)


@settings(max_examples=150, deadline=None)
@given(p=prob, n=odd_n)
def test_majority_error_symmetry_and_bounds(p, n):
    err = E.majority_error(p, n)
    assert 0.0 <= err <= 1.0
    assert err + E.majority_error(1 - p, n) == pytest.approx(1.0)       # wrong and right swap roles
    if p < 0.5:
        assert err <= p + 1e-12                                            # voting helps good models
    elif p > 0.5:
        assert err >= p - 1e-12                                            # and hurts bad ones


@settings(max_examples=100, deadline=None)
@given(p=st.floats(0.0, 0.49), q=st.floats(0.0, 0.49), n=odd_n)
def test_majority_error_monotone_in_p(p, q, n):
    lo, hi = sorted((p, q))
    assert E.majority_error(lo, n) <= E.majority_error(hi, n) + 1e-15


@settings(max_examples=100, deadline=None)
@given(a=st.floats(1e-3, 1e6), b=st.floats(1e-3, 1e6), c=st.floats(1e-3, 1e6), d=st.floats(1e-3, 1e6),
       k=st.floats(1e-3, 1e3))
def test_ratio_range_ordered_and_unit_free(a, b, c, d, k):
    slow, fast = sorted((a, b)), sorted((c, d))
    worst, best = E.ratio_range(*slow, *fast)
    assert worst <= best
    assert E.ratio_range(*(x * k for x in slow), *(x * k for x in fast)) == pytest.approx((worst, best))


@settings(max_examples=100, deadline=None)
@given(v0=st.floats(0, 1), v1=st.floats(0, 1), elapsed=st.floats(0.1, 100), t=st.floats(0.01, 0.99))
def test_linear_crossing_hits_the_threshold(v0, v1, elapsed, t):
    assume(abs(v1 - v0) > 1e-6)
    threshold = v0 + t * (v1 - v0)
    when = E.linear_crossing_time(v0, v1, elapsed, threshold)
    assert when == pytest.approx(t * elapsed, rel=1e-6, abs=1e-9)
    assert v0 + (v1 - v0) * when / elapsed == pytest.approx(threshold, abs=1e-9)


@settings(max_examples=100, deadline=None)
@given(base=st.floats(0, 0.8), span=st.floats(0.01, 0.2))
def test_gap_closed_endpoints(base, span):
    ceiling = base + span
    assert E.gap_closed(base, base, ceiling) == 0.0
    assert E.gap_closed(base, ceiling, ceiling) == pytest.approx(1.0)


# ── the notebooks' scenarios and explorers ──────────────────────────────────────────────────────
@pytest.fixture  # fresh explorers per test (notebook_ns)
def investment():
    return load_namespace("investment")


@pytest.fixture  # fresh explorers per test (notebook_ns)
def maturity():
    return load_namespace("maturity")


@pytest.fixture  # fresh explorers per test (notebook_ns)
def cases():
    return load_namespace("case_studies")


@pytest.fixture  # fresh explorers per test (notebook_ns)
def summary():
    return load_namespace("summary")


def test_investment_scenario_numbers(investment):
    roi = investment["roi"]
    assert roi.ratio == pytest.approx(136_000 / 30_000)
    assert roi.ratio_str == "4.5×" and roi.net_pct_str == "353%"
    low, mid, high = investment["budget_low"], investment["budget_mid"], investment["budget_high"]
    assert (low.first_year, mid.first_year, high.first_year) == (41_000, 77_000, 113_000)
    assert high.payback == pytest.approx(12 * 78_000 / (136_000 - 35_000))
    assert investment["critical"].benefit == 4 * 250_000 + 36_000


def test_investment_explorer_moves_and_rejects(investment):
    ex = investment["roi_explorer"]
    before = ex.text.value
    ex.sliders["incidents_avoided"].value = 10
    assert ex.text.value != before and "286,000" in ex.text.value      # 10 × 25,000 + 36,000
    ex.set(annual_investment="-5")
    assert ex.error is not None
    assert "annual_investment" in ex.error and "between 1,000 and 10,000,000" in ex.error
    ex.set(annual_investment="1000000")                                   # valid again: error cleared
    assert ex.error is None
    assert "does not pay for itself" in ex.message.value
    ex.set(incidents_avoided="4", annual_investment="30000")
    assert ex.message.value == ""


def test_investment_explorer_has_no_paired_dollars(investment):
    # Explorer text goes through a math renderer: every "$" must be isolated so no two amounts pair up.
    ex = investment["roi_explorer"]
    assert "$" in ex.text.value
    assert ex.text.value.count("<span>$</span>") == ex.text.value.count("$")


def test_maturity_scenario_and_explorer(maturity):
    ens = maturity["ensemble"]
    assert (ens.n_bft, ens.n_vote) == (4, 3)
    assert ens.err_vote == pytest.approx(0.00725)
    assert (maturity["path"].total_lo, maturity["path"].total_hi) == (6, 12)
    ex = maturity["vote_explorer"]
    before = ex.text.value
    ex.sliders["faults"].value = 2
    assert ex.text.value != before and "7 replicas" in ex.text.value
    ex.set(faults="-1")
    assert "faults" in ex.error and "between 0 and 5" in ex.error
    ex.set(faults="1", p_wrong="0.7")
    assert ex.error is None and "worse than one model" in ex.message.value


def test_maturity_path_guard(maturity):
    with pytest.raises(GuardError, match="must not exceed"):
        maturity["MaturityPath"](months_lo=8, months_hi=4)


def test_case_study_numbers_and_guards(cases):
    oura = cases["oura"]
    assert oura.closed == pytest.approx(0.17 / 0.205)
    assert oura.hours_per_night == pytest.approx(3400 / 440)
    Oura = cases["OuraValidation"]
    assert Oura(ceiling_choice="high").closed == pytest.approx(0.17 / 0.21)
    with pytest.raises(ParamError, match="ceiling_choice"):
        Oura(ceiling_choice="median")
    with pytest.raises(GuardError, match="ordered"):
        Oura(expert_lo=0.9, expert_hi=0.85)
    assert Oura(improved=0.9).warnings                                 # better than the experts: flagged


def test_summary_scenarios(summary):
    assert (summary["mttr"].worst, summary["mttr"].best) == pytest.approx((5.0, 84.0))
    assert summary["deploy_gap"].best == pytest.approx(365 / 4)
    drift = summary["drift"]
    assert drift.cross_days == pytest.approx(30 * 3 * 0.02 / 0.13)   # the book's 30-day month (core.constants)
    assert drift.T_star < 7
    assert summary["skew"].exposure_slow == pytest.approx(0.12 * 42)


def test_summary_explorer_moves_rejects_and_warns(summary):
    ex = summary["exposure_explorer"]
    before = ex.text.value
    ex.sliders["accuracy_drop"].value = 0.3
    assert ex.text.value != before and "1,260 point-days" in ex.text.value    # 30 points × 42 days
    ex.set(traffic="abc")
    assert "traffic" in ex.error and "not a number" in ex.error
    ex.set(traffic="1000000", days_fast="100")
    assert ex.error is None and "is not faster" in ex.message.value


# ── branches the mutation run found untested (issue 13) ────────────────────────────────────────
def test_breakeven_incidents_is_cost_over_incident_cost_not_its_inverse():
    # asymmetric inputs: 30,000 / 10,000 = 3 incidents (the inverse would be 1/3)
    assert E.breakeven_incidents(30_000, 10_000) == pytest.approx(3.0)
    from mlsysim.models import monitoring as M
    assert M.breakeven_incidents(30_000, 10_000) == pytest.approx(3.0)
    assert M.breakeven_incidents is E.breakeven_incidents      # one formula
    with pytest.raises(ValueError, match="incident_cost"):
        E.breakeven_incidents(30_000, -5)


# ── moved out of notebook execute() (issue 13) ────────────────────────────────────────────────────
def test_gap_remaining_is_ceiling_minus_improved():
    assert E.gap_remaining(0.79, 0.825) == pytest.approx(0.035, rel=1e-12)
    assert E.gap_remaining(0.9, 0.825) == pytest.approx(-0.075, rel=1e-12)


def test_phase_durations_split_the_project_by_share():
    assert E.phase_durations((0.6, 0.25, 0.15), 20) == pytest.approx([12.0, 5.0, 3.0], rel=1e-12)
    assert E.phase_durations([0.5], 7) == [3.5]
    with pytest.raises(ValueError, match="fractions"):
        E.phase_durations((1.2, 0.1), 10)
    with pytest.raises(ValueError, match="total"):
        E.phase_durations((0.5, 0.5), -1)


def test_setup_cost_adds_engineering_time_to_the_fixed_cost():
    assert E.setup_cost(20_000, 1.5, 12_000) == 38_000
    assert E.setup_cost(0, 2, 7_000) == 14_000
    with pytest.raises(ValueError, match="fte_months"):
        E.setup_cost(1_000, -1, 7_000)


def test_running_cost_sums_every_component():
    assert E.running_cost(6_000, 12_500, 2_500) == 21_000
    assert E.running_cost(7) == 7 and E.running_cost() == 0
    with pytest.raises(ValueError, match=r"annual_costs\[1\]"):
        E.running_cost(1_000, -5)


# ── boundaries, branches and messages pinned by the mutation run (docs/mutation.md) ─────────────
import re  # noqa: E402


def _raises(message):
    return pytest.raises(ValueError, match="^" + re.escape(message) + "$")


def test_breakeven_incidents_defaults_are_no_time_savings():
    assert E.breakeven_incidents(100, 50, hourly_cost=10) == 2.0        # hours default to 0
    assert E.breakeven_incidents(100, 50, hours_saved_per_month=10) == 2.0   # hourly cost defaults to 0


@pytest.mark.parametrize("call, name", [
    (lambda: E.incident_savings(1, -1), "incident_cost"), (lambda: E.time_savings(-1, 1), "hours_saved_per_month"),
    (lambda: E.degradation_exposure(-0.1, 1), "accuracy_drop"), (lambda: E.degradation_exposure(0.1, -1), "days"),
    (lambda: E.first_year_cost(-1, 1), "setup_cost"), (lambda: E.first_year_cost(1, -1), "running_cost"),
    (lambda: E.fte_month_cost(-1), "hourly_cost"), (lambda: E.fte_month_cost(1, -1), "hours_per_fte_month"),
    (lambda: E.payback_months(-1, 1, 1), "setup_cost"), (lambda: E.payback_months(1, -1, 1), "benefit"),
    (lambda: E.payback_months(1, 1, -1), "running_cost"),
    (lambda: E.setup_cost(-1, 1, 1), "fixed_cost"), (lambda: E.setup_cost(1, 1, -1), "fte_month_cost"),
])
def test_every_cost_input_is_checked_by_name(call, name):
    with pytest.raises(ValueError, match=f"^{re.escape(name)} must be a finite number ≥ 0"):
        call()


def test_replicas_and_majority_vote_bounds():
    assert E.compute_multiplier(1) == (1, 0)
    with _raises("need at least one replica"):
        E.compute_multiplier(0)
    for n in (True, 3.5, 0, 2):
        with _raises(f"n must be an odd whole number ≥ 1 (got {n!r})"):
            E.majority_error(0.1, n)


def test_gap_closed_and_crossing_edges():
    with _raises("the ceiling (0.9) must lie above the baseline (0.9)"):
        E.gap_closed(0.9, 0.95, 0.9)
    with _raises("elapsed must be positive"):
        E.linear_crossing_time(1, 2, 0, 5)
    assert E.linear_crossing_time(5, 5, 1, 5) == 0.0                   # already at the threshold
    falling = E.linear_crossing_time(5, 3, 2, 5)
    assert falling == 0.0 and math.copysign(1, falling) == 1            # "0", never "-0"


def test_investment_limits():
    assert E.max_justified_investment(100) == 100
    assert E.max_justified_investment(100, 0.5) == 200
    with _raises("target_ratio must be positive (got 0)"):
        E.max_justified_investment(100, 0)
    assert E.payback_months(100, 100.5, 100) == pytest.approx(12 * 100 / 0.5)   # surplus below one dollar
    assert E.payback_months(100, 100, 100) == math.inf


def test_path_effort_bounds():
    assert E.path_effort(1, 2, 3) == (0, 0)
    assert E.path_effort(3, 0, 0.5) == (0, 1.0)
    assert E.path_effort(2, 0.5, 0.5) == (0.5, 0.5)
    for n in (True, 2.5, 0):
        with _raises(f"n_levels must be a whole number ≥ 1 (got {n!r})"):
            E.path_effort(n, 1, 2)
    with _raises("need 0 ≤ months_lo ≤ months_hi (got 3, 2)"):
        E.path_effort(2, 3, 2)


def test_shares_ranges_and_midpoints_edges():
    assert E.phase_durations([0.0, 1.0], 12) == [0.0, 12.0]
    with _raises("phase shares must be fractions between 0 and 1"):
        E.phase_durations([0.5, 1.5], 12)
    assert E.range_midpoint(5, 5) == 5
    with _raises("range is reversed: 6 > 5"):
        E.range_midpoint(6, 5)
    assert E.ratio_range(2, 2, 1, 1) == (2.0, 2.0)
    for kw in ("slow_lo", "slow_hi", "fast_lo", "fast_hi"):
        args = {**dict(slow_lo=10, slow_hi=20, fast_lo=1, fast_hi=2), kw: 0}
        with _raises(f"{kw} must be a positive number (got 0)"):
            E.ratio_range(**args)
    with _raises("slow_lo must be a positive number (got inf)"):
        E.ratio_range(math.inf, math.inf, 1, 2)
    with _raises("each range must be given as (low, high)"):
        E.ratio_range(20, 10, 1, 2)
    assert E.share_sum_bounds([(0, 0.5), (0.2, 0.2)]) == (0.2, 0.7)
    with _raises("need at least one range"):
        E.share_sum_bounds([])
    for lo, hi in [(0.5, 0.2), (-0.1, 0.2)]:
        with _raises(f"bad share range ({lo!r}, {hi!r})"):
            E.share_sum_bounds([(lo, hi)])
