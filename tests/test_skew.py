"""Feature-skew validator (KS via scipy), population arithmetic, and the explorers of the
data-infrastructure and model-validation sections."""
import math

import numpy as np
import pytest
from hypothesis import assume, given, settings, strategies as st
from scipy.stats import ks_2samp

from mlsysim.models import skew
from mlsysim.models.skew import FeatureSkew, SkewError
from notebook_ns import load_namespace


# ── KS test and the validator ─────────────────────────────────────────────────
def test_ks_hand_checked_values():
    assert skew.ks_test([1, 2, 3], [4, 5, 6])[0] == pytest.approx(1.0)       # disjoint samples
    assert skew.ks_test([1, 2, 3, 4], [3, 4, 5, 6])[0] == pytest.approx(0.5)  # F gap 2/4 at x in [2, 3)
    assert skew.ks_test([1, 2, 3], [1, 2, 3]) == pytest.approx((0.0, 1.0))


def test_ks_matches_scipy_and_drops_nan():
    rng = np.random.default_rng(0)
    a, b = rng.normal(0, 1, 300), rng.normal(0.3, 1, 400)
    ref = ks_2samp(a, b)
    assert skew.ks_test(a, b) == pytest.approx((ref.statistic, ref.pvalue))
    with_nan = np.concatenate([a, [np.nan, np.nan]])
    assert skew.ks_test(with_nan, b, missing="omit") == pytest.approx((ref.statistic, ref.pvalue))
    with pytest.raises(ValueError, match="no non-missing"):
        skew.ks_test([np.nan], b, missing="omit")
    with pytest.raises(ValueError, match="infinite"):
        skew.ks_test([1.0, np.inf], b)


def _tables():
    rng = np.random.default_rng(1)
    n = 2000
    train = {"same": rng.normal(0, 1, n), "shifted": rng.normal(0, 1, n), "tiny": rng.normal(0, 1, n)}
    serve = {"same": rng.normal(0, 1, n), "shifted": rng.normal(1.5, 1, n), "tiny": rng.normal(0.12, 1, n)}
    return train, serve


def test_report_threshold_and_alpha_semantics():
    train, serve = _tables()
    by = {r.feature: r for r in skew.skew_report(train, serve, threshold=0.1)}
    assert [r for r in by] == ["same", "shifted", "tiny"]
    assert not by["same"].skewed and by["shifted"].skewed
    assert by["shifted"].statistic > 0.5 and by["shifted"].n_train == 2000
    # a small shift: below the effect-size threshold, yet very significant with 2,000 rows each
    assert by["tiny"].statistic < 0.1 and by["tiny"].pvalue < 0.01 and not by["tiny"].skewed
    strict = {r.feature: r for r in skew.skew_report(train, serve, threshold=None, alpha=0.01)}
    assert strict["tiny"].skewed and not strict["same"].skewed
    both = {r.feature: r for r in skew.skew_report(train, serve, threshold=0.1, alpha=0.01)}
    assert both["shifted"].skewed and not both["tiny"].skewed


def test_report_rejects_bad_inputs_with_names():
    train, serve = _tables()
    with pytest.raises(KeyError, match="'shifted'"):
        skew.skew_report(train, {"same": serve["same"]})
    with pytest.raises(ValueError, match="threshold"):
        skew.skew_report(train, serve, threshold=1.5)
    with pytest.raises(ValueError, match="both"):
        skew.skew_report(train, serve, threshold=None, alpha=None)
    with pytest.raises(ValueError, match="alpha"):
        skew.skew_report(train, serve, alpha=1.0)
    with pytest.raises(TypeError):
        skew.skew_report([1, 2, 3], serve)


def test_report_reports_missing_shares():
    train = {"x": np.array([1.0, 2.0, np.nan, 4.0])}
    serve = {"x": np.array([1.0, 2.0, 3.0, 4.0])}
    r = skew.skew_report(train, serve)[0]
    assert r.missing_train == pytest.approx(0.25) and r.missing_serve == 0 and r.n_train == 3


def test_validator_raises_skew_error_naming_feature_statistic_pvalue_threshold():
    train, serve = _tables()
    with pytest.raises(SkewError) as info:
        skew.validate_no_skew(train, serve, threshold=0.1)
    err = info.value
    msg = str(err)
    assert err.feature == "shifted" and "'shifted'" in msg
    assert f"D = {err.statistic:.3f}" in msg and "threshold 0.100" in msg and "p-value" in msg
    assert err.threshold == 0.1 and 0 <= err.pvalue < 1e-10
    assert [f.feature for f in err.skewed] == ["shifted"]


