"""Local stand-ins for the kernel sources a published site uses: a course's JupyterHub and Binder.

Everything runs on 127.0.0.1 (no network), and the browser goes through the same code in
``_ext/static/mlsysim-live/live.js`` and thebe-core as it would against the real services:

* :class:`LocalHub` — a real **JupyterHub** (pinned in requirements.txt) with its proxy (the Python
  ``configurable-http-proxy``, same command-line interface as the npm one, run by proxy_any_origin.py so
  that, like the npm proxy, it leaves the websocket origin check to the single-user server), ``DummyAuthenticator`` and
  ``SimpleLocalProcessSpawner`` (single-user servers are ``jupyterhub-singleuser`` from this venv),
  sqlite and runtime files in a temporary directory. It is configured as a course's hub admin is told to
  in docs/website.md: CORS for the site's origin on the hub API (``tornado_settings`` headers) and on
  single-user servers (``--ServerApp.allow_origin``). A test service with the admin role creates the
  reader and the reader's API token (what the reader gets from ``<hub>/hub/token``).
* :class:`StandInBinder` — a BinderHub stand-in: ``GET /build/<provider>/<spec>`` answers with the
  event stream BinderHub's ``BuildHandler`` sends (``data: {json}`` events: phases waiting → fetching →
  building → built → launching → ready, ``:keepalive`` comments, and the ``ready`` event carrying
  ``url`` and ``token`` of the launched server; ``failed`` with a message when asked to), and keeps the
  stream open after ``ready`` as BinderHub does. The server it "launches" is a real
  ``tools/live.JupyterServer``.
* :func:`configured_site` — the built site on a static server (as GitHub Pages serves it, no
  ``_live/local.json``) whose pages' ``#mlsysim-live-config`` says what a build with
  ``launch_buttons.jupyterhub_url`` / ``binderhub_url`` pointing at the stand-ins would say.
"""
from __future__ import annotations

import json
import os
import re
import secrets
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT / "tools"))
from live import JupyterServer, free_port  # noqa: E402

from browser_util import QuietHandler, serve_site  # noqa: E402

CONFIG_RE = re.compile(r'(<script[^>]*id="mlsysim-live-config"[^>]*>)(.*?)(</script>)', re.S)


def rewrite_live_config(html: str, overrides: dict) -> str:
    """The page with its live config updated by ``overrides`` (as a build with other settings writes it)."""
    def sub(m):
        cfg = json.loads(m.group(2))
        cfg.update(overrides)
        return m.group(1) + json.dumps(cfg).replace("</", "<\\/") + m.group(3)
    new, n = CONFIG_RE.subn(sub, html)
    return new if n == 1 else html


@contextmanager
def configured_site(directory: Path, overrides: dict, port: int = 0):
    """The built site on 127.0.0.1 (``port``, or a free one), pages' live config updated by ``overrides``;
    yields the base URL."""
    class Handler(QuietHandler):
        def do_GET(self):
            path = self.path.split("?")[0]
            if path.endswith(".html"):
                f = Path(self.translate_path(path))
                if f.is_file():
                    body = rewrite_live_config(f.read_text(encoding="utf-8"), overrides).encode()
                    self.send_response(200)
                    self.send_header("Content-Type", "text/html; charset=utf-8")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                    return
            super().do_GET()

    with serve_site(Path(directory), Handler, port) as base:
        yield base


def _request(url: str, method: str = "GET", token: str | None = None, body: dict | None = None, timeout=10):
    headers = {"Authorization": f"token {token}"} if token else {}
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    req = urllib.request.Request(url, data=data, method=method, headers=headers)
    with urllib.request.urlopen(req, timeout=timeout) as r:
        raw = r.read()
    return json.loads(raw) if raw else None


