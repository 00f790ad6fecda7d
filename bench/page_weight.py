"""Bytes a reader's browser transfers for each page of the built website (cold cache, no network).

Each page is opened in Debian's Chromium (Playwright, as in the browser tests), served from the
built folder on 127.0.0.1; once MathJax and the widgets have settled, the bodies of every response
(HTML, scripts, stylesheets, fonts, images) are summed. Used by bench/bench_build.py after its clean
build, or on its own:

    python bench/page_weight.py _build/html          # or SITE_HTML=/tmp/x/_build/html
"""
from __future__ import annotations

import functools
import http.server
import os
import statistics
import sys
import threading
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def _kind(url: str) -> str:
    for key in ("embed-amd", "require.js", "mathjax", "fontawesome", "fa-", ".woff", "_images", ".html"):
        if key in url:
            return {"fa-": "fontawesome", ".woff": "fonts", "_images": "images"}.get(key, key)
    return url.rsplit(".", 1)[-1].split("?")[0][:8]


def measure(html: Path) -> list[dict]:
    from playwright.sync_api import sync_playwright

    from browser_util import free_port, launch

    pages = ["index.html"] + sorted(p.relative_to(html).as_posix() for p in (html / "book").glob("*.html"))
    port = free_port()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), functools.partial(_Quiet, directory=str(html)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    origin = f"http://127.0.0.1:{port}/"
    results = []
    try:
        with sync_playwright() as p:
            browser = launch(p)
            for path in pages:
                context = browser.new_context(viewport={"width": 1366, "height": 900})
                context.route("**/*", lambda r: r.continue_() if r.request.url.startswith(origin) else r.abort())
                page = context.new_page()
                responses = []
                page.on("response", lambda r: responses.append(r))
                page.goto(origin + path, wait_until="load")
                if page.locator(".math").count():
                    page.wait_for_function("() => window.MathJax && MathJax.startup && MathJax.startup.promise")
                    page.evaluate("() => MathJax.startup.promise")
                page.wait_for_load_state("networkidle")
                by_kind: Counter = Counter()
                for r in responses:
                    try:
                        size = len(r.body())
                    except Exception:                        # redirects and aborted requests have no body
                        continue
                    by_kind[_kind(r.url)] += size
                results.append({"page": path, "bytes": sum(by_kind.values()), "by_kind": dict(by_kind)})
                context.close()
            browser.close()
    finally:
        server.shutdown()
        server.server_close()
    return results


def report(results: list[dict]) -> str:
    sizes = [r["bytes"] for r in results]
    heaviest = max(results, key=lambda r: r["bytes"])
    parts = ", ".join(f"{k} {v / 1e6:.2f} MB" for k, v in sorted(heaviest["by_kind"].items(), key=lambda kv: -kv[1])[:5])
    lightest = min(results, key=lambda r: r["bytes"])
    return (f"bytes per page over {len(results)} pages: median {statistics.median(sizes) / 1e6:.2f} MB, "
            f"heaviest {heaviest['page']} {heaviest['bytes'] / 1e6:.2f} MB ({parts}), "
            f"lightest {lightest['page']} {lightest['bytes'] / 1e6:.2f} MB")


if __name__ == "__main__":
    target = Path(sys.argv[1] if len(sys.argv) > 1 else os.environ.get("SITE_HTML", ROOT / "_build" / "html"))
    res = measure(target)
    for r in sorted(res, key=lambda r: -r["bytes"]):
        print(f"  {r['page']:<36} {r['bytes'] / 1e6:6.2f} MB")
    print(report(res))
