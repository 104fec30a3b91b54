"""Optimisers follow torch.optim exactly (reference formulas written out here)."""
import math

import numpy as np
import pytest

from nnviz.core import SGD, Adam, Dense, Network


def _grad_sequence(n, size, seed=0):
    rng = np.random.default_rng(seed)
    return [rng.normal(size=size) for _ in range(n)]


def test_sgd_plain_is_w_minus_lr_g():
    w = np.array([1.0, -2.0, 3.0])
    opt = SGD(lr=0.1)
    g = np.array([0.5, 0.5, -1.0])
    opt.update(w, g)
    np.testing.assert_allclose(w, [0.95, -2.05, 3.1])


def test_sgd_momentum_matches_torch_semantics():
    grads = _grad_sequence(5, 4)
    w = np.zeros(4)
    opt = SGD(lr=0.1, momentum=0.9)
    ref_w, buf = np.zeros(4), None
    for g in grads:
        opt.update(w, g.copy())
        buf = g.copy() if buf is None else 0.9 * buf + g  # first step v = g, no dampening
        ref_w = ref_w - 0.1 * buf
        np.testing.assert_allclose(w, ref_w, rtol=1e-14, atol=1e-15)


def test_adam_matches_torch_formula():
    grads = _grad_sequence(6, 5, seed=1)
    w = np.ones(5)
    opt = Adam(lr=0.01)
    ref = np.ones(5)
    m = np.zeros(5)
    v = np.zeros(5)
    for t, g in enumerate(grads, start=1):
        opt.update(w, g.copy())
        m = 0.9 * m + 0.1 * g
        v = 0.999 * v + 0.001 * g * g
        m_hat, v_hat = m / (1 - 0.9**t), v / (1 - 0.999**t)
        ref = ref - 0.01 * m_hat / (np.sqrt(v_hat) + 1e-8)
        np.testing.assert_allclose(w, ref, rtol=1e-12)


def test_lr_and_momentum_changes_take_effect_at_next_step():
    net = Network.mlp(2, [3], seed=0, optimizer=SGD(0.1))
    X, y = np.array([[0.5, -1.0], [1.0, 2.0]]), np.array([0, 1])
    net.train_step(X, y)
    before = net._params.copy()
    net.optimizer.lr = 0.01
    net.train_step(X, y)
    g = net._grads
    np.testing.assert_allclose(net._params, before - 0.01 * g, rtol=1e-14, atol=1e-17)
    net.optimizer.momentum = 0.5
    before = net._params.copy()
    net.train_step(X, y)
    np.testing.assert_allclose(net._params, before - 0.01 * net._grads, rtol=1e-14, atol=1e-17)


def test_default_optimizer_is_fresh_sgd_003_per_network():
    a, b = Network.mlp(2, [2]), Network.mlp(2, [2])
    assert isinstance(a.optimizer, SGD) and a.optimizer.lr == 0.03 and a.optimizer.momentum == 0.0
    assert a.optimizer is not b.optimizer


def test_matches_torch_when_available():
    torch = pytest.importorskip("torch")
    torch.set_default_dtype(torch.float64)
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(40, 2)), rng.integers(0, 3, 40)
    for make_opt, make_torch in [
        (lambda: SGD(0.1, momentum=0.9), lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9)),
        (lambda: Adam(0.01), lambda p: torch.optim.Adam(p, lr=0.01)),
    ]:
        net = Network([Dense(2, 5, "tanh"), Dense(5, 3, "softmax")], loss="cross_entropy", optimizer=make_opt(), seed=1, l2=0.01)
        l1 = torch.nn.Linear(2, 5)
        l2 = torch.nn.Linear(5, 3)
        with torch.no_grad():
            for tl, dl in ((l1, net.layers[0]), (l2, net.layers[1])):
                tl.weight.copy_(torch.tensor(dl.W.T))
                tl.bias.copy_(torch.tensor(dl.b))
        opt = make_torch(list(l1.parameters()) + list(l2.parameters()))
        for start in range(0, 40, 8):
            xb, yb = X[start : start + 8], y[start : start + 8]
            net.train_step(xb, yb)
            opt.zero_grad()
            logits = l2(torch.tanh(l1(torch.tensor(xb))))
            loss = torch.nn.functional.cross_entropy(logits, torch.tensor(yb))
            loss = loss + 0.5 * 0.01 * (l1.weight.pow(2).sum() + l2.weight.pow(2).sum())
            loss.backward()
            opt.step()
        np.testing.assert_allclose(net.layers[0].W, l1.weight.detach().numpy().T, atol=1e-10)
        np.testing.assert_allclose(net.layers[1].b, l2.bias.detach().numpy(), atol=1e-10)
