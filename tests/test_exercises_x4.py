"""Exercises and quizzes of the maturity, investment, case-study and summary sections.

For each notebook: the self-check accepts the key at the book's example inputs (recomputed here by
hand, independently of the Calculation classes) and rejects a clearly wrong value; every key is
valid for a handful of variants drawn exactly as ``assign`` draws them; the decision exercises can
come out more than one way; and the quiz gives the right feedback for a right and a wrong answer.
"""
import math
from contextlib import contextmanager

import pytest

from mlsysim.course.params import draw_variant
from notebook_ns import load_namespace as _load_namespace


def load_namespace(name):
    """The notebook's own globals — the ones its key functions read — not notebook_ns's copy, so that
    substituting a student's inputs reaches the keys."""
    return _load_namespace(name)["inputs"].namespace

SEED = 2026
STUDENTS = [f"student{i:02d}" for i in range(8)]


# -- independent hand calculations of the keys at the book's example inputs -------------------------
def majority_error(p, f):
    n = 2 * f + 1
    return sum(math.comb(n, k) * p ** k * (1 - p) ** (n - k) for k in range(f + 1, n + 1))


def roi_ratio(n, c, h, rate, invest):
    return (n * c + 12 * h * rate) / invest


def breakeven(c, h, rate, invest):
    return max(0.0, (invest - 12 * h * rate) / c)


def gap_closed_pct(base, new, lo, hi):
    return 100 * (new - base) / ((lo + hi) / 2 - base)


def t_star(acc_end, cost, a0=0.94, months=3, q=1_000_000, v=0.5):
    lam = math.log(a0 / acc_end) / (months * 30)            # the book's 30-day month (core.constants)
    return math.sqrt(2 * cost / (q * v * a0 * lam))


def by_hand(name, ns):
    """The book-input answer of every exercise, from the formulas in the statements."""
    if name == "maturity":
        pv = majority_error(ns["ex_p_wrong"], ns["ex_faults"])
        return {"ex1": pv, "ex2": "single model" if ns["ex_p_wrong"] <= ns["ex_error_budget"] else
                ("majority vote" if pv <= ns["ex_error_budget"] else "improve the models")}
    if name == "investment":
        args = (ns["ex_incident_cost"], ns["ex_hours_saved"], ns["ex_hourly_cost"], ns["ex_annual_investment"])
        r, be = roi_ratio(ns["ex_incidents_avoided"], *args), breakeven(*args)
        return {"ex1": r, "ex2": be, "ex3": "time savings alone" if be == 0 else
                ("needs the avoided incidents" if r >= 1 else "does not pay for itself")}
    if name == "case_studies":
        b, i, lo, hi = ns["ex_baseline"], ns["ex_improved"], ns["ex_expert_lo"], ns["ex_expert_hi"]
        strict, lenient = gap_closed_pct(b, i, hi, hi), gap_closed_pct(b, i, lo, lo)
        return {"ex1": gap_closed_pct(b, i, lo, hi),
                "ex2": "robust" if strict >= 75 - 1e-7 else ("ambiguous" if lenient >= 75 - 1e-7 else "unsupported")}
    if name == "summary":
        t = t_star(ns["ex_acc_end"], ns["ex_retrain_cost"])
        return {"ex1": ns["ex_accuracy_drop"] * ns["ex_days_slow"] * ns["ex_traffic"], "ex2": t,
                "ex3": "daily" if t < 7 else ("weekly" if t < 30 else "monthly")}
    raise KeyError(name)


EXERCISES = {"maturity": ["ex1", "ex2"], "investment": ["ex1", "ex2", "ex3"],
             "case_studies": ["ex1", "ex2"], "summary": ["ex1", "ex2", "ex3"]}
NOTEBOOKS = list(EXERCISES)


@contextmanager
def inputs_of(ns, values):
    """Substitute a variant's inputs into the notebook namespace (as assign does), then restore."""
    saved = {k: ns[k] for k in values}
    ns.update(values)
    try:
        yield
    finally:
        ns.update(saved)


def variants(name, ns, students=STUDENTS):
    specs = ns["inputs"].specs()
    return [draw_variant(specs, SEED, name, s, 0) for s in students]


