"""Seeded train/test split, as the playground does it: shuffle, then cut; optionally stratified."""
from __future__ import annotations

import numpy as np

from nnviz.core._validation import check_rng, describe

from ._validation import _as_real_array, _check_finite, check_real, check_X

__all__ = ["train_test_split"]


def _check_train_ratio(train_ratio):
    """Return ``train_ratio`` as a float after checking it lies in (0, 1)."""
    train_ratio = check_real(train_ratio, "train_ratio")
    if not 0.0 < train_ratio < 1.0:
        raise ValueError(f"train_ratio must be in (0, 1), got {train_ratio}")
    return train_ratio


def _check_targets(y, n_samples, name="y"):
    """Return ``y`` as an array with one entry (row) per sample."""
    y = _as_real_array(y, name)
    if y.ndim < 1:
        raise ValueError(f"{name} must be of shape (n_samples,), got a scalar of shape {y.shape}")
    if y.shape[0] != n_samples:
        raise ValueError(f"{name} must have one entry per row of X ({n_samples}), got {y.shape[0]}")
    if y.dtype.kind == "f":
        _check_finite(y, name)
    return y


def _n_train_samples(n_samples, train_ratio):
    """Number of training samples: ``floor(n_samples * train_ratio)``, kept in [1, n - 1]."""
    # The tiny tolerance keeps e.g. 100 * 0.29 = 28.999999999999996 from flooring to 28.
    n_train = int(np.floor(n_samples * train_ratio + 1e-9))
    return min(max(n_train, 1), n_samples - 1)


def train_test_split(X, y, train_ratio=0.5, seed=None, stratify=None):
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
    stratify : None, bool or array-like of shape (n_samples,), default=None
        None or False: one shuffle of all samples, then a cut (the playground's split). True: keep
        each class of ``y`` in the same proportion on both sides; an array: the same with these
        labels instead of ``y`` (scikit-learn's ``stratify=``). Rows of a 2-D label array (one-hot
        targets) count as one class each.

    Returns
    -------
    X_train : ndarray of shape (n_train, n_features)
    X_test : ndarray of shape (n_samples - n_train, n_features)
    y_train : ndarray of shape (n_train,)
    y_test : ndarray of shape (n_samples - n_train,)
        ``n_train = floor(n_samples * train_ratio)`` as in the playground, kept between 1 and
        ``n_samples - 1`` so both sides have a sample. X keeps float64, y keeps its dtype.
        Stratified, class ``c`` with ``n_c`` samples puts ``n_c * n_train / n_samples`` of them
        in training, rounded so that the counts add up to ``n_train`` (largest remainders first,
        ties broken by the seeded generator) and kept in ``[1, n_c - 1]`` so that every class is
        on both sides; both sides come out shuffled.

    Raises
    ------
    ValueError
        If there are fewer than 2 samples, lengths differ, values are NaN or inf,
        ``train_ratio`` is outside (0, 1), or a class to stratify has a single sample.
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
    n_train = _n_train_samples(n_samples, train_ratio)
    classes = _stratify_labels(stratify, y, n_samples)
    if classes is None:
        order = rng.permutation(n_samples)
        train, test = order[:n_train], order[n_train:]
    else:
        train, test = _stratified_indices(classes, n_train, rng)
    return X[train], X[test], y[train], y[test]


def _stratify_labels(stratify, y, n_samples):
    """The class index (0..k-1) of every sample to stratify on, or None for a plain split."""
    if stratify is None or (isinstance(stratify, (bool, np.bool_)) and not stratify):
        return None
    if isinstance(stratify, (bool, np.bool_)):
        labels, name = y, "y"
    elif isinstance(stratify, (str, bytes)):
        raise TypeError(
            f"stratify must be None, True, False or an array of labels of shape (n_samples,), "
            f"got {describe(stratify)}"
        )
    else:
        labels, name = _check_targets(stratify, n_samples, "stratify"), "stratify"
    if labels.ndim == 1:
        _, classes = np.unique(labels, return_inverse=True)
    elif labels.ndim == 2:
        _, classes = np.unique(labels, axis=0, return_inverse=True)
    else:
        raise ValueError(
            f"{name} must be of shape (n_samples,) or (n_samples, n_outputs) to stratify, "
            f"got shape {labels.shape}"
        )
    classes = classes.reshape(-1)
    counts = np.bincount(classes)
    if counts.min() < 2:
        single = labels[np.flatnonzero(counts[classes] == 1)[0]]
        shown = single.tolist() if isinstance(single, np.ndarray) else single.item()
        raise ValueError(
            f"{name} has a class with a single sample ({shown!r}); stratify needs at least 2 of "
            f"every class, one for each side (for regression targets use stratify=None)"
        )
    return classes


def _stratified_counts(counts, n_train, rng):
    """Training samples per class: proportional, summing to ``n_train``, each in ``[1, n_c - 1]``."""
    quota = counts * (n_train / counts.sum())
    per_class = np.floor(quota + 1e-9).astype(np.int64)
    short = n_train - int(per_class.sum())
    if short > 0:  # largest remainders first; equal remainders in a seeded random order
        remainder = quota - per_class
        order = np.lexsort((rng.random(len(counts)), -remainder))
        per_class[order[:short]] += 1
    return np.clip(per_class, 1, counts - 1)


def _stratified_indices(classes, n_train, rng):
    """Seeded train and test indices with every class in proportion on both sides."""
    counts = np.bincount(classes)
    per_class = _stratified_counts(counts, n_train, rng)
    train, test = [], []
    for c, k in enumerate(per_class):
        members = np.flatnonzero(classes == c)
        members = members[rng.permutation(len(members))]
        train.append(members[:k])
        test.append(members[k:])
    train, test = np.concatenate(train), np.concatenate(test)
    return train[rng.permutation(len(train))], test[rng.permutation(len(test))]
