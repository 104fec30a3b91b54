"""Pretrained networks shipped inside the package, loadable in one call (no download).

::

    net = load_pretrained("digits_cnn_0to4")     # a Network, ready to predict digits 0-4
    pretrained_info("digits_cnn_0to4")           # what it is: architecture, data, test accuracy

``"digits_cnn_0to4"`` is the starting point of the transfer-learning lesson: a small CNN trained on
the digits 0-4 of :func:`nnviz.data.load_digits`, whose convolutional layers are then frozen and reused
under a new output layer for the digits 5-9::

    conv = load_pretrained("digits_cnn_0to4").layers[:-1]   # Conv-ReLU-Pool-Conv-ReLU-Pool-Flatten
    for layer in conv:
        layer.trainable = False
    net = Network(conv + [Dense(64, 5, "softmax")], loss="cross_entropy", seed=0, input_shape=(1, 8, 8))
    X, y = load_digits(classes=range(5, 10), relabel=True)
    net.fit(X, y, epochs=10, batch_size=32)               # only the new Dense layer learns

(``Network`` copies layers that belong to another network, so the loaded one keeps its own.)

Each file is a :meth:`nnviz.core.Network.save` ``.npz`` (no pickle) with one extra entry,
``metadata``: a JSON text written by the script that trained it (``scripts/pretrain_digits_cnn.py``)
recording the data, the split, the training settings and the measured test accuracy.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources

import numpy as np

from ._validation import check_choice

__all__ = ["PRETRAINED", "PretrainedInfo", "load_pretrained", "pretrained_info"]

METADATA_KEY = "metadata"


@dataclass(frozen=True)
class PretrainedInfo:
    """One shipped network: where it is and what it is for.

    Attributes
    ----------
    name : str
        Key in :data:`PRETRAINED`.
    file : str
        File name inside ``nnviz/data``.
    description : str
        One line for a dropdown tooltip.
    """

    name: str
    file: str
    description: str


#: Every shipped network by name, in the order a dropdown shows them.
PRETRAINED = {
    info.name: info
    for info in (
        PretrainedInfo(
            "digits_cnn_0to4",
            "digits_cnn_0to4.npz",
            "CNN for the 8x8 digits 0-4: Conv(1→8, 3x3, pad 1)-ReLU-MaxPool2-Conv(8→16, 3x3, pad 1)-"
            "ReLU-MaxPool2-Flatten-Dense(64→5, softmax)",
        ),
    )
}


def _resource(name):
    check_choice(name, "name", tuple(PRETRAINED), "pretrained network")
    return resources.files(__package__).joinpath(PRETRAINED[name].file)


def pretrained_info(name) -> dict:
    """The metadata recorded with a shipped network by the script that trained it.

    Parameters
    ----------
    name : str
        A key of :data:`PRETRAINED`.

    Returns
    -------
    dict
        JSON data; for ``"digits_cnn_0to4"`` among others ``"classes"`` (the digits, which are also
        the labels 0-4), ``"architecture"``, ``"split"`` (``train_ratio``, ``seed``, ``stratify`` and
        the sample counts, to rebuild the held-out set with :func:`nnviz.data.train_test_split`),
        ``"training"`` (optimiser, epochs, batch size, seed) and ``"test_accuracy"``.

    Raises
    ------
    ValueError
        If ``name`` is unknown (the message lists the known names) or the file has no metadata.
    TypeError
        If ``name`` is not a str.
    """
    source = _resource(name)
    with source.open("rb") as fh, np.load(fh, allow_pickle=False) as data:
        if METADATA_KEY not in data.files:
            raise ValueError(f"nnviz/data/{PRETRAINED[name].file} has no metadata; reinstall nnviz-lab")
        return json.loads(str(data[METADATA_KEY]))


def load_pretrained(name):
    """Load a shipped pretrained network: a new :class:`~nnviz.core.Network` on every call.

    Parameters
    ----------
    name : str
        A key of :data:`PRETRAINED`: ``"digits_cnn_0to4"``.

    Returns
    -------
    Network
        The trained network, bit for bit as saved (weights, optimiser state, history), yours to
        train further or to take layers from.

    Raises
    ------
    ValueError
        If ``name`` is unknown (the message lists the known names).
    TypeError
        If ``name`` is not a str.

    Notes
    -----
    ``"digits_cnn_0to4"``: Conv2D(1, 8, 3, padding=1, relu) → MaxPool2D(2) → Conv2D(8, 16, 3,
    padding=1, relu) → MaxPool2D(2) → Flatten → Dense(64, 5, softmax), cross-entropy; input
    (n_samples, 1, 8, 8) as from ``load_digits(classes=range(5))``; trained by
    ``scripts/pretrain_digits_cnn.py`` on a seeded stratified 80 % of the 901 images of digits 0-4.
    Its accuracy on the other 20 % is ``pretrained_info("digits_cnn_0to4")["test_accuracy"]``: 99.4 %
    (180 of 181 images) for the shipped file.
    """
    from nnviz.core import Network

    with resources.as_file(_resource(name)) as path:
        return Network.load(path)
