"""Edge cases of ``mlsysim.models.incidents``: how precisely ``fit_logistic`` and ``optimal_threshold``
optimise (solver, tolerances, iteration cap, grid, bracket), with reference values derived
independently of the module (Newton's method, the closed-form optimum of the expected cost)."""
from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
import scipy.optimize

from mlsysim.models import incidents as I


# ── fit_logistic ──────────────────────────────────────────────────────────────
def _irls(X, y, steps=50):
    """Maximum-likelihood logistic fit by Newton's method (IRLS), in the original feature units."""
    A = np.column_stack([np.ones(len(X)), X])
    theta = np.zeros(A.shape[1])
    for _ in range(steps):
        p = 1 / (1 + np.exp(-A @ theta))
        theta += np.linalg.solve(A.T @ (A * (p * (1 - p))[:, None]), A.T @ (y - p))
    return theta


def _small_sample():
    rng = np.random.default_rng(7)
    X = rng.normal(size=(200, 2)) * [1.0, 3.0] + [2.0, -1.0]
    logit = 0.5 + 1.2 * X[:, 0] - 0.4 * X[:, 1]
    y = (rng.random(len(X)) < 1 / (1 + np.exp(-logit))).astype(int)
    return X, y


def test_fit_logistic_converges_to_the_newton_solution_to_1e_8():
    # the tight tolerances (gtol 1e-10, ftol 1e-15) put the fit within ~1e-10 of the exact MLE;
    # L-BFGS-B's default gtol (1e-5) stops ~1e-4 away
    X, y = _small_sample()
    theta = _irls(X, y)
    b, w = I.fit_logistic(X, y)
    assert isinstance(b, float) and w.shape == (2,)
    assert [b, *w] == pytest.approx(theta, abs=1e-8)


def test_fit_logistic_emits_no_warning():
    # every solver option is one that L-BFGS-B knows (BFGS, or a misspelt key, warns "Unknown solver options")
    X, y = _small_sample()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        b, w = I.fit_logistic(X, y)
    assert np.all(np.isfinite(w)) and math.isfinite(b)


def test_fit_logistic_stops_after_1000_iterations(monkeypatch):
    # 40 nearly collinear features: L-BFGS-B does not meet gtol/ftol and stops at the iteration cap
    results = []
    real_minimize = scipy.optimize.minimize

    def spy(*args, **kwargs):
        res = real_minimize(*args, **kwargs)
        results.append(res)
        return res

    monkeypatch.setattr(scipy.optimize, "minimize", spy)
    rng = np.random.default_rng(1)
    X = rng.normal(size=(150, 1)) + 1e-4 * rng.normal(size=(150, 40))
    y = (rng.random(150) < 1 / (1 + np.exp(-2 * X[:, 0]))).astype(int)
    with np.errstate(over="ignore"):
        I.fit_logistic(X, y)
    assert len(results) == 1
    assert (results[0].nit, results[0].status) == (1000, 1)


# ── optimal_threshold ─────────────────────────────────────────────────────────
def _t_star(fp_cost, fn_cost, fp_centre, fn_centre, k):
    """Closed-form minimiser of C_FP·FPR + C_FN·FNR: with u = e^{k(t−t_FP)} and r = e^{−k(t_FN−t_FP)},
    dE/dt = 0 ⇔ √C_FP·(1 + u·r) = √(C_FN·r)·(1 + u) ⇔ u = (√(C_FN·r) − √C_FP) / (√C_FP·r − √(C_FN·r))."""
    r = math.exp(-k * (fn_centre - fp_centre))
    u = (math.sqrt(fn_cost * r) - math.sqrt(fp_cost)) / (math.sqrt(fp_cost) * r - math.sqrt(fn_cost * r))
    return fp_centre + math.log(u) / k


def test_closed_form_optimum_matches_the_caption():
    assert _t_star(100, 500, 0.3, 0.7, 8.0) == pytest.approx(0.33617833, abs=1e-8)


