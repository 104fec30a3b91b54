"""The layer protocol: any layer written to it trains inside a Network, with exact gradients.

``Scale`` is the example of ``nnviz/core/layer.py``'s docstring; ``SeqSum`` is a layer on sequences
(per-sample shape (T, F) → (F,)) that exercises inputs of rank > 1.
"""
import numpy as np
import pytest

from nnviz.core import SGD, Dense, Dropout, Layer, Network, check_network_gradients
from nnviz.data import make_dataset


class Scale(Layer):
    """y = x * s, one learnable scale per feature (the docstring's example)."""

    penalised = ("s",)

    def __init__(self, n):
        super().__init__()
        self.n = n
        self._allocate()
        self.params["s"][...] = 1.0

    def param_shapes(self):
        return {"s": (self.n,)}

    def output_shape(self, input_shape):
        return tuple(input_shape)

    def forward(self, X, training=False):
        self._X = X
        return X * self.params["s"]

    def backward(self, dY, need_dx=True):
        self.grads["s"][...] = (dY * self._X).sum(axis=0)
        return dY * self.params["s"] if need_dx else None

    def get_config(self):
        return {"type": "Scale", "n": self.n}


class SeqSum(Layer):
    """Weighted sum over time: (N, T, F) → (N, F), y = Σ_t w_t x_t + c."""

    penalised = ("w",)

    def __init__(self, T, F):
        super().__init__()
        self.T, self.F = T, F
        self._allocate()
        self.params["w"][...] = np.linspace(0.5, 1.5, T)

    def param_shapes(self):
        return {"w": (self.T,), "c": (self.F,)}

    def output_shape(self, input_shape):
        if tuple(input_shape) != (self.T, self.F):
            raise ValueError(f"expects sequences of shape ({self.T}, {self.F}), got shape {tuple(input_shape)}")
        return (self.F,)

    def forward(self, X, training=False):
        self._X = X
        return np.einsum("ntf,t->nf", X, self.params["w"]) + self.params["c"]

    def backward(self, dY, need_dx=True):
        self.grads["w"][...] = np.einsum("ntf,nf->t", self._X, dY)
        self.grads["c"][...] = dY.sum(axis=0)
        return np.einsum("nf,t->ntf", dY, self.params["w"]) if need_dx else None

    def get_config(self):
        return {"type": "SeqSum", "T": self.T, "F": self.F}


def _scale_net(**kwargs):
    return Network([Dense(2, 4, "tanh"), Scale(4), Dense(4, 1, "sigmoid")], seed=0, **kwargs)


def test_user_layer_gets_views_into_the_flat_vector():
    net = _scale_net()
    scale = net.layers[1]
    assert net.n_params == (2 * 4 + 4) + 4 + (4 + 1)
    # W, b of layer 0, then s, then W, b of layer 2: the flat order of parameters_to_vector
    np.testing.assert_array_equal(net._params[12:16], scale.params["s"])
    scale.params["s"][...] = 2.5
    assert (net._params[12:16] == 2.5).all()
    assert not net._fast  # Scale does not declare the fast path; the general path is used


def test_user_layer_gradients_match_central_differences():
    X, y = make_dataset("circle", n=12, seed=1)
    for l1, l2 in [(0.0, 0.0), (0.01, 0.02)]:
        net = _scale_net(l1=l1, l2=l2)
        net.layers[1].params["s"][...] = [0.7, -1.3, 1.1, 0.4]
        assert check_network_gradients(net, X, y) < 1e-7


def test_user_layer_trains_its_parameters_and_the_loss_falls():
    X, y = make_dataset("circle", n=200, seed=0)
    net = _scale_net(optimizer=SGD(0.1))
    s0 = net.layers[1].params["s"].copy()
    loss0 = net.evaluate(X, y)[0]
    net.fit(X, y, epochs=20, batch_size=10)
    s1 = net.layers[1].params["s"]
    assert np.abs(s1 - s0).max() > 1e-2  # the user layer's parameter was updated
    assert net.history["loss"][-1] < 0.7 * loss0
    # the step matches SGD on its own gradient
    before = net.layers[1].params["s"].copy()
    net.train_step(X[:10], y[:10])
    np.testing.assert_allclose(net.layers[1].params["s"], before - 0.1 * net.layers[1].grads["s"], rtol=1e-14)


def test_sequence_input_shape_is_checked_and_trains_exactly():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(16, 5, 3))
    y = X[:, -1, 0] + 0.5 * X[:, 0, 1]
    net = Network([SeqSum(5, 3), Dense(3, 1, "linear")], loss="mse", input_shape=(5, 3), seed=0)
    assert net.input_shape == (5, 3) and net.output_shape == (1,)
    assert repr(net).startswith("Network(5×3 → SeqSum → 1 linear")
    assert check_network_gradients(net, X, y) < 1e-7
    loss0 = net.evaluate(X, y)[0]
    net.optimizer.lr = 0.05
    net.fit(X, y, epochs=30, batch_size=4)
    assert net.evaluate(X, y)[0] < 0.5 * loss0
    with pytest.raises(ValueError, match=r"X must have shape \(n_samples, 5, 3\), got \(16, 15\)"):
        net.forward(X.reshape(16, 15))
    with pytest.raises(ValueError, match=r"X must contain only finite values"):
        net.forward(np.full((2, 5, 3), np.nan))