class LocalHub:
    """A real JupyterHub on 127.0.0.1 for a site at ``site_origin``; use as a context manager."""

    user = "reader"

    def __init__(self, site_origin: str, log: Path | None = None, cors: bool = True):
        self.site_origin = site_origin.rstrip("/")
        self._choose_ports()
        self.admin_token = secrets.token_hex(24)
        self.log = log
        self.cors = cors
        self._proc = self._tmp = None

    def config(self, tmp: Path) -> str:
        origin = self.site_origin
        home = tmp / "home"
        home.mkdir()
        env = {"MPLBACKEND": "Agg", "JUPYTER_CONFIG_DIR": str(tmp / "user-config"), "PYTHONUNBUFFERED": "1"}
        args = ["--ServerApp.root_dir=" + str(ROOT / "book"),
                "--MappingKernelManager.cull_idle_timeout=600", "--MappingKernelManager.cull_interval=60"]
        if self.cors:
            args.append(f"--ServerApp.allow_origin={origin}")
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            args.append("--allow-root")
        tornado = {"headers": {"Access-Control-Allow-Origin": origin}} if self.cors else {}
        return "\n".join([
            f"c.JupyterHub.bind_url = {self.url!r}",
            f"c.JupyterHub.hub_bind_url = 'http://127.0.0.1:{self.hub_port}'",
            f"c.ConfigurableHTTPProxy.api_url = 'http://127.0.0.1:{self.proxy_api_port}'",
            f"c.ConfigurableHTTPProxy.command = [{sys.executable!r}, {str(HERE / 'proxy_any_origin.py')!r}]",
            f"c.ConfigurableHTTPProxy.auth_token = {secrets.token_hex(24)!r}",
            f"c.JupyterHub.db_url = 'sqlite:///{tmp / 'jupyterhub.sqlite'}'",
            f"c.JupyterHub.cookie_secret = bytes.fromhex({secrets.token_hex(32)!r})",
            f"c.JupyterHub.pid_file = {str(tmp / 'jupyterhub.pid')!r}",
            "c.JupyterHub.authenticator_class = 'dummy'",
            f"c.DummyAuthenticator.password = {secrets.token_hex(12)!r}",
            f"c.Authenticator.allowed_users = {{{self.user!r}}}",
            "c.JupyterHub.spawner_class = 'simple'",
            f"c.SimpleLocalProcessSpawner.home_dir_template = {str(home) + '/{username}'!r}",
            f"c.Spawner.cmd = [{str(BIN / 'jupyterhub-singleuser')!r}]",
            f"c.Spawner.args = {args!r}",
            f"c.Spawner.environment = {env!r}",
            "c.Spawner.start_timeout = 120",
            "c.Spawner.http_timeout = 120",
            "c.JupyterHub.cleanup_servers = True",
            # what a course's hub admin sets for the book's site (docs/website.md)
            f"c.JupyterHub.tornado_settings = {tornado!r}",
            # the test's own service, admin: creates the reader and the reader's token
            f"c.JupyterHub.services = [{{'name': 'book-test', 'api_token': {self.admin_token!r}}}]",
            "c.JupyterHub.load_roles = [{'name': 'admin', 'services': ['book-test']}]",
        ]) + "\n"

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop()

    def _choose_ports(self) -> None:
        """Three distinct free ports, none of them the site's (each is free when chosen, not reserved)."""
        taken = {int(self.site_origin.rsplit(":", 1)[1])} if self.site_origin.count(":") == 2 else set()
        ports: list[int] = []
        while len(ports) < 3:
            port = free_port()
            if port not in taken:
                taken.add(port)
                ports.append(port)
        self.port, self.hub_port, self.proxy_api_port = ports
        self.url = f"http://127.0.0.1:{self.port}/"

    def start(self, attempts: int = 2) -> None:
        """Start the hub; a start that fails (a port taken meanwhile, a loaded machine) is retried once on
        new ports, and the error names the log and quotes its last lines."""
        for attempt in range(1, attempts + 1):
            try:
                self._start_once(timeout=120)
                break
            except RuntimeError as err:
                if attempt == attempts:
                    raise
                print(f"LocalHub: {err}; retrying on new ports", file=sys.stderr)
                self._choose_ports()
        try:
            self.api(f"users/{self.user}")    # the reader exists (allowed_users) and the service is admin
        except BaseException:
            self.stop()
            raise

    def _start_once(self, timeout: float) -> None:
        self._tmp = tempfile.TemporaryDirectory(prefix="mlsysim-hub-")
        tmp = Path(self._tmp.name)
        (tmp / "jupyterhub_config.py").write_text(self.config(tmp))
        log = self.log or tmp / "jupyterhub.log"
        env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
        with open(log, "ab") as out:
            self._proc = subprocess.Popen([str(BIN / "jupyterhub"), "-f", str(tmp / "jupyterhub_config.py")],
                                          cwd=tmp, env=env, stdout=out, stderr=subprocess.STDOUT,
                                          start_new_session=True)
        deadline = time.monotonic() + timeout
        last = None
        while True:
            try:
                _request(self.url + "hub/api/", timeout=2)
                return
            except OSError as err:
                last = err
                exited = self._proc.poll()
                if exited is not None or time.monotonic() > deadline:
                    tail = "\n".join(Path(log).read_text(errors="replace").splitlines()[-25:])
                    self.stop()
                    why = f"exited with code {exited}" if exited is not None else f"no answer in {timeout:.0f} s"
                    raise RuntimeError(f"JupyterHub did not start ({why}; last request: {last!r}; "
                                       f"log {log}):\n{tail}") from None
                time.sleep(0.5)

    def api(self, path: str, method: str = "GET", body: dict | None = None):
        return _request(self.url + "hub/api/" + path, method, self.admin_token, body)

    def new_token(self) -> str:
        """An API token of the reader, as ``<hub>/hub/token`` gives one (default permissions)."""
        return self.api(f"users/{self.user}/tokens", "POST", {"note": "book browser test", "expires_in": 3600})["token"]

    def server_ready(self) -> bool:
        server = (self.api(f"users/{self.user}").get("servers") or {}).get("")
        return bool(server and server.get("ready"))

    def stop_server(self) -> None:
        """Stop the reader's single-user server (and with it its kernels); wait until it is gone."""
        try:
            self.api(f"users/{self.user}/server", "DELETE")
        except urllib.error.HTTPError:
            pass
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and (self.api(f"users/{self.user}").get("servers") or {}).get(""):
            time.sleep(0.5)

    def stop(self) -> None:
        if self._proc and self._proc.poll() is None:
            self._proc.send_signal(signal.SIGTERM)      # the hub stops its proxy and the servers it spawned
            try:
                self._proc.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self._proc.pid, signal.SIGKILL)   # our own process group only
                self._proc.wait()
        self._proc = None
        if self._tmp:
            self._tmp.cleanup()
            self._tmp = None


