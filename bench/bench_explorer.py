"""Benchmark: latency of one explorer update, against a bare matplotlib redraw of the same figure.

Uses the retraining-economics section's own Calculation, plot function and explorer (loaded from
the notebook). One run measures, interleaved so machine noise hits both alike:

* the explorer update a reader triggers by moving the drift-rate slider: new Calculation, text,
  plot redrawn, SVG encoded into the page (alt text and caption included);
* a *bare* redraw: the same plot function on a matplotlib figure of the same style, size and margins,
  saved in the same format (SVG) — what the plot costs without the explorer around it.

Goals: text-only update ≤ 20 ms; update with plot ≤ 1.2× the bare redraw (median ratio).
"""
import io
import statistics
import sys
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from notebook_ns import load_namespace  # noqa: E402

from mlsysim import viz  # noqa: E402
from mlsysim.widgets import explore  # noqa: E402

N = 30
VALUES = [0.01, 0.02, 0.04, 0.08, 0.16]


def main():
    ns = load_namespace("retraining_economics")
    text_only = explore(ns["RetrainingInterval"], params=["retrain_cost", "drift_rate", "query_volume",
                                                          "value_per_query"], render=ns["describe"])
    ex = ns["explorer"]
    size = tuple(ex._fig.get_size_inches())
    # the same figure: house style, size and margins (so the same tick labels and text), no explorer
    bare_fig, bare_ax, _, _ = viz.setup_plot(figsize=size)
    bare_fig.set_layout_engine(None)
    bare_fig.subplots_adjust(**ex._margins)
    plt.close(bare_fig)
    calcs = {v: ex.calc.with_(drift_rate=v) for v in VALUES}

    def bare(v):
        bare_ax.clear()
        ns["plot_cost_curve"](calcs[v], bare_ax)
        buf = io.BytesIO()
        bare_fig.savefig(buf, format="svg")
        return buf.getvalue()

    text, upd, raw = [], [], []
    for i in range(N):
        v = VALUES[i % len(VALUES)]
        t = time.perf_counter()
        text_only.sliders["drift_rate"].value = v
        text.append(time.perf_counter() - t)
        t = time.perf_counter()
        ex.sliders["drift_rate"].value = v
        upd.append(time.perf_counter() - t)
        t = time.perf_counter()
        bare(v)
        raw.append(time.perf_counter() - t)
    med = statistics.median
    ratios = [u / r for u, r in zip(upd, raw)]
    print(f"explorer update, text only: median {med(text) * 1000:.1f} ms (goal ≤ 20 ms → ratio "
          f"{med(text) / 0.020:.2f})")
    print(f"explorer update with plot:  median {med(upd) * 1000:.1f} ms ({len(ex.svg) / 1024:.0f} KiB SVG)")
    print(f"bare matplotlib redraw+save of the same figure ({size[0]:.1f}×{size[1]:.1f} in, SVG): "
          f"median {med(raw) * 1000:.1f} ms")
    print(f"ratio explorer/bare: {med(upd) / med(raw):.2f} (median of per-pair ratios {med(ratios):.2f}; "
          f"goal ≤ 1.20)")


if __name__ == "__main__":
    main()
