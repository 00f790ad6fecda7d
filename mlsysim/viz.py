"""The book's plotting style, palette and diagram helpers.

``fig, ax, COLORS, plt = setup_plot()`` gives a figure in the house style.  Diagrams (pipelines,
loops, hub-and-spoke pictures) are drawn with :func:`diagram`, :func:`box`, :func:`arrow`,
:func:`pipeline`, :func:`cycle` and :func:`hub` so every figure of the chapter shares one look and
is re-executed (and so tested) like any other cell.
"""
from __future__ import annotations

import math

import matplotlib
import matplotlib.pyplot as plt
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

__all__ = ["COLORS", "setup_plot", "diagram", "box", "arrow", "pipeline", "cycle", "hub",
           "mark_point", "plt"]

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

STYLE = {
    "figure.figsize": (7.0, 4.0), "figure.dpi": 110, "savefig.dpi": 160,
    "font.size": 10.5, "axes.titlesize": 11.5, "axes.labelsize": 10.5,
    "axes.spines.top": False, "axes.spines.right": False,
    "axes.grid": True, "grid.color": COLORS["Grid"], "grid.linewidth": 0.6,
    "axes.edgecolor": "#4b5563", "axes.labelcolor": COLORS["Text"],
    "xtick.color": "#374151", "ytick.color": "#374151",
    "legend.frameon": False, "lines.linewidth": 2.0,
    "axes.prop_cycle": matplotlib.cycler(color=[COLORS[c] for c in
                                                ("BlueLine", "RedLine", "GreenLine", "OrangeLine", "VioletLine")]),
    "svg.hashsalt": "mlsysim",   # deterministic SVG ids
}


def setup_plot(figsize=None, nrows: int = 1, ncols: int = 1, **subplot_kw):
    """Apply the book style and return ``(fig, ax, COLORS, plt)``."""
    plt.rcParams.update(STYLE)
    fig, ax = plt.subplots(nrows, ncols, figsize=figsize or STYLE["figure.figsize"], **subplot_kw)
    fig.set_layout_engine("constrained")
    return fig, ax, COLORS, plt


def mark_point(ax, x, y, text, color="RedLine", dx=10, dy=10, marker="o"):
    """Mark and label one point of a curve (e.g. an optimum)."""
    c = COLORS.get(color, color)
    ax.plot([x], [y], marker=marker, color=c, markersize=7, zorder=5, linestyle="none")
    ax.annotate(text, (x, y), xytext=(dx, dy), textcoords="offset points", color=c, fontsize=9.5,
                arrowprops=dict(arrowstyle="-", color=c, lw=0.8))


# ── diagrams ───────────────────────────────────────────────────────────────────
def diagram(width: float = 8.0, height: float = 4.0, xlim=(0, 10), ylim=(0, 5)):
    """An empty canvas in data coordinates for boxes and arrows: returns ``(fig, ax)``."""
    plt.rcParams.update(STYLE)
    fig, ax = plt.subplots(figsize=(width, height))
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
