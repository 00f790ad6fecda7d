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


# ── exact results: every field of CheckResult / FreshnessResult, every message in full ───────────

def _one(table, rule):
    """Validate a single rule and return its CheckResult."""
    return dq.validate(table, [rule])[0]


def test_rule_builders_make_exact_rules():
    """Each builder yields the rule kind, column and args documented on Rule."""
    assert dq.column_exists("a") == dq.Rule("exists", "a", ())
    assert dq.not_null("a") == dq.Rule("not_null", "a", ())
    assert dq.of_type("a", "int") == dq.Rule("type", "a", ("int",))
    assert dq.between("a", 3, 3) == dq.Rule("between", "a", (3, 3))          # equal bounds are allowed
    assert dq.mean_between("a", -1, 2.5) == dq.Rule("mean_between", "a", (-1, 2.5))


def test_describe_every_kind():
    """describe() words each rule kind; numbers use _show (thousands separators, 4 significant digits)."""
    assert dq.of_type("t", "int").describe() == "values are of type int"
    assert dq.between("a", 0.5, 1e6).describe() == "values between 0.5 and 1,000,000"
    assert dq.mean_between("m", 10, 1000).describe() == "mean between 10 and 1,000"
    assert dq.column_exists("c").describe() == "column exists"
    assert dq.not_null("c").describe() == "no missing values"
    assert dq.Rule("custom", "c").describe() == "custom"                    # unknown kinds describe as themselves


def test_error_messages_are_exact():
    """Construction, validate and unknown-kind errors carry these exact messages."""
    with pytest.raises(ValueError) as err:
        dq.between("age", 120, 0)
    assert str(err.value) == "bounds for 'age' are reversed: 120 > 0"
    with pytest.raises(ValueError) as err:
        dq.mean_between("spend", 5, 1.5)
    assert str(err.value) == "bounds for 'spend' are reversed: 5 > 1.5"
    with pytest.raises(ValueError) as err:
        dq.of_type("age", "decimal")
    assert str(err.value) == "unknown type 'decimal'; use one of datetime, int, float, str"
    with pytest.raises(TypeError) as err:
        dq.validate([1, 2, 3], RULES)
    assert str(err.value) == "table must be a mapping from column name to a sequence of values"
    with pytest.raises(ValueError) as err:
        dq.validate({"x": [1]}, [dq.Rule("bogus", "x", (0, 1))])
    assert str(err.value) == "unknown rule kind 'bogus'"


def test_missing_column_lists_the_columns_present():
    """A missing column fails with the present columns (comma separated, or 'none') and zero counts."""
    rule = dq.column_exists("a")
    assert _one({"b": [1], "c": [2]}, rule) == dq.CheckResult(
        rule, False, "column 'a' is missing (columns present: 'b', 'c')", 0, 0, [])
    assert _one({}, rule) == dq.CheckResult(rule, False, "column 'a' is missing (columns present: none)", 0, 0, [])
    r = _one({}, rule)
    assert r.passed is False and r.column == "a"


def test_exists_result_is_exact():
    """exists passes with failing 0 and total = number of rows (missing values included)."""
    rule = dq.column_exists("a")
    r = _one({"a": [1, None, 3]}, rule)
    assert r == dq.CheckResult(rule, True, "column 'a' exists", 0, 3, [])
    assert r.passed is True and r.failing == 0 and r.total == 3


def test_not_null_results_are_exact():
    """not_null: clean column passes; None and NaN are both counted, with count and share in the message."""
    rule = dq.not_null("a")
    assert _one({"a": [1, 2]}, rule) == dq.CheckResult(rule, True, "column 'a': no missing values", 0, 2, [])
    assert _one({"a": [1, None, float("nan"), 4]}, rule) == dq.CheckResult(
        rule, False, "column 'a': 2 of 4 values (50.0%) are missing (rule: not null)", 2, 4, [])


def test_type_pass_message():
    """A column whose non-missing values all match passes with the 'all values are' message."""
    rule = dq.of_type("t", "datetime")
    table = {"t": [dt.datetime(2026, 1, 1), None, np.datetime64("2026-01-02")]}
    assert _one(table, rule) == dq.CheckResult(rule, True, "column 't': all values are datetime", 0, 3, [])


def test_int_type_failures_name_types_and_first_three_examples():
    """int rejects floats (even 4.0), bools, strings and datetimes; accepts numpy ints; examples are the
    first three offenders shown with repr for strings and str for other objects."""
    rule = dq.of_type("x", "int")
    when = dt.datetime(2026, 1, 1)
    table = {"x": [1, 2.5, True, "3", None, np.int64(7), when, 4.0]}
    r = _one(table, rule)
    assert r == dq.CheckResult(
        rule, False,
        "column 'x': 5 of 8 values (62.5%) are not int (found bool, datetime, float, str, e.g. 2.5, True, '3')",
        5, 8, [2.5, True, "3"])


