"""Monitoring formulas (mlsysim.models.monitoring) and the monitoring notebook's explorers."""
import math

import numpy as np
import pytest
from hypothesis import assume, given, settings, strategies as st
from scipy.stats import binom

from mlsysim.models import monitoring as m

Z95, Z80 = 1.6448536269514722, 0.8416212335729143


# ── detection ──────────────────────────────────────────────────────────────────────────────────
def test_one_sample_size_hand_checked():
    hand = ((Z95 * math.sqrt(0.95 * 0.05) + Z80 * math.sqrt(0.9 * 0.1)) / 0.05) ** 2   # 149.3
    assert m.samples_to_detect_drop(0.95, 0.90) == math.ceil(hand) == 150
    assert m.samples_to_detect_drop(0.95, 0.90, two_sided=True) == 185


def test_two_window_size_hand_checked():
    pbar = 0.925
    hand = ((Z95 * math.sqrt(2 * pbar * (1 - pbar)) + Z80 * math.sqrt(0.95 * 0.05 + 0.9 * 0.1)) / 0.05) ** 2
    assert m.two_window_samples(0.95, 0.90) == math.ceil(hand) == 343


def test_exact_binomial_is_the_first_n_reaching_the_power():
    n = m.exact_binomial_samples(0.95, 0.90)
    assert n == 169

    def exact_power(k_n):
        k = binom.ppf(0.05, k_n, 0.95)
        k = k - 1 if binom.cdf(k, k_n, 0.95) > 0.05 else k
        return binom.cdf(k, k_n, 0.90) if k >= 0 else 0.0, binom.cdf(k, k_n, 0.95) if k >= 0 else 0.0

    power, size = exact_power(n)
    assert power >= 0.8 and size <= 0.05
    assert all(exact_power(j)[0] < 0.8 for j in range(1, n))


def test_exact_test_power_by_simulation():
    rng = np.random.default_rng(2026)
    n = m.exact_binomial_samples(0.95, 0.90)
    k = binom.ppf(0.05, n, 0.95)
    k = k - 1 if binom.cdf(k, n, 0.95) > 0.05 else k
    correct = rng.binomial(n, 0.90, size=20_000)
    assert np.mean(correct <= k) == pytest.approx(binom.cdf(k, n, 0.90), abs=0.01)
    false_alarms = rng.binomial(n, 0.95, size=20_000)
    assert np.mean(false_alarms <= k) <= 0.06


def test_power_and_minimum_detectable_drop():
    assert m.detection_power(150, 0.95, 0.90) == pytest.approx(0.80, abs=0.01)
    assert m.detection_power(1_000, 0.95, 0.90) > 0.9999
    mde = m.min_detectable_drop(1_000, 0.95)
    assert mde == pytest.approx(0.018, abs=0.001)
    assert m.detection_power(1_000, 0.95, 0.95 - mde) == pytest.approx(0.8, abs=1e-6)


def test_collection_time():
    assert m.collection_time(1_000, 1.0) == 1_000
    assert m.collection_time(1_000, 100 / 86_400) / 86_400 == pytest.approx(10.0)
    assert m.collection_time(1_000, 1.0, labelled_fraction=0.25) == 4_000
    with pytest.raises(ValueError):
        m.collection_time(10, 0.0)


def test_detection_input_errors():
    with pytest.raises(ValueError, match="accuracy drop"):
        m.samples_to_detect_drop(0.9, 0.95)
    with pytest.raises(ValueError, match="power"):
        m.samples_to_detect_drop(0.95, 0.9, power=0.3)
    with pytest.raises(ValueError, match="alpha"):
        m.two_window_samples(0.95, 0.9, alpha=0.7)


