"""Epoch callbacks for :meth:`Network.fit`: early stopping.

A callback is any callable ``cb(network, logs)`` that ``fit`` calls after every epoch (``logs`` as in
``network.history``: ``"epoch"``, ``"loss"``, ``"val_loss"``...); setting ``network.stop_training =
True`` ends training after that epoch. :class:`EarlyStopping` is such a callable with Keras's
semantics::

    stopper = EarlyStopping(monitor="val_loss", patience=20, restore_best=True)
    net.fit(X_train, y_train, epochs=1000, validation_data=(X_test, y_test), callbacks=[stopper])
    stopper.best_epoch, stopper.best, stopper.stopped_epoch
"""
from __future__ import annotations

import math

import numpy as np

from ._validation import check_float, check_int, describe
from .parameters import parameters_to_vector, vector_to_parameters

__all__ = ["EarlyStopping"]

#: What can be monitored: the numbers ``fit`` writes into ``logs``, and whether lower is better.
MONITORS = {"val_loss": "min", "loss": "min", "val_accuracy": "max", "accuracy": "max"}


class EarlyStopping:
    """Stop training when a monitored number has stopped improving; keep the best epoch's weights.

    Used as ``net.fit(..., callbacks=[EarlyStopping(...)])``, or by a training session that calls
    ``fit`` a few epochs at a time: the callback's state carries over from one ``fit`` call to the
    next, so 100 calls of one epoch stop where one call of 100 epochs would.

    Parameters
    ----------
    monitor : {"val_loss", "loss", "val_accuracy", "accuracy"}, default "val_loss"
        The number of ``logs`` to watch. Losses must fall, accuracies rise. ``"val_*"`` needs
        ``validation_data`` in ``fit``.
    patience : int >= 0, default 10
        Epochs without improvement after which training stops (0: at the first epoch that does not
        improve).
    min_delta : float >= 0, default 0
        An epoch improves only if it beats the best by more than this.
    restore_best : bool, default True
        When training stops, write the best epoch's parameters back into the network (bit for bit).
        :meth:`restore` does it at any time.

    Attributes
    ----------
    best : float
        The best value seen (``inf`` for a loss, ``-inf`` for an accuracy before the first epoch).
    best_epoch : int or None
        ``network.epoch_`` at the end of the best epoch (counted from 1, as in ``history["epoch"]``).
    best_weights : ndarray of shape (n_params,) or None
        A copy of the parameters at the end of the best epoch (order of
        :func:`~nnviz.core.parameters_to_vector`).
    wait : int
        Epochs since the best one.
    stopped_epoch : int or None
        The epoch after which this callback stopped training (None: it has not).
    restored : bool
        Whether the network holds the best weights because this callback wrote them back.

    Notes
    -----
    Keras's ``EarlyStopping(monitor, min_delta, patience, restore_best_weights)``: after every epoch,
    ``value`` improves if ``value < best - min_delta`` (a loss) or ``value > best + min_delta`` (an
    accuracy); then ``best``, ``best_epoch`` and a copy of the weights are updated and ``wait`` goes
    back to 0, otherwise ``wait`` grows by one. Once ``wait >= patience`` the callback sets
    ``network.stop_training = True`` and, the first time, records ``stopped_epoch`` and (with
    ``restore_best``) writes the best weights back. Training that goes on afterwards (another ``fit``
    call) is stopped again after every epoch until a new best comes or ``patience`` is raised. Only
    the parameters are restored, not the optimiser's state, the counters or the history: the history
    keeps every epoch trained (the ones after the best show what early stopping saved you from).

    The state starts over by itself when the callback sees another network, or an epoch that is not
    after the last one it saw (the network was reset or rolled back); :meth:`reset` starts it over
    explicitly. A value that is None (no validation data) or not finite never counts as an
    improvement.

    Examples
    --------
    >>> from nnviz.core import Network
    >>> stopper = EarlyStopping(patience=20)
    >>> net = Network.mlp(2, [32, 32], seed=0)
    >>> net.fit(X_train, y_train, epochs=2000, validation_data=(X_test, y_test), callbacks=[stopper])
    >>> stopper.best_epoch, net.epoch_ - stopper.best_epoch  # stopped 20 epochs after the best
    """

    def __init__(self, monitor: str = "val_loss", patience: int = 10, min_delta: float = 0.0,
                 restore_best: bool = True):
        if not isinstance(monitor, str) or monitor not in MONITORS:
            raise ValueError(f"monitor must be one of {', '.join(map(repr, MONITORS))}; got {describe(monitor)}")
        if not isinstance(restore_best, (bool, np.bool_)):
            raise TypeError(f"restore_best must be True or False, got {describe(restore_best)}")
        self.monitor = monitor
        self.mode = MONITORS[monitor]
        self._patience = check_int("patience", patience, low=0)
        self.min_delta = check_float("min_delta", min_delta, low=0.0)
        self.restore_best = bool(restore_best)
        self.reset()

    # -- state ----------------------------------------------------------------------------------
    def reset(self) -> None:
        """Forget everything seen: the next epoch is the first."""
        self.best = math.inf if self.mode == "min" else -math.inf
        self.best_epoch: int | None = None
        self.best_weights: np.ndarray | None = None
        self.wait = 0
        self.stopped_epoch: int | None = None
        self.restored = False
        self._network_id: int | None = None
        self._last_epoch: int | None = None

    @property
    def patience(self) -> int:
        """Epochs without improvement after which training stops; settable at any time. Raising it
        above :attr:`wait` after a stop lets training go on (``stopped_epoch`` is cleared)."""
        return self._patience

    @patience.setter
    def patience(self, value) -> None:
        self._patience = check_int("patience", value, low=0)
        if self.stopped_epoch is not None and self.wait < self._patience:
            self.stopped_epoch = None

    @property
    def stopped(self) -> bool:
        """Whether this callback has stopped training (and not been reset since)."""
        return self.stopped_epoch is not None

    def improves(self, value) -> bool:
        """Whether ``value`` beats :attr:`best` by more than ``min_delta``."""
        if value is None or not math.isfinite(value):
            return False
        if self.mode == "min":
            return value < self.best - self.min_delta
        return value > self.best + self.min_delta

    # -- the callback ---------------------------------------------------------------------------
    def __call__(self, network, logs) -> None:
        if not isinstance(logs, dict) or self.monitor not in logs or "epoch" not in logs:
            raise TypeError(f"logs must be the dict fit passes to callbacks (with 'epoch' and {self.monitor!r}), "
                            f"got {describe(logs)}")
        epoch = int(logs["epoch"])
        if self._network_id != id(network) or (self._last_epoch is not None and epoch <= self._last_epoch):
            self.reset()
            self._network_id = id(network)
        self._last_epoch = epoch
        value = logs[self.monitor]
        if value is None:
            raise ValueError(f"EarlyStopping monitors {self.monitor!r}, but fit logged None for it: "
                             "pass validation_data to fit (or monitor 'loss')")
        self.restored = False
        if self.improves(value):
            self.best = float(value)
            self.best_epoch = epoch
            self.best_weights = parameters_to_vector(network)  # a copy
            self.wait = 0
            return
        self.wait += 1
        if self.wait >= self.patience:
            network.stop_training = True
            if self.stopped_epoch is None:
                self.stopped_epoch = epoch
                if self.restore_best:
                    self.restore(network)

    def restore(self, network) -> bool:
        """Write the best epoch's parameters into ``network`` now; False if there is no best epoch yet.

        The network must be the one the callback watched (same number of parameters)."""
        if self.best_weights is None:
            return False
        if getattr(network, "n_params", None) != self.best_weights.size:
            raise ValueError(f"network must be the one this EarlyStopping watched ({self.best_weights.size} "
                             f"parameters), got {describe(network)}")
        vector_to_parameters(self.best_weights, network)
        self.restored = True
        return True

    def __repr__(self) -> str:
        state = "no epoch yet" if self.best_epoch is None else f"best {self.monitor} {self.best:.4g} at epoch {self.best_epoch}"
        if self.stopped_epoch is not None:
            state += f", stopped after epoch {self.stopped_epoch}"
        return f"EarlyStopping(monitor={self.monitor!r}, patience={self.patience}; {state})"
