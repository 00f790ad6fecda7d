"""tools/overlap.py: the paraphrase meter must find a planted copy and must not flag original prose."""
import json
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
TOOL = ROOT / "tools" / "overlap.py"

REFERENCE = """---
title: x
---
# Operations {#sec-ops}

Monitoring systems must track prediction quality alongside system health, because a model can degrade
silently while every dashboard stays green [@sculley2015hidden]. Retraining costs `{python} C_str` per run.

```{python}
print("code is never compared")
```

Feature stores give training and serving a single definition of every feature, which removes an entire
class of skew bugs from production machine learning systems at the cost of new infrastructure.
"""

ORIGINAL = "Latency budgets are split across the stages of a request, and each stage owns its share."
# near-identical: one word changed, markup differs ({cite:p} instead of [@…], **bold**)
NEAR_COPY = ("Monitoring systems must track **prediction quality** alongside system health, because a model can "
             "decay silently while every dashboard stays green {cite:p}`sculley2015hidden`.")
# not near-identical as a sentence, but shares a 12-word run with the reference
RUN_COPY = ("In our experience, feature stores give training and serving a single definition of every feature, "
            "so we adopted one early and never regretted the decision or its cost.")


def _notebook(path, *markdown):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell(m) for m in markdown]
    nb.cells.append(nbformat.v4.new_code_cell(
        "x = 'Feature stores give training and serving a single definition of every feature, which removes'"))
    nbformat.write(nb, path)
    return path


def _run(*args):
    return subprocess.run([sys.executable, str(TOOL), *map(str, args)], capture_output=True, text=True, cwd=ROOT)


@pytest.fixture()
def ref(tmp_path):
    p = tmp_path / "ref.qmd"
    p.write_text(REFERENCE)
    return p


def test_planted_copy_and_run_are_found(tmp_path, ref):
    nb = _notebook(tmp_path / "copied.ipynb", "# Title\n\n" + ORIGINAL + " " + NEAR_COPY, RUN_COPY)
    res = _run(ref, nb, "--json")
    assert res.returncode == 0, res.stderr
    (fig,) = json.loads(res.stdout)
    assert fig["sentences"] == 3
    assert fig["near"] == 1                       # only NEAR_COPY, not ORIGINAL, not RUN_COPY
    assert fig["runs"] == 2                       # NEAR_COPY's long tail and RUN_COPY's 12 words
    assert fig["longest_run"] == 13               # 13 words before "decay"; RUN_COPY shares exactly 12


def test_original_prose_and_code_are_not_flagged(tmp_path, ref):
    # the code cell repeats a reference sentence: code is not prose and must not count
    nb = _notebook(tmp_path / "own.ipynb", ORIGINAL, "Retraining costs {eval}`C_str` per run, we found.")
    res = _run(ref, nb, "--json")
    (fig,) = json.loads(res.stdout)
    assert (fig["near"], fig["runs"], fig["longest_run"]) == (0, 0, 0)
    assert fig["sentences"] == 2


def test_eval_and_python_inline_values_match_each_other(tmp_path, ref):
    md = tmp_path / "page.md"
    md.write_text("Retraining costs {eval}`fraud.C_str` per run.\n")
    res = _run(ref, md, "--json", "--min-words", "3")
    assert json.loads(res.stdout)[0]["near"] == 1


def test_limits_fail_and_bad_input_is_named(tmp_path, ref):
    nb = _notebook(tmp_path / "copied.ipynb", NEAR_COPY)
    over = _run(ref, nb, "--max-near-pct", "50")
    assert over.returncode == 1 and "copied.ipynb" in over.stderr
    missing = _run(tmp_path / "nope.qmd", nb)
    assert missing.returncode == 2 and "nope.qmd" in missing.stderr and "Traceback" not in missing.stderr
    bad = _run(ref, nb, "--ratio", "80")
    assert bad.returncode == 2 and "--ratio" in bad.stderr
