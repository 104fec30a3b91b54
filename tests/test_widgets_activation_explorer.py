"""Headless tests of the ActivationExplorer: drive its controls as a learner would and check what it draws
against the analysis functions and against direct computations on the networks."""
import asyncio

import numpy as np
import pytest
from ipywidgets.widgets.widget import _instances

from nnviz.analysis import activation_curves, activation_stats
from nnviz.core import ACTIVATIONS, Network
from nnviz.data import make_dataset, make_features
from nnviz.widgets import ActivationExplorer
from nnviz.widgets.activation_explorer import CHOICES


def inputs(explorer, session=None):
    s = explorer.session if session is None else session
    return make_features(s.X_train, ("x1", "x2")), s.y_train


def test_defaults_three_seeded_networks_and_the_registrys_activations():
    e = ActivationExplorer()
    assert e.network.units_per_level() == [2, 8, 8, 8, 1]
    assert all(layer.activation.name == "relu" for layer in e.network.mlp_levels()[:-1])
    assert list(e.activation.options) == [k for k in ACTIVATIONS if k != "softmax"] == list(CHOICES)
    for kind, s in e.deep_sessions.items():
        levels = s.network.mlp_levels()
        assert len(levels) == 9 and all(la.activation.name == kind for la in levels[:-1])
        assert s.network.units_per_level()[1:-1] == [8] * 8
    assert len(e.group.sessions) == 3 and e.session.epoch == 0
    assert len(e.act_bars) == len(e.grad_bars) == len(e.layer_stats) == 4
    again = ActivationExplorer()  # seeded
    np.testing.assert_array_equal(again.network.layers[0].W, e.network.layers[0].W)
    assert repr(e).startswith("ActivationExplorer(2 → 8 relu → 8 relu → 8 relu → 1 sigmoid; showing relu; epoch 0")
    e.close()
    again.close()


def test_the_curve_follows_the_dropdown_and_the_network_takes_that_activation():
    e = ActivationExplorer()
    curve, slope = e.curve_line, e.slope_line
    z, f, df = activation_curves(["relu"])["relu"]
    np.testing.assert_array_equal(curve.x, z)
    np.testing.assert_array_equal(curve.y, f)
    np.testing.assert_array_equal(slope.y, df)
    before = e.network
    e.activation.value = "sigmoid"
    z, f, df = activation_curves(["sigmoid"])["sigmoid"]
    assert e.curve_line is curve and e.slope_line is slope  # in place
    np.testing.assert_allclose(curve.y, 1 / (1 + np.exp(-z)))
    np.testing.assert_array_equal(slope.y, df)
    assert abs(float(np.max(slope.y)) - 0.25) < 1e-12 and "largest slope 0.25" in e.formula.value
    assert e.network is not before and e.network.units_per_level() == before.units_per_level()
    assert all(layer.activation.name == "sigmoid" for layer in e.network.mlp_levels()[:-1])
    assert "sigmoid hidden units" in e.status.text
    # the histograms are of the new network: sigmoid outputs binned over (0, 1)
    assert e.stats[0].activation == "sigmoid" and float(e._hist_scales[0][0].min) == 0.0
    e.close()


def test_histogram_bars_are_the_analysis_counts_of_the_current_network_and_update_in_place():
    e = ActivationExplorer()
    bars = list(e.act_bars)
    e.step(5)
    assert e.session.epoch == 5 and all(s.epoch == 5 for s in e.deep_sessions.values())
    assert e.act_bars == bars  # the same marks, new data
    F, y = inputs(e)
    expected = activation_stats(e.network, F, y, bins=e.bins)
    for k, s in enumerate(expected):
        np.testing.assert_array_equal(e.act_bars[k].y, s.counts)
        np.testing.assert_allclose(e.act_bars[k].x, 0.5 * (s.edges[:-1] + s.edges[1:]))
        np.testing.assert_array_equal(e.grad_bars[k].y, s.grad_counts)
        assert int(np.sum(e.act_bars[k].y)) == len(F) * e.network.units_per_level()[k + 1]
        assert f"mean {s.mean:.3g}, std {s.std:.3g}, {100 * s.near_zero:.0f}% near 0" in e.layer_stats[k].value
    # a direct count: layer 1's relu outputs of exactly 0 all fall in its first bin
    a = e.network.trace(F)[0].a
    assert e.act_bars[0].y[0] >= np.sum(a == 0) > 0
    e.close()


def test_dead_relu_units_are_counted_per_neuron_as_a_direct_count_says():
    e = ActivationExplorer()
    e.bar.lr.value = 3.0  # a learning rate that kills ReLU units
    assert all(s.lr == 3.0 for s in e.group.sessions)
    e.bar.step_button.click()
    e.step(4)
    F, _ = inputs(e)
    traces = e.network.trace(F)
    total = 0
    for k, (t, s) in enumerate(zip(traces, e.stats)):
        if s.activation != "relu":
            continue
        dead = np.flatnonzero(np.all(t.z <= 0, axis=0))  # off for every sample
        np.testing.assert_array_equal(s.dead_units, dead)
        assert f"data-dead='{len(dead)}'" in e.layer_stats[k].value
        assert e.layer_stats[k].value.count("nnviz-dead") == len(dead)
        assert e.layer_stats[k].value.count("nnviz-alive") == t.z.shape[1] - len(dead)
        total += len(dead)
    assert total > 0  # the lesson: at lr 3, units die
    assert f"{total} dead units" in repr(e)
    e.close()


