"""Incident severity, slice analysis, linear attribution and the business cost curve
(mlsysim.models.incidents), and the explorers of book/incidents.ipynb."""
import math

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from mlsysim.models import incidents as I

SOURCE_SHARES = (0.45, 0.30, 0.20, 0.05)
SOURCE_ACC = (0.94, 0.92, 0.88, 0.62)


# ── severity ─────────────────────────────────────────────────────────────────
@pytest.mark.parametrize("kwargs, level", [
    (dict(serving_failure=True), "P0"),
    (dict(serving_failure=True, metric_drop=0.5), "P0"),         # serving failure wins
    (dict(metric_drop=0.15), "P1"),
    (dict(metric_drop=0.12), "P1"),
    (dict(metric_drop=0.10), "P2"),                               # "> 10%" is strict
    (dict(metric_drop=0.1001), "P1"),
    (dict(max_psi=0.35), "P2"),
    (dict(max_psi=0.30, user_impact=False), "P3"),               # PSI must exceed 0.3
    (dict(metric_drop=0.03), "P2"),
    (dict(metric_drop=0.03, user_impact=False), "P3"),
    (dict(), "P3"),
])
def test_classify_severity(kwargs, level):
    assert I.classify_severity(**kwargs) == level


def test_response_times_match_the_table():
    assert [I.response_minutes(p) for p in ("P0", "P1", "P2", "P3")] == [15, 60, 240, 1440]
    with pytest.raises(ValueError, match="P4"):
        I.response_minutes("P4")


@pytest.mark.parametrize("kwargs", [dict(metric_drop=-0.1), dict(metric_drop=1.5), dict(max_psi=-1)])
def test_classify_severity_rejects_bad_inputs(kwargs):
    with pytest.raises(ValueError):
        I.classify_severity(**kwargs)


@given(st.floats(0, 1), st.floats(0, 1), st.floats(0, 5))
def test_severity_never_decreases_with_a_bigger_drop(d1, d2, psi):
    order = ["P3", "P2", "P1", "P0"]
    lo, hi = sorted((d1, d2))
    assert order.index(I.classify_severity(metric_drop=hi, max_psi=psi)) >= \
        order.index(I.classify_severity(metric_drop=lo, max_psi=psi))


# ── slice analysis ───────────────────────────────────────────────────────────
def test_overall_accuracy_of_the_source_table():
    # 0.45·0.94 + 0.30·0.92 + 0.20·0.88 + 0.05·0.62 = 0.423 + 0.276 + 0.176 + 0.031
    assert I.overall_accuracy(SOURCE_SHARES, SOURCE_ACC) == pytest.approx(0.906)


def test_error_shares_and_accuracy_without_a_slice():
    shares = I.error_shares(SOURCE_SHARES, SOURCE_ACC)
    # tablet errors 0.05·0.38 = 0.019 of a total error rate 0.094
    assert shares[3] == pytest.approx(0.019 / 0.094)
    assert shares.sum() == pytest.approx(1.0)
    assert I.accuracy_without(SOURCE_SHARES, SOURCE_ACC, 3) == pytest.approx(0.875 / 0.95)


def test_error_shares_of_a_perfect_model_are_zero():
    assert list(I.error_shares((0.5, 0.5), (1.0, 1.0))) == [0.0, 0.0]


@pytest.mark.parametrize("shares, acc", [((0.5, 0.4), (0.9, 0.9)), ((0.5, 0.5), (0.9, 1.2)),
                                         ((0.5, 0.5, 0.0), (0.9, 0.9)), ((1.2, -0.2), (0.9, 0.9))])
def test_slice_inputs_are_validated(shares, acc):
    with pytest.raises(ValueError):
        I.overall_accuracy(shares, acc)


