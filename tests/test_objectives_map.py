"""The objectives map on the instructors page (issue 12) and the section objectives/wrap-ups.

Fails when a chapter-level learning objective (the box in book/purpose.ipynb) is missing from the map,
when a mapped explorer or exercise no longer exists in its notebook, or when an objective is left
without an explorer or a checked exercise. Notebooks are parsed, not executed: an explorer is an
`explore(…, title="…")` call in a code cell; a checked exercise is an `…Exercise("exN", …)` definition
with a self-check cell calling `exN.check(`.

The map also says *what* each exercise checks, so that an objective cannot be "covered" by an exercise
on something else. Its exercises column lists the parts of the objective, each in the objective's own
words, with the exercises that check that part, each as
``part: `notebook:exN` (`Class.attribute` ← `module.function`)``. The test reads the exercise's answer
key in the notebook and fails unless the key builds ``Class`` and reads ``attribute``, and ``attribute``
is computed in ``Class`` from ``mlsysim.models.module.function`` (followed through ``execute()`` and
``output()``); and it fails when a part listed in ``PARTS`` below, or the part's words in the objective,
disappear.
"""
from __future__ import annotations

import ast
import re
from pathlib import Path

import nbformat
import pytest
from IPython.core.inputtransformer2 import TransformerManager

BOOK = Path(__file__).resolve().parent.parent / "book"


def _plain(text: str) -> str:
    """Markup-free, whitespace-normalised text: {term}`shown <Target>` → shown, *x* → x."""
    text = re.sub(r"\{term\}`([^`<]*?)\s*(?:<[^`>]*>)?`", r"\1", text)
    text = re.sub(r"\[([^\[\]]*)\]\([\w-]+\.(?:ipynb|md)#[^)]*\)", r"\1", text)   # [shown](glossary.md#term-…)
    text = re.sub(r"\{[a-z:]+\}`([^`]*)`", r"\1", text)
    text = re.sub(r"[*_`]", "", text)
    return " ".join(text.split())


def chapter_objectives() -> list[str]:
    nb = nbformat.read(BOOK / "purpose.ipynb", as_version=4)
    prose = "\n\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    box = re.search(r":::\{admonition\} Learning objectives\n(.*?)\n:::", prose, re.S)
    assert box, "purpose.ipynb must keep its 'Learning objectives' box"
    return [_plain(b) for b in re.split(r"\n- ", box.group(1))[1:]]


#: The parts of each chapter objective that checked exercises must exercise: objective number → {the
#: objective's own words → the mlsysim.models modules whose formulas compute that part}. A map entry
#: for the part must name a function of one of these modules (an A/B-test formula does not check a
#: canary), and removing a part from the map, or every exercise of a part, fails the test.
PARTS = {
    1: {"silent failures": {"ops_costs", "retraining"},
        "makes operational monitoring a requirement": {"ops_costs", "retraining"}},
    2: {"say which piece of infrastructure pays each one down": {"ops_costs"}},
    3: {"feature stores": {"ops_costs"}, "CI/CD pipelines": {"skew"}},
    4: {"the retraining staleness model": {"retraining"}, "how often to retrain": {"retraining", "monitoring"},
        "where to spend engineering effort": {"pipelines"}},
    5: {"quantifies data drift with the PSI": {"drift"},
        "detects degradation at several layers of observability": {"monitoring", "skew"},
        "implement and budget monitoring": {"monitoring"}},
    6: {"canary releases": {"rollout"}, "shadow deployments": {"rollout"},
        "plan tiered rollback for different levels of risk": {"rollout"}},
    7: {"structured incident response": {"incidents"}, "debugging": {"incidents"}},
    8: {"assess an organisation's MLOps maturity": {"economics"},
        "what each level implies for its infrastructure and automation": {"economics"}},
}

_ENTRY = re.compile(r"`(\w+):(\w+)`\s*\(`(\w+)\.(\w+)`\s*←\s*`(\w+)\.(\w+)`\)")


