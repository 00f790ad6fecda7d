"""A/B test sample size and power: formula, independent cross-checks, properties, the explorer."""
import math

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from mlsysim.models import experiments as ex

Z_975, Z_80 = 1.959963984540054, 0.8416212335729143      # tabulated standard-normal quantiles


# ── the formula by hand ──────────────────────────────────────────────────────────────────────────
def test_z_values_are_the_tabulated_quantiles():
    z_a, z_b = ex.z_values(0.05, 0.80)
    assert z_a == pytest.approx(Z_975, rel=1e-12)
    assert z_b == pytest.approx(Z_80, rel=1e-12)
    assert ex.z_values(0.05, 0.80, two_sided=False)[0] == pytest.approx(1.6448536269514722)


def test_textbook_case_effect_size_one_half():
    # Classic case: standardised effect d = δ/σ = 0.5, α = 0.05 two-sided, power 80 % → 62.8, i.e.
    # 63 per group under the normal approximation (about 64 with the t-test's small-sample correction).
    n = ex.sample_size(sigma=1.0, delta=0.5)
    assert n == pytest.approx(2 * (Z_975 + Z_80) ** 2 / 0.25, rel=1e-12)
    assert math.ceil(n) == 63


def test_source_example_both_readings():
    # 5 % baseline, "2 % lift", α = 0.05, power 0.8; σ² = 0.05 · 0.95 = 0.0475
    k = 2 * (Z_975 + Z_80) ** 2 * 0.0475
    rel = ex.sample_size_proportions(0.05, 0.02, relative=True)
    ab = ex.sample_size_proportions(0.05, 0.02, relative=False)
    assert rel == pytest.approx(k / 0.001**2, rel=1e-9)          # δ = 0.1 percentage point
    assert ab == pytest.approx(k / 0.02**2, rel=1e-9)            # δ = 2 percentage points
    assert round(rel) == 745_644 and round(ab) == 1_864
    # the source's "~25,000 per variant" is neither reading
    assert not (15_000 < rel < 40_000) and not (15_000 < ab < 40_000)


def test_mde_and_power_invert_the_sample_size():
    sigma = math.sqrt(0.0475)
    n = ex.sample_size(sigma, 0.004)
    assert ex.minimum_detectable_effect(n, sigma) == pytest.approx(0.004, rel=1e-12)
    # power at the planned n is the target (the other tail adds a negligible amount)
    assert ex.power(n, sigma, 0.004) == pytest.approx(0.80, abs=1e-6)
    # 25,000 users per variant detect about a 0.55-point change, not a 0.1-point one
    assert ex.minimum_detectable_effect(25_000, sigma) == pytest.approx(0.005461, abs=2e-6)
    assert ex.power(25_000, sigma, 0.001) < 0.10


def test_unpooled_variance_needs_slightly_more_users_for_an_increase():
    pooled = ex.sample_size_proportions(0.05, 0.10)
    unpooled = ex.sample_size_proportions(0.05, 0.10, unpooled=True)
    p2 = 0.055
    assert unpooled == pytest.approx((Z_975 + Z_80) ** 2 * (0.0475 + p2 * (1 - p2)) / 0.005**2, rel=1e-9)
    assert unpooled > pooled


def test_days_to_sample():
    assert ex.days_to_sample(50_000, 10_000) == pytest.approx(10.0)
    assert ex.days_to_sample(50_000, 10_000, traffic_share=0.5) == pytest.approx(20.0)
    assert ex.days_to_sample(50_000, 10_000, variants=3) == pytest.approx(15.0)


@pytest.mark.parametrize("call, match", [
    (lambda: ex.z_values(0, 0.8), "alpha"),
    (lambda: ex.z_values(0.05, 1.0), "power"),
    (lambda: ex.z_values(0.5, 0.1), "power must exceed"),
    (lambda: ex.sample_size(0, 0.1), "σ"),
    (lambda: ex.sample_size(1, 0), "non-zero"),
    (lambda: ex.absolute_effect(0.05, -0.1), "positive"),
    (lambda: ex.sample_size_proportions(0.6, 0.5, relative=False), "treatment rate"),
    (lambda: ex.days_to_sample(10, 0), "daily traffic"),
])
def test_bad_inputs_raise_readable_errors(call, match):
    with pytest.raises(ValueError, match=match):
        call()