def test_input_shape_required_when_the_first_layer_does_not_fix_it():
    with pytest.raises(ValueError, match=r"input shape cannot be inferred from layers\[0\] \(SeqSum\(\)\); pass input_shape="):
        Network([SeqSum(5, 3), Dense(3, 1, "linear")], loss="mse")
    with pytest.raises(ValueError, match=r"layers\[0\] \(SeqSum\(\)\), on the input of shape \(4, 3\): expects sequences of shape \(5, 3\)"):
        Network([SeqSum(5, 3), Dense(3, 1, "linear")], loss="mse", input_shape=(4, 3))
    with pytest.raises(ValueError, match=r"input_shape\[1\] must be an integer >= 1, got 0"):
        Network([SeqSum(5, 3), Dense(3, 1, "linear")], loss="mse", input_shape=(5, 0))
    # Dropout keeps the shape, so Dense after it still fixes the input
    assert Network([Dropout(0.2), Dense(3, 1, "sigmoid")]).input_shape == (3,)


def test_a_sequence_fed_to_a_dense_network_says_so():
    net = Network.mlp(2, [3], seed=0)
    with pytest.raises(ValueError, match=r"X must have shape \(n_samples, 2\), got \(4, 7, 2\): .*not a sequence"):
        net.fit(np.zeros((4, 7, 2)), [0, 1, 0, 1])
    with pytest.raises(ValueError, match=r"layers\[0\] \(Dense\(6 → 1, 'sigmoid'\)\), on the input of shape \(2, 3\): "
                                         r"expects 6 inputs per sample.*needs a recurrent layer, or Flatten\(\)"):
        Network([Dense(6, 1, "sigmoid")], input_shape=(2, 3))


def test_last_layer_must_give_a_vector():
    with pytest.raises(ValueError, match=r"the last layer must give one vector per sample.*gives shape \(5, 3\)"):
        Network([Scale(3)], loss="mse", input_shape=(5, 3))


def test_mlp_levels_and_units_per_level():
    net = Network.mlp(2, [8, 8], dropout=0.1, seed=0)
    levels = net.mlp_levels()
    assert [type(l).__name__ for l in levels] == ["Dense"] * 3
    assert [l.W.shape for l in levels] == [(2, 8), (8, 8), (8, 1)]
    assert net.units_per_level() == [2, 8, 8, 1]
    assert net.sizes == net.units_per_level() and net.dense_layers == levels
    seq = Network([SeqSum(5, 3), Dense(3, 1, "linear")], loss="mse", input_shape=(5, 3))
    with pytest.raises(ValueError, match=r"mlp_levels\(\) is defined for networks on vectors"):
        seq.mlp_levels()
    with pytest.raises(ValueError, match=r"units_per_level\(\) is defined|mlp_levels\(\) is defined"):
        seq.units_per_level()
    with pytest.raises(ValueError, match=r"n_inputs is defined for networks on vectors"):
        seq.n_inputs
    scaled = _scale_net()
    with pytest.raises(ValueError, match=r"needs a weight matrix W"):
        scaled.mlp_levels()


def test_fast_path_and_general_path_agree():
    X, y = make_dataset("circle", n=30, seed=0)
    fast = Network.mlp(2, [5, 3], seed=3, l2=0.01)
    slow = Network.mlp(2, [5, 3], seed=3, l2=0.01)
    slow._fast = False
    assert fast._fast
    for net in (fast, slow):
        net.fit(X, y, epochs=3, batch_size=7)
    np.testing.assert_allclose(fast._params, slow._params, rtol=1e-12, atol=1e-14)
    for gf, gs in zip(fast.gradients(), slow.gradients()):
        for k in gf:
            np.testing.assert_allclose(gf[k], gs[k], rtol=1e-10, atol=1e-14)


class Lazy(Layer):
    """A layer that declares a parameter but allocates nothing itself: the network allocates it."""

    penalised = ("w",)

    def param_shapes(self):
        return {"w": (3,)}

    def reset_parameters(self, rng):
        self.params["w"][...] = rng.uniform(0.5, 1.5, size=3)

    def output_shape(self, input_shape):
        return tuple(input_shape)

    def forward(self, X, training=False):
        self._X = X
        return X * self.params["w"]

    def backward(self, dY, need_dx=True):
        self.grads["w"][...] = (dY * self._X).sum(axis=0)
        return dY * self.params["w"] if need_dx else None


def test_network_allocates_for_a_layer_that_did_not():
    X, y = make_dataset("circle", n=10, seed=0)
    net = Network([Dense(2, 3), Lazy(), Dense(3, 1, "sigmoid")], seed=0)
    w = net.layers[1].params["w"]
    assert w.shape == (3,) and (w >= 0.5).all() and np.shares_memory(w, net._params)
    assert check_network_gradients(net, X, y) < 1e-7


def test_params_that_disagree_with_param_shapes_are_refused():
    bad = Scale(3)
    bad.n = 4  # param_shapes now says (4,), the arrays are (3,)
    with pytest.raises(ValueError, match=r"layers\[0\] \(Scale\(\)\) has parameters \{'s': \(3,\)\} but its param_shapes\(\) declares \{'s': \(4,\)\}"):
        Network([bad, Dense(4, 1, "sigmoid")], input_shape=(4,))


def test_layer_copy_is_independent_and_unbound():
    net = Network.mlp(2, [3], seed=0)
    layer = net.layers[0]
    layer.trainable = False
    clone = layer.copy()
    assert clone.network is None and layer.network is net
    assert clone.trainable is False and repr(clone) == repr(layer)
    np.testing.assert_array_equal(clone.W, layer.W)
    clone.W = np.zeros((2, 3))
    assert np.abs(layer.W).sum() > 0  # the original (and its network) did not change
    assert not np.shares_memory(clone.W, net._params)