def test_slice_impact_labels_reproduce_the_source():
    overall = I.overall_accuracy(SOURCE_SHARES, SOURCE_ACC)
    assert [I.slice_impact(a, overall) for a in SOURCE_ACC] == \
        ["Nominal", "Nominal", "Minor degradation", "Severe — investigate"]
    with pytest.raises(ValueError):
        I.slice_impact(0.9, 0.9, minor_gap=0.2, severe_gap=0.1)


def test_rescale_shares_keeps_proportions():
    out = I.rescale_shares(SOURCE_SHARES, 3, 0.10)
    assert out[3] == 0.10 and sum(out) == pytest.approx(1.0)
    assert out[0] / out[1] == pytest.approx(0.45 / 0.30)
    assert out[0] == pytest.approx(0.45 * 0.90 / 0.95)


shares_acc = st.integers(2, 6).flatmap(lambda n: st.tuples(
    st.lists(st.floats(0.01, 1.0), min_size=n, max_size=n),
    st.lists(st.floats(0.0, 1.0), min_size=n, max_size=n)))


@given(shares_acc)
def test_overall_lies_between_worst_and_best_slice(data):
    raw, acc = data
    w = np.array(raw) / sum(raw)
    w[-1] = 1 - w[:-1].sum()
    overall = I.overall_accuracy(w, acc)
    assert min(acc) - 1e-12 <= overall <= max(acc) + 1e-12


@given(st.floats(0.001, 0.999), st.floats(0.0, 0.5), st.floats(0.0, 1.0))
def test_a_worse_small_slice_moves_the_overall_by_its_share(share, acc_drop, base):
    """Lowering one slice's accuracy by Δ lowers the overall by exactly share·Δ."""
    acc_drop = min(acc_drop, base)
    w = I.rescale_shares((0.5, 0.5), 1, share)
    before = I.overall_accuracy(w, (base, base))
    after = I.overall_accuracy(w, (base, base - acc_drop))
    assert before - after == pytest.approx(share * acc_drop, abs=1e-12)


# ── attribution and counterfactuals ──────────────────────────────────────────
def test_fit_logistic_recovers_known_coefficients():
    rng = np.random.default_rng(7)
    X = rng.normal(size=(20_000, 2)) * [1.0, 3.0] + [2.0, -1.0]
    logit = 0.5 + 1.2 * X[:, 0] - 0.4 * X[:, 1]
    y = (rng.random(len(X)) < 1 / (1 + np.exp(-logit))).astype(int)
    b, w = I.fit_logistic(X, y)
    assert b == pytest.approx(0.5, abs=0.15) and w == pytest.approx([1.2, -0.4], abs=0.1)   # sampling error
    # the same maximum-likelihood fit by Newton's method (IRLS), independently
    A = np.column_stack([np.ones(len(X)), X])
    theta = np.zeros(3)
    for _ in range(25):
        p = 1 / (1 + np.exp(-A @ theta))
        theta += np.linalg.solve(A.T @ (A * (p * (1 - p))[:, None]), A.T @ (y - p))
    assert [b, *w] == pytest.approx(theta, abs=1e-4)


def test_linear_attributions_are_exact_shap_values():
    b, w = 0.3, np.array([2.0, -1.0, 0.5])
    X = np.array([[1.0, 2.0, 3.0], [0.0, 0.0, 0.0]])
    base = np.array([0.5, 1.0, 1.0])
    phi = I.linear_attributions(w, X, base)
    assert phi[0] == pytest.approx([1.0, -1.0, 1.0])
    # efficiency: attributions add up to f(x) − f(baseline)
    assert phi.sum(axis=1) == pytest.approx(I.predict_logit(b, w, X) - I.predict_logit(b, w, base))


def test_counterfactual_moves_the_logit_to_the_boundary():
    b, w, x = -1.0, np.array([0.5, -2.0]), np.array([4.0, 1.0])        # logit = −1 + 2 − 2 = −1
    v = I.counterfactual_value(b, w, x, 0)
    assert v == pytest.approx(6.0)
    x2 = x.copy()
    x2[0] = v
    assert I.predict_logit(b, w, x2) == pytest.approx(0.0)
    assert I.counterfactual_value(b, np.array([0.0, -2.0]), x, 0) == math.inf


