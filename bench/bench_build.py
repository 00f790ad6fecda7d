"""Benchmark: building the website and testing the notebooks, measured in one run on this machine.

Budgets (issue 6): a clean build ≤ 120 s; a rebuild with no change ≤ 15 s; changing one notebook
re-executes that notebook only; nbval over all notebooks in parallel (pytest-xdist), reported against
the sum of kernel start-ups it cannot avoid.

The builds run on a private copy of the book (the `_toc.yml`, `_config.yml`, `book/`; `_ext/` and
`_vendor/` linked) into a private output folder, so the benchmark never touches the repository's
`_build/` or the notebooks other people are editing. Pages execute inline (myst-nb `execution_mode:
inline`): Sphinx re-reads — and so re-executes — only the pages whose source changed, which is
what the one-notebook step measures (from myst-nb's "Executed notebook" log lines).

    python bench/bench_build.py            # table of contents of the repository
    python bench/bench_build.py --all      # every book/*.ipynb, as tools/preview.sh would
    python bench/bench_build.py --skip-nbval --json /tmp/bench.json
"""
from __future__ import annotations

import argparse
import glob
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
BUDGET_CLEAN, BUDGET_NOCHANGE = 120.0, 15.0
EXECUTED = re.compile(r"^(?P<path>\S+\.ipynb): Executed notebook in (?P<secs>[\d.]+) seconds", re.M)
FAILED = re.compile(r"^(?P<path>\S+\.ipynb)\S*: WARNING: Executing notebook failed", re.M)


def prepare(tmp: Path, all_notebooks: bool) -> Path:
    src = tmp / "src"
    src.mkdir()
    shutil.copy2(ROOT / "_config.yml", src / "_config.yml")
    shutil.copytree(ROOT / "book", src / "book", ignore=shutil.ignore_patterns(".ipynb_checkpoints", "_build"))
    for linked in ("_ext", "_vendor"):
        os.symlink(ROOT / linked, src / linked)
    if all_notebooks:
        chapters = "".join(f"      - file: book/{Path(p).stem}\n" for p in sorted(glob.glob(str(src / "book/*.ipynb"))))
        (src / "_toc.yml").write_text(
            "format: jb-book\nroot: book/intro\nparts:\n  - caption: Using this book\n    chapters:\n"
            "      - file: book/how_to_use\n  - caption: ML Operations\n    numbered: true\n    chapters:\n"
            f"{chapters}  - caption: Back matter\n    chapters:\n      - file: book/glossary\n"
            "      - file: book/bibliography\n")
    else:
        shutil.copy2(ROOT / "_toc.yml", src / "_toc.yml")
    return src


def build(src: Path, out: Path, label: str) -> dict:
    cmd = [str(BIN / "jupyter-book"), "build", str(src), "--path-output", str(out), "-W", "-n", "--keep-going"]
    t = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    wall = time.perf_counter() - t
    log = proc.stdout + proc.stderr
    (out / f"{label}.log").write_text(log)
    executed = {Path(m["path"]).stem: float(m["secs"]) for m in EXECUTED.finditer(log)}
    failed = sorted({Path(m["path"]).stem for m in FAILED.finditer(log)})
    return {"label": label, "wall_s": round(wall, 2), "rc": proc.returncode, "executed": executed,
            "failed": failed, "log": str(out / f"{label}.log")}


def touch_one(src: Path, name: str) -> None:
    """A reader-visible edit: one more sentence at the end of the notebook's last markdown cell."""
    import nbformat

    path = src / "book" / f"{name}.ipynb"
    nb = nbformat.read(path, as_version=4)
    cell = next(c for c in reversed(nb.cells) if c.cell_type == "markdown")
    cell.source += "\n\n(Edited by the build benchmark.)"
    nbformat.write(nb, path)


def kernel_startup(runs: int = 3) -> float:
    """Median seconds from launching a python3 kernel to its first kernel_info reply."""
    from jupyter_client.manager import start_new_kernel

    times = []
    for _ in range(runs):
        t = time.perf_counter()
        km, kc = start_new_kernel(kernel_name="python3", stderr=subprocess.DEVNULL)
        times.append(time.perf_counter() - t)
        kc.stop_channels()
        km.shutdown_kernel(now=True)
    return statistics.median(times)