@settings(max_examples=40, deadline=None)
@given(st.floats(0.6, 0.99), st.floats(0.005, 0.2), st.floats(1.1, 3.0))
def test_samples_fall_as_the_drop_grows(p0, drop, factor):
    p1_small, p1_big = p0 - drop, p0 - min(drop * factor, p0 - 0.01)
    assume(p1_small > 0 and p1_big < p1_small)     # a draw that is not two nested drops is discarded, not passed
    assert m.samples_to_detect_drop(p0, p1_big) <= m.samples_to_detect_drop(p0, p1_small)
    assert m.two_window_samples(p0, p1_small) >= m.samples_to_detect_drop(p0, p1_small)
    assert m.samples_to_detect_drop(p0, p1_small, power=0.9) >= m.samples_to_detect_drop(p0, p1_small, power=0.8)


# ── monitoring cost ────────────────────────────────────────────────────────────────────────────
def test_single_model_budget_hand_checked():
    points = m.datapoints_per_month(3, 50, 4)
    assert points == 3 * 50 * 4 * 60 * 24 * 30 == 25_920_000
    assert m.ingestion_cost(points, 0.30) == pytest.approx(7.776)
    assert m.storage_gb(points, 8) == pytest.approx(0.20736)
    q = m.query_count(2, 3, 12, 8, 22)
    assert q == 12_672 and m.query_cost(q, 0.02) == pytest.approx(253.44)
    total = m.monitoring_cost(7.776, 0.20736, 253.44)
    assert total == pytest.approx(261.42336)
    assert abs(total - 153) > 100          # the "about $153" summary does not follow from the inputs
    assert m.alert_evaluations(10, 60) == 432_000
    with pytest.raises(ValueError):
        m.monitoring_cost(1, -1, 0)


def test_tiered_retention_hand_checked():
    day = 86_400
    tiered = m.tiered_retained_points([(15, day), (60, 7 * day), (300, 30 * day)])
    assert tiered == 5_760 + 8_640 + 6_624
    flat = m.flat_retained_points(15, 30 * day)
    assert flat == 172_800
    assert 0.80 <= 1 - tiered / flat <= 0.90
    with pytest.raises(ValueError):
        m.tiered_retained_points([(15, 2 * day), (60, day)])


def test_observability_roi_and_sampling():
    assert m.scale_volume(1.0, 1, 60) == pytest.approx(1 / 60)
    assert m.observability_cost_rate(2, 10, 0.1, 0.05) == pytest.approx(3.0)
    assert m.dynamic_sampling_fraction(0.01, 0.01, 1.0) == pytest.approx(0.0199)
    assert m.monitoring_roi(5, 50_000, 50_000) == 5
    assert m.breakeven_incidents(50_000, 50_000) == 1
    with pytest.raises(ValueError):
        m.monitoring_roi(1, 1, 0)


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 10), st.integers(1, 500), st.floats(0.1, 60))
def test_ingestion_is_linear(variants, metrics, per_min):
    one = m.datapoints_per_month(variants, metrics, per_min)
    assert m.datapoints_per_month(2 * variants, metrics, per_min) == pytest.approx(2 * one)
    assert m.datapoints_per_month(variants, metrics, 2 * per_min) == pytest.approx(2 * one)


# ── rotting asset ──────────────────────────────────────────────────────────────────────────────
def test_scheduled_and_triggered_runs_hand_checked():
    s = m.simulate_retraining(365, 0.90, 0.0003, interval=90)
    t = m.simulate_retraining(365, 0.90, 0.0003, threshold=0.82)
    assert s.retrain_days == [90, 180, 270, 360]
    assert s.min == pytest.approx(0.9 * math.exp(-0.0003 * 89))
    # ln(0.90/0.82)/0.0003 = 310.3 days: the first whole day below the threshold is day 311
    assert m.equivalent_interval(0.90, 0.82, 0.0003) == pytest.approx(310.30, abs=0.01)
    assert t.retrain_days == [311]
    assert t.min == pytest.approx(0.9 * math.exp(-0.0003 * 310))
    assert s.mean > t.mean and s.retrains > t.retrains
    lagged = m.simulate_retraining(365, 0.90, 0.0003, threshold=0.82, lag=5)
    assert lagged.retrain_days == [316] and lagged.days_below(0.82) == 5


