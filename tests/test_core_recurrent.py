"""SimpleRNN and LSTM: central-difference gradients (BPTT), dh_t, clipping, init, errors, config."""
import json

import numpy as np
import pytest

from nnviz.core import LSTM, Dense, SimpleRNN, numerical_gradient
from nnviz.core.serialization import layer_from_config

RECURRENT = [SimpleRNN, LSTM]


def _randomise(layer, seed=0, scale=0.6):
    """Non-trivial weights and biases (zero biases would hide bias-gradient bugs)."""
    rng = np.random.default_rng(seed)
    for name, p in layer.params.items():
        setattr(layer, name, rng.normal(scale=scale, size=p.shape))
    return layer


def _check_stack(layers, X, seed=0, rtol=1e-6, atol=1e-9):
    """Backprop through ``layers`` vs central differences of L = Σ R ⊙ output, for dX and every parameter."""
    def out():
        A = X
        for l in layers:
            A = l.forward(A, True)
        return A

    R = np.random.default_rng(seed).normal(size=out().shape)
    out()
    d = R
    for l in reversed(layers):
        d = l.backward(d)
    analytic = [{k: v.copy() for k, v in l.grads.items()} for l in layers]

    def loss():
        return float(np.sum(R * out()))

    np.testing.assert_allclose(d, numerical_gradient(loss, X), rtol=rtol, atol=atol, err_msg="dX")
    for l, g in zip(layers, analytic):
        for name, p in l.params.items():
            np.testing.assert_allclose(g[name], numerical_gradient(loss, p), rtol=rtol, atol=atol,
                                       err_msg=f"{l!r} {name}")
    return R


@pytest.mark.parametrize("cls", RECURRENT)
@pytest.mark.parametrize("return_sequences", [False, True])
@pytest.mark.parametrize("n_in, H, T", [(1, 3, 5), (3, 4, 6), (2, 2, 1)])
def test_recurrent_gradients_match_central_differences(cls, return_sequences, n_in, H, T):
    layer = _randomise(cls(n_in, H, return_sequences=return_sequences))
    X = np.random.default_rng(1).normal(size=(3, T, n_in))
    _check_stack([layer], X)
    assert layer.forward(X).shape == ((3, T, H) if return_sequences else (3, H))


@pytest.mark.parametrize("first, second", [(SimpleRNN, SimpleRNN), (LSTM, LSTM), (SimpleRNN, LSTM), (LSTM, SimpleRNN)])
def test_stacked_recurrent_layers_then_dense(first, second):
    layers = [_randomise(first(2, 3, return_sequences=True), 1), _randomise(second(3, 4), 2),
              Dense(4, 2, "tanh", seed=3)]
    X = np.random.default_rng(4).normal(size=(2, 5, 2))
    _check_stack(layers, X)


def _reference_outputs(layer, X, t0=None, E=None):
    """A separate, step-by-step implementation of the layer's equations, adding ``E`` to ``h_{t0}``."""
    N, T, _ = X.shape
    H = layer.n_hidden
    h = np.zeros((N, H))
    c = np.zeros((N, H))
    outs = []
    sig = lambda z: 1 / (1 + np.exp(-z))
    for t in range(T):
        if isinstance(layer, SimpleRNN):
            h = np.tanh(X[:, t] @ layer.W_xh + h @ layer.W_hh + layer.b)
        else:
            a = X[:, t] @ layer.W_x + h @ layer.W_h + layer.b
            i, f, g, o = sig(a[:, :H]), sig(a[:, H : 2 * H]), np.tanh(a[:, 2 * H : 3 * H]), sig(a[:, 3 * H :])
            c = f * c + i * g
            h = o * np.tanh(c)
        if t == t0:
            h = h + E
        outs.append(h)
    return np.stack(outs, axis=1) if layer.return_sequences else outs[-1]


@pytest.mark.parametrize("cls", RECURRENT)
@pytest.mark.parametrize("return_sequences", [False, True])
def test_dh_is_the_whole_gradient_reaching_each_hidden_state(cls, return_sequences):
    """trace_grad_arrays()["dh"][:, t] = ∂L/∂h_t, checked by nudging h_t in a reference implementation."""
    layer = _randomise(cls(2, 3, return_sequences=return_sequences), 7)
    X = np.random.default_rng(8).normal(size=(2, 6, 2))
    Y = layer.forward(X, True)
    np.testing.assert_allclose(Y, _reference_outputs(layer, X), rtol=0, atol=1e-14)
    R = np.random.default_rng(9).normal(size=Y.shape)
    layer.backward(R)
    dh = layer.trace_grad_arrays()["dh"]
    assert dh.shape == (2, 6, 3)
    for t0 in range(6):
        E = np.zeros((2, 3))
        numeric = numerical_gradient(lambda: float(np.sum(R * _reference_outputs(layer, X, t0, E))), E)
        np.testing.assert_allclose(dh[:, t0], numeric, rtol=1e-6, atol=1e-10, err_msg=f"t = {t0}")
    assert layer.delta.shape == (2, 6, layer.params["b"].size)


