"""Write every cross-reference in the notebooks' prose in a form JupyterLab resolves (issue 10).

jupyterlab-myst resolves a ``{ref}``/``{numref}``/``{eq}`` only to a target in the same notebook's
*markdown* cells, and a ``{term}`` never (the glossary is another file). So:

- ``{term}`text <Term>``` → ``[text](glossary.md#term-Term)``;
- ``{ref}``/``{numref}``/``{eq}`` whose label is in another notebook, is the notebook's own title label
  (jupyterlab-myst turns the first heading into the page title and drops its label), or is made by a code cell (a table
  from ``md_table(..., label=…)``, a figure named in the cell's ``mystnb`` metadata) →
  ``[text](that.ipynb#label)``, where ``text`` is the section title, or the number the website gives
  (``Table 5.2``, ``Fig. 5.1``, ``Eq. 3.1``: chapter number from ``_toc.yml``, then the order on the page);
- ``{cite:p}`key``` → ``[(Author et al., 2015)](bibliography.md#key)``, ``{cite:t}`key``` →
  ``[Author et al. (2015)](bibliography.md#key)`` (jupyterlab-myst has no bibliography: it draws every
  citation as "⚠ key", "Citation Not Found");
- a link whose label is now in the same notebook's markdown goes back to the role; a link whose label moved
  to another notebook, or whose number changed, is rewritten.

``_ext/xref_links.py`` turns these links back into the role's node on the website, and the build checks
the file and the number (``-W -n``). Idempotent: a second run changes nothing. Each notebook is read,
changed and written in one go (run it under the team lock: ``flock /tmp/team/book.lock .venv/bin/python
tools/xref_links.py``). ``--check`` changes nothing and exits 1 listing what it would change.
"""
from __future__ import annotations

import argparse
import ast
import re
import sys
from pathlib import Path

import nbformat
import yaml

ROOT = Path(__file__).resolve().parents[1]
BOOK = ROOT / "book"
ROLE = re.compile(r"\{(ref|numref|eq|term)\}`([^`]+)`")
LINK = re.compile(r"\[([^\[\]]*)\]\(([\w-]+\.(?:ipynb|md))#([\w.:-]+)\)")
CITE = re.compile(r"\{cite:(p|t)\}`([^`]+)`")
CITE_LINK = re.compile(r"\[([^\[\]]*)\]\(bibliography\.md#([\w.:,-]+)\)")
NUMFIG = {"table": "Table %s", "figure": "Fig. %s", "code-block": "Listing %s"}
EQREF = "Eq. {number}"
# jupyterlab-myst takes the first heading of a notebook's first markdown cell as the page title and drops it,
# with the label on it: a reference to that label from the notebook itself must be a link too.
TITLE = re.compile(r"^\s*\(([\w.:-]+)\)=[ \t]*\n#[ \t]")
FENCE = re.compile(r"^[ \t]*(?::{3,}|`{3,})\{(table|figure|code-block|math)\}(.*)$")


def make_id(text: str) -> str:
    """Sphinx's id for a term (``sphinx.util.nodes._make_id``), imported lazily: the tool runs without Sphinx."""
    from sphinx.util.nodes import _make_id
    return _make_id(text)


def split_title(content: str) -> tuple[str, str]:
    content = " ".join(content.split())
    m = re.match(r"^(.*?)\s*<([^<>]+)>$", content)
    return (m.group(1).strip(), m.group(2).strip()) if m else ("", content)


def glossary_terms() -> dict[str, str]:
    """lower-case term → term as the glossary writes it."""
    text = (BOOK / "glossary.md").read_text()
    block = re.search(r"^:::+\{glossary\}(.*?)^:::+\s*$", text, re.S | re.M)
    return {line.strip().lower(): line.strip() for line in block.group(1).splitlines()
            if line and not line[0].isspace() and not line.startswith(":")}


