"""Conv2D, MaxPool2D and Flatten: central-difference gradients, shapes, options, errors, config."""
import json

import numpy as np
import pytest

from nnviz.core import Conv2D, Dense, Flatten, MaxPool2D, numerical_gradient
from nnviz.core._layer_utils import init_weight
from nnviz.core.initializers import INITIALIZERS
from nnviz.core.serialization import layer_from_config


def _check_layer_gradients(layer, X, rtol=1e-6, atol=1e-8, seed=0):
    """Backprop vs central differences for L = Σ R ⊙ layer(X), R random: dX and every parameter."""
    Y = layer.forward(X, True)
    R = np.random.default_rng(seed).normal(size=Y.shape)

    def loss():
        return float(np.sum(R * layer.forward(X, True)))

    layer.forward(X, True)
    dX = layer.backward(R.copy())
    grads = {k: v.copy() for k, v in layer.grads.items()}
    np.testing.assert_allclose(dX, numerical_gradient(loss, X), rtol=rtol, atol=atol)
    for name, p in layer.params.items():
        np.testing.assert_allclose(grads[name], numerical_gradient(loss, p), rtol=rtol, atol=atol,
                                   err_msg=f"gradient of {name}")
    return Y


CONV_CASES = [
    # c_in, c_out, kernel, stride, padding, (H, W)
    (1, 2, 3, 1, 0, (5, 5)),
    (2, 3, 3, 1, 1, (6, 7)),  # padding "same", odd x even image
    (3, 2, 2, 1, 0, (5, 4)),  # even kernel
    (2, 2, 3, 2, 1, (7, 7)),  # stride 2 with padding
    (2, 3, (2, 3), (2, 1), (1, 0), (6, 5)),  # pairs for everything
    (1, 2, 2, 2, 0, (6, 6)),  # fields that tile the image
    (2, 1, 4, 3, 2, (5, 6)),  # stride that skips pixels, big padding
    (2, 2, (3, 1), 1, (2, 0), (4, 4)),  # padding >= kernel in neither direction
    (1, 1, 1, 1, 0, (3, 3)),  # 1 x 1 convolution
    (1, 2, 2, 1, 2, (3, 3)),  # stride 1 with padding >= kernel: the scatter-add path for dX
]


@pytest.mark.parametrize("case", CONV_CASES, ids=lambda c: f"{c}")
@pytest.mark.parametrize("activation", ["linear", "tanh"])
def test_conv2d_gradients_match_central_differences(case, activation):
    c_in, c_out, k, s, p, hw = case
    layer = Conv2D(c_in, c_out, k, stride=s, padding=p, activation=activation, seed=1)
    layer.b = np.random.default_rng(5).normal(size=c_out)
    X = np.random.default_rng(2).normal(size=(3, c_in, *hw))
    Y = _check_layer_gradients(layer, X)
    assert Y.shape == (3, *layer.output_shape((c_in, *hw)))
    assert layer.delta.shape == Y.shape


def test_conv2d_relu_gradients_away_from_the_kink():
    layer = Conv2D(2, 3, 3, padding=1, activation="relu", seed=0)
    X = np.random.default_rng(1).normal(size=(2, 2, 5, 5))
    Z = layer.forward(X)
    assert np.abs(layer.z).min() > 1e-4  # no pre-activation within eps of 0
    np.testing.assert_array_equal(Z, np.maximum(layer.z, 0))
    _check_layer_gradients(layer, X)


def test_conv2d_matches_a_direct_loop_over_every_output():
    rng = np.random.default_rng(3)
    layer = Conv2D(2, 3, (3, 2), stride=(2, 1), padding=(1, 2), seed=0)
    layer.b = rng.normal(size=3)
    X = rng.normal(size=(2, 2, 5, 4))
    Y = layer.forward(X)
    Xp = np.pad(X, ((0, 0), (0, 0), (1, 1), (2, 2)))
    expected = np.zeros(Y.shape)
    for n in range(2):
        for o in range(3):
            for y in range(Y.shape[2]):
                for x in range(Y.shape[3]):
                    field = Xp[n, :, 2 * y : 2 * y + 3, x : x + 2]
                    expected[n, o, y, x] = np.sum(field * layer.W[o]) + layer.b[o]
    np.testing.assert_allclose(Y, expected, rtol=0, atol=1e-13)
    assert Y.shape == (2, 3, 3, 7)  # floor((5 + 2 - 3) / 2) + 1, (4 + 4 - 2) / 1 + 1


