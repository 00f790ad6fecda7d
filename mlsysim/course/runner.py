"""Run one notebook in a fresh kernel under a per-notebook time budget and read values back.

Used by ``assign`` (discover the exercises of the instructor notebook) and ``grade`` (compute keys
from the pristine notebook; execute each submission).  Each call starts its own kernel in its own
working directory and shuts it down afterwards; a notebook never shares a kernel with another.

* The *per-notebook* ``timeout`` covers all cells together: before each cell the remaining budget
  becomes that cell's timeout, so an infinite loop anywhere stops the run when the budget is spent.
* Cells that raise do not stop the run (``allow_errors``); their errors are listed.
* Output is capped (``output_limit`` bytes) so a cell printing for ever cannot exhaust memory.
* Values are read back with ``user_expressions`` (no cell is added to the notebook).

The cells run and the values are read by the book's own executor (:func:`mlsysim.nbrun.execute_cells`,
:func:`mlsysim.nbrun.kernel_expressions`); this module adds what grading needs on top: the output
cap, errors that do not stop the run, a silent kernel and the result record.
"""
from __future__ import annotations

import ast
import json
import math
import os
import re
import subprocess
import time
from dataclasses import dataclass, field

from ..nbrun import execute_cells, kernel_expressions

__all__ = ["Opaque", "RunResult", "decode_repr", "run_notebook"]


@dataclass
class RunResult:
    status: str = "ok"                 # ok | timeout | kernel-died | kernel-failed
    errors: list = field(default_factory=list)      # [{"cell": n, "ename": ..., "evalue": ..., "line": ...}]
    timeout_cell: int | None = None    # 1-based index of the cell that was running at the timeout
    expressions: dict = field(default_factory=dict)  # name -> {"status": "ok", "text": ...} | {"status": "error", ...}
    seconds: float = 0.0
    detail: str = ""
    truncated: bool = False

    def as_dict(self) -> dict:
        return dict(self.__dict__)


def _client_class():
    from nbclient import NotebookClient

    class CappedClient(NotebookClient):
        """A NotebookClient that stops storing outputs after ``output_limit`` bytes."""

        output_limit = 2_000_000
        _used = 0
        truncated = False

        def output(self, outs, msg, display_id, cell_index):
            self._used += len(json.dumps(msg.get("content", {}), default=str))
            if self._used > self.output_limit:
                if not self.truncated:
                    self.truncated = True
                    from nbformat.v4 import new_output

                    outs.append(new_output("stream", name="stderr",
                                           text="[output truncated by the grader: too much output]\n"))
                return None
            return super().output(outs, msg, display_id, cell_index)

    return CappedClient


def _read_expressions(client, expressions: dict, timeout: float) -> dict:
    out = {}
    for name, r in kernel_expressions(client, expressions, timeout).items():
        if r.get("status") == "ok":
            out[name] = {"status": "ok", "text": r.get("data", {}).get("text/plain", "")}
        else:
            out[name] = {"status": "error", "ename": r.get("ename", "Error"), "evalue": r.get("evalue", "")}
    return out


def _first_line(source: str) -> str:
    for line in str(source).splitlines():
        if line.strip():
            return line.strip()[:80]
    return ""


def run_notebook(nb, *, timeout: float, workdir: str, expressions: dict | None = None,
                 output_limit: int = 2_000_000, expression_timeout: float = 20.0,
                 kernel_name: str = "python3", startup_timeout: int = 60) -> RunResult:
    """Execute ``nb`` (a NotebookNode, modified in place) and return a :class:`RunResult`."""
    from nbclient.exceptions import DeadKernelError

    env = dict(os.environ)
    env["MPLBACKEND"] = "Agg"            # no figure rendering needed to grade; faster and quieter
    env.pop("JPY_PARENT_PID", None)
    client = _client_class()(nb, timeout=max(1, math.ceil(timeout)), kernel_name=kernel_name,
                             allow_errors=True, record_timing=False, store_widget_state=False,
                             shutdown_kernel="immediate", startup_timeout=startup_timeout,
                             iopub_timeout=10, resources={"metadata": {"path": workdir}})
    client.output_limit = output_limit
    result = RunResult()
    t0 = time.monotonic()
    try:
        # the kernel's own stdout/stderr (not the notebook's output) go nowhere: no noise, no flooding
        with client.setup_kernel(env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL):
            try:
                stopped = execute_cells(client, nb, budget=timeout)     # mlsysim.nbrun's executor
            except DeadKernelError as exc:
                index = getattr(exc, "cell_index", None)
                where = f" in cell {index + 1}" if index is not None else ""
                result.status, result.detail = "kernel-died", f"the kernel died{where}: {exc}"
            else:
                if stopped is not None:
                    result.status, result.timeout_cell = "timeout", stopped + 1
            if result.status == "ok" and expressions:
                try:
                    result.expressions = _read_expressions(client, expressions, expression_timeout)
                except (TimeoutError, DeadKernelError, RuntimeError) as exc:
                    result.detail = f"could not read values from the kernel: {exc}"
    except DeadKernelError as exc:
        if result.status == "ok":
            result.status, result.detail = "kernel-died", f"the kernel died: {exc}"
    except Exception as exc:  # noqa: BLE001 – kernel start-up failures and the like
        if result.status == "ok":
            result.status, result.detail = "kernel-failed", f"{type(exc).__name__}: {exc}"
    result.seconds = time.monotonic() - t0
    result.truncated = bool(getattr(client, "truncated", False))
    for index, cell in enumerate(nb.cells):
        if cell.get("cell_type") != "code":
            continue
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                result.errors.append({"cell": index + 1, "ename": str(out.get("ename", "")),
                                      "evalue": str(out.get("evalue", "")).splitlines()[0][:200]
                                      if out.get("evalue") else "",
                                      "line": _first_line(cell.get("source", ""))})
    return result


# -- reading values back ---------------------------------------------------------------------
class Opaque:
    """A value the grader could only see as its repr (not a number, text or None)."""

    def __init__(self, text: str):
        self.text = text

    def __repr__(self):
        return self.text


_NUMPY_SCALAR = re.compile(r"(?:np|numpy)\.(float|int|uint)(?:\d+|_)?\((.+)\)")


def decode_repr(text: str):
    """Turn the ``repr`` of a student's value back into a Python value without executing it.

    Literals (numbers, text, None, True/False) come back as themselves; ``np.float64(1.5)`` as a
    float; ``inf``/``nan`` as floats; anything else as :class:`Opaque`.
    """
    text = str(text).strip()
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        pass
    m = _NUMPY_SCALAR.fullmatch(text)
    if m:
        try:
            inner = ast.literal_eval(m.group(2))
            return float(inner) if m.group(1) == "float" else int(inner)
        except (ValueError, SyntaxError, TypeError):
            pass
    if text in ("inf", "-inf", "nan"):
        return float(text)
    return Opaque(text[:120])
