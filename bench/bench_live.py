#!/usr/bin/env python3
"""Time to live: from pressing "Go live" at an explorer to the first explorer that updates.

Serves a built site with ``tools/live.LiveSite`` (the code path of ``make live``: the site and a Jupyter
server from this venv on 127.0.0.1), opens the retraining-economics page in Debian's Chromium
(Playwright) ``--runs`` times, each in a fresh browser context with a fresh kernel, and measures

* **go live**: click → every explorer on the page replaced by its live version (kernel started,
  the page's code run, widgets rendered);
* **first update**: a slider of the first explorer moved with the keyboard → its numbers change;
* **click → first updated explorer**: the sum of the two, the reader's wait.

Prints each run and the medians. No network. ``SITE_HTML`` picks the build (default ``_build/html``).

    python bench/bench_live.py [--runs 5] [--page retraining_economics]
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
sys.path.insert(0, str(ROOT / "tests"))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--page", default="retraining_economics")
    args = ap.parse_args(argv)
    html = Path(os.environ.get("SITE_HTML", ROOT / "_build" / "html"))
    if not (html / "book" / f"{args.page}.html").is_file():
        print(f"bench_live: skipped, no built page {html}/book/{args.page}.html (run `make book` first)")
        return 0
    from browser_util import launch
    from live import LiveSite
    from playwright.sync_api import sync_playwright

    rows = []
    with LiveSite(html) as site, sync_playwright() as pw:
        browser = launch(pw)
        for run in range(1, args.runs + 1):
            context = browser.new_context(viewport={"width": 1366, "height": 900})
            page = context.new_page()
            page.goto(f"{site.url}/book/{args.page}.html", wait_until="load")
            page.locator(".jupyter-widgets").first.wait_for(state="visible", timeout=60_000)
            page.wait_for_load_state("networkidle")
            page.locator(".mlsysim-live-button").first.click()
            page.wait_for_function("() => ['live', 'error'].includes(window.mlsysimLive.state)", timeout=300_000)
            state = page.evaluate("() => window.mlsysimLive")
            if state["state"] != "live":
                raise SystemExit(f"run {run}: could not go live: {state['error']}")
            t_live = (state["liveAt"] - state["clickedAt"]) / 1000
            ex = page.locator(".mlsysim-live-output .mlsysim-explorer").first
            text = ex.locator(".mathjax_ignore").first
            before = text.inner_text()
            ex.locator(".noUi-handle").first.focus()
            t0 = time.perf_counter()
            for _ in range(10):
                page.keyboard.press("ArrowRight")
            page.wait_for_function("([el, t]) => el.innerText !== t", arg=[text.element_handle(), before],
                                   timeout=60_000, polling=10)
            t_update = time.perf_counter() - t0
            context.close()
            site.shutdown_kernels()
            rows.append((t_live, t_update))
            print(f"run {run}: go live {t_live:6.2f} s   first update {t_update:6.3f} s   "
                  f"click → first updated explorer {t_live + t_update:6.2f} s", flush=True)
        browser.close()
    live = statistics.median(r[0] for r in rows)
    upd = statistics.median(r[1] for r in rows)
    total = statistics.median(r[0] + r[1] for r in rows)
    print(f"\n{args.page}, {len(rows)} runs, local server (make live), load average {os.getloadavg()[0]:.1f}")
    print(f"median go live                         {live:6.2f} s")
    print(f"median first update after go live      {upd:6.3f} s")
    print(f"median click → first updated explorer  {total:6.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
