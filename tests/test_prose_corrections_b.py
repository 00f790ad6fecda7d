"""Corrections of issue 12 in the second half of the chapter (serving … summary).

Each test is named for one corrected error and fails if that error comes back: the detection-power
figures of monitoring, the two meanings of λ in monitoring, drift_lab's template fragment and its
unsupported claim, and mentions of a source text the reader cannot see.
"""
from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest
from scipy.stats import binom

from mlsysim.models import monitoring as m

BOOK = Path(__file__).resolve().parent.parent / "book"
MINE = ["serving", "infrastructure", "monitoring", "monitoring_infrastructure", "drift_lab", "incidents",
        "governance", "maturity", "investment", "case_studies", "summary"]


def cells(name, kind=None):
    nb = nbformat.read(BOOK / f"{name}.ipynb", as_version=4)
    return [c.source for c in nb.cells if kind is None or c.cell_type == kind]


# ── detection power: exact and normal-approximation figures, never mixed ─────────────────────
def _exact_k(n, p0, alpha=0.05):
    k = binom.ppf(alpha, n, p0)
    return k - 1 if binom.cdf(k, n, p0) > alpha else k


def test_exact_detection_power_hand_checked():
    k = _exact_k(1_000, 0.95)
    assert k == 937                                     # flag a drop when at most 937 of 1,000 are right
    assert binom.cdf(k, 1_000, 0.95) <= 0.05 < binom.cdf(k + 1, 1_000, 0.95)
    assert m.exact_detection_power(1_000, 0.95, 0.90) == pytest.approx(binom.cdf(937, 1_000, 0.90), rel=1e-12)
    assert m.exact_detection_power(1_000, 0.95, 0.90) == pytest.approx(0.999987, abs=5e-7)
    # the normal approximation gives a different (smaller) figure: the two must not be confused
    assert m.detection_power(1_000, 0.95, 0.90) == pytest.approx(0.999977, abs=5e-7)


def test_exact_power_agrees_with_exact_sample_size():
    n = m.exact_binomial_samples(0.95, 0.90)
    assert m.exact_detection_power(n, 0.95, 0.90) >= 0.8 > m.exact_detection_power(n - 1, 0.95, 0.90)


def test_exact_minimum_detectable_drop():
    mde = m.exact_min_detectable_drop(1_000, 0.95)
    assert mde == pytest.approx(0.0193, abs=5e-5)
    assert m.exact_detection_power(1_000, 0.95, 0.95 - mde) == pytest.approx(0.8, abs=1e-6)
    assert m.min_detectable_drop(1_000, 0.95) == pytest.approx(0.0180, abs=5e-5)
    with pytest.raises(ValueError):
        m.exact_min_detectable_drop(0, 0.95)


@pytest.fixture(scope="module")
def monitoring_ns():
    from notebook_ns import load_namespace

    return load_namespace("monitoring")


def test_monitoring_power_note_states_each_figure_with_its_method(monitoring_ns):
    delay = monitoring_ns["delay"]
    assert (delay.rule_power_exact_str, delay.rule_mde_exact_str) == ("99.9987%", "1.93")
    assert (delay.rule_power_str, delay.rule_mde_str) == ("99.9977%", "1.80")
    note = next(s for s in cells("monitoring", "markdown") if "The rule of thumb against a power calculation" in s)
    flat = " ".join(note.split())
    # each figure is an {eval} value, named with its method
    assert "exact test catches the five-point drop with probability {eval}`delay.rule_power_exact_str`" in flat
    assert "normal approximation behind {eq}`eq-detection-samples` says {eval}`delay.rule_power_str`" in flat
    assert "{eval}`delay.rule_mde_exact_str` points under the exact test" in flat
    assert "{eval}`delay.rule_mde_str` points by the normal approximation" in flat
    assert not re.search(r"99\.99|1\.8\b|1\.93", note), "typed detection figures in the note"


# ── λ means one thing in monitoring: the decay rate per day ──────────────────────────────────
def test_monitoring_lambda_is_only_the_decay_rate(monitoring_ns):
    md = cells("monitoring", "markdown")
    eq = next(s for s in md if "(eq-degradation)" in s)
    block = eq[eq.rfind("$$", 0, eq.index("(eq-degradation)") - 4):eq.index("(eq-degradation)")]
    assert r"\kappa \cdot D" in block and r"\lambda" not in block
    # every Param whose label shows λ is a decay rate; none shows κ for anything but sensitivity
    from mlsysim.calc import Calculation, Param

    for obj in monitoring_ns.values():
        if isinstance(obj, type) and issubclass(obj, Calculation) and obj is not Calculation:
            for name, p in vars(obj).items():
                if isinstance(p, Param) and "λ" in (p.label or ""):
                    assert "decay" in name, f"{obj.__name__}.{name} uses λ for something other than decay"
    # the prose says, where κ is introduced, that it is not the decay rate λ
    assert "sensitivity $\\kappa$" in eq and "decay rate $\\lambda$" in eq