def test_strategy_costs_and_breakeven():
    s = m.simulate_retraining(365, 0.90, 0.0003, interval=90)
    t = m.simulate_retraining(365, 0.90, 0.0003, threshold=0.82)
    retrain, loss = m.strategy_cost(s, 0.90, 5_000, 5_000)
    assert retrain == 20_000 and loss == pytest.approx(5_000 * float(np.sum(0.90 - s.accuracy)))
    qv = m.breakeven_value_rate(t, s, 0.90, 5_000)
    assert sum(m.strategy_cost(s, 0.90, 5_000, qv)) == pytest.approx(sum(m.strategy_cost(t, 0.90, 5_000, qv)))
    assert qv == pytest.approx(1_721.1, abs=0.1)
    assert math.isnan(m.breakeven_value_rate(s, s, 0.90, 5_000))


def test_retraining_input_errors():
    with pytest.raises(ValueError, match="exactly one"):
        m.simulate_retraining(365, 0.9, 0.001)
    with pytest.raises(ValueError):
        m.equivalent_interval(0.9, 0.95, 0.001)


@settings(max_examples=30, deadline=None)
@given(st.floats(1e-4, 0.01), st.floats(0.5, 0.98), st.integers(5, 120))
def test_rotting_asset_properties(lam, ratio, interval):
    A0 = 0.9
    thr = A0 * ratio
    t = m.simulate_retraining(365, A0, lam, threshold=thr)
    assert t.days_below(thr) == 0                      # no lag: never served below the threshold
    assert t.accuracy.max() <= A0
    a = m.simulate_retraining(365, A0, lam, interval=interval)
    b = m.simulate_retraining(365, A0, lam, interval=interval + 10)
    assert b.min <= a.min + 1e-15 and b.retrains <= a.retrains


# ── the notebook's explorers ───────────────────────────────────────────────────────────────────
@pytest.fixture(scope="module")
def ns():
    from notebook_ns import load_namespace

    return load_namespace("monitoring")


@pytest.fixture(scope="module")
def ns_infra():
    from notebook_ns import load_namespace

    return load_namespace("monitoring_infrastructure")


def test_scenarios_of_the_prose(ns, ns_infra):
    assert ns["delay"].n_exact == 169 and ns["delay"].rule_of_thumb == 1_000
    assert ns["asset"].winner == "scheduled" and ns["low_value"].winner == "trigger-based"
    assert ns_infra["budget"].total == pytest.approx(261.42336)
    assert ns_infra["roi"].roi == 5


def test_delay_explorer(ns):
    ex = ns["delay_explorer"]
    before = ex.text.value
    assert ex.message.value == ""                          # defaults: nothing to warn about
    ex.sliders["drop"].value = 0.01
    assert ex.text.value != before
    assert "rule of thumb" in ex.message.value and "longer than the 7-day limit" in ex.message.value
    ex.set(drop="0.9")
    assert "drop" in ex.error and "between 0.002 and 0.3" in ex.error
    ex.set(drop="0.05")
    assert ex.error is None and ex.message.value == ""


def test_asset_explorer(ns):
    ex = ns["asset_explorer"]
    before = ex.text.value
    ex.sliders["query_volume"].value = 1_000
    assert ex.text.value != before and "trigger-based strategy is cheaper" in ex.text.value
    ex.sliders["interval"].value = 365
    assert "Scheduled retraining every 365 days" in ex.message.value
    ex.set(threshold="0.95")                                # a valid number that breaks an invariant
    assert ex.error is not None and "must be below the accuracy right after retraining" in ex.error
    ex.set(retrain_cost="-5")
    assert "retrain_cost" in ex.error and "between 100 and 1,000,000" in ex.error
    ex.set(threshold="0.82", interval="90", query_volume="10000", retrain_cost="5000")
    assert ex.error is None and "scheduled strategy is cheaper" in ex.text.value


