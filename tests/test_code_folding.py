"""The prose leads: a long calculation class on a page is folded behind myst-nb's "show code" toggle
(`hide-input`); short ones may stay open. Checked on the sources, and on the built page when present."""
import re
from pathlib import Path

import nbformat
import pytest

from browser_util import HTML

BOOK = Path(__file__).resolve().parent.parent / "book"
LONG = 40          # lines; a class longer than this is folded
HIDDEN = {"remove-input", "remove-cell", "hide-input", "hide-cell"}
CLASS = re.compile(r"^class \w+\((\w+\.)?Calculation\)", re.M)


def long_open_classes(nb) -> list[int]:
    return [i for i, c in enumerate(nb.cells) if c.cell_type == "code" and CLASS.search(c.source)
            and len(c.source.splitlines()) > LONG and not HIDDEN & set(c.metadata.get("tags", []))]


@pytest.mark.parametrize("path", sorted(BOOK.glob("*.ipynb")), ids=lambda p: p.stem)
def test_long_calculation_classes_are_folded(path):
    nb = nbformat.read(path, 4)
    assert not long_open_classes(nb), f"{path.name}: cells {long_open_classes(nb)} hold a calculation class " \
                                      f"of more than {LONG} lines; tag them hide-input"


def test_checker_sees_a_long_open_class():
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("class A(Calculation):\n" + "    x = 1\n" * 50)])
    assert long_open_classes(nb) == [0]
    nb.cells[0].metadata["tags"] = ["hide-input"]
    assert long_open_classes(nb) == []


@pytest.mark.site
def test_built_page_folds_the_retraining_class():
    page = HTML / "book" / "retraining_economics.html"
    if not page.is_file():
        pytest.fail(f"{page} does not exist: build the book first")
    html = page.read_text(encoding="utf-8")
    cells = re.split(r'(?=<div class="cell[ "])', html)
    cell = next((c for c in cells if '<span class="nc">RetrainingInterval</span>' in c), None)
    assert cell is not None, "the RetrainingInterval class is not on the page"
    assert cell.startswith('<div class="cell tag_hide-input'), "the RetrainingInterval class is not folded"
    assert re.search(r"<details[^>]*>\s*<summary", cell), "no show-code toggle around the class"
