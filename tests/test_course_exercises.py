"""Coursework, no kernel needed: the tolerance rule, self-check messages, the registry the tools read,
reading answers back, and the quiz widget."""
import json
import math

import numpy as np
import pytest

from mlsysim.course import exercises as E
from mlsysim.course.exercises import (
    ChoiceExercise,
    NumericExercise,
    compare_choice,
    compare_numeric,
)
from mlsysim.course.quiz import Question, Quiz, TrueFalse
from mlsysim.course.runner import Opaque, decode_repr


# -- the one tolerance rule ------------------------------------------------------------------------
@pytest.mark.parametrize("answer, status", [
    (102.0, "correct"), (98.0, "correct"), (100, "correct"), (np.float64(101.5), "correct"),
    (np.int64(100), "correct"), (102.01, "incorrect"), (97.9, "incorrect"), (-100.0, "incorrect"),
    (None, "missing"), ("100", "non-numeric"), (True, "non-numeric"), (math.nan, "non-numeric"),
    (math.inf, "non-numeric"), ([100], "non-numeric"), (Opaque("<object>"), "non-numeric"),
])
def test_relative_tolerance(answer, status):
    assert compare_numeric(answer, 100.0, tol=0.02).status == status


def test_absolute_tolerance_for_keys_near_zero():
    assert compare_numeric(0.004, 0.0, tol=0.01, abs_tol=0.005).correct
    assert not compare_numeric(0.006, 0.0, tol=0.01, abs_tol=0.005).correct
    assert not compare_numeric(1e-9, 0.0, tol=0.01).correct          # relative alone: only exact zero
    assert compare_numeric(0.0, 0.0, tol=0.01).correct


def test_text_answers_are_explained_not_converted():
    v = compare_numeric("3.2", 3.2, tol=0.01)
    assert v.status == "non-numeric" and "without quotes" in v.detail


@pytest.mark.parametrize("answer, status", [
    ("exact optimum", "correct"), ("  Exact   Optimum ", "correct"), ("exact-optimum", "correct"),
    ("square-root law", "incorrect"), ("sqrt", "invalid"), (1, "invalid"), (None, "missing"),
])
def test_choice_comparison(answer, status):
    assert compare_choice(answer, "exact optimum", ["square-root law", "exact optimum"]).status == status


# -- a notebook namespace, as a kernel would have it ---------------------------------------------------
NOTEBOOK = '''
import math
from mlsysim.calc import Calculation, Param
from mlsysim.course import Draw, variant, NumericExercise, ChoiceExercise

class Toy(Calculation):
    rate = Param(0.1, lo=0.01, hi=1.0, log=True, label="Rate")
    def execute(self):
        self.days = 1 / self.rate
        self.blowup = 1 / (0.5 - self.rate) if self.rate < 0.5 else math.inf

ex_rate = 0.1
inputs = variant(ex_rate=Draw(Toy.rate, lo=0.02, hi=0.9, sig=2))
ex1 = NumericExercise("ex1", key=lambda: Toy(rate=ex_rate).days, tol=0.02, unit="days", points=2)
ex2 = NumericExercise("ex2", key=lambda: Toy(rate=ex_rate).blowup, tol=0.02)
ex3 = ChoiceExercise("ex3", key=lambda: "short" if Toy(rate=ex_rate).days < 5 else "long",
                     options=["short", "long"])
'''


@pytest.fixture
def notebook_ns():
    E.reset_registry()
    ns = {"__name__": "__main__"}
    exec(compile(NOTEBOOK, "toy-notebook", "exec"), ns)  # noqa: S102 – our own test code
    yield ns
    E.reset_registry()


def test_self_check_messages_never_show_the_key(notebook_ns, capsys):
    ex1 = notebook_ns["ex1"]                                   # key = 10 days
    for answer, expected in [(None, "not answered yet.\nSet answer_ex1 = <your number (days)> in the cell above"),
                             (10.1, "✔ correct — within ±2% of the model's value"),
                             (12.0, "✘ not within ±2% of the model's value (days)"),
                             ("10", "answer_ex1 is not usable: the text '10' is not a number"),
                             (240.0, "off by a factor of 24 — hours instead of days?")]:
        ex1.check(answer)
        out = capsys.readouterr().out
        assert expected in out, out
        assert "10.0" not in out.replace(str(answer), "") and " 10 " not in out
    notebook_ns["ex3"].check("short", "")
    out = capsys.readouterr().out
    assert "✘" in out and "justify it in explain_ex3" in out
    notebook_ns["ex3"].check("long", "because the rate is low")
    assert capsys.readouterr().out.startswith("Exercise ex3: ✔")


