"""Benchmark: cost of `import mlsysim` (without plotting) against building a pint UnitRegistry.

Each measurement runs in a fresh interpreter (so nothing is cached in sys.modules) and the median
of several runs is reported.  Target: import ≤ 0.15 s, ratio to `pint.UnitRegistry()` ≤ 0.5.
"""
import statistics
import subprocess
import sys

RUNS = 7
IMPORT = ("import time; t=time.perf_counter(); import mlsysim, mlsysim.calc, mlsysim.fmt, "
          "mlsysim.core.constants; print(time.perf_counter()-t)")
WITH_MODEL = ("import time; t=time.perf_counter(); import mlsysim, mlsysim.calc, mlsysim.fmt, "
              "mlsysim.core.constants, mlsysim.models.retraining; print(time.perf_counter()-t)")
NUMPY = "import time; t=time.perf_counter(); import numpy; print(time.perf_counter()-t)"
PINT = ("import pint, time; t=time.perf_counter(); pint.UnitRegistry(); print(time.perf_counter()-t)")
BASELINE = "import time; t=time.perf_counter(); print(time.perf_counter()-t)"


def median(code: str) -> float:
    return statistics.median(float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                                                  check=True).stdout) for _ in range(RUNS))


if __name__ == "__main__":
    t_import, t_model, t_numpy, t_pint = median(IMPORT), median(WITH_MODEL), median(NUMPY), median(PINT)
    print(f"import mlsysim + calc, fmt, constants:     {t_import * 1000:7.1f} ms (median of {RUNS})")
    print(f"  … + models.retraining (pulls in numpy):  {t_model * 1000:7.1f} ms   (numpy alone {t_numpy * 1000:.1f} ms)")
    print(f"pint.UnitRegistry():                       {t_pint * 1000:7.1f} ms")
    print(f"ratio import mlsysim / UnitRegistry = {t_import / t_pint:.3f}   (goal ≤ 0.5)")
    print(f"ratio with a numpy-based model      = {t_model / t_pint:.3f}   (numpy's own share: {t_numpy / t_pint:.3f})")