def objectives_map() -> list[dict]:
    page = (BOOK / "instructors.md").read_text(encoding="utf-8")
    table = re.search(r"## Objectives map\n.*?\n\| Objective \| Explorers \| Checked exercises \|\n\|[-:| ]+\|\n"
                      r"((?:\|[^\n]*\|\n)+)", page, re.S)
    assert table, "instructors.md must keep the objectives-map table"
    rows = []
    for line in table.group(1).splitlines():
        objective, explorers, exercises = [c.strip() for c in line.strip("|").split("|")]
        parts = {}
        for chunk in exercises.split(";"):
            part, sep, entries = chunk.partition(":")
            assert sep and _ENTRY.search(entries), \
                f"map entry {chunk.strip()!r} must read 'part: `notebook:exN` (`Class.attr` ← `module.function`)'"
            parts[_plain(part)] = [dict(zip(("notebook", "exercise", "cls", "attr", "module", "function"), m))
                                   for m in _ENTRY.findall(entries)]
        rows.append({
            "objective": objective,
            "explorers": re.findall(r"([^;]+?)\s*\(`(\w+)`\)", explorers),
            "exercises": [(e["notebook"], e["exercise"]) for es in parts.values() for e in es],
            "parts": parts,
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


_tm = TransformerManager()


def _trees(name: str) -> list[ast.Module]:
    """The parsed code cells of a notebook (IPython syntax turned into Python first)."""
    cells = nbformat.read(BOOK / f"{name}.ipynb", as_version=4).cells
    return [ast.parse(_tm.transform_cell(c.source)) for c in cells if c.cell_type == "code"]


def exercise_key(trees: list[ast.Module], ex: str) -> ast.AST:
    """The code that computes an exercise's answer key: the `key=` lambda's body, or the helper
    function that `key=` names."""
    for tree in trees:
        for node in ast.walk(tree):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id.endswith("Exercise")
                    and node.args and isinstance(node.args[0], ast.Constant) and node.args[0].value == ex):
                key = next((k.value for k in node.keywords if k.arg == "key"), None)
                assert key is not None, f"{ex} declares no key="
                if isinstance(key, ast.Lambda):
                    return key.body
                assert isinstance(key, ast.Name), f"{ex}: key= must be a lambda or the name of a helper function"
                helpers = [f for t in trees for f in ast.walk(t) if isinstance(f, ast.FunctionDef) and f.name == key.id]
                assert helpers, f"{ex}: key helper {key.id} is not defined in the notebook"
                return helpers[0]
    raise AssertionError(f"no exercise {ex} is declared")


def _targets(node: ast.AST) -> list[str]:
    if isinstance(node, ast.Name):
        return [node.id]
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "self":
        return [f"self.{node.attr}"]
    if isinstance(node, (ast.Tuple, ast.List)):
        return [t for e in node.elts for t in _targets(e)]
    if isinstance(node, ast.Subscript):
        return _targets(node.value)
    return []


def model_calls_behind(trees: list[ast.Module], cls: str, attr: str) -> set[str] | None:
    """The `module.function` calls of mlsysim.models that `self.attr` of class `cls` depends on, followed
    through the assignments of its execute() and output() (None when neither assigns the attribute)."""
    models = {a.asname or a.name for t in trees for n in ast.walk(t)
              if isinstance(n, ast.ImportFrom) and n.module == "mlsysim.models" for a in n.names}
    classes = [c for t in trees for c in ast.walk(t) if isinstance(c, ast.ClassDef) and c.name == cls]
    assert classes, f"class {cls} is not defined in the notebook"
    deps: dict[str, set[str]] = {}
    calls: dict[str, set[str]] = {}
    for method in (f for f in classes[0].body if isinstance(f, ast.FunctionDef) and f.name in ("execute", "output")):
        for n in ast.walk(method):
            if isinstance(n, ast.Assign):
                targets, value = n.targets, n.value
            elif isinstance(n, (ast.AnnAssign, ast.AugAssign)) and n.value is not None:
                targets, value = [n.target], n.value
            elif isinstance(n, (ast.For, ast.comprehension)):
                targets, value = [n.target], n.iter
            else:
                continue
            used = {f"self.{m.attr}" for m in ast.walk(value)
                    if isinstance(m, ast.Attribute) and isinstance(m.value, ast.Name) and m.value.id == "self"}
            used |= {m.id for m in ast.walk(value) if isinstance(m, ast.Name)}
            made = {f"{m.func.value.id}.{m.func.attr}" for m in ast.walk(value)
                    if isinstance(m, ast.Call) and isinstance(m.func, ast.Attribute)
                    and isinstance(m.func.value, ast.Name) and m.func.value.id in models}
            for t in (t for target in targets for t in _targets(target)):
                deps.setdefault(t, set()).update(used)
                calls.setdefault(t, set()).update(made)
    start = f"self.{attr}"
    if start not in deps:
        return None
    seen, todo, found = set(), [start], set()
    while todo:
        name = todo.pop()
        if name not in seen:
            seen.add(name)
            found |= calls.get(name, set())
            todo += [d for d in deps.get(name, ()) if d in deps]
    return found


def test_the_map_names_the_parts_of_each_objective():
    objectives, rows = chapter_objectives(), objectives_map()
    assert sorted(PARTS) == list(range(1, len(objectives) + 1)), "PARTS must list every chapter objective"
    for i, (objective, row) in enumerate(zip(objectives, rows), 1):
        for part, modules in PARTS[i].items():
            assert part.lower() in objective.lower(), f"objective {i} no longer says {part!r}: {objective!r}"
            assert row["parts"].get(part), f"objective {i}: no checked exercise for the part {part!r} in the map"
            for e in row["parts"][part]:
                assert e["module"] in modules, \
                    (f"objective {i}, {part!r}: {e['notebook']}:{e['exercise']} is computed with "
                     f"{e['module']}.{e['function']}, not with a formula of {sorted(modules)}")
        for part in row["parts"]:
            assert part.lower() in objective.lower(), f"map row {i} names a part {part!r} the objective does not say"


@pytest.mark.parametrize("row", objectives_map(), ids=lambda r: r["objective"][:40])
def test_each_mapped_exercise_computes_its_part_with_the_named_model(row):
    import importlib
    for part, entries in row["parts"].items():
        for e in entries:
            where = f"{e['notebook']}:{e['exercise']} ({part})"
            trees = _trees(e["notebook"])
            key = exercise_key(trees, e["exercise"])
            built = {n.func.id for n in ast.walk(key) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)}
            read = {n.attr for n in ast.walk(key) if isinstance(n, ast.Attribute)}
            assert e["cls"] in built, f"{where}: the answer key does not build {e['cls']} (it builds {sorted(built)})"
            assert e["attr"] in read, f"{where}: the answer key does not read .{e['attr']}"
            behind = model_calls_behind(trees, e["cls"], e["attr"])
            assert behind is not None, f"{where}: {e['cls']}.{e['attr']} is not computed in execute() or output()"
            call = f"{e['module']}.{e['function']}"
            assert call in behind, f"{where}: {e['cls']}.{e['attr']} is not computed with {call} (it uses {sorted(behind)})"
            module = importlib.import_module(f"mlsysim.models.{e['module']}")
            assert callable(getattr(module, e["function"], None)), f"{where}: mlsysim.models has no {call}"


