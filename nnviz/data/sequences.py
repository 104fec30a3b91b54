"""Sequence tasks for recurrent networks, from one entry point: :func:`make_sequence`.

Every task returns ``(X, y)`` with ``X`` of shape (n_samples, length, n_features) — batch first, as
``SimpleRNN`` and ``LSTM`` take it — and one target per sequence, for a network that reads the whole
sequence and answers from its last hidden state::

    X, y = make_sequence("sine", n=500, length=30, seed=0)          # y (500,) float: next value, mse
    X, y = make_sequence("memory", n=500, length=20, lag=15, seed=0)  # y (500,) 0/1: bce
    X, y = make_sequence("memory", length=20, symbols=4, seed=0)     # one-hot, y 0..3: cross_entropy
    X, y = make_sequence("text", n=500, length=16, seed=0)           # one-hot chars, y: next char
    sequence_info("memory", symbols=4)                               # task, features, classes

:data:`SEQUENCES` (name -> generator) and :data:`SEQUENCE_INFO` (name -> :class:`SequenceInfo`) list
them in dropdown order, like the toy 2-D sets' :data:`~nnviz.data.DATASETS`.

The text of ``"text"`` is Lewis Carroll's "Jabberwocky" (*Through the Looking-Glass*, 1871; public
domain), shipped as ``nnviz/data/jabberwocky.txt``.
"""
from __future__ import annotations

import functools
import numbers
from dataclasses import dataclass, field, replace
from importlib import resources
from typing import Callable

import numpy as np

from nnviz.core._validation import check_float, check_int, check_rng, describe

from ._validation import check_choice

__all__ = [
    "SEQUENCES",
    "SEQUENCE_INFO",
    "SequenceInfo",
    "load_text",
    "make_sequence",
    "memory",
    "sequence_info",
    "sine",
    "text",
]

N_SEQUENCES = 1000
SINE_LENGTH = 30
MEMORY_LENGTH = 10
TEXT_LENGTH = 16
SINE_FREQ = (0.02, 0.1)  # cycles per step: periods of 10 to 50 steps
SINE_NOISE = 0.05
NYQUIST = 0.5
TEXT_FILE = "jabberwocky.txt"


# ----------------------------------------------------------------------------- checks


def _check_flag(name, value):
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False, got {describe(value)}")
    return bool(value)


def _check_range(name, value, low, high):
    """``value`` as a pair ``(a, b)`` of floats with ``low < a <= b <= high``."""
    expected = f"a pair (low, high) of numbers with {low:g} < low <= high <= {high:g}"
    if isinstance(value, (str, bytes)) or not hasattr(value, "__len__") or len(value) != 2:
        raise TypeError(f"{name} must be {expected}, got {describe(value)}")
    a = check_float(f"{name}[0]", value[0], low=low, high=high, low_open=True)
    b = check_float(f"{name}[1]", value[1], low=low, high=high, low_open=True)
    if a > b:
        raise ValueError(f"{name} must be {expected}, got ({a:g}, {b:g})")
    return a, b


# ------------------------------------------------------------------------------ tasks


def sine(n=N_SEQUENCES, length=SINE_LENGTH, seed=None, noise=SINE_NOISE, freq=SINE_FREQ):
    """Noisy sine waves; the target is the wave's next (noise-free) value.

    Parameters
    ----------
    n : int, default=1000
        Number of sequences.
    length : int, default=30
        Steps per sequence.
    seed : int, None or numpy.random.Generator, default=None
        Source of randomness; the same int gives the same data bit for bit.
    noise : float >= 0, default=0.05
        Standard deviation of the gaussian noise added to every input step (not to the target).
    freq : pair of floats, default=(0.02, 0.1)
        Range of the frequency in cycles per step, ``0 < low <= high <= 0.5``: (0.02, 0.1) gives
        periods of 10 to 50 steps.

    Returns
    -------
    X : ndarray of shape (n_samples, length, 1), dtype float64
        ``X[i, t, 0] = sin(2 pi f_i t + phi_i) + noise * e_it`` for ``t = 0, ..., length - 1``.
    y : ndarray of shape (n_samples,), dtype float64
        ``sin(2 pi f_i length + phi_i)``, the next value without noise (a regression target for a
        one-output network and ``loss="mse"``, like the toy regression sets).

    Notes
    -----
    ``f_i ~ U(freq)`` and ``phi_i ~ U(0, 2 pi)``, ``e_it ~ N(0, 1)``. Draw order: all frequencies,
    all phases, then the (n, length) noise. With noise the best possible mse is above zero only in
    what the noise hides of the phase; a network that beats "repeat the last value" has learned the
    wave.
    """
    n = check_int("n", n, low=1)
    length = check_int("length", length, low=1)
    rng = check_rng("seed", seed)
    noise = check_float("noise", noise, low=0.0)
    low, high = _check_range("freq", freq, 0.0, NYQUIST)
    f = rng.uniform(low, high, size=n)
    phase = rng.uniform(0.0, 2.0 * np.pi, size=n)
    e = rng.standard_normal((n, length))
    t = np.arange(length + 1, dtype=np.float64)
    wave = np.sin(2.0 * np.pi * f[:, None] * t + phase[:, None])
    X = wave[:, :length] + noise * e
    return X[:, :, None], wave[:, length].copy()


