"""Checks on the built website (`make book` first; `make test` does): no raw markup, all refs resolved."""
import re
from pathlib import Path

import pytest

pytestmark = pytest.mark.site
HTML = Path(__file__).resolve().parent.parent / "_build" / "html"
RAW = [r"\{eval\}", r"\{glue", r"\{python\}", r"\{numref\}", r"\{ref\}", r"\{eq\}", r"\{term\}", r"\{cite",
       r"\{doc\}", r"^:::", r"\?\?", r"`\{", r"NameError", r"mystnb\.eval"]


def pages():
    if not HTML.is_dir():
        pytest.fail(f"{HTML} does not exist: build the book first (make book)")
    found = sorted(p for p in (HTML / "book").glob("*.html"))
    assert found, "no pages were built"
    return found


def visible_text(html: str) -> str:
    html = re.sub(r"<(script|style|pre)\b.*?</\1>", " ", html, flags=re.S)
    html = re.sub(r'<div class="cell_input.*?</div>\s*</div>', " ", html, flags=re.S)
    return re.sub(r"<[^>]+>", "\n", html)


def test_no_raw_roles_or_placeholders_survive():
    problems = []
    for page in pages():
        text = visible_text(page.read_text(encoding="utf-8"))
        for line in text.splitlines():
            for pat in RAW:
                if re.search(pat, line.strip()):
                    problems.append(f"{page.name}: {pat!r} in {line.strip()[:120]!r}")
    assert not problems, "raw markup in the built site:\n" + "\n".join(problems[:40])


def test_inline_numbers_rendered_in_retraining_page():
    text = visible_text((HTML / "book" / "retraining_economics.html").read_text(encoding="utf-8"))
    flat = " ".join(text.split())
    assert "the numerator is" in flat and "10,000" in flat and "9,500" in flat
    assert "'1,000,000'" not in flat and "1,000,000 transactions a day" in flat


def test_numbered_references_resolve_to_links():
    html = (HTML / "book" / "retraining_economics.html").read_text(encoding="utf-8")
    for kind in ("Fig. ", "Table ", "Eq. "):
        assert re.search(r'<a class="reference internal"[^>]*>(<span[^>]*>)?' + kind + r"\d", html), kind


def test_checker_catches_raw_markup():
    text = visible_text("<p>cost is {eval}`fraud.C_str` and see ??</p><pre>{eval}`ok in code`</pre>")
    hits = [p for p in RAW for line in text.splitlines() if re.search(p, line.strip())]
    assert sorted(hits) == sorted([r"\{eval\}", r"\?\?"])
