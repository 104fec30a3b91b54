"""Architecture as plain data, and saving/loading networks without pickle.

A saved network is one ``.npz`` file (``numpy.savez``): the flat parameter array, the optimiser state,
counters, and two JSON strings (config and history). Loading uses ``allow_pickle=False``, so a file can
never run code, and the parameters come back bit for bit.
"""
from __future__ import annotations

import json
import os
import zipfile

import numpy as np

from ._validation import describe
from .dense import Dense
from .dropout import Dropout
from .history import History
from .optimizers import make_optimizer

__all__ = ["FORMAT", "layer_from_config", "load_network", "network_config", "network_from_config", "save_network"]

FORMAT = "nnviz-network/1"
LAYER_TYPES = {"Dense": Dense, "Dropout": Dropout}


def network_config(net) -> dict:
    """JSON-safe description of ``net``: layers, loss, optimiser, regularisation, seed, dtype."""
    return {
        "format": FORMAT,
        "layers": [layer.get_config() for layer in net.layers],
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
    return Network(
        layers,
        loss=config["loss"],
        optimizer=make_optimizer(config.get("optimizer", {"type": "sgd", "lr": 0.03})),
        l1=config.get("l1", 0.0),
        l2=config.get("l2", 0.0),
        seed=config.get("seed"),
        dtype=config.get("dtype", "float64"),
    )


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
    with open(path, "wb") as fh:
        np.savez(fh, **arrays)
    return path


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
    config = json.loads(str(files["config"]))
    net = network_from_config(config)
    state = {k[len("state:"):]: v for k, v in files.items() if k.startswith("state:")}
    net.load_state_dict(state)
    net.history = History(json.loads(str(files["history"])))
    return net
