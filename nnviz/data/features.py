"""Input features: the playground's seven functions of the point (x1, x2).

A network sees ``make_features(X, names)`` instead of ``X``: ticking "X₁²" in the UI adds the
column ``x1 ** 2``. The registry :data:`FEATURES` is a plain dict, so a dropdown or a row of
checkboxes is built from its keys and labels, and adding a feature is one entry.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from ._validation import check_choice, check_X, describe

__all__ = ["DEFAULT_FEATURES", "FEATURES", "Feature", "make_features"]


@dataclass(frozen=True)
class Feature:
    """One input feature: a function of the points with a display label.

    Attributes
    ----------
    name : str
        Key in :data:`FEATURES`, e.g. ``"x1^2"``.
    label : str
        Text for the UI, e.g. ``"X₁²"``.
    func : callable
        ``func(X) -> values``, X of shape (n_samples, 2) float64, values of shape
        (n_samples,).
    """

    name: str
    label: str
    func: Callable[[np.ndarray], np.ndarray] = field(repr=False, compare=False)

    def __call__(self, X):
        """Return the feature of each point.

        Parameters
        ----------
        X : array-like of shape (n_samples, 2)

        Returns
        -------
        values : ndarray of shape (n_samples,), dtype float64
        """
        return self.func(check_X(X))


def _x1(X):
    return X[:, 0].copy()


def _x2(X):
    return X[:, 1].copy()


def _x1_squared(X):
    return X[:, 0] * X[:, 0]


def _x2_squared(X):
    return X[:, 1] * X[:, 1]


def _x1_times_x2(X):
    return X[:, 0] * X[:, 1]


def _sin_x1(X):
    return np.sin(X[:, 0])


def _sin_x2(X):
    return np.sin(X[:, 1])


#: Registry of input features, in the playground's order: name -> :class:`Feature`.
FEATURES = {
    feature.name: feature
    for feature in (
        Feature("x1", "X₁", _x1),
        Feature("x2", "X₂", _x2),
        Feature("x1^2", "X₁²", _x1_squared),
        Feature("x2^2", "X₂²", _x2_squared),
        Feature("x1*x2", "X₁X₂", _x1_times_x2),
        Feature("sin(x1)", "sin(X₁)", _sin_x1),
        Feature("sin(x2)", "sin(X₂)", _sin_x2),
    )
}

#: The playground's default inputs.
DEFAULT_FEATURES = ("x1", "x2")


def _check_names(names):
    """Return ``names`` as a tuple of known, distinct feature names."""
    if isinstance(names, str) or not hasattr(names, "__iter__"):
        raise TypeError(
            f"names must be a sequence of feature names such as ('x1', 'x2'), "
            f"got {describe(names)}"
        )
    names = tuple(names)
    if not names:
        raise ValueError("names must contain at least one feature name, got an empty sequence")
    for name in names:
        check_choice(name, "each feature name", tuple(FEATURES), "feature")
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise ValueError(f"names must be distinct, got {duplicates[0]!r} more than once")
    return names


def make_features(X, names=DEFAULT_FEATURES):
    """Compute the chosen input features of each point, one column per feature.

    Parameters
    ----------
    X : array-like of shape (n_samples, 2)
        The points (x1, x2).
    names : sequence of str, default=("x1", "x2")
        Keys of :data:`FEATURES`, in the column order wanted.

    Returns
    -------
    features : ndarray of shape (n_samples, len(names)), dtype float64

    Raises
    ------
    ValueError
        If X has the wrong shape or non-finite values, a name is unknown (the message lists
        the known ones), ``names`` is empty or repeats a name.
    TypeError
        If ``names`` is a single str or not a sequence.

    Examples
    --------
    >>> make_features([[1.0, 2.0]], ["x1*x2", "x1^2"])
    array([[2., 1.]])
    """
    names = _check_names(names)
    X = check_X(X)
    return np.column_stack([FEATURES[name].func(X) for name in names])
