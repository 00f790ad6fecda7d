#!/usr/bin/env python3
"""Vendor the browser assets the website needs, so the built site works with no network.

The built pages need two things that Sphinx/myst-nb would otherwise load from CDNs:

* **MathJax 3** (``es5/`` build: the combined ``tex-mml-chtml.js`` component plus the fonts and
  extensions it loads on demand), served as ``_static/mathjax/es5/``;
* the **Jupyter widgets HTML manager** (``embed-amd.js`` and the icon fonts it references) and the
  **RequireJS** loader it runs on, served as ``_static/widgets/``; they render the widget state
  that execution stores in each page (explorers show their default state on the static site).

Each package is fetched from the npm registry with ``npm pack`` at an exact, pinned version, its
tarball is checked against the pinned ``sha512`` integrity below, and the needed files are unpacked
into ``_vendor/`` (git-ignored).  ``_ext/offline_assets.py`` adds ``_vendor/`` to the site's static
path.  Running this again is a no-op while ``_vendor/VERSIONS.json`` matches the pins, so a build
needs the network only the first time (``npm --prefer-offline`` also reuses npm's cache).

    python tools/vendor_assets.py            # fetch if missing or outdated
    python tools/vendor_assets.py --check    # exit 1 unless _vendor/ matches the pins (no network)
    python tools/vendor_assets.py --force    # fetch again
"""
from __future__ import annotations

import argparse
import base64
import hashlib
import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENDOR = ROOT / "_vendor"
STAMP = VENDOR / "VERSIONS.json"

# name -> (exact version, npm "integrity" of the tarball, [(path prefix in the tarball, destination)])
PINS: dict[str, tuple[str, str, list[tuple[str, str]]]] = {
    "mathjax": (
        "3.2.2",
        "sha512-Bt+SSVU8eBG27zChVewOicYs7Xsdt40qm4+UpHyX7k0/O9NliPc+x77k1/FEsPsjKPZGJvtRZM1vO+geW0OhGw==",
        [("package/es5/", "mathjax/es5/"), ("package/LICENSE", "mathjax/LICENSE")],
    ),
    # html-manager 1.0.x is the embed manager of ipywidgets 8 (widget protocol 2.x), as pinned in
    # requirements.txt (ipywidgets 8.1.x); embed-amd.js bundles @jupyter-widgets/base + controls.
    "@jupyter-widgets/html-manager": (
        "1.0.15",
        "sha512-5thBIV6ymNgmPVOHvzx+gGy8ZSKmSazhtGw4/c4xJDVzRhG9PTeQsRjF3FUTopvFi//SABeNz1yp47bCrJ3CQA==",
        [("package/dist/embed-amd.js", "widgets/embed-amd.js")]
        + [(f"package/dist/*.{ext}", "widgets/") for ext in ("woff", "woff2", "ttf", "eot", "svg")],
    ),
    "requirejs": (
        "2.3.7",
        "sha512-DouTG8T1WanGok6Qjg2SXuCMzszOo0eHeH9hDZ5Y4x8Je+9JB38HdTLT4/VA8OaUhBa0JPVHJ0pyBkM1z+pDsw==",
        [("package/require.js", "widgets/require.js")],
    ),
    # thebe-core: the kernel connector of thebe 0.9.x (thebe@0.9.3 depends on thebe-core ^0.5.0). Its
    # ThebeManager is @jupyter-widgets/jupyterlab-manager 5 (ipywidgets 8). The site's live explorers
    # (_ext/static/mlsysim-live/live.js) load it only when a reader clicks "Go live".
    "thebe-core": (
        "0.5.0",
        "sha512-LIAbySgyoH8PPojNOwTwnjHta332CXtqVMPtgC3wBuIkHkgQpJYZUkWGvZR+T6pkgmjIei/WkKMFtV1jstXwWA==",
        [("package/dist/lib/thebe-core.min.js", "thebe/thebe-core.min.js"),
         ("package/dist/lib/*.thebe-core.min.js", "thebe/"),
         ("package/dist/lib/thebe-core.css", "thebe/thebe-core.css"),
         ("package/LICENSE", "thebe/LICENSE")],
    ),
    # axe-core: the accessibility engine the browser tests inject into every page (tests only;
    # no page links it).
    "axe-core": (
        "4.14.1",
        "sha512-FHfa+lmNjQZfJz1q8wKqIDwC6DExcHt/pkjNQb09a3NPjCKg2rhu5qb2S4r76ASyFNNtuFooJpZe37OgudVGtQ==",
        [("package/axe.min.js", "axe/axe.min.js"), ("package/LICENSE", "axe/LICENSE")],
    ),
}

# Files the site configuration points at; their presence is what --check and the Sphinx extension test.
REQUIRED = ["mathjax/es5/tex-mml-chtml.js", "mathjax/es5/output/chtml/fonts/woff-v2/MathJax_Main-Regular.woff",
            "widgets/embed-amd.js", "widgets/require.js", "axe/axe.min.js", "thebe/thebe-core.min.js"]