def test_conv2d_backward_overwrites_and_gradients_flow_through_strided_input():
    layer = Conv2D(1, 2, 3, seed=0)
    X = np.random.default_rng(0).normal(size=(2, 1, 6, 6))
    R = np.ones((2, 2, 4, 4))
    layer.forward(X)
    layer.backward(R)
    g1 = {k: v.copy() for k, v in layer.grads.items()}
    layer.forward(X)
    layer.backward(R)
    for k in g1:
        np.testing.assert_array_equal(layer.grads[k], g1[k])  # overwritten, not accumulated
    # a non-contiguous input view gives the same result as its copy
    big = np.random.default_rng(1).normal(size=(2, 1, 12, 12))
    view = big[:, :, ::2, ::2]
    np.testing.assert_array_equal(layer.forward(view), layer.forward(np.ascontiguousarray(view)))


def test_conv2d_need_dx_false_returns_none_and_still_fills_grads():
    layer = Conv2D(1, 2, 3, seed=0)
    layer.forward(np.ones((1, 1, 4, 4)))
    assert layer.backward(np.ones((1, 2, 2, 2)), need_dx=False) is None
    np.testing.assert_allclose(layer.grads["b"], [4.0, 4.0])
    np.testing.assert_allclose(layer.grads["W"], 4.0)


def test_conv2d_float32_inference():
    layer = Conv2D(1, 4, 3, padding=1, activation="relu", seed=0)
    X = np.random.default_rng(0).random((5, 1, 8, 8))
    Y64 = layer.forward(X)
    Y32 = layer.forward(X.astype(np.float32))
    assert Y32.dtype == np.float32
    np.testing.assert_allclose(Y32, Y64, rtol=1e-5, atol=1e-5)


def test_conv2d_default_init_follows_dense_with_conv_fans():
    relu = Conv2D(3, 8, 3, activation="relu", seed=0)
    tanh = Conv2D(3, 8, 3, activation="tanh", seed=0)
    assert relu.init == "he" and tanh.init == "glorot"
    fan_in, fan_out = 3 * 9, 8 * 9
    assert np.abs(relu.W).max() <= np.sqrt(6 / fan_in)
    assert np.abs(relu.W).max() > 0.9 * np.sqrt(6 / fan_in)
    assert np.abs(tanh.W).max() <= np.sqrt(6 / (fan_in + fan_out))
    assert np.abs(tanh.W).max() > 0.9 * np.sqrt(6 / (fan_in + fan_out))
    np.testing.assert_array_equal(relu.b, 0.0)
    np.testing.assert_array_equal(Conv2D(1, 2, 3, init="playground").b, 0.1)
    # the same seed gives the same filters
    np.testing.assert_array_equal(Conv2D(3, 8, 3, seed=4).W, Conv2D(3, 8, 3, seed=4).W)


@pytest.mark.parametrize("name", list(INITIALIZERS))
def test_init_weight_draws_what_the_dense_initialisers_draw(name):
    W, bias = init_weight(name, (5, 7), 5, 7, np.random.default_rng(9))
    W_ref, b_ref = INITIALIZERS[name](5, 7, np.random.default_rng(9))
    np.testing.assert_array_equal(W, W_ref)
    np.testing.assert_array_equal(np.full(7, bias), b_ref)


def test_conv2d_setters_check_shape_and_values():
    layer = Conv2D(2, 3, (3, 2))
    layer.W = np.ones((3, 2, 3, 2))
    np.testing.assert_array_equal(layer.params["W"], 1.0)
    with pytest.raises(ValueError, match=r"W must have shape \(3, 2, 3, 2\), got shape \(3, 2, 3, 3\)"):
        layer.W = np.ones((3, 2, 3, 3))
    with pytest.raises(ValueError, match="finite"):
        layer.b = [0.0, np.nan, 1.0]


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"kernel_size": 0}, ValueError, r"kernel_size must be an integer >= 1 or a pair of them, got 0"),
        ({"kernel_size": (3,)}, TypeError, r"kernel_size must be an integer >= 1 or a pair"),
        ({"kernel_size": 2.5}, TypeError, r"kernel_size must be an integer >= 1 or a pair"),
        ({"kernel_size": (3, True)}, TypeError, r"kernel_size"),
        ({"kernel_size": 3, "stride": 0}, ValueError, r"stride must be an integer >= 1 or a pair of them, got 0"),
        ({"kernel_size": 3, "stride": (1, -1)}, ValueError, r"stride must be an integer >= 1"),
        ({"kernel_size": 3, "padding": -1}, ValueError, r"padding must be an integer >= 0 or a pair of them, got -1"),
        ({"kernel_size": 3, "padding": "same"}, TypeError, r"padding must be an integer >= 0"),
        ({"kernel_size": 3, "activation": "softmax"}, ValueError, r"softmax.*not supported in Conv2D"),
        ({"kernel_size": 3, "activation": "nope"}, ValueError, r"unknown activation 'nope'"),
        ({"kernel_size": 3, "init": "zeros"}, ValueError, r"unknown init 'zeros'"),
    ],
)
def test_conv2d_argument_errors(kwargs, error, match):
    with pytest.raises(error, match=match):
        Conv2D(1, 2, **kwargs)


