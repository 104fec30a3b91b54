"""Which samples fall in each cell of a confusion matrix: a clicked cell's points on the map."""
from __future__ import annotations

import numpy as np

from .metrics import _class_labels, _pair
from ._validation import check_int

__all__ = ["confusion_cell_indices", "confusion_cells"]


def confusion_cells(y_true, y_pred, n_classes: int) -> dict[tuple[int, int], np.ndarray]:
    """The samples of every cell of :func:`~nnviz.analysis.confusion_matrix`.

    Parameters
    ----------
    y_true, y_pred : array-like of shape (n_samples,)
        Integer class labels in ``0 .. n_classes − 1``.
    n_classes : int
        Number of classes k, >= 2.

    Returns
    -------
    dict of (int, int) to ndarray of int64
        ``cells[t, p]``: indices (ascending) of the samples of true class ``t`` predicted as ``p``;
        every one of the k² cells is present (empty ones hold an empty array), and
        ``len(cells[t, p]) == confusion_matrix(y_true, y_pred, k)[t, p]``.
    """
    n_classes = check_int("n_classes", n_classes, low=2)
    t, p = _pair(y_true, y_pred)
    t = _class_labels("y_true", t, n_classes)
    p = _class_labels("y_pred", p, n_classes)
    cell = t * n_classes + p
    order = np.argsort(cell, kind="stable")  # stable: indices stay ascending within a cell
    bounds = np.searchsorted(cell[order], np.arange(n_classes * n_classes + 1))
    return {(i // n_classes, i % n_classes): order[bounds[i]:bounds[i + 1]].astype(np.int64)
            for i in range(n_classes * n_classes)}


def confusion_cell_indices(y_true, y_pred, n_classes: int, true_class: int, predicted_class: int) -> np.ndarray:
    """Indices (ascending) of the samples of true class ``true_class`` predicted as ``predicted_class``."""
    n_classes = check_int("n_classes", n_classes, low=2)
    true_class = check_int("true_class", true_class, low=0, high=n_classes - 1)
    predicted_class = check_int("predicted_class", predicted_class, low=0, high=n_classes - 1)
    return confusion_cells(y_true, y_pred, n_classes)[true_class, predicted_class]
