"""Instructor commands.

    python -m mlsysim.course assign --notebook book/x.ipynb --roster roster.csv --out dist/ --seed 2026
    python -m mlsysim.course grade  --submissions submitted/ --params dist/params.json --out grades.csv

Exit status: 0 on success (student problems are reported, not fatal); 2 when an instructor input
is invalid (one message on stderr, nothing written) or no sandbox is available; 3 when grades were
written but some submissions could not be run because of infrastructure failures (listed); 1 on an
unexpected failure.
"""
from __future__ import annotations

import argparse
import sys

from .common import CourseError


def _seed(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"the seed must be a whole number, not {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError("the seed must not be negative")
    return value


def _positive(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of seconds, not {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError("must be positive")
    return value


def build_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="python -m mlsysim.course",
                                 description="Hand out personalised exercise notebooks and grade them.")
    sub = ap.add_subparsers(dest="command", required=True)
    a = sub.add_parser("assign", help="write one notebook per student with their own exercise inputs")
    a.add_argument("--notebook", required=True, help="the section notebook with exercises (book/x.ipynb)")
    a.add_argument("--roster", required=True, help="CSV file with a student_id column")
    a.add_argument("--out", required=True, help="folder to create (student notebooks + params.json)")
    a.add_argument("--seed", required=True, type=_seed, help="random seed; same roster + seed = same variants")
    a.add_argument("--force", action="store_true", help="replace --out if it already exists")
    a.add_argument("--timeout", type=_positive, default=600, help="time limit for reading the notebook (s)")
    a.add_argument("--secret-file", help="signing secret, kept outside the assignment folder (default: "
                                         "$MLSYSIM_COURSE_SECRET_FILE or ~/.config/mlsysim-course/secret.key; "
                                         "created if missing)")
    g = sub.add_parser("grade", help="run every submission in a sandbox, score it, write grades and feedback")
    g.add_argument("--submissions", required=True,
                   help="folder with the submitted notebooks, any names and subfolders (LMS download)")
    g.add_argument("--out", required=True, help="grades CSV to write")
    g.add_argument("--params", help="the signed record written by assign (default: dist/instructor/params.json)")
    g.add_argument("--secret-file", help="the signing secret assign used (default: $MLSYSIM_COURSE_SECRET_FILE "
                                         "or ~/.config/mlsysim-course/secret.key)")
    g.add_argument("--timeout", type=_positive, default=60, help="time limit per notebook, seconds (default 60)")
    g.add_argument("--jobs", type=int, default=None, help="notebooks run in parallel (default: the CPU count, max 4)")
    g.add_argument("--feedback", help="feedback folder (default: <out name>-feedback next to --out)")
    g.add_argument("--memory-mb", type=int, default=2048, help="memory limit per submission in MB (0 = none)")
    g.add_argument("--no-reveal", action="store_true", help="do not show expected values in the feedback")
    g.add_argument("--manual", help="hand-graded scores to merge: CSV student_id,exercise,points")
    g.add_argument("--late", help="late submissions: CSV student_id,days_late")
    g.add_argument("--late-penalty", type=float, default=0.1,
                   help="fraction of the points lost per started day late (default 0.1)")
    g.add_argument("--late-max-days", type=float, default=None, help="later than this: no points")
    g.add_argument("--retries", type=int, default=2, help="retries after an infrastructure failure (default 2)")
    g.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")
    g.add_argument("--unsafe-no-sandbox", action="store_true",
                   help="run submissions without a sandbox (only for work you trust)")
    return ap


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if args.command == "assign":
            from .assign import assign

            assign(args.notebook, args.roster, args.out, args.seed, force=args.force, timeout=args.timeout,
                   secret_file=args.secret_file)
        else:
            from .grade import grade

            summary = grade(args.submissions, args.out, params=args.params, timeout=args.timeout, jobs=args.jobs,
                            feedback=args.feedback, memory_mb=args.memory_mb, reveal=not args.no_reveal,
                            secret_file=args.secret_file, unsafe_no_sandbox=args.unsafe_no_sandbox,
                            manual=args.manual, late=args.late, late_penalty=args.late_penalty,
                            late_max_days=args.late_max_days, retries=args.retries,
                            progress=not args.no_progress)
            if summary["exit_status"]:
                print(f"error: {len(summary['infrastructure'])} submission(s) could not be graded because of "
                      f"infrastructure failures: {', '.join(summary['infrastructure'])} (see the report)",
                      file=sys.stderr)
                return summary["exit_status"]
    except CourseError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
