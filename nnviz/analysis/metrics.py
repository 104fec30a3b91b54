"""Numbers a lesson shows beside the pictures: accuracy, the confusion matrix, gradient norms."""
from __future__ import annotations

import numpy as np

from ._validation import check_int, check_network, describe

__all__ = ["accuracy", "confusion_matrix", "gradient_norms"]


def _labels(name: str, y) -> np.ndarray:
    if isinstance(y, (str, bytes)) or y is None:
        raise TypeError(f"{name} must be a 1-D array of labels, got {describe(y)}")
    arr = np.asarray(y)
    if arr.ndim == 2 and arr.shape[1] == 1:
        arr = arr[:, 0]
    if arr.ndim != 1:
        raise ValueError(f"{name} must be 1-D of shape (n_samples,), got shape {arr.shape}")
    if arr.size == 0:
        raise ValueError(f"{name} must hold at least one label, got an empty array")
    return arr


def _pair(y_true, y_pred) -> tuple[np.ndarray, np.ndarray]:
    t, p = _labels("y_true", y_true), _labels("y_pred", y_pred)
    if t.shape != p.shape:
        raise ValueError(
            f"y_true and y_pred must have the same number of samples, got {t.shape[0]} and {p.shape[0]}"
        )
    return t, p


def _class_labels(name: str, y: np.ndarray, n_classes: int) -> np.ndarray:
    if not (np.issubdtype(y.dtype, np.integer) or y.dtype == bool):
        if not (np.issubdtype(y.dtype, np.floating) and np.isfinite(y).all() and (y == np.round(y)).all()):
            raise TypeError(f"{name} must hold integer class labels, got dtype {y.dtype}")
    y = y.astype(np.int64)
    bad = y[(y < 0) | (y >= n_classes)]
    if bad.size:
        raise ValueError(f"{name} must hold class labels in 0..{n_classes - 1}, got {int(bad[0])}")
    return y


def confusion_matrix(y_true, y_pred, n_classes: int) -> np.ndarray:
    """Count how often each true class was predicted as each class.

    Parameters
    ----------
    y_true, y_pred : array-like of shape (n_samples,)
        Integer class labels in ``0 .. n_classes − 1``.
    n_classes : int
        Number of classes k, >= 2 (so a class absent from both still gets its row and column).

    Returns
    -------
    ndarray of shape (k, k), int64
        ``C[t, p]`` = number of samples of true class ``t`` predicted as ``p`` (rows: truth, as
        scikit-learn). The diagonal holds the correct predictions; ``C.sum() == n_samples``.
    """
    n_classes = check_int("n_classes", n_classes, low=2)
    t, p = _pair(y_true, y_pred)
    t = _class_labels("y_true", t, n_classes)
    p = _class_labels("y_pred", p, n_classes)
    return np.bincount(t * n_classes + p, minlength=n_classes * n_classes).reshape(n_classes, n_classes)


def accuracy(y_true, y_pred) -> float:
    """Fraction of samples with ``y_pred == y_true``, in [0, 1]."""
    t, p = _pair(y_true, y_pred)
    return float(np.count_nonzero(t == p)) / t.size


def gradient_norms(network) -> list[float]:
    """Frobenius norm ``‖∂L/∂W‖`` of each layer's weight gradient from the last training step
    (over the layer's penalised parameters: ``W`` for Dense, the kernels of a convolution, ...).

    Returns
    -------
    list of float
        One per layer with parameters, input side first. All zero before the first step. Vanishing gradients
        show up as norms shrinking towards the input layers.
    """
    network = check_network(network)
    return [
        float(np.sqrt(sum(float(np.vdot(layer.grads[k], layer.grads[k])) for k in layer.penalised)))
        for layer in network.layers
        if layer.param_shapes()
    ]
