"""The book's plotting style, palette and diagram helpers.

``fig, ax, COLORS, plt = setup_plot()`` gives a figure in the house style.  Diagrams (pipelines,
loops, hub-and-spoke pictures) are drawn with :func:`diagram`, :func:`box`, :func:`arrow`,
:func:`pipeline`, :func:`cycle` and :func:`hub` so every figure of the chapter shares one look and
is re-executed (and so tested) like any other cell.
"""
from __future__ import annotations

import math
import re

import matplotlib.pyplot as plt
import numpy as np
from cycler import cycler
from matplotlib import ticker
from matplotlib.artist import Artist
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch
from matplotlib.text import Annotation, Text

__all__ = ["COLORS", "setup_plot", "diagram", "box", "arrow", "pipeline", "cycle", "hub",
           "mark_point", "tidy_axes", "describe_axes", "Thousands", "check_figure", "label_unit", "plt"]

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
        self.every = 1          # on a crowded log axis, label every n-th power of ten

    def set_locs(self, locs):
        super().set_locs(locs)
        locs = [float(v) for v in locs if math.isfinite(v)]
        self.decimals = next((d for d in range(7) if all(abs(round(v, d) - v) <= 1e-9 * max(1.0, abs(v))
                                                        for v in locs)), 6)
        self.every = 1
        axis = getattr(self, "axis", None)
        if self.log and axis is not None and axis.axes is not None and axis.axis_name == "x":
            lo, hi = sorted(axis.get_view_interval())
            shown = [v for v in locs if lo <= v <= hi and v > 0]
            if len(shown) > 1:
                # an estimate of the widest label against the room each tick has along the axis
                size = axis.get_major_ticks()[0].label1.get_fontsize() if axis.get_major_ticks() else 10
                widest = max(len(self._label(v)) for v in shown) * 0.62 * size * axis.figure.dpi / 72
                room = axis.axes.bbox.width / (len(shown) - 1)
                self.every = max(1, math.ceil(1.15 * widest / room))

    def _label(self, x):
        return _number(x, max(0, min(6, -math.floor(math.log10(x) + 1e-9))))

    def __call__(self, x, pos=None):
        if self.log:
            if x <= 0:
                return ""
            if self.every > 1 and round(math.log10(x)) % self.every:
                return ""
            return self._label(x)
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
    """An annotation that, when drawn, moves its text to the nearest of a few offsets where neither
    the text nor its leader line crosses a curve, marker, bar, other label or the legend — the same
    test :func:`check_figure` makes (the caller's offset is tried first). A label next to its point
    needs no leader line, so it gets none."""

    RADII = (12, 20, 32, 48, 72, 100)                        # points
    DIRECTIONS = tuple((round(math.cos(a), 3), round(math.sin(a), 3))
                       for a in (math.radians(d) for d in (45, 135, -45, -135, 90, -90, 0, 180,
                                                           22.5, 157.5, -22.5, -157.5, 67.5, 112.5,
                                                           -67.5, -112.5)))

    def __init__(self, *args, hint=(10, 10), **kwargs):
        super().__init__(*args, **kwargs)
        self._hint = hint

    @staticmethod
    def _align(cx, cy):
        return ("left" if cx > 0 else "right" if cx < 0 else "center",
                "bottom" if cy > 0 else "top" if cy < 0 else "center")

    def _place(self, cx, cy, renderer):
        self.xyann = (cx, cy)
        ha, va = self._align(cx, cy)
        self.set_horizontalalignment(ha)
        self.set_verticalalignment(va)
        self.update_positions(renderer)
        return _text_box(self, renderer)

    def draw(self, renderer):
        if not self.get_visible() or self.axes is None:
            return
        ax = self.axes
        dx, dy = self._hint
        candidates = [(dx, dy)] + [(round(sx * r, 1), round(sy * r, 1)) for r in self.RADII
                                   for sx, sy in self.DIRECTIONS]
        obstacles = _obstacles(ax, renderer)
        # labels placed later in this draw avoid this one; their boxes from the last draw are stale
        later = ax.texts[ax.texts.index(self) + 1:] if self in ax.texts else []
        for t in ax.texts:            # the leader lines of labels placed before this one are obstacles too
            arrow = getattr(t, "arrow_patch", None)
            if t is not self and t not in later and arrow is not None and arrow.get_visible():
                obstacles[0].append((f"the leader line of {t.get_text()!r}",
                                     arrow.get_transform().transform_path(arrow.get_path()), 1.0))
        others = [(f"label {t.get_text()!r}", _text_box(t, renderer)) for t in ax.texts
                  if t is not self and t.get_visible() and t.get_text().strip()
                  and not (isinstance(t, _ClearLabel) and t in later)]
        legend = ax.get_legend()
        if legend is not None and legend.get_visible():
            others.append(("the legend", legend.get_window_extent(renderer)))
        axbox = ax.get_window_extent(renderer)
        target = np.asarray(self._get_position_xy(renderer))
        near = _leader_gap(ax, target, obstacles[1])
        # laying out text is slow, and a label's box only moves with its offset and alignment: lay it
        # out once, then shift that box to each candidate (offsets are points from the marked point)
        from matplotlib.transforms import Bbox

        px = self.figure.dpi / 72
        self._place(dx, dy, renderer)
        text = Text.get_window_extent(self, renderer)
        outer = _text_box(self, renderer)
        pad = (text.x0 - outer.x0, text.y0 - outer.y0)

        def box_at(cx, cy):
            ha, va = self._align(cx, cy)
            x = target[0] + cx * px - {"left": 0, "center": text.width / 2, "right": text.width}[ha]
            y = target[1] + cy * px - {"bottom": 0, "center": text.height / 2, "top": text.height}[va]
            return Bbox.from_bounds(x - pad[0], y - pad[1], outer.width, outer.height)

        best, best_score = (dx, dy), None
        for cx, cy in candidates:
            box = box_at(cx, cy)
            outside = not (axbox.x0 <= box.x0 and box.x1 <= axbox.x1 and axbox.y0 <= box.y0
                           and box.y1 <= axbox.y1)
            # covering data or another label is worse than a leader line crossing a curve
            hits = 2 * (len(_covers(box, obstacles)) + sum(box.overlaps(b) for _, b in others))
            if not hits and not outside and self.arrow_patch is not None and not self._adjacent(box, target):
                hits += _leader_hit(_straight_leader(box, target), target, near, obstacles, others) is not None
            score = (3 * outside + hits, math.hypot(cx, cy))
            if best_score is None or score < best_score:
                best, best_score = (cx, cy), score
            if score[0] == 0:
                break
        box = self._place(*best, renderer)
        if self.arrow_patch is not None:
            self.arrow_patch.set_visible(not self._adjacent(box, target))
        super().draw(renderer)

    def _adjacent(self, box, target) -> bool:
        """The text touches its point's marker: a leader line would be a stub."""
        gap = 14 * self.figure.dpi / 72
        return box.padded(gap).contains(*target)


