"""Tests for nnviz.data.load_pretrained: the shipped digits CNN loads in one call, is as accurate as its
metadata says on the held-out digits 0-4, and its frozen convolutional layers carry over to digits 5-9."""
import os
import zipfile

import numpy as np
import pytest

import nnviz.data
from nnviz.core import Adam, Conv2D, Dense, Flatten, MaxPool2D, Network
from nnviz.data import PRETRAINED, load_digits, load_pretrained, pretrained_info, train_test_split

NAME = "digits_cnn_0to4"
PATH = os.path.join(os.path.dirname(nnviz.data.__file__), NAME + ".npz")


def held_out(meta):
    """The split the pretraining script used, rebuilt from the metadata."""
    X, y = load_digits(classes=meta["classes"])
    split = meta["split"]
    return train_test_split(X, y, train_ratio=split["train_ratio"], seed=split["seed"],
                            stratify=split["stratify"])


def test_file_is_small_and_pickle_free():
    assert os.path.getsize(PATH) < 100_000
    with np.load(PATH, allow_pickle=False) as data:  # every entry reads without unpickling
        for key in data.files:
            assert data[key].dtype != object
    with zipfile.ZipFile(PATH) as zf:
        assert "metadata.npy" in zf.namelist()


def test_loads_in_one_call_with_the_documented_architecture():
    assert list(PRETRAINED) == [NAME]
    net = load_pretrained(NAME)
    assert isinstance(net, Network)
    assert [type(layer) for layer in net.layers] == [Conv2D, MaxPool2D, Conv2D, MaxPool2D, Flatten, Dense]
    conv1, _, conv2, _, _, out = net.layers
    assert conv1.params["W"].shape == (8, 1, 3, 3) and conv1.padding == (1, 1)
    assert conv2.params["W"].shape == (16, 8, 3, 3) and conv2.padding == (1, 1)
    assert conv1.activation.name == conv2.activation.name == "relu"
    assert out.activation.name == "softmax" and net.loss.name == "cross_entropy"
    assert net.predict(load_digits()[0][:3]).shape == (3,)
    meta = pretrained_info(NAME)
    assert meta["classes"] == [0, 1, 2, 3, 4] and meta["input_shape"] == [1, 8, 8]
    assert meta["script"] == "scripts/pretrain_digits_cnn.py"


def test_every_call_gives_a_new_network():
    a, b = load_pretrained(NAME), load_pretrained(NAME)
    assert a is not b
    a.layers[0].params["W"][...] = 0.0
    assert np.abs(b.layers[0].params["W"]).sum() > 0
    assert np.abs(load_pretrained(NAME).layers[0].params["W"]).sum() > 0


def test_test_accuracy_is_what_the_metadata_says():
    meta = pretrained_info(NAME)
    X_train, X_test, y_train, y_test = held_out(meta)
    assert (len(y_train), len(y_test)) == (meta["split"]["n_train"], meta["split"]["n_test"]) == (720, 181)
    net = load_pretrained(NAME)
    correct = int(np.count_nonzero(net.predict(X_test) == y_test))
    assert correct == round(meta["test_accuracy"] * len(y_test))
    assert correct / len(y_test) >= 0.97
    assert meta["test_accuracy"] >= 0.97
    # the held-out images really were held out: none of them is a training image of the same label
    train = {(x.tobytes(), int(c)) for x, c in zip(X_train, y_train)}
    assert sum((x.tobytes(), int(c)) in train for x, c in zip(X_test, y_test)) == 0


def test_frozen_conv_layers_transfer_to_digits_5_to_9():
    source = load_pretrained(NAME)
    reference = load_pretrained(NAME)
    features = source.layers[:-1]  # Conv-ReLU-Pool-Conv-ReLU-Pool-Flatten
    for layer in features:
        layer.trainable = False
    assert source.input_shape == (1, 8, 8)
    net = Network(features + [Dense(64, 5, activation="softmax")], loss="cross_entropy",
                  optimizer=Adam(0.01), seed=0, input_shape=source.input_shape)
    assert [layer.trainable for layer in net.layers] == [False] * 5 + [True]
    for kept, ref in zip(net.layers[:-1], reference.layers[:-1]):  # the seed left the taken layers alone
        for key in ref.params:
            np.testing.assert_array_equal(kept.params[key], ref.params[key])

    X, y = load_digits(classes=range(5, 10), relabel=True)
    X_train, X_test, y_train, y_test = train_test_split(X, y, train_ratio=0.8, seed=0, stratify=True)
    before = np.mean(net.predict(X_test) == y_test)
    net.fit(X_train, y_train, epochs=10, batch_size=32)
    after = np.mean(net.predict(X_test) == y_test)
    assert after >= 0.85 and after > before + 0.3
    for kept, ref in zip(net.layers[:-1], reference.layers[:-1]):  # frozen: not moved by training
        for key in ref.params:
            np.testing.assert_array_equal(kept.params[key], ref.params[key])


def test_bad_names():
    with pytest.raises(ValueError, match=r"unknown pretrained network 'mnist'; expected one of: digits_cnn_0to4"):
        load_pretrained("mnist")
    with pytest.raises(TypeError, match=r"name must be a str, got int 3"):
        load_pretrained(3)
    with pytest.raises(ValueError, match=r"unknown pretrained network 'x'"):
        pretrained_info("x")


@pytest.mark.slow
def test_the_script_in_the_repository_trains_the_shipped_network():
    import importlib.util

    script = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                          "scripts", "pretrain_digits_cnn.py")
    spec = importlib.util.spec_from_file_location("pretrain_digits_cnn", script)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    shipped = load_pretrained(NAME)
    assert module.build_network().to_config() == {**shipped.to_config(), "seed": module.SEED}
    meta = pretrained_info(NAME)
    assert meta["split"]["train_ratio"] == module.SPLIT["train_ratio"] and meta["training"]["epochs"] == module.EPOCHS
    net, (_, X_test, _, y_test) = module.train()  # seeded: the same weights, up to rounding of the BLAS
    for mine, ref in zip(net.layers, shipped.layers):
        for key in ref.params:
            np.testing.assert_allclose(mine.params[key], ref.params[key], rtol=0, atol=1e-8)
    assert np.mean(net.predict(X_test) == y_test) == meta["test_accuracy"]
