"""The objectives map on the instructors page (issue 12) and the section objectives/wrap-ups.

Fails when a chapter-level learning objective (the box in book/purpose.ipynb) is missing from the map,
when a mapped explorer or exercise no longer exists in its notebook, or when an objective is left
without an explorer or a checked exercise. Notebooks are parsed, not executed: an explorer is an
`explore(…, title="…")` call in a code cell; a checked exercise is an `…Exercise("exN", …)` definition
with a self-check cell calling `exN.check(`.
"""
from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

BOOK = Path(__file__).resolve().parent.parent / "book"


def _plain(text: str) -> str:
    """Markup-free, whitespace-normalised text: {term}`shown <Target>` → shown, *x* → x."""
    text = re.sub(r"\{term\}`([^`<]*?)\s*(?:<[^`>]*>)?`", r"\1", text)
    text = re.sub(r"\{[a-z:]+\}`([^`]*)`", r"\1", text)
    text = re.sub(r"[*_`]", "", text)
    return " ".join(text.split())


def chapter_objectives() -> list[str]:
    nb = nbformat.read(BOOK / "purpose.ipynb", as_version=4)
    prose = "\n\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    box = re.search(r":::\{admonition\} Learning objectives\n(.*?)\n:::", prose, re.S)
    assert box, "purpose.ipynb must keep its 'Learning objectives' box"
    return [_plain(b) for b in re.split(r"\n- ", box.group(1))[1:]]


def objectives_map() -> list[dict]:
    page = (BOOK / "instructors.md").read_text(encoding="utf-8")
    table = re.search(r"## Objectives map\n.*?\n\| Objective \| Explorers \| Checked exercises \|\n\|[-:| ]+\|\n"
                      r"((?:\|[^\n]*\|\n)+)", page, re.S)
    assert table, "instructors.md must keep the objectives-map table"
    rows = []
    for line in table.group(1).splitlines():
        objective, explorers, exercises = [c.strip() for c in line.strip("|").split("|")]
        rows.append({
            "objective": objective,
            "explorers": re.findall(r"([^;]+?)\s*\(`(\w+)`\)", explorers),
            "exercises": re.findall(r"`(\w+):(\w+)`", exercises),
        })
    return rows


def _explorer_titles(src: str) -> list[str]:
    """Titles of the `explore(...)` calls in a code cell (the call's span is found by paren depth)."""
    titles = []
    for m in re.finditer(r"\bexplore\(", src):
        depth, i = 1, m.end()
        while depth and i < len(src):
            depth += {"(": 1, ")": -1}.get(src[i], 0)
            i += 1
        t = re.search(r"title=\"([^\"]+)\"", src[m.end():i])
        if t:
            titles.append(t.group(1))
    return titles


def notebook_parts(name: str) -> tuple[set[str], set[str]]:
    """(explorer titles, checked exercise ids) defined by a section notebook."""
    path = BOOK / f"{name}.ipynb"
    assert path.exists(), f"the map names a notebook that does not exist: {name}"
    code = [c.source for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code"]
    explorers = {t for src in code for t in _explorer_titles(src)}
    defined = {m.group(1) for src in code for m in re.finditer(r"\w+Exercise\(\s*\"(\w+)\"", src)}
    checked = {e for e in defined if any(re.search(rf"\b{e}\.check\(", src) for src in code)}
    return explorers, checked


def test_every_chapter_objective_is_in_the_map_in_order():
    objectives, rows = chapter_objectives(), objectives_map()
    assert len(rows) == len(objectives), f"{len(objectives)} objectives but {len(rows)} map rows"
    for i, (objective, row) in enumerate(zip(objectives, rows), 1):
        number, _, lead = row["objective"].partition(". ")
        assert number == str(i), f"map row {i} is numbered {number!r}"
        # the row quotes the objective with "…" for omitted words: the pieces must appear in order
        pieces = [p.strip() for p in _plain(lead).split("…") if p.strip()]
        at = 0
        for k, piece in enumerate(pieces):
            found = objective.find(piece, at)
            assert found == 0 if k == 0 else found > 0, \
                f"map row {i} ({lead!r}) does not match objective {i} ({objective!r})"
            at = found + len(piece)


@pytest.mark.parametrize("row", objectives_map(), ids=lambda r: r["objective"][:40])
def test_each_objective_has_a_live_explorer_and_a_checked_exercise(row):
    assert row["explorers"], f"objective has no explorer: {row['objective']}"
    assert row["exercises"], f"objective has no checked exercise: {row['objective']}"
    for title, name in row["explorers"]:
        explorers, _ = notebook_parts(name)
        assert title.strip() in explorers, f"{name} has no explorer titled {title!r} (it has {sorted(explorers)})"
    for name, ex in row["exercises"]:
        _, checked = notebook_parts(name)
        assert ex in checked, f"{name} has no checked exercise {ex} (it has {sorted(checked)})"


# Sections that open with 2–4 objectives and close with a wrap-up (proseA's; proseB's may be added).
SECTIONS = ["purpose", "overview", "principles", "technical_debt", "data_infrastructure", "pipelines",
            "retraining_economics", "model_validation", "deployment",
            "serving", "infrastructure", "monitoring", "drift_lab", "incidents", "governance", "maturity",
            "investment", "case_studies", "summary"]


@pytest.mark.parametrize("name", SECTIONS)
def test_section_opens_with_objectives_and_closes_with_a_wrap_up(name):
    cells = [c.source for c in nbformat.read(BOOK / f"{name}.ipynb", as_version=4).cells if c.cell_type == "markdown"]
    box = re.search(r":::\{admonition\} Objectives of this section\n:class: tip\n\n(.*?)\n:::", cells[0], re.S)
    assert box, f"{name}: the first markdown cell must hold the 'Objectives of this section' box"
    bullets = re.findall(r"^- ", box.group(1), re.M)
    assert 2 <= len(bullets) <= 4, f"{name}: {len(bullets)} section objectives (want 2–4)"
    prose = "\n\n".join(cells)
    headings = re.findall(r"^## (.+)$", prose, re.M)
    assert "Wrap-up" in headings, f"{name}: no '## Wrap-up' heading"
    following = headings[headings.index("Wrap-up") + 1:]
    assert not following or following[0] == "Exercises", f"{name}: the wrap-up must come right before the exercises"
    wrap = prose.split("## Wrap-up", 1)[1].split("\n## ", 1)[0]
    assert 40 <= len(wrap.split()) <= 200, f"{name}: wrap-up has {len(wrap.split())} words (want a short paragraph)"
