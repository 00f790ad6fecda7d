"""Run a book notebook's code cells in-process and hand back its namespace.

Tests use this to reach the Calculation classes and explorers a section defines, exactly as the
notebook defines them (one copy of the code: the notebook's).  Cells run in order in one fresh
namespace with matplotlib's Agg backend; IPython display calls go to a throw-away publisher.

Executing a notebook costs seconds, so each notebook runs once per process; but tests run in random
order (pytest-randomly) and explorer tests move sliders, so every call hands back a *fresh view*:
a shallow copy of the namespace in which every explorer is back at the inputs, text, messages and
error state it had when the notebook finished.  No test sees another test's slider moves.
"""
from __future__ import annotations

import contextlib
import functools
import io
from pathlib import Path

BOOK = Path(__file__).resolve().parent.parent / "book"
FIGURES: dict[str, list] = {}   # notebook name -> [(cell index, figure the cell displayed)]


@functools.lru_cache(maxsize=None)
def _executed(name: str) -> tuple[dict, dict]:
    import matplotlib

    matplotlib.use("Agg")
    import nbformat
    from IPython.core.interactiveshell import InteractiveShell

    from mlsysim.widgets import Explorer

    path = BOOK / (name if name.endswith(".ipynb") else f"{name}.ipynb")
    nb = nbformat.read(path, as_version=4)
    shell = InteractiveShell.instance()
    ns: dict = {"__name__": "__main__"}
    import matplotlib.pyplot as plt

    figures = FIGURES[path.stem] = []
    with contextlib.redirect_stdout(io.StringIO()):          # display() output is not wanted here
        for index, cell in enumerate(nb.cells):
            if cell.cell_type != "code":
                continue
            source = shell.transform_cell(cell.source)      # handles %magics like IPython does
            exec(compile(source, f"{path.name}:cell", "exec"), ns)  # noqa: S102 – our own notebooks
            # like the inline backend: the figures a cell leaves open are its output, then closed
            figures += [(index, plt.figure(n)) for n in plt.get_fignums()]
            plt.close("all")
    snapshot = {key: ({n: s.value for n, s in ex.sliders.items()},
                      {n: e.value for n, e in ex.entries.items()})
                for key, ex in ns.items() if isinstance(ex, Explorer)}
    return ns, snapshot


def _reset(ex, sliders: dict, entries: dict) -> None:
    """Put an explorer back to the inputs it was built with (without firing a rebuild per widget)."""
    ex._syncing = True
    try:
        for n, v in sliders.items():
            ex.sliders[n].value = v
        for n, v in entries.items():
            ex.entries[n].value = v
    finally:
        ex._syncing = False
    ex.update()


def load_namespace(name: str) -> dict:
    ns, snapshot = _executed(name)
    for key, (sliders, entries) in snapshot.items():
        _reset(ns[key], sliders, entries)
    return dict(ns)


def figures(name: str) -> list:
    """``[(cell index, Figure)]``: every figure a cell of the notebook left open (what it displays)."""
    _executed(name)
    return list(FIGURES[name.removesuffix(".ipynb")])
