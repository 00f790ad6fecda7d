/* Live explorers (see docs/website.md, "Live explorers").
 *
 * On the static site an explorer's widgets are rendered from the state saved at build time, with no
 * kernel behind them: moving a slider would change nothing. So, before the widget manager renders
 * (it waits for the window's `load` event; this script is deferred, so it runs first), every
 * control in the saved state is marked `disabled`, and each widget output gets one line saying
 * that it is inactive and how to make it live.
 *
 * "Go live" loads the vendored thebe-core (the kernel connector of thebe 0.9, `_static/thebe/`),
 * connects to a Jupyter server — the local one `make live` starts (its address and token come from
 * `<site>/_live/local.json`, which only `make live` serves), else the reader's own server on the course's
 * JupyterHub when the site is configured with one (the reader pastes an API token from
 * `<hub>/hub/token`; the page asks the hub's REST API who the token belongs to, starts the reader's
 * server if it is not running and waits until it is ready), else Binder when the site is configured
 * with it — runs the page's notebook code up to its last widget cell (the blocks in
 * `#mlsysim-live-config`, written at build time by _ext/live_explorers.py), and shows each widget
 * cell's live output in place of its static one. The live explorers are the notebook's own
 * ipywidgets, driven by thebe-core's widget manager (@jupyter-widgets/jupyterlab-manager 5,
 * ipywidgets 8).
 */
