"""``grade``: execute submissions, recompute keys from the recorded inputs, write grades and feedback.

Order of work, chosen so that nothing a submission does can change another student's grade or
the key:

1. Validate the instructor's inputs; read ``params.json``, the pristine notebook (checked against
   the SHA-256 recorded by ``assign``) and **every submission file into memory** first.
2. Compute every key by executing the pristine notebook with each student's *recorded* inputs,
   each in a fresh kernel — before any submission runs, never from a submission's code.
3. Execute each submission in its own fresh kernel, in an empty temporary folder, under a
   per-notebook time budget (and a memory limit), reading the answers back from the kernel.
   After each one, a tripwire re-hashes the ``mlsysim`` package: if a submission modified it,
   grading stops (later runs could no longer be trusted) and nothing is written.
4. Compare answers with keys using the same tolerance rule as the self-check; write the CSV,
   one feedback file per student, the explanations for hand grading and a report — each written
   to a temporary name and renamed into place.

The grader isolates submissions from each other (separate kernels and folders, inputs read up
front, keys first) but it is not a security sandbox: run it as a user without write access to
the repository, or in a container, when submissions are untrusted.
"""
from __future__ import annotations

import csv
import hashlib
import io
import json
import math
import multiprocessing
import os
import tempfile
import time
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from pathlib import Path

from .assign import RECORD_FORMAT
from .common import CourseError, atomic_dir, atomic_file, sha256
from .exercises import Verdict, compare_choice, compare_numeric, parse_number
from .params import INJECTED_TAG, PARAMETERS_TAG, assigned_values, find_tagged, inject_parameters, values_equal

__all__ = ["grade", "load_record", "STATUS_ORDER"]

_MOD = "__import__('mlsysim.course.exercises', fromlist=['keys_json'])"
STATUS_ORDER = ["missing", "unreadable", "timeout", "kernel-died", "kernel-failed", "answers-unreadable",
                "cell-error", "params-altered", "identity-mismatch", "key-error"]
STATUS_TEXT = {
    "ok": "graded without problems",
    "missing": "no submission was found for this student",
    "unreadable": "the submitted file is not a readable notebook",
    "timeout": "the notebook did not finish within the time limit, so no answer was graded",
    "kernel-died": "the Python kernel died while running the notebook, so no answer was graded",
    "kernel-failed": "the grader could not start a kernel for this notebook",
    "answers-unreadable": "the answers could not be read back from the kernel",
    "cell-error": "at least one cell raised an error (the other cells still ran)",
    "params-altered": "the exercise inputs differ from the ones you were assigned (graded with the assigned inputs)",
    "identity-mismatch": "the notebook's metadata names a different student than its file name",
    "key-error": "the answer key could not be computed for these inputs (instructor problem)",
}


# -- inputs --------------------------------------------------------------------------------------
def load_record(path) -> dict:
    path = Path(path)
    if not path.is_file():
        raise CourseError(f"parameter record {path} does not exist (it is written by `assign` as params.json)")
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CourseError(f"parameter record {path} is not valid JSON: {exc}") from None
    if not isinstance(record, dict) or record.get("format") != RECORD_FORMAT:
        raise CourseError(f"{path} is not a parameter record written by `assign` (format {RECORD_FORMAT})")
    for key in ("notebook", "students", "exercises", "variant"):
        if key not in record:
            raise CourseError(f"parameter record {path} is incomplete: no {key!r}")
    if not record["students"]:
        raise CourseError(f"parameter record {path} lists no students")
    return record


def _find_record(submissions: Path, params) -> Path:
    if params:
        return Path(params)
    for candidate in (submissions / "params.json", Path("dist") / "params.json"):
        if candidate.is_file():
            return candidate
    raise CourseError("no parameter record: pass --params dist/params.json (written by `assign`)")


