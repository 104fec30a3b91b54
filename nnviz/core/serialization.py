"""Architecture as plain data, and saving/loading networks without pickle.

A saved network is one ``.npz`` file (``numpy.savez``): the flat parameter array, the optimiser state,
counters, and two JSON strings (config, with each layer's config, its ``trainable`` flag and the input
shape; and history). Loading uses ``allow_pickle=False``, so a file can never run code, and the
parameters come back bit for bit. Saving writes a temporary file in the same folder and renames it over
the target, so a failed write never destroys the previous file.

A new layer type becomes loadable with one line in :data:`LAYER_TYPES`.
"""
from __future__ import annotations

import json
import os
import tempfile
import zipfile

import numpy as np

from ._validation import describe
from .conv import Conv2D
from .dense import Dense
from .dropout import Dropout
from .flatten import Flatten
from .history import History
from .lstm import LSTM
from .optimizers import make_optimizer
from .pooling import MaxPool2D
from .recurrent import SimpleRNN

__all__ = ["FORMAT", "layer_from_config", "load_network", "network_config", "network_from_config", "save_network"]

FORMAT = "nnviz-network/1"

#: Every layer class by the ``"type"`` of its ``get_config()``: one line per layer type.
LAYER_TYPES = {
    "Dense": Dense,
    "Dropout": Dropout,
    "Conv2D": Conv2D,
    "MaxPool2D": MaxPool2D,
    "Flatten": Flatten,
    "SimpleRNN": SimpleRNN,
    "LSTM": LSTM,
}


def network_config(net) -> dict:
    """JSON-safe description of ``net``: layers, loss, optimiser, regularisation, seed, dtype."""
    return {
        "format": FORMAT,
        "layers": [layer.get_config() for layer in net.layers],
        "trainable": [bool(layer.trainable) for layer in net.layers],
        "input_shape": [int(d) for d in net.input_shape],
        "loss": net.loss.name,
        "optimizer": net.optimizer.get_config(),
        "l1": net.l1,
        "l2": net.l2,
        "seed": None if net.seed is None else int(net.seed),
        "dtype": net.dtype.name,
    }


def layer_from_config(config: dict):
    """Build a layer from its ``get_config()`` dict."""
    if not isinstance(config, dict):
        raise TypeError(f"a layer config must be a dict, got {describe(config)}")
    kwargs = dict(config)
    kind = kwargs.pop("type", None)
    if kind not in LAYER_TYPES:
        raise ValueError(f"unknown layer type {kind!r}; expected one of {', '.join(LAYER_TYPES)}")
    return LAYER_TYPES[kind](**kwargs)


def network_from_config(config: dict):
    """Build a fresh network (new initial weights from the config's seed) from :func:`network_config`."""
    from .network import Network

    if not isinstance(config, dict):
        raise TypeError(f"config must be a dict from Network.to_config(), got {describe(config)}")
    missing = [k for k in ("layers", "loss") if k not in config]
    if missing:
        raise ValueError(f"config is missing {', '.join(missing)}; expected the output of Network.to_config()")
    layers = [layer_from_config(c) for c in config["layers"]]
    trainable = config.get("trainable", [True] * len(layers))
    if not isinstance(trainable, list) or len(trainable) != len(layers):
        raise ValueError(f"config['trainable'] must be a list of one flag per layer ({len(layers)}), got {trainable!r}")
    input_shape = config.get("input_shape")
    net = Network(
        layers,
        loss=config["loss"],
        optimizer=make_optimizer(config.get("optimizer", {"type": "sgd", "lr": 0.03})),
        l1=config.get("l1", 0.0),
        l2=config.get("l2", 0.0),
        seed=config.get("seed"),
        dtype=config.get("dtype", "float64"),
        input_shape=None if input_shape is None else tuple(input_shape),
    )
    for layer, flag in zip(net.layers, trainable):
        layer.trainable = flag
    return net


def save_network(net, path) -> str:
    """Write ``net`` to ``path`` (``.npz`` appended if missing). Returns the path written."""
    path = os.fspath(path)
    if not path.endswith(".npz"):
        path += ".npz"
    arrays = {
        "format": np.array(FORMAT),
        "config": np.array(json.dumps(network_config(net))),
        "history": np.array(json.dumps(net.history.as_dict())),
    }
    for key, value in net.state_dict().items():
        arrays["state:" + key] = value
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=folder, prefix="." + os.path.basename(path) + ".", suffix=".tmp")
    try:
        os.chmod(tmp, _file_mode(path))  # mkstemp makes 0600 files; keep what open() would give
        with os.fdopen(fd, "wb") as fh:
            _write_npz(fh, arrays)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)  # atomic: readers see the old file or the new one, never a torn one
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    return path


def _file_mode(path: str) -> int:
    """The permission bits of the file being replaced, or those a new file gets (0666 minus umask)."""
    try:
        return os.stat(path).st_mode & 0o777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def _write_npz(fh, arrays: dict) -> None:
    """Write ``arrays`` as an uncompressed ``.npz`` into the open binary file ``fh``."""
    np.savez(fh, **arrays)


def load_network(path):
    """Read a network written by :func:`save_network`; raises ValueError for any other file."""
    path = os.fspath(path)
    if not os.path.exists(path):
        raise FileNotFoundError(f"path {path!r} does not exist")
    try:
        with np.load(path, allow_pickle=False) as data:
            files = dict(data.items()) if hasattr(data, "items") else None
    except (ValueError, OSError, zipfile.BadZipFile, EOFError) as exc:
        raise ValueError(f"path {path!r} is not a saved nnviz network (could not read it as .npz: {exc})") from exc
    if files is None or "format" not in files or str(files["format"]) != FORMAT:
        raise ValueError(f"path {path!r} is not a saved nnviz network (no {FORMAT!r} marker)")
    try:
        config = json.loads(str(files["config"]))
    except (KeyError, ValueError) as exc:
        raise ValueError(f"path {path!r} is not a saved nnviz network (its config is unreadable: {exc})") from None
    net = network_from_config(config)
    state = {k[len("state:"):]: v for k, v in files.items() if k.startswith("state:")}
    net.load_state_dict(state)
    net.history = History(json.loads(str(files["history"])))
    return net
