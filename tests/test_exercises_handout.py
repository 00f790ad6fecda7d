"""Every section's exercises can be handed out without key material (no kernel: fast).

For each book notebook with exercises, ``assign``'s transformation (``student_notebook``) must accept
it — key code confined to cells tagged ``exercise-key`` — and its result must hold no exercise
declaration, no key function or helper, no key-reading call, and a key-free check for every exercise.
The values ``assign`` would put in the checks are dummies here; ``tests/test_course_e2e.py`` runs the
real thing on the pilot section.
"""
import ast
from pathlib import Path

import nbformat
import pytest

from mlsysim.course.assign import CHECK_TAG, KEY_TAG, student_notebook
from mlsysim.course.common import CourseError

BOOK = Path(__file__).resolve().parent.parent / "book"
NOTEBOOKS = sorted(p.name for p in BOOK.glob("*.ipynb")
                   if KEY_TAG in p.read_text(encoding="utf-8"))


def static_spec(nb):
    """Exercise ids and kinds read from the key cells' source (what spec_json would report)."""
    spec, helpers = [], set()
    for cell in nb.cells:
        if KEY_TAG not in cell.metadata.get("tags", []):
            continue
        tree = ast.parse(cell.source)
        helpers |= {n.name for n in tree.body if isinstance(n, ast.FunctionDef)}
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and getattr(node.func, "id", "") in ("NumericExercise", "ChoiceExercise"):
                eid = node.args[0].value
                spec.append({"id": eid, "kind": "numeric" if node.func.id == "NumericExercise" else "choice",
                             "points": 1, "title": "", "tol": 0.01, "abs_tol": 0.0, "unit": "",
                             "options": ["a", "b"], "explain_var": f"explain_{eid}", "partial": []})
    return spec, helpers


def test_every_section_with_exercises_is_covered():
    assert len(NOTEBOOKS) >= 19


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_handout_holds_no_key_code(name):
    nb = nbformat.read(BOOK / name, as_version=4)
    spec, helpers = static_spec(nb)
    assert len(spec) >= 2, name
    out = student_notebook(nb, spec, {e["id"]: (1.0, 2.0) for e in spec}, name)
    text = nbformat.writes(out)
    for token in ("NumericExercise(", "ChoiceExercise(", ".key(", "keys_json", KEY_TAG, "lambda:", *helpers):
        assert token not in text, (name, token)
    checks = [c for c in out.cells if CHECK_TAG in c.metadata.get("tags", [])]
    declared = {e["id"] for e in spec}
    assert {line.split(" = ")[0] for c in checks for line in c.source.splitlines() if " = " in line} == declared


def test_key_code_outside_key_cells_is_refused():
    nb = nbformat.read(BOOK / "retraining_economics.ipynb", as_version=4)
    spec, helpers = static_spec(nb)
    assert helpers == {"_ex3_key"}
    nb.cells.append(nbformat.v4.new_code_cell("print(ex1.key())"))
    with pytest.raises(CourseError, match="declares or calls an answer key outside a cell tagged 'exercise-key'"):
        student_notebook(nb, spec, {e["id"]: (1.0, 2.0) for e in spec}, "x.ipynb")
    nb.cells[-1].source = "print(_ex3_key())"
    with pytest.raises(CourseError, match="uses _ex3_key, defined in a cell tagged 'exercise-key'"):
        student_notebook(nb, spec, {e["id"]: (1.0, 2.0) for e in spec}, "x.ipynb")
