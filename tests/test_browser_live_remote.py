"""Going live on a published site: through a course's JupyterHub, and through Binder.

Real Chromium against the built site served as GitHub Pages would (no ``_live/local.json``), whose
live config names the kernel sources a build with ``launch_buttons.jupyterhub_url`` /
``binderhub_url`` set to them would name (tests/live_standins.py):

* a **real JupyterHub** on 127.0.0.1 (DummyAuthenticator, SimpleLocalProcessSpawner, the proxy), set up
  as docs/website.md tells a hub admin (CORS for the site on the hub API and on single-user servers).
  The reader presses Go live, pastes an API token of theirs; the page asks the hub who that is, starts
  the reader's server and runs the page's code there: a slider moved with the keyboard changes the
  explorer's numbers and plot. A wrong token, a hub that does not answer, and a hub without CORS for the
  site each give a readable message at the control (not only in the console).
* a **BinderHub stand-in** answering ``/build/gh/<repo>/<ref>`` with BinderHub's event stream, ending in
  ``ready`` with the URL and token of a real local Jupyter server: thebe-core's own Binder code path
  starts the kernel; the slider changes numbers and plot. A ``failed`` build is reported at the control.

No request may leave 127.0.0.1 (every other host is refused and recorded).
"""
from __future__ import annotations

import pytest

from browser_util import ARTIFACTS, HTML, ROOT, free_port, screenshot
from live_standins import LocalHub, StandInBinder, configured_site
from test_browser_live import (LIVE_TIMEOUT_MS, first_live_explorer_with_plot, open_page,
                               slider_moves_numbers_and_plot)

pytestmark = [pytest.mark.site, pytest.mark.browser]
PAGE = "retraining_economics"
WAIT_STATE = "(states) => window.mlsysimLive && states.includes(window.mlsysimLive.state)"


def binder_config(url: str) -> dict:
    return {"repo": "mlsysbook/ml-operations-executable", "ref": "main", "binderUrl": url, "repoProvider": "github"}


def live_slider_moves_numbers_and_plot(page, name: str) -> None:
    holder, ex = first_live_explorer_with_plot(page)
    slider_moves_numbers_and_plot(page, ex)
    screenshot(holder, f"site/live-{name}.png")


def bar_text(page) -> str:
    return page.locator(".mlsysim-live-bar").first.inner_text()


# ---------------------------------------------------------------- a course's JupyterHub

@pytest.fixture(scope="module")
def hub_site():
    """The site (its origin decided first, so the hub can allow it) and a real JupyterHub for it."""
    port = free_port()
    origin = f"http://127.0.0.1:{port}"
    ARTIFACTS.mkdir(exist_ok=True)
    with LocalHub(origin, log=ARTIFACTS / "live-jupyterhub.log") as hub, \
            configured_site(HTML, {"hub": {"url": hub.url}, "binder": None}, port=port) as base:
        yield base, hub


def test_go_live_through_the_course_jupyterhub(browser, hub_site):
    base, hub = hub_site
    hub.stop_server()
    assert not hub.server_ready()
    token = hub.new_token()
    context, page, external, errors = open_page(browser, f"{base}book/{PAGE}.html",
                                                (base.rstrip("/"), hub.url.rstrip("/")))
    try:
        assert page.locator(".mlsysim-live-hub").first.is_hidden()
        page.locator(".mlsysim-live-button").first.click()
        page.wait_for_function(WAIT_STATE, arg=["token", "error"])
        form = page.locator(".mlsysim-live-hub:visible")
        assert form.count() == 1, "one token form, at the line the reader used"
        assert "/hub/token" in form.inner_text() and "session storage" in form.inner_text()
        form.get_by_label(f"Your API token on {hub.url.split('//')[1].rstrip('/')}").fill(token)
        form.get_by_role("button", name="Connect").click()
        page.wait_for_function(WAIT_STATE, arg=["live", "error"], timeout=LIVE_TIMEOUT_MS)
        state = page.evaluate("() => window.mlsysimLive")
        assert state["state"] == "live", state["error"]
        assert state["source"]["kind"] == "hub" and "token" not in str(state["source"])
        assert hub.server_ready(), "the page started the reader's server on the hub"
        assert page.evaluate("() => sessionStorage.length") == 0, "token kept although the box was not ticked"
        assert page.locator(".mlsysim-live-static").count() == 0, "a widget output stayed static"
        live_slider_moves_numbers_and_plot(page, f"hub-{PAGE}")
        assert not external and not errors, external + errors
    finally:
        context.close()
        hub.stop_server()


