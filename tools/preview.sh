#!/usr/bin/env bash
# Build only some pages of the book (plus intro, glossary, bibliography) with warnings as errors,
# into a private folder, so several authors can check their pages without a full build.
#   tools/preview.sh book/a.ipynb book/b.ipynb      → prints the output folder
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(mktemp -d /tmp/preview.XXXXXX)
{
  echo "format: jb-book"
  echo "root: book/intro"
  echo "chapters:"
  # intro.md and how_to_use link to these pages, so they are always part of a preview
  for f in book/how_to_use book/instructors book/retraining_economics "$@"; do echo "${f%.*}"; done | awk '!seen[$0]++' \
    | sed 's/^/  - file: /' 
  echo "  - file: book/glossary"
  echo "  - file: book/bibliography"
} > "$out/_toc.yml"
# A reference to a label that a page *outside* this preview defines cannot resolve here; such
# warnings are listed but do not fail the preview (the full build checks them). Anything else does.
.venv/bin/jupyter-book build . --toc "$out/_toc.yml" --path-output "$out" -W -n --keep-going > "$out/build.log" 2>&1 \
  && { echo "OK: $out/_build/html"; exit 0; }
grep -E "WARNING|ERROR" "$out/build.log" | grep -v "TCP without encryption" > "$out/warnings.txt" || true
.venv/bin/python - "$out/_toc.yml" "$out/warnings.txt" <<'PY' && echo "OK: $out/_build/html" || { echo "FAILED: see $out/build.log"; exit 1; }
import re, sys
from pathlib import Path
included = set(re.findall(r"file: (\S+)", Path(sys.argv[1]).read_text()))
outside = [p for p in sorted(Path("book").glob("*")) if p.suffix in (".ipynb", ".md") and f"book/{p.stem}" not in included]
def defined_outside(label):
    pat = re.compile(r"\(" + re.escape(label) + r"\)=?|name:\s*" + re.escape(label) + r"\b|[\"']name[\"']:\s*[\"']"
                     + re.escape(label) + r"[\"']|label=[\\]*[\"']" + re.escape(label))
    return any(pat.search(p.read_text(encoding="utf-8")) for p in outside)
bad = 0
for line in Path(sys.argv[2]).read_text().splitlines():
    m = re.search(r"undefined label: '?([\w-]+)|equation not found: ([\w-]+)|reference target not found: ([\w-]+)"
                  r"|(?:ref|eq|numref) to unknown label ([\w-]+)", line)
    label = m and next(g for g in m.groups() if g)
    if label and defined_outside(label):
        print(f"(not checked: {label} is defined on a page outside this preview)")
    else:
        print(line)
        bad += 1
sys.exit(1 if bad else 0)
PY
