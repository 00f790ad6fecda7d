"""Tests of mlsysim.models.ops_costs and of the explorers and scenarios of the overview, principles and
technical-debt sections.

Hand-checked values come from the source chapter (1% skew on 1M queries/day at $0.10 → $365,000 a
year; 80 h pipeline vs 4 h/week → 20 weeks) or are worked out in the comments.
"""
from __future__ import annotations

import html
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import brentq

from mlsysim.models import ops_costs as oc
from mlsysim.models import retraining
from notebook_ns import load_namespace

pos = st.floats(min_value=1e-3, max_value=1e4, allow_nan=False, allow_infinity=False)
frac = st.floats(min_value=1e-6, max_value=1.0, allow_nan=False)


# ── skew cost ──────────────────────────────────────────────────────────────────────────────────
def test_skew_cost_source_example():
    # 1,000,000 × 0.01 × 0.10 × 365 = 365,000
    assert oc.annual_skew_cost(1_000_000, 0.01, 0.10) == pytest.approx(365_000)
    assert oc.skew_cost(0.01, 1_000_000, 0.10) == pytest.approx(1_000)
    assert oc.skewed_predictions(1_000_000, 0.01) == pytest.approx(10_000)


def test_skew_cost_rejects_impossible_inputs():
    with pytest.raises(ValueError, match="error_rate"):
        oc.skew_cost(-0.1, 100, 1)
    with pytest.raises(ValueError, match="cannot exceed 1"):
        oc.skew_cost(1.5, 100, 1)
    with pytest.raises(ValueError, match="query_volume"):
        oc.skew_cost(0.1, -100, 1)


def test_skew_cost_vectorised():
    q = np.array([1e3, 1e6])
    np.testing.assert_allclose(oc.annual_skew_cost(q, 0.01, 0.1), [365.0, 365_000.0])


@given(rate=frac, q=pos, c=pos, k=st.floats(min_value=0.1, max_value=100))
def test_skew_cost_is_proportional_to_each_factor(rate, q, c, k):
    base = oc.skew_cost(rate, q, c)
    assert oc.skew_cost(rate, q * k, c) == pytest.approx(base * k, rel=1e-12)
    assert oc.skew_cost(rate, q, c * k) == pytest.approx(base * k, rel=1e-12)
    assert base >= 0


# ── silent degradation ─────────────────────────────────────────────────────────────────────────
def test_implied_decay_rate_hand_value():
    # ln(0.94/0.88)/3 = 0.0219860 per week
    assert oc.implied_decay_rate(0.94, 0.88, 3) == pytest.approx(0.0219860, abs=1e-7)
    assert oc.implied_decay_rate(0.9, 0.9, 5) == 0.0
    with pytest.raises(ValueError):
        oc.implied_decay_rate(0.9, 0.8, 0)
    with pytest.raises(ValueError):
        oc.implied_decay_rate(1.2, 0.8, 1)


@given(a0=st.floats(0.5, 0.99), drop=st.floats(0.0, 0.4), t=st.floats(0.1, 100))
def test_implied_decay_rate_inverts_the_decay_law(a0, drop, t):
    a_t = a0 * (1 - drop)
    lam = oc.implied_decay_rate(a0, a_t, t)
    assert retraining.accuracy(t, a0, lam) == pytest.approx(a_t, rel=1e-12)


def test_error_multiple():
    # 94% → 81%: error rate 6% → 19%, 19/6 = 3.1667
    assert oc.error_multiple(0.94, 0.81) == pytest.approx(19 / 6)
    assert oc.error_multiple(0.9, 0.9) == pytest.approx(1.0)
    with pytest.raises(ValueError):
        oc.error_multiple(1.0, 0.9)


def test_orders_of_magnitude():
    assert oc.orders_of_magnitude(1000, 1) == pytest.approx(3)
    assert oc.orders_of_magnitude(365 / 4, 1) == pytest.approx(1.96023, abs=1e-5)
    with pytest.raises(ValueError):
        oc.orders_of_magnitude(0, 1)


# ── compound cost of manual operations ─────────────────────────────────────────────────────────
def test_breakeven_source_example():
    assert oc.breakeven_weeks(4, 80) == pytest.approx(20)        # 80 / 4
    assert oc.breakeven_weeks(4, 80, upkeep=2) == pytest.approx(40)   # 80 / (4 − 2)
    assert oc.breakeven_weeks(4, 80, upkeep=4) == math.inf
    assert oc.breakeven_weeks(4, 0) == 0.0


