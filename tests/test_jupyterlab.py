"""The book in a real JupyterLab, driven by a real browser: what `make lab` gives a reader.

A fixture starts `jupyter lab` from the venv on 127.0.0.1 (free port, random token, root = the
repository) with throw-away user settings: autosave off (the test must never write to the
notebooks), no news/update checks, and every cell rendered (no virtual scrolling). Chromium
(Playwright, system binary) then does what a reader does with the retraining-economics notebook:

1. opens it and reads the prose — the inline numbers stored by `mlsysim.nbrun` render through
   jupyterlab-myst (``{eval}`` roles), no raw role is visible;
2. runs *Run → Run All Cells* from the menu, waits for the kernel, and finds no error output;
3. drags the explorer's drift-rate slider and sees the optimal-interval text change;
4. types an invalid drift rate (-0.1) in the slider's text box and sees the readable message
   (class ``mlsysim-error``) naming the input and its allowed range, not a traceback.

Screenshots go to `test-artifacts/jupyterlab/`; the server log and browser console to the same place.
"""
from __future__ import annotations

import hashlib
import re
import time
from pathlib import Path

import pytest

from browser_util import ARTIFACTS, ROOT, Recorder, jupyter_lab, screenshot

pytestmark = pytest.mark.browser
NOTEBOOK = "book/retraining_economics.ipynb"
OUT = ARTIFACTS / "jupyterlab"
KERNEL_IDLE = """() => {
  const w = window.jupyterapp && window.jupyterapp.shell.currentWidget;
  const k = w && w.sessionContext && w.sessionContext.session && w.sessionContext.session.kernel;
  return !!k && k.status === 'idle';
}"""
RUNNING = """() => [...document.querySelectorAll('.jp-Notebook .jp-CodeCell .jp-InputArea-prompt')]
  .some(p => p.textContent.includes('*'))"""
ALL_RUN = """() => {
  const prompts = [...document.querySelectorAll('.jp-Notebook .jp-CodeCell .jp-InputArea-prompt')];
  return prompts.length > 0 && prompts.every(p => /\\[\\d+\\]/.test(p.textContent));
}"""

SETTINGS = {
    "@jupyterlab/docmanager-extension/plugin.jupyterlab-settings": {"autosave": False},
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {"fetchNews": "false",
                                                                         "checkForUpdates": False},
}


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    (OUT / "failure.png").unlink(missing_ok=True)
    with jupyter_lab(tmp_path_factory.mktemp("lab"), ROOT, SETTINGS, OUT) as server:
        yield server


def test_reader_runs_the_retraining_notebook_and_moves_the_explorer(lab, browser):
    from playwright.sync_api import expect

    before_sha = _sha(ROOT / NOTEBOOK)
    rec = Recorder(lab["base"])
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = rec.attach(context, context.new_page())
    console = []
    page.on("console", lambda m: console.append(f"{m.type}: {m.text}"))
    page.set_default_timeout(60_000)
    try:
        t0 = time.perf_counter()
        page.goto(f"{lab['base']}/lab/tree/{NOTEBOOK}?token={lab['token']}")
        notebook = page.locator(".jp-NotebookPanel:visible .jp-Notebook")
        notebook.locator(".jp-MarkdownCell").first.wait_for()
        page.wait_for_function(KERNEL_IDLE, timeout=120_000)
        opened = time.perf_counter() - t0

        # 1. Prose as stored: inline numbers from user_expressions, no raw roles.
        prose = " ".join(notebook.locator(".jp-MarkdownCell").all_inner_texts())
        prose = " ".join(prose.split())
        assert "1,000,000 transactions a day" in prose, prose[:600]
        assert "{eval}" not in prose and "{numref}" not in prose and "{eq}" not in prose
        screenshot(page, "jupyterlab/01-opened.png")

        # 2. Run → Run All Cells.
        t1 = time.perf_counter()
        page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^Run$")).click()
        page.locator('.lm-Menu-item[data-command="runmenu:run-all"]').click()
        # The stored prompts already read [1], [2], …: first see the run start (cells queued as [*]).
        page.wait_for_function(RUNNING, timeout=30_000, polling=50)
        page.wait_for_function(ALL_RUN, timeout=180_000)
        page.wait_for_function(KERNEL_IDLE, timeout=180_000)
        ran = time.perf_counter() - t1
        errors = notebook.locator('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"],'
                                  ' .jp-OutputArea-output[data-mime-type="application/vnd.jupyter.error"]')
        assert errors.count() == 0, errors.all_inner_texts()[:3]
        prose = " ".join(" ".join(notebook.locator(".jp-MarkdownCell").all_inner_texts()).split())
        assert "1,000,000 transactions a day" in prose and "{eval}" not in prose

        # 3. Drag the drift-rate slider.
        explorer = notebook.locator(".jp-OutputArea-output .mlsysim-explorer")
        explorer.wait_for()
        explorer.scroll_into_view_if_needed()
        result = explorer.locator(".widget-html, .widget-htmlmath").filter(has_text="Square-root law: T*")
        expect(result).to_have_count(1)
        before = result.inner_text()
        row = explorer.locator(".widget-hbox").filter(has=page.locator(".widget-slider", has_text="Drift rate"))
        expect(row).to_have_count(1)
        box = row.locator("input[type='text'], input:not([type])").first
        value_before = box.input_value()
        handle = row.locator(".noUi-handle").first
        handle.scroll_into_view_if_needed()
        bb = handle.bounding_box()
        x, y = bb["x"] + bb["width"] / 2, bb["y"] + bb["height"] / 2
        page.mouse.move(x, y)
        page.mouse.down()
        page.mouse.move(x + 80, y, steps=8)
        page.mouse.up()
        expect(result).not_to_have_text(before, timeout=30_000)
        after = result.inner_text()
        assert box.input_value() != value_before
        t_before = re.search(r"Square-root law: T\* = ([\d.]+)", before).group(1)
        t_after = re.search(r"Square-root law: T\* = ([\d.]+)", after).group(1)
        assert float(t_after) < float(t_before), (before, after)     # faster drift → retrain sooner
        assert explorer.locator(".mlsysim-error").count() == 0
        screenshot(explorer, "jupyterlab/02-slider-moved.png")

        # 4. An invalid typed value gives a readable message, not a traceback.
        box.fill("-0.1")
        box.press("Enter")
        message = explorer.locator(".mlsysim-error")
        message.wait_for(timeout=30_000)
        text = message.inner_text()
        assert "Drift rate" in text and "-0.1" in text and "between" in text, text
        assert "Traceback" not in explorer.inner_text()
        assert result.inner_text() == after                             # last valid numbers stay
        assert errors.count() == 0, errors.all_inner_texts()[:3]
        screenshot(explorer, "jupyterlab/03-invalid-value.png")
        screenshot(page, "jupyterlab/04-notebook.png")
        print(f"JupyterLab: notebook open + kernel idle {opened:.1f} s; Run All {ran:.1f} s")
        assert not rec.external, f"JupyterLab page requested other hosts: {rec.external[:5]}"
    except Exception:
        screenshot(page, "jupyterlab/failure.png", full_page=True)
        raise
    finally:
        (OUT / "console.log").write_text("\n".join(console))
        context.close()
    assert _sha(ROOT / NOTEBOOK) == before_sha, "the test changed the notebook on disk"
