"""Training behaviour: convergence, determinism, divergence handling, history."""
import numpy as np
import pytest

from nnviz.core import SGD, Adam, DivergedError, Network
from nnviz.data import make_dataset, train_test_split


def test_xor_converges_with_playground_settings():
    X, y = make_dataset("xor", n=400, seed=0)
    net = Network.mlp(2, [8, 4], activation="tanh", loss="bce", optimizer=SGD(0.1), seed=0)
    net.fit(X, y, epochs=60, batch_size=10)
    assert net.evaluate(X, y)[1] >= 0.97


def test_circle_converges_and_generalises():
    X, y = make_dataset("circle", seed=1)
    Xtr, Xte, ytr, yte = train_test_split(X, y, 0.5, seed=1)
    # the playground's default 2 -> 4 -> 2 -> 1 tanh, lr 0.03, batch 10
    net = Network.mlp(2, [4, 2], activation="tanh", optimizer=SGD(0.03), seed=3)
    net.fit(Xtr, ytr, epochs=200, batch_size=10, validation_data=(Xte, yte))
    assert net.history["accuracy"][-1] >= 0.97
    assert net.history["val_accuracy"][-1] >= 0.95
    assert net.history["loss"][-1] < net.history["loss"][0] / 3


def test_spiral_reaches_95_percent_train_accuracy():
    X, y = make_dataset("spiral", seed=0)
    net = Network.mlp(2, [16, 16], activation="tanh", optimizer=Adam(0.005), seed=0)
    net.fit(X, y, epochs=150, batch_size=10)
    assert net.evaluate(X, y)[1] >= 0.95


def test_multiclass_blobs_and_spirals():
    X, y = make_dataset("blobs", n_classes=4, seed=0)
    net = Network.mlp(2, [8], n_outputs=4, loss="cross_entropy", optimizer=Adam(0.03), seed=0)
    net.fit(X, y, epochs=30)
    assert net.evaluate(X, y)[1] >= 0.9
    X, y = make_dataset("spirals", n_classes=3, n=600, seed=0)
    net = Network.mlp(2, [16, 16], n_outputs=3, loss="cross_entropy", optimizer=Adam(0.01), seed=0)
    net.fit(X, y, epochs=150)
    assert net.evaluate(X, y)[1] >= 0.9
    assert net.predict(X).shape == (600,) and set(np.unique(net.predict(X))) <= {0, 1, 2}
    proba = net.predict_proba(X)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)


def test_regression_plane_with_mse():
    X, y = make_dataset("reg_plane", seed=0)
    net = Network.mlp(2, [4], activation="tanh", loss="mse", optimizer=SGD(0.03), seed=0)
    net.fit(X, y, epochs=20)
    loss, acc = net.evaluate(X, y)
    assert loss < 0.002 and acc is None
    assert net.history["accuracy"][-1] is None
    assert net.predict(X).shape == (len(X),)


def test_same_seed_is_bit_identical_and_different_seeds_differ():
    X, y = make_dataset("circle", n=200, seed=0)

    def run(seed):
        net = Network.mlp(2, [6, 3], dropout=0.1, optimizer=Adam(0.01), seed=seed)
        net.fit(X, y, epochs=5, batch_size=7)
        return net._params.copy(), net.history.as_dict()

    (p1, h1), (p2, h2), (p3, _) = run(42), run(42), run(43)
    assert np.array_equal(p1, p2) and h1 == h2
    assert not np.array_equal(p1, p3)


def test_train_step_uses_exactly_the_batch_and_counts_steps():
    X, y = make_dataset("circle", n=50, seed=0)
    net = Network.mlp(2, [3], seed=0)
    net.fit(X, y, epochs=2, batch_size=10)
    assert net.step_ == 10 and net.epoch_ == 2 and len(net.history) == 2
    assert net.history["step"] == [5, 10]
    before = net._params.copy()
    twin = Network.from_config(net.to_config())
    twin.load_state_dict(net.state_dict())
    net.train_step(X[:3], y[:3])
    twin.train_step(X[:3], y[:3])
    assert np.array_equal(net._params, twin._params) and not np.array_equal(before, net._params)


def test_partial_fit_is_one_epoch_and_returns_self():
    X, y = make_dataset("xor", n=60, seed=0)
    net = Network.mlp(2, [3], seed=0)
    assert net.partial_fit(X, y) is net and net.fit(X, y, epochs=0) is net
    assert net.epoch_ == 1


def test_callbacks_and_stop_training():
    X, y = make_dataset("xor", n=60, seed=0)
    seen = []

    def cb(net, logs):
        seen.append(logs["epoch"])
        if logs["epoch"] == 3:
            net.stop_training = True

    Network.mlp(2, [3], seed=0).fit(X, y, epochs=10, callbacks=[cb])
    assert seen == [1, 2, 3]


@pytest.mark.filterwarnings("error")  # no RuntimeWarning may escape either
def test_divergence_at_lr_10_is_detected_and_rolled_back_to_a_sane_state():
    X, y = make_dataset("reg_plane", seed=0)
    net = Network.mlp(2, [8, 8], activation="relu", loss="mse", optimizer=SGD(0.003), seed=0)
    net.fit(X, y, epochs=3)
    best = min(net.history["loss"])
    net.optimizer.lr = 10.0
    with pytest.raises(DivergedError, match=r"diverged at step \d+ .*lower the learning rate \(lr = 10\)") as info:
        net.fit(X, y, epochs=20)
    assert info.value.lr == 10.0 and info.value.step > net.step_
    assert net.diverged_ is not None and "rolled back to epoch 3" in net.diverged_
    # back at the best epoch end: finite, sane, and the history and counters agree with it
    assert np.isfinite(net._params).all()
    assert net.evaluate(X, y)[0] == pytest.approx(best, rel=1e-12)
    assert net.epoch_ == 3 and len(net.history) == 3
    assert all(np.isfinite(v) for v in net.history["loss"])
    # the user lowers the learning rate and carries on from there
    net.optimizer.lr = 0.003
    net.fit(X, y, epochs=2)
    assert net.diverged_ is None and net.evaluate(X, y)[0] < best


