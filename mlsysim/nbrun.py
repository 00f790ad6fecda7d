"""Execute the book's notebooks the way readers and the test-suite do.

``python -m mlsysim.nbrun book/*.ipynb`` runs each notebook top to bottom in a fresh kernel (cwd =
the notebook's folder) and stores it in the book's *stored form* (:func:`stored_form`): the text
outputs nbval compares, and the value of every ``{eval}`` inline role in the markdown cell's
``user_expressions`` metadata — the place jupyterlab-myst reads — so a reader who opens the notebook
in JupyterLab sees numbers in the prose before running it, and a reviewer sees in ``git diff`` which
printed numbers a change moves. Images and widget state are generated data: the website's build
executes every page itself, so they are never stored.
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


# -- the executor shared with the coursework runner (mlsysim.course.runner) -------------------------
def execute_cells(client, nb, *, budget: float | None = None, stop: int | None = None) -> int | None:
    """Execute the code cells of ``nb`` in order in ``client``'s running kernel (up to and including
    cell ``stop`` if given).

    ``budget``: seconds for all cells together — before each cell what remains of it becomes that
    cell's timeout.  Returns the index of the cell that was running (or due) when the budget ran
    out, ``None`` when every cell ran.  A kernel that dies raises nbclient's ``DeadKernelError``
    with ``cell_index`` set to the cell it died in.
    """
    import math
    import time

    from nbclient.exceptions import CellTimeoutError, DeadKernelError

    start = time.monotonic()
    for index, cell in enumerate(nb.cells):
        if stop is not None and index > stop:
            break
        if cell.get("cell_type") != "code":
            continue
        if budget is not None:
            remaining = budget - (time.monotonic() - start)
            if remaining <= 0:
                return index
            client.timeout = max(1, math.ceil(remaining))
        try:
            client.execute_cell(cell, index)
        except CellTimeoutError:
            if budget is None:
                raise
            return index
        except DeadKernelError as exc:
            exc.cell_index = index  # type: ignore[attr-defined]  # read by the coursework runner
            raise
    return None


def kernel_expressions(client, expressions: dict, timeout: float = 60) -> dict:
    """Evaluate ``{key: expression}`` in ``client``'s running kernel through ``user_expressions`` (no
    cell is added to the notebook).  Returns the kernel's result for each key (``status`` "ok" with
    ``data``, or "error" with ``ename``/``evalue``); ``TimeoutError`` if it does not answer within
    ``timeout`` seconds."""
    import queue
    import time

    from nbclient.util import run_sync

    if not expressions:
        return {}
    kc = client.kc
    msg_id = kc.execute("", silent=True, store_history=False, user_expressions=dict(expressions))
    deadline = time.monotonic() + timeout
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError("the kernel did not answer in time")
        try:
            reply = run_sync(kc.get_shell_msg)(timeout=remaining)
        except queue.Empty:
            raise TimeoutError("the kernel did not answer in time") from None
        if reply.get("parent_header", {}).get("msg_id") == msg_id:
            break
    found = reply.get("content", {}).get("user_expressions", {}) or {}
    return {key: found.get(key) or {"status": "error", "ename": "Missing", "evalue": "no result"}
            for key in expressions}


def _user_expressions(client, expressions):
    """Evaluate ``expressions`` in the client's live kernel; returns {expr: result dict}."""
    found = kernel_expressions(client, {str(i): e for i, e in enumerate(expressions)}, timeout=300)
    return {e: found[str(i)] for i, e in enumerate(expressions)}


# -- parameters ------------------------------------------------------------------------------------
class ParameterNameError(ValueError):
    """A parameter that the notebook's ``parameters`` cell does not assign."""


def notebook_parameters(nb) -> dict:
    """``{name: default}`` from the notebook's cell tagged ``parameters`` (empty if there is none)."""
    from .course.params import PARAMETERS_TAG, assigned_values, find_tagged

    found = find_tagged(nb, PARAMETERS_TAG)
    return assigned_values(nb.cells[found[0]].source) if found else {}


def check_parameter_names(path, nb, parameters: dict) -> None:
    """Raise :class:`ParameterNameError` naming every unknown parameter and listing the valid ones."""
    import difflib

    valid = notebook_parameters(nb)
    unknown = [n for n in parameters if n not in valid]
    if not unknown:
        return
    hints = []
    for n in unknown:
        close = difflib.get_close_matches(n, list(valid), n=1)
        hints.append(f"{n!r}" + (f" (did you mean {close[0]!r}?)" if close else ""))
    listing = ", ".join(valid) if valid else "none (it has no cell tagged 'parameters')"
    raise ParameterNameError(f"{Path(path).name} has no parameter {', '.join(hints)}; its parameters are: "
                             f"{listing}. `python -m mlsysim.nbrun --list {path}` shows defaults, units and ranges.")


