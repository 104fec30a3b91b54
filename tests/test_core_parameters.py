"""parameters_to_vector / vector_to_parameters: PyTorch's order on the network's storage."""
import numpy as np
import pytest

from nnviz.core import Dense, Dropout, Network, parameters_to_vector, vector_to_parameters
from nnviz.data import make_dataset


def test_order_is_layer_by_layer_W_before_b_in_C_order():
    net = Network.mlp(2, [3], dropout=0.2, seed=0)
    vec = parameters_to_vector(net)
    d0, d1 = net.layers[0], net.layers[2]
    expected = np.concatenate([d0.W.ravel(), d0.b, d1.W.ravel(), d1.b])
    np.testing.assert_array_equal(vec, expected)
    assert vec.shape == (net.n_params,) and vec.dtype == net.dtype


def test_vector_is_a_copy_and_includes_frozen_layers():
    net = Network.mlp(2, [3], seed=0)
    net.layers[0].trainable = False
    vec = parameters_to_vector(net)
    assert vec.size == net.n_params == 13
    vec[:] = 0.0
    assert np.abs(net.layers[0].W).sum() > 0  # the network was not touched


def test_round_trip_and_inverse():
    X, y = make_dataset("circle", n=50, seed=0)
    net = Network.mlp(2, [4, 3], seed=0)
    v = parameters_to_vector(net)
    other = Network.mlp(2, [4, 3], seed=9)
    vector_to_parameters(v, other)
    np.testing.assert_array_equal(parameters_to_vector(other), v)
    assert other.evaluate(X, y) == net.evaluate(X, y)
    # a shifted vector really moves the network, and training goes on from it
    vector_to_parameters(v + 0.1, net)
    np.testing.assert_allclose(parameters_to_vector(net), v + 0.1, rtol=0, atol=0)
    net.fit(X, y, epochs=1)
    assert net.diverged_ is None


@pytest.mark.parametrize(
    "vector, exc, match",
    [
        (np.zeros(12), ValueError, r"vector must be 1-D of length 13 \(the network's parameters\), got shape \(12,\)"),
        (np.zeros((13, 1)), ValueError, r"vector must be 1-D of length 13 .*got shape \(13, 1\)"),
        (np.full(13, np.nan), ValueError, r"vector must contain only finite values"),
        (["a"] * 13, TypeError, r"vector must be a 1-D numeric array"),
    ],
)
def test_wrong_vectors_are_refused_and_change_nothing(vector, exc, match):
    net = Network.mlp(2, [3], seed=0)
    before = parameters_to_vector(net)
    with pytest.raises(exc, match=match):
        vector_to_parameters(vector, net)
    np.testing.assert_array_equal(parameters_to_vector(net), before)


def test_agrees_with_torch_on_the_same_model():
    torch = pytest.importorskip("torch")
    net = Network([Dense(3, 4, "relu"), Dropout(0.1), Dense(4, 2, "softmax")], loss="cross_entropy", seed=0)

    class Same(torch.nn.Module):  # the same parameters, declared in the same order and shapes
        def __init__(self):
            super().__init__()
            self.W1 = torch.nn.Parameter(torch.tensor(net.layers[0].W.copy()))
            self.b1 = torch.nn.Parameter(torch.tensor(net.layers[0].b.copy()))
            self.W2 = torch.nn.Parameter(torch.tensor(net.layers[2].W.copy()))
            self.b2 = torch.nn.Parameter(torch.tensor(net.layers[2].b.copy()))

    model = Same()
    theirs = torch.nn.utils.parameters_to_vector(model.parameters()).detach().numpy()
    np.testing.assert_array_equal(parameters_to_vector(net), theirs)
    new = np.random.default_rng(1).normal(size=net.n_params)
    torch.nn.utils.vector_to_parameters(torch.tensor(new), model.parameters())
    vector_to_parameters(new, net)
    np.testing.assert_array_equal(net.layers[0].W, model.W1.detach().numpy())
    np.testing.assert_array_equal(net.layers[2].b, model.b2.detach().numpy())


def test_the_flat_vector_and_the_layers_views_agree():
    # parameters_to_vector reads the network's own vector: it must be the layers' arrays, in order
    net = Network([Dense(3, 4, "tanh"), Dropout(0.2), Dense(4, 2, "tanh"), Dense(2, 1, "sigmoid")], seed=0)
    by_layer = np.concatenate([a.ravel() for l in net.layers for a in l.params.values()])
    np.testing.assert_array_equal(parameters_to_vector(net), by_layer)
    new = np.arange(net.n_params, dtype=float) / 100
    vector_to_parameters(new, net)
    np.testing.assert_array_equal(net.layers[2].W.ravel(), new[16 : 16 + 8])
    np.testing.assert_array_equal(net.layers[3].b, new[-1:])
