"""Retraining economics: closed forms, the square-root law, the exact optimum and where they part."""
import math

import numpy as np
import pytest
from hypothesis import assume, given, settings, strategies as st
from scipy.integrate import quad
from scipy.optimize import minimize_scalar

from mlsysim.models import retraining as r

FRAUD = (5_000, 1_000_000, 0.50, 0.95, 0.02)          # C, Q, V, A0, λ

costs = st.floats(100, 1e6)
volumes = st.floats(1e3, 1e9)
values = st.floats(1e-3, 100)
accs = st.floats(0.5, 1.0)
rates = st.floats(1e-4, 1.0)


def test_fraud_example_by_hand():
    num, den = r.sqrt_law_terms(*FRAUD)
    assert (num, den) == (10_000, pytest.approx(9_500))
    assert r.sqrt_law_interval(*FRAUD) == pytest.approx(math.sqrt(10_000 / 9_500))
    assert r.half_life(0.02) == pytest.approx(34.657, abs=1e-3)
    assert r.accuracy(r.half_life(0.02), 0.95, 0.02) == pytest.approx(0.475)


def test_staleness_closed_form_matches_integral():
    C, Q, V, A0, lam = FRAUD
    for T in (1e-4, 0.3, 1.0, 10.0, 200.0):
        integral, _ = quad(lambda t: Q * V * (A0 - r.accuracy(t, A0, lam)), 0, T)
        assert r.staleness_cost(T, Q, V, A0, lam) == pytest.approx(integral, rel=1e-9)


def test_exact_optimum_matches_a_generic_minimiser():
    for args in (FRAUD, (5_000, 1e4, 0.5, 0.9, 0.3), (800, 2e5, 2.0, 0.99, 0.001)):
        exact = r.exact_optimal_interval(*args)
        res = minimize_scalar(lambda T: r.cost_rate(T, *args), bounds=(exact / 50, exact * 50),
                              method="bounded", options={"xatol": 1e-10})
        assert exact == pytest.approx(res.x, rel=1e-4)


def test_no_optimum_when_retraining_never_pays():
    args = (100_000, 1e3, 0.5, 0.95, 0.5)                 # C ≥ Q·V·A0/λ = 950
    assert not r.optimum_exists(*args)
    assert r.exact_optimal_interval(*args) == math.inf
    assert r.sqrt_law_error(*args) == -1.0
    assert r.sqrt_law_penalty(*args) > 0
    T = np.geomspace(1, 1e5, 50)
    assert np.all(np.diff(r.cost_rate(T, *args)) < 0)     # cost per day falls for ever


def test_breakdown_point_is_consistent():
    z, u = r.breakdown_point(0.05)
    assert abs(r.sqrt_law_relative_error(z)) == pytest.approx(0.05, rel=1e-6)
    assert u == pytest.approx(math.sqrt(2 * z))
    with pytest.raises(ValueError):
        r.breakdown_point(1.5)


def test_bad_inputs_raise():
    with pytest.raises(ValueError, match="positive"):
        r.cost_rate(0, *FRAUD)
    with pytest.raises(ValueError):
        r.sqrt_law_interval(5000, 0, 0.5, 0.95, 0.02)
    with pytest.raises(ValueError):
        r.half_life(0)


@settings(max_examples=60, deadline=None)
@given(costs, volumes, values, accs, rates, st.sampled_from([2.0, 4.0, 9.0]))
def test_sqrt_law_scales_as_sqrt_C_and_inverse_sqrt_lambda(C, Q, V, A0, lam, k):
    base = r.sqrt_law_interval(C, Q, V, A0, lam)
    assert r.sqrt_law_interval(k * C, Q, V, A0, lam) == pytest.approx(base * math.sqrt(k), rel=1e-12)
    assert r.sqrt_law_interval(C, Q, V, A0, lam * k) == pytest.approx(base / math.sqrt(k), rel=1e-12)
    assert r.sqrt_law_interval(C, k * Q, V, A0, lam) == pytest.approx(base / math.sqrt(k), rel=1e-12)


