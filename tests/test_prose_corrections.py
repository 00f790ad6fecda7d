"""Guards for corrections made to the book's prose (issue 12): each test fails if its error comes back.

Shared file: proseA (purpose … deployment) and proseB (serving … summary) each add their own test
functions here; keep one function per corrected fact and do not edit the other author's functions.
"""
from __future__ import annotations

import math
import re
from pathlib import Path

import nbformat
import pytest

from notebook_ns import load_namespace

BOOK = Path(__file__).resolve().parent.parent / "book"


def _cells(name: str, kind: str | None = "markdown") -> list[str]:
    nb = nbformat.read(BOOK / f"{name}.ipynb", as_version=4)
    return [c.source for c in nb.cells if kind is None or c.cell_type == kind]


def _prose(name: str) -> str:
    return "\n\n".join(_cells(name))


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def _usd(s: str) -> float:
    return float(str(s).replace("$", "").replace(",", "").replace("−", "-"))


# ───────────────────────────── proseA ─────────────────────────────


def test_retraining_value_of_a_percentage_point_is_a_hundredth_of_V():
    """V is per whole unit of accuracy: the prose must never quote V itself as the worth of a point."""
    ns = load_namespace("retraining_economics")
    from mlsysim.models import retraining

    fraud = ns["fraud"]
    Q, V, A0, lam = fraud.query_volume, fraud.value_per_query, fraud.initial_accuracy, fraud.drift_rate
    # The model's own loss rate when accuracy is one percentage point below A0: Q·V·0.01 a day.
    t1 = -math.log(1 - 0.01 / A0) / lam
    h = 1e-4
    loss_rate = (retraining.staleness_cost(t1 + h, Q, V, A0, lam)
                 - retraining.staleness_cost(t1 - h, Q, V, A0, lam)) / (2 * h)
    text = _flat(_prose("retraining_economics"))
    quoted = re.findall(r"\bpoint\b[^.;]*?\bworth\b[^{.]*\{eval\}`([^`]+)`", text)
    assert quoted, "the worked example must say what one percentage point of accuracy is worth"
    for expr in quoted:
        value = _usd(eval(expr, ns))  # noqa: S307 – a dotted name from our own notebook
        assert value == pytest.approx(V / 100), f"{expr} is quoted as the worth of a point but is not V/100"
        assert Q * value == pytest.approx(loss_rate, rel=1e-4), "the quoted value disagrees with the cost model"


def test_retraining_trigger_evaluation_reference_points_to_pipelines():
    retraining_text = _flat(_prose("retraining_economics"))
    assert "data-infrastructure section evaluates" not in retraining_text
    assert re.search(r"\{ref\}`sec-trigger-evaluation`|\]\(pipelines\.ipynb#sec-trigger-evaluation\)",
                     retraining_text)                            # the role, or its link form (tools/xref_links.py)
    # the label sits on the heading of the evaluated configuration, in pipelines and nowhere else
    defined = [n.stem for n in BOOK.glob("*.ipynb") if "(sec-trigger-evaluation)=" in _prose(n.stem)]
    assert defined == ["pipelines"]
    pipelines = _prose("pipelines")
    assert re.search(r"\(sec-trigger-evaluation\)=\n#+ A triggered-retraining configuration, evaluated", pipelines)


def test_retraining_decay_analogy_is_called_a_model_not_exact():
    text = _flat(_prose("retraining_economics"))
    assert "exact rather than decorative" not in text
    assert "modelling choice, not a law of nature" in text


def test_retraining_accuracy_decays_toward_a_floor():
    ns = load_namespace("retraining_economics")
    from mlsysim.fmt import fmt
    from mlsysim.models import retraining

    fraud = ns["fraud"]
    computed = retraining.accuracy(fraud.half_life, fraud.initial_accuracy, fraud.drift_rate)
    assert str(ns["fraud_half_acc_str"]) == fmt(computed, 3) == "0.475"
    text = _flat(_prose("retraining_economics"))
    assert "decays toward a **floor**" in text
    assert "{eval}`fraud_half_acc_str`" in text and "0.475" not in text   # computed, never typed
    code = "\n".join(_cells("retraining_economics", "code"))
    assert "claim(abs(fraud_half_acc - 0.475)" in code


def test_purpose_degradation_objective_cites_eq_degradation():
    box = re.search(r":::\{admonition\} Learning objectives\n(.*?)\n:::", _prose("purpose"), re.S).group(1)
    (objective,) = [b for b in re.split(r"\n- ", box) if "Degradation Equation" in b]
    assert re.search(r"\{eq\}`eq-degradation`|\]\([\w-]+\.ipynb#eq-degradation\)", objective) \
        and "eq-accuracy-decay" not in objective
    assert any("(eq-degradation)" in _prose(n.stem) for n in BOOK.glob("*.ipynb")), "eq-degradation must exist"


PROSE_A = ["purpose", "overview", "principles", "technical_debt", "data_infrastructure", "pipelines",
           "retraining_economics", "model_validation", "deployment"]
# The book never points at a text readers cannot see: tests/test_prose_corrections_b.py checks every book file.
