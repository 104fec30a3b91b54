"""The capacity sweep: train and test error against the number of hidden units.

One network per hidden width, each trained to convergence from its own seeded start, on the same data.
Small networks underfit (both errors high); as the width grows the training error keeps falling while
the test error stops falling and, on a small noisy training set, rises again: overfitting.

The sweep is a :class:`CapacitySweeper` that trains a few epochs per :meth:`~CapacitySweeper.step`, so
that a widget can run it in slices, show its progress and keep the kernel answering in between;
:func:`iter_capacity_sweep` yields each width's result as it is done and :func:`capacity_sweep` runs it
all (with an optional progress callback).

Stopping rule
-------------
A width has **converged** when its training loss (the data loss on the whole training set, measured
after every epoch) has not reached a new best by more than ``tol`` × the best so far for ``patience``
epochs in a row, or has fallen below ``min_loss``; it stops unconverged at ``max_epochs``. With the
default full-batch Adam the training loss falls smoothly, so a plateau means the optimiser has settled.
"""
from __future__ import annotations

import math
import numbers
from dataclasses import dataclass

import numpy as np

from nnviz.core import DivergedError, Network, make_optimizer
from nnviz.core._validation import check_float, check_int, check_matrix, describe

__all__ = ["DEFAULT_WIDTHS", "CapacityPoint", "CapacitySweep", "CapacitySweeper", "capacity_sweep",
           "iter_capacity_sweep"]

#: Hidden units tried by default: eight widths, doubling.
DEFAULT_WIDTHS = (1, 2, 4, 8, 16, 32, 64, 128)


@dataclass(frozen=True)
class CapacityPoint:
    """One trained width.

    Attributes
    ----------
    width : int
        Hidden units per hidden layer.
    n_params : int
    epochs : int
        Epochs trained.
    converged : bool
        Whether the stopping rule ended the training (False: ``max_epochs`` or divergence).
    stop_reason : str
        ``"plateau"``, ``"min_loss"``, ``"max_epochs"`` or ``"diverged"``.
    train_loss, test_loss : float
        Data losses at the end.
    train_error, test_error : float
        Misclassification rate (1 − accuracy) for classification; the data loss for regression.
    """

    width: int
    n_params: int
    epochs: int
    converged: bool
    stop_reason: str
    train_loss: float
    test_loss: float
    train_error: float
    test_error: float

    def __repr__(self) -> str:
        return (f"CapacityPoint(width={self.width}, {self.n_params} parameters, {self.epochs} epochs, "
                f"{self.stop_reason}; train error {self.train_error:.4g}, test error {self.test_error:.4g})")


@dataclass(frozen=True, eq=False)
class CapacitySweep:
    """Every width of a finished (or partial) sweep; the arrays a chart draws, in width order."""

    points: tuple

    def _array(self, name, dtype=float) -> np.ndarray:
        return np.array([getattr(p, name) for p in self.points], dtype=dtype)

    @property
    def widths(self) -> np.ndarray:
        return self._array("width", np.int64)

    @property
    def n_params(self) -> np.ndarray:
        return self._array("n_params", np.int64)

    @property
    def epochs(self) -> np.ndarray:
        return self._array("epochs", np.int64)

    @property
    def converged(self) -> np.ndarray:
        return self._array("converged", bool)

    @property
    def train_error(self) -> np.ndarray:
        return self._array("train_error")

    @property
    def test_error(self) -> np.ndarray:
        return self._array("test_error")

    @property
    def train_loss(self) -> np.ndarray:
        return self._array("train_loss")

    @property
    def test_loss(self) -> np.ndarray:
        return self._array("test_loss")

    @property
    def best_width(self) -> int | None:
        """The width with the lowest test error (the smallest such width on a tie)."""
        if not self.points:
            return None
        return int(self.widths[int(np.argmin(self.test_error))])

    def __len__(self) -> int:
        return len(self.points)

    def __repr__(self) -> str:
        if not self.points:
            return "CapacitySweep(0 widths)"
        return (f"CapacitySweep({len(self)} widths {self.widths.tolist()}, best test error "
                f"{self.test_error.min():.4g} at width {self.best_width})")


def _infer_loss(y_train, y_test) -> tuple[str, int]:
    y = np.concatenate([np.asarray(y_train).reshape(len(y_train), -1)[:, 0],
                        np.asarray(y_test).reshape(len(y_test), -1)[:, 0]])
    if y.dtype.kind == "f" or np.asarray(y_train).ndim == 2 and np.asarray(y_train).shape[1] > 1:
        n_out = 1 if np.asarray(y_train).ndim == 1 else np.asarray(y_train).shape[1]
        return "mse", n_out
    if y.dtype.kind not in "biu":
        raise TypeError(f"y_train must hold class labels (integers) or float targets, got dtype {y.dtype}")
    return ("bce", 1) if y.max() <= 1 else ("cross_entropy", int(y.max()) + 1)