def test_budget_explorer(ns_infra):
    ex = ns_infra["budget_explorer"]
    before = ex.text.value
    assert "USD 261.42" in before and "$" not in before     # no dollar pairs for MathJax to misread
    ex.sliders["label_cardinality"].value = 1_000
    assert ex.text.value != before
    assert "over the $500 budget" in ex.message.value and "ingestion" in ex.message.value
    ex.set(users="-1")
    assert "users" in ex.error and "between 0 and 500" in ex.error
    ex.set(label_cardinality="1", users="3")
    assert ex.error is None and ex.message.value == ""


# ── moved out of notebook execute() (issue 13) ────────────────────────────────────────────────────
def test_accuracy_after_drop():
    assert m.accuracy_after_drop(0.95, 0.07) == pytest.approx(0.88, rel=1e-12)


def test_series_count_and_points_with_label_cardinality():
    assert m.series_count(3, 50, 4) == 600
    assert m.series_count(3, 50) == 150
    with pytest.raises(ValueError, match="series_per_metric"):
        m.series_count(3, 50, -1)
    assert m.datapoints_per_month(3, 50, 4, series_per_metric=2) == 3 * 50 * 2 * 4 * 60 * 24 * 30
    assert m.datapoints_per_month(3, 50, 4, days=31) == 3 * 50 * 4 * 60 * 24 * 31


def test_retained_points_for_many_series():
    assert m.flat_retained_points(15, 86_400, 10) == 57_600
    assert m.flat_retained_points(15, 86_400) == 5_760
    assert m.tiered_retained_points([(15, 86_400), (60, 172_800)], 3) == 3 * (5_760 + 1_440)
    with pytest.raises(ValueError, match="series"):
        m.flat_retained_points(15, 86_400, -1)
    with pytest.raises(ValueError, match="series"):
        m.tiered_retained_points([(15, 86_400)], -2)


def test_standard_tiers():
    assert m.standard_tiers(15, 30) == [(15, 86_400), (60, 604_800), (300, 2_592_000)]
    # coarse sampling and short retention: no tier finer than the samples, none beyond retention
    assert m.standard_tiers(120, 3) == [(120, 86_400), (120, 259_200), (300, 259_200)]
    assert m.standard_tiers(600, 0.5) == [(600, 43_200), (600, 43_200), (600, 43_200)]
    with pytest.raises(ValueError, match="positive"):
        m.standard_tiers(0, 30)


def test_sampled_rate():
    assert m.sampled_rate(1_000_000, 0.0199) == pytest.approx(19_900, rel=1e-12)
    assert m.sampled_rate(250, 0.2) == pytest.approx(50, rel=1e-12)
    with pytest.raises(ValueError, match="fraction"):
        m.sampled_rate(250, 1.5)


def test_strategy_cost_total_is_retraining_plus_loss():
    run = m.simulate_retraining(100, 0.9, 0.003, interval=30)
    cost = m.strategy_cost(run, 0.9, 2_000, 700)
    retrain, loss = cost
    assert cost.retraining == retrain == run.retrains * 2_000
    assert cost.loss == loss == pytest.approx(700 * run.shortfall(0.9), rel=1e-12)
    assert cost.total == pytest.approx(retrain + loss, rel=1e-12)


# ── boundaries, branches and messages pinned by the mutation run (docs/mutation.md) ─────────────
import re  # noqa: E402

from scipy.optimize import brentq  # noqa: E402
from scipy.stats import norm  # noqa: E402


def _raises(message):
    """pytest.raises for a ValueError whose message is exactly ``message``."""
    return pytest.raises(ValueError, match="^" + re.escape(message) + "$")