def mark_point(ax, x, y, text, color="RedLine", dx=10, dy=10, marker="o", legend=False):
    """Mark and label one point of a curve (e.g. an optimum). The label is placed at draw time
    where neither it nor its leader line crosses a curve, marker, bar, other label or the legend;
    ``(dx, dy)`` (points) is the first choice. ``marker=None`` labels the point without a dot.
    ``legend=True`` puts the label in the legend instead (call ``ax.legend`` afterwards): for
    points among close curves, where any label beside the point would cross one."""
    c = COLORS.get(color, color)
    if legend:
        return ax.plot([x], [y], marker=marker or "o", color=c, markersize=7, zorder=5, linestyle="none",
                       label=text)[0]
    if marker is not None:
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
    curves, points = [], []
    for line in ax.get_lines():
        label = line.get_label()
        x, y = (np.asarray(v, float) for v in line.get_data())
        ok = np.isfinite(x) & np.isfinite(y)
        if not label.startswith("_") and ok.sum() == 1:
            points.append(label)            # a point marked in the legend (mark_point(legend=True))
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
    marks = points + [t.get_text() for t in ax.texts if t.get_text().strip()]
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


# ── figure checks ──────────────────────────────────────────────────────────────
# The book's axis-label convention: ``quantity (unit)`` — the unit in the label's last parentheses,
# optionally followed by qualifiers after a comma or semicolon: ``bandwidth (GB/s, log scale)``.
# A unit is built from the words below (``thousand USD per year``, ``queries/day``, ``point-days``);
# a quantity without a unit names its kind with one of the dimensionless markers. An axis whose tick
# labels carry their own unit (``10 s``, ``1 h``) or name categories (``iOS``, ``Android``) needs none.
DIMENSIONLESS = ("%", "count", "fraction", "ratio", "×", "probability", "dimensionless",
                 "percentage points")
