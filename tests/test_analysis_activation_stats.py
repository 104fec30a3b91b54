"""Activation and gradient statistics per layer (histograms, mean, std, % near zero, dead ReLUs,
gradient norms) equal what the core computes, and show vanishing gradients in a deep sigmoid network."""
import numpy as np
import pytest

from nnviz.analysis import BOUNDED_RANGES, LayerStats, activation_curves, activation_stats
from nnviz.core import ACTIVATIONS, Network
from nnviz.data import make_dataset


@pytest.fixture(scope="module")
def circle():
    return make_dataset("circle", n=120, noise=0.1, seed=0)


def test_statistics_are_those_of_the_cores_activations(circle):
    X, y = circle
    net = Network.mlp(2, [6, 4], activation="tanh", seed=0)
    stats = activation_stats(net, X, y, bins=12, near_zero_tol=0.1)
    traces = net.trace(X, y)
    grads = net.gradients(X, y)
    assert len(stats) == 3 and all(isinstance(s, LayerStats) for s in stats)
    for s, t, g in zip(stats, traces, grads):
        a = t.a.ravel()
        assert s.counts.sum() == a.size and len(s.edges) == 13
        assert s.mean == pytest.approx(a.mean()) and s.std == pytest.approx(a.std())
        assert s.near_zero == pytest.approx(np.mean(np.abs(a) <= 0.1))
        assert s.grad_norm == pytest.approx(np.linalg.norm(g["W"]), rel=1e-12)
        assert s.grad_counts.sum() == t.delta.size and s.grad_mean == pytest.approx(t.delta.mean())
    assert stats[0].edges[0] == -1 and stats[0].edges[-1] == 1  # tanh: binned over its range
    assert (stats[-1].edges[0], stats[-1].edges[-1]) == BOUNDED_RANGES["sigmoid"]
    assert "LayerStats(0: Dense(2 → 6, 'tanh')" in repr(stats[0])
    no_grads = activation_stats(net, X)
    assert no_grads[0].grad_norm is None and no_grads[0].grad_counts is None


def test_dead_relu_units_and_saturation(circle):
    X, y = circle
    net = Network.mlp(2, [5], activation="relu", seed=0)
    layer = net.mlp_levels()[0]
    W, b = layer.params["W"].copy(), layer.params["b"].copy()
    W[:, 3], b[3] = 0.0, -1.0  # z = -1 for every input: dead
    net.set_weights([{"W": W, "b": b}, net.get_weights()[1]])
    stats = activation_stats(net, X, y)
    assert stats[0].dead_units.tolist() == [3] and stats[0].n_dead == 1 and "1 dead" in repr(stats[0])
    assert np.isnan(stats[0].saturated)
    big = Network.mlp(2, [4], activation="sigmoid", seed=0)
    big.set_weights([{k: 50 * v for k, v in w.items()} for w in big.get_weights()])
    assert activation_stats(big, X)[0].saturated > 0.8


def test_vanishing_gradients_in_a_deep_sigmoid_network_not_in_relu(circle):
    X, y = circle
    sig = [s.grad_norm for s in activation_stats(Network.mlp(2, [8] * 8, activation="sigmoid", seed=0), X, y)]
    relu = [s.grad_norm for s in activation_stats(Network.mlp(2, [8] * 8, activation="relu", seed=0), X, y)]
    assert len(sig) == 9 and sig[0] < 1e-3 * sig[-1]
    assert relu[0] > 1e-2 * relu[-1]


def test_network_is_left_unchanged(circle):
    X, y = circle
    net = Network.mlp(2, [4], seed=0)
    net.fit(X, y, epochs=1)
    before, deltas = net.state_dict(), net.deltas()
    activation_stats(net, X, y)
    np.testing.assert_array_equal(net.state_dict()["params"], before["params"])
    for d0, d1 in zip(deltas, net.deltas()):
        np.testing.assert_array_equal(d0, d1)


def test_activation_curves_and_their_derivatives():
    z = np.linspace(-3, 3, 60)  # an even count: no point at the ReLU kink
    curves = activation_curves(z=z)
    assert set(curves) == set(ACTIVATIONS) - {"softmax"}
    h = 1e-6
    for name, (zz, f, df) in curves.items():
        np.testing.assert_array_equal(zz, z)
        act = ACTIVATIONS[name]
        numeric = (act(z + h) - act(z - h)) / (2 * h)
        np.testing.assert_allclose(df, numeric, rtol=1e-6, atol=1e-8, err_msg=name)
        np.testing.assert_allclose(f, act(z), rtol=1e-15)
    assert list(activation_curves(["tanh"])) == ["tanh"] and len(activation_curves(["relu"])["relu"][0]) == 201


def test_bad_input_is_named(circle):
    X, y = circle
    net = Network.mlp(2, [4], seed=0)
    with pytest.raises(ValueError, match="bins"):
        activation_stats(net, X, bins=0)
    with pytest.raises(ValueError, match="near_zero_tol"):
        activation_stats(net, X, near_zero_tol=-1)
    with pytest.raises(TypeError, match="network must be"):
        activation_stats(None, X)
    with pytest.raises(ValueError, match="softmax acts on a whole row"):
        activation_curves(["softmax"])
    with pytest.raises(ValueError, match="z must be a 1-D array"):
        activation_curves(z=np.zeros((2, 2)))
    with pytest.raises(TypeError, match="names must be a sequence"):
        activation_curves("tanh")