def _key_notebook(record: dict, record_path: Path, override, ignore_hash: bool) -> tuple[bytes, Path]:
    info = record["notebook"]
    if override:
        candidates = [Path(override)]
    else:
        candidates = [Path(info.get("path", "")), Path(info.get("relative_path", "")),
                      record_path.parent / info.get("relative_path", "")]
    path = next((c for c in candidates if str(c) not in ("", ".") and c.is_file()), None)
    if path is None:
        raise CourseError(f"the key notebook {info.get('path')} cannot be found; pass --key-notebook")
    data = path.read_bytes()
    if sha256(data) != info.get("sha256") and not ignore_hash:
        raise CourseError(f"the key notebook {path} has changed since the variants were generated "
                          f"(SHA-256 differs from params.json), so its keys may not match what students "
                          f"were asked; pass the original with --key-notebook, or --ignore-key-hash")
    return data, path


def _package_hash() -> str:
    """SHA-256 over the source files of the installed ``mlsysim`` package (the tripwire)."""
    root = Path(__file__).resolve().parent.parent
    h = hashlib.sha256()
    for p in sorted(root.rglob("*.py")):
        h.update(str(p.relative_to(root)).encode())
        try:
            h.update(p.read_bytes())
        except OSError:
            h.update(b"<unreadable>")
    return h.hexdigest()


# -- worker side ---------------------------------------------------------------------------------
def _limit_resources(memory_mb: int):
    """Pool initializer: limits inherited by every kernel this worker starts."""
    try:
        import resource

        if memory_mb:
            limit = int(memory_mb) * 1024 * 1024
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    except (ImportError, ValueError, OSError):  # pragma: no cover – not on this platform
        pass


_RESET = ("get_ipython().run_line_magic('reset', '-f')\n"
          "import mlsysim.course.exercises as _mlsysim_e; _mlsysim_e.reset_registry()\n"
          "import matplotlib.pyplot as _mlsysim_plt; _mlsysim_plt.close('all')\n"
          "del _mlsysim_e, _mlsysim_plt")
_MARK = "__mlsysim_keys__ "


def _run_job(job: dict) -> dict:
    """Execute one submission in a fresh kernel, or a batch of key runs; runs in a worker."""
    import nbformat

    from .runner import run_notebook

    nb = nbformat.reads(job["notebook"], as_version=4)
    if job["kind"] == "keys":
        return _run_key_batch(nb, job)
    with tempfile.TemporaryDirectory(prefix="mlsysim-grade-") as tmp:
        run = run_notebook(nb, timeout=job["timeout"], workdir=tmp, expressions=job["expressions"])
    return {"id": job["id"], "kind": job["kind"], "run": run.as_dict()}


def _run_key_batch(template, job: dict) -> dict:
    """Keys for several recorded input sets, one after the other in one kernel.

    Each set runs the *whole* pristine notebook with its inputs injected, after a reset of the
    kernel's namespace (``%reset -f``), the exercise registry and matplotlib — the notebook's
    own code from the top, as in a fresh kernel, without paying for a new kernel and imports
    every time (that is about half of a run).  Submissions never share kernels.
    """
    import nbformat

    from .runner import run_notebook

    cells, spans = [], []
    for key_id, params in job["batch"]:
        cells.append(nbformat.v4.new_code_cell(_RESET))
        start = len(cells)
        cells += [nbformat.v4.new_code_cell(c.source, metadata=c.metadata)
                  for c in inject_parameters(template, params).cells if c.cell_type == "code"]
        spans.append((key_id, start, len(cells)))
        cells.append(nbformat.v4.new_code_cell(f"print({_MARK!r} + {_MOD}.keys_json())"))
    nb = nbformat.v4.new_notebook(cells=cells, metadata=template.metadata)
    with tempfile.TemporaryDirectory(prefix="mlsysim-keys-") as tmp:
        run = run_notebook(nb, timeout=job["timeout"] * len(job["batch"]), workdir=job.get("workdir") or tmp)
    keys = {}
    for key_id, start, end in spans:
        errors = [e for e in run.errors if start < e["cell"] <= end]
        printed = "".join(o.get("text", "") for o in nb.cells[end].get("outputs", [])
                          if o.get("output_type") == "stream")
        if errors:
            e = errors[0]
            keys[key_id] = {"__error__": f"the key notebook raised in cell {e['cell'] - start} "
                                         f"({e['line']!r}): {e['ename']}: {e['evalue']}"}
        elif _MARK in printed:
            keys[key_id] = json.loads(printed.split(_MARK, 1)[1])
        else:
            keys[key_id] = {"__error__": f"the key notebook did not finish: {run.status} {run.detail}".strip()}
    return {"id": job["id"], "kind": "keys", "keys": keys}


