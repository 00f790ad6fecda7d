"""Exercises and quizzes of purpose, overview, principles, technical_debt and data_infrastructure.

For each section: at the book's inputs every key equals the answer worked out independently here
(math, numpy and scipy from first principles, anchored by hand-worked values), so a wrong key fails;
the self-checks accept that answer and refuse a clearly wrong one; the keys are valid (finite numbers, or one of the options) for personalised variants drawn
exactly as ``assign`` draws them, and the decision exercises produce both options over a roster;
the quiz gives the right feedback for a right and a wrong answer.
"""
import html
import math

import numpy as np
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


def _lognormal(rng, n, mean, sigma):
    """n lognormal draws with the given mean (not median): μ = ln(mean) − σ²/2."""
    return rng.lognormal(math.log(mean) - sigma**2 / 2, sigma, size=int(n))


def independent_keys(name, ns):
    """The answers at the book's inputs (the notebook's ``ex_*`` values and its classes' declared
    defaults), worked out here from first principles with math, numpy and scipy — not with the
    notebook's classes or ``mlsysim.models`` — so that a wrong key fails."""
    x = {k: v for k, v in ns.items() if k.startswith("ex_")}
    if name == "purpose":
        a_review = x["ex_initial_accuracy"] * math.exp(-x["ex_drift_rate"] * x["ex_review_weeks"])
        return {"ex1": (1 - a_review) / (1 - x["ex_initial_accuracy"]),
                "ex2": "monitor continuously" if a_review < x["ex_accuracy_floor"] else "scheduled review suffices"}
    if name == "overview":
        launch = ns["SilentDegradation"].params()["launch_week"].default
        lam = math.log(x["ex_accuracy_launch"] / x["ex_accuracy_check"]) / (x["ex_check_week"] - launch)
        a_found = x["ex_accuracy_launch"] * math.exp(-lam * (x["ex_discovery_week"] - launch))
        growth = (1 - a_found) / (1 - x["ex_accuracy_launch"])
        return {"ex1": math.log(2) / lam, "ex2": growth,
                "ex3": "monitoring needed" if growth > x["ex_error_tolerance"] else "business review sufficed"}
    if name == "principles":
        annual = x["ex_queries_per_day"] * x["ex_skew_error_rate"] * x["ex_cost_per_error"] * 365
        return {"ex1": annual, "ex2": "build the feature store" if annual > x["ex_fix_cost"] else "accept the skew"}
    if name == "technical_debt":
        # 3·(t + g·t²/(2·52)) = B + u·t  →  (h0·g/104)·t² + (h0 − u)·t − B = 0, positive root
        h0, B, g, u = x["ex_manual_hours"], x["ex_pipeline_hours"], x["ex_feature_growth"], x["ex_pipeline_upkeep"]
        a, b, c = h0 * g / (2 * 52), h0 - u, -B
        t = (-b + math.sqrt(b * b - 4 * a * c)) / (2 * a)
        return {"ex1": t, "ex2": "automate now" if t <= x["ex_horizon"] else "keep it manual"}
    if name == "data_infrastructure":
        from scipy.stats import ks_2samp
        p = {k: v.default for k, v in ns["SessionSkewCase"].params().items()}
        share = (x["ex_train_mean"] - x["ex_serving_mean"]) / (x["ex_train_mean"] - x["ex_mobile_mean"])
        rng = np.random.default_rng(p["seed"])
        train = _lognormal(rng, p["n_train"], x["ex_train_mean"], p["spread"])
        n_mobile = int(rng.binomial(int(p["n_serve"]), share))
        serve = np.concatenate([_lognormal(rng, p["n_serve"] - n_mobile, x["ex_train_mean"], p["spread"]),
                                _lognormal(rng, n_mobile, x["ex_mobile_mean"], p["spread"])])
        d = ks_2samp(train, serve).statistic
        return {"ex1": share, "ex2": d, "ex3": "blocked" if d > x["ex_ks_threshold"] else "allowed"}
    raise AssertionError(f"no independent computation for {name}")


# Hand-worked values at the book's inputs, so that the independent computation itself is anchored.
HAND = {
    "purpose": {"ex1": 2.3004},                  # A(10) = 0.92·e^(−0.12) = 0.815963; 0.184037 / 0.08
    "overview": {"ex1": 48.8595, "ex2": 4.1743},  # λ = ln(0.96/0.92)/3 = 0.0141865; ln 2/λ; A(11)
    "principles": {"ex1": 912_500.0},            # 2.5e6 · 0.004 · 0.25 · 365
    "technical_debt": {"ex1": 36.695},           # 0.0432692·t² + 2.5·t − 150 = 0
    "data_infrastructure": {"ex1": 9 / 38},      # (44 − 35) / (44 − 6)
}


def test_keys_match_an_independent_computation(section):
    """At the book's inputs every key equals the answer worked out independently of the notebook."""
    name, ns = section
    expected = independent_keys(name, ns)
    exs = exercises(ns)
    assert set(expected) == set(exs), name
    for ex_id, ex in exs.items():
        if ex.kind == "numeric":
            assert ex.key() == pytest.approx(expected[ex_id], rel=1e-9), (name, ex_id)
        else:
            assert ex.key() == expected[ex_id], (name, ex_id)
    for ex_id, value in HAND[name].items():
        assert expected[ex_id] == pytest.approx(value, rel=2e-5), (name, ex_id)


def test_self_check_at_book_inputs(section, capsys):
    name, ns = section
    expected = independent_keys(name, ns)
    for ex in exercises(ns).values():
        key = ex.key()
        if ex.kind == "numeric":
            assert isinstance(key, float) and math.isfinite(key) and key > 0, (name, ex.id)
            assert key == pytest.approx(expected[ex.id], rel=1e-9), (name, ex.id)
            assert ex.grade(key, key).correct
            assert ex.grade(key * (1 + ex.tol / 2), key).correct          # inside the tolerance
            assert not ex.grade(key * 1.5, key).correct                    # clearly wrong
            ex.check(key)
            assert "✔ correct" in capsys.readouterr().out
            ex.check(key * 1.5)
            out = capsys.readouterr().out
            assert "✘ not within" in out and repr(key) not in out
        else:
            assert key in ex.options and key == expected[ex.id], (name, ex.id, key)
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