def test_the_sigmoid_stacks_first_layer_gradient_vanishes_and_the_relu_stacks_does_not():
    e = ActivationExplorer()
    e.step(3)
    for kind, s in e.deep_sessions.items():
        F, y = inputs(e, s)
        norms = np.array([st.grad_norm for st in activation_stats(s.network, F, y)])
        np.testing.assert_allclose(e.deep_lines[kind].y, norms)
        np.testing.assert_array_equal(e.deep_lines[kind].x, np.arange(1, 10))
        # a direct look: the first layer's weight gradient from the core
        np.testing.assert_allclose(norms[0], np.linalg.norm(s.network.gradients(F, y)[0]["W"]), rtol=1e-10)
    sig, relu = e.deep_lines["sigmoid"].y, e.deep_lines["relu"].y
    assert sig[0] / sig[-1] < 1e-3  # orders of magnitude
    assert relu[0] / relu[-1] > 1e-1
    assert type(e.grad_scale).__name__ == "LogScale"
    assert e.grad_scale.min <= min(sig.min(), relu.min()) and e.grad_scale.max >= max(sig.max(), relu.max())
    assert "nnviz-ratio-sigmoid" in e.deep_summary.value
    e.close()


def test_a_network_and_data_of_your_own():
    X, y = make_dataset("moons", n=120, noise=0.1, seed=1)
    net = Network.mlp(2, [6, 4], activation="tanh", seed=3)
    e = ActivationExplorer(net, X, y, depth=10, width=4)
    assert e.network is net and len(e.act_bars) == 3
    assert e.activation.value == "tanh"  # the network's own, shown first; nothing rebuilt
    assert len(e.deep_sessions["sigmoid"].network.mlp_levels()) == 11
    e.step(2)
    assert net.epoch_ == 2
    # a network of another shape assigned to the session: the columns follow
    e.session.network = Network.mlp(2, [5], activation="relu", seed=0)
    assert len(e.act_bars) == 2 and len(e._hist_box.children) == 2
    F, y2 = inputs(e)
    np.testing.assert_array_equal(e.act_bars[1].y, activation_stats(e.network, F, y2, bins=e.bins)[1].counts)
    e.close()


def test_bad_arguments_are_refused_with_a_clear_message():
    with pytest.raises(ValueError, match="activation must be one of 'linear'"):
        ActivationExplorer(activation="softmax")
    with pytest.raises(ValueError, match="depth must be"):
        ActivationExplorer(depth=1)
    with pytest.raises(TypeError, match="takes X and y together"):
        ActivationExplorer(X=np.zeros((3, 2)))
    with pytest.raises(TypeError, match="network must be an nnviz.core.Network"):
        ActivationExplorer("net")


def test_a_failing_redraw_shows_in_the_widget(monkeypatch):
    e = ActivationExplorer()
    import nnviz.widgets.activation_explorer as module

    def broken(*args, **kwargs):
        raise RuntimeError("stats went wrong")

    monkeypatch.setattr(module, "activation_stats", broken)
    e.step(1)
    assert e.status.kind == "error" and "stats went wrong" in e.status.text
    e.close()


def test_play_pause_and_views_gone_stop_the_loop():
    e = ActivationExplorer()

    async def scenario():
        e.bar.play_button.click()
        assert e.group.playing and e.bar.play_button.disabled and not e.bar.pause_button.disabled
        await asyncio.sleep(0.4)
        e.bar.pause_button.click()
        assert not e.group.playing and not e.session.playing
        epochs = e.session.epoch
        e._view_count = 1  # shown
        e.play()
        await asyncio.sleep(0.2)
        e._view_count = 0  # the cell was re-run: no view left
        await asyncio.sleep(0.05)
        assert not e.group.playing
        return epochs

    epochs = asyncio.run(scenario())
    assert epochs > 0 and all(s.epoch > 0 for s in e.deep_sessions.values())
    e.close()


def test_close_closes_every_model_it_made_and_stops_the_sessions():
    before = set(_instances)
    e = ActivationExplorer()
    assert len(set(_instances) - before) > 50
    e.step(1)
    e.activation.value = "tanh"
    e.session.network = Network.mlp(2, [3], activation="relu", seed=0)  # a rebuild of the columns
    e.close()
    assert set(_instances) - before == set()
    assert all(s.closed for s in e.group.sessions) and repr(e) == "ActivationExplorer(closed)"
    e.close()  # twice is fine


def test_a_divergence_is_shown_and_nothing_non_finite_is_drawn():
    e = ActivationExplorer()
    e.bar.lr.value = 10.0
    e.step(10)
    relu = e.deep_sessions["relu"]
    assert relu.status == "diverged" and relu.epoch == 0  # rolled back
    assert e.status.kind == "error" and "deep relu network: Diverged" in e.status.text
    for mark in [*e.act_bars, *e.grad_bars, *e.deep_lines.values()]:
        assert np.isfinite(np.asarray(mark.y, dtype=float)).all()
    e.bar.lr.value = 0.03
    e.reset()  # a reset clears it
    assert relu.status == "paused" and e.status.kind != "error"
    e.close()