def test_breakeven_with_growth_hand_value():
    # 4t + 4t²/104 = 80  →  t = (−4 + √(16 + 4·(4/104)·80)) / (2·4/104) = 17.1665
    assert oc.breakeven_weeks(4, 80, growth=1.0) == pytest.approx(17.16647, abs=1e-5)


def test_cumulative_hours_hand_values():
    # ∫0..52 4(1 + t/52) dt = 4·52 + 4·52/2 = 312
    assert oc.cumulative_manual_hours(52, 4, 1.0) == pytest.approx(312)
    assert oc.manual_hours_per_week(52, 4, 1.0) == pytest.approx(8)
    assert oc.cumulative_automated_hours(52, 80, 0.5) == pytest.approx(106)
    assert oc.average_maintenance_share(4, 1.0, 52, 40) == pytest.approx(0.15)
    assert oc.maintenance_share(8, 40) == pytest.approx(0.2)
    assert oc.models_at_capacity(8, 40) == pytest.approx(5)
    assert oc.models_at_capacity(0, 40) == math.inf
    assert oc.week_capacity_reached(4, 1.0, 40) == pytest.approx(468)     # 52·(40/4 − 1)
    assert oc.week_capacity_reached(4, 0.0, 40) == math.inf
    assert oc.week_capacity_reached(50, 1.0, 40) == 0.0


def test_manual_hours_vectorised():
    np.testing.assert_allclose(oc.manual_hours_per_week(np.array([0, 26, 52]), 4, 1.0), [4, 6, 8])
    np.testing.assert_allclose(oc.cumulative_manual_hours(np.array([0, 52]), 4, 0.0), [0, 208])


def test_compound_cost_input_checks():
    with pytest.raises(ValueError, match="h0"):
        oc.breakeven_weeks(-1, 80)
    with pytest.raises(ValueError, match="period"):
        oc.manual_hours_per_week(1, 4, 1, period=0)
    with pytest.raises(ValueError, match="capacity"):
        oc.maintenance_share(4, 0)


def test_breakeven_without_cancellation_when_upkeep_exceeds_manual_hours():
    # b = h0 − u < 0: the form 2B/(b + √(b² + 4aB)) loses ~8 digits here (relative error 2.6e-9);
    # the root must still make both cumulative curves equal to within rounding.
    t = oc.breakeven_weeks(0.25, 1.0, growth=0.001, upkeep=14.0)
    manual = oc.cumulative_manual_hours(t, 0.25, 0.001)
    auto = oc.cumulative_automated_hours(t, 1.0, 14.0)
    assert abs(manual - auto) <= 1e-13 * (manual + auto)
    assert t == pytest.approx(5_720_000.0727, rel=1e-10)


@settings(max_examples=200)
@given(h0=st.floats(0.25, 40), build=st.floats(1, 2000),
       growth=st.one_of(st.just(0.0), st.floats(1e-3, 5)), upkeep=st.floats(0, 20))
def test_breakeven_is_where_the_cumulative_curves_cross(h0, build, growth, upkeep):
    t = oc.breakeven_weeks(h0, build, growth, upkeep)
    if math.isinf(t):
        assert growth == 0 and h0 <= upkeep
        return
    manual = oc.cumulative_manual_hours(t, h0, growth)
    auto = oc.cumulative_automated_hours(t, build, upkeep)
    scale = manual + auto                  # the residual can only be as exact as the terms it cancels
    assert abs(manual - auto) <= 1e-9 * scale
    # …and it agrees with a numerical root finder
    f = lambda s: oc.cumulative_manual_hours(s, h0, growth) - oc.cumulative_automated_hours(s, build, upkeep)  # noqa: E731
    assert brentq(f, 0, t * 2 + 1) == pytest.approx(t, rel=1e-8)


@given(h0=st.floats(0.25, 40), build=st.floats(1, 2000), g1=st.floats(0, 5), g2=st.floats(0, 5))
def test_faster_growth_never_delays_breakeven(h0, build, g1, g2):
    lo, hi = sorted((g1, g2))
    assert oc.breakeven_weeks(h0, build, hi) <= oc.breakeven_weeks(h0, build, lo) * (1 + 1e-12)
    assert oc.breakeven_weeks(h0, build, hi) <= oc.breakeven_weeks(h0, build) * (1 + 1e-12)


