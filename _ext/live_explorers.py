"""Live explorers: a page's widgets become live on a Jupyter kernel when the reader asks.

Registered in ``_config.yml`` under ``sphinx.local_extensions``. For every page that shows widgets
(explorers, quizzes) it adds

* ``#mlsysim-live-config`` (inline JSON): the page's notebook code — every code cell the build
  executed, up to and including the last cell with a widget output — marking the cells whose widget
  output is on the page, plus where a kernel can come from (``live_kernels`` in ``_config.yml``);
* ``_static/mlsysim-live/live.js`` (deferred) and ``live.css``: on the static page the saved widgets
  are rendered disabled with one line saying how to go live; "Go live" loads the vendored thebe-core
  (``tools/vendor_assets.py``), starts a kernel on the local server of ``make live`` (``tools/live.py``)
  or on Binder, runs the code and shows each widget cell's live output in place.

The code comes from the notebook as the build executed it (``jupyter_execute/<page>.ipynb``, written
by myst-nb), so the widget cells are known from their outputs; if that copy is missing, from the
source notebook (cells up to the last one that calls ``explore(``).
"""
from __future__ import annotations

import json
from pathlib import Path

from sphinx.application import Sphinx
from sphinx.errors import ConfigError
from sphinx.util import logging

logger = logging.getLogger(__name__)
HERE = Path(__file__).resolve().parent
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
HIDDEN_OUTPUT_TAGS = {"remove-output", "remove-cell", "remove_output", "remove_cell"}
SKIP_TAGS = {"raises-exception", "skip-execution"}


def _source(cell) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def page_blocks(app: Sphinx, pagename: str) -> list[dict]:
    """Code blocks a kernel runs to make this page's widgets live (empty: the page has none)."""
    executed = Path(app.outdir).parent / "jupyter_execute" / f"{pagename}.ipynb"
    source = Path(app.env.doc2path(pagename))
    from_outputs = executed.is_file()
    path = executed if from_outputs else source
    if path.suffix != ".ipynb" or not path.is_file():
        return []
    nb = json.loads(path.read_text(encoding="utf-8"))
    blocks, last = [], -1
    for i, cell in enumerate(nb.get("cells", [])):
        if cell.get("cell_type") != "code":
            continue
        tags = set(cell.get("metadata", {}).get("tags", []))
        if tags & SKIP_TAGS:
            continue
        code = _source(cell)
        if from_outputs:
            has = any(WIDGET_VIEW in (o.get("data") or {}) for o in cell.get("outputs", []))
        else:
            has = "explore(" in code
        shown = has and not (tags & HIDDEN_OUTPUT_TAGS)
        blocks.append({"id": f"cell-{i}", "source": code, "widgets": 1 if shown else 0})
        if shown:
            last = len(blocks) - 1
    return blocks[: last + 1]


def binder_options(app: Sphinx) -> dict | None:
    kernels = app.config.live_kernels or {}
    if not kernels.get("binder"):
        return None
    repo = app.config.html_theme_options.get("repository_url", "") if app.config.html_theme_options else ""
    launch = (app.config.html_theme_options or {}).get("launch_buttons", {})
    binder_url = launch.get("binderhub_url") or "https://mybinder.org"
    if "github.com/" not in repo:
        return None
    return {"repo": repo.split("github.com/", 1)[1].strip("/"),
            "ref": (app.config.html_theme_options or {}).get("repository_branch") or "main",
            "binderUrl": binder_url.rstrip("/"), "repoProvider": "github"}


def hub_options(app: Sphinx) -> dict | None:
    """The course's JupyterHub (``launch_buttons.jupyterhub_url``; empty: none). The reader's own server
    on it runs the page's code once the reader gives an API token from ``<hub>/hub/token``."""
    if not (app.config.live_kernels or {}).get("hub", True):
        return None
    launch = (app.config.html_theme_options or {}).get("launch_buttons", {}) or {}
    url = (launch.get("jupyterhub_url") or "").strip()
    if not url:
        return None
    if not url.startswith(("https://", "http://")):
        raise ConfigError(f"launch_buttons.jupyterhub_url must be the hub's address, https://… (got {url!r})")
    return {"url": url.rstrip("/") + "/"}


def on_page_context(app: Sphinx, pagename, templatename, context, doctree) -> None:
    body = context.get("body") or ""
    if WIDGET_VIEW not in body:
        return
    blocks = page_blocks(app, pagename)
    if not any(b["widgets"] for b in blocks):
        logger.warning(f"{pagename}: widgets on the page but no widget cell found to make them live",
                       type="live_explorers")
        return
    binder = binder_options(app)
    hub = hub_options(app)
    if hub:
        host = hub["url"].split("://", 1)[1].rstrip("/")
        how = (f"Press Go live to start one on your server at the course's JupyterHub ({host}), "
               "or on your own machine when `make live` serves this site.")
    elif binder:
        how = ("Press Go live to start one: on your own machine when `make live` serves this site, "
               "otherwise on Binder (the first start can take a few minutes).")
    else:
        how = "Serve the book with `make live` from a clone of its repository, then press Go live."
    config = {
        "blocks": blocks,
        "path": f"{pagename}.ipynb",
        "binder": binder,
        "hub": hub,
        "static_text": f"Inactive on this static page: these controls need a Python kernel. {how}",
        "no_server_text": ("no Jupyter server found: run `make live` in a clone of the repository "
                           "and open the page it serves" + ("" if binder else " (this site has no Binder configured)")),
    }
    text = json.dumps(config).replace("</", "<\\/")
    app.add_js_file(None, body=text, type="application/json", id="mlsysim-live-config")
    app.add_js_file("mlsysim-live/live.js", defer="defer")
    app.add_css_file("mlsysim-live/live.css")


def add_static_path(app: Sphinx, config) -> None:
    static = str(HERE / "static")
    if static not in config.html_static_path:
        config.html_static_path = [*config.html_static_path, static]


def setup(app: Sphinx) -> dict:
    # binder: offer Binder (launch_buttons.binderhub_url + repository.url) when no local server answers;
    # hub: offer the course's JupyterHub (launch_buttons.jupyterhub_url, when set) with the reader's token.
    app.add_config_value("live_kernels", {"binder": True, "hub": True}, "html")
    app.connect("config-inited", add_static_path, priority=950)
    app.connect("html-page-context", on_page_context)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
