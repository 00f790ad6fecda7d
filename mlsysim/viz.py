"""The book's plotting style, palette and diagram helpers.

``fig, ax, COLORS, plt = setup_plot()`` gives a figure in the house style.  Diagrams (pipelines,
loops, hub-and-spoke pictures) are drawn with :func:`diagram`, :func:`box`, :func:`arrow`,
:func:`pipeline`, :func:`cycle` and :func:`hub` so every figure of the chapter shares one look and
is re-executed (and so tested) like any other cell.
"""
from __future__ import annotations

import math

import matplotlib.pyplot as plt
import numpy as np
from cycler import cycler
from matplotlib import ticker
from matplotlib.artist import Artist
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch
from matplotlib.text import Annotation, Text

__all__ = ["COLORS", "setup_plot", "diagram", "box", "arrow", "pipeline", "cycle", "hub",
           "mark_point", "tidy_axes", "describe_axes", "Thousands", "plt"]

COLORS = {
    "BlueLine": "#1f5fa8", "GreenLine": "#2e8540", "RedLine": "#c0392b",
    "OrangeLine": "#e67e22", "VioletLine": "#7d3c98", "GreyLine": "#6b7280",
    "TealLine": "#12827a", "GoldLine": "#b7950b",
    "BlueFill": "#dbe8f7", "GreenFill": "#dcefdf", "RedFill": "#f6dcd9",
    "OrangeFill": "#fbe5cf", "VioletFill": "#eadcf1", "GreyFill": "#eef0f3",
    "TealFill": "#d3eeeb", "GoldFill": "#f6eec9",
    "Text": "#1f2933", "Grid": "#d9dde3",
}
_FILL = {k.replace("Line", ""): COLORS[k.replace("Line", "Fill")] for k in COLORS if k.endswith("Line")}

STYLE: dict = {
    "figure.figsize": (7.0, 4.0), "figure.dpi": 110, "savefig.dpi": 160,
    "font.size": 10.5, "axes.titlesize": 11.5, "axes.labelsize": 10.5,
    "axes.spines.top": False, "axes.spines.right": False,
    "axes.grid": True, "grid.color": COLORS["Grid"], "grid.linewidth": 0.6,
    "axes.edgecolor": "#4b5563", "axes.labelcolor": COLORS["Text"],
    "xtick.color": "#374151", "ytick.color": "#374151",
    "legend.frameon": False, "lines.linewidth": 2.0,
    "axes.prop_cycle": cycler(color=[COLORS[c] for c in
                                                ("BlueLine", "RedLine", "GreenLine", "OrangeLine", "VioletLine")]),
    "svg.hashsalt": "mlsysim",   # deterministic SVG ids
    "svg.fonttype": "none",      # SVG text stays text: smaller, selectable, sharp
}


def _primitives(fig) -> int:
    """How many shapes a figure draws (an SVG grows with it; a PNG does not)."""
    n = 0
    for ax in fig.axes:
        n += len(ax.lines) + len(ax.patches) + len(ax.texts)
        for coll in ax.collections:
            n += max(len(coll.get_paths()), len(coll.get_offsets()))
    return n


SVG_MAX_SHAPES = 3000


def _svg_or_none(fig):
    if _primitives(fig) > SVG_MAX_SHAPES:
        return None
    from IPython.core.pylabtools import print_figure

    return print_figure(fig, "svg", bbox_inches="tight")


def _retina_or_none(fig):
    if _primitives(fig) <= SVG_MAX_SHAPES:
        return None
    from IPython.core.pylabtools import retina_figure

    return retina_figure(fig, bbox_inches="tight")


def _inline_formats() -> None:
    """In a Jupyter kernel, show figures sharp on high-DPI screens: as SVG (text kept as text), or,
    for a figure of thousands of shapes (where an SVG would weigh megabytes), as a PNG at twice the
    resolution shown at its normal size. The website embeds what the kernel displays."""
    try:
        from IPython import get_ipython
        from matplotlib.figure import Figure

        shell = get_ipython()
        if shell is None or not hasattr(shell, "kernel"):
            return
        formatters = shell.display_formatter.formatters
        formatters["image/svg+xml"].for_type(Figure, _svg_or_none)
        formatters["image/png"].for_type(Figure, _retina_or_none)
    except Exception:      # pragma: no cover - a front-end without IPython keeps its default
        pass



def _number(x: float, decimals: int) -> str:
    return f"{x:,.{decimals}f}".replace("-", "−")