def test_validator_orders_worst_first_and_lists_the_others():
    train, serve = _tables()
    serve = {**serve, "same": serve["same"] + 0.6}            # a second, smaller skew
    with pytest.raises(SkewError) as info:
        skew.validate_no_skew(train, serve, threshold=0.1)
    err = info.value
    assert [f.feature for f in err.skewed] == ["shifted", "same"]
    assert "1 more skewed feature(s): same" in str(err)


def test_validator_passes_clean_data_and_returns_report():
    train, serve = _tables()
    report = skew.validate_no_skew(train, serve, threshold=0.1, features=["same", "tiny"])
    assert [r.feature for r in report] == ["same", "tiny"] and not any(r.skewed for r in report)


def test_reason_texts():
    r = FeatureSkew("f", 0.25, 0.0, 0.1, 0.05, 10, 10, 0, 0, 0, 0)
    assert r.reason() == "KS statistic D = 0.250 > threshold 0.100, p-value < 10⁻³⁰⁰ < α = 0.05"
    r2 = FeatureSkew("f", 0.05, 0.2, 0.1, None, 10, 10, 0, 0, 0, 0)
    assert r2.reason() == "KS statistic D = 0.050 ≤ threshold 0.100, p-value = 0.2" and not r2.skewed
    with pytest.raises(ValueError):
        SkewError([])


def test_format_pvalue():
    assert skew.format_pvalue(0.0) == "<10⁻³⁰⁰"
    assert skew.format_pvalue(0.0345) == "0.0345"
    assert skew.format_pvalue(2.123e-7) == "2.1×10⁻⁷"
    assert skew.format_pvalue(9.99e-11) == "1.0×10⁻¹⁰"
    assert repr(skew.format_pvalue(0.5)) == "0.5"            # a Text: no quotes in prose
    with pytest.raises(ValueError):
        skew.format_pvalue(1.5)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.floats(-1e6, 1e6), min_size=1, max_size=40),
       st.lists(st.floats(-1e6, 1e6), min_size=1, max_size=40))
def test_ks_is_bounded_and_symmetric(a, b):
    d_ab, p_ab = skew.ks_test(a, b)
    d_ba, _ = skew.ks_test(b, a)
    assert 0 <= d_ab <= 1 and 0 <= p_ab <= 1
    assert d_ab == pytest.approx(d_ba)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.floats(-1e3, 1e3), min_size=2, max_size=40), st.floats(1e-3, 1e3))
def test_ks_is_zero_for_identical_and_shift_separates(a, shift):
    assert skew.ks_test(a, a)[0] == 0
    spread = max(a) - min(a)
    d, _ = skew.ks_test(a, np.asarray(a) + spread + shift)       # shifted past the whole sample
    assert d == 1


# ── population arithmetic ─────────────────────────────────────────────────────
def test_mixture_hand_checked():
    assert skew.mixture_share(12, 45, 5) == pytest.approx(33 / 40)
    assert skew.mixture_mean(33 / 40, 45, 5) == pytest.approx(12)
    assert skew.mixture_share(45, 45, 5) == 0 and skew.mixture_share(5, 45, 5) == 1
    with pytest.raises(ValueError, match="between 5 and 12"):
        skew.mixture_share(45, 12, 5)          # the source's literal numbers: impossible
    with pytest.raises(ValueError, match="same mean"):
        skew.mixture_share(10, 7, 7)
    with pytest.raises(ValueError):
        skew.mixture_mean(1.2, 1, 2)


@settings(max_examples=60, deadline=None)
@given(st.floats(0, 1), st.floats(0.1, 500), st.floats(0.1, 500))
def test_mixture_share_inverts_mixture_mean(s, a, b):
    assume(abs(a - b) > 1e-3)
    m = skew.mixture_mean(s, a, b)
    assert min(a, b) - 1e-9 <= m <= max(a, b) + 1e-9
    assert skew.mixture_share(m, a, b) == pytest.approx(s, abs=1e-6)


def test_lognormal_helpers():
    assert skew.lognormal_mu(45, 0) == pytest.approx(math.log(45))
    assert skew.lognormal_mu(45, 1.0) == pytest.approx(math.log(45) - 0.5)
    x = skew.lognormal_sample(np.random.default_rng(3), 200_000, 12.0, 0.9)
    assert x.mean() == pytest.approx(12.0, rel=0.02) and len(x) == 200_000
    with pytest.raises(ValueError):
        skew.lognormal_mu(-1, 0.5)


