"""Argument checks shared by the core.

Every check raises ``TypeError`` or ``ValueError`` with a message that names the argument, what was
expected and what was received, so a learner can fix the call without reading the source.
"""
from __future__ import annotations

import math
import numbers

import numpy as np

__all__ = [
    "check_choice",
    "check_dtype",
    "check_float",
    "check_int",
    "check_matrix",
    "check_rng",
    "describe",
]


def describe(value) -> str:
    """Return a short, readable description of ``value`` for error messages."""
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape} and dtype {value.dtype}"
    text = repr(value)
    if len(text) > 60:
        text = text[:57] + "..."
    return f"{text} ({type(value).__name__})"


def check_choice(name: str, value, choices) -> str:
    """Check that ``value`` is one of the string keys of ``choices``; return it lower-cased."""
    valid = ", ".join(repr(k) for k in choices)
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a string, one of {valid}; got {describe(value)}")
    key = value.lower()
    if key not in choices:
        raise ValueError(f"unknown {name} {value!r}; expected one of {valid}")
    return key


def check_dtype(name: str, dtype) -> np.dtype:
    """Check that ``dtype`` names float32 or float64; return it as a NumPy dtype."""
    try:
        dt = np.dtype(dtype)
    except TypeError as exc:
        raise TypeError(f"{name} must be numpy.float32 or numpy.float64, got {describe(dtype)}") from exc
    if dt.name not in ("float32", "float64"):
        raise ValueError(f"{name} must be float32 or float64, got {dt.name}")
    return dt


def check_float(name: str, value, *, low=None, high=None, low_open=False, high_open=False) -> float:
    """Check that ``value`` is a finite real number inside the given interval; return it as float."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {describe(value)}")
    value = float(value)
    if low is not None and high is not None:
        expected = f"in {'(' if low_open else '['}{low:g}, {high:g}{')' if high_open else ']'}"
    elif low is not None:
        expected = f"{'>' if low_open else '>='} {low:g}"
    elif high is not None:
        expected = f"{'<' if high_open else '<='} {high:g}"
    else:
        expected = "finite"
    bad = not math.isfinite(value)
    if low is not None and (value < low or (low_open and value == low)):
        bad = True
    if high is not None and (value > high or (high_open and value == high)):
        bad = True
    if bad:
        raise ValueError(f"{name} must be a finite number {expected}, got {value!r}")
    return value


def check_int(name: str, value, *, low=None, high=None) -> int:
    """Check that ``value`` is an integer (not a bool) in ``[low, high]``; return it as int.

    Messages read ``"resolution must be an integer >= 2, got 1"``.
    """
    if low is not None and high is not None:
        expected = f"an integer in [{low}, {high}]"
    elif low is not None:
        expected = f"an integer >= {low}"
    elif high is not None:
        expected = f"an integer <= {high}"
    else:
        expected = "an integer"
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be {expected}, got {describe(value)}")
    value = int(value)
    if (low is not None and value < low) or (high is not None and value > high):
        raise ValueError(f"{name} must be {expected}, got {value}")
    return value


def check_matrix(name: str, X, *, n_columns=None, dtype=np.float64) -> np.ndarray:
    """Check that ``X`` is a finite 2-D numeric array; return it as a C-contiguous ``dtype`` array.

    A 1-D array is accepted only when ``n_columns == 1``.
    """
    if (type(X) is np.ndarray and X.ndim == 2 and X.dtype == dtype and X.flags.c_contiguous and len(X)
            and (n_columns is None or X.shape[1] == n_columns) and np.isfinite(X).all()):
        return X  # what the checks below return for it, without them (fit checks its X every frame)
    if isinstance(X, (str, bytes)) or X is None:
        raise TypeError(f"{name} must be a 2-D numeric array, got {describe(X)}")
    try:
        arr = np.asarray(X)
    except Exception as exc:  # ragged lists and the like
        raise TypeError(f"{name} must be a 2-D numeric array, got {describe(X)}") from exc
    if arr.dtype == object or not (np.issubdtype(arr.dtype, np.number) or arr.dtype == bool):
        raise TypeError(f"{name} must be a 2-D numeric array, got dtype {arr.dtype}")
    if arr.ndim == 1 and n_columns == 1:
        arr = arr.reshape(-1, 1)
    if arr.ndim != 2:
        expected = "(n_samples, n_features)" if n_columns is None else f"(n_samples, {n_columns})"
        raise ValueError(f"{name} must be 2-D of shape {expected}, got shape {arr.shape}")
    if arr.shape[0] == 0:
        raise ValueError(f"{name} must have at least one sample, got shape {arr.shape}")
    if n_columns is not None and arr.shape[1] != n_columns:
        raise ValueError(
            f"{name} must have {n_columns} columns (one per network input), got shape {arr.shape}"
        )
    arr = np.ascontiguousarray(arr, dtype=dtype)
    if not np.isfinite(arr).all():
        bad = int(np.size(arr) - np.count_nonzero(np.isfinite(arr)))
        raise ValueError(f"{name} must contain only finite values, got {bad} NaN/inf value(s)")
    return arr


def check_rng(name: str, seed) -> np.random.Generator:
    """Turn ``seed`` (None, an int or a ``np.random.Generator``) into a Generator."""
    if seed is None or isinstance(seed, np.random.Generator):
        return np.random.default_rng(seed)
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
        raise TypeError(
            f"{name} must be None, an int or a numpy.random.Generator, got {describe(seed)}"
        )
    if seed < 0:
        raise ValueError(f"{name} must be a non-negative integer, got {seed}")
    return np.random.default_rng(int(seed))
