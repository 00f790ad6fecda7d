"""Every name the prose prints exists: a static check of every ``{eval}`` role in every notebook.

Nothing is executed.  The code cells of a notebook are parsed (``ast``); ``{eval}`name``` must be a
name the notebook's code defines at top level, and ``{eval}`calc.attr``` — when ``calc`` is built
from one of the notebook's Calculation classes (``calc = Cls(...)`` or ``calc = other.with_(...)``)
— must be a declared output of that class (its ``outputs`` tuple) or one of its Params.  A renamed or
misspelt output therefore fails here, naming the notebook, the expression and what exists, instead
of surfacing as a broken number in the built book.
"""
from __future__ import annotations

import ast
import re
from pathlib import Path

import nbformat
import pytest
from IPython.core.inputtransformer2 import TransformerManager

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "book").glob("*.ipynb"))
EVAL = re.compile(r"\{eval\}`([^`]+)`")
_tm = TransformerManager()


def _targets(node) -> set[str]:
    found = set()
    for n in ast.walk(node):
        if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store):
            found.add(n.id)
    return found


class NotebookModel:
    """What a notebook's code defines at top level, read from its syntax tree."""

    def __init__(self, nb):
        self.names: set[str] = set()
        self.classes: dict[str, ast.ClassDef] = {}
        self.instance_of: dict[str, str] = {}
        self.extra: dict[str, set[str]] = {}
        for cell in nb.cells:
            if cell.cell_type != "code":
                continue
            tree = ast.parse(_tm.transform_cell(cell.source))
            for stmt in tree.body:
                self._top(stmt)

    def _top(self, stmt):
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
            self.names.add(stmt.name)
        elif isinstance(stmt, ast.ClassDef):
            self.names.add(stmt.name)
            self.classes[stmt.name] = stmt
        elif isinstance(stmt, (ast.Import, ast.ImportFrom)):
            self.names.update((a.asname or a.name).split(".")[0] for a in stmt.names)
        elif isinstance(stmt, (ast.If, ast.For, ast.While, ast.With, ast.Try)):
            self.names.update(_targets(stmt))
            for block in ("body", "orelse", "finalbody"):
                for s in getattr(stmt, block, []):
                    self._top(s)
            for h in getattr(stmt, "handlers", []):
                for s in h.body:
                    self._top(s)
        else:
            self.names.update(_targets(stmt))
            if isinstance(stmt, ast.Assign):            # `calc.extra_str = …` at top level defines it too
                for t in stmt.targets:
                    if isinstance(t, ast.Attribute) and isinstance(t.value, ast.Name):
                        self.extra.setdefault(t.value.id, set()).add(t.attr)
            if isinstance(stmt, ast.Assign) and isinstance(stmt.value, ast.Call):
                cls = self._class_of(stmt.value)
                for t in stmt.targets:
                    if isinstance(t, ast.Name):
                        if cls:
                            self.instance_of[t.id] = cls
                        else:
                            self.instance_of.pop(t.id, None)

    def _class_of(self, call: ast.Call) -> str | None:
        f = call.func
        if isinstance(f, ast.Name) and f.id in self.classes:
            return f.id
        if isinstance(f, ast.Attribute) and f.attr == "with_" and isinstance(f.value, ast.Name):
            return self.instance_of.get(f.value.id)
        return None

    def _bases(self, cls: str) -> list[ast.ClassDef]:
        chain, todo = [], [cls]
        while todo:
            node = self.classes.get(todo.pop())
            if node is not None:
                chain.append(node)
                todo += [b.id for b in node.bases if isinstance(b, ast.Name)]
        return chain

    def declared(self, cls: str) -> tuple[set[str], bool]:
        """(outputs ∪ Params, whether an ``outputs`` tuple is declared) of a notebook class."""
        names, has_outputs = set(), False
        for node in self._bases(cls):
            for stmt in node.body:
                if not isinstance(stmt, ast.Assign):
                    continue
                for t in stmt.targets:
                    if not isinstance(t, ast.Name):
                        continue
                    if t.id == "outputs" and isinstance(stmt.value, (ast.Tuple, ast.List)):
                        has_outputs = True
                        names.update(e.value for e in stmt.value.elts if isinstance(e, ast.Constant))
                    elif (isinstance(stmt.value, ast.Call) and isinstance(stmt.value.func, ast.Name)
                          and stmt.value.func.id == "Param"):
                        names.add(t.id)
        return names, has_outputs


def problems(path: Path) -> list[str]:
    nb = nbformat.read(path, as_version=4)
    model = NotebookModel(nb)
    found = []
    for cell in nb.cells:
        if cell.cell_type != "markdown":
            continue
        for expr in EVAL.findall(cell.source):
            head, _, attr = expr.strip().partition(".")
            if head not in model.names:
                found.append(f"{path.name}: {{eval}}`{expr}` — {head!r} is not defined by the notebook's code")
                continue
            cls = model.instance_of.get(head)
            if not attr or cls is None:
                continue
            declared, has_outputs = model.declared(cls)
            if not has_outputs:
                found.append(f"{path.name}: {{eval}}`{expr}` — class {cls} declares no `outputs`")
            elif attr.split(".")[0] not in declared | model.extra.get(head, set()):
                found.append(f"{path.name}: {{eval}}`{expr}` — {attr!r} is not an output or Param of {cls} "
                             f"(outputs: {', '.join(sorted(declared))})")
    return found


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_every_eval_names_a_declared_output(path):
    found = problems(path)
    assert not found, "\n".join(found)


def test_the_check_catches_a_misspelt_output(tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell(
            "from mlsysim.calc import Calculation, Param\n"
            "class Cost(Calculation):\n"
            "    rate = Param(2.0, lo=0, hi=10)\n"
            "    outputs = ('total_str',)\n"
            "    def output(self):\n"
            "        self.total_str = str(self.rate * 3)\n"
            "cost = Cost()\nlow = cost.with_(rate=1)\nshare = 0.5\n"),
        nbformat.v4.new_markdown_cell("It costs {eval}`cost.total_str` or {eval}`low.total_str` at "
                                      "{eval}`cost.rate`, a {eval}`share` share."),
    ]
    good = tmp_path / "good.ipynb"
    nbformat.write(nb, good)
    assert problems(good) == []
    nb.cells[1].source += " Misspelt: {eval}`low.totl_str`; undefined: {eval}`shares`."
    bad = tmp_path / "bad.ipynb"
    nbformat.write(nb, bad)
    found = problems(bad)
    assert len(found) == 2
    assert "'totl_str' is not an output or Param of Cost" in found[0] and "total_str" in found[0]
    assert "'shares' is not defined" in found[1]
