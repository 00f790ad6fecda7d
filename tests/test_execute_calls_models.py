"""EXECUTE calls models: no Calculation in a notebook computes a formula inline in ``execute()``.

Formulas live once in ``mlsysim.models`` (tested there); a notebook's ``execute()`` wires inputs to
them.  Read statically from every notebook's code cells, every statement of ``execute()`` (assignments,
calls, conditions, loops alike) may use arithmetic only to convert units: in each binary operation
one operand is a number or an UPPER_CASE constant (``x * 1e9``, ``t / SECONDS_PER_DAY``,
``100 * share``, ``self.interval - 1``).  Two quantities may not be combined
arithmetically (``a - b``, ``q * v``, ``x / y``) — that is a formula; it belongs in ``mlsysim.models``
(``compare.ratio`` and ``compare.relative_change`` for plain comparisons).  Remainder, selection and logic
(``i % n``, ``mask[i]``, ``~flags``, ``errors & in_slice``, ``a < b``, ``and``/``or``) are not formulas and
are allowed.

There is no list of exceptions: the 46 inline formulas that predated the rule were moved into
``mlsysim.models`` (issue 13).
"""
from __future__ import annotations

import ast
from pathlib import Path

import nbformat
import pytest
from IPython.core.inputtransformer2 import TransformerManager

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "book").glob("*.ipynb"))
_tm = TransformerManager()

#: Operators that are not arithmetic between quantities: remainder, and logic on flags and masks.
ALLOWED_OPS = (ast.Mod, ast.BitAnd, ast.BitOr, ast.BitXor)


def _is_scale(node: ast.AST) -> bool:
    """A number or an UPPER_CASE constant (unit factors such as SECONDS_PER_DAY, MILLION)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)):
        return True
    if isinstance(node, ast.UnaryOp):
        return _is_scale(node.operand)
    name = node.id if isinstance(node, ast.Name) else node.attr if isinstance(node, ast.Attribute) else ""
    if name.isupper() and name.replace("_", "").isalnum():
        return True
    if isinstance(node, ast.BinOp):                       # 24 * 60, DAYS_PER_YEAR / 12
        return _is_scale(node.left) and _is_scale(node.right)
    return False


def inline_formulas(expr: ast.AST) -> list[str]:
    """The arithmetic in ``expr`` that is more than a unit conversion."""
    bad = []
    for node in ast.walk(expr):
        if isinstance(node, ast.BinOp) and not isinstance(node.op, ALLOWED_OPS):
            if not (_is_scale(node.left) or _is_scale(node.right)):
                bad.append(ast.unparse(node))
    return bad


def violations(path: Path) -> set[tuple[str, str, str]]:
    nb = nbformat.read(path, as_version=4)
    found = set()
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        tree = ast.parse(_tm.transform_cell(cell.source))
        for cls in (n for n in ast.walk(tree) if isinstance(n, ast.ClassDef)):
            for fn in cls.body:
                if not (isinstance(fn, ast.FunctionDef) and fn.name == "execute"):
                    continue
                for node in ast.walk(fn):
                    if isinstance(node, ast.AugAssign) and not _is_scale(node.value):
                        found.add((path.name, cls.name, ast.unparse(node)))     # x += y is x = x + y
                for stmt in fn.body:
                    for formula in inline_formulas(stmt):
                        found.add((path.name, cls.name, formula))
    return found


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_execute_calls_models(path):
    found = sorted(violations(path))
    assert not found, ("execute() computes a formula inline; put it in mlsysim.models and call it:\n"
                       + "\n".join(f"  {nb} {cls}: {formula}" for nb, cls, formula in found))


def test_the_rule_allows_unit_conversion_and_rejects_formulas():
    ok = ast.parse("x = self.params_billion * 1e9 / SECONDS_PER_DAY + 0 * (24 * 60)").body[0].value
    assert inline_formulas(ok) == []
    assert inline_formulas(ast.parse("y = m.f(self.a) / 100").body[0].value) == []
    bad = ast.parse("z = self.loss_manual - self.loss_auto").body[0].value
    assert inline_formulas(bad) == ["self.loss_manual - self.loss_auto"]
    assert inline_formulas(ast.parse("w = m.f(self.q * self.v)").body[0].value) == ["self.q * self.v"]


def _violations_of(source: str, tmp_path) -> set:
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source)])
    path = tmp_path / "x.ipynb"
    nbformat.write(nb, path)
    return violations(path)


def test_the_rule_covers_every_statement_of_execute(tmp_path):
    """A formula is caught wherever it stands in execute(): not only on the right of an assignment."""
    body = ("class C(Calculation):\n"
            "    def execute(self):\n"
            "        self.rows = []\n"
            "        self.rows.append(self.a / self.b)\n"
            "        if self.c - self.d > 0:\n"
            "            self.e = m.f(self.c)\n"
            "        self.g += self.h\n"
            "        self.days = self.weeks * DAYS_PER_WEEK\n"
            "        self.ok = self.mask[self.i] & ~self.flags\n"
            "    def output(self):\n"
            "        self.x_str = fmt(self.a / self.b)\n")
    found = {formula for _, _, formula in _violations_of(body, tmp_path)}
    assert found == {"self.a / self.b", "self.c - self.d", "self.g += self.h"}
