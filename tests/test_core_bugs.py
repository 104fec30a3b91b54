"""One test per bug of issue 6 ("Bugs to fix on the way"); each fails on the core before the fix."""
import os

import numpy as np
import pytest

from nnviz.core import SGD, Adam, Dense, DivergedError, Network, parameters_to_vector, vector_to_parameters
from nnviz.core import serialization
from nnviz.data import make_dataset


# -- a first train_step whose loss is non-finite ----------------------------------------------------
def test_first_train_step_with_non_finite_loss_keeps_the_parameters():
    net = Network.mlp(1, [2], loss="mse", seed=0)
    start = net._params.copy()
    X, y = np.array([[1e200], [2e200]]), np.array([1e300, -1e300])  # the squared error overflows
    with pytest.raises(DivergedError, match=r"loss = inf.*left as they were"):
        net.train_step(X, y)
    np.testing.assert_array_equal(net._params, start)  # not an all-zero vector
    assert net.step_ == 0


def test_first_train_step_after_assigning_weights_keeps_the_assigned_weights():
    net = Network.mlp(1, [], loss="mse", seed=0)
    net.layers[0].W = [[1e200]]
    with pytest.raises(DivergedError, match=r"left as they were"):
        net.train_step(np.array([[1e200]]), np.array([0.0]))
    assert net.layers[0].W[0, 0] == 1e200 and not np.all(net._params == 0)


# -- assigning weights must move the roll-back state --------------------------------------------------
def _trained_regression_net():
    X, y = make_dataset("reg_plane", n=200, seed=0)
    net = Network.mlp(2, [4], loss="mse", optimizer=SGD(0.01), seed=0)
    net.fit(X, y, epochs=5)
    return net, X, y


def _assign_big(net, how):
    """Scale the output weights by 2000 (the loss grows ~10^6-fold, but stays finite and trainable)."""
    out = net.layers[-1]
    big = out.W * 2000.0 + 50.0
    n_out = out.W.size + out.b.size  # the output layer's W then b end the flat vector
    if how == "setter":
        out.W = big
    elif how == "set_weights":
        w = net.get_weights()
        w[-1]["W"] = big
        net.set_weights(w)
    elif how == "in_place":  # the playground's weight editor writes W[i, j]
        for i in range(big.shape[0]):
            out.W[i, 0] = big[i, 0]
    elif how == "vector_to_parameters":
        vec = parameters_to_vector(net)
        vec[-n_out : -1] = big.ravel()
        vector_to_parameters(vec, net)
    elif how == "load_state_dict":
        state = net.state_dict()
        state["params"][-n_out : -1] = big.ravel()
        net.load_state_dict(state)
    return big


@pytest.mark.parametrize("how", ["setter", "set_weights", "in_place", "vector_to_parameters", "load_state_dict"])
def test_assigned_weights_are_not_a_false_divergence_and_are_not_undone(how):
    net, X, y = _trained_regression_net()
    best = min(net.history["loss"])
    _assign_big(net, how)
    loss = net.evaluate(X, y)[0]
    assert loss > 1e4 * max(best, 1.0)  # what the old yardstick called an explosion
    net.optimizer.lr = 1e-7
    net.fit(X, y, epochs=2)  # trains on from the assigned weights: no divergence, no roll-back
    assert net.diverged_ is None and net.epoch_ == 7
    assert net.evaluate(X, y)[0] < loss
    assert np.abs(net.layers[-1].W).max() > 100  # the edit was kept (trained weights are ~1)


def test_train_step_divergence_after_an_edit_does_not_undo_the_edit():
    X, y = make_dataset("reg_plane", n=40, seed=0)
    net = Network.mlp(2, [3], loss="mse", seed=0)
    net.train_step(X[:10], y[:10])
    net.layers[0].W = np.full((2, 3), 1e200)  # tanh saturates: fine
    net.layers[1].W = np.full((3, 1), 1e200)  # the output overflows: the loss is inf
    with pytest.raises(DivergedError, match=r"left as they were"):
        net.train_step(X[:10], y[:10])
    assert (net.layers[1].W == 1e200).all()  # not silently rolled back to the weights before the edit


# -- finite weights above ~1e154 ---------------------------------------------------------------------
def test_huge_but_finite_weights_are_not_reported_as_nan():
    X, y = make_dataset("circle", n=20, seed=0)
    net = Network.mlp(2, [3], seed=0)
    W = net.layers[0].W.copy()
    W[0, 0] = 1e160  # p·p = 1e320 overflows; tanh saturates, so the loss stays finite
    net.layers[0].W = W
    loss = net.train_step(X, y)
    assert np.isfinite(loss) and net.diverged_ is None
    assert net.layers[0].W[0, 0] == 1e160 and np.isfinite(net._params).all()


def test_a_real_nan_parameter_names_where_it_is():
    net = Network.mlp(2, [3], loss="mse", optimizer=SGD(1.0), seed=0)
    X = np.array([[1e150, 1e150]])
    net.layers[1].W = np.full((3, 1), 1e200)
    net.layers[0].W = np.full((2, 3), 1e-300)
    with pytest.raises(DivergedError, match=r"a parameter became NaN or infinite, first in layers\[\d\]\.(W|b)"):
        for _ in range(3):
            net.train_step(X, [1e150])
    assert np.isfinite(net._params).all()


