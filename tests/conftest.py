import sys

import pytest
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
sys.path.insert(0, str(Path(__file__).resolve().parent))

# Hypothesis: the default "ci" profile is derandomized (the same examples every run, so a red test
# is a real regression and not a new draw) and keeps no example database; HYPOTHESIS_PROFILE=explore
# draws fresh, many more examples for hunting bugs locally (`HYPOTHESIS_PROFILE=explore pytest …`).
import os

from hypothesis import HealthCheck, settings

settings.register_profile("ci", derandomize=True, database=None, deadline=None,
                          print_blob=True, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("explore", derandomize=False, max_examples=2_000, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium driven by Playwright (never a downloaded browser); see browser_util.launch."""
    from browser_util import launch
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = launch(p)
        yield b
        b.close()
