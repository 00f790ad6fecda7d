"""The Colab button's target exists once CI has published: the workflow step that pushes the reader copies.

Colab opens notebooks only from GitHub, so ``.github/workflows/pages.yml`` pushes the built site's
``_sources/`` (the reader copies) and ``_static/wheels/`` to the branch ``reader_copies_branch`` names, and
every page's Colab link points into that branch. GitHub is out of reach here, so the test runs the
workflow step's own script (read from the YAML, not retyped) on a copy of the built site, with the push URL
replaced by a local bare repository — the stand-in for ``github.com/<repository>``. It then checks, in a
clone of the pushed branch, that the path every Colab link on every notebook page names exists and is that
page's reader copy, byte for byte, and that the wheel the reader copy's first cell installs is the one
published beside it, with the SHA-256 the cell pins.
"""
from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from browser_util import HTML as SITE, ROOT   # the built site under test (SITE_HTML)

WORKFLOW = ROOT / ".github" / "workflows" / "pages.yml"
STEP = "Publish the reader copies"
PUSH_URL = re.compile(r'"https://x-access-token:\$\{\{ github\.token \}\}@github\.com/\$\{\{ github\.repository \}\}"')
COLAB = re.compile(r'href="https://colab\.research\.google\.com/github/([^/"]+)/([^/"]+)/blob/([^/"]+)/([^"]+)"')
WHEEL = re.compile(r"_static/wheels/(mlsysim-[\w.]+-py3-none-any\.whl)#sha256=([0-9a-f]{64})")

pytestmark = pytest.mark.site


def publish_script() -> str:
    steps = yaml.safe_load(WORKFLOW.read_text())["jobs"]["test-and-build"]["steps"]
    found = [s for s in steps if s.get("name", "").startswith(STEP)]
    assert len(found) == 1, f"{WORKFLOW.name}: no single step named {STEP!r}"
    script = found[0]["run"]
    assert PUSH_URL.search(script), "the step no longer pushes to the repository's own GitHub URL"
    return script


def git(*args, cwd: Path) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout


@pytest.fixture(scope="module")
def published(tmp_path_factory) -> Path:
    """Run the workflow step against a local bare repository; return a clone of what it pushed."""
    if not (SITE / "_sources").is_dir():
        pytest.fail(f"{SITE} has no _sources/: build the book first (make book)")
    tmp = tmp_path_factory.mktemp("publish")
    remote = tmp / "github.git"
    git("init", "-q", "--bare", str(remote), cwd=tmp)
    work = tmp / "checkout"
    shutil.copytree(SITE, work / "_build" / "html")
    script = PUSH_URL.sub(f'"{remote}"', publish_script())
    env = {**os.environ, "GITHUB_SHA": "0" * 40, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}
    run = subprocess.run(["bash", "-eo", "pipefail", "-c", script], cwd=work, env=env,
                         capture_output=True, text=True)
    assert run.returncode == 0, f"the publish step failed:\n{run.stdout}\n{run.stderr}"
    assert not (work / "_build" / "html" / ".git").exists(), "the step leaves no .git inside the site it uploads"
    clone = tmp / "clone"
    git("clone", "-q", "--branch", "reader-copies", str(remote), str(clone), cwd=tmp)
    return clone


def test_every_colab_link_opens_the_published_reader_copy(published):
    pages = sorted((SITE / "book").glob("*.html"))
    checked = 0
    for page in pages:
        source = SITE / "_sources" / "book" / (page.stem + ".ipynb")
        links = COLAB.findall(page.read_text(encoding="utf-8"))
        if not source.is_file():
            assert not links, f"{page.name} has a Colab link but no notebook"
            continue
        assert links, f"{page.name}: no Colab link"
        for _owner, _repo, branch, path in links:
            assert branch == "reader-copies", f"{page.name}: Colab opens branch {branch!r}"
            target = published / path
            assert target.is_file(), f"{page.name}: the Colab link names {path}, which the branch does not hold"
            assert target.read_bytes() == source.read_bytes(), f"{path} on the branch is not the site's reader copy"
            checked += 1
    assert checked >= 20, f"only {checked} Colab links checked"


def test_the_wheel_a_reader_copy_installs_is_published_with_its_hash(published):
    copy = (published / "_sources" / "book" / "retraining_economics.ipynb").read_text(encoding="utf-8")
    pins = set(WHEEL.findall(copy))
    assert len(pins) == 1, f"the first cell should pin exactly one wheel, found {pins}"
    (name, sha), = pins
    wheel = published / "_static" / "wheels" / name
    assert wheel.is_file(), f"{name} is not on the published branch"
    assert hashlib.sha256(wheel.read_bytes()).hexdigest() == sha, "the published wheel is not the pinned one"


def test_the_branch_holds_only_reader_copies_and_wheels(published):
    tracked = git("ls-files", cwd=published).split()
    assert tracked and all(p.startswith(("_sources/", "_static/wheels/")) for p in tracked), \
        [p for p in tracked if not p.startswith(("_sources/", "_static/wheels/"))][:5]