def test_float_type_failures():
    """float accepts any real number (ints, numpy floats) but not bools or strings."""
    rule = dq.of_type("x", "float")
    r = _one({"x": [1, 2.5, np.float32(0.5), True, "x"]}, rule)
    assert r == dq.CheckResult(rule, False, "column 'x': 2 of 5 values (40.0%) are not float (found bool, str, "
                                            "e.g. True, 'x')", 2, 5, [True, "x"])


def test_non_numeric_examples_are_shown_with_str():
    """A datetime offender is shown via str(), not coerced to a number."""
    rule = dq.of_type("t", "str")
    r = _one({"t": [dt.datetime(2026, 1, 1, 12, 30)]}, rule)
    assert r.message == "column 't': 1 of 1 values (100.0%) are not str (found datetime, e.g. 2026-01-01 12:30:00)"


def test_between_pass_message():
    """Bounds are inclusive; the pass message names both bounds."""
    rule = dq.between("a", 0, 120)
    assert _one({"a": [0, 60.5, 120, None]}, rule) == dq.CheckResult(
        rule, True, "column 'a': all values within [0, 120]", 0, 4, [])
    assert _one({"a": [5, 5.0]}, dq.between("a", 5, 5)).passed is True


def test_between_out_of_range_and_non_numeric():
    """failing = outside + non-numbers; the message counts only the outside ones, shows three of them,
    then notes the non-numbers."""
    rule = dq.between("a", 0, 120)
    r = _one({"a": [-1, 5, 212, 130.5, "old", 1e6, None]}, rule)
    assert r == dq.CheckResult(
        rule, False, "column 'a': 4 of 7 values (57.1%) outside [0, 120] (e.g. -1, 212, 130.5); 1 are not numbers",
        5, 7, [-1, 212, 130.5])


def test_between_out_of_range_only():
    """Without non-numbers there is no '; … are not numbers' suffix."""
    rule = dq.between("a", 0, 100)
    assert _one({"a": [-3, 50]}, rule) == dq.CheckResult(
        rule, False, "column 'a': 1 of 2 values (50.0%) outside [0, 100] (e.g. -3)", 1, 2, [-3])


def test_between_non_numeric_only():
    """With only non-numbers failing there is no '(e.g. …)' part and no examples."""
    rule = dq.between("a", 0, 10)
    assert _one({"a": ["x", 5, "y"]}, rule) == dq.CheckResult(
        rule, False, "column 'a': 0 of 3 values (0.0%) outside [0, 10]; 2 are not numbers", 2, 3, [])


def test_mean_between_within():
    """Mean of the non-missing numbers (61 / 3) inside the bounds: passes, failing 0, no examples."""
    rule = dq.mean_between("m", 0.5, 1000)
    assert _one({"m": [10, 20, None, 31]}, rule) == dq.CheckResult(
        rule, True, "column 'm': mean 20.33 within [0.5, 1,000]", 0, 4, [])


def test_mean_between_below_and_above():
    """A failing mean says which bound it crossed; failing = total and the mean is the example."""
    rule = dq.mean_between("m", 10, 20)
    assert _one({"m": [1, 2]}, rule) == dq.CheckResult(
        rule, False, "column 'm': mean 1.5 outside [10, 20] — below the lower bound", 2, 2, [1.5])
    assert _one({"m": [100, 2000, "n/a"]}, rule) == dq.CheckResult(
        rule, False, "column 'm': mean 1,050 outside [10, 20] — above the upper bound", 3, 3, [1050.0])


def test_mean_between_with_no_numbers():
    """No numeric values: fails, every row counted as failing."""
    rule = dq.mean_between("m", 0, 1)
    assert _one({"m": ["a", None, "b"]}, rule) == dq.CheckResult(
        rule, False, "column 'm': no numeric values to average", 3, 3, [])


def test_mean_of_float32_column_is_computed_in_float64():
    """float32 values are averaged in float64: (2**24 + 1 + 1) / 3 = 5,592,406 exactly
    (a float32 accumulator would lose both 1s)."""
    rule = dq.mean_between("m", 0, 1e7)
    r = _one({"m": np.array([2**24, 1, 1], dtype=np.float32)}, rule)
    assert r == dq.CheckResult(rule, True, "column 'm': mean 5,592,406 within [0, 10,000,000]", 0, 3, [])


def test_count_helper_guards_zero_total():
    """_count omits the percentage when there are no values (avoids dividing by zero)."""
    assert dq._count(0, 0) == "0 of 0 values"
    assert dq._count(1234, 5000) == "1,234 of 5,000 values (24.7%)"


# ── freshness ──────────────────────────────────────────────────────────────────────────────────

def test_parse_duration_numbers():
    """Numbers are seconds: 0 and fractions are fine; negatives and non-finite values are rejected."""
    assert dq.parse_duration(0) == 0.0
    assert dq.parse_duration(0.5) == 0.5
    assert dq.parse_duration("1w") == 604_800 and dq.parse_duration(" 90S ") == 90
    for bad, shown in ((-3, "-3"), (float("inf"), "inf"), (float("nan"), "nan")):
        with pytest.raises(ValueError) as err:
            dq.parse_duration(bad)
        assert str(err.value) == f"duration must be a non-negative number of seconds, got {shown}"


