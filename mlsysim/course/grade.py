"""``grade``: run every submission in its own sandbox, score it against the signed keys, write grades.

Order of work, chosen so that nothing a submission does can change another student's grade, the
keys, or the outputs:

1. Validate the instructor's inputs and **verify the signature** of ``params.json`` (HMAC-SHA-256
   with the secret kept outside the assignment folder) — a tampered record is refused.  Check the
   grader's own environment (``.pth`` files not installed by pip are refused, by name).
2. Find the submissions anywhere under the folder (Canvas, Gradescope and Moodle layouts) and
   match each to a student by the identity ``assign`` recorded in the notebook, falling back on
   the file name; read them **all into memory** before anything runs; list duplicates and unknowns.
3. Run each submission in its own sandbox (:mod:`mlsysim.course.sandbox`): no network, own PID
   namespace, read-only system, private temp and HOME, clean environment, resource limits.  The
   answers come back as text and are parsed as literals.  Infrastructure failures (a kernel that
   cannot start, a worker that dies without a result) are retried, then reported per student and
   by exit status 3.  A tripwire re-hashes the package and ``.pth`` files after every run: without
   the sandbox a change stops grading and names the submissions that were running; with it (the
   files are read-only there) the change is reported as coming from outside.
4. Score in this process from the keys in the record (the sandbox never sees a key): tolerance
   and partial-credit bands, manual scores merged, late penalty applied.
5. After every sandbox is gone, write the grades CSV, the LMS exports, one feedback file per
   student, the explanations and the report, each through a temporary name and a rename.  All text
   a student controls is made inert (:func:`mlsysim.course.common.safe_text`).
"""
from __future__ import annotations

import csv
import hashlib
import io
import json
import math
import os
import re
import sys
import time
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path

from .assign import RECORD_FORMAT
from .common import (
    CourseError,
    atomic_dir,
    atomic_file,
    load_secret,
    safe_text,
    secret_path,
    verify_record,
)
from .exercises import Verdict, compare_choice, magnitude_hint, score_numeric
from .params import (
    INJECTED_TAG,
    PARAMETERS_TAG,
    assigned_values,
    find_tagged,
    values_equal,
)

__all__ = ["EXIT_INFRA", "STATUS_ORDER", "environment_problems", "grade", "load_record", "match_submissions"]

EXIT_INFRA = 3
MAX_NOTEBOOK_BYTES = 20 << 20
STATUS_ORDER = ["missing", "unreadable", "infrastructure", "timeout", "kernel-died", "answers-unreadable",
                "cell-error", "params-altered", "identity-mismatch", "late"]
STATUS_TEXT = {
    "ok": "graded without problems",
    "missing": "no submission was found for this student",
    "unreadable": "the submitted file is not a readable notebook",
    "infrastructure": "the grader could not run this notebook (its kernel or worker failed, also on retry)",
    "timeout": "the notebook did not finish within the time limit, so no answer was graded",
    "kernel-died": "the Python kernel died while running the notebook, so no answer was graded",
    "answers-unreadable": "the answers could not be read back from the kernel",
    "cell-error": "at least one cell raised an error (the other cells still ran)",
    "params-altered": "the exercise inputs differ from the ones you were assigned (graded with the assigned inputs)",
    "identity-mismatch": "the file name names a different student than the notebook's recorded identity",
    "late": "submitted late; the late-penalty policy was applied",
}


# -- 1. the instructor's record and environment ------------------------------------------------
def load_record(path, secret_file=None, forbidden=()) -> dict:
    """The record at ``path``, after its signature is checked with the secret (see :func:`secret_path`)."""
    path = Path(path)
    if not path.is_file():
        raise CourseError(f"parameter record {path} does not exist (assign writes it as instructor/params.json)")
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CourseError(f"parameter record {path} is not valid JSON: {exc}") from None
    if not isinstance(record, dict) or record.get("format") != RECORD_FORMAT:
        raise CourseError(f"{path} is not a parameter record written by `assign` (format {RECORD_FORMAT}); "
                          f"records of older versions must be re-created with assign")
    verify_record(record, load_secret(secret_path(secret_file), forbidden=forbidden), path)
    for key in ("notebook", "students", "exercises", "variant", "assignment"):
        if key not in record:
            raise CourseError(f"parameter record {path} is incomplete: no {key!r}")
    return record


def _find_record(submissions: Path, params) -> Path:
    if params:
        return Path(params)
    for candidate in (Path("dist") / "instructor" / "params.json",):
        if candidate.is_file():
            return candidate
    raise CourseError("no parameter record: pass --params dist/instructor/params.json (written by `assign`)")


def _site_dirs() -> list[Path]:
    import site

    dirs = set(site.getsitepackages() if hasattr(site, "getsitepackages") else [])
    dirs |= {p for p in sys.path if p.endswith("site-packages")}
    return sorted(Path(d) for d in dirs if Path(d).is_dir())


