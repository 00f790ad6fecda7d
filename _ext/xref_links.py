"""Cross-references written as Markdown links, so that JupyterLab and the website both resolve them (issue 10).

jupyterlab-myst resolves ``{ref}``/``{numref}``/``{eq}``/``{term}`` only against targets in the *same
notebook's markdown cells*, and has no bibliography (every ``{cite}`` is drawn as "⚠ key"): a reference to another notebook, to the glossary, or to a table or figure made by a
code cell is shown as an orange "⚠" and logged as "Cross reference target was not found". Those references are
therefore written as ordinary Markdown links to the file that holds the target (``tools/xref_links.py`` writes
them)::

    [Data drift](glossary.md#term-Data-drift)                       a glossary term
    [Retraining Decisions …](retraining_economics.ipynb#sec-…)       a section of another notebook
    [Table 5.2](data_infrastructure.ipynb#tbl-training-serving-skew) a table/figure/listing (tbl-, fig-, lst-)
    [Eq. 3.1](overview.ipynb#eq-accuracy-decay)                      an equation (eq-)
    [(Sculley et al., 2015)](bibliography.md#sculley2015hidden)      {cite:p} (keys comma-separated)
    [Sculley et al. (2015)](bibliography.md#sculley2015hidden)       {cite:t}

JupyterLab shows them as links that open the notebook. On the website this extension turns each such link,
while the page is read, into exactly the node the role would have made (``{term}``, ``{ref}`` with the link
text, ``{numref}``, ``{eq}``, ``{cite:p}``/``{cite:t}``), so Sphinx resolves, numbers and checks it as before (a missing target is a
warning, and the build runs with ``-W -n``). After all pages are read it also checks that the target is in the
file the link names, and that the text of a numbered reference is the number the website gives it (so the
number JupyterLab shows cannot go stale): a mismatch is a warning naming the fix (re-run the tool).

Links whose fragment has none of these forms (e.g. a heading slug) are left to myst-parser.
"""
from __future__ import annotations

import os
import re
from types import SimpleNamespace

from docutils import nodes
from docutils.parsers.rst import roles as rst_roles
from sphinx import addnodes
from sphinx.transforms import SphinxTransform
from sphinx.util import logging
from sphinx.util.nodes import _make_id

logger = logging.getLogger(__name__)
NUMBERED = ("tbl-", "fig-", "lst-")


def term_id(term: str) -> str:
    """The HTML id Sphinx gives a glossary term (``Data drift`` → ``term-Data-drift``)."""
    return _make_id("term-" + term)


def link_kind(docname: str, fragment: str) -> str | None:
    if docname.rsplit("/", 1)[-1] == "bibliography":
        return "cite"
    if fragment.startswith("term-") and docname.rsplit("/", 1)[-1] == "glossary":
        return "term"
    if fragment.startswith("eq-"):
        return "eq"
    if fragment.startswith(NUMBERED):
        return "numref"
    if fragment.startswith("sec-"):
        return "ref"
    return None


def _glossary_terms(env) -> dict[str, str]:
    """term id → term, from the glossary's source (the std domain may not have read it yet)."""
    cache = getattr(env, "_xref_links_terms", None)
    if cache is None:
        cache = {}
        for docname in env.found_docs:
            if docname.rsplit("/", 1)[-1] != "glossary":
                continue
            text = open(env.doc2path(docname), encoding="utf-8").read()
            block = re.search(r"^:::+\{glossary\}(.*?)^:::+\s*$", text, re.S | re.M)
            for line in (block.group(1) if block else "").splitlines():
                if line and not line[0].isspace() and not line.startswith(":"):
                    cache[term_id(line.strip())] = line.strip()
        env._xref_links_terms = cache
    return cache


