"""Max pooling over non-overlapping windows (``torch.nn.MaxPool2d(k)``)."""
from __future__ import annotations

import numpy as np

from ._validation import check_int
from .layer import Layer

__all__ = ["MaxPool2D"]


class MaxPool2D(Layer):
    """2-D max pooling with a ``k x k`` window and stride ``k``.

    Parameters
    ----------
    k : int
        Window size and stride, >= 1.

    Notes
    -----
    For ``X`` of shape (N, C, H, W) the output has shape (N, C, ⌊H / k⌋, ⌊W / k⌋) (rows and columns
    that do not fill a window are dropped, as torch's default ``ceil_mode=False``):

    ``Y[n, c, y, x] = max_{0 <= i, j < k} X[n, c, y k + i, x k + j]``.

    The gradient goes to the arg-max of each window only, ``∂L/∂X = dY`` there and 0 elsewhere; when
    several entries of a window tie, the first in row-major order gets it (as torch on the CPU).
    """

    def __init__(self, k: int = 2):
        super().__init__()
        self.k = check_int("k", k, low=1)
        self._cache = None

    def output_shape(self, input_shape) -> tuple[int, int, int]:
        """``(C, ⌊H / k⌋, ⌊W / k⌋)`` for a per-sample ``input_shape`` ``(C, H, W)``."""
        shape = tuple(input_shape)
        if len(shape) != 3:
            raise ValueError(f"{self!r} expects images of shape (channels, height, width) per sample, "
                             f"got shape {shape}")
        if shape[1] < self.k or shape[2] < self.k:
            raise ValueError(f"{self!r}: the window ({self.k}x{self.k}) is larger than the input "
                             f"({shape[1]}x{shape[2]}) for input shape {shape}")
        return shape[0], shape[1] // self.k, shape[2] // self.k

    def forward(self, X: np.ndarray, training: bool = False) -> np.ndarray:
        """Window maxima of ``X`` of shape (N, C, H, W); returns (N, C, H // k, W // k)."""
        if X.ndim != 4:
            raise ValueError(f"{self!r} expects a batch of shape (n_samples, C, H, W), got shape {X.shape}")
        _, Ho, Wo = self.output_shape(X.shape[1:])
        N, C = X.shape[:2]
        k = self.k
        # (N, C, Ho, k, Wo, k) → (N, C, Ho, Wo, k k): one copy, each window's entries in row-major order
        win = X[:, :, : Ho * k, : Wo * k].reshape(N, C, Ho, k, Wo, k).transpose(0, 1, 2, 4, 3, 5)
        win = win.reshape(N, C, Ho, Wo, k * k)
        idx = win.argmax(axis=4)
        Y = np.take_along_axis(win, idx[..., None], axis=4)[..., 0]
        self._cache = (X.shape, idx)
        return Y

    def backward(self, dY: np.ndarray, need_dx: bool = True) -> np.ndarray | None:
        """Route ``dY`` of shape (N, C, Ho, Wo) to each window's arg-max; returns (N, C, H, W)."""
        if not need_dx:
            return None
        shape, idx = self._cache
        N, C, H, W = shape
        k = self.k
        Ho, Wo = idx.shape[2:]
        hit = idx[..., None] == np.arange(k * k)  # (N, C, Ho, Wo, k k), one True per window
        dwin = np.multiply(hit, dY[..., None], dtype=dY.dtype)
        dwin = dwin.reshape(N, C, Ho, Wo, k, k).transpose(0, 1, 2, 4, 3, 5).reshape(N, C, Ho * k, Wo * k)
        if Ho * k == H and Wo * k == W:
            return dwin
        dX = np.zeros(shape, dtype=dY.dtype)
        dX[:, :, : Ho * k, : Wo * k] = dwin
        return dX

    def get_config(self) -> dict:
        return {"type": "MaxPool2D", "k": self.k}

    def short(self) -> str:
        return f"maxpool {self.k}"

    def __repr__(self) -> str:
        return f"MaxPool2D({self.k})"
