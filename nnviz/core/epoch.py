"""One epoch of ``Network.fit``, one mini-batch at a time: what :meth:`Network.iter_epoch` returns.

It runs ``fit``'s own pieces (``_begin_epoch``, ``_batch_update``, ``_end_epoch`` inside
``_training``), so stepping an epoch batch by batch and ``fit(epochs=1)`` cannot drift apart.
"""
from __future__ import annotations

import numpy as np

from ._validation import check_int

__all__ = ["EpochIterator"]


class EpochIterator:
    """One training epoch of ``network``, one mini-batch update per ``next()``.

    Made by :meth:`nnviz.core.Network.iter_epoch` (see there). Nothing happens before the first
    ``next()``; that one draws the epoch's permutation. After the last batch, one more ``next()``
    closes the epoch exactly as ``fit`` does and raises ``StopIteration``.

    Attributes
    ----------
    network : Network
    order : ndarray of int of shape (n_samples,) or None
        The epoch's order of the samples (indices into ``X``), None before the first ``next()``.
    batch_size : int
        Samples of the next update (settable between steps: the order is kept).
    batches_done, samples_done : int
        Updates made in this epoch and the samples they used.
    finished : bool
        True once the epoch ended (counted in ``network.history``) or training diverged.
    logs : dict or None
        The epoch's logs (its ``history`` row) once it ended.

    Examples
    --------
    >>> steps = net.iter_epoch(X, y, batch_size=10)    # doctest: +SKIP
    >>> logs = next(steps); logs["batch_indices"]       # the 10 samples of the first update  # doctest: +SKIP
    >>> steps.batch_size = 25                           # the next batches take 25  # doctest: +SKIP
    >>> for logs in steps: pass                         # the rest of the epoch, then its end  # doctest: +SKIP
    """

    def __init__(self, network, X, T, batch_size, shuffle, val, callbacks):
        self.network = network
        self._X, self._T, self._shuffle, self._val, self._callbacks = X, T, shuffle, val, callbacks
        self._Xs = self._Ts = None
        self.batch_size = batch_size
        self.order: np.ndarray | None = None
        self.batches_done = 0
        self.samples_done = 0
        self.finished = False
        self.logs: dict | None = None

    @property
    def batch_size(self) -> int:
        return self._batch_size

    @batch_size.setter
    def batch_size(self, value) -> None:
        self._batch_size = check_int("batch_size", value, low=1)

    @property
    def n_samples(self) -> int:
        return len(self._X)

    @property
    def at_end(self) -> bool:
        """Every sample has been trained on: the next ``next()`` ends the epoch."""
        return self.samples_done >= len(self._X)

    def __iter__(self) -> "EpochIterator":
        return self

    def __next__(self) -> dict:
        if self.finished:
            raise StopIteration
        net, n = self.network, len(self._X)
        try:
            with net._training():
                if self.order is None:  # the epoch starts as fit(epochs=1) starts it
                    net.stop_training = False
                    net._first_yardstick(self._X, self._T)
                    order = net._begin_epoch(n, self._shuffle)
                    Xt = net._train_inputs(self._X)
                    self._Xs, self._Ts = (Xt, self._T) if order is None else (Xt[order], self._T[order])
                    self.order = np.arange(n) if order is None else order
                if self.samples_done < n:
                    start = self.samples_done
                    logs = net._batch_update(self._Xs, self._Ts, start, start + self._batch_size, self.order,
                                             self.batches_done)
                    self.batches_done += 1
                    self.samples_done = min(n, start + self._batch_size)
                    return logs
                self.finished = True
                loss, acc = net._evaluate(self._X, self._T)
                self.logs = net._end_epoch(loss, acc, self._val, None, self._callbacks)
        except BaseException:
            self.finished = True  # a divergence rolled the parameters back: this epoch is over
            raise
        self._Xs = self._Ts = None
        raise StopIteration

    def close(self) -> None:
        """Abandon the epoch: the updates made stay, the epoch is not counted."""
        self.finished = True
        self._Xs = self._Ts = None

    def __repr__(self) -> str:
        state = ("ended" if self.logs is not None else "finished" if self.finished else
                 "not started" if self.order is None else "in progress")
        return (f"EpochIterator(epoch {self.network.epoch_ + (0 if self.logs is not None else 1)}, "
                f"{self.batches_done} updates on {self.samples_done}/{len(self._X)} samples, "
                f"batch {self._batch_size}, {state})")
