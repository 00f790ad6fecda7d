"""How every page of the built website renders for its readers, in Debian's Chromium (no network):

* math: what MathJax typeset is compared with the math the notebook sources mean — every typeset
  formula must be a formula (never prose between two dollar amounts), every ``$…$`` formula of a
  page's Markdown must have been typeset, and no formula may be left raw (``$10^{-3}$``) or an amount
  shown with its escape (``\\$34,000``);
* accessibility: axe-core (vendored from npm by tools/vendor_assets.py) over every page — zero
  serious or critical violations; explorer sliders and boxes named by their label, sliders speaking
  the real value with its unit, explorer plots with an alt text stating their current content;
* phones: at 390 px no explorer control is clipped or zero-width (element geometry), labels sit
  above their sliders, plots follow the container's width.
"""
from __future__ import annotations

import json
import re

import pytest

from browser_util import HTML, ROOT, screenshot
from mlsysim.fmt import looks_like_math
from test_browser_site import Visit, page_paths, site  # noqa: F401  (site is a fixture)
from test_dollar_math import myst_inline_math

pytestmark = [pytest.mark.site, pytest.mark.browser]
AXE = ROOT / "_vendor" / "axe" / "axe.min.js"
BOOK = ROOT / "book"

TYPESET_TEX = """() => {
  const out = [];
  if (!(window.MathJax && MathJax.startup && MathJax.startup.document)) return out;
  for (const item of MathJax.startup.document.math) out.push({tex: item.math, display: item.display});
  return out;
}"""

VISIBLE_TEXT = """() => {
  const root = (document.querySelector('article') || document.body).cloneNode(true);
  root.querySelectorAll('pre, code, script, style, mjx-container, .cell_input, .highlight').forEach(e => e.remove());
  return root.innerText;
}"""

RAW_FORMULA = re.compile(r"(?<![\\$])\$([^$\s][^$\n]*?[\\^_{}][^$\n]*?)\$")
CURRENCY_IN_MATH = re.compile(r"\d{1,3}(,\d{3})+(\.\d+)?\s+[A-Za-z]{2,}")


def source_math(stem: str) -> list[str]:
    """The inline formulas a page's source Markdown means (notebook Markdown cells, or a .md page)."""
    nb = BOOK / f"{stem}.ipynb"
    if nb.is_file():
        cells = json.loads(nb.read_text(encoding="utf-8"))["cells"]
        texts = ["".join(c["source"]) for c in cells if c["cell_type"] == "markdown"]
    elif (BOOK / f"{stem}.md").is_file():
        texts = [(BOOK / f"{stem}.md").read_text(encoding="utf-8")]
    else:
        return []
    found = []
    for text in texts:
        text = re.sub(r"^(```|~~~).*?^\1", "", text, flags=re.S | re.M)
        found += [t for t in myst_inline_math(text) if looks_like_math(t)]
    return found


def norm(tex: str) -> str:
    return re.sub(r"\s+", "", tex)


def math_problems(stem: str, typeset: list[dict], text: str) -> list[str]:
    problems = []
    for item in typeset:
        tex = item["tex"]
        if not item["display"] and (not looks_like_math(tex) or CURRENCY_IN_MATH.search(
                re.sub(r"\\text\{[^}]*\}", "", tex))):
            problems.append(f"prose typeset as math: {tex[:100]!r}")
    got = {norm(i["tex"]) for i in typeset}
    for tex in source_math(stem):
        if norm(tex) not in got:
            problems.append(f"the source's formula ${tex}$ was not typeset")
    for m in RAW_FORMULA.finditer(text):
        if looks_like_math(m.group(1)):
            problems.append(f"formula left raw: {m.group(0)[:80]!r}")
    for m in re.finditer(r"\\\$[\d.,]+", text):
        problems.append(f"amount shown with its escape: {text[max(0, m.start() - 30):m.end() + 10]!r}")
    return problems


