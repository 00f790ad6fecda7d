"""Coursework CLI: invalid instructor inputs give one clear message, exit status 2, and write nothing.

All of these are refused before a kernel starts, so the tests are fast."""
import json
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from mlsysim.course.__main__ import main

BOOK_NB = Path(__file__).resolve().parent.parent / "book" / "retraining_economics.ipynb"


def run_cli(capsys, *args):
    try:
        code = main([str(a) for a in args])
    except SystemExit as exc:                       # argparse's own errors
        code = exc.code
    err = capsys.readouterr().err
    return code, err


def leftovers(folder: Path):
    return sorted(p.name for p in folder.iterdir() if p.name.startswith(".") or p.name == "dist")


def roster(tmp_path, text, name="roster.csv", binary=False):
    p = tmp_path / name
    p.write_bytes(text) if binary else p.write_text(text, encoding="utf-8")
    return p


@pytest.mark.parametrize("content, message", [
    ("", "is empty: it needs a header row with 'student_id'"),
    ("student_id,name\n", "is empty: it has a header but no students"),
    ("student_id,name\nalice,A\nbob,B\nbob,Bobby\n", "duplicate student id 'bob' (lines 3 and 4)"),
    ("student_id,name\nalice,A,extra\n", "is malformed: line 2 has 3 fields, the header has 2"),
    ('student_id,name\n"alice,A\n', "is malformed CSV: unexpected end of data"),
    ("name,email\nAlice,a@x.org\n", "has no 'student_id' column (found: name, email)"),
    ("student_id\n../../etc\n", "student id '../../etc' must be 1–64 letters"),
    ("student_id\n \n", "is empty: it has a header but no students"),
])
def test_assign_rejects_bad_rosters(tmp_path, capsys, content, message):
    r = roster(tmp_path, content)
    code, err = run_cli(capsys, "assign", "--notebook", BOOK_NB, "--roster", r, "--out", tmp_path / "dist",
                        "--seed", 2026)
    assert code == 2
    assert err.startswith("error: roster ") and message in err and err.count("\n") == 1, err
    assert leftovers(tmp_path) == []


def test_assign_rejects_binary_roster(tmp_path, capsys):
    r = roster(tmp_path, b"\xff\xfe\x00s\x00t", binary=True)
    code, err = run_cli(capsys, "assign", "--notebook", BOOK_NB, "--roster", r, "--out", tmp_path / "dist",
                        "--seed", "1")
    assert code == 2 and "is not a UTF-8 text file" in err and leftovers(tmp_path) == []


def test_assign_rejects_unknown_or_unusable_notebooks(tmp_path, capsys):
    r = roster(tmp_path, "student_id\nalice\n")
    code, err = run_cli(capsys, "assign", "--notebook", tmp_path / "nope.ipynb", "--roster", r,
                        "--out", tmp_path / "dist", "--seed", "1")
    assert code == 2 and err == f"error: notebook {tmp_path / 'nope.ipynb'} does not exist\n"
    (tmp_path / "broken.ipynb").write_text("{ not json", encoding="utf-8")
    code, err = run_cli(capsys, "assign", "--notebook", tmp_path / "broken.ipynb", "--roster", r,
                        "--out", tmp_path / "dist", "--seed", "1")
    assert code == 2 and "cannot be read" in err
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1")])
    nbformat.write(nb, tmp_path / "plain.ipynb")
    code, err = run_cli(capsys, "assign", "--notebook", tmp_path / "plain.ipynb", "--roster", r,
                        "--out", tmp_path / "dist", "--seed", "1")
    assert code == 2 and "has no cell tagged 'parameters'" in err
    code, err = run_cli(capsys, "assign", "--notebook", tmp_path / "roster.csv", "--roster", r,
                        "--out", tmp_path / "dist", "--seed", "1")
    assert code == 2 and "is not a notebook (.ipynb)" in err
    assert leftovers(tmp_path) == []


def test_assign_rejects_existing_output_and_bad_seed(tmp_path, capsys):
    r = roster(tmp_path, "student_id\nalice\n")
    (tmp_path / "dist").mkdir()
    (tmp_path / "dist" / "keep.txt").write_text("mine")
    code, err = run_cli(capsys, "assign", "--notebook", BOOK_NB, "--roster", r, "--out", tmp_path / "dist",
                        "--seed", "1")
    assert code == 2 and "already exists and is not empty" in err
    assert [p.name for p in (tmp_path / "dist").iterdir()] == ["keep.txt"]
    code, err = run_cli(capsys, "assign", "--notebook", BOOK_NB, "--roster", r, "--out", tmp_path / "d2",
                        "--seed", "-3")
    assert code == 2 and "the seed must not be negative" in err and not (tmp_path / "d2").exists()


