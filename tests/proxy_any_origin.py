"""The Python ``configurable-http-proxy`` for the test JupyterHub, made transparent for websockets.

The npm proxy every JupyterHub deployment uses passes a websocket upgrade on as the browser sent it: the
single-user server behind it decides which origins may open a kernel websocket
(``--ServerApp.allow_origin``) and reads the token from the URL of a request that says
``Sec-Fetch-Mode: websocket``. The Python port's proxy handler is a tornado ``WebSocketHandler`` whose
default ``check_origin`` refuses every cross-origin websocket with 403 before the server is asked, and
its upgrade request to the server does not say ``Sec-Fetch-Mode: websocket``. This wrapper restores the
npm proxy's behaviour on both counts and runs the proxy's own command line.
"""
import sys

from configurable_http_proxy import cli, handlers

handlers.ProxyHandler.check_origin = lambda self, origin: True
_proxy_request = handlers.ProxyHandler._get_proxy_request


def _get_proxy_request(self, url):
    req = _proxy_request(self, url)
    if self.request.headers.get("Upgrade", "").lower() == "websocket":
        req.headers["Sec-Fetch-Mode"] = "websocket"       # it is one: the browser opened a websocket
    return req


handlers.ProxyHandler._get_proxy_request = _get_proxy_request

if __name__ == "__main__":
    sys.exit(cli.main())
