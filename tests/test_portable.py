"""The notebooks wherever a student opens them (issue 10): reader copies and the lean environment.

* Reader copies (``_sources/book/*.ipynb`` in the built site, made by _ext/reader_copies.py) rendered
  with a plain CommonMark renderer (markdown-it-py's ``commonmark`` preset, no MyST) show no MyST syntax.
* The lean student environment: a fresh venv on the Python that ``runtime.txt`` names, filled from
  ``requirements-student.txt`` only (offline, from the wheels ``make`` keeps in ``.venv/wheelhouse``).
  Its kernel runs notebooks from an unrelated working directory (a temporary folder):
  - three reader copies top to bottom *without* the book's package installed: their first cell fetches
    the hash-pinned wheel from the built site served on 127.0.0.1;
  - every notebook of the book, after ``pip install --no-deps .`` (what binder/postBuild does).
The test process drives the kernel with nbclient, as a hub's frontend environment drives a separate
kernel environment.
"""
from __future__ import annotations

import functools
import http.server
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
SITE = Path(os.environ.get("SITE_HTML", ROOT / "_build" / "html"))
WHEELHOUSE = Path(os.environ.get("MLSYSIM_WHEELHOUSE", ROOT / ".venv" / "wheelhouse"))
READER_COPIES = ("retraining_economics", "drift_lab", "investment")

# What raw MyST looks like after a CommonMark renderer has been through it.
MYST_LEFTOVERS = {
    "role": re.compile(r"\{[a-z][\w:-]*\}<code>"),                 # {eval}`x` → {eval}<code>x</code>
    "role name": re.compile(r"\{(eval|numref|ref|term|cite|cite:p|cite:t|eq|doc|math)\}"),
    "colon fence": re.compile(r":::"),
    "backtick directive": re.compile(r'class="language-\{'),        # ```{note} → <code class="language-{note}">
    "target label": re.compile(r"\([\w.:-]+\)="),                   # (sec-x)=
    "directive option": re.compile(r"(^|>):(name|class|label|align|widths):", re.M),
}


def myst_leftovers(markdown: str) -> list[str]:
    from markdown_it import MarkdownIt

    html = MarkdownIt("commonmark").render(markdown)
    found = []
    for what, pattern in MYST_LEFTOVERS.items():
        for m in pattern.finditer(html):
            found.append(f"{what}: …{html[max(0, m.start() - 60):m.end() + 40]!r}")
    return found


def test_the_leftover_check_finds_myst():
    sample = ("(sec-x)=\n# T\n\nSee {numref}`tbl-a` and {eval}`x.y`.\n\n:::{table} Cap\n:name: tbl-a\n\n| a |\n|--|\n"
              "| 1 |\n:::\n\n```{note}\nhi\n```\n")
    kinds = {f.split(":")[0] for f in myst_leftovers(sample)}
    assert kinds == {"role", "role name", "colon fence", "backtick directive", "target label", "directive option"}


def _reader_copies():
    copies = sorted((SITE / "_sources" / "book").glob("*.ipynb"))
    if not copies:
        pytest.skip(f"no built site in {SITE} (make book, or SITE_HTML=…)")
    return copies


@pytest.mark.site
def test_reader_copies_render_without_myst():
    copies = _reader_copies()
    assert len(copies) == len(list((ROOT / "book").glob("*.ipynb")))
    problems = []
    for path in copies:
        nb = nbformat.read(path, as_version=4)
        assert nb.metadata.get("mlsysim_reader_copy"), f"{path.name} is the MyST source, not a reader copy"
        texts = [c.source for c in nb.cells if c.cell_type == "markdown"]
        texts += [o["data"]["text/markdown"] for c in nb.cells if c.cell_type == "code"
                  for o in c.get("outputs", []) if "text/markdown" in o.get("data", {})]
        for text in texts:
            problems += [f"{path.name}: {p}" for p in myst_leftovers(text)]
            assert "user_expressions" not in text
    assert not problems, "\n".join(problems[:20])


