"""`pip install .` gives a working mlsysim: pyproject declares every third-party module it imports.

(`mlsysim/widgets.py` once imported markdown_it undeclared, so explorers crashed after a plain install.)
The modules only the tools import (nbrun, course: nbformat/nbclient) may be in the ``tools`` extra.
"""
from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _imported_modules() -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for path in sorted((ROOT / "mlsysim").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for n in names:
                top = n.split(".")[0]
                if top != "mlsysim" and top not in sys.stdlib_module_names and top != "__future__":
                    found.setdefault(top, []).append(str(path.relative_to(ROOT)))
    return found


def test_pyproject_declares_every_import_and_the_true_minimum_python():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    declared = {_norm(re.split(r"[<>=!~\[; ]", d)[0]) for d in project["dependencies"]}
    tools = {_norm(re.split(r"[<>=!~\[; ]", d)[0]) for d in project.get("optional-dependencies", {}).get("tools", [])}
    dists = packages_distributions()
    missing = []
    for module, where in _imported_modules().items():
        names = {_norm(d) for d in dists.get(module, [module])}
        core = [w for w in where if not re.match(r"mlsysim/(nbrun|course/)", w)]
        if not names & declared and not (not core and names & tools):
            missing.append(f"{module} (imported in {sorted(set(where))[:3]})")
    assert not missing, f"pyproject.toml does not declare: {missing}"
    assert project["requires-python"] == ">=3.11"
    runtime = (ROOT / "runtime.txt").read_text().strip()
    assert runtime == "python-3.11", runtime
    assert "Python ≥ 3.11" in (ROOT / "README.md").read_text()


def test_the_student_requirements_are_pinned_and_included_by_the_developers():
    student = [l for l in (ROOT / "requirements-student.txt").read_text().splitlines() if l and not l.startswith("#")]
    assert student and all(re.fullmatch(r"[A-Za-z0-9_.-]+==[\w.]+", l) for l in student), student
    names = {_norm(l.split("==")[0]) for l in student}
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert {_norm(d) for d in project["dependencies"]} <= names | {"ipython"} and "ipython" in names
    dev = (ROOT / "requirements.txt").read_text().splitlines()
    assert "-r requirements-student.txt" in dev
    assert not names & {_norm(l.split("==")[0]) for l in dev if "==" in l}, "a pin is in both files"
    assert not names & {"sphinx", "pytest", "playwright", "jupyter-book", "jupyterlab"}
