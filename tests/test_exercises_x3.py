"""Coursework of the monitoring, monitoring_infrastructure, drift_lab, incidents and governance sections
(group x3).

Each section notebook runs once, in-process (``notebook_ns.load_namespace``). The tests check that
the answer keys agree with the statements (recomputed by hand from the formulas the statements
cite), that the self-checks accept the key and reject a wrong answer, that the keys stay valid for
personal variants drawn exactly as ``assign`` draws them (``mlsysim.course.params.draw_variant``),
that every decision exercise has more than one outcome across a class, and that each quiz gives the
right feedback.
"""
import math
from html import escape as html_escape

import numpy as np
import pytest
from scipy.stats import norm

from mlsysim.course.params import draw_variant
from notebook_ns import load_namespace as _load_namespace


def load_namespace(name):
    """The notebook's own globals — the ones its key functions read — not notebook_ns's copy, so that
    substituting a student's inputs reaches the keys."""
    return _load_namespace(name)["inputs"].namespace

SECTIONS = ("monitoring", "monitoring_infrastructure", "drift_lab", "incidents", "governance")
STUDENTS = [f"student{i:02d}" for i in range(25)]
SEED = 2026

# Section → (numeric exercise ids, choice exercise ids, right answer of each quiz question)
EXERCISES = {
    "monitoring": (["ex1"], ["ex2"],
                   ["It roughly quadruples", "Concept drift, revealed only as labels arrive", "True"]),
    "monitoring_infrastructure": (["ex1"], ["ex2"],
                                  [0, "Dashboard queries", "False"]),
    "drift_lab": (["ex1", "ex3"], ["ex2"], [0, "KS", "True"]),
    "incidents": (["ex1", "ex2"], ["ex3"],
                  ["P1", "The data: pipelines, schemas, missing values, distribution shift",
                   "Lower: flag more transactions"]),
    "governance": (["ex1"], ["ex2"],
                   ["Drift can degrade the model more for some subgroups than for others",
                    "Data scientist to ML engineer", 2]),
}


@pytest.fixture(scope="module", params=SECTIONS)
def section(request):
    return request.param, load_namespace(request.param)


def _check_output(capsys, exercise, *answer):
    exercise.check(*answer)
    return capsys.readouterr().out


# -- the keys are what the statements ask for (independent hand calculations at the example inputs) --
def test_monitoring_keys_match_the_formulas():
    ns = load_namespace("monitoring")
    p0, d = ns["ex_baseline_accuracy"], ns["ex_drop"]
    p1 = p0 - d
    n = ((norm.ppf(0.95) * math.sqrt(p0 * (1 - p0)) + norm.ppf(0.80) * math.sqrt(p1 * (1 - p1))) / d) ** 2
    assert ns["ex1"].key() == math.ceil(n)
    assert ns["ex2"].key() in ("scheduled", "trigger-based")


def _monitoring_bill(m, dt, r):
    month = 30 * 24 * 3600
    ingest = 3 * m * month / dt / 1e6 * 0.30                     # 3 variants, USD 0.30 per million points
    storage = 3 * m * month / dt * 8 / 1e9 * 1.00                # 8 bytes a point, USD 1 per GB-month
    queries = 2 * 3 * (60 / r) * 8 * 22 * 0.02                   # 2 dashboards × 3 users, 8 h × 22 days
    return ingest, storage, queries


def test_monitoring_infrastructure_keys_match_the_formulas():
    ns = load_namespace("monitoring_infrastructure")
    saved = {k: ns[k] for k in ("ex_metrics_per_variant", "ex_sample_interval", "ex_refresh_minutes")}
    largest = set()
    try:
        for m, dt, r in [tuple(saved.values()), (120, 30.0, 10.0), (1_500, 2.0, 20.0), (60, 45.0, 1.5)]:
            ns.update(ex_metrics_per_variant=m, ex_sample_interval=dt, ex_refresh_minutes=r)
            ingest, storage, queries = _monitoring_bill(m, dt, r)
            assert ns["ex1"].key() == pytest.approx(ingest + storage + queries, rel=1e-9)
            assert ns["ex2"].key() == ("ingestion" if ingest > queries else "query compute")
            largest.add(ns["ex2"].key())
    finally:
        ns.update(saved)
    assert largest == {"ingestion", "query compute"}


def test_drift_lab_keys_match_the_formulas():
    ns = load_namespace("drift_lab")
    f = ns["ex_daily_decline"]
    assert ns["ex1"].key() == pytest.approx(1 - (1 - f) ** 365, rel=1e-9)
    fires = 1 - (1 - f) ** 30 > ns["ex_monthly_alert"]
    assert ns["ex2"].key() == ("fires" if fires else "stays silent")
    floor = (ns["ex_bins"] - 1) * (1 / 10_000 + 1 / ns["ex_n_serving"])
    assert ns["ex3"].key() == pytest.approx(floor, rel=1e-9)


