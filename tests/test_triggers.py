"""Triggered retraining: configuration parsing, windowed metrics, firing rules, and the explorer."""
import math

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from mlsysim.models import drift, triggers
from mlsysim.models.triggers import DailyBatch, Reference, Trigger, TriggerConfigError
from notebook_ns import load_namespace

SOURCE_YAML = """
triggers:
  - metric: accuracy
    threshold: 0.05
    window: 7d
  - metric: feature_drift_psi
    threshold: 0.2
    features: [user_age_bucket, purchase_amount_bin]
  - metric: prediction_distribution_shift
    threshold: 0.1
    window: 24h
"""


def test_parse_window():
    assert triggers.parse_window("7d") == 7 and triggers.parse_window("24h") == 1
    assert triggers.parse_window("48h") == 2 and triggers.parse_window(3) == 3
    for bad, msg in (("36h", "whole number of days"), ("7 weeks", "not understood"), ("0d", "at least one")):
        with pytest.raises(TriggerConfigError, match=msg):
            triggers.parse_window(bad)


def test_load_source_config():
    acc, psi, shift = triggers.load_config(SOURCE_YAML)
    assert acc == Trigger("accuracy", 0.05, 7)
    assert psi == Trigger("feature_drift_psi", 0.2, 1, ("user_age_bucket", "purchase_amount_bin"))
    assert shift == Trigger("prediction_distribution_shift", 0.1, 1)
    assert acc.describe() == "accuracy drop > 0.05 over a 7-day window"
    assert Trigger("accuracy", 0.05, 7, persist_days=2).describe().endswith("held 2 days in a row")


@pytest.mark.parametrize("config, message", [
    ({"triggers": []}, "non-empty"),
    ({"triggers": [{"metric": "latency", "threshold": 1}]}, "trigger 1: unknown metric 'latency'"),
    ({"triggers": [{"metric": "feature_drift_psi", "threshold": 0.2}]}, "needs a 'features' list"),
    ({"triggers": [{"metric": "accuracy", "threshold": -0.05}]}, "threshold must be a positive number"),
    ({"triggers": [{"metric": "accuracy", "threshold": 5}]}, "must be below 1"),
    ({"triggers": [{"threshold": 5}]}, "needs a 'metric'"),
])
def test_bad_configs_get_readable_errors(config, message):
    with pytest.raises(TriggerConfigError, match=message):
        triggers.load_config(config)


def test_feature_psi_on_codes_hand_checked():
    # e = (0.5, 0.5), a = (0.25, 0.75): PSI = −0.25·ln 0.5 + 0.25·ln 1.5 = 0.25·ln 3
    assert triggers.feature_psi(np.array([0, 0, 1, 1]), np.array([0, 1, 1, 1])) == pytest.approx(0.25 * math.log(3))
    # a category never seen in training goes to an extra bin, so it counts as drift
    assert triggers.feature_psi(np.array([0, 1] * 50), np.array([0, 1, 2, 2] * 25)) > 1
    assert triggers.feature_psi(np.array([0, 1, 1]), np.array([1, 0, 1])) == pytest.approx(0)
    x = np.random.default_rng(0).normal(size=1000)
    assert triggers.feature_psi(x, x + 1.0) == pytest.approx(drift.psi(x, x + 1.0, bins=10))


def _days(correct_per_day, preds=None):
    return [DailyBatch({"f": np.array([0, 1])}, np.array(preds if preds is not None else [0.2, 0.8]),
                       np.array(c, dtype=bool)) for c in correct_per_day]


