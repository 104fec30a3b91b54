"""Input checks shared by the data package.

Every check raises ``TypeError`` (wrong kind of value) or ``ValueError`` (right kind, wrong
value) with a message that names the argument, says what was expected and shows what came.
The one public function here is :func:`check_dataset`, the gate a user's own data passes
through so that it works wherever a built-in data set does.
"""
from __future__ import annotations

import numbers

import numpy as np

__all__ = ["TASKS", "check_dataset"]

#: The learning tasks a data set can pose; the UI picks output layer and loss from these.
TASKS = ("binary", "multiclass", "regression")

NOISE_MAX = 0.5

_REAL_KINDS = "biuf"  # bool, signed int, unsigned int, float


def describe(value):
    """Return ``"<type> <repr>"`` for an error message, e.g. ``"float 2.5"``."""
    return f"{type(value).__name__} {value!r}"


def check_real(value, name):
    """Return ``value`` as a finite ``float`` after checking it is a real number."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {describe(value)}")
    value = float(value)
    if not np.isfinite(value):
        raise ValueError(f"{name} must be a finite number, got {value}")
    return value


def check_noise(noise):
    """Return ``noise`` as a float after checking it lies in ``[0, 0.5]``."""
    noise = check_real(noise, "noise")
    if not 0.0 <= noise <= NOISE_MAX:
        raise ValueError(f"noise must be in [0, {NOISE_MAX}], got {noise}")
    return noise


def check_choice(value, name, choices, what):
    """Return ``value`` after checking it is one of ``choices`` (a str key).

    ``what`` is the noun used in the message: ``"unknown dataset 'foo'; expected one of: ..."``.
    """
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a str, got {describe(value)}")
    if value not in choices:
        raise ValueError(
            f"unknown {what} {value!r}; expected one of: {', '.join(choices)}"
        )
    return value


def _as_real_array(values, name):
    """Return ``values`` as a float64 array, refusing strings, complex numbers and objects."""
    try:
        array = np.asarray(values)
    except ValueError as error:  # ragged nested lists
        raise ValueError(f"{name} must be a rectangular array of numbers: {error}") from None
    if array.dtype.kind == "O":
        try:
            array = array.astype(np.float64)
        except (TypeError, ValueError):
            raise TypeError(
                f"{name} must contain real numbers, got an object array"
            ) from None
    if array.dtype.kind not in _REAL_KINDS:
        raise TypeError(f"{name} must contain real numbers, got dtype {array.dtype}")
    return array


def _check_finite(array, name):
    """Raise ``ValueError`` if ``array`` holds NaN or inf, pointing at the first one."""
    bad = ~np.isfinite(array)
    if bad.any():
        first = np.argwhere(bad)[0]
        raise ValueError(
            f"{name} must contain only finite values, got {int(bad.sum())} NaN or inf "
            f"value(s) (first at index {tuple(int(i) for i in first)})"
        )


def check_X(X, name="X", n_features=2):
    """Return ``X`` as a finite float64 array of shape (n_samples, n_features).

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        The inputs to check.
    name : str, default="X"
        The argument name used in error messages.
    n_features : int or None, default=2
        Required number of columns; ``None`` accepts any number of trailing dimensions
        (samples are always on the first axis, and there must be at least two axes).

    Returns
    -------
    X : ndarray of shape (n_samples, n_features), dtype float64
    """
    array = _as_real_array(X, name)
    if n_features is None:
        if array.ndim < 2:
            raise ValueError(
                f"{name} must be at least 2-D of shape (n_samples, ...), "
                f"got shape {array.shape}"
            )
    elif array.ndim != 2:
        raise ValueError(
            f"{name} must be 2-D of shape (n_samples, {n_features}), got shape {array.shape}"
        )
    elif array.shape[1] != n_features:
        raise ValueError(
            f"{name} must have {n_features} columns, of shape (n_samples, {n_features}), "
            f"got shape {array.shape}"
        )
    if array.shape[0] < 1:
        raise ValueError(f"{name} must contain at least one sample, got shape {array.shape}")
    array = array.astype(np.float64, copy=False)
    _check_finite(array, name)
    return array


def _check_label_vector(y, n_samples):
    """Return ``y`` as a finite 1-D real array of length ``n_samples``.

    A column of shape (n_samples, 1) is flattened.
    """
    array = _as_real_array(y, "y")
    if array.ndim == 2 and array.shape[1] == 1:
        array = array[:, 0]
    if array.ndim != 1:
        raise ValueError(f"y must be 1-D of shape (n_samples,), got shape {array.shape}")
    if array.shape[0] != n_samples:
        raise ValueError(
            f"y must have one entry per row of X ({n_samples}), got {array.shape[0]}"
        )
    if array.dtype.kind == "f":
        _check_finite(array, "y")
    return array


def _infer_task(y):
    """Integer or bool labels mean classification, float labels mean regression."""
    if y.dtype.kind == "f":
        return "regression"
    return "binary" if y.max() <= 1 else "multiclass"


def _shown_values(y, limit=6):
    """A short text listing the distinct values of ``y`` for an error message."""
    values = np.unique(y)
    shown = ", ".join(f"{v:g}" for v in values[:limit])
    return f"[{shown}{', ...' if values.size > limit else ''}]"


def _as_class_labels(y, task):
    """Return integer-valued labels as int64, checking they suit ``task``."""
    if y.dtype.kind == "f" and not np.array_equal(y, np.round(y)):
        raise ValueError(
            f"y must hold integer class labels for a {task} task, "
            f"got non-integer values {_shown_values(y[y != np.round(y)])}"
        )
    if task == "binary" and not np.isin(y, (0, 1)).all():
        raise ValueError(
            f"y must contain only 0 and 1 for a binary task, got values {_shown_values(y)} "
            "(for playground-style -1/+1 labels use (y + 1) // 2)"
        )
    if task == "multiclass" and (y < 0).any():
        raise ValueError(
            "y must contain class labels 0, 1, ..., n_classes - 1 for a multiclass task, "
            f"got values {_shown_values(y)}"
        )
    return y.astype(np.int64)


def check_dataset(X, y, task=None):
    """Check a data set and return it in the dtypes the rest of nnviz expects.

    Use it on your own data (painted points, a CSV file) so that it works wherever a
    built-in data set from :func:`nnviz.data.make_dataset` does.

    Parameters
    ----------
    X : array-like of shape (n_samples, 2)
        The points, one row per sample, columns x1 and x2. Must be finite.
    y : array-like of shape (n_samples,)
        Class labels (0/1 for ``"binary"``, 0..k-1 for ``"multiclass"``) or real targets
        (``"regression"``). A column of shape (n_samples, 1) is flattened.
    task : {"binary", "multiclass", "regression"} or None, default=None
        The task the labels are for. ``None`` infers it from the dtype of ``y``: bool or
        integer labels are ``"binary"`` when all lie in {0, 1}, else ``"multiclass"``; float
        labels are ``"regression"``. Pass ``task`` explicitly for class labels stored as
        floats (e.g. read from a CSV file).

    Returns
    -------
    X : ndarray of shape (n_samples, 2), dtype float64
    y : ndarray of shape (n_samples,)
        int64 labels for ``"binary"`` and ``"multiclass"``, float64 targets for
        ``"regression"``.

    Raises
    ------
    TypeError
        If X or y do not hold real numbers, or ``task`` is not a str or None.
    ValueError
        If shapes do not fit, values are NaN or inf, or labels do not suit ``task``.
    """
    X = check_X(X)
    y = _check_label_vector(y, X.shape[0])
    if task is None:
        task = _infer_task(y)
    check_choice(task, "task", TASKS, "task")
    if task == "regression":
        return X, y.astype(np.float64)
    return X, _as_class_labels(y, task)