@pytest.mark.site
def test_reader_copies_resolve_numbers_citations_and_terms():
    nb = nbformat.read(SITE / "_sources" / "book" / "retraining_economics.ipynb", as_version=4)
    text = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    assert "1,000,000 transactions a day" in text                      # an {eval} value
    assert re.search(r"\*\*Table \d+(\.\d+)*\.\*\* \*\*Typical retraining schedules", text)   # numbered caption
    assert re.search(r"\[Table \d+(\.\d+)*\]\(#tbl-retraining-schedules\)", text)
    assert re.search(r"\[Eq\. \d+(\.\d+)*\]\(#equation-eq-", text)
    assert re.search(r"\\tag\{\d+(\.\d+)*\}", text)                   # numbered display math
    assert re.search(r"\[[^\]]+\]\(https?://[^)]+/book/glossary\.html#term-", text)
    everything = "\n".join(c.source for p in _reader_copies() for c in nbformat.read(p, as_version=4).cells)
    assert re.search(r"\(\[[^\]]+, \d{4}\]\(https?://[^)]+/book/bibliography\.html#[\w-]+\)", everything)  # cite:p
    assert re.search(r"\[[^\]]+ \(\d{4}\)\]\(https?://[^)]+/book/bibliography\.html#[\w-]+\)", everything)  # cite:t
    first = nb.cells[0]
    assert first.cell_type == "code" and "find_spec(\"mlsysim\")" in first.source
    assert not first.metadata.get("jupyter", {}).get("source_hidden"), "the setup cell must stay visible"
    hidden = [c for c in nb.cells[1:] if "remove-input" in c.metadata.get("tags", [])]
    assert hidden and all(c.metadata["jupyter"]["source_hidden"] for c in hidden)      # collapsed, still code
    info = json.loads((SITE / "_static" / "wheels" / "reader-copies.json").read_text())
    assert f"{info['wheel']}#sha256={info['sha256']}" in first.source


# -- the lean environment ----------------------------------------------------------------------------
def _runtime_python() -> str:
    m = re.fullmatch(r"python-(\d+\.\d+)", (ROOT / "runtime.txt").read_text().strip())
    assert m, "runtime.txt must read python-X.Y"
    assert (ROOT / "binder" / "runtime.txt").read_text().strip() == f"python-{m.group(1)}"
    exe = shutil.which(f"python{m.group(1)}")
    if exe is None:
        pytest.skip(f"python{m.group(1)} (named by runtime.txt) is not installed here")
    return exe


@pytest.fixture(scope="module")
def lean(tmp_path_factory):
    """A fresh venv with requirements-student.txt only, and a kernelspec ("lean") running it."""
    if not any(WHEELHOUSE.glob("*.whl")):
        pytest.skip(f"no wheelhouse in {WHEELHOUSE} (make fills it from requirements-student.txt)")
    base = tmp_path_factory.mktemp("lean")
    venv = base / "venv"
    t0 = time.perf_counter()
    subprocess.run([_runtime_python(), "-m", "venv", str(venv)], check=True)
    py = venv / "bin" / "python"
    subprocess.run([str(py), "-m", "pip", "install", "--quiet", "--no-index", "--find-links", str(WHEELHOUSE),
                    "-r", str(ROOT / "requirements-student.txt")], check=True)
    built = time.perf_counter() - t0
    packages = json.loads(subprocess.run([str(py), "-m", "pip", "list", "--format=json"], check=True,
                                         capture_output=True, text=True).stdout)
    size = sum(f.stat().st_size for f in venv.rglob("*") if f.is_file() and not f.is_symlink())
    print(f"lean environment: {len(packages)} packages (pip and setuptools included), {size / 1e6:.0f} MB, "
          f"built offline in {built:.1f} s")
    names = {p["name"].lower() for p in packages}
    assert not names & {"sphinx", "pytest", "playwright", "jupyter-book", "jupyterlab"}, names
    kernels = base / "share" / "kernels" / "lean"
    kernels.mkdir(parents=True)
    (kernels / "kernel.json").write_text(json.dumps({
        "argv": [str(py), "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Python 3 (lean)", "language": "python"}))
    return {"python": py, "jupyter_path": str(base / "share"), "base": base}


def _has_mlsysim(lean) -> bool:
    return subprocess.run([str(lean["python"]), "-c", "import mlsysim"], cwd=lean["base"],
                          capture_output=True).returncode == 0


def _run(path: Path, lean, cwd: Path, monkeypatch, extra_env=None, timeout=600):
    """Execute a notebook in the lean kernel with ``cwd`` as its working directory; the executed copy."""
    from nbclient import NotebookClient

    monkeypatch.setenv("JUPYTER_PATH", lean["jupyter_path"])
    monkeypatch.delenv("PYTHONPATH", raising=False)
    monkeypatch.delenv("MPLBACKEND", raising=False)
    for k, v in (extra_env or {}).items():
        monkeypatch.setenv(k, v)
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, kernel_name="lean", timeout=timeout, allow_errors=True,
                            resources={"metadata": {"path": str(cwd)}})
    t0 = time.perf_counter()
    client.execute()
    errors = [f"cell {i}: {o.get('ename')}: {o.get('evalue')}" for i, c in enumerate(nb.cells)
              if c.cell_type == "code" for o in c.get("outputs", []) if o.get("output_type") == "error"]
    return nb, errors, time.perf_counter() - t0