class LinksToRoles(SphinxTransform):
    """``[text](file#label)`` → the node ``{term}``/``{ref}``/``{numref}``/``{eq}`` makes."""
    default_priority = 5

    def apply(self, **kwargs) -> None:
        env = self.env
        records = env.xref_links.setdefault(env.docname, [])
        for node in list(self.document.findall(addnodes.pending_xref)):
            if node.get("reftype") != "myst" or node.get("refdomain") != "doc" or not node.get("reftargetid"):
                continue
            target_doc, fragment = node["reftarget"], node["reftargetid"]
            kind = link_kind(target_doc, fragment)
            if kind is None:
                continue
            written = " ".join(node.astext().split())
            if kind == "term":
                term = _glossary_terms(env).get(fragment)
                if term is None:
                    logger.warning(f"link to the glossary names no term: #{fragment} (glossary ids look like "
                                   f"{term_id('Data drift')})", location=node, type="xref_links")
                    continue
                role, text = "term", term if written == term else f"{written} <{term}>"
            elif kind == "cite":                # keys, comma-separated; "(…)" is parenthetical
                role, text = ("cite:p" if written.startswith("(") else "cite:t"), fragment
            elif kind == "ref":
                role, text = "ref", f"{written} <{fragment}>" if written else fragment
            else:
                role, text = kind, fragment
            new = self._role(role, text, node)
            if new is None:
                continue
            node.replace_self(new)
            records.append({"line": node.line, "kind": kind, "label": fragment, "doc": target_doc,
                            "written": written})

    def _role(self, name: str, text: str, node):
        fn, _ = rst_roles.role(name, None, node.line or 0, self.document.reporter)
        if fn is None:
            logger.warning(f"xref_links: no role {name!r}", location=node)
            return None
        source = node.source or self.document.get("source")
        inliner = SimpleNamespace(document=self.document,
                                  reporter=SimpleNamespace(get_source_and_line=lambda lineno=None: (source, node.line),
                                                           **{k: getattr(self.document.reporter, k) for k in
                                                              ("warning", "error", "info", "system_message")}))
        result, messages = fn(name, f"{{{name}}}`{text}`", text, node.line or 0, inliner, {}, [])
        return result + messages


def _numbered_text(app, env, kind: str, label: str):
    """(docname, text) the website gives a numbered reference, or (docname, None)."""
    if kind == "eq":
        math = env.get_domain("math")
        if label not in math.equations:
            return None, None
        docname, eqno = math.equations[label]
        number = str(eqno)
        if app.config.math_numfig and app.config.numfig:
            for numbers in env.toc_fignumbers.get(docname, {}).values():
                if f"equation-{label}" in numbers:
                    number = ".".join(map(str, numbers[f"equation-{label}"]))
        return docname, (app.config.math_eqref_format or "({number})").format(number=number)
    std = env.get_domain("std")
    if label not in std.anonlabels:
        return None, None
    docname, labelid = std.anonlabels[label]
    for figtype, numbers in env.toc_fignumbers.get(docname, {}).items():
        if labelid in numbers:
            return docname, app.config.numfig_format.get(figtype, "%s") % ".".join(map(str, numbers[labelid]))
    return docname, None


def check_links(app, env) -> None:
    std = env.get_domain("std")
    for docname, records in sorted(env.xref_links.items()):
        for r in records:
            where = (docname, r["line"])
            if r["kind"] in ("term", "cite"):
                continue                       # the term role itself checks the glossary
            if r["kind"] == "ref":
                found = std.labels.get(r["label"]) or std.anonlabels.get(r["label"])
                target_doc = found[0] if found else None
                expected = None
            else:
                target_doc, expected = _numbered_text(app, env, r["kind"], r["label"])
            if target_doc is None:
                continue                       # the role warns: undefined label
            if target_doc != r["doc"]:
                logger.warning(f"link to {r['label']} names {r['doc']}, but the label is in {target_doc} "
                               f"(run tools/xref_links.py)", location=where, type="xref_links")
            if expected is not None and r["written"] != expected:
                logger.warning(f"link text {r['written']!r} for {r['label']}: the website numbers it {expected!r} "
                               f"(run tools/xref_links.py)", location=where, type="xref_links")


def env_before_read(app, env, docnames):
    if not hasattr(env, "xref_links"):
        env.xref_links = {}
    env._xref_links_terms = None


def purge(app, env, docname):
    getattr(env, "xref_links", {}).pop(docname, None)


def merge(app, env, docnames, other):
    env.xref_links.update({d: other.xref_links[d] for d in docnames if d in getattr(other, "xref_links", {})})


def setup(app):
    # Computed tables (mlsysim.fmt.md_table) are MyST directives, numbered and labelled, only in the website's
    # own execution; elsewhere (JupyterLab, nbrun's stored outputs) they are a caption and a table that
    # jupyterlab-myst does not number on their own. The kernels myst-nb starts inherit this variable.
    os.environ.setdefault("MLSYSIM_MARKDOWN", "myst")
    app.add_transform(LinksToRoles)
    app.connect("env-before-read-docs", env_before_read)
    app.connect("env-purge-doc", purge)
    app.connect("env-merge-info", merge)
    app.connect("env-check-consistency", check_links)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "env_version": 1}
