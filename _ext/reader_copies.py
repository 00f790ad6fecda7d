"""Reader copies of the notebooks and the book's own ``mlsysim`` wheel, made at build time.

The book's sources stay MyST notebooks. A reader who downloads a notebook or opens it in Colab or a
course hub gets a *reader copy* that any Jupyter renders without MyST extensions (issue 10):

- every ``{eval}`` role is replaced by its value (the ``user_expressions`` stored by mlsysim.nbrun);
- ``{numref}``/``{ref}``/``{eq}`` become links with the numbers and titles the website shows (read from
  Sphinx's environment after the build resolved them); ``{cite:p}``/``{cite:t}`` become author–year
  links into the website's bibliography, ``{term}`` links into its glossary; a reference written as a link
  to another book file (``[Table 5.2](data_infrastructure.ipynb#tbl-…)``, see ``_ext/xref_links.py``) links
  to the same place on the website;
- ``:::{table}`` becomes an anchor, a numbered caption and the table; admonitions become block quotes;
  labelled display math gets ``\\tag{N}``; a code cell's figure caption becomes a markdown cell after it;
- code, explorers and exercises stay live. The first cell (the bootstrap cell, see
  ``tools/add_bootstrap_cell.py``) installs the wheel built here, pinned by its SHA-256.

Outputs: ``_static/wheels/mlsysim-<version>-py3-none-any.whl`` and each reader copy written over
``_sources/<doc>.ipynb`` (the theme's download button serves that file). The launch buttons for
Colab and a JupyterHub are pointed at the published copy of ``_sources/`` on the branch that holds the
site's reader copies (``reader_copies_branch``, default ``reader-copies``, pushed by
.github/workflows/pages.yml); Binder keeps the repository's own notebook,
because its environment (binder/) includes jupyterlab-myst and installs mlsysim.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from urllib.parse import quote

WHEEL_DIR = "_static/wheels"
ROLE = re.compile(r"\{(eval|ref|numref|eq|cite:p|cite:t|cite|term|doc|math)\}`([^`]+)`", re.S)
LABEL_LINE = re.compile(r"^\(([\w.:-]+)\)=[ \t]*$", re.M)
FENCE_OPEN = re.compile(r"^(?P<ind>[ \t]*)(?P<fence>:{3,}|`{3,})\{(?P<name>[\w:-]+)\}[ \t]*(?P<arg>.*)$")
DISPLAY_MATH = re.compile(r"\$\$(?P<body>.+?)\$\$[ \t]*(?:\((?P<label>[\w.:-]+)\))?", re.S)
ADMONITION_TITLES = {"note": "Note", "tip": "Tip", "warning": "Warning", "important": "Important",
                     "caution": "Caution", "attention": "Attention", "danger": "Danger", "error": "Error",
                     "hint": "Hint", "seealso": "See also"}
# A cross-reference written as a link to another book file (tools/xref_links.py, _ext/xref_links.py).
XREF_LINK = re.compile(r"\[([^\[\]]*)\]\(([\w-]+)\.(?:ipynb|md)#([\w.:,-]+)\)")
WHEEL_IN_CELL = re.compile(r"(_static/wheels/mlsysim-[\w.]+-py3-none-any\.whl)(#sha256=[0-9a-f]+)?")


# -- the wheel ----------------------------------------------------------------------------------
def build_wheel(srcdir: Path, outdir: Path) -> Path:
    """Build mlsysim's wheel from a copy of the sources (nothing is written into the repository)."""
    with tempfile.TemporaryDirectory(prefix="mlsysim-wheel-") as tmp:
        tmp = Path(tmp)
        shutil.copy2(srcdir / "pyproject.toml", tmp / "pyproject.toml")
        shutil.copytree(srcdir / "mlsysim", tmp / "mlsysim",
                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        env = {**os.environ, "SOURCE_DATE_EPOCH": "1700000000"}   # same sources → same bytes → same hash
        run = subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
                              "--no-index", "-w", str(tmp / "dist"), str(tmp)], env=env, capture_output=True,
                             text=True)
        if run.returncode:
            raise RuntimeError(f"building the mlsysim wheel failed:\n{run.stdout}\n{run.stderr}")
        (wheel,) = (tmp / "dist").glob("mlsysim-*.whl")
        target = outdir / WHEEL_DIR / wheel.name
        target.parent.mkdir(parents=True, exist_ok=True)
        for old in target.parent.glob("mlsysim-*.whl"):
            old.unlink()
        shutil.copy2(wheel, target)
    return target


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# -- resolving references the way the website did -------------------------------------------------
class Resolver:
    def __init__(self, app, docname: str, site_url: str):
        self.app, self.env, self.docname = app, app.env, docname
        self.site = site_url.rstrip("/")
        self.std = self.env.get_domain("std")
        self.math = self.env.get_domain("math")
        try:
            self.cite = self.env.get_domain("cite")
        except Exception:  # noqa: BLE001
            self.cite = None
        self.problems: list[str] = []
        self.built_values: dict[str, str] = {}

    def href(self, docname: str, anchor: str) -> str:
        if docname == self.docname:
            return f"#{anchor}"
        return f"{self.site}/{docname}.html#{anchor}"

    def fignumber(self, docname: str, labelid: str):
        for figtype, numbers in self.env.toc_fignumbers.get(docname, {}).items():
            if labelid in numbers:
                return figtype, ".".join(map(str, numbers[labelid]))
        return None, None

    def figure_label(self, label: str) -> str | None:
        """"Table 3.2" / "Fig. 3.1" for a label, as the website numbers it."""
        if label not in self.std.labels and label not in self.std.anonlabels:
            return None
        docname, labelid = self.std.anonlabels[label]
        figtype, number = self.fignumber(docname, labelid)
        if number is None:
            return None
        fmt = self.app.config.numfig_format.get(figtype, "%s")
        return fmt % number

    def numref(self, content: str) -> str:
        text, label = split_title(content)
        if label not in self.std.anonlabels:
            self.problems.append(f"numref to unknown label {label}")
            return text or label
        docname, labelid = self.std.anonlabels[label]
        _, number = self.fignumber(docname, labelid)
        if number is None:                       # a section: its number is not shown; use its title
            return f"[{self.std.labels.get(label, (0, 0, label))[2]}]({self.href(docname, labelid)})"
        name = self.figure_label(label)
        if text:
            name = text.replace("%s", number).replace("{number}", number)
        return f"[{name}]({self.href(docname, labelid)})"

    def ref(self, content: str) -> str:
        text, label = split_title(content)
        if label in self.std.labels:
            docname, labelid, title = self.std.labels[label]
        elif label in self.std.anonlabels:
            (docname, labelid), title = self.std.anonlabels[label], label
        else:
            self.problems.append(f"ref to unknown label {label}")
            return text or label
        return f"[{text or title}]({self.href(docname, labelid)})"

    def eq(self, content: str) -> str:
        label = content.strip()
        if label not in self.math.equations:
            self.problems.append(f"eq to unknown label {label}")
            return label
        docname, eqno = self.math.equations[label]
        number = self.equation_number(label) or str(eqno)
        text = self.app.config.math_eqref_format or "({number})"
        return f"[{text.format(number=number)}]({self.href(docname, 'equation-' + label)})"

    def equation_number(self, label: str) -> str | None:
        if label not in self.math.equations:
            return None
        docname, eqno = self.math.equations[label]
        if self.app.config.math_numfig and self.app.config.numfig:
            _, number = self.fignumber(docname, f"equation-{label}")
            if number:
                return number
        return str(eqno)

    def term(self, content: str) -> str:
        text, target = split_title(content)
        text = text or target
        found = self.std._terms.get(target.lower())
        if not found:
            self.problems.append(f"term not in the glossary: {target}")
            return text
        docname, labelid = found
        return f"[{text}]({self.href(docname, labelid)})"

    def xref_link(self, text: str, stem: str, fragment: str) -> str:
        """``[text](file.ipynb#label)`` → the same text linking to the label on the website (a glossary
        link's fragment is already the term's HTML id). The text is the website's (the build checks it)."""
        docname = next((d for d in self.env.found_docs if d.rsplit("/", 1)[-1] == stem), None)
        if docname is None:
            self.problems.append(f"link to an unknown book file {stem}")
            return text
        if stem == "bibliography":                # [(Who, 2015)](bibliography.md#key1,key2): a citation
            return self.cite_role("cite:p" if text.startswith("(") else "cite:t", fragment)
        if stem == "glossary" and fragment.startswith("term-"):
            return f"[{text}]({self.href(docname, fragment)})"
        if fragment in self.math.equations:
            return f"[{text}]({self.href(self.math.equations[fragment][0], 'equation-' + fragment)})"
        if fragment in self.std.anonlabels:
            found_doc, labelid = self.std.anonlabels[fragment]
            return f"[{text}]({self.href(found_doc, labelid)})"
        return f"[{text}]({self.href(docname, fragment)})"        # a heading slug

    def _citation(self, key: str):
        for c in (self.cite.citations if self.cite else []):
            if c.key == key:
                return c
        return None

    def cite_role(self, kind: str, content: str) -> str:
        parts = []
        for key in [k.strip() for k in content.split(",") if k.strip()]:
            c = self._citation(key)
            if c is None:
                self.problems.append(f"citation key not in the bibliography: {key}")
                parts.append(key)
                continue
            who, year = author_year(c.entry)
            docname = c.bibliography_key.docname
            link = self.href(docname, c.citation_id)
            parts.append(f"[{who} ({year})]({link})" if kind == "cite:t" else f"[{who}, {year}]({link})")
        return "; ".join(parts) if kind == "cite:t" else "(" + "; ".join(parts) + ")"