# Evaluated in the kernel after the cell that calls ``variant(...)``: each exercise input's Param.
_DESCRIBE_VARIANT = """__import__("json").dumps({n: {"label": d.label or "", "unit": d.unit or "",
  "allowed": (d.param.allowed() if d.param is not None else f"between {d.lo:,g} and {d.hi:,g}"),
  "variants": f"{d.lo:,g} to {d.hi:,g}" + (" (log scale)" if d.log else "")}
  for n, d in __import__("mlsysim.course.exercises", fromlist=["_REGISTRY"])._REGISTRY["variant"].draws.items()})"""


def list_parameters(path, timeout: int = 300, kernel_name: str = "python3") -> list[dict]:
    """Each parameter of a notebook: name, default, label, unit, allowed values and variant range.

    Defaults come from the ``parameters`` cell; units and ranges from the Params behind the
    notebook's ``variant(...)`` declaration, read by running the notebook up to that cell."""
    import json

    import nbformat
    from nbclient import NotebookClient

    path = Path(path)
    nb = nbformat.read(path, as_version=4)
    defaults = notebook_parameters(nb)
    described = {}
    stop = next((i for i, c in enumerate(nb.cells) if c.cell_type == "code" and "variant(" in c.source), None)
    if stop is not None:
        client = NotebookClient(nb, timeout=timeout, kernel_name=kernel_name, record_timing=False,
                                resources={"metadata": {"path": str(path.parent.resolve())}})
        with client.setup_kernel():
            execute_cells(client, nb, stop=stop)
            result = _user_expressions(client, [_DESCRIBE_VARIANT])[_DESCRIBE_VARIANT]
        if result.get("status") == "ok":
            import ast

            described = json.loads(ast.literal_eval(result["data"]["text/plain"]))
    rows = []
    for name, default in defaults.items():
        d = described.get(name, {})
        rows.append({"name": name, "default": default, "label": d.get("label", ""), "unit": d.get("unit", ""),
                     "allowed": d.get("allowed", ""), "variants": d.get("variants", "")})
    return rows


def format_parameters(path, rows: list[dict]) -> str:
    from .calc import unit_words

    if not rows:
        return f"{path}: no parameters (no cell tagged 'parameters')"
    lines = [f"{path}: {len(rows)} parameters (override with -p NAME=VALUE)"]
    for r in rows:
        unit = f" {unit_words(r['unit'])}" if r["unit"] else ""
        v = r["default"]
        default = (str(v) if isinstance(v, int) else f"{v:,.10g}") if isinstance(v, (int, float)) \
            and not isinstance(v, bool) else repr(v)
        what = f"  ({r['label']})" if r["label"] else ""
        lines.append(f"  {r['name']} = {default}{unit}{what}")
        if r["allowed"]:
            lines.append(f"      allowed: {r['allowed']}; variants draw {r['variants']}")
    return "\n".join(lines)


def execute(path, timeout: int = 300, parameters: dict | None = None, store_expressions: bool = True,
            allow_errors: bool = False, kernel_name: str = "python3", full: bool = False):
    """Execute one notebook and return the executed ``NotebookNode`` (not written): in the stored
    form (:func:`stored_form`), or with every output and the widget state if ``full``."""
    import nbformat
    from nbclient import NotebookClient

    path = Path(path)
    nb = nbformat.read(path, as_version=4)
    if parameters:
        from .course.params import inject_parameters  # papermill-style injection

        check_parameter_names(path, nb, parameters)

        nb = inject_parameters(nb, parameters)
    client = NotebookClient(nb, timeout=timeout, kernel_name=kernel_name, allow_errors=allow_errors,
                            record_timing=False, store_widget_state=full,
                            resources={"metadata": {"path": str(path.parent.resolve())}})
    with client.setup_kernel():
        execute_cells(client, nb)
        results = _user_expressions(client, eval_expressions(nb)) if store_expressions else {}
        language_info = _language_info(client)
        if full:
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
    if full:
        nb.metadata["language_info"] = language_info
        return nb
    return stored_form(nb, language_info)


# Output data kept in the repository: text that nbval compares and a reviewer can read.
STORED_MIME = ("text/plain", "text/markdown", "text/html", "text/latex")