def test_a_wrong_hub_token_says_so_at_the_control(browser, hub_site):
    base, hub = hub_site
    context, page, external, errors = open_page(browser, f"{base}book/{PAGE}.html",
                                                (base.rstrip("/"), hub.url.rstrip("/")))
    try:
        page.locator(".mlsysim-live-button").first.click()
        form = page.locator(".mlsysim-live-hub:visible")
        form.wait_for()
        form.locator("input[type=password]").fill("not-a-token-of-this-hub")
        form.locator("input[type=checkbox]").check()
        form.get_by_role("button", name="Connect").click()
        page.wait_for_function(WAIT_STATE, arg=["live", "error"], timeout=60_000)
        text = bar_text(page)
        assert "did not accept this token (HTTP 403)" in text and "/hub/token" in text, text
        assert page.locator(".mlsysim-live-hub:visible").count() == 1, "the form is there to paste a new token"
        assert page.evaluate("() => sessionStorage.length") == 0, "a refused token stayed in session storage"
        # the line with its token form and message passes axe-core (serious/critical), as every page must
        page.add_script_tag(path=str(ROOT / "_vendor" / "axe" / "axe.min.js"))
        bad = page.evaluate("""async () => (await axe.run(document.querySelector('.mlsysim-live-bar'),
            {resultTypes: ['violations']})).violations.filter(v => ['serious', 'critical'].includes(v.impact))
            .map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' ')).join(', '))""")
        assert not bad, bad
        assert not hub.server_ready()
        assert not external and not errors, external + errors
    finally:
        context.close()


def test_an_unreachable_hub_says_so_at_the_control(browser):
    closed = f"http://127.0.0.1:{free_port()}/"          # nothing listens there
    with configured_site(HTML, {"hub": {"url": closed}, "binder": None}) as base:
        context, page, external, errors = open_page(browser, f"{base}book/{PAGE}.html",
                                                    (base.rstrip("/"), closed.rstrip("/")))
        try:
            page.locator(".mlsysim-live-button").first.click()
            form = page.locator(".mlsysim-live-hub:visible")
            form.locator("input[type=password]").fill("some-token")
            form.get_by_role("button", name="Connect").click()
            page.wait_for_function(WAIT_STATE, arg=["live", "error"], timeout=60_000)
            text = bar_text(page)
            assert "could not reach the JupyterHub" in text and "allow the origin " + base.rstrip("/") in text, text
            assert not errors, errors
        finally:
            context.close()


def test_a_hub_without_cors_for_the_site_says_so_at_the_control(browser):
    """The hub answers, but (not configured for the book) sends no CORS headers: the browser refuses."""
    port = free_port()
    origin = f"http://127.0.0.1:{port}"
    with LocalHub(origin, log=ARTIFACTS / "live-jupyterhub-nocors.log", cors=False) as hub, \
            configured_site(HTML, {"hub": {"url": hub.url}, "binder": None}, port=port) as base:
        token = hub.new_token()
        context, page, external, errors = open_page(browser, f"{base}book/{PAGE}.html",
                                                (base.rstrip("/"), hub.url.rstrip("/")))
        try:
            page.locator(".mlsysim-live-button").first.click()
            form = page.locator(".mlsysim-live-hub:visible")
            form.locator("input[type=password]").fill(token)
            form.get_by_role("button", name="Connect").click()
            page.wait_for_function(WAIT_STATE, arg=["live", "error"], timeout=60_000)
            text = bar_text(page)
            assert "does not accept requests from this site" in text and origin in text, text
            assert not hub.server_ready(), "no server may start when the page cannot read the hub's answers"
        finally:
            context.close()


# ---------------------------------------------------------------- Binder

def test_go_live_through_binder(browser):
    port = free_port()
    origin = f"http://127.0.0.1:{port}"
    with StandInBinder(origin, log=ARTIFACTS / "live-binder-server.log") as binder, \
            configured_site(HTML, {"hub": None, "binder": binder_config(binder.url)}, port=port) as base:
        context, page, external, errors = open_page(
            browser, f"{base}book/{PAGE}.html", (base.rstrip("/"), binder.url, binder.server.url))
        try:
            page.locator(".mlsysim-live-button").first.click()
            page.wait_for_function(WAIT_STATE, arg=["live", "error"], timeout=LIVE_TIMEOUT_MS)
            state = page.evaluate("() => window.mlsysimLive")
            assert state["state"] == "live", state["error"]
            assert state["source"]["kind"] == "binder"
            assert binder.requests == ["/build/gh/mlsysbook/ml-operations-executable/main"], binder.requests
            assert len(binder.server.api("/api/kernels")) == 1, "the kernel runs on the server Binder launched"
            live_slider_moves_numbers_and_plot(page, f"binder-{PAGE}")
            assert not external and not errors, external + errors
        finally:
            context.close()


def test_a_failed_binder_build_says_so_at_the_control(browser):
    port = free_port()
    origin = f"http://127.0.0.1:{port}"
    with StandInBinder(origin, fail="Error resolving ref for gh:mlsysbook/ml-operations-executable/main") as binder, \
            configured_site(HTML, {"hub": None, "binder": binder_config(binder.url)}, port=port) as base:
        context, page, external, errors = open_page(browser, f"{base}book/{PAGE}.html", (base.rstrip("/"), binder.url))
        try:
            page.locator(".mlsysim-live-button").first.click()
            page.wait_for_function(WAIT_STATE, arg=["live", "error"], timeout=60_000)
            text = bar_text(page)
            assert "Could not go live" in text and "Error resolving ref" in text, text
            assert page.locator(".mlsysim-live-button").first.inner_text() == "Try again"
        finally:
            context.close()
