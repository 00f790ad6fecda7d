"""Runs *inside* the sandbox: execute one submission, print one result line.

    python -I -X pycache_prefix=$TMPDIR/pycache -m mlsysim.course.worker  < job.json

The job (JSON on stdin) holds the notebook text, the time budget and the expressions to read back.
The kernel is started from a kernelspec written into the sandbox's private temporary folder, so it
too runs isolated (``-I``: no user site, no ``PYTHON*`` variables) with its bytecode cache in that
folder (a ``.pyc`` planted next to a source file is never read), its connection file and runtime
directory inside the sandbox, and the sandbox's empty HOME (no IPython startup files).

The result is the last line of stdout that starts with :data:`MARK`.  Everything a submission can
do to this process it can only do to its own result: the grader parses it as untrusted data and
never takes a score from it (scores are computed by the grader from the signed keys).
"""
from __future__ import annotations

import json
import os
import sys
from pathlib import Path

MARK = "@@mlsysim-course-result@@ "
KERNEL = "mlsysim-sandbox"


def _kernelspec(tmp: Path) -> None:
    kdir = tmp / "jupyter" / "kernels" / KERNEL
    kdir.mkdir(parents=True, exist_ok=True)
    argv = [sys.executable, "-I", "-X", f"pycache_prefix={tmp / 'pycache'}", "-m", "ipykernel_launcher",
            "-f", "{connection_file}"]
    (kdir / "kernel.json").write_text(json.dumps({"argv": argv, "display_name": "sandboxed Python",
                                                  "language": "python"}))


def main() -> int:
    job = json.loads(sys.stdin.read())
    tmp = Path(os.environ.get("TMPDIR") or "/tmp")
    for sub in ("home", "work", "pycache", "mpl"):
        (tmp / sub).mkdir(parents=True, exist_ok=True)
    _kernelspec(tmp)
    os.environ["JUPYTER_PATH"] = str(tmp / "jupyter")
    os.environ.setdefault("JUPYTER_RUNTIME_DIR", str(tmp / "jupyter" / "runtime"))
    import nbformat

    from .runner import run_notebook

    nb = nbformat.reads(job["notebook"], as_version=4)
    run = run_notebook(nb, timeout=job["timeout"], workdir=str(tmp / "work"), expressions=job["expressions"],
                       kernel_name=KERNEL, startup_timeout=int(job.get("startup_timeout", 60)),
                       output_limit=int(job.get("output_limit", 2_000_000)))
    import resource

    usage = [resource.getrusage(w) for w in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)]
    result = {**run.as_dict(), "cpu_seconds": sum(u.ru_utime + u.ru_stime for u in usage)}
    sys.stdout.write("\n" + MARK + json.dumps(result, default=str) + "\n")
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
