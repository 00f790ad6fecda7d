"""The built website in a real browser, the way a reader uses it — with no network.

`make book` builds `_build/html`; these tests serve it with `http.server` on 127.0.0.1 and open it in
Debian's Chromium through Playwright (see `browser_util.py`). Every request to another host is
refused and recorded, so a page that needs a CDN fails here.

For **every** page under `_build/html/book/` (whatever the table of contents holds today) and the
site's entry page: it loads with no console or page errors, no failed or external requests, no raw
markup in the visible text, every math element typeset by MathJax without TeX errors, every image
loaded, and every embedded widget rendered from its saved state. Then: full-text search finds a
known term, the retraining page shows its numbers, figures, explorer and launch/download buttons.
Screenshots of key pages go to `test-artifacts/site/`.
"""
from __future__ import annotations

import re

import pytest

from browser_util import HTML, ROOT, Recorder, screenshot, serve_site

pytestmark = [pytest.mark.site, pytest.mark.browser]
RAW = re.compile(r"\{(eval|glue|python|numref|ref|eq|term|doc|cite)[:}]|\?\?|^:::|Traceback \(most recent"
                 r"|NameError|mystnb\.eval", re.M)


def page_paths() -> list[str]:
    pages = sorted(p.relative_to(HTML).as_posix() for p in (HTML / "book").glob("*.html")) if HTML.is_dir() else []
    return ["index.html"] + pages


@pytest.fixture(scope="module")
def site():
    with serve_site(HTML) as base:
        yield base


class Visit:
    """One page opened in a fresh browser context, settled (MathJax done, widgets rendered)."""

    def __init__(self, browser, site: str, path: str, width: int = 1280):
        self.recorder = Recorder(site)
        self.context = browser.new_context(viewport={"width": width, "height": 900})
        self.page = self.recorder.attach(self.context, self.context.new_page())
        self.page.set_default_timeout(30_000)
        self.page.goto(site + path, wait_until="load")
        self.settle()

    def settle(self):
        page = self.page
        if page.locator(".math").count():
            page.wait_for_function("() => window.MathJax && MathJax.startup && MathJax.startup.promise")
            page.evaluate("() => MathJax.startup.promise")
        if page.locator('script[type="application/vnd.jupyter.widget-view+json"]').count():
            page.locator(".jupyter-widgets").first.wait_for(state="visible")
        page.wait_for_load_state("networkidle")

    def close(self):
        self.context.close()


@pytest.fixture
def visit(browser, site):
    opened = []

    def _open(path, **kw):
        v = Visit(browser, site, path, **kw)
        opened.append(v)
        return v

    yield _open
    for v in opened:
        v.close()


VISIBLE_TEXT = """() => {
  const root = (document.querySelector('article') || document.body).cloneNode(true);
  root.querySelectorAll('pre, code, script, style, mjx-container, .cell_input').forEach(e => e.remove());
  return root.innerText;
}"""

PAGE_FACTS = """() => ({
  math: document.querySelectorAll('.math').length,
  typeset: [...document.querySelectorAll('.math')].filter(e => e.querySelector('mjx-container')).length,
  texErrors: [...document.querySelectorAll('mjx-merror, [data-mjx-error]')].map(e => e.getAttribute('data-mjx-error') || e.textContent),
  brokenImages: [...document.images].filter(i => !i.complete || i.naturalWidth === 0).map(i => i.src),
  noAlt: [...document.querySelectorAll('article img')].filter(i => !i.closest('.jupyter-widgets')).filter(i => !(i.getAttribute('alt') || '').trim()).map(i => i.src),
  views: document.querySelectorAll('script[type="application/vnd.jupyter.widget-view+json"]').length,
  rendered: [...document.querySelectorAll('script[type="application/vnd.jupyter.widget-view+json"]')]
      .filter(s => s.parentElement.querySelector('.jupyter-widgets')).length,
  widgetErrors: [...document.querySelectorAll('.jupyter-widgets')].filter(e => /Error displaying widget|model not found/i.test(e.textContent)).length,
})"""


@pytest.mark.parametrize("path", page_paths())
def test_page_works_offline_in_a_real_browser(visit, path):
    v = visit(path)
    problems = v.recorder.problems()
    text = v.page.evaluate(VISIBLE_TEXT)
    problems += [f"raw markup: {m.group(0)!r} in …{text[max(0, m.start() - 60):m.end() + 40]!r}…"
                 for m in RAW.finditer(text)]
    facts = v.page.evaluate(PAGE_FACTS)
    if facts["typeset"] != facts["math"]:
        problems.append(f"MathJax typeset {facts['typeset']} of {facts['math']} math elements")
    problems += [f"TeX error: {e}" for e in facts["texErrors"]]
    problems += [f"image did not load: {s}" for s in facts["brokenImages"]]
    problems += [f"figure without alt text: {s}" for s in facts["noAlt"]]
    if facts["rendered"] != facts["views"]:
        problems.append(f"{facts['views'] - facts['rendered']} of {facts['views']} widgets not rendered")
    if facts["widgetErrors"]:
        problems.append(f"{facts['widgetErrors']} widgets show an error")
    if path == "index.html":
        screenshot(v.page, "site/intro.png", full_page=True)
    assert not problems, f"{path}:\n" + "\n".join(problems[:30])