def test_conv2d_channel_errors():
    with pytest.raises(ValueError, match="c_in must be an integer >= 1, got 0"):
        Conv2D(0, 2, 3)
    with pytest.raises(TypeError, match="c_out must be an integer >= 1"):
        Conv2D(1, 2.0, 3)


def test_conv2d_shape_errors_name_the_layer_expected_and_got():
    layer = Conv2D(3, 4, 5, padding=1)
    assert layer.output_shape((3, 10, 9)) == (4, 8, 7)
    with pytest.raises(ValueError, match=r"Conv2D\(3 → 4, 5x5, padding=1.*expects 3 input channel\(s\), got shape \(1, 8, 8\)"):
        layer.output_shape((1, 8, 8))
    with pytest.raises(ValueError, match=r"expects images of shape \(channels, height, width\) = \(3, H, W\) per sample, got shape \(64,\)"):
        layer.output_shape((64,))
    with pytest.raises(ValueError, match=r"the kernel \(5x5\) is larger than the padded input \(4x6\)"):
        layer.output_shape((3, 2, 4))
    with pytest.raises(ValueError, match=r"expects a batch of shape \(n_samples, 3, H, W\), got shape \(3, 8, 8\)"):
        layer.forward(np.zeros((3, 8, 8)))
    with pytest.raises(ValueError, match=r"expects 3 input channel\(s\), got shape \(2, 8, 8\)"):
        layer.forward(np.zeros((1, 2, 8, 8)))


def test_conv2d_config_repr_short():
    layer = Conv2D(2, 8, (3, 2), stride=2, padding=(1, 0), activation="relu", init="glorot")
    config = layer.get_config()
    assert json.loads(json.dumps(config)) == config
    assert config == {"type": "Conv2D", "c_in": 2, "c_out": 8, "kernel_size": [3, 2], "stride": [2, 2],
                      "padding": [1, 0], "activation": "relu", "init": "glorot"}
    rebuilt = layer_from_config(config)
    assert isinstance(rebuilt, Conv2D) and rebuilt.get_config() == config
    assert repr(layer) == "Conv2D(2 → 8, 3x2, stride=2, padding=(1, 0), 'relu')"
    assert layer.short() == "conv 8@3x2 relu"
    assert Conv2D(1, 4, 3).short() == "conv 4@3x3"
    assert layer.penalised == ("W",)
    assert list(layer.param_shapes()) == ["W", "b"]
    assert layer.n_params == 8 * 2 * 3 * 2 + 8