def test_stale_feature_simulation_is_deterministic_and_stale_for_tablets_only():
    a, b = I.simulate_stale_feature_incident(seed=3), I.simulate_stale_feature_incident(seed=3)
    assert np.array_equal(a["X_serve"], b["X_serve"])
    tablet = a["device"] == "tablet"
    assert np.all(a["X_serve"][tablet, 2] == 30.0)
    assert np.array_equal(a["X_serve"][~tablet], a["X_true"][~tablet])


# ── business cost curve ──────────────────────────────────────────────────────
def test_error_rates_and_expected_cost_by_hand():
    assert I.error_rates(0.3)[0] == pytest.approx(0.5)
    assert I.error_rates(0.7)[1] == pytest.approx(0.5)
    # at t = 0.5 both rates are 1/(1 + e^1.6)
    r = 1 / (1 + math.exp(1.6))
    assert I.expected_cost(0.5, 100, 500) == pytest.approx(600 * r)
    with pytest.raises(ValueError):
        I.expected_cost(0.5, -1, 500)


def test_optimal_threshold_of_the_source_scenario():
    from scipy.optimize import brentq

    t, c = I.optimal_threshold(100, 500)
    assert round(t, 2) == 0.34                      # the caption's T ≈ 0.34
    assert I.optimal_threshold(100, 100)[0] == pytest.approx(0.5, abs=1e-7)
    # independent check: the derivative of the expected cost vanishes at t*
    k = 8.0

    def slope(x):
        fpr, fnr = I.error_rates(x)
        return -100 * k * fpr * (1 - fpr) + 500 * k * fnr * (1 - fnr)

    assert t == pytest.approx(brentq(slope, 0.2, 0.5), abs=1e-7)
    assert c == pytest.approx(I.expected_cost(t, 100, 500))


@settings(max_examples=40, deadline=None)
@given(st.floats(1, 5000), st.floats(1, 5000), st.floats(1, 5000))
def test_optimum_moves_left_as_misses_get_dearer(fp, fn1, fn2):
    lo, hi = sorted((fn1, fn2))
    assert I.optimal_threshold(fp, hi)[0] <= I.optimal_threshold(fp, lo)[0] + 1e-6


@settings(max_examples=40, deadline=None)
@given(st.floats(1, 5000), st.floats(1, 5000))
def test_optimum_is_symmetric_and_no_grid_point_is_cheaper(fp, fn):
    t1, c1 = I.optimal_threshold(fp, fn)
    t2, _ = I.optimal_threshold(fn, fp)
    assert t1 + t2 == pytest.approx(1.0, abs=1e-5)     # centres 0.3 / 0.7 mirror about 0.5
    grid = np.linspace(0, 1, 1001)
    assert c1 <= I.expected_cost(grid, fp, fn).min() + 1e-9


def test_bayes_threshold():
    assert I.bayes_threshold(100, 500) == pytest.approx(1 / 6)
    assert I.bayes_threshold(1, 1) == 0.5
    with pytest.raises(ValueError):
        I.bayes_threshold(0, 0)


# ── framing an improvement ───────────────────────────────────────────────────
def test_fraud_framing_arithmetic():
    assert I.miss_reduction(0.92, 0.94) == pytest.approx(0.25)           # 8% → 6% misses
    n = I.fraud_volume_implied(2_000_000, 500, 0.92, 0.94)
    assert n == pytest.approx(200_000)                                    # 2e6 / (500 · 0.02)
    assert I.fraud_loss_prevented(n, 500, 0.92, 0.94) == pytest.approx(2_000_000)
    assert I.breakeven_spend(2_000_000, 0.30) == pytest.approx(6_666_666.67, rel=1e-9)
    assert I.ratio(120, 50) == pytest.approx(2.4)
    assert I.relative_change(1000, 800) == pytest.approx(-0.2)
    for bad in (lambda: I.fraud_volume_implied(1, 500, 0.94, 0.92), lambda: I.breakeven_spend(1, 0),
                lambda: I.ratio(1, 0), lambda: I.miss_reduction(1.0, 1.0)):
        with pytest.raises(ValueError):
            bad()


