#!/usr/bin/env python3
"""Measure how closely the book's prose follows a reference text.

    tools/overlap.py REFERENCE [BOOK_FILE ...] [--run 12] [--ratio 0.8] [--show N] [--json]

REFERENCE is any Markdown-like text (a Quarto .qmd chapter, .md, or a notebook). The book files
default to every notebook and Markdown page under book/; only the *prose* of a notebook (its
markdown cells) is compared, never code.

Both sides are normalised the same way before comparing: markup, code blocks, citations, cross-
references and math are removed or replaced by neutral tokens (`{eval}` roles and Quarto
`{python}` inline values both become the token "val", so "a cost of {eval}`x` a year" matches
"a cost of `{python} x` a year"), text is lower-cased and reduced to words.

Per book file it reports
  sentences   prose sentences of at least --min-words words (table rows count as sentences)
  near        sentences whose best match in the reference has a similarity ratio ≥ --ratio
              (rapidfuzz's normalised Indel similarity, the same measure as difflib's ratio)
  near %      near / sentences
  runs        maximal runs of ≥ --run consecutive words that also occur, in order, in the reference
  longest     length in words of the longest such run
`--show N` prints the N worst sentences and runs of every file, to guide rewriting.

Exit status: 0 on success, 2 on bad input (message names the problem); with `--max-near-pct P` or
`--max-run W`, 1 when any file exceeds the limit.
"""
from __future__ import annotations

import argparse
import json
import re
import sys
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# ───────────────────────────── reading prose ─────────────────────────────


def notebook_prose(path: Path) -> str:
    """The markdown cells of a notebook, joined by blank lines."""
    import nbformat

    nb = nbformat.read(path, as_version=4)
    return "\n\n".join(c.source for c in nb.cells if c.cell_type == "markdown")


def read_prose(path: Path) -> str:
    if path.suffix == ".ipynb":
        return notebook_prose(path)
    return path.read_text(encoding="utf-8")


_FENCE = re.compile(r"^(```|~~~)")


def strip_blocks(text: str) -> str:
    """Remove front matter, fenced code, display math, HTML comments and directive option lines."""
    text = re.sub(r"\A---\n.*?\n---\n", "", text, flags=re.S)
    text = re.sub(r"<!--.*?-->", " ", text, flags=re.S)
    out, stack, in_math = [], [], False  # stack of open fences: "prose" (a MyST directive) or "code"
    prose_directive = re.compile(r"^(```+|~~~+)\s*\{(admonition|note|tip|warning|important|seealso|caution|"
                                 r"attention|hint|table|figure|margin|epigraph)\}\s*(.*)$")
    for line in text.splitlines():
        s = line.strip()
        if _FENCE.match(s):
            bare = re.fullmatch(r"(```+|~~~+)", s) is not None
            if stack and stack[-1] == "code":
                if bare:
                    stack.pop()
            elif bare and stack:
                stack.pop()
            elif (m := prose_directive.match(s)):
                stack.append("prose")
                out.append(m.group(3))
            else:
                stack.append("code")
            continue
        if stack and stack[-1] == "code":
            continue
        if s.startswith("$$"):
            # one-line $$ … $$ or the opening/closing of a block
            if not (s.count("$$") >= 2):
                in_math = not in_math
            continue
        if in_math:
            continue
        if re.fullmatch(r"(\\[a-zA-Z]+(\{[^}]*\})*\s*)+", s):  # a line of LaTeX commands only
            continue
        if re.match(r"^:[a-z-]+:", s) or re.match(r"^\([\w:-]+\)=$", s) or s.startswith("#|"):
            continue
        if s.startswith(":::"):
            # MyST colon directive: keep a title (:::{admonition} Title); drop Quarto div fences
            m = re.match(r"^:::+\s*\{(admonition|table|figure)\}\s*(.*)$", s)
            out.append(m.group(2) if m else "")
            continue
        if s.startswith("+++"):
            out.append("")
            continue
        out.append(line)
    return "\n".join(out)