def split_title(content: str) -> tuple[str, str]:
    """``text <target>`` → (text, target); ``target`` → ("", target). Whitespace (line breaks) collapsed."""
    content = " ".join(content.split())
    m = re.match(r"^(.*?)\s*<([^<>]+)>$", content)
    if m:
        return m.group(1).strip(), m.group(2).strip()
    return "", content


def author_year(entry) -> tuple[str, str]:
    people = entry.persons.get("author") or entry.persons.get("editor") or []
    last = [" ".join(p.last_names).replace("{", "").replace("}", "") for p in people]
    if not last:
        who = entry.fields.get("organization", entry.fields.get("title", "?"))
    elif len(last) == 1:
        who = last[0]
    elif len(last) == 2:
        who = f"{last[0]} and {last[1]}"
    else:
        who = f"{last[0]} et al."
    return who.replace("{", "").replace("}", ""), entry.fields.get("year", "n.d.")


# -- MyST → CommonMark --------------------------------------------------------------------------
def eval_values(cell) -> dict[str, str]:
    values = {}
    for item in cell.get("metadata", {}).get("user_expressions", []):
        data = item.get("result", {}).get("data", {})
        if "text/plain" in data:
            text = data["text/plain"]
            values[item["expression"]] = "".join(text) if isinstance(text, list) else text
    return values


