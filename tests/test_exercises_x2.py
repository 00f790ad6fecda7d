"""Exercises and quizzes of the pipelines, model-validation, deployment, serving and infrastructure
sections: self-checks at the book's inputs, keys valid for drawn variants, quiz feedback.

Each notebook runs once in-process (``notebook_ns.load_namespace``); the variant draws go through
``mlsysim.course.exercises.assign_variants``, the kernel side of ``python -m mlsysim.course assign``.
"""
import contextlib
import json
import math

import pytest

from mlsysim.course import exercises as E
from notebook_ns import load_namespace as _load_namespace


def load_namespace(name):
    """The notebook's own globals — the ones its key functions read — not notebook_ns's copy, so that
    substituting a student's inputs reaches the keys."""
    return _load_namespace(name)["inputs"].namespace

# notebook -> ({exercise id: kind}, inputs that must differ between drawn variants)
SECTIONS = {
    "pipelines": ({"ex1": "numeric", "ex2": "choice"}, ["ex_annual_revenue", "ex_automation_cost"]),
    "model_validation": ({"ex1": "numeric", "ex2": "choice"}, ["ex_end_offline", "ex_psi_alert"]),
    "deployment": ({"ex1": "numeric", "ex2": "choice", "ex3": "numeric", "ex4": "choice"},
                   ["ex_baseline_rate", "ex_daily_users", "ex_canary_share", "ex_risk_budget"]),
    "serving": ({"ex1": "numeric", "ex2": "choice"}, ["ex_slo_p99", "ex_model_speedup"]),
    "infrastructure": ({"ex1": "numeric", "ex2": "numeric", "ex3": "choice"},
                       ["ex_context_tokens", "ex_utilization"]),
}
NAMES = list(SECTIONS)


def _check_output(capsys, ex, *args):
    ex.check(*args)
    return capsys.readouterr().out


@contextlib.contextmanager
def _registered(ns, exercise_ids):
    """Make the registry hold this notebook's variant and exercises, as in a kernel that ran it."""
    reg = E.registry()
    saved = (reg["variant"], dict(reg["exercises"]))
    reg["variant"] = ns["inputs"]
    reg["exercises"] = {i: ns[i] for i in exercise_ids}
    try:
        yield
    finally:
        reg["variant"], reg["exercises"] = saved


def _draw(name, students, seed=2026):
    exercises, _ = SECTIONS[name]
    ns = load_namespace(name)
    before = ns["inputs"].values()
    with _registered(ns, exercises):
        out = json.loads(E.assign_variants(json.dumps(
            {"students": students, "seed": seed, "notebook": name, "max_attempts": 50})))
    assert ns["inputs"].values() == before, "drawing variants must restore the book's inputs"
    assert "error" not in out, out.get("error")
    return out["students"]


def _keys(ns, exercises, params):
    saved = {k: ns[k] for k in params}
    ns.update(params)
    try:
        return {i: ns[i].key() for i in exercises}
    finally:
        ns.update(saved)


@pytest.mark.parametrize("name", NAMES)
def test_exercises_declared_with_answer_cells(name):
    exercises, _ = SECTIONS[name]
    ns = load_namespace(name)
    for i, kind in exercises.items():
        ex = ns[i]
        assert ex.kind == kind and ex.id == i and ex.points > 0
        assert ns[f"answer_{i}"] is None                      # nbval runs with unanswered exercises
        if kind == "choice":
            assert ns[f"explain_{i}"] == ""
    for var in ns["inputs"].draws:
        assert var.startswith("ex_")


@pytest.mark.parametrize("name", NAMES)
def test_self_check_at_the_books_inputs(name, capsys):
    exercises, _ = SECTIONS[name]
    ns = load_namespace(name)
    assert "not answered yet" in _check_output(capsys, ns["ex1"], None)
    for i, kind in exercises.items():
        ex = ns[i]
        key = ex.key()
        if kind == "numeric":
            assert isinstance(key, (int, float)) and math.isfinite(key) and key > 0
            assert "✔ correct" in _check_output(capsys, ex, key)
            assert "✔ correct" in _check_output(capsys, ex, float(f"{key:.4g}"))   # a careful rounding
            out = _check_output(capsys, ex, key * 3 + 5)
            assert "✘ not within" in out and f"{key:.3g}" not in out          # never reveals the key
        else:
            wrong = next(o for o in ex.options if o != key)
            assert "✔" in _check_output(capsys, ex, key, "because")
            assert "✘" in _check_output(capsys, ex, wrong, "because")
            assert "not one of the options" in _check_output(capsys, ex, "maybe", "")