@pytest.mark.parametrize("scale", [1, 50])
def test_divergence_in_the_first_epoch_rolls_back_to_the_start(scale):
    X, y = make_dataset("reg_plane", n=400, seed=0)
    net = Network.mlp(2, [4, 2], loss="mse", optimizer=SGD(10.0), seed=0)
    start = net._params.copy()
    with pytest.raises(DivergedError, match=r"rolled back to epoch 0, step 0"):
        net.fit(X, y * scale, epochs=20)
    assert np.array_equal(net._params, start) and net.step_ == 0 and len(net.history) == 0
    net.optimizer.lr = 0.03  # lowering the learning rate is enough to carry on
    net.fit(X, y * scale, epochs=20)
    assert net.history["loss"][-1] < 0.05 * scale**2


def test_gradients_at_current_weights_do_not_step():
    X, y = make_dataset("circle", n=40, seed=0)
    net = Network.mlp(2, [3], seed=0, l2=0.01)
    before = net._params.copy()
    g = net.gradients(X[:10], y[:10])
    assert np.array_equal(net._params, before) and net.step_ == 0
    net.train_step(X[:10], y[:10])
    np.testing.assert_array_equal(g[0]["W"], net.gradients()[0]["W"])
    with pytest.raises(TypeError, match=r"gradients takes both X and y"):
        net.gradients(X)


def test_train_step_divergence_leaves_finite_parameters():
    net = Network.mlp(1, [], loss="mse", optimizer=SGD(10.0), seed=0)
    X = np.array([[1e3], [-2e3]])
    y = np.array([1e3, -1e3])
    with pytest.raises(DivergedError, match="lower the learning rate"):
        for _ in range(200):
            net.train_step(X, y)
    assert np.isfinite(net._params).all()
    assert np.isfinite(net.forward(X)).all()


def test_reset_reinitialises_and_clears():
    X, y = make_dataset("circle", n=50, seed=0)
    net = Network.mlp(2, [3], seed=5, optimizer=Adam(0.01))
    first = net._params.copy()
    net.fit(X, y, epochs=2)
    net.reset(seed=5)
    assert np.array_equal(net._params, first)
    assert net.epoch_ == 0 and len(net.history) == 0 and net.optimizer.state == {}


def test_trace_and_predict_agree_with_training_path():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(30, 2))
    net = Network.mlp(2, [5, 4], activation=["relu", "elu"], seed=2)
    trace = net.trace(X)
    assert [t.a.shape for t in trace] == [(30, 5), (30, 4), (30, 1)]
    np.testing.assert_allclose(trace[-1].a, net.forward(X), rtol=0, atol=0)
    np.testing.assert_allclose(net._forward_train(net._augment(net._check_X(X))), net.forward(X), rtol=1e-14, atol=1e-15)
    f32 = net.forward(X, dtype=np.float32)
    assert f32.dtype == np.float32 and np.allclose(f32, net.forward(X), atol=1e-5)
    assert repr(trace[0]).startswith("LayerTrace(0: Dense(2 → 5, 'relu')")


def test_float32_network_trains():
    X, y = make_dataset("circle", seed=0)
    net = Network.mlp(2, [6, 3], seed=0, dtype=np.float32, optimizer=Adam(0.02))
    net.fit(X, y, epochs=30)
    assert net._params.dtype == np.float32 and net.evaluate(X, y)[1] > 0.95


def test_repr_shows_architecture_and_parameter_count():
    net = Network.mlp(2, [8, 8], activation="tanh", seed=0)
    assert repr(net) == "Network(2 → 8 tanh → 8 tanh → 1 sigmoid, loss='bce', 105 parameters)"
    net = Network.mlp(2, [4], n_outputs=3, loss="cross_entropy", dropout=0.2)
    assert repr(net) == "Network(2 → 4 tanh → dropout 0.2 → 3 softmax, loss='cross_entropy', 27 parameters)"
    assert repr(net.optimizer) == "SGD(lr=0.03)" and repr(Adam()) == "Adam(lr=0.001, betas=(0.9, 0.999), eps=1e-08)"


def test_weights_are_live_views_and_assignable():
    net = Network.mlp(2, [3], seed=0)
    layer = net.layers[0]
    layer.W[0, 0] = 0.25  # writing into the array changes the network
    assert net.get_weights()[0]["W"][0, 0] == 0.25
    layer.b = np.array([1.0, 2.0, 3.0])
    np.testing.assert_array_equal(net.layers[0].b, [1, 2, 3])
    weights = net.get_weights()
    other = Network.mlp(2, [3], seed=9)
    other.set_weights(weights)
    np.testing.assert_array_equal(other.forward(np.eye(2)), net.forward(np.eye(2)))


def test_inference_on_large_inputs_is_blocked_but_identical():
    from nnviz.core.dense import _ROW_BLOCK

    rng = np.random.default_rng(0)
    X = rng.normal(size=(2 * _ROW_BLOCK + 37, 2))
    net = Network.mlp(2, [6, 5], seed=1)
    whole = net.forward(X)
    pieces = np.vstack([net.forward(X[i : i + 100]) for i in range(0, len(X), 100)])
    np.testing.assert_allclose(whole, pieces, rtol=1e-14, atol=1e-15)
    np.testing.assert_allclose(net.trace(X)[0].z, X @ net.layers[0].W + net.layers[0].b, rtol=1e-13)
