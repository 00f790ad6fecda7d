"""One notebook executor: the book's tools (mlsysim.nbrun) and the coursework runner
(mlsysim.course.runner) run cells and read values back through the same two functions,
``mlsysim.nbrun.execute_cells`` and ``mlsysim.nbrun.kernel_expressions`` (issue 13)."""
import ast
from pathlib import Path

import mlsysim.course.runner as runner
import mlsysim.nbrun as nbrun

PACKAGE = Path(nbrun.__file__).resolve().parent


def _calls(path: Path, attr: str) -> list[int]:
    tree = ast.parse(path.read_text())
    return [n.lineno for n in ast.walk(tree) if isinstance(n, ast.Call)
            and isinstance(n.func, ast.Attribute) and n.func.attr == attr]


def test_only_nbrun_executes_cells_or_asks_the_kernel_for_values():
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.name == "nbrun.py":
            continue
        for attr in ("execute_cell", "execute"):
            lines = [n for n in _calls(path, attr)
                     if attr == "execute_cell" or "user_expressions" in path.read_text().splitlines()[n - 1]]
            assert not lines, f"{path.relative_to(PACKAGE)}:{lines} runs cells or reads values itself; use mlsysim.nbrun"


def test_the_runner_uses_nbruns_functions():
    assert runner.execute_cells is nbrun.execute_cells
    assert runner.kernel_expressions is nbrun.kernel_expressions
