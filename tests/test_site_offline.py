"""The built site needs no network: everything a page loads is served from `_build/html` itself.

Static checks on the HTML/CSS that `make book` wrote (the browser test then proves it by refusing
every non-local request). MathJax 3 and the Jupyter widget manager are vendored from the npm
registry by `tools/vendor_assets.py` into `_vendor/` and served by `_ext/offline_assets.py`.
"""
from __future__ import annotations

import json
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from browser_util import HTML, ROOT

sys.path.insert(0, str(ROOT / "_ext"))
import offline_assets  # noqa: E402

site = pytest.mark.site
STATE_MIME = "application/vnd.jupyter.widget-state+json"
VIEW_MIME = "application/vnd.jupyter.widget-view+json"


class Resources(HTMLParser):
    """What a page loads: scripts, stylesheets, images/media/frames, inline styles, widget JSON."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.loads: list[tuple[str, str]] = []     # (kind, url)
        self.styles: list[str] = []
        self.scripts: list[tuple[dict, str]] = []  # (attrs, body) of every <script>
        self._in: tuple[str, dict] | None = None
        self._buf: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = {k: (v or "") for k, v in attrs}
        if tag == "script":
            if a.get("src"):
                self.loads.append(("script", a["src"]))
            self._in, self._buf = ("script", a), []
        elif tag == "style":
            self._in, self._buf = ("style", a), []
        elif tag == "link" and "stylesheet" in a.get("rel", "").split():
            self.loads.append(("stylesheet", a.get("href", "")))
        elif tag in ("img", "source", "iframe", "video", "audio", "embed") and a.get("src"):
            self.loads.append((tag, a["src"]))
        elif tag == "object" and a.get("data"):
            self.loads.append((tag, a["data"]))

    def handle_data(self, data):
        if self._in:
            self._buf.append(data)

    def handle_endtag(self, tag):
        if self._in and tag == self._in[0]:
            body = "".join(self._buf)
            if tag == "script":
                self.scripts.append((self._in[1], body))
            else:
                self.styles.append(body)
            self._in = None


def parse(page: Path) -> Resources:
    r = Resources()
    r.feed(page.read_text(encoding="utf-8"))
    return r


def all_pages() -> list[Path]:
    if not (HTML / "book").is_dir():
        pytest.fail(f"{HTML} has no pages: build the book first (make book)")
    pages = sorted(p for p in HTML.rglob("*.html") if "_static" not in p.parts and "_sources" not in p.parts)
    assert pages
    return pages


CSS_NETWORK = re.compile(r"""(?:@import\s+(?:url\()?|url\()\s*['"]?\s*((?:[a-z][a-z0-9+.-]*:)?//[^'")\s]+)""", re.I)


def css_network_urls(css: str) -> list[str]:
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    return CSS_NETWORK.findall(css)


@site
def test_no_page_loads_anything_from_another_host():
    problems = []
    for page in all_pages():
        r = parse(page)
        rel = page.relative_to(HTML)
        problems += [f"{rel}: {kind} {url}" for kind, url in r.loads if offline_assets.is_external(url)]
        problems += [f"{rel}: inline style loads {u}" for s in r.styles for u in css_network_urls(s)]
    assert not problems, "pages that would need the network:\n" + "\n".join(problems[:40])


@site
def test_no_stylesheet_of_the_site_imports_from_another_host():
    problems = [f"{css.relative_to(HTML)}: {u}" for css in sorted((HTML / "_static").rglob("*.css"))
                for u in css_network_urls(css.read_text(encoding="utf-8", errors="replace"))]
    assert not problems, "\n".join(problems)


@site
def test_every_local_script_stylesheet_and_image_exists_in_the_build():
    missing = []
    for page in all_pages():
        for kind, url in parse(page).loads:
            if not url or offline_assets.is_external(url) or url.startswith(("data:", "blob:")):
                continue
            target = (page.parent / urlsplit(url).path).resolve()
            if not target.is_file():
                missing.append(f"{page.relative_to(HTML)}: {kind} {url}")
    assert not missing, "\n".join(missing[:40])


@site
def test_math_pages_load_the_vendored_mathjax_3():
    math_pages = 0
    for page in all_pages():
        text = page.read_text(encoding="utf-8")
        if 'class="math' not in text:
            continue
        math_pages += 1
        srcs = [u for k, u in parse(page).loads if k == "script" and "mathjax" in u.lower()]
        assert len(srcs) == 1 and urlsplit(srcs[0]).path.endswith("_static/mathjax/es5/tex-mml-chtml.js"), \
            (page.name, srcs)
    assert math_pages, "no page has math: the check would be vacuous"
    fonts = HTML / "_static" / "mathjax" / "es5" / "output" / "chtml" / "fonts" / "woff-v2"
    assert len(list(fonts.glob("*.woff"))) > 10, "MathJax's fonts are not in the build"


@site
def test_widget_pages_embed_their_state_and_the_vendored_manager():
    widget_pages = 0
    for page in all_pages():
        r = parse(page)
        states = [json.loads(body) for attrs, body in r.scripts if attrs.get("type") == STATE_MIME]
        views = [json.loads(body)["model_id"] for attrs, body in r.scripts if attrs.get("type") == VIEW_MIME]
        if not views:
            continue
        widget_pages += 1
        name = page.relative_to(HTML)
        assert len(states) == 1, f"{name}: {len(views)} widget views but {len(states)} saved widget states"
        models = states[0]["state"]
        assert all(v in models for v in views), f"{name}: a widget view has no saved model"
        srcs = [urlsplit(u).path for k, u in r.loads if k == "script"]
        order = [next((i for i, s in enumerate(srcs) if s.endswith(f)), None)
                 for f in ("mlsysim-offline/widgets-offline.js", "widgets/require.js", "widgets/embed-amd.js")]
        assert None not in order and order == sorted(order), f"{name}: widget scripts missing or out of order: {srcs}"
    if not widget_pages:
        pytest.skip("no page embeds widgets")


@site
def test_the_built_pages_carry_the_state_of_every_widget_they_display():
    """The repository stores no widget state (see mlsysim.nbrun.stored_form): the build's own execution
    must provide it, or the static site shows "model not found" where an explorer should be."""
    checked = 0
    for page in sorted((HTML / "book").glob("*.html")):
        html = page.read_text(encoding="utf-8")
        views = set(re.findall(r'<script type="application/vnd.jupyter.widget-view\+json">\s*(\{.*?\})\s*</script>',
                               html, flags=re.S))
        if not views:
            continue
        checked += 1
        ids = {json.loads(v)["model_id"] for v in views}
        states = re.findall(r'<script type="application/vnd.jupyter.widget-state\+json">\s*(\{.*?\})\s*</script>',
                            html, flags=re.S)
        assert states, f"{page.name}: widget views but no widget state"
        state = json.loads(states[0])["state"]
        lost = sorted(ids - set(state))
        assert not lost, f"{page.name}: widget views without state {lost[:3]}"
    assert checked, "no built page displays a widget"


@site
def test_vendored_assets_match_the_pins():
    out = subprocess.run([sys.executable, str(ROOT / "tools" / "vendor_assets.py"), "--check"],
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr


def test_the_checks_catch_external_resources():
    html = ('<script src="https://cdn.example/x.js"></script><script src="../_static/a.js"></script>'
            '<link rel="stylesheet" href="//fonts.example/f.css"><link rel="next" href="https://e.org/">'
            '<style>/* url(https://ignored) */ @import url("https://fonts.example/g.css");</style>'
            '<img src="http://e.org/i.png">')
    r = Resources()
    r.feed(html)
    external = [u for _, u in r.loads if offline_assets.is_external(u)]
    assert external == ["https://cdn.example/x.js", "//fonts.example/f.css", "http://e.org/i.png"]
    assert [u for s in r.styles for u in css_network_urls(s)] == ["https://fonts.example/g.css"]
    assert offline_assets.external_resources(html) == ["https://cdn.example/x.js", "//fonts.example/f.css"]