def _exact_critical_by_brute_force(n, p0, alpha):
    return max([-1] + [k for k in range(n + 1) if binom.cdf(k, n, p0) <= alpha])


@pytest.mark.parametrize("p0, p1", [(0.9, 0.0), (0.9, 0.9), (1.0, 0.9), (1.5, 0.9), (0.9, 0.95)])
def test_rates_outside_0_p1_p0_1_are_refused_by_name(p0, p1):
    with _raises(f"need 0 < p1 < p0 < 1 (an accuracy drop); got p0={p0}, p1={p1}"):
        m.samples_to_detect_drop(p0, p1)


@pytest.mark.parametrize("alpha", [0.0, 0.5, 0.7])
def test_alpha_bounds(alpha):
    with _raises(f"significance level alpha must be between 0 and 0.5, got {alpha}"):
        m.samples_to_detect_drop(0.95, 0.9, alpha=alpha)


@pytest.mark.parametrize("power", [0.3, 1.0, 1.5])
def test_power_bounds(power):
    with _raises(f"power must be at least 0.5 and below 1, got {power}"):
        m.two_window_samples(0.95, 0.9, power=power)


def test_power_one_half_is_allowed_and_needs_no_z_beta():
    z = norm.ppf(0.95)
    assert m.samples_to_detect_drop(0.95, 0.9, power=0.5) == math.ceil((z * math.sqrt(0.95 * 0.05) / 0.05) ** 2)


def test_sample_size_rounding_absorbs_float_noise_at_a_whole_number():
    # p1 chosen so that n is exactly 100 on paper (power 0.5: no z_power term); in floating point it is
    # 100 ± 1e-13, and 100 samples — not 101 — are needed
    z, p0 = norm.ppf(0.95), 0.9
    assert m.samples_to_detect_drop(p0, p0 - z * math.sqrt(p0 * (1 - p0)) / 10, power=0.5) == 100

    def n_two(p1):
        pbar = (p0 + p1) / 2
        return (z * math.sqrt(2 * pbar * (1 - pbar)) / (p0 - p1)) ** 2 - 100

    assert m.two_window_samples(p0, brentq(n_two, 0.5, 0.89, xtol=1e-15), power=0.5) == 100


def test_two_sided_sizes_and_power_use_alpha_over_two():
    z, zb = norm.ppf(0.975), norm.ppf(0.8)
    pbar = 0.925
    hand = ((z * math.sqrt(2 * pbar * (1 - pbar)) + zb * math.sqrt(0.95 * 0.05 + 0.9 * 0.1)) / 0.05) ** 2
    assert m.two_window_samples(0.95, 0.90, two_sided=True) == math.ceil(hand)
    z_hand = (0.05 * math.sqrt(150) - z * math.sqrt(0.95 * 0.05)) / math.sqrt(0.9 * 0.1)
    assert m.detection_power(150, 0.95, 0.90, two_sided=True) == pytest.approx(norm.cdf(z_hand), rel=1e-12)
    one = m.min_detectable_drop(1_000, 0.95)
    two = m.min_detectable_drop(1_000, 0.95, two_sided=True)
    assert two > one
    assert m.detection_power(1_000, 0.95, 0.95 - two, two_sided=True) == pytest.approx(0.8, abs=1e-9)


def test_detection_power_from_one_sample_and_its_refusal_of_zero():
    z_hand = (0.05 - norm.ppf(0.95) * math.sqrt(0.95 * 0.05)) / math.sqrt(0.9 * 0.1)
    assert m.detection_power(1, 0.95, 0.90) == pytest.approx(norm.cdf(z_hand), rel=1e-12)
    with _raises("n must be positive"):
        m.detection_power(0, 0.95, 0.90)
    with _raises("n must be positive"):
        m.exact_detection_power(0, 0.95, 0.90)


