"""Coursework end to end on the pilot section: assign variants to a small roster, check that the
student notebooks carry no key material, fill them in the ways students do (right, wrong, broken,
hostile, endless, tampered), hand them in under the file names LMSs give them, grade in the
sandbox, and check the exact CSV, the LMS exports, merged manual scores and the late penalty.

The correct answers are computed here from the *recorded* inputs with the notebook's own
``RetrainingInterval`` class — the same class that feeds the book's prose."""
import csv
import io
import json
import os
import re
import shutil
from pathlib import Path

import nbformat
import pytest
from notebook_ns import load_namespace

from mlsysim.course.__main__ import main

BOOK_NB = Path(__file__).resolve().parent.parent / "book" / "retraining_economics.ipynb"
STUDENTS = ["s01", "s02", "s03", "s04", "s05", "s06", "s07", "s08"]
TIMEOUT = 30          # per notebook; the endless loop costs this much once


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    root = tmp_path_factory.mktemp("course")
    (root / "roster.csv").write_text("student_id,name\n" + "".join(f"{s},Student {s}\n" for s in STUDENTS))
    assert main(["assign", "--notebook", str(BOOK_NB), "--roster", str(root / "roster.csv"),
                 "--out", str(root / "dist"), "--seed", "2026", "--secret-file", str(root / "secret.key")]) == 0
    return root


def model_answers(params: dict):
    calc = load_namespace("retraining_economics")["RetrainingInterval"](
        retrain_cost=params["ex_retrain_cost"], query_volume=params["ex_query_volume"],
        drift_rate=params["ex_drift_rate"])
    choice = "square-root law" if abs(calc.law_error) <= 0.05 else "exact optimum"
    return calc.T_sqrt, calc.T_exact, choice


def record(course):
    return json.loads((course / "dist" / "instructor" / "params.json").read_text())


def student_file(course, sid):
    return course / "dist" / "students" / f"{sid}.ipynb"


def spellings(key: float):
    return {repr(key), f"{key:.6g}", f"{key:.5g}", f"{key:.4g}", f"{key:.3f}", f"{key:.2f}"}


def key_code_lines():
    """Every meaningful line of the book notebook's exercise-key cells."""
    nb = nbformat.read(BOOK_NB, as_version=4)
    lines = set()
    for c in nb.cells:
        if "exercise-key" in c.metadata.get("tags", []):
            lines |= {ln.strip() for ln in c.source.splitlines() if len(ln.strip()) > 12 and not ln.strip().startswith("#")}
    assert len(lines) >= 6
    return lines


def test_student_notebooks_hold_no_key_material(course, tmp_path):
    """Every cell, output and metadata of what students receive — before and after running it."""
    from mlsysim.course.runner import run_notebook

    rec = record(course)
    assert sorted(p.name for p in (course / "dist").iterdir()) == ["instructor", "students"]
    assert sorted(p.name for p in (course / "dist" / "students").iterdir()) == [f"{s}.ipynb" for s in STUDENTS]
    code = key_code_lines()
    forbidden = ["NumericExercise(", "ChoiceExercise(", "key=", ".key(", "keys_json", "exercise-key", "_ex3_key",
                 "assign_variants"]
    for sid in STUDENTS[:3]:
        text = student_file(course, sid).read_text()
        nb = nbformat.reads(text, as_version=4)
        keys = rec["students"][sid]["keys"]
        everything = [json.dumps(nb.metadata)] + [json.dumps(c) for c in nb.cells]
        for k in (keys["ex1"], keys["ex2"]):
            for spelled in spellings(k):
                assert spelled not in text, (sid, spelled)
        for blob in everything:
            assert not any(f in blob for f in forbidden), (sid, [f for f in forbidden if f in blob])
            for line in code:
                assert json.dumps(line)[1:-1] not in blob, (sid, line)
        checks = [c for c in nb.cells if "exercise-check" in c.metadata.get("tags", [])]
        assert len(checks) == 3 and "plausible=" in checks[0].source
        # executed as the student would: the checks exist, hold no key, and the registry is empty
        run = run_notebook(nb, timeout=120, workdir=str(tmp_path), expressions={
            "attrs": "[hasattr(e, a) for e in (ex1, ex2, ex3) for a in ('key', 'grade', '_key')]",
            "registry": "__import__('mlsysim.course.exercises', fromlist=['x']).keys_json()"})
        assert run.status == "ok" and run.errors == [], run.errors
        assert run.expressions["attrs"]["text"] == "[False, False, False, False, False, False, False, False, False]"
        assert run.expressions["registry"]["text"] == "'{}'"
        executed = nbformat.writes(nb)
        for k in (keys["ex1"], keys["ex2"]):
            for spelled in spellings(k):
                assert spelled not in executed, (sid, spelled)
        assert "not answered yet" in executed


