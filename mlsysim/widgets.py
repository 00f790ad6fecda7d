"""Explorers: ipywidgets built from a Calculation's Params.

``explore(RetrainingInterval, params=[...], render=..., plot=...)`` returns an :class:`Explorer`
(a ``VBox``) with one row per parameter — a slider (logarithmic for ``log=True`` Params) and a
text box that shows the exact value and accepts a typed one — followed by a live text area, a
message area and, optionally, a plot.  Every change rebuilds the Calculation with the new inputs:

* a typed value the Param rejects, or a broken hard invariant (``check``), is shown as a readable
  message in the explorer, and the numbers stay at the last valid inputs (never a traceback);
* soft invariants (``calc.expect``) appear as warnings beside the numbers.

Explorers are testable without a browser: ``ex.sliders['drift_rate'].value = 0.08`` (or
``ex.set(drift_rate=0.08)``) updates ``ex.text.value`` synchronously.
"""
from __future__ import annotations

import base64
import html
import math

import ipywidgets as W
import matplotlib

from .calc import Calculation, ParamError
from .fmt import GuardError

__all__ = ["explore", "Explorer", "md_to_html"]

_MD = None


def md_to_html(text: str) -> str:
    """Markdown (CommonMark + tables) to HTML for the explorer's text area (no math: ``$`` is money)."""
    global _MD
    if _MD is None:
        from markdown_it import MarkdownIt

        _MD = MarkdownIt("commonmark").enable("table")
    return _MD.render(text)


_WIDTHS: dict = {}


def _text_width(text: str, size: float) -> float:
    """The width of a tick label in points (the house font), cached."""
    key = (text, size)
    if key not in _WIDTHS:
        from matplotlib.font_manager import FontProperties
        from matplotlib.textpath import text_to_path

        ismath = text.count("$") >= 2
        _WIDTHS[key] = text_to_path.get_text_width_height_descent(text, FontProperties(size=size),
                                                                    ismath=ismath)[0]
    return _WIDTHS[key]


def _value_text(v) -> str:
    if isinstance(v, int):
        return f"{v:,}"
    return f"{v:,.6g}" if abs(v) < 1e6 else f"{v:,.0f}"