def memory(n=N_SEQUENCES, length=MEMORY_LENGTH, seed=None, lag=None, symbols=2, one_hot=None):
    """Random symbols; the answer is the symbol seen ``lag`` steps before the last one.

    A network must carry one input through ``lag`` updates of its hidden state: easy for an LSTM,
    hard for a simple RNN once ``lag`` grows (the vanishing gradient).

    Parameters
    ----------
    n : int, default=1000
        Number of sequences.
    length : int, default=10
        Steps per sequence.
    seed : int, None or numpy.random.Generator, default=None
        Source of randomness; the same int gives the same data bit for bit.
    lag : int in [0, length - 1] or None, default=None
        How many steps before the last one the answer was shown: 0 is the last input, ``length - 1``
        the first. None means ``length - 1`` (remember the first input).
    symbols : int >= 2, default=2
        Number of distinct symbols.
    one_hot : bool or None, default=None
        How a symbol is fed: one-hot over ``symbols`` features, or (two symbols only) one feature of
        value -1 or +1. None: +-1 for two symbols, one-hot for more.

    Returns
    -------
    X : ndarray of shape (n_samples, length, n_features), dtype float64
        ``n_features = 1`` (values -1.0 for symbol 0 and +1.0 for symbol 1) or ``symbols`` (one-hot).
    y : ndarray of shape (n_samples,), dtype int64
        The symbol at step ``length - 1 - lag``: a class label, for ``loss="bce"`` (two symbols, one
        sigmoid output) or ``loss="cross_entropy"`` (``symbols`` outputs).

    Raises
    ------
    ValueError
        If ``lag >= length`` or ``lag < 0``, ``symbols < 2``, or ``one_hot=False`` with more than two
        symbols.

    Notes
    -----
    Symbols ``s_it`` are drawn uniformly from ``0..symbols-1`` as one (n, length) ``rng.integers`` call;
    ``y_i = s_{i, length - 1 - lag}``. The other inputs are noise the network must learn to ignore;
    guessing gives an accuracy of ``1 / symbols``.
    """
    n = check_int("n", n, low=1)
    length = check_int("length", length, low=1)
    rng = check_rng("seed", seed)
    lag = _check_lag(lag, length)
    symbols = check_int("symbols", symbols, low=2)
    one_hot = _memory_one_hot(one_hot, symbols)
    s = rng.integers(0, symbols, size=(n, length))
    y = s[:, length - 1 - lag].astype(np.int64)
    if one_hot:
        return np.eye(symbols)[s], y
    return (2.0 * s - 1.0)[:, :, None], y


def _check_lag(lag, length):
    if lag is None:
        return length - 1
    if isinstance(lag, bool) or not isinstance(lag, numbers.Integral):
        raise TypeError(f"lag must be None or an integer in [0, {length - 1}], got {describe(lag)}")
    if not 0 <= lag < length:
        raise ValueError(
            f"lag must be an integer in [0, {length - 1}] (less than length={length}), got {int(lag)}"
        )
    return int(lag)


def _memory_one_hot(one_hot, symbols):
    if one_hot is None:
        return symbols > 2
    one_hot = _check_flag("one_hot", one_hot)
    if not one_hot and symbols > 2:
        raise ValueError(
            f"one_hot=False feeds one feature of -1 or +1, which only holds 2 symbols; got symbols={symbols}"
        )
    return one_hot


