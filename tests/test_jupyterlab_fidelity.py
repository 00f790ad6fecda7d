"""Opening a notebook in JupyterLab changes nothing, and JupyterLab resolves what the website resolves.

A real `jupyter lab` (the venv's, with jupyterlab-myst) serves a copy of book/ with AUTOSAVE ON every
second and kernels shut down on close. Chromium opens every notebook in turn (its kernel starts,
as for a student), waits past several autosave intervals, and closes it. Then:

- every notebook file is byte-for-byte what the repository stores (so `git status` stays clean) and
  JupyterLab never marked one modified;
- the browser console holds no "Cross reference target was not found" (jupyterlab-myst's warning for a
  {numref}/{ref}/{eq}/{term} it cannot resolve) nor its errors for links and citations, the prose shows no
  orange ⚠ (how it draws an unresolved reference or citation), no raw role such as
  "<Alert fatigue>", no duplicate "Table N" caption, and no explorer repr before its cell runs.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import time
from collections import Counter
from pathlib import Path

import pytest

from browser_util import ARTIFACTS, ROOT, jupyter_lab, screenshot

pytestmark = pytest.mark.browser
OUT = ARTIFACTS / "jupyterlab-fidelity"
AUTOSAVE_S = 1
SETTINGS = {
    "@jupyterlab/docmanager-extension/plugin.jupyterlab-settings": {"autosave": True,
                                                                    "autosaveInterval": AUTOSAVE_S},
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none",
                                                                   "kernelShutdown": True},
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {"fetchNews": "false",
                                                                         "checkForUpdates": False},
}
XREF = "Cross reference target was not found"
OTHER_XREF = ("No target for internal reference", "Could not link citation")   # jupyterlab-myst's other two
# The notebooks to open: the repository's; JUPYTERLAB_BOOK=DIR opens copies (e.g. executed with nbrun -o DIR
# after a change to stored outputs, before the notebooks themselves are re-executed).
BOOK = Path(os.environ.get("JUPYTERLAB_BOOK", ROOT / "book"))


@pytest.fixture(scope="module")
def lab_copy(tmp_path_factory):
    home = tmp_path_factory.mktemp("labfid")
    root = home / "root"
    shutil.copytree(BOOK, root / "book", ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    with jupyter_lab(home, root, SETTINGS, OUT) as server:
        yield {**server, "root": root}


CURRENT = "() => { const w = window.jupyterapp.shell.currentWidget; return w && w.context ? w.context.path : null; }"
DIRTY = "() => { const w = window.jupyterapp.shell.currentWidget; return !!(w && w.context && w.context.model.dirty); }"
KERNEL_IDLE = """() => {
  const w = window.jupyterapp && window.jupyterapp.shell.currentWidget;
  const k = w && w.sessionContext && w.sessionContext.session && w.sessionContext.session.kernel;
  return !!k && k.status === 'idle';
}"""


@pytest.fixture(scope="module")
def visits(lab_copy, browser):
    """Open, idle past autosave and close every notebook once; what was seen, for the tests below."""
    root = lab_copy["root"]
    notebooks = sorted((root / "book").glob("*.ipynb"))
    before = {p.name: p.read_bytes() for p in notebooks}
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    console: list[tuple[str, str]] = []
    current = {"name": ""}
    page.on("console", lambda m: console.append((current["name"], f"{m.type}: {m.text}")))
    page.set_default_timeout(60_000)
    seen = {"dirty": [], "raw_roles": [], "duplicates": [], "reprs": [], "warning_signs": []}
    t0 = time.perf_counter()
    try:
        page.goto(f"{lab_copy['base']}/lab?token={lab_copy['token']}")
        page.wait_for_selector(".jp-LabShell")
        page.wait_for_function("() => !!window.jupyterapp")
        for path in notebooks:
            current["name"] = path.name
            rel = f"book/{path.name}"
            page.evaluate("p => window.jupyterapp.commands.execute('docmanager:open', {path: p})", rel)
            page.wait_for_function(f"() => ({CURRENT})() === {json.dumps(rel)}")
            nb = page.locator(".jp-NotebookPanel:visible .jp-Notebook")
            nb.locator(".jp-MarkdownCell").first.wait_for()
            page.wait_for_function(KERNEL_IDLE, timeout=120_000)
            if page.evaluate(DIRTY):
                seen["dirty"].append(f"{path.name}: marked modified on opening")
            time.sleep(AUTOSAVE_S * 2.5)                      # several autosave intervals
            if page.evaluate(DIRTY):
                seen["dirty"].append(f"{path.name}: modified after idling")
            prose = " ".join(" ".join(nb.locator(".jp-MarkdownCell").all_inner_texts()).split())
            seen["raw_roles"] += [f"{path.name}: {m}" for m in
                                  re.findall(r"\w[\w -]{0,40} <[A-Z][^<>]{1,40}>|\{[a-z:]+\}`?\w", prose)]
            # jupyterlab-myst draws what it cannot resolve (a reference, a citation) as an orange ⚠ + label
            seen["warning_signs"] += [f"{path.name}: {w}" for w in nb.locator(".jp-MarkdownCell span.text-yellow-600")
                                      .evaluate_all("els => els.map(e => (e.title || '') + ': ' + e.textContent)")]
            outputs = " ".join(nb.locator(".jp-OutputArea-output").all_inner_texts())
            # numbers of the captions jupyterlab-myst draws (in prose and in outputs), not of references to them
            # (jupyterlab-myst writes "Table\xa01:", with a no-break space)
            captions = Counter(" ".join(m.group(1).split()) for t in nb.locator("figure figcaption").all_inner_texts()
                               for m in [re.match(r"\s*((?:Table|Figure)\s+\d+(?:\.\d+)*)", t)] if m)
            seen["duplicates"] += [f"{path.name}: {c} ×{n}" for c, n in captions.items() if n > 1]
            seen["reprs"] += [f"{path.name}: {m}" for m in re.findall(r"Explorer\([^)]{0,60}", outputs)]
            page.evaluate("() => window.jupyterapp.commands.execute('application:close-all')")
            page.wait_for_function(f"() => ({CURRENT})() === null")
        time.sleep(AUTOSAVE_S)
    except Exception:
        screenshot(page, "jupyterlab-fidelity/failure.png", full_page=True)
        raise
    finally:
        (OUT / "console.log").write_text("\n".join(f"[{n}] {t}" for n, t in console))
        context.close()
    print(f"JupyterLab: {len(notebooks)} notebooks opened, idled and closed in {time.perf_counter() - t0:.0f} s")
    seen["changed"] = [p.name for p in notebooks if p.read_bytes() != before[p.name]]
    for name in seen["changed"]:
        shutil.copy(root / "book" / name, OUT / name)        # for a look with nbdime
    seen["xrefs"] = Counter(f"[{n}] {t}" for n, t in console if XREF in t)
    seen["targets"] = sorted({(n, target.strip()) for n, t in console if XREF in t
                              for target in re.findall(XREF + r": ([^\n]+)", t)})
    seen["other_xrefs"] = sorted({f"[{n}] {t[:200]}" for n, t in console if any(o in t for o in OTHER_XREF)})
    return seen


def test_opening_with_autosave_changes_no_notebook(visits):
    assert not visits["changed"], f"JupyterLab rewrote {visits['changed']} (copies in {OUT})"
    assert not visits["dirty"], visits["dirty"]


def test_prose_shows_no_raw_role_and_explorers_say_run_this_cell(visits):
    assert not visits["raw_roles"], visits["raw_roles"][:10]
    assert not visits["reprs"], visits["reprs"][:5]


def test_no_table_number_appears_twice(visits):
    assert not visits["duplicates"], visits["duplicates"]


def test_no_cross_reference_warning_in_the_console(visits):
    print(f"{len(visits['targets'])} distinct unresolved targets; {sum(visits['xrefs'].values())} console errors")
    assert not visits["targets"], visits["targets"][:20]


def test_no_unresolved_link_or_citation_and_no_warning_sign_in_the_prose(visits):
    print(f"{len(visits['warning_signs'])} ⚠ in the prose; {len(visits['other_xrefs'])} other reference errors")
    assert not visits["other_xrefs"], visits["other_xrefs"][:10]
    assert not visits["warning_signs"], visits["warning_signs"][:20]
