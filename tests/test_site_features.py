"""Reader-facing features of the built site (static HTML checks; `make book` first).

Launch buttons (Binder, JupyterHub, Colab) and an `.ipynb` download button on every notebook page,
pointing at the repository URL of `_config.yml`; numbered figures/tables/equations with alt text on
every figure; full-text search index; glossary and bibliography whose links resolve; the "how to run
locally" note. The browser tests exercise the same features by clicking.
"""
from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import unquote

import pytest
import yaml

from browser_util import HTML, ROOT

pytestmark = pytest.mark.site
CONFIG = yaml.safe_load((ROOT / "_config.yml").read_text())


def book_pages() -> list[Path]:
    pages = sorted((HTML / "book").glob("*.html")) if (HTML / "book").is_dir() else []
    if not pages:
        pytest.fail(f"{HTML} has no pages: build the book first (make book)")
    return pages


def notebook_pages() -> list[Path]:
    pages = [p for p in book_pages() if (HTML / "_sources" / "book" / f"{p.stem}.ipynb").is_file()]
    assert pages, "no page of the site comes from a notebook"
    return pages


def article(html: str) -> str:
    m = re.search(r"<article\b.*?</article>", html, flags=re.S)
    return m.group(0) if m else html


def test_every_notebook_page_has_launch_buttons_for_binder_jupyterhub_and_colab():
    repo = CONFIG["repository"]["url"].rstrip("/")
    owner_repo = repo.split("github.com/", 1)[1]
    launch = CONFIG["launch_buttons"]
    problems = []
    for page in notebook_pages():
        hrefs = [unquote(h) for h in re.findall(r'href="([^"]+)"', page.read_text(encoding="utf-8"))]
        nb = f"book/{page.stem}.ipynb"
        expected = {
            "Binder": (launch["binderhub_url"].rstrip("/") + f"/v2/gh/{owner_repo}/", nb),
            "Colab": (launch["colab_url"].rstrip("/") + f"/github/{owner_repo}/blob/", nb),
        }
        # A course's hub is a setting (empty by default): set, a button; empty, no hub button at all.
        if launch.get("jupyterhub_url"):
            expected["JupyterHub"] = (launch["jupyterhub_url"].rstrip("/") + "/hub/user-redirect/git-pull?repo=" + repo, nb)
        elif any("/hub/user-redirect/" in h for h in hrefs):
            problems.append(f"{page.name}: a JupyterHub button although launch_buttons.jupyterhub_url is empty")
        for name, (prefix, path) in expected.items():
            if not any(h.startswith(prefix) and path in h for h in hrefs):
                problems.append(f"{page.name}: no {name} button ({prefix}…{path})")
        if launch.get("notebook_interface") == "jupyterlab" and not any("urlpath=lab/tree/" in h for h in hrefs):
            problems.append(f"{page.name}: Binder does not open JupyterLab")
    assert not problems, "\n".join(problems)


def test_every_notebook_page_offers_its_ipynb_for_download():
    for page in notebook_pages():
        href = f"../_sources/book/{page.stem}.ipynb"
        assert f'href="{href}"' in page.read_text(encoding="utf-8"), f"{page.name}: no download button"
        assert (page.parent / href).resolve().is_file()


def test_figures_and_tables_are_numbered_and_figures_have_alt_text():
    numbered, problems = 0, []
    for page in book_pages():
        body = article(page.read_text(encoding="utf-8"))
        for fig in re.findall(r"<figure\b.*?</figure>", body, flags=re.S):
            numbered += 1
            if 'class="caption-number"' not in fig:
                problems.append(f"{page.name}: unnumbered figure")
            for img in re.findall(r"<img\b[^>]*>", fig):
                alt = re.search(r'\balt="([^"]*)"', img)
                if not alt or not alt.group(1).strip():
                    problems.append(f"{page.name}: figure image without alt text: {img[:100]}")
        for table in re.findall(r"<table\b.*?</table>", body, flags=re.S):
            if "<caption" in table and 'class="caption-number"' not in table:
                problems.append(f"{page.name}: captioned table without a number")
        for img in re.findall(r"<img\b[^>]*>", body):
            if not re.search(r'\balt="[^"]+"', img):
                problems.append(f"{page.name}: image without alt text: {img[:100]}")
    assert numbered, "no figure in the book"
    assert not problems, "\n".join(problems[:40])


def test_equations_are_numbered():
    text = (HTML / "book" / "retraining_economics.html").read_text(encoding="utf-8")
    assert len(re.findall(r'class="eqno">\(\d+\.\d+\)', text)) >= 3


def test_search_index_covers_the_chapter():
    assert (HTML / "search.html").is_file()
    index = (HTML / "searchindex.js").read_text(encoding="utf-8")
    for term in ("retrain", "drift", "half"):
        assert f'"{term}' in index, term
    for page in book_pages():
        assert f'"book/{page.stem}"' in index, f"{page.name} is not in the search index"


def _ids(page: Path) -> set[str]:
    return set(re.findall(r'\bid="([^"]+)"', page.read_text(encoding="utf-8")))


def test_glossary_terms_and_citations_link_to_existing_entries():
    glossary, bibliography = HTML / "book" / "glossary.html", HTML / "book" / "bibliography.html"
    gl_ids, bib_ids = _ids(glossary), _ids(bibliography)
    assert len(re.findall(r"<dt\b", glossary.read_text(encoding="utf-8"))) >= 10
    problems, cited = [], 0
    for page in book_pages():
        text = page.read_text(encoding="utf-8")
        for target, ids in (("glossary.html", gl_ids), ("bibliography.html", bib_ids)):
            if page.name == target:
                continue
            for anchor in re.findall(rf'href="{re.escape(target)}#([^"]+)"', text):
                cited += target == "bibliography.html"
                if anchor not in ids:
                    problems.append(f"{page.name} → {target}#{anchor} does not exist")
    assert not problems, "\n".join(problems[:40])
    if cited:
        assert 'role="doc-biblioentry"' in bibliography.read_text(encoding="utf-8"), \
            f"{cited} citations but an empty bibliography"


def test_the_site_tells_readers_how_to_run_it_locally():
    text = " ".join(re.sub(r"<[^>]+>", " ", (HTML / "book" / "how_to_use.html").read_text(encoding="utf-8")).split())
    assert "make lab" in text and "JupyterLab" in text
    assert "without an internet connection" in text
