"""Explorers on the website: inactive and honest on the static site, live on a kernel after "Go live".

Real Chromium (Debian's, via Playwright; see browser_util.py) against the built site; no request
may leave 127.0.0.1.

* Static site (plain ``http.server``, as GitHub Pages serves it): on every page with widgets, every
  control of every widget is either disabled or, when used, changes what the widget shows — no
  control silently ignores the reader — and each widget output says how to go live.
* Live: ``tools/live.LiveSite`` (the code path of ``make live``: the site plus a Jupyter server from
  this venv on 127.0.0.1) serves the site; on retraining_economics, monitoring, drift_lab and serving
  the test presses Go live, moves a slider with the keyboard and types a value, and checks that the
  explorer's numbers and plot change; then types a bad value and checks the readable message.
"""
from __future__ import annotations

import sys

import pytest

from browser_util import ARTIFACTS, HTML, ROOT, screenshot, serve_site

pytestmark = [pytest.mark.site, pytest.mark.browser]
sys.path.insert(0, str(ROOT / "tools"))
LIVE_PAGES = ["retraining_economics", "monitoring", "drift_lab", "serving"]
VIEW = 'script[type="application/vnd.jupyter.widget-view+json"]'
LIVE_TIMEOUT_MS = 300_000

# Every control a widget view can render, and whether it is disabled (noUiSlider marks its target).
CONTROLS_JS = """(root) => Array.from(root.querySelectorAll(
    'input, select, textarea, button, .noUi-target')).filter(el => !el.closest('.noUi-target') || el.matches('.noUi-target'))
  .filter(el => !el.closest('.mlsysim-live-bar'))
  .map(el => ({tag: el.tagName.toLowerCase(), type: el.type || '', cls: el.className,
               disabled: !!el.disabled || el.hasAttribute('disabled')}))"""


