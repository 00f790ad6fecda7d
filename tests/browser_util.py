"""Shared helpers of the real-browser tests: Debian's Chromium driven by Playwright, no downloads.

Playwright for Python is pinned in requirements.txt; its bundled browsers are never installed
(`playwright install` is not run anywhere). Tests launch the system Chromium (`apt-get install
chromium`, done by `.ci/run`) through `executable_path`, and every page they open is routed so that
a request to any host other than the local test server is refused *and recorded* — a page that
needs the network fails its test instead of silently fetching from a CDN.
"""
from __future__ import annotations

import os
import shutil
import socket
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts"
# The built site under test: the repo's _build/html, or another build (SITE_HTML=/tmp/site/_build/html).
HTML = Path(os.environ.get("SITE_HTML", ROOT / "_build" / "html"))
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def chromium_path() -> str:
    for candidate in (os.environ.get("CHROMIUM"), "/usr/bin/chromium", shutil.which("chromium"),
                      shutil.which("chromium-browser")):
        if candidate and Path(candidate).exists():
            return candidate
    pytest.fail("Chromium is not installed: `apt-get install chromium` (.ci/run does it). "
                "The browser tests never download a browser.")


def launch(playwright):
    return playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS, headless=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Recorder:
    """Everything a page did that a reader would notice or that needs the network."""

    def __init__(self, origin: str):
        self.origin = origin
        self.external: list[str] = []
        self.console_errors: list[str] = []
        self.page_errors: list[str] = []
        self.http_errors: list[str] = []

    def route(self, route):
        url = route.request.url
        if url.startswith(self.origin) or url.startswith(("data:", "blob:", "about:")):
            route.continue_()
        else:
            self.external.append(url)
            route.abort()

    def attach(self, context, page):
        context.route("**/*", self.route)
        page.on("console", lambda m: m.type == "error" and self.console_errors.append(m.text))
        page.on("pageerror", lambda e: self.page_errors.append(str(e)))
        page.on("response", lambda r: r.status >= 400 and self.http_errors.append(f"{r.status} {r.url}"))
        return page

    def problems(self) -> list[str]:
        return ([f"needs the network: {u}" for u in self.external]
                + [f"console error: {m}" for m in self.console_errors]
                + [f"page error: {m}" for m in self.page_errors]
                + [f"HTTP {m}" for m in self.http_errors])


def screenshot(target, name: str, **kwargs) -> Path:
    """Save a screenshot of a page or locator under test-artifacts/ (git-ignored)."""
    path = ARTIFACTS / name
    path.parent.mkdir(parents=True, exist_ok=True)
    target.screenshot(path=str(path), **kwargs)
    return path
