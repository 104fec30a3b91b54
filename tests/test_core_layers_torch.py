"""Conv2D, MaxPool2D, Flatten, SimpleRNN and LSTM against PyTorch in float64 (forward, every gradient,
and whole networks over several SGD steps)."""
import numpy as np
import pytest

torch = pytest.importorskip("torch")

from nnviz.core import LSTM, SGD, Conv2D, Dense, Flatten, MaxPool2D, Network, SimpleRNN  # noqa: E402

TOL = dict(rtol=1e-10, atol=1e-12)


def _t(a, grad=False):
    return torch.tensor(np.ascontiguousarray(a), dtype=torch.float64, requires_grad=grad)


def _close(ours, theirs, what=""):
    theirs = theirs.detach().numpy() if hasattr(theirs, "detach") else theirs
    np.testing.assert_allclose(ours, theirs, err_msg=what, **TOL)


# -- layer by layer ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "c_in, c_out, k, s, p, hw",
    [(1, 4, 3, 1, 1, (8, 8)), (3, 2, (2, 3), (2, 1), (1, 0), (7, 8)), (2, 3, 4, 2, 2, (9, 6)),
     (2, 2, 2, 2, 0, (6, 6)), (4, 5, 1, 1, 0, (3, 5)), (2, 2, 5, 3, 1, (10, 11)), (2, 3, 2, 1, 2, (4, 5))],
)
@pytest.mark.parametrize("activation", ["linear", "relu", "tanh"])
def test_conv2d_matches_torch(c_in, c_out, k, s, p, hw, activation):
    layer = Conv2D(c_in, c_out, k, stride=s, padding=p, activation=activation, seed=0)
    layer.b = np.random.default_rng(1).normal(size=c_out)
    ref = torch.nn.Conv2d(c_in, c_out, k, stride=s, padding=p).double()
    with torch.no_grad():
        ref.weight.copy_(_t(layer.W))
        ref.bias.copy_(_t(layer.b))
    act = {"linear": lambda z: z, "relu": torch.relu, "tanh": torch.tanh}[activation]
    X = np.random.default_rng(2).normal(size=(3, c_in, *hw))
    Xt = _t(X, grad=True)
    Yt = act(ref(Xt))
    Y = layer.forward(X, True)
    _close(Y, Yt, "forward")
    dY = np.random.default_rng(3).normal(size=Y.shape)
    Yt.backward(_t(dY))
    dX = layer.backward(dY)
    _close(dX, Xt.grad, "dX")
    _close(layer.grads["W"], ref.weight.grad, "dW")
    _close(layer.grads["b"], ref.bias.grad, "db")


@pytest.mark.parametrize("k, hw", [(2, (8, 8)), (2, (7, 9)), (3, (8, 7)), (1, (3, 3))])
def test_maxpool_and_flatten_match_torch_including_ties(k, hw):
    # small integers: many ties inside windows, which torch resolves to the first maximum
    X = np.random.default_rng(k).integers(0, 3, size=(2, 3, *hw)).astype(float)
    Xt = _t(X, grad=True)
    Yt = torch.flatten(torch.nn.MaxPool2d(k)(Xt), 1)
    pool, flat = MaxPool2D(k), Flatten()
    Y = flat.forward(pool.forward(X))
    np.testing.assert_array_equal(Y, Yt.detach().numpy())
    dY = np.random.default_rng(0).normal(size=Y.shape)
    Yt.backward(_t(dY))
    np.testing.assert_array_equal(pool.backward(flat.backward(dY)), Xt.grad.numpy())


def _torch_recurrent(layer):
    """torch.nn.RNN / LSTM with ``layer``'s weights (one bias: b_ih = b, b_hh = 0)."""
    if isinstance(layer, SimpleRNN):
        ref, (wx, wh) = torch.nn.RNN(layer.n_in, layer.n_hidden, batch_first=True), (layer.W_xh, layer.W_hh)
    else:
        ref, (wx, wh) = torch.nn.LSTM(layer.n_in, layer.n_hidden, batch_first=True), (layer.W_x, layer.W_h)
    ref = ref.double()
    with torch.no_grad():
        ref.weight_ih_l0.copy_(_t(wx.T))
        ref.weight_hh_l0.copy_(_t(wh.T))
        ref.bias_ih_l0.copy_(_t(layer.b))
        ref.bias_hh_l0.zero_()
    return ref


def _randomise(layer, seed):
    rng = np.random.default_rng(seed)
    for name, p in layer.params.items():
        setattr(layer, name, rng.normal(scale=0.5, size=p.shape))
    return layer


