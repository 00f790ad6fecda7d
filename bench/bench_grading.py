"""Benchmark: the coursework grader on 100 submissions, with the sandbox and without it, in one run.

    .venv/bin/python bench/bench_grading.py [--students 100] [--jobs 2] [--keep DIR]

Assigns the pilot section (book/retraining_economics.ipynb) to a generated roster, fills every
student notebook (three in four right, computed from the recorded inputs with the notebook's own
RetrainingInterval class; the rest off by 10% on exercise 1), then grades the same submissions twice:
once with one bubblewrap sandbox per submission, once with --unsafe-no-sandbox.  Prints seconds per
submission for both, their ratio, and the cores used (CPU seconds of the grading processes divided
by wall seconds).  Checks that both runs give the expected grades.  Not a timed test: the numbers
depend on the machine and on what else runs on it (the load average is printed with them).
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import re
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))


def _children_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def _grade(subs, work, name, unsafe, args, expected):
    from mlsysim.course.grade import grade

    out = work / f"grades-{name}.csv"
    cpu0, t0 = _children_cpu(), time.perf_counter()
    summary = grade(subs, out, params=work / "dist" / "instructor" / "params.json", timeout=args.timeout,
                    jobs=args.jobs, secret_file=work / "secret.key", unsafe_no_sandbox=unsafe, progress=False,
                    watch_package=False,       # other work may edit the repository meanwhile; not measured here
                    log=lambda *a, **k: None)
    wall = time.perf_counter() - t0
    # CPU of the runs as each worker measured it (itself + its kernel; a sandbox's processes are not
    # children the grader can account for), plus the grader's own children outside sandboxes
    cpu = summary["cpu_seconds"]
    grader_cpu = resource.getrusage(resource.RUSAGE_SELF)
    rows = list(csv.DictReader(out.open()))
    wrong = [r["student"] for r in rows if float(r["total"]) != expected[r["student"]] or r["status"] != "ok"]
    return {"wall": wall, "cpu": cpu, "n": len(rows), "wrong": wrong, "jobs": summary["jobs"],
            "parallel": summary["run_seconds"] / wall, "children_cpu": _children_cpu() - cpu0,
            "grader_cpu": grader_cpu.ru_utime + grader_cpu.ru_stime}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--students", type=int, default=100)
    ap.add_argument("--jobs", type=int, default=None, help="default: the grader's default (the CPU count)")
    ap.add_argument("--timeout", type=float, default=120)
    ap.add_argument("--keep", help="keep the generated files in this folder")
    args = ap.parse_args(argv)

    import nbformat
    from notebook_ns import load_namespace

    from mlsysim.course.assign import assign

    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="bench-grading-"))
    work.mkdir(parents=True, exist_ok=True)
    ids = [f"student{i:03d}" for i in range(args.students)]
    (work / "roster.csv").write_text("student_id\n" + "\n".join(ids) + "\n")

    t0 = time.perf_counter()
    record = assign(ROOT / "book" / "retraining_economics.ipynb", work / "roster.csv", work / "dist", 2026,
                    force=True, secret_file=work / "secret.key", log=lambda *a, **k: None)
    t_assign = time.perf_counter() - t0

    Interval = load_namespace("retraining_economics")["RetrainingInterval"]
    subs = work / "submitted"
    subs.mkdir(exist_ok=True)
    expected = {}
    for n, sid in enumerate(ids):
        p = record["students"][sid]["params"]
        c = Interval(retrain_cost=p["ex_retrain_cost"], query_volume=p["ex_query_volume"],
                     drift_rate=p["ex_drift_rate"])
        choice = "square-root law" if abs(c.law_error) <= 0.05 else "exact optimum"
        right = n % 4 != 3
        answers = {"answer_ex1": c.T_sqrt * (1 if right else 1.1), "answer_ex2": c.T_exact, "answer_ex3": choice}
        expected[sid] = 5 if right else 3
        nb = nbformat.read(work / "dist" / "students" / f"{sid}.ipynb", as_version=4)
        for cell in nb.cells:
            if "answer" in cell.metadata.get("tags", []):
                for var, value in answers.items():
                    cell.source = re.sub(rf"^{var} = .*$", f"{var} = {value!r}", cell.source, flags=re.MULTILINE)
        nbformat.write(nb, subs / f"{sid}.ipynb")

    sandboxed = _grade(subs, work, "sandbox", False, args, expected)
    unsafe = _grade(subs, work, "unsafe", True, args, expected)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    per_s, per_u = sandboxed["wall"] / sandboxed["n"], unsafe["wall"] / unsafe["n"]
    print(f"submissions        : {sandboxed['n']} (jobs={sandboxed['jobs']}, cpus={os.cpu_count()}, "
          f"load avg {load:.1f} after the runs)")
    print(f"assign             : {t_assign:.1f} s for {args.students} variants (one notebook run)")
    for name, r in (("with sandbox", sandboxed), ("without sandbox", unsafe)):
        print(f"{name:<19}: {r['wall']:.1f} s, {r['wall'] / r['n']:.2f} s per submission; "
              f"{r['parallel']:.2f} runs in parallel on average; {r['cpu'] / r['wall']:.2f} cores busy on "
              f"average in the runs ({r['cpu']:.0f} CPU s measured by the workers)")
    print(f"sandbox / no sandbox (s per submission): {per_s / per_u:.2f}")
    ok = not sandboxed["wrong"] and not unsafe["wrong"]
    print(f"grades as expected : {'yes, both runs' if ok else 'NO: ' + ', '.join(sandboxed['wrong'] + unsafe['wrong'])}")
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    print(json.dumps({"students": sandboxed["n"], "jobs": sandboxed["jobs"],
                      "sandbox_s_per_submission": round(per_s, 2), "unsafe_s_per_submission": round(per_u, 2),
                      "ratio": round(per_s / per_u, 2), "cores_busy_sandbox": round(sandboxed["cpu"] / sandboxed["wall"], 2),
                      "cores_busy_unsafe": round(unsafe["cpu"] / unsafe["wall"], 2),
                      "parallel_sandbox": round(sandboxed["parallel"], 2), "parallel_unsafe": round(unsafe["parallel"], 2),
                      "load_avg": round(load, 1)}))
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
