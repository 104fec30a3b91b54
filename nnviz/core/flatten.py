"""Flatten every sample to a vector (``torch.nn.Flatten()``)."""
from __future__ import annotations

import math

import numpy as np

from .layer import Layer

__all__ = ["Flatten"]


class Flatten(Layer):
    """Reshape (N, d1, d2, ...) to (N, d1 d2 ...), in C order, as ``torch.flatten(X, 1)``.

    Notes
    -----
    Feature maps (N, C, H, W) become rows of ``C H W`` features ordered channel, then row, then column,
    so a following ``Dense`` sees the same feature order as a ``torch.nn.Linear`` after
    ``torch.nn.Flatten``. Backward reshapes the gradient back.
    """

    def __init__(self):
        super().__init__()
        self._shape = None

    def output_shape(self, input_shape) -> tuple[int]:
        """``(prod(input_shape),)``."""
        shape = tuple(input_shape)
        if len(shape) == 0:
            raise ValueError(f"{self!r} expects at least one axis per sample, got shape {shape}")
        return (math.prod(shape),)

    def forward(self, X: np.ndarray, training: bool = False) -> np.ndarray:
        """``X`` of shape (N, ...) as (N, prod(...))."""
        if X.ndim < 2:
            raise ValueError(f"{self!r} expects a batch of shape (n_samples, ...), got shape {X.shape}")
        self._shape = X.shape
        return X.reshape(X.shape[0], -1)

    def backward(self, dY: np.ndarray, need_dx: bool = True) -> np.ndarray | None:
        """``dY`` of shape (N, prod(...)) reshaped to the input's shape."""
        if not need_dx:
            return None
        return dY.reshape(self._shape)

    def get_config(self) -> dict:
        return {"type": "Flatten"}

    def short(self) -> str:
        return "flatten"

    def __repr__(self) -> str:
        return "Flatten()"