def test_freshness_result_fields_at_zero_age():
    """Age exactly 0 is fresh (not 'in the future'); every field of the result is pinned."""
    assert dq.check_freshness("f", 0, 0, "6h") == dq.FreshnessResult(
        "f", 0.0, 21_600.0, False, "feature 'f' is fresh: 0.0 h old, limit 6.0 h")


def test_freshness_sub_second_age():
    """A half-second age is fresh and reported as such."""
    assert dq.check_freshness("f", 10, 10.5, 60) == dq.FreshnessResult(
        "f", 0.5, 60.0, False, "feature 'f' is fresh: 0.0 h old, limit 0.0 h")


def test_stale_datetime_feature_hours_and_fallback():
    """100 days = 8,640,000 s = 2,400.0 h against a one-week (168.0 h) limit; the default is served."""
    then, now = dt.datetime(2026, 1, 1), dt.datetime(2026, 4, 11)
    value, res, fallback = dq.serve_feature("g", 3.5, then, now, "1w", 0.0)
    assert (value, fallback) == (0.0, True)
    assert res == dq.FreshnessResult(
        "g", 8_640_000.0, 604_800.0, True,
        "feature 'g' is stale: last updated 2,400.0 h ago, limit 168.0 h; serving the default 0.0 instead")


def test_freshness_mixed_time_types_message():
    """Mixing a datetime with seconds raises a TypeError with this exact message."""
    with pytest.raises(TypeError) as err:
        dq.check_freshness("f", dt.datetime(2026, 1, 1), 5, 10)
    assert str(err.value) == "now and last_updated must both be datetimes or both be numbers of seconds"


# ── make_batch ─────────────────────────────────────────────────────────────────────────────────

def test_make_batch_defaults_are_pinned():
    """Default batch: 1,000 rows, seed 2026, hourly timestamps from 2026-01-01, ids 1…1000, ages 18–79,
    purchase amounts rounded to cents (first values from numpy's default_rng(2026))."""
    b = dq.make_batch()
    assert list(b) == ["user_id", "timestamp", "feature_a", "age", "purchase_amount"]
    assert all(len(col) == 1_000 for col in b.values())
    assert b["user_id"] == list(range(1, 1_001))
    assert b["timestamp"][:2] == [dt.datetime(2026, 1, 1, 0), dt.datetime(2026, 1, 1, 1)]
    assert b["timestamp"][-1] == dt.datetime(2026, 2, 11, 15)                # 999 h = 41 d 15 h later
    assert b["feature_a"][:3] == [-0.7931224751578991, 0.24057128353827487, -1.8963263495990657]
    assert b["age"][:5] == [66, 27, 45, 58, 39]
    assert (min(b["age"]), max(b["age"])) == (18, 79)
    assert b["purchase_amount"][:4] == [10.41, 41.48, 27.37, 79.75]
    assert all(round(v, 2) == v for v in b["purchase_amount"])
    assert b == dq.make_batch(1_000, 2026, purchase_scale=1.0)               # same seed, same batch


def test_make_batch_small_and_scaled():
    """user_id is 1…n for any n; purchase_scale multiplies every amount."""
    assert dq.make_batch(3, seed=9)["user_id"] == [1, 2, 3]
    clean, cents = dq.make_batch(50, seed=9), dq.make_batch(50, seed=9, purchase_scale=100)
    assert cents["purchase_amount"] == pytest.approx([100 * v for v in clean["purchase_amount"]])


def test_make_batch_default_defect_positions():
    """Defects are taken in order from one seeded permutation (default seed: rows 225, 34, 983, 255, 986, …):
    string timestamps first, then NaN features, then bad ages; other values are untouched."""
    clean = dq.make_batch()
    b = dq.make_batch(string_timestamps=2, null_feature=2, bad_ages=(-1,))
    assert [i for i, t in enumerate(b["timestamp"]) if isinstance(t, str)] == [34, 225]
    assert b["timestamp"][225] == "2026-01-10T09:00:00"                     # row 225 = 9 days 9 hours in
    assert [i for i, v in enumerate(b["feature_a"]) if math.isnan(v)] == [255, 983]
    assert [i for i, (a, c) in enumerate(zip(b["age"], clean["age"])) if a != c] == [986]
    assert b["age"][986] == -1
    assert b["purchase_amount"] == clean["purchase_amount"] and b["user_id"] == clean["user_id"]


def test_make_batch_defects_partition_the_rows():
    """When the defect counts add up to n_rows, every row gets exactly one defect (no overlap, none lost)."""
    b = dq.make_batch(10, seed=5, string_timestamps=4, null_feature=3, bad_ages=(-1, 200, 999))
    strs = {i for i, t in enumerate(b["timestamp"]) if isinstance(t, str)}
    nans = {i for i, v in enumerate(b["feature_a"]) if math.isnan(v)}
    ages = {i for i, a in enumerate(b["age"]) if a in (-1, 200, 999)}
    assert (len(strs), len(nans), len(ages)) == (4, 3, 3)
    assert strs | nans | ages == set(range(10))