@pytest.mark.parametrize("name", NAMES)
def test_keys_valid_for_drawn_variants(name):
    exercises, varied = SECTIONS[name]
    ns = load_namespace(name)
    students = [f"student-{k}" for k in range(6)]
    drawn = _draw(name, students)
    assert set(drawn) == set(students)
    for sid in students:
        params = drawn[sid]["params"]
        for var, d in ns["inputs"].draws.items():
            assert d.lo <= params[var] <= d.hi
        for i, key in _keys(ns, exercises, params).items():
            if exercises[i] == "numeric":
                assert isinstance(key, (int, float)) and not isinstance(key, bool)
                assert math.isfinite(key) and key >= 0, (sid, i, key)
            else:
                assert key in ns[i].options, (sid, i, key)
    # students really get different inputs
    for var in varied:
        assert len({drawn[s]["params"][var] for s in students}) > 1


@pytest.mark.parametrize("name", NAMES)
def test_both_decisions_occur(name):
    exercises, _ = SECTIONS[name]
    ns = load_namespace(name)
    drawn = _draw(name, [f"s{k}" for k in range(30)], seed=7)
    for choice in (i for i, k in exercises.items() if k == "choice"):   # every option of every decision
        decisions = {_keys(ns, [choice], v["params"])[choice] for v in drawn.values()}
        assert decisions == set(ns[choice].options), (choice, decisions)


def test_deployment_canary_keys_match_the_model():
    """Exercises 3 and 4 of deployment check the canary duration and the rollback plan of
    mlsysim.models.rollout, recomputed here from the inputs without the notebook's class."""
    from mlsysim.models import rollout
    ns = load_namespace("deployment")
    saved = {k: ns[k] for k in ns["inputs"].draws}
    cases = [(0.90, 0.02, 0.05, 20_000.0, 100.0), (0.95, 0.01, 0.02, 500_000.0, 60.0),
             (0.88, 0.05, 0.1, 10_000.0, 2_000.0), (0.97, 0.012, 0.08, 900_000.0, 1_500.0)]
    plans = set()
    try:
        for p, d, s, r, b in cases:
            ns.update(ex_canary_accuracy=p, ex_canary_drop=d, ex_canary_share=s, ex_requests_per_hour=r,
                      ex_risk_budget=b)
            n = math.ceil(rollout.canary_predictions(p, d))
            hours = n / (r * s)
            assert ns["ex3"].key() == pytest.approx(hours, rel=1e-12)
            exposure = {t: d * s * r * (hours + lim) for t, lim in (("delayed", 4), ("rapid", 0.25),
                                                                   ("immediate", 1 / 60))}
            fits = [t for t in ("delayed", "rapid", "immediate") if exposure[t] <= b]
            expected = f"{fits[0]} rollback" if fits else "shadow first"
            assert ns["ex4"].key() == expected, (p, d, s, r, b, exposure)
            plans.add(expected)
    finally:
        ns.update(saved)
    assert len(plans) >= 3          # the cases exercise different branches of the plan


@pytest.mark.parametrize("name", NAMES)
def test_quiz_feedback(name):
    quiz = load_namespace(name)["quiz"]
    assert len(quiz.questions) == 3
    for i, q in enumerate(quiz.questions):
        wrong = next(o for o in q.options if o != q.answer)
        assert "✔ Correct" in quiz.answer(i, q.answer)
        feedback = quiz.answer(i, wrong)
        assert "✘ Not quite" in feedback and q.answer.split(":")[0] in feedback
    html = quiz.answers_html().data
    assert html.count("<li>") == 3 and "<details" in html