# ── independent cross-checks by simulation (seeded) ────────────────────────────────────────────────
def _simulated_power(rng, n, mean_a, mean_b, sigma, trials=20_000):
    """Known-σ two-sample z-test on normal data, run `trials` times: share of rejections."""
    se = sigma * math.sqrt(2 / n)
    xa = rng.normal(mean_a, sigma / math.sqrt(n), trials)        # sample means, drawn directly
    xb = rng.normal(mean_b, sigma / math.sqrt(n), trials)
    return np.mean(np.abs(xb - xa) / se > Z_975)


def test_normal_outcome_simulation_hits_the_target_power():
    rng = np.random.default_rng(2026)
    n = math.ceil(ex.sample_size(sigma=2.0, delta=0.3))
    est = _simulated_power(rng, n, 10.0, 10.3, 2.0)
    assert est == pytest.approx(ex.power(n, 2.0, 0.3), abs=0.01)  # 3σ of a binomial share ≈ 0.009
    assert est == pytest.approx(0.80, abs=0.012)


def test_binary_outcome_simulation_matches_the_unpooled_power():
    # Conversions drawn as binomial counts; unpooled z-test; n from the unpooled formula.
    rng = np.random.default_rng(7)
    p1, p2 = 0.05, 0.07
    n = math.ceil(ex.sample_size_proportions(p1, 0.02, relative=False, unpooled=True))
    trials = 20_000
    c1 = rng.binomial(n, p1, trials) / n
    c2 = rng.binomial(n, p2, trials) / n
    se = np.sqrt(c1 * (1 - c1) / n + c2 * (1 - c2) / n)
    est = np.mean(np.abs(c2 - c1) / se > Z_975)
    assert est == pytest.approx(0.80, abs=0.02)
    # the shared-baseline-variance formula under-sizes an increase: its n gives less than 80 % power
    n_pooled = math.ceil(ex.sample_size_proportions(p1, 0.02, relative=False))
    assert n_pooled < n
    c1 = rng.binomial(n_pooled, p1, trials) / n_pooled
    c2 = rng.binomial(n_pooled, p2, trials) / n_pooled
    se = np.sqrt(c1 * (1 - c1) / n_pooled + c2 * (1 - c2) / n_pooled)
    assert np.mean(np.abs(c2 - c1) / se > Z_975) < 0.78


# ── properties ────────────────────────────────────────────────────────────────────────────────────
rates = st.floats(0.005, 0.5)
effects = st.floats(0.01, 0.5)
alphas = st.floats(0.005, 0.2)
powers = st.floats(0.55, 0.99)


@settings(max_examples=80, deadline=None)
@given(rates, effects, alphas, powers, st.sampled_from([2.0, 3.0, 10.0]))
def test_halving_the_effect_quadruples_the_sample(p, mde, alpha, pw, k):
    n = ex.sample_size_proportions(p, mde, alpha=alpha, power=pw)
    assert ex.sample_size_proportions(p, mde / k, alpha=alpha, power=pw) == pytest.approx(n * k * k, rel=1e-9)


@settings(max_examples=80, deadline=None)
@given(rates, effects, alphas, powers)
def test_stricter_alpha_or_more_power_needs_more_users(p, mde, alpha, pw):
    n = ex.sample_size_proportions(p, mde, alpha=alpha, power=pw)
    assert ex.sample_size_proportions(p, mde, alpha=alpha / 2, power=pw) > n
    assert ex.sample_size_proportions(p, mde, alpha=alpha, power=min(pw + 0.005, 0.995)) > n


@settings(max_examples=80, deadline=None)
@given(rates, effects)
def test_relative_and_absolute_readings_differ_by_baseline_squared(p, mde):
    rel = ex.sample_size_proportions(p, mde, relative=True)
    ab = ex.sample_size_proportions(p, mde * p, relative=False)
    assert rel == pytest.approx(ab, rel=1e-9)
    if p + mde < 1:
        assert ex.sample_size_proportions(p, mde, relative=False) == pytest.approx(rel * p * p, rel=1e-9)


