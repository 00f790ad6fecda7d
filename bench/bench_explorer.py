"""Benchmark: latency of one explorer update (recompute + text) and with the plot redrawn.

Uses the retraining-economics section's own Calculation and explorer (loaded from the notebook).
Targets: median update ≤ 20 ms without plot, ≤ 150 ms with plot.
"""
import statistics
import sys
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from notebook_ns import load_namespace  # noqa: E402

from mlsysim.widgets import explore  # noqa: E402

N = 40


def timed(ex, values):
    out = []
    for i in range(N):
        t = time.perf_counter()
        ex.sliders["drift_rate"].value = values[i % len(values)]
        out.append(time.perf_counter() - t)
    return statistics.median(out), max(out)


if __name__ == "__main__":
    ns = load_namespace("retraining_economics")
    values = [0.01, 0.02, 0.04, 0.08, 0.16]
    text_only = explore(ns["RetrainingInterval"], params=["retrain_cost", "drift_rate", "query_volume",
                                                          "value_per_query"], render=ns["describe"])
    with_plot = ns["explorer"]
    med_t, max_t = timed(text_only, values)
    med_p, max_p = timed(with_plot, values)
    print(f"explorer update, text only: median {med_t * 1000:.1f} ms, max {max_t * 1000:.1f} ms "
          f"(goal ≤ 20 ms → ratio {med_t / 0.020:.2f})")
    print(f"explorer update, with plot: median {med_p * 1000:.1f} ms, max {max_p * 1000:.1f} ms "
          f"(goal ≤ 150 ms → ratio {med_p / 0.150:.2f})")