def widget_pages() -> list[str]:
    if not (HTML / "book").is_dir():
        return []
    return sorted(p.stem for p in (HTML / "book").glob("*.html")
                  if "application/vnd.jupyter.widget-view+json" in p.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def static_site():
    with serve_site(HTML) as base:
        yield base


@pytest.fixture(scope="module")
def live_site():
    from live import LiveSite

    ARTIFACTS.mkdir(exist_ok=True)
    with LiveSite(HTML, log=ARTIFACTS / "live-jupyter-server.log") as site:
        yield site


def open_page(browser, url: str, allowed: tuple[str, ...]):
    """A page in a fresh context; requests to any other origin are refused and recorded."""
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    external, errors = [], []

    def route(r):
        if r.request.url.startswith(allowed + ("data:", "blob:")):
            r.continue_()
        else:
            external.append(r.request.url)
            r.abort()

    context.route("**/*", route)
    page = context.new_page()
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.set_default_timeout(60_000)
    page.goto(url, wait_until="load")
    page.locator(".jupyter-widgets").first.wait_for(state="visible")
    page.wait_for_load_state("networkidle")
    return context, page, external, errors


def shown(ex) -> dict:
    """What an explorer shows: its numbers (text) and plot (image source)."""
    img = ex.locator(".mlsysim-plot img")
    return {"text": ex.locator(".mathjax_ignore").first.inner_text(),
            "plot": img.first.get_attribute("src") if img.count() else None}


SHOWN_JS = """(ex) => { const t = ex.querySelector('.mathjax_ignore'), i = ex.querySelector('.mlsysim-plot img');
                         return {text: t ? t.innerText : null, plot: i ? i.getAttribute('src') : null}; }"""


def wait_until_shows(page, ex, *, differs_from: dict, timeout=60_000) -> dict:
    """Wait until the explorer's numbers AND plot both differ from ``differs_from`` (they arrive as two
    widget updates; the plot's <img> is replaced, so it is looked up afresh each time)."""
    page.wait_for_function(f"([ex, old]) => {{ const now = ({SHOWN_JS})(ex); "
                           "return now.text !== old.text && now.plot !== old.plot; }",
                           arg=[ex.element_handle(), differs_from], timeout=timeout)
    return shown(ex)


def settled(page, ex, limit_s=30) -> dict:
    """What the explorer shows once updates stop arriving (each key press is one update)."""
    last = shown(ex)
    for _ in range(int(limit_s / 0.75)):
        page.wait_for_timeout(750)
        now = shown(ex)
        if now == last:
            return now
        last = now
    return last


def test_there_are_widget_pages():
    assert set(LIVE_PAGES) <= set(widget_pages()), f"widget pages: {widget_pages()}"


@pytest.mark.parametrize("name", widget_pages() or ["<no site>"])
def test_static_controls_are_inactive_or_change_the_output(browser, static_site, name):
    context, page, external, errors = open_page(browser, f"{static_site}book/{name}.html", (static_site,))
    try:
        holders = page.locator(".mlsysim-live-static")
        n_views = page.locator(VIEW).count()
        assert holders.count() >= 1 and n_views >= 1
        assert page.locator(f".mlsysim-live-static > {VIEW}").count() == n_views, "a widget output without its line"
        problems = []
        for i in range(holders.count()):
            holder = holders.nth(i)
            bar = holder.locator(".mlsysim-live-bar")
            if bar.count() != 1 or "Go live" not in bar.inner_text() or "make live" not in bar.inner_text():
                problems.append(f"widget output {i}: no line saying how to go live")
            for c in holder.evaluate(CONTROLS_JS):
                if c["disabled"]:
                    continue
                problems.append(f"widget output {i}: enabled {c['tag']}.{c['cls']} on the static page")
        # An enabled control would have to change the output; prove the disabled ones really do nothing.
        first = page.locator(".mlsysim-live-static .mlsysim-explorer").first
        if first.count():
            before = shown(first)
            box = first.locator("input[type=text]").first
            if box.count():
                assert box.is_disabled()
            handle = first.locator(".noUi-handle").first
            if handle.count():
                handle.focus()
                page.keyboard.press("ArrowRight")
                page.keyboard.press("End")
            assert shown(first) == before
        assert not problems, "\n".join(problems)
        assert not external and not errors, external + errors
    finally:
        context.close()


LIVE_EX = ".mlsysim-live-output .mlsysim-explorer"


def first_live_explorer_with_plot(page):
    """(holder, explorer) of the first live explorer with a plot (every page tested has one), scrolled to."""
    holders = page.locator(".mlsysim-live-on")
    with_plot = [i for i in range(holders.count()) if holders.nth(i).locator(f"{LIVE_EX} .mlsysim-plot img").count()]
    assert with_plot, "no live explorer with a plot"
    holder = holders.nth(with_plot[0])
    holder.scroll_into_view_if_needed()
    return holder, holder.locator(LIVE_EX).first


def slider_moves_numbers_and_plot(page, ex):
    """15 right-arrow presses on the explorer's first slider change both its numbers and its plot;
    returns what it showed before and after."""
    start = shown(ex)
    assert start["text"].strip()
    ex.locator(".noUi-handle").first.focus()
    for _ in range(15):
        page.keyboard.press("ArrowRight")
    wait_until_shows(page, ex, differs_from=start)
    moved = settled(page, ex)
    assert moved["text"] != start["text"] and moved["plot"] != start["plot"]
    return start, moved


@pytest.mark.parametrize("name", LIVE_PAGES)
def test_go_live_moves_numbers_and_plot_and_explains_bad_input(browser, live_site, name):
    context, page, external, errors = open_page(
        browser, f"{live_site.url}/book/{name}.html", (live_site.url, live_site.jupyter_url))
    try:
        page.locator(".mlsysim-live-button").first.click()
        page.wait_for_function("() => window.mlsysimLive && ['live', 'error'].includes(window.mlsysimLive.state)",
                               timeout=LIVE_TIMEOUT_MS)
        state = page.evaluate("() => window.mlsysimLive")
        assert state["state"] == "live", f"{name}: {state['error']}"
        assert state["source"]["kind"] == "local"
        assert page.locator(".mlsysim-live-static").count() == 0, "a widget output stayed static"
        holder, ex = first_live_explorer_with_plot(page)
        assert holder.locator(".mlsysim-live-replaced").first.is_hidden()
        box = ex.locator("input[type=text]").first
        start_value = box.input_value()
        # 1. a slider, moved with the keyboard as a reader can (continuous_update=False: on release)
        start, moved = slider_moves_numbers_and_plot(page, ex)
        # 2. a typed value: the slider's box follows the slider; typing its first value back (a valid input
        #    by construction) must bring back the first numbers and plot
        assert box.input_value() != start_value
        box.fill(start_value)
        box.press("Enter")
        page.wait_for_function(f"([ex, start, moved]) => {{ const now = ({SHOWN_JS})(ex); "
                               "return now.text === start.text && now.plot !== moved.plot; }",
                               arg=[ex.element_handle(), start, moved], timeout=60_000)
        typed = shown(ex)
        assert typed["text"] == start["text"] != moved["text"] and typed["plot"] != moved["plot"]
        # 3. a bad value: the explorer's readable message, no traceback, numbers kept
        box.fill("twelve")
        box.press("Enter")
        err = ex.locator(".mlsysim-error")
        err.wait_for(state="visible", timeout=60_000)
        message = err.inner_text()
        assert "twelve" in message or "number" in message, message
        assert "Traceback" not in page.locator("article").inner_text()
        assert shown(ex)["text"] == typed["text"]
        screenshot(holder, f"site/live-{name}.png")
        assert not external and not errors, external + errors
    finally:
        context.close()
        live_site.shutdown_kernels()

