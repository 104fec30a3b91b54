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
        k = self.k
        N, C = X.shape[:2]
        # Work in (C, H, W, N) memory — a Conv2D's output already is (see nnviz.core._im2col) — and copy
        # the k² window offsets to the front: win[i, j] of shape (C, Ho, Wo, N) is contiguous.
        Xc = np.ascontiguousarray(X.transpose(1, 2, 3, 0))
        X6 = np.reshape(Xc[:, : Ho * k, : Wo * k], (C, Ho, k, Wo, k, N), copy=False)
        win = np.ascontiguousarray(X6.transpose(2, 4, 0, 1, 3, 5)).reshape(k * k, C, Ho, Wo, N)
        # The running maximum over the offsets, and where each offset was strictly greater than the
        # maximum so far. A window's arg-max is the last offset that was greater (offset 0 if none was),
        # so ties keep the first maximum in row order, as torch does.
        Y = win[0].copy()
        greater = []
        for off in range(1, k * k):
            greater.append(np.greater(win[off], Y))
            np.maximum(Y, win[off], out=Y)
        self._cache = (X.shape, greater)
        return Y.transpose(3, 0, 1, 2)  # (N, C, Ho, Wo), a view of (C, Ho, Wo, N) memory

    def backward(self, dY: np.ndarray, need_dx: bool = True) -> np.ndarray | None:
        """Route ``dY`` of shape (N, C, Ho, Wo) to each window's arg-max; returns (N, C, H, W)."""
        if not need_dx:
            return None
        shape, greater = self._cache
        N, C, H, W = shape
        k = self.k
        Ho, Wo = dY.shape[2:]
        dYc = dY.transpose(1, 2, 3, 0)  # (C, Ho, Wo, N), contiguous when dY came from the layer above
        dwin = np.empty((k * k, C, Ho, Wo, N), dtype=dY.dtype)
        taken = None  # windows whose arg-max is a later offset
        for off in range(k * k - 1, -1, -1):
            if off == 0:
                if taken is None:
                    dwin[0] = dYc
                else:
                    np.multiply(dYc, np.logical_not(taken), out=dwin[0])
                continue
            g = greater[off - 1]
            if taken is None:
                hit, taken = g, g.copy()
            else:
                hit = np.greater(g, taken)  # greater at this offset and at no later one
                taken |= g
            np.multiply(dYc, hit, out=dwin[off])
        crop = (Ho * k, Wo * k) != (H, W)
        dXc = (np.zeros if crop else np.empty)((C, H, W, N), dtype=dY.dtype)
        dX6 = np.reshape(dXc[:, : Ho * k, : Wo * k], (C, Ho, k, Wo, k, N), copy=False)
        dX6[...] = dwin.reshape(k, k, C, Ho, Wo, N).transpose(2, 3, 0, 4, 1, 5)
        return dXc.transpose(3, 0, 1, 2)  # (N, C, H, W), a view of (C, H, W, N) memory

    def get_config(self) -> dict:
        return {"type": "MaxPool2D", "k": self.k}

    def short(self) -> str:
        return f"maxpool {self.k}"

    def __repr__(self) -> str:
        return f"MaxPool2D({self.k})"