def environment_problems(site_dirs=None) -> list[str]:
    """``.pth`` files in the site directories that pip did not install (or that changed since):
    Python runs them at every start, so a planted one would act inside every kernel."""
    import base64

    problems = []
    for d in site_dirs if site_dirs is not None else _site_dirs():
        d = Path(d)
        recorded = {}
        for rec in d.glob("*.dist-info/RECORD"):
            try:
                for row in csv.reader(io.StringIO(rec.read_text(encoding="utf-8", errors="replace"))):
                    if len(row) >= 2 and row[0].endswith(".pth") and "/" not in row[0]:
                        recorded[row[0]] = row[1]
            except (OSError, csv.Error):
                continue
        for pth in sorted(d.glob("*.pth")):
            want = recorded.get(pth.name)
            digest = base64.urlsafe_b64encode(hashlib.sha256(pth.read_bytes()).digest()).rstrip(b"=").decode()
            if want is None:
                problems.append(f"{pth} was not installed by pip (no package records it)")
            elif want and want != f"sha256={digest}":
                problems.append(f"{pth} differs from what pip installed")
    return problems


def _fingerprint(protected, package: bool = True) -> str:
    """SHA-256 over the ``mlsysim`` package sources and the site ``.pth`` files (``package``) and
    the ``protected`` paths."""
    roots = [Path(__file__).resolve().parent.parent] if package else []
    roots += [Path(p) for p in protected]
    h = hashlib.sha256()
    files = [p for r in roots for p in (sorted(r.rglob("*")) if r.is_dir() else [r])]
    if package:
        files += [p for d in _site_dirs() for p in sorted(d.glob("*.pth"))]
    for p in files:
        if p.is_file() and "__pycache__" not in p.parts and p.suffix not in (".pyc",):
            h.update(str(p).encode())
            try:
                h.update(p.read_bytes())
            except OSError:
                h.update(b"<unreadable>")
    return h.hexdigest()


# -- 2. finding and matching submissions -------------------------------------------------------
@dataclass
class Matched:
    blobs: dict = field(default_factory=dict)        # sid -> (display name, bytes)
    how: dict = field(default_factory=dict)          # sid -> "notebook identity" | "file name"
    notes: dict = field(default_factory=dict)        # sid -> [notes]
    unknown: list = field(default_factory=list)      # (name, reason)
    duplicates: dict = field(default_factory=dict)   # sid -> [names], first is the one graded
    ignored: list = field(default_factory=list)


def _identity(data: bytes):
    try:
        meta = json.loads(data.decode("utf-8")).get("metadata", {}).get("mlsysim_course", {})
        return meta.get("student"), meta.get("assignment")
    except Exception:  # noqa: BLE001 – unreadable files are reported when they are parsed
        return None, None


def _by_file_name(name: str, roster) -> list[str]:
    stem = re.sub(r"\s*\(\d+\)$", "", Path(name).stem).casefold()
    return [sid for sid in roster
            if re.search(rf"(?<![a-z0-9]){re.escape(sid.casefold())}(?![a-z0-9])", stem)]


def match_submissions(folder: Path, record: dict, skip=()) -> Matched:
    """Match every ``*.ipynb`` under ``folder`` to a roster student (see the module docstring)."""
    roster = list(record["students"])
    m = Matched()
    candidates: dict[str, list] = {}
    skip = {Path(s).resolve() for s in skip}
    for p in sorted(folder.rglob("*")):
        rel = p.relative_to(folder)
        if any(part.startswith(".") for part in rel.parts) or p.resolve() in skip or not p.is_file():
            continue
        if p.suffix != ".ipynb":
            if p.name != "submission_metadata.yml":          # Gradescope's export metadata
                m.ignored.append(str(rel))
            continue
        if p.stat().st_size > MAX_NOTEBOOK_BYTES:
            m.unknown.append((str(rel), f"larger than {MAX_NOTEBOOK_BYTES >> 20} MB, not read"))
            continue
        data = p.read_bytes()
        who, assignment = _identity(data)
        by_name = _by_file_name(p.name, roster) or _by_file_name(str(rel.parent), roster)
        note = None
        if isinstance(who, str) and who in record["students"] and assignment == record["assignment"]:
            sid, how = who, "notebook identity"
            if by_name and who not in by_name:
                note = (f"the file name {safe_text(str(rel), 120)} names {', '.join(by_name)}, but the notebook "
                        f"was assigned to {who}")
        elif len(by_name) == 1:
            sid, how = by_name[0], "file name"
        else:
            reason = ("its file name matches several students: " + ", ".join(by_name)) if by_name else \
                ("it belongs to another assignment" if who in record["students"] else
                 "it records no student of this roster and its file name names none")
            m.unknown.append((str(rel), reason))
            continue
        candidates.setdefault(sid, []).append((p.stat().st_mtime, str(rel), data, how, note))
    for sid, found in candidates.items():
        found.sort(key=lambda f: (-f[0], f[1]))          # newest first
        _, name, data, how, note = found[0]
        m.blobs[sid] = (name, data)
        m.how[sid] = how
        if note:
            m.notes[sid] = [note]
        if len(found) > 1:
            m.duplicates[sid] = [f[1] for f in found]
    return m