def test_variants_are_reproducible_in_range_and_carry_no_answers(course, tmp_path):
    rec = record(course)
    assert list(rec["students"]) == STUDENTS
    assert [e["id"] for e in rec["exercises"]] == ["ex1", "ex2", "ex3"]
    spec = rec["variant"]
    for sid, entry in rec["students"].items():
        for name, value in entry["params"].items():
            assert spec[name]["lo"] <= value <= spec[name]["hi"], (sid, name, value)
        text = student_file(course, sid).read_text()
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
    # same roster + seed + secret → byte-identical output
    assert main(["assign", "--notebook", str(BOOK_NB), "--roster", str(course / "roster.csv"),
                 "--out", str(tmp_path / "again"), "--seed", "2026", "--secret-file", str(course / "secret.key")]) == 0
    for f in sorted((course / "dist").rglob("*.*")):
        assert (tmp_path / "again" / f.relative_to(course / "dist")).read_bytes() == f.read_bytes(), f.name
    other = json.loads((tmp_path / "again" / "instructor" / "params.json").read_text())
    assert other["students"] == rec["students"]


def set_answers(nb, **code):
    """Replace ``answer_exN = …`` / ``explain_exN = …`` lines in the answer cells."""
    for cell in nb.cells:
        if "answer" not in cell.metadata.get("tags", []):
            continue
        for var, src in code.items():
            cell.source = re.sub(rf"^{var} = .*$", f"{var} = {src}", cell.source, flags=re.MULTILINE)


def add_cell(nb, source):
    nb.cells.append(nbformat.v4.new_code_cell(source))