class CapacitySweeper:
    """Train one network per hidden width, a few epochs per :meth:`step` (see the module docstring).

    Parameters
    ----------
    X_train, y_train : array-like
        Training data, ``X`` of shape (n_samples, n_inputs).
    X_test, y_test : array-like
        Held-out data, measured at the end of each width.
    widths : sequence of int, default :data:`DEFAULT_WIDTHS`
        Hidden units per hidden layer, each >= 1 (trained in the order given).
    layers : int, default 1
        Number of hidden layers, each of ``width`` units.
    activation : str, default "tanh"
    loss : str or None
        None: ``"bce"`` for 0/1 labels, ``"cross_entropy"`` for more classes, ``"mse"`` for float targets.
    optimizer : optimiser spec, default ``{"type": "adam", "lr": 0.01}``
        As ``Network(optimizer=...)``; each width gets a fresh one.
    batch_size : int or None, default None
        None trains full-batch (smooth curves, a clean plateau).
    max_epochs : int, default 5000
    patience : int, default 100
    tol : float, default 1e-3
        Relative improvement of the best training loss that counts as progress.
    min_loss : float, default 1e-3
        A training loss below this counts as converged at once (the data are fitted).
    l1, l2 : float, default 0
    seed : int, default 0
        Width ``k`` (0-based) starts from the weights of ``seed + k``; shuffling follows the same seed.

    Attributes
    ----------
    points : list of CapacityPoint
        The widths done so far.
    network : Network or None
        The network being trained now (None when done).
    """

    def __init__(self, X_train, y_train, X_test, y_test, widths=DEFAULT_WIDTHS, *, layers: int = 1,
                 activation: str = "tanh", loss: str | None = None, optimizer=None, batch_size: int | None = None,
                 max_epochs: int = 5000, patience: int = 100, tol: float = 1e-3, min_loss: float = 1e-3,
                 l1: float = 0.0, l2: float = 0.0, seed: int = 0):
        self.X_train = check_matrix("X_train", X_train)
        self.X_test = check_matrix("X_test", X_test, n_columns=self.X_train.shape[1])
        if isinstance(widths, numbers.Integral) or not hasattr(widths, "__iter__"):
            raise TypeError(f"widths must be a sequence of hidden-layer sizes, got {describe(widths)}")
        self.widths = tuple(check_int(f"widths[{i}]", w, low=1) for i, w in enumerate(widths))
        if not self.widths:
            raise ValueError("widths must hold at least one width, got none")
        self.layers = check_int("layers", layers, low=1)
        self.max_epochs = check_int("max_epochs", max_epochs, low=1)
        self.patience = check_int("patience", patience, low=1)
        self.tol = check_float("tol", tol, low=0.0)
        self.min_loss = check_float("min_loss", min_loss, low=0.0)
        if not isinstance(seed, numbers.Integral) or isinstance(seed, bool):
            raise TypeError(f"seed must be an int (width k starts from seed + k), got {describe(seed)}")
        self.seed = int(seed)
        inferred, n_out = _infer_loss(y_train, y_test)
        self.loss = inferred if loss is None else loss
        self.n_outputs = n_out if self.loss == inferred else (
            int(np.max(y_train)) + 1 if self.loss == "cross_entropy" else n_out)
        self.activation = activation
        # as a config, so that every width gets a fresh optimiser (an instance passed in is not shared)
        self.optimizer = make_optimizer({"type": "adam", "lr": 0.01} if optimizer is None else optimizer).get_config()
        self.batch_size = len(self.X_train) if batch_size is None else check_int("batch_size", batch_size, low=1)
        self.l1, self.l2 = l1, l2
        # build the first network now: checks the data against the loss, the activation, l1/l2
        self.y_train, self.y_test = y_train, y_test
        self.points: list[CapacityPoint] = []
        self.network: Network | None = None
        self._start_width()
        self.network.evaluate(self.X_test, y_test)

    # -- the state of the sweep ---------------------------------------------------------------
    @property
    def done(self) -> bool:
        return len(self.points) == len(self.widths)

    @property
    def current_width(self) -> int | None:
        return None if self.done else self.widths[len(self.points)]

    @property
    def epochs_done(self) -> int:
        """Epochs of the width being trained now."""
        return 0 if self.network is None else self.network.epoch_

    @property
    def progress(self) -> float:
        """Fraction done, in [0, 1]: finished widths plus the current one's share of ``max_epochs``."""
        if self.done:
            return 1.0
        return (len(self.points) + min(self.epochs_done / self.max_epochs, 0.99)) / len(self.widths)

    def result(self) -> CapacitySweep:
        """The widths done so far, as a :class:`CapacitySweep`."""
        return CapacitySweep(tuple(self.points))

    # -- training -----------------------------------------------------------------------------
    def _start_width(self) -> None:
        k = len(self.points)
        net = Network.mlp(self.X_train.shape[1], [self.widths[k]] * self.layers, n_outputs=self.n_outputs,
                          activation=self.activation, loss=self.loss, optimizer=dict(self.optimizer),
                          l1=self.l1, l2=self.l2, seed=self.seed + k)
        if k == 0:
            net.evaluate(self.X_train, self.y_train)
        self.network = net
        self._best = math.inf
        self._since_best = 0
        self._reason = None

    def _after_epoch(self, network, logs) -> None:
        loss = logs["loss"]
        if loss < self._best * (1.0 - self.tol):
            self._best = loss
            self._since_best = 0
        else:
            self._best = min(self._best, loss)
            self._since_best += 1
        if loss < self.min_loss:
            self._reason = "min_loss"
        elif self._since_best >= self.patience:
            self._reason = "plateau"
        elif network.epoch_ >= self.max_epochs:
            self._reason = "max_epochs"
        if self._reason is not None:
            network.stop_training = True

    def step(self, epochs: int = 20) -> CapacityPoint | None:
        """Train the current width for up to ``epochs`` more epochs.

        Returns
        -------
        CapacityPoint or None
            The width's result when it finished in this call (the next call starts the next width),
            else None. Calling it after the sweep is done returns None.
        """
        epochs = check_int("epochs", epochs, low=1)
        if self.done:
            return None
        net = self.network
        budget = min(epochs, self.max_epochs - net.epoch_)
        try:
            net.fit(self.X_train, self.y_train, epochs=budget, batch_size=self.batch_size,
                    callbacks=[self._after_epoch])
        except DivergedError:
            self._reason = "diverged"
        if self._reason is None and net.epoch_ >= self.max_epochs:
            self._reason = "max_epochs"
        if self._reason is None:
            return None
        return self._finish()

    def _finish(self) -> CapacityPoint:
        net = self.network
        train_loss, train_acc = net.evaluate(self.X_train, self.y_train)
        test_loss, test_acc = net.evaluate(self.X_test, self.y_test)
        point = CapacityPoint(
            width=self.current_width,
            n_params=net.n_params,
            epochs=net.epoch_,
            converged=self._reason in ("plateau", "min_loss"),
            stop_reason=self._reason,
            train_loss=float(train_loss),
            test_loss=float(test_loss),
            train_error=float(train_loss if train_acc is None else 1.0 - train_acc),
            test_error=float(test_loss if test_acc is None else 1.0 - test_acc),
        )
        self.points.append(point)
        if self.done:
            self.network = None
        else:
            self._start_width()
        return point

    def run(self, progress=None) -> CapacitySweep:
        """Train every remaining width; ``progress(sweeper, point)`` is called after each (if given)."""
        if progress is not None and not callable(progress):
            raise TypeError(f"progress must be callable as progress(sweeper, point), got {describe(progress)}")
        while not self.done:
            point = self.step(self.max_epochs)
            if point is not None and progress is not None:
                progress(self, point)
        return self.result()

    def __repr__(self) -> str:
        state = "done" if self.done else f"training width {self.current_width} (epoch {self.epochs_done})"
        return f"CapacitySweeper({len(self.points)} of {len(self.widths)} widths, {state})"


