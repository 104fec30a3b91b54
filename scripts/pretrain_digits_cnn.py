"""Train the small CNN shipped as nnviz/data/digits_cnn_0to4.npz (the transfer-learning demo's start).

Run from the repository root (NumPy only, a few seconds)::

    python scripts/pretrain_digits_cnn.py

Everything is seeded, so a rerun on the same NumPy gives the same file. The script

1. takes the 901 images of the digits 0-4 from ``nnviz.data.load_digits`` (labels 0-4 are the digits),
2. splits them with ``train_test_split(train_ratio=0.8, seed=0, stratify=True)`` (720 / 181),
3. trains Conv(1→8, 3x3, pad 1)-ReLU-MaxPool2-Conv(8→16, 3x3, pad 1)-ReLU-MaxPool2-Flatten-Dense(64→5)
   with cross-entropy and Adam using nnviz's own core,
4. measures the accuracy on the 181 held-out images, refuses to write a network below 97 %, and
5. saves it with ``Network.save`` plus a ``metadata`` entry (JSON: data, split, training, accuracy),
   written to a temporary file and renamed, so a failed run never leaves a broken file.
"""
from __future__ import annotations

import json
import os
import sys
import tempfile
import time
import zipfile

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)  # this checkout's nnviz, not an installed one

from nnviz import __version__  # noqa: E402
from nnviz.core import Adam, Conv2D, Dense, Flatten, MaxPool2D, Network  # noqa: E402
from nnviz.data import load_digits, train_test_split  # noqa: E402

NAME = "digits_cnn_0to4"
OUT = os.path.join(ROOT, "nnviz", "data", NAME + ".npz")
CLASSES = [0, 1, 2, 3, 4]
SPLIT = {"train_ratio": 0.8, "seed": 0, "stratify": True}
SEED = 0
EPOCHS = 20
BATCH_SIZE = 32
LR = 0.005
MIN_ACCURACY = 0.97


def build_network() -> Network:
    """The architecture, with seeded initial weights."""
    layers = [
        Conv2D(1, 8, 3, padding=1, activation="relu"),
        MaxPool2D(2),
        Conv2D(8, 16, 3, padding=1, activation="relu"),
        MaxPool2D(2),
        Flatten(),
        Dense(64, len(CLASSES), activation="softmax"),
    ]
    return Network(layers, loss="cross_entropy", optimizer=Adam(LR), seed=SEED, input_shape=(1, 8, 8))


def accuracy(net: Network, X, y) -> float:
    return float(np.mean(net.predict(X) == y))


def write_with_metadata(net: Network, metadata: dict, path: str) -> None:
    """``net.save`` to a temporary file beside ``path``, add the metadata entry, check, rename."""
    fd, tmp = tempfile.mkstemp(suffix=".npz", dir=os.path.dirname(path))
    os.close(fd)
    try:
        tmp = net.save(tmp)
        with zipfile.ZipFile(tmp, "a", compression=zipfile.ZIP_STORED) as zf:
            with zf.open("metadata.npy", "w") as fh:
                np.lib.format.write_array(fh, np.array(json.dumps(metadata, indent=1)), allow_pickle=False)
        again = Network.load(tmp)  # the file must load, bit for bit
        for a, b in zip(again.get_weights(), net.get_weights()):
            for key in a:
                if not np.array_equal(a[key], b[key]):
                    raise SystemExit(f"the saved file does not reload bit for bit (parameter {key!r})")
        with np.load(tmp, allow_pickle=False) as data:
            if json.loads(str(data["metadata"])) != metadata:
                raise SystemExit("the metadata did not read back equal")
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def train():
    """Split the digits 0-4 and train the network; returns ``(net, (X_train, X_test, y_train, y_test))``."""
    X, y = load_digits(classes=CLASSES)
    split = train_test_split(X, y, **SPLIT)
    net = build_network()
    # the held-out images are not even used for monitoring: they are seen once, at the end
    net.fit(split[0], split[2], epochs=EPOCHS, batch_size=BATCH_SIZE, shuffle=True)
    return net, split


def main() -> int:
    start = time.perf_counter()
    net, (X_train, X_test, y_train, y_test) = train()
    seconds = time.perf_counter() - start
    train_acc, test_acc = accuracy(net, X_train, y_train), accuracy(net, X_test, y_test)
    test_loss = float(net.evaluate(X_test, y_test)[0])
    print(f"{NAME}: {net!r}")
    print(f"trained {EPOCHS} epochs in {seconds:.1f} s; train accuracy {train_acc:.4f}, "
          f"test accuracy {test_acc:.4f} on {len(y_test)} held-out images (loss {test_loss:.4f})")
    if not test_acc >= MIN_ACCURACY:
        print(f"test accuracy {test_acc:.4f} is below {MIN_ACCURACY}: not writing {OUT}", file=sys.stderr)
        return 1
    metadata = {
        "name": NAME,
        "description": "small CNN for the 8x8 digits 0-4, the start of the transfer-learning lesson",
        "architecture": "Conv2D(1, 8, 3, padding=1, relu) - MaxPool2D(2) - Conv2D(8, 16, 3, padding=1, relu)"
                        " - MaxPool2D(2) - Flatten - Dense(64, 5, softmax)",
        "input_shape": [1, 8, 8],
        "classes": CLASSES,
        "data": "nnviz.data.load_digits(classes=[0, 1, 2, 3, 4]): UCI Optical Recognition of Handwritten"
                " Digits (Alpaydin & Kaynak 1998, CC BY 4.0)",
        "split": dict(SPLIT, n_train=len(y_train), n_test=len(y_test)),
        "training": {"loss": "cross_entropy", "optimizer": f"Adam(lr={LR})", "epochs": EPOCHS,
                     "batch_size": BATCH_SIZE, "shuffle": True, "seed": SEED},
        "train_accuracy": train_acc,
        "test_accuracy": test_acc,
        "test_loss": test_loss,
        "script": "scripts/pretrain_digits_cnn.py",
        "nnviz_version": __version__,
        "numpy_version": np.__version__,
    }
    write_with_metadata(net, metadata, OUT)
    print(f"wrote {os.path.relpath(OUT, ROOT)} ({os.path.getsize(OUT):,} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
