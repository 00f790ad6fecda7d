"""Instructor commands.

    python -m mlsysim.course assign --notebook book/x.ipynb --roster roster.csv --out dist/ --seed 2026
    python -m mlsysim.course grade  --submissions submitted/ --params dist/params.json --out grades.csv

Exit status: 0 on success (student problems are reported, not fatal); 2 when an instructor input
is invalid (one message on stderr, nothing written); 1 on an unexpected failure.
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
    g = sub.add_parser("grade", help="execute submissions, compare with recomputed keys, write grades")
    g.add_argument("--submissions", required=True, help="folder of <student_id>.ipynb files")
    g.add_argument("--out", required=True, help="grades CSV to write")
    g.add_argument("--params", help="params.json written by assign (default: in --submissions, else dist/)")
    g.add_argument("--key-notebook", help="the instructor notebook (default: the one recorded in params.json)")
    g.add_argument("--timeout", type=_positive, default=60, help="time limit per notebook, seconds (default 60)")
    g.add_argument("--jobs", type=int, default=None, help="notebooks run in parallel (default: 2 or the CPU count)")
    g.add_argument("--feedback", help="feedback folder (default: <out name>-feedback next to --out)")
    g.add_argument("--memory-mb", type=int, default=4096, help="memory limit per kernel in MB (0 = none)")
    g.add_argument("--no-reveal", action="store_true", help="do not show expected values in the feedback")
    g.add_argument("--ignore-key-hash", action="store_true",
                   help="grade even if the key notebook changed since assign")
    return ap


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if args.command == "assign":
            from .assign import assign

            assign(args.notebook, args.roster, args.out, args.seed, force=args.force, timeout=args.timeout)
        else:
            from .grade import grade

            grade(args.submissions, args.out, params=args.params, key_notebook=args.key_notebook,
                  timeout=args.timeout, jobs=args.jobs, feedback=args.feedback, memory_mb=args.memory_mb,
                  reveal=not args.no_reveal, ignore_key_hash=args.ignore_key_hash)
    except CourseError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