@settings(max_examples=80, deadline=None)
@given(st.floats(10, 1e7), st.floats(0.1, 10), st.floats(1e-3, 5))
def test_power_is_a_probability_and_grows_with_n(n, sigma, delta):
    p = ex.power(n, sigma, delta)
    assert 0 <= p <= 1
    assert ex.power(n * 2, sigma, delta) >= p


# ── the explorer in the deployment notebook ────────────────────────────────────────────────────────
@pytest.fixture  # fresh explorers per test (notebook_ns)
def ns():
    from notebook_ns import load_namespace

    return load_namespace("deployment")


def test_book_scenario_matches_the_formula(ns):
    ab = ns["ab"]
    assert ab.n == pytest.approx(ex.sample_size_proportions(0.05, 0.02, relative=True), rel=1e-12)
    assert ab.n_str == "745,644"
    assert ns["ab_abs"].n_str == "1,865"          # rounded up: 1,864.1 users are 1,865 users


def test_explorer_responds_to_sliders(ns):
    e = ns["ab_explorer"]
    before = e.text.value
    e.sliders["mde"].value = 0.10
    assert e.text.value != before
    assert e.calc.n == pytest.approx(ex.sample_size_proportions(e.calc.baseline_rate, 0.10), rel=1e-9)
    e.sliders["relative_mde"].value = 0          # switch to an absolute effect of 10 points
    assert e.calc.delta == pytest.approx(0.10)


def test_explorer_rejects_bad_input_readably(ns):
    e = ns["ab_explorer"]
    last = e.calc
    e.set(alpha="-5")
    assert e.error and "alpha" in e.error.lower() and "between 0.001 and 0.2" in e.error
    assert e.calc is last                         # numbers stay at the last valid inputs
    e.set(power="abc")
    assert "not a number" in e.error


def test_explorer_shows_an_impossible_effect_as_an_error(ns):
    e = ns["ab_explorer"]
    e.set(relative_mde="0", baseline_rate="0.4", mde="0.7")      # 40 % + 70 points > 100 %
    assert e.error and "probability" in e.error


def test_explorer_warns_when_the_test_is_too_short(ns):
    cls = type(ns["ab"])
    quick = cls(baseline_rate=0.3, mde=0.2, relative_mde=1, daily_users=1_000_000)
    assert quick.days < 7
    assert any("week" in w for w in quick.warnings)
    e = ns["ab_explorer"]
    e.set(relative_mde="1", baseline_rate="0.3", mde="0.2", daily_users="1000000")
    assert "week" in e.message.value


def test_cuped_factor():
    assert ex.cuped_variance_factor(0.5) == pytest.approx(0.75)
    assert ex.cuped_variance_factor(0.0) == 1.0
    with pytest.raises(ValueError, match="correlation"):
        ex.cuped_variance_factor(1.0)


# ── branches the mutation run found untested (issue 13) ────────────────────────────────────────
from scipy.stats import norm as _norm  # noqa: E402


def test_two_sided_power_with_no_effect_is_alpha_split_over_both_tails():
    # δ = 0: each tail contributes α/2; dropping the far tail (or its sign) would give α/2.
    assert ex.power(1_000, 1.0, 0.0, alpha=0.05, two_sided=True) == pytest.approx(0.05, rel=1e-12)
    assert ex.power(1_000, 1.0, 0.0, alpha=0.05, two_sided=False) == pytest.approx(0.05, rel=1e-12)


def test_two_sided_power_far_tail_by_hand():
    n, sigma, delta, alpha = 50, 1.0, 0.2, 0.05
    shift = delta / math.sqrt(2 * sigma**2 / n)
    z = _norm.ppf(1 - alpha / 2)
    far = _norm.cdf(-shift - z)
    assert far > 1e-4                                           # the far tail is visible here
    assert ex.power(n, sigma, delta, alpha) == pytest.approx(_norm.cdf(shift - z) + far, rel=1e-12)


