"""Exercises and quizzes of purpose, overview, principles, technical_debt and data_infrastructure.

For each section: the self-checks accept the key at the book's inputs and refuse a clearly wrong
answer; the keys are valid (finite numbers, or one of the options) for personalised variants drawn
exactly as ``assign`` draws them, and the decision exercises produce both options over a roster;
the quiz gives the right feedback for a right and a wrong answer.
"""
import html
import math

import pytest

from mlsysim.course.params import draw_variant
from notebook_ns import load_namespace as _load_namespace


def load_namespace(name):
    """The notebook's own globals — the ones its key functions read — not notebook_ns's copy, so that
    substituting a student's inputs reaches the keys."""
    return _load_namespace(name)["inputs"].namespace

NOTEBOOKS = ["purpose", "overview", "principles", "technical_debt", "data_infrastructure"]
SEED = 2026
ROSTER = [f"student{i:02d}" for i in range(30)]


def exercises(ns):
    """The notebook's exercise objects, by id (ex1, ex2, …)."""
    return {v.id: v for k, v in ns.items()
            if k.startswith("ex") and hasattr(v, "answer_var") and hasattr(v, "key")}


@pytest.fixture(scope="module", params=NOTEBOOKS)
def section(request):
    return request.param, load_namespace(request.param)


def test_declares_two_kinds_of_exercise(section):
    name, ns = section
    exs = exercises(ns)
    kinds = {e.kind for e in exs.values()}
    assert len(exs) >= 2 and kinds == {"numeric", "choice"}, name
    assert set(ns["inputs"].draws) <= {k for k in ns if k.startswith("ex_")}


def test_self_check_at_book_inputs(section, capsys):
    name, ns = section
    for ex in exercises(ns).values():
        key = ex.key()
        if ex.kind == "numeric":
            assert isinstance(key, float) and math.isfinite(key) and key > 0, (name, ex.id)
            assert ex.grade(key, key).correct
            assert ex.grade(key * (1 + ex.tol / 2), key).correct          # inside the tolerance
            assert not ex.grade(key * 1.5, key).correct                    # clearly wrong
            ex.check(key)
            assert "✔ correct" in capsys.readouterr().out
            ex.check(key * 1.5)
            out = capsys.readouterr().out
            assert "✘ not within" in out and repr(key) not in out
        else:
            assert key in ex.options, (name, ex.id, key)
            wrong = next(o for o in ex.options if o != key)
            assert ex.grade(key, key).correct and not ex.grade(wrong, key).correct
            ex.check(key, "Because the numbers say so.")
            assert "✔" in capsys.readouterr().out
            ex.check(wrong, "Because.")
            assert "✘" in capsys.readouterr().out
        ex.check(None)
        assert "not answered yet" in capsys.readouterr().out


def test_keys_valid_across_variants(section):
    """Every student's variant (first draw, as assign makes it) gives valid keys; both decisions occur."""
    name, ns = section
    variant = ns["inputs"]
    specs = variant.specs()
    saved = variant.values()
    exs = exercises(ns)
    decisions = {e.id: set() for e in exs.values() if e.kind == "choice"}
    try:
        for student in ROSTER:
            values = draw_variant(specs, SEED, name, student, attempt=0)
            for var, value in values.items():
                variant.draws[var].validate(var, value)
            ns.update(values)
            for ex in exs.values():
                key = ex.key()
                if ex.kind == "numeric":
                    assert math.isfinite(key) and key > 0, (name, student, ex.id, values)
                else:
                    assert key in ex.options, (name, student, ex.id, values)
                    decisions[ex.id].add(key)
    finally:
        ns.update(saved)
    for ex_id, seen in decisions.items():
        assert seen == set(exs[ex_id].options), f"{name} {ex_id}: only {seen} over {len(ROSTER)} students"


def test_draws_are_reproducible(section):
    name, ns = section
    specs = ns["inputs"].specs()
    assert draw_variant(specs, SEED, name, "alice") == draw_variant(specs, SEED, name, "alice")


def test_quiz_feedback(section):
    name, ns = section
    quiz = ns["quiz"]
    assert len(quiz.questions) == 3, name
    for i, q in enumerate(quiz.questions):
        assert "✔ Correct" in quiz.answer(i, q.answer)
        wrong = next(o for o in q.options if o != q.answer)
        feedback = quiz.answer(i, wrong)
        assert "✘ Not quite" in feedback and html.escape(q.answer) in feedback
    box = quiz.answers_html().data
    assert "<details" in box and all(html.escape(q.answer) in box for q in quiz.questions)
