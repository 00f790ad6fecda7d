"""``assign``: one notebook per student, with that student's exercise inputs and no answers.

1. Validate the instructor's inputs (notebook, roster, seed, output folder) before any work.
2. Run the pristine notebook once in a kernel; read its declared ``variant(...)`` and exercises,
   and draw every student's inputs there, redrawing (deterministically) any variant whose keys
   are not valid numbers — e.g. inputs for which no optimum exists.
3. Write, into a temporary folder renamed into place at the end, one notebook per student:
   outputs, execution counts, stored inline values and widget state removed; the student's
   inputs injected papermill-style after the ``parameters`` cell.  ``params.json`` records each
   student's inputs and the hashes of the source and student notebooks.  No key value is written
   anywhere: keys exist only as code and are recomputed by ``grade``.
"""
from __future__ import annotations

import json
import os
from pathlib import Path

from .common import CourseError, atomic_dir, read_notebook_bytes, read_roster, sha256
from .params import PARAMETERS_TAG, assigned_values, find_tagged, inject_parameters

__all__ = ["assign", "clean_notebook", "RECORD_FORMAT"]

RECORD_FORMAT = "mlsysim-course/1"
_MOD = "__import__('mlsysim.course.exercises', fromlist=['spec_json'])"


def clean_notebook(nb):
    """Strip everything a run leaves behind: outputs, counts, inline values, widget state."""
    for cell in nb.cells:
        md = cell.get("metadata", {})
        for key in ("user_expressions", "execution", "collapsed", "scrolled"):
            md.pop(key, None)
        if cell.get("cell_type") == "code":
            cell["outputs"] = []
            cell["execution_count"] = None
    for key in ("widgets", "papermill", "mlsysim_course"):
        nb.metadata.pop(key, None)
    return nb


def _parse_notebook(data: bytes, path):
    import nbformat

    try:
        return nbformat.reads(data.decode("utf-8"), as_version=4)
    except Exception as exc:  # noqa: BLE001 – nbformat raises several kinds
        raise CourseError(f"notebook {path} cannot be read: {type(exc).__name__}: {exc}") from None


def _discover(nb, workdir: str, students: list[str], seed: int, notebook_id: str, timeout: float,
              max_attempts: int) -> tuple[dict, dict]:
    """Run the notebook; return (spec, {student: {"params": ..., "attempts": n}})."""
    from .runner import decode_repr, run_notebook

    request = json.dumps({"students": students, "seed": seed, "notebook": notebook_id,
                          "max_attempts": max_attempts})
    run = run_notebook(nb, timeout=timeout, workdir=workdir,
                       expressions={"spec": f"{_MOD}.spec_json()",
                                    "draws": f"{_MOD}.assign_variants({request!r})"})
    if run.status != "ok":
        raise CourseError(f"the notebook could not be executed to read its exercises: {run.status} "
                          f"{run.detail or ''}".strip())
    if run.errors:
        e = run.errors[0]
        raise CourseError(f"the notebook fails when executed (cell {e['cell']}, {e['line']!r}): "
                          f"{e['ename']}: {e['evalue']}")
    values = {}
    for name in ("spec", "draws"):
        r = run.expressions.get(name, {})
        if r.get("status") != "ok":
            raise CourseError(f"could not read the notebook's exercises ({r.get('ename', run.detail)}: "
                              f"{r.get('evalue', '')}); does it import mlsysim.course and declare them?")
        values[name] = json.loads(decode_repr(r["text"]))
    if "error" in values["draws"]:
        raise CourseError(values["draws"]["error"])
    return values["spec"], values["draws"]["students"]


def assign(notebook, roster, out, seed: int, force: bool = False, timeout: float = 600,
           max_attempts: int = 50, log=print) -> dict:
    """Generate the variants; returns the record that was written to ``out/params.json``."""
    import nbformat

    notebook, out = Path(notebook), Path(out)
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise CourseError(f"--seed must be a non-negative whole number, not {seed!r}")
    data = read_notebook_bytes(notebook)
    nb = _parse_notebook(data, notebook)
    tagged = find_tagged(nb, PARAMETERS_TAG)
    if not tagged:
        raise CourseError(f"notebook {notebook} has no cell tagged '{PARAMETERS_TAG}', so it cannot be "
                          f"parameterised (see docs/coursework.md)")
    students = read_roster(roster)
    if out.exists() and not force and (not out.is_dir() or any(out.iterdir())):
        raise CourseError(f"{out} already exists and is not empty; choose another --out or pass --force "
                          f"to replace it")
    if not out.resolve().parent.is_dir():
        raise CourseError(f"cannot write {out}: folder {out.resolve().parent} does not exist")

    notebook_id = notebook.stem
    log(f"reading the exercises of {notebook} (one run in a fresh kernel)…")
    spec, draws = _discover(nb, str(notebook.resolve().parent), students, seed, notebook_id, timeout, max_attempts)
    if not spec["variant"]:
        raise CourseError(f"notebook {notebook} declares no variant inputs: add a variant(...) cell "
                          f"(see docs/coursework.md)")
    if not spec["exercises"]:
        raise CourseError(f"notebook {notebook} declares no exercises (NumericExercise / ChoiceExercise)")
    param_source = nb.cells[tagged[0]].source
    try:
        pristine_values = assigned_values(param_source)
    except SyntaxError as exc:
        raise CourseError(f"the parameters cell of {notebook} is not valid Python: {exc}") from None
    missing = [n for n in spec["variant"] if n not in pristine_values]
    if missing:
        raise CourseError(f"variant inputs {', '.join(missing)} are not assigned in the cell tagged "
                          f"'{PARAMETERS_TAG}' of {notebook}")
    assigned_anywhere = set()
    for cell in nb.cells:
        if cell.cell_type == "code":
            try:
                assigned_anywhere |= set(assigned_values(cell.source))
            except SyntaxError:
                pass
    for ex in spec["exercises"]:
        if ex["answer_var"] not in assigned_anywhere:
            raise CourseError(f"exercise {ex['id']} has no answer cell: add a cell tagged 'answer' with "
                              f"{ex['answer_var']} = None")

    template = clean_notebook(nb)
    assignment = sha256(f"{sha256(data)}:{seed}:{notebook_id}".encode())[:12]
    record = {
        "format": RECORD_FORMAT,
        "assignment": assignment,
        "notebook": {"name": notebook.name, "path": str(notebook.resolve()),
                     "relative_path": os.path.relpath(notebook.resolve(), Path.cwd()),
                     "sha256": sha256(data)},
        "seed": seed,
        "parameters_cell": {k: v for k, v in pristine_values.items()},
        "variant": spec["variant"],
        "exercises": spec["exercises"],
        "students": {},
    }
    with atomic_dir(out, replace=force) as tmp:
        for sid in students:
            params = draws[sid]["params"]
            snb = inject_parameters(template, params, comment=f"Parameters of {sid}'s variant — do not edit")
            snb.metadata["mlsysim_course"] = {"assignment": assignment, "notebook": notebook.name,
                                              "student": sid}
            text = nbformat.writes(snb)
            (tmp / f"{sid}.ipynb").write_text(text, encoding="utf-8")
            record["students"][sid] = {"params": params, "attempts": draws[sid]["attempts"],
                                       "notebook_sha256": sha256(text.encode("utf-8"))}
        (tmp / "params.json").write_text(json.dumps(record, indent=1, ensure_ascii=False) + "\n",
                                         encoding="utf-8")
    log(f"wrote {len(students)} student notebooks and params.json to {out}")
    return record