@pytest.mark.parametrize("cls", [SimpleRNN, LSTM])
@pytest.mark.parametrize("return_sequences", [False, True])
@pytest.mark.parametrize("n_in, H, T", [(1, 16, 30), (3, 5, 7)])
def test_recurrent_matches_torch(cls, return_sequences, n_in, H, T):
    layer = _randomise(cls(n_in, H, return_sequences=return_sequences), 0)
    ref = _torch_recurrent(layer)
    X = np.random.default_rng(1).normal(size=(4, T, n_in))
    Xt = _t(X, grad=True)
    out, (hn, *rest) = (lambda o: (o[0], o[1] if isinstance(o[1], tuple) else (o[1],)))(ref(Xt))
    Yt = out if return_sequences else out[:, -1]
    Y = layer.forward(X, True)
    _close(Y, Yt, "forward")
    _close(layer.trace_arrays()["h"], out, "h")
    if cls is LSTM:
        _close(layer.trace_arrays()["c"][:, -1], rest[0][0], "c_T")
    dY = np.random.default_rng(2).normal(size=Y.shape)
    Yt.backward(_t(dY))
    dX = layer.backward(dY)
    names = list(layer.params)
    _close(dX, Xt.grad, "dX")
    _close(layer.grads[names[0]], ref.weight_ih_l0.grad.T, names[0])
    _close(layer.grads[names[1]], ref.weight_hh_l0.grad.T, names[1])
    _close(layer.grads["b"], ref.bias_ih_l0.grad, "b")  # = bias_hh_l0.grad
    _close(layer.grads["b"], ref.bias_hh_l0.grad, "b")


def test_two_stacked_layers_match_torch_num_layers_2():
    first, second = _randomise(LSTM(2, 4, return_sequences=True), 0), _randomise(LSTM(4, 4), 1)
    ref = torch.nn.LSTM(2, 4, num_layers=2, batch_first=True).double()
    with torch.no_grad():
        for k, layer in enumerate((first, second)):
            getattr(ref, f"weight_ih_l{k}").copy_(_t(layer.W_x.T))
            getattr(ref, f"weight_hh_l{k}").copy_(_t(layer.W_h.T))
            getattr(ref, f"bias_ih_l{k}").copy_(_t(layer.b))
            getattr(ref, f"bias_hh_l{k}").zero_()
    X = np.random.default_rng(2).normal(size=(3, 9, 2))
    Xt = _t(X, grad=True)
    Yt = ref(Xt)[0][:, -1]
    Y = second.forward(first.forward(X, True), True)
    _close(Y, Yt)
    dY = np.random.default_rng(3).normal(size=Y.shape)
    Yt.backward(_t(dY))
    _close(first.backward(second.backward(dY)), Xt.grad, "dX")
    _close(first.grads["W_h"], ref.weight_hh_l0.grad.T, "first W_h")
    _close(second.grads["W_x"], ref.weight_ih_l1.grad.T, "second W_x")


@pytest.mark.parametrize("cls", [SimpleRNN, LSTM])
def test_clipping_matches_clip_grad_norm(cls):
    """torch's clip_grad_norm_ over (W_x, W_h, b) of a cell written out with autograd."""
    layer = _randomise(cls(2, 3, clip=0.1), 4)
    names = list(layer.params)
    params = [_t(layer.params[n], grad=True) for n in names]
    X = np.random.default_rng(5).normal(size=(2, 5, 2))
    Xt = _t(X)
    h = torch.zeros(2, 3, dtype=torch.float64)
    c = torch.zeros(2, 3, dtype=torch.float64)
    for t in range(5):
        a = Xt[:, t] @ params[0] + h @ params[1] + params[2]
        if cls is SimpleRNN:
            h = torch.tanh(a)
        else:
            i, f, g, o = a.split(3, dim=1)
            c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
            h = torch.sigmoid(o) * torch.tanh(c)
    dY = np.random.default_rng(6).normal(size=(2, 3))
    h.backward(_t(dY))
    total = torch.nn.utils.clip_grad_norm_(params, 0.1)
    _close(layer.forward(X, True), h, "forward")
    layer.backward(dY)
    assert layer.grad_norm_ == pytest.approx(float(total), rel=1e-12)
    assert float(total) > 0.1  # clipping really happened
    for n, p in zip(names, params):
        _close(layer.grads[n], p.grad, n)


# -- whole networks over several SGD steps --------------------------------------------------------------
def _copy_in(module, arrays):
    with torch.no_grad():
        for p, a in zip(module.parameters(), arrays):
            p.copy_(_t(a))