# ── drift_lab: sentences, not a template fragment; no unsupported claim ──────────────────────
@pytest.fixture(scope="module")
def drift_ns():
    from notebook_ns import load_namespace

    return load_namespace("drift_lab")


def test_drift_lab_alarm_text_is_a_sentence(drift_ns):
    md = "\n".join(cells("drift_lab", "markdown"))
    assert "over their thresholds:" not in md and "{eval}`lab.firing_str`" not in md
    say = drift_ns["alarm_sentence"]
    for psi in (False, True):
        for ks in (False, True):
            for js in (False, True):
                alarms = {"PSI": psi, "KS": ks, "JS": js}
                s = say(alarms)
                assert s[0].isupper() and s.endswith(".") and ":" not in s
                over_part = s.split(";")[0]
                for key, name in drift_ns["STAT_NAMES"].items():
                    if any(alarms.values()) and not all(alarms.values()):
                        assert (name.lower() in over_part.lower()) == alarms[key], (alarms, s)
    lab = drift_ns["lab"]
    assert lab.alarm_sentence_str == say(lab.alarms)
    assert lab.alarm_sentence_str.startswith("Only the KS statistic is over")


def test_drift_lab_data_claim_is_cited_not_asserted():
    md = "\n".join(cells("drift_lab", "markdown"))
    assert "cause most model degradation" not in md
    section = md[md.index("## Data quality monitoring"):md.index("### Input validation")]
    # the role, or its link form (tools/xref_links.py)
    assert re.search(r"\{cite:t\}`sculley2015hidden`"
                     r"|\[Sculley et al\. \(2015\)\]\(bibliography\.md#sculley2015hidden\)", section)
    keys = (BOOK / "CITATION_KEYS.txt").read_text()
    assert re.search(r"^sculley2015hidden\b", keys, re.M)


# ── the book speaks for itself ───────────────────────────────────────────────────────────────
POINTERS = re.compile(r"original (?:chapter|callout|case study|war story|example|table|text)|source chapter"
                      r"|the chapter says|the source says|the source's", re.IGNORECASE)


def reader_text(path: Path) -> list[str]:
    """Everything of a book file a reader can see: every cell's source, and the figure captions and alt
    texts kept in cell metadata (myst-nb's ``mystnb.figure``/``image``); a Markdown page whole."""
    if path.suffix == ".md":
        return [path.read_text(encoding="utf-8")]
    return notebook_text(nbformat.read(path, as_version=4))


def notebook_text(nb) -> list[str]:
    return [c.source for c in nb.cells] + [repr(c.metadata) for c in nb.cells]


@pytest.mark.parametrize("path", sorted(BOOK.glob("*.ipynb")) + sorted(BOOK.glob("*.md")), ids=lambda p: p.name)
def test_no_pointer_to_an_invisible_source(path):
    bad = [m.group(0) for text in reader_text(path) for m in POINTERS.finditer(text)]
    assert not bad, f"{path.name} points at a text readers cannot see: {bad}"


def test_pointer_check_reads_captions_in_cell_metadata():
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
        "plot()", metadata={"mystnb": {"figure": {"caption": "The dashed line is the original chapter's figure."}}})])
    assert any(POINTERS.search(t) for t in notebook_text(nb))


# ── copied tables rebuilt: the incident severity table is computed, in the book's words ───────
def test_incident_severity_table_is_computed_from_the_model():
    md = "\n".join(cells("incidents", "markdown"))
    assert ":name: tbl-incident-severity" not in md, "the severity table is typed again"
    code = next(s for s in cells("incidents", "code") if 'label="tbl-incident-severity"' in s)
    assert "incidents.response_minutes(" in code and "incidents.P1_DROP" in code and "incidents.P2_PSI" in code
    assert "Complete model failure, serving errors" not in code      # the source's row, word for word

# Section objectives and wrap-ups of these notebooks are checked by tests/test_objectives_map.py
# (test_section_opens_with_objectives_and_closes_with_a_wrap_up), which lists them in SECTIONS.