def test_accuracy_window_hand_checked():
    ref = Reference({"f": np.array([0, 1])}, np.array([0.2, 0.8]), accuracy=0.9)
    days = _days([[1] * 9 + [0]] * 3 + [[1] * 6 + [0] * 4] * 3)         # 0.9, 0.9, 0.9, then 0.6 ×3
    trig = Trigger("accuracy", 0.05, window_days=3)
    values, _ = triggers.window_values(trig, ref, days)
    assert np.isnan(values[:2]).all()
    assert values[2:] == pytest.approx([0.0, 0.1, 0.2, 0.3])           # windows 0.9, 0.8, 0.7, 0.6
    (res,) = triggers.evaluate_triggers([trig], ref, days)
    assert res.days_fired == [3, 4, 5] and res.first_day == 3
    assert res.reason(3) == "fires: 3-day accuracy drop 0.100 > 0.05"
    assert res.reason(2) == "quiet: 3-day accuracy drop 0.000 ≤ 0.05"
    assert res.reason(0) == "not evaluated (needs 3 days of data)"
    rel, _ = triggers.window_values(Trigger("accuracy", 0.05, 3, relative=True), ref, days)
    assert rel[3] == pytest.approx(0.1 / 0.9)


def test_days_without_labels_are_not_evaluated():
    ref = Reference({"f": np.array([0])}, np.array([0.5]), accuracy=0.9)
    days = _days([[], [], [1, 0]])
    values, _ = triggers.window_values(Trigger("accuracy", 0.05, 1), ref, days)
    assert np.isnan(values[0]) and np.isnan(values[1]) and values[2] == pytest.approx(0.4)


def test_threshold_is_strict_and_prediction_shift_uses_ks():
    ref = Reference({"f": np.array([0, 1])}, np.array([0.1, 0.2, 0.3, 0.4]), accuracy=0.9)
    same = DailyBatch({"f": np.array([0, 1])}, np.array([0.1, 0.2, 0.3, 0.4]))
    moved = DailyBatch({"f": np.array([0, 1])}, np.array([0.3, 0.4, 0.5, 0.6]))        # D = 0.5
    (res,) = triggers.evaluate_triggers([Trigger("prediction_distribution_shift", 0.5)], ref, [same, moved])
    assert res.values == pytest.approx([0.0, 0.5]) and not res.fired.any()              # 0.5 is not > 0.5
    (res,) = triggers.evaluate_triggers([Trigger("prediction_distribution_shift", 0.49)], ref, [same, moved])
    assert res.days_fired == [1] and res.reason(1) == "fires: KS statistic of scores = 0.500 > 0.49"


def test_psi_trigger_names_the_worst_feature_and_checks_features():
    ref = Reference({"a": np.array([0, 1] * 50), "b": np.array([0, 1] * 50)}, np.array([0.5]), 0.9)
    day = DailyBatch({"a": np.array([0, 1] * 50), "b": np.array([1] * 90 + [0] * 10)}, np.array([0.5]))
    (res,) = triggers.evaluate_triggers([Trigger("feature_drift_psi", 0.2, 1, ("a", "b"))], ref, [day])
    assert res.fired[0] and res.detail[0] == "b" and res.reason(0).startswith("fires: PSI of b = ")
    with pytest.raises(TriggerConfigError, match="feature 'c'"):
        triggers.evaluate_triggers([Trigger("feature_drift_psi", 0.2, 1, ("c",))], ref, [day])


def test_persistence_and_day_ranges():
    above = [True, False, True, True, True, False, True]
    assert triggers.persistent(above, 1).tolist() == above
    assert triggers.persistent(above, 2).tolist() == [False, False, False, True, True, False, False]
    assert triggers.persistent(above, 3).tolist() == [False] * 4 + [True, False, False]
    assert triggers.day_ranges([8, 37, 38, 39]) == "9, 38–40"
    assert triggers.day_ranges([]) == "never" and triggers.day_ranges([0], base=0) == "0"


@settings(max_examples=60, deadline=None)
@given(st.lists(st.booleans(), max_size=40), st.integers(1, 6))
def test_persistence_only_removes_firings(above, k):
    strict = triggers.persistent(above, k)
    assert not np.any(strict & ~np.asarray(above, dtype=bool))
    assert np.array_equal(triggers.persistent(above, k + 1) & ~strict, np.zeros(len(above), dtype=bool))


