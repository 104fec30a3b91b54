"""im2col / col2im for :class:`Conv2D`, in a batch-innermost layout.

``im2col`` turns every receptive field of a batch of images into one column of a matrix, so that a
convolution is one matrix product; ``col2im`` is its adjoint (it scatters columns back and sums the
overlaps), which is how the gradient reaches the input. Both are vectorised: ``im2col`` is one strided
view and one copy, ``col2im`` one slice-add per kernel offset (``kh * kw`` of them, or one copy when the
fields tile the image), never a loop over pixels or samples.

The images are held as (C, H, W, N) — the sample axis innermost — while they are unfolded, and
:class:`Conv2D` hands its output on in that memory layout (a transposed view of shape (N, C, H, W)).
Every copy and slice-add then moves contiguous runs of ``Wo * N`` numbers instead of runs of ``Wo``
(a few pixels of one image row), which on small images such as the 8 x 8 digits is several times
faster, and a stack of Conv2D / MaxPool2D layers passes its maps on without transposing copies.
"""
from __future__ import annotations

import numpy as np

__all__ = ["col2im", "im2col", "to_chwn"]


def to_chwn(X: np.ndarray, padding: tuple[int, int]) -> np.ndarray:
    """``X`` of shape (N, C, H, W) as a C-contiguous (C, H + 2 ph, W + 2 pw, N) array, zero-padded."""
    ph, pw = padding
    N, C, H, W = X.shape
    if ph == 0 and pw == 0:
        return np.ascontiguousarray(X.transpose(1, 2, 3, 0))  # free for a Conv2D's or MaxPool2D's output
    Xp = np.zeros((C, H + 2 * ph, W + 2 * pw, N), dtype=X.dtype)
    Xp[:, ph : ph + H, pw : pw + W] = X.transpose(1, 2, 3, 0)
    return Xp


def im2col(Xp: np.ndarray, kernel: tuple[int, int], stride: tuple[int, int], out_hw: tuple[int, int]) -> np.ndarray:
    """Receptive fields of a padded (C, Hp, Wp, N) batch as a matrix.

    Returns
    -------
    ndarray of shape (C * kh * kw, Ho * Wo * N)
        Row ``(c, i, j)``, column ``(y, x, n)`` (both C order): ``Xp[c, y * sh + i, x * sw + j, n]``, so
        that ``W.reshape(c_out, -1) @ cols`` is the convolution.
    """
    C, N = Xp.shape[0], Xp.shape[3]
    (kh, kw), (sh, sw), (Ho, Wo) = kernel, stride, out_hw
    sc, sy, sx, sn = Xp.strides
    windows = np.lib.stride_tricks.as_strided(
        Xp, shape=(C, kh, kw, Ho, Wo, N), strides=(sc, sy, sx, sy * sh, sx * sw, sn), writeable=False
    )
    return windows.reshape(C * kh * kw, Ho * Wo * N)  # the one copy


def col2im(cols: np.ndarray, padded_hw, kernel, stride, out_hw, C: int, N: int) -> np.ndarray:
    """Adjoint of :func:`im2col`: ``cols`` of shape (C * kh * kw, Ho * Wo * N) → (C, Hp, Wp, N), every
    entry added to the padded pixel it was read from (overlapping fields sum)."""
    Hp, Wp = padded_hw
    (kh, kw), (sh, sw), (Ho, Wo) = kernel, stride, out_hw
    c6 = cols.reshape(C, kh, kw, Ho, Wo, N)
    if (sh, sw) == (kh, kw) and Hp == Ho * kh and Wp == Wo * kw:
        # non-overlapping fields tiling the image: one copy, nothing to sum
        return c6.transpose(0, 3, 1, 4, 2, 5).reshape(C, Hp, Wp, N)
    dXp = np.zeros((C, Hp, Wp, N), dtype=cols.dtype)
    for i in range(kh):
        for j in range(kw):
            dXp[:, i : i + sh * (Ho - 1) + 1 : sh, j : j + sw * (Wo - 1) + 1 : sw] += c6[:, i, j]
    return dXp
