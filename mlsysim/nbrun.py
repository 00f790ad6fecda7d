"""Execute the book's notebooks the way readers and the test-suite do.

``python -m mlsysim.nbrun book/*.ipynb`` runs each notebook top to bottom in a fresh kernel (cwd =
the notebook's folder), stores outputs and widget state (so nbval has something to compare and the
static website shows every explorer's default state), and stores the value of every ``{eval}``
inline role in the markdown cell's ``user_expressions`` metadata — the place jupyterlab-myst reads
— so a reader who opens the notebook in JupyterLab sees numbers in the prose before running it.
"""
from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

EVAL_ROLE = re.compile(r"\{eval\}`([^`]+)`")


def eval_expressions(nb) -> list[str]:
    """Every distinct ``{eval}`` expression in the notebook's markdown cells, in order."""
    seen: dict[str, None] = {}
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for expr in EVAL_ROLE.findall(cell.source):
                seen.setdefault(expr, None)
    return list(seen)


def _user_expressions(client, expressions):
    """Evaluate ``expressions`` in the client's live kernel; returns {expr: result dict}."""
    if not expressions:
        return {}
    from nbclient.util import run_sync

    kc = client.kc
    msg_id = kc.execute("", silent=True, store_history=False,
                        user_expressions={str(i): e for i, e in enumerate(expressions)})
    while True:
        reply = run_sync(kc.get_shell_msg)(timeout=60)
        if reply["parent_header"].get("msg_id") == msg_id:
            break
    found = reply["content"].get("user_expressions", {})
    return {e: found.get(str(i), {"status": "error"}) for i, e in enumerate(expressions)}


def execute(path, timeout: int = 300, parameters: dict | None = None, store_expressions: bool = True,
            allow_errors: bool = False, kernel_name: str = "python3"):
    """Execute one notebook and return the executed ``NotebookNode`` (not written)."""
    import nbformat
    from nbclient import NotebookClient

    path = Path(path)
    nb = nbformat.read(path, as_version=4)
    if parameters:
        from .course.params import inject_parameters  # papermill-style injection

        nb = inject_parameters(nb, parameters)
    client = NotebookClient(nb, timeout=timeout, kernel_name=kernel_name, allow_errors=allow_errors,
                            record_timing=False, store_widget_state=True,
                            resources={"metadata": {"path": str(path.parent.resolve())}})
    with client.setup_kernel():
        for index, cell in enumerate(nb.cells):
            client.execute_cell(cell, index)
        results = _user_expressions(client, eval_expressions(nb)) if store_expressions else {}
        client.set_widgets_metadata()
    for cell in nb.cells:
        if cell.cell_type != "markdown":
            continue
        exprs = list(dict.fromkeys(EVAL_ROLE.findall(cell.source)))
        if exprs:
            cell.metadata["user_expressions"] = [{"expression": e, "result": results.get(e, {"status": "error"})}
                                                 for e in exprs]
        else:
            cell.metadata.pop("user_expressions", None)
    errors = [f"cell {i}: {o.get('ename')}: {o.get('evalue')}" for i, c in enumerate(nb.cells)
              if c.cell_type == "code" for o in c.get("outputs", []) if o.get("output_type") == "error"]
    if errors and not allow_errors:
        raise RuntimeError(f"{path}: error output in " + "; ".join(errors))
    failed = [e for e, r in results.items() if r.get("status") != "ok"]
    if failed:
        raise RuntimeError(f"{path}: inline expressions failed to evaluate: {', '.join(failed)}")
    return nb


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("notebooks", nargs="+", type=Path)
    ap.add_argument("--timeout", type=int, default=300)
    args = ap.parse_args(argv)
    import nbformat

    status = 0
    for p in args.notebooks:
        try:
            nb = execute(p, timeout=args.timeout)
        except Exception as exc:  # noqa: BLE001 – report and continue with the next notebook
            print(f"FAILED {p}: {type(exc).__name__}: {exc}", file=sys.stderr)
            status = 1
            continue
        nbformat.write(nb, p)
        print(f"executed {p}")
    return status


if __name__ == "__main__":
    raise SystemExit(main())
