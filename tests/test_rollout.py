"""Canary duration, exposure of a bad release and the rollback plan (mlsysim.models.rollout)."""
import math

import pytest
from hypothesis import assume, given, strategies as st

from mlsysim.models import rollout as ro

Z_975, Z_80 = 1.959963984540054, 0.8416212335729143      # tabulated standard-normal quantiles


def test_canary_predictions_by_hand():
    # 90 % accuracy, a 2-point drop, 95 % confidence, 80 % power: 2 (z + z)² · 0.09 / 0.0004
    n = ro.canary_predictions(0.90, 0.02)
    assert n == pytest.approx(2 * (Z_975 + Z_80) ** 2 * 0.09 / 0.02**2, rel=1e-12)
    assert math.ceil(n) == 3_532
    # halving the drop quadruples the sample
    assert ro.canary_predictions(0.90, 0.01) == pytest.approx(4 * n, rel=1e-12)


def test_canary_hours_is_limited_by_the_smaller_side():
    assert ro.canary_hours(3_532, 20_000, 0.05) == pytest.approx(3_532 / 1_000)
    # a canary larger than half the traffic waits for the incumbent's side instead
    assert ro.canary_hours(1_000, 10_000, 0.8) == pytest.approx(1_000 / 2_000)
    assert ro.canary_hours(1_000, 10_000, 0.2) == pytest.approx(ro.canary_hours(1_000, 10_000, 0.8), rel=1e-12)


def test_exposure_by_tier_by_hand():
    t = 3.532
    exp = ro.exposure_by_tier(0.02, 20_000, 0.05, t)
    assert exp["delayed"] == pytest.approx(0.02 * 0.05 * 20_000 * (t + 4))
    assert exp["rapid"] == pytest.approx(0.02 * 1_000 * (t + 0.25))
    assert exp["immediate"] == pytest.approx(0.02 * 1_000 * (t + 1 / 60))
    assert exp["delayed"] > exp["rapid"] > exp["immediate"]


@pytest.mark.parametrize("budget, plan", [(200, "delayed"), (100, "rapid"), (72, "immediate"), (50, "shadow")])
def test_rollback_plan_takes_the_slowest_tier_within_budget(budget, plan):
    # exposures: delayed 150.6, rapid 75.6, immediate 70.97 extra wrong answers
    exp = ro.exposure_by_tier(0.02, 20_000, 0.05, 3.532)
    assert ro.rollback_plan(exp, budget) == plan


def test_tiers_are_the_books_limits():
    assert ro.ROLLBACK_TIERS == {"delayed": 4.0, "rapid": 0.25, "immediate": 1 / 60}
    assert list(ro.ROLLBACK_TIERS) == ["delayed", "rapid", "immediate"]   # slowest first


@given(st.floats(0.6, 0.99), st.floats(0.002, 0.1), st.floats(0.001, 0.5), st.floats(10, 1e7))
def test_canary_detection_alone_costs_delta_times_n(p, drop, share, rate):
    """Whatever the share, a bad canary serves at least n answers before it can be judged, so the
    exposure before any rollback is δ·n: a smaller canary only takes longer, it is not safer."""
    assume(p - drop > 0.01)
    n = ro.canary_predictions(p, drop)
    hours = ro.canary_hours(n, rate, share)
    assert ro.excess_wrong_answers(drop, rate, share, hours) == pytest.approx(drop * n, rel=1e-9)


@pytest.mark.parametrize("call", [
    lambda: ro.canary_predictions(0.9, 0),
    lambda: ro.canary_predictions(0.05, 0.1),
    lambda: ro.canary_hours(100, 0, 0.05),
    lambda: ro.canary_hours(100, 1000, 1.0),
    lambda: ro.canary_hours(0, 1000, 0.05),
    lambda: ro.excess_wrong_answers(0.02, 1000, 0, 1),
    lambda: ro.excess_wrong_answers(0.02, 1000, 0.1, -1),
    lambda: ro.rollback_plan({"delayed": 1, "rapid": 1, "immediate": 1}, -1),
])
def test_bad_inputs_are_refused(call):
    with pytest.raises(ValueError):
        call()


@pytest.mark.parametrize("call, message", [
    (lambda: ro.canary_predictions(0.9, 0), "the accuracy drop to detect must be positive, got 0"),
    (lambda: ro.canary_predictions(0.05, 0.05), "a drop of 0.05 from an accuracy of 0.05 leaves no accuracy"),
    (lambda: ro.canary_hours(0, 1000, 0.05), "the predictions per side must be positive, got 0"),
    (lambda: ro.canary_hours(100, 0, 0.05), "the request rate must be positive, got 0"),
    (lambda: ro.canary_hours(100, 1000, 0.0), "the canary's traffic share must be strictly between 0 and 1, got 0.0"),
    (lambda: ro.excess_wrong_answers(-0.01, 1000, 0.1, 1),
     "the drop, the request rate and the time must not be negative"),
    (lambda: ro.excess_wrong_answers(0.02, 1000, 1.5, 1), "the candidate's traffic share must be in (0, 1], got 1.5"),
    (lambda: ro.rollback_plan({"delayed": 1, "rapid": 1, "immediate": 1}, -0.5),
     "the risk budget must not be negative, got -0.5"),
])
def test_refusals_say_what_was_wrong(call, message):
    with pytest.raises(ValueError) as err:
        call()
    assert str(err.value) == message


def test_edges_of_the_allowed_ranges_are_accepted():
    # below one prediction, below one request an hour: small but positive, so allowed
    assert ro.canary_hours(0.5, 0.5, 0.5) == pytest.approx(2.0)
    # each argument of the exposure at zero is allowed, and gives no exposure
    assert ro.excess_wrong_answers(0, 1000, 0.1, 1) == 0
    assert ro.excess_wrong_answers(0.02, 0, 0.1, 1) == 0
    assert ro.excess_wrong_answers(0.02, 0.5, 0.1, 1) == pytest.approx(0.001)
    assert ro.excess_wrong_answers(0.02, 1000, 0.1, 0) == 0
    # the whole traffic (a straight switch) is a valid share for the exposure
    assert ro.excess_wrong_answers(0.02, 1000, 1.0, 2) == pytest.approx(40.0)
    # a negative rate alone is refused even when the drop is fine
    with pytest.raises(ValueError):
        ro.excess_wrong_answers(0.02, -1, 0.1, 1)


def test_canary_predictions_passes_the_power_on():
    n90 = ro.canary_predictions(0.90, 0.02, power=0.90)
    z90 = 1.2815515655446004
    assert n90 == pytest.approx(2 * (Z_975 + z90) ** 2 * 0.09 / 0.02**2, rel=1e-12)


def test_rollback_plan_at_the_budget_exactly():
    exposure = {"delayed": 10.0, "rapid": 5.0, "immediate": 2.0}
    assert ro.rollback_plan(exposure, 10.0) == "delayed"          # within the budget includes equal to it
    assert ro.rollback_plan({"delayed": 0.0, "rapid": 0.0, "immediate": 0.0}, 0) == "delayed"
    assert ro.rollback_plan(exposure, 0.5) == "shadow"            # a budget below one answer is allowed