UNIT_WORDS = frozenset("""
    s ms µs min mins minute minutes h hour hours d day days week weeks month months year years
    usd $ thousand million billion k
    b kb mb gb tb kib mib gib b/s kb/s mb/s gb/s
    % percentage point points query queries request requests sample samples user users session
    sessions incident incidents run runs transaction transactions prediction predictions model models
    engineer engineers label labels event events gpu gpus
    """.split())
_NUMBER = re.compile(r"^[−\-+]?\$?(\d{1,3}(,\d{3})+|\d+)?(\.\d+)?([eE][−\-+]?\d+)?$")
_POWER = re.compile(r"^\$\\mathdefault\{.*\}\$$|^\$.*\^\{.*\}\$$")
_UNGROUPED = re.compile(r"(?<![\d.,])\d{4,}(?!\d)")


def _is_unit(text: str) -> bool:
    """``GB/s``, ``thousand USD per year``, ``point-days``, ``%`` … (see :data:`UNIT_WORDS`)."""
    text = text.strip()
    if text.lower() in DIMENSIONLESS:
        return True
    words = [w for w in re.split(r"\s+|/|·|-|\bper\b", text.lower()) if w and w != "1"]
    return bool(words) and all(w in UNIT_WORDS for w in words)


def label_unit(label: str) -> str | None:
    """The unit an axis label states by the book's convention, or None.

    >>> label_unit("bandwidth (GB/s, log scale)"), label_unit("sessions"), label_unit("x (log scale)")
    ('GB/s', None, None)
    """
    m = re.search(r"\(([^()]*)\)\s*$", label.strip())
    if not m:
        return None
    unit = re.split(r"[,;]", m.group(1))[0].strip()
    return unit if _is_unit(unit) else None


def _tick_kind(text: str) -> str:
    """'number', 'unit' (a number with its unit, ``10 s``, ``20%``, ``$5``) or 'category'."""
    t = text.strip()
    if _NUMBER.match(t) or _POWER.match(t):
        return "unit" if t.lstrip("−-+").startswith("$") and not _POWER.match(t) else "number"
    m = re.match(r"^([−\-+]?\$?[\d.,]+)\s*(.+)$", t)
    if m and _NUMBER.match(m.group(1)) and _is_unit(m.group(2)):
        return "unit"
    return "category"


def _shown_ticklabels(axis) -> list:
    lo, hi = sorted(axis.get_view_interval())
    eps = 1e-9 * max(1.0, abs(lo), abs(hi))
    out = []
    for tick in axis.get_major_ticks() + axis.get_minor_ticks():
        if not (lo - eps <= tick.get_loc() <= hi + eps):
            continue
        out += [t for t in (tick.label1, tick.label2) if t.get_visible() and t.get_text().strip()]
    return out


def _all_axes(fig) -> list:
    seen: list = []

    def add(ax):
        if ax not in seen:
            seen.append(ax)
            for child in getattr(ax, "child_axes", []):
                add(child)
    for ax in fig.axes:
        add(ax)
    return seen