def convert_markdown(text: str, res: Resolver, values: dict[str, str] | None = None) -> str:
    values = values or {}

    def role(m):
        name, content = m.group(1), m.group(2)
        if name == "eval":
            expr = content.strip()
            if expr not in values:
                res.problems.append(f"no stored value for {{eval}}`{expr}`")
                return f"`{expr}`"
            return values[expr].replace("$", r"\$")     # an amount of money, not math
        if name == "numref":
            return res.numref(content)
        if name in ("ref", "doc"):
            return res.ref(content)
        if name == "eq":
            return res.eq(content)
        if name == "term":
            return res.term(content)
        if name.startswith("cite"):
            return res.cite_role(name if name != "cite" else "cite:p", content)
        if name == "math":
            return f"${content}$"
        return m.group(0)

    text = XREF_LINK.sub(lambda m: res.xref_link(m.group(1), m.group(2), m.group(3)), text)
    text = ROLE.sub(role, text)
    text = LABEL_LINE.sub(lambda m: f'<a id="{m.group(1)}"></a>', text)
    text = convert_blocks(text, res)
    text = DISPLAY_MATH.sub(lambda m: display_math(m, res), text)
    return text


def display_math(m, res: Resolver) -> str:
    body, label = m.group("body").strip(), m.group("label")
    if not label:
        return f"$${body}$$" if "\n" not in m.group("body") else f"$$\n{body}\n$$"
    number = res.equation_number(label)
    if number is None:
        res.problems.append(f"display math with unknown label {label}")
        return f"$$\n{body}\n$$"
    return f'<a id="equation-{label}"></a>\n\n$$\n{body} \\tag{{{number}}}\n$$'


def convert_blocks(text: str, res: Resolver) -> str:
    """Rewrite fenced directives (``:::{x}`` / ```` ```{x} ````), innermost first, into CommonMark."""
    lines = text.split("\n")
    out: list[str] = []
    i = 0
    while i < len(lines):
        m = FENCE_OPEN.match(lines[i])
        if not m:
            out.append(lines[i])
            i += 1
            continue
        fence, name, arg, ind = m.group("fence"), m.group("name"), m.group("arg").strip(), m.group("ind")
        # find the matching close: the same fence characters, at least as long, alone on a line
        j, depth = i + 1, 0
        while j < len(lines):
            s = lines[j].strip()
            inner = FENCE_OPEN.match(lines[j])
            if inner and inner.group("fence")[0] == fence[0] and len(inner.group("fence")) == len(fence):
                depth += 1
            elif s and set(s) == {fence[0]} and len(s) >= len(fence):
                if depth == 0:
                    break
                depth -= 1
            j += 1
        body = lines[i + 1:j]
        options = {}
        while body and re.match(r"^\s*:[\w-]+:", body[0]):
            k, _, v = body.pop(0).strip()[1:].partition(":")
            options[k] = v.strip()
        inner_text = convert_blocks("\n".join(body).strip("\n"), res)
        out.extend(render_directive(name, arg, options, inner_text, res, ind).split("\n"))
        i = j + 1
    return "\n".join(out)