# -- static checks of a submission -----------------------------------------------------------------
def _static_checks(nb, sid: str, record: dict) -> list[str]:
    """Problems visible without running: edited inputs, missing injected cell, wrong identity."""
    problems = []
    recorded = record["students"][sid]["params"]
    injected = find_tagged(nb, INJECTED_TAG)
    if not injected:
        problems.append(("params-altered", "the cell with your assigned inputs (tagged injected-parameters) is missing"))
    for i in injected:
        try:
            values = assigned_values(nb.cells[i].source)
        except SyntaxError:
            problems.append(("params-altered", f"the injected-parameters cell (cell {i + 1}) is not valid Python"))
            continue
        for name, value in recorded.items():
            if name not in values:
                problems.append(("params-altered", f"{name} was removed from the injected-parameters cell"))
            elif not values_equal(values[name], value):
                problems.append(("params-altered", f"{name} was changed from {value!r} to {values[name]!r} "
                                                   f"in the injected-parameters cell"))
    tagged = find_tagged(nb, PARAMETERS_TAG)
    pristine = record.get("parameters_cell", {})
    if not tagged:
        problems.append(("params-altered", "the cell tagged parameters is missing"))
    else:
        try:
            values = assigned_values(nb.cells[tagged[0]].source)
            for name in sorted(set(values) | set(pristine)):
                if name not in values or name not in pristine or not values_equal(values[name], pristine[name]):
                    problems.append(("params-altered", f"the cell tagged parameters was edited ({name})"))
        except SyntaxError:
            problems.append(("params-altered", "the cell tagged parameters is not valid Python"))
    meta = nb.metadata.get("mlsysim_course", {}) or {}
    who = meta.get("student")
    if who is not None and who != sid:
        problems.append(("identity-mismatch", f"the notebook's metadata says it belongs to {who!r}"))
    return problems


# -- scoring -------------------------------------------------------------------------------------
def _answer_verdict(ex: dict, expr: dict | None, key) -> Verdict:
    from .runner import Opaque, decode_repr

    var = ex["answer_var"]
    if isinstance(key, dict):
        return Verdict("key-error", f"the key could not be computed: {key.get('error')}")
    if expr is None:
        return Verdict("missing", f"{var} could not be read")
    if expr["status"] != "ok":
        if expr.get("ename") == "NameError":
            return Verdict("missing", f"{var} is not defined (was its cell deleted, or did it fail?)")
        return Verdict("missing", f"reading {var} raised {expr.get('ename')}: {expr.get('evalue')}")
    shown = decode_repr(expr["text"])          # the text/plain of repr(answer) is a quoted string
    value = decode_repr(shown) if isinstance(shown, str) else Opaque(str(expr["text"])[:120])
    if ex["kind"] == "numeric":
        if isinstance(value, Opaque):
            return Verdict("non-numeric", f"{value.text} is not a number")
        return compare_numeric(value, key, ex.get("tol", 0.0), ex.get("abs_tol", 0.0))
    if isinstance(value, Opaque):
        return Verdict("invalid", f"{value.text} is not one of the options")
    return compare_choice(value, key, ex.get("options", []))


