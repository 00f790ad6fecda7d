"""Drift metrics (mlsysim.models.drift) and the drift-lab notebook's explorer."""
import math

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from scipy.spatial.distance import jensenshannon
from scipy.stats import entropy, ks_2samp

from mlsysim.models import drift

TRAIN = [15.0, 25.0, 20.0, 18.0, 12.0, 10.0]
SERVE = [12.0, 22.0, 18.0, 20.0, 15.0, 13.0]


# ── PSI ────────────────────────────────────────────────────────────────────────────────────────
def test_psi_age_example_hand_checked():
    # (a−e)·ln(a/e) per bin, worked by hand from the percentages
    expected = (-0.03 * math.log(12 / 15) - 0.03 * math.log(22 / 25) - 0.02 * math.log(18 / 20)
                + 0.02 * math.log(20 / 18) + 0.03 * math.log(15 / 12) + 0.03 * math.log(13 / 10))
    assert drift.psi(TRAIN, SERVE, bins=None) == pytest.approx(expected, rel=1e-9)
    assert drift.psi(TRAIN, SERVE, bins=None) == pytest.approx(0.029309, abs=1e-6)
    terms = drift.psi_terms(TRAIN, SERVE, bins=None)
    assert terms[0] == pytest.approx(0.0066943, abs=1e-7)
    assert terms[-1] == pytest.approx(0.0078709, abs=1e-7)


def test_psi_counts_and_proportions_agree():
    assert drift.psi(np.array(TRAIN) * 7, np.array(SERVE) * 3, bins=None) == pytest.approx(
        drift.psi(TRAIN, SERVE, bins=None))


def test_psi_zero_for_identical_samples_and_distributions():
    x = np.random.default_rng(1).normal(size=2_000)
    assert drift.psi(x, x) == 0.0
    assert drift.psi(TRAIN, TRAIN, bins=None) == 0.0


def test_psi_is_sum_of_both_kl_directions():
    e, a = np.array(TRAIN) / 100, np.array(SERVE) / 100
    assert drift.psi(e, a, bins=None) == pytest.approx(drift.kl(a, e) + drift.kl(e, a), rel=1e-12)


def test_psi_symmetric_on_fixed_bins():
    rng = np.random.default_rng(3)
    x, y = rng.normal(size=3_000), rng.normal(0.4, 1.2, size=3_000)
    edges = drift.bin_edges(x, 10)
    assert drift.psi(x, y, bins=edges) == pytest.approx(drift.psi(y, x, bins=edges), rel=1e-12)


def test_psi_epsilon_handles_empty_bins():
    e, a = [0.5, 0.5, 0.0], [0.5, 0.4, 0.1]
    value = drift.psi(e, a, bins=None, eps=1e-4)
    es = np.array([0.5, 0.5, 1e-4]) / 1.0001                  # smoothed by hand, renormalised
    as_ = np.array([0.5, 0.4, 0.1])
    assert math.isfinite(value)
    assert value == pytest.approx(float(np.sum((as_ - es) * np.log(as_ / es))), rel=1e-12)
    # a smaller epsilon makes a new category weigh more: the epsilon is part of the metric
    assert drift.psi(e, a, bins=None, eps=1e-6) > value > drift.psi(e, a, bins=None, eps=1e-3)


def test_psi_epsilon_and_input_validation():
    with pytest.raises(ValueError, match="eps"):
        drift.psi([1, 1], [1, 2], bins=None, eps=0.6)          # eps must be below 1/bins
    with pytest.raises(ValueError, match="same number of bins"):
        drift.psi([1, 2, 3], [1, 2], bins=None)
    with pytest.raises(ValueError, match="NaN"):
        drift.psi([1.0, float("nan")], [1.0, 2.0])
    with pytest.raises(ValueError, match="strategy"):
        drift.bin_edges([1, 2, 3], 2, strategy="kmeans")


def test_bin_edges_quantile_and_uniform():
    x = np.arange(1_000, dtype=float)
    edges = drift.bin_edges(x, 4)
    assert edges[0] == -np.inf and edges[-1] == np.inf and len(edges) == 5
    assert np.allclose(drift.proportions(x, edges), 0.25, atol=0.002)
    u = drift.bin_edges(x, 4, strategy="uniform")
    assert u[1:-1] == pytest.approx([249.75, 499.5, 749.25])
    # heavily repeated values: duplicate quantiles merge, fewer bins
    assert len(drift.bin_edges([1.0] * 90 + [2.0] * 10, 10)) < 11