def test_simple_rnn_gradient_vanishes_back_in_time():
    """With small recurrent weights ‖∂L/∂h_t‖ shrinks geometrically as t goes back (the RNN lesson)."""
    layer = SimpleRNN(1, 8, seed=0)
    layer.W_hh = 0.3 * np.linalg.qr(np.random.default_rng(0).normal(size=(8, 8)))[0]
    X = np.random.default_rng(1).normal(size=(4, 20, 1))
    layer.backward(np.ones_like(layer.forward(X)))
    norms = np.linalg.norm(layer.trace_grad_arrays()["dh"], axis=(0, 2))
    assert np.all(np.diff(norms) > 0)  # grows toward the last step
    assert norms[0] < 1e-8 * norms[-1]


def test_lstm_trace_gates_satisfy_the_cell_equations():
    layer = _randomise(LSTM(2, 3, return_sequences=True), 3)
    X = np.random.default_rng(4).normal(size=(2, 5, 2))
    Y = layer.forward(X)
    tr = layer.trace_arrays()
    assert set(tr) == {"h", "c", "i", "f", "g", "o"}
    assert all(v.shape == (2, 5, 3) for v in tr.values())
    c_prev = np.concatenate([np.zeros((2, 1, 3)), tr["c"][:, :-1]], axis=1)
    np.testing.assert_allclose(tr["c"], tr["f"] * c_prev + tr["i"] * tr["g"], atol=1e-15)
    np.testing.assert_allclose(tr["h"], tr["o"] * np.tanh(tr["c"]), atol=1e-15)
    np.testing.assert_array_equal(tr["h"], Y)
    for gate in "ifo":
        assert ((tr[gate] > 0) & (tr[gate] < 1)).all()
    assert (np.abs(tr["g"]) < 1).all()


def test_simple_rnn_trace_h_is_every_state_and_output_the_last():
    layer = _randomise(SimpleRNN(2, 3), 5)
    X = np.random.default_rng(6).normal(size=(4, 7, 2))
    Y = layer.forward(X)
    h = layer.trace_arrays()["h"]
    assert h.shape == (4, 7, 3)
    np.testing.assert_array_equal(h[:, -1], Y)
    layer.return_sequences = True
    np.testing.assert_array_equal(layer.forward(X), h)


@pytest.mark.parametrize("cls", RECURRENT)
def test_clipping_scales_the_layers_gradient_to_the_max_norm(cls):
    X = np.random.default_rng(0).normal(size=(3, 6, 2))
    free = _randomise(cls(2, 4), 1)
    R = np.random.default_rng(2).normal(size=(3, 4)) * 10
    free.forward(X)
    dX_free = free.backward(R)
    g_free = {k: v.copy() for k, v in free.grads.items()}
    norm = np.sqrt(sum(np.sum(g * g) for g in g_free.values()))
    assert free.grad_norm_ == pytest.approx(norm)

    clipped = _randomise(cls(2, 4, clip=0.5 * norm), 1)
    clipped.forward(X)
    dX_clipped = clipped.backward(R)
    coef = 0.5 * norm / (norm + 1e-6)  # torch.nn.utils.clip_grad_norm_
    for k in g_free:
        np.testing.assert_allclose(clipped.grads[k], coef * g_free[k], rtol=1e-13)
    clipped_norm = np.sqrt(sum(np.sum(g * g) for g in clipped.grads.values()))
    assert clipped_norm == pytest.approx(0.5 * norm, rel=1e-6)
    np.testing.assert_array_equal(dX_clipped, dX_free)  # the gradient passed down is not clipped
    assert clipped.grad_norm_ == pytest.approx(norm)

    loose = _randomise(cls(2, 4, clip=2 * norm), 1)
    loose.forward(X)
    loose.backward(R)
    for k in g_free:
        np.testing.assert_array_equal(loose.grads[k], g_free[k])


def test_backward_overwrites_gradients_and_need_dx_false():
    layer = _randomise(LSTM(2, 3), 0)
    X = np.random.default_rng(1).normal(size=(2, 4, 2))
    R = np.ones((2, 3))
    layer.forward(X)
    dX = layer.backward(R)
    g = {k: v.copy() for k, v in layer.grads.items()}
    layer.forward(X)
    assert layer.backward(R, need_dx=False) is None
    for k in g:
        np.testing.assert_array_equal(layer.grads[k], g[k])
    assert dX.shape == X.shape