class Thousands(ticker.Formatter):
    """Tick labels with thousands separators (``35,000``), as many decimals as the tick step needs;
    on a log axis ``1,000`` and ``0.01`` rather than powers of ten."""

    def __init__(self, log: bool = False):
        self.log = log
        self.decimals = 0

    def set_locs(self, locs):
        super().set_locs(locs)
        locs = [float(v) for v in locs if math.isfinite(v)]
        self.decimals = next((d for d in range(7) if all(abs(round(v, d) - v) <= 1e-9 * max(1.0, abs(v))
                                                        for v in locs)), 6)

    def __call__(self, x, pos=None):
        if self.log:
            if x <= 0:
                return ""
            return _number(x, max(0, min(6, -math.floor(math.log10(x) + 1e-9))))
        return _number(0.0 if abs(x) < 1e-12 else x, self.decimals)


def tidy_axes(ax) -> None:
    """House tick labels: thousands separators on numeric axes (linear and log) that still use
    matplotlib's default formatter; a formatter a plot chose itself (percent, dates) is kept."""
    for axis, scale in ((ax.xaxis, ax.get_xscale()), (ax.yaxis, ax.get_yscale())):
        fmt = axis.get_major_formatter()
        if scale == "linear" and type(fmt) is ticker.ScalarFormatter:
            axis.set_major_formatter(Thousands())
        elif scale == "log" and isinstance(fmt, ticker.LogFormatter) and not isinstance(fmt, Thousands):
            axis.set_major_formatter(Thousands(log=True))
            axis.set_minor_formatter(ticker.NullFormatter())


class _Tidy(Artist):
    """Drawn first in a figure: applies :func:`tidy_axes` to every axes once the plot is complete."""

    zorder = -1e9

    def draw(self, renderer):
        for ax in self.figure.axes:
            tidy_axes(ax)


def setup_plot(figsize=None, nrows: int = 1, ncols: int = 1, **subplot_kw):
    """Apply the book style and return ``(fig, ax, COLORS, plt)``."""
    plt.rcParams.update(STYLE)
    fig, ax = plt.subplots(nrows, ncols, figsize=figsize or STYLE["figure.figsize"], **subplot_kw)
    _inline_formats()     # after the first figure: activating the inline backend resets the formats
    fig.set_layout_engine("constrained")
    fig.add_artist(_Tidy())
    return fig, ax, COLORS, plt


class _ClearLabel(Annotation):
    """An annotation that, when drawn, moves its text to the first of a few offsets where it
    crosses no curve, marker, other label or the legend (the caller's offset is tried first)."""

    def __init__(self, *args, hint=(10, 10), **kwargs):
        super().__init__(*args, **kwargs)
        self._hint = hint

    def _obstacles(self, renderer):
        ax = self.axes
        paths = []
        for line in ax.get_lines():
            if not line.get_visible():
                continue
            path = line.get_transform().transform_path(line.get_path())
            paths.append((path, line.get_marker() not in (None, "None", "", " ") and line.get_linestyle() in
                          ("None", "none", "", " ")))
        boxes = [t.get_window_extent(renderer) for t in ax.texts if t is not self and t.get_visible()
                 and t.get_text()]
        legend = ax.get_legend()
        if legend is not None:
            boxes.append(legend.get_window_extent(renderer))
        return paths, boxes

    def draw(self, renderer):
        if not self.get_visible() or self.axes is None:
            return
        dx, dy = self._hint
        r = max(abs(dx), abs(dy), 14)
        rings = [(sx * k * r, sy * k * r) for k in (1, 2, 3) for sx, sy in
                 ((1, 1), (-1, 1), (1, -1), (-1, -1), (0, 1), (0, -1), (1, 0), (-1, 0))]
        candidates = [(dx, dy)] + rings
        paths, boxes = self._obstacles(renderer)
        axbox = self.axes.get_window_extent(renderer)
        best, best_score = (dx, dy), None
        for cx, cy in candidates:
            self.xyann = (cx, cy)
            self.set_horizontalalignment("left" if cx > 0 else "right" if cx < 0 else "center")
            self.update_positions(renderer)
            bbox = Text.get_window_extent(self, renderer)   # the text, not its leader line
            pad = bbox.padded(2)
            outside = not (axbox.x0 <= bbox.x0 and bbox.x1 <= axbox.x1 and axbox.y0 <= bbox.y0
                           and bbox.y1 <= axbox.y1)
            hits = sum(path.intersects_bbox(pad, filled=False) if not pts else
                       any(pad.contains(*v) for v in path.vertices) for path, pts in paths)
            hits += sum(pad.overlaps(b) for b in boxes)
            score = (2 * outside + hits, abs(cx) + abs(cy))
            if best_score is None or score < best_score:
                best, best_score = (cx, cy), score
            if score[0] == 0:
                break
        self.xyann = best
        self.set_horizontalalignment("left" if best[0] > 0 else "right" if best[0] < 0 else "center")
        super().draw(renderer)