def _fmt_points(x: float) -> str:
    return f"{x:g}" if x == int(x) else f"{x:.2f}".rstrip("0")


def _fmt_value(x) -> str:
    if isinstance(x, float):
        return f"{x:.6g}"
    return repr(x)


# -- the command ---------------------------------------------------------------------------------
def grade(submissions, out, params=None, key_notebook=None, timeout: float = 60, jobs: int | None = None,
          feedback=None, memory_mb: int = 4096, reveal: bool = True, ignore_key_hash: bool = False,
          log=print) -> dict:
    """Grade every submission; returns a summary dict (rows, unknown files, timings)."""
    t_start = time.monotonic()
    submissions, out = Path(submissions), Path(out)
    if not submissions.is_dir():
        raise CourseError(f"submissions folder {submissions} does not exist")
    if not (isinstance(timeout, (int, float)) and timeout > 0):
        raise CourseError(f"--timeout must be a positive number of seconds, not {timeout!r}")
    jobs = int(jobs or min(2, os.cpu_count() or 1))
    if jobs < 1:
        raise CourseError("--jobs must be at least 1")
    if out.is_dir():
        raise CourseError(f"--out {out} is a folder; give a CSV file name such as grades.csv")
    if not out.resolve().parent.is_dir():
        raise CourseError(f"cannot write {out}: folder {out.resolve().parent} does not exist")
    feedback = Path(feedback) if feedback else out.with_name(f"{out.stem}-feedback")
    record_path = _find_record(submissions, params)
    record = load_record(record_path)
    key_bytes, key_path = _key_notebook(record, record_path, key_notebook, ignore_key_hash)
    key_workdir = str(key_path.resolve().parent)       # the key notebook runs where it lives, as in the book
    key_text = key_bytes.decode("utf-8")
    exercises = record["exercises"]
    roster = list(record["students"])

    # 1. every input in memory before anything runs
    files = sorted(p for p in submissions.iterdir() if p.is_file() and p.suffix == ".ipynb")
    if not files:
        raise CourseError(f"no submissions (*.ipynb files) in {submissions}")
    ignored = sorted(p.name for p in submissions.iterdir()
                     if not (p.is_file() and p.suffix == ".ipynb") and p.name != record_path.name)
    blobs = {p.stem: p.read_bytes() for p in files if p.stem in record["students"]}
    unknown = sorted(p.name for p in files if p.stem not in record["students"])

    import nbformat

    state = {sid: {"status": [], "notes": [], "nb": None, "run": None, "key": None} for sid in roster}
    for sid in roster:
        st = state[sid]
        if sid not in blobs:
            st["status"].append("missing")
            continue
        try:
            nb = nbformat.reads(blobs[sid].decode("utf-8"), as_version=4)
            if not isinstance(nb.get("cells"), list):
                raise ValueError("no cells")
        except Exception as exc:  # noqa: BLE001
            st["status"].append("unreadable")
            st["notes"].append(f"The file could not be read as a notebook ({type(exc).__name__}: "
                               f"{str(exc).splitlines()[0][:160] if str(exc) else ''}).")
            continue
        st["nb"] = nb
        for code, note in _static_checks(nb, sid, record):
            st["status"].append(code)
            st["notes"].append(note)

    to_run = [sid for sid in roster if state[sid]["nb"] is not None]
    expressions = {}
    for ex in exercises:
        expressions[f"answer:{ex['id']}"] = f"repr({ex['answer_var']})"
        if ex.get("explain_var"):
            expressions[f"explain:{ex['id']}"] = f"repr({ex['explain_var']})"
    for name in record["variant"]:
        expressions[f"param:{name}"] = f"repr({name})"

    key_sets, key_of = {}, {}
    for sid in to_run:
        p = record["students"][sid]["params"]
        k = json.dumps(p, sort_keys=True)
        key_of[sid] = k
        key_sets.setdefault(k, p)
    items = list(key_sets.items())
    n_batches = max(1, min(jobs, len(items)))
    key_jobs = [{"id": f"keys-{b}", "kind": "keys", "notebook": key_text, "batch": items[b::n_batches],
                 "timeout": max(timeout, 300), "workdir": key_workdir} for b in range(n_batches) if items[b::n_batches]]
    log(f"grading {len(to_run)} notebooks ({len(key_sets)} answer keys first) with {jobs} worker(s), "
        f"timeout {timeout:g} s per notebook…")

    ctx = multiprocessing.get_context("spawn")
    keys: dict[str, dict] = {}
    runs: dict[str, dict] = {}
    with ProcessPoolExecutor(max_workers=jobs, mp_context=ctx, initializer=_limit_resources,
                             initargs=(memory_mb,)) as pool:
        # 2. keys, from the pristine notebook and the recorded inputs only
        for job, fut in [(j, pool.submit(_run_job, j)) for j in key_jobs]:
            try:
                keys.update(fut.result()["keys"])
            except Exception as exc:  # noqa: BLE001 – reported per student as key-error
                keys.update({k: {"__error__": f"computing keys failed: {type(exc).__name__}: {exc}"}
                             for k, _ in job["batch"]})
        t_keys = time.monotonic()
        # 3. submissions, with the tripwire
        baseline = _package_hash()
        pending = {}
        for sid in to_run:
            job = {"id": sid, "kind": "submission", "notebook": blobs[sid].decode("utf-8"),
                   "timeout": timeout, "expressions": expressions}
            fut = pool.submit(_run_job, job)
            pending[fut] = sid
        while pending:
            done, _ = wait(list(pending), return_when=FIRST_COMPLETED)
            finished = []
            for f in done:
                sid = pending.pop(f)
                finished.append(sid)
                try:
                    runs[sid] = f.result()["run"]
                except Exception as exc:  # noqa: BLE001 – a worker crash must not stop the others
                    runs[sid] = {"status": "kernel-failed", "errors": [], "expressions": {}, "timeout_cell": None,
                                 "detail": f"the grader's worker failed: {type(exc).__name__}: {exc}",
                                 "seconds": 0.0, "truncated": False}
            if _package_hash() != baseline:
                for f in pending:
                    f.cancel()
                suspects = sorted(set(finished) | set(pending.values()))
                raise CourseError("the mlsysim package changed on disk while grading; one of these "
                                  f"submissions modified it: {', '.join(suspects)}. Nothing was written. "
                                  "Restore the package (git checkout mlsysim) and grade untrusted work in a "
                                  "sandbox (container or a user without write access to the repository).")
    t_runs = time.monotonic()

    # 4. scores
    rows, details = [], {}
    for sid in roster:
        st = state[sid]
        run = runs.get(sid)
        key = keys.get(key_of.get(sid)) if sid in key_of else None
        verdicts, explanations = {}, {}
        if run is not None:
            if run["status"] != "ok":
                st["status"].append(run["status"])
                if run["status"] == "timeout":
                    st["notes"].append(f"Cell {run['timeout_cell']} was still running when the time limit "
                                       f"({timeout:g} s for the whole notebook) ran out.")
                elif run.get("detail"):
                    st["notes"].append(run["detail"])
            elif not run["expressions"]:
                st["status"].append("answers-unreadable")
                st["notes"].append(run.get("detail") or "The answers could not be read.")
            if run["errors"]:
                st["status"].append("cell-error")
                for e in run["errors"]:
                    st["notes"].append(f"Cell {e['cell']} ({e['line']!r}) raised {e['ename']}: {e['evalue']}")
            if run.get("truncated"):
                st["notes"].append("The notebook printed more output than the grader keeps; the rest was dropped.")
            if run["status"] == "ok" and run["expressions"]:
                for name, value in record["students"][sid]["params"].items():
                    got = run["expressions"].get(f"param:{name}")
                    if got and got["status"] == "ok":
                        from .runner import decode_repr

                        shown = decode_repr(got["text"])
                        v = decode_repr(shown) if isinstance(shown, str) else shown
                        if not values_equal(v, value):
                            st["status"].append("params-altered")
                            st["notes"].append(f"{name} was {_fmt_value(v)} at the end of the run instead of "
                                               f"the assigned {value!r} (reassigned in a later cell?)")
                    else:
                        st["status"].append("params-altered")
                        st["notes"].append(f"{name} was not defined at the end of the run")
        if key is not None and key.get("__error__"):
            st["status"].append("key-error")
            st["notes"].append(key["__error__"])
        for ex in exercises:
            eid = ex["id"]
            if run is None or run["status"] != "ok" or not run["expressions"]:
                why = "not graded: " + (st["status"][0] if st["status"] else "not run")
                verdicts[eid] = Verdict("not-graded", why)
                continue
            kval = (key or {}).get(eid, {"error": "no key"})
            v = _answer_verdict(ex, run["expressions"].get(f"answer:{eid}"), kval)
            v.key = kval
            verdicts[eid] = v
            if v.status == "key-error" and "key-error" not in st["status"]:
                st["status"].append("key-error")
            if ex.get("explain_var"):
                got = run["expressions"].get(f"explain:{eid}")
                if got and got["status"] == "ok":
                    from .runner import decode_repr

                    shown = decode_repr(got["text"])
                    text = decode_repr(shown) if isinstance(shown, str) else shown
                    explanations[eid] = text if isinstance(text, str) else repr(text)
                else:
                    explanations[eid] = ""
        points = {ex["id"]: (ex["points"] if verdicts[ex["id"]].status == "correct" else 0) for ex in exercises}
        codes = [c for c in STATUS_ORDER if c in st["status"]]
        codes += [f"{eid}:{v.status}" for eid, v in verdicts.items()
                  if v.status in ("missing", "non-numeric", "invalid")]
        rows.append({"student": sid, **{eid: points[eid] for eid in points},
                     "total": sum(points.values()), "status": ";".join(codes) or "ok"})
        details[sid] = {"verdicts": verdicts, "explanations": explanations, "notes": st["notes"],
                        "codes": codes, "run": run}

    # 5. outputs (temporary names, renamed into place)
    header = ["student"] + [ex["id"] for ex in exercises] + ["total", "status"]
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    for r in rows:
        w.writerow([r["student"]] + [_fmt_points(r[ex["id"]]) for ex in exercises]
                   + [_fmt_points(r["total"]), r["status"]])
    csv_text = buf.getvalue()
    max_points = sum(ex["points"] for ex in exercises)
    report = _report(record, rows, details, unknown, ignored, max_points, timeout, jobs,
                     seconds={"keys": t_keys - t_start, "runs": t_runs - t_keys, "total": time.monotonic() - t_start,
                              "per_submission": [details[s]["run"]["seconds"] for s in roster if details[s]["run"]]})
    with atomic_dir(feedback, replace=True) as tmp:
        for sid in roster:
            (tmp / f"{sid}.md").write_text(_feedback(sid, record, rows, details[sid], exercises, max_points,
                                                     reveal), encoding="utf-8")
        eb = io.StringIO()
        ew = csv.writer(eb, lineterminator="\n")
        ew.writerow(["student", "exercise", "choice", "explanation"])
        for sid in roster:
            for ex in exercises:
                if ex.get("explain_var") and ex["id"] in details[sid]["explanations"]:
                    v = details[sid]["verdicts"][ex["id"]]
                    ew.writerow([sid, ex["id"], v.value if isinstance(v.value, str) else "",
                                 details[sid]["explanations"][ex["id"]]])
        (tmp / "explanations.csv").write_text(eb.getvalue(), encoding="utf-8")
        (tmp / "report.md").write_text(report, encoding="utf-8")
    atomic_file(out, csv_text)
    log(report)
    return {"rows": rows, "csv": csv_text, "unknown": unknown, "ignored": ignored, "feedback": str(feedback),
            "seconds": time.monotonic() - t_start, "report": report}


