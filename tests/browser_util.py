"""Shared helpers of the real-browser tests: Debian's Chromium driven by Playwright, no downloads.

Playwright for Python is pinned in requirements.txt; its bundled browsers are never installed
(`playwright install` is not run anywhere). Tests launch the system Chromium (`apt-get install
chromium`, done by `.ci/run`) through `executable_path`, and every page they open is routed so that
a request to any host other than the local test server is refused *and recorded* — a page that
needs the network fails its test instead of silently fetching from a CDN.
"""
from __future__ import annotations

import functools
import http.server
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
from live import free_port  # noqa: E402  (one definition, tools/live.py)

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


@contextmanager
def jupyter_lab(home: Path, root: Path, settings: dict, out: Path):
    """A real `jupyter lab` of this venv on 127.0.0.1, serving `root`, with JupyterLab `settings`
    ({plugin settings file: values}) and config/runtime/workspaces under `home`; yields base URL and
    token. Its log goes to `out/server.log`; it is stopped (with its kernels) on exit."""
    for rel, value in settings.items():
        f = home / "settings" / rel
        f.parent.mkdir(parents=True, exist_ok=True)
        f.write_text(json.dumps(value))
    env = {**os.environ, "JUPYTER_CONFIG_DIR": str(home / "config"), "JUPYTERLAB_SETTINGS_DIR": str(home / "settings"),
           "JUPYTERLAB_WORKSPACES_DIR": str(home / "workspaces"), "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
           "PYTHONUNBUFFERED": "1"}
    port, token = free_port(), secrets.token_hex(16)
    cmd = [str(Path(sys.executable).parent / "jupyter"), "lab", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
           f"--ServerApp.token={token}", f"--ServerApp.root_dir={root}", "--ServerApp.port_retries=0",
           "--LabApp.expose_app_in_browser=True"]       # lets the tests read the app's state
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        cmd.append("--allow-root")
    out.mkdir(parents=True, exist_ok=True)
    log = open(out / "server.log", "w")
    proc = subprocess.Popen(cmd, cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    started = time.perf_counter()
    try:
        while True:
            if proc.poll() is not None:
                pytest.fail(f"jupyter lab exited with {proc.returncode}; see {out / 'server.log'}")
            try:
                with urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if time.perf_counter() - started > 120:
                pytest.fail(f"jupyter lab did not answer within 120 s; see {out / 'server.log'}")
            time.sleep(0.5)
        print(f"jupyter lab ready in {time.perf_counter() - started:.1f} s")
        yield {"base": base, "token": token}
    finally:
        proc.send_signal(signal.SIGTERM)            # jupyter_server shuts its kernels down on SIGTERM
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)     # our own process group only
            proc.wait()
        log.close()


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@contextmanager
def serve_site(directory: Path, handler: type[QuietHandler] = QuietHandler, port: int = 0):
    """The built site served by a static file server on 127.0.0.1 (``port``, or a free one) with ``handler``
    (a QuietHandler subclass may rewrite what it serves); yields its base URL."""
    if not (Path(directory) / "book").is_dir():
        pytest.fail(f"{directory} has no pages: build the book first (make book)")
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port or free_port()),
                                             functools.partial(handler, directory=str(directory)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
