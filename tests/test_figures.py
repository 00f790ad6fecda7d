"""Every figure the book draws, checked as a reader sees it (mlsysim.viz.check_figure): units on every
axis that shows numbers, thousands separators, and no label, leader line or legend across the data.

Static figures are those each notebook cell displays (tests/notebook_ns.py keeps them, closing each
after its cell as the inline backend does); explorer plots are checked at their default inputs and
with each input at the smallest and the largest value its slider allows (every choice of a dropdown).
"""
import math

import matplotlib.pyplot as plt
import numpy as np
import pytest

from mlsysim import viz
from notebook_ns import BOOK, figures, load_namespace

NOTEBOOKS = sorted(p.stem for p in BOOK.glob("*.ipynb"))


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_static_figures_pass_the_figure_check(name):
    drawn = figures(name)
    if not drawn:
        pytest.skip(f"{name} draws no figure")
    problems = [p for cell, fig in drawn for p in viz.check_figure(fig, f"{name}.ipynb cell {cell}")]
    assert not problems, "\n".join(problems)


def _extremes(ex, name):
    p = ex.calc_cls.params()[name]
    if p.choices is not None:
        return list(p.choices)
    return [p.lo, p.hi]


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_explorer_plots_pass_the_figure_check_at_default_and_extreme_inputs(name):
    from mlsysim.widgets import Explorer

    ns = load_namespace(name)
    explorers = {k: ex for k, ex in ns.items() if isinstance(ex, Explorer) and ex.out is not None}
    if not explorers:
        pytest.skip(f"{name} has no explorer with a plot")
    problems, checked = [], 0
    for key, ex in explorers.items():
        problems += viz.check_figure(ex._fig, f"{name}.ipynb explorer {key} at its default inputs")
        checked += 1
        for param, slider in ex.sliders.items():
            start = slider.value
            for value in _extremes(ex, param):
                slider.value = value
                if ex.error:         # the explorer refuses these inputs and keeps its last plot
                    continue
                where = f"{name}.ipynb explorer {key} with {param} = {slider.value:g}" if not isinstance(
                    slider.value, str) else f"{name}.ipynb explorer {key} with {param} = {slider.value}"
                problems += viz.check_figure(ex._fig, where)
                checked += 1
            slider.value = start
    assert checked >= 1 + len(explorers)
    # one line per distinct problem (the first inputs where it shows), not one per setting
    seen, report = set(), []
    for p in problems:
        key = p.split(", axes ", 1)[-1]
        if (p.split(" with ")[0].split(" at its ")[0], key) not in seen:
            seen.add((p.split(" with ")[0].split(" at its ")[0], key))
            report.append(p)
    assert not problems, f"{len(problems)} problems at {checked} inputs:\n" + "\n".join(report)


# ── the checker itself: each rule fails on the defect it names ────────────────────────────────────
def _fig():
    fig, ax, _, _ = viz.setup_plot(figsize=(6, 3.5))
    return fig, ax


def test_an_axis_without_a_unit_fails_and_the_conventions_pass():
    fig, ax = _fig()
    ax.plot([0, 10], [0, 1])
    ax.set_xlabel("interval (days)")
    ax.set_ylabel("cumulative share")
    problems = viz.check_figure(fig)
    assert len(problems) == 1 and "y axis label 'cumulative share' states no unit" in problems[0], problems
    for good in ("cumulative share (fraction)", "cost (thousand USD per year)", "bandwidth (GB/s, log scale)",
                 "queries (queries/day)", "damage (point-days)", "share of users (%)"):
        ax.set_ylabel(good)
        assert viz.check_figure(fig) == [], good
    for bad in ("speed (log scale)", "score (of 4)", "days", "accuracy (7-day)"):
        ax.set_ylabel(bad)
        assert viz.check_figure(fig), bad
    plt.close(fig)


