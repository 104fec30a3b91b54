"""Weight initialisers by name: ``glorot``, ``he`` and ``playground``.

Each takes ``(n_in, n_out, rng, dtype)`` and returns ``(W, b)`` with ``W`` of shape (n_in, n_out) and
``b`` of shape (n_out,). They match ``torch.nn.init`` so a network can be rebuilt in PyTorch:

* ``glorot``: ``U(−a, a)``, ``a = sqrt(6 / (n_in + n_out))`` (``xavier_uniform_``), biases 0;
* ``he``: ``U(−a, a)``, ``a = sqrt(6 / n_in)`` (``kaiming_uniform_(nonlinearity="relu")``), biases 0;
* ``playground``: TensorFlow Playground's ``U(−0.5, 0.5)`` weights and biases 0.1.
"""
from __future__ import annotations

import numpy as np

from ._validation import check_choice

__all__ = ["INITIALIZERS", "default_init", "get_initializer"]


def glorot(n_in: int, n_out: int, rng: np.random.Generator, dtype=np.float64):
    """Glorot/Xavier uniform weights, zero biases (for tanh, sigmoid, linear)."""
    bound = np.sqrt(6.0 / (n_in + n_out))
    return rng.uniform(-bound, bound, size=(n_in, n_out)).astype(dtype), np.zeros(n_out, dtype)


def he(n_in: int, n_out: int, rng: np.random.Generator, dtype=np.float64):
    """He/Kaiming uniform weights, zero biases (for ReLU and its relatives)."""
    bound = np.sqrt(6.0 / n_in)
    return rng.uniform(-bound, bound, size=(n_in, n_out)).astype(dtype), np.zeros(n_out, dtype)


def playground(n_in: int, n_out: int, rng: np.random.Generator, dtype=np.float64):
    """TensorFlow Playground: weights ``U(−0.5, 0.5)``, biases 0.1."""
    return rng.uniform(-0.5, 0.5, size=(n_in, n_out)).astype(dtype), np.full(n_out, 0.1, dtype)


INITIALIZERS = {"glorot": glorot, "he": he, "playground": playground}
"""Every initialiser by name; the keys are the valid ``init=`` values."""

_HE_ACTIVATIONS = {"relu", "leaky_relu", "elu"}


def default_init(activation_name: str) -> str:
    """The initialiser REFERENCE.md prescribes: He for ReLU-like units, Glorot otherwise."""
    return "he" if activation_name in _HE_ACTIVATIONS else "glorot"


def get_initializer(name: str):
    """Return the initialiser function called ``name``."""
    return INITIALIZERS[check_choice("init", name, INITIALIZERS)]
