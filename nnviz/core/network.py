"""The Network: layers + loss + optimiser, with training, inspection and divergence handling."""
from __future__ import annotations

import json
import math
import numbers
from dataclasses import dataclass

import numpy as np

from ._validation import check_dtype, check_float, check_int, check_matrix, check_rng, describe
from .backend import fused_epochs
from .dense import Dense
from .dropout import Dropout
from .errors import DivergedError
from .history import History
from .layer import Layer
from .losses import get_loss
from .optimizers import SGD, Optimizer, make_optimizer

__all__ = ["LayerTrace", "Network"]

#: a training loss this many times above the lowest so far (and above this value) counts as diverged
_EXPLOSION = 1e4


@dataclass(frozen=True)
class LayerTrace:
    """What one layer computed for a batch: pre-activation ``z`` (None for layers without one) and
    output ``a``, each of shape (n_samples, n_units)."""

    index: int
    name: str
    z: np.ndarray | None
    a: np.ndarray

    def __repr__(self) -> str:
        return f"LayerTrace({self.index}: {self.name}, a of shape {self.a.shape})"


class Network:
    """A feed-forward network trained by mini-batch gradient descent.

    Parameters
    ----------
    layers : sequence of Layer
        ``Dense`` and ``Dropout`` layers; consecutive sizes must match and the last layer is ``Dense``.
    loss : {"bce", "cross_entropy", "mse"}, default "bce"
        ``"bce"`` needs one sigmoid output, ``"cross_entropy"`` a softmax output with >= 2 units.
    optimizer : Optimizer, str, dict or None
        ``None`` gives a fresh ``SGD(0.03)`` (TensorFlow Playground's default). ``net.optimizer`` is the
        live object: set ``net.optimizer.lr`` between any two steps.
    l1, l2 : float, default 0
        Regularisation rates; penalties ``l1 Σ|W|`` and ``½ l2 Σ W²`` over weights (not biases).
    seed : int, numpy.random.Generator or None
        Seeds the initial weights, shuffling and dropout. The same seed gives the same run, bit for bit.
    dtype : {numpy.float64, numpy.float32}
        Precision of parameters and computation.

    Attributes
    ----------
    history : History
        Per-epoch train/validation loss and accuracy.
    step_, epoch_ : int
        Updates and epochs done so far.
    diverged_ : str or None
        Message of the last divergence, cleared by the next successful step.

    Examples
    --------
    >>> net = Network.mlp(2, [8, 8], activation="tanh", loss="bce", seed=0)
    >>> net
    Network(2 → 8 tanh → 8 tanh → 1 sigmoid, loss='bce', 105 parameters)
    """

    def __init__(self, layers, loss="bce", optimizer=None, l1=0.0, l2=0.0, seed=None, dtype=np.float64):
        if isinstance(layers, Layer) or not hasattr(layers, "__iter__"):
            raise TypeError(f"layers must be a list of layers, got {describe(layers)}")
        self.layers = list(layers)
        for i, layer in enumerate(self.layers):
            if not isinstance(layer, Layer):
                raise TypeError(f"layers[{i}] must be a Layer (Dense, Dropout), got {describe(layer)}")
        self.loss = get_loss(loss)
        self.dtype = check_dtype("dtype", dtype)
        self.seed = seed if seed is None or isinstance(seed, numbers.Integral) else None
        self.rng = check_rng("seed", seed)
        self._check_architecture()
        self.optimizer = SGD(0.03) if optimizer is None else make_optimizer(optimizer)
        self.l1 = l1
        self.l2 = l2
        self.history = History()
        self.step_ = 0
        self.epoch_ = 0
        self.diverged_ = None
        self.stop_training = False
        self._backup_step = 0
        self._best = None  # (loss, params, step, epoch, history length) at the best epoch end so far
        self._rollback_to_best = False
        self._bind_parameters(reinitialise=seed is not None)

    # -- construction ---------------------------------------------------------------------------
    @classmethod
    def mlp(
        cls,
        n_inputs: int,
        hidden=(4, 2),
        n_outputs: int = 1,
        activation="tanh",
        loss: str = "bce",
        output_activation: str | None = None,
        init: str | None = None,
        dropout: float = 0.0,
        **kwargs,
    ) -> "Network":
        """Build the common case: inputs → hidden Dense layers → output.

        Parameters
        ----------
        n_inputs : int
            Number of input features.
        hidden : sequence of int
            Units per hidden layer (may be empty).
        n_outputs : int, default 1
            Output units: 1 for ``bce``, the number of classes for ``cross_entropy``.
        activation : str or sequence of str
            Hidden activation, one for all or one per hidden layer.
        loss : str
            ``"bce"``, ``"cross_entropy"`` or ``"mse"``.
        output_activation : str or None
            ``None`` picks what the loss needs (sigmoid, softmax) or ``linear`` for ``mse``.
        init : str or None
            Initialiser for every layer (``None``: by activation).
        dropout : float
            Dropout probability after each hidden layer (0 for none).
        **kwargs
            Passed to :class:`Network` (``optimizer``, ``l1``, ``l2``, ``seed``, ``dtype``).
        """
        n_inputs = check_int("n_inputs", n_inputs, low=1)
        n_outputs = check_int("n_outputs", n_outputs, low=1)
        if isinstance(hidden, numbers.Integral):
            hidden = [hidden]
        if not hasattr(hidden, "__iter__"):
            raise TypeError(f"hidden must be a list of layer sizes, got {describe(hidden)}")
        hidden = [check_int(f"hidden[{i}]", h, low=1) for i, h in enumerate(hidden)]
        if isinstance(activation, str):
            activations = [activation] * len(hidden)
        else:
            activations = list(activation)
            if len(activations) != len(hidden):
                raise ValueError(
                    f"activation must be one name or one per hidden layer ({len(hidden)}), "
                    f"got {len(activations)} names"
                )
        loss_obj = get_loss(loss)
        out_act = output_activation or loss_obj.output_activation or "linear"
        layers: list[Layer] = []
        size = n_inputs
        for h, act in zip(hidden, activations):
            layers.append(Dense(size, h, act, init=init))
            if dropout:
                layers.append(Dropout(dropout))
            size = h
        layers.append(Dense(size, n_outputs, out_act, init=init))
        return cls(layers, loss=loss_obj.name, **kwargs)

    def _check_architecture(self) -> None:
        dense = [(i, l) for i, l in enumerate(self.layers) if isinstance(l, Dense)]
        if not dense:
            raise ValueError("layers must contain at least one Dense layer, got none")
        if not isinstance(self.layers[-1], Dense):
            raise ValueError(f"the last layer must be Dense (the output), got {self.layers[-1]!r}")
        size = None
        for i, layer in enumerate(self.layers):
            if isinstance(layer, Dense):
                if size is not None and layer.n_in != size:
                    raise ValueError(
                        f"layers[{i}] ({layer!r}) expects {layer.n_in} inputs, "
                        f"but the layer before it gives {size}"
                    )
                size = layer.n_out
        out = self.layers[-1]
        need = self.loss.output_activation
        if need is not None and out.activation.name != need:
            raise ValueError(
                f"loss {self.loss.name!r} needs a {need!r} output layer, got {out.activation.name!r}; "
                f"use activation={need!r} on the last layer or loss='mse'"
            )
        if self.loss.name == "bce" and out.n_out != 1:
            raise ValueError(f"loss 'bce' needs exactly 1 output unit, got {out.n_out}; use 'cross_entropy'")
        if self.loss.name == "cross_entropy" and out.n_out < 2:
            raise ValueError(f"loss 'cross_entropy' needs >= 2 output units (one per class), got {out.n_out}")

    def _bind_parameters(self, reinitialise: bool) -> None:
        """Put every parameter into one flat array and give each layer views into it.

        Each Dense layer owns a block of shape (n_in + 1, n_out) (weights, then the bias row), so the
        optimiser updates all parameters in one call; ``_weight_mask`` marks the weights (1) against
        the biases (0) for L1/L2.
        """
        dense = self.dense_layers
        if reinitialise:
            for layer in dense:
                layer.reset_parameters(self.rng)
        total = sum((l.n_in + 1) * l.n_out for l in dense)
        self._params = np.zeros(total, dtype=self.dtype)
        self._grads = np.zeros_like(self._params)
        self._backup = np.zeros_like(self._params)
        self._weight_mask = np.zeros_like(self._params)
        offset = 0
        for l in dense:
            size = (l.n_in + 1) * l.n_out
            shape = (l.n_in + 1, l.n_out)
            l.bind(self._params[offset : offset + size].reshape(shape), self._grads[offset : offset + size].reshape(shape))
            self._weight_mask[offset : offset + l.n_in * l.n_out] = 1.0
            offset += size
        for l in self.layers:
            if isinstance(l, Dropout):
                l.rng = self.rng
        # backward plan: which layers must pass a gradient on to their input
        first_param = next(i for i, l in enumerate(self.layers) if l.params)
        self._plan = [(l, i > first_param) for i, l in reversed(list(enumerate(self.layers[:-1])))]
        self._out = self.layers[-1]
        self._out_need_dx = len(self.layers) - 1 > first_param
        self._buffers: dict[int, list] = {}

    def _buffers_for(self, n: int) -> list:
        """Preallocated buffers per layer for a batch of ``n`` samples: ``(layer, Zᵀ, out, view)``.

        ``out`` is column-major of shape (n, units + 1) with a last column of ones (the next layer's
        bias input); ``view`` is its first ``units`` columns, where the activation is written."""
        bufs = self._buffers.get(n)
        if bufs is None:
            bufs, size = [], self.n_inputs
            for l in self.layers:
                size = l.output_size(size)
                out = np.ones((n, size + 1), dtype=self.dtype, order="F")
                Z = np.empty((size, n), dtype=self.dtype) if isinstance(l, Dense) else None
                bufs.append((l, Z, out, out[:, :-1]))
            if len(self._buffers) > 8:  # a few batch sizes are in use at a time; keep memory flat
                self._buffers.clear()
            self._buffers[n] = bufs
        return bufs

    # -- settings -------------------------------------------------------------------------------
    @property
    def optimizer(self) -> Optimizer:
        """The live optimiser; its ``lr`` (and ``momentum``) may be changed between steps."""
        return self._optimizer

    @optimizer.setter
    def optimizer(self, value) -> None:
        self._optimizer = make_optimizer(value)

    @property
    def l1(self) -> float:
        """L1 rate, >= 0; adds ``l1 · sign(W)`` to the weight gradients from the next step."""
        return self._l1

    @l1.setter
    def l1(self, value) -> None:
        self._l1 = check_float("l1", value, low=0.0)

    @property
    def l2(self) -> float:
        """L2 rate, >= 0; adds ``l2 · W`` to the weight gradients from the next step."""
        return self._l2

    @l2.setter
    def l2(self, value) -> None:
        self._l2 = check_float("l2", value, low=0.0)

    # -- shapes ---------------------------------------------------------------------------------
    @property
    def dense_layers(self) -> list[Dense]:
        return [l for l in self.layers if isinstance(l, Dense)]

    @property
    def n_inputs(self) -> int:
        return self.dense_layers[0].n_in

    @property
    def n_outputs(self) -> int:
        return self._out.n_out

    @property
    def n_params(self) -> int:
        return self._params.size

    @property
    def sizes(self) -> list[int]:
        """Units per level: inputs, each Dense layer's units (e.g. ``[2, 8, 8, 1]``)."""
        return [self.n_inputs] + [l.n_out for l in self.dense_layers]

    @property
    def task(self) -> str:
        """``"binary"``, ``"multiclass"`` or ``"regression"``, from the loss."""
        return self.loss.task

    # -- validation of data ---------------------------------------------------------------------
    def _check_X(self, X, name="X", dtype=None) -> np.ndarray:
        return check_matrix(name, X, n_columns=self.n_inputs, dtype=dtype or self.dtype)

    def _prepare(self, X, y, names=("X", "y")):
        X = self._check_X(X, names[0])
        T = self.loss.prepare_targets(y, self.n_outputs, self.dtype)
        if len(T) != len(X):
            raise ValueError(
                f"{names[0]} and {names[1]} must have the same number of samples, got {len(X)} and {len(T)}"
            )
        return X, T

    # -- computation ----------------------------------------------------------------------------
    def _forward(self, X: np.ndarray, training: bool) -> np.ndarray:
        for layer in self.layers:
            X = layer.forward(X, training)
        return X

    def _backward(self, T: np.ndarray) -> None:
        out = self._out
        d = out.backward_z(self.loss.grad_z(out._Z, out._A, T, out.activation), self._out_need_dx)
        for layer, need_dx in self._plan:
            d = layer.backward(d, need_dx)

    def _regularise(self) -> None:
        """Add the L1/L2 penalty gradients to the weight gradients (biases are not penalised)."""
        p, g = self._params, self._grads
        if self._l2:
            g += (self._l2 * p) * self._weight_mask
        if self._l1:
            g += (self._l1 * np.sign(p)) * self._weight_mask

    def _update(self) -> None:
        """Regularise, step the optimiser, and stop at once if a parameter is no longer finite."""
        if self._l1 or self._l2:
            self._regularise()
        p = self._params
        self._optimizer.update(p, self._grads, "params")
        self.step_ += 1
        # one BLAS call: p·p is inf or NaN as soon as any parameter is (or exceeds ~1e154)
        if not math.isfinite(np.dot(p, p)):
            self._diverged("a parameter became NaN or infinite")

    def _checkpoint(self) -> None:
        """Remember the current (finite) parameters as the state to roll back to."""
        np.copyto(self._backup, self._params)
        self._backup_step = self.step_

    def _remember_if_best(self, loss: float) -> None:
        """Keep a copy of the parameters at the epoch end with the lowest training loss so far."""
        if self._best is None or loss <= self._best[0]:
            params = self._params.copy() if self._best is None else self._best[1]
            np.copyto(params, self._params)
            self._best = (loss, params, self.step_, self.epoch_, len(self.history))

    def _diverged(self, what: str) -> None:
        """Roll back, forget the optimiser's state, record the message and raise DivergedError.

        Inside ``fit`` the parameters go back to the end of the epoch with the lowest training loss so
        far (the last state known to be sane: a run that blows up is usually huge but still finite for
        a while before it turns into inf/NaN); otherwise, or before any epoch ended, to the last
        checkpoint (``train_step``: the state before this step).
        """
        step = self.step_
        if self._rollback_to_best and self._best is not None:
            best_loss, params, self.step_, self.epoch_, n_epochs = self._best
            np.copyto(self._params, params)
            self.history.truncate(n_epochs)
            where = f"epoch {self.epoch_}, step {self.step_}, where the training loss was {best_loss:.4g}, its lowest"
        else:
            np.copyto(self._params, self._backup)
            self.step_ = self._backup_step
            where = f"step {self.step_}"
        self._optimizer.reset()
        lr = self._optimizer.lr
        self.diverged_ = (
            f"diverged at step {step} ({what}): lower the learning rate (lr = {lr:g}). "
            f"The parameters were rolled back to {where}."
        )
        raise DivergedError(self.diverged_, step=step, lr=lr)

    def _exploded(self, loss: float) -> bool:
        """A non-finite loss, or one 10,000 times above the lowest so far (and above 10,000 × 1)."""
        if not math.isfinite(loss):
            return True
        return self._best is not None and loss > _EXPLOSION * max(self._best[0], 1.0)

    def _forward_train(self, Xa: np.ndarray) -> np.ndarray:
        """Training forward pass on ``Xa`` of shape (n_samples, n_inputs + 1) (last column ones)."""
        for layer, Z, out, view in self._buffers_for(len(Xa)):
            layer.forward_augmented(Xa, Z, view)
            Xa = out
        return view

    def train_step(self, X, y) -> float:
        """One gradient update on exactly the batch ``(X, y)``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_inputs)
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            0/1 labels (``bce``), class labels (``cross_entropy``) or targets (``mse``).

        Returns
        -------
        float
            The data loss on the batch *before* the update.

        Raises
        ------
        DivergedError
            If the loss or a parameter becomes non-finite; the parameters are rolled back first.
        """
        X, T = self._prepare(X, y)
        Xa = self._augment(X)
        with np.errstate(all="ignore"):
            A = self._forward_train(Xa)
            loss = self.loss.value(self._out._Z, A, T)
            if not math.isfinite(loss):
                # these parameters give a non-finite loss: go back to the last finite ones
                self.step_ += 1
                self._diverged(f"loss = {loss}")
            self._checkpoint()
            self._backward(T)
            self._update()
        self.diverged_ = None
        return loss

    def fit(self, X, y, epochs=1, batch_size=10, shuffle=True, validation_data=None, callbacks=()):
        """Train for ``epochs`` passes over ``(X, y)`` in mini-batches.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_inputs)
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
        epochs : int, default 1
            Number of passes, >= 0.
        batch_size : int, default 10
            Samples per update, >= 1 (the last batch of an epoch may be smaller).
        shuffle : bool, default True
            Shuffle the samples at every epoch with the network's generator.
        validation_data : (X_val, y_val) or None
            Evaluated after every epoch into ``history["val_loss"]``, ``history["val_accuracy"]``.
        callbacks : sequence of callables
            Each is called as ``callback(network, logs)`` after every epoch; setting
            ``network.stop_training = True`` ends training after that epoch.

        Returns
        -------
        Network
            ``self``.
        """
        X, T = self._prepare(X, y)
        epochs = check_int("epochs", epochs, low=0)
        batch_size = check_int("batch_size", batch_size, low=1)
        val = None
        if validation_data is not None:
            if not isinstance(validation_data, (tuple, list)) or len(validation_data) != 2:
                raise TypeError(
                    f"validation_data must be a pair (X_val, y_val), got {describe(validation_data)}"
                )
            val = self._prepare(*validation_data, names=("X_val", "y_val"))
        if callable(callbacks):
            callbacks = [callbacks]
        for i, cb in enumerate(callbacks):
            if not callable(cb):
                raise TypeError(f"callbacks[{i}] must be callable as cb(network, logs), got {describe(cb)}")
        self._fit(X, T, epochs, batch_size, bool(shuffle), val, list(callbacks))
        return self

    def partial_fit(self, X, y, batch_size=10, shuffle=True, validation_data=None, callbacks=()):
        """One epoch over ``(X, y)``; the same as ``fit(..., epochs=1)``. Returns ``self``."""
        return self.fit(X, y, 1, batch_size, shuffle, validation_data, callbacks)

    def _augment(self, X: np.ndarray) -> np.ndarray:
        """``X`` with a column of ones appended, column-major, shape (n_samples, n_inputs + 1)."""
        Xa = np.ones((len(X), X.shape[1] + 1), dtype=self.dtype, order="F")
        Xa[:, :-1] = X
        return Xa

    def _fit(self, X, T, epochs, batch_size, shuffle, val, callbacks) -> None:
        self.stop_training = False
        self._rollback_to_best = True  # a divergence inside fit goes back to the best epoch end
        try:
            with np.errstate(all="ignore"):
                if self._best is None and epochs:
                    # the loss before any training is the first yardstick for an explosion
                    loss = self._evaluate(X, T)[0]
                    if math.isfinite(loss):
                        self._remember_if_best(loss)
                self._epochs(X, T, epochs, batch_size, shuffle, val, callbacks)
        finally:
            self._rollback_to_best = False

    def _epochs(self, X, T, epochs, batch_size, shuffle, val, callbacks) -> None:
        n = len(X)
        Xa = None
        forward, backward, update = self._forward_train, self._backward, self._update
        # -- compiled path (nnviz.core.backend): None, or runs an epoch's steps and evaluation in one call
        fused = fused_epochs(self, X, T, batch_size, val)
        # --
        for _ in range(epochs):
            self._checkpoint()
            perm = self.rng.permutation(n) if shuffle else None
            # -- compiled path: the same steps over the same permutation, then loss/accuracy (and val)
            compiled = fused is not None and fused.run(perm)
            if compiled:
                loss, acc = fused.loss, fused.accuracy
            # --
            else:
                Xa = self._augment(X) if Xa is None else Xa
                Xs, Ts = (Xa, T) if perm is None else (Xa[perm], T[perm])
                for start in range(0, n, batch_size):
                    stop = start + batch_size
                    forward(Xs[start:stop])
                    backward(Ts[start:stop])
                    update()
                loss, acc = self._evaluate(X, T)
            if self._exploded(loss):
                self._diverged(f"training loss {loss:.4g} at the end of epoch {self.epoch_ + 1}")
            self.epoch_ += 1
            self.diverged_ = None
            logs = {"epoch": self.epoch_, "step": self.step_, "loss": loss, "accuracy": acc,
                    "val_loss": None, "val_accuracy": None}
            if val is not None:
                logs["val_loss"], logs["val_accuracy"] = fused.val if compiled else self._evaluate(*val)
            self.history.append(**logs)
            self._remember_if_best(loss)
            for cb in callbacks:
                cb(self, logs)
            if self.stop_training:
                break

    def _evaluate(self, X, T):
        A = self._forward(X, False)
        loss = self.loss.value(self._out._Z, A, T)
        correct = self.loss.correct(A, T)
        acc = None if correct is None else float(np.count_nonzero(correct)) / len(correct)
        return loss, acc

    # -- inference ------------------------------------------------------------------------------
    def forward(self, X, dtype=None) -> np.ndarray:
        """Output activations for ``X`` of shape (n_samples, n_inputs): shape (n_samples, n_outputs).

        ``dtype=numpy.float32`` computes in single precision whatever the network's dtype (twice as
        fast for large grids; plenty for drawing)."""
        with np.errstate(all="ignore"):
            return self._forward(self._check_X(X, dtype=dtype), False)

    __call__ = forward

    def predict_proba(self, X) -> np.ndarray:
        """Class probabilities of shape (n_samples, n_classes) (``bce``: columns P(0), P(1))."""
        if self.loss.task == "regression":
            raise ValueError(f"predict_proba needs a classification loss ('bce', 'cross_entropy'), got {self.loss.name!r}")
        A = self.forward(X)
        if self.loss.task == "binary":
            return np.hstack([1.0 - A, A])
        return A

    def predict(self, X) -> np.ndarray:
        """Class labels of shape (n_samples,) for classification; outputs for ``mse``
        (shape (n_samples,) with one output, else (n_samples, n_outputs))."""
        A = self.forward(X)
        if self.loss.task == "binary":
            return (A[:, 0] > 0.5).astype(np.int64)
        if self.loss.task == "multiclass":
            return A.argmax(axis=1)
        return A[:, 0].copy() if A.shape[1] == 1 else A

    def evaluate(self, X, y) -> tuple[float, float | None]:
        """``(loss, accuracy)`` on ``(X, y)``; accuracy is None for regression targets."""
        X, T = self._prepare(X, y)
        with np.errstate(all="ignore"):
            return self._evaluate(X, T)

    def penalty(self) -> float:
        """Current regularisation penalty ``l1 Σ|W| + ½ l2 Σ W²`` (not part of the reported loss)."""
        w = self._params * self._weight_mask
        return self._l1 * float(np.abs(w).sum()) + 0.5 * self._l2 * float(np.vdot(w, w))

    def trace(self, X, dtype=None) -> list[LayerTrace]:
        """Every layer's pre-activation ``z`` and output ``a`` for ``X`` (inference mode), computed in
        ``dtype`` (default: the network's).

        Returns
        -------
        list of LayerTrace
            One per layer, in order; ``a`` of shape (n_samples, n_units). Heatmaps are drawn from these.
        """
        A = self._check_X(X, dtype=dtype)
        out = []
        with np.errstate(all="ignore"):
            for i, layer in enumerate(self.layers):
                A = layer.forward(A, False)
                out.append(LayerTrace(i, repr(layer), getattr(layer, "_Z", None), A))
        return out

    def gradients(self, X=None, y=None) -> list[dict[str, np.ndarray]]:
        """Gradients of the objective (data loss plus L1/L2 penalty), one dict per layer
        (``{"W", "b"}``; ``{}`` for Dropout), as copies.

        Without arguments: those of the last training step. With a batch ``(X, y)``: computed at the
        current weights, without changing them (dropout active, as in a training step).
        """
        if (X is None) != (y is None):
            raise TypeError("gradients takes both X and y (gradients at the current weights) or neither "
                            "(the last step's)")
        if X is not None:
            X, T = self._prepare(X, y)
            with np.errstate(all="ignore"):
                self._forward_train(self._augment(X))
                self._backward(T)
                if self._l1 or self._l2:
                    self._regularise()
        return [{k: v.copy() for k, v in l.grads.items()} for l in self.layers]

    # -- state ----------------------------------------------------------------------------------
    def get_weights(self) -> list[dict[str, np.ndarray]]:
        """Copies of the parameters, one dict per layer (``{"W", "b"}``; ``{}`` for Dropout)."""
        return [{k: v.copy() for k, v in l.params.items()} for l in self.layers]

    def set_weights(self, weights) -> None:
        """Set parameters from what :meth:`get_weights` returned (shapes are checked)."""
        if len(weights) != len(self.layers):
            raise ValueError(f"weights must have one dict per layer ({len(self.layers)}), got {len(weights)}")
        for layer, w in zip(self.layers, weights):
            for k, v in w.items():
                setattr(layer, k, v)

    def state_dict(self) -> dict[str, np.ndarray]:
        """Everything that changes in training, as arrays: parameters, optimiser state, counters."""
        state = {
            "params": self._params.copy(),
            "counters": np.array([self.step_, self.epoch_]),
            "rng": np.array(json.dumps(self.rng.bit_generator.state)),
        }
        for k, v in self._optimizer.get_state().items():
            state["optimizer:" + k] = v.copy()
        return state

    def load_state_dict(self, state: dict) -> None:
        """Restore what :meth:`state_dict` returned (the architecture must be the same)."""
        params = np.asarray(state["params"])
        if params.shape != self._params.shape:
            raise ValueError(
                f"state has {params.size} parameters but this network has {self._params.size}"
            )
        self._params[...] = params
        self.step_, self.epoch_ = (int(c) for c in state["counters"])
        self._optimizer.set_state({k[len("optimizer:"):]: v for k, v in state.items() if k.startswith("optimizer:")})
        if "rng" in state:  # shuffling and dropout carry on exactly where they were
            self.rng.bit_generator.state = json.loads(str(state["rng"]))
        self._best = None
        self.diverged_ = None

    def reset(self, seed=None) -> None:
        """Re-initialise the weights (from ``seed``, or the network's generator), forget optimiser
        state, history and counters."""
        if seed is not None:
            self.rng = check_rng("seed", seed)
            self.seed = seed if isinstance(seed, numbers.Integral) else None
        for layer in self.dense_layers:
            layer.reset_parameters(self.rng)
        for l in self.layers:
            if isinstance(l, Dropout):
                l.rng = self.rng
        self._optimizer.reset()
        self.history.clear()
        self.step_ = self.epoch_ = 0
        self.diverged_ = None
        self._best = None

    # -- configuration and files ----------------------------------------------------------------
    def to_config(self) -> dict:
        """The architecture and settings as plain JSON-safe data (no weights)."""
        from .serialization import network_config

        return network_config(self)

    @classmethod
    def from_config(cls, config: dict) -> "Network":
        """Build a fresh network from :meth:`to_config` output."""
        from .serialization import network_from_config

        return network_from_config(config)

    def save(self, path) -> str:
        """Save to ``path`` (``.npz``: arrays + JSON config, no pickle). Returns the path written."""
        from .serialization import save_network

        return save_network(self, path)

    @classmethod
    def load(cls, path) -> "Network":
        """Load a network written by :meth:`save`, bit-exact; never unpickles."""
        from .serialization import load_network

        return load_network(path)

    def __repr__(self) -> str:
        arch = " → ".join([str(self.n_inputs)] + [l.short() for l in self.layers])
        return f"Network({arch}, loss={self.loss.name!r}, {self.n_params} parameters)"