# -- self-checks at the book's inputs ------------------------------------------------------------
@pytest.mark.parametrize("name", NOTEBOOKS)
def test_keys_match_hand_calculation_and_self_check(name, capsys):
    ns = load_namespace(name)
    expected = by_hand(name, ns)
    for ex_id in EXERCISES[name]:
        ex = ns[ex_id]
        key = ex.key()
        if ex.kind == "numeric":
            assert key == pytest.approx(expected[ex_id], rel=1e-9, abs=1e-12), ex_id
            assert ex.grade(expected[ex_id], key).correct
            ex.check(expected[ex_id])
            assert "✔ correct" in capsys.readouterr().out
            wrong = key * 1.5 if key else 1.0
            assert ex.grade(wrong, key).status == "incorrect"
            ex.check(wrong)
            assert "✘ not within" in capsys.readouterr().out
            ex.check(None)
            assert "not answered yet" in capsys.readouterr().out
        else:
            assert key == expected[ex_id], ex_id
            assert ex.grade(key, key).correct
            ex.check(key, "because the model says so")
            assert "✔ your decision agrees" in capsys.readouterr().out
            other = next(o for o in ex.options if o != key)
            assert ex.grade(other, key).status == "incorrect"
            ex.check(other, "a wrong decision")
            assert "✘ the model's numbers" in capsys.readouterr().out


def test_tolerances_are_as_stated():
    tol = {(n, e): (load_namespace(n)[e].tol, load_namespace(n)[e].abs_tol)
           for n in NOTEBOOKS for e in EXERCISES[n] if load_namespace(n)[e].kind == "numeric"}
    assert tol == {("maturity", "ex1"): (0.01, 0.0), ("investment", "ex1"): (0.01, 0.0),
                   ("investment", "ex2"): (0.01, 0.05), ("case_studies", "ex1"): (0.01, 0.0),
                   ("summary", "ex1"): (0.01, 0.0), ("summary", "ex2"): (0.02, 0.0)}


# -- drawn variants ------------------------------------------------------------------------------
@pytest.mark.parametrize("name", NOTEBOOKS)
def test_keys_valid_for_drawn_variants(name):
    ns = load_namespace(name)
    for values in variants(name, ns):
        for input_name, value in values.items():
            ns["inputs"].draws[input_name].validate(input_name, value)
        with inputs_of(ns, values):
            expected = by_hand(name, ns)
            for ex_id in EXERCISES[name]:
                ex = ns[ex_id]
                key = ex.key()
                if ex.kind == "numeric":
                    assert isinstance(key, float) and math.isfinite(key), (values, ex_id, key)
                    assert key == pytest.approx(expected[ex_id], rel=1e-9, abs=1e-12), (values, ex_id)
                    assert ex.grade(expected[ex_id], key).correct
                else:
                    assert key in ex.options and key == expected[ex_id], (values, ex_id, key)


@pytest.mark.parametrize("name, decision", [("maturity", "ex2"), ("investment", "ex3"),
                                            ("case_studies", "ex2"), ("summary", "ex3")])
def test_decisions_depend_on_the_inputs(name, decision):
    ns = load_namespace(name)
    seen = set()
    for values in variants(name, ns, [f"s{i}" for i in range(40)]):
        with inputs_of(ns, values):
            seen.add(ns[decision].key())
    assert seen == set(ns[decision].options), seen


# -- quizzes ------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", NOTEBOOKS)
def test_quiz_feedback(name):
    quiz = load_namespace(name)["quiz"]
    assert len(quiz.questions) == 3
    for i, q in enumerate(quiz.questions):
        right = quiz.answer(i, q.answer)
        assert "✔ Correct" in right and q.explain[:30] in right.replace("&#x27;", "'")
        wrong = quiz.answer(i, next(o for o in q.options if o != q.answer))
        assert "✘ Not quite" in wrong
    html = quiz.answers_html().data
    assert "<details" in html and "$" not in html


def test_quiz_answers_are_the_sections_numbers():
    mat, inv = load_namespace("maturity"), load_namespace("investment")
    cs, sm = load_namespace("case_studies"), load_namespace("summary")
    assert mat["quiz"].questions[1].answer == f"{mat['ensemble'].n_bft} and {mat['ensemble'].n_vote}"
    assert inv["quiz"].questions[0].answer == str(inv["roi"].net_pct_str)
    assert cs["quiz"].questions[0].answer == str(cs["oura"].closed_str)
    assert sm["quiz"].questions[1].answer == f"Day {sm['drift'].cross_days_str}"