class Explorer(W.VBox):
    """An interactive view of one Calculation. See the module docstring."""

    def __init__(self, calc_cls, params=None, render=None, plot=None, base=None, title=None,
                 figsize=(6.4, 3.4), margins=None, plot_alt=None):
        if isinstance(calc_cls, Calculation):
            base = {**calc_cls.inputs(), **(base or {})}
            calc_cls = type(calc_cls)
        self.calc_cls = calc_cls
        self.base = dict(base or {})
        declared = calc_cls.params()
        names = list(params) if params is not None else [
            n for n, p in declared.items() if p.choices is not None or (p.lo is not None and p.hi is not None)]
        missing = [n for n in names if n not in declared]
        if missing:
            raise ParamError(f"{calc_cls.__name__} has no parameter {', '.join(missing)}; "
                             f"its parameters are: {', '.join(declared)}.")
        self._render = render or (lambda c: "\n".join(f"- {k} = {v}" for k, v in vars(c).items()
                                                      if k.endswith("_str")))
        self._plot = plot
        self._figsize = figsize
        self._margins = {"left": 0.13, "right": 0.97, "bottom": 0.19, "top": 0.95, **(margins or {})}
        self._fig = self._ax = None
        self._syncing = False
        self.calc = None          # last valid Calculation
        self.error = None         # message of the last rejected input, if any
        self.sliders, self.entries, rows = {}, {}, []
        for n in names:
            p = declared[n]
            start = self.base.get(n, p.default)
            slider = self._slider(p, start)
            slider.observe(self._on_slider, names="value")
            slider._mlsysim_name = n
            self.sliders[n] = slider
            row_layout = W.Layout(flex_flow="row wrap", align_items="center")
            if p.choices is not None:          # a dropdown needs no text box
                rows.append(W.HBox([slider], layout=row_layout).add_class("mlsysim-row"))
                continue
            # The box's accessible name comes from the slider's label (set by the site's explorers.js,
            # which also gives the slider handle an aria-valuetext such as "5,000 USD/run").
            entry = W.Text(value=_value_text(start), continuous_update=False,
                           layout=W.Layout(width="110px"), tooltip=p.allowed())
            entry.observe(self._on_entry, names="value")
            entry._mlsysim_name = n
            self.entries[n] = entry
            unit = W.HTML(f'<span class="mlsysim-unit">{html.escape(p.unit or "")}</span>',
                          layout=W.Layout(margin="0 0 0 4px", min_width="90px"))
            rows.append(W.HBox([slider, entry, unit], layout=row_layout).add_class("mlsysim-row"))
        # Plain HTML (no math: "$5 … $9" is money), and marked so MathJax never looks inside.
        self.text = W.HTML(layout=W.Layout(margin="6px 0 0 0")).add_class("tex2jax_ignore").add_class(
            "mathjax_ignore")
        self.message = W.HTML()
        # The plot is an <img> of an SVG inside an HTML widget: sharp at any pixel density, as wide as
        # its container, and with an alt text. Its caption says what the plot shows for the current
        # inputs (``plot_alt(calc)``, or ``plot_alt`` followed by a description read off the axes).
        self._plot_alt = plot_alt
        self._title = title
        self.svg = b""
        self.out = W.HTML(layout=W.Layout(width="100%")).add_class("mlsysim-plot") if plot else None
        self.plot_caption = W.HTML().add_class("mlsysim-plot-caption") if plot else None
        header = [W.HTML(f"<b>{html.escape(title)}</b>")] if title else []
        children = header + rows + [self.message, self.text] + ([self.out, self.plot_caption] if plot else [])
        super().__init__(children=children, layout=W.Layout(border="1px solid #d9dde3",
                                                            padding="8px", margin="8px 0"))
        self.add_class("mlsysim-explorer")
        self.update()

    @staticmethod
    def _slider(p, start):
        style = {"description_width": "260px"}
        if p.choices is not None:
            return W.Dropdown(options=list(p.choices), value=start, description=p.describe(), style=style,
                              layout=W.Layout(width="560px", max_width="100%"))
        # the slider gives way (down to 400 px) so its value box and unit stay on its line on a
        # desktop page; on a phone explorers.css puts the label above a full-width slider
        common = dict(description=p.label, continuous_update=False, readout=False,
                      style=style, layout=W.Layout(width="560px", max_width="560px", flex="1 1 400px",
                                                   min_width="400px"))
        if p.log:
            return W.FloatLogSlider(value=start, base=10, min=math.log10(p.lo), max=math.log10(p.hi),
                                    step=p.step or (math.log10(p.hi) - math.log10(p.lo)) / 200,
                                    **common).add_class("mlsysim-log")
        if p.integer:
            return W.IntSlider(value=start, min=p.lo, max=p.hi, step=p.step or 1, **common)
        return W.FloatSlider(value=start, min=p.lo, max=p.hi, step=p.step or (p.hi - p.lo) / 200, **common)

    # -- events --------------------------------------------------------------------------------
    def _on_slider(self, change):
        if self._syncing:
            return
        name = change["owner"]._mlsysim_name
        if name in self.entries:
            self._syncing = True
            self.entries[name].value = _value_text(change["new"])
            self._syncing = False
        self.update()

    def _on_entry(self, change):
        if self._syncing:
            return
        name = change["owner"]._mlsysim_name
        p = self.calc_cls.params()[name]
        try:
            value = p.validate(change["new"])
        except ParamError as exc:
            self._show_error(f"{p.label}: {exc}")
            return
        self._syncing = True
        self.sliders[name].value = value
        self._syncing = False
        self.update(**{name: value})

    # -- state -----------------------------------------------------------------------------------
    def values(self) -> dict:
        return {**self.base, **{n: s.value for n, s in self.sliders.items()}}

    def set(self, **values):
        """Set inputs as a reader would type them (invalid values produce a message)."""
        for name, v in values.items():
            if name not in self.sliders:
                self._show_error(f"This explorer has no input {name!r}; it has: {', '.join(self.sliders)}.")
                return
            if name in self.entries:
                self.entries[name].value = str(v)
                continue
            p = self.calc_cls.params()[name]          # a dropdown: only its choices are possible
            try:
                self.sliders[name].value = p.validate(v)
            except ParamError as exc:
                self._show_error(f"{p.label}: {exc}")
                return

    def update(self, **exact):
        values = {**self.values(), **exact}
        try:
            calc = self.calc_cls(**values)
        except (ParamError, GuardError) as exc:
            self._show_error(str(exc))
            return
        self.calc, self.error = calc, None
        self.text.value = md_to_html(self._render(calc))
        self.message.value = "".join(
            f'<div class="mlsysim-warning" style="background:#fff4e5;border-left:4px solid #e67e22;'
            f'padding:4px 8px;margin:2px 0">⚠ {html.escape(w)}</div>' for w in calc.warnings)
        if self.out is not None:
            self._draw(calc)

    def _show_error(self, message: str):
        self.error = message
        self.message.value = (
            '<div class="mlsysim-error" style="background:#fdecea;border-left:4px solid #c0392b;'
            f'padding:4px 8px;margin:2px 0">✖ {html.escape(message)}'
            '<br><small>The numbers below still show the last valid inputs.</small></div>')

    def _draw(self, calc):
        # The plot is an SVG in an HTML widget: no output capture (which only a browser front-end
        # routes correctly), deterministic, and embedded in the saved widget state for the website.
        # One figure is reused with fixed margins, widened only where labels would be cut: creating
        # figures and running a layout engine on every slider move would dominate the update time.
        import io

        from . import viz

        if self._fig is None:
            self._fig, self._ax, _, plt = viz.setup_plot(figsize=self._figsize)
            self._fig.set_layout_engine(None)
            self._fig.subplots_adjust(**self._margins)
            plt.close(self._fig)              # keep it out of pyplot's figure manager (no inline display)
        self._ax.clear()
        self._plot(calc, self._ax)
        viz.tidy_axes(self._ax)
        self._fit_margins()
        if callable(self._plot_alt):
            alt = str(self._plot_alt(calc))
        else:
            lead = self._plot_alt or f"Plot of {self._title or self.calc_cls.__name__}"
            alt = f"{lead.rstrip('. ')}. For the inputs set above: {viz.describe_axes(self._ax)}"
        buf = io.BytesIO()
        self._fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None})
        self.svg = buf.getvalue()
        width, height = (72 * x for x in self._fig.get_size_inches())
        src = "data:image/svg+xml;base64," + base64.b64encode(self.svg).decode("ascii")
        self.out.value = (f'<img src="{src}" alt="{html.escape(alt)}" width="{width:.0f}" height="{height:.0f}" '
                          'style="width:100%;max-width:100%;height:auto">')
        self.plot_caption.value = (f'<div class="mlsysim-plot-caption" aria-hidden="true" '
                                   f'style="font-size:0.85em;color:#4b5563">{html.escape(alt)}</div>')

    def _fit_margins(self, pad: float = 4.0):
        """Widen the fixed margins where tick labels or the y-axis label would run past the figure's
        left or right edge (the SVG is saved at the figure's size, so they would be cut): long numbers
        such as ``100,000,000`` at extreme inputs. No drawing and no layout engine: the tick labels are
        formatted and their widths measured with the font (cached), in points."""
        fig, ax = self._fig, self._ax
        margins = dict(self._margins)
        fig.subplots_adjust(**margins)
        ax.get_xlim(), ax.get_ylim()              # settle autoscaling
        width = fig.get_figwidth() * 72
        to_pt = 72 / fig.dpi
        rc = matplotlib.rcParams

        def labels(axis):
            lo, hi = sorted(axis.get_view_interval())
            locs = [v for v in axis.get_majorticklocs() if lo - 1e-9 * abs(hi - lo) <= v <= hi + 1e-9 * abs(hi - lo)]
            texts = axis.get_major_formatter().format_ticks(locs)
            size = axis.get_major_ticks()[0].label1.get_fontsize() if locs else 10
            return [(v, t, size) for v, t in zip(locs, texts) if t]

        ys = labels(ax.yaxis)
        tick_w = max((_text_width(t, size) for _, t, size in ys), default=0.0)
        label = ax.yaxis.get_label()
        label_h = 1.25 * label.get_fontsize() + rc["axes.labelpad"] if label.get_text() else 0.0
        need = tick_w + rc["ytick.major.size"] + rc["ytick.major.pad"] + label_h + pad
        margins["left"] = max(margins["left"], need / width)
        xs = labels(ax.xaxis)
        if xs:
            fig.subplots_adjust(**margins)
            right_edge = max(ax.transData.transform((v, 0))[0] * to_pt + _text_width(t, size) / 2
                             for v, t, size in xs)
            margins["right"] -= max(0.0, right_edge + pad - width) / width
        fig.subplots_adjust(**margins)

    def __repr__(self):
        # The text/plain of the widget output: all that a saved notebook (or a frontend without the
        # widget manager) shows until the reader runs the cell, so say what to do, not what it is.
        return f"Run this cell to explore {self.calc_cls.__name__} ({', '.join(self.sliders)})."


def explore(calc_cls, params=None, render=None, plot=None, base=None, title=None, figsize=(6.4, 3.4),
            margins=None, plot_alt=None):
    """Build an :class:`Explorer` for ``calc_cls`` (a Calculation class or instance).

    ``params`` picks and orders the inputs (default: every Param with a range or choices); ``render``
    turns a Calculation into Markdown; ``plot(calc, ax)`` draws on a reused axes; ``margins`` overrides
    the plot's fixed subplot margins (``left``, ``right``, ``bottom``, ``top``) for long tick labels;
    ``plot_alt`` describes the plot in words: a string (followed by a description of the current
    curves read off the axes) or ``plot_alt(calc) -> str``; it is the plot's alt text and its caption.
    """
    return Explorer(calc_cls, params=params, render=render, plot=plot, base=base, title=title,
                    figsize=figsize, margins=margins, plot_alt=plot_alt)