@pytest.mark.parametrize("n", [1, 2, 5, 20, 169, 500])
def test_exact_critical_value_is_the_largest_k_within_alpha(n):
    assert m._exact_critical(n, 0.95, 0.05) == _exact_critical_by_brute_force(n, 0.95, 0.05)


def test_exact_test_at_a_size_exactly_alpha():
    alpha = float(binom.cdf(3, 20, 0.5))                       # P(X ≤ 3 | 20, ½): the size is exactly α
    assert m._exact_critical(20, 0.5, alpha) == 3              # size ≤ α is allowed, so k = 3 is kept
    assert m.exact_detection_power(20, 0.5, 0.1, alpha=alpha) == binom.cdf(3, 20, 0.1)
    assert m.exact_binomial_samples(0.5, 0.1, alpha=alpha, power=0.8) == 20


def test_exact_detection_power_values_and_branches():
    k = _exact_critical_by_brute_force(169, 0.95, 0.05)
    assert m.exact_detection_power(169, 0.95, 0.90) == pytest.approx(binom.cdf(k, 169, 0.90), rel=1e-12)
    assert m.exact_detection_power(1, 0.95, 0.90) == 0.0        # no k keeps the size within α
    assert m.exact_detection_power(1, 0.99, 0.01) == pytest.approx(0.99, rel=1e-12)   # k = 0


def test_exact_binomial_samples_small_and_at_the_power_exactly():
    assert m.exact_binomial_samples(0.99, 0.01) == 1            # one sample, critical value k = 0
    assert m.exact_binomial_samples(0.99, 0.01, power=0.99) == 1  # reaching the power exactly is enough
    assert m.exact_binomial_samples(0.9, 0.1) == 2


def test_exact_binomial_search_limit_is_4n_plus_50():
    # the exact answer equals the limit 4·n_normal + 50 = 70: still found
    assert 4 * m.samples_to_detect_drop(0.9995, 0.9901, 0.2, 0.5) + 50 == 70
    assert m.exact_binomial_samples(0.9995, 0.9901, 0.2, 0.5) == 70
    # one past the limit (71): refused with the message, not an index error
    with _raises("no sample size up to the search limit reaches the requested power"):
        m.exact_binomial_samples(0.9995, 0.9902, 0.2, 0.5)


def test_minimum_detectable_drops_at_their_edges():
    # n = 1 at p0 = ½: even a collapse to zero accuracy is not detectable
    assert m.min_detectable_drop(1, 0.5) == 0.5 - 1e-9
    assert m.min_detectable_drop(1, 0.95) == pytest.approx(0.715218792975937, rel=1e-9)
    assert m.exact_min_detectable_drop(1, 0.95) == 0.95 - 1e-9          # no k within α
    assert m.exact_min_detectable_drop(1, 0.99) == pytest.approx(0.79, rel=1e-12)   # 1 − p1 = 0.8
    assert m.exact_min_detectable_drop(2, 0.95, power=1 - 1e-12) == 0.95 - 1e-9   # power out of reach
    k = _exact_critical_by_brute_force(169, 0.95, 0.05)
    p1 = brentq(lambda p: binom.cdf(k, 169, p) - 0.8, 1e-9, 0.95, xtol=1e-15)
    assert m.exact_min_detectable_drop(169, 0.95) == pytest.approx(0.95 - p1, rel=1e-10)
    assert m.exact_min_detectable_drop(169, 0.95, alpha=0.05, power=0.8) == m.exact_min_detectable_drop(169, 0.95)


@pytest.mark.parametrize("fn", [m.min_detectable_drop, m.exact_min_detectable_drop])
@pytest.mark.parametrize("n, p0", [(100, 0.0), (100, 1.0), (100, 1.5), (0, 0.9), (-3, 0.9)])
def test_minimum_detectable_drop_refuses_bad_inputs(fn, n, p0):
    with _raises("need 0 < p0 < 1 and n > 0"):
        fn(n, p0)


