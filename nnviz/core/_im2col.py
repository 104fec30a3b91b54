"""im2col / col2im for :class:`Conv2D`.

``im2col`` turns every receptive field of a batch of images into one column of a matrix, so that a
convolution is one matrix product; ``col2im`` is its adjoint (it scatters columns back and sums the
overlaps), which is how the gradient reaches the input. Both are vectorised: ``im2col`` is one strided
view and one copy, ``col2im`` one slice-add per kernel offset (``kh * kw`` of them, or a single reshape
when the fields tile the image), never a loop over pixels or samples.
"""
from __future__ import annotations

import numpy as np

__all__ = ["col2im", "im2col", "pad_images"]


def pad_images(X: np.ndarray, padding: tuple[int, int]) -> np.ndarray:
    """``X`` of shape (N, C, H, W) with ``padding`` zero rows/columns on each side (``X`` itself if 0)."""
    ph, pw = padding
    if ph == 0 and pw == 0:
        return X
    N, C, H, W = X.shape
    Xp = np.zeros((N, C, H + 2 * ph, W + 2 * pw), dtype=X.dtype)
    Xp[:, :, ph : ph + H, pw : pw + W] = X
    return Xp


def im2col(Xp: np.ndarray, kernel: tuple[int, int], stride: tuple[int, int], out_hw: tuple[int, int]) -> np.ndarray:
    """Receptive fields of a padded batch as a matrix.

    Parameters
    ----------
    Xp : ndarray of shape (N, C, Hp, Wp)
    kernel, stride, out_hw : pairs (kh, kw), (sh, sw), (Ho, Wo)

    Returns
    -------
    ndarray of shape (C * kh * kw, N * Ho * Wo)
        Row ``(c, i, j)`` (C order), column ``(n, y, x)``: ``Xp[n, c, y * sh + i, x * sw + j]``.
    """
    N, C = Xp.shape[:2]
    kh, kw = kernel
    sh, sw = stride
    Ho, Wo = out_hw
    sn, sc, sy, sx = Xp.strides
    windows = np.lib.stride_tricks.as_strided(
        Xp, shape=(C, kh, kw, N, Ho, Wo), strides=(sc, sy, sx, sn, sy * sh, sx * sw), writeable=False
    )
    return windows.reshape(C * kh * kw, N * Ho * Wo)  # the one copy


def col2im(cols: np.ndarray, padded_shape, kernel, stride, out_hw, padding) -> np.ndarray:
    """Adjoint of :func:`im2col` followed by removing the padding.

    ``cols`` of shape (C * kh * kw, N * Ho * Wo) → ``dX`` of shape (N, C, H, W): every column entry is
    added to the input pixel it was read from (overlapping fields sum).
    """
    N, C, Hp, Wp = padded_shape
    kh, kw = kernel
    sh, sw = stride
    Ho, Wo = out_hw
    ph, pw = padding
    c6 = cols.reshape(C, kh, kw, N, Ho, Wo)
    dXp = np.zeros((N, C, Hp, Wp), dtype=cols.dtype)
    # dXp as (C, N, Hp, Wp) so that each kernel offset is one strided slice-add of a (C, N, Ho, Wo) block
    dT = dXp.transpose(1, 0, 2, 3)
    if (sh, sw) == (kh, kw) and Hp == Ho * kh and Wp == Wo * kw:
        # non-overlapping fields tiling the image: one reshape, no sum
        dT[...] = c6.transpose(0, 3, 4, 1, 5, 2).reshape(C, N, Hp, Wp)
    else:
        for i in range(kh):
            for j in range(kw):
                dT[:, :, i : i + sh * (Ho - 1) + 1 : sh, j : j + sw * (Wo - 1) + 1 : sw] += c6[:, i, j]
    if ph or pw:
        return dXp[:, :, ph : Hp - ph, pw : Wp - pw]
    return dXp
