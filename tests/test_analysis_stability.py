"""The instability rule on synthetic loss curves (nnviz.analysis.loss_stability)."""
import numpy as np
import pytest

from nnviz.analysis import STABILITY_MESSAGES, loss_stability


def test_a_falling_loss_is_stable_however_fast():
    epochs = np.arange(200)
    assert loss_stability(0.7 * np.exp(-epochs / 20) + 0.01) == "stable"
    assert loss_stability([0.7, 0.2, 0.05, 0.02, 0.01, 0.009, 0.008]) == "stable"  # big moves, one way


def test_minibatch_jitter_near_a_minimum_is_stable():
    rng = np.random.default_rng(0)
    curve = 0.7 * np.exp(-np.arange(300) / 30) + 0.05 + rng.normal(0, 0.01, 300)
    assert loss_stability(curve) == "stable"
    # jitter relative to a tiny loss is still small against the problem's scale (the first loss)
    assert loss_stability(np.r_[0.7, 0.001 + 0.0009 * (np.arange(40) % 2)]) == "stable"


def test_a_loss_climbing_above_its_start_is_rising():
    curve = [0.5, 0.45, 0.6, 0.9, 1.4, 2.1, 3.0, 4.2]
    assert loss_stability(curve) == "rising"
    assert loss_stability(curve[:5]) == "stable"  # not for several epochs yet
    assert loss_stability([0.5, 0.45, 0.6, 0.9, 1.4, 0.7, 3.0, 4.2]) == "stable"  # one epoch back below 1.5 x 0.5


def test_a_loss_jumping_up_and_down_is_swinging():
    assert loss_stability([0.7, 0.3, 1.0, 0.35, 0.95, 0.3, 1.0]) == "swinging"
    # steady, small oscillation (10 % of the start over the window, no more) is not
    assert loss_stability([0.7, 0.30, 0.31, 0.30, 0.31, 0.30, 0.31]) == "stable"


def test_the_warning_clears_when_the_loss_settles():
    unstable = [0.5, 1.5, 0.4, 1.6, 0.5, 1.5, 0.4]
    settled = unstable + [0.35, 0.33, 0.32, 0.31, 0.30]
    assert loss_stability(unstable) == "swinging" and loss_stability(settled) == "stable"
    rising = [0.5, 0.9, 1.6, 2.4, 3.1, 3.9]
    assert loss_stability(rising) == "rising"
    assert loss_stability(rising + [0.6, 0.5, 0.45, 0.44, 0.43]) == "stable"


def test_window_and_thresholds_are_parameters():
    curve = [1.0, 1.2, 1.3, 1.25, 1.3]
    assert loss_stability(curve, window=3, rise=1.1) == "rising"
    assert loss_stability(curve, window=3, rise=1.5) == "stable"
    assert set(STABILITY_MESSAGES) == {"stable", "rising", "swinging"} and STABILITY_MESSAGES["stable"] == ""
    assert all(m.startswith("unstable: ") and "learning rate may be too high" in m
               for k, m in STABILITY_MESSAGES.items() if k != "stable")


def test_bad_input_is_refused_with_a_clear_message():
    with pytest.raises(ValueError, match="losses must be finite"):
        loss_stability([0.5, float("nan"), 0.4, 0.3, 0.2, 0.1])
    with pytest.raises(ValueError, match=r"losses must be 1-D of shape \(n_epochs,\), got shape \(2, 3\)"):
        loss_stability(np.ones((2, 3)))
    with pytest.raises(TypeError, match="losses must be a 1-D array"):
        loss_stability("rising")
    with pytest.raises(ValueError, match="window must be an integer >= 2, got 1"):
        loss_stability([1.0, 2.0], window=1)
    with pytest.raises(ValueError, match="rise must be a number > 0, got -1"):
        loss_stability([1.0, 2.0], rise=-1)
    assert loss_stability([]) == "stable"