# -- static checks -----------------------------------------------------------------------------
def _static_checks(nb, sid: str, record: dict) -> list[tuple[str, str]]:
    """Problems visible without running: edited or missing inputs."""
    problems = []
    recorded = record["students"][sid]["params"]
    injected = find_tagged(nb, INJECTED_TAG)
    if not injected:
        problems.append(("params-altered",
                         "the cell with your assigned inputs (tagged injected-parameters) is missing"))
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
                problems.append(("params-altered",
                                 f"{name} was changed from {value!r} to "
                                 f"{safe_text(repr(values[name]), 60)} in the injected-parameters cell"))
    tagged = find_tagged(nb, PARAMETERS_TAG)
    pristine = record.get("parameters_cell", {})
    if not tagged:
        problems.append(("params-altered", "the cell tagged parameters is missing"))
    else:
        try:
            values = assigned_values(nb.cells[tagged[0]].source)
            for name in sorted(set(values) | set(pristine)):
                if name not in values or name not in pristine or not values_equal(values[name], pristine[name]):
                    problems.append(("params-altered", f"the cell tagged parameters was edited "
                                                       f"({safe_text(name, 40)})"))
        except SyntaxError:
            problems.append(("params-altered", "the cell tagged parameters is not valid Python"))
    return problems


@dataclass
class Student:
    sid: str
    status: list = field(default_factory=list)
    notes: list = field(default_factory=list)
    source: str | None = None        # the notebook text to run
    file: str | None = None
    run: dict | None = None
    attempts: int = 0

    def flag(self, code: str, note: str | None = None):
        if code not in self.status:
            self.status.append(code)
        if note:
            self.notes.append(note)


def _prepare(record: dict, matched: Matched) -> dict[str, Student]:
    import nbformat

    state = {}
    for sid in record["students"]:
        st = state[sid] = Student(sid)
        if sid not in matched.blobs:
            st.flag("missing")
            continue
        st.file, data = matched.blobs[sid]
        for note in matched.notes.get(sid, []):
            st.flag("identity-mismatch", note)
        try:
            text = data.decode("utf-8")
            nb = nbformat.reads(text, as_version=4)
            if not isinstance(nb.get("cells"), list):
                raise ValueError("no cells")
        except Exception as exc:  # noqa: BLE001
            first = str(exc).splitlines()[0] if str(exc) else ""
            st.flag("unreadable", f"The file could not be read as a notebook ({type(exc).__name__}: "
                                  f"{safe_text(first, 160)}).")
            continue
        st.source = nbformat.writes(nb)
        for code, note in _static_checks(nb, sid, record):
            st.flag(code, note)
    return state


# -- 3. running in sandboxes -------------------------------------------------------------------
def _expressions(record: dict) -> dict:
    expressions = {}
    for ex in record["exercises"]:
        expressions[f"answer:{ex['id']}"] = f"repr({ex['answer_var']})"
        if ex.get("explain_var"):
            expressions[f"explain:{ex['id']}"] = f"repr({ex['explain_var']})"
    for name in record["variant"]:
        expressions[f"param:{name}"] = f"repr({name})"
    return expressions


_RUN_KEYS: dict[str, type | tuple[type, ...]] = {
    "status": str, "errors": list, "expressions": dict, "detail": str, "seconds": (int, float), "truncated": bool}


def _parse_result(stdout: bytes) -> dict | None:
    """The worker's result line, validated as data (the submission may have forged or damaged it)."""
    from .worker import MARK

    text = stdout.decode("utf-8", "replace")
    if MARK not in text:
        return None
    try:
        run = json.loads(text.rsplit(MARK, 1)[1].splitlines()[0])
    except (ValueError, IndexError):
        return None
    if not isinstance(run, dict) or any(not isinstance(run.get(k), t) for k, t in _RUN_KEYS.items()):
        return None
    if run["status"] not in ("ok", "timeout", "kernel-died", "kernel-failed"):
        return None
    return run