def mark_point(ax, x, y, text, color="RedLine", dx=10, dy=10, marker="o"):
    """Mark and label one point of a curve (e.g. an optimum). The label is placed at draw time
    where it crosses no curve, other label or legend; ``(dx, dy)`` (points) is the first choice."""
    c = COLORS.get(color, color)
    ax.plot([x], [y], marker=marker, color=c, markersize=7, zorder=5, linestyle="none")
    label = _ClearLabel(text, (x, y), xytext=(dx, dy), textcoords="offset points", color=c, fontsize=9.5,
                        arrowprops=dict(arrowstyle="-", color=c, lw=0.8), hint=(dx, dy),
                        bbox=dict(boxstyle="round,pad=0.15", fc="white", ec="none", alpha=0.8))
    ax._add_text(label)
    return label


def _num(x: float) -> str:
    if not math.isfinite(x):
        return str(x)
    if x == 0:
        return "0"
    digits = max(0, 2 - math.floor(math.log10(abs(x))))
    text = _number(round(x, digits), digits if abs(x) < 100 else 0)
    return text.rstrip("0").rstrip(".") if "." in text else text


def describe_axes(ax, limit: int = 6) -> str:
    """A sentence stating what an axes shows *now*: its axes and ranges, each labelled curve's
    start, end and extreme, bar values, and the labels of marked points — a plot's text alternative."""
    xl, yl = ax.get_xlabel() or "x", ax.get_ylabel() or "y"
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    logx = " (log scale)" if ax.get_xscale() == "log" else ""
    logy = " (log scale)" if ax.get_yscale() == "log" else ""
    parts = [f"{yl}{logy} from {_num(y0)} to {_num(y1)} against {xl}{logx} from {_num(x0)} to {_num(x1)}."]
    curves = []
    for line in ax.get_lines():
        label = line.get_label()
        x, y = (np.asarray(v, float) for v in line.get_data())
        ok = np.isfinite(x) & np.isfinite(y)
        if label.startswith("_") or ok.sum() < 2:
            continue
        x, y = x[ok], y[ok]
        shown = (x >= min(x0, x1)) & (x <= max(x0, x1))
        if shown.sum() >= 2:
            x, y = x[shown], y[shown]
        i = int(np.argmin(y))
        low = f", lowest {_num(y[i])} at {_num(x[i])}" if 0 < i < len(y) - 1 else ""
        curves.append(f"{label} goes from {_num(y[0])} to {_num(y[-1])}{low}")
    for bars in ax.containers:
        heights = [b.get_height() for b in bars]
        names = [t.get_text() for t in ax.get_xticklabels()]
        label = bars.get_label()
        values = ", ".join(f"{n}: {_num(h)}" if n else _num(h) for n, h in zip(names + [""] * len(heights), heights))
        curves.append(f"{'' if label.startswith('_') else label + ' '}bars {values}".strip())
    if curves:
        parts.append("; ".join(curves[:limit]) + ".")
    marks = [t.get_text() for t in ax.texts if t.get_text().strip()]
    if marks:
        parts.append("Marked: " + "; ".join(marks[:limit]) + ".")
    return " ".join(parts)


# ── diagrams ───────────────────────────────────────────────────────────────────
def diagram(width: float = 8.0, height: float = 4.0, xlim=(0, 10), ylim=(0, 5)):
    """An empty canvas in data coordinates for boxes and arrows: returns ``(fig, ax)``."""
    plt.rcParams.update(STYLE)
    fig, ax = plt.subplots(figsize=(width, height))
    _inline_formats()
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    ax.set_aspect("equal")
    ax.axis("off")
    fig.set_layout_engine("constrained")
    return fig, ax


