"""The inline-value regression check (tests/nbval_inline.py) fails when a printed number moves."""
import copy
import os
import subprocess
import sys
from pathlib import Path

import nbformat

from nbval_inline import mismatches, stored_values

ROOT = Path(__file__).resolve().parent.parent


def run_nbval(nb_path: Path, *extra: str):
    env = {**os.environ, "PYTHONPATH": str(ROOT / "tests")}
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "nbval_inline", *(extra or ("-p", "no:randomly")),
                           "-p", "no:cacheprovider", "--rootdir", str(nb_path.parent), "-c", os.devnull,
                           "--nbval", str(nb_path)], capture_output=True, text=True, env=env, cwd=nb_path.parent)


def tiny_notebook(code: str, stored: str):
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell(code),
        nbformat.v4.new_markdown_cell("A third is {eval}`share`.", metadata={"user_expressions": [
            {"expression": "share", "result": {"status": "ok", "data": {"text/plain": stored}, "metadata": {}}}]}),
    ]
    return nb


def test_a_changed_formula_fails_with_notebook_expression_and_both_values(tmp_path):
    ok = tmp_path / "ok.ipynb"
    nbformat.write(tiny_notebook("from mlsysim.fmt import fmt\nshare = fmt(1 / 3, 2)", "0.33"), ok)
    assert run_nbval(ok).returncode == 0
    moved = tmp_path / "moved.ipynb"   # the same prose, a planted bug in the formula
    nbformat.write(tiny_notebook("from mlsysim.fmt import fmt\nshare = fmt(1 / 4, 2)", "0.33"), moved)
    run = run_nbval(moved)
    assert run.returncode != 0
    assert "moved.ipynb" in run.stdout and "{eval}`share` stored '0.33', now '0.25'" in run.stdout


def test_a_changed_stored_value_of_a_book_notebook_fails(tmp_path):
    nb = nbformat.read(ROOT / "book" / "retraining_economics.ipynb", as_version=4)
    cell = next(c for c in nb.cells if c.metadata.get("user_expressions"))
    item = cell.metadata["user_expressions"][0]
    old = item["result"]["data"]["text/plain"]
    item["result"]["data"]["text/plain"] = old + "0"
    nbformat.write(nb, tmp_path / "retraining_economics.ipynb")
    run = run_nbval(tmp_path / "retraining_economics.ipynb")
    assert run.returncode != 0
    assert f"{{eval}}`{item['expression']}` stored {old + '0'!r}, now {old!r}" in run.stdout


def test_mismatches_lists_missing_and_changed_values():
    nb = tiny_notebook("", "1")
    nb.cells.append(nbformat.v4.new_markdown_cell("{eval}`other`"))
    stored = stored_values(nb)
    assert stored == {"share": [(1, "1")], "other": [(2, None)]}
    assert mismatches(stored, {"share": "1", "other": "2"}) == [
        "markdown cell 2: {eval}`other` has no stored value (now '2')"]
    assert mismatches(copy.deepcopy(stored), {"share": "2", "other": None})[0] == \
        "markdown cell 1: {eval}`share` stored '1', now '2'"


def test_random_test_order_keeps_each_notebooks_cells_in_order(tmp_path):
    """pytest-randomly shuffles tests; a notebook's cells share one kernel and must still run in order."""
    nb = tiny_notebook("", "8")  # share = d, an int: its text/plain is 8
    nb.cells[0].source = "a = 1"
    nb.cells[1:1] = [nbformat.v4.new_code_cell(f"{v} = {u} * 2") for u, v in zip("abc", "bcd")]
    nb.cells.insert(4, nbformat.v4.new_code_cell("share = d"))
    nbformat.write(nb, tmp_path / "chain.ipynb")
    for seed in (1, 2, 3, 4):
        run = run_nbval(tmp_path / "chain.ipynb", "-p", "randomly", f"--randomly-seed={seed}")
        assert run.returncode == 0, run.stdout[-2000:]
        assert "6 passed" in run.stdout


def test_svg_figures_are_not_compared_like_png(tmp_path):
    """Stored notebooks keep no figures (stored_form); a cell that draws an SVG figure must still pass."""
    nb = tiny_notebook("share = 1", "1")
    nb.cells.insert(1, nbformat.v4.new_code_cell(
        "from IPython.display import SVG, display\n"
        "display(SVG('<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"4\" height=\"4\"/>'))",
        execution_count=2,
        outputs=[nbformat.v4.new_output("display_data", data={"text/plain": "<IPython.core.display.SVG object>"})]))
    nbformat.write(nb, tmp_path / "figure.ipynb")
    run = run_nbval(tmp_path / "figure.ipynb")
    assert run.returncode == 0, run.stdout[-2000:]