def test_one_sided_power_by_hand():
    n, sigma, delta, alpha = 200, 2.0, 0.5, 0.05
    shift = delta / math.sqrt(2 * sigma**2 / n)
    expected = _norm.cdf(shift - _norm.ppf(1 - alpha))
    assert ex.power(n, sigma, delta, alpha, two_sided=False) == pytest.approx(expected, rel=1e-12)
    assert ex.power(n, sigma, delta, alpha, two_sided=False) > ex.power(n, sigma, delta, alpha)


def test_negative_effects_need_the_same_sample_and_have_the_same_power():
    assert ex.sample_size(1.0, -0.1) == pytest.approx(ex.sample_size(1.0, 0.1), rel=1e-12)
    assert ex.power(300, 1.0, -0.2) == pytest.approx(ex.power(300, 1.0, 0.2), rel=1e-12)
    assert ex.power(300, 1.0, -0.2, sigma_b=2.0) == pytest.approx(ex.power(300, 1.0, 0.2, sigma_b=2.0))
    assert ex.sample_size_unpooled(0.5, 0.7, -0.1) == pytest.approx(ex.sample_size_unpooled(0.5, 0.7, 0.1))


def test_unequal_arm_variance_enters_the_power():
    n, delta = 100, 0.3
    se = math.sqrt((1.0**2 + 2.0**2) / n)
    z = _norm.ppf(0.975)
    expected = _norm.cdf(delta / se - z) + _norm.cdf(-delta / se - z)
    assert ex.power(n, 1.0, delta, sigma_b=2.0) == pytest.approx(expected, rel=1e-12)


def test_cuped_keeps_one_minus_rho_squared_for_either_sign():
    assert ex.cuped_variance_factor(0.5) == pytest.approx(0.75)
    assert ex.cuped_variance_factor(-0.5) == pytest.approx(0.75)
    assert ex.cuped_variance_factor(-0.9) == pytest.approx(1 - 0.81)
    assert ex.cuped_variance_factor(0.0) == 1.0
    for rho in (-1.0, 1.0, -1.5):
        with pytest.raises(ValueError, match="between −1 and 1"):
            ex.cuped_variance_factor(rho)


# ── survivors of `make mutate` in experiments.py: boundaries, messages, one-sided paths ─────────
def _message(call):
    with pytest.raises(ValueError) as info:
        call()
    return str(info.value)


def test_every_validation_message_is_exact():
    assert _message(lambda: ex.z_values(alpha=1.5)) == "alpha must be a fraction strictly between 0 and 1, got 1.5"
    assert _message(lambda: ex.z_values(power=0)) == "power must be a fraction strictly between 0 and 1, got 0"
    assert _message(lambda: ex.z_values(0.05, 0.05, two_sided=False)) == \
        "power must exceed the false-positive rate (z_α + z_β must be positive)"
    assert _message(lambda: ex.bernoulli_variance(1.0)) == "rate must be a fraction strictly between 0 and 1, got 1.0"
    assert _message(lambda: ex.absolute_effect(0.0, 0.1)).startswith("baseline rate must be a fraction")
    assert _message(lambda: ex.absolute_effect(0.1, 0.0)) == \
        "the minimum detectable effect must be positive, got 0.0"
    assert _message(lambda: ex.sample_size(1.0, 0.0)) == "the minimum detectable effect δ must be non-zero"
    assert _message(lambda: ex.sample_size_unpooled(0.0, 1.0, 0.1)) == "both variances must be positive"
    assert _message(lambda: ex.sample_size_unpooled(1.0, 0.0, 0.1)) == "both variances must be positive"
    assert _message(lambda: ex.sample_size_unpooled(1.0, 1.0, 0.0)) == "the minimum detectable effect δ must be non-zero"
    assert _message(lambda: ex.sample_size_proportions(0.9, 0.2)).startswith("treatment rate (baseline + effect) must")
    assert _message(lambda: ex.power(0, 1.0, 0.1)) == "the sample size per variant must be positive, got 0"
    assert _message(lambda: ex.power(10, 0.0, 0.1)) == "standard deviations must be positive"
    assert _message(lambda: ex.power(10, 1.0, 0.1, sigma_b=0.0)) == "standard deviations must be positive"
    assert _message(lambda: ex.power(10, 1.0, 0.1, alpha=0.0)) == "alpha must be a fraction strictly between 0 and 1, got 0.0"
    assert _message(lambda: ex.minimum_detectable_effect(0, 1.0)) == "n and σ must be positive"
    assert _message(lambda: ex.minimum_detectable_effect(10, 0.0)) == "n and σ must be positive"
    assert _message(lambda: ex.days_to_sample(100, 0)) == "daily traffic must be positive"
    assert _message(lambda: ex.days_to_sample(100, 10, traffic_share=0)) == \
        "the experiment's traffic share must be in (0, 1]"
    assert _message(lambda: ex.days_to_sample(100, 10, traffic_share=1.5)) == \
        "the experiment's traffic share must be in (0, 1]"
    assert _message(lambda: ex.days_to_sample(100, 10, variants=1)) == "an A/B test has at least two variants"