def _renderer(fig):
    """Draw the figure (a closed pyplot figure keeps only a base canvas: give it an Agg one)."""
    if not hasattr(fig.canvas, "get_renderer"):
        from matplotlib.backends.backend_agg import FigureCanvasAgg

        FigureCanvasAgg(fig)
    fig.canvas.draw()
    return fig.canvas.get_renderer()


def _text_box(t, renderer):
    patch = t.get_bbox_patch()
    box = Text.get_window_extent(t, renderer)
    if patch is not None and patch.get_visible():
        t.update_bbox_position_size(renderer)        # the box follows the text only when drawn
        box = type(box).union([box, patch.get_window_extent(renderer)])
    return box


def _obstacles(ax, renderer):
    """What a label must not cover, in display coordinates: ``(name, path, width_px)`` for drawn
    lines and ``(name, points_px, radius_px)`` for markers, plus the bars' boxes."""
    from matplotlib.collections import LineCollection, PathCollection

    px = ax.figure.dpi / 72
    lines, markers, bars = [], [], []
    for line in ax.get_lines():
        if not line.get_visible():
            continue
        name = line.get_label() if not line.get_label().startswith("_") else f"unlabelled {line.get_color()}"
        path = line.get_transform().transform_path(line.get_path())
        v = path.vertices
        ok = np.isfinite(v).all(axis=1)
        if line.get_linestyle() not in ("None", "none", "", " ") and line.get_linewidth() > 0:
            from matplotlib.path import Path

            # split at NaNs (gaps in a curve), keep runs of two or more points
            cuts = np.flatnonzero(~ok)
            for run in np.split(v, cuts):
                run = run[np.isfinite(run).all(axis=1)]
                if len(run) >= 2:
                    lines.append((name, Path(run), line.get_linewidth() * px / 2))
        if line.get_marker() not in (None, "None", "none", "", " ") and line.get_markersize() > 0:
            markers.append((name, v[ok], line.get_markersize() * px / 2))
    for coll in ax.collections:
        if not coll.get_visible():
            continue
        if isinstance(coll, LineCollection):
            for path in coll.get_paths():
                lines.append(("a line", coll.get_transform().transform_path(path), 1.0))
        elif isinstance(coll, PathCollection) and len(coll.get_offsets()):
            pts = coll.get_offset_transform().transform(coll.get_offsets())
            sizes = coll.get_sizes() if len(coll.get_sizes()) else [36.0]
            markers.append(("a marker", pts[np.isfinite(pts).all(axis=1)], math.sqrt(max(sizes)) * px / 2))
    for container in ax.containers:
        from matplotlib.container import BarContainer

        if isinstance(container, BarContainer):
            bars += [p.get_window_extent(renderer) for p in container.patches if p.get_visible()]
    return lines, markers, bars


def _polyline_runs(path, center, radius, step=2.0):
    """The parts of a (display) path farther than ``radius`` from ``center``, as polylines."""
    from matplotlib.path import Path

    runs = []
    for poly in path.to_polygons(closed_only=False):
        a, b = poly[:-1], poly[1:]
        n = np.maximum(2, (np.hypot(*(b - a).T) / step).astype(int))
        pts = np.concatenate([a[i] + (b[i] - a[i]) * np.linspace(0, 1, n[i] + 1)[:, None]
                              for i in range(len(a))]) if len(a) else poly
        far = np.hypot(*(pts - center).T) > radius
        cuts = np.flatnonzero(np.diff(far.astype(int))) + 1
        runs += [Path(r) for r, keep in zip(np.split(pts, cuts), np.split(far, cuts)) if keep[0] and len(r) >= 2]
    return runs


def _near(points, box, r) -> bool:
    if not len(points):
        return False
    dx = np.maximum(np.maximum(box.x0 - points[:, 0], points[:, 0] - box.x1), 0)
    dy = np.maximum(np.maximum(box.y0 - points[:, 1], points[:, 1] - box.y1), 0)
    return bool((np.hypot(dx, dy) < r).any())