def nbval(notebooks: list[str], workers: int) -> dict:
    cmd = [str(BIN / "pytest"), "-q", "-p", "no:cacheprovider", "--nbval", "--nbval-sanitize-with",
           "tests/nbval_sanitize.cfg", *notebooks]
    if workers > 1:
        cmd += ["-n", str(workers), "--dist", "loadfile"]
    t = time.perf_counter()
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    wall = time.perf_counter() - t
    summary = (proc.stdout.strip().splitlines() or [""])[-1]
    failed = sorted({line.split()[1] for line in proc.stdout.splitlines() if line.startswith("FAILED ")})
    return {"workers": workers, "wall_s": round(wall, 2), "rc": proc.returncode, "summary": summary,
            "failed": failed}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--all", action="store_true", help="build every book/*.ipynb, not just the _toc.yml pages")
    ap.add_argument("--touch", default="retraining_economics", help="notebook to edit for the incremental build")
    ap.add_argument("--skip-nbval", action="store_true")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--json", type=Path, help="also write the results here")
    ap.add_argument("--keep", action="store_true", help="keep the private build folder")
    args = ap.parse_args(argv)

    subprocess.run([sys.executable, str(ROOT / "tools" / "vendor_assets.py")], check=True, capture_output=True)
    tmp = Path(tempfile.mkdtemp(prefix="bench-build-"))
    results: dict = {"cpus": os.cpu_count(), "load_avg_at_start": os.getloadavg()[0]}
    ok = True
    try:
        src = prepare(tmp, args.all)
        out = tmp / "out"
        out.mkdir()
        clean = build(src, out, "clean")
        nochange = build(src, out, "nochange")
        touch_one(src, args.touch)
        touched = build(src, out, "touched")
        results["builds"] = [clean, nochange, touched]
        n_pages = len(list((out / "_build" / "html" / "book").glob("*.html")))
        exec_sum = sum(clean["executed"].values())
        print(f"pages built: {n_pages}; notebooks executed in the clean build: {len(clean['executed'])} "
              f"(execution {exec_sum:.1f} s of {clean['wall_s']:.1f} s wall)")
        for b in (clean, nochange, touched):
            print(f"  {b['label']:<9} {b['wall_s']:7.2f} s  rc={b['rc']}  executed: "
                  f"{', '.join(sorted(b['executed'])) or 'none'}{'  FAILED: ' + ', '.join(b['failed']) if b['failed'] else ''}")
        print(f"ratio no-change rebuild / clean build = {nochange['wall_s'] / clean['wall_s']:.3f}")
        print(f"ratio one-notebook rebuild / clean build = {touched['wall_s'] / clean['wall_s']:.3f}")
        sys.path.insert(0, str(ROOT / "bench"))
        from page_weight import measure, report      # bytes a reader's browser transfers per page

        results["page_weight"] = measure(out / "_build" / "html")
        print(report(results["page_weight"]))
        checks = {
            f"clean build ≤ {BUDGET_CLEAN:.0f} s": clean["wall_s"] <= BUDGET_CLEAN,
            f"no-change rebuild ≤ {BUDGET_NOCHANGE:.0f} s": nochange["wall_s"] <= BUDGET_NOCHANGE,
            "no-change rebuild executes nothing": not nochange["executed"],
            f"editing {args.touch} re-executes only it": sorted(touched["executed"]) == [args.touch],
            "every build succeeded (-W -n)": all(b["rc"] == 0 for b in (clean, nochange, touched)),
        }
        if not args.skip_nbval:
            notebooks = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "book").glob("*.ipynb"))
            startup = kernel_startup()
            serial, parallel = nbval(notebooks, 1), nbval(notebooks, args.workers)
            k_sum = startup * len(notebooks)
            results["nbval"] = {"notebooks": len(notebooks), "kernel_startup_s": round(startup, 3),
                                "kernel_startup_sum_s": round(k_sum, 2), "serial": serial, "parallel": parallel}
            print(f"nbval over {len(notebooks)} notebooks: serial {serial['wall_s']:.1f} s, "
                  f"-n {args.workers} {parallel['wall_s']:.1f} s  (speed-up {serial['wall_s'] / parallel['wall_s']:.2f}×)")
            print(f"  kernel start-up {startup:.2f} s × {len(notebooks)} = {k_sum:.1f} s; "
                  f"serial / start-ups = {serial['wall_s'] / k_sum:.2f}, parallel / start-ups = {parallel['wall_s'] / k_sum:.2f}")
            print(f"  serial: {serial['summary']}\n  parallel: {parallel['summary']}")
            for f in sorted(set(serial["failed"]) | set(parallel["failed"])):
                print(f"  nbval FAILED {f}")
            checks["nbval in parallel is faster than serial"] = parallel["wall_s"] < serial["wall_s"]
        results["checks"] = checks
        for name, passed in checks.items():
            print(f"{'PASS' if passed else 'FAIL'}  {name}")
            ok &= passed
        if args.json:
            args.json.write_text(json.dumps(results, indent=2) + "\n")
    finally:
        if args.keep:
            print(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
