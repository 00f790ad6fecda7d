"""Plot typography (mlsysim.viz): thousands separators, labels clear of the data, text alternatives,
and figure formats that stay sharp on high-DPI screens without growing to megabytes."""
import matplotlib.pyplot as plt
import numpy as np
import pytest

from mlsysim import viz


def _draw(fig):
    fig.canvas.draw()
    return fig.canvas.get_renderer()


def test_ticks_have_thousands_separators_on_linear_and_log_axes():
    fig, ax, _, _ = viz.setup_plot(figsize=(5, 3))
    ax.plot([1, 100_000], [0, 35_000])
    ax.set_xscale("log")
    _draw(fig)
    ylabels = [t.get_text() for t in ax.get_yticklabels()]
    xlabels = [t.get_text() for t in ax.get_xticklabels() if t.get_text()]
    assert "35,000" in ylabels or "30,000" in ylabels, ylabels
    assert "10,000" in xlabels and not any("^" in t or "$" in t for t in xlabels), xlabels
    plt.close(fig)


def test_thousands_formatter_decimals_follow_the_tick_step():
    f = viz.Thousands()
    f.set_locs([0.0, 0.25, 0.5])
    assert [f(x) for x in (0.0, 0.25)] == ["0.00", "0.25"]
    f.set_locs([0, 5000, 10000])
    assert f(-5000) == "−5,000"
    assert viz.Thousands(log=True)(0.01) == "0.01"


def test_a_percent_formatter_chosen_by_a_plot_is_kept():
    from matplotlib.ticker import PercentFormatter

    fig, ax, _, _ = viz.setup_plot(figsize=(5, 3))
    ax.plot([0, 1], [0, 1])
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    _draw(fig)
    assert isinstance(ax.yaxis.get_major_formatter(), PercentFormatter)
    plt.close(fig)


def test_mark_point_label_is_placed_clear_of_the_curves():
    fig, ax, _, _ = viz.setup_plot(figsize=(6, 3.5))
    x = np.geomspace(0.03, 30, 300)
    line, = ax.plot(x, 1 / x + x, label="total")
    ax.set_xscale("log")
    ax.set_ylim(0, 12)
    # the caller's offset (up and left) would put the label across the rising curve
    label = viz.mark_point(ax, 1.0, 2.0, "√-law T* = 1.03 d", dx=-110, dy=30)
    renderer = _draw(fig)
    from matplotlib.text import Text

    box = Text.get_window_extent(label, renderer)
    path = line.get_transform().transform_path(line.get_path())
    assert not path.intersects_bbox(box, filled=False), "label drawn across the curve"
    plt.close(fig)


def test_describe_axes_states_the_current_content():
    fig, ax, _, _ = viz.setup_plot(figsize=(5, 3))
    ax.plot([1, 2, 3], [30, 10, 20], label="cost per day")
    ax.set_xlabel("interval (days)")
    ax.set_ylabel("cost (USD)")
    viz.mark_point(ax, 2, 10, "optimum")
    text = viz.describe_axes(ax)
    assert "cost (USD)" in text and "interval (days)" in text
    assert "cost per day goes from 30 to 20, lowest 10 at 2" in text and "Marked: optimum" in text
    plt.close(fig)


def test_dense_figures_are_retina_png_and_others_svg():
    fig, ax, _, _ = viz.setup_plot(figsize=(5, 3))
    ax.plot([0, 1], [0, 1])
    svg = viz._svg_or_none(fig)
    assert svg is not None and "<svg" in svg and viz._retina_or_none(fig) is None
    for i in range(viz.SVG_MAX_SHAPES + 1):
        ax.add_patch(plt.Rectangle((i % 60, i // 60), 0.9, 0.9))
    assert viz._svg_or_none(fig) is None
    png, meta = viz._retina_or_none(fig)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    import struct

    width = struct.unpack(">I", png[16:20])[0]
    assert width == pytest.approx(2 * meta["width"], abs=2), "PNG is not drawn at twice its shown size"
    plt.close(fig)