def test_triggered_retraining_scenario_and_explorer():
    ns = load_namespace("pipelines")
    standard = ns["standard"]
    assert standard.triggers == triggers.load_config(SOURCE_YAML)
    assert standard.first + 1 == ns["INCIDENT_DAY"]                  # the incident starts the first retraining
    assert ns["persistent"].first + 1 > ns["INCIDENT_DAY"]
    ex = ns["policy_explorer"]
    assert "pipeline incident" in ex.message.value                    # soft warning in the default state
    before = ex.text.value
    ex.sliders["persist_days"].value = 2
    assert ex.text.value != before and "pipeline incident" not in ex.message.value
    ex.set(shift_threshold="5")
    assert "shift_threshold = 5" in ex.error and "between 0.01 and 0.9" in ex.error
    ex.set(persist_days="1")
    ex.set(accuracy_drop="0.5")
    ex.set(psi_threshold="2")
    ex.set(shift_threshold="0.9")
    assert ex.error is None and "No trigger fires" in ex.message.value
    ex.set(accuracy_drop="0.05")
    ex.set(psi_threshold="0.2")
    ex.set(shift_threshold="0.1")
    assert ex.calc.first == standard.first


# ── boundaries, branches and messages pinned by the mutation run (docs/mutation.md) ─────────────
import re  # noqa: E402

from mlsysim.models.triggers import TriggerResult  # noqa: E402


def _cfg_error(message):
    return pytest.raises(TriggerConfigError, match="^" + re.escape(message) + "$")


def test_config_reads_relative_and_persist_and_lists():
    (t,) = triggers.load_config({"triggers": [{"metric": "accuracy", "threshold": 0.1, "relative": True,
                                               "persist": "2d", "window": "48h"}]})
    assert t == Trigger("accuracy", 0.1, 2, (), True, 2)
    (plain,) = triggers.load_config([{"metric": "accuracy", "threshold": 0.1}])    # a bare list works too
    assert plain.relative is False and plain.persist_days == 1
    assert type(triggers.parse_window("48h")) is int


@pytest.mark.parametrize("config, message", [
    ({"triggers": []}, "the configuration needs a non-empty 'triggers' list"),
    ({"triggers": [{"metric": "latency", "threshold": 1}]},
     "trigger 1: unknown metric 'latency'; use one of " + ", ".join(triggers.METRICS)),
    ({"triggers": [{"metric": "accuracy", "threshold": 0}]},
     "trigger 1 (accuracy): threshold must be a positive number, got 0"),
    ({"triggers": [{"metric": "accuracy", "threshold": float("nan")}]},
     "trigger 1 (accuracy): threshold must be a positive number, got nan"),
    ({"triggers": [{"metric": "accuracy", "threshold": True}]},
     "trigger 1 (accuracy): threshold must be a positive number, got True"),
    ({"triggers": [{"metric": "accuracy", "threshold": 1}]}, "trigger 1 (accuracy): threshold must be below 1, got 1"),
    ({"triggers": [{"metric": "prediction_distribution_shift", "threshold": 1.5}]},
     "trigger 1 (prediction_distribution_shift): threshold must be below 1, got 1.5"),
    ({"triggers": [{"metric": "prediction_distribution_shift", "threshold": 1}]},
     "trigger 1 (prediction_distribution_shift): threshold must be below 1, got 1"),
])
def test_config_messages_in_full(config, message):
    with _cfg_error(message):
        triggers.load_config(config)


def test_psi_thresholds_may_exceed_one_and_windows_must_be_whole_days():
    (t,) = triggers.load_config({"triggers": [{"metric": "feature_drift_psi", "threshold": 1.5, "features": ["x"]}]})
    assert t.threshold == 1.5
    with _cfg_error("window '36h' is not a whole number of days; monitoring data arrive as daily batches"):
        triggers.parse_window("36h")