def test_incidents_keys_match_the_formulas():
    ns = load_namespace("incidents")
    w, a = ns["ex_tablet_share"], ns["ex_tablet_accuracy"]
    others = sum(s / 0.95 * (1 - w) * (1 - acc) for s, acc in zip((0.45, 0.30, 0.20), (0.94, 0.92, 0.88)))
    assert ns["ex1"].key() == pytest.approx(w * (1 - a) / (w * (1 - a) + others), rel=1e-9)
    t = np.linspace(0, 1, 100_001)
    cost = (ns["ex_fp_cost"] / (1 + np.exp(8 * (t - 0.3))) + ns["ex_fn_cost"] / (1 + np.exp(-8 * (t - 0.7))))
    assert ns["ex2"].key() == pytest.approx(t[np.argmin(cost)], abs=1e-4)
    assert ns["ex3"].key() == "P2"          # 7% drop users feel, PSI 0.2: the "smaller drop" rule


def test_governance_keys_match_the_formulas():
    ns = load_namespace("governance")
    b, a = ns["ex_acc_before"], ns["ex_acc_after"]
    assert ns["ex1"].key() == pytest.approx(1 - (1 - a) / (1 - b), rel=1e-9)
    c = ns["ex_cycle_after"]
    expected = "overstated" if 14 / c < 4 else "understated" if 10 / c > 4 else "defensible"
    assert ns["ex2"].key() == expected


# -- self-checks at the book's example inputs ---------------------------------------------------------
def test_self_check_accepts_the_key_and_rejects_a_wrong_value(section, capsys):
    name, ns = section
    numeric, choice, _ = EXERCISES[name]
    for ex_id in numeric:
        ex = ns[ex_id]
        key = float(ex.key())
        assert math.isfinite(key) and key > 0
        assert ex.grade(key, key).correct
        assert "✔ correct" in _check_output(capsys, ex, key)
        out = _check_output(capsys, ex, key * 1.5 + 0.1)
        assert "✘ not within" in out and "✔" not in out
        assert not ex.grade(key * 1.5 + 0.1, key).correct
        assert "not answered yet" in _check_output(capsys, ex, None)
    for ex_id in choice:
        ex = ns[ex_id]
        key = ex.key()
        wrong = next(o for o in ex.options if o != key)
        assert key in ex.options
        assert "✔ your decision agrees" in _check_output(capsys, ex, key, "Because the numbers say so.")
        assert "✘" in _check_output(capsys, ex, wrong, "Because.")
        assert ex.grade(key.upper(), key).correct and not ex.grade(wrong, key).correct


def test_self_check_never_prints_the_key(section, capsys):
    name, ns = section
    for ex_id in EXERCISES[name][0]:
        ex = ns[ex_id]
        key = float(ex.key())
        out = _check_output(capsys, ex, key * 1.5 + 0.1) + _check_output(capsys, ex, key)
        for shown in {f"{key:.3g}", f"{key:.4g}", f"{key:,.2f}"}:
            assert shown not in out


# -- personal variants, drawn exactly as `assign` draws them ------------------------------------------
def test_variant_keys_are_valid_and_decisions_vary(section):
    name, ns = section
    numeric, choice, _ = EXERCISES[name]
    inputs = ns["inputs"]
    specs = inputs.specs()
    saved = inputs.values()
    outcomes = {ex_id: set() for ex_id in choice}
    try:
        for student in STUDENTS:
            values = draw_variant(specs, SEED, name, student)      # attempt 0: no redraw needed
            for var, value in values.items():
                inputs.draws[var].validate(var, value)
            ns.update(values)
            for ex_id in numeric:
                key = ns[ex_id].key()
                assert math.isfinite(float(key)) and float(key) > 0, (student, ex_id, values)
                assert ns[ex_id].grade(float(key), key).correct
            for ex_id in choice:
                key = ns[ex_id].key()
                assert key in ns[ex_id].options, (student, ex_id, values)
                outcomes[ex_id].add(key)
    finally:
        ns.update(saved)
    for ex_id, seen in outcomes.items():
        assert len(seen) >= 2, f"{name}.{ex_id}: every student gets the same decision {seen}"
    assert draw_variant(specs, SEED, name, STUDENTS[0]) == draw_variant(specs, SEED, name, STUDENTS[0])


def test_cheapest_threshold_stays_inside_for_every_variant():
    ns = load_namespace("incidents")
    inputs = ns["inputs"]
    saved = inputs.values()
    try:
        for student in STUDENTS:
            ns.update(draw_variant(inputs.specs(), SEED, "incidents", student))
            assert 0.05 < ns["ex2"].key() < 0.95
    finally:
        ns.update(saved)


# -- quizzes ------------------------------------------------------------------------------------------
def test_quiz_feedback(section):
    name, ns = section
    quiz = ns["quiz"]
    right_answers = EXERCISES[name][2]
    assert len(quiz.questions) == 3
    for i, (question, right) in enumerate(zip(quiz.questions, right_answers)):
        right = question.options[right] if isinstance(right, int) else right
        assert question.answer == right
        assert quiz.answer(i, right).startswith("<span class='mlsysim-quiz-right'")
        assert html_escape(question.explain) in quiz.feedback[i].value
        wrong = next(o for o in question.options if o != right)
        feedback = quiz.answer(i, wrong)
        assert "✘ Not quite" in feedback and "✔" not in feedback
    html = quiz.answers_html().data
    assert html.startswith("<details") and html.count("<li>") == 3