@given(h0=st.floats(0.25, 40), b1=st.floats(1, 2000), b2=st.floats(1, 2000), g=st.floats(0, 5))
def test_bigger_build_breaks_even_later(h0, b1, b2, g):
    lo, hi = sorted((b1, b2))
    assert oc.breakeven_weeks(h0, lo, g) <= oc.breakeven_weeks(h0, hi, g) * (1 + 1e-12)


@given(h0=st.floats(0.25, 40), g=st.floats(0, 5), t1=st.floats(0, 520), t2=st.floats(0, 520))
def test_manual_work_never_shrinks(h0, g, t1, t2):
    a, b = sorted((t1, t2))
    assert oc.manual_hours_per_week(a, h0, g) <= oc.manual_hours_per_week(b, h0, g) * (1 + 1e-12)
    assert oc.cumulative_manual_hours(a, h0, g) <= oc.cumulative_manual_hours(b, h0, g) * (1 + 1e-12)


# ── reproducibility fingerprint ───────────────────────────────────────────────────────────────
def test_artifact_digest_known_value():
    assert oc.artifact_digest("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    assert oc.artifact_digest(b"abc") == oc.artifact_digest("abc")
    with pytest.raises(TypeError):
        oc.artifact_digest(3.0)
    with pytest.raises(ValueError):
        oc.artifact_fingerprint({})


@given(data=st.binary(min_size=1, max_size=200), pos_=st.integers(0, 199), byte=st.integers(0, 255))
def test_fingerprint_changes_with_any_byte_and_ignores_order(data, pos_, byte):
    parts = {"code": b"print(1)", "data": data, "config": b"{}", "environment": b"py3.11"}
    digests, fp = oc.artifact_fingerprint(parts)
    _, fp_reordered = oc.artifact_fingerprint(dict(reversed(list(parts.items()))))
    assert fp == fp_reordered
    i = pos_ % len(data)
    edited = data[:i] + bytes([byte]) + data[i + 1:]
    digests2, fp2 = oc.artifact_fingerprint({**parts, "data": edited})
    assert (fp2 == fp) == (edited == data)
    assert digests2["code"] == digests["code"]


# ── the notebooks' scenarios ──────────────────────────────────────────────────────────────────
def test_overview_scenario():
    ns = load_namespace("overview")
    r = ns["rideshare"]
    assert r.accuracy_discovery == pytest.approx(0.94 * (0.88 / 0.94) ** (7 / 3))   # ≈ 0.806
    assert r.weeks_unwatched == 6
    assert r.error_growth_str == "3.2×"
    variant = r.with_(accuracy_check=0.95)
    assert any("Accuracy rose" in w for w in variant.warnings)


def test_principles_scenarios():
    ns = load_namespace("principles")
    assert ns["skew"].annual_str == "$365,000"
    assert ns["cadence"].orders == pytest.approx(math.log10(365 / 4))
    assert ns["changed"] == ["data"]


def test_technical_debt_scenario():
    ns = load_namespace("technical_debt")
    m = ns["manual_ops"]
    assert (m.breakeven_flat, m.hours_end, m.share_end, m.models_cap) == (20, 8, 0.2, 5)
    assert m.manual_total == pytest.approx(312)
    assert m.warnings == []


# ── explorers ──────────────────────────────────────────────────────────────────────────────────
def _reset(ex):
    for name, slider in ex.sliders.items():
        ex.set(**{name: ex.calc_cls.params()[name].default})
    assert ex.error is None


def test_skew_explorer_updates_and_reports_errors():
    ex = load_namespace("principles")["skew_explorer"]
    _reset(ex)
    before = ex.text.value
    assert "$365,000" in before
    ex.sliders["queries_per_day"].value = 10_000_000
    assert ex.text.value != before
    assert "$3,650,000" in ex.text.value

    ex.set(skew_error_rate="-5")
    assert ex.error is not None
    assert "skew_error_rate" in ex.error and "between" in ex.error and "0.5" in ex.error
    ex.set(cost_per_error="ten cents")
    assert "not a number" in ex.error and "cost_per_error" in ex.error


def test_skew_explorer_warns_about_gross_skew():
    ex = load_namespace("principles")["skew_explorer"]
    _reset(ex)
    assert ex.message.value == ""
    ex.sliders["skew_error_rate"].value = 0.2
    assert "quiet" in ex.message.value and "20.0%" in ex.message.value


def test_manual_ops_explorer_updates_and_reports_errors():
    ex = load_namespace("technical_debt")["manual_ops_explorer"]
    _reset(ex)
    before = ex.text.value
    assert "week 17.2" in before
    ex.sliders["feature_growth"].value = 3.0
    assert ex.text.value != before
    ex.set(pipeline_hours="0")
    assert ex.error is not None
    assert "pipeline_hours" in ex.error and "between 1 and 2,000" in ex.error
    ex.set(horizon="12.5")
    assert "whole number" in ex.error


def test_manual_ops_explorer_soft_warnings():
    ex = load_namespace("technical_debt")["manual_ops_explorer"]
    _reset(ex)
    ex.set(feature_growth=5, horizon=260)            # 4·(1 + 5·5) = 104 h/week > 40
    assert "more than the team's 40 h/week" in html.unescape(ex.message.value)
    _reset(ex)
    ex.set(feature_growth=0, pipeline_upkeep=4)       # manual never catches up with the upkeep
    assert "does not pay for itself" in ex.message.value and "never" in ex.message.value


# ── moved out of notebook execute() (issue 13) ────────────────────────────────────────────────────
def test_feature_multiple_grows_linearly_with_weeks():
    assert oc.feature_multiple(104, 0.5) == 2.0
    assert oc.feature_multiple(13, 0.5, 52) == 1.125
    assert oc.feature_multiple(26, 2.0, 13) == 5.0
    np.testing.assert_allclose(oc.feature_multiple(np.array([0.0, 52.0]), 0.25), [1.0, 1.25])
    with pytest.raises(ValueError, match="period"):
        oc.feature_multiple(10, 0.5, 0)
    # manual work is proportional to the feature count
    assert oc.manual_hours_per_week(13, 4, 0.5) == pytest.approx(4 * 1.125, rel=1e-12)


def test_hours_saved_is_manual_minus_automated():
    # manual 10·(52 + 0.5·52²/104) = 650 h; pipeline 200 + 1·52 = 252 h
    assert oc.hours_saved(52, 10, 200, 0.5, 1) == pytest.approx(398.0, rel=1e-12)
    assert oc.hours_saved(10, 3, 100) == pytest.approx(-70.0, rel=1e-12)       # before break-even


# ── boundaries, branches and messages pinned by the mutation run (docs/mutation.md) ─────────────
import hashlib  # noqa: E402
import re  # noqa: E402


def _raises(message, exc=ValueError):
    return pytest.raises(exc, match="^" + re.escape(message) + "$")


@pytest.mark.parametrize("call, name", [
    (lambda: oc.breakeven_weeks(10, -1), "build"), (lambda: oc.breakeven_weeks(10, 1, growth=-1), "growth"),
    (lambda: oc.breakeven_weeks(10, 1, upkeep=-1), "upkeep"),
    (lambda: oc.cumulative_automated_hours(-1, 1), "t"), (lambda: oc.cumulative_automated_hours(1, -1), "build"),
    (lambda: oc.cumulative_automated_hours(1, 1, -1), "upkeep"),
    (lambda: oc.cumulative_manual_hours(-1, 1, 0), "t"), (lambda: oc.cumulative_manual_hours(1, -1, 0), "h0"),
    (lambda: oc.cumulative_manual_hours(1, 1, -1), "growth"),
    (lambda: oc.feature_multiple(-1, 0.1), "t"), (lambda: oc.feature_multiple(1, -0.1), "growth"),
    (lambda: oc.skew_cost(0.1, 10, -1), "cost_per_error"), (lambda: oc.skewed_predictions(-1, 0.1), "query_volume"),
    (lambda: oc.skewed_predictions(1, -0.1), "error_rate"),
    (lambda: oc.week_capacity_reached(-1, 0.1, 40), "h0"), (lambda: oc.week_capacity_reached(1, -0.1, 40), "growth"),
])
def test_every_input_is_checked_by_name(call, name):
    with pytest.raises(ValueError, match=f"^{re.escape(name)} must be a finite number ≥ 0"):
        call()


def test_periods_capacities_and_horizons():
    for call in (lambda: oc.breakeven_weeks(10, 1, period=0), lambda: oc.cumulative_manual_hours(1, 1, 0, period=0),
                 lambda: oc.feature_multiple(1, 0.1, period=0)):
        with _raises("period must be positive"):
            call()
    assert oc.breakeven_weeks(10, 100, growth=1, period=0.5) == pytest.approx(
        brentq(lambda t: oc.hours_saved(t, 10, 100, growth=1, period=0.5), 0, 100), rel=1e-9)
    assert oc.cumulative_manual_hours(2, 1, 1, period=0.5) == pytest.approx(2 + 4 / 1, rel=1e-12)
    assert oc.feature_multiple(1, 0.5, period=0.5) == 2.0
    for call in (lambda: oc.maintenance_share(1, 0), lambda: oc.week_capacity_reached(1, 0.1, 0)):
        with _raises("capacity must be positive"):
            call()
    assert oc.maintenance_share(1, 0.5) == 2.0
    with _raises("horizon must be positive"):
        oc.average_maintenance_share(10, 0.5, 0, 40)
    assert oc.average_maintenance_share(10, 0.0, 0.5, 40) == 0.25
    # the period is passed through: growth 1 per 26 weeks is twice as fast as per 52
    assert oc.average_maintenance_share(10, 1.0, 52, 40, period=26) == pytest.approx(
        oc.cumulative_manual_hours(52, 10, 1.0, period=26) / 52 / 40, rel=1e-12)
    assert oc.hours_saved(52, 10, 100, growth=1.0, period=26) == pytest.approx(
        oc.cumulative_manual_hours(52, 10, 1.0, period=26) - 100, rel=1e-12)
    assert oc.models_at_capacity(0.5, 40) == 80 and oc.models_at_capacity(0, 40) == math.inf


def test_results_are_plain_floats_and_integer_arrays_do_not_overflow():
    assert type(oc.feature_multiple(1, 0.1)) is float
    assert oc.cumulative_automated_hours(10, 5) == 5.0                  # upkeep defaults to 0
    big = oc.cumulative_manual_hours([4_000_000_000], 1.0, 1.0, period=1.0)
    assert big[0] == pytest.approx(4e9 + 16e18 / 2, rel=1e-12)


def test_breakeven_weeks_small_positive_b_uses_the_stable_root():
    # b = h0 − upkeep = 0.5 and a tiny growth term: the root is ≈ B/b = 2 weeks; the other form of
    # the root would subtract nearly equal numbers
    assert oc.breakeven_weeks(0.5, 1.0, growth=1e-12) == pytest.approx(2.0, rel=1e-9)


def test_week_capacity_reached_edges():
    assert oc.week_capacity_reached(40, 0.0, 40) == 0.0                # already at capacity
    assert oc.week_capacity_reached(1, 0.5, 2, period=52) == pytest.approx(52 * (2 / 1 - 1) / 0.5, rel=1e-12)
    assert oc.week_capacity_reached(0, 0.5, 2) == math.inf


def test_accuracy_and_magnitude_bounds():
    assert oc.error_multiple(0.0, 0.5) == 0.5
    assert oc.error_multiple(0.5, 0.0) == 2.0 and oc.error_multiple(0.5, 1.0) == 0.0
    for before, after in [(1.0, 0.5), (0.5, 1.5), (-0.1, 0.5)]:
        with _raises("accuracies must be fractions; the earlier one must be below 1"):
            oc.error_multiple(before, after)
    assert oc.orders_of_magnitude(1000, 10) == pytest.approx(2.0, rel=1e-12)
    assert oc.orders_of_magnitude(0.5, 0.005) == pytest.approx(2.0, rel=1e-12)
    for largest, smallest in [(0, 10), (10, 0), (-1, 10)]:
        with _raises("both quantities must be positive"):
            oc.orders_of_magnitude(largest, smallest)


def test_fingerprint_format_and_messages():
    digests, fp = oc.artifact_fingerprint({"b": b"2", "a": "1"})
    manifest = f"a={hashlib.sha256(b'1').hexdigest()}\nb={hashlib.sha256(b'2').hexdigest()}"
    assert fp == hashlib.sha256(manifest.encode()).hexdigest()
    with _raises("a fingerprint needs at least one artifact"):
        oc.artifact_fingerprint({})
    with _raises("an artifact must be bytes or str, got int", TypeError):
        oc.artifact_digest(5)


def test_week_capacity_reached_below_one_hour_of_capacity():
    assert oc.week_capacity_reached(0.25, 1.0, 0.5, period=52) == pytest.approx(52.0, rel=1e-12)