def test_describe_every_kind():
    assert Trigger("accuracy", 0.05, 1).describe() == "accuracy drop > 0.05 over a 24-hour window"
    assert Trigger("accuracy", 0.05, 2, relative=True).describe() == "accuracy relative drop > 0.05 over a 2-day window"
    assert Trigger("feature_drift_psi", 0.2, 1, ("a", "b")).describe() == "PSI > 0.2 on a, b (24-hour window)"
    assert Trigger("prediction_distribution_shift", 0.1, 3).describe() == \
        "prediction KS statistic > 0.1 over a 3-day window"


def test_persistent_default_and_message():
    assert triggers.persistent([True, False, True]).tolist() == [True, False, True]
    with pytest.raises(ValueError, match="^k must be at least 1$"):
        triggers.persistent([True], 0)


def test_reason_texts():
    t = Trigger("accuracy", 0.05, 7, relative=True)
    r = TriggerResult(t, np.array([0.05, 0.06, np.nan]), np.array([False, True, False]), ["", "", ""])
    assert r.reason(0) == "quiet: 7-day relative accuracy drop 0.050 ≤ 0.05"      # equal is not above
    assert r.reason(1) == "fires: 7-day relative accuracy drop 0.060 > 0.05"
    assert r.reason(2) == "not evaluated (needs 7 days of data)"
    p = TriggerResult(Trigger("feature_drift_psi", 0.2, 1, ("x",)), np.array([0.3]), np.array([True]), ["x"])
    assert p.reason(0) == "fires: PSI of x = 0.300 > 0.2"


def test_evaluate_names_the_worst_psi_feature_and_leaves_other_details_empty():
    rng = np.random.default_rng(3)
    ref = Reference({"a": rng.normal(size=2_000), "b": rng.normal(size=2_000)}, rng.random(2_000), 0.9)
    batches = [DailyBatch({"a": rng.normal(3, 1, 500), "b": rng.normal(0.2, 1, 500)}, rng.random(500),
                          np.array([True, False, True, True])) for _ in range(2)]
    yaml_text = ("triggers:\n  - {metric: feature_drift_psi, threshold: 0.2, features: [a, b]}\n"
                 "  - {metric: accuracy, threshold: 0.05}\n  - {metric: prediction_distribution_shift, threshold: 0.5}\n")
    psi_r, acc_r, ks_r = triggers.evaluate_triggers(yaml_text, ref, batches)
    assert psi_r.detail == ["a", "a"] and bool(psi_r.fired.all())
    assert psi_r.values[0] == pytest.approx(drift.psi(ref.features["a"], batches[0].features["a"], bins=10))
    assert acc_r.detail == ["", ""] and acc_r.values.tolist() == pytest.approx([0.15, 0.15])
    assert ks_r.detail == ["", ""]
    assert ks_r.values[0] == pytest.approx(drift.ks(ref.predictions, batches[0].predictions))


def test_feature_psi_uses_codes_only_when_both_sides_are_codes():
    ref, cur = np.array([0, 1] * 50), np.linspace(0, 1, 100)
    assert triggers.feature_psi(ref, cur) == pytest.approx(drift.psi(ref.astype(float), cur, bins=10))


def test_days_before_a_full_window_have_no_detail():
    rng = np.random.default_rng(4)
    ref = Reference({"a": rng.normal(size=200)}, rng.random(200), 0.9)
    batches = [DailyBatch({"a": rng.normal(size=50)}, rng.random(50), np.array([True, False]))]
    (acc,) = triggers.evaluate_triggers(
        {"triggers": [{"metric": "accuracy", "threshold": 0.05, "window": "2d"}]}, ref, batches)
    assert acc.detail == [""] and math.isnan(acc.values[0])
    (one,) = triggers.evaluate_triggers({"triggers": [{"metric": "accuracy", "threshold": 0.05}]}, ref,
                                        [DailyBatch({"a": rng.normal(size=5)}, rng.random(5))])
    assert one.detail == [""] and math.isnan(one.values[0])                  # no labels yet