# -- save is atomic -----------------------------------------------------------------------------------
def test_failed_save_leaves_the_previous_file_intact(tmp_path, monkeypatch):
    X, y = make_dataset("circle", n=40, seed=0)
    net = Network.mlp(2, [3], seed=0)
    path = net.save(tmp_path / "net.npz")
    good = open(path, "rb").read()
    net.fit(X, y, epochs=2)

    def broken_savez(fh, **arrays):
        fh.write(b"PK\x03\x04 half a file")
        raise OSError("disk full")

    monkeypatch.setattr(serialization.np, "savez", broken_savez)
    with pytest.raises(OSError, match="disk full"):
        net.save(path)
    monkeypatch.undo()
    assert open(path, "rb").read() == good
    assert os.listdir(tmp_path) == ["net.npz"]  # no temporary file left behind
    assert Network.load(path).epoch_ == 0


# -- load checks what it reads ------------------------------------------------------------------------
def _rewrite(path, key, fn):
    with np.load(path, allow_pickle=False) as data:
        files = dict(data.items())
    files[key] = fn(files[key])
    with open(path, "wb") as fh:
        np.savez(fh, **files)


@pytest.mark.parametrize("key, bad", [("state:params", np.nan), ("state:params", np.inf),
                                      ("state:optimizer:params/exp_avg", np.inf),
                                      ("state:optimizer:params/exp_avg_sq", np.nan)])
def test_load_rejects_non_finite_parameters_and_optimiser_state(tmp_path, key, bad):
    X, y = make_dataset("circle", n=40, seed=0)
    net = Network.mlp(2, [3], optimizer=Adam(0.01), seed=0).fit(X, y)
    path = net.save(tmp_path / "net.npz")

    def poison(a):
        a = a.copy()
        a[3] = bad
        return a

    _rewrite(path, key, poison)
    with pytest.raises(ValueError, match=r"must hold only finite"):
        Network.load(path)


def test_wrong_shaped_state_says_which_array_and_both_shapes():
    net = Network.mlp(2, [8, 8], seed=0, optimizer=SGD(0.1, momentum=0.9))
    net.train_step(np.zeros((2, 2)), [0, 1])
    state = net.state_dict()
    bad = dict(state, params=state["params"].reshape(-1, 1))
    with pytest.raises(ValueError, match=r"state\['params'\] must have shape \(105,\) .*got shape \(105, 1\)"):
        net.load_state_dict(bad)
    bad = dict(state, **{"optimizer:params/momentum_buffer": np.zeros(104)})
    with pytest.raises(ValueError, match=r"state\['optimizer:params/momentum_buffer'\] must have shape \(105,\).*got shape \(104,\)"):
        net.load_state_dict(bad)
    before = net._params.copy()
    with pytest.raises(ValueError):
        net.load_state_dict(dict(state, params=np.full(105, np.nan)))
    np.testing.assert_array_equal(net._params, before)  # nothing changed


# -- set_weights with a misspelt key ------------------------------------------------------------------
def test_set_weights_with_a_misspelt_key_raises():
    net = Network.mlp(2, [3], seed=0)
    w = net.get_weights()
    w[0] = {"w": np.ones((2, 3))}
    with pytest.raises(ValueError, match=r"weights\[0\] has key 'w', but layers\[0\] .* its parameters are: 'W', 'b'"):
        net.set_weights(w)
    w = net.get_weights()
    w[1]["W"] = np.ones((3, 2))
    with pytest.raises(ValueError, match=r"weights\[1\]\['W'\] must have shape \(3, 1\), got shape \(3, 2\)"):
        net.set_weights(w)


# -- the same layers in two networks ------------------------------------------------------------------
def test_layers_of_a_trained_network_in_a_new_network():
    X, y = make_dataset("circle", n=100, seed=0)
    first = Network.mlp(2, [4], seed=0).fit(X, y, epochs=3)
    weights = parameters_to_vector(first)
    second = Network(first.layers, seed=1)  # seed=1 must not re-initialise trained layers
    np.testing.assert_array_equal(parameters_to_vector(second), weights)
    assert all(a is not b for a, b in zip(first.layers, second.layers))  # copied
    loss_first = first.evaluate(X, y)
    second.fit(X, y, epochs=3)
    assert first.evaluate(X, y) == loss_first  # training the second leaves the first alone
    np.testing.assert_array_equal(parameters_to_vector(first), weights)
    first.fit(X, y, epochs=3)  # and the first still trains, on its own parameters
    assert not np.array_equal(parameters_to_vector(first), weights)
    twin = Network.mlp(2, [4])
    vector_to_parameters(parameters_to_vector(first), twin)
    assert first.evaluate(X, y) == twin.evaluate(X, y)
    assert first.evaluate(X, y)[0] < loss_first[0]


def test_assigned_layers_keep_their_weights_under_a_seed():
    d = Dense(2, 1, "sigmoid")
    d.W = [[1.0], [2.0]]
    net = Network([d], seed=0)
    np.testing.assert_array_equal(net.layers[0].W, [[1.0], [2.0]])
    # fresh layers are initialised from the seed, the same seed giving the same weights
    a = Network([Dense(2, 3), Dense(3, 1, "sigmoid")], seed=7)
    b = Network([Dense(2, 3), Dense(3, 1, "sigmoid")], seed=7)
    np.testing.assert_array_equal(a._params, b._params)


def test_loaded_layers_keep_their_weights(tmp_path):
    X, y = make_dataset("circle", n=60, seed=0)
    net = Network.mlp(2, [4], seed=0).fit(X, y, epochs=2)
    loaded = Network.load(net.save(tmp_path / "n.npz"))
    new = Network(loaded.layers[:1] + [Dense(4, 1, "sigmoid")], seed=5)
    np.testing.assert_array_equal(new.layers[0].W, net.layers[0].W)


def test_a_layer_twice_in_one_network_is_refused():
    d = Dense(3, 3)
    with pytest.raises(ValueError, match=r"layers\[1\] is the same object as layers\[0\]"):
        Network([d, d, Dense(3, 1, "sigmoid")])
