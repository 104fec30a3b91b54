"""Tests for nnviz.data.make_sequence: the sine, memory and text tasks and their registry."""
import numpy as np
import pytest

from nnviz.data import (
    SEQUENCE_INFO,
    SEQUENCES,
    TASKS,
    SequenceInfo,
    load_text,
    make_sequence,
    sequence_info,
)


# ------------------------------------------------------------------------- registry


def test_registry():
    assert list(SEQUENCES) == ["sine", "memory", "text"]
    assert list(SEQUENCE_INFO) == list(SEQUENCES)
    for name, info in SEQUENCE_INFO.items():
        assert isinstance(info, SequenceInfo) and info.name == name
        assert SEQUENCES[name] is info.generator
        assert info.task in TASKS
        assert info.description
        X, y = make_sequence(name, n=7, seed=0)
        assert X.shape == (7, info.default_length, info.n_features)
        assert y.shape == (7,)
        if info.task == "regression":
            assert info.n_classes is None and y.dtype == np.float64
        else:
            assert y.dtype == np.int64 and 0 <= y.min() and y.max() < info.n_classes
    assert "generator" not in repr(SEQUENCE_INFO["sine"])


def test_info_follows_options():
    assert sequence_info("memory").task == "binary"
    info = sequence_info("memory", symbols=5)
    assert (info.task, info.n_features, info.n_classes) == ("multiclass", 5, 5)
    info = sequence_info("memory", symbols=2, one_hot=True)
    assert (info.task, info.n_features, info.n_classes) == ("binary", 2, 2)
    upper = sequence_info("text", lower=False)
    assert upper.n_features > sequence_info("text").n_features
    assert "J" in upper.symbols and "J" not in sequence_info("text").symbols


@pytest.mark.parametrize("name, params", [
    ("sine", {}), ("sine", {"noise": 0.0, "freq": (0.05, 0.05)}),
    ("memory", {}), ("memory", {"symbols": 3, "lag": 0}), ("text", {}), ("text", {"lower": False}),
])
def test_every_task_is_deterministic_per_seed(name, params):
    a = make_sequence(name, n=20, length=8, seed=4, **params)
    b = make_sequence(name, n=20, length=8, seed=np.random.default_rng(4), **params)
    c = make_sequence(name, n=20, length=8, seed=5, **params)
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])
    assert not np.array_equal(a[0], c[0])
    info = sequence_info(name, **params)
    assert a[0].shape == (20, 8, info.n_features) and a[0].dtype == np.float64


# ----------------------------------------------------------------------------- sine


def test_sine_follows_its_formula_and_draw_order():
    X, y = make_sequence("sine", n=50, length=12, seed=3, noise=0.1, freq=(0.03, 0.2))
    rng = np.random.default_rng(3)
    f = rng.uniform(0.03, 0.2, 50)
    phase = rng.uniform(0, 2 * np.pi, 50)
    e = rng.standard_normal((50, 12))
    t = np.arange(12)
    np.testing.assert_allclose(X[:, :, 0], np.sin(2 * np.pi * f[:, None] * t + phase[:, None]) + 0.1 * e,
                               rtol=0, atol=1e-14)
    np.testing.assert_allclose(y, np.sin(2 * np.pi * f * 12 + phase), rtol=0, atol=1e-14)
    assert np.all(np.abs(y) <= 1)


def test_sine_without_noise_is_a_clean_wave_whose_next_value_is_y():
    X, y = make_sequence("sine", n=30, length=20, seed=0, noise=0.0)
    assert np.all(np.abs(X) <= 1)
    # a pure sinusoid obeys s[t+1] = 2 cos(w) s[t] - s[t-1]; recover w from the sequence itself
    s = X[:, :, 0]
    two_cos = (s[:, 2] + s[:, 0]) / s[:, 1]
    np.testing.assert_allclose(y, two_cos * s[:, -1] - s[:, -2], atol=1e-9)


def test_sine_target_is_for_one_mse_output():
    from nnviz.core import Network

    X, y = make_sequence("sine", n=10, seed=0)
    net = Network.mlp(30, [4], n_outputs=1, loss="mse", seed=0)
    assert np.isfinite(net.evaluate(X[:, :, 0], y)[0])  # y of shape (n,) is what mse takes


# --------------------------------------------------------------------------- memory


