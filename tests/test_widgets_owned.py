"""Every compound widget closes what it made: after close(), and when its __init__ fails half-way."""
import pytest
from ipywidgets.widgets.widget import _instances

from nnviz.widgets import (ActivationExplorer, BackpropStepper, BatchEpochExplorer, LayerSpaceView,
                           LearningRateExplorer, OverfittingDemo, Playground)
from nnviz.widgets._owned import OwnsModels

# each widget, and a method its __init__ calls after most of its models exist
LATE_STEPS = [(Playground, "_greet"), (OverfittingDemo, "_redraw"), (LayerSpaceView, "redraw"),
              (ActivationExplorer, "redraw"), (BackpropStepper, "_show"),
              (LearningRateExplorer, "_recompute_landscape"), (BatchEpochExplorer, "_draw_compare")]


@pytest.mark.parametrize("cls, late", LATE_STEPS, ids=[c.__name__ for c, _ in LATE_STEPS])
def test_a_failure_during_init_closes_every_model_made_so_far(monkeypatch, cls, late):
    assert issubclass(cls, OwnsModels)
    before = set(_instances)

    def fail(self, *args, **kwargs):
        assert len(set(_instances) - before) > 20  # the widget was mostly built
        raise RuntimeError("boom")

    monkeypatch.setattr(cls, late, fail)
    with pytest.raises(RuntimeError, match="boom"):
        cls()
    left = {_instances[i] for i in set(_instances) - before if i in _instances}
    assert all(isinstance(w, cls) for w in left)  # at most the half-built widget itself


@pytest.mark.parametrize("cls", [c for c, _ in LATE_STEPS], ids=[c.__name__ for c, _ in LATE_STEPS])
def test_close_closes_every_model_once_and_the_widget_says_closed(cls):
    before = set(_instances)
    w = cls()
    assert not w.closed
    w.close()
    assert w.closed and set(_instances) - before == set()
    w.close()  # twice is fine
    assert set(_instances) - before == set()
