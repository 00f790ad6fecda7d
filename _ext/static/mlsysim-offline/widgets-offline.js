/* Loaded on pages that embed widget state, before RequireJS and the widget manager (see
 * `nb_ipywidgets_js` in _config.yml). Two adjustments make the vendored manager work offline:
 *
 * 1. RequireJS configuration. The manager (embed-amd.js) finds its icon fonts relative to the URL
 *    of its AMD modules "@jupyter-widgets/html-manager" and "@jupyter-widgets/html-manager/dist/…".
 *    Without a path, RequireJS resolves those ids against the page's folder (book/@jupyter-widgets/…,
 *    a 404). Map them to this site's _static/widgets/, found from this script's own URL so it works
 *    at any page depth and under any base path (e.g. a GitHub Pages project site).
 *
 * 2. MathJax 2 API. The ipywidgets 8 HTMLMath view typesets with `MathJax.Hub.Queue(["Typeset",
 *    MathJax.Hub, element])`; this site serves MathJax 3, which has no `Hub`, so every explorer on a
 *    page with equations would throw a TypeError. Whatever object `window.MathJax` is — Sphinx's
 *    configuration before MathJax loads, MathJax 3 itself afterwards — gets a minimal,
 *    non-enumerable `Hub` whose `Queue` typesets the element with MathJax 3 once it is ready.
 */
(function () {
  "use strict";
  var here = document.currentScript && document.currentScript.src;
  if (here) {
    var widgets = new URL("../widgets", here).href;
    var paths = {
      "@jupyter-widgets/html-manager/dist": widgets,
      // the module embed-amd.js defines under this id carries the controls' CSS, whose Font Awesome 5
      // @font-face rules resolve against the folder of the id's URL
      "@jupyter-widgets/html-manager": widgets + "/html-manager",
    };
    if (typeof window.require === "function" && typeof window.require.config === "function") {
      window.require.config({ paths: paths });     // RequireJS is already on the page
    } else {
      // RequireJS reads a pre-existing global `require` object as its configuration
      var config = window.require && typeof window.require === "object" ? window.require : {};
      config.paths = Object.assign(config.paths || {}, paths);
      window.require = config;
    }
  }

  function typeset(element) {
    var mj = window.MathJax;
    if (!element || !mj || !mj.startup || !mj.startup.promise || !mj.typesetPromise) {
      return; // MathJax 3 is not running yet: its first typesetting pass covers the whole page
    }
    mj.startup.promise
      .then(function () { return mj.typesetPromise([element]); })
      .catch(function (err) { console.warn("MathJax could not typeset a widget:", err); });
  }
  var hub = {
    Queue: function () {
      for (var i = 0; i < arguments.length; i++) {
        var job = arguments[i];
        if (Array.isArray(job) && job[0] === "Typeset") { typeset(job[2]); }
      }
    }
  };
  function attach(obj) {
    if (obj && typeof obj === "object" && !("Hub" in obj)) {
      Object.defineProperty(obj, "Hub", { value: hub, enumerable: false, configurable: true });
    }
  }
  var current = window.MathJax;
  attach(current);
  Object.defineProperty(window, "MathJax", {
    configurable: true,
    enumerable: true,
    get: function () { return current; },
    set: function (value) { current = value; attach(value); }
  });
})();