def test_the_key_analysis_catches_a_key_on_another_model():
    """The check above can fail: a key that reads the A/B test's users is not the canary's duration."""
    tree = ast.parse(
        "from mlsysim.models import experiments, rollout\n"
        "class Canary:\n"
        "    def execute(self):\n"
        "        self.n = experiments.sample_size(self.s, self.d)\n"
        "        n = rollout.canary_predictions(self.p, self.d)\n"
        "        self.hours = rollout.canary_hours(n, self.r, self.share)\n"
        "    def output(self):\n"
        "        self.hours_str = str(self.hours)\n"
        "ex3 = NumericExercise('ex3', key=lambda: Canary(p=1).n)\n")
    both = {"rollout.canary_hours", "rollout.canary_predictions"}       # through the local n
    assert model_calls_behind([tree], "Canary", "hours") == both
    assert model_calls_behind([tree], "Canary", "hours_str") == both
    assert model_calls_behind([tree], "Canary", "n") == {"experiments.sample_size"}
    assert model_calls_behind([tree], "Canary", "missing") is None
    key = exercise_key([tree], "ex3")
    assert {n.attr for n in ast.walk(key) if isinstance(n, ast.Attribute)} == {"n"}


# Sections that open with 2–4 objectives and close with a wrap-up (proseA's; proseB's may be added).
SECTIONS = ["purpose", "overview", "principles", "technical_debt", "data_infrastructure", "pipelines",
            "retraining_economics", "model_validation", "deployment",
            "serving", "infrastructure", "monitoring", "drift_lab", "monitoring_infrastructure", "incidents", "governance", "maturity",
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