def test_psi_bands():
    assert drift.psi_band(0.029) == "stable"
    assert drift.psi_band(0.15) == "investigate"
    assert drift.psi_band(0.35) == "significant shift"


def test_psi_noise_floor_matches_simulation():
    rng = np.random.default_rng(2026)
    sims = [drift.psi(rng.normal(size=5_000), rng.normal(size=400)) for _ in range(200)]
    floor = drift.psi_noise_floor(10, 5_000, 400)
    assert floor == pytest.approx(9 * (1 / 5_000 + 1 / 400))
    assert np.mean(sims) == pytest.approx(floor, rel=0.2)


# ── KL, JS, KS ─────────────────────────────────────────────────────────────────────────────────
def test_kl_hand_checked_and_against_scipy():
    p, q = [0.5, 0.5], [0.9, 0.1]
    hand = 0.5 * math.log(0.5 / 0.9) + 0.5 * math.log(0.5 / 0.1)
    assert drift.kl(p, q, eps=0) == pytest.approx(hand, rel=1e-12)
    assert drift.kl(p, q) == pytest.approx(entropy(p, q), rel=1e-3)
    assert drift.kl(p, q) != pytest.approx(drift.kl(q, p))    # asymmetric


def test_js_hand_checked_bounds_and_distance():
    p, q = np.array([0.5, 0.5, 0.0]), np.array([0.0, 0.5, 0.5])
    m = (p + q) / 2
    hand = 0.5 * sum(pi * math.log2(pi / mi) for pi, mi in zip(p, m) if pi) + \
        0.5 * sum(qi * math.log2(qi / mi) for qi, mi in zip(q, m) if qi)
    assert drift.js(p, q, base=2) == pytest.approx(hand, rel=1e-12)
    assert drift.js([1, 0], [0, 1], base=2) == pytest.approx(1.0)
    assert drift.js(p, q, distance=True) == pytest.approx(jensenshannon(p, q))
    assert drift.js(p, q) == pytest.approx(jensenshannon(p, q) ** 2)


def test_ks_against_scipy_and_critical_value():
    rng = np.random.default_rng(5)
    x, y = rng.normal(size=800), rng.normal(0.3, 1, size=600)
    assert drift.ks(x, y) == pytest.approx(ks_2samp(x, y).statistic)
    stat, p = drift.ks_test(x, y)
    assert p == pytest.approx(ks_2samp(x, y).pvalue)
    assert drift.ks(x, x) == 0.0
    assert drift.ks_critical(1_000, 1_000) == pytest.approx(1.3581 * math.sqrt(2 / 1_000), rel=1e-3)


def test_compounded_decline():
    assert drift.compounded_decline(0.0002, 365) == pytest.approx(1 - 0.9998 ** 365)
    assert drift.compounded_decline(0.0002, 365) == pytest.approx(0.0704, abs=1e-4)
    assert drift.compounded_decline(0.01, 0) == 0.0
    with pytest.raises(ValueError):
        drift.compounded_decline(1.5, 10)


# ── properties ─────────────────────────────────────────────────────────────────────────────────
shares = st.lists(st.floats(0.01, 10.0), min_size=2, max_size=12)


@settings(max_examples=60, deadline=None)
@given(shares, st.data())
def test_psi_nonnegative_symmetric_and_zero_on_self(p, data):
    q = data.draw(st.lists(st.floats(0.01, 10.0), min_size=len(p), max_size=len(p)))
    v = drift.psi(p, q, bins=None)
    assert v >= 0
    assert v == pytest.approx(drift.psi(q, p, bins=None), rel=1e-9, abs=1e-12)
    assert drift.psi(p, p, bins=None) == pytest.approx(0.0, abs=1e-12)
    assert 0 <= drift.js(p, q, base=2) <= 1 + 1e-12