_REPLACEMENTS = [
    # values computed by code
    (re.compile(r"\{eval\}`[^`]*`"), " val "),
    (re.compile(r"`\{python\}[^`]*`"), " val "),
    # MyST roles: {term}`text <Target>` → text; {term}`text` → text
    (re.compile(r"\{term\}`([^`<]*?)\s*<[^`>]*>`"), r" \1 "),
    # the link forms of citations, terms and references (tools/xref_links.py)
    (re.compile(r"\[[^\[\]]*\]\(bibliography\.md#[^)]*\)"), " "),
    (re.compile(r"\[([^\[\]]*)\]\(glossary\.md#[^)]*\)"), r" \1 "),
    (re.compile(r"\[[^\[\]]*\]\([\w-]+\.ipynb#[^)]*\)"), " ref "),
    (re.compile(r"\{term\}`([^`]*)`"), r" \1 "),
    (re.compile(r"\{(?:ref|numref|eq|doc|download)\}`[^`]*`"), " ref "),
    (re.compile(r"\{cite:[a-z]+\}`[^`]*`"), " "),
    (re.compile(r"\{[a-z:-]+\}`([^`]*)`"), r" \1 "),
    # Quarto/pandoc: citations, cross-references, attributes, index entries, footnote marks
    (re.compile(r"\[-?@[^\]]*\]"), " "),
    (re.compile(r"@(?:sec|fig|tbl|eq|lst)-[\w-]+"), " ref "),
    (re.compile(r"\\index\{[^}]*\}"), " "),
    (re.compile(r"\\[a-zA-Z]+(\{[^}]*\})*"), " "),
    (re.compile(r"\{#[^}]*\}|\{\.[^}]*\}|\{fig-[^}]*\}"), " "),
    (re.compile(r"\[\^[\w-]+\]:?"), " "),
    # inline math and code
    (re.compile(r"\$[^$\n]+\$"), " math "),
    (re.compile(r"`[^`\n]*`"), " code "),
    # links and images: keep the text
    (re.compile(r"!?\[([^\]]*)\]\([^)]*\)"), r" \1 "),
    (re.compile(r"<[^>\n]+>"), " "),
]


def normalise_inline(text: str) -> str:
    for pattern, repl in _REPLACEMENTS:
        text = pattern.sub(repl, text)
    text = unicodedata.normalize("NFKC", text)
    text = text.replace("\u2019", "'").replace("\u2018", "'").replace("\u201c", '"').replace("\u201d", '"')
    return text


WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")


def words(text: str) -> list[str]:
    return WORD.findall(text.lower())


_SENT_END = re.compile(r"(?<=[.!?])[\"')\]]*\s+(?=[\"'(\[]?[A-Z0-9*_])")


def segments(text: str) -> list[str]:
    """Sentences of a prose text (raw text after markup normalisation).

    Paragraphs split on blank lines; headings, list items and table rows are segments of their own;
    paragraphs split into sentences at '.', '!' or '?' followed by a capital letter or a digit.
    """
    text = normalise_inline(strip_blocks(text))
    blocks: list[str] = []
    para: list[str] = []

    def flush():
        if para:
            blocks.append(" ".join(para))
            para.clear()

    for line in text.splitlines():
        s = line.strip()
        if not s:
            flush()
        elif s.startswith("|"):
            flush()
            if not re.fullmatch(r"[|:\-\s]+", s):
                blocks.append(" ".join(c.strip() for c in s.strip("|").split("|")) + ".")
        elif s.startswith("#") or re.match(r"^([-*+]|\d+[.)])\s", s):
            flush()
            para.append(re.sub(r"^(#+|[-*+]|\d+[.)])\s*", "", s))
        else:
            para.append(s)
    flush()
    out = []
    for b in blocks:
        out.extend(p.strip() for p in _SENT_END.split(b) if p.strip())
    return out


# ───────────────────────────── comparing ─────────────────────────────


@dataclass
class Report:
    name: str
    sentences: int = 0
    near: list[tuple[float, str, str]] = field(default_factory=list)  # (ratio, book, reference)
    runs: list[tuple[int, str]] = field(default_factory=list)  # (length, text)

    @property
    def near_pct(self) -> float:
        return 100.0 * len(self.near) / self.sentences if self.sentences else 0.0

    @property
    def longest(self) -> int:
        return max((n for n, _ in self.runs), default=0)

    def as_dict(self) -> dict:
        return {"file": self.name, "sentences": self.sentences, "near": len(self.near),
                "near_pct": round(self.near_pct, 1), "runs": len(self.runs), "longest_run": self.longest}


