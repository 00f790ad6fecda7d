"""``assign``: one notebook per student, with that student's exercise inputs and no key.

1. Validate the instructor's inputs (notebook, roster, seed, output folder, secret) before any work.
2. Run the pristine notebook once in a kernel; read its declared ``variant(...)`` and exercises,
   draw every student's inputs there and evaluate every key, redrawing (deterministically) any
   variant whose keys are not valid numbers — e.g. inputs for which no optimum exists.
3. Write, into a temporary folder renamed into place at the end:

   * ``students/<id>.ipynb`` — to hand out: outputs, counts, inline values and widget state
     removed; the student's inputs injected papermill-style after the ``parameters`` cell; every
     ``exercise-key`` cell replaced by a key-free check (:class:`~mlsysim.course.NumericCheck`,
     :class:`~mlsysim.course.ChoiceCheck`).  No key value, key function or key code.
   * ``instructor/params.json`` — private: inputs, keys, plausible ranges, exercise specs and
     roster columns, signed with HMAC-SHA-256 under a secret kept outside the folder.
"""
from __future__ import annotations

import ast
import hashlib
import hmac
import json
from pathlib import Path

from .common import (
    CourseError,
    atomic_dir,
    load_secret,
    read_notebook_bytes,
    read_roster_table,
    secret_path,
    sha256,
    sign_record,
)
from .exercises import check_source, plausible_band
from .params import PARAMETERS_TAG, assigned_values, find_tagged, inject_parameters

__all__ = ["CHECK_TAG", "KEY_TAG", "RECORD_FORMAT", "assign", "clean_notebook", "student_notebook"]

RECORD_FORMAT = "mlsysim-course/2"
KEY_TAG = "exercise-key"
CHECK_TAG = "exercise-check"
_CHECK_IMPORT = "from mlsysim.course import ChoiceCheck, NumericCheck  # self-checks without keys"
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


def _defined_names(source: str) -> set:
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return set()
    names = set()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        for t in getattr(node, "targets", []) + [getattr(node, "target", None)]:
            if isinstance(t, ast.Name):
                names.add(t.id)
    return names


def student_notebook(template, exercises: list, plausible: dict, notebook):
    """``template`` with every ``exercise-key`` cell replaced by key-free check declarations.

    Refuses (CourseError) a notebook whose key code is not confined to ``exercise-key`` cells: an
    exercise declared elsewhere, or a name defined in a key cell (a helper such as ``_ex3_key``)
    used in another cell, would otherwise reach the student.
    """
    import copy

    nb = copy.deepcopy(template)
    ids = {ex["id"]: ex for ex in exercises}
    key_cells = find_tagged(nb, KEY_TAG)
    helpers, placed = set(), set()
    for i in key_cells:
        helpers |= _defined_names(nb.cells[i].source) - set(ids)
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code" or i in key_cells:
            continue
        if "NumericExercise(" in cell.source or "ChoiceExercise(" in cell.source or ".key(" in cell.source:
            raise CourseError(f"{notebook}: cell {i + 1} declares or calls an answer key outside a cell tagged "
                              f"'{KEY_TAG}'; move it there so it can be removed from student notebooks")
        try:
            used = {n.id for n in ast.walk(ast.parse(cell.source)) if isinstance(n, ast.Name)}
        except SyntaxError:                         # IPython magics: compare words instead
            used = set(cell.source.replace("(", " ").replace(")", " ").split())
        leaked = sorted(used & helpers)
        if leaked:
            raise CourseError(f"{notebook}: cell {i + 1} uses {', '.join(leaked)}, defined in a cell tagged "
                              f"'{KEY_TAG}' (key code must stay in key cells)")
    for i in reversed(key_cells):
        declared = [eid for eid in ids if eid in _defined_names(nb.cells[i].source)]
        if not declared:
            del nb.cells[i]
            continue
        cell = nb.cells[i]
        cell.source = "\n".join([_CHECK_IMPORT] + [check_source(ids[e], plausible.get(e)) for e in declared])
        tags = [t for t in cell.metadata.get("tags", []) if t != KEY_TAG]
        cell.metadata["tags"] = [CHECK_TAG] + tags
        placed |= set(declared)
    missing = sorted(set(ids) - placed)
    if missing:
        raise CourseError(f"{notebook}: exercises {', '.join(missing)} are not declared in a cell tagged "
                          f"'{KEY_TAG}'")
    return nb