def test_collection_time_bounds_and_message():
    assert m.collection_time(10, 2.0, labelled_fraction=1.0) == 5.0
    for rate, frac in [(1.0, 0.0), (1.0, 1.5), (0.0, 0.5), (-1.0, 0.5)]:
        with _raises("need a positive request rate and 0 < labelled fraction ≤ 1"):
            m.collection_time(10, rate, frac)


def test_prices_multiply():
    assert m.storage_cost(0.5, 0.25) == 0.125
    assert m.alert_cost(432_000, 1e-5) == pytest.approx(4.32, rel=1e-12)
    assert m.query_cost(10, 0.5) == 5.0
    with _raises("cost components cannot be negative"):
        m.monitoring_cost(0, 0, 0, -1)


def test_retention_bounds():
    assert m.flat_retained_points(0.5, 10) == 20                  # sub-second sampling is allowed
    assert m.flat_retained_points(15, 0) == 0 and m.flat_retained_points(15, 0.5, 3) == 0.1
    assert m.flat_retained_points(15, 150, 0) == 0 and m.flat_retained_points(15, 150, 0.5) == 5
    for args in [(0, 10, 1), (15, -1, 1), (15, 10, -1)]:
        with _raises("need a positive sample interval and a non-negative retention and series count"):
            m.flat_retained_points(*args)
    assert m.tiered_retained_points([(0.5, 10)]) == 20
    assert m.tiered_retained_points([(15, 150), (60, 150)]) == 10   # a zero-width tier adds nothing
    assert m.tiered_retained_points([(15, 150)], 0) == 0
    assert m.tiered_retained_points([(15, 150)], 0.5) == 5
    for tiers in [[(0, 10)], [(15, 150), (60, 100)]]:
        with _raises("tier intervals must be positive and tier windows must increase"):
            m.tiered_retained_points(tiers)
    with _raises("the series count cannot be negative"):
        m.tiered_retained_points([(15, 150)], -1)


def test_scale_volume_and_roi_bounds():
    assert m.scale_volume(6.0, 10, 30) == 2.0
    assert m.scale_volume(1.0, 0.5, 0.25) == 2.0
    for ref, new in [(0, 10), (10, 0), (-1, 10), (10, -1)]:
        with _raises("sampling intervals must be positive"):
            m.scale_volume(1.0, ref, new)
    assert m.monitoring_roi(1, 100, 0.5) == 200
    with _raises("annual monitoring cost must be positive"):
        m.monitoring_roi(1, 1, 0)


def test_dynamic_sampling_bounds_defaults_and_names():
    assert m.dynamic_sampling_fraction(0.1, 0.01, 0.5) == pytest.approx(0.9 * 0.01 + 0.1 * 0.5, rel=1e-12)
    assert m.dynamic_sampling_fraction(0.1) == pytest.approx(0.9 * 0.01 + 0.1 * 1.0, rel=1e-12)
    assert m.dynamic_sampling_fraction(0.0, 0.0, 0.0) == 0.0
    for kw, name in [({"error_rate": 1.5}, "error_rate"), ({"success_sample": 1.5}, "success_sample"),
                     ({"error_sample": 1.5}, "error_sample")]:
        args = {"error_rate": 0.1, **kw}
        with _raises(f"{name} must be a fraction between 0 and 1, got 1.5"):
            m.dynamic_sampling_fraction(**args)


def test_equivalent_interval_bounds():
    assert m.equivalent_interval(0.9, 0.45, math.log(2)) == pytest.approx(1.0, rel=1e-12)
    for thr, lam in [(0.0, 0.01), (0.9, 0.01), (0.95, 0.01), (0.5, 0.0), (0.5, -0.1)]:
        with _raises("need 0 < threshold < A0 and a positive decay rate"):
            m.equivalent_interval(0.9, thr, lam)