# The kernelspec JupyterLab writes for the book's kernel; storing anything else makes JupyterLab mark a
# notebook modified the moment it opens (and autosave then rewrite it).
KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}


def stored_form(nb, language_info: dict | None = None):
    """Reduce an executed notebook to what the repository keeps, in place, and return it.

    - code outputs keep only text MIME types (:data:`STORED_MIME`) and no output metadata: base64
      images and widget views are dropped (an output left with no data is dropped too);
    - ``{eval}`` results keep only ``text/plain``;
    - notebook metadata keeps no widget state; kernelspec and ``language_info`` are what JupyterLab
      writes itself, so opening a notebook does not modify it.
    """
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for item in cell.metadata.get("user_expressions", []):
                result = item.get("result", {})
                data = result.get("data", {})
                item["result"] = {"status": result.get("status", "error"),
                                  **({"data": {"text/plain": data["text/plain"]}, "metadata": {}}
                                     if "text/plain" in data else {})}
            continue
        if cell.cell_type != "code":
            continue
        kept = []
        for out in cell.get("outputs", []):
            if "data" in out:
                out["data"] = {k: v for k, v in out["data"].items() if k in STORED_MIME}
                out["metadata"] = {}
                if not out["data"]:
                    continue
            kept.append(out)
        cell.outputs = kept
    nb.metadata.pop("widgets", None)
    nb.metadata["kernelspec"] = dict(KERNELSPEC)
    if language_info is not None:
        nb.metadata["language_info"] = language_info
    return nb


def _language_info(client) -> dict:
    from nbclient.util import run_sync

    msg_id = client.kc.kernel_info()
    while True:
        reply = run_sync(client.kc.get_shell_msg)(timeout=60)
        if reply["parent_header"].get("msg_id") == msg_id:
            return reply["content"]["language_info"]


def describe_failure(exc: Exception) -> str:
    """One readable line for a failed run: the error a cell raised (``ParamError: … must be …``)
    rather than the colour-coded traceback nbclient wraps it in."""
    ename, evalue = getattr(exc, "ename", None), getattr(exc, "evalue", None)
    if ename:
        return f"a cell raised {ename}: {evalue}"
    return f"{type(exc).__name__}: {exc}"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("notebooks", nargs="+", type=Path)
    ap.add_argument("--timeout", type=int, default=300)
    ap.add_argument("-p", "--parameter", action="append", default=[], metavar="NAME=VALUE",
                    help="override a value of the 'parameters' cell (papermill-style; VALUE is a Python literal)")
    ap.add_argument("-o", "--output", type=Path, metavar="DIR",
                    help="write executed notebooks into DIR instead of in place (required with -p)")
    ap.add_argument("--full", action="store_true",
                    help="keep every output and the widget state (for readers' copies), not the stored form")
    ap.add_argument("--list", action="store_true",
                    help="print each notebook's parameters (default, unit, allowed range) and exit")
    args = ap.parse_args(argv)
    if args.list:
        for p in args.notebooks:
            print(format_parameters(p, list_parameters(p, timeout=args.timeout)))
        return 0
    if args.parameter and args.output is None:
        ap.error("-p changes a notebook's inputs: give --output DIR so the book's own notebook is not overwritten")
    import ast

    import nbformat

    parameters = {}
    for item in args.parameter:
        name, sep, value = item.partition("=")
        if not sep or not name.strip().isidentifier():
            ap.error(f"-p {item!r}: write NAME=VALUE, e.g. -p ex_drift_rate=0.05")
        try:
            parameters[name.strip()] = ast.literal_eval(value.strip())
        except (ValueError, SyntaxError):
            ap.error(f"-p {item!r}: {value!r} is not a Python literal (a number, a quoted string, True/False)")
    status = 0
    for p in args.notebooks:
        try:
            nb = execute(p, timeout=args.timeout, parameters=parameters or None, full=args.full)
        except ParameterNameError as exc:
            print(f"FAILED {p}: {exc}", file=sys.stderr)
            status = 2
            continue
        except Exception as exc:  # noqa: BLE001 – report and continue with the next notebook
            print(f"FAILED {p}: {describe_failure(exc)}", file=sys.stderr)
            status = 1
            continue
        target = p if args.output is None else args.output / p.name
        if args.output is not None:
            args.output.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, target)
        print(f"executed {p} -> {target}" if target != p else f"executed {p}")
    return status


if __name__ == "__main__":
    raise SystemExit(main())
