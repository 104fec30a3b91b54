"""The 8 x 8 handwritten digits (UCI, CC BY 4.0), shipped inside the package: no download.

1,797 images of the digits 0-9, each an 8 x 8 grid of integers 0..16 (the number of "on" pixels in a
4 x 4 block of a 32 x 32 bitmap), about 180 per class. They are the test set of

    E. Alpaydin and C. Kaynak (1998), "Optical Recognition of Handwritten Digits",
    UCI Machine Learning Repository, https://doi.org/10.24432/C50P49,
    licensed CC BY 4.0 (https://creativecommons.org/licenses/by/4.0/),

in the order of scikit-learn's bundled copy (``sklearn.datasets.load_digits``), from which
``scripts/make_digits.py`` wrote ``digits.npz`` (uint8, ``numpy.savez_compressed``) once. The full
attribution ships beside it in ``DIGITS_ATTRIBUTION.txt`` (also :data:`DIGITS_ATTRIBUTION`).

::

    X, y = load_digits()                                  # X (1797, 1, 8, 8) in [0, 1], y (1797,)
    X, y = load_digits(classes=range(5))                  # digits 0-4 only
    X, y = load_digits(classes=range(5, 10), relabel=True)   # digits 5-9 as labels 0-4
    X, y = load_digits(flat=True)                         # X (1797, 64), for a Dense network
"""
from __future__ import annotations

import functools
import numbers
import zipfile
from importlib import resources

import numpy as np

from nnviz.core._validation import check_dtype, describe

__all__ = ["DIGITS_ATTRIBUTION", "N_DIGITS", "load_digits"]

#: Number of images in the data set.
N_DIGITS = 1797
DIGITS_FILE = "digits.npz"
ATTRIBUTION_FILE = "DIGITS_ATTRIBUTION.txt"
N_CLASSES = 10
MAX_VALUE = 16

#: Who made the data and under which licence (the short form; the long one is in DIGITS_ATTRIBUTION.txt).
DIGITS_ATTRIBUTION = (
    'Optical Recognition of Handwritten Digits, E. Alpaydin and C. Kaynak (1998), UCI Machine '
    "Learning Repository, https://doi.org/10.24432/C50P49, licensed CC BY 4.0 "
    "(https://creativecommons.org/licenses/by/4.0/). Values unchanged, in scikit-learn's order."
)


@functools.lru_cache(maxsize=1)
def _raw_digits() -> tuple[np.ndarray, np.ndarray]:
    """The stored ``(images, labels)`` as read-only uint8 arrays of shape (1797, 8, 8) and (1797,).

    Read and checked once per process; callers must copy before handing anything out.
    """
    source = resources.files(__package__).joinpath(DIGITS_FILE)
    try:
        with source.open("rb") as fh, np.load(fh, allow_pickle=False) as data:
            images, labels = data["images"], data["labels"]
    except FileNotFoundError:
        raise FileNotFoundError(
            f"nnviz/data/{DIGITS_FILE} is missing from this installation; reinstall nnviz-lab "
            "(in a source checkout, run scripts/make_digits.py)"
        ) from None
    except (KeyError, ValueError, OSError, EOFError, zipfile.BadZipFile) as exc:
        raise ValueError(f"nnviz/data/{DIGITS_FILE} is damaged ({exc}); reinstall nnviz-lab") from None
    if (
        images.shape != (N_DIGITS, 8, 8) or labels.shape != (N_DIGITS,)
        or images.dtype != np.uint8 or labels.dtype != np.uint8
        or images.max() > MAX_VALUE or labels.max() >= N_CLASSES
    ):
        raise ValueError(f"nnviz/data/{DIGITS_FILE} does not hold the expected digits; reinstall nnviz-lab")
    images.flags.writeable = False
    labels.flags.writeable = False
    return images, labels