def _run_one(sandbox, st: Student, expressions: dict, timeout: float, slot: int, retries: int) -> dict:
    """Run one submission, retrying infrastructure failures; returns the run dict."""
    job = json.dumps({"notebook": st.source, "timeout": timeout, "expressions": expressions}).encode()
    problem = ""
    for attempt in range(1 + retries):
        st.attempts = attempt + 1
        try:
            outcome = sandbox.run(job, slot, wall_seconds=timeout + 90)
        except OSError as exc:                     # e.g. too many processes on the machine right now
            problem = f"the sandbox could not be started ({safe_text(exc, 160)})"
            continue
        run = _parse_result(outcome.stdout)
        if outcome.killed:
            return {"status": "timeout", "errors": [], "expressions": {}, "timeout_cell": None,
                    "seconds": outcome.seconds, "detail": "the sandbox was stopped at the wall-clock limit",
                    "truncated": False}
        if run is not None and run["status"] != "kernel-failed":
            return run
        problem = (f"the kernel could not start ({safe_text(run['detail'], 160)})" if run is not None else
                   f"the worker ended without a result (exit status {outcome.returncode}; "
                   f"{safe_text(outcome.stderr.decode('utf-8', 'replace').strip()[-160:], 160) or 'no message'})")
    return {"status": "infrastructure", "errors": [], "expressions": {}, "timeout_cell": None, "seconds": 0.0,
            "detail": f"{problem}; tried {1 + retries} times", "truncated": False}


