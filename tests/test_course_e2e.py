"""Coursework end to end on the pilot section: assign variants to a small roster, fill them in the
ways students do (right, wrong, broken, hostile, endless, tampered), grade, and check the exact CSV.

The correct answers are computed here from the *recorded* inputs with the notebook's own
``RetrainingInterval`` class — the same class that feeds the book's prose."""
import csv
import io
import json
import re
import shutil
from pathlib import Path

import nbformat
import pytest

from mlsysim.course.__main__ import main
from notebook_ns import load_namespace

BOOK_NB = Path(__file__).resolve().parent.parent / "book" / "retraining_economics.ipynb"
STUDENTS = ["s01", "s02", "s03", "s04", "s05", "s06", "s07", "s08"]
TIMEOUT = 30          # per notebook; the endless loop costs this much once


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    root = tmp_path_factory.mktemp("course")
    (root / "roster.csv").write_text("student_id,name\n" + "".join(f"{s},Student {s}\n" for s in STUDENTS))
    assert main(["assign", "--notebook", str(BOOK_NB), "--roster", str(root / "roster.csv"),
                 "--out", str(root / "dist"), "--seed", "2026"]) == 0
    return root


def model_answers(params: dict):
    calc = load_namespace("retraining_economics")["RetrainingInterval"](
        retrain_cost=params["ex_retrain_cost"], query_volume=params["ex_query_volume"],
        drift_rate=params["ex_drift_rate"])
    choice = "square-root law" if abs(calc.law_error) <= 0.05 else "exact optimum"
    return calc.T_sqrt, calc.T_exact, choice


def record(course):
    return json.loads((course / "dist" / "params.json").read_text())


