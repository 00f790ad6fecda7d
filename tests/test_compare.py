"""mlsysim.models.compare: ratio and relative change (one formula each, used across sections)."""
import pytest

from mlsysim.models import compare as C
from mlsysim.models import incidents


def test_ratio():
    assert C.ratio(120, 50) == 2.4
    assert C.ratio(50, 120) == pytest.approx(0.4166666667, rel=1e-9)
    with pytest.raises(ValueError, match="^cannot take a ratio to zero$"):
        C.ratio(1, 0)


def test_relative_change_is_after_over_before_minus_one():
    assert C.relative_change(1_000, 800) == pytest.approx(-0.2, rel=1e-12)
    assert C.relative_change(50, 120) == pytest.approx(1.4, rel=1e-12)
    with pytest.raises(ValueError, match="zero"):
        C.relative_change(0, 5)


def test_incidents_re_exports_the_same_functions():
    assert incidents.ratio is C.ratio and incidents.relative_change is C.relative_change
