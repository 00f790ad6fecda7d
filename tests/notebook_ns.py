"""Run a book notebook's code cells in-process and hand back its namespace.

Tests use this to reach the Calculation classes and explorers a section defines, exactly as the
notebook defines them (one copy of the code: the notebook's).  Cells run in order in one fresh
namespace with matplotlib's Agg backend; IPython display calls go to a throw-away publisher.
"""
from __future__ import annotations

import contextlib
import functools
import io
from pathlib import Path

BOOK = Path(__file__).resolve().parent.parent / "book"


@functools.lru_cache(maxsize=None)
def load_namespace(name: str) -> dict:
    import matplotlib

    matplotlib.use("Agg")
    import nbformat
    from IPython.core.interactiveshell import InteractiveShell

    path = BOOK / (name if name.endswith(".ipynb") else f"{name}.ipynb")
    nb = nbformat.read(path, as_version=4)
    shell = InteractiveShell.instance()
    ns: dict = {"__name__": "__main__"}
    with contextlib.redirect_stdout(io.StringIO()):          # display() output is not wanted here
        for cell in nb.cells:
            if cell.cell_type != "code":
                continue
            source = shell.transform_cell(cell.source)      # handles %magics like IPython does
            exec(compile(source, f"{path.name}:cell", "exec"), ns)  # noqa: S102 – our own notebooks
    import matplotlib.pyplot as plt

    plt.close("all")
    return ns