def test_segment_mix_accuracy_and_logistic_share():
    assert skew.segment_mix_accuracy([0.9, 0.1], [0.92, 0.70]) == pytest.approx(0.898)
    rows = skew.segment_mix_accuracy([[1, 0], [0, 1]], [0.92, 0.70])
    assert rows == pytest.approx([0.92, 0.70])
    with pytest.raises(ValueError, match="sum to 1"):
        skew.segment_mix_accuracy([0.5, 0.6], [0.9, 0.7])
    with pytest.raises(ValueError, match="one accuracy per segment"):
        skew.segment_mix_accuracy([0.5, 0.5], [0.9])
    assert skew.logistic_share(90, 0.1, 0.8, 90, 15) == pytest.approx(0.45)
    s = skew.logistic_share(np.arange(181), 0.1, 0.8, 90, 15)
    assert np.all(np.diff(s) > 0) and 0.1 < s[0] < 0.11 and 0.79 < s[-1] < 0.8
    with pytest.raises(ValueError):
        skew.logistic_share(1, 0.1, 1.2, 0, 1)


@settings(max_examples=60, deadline=None)
@given(st.floats(0, 1), st.floats(0, 1), st.floats(0, 1))
def test_mixed_accuracy_between_segment_accuracies(w, a, b):
    acc = skew.segment_mix_accuracy([1 - w, w], [a, b])
    assert min(a, b) - 1e-12 <= acc <= max(a, b) + 1e-12


# ── the section notebooks ─────────────────────────────────────────────────────
def test_case_study_and_skew_gate_explorer():
    ns = load_namespace("data_infrastructure")
    case = ns["case"]
    assert case.mobile_share == pytest.approx(0.825) and case.blocked and case.D > 0.5
    ex = ns["skew_explorer"]
    before = ex.text.value
    ex.sliders["serving_mean"].value = 30
    assert ex.text.value != before and ex.calc.serving_mean == 30 and ex.error is None
    # a reader types something impossible for the Param: readable message, no exception
    ex.set(serving_mean="-5")
    assert "serving_mean = -5" in ex.error and "between 1 and 240 min" in ex.error
    # an impossible combination: the GUARD explains why
    ex.set(serving_mean="60")
    assert "cannot come from mixing" in ex.error
    # soft invariant: a 2.5% mobile share slips through the gate, and the explorer warns
    ex.set(serving_mean="44")
    assert ex.error is None and not ex.calc.blocked
    assert "lets this skew through" in ex.message.value
    ex.set(serving_mean="12")
    assert ex.calc.blocked and ex.message.value == ""


def test_skew_report_table_in_notebook():
    ns = load_namespace("data_infrastructure")
    by = {r.feature: r for r in ns["report"]}
    assert by["user_session_length"].skewed and by["hour_of_day"].skewed
    assert not by["purchases_30d"].skewed and not by["avg_basket_usd"].skewed
    with pytest.raises(SkewError, match="user_session_length"):
        skew.validate_no_skew(ns["training"], ns["serving"])


def test_channel_drift_explorer():
    ns = load_namespace("model_validation")
    ch = ns["channel"]
    assert ch.accuracy[0] == pytest.approx(0.898, abs=1e-3)
    assert ch.psi_alert_day < ch.acc_alert_day
    ex = ns["channel_explorer"]
    before = ex.text.value
    ex.sliders["acc_offline"].value = 0.5
    assert ex.text.value != before and ex.calc.acc_alert_day < ch.acc_alert_day
    ex.set(end_offline="1.5")
    assert "end_offline = 1.5" in ex.error and "between 0 and 1" in ex.error
    # offline sales handled as well as online ones: the input shifts, accuracy never alerts
    ex.set(end_offline="0.8")
    ex.set(acc_offline="0.92")
    assert ex.calc.acc_alert_day is None and "only input monitoring sees this drift" in ex.message.value
    ex.set(acc_offline="0.7")
    assert ex.message.value == ""