def render_directive(name, arg, options, body, res: Resolver, ind: str = "") -> str:
    if name == "table":
        label = options.get("name")
        number = res.figure_label(label) if label else None
        anchor = f'<a id="{label}"></a>\n\n' if label else ""
        caption = f"**{number}.** {arg}" if number else arg
        return f"{anchor}{caption}\n\n{body}\n" if caption else f"{anchor}{body}\n"
    if name in ("code-block", "code", "code-cell"):
        return f"```{arg}\n{body}\n```"
    if name == "math":
        label = options.get("label") or options.get("name")
        number = res.equation_number(label) if label else None
        tag = f" \\tag{{{number}}}" if number else ""
        anchor = f'<a id="equation-{label}"></a>\n\n' if label else ""
        return f"{anchor}$$\n{body}{tag}\n$$"
    if name == "figure":
        label = options.get("name")
        number = res.figure_label(label) if label else None
        anchor = f'<a id="{label}"></a>\n\n' if label else ""
        return f"{anchor}![{body.splitlines()[0] if body else ''}]({arg})\n\n" + \
               (f"**{number}.** {body}" if number else body)
    title = arg or ADMONITION_TITLES.get(name, name.capitalize())
    if name == "dropdown":
        return f"<details><summary>{title}</summary>\n\n{body}\n\n</details>"
    quoted = "\n".join(">" + ((" " + line) if line.strip() else "") for line in body.split("\n"))
    return f"> **{title}**\n>\n{quoted}\n"


PLAIN_MARKDOWN = ('os.environ["MLSYSIM_MARKDOWN"] = "commonmark"   '
                  '# this copy is for any Jupyter: computed tables as plain Markdown')


def bootstrap_pinned(source: str, wheel_name: str, digest: str) -> str:
    """The bootstrap cell with the wheel pinned by its hash (pip checks a ``#sha256=`` fragment), telling
    mlsysim to write computed Markdown without MyST (:func:`mlsysim.fmt.plain_roles`)."""
    source = WHEEL_IN_CELL.sub(f"{WHEEL_DIR}/{wheel_name}#sha256={digest}", source)
    lines = source.split("\n")
    at = next((i + 1 for i, line in enumerate(lines) if line.startswith("import ") and " os" in line), None)
    if at is not None and PLAIN_MARKDOWN not in source:
        lines.insert(at, PLAIN_MARKDOWN)
    return "\n".join(lines)


def reader_copy(nb, res: Resolver, wheel_name: str | None, digest: str | None):
    """A reader copy of ``nb`` (an nbformat NotebookNode, modified in place and returned)."""
    import nbformat

    cells = []
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            cell.source = convert_markdown(cell.source, res, {**eval_values(cell), **res.built_values})
            cell.metadata.pop("user_expressions", None)
            cells.append(cell)
            continue
        if cell.cell_type != "code":
            cells.append(cell)
            continue
        if wheel_name and WHEEL_IN_CELL.search(cell.source):
            cell.source = bootstrap_pinned(cell.source, wheel_name, digest)
        tags = cell.metadata.get("tags", [])
        if ("remove-input" in tags or "remove-cell" in tags) and "bootstrap" not in tags:
            cell.metadata.setdefault("jupyter", {})["source_hidden"] = True   # collapsed, still runs
        for out in cell.get("outputs", []):
            md = out.get("data", {}).get("text/markdown")
            if md is not None:
                md = "".join(md) if isinstance(md, list) else md
                out["data"]["text/markdown"] = convert_markdown(md, res)
        cells.append(cell)
        fig = cell.metadata.get("mystnb", {}).get("figure")
        if fig and fig.get("caption"):
            label = fig.get("name")
            number = res.figure_label(label) if label else None
            anchor = f'<a id="{label}"></a>\n\n' if label else ""
            caption = convert_markdown(fig["caption"], res)
            cells.append(nbformat.v4.new_markdown_cell(f"{anchor}**{number}.** {caption}" if number else
                                                       f"{anchor}{caption}"))
    nb.cells = cells
    nb.metadata.pop("mystnb", None)
    nb.metadata.pop("jupytext", None)
    nb.metadata["mlsysim_reader_copy"] = {"book": res.site or None, "source": res.docname + ".ipynb"}
    return nb


