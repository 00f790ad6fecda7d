"""Coursework: drawing variant inputs (reproducible, in range, log-uniform where declared) and
papermill-style parameter injection."""
import math

import nbformat
import numpy as np
import pytest
from scipy import stats

from mlsysim.calc import Param
from mlsysim.course import Draw
from mlsysim.course.params import (
    INJECTED_TAG,
    assigned_values,
    draw_value,
    draw_variant,
    inject_parameters,
    parameters_source,
    rng_for,
    round_sig,
    stable_hash,
)

SPECS = {
    "cost": {"lo": 2_000, "hi": 200_000, "log": True, "integer": False, "sig": 2},
    "rate": {"lo": 0.005, "hi": 0.2, "log": True, "integer": False, "sig": 3},
    "accuracy": {"lo": 0.5, "hi": 1.0, "log": False, "integer": False, "sig": 3},
    "replicas": {"lo": 1, "hi": 12, "log": False, "integer": True, "sig": 3},
}


def test_stable_hash_is_fixed_across_processes():
    # A literal value: Python's hash() would change with PYTHONHASHSEED; this must never change.
    assert stable_hash("alice") == 0x2BD806C97F0E00AF
    assert stable_hash("alice") != stable_hash("alicf")


def test_same_inputs_same_variant_and_independent_of_other_students():
    a = draw_variant(SPECS, 2026, "retraining_economics", "alice")
    assert a == draw_variant(SPECS, 2026, "retraining_economics", "alice")
    # the roster order or other students cannot matter: each student has an own stream
    _ = [draw_variant(SPECS, 2026, "retraining_economics", s) for s in ("zoe", "bob")]
    assert a == draw_variant(SPECS, 2026, "retraining_economics", "alice")
    assert a != draw_variant(SPECS, 2027, "retraining_economics", "alice")
    assert a != draw_variant(SPECS, 2026, "retraining_economics", "bob")
    assert a != draw_variant(SPECS, 2026, "other_section", "alice")
    assert a != draw_variant(SPECS, 2026, "retraining_economics", "alice", attempt=1)


def test_adding_an_input_does_not_change_the_others():
    a = draw_variant(SPECS, 7, "nb", "s1")
    b = draw_variant({**SPECS, "extra": {"lo": 1, "hi": 2, "log": False, "sig": 3}}, 7, "nb", "s1")
    assert {k: b[k] for k in a} == a


def test_values_inside_range_rounded_and_typed():
    for i in range(300):
        v = draw_variant(SPECS, 1, "nb", f"s{i}")
        for name, spec in SPECS.items():
            assert spec["lo"] <= v[name] <= spec["hi"], (name, v[name])
        assert isinstance(v["replicas"], int) and not isinstance(v["replicas"], bool)
        assert v["cost"] == round_sig(v["cost"], 2) and v["rate"] == round_sig(v["rate"], 3)


def test_log_params_are_log_uniform_and_linear_params_are_not():
    rng_specs = {"rate": {"lo": 1e-4, "hi": 1.0, "log": True, "sig": 6},
                 "lin": {"lo": 1e-4, "hi": 1.0, "log": False, "sig": 6}}
    draws = [draw_variant(rng_specs, 2026, "nb", f"student-{i}") for i in range(2000)]
    logs = np.log10([d["rate"] for d in draws])
    # log10 of a log-uniform draw on [1e-4, 1] is uniform on [-4, 0]
    assert stats.kstest((logs + 4) / 4, "uniform").pvalue > 0.001
    # ... about a quarter of the draws fall in each decade, unlike a linear draw
    assert 0.2 < np.mean(logs < -3) < 0.3
    lin = np.array([d["lin"] for d in draws])
    assert stats.kstest((lin - 1e-4) / (1 - 1e-4), "uniform").pvalue > 0.001
    assert np.mean(lin < 1e-3) < 0.01
    assert stats.kstest((np.log10(lin) + 4) / 4, "uniform").pvalue < 1e-6