@settings(max_examples=25, deadline=None)
@given(st.floats(0.0, 1.5), st.floats(0.3, 1.5))
def test_metrics_grow_with_the_mean_shift(s, extra):
    z = np.random.default_rng(11)
    ref, cur = z.standard_normal(4_000), z.standard_normal(4_000)
    small, big = cur + s, cur + s + extra
    assert drift.psi(ref, small) < drift.psi(ref, big)
    assert drift.ks(ref, small) < drift.ks(ref, big)
    assert drift.js(small, ref, bins=10) < drift.js(big, ref, bins=10)


# ── the notebook's explorer ────────────────────────────────────────────────────────────────────
@pytest.fixture  # fresh explorers per test (notebook_ns)
def ns():
    from notebook_ns import load_namespace

    return load_namespace("drift_lab")


def test_lab_default_state_and_scenario(ns):
    lab = ns["lab"]
    assert lab.alarms == {"PSI": False, "KS": True, "JS": False}
    ex = ns["lab_explorer"]
    assert "KS = " in ex.message.value and "above its alert threshold" in ex.message.value
    assert ns["age_psi"] == pytest.approx(0.0293, abs=1e-4)


def test_lab_explorer_reacts_to_sliders(ns):
    ex = ns["lab_explorer"]
    before = ex.text.value
    ex.sliders["mean_shift"].value = 12.0
    assert ex.text.value != before
    assert "PSI = " in ex.message.value and "JS = " in ex.message.value
    ex.sliders["mean_shift"].value = 0.0
    assert "above its alert threshold" not in ex.message.value
    ex.sliders["n_serving"].value = 100
    assert "sampling noise alone" in ex.message.value
    ex.sliders["n_serving"].value = 5_000
    ex.sliders["mean_shift"].value = 4.0


def test_lab_explorer_rejects_bad_input_readably(ns):
    ex = ns["lab_explorer"]
    before = ex.text.value
    ex.set(n_serving="-5")
    assert ex.error is not None
    assert "n_serving" in ex.error and "between 50 and 1,000,000" in ex.error
    assert ex.text.value == before                              # last valid numbers stay
    ex.set(spread="abc")
    assert "not a number" in ex.error
    ex.set(n_serving="5000")
    assert ex.error is None


# ── moved out of notebook execute() (issue 13) ────────────────────────────────────────────────────
def test_normal_samples_draw_reference_then_serving_from_one_generator():
    rng = np.random.default_rng(7)
    z_ref, z_srv = rng.standard_normal(5), rng.standard_normal(3)
    ref, srv = drift.normal_samples(np.random.default_rng(7), 5, 3, 50.0, 10.0, shift=5.0, spread=2.0)
    np.testing.assert_allclose(ref, 50.0 + 10.0 * z_ref, rtol=1e-15)
    np.testing.assert_allclose(srv, 55.0 + 20.0 * z_srv, rtol=1e-15)
    ref, srv = drift.normal_samples(np.random.default_rng(1), 20_000, 20_000, 3.0, 2.0, shift=-1.0, spread=3.0)
    assert abs(ref.mean() - 3.0) < 0.05 and abs(srv.mean() - 2.0) < 0.1
    assert abs(ref.std() - 2.0) < 0.05 and abs(srv.std() - 6.0) < 0.1
    with pytest.raises(ValueError, match="positive"):
        drift.normal_samples(np.random.default_rng(0), 5, 5, 0.0, 1.0, spread=0.0)


# ── boundaries, names and messages pinned by the mutation run (docs/mutation.md) ────────────────
import re as _re  # noqa: E402


def _raises(message):
    return pytest.raises(ValueError, match="^" + _re.escape(message) + "$")


def test_empty_inputs_are_named():
    with _raises("reference is empty"):
        drift.bin_edges([])
    with _raises("expected is empty"):
        drift.binned([], [1.0], None)
    with _raises("actual is empty"):
        drift.binned([1.0], [], None)
    with _raises("expected is empty"):
        drift.ks([], [1.0])
    with _raises("actual is empty"):
        drift.ks([1.0], [])
    with _raises("sample is empty"):
        drift.proportions([], [-np.inf, np.inf])
    with _raises("expected contains NaN or infinite values"):
        drift.ks([np.nan], [1.0])