def test_simulation_edges_and_messages():
    daily = m.simulate_retraining(5, 0.9, 0.1, interval=1)
    assert daily.retrain_days == [1, 2, 3, 4] and np.all(daily.accuracy == 0.9)
    assert m.simulate_retraining(1, 0.9, 0.1, interval=30).accuracy.tolist() == [0.9]
    flat = m.simulate_retraining(10, 0.9, 0.0, threshold=0.9)
    assert flat.retrains == 0 and np.all(flat.accuracy == 0.9)    # exactly at the threshold is not below it
    # a threshold equal to the accuracy at age 5: the trigger fires at age 6, the first day strictly below
    t = m.simulate_retraining(20, 0.9, 0.01, threshold=0.9 * math.exp(-0.01 * 5))
    assert t.retrain_days[0] == 6
    with _raises("give exactly one of interval (scheduled) or threshold (trigger-based)"):
        m.simulate_retraining(10, 0.9, 0.01, interval=5, threshold=0.8)
    with _raises("the retraining interval must be at least one day"):
        m.simulate_retraining(10, 0.9, 0.01, interval=0)
    for horizon, lam, lag in [(0, 0.01, 0), (10, -0.01, 0), (10, 0.01, -1)]:
        with _raises("need lag ≥ 0, horizon ≥ 1 day and a non-negative decay rate"):
            m.simulate_retraining(horizon, 0.9, lam, threshold=0.8, lag=lag)


def test_days_below_is_strict():
    run = m.RetrainingRun(np.array([0.8, 0.7, 0.9]), [])
    assert run.days_below(0.8) == 1


def _run(shortfall, retrains, A0=1.0):
    """A RetrainingRun of one day with the given shortfall and number of retrainings."""
    return m.RetrainingRun(np.array([A0 - shortfall]), list(range(retrains)))


@pytest.mark.parametrize("a, b, cost, expected", [
    ((0.5, 1), (0.25, 2), 100.0, 400.0),          # b retrains once more and saves 0.25: 100 / 0.25
    ((0.5, 1), (0.0, 2), 0.5, 1.0),               # extra spend below one dollar
    ((1.5, 1), (0.5, 2), 10.0, 10.0),             # exactly one accuracy-day saved
    ((0.5, 1), (0.75, 2), 100.0, math.nan),       # b retrains more and loses more: never worth it
    ((0.5, 2), (0.25, 1), 100.0, math.nan),       # b retrains less and loses less: always better
    ((0.5, 1), (0.5, 0), 100.0, math.nan),        # same loss, b retrains less
    ((0.5, 1), (0.75, 1), 100.0, math.nan),       # same retraining, b loses more
    ((0.5, 1), (0.25, 1), 100.0, math.nan),       # same retraining, b loses less
])
def test_breakeven_value_rate_cases(a, b, cost, expected):
    got = m.breakeven_value_rate(_run(*a), _run(*b), 1.0, cost)
    if math.isnan(expected):
        assert math.isnan(got)
    else:
        assert got == pytest.approx(expected, rel=1e-12)


def test_sampled_rate_series_count_and_tiers_edges():
    assert m.sampled_rate(0, 0.5) == 0 and m.sampled_rate(0.5, 0.5) == 0.25
    assert m.sampled_rate(100, 0) == 0 and m.sampled_rate(100, 1) == 100
    with _raises("need a non-negative request rate and a kept fraction between 0 and 1"):
        m.sampled_rate(-1, 0.5)
    for name, args in [("variants", (-1, 50)), ("metrics_per_variant", (3, -1))]:
        with pytest.raises(ValueError, match=f"^{name} must be a finite number ≥ 0"):
            m.series_count(*args)
    assert m.standard_tiers(0.5, 1) == [(0.5, 86_400), (60, 86_400), (300, 86_400)]
    for args in [(15, 0), (0, 30), (15, -1)]:
        with _raises("need a positive sample interval and a positive retention"):
            m.standard_tiers(*args)