# ── the notebook's calculations and explorers ────────────────────────────────
@pytest.fixture(scope="module")
def ns():
    from notebook_ns import load_namespace

    return load_namespace("incidents")


def test_notebook_scenarios(ns):
    assert ns["slices"].overall == pytest.approx(0.906)
    assert ns["night_alert"].level == "P1"
    assert ns["fraud_costs"].t_star == pytest.approx(0.336, abs=5e-4)
    assert ns["replay"].top_feature == "days_since_visit"
    assert ns["proposal"].fraud_per_year == pytest.approx(200_000)
    triage = ns["IncidentTriage"](metric_drop=0.05, user_impact=0)
    assert triage.level == "P3" and "user-facing" in triage.warnings[0]


def test_slice_explorer(ns):
    ex = ns["slice_explorer"]
    ex.sliders["tablet_accuracy"].value = 0.62
    ex.sliders["tablet_share"].value = 0.05
    assert "masks this slice" in ex.message.value
    before = ex.text.value
    ex.sliders["tablet_accuracy"].value = 0.90
    assert ex.text.value != before and "masks" not in ex.message.value
    assert ex.calc.severe == []
    ex.set(tablet_share="-5")
    assert ex.error is not None
    assert "Tablet share of traffic" in ex.error and "between 0.005 and 0.5" in ex.error
    ex.set(tablet_share="0.05")
    ex.sliders["tablet_accuracy"].value = 0.62
    assert ex.error is None


def test_cost_explorer(ns):
    ex = ns["cost_explorer"]
    ex.sliders["fp_cost"].value = 100
    ex.sliders["fn_cost"].value = 500
    before = ex.text.value
    assert "0.34" in before and "left of" in before
    ex.sliders["fn_cost"].value = 100
    assert ex.text.value != before and "0.50" in ex.text.value
    ex.set(fn_cost="0")
    assert "FN cost C_FN" in ex.error and "between 1 and 10,000" in ex.error
    ex.set(fp_cost="10000", fn_cost="1")
    assert ex.error is None and "edge" in ex.message.value
    ex.set(fp_cost="100", fn_cost="500")
    assert ex.message.value == ""


# ── fraud-case arithmetic moved out of the notebook (issue 13) ─────────────────────────────────
def test_fraud_case_formulas_by_hand():
    assert I.frauds_caught(2_000_000, 500) == 4_000
    assert I.fraud_prevalence(36_500, 1_000) == pytest.approx(0.1)            # 100 frauds a day of 1,000
    assert I.annual_alert_savings(1_000, 2.5) == 30_000                        # 12 months
    assert I.false_alert_rate_drop(3_000, 1_000) == pytest.approx(0.1)         # a 30-day month
    for f in (lambda: I.frauds_caught(1, 0), lambda: I.fraud_prevalence(1, 0), lambda: I.false_alert_rate_drop(1, -1)):
        with pytest.raises(ValueError, match="positive"):
            f()


# ── moved out of notebook execute() (issue 13) ────────────────────────────────────────────────────
def test_alerts_avoided_per_year():
    assert I.alerts_avoided_per_year(1_000, 800) == 73_000
    assert I.alerts_avoided_per_year(1_000, 800, 360) == 72_000
    assert I.alerts_avoided_per_year(50, 80) == -10_950


