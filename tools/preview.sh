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
.venv/bin/jupyter-book build . --toc "$out/_toc.yml" --path-output "$out" -W -n --keep-going > "$out/build.log" 2>&1 \
  && echo "OK: $out/_build/html" \
  || { grep -E "WARNING|ERROR" "$out/build.log" | grep -v "TCP without encryption"; echo "FAILED: see $out/build.log"; exit 1; }