def _feedback(sid, record, rows, d, exercises, max_points, reveal) -> str:
    row = next(r for r in rows if r["student"] == sid)
    lines = [f"# Feedback for {sid}", "",
             f"Assignment: {record['notebook']['name']} · total **{_fmt_points(row['total'])} / "
             f"{_fmt_points(max_points)}** points", ""]
    codes = [c for c in d["codes"] if ":" not in c]
    if codes:
        lines.append("## What the grader noticed")
        lines += [f"- **{c}**: {STATUS_TEXT.get(c, c)}" for c in codes]
        lines += [f"  - {n}" for n in d["notes"]]
        lines.append("")
    lines += ["## Answers", "", "| Exercise | Your answer | Result | Points |", "|:--|:--|:--|--:|"]
    for ex in exercises:
        v = d["verdicts"][ex["id"]]
        mine = _fmt_value(v.value) if v.value is not None else "—"
        result = {"correct": "✔ correct", "incorrect": "✘ incorrect"}.get(v.status, f"{v.status}: {v.detail}")
        if v.status == "incorrect" and ex["kind"] == "numeric":
            tol = f"±{ex['tol'] * 100:g}%" if ex.get("tol") else f"±{ex.get('abs_tol'):g}"
            result += f" (outside {tol})"
        if reveal and v.status in ("incorrect", "missing", "non-numeric", "invalid") and \
                not isinstance(getattr(v, "key", None), dict) and getattr(v, "key", None) is not None:
            result += f"; expected {_fmt_value(v.key)}{(' ' + ex.get('unit')) if ex.get('unit') else ''}"
        pts = ex["points"] if v.status == "correct" else 0
        lines.append(f"| {ex['id']} {ex.get('title', '')} | {mine.replace('|', '/')} | "
                     f"{result.replace('|', '/')} | {_fmt_points(pts)} / {_fmt_points(ex['points'])} |")
    for eid, text in d["explanations"].items():
        lines += ["", f"Your explanation for {eid} (graded by your instructor):", "",
                  "> " + (text.strip().replace("\n", "\n> ") if text.strip() else "(empty)")]
    lines += ["", f"Your inputs: " + ", ".join(f"{k} = {v!r}" for k, v in record["students"][sid]["params"].items())]
    return "\n".join(lines) + "\n"