def iter_capacity_sweep(X_train, y_train, X_test, y_test, widths=DEFAULT_WIDTHS, **kwargs):
    """Yield a :class:`CapacityPoint` per width as soon as it is trained (a generator; arguments as
    :class:`CapacitySweeper`). A loop that awaits between items keeps a notebook kernel answering."""
    sweeper = CapacitySweeper(X_train, y_train, X_test, y_test, widths, **kwargs)
    while not sweeper.done:
        point = sweeper.step(sweeper.max_epochs)
        if point is not None:
            yield point


def capacity_sweep(X_train, y_train, X_test, y_test, widths=DEFAULT_WIDTHS, *, progress=None,
                   **kwargs) -> CapacitySweep:
    """Train one network per width to convergence and return train and test error per width.

    Arguments as :class:`CapacitySweeper`; ``progress(sweeper, point)`` is called after each width.
    Seeded and deterministic: the same arguments give the same sweep, bit for bit.

    Examples
    --------
    >>> sweep = capacity_sweep(X_train, y_train, X_test, y_test, widths=[1, 2, 4, 8, 16, 32, 64, 128])
    >>> sweep.widths, sweep.train_error, sweep.test_error
    """
    return CapacitySweeper(X_train, y_train, X_test, y_test, widths, **kwargs).run(progress)