def _band_draws(secret: bytes, assignment: str, sid: str, eid: str) -> tuple[float, float]:
    digest = hmac.new(secret, f"band:{assignment}:{sid}:{eid}".encode(), hashlib.sha256).digest()
    return (int.from_bytes(digest[:8], "big") / 2 ** 64, int.from_bytes(digest[8:16], "big") / 2 ** 64)


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


def _check_declarations(nb, notebook, spec: dict, parameters_cell: int) -> dict:
    """What ``assign`` needs from the notebook's declarations; returns the parameters cell's values."""
    if not spec["variant"]:
        raise CourseError(f"notebook {notebook} declares no variant inputs: add a variant(...) cell "
                          f"(see docs/coursework.md)")
    if not spec["exercises"]:
        raise CourseError(f"notebook {notebook} declares no exercises (NumericExercise / ChoiceExercise)")
    try:
        pristine_values = assigned_values(nb.cells[parameters_cell].source)
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
    return pristine_values


def assign(notebook, roster, out, seed: int, force: bool = False, timeout: float = 600,
           max_attempts: int = 50, secret_file=None, log=print) -> dict:
    """Generate the variants; returns the (signed) record written to ``out/instructor/params.json``."""
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
    students, roster_table = read_roster_table(roster)
    secret_file = secret_path(secret_file)
    if out.exists() and not force and (not out.is_dir() or any(out.iterdir())):
        raise CourseError(f"{out} already exists and is not empty; choose another --out or pass --force "
                          f"to replace it")
    if not out.resolve().parent.is_dir():
        raise CourseError(f"cannot write {out}: folder {out.resolve().parent} does not exist")
    secret = load_secret(secret_file, create=True, forbidden=[out])

    notebook_id = notebook.stem
    log(f"reading the exercises of {notebook} (one run in a fresh kernel)…")
    spec, draws = _discover(nb, str(notebook.resolve().parent), students, seed, notebook_id, timeout, max_attempts)
    pristine_values = _check_declarations(nb, notebook, spec, tagged[0])

    template = clean_notebook(nb)
    assignment = sha256(f"{sha256(data)}:{seed}:{notebook_id}".encode())[:12]
    record = {
        "format": RECORD_FORMAT,
        "assignment": assignment,
        "notebook": {"name": notebook.name, "path": str(notebook.resolve()), "sha256": sha256(data)},
        "seed": seed,
        "parameters_cell": {k: v for k, v in pristine_values.items()},
        "variant": spec["variant"],
        "exercises": spec["exercises"],
        "roster": roster_table,
        "students": {},
    }
    with atomic_dir(out, replace=force) as tmp:
        (tmp / "students").mkdir()
        (tmp / "instructor").mkdir(mode=0o700)
        for sid in students:
            params, keys = draws[sid]["params"], draws[sid]["keys"]
            plausible = {ex["id"]: list(plausible_band(keys[ex["id"]], ex.get("abs_tol", 0.0),
                                                       *_band_draws(secret, assignment, sid, ex["id"])))
                         for ex in spec["exercises"] if ex["kind"] == "numeric"}
            snb = student_notebook(template, spec["exercises"], plausible, notebook)
            snb = inject_parameters(snb, params, comment=f"Parameters of {sid}'s variant — do not edit")
            snb.metadata.pop("papermill", None)            # the injected cell is the one record
            snb.metadata["mlsysim_course"] = {"assignment": assignment, "notebook": notebook.name,
                                              "student": sid}
            text = nbformat.writes(snb)
            (tmp / "students" / f"{sid}.ipynb").write_text(text, encoding="utf-8")
            record["students"][sid] = {"params": params, "attempts": draws[sid]["attempts"], "keys": keys,
                                       "plausible": plausible, "notebook_sha256": sha256(text.encode("utf-8"))}
        record = sign_record(record, secret)
        (tmp / "instructor" / "params.json").write_text(json.dumps(record, indent=1, ensure_ascii=False) + "\n",
                                                        encoding="utf-8")
    log(f"wrote {len(students)} student notebooks to {out / 'students'} (hand these out) and the signed "
        f"record with the keys to {out / 'instructor' / 'params.json'} (keep it private; secret: {secret_file})")
    return record