def test_values_just_inside_the_boundaries_are_accepted():
    assert ex.z_values(0.3, 0.5, two_sided=False) == pytest.approx((_norm.ppf(0.7), 0.0))   # z_α + z_β < 1 is fine
    assert ex.power(0.5, 1.0, 0.1) > 0                       # fractional n (a formula input, not a count)
    assert ex.power(10, 1.0, 0.1, sigma_b=0.5) > 0
    assert ex.minimum_detectable_effect(0.5, 1.0) == pytest.approx((_norm.ppf(0.975) + _norm.ppf(0.8)) * 2)
    assert ex.sample_size_unpooled(1.0, 1.0, 1.0) == pytest.approx((_norm.ppf(0.975) + _norm.ppf(0.8)) ** 2 * 2)
    assert ex.days_to_sample(100, 0.5) == pytest.approx(400)
    assert ex.days_to_sample(100, 10, traffic_share=1.0) == pytest.approx(20)


def test_one_sided_options_reach_the_formula():
    z = _norm.ppf(0.95) + _norm.ppf(0.8)
    assert ex.sample_size(1.0, 0.1, two_sided=False) == pytest.approx(2 * z**2 / 0.01, rel=1e-12)
    assert ex.sample_size_unpooled(0.5, 0.7, 0.1, two_sided=False) == pytest.approx(z**2 * 1.2 / 0.01, rel=1e-12)
    assert ex.minimum_detectable_effect(100, 1.0, two_sided=False) == pytest.approx(z * math.sqrt(2 / 100), rel=1e-12)
    p = 0.1
    z9 = _norm.ppf(0.975) + _norm.ppf(0.9)
    assert ex.sample_size_proportions(p, 0.2, alpha=0.05, power=0.9, unpooled=True) == \
        pytest.approx(z9**2 * (p * (1 - p) + 0.12 * 0.88) / 0.02**2, rel=1e-12)
    assert ex.sample_size_proportions(p, 0.2, power=0.9) == pytest.approx(2 * z9**2 * p * (1 - p) / 0.02**2, rel=1e-12)


def test_defaults_are_the_books_conventions():
    # α = 5% two-sided and 80% power; a minimum detectable effect is relative unless said otherwise
    assert ex.z_values(0.05) == pytest.approx((_norm.ppf(0.975), _norm.ppf(0.8)), rel=1e-15)
    assert ex.z_values() == ex.z_values(0.05, 0.80, True)
    assert ex.absolute_effect(0.1, 0.2) == pytest.approx(0.02)
    assert ex.absolute_effect(0.1, 0.2, relative=False) == 0.2


# ── moved out of notebook execute() (issue 13) ────────────────────────────────────────────────────
def test_treatment_rate_adds_the_effect_to_the_baseline():
    assert ex.treatment_rate(0.05, 0.001) == pytest.approx(0.051, rel=1e-12)
    assert ex.treatment_rate(0.2, -0.05) == pytest.approx(0.15, rel=1e-12)
    with pytest.raises(ValueError):
        ex.treatment_rate(0.0, 0.01)
