"""Edge cases of mlsysim.fmt: escape_dollars, looks_like_math, md_table and plain_roles.

Exact outputs, derived from the source, so that a changed operator, string or branch in those helpers
shows up (the surviving mutants listed for ``fmt`` in docs/mutation.md).
"""
import pytest

from mlsysim.fmt import escape_dollars, looks_like_math, md_table, plain_roles

BODY = "| a | b |\n|:---|:---|\n| 1 | 2 |"      # md_table(["a", "b"], [[1, 2]]), default alignment


# ── escape_dollars ───────────────────────────────────────────────────────────
def test_escape_dollars_escapes_money_before_a_kept_formula():
    # the "$" before the formula is escaped with a single backslash, the formula stays
    assert escape_dollars("costs $5,000 and $T^*$ days") == r"costs \$5,000 and $T^*$ days"
    assert escape_dollars("$5 and $x$") == r"\$5 and $x$"


def test_escape_dollars_keeps_code_spans_when_a_formula_follows():
    # a code span is kept even when the text also holds a formula (the formula's spans are added to it)
    assert escape_dollars("`$5` and $x$") == "`$5` and $x$"


def test_escape_dollars_escapes_a_span_that_is_not_math():
    # "$1,000$" has the shape of a math span, but its inside is a number, not a formula
    assert escape_dollars("$1,000$") == r"\$1,000\$"


def test_escape_dollars_formula_right_after_a_code_span_is_kept():
    # the formula starts exactly where the code span ends: it is outside it, and kept as math
    assert escape_dollars("`c`$x$") == "`c`$x$"


def test_escape_dollars_overlapping_spans_do_not_stop_later_ones():
    # the formula "$x `y$" overlaps the code span "`y$ z`"; the later formula "$w$" is still kept
    assert escape_dollars("$x `y$ z` $w$") == "$x `y$ z` $w$"


# ── looks_like_math ──────────────────────────────────────────────────────────
def test_looks_like_math_counts_words_of_either_case():
    assert looks_like_math("the cat sat") is True                   # three words: still a formula
    assert looks_like_math("the cat sat down") is False             # four words: prose
    assert looks_like_math("THE CAT SAT DOWN") is False
    assert looks_like_math("The Cat Sat Down") is False


def test_looks_like_math_tex_commands_are_not_words():
    # TeX commands are replaced by a space: their names are not counted as words
    assert looks_like_math(r"\alpha\beta\gamma\delta\epsilon") is True
    assert looks_like_math(r"a\cdot b\cdot c\cdot d\cdot e") is True


# ── md_table ─────────────────────────────────────────────────────────────────
def test_md_table_plain_form_exact(monkeypatch):
    monkeypatch.delenv("MLSYSIM_MARKDOWN", raising=False)
    assert md_table(["a", "b"], [[1, 2]]) == BODY
    assert md_table(["a", "b"], [[1, 2]], caption="Cap") == "Cap\n\n" + BODY
    assert md_table(["a", "b"], [[1, 2]], label="tbl-x") == '<a id="tbl-x"></a>\n\n' + BODY
    assert md_table(["a", "b"], [[1, 2]], caption="Cap", label="tbl-x") == '<a id="tbl-x"></a>\n\nCap\n\n' + BODY
    assert md_table(["a", "b"], [[1, 2]], caption="", label="") == BODY


def test_md_table_commonmark_is_the_plain_form(monkeypatch):
    monkeypatch.setenv("MLSYSIM_MARKDOWN", "commonmark")
    assert md_table(["a", "b"], [[1, 2]]) == BODY
    assert md_table(["a", "b"], [[1, 2]], caption="Cap") == "Cap\n\n" + BODY


def test_md_table_alignments(monkeypatch):
    monkeypatch.delenv("MLSYSIM_MARKDOWN", raising=False)
    assert md_table(["a", "b", "c"], [["x", "y", "z"]], align="lcr") == (
        "| a | b | c |\n|:---|:---:|---:|\n| x | y | z |")
    assert md_table(["h"], [], align="c") == "| h |\n|:---:|"


def test_md_table_align_length_error():
    with pytest.raises(ValueError) as err:
        md_table(["a", "b"], [[1, 2]], align="l")
    assert str(err.value) == "align needs one character per column"
    with pytest.raises(ValueError) as err:
        md_table(["a", "b"], [[1, 2]], align="lrc")
    assert str(err.value) == "align needs one character per column"


def test_md_table_myst_form_exact(monkeypatch):
    monkeypatch.setenv("MLSYSIM_MARKDOWN", "myst")
    assert md_table(["a", "b"], [[1, 2]]) == BODY
    assert md_table(["a", "b"], [[1, 2]], caption="Cap") == ":::{table} Cap\n\n" + BODY + "\n:::"
    assert md_table(["a", "b"], [[1, 2]], label="tbl-x") == ":::{table}\n:name: tbl-x\n\n" + BODY + "\n:::"
    assert md_table(["a", "b"], [[1, 2]], caption="Cap", label="tbl-x") == (
        ":::{table} Cap\n:name: tbl-x\n\n" + BODY + "\n:::")


# ── plain_roles ──────────────────────────────────────────────────────────────
def test_plain_roles_shown_text_of_a_role_with_a_target():
    assert plain_roles("see {term}`drift <Data drift>`.") == "see drift."
    assert plain_roles("{term}`data\n   drift  <Data drift>`") == "data drift"


def test_plain_roles_role_words():
    assert plain_roles("by {eq}`eq-roi`") == "by the equation"
    assert plain_roles("in {numref}`tbl-x`") == "in the table"
    assert plain_roles("see {ref}`sec-a`") == "see that section"


def test_plain_roles_other_roles_keep_their_content():
    assert plain_roles("a {term}`drift` b") == "a drift b"
    assert plain_roles("a {term}`data \n  drift` b") == "a data drift b"     # whitespace collapsed to one space


def test_plain_roles_citations_in_parentheses():
    assert plain_roles("see {cite:t}`breck2020ml`") == "see (breck2020ml)"
    assert plain_roles("{cite:p}`a2020,  b2021`") == "(a2020, b2021)"
    assert plain_roles("{cite}`x`") == "(x)"


def test_plain_roles_several_roles_and_none():
    assert plain_roles("{eq}`e` and {cite:p}`k` and {term}`t <T>`") == "the equation and (k) and t"
    assert plain_roles("no roles here") == "no roles here"
