"""Property-based checks over random architectures (hypothesis) and the initialisers' distributions."""
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nnviz.core import ACTIVATIONS, INITIALIZERS, Dense, Network, check_network_gradients

HIDDEN_ACTS = [a for a in ACTIVATIONS if a != "softmax"]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    n_in=st.integers(1, 4),
    hidden=st.lists(st.integers(1, 5), min_size=0, max_size=3),
    acts=st.lists(st.sampled_from(HIDDEN_ACTS), min_size=3, max_size=3),
    loss=st.sampled_from(["bce", "cross_entropy", "mse"]),
    n=st.integers(1, 7),
    seed=st.integers(0, 2**16),
    l2=st.sampled_from([0.0, 0.05]),
)
def test_random_architectures_have_correct_gradients(n_in, hidden, acts, loss, n, seed, l2):
    rng = np.random.default_rng(seed)
    n_out = {"bce": 1, "cross_entropy": 3, "mse": 2}[loss]
    net = Network.mlp(n_in, hidden, n_outputs=n_out, activation=acts[: len(hidden)], loss=loss, seed=seed, l2=l2)
    # random biases: with the initialisers' zero biases a dead ReLU feeds an exact 0 into the next
    # ReLU, its kink, where no derivative exists and finite differences disagree by construction
    for layer in net.dense_layers:
        layer.b = rng.normal(size=layer.b.shape)
    X = rng.normal(size=(n, n_in))
    y = {"bce": rng.integers(0, 2, n), "cross_entropy": rng.integers(0, 3, n), "mse": rng.normal(size=(n, 2))}[loss]
    assert check_network_gradients(net, X, y) < 1e-6


@settings(max_examples=25, deadline=None)
@given(batch=st.integers(1, 40), seed=st.integers(0, 1000))
def test_any_batch_size_trains_and_stays_finite(batch, seed):
    rng = np.random.default_rng(seed)
    X, y = rng.normal(size=(37, 2)), rng.integers(0, 2, 37)
    net = Network.mlp(2, [3], seed=seed)
    net.fit(X, y, epochs=2, batch_size=batch)
    assert net.step_ == 2 * -(-37 // batch)
    assert np.isfinite(net._params).all()


@pytest.mark.parametrize(
    "init, low, high, bias",
    [
        ("glorot", -np.sqrt(6 / (30 + 20)), np.sqrt(6 / (30 + 20)), 0.0),
        ("he", -np.sqrt(6 / 30), np.sqrt(6 / 30), 0.0),
        ("playground", -0.5, 0.5, 0.1),
    ],
)
def test_initialisers_match_torch_and_playground(init, low, high, bias):
    layer = Dense(30, 20, init=init, seed=0)
    W = layer.W
    assert W.min() >= low and W.max() <= high
    # uniform on [low, high]: mean ~0 and variance (high - low)^2 / 12
    assert abs(W.mean()) < 0.12 * high  # about 5 standard errors for 600 draws
    assert W.var() == pytest.approx((high - low) ** 2 / 12, rel=0.1)
    np.testing.assert_array_equal(layer.b, np.full(20, bias))
    assert set(INITIALIZERS) == {"glorot", "he", "playground"}


def test_default_init_follows_the_activation():
    assert Dense(3, 2, "relu").init == "he" and Dense(3, 2, "tanh").init == "glorot"
    assert Dense(3, 2, "sigmoid").init == "glorot" and Dense(3, 2, "leaky_relu").init == "he"