def test_search_finds_a_known_term(visit):
    v = visit("search.html?q=retraining")
    results = v.page.locator("#search-results ul.search li a")
    results.first.wait_for()
    hrefs = [results.nth(i).get_attribute("href") for i in range(results.count())]
    assert any("retraining_economics" in h for h in hrefs), hrefs
    screenshot(v.page, "site/search-retraining.png")
    assert not v.recorder.problems(), v.recorder.problems()


def test_search_box_on_a_page_leads_to_results(visit):
    v = visit("book/intro.html")
    v.page.locator("button.search-button__button:visible").first.click()
    box = v.page.locator("#pst-search-dialog input[name='q']")
    box.fill("half-life")
    box.press("Enter")
    v.page.wait_for_url(re.compile(r"search\.html\?q=half-life"))
    v.page.locator("#search-results ul.search li").first.wait_for()
    assert v.page.locator("#search-results a[href*='retraining_economics']").count() >= 1


def test_retraining_page_as_a_reader_sees_it(visit):
    v = visit("book/retraining_economics.html")
    page = v.page
    text = " ".join(page.evaluate(VISIBLE_TEXT).split())
    assert "1,000,000 transactions a day" in text
    assert re.search(r"the numerator is 2\s*C\s*= 10,000", text) or "= 10,000" in text
    captions = page.locator(".caption-number").all_inner_texts()
    assert any(c.startswith("Fig. ") for c in captions) and any(c.startswith("Table ") for c in captions), captions
    assert page.locator(".math-wrapper .eqno, span.eqno").count() >= 3
    explorer = page.locator(".mlsysim-explorer").first
    explorer.scroll_into_view_if_needed()
    assert explorer.is_visible()
    assert explorer.locator(".widget-slider").count() >= 4
    assert "Drift rate" in explorer.inner_text()
    assert re.search(r"Square-root law: T\* = [\d.]+ days", explorer.inner_text())
    assert explorer.locator("img").evaluate("i => i.complete && i.naturalWidth > 0")
    screenshot(page, "site/retraining_economics.png", full_page=True)
    screenshot(explorer, "site/retraining_explorer.png")
    assert not v.recorder.problems(), v.recorder.problems()


def test_launch_and_download_buttons(visit, site):
    import yaml

    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    repo = config["repository"]["url"].rstrip("/")
    owner_repo = repo.split("github.com/")[1]
    hub = bool(config["launch_buttons"].get("jupyterhub_url"))      # empty by default: no hub button
    v = visit("book/retraining_economics.html")
    page = v.page
    page.locator(".dropdown-launch-buttons button").first.click()
    links = {name: page.locator(f".dropdown-launch-buttons a[href*='{host}']")
             for name, host in (("binder", "mybinder.org"), ("jupyterhub", "/hub/user-redirect/git-pull"),
                                ("colab", "colab.research.google.com"))}
    if not hub:
        assert links.pop("jupyterhub").count() == 0, "a JupyterHub button although no hub is configured"
    for name, link in links.items():
        assert link.count() == 1, f"no {name} launch button"
        link.first.wait_for(state="visible")
        href = link.first.get_attribute("href")
        assert owner_repo in href.replace("%2F", "/") and "retraining_economics.ipynb" in href, (name, href)
    screenshot(page, "site/launch-buttons.png")
    download = page.locator("a[href$='_sources/book/retraining_economics.ipynb']")
    assert download.count() >= 1, "no .ipynb download button"
    response = page.request.get(site + "_sources/book/retraining_economics.ipynb")
    assert response.ok and response.json()["nbformat"] == 4


def test_glossary_page(visit):
    g = visit("book/glossary.html")
    assert g.page.locator("dl.glossary dt").count() >= 10
    screenshot(g.page, "site/glossary.png")
    assert not g.recorder.problems(), g.recorder.problems()


ICONS = """() => [...document.querySelectorAll('i[class*="fa-"]')].filter(i => i.offsetParent !== null).map(i => {
  const before = getComputedStyle(i, '::before');
  return {cls: i.className, content: before.content, font: before.fontFamily, width: i.getBoundingClientRect().width};
})"""
ICON_FONTS = """async () => { await document.fonts.ready;
  return [...document.fonts].filter(f => /Font Awesome/.test(f.family))
    .map(f => `${f.family} ${f.weight} ${f.status}`); }"""


@pytest.mark.parametrize("path", ["book/retraining_economics.html", "index.html"])
def test_icons_draw_from_the_webfont_without_the_svg_script(visit, path):
    """The theme's 1.5 MB Font Awesome SVG script is not loaded (page weight); every icon a reader sees still
    draws a glyph from a webfont that loaded, on a page with widgets (whose manager brings Font Awesome 5
    rules of its own) and one without; no font request fails."""
    v = visit(path)
    page = v.page
    assert page.locator("script[src*='fontawesome.js']").count() == 0, "the Font Awesome SVG script is loaded"
    icons = page.evaluate(ICONS)
    assert len(icons) >= 3, f"only {len(icons)} visible icons: {icons}"
    blank = [i for i in icons if i["content"] in ("none", "normal", "") or "Font Awesome" not in i["font"]
             or i["width"] < 4]
    assert not blank, blank
    fonts = page.evaluate(ICON_FONTS)
    assert any(f.endswith(" loaded") for f in fonts) and not any(f.endswith(" error") for f in fonts), fonts
    assert not v.recorder.problems(), v.recorder.problems()