@settings(max_examples=60, deadline=None)
@given(costs, volumes, values, accs, rates)
def test_exact_optimum_costs_no_more_than_its_neighbours(C, Q, V, A0, lam):
    assume(r.cost_ratio(C, Q, V, A0, lam) < 0.9)
    T = r.exact_optimal_interval(C, Q, V, A0, lam)
    best = r.cost_rate(T, C, Q, V, A0, lam)
    for f in (0.9, 0.99, 1.01, 1.1):
        assert best <= r.cost_rate(T * f, C, Q, V, A0, lam) * (1 + 1e-12)
    # and never more than the square-root law's interval
    assert best <= r.cost_rate(r.sqrt_law_interval(C, Q, V, A0, lam), C, Q, V, A0, lam) * (1 + 1e-12)


@settings(max_examples=60, deadline=None)
@given(costs, volumes, values, accs, rates)
def test_error_depends_only_on_z_and_law_retrains_early(C, Q, V, A0, lam):
    z = r.cost_ratio(C, Q, V, A0, lam)
    assume(1e-8 < z < 0.95)
    err = r.sqrt_law_error(C, Q, V, A0, lam)
    assert err == pytest.approx(r.sqrt_law_relative_error(z), abs=1e-7)
    assert err <= 1e-9                                    # the law never retrains later than optimal


# ── branches the mutation run found untested (issue 13) ────────────────────────────────────────
def test_penalty_without_optimum_is_measured_against_the_never_retrain_floor():
    # C ≥ Q·V·A0/λ: no exact optimum; the cost rate falls towards Q·V·A0 as T → ∞.
    C, Q, V, A0, lam = 100_000.0, 1_000.0, 2.0, 0.9, 0.02         # Q·V·A0/λ = 90,000 < C (V ≠ 1: Q·V ≠ Q/V)
    assert not r.optimum_exists(C, Q, V, A0, lam)
    T = r.sqrt_law_interval(C, Q, V, A0, lam)
    by_hand = ((Q * V * A0 * (T - (1 - math.exp(-lam * T)) / lam) + C) / T) / (Q * V * A0) - 1
    assert r.sqrt_law_penalty(C, Q, V, A0, lam) == pytest.approx(by_hand, rel=1e-12)
    assert by_hand > 0.1                                          # a real penalty, not a rounding


def test_relative_error_at_and_beyond_z_one():
    assert r.sqrt_law_relative_error(1.0) == -1.0
    assert r.sqrt_law_relative_error(3.0) == -1.0
    just_below = r.sqrt_law_relative_error(0.999)
    assert -1.0 < just_below < 0                                  # still a finite optimum
    with pytest.raises(ValueError, match="positive"):
        r.sqrt_law_relative_error(0.0)


def test_free_or_negative_retraining_cost_means_retrain_continuously():
    assert r.exact_optimal_interval(0.0, *FRAUD[1:]) == 0.0
    assert r.exact_optimal_interval(-1.0, *FRAUD[1:]) == 0.0
    assert r.exact_optimal_interval(1e-9, *FRAUD[1:]) > 0.0      # the branch is C ≤ 0, not C < tiny
    with pytest.raises(ValueError, match="C ≥ 0"):
        r.sqrt_law_terms(-1.0, *FRAUD[1:])
    assert r.sqrt_law_terms(0.0, *FRAUD[1:]) == (0.0, pytest.approx(1_000_000 * 0.5 * 0.95 * 0.02))


def test_optimum_exists_exactly_below_the_asymptotic_loss():
    Q, V, A0, lam = 1_000.0, 1.0, 0.9, 0.02                       # Q·V·A0/λ = 45,000
    assert r.optimum_exists(44_999.0, Q, V, A0, lam)
    assert not r.optimum_exists(45_000.0 + 1e-6, Q, V, A0, lam)
    assert r.cost_ratio(45_000.0, Q, V, A0, lam) == pytest.approx(1.0)


# ── survivors of `make mutate` in retraining.py (issue 13) ─────────────────────────────────────
from decimal import Decimal, getcontext  # noqa: E402


def _staleness_exact(T, Q, V, A0, lam):
    """Q·V·A0·(T − (1 − e^{−λT})/λ) in 50-digit decimal arithmetic (no cancellation)."""
    getcontext().prec = 50
    T, lam = Decimal(repr(T)), Decimal(repr(lam))
    return float(Decimal(repr(Q * V * A0)) * (T - (1 - (-lam * T).exp()) / lam))


def test_accuracy_scalar_and_array_by_hand():
    assert r.accuracy(10.0, 0.9, 0.05) == pytest.approx(0.9 * math.exp(-0.5), rel=1e-15)
    arr = r.accuracy(np.array([0, 10, 20]), 0.9, 0.05)
    assert isinstance(arr, np.ndarray)
    assert arr == pytest.approx(0.9 * np.exp(-0.05 * np.array([0.0, 10.0, 20.0])), rel=1e-15)


