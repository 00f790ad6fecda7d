"""The shared accuracy formulas (mlsysim.models.accuracy) and the one input validator (_checks)."""
import math

import numpy as np
import pytest
from hypothesis import given, strategies as st

from mlsysim.models import accuracy as A
from mlsysim.models import economics, incidents, ops_costs, retraining, skew
from mlsysim.models._checks import nonneg


def test_one_definition_under_every_name():
    assert economics.implied_decay_rate is ops_costs.implied_decay_rate is A.implied_decay_rate
    assert incidents.overall_accuracy is skew.segment_mix_accuracy is A.mixture_accuracy


@given(a0=st.floats(0.5, 1.0), lam=st.floats(1e-4, 0.5), t=st.floats(0.1, 100))
def test_implied_decay_rate_inverts_the_decay_law(a0, lam, t):
    a_t = retraining.accuracy(t, a0, lam)
    assert A.implied_decay_rate(a0, a_t, t) == pytest.approx(lam, rel=1e-9)


@pytest.mark.parametrize("args", [(0.9, 0.8, 0), (0.9, 0.8, -1), (1.2, 0.8, 1), (0.9, 0.0, 1), (0.0, 0.5, 1)])
def test_implied_decay_rate_rejects_impossible_readings(args):
    with pytest.raises(ValueError):
        A.implied_decay_rate(*args)


def test_mixture_accuracy_by_hand_and_for_many_mixes():
    assert A.mixture_accuracy([0.25, 0.75], [0.8, 0.4]) == pytest.approx(0.5)
    rows = A.mixture_accuracy([[1, 0], [0.5, 0.5]], [0.9, 0.7])
    assert rows == pytest.approx([0.9, 0.8])


@pytest.mark.parametrize("shares, acc, match", [
    ([0.5, 0.6], [0.9, 0.7], "sum to 1"), ([1.2, -0.2], [0.9, 0.7], "non-negative"),
    ([0.5, 0.5], [0.9], "one accuracy per segment"), ([0.5, 0.5], [0.9, 1.2], "between 0 and 1"),
    ([np.nan, 1.0], [0.9, 0.7], "sum to 1"), ([0.5, 0.5], [np.nan, 0.7], "between 0 and 1"),
])
def test_mixture_accuracy_validation(shares, acc, match):
    with pytest.raises(ValueError, match=match):
        A.mixture_accuracy(shares, acc)


@pytest.mark.parametrize("bad", [math.nan, math.inf, -1e-12, [0.0, math.nan], [1.0, -2.0]])
def test_nonneg_rejects_nan_infinity_and_negatives(bad):
    with pytest.raises(ValueError, match="x must be a finite number ≥ 0"):
        nonneg(x=bad)


def test_nonneg_accepts_zero_and_arrays():
    nonneg(a=0, b=0.0, c=[0, 1e300])


# ── boundaries and messages pinned by the mutation run (docs/mutation.md) ───────────────────────
def test_implied_decay_rate_accepts_accuracy_one_at_either_end():
    assert A.implied_decay_rate(1.0, 0.9, 2) == pytest.approx(-math.log(0.9) / 2, rel=1e-12)
    assert A.implied_decay_rate(0.9, 1.0, 4) == pytest.approx(math.log(0.9) / 4, rel=1e-12)


@pytest.mark.parametrize("before, after", [(0.0, 0.5), (0.9, 1.5), (1.5, 0.9), (0.9, 0.0)])
def test_implied_decay_rate_names_the_allowed_range(before, after):
    with pytest.raises(ValueError, match=r"^accuracies must be fractions in \(0, 1\]$"):
        A.implied_decay_rate(before, after, 1)


def test_implied_decay_rate_names_a_bad_elapsed_time():
    with pytest.raises(ValueError, match="^elapsed time must be positive$"):
        A.implied_decay_rate(0.9, 0.8, 0)