def test_bins_defaults_and_bounds():
    ref = np.arange(100.0)
    assert len(drift.bin_edges(ref)) == 11                          # ten bins by default
    assert drift.bin_edges(ref, 1).tolist() == [-np.inf, np.inf]
    e, a = drift.binned(ref, ref + 50)
    assert len(e) == 10 and e.sum() == pytest.approx(1.0)
    for bad in (0, 2.5):
        with _raises(f"bins must be a positive whole number, got {bad!r}"):
            drift.bin_edges(ref, bad)
    # the strategy reaches the edges: uniform edges on a skewed sample differ from quantile ones
    skewed = np.concatenate([np.zeros(90), np.linspace(1, 100, 10)])
    e_u, _ = drift.binned(skewed, skewed, 4, strategy="uniform")
    assert e_u.tolist() == pytest.approx([0.93, 0.02, 0.02, 0.03])   # edges 25, 50, 75
    edges = np.array([-np.inf, 0.5, np.inf])
    e, a = drift.binned([0, 1, 1, 1], [0, 0, 0, 1], edges.tolist())
    assert e.tolist() == [0.25, 0.75] and a.tolist() == [0.75, 0.25]


def test_binned_counts_are_normalised_and_checked():
    e, a = drift.binned([1, 3], [2, 2], None)
    assert e.tolist() == [0.25, 0.75] and a.tolist() == [0.5, 0.5]
    for exp, act in (([1, -1], [1, 1]), ([1, 1], [1, -1])):
        with _raises("bin counts/proportions must be non-negative"):
            drift.binned(exp, act, None)


def test_js_and_kl_smoothing_and_strategy_reach_the_result():
    from scipy.stats import entropy as _entropy

    p, q = np.array([0.0, 0.5, 0.5]), np.array([0.5, 0.5, 0.0])
    sp, sq = drift.smooth(p, 0.01), drift.smooth(q, 0.01)
    assert drift.js(p, q, eps=0.01) == pytest.approx(jensenshannon(sp, sq) ** 2, rel=1e-12)
    assert drift.kl(p, q, eps=0.01) == pytest.approx(_entropy(sp, sq), rel=1e-12)
    assert drift.kl(p, q, eps=0.01) != pytest.approx(drift.kl(p, q), rel=1e-3)
    skewed = np.concatenate([np.zeros(90), np.linspace(1, 100, 10)])
    other = np.linspace(0, 100, 100)
    qq, pp = drift.binned(skewed, other, 4, strategy="uniform")
    assert drift.js(other, skewed, bins=4, strategy="uniform") == pytest.approx(jensenshannon(pp, qq) ** 2, rel=1e-12)
    assert drift.kl(other, skewed, bins=4, strategy="uniform", eps=1e-3) == pytest.approx(
        _entropy(drift.smooth(pp, 1e-3), drift.smooth(qq, 1e-3)), rel=1e-12)


def test_ks_critical_and_noise_floor_hand_checked():
    c = math.sqrt(-math.log(0.025) / 2)
    assert drift.ks_critical(100, 400) == pytest.approx(c * math.sqrt(500 / 40_000), rel=1e-12)
    assert drift.ks_critical(1, 1, alpha=0.5) == pytest.approx(math.sqrt(-math.log(0.25) / 2) * math.sqrt(2), rel=1e-12)
    for n, m_, alpha in [(0, 10, 0.05), (10, 0, 0.05), (10, 10, 0.0), (10, 10, 1.0)]:
        with _raises("need positive sample sizes and 0 < alpha < 1"):
            drift.ks_critical(n, m_, alpha)
    assert drift.psi_noise_floor(10, 100, 400) == pytest.approx(9 * (1 / 100 + 1 / 400), rel=1e-12)
    assert drift.psi_noise_floor(1, 0.5, 0.5) == 0.0
    assert drift.psi_noise_floor(2, 0.5, 0.25) == pytest.approx(6.0, rel=1e-12)
    for args in [(0, 10, 10), (10, 0, 10), (10, 10, 0)]:
        with _raises("need at least one bin and positive sample sizes"):
            drift.psi_noise_floor(*args)