def _covers(box, obstacles) -> list[str]:
    """What a text box (display coordinates) covers: the lines, markers and bars under it, in words."""
    lines, markers, bars = obstacles
    pad = box.padded(1)
    hits = [f"the line {name!r}" for name, path, lw in lines if path.intersects_bbox(pad.padded(lw), filled=False)]
    hits += [f"a marker of {name!r}" for name, pts, r in markers if _near(pts, pad, r)]
    own_bar = any(b.x0 - 1 <= box.x0 and box.x1 <= b.x1 + 1 and b.y0 - 1 <= box.y0 and box.y1 <= b.y1 + 1
                  for b in bars)
    if not own_bar and any(pad.overlaps(b) for b in bars):
        hits.append("a bar")
    return hits


def _leader_gap(ax, target, markers) -> float:
    """How close to its point a leader line may come to the curves there (the marker and a little)."""
    r = [r for _, pts, r in markers if len(pts) and np.hypot(*(pts - target).T).min() < 1]
    return 3 * ax.figure.dpi / 72 + max(r + [0])


def _straight_leader(box, target):
    """The straight leader from the edge of a text box to its point (display coordinates)."""
    from matplotlib.path import Path

    start = np.clip(target, [box.x0, box.y0], [box.x1, box.y1])
    return Path(np.array([start, target]))


def _leader_hit(path, target, near, obstacles, boxes=()) -> str | None:
    """The first line, marker or text box (``boxes``: ``(name, Bbox)``) a leader crosses farther than
    ``near`` from the point it marks."""
    lines, markers, _ = obstacles
    runs = _polyline_runs(path, target, near)
    label = next((name for name, box in boxes if any(run.intersects_bbox(box, filled=True) for run in runs)),
                 None)
    if label:
        return label
    hit = next((name for name, line, _ in lines if any(run.intersects_path(line, filled=False) for run in runs)),
               None)
    return hit or next((name for name, pts, r in markers
                        if any(len(pts) and (np.hypot(*(pts[:, None, :] - run.vertices[None]).T) < r).any()
                               for run in runs)), None)