@functools.lru_cache(maxsize=1)
def _read_text() -> str:
    raw = resources.files(__package__).joinpath(TEXT_FILE).read_text(encoding="utf-8")
    return raw.strip("\n")


def load_text(lower=True) -> str:
    """The text of the ``"text"`` task: Lewis Carroll's "Jabberwocky" (1871, public domain).

    Parameters
    ----------
    lower : bool, default=True
        Lower-case it (a smaller alphabet to learn).

    Returns
    -------
    str
        The poem, lines joined by ``"\\n"``, stanzas by a blank line.
    """
    lower = _check_flag("lower", lower)
    body = _read_text()
    return body.lower() if lower else body


def _alphabet(lower):
    return tuple(sorted(set(load_text(lower))))


def text(n=N_SEQUENCES, length=TEXT_LENGTH, seed=None, lower=True):
    """Windows of a short poem as one-hot characters; the target is the character that follows.

    Parameters
    ----------
    n : int, default=1000
        Number of windows.
    length : int, default=16
        Characters per window, at most ``len(load_text(lower)) - 1``.
    seed : int, None or numpy.random.Generator, default=None
        Source of randomness (the start of each window); the same int gives the same data.
    lower : bool, default=True
        Lower-case the text first (fewer characters).

    Returns
    -------
    X : ndarray of shape (n_samples, length, n_chars), dtype float64
        One-hot characters; column ``k`` is ``sequence_info("text", lower=lower).symbols[k]``
        (the text's distinct characters, sorted; ``"\\n"`` first).
    y : ndarray of shape (n_samples,), dtype int64
        Index of the next character, for ``loss="cross_entropy"`` with ``n_chars`` outputs.

    Notes
    -----
    The text is Lewis Carroll's "Jabberwocky" (*Through the Looking-Glass*, 1871), public domain.
    Window starts are ``rng.integers(0, len(text) - length, size=n)``, so windows overlap and repeat.
    """
    n = check_int("n", n, low=1)
    lower = _check_flag("lower", lower)
    body = load_text(lower)
    length = check_int("length", length, low=1, high=len(body) - 1)
    rng = check_rng("seed", seed)
    alphabet = _alphabet(lower)
    codes = np.searchsorted(np.array(alphabet), np.array(list(body)))
    starts = rng.integers(0, len(body) - length, size=n)
    windows = codes[starts[:, None] + np.arange(length + 1)]
    return np.eye(len(alphabet))[windows[:, :length]], windows[:, length].astype(np.int64)


# ------------------------------------------------------------------------------ registry


@dataclass(frozen=True)
class SequenceInfo:
    """What a sequence task is, for the UI: its task, input width, classes and defaults.

    Attributes
    ----------
    name : str
        Key in :data:`SEQUENCES`.
    generator : callable
        ``generator(n, length, seed, **params) -> (X, y)``.
    task : {"binary", "multiclass", "regression"}
        Decides the output layer and loss (one sigmoid + ``"bce"``, softmax + ``"cross_entropy"``,
        one linear output + ``"mse"``).
    n_features : int
        Size of the last axis of ``X``.
    n_classes : int or None
        Number of classes; None for regression.
    default_n, default_length : int
        Sequences and steps when not given.
    description : str
        One line for a dropdown tooltip.
    params : tuple of str
        Extra keyword arguments the generator accepts.
    symbols : tuple of str
        What each class (and one-hot feature) stands for, e.g. the characters of ``"text"``.
    """

    name: str
    generator: Callable = field(repr=False, compare=False)
    task: str
    n_features: int
    n_classes: int | None
    default_n: int
    default_length: int
    description: str = ""
    params: tuple[str, ...] = ()
    symbols: tuple[str, ...] = field(default=(), repr=False)


def _memory_info(info, params):
    symbols = check_int("symbols", params.get("symbols", 2), low=2)
    one_hot = _memory_one_hot(params.get("one_hot"), symbols)
    return replace(
        info,
        task="binary" if symbols == 2 else "multiclass",
        n_features=symbols if one_hot else 1,
        n_classes=symbols,
        symbols=tuple(str(k) for k in range(symbols)),
    )


