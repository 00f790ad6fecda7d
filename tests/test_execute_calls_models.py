"""EXECUTE calls models: no Calculation in a notebook computes a formula inline in ``execute()``.

Formulas live once in ``mlsysim.models`` (tested there); a notebook's ``execute()`` wires inputs to
them.  Read statically from every notebook's code cells: an assignment in ``execute()`` may convert
units (``x * 1e9``, ``t / SECONDS_PER_DAY``, ``100 * share``: one operand a number or an upper-case
constant) but may not combine two quantities arithmetically (``a - b``, ``q * v``, ``x / y``).

The notebooks still hold such lines written before this rule; they are listed in ``KNOWN`` by
notebook, class and target so that every *new* inline formula fails, and a listed one that is moved
into ``mlsysim.models`` must be struck from the list (the test fails on stale entries too).
"""
from __future__ import annotations

import ast
from pathlib import Path

import nbformat
import pytest
from IPython.core.inputtransformer2 import TransformerManager

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "book").glob("*.ipynb"))
_tm = TransformerManager()

#: Inline formulas that predate the rule (issue 13) — to be moved into mlsysim.models.
KNOWN: set[tuple[str, str, str]] = {
    ('case_studies.ipynb', 'OuraValidation', 'self.hours_per_night'),
    ('case_studies.ipynb', 'OuraValidation', 'self.nights_per_participant'),
    ('case_studies.ipynb', 'OuraValidation', 'self.remaining'),
    ('data_infrastructure.ipynb', 'SessionSkewCase', 'self.serve'),
    ('deployment.ipynb', 'ABSampleSize', 'self.treated'),
    ('drift_lab.ipynb', 'DriftLab', 'self.reference'),
    ('drift_lab.ipynb', 'DriftLab', 'self.serving'),
    ('governance.ipynb', 'StakeholderFraming', 'self.alerts_saved_year'),
    ('governance.ipynb', 'StakeholderFraming', 'self.phase_weeks'),
    ('incidents.ipynb', 'StaleFeatureReplay', 'self.attr_other'),
    ('incidents.ipynb', 'StaleFeatureReplay', 'self.attr_tablet'),
    ('incidents.ipynb', 'StaleFeatureReplay', 'self.case'),
    ('incidents.ipynb', 'StaleFeatureReplay', 'self.n_tablet_errors'),
    ('infrastructure.ipynb', 'KVCacheCapacity', 'self.memory'),
    ('infrastructure.ipynb', 'ServingHeadroom', 'self.cost_batch'),
    ('infrastructure.ipynb', 'ServingHeadroom', 'self.cost_online'),
    ('infrastructure.ipynb', 'ServingHeadroom', 'self.cost_ratio'),
    ('investment.ipynb', 'InvestmentBudget', 'self.running'),
    ('investment.ipynb', 'InvestmentBudget', 'self.setup'),
    ('monitoring.ipynb', 'DriftDetectionDelay', 'self.target'),
    ('monitoring.ipynb', 'MonitoringBudget', 'retained_flat'),
    ('monitoring.ipynb', 'MonitoringBudget', 'retained_tiered'),
    ('monitoring.ipynb', 'MonitoringBudget', 'self.points'),
    ('monitoring.ipynb', 'MonitoringBudget', 'self.series'),
    ('monitoring.ipynb', 'MonitoringBudget', 'self.tier_saving'),
    ('monitoring.ipynb', 'MonitoringBudget', 'tiers'),
    ('monitoring.ipynb', 'ObservabilityEconomics', 'self.kept_rate'),
    ('monitoring.ipynb', 'RottingAsset', 'self.sched_floor'),
    ('monitoring.ipynb', 'RottingAsset', 'self.sched_total'),
    ('monitoring.ipynb', 'RottingAsset', 'self.trig_total'),
    ('monitoring.ipynb', 'RottingAsset', 'self.value_rate'),
    ('overview.ipynb', 'SilentDegradation', 'elapsed'),
    ('overview.ipynb', 'SilentDegradation', 'self.accuracy_discovery'),
    ('overview.ipynb', 'SilentDegradation', 'self.weeks_unwatched'),
    ('pipelines.ipynb', 'SilentFailureCost', 'self.annual_mean'),
    ('pipelines.ipynb', 'SilentFailureCost', 'self.saving'),
    ('principles.ipynb', 'RetrainingCadenceSpread', 'self.ratio'),
    ('retraining_economics.ipynb', 'RetrainingInterval', 'self.cost_per_day_exact'),
    ('retraining_economics.ipynb', 'RetrainingSensitivity', 'variant'),
    ('serving.ipynb', 'LatencyBudget', 'self.new_total'),
    ('serving.ipynb', 'LatencyBudget', 'self.others'),
    ('serving.ipynb', 'LatencyBudget', 'self.share'),
    ('summary.ipynb', 'DeployAndForget', 'self.points_lost'),
    ('summary.ipynb', 'SilentDegradation', 'self.saved_share'),
    ('technical_debt.ipynb', 'ManualOpsCost', 'self.feature_multiple'),
    ('technical_debt.ipynb', 'ManualOpsCost', 'self.saved'),
}