def test_slice_error_attributions_separate_the_slice_from_the_rest():
    w, baseline = [2.0, 1.0], [0.5, 0.5]
    X = [[1, 0], [3, 1], [0, 0], [1, 4], [2, 2]]
    errors = [True, True, False, True, True]
    tablet = [False, True, False, False, True]
    r = I.slice_error_attributions(w, X, baseline, errors, tablet)
    assert r.n_errors == 2 and r.first_error == 1
    # |φ| = |w·(x − baseline)|: rows 1 and 4 in the slice, rows 0 and 3 outside it
    np.testing.assert_allclose(r.mean_abs_slice, [(5.0 + 3.0) / 2, (0.5 + 1.5) / 2])
    np.testing.assert_allclose(r.mean_abs_other, [(1.0 + 1.0) / 2, (0.5 + 3.5) / 2])
    with pytest.raises(ValueError, match="no mispredicted rows"):
        I.slice_error_attributions(w, X, baseline, [False, False, True, True, False], tablet)
    with pytest.raises(ValueError, match="one flag per row"):
        I.slice_error_attributions(w, X, baseline, errors[:4], tablet[:4])


# ── regression pins, boundaries and messages from the mutation run (docs/mutation.md) ───────────
import re as _re  # noqa: E402

from mlsysim.models import incidents as _I  # noqa: E402


def test_stale_feature_simulation_is_pinned():
    """The case study's data are deterministic: any change to the generator moves these numbers
    (and the prose built on them), so it has to be deliberate."""
    d = _I.simulate_stale_feature_incident()
    assert (int(d["y_train"].sum()), int(d["y_serve"].sum())) == (4239, 4243)
    names, counts = np.unique(d["device"], return_counts=True)
    assert dict(zip(names.tolist(), counts.tolist())) == {"android": 1621, "desktop": 3613, "ios": 2400, "tablet": 366}
    assert float(d["X_train"].sum()) == pytest.approx(118387.70144599827, rel=1e-12)
    assert float(d["X_true"].sum()) == pytest.approx(118728.46462194886, rel=1e-12)
    assert float(d["X_serve"][:, 2].sum()) == pytest.approx(48410.65293723853, rel=1e-12)
    assert d["X_train"].dtype == float and d["X_train"].shape == (8000, 3)
    d2 = _I.simulate_stale_feature_incident(n=500, seed=7, stale_value=99.0, tablet_share=0.2)
    assert (int(d2["y_train"].sum()), int(d2["y_serve"].sum()), int((d2["device"] == "tablet").sum())) == (279, 253, 91)
    assert float(d2["X_serve"].sum()) == pytest.approx(16066.076766786824, rel=1e-12)


def test_fit_logistic_with_l2_minimises_the_penalised_loss():
    from scipy.optimize import minimize

    rng = np.random.default_rng(5)
    X = rng.normal(size=(400, 2)) * [1.0, 3.0] + [0.0, 2.0]
    y = (rng.random(400) < 1 / (1 + np.exp(-(0.5 + X[:, 0] - 0.4 * X[:, 1])))).astype(float)
    mu, sd = X.mean(axis=0), X.std(axis=0)
    Z = (X - mu) / sd

    def loss(theta):
        z = theta[0] + Z @ theta[1:]
        return np.mean(np.logaddexp(0, z) - y * z) + 0.05 * theta[1:] @ theta[1:]

    th = minimize(loss, np.zeros(3), method="Nelder-Mead", options={"xatol": 1e-10, "fatol": 1e-14,
                                                                    "maxiter": 20_000}).x
    b, w = _I.fit_logistic(X, y, l2=0.05)
    assert w == pytest.approx(th[1:] / sd, abs=1e-5)
    assert b == pytest.approx(th[0] - np.sum(th[1:] * mu / sd), abs=1e-5)


def test_fit_logistic_with_a_constant_feature():
    rng = np.random.default_rng(6)
    X = np.column_stack([rng.normal(size=300), np.full(300, 4.0)])
    y = (rng.random(300) < 1 / (1 + np.exp(-2 * X[:, 0]))).astype(int).tolist()
    b, w = _I.fit_logistic(X.tolist(), y)
    assert np.all(np.isfinite(w)) and np.isfinite(b) and w[1] == 0.0