@pytest.mark.parametrize("cls", RECURRENT)
def test_float32_inference(cls):
    layer = cls(2, 5, return_sequences=True, seed=0)
    X = np.random.default_rng(0).normal(size=(3, 8, 2))
    Y64 = layer.forward(X)
    Y32 = layer.forward(X.astype(np.float32))
    assert Y32.dtype == np.float32
    np.testing.assert_allclose(Y32, Y64, rtol=1e-5, atol=1e-5)


def test_inits():
    H = 6
    g = SimpleRNN(3, H, seed=0)
    assert np.abs(g.W_xh).max() <= np.sqrt(6 / (3 + H)) and np.abs(g.W_hh).max() <= np.sqrt(6 / (2 * H))
    np.testing.assert_array_equal(g.b, 0.0)
    o = LSTM(3, H, init="orthogonal", seed=0)
    for k in range(4):
        block = o.W_h[:, k * H : (k + 1) * H]
        np.testing.assert_allclose(block.T @ block, np.eye(H), atol=1e-12)
    np.testing.assert_array_equal(o.b[H : 2 * H], 1.0)  # forget_bias
    np.testing.assert_array_equal(np.delete(o.b, np.s_[H : 2 * H]), 0.0)
    t = LSTM(3, H, init="torch", forget_bias=0.0, seed=0)
    k = 1 / np.sqrt(H)
    assert np.abs(t.W_x).max() <= k and np.abs(t.W_h).max() <= k and np.abs(t.b).max() <= 2 * k
    assert np.abs(t.b).max() > k  # a sum of two uniform draws, as torch's b_ih + b_hh
    np.testing.assert_array_equal(SimpleRNN(2, 3, seed=5).W_hh, SimpleRNN(2, 3, seed=5).W_hh)


@pytest.mark.parametrize(
    "cls, kwargs, error, match",
    [
        (SimpleRNN, {"n_in": 0, "n_hidden": 3}, ValueError, "n_in must be an integer >= 1, got 0"),
        (LSTM, {"n_in": 1, "n_hidden": 2.5}, TypeError, "n_hidden must be an integer >= 1"),
        (SimpleRNN, {"n_in": 1, "n_hidden": 3, "return_sequences": 1}, TypeError, "return_sequences must be True or False"),
        (SimpleRNN, {"n_in": 1, "n_hidden": 3, "clip": 0}, ValueError, r"clip must be a finite number > 0, got 0.0"),
        (LSTM, {"n_in": 1, "n_hidden": 3, "clip": float("inf")}, ValueError, "clip must be a finite number > 0"),
        (LSTM, {"n_in": 1, "n_hidden": 3, "init": "he"}, ValueError, "unknown init 'he'; expected one of 'glorot', 'orthogonal', 'torch'"),
        (LSTM, {"n_in": 1, "n_hidden": 3, "forget_bias": float("nan")}, ValueError, "forget_bias must be a finite number"),
    ],
)
def test_argument_errors(cls, kwargs, error, match):
    with pytest.raises(error, match=match):
        cls(**kwargs)


@pytest.mark.parametrize("cls", RECURRENT)
def test_shape_errors_name_the_layer_expected_and_got(cls):
    layer = cls(3, 4)
    name = type(layer).__name__
    assert layer.output_shape((10, 3)) == (4,)
    with pytest.raises(ValueError, match=rf"{name}\(3 → 4\) expects sequences of shape \(time steps, features\) = \(T, 3\) per sample, got shape \(1, 8, 8\)"):
        layer.output_shape((1, 8, 8))
    with pytest.raises(ValueError, match=r"expects 3 feature\(s\) per time step, got shape \(10, 2\) with 2"):
        layer.output_shape((10, 2))
    with pytest.raises(ValueError, match=r"expects a batch of shape \(n_samples, T, 3\), got shape \(5, 3\)"):
        layer.forward(np.zeros((5, 3)))
    with pytest.raises(ValueError, match=r"expects 3 feature\(s\) per time step"):
        layer.forward(np.zeros((5, 4, 2)))
    with pytest.raises(ValueError, match=r"W_?h+ must have shape"):
        setattr(layer, "W_hh" if cls is SimpleRNN else "W_h", np.zeros((4, 5)))


def test_config_repr_short():
    rnn = SimpleRNN(2, 16, return_sequences=True, clip=1.5, init="orthogonal")
    config = rnn.get_config()
    assert json.loads(json.dumps(config)) == config
    assert config == {"type": "SimpleRNN", "n_in": 2, "n_hidden": 16, "return_sequences": True, "clip": 1.5,
                      "init": "orthogonal"}
    assert layer_from_config(config).get_config() == config
    lstm = LSTM(1, 8, forget_bias=0.5)
    assert lstm.get_config()["forget_bias"] == 0.5 and lstm.get_config()["type"] == "LSTM"
    assert layer_from_config(lstm.get_config()).get_config() == lstm.get_config()
    assert repr(rnn) == "SimpleRNN(2 → 16, return_sequences=True, clip=1.5)"
    assert repr(lstm) == "LSTM(1 → 8)"
    assert (rnn.short(), lstm.short()) == ("rnn 16 seq", "lstm 8")
    assert rnn.penalised == ("W_xh", "W_hh") and lstm.penalised == ("W_x", "W_h")
    assert lstm.param_shapes() == {"W_x": (1, 32), "W_h": (8, 32), "b": (32,)}
    assert rnn.n_params == 2 * 16 + 16 * 16 + 16