# ── moved out of notebook execute() (issue 13) ────────────────────────────────────────────────────
def test_mixture_lognormal_sample_draws_the_count_then_segment_a_then_b():
    rng = np.random.default_rng(3)
    n_b = int(rng.binomial(100, 0.3))
    expected = np.concatenate([skew.lognormal_sample(rng, 100 - n_b, 10.0, 0.5),
                               skew.lognormal_sample(rng, n_b, 2.0, 0.5)])
    got = skew.mixture_lognormal_sample(np.random.default_rng(3), 100, 0.3, 10.0, 2.0, 0.5)
    np.testing.assert_array_equal(got, expected)
    only_b = skew.mixture_lognormal_sample(np.random.default_rng(4), 4_000, 1.0, 10.0, 2.0, 0.5)
    only_a = skew.mixture_lognormal_sample(np.random.default_rng(4), 4_000, 0.0, 10.0, 2.0, 0.5)
    assert abs(only_b.mean() - 2.0) < 0.1 and abs(only_a.mean() - 10.0) < 0.5
    with pytest.raises(ValueError, match="share_b"):
        skew.mixture_lognormal_sample(np.random.default_rng(0), 10, 1.5, 10.0, 2.0, 0.5)


# ── exact values, boundaries and full messages (mutation survivors, docs/mutation.md) ─────────────
class _Frame:
    """A minimal pandas-like table: ``columns`` and ``frame[name]``, but not a Mapping."""

    def __init__(self, data):
        self._data = dict(data)
        self.columns = list(self._data)

    def __getitem__(self, name):
        return self._data[name]


def test_check_criteria_boundaries_and_messages():
    """threshold 0 is allowed, threshold 1 and alpha 0 are not; the messages are exact."""
    train, serve = {"x": [1.0, 2.0, 3.0]}, {"x": [1.0, 2.0, 3.0]}
    (r,) = skew.skew_report(train, serve, threshold=0.0)      # D = 0 is not > 0: not skewed
    assert r.threshold == 0.0 and r.statistic == 0.0 and not r.skewed
    with pytest.raises(ValueError) as err:
        skew.skew_report(train, serve, threshold=1)
    assert str(err.value) == "the KS threshold must be in [0, 1), got 1"
    with pytest.raises(ValueError) as err:
        skew.skew_report(train, serve, alpha=0)
    assert str(err.value) == "alpha must be in (0, 1), got 0"
    with pytest.raises(ValueError) as err:
        skew.skew_report(train, serve, threshold=None, alpha=None)
    assert str(err.value) == "give a KS threshold, a significance level alpha, or both"


def test_report_full_fields_hand_computed_and_defaults():
    """Disjoint samples {1, 2, 3} (plus one NaN) vs {4, 5, 6, 7}: D = 1, exact p = 2 / C(7, 3) = 2/35;
    means 2 and 5.5; sizes 3 and 4; a quarter of training missing.  Defaults: threshold 0.1, alpha None."""
    train, serve = {"x": [1.0, 2.0, np.nan, 3.0]}, {"x": [4, 5, 6, 7]}
    expected = FeatureSkew("x", 1.0, pytest.approx(2 / 35), 0.1, None, 3, 4, 2.0, 5.5, 0.25, 0.0)
    default = skew.skew_report(train, serve)
    assert default == [expected]
    assert skew.skew_report(train, serve, threshold=0.1, alpha=None, features=None) == default
    r = default[0]
    assert type(r.n_serve) is int and type(r.mean_train) is float and type(r.mean_serve) is float


def test_clean_treats_none_as_missing_and_keeps_single_values():
    """None becomes NaN (values are converted to float); one value, or one non-missing value, is enough."""
    (r,) = skew.skew_report({"x": [1.0, None, 3.0]}, {"x": [2.0]}, threshold=0.5)
    assert (r.n_train, r.n_serve) == (2, 1)
    assert r.missing_train == pytest.approx(1 / 3) and r.missing_serve == 0.0
    assert (r.mean_train, r.mean_serve) == (2.0, 2.0)
    (r,) = skew.skew_report({"x": [np.nan, 5.0]}, {"x": [5.0]})
    assert (r.n_train, r.n_serve, r.missing_train, r.statistic) == (1, 1, 0.5, 0.0)


def test_clean_error_messages_name_the_side_and_feature():
    """Empty, infinite and all-missing features raise ValueError with the exact message."""
    ok = {"x": [1.0, 2.0]}
    cases = [
        ({"x": []}, ok, "training feature 'x' is empty"),
        (ok, {"x": []}, "serving feature 'x' is empty"),
        ({"x": [1.0, np.inf]}, ok, "training feature 'x' contains infinite values"),
        (ok, {"x": [-np.inf, 1.0]}, "serving feature 'x' contains infinite values"),
        ({"x": [np.nan, np.nan]}, ok, "training feature 'x' has no non-missing values"),
        (ok, {"x": [np.nan]}, "serving feature 'x' has no non-missing values"),
    ]
    for train, serve, message in cases:
        with pytest.raises(ValueError) as err:
            skew.skew_report(train, serve)
        assert str(err.value) == message