def test_counterfactual_value_hand_checked():
    # logit = 1 + 2·3 − 1·1 = 6; feature 0 must move to 3 − (6 − 0.5)/2 = 0.25 for logit 0.5
    assert _I.counterfactual_value(1.0, [2.0, -1.0], [3.0, 1.0], 0, margin=0.5) == pytest.approx(0.25, rel=1e-12)
    assert _I.counterfactual_value(1.0, [1.0, 0.0], [3.0, 1.0], 1) == math.inf
    assert _I.counterfactual_value(1.0, [1.0, 1.0], [3.0, 1.0], 1) == pytest.approx(1 - 5.0, rel=1e-12)


def test_accuracy_without_a_slice():
    assert _I.accuracy_without([0.5, 0.3, 0.2], [0.9, 0.8, 0.5], 2) == pytest.approx((0.45 + 0.24) / 0.8, rel=1e-12)
    assert _I.accuracy_without([0.0, 1.0], [0.9, 0.8], 0) == pytest.approx(0.8, rel=1e-12)
    with pytest.raises(ValueError, match="^no traffic is left once the slice is removed$"):
        _I.accuracy_without([0.0, 1.0], [0.9, 0.8], 1)


@pytest.mark.parametrize("call, expected", [
    (lambda: _I.bayes_threshold(0.5, 1.5), 0.25),
    (lambda: _I.miss_reduction(0.0, 0.5), 0.5), (lambda: _I.miss_reduction(0.5, 1.0), 1.0),
    (lambda: _I.fraud_volume_implied(100, 0.5, 0.5, 0.7), 100 / (0.5 * 0.2)),
    (lambda: _I.frauds_caught(100, 0.5), 200.0),
    (lambda: _I.fraud_prevalence(365, 0.5), 365 / (0.5 * 365)),
    (lambda: _I.false_alert_rate_drop(10, 0.5), 10 / (0.5 * 30)),
])
def test_values_at_the_edges(call, expected):
    assert call() == pytest.approx(expected, rel=1e-12)


def test_zero_costs_are_allowed_where_one_side_can_be_free():
    assert _I.bayes_threshold(0, 1) == 0.0 and _I.bayes_threshold(1, 0) == 1.0
    assert _I.expected_cost(0.5, 0, 0) == 0.0
    assert _I.expected_cost(0.5, 0.5, 0.5) == pytest.approx(0.5 * sum(_I.error_rates(0.5)), rel=1e-12)
    assert _I.expected_cost(0.5, 1, 1, steepness=2.0) == pytest.approx(sum(_I.error_rates(0.5, steepness=2.0)),
                                                                       rel=1e-12)


@pytest.mark.parametrize("call, message", [
    (lambda: _I.bayes_threshold(-1, 1), "error costs must be non-negative and not both zero"),
    (lambda: _I.bayes_threshold(1, -1), "error costs must be non-negative and not both zero"),
    (lambda: _I.bayes_threshold(0, 0), "error costs must be non-negative and not both zero"),
    (lambda: _I.expected_cost(0.5, -1, 1), "error costs must be non-negative"),
    (lambda: _I.expected_cost(0.5, 1, -1), "error costs must be non-negative"),
    (lambda: _I.breakeven_spend(100, 0), "the cost increase must be positive"),
    (lambda: _I.classify_severity(metric_drop=1.5), "metric_drop is a relative fall between 0 and 1, got 1.5"),
    (lambda: _I.classify_severity(max_psi=-1), "PSI cannot be negative, got -1"),
    (lambda: _I.accuracy_without([[0.5, 0.5]], [0.9, 0.8], 0), "need one traffic share per accuracy"),
    (lambda: _I.miss_reduction(1.0, 0.5), "detection rates are fractions, and 'before' must be below 1"),
    (lambda: _I.fraud_volume_implied(100, 1, 0.5, 0.5), "need a positive detection gain and a positive cost per missed fraud"),
    (lambda: _I.fraud_volume_implied(100, 0, 0.5, 0.7), "need a positive detection gain and a positive cost per missed fraud"),
    (lambda: _I.frauds_caught(100, 0), "the cost of a missed fraud must be positive"),
    (lambda: _I.fraud_prevalence(10, 0), "transactions per day must be positive"),
    (lambda: _I.false_alert_rate_drop(10, 0), "transactions per day must be positive"),
])
def test_refusals_in_full(call, message):
    with pytest.raises(ValueError, match="^" + _re.escape(message) + "$"):
        call()