def _report(record, rows, details, unknown, ignored, max_points, timeout, jobs, seconds) -> str:
    n_ok = sum(r["status"] == "ok" for r in rows)
    per = seconds["per_submission"]
    lines = [f"# Grading report: {record['notebook']['name']}", "",
             f"- {len(rows)} students on the roster; {n_ok} graded without problems; "
             f"maximum {_fmt_points(max_points)} points",
             f"- timeout {timeout:g} s per notebook, {jobs} worker(s); keys {seconds['keys']:.1f} s, "
             f"submissions {seconds['runs']:.1f} s, total {seconds['total']:.1f} s"
             + (f"; mean {sum(per) / len(per):.1f} s per executed submission" if per else "")]
    problems = [r for r in rows if r["status"] != "ok"]
    if problems:
        lines += ["", "## Students needing attention", ""]
        for r in problems:
            lines.append(f"- {r['student']}: {r['status']}")
            lines += [f"  - {n}" for n in details[r["student"]]["notes"]]
    if unknown:
        lines += ["", "## Unknown student files (not graded)", ""]
        lines += [f"- {name}: no student with id {Path(name).stem!r} in the roster of params.json" for name in unknown]
    if ignored:
        lines += ["", "## Ignored (not notebooks)", ""] + [f"- {name}" for name in ignored]
    return "\n".join(lines) + "\n"
