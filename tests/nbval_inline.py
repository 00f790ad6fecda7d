"""pytest plugin: under ``--nbval``, every number in a notebook's prose is a regression check.

nbval compares code-cell outputs (the computed tables included: they are ``text/markdown`` outputs)
but not markdown. This plugin adds one item after the last cell of each notebook, run in the same
kernel nbval just used: it re-evaluates every ``{eval}`` expression of the notebook and compares the
result with the value stored in the markdown cell's ``user_expressions`` (what readers see in
JupyterLab, written by ``python -m mlsysim.nbrun``). A change to a formula or an input that moves a
printed number fails with the notebook, the expression and both values — until the author
re-executes (``make execute``) and the diff shows the new numbers.
"""
from __future__ import annotations

import pytest

from mlsysim.nbrun import EVAL_ROLE


def stored_values(nb) -> dict[str, list[tuple[int, str | None]]]:
    """{expression: [(markdown cell index, stored text/plain or None), …]} for every {eval} role."""
    found: dict[str, list[tuple[int, str | None]]] = {}
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "markdown":
            continue
        stored = {u.get("expression"): u.get("result", {}) for u in cell.metadata.get("user_expressions", [])}
        for expr in dict.fromkeys(EVAL_ROLE.findall(cell.source)):
            result = stored.get(expr)
            value = result.get("data", {}).get("text/plain") if result and result.get("status") == "ok" else None
            found.setdefault(expr, []).append((index, value))
    return found


def mismatches(stored: dict, computed: dict) -> list[str]:
    """Readable lines for every expression whose stored value differs from the computed one."""
    lines = []
    for expr, places in stored.items():
        new = computed.get(expr)
        for index, old in places:
            if old is None:
                lines.append(f"markdown cell {index}: {{eval}}`{expr}` has no stored value (now {new!r})")
            elif new != old:
                lines.append(f"markdown cell {index}: {{eval}}`{expr}` stored {old!r}, now {new!r}")
    return lines


class InlineValues(pytest.Item):
    """Re-evaluates the notebook's {eval} expressions in nbval's kernel and compares them."""

    def runtest(self):
        nb = self.parent.nb
        stored = stored_values(nb)
        if not stored:
            return
        kernel = self.parent.kernel
        exprs = list(stored)
        msg_id = kernel.kc.execute("", silent=True, store_history=False,
                                   user_expressions={str(i): e for i, e in enumerate(exprs)})
        while True:
            reply = kernel.get_message(stream="shell", timeout=60)
            if reply["parent_header"].get("msg_id") == msg_id:
                break
        results = reply["content"].get("user_expressions", {})
        computed = {}
        for i, expr in enumerate(exprs):
            r = results.get(str(i), {})
            computed[expr] = (r.get("data", {}).get("text/plain") if r.get("status") == "ok"
                              else f"<{r.get('ename', 'error')}: {r.get('evalue', '')}>")
        bad = mismatches(stored, computed)
        if bad:
            raise InlineValueMismatch(bad)

    def repr_failure(self, excinfo):
        if isinstance(excinfo.value, InlineValueMismatch):
            return (f"{self.parent.fspath.basename}: {len(excinfo.value.lines)} number(s) in the prose changed "
                    "(if intended, re-execute with `make execute NB=…` and review the diff):\n  "
                    + "\n  ".join(excinfo.value.lines))
        return super().repr_failure(excinfo)

    def reportinfo(self):
        return self.parent.fspath, 0, f"{self.parent.fspath.basename}::inline values"


class InlineValueMismatch(Exception):
    def __init__(self, lines):
        super().__init__("\n".join(lines))
        self.lines = lines


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(session, config, items):
    """Skip comparing SVG figures (like nbval's PNG); keep each notebook's cells together and in order — after any shuffling plugin (pytest-randomly
    runs the other tests in random order; a notebook's cells share one kernel and must not be) — and
    put one InlineValues item right after the last cell of every notebook nbval collected."""
    try:
        from nbval.plugin import IPyNbFile
    except ImportError:
        return
    cells: dict[int, list] = {}
    for item in items:
        if isinstance(item.parent, IPyNbFile):
            cells.setdefault(id(item.parent), []).append(item)
    if not cells:
        return
    out, done = [], set()
    for item in items:
        parent = item.parent
        if not isinstance(parent, IPyNbFile):
            out.append(item)
        elif id(parent) not in done:
            done.add(id(parent))
            # Figures are generated data, never stored (mlsysim.nbrun.stored_form): nbval already skips
            # PNG; the book's SVG figures are skipped the same way.
            parent.skip_compare = tuple(parent.skip_compare) + ("image/svg+xml",)
            out.extend(sorted(cells[id(parent)], key=lambda c: c.cell_num))
            out.append(InlineValues.from_parent(parent, name="inline values"))
    items[:] = out