class StandInBinder:
    """A BinderHub stand-in on 127.0.0.1 in front of a real local Jupyter server; a context manager.

    ``fail``: answer every build with BinderHub's ``failed`` event instead of launching."""

    def __init__(self, site_origin: str, log: Path | None = None, fail: str | None = None):
        self.site_origin = site_origin.rstrip("/")
        self.server = JupyterServer(self.site_origin, log=log)
        self.fail = fail
        self.requests: list[str] = []
        self._httpd = None

    def events(self, provider: str, spec: str):
        if self.fail:
            yield {"phase": "failed", "message": self.fail + "\n"}
            return
        image = f"book-test/{provider}-{spec.replace('/', '-').lower()}:stand-in"
        yield {"phase": "waiting", "message": "Waiting for build to start...\n"}
        yield ":keepalive"
        yield {"phase": "fetching", "message": "Fetching repository...\n"}
        yield {"phase": "building", "message": "Step 1/1 : FROM the stand-in\n"}
        yield {"phase": "built", "imageName": image, "message": "Built image, launching...\n"}
        yield {"phase": "launching", "message": "Launching server...\n"}
        url = self.server.url + "/"
        yield {"phase": "ready", "message": f"server running at {url}\n", "image": image,
               "repo_url": f"https://github.com/{spec.rsplit('/', 1)[0]}", "token": self.server.token, "url": url,
               "binder_ref_url": "", "binder_launch_host": self.url, "binder_request": f"v2/{provider}/{spec}",
               "binder_persistent_request": f"v2/{provider}/{spec}"}

    def __enter__(self):
        stand_in = self

        class Handler(SimpleHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self):
                m = re.fullmatch(r"/build/([^/]+)/(.+)", self.path.split("?")[0])
                stand_in.requests.append(self.path)
                if not m:
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.send_header("Cache-Control", "no-cache")
                self.send_header("Access-Control-Allow-Origin", stand_in.site_origin)
                self.end_headers()
                try:
                    for event in stand_in.events(m.group(1), m.group(2).rstrip("/")):
                        line = event if isinstance(event, str) else "data: " + json.dumps(event)
                        self.wfile.write((line + "\n\n").encode())
                        self.wfile.flush()
                        time.sleep(0.05)
                    # BinderHub keeps the stream open after `ready`, so that the client closes it first
                    # (an EventSource reconnects, i.e. asks for a new launch, when the server closes it)
                    for _ in range(60):
                        time.sleep(1)
                        self.wfile.write(b":keepalive\n\n")
                        self.wfile.flush()
                except (BrokenPipeError, ConnectionResetError):
                    pass
                self.close_connection = True

            def log_message(self, *args):
                pass

        if not self.fail:
            self.server.start()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        self._httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._httpd.server_address[1]}"
        threading.Thread(target=self._httpd.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc):
        if self._httpd:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None
        self.server.stop()