class Reference:
    def __init__(self, text: str, run: int = 12, min_words: int = 6):
        self.run = run
        self.min_words = min_words
        self.sentences = [" ".join(words(s)) for s in segments(text)]
        self.sentences = [s for s in self.sentences if len(s.split()) >= min_words]
        toks = [w for s in segments(text) for w in words(s)]
        self.ngrams = {tuple(toks[i:i + run]) for i in range(len(toks) - run + 1)}

    def compare(self, name: str, text: str, ratio: float = 0.8) -> Report:
        from rapidfuzz import fuzz, process

        rep = Report(name)
        segs = segments(text)
        book = [" ".join(words(s)) for s in segs]
        book = [s for s in book if len(s.split()) >= self.min_words]
        rep.sentences = len(book)
        if book and self.sentences:
            cutoff = ratio * 100
            for s in book:
                best = process.extractOne(s, self.sentences, scorer=fuzz.ratio, score_cutoff=cutoff)
                if best is not None:
                    rep.near.append((best[1] / 100, s, best[0]))
        # maximal runs of ≥ run words found in the reference, within one segment
        for s in segs:
            toks = words(s)
            i, n = 0, len(toks)
            while i + self.run <= n:
                if tuple(toks[i:i + self.run]) in self.ngrams:
                    j = i + 1
                    while j + self.run <= n and tuple(toks[j:j + self.run]) in self.ngrams:
                        j += 1
                    length = j - 1 + self.run - i
                    rep.runs.append((length, " ".join(toks[i:i + length])))
                    i = j - 1 + self.run
                else:
                    i += 1
        rep.near.sort(reverse=True)
        rep.runs.sort(reverse=True)
        return rep


def default_book_files() -> list[Path]:
    book = ROOT / "book"
    return sorted(p for p in book.iterdir() if p.suffix in (".ipynb", ".md"))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("reference", help="the reference text (.qmd, .md, .txt or .ipynb)")
    ap.add_argument("book", nargs="*", help="book files to check (default: book/*.ipynb and book/*.md)")
    ap.add_argument("--run", type=int, default=12, help="shared-run length in words (default 12)")
    ap.add_argument("--ratio", type=float, default=0.8, help="near-identical similarity, 0..1 (default 0.8)")
    ap.add_argument("--min-words", type=int, default=6, help="shortest sentence counted (default 6 words)")
    ap.add_argument("--show", type=int, default=0, metavar="N", help="print the N closest sentences and runs per file")
    ap.add_argument("--json", action="store_true", help="print the figures as JSON")
    ap.add_argument("--max-near-pct", type=float, default=None, help="exit 1 if a file exceeds this near %%")
    ap.add_argument("--max-run", type=int, default=None, help="exit 1 if a file has a shared run longer than this")
    args = ap.parse_args(argv)

    if not 0 < args.ratio <= 1:
        print(f"overlap: --ratio {args.ratio} is out of range; it must be a number in (0, 1].", file=sys.stderr)
        return 2
    if args.run < 2 or args.min_words < 1:
        print("overlap: --run must be at least 2 words and --min-words at least 1.", file=sys.stderr)
        return 2
    ref_path = Path(args.reference)
    files = [Path(p) for p in args.book] or default_book_files()
    for p in [ref_path, *files]:
        if not p.is_file():
            print(f"overlap: {p} is not a readable file; give a reference text and .ipynb/.md book files.",
                  file=sys.stderr)
            return 2
    try:
        ref = Reference(read_prose(ref_path), run=args.run, min_words=args.min_words)
        reports = [ref.compare(p.name, read_prose(p), ratio=args.ratio) for p in files]
    except (UnicodeDecodeError, ValueError, KeyError) as e:  # not text, or not a notebook
        print(f"overlap: could not read the input as text or notebook: {e}", file=sys.stderr)
        return 2

    if args.json:
        print(json.dumps([r.as_dict() for r in reports], indent=1))
    else:
        print(f"{'file':32} {'sentences':>9} {'near':>5} {'near %':>7} {'runs':>5} {'longest':>7}")
        for r in reports:
            print(f"{r.name:32} {r.sentences:9d} {len(r.near):5d} {r.near_pct:6.1f}% {len(r.runs):5d} {r.longest:7d}")
        tot_s = sum(r.sentences for r in reports)
        tot_n = sum(len(r.near) for r in reports)
        print(f"{'TOTAL':32} {tot_s:9d} {tot_n:5d} {100 * tot_n / max(tot_s, 1):6.1f}% "
              f"{sum(len(r.runs) for r in reports):5d} {max((r.longest for r in reports), default=0):7d}")
    if args.show:
        for r in reports:
            if not (r.near or r.runs):
                continue
            print(f"\n== {r.name}")
            for score, b, s in r.near[:args.show]:
                print(f"  near {score:.2f}: {b}\n        ref: {s}")
            for n, t in r.runs[:args.show]:
                print(f"  run {n:3d} words: {t}")
    failed = [r.name for r in reports
              if (args.max_near_pct is not None and r.near_pct > args.max_near_pct)
              or (args.max_run is not None and r.longest > args.max_run)]
    if failed:
        print(f"overlap: over the limit: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