def test_twin_and_secondary_axes_are_checked():
    fig, ax = _fig()
    ax.plot([0, 10], [0, 1])
    ax.set_xlabel("time (days)")
    ax.set_ylabel("accuracy (fraction)")
    twin = ax.twinx()
    twin.plot([0, 10], [5, 3], color="k")
    ax.secondary_xaxis("top", functions=(lambda d: d * 24, lambda h: h / 24)).set_xlabel("hours since launch")
    problems = viz.check_figure(fig)
    assert any("the y axis label '' states no unit" in p for p in problems), problems
    assert any("'hours since launch' states no unit" in p for p in problems), problems
    plt.close(fig)


def test_category_and_unit_carrying_ticks_need_no_unit_in_the_label():
    fig, ax = _fig()
    ax.barh(["iOS", "Android"], [3, 4])
    ax.set_xticks([60, 3600], ["1 min", "1 h"])
    ax.set_xlim(0, 4000)
    assert viz.check_figure(fig) == []
    plt.close(fig)


def test_numbers_without_thousands_separators_fail():
    from matplotlib.ticker import ScalarFormatter, StrMethodFormatter

    fig, ax = _fig()
    ax.plot([0, 1], [0, 35_000])
    ax.set_xlabel("x (fraction)")
    ax.set_ylabel("cost (USD)")
    fig.canvas.draw()
    ax.yaxis.set_major_formatter(StrMethodFormatter("{x:.0f}"))   # the plot's own formatter: kept
    problems = viz.check_figure(fig)
    assert any("tick label '35000' has no thousands separator" in p for p in problems), problems
    ax.text(0.1, 20_000, "often budgeted: 25000")
    ax.plot([0.5], [5_000], "o", label="scenario: 1000 users")
    ax.legend(loc="lower right")
    problems = viz.check_figure(fig)
    assert any("'25000' in the text 'often budgeted: 25000'" in p for p in problems), problems
    assert any("'1000' in the text 'scenario: 1000 users'" in p for p in problems), problems
    plt.close(fig)
    fig, ax = plt.subplots()                 # matplotlib's own style: large numbers get a "1e6" above
    ax.plot([0, 1], [0, 3.5e6])
    ax.set_xlabel("x (fraction)")
    ax.set_ylabel("cost (USD)")
    assert isinstance(ax.yaxis.get_major_formatter(), ScalarFormatter)
    problems = viz.check_figure(fig)
    assert any("the y axis shows a multiplier '1e6'" in p for p in problems), problems
    plt.close(fig)


def test_a_label_on_a_line_a_marker_or_a_bar_fails_and_a_clear_one_passes():
    fig, ax = _fig()
    ax.plot([0, 10], [5, 5], label="SLO")
    ax.set_xlim(0, 10)
    ax.set_ylim(0, 10)
    ax.set_xlabel("time (days)")
    ax.set_ylabel("latency (ms)")
    t = ax.text(5, 5, "SLO 5 ms", ha="center", va="center",
                bbox=dict(boxstyle="round", fc="white", ec="none"))   # a white box does not make it clear
    problems = viz.check_figure(fig)
    assert problems == ["figure, axes 'latency (ms)': label 'SLO 5 ms' covers the line 'SLO'"], problems
    t.set_position((5, 7))
    assert viz.check_figure(fig) == []
    ax.plot([8], [8.1], marker="o", linestyle="none")
    ax.text(8, 8, "peak", ha="center", va="center")
    assert any("'peak' covers a marker" in p for p in viz.check_figure(fig))
    plt.close(fig)
    fig, ax = _fig()
    ax.bar([0, 1], [3, 4])
    ax.set_ylabel("runs (count)")
    ax.set_xticks([0, 1], ["a", "b"])
    ax.text(0, 1.5, "in its bar", ha="center", fontsize=7)       # a bar's own label
    assert viz.check_figure(fig) == []
    ax.text(0.5, 3, "across both bars", ha="center")
    assert any("'across both bars' covers a bar" in p for p in viz.check_figure(fig))
    plt.close(fig)


