"""Serve the website's MathJax and Jupyter-widgets code from the site itself (no CDN).

Registered in ``_config.yml`` under ``sphinx.local_extensions``.  It

* adds ``_vendor/`` (filled by ``tools/vendor_assets.py`` from the npm registry: MathJax 3 ``es5/``,
  the ipywidgets HTML manager ``embed-amd.js`` with its fonts, RequireJS) and ``_ext/static/`` (our
  own ``widgets-offline.js``: RequireJS paths for the vendored manager and a MathJax-2 API shim for
  the HTMLMath widget) to ``html_static_path``, so they are copied into ``_build/html/_static/``.  ``mathjax_path`` and ``nb_ipywidgets_js`` in ``_config.yml`` point at
  those copies with paths relative to ``_static/``;
* stops the build with a clear message when ``_vendor/`` is missing or outdated;
* removes duplicated inline ``<script>`` bodies from each page: Sphinx 7.4 registers the inline
  scripts that sphinx-thebe and sphinx-togglebutton add after the builder starts twice (once as
  filename ``None``, once as ``''``), and the second ``const THEBE_JS_URL = …`` is a SyntaxError in
  every reader's console;
* after an HTML build, warns (an error under ``-W``) about every page that still loads a script or a
  stylesheet from another host — the page would break offline.

Why an extension and not ``_static/``: jupyter-book adds every ``*.js``/``*.css`` below the static
folders named in ``_config.yml`` to *every* page, which would load all of MathJax's components
everywhere. Paths added here, after jupyter-book has read its configuration, are copied but not
linked; pages link only what Sphinx (MathJax, on pages with math) and myst-nb (the widget manager,
on pages with widget state) ask for.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

from sphinx.application import Sphinx
from sphinx.errors import ExtensionError
from sphinx.util import logging

logger = logging.getLogger(__name__)
HERE = Path(__file__).resolve().parent

# Kept in step with tools/vendor_assets.py (REQUIRED); checked here without importing the tool.
REQUIRED = ["mathjax/es5/tex-mml-chtml.js", "widgets/embed-amd.js", "widgets/require.js"]

_SCRIPT = re.compile(r"<script\b[^>]*?\bsrc=[\"']([^\"']+)[\"']", re.I)
_LINK = re.compile(r"<link\b[^>]*>", re.I)
_HREF = re.compile(r"\bhref=[\"']([^\"']+)[\"']", re.I)
_STYLESHEET = re.compile(r"\brel=[\"'][^\"']*stylesheet", re.I)


def is_external(url: str) -> bool:
    return bool(re.match(r"^(?:[a-z][a-z0-9+.-]*:)?//", url, re.I))


def external_resources(html: str) -> list[str]:
    """URLs of scripts and stylesheets a page loads from another host."""
    found = [u for u in _SCRIPT.findall(html) if is_external(u)]
    for tag in _LINK.findall(html):
        href = _HREF.search(tag)
        if href and _STYLESHEET.search(tag) and is_external(href.group(1)):
            found.append(href.group(1))
    return found


def add_static_paths(app: Sphinx, config) -> None:
    vendor = Path(app.srcdir) / "_vendor"
    missing = [f for f in REQUIRED if not (vendor / f).is_file()]
    if missing:
        raise ExtensionError(
            f"offline assets are missing ({', '.join(missing)} in {vendor}); run "
            "`python tools/vendor_assets.py` (`make book` does) to fetch MathJax and the widget manager "
            "from the npm registry")
    try:
        versions = json.loads((vendor / "VERSIONS.json").read_text())["packages"]
    except (OSError, ValueError, KeyError):
        versions = {}
    logger.info("offline assets: " + ", ".join(f"{n}@{v}" for n, v in versions.items()))
    paths = list(config.html_static_path)
    for extra in (str(vendor), str(HERE / "static")):
        if extra not in paths:
            paths.append(extra)
    config.html_static_path = paths
    if is_external(config.mathjax_path):
        logger.warning(f"mathjax_path is {config.mathjax_path!r}: the site would need the network for math")


def dedupe_inline_scripts(app: Sphinx, pagename, templatename, context, doctree) -> None:
    scripts = context.get("script_files")
    if not isinstance(scripts, list):
        return
    seen, keep = set(), []
    for js in scripts:
        attrs = getattr(js, "attributes", {}) or {}
        key = (getattr(js, "filename", None) or "", tuple(sorted(attrs.items())))
        if not key[0] and key in seen:
            continue                      # an inline script already on the page
        seen.add(key)
        keep.append(js)
    scripts[:] = keep


def explorer_assets(app: Sphinx, pagename, templatename, context, doctree) -> None:
    """Only pages that show an explorer get its stylesheet (phone layout) and script (accessible
    names and values of its sliders and boxes); called in html-page-context, add_*_file is per page."""
    # the explorers' classes are in the widget state, which myst-nb adds as an inline <script>
    inline = [getattr(js, "attributes", {}).get("body", "") for js in context.get("script_files") or []]
    if any("mlsysim-explorer" in (text or "") for text in [context.get("body") or "", *inline]):
        app.add_css_file("mlsysim-offline/explorers.css")
        app.add_js_file("mlsysim-offline/explorers.js", defer="defer")


def drop_unneeded_mathjax(app: Sphinx, pagename, templatename, context, doctree) -> None:
    """Sphinx loads MathJax on a page whose toctree *children* have equations (the root page); a
    page with no math of its own does not need the 1.2 MB of MathJax, so its script and inline
    configuration are dropped (explorer text is plain HTML and never needs MathJax)."""
    body = context.get("body") or ""
    scripts = context.get("script_files")
    if 'class="math' in body or not isinstance(scripts, list):
        return
    mathjax = app.config.mathjax_path

    def is_mathjax(js) -> bool:
        name = getattr(js, "filename", None) or ""
        inline = (getattr(js, "attributes", {}) or {}).get("body", "") or ""
        return bool(name and name.split("?")[0].endswith(mathjax)) or inline.lstrip().startswith(
            ("window.MathJax", "MathJax ="))

    scripts[:] = [js for js in scripts if not is_mathjax(js)]


_TASK_BOX = re.compile(r'(<input class="task-list-item-checkbox"(?![^>]*aria-label)[^>]*?)(\s*/?>)(.*?)</p>', re.S)


def _task_label(m: re.Match) -> str:
    text = " ".join(re.sub(r"<[^>]+>", " ", m.group(3)).split())[:100]
    return f'{m.group(1)} aria-label="{text.replace(chr(34), "&quot;")}"{m.group(2)}{m.group(3)}</p>'


def fix_accessibility(html: str) -> str:
    """Repairs of the theme's and extensions' markup that axe-core reports as serious or critical
    (idempotent; run on every built page):

    * the search buttons' ``aria-label="Search"`` hides their visible text ("Search Ctrl+K") from
      their accessible name → dropped, the name comes from the text;
    * the colour-mode button's icons carry ``title``s ("Light", "Dark", …) that are not in its name
      ("Color mode") → the icons' titles are dropped (the button keeps its label and tooltip);
    * sphinxcontrib-bibtex's ``role="list"`` citation container holds no list items → role dropped;
    * a link whose text the theme shortened to nothing (``https://github.com/``) → the URL as text;
    * a Markdown task-list checkbox has no label → ``aria-label`` with its item's text;
    * myst-nb's "Show code cell source" toggles are labelled "Toggle hidden content" → the label is
      dropped, the visible text names them.
    """
    html = re.sub(r'(<button class="[^"]*search-button__button[^"]*"[^>]*?) aria-label="Search"', r"\1", html)
    html = re.sub(r'(<i class="theme-switch [^"]*"[^>]*?)\s+title="[^"]*"', r"\1", html)
    html = html.replace('<div role="list" class="citation-list">', '<div class="citation-list">')
    html = html.replace('<summary aria-label="Toggle hidden content">', "<summary>")
    html = re.sub(r'(<a class="[^"]*reference external" href="([^"]+)">)(</a>)', r"\1\2\3", html)
    return _TASK_BOX.sub(_task_label, html)


# pydata-sphinx-theme loads Font Awesome twice: as a webfont through its CSS (every free icon; a woff2 file
# is fetched only for a style a page shows) and as a 1.5 MB script that redraws icons as SVG "so that users
# can add custom icons". The book adds none, so the script goes and icons draw from the webfont
# (tests/test_browser_site.py checks that every visible icon draws a glyph and nothing 404s).
_ICON_SCRIPT = re.compile(r'[ \t]*<script defer src="[^"]*_static/scripts/fontawesome\.js[^"]*"></script>\n?')


def drop_icon_script(html: str) -> str:
    return _ICON_SCRIPT.sub("", html)


def fix_pages(app: Sphinx, exception) -> None:
    if exception is not None or app.builder is None or app.builder.format != "html":
        return
    for page in Path(app.outdir).rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        fixed = drop_icon_script(fix_accessibility(text))
        if fixed != text:
            page.write_text(fixed, encoding="utf-8")


def check_pages(app: Sphinx, exception) -> None:
    if exception is not None or app.builder is None or app.builder.format != "html":
        return
    outdir = Path(app.outdir)
    for page in sorted(outdir.rglob("*.html")):
        urls = external_resources(page.read_text(encoding="utf-8", errors="replace"))
        if urls:
            logger.warning(f"{page.relative_to(outdir)} loads from the network: {', '.join(sorted(set(urls)))}",
                           type="offline", subtype="external")


def setup(app: Sphinx) -> dict:
    app.connect("config-inited", add_static_paths, priority=900)
    app.connect("html-page-context", dedupe_inline_scripts, priority=900)
    app.connect("html-page-context", drop_unneeded_mathjax, priority=850)
    app.connect("html-page-context", explorer_assets, priority=800)   # after myst-nb adds the widget state
    app.connect("build-finished", fix_pages)
    app.connect("build-finished", check_pages)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