def test_rescale_slices_and_flags_edges():
    assert _I.rescale_shares([0.5, 0.25, 0.25], 0, 0.0) == (0.0, 0.5, 0.5)
    assert _I.rescale_shares([0.5, 0.25, 0.25], 0, 1.0) == (1.0, 0.0, 0.0)
    with pytest.raises(ValueError, match=r"^a traffic share lies between 0 and 1, got 1\.5$"):
        _I.rescale_shares([0.5, 0.5], 0, 1.5)
    with pytest.raises(ValueError, match="^the other slices have no traffic to rescale$"):
        _I.rescale_shares([1.0, 0.0], 0, 0.5)
    with pytest.raises(ValueError, match="^" + _re.escape("unknown severity 'P9'; use one of "
                                                          + ", ".join(_I.SEVERITY_LEVELS)) + "$"):
        _I.response_minutes("P9")
    assert _I.slice_impact(0.85, 0.9, 0.0, 0.10) == "Minor degradation"
    assert _I.slice_impact(0.8, 0.9, 0.05, 0.05) == "Severe — investigate"      # equal gaps are allowed
    with pytest.raises(ValueError, match="^need 0 ≤ minor_gap ≤ severe_gap$"):
        _I.slice_impact(0.85, 0.9, 0.2, 0.1)
    with pytest.raises(ValueError, match="^error costs must be non-negative and not both zero$"):
        _I.bayes_threshold(-1, 2)
    assert _I.miss_reduction(0.5, 0.0) == pytest.approx(-1.0, rel=1e-12)
    with pytest.raises(ValueError, match="^detection rates are fractions, and 'before' must be below 1$"):
        _I.miss_reduction(0.5, 1.5)
    # 0/1 flags work like booleans (a mask, not row numbers)
    r = _I.slice_error_attributions([2.0, 1.0], [[1, 0], [3, 1], [0, 0], [1, 4]], [0.5, 0.5],
                                    [1, 1, 0, 1], [0, 1, 0, 0])
    assert (r.n_errors, r.first_error, r.mean_abs_slice.tolist(), r.mean_abs_other.tolist()) == \
        (1, 1, [5.0, 0.5], [1.0, 2.0])
    with pytest.raises(ValueError, match="^errors and in_slice need one flag per row of X$"):
        _I.slice_error_attributions([2.0, 1.0], [[1, 0]], [0.5, 0.5], [True, False], [True, False])
    with pytest.raises(ValueError, match="^the slice has no mispredicted rows to attribute$"):
        _I.slice_error_attributions([2.0, 1.0], [[1, 0]], [0.5, 0.5], [True], [False])


def test_simulation_keys_and_dtypes():
    d = _I.simulate_stale_feature_incident(n=50)
    assert d["features"] == _I.FEATURES and d["y_train"].dtype.kind == "i" and d["X_true"].dtype == float


def test_slice_impact_at_exact_gaps():
    assert _I.slice_impact(0.5, 0.75, 0.01, 0.25) == "Minor degradation"      # a gap equal to severe is not severe
    assert _I.slice_impact(0.5, 0.75, 0.25, 0.5) == "Nominal"                 # a gap equal to minor is nominal