def test_a_leader_line_across_a_curve_fails():
    fig, ax = _fig()
    x = np.linspace(0, 10, 200)
    ax.plot(x, x, label="rising")
    ax.plot(x, 10 - x, label="falling")
    ax.set_xlabel("time (days)")
    ax.set_ylabel("cost (USD)")
    # from the falling curve at x=2 to a label right of the rising one: the leader crosses it
    ann = ax.annotate("mark", (2, 8), xytext=(8, 6), arrowprops=dict(arrowstyle="-"))
    problems = viz.check_figure(fig)
    assert any("the leader line of 'mark' crosses 'rising'" in p for p in problems), problems
    ann.set_position((1, 9.5))        # (xytext) same side as the mark: no crossing
    assert viz.check_figure(fig) == [], viz.check_figure(fig)
    ax.text(1.5, 8.9, "other")        # a label in the leader's way
    assert any("the leader line of 'mark' crosses label 'other'" in p for p in viz.check_figure(fig))
    plt.close(fig)


def test_overlapping_labels_fail():
    fig, ax = _fig()
    ax.set_xlim(0, 10)
    ax.set_ylim(0, 10)
    ax.set_xlabel("time (days)")
    ax.set_ylabel("cost (USD)")
    ax.text(2, 2, "first label")
    ax.text(2.5, 2.1, "second label")
    assert any("'first label' overlaps label 'second label'" in p for p in viz.check_figure(fig))
    plt.close(fig)


def test_every_notebook_figure_is_found():
    """The checks above see the book's figures (a broken hook would make them pass on nothing)."""
    total = sum(len(figures(n)) for n in NOTEBOOKS)
    assert total >= 30, total
    assert math.isfinite(total)


def test_text_cut_at_the_edge_of_a_fixed_size_figure_fails_and_explorers_widen_their_margins():
    from mlsysim.calc import Calculation, Param
    from mlsysim.widgets import explore

    fig, ax = _fig()
    fig.set_layout_engine(None)
    fig.subplots_adjust(left=0.02)              # no room for the tick labels
    ax.plot([0, 1], [0, 5e9])
    ax.set_xlabel("x (fraction)")
    ax.set_ylabel("cost (USD)")
    assert any("is cut off at the edge of the figure" in p for p in viz.check_figure(fig))
    plt.close(fig)

    class Big(Calculation):
        scale = Param(1.0, lo=1.0, hi=1e12, log=True, label="Scale")

        def execute(self):
            self.top = self.scale

    def plot(c, ax):
        ax.plot([1, 2], [0, c.top])
        ax.set_xlabel("time (days)")
        ax.set_ylabel("a long label for the cost axis (USD)")

    ex = explore(Big, plot=plot, render=lambda c: "")
    ex.sliders["scale"].value = 1e12            # tick labels such as 1,000,000,000,000
    assert viz.check_figure(ex._fig) == []
    assert ex._fig.subplotpars.left > 0.13       # the default margin, widened


def test_crowded_log_axis_labels_every_other_power_of_ten_and_overlaps_fail():
    fig, ax, _, _ = viz.setup_plot(figsize=(4, 3))
    ax.plot([1e3, 1e12], [1, 2])
    ax.set_xscale("log")
    ax.set_xlabel("queries (queries/day)")
    ax.set_ylabel("cost (USD)")
    assert viz.check_figure(fig) == []
    labels = [t.get_text() for t in ax.get_xticklabels() if t.get_text()]
    assert "1,000" not in labels or "10,000" not in labels, labels   # thinned out
    ax.xaxis.set_major_formatter(viz.plt.FuncFormatter(lambda v, _: f"{v:,.0f}"))
    assert any("x tick labels overlap each other" in p for p in viz.check_figure(fig))
    plt.close(fig)
