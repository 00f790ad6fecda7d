"""Every section notebook follows the book's conventions (docs/authoring.md)."""
import re
from pathlib import Path

import nbformat
import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "book").glob("*.ipynb"))


def toc_files():
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    found = [toc["root"]]

    def walk(node):
        if isinstance(node, dict):
            if "file" in node:
                found.append(node["file"])
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)
    walk(toc)
    return found


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_conventions(path):
    nb = nbformat.read(path, as_version=4)
    assert nb.metadata.get("mystnb", {}).get("execution_mode") == "inline", \
        "inline execution mode is what renders {eval} roles on the website"
    assert nb.metadata.get("kernelspec", {}).get("name") == "python3"
    tags = [c.metadata.get("tags", []) for c in nb.cells if c.cell_type == "code"]
    assert sum("parameters" in t for t in tags) == 1, "exactly one cell tagged 'parameters'"
    first_md = next(c for c in nb.cells if c.cell_type == "markdown")
    assert re.search(r"^\(sec-[\w-]+\)=\s*\n#\s", first_md.source, re.M), "page starts with a label and a title"
    # numbers in the prose come from {eval}; make sure inline values were stored for JupyterLab
    for cell in nb.cells:
        if cell.cell_type == "markdown" and "{eval}`" in cell.source:
            stored = cell.metadata.get("user_expressions")
            assert stored and all(r["result"].get("status") == "ok" for r in stored), \
                "run `python -m mlsysim.nbrun` to store inline values"


def test_every_notebook_is_in_the_toc():
    listed = {f.removesuffix(".ipynb").removesuffix(".md") for f in toc_files()}
    missing = [p.name for p in NOTEBOOKS if f"book/{p.stem}" not in listed]
    assert not missing, f"notebooks missing from _toc.yml: {missing}"
