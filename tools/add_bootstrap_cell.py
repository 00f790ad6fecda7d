"""Give every notebook in book/ its bootstrap cell (idempotent; one atomic read-modify-write per notebook).

The bootstrap cell is the first cell of every section notebook. Where `mlsysim` is not importable
(Colab, a course hub, Binder without the repository's install, a downloaded notebook) it installs the
book's own version: the wheel the website publishes at ``_static/wheels/`` (built by
_ext/reader_copies.py; the reader copies on the site pin it by SHA-256). Anywhere mlsysim is already
installed (the clone's .venv, the site build, nbval, grading) it does nothing.

    python tools/add_bootstrap_cell.py            # add or update the cell in book/*.ipynb
    python tools/add_bootstrap_cell.py --check    # exit 1 if a notebook lacks the current cell
"""
from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TAG = "bootstrap"
SITE = "https://mlsysbook.github.io/ml-operations-executable"


def version() -> str:
    m = re.search(r'^version\s*=\s*"([^"]+)"', (ROOT / "pyproject.toml").read_text(), re.M)
    return m.group(1)


def source() -> str:
    return f'''\
# Setup: makes the book's library, mlsysim, importable in any Jupyter (Colab, a hub, a download) by
# installing the book's own version from its website; where mlsysim is installed it does nothing.
import importlib.util, os, subprocess, sys
if importlib.util.find_spec("mlsysim") is None:
    _book = os.environ.get("MLSYSIM_BOOK_URL", "{SITE}").rstrip("/")
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet",
                    f"mlsysim @ {{_book}}/_static/wheels/mlsysim-{version()}-py3-none-any.whl"], check=True)'''


def apply(path: Path, check: bool) -> bool:
    """True if the notebook already had the current cell."""
    import nbformat

    nb = nbformat.read(path, as_version=4)
    first = nb.cells[0] if nb.cells else None
    if first is not None and TAG in first.metadata.get("tags", []):
        if first.source == source():
            return True
        if not check:
            first.source = source()
            nbformat.write(nb, path)
        return False
    if not check:
        cell = nbformat.v4.new_code_cell(source(), metadata={"tags": [TAG, "remove-cell"]})
        nb.cells.insert(0, cell)
        nbformat.write(nb, path)
    return False


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true")
    ap.add_argument("notebooks", nargs="*", type=Path)
    args = ap.parse_args(argv)
    paths = args.notebooks or sorted((ROOT / "book").glob("*.ipynb"))
    stale = [p for p in paths if not apply(p, args.check)]
    for p in stale:
        print(("missing or outdated bootstrap cell: " if args.check else "bootstrap cell written: ") + str(p))
    return 1 if (stale and args.check) else 0


if __name__ == "__main__":
    sys.exit(main())