def test_mixture_accuracy_single_segment_and_plain_float():
    assert A.mixture_accuracy([1.0], [0.9]) == 0.9
    one = A.mixture_accuracy([0.9, 0.1], [0.92, 0.70])
    assert type(one) is float and one == pytest.approx(0.898, rel=1e-12)


@pytest.mark.parametrize("shares, acc", [
    (1.0, [0.9]),                       # a scalar share
    ([0.5, 0.5], [[0.9, 0.8]]),         # accuracies as a table, not one per segment
    ([0.5, 0.5], []),
])
def test_mixture_accuracy_shape_message(shares, acc):
    with pytest.raises(ValueError, match=r"^need one traffic share per accuracy \(one accuracy per segment\)$"):
        A.mixture_accuracy(shares, acc)


def test_mixture_accuracy_missing_values_get_the_readable_message():
    with pytest.raises(ValueError, match="^traffic shares must be non-negative and sum to 1"):
        A.mixture_accuracy([0.5, None], [0.9, 0.8])
    with pytest.raises(ValueError, match="^accuracies must be fractions between 0 and 1$"):
        A.mixture_accuracy([0.5, 0.5], [0.9, None])


def test_mixture_accuracy_sum_tolerance_is_1e_9_absolute():
    assert A.mixture_accuracy([0.5, 0.5 + 5e-10], [0.8, 0.8]) == pytest.approx(0.8)
    for off in (5e-9, 5e-6):
        with pytest.raises(ValueError, match="sum to 1"):
            A.mixture_accuracy([0.5, 0.5 + off], [0.8, 0.8])


def test_mixture_accuracy_reports_each_row_sum_to_six_places():
    with pytest.raises(ValueError) as e:
        A.mixture_accuracy([[0.5, 0.5], [0.1, 0.02345678]], [0.9, 0.7])
    assert str(e.value) == "traffic shares must be non-negative and sum to 1 (they sum to [1.0, 0.123457])"


def test_nonneg_missing_value_is_a_readable_value_error():
    with pytest.raises(ValueError, match=r"^x must be a finite number ≥ 0 \(got None\)$"):
        nonneg(x=None)


# ── moved out of notebook execute() (issue 13) ────────────────────────────────────────────────────
def test_accuracy_drop_is_before_minus_after():
    assert A.accuracy_drop(0.94, 0.86) == pytest.approx(0.08, rel=1e-12)
    assert A.accuracy_drop(0.86, 0.94) == pytest.approx(-0.08, rel=1e-12)
    assert economics.accuracy_drop is A.accuracy_drop


def test_decay_rate_between_uses_the_elapsed_time_between_the_readings():
    assert A.decay_rate_between(2, 0.94, 5, 0.88) == pytest.approx(math.log(0.94 / 0.88) / 3, rel=1e-12)
    assert A.decay_rate_between(2, 0.94, 5, 0.88) == pytest.approx(0.02198599, rel=1e-6)
    with pytest.raises(ValueError, match="elapsed"):
        A.decay_rate_between(5, 0.94, 2, 0.88)           # the second reading comes first
    assert ops_costs.decay_rate_between is A.decay_rate_between


def test_accuracy_at_decays_from_the_reading_time_not_from_zero():
    assert A.accuracy_at(12, 2, 0.9, 0.01) == pytest.approx(0.9 * math.exp(-0.10), rel=1e-12)
    assert A.accuracy_at(12, 2, 0.9, 0.01) == pytest.approx(0.8143536762, rel=1e-9)
    assert A.accuracy_at(2, 2, 0.9, 0.5) == 0.9
    assert ops_costs.accuracy_at is A.accuracy_at


def test_detection_lateness_is_noticed_minus_needed():
    assert A.detection_lateness(9, 14) == 5
    assert A.detection_lateness(14, 9) == -5              # noticed in time
    assert ops_costs.detection_lateness is A.detection_lateness