def box(ax, x, y, text, color="Blue", w=1.8, h=0.8, fontsize=9.5, bold=False, style="round"):
    """A labelled box centred at (x, y); ``color`` is a palette family (Blue, Green, …).
    Returns the box's (x, y, w, h) for placing arrows."""
    edge = COLORS.get(f"{color}Line", color)
    fill = _FILL.get(color, "white")
    ax.add_patch(FancyBboxPatch((x - w / 2, y - h / 2), w, h,
                                boxstyle=f"{style},pad=0.02,rounding_size=0.12" if style == "round" else style,
                                linewidth=1.4, edgecolor=edge, facecolor=fill, zorder=2))
    ax.text(x, y, text, ha="center", va="center", fontsize=fontsize, color=COLORS["Text"],
            fontweight="bold" if bold else "normal", zorder=3, wrap=True)
    return (x, y, w, h)


def _edge_point(b, toward):
    """Where the segment from the centre of box ``b`` toward a point leaves the box."""
    x, y, w, h = b
    dx, dy = toward[0] - x, toward[1] - y
    if dx == 0 and dy == 0:
        return x, y
    scale = min((w / 2) / abs(dx) if dx else math.inf, (h / 2) / abs(dy) if dy else math.inf)
    return x + dx * scale, y + dy * scale


def arrow(ax, a, b, text=None, color="GreyLine", rad=0.0, style="-|>", lw=1.4, fontsize=8.5,
          linestyle="-"):
    """An arrow from ``a`` to ``b`` — each a point (x, y) or a box returned by :func:`box`."""
    pa = a[:2] if len(a) == 2 else None
    pb = b[:2] if len(b) == 2 else None
    ca, cb = (a[0], a[1]), (b[0], b[1])
    start = pa or _edge_point(a, cb)
    end = pb or _edge_point(b, ca)
    c = COLORS.get(color, color)
    ax.add_patch(FancyArrowPatch(start, end, arrowstyle=style, mutation_scale=12, color=c, lw=lw,
                                 connectionstyle=f"arc3,rad={rad}", linestyle=linestyle, zorder=1))
    if text:
        mx, my = (start[0] + end[0]) / 2, (start[1] + end[1]) / 2
        ax.text(mx, my + 0.15, text, ha="center", va="bottom", fontsize=fontsize, color=c,
                bbox=dict(boxstyle="round,pad=0.15", fc="white", ec="none", alpha=0.85), zorder=4)


def pipeline(ax, labels, y=2.5, x0=1.0, x1=9.0, colors=None, w=None, h=0.9, fontsize=9):
    """Boxes in a row joined by arrows (a pipeline). Returns the boxes."""
    n = len(labels)
    xs = [x0 + i * (x1 - x0) / max(n - 1, 1) for i in range(n)]
    w = w or min(1.9, 0.85 * (x1 - x0) / max(n - 1, 1))
    colors = colors or ["Blue"] * n
    boxes = [box(ax, x, y, t, color=c, w=w, h=h, fontsize=fontsize) for x, t, c in zip(xs, labels, colors)]
    for a, b in zip(boxes, boxes[1:]):
        arrow(ax, a, b)
    return boxes


def cycle(ax, labels, center=(5, 2.5), radius=1.8, colors=None, w=1.7, h=0.75, fontsize=9,
          start_angle=90, clockwise=True):
    """Boxes on a circle joined by curved arrows in order (a loop). Returns the boxes."""
    n = len(labels)
    sign = -1 if clockwise else 1
    colors = colors or ["Blue"] * n
    boxes = []
    for i, (t, c) in enumerate(zip(labels, colors)):
        ang = math.radians(start_angle + sign * 360 * i / n)
        boxes.append(box(ax, center[0] + radius * math.cos(ang), center[1] + radius * math.sin(ang),
                         t, color=c, w=w, h=h, fontsize=fontsize))
    for i in range(n):
        arrow(ax, boxes[i], boxes[(i + 1) % n], rad=-0.25 * sign)
    return boxes


def hub(ax, center_label, spokes, center=(5, 2.5), radius=2.0, center_color="Red", spoke_color="Blue",
        w=1.7, h=0.7, fontsize=9, center_size=(1.6, 0.9)):
    """A hub box with spoke boxes around it (arrows point inward). Returns (hub_box, spoke_boxes)."""
    hb = box(ax, center[0], center[1], center_label, color=center_color, w=center_size[0],
             h=center_size[1], bold=True, fontsize=fontsize + 1)
    boxes = []
    n = len(spokes)
    for i, t in enumerate(spokes):
        ang = math.radians(90 - 360 * i / n)
        b = box(ax, center[0] + radius * 1.6 * math.cos(ang), center[1] + radius * math.sin(ang), t,
                color=spoke_color, w=w, h=h, fontsize=fontsize)
        arrow(ax, b, hb, color="GreyLine", lw=1.0)
        boxes.append(b)
    return hb, boxes
