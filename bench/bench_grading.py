"""Benchmark: grading throughput of the coursework autograder for 40 submissions.

    .venv/bin/python bench/bench_grading.py [--students 40] [--jobs 2] [--keep DIR]

Assigns the pilot section (book/retraining_economics.ipynb) to a generated roster, fills every
student notebook with answers (three in four right, computed from the recorded inputs with the
notebook's own RetrainingInterval class; the rest off by 10%), grades them, checks the grades,
and prints the measured seconds and the per-submission ratio.  Not a timed test: the numbers
depend on the machine and on what else runs on it (the load average is printed with them).
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import re
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--students", type=int, default=40)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--timeout", type=float, default=120)
    ap.add_argument("--keep", help="keep the generated files in this folder")
    args = ap.parse_args(argv)

    import nbformat

    from mlsysim.course.assign import assign
    from mlsysim.course.grade import grade
    from notebook_ns import load_namespace

    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="bench-grading-"))
    work.mkdir(parents=True, exist_ok=True)
    ids = [f"student{i:03d}" for i in range(args.students)]
    (work / "roster.csv").write_text("student_id\n" + "\n".join(ids) + "\n")
    quiet = lambda *a, **k: None  # noqa: E731

    t0 = time.perf_counter()
    record = assign(ROOT / "book" / "retraining_economics.ipynb", work / "roster.csv", work / "dist", 2026,
                    force=True, log=quiet)
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
        nb = nbformat.read(work / "dist" / f"{sid}.ipynb", as_version=4)
        for cell in nb.cells:
            if "answer" in cell.metadata.get("tags", []):
                for var, value in answers.items():
                    cell.source = re.sub(rf"^{var} = .*$", f"{var} = {value!r}", cell.source, flags=re.M)
        nbformat.write(nb, subs / f"{sid}.ipynb")

    t1 = time.perf_counter()
    summary = grade(subs, work / "grades.csv", params=work / "dist" / "params.json", timeout=args.timeout,
                    jobs=args.jobs, log=quiet)
    t_grade = time.perf_counter() - t1

    rows = list(csv.DictReader((work / "grades.csv").open()))
    wrong = [r["student"] for r in rows if float(r["total"]) != expected[r["student"]] or r["status"] != "ok"]
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"submissions graded : {len(rows)} (jobs={args.jobs}, cpus={os.cpu_count()}, load avg {load:.1f})")
    print(f"assign             : {t_assign:.1f} s for {args.students} variants (one notebook run)")
    print(f"grade              : {t_grade:.1f} s in total")
    print(f"per submission     : {t_grade / len(rows):.2f} s wall "
          f"({len(rows) / t_grade * 60:.1f} submissions per minute)")
    report = summary["report"]
    m = re.search(r"keys ([\d.]+) s, submissions ([\d.]+) s", report)
    if m:
        print(f"  of which keys    : {m.group(1)} s; submissions {m.group(2)} s")
    print(f"grades as expected : {'yes' if not wrong else 'NO: ' + ', '.join(wrong)}")
    if not args.keep:
        import shutil

        shutil.rmtree(work, ignore_errors=True)
    print(json.dumps({"students": len(rows), "grade_seconds": round(t_grade, 1),
                      "per_submission_seconds": round(t_grade / len(rows), 2)}))
    return 0 if not wrong else 1


if __name__ == "__main__":
    raise SystemExit(main())
