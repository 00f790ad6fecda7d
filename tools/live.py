#!/usr/bin/env python3
"""Serve the built website with live explorers: the site on 127.0.0.1 and a Jupyter server beside it.

``make live`` runs this after ``make book``. Everything stays on this machine (no network):

* a Jupyter server (``jupyter_server`` from this virtual environment, so kernels import ``mlsysim``)
  on 127.0.0.1 with a random token, accepting cross-origin requests only from the site's origin;
* the site (``_build/html``) on 127.0.0.1, plus one extra file, ``/_live/local.json``, with the
  server's address and token. A page's "Go live" control (``_ext/static/mlsysim-live/live.js``)
  reads it to start a kernel; a site served anywhere else has no such file and falls back to Binder.

    python tools/live.py [--site _build/html] [--port 8000] [--jupyter-port 8888]

``tests/test_browser_live.py`` and ``bench/bench_live.py`` use :class:`LiveSite` (same code path);
``tests/live_standins.py`` puts :class:`JupyterServer` behind its stand-in BinderHub.
"""
from __future__ import annotations

import argparse
import functools
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _Handler(SimpleHTTPRequestHandler):
    local_json = b"{}"

    def do_GET(self):
        if self.path.split("?")[0] == "/_live/local.json":
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Cache-Control", "no-store")
            self.send_header("Content-Length", str(len(self.local_json)))
            self.end_headers()
            self.wfile.write(self.local_json)
            return
        super().do_GET()

    def log_message(self, *args):      # quiet
        pass


class JupyterServer:
    """``jupyter_server`` from this venv on 127.0.0.1 with a random token, accepting cross-origin requests
    only from ``allow_origin`` (the site). Also the server behind the Binder stand-in of the tests."""

    def __init__(self, allow_origin: str, port: int = 0, log: Path | None = None):
        self.port = port or free_port()
        self.token = secrets.token_hex(24)
        self.url = f"http://127.0.0.1:{self.port}"
        self.allow_origin = allow_origin
        self.log = log
        self._proc = self._tmp = None

    def start(self) -> None:
        self._tmp = tempfile.TemporaryDirectory(prefix="mlsysim-live-")
        env = {**os.environ, "JUPYTER_RUNTIME_DIR": self._tmp.name,
               "JUPYTER_CONFIG_DIR": str(Path(self._tmp.name) / "config"), "MPLBACKEND": "Agg"}
        cmd = [sys.executable, "-m", "jupyter_server", "--no-browser",
               "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={self.port}", "--ServerApp.port_retries=0",
               f"--IdentityProvider.token={self.token}", f"--ServerApp.allow_origin={self.allow_origin}",
               f"--ServerApp.root_dir={ROOT / 'book'}",
               # kernels nobody uses (a closed tab) are shut down after 10 minutes
               "--MappingKernelManager.cull_idle_timeout=600", "--MappingKernelManager.cull_interval=60"]
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            cmd.append("--allow-root")
        out = open(self.log, "wb") if self.log else subprocess.DEVNULL
        self._proc = subprocess.Popen(cmd, cwd=ROOT / "book", env=env, stdout=out, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while True:
            try:
                self.api("/api/status", timeout=2)
                return
            except OSError:
                if self._proc.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError(f"the Jupyter server did not start (see {self.log or 'its output'})") from None
                time.sleep(0.3)

    def api(self, path: str, method: str = "GET", timeout: float = 10):
        req = urllib.request.Request(self.url + path, method=method,
                                     headers={"Authorization": f"token {self.token}"})
        with urllib.request.urlopen(req, timeout=timeout) as r:
            body = r.read()
        return json.loads(body) if body else None

    def shutdown_kernels(self) -> int:
        """Shut down every kernel of this server (a closed page leaves its kernel running)."""
        kernels = self.api("/api/kernels")
        for k in kernels:
            self.api(f"/api/kernels/{k['id']}", method="DELETE")
        return len(kernels)

    def stop(self) -> None:
        if self._proc and self._proc.poll() is None:
            self._proc.terminate()
            try:
                self._proc.wait(15)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
        self._proc = None
        if self._tmp:
            self._tmp.cleanup()
            self._tmp = None

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop()


class LiveSite:
    """The site and a Jupyter server on 127.0.0.1; use as a context manager."""

    def __init__(self, site: Path, port: int = 0, jupyter_port: int = 0, log: Path | None = None):
        self.site = Path(site).resolve()
        if not (self.site / "index.html").is_file():
            raise SystemExit(f"no built site at {self.site}: run `make book` first")
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.server = JupyterServer(self.url, jupyter_port, log)
        self.jupyter_port, self.jupyter_url, self.token = self.server.port, self.server.url, self.server.token
        self._httpd = None

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop()

    def start(self) -> None:
        handler = type("Handler", (_Handler,), {"local_json": json.dumps(
            {"baseUrl": self.jupyter_url + "/", "token": self.token}).encode()})
        self._httpd = ThreadingHTTPServer(("127.0.0.1", self.port), functools.partial(handler, directory=str(self.site)))
        threading.Thread(target=self._httpd.serve_forever, daemon=True).start()
        try:
            self.server.start()
        except BaseException:
            self.stop()
            raise

    def api(self, path: str, method: str = "GET"):
        return self.server.api(path, method)

    def shutdown_kernels(self) -> int:
        """Shut down every kernel of this server (a closed page leaves its kernel running)."""
        return self.server.shutdown_kernels()

    def stop(self) -> None:
        if self._httpd:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None
        self.server.stop()


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--site", default=str(ROOT / "_build" / "html"))
    ap.add_argument("--port", type=int, default=8000)
    ap.add_argument("--jupyter-port", type=int, default=8888)
    args = ap.parse_args(argv)
    # `kill` (SIGTERM) stops both servers as Ctrl+C does, never leaving the Jupyter server behind
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    with LiveSite(Path(args.site), args.port, args.jupyter_port) as live:
        print(f"Site with live explorers: {live.url}/  (Jupyter server {live.jupyter_url}, local only)")
        print("Open a section with an explorer and press Go live. Ctrl+C stops both servers.")
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