class _Progress:
    def __init__(self, total: int, stream=None):
        self.total, self.done, self.stream = total, 0, stream or sys.stderr
        self.tty = hasattr(self.stream, "isatty") and self.stream.isatty()
        self.t0 = time.monotonic()

    def step(self, sid: str):
        self.done += 1
        elapsed = time.monotonic() - self.t0
        eta = elapsed / self.done * (self.total - self.done)
        bar = "#" * int(30 * self.done / max(self.total, 1))
        line = f"[{bar:<30}] {self.done}/{self.total} graded, {elapsed:.0f} s elapsed, ~{eta:.0f} s left"
        if self.tty:
            self.stream.write("\r" + line + ("\n" if self.done == self.total else ""))
        elif self.done == self.total or self.done % max(1, self.total // 10) == 0:
            self.stream.write(line + "\n")
        self.stream.flush()


def _run_all(state: dict, record: dict, sandbox, jobs: int, timeout: float, retries: int, protected,
             progress: bool, watch_package: bool = True) -> list[str]:
    """Run every readable submission; returns warnings for the report.  Without a sandbox, a change
    to the watched files stops grading and names the submissions that were running."""
    warnings: list[str] = []
    to_run = [st for st in state.values() if st.source is not None]
    expressions = _expressions(record)
    baseline = _fingerprint(protected, watch_package)
    bar = _Progress(len(to_run)) if progress and to_run else None
    free_slots = list(range(jobs))
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        pending, queue = {}, list(to_run)

        def launch():
            while queue and free_slots:
                st, slot = queue.pop(0), free_slots.pop(0)
                pending[pool.submit(_run_one, sandbox, st, expressions, timeout, slot, retries)] = (st, slot)

        launch()
        while pending:
            done, _ = wait(list(pending), return_when=FIRST_COMPLETED)
            finished = []
            for fut in done:
                st, slot = pending.pop(fut)
                free_slots.append(slot)
                st.run = fut.result()
                finished.append(st.sid)
                if bar:
                    bar.step(st.sid)
            now = _fingerprint(protected, watch_package)
            if now != baseline and not sandbox.unsafe:
                # submissions see these files read-only: whoever changed them is outside the sandboxes
                warnings.append("the mlsysim package, a .pth file or a protected path changed on disk while "
                                "grading, not by a submission (sandboxes mount them read-only); runs that "
                                "started after " + ", ".join(finished) + " used the changed files")
                baseline = now
            if now != baseline:
                running = [s.sid for s, _ in pending.values()]
                queue.clear()
                wait(list(pending))
                raise CourseError(
                    "the grader's environment (mlsysim package, .pth files or protected paths) changed on disk "
                    f"while grading. Submissions that had just finished: {', '.join(finished)}"
                    + (f"; still running: {', '.join(running)}" if running else "")
                    + ". Nothing was written. Restore the environment and grade in the sandbox "
                      "(without --unsafe-no-sandbox).")
            launch()
    return warnings


# -- 4. scoring --------------------------------------------------------------------------------
def _read_value(expr: dict | None):
    """(value, problem) from one read-back expression; values are parsed as literals, never run."""
    from .runner import Opaque, decode_repr

    if expr is None or not isinstance(expr, dict):
        return None, "could not be read"
    if expr.get("status") != "ok":
        if expr.get("ename") == "NameError":
            return None, "is not defined (was its cell deleted, or did it fail?)"
        return None, f"raised {safe_text(expr.get('ename'), 40)} when read"
    shown = decode_repr(str(expr.get("text", "")))
    value = decode_repr(shown) if isinstance(shown, str) else Opaque(str(expr.get("text"))[:120])
    return value, None


def _verdict(ex: dict, expr, key, plausible) -> Verdict:
    from .runner import Opaque

    value, problem = _read_value(expr)
    if problem:
        return Verdict("missing", f"{ex['answer_var']} {problem}")
    if ex["kind"] == "numeric":
        if isinstance(value, Opaque):
            return Verdict("non-numeric", f"{safe_text(value.text, 60)} is not a number")
        v = score_numeric(value, key, ex.get("tol", 0.0), ex.get("abs_tol", 0.0), ex.get("partial", ()))
        if v.status == "non-numeric":
            v.detail = safe_text(v.detail, 120)
        if v.status in ("incorrect", "partial") and plausible:
            hint = magnitude_hint(v.value, *plausible)
            v.detail = (v.detail + "; " if v.detail else "") + (hint or "right order of magnitude; check the "
                                                                       "formula, your rounding and your inputs")
        return v
    if isinstance(value, Opaque):
        return Verdict("invalid", f"{safe_text(value.text, 60)} is not one of the options")
    v = compare_choice(value, key, ex.get("options", []))
    v.detail = safe_text(v.detail, 120)
    return v


def _check_run(st: Student, record: dict, timeout: float) -> bool:
    """Fold the run's outcome into the student's status; True when answers can be graded."""
    run = st.run
    if run is None:
        return False
    if run["status"] != "ok":
        if run["status"] == "timeout":
            where = (f"Cell {run['timeout_cell']} was still running" if run.get("timeout_cell")
                     else "It was still running")
            st.flag("timeout", f"{where} when the time limit ({timeout:g} s for the whole notebook) ran out.")
        else:
            st.flag(run["status"], safe_text(run.get("detail", ""), 300) or None)
    elif not run["expressions"]:
        st.flag("answers-unreadable", safe_text(run.get("detail") or "The answers could not be read.", 300))
    for e in run.get("errors", [])[:20]:
        if isinstance(e, dict):
            st.flag("cell-error", f"Cell {safe_text(e.get('cell'), 8)} ({safe_text(e.get('line', ''), 80)}) raised "
                                  f"{safe_text(e.get('ename', ''), 60)}: {safe_text(e.get('evalue', ''), 200)}")
    if run.get("truncated"):
        st.notes.append("The notebook printed more output than the grader keeps; the rest was dropped.")
    if run["status"] != "ok" or not run["expressions"]:
        return False
    for name, value in record["students"][st.sid]["params"].items():
        got, problem = _read_value(run["expressions"].get(f"param:{name}"))
        if problem:
            st.flag("params-altered", f"{name} was not defined at the end of the run")
        elif not values_equal(got, value):
            st.flag("params-altered", f"{name} was {safe_text(repr(got), 60)} at the end of the run instead of "
                                      f"the assigned {value!r} (reassigned in a later cell?)")
    return True


def _score(st: Student, record: dict, timeout: float, manual: dict, late: dict) -> dict:
    gradable = _check_run(st, record, timeout)
    keys = record["students"][st.sid]["keys"]
    plausible = record["students"][st.sid].get("plausible", {})
    verdicts, explanations, points = {}, {}, {}
    for ex in record["exercises"]:
        eid = ex["id"]
        if not gradable:
            verdicts[eid] = Verdict("not-graded", "not graded: " + (st.status[0] if st.status else "not run"))
        else:
            assert st.run is not None                  # _check_run is True only when there is a run
            verdicts[eid] = _verdict(ex, st.run["expressions"].get(f"answer:{eid}"), keys[eid], plausible.get(eid))
            verdicts[eid].key = keys[eid]
            if ex.get("explain_var"):
                text, _ = _read_value(st.run["expressions"].get(f"explain:{eid}"))
                explanations[eid] = text if isinstance(text, str) else ("" if text is None else repr(text))
        points[eid] = round(ex["points"] * verdicts[eid].fraction, 4)
        if (st.sid, eid) in manual:
            points[f"{eid}:manual"] = manual[(st.sid, eid)]
    raw = sum(points.values())
    penalty = 0.0
    if st.sid in late and st.source is not None:
        days, fraction = late[st.sid]
        if days > 0:
            penalty = round(raw * fraction, 4)
            st.flag("late", f"{days:g} day(s) late: −{fraction * 100:g}% ({penalty:g} points)")
    codes = [c for c in STATUS_ORDER if c in st.status]
    codes += [f"{eid}:{v.status}" for eid, v in verdicts.items() if v.status in ("missing", "non-numeric", "invalid",
                                                                                  "partial")]
    return {"student": st.sid, "points": points, "penalty": penalty, "total": round(raw - penalty, 4),
            "status": ";".join(codes) or "ok", "verdicts": verdicts, "explanations": explanations}


def _read_manual(path, record) -> dict:
    """Manual scores: CSV ``student_id,exercise,points`` (explanations graded by hand)."""
    if not path:
        return {}
    path = Path(path)
    if not path.is_file():
        raise CourseError(f"manual scores {path} do not exist (CSV with student_id,exercise,points)")
    exercises = {ex["id"]: ex for ex in record["exercises"]}
    out = {}
    rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
    for n, row in enumerate(rows, start=2):
        sid, eid, pts = (row.get(k, "").strip() for k in ("student_id", "exercise", "points"))
        if sid not in record["students"]:
            raise CourseError(f"manual scores {path}, line {n}: {sid!r} is not on the roster")
        if eid not in exercises:
            raise CourseError(f"manual scores {path}, line {n}: no exercise {eid!r} (have {', '.join(exercises)})")
        try:
            value = float(pts)
        except ValueError:
            raise CourseError(f"manual scores {path}, line {n}: points {pts!r} is not a number") from None
        top = exercises[eid].get("manual_points", 1)
        if not (0 <= value <= top):
            raise CourseError(f"manual scores {path}, line {n}: {value:g} points for {eid} is outside 0–{top:g}")
        out[(sid, eid)] = value
    return out


def _read_late(path, per_day: float, max_days: float | None, record) -> dict:
    """Late days: CSV ``student_id,days_late``; penalty ``per_day`` (fraction) per started day, all
    points lost beyond ``max_days``."""
    if not path:
        return {}
    path = Path(path)
    if not path.is_file():
        raise CourseError(f"late days {path} do not exist (CSV with student_id,days_late)")
    out = {}
    for n, row in enumerate(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig"))), start=2):
        sid = (row.get("student_id") or "").strip()
        if sid not in record["students"]:
            raise CourseError(f"late days {path}, line {n}: {sid!r} is not on the roster")
        try:
            days = float(row.get("days_late", ""))
        except ValueError:
            raise CourseError(f"late days {path}, line {n}: days_late must be a number") from None
        if days < 0:
            raise CourseError(f"late days {path}, line {n}: days_late must not be negative")
        started = math.ceil(days)
        fraction = 1.0 if (max_days is not None and days > max_days) else min(1.0, started * per_day)
        out[sid] = (days, fraction)
    return out


# -- 5. outputs ----------------------------------------------------------------------------------
def _fmt_points(x: float) -> str:
    return f"{x:g}" if float(x) == int(x) else f"{x:.2f}".rstrip("0")


def _fmt_value(x) -> str:
    if isinstance(x, float):
        return f"{x:.6g}"
    return safe_text(repr(x), 80)


def _cell(text) -> str:
    """A CSV cell that a spreadsheet will not run as a formula."""
    text = "".join(ch if ch in "\n\t" or not (ord(ch) < 32 or 127 <= ord(ch) < 160) else "\ufffd"
                   for ch in str(text))                       # no terminal escapes in the CSVs either
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


def _csv(rows) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    for r in rows:
        w.writerow([_cell(c) for c in r])
    return buf.getvalue()


def _columns(record) -> list[str]:
    cols = []
    for ex in record["exercises"]:
        cols.append(ex["id"])
        if ex.get("explain_var"):
            cols.append(f"{ex['id']}:manual")
    return cols


def _grades_csv(record, results) -> str:
    cols = _columns(record)
    rows = [["student"] + cols + ["late_penalty", "total", "status"]]
    for r in results:
        rows.append([r["student"]] + [_fmt_points(r["points"].get(c, 0)) if c in r["points"] or ":manual" not in c
                                      else "" for c in cols]
                    + [_fmt_points(r["penalty"]), _fmt_points(r["total"]), r["status"]])
    return _csv(rows)


def _lms_csvs(record, results, title: str) -> dict:
    roster = record.get("roster", {})
    canvas = [["Student", "ID", "SIS User ID", "SIS Login ID", "Section", title]]
    gradescope = [["Name", "SID", "Email", "Total Score"]]
    for r in results:
        info = roster.get(r["student"], {})
        canvas.append([info.get("name", ""), info.get("canvas_id", info.get("id", "")),
                       info.get("sis_user_id", r["student"]), info.get("sis_login_id", ""),
                       info.get("section", ""), _fmt_points(r["total"])])
        gradescope.append([info.get("name", ""), r["student"], info.get("email", ""), _fmt_points(r["total"])])
    return {"canvas.csv": _csv(canvas), "gradescope.csv": _csv(gradescope)}


def _feedback(st: Student, r: dict, record: dict, max_points: float, reveal: bool) -> str:
    lines = [f"# Feedback for {st.sid}", "",
             f"Assignment: {safe_text(record['notebook']['name'])} · total **{_fmt_points(r['total'])} / "
             f"{_fmt_points(max_points)}** points", ""]
    codes = [c for c in r["status"].split(";") if c != "ok" and ":" not in c]
    if codes or st.notes:
        lines.append("## What the grader noticed")
        lines += [f"- **{c}**: {STATUS_TEXT.get(c, c)}" for c in codes]
        lines += [f"  - {n}" for n in st.notes]
        lines.append("")
    lines += ["## Answers", "", "| Exercise | Your answer | Result | Points |", "|:--|:--|:--|--:|"]
    for ex in record["exercises"]:
        v = r["verdicts"][ex["id"]]
        mine = _fmt_value(v.value) if v.value is not None else "—"
        result = {"correct": "✔ correct", "incorrect": "✘ incorrect", "partial": "≈ partly right"}.get(
            v.status, f"{v.status}")
        if v.status == "incorrect" and ex["kind"] == "numeric":
            tol = f"±{ex['tol'] * 100:g}%" if ex.get("tol") else f"±{ex.get('abs_tol'):g}"
            result += f" (outside {tol})"
        if v.detail:
            result += f": {v.detail}"
        if reveal and v.status in ("incorrect", "partial", "missing", "non-numeric", "invalid") and v.key is not None:
            result += f"; expected {_fmt_value(v.key)}{(' ' + ex.get('unit')) if ex.get('unit') else ''}"
        pts = r["points"][ex["id"]]
        lines.append(f"| {ex['id']} {safe_text(ex.get('title', ''), 60)} | {mine} | {result.replace('|', '/')} | "
                     f"{_fmt_points(pts)} / {_fmt_points(ex['points'])} |")
    for eid, text in r["explanations"].items():
        lines += ["", f"Your explanation for {eid} (graded by your instructor):", "",
                  "> " + (safe_text(text, 2000) if str(text).strip() else "(empty)")]
    if r["penalty"]:
        lines += ["", f"Late penalty: −{_fmt_points(r['penalty'])} points."]
    lines += ["", "Your inputs: " + ", ".join(f"{k} = {v!r}" for k, v in record["students"][st.sid]["params"].items())]
    return "\n".join(lines) + "\n"


def _report(record, results, state, matched, max_points, opts, seconds, warnings=()) -> str:
    n_ok = sum(r["status"] == "ok" for r in results)
    per = [st.run["seconds"] for st in state.values() if st.run and st.run.get("seconds")]
    mode = "no sandbox (--unsafe-no-sandbox)" if opts["unsafe"] else "one bubblewrap sandbox per submission"
    lines = [f"# Grading report: {safe_text(record['notebook']['name'])}", "",
             f"- {len(results)} students on the roster; {n_ok} graded without problems; "
             f"maximum {_fmt_points(max_points)} points",
             f"- {mode}; timeout {opts['timeout']:g} s per notebook; {opts['jobs']} in parallel; "
             f"total {seconds:.1f} s" + (f"; mean {sum(per) / len(per):.1f} s per executed submission" if per else "")]
    if warnings:
        lines += ["", "## Warnings", ""] + [f"- {w}" for w in warnings]
    infra = [st.sid for st in state.values() if "infrastructure" in st.status]
    if infra:
        lines += ["", "## Infrastructure failures (exit status 3): re-run these", ""]
        lines += [f"- {sid}: {safe_text(state[sid].run['detail'], 300)}" for sid in infra]
    problems = [r for r in results if r["status"] != "ok"]
    if problems:
        lines += ["", "## Students needing attention", ""]
        for r in problems:
            lines.append(f"- {r['student']}: {r['status']}")
            lines += [f"  - {n}" for n in state[r["student"]].notes]
    if matched.duplicates:
        lines += ["", "## Several files for one student (the newest was graded)", ""]
        lines += [f"- {sid}: " + ", ".join(safe_text(n, 120) for n in names)
                  for sid, names in matched.duplicates.items()]
    by_name = [sid for sid, how in matched.how.items() if how == "file name"]
    if by_name:
        lines += ["", "## Matched by file name (the notebook records no identity of this assignment)", ""]
        lines += [f"- {sid}: {safe_text(matched.blobs[sid][0], 120)}" for sid in by_name]
    if matched.unknown:
        lines += ["", "## Files not matched to a student (not graded)", ""]
        lines += [f"- {safe_text(name, 120)}: {reason}" for name, reason in matched.unknown]
    if matched.ignored:
        lines += ["", "## Ignored (not notebooks)", ""] + [f"- {safe_text(n, 120)}" for n in matched.ignored]
    return "\n".join(lines) + "\n"


def _write_outputs(out: Path, feedback: Path, record, results, state, report, reveal) -> str:
    max_points = sum(ex["points"] for ex in record["exercises"])
    csv_text = _grades_csv(record, results)
    title = f"{Path(record['notebook']['name']).stem} ({record['assignment']})"
    with atomic_dir(feedback, replace=True) as tmp:
        for r in results:
            (tmp / f"{r['student']}.md").write_text(_feedback(state[r["student"]], r, record, max_points, reveal),
                                                    encoding="utf-8")
        rows = [["student_id", "exercise", "choice", "explanation", "points"]]
        for r in results:
            for ex in record["exercises"]:
                if ex.get("explain_var") and ex["id"] in r["explanations"]:
                    v = r["verdicts"][ex["id"]]
                    rows.append([r["student"], ex["id"], v.value if isinstance(v.value, str) else "",
                                 r["explanations"][ex["id"]], ""])
        (tmp / "explanations.csv").write_text(_csv(rows), encoding="utf-8")
        for name, text in _lms_csvs(record, results, title).items():
            (tmp / name).write_text(text, encoding="utf-8")
        (tmp / "report.md").write_text(report, encoding="utf-8")
    atomic_file(out, csv_text)
    return csv_text


# -- the command ---------------------------------------------------------------------------------
def _check_options(submissions: Path, out: Path, timeout, jobs) -> int:
    if not submissions.is_dir():
        raise CourseError(f"submissions folder {submissions} does not exist")
    if not (isinstance(timeout, (int, float)) and timeout > 0):
        raise CourseError(f"--timeout must be a positive number of seconds, not {timeout!r}")
    jobs = int(jobs or min(4, os.cpu_count() or 1))
    if jobs < 1:
        raise CourseError("--jobs must be at least 1")
    if out.is_dir():
        raise CourseError(f"--out {out} is a folder; give a CSV file name such as grades.csv")
    if not out.resolve().parent.is_dir():
        raise CourseError(f"cannot write {out}: folder {out.resolve().parent} does not exist")
    return jobs


def grade(submissions, out, params=None, timeout: float = 60, jobs: int | None = None, feedback=None,
          memory_mb: int = 2048, reveal: bool = True, secret_file=None, unsafe_no_sandbox: bool = False,
          manual=None, late=None, late_penalty: float = 0.1, late_max_days: float | None = None,
          retries: int = 2, protected=(), watch_package: bool = True, progress: bool = True,
          log=print) -> dict:
    """Grade every submission; returns a summary (rows, CSV text, infrastructure failures, …).

    ``summary["exit_status"]`` is 0, or :data:`EXIT_INFRA` when some submission could not be run
    because of the grader's infrastructure (listed in the report and in the status column).
    ``protected`` paths are bound read-only into every sandbox and watched by the tripwire, with
    the ``mlsysim`` package and the ``.pth`` files (``watch_package``)."""
    from .sandbox import Sandbox

    t_start = time.monotonic()
    submissions, out = Path(submissions), Path(out)
    jobs = _check_options(submissions, out, timeout, jobs)
    feedback = Path(feedback) if feedback else out.with_name(f"{out.stem}-feedback")
    record_path = _find_record(submissions, params)
    record = load_record(record_path, secret_file, forbidden=[submissions])
    manual_scores = _read_manual(manual, record)
    late_days = _read_late(late, late_penalty, late_max_days, record)
    bad_env = environment_problems()
    if bad_env:
        raise CourseError("the grader's Python environment has been tampered with: " + "; ".join(bad_env)
                          + ". Remove these files (or reinstall the environment) before grading")
    sandbox = Sandbox(unsafe=unsafe_no_sandbox, memory_mb=memory_mb, extra_ro=protected)
    sandbox.probe()

    matched = match_submissions(submissions, record, skip=[record_path, out])
    if not matched.blobs and not matched.unknown:
        raise CourseError(f"no submissions (*.ipynb files) in {submissions}")
    state = _prepare(record, matched)
    n_run = sum(st.source is not None for st in state.values())
    log(f"grading {n_run} notebooks, {jobs} at a time, "
        f"{'WITHOUT a sandbox' if unsafe_no_sandbox else 'each in its own sandbox'}, timeout {timeout:g} s…")
    warnings = _run_all(state, record, sandbox, jobs, timeout, retries, protected, progress, watch_package)

    results = [_score(state[sid], record, timeout, manual_scores, late_days) for sid in record["students"]]
    opts = {"unsafe": unsafe_no_sandbox, "timeout": timeout, "jobs": jobs}
    max_points = sum(ex["points"] for ex in record["exercises"])
    report = _report(record, results, state, matched, max_points, opts, time.monotonic() - t_start, warnings)
    csv_text = _write_outputs(out, feedback, record, results, state, report, reveal)
    log(report)
    infra = [st.sid for st in state.values() if "infrastructure" in st.status]
    runs = [st.run for st in state.values() if st.run]
    cpu = sum(float(r.get("cpu_seconds", 0) or 0) for r in runs if isinstance(r.get("cpu_seconds", 0), (int, float)))
    return {"rows": [{"student": r["student"], **r["points"], "total": r["total"], "status": r["status"]}
                     for r in results],
            "csv": csv_text, "unknown": matched.unknown, "duplicates": matched.duplicates,
            "ignored": matched.ignored, "feedback": str(feedback), "seconds": time.monotonic() - t_start,
            "report": report, "infrastructure": infra, "exit_status": EXIT_INFRA if infra else 0,
            "jobs": jobs, "run_seconds": sum(float(r.get("seconds", 0)) for r in runs), "cpu_seconds": cpu}