def test_grading_end_to_end(course, tmp_path):
    rec = record(course)
    subs = tmp_path / "submitted"
    subs.mkdir()
    params = course / "dist" / "instructor" / "params.json"
    out = tmp_path / "grades.csv"

    def load(sid):
        return nbformat.read(student_file(course, sid), as_version=4)

    def correct(sid):
        t_sqrt, t_exact, choice = model_answers(rec["students"][sid]["params"])
        return {"answer_ex1": repr(t_sqrt), "answer_ex2": repr(t_exact), "answer_ex3": repr(choice),
                "explain_ex3": repr(f"{sid}: λT* decides it")}

    # the keys in the signed record are the ones the book's class gives for the recorded inputs
    for sid in STUDENTS:
        t_sqrt, t_exact, choice = model_answers(rec["students"][sid]["params"])
        assert rec["students"][sid]["keys"] == {"ex1": t_sqrt, "ex2": t_exact, "ex3": choice}

    # s01: everything right; Canvas renamed a resubmission
    nb = load("s01")
    set_answers(nb, **correct("s01"))
    nbformat.write(nb, subs / "s01 (1).ipynb")
    # s02: wrong number, text instead of a number, the other decision; the student renamed the file
    t_sqrt, _, choice = model_answers(rec["students"]["s02"]["params"])
    nb = load("s02")
    set_answers(nb, answer_ex1=repr(t_sqrt * 1.1), answer_ex2='"abc"',
                answer_ex3=repr("exact optimum" if choice == "square-root law" else "square-root law"))
    nbformat.write(nb, subs / "S02.ipynb")
    # s03: right answers, then a hostile cell that tries to overwrite other inputs and outputs (Canvas naming)
    nb = load("s03")
    set_answers(nb, **correct("s03"))
    add_cell(nb, "from pathlib import Path\n"
                 f"for victim in [{str(subs / 's01 (1).ipynb')!r}, {str(params)!r}, {str(out)!r}]:\n"
                 "    Path(victim).write_text('{\"hacked\": true}')\n"
                 "1 / 0")
    nbformat.write(nb, subs / "doe_jane_123456_789_s03.ipynb")
    # s04: right answers, then a loop that never ends (Moodle folder per student)
    nb = load("s04")
    set_answers(nb, **correct("s04"))
    add_cell(nb, "while True:\n    pass")
    (subs / "Jane Roe_4242_assignsubmission_file_").mkdir()
    nbformat.write(nb, subs / "Jane Roe_4242_assignsubmission_file_" / "s04.ipynb")
    # s05: edits the injected drift rate and answers for the edited inputs (ex3 happens to be right);
    # Gradescope export: a folder per submission, any file name, identity only in the notebook
    p = dict(rec["students"]["s05"]["params"])
    nb = load("s05")
    inj = next(c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", []))
    inj.source = inj.source.replace(f"ex_drift_rate = {p['ex_drift_rate']!r}", f"ex_drift_rate = {p['ex_drift_rate'] * 2!r}")
    t_sqrt, t_exact, _ = model_answers({**p, "ex_drift_rate": p["ex_drift_rate"] * 2})
    set_answers(nb, answer_ex1=repr(t_sqrt), answer_ex2=repr(t_exact), answer_ex3=correct("s05")["answer_ex3"])
    (subs / "submission_9981").mkdir()
    nbformat.write(nb, subs / "submission_9981" / "homework.ipynb")
    (subs / "submission_9981" / "submission_metadata.yml").write_text(":submitters: []\n")
    # s06: not a notebook at all; s07: hands nothing in
    (subs / "s06.ipynb").write_text("{ this is not a notebook", encoding="utf-8")
    # s08: a numpy number, two unanswered, and an input reassigned in a later cell; an older draft too
    nb = load("s08")
    set_answers(nb, answer_ex1=f"__import__('numpy').float64({correct('s08')['answer_ex1']})")
    add_cell(nb, "ex_drift_rate = 0.05")
    nbformat.write(nb, subs / "s08.ipynb")
    nbformat.write(load("s08"), subs / "s08_draft.ipynb")
    os.utime(subs / "s08_draft.ipynb", (1_600_000_000, 1_600_000_000))
    # a notebook that belongs to nobody on the roster, and a stray non-notebook
    shutil.copy(BOOK_NB, subs / "mallory.ipynb")
    (subs / "notes.txt").write_text("not a notebook")
    # hand-graded explanations and late days
    (tmp_path / "manual.csv").write_text("student_id,exercise,points\ns01,ex3,1\ns03,ex3,0.5\n")
    (tmp_path / "late.csv").write_text("student_id,days_late\ns03,1.5\ns01,0\n")

    code = main(["grade", "--submissions", str(subs), "--params", str(params), "--out", str(out),
                 "--secret-file", str(course / "secret.key"), "--timeout", str(TIMEOUT), "--jobs", "2",
                 "--manual", str(tmp_path / "manual.csv"), "--late", str(tmp_path / "late.csv")])
    assert code == 0
    assert out.read_text() == (
        "student,ex1,ex2,ex3,ex3:manual,late_penalty,total,status\n"
        "s01,2,2,1,1,0,6,ok\n"
        "s02,0,0,0,,0,0,ex2:non-numeric\n"
        "s03,2,2,1,0.5,1.1,4.4,cell-error;late\n"
        "s04,0,0,0,,0,0,timeout\n"
        "s05,0,0,1,,0,1,params-altered\n"
        "s06,0,0,0,,0,0,unreadable\n"
        "s07,0,0,0,,0,0,missing\n"
        "s08,2,0,0,,0,2,params-altered;ex2:missing;ex3:missing\n")

    fb = tmp_path / "grades-feedback"
    assert sorted(p.name for p in fb.iterdir()) == sorted([f"{s}.md" for s in STUDENTS] + [
        "explanations.csv", "report.md", "canvas.csv", "gradescope.csv"])
    s02 = (fb / "s02.md").read_text()
    assert "✘ incorrect (outside ±1%)" in s02 and "the text 'abc' is not a number" in s02
    assert "right order of magnitude" in s02                 # the self-check's hint, in the feedback
    s03 = (fb / "s03.md").read_text()
    assert "FileNotFoundError" in s03 and "2 day(s) late" not in s03 and "1.5 day(s) late" in s03
    assert re.search(r"Cell \d+ was still running when the time limit \(30 s", (fb / "s04.md").read_text())
    assert "ex\\_drift\\_rate was changed from" in (fb / "s05.md").read_text() or \
        "ex_drift_rate was changed from" in (fb / "s05.md").read_text()
    assert "could not be read as a notebook" in (fb / "s06.md").read_text()
    assert "no submission was found" in (fb / "s07.md").read_text()
    assert "at the end of the run instead of the assigned" in (fb / "s08.md").read_text()
    report = (fb / "report.md").read_text()
    assert "- mallory.ipynb: it records no student of this roster and its file name names none" in report
    assert "- notes.txt" in report and "submission\\_metadata" not in report
    assert "- s08: s08.ipynb, s08\\_draft.ipynb" in report                 # duplicates, newest graded
    assert "- s06: s06.ipynb" in report                                      # matched by file name only
    rows = list(csv.reader(io.StringIO((fb / "explanations.csv").read_text())))
    assert rows[0] == ["student_id", "exercise", "choice", "explanation", "points"]
    assert ["s01", "ex3", correct("s01")["answer_ex3"].strip("'"), "s01: λT* decides it", ""] in rows
    canvas = list(csv.reader(io.StringIO((fb / "canvas.csv").read_text())))
    assert canvas[0][:5] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
    assert canvas[0][5].startswith("retraining_economics (") and canvas[1] == ["Student s01", "", "s01", "", "", "6"]
    gradescope = list(csv.reader(io.StringIO((fb / "gradescope.csv").read_text())))
    assert gradescope[0] == ["Name", "SID", "Email", "Total Score"] and gradescope[3] == ["Student s03", "s03", "", "4.4"]
    # the hostile cell could not reach anything outside its sandbox
    assert nbformat.read(subs / "s01 (1).ipynb", as_version=4).metadata.mlsysim_course.student == "s01"
    assert json.loads(params.read_text())["signature"] == rec["signature"]