# Edits applied to vendored files after the tarball's integrity check: (file, exact text, replacement).
# thebe-core's webpack build loads its lazy chunks from the server root ("/123.thebe-core.min.js");
# they live next to the bundle, so the public path becomes the bundle's own folder (any page depth,
# any base path such as a GitHub Pages project site).
PATCHES = [
    ("thebe/thebe-core.min.js", '__webpack_require__.p="/"',
     '__webpack_require__.p=(document.currentScript&&document.currentScript.src||"/").replace(/[^/]*$/,"")'),
]


def apply_patches(root: Path) -> None:
    for rel, old, new in PATCHES:
        path = root / rel
        text = path.read_text(encoding="utf-8")
        if text.count(old) != 1:
            raise SystemExit(f"cannot patch {rel}: expected exactly one {old!r}")
        path.write_text(text.replace(old, new), encoding="utf-8")


def wanted() -> dict[str, str]:
    return {name: version for name, (version, _, _) in PINS.items()}


def up_to_date() -> bool:
    try:
        recorded = json.loads(STAMP.read_text())
    except (OSError, ValueError):
        return False
    return recorded.get("packages") == wanted() and all((VENDOR / f).is_file() for f in REQUIRED)


def integrity(path: Path) -> str:
    return "sha512-" + base64.b64encode(hashlib.sha512(path.read_bytes()).digest()).decode()


def npm_pack(spec: str, dest: Path) -> Path:
    npm = shutil.which("npm")
    if npm is None:
        raise SystemExit("npm is needed to vendor the site's assets (apt-get install nodejs npm)")
    out = subprocess.run([npm, "pack", spec, "--json", "--prefer-offline", "--pack-destination", str(dest)],
                         check=True, capture_output=True, text=True, cwd=dest).stdout
    info = json.loads(out[out.index("["):])[0]
    return dest / info["filename"]


def _matches(member: str, pattern: str) -> bool:
    if "*" in pattern:
        head, tail = pattern.split("*", 1)
        return member.startswith(head) and "/" not in member[len(head):] and member.endswith(tail)
    return member == pattern or (pattern.endswith("/") and member.startswith(pattern))


def unpack(tgz: Path, rules: list[tuple[str, str]], into: Path) -> int:
    count = 0
    with tarfile.open(tgz, "r:gz") as tar:
        for member in tar.getmembers():
            if not member.isfile():
                continue
            for pattern, dest in rules:
                if not _matches(member.name, pattern):
                    continue
                if pattern.endswith("/"):
                    rel = dest + member.name[len(pattern):]
                elif dest.endswith("/"):
                    rel = dest + member.name.rsplit("/", 1)[-1]
                else:
                    rel = dest
                target = into / rel
                if ".." in Path(rel).parts:
                    raise SystemExit(f"refusing to unpack {member.name!r} outside {into}")
                target.parent.mkdir(parents=True, exist_ok=True)
                with tar.extractfile(member) as src, open(target, "wb") as dst:
                    shutil.copyfileobj(src, dst)
                count += 1
                break
    return count


def vendor(force: bool = False) -> None:
    if up_to_date() and not force:
        print(f"_vendor/ is up to date ({', '.join(f'{n}@{v}' for n, v in wanted().items())})")
        return
    with tempfile.TemporaryDirectory(prefix="vendor-") as tmp:
        tmp = Path(tmp)
        staging = tmp / "staging"
        staging.mkdir()
        for name, (version, pinned, rules) in PINS.items():
            tgz = npm_pack(f"{name}@{version}", tmp)
            got = integrity(tgz)
            if got != pinned:
                raise SystemExit(f"{name}@{version}: tarball integrity {got} does not match the pinned {pinned}")
            n = unpack(tgz, rules, staging)
            print(f"vendored {name}@{version}: {n} files")
        apply_patches(staging)
        (staging / "VERSIONS.json").write_text(json.dumps(
            {"packages": wanted(), "integrity": {n: p[1] for n, p in PINS.items()}}, indent=2) + "\n")
        missing = [f for f in REQUIRED if not (staging / f).is_file()]
        if missing:
            raise SystemExit(f"vendored packages lack {missing}")
        if VENDOR.exists():
            shutil.rmtree(VENDOR)
        shutil.move(str(staging), VENDOR)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="only check _vendor/ against the pins (no network)")
    ap.add_argument("--force", action="store_true", help="fetch even if _vendor/ is up to date")
    args = ap.parse_args(argv)
    if args.check:
        ok = up_to_date()
        print("_vendor/ matches the pins" if ok else "_vendor/ is missing or outdated: run tools/vendor_assets.py")
        return 0 if ok else 1
    vendor(force=args.force)
    return 0


if __name__ == "__main__":
    sys.exit(main())
