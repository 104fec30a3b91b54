"""Frozen layers (``layer.trainable = False``), as PyTorch's ``requires_grad = False``.

The optimiser moves neither a frozen layer's parameters nor their optimiser state, no L1/L2 penalty
applies to them, and the gradient still flows through them to the layers below. Unfreezing carries on
from the state the layer was frozen with (PyTorch keeps a parameter's state while it has no gradient).
"""
import numpy as np
import pytest

from nnviz.core import SGD, Adam, Dense, Network, parameters_to_vector
from nnviz.data import make_dataset


def _net(opt, l2=0.0):
    layers = [Dense(3, 5, "tanh"), Dense(5, 4, "tanh"), Dense(4, 1, "sigmoid")]
    return Network(layers, loss="bce", optimizer=opt, l2=l2, seed=0)


def _data(n=24, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3))
    y = (X[:, 0] * X[:, 1] + 0.3 * X[:, 2] > 0).astype(int)
    return X, y


def test_frozen_layer_does_not_move_and_the_layers_below_still_learn():
    X, y = _data(60)
    net = _net(SGD(0.2, momentum=0.9), l2=0.01)
    net.layers[1].trainable = False  # after the network is built
    W0, W1, W2 = (l.W.copy() for l in net.layers)
    net.fit(X, y, epochs=5, batch_size=6)
    np.testing.assert_array_equal(net.layers[1].W, W1)
    assert not np.array_equal(net.layers[0].W, W0)  # the gradient flowed through the frozen layer
    assert not np.array_equal(net.layers[2].W, W2)
    assert np.abs(net.gradients()[0]["W"]).max() > 0
    # the momentum buffer of the frozen entries never moved from zero
    buf = net.optimizer.state["params"]["momentum_buffer"]
    start = net.layers[0].n_params
    assert not buf[start : start + net.layers[1].n_params].any()


def test_frozen_before_the_network_is_built_and_all_frozen():
    X, y = _data()
    layers = [Dense(3, 4, "tanh"), Dense(4, 1, "sigmoid")]
    layers[0].trainable = False
    net = Network(layers, optimizer=Adam(0.05), seed=0)
    W0 = net.layers[0].W.copy()
    net.fit(X, y, epochs=3, batch_size=8)
    np.testing.assert_array_equal(net.layers[0].W, W0)
    net.layers[1].trainable = False
    before = parameters_to_vector(net)
    net.fit(X, y, epochs=2, batch_size=8)  # nothing to train: nothing moves, no error
    np.testing.assert_array_equal(parameters_to_vector(net), before)
    assert net.epoch_ == 5


def test_no_penalty_on_frozen_layers():
    X, y = _data()
    net = _net(SGD(0.1), l2=0.5)
    net.l1 = 0.1
    net.layers[0].trainable = False
    w1, w2 = net.layers[1].W, net.layers[2].W
    expected = 0.1 * (np.abs(w1).sum() + np.abs(w2).sum()) + 0.25 * ((w1**2).sum() + (w2**2).sum())
    assert net.penalty() == pytest.approx(expected, rel=1e-14)
    g_pen = net.gradients(X, y)
    net.l1 = net.l2 = 0.0
    g_data = net.gradients(X, y)
    np.testing.assert_array_equal(g_pen[0]["W"], g_data[0]["W"])  # frozen: data gradient only
    assert not np.allclose(g_pen[1]["W"], g_data[1]["W"])


def test_trainable_must_be_a_bool():
    with pytest.raises(TypeError, match=r"trainable must be True or False, got int 0"):
        Dense(2, 3).trainable = 0


def test_copied_layer_keeps_its_trainable_flag():
    net = _net(SGD(0.1))
    net.layers[1].trainable = False
    other = Network(net.layers, seed=3)
    assert [l.trainable for l in other.layers] == [True, False, True]
    other.layers[1].trainable = True  # the copy's flag is its own
    assert net.layers[1].trainable is False


# -- agreement with PyTorch ---------------------------------------------------------------------------
@pytest.mark.parametrize("make_opt", [
    lambda torch, ps: (SGD(0.3, momentum=0.9), torch.optim.SGD(ps, lr=0.3, momentum=0.9)),
    lambda torch, ps: (Adam(0.05), torch.optim.Adam(ps, lr=0.05)),
], ids=["sgd-momentum", "adam"])
def test_freeze_and_unfreeze_agree_with_torch(make_opt):
    torch = pytest.importorskip("torch")
    X, y = _data(40)
    l2 = 0.02
    net = _net(SGD(0.1), l2=l2)
    params = [torch.tensor(p.copy(), dtype=torch.float64, requires_grad=True)
              for layer in net.layers for p in layer.params.values()]
    net.optimizer, topt = make_opt(torch, params)
    Xt = torch.tensor(X, dtype=torch.float64)
    yt = torch.tensor(y, dtype=torch.float64).reshape(-1, 1)

    def torch_step(rows):
        topt.zero_grad()
        h = Xt[rows]
        for k in range(3):
            z = h @ params[2 * k] + params[2 * k + 1]
            h = torch.tanh(z) if k < 2 else z
        loss = torch.nn.functional.binary_cross_entropy_with_logits(h, yt[rows])
        for k in range(3):
            if params[2 * k].requires_grad:
                loss = loss + 0.5 * l2 * (params[2 * k] ** 2).sum()
        loss.backward()
        topt.step()

    step = 0
    # frozen middle layer, then everything, then the first layer frozen, then everything again
    for frozen in ({1}, set(), {0}, set()):
        for k, layer in enumerate(net.layers):
            layer.trainable = k not in frozen
            params[2 * k].requires_grad_(k not in frozen)
            params[2 * k + 1].requires_grad_(k not in frozen)
        for _ in range(4):
            rows = slice((step * 8) % 40, (step * 8) % 40 + 8)
            net.train_step(X[rows], y[rows])
            torch_step(rows)
            step += 1
        ours = parameters_to_vector(net)
        theirs = torch.nn.utils.parameters_to_vector(params).detach().numpy()
        np.testing.assert_allclose(ours, theirs, rtol=1e-11, atol=1e-13)


def test_repr_marks_frozen_layers_and_counts_their_parameters():
    net = Network.mlp(2, [3], seed=0)
    assert repr(net) == "Network(2 → 3 tanh → 1 sigmoid, loss='bce', 13 parameters)"
    net.layers[0].trainable = False
    assert repr(net) == "Network(2 → 3 tanh (frozen) → 1 sigmoid, loss='bce', 13 parameters, 9 frozen)"
    net.layers[0].trainable = True
    assert "frozen" not in repr(net)
