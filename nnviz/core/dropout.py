"""Inverted dropout."""
from __future__ import annotations

import numpy as np

from ._validation import check_float, check_rng
from .layer import Layer

__all__ = ["Dropout"]


class Dropout(Layer):
    """Inverted dropout, as ``torch.nn.Dropout``.

    Parameters
    ----------
    p : float
        Probability of dropping a unit, in [0, 1).
    seed : int, numpy.random.Generator or None
        Seed for the masks of a layer used on its own; inside a :class:`Network` the network's
        generator is used.

    Notes
    -----
    In training each unit is kept with probability ``1 − p`` and the kept ones are scaled by
    ``1 / (1 − p)``, so the expected output equals the input; at inference the layer is the identity.
    """

    augmented = True  # the MLP fast path: forward_augmented on column-major buffers

    def __init__(self, p: float = 0.5, seed=None):
        super().__init__()
        self.p = check_float("p", p, low=0.0, high=1.0, high_open=True)
        self.rng = check_rng("seed", seed)
        self._mask = None

    def forward(self, X: np.ndarray, training: bool = False) -> np.ndarray:
        if not training or self.p == 0.0:
            self._mask = None
            return X
        mask = self.rng.random(X.shape) >= self.p
        self._mask = mask * np.asarray(1.0 / (1.0 - self.p), dtype=X.dtype)
        return X * self._mask

    def forward_augmented(self, Xa: np.ndarray, Z, out: np.ndarray) -> np.ndarray:
        """Training fast path: ``Xa`` ends in a column of ones; writes into ``out``."""
        X = Xa[:, :-1]
        if self.p == 0.0:
            self._mask = None
            out[...] = X
            return out
        mask = self.rng.random(X.shape) >= self.p
        self._mask = mask * np.asarray(1.0 / (1.0 - self.p), dtype=X.dtype)
        return np.multiply(X, self._mask, out=out)

    def backward(self, dY: np.ndarray, need_dx: bool = True) -> np.ndarray | None:
        if not need_dx:
            return None
        return dY if self._mask is None else dY * self._mask

    def output_shape(self, input_shape) -> tuple[int, ...]:
        return tuple(input_shape)

    def use_rng(self, rng: np.random.Generator) -> None:
        """Draw the masks from the network's generator."""
        self.rng = rng

    def get_config(self) -> dict:
        return {"type": "Dropout", "p": self.p}

    def short(self) -> str:
        return f"dropout {self.p:g}"

    def __repr__(self) -> str:
        return f"Dropout(p={self.p:g})"