@pytest.mark.parametrize("length, lag", [(10, 0), (10, 3), (10, 9), (1, 0), (25, 20)])
def test_memory_answer_is_the_input_lag_steps_before_the_last(length, lag):
    X, y = make_sequence("memory", n=200, length=length, lag=lag, seed=1)
    assert X.shape == (200, length, 1) and set(np.unique(X).tolist()) <= {-1.0, 1.0}
    np.testing.assert_array_equal(y, (X[:, length - 1 - lag, 0] > 0).astype(np.int64))
    assert set(y.tolist()) == {0, 1} or length == 1


def test_memory_default_lag_is_the_first_input():
    X, y = make_sequence("memory", n=100, length=15, seed=2)
    np.testing.assert_array_equal(y, (X[:, 0, 0] > 0).astype(np.int64))


def test_memory_one_hot_symbols():
    X, y = make_sequence("memory", n=300, length=6, lag=4, symbols=4, seed=0)
    assert X.shape == (300, 6, 4)
    np.testing.assert_array_equal(X.sum(axis=2), 1.0)
    np.testing.assert_array_equal(y, X[:, 1].argmax(axis=1))
    assert set(y.tolist()) == {0, 1, 2, 3}
    X2, y2 = make_sequence("memory", n=50, length=6, lag=2, one_hot=True, seed=0)
    assert X2.shape == (50, 6, 2)
    np.testing.assert_array_equal(y2, X2[:, 3].argmax(axis=1))


def test_memory_other_steps_are_independent_of_the_answer():
    # the answer is one input: the rest carries no information about it (chance 1/2)
    X, y = make_sequence("memory", n=4000, length=8, lag=5, seed=0)
    for t in range(8):
        agreement = np.mean((X[:, t, 0] > 0) == y)
        if t == 2:
            assert agreement == 1.0
        else:
            assert 0.45 < agreement < 0.55


def test_memory_labels_suit_bce_and_cross_entropy():
    from nnviz.core import Network

    X, y = make_sequence("memory", n=10, length=3, seed=0)
    assert np.isfinite(Network.mlp(3, [2], loss="bce", seed=0).evaluate(X[:, :, 0], y)[0])
    X, y = make_sequence("memory", n=10, length=3, symbols=3, seed=0)
    net = Network.mlp(9, [2], n_outputs=3, loss="cross_entropy", seed=0)
    assert np.isfinite(net.evaluate(X.reshape(10, 9), y)[0])


# ----------------------------------------------------------------------------- text


def test_text_is_the_poem_and_windows_predict_the_next_character():
    body = load_text()
    assert body.startswith("'twas brillig, and the slithy toves\ndid gyre")
    assert body.endswith("and the mome raths outgrabe.") and body == body.lower()
    assert load_text(lower=False).startswith("'Twas brillig")
    info = sequence_info("text")
    assert info.symbols == tuple(sorted(set(body)))
    X, y = make_sequence("text", n=100, length=10, seed=0)
    assert X.shape == (100, 10, len(info.symbols))
    np.testing.assert_array_equal(X.sum(axis=2), 1.0)
    for window, nxt in zip(X, y):
        chunk = "".join(info.symbols[k] for k in window.argmax(axis=1)) + info.symbols[nxt]
        assert chunk in body


def test_text_longest_window_is_the_whole_text_but_its_last_character():
    body = load_text()
    X, y = make_sequence("text", n=3, length=len(body) - 1, seed=0)
    assert X.shape[1] == len(body) - 1
    assert y.tolist() == [sequence_info("text").symbols.index(body[-1])] * 3


# ------------------------------------------------------------------------------ errors