def test_integer_and_degenerate_ranges():
    rng = rng_for(3, "x")
    assert {draw_value({"lo": 2, "hi": 4, "integer": True}, rng) for _ in range(200)} == {2, 3, 4}
    assert draw_value({"lo": 5.0, "hi": 5.0}, rng) == 5.0
    vals = {draw_value({"lo": 1, "hi": 1000, "integer": True, "log": True}, rng) for _ in range(500)}
    assert min(vals) >= 1 and max(vals) <= 1000 and sum(v < 10 for v in vals) >= 5


def test_rng_rejects_bad_seed():
    for bad in (-1, 1.5, True, "3"):
        with pytest.raises(ValueError, match="seed"):
            rng_for(bad, "a")


def test_draw_follows_param_range_scale_and_label():
    p = Param(0.02, unit="1/day", lo=1e-4, hi=1.0, log=True, label="Drift rate λ")
    d = Draw(p)
    assert (d.lo, d.hi, d.log, d.label, d.unit) == (1e-4, 1.0, True, "Drift rate λ", "1/day")
    narrowed = Draw(p, lo=0.005, hi=0.2, sig=2)
    assert narrowed.spec() == {"lo": 0.005, "hi": 0.2, "log": True, "integer": False, "sig": 2}
    with pytest.raises(ValueError, match="must lie inside the Param's valid range"):
        Draw(p, lo=1e-6)
    with pytest.raises(ValueError, match="needs a finite range"):
        Draw(Param(1.0))
    with pytest.raises(ValueError, match="log-scaled and needs lo > 0"):
        Draw(lo=0, hi=1, log=True)


def _nb():
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("import math"),
                nbformat.v4.new_code_cell("a = 1\nb = 0.5"),
                nbformat.v4.new_code_cell("print(a + b)")]
    nb.cells[1].metadata["tags"] = ["parameters", "remove-input"]
    return nb


def test_inject_after_parameters_cell_and_replace_on_reinjection():
    nb = _nb()
    out = inject_parameters(nb, {"a": 3, "b": 0.0123})
    assert len(nb.cells) == 3, "the input notebook is not modified"
    assert [c.metadata.get("tags", []) for c in out.cells][1:3] == [["parameters", "remove-input"], [INJECTED_TAG]]
    assert out.cells[2].source == "# Parameters\na = 3\nb = 0.0123\n"
    assert out.metadata["papermill"]["parameters"] == {"a": 3, "b": 0.0123}
    again = inject_parameters(out, {"a": 4})
    assert len(again.cells) == 4 and again.cells[2].source.endswith("a = 4\n")
    nbformat.validate(again)


def test_injection_matches_papermill_placement():
    from papermill.parameterize import parameterize_notebook

    nb = _nb()
    nb.metadata["kernelspec"] = {"name": "python3", "language": "python", "display_name": "Python 3"}
    for cell in nb.cells:
        cell.metadata.setdefault("tags", [])                 # papermill expects these keys (it adds them on load)
    nb.metadata["papermill"] = nbformat.NotebookNode()
    pm = parameterize_notebook(nb, {"a": 3})
    ours = inject_parameters(nb, {"a": 3})
    assert [c.metadata.get("tags") or [] for c in pm.cells] == [c.metadata.get("tags") or [] for c in ours.cells]
    assert assigned_values(pm.cells[2].source) == assigned_values(ours.cells[2].source) == {"a": 3}


def test_injected_values_round_trip_exactly():
    values = {"x": 0.1 + 0.2, "n": 12, "s": "text", "f": 1e-7}
    assert assigned_values(parameters_source(values)) == values
    with pytest.raises(ValueError, match="non-finite"):
        parameters_source({"x": math.inf})
    with pytest.raises(ValueError, match="identifier"):
        parameters_source({"not valid": 1})


def test_assigned_values_flags_expressions():
    assert assigned_values("a = 1\nb: float = 2.5\nc = a * 2\n") == {"a": 1, "b": 2.5, "c": "<expr: a * 2>"}
    with pytest.raises(SyntaxError):
        assigned_values("a = = 1")
