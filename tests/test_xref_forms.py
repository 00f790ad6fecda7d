"""Every cross-reference in the notebooks is written in a form JupyterLab (jupyterlab-myst 2.7) resolves.

jupyterlab-myst resolves a role only against targets in the same notebook's markdown cells and has no
bibliography; everything else (citations, the glossary, other notebooks, tables and figures made by code
cells) must be a Markdown link to the file
holding the target (tools/xref_links.py writes them, _ext/xref_links.py makes them real references on the
website). The JupyterLab test (test_jupyterlab_fidelity.py) checks the console in a real browser; this one
checks the sources in a second, so a notebook that reintroduces an unresolvable form fails `make test` fast.
"""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
ROLE = re.compile(r"\{(ref|numref|eq|term|cite|cite:p|cite:t)\}`([^`]+)`")
LINK = re.compile(r"\[([^\[\]]*)\]\(([\w-]+\.(?:ipynb|md))#([\w.:-]+)\)")
DEFINED = [re.compile(r"^\(([\w.:-]+)\)=\s*$", re.M),              # (sec-x)=
           re.compile(r"^\s*:(?:name|label):\s*(\S+)", re.M),       # :::{table} … :name: tbl-x
           re.compile(r"\$\$[ \t]*\(([\w.:-]+)\)")]                 # $$ … $$ (eq-x)


def markdown_labels(nb) -> set[str]:
    cells = [c for c in nb.cells if c.cell_type == "markdown" and "remove-cell" not in c.metadata.get("tags", [])]
    labels = {m.group(1) for c in cells for rx in DEFINED for m in rx.finditer(c.source)}
    # jupyterlab-myst makes the first heading of the first markdown cell the page title and drops its label
    title = re.match(r"^\s*\(([\w.:-]+)\)=[ \t]*\n#[ \t]", cells[0].source) if cells else None
    return labels - {title.group(1)} if title else labels


def unresolvable(nb) -> list[str]:
    """References jupyterlab-myst cannot resolve in this notebook."""
    here = markdown_labels(nb)
    found = []
    for c in nb.cells:
        if c.cell_type != "markdown":
            continue
        for m in ROLE.finditer(c.source):
            target = " ".join(m.group(2).split())
            target = re.sub(r"^.*<([^<>]+)>$", r"\1", target)
            if m.group(1) in ("term", "cite", "cite:p", "cite:t") or target not in here:
                found.append(m.group(0))
    return found


def test_the_check_finds_roles_jupyterlab_cannot_resolve():
    from nbformat.v4 import new_markdown_cell, new_notebook
    nb = new_notebook(cells=[new_markdown_cell("(sec-page)=\n# Page\n\n(sec-a)=\n## A\n\n$$x$$ (eq-a)\n\n:::{table} T\n:name: tbl-a\n\n|a|\n|-|\n"
                                               "|1|\n:::"),
                             new_markdown_cell("{ref}`sec-a`, {eq}`eq-a`, {numref}`tbl-a`, {numref}`tbl-made-by-code`, "
                                               "{term}`Data drift`, {ref}`sec-elsewhere`, {cite:p}`sculley2015hidden`, {ref}`sec-page`, "
                                               "[Table 5.2](other.ipynb#tbl-b), [(S, 2015)](bibliography.md#s)")])
    assert unresolvable(nb) == ["{numref}`tbl-made-by-code`", "{term}`Data drift`", "{ref}`sec-elsewhere`",
                                "{cite:p}`sculley2015hidden`", "{ref}`sec-page`"]


def test_every_reference_in_the_notebooks_is_one_jupyterlab_resolves():
    found = [f"{p.name}: {r}" for p in sorted((ROOT / "book").glob("*.ipynb"))
             for r in unresolvable(nbformat.read(p, as_version=4))]
    assert not found, f"{len(found)} references JupyterLab shows as ⚠ (run tools/xref_links.py): {found[:10]}"


def test_every_link_names_a_file_that_exists():
    missing = [f"{p.name}: {m.group(0)}" for p in sorted((ROOT / "book").glob("*.ipynb"))
               for c in nbformat.read(p, as_version=4).cells if c.cell_type == "markdown"
               for m in LINK.finditer(c.source) if not (ROOT / "book" / m.group(2)).exists()]
    assert not missing, missing


def test_the_conversion_tool_has_nothing_left_to_change():
    """Numbers in link texts, files in links and role/link forms are what tools/xref_links.py writes."""
    run = subprocess.run([sys.executable, str(ROOT / "tools" / "xref_links.py"), "--check"], capture_output=True,
                         text=True, timeout=120)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]