def test_optimal_threshold_of_a_steep_cost_to_1e_8():
    # k = 1e4 and centres 4e-4 apart: the basin is ~1e-4 wide; a 50-point grid misses it, and Brent with the
    # default xatol (1e-5) stops ~1e-6 from the optimum instead of ~1e-9
    args = (1, 3, 0.4319, 0.4323, 1e4)
    t_star = _t_star(*args)
    with np.errstate(over="ignore"):
        t, c = I.optimal_threshold(*args)
        c_star = I.expected_cost(t_star, *args)
    assert t == pytest.approx(t_star, abs=1e-8)
    assert c == pytest.approx(c_star, rel=1e-10) and c >= c_star


def test_optimal_threshold_just_above_lo():
    # the optimum lies 1e-4 above lo, inside the grid's first cell (grid[0] = lo is the best grid point):
    # the refinement must search [grid[0], grid[1]], not a degenerate interval at grid[1]
    t_star = _t_star(100, 500, 0.3, 0.7, 8.0)
    lo = t_star - 1e-4
    t, c = I.optimal_threshold(100, 500, lo=lo, hi=lo + 1)
    assert t == pytest.approx(t_star, abs=1e-8)
    assert lo < t
    assert c < I.expected_cost(lo, 100, 500)


def test_optimal_threshold_just_below_hi():
    # the optimum lies 1e-4 below hi, inside the grid's last cell (grid[-1] = hi is the best grid point)
    t_star = _t_star(100, 500, 0.3, 0.7, 8.0)
    hi = t_star + 1e-4
    t, c = I.optimal_threshold(100, 500, lo=hi - 1, hi=hi)
    assert t == pytest.approx(t_star, abs=1e-8)
    assert t < hi
    assert c < I.expected_cost(hi, 100, 500)


def test_optimal_threshold_finds_a_notch_on_the_2001_point_grid():
    # k = 1e6, centres 0.49999 / 0.50001: the cost is 1.0 (to the last bit) everywhere except within ~3e-5
    # of 0.5, where it falls to 2/(1 + e^10).  0.5 is a point of the 2001-point grid on [0, 1]
    # (step 0.0005); a grid of 2002 or 50 points has no point in the notch.
    args = (1, 1, 0.49999, 0.50001, 1e6)
    with np.errstate(over="ignore"):
        t, c = I.optimal_threshold(*args)
        assert I.expected_cost(np.linspace(0, 1, 2002), *args).min() == 1.0
    assert t == pytest.approx(0.5, abs=1e-9)
    assert c == pytest.approx(2 / (1 + math.exp(10)), rel=1e-8)


@pytest.mark.parametrize("costs, steepness, lo, hi, flat", [
    ((0, 0), 8.0, 0.0, 1.0, 0.0),       # no error costs anything
    ((1, 3), 0.0, 0.0, 1.0, 2.0),       # k = 0: both rates are 1/2 at every threshold
    ((1, 3), 0.0, 2.0, 3.0, 2.0),
])
def test_flat_cost_returns_the_refined_point_of_the_first_grid_cell(costs, steepness, lo, hi, flat):
    # every threshold is optimal; argmin picks grid[0] = lo, Brent searches [lo, lo + step] and, since its
    # cost ties with the grid's (<=), its point is returned, strictly inside the first grid cell
    t, c = I.optimal_threshold(*costs, steepness=steepness, lo=lo, hi=hi)
    step = (hi - lo) / 2000
    assert c == flat
    assert lo < t < lo + step
    assert type(t) is float and type(c) is float


def test_optimal_threshold_emits_no_warning():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        t, c = I.optimal_threshold(100, 500)
    assert t == pytest.approx(_t_star(100, 500, 0.3, 0.7, 8.0), abs=1e-8)
    assert c == pytest.approx(I.expected_cost(t, 100, 500), abs=0)
