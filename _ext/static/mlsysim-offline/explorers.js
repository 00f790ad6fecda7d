/* Accessibility of the explorers (mlsysim.widgets), on every page that shows one — with the static
 * widget manager and with a live kernel alike (it watches the page for explorers appearing).
 *
 * ipywidgets renders a slider as a noUiSlider handle (role="slider") whose label is not tied to it,
 * whose aria-valuetext is the raw model value (the exponent, 3.7, for a log slider; float noise such
 * as 0.9490999999999998 for others), and a text box named only by its title. For every explorer row
 * (an HBox with class mlsysim-row: slider, value box, unit) this gives
 *   - the handle and the box the row's label as their accessible name (aria-label);
 *   - the handle an aria-valuetext with the real value and its unit, rounded for speech
 *     ("5,000 USD/run"), kept up to date whenever the handle moves or the box changes.
 */
(function () {
  "use strict";
  var speech = new Intl.NumberFormat("en-US", { maximumSignificantDigits: 3 });

  function numberOf(text) {
    var v = parseFloat(String(text).replace(/[,\s_]/g, "").replace("−", "-"));
    return isFinite(v) ? v : null;
  }

  function spoken(v) {
    return Math.abs(v) >= 1000 ? Math.round(v).toLocaleString("en-US") : speech.format(v);
  }

  // The value box holds the exact value (the explorer keeps it in step with the slider); the
  // handle's own aria-valuenow is rounded by the slider (and an exponent on a log slider).
  function valueText(row, handle, box, unit) {
    var v = box ? numberOf(box.value) : null;
    var now = handle ? parseFloat(handle.getAttribute("aria-valuenow")) : NaN;
    if (v === null && isFinite(now)) {
      v = row.querySelector(".mlsysim-log") ? Math.pow(10, now) : now;
    }
    if (v === null) { return null; }
    return spoken(v) + (unit ? " " + unit : "");
  }

  function enhanceRow(row) {
    var label = row.querySelector(".widget-label");
    var name = label ? label.textContent.trim() : "";
    var unitEl = row.querySelector(".mlsysim-unit");
    var unit = unitEl ? unitEl.textContent.trim() : "";
    var handle = row.querySelector('[role="slider"]');
    var box = row.querySelector('input[type="text"]');
    var select = row.querySelector("select");
    if (!name) { return; }
    if (box && box.getAttribute("aria-label") !== name + (unit ? " (" + unit + ")" : "")) {
      box.setAttribute("aria-label", name + (unit ? " (" + unit + ")" : ""));
    }
    if (select && !select.getAttribute("aria-label")) { select.setAttribute("aria-label", name); }
    if (handle) {
      if (handle.getAttribute("aria-label") !== name) { handle.setAttribute("aria-label", name); }
      var text = valueText(row, handle, box, unit);
      if (text && handle.getAttribute("aria-valuetext") !== text) { handle.setAttribute("aria-valuetext", text); }
      if (!handle._mlsysimWatched) {
        handle._mlsysimWatched = true;
        // when the handle moves, a live kernel updates the box a moment later: read it again then
        new MutationObserver(function () {
          enhanceRow(row);
          window.setTimeout(function () { enhanceRow(row); }, 400);
          window.setTimeout(function () { enhanceRow(row); }, 2000);
        }).observe(handle, { attributes: true, attributeFilter: ["aria-valuenow", "aria-valuetext"] });
        if (box) {
          ["input", "change", "keyup"].forEach(function (ev) {
            box.addEventListener(ev, function () { enhanceRow(row); });
          });
        }
      }
    }
  }

  function enhance(root) {
    (root || document).querySelectorAll(".mlsysim-explorer .mlsysim-row").forEach(enhanceRow);
  }

  var pending = false;
  function schedule() {
    if (pending) { return; }
    pending = true;
    window.requestAnimationFrame(function () { pending = false; enhance(document); });
  }

  function start() {
    enhance(document);
    new MutationObserver(schedule).observe(document.body, { childList: true, subtree: true });
    document.addEventListener("change", schedule, true);
  }
  window.mlsysimExplorersA11y = enhance;
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
