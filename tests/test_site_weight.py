"""Weight and sharpness of the built pages, read from the HTML (no browser): MathJax only on pages
with math, the widget manager only on pages with widgets, explorer assets only with explorers, a
favicon everywhere, static figures that stay sharp on high-DPI screens (SVG, or PNG at 2×)."""
import re
import struct

import pytest

from browser_util import HTML

pytestmark = pytest.mark.site


def pages():
    if not (HTML / "book").is_dir():
        pytest.fail(f"{HTML} has no pages: build the book first")
    return [HTML / "index.html"] + sorted((HTML / "book").glob("*.html"))


def test_heavy_scripts_load_only_where_needed():
    problems = []
    for page in pages():
        html = page.read_text(encoding="utf-8")
        has_math = 'class="math' in html
        has_widgets = "application/vnd.jupyter.widget-view+json" in html
        loads_mathjax = "mathjax/es5/tex-mml-chtml.js" in html
        loads_manager = "widgets/embed-amd.js" in html
        if loads_mathjax != has_math:
            problems.append(f"{page.name}: MathJax {'loaded without math' if loads_mathjax else 'missing'}")
        if loads_manager != has_widgets:
            problems.append(f"{page.name}: widget manager {'loaded without widgets' if loads_manager else 'missing'}")
        if ("explorers.js" in html) != ("mlsysim-explorer" in html):
            problems.append(f"{page.name}: explorer assets do not match the explorers on the page")
        if 'http-equiv="Refresh"' in html:
            continue                                   # the site's index.html only redirects
        icon = re.search(r'<link rel="icon" href="([^"]+)"', html)
        if not icon or not (page.parent / icon.group(1)).resolve().is_file():
            problems.append(f"{page.name}: no favicon")
    assert not problems, "\n".join(problems)


def test_static_figures_are_sharp_on_high_dpi_screens():
    problems = []
    for page in pages():
        html = page.read_text(encoding="utf-8")
        for tag in re.findall(r"<img\b[^>]*>", html):
            src = re.search(r'src="([^"]+)"', tag)
            if not src or "_images/" not in src.group(1):
                continue
            path = (page.parent / src.group(1)).resolve()
            if path.suffix == ".svg":
                if path.stat().st_size > 2_000_000:
                    problems.append(f"{page.name}: {path.name} is an SVG of {path.stat().st_size / 1e6:.1f} MB")
                continue
            if path.suffix == ".png":
                width = struct.unpack(">I", path.read_bytes()[16:20])[0]
                shown = re.search(r'width="(\d+)', tag) or re.search(r"width:\s*(\d+)px", tag)
                if not shown or width < 1.9 * int(shown.group(1)):
                    problems.append(f"{page.name}: {path.name} is {width} px wide, shown at "
                                    f"{shown.group(1) if shown else 'its own'} px (not 2×)")
    assert not problems, "\n".join(problems[:30])
