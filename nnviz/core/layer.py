"""The layer interface: ``forward(X, training)`` and ``backward(dY) -> dX``."""
from __future__ import annotations

from abc import ABC, abstractmethod

import numpy as np

__all__ = ["Layer"]


class Layer(ABC):
    """A step of a network.

    A layer caches in ``forward`` only what its ``backward`` needs and writes the gradients of its
    parameters into ``self.grads`` (a dict keyed like ``self.params``), overwriting them on each call.
    """

    @property
    def params(self) -> dict[str, np.ndarray]:
        """Parameter arrays by name, e.g. ``{"W": ..., "b": ...}`` (empty for layers without any)."""
        return {}

    @property
    def grads(self) -> dict[str, np.ndarray]:
        """Gradients of the last backward pass, keyed like :attr:`params`."""
        return {}

    @property
    def n_params(self) -> int:
        return sum(p.size for p in self.params.values())

    @abstractmethod
    def forward(self, X: np.ndarray, training: bool = False) -> np.ndarray:
        """Output for input ``X`` of shape (n_samples, n_in)."""

    @abstractmethod
    def backward(self, dY: np.ndarray, need_dx: bool = True) -> np.ndarray | None:
        """Gradient w.r.t. the input, given ``dY``, the gradient w.r.t. the output of the last forward."""

    @abstractmethod
    def output_size(self, n_in: int) -> int:
        """Number of output units for ``n_in`` input units."""

    @abstractmethod
    def get_config(self) -> dict:
        """Plain, JSON-safe description from which :func:`layer_from_config` rebuilds the layer."""

    def short(self) -> str:
        """A short label for architecture strings, e.g. ``"8 tanh"``."""
        return type(self).__name__