def test_math_checker_catches_the_three_known_cases():
    # investment caption: two amounts paired into one italic run; cells with a visible escape
    typeset = [{"tex": "136,000 a year. Setup is the CI/CD pipeline plus the engineering months at \\", "display": False}]
    assert math_problems("no-such-page", typeset, "| Midpoints | \\$34,000 |")[0].startswith("prose typeset")
    assert any("escape" in p for p in math_problems("no-such-page", [], "| Midpoints | \\$34,000 |"))
    # pipelines footnote: a training-cost sentence typeset as one line of math
    typeset = [{"tex": "4.6 million in V100 GPU-hours, and the real cost was probably higher once the", "display": False}]
    assert math_problems("no-such-page", typeset, "")
    # drift lab: the epsilon column left raw
    assert math_problems("no-such-page", [], "| $10^{-3}$ | 0.058 | 0.041 | stable |")
    # the source's formulas must be typeset: drift_lab means \varepsilon
    assert any("was not typeset" in p for p in math_problems("drift_lab", [], ""))
    # and real formulas pass
    assert not math_problems("no-such-page", [{"tex": "10^{-3}", "display": False},
                                              {"tex": "D_{\\text{KL}}", "display": False}], "costs $5,000 a year")


@pytest.mark.parametrize("path", page_paths())
def test_page_renders_right_and_passes_axe(browser, site, path):  # noqa: F811
    assert AXE.is_file(), "axe-core is not vendored: run tools/vendor_assets.py"
    v = Visit(browser, site, path, width=1366)
    try:
        page = v.page
        problems = math_problems(path.rsplit("/", 1)[-1][:-5], page.evaluate(TYPESET_TEX), page.evaluate(VISIBLE_TEXT))
        page.add_script_tag(path=str(AXE))
        result = page.evaluate("""async () => {
          const r = await axe.run(document, {resultTypes: ['violations']});
          return r.violations.filter(v => v.impact === 'serious' || v.impact === 'critical')
            .map(v => ({id: v.id, impact: v.impact, n: v.nodes.length,
                        nodes: v.nodes.slice(0, 3).map(n => n.target.join(' ') + ' :: ' + (n.failureSummary || '').split('\\n')[1])}));
        }""")
        problems += [f"axe {x['impact']} {x['id']} ({x['n']} nodes): {x['nodes']}" for x in result]
        icon = page.evaluate("() => { const l = document.querySelector('link[rel~=icon]'); return l && l.href; }")
        if not icon:
            problems.append("no favicon link")
        elif not page.request.get(icon).ok:
            problems.append(f"favicon {icon} does not load")
        assert not problems, f"{path}:\n" + "\n".join(problems[:30])
    finally:
        v.close()


def explorer_pages() -> list[str]:
    if not (HTML / "book").is_dir():
        return []
    return sorted(p.relative_to(HTML).as_posix() for p in (HTML / "book").glob("*.html")
                  if "mlsysim-explorer" in p.read_text(encoding="utf-8"))


EXPLORER_FACTS = """() => {
  const vw = document.documentElement.clientWidth;
  const out = {vw, rows: [], plots: [], sliders: [], boxes: []};
  const r = e => { const b = e.getBoundingClientRect(); return {x: b.left, r: b.right, t: b.top, b: b.bottom, w: b.width, h: b.height}; };
  document.querySelectorAll('.mlsysim-explorer').forEach((ex, k) => {
    const exr = r(ex);
    ex.querySelectorAll('.mlsysim-row').forEach(row => {
      const label = row.querySelector('.widget-label');
      const track = row.querySelector('.noUi-target, select');
      const box = row.querySelector('input[type=text]');
      out.rows.push({explorer: k, label: label && label.textContent.trim(), labelBox: label && r(label),
                     track: track && r(track), box: box && r(box), ex: exr});
    });
    ex.querySelectorAll('.mlsysim-plot img').forEach(img => out.plots.push({explorer: k, img: r(img), ex: exr,
        alt: img.getAttribute('alt') || '', natural: img.naturalWidth}));
    ex.querySelectorAll('[role=slider]').forEach(h => out.sliders.push({label: h.getAttribute('aria-label'),
        valuetext: h.getAttribute('aria-valuetext'), now: h.getAttribute('aria-valuenow'),
        log: !!h.closest('.mlsysim-log'), box: (h.closest('.mlsysim-row').querySelector('input[type=text]') || {}).value}));
    ex.querySelectorAll('input[type=text]').forEach(b => out.boxes.push({label: b.getAttribute('aria-label')}));
  });
  return out;
}"""