def _text_info(info, params):
    alphabet = _alphabet(_check_flag("lower", params.get("lower", True)))
    return replace(info, n_features=len(alphabet), n_classes=len(alphabet), symbols=alphabet)


#: Metadata of every sequence task, in the order a dropdown shows them.
SEQUENCE_INFO = {
    info.name: info
    for info in (
        SequenceInfo("sine", sine, "regression", 1, None, N_SEQUENCES, SINE_LENGTH,
                     "next value of a noisy sine wave", ("noise", "freq")),
        SequenceInfo("memory", memory, "binary", 1, 2, N_SEQUENCES, MEMORY_LENGTH,
                     "recall the symbol seen lag steps before the end", ("lag", "symbols", "one_hot"),
                     ("0", "1")),
        SequenceInfo("text", text, "multiclass", len(_alphabet(True)), len(_alphabet(True)),
                     N_SEQUENCES, TEXT_LENGTH, "next character of 'Jabberwocky'", ("lower",),
                     _alphabet(True)),
    )
}

#: Registry of sequence generators: name -> ``generator(n, length, seed, **params)``.
SEQUENCES = {name: info.generator for name, info in SEQUENCE_INFO.items()}

_REFINE = {"memory": _memory_info, "text": _text_info}


def _check_params(info, params):
    unknown = sorted(set(params) - set(info.params))
    if unknown:
        raise TypeError(
            f"unexpected keyword argument {unknown[0]!r} for sequence {info.name!r}; "
            f"accepted: {', '.join(info.params) or 'none'}"
        )


def sequence_info(name, **params):
    """Return the :class:`SequenceInfo` of a sequence task, for the options you will pass.

    Parameters
    ----------
    name : str
        A key of :data:`SEQUENCES`.
    **params
        The options you will pass to :func:`make_sequence`; ``symbols``/``one_hot`` of ``"memory"``
        and ``lower`` of ``"text"`` change the task, ``n_features``, ``n_classes`` and ``symbols``.

    Returns
    -------
    info : SequenceInfo

    Raises
    ------
    ValueError
        If ``name`` is unknown (the message lists the known names) or an option has a bad value.
    TypeError
        If ``name`` is not a str or an option does not belong to the task.
    """
    check_choice(name, "name", tuple(SEQUENCE_INFO), "sequence")
    info = SEQUENCE_INFO[name]
    _check_params(info, params)
    refine = _REFINE.get(name)
    return info if refine is None else refine(info, params)


def make_sequence(name, n=None, length=None, seed=None, **params):
    """Generate a named sequence task.

    Parameters
    ----------
    name : str
        One of :data:`SEQUENCES`: ``"sine"``, ``"memory"``, ``"text"``.
    n : int or None, default=None
        Number of sequences; None uses the task's default (1000).
    length : int or None, default=None
        Steps per sequence; None uses the task's default (30 for ``"sine"``, 10 for ``"memory"``,
        16 for ``"text"``).
    seed : int, None or numpy.random.Generator, default=None
        Source of randomness. The same int gives the same data bit for bit; None draws fresh
        entropy; a Generator is used (and advanced) as is.
    **params
        Options of a task: ``noise``, ``freq`` (``"sine"``); ``lag``, ``symbols``, ``one_hot``
        (``"memory"``); ``lower`` (``"text"``). See :func:`sine`, :func:`memory`, :func:`text`.

    Returns
    -------
    X : ndarray of shape (n_samples, length, n_features), dtype float64
    y : ndarray of shape (n_samples,)
        float64 targets for ``"sine"`` (regression), int64 class labels for the others.

    Raises
    ------
    ValueError
        If ``name`` is unknown (the message lists the valid names), ``n`` or ``length`` is below 1,
        ``lag`` is not below ``length``, or an option has a bad value.
    TypeError
        If an argument has the wrong type or an option does not belong to the task.

    Examples
    --------
    >>> X, y = make_sequence("memory", n=4, length=6, lag=2, seed=0)
    >>> X.shape, y.shape, bool((y == (X[:, -3, 0] > 0)).all())
    ((4, 6, 1), (4,), True)
    """
    info = sequence_info(name, **params)
    n = info.default_n if n is None else n
    length = info.default_length if length is None else length
    return info.generator(n=n, length=length, seed=seed, **params)