def _record(tmp_path, secret: Path):
    from mlsysim.course.common import load_secret, sign_record

    rec = {"format": "mlsysim-course/2", "assignment": "x", "seed": 1, "parameters_cell": {"a": 1},
           "notebook": {"name": "key.ipynb", "path": "/nowhere/key.ipynb", "sha256": "0" * 64},
           "variant": {"a": {"lo": 0, "hi": 2, "log": False, "integer": False, "sig": 3}},
           "exercises": [{"id": "ex1", "kind": "numeric", "points": 1, "answer_var": "answer_ex1", "tol": 0.01}],
           "students": {"alice": {"params": {"a": 1}, "keys": {"ex1": 1.0}}}}
    rec = sign_record(rec, load_secret(secret, create=True))
    (tmp_path / "params.json").write_text(json.dumps(rec))
    return tmp_path / "params.json"


def test_grade_rejects_bad_inputs(tmp_path, capsys):
    subs = tmp_path / "subs"
    out = tmp_path / "grades.csv"
    secret = tmp_path / "keys" / "secret.key"
    code, err = run_cli(capsys, "grade", "--submissions", subs, "--out", out)
    assert code == 2 and err == f"error: submissions folder {subs} does not exist\n"
    subs.mkdir()
    code, err = run_cli(capsys, "grade", "--submissions", subs, "--out", out, "--params", tmp_path / "none.json")
    assert code == 2 and "does not exist (assign writes it as instructor/params.json)" in err
    (tmp_path / "bad.json").write_text("{")
    code, err = run_cli(capsys, "grade", "--submissions", subs, "--out", out, "--params", tmp_path / "bad.json")
    assert code == 2 and "is not valid JSON" in err
    (tmp_path / "old.json").write_text(json.dumps({"format": "mlsysim-course/1"}))
    code, err = run_cli(capsys, "grade", "--submissions", subs, "--out", out, "--params", tmp_path / "old.json")
    assert code == 2 and "must be re-created with assign" in err
    rec = _record(tmp_path, secret)
    code, err = run_cli(capsys, "grade", "--submissions", subs, "--out", out, "--params", rec,
                        "--secret-file", tmp_path / "missing.key")
    assert code == 2 and "the signing secret" in err and "does not exist" in err
    code, err = run_cli(capsys, "grade", "--submissions", subs, "--out", out, "--params", rec, "--secret-file", secret)
    assert code == 2 and "no submissions (*.ipynb files)" in err
    (subs / "secret.key").write_text("a" * 64)
    code, err = run_cli(capsys, "grade", "--submissions", subs, "--out", out, "--params", rec,
                        "--secret-file", subs / "secret.key")
    assert code == 2 and "must be kept outside" in err
    code, err = run_cli(capsys, "grade", "--submissions", subs, "--out", tmp_path, "--params", rec)
    assert code == 2 and "is a folder" in err
    code, err = run_cli(capsys, "grade", "--submissions", subs, "--out", out, "--params", rec, "--timeout", "0")
    assert code == 2 and "must be positive" in err
    (tmp_path / "manual.csv").write_text("student_id,exercise,points\nalice,ex1,7\n")
    code, err = run_cli(capsys, "grade", "--submissions", subs, "--out", out, "--params", rec, "--secret-file", secret,
                        "--manual", tmp_path / "manual.csv")
    assert code == 2 and "7 points for ex1 is outside 0–1" in err
    (tmp_path / "late.csv").write_text("student_id,days_late\nbob,1\n")
    code, err = run_cli(capsys, "grade", "--submissions", subs, "--out", out, "--params", rec, "--secret-file", secret,
                        "--late", tmp_path / "late.csv")
    assert code == 2 and "'bob' is not on the roster" in err
    assert not out.exists() and not (tmp_path / "grades-feedback").exists()


def test_assign_keeps_the_secret_out_of_the_assignment(tmp_path, capsys):
    r = roster(tmp_path, "student_id\nalice\n")
    code, err = run_cli(capsys, "assign", "--notebook", BOOK_NB, "--roster", r, "--out", tmp_path / "dist",
                        "--seed", "1", "--secret-file", tmp_path / "dist" / "secret.key")
    assert code == 2 and "must be kept outside" in err and not (tmp_path / "dist").exists()


def test_real_command_line_exit_status(tmp_path):
    """The module entry point itself: message on stderr, status 2, nothing written."""
    r = roster(tmp_path, "student_id\nalice\nalice\n")
    proc = subprocess.run([sys.executable, "-m", "mlsysim.course", "assign", "--notebook", str(BOOK_NB),
                           "--roster", str(r), "--out", str(tmp_path / "dist"), "--seed", "2026"],
                          capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr == f"error: roster {r}: duplicate student id 'alice' (lines 2 and 3)\n"
    assert leftovers(tmp_path) == []
