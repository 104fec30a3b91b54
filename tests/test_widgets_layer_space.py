"""Headless tests of the LayerSpaceView: what it draws is the network's own activations of the data points
and of the input plane's grid lines (2-unit layers as they are, wider ones by PCA or chosen neurons)."""
import asyncio

import numpy as np
import pytest
from ipywidgets.widgets.widget import _instances

from nnviz.analysis import grid_lines
from nnviz.core import Network
from nnviz.data import make_dataset, make_features
from nnviz.widgets import LayerSpaceView
from nnviz.widgets.layer_space_view import NEURONS, PCA


def feats(points):
    return make_features(np.asarray(points).reshape(-1, 2), ("x1", "x2"))


def test_defaults_a_2_2_2_1_tanh_network_on_xor_drawn_as_its_layers():
    v = LayerSpaceView()
    assert v.network.units_per_level() == [2, 2, 2, 1]
    assert all(la.activation.name == "tanh" for la in v.network.mlp_levels()[:-1])
    assert len(v.panels) == 4 and v.level.value == 2
    assert [s.method for s in v.spaces] == ["identity", "identity", "identity", "1-d"]
    assert v.network.evaluate(*v._train_inputs())[1] < 0.6  # XOR: no straight line in the plane does it
    assert v._coords_box.layout.display == "none"  # nothing to choose for 2-unit layers
    assert repr(v) == ("LayerSpaceView(2 → 2 tanh → 2 tanh → 1 sigmoid; levels drawn as identity, identity, 1-d; "
                       "big: level 2; epoch 0)")
    v.close()


