"""Coursework grader against hostile or broken submissions, on a tiny notebook so kernels are cheap:
a kernel that dies, output that never stops, a memory bomb, a forged identity, an answer key that
cannot be computed, and a submission that modifies the library while it is being graded."""
import json
import re

import nbformat
import pytest

from mlsysim.course import grade as grade_mod
from mlsysim.course.__main__ import main

CELLS = [
    ([], "from mlsysim.calc import Calculation, Param\n"
         "from mlsysim.course import Draw, NumericExercise, variant"),
    (["parameters"], "ex_rate = 0.1"),
    ([], "class Toy(Calculation):\n"
         "    rate = Param(0.1, lo=0.01, hi=1.0, log=True, label='Rate')\n"
         "    def execute(self):\n"
         "        self.days = 1 / self.rate\n"
         "inputs = variant(ex_rate=Draw(Toy.rate, lo=0.02, hi=0.5, sig=3))"),
    (["exercise-key"], "ex1 = NumericExercise('ex1', key=lambda: Toy(rate=ex_rate).days, tol=0.01, unit='days')"),
    (["answer"], "answer_ex1 = None"),
    (["self-check"], "ex1.check(answer_ex1)"),
]
STUDENTS = ["ok", "dies", "floods", "greedy", "forged", "nokey", "tripwire"]


@pytest.fixture(scope="module")
def toy(tmp_path_factory):
    root = tmp_path_factory.mktemp("toy")
    nb = nbformat.v4.new_notebook(metadata={"kernelspec": {"name": "python3", "display_name": "Python 3",
                                                           "language": "python"}})
    for tags, src in CELLS:
        cell = nbformat.v4.new_code_cell(src)
        cell.metadata["tags"] = tags
        nb.cells.append(cell)
    nbformat.write(nb, root / "toy.ipynb")
    (root / "roster.csv").write_text("student_id\n" + "\n".join(STUDENTS) + "\n")
    assert main(["assign", "--notebook", str(root / "toy.ipynb"), "--roster", str(root / "roster.csv"),
                 "--out", str(root / "dist"), "--seed", "7"]) == 0
    return root


def submission(toy, sid, answer=None, extra=None):
    nb = nbformat.read(toy / "dist" / f"{sid}.ipynb", as_version=4)
    rate = json.loads((toy / "dist" / "params.json").read_text())["students"][sid]["params"]["ex_rate"]
    for cell in nb.cells:
        if "answer" in cell.metadata.get("tags", []):
            cell.source = f"answer_ex1 = {answer if answer is not None else repr(1 / rate)}"
    if extra:
        nb.cells.append(nbformat.v4.new_code_cell(extra))
    return nb


def test_hostile_submissions_are_contained(toy, tmp_path):
    subs = tmp_path / "subs"
    subs.mkdir()
    rec = json.loads((toy / "dist" / "params.json").read_text())
    rec["students"]["nokey"]["params"]["ex_rate"] = 5.0          # outside Toy.rate: the key cannot be computed
    (tmp_path / "params.json").write_text(json.dumps(rec))
    nbformat.write(submission(toy, "ok"), subs / "ok.ipynb")
    nbformat.write(submission(toy, "dies", extra="import os\nos._exit(3)"), subs / "dies.ipynb")
    nbformat.write(submission(toy, "floods", extra="while True:\n    print('x' * 10000)"), subs / "floods.ipynb")
    nbformat.write(submission(toy, "greedy", extra="hog = bytearray(6 * 10**9)"), subs / "greedy.ipynb")
    nb = submission(toy, "forged")
    nb.metadata["mlsysim_course"]["student"] = "ok"
    nbformat.write(nb, subs / "forged.ipynb")
    nbformat.write(submission(toy, "nokey"), subs / "nokey.ipynb")
    out = tmp_path / "grades.csv"
    assert main(["grade", "--submissions", str(subs), "--params", str(tmp_path / "params.json"),
                 "--key-notebook", str(toy / "toy.ipynb"), "--out", str(out), "--timeout", "8"]) == 0
    assert out.read_text() == (
        "student,ex1,total,status\n"
        "ok,1,1,ok\n"
        "dies,0,0,kernel-died\n"
        "floods,0,0,timeout\n"
        "greedy,1,1,cell-error\n"
        "forged,1,1,identity-mismatch\n"
        "nokey,0,0,params-altered;key-error\n"
        "tripwire,0,0,missing\n")
    fb = tmp_path / "grades-feedback"
    assert "MemoryError" in (fb / "greedy.md").read_text()
    assert "more output than the grader keeps" in (fb / "floods.md").read_text()
    assert "the kernel died" in (fb / "dies.md").read_text()
    assert "metadata says it belongs to 'ok'" in (fb / "forged.md").read_text()
    assert re.search(r"key could not be computed|key notebook raised", (fb / "nokey.md").read_text())


def test_a_submission_that_changes_the_library_stops_grading(toy, tmp_path, monkeypatch, capsys):
    """Simulated: the tripwire sees the package hash change after a submission ran."""
    subs = tmp_path / "subs"
    subs.mkdir()
    nbformat.write(submission(toy, "tripwire"), subs / "tripwire.ipynb")
    hashes = iter(["before", "after"])
    monkeypatch.setattr(grade_mod, "_package_hash", lambda: next(hashes))
    out = tmp_path / "grades.csv"
    code = main(["grade", "--submissions", str(subs), "--params", str(toy / "dist" / "params.json"),
                 "--out", str(out), "--timeout", "20"])
    err = capsys.readouterr().err
    assert code == 2 and "the mlsysim package changed on disk while grading" in err and "tripwire" in err
    assert not out.exists() and not (tmp_path / "grades-feedback").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["subs"]