# -- {eval} values as the build computed them ---------------------------------------------------------
def _record_eval_values():
    """Wrap myst-nb's ``{eval}`` lookup so every value the build renders is kept in the environment
    (``env.mlsysim_eval[docname][expression] = text``): reader copies use the numbers the website
    shows, even when a notebook's stored ``user_expressions`` are older than its prose."""
    import myst_nb.ext.eval as nb_eval

    if getattr(nb_eval.retrieve_eval_data, "_mlsysim", False):
        return
    original = nb_eval.retrieve_eval_data

    def retrieve_eval_data(document, key):
        outputs = original(document, key)
        try:
            env = document.settings.env
            for out in outputs:
                data = getattr(out, "data", None) or {}
                if "text/plain" in data:
                    text = data["text/plain"]
                    env.mlsysim_eval.setdefault(env.docname, {})[key] = text if isinstance(text, str) else "".join(text)
                    break
        except AttributeError:
            pass
        return outputs

    retrieve_eval_data._mlsysim = True
    nb_eval.retrieve_eval_data = retrieve_eval_data


def on_env_before_read_docs(app, env, docnames):
    if not hasattr(env, "mlsysim_eval"):
        env.mlsysim_eval = {}
    for d in docnames:
        env.mlsysim_eval.pop(d, None)


def on_env_purge_doc(app, env, docname):
    getattr(env, "mlsysim_eval", {}).pop(docname, None)


# -- Sphinx glue --------------------------------------------------------------------------------
def _site_url(app) -> str:
    return (os.environ.get("MLSYSIM_BOOK_URL") or app.config.reader_copies_site_url
            or app.config.html_baseurl or "").rstrip("/")


def on_build_finished(app, exception):
    if exception is not None or app.builder.format != "html":
        return
    import nbformat

    out = Path(app.outdir)
    srcdir = Path(app.srcdir)
    wheel = build_wheel(srcdir, out)
    digest = sha256(wheel)
    site = _site_url(app)
    problems = []
    count = 0
    for docname in sorted(app.env.found_docs):
        path = Path(app.env.doc2path(docname))
        if path.suffix != ".ipynb":
            continue
        nb = nbformat.read(path, as_version=4)
        res = Resolver(app, docname, site)
        res.built_values = getattr(app.env, "mlsysim_eval", {}).get(docname, {})
        reader_copy(nb, res, wheel.name, digest)
        problems += [f"{docname}: {p}" for p in res.problems]
        target = out / "_sources" / (docname + ".ipynb")
        target.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, target)
        count += 1
    (out / WHEEL_DIR / "reader-copies.json").write_text(json.dumps(
        {"wheel": wheel.name, "sha256": digest, "site": site, "copies": count}, indent=1))
    from sphinx.util import logging

    log = logging.getLogger(__name__)
    for p in problems:
        log.warning(f"reader copy: {p}", type="reader_copies")
    log.info(f"reader copies: {count} notebooks, wheel {wheel.name} sha256={digest[:12]}…")


def on_page_context(app, pagename, templatename, context, doctree):
    """Colab and JupyterHub launch links open the reader copy on the published site branch."""
    branch = app.config.reader_copies_branch
    if not branch or not context.get("header_buttons"):
        return
    source = f"_sources/{pagename}.ipynb"
    if not (Path(app.env.doc2path(pagename)).suffix == ".ipynb"):
        return
    colab = "https://colab.research.google.com/github/"
    hub_marker = "/hub/user-redirect/git-pull?"

    def walk(buttons):
        for b in buttons:
            if isinstance(b.get("buttons"), list):
                walk(b["buttons"])
            url = b.get("url", "")
            if url.startswith(colab):
                org_repo = url[len(colab):].split("/blob/")[0]
                b["url"] = f"{colab}{org_repo}/blob/{branch}/{source}"
            elif hub_marker in url:
                from urllib.parse import parse_qs, urlencode, urlsplit

                q = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
                repo_name = q["repo"].rstrip("/").split("/")[-1]
                q.update(branch=branch, urlpath=f"lab/tree/{repo_name}/{source}")
                b["url"] = url.split("?")[0] + "?" + urlencode(q, quote_via=quote)

    walk(context["header_buttons"])


def setup(app):
    app.add_config_value("reader_copies_site_url", "", "html")
    app.add_config_value("reader_copies_branch", "reader-copies", "html")
    _record_eval_values()
    app.connect("env-before-read-docs", on_env_before_read_docs)
    app.connect("env-purge-doc", on_env_purge_doc)
    app.connect("build-finished", on_build_finished)
    app.connect("html-page-context", on_page_context, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
