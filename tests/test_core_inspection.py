"""What the explorers read: per-layer deltas, per-batch callbacks and ``trace(X, y)``."""
import numpy as np
import pytest

from nnviz.core import SGD, Dense, Dropout, Layer, Network
from nnviz.data import make_dataset


class Square(Layer):
    """y = x², elementwise, with its input gradient kept for the trace (no parameters)."""

    def output_shape(self, input_shape):
        return tuple(input_shape)

    def forward(self, X, training=False):
        self._X = X
        return X * X

    def backward(self, dY, need_dx=True):
        self._dY = dY
        return 2.0 * self._X * dY if need_dx else None

    def trace_arrays(self):
        return {"x": self._X}

    def trace_grad_arrays(self):
        return {"dy": self._dY}

    def get_config(self):
        return {"type": "Square"}


def test_deltas_are_dL_dZ_of_the_last_step():
    X, y = make_dataset("circle", n=20, seed=0)
    net = Network.mlp(2, [4, 3], dropout=0.0, seed=0)
    assert net.deltas() == [None, None, None]  # no backward pass yet
    net.train_step(X[:8], y[:8])
    deltas = net.deltas()
    grads = net.gradients()
    # the output delta of bce on a sigmoid: (σ(z) − y) / n
    before = Network.mlp(2, [4, 3], seed=0)
    traces = before.trace(X[:8])
    np.testing.assert_allclose(deltas[2][:, 0], (traces[2].a[:, 0] - y[:8]) / 8, rtol=1e-13)
    # ∂L/∂W = (input of the layer)ᵀ · delta
    inputs = [X[:8], traces[0].a, traces[1].a]
    for k in range(3):
        np.testing.assert_allclose(grads[k]["W"], inputs[k].T @ deltas[k], rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(grads[k]["b"], deltas[k].sum(axis=0), rtol=1e-12, atol=1e-15)
    deltas[0][...] = 0.0  # copies
    assert np.abs(net.deltas()[0]).sum() > 0
    with_dropout = Network.mlp(2, [4], dropout=0.5, seed=0)
    with_dropout.train_step(X[:8], y[:8])
    assert [d is None for d in with_dropout.deltas()] == [False, True, False]


def test_batch_callbacks_see_every_update():
    X, y = make_dataset("circle", n=45, seed=0)
    net = Network.mlp(2, [5], optimizer=SGD(0.1), seed=0)
    twin = Network.mlp(2, [5], optimizer=SGD(0.1), seed=0)
    seen = []

    def cb(network, logs):
        assert network is net
        idx = logs["batch_indices"]
        # the same update done by hand on the same samples: same loss before it, same weights after
        assert twin.train_step(X[idx], y[idx]) == logs["loss"]
        np.testing.assert_array_equal(twin._params, net._params)
        seen.append((logs["epoch"], logs["step"], logs["batch"], idx))

    net.fit(X, y, epochs=2, batch_size=10, batch_callbacks=[cb])
    assert [s[:3] for s in seen] == [(e, 5 * (e - 1) + b + 1, b) for e in (1, 2) for b in range(5)]
    for e in (0, 1):  # each epoch covers every sample once, shuffled
        idx = np.concatenate([s[3] for s in seen[5 * e : 5 * e + 5]])
        assert sorted(idx) == list(range(45)) and list(idx) != list(range(45))
    assert len(net.history) == 2


def test_batch_callback_can_stop_training_and_is_checked():
    X, y = make_dataset("circle", n=40, seed=0)
    net = Network.mlp(2, [3], seed=0)

    def stop(network, logs):
        if logs["batch"] == 1:
            network.stop_training = True

    net.fit(X, y, epochs=5, batch_size=10, shuffle=False, batch_callbacks=stop)
    assert net.step_ == 2
    with pytest.raises(TypeError, match=r"batch_callbacks\[0\] must be callable as cb\(network, logs\)"):
        net.fit(X, y, batch_callbacks=[3])


def test_trace_with_targets_fills_gradients_without_an_update():
    X, y = make_dataset("circle", n=30, seed=0)
    net = Network.mlp(2, [4, 3], seed=0)
    net.train_step(X[:10], y[:10])
    last = net.gradients()
    before = net._params.copy()
    traces = net.trace(X, y)
    assert np.array_equal(net._params, before)
    for g_old, g_now in zip(last, net.gradients()):  # the last step's gradients are kept
        for k in g_old:
            np.testing.assert_array_equal(g_old[k], g_now[k])
    at_now = net.gradients(X, y)  # no dropout, no penalty: the same as the trace's
    for t, g in zip(traces, at_now):
        for k in g:
            np.testing.assert_allclose(t.grads[k], g[k], rtol=1e-13, atol=1e-16)
        assert t.delta.shape == t.a.shape and t.arrays["z"].shape == t.a.shape
    np.testing.assert_allclose(traces[-1].delta[:, 0], (traces[-1].a[:, 0] - y) / 30, rtol=1e-13)
    assert net.trace(X)[0].grad_arrays == {} and net.trace(X)[0].delta is None


def test_trace_of_a_protocol_layer_gives_its_arrays_and_gradient_arrays():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(6, 3))
    y = rng.normal(size=6)
    net = Network([Dense(3, 4, "tanh"), Square(), Dense(4, 1, "linear")], loss="mse", seed=0)
    traces = net.trace(X, y)
    sq = traces[1]
    np.testing.assert_array_equal(sq.arrays["x"], traces[0].a)
    np.testing.assert_allclose(sq.a, traces[0].a ** 2)
    # dL/dy of the squared layer is the next layer's delta times its weights
    np.testing.assert_allclose(sq.grad_arrays["dy"], traces[2].delta @ net.layers[2].W.T, rtol=1e-13)
    assert sq.delta is None and sq.grads == {}
    # dL/dZ of the first layer through the Square layer: dy · 2x · (1 − tanh²)
    expected = sq.grad_arrays["dy"] * 2 * traces[0].a * (1 - traces[0].a ** 2)
    np.testing.assert_allclose(traces[0].delta, expected, rtol=1e-12)


def test_trace_shapes_follow_the_layers():
    net = Network([Dense(2, 5, "relu"), Dropout(0.3), Dense(5, 3, "softmax")], loss="cross_entropy", seed=0)
    traces = net.trace(np.zeros((7, 2)))
    assert [t.a.shape for t in traces] == [(7, 5), (7, 5), (7, 3)]
    assert traces[1].z is None and traces[0].z.shape == (7, 5)
    assert repr(traces[2]) == "LayerTrace(2: Dense(5 → 3, 'softmax'), a of shape (7, 3))"