def test_compounded_decline_and_normal_samples_edges():
    assert drift.compounded_decline(0.0, 30) == 0.0
    assert drift.compounded_decline(0.5, 2) == pytest.approx(0.75, rel=1e-12)
    for f, d in [(1.0, 2), (-0.1, 2), (0.1, -1)]:
        with _raises("need 0 ≤ daily fraction < 1 and days ≥ 0"):
            drift.compounded_decline(f, d)
    ref, srv = drift.normal_samples(np.random.default_rng(1), 3, 2, 10.0, 2.0, shift=1.0, spread=3.0)
    z = np.random.default_rng(1).standard_normal(5)
    assert ref.tolist() == pytest.approx((10 + 2 * z[:3]).tolist(), rel=1e-12)
    assert srv.tolist() == pytest.approx((11 + 6 * z[3:]).tolist(), rel=1e-12)
    for sd, spread in [(0, 1), (1, 0)]:
        with _raises("the standard deviation and the spread factor must be positive"):
            drift.normal_samples(np.random.default_rng(1), 3, 2, 10.0, sd, spread=spread)


def test_psi_band_boundaries():
    assert drift.psi_band(0.1) == "investigate" and drift.psi_band(0.0999) == "stable"
    assert drift.psi_band(0.2) == "investigate" and drift.psi_band(0.2001) == "significant shift"


def test_psi_defaults_reach_the_terms():
    skewed = np.concatenate([np.zeros(90), np.linspace(1, 100, 10)])
    other = np.linspace(0, 100, 100)
    e, a = drift.binned(skewed, other, 10)
    e, a = drift.smooth(e, 1e-4), drift.smooth(a, 1e-4)
    assert drift.psi(skewed, other) == pytest.approx(float(np.sum((a - e) * np.log(a / e))), rel=1e-12)
    assert drift.psi_terms(skewed, other).tolist() == pytest.approx(((a - e) * np.log(a / e)).tolist(), rel=1e-12)
    eu, au = drift.binned(skewed, other, 4, strategy="uniform")
    eu, au = drift.smooth(eu, 1e-3), drift.smooth(au, 1e-3)
    assert drift.psi(skewed, other, 4, eps=1e-3, strategy="uniform") == pytest.approx(
        float(np.sum((au - eu) * np.log(au / eu))), rel=1e-12)


def test_smooth_edges_and_messages():
    assert drift.smooth([3.0]).tolist() == [1.0]
    assert drift.smooth([2, 6], 0.0).tolist() == [0.25, 0.75]              # counts are normalised first
    assert drift.smooth([0, 4], 0.25).tolist() == pytest.approx([0.2, 0.8])
    for bad in ([], [1, -1], [1, np.nan]):
        with _raises("bin counts/proportions must be finite and non-negative"):
            drift.smooth(bad)
    with _raises("bin counts/proportions sum to zero"):
        drift.smooth([0, 0])
    with _raises("eps must be in [0, 1/number_of_bins), got 0.5"):
        drift.smooth([1, 1], 0.5)


def test_ks_test_names_and_messages():
    with _raises("missing must be 'raise' or 'omit', not 'drop'"):
        drift.ks_test([1.0], [2.0], missing="drop")
    with _raises("expected contains infinite values"):
        drift.ks_test([np.inf, 1.0], [2.0], missing="omit")
    with _raises("actual has no non-missing values"):
        drift.ks_test([1.0], [np.nan], missing="omit")
    with _raises("actual contains NaN or infinite values"):
        drift.ks_test([1.0], [np.nan])
    with _raises("expected is empty"):
        drift.ks_test([], [1.0], missing="omit")


def test_normal_samples_defaults_and_small_sd():
    ref, srv = drift.normal_samples(np.random.default_rng(1), 3, 2, 10.0, 0.5)
    z = np.random.default_rng(1).standard_normal(5)
    assert ref.tolist() == pytest.approx((10 + 0.5 * z[:3]).tolist(), rel=1e-12)
    assert srv.tolist() == pytest.approx((10 + 0.5 * z[3:]).tolist(), rel=1e-12)   # no shift, same spread
    _, wide = drift.normal_samples(np.random.default_rng(1), 3, 2, 10.0, 1.0, spread=0.5)
    assert wide.tolist() == pytest.approx((10 + 0.5 * z[3:]).tolist(), rel=1e-12)