(function () {
  "use strict";
  var VIEW = 'script[type="application/vnd.jupyter.widget-view+json"]';
  var STATE = 'script[type="application/vnd.jupyter.widget-state+json"]';
  var here = document.currentScript && document.currentScript.src;
  var configEl = document.getElementById("mlsysim-live-config");
  if (!here || !configEl) { return; }
  var cfg = JSON.parse(configEl.textContent);
  var staticRoot = new URL("../", here);          // <site>/_static/
  var siteRoot = new URL("../../", here);         // <site>/
  var live = window.mlsysimLive = { state: "static", clickedAt: null, liveAt: null, error: null, source: null };

  // 1. The saved state: every control that has a `disabled` trait is disabled (sliders, boxes,
  //    dropdowns, buttons). The reader sees inactive controls, never inputs that disagree with outputs.
  function disableSavedState() {
    var n = 0;
    Array.prototype.forEach.call(document.querySelectorAll(STATE), function (el) {
      var data;
      try { data = JSON.parse(el.textContent); } catch (e) { return; }
      Object.keys(data.state || {}).forEach(function (id) {
        var s = data.state[id].state;
        if (s && Object.prototype.hasOwnProperty.call(s, "disabled") && !s.disabled) { s.disabled = true; n++; }
      });
      el.textContent = JSON.stringify(data);
    });
    return n;
  }

  // 2. One line at each widget output: inactive here, and the button that makes the page live. With a
  //    course JupyterHub, each line also holds a (hidden) form for the reader's API token on that hub.
  function bars() { return Array.prototype.slice.call(document.querySelectorAll(".mlsysim-live-bar")); }

  var hub = cfg.hub ? { url: cfg.hub.url, host: new URL(cfg.hub.url).host } : null;
  var TOKEN_KEY = hub ? "mlsysim-live-hub-token " + hub.url : "";

  function el(tag, attrs, children) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "text") { e.textContent = attrs[k]; } else if (k === "className") { e.className = attrs[k]; } else { e.setAttribute(k, attrs[k]); }
    });
    (children || []).forEach(function (c) { e.appendChild(typeof c === "string" ? document.createTextNode(c) : c); });
    return e;
  }

  function hubForm() {
    var tokenPage = new URL("hub/token", hub.url).href;
    var input = el("input", { type: "password", className: "mlsysim-live-token", autocomplete: "off", spellcheck: "false" });
    var remember = el("input", { type: "checkbox", className: "mlsysim-live-remember" });
    var form = el("form", { className: "mlsysim-live-hub" }, [
      el("label", { className: "mlsysim-live-token-label" }, ["Your API token on " + hub.host + " ", input]),
      el("button", { type: "submit", className: "mlsysim-live-connect", text: "Connect" }),
      el("label", {}, [remember, " keep it for this tab's other pages until the tab closes"]),
      el("span", { className: "mlsysim-live-hub-help" }, [
        "Make a token at ", el("a", { href: tokenPage, target: "_blank", rel: "noopener", text: tokenPage }),
        " (log in there first). The token is sent only to " + hub.host + " and stays in this page's memory; " +
        "it is saved nowhere unless you tick the box (then in this tab's session storage, cleared when the tab closes)."])
    ]);
    if (cfg.binder) {
      var b = el("button", { type: "button", className: "mlsysim-live-use-binder", text: "Use Binder instead" });
      b.addEventListener("click", function () { startFrom(binderSource); });
      form.appendChild(b);
    }
    form.hidden = true;
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var token = input.value.trim();
      if (!token) { say("Paste your API token from " + tokenPage + " first.", "token"); showForm(form); return; }
      live.token = token;
      try {
        if (remember.checked) { sessionStorage.setItem(TOKEN_KEY, token); } else { sessionStorage.removeItem(TOKEN_KEY); }
      } catch (e) { /* storage refused (private mode): the token stays in memory only */ }
      startFrom(function () { return hubSource(token); });
    });
    return form;
  }

  function addBars() {
    var views = document.querySelectorAll(VIEW);
    Array.prototype.forEach.call(views, function (view, i) {
      var holder = view.parentElement;
      if (holder.classList.contains("mlsysim-live-static")) { return; }   // one line per cell output
      var bar = el("div", { className: "mlsysim-live-bar", role: "status" });
      var text = el("span", { className: "mlsysim-live-text", text: cfg.static_text });
      var button = el("button", { type: "button", className: "mlsysim-live-button", text: "Go live" });
      button.addEventListener("click", goLive);
      bar.appendChild(text);
      bar.appendChild(document.createTextNode(" "));
      bar.appendChild(button);
      if (hub) { bar.appendChild(hubForm()); }
      holder.insertBefore(bar, holder.firstChild);
      holder.classList.add("mlsysim-live-static");
      holder.dataset.mlsysimWidget = String(i);
    });
  }

  function say(message, kind) {
    bars().forEach(function (bar) {
      bar.querySelector(".mlsysim-live-text").textContent = message;
      bar.dataset.state = kind || "";
      var button = bar.querySelector(".mlsysim-live-button");
      if (button) {
        button.hidden = kind === "busy" || kind === "live" || kind === "token";
        button.textContent = kind === "error" ? "Try again" : "Go live";
      }
      var form = bar.querySelector(".mlsysim-live-hub");
      if (form && kind !== "token" && kind !== "error") { form.hidden = true; }
    });
  }

  // The token form of the line the reader used (the first line otherwise), with the cursor in it.
  var activeBar = null;
  function showForm(form) {
    form = form || (activeBar || bars()[0]).querySelector(".mlsysim-live-hub");
    bars().forEach(function (bar) { var f = bar.querySelector(".mlsysim-live-hub"); if (f) { f.hidden = f !== form; } });
    form.hidden = false;
    var input = form.querySelector(".mlsysim-live-token");
    input.focus();
    return form;
  }

  function loadScript(url) {
    return new Promise(function (resolve, reject) {
      if (window.thebeCore) { resolve(); return; }
      var s = document.createElement("script");
      s.src = url;
      s.onload = function () { resolve(); };
      s.onerror = function () { reject(new Error("could not load " + url)); };
      document.head.appendChild(s);
    });
  }

  function loadCss(url) {
    if (document.querySelector('link[data-mlsysim-live]')) { return; }
    var l = document.createElement("link");
    l.rel = "stylesheet";
    l.href = url;
    l.dataset.mlsysimLive = "1";
    document.head.appendChild(l);
  }

  function withLimit(promise, seconds, message) {
    return Promise.race([promise, new Promise(function (_, reject) {
      setTimeout(function () { reject(new Error(message + " within " + seconds + " s")); }, seconds * 1000);
    })]);
  }

  // Where a kernel can come from. Each source is {kind, label, options for thebe-core}.
  function localSource() {
    return fetch(new URL("_live/local.json", siteRoot).href, { cache: "no-store" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .catch(function () { return null; })
      .then(function (local) {
        if (!local || !local.baseUrl) { return null; }
        return { kind: "local", label: "the local Jupyter server (" + local.baseUrl + ")",
                 options: { serverSettings: { baseUrl: local.baseUrl, token: local.token, appendToken: true } } };
      });
  }

  function binderSource() {
    return { kind: "binder", label: "Binder (" + cfg.binder.binderUrl + ")",
             options: { useBinder: true, binderOptions: cfg.binder } };
  }

  function hubError(message, badToken) {
    var e = new Error(message);
    e.hub = true;
    e.badToken = !!badToken;
    return e;
  }

  // The reader's server on the course's JupyterHub, through the hub's REST API with the reader's token:
  // GET /hub/api/user (whose token is it, is the server running), POST /hub/api/users/{name}/server
  // (start it) and GET /hub/api/user again until the server is ready. The hub must send CORS headers
  // for this site's origin (docs/website.md, "A course's JupyterHub").
  var HUB_START_LIMIT = 300;
  function hubSource(token) {
    var origin = window.location.origin;
    function api(path, init) {
      init = Object.assign({ cache: "no-store", credentials: "omit", headers: { Authorization: "token " + token } }, init || {});
      return fetch(new URL("hub/api/" + path, hub.url).href, init).then(null, function () {
        throw hubError("could not reach the JupyterHub at " + hub.host + " from this page: it is down, or it does not " +
                       "accept requests from this site (its admin must allow the origin " + origin + "; see the book's " +
                       "page on going live)");
      });
    }
    function readUser() {
      return api("user").then(function (r) {
        if (r.status === 401 || r.status === 403) {
          throw hubError("the JupyterHub at " + hub.host + " did not accept this token (HTTP " + r.status + "): make a " +
                         "new one at " + new URL("hub/token", hub.url).href + " and paste it here", true);
        }
        if (!r.ok) { throw hubError("the JupyterHub at " + hub.host + " answered HTTP " + r.status + " when asked whose token this is"); }
        return r.json();
      });
    }
    function server(user) {      // the default server's model, or null when it is not running
      if (user.servers) { return user.servers[""] || null; }
      return user.server ? { ready: !user.pending, pending: user.pending, url: user.server } : (user.pending ? { ready: false, pending: user.pending } : null);
    }
    var started = performance.now();
    say("Asking the JupyterHub at " + hub.host + " for your server…", "busy");
    return readUser().then(function (user) {
      var s = server(user);
      if (s && s.ready) { return s; }
      var start = (s && s.pending) ? Promise.resolve() : api("users/" + encodeURIComponent(user.name) + "/server", { method: "POST" })
        .then(function (r) {
          if (r.ok || r.status === 400) { return; }        // 201 started, 202 starting, 400 already running
          return r.json().catch(function () { return {}; }).then(function (body) {
            throw hubError("the JupyterHub at " + hub.host + " did not start your server (HTTP " + r.status + ")" +
                           (body && body.message ? ": " + body.message : "") +
                           (r.status === 403 ? "; the token needs the permission to start your server (the default of " + hub.host + "/hub/token)" : ""));
          });
        });
      return start.then(function poll() {
        var waited = (performance.now() - started) / 1000;
        say("Starting your server on the JupyterHub at " + hub.host + " (" + Math.round(waited) + " s)…", "busy");
        if (waited > HUB_START_LIMIT) {
          throw hubError("your server on the JupyterHub at " + hub.host + " did not start within " + HUB_START_LIMIT +
                         " s; look at " + new URL("hub/home", hub.url).href);
        }
        return new Promise(function (r) { setTimeout(r, 1000); }).then(readUser).then(function (u) {
          var now = server(u);
          if (now && now.ready) { return now; }
          if (!now) { throw hubError("your server on the JupyterHub at " + hub.host + " stopped while starting; look at " + new URL("hub/home", hub.url).href); }
          return poll();
        });
      });
    }).then(function (s) {
      var base = new URL(s.url, hub.url).href;
      return { kind: "hub", label: "your server on " + hub.host, hubServer: base,
               options: { serverSettings: { baseUrl: base, token: token, appendToken: true } } };
    });
  }

  // Go live: the local server of `make live` if it answers; else the course's JupyterHub (asking for a token
  // unless this tab already has one); else Binder; else say how to get a server.
  function goLive(ev) {
    if (live.state === "busy" || live.state === "live") { return; }
    activeBar = ev && ev.target && ev.target.closest ? ev.target.closest(".mlsysim-live-bar") : null;
    startFrom(function () { return localSource().then(function (local) {
      if (local) { return local; }
      if (hub) {
        var token = live.token;
        try { token = token || sessionStorage.getItem(TOKEN_KEY); } catch (e) { /* no storage */ }
        if (token) { return hubSource(token); }
        live.state = "token";
        say("Go live on the course's JupyterHub (" + hub.host + "): paste your API token from " +
            new URL("hub/token", hub.url).href + " and press Connect.", "token");
        showForm();
        return null;
      }
      if (cfg.binder) { return binderSource(); }
      throw new Error(cfg.no_server_text);
    }); });
  }

  // makeSource: a function giving a source (or a promise of one; null: wait for the reader's token).
  function startFrom(makeSource) {
    if (live.state === "busy" || live.state === "live") { return; }
    live.state = "busy";
    live.clickedAt = performance.now();
    live.error = null;
    say("Looking for a Jupyter server…", "busy");
    var source, session;
    return Promise.resolve().then(makeSource).then(function (src) {
      if (!src) { return null; }                      // waiting for the reader's token
      source = src;
      live.source = { kind: src.kind, label: src.label };   // never the token
      say("Starting a kernel on " + src.label + (src.kind === "binder" ? "; Binder can take a few minutes the first time" : "") + "…", "busy");
      loadCss(new URL("thebe/thebe-core.css", staticRoot).href);
      return loadScript(new URL("thebe/thebe-core.min.js", staticRoot).href).then(function () { return run(); });
    }).catch(function (err) {
      live.state = "error";
      live.error = String(err && err.message || err);
      if (err && err.badToken) {
        live.token = null;
        try { sessionStorage.removeItem(TOKEN_KEY); } catch (e) { /* no storage */ }
      }
      say("Could not go live: " + live.error, "error");
      if (hub && (!source || source.kind === "hub")) { showForm(); }
      if (session) { session.shutdown().catch(function () {}); }
    });

    function run() {
      var api = window.thebeCore.api;
      var options = Object.assign({ mathjaxUrl: "", mathjaxConfig: "", kernelOptions: { kernelName: "python3", path: cfg.path } },
                                  source.options);
      var config = api.makeConfiguration(options);
      var rendermime = api.makeRenderMimeRegistry({ mathjaxUrl: "", mathjaxConfig: "" });
      var server = source.kind === "binder" ? api.connectToBinder(config) : api.connectToJupyter(config);
      var connect = server.ready.then(function () { return server.startNewSession(rendermime); });
      if (source.kind !== "binder") {
        connect = withLimit(connect, 120, "the Jupyter server at " + options.serverSettings.baseUrl + " did not start a kernel");
      }
      if (source.kind === "hub") {
        connect = connect.catch(function (err) {
          throw hubError("your server " + source.hubServer + " is running, but it did not let this page start a kernel (" +
                         String(err && err.message || err) + "); its admin must allow the origin " + window.location.origin +
                         " on single-user servers too (see the book's page on going live)");
        });
      }
      return connect.then(function (s) {
        if (!s) { throw new Error("the server did not start a kernel"); }
        session = s;
        // thebe-core's widget manager fetches RequireJS from a CDN before loading any widget class, even
        // the built-in ones it bundles (base, controls, output), which are all the explorers use; with no
        // network that fetch never succeeds. Give it a loader that is already done.
        session.manager._loader = { requested: true, ready: Promise.resolve(null), load: function () { return this.ready; } };
        var nb = api.setupNotebookFromBlocks(cfg.blocks, config, rendermime);
        nb.attachSession(session);
        // Each widget cell's live output goes where its static output is.
        var holders = document.querySelectorAll(".mlsysim-live-static");
        var k = 0;
        cfg.blocks.forEach(function (block) {
          if (!block.widgets || !holders[k]) { return; }
          var target = document.createElement("div");
          target.className = "mlsysim-live-output";
          target.hidden = true;
          holders[k++].appendChild(target);
          nb.getCellById(block.id).attachToDOM(target);
        });
        say("Running this page's code on " + source.label + " (" + cfg.blocks.length + " cells)…", "busy");
        // A kernel that stops answering (or widgets that never render) must not leave the reader waiting.
        return withLimit(nb.executeAll(true), 180, "the kernel did not finish running this page's code");
      }).then(function (results) {
        var failed = (results || []).filter(function (r) { return r && r.error && r.error.length; });
        if (failed.length) {
          var e = failed[0].error[0];
          throw new Error("the page's code failed on the kernel (" + e.ename + ": " + e.evalue + ")");
        }
        Array.prototype.forEach.call(document.querySelectorAll(".mlsysim-live-static"), function (holder) {
          var out = holder.querySelector(".mlsysim-live-output");
          if (!out) { return; }
          Array.prototype.forEach.call(holder.children, function (child) {
            if (child !== out && !child.classList.contains("mlsysim-live-bar") && child.tagName !== "SCRIPT") { child.hidden = true; child.classList.add("mlsysim-live-replaced"); }
          });
          out.hidden = false;
          holder.classList.remove("mlsysim-live-static");
          holder.classList.add("mlsysim-live-on");
        });
        live.state = "live";
        live.liveAt = performance.now();
        say("Live on " + source.label + ": moving a slider or typing a value recomputes on the kernel.", "live");
      });
    }
  }
  live.goLive = goLive;

  disableSavedState();
  addBars();
})();
