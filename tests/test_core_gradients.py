"""Finite-difference proofs of every derivative in the core (float64, central differences)."""
import numpy as np
import pytest

from nnviz.core import (
    ACTIVATIONS,
    LOSSES,
    Dense,
    Dropout,
    Network,
    check_network_gradients,
    network_gradients,
    numerical_gradient,
)

ELEMENTWISE = [name for name in ACTIVATIONS if name != "softmax"]


def _targets(loss, n, n_out, rng):
    if loss == "bce":
        return rng.integers(0, 2, n)
    if loss == "cross_entropy":
        return rng.integers(0, n_out, n)
    return rng.normal(size=(n, n_out))


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_activation_derivative_matches_central_differences(name):
    act = ACTIVATIONS[name]
    # stay clear of the kinks of relu/leaky_relu/elu at 0, where no derivative exists
    z = np.concatenate([np.linspace(-4, -0.05, 40), np.linspace(0.05, 4, 40)]).reshape(8, 10)
    eps = 1e-6
    numeric = (act.forward(z + eps) - act.forward(z - eps)) / (2 * eps)
    np.testing.assert_allclose(act.derivative(z), numeric, rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(act.derivative(z, act.forward(z)), numeric, rtol=1e-7, atol=1e-9)
    # backward is the chain rule: da * f'(z)
    da = np.random.default_rng(0).normal(size=z.shape)
    np.testing.assert_allclose(act.backward(da, z, act.forward(z)), da * numeric, rtol=1e-7, atol=1e-9)


def test_softmax_jacobian_and_backward_match_central_differences():
    sm = ACTIVATIONS["softmax"]
    rng = np.random.default_rng(3)
    z = rng.normal(size=(4, 5))
    a = sm.forward(z)
    np.testing.assert_allclose(a.sum(axis=1), 1.0)
    J = sm.jacobian(z)
    eps = 1e-6
    for j in range(5):
        dz = np.zeros_like(z)
        dz[:, j] = eps
        numeric_col = (sm.forward(z + dz) - sm.forward(z - dz)) / (2 * eps)
        np.testing.assert_allclose(J[:, :, j], numeric_col, rtol=1e-7, atol=1e-10)
    da = rng.normal(size=z.shape)
    np.testing.assert_allclose(sm.backward(da, z, a), np.einsum("nij,ni->nj", J, da), atol=1e-12)


def test_softmax_and_sigmoid_are_stable_for_huge_inputs():
    z = np.array([[1000.0, 0.0, -1000.0]])
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        a = ACTIVATIONS["softmax"].forward(z)
    np.testing.assert_allclose(a, [[1.0, 0.0, 0.0]])
    s = ACTIVATIONS["sigmoid"](np.array([[-800.0, 0.0, 800.0]]))
    np.testing.assert_array_equal(s, [[0.0, 0.5, 1.0]])
    t = ACTIVATIONS["tanh"](np.linspace(-400, 400, 1001).reshape(1, -1))  # exp path
    assert np.isfinite(t).all() and t.min() == -1.0 and t.max() == 1.0


def test_tanh_fast_path_agrees_with_numpy_tanh():
    z = np.random.default_rng(0).normal(scale=3, size=(200, 10))  # 2000 entries: the exp formula
    np.testing.assert_allclose(ACTIVATIONS["tanh"].forward(z), np.tanh(z), rtol=0, atol=4e-16)


@pytest.mark.parametrize("loss", sorted(LOSSES))
@pytest.mark.parametrize("activation", ELEMENTWISE)
def test_network_gradients_every_activation_and_loss(loss, activation):
    """Backprop through Dense layers of every activation into every loss, with L1 and L2 on."""
    rng = np.random.default_rng(7)
    n_out = {"bce": 1, "cross_entropy": 3, "mse": 2}[loss]
    net = Network.mlp(3, [4, 5], n_outputs=n_out, activation=activation, loss=loss, seed=1, l1=0.01, l2=0.03)
    X = rng.normal(size=(6, 3))
    y = _targets(loss, 6, n_out, rng)
    analytic, numeric = network_gradients(net, X, y)
    assert check_network_gradients(net, X, y) < 1e-6
    np.testing.assert_allclose(analytic, numeric, rtol=1e-5, atol=1e-8)


@pytest.mark.parametrize("out_act", ELEMENTWISE + ["softmax"])
def test_mse_through_every_output_activation(out_act):
    rng = np.random.default_rng(11)
    net = Network.mlp(2, [3], n_outputs=3, activation="tanh", loss="mse", output_activation=out_act, seed=4)
    X, y = rng.normal(size=(5, 2)), rng.normal(size=(5, 3))
    assert check_network_gradients(net, X, y) < 1e-6


def test_gradients_in_float32_network_are_close():
    rng = np.random.default_rng(2)
    net = Network.mlp(2, [4], seed=0, dtype=np.float32)
    X, y = rng.normal(size=(8, 2)), rng.integers(0, 2, 8)
    analytic, numeric = network_gradients(net, X, y, eps=1e-2)
    np.testing.assert_allclose(analytic, numeric, rtol=2e-2, atol=2e-3)


def test_dropout_gradient_with_fixed_mask():
    rng = np.random.default_rng(5)
    layer = Dropout(0.4, seed=1)
    X = rng.normal(size=(6, 4))
    out = layer.forward(X, training=True)
    mask = layer._mask
    # inverted dropout: kept units are scaled by 1 / (1 - p), dropped ones are 0
    assert set(np.unique(np.round(mask, 12))) <= {0.0, round(1 / 0.6, 12)}
    np.testing.assert_allclose(out, X * mask)
    dY = rng.normal(size=out.shape)
    np.testing.assert_allclose(layer.backward(dY), dY * mask)
    # identity at inference
    np.testing.assert_array_equal(layer.forward(X, training=False), X)


def test_dense_standalone_backward_matches_central_differences():
    rng = np.random.default_rng(9)
    layer = Dense(3, 4, activation="swish", seed=0)
    X = rng.normal(size=(5, 3))
    G = rng.normal(size=(5, 4))  # upstream gradient: objective = sum(G * A)

    def objective():
        return float((G * layer.forward(X)).sum())

    layer.forward(X)
    dX = layer.backward(G)
    for name in ("W", "b"):
        numeric = numerical_gradient(objective, layer.params[name])
        np.testing.assert_allclose(layer.grads[name], numeric, rtol=1e-6, atol=1e-9)
    X_var = X.copy()

    def objective_x():
        return float((G * layer.forward(X_var)).sum())

    np.testing.assert_allclose(dX, numerical_gradient(objective_x, X_var), rtol=1e-6, atol=1e-9)


def test_network_with_dropout_p0_checks_and_input_gradient_flows():
    rng = np.random.default_rng(1)
    layers = [Dropout(0.0), Dense(2, 3, "relu"), Dropout(0.0), Dense(3, 1, "sigmoid")]
    net = Network(layers, loss="bce", seed=3)
    X, y = rng.normal(size=(6, 2)), rng.integers(0, 2, 6)
    assert check_network_gradients(net, X, y) < 1e-6


def test_loss_values_match_definitions():
    rng = np.random.default_rng(0)
    z = rng.normal(size=(6, 1)) * 3
    p = 1 / (1 + np.exp(-z))
    y = rng.integers(0, 2, 6)
    t = LOSSES["bce"].prepare_targets(y, 1)
    expected = -np.mean(y * np.log(p[:, 0]) + (1 - y) * np.log(1 - p[:, 0]))
    assert LOSSES["bce"].value(z, p, t) == pytest.approx(expected, rel=1e-12)
    # bce from the logit never takes log(0)
    big = np.array([[800.0], [-800.0]])
    tb = LOSSES["bce"].prepare_targets([0, 1], 1)
    assert LOSSES["bce"].value(big, ACTIVATIONS["sigmoid"](big), tb) == pytest.approx(800.0)

    zc = rng.normal(size=(5, 3))
    pc = np.exp(zc) / np.exp(zc).sum(axis=1, keepdims=True)
    yc = np.array([0, 2, 1, 1, 0])
    tc = LOSSES["cross_entropy"].prepare_targets(yc, 3)
    assert LOSSES["cross_entropy"].value(zc, pc, tc) == pytest.approx(-np.mean(np.log(pc[np.arange(5), yc])), rel=1e-12)

    a, ym = rng.normal(size=(4, 2)), rng.normal(size=(4, 2))
    tm = LOSSES["mse"].prepare_targets(ym, 2)
    # TensorFlow Playground's squared error: 1/2 sum over outputs, mean over samples
    assert LOSSES["mse"].value(a, a, tm) == pytest.approx(0.5 * np.sum((a - ym) ** 2) / 4, rel=1e-12)