# -- MaxPool2D ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("k, hw", [(2, (6, 6)), (2, (5, 7)), (3, (7, 9)), (1, (3, 4)), (4, (4, 5))])
def test_maxpool_gradient_matches_central_differences(k, hw):
    layer = MaxPool2D(k)
    X = np.random.default_rng(k).normal(size=(2, 3, *hw))  # no ties: the max is differentiable
    Y = _check_layer_gradients(layer, X)
    assert Y.shape == (2, 3, hw[0] // k, hw[1] // k)  # floor, like torch
    for n, c, y, x in np.ndindex(*Y.shape):
        assert Y[n, c, y, x] == X[n, c, y * k : y * k + k, x * k : x * k + k].max()


def test_maxpool_ties_go_to_the_first_maximum_in_row_order():
    X = np.array([[[[1.0, 3, 3, 0],
                    [3, 2, 0, 3],
                    [5, 5, 7, 7],
                    [5, 5, 7, 7]]]])
    layer = MaxPool2D(2)
    np.testing.assert_array_equal(layer.forward(X), [[[[3, 3], [5, 7]]]])
    dX = layer.backward(np.array([[[[1.0, 2.0], [3.0, 4.0]]]]))
    np.testing.assert_array_equal(dX, [[[[0, 1, 2, 0],
                                         [0, 0, 0, 0],
                                         [3, 0, 4, 0],
                                         [0, 0, 0, 0]]]])
    # all-equal windows (ReLU zeros): the first entry only
    layer.forward(np.zeros((1, 1, 3, 3)))
    np.testing.assert_array_equal(layer.backward(np.ones((1, 1, 1, 1))), [[[[1, 0, 0], [0, 0, 0], [0, 0, 0]]]])


def test_maxpool_errors_and_config():
    with pytest.raises(ValueError, match="k must be an integer >= 1, got 0"):
        MaxPool2D(0)
    with pytest.raises(TypeError, match="k must be an integer >= 1"):
        MaxPool2D(2.0)
    layer = MaxPool2D(3)
    with pytest.raises(ValueError, match=r"MaxPool2D\(3\): the window \(3x3\) is larger than the input \(2x8\)"):
        layer.output_shape((1, 2, 8))
    with pytest.raises(ValueError, match=r"expects images of shape \(channels, height, width\) per sample, got shape \(5, 5\)"):
        layer.output_shape((5, 5))
    with pytest.raises(ValueError, match=r"expects a batch of shape \(n_samples, C, H, W\), got shape \(4, 4\)"):
        layer.forward(np.zeros((4, 4)))
    assert layer.get_config() == {"type": "MaxPool2D", "k": 3}
    assert layer_from_config(layer.get_config()).k == 3
    assert (repr(layer), layer.short(), layer.param_shapes()) == ("MaxPool2D(3)", "maxpool 3", {})


# -- Flatten ------------------------------------------------------------------------------------------
def test_flatten_is_c_order_and_backward_restores_the_shape():
    layer = Flatten()
    X = np.arange(2 * 3 * 2 * 2, dtype=float).reshape(2, 3, 2, 2)
    Y = layer.forward(X)
    np.testing.assert_array_equal(Y, X.reshape(2, 12))
    assert layer.output_shape((3, 2, 2)) == (12,)
    assert layer.output_shape((5, 4)) == (20,)
    dY = np.random.default_rng(0).normal(size=(2, 12))
    np.testing.assert_array_equal(layer.backward(dY), dY.reshape(2, 3, 2, 2))
    assert layer.backward(dY, need_dx=False) is None
    # a pooled map (a view of another memory layout) flattens in logical C order too
    pooled = MaxPool2D(2).forward(np.random.default_rng(1).normal(size=(2, 3, 4, 4)))
    np.testing.assert_array_equal(layer.forward(pooled), np.ascontiguousarray(pooled).reshape(2, -1))
    _check_layer_gradients(Flatten(), np.random.default_rng(2).normal(size=(2, 2, 3)))


def test_flatten_errors_and_config():
    with pytest.raises(ValueError, match=r"Flatten\(\) expects a batch of shape \(n_samples, ...\), got shape \(4,\)"):
        Flatten().forward(np.zeros(4))
    with pytest.raises(ValueError, match=r"expects at least one axis per sample, got shape \(\)"):
        Flatten().output_shape(())
    assert Flatten().get_config() == {"type": "Flatten"}
    assert isinstance(layer_from_config({"type": "Flatten"}), Flatten)
    assert (repr(Flatten()), Flatten().short()) == ("Flatten()", "flatten")


def test_conv_pool_flatten_dense_stack_gradients():
    """The whole stack, layer by layer, against central differences of the composite."""
    rng = np.random.default_rng(0)
    layers = [Conv2D(1, 3, 3, padding=1, activation="tanh", seed=0), MaxPool2D(2),
              Conv2D(3, 2, 2, activation="tanh", seed=1), Flatten(), Dense(8, 3, "tanh", seed=2)]
    X = rng.normal(size=(2, 1, 6, 6))
    R = rng.normal(size=(2, 3))

    def loss():
        A = X
        for l in layers:
            A = l.forward(A, True)
        return float(np.sum(R * A))

    loss()
    d = R
    for l in reversed(layers):
        d = l.backward(d)
    analytic = [{k: v.copy() for k, v in l.grads.items()} for l in layers]
    np.testing.assert_allclose(d, numerical_gradient(loss, X), rtol=1e-6, atol=1e-9)
    for l, g in zip(layers, analytic):
        for name, p in l.params.items():
            np.testing.assert_allclose(g[name], numerical_gradient(loss, p), rtol=1e-6, atol=1e-9)


# -- inside a Network ---------------------------------------------------------------------------------
from nnviz.core import SGD, Adam, Network, check_network_gradients  # noqa: E402


def _small_cnn(seed=0, **kwargs):
    return Network(
        [Conv2D(1, 4, 3, padding=1, activation="relu"), MaxPool2D(2), Conv2D(4, 6, 2, activation="tanh"),
         Flatten(), Dense(6 * 3 * 3, 3, "softmax")],
        loss="cross_entropy", seed=seed, input_shape=(1, 8, 8), **kwargs,
    )


def _bars(n, seed):
    """8 x 8 images of a horizontal bar, a vertical bar or a diagonal, with noise: classes 0, 1, 2."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, n)
    X = rng.normal(scale=0.2, size=(n, 1, 8, 8))
    pos = rng.integers(1, 7, n)
    for i in range(n):
        if y[i] == 0:
            X[i, 0, pos[i], :] += 1.0
        elif y[i] == 1:
            X[i, 0, :, pos[i]] += 1.0
        else:
            X[i, 0][np.eye(8, k=pos[i] - 4, dtype=bool)] += 1.0
    return X, y


def test_cnn_network_gradients_match_central_differences_with_l2():
    net = _small_cnn(l2=0.01)
    X, y = _bars(5, 0)
    assert check_network_gradients(net, X, y) < 1e-7


def test_cnn_network_trains_on_a_shape_task():
    net = _small_cnn(optimizer=Adam(0.01))
    X, y = _bars(300, 1)
    before = net.evaluate(X, y)[0]
    net.fit(X[:200], y[:200], epochs=15, batch_size=20)
    loss, acc = net.evaluate(X[200:], y[200:])
    assert loss < 0.5 * before
    assert acc >= 0.9
    assert repr(net) == ("Network(1×8×8 → conv 4@3x3 relu → maxpool 2 → conv 6@2x2 tanh → flatten → 3 softmax, "
                         "loss='cross_entropy', 307 parameters)")  # 40 + 102 + 165


def test_cnn_trace_gives_feature_maps_deltas_and_gradients():
    net = _small_cnn()
    X, y = _bars(4, 2)
    traces = net.trace(X)
    assert [t.a.shape for t in traces] == [(4, 4, 8, 8), (4, 4, 4, 4), (4, 6, 3, 3), (4, 54), (4, 3)]
    assert traces[0].z.shape == (4, 4, 8, 8)
    np.testing.assert_array_equal(traces[0].a, np.maximum(traces[0].z, 0))
    np.testing.assert_array_equal(traces[1].a, MaxPool2D(2).forward(traces[0].a))
    with_grads = net.trace(X, y)
    assert with_grads[0].delta.shape == (4, 4, 8, 8)
    assert with_grads[2].grads["W"].shape == (6, 4, 2, 2)
    np.testing.assert_allclose(with_grads[0].grads["W"], net.gradients(X, y)[0]["W"], rtol=1e-12)


def test_cnn_save_load_is_bit_exact_with_trainable_flags(tmp_path):
    net = _small_cnn(optimizer=SGD(0.05, momentum=0.9))
    X, y = _bars(40, 3)
    net.layers[0].trainable = False
    net.fit(X, y, epochs=2, batch_size=8)
    path = net.save(tmp_path / "cnn.npz")
    back = Network.load(path)
    assert [type(l) for l in back.layers] == [type(l) for l in net.layers]
    assert [l.get_config() for l in back.layers] == [l.get_config() for l in net.layers]
    assert [l.trainable for l in back.layers] == [False, True, True, True, True]
    assert back.input_shape == (1, 8, 8)
    for a, b in zip(net.get_weights(), back.get_weights()):
        for k in a:
            np.testing.assert_array_equal(a[k], b[k])
    np.testing.assert_array_equal(back.forward(X), net.forward(X))
    # training on continues identically (optimiser state restored too)
    net.fit(X, y, epochs=1, batch_size=8, shuffle=False)
    back.fit(X, y, epochs=1, batch_size=8, shuffle=False)
    np.testing.assert_array_equal(back.forward(X), net.forward(X))


def test_network_shape_errors_for_images():
    with pytest.raises(ValueError, match=r"layers\[0\] \(Conv2D\(3 → 4, 3x3, 'linear'\)\), on the input of shape \(1, 8, 8\): .*expects 3 input channel"):
        Network([Conv2D(3, 4, 3), Flatten(), Dense(144, 2, "softmax")], loss="cross_entropy", input_shape=(1, 8, 8))
    with pytest.raises(ValueError, match=r"layers\[2\] \(Dense\(36 → 2.*after layers\[1\] \(Flatten\(\)\)"):
        Network([Conv2D(1, 4, 3), Flatten(), Dense(36, 2, "softmax")], loss="cross_entropy", input_shape=(1, 8, 8))
    net = _small_cnn()
    with pytest.raises(ValueError, match=r"X must have shape \(n_samples, 1, 8, 8\), got \(2, 8, 8\)"):
        net.forward(np.zeros((2, 8, 8)))


def test_conv_layers_taken_from_a_trained_network_keep_their_weights_and_can_be_frozen():
    """Transfer learning: a trained CNN's feature layers under a new head, frozen; the source trains on."""
    source = _small_cnn(optimizer=Adam(0.01))
    X, y = _bars(60, 4)
    source.fit(X, y, epochs=2, batch_size=10)
    features = source.layers[:-1]
    trained = [{k: v.copy() for k, v in l.params.items()} for l in features]
    head = Dense(54, 2, "softmax")
    target = Network(features + [head], loss="cross_entropy", optimizer=SGD(0.1), seed=7, input_shape=(1, 8, 8))
    for layer in target.layers[:-1]:
        layer.trainable = False
    for layer, w in zip(target.layers, trained):
        for k in w:
            np.testing.assert_array_equal(layer.params[k], w[k])  # kept, not re-initialised by seed=7
    head_before = head.W.copy()
    target.fit(X, y % 2, epochs=2, batch_size=10)
    for layer, w in zip(target.layers, trained):
        for k in w:
            np.testing.assert_array_equal(layer.params[k], w[k])  # frozen
    assert not np.array_equal(head.W, head_before)
    # the source network still trains, and on its own weights
    before = source.layers[0].W.copy()
    source.fit(X, y, epochs=1, batch_size=10)
    assert not np.array_equal(source.layers[0].W, before)
    np.testing.assert_array_equal(target.layers[0].W, trained[0]["W"])


def test_conv2d_inference_on_many_samples_in_chunks_equals_one_pass_and_backward_still_works():
    layer = Conv2D(2, 3, 3, stride=(1, 2), padding=1, activation="tanh", seed=0)
    X = np.random.default_rng(0).normal(size=(600, 2, 5, 6))  # > 256 samples: chunked when not training
    Y_train = layer.forward(X, True)
    layer.backward(np.ones_like(Y_train))
    grads = {k: v.copy() for k, v in layer.grads.items()}
    dX = layer.backward(np.ones_like(Y_train))
    Y_infer = layer.forward(X, False)
    np.testing.assert_allclose(Y_infer, Y_train, rtol=0, atol=1e-14)
    np.testing.assert_allclose(layer.z, np.arctanh(Y_train), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(layer.backward(np.ones_like(Y_train)), dX, rtol=0, atol=1e-13)
    for k in grads:
        np.testing.assert_allclose(layer.grads[k], grads[k], rtol=1e-12)


@pytest.mark.parametrize("limit", [262144, 1000, 60])
@pytest.mark.parametrize("M, K, N", [(16, 72, 512), (512, 72, 16), (9, 300, 8), (40, 1, 30), (3, 5, 7), (60, 50, 40)])
def test_single_thread_dot_equals_the_full_product(monkeypatch, limit, M, K, N):
    """The blocked product behind every layer's matmul, on every path (rows, columns, inner blocks)."""
    from nnviz.core import _layer_utils

    monkeypatch.setattr(_layer_utils, "BLAS_SINGLE_THREAD_MNK", limit)
    rng = np.random.default_rng(M * N + K)
    A, B = rng.normal(size=(M, K)), rng.normal(size=(K, N))
    np.testing.assert_allclose(_layer_utils.dot(A, B), A @ B, rtol=1e-12, atol=1e-12)
    out = np.full((N, M), np.nan).T  # a non-contiguous output view
    assert _layer_utils.dot(A, B, out=out) is out
    np.testing.assert_allclose(out, A @ B, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(_layer_utils.dot(A.T.copy().T, B), A @ B, rtol=1e-12, atol=1e-12)