def test_report_accepts_dataframe_like_tables():
    """Tables with a ``columns`` attribute (pandas-like) are read column by column, names as strings."""
    train = _Frame({"a": [1.0, 2.0, 3.0], "b": [0.0, 1.0, 2.0]})
    serve = _Frame({"a": [1.0, 2.0, 3.0], "b": [10.0, 11.0, 12.0]})
    report = skew.skew_report(train, serve)
    assert [(r.feature, r.statistic) for r in report] == [("a", 0.0), ("b", 1.0)]
    mixed = skew.skew_report(train, {"b": [10.0, 11.0, 12.0], "a": [1.0, 2.0, 3.0]})   # mapping serving
    assert mixed == report
    with pytest.raises(TypeError) as err:
        skew.skew_report([1, 2, 3], serve)
    assert str(err.value) == "features must be a mapping of name → values (or a DataFrame)"


def test_validator_passes_alpha_through():
    """D = 1 > 0.1 but p = 2/35 ≥ alpha 0.05: not skewed, so the gate returns the report carrying alpha."""
    train, serve = {"x": [1.0, 2.0, 3.0]}, {"x": [4.0, 5.0, 6.0, 7.0]}
    (r,) = skew.validate_no_skew(train, serve, threshold=0.1, alpha=0.05)
    assert r.alpha == 0.05 and r.statistic == 1.0 and not r.skewed
    (r,) = skew.validate_no_skew(train, serve, threshold=None, alpha=0.05)     # alpha alone is a criterion
    assert r.threshold is None and r.alpha == 0.05


def test_reason_boundaries_and_threshold_free_text():
    """D equal to the threshold reads '≤'; p equal to or above alpha reads '≥'; no threshold, no comparison."""
    at = FeatureSkew("f", 0.1, 0.05, 0.1, 0.05, 10, 10, 0, 0, 0, 0)
    assert at.reason() == "KS statistic D = 0.100 ≤ threshold 0.100, p-value = 0.05 ≥ α = 0.05"
    assert not at.skewed
    above = FeatureSkew("f", 0.3, 0.2, 0.1, 0.05, 10, 10, 0, 0, 0, 0)
    assert above.reason() == "KS statistic D = 0.300 > threshold 0.100, p-value = 0.2 ≥ α = 0.05"
    no_threshold = FeatureSkew("f", 0.25, 0.01, None, 0.05, 10, 10, 0, 0, 0, 0)
    assert no_threshold.reason() == "KS statistic D = 0.250, p-value = 0.01 < α = 0.05" and no_threshold.skewed
    tiny = FeatureSkew("f", 0.25, 2.123e-7, 0.1, None, 10, 10, 0, 0, 0, 0)
    assert tiny.reason() == "KS statistic D = 0.250 > threshold 0.100, p-value = 2.1×10⁻⁷"


def test_skew_error_messages_exact():
    """One skewed feature: no 'more' clause; three: the other two listed, comma-separated; empty: refused."""
    f = FeatureSkew("f", 0.25, 0.0, 0.1, 0.05, 10, 10, 0, 0, 0, 0)
    g = FeatureSkew("g", 0.2, 0.001, 0.1, None, 10, 10, 0, 0, 0, 0)
    h = FeatureSkew("h", 0.15, 0.01, 0.1, None, 10, 10, 0, 0, 0, 0)
    one = SkewError([f])
    assert str(one) == ("Training–serving skew in feature 'f': "
                        "KS statistic D = 0.250 > threshold 0.100, p-value < 10⁻³⁰⁰ < α = 0.05.")
    assert (one.feature, one.statistic, one.pvalue, one.threshold, one.alpha) == ("f", 0.25, 0.0, 0.1, 0.05)
    three = SkewError([f, g, h])
    assert str(three) == ("Training–serving skew in feature 'f': "
                          "KS statistic D = 0.250 > threshold 0.100, p-value < 10⁻³⁰⁰ < α = 0.05."
                          " 2 more skewed feature(s): g, h.")
    assert three.skewed == [f, g, h]
    with pytest.raises(ValueError) as err:
        SkewError([])
    assert str(err.value) == "SkewError needs at least one skewed feature"


