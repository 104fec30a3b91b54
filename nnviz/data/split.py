"""Seeded train/test split, as the playground does it: shuffle, then cut."""
from __future__ import annotations

import numpy as np

from nnviz.core._validation import check_rng

from ._validation import _as_real_array, _check_finite, check_real, check_X

__all__ = ["train_test_split"]


def _check_train_ratio(train_ratio):
    """Return ``train_ratio`` as a float after checking it lies in (0, 1)."""
    train_ratio = check_real(train_ratio, "train_ratio")
    if not 0.0 < train_ratio < 1.0:
        raise ValueError(f"train_ratio must be in (0, 1), got {train_ratio}")
    return train_ratio


def _check_targets(y, n_samples):
    """Return ``y`` as an array with one entry (row) per sample."""
    y = _as_real_array(y, "y")
    if y.ndim < 1:
        raise ValueError(f"y must be of shape (n_samples,), got a scalar of shape {y.shape}")
    if y.shape[0] != n_samples:
        raise ValueError(f"y must have one entry per row of X ({n_samples}), got {y.shape[0]}")
    if y.dtype.kind == "f":
        _check_finite(y, "y")
    return y


def _n_train_samples(n_samples, train_ratio):
    """Number of training samples: ``floor(n_samples * train_ratio)``, kept in [1, n - 1]."""
    # The tiny tolerance keeps e.g. 100 * 0.29 = 28.999999999999996 from flooring to 28.
    n_train = int(np.floor(n_samples * train_ratio + 1e-9))
    return min(max(n_train, 1), n_samples - 1)


def train_test_split(X, y, train_ratio=0.5, seed=None):
    """Shuffle the samples with a seeded generator and cut them into train and test sets.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        Inputs; samples on the first axis (images of shape (n_samples, C, H, W) work too).
    y : array-like of shape (n_samples,)
        Labels or targets, one per sample.
    train_ratio : float in (0, 1), default=0.5
        Fraction of samples for training (the playground's "ratio of training to test data"
        slider divided by 100).
    seed : int, None or numpy.random.Generator, default=None
        Source of randomness for the shuffle; the same int gives the same split.

    Returns
    -------
    X_train : ndarray of shape (n_train, n_features)
    X_test : ndarray of shape (n_samples - n_train, n_features)
    y_train : ndarray of shape (n_train,)
    y_test : ndarray of shape (n_samples - n_train,)
        ``n_train = floor(n_samples * train_ratio)`` as in the playground, kept between 1 and
        ``n_samples - 1`` so both sides have a sample. X keeps float64, y keeps its dtype.

    Raises
    ------
    ValueError
        If there are fewer than 2 samples, lengths differ, values are NaN or inf, or
        ``train_ratio`` is outside (0, 1).
    TypeError
        If an argument has the wrong type.
    """
    X = check_X(X, n_features=None)
    y = _check_targets(y, X.shape[0])
    train_ratio = _check_train_ratio(train_ratio)
    rng = check_rng("seed", seed)
    n_samples = X.shape[0]
    if n_samples < 2:
        raise ValueError(
            f"X must have at least 2 samples to put one on each side, got {n_samples}"
        )
    order = rng.permutation(n_samples)
    n_train = _n_train_samples(n_samples, train_ratio)
    train, test = order[:n_train], order[n_train:]
    return X[train], X[test], y[train], y[test]
