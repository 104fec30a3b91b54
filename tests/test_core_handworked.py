"""A 2-2-1 network worked by hand: every forward value, gradient and updated weight."""
import math

import numpy as np
import pytest

from nnviz.core import SGD, Dense, Network


@pytest.fixture
def net():
    layers = [Dense(2, 2, "tanh"), Dense(2, 1, "sigmoid")]
    net = Network(layers, loss="bce", optimizer=SGD(lr=0.5))
    layers[0].W = [[0.1, 0.2], [0.3, 0.4]]
    layers[0].b = [0.01, 0.02]
    layers[1].W = [[0.5], [-0.6]]
    layers[1].b = [0.03]
    return net


X = np.array([[1.0, 2.0]])
Y = np.array([1])


def test_forward_values(net):
    trace = net.trace(X)
    # z1 = x W1 + b1 = [1*0.1 + 2*0.3 + 0.01, 1*0.2 + 2*0.4 + 0.02] = [0.71, 1.02]
    np.testing.assert_allclose(trace[0].z, [[0.71, 1.02]], rtol=1e-15)
    # a1 = tanh(z1) = [0.6106768328168443, 0.7698665359089004]
    np.testing.assert_allclose(trace[0].a, [[math.tanh(0.71), math.tanh(1.02)]], rtol=1e-15)
    np.testing.assert_allclose(trace[0].a, [[0.6106768328168443, 0.7698665359089004]], rtol=1e-14)
    # z2 = a1 W2 + b2 = 0.5*0.61068 - 0.6*0.76987 + 0.03 = -0.1265815051369181
    assert trace[1].z[0, 0] == pytest.approx(-0.1265815051369181, rel=1e-14)
    # p = sigmoid(z2) = 0.4683968102875186
    assert trace[1].a[0, 0] == pytest.approx(0.4683968102875186, rel=1e-14)
    # bce loss = -log(p) = 0.758439457086376
    loss, acc = net.evaluate(X, Y)
    assert loss == pytest.approx(0.758439457086376, rel=1e-14)
    assert acc == 0.0  # p < 0.5 predicts class 0


def test_gradients_and_update(net):
    loss = net.train_step(X, Y)
    assert loss == pytest.approx(0.758439457086376, rel=1e-14)  # the loss *before* the update
    g = net.gradients()
    # dL/dz2 = p - y = -0.5316031897124813
    # dL/dW2 = a1^T dz2 = [-0.3246377522089501, -0.40926350614207], dL/db2 = dz2
    np.testing.assert_allclose(g[1]["W"][:, 0], [-0.3246377522089501, -0.40926350614207], rtol=1e-13)
    np.testing.assert_allclose(g[1]["b"], [-0.5316031897124813], rtol=1e-13)
    # dL/da1 = dz2 W2^T; dL/dz1 = dL/da1 * (1 - a1^2) = [-0.1666772176903701, 0.12991494717897292]
    np.testing.assert_allclose(g[0]["b"], [-0.1666772176903701, 0.12991494717897292], rtol=1e-13)
    # dL/dW1 = x^T dz1
    np.testing.assert_allclose(
        g[0]["W"], [[-0.1666772176903701, 0.12991494717897292], [-0.3333544353807402, 0.25982989435794585]], rtol=1e-13
    )
    # w <- w - 0.5 g
    l0, l1 = net.layers
    np.testing.assert_allclose(l1.W[:, 0], [0.662318876104475, -0.395368246928965], rtol=1e-13)
    np.testing.assert_allclose(l1.b, [0.2958015948562407], rtol=1e-13)
    np.testing.assert_allclose(l0.W, [[0.18333860884518505, 0.13504252641051356], [0.46667721769037007, 0.2700850528210271]], rtol=1e-13)
    np.testing.assert_allclose(l0.b, [0.09333860884518505, -0.04495747358948646], rtol=1e-13)
    assert net.step_ == 1
    # after the step the loss on the same sample went down
    assert net.evaluate(X, Y)[0] < loss


def test_l2_adds_lambda_w_to_weight_gradients_only(net):
    net.l2 = 0.1
    w1_before = net.layers[1].W.copy()
    net.train_step(X, Y)
    g = net.gradients()
    np.testing.assert_allclose(g[1]["W"][:, 0], np.array([-0.3246377522089501, -0.40926350614207]) + 0.1 * w1_before[:, 0], rtol=1e-13)
    np.testing.assert_allclose(g[1]["b"], [-0.5316031897124813], rtol=1e-13)  # biases not penalised


def test_l1_adds_lambda_sign_w(net):
    net.l1 = 0.2
    net.train_step(X, Y)
    g = net.gradients()
    np.testing.assert_allclose(g[1]["W"][:, 0], np.array([-0.3246377522089501, -0.40926350614207]) + 0.2 * np.array([1, -1]), rtol=1e-13)
    assert net.penalty() == pytest.approx(0.2 * np.sum([np.abs(l.W).sum() for l in net.dense_layers]))