def test_format_pvalue_boundaries_and_message():
    """1 is a valid p-value; 1e-300 is still written out; 0.001 is the last plain decimal."""
    assert skew.format_pvalue(1.0) == "1"
    assert skew.format_pvalue(1e-300) == "1.0×10⁻³⁰⁰"
    assert skew.format_pvalue(0.001) == "0.001"
    assert skew.format_pvalue(0.00099) == "9.9×10⁻⁴"
    for bad in (1.5, -0.1):
        with pytest.raises(ValueError) as err:
            skew.format_pvalue(bad)
        assert str(err.value) == f"a p-value lies in [0, 1], got {bad!r}"


def test_mixture_mean_boundaries_and_message():
    """share 1 gives group b's mean, share 0 group a's; outside [0, 1] the message is exact."""
    assert skew.mixture_mean(1, 45, 5) == 5 and skew.mixture_mean(0, 45, 5) == 45
    assert skew.mixture_mean(0.25, 10, 2) == pytest.approx(8.0)      # 0.25·2 + 0.75·10
    with pytest.raises(ValueError) as err:
        skew.mixture_mean(1.2, 1, 2)
    assert str(err.value) == "share must be in [0, 1], got 1.2"


def test_mixture_share_tolerance_edges_and_messages():
    """Shares within 1e-12 outside [0, 1] are clamped to exactly 0 or 1; anything further is impossible.
    With means 0 and 1 the share equals the target mean exactly: s = (0 − m) / (0 − 1) = m."""
    assert skew.mixture_share(-1e-12, 0, 1) == 0.0
    assert skew.mixture_share(1 + 1e-12, 0, 1) == 1.0
    assert skew.mixture_share(0.3, 0, 1) == pytest.approx(0.3)
    for target, a, b, text in [(65, 45, 5, "45 and 5 has a mean between 5 and 45; 65"),     # s = −0.5
                               (1.5, 0, 1, "0 and 1 has a mean between 0 and 1; 1.5"),      # s = 1.5
                               (-2e-12, 0, 1, "0 and 1 has a mean between 0 and 1; -2e-12")]:
        with pytest.raises(ValueError) as err:
            skew.mixture_share(target, a, b)
        assert str(err.value) == f"a mixture of groups with means {text} is impossible"
    with pytest.raises(ValueError) as err:
        skew.mixture_share(10, 7, 7)
    assert str(err.value) == "the two groups have the same mean, so no share changes the mixture's mean"


def test_lognormal_mu_domain_and_message():
    """A mean in (0, 1) is fine (negative μ); a non-positive mean or negative σ raises with the exact message."""
    assert skew.lognormal_mu(0.5, 0) == pytest.approx(math.log(0.5))
    assert skew.lognormal_mu(0.5, 2.0) == pytest.approx(math.log(0.5) - 2.0)
    for mean, sigma in [(0, 0.5), (-1, 0.5), (10, -0.1)]:
        with pytest.raises(ValueError) as err:
            skew.lognormal_mu(mean, sigma)
        assert str(err.value) == "a lognormal needs a positive mean and a non-negative σ"


def test_logistic_share_boundaries_messages_and_types():
    """Shares 0 and 1 are valid at both ends; width must be > 0 (0.5 is fine); scalar t gives a float;
    integer-typed times (uint8 day numbers) are converted to float, so t − midpoint cannot wrap around."""
    assert skew.logistic_share(0, 0, 1, 0, 1) == 0.5
    assert skew.logistic_share(0, 1, 0, 0, 1) == 0.5
    assert skew.logistic_share(1, 0.2, 0.6, 1, 0.5) == pytest.approx(0.4)
    s = skew.logistic_share(90, 0.1, 0.8, 90, 15)
    assert type(s) is float and s == pytest.approx(0.45)
    days = np.array([0, 90, 180], dtype=np.uint8)
    expected = [0.1 + 0.7 / (1 + math.exp(6)), 0.45, 0.1 + 0.7 / (1 + math.exp(-6))]
    assert skew.logistic_share(days, 0.1, 0.8, 90, 15) == pytest.approx(expected)
    for start, end in [(1.5, 0.5), (0.5, 1.5), (-0.1, 0.5), (0.5, -0.1)]:
        with pytest.raises(ValueError) as err:
            skew.logistic_share(0, start, end, 0, 1)
        assert str(err.value) == "start and end shares must lie in [0, 1]"
    for width in (0, -1):
        with pytest.raises(ValueError) as err:
            skew.logistic_share(0, 0.1, 0.8, 0, width)
        assert str(err.value) == "width must be positive"