def test_spec_holds_ranges_and_no_key_values(notebook_ns):
    spec = json.loads(E.spec_json())
    assert spec["variant"] == {"ex_rate": {"lo": 0.02, "hi": 0.9, "log": True, "integer": False, "sig": 2,
                                           "label": "Rate", "unit": "", "source": "Toy.rate", "default": 0.1}}
    assert [e["id"] for e in spec["exercises"]] == ["ex1", "ex2", "ex3"]
    assert spec["exercises"][0] == {"id": "ex1", "kind": "numeric", "points": 2, "title": "",
                                    "answer_var": "answer_ex1", "tol": 0.02, "abs_tol": 0.0, "unit": "days",
                                    "partial": []}
    assert spec["exercises"][2]["explain_var"] == "explain_ex3"
    assert "10.0" not in E.spec_json()


def test_keys_follow_the_namespace(notebook_ns):
    assert json.loads(E.keys_json()) == {"ex1": 10.0, "ex2": 2.5, "ex3": "long"}
    notebook_ns["ex_rate"] = 0.5
    keys = json.loads(E.keys_json())
    assert keys["ex1"] == 2.0 and keys["ex3"] == "short" and "not finite" in keys["ex2"]["error"]
    notebook_ns["ex_rate"] = 5.0                               # outside the Param's range
    assert "ParamError" in json.loads(E.keys_json())["ex1"]["error"]


def test_assign_variants_redraws_invalid_keys_and_restores_inputs(notebook_ns):
    req = {"students": [f"s{i}" for i in range(40)], "seed": 2026, "notebook": "toy", "max_attempts": 50}
    got = json.loads(E.assign_variants(json.dumps(req)))["students"]
    assert set(got) == set(req["students"])
    assert all(0.02 <= g["params"]["ex_rate"] < 0.5 for g in got.values()), "ex2's key is inf for rate ≥ 0.5"
    assert any(g["attempts"] > 1 for g in got.values()), "some first draws must have been rejected"
    assert notebook_ns["ex_rate"] == 0.1
    assert json.loads(E.assign_variants(json.dumps(req)))["students"] == got      # reproducible
    impossible = {**req, "max_attempts": 1, "students": [s for s, g in got.items() if g["attempts"] > 1][:1]}
    assert "no valid variant" in json.loads(E.assign_variants(json.dumps(impossible)))["error"]


def test_declaration_errors_are_clear(notebook_ns):
    with pytest.raises(ValueError, match="identifier"):
        NumericExercise("ex 1", key=lambda: 1)
    with pytest.raises(TypeError, match="must be a function"):
        NumericExercise("ex9", key=3.0)
    with pytest.raises(ValueError, match="positive tolerance"):
        NumericExercise("ex9", key=lambda: 1, tol=0)
    with pytest.raises(ValueError, match="two distinct options"):
        ChoiceExercise("ex9", key=lambda: "a", options=["a", "A"])
    with pytest.raises(NameError, match="not defined"):
        exec("variant(ex_missing=Draw(lo=1, hi=2))", notebook_ns)  # noqa: S102
    with pytest.raises(ValueError, match="outside the variant range"):
        exec("ex_rate = 0.95\nvariant(ex_rate=Draw(Toy.rate, lo=0.02, hi=0.9))", notebook_ns)  # noqa: S102


def test_variant_shows_the_inputs_as_a_table(notebook_ns):
    md = notebook_ns["inputs"]._repr_markdown_()
    assert "| Rate | 0.1 |  | `ex_rate` |" in md


# -- reading values back from a kernel -----------------------------------------------------------
@pytest.mark.parametrize("text, value", [
    ("3.25", 3.25), ("-1e-05", -1e-05), ("7", 7), ("None", None), ("'square-root law'", "square-root law"),
    ("np.float64(1.5)", 1.5), ("np.int64(3)", 3), ("numpy.float32(2.0)", 2.0), ("True", True),
])
def test_decode_repr(text, value):
    assert decode_repr(text) == value and type(decode_repr(text)) is type(value)


def test_decode_repr_never_executes():
    assert math.isinf(decode_repr("inf"))
    for text in ("__import__('os').system('echo hi')", "<Quantity(1.0, 'day')>", "Toy(rate=0.1)"):
        assert isinstance(decode_repr(text), Opaque)


# -- quiz --------------------------------------------------------------------------------------------
def _quiz():
    return Quiz("Check", [Question("Quadruple C: T*?", ["doubles", "halves"], answer="doubles",
                                   explain="T* grows with √C."),
                          TrueFalse("The law retrains too late.", answer=False, explain="It retrains too early.")])