def check_figure(fig, where: str = "figure") -> list[str]:
    """Problems of a finished figure, each a sentence naming ``where``, the axes and the artist:

    * every axis that shows numbers states a unit by the book's convention (:func:`label_unit`),
      or its tick labels carry the unit; axes without ticks or with category ticks need none;
    * numbers of four or more digits in tick labels and texts have thousands separators, and no axis
      shows an offset or scientific-notation multiplier;
    * no text, label box, leader line or legend covers a drawn line, marker or bar (a label inside one
      bar is that bar's label), and no two texts overlap.

    The figure is drawn first (an open pyplot figure, a closed one or an explorer's)."""
    from matplotlib.transforms import Bbox

    renderer = _renderer(fig)
    problems: list[str] = []
    for i, ax in enumerate(_all_axes(fig)):
        if not ax.get_visible():
            continue
        ident = (getattr(ax, "get_title", str)() or ax.yaxis.get_label().get_text()
                 or ax.xaxis.get_label().get_text() or f"#{i + 1}")
        here = f"{where}, axes {ident!r}".replace("\n", " ")
        if ax.axison:
            for name, axis in (("x", ax.xaxis), ("y", ax.yaxis)):
                if not axis.get_visible() or getattr(ax, "_orientation", name) != name:
                    continue    # a secondary axis (ax.secondary_xaxis) shows one of its two
                shown = _shown_ticklabels(axis)
                kinds = {_tick_kind(t.get_text()) for t in shown}
                label = axis.get_label().get_text() if axis.get_label().get_visible() else ""
                if "number" in kinds and label_unit(label) is None:
                    problems.append(f"{here}: the {name} axis label {label!r} states no unit (write "
                                    f"'quantity (unit)', the unit from viz.UNIT_WORDS or viz.DIMENSIONLESS)")
                boxes = [t.get_window_extent(renderer) for t in shown]
                if any(a.overlaps(b) for k, a in enumerate(boxes) for b in boxes[k + 1:]):
                    problems.append(f"{here}: {name} tick labels overlap each other "
                                    f"({', '.join(t.get_text() for t in shown)})")
                for t in shown:
                    if _UNGROUPED.search(t.get_text()):
                        problems.append(f"{here}: {name} tick label {t.get_text()!r} has no thousands separator")
                offset = axis.get_offset_text()
                if offset.get_visible() and offset.get_text().strip():
                    problems.append(f"{here}: the {name} axis shows a multiplier {offset.get_text()!r} "
                                    f"instead of its numbers")
        obstacles = _obstacles(ax, renderer)
        axbox = ax.get_window_extent(renderer)
        texts = [t for t in ax.texts if t.get_visible()]
        subjects = []
        for t in texts:
            label = t.get_text().strip().replace("\n", " ")
            if label:
                subjects.append((f"label {label!r}", _text_box(t, renderer)))
        legend = ax.get_legend()
        if legend is not None and legend.get_visible():
            subjects.append(("the legend", legend.get_window_extent(renderer)))
        words = texts + ([legend.get_title(), *legend.get_texts()] if legend is not None else [])
        words += [ax.title, ax.xaxis.label, ax.yaxis.label] if hasattr(ax, "title") else []
        for t in words:
            number = _UNGROUPED.search(t.get_text()) if t.get_visible() else None
            if number:
                problems.append(f"{here}: {number.group()!r} in the text {t.get_text()!r} has no thousands "
                                f"separator".replace("\n", " "))
        # a figure with fixed margins (an explorer's) is saved at its size, so text beyond its edges is
        # lost; one with a layout engine is displayed with bbox_inches="tight", which keeps all of it
        shown_text = [] if fig.get_layout_engine() is not None else words + (
            [legend] if legend is not None else []) + [
            t for axis in (ax.xaxis, ax.yaxis) if ax.axison and axis.get_visible() for t in _shown_ticklabels(axis)]
        for t in shown_text:
            if t.get_visible() and (t is legend or t.get_text().strip()):
                box = t.get_window_extent(renderer)
                over = max(fig.bbox.x0 - box.x0, box.x1 - fig.bbox.x1, fig.bbox.y0 - box.y0, box.y1 - fig.bbox.y1)
                if box.width and over > 1:
                    what = "the legend" if t is legend else repr(t.get_text()).replace("\\n", " ")
                    problems.append(f"{here}: {what} is cut off at the edge of the figure (by {over:.0f} px "
                                    f"of {fig.bbox.width:.0f})")
        for what, box in subjects:
            inside = Bbox.intersection(box, axbox)       # lines, markers and bars end at the axes
            if inside is None:
                continue
            for hit in dict.fromkeys(_covers(inside, obstacles)):
                problems.append(f"{here}: {what} covers {hit}")
        for (wa, a), (wb, b) in ((s, u) for k, s in enumerate(subjects) for u in subjects[k + 1:]):
            if a.overlaps(b):
                problems.append(f"{here}: {wa} overlaps {wb}")
        for t in texts:
            arrow = getattr(t, "arrow_patch", None)
            if arrow is None or not arrow.get_visible():
                continue
            target = np.asarray(t._get_position_xy(renderer))     # the point it marks
            path = arrow.get_transform().transform_path(arrow.get_path())
            own = _text_box(t, renderer)
            boxes = [(what, box) for what, box in subjects if box.bounds != own.bounds]
            crossed = _leader_hit(path, target, _leader_gap(ax, target, obstacles[1]), obstacles, boxes)
            if crossed:
                what = f"the leader line of {t.get_text().strip()!r}".replace("\n", " ")
                named = crossed if crossed.startswith(("label ", "the legend")) else repr(crossed)
                problems.append(f"{here}: {what} crosses {named}")
    return problems