@pytest.fixture
def served_site():
    if not (SITE / "_static" / "wheels").is_dir():
        pytest.skip(f"no built site with a wheel in {SITE}")
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    handler = functools.partial(Quiet, directory=str(SITE))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.site
def test_reader_copies_install_the_book_wheel_and_run_anywhere(lean, served_site, tmp_path, monkeypatch):
    if _has_mlsysim(lean):          # another test installed it: this test is about a kernel without it
        subprocess.run([str(lean["python"]), "-m", "pip", "uninstall", "--quiet", "-y", "mlsysim"], check=True)
    assert not _has_mlsysim(lean)
    workdir = tmp_path / "somewhere-else"
    workdir.mkdir()
    for name in READER_COPIES:
        copy = workdir / f"{name}.ipynb"                      # as downloaded from the site
        shutil.copy(SITE / "_sources" / "book" / f"{name}.ipynb", copy)
        nb, errors, seconds = _run(copy, lean, workdir, monkeypatch,
                                   {"MLSYSIM_BOOK_URL": served_site, "PIP_NO_INDEX": "1"})
        print(f"reader copy {name}: ran in {seconds:.1f} s")
        assert not errors, f"{name}: {errors[:3]}"
        rerun = [o["data"]["text/markdown"] for c in nb.cells if c.cell_type == "code"
                 for o in c.get("outputs", []) if "text/markdown" in o.get("data", {})]
        leftovers = [f for text in rerun for f in myst_leftovers(text)]
        assert not leftovers, f"{name}: Markdown computed by the reader copy still has MyST: {leftovers[:3]}"
        assert _has_mlsysim(lean), "the first cell did not install mlsysim"
    # It was the site's wheel, checked against the hash pinned in the copy.
    info = json.loads((SITE / "_static" / "wheels" / "reader-copies.json").read_text())
    direct = subprocess.run([str(lean["python"]), "-m", "pip", "show", "-f", "mlsysim"], capture_output=True,
                            text=True).stdout
    assert "Version: 0.1.0" in direct and info["wheel"].startswith("mlsysim-0.1.0")
    assert sorted(p.name for p in workdir.iterdir()) == sorted(f"{n}.ipynb" for n in READER_COPIES), \
        "running the notebooks wrote files into the working directory"


@pytest.mark.site
def test_a_tampered_wheel_is_refused(lean, served_site, tmp_path, monkeypatch):
    """The hash pin is real: a copy whose pinned hash does not match the served wheel fails in cell 1."""
    if _has_mlsysim(lean):
        subprocess.run([str(lean["python"]), "-m", "pip", "uninstall", "--quiet", "-y", "mlsysim"], check=True)
    nb = nbformat.read(SITE / "_sources" / "book" / "purpose.ipynb", as_version=4)
    nb.cells = nb.cells[:1]
    nb.cells[0].source = re.sub(r"sha256=[0-9a-f]{64}", "sha256=" + "0" * 64, nb.cells[0].source)
    path = tmp_path / "tampered.ipynb"
    nbformat.write(nb, path)
    _, errors, _ = _run(path, lean, tmp_path, monkeypatch, {"MLSYSIM_BOOK_URL": served_site, "PIP_NO_INDEX": "1"})
    assert errors and "CalledProcessError" in errors[0]
    assert not _has_mlsysim(lean)


