"""Parameters as a course or a curious student passes them (issue 10, item 6).

`python -m mlsysim.nbrun NOTEBOOK -o DIR -p NAME=VALUE` and papermill: a misspelt name is refused with
the list of valid names, a bad value is one line naming the parameter the user passed (not the class
field behind it) with a readable unit, and `--list` prints every parameter with default, unit and range.
"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "book" / "retraining_economics.ipynb"


def _nbrun(*args, cwd=ROOT):
    return subprocess.run([sys.executable, "-m", "mlsysim.nbrun", *map(str, args)], capture_output=True,
                          text=True, cwd=cwd, timeout=300)


def test_an_unknown_parameter_is_refused_with_the_valid_names(tmp_path):
    nb = new_notebook(cells=[new_code_cell("seed = 1\nex_drift_rate = 0.04", metadata={"tags": ["parameters"]}),
                             new_code_cell("raise SystemExit('must not run')")])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    path = tmp_path / "nb.ipynb"
    nbformat.write(nb, path)
    out = _nbrun(path, "-o", tmp_path / "out", "-p", "ex_drift_rat=0.05")
    assert out.returncode == 2, out.stderr
    line = [x for x in out.stderr.splitlines() if x.startswith("FAILED")][0]
    assert "no parameter 'ex_drift_rat' (did you mean 'ex_drift_rate'?)" in line, line
    assert "its parameters are: seed, ex_drift_rate" in line and "--list" in line
    assert not (tmp_path / "out" / "nb.ipynb").exists()


def test_a_bad_value_names_the_parameter_passed_and_reads_per_day(tmp_path):
    out = _nbrun(NOTEBOOK, "-o", tmp_path, "-p", "ex_drift_rate=-1", cwd=tmp_path)
    assert out.returncode == 1
    line = [x for x in out.stderr.splitlines() if x.startswith("FAILED")][0]
    assert line.endswith("ParamError: ex_drift_rate = -1 is out of range; it must be a number between 0.0001 "
                         "and 1 per day."), line
    assert "RetrainingInterval" not in out.stderr and "Traceback" not in out.stderr


def test_list_prints_default_unit_and_range(tmp_path):
    out = _nbrun("--list", NOTEBOOK, cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    text = out.stdout
    assert "4 parameters" in text and "seed = 2026" in text
    assert "ex_drift_rate = 0.04 per day  (Drift rate λ)" in text, text
    assert "allowed: a number between 0.0001 and 1 per day" in text
    assert "ex_retrain_cost = 20,000 USD per run" in text


def test_papermill_shows_the_one_line_message_not_a_traceback(tmp_path):
    pytest.importorskip("papermill")
    out_nb = tmp_path / "out.ipynb"
    run = subprocess.run([sys.executable, "-m", "papermill", str(NOTEBOOK), str(out_nb), "-p", "ex_drift_rate", "-1",
                          "--cwd", str(tmp_path)], capture_output=True, text=True, timeout=300)
    assert run.returncode != 0
    assert "ParamError: ex_drift_rate = -1 is out of range; it must be a number between 0.0001 and 1 per day." \
        in run.stderr
    errors = [o for c in nbformat.read(out_nb, as_version=4).cells if c.cell_type == "code"
              for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert len(errors) == 1
    assert errors[0]["traceback"] == ["ParamError: ex_drift_rate = -1 is out of range; it must be a number between "
                                      "0.0001 and 1 per day."]