# -- inside a Network ---------------------------------------------------------------------------------
from nnviz.core import Adam, Network, check_network_gradients  # noqa: E402


@pytest.mark.parametrize("cls", RECURRENT)
def test_recurrent_network_gradients_with_l2_and_stacking(cls):
    net = Network([cls(2, 3, return_sequences=True), cls(3, 4), Dense(4, 1, "sigmoid")], loss="bce", l2=0.05,
                  seed=0, input_shape=(6, 2))
    X = np.random.default_rng(0).normal(size=(4, 6, 2))
    y = np.array([0, 1, 1, 0])
    assert check_network_gradients(net, X, y) < 1e-7


@pytest.mark.parametrize("cls", RECURRENT)
def test_recurrent_trace_gives_hidden_states_and_dh(cls):
    net = Network([cls(1, 5, return_sequences=True), cls(5, 3), Dense(3, 1, "linear")], loss="mse", seed=1,
                  input_shape=(8, 1))
    X = np.random.default_rng(1).normal(size=(6, 8, 1))
    y = np.random.default_rng(2).normal(size=(6, 1))
    traces = net.trace(X, y)
    assert traces[0].a.shape == (6, 8, 5) and traces[1].a.shape == (6, 3)
    assert traces[0].arrays["h"].shape == (6, 8, 5) and traces[1].arrays["h"].shape == (6, 8, 3)
    np.testing.assert_array_equal(traces[1].arrays["h"][:, -1], traces[1].a)
    dh = traces[1].grad_arrays["dh"]
    assert dh.shape == (6, 8, 3)
    # the last state's dh is the gradient coming from the Dense head: dL/dz_out W_outᵀ (mean over 6)
    out = net.forward(X)
    np.testing.assert_allclose(dh[:, -1], (out - y) / 6 @ net.layers[2].W.T, rtol=1e-12)
    assert traces[0].grad_arrays["dh"].shape == (6, 8, 5)
    if cls is LSTM:
        assert {"c", "i", "f", "g", "o"} <= set(traces[1].arrays)


def test_recurrent_save_load_is_bit_exact_with_trainable_flags(tmp_path):
    net = Network([LSTM(1, 4, return_sequences=True, clip=1.0), SimpleRNN(4, 3, init="orthogonal"),
                   Dense(3, 2, "softmax")], loss="cross_entropy", optimizer=Adam(0.01), seed=2, input_shape=(5, 1))
    net.layers[1].trainable = False
    X = np.random.default_rng(3).normal(size=(20, 5, 1))
    y = np.random.default_rng(4).integers(0, 2, 20)
    net.fit(X, y, epochs=2, batch_size=5)
    back = Network.load(net.save(tmp_path / "rnn.npz"))
    assert [l.get_config() for l in back.layers] == [l.get_config() for l in net.layers]
    assert [l.trainable for l in back.layers] == [True, False, True]
    np.testing.assert_array_equal(back.forward(X), net.forward(X))
    net.fit(X, y, epochs=1, batch_size=5, shuffle=False)
    back.fit(X, y, epochs=1, batch_size=5, shuffle=False)
    np.testing.assert_array_equal(back.forward(X), net.forward(X))


def test_network_sequence_shape_errors():
    with pytest.raises(ValueError, match=r"input shape cannot be inferred"):
        Network([SimpleRNN(1, 4), Dense(4, 1, "linear")], loss="mse")
    with pytest.raises(ValueError, match=r"layers\[0\] \(SimpleRNN\(2 → 4\)\), on the input of shape \(10, 1\): .*expects 2 feature\(s\) per time step"):
        Network([SimpleRNN(2, 4), Dense(4, 1, "linear")], loss="mse", input_shape=(10, 1))
    with pytest.raises(ValueError, match=r"last layer must give one vector per sample.*gives shape \(10, 4\)"):
        Network([SimpleRNN(1, 4, return_sequences=True)], loss="mse", input_shape=(10, 1))
    net = Network([SimpleRNN(1, 4), Dense(4, 1, "linear")], loss="mse", input_shape=(10, 1))
    with pytest.raises(ValueError, match=r"X must have shape \(n_samples, 10, 1\), got \(3, 10\)"):
        net.forward(np.zeros((3, 10)))