def test_every_notebook_runs_in_the_lean_environment(lean, tmp_path, monkeypatch):
    # binder/postBuild installs the working tree's mlsysim (pip install --no-deps .); here its wheel, built
    # from a copy by the site's own builder (offline: the lean venv has no build backend of its own).
    sys.path.insert(0, str(ROOT / "_ext"))
    try:
        from reader_copies import build_wheel
    finally:
        sys.path.remove(str(ROOT / "_ext"))
    wheel = build_wheel(ROOT, tmp_path / "wheel")
    run = subprocess.run([str(lean["python"]), "-m", "pip", "install", "--quiet", "--no-deps", "--no-index",
                          "--force-reinstall", str(wheel)], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    workdir = tmp_path / "elsewhere"
    workdir.mkdir()
    failures, total = [], 0.0
    for path in sorted((ROOT / "book").glob("*.ipynb")):
        _, errors, seconds = _run(path, lean, workdir, monkeypatch)
        total += seconds
        if errors:
            failures.append(f"{path.name}: {errors[:2]}")
    print(f"every notebook in the lean environment: {total:.0f} s")
    assert not failures, "\n".join(failures)
    assert not any(workdir.iterdir()), f"notebooks wrote into the working directory: {list(workdir.iterdir())}"


def test_no_role_is_split_over_a_line():
    """jupyterlab-myst renders {term}`alert\\nfatigue <Alert fatigue>` as raw text; the website does not."""
    split = re.compile(r"\{[a-z:]+\}`[^`]*\n[^`]*`")
    found = [f"{p.name}: {m.group(0)!r}" for p in sorted((ROOT / "book").glob("*.ipynb"))
             for c in nbformat.read(p, as_version=4).cells if c.cell_type == "markdown"
             for m in split.finditer(c.source)]
    assert not found, found


def test_the_bootstrap_cell_is_first_everywhere_and_names_this_version():
    """Every notebook starts with the current bootstrap cell (tools/add_bootstrap_cell.py --check)."""
    run = subprocess.run([sys.executable, str(ROOT / "tools" / "add_bootstrap_cell.py"), "--check"],
                         capture_output=True, text=True)
    assert run.returncode == 0, run.stdout + run.stderr
    version = re.search(r'^version\s*=\s*"([^"]+)"', (ROOT / "pyproject.toml").read_text(), re.M).group(1)
    first = nbformat.read(ROOT / "book" / "purpose.ipynb", as_version=4).cells[0]
    assert f"mlsysim-{version}-py3-none-any.whl" in first.source and "remove-cell" in first.metadata["tags"]


def test_notebooks_do_not_depend_on_the_working_directory():
    """No notebook code reads or writes files by relative path (the kernel may start anywhere)."""
    pattern = re.compile(r"""\b(open|read_csv|read_text|loadtxt|imread|savefig|Path)\(\s*["'](?!/)""")
    found = [f"{p.name}: {line.strip()}" for p in sorted((ROOT / "book").glob("*.ipynb"))
             for c in nbformat.read(p, as_version=4).cells if c.cell_type == "code"
             for line in c.source.splitlines() if pattern.search(line)]
    assert not found, found


@pytest.mark.site
def test_download_and_launch_buttons_give_the_reader_copy():
    page = (SITE / "book" / "retraining_economics.html").read_text()
    assert 'href="../_sources/book/retraining_economics.ipynb"' in page                  # download button
    colab = re.findall(r'href="(https://colab\.research\.google\.com/[^"]+)"', page)
    assert colab and all(u.endswith("/blob/reader-copies/_sources/book/retraining_economics.ipynb") for u in colab)
    hub = re.findall(r'href="(https://[^"]+/hub/user-redirect/git-pull\?[^"]+)"', page)   # if jupyterhub_url is set
    assert all("branch=reader-copies" in u and "_sources%2Fbook%2Fretraining_economics.ipynb" in u for u in hub)


def test_md_table_writes_plain_markdown_for_reader_copies(monkeypatch):
    from mlsysim.fmt import md_table, plain_roles

    args = (["x", "cost"], [["a", "$5"]])
    kw = dict(caption="**Costs** from {eq}`eq-roi` for {term}`drift <Data drift>`", label="tbl-c")
    monkeypatch.setenv("MLSYSIM_MARKDOWN", "myst")
    assert md_table(*args, **kw).startswith(":::{table}")                   # the website: a numbered MyST table
    monkeypatch.setenv("MLSYSIM_MARKDOWN", "commonmark")
    plain = md_table(*args, **kw)
    monkeypatch.delenv("MLSYSIM_MARKDOWN", raising=False)                   # JupyterLab, nbrun: the same plain form
    assert md_table(*args, **kw) == plain
    assert plain.startswith('<a id="tbl-c"></a>') and "**Costs** from the equation for drift" in plain
    assert not myst_leftovers(plain), myst_leftovers(plain)
    assert plain_roles("see {cite:t}`breck2020ml`") == "see (breck2020ml)"
