"""Matching LMS downloads to students (no kernel): the identity recorded in the notebook decides,
whatever the file is called; file and folder names are the fallback; duplicates, disagreements and
unknowns are listed.  Also the LMS exports' columns and the text made safe for reports."""
import json
import os

import nbformat

from mlsysim.course.common import safe_text
from mlsysim.course.grade import _lms_csvs, match_submissions

RECORD = {"assignment": "abc123", "students": {"s01": {}, "s02": {}, "s03": {}, "ada.l": {}, "s1": {}},
          "roster": {"s01": {"name": "Ann One", "email": "ann@example.org", "canvas_id": "77", "section": "A"}}}


def notebook(folder, name, student=None, assignment="abc123", mtime=None):
    nb = nbformat.v4.new_notebook()
    if student:
        nb.metadata["mlsysim_course"] = {"student": student, "assignment": assignment}
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    if mtime:
        os.utime(path, (mtime, mtime))
    return path


def test_lms_names_are_matched_by_recorded_identity(tmp_path):
    notebook(tmp_path, "s01 (1).ipynb", "s01")                                   # Canvas resubmission
    notebook(tmp_path, "S02.ipynb", "s02")                                       # renamed by the student
    notebook(tmp_path, "doe_jane_123456_789_homework.ipynb", "s03")             # Canvas prefix, any name
    notebook(tmp_path, "Ada Lovelace_4242_assignsubmission_file_/notebook.ipynb", "ada.l")   # Moodle
    m = match_submissions(tmp_path, RECORD)
    assert {sid: name for sid, (name, _) in m.blobs.items()} == {
        "s01": "s01 (1).ipynb", "s02": "S02.ipynb", "s03": "doe_jane_123456_789_homework.ipynb",
        "ada.l": "Ada Lovelace_4242_assignsubmission_file_/notebook.ipynb"}
    assert set(m.how.values()) == {"notebook identity"} and not m.unknown and not m.duplicates


def test_file_name_fallback_duplicates_mismatches_and_unknowns(tmp_path):
    notebook(tmp_path, "submission_77/S01.ipynb")                    # no identity: Gradescope folder, name
    notebook(tmp_path, "submission_78/ada.l_final.ipynb")            # no identity: roster id in the name
    notebook(tmp_path, "s02.ipynb", "s03")                           # the name disagrees with the notebook
    notebook(tmp_path, "s03_old.ipynb", "s03", mtime=1_600_000_000)  # an older copy of s03's notebook
    notebook(tmp_path, "s1_s02.ipynb")                               # names two students
    notebook(tmp_path, "zed.ipynb", "zed")                           # not on the roster
    notebook(tmp_path, "other.ipynb", "s02", assignment="zzz")       # another assignment's notebook
    (tmp_path / "broken.ipynb").write_text("{ not json")             # unreadable, and names nobody
    (tmp_path / "notes.txt").write_text("hello")
    (tmp_path / "submission_77" / "submission_metadata.yml").write_text(":id: 1\n")
    (tmp_path / ".ipynb_checkpoints").mkdir()
    notebook(tmp_path, ".ipynb_checkpoints/s02-checkpoint.ipynb", "s02")
    m = match_submissions(tmp_path, RECORD)
    assert m.how == {"s01": "file name", "ada.l": "file name", "s03": "notebook identity"}
    assert m.blobs["s03"][0] == "s02.ipynb" and m.duplicates == {"s03": ["s02.ipynb", "s03_old.ipynb"]}
    assert m.notes["s03"] == ["the file name s02.ipynb names s02, but the notebook was assigned to s03"]
    assert dict(m.unknown) == {
        "s1_s02.ipynb": "its file name matches several students: s02, s1",
        "zed.ipynb": "it records no student of this roster and its file name names none",
        "other.ipynb": "it belongs to another assignment",
        "broken.ipynb": "it records no student of this roster and its file name names none"}
    assert m.ignored == ["notes.txt"]


def test_lms_exports_have_the_columns_the_importers_expect():
    results = [{"student": "s01", "total": 4.5}, {"student": "s02", "total": 0.0}]
    out = _lms_csvs({"roster": RECORD["roster"]}, results, "retraining (abc123)")
    assert out["canvas.csv"].splitlines() == ["Student,ID,SIS User ID,SIS Login ID,Section,retraining (abc123)",
                                              "Ann One,77,s01,,A,4.5", ",,s02,,,0"]
    assert out["gradescope.csv"].splitlines() == ["Name,SID,Email,Total Score", "Ann One,s01,ann@example.org,4.5",
                                                  ",s02,,0"]


def test_safe_text_is_inert():
    text = safe_text("\x1b[31mred\x1b[0m\r\n# Heading\n<b>x</b> | `code` [link](http://x) \u202e\x07")
    assert "\x1b" not in text and "\x07" not in text and "\u202e" not in text and "\n" not in text
    assert text == ("\ufffd\\[31mred\ufffd\\[0m ⏎  ⏎ \\# Heading ⏎ &lt;b&gt;x&lt;/b&gt; \\| \\`code\\` "
                    "\\[link\\]\\(http://x\\) \ufffd\ufffd")
    assert safe_text("x" * 500, 10) == "x" * 10 + "…"
    assert json.dumps(safe_text("a&b")) == '"a&amp;b"'
