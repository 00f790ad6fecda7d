"""Input validation and freshness checks (mlsysim.models.data_quality)."""
import datetime as dt
import math

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from mlsysim.models import data_quality as dq

RULES = [dq.column_exists("user_id"), dq.of_type("timestamp", "datetime"), dq.not_null("feature_a"),
         dq.between("age", 0, 120), dq.mean_between("purchase_amount", 10, 1000)]


def test_clean_batch_passes_every_rule():
    results = dq.validate(dq.make_batch(500, seed=1), RULES)
    assert all(r.passed for r in results)


def test_injected_faults_are_counted_and_named():
    batch = dq.make_batch(1_000, seed=2026, string_timestamps=3, null_feature=12, bad_ages=(-1, 212))
    exists, typ, null, rng, mean = dq.validate(batch, RULES)
    assert exists.passed and mean.passed
    assert (typ.failing, null.failing, rng.failing) == (3, 12, 2)
    assert "column 'timestamp'" in typ.message and "not datetime" in typ.message and "found str" in typ.message
    assert "column 'feature_a'" in null.message and "12 of 1,000 values (1.2%) are missing" in null.message
    assert "column 'age'" in rng.message and "outside [0, 120]" in rng.message
    assert set(rng.examples) == {-1, 212}


def test_batch_level_failures():
    batch = dq.make_batch(1_000, seed=7, purchase_scale=100, rename={"user_id": "userId"})
    exists, *_, mean = dq.validate(batch, RULES)
    assert not exists.passed and "column 'user_id' is missing" in exists.message and "'userId'" in exists.message
    assert not mean.passed and "above the upper bound" in mean.message
    assert mean.examples[0] == pytest.approx(np.mean(batch["purchase_amount"]))


def test_nulls_and_types():
    assert dq.is_null(None) and dq.is_null(float("nan")) and dq.is_null(np.datetime64("NaT"))
    assert not dq.is_null(0) and not dq.is_null("")
    table = {"x": [1, 2.5, True, "3", None]}
    r_int, r_float = dq.validate(table, [dq.of_type("x", "int"), dq.of_type("x", "float")])
    assert r_int.failing == 3                     # 2.5, True and "3" are not ints; None is skipped
    assert r_float.failing == 2                   # True and "3"
    r_between = dq.validate(table, [dq.between("x", 0, 10)])[0]
    assert r_between.failing == 2 and "not numbers" in r_between.message


def test_rule_construction_errors():
    with pytest.raises(ValueError, match="reversed"):
        dq.between("age", 120, 0)
    with pytest.raises(ValueError, match="unknown type"):
        dq.of_type("age", "decimal")
    with pytest.raises(TypeError):
        dq.validate([1, 2, 3], RULES)
    assert dq.between("age", 0, 120).describe() == "values between 0 and 120"


@settings(max_examples=50, deadline=None)
@given(st.lists(st.floats(-500, 500, allow_nan=False), min_size=1, max_size=60), st.floats(-100, 0), st.floats(0, 100))
def test_between_counts_exactly_the_values_outside(values, lo, hi):
    r = dq.validate({"v": values}, [dq.between("v", lo, hi)])[0]
    assert r.failing == sum(1 for v in values if not lo <= v <= hi)
    assert r.passed == (r.failing == 0)
    mean_rule = dq.validate({"v": values}, [dq.mean_between("v", lo, hi)])[0]
    assert mean_rule.passed == (lo <= float(np.mean(values)) <= hi)


def test_parse_duration():
    assert dq.parse_duration("6h") == 21_600
    assert dq.parse_duration("1h30m") == 5_400
    assert dq.parse_duration("2d") == 172_800
    assert dq.parse_duration(90) == 90
    for bad in ("six hours", "6x", "-3h", ""):
        with pytest.raises(ValueError, match="duration"):
            dq.parse_duration(bad)


def test_freshness_and_fallback():
    now = dt.datetime(2026, 3, 2, 12)
    value, res, fallback = dq.serve_feature("user_purchase_history", ["books"], now - dt.timedelta(hours=5),
                                            now, "6h", [])
    assert value == ["books"] and not fallback and not res.stale and "is fresh" in res.message
    value, res, fallback = dq.serve_feature("user_purchase_history", ["books"], now - dt.timedelta(hours=7),
                                            now, "6h", [])
    assert value == [] and fallback and res.stale
    assert "'user_purchase_history' is stale" in res.message and "7.0 h" in res.message and "6.0 h" in res.message
    assert dq.check_freshness("f", 0, 21_600, "6h").stale is False        # exactly at the limit is fresh
    with pytest.raises(ValueError, match="future"):
        dq.check_freshness("f", 100, 50, 10)
    with pytest.raises(TypeError):
        dq.check_freshness("f", now, 5, 10)


def test_notebook_tables_match_the_module():
    from notebook_ns import load_namespace

    ns = load_namespace("drift_lab")
    fails_a = [r.column for r in ns["results_a"] if not r.passed]
    fails_b = [r.column for r in ns["results_b"] if not r.passed]
    assert fails_a == ["timestamp", "feature_a", "age"] and fails_b == ["user_id", "purchase_amount"]
    assert ns["served"]["refreshed 7 h ago"][0] == ns["freshness_config"]["on_stale"]["default_value"]
    assert math.isclose(ns["slow"].year, 1 - 0.9998 ** 365)
