"""The ML Test Score rubric (mlsysim.models.testscore) and the explorers of book/governance.ipynb."""
import pytest
from hypothesis import given, strategies as st

from mlsysim.models import testscore as T


def scores(value=0.0, **overrides):
    return {**{k: value for k in T.TESTS}, **overrides}


def test_rubric_shape():
    assert len(T.TESTS) == 16 and T.max_score() == 16
    for c in T.CATEGORIES:
        assert sum(cat == c for cat, *_ in T.TESTS.values()) == 4


def test_totals_and_categories_by_hand():
    s = scores(0.0, d_schema=1, d_privacy=0.5, m_spec=1, i_rollback=1, i_gate=0.5, mon_skew=0.5)
    assert T.total_score(s) == 4.5
    assert T.category_scores(s) == {"Data": 1.5, "Model": 1.0, "Infrastructure": 1.5, "Monitoring": 0.5}
    assert T.min_category_score(s) == 0.5 and T.weakest_category(s) == "Monitoring"
    assert T.gaps(s)[:3] == ["d_beneficial", "d_cost", "m_offline_online"]
    assert len(T.gaps(s)) == 10


def test_weakest_category_breaks_ties_in_rubric_order():
    assert T.weakest_category(scores(0.0)) == "Data"
    assert T.weakest_category(scores(1.0, m_spec=0)) == "Model"


@pytest.mark.parametrize("total, name", [(0, "Ad hoc"), (4.5, "Ad hoc"), (5, "Developing"), (9.5, "Developing"),
                                         (10, "Mature"), (14.5, "Mature"), (15, "Production-grade"),
                                         (16, "Production-grade")])
def test_band_boundaries_are_half_open(total, name):
    assert T.band(total)[0] == name


@pytest.mark.parametrize("total", [-0.5, 16.5])
def test_band_rejects_impossible_totals(total):
    with pytest.raises(ValueError, match="between 0 and 16"):
        T.band(total)


def test_scores_are_validated():
    assert T.validate_score("d_schema", "0.5") == 0.5
    with pytest.raises(ValueError, match="0, 0.5 or 1"):
        T.validate_score("d_schema", 0.3)
    with pytest.raises(ValueError, match="unknown test"):
        T.validate_score("nope", 1)
    s = scores(1.0)
    del s["mon_retrain"]
    with pytest.raises(ValueError, match="mon_retrain"):
        T.total_score(s)


rubric_scores = st.fixed_dictionaries({k: st.sampled_from(T.ALLOWED) for k in T.TESTS})


@given(rubric_scores)
def test_aggregates_are_consistent(s):
    total, cats = T.total_score(s), T.category_scores(s)
    assert 0 <= total <= 16 and sum(cats.values()) == pytest.approx(total)
    assert 4 * T.min_category_score(s) <= total + 1e-12           # the minimum is at most the mean
    assert len(T.gaps(s)) == sum(v == 0 for v in s.values())


@given(rubric_scores, st.sampled_from(list(T.TESTS)))
def test_raising_one_test_never_lowers_the_band(s, key):
    order = [b[2] for b in T.BANDS]
    better = {**s, key: 1.0}
    assert order.index(T.band(T.total_score(better))[0]) >= order.index(T.band(T.total_score(s))[0])
    assert T.min_category_score(better) >= T.min_category_score(s)


# ── the notebook's calculations and explorers ────────────────────────────────
@pytest.fixture(scope="module")
def ns():
    from notebook_ns import load_namespace

    return load_namespace("governance")


def test_notebook_scenarios(ns):
    rubric = ns["rubric"]
    assert rubric.total == 8.5 and rubric.band == "Developing" and rubric.weakest == "Monitoring"
    assert ns["automated_monitoring"].total == 11.5
    talk = ns["talk"]
    assert talk.latency_ratio == pytest.approx(2.4)
    assert talk.cycle_speedup == pytest.approx(14 / 3)
    assert talk.phase_weeks == pytest.approx([12, 5, 3])
    from mlsysim.fmt import GuardError

    with pytest.raises(GuardError, match="100%"):
        talk.with_(prep_share=0.7)


def test_rubric_explorer(ns):
    ex = ns["rubric_explorer"]
    for name, p in ns["MLTestScore"].params().items():          # start from the book's team
        ex.sliders[name].value = p.default
    before = ex.text.value
    assert "8.5" in before and "Developing" in before
    ex.sliders["mon_skew"].value = 1.0
    assert ex.text.value != before and "9.5" in ex.text.value
    # a value outside the slider's range: readable message naming the test and the range
    ex.set(d_schema="-5")
    assert "Data · expectations in schema" in ex.error and "between 0 and 1" in ex.error
    # inside the range but not a valid score
    ex.set(d_cost="0.3")
    assert "0, 0.5 or 1" in ex.error and "feature cost" in ex.error
    # a strong total that hides an empty category is flagged
    for name in ex.sliders:
        ex.sliders[name].value = 0.0 if name.startswith("mon_") else 1.0
    assert ex.error is None
    assert ex.calc.total == 12 and ex.calc.band == "Mature"
    assert "blind spot" in ex.message.value and "weakest-category" in ex.message.value
    for name, p in ns["MLTestScore"].params().items():
        ex.sliders[name].value = p.default
    assert ex.message.value == ""


def test_score_sheet_refusals_name_what_is_missing_and_what_is_unknown():
    full = {k: 1 for k in T.TESTS}
    missing = dict(full)
    del missing["d_schema"]
    with pytest.raises(ValueError) as err:
        T.total_score(missing)
    n = len(T.TESTS)
    assert str(err.value) == f"scores must cover exactly the {n} tests (missing: ['d_schema']; unknown: none)"
    with pytest.raises(ValueError) as err:
        T.total_score({**full, "z_extra": 1})
    assert str(err.value) == f"scores must cover exactly the {n} tests (missing: none; unknown: ['z_extra'])"