def test_variants_are_reproducible_in_range_and_carry_no_answers(course, tmp_path):
    rec = record(course)
    assert list(rec["students"]) == STUDENTS
    assert [e["id"] for e in rec["exercises"]] == ["ex1", "ex2", "ex3"]
    spec = rec["variant"]
    for sid, entry in rec["students"].items():
        for name, value in entry["params"].items():
            assert spec[name]["lo"] <= value <= spec[name]["hi"], (sid, name, value)
        text = (course / "dist" / f"{sid}.ipynb").read_text()
        nb = nbformat.reads(text, as_version=4)
        assert all(c.outputs == [] and c.execution_count is None for c in nb.cells if c.cell_type == "code")
        assert "widgets" not in nb.metadata and "user_expressions" not in text
        assert nb.metadata.mlsysim_course.student == sid
        injected = [c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", [])]
        assert len(injected) == 1
        for name, value in entry["params"].items():
            assert f"{name} = {value!r}" in injected[0].source
        for key in model_answers(entry["params"])[:2]:        # no key value, in any usual spelling
            for spelled in (repr(key), f"{key:.4g}", f"{key:.3f}", f"{key:.2f}"):
                assert spelled not in text, (sid, spelled)
    assert len({json.dumps(e["params"]) for e in rec["students"].values()}) == len(STUDENTS)
    # same roster + seed → byte-identical output; another seed → other inputs
    assert main(["assign", "--notebook", str(BOOK_NB), "--roster", str(course / "roster.csv"),
                 "--out", str(tmp_path / "again"), "--seed", "2026"]) == 0
    for f in sorted((course / "dist").iterdir()):
        assert (tmp_path / "again" / f.name).read_bytes() == f.read_bytes(), f.name
    other = json.loads((tmp_path / "again" / "params.json").read_text())
    assert other["students"] == rec["students"]


def set_answers(nb, **code):
    """Replace ``answer_exN = …`` / ``explain_exN = …`` lines in the answer cells."""
    for cell in nb.cells:
        if "answer" not in cell.metadata.get("tags", []):
            continue
        for var, src in code.items():
            cell.source = re.sub(rf"^{var} = .*$", f"{var} = {src}", cell.source, flags=re.M)


def add_cell(nb, source):
    nb.cells.append(nbformat.v4.new_code_cell(source))


def test_grading_end_to_end(course, tmp_path):
    rec = record(course)
    dist, subs = course / "dist", tmp_path / "submitted"
    subs.mkdir()
    params_copy = tmp_path / "params.json"
    shutil.copy(dist / "params.json", params_copy)
    out = tmp_path / "grades.csv"

    def load(sid):
        return nbformat.read(dist / f"{sid}.ipynb", as_version=4)

    def correct(sid):
        t_sqrt, t_exact, choice = model_answers(rec["students"][sid]["params"])
        return {"answer_ex1": repr(t_sqrt), "answer_ex2": repr(t_exact), "answer_ex3": repr(choice),
                "explain_ex3": repr(f"{sid}: λT* decides it")}

    # s01: everything right
    nb = load("s01")
    set_answers(nb, **correct("s01"))
    nbformat.write(nb, subs / "s01.ipynb")
    # s02: wrong number, text instead of a number, the other decision
    t_sqrt, _, choice = model_answers(rec["students"]["s02"]["params"])
    nb = load("s02")
    set_answers(nb, answer_ex1=repr(t_sqrt * 1.1), answer_ex2='"abc"',
                answer_ex3=repr("exact optimum" if choice == "square-root law" else "square-root law"))
    nbformat.write(nb, subs / "s02.ipynb")
    # s03: right answers, then a hostile cell that tries to overwrite other inputs and outputs, and raises
    nb = load("s03")
    set_answers(nb, **correct("s03"))
    add_cell(nb, "from pathlib import Path\n"
                 f"for victim in [{str(subs / 's01.ipynb')!r}, {str(params_copy)!r}, {str(out)!r}]:\n"
                 "    Path(victim).write_text('{\"hacked\": true}')\n"
                 "1 / 0")
    nbformat.write(nb, subs / "s03.ipynb")
    # s04: right answers, then a loop that never ends
    nb = load("s04")
    set_answers(nb, **correct("s04"))
    add_cell(nb, "while True:\n    pass")
    nbformat.write(nb, subs / "s04.ipynb")
    # s05: edits the injected drift rate and answers for the edited inputs (ex3 happens to be right)
    p = dict(rec["students"]["s05"]["params"])
    nb = load("s05")
    inj = next(c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", []))
    inj.source = inj.source.replace(f"ex_drift_rate = {p['ex_drift_rate']!r}", f"ex_drift_rate = {p['ex_drift_rate'] * 2!r}")
    t_sqrt, t_exact, _ = model_answers({**p, "ex_drift_rate": p["ex_drift_rate"] * 2})
    set_answers(nb, answer_ex1=repr(t_sqrt), answer_ex2=repr(t_exact), answer_ex3=correct("s05")["answer_ex3"])
    nbformat.write(nb, subs / "s05.ipynb")
    # s06: not a notebook at all; s07: hands nothing in
    (subs / "s06.ipynb").write_text("{ this is not a notebook", encoding="utf-8")
    # s08: a numpy number, two unanswered, and an input reassigned in a later cell
    nb = load("s08")
    set_answers(nb, answer_ex1=f"__import__('numpy').float64({correct('s08')['answer_ex1']})")
    add_cell(nb, "ex_drift_rate = 0.05")
    nbformat.write(nb, subs / "s08.ipynb")
    # a file from someone not on the roster, and a stray non-notebook
    shutil.copy(subs / "s01.ipynb", subs / "mallory.ipynb")
    (subs / "notes.txt").write_text("not a notebook")

    code = main(["grade", "--submissions", str(subs), "--params", str(params_copy), "--out", str(out),
                 "--timeout", str(TIMEOUT), "--jobs", "2"])
    assert code == 0
    assert out.read_text() == (
        "student,ex1,ex2,ex3,total,status\n"
        "s01,2,2,1,5,ok\n"
        "s02,0,0,0,0,ex2:non-numeric\n"
        "s03,2,2,1,5,cell-error\n"
        "s04,0,0,0,0,timeout\n"
        "s05,0,0,1,1,params-altered\n"
        "s06,0,0,0,0,unreadable\n"
        "s07,0,0,0,0,missing\n"
        "s08,2,0,0,2,params-altered;ex2:missing;ex3:missing\n")

    fb = tmp_path / "grades-feedback"
    assert sorted(p.name for p in fb.iterdir()) == sorted([f"{s}.md" for s in STUDENTS]
                                                          + ["explanations.csv", "report.md"])
    s02 = (fb / "s02.md").read_text()
    assert "✘ incorrect (outside ±1%)" in s02 and "the text 'abc' is not a number" in s02
    assert "ZeroDivisionError" in (fb / "s03.md").read_text()
    assert re.search(r"Cell \d+ was still running when the time limit \(30 s", (fb / "s04.md").read_text())
    assert "ex_drift_rate was changed from" in (fb / "s05.md").read_text()
    assert "could not be read as a notebook" in (fb / "s06.md").read_text()
    assert "no submission was found" in (fb / "s07.md").read_text()
    assert "at the end of the run instead of the assigned" in (fb / "s08.md").read_text()
    report = (fb / "report.md").read_text()
    assert "mallory.ipynb: no student with id 'mallory' in the roster" in report and "- notes.txt" in report
    rows = list(csv.reader(io.StringIO((fb / "explanations.csv").read_text())))
    assert rows[0] == ["student", "exercise", "choice", "explanation"]
    assert ["s01", "ex3", correct("s01")["answer_ex3"].strip("'"), "s01: λT* decides it"] in rows
    # the hostile cell did run (its files changed) but changed nobody's grade
    assert (subs / "s01.ipynb").read_text() == '{"hacked": true}'