def test_the_points_and_grid_lines_drawn_are_the_layers_activations():
    v = LayerSpaceView()
    v.step(3)
    net, X = v.network, v.session.X_train
    traces = net.trace(feats(X))
    G = grid_lines(n_lines=9)
    grid_traces = net.trace(feats(G))
    np.testing.assert_array_equal(v.panels[0].points.x, X[:, 0])
    np.testing.assert_array_equal(v.panels[0].grid.x, G[..., 0])
    for k in (1, 2):
        a = traces[k - 1].a
        np.testing.assert_allclose(v.panels[k].points.x, a[:, 0], rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(v.panels[k].points.y, a[:, 1], rtol=1e-12, atol=1e-12)
        g = grid_traces[k - 1].a.reshape(G.shape)
        np.testing.assert_allclose(v.panels[k].grid.x, g[..., 0], rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(v.panels[k].grid.y, g[..., 1], rtol=1e-12, atol=1e-12)
    # the output level: its one unit left to right
    np.testing.assert_allclose(v.panels[3].points.x, traces[2].a[:, 0], rtol=1e-12, atol=1e-12)
    assert v.panels[3].grid.visible is False and v.panels[3].separator.visible
    np.testing.assert_array_equal(v.panels[3].separator.x, [0.5, 0.5])
    # the big picture is level 2 drawn the same way
    np.testing.assert_array_equal(v.big.points.x, v.panels[2].points.x)
    np.testing.assert_array_equal(v.big.grid.y, v.panels[2].grid.y)
    v.close()


def test_training_untangles_xor_until_the_output_layer_separates_it_with_a_line():
    v = LayerSpaceView()
    marks = (v.big.points, v.big.grid, v.panels[2].points)
    start = np.array(v.panels[2].points.x)
    v.step(150)
    assert (v.big.points, v.big.grid, v.panels[2].points) == marks  # frames update the marks in place
    assert not np.allclose(v.panels[2].points.x, start)
    assert v.network.evaluate(*v._train_inputs())[1] == 1.0
    out = v.network.mlp_levels()[-1]
    w, b = out.params["W"][:, 0], out.params["b"][0]
    h = np.column_stack([v.panels[2].points.x, v.panels[2].points.y])
    np.testing.assert_array_equal((h @ w + b > 0).astype(int), v.session.y_train)  # one line does it
    # the dashed line drawn is w · h + b = 0
    sx, sy = np.asarray(v.big.separator.x), np.asarray(v.big.separator.y)
    assert v.big.separator.visible
    np.testing.assert_allclose(w[0] * sx + w[1] * sy + b, 0.0, atol=1e-9)
    assert "epoch 150" in v.title.value and "accuracy 100%" in v.title.value
    v.close()


def test_wider_layers_are_drawn_by_pca_or_by_two_chosen_neurons():
    X, y = make_dataset("circle", n=150, noise=0.05, seed=2)
    net = Network.mlp(2, [5, 3], activation="relu", seed=1)
    v = LayerSpaceView(net, X, y, level=1)
    v.step(2)
    A = net.trace(feats(X))[0].a
    s = v.spaces[1]
    assert s.method == "pca" and v._coords_box.layout.display is None and v.coords.value == PCA
    # the first two principal components, by an independent route: the covariance's eigenvectors
    centred = A - A.mean(axis=0)
    vals, vecs = np.linalg.eigh(centred.T @ centred)
    top = vecs[:, np.argsort(vals)[::-1][:2]]
    proj = centred @ top
    for c, mark_data in enumerate((v.big.points.x, v.big.points.y)):
        np.testing.assert_allclose(np.abs(mark_data), np.abs(proj[:, c]), atol=1e-8)
    np.testing.assert_allclose(v.panels[1].points.x, (A - s.mean) @ s.components[0], atol=1e-12)
    assert "principal components" in v.caption.value
    # two neurons, chosen with the controls
    v.coords.value = NEURONS
    v.neuron_i.value, v.neuron_j.value = 2, 4
    assert v.spaces[1].method == "neurons" and v._neurons == {1: (2, 4)}
    np.testing.assert_allclose(v.big.points.x, A[:, 2], atol=1e-12)
    np.testing.assert_allclose(v.big.points.y, A[:, 4], atol=1e-12)
    G = grid_lines(n_lines=9)
    g = net.trace(feats(G))[0].a.reshape(G.shape[0], G.shape[1], 5)
    np.testing.assert_allclose(v.big.grid.x, g[..., 2], atol=1e-12)
    assert v.big.x_axis.label == "unit 3" and v.big.y_axis.label == "unit 5"
    v.step(1)  # the choice survives training
    np.testing.assert_allclose(v.big.points.y, net.trace(feats(X))[0].a[:, 4], atol=1e-12)
    v.coords.value = PCA
    assert v.spaces[1].method == "pca" and v._neurons == {}
    with pytest.raises(ValueError, match="level 2 has 3 units|drawn as it is"):
        LayerSpaceView().set_neurons(2, 0, 1)
    v.close()


def test_the_level_selector_and_a_replaced_network():
    v = LayerSpaceView()
    v.level.value = 1
    np.testing.assert_array_equal(v.big.points.x, v.panels[1].points.x)
    assert "2 units" in v.caption.value
    v.session.network = Network.mlp(2, [4, 4, 2], activation="tanh", seed=5)
    assert len(v.panels) == 5 and len(v._small_box.children) == 5
    assert [s.method for s in v.spaces] == ["identity", "pca", "pca", "identity", "1-d"]
    assert v.level.value == 3 and v.spaces[3].separator is not None
    v.close()


def test_bad_arguments_and_callback_errors_are_reported():
    with pytest.raises(TypeError, match="takes X and y together"):
        LayerSpaceView(X=np.zeros((3, 2)))
    with pytest.raises(TypeError, match="neurons must be a dict"):
        LayerSpaceView(neurons=[1, 2])
    with pytest.raises(ValueError, match="level must be"):
        LayerSpaceView(level=9)
    with pytest.raises(ValueError, match="features must name one input per network input"):
        LayerSpaceView(Network.mlp(3, [2], seed=0), *make_dataset("xor", n=20, seed=0))
    v = LayerSpaceView()
    import nnviz.widgets.layer_space_view as module

    original = module.layer_space
    module.layer_space = lambda *a, **k: (_ for _ in ()).throw(RuntimeError("mapping failed"))
    try:
        v.step(1)
    finally:
        module.layer_space = original
    assert v.status.kind == "error" and "mapping failed" in v.status.text
    v.close()


def test_play_animates_and_a_view_gone_stops_it():
    v = LayerSpaceView()

    async def scenario():
        v.bar.play_button.click()
        assert v.session.playing
        await asyncio.sleep(0.3)
        v._view_count = 1
        await asyncio.sleep(0.1)
        v._view_count = 0
        await asyncio.sleep(0.05)
        assert not v.session.playing and "no longer shown" in v.session.message

    asyncio.run(scenario())
    assert v.session.epoch > 0 and f"epoch {v.session.epoch}" in v.title.value
    v.close()


def test_close_closes_every_model_it_made():
    before = set(_instances)
    v = LayerSpaceView()
    v.step(1)
    v.session.network = Network.mlp(2, [3], activation="relu", seed=0)  # panels rebuilt
    v.close()
    assert set(_instances) - before == set()
    assert v.session.closed and repr(v) == "LayerSpaceView(closed)"
    v.close()