@pytest.mark.parametrize(
    "args, kwargs, error, match",
    [
        (("fourier",), {}, ValueError, r"unknown sequence 'fourier'; expected one of: sine, memory, text"),
        ((3,), {}, TypeError, r"name must be a str, got int 3"),
        (("sine",), {"n": 0}, ValueError, r"n must be an integer >= 1, got 0"),
        (("sine",), {"n": 2.5}, TypeError, r"n must be an integer >= 1, got 2\.5 \(float\)"),
        (("memory",), {"length": 0}, ValueError, r"length must be an integer >= 1, got 0"),
        (("memory",), {"length": 5, "lag": 5}, ValueError,
         r"lag must be an integer in \[0, 4\] \(less than length=5\), got 5"),
        (("memory",), {"length": 5, "lag": -1}, ValueError, r"lag must be an integer in \[0, 4\]"),
        (("memory",), {"lag": 1.0}, TypeError, r"lag must be None or an integer in \[0, 9\], got 1\.0 \(float\)"),
        (("memory",), {"symbols": 1}, ValueError, r"symbols must be an integer >= 2, got 1"),
        (("memory",), {"symbols": 3, "one_hot": False}, ValueError,
         r"one_hot=False feeds one feature .* only holds 2 symbols; got symbols=3"),
        (("memory",), {"one_hot": 1}, TypeError, r"one_hot must be True or False, got 1 \(int\)"),
        (("memory",), {"noise": 0.1}, TypeError,
         r"unexpected keyword argument 'noise' for sequence 'memory'; accepted: lag, symbols, one_hot"),
        (("sine",), {"noise": -0.1}, ValueError, r"noise must be a finite number >= 0, got -0\.1"),
        (("sine",), {"freq": 0.1}, TypeError, r"freq must be a pair \(low, high\) of numbers with 0 < low <= high <= 0\.5"),
        (("sine",), {"freq": (0.2, 0.1)}, ValueError, r"freq must be a pair .* got \(0\.2, 0\.1\)"),
        (("sine",), {"freq": (0.0, 0.1)}, ValueError, r"freq\[0\] must be a finite number in \(0, 0\.5\], got 0\.0"),
        (("sine",), {"freq": (0.1, 0.7)}, ValueError, r"freq\[1\] must be a finite number in \(0, 0\.5\], got 0\.7"),
        (("text",), {"length": 10_000}, ValueError, r"length must be an integer in \[1, \d+\], got 10000"),
        (("text",), {"lower": "no"}, TypeError, r"lower must be True or False"),
        (("sine",), {"seed": "a"}, TypeError, r"seed must be None, an int or a numpy.random.Generator"),
    ],
)
def test_bad_arguments(args, kwargs, error, match):
    with pytest.raises(error, match=match):
        make_sequence(*args, **kwargs)


def test_sequence_info_errors():
    with pytest.raises(ValueError, match="unknown sequence 'x'; expected one of: sine, memory, text"):
        sequence_info("x")
    with pytest.raises(TypeError, match="unexpected keyword argument 'lag' for sequence 'sine'"):
        sequence_info("sine", lag=2)
    with pytest.raises(ValueError, match="symbols must be an integer >= 2, got 0"):
        sequence_info("memory", symbols=0)


def test_load_text_checks_its_argument_every_time():
    load_text(True)
    with pytest.raises(TypeError, match=r"lower must be True or False, got 1 \(int\)"):
        load_text(1)
    with pytest.raises(TypeError, match=r"lower must be True or False, got \[1\] \(list\)"):
        load_text([1])


# ------------------------------------------------------------ with recurrent networks


def test_sine_trains_a_simple_rnn_past_repeating_the_last_value():
    from nnviz.core import Adam, Dense, Network, SimpleRNN
    from nnviz.data import train_test_split

    X, y = make_sequence("sine", n=400, length=20, seed=0)
    X_train, X_test, y_train, y_test = train_test_split(X, y, train_ratio=0.75, seed=0)
    net = Network([SimpleRNN(1, 16), Dense(16, 1, "linear")], loss="mse", optimizer=Adam(0.01), seed=0,
                  input_shape=(20, 1))
    net.fit(X_train, y_train, epochs=15, batch_size=32)
    repeat_last = 0.5 * np.mean((X_test[:, -1, 0] - y_test) ** 2)  # mse's ½ (o − y)², as the network's
    assert net.evaluate(X_test, y_test)[0] < repeat_last / 4


def test_memory_trains_an_lstm_with_bce_and_cross_entropy():
    from nnviz.core import LSTM, Adam, Dense, Network
    from nnviz.data import train_test_split

    for symbols, out, loss in ((2, Dense(8, 1, "sigmoid"), "bce"), (3, Dense(8, 3, "softmax"), "cross_entropy")):
        X, y = make_sequence("memory", n=600, length=6, lag=4, symbols=symbols, seed=1)
        info = sequence_info("memory", symbols=symbols)
        X_train, X_test, y_train, y_test = train_test_split(X, y, train_ratio=0.75, seed=0, stratify=True)
        net = Network([LSTM(info.n_features, 8), out], loss=loss, optimizer=Adam(0.03), seed=0,
                      input_shape=(6, info.n_features))
        net.fit(X_train, y_train, epochs=20, batch_size=32)
        assert net.evaluate(X_test, y_test)[1] >= 0.95, symbols