def test_cnn_network_matches_torch_over_sgd_steps():
    net = Network(
        [Conv2D(1, 4, 3, padding=1, activation="relu"), MaxPool2D(2),
         Conv2D(4, 6, (2, 3), stride=(1, 2), activation="tanh"), Flatten(), Dense(6 * 3 * 1, 5, "softmax")],
        loss="cross_entropy", optimizer=SGD(0.1, momentum=0.9), seed=0, input_shape=(1, 8, 7),
    )
    conv1, _, conv2, _, dense = net.layers
    ref = torch.nn.Sequential(
        torch.nn.Conv2d(1, 4, 3, padding=1), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
        torch.nn.Conv2d(4, 6, (2, 3), stride=(1, 2)), torch.nn.Tanh(), torch.nn.Flatten(), torch.nn.Linear(18, 5),
    ).double()
    _copy_in(ref, [conv1.W, conv1.b, conv2.W, conv2.b, dense.W.T, dense.b])
    opt = torch.optim.SGD(ref.parameters(), lr=0.1, momentum=0.9)
    rng = np.random.default_rng(1)
    X = rng.random((40, 1, 8, 7))
    y = rng.integers(0, 5, 40)
    for step in range(6):
        batch = slice(8 * (step % 5), 8 * (step % 5) + 8)
        loss = net.train_step(X[batch], y[batch])
        opt.zero_grad()
        ref_loss = torch.nn.functional.cross_entropy(ref(_t(X[batch])), torch.tensor(y[batch]))
        ref_loss.backward()
        opt.step()
        assert loss == pytest.approx(ref_loss.item(), rel=1e-11)
    for ours, theirs in zip([conv1.W, conv1.b, conv2.W, conv2.b, dense.W.T, dense.b], ref.parameters()):
        _close(ours, theirs)


def test_cnn_with_a_frozen_conv_layer_matches_torch_requires_grad_false():
    net = Network([Conv2D(1, 3, 3, activation="tanh"), Flatten(), Dense(3 * 4 * 4, 2, "softmax")],
                  loss="cross_entropy", optimizer=SGD(0.2), seed=3, input_shape=(1, 6, 6))
    conv, _, dense = net.layers
    conv.trainable = False
    frozen = conv.W.copy()
    ref = torch.nn.Sequential(torch.nn.Conv2d(1, 3, 3), torch.nn.Tanh(), torch.nn.Flatten(),
                              torch.nn.Linear(48, 2)).double()
    _copy_in(ref, [conv.W, conv.b, dense.W.T, dense.b])
    ref[0].weight.requires_grad_(False)
    ref[0].bias.requires_grad_(False)
    opt = torch.optim.SGD([p for p in ref.parameters() if p.requires_grad], lr=0.2)
    rng = np.random.default_rng(4)
    X, y = rng.normal(size=(10, 1, 6, 6)), rng.integers(0, 2, 10)
    for _ in range(4):
        net.train_step(X, y)
        opt.zero_grad()
        torch.nn.functional.cross_entropy(ref(_t(X)), torch.tensor(y)).backward()
        opt.step()
    np.testing.assert_array_equal(conv.W, frozen)
    _close(dense.W.T, ref[3].weight)
    _close(dense.b, ref[3].bias)


@pytest.mark.parametrize("cls", [SimpleRNN, LSTM])
def test_recurrent_network_matches_torch_over_sgd_steps(cls):
    """SimpleRNN/LSTM(1, 16) → Dense(16, 1) on the last state, mse, T = 30 (the benchmark's model)."""
    net = Network([cls(1, 16), Dense(16, 1, "linear")], loss="mse", optimizer=SGD(0.05), seed=0,
                  input_shape=(30, 1))
    rec, dense = net.layers
    ref = _torch_recurrent(rec)
    ref.bias_hh_l0.requires_grad_(False)  # one bias, as nnviz (two would each move by the gradient)
    head = torch.nn.Linear(16, 1).double()
    _copy_in(head, [dense.W.T, dense.b])
    params = [p for p in ref.parameters() if p.requires_grad] + list(head.parameters())
    opt = torch.optim.SGD(params, lr=0.05)
    rng = np.random.default_rng(1)
    X, y = rng.normal(size=(32, 30, 1)), rng.normal(size=(32, 1))
    for _ in range(5):
        loss = net.train_step(X, y)
        opt.zero_grad()
        out = head(ref(_t(X))[0][:, -1])
        ref_loss = 0.5 * ((out - _t(y)) ** 2).sum(dim=1).mean()  # REFERENCE.md's mse
        ref_loss.backward()
        opt.step()
        assert loss == pytest.approx(ref_loss.item(), rel=1e-11)
    wx, wh = list(rec.params)[:2]
    _close(rec.params[wx], ref.weight_ih_l0.T)
    _close(rec.params[wh], ref.weight_hh_l0.T)
    _close(rec.b, ref.bias_ih_l0)
    _close(dense.W.T, head.weight)