@pytest.mark.parametrize("x", [1e-6, 2e-4, 9.9e-4, 1.1e-3, 0.05, 3.0])
def test_staleness_series_and_direct_forms_are_exact(x):
    Q, V, A0, lam = 1e6, 0.5, 0.95, 0.02
    T = x / lam
    got = r.staleness_cost(T, Q, V, A0, lam)
    assert isinstance(got, float)
    # the series (x < 1e-3) is exact to rounding; the direct form just above it loses ~eps/x
    assert got == pytest.approx(_staleness_exact(T, Q, V, A0, lam), rel=1e-14 if x < 1e-3 else 1e-12, abs=0)
    both = r.staleness_cost(np.array([T, T]), Q, V, A0, lam)
    assert isinstance(both, np.ndarray) and both == pytest.approx([got, got], rel=1e-15, abs=0)


def test_cost_rate_scalar_is_a_float_by_hand():
    C, Q, V, A0, lam = FRAUD
    got = r.cost_rate(2.0, *FRAUD)
    assert isinstance(got, float)
    assert got == pytest.approx((_staleness_exact(2.0, Q, V, A0, lam) + C) / 2.0, rel=1e-13)
    assert isinstance(r.cost_rate(np.array([1.0, 2.0]), *FRAUD), np.ndarray)


@pytest.mark.parametrize("args", [FRAUD, (40_000, 1_000.0, 1.0, 0.9, 0.02), (44_000, 1_000.0, 1.0, 0.9, 0.02),
                                  (1e-6, 1e6, 1.0, 0.99, 0.5)])
def test_exact_optimum_is_the_root_of_the_first_order_condition(args):
    # z from 0.005 to 0.98: the bracket must grow many times for z near 1 (T_exact ≫ T_sqrt)
    C, Q, V, A0, lam = args
    T = r.exact_optimal_interval(*args)
    getcontext().prec = 50
    Td, ld = Decimal(repr(T)), Decimal(repr(lam))
    g = (1 - (-ld * Td).exp()) / ld - Td * (-ld * Td).exp()
    assert float(Decimal(repr(Q * V * A0)) * g) == pytest.approx(C, rel=1e-9, abs=0)
    assert r.sqrt_law_error(*args) == pytest.approx(r.sqrt_law_interval(*args) / T - 1, rel=1e-12)
    penalty = r.cost_rate(r.sqrt_law_interval(*args), *args) / r.cost_rate(T, *args) - 1
    assert r.sqrt_law_penalty(*args) == pytest.approx(penalty, rel=1e-9, abs=1e-15)


def test_sqrt_law_error_and_penalty_at_the_book_scenario():
    T_exact = r.exact_optimal_interval(*FRAUD)
    assert r.sqrt_law_error(*FRAUD) == pytest.approx(math.sqrt(10_000 / 9_500) / T_exact - 1, rel=1e-12)
    assert -0.02 < r.sqrt_law_error(*FRAUD) < 0                  # the law retrains a little early
    assert 0 < r.sqrt_law_penalty(*FRAUD) < 1e-3


def test_optimum_does_not_exist_at_exactly_the_asymptotic_loss():
    Q, V, A0, lam = 1_000.0, 1.0, 0.9, 0.5                        # Q·V·A0/λ = 1,800 exactly
    assert not r.optimum_exists(1_800.0, Q, V, A0, lam)
    assert r.optimum_exists(1_799.999, Q, V, A0, lam)


def test_error_messages_are_exact():
    cases = [(lambda: r.half_life(0), "decay rate λ must be positive"),
             (lambda: r.cost_rate(0, *FRAUD), "retraining interval T must be positive"),
             (lambda: r.sqrt_law_terms(-1, *FRAUD[1:]), "need C ≥ 0 and Q·V·A0·λ > 0"),
             (lambda: r.sqrt_law_relative_error(-1), "z must be positive"),
             (lambda: r.breakdown_point(0.0), "max_error must be a fraction between 0 and 1"),
             (lambda: r.breakdown_point(1.0), "max_error must be a fraction between 0 and 1")]
    for call, message in cases:
        with pytest.raises(ValueError) as info:
            call()
        assert str(info.value) == message