def _settle_explorers(page):
    page.locator(".mlsysim-explorer").first.wait_for(state="visible")
    page.wait_for_function("() => [...document.querySelectorAll('.mlsysim-explorer [role=slider]')]"
                           ".every(h => h.getAttribute('aria-label'))")


@pytest.mark.parametrize("path", explorer_pages())
def test_explorers_on_a_phone_and_for_screen_readers(browser, site, path):  # noqa: F811
    v = Visit(browser, site, path, width=390)
    try:
        page = v.page
        _settle_explorers(page)
        f = page.evaluate(EXPLORER_FACTS)
        vw, problems = f["vw"], []
        assert f["rows"], "no explorer rows found"
        for row in f["rows"]:
            name = row["label"]
            for part in ("labelBox", "track", "box"):
                box = row[part]
                if box is None:
                    continue
                if box["w"] < 24 or box["h"] < (2 if part == "track" else 8):
                    problems.append(f"{name!r}: {part} is {box['w']:.0f}×{box['h']:.0f} px")
                if box["x"] < row["ex"]["x"] - 1 or box["r"] > min(vw, row["ex"]["r"]) + 1:
                    problems.append(f"{name!r}: {part} is clipped ({box['x']:.0f}–{box['r']:.0f} px, "
                                    f"explorer {row['ex']['x']:.0f}–{row['ex']['r']:.0f}, viewport {vw})")
            if row["track"] and row["labelBox"]:
                if row["labelBox"]["b"] > row["track"]["t"] + 1:
                    problems.append(f"{name!r}: label is not above its control at 390 px")
                if row["track"]["w"] < 0.8 * (row["ex"]["w"] - 40):
                    problems.append(f"{name!r}: control is {row['track']['w']:.0f} px of a "
                                    f"{row['ex']['w']:.0f} px explorer (not full width)")
        for plot in f["plots"]:
            if plot["img"]["w"] < 0.9 * (plot["ex"]["w"] - 40):
                problems.append(f"explorer {plot['explorer']}: plot is {plot['img']['w']:.0f} px in a "
                                f"{plot['ex']['w']:.0f} px explorer")
            if not plot["alt"] or "for the inputs set above" == plot["alt"][-26:].lower():
                problems.append(f"explorer {plot['explorer']}: plot alt text is missing or boilerplate")
        for s in f["sliders"]:
            if not s["label"]:
                problems.append(f"slider without an accessible name (value {s['now']})")
            vt = s["valuetext"] or ""
            num = vt.split(" ")[0].replace(",", "").replace("−", "-")
            digits = num.lstrip("-").replace(".", "").lstrip("0").rstrip("0")
            if not re.fullmatch(r"-?\d+(\.\d+)?", num) or ("." in num and len(digits) > 3):
                problems.append(f"slider {s['label']!r}: aria-valuetext {vt!r} is not a value rounded for speech")
            if s["log"] and vt.split(" ")[0] == f"{float(s['now']):.3g}":
                problems.append(f"log slider {s['label']!r} announces its exponent {vt!r}")
            if s["box"] and vt:
                spoken = float(num)
                exact = float(s["box"].replace(",", ""))
                if abs(spoken - exact) > 0.006 * max(abs(exact), 1e-9):
                    problems.append(f"slider {s['label']!r} says {vt!r} but its box holds {s['box']}")
        problems += [f"text box without an accessible name" for b in f["boxes"] if not b["label"]]
        screenshot(page.locator(".mlsysim-explorer").first, f"site/phone-{path.rsplit('/', 1)[-1][:-5]}.png")
        assert not problems, f"{path} at 390 px:\n" + "\n".join(problems[:30])
    finally:
        v.close()
