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
 * `<site>/_live/local.json`, which only `make live` serves), else Binder when the site is configured
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

  // 2. One line at each widget output: inactive here, and the button that makes the page live.
  function bars() { return Array.prototype.slice.call(document.querySelectorAll(".mlsysim-live-bar")); }

  function addBars() {
    var views = document.querySelectorAll(VIEW);
    Array.prototype.forEach.call(views, function (view, i) {
      var holder = view.parentElement;
      if (holder.classList.contains("mlsysim-live-static")) { return; }   // one line per cell output
      var bar = document.createElement("div");
      bar.className = "mlsysim-live-bar";
      bar.setAttribute("role", "status");
      var text = document.createElement("span");
      text.className = "mlsysim-live-text";
      text.textContent = cfg.static_text;
      var button = document.createElement("button");
      button.type = "button";
      button.className = "mlsysim-live-button";
      button.textContent = "Go live";
      button.addEventListener("click", goLive);
      bar.appendChild(text);
      bar.appendChild(document.createTextNode(" "));
      bar.appendChild(button);
      holder.insertBefore(bar, holder.firstChild);
      holder.classList.add("mlsysim-live-static");
      holder.dataset.mlsysimWidget = String(i);
    });
  }

  function say(message, kind) {
    bars().forEach(function (bar) {
      bar.querySelector(".mlsysim-live-text").textContent = message;
      bar.dataset.state = kind || "";
      var button = bar.querySelector("button");
      if (button) { button.hidden = kind === "busy" || kind === "live"; button.textContent = kind === "error" ? "Try again" : "Go live"; }
    });
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

  // Where the kernel comes from: the local server of `make live` if it is there, else Binder.
  function kernelSource() {
    return fetch(new URL("_live/local.json", siteRoot).href, { cache: "no-store" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .catch(function () { return null; })
      .then(function (local) {
        if (local && local.baseUrl) {
          return { kind: "local", label: "the local Jupyter server (" + local.baseUrl + ")",
                   options: { serverSettings: { baseUrl: local.baseUrl, token: local.token, appendToken: true } } };
        }
        if (cfg.binder) {
          return { kind: "binder", label: "Binder (" + cfg.binder.binderUrl + ")",
                   options: { useBinder: true, binderOptions: cfg.binder } };
        }
        return null;
      });
  }

  function goLive() {
    if (live.state === "busy" || live.state === "live") { return; }
    live.state = "busy";
    live.clickedAt = performance.now();
    live.error = null;
    say("Looking for a Jupyter server…", "busy");
    var source, session;
    kernelSource().then(function (src) {
      if (!src) { throw new Error(cfg.no_server_text); }
      source = live.source = src;
      say("Starting a kernel on " + src.label + (src.kind === "binder" ? "; Binder can take a few minutes the first time" : "") + "…", "busy");
      loadCss(new URL("thebe/thebe-core.css", staticRoot).href);
      return loadScript(new URL("thebe/thebe-core.min.js", staticRoot).href);
    }).then(function () {
      var api = window.thebeCore.api;
      var options = Object.assign({ mathjaxUrl: "", mathjaxConfig: "", kernelOptions: { kernelName: "python3", path: cfg.path } },
                                  source.options);
      var config = api.makeConfiguration(options);
      var rendermime = api.makeRenderMimeRegistry({ mathjaxUrl: "", mathjaxConfig: "" });
      var server = source.kind === "binder" ? api.connectToBinder(config) : api.connectToJupyter(config);
      return server.ready.then(function () { return server.startNewSession(rendermime); }).then(function (s) {
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
        var limit = 180;
        return Promise.race([nb.executeAll(true), new Promise(function (_, reject) {
          setTimeout(function () {
            reject(new Error("the kernel did not finish running this page's code within " + limit + " s"));
          }, limit * 1000);
        })]);
      });
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
    }).catch(function (err) {
      live.state = "error";
      live.error = String(err && err.message || err);
      say("Could not go live: " + live.error, "error");
      if (session) { session.shutdown().catch(function () {}); }
    });
  }
  live.goLive = goLive;

  disableSavedState();
  addBars();
})();
