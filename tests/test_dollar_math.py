"""`$` amounts are never math; real math (also in tables) stays math — checked on the library and on
every notebook's Markdown as MyST reads it (the built site is checked in test_browser_render.py)."""
import json
import re
from pathlib import Path

import pytest
from markdown_it import MarkdownIt
from mdit_py_plugins.dollarmath import dollarmath_plugin

from mlsysim.fmt import escape_dollars, looks_like_math, md_table

BOOK = Path(__file__).resolve().parent.parent / "book"


def myst_inline_math(markdown: str) -> list[str]:
    """The inline math spans MyST's dollarmath (as configured in _config.yml) finds in ``markdown``."""
    md = MarkdownIt("commonmark").use(dollarmath_plugin, double_inline=True).enable("table")
    found = []

    def walk(tokens):
        for t in tokens:
            if t.type == "math_inline":
                found.append(t.content)
            if t.children:
                walk(t.children)

    walk(md.parse(markdown))
    return found


@pytest.mark.parametrize("text, math", [
    # investment: caption with two amounts and cells that were escaped twice
    ("**Costs** of $136,000 a year. Setup is the CI/CD pipeline at $34,000 per FTE-month", []),
    # pipelines footnote: amounts in prose
    ("at least $4.6 million in V100 GPU-hours; fine-tuning costs between $100 and $10,000.", []),
    # drift lab: epsilon column, real math in table cells
    ("| $10^{-3}$ | 0.058 |", ["10^{-3}"]),
    ("| $\\varepsilon$ | $D_{\\text{KL}}$(serving) |", ["\\varepsilon", "D_{\\text{KL}}"]),
    ("saves $5,000 when $T^*$ is 12 days and $x$ = $3", ["T^*", "x"]),
])
def test_escape_dollars_leaves_only_real_math(text, math):
    escaped = escape_dollars(text)
    assert myst_inline_math(escaped) == math
    assert escape_dollars(escaped) == escaped, "escaping twice must not add a visible backslash"


def test_md_table_cells_and_caption():
    t = md_table(["$\\varepsilon$", "Cost"], [["$10^{-3}$", "$34,000"], ["$10^{-4}$", "\\$5,000 and $9"]],
                 caption="Benefit of $136,000 a year; setup at $34,000.", label="tbl-x")
    assert myst_inline_math(t) == ["\\varepsilon", "10^{-3}", "10^{-4}"]
    assert "\\\\$" not in t and "\\$34,000" in t and "\\$136,000" in t
    assert escape_dollars(t) == t


def test_looks_like_math():
    assert looks_like_math("T^*") and looks_like_math("\\lambda") and looks_like_math("x")
    assert looks_like_math("10^{-3}") and looks_like_math("C/V")
    assert not looks_like_math("136,000 a year. Setup is the")
    assert not looks_like_math("4.6 million in V100 GPU-hours, and fine-tuning costs between ")
    assert not looks_like_math("5") and not looks_like_math("1,000")


def _markdown_sources():
    for nb_path in sorted(BOOK.glob("*.ipynb")):
        nb = json.loads(nb_path.read_text(encoding="utf-8"))
        for i, cell in enumerate(nb["cells"]):
            if cell["cell_type"] == "markdown":
                yield nb_path.stem, i, "markdown", "".join(cell["source"])
            for out in cell.get("outputs", []):
                md = out.get("data", {}).get("text/markdown")
                if md:
                    yield nb_path.stem, i, "output", "".join(md)
    for md_path in sorted(BOOK.glob("*.md")):
        yield md_path.stem, 0, "markdown", md_path.read_text(encoding="utf-8")


@pytest.mark.parametrize("which", ["markdown", "output"])
def test_every_math_span_in_the_book_is_a_formula(which):
    """Every $…$ MyST reads in a notebook's Markdown cells ("markdown") and in its stored Markdown
    outputs, the computed tables ("output"; stale until the notebook is re-executed), is a formula;
    no formula is escaped as an amount, and no amount is escaped twice (a visible backslash)."""
    problems = []
    for name, i, kind, text in _markdown_sources():
        if kind != which:
            continue
        text = re.sub(r"```.*?```", "", text, flags=re.S)
        for tex in myst_inline_math(text):
            if not looks_like_math(tex):
                problems.append(f"{name} cell {i} ({kind}): ${tex[:80]}$ would be typeset as math")
        for m in re.finditer(r"(?<!\\)\\\$([^$|\n]*?[\\^_{}][^$|\n]*?)(?<!\\)\$", text):
            if looks_like_math(m.group(1)):
                problems.append(f"{name} cell {i} ({kind}): formula {m.group(0)!r} escaped as an amount")
        if "\\\\$" in text:
            problems.append(f"{name} cell {i} ({kind}): an amount escaped twice (\\\\$) shows a backslash")
    assert not problems, "\n".join(problems)