def _is_scale(node: ast.AST) -> bool:
    """A number or an UPPER_CASE constant (unit factors such as SECONDS_PER_DAY, MILLION)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)):
        return True
    if isinstance(node, ast.UnaryOp):
        return _is_scale(node.operand)
    name = node.id if isinstance(node, ast.Name) else node.attr if isinstance(node, ast.Attribute) else ""
    if name.isupper() and name.replace("_", "").isalnum():
        return True
    if isinstance(node, ast.BinOp):                       # 24 * 60, DAYS_PER_YEAR / 12
        return _is_scale(node.left) and _is_scale(node.right)
    return False


def inline_formulas(expr: ast.AST) -> list[str]:
    """The arithmetic in ``expr`` that is more than a unit conversion."""
    bad = []
    for node in ast.walk(expr):
        if isinstance(node, ast.BinOp) and not isinstance(node.op, ast.Mod):
            if not (_is_scale(node.left) or _is_scale(node.right)):
                bad.append(ast.unparse(node))
    return bad


def violations(path: Path) -> set[tuple[str, str, str]]:
    nb = nbformat.read(path, as_version=4)
    found = set()
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        tree = ast.parse(_tm.transform_cell(cell.source))
        for cls in (n for n in ast.walk(tree) if isinstance(n, ast.ClassDef)):
            for fn in cls.body:
                if not (isinstance(fn, ast.FunctionDef) and fn.name == "execute"):
                    continue
                for node in ast.walk(fn):
                    if isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign)) and node.value is not None:
                        if isinstance(node, ast.AugAssign) and not _is_scale(node.value):
                            bad = [ast.unparse(node)]
                        else:
                            bad = inline_formulas(node.value)
                        if bad:
                            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                            found.add((path.name, cls.name, ", ".join(ast.unparse(t) for t in targets)))
    return found


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_execute_calls_models(path):
    found = violations(path)
    new = sorted(found - KNOWN)
    assert not new, ("execute() computes a formula inline; put it in mlsysim.models and call it:\n"
                     + "\n".join(f"  {nb} {cls}: {target}" for nb, cls, target in new))


def test_known_list_has_no_stale_entries():
    everything = set().union(*(violations(p) for p in NOTEBOOKS))
    stale = sorted(k for k in KNOWN if k not in everything)
    assert not stale, f"moved into mlsysim.models — strike from KNOWN: {stale}"


def test_the_rule_allows_unit_conversion_and_rejects_formulas():
    ok = ast.parse("x = self.params_billion * 1e9 / SECONDS_PER_DAY + 0 * (24 * 60)").body[0].value
    assert inline_formulas(ok) == []
    assert inline_formulas(ast.parse("y = m.f(self.a) / 100").body[0].value) == []
    bad = ast.parse("z = self.loss_manual - self.loss_auto").body[0].value
    assert inline_formulas(bad) == ["self.loss_manual - self.loss_auto"]
    assert inline_formulas(ast.parse("w = m.f(self.q * self.v)").body[0].value) == ["self.q * self.v"]