def test_quiz_feedback_after_answering():
    q = _quiz()
    assert [c.options for c in q.choices] == [("doubles", "halves"), ("True", "False")]
    assert q.feedback[0].value == ""
    q.buttons[0].click()
    assert "Choose an answer first" in q.feedback[0].value
    right = q.answer(0, "doubles")
    assert "✔ Correct." in right and "T* grows with √C." in right
    wrong = q.answer(1, "True")
    assert "✘ Not quite" in wrong and "“False”" in wrong and "too early" in wrong
    q.choices[1].value = "False"                               # changing the choice clears old feedback
    assert q.feedback[1].value == ""
    assert q.score() == 2 and repr(q) == "Quiz('Check': 2 questions)"


def test_quiz_static_fallback():
    html = _quiz().answers_html().data
    assert html.startswith("<details") and "<summary>Answers and explanations: Check</summary>" in html
    assert "<b>Answer:</b> doubles." in html and "<b>Answer:</b> False." in html


def test_quiz_validation():
    with pytest.raises(ValueError, match="not one of the options"):
        Question("?", ["a", "b"], answer="c", explain="x")
    with pytest.raises(ValueError, match="explanation"):
        Question("?", ["a", "b"], answer=0, explain=" ")
    with pytest.raises(ValueError, match="at least one question"):
        Quiz("empty", [])


def test_keys_that_are_not_numbers_are_invalid(notebook_ns):
    E.reset_registry()
    NumericExercise("n1", key=lambda: None)
    NumericExercise("n2", key=lambda: True)
    ChoiceExercise("c1", key=lambda: None, options=["a", "b"])
    keys = json.loads(E.keys_json())
    assert "must be a number, not NoneType" in keys["n1"]["error"]
    assert "must be a number, not bool" in keys["n2"]["error"]
    assert "returned None" in keys["c1"]["error"]


# -- partial credit, plausible ranges, key-free checks ----------------------------------------------
def test_partial_credit_bands():
    v = E.score_numeric(1.03, 1.0, tol=0.01, partial=[(0.05, 0.5), (0.1, 0.25)])
    assert v.status == "partial" and v.fraction == 0.5
    assert E.score_numeric(1.08, 1.0, tol=0.01, partial=[(0.05, 0.5), (0.1, 0.25)]).fraction == 0.25
    assert E.score_numeric(1.2, 1.0, tol=0.01, partial=[(0.05, 0.5)]).fraction == 0.0
    assert E.score_numeric(1.005, 1.0, tol=0.01, partial=[(0.05, 0.5)]).fraction == 1.0
    with pytest.raises(ValueError, match="fraction between 0 and 1"):
        E.check_partial("ex1", [(0.05, 1.5)])


def test_plausible_band_pins_the_key_only_to_a_factor_of_four():
    """Someone who knows the band and the rule (centre c = sqrt(lo·hi), key in [c/2, 2c]) can
    bound the key only to a range about 4x wide — never the ±1% tolerance; every unit slip falls
    outside the band and gets a hint."""
    import random

    rnd = random.Random(5)
    for _ in range(2000):
        key = 10 ** rnd.uniform(-4, 6) * rnd.choice([1, -1])
        lo, hi = E.plausible_band(key, 0.0, rnd.random())
        assert lo <= key <= hi
        c = math.sqrt(lo * hi)
        assert c / 2.2 <= abs(key) <= 2.2 * c                 # all the band reveals: a factor of ~4
        for factor in (24, 100, 1000, 1 / 24, 1 / 100, 1 / 1000):
            assert not (lo <= key * factor <= hi), (key, factor)
            assert E.magnitude_hint(key * factor, lo, hi)
        assert E.magnitude_hint(-key, lo, hi) == "Your number has the wrong sign."
    # the position of the key inside the band is spread out, not fixed
    spots = [math.log(1.0 / math.sqrt(lo * hi)) for lo, hi in (E.plausible_band(1.0, 0, rnd.random())
                                                             for _ in range(500))]
    assert max(spots) - min(spots) > 1.2                      # ln 4 = 1.39 when r spans [1/2, 2]


def test_key_free_checks_say_only_what_the_band_says(capsys):
    c = E.NumericCheck("ex1", plausible=(12.0, 150.0), unit="days", tol=0.01)
    assert not hasattr(c, "key")
    c.check(None)
    assert "not answered yet" in capsys.readouterr().out
    c.check(40.0)
    assert "plausible" in capsys.readouterr().out
    c.check(40.0 * 24)
    assert "factor of 24" in capsys.readouterr().out
    c.check("40")
    assert "not usable" in capsys.readouterr().out
    ch = E.ChoiceCheck("ex3", options=["long", "short"])
    assert not hasattr(ch, "key")
    ch.check("long", "")
    out = capsys.readouterr().out
    assert "recorded 'long'" in out and "✔" not in out and "✘" not in out and "justify" in out
    ch.check("medium")
    assert "not one of the options" in capsys.readouterr().out