def chapter_numbers() -> dict[str, int]:
    """notebook file name → chapter number, as the numbered part of _toc.yml gives it."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    numbers, n = {}, 0
    for part in toc.get("parts", []):
        if not part.get("numbered"):
            continue
        for ch in part.get("chapters", []):
            n += 1
            numbers[Path(ch["file"]).name + ".ipynb"] = n
    return numbers


def code_labels(cell) -> list[tuple[str, str]]:
    """(kind, label) a code cell makes: md_table tables and a mystnb figure."""
    out = []
    try:
        tree = ast.parse(cell.source)
    except SyntaxError:
        tree = None
    for node in ast.walk(tree) if tree else []:
        if isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", None)) == "md_table":
            kw = {k.arg: k.value for k in node.keywords}
            if isinstance(kw.get("label"), ast.Constant):
                out.append(("table", kw["label"].value))
        if isinstance(node, ast.FunctionDef):           # def table(c, label="tbl-…"): return md_table(..., label=label)
            defaults = node.args.defaults
            for arg, default in zip(node.args.args[-len(defaults):] if defaults else [], defaults):
                if arg.arg == "label" and isinstance(default, ast.Constant):
                    out.append(("table", default.value))
    fig = cell.metadata.get("mystnb", {}).get("figure", {})
    if fig.get("name"):
        out.append(("figure", fig["name"]))
    return out


def markdown_labels(source: str) -> list[tuple[str, str, str]]:
    """(kind, label, title) defined in a markdown cell, in order: sections, tables, figures, listings, equations."""
    out = []
    lines = source.split("\n")
    for i, line in enumerate(lines):
        m = re.match(r"^\(([\w.:-]+)\)=\s*$", line)
        if m:
            title = next((re.sub(r"^#+\s*", "", x).strip() for x in lines[i + 1:] if x.strip()), "")
            out.append(("section", m.group(1), title))
            continue
        m = FENCE.match(line)
        if m:
            kind = m.group(1)
            opts = {}
            for x in lines[i + 1:]:
                o = re.match(r"^\s*:([\w-]+):\s*(.*)$", x)
                if not o:
                    break
                opts[o.group(1)] = o.group(2).strip()
            name = opts.get("name") or opts.get("label")
            if name and kind == "math":
                out.append(("equation", name, ""))
            elif name and (kind != "code-block" or opts.get("caption")):
                out.append((kind, name, ""))
            continue
        for m in re.finditer(r"\$\$[ \t]*\(([\w.:-]+)\)", line):
            out.append(("equation", m.group(1), ""))
    return out


class Book:
    def __init__(self, paths: list[Path]):
        self.chapters = chapter_numbers()
        self.terms = glossary_terms()
        self.where: dict[str, str] = {}          # label → notebook file name
        self.kind: dict[str, str] = {}
        self.title: dict[str, str] = {}
        self.number: dict[str, str] = {}         # label → "Table 5.2" / "Eq. 3.1"
        self.in_markdown: dict[str, set] = {}    # notebook → labels JupyterLab sees
        self.bib: dict[str, tuple[str, str]] | None = None
        for path in paths:
            self.index(path.name, nbformat.read(path, as_version=4))

    def index(self, name: str, nb) -> None:
        counters: dict[str, int] = {}
        chapter = self.chapters.get(name)
        seen = self.in_markdown.setdefault(name, set())
        first_markdown = True
        for cell in nb.cells:
            if "remove-cell" in cell.metadata.get("tags", []):
                continue
            title_label = None
            if cell.cell_type == "markdown" and first_markdown:
                first_markdown = False
                m = TITLE.match(cell.source)
                title_label = m.group(1) if m else None
            items = ([(k, lab, t) for k, lab, t in markdown_labels(cell.source)] if cell.cell_type == "markdown"
                     else [(k, lab, "") for k, lab in code_labels(cell)] if cell.cell_type == "code" else [])
            for kind, label, title in items:
                self.where[label], self.kind[label], self.title[label] = name, kind, title
                if cell.cell_type == "markdown" and label != title_label:
                    seen.add(label)
                if kind == "section" or chapter is None:
                    continue
                key = "equation" if kind == "equation" else kind
                counters[key] = counters.get(key, 0) + 1
                number = f"{chapter}.{counters[key]}"
                self.number[label] = (EQREF.format(number=number) if kind == "equation"
                                      else NUMFIG[kind] % number)

    def text_for(self, role: str, label: str, written: str) -> str:
        if role == "ref" or self.kind.get(label) == "section":
            return written or self.title.get(label, label)
        return self.number.get(label, written or label)

    def convert(self, name: str, source: str, problems: list[str]) -> str:
        here = self.in_markdown.get(name, set())

        def role(m):
            kind, content = m.group(1), m.group(2)
            text, target = split_title(content)
            if kind == "term":
                term = self.terms.get(target.lower())
                if term is None:
                    problems.append(f"{name}: {{term}} {target!r} is not in book/glossary.md")
                    return m.group(0)
                return f"[{text or target}](glossary.md#{make_id('term-' + term)})"
            if target in here:
                return m.group(0)                       # JupyterLab resolves it in this notebook
            if target not in self.where:
                problems.append(f"{name}: {{{kind}}} to unknown label {target!r}")
                return m.group(0)
            if kind == "numref" and text:
                problems.append(f"{name}: {{numref}} with its own text {content!r} cannot become a link")
                return m.group(0)
            return f"[{self.text_for(kind, target, text)}]({self.where[target]}#{target})"

        def link(m):
            text, file, label = m.group(1), m.group(2), m.group(3)
            if file in ("glossary.md", "bibliography.md") or label not in self.where:
                return m.group(0)
            if label in here:                            # back to the role JupyterLab resolves here
                kind = self.kind[label]
                if kind == "section":
                    title = self.title.get(label, "")
                    return f"{{ref}}`{label}`" if text == title else f"{{ref}}`{text} <{label}>`"
                return f"{{eq}}`{label}`" if kind == "equation" else f"{{numref}}`{label}`"
            role_kind = "ref" if self.kind[label] == "section" else "numref"
            new_text = text if role_kind == "ref" else self.text_for(role_kind, label, text)
            return f"[{new_text}]({self.where[label]}#{label})"

        def cite(m):
            keys = [k.strip() for k in m.group(2).split(",") if k.strip()]
            return self.cite_link("p" if m.group(1) == "p" else "t", keys, name, problems) or m.group(0)

        def cite_again(m):                              # idempotent: the text follows references.bib
            keys = [k for k in m.group(2).split(",") if k]
            return self.cite_link("p" if m.group(1).startswith("(") else "t", keys, name, problems) or m.group(0)

        source = CITE_LINK.sub(cite_again, CITE.sub(cite, source))
        return ROLE.sub(role, LINK.sub(link, source))

    def cite_link(self, kind: str, keys: list[str], name: str, problems: list[str]) -> str | None:
        """``{cite:p}`a,b``` → ``[(A et al., 2023; B, 2017)](bibliography.md#a,b)``; ``{cite:t}`a``` →
        ``[A et al. (2023)](bibliography.md#a)``. The website renders the citation itself (its own style)."""
        if self.bib is None:
            self.bib = bibliography()
        found = []
        for key in keys:
            if key not in self.bib:
                problems.append(f"{name}: citation key {key!r} is not in book/references.bib")
                return None
            found.append(self.bib[key])
        if kind == "t":
            if len(keys) != 1:
                problems.append(f"{name}: {{cite:t}} with several keys {keys} cannot become one link")
                return None
            who, year = found[0]
            return f"[{who} ({year})](bibliography.md#{keys[0]})"
        return "[(" + "; ".join(f"{w}, {y}" for w, y in found) + f")](bibliography.md#{','.join(keys)})"


def bibliography() -> dict[str, tuple[str, str]]:
    """citation key → (authors, year) as the reader copies write them (_ext/reader_copies.author_year)."""
    from pybtex.database import parse_file
    sys.path.insert(0, str(ROOT / "_ext"))
    from reader_copies import author_year
    return {key: author_year(entry) for key, entry in parse_file(str(BOOK / "references.bib")).entries.items()}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("notebooks", nargs="*", type=Path, help="default: book/*.ipynb")
    ap.add_argument("--check", action="store_true", help="change nothing; exit 1 listing what would change")
    args = ap.parse_args(argv)
    every = sorted(BOOK.glob("*.ipynb"))
    book = Book(every)
    problems: list[str] = []
    changed: list[str] = []
    for path in args.notebooks or every:
        nb = nbformat.read(path, as_version=4)            # read, change and write in one go
        n = 0
        for cell in nb.cells:
            if cell.cell_type != "markdown":
                continue
            new = book.convert(path.name, cell.source, problems)
            if new != cell.source:
                n += 1
                changed.append(f"{path.name}: {cell.source[:0]}{new_diff(cell.source, new)}")
                cell.source = new
        if n and not args.check:
            nbformat.write(nb, path)
    for p in problems:
        print("problem:", p, file=sys.stderr)
    if args.check:
        for c in changed:
            print("would change", c)
        return 1 if changed or problems else 0
    print(f"{len(changed)} markdown cells rewritten; {len(problems)} problems")
    return 1 if problems else 0


def new_diff(old: str, new: str) -> str:
    a, b = set(LINK.findall(old)) | set(ROLE.findall(old)), set(LINK.findall(new)) | set(ROLE.findall(new))
    return f"{sorted(b - a)[:3]}"


if __name__ == "__main__":
    sys.exit(main())