def test_breakdown_point_near_the_top_of_its_range():
    z, u = r.breakdown_point(0.5)
    assert 0 < z < 1 and abs(r.sqrt_law_relative_error(z)) == pytest.approx(0.5, rel=1e-9)


# ── moved out of notebook execute() (issue 13) ────────────────────────────────────────────────────
def test_value_rate():
    assert r.value_rate(10_000, 0.5) == 5_000
    assert r.value_rate(3_000, 0.25) == 750
    with pytest.raises(ValueError, match="negative"):
        r.value_rate(-1, 0.5)


def test_optimal_cost_rate_at_the_optimum_and_without_one():
    a = (5_000, 1e6, 0.5, 0.95, 0.02)
    T = r.exact_optimal_interval(*a)
    assert r.optimal_cost_rate(*a) == pytest.approx(r.cost_rate(T, *a), rel=1e-12)
    assert r.optimal_cost_rate(*a) == pytest.approx(9_713.4, rel=1e-5)
    # Q·V·A0/λ = 1000·0.01·0.9/0.5 = 18 USD < C: retraining never pays; the cost is the decayed limit Q·V·A0
    b = (1e6, 1_000, 0.01, 0.9, 0.5)
    assert not math.isfinite(r.exact_optimal_interval(*b))
    assert r.optimal_cost_rate(*b) == pytest.approx(9.0, rel=1e-12)


# -- edges the mutation run found unpinned ------------------------------------------------------------
def test_value_rate_accepts_zero_and_fractions_and_refuses_negatives():
    assert r.value_rate(0, 0.5) == 0 and r.value_rate(1_000, 0) == 0
    assert r.value_rate(0.5, 3.0) == 1.5                           # under one query a day is allowed
    for q, v in ((-1, 0.5), (1_000, -0.1)):
        with pytest.raises(ValueError) as err:
            r.value_rate(q, v)
        assert str(err.value) == "query volume and value per query cannot be negative"


def test_scalar_inputs_give_plain_floats():
    """A scalar in gives a Python float out (what fmt and the prose expect), not a 0-d array or numpy scalar."""
    assert type(r.accuracy(10, 0.95, 0.02)) is float
    assert type(r.staleness_cost(30.0, 1e6, 0.5, 0.95, 0.02)) is float
    assert type(r.cost_rate(30.0, 5_000, 1e6, 0.5, 0.95, 0.02)) is float
    assert r.accuracy(10, 0.95, 0.02) == pytest.approx(0.95 * math.exp(-0.2), rel=1e-15)


def _marginal_exact(u: float) -> float:
    getcontext().prec = 60
    d = Decimal(repr(u))
    return float(1 - (-d).exp() * (1 + d))


@pytest.mark.parametrize("u", [1e-9, 1e-6, 1e-4, 0.005, 0.00999, 0.01, 0.0101, 0.2, 1.0, 7.5, 60.0])
def test_marginal_shape_has_no_cancellation(u):
    """1 − e^{−u}(1+u) to 1e-12 relative at every scale (the direct form loses all digits below u ≈ 1e-8)."""
    assert r.marginal_shape(u) == pytest.approx(_marginal_exact(u), rel=1e-12, abs=0)


def test_exact_optimum_far_below_the_bracket_floor():
    """An optimum of ~1.4e-13 days (C tiny against the value at stake): the bracket starts at its 1e-12 floor,
    above the root, so the lower end must be walked down; the answer agrees with the square-root law, which
    is exact in this limit (z = 1e-26). Before the series, cancellation put it 1.3e-4 off."""
    args = (1e-20, 1e6, 1.0, 1.0, 1.0)
    assert r.exact_optimal_interval(*args) == pytest.approx(r.sqrt_law_interval(*args), rel=1e-9, abs=0)


def test_sqrt_law_relative_error_at_small_z():
    """Against u solved in 60-digit arithmetic (bisection): the relative error is about −sqrt(2z)/3 ≈ −1.5e-5 at
    z = 1e-9, which the cancelling form got wrong from the 8th digit."""
    getcontext().prec = 60
    z = Decimal("1e-9")
    lo, hi = Decimal(0), Decimal(1)
    for _ in range(200):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if 1 - (-mid).exp() * (1 + mid) < z else (lo, mid)
    expected = float((2 * z).sqrt() / lo - 1)
    assert r.sqrt_law_relative_error(1e-9) == pytest.approx(expected, rel=1e-9, abs=0)