def _check_classes(classes) -> np.ndarray | None:
    """``classes`` as an int64 array of distinct digits 0..9 in the caller's order (None: all)."""
    if classes is None:
        return None
    expected = "a sequence of distinct digits 0..9 such as range(5) or [5, 6, 7, 8, 9]"
    if isinstance(classes, (str, bytes, numbers.Number)) or not hasattr(classes, "__iter__"):
        raise TypeError(f"classes must be None or {expected}, got {describe(classes)}")
    values = list(classes)
    for value in values:
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
            raise TypeError(f"classes must be None or {expected}, got an element {describe(value)}")
    if not values:
        raise ValueError(f"classes must name at least one digit, got {describe(classes)}")
    bad = [int(v) for v in values if not 0 <= v < N_CLASSES]
    if bad:
        raise ValueError(f"classes must hold digits 0..9, got {bad[0]}")
    seen = set()
    for value in values:
        if int(value) in seen:
            raise ValueError(f"classes must not repeat a digit, got {int(value)} more than once")
        seen.add(int(value))
    return np.array(values, dtype=np.int64)


def _check_flag(name: str, value) -> bool:
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False, got {describe(value)}")
    return bool(value)


def load_digits(classes=None, flat=False, relabel=False, dtype=np.float64):
    """The 1,797 8 x 8 handwritten digits, scaled to [0, 1], in scikit-learn's order.

    Parameters
    ----------
    classes : sequence of int or None, default=None
        Keep only these digits (distinct, each in 0..9), e.g. ``range(5)`` to pretrain on 0-4 and
        ``range(5, 10)`` for the transfer-learning half. The images keep their order in the full set.
        None keeps all ten.
    flat : bool, default=False
        False gives images of shape (n_samples, 1, 8, 8) (one channel, for ``Conv2D``); True gives rows
        of shape (n_samples, 64) (row by row, as ``sklearn``'s ``data``), for a ``Dense`` network.
    relabel : bool, default=False
        False keeps the digits as labels. True replaces each label by its position in ``classes``, so
        ``classes=range(5, 10), relabel=True`` gives labels 0..4 for a 5-output network. Needs
        ``classes``.
    dtype : numpy.float64 or numpy.float32, default=numpy.float64
        Floating-point type of ``X``.

    Returns
    -------
    X : ndarray of shape (n_samples, 1, 8, 8), or (n_samples, 64) when ``flat``
        Pixel values ``v / 16`` for the stored integers ``v`` in 0..16, so exactly multiples of
        1/16 in [0, 1]. A new array on every call (yours to modify).
    y : ndarray of shape (n_samples,), dtype int64
        The digit of each image (or its index in ``classes`` when ``relabel``).

    Raises
    ------
    TypeError
        If ``classes`` is not a sequence of ints, ``flat`` or ``relabel`` is not a bool, or ``dtype``
        is not a float type.
    ValueError
        If ``classes`` is empty, repeats a digit or names one outside 0..9, ``relabel`` is True
        without ``classes``, or ``dtype`` is not float32/float64.

    Notes
    -----
    Data: E. Alpaydin and C. Kaynak (1998), "Optical Recognition of Handwritten Digits", UCI Machine
    Learning Repository, https://doi.org/10.24432/C50P49, CC BY 4.0 (see :data:`DIGITS_ATTRIBUTION`
    and ``nnviz/data/DIGITS_ATTRIBUTION.txt``). The file is read once per process (never unpickled);
    later calls only copy and scale.

    Examples
    --------
    >>> X, y = load_digits()
    >>> X.shape, X.dtype, y[:10].tolist()
    ((1797, 1, 8, 8), dtype('float64'), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
    >>> X, y = load_digits(classes=range(5, 10), relabel=True, flat=True)
    >>> X.shape, sorted(set(y.tolist()))
    ((896, 64), [0, 1, 2, 3, 4])
    """
    wanted = _check_classes(classes)
    flat = _check_flag("flat", flat)
    relabel = _check_flag("relabel", relabel)
    dtype = check_dtype("dtype", dtype)
    if relabel and wanted is None:
        raise ValueError("relabel=True needs classes (the digits to number 0, 1, ...), got classes=None")
    images, labels = _raw_digits()
    if wanted is not None:
        keep = np.isin(labels, wanted)
        images, labels = images[keep], labels[keep]
    X = images.astype(dtype)  # a fresh array; / 16 is exact in binary floating point
    X /= MAX_VALUE
    X = X.reshape(len(X), 64) if flat else X.reshape(len(X), 1, 8, 8)
    y = labels.astype(np.int64)
    if relabel:
        position = np.empty(N_CLASSES, dtype=np.int64)
        position[wanted] = np.arange(len(wanted))
        y = position[y]
    return X, y
