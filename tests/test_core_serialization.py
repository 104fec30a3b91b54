"""Config as plain data, and exact save/load that never unpickles."""
import json
import pickle

import numpy as np
import pytest

from nnviz.core import Adam, Network
from nnviz.data import make_dataset


def _trained(optimizer=None, dtype=np.float64):
    X, y = make_dataset("spirals", n=90, n_classes=3, seed=0)
    net = Network.mlp(2, [5, 4], n_outputs=3, activation=["relu", "tanh"], loss="cross_entropy", dropout=0.1,
                      optimizer=optimizer or Adam(0.01), l2=0.001, seed=3, dtype=dtype)
    net.fit(X, y, epochs=3, validation_data=(X, y))
    return net, X, y


def test_config_is_json_safe_and_rebuilds_the_same_architecture():
    net, X, y = _trained()
    config = net.to_config()
    assert json.loads(json.dumps(config)) == config
    twin = Network.from_config(config)
    assert twin.to_config() == config
    assert repr(twin) == repr(net)
    # a fresh network from the same config and seed starts from the same initial weights
    assert np.array_equal(Network.from_config(config)._params, twin._params)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_save_load_round_trip_is_bit_exact_and_resumes_identically(tmp_path, dtype):
    net, X, y = _trained(dtype=dtype)
    path = net.save(tmp_path / "model")
    assert path.endswith("model.npz")
    loaded = Network.load(path)
    assert loaded._params.dtype == net._params.dtype
    assert np.array_equal(loaded._params, net._params)
    assert loaded.to_config() == net.to_config()
    assert loaded.history.as_dict() == net.history.as_dict()
    assert (loaded.step_, loaded.epoch_) == (net.step_, net.epoch_)
    # optimiser state came back too: one more identical step on both
    net.train_step(X[:10], y[:10])
    loaded.train_step(X[:10], y[:10])
    assert np.array_equal(loaded._params, net._params)


def test_loading_never_unpickles(tmp_path, monkeypatch):
    net, *_ = _trained()
    path = net.save(tmp_path / "m.npz")
    monkeypatch.setattr(pickle, "loads", lambda *a, **k: pytest.fail("pickle.loads was called"))
    monkeypatch.setattr(pickle, "load", lambda *a, **k: pytest.fail("pickle.load was called"))
    Network.load(path)


def test_loading_a_pickle_file_is_refused(tmp_path):
    evil = tmp_path / "evil.npz"
    np.savez(evil, format=np.array("nnviz-network/1"), config=np.array([{"a": 1}], dtype=object))
    with pytest.raises(ValueError, match=r"is not a saved nnviz network"):
        Network.load(evil)


@pytest.mark.parametrize("content", [b"hello, not a zip", b""])
def test_a_file_that_is_not_a_saved_network(tmp_path, content):
    path = tmp_path / "x.npz"
    path.write_bytes(content)
    with pytest.raises(ValueError, match=r"is not a saved nnviz network"):
        Network.load(path)


def test_a_plain_npz_is_not_a_saved_network(tmp_path):
    path = tmp_path / "plain.npz"
    np.savez(path, a=np.zeros(3))
    with pytest.raises(ValueError, match=r"is not a saved nnviz network \(no 'nnviz-network/1' marker\)"):
        Network.load(path)


def test_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        Network.load(tmp_path / "nope.npz")


def test_bad_config():
    with pytest.raises(TypeError, match=r"config must be a dict"):
        Network.from_config("net")
    with pytest.raises(ValueError, match=r"config is missing layers"):
        Network.from_config({"loss": "bce"})
    with pytest.raises(ValueError, match=r"unknown layer type 'Conv'"):
        Network.from_config({"layers": [{"type": "Conv"}], "loss": "bce"})


def test_trainable_flags_and_per_entry_adam_state_round_trip(tmp_path):
    X, y = make_dataset("circle", n=60, seed=0)
    net = Network.mlp(2, [4, 3], optimizer=Adam(0.02), seed=0)
    net.layers[0].trainable = False
    net.fit(X, y, epochs=2)
    net.layers[0].trainable = True  # now the first layer's Adam step count lags behind the others'
    net.fit(X, y, epochs=1)
    net.layers[1].trainable = False
    loaded = Network.load(net.save(tmp_path / "frozen"))
    assert [l.trainable for l in loaded.layers] == [True, False, True]
    assert loaded.to_config()["trainable"] == [True, False, True]
    steps = net.optimizer.state["params"]["step"]
    assert np.ndim(steps) == 1 and len(set(steps.tolist())) > 1
    np.testing.assert_array_equal(loaded.optimizer.state["params"]["step"], steps)
    net.fit(X, y, epochs=2)
    loaded.fit(X, y, epochs=2)
    assert np.array_equal(loaded._params, net._params)
    np.testing.assert_array_equal(loaded.layers[1].W, net.layers[1].W)


def test_input_shape_is_saved_and_unknown_layer_types_are_named(tmp_path):
    net = Network.mlp(3, [2], seed=0)
    assert net.to_config()["input_shape"] == [3]
    config = net.to_config()
    config["layers"][0] = {"type": "Conv9D"}
    with pytest.raises(ValueError, match=r"unknown layer type 'Conv9D'; expected one of Dense, Dropout"):
        Network.from_config(config)


def test_save_replaces_atomically_with_ordinary_permissions(tmp_path):
    import os

    net = Network.mlp(2, [3], seed=0)
    path = net.save(tmp_path / "n.npz")
    umask = os.umask(0)
    os.umask(umask)
    assert os.stat(path).st_mode & 0o777 == 0o666 & ~umask
    os.chmod(path, 0o640)
    net.save(path)  # replacing keeps the file's permissions
    assert os.stat(path).st_mode & 0o777 == 0o640
    assert os.listdir(tmp_path) == ["n.npz"]
