"""The Network: layers + loss + optimiser, with training, inspection and divergence handling."""
from __future__ import annotations

import contextlib
import json
import math
import numbers
from dataclasses import dataclass, field

import numpy as np

from ._validation import check_dtype, check_float, check_int, check_matrix, check_rng, describe
from .activations import get_activation
from .backend import fused_epochs, fused_forward
from .epoch import EpochIterator
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
_LINEAR = get_activation("linear")


@dataclass(frozen=True)
class LayerTrace:
    """What one layer computed for a batch.

    Attributes
    ----------
    index : int
        Position of the layer in ``network.layers``.
    name : str
        The layer's repr.
    z : ndarray or None
        Pre-activation, for layers with one (None otherwise), e.g. of shape (n_samples, n_units).
    a : ndarray
        The layer's output, of shape (n_samples, *output_shape): (n_samples, n_units) for Dense,
        (n_samples, C, H, W) for a convolution, (n_samples, T, H) for a recurrent layer with sequences.
    arrays : dict of str to ndarray
        Everything the layer shows of its forward pass (:meth:`Layer.trace_arrays`: ``"z"``, hidden
        states ``"h"``, ...).
    grad_arrays : dict of str to ndarray
        With ``y`` given to :meth:`Network.trace`: :meth:`Layer.trace_grad_arrays` of the backward pass
        (e.g. ``"dh"`` = ∂L/∂h_t of a recurrent layer); else empty.
    delta : ndarray or None
        With ``y``: ``∂L/∂Z`` of the layer (a copy), for layers with a pre-activation.
    grads : dict of str to ndarray
        With ``y``: copies of the gradients of the data loss with respect to the layer's parameters.
    """

    index: int
    name: str
    z: np.ndarray | None
    a: np.ndarray
    arrays: dict = field(default_factory=dict)
    grad_arrays: dict = field(default_factory=dict)
    delta: np.ndarray | None = None
    grads: dict = field(default_factory=dict)

    def __repr__(self) -> str:
        return f"LayerTrace({self.index}: {self.name}, a of shape {self.a.shape})"


class _FitMemo:
    """The checked arguments of a network's last ``fit``, for the next ``fit`` on the same arrays.

    ``fit`` checks and converts its arguments at every call, and a Playground calls it at every frame
    with the same arrays. When the inputs needed no conversion (float64, C-ordered 2-D arrays, as
    checked), the network trains on the caller's arrays themselves, so only what can have changed in
    place since is checked again: the arrays' shapes and dtypes, the finiteness of the inputs, and the
    labels, compared with a copy of their bytes (the targets were derived from them). Other arrays or
    a new ``batch_size`` take ``fit``'s full checks (callbacks are checked at every call). The memo
    holds the last fit's arrays until a fit on other arrays replaces it.
    """

    __slots__ = ("X", "y", "Xv", "yv", "batch_size", "T", "val", "runner", "_shapes", "_labels")

    @classmethod
    def of(cls, X, y, validation_data, args, runner):
        """The memo of a ``fit(X, y, ..., validation_data=...)`` whose checked arguments are ``args``
        (``_check_fit_args``' result), or None when the checked arrays are not the caller's own."""
        Xc, T, batch_size, val, _ = args
        if Xc is not X or type(y) is not np.ndarray:
            return None
        Xv = yv = None
        if validation_data is not None:
            Xv, yv = validation_data
            if val[0] is not Xv or type(yv) is not np.ndarray:
                return None
        memo = cls()
        memo.X, memo.y, memo.Xv, memo.yv = X, y, Xv, yv
        memo.batch_size, memo.T, memo.val, memo.runner = batch_size, T, val, runner
        memo._shapes = [(a, a.shape, a.strides, a.dtype) for a in (X, y, Xv, yv) if a is not None]
        memo._labels = [(a, a.tobytes()) for a in (y, yv) if a is not None]
        return memo

    def holds(self, X, y, batch_size, validation_data) -> bool:
        """Whether ``fit(X, y, batch_size=batch_size, validation_data=validation_data)`` has exactly the
        checked arguments kept here."""
        if X is not self.X or y is not self.y or type(batch_size) is not int or batch_size != self.batch_size:
            return False
        if validation_data is None:
            if self.Xv is not None:
                return False
        elif (type(validation_data) is not tuple or len(validation_data) != 2
              or validation_data[0] is not self.Xv or validation_data[1] is not self.yv):
            return False
        for a, shape, strides, dtype in self._shapes:
            if a.shape != shape or a.strides != strides or a.dtype != dtype:
                return False
        for a, labels in self._labels:
            if a.tobytes() != labels:
                return False
        return bool(np.isfinite(X).all()) and (self.Xv is None or bool(np.isfinite(self.Xv).all()))

    def __repr__(self) -> str:
        return f"_FitMemo(X {self.X.shape}, batch_size={self.batch_size}, validation={self.Xv is not None})"


def _shape_text(shape) -> str:
    return str(shape[0]) if len(shape) == 1 else "×".join(str(s) for s in shape)


class Network:
    """A network of layers trained by mini-batch gradient descent.

    Parameters
    ----------
    layers : sequence of Layer
        Any layers that follow the protocol of :class:`Layer` (``Dense``, ``Dropout``, convolutional
        and recurrent layers, your own); each must take the output shape of the one before it. The
        last layer gives one vector per sample, of shape (n_outputs,).
    loss : {"bce", "cross_entropy", "mse"}, default "bce"
        ``"bce"`` needs one sigmoid output, ``"cross_entropy"`` a softmax output with >= 2 units.
    optimizer : Optimizer, str, dict or None
        ``None`` gives a fresh ``SGD(0.03)`` (TensorFlow Playground's default). ``net.optimizer`` is the
        live object: set ``net.optimizer.lr`` between any two steps.
    l1, l2 : float, default 0
        Regularisation rates; penalties ``l1 Σ|W|`` and ``½ l2 Σ W²`` over the penalised parameters
        (weights, not biases) of the trainable layers.
    seed : int, numpy.random.Generator or None
        Seeds the initial weights, shuffling and dropout. The same seed gives the same run, bit for bit.
        Only layers that were never in a network and never assigned are initialised from it: layers
        taken from a trained or loaded network keep their weights.
    dtype : {numpy.float64, numpy.float32}
        Precision of parameters and computation.
    input_shape : tuple of int or None
        Shape of one sample, e.g. ``(2,)``, ``(1, 8, 8)`` (channels, height, width) or ``(T, F)`` (a
        sequence). ``None`` takes it from the first layer when that layer fixes it (``Dense(2, 8)``:
        ``(2,)``); otherwise it is required.

    Attributes
    ----------
    history : History
        Per-epoch train/validation loss and accuracy.
    step_, epoch_ : int
        Updates and epochs done so far.
    diverged_ : str or None
        Message of the last divergence, cleared by the next successful step.
    input_shape, output_shape : tuple of int
        Per-sample shapes of the input and the output.

    Notes
    -----
    **Storage.** The network keeps every parameter in one flat vector (layer by layer, each layer's
    parameters in declared order, C order, as :func:`parameters_to_vector`) and one gradient vector,
    and gives each layer views into them (:meth:`Layer.bind`). The optimiser updates the vector in one
    call; layers with ``trainable = False`` are left out of the update and of the penalty.

    **Layers from another network are copied.** A layer that is already bound into another (live)
    network is copied into this one: this network gets its own copy, with the same weights and
    ``trainable`` flag, and ``net.layers`` holds the copy. The source network keeps its own layer and
    trains on as before; training one never changes the other. A layer must not appear twice in one
    network.

    **Assigning weights** (``layer.W = ...``, :meth:`set_weights`, :func:`vector_to_parameters`,
    :meth:`load_state_dict`, or writing into ``layer.params[...]`` / ``layer.W[i, j]`` between steps)
    makes the new values the state a later divergence rolls back to, and the new yardstick for an
    exploding loss.

    Examples
    --------
    >>> net = Network.mlp(2, [8, 8], activation="tanh", loss="bce", seed=0)
    >>> net
    Network(2 → 8 tanh → 8 tanh → 1 sigmoid, loss='bce', 105 parameters)
    """

    def __init__(self, layers, loss="bce", optimizer=None, l1=0.0, l2=0.0, seed=None, dtype=np.float64,
                 input_shape=None):
        if isinstance(layers, Layer) or not hasattr(layers, "__iter__"):
            raise TypeError(f"layers must be a list of layers, got {describe(layers)}")
        layers = list(layers)
        if not layers:
            raise ValueError("layers must contain at least one layer, got none")
        for i, layer in enumerate(layers):
            if not isinstance(layer, Layer):
                raise TypeError(f"layers[{i}] must be a Layer (Dense, Dropout, ...), got {describe(layer)}")
            for j in range(i):
                if layers[j] is layer:
                    raise ValueError(
                        f"layers[{i}] is the same object as layers[{j}] ({layer!r}); a layer can appear "
                        "only once in a network: create a new layer (or use layer.copy())"
                    )
        # a layer bound into another live network is copied: that network keeps its own
        self.layers = [l.copy() if l.network is not None else l for l in layers]
        self.loss = get_loss(loss)
        self.dtype = check_dtype("dtype", dtype)
        self.seed = seed if seed is None or isinstance(seed, numbers.Integral) else None
        self.rng = check_rng("seed", seed)
        self._check_architecture(input_shape)
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
        self._fit_memo = None  # _FitMemo: the last fit's checked arguments, while they stay unchanged
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

    def _check_architecture(self, input_shape) -> None:
        """Infer/check the input shape, propagate shapes through the layers, check the output."""
        layers = self.layers
        if input_shape is None:
            input_shape = self._infer_input_shape()
        else:
            if isinstance(input_shape, numbers.Integral):
                input_shape = (input_shape,)
            if not isinstance(input_shape, (tuple, list)) or not input_shape:
                raise TypeError(f"input_shape must be a tuple of ints such as (2,) or (1, 8, 8), got {describe(input_shape)}")
            input_shape = tuple(check_int(f"input_shape[{k}]", d, low=1) for k, d in enumerate(input_shape))
        shapes = [input_shape]
        for i, layer in enumerate(layers):
            try:
                shape = tuple(int(d) for d in layer.output_shape(shapes[-1]))
            except ValueError as exc:
                source = f"on the input of shape {shapes[0]}" if i == 0 else f"after layers[{i - 1}] ({layers[i - 1]!r})"
                raise ValueError(f"layers[{i}] ({layer!r}), {source}: {exc}") from None
            shapes.append(shape)
        self._shapes = shapes
        out = layers[-1]
        if len(shapes[-1]) != 1:
            raise ValueError(
                f"the last layer must give one vector per sample, shape (n_outputs,), but layers[{len(layers) - 1}] "
                f"({out!r}) gives shape {shapes[-1]}; end the network with a Dense layer (the output)"
            )
        act = getattr(out, "activation", None)
        self._fused_out = act is not None and hasattr(out, "backward_z")
        need = self.loss.output_activation
        n_out = shapes[-1][0]
        if need is not None:
            if act is None:
                raise ValueError(
                    f"loss {self.loss.name!r} needs a {need!r} output layer, got {out!r} without an activation; "
                    f"end the network with Dense(..., activation={need!r}) or use loss='mse'"
                )
            if act.name != need or not self._fused_out:
                raise ValueError(
                    f"loss {self.loss.name!r} needs a {need!r} output layer, got {act.name!r}; "
                    f"use activation={need!r} on the last layer or loss='mse'"
                )
        if self.loss.name == "bce" and n_out != 1:
            raise ValueError(f"loss 'bce' needs exactly 1 output unit, got {n_out}; use 'cross_entropy'")
        if self.loss.name == "cross_entropy" and n_out < 2:
            raise ValueError(f"loss 'cross_entropy' needs >= 2 output units (one per class), got {n_out}")

    def _infer_input_shape(self) -> tuple[int, ...]:
        """The first layer's ``input_shape``, or that of the first layer that fixes one when every layer
        before it keeps the shape (``Dropout``)."""
        for k, layer in enumerate(self.layers):
            shape = layer.input_shape
            if shape is None:
                continue
            shape = tuple(shape)
            try:
                s = shape
                for before in self.layers[:k]:
                    s = tuple(before.output_shape(s))
            except ValueError:
                s = None
            if s == shape:
                return shape
            break
        raise ValueError(
            f"the input shape cannot be inferred from layers[0] ({self.layers[0]!r}); pass input_shape=, "
            "e.g. Network(layers, input_shape=(1, 8, 8)) for 8 × 8 images with one channel"
        )

    def _bind_parameters(self, reinitialise: bool) -> None:
        """Put every parameter into one flat array and give each layer views into it.

        Layer by layer, each layer's parameters in :meth:`Layer.param_shapes` order, C order: a Dense
        layer's ``W`` then ``b`` form one block of shape (n_in + 1, n_out), which its fast path uses.
        ``_is_penalised`` marks the parameters L1/L2 act on (the layers' ``penalised`` names).
        """
        plan = []  # (layer, {name: (offset, shape)})
        total = 0
        for i, layer in enumerate(self.layers):
            slots = {}
            for name, shape in layer.param_shapes().items():
                shape = tuple(int(d) for d in shape)
                slots[name] = (total, shape)
                total += math.prod(shape)
            have = {k: tuple(v.shape) for k, v in layer.params.items()}
            if have != {k: s for k, (_, s) in slots.items()}:
                if have:
                    raise ValueError(
                        f"layers[{i}] ({layer!r}) has parameters {have} but its param_shapes() declares "
                        f"{ {k: s for k, (_, s) in slots.items()} }; they must agree"
                    )
                layer._allocate(self.dtype)  # a layer that did not allocate its own arrays
                layer.reset_parameters(self.rng)
            elif reinitialise and not getattr(layer, "_keep_weights", False):
                layer.reset_parameters(self.rng)
            plan.append((layer, slots))
        self._params = np.zeros(total, dtype=self.dtype)
        self._grads = np.zeros_like(self._params)
        self._is_penalised = np.zeros(total, dtype=bool)
        self._ranges = []  # (layer, start, stop)
        for layer, slots in plan:
            views, gviews = {}, {}
            for name, (off, shape) in slots.items():
                size = math.prod(shape)
                views[name] = self._params[off : off + size].reshape(shape)
                gviews[name] = self._grads[off : off + size].reshape(shape)
                if name in layer.penalised:
                    self._is_penalised[off : off + size] = True
            if slots:
                layer.bind(views, gviews)
                start = min(off for off, _ in slots.values())
                self._ranges.append((layer, start, start + sum(math.prod(s) for _, s in slots.values())))
            layer._attach_to(self)
            layer.use_rng(self.rng)
        self._backup = self._params.copy()  # the state a divergence rolls back to
        self._synced = self._params.copy()  # the parameters as training last left them
        self._trainable_changed()
        # backward plan: which layers must pass a gradient on to their input
        with_params = [i for i, l in enumerate(self.layers) if l.param_shapes()]
        first_param = with_params[0] if with_params else len(self.layers)
        self._plan = [(l, i > first_param) for i, l in reversed(list(enumerate(self.layers[:-1])))]
        self._out = self.layers[-1]
        self._out_need_dx = len(self.layers) - 1 > first_param
        self._fast = len(self.input_shape) == 1 and self._fused_out and all(l.augmented for l in self.layers)
        self._buffers: dict[int, list] = {}
        self._last_out = None

    def _trainable_changed(self) -> None:
        """Recompute which parameters the optimiser moves and L1/L2 penalise (``layer.trainable``)."""
        mask = np.zeros(self._params.size, dtype=bool)
        for layer, start, stop in self._ranges:
            if layer.trainable:
                mask[start:stop] = True
        self._train_index = None if mask.all() else np.flatnonzero(mask)
        self._weight_mask = (self._is_penalised & mask).astype(self.dtype)

    def _weights_assigned(self) -> None:
        """Parameters were assigned from outside: they become the roll-back state and the new yardstick."""
        np.copyto(self._backup, self._params)
        np.copyto(self._synced, self._params)
        self._backup_step = self.step_
        self._best = None
        self.diverged_ = None

    def _sync(self) -> None:
        """Notice parameters written in place (``layer.W[i, j] = ...``) since training last left them."""
        if not (self._params == self._synced).all():
            self._weights_assigned()

    def _buffers_for(self, n: int) -> list:
        """Preallocated buffers per layer for a batch of ``n`` samples: ``(layer, Zᵀ, out, view)``.

        ``out`` is column-major of shape (n, units + 1) with a last column of ones (the next layer's
        bias input); ``view`` is its first ``units`` columns, where the activation is written."""
        bufs = self._buffers.get(n)
        if bufs is None:
            bufs = []
            for l, shape in zip(self.layers, self._shapes[1:]):
                size = shape[0]
                out = np.ones((n, size + 1), dtype=self.dtype, order="F")
                Z = np.empty((size, n), dtype=self.dtype) if l.param_shapes() else None
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
    def input_shape(self) -> tuple[int, ...]:
        """Shape of one input sample, e.g. ``(2,)`` or ``(1, 8, 8)``."""
        return self._shapes[0]

    @property
    def output_shape(self) -> tuple[int, ...]:
        """Shape of one output sample, ``(n_outputs,)``."""
        return self._shapes[-1]

    @property
    def layer_shapes(self) -> list[tuple[int, ...]]:
        """Per-sample shapes: the input's, then each layer's output (one more entry than layers)."""
        return list(self._shapes)

    def _require_mlp(self, what: str) -> None:
        bad = [s for s in self._shapes if len(s) != 1]
        if bad:
            raise ValueError(
                f"{what} is defined for networks on vectors (an MLP), but this network's per-sample shapes "
                f"are {self._shapes}; use layer_shapes or trace() for convolutional and recurrent networks"
            )

    def mlp_levels(self) -> list[Layer]:
        """The layers with parameters, in order: the levels of weights an MLP drawing shows.

        Each has ``W`` of shape (n_in, n_out) (``W[i, j]`` connects unit ``i`` of the level below to
        unit ``j``) and ``b`` of shape (n_out,). Dropout and other layers without parameters are
        skipped.

        Raises
        ------
        ValueError
            If a per-sample shape in the network is not 1-D (a convolutional or recurrent network), or a
            layer with parameters has no 2-D ``W``.
        """
        self._require_mlp("mlp_levels()")
        levels = [l for l in self.layers if l.param_shapes()]
        for l in levels:
            W = l.params.get("W")
            if W is None or W.ndim != 2:
                raise ValueError(f"mlp_levels() needs a weight matrix W of shape (n_in, n_out) in every layer "
                                 f"with parameters, got {l!r}")
        return levels

    def units_per_level(self) -> list[int]:
        """Units per level of an MLP: the inputs, then each level's units, e.g. ``[2, 8, 8, 1]``.

        Raises ValueError as :meth:`mlp_levels`."""
        return [self._shapes[0][0]] + [l.params["W"].shape[1] for l in self.mlp_levels()]

    @property
    def dense_layers(self) -> list[Layer]:
        """Alias of :meth:`mlp_levels` (kept for existing callers; prefer ``mlp_levels()``)."""
        return self.mlp_levels()

    @property
    def sizes(self) -> list[int]:
        """Alias of :meth:`units_per_level` (kept for existing callers), e.g. ``[2, 8, 8, 1]``."""
        return self.units_per_level()

    @property
    def n_inputs(self) -> int:
        """Input features of a network on vectors (``input_shape == (n_inputs,)``)."""
        if len(self._shapes[0]) != 1:
            raise ValueError(f"n_inputs is defined for networks on vectors; this one takes inputs of shape "
                             f"{self._shapes[0]} (see input_shape)")
        return self._shapes[0][0]

    @property
    def n_outputs(self) -> int:
        return self._shapes[-1][0]

    @property
    def n_params(self) -> int:
        return self._params.size

    @property
    def task(self) -> str:
        """``"binary"``, ``"multiclass"`` or ``"regression"``, from the loss."""
        return self.loss.task

    # -- validation of data ---------------------------------------------------------------------
    def _check_X(self, X, name="X", dtype=None) -> np.ndarray:
        shape = self._shapes[0]
        dtype = dtype or self.dtype
        if len(shape) == 1:
            if getattr(X, "ndim", 2) > 2:
                raise ValueError(
                    f"{name} must have shape (n_samples, {shape[0]}), got {np.shape(X)}: this network takes one "
                    f"vector of {shape[0]} features per sample"
                    + (", not a sequence (use a recurrent layer for sequences)" if X.ndim == 3 else "")
                )
            return check_matrix(name, X, n_columns=shape[0], dtype=dtype)
        expected = "(n_samples, " + ", ".join(str(d) for d in shape) + ")"
        if isinstance(X, (str, bytes)) or X is None:
            raise TypeError(f"{name} must be a numeric array of shape {expected}, got {describe(X)}")
        try:
            arr = np.asarray(X)
        except Exception as exc:
            raise TypeError(f"{name} must be a numeric array of shape {expected}, got {describe(X)}") from exc
        if arr.dtype == object or not (np.issubdtype(arr.dtype, np.number) or arr.dtype == bool):
            raise TypeError(f"{name} must be a numeric array of shape {expected}, got dtype {arr.dtype}")
        if arr.shape[1:] != shape or arr.ndim != len(shape) + 1:
            raise ValueError(f"{name} must have shape {expected}, got {arr.shape}")
        if arr.shape[0] == 0:
            raise ValueError(f"{name} must have at least one sample, got shape {arr.shape}")
        arr = np.ascontiguousarray(arr, dtype=dtype)
        if not np.isfinite(arr).all():
            bad = int(np.size(arr) - np.count_nonzero(np.isfinite(arr)))
            raise ValueError(f"{name} must contain only finite values, got {bad} NaN/inf value(s)")
        return arr

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
        if training:  # what _backward starts from (inference outputs are not kept: grids are large)
            self._last_out = X
        return X

    def _forward_train(self, Xa: np.ndarray) -> np.ndarray:
        """MLP fast path: training forward pass on ``Xa`` of shape (n_samples, n_inputs + 1), whose
        last column is ones (see :meth:`_augment`)."""
        for layer, Z, out, view in self._buffers_for(len(Xa)):
            layer.forward_augmented(Xa, Z, view)
            Xa = out
        self._last_out = view
        return view

    def _train_inputs(self, X: np.ndarray) -> np.ndarray:
        """What the training forward pass takes: ``X`` augmented for the fast path, else ``X``."""
        return self._augment(X) if self._fast else X

    def _forward_training(self, Xt: np.ndarray) -> np.ndarray:
        """Training forward pass (dropout active) on :meth:`_train_inputs` output."""
        return self._forward_train(Xt) if self._fast else self._forward(Xt, True)

    def _z_out(self, A: np.ndarray) -> np.ndarray:
        """The output layer's pre-activation (its output itself for a linear output)."""
        return self._out.z if self._fused_out else A

    def _loss_value(self, A: np.ndarray, T: np.ndarray) -> float:
        return self.loss.value(self._z_out(A), A, T)

    def _backward(self, T: np.ndarray) -> None:
        """Backward pass of the data loss from targets ``T`` after a forward pass."""
        out, A = self._out, self._last_out
        if self._fused_out:
            d = out.backward_z(self.loss.grad_z(out.z, A, T, out.activation), self._out_need_dx)
        else:
            d = out.backward(self.loss.grad_z(A, A, T, _LINEAR), self._out_need_dx)
        for layer, need_dx in self._plan:
            d = layer.backward(d, need_dx)

    def _regularise(self) -> None:
        """Add the L1/L2 penalty gradients to the penalised gradients of trainable layers."""
        p, g = self._params, self._grads
        if self._l2:
            g += (self._l2 * p) * self._weight_mask
        if self._l1:
            g += (self._l1 * np.sign(p)) * self._weight_mask

    def _update(self) -> None:
        """Regularise, step the optimiser, and stop at once if a parameter is no longer finite.

        (:meth:`_run_batches` inlines the same for the MLP fast path: change both together.)"""
        if self._l1 or self._l2:
            self._regularise()
        p = self._params
        if self._train_index is None:
            self._optimizer.update(p, self._grads, "params")
        elif self._train_index.size:
            self._optimizer.update(p, self._grads, "params", where=self._train_index)
        self.step_ += 1
        # one BLAS call: p·p is finite when every parameter is (unless some |w| > ~1e154: look closer)
        if not math.isfinite(np.dot(p, p)) and not np.isfinite(p).all():
            self._diverged(f"a parameter became NaN or infinite, first in {self._where_not_finite()}")

    def _where_not_finite(self) -> str:
        for layer, start, stop in self._ranges:
            for name, arr in layer.params.items():
                if not np.isfinite(arr).all():
                    return f"layers[{self.layers.index(layer)}].{name}"
        return "the parameters"

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
        checkpoint (``train_step``: the state before this step; after an assignment: the assigned
        values).
        """
        step = self.step_
        if self._rollback_to_best and self._best is not None:
            best_loss, params, self.step_, self.epoch_, n_epochs = self._best
            np.copyto(self._params, params)
            self.history.truncate(n_epochs)
            where = f"rolled back to epoch {self.epoch_}, step {self.step_}, where the training loss was {best_loss:.4g}, its lowest"
        elif np.array_equal(self._params, self._backup):
            self.step_ = self._backup_step  # no update happened
            where = "left as they were (there is nothing earlier to roll back to)"
        else:
            np.copyto(self._params, self._backup)
            self.step_ = self._backup_step
            where = f"rolled back to step {self.step_}"
        np.copyto(self._synced, self._params)
        self._optimizer.reset()
        lr = self._optimizer.lr
        self.diverged_ = (
            f"diverged at step {step} ({what}): lower the learning rate (lr = {lr:g}). "
            f"The parameters were {where}."
        )
        raise DivergedError(self.diverged_, step=step, lr=lr)

    def _exploded(self, loss: float) -> bool:
        """A non-finite loss, or one 10,000 times above the lowest so far (and above 10,000 × 1)."""
        if not math.isfinite(loss):
            return True
        return self._best is not None and loss > _EXPLOSION * max(self._best[0], 1.0)

    def train_step(self, X, y) -> float:
        """One gradient update on exactly the batch ``(X, y)``.

        Parameters
        ----------
        X : array-like of shape (n_samples, *input_shape)
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            0/1 labels (``bce``), class labels (``cross_entropy``) or targets (``mse``).

        Returns
        -------
        float
            The data loss on the batch *before* the update.

        Raises
        ------
        DivergedError
            If the loss or a parameter becomes non-finite; the parameters are rolled back first (to the
            state before the last successful step; a loss that is already non-finite at freshly
            assigned parameters leaves them as they are).
        """
        X, T = self._prepare(X, y)
        with np.errstate(all="ignore"):
            A = self._forward_train(self._augment(X)) if self._fast else self._forward(X, True)
            loss = self.loss.value(self._out.z if self._fused_out else A, A, T)
            if not math.isfinite(loss):
                # these parameters give a non-finite loss: go back to the last finite ones, unless they
                # were assigned since the last step (then there is nothing earlier to go back to)
                self._sync()
                self.step_ += 1
                self._diverged(f"loss = {loss}")
            self._checkpoint()
            self._backward(T)
            self._update()
        np.copyto(self._synced, self._params)
        self.diverged_ = None
        return loss

    def fit(self, X, y, epochs=1, batch_size=10, shuffle=True, validation_data=None, callbacks=(),
            batch_callbacks=()):
        """Train for ``epochs`` passes over ``(X, y)`` in mini-batches.

        Parameters
        ----------
        X : array-like of shape (n_samples, *input_shape)
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
        batch_callbacks : sequence of callables
            Each is called as ``callback(network, logs)`` after every update, with ``logs`` holding
            ``"epoch"`` (the epoch under way, from 1), ``"step"`` (updates so far), ``"batch"`` (index of
            the batch in the epoch), ``"loss"`` (the batch's data loss before the update) and
            ``"batch_indices"`` (indices into ``X`` of the batch's samples). ``layer.delta`` and
            ``network.gradients()`` then show that update's backward pass. Setting
            ``network.stop_training = True`` ends training after that batch (the epoch is then closed
            there: evaluated and recorded in ``history`` like a full one).

        Returns
        -------
        Network
            ``self``.

        See Also
        --------
        iter_epoch : one epoch of ``fit``, one mini-batch update per ``next()``.
        """
        epochs = check_int("epochs", epochs, low=0)
        memo = self._fit_memo
        if memo is not None and memo.holds(X, y, batch_size, validation_data):
            # the same arrays as the last fit, unchanged: their checks (and the compiled runner) hold
            callbacks = self._check_callbacks("callbacks", callbacks) if callbacks else ()
            batch_callbacks = self._check_callbacks("batch_callbacks", batch_callbacks) if batch_callbacks else ()
            memo.runner = self._fit(memo.X, memo.T, epochs, memo.batch_size, bool(shuffle), memo.val, callbacks,
                                    batch_callbacks, None if batch_callbacks else memo.runner)
            return self
        self._fit_memo = None
        args = self._check_fit_args(X, y, batch_size, validation_data, callbacks)
        batch_callbacks = self._check_callbacks("batch_callbacks", batch_callbacks)
        runner = self._fit(*args[:2], epochs, args[2], bool(shuffle), args[3], args[4], batch_callbacks)
        self._fit_memo = _FitMemo.of(X, y, validation_data, args, runner)
        return self

    def iter_epoch(self, X, y, batch_size=10, shuffle=True, validation_data=None, callbacks=()) -> "EpochIterator":
        """One epoch of :meth:`fit`, one mini-batch update per ``next()``.

        Exhausting the iterator is ``fit(X, y, epochs=1, ...)`` bit for bit (on the NumPy path, as
        ``fit`` with ``batch_callbacks``): the first ``next()`` draws the epoch's permutation with the
        network's generator exactly as ``fit`` does, each ``next()`` makes one update and returns the
        logs ``fit`` gives its ``batch_callbacks``, and the ``next()`` after the last batch runs
        ``fit``'s epoch end (the explosion check, ``epoch_ += 1``, ``history``, the best-epoch copy,
        ``callbacks``) and raises ``StopIteration``. Between two ``next()`` calls the network is
        consistent: it can be drawn, evaluated, its ``optimizer.lr`` changed (used from the next update).

        Parameters
        ----------
        X : array-like of shape (n_samples, *input_shape)
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
        batch_size : int, default 10
            Samples per update, >= 1; ``iterator.batch_size = b`` changes it for the next batches.
        shuffle : bool, default True
        validation_data : (X_val, y_val) or None
        callbacks : sequence of callables
            Called as ``callback(network, logs)`` at the epoch end, as in :meth:`fit`.

        Returns
        -------
        EpochIterator
            Yields dicts with ``"epoch"`` (the epoch under way, from 1), ``"step"`` (updates so far),
            ``"batch"`` (index of the batch in the epoch), ``"loss"`` (the batch's data loss before the
            update) and ``"batch_indices"`` (indices into ``X``). ``iterator.logs`` is the epoch's
            ``history`` row once it ended.

        Raises
        ------
        DivergedError
            From the ``next()`` whose update made a parameter non-finite, or from the epoch end when the
            loss exploded; the parameters are rolled back as in ``fit`` and the iterator is finished.

        Notes
        -----
        An iterator abandoned half-way (never exhausted) leaves a consistent network: the updates done
        stay (``step_`` counts them), the epoch is not counted (``epoch_``, ``history`` unchanged) and
        the next ``fit`` or ``iter_epoch`` starts a new epoch with a new permutation.

        Examples
        --------
        >>> net = Network.mlp(2, [4], seed=0)
        >>> X, y = np.random.default_rng(0).normal(size=(25, 2)), np.arange(25) % 2
        >>> steps = net.iter_epoch(X, y, batch_size=10)
        >>> [logs["batch_indices"].size for logs in steps]    # 3 updates, then the epoch end
        [10, 10, 5]
        >>> net.epoch_, net.step_, len(net.history)
        (1, 3, 1)
        """
        X, T, batch_size, val, callbacks = self._check_fit_args(X, y, batch_size, validation_data, callbacks)
        return EpochIterator(self, X, T, batch_size, bool(shuffle), val, callbacks)

    def _check_fit_args(self, X, y, batch_size, validation_data, callbacks):
        X, T = self._prepare(X, y)
        batch_size = check_int("batch_size", batch_size, low=1)
        val = None
        if validation_data is not None:
            if not isinstance(validation_data, (tuple, list)) or len(validation_data) != 2:
                raise TypeError(
                    f"validation_data must be a pair (X_val, y_val), got {describe(validation_data)}"
                )
            val = self._prepare(*validation_data, names=("X_val", "y_val"))
        return X, T, batch_size, val, self._check_callbacks("callbacks", callbacks)

    @staticmethod
    def _check_callbacks(name, callbacks) -> list:
        if callable(callbacks):
            callbacks = [callbacks]
        if isinstance(callbacks, (str, bytes)) or not hasattr(callbacks, "__iter__"):
            raise TypeError(f"{name} must be a list of callables cb(network, logs), got {describe(callbacks)}")
        callbacks = list(callbacks)
        for i, cb in enumerate(callbacks):
            if not callable(cb):
                raise TypeError(f"{name}[{i}] must be callable as cb(network, logs), got {describe(cb)}")
        return callbacks

    def partial_fit(self, X, y, batch_size=10, shuffle=True, validation_data=None, callbacks=(),
                    batch_callbacks=()):
        """One epoch over ``(X, y)``; the same as ``fit(..., epochs=1)``. Returns ``self``."""
        return self.fit(X, y, 1, batch_size, shuffle, validation_data, callbacks, batch_callbacks)

    def _augment(self, X: np.ndarray) -> np.ndarray:
        """``X`` with a column of ones appended, column-major, shape (n_samples, n_inputs + 1)."""
        Xa = np.ones((len(X), X.shape[1] + 1), dtype=self.dtype, order="F")
        Xa[:, :-1] = X
        return Xa

    def _fit(self, X, T, epochs, batch_size, shuffle, val, callbacks, batch_callbacks=(), fused=None):
        """``fit`` on checked arguments; returns the compiled path's runner (or None), for the next fit
        on the same arrays to reuse."""
        self.stop_training = False
        # self._training(), inlined (fit runs once per Playground frame)
        self._sync()
        self._rollback_to_best = True
        try:
            with np.errstate(all="ignore"):
                if epochs:
                    self._first_yardstick(X, T)
                return self._epochs(X, T, epochs, batch_size, shuffle, val, callbacks, batch_callbacks, fused)
        finally:
            self._rollback_to_best = False
            np.copyto(self._synced, self._params)

    @contextlib.contextmanager
    def _training(self):
        """The state ``fit`` trains in (and :class:`EpochIterator` around each of its steps): weights
        written in place noticed first, a divergence rolls back to the best epoch end, no warnings."""
        self._sync()
        self._rollback_to_best = True  # a divergence inside fit goes back to the best epoch end
        try:
            with np.errstate(all="ignore"):
                yield
        finally:
            self._rollback_to_best = False
            np.copyto(self._synced, self._params)

    def _first_yardstick(self, X, T) -> None:
        """Before any training, the loss at the starting weights is the first yardstick for an explosion."""
        if self._best is None:
            loss = self._evaluate(X, T)[0]
            if math.isfinite(loss):
                self._remember_if_best(loss)

    def _run_batches(self, Xs, Ts, batch_size) -> None:
        """One epoch's updates on the (already shuffled) training inputs ``Xs`` and targets ``Ts``.

        The only place where ``fit`` runs its updates (without batch callbacks): a compiled kernel for
        the MLP fast path replaces this one method. ``Xs`` is :meth:`_train_inputs` output."""
        update = self._update
        if not self._fast:
            forward, backward = self._forward, self._backward
            for start in range(0, len(Xs), batch_size):
                stop = start + batch_size
                forward(Xs[start:stop], True)
                backward(Ts[start:stop])
                update()
            return
        # the MLP fast path: _forward_train, _backward and _update inlined (a playground epoch is 50
        # of these steps, each a few microseconds of Python around ~20 NumPy calls)
        out, plan, need_dx = self._out, self._plan, self._out_need_dx
        grad_z, act = self.loss.grad_z, out.activation
        p, g, where = self._params, self._grads, self._train_index
        regularise = self._regularise if (self._l1 or self._l2) else None
        opt_update = self._optimizer.update
        n = len(Xs)
        full = self._buffers_for(min(batch_size, n))
        for start in range(0, n, batch_size):
            stop = start + batch_size
            Xa = Xs[start:stop]
            for layer, Z, buf, view in full if stop <= n else self._buffers_for(len(Xa)):
                layer.forward_augmented(Xa, Z, view)
                Xa = buf
            self._last_out = view
            d = out.backward_z(grad_z(out.z, view, Ts[start:stop], act), need_dx)
            for layer, nd in plan:
                d = layer.backward(d, nd)
            if regularise is not None:
                regularise()
            if where is None:
                opt_update(p, g, "params")
            elif where.size:
                opt_update(p, g, "params", where=where)
            self.step_ += 1
            if not math.isfinite(np.dot(p, p)) and not np.isfinite(p).all():
                self._diverged(f"a parameter became NaN or infinite, first in {self._where_not_finite()}")

    def _run_batches_with_callbacks(self, Xs, Ts, batch_size, order, batch_callbacks) -> None:
        """:meth:`_run_batches`, computing each batch loss and calling ``batch_callbacks``."""
        for b, start in enumerate(range(0, len(Xs), batch_size)):
            logs = self._batch_update(Xs, Ts, start, start + batch_size, order, b)
            for cb in batch_callbacks:
                cb(self, logs)
            if self.stop_training:
                return

    def _batch_update(self, Xs, Ts, start, stop, order, b) -> dict:
        """One update on rows ``start:stop`` of the shuffled ``Xs``, ``Ts``; the batch callbacks' logs."""
        A = self._forward_training(Xs[start:stop])
        T = Ts[start:stop]
        loss = self._loss_value(A, T)
        self._backward(T)
        self._update()
        return {"epoch": self.epoch_ + 1, "step": self.step_, "batch": b, "loss": loss,
                "batch_indices": order[start:stop].copy()}

    def _begin_epoch(self, n: int, shuffle: bool):
        """An epoch starts: the roll-back checkpoint, then its permutation (None without shuffling)."""
        self._checkpoint()
        return self.rng.permutation(n) if shuffle else None

    def _end_epoch(self, loss, acc, val, val_scores, callbacks) -> dict:
        """An epoch ends with training ``loss`` and ``acc``: explosion check, count it, record it in
        ``history``, remember it if best, call ``callbacks``; returns its logs. ``val_scores``: the
        validation (loss, accuracy) already computed, or None to evaluate ``val`` here."""
        if self._exploded(loss):
            self._diverged(f"training loss {loss:.4g} at the end of epoch {self.epoch_ + 1}")
        self.epoch_ += 1
        self.diverged_ = None
        logs = {"epoch": self.epoch_, "step": self.step_, "loss": loss, "accuracy": acc,
                "val_loss": None, "val_accuracy": None}
        if val is not None:
            logs["val_loss"], logs["val_accuracy"] = self._evaluate(*val) if val_scores is None else val_scores
        self.history.append(**logs)
        self._remember_if_best(loss)
        for cb in callbacks:
            cb(self, logs)
        return logs

    def _epochs(self, X, T, epochs, batch_size, shuffle, val, callbacks, batch_callbacks=(), fused=None):
        n = len(X)
        # -- compiled path (nnviz.core.backend): None, or one kernel call per epoch (updates + evaluation)
        if fused is None and epochs:
            fused = fused_epochs(self, X, T, batch_size, val, batch_callbacks)
        Xt = None
        # --
        for _ in range(epochs):
            order = self._begin_epoch(n, shuffle)
            # -- compiled path: the same updates in the same order, then loss and accuracy (and val)
            compiled = fused is not None and fused.run(order)
            if compiled:
                loss, acc = fused.loss, fused.accuracy
            # --
            else:
                Xt = self._train_inputs(X) if Xt is None else Xt
                Xs, Ts = (Xt, T) if order is None else (Xt[order], T[order])
                if batch_callbacks:
                    order = np.arange(n) if order is None else order
                    self._run_batches_with_callbacks(Xs, Ts, batch_size, order, batch_callbacks)
                else:
                    self._run_batches(Xs, Ts, batch_size)
                loss, acc = self._evaluate(X, T)
            self._end_epoch(loss, acc, val, fused.val if compiled and val is not None else None, callbacks)
            if self.stop_training:
                break
        return fused

    def _evaluate(self, X, T):
        A = self._forward(X, False)
        loss = self._loss_value(A, T)
        correct = self.loss.correct(A, T)
        acc = None if correct is None else float(np.count_nonzero(correct)) / len(correct)
        return loss, acc

    # -- inference ------------------------------------------------------------------------------
    def forward(self, X, dtype=None) -> np.ndarray:
        """Output activations for ``X`` of shape (n_samples, *input_shape): shape (n_samples, n_outputs).

        ``dtype=numpy.float32`` computes in single precision whatever the network's dtype (twice as
        fast for large grids; plenty for drawing)."""
        with np.errstate(all="ignore"):
            X = self._check_X(X, dtype=dtype)
            # -- compiled path (nnviz.core.backend): None, or a float32 pass over many points (a grid)
            out = fused_forward(self, X)
            if out is not None:
                return out
            # --
            return self._forward(X, False)

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
        """Current regularisation penalty ``l1 Σ|W| + ½ l2 Σ W²`` over the penalised parameters of the
        trainable layers (not part of the reported loss)."""
        w = self._params * self._weight_mask
        return self._l1 * float(np.abs(w).sum()) + 0.5 * self._l2 * float(np.vdot(w, w))

    def trace(self, X, y=None, dtype=None) -> list[LayerTrace]:
        """What every layer computes for ``X`` (inference mode: dropout off).

        Parameters
        ----------
        X : array-like of shape (n_samples, *input_shape)
        y : array-like or None
            Targets: a backward pass of the data loss on ``(X, y)`` then fills each trace's
            ``grad_arrays``, ``delta`` and ``grads``, without any update (``network.gradients()``
            still returns the last training step's; ``layer.delta`` shows this pass).
        dtype : numpy dtype or None
            Precision of the forward pass (default: the network's). With ``y`` the network's dtype is
            always used.

        Returns
        -------
        list of LayerTrace
            One per layer, in order; ``a`` of shape (n_samples, *that layer's output shape). Heatmaps,
            feature maps and hidden-state views are drawn from these.
        """
        if y is not None:
            X, T = self._prepare(X, y)
        else:
            X = self._check_X(X, dtype=dtype)
        outs = []
        with np.errstate(all="ignore"):
            A = X
            for layer in self.layers:
                A = layer.forward(A, False)
                outs.append(A)
            if y is None:
                traces = []
                for i, (l, a) in enumerate(zip(self.layers, outs)):
                    arrays = dict(l.trace_arrays())
                    traces.append(LayerTrace(i, repr(l), arrays.get("z"), a, arrays))
                return traces
            self._last_out = A
            saved = self._grads.copy()
            plan, need_out = self._plan, self._out_need_dx
            try:
                # every layer passes its gradient on, so that every delta is filled
                self._plan = [(l, i > 0) for i, l in reversed(list(enumerate(self.layers[:-1])))]
                self._out_need_dx = len(self.layers) > 1
                try:
                    self._backward(T)
                finally:
                    self._plan, self._out_need_dx = plan, need_out
                traces = []
                for i, (l, a) in enumerate(zip(self.layers, outs)):
                    arrays = dict(l.trace_arrays())
                    delta = l.delta
                    traces.append(LayerTrace(
                        i, repr(l), arrays.get("z"), a, arrays,
                        {k: np.array(v, copy=True) for k, v in l.trace_grad_arrays().items()},
                        None if delta is None else np.array(delta, copy=True),
                        {k: v.copy() for k, v in l.grads.items()},
                    ))
            finally:
                np.copyto(self._grads, saved)
        return traces

    def deltas(self) -> list[np.ndarray | None]:
        """``∂L/∂Z`` of every layer from the last backward pass (a training step, ``gradients(X, y)`` or
        ``trace(X, y)``), as copies; None for layers without a pre-activation (Dropout, Flatten, ...).

        For a Dense layer the delta has shape (n_samples, n_units); ``gradients()[i]["W"]`` is
        ``Xᵢᵀ · delta`` of the same pass (plus the L1/L2 term)."""
        return [None if (d := l.delta) is None else np.array(d, copy=True) for l in self.layers]

    def gradients(self, X=None, y=None) -> list[dict[str, np.ndarray]]:
        """Gradients of the objective (data loss plus L1/L2 penalty), one dict per layer keyed like its
        parameters (``{"W", "b"}``; ``{}`` for Dropout), as copies.

        Without arguments: those of the last training step. With a batch ``(X, y)``: computed at the
        current weights, without changing them (dropout active, as in a training step). Frozen layers
        (``trainable = False``) still get their data-loss gradient here; the optimiser ignores it.
        """
        if (X is None) != (y is None):
            raise TypeError("gradients takes both X and y (gradients at the current weights) or neither "
                            "(the last step's)")
        if X is not None:
            X, T = self._prepare(X, y)
            with np.errstate(all="ignore"):
                self._forward_training(self._train_inputs(X))
                self._backward(T)
                if self._l1 or self._l2:
                    self._regularise()
        return [{k: v.copy() for k, v in l.grads.items()} for l in self.layers]

    # -- state ----------------------------------------------------------------------------------
    def get_weights(self) -> list[dict[str, np.ndarray]]:
        """Copies of the parameters, one dict per layer (``{"W", "b"}``; ``{}`` for Dropout)."""
        return [{k: v.copy() for k, v in l.params.items()} for l in self.layers]

    def set_weights(self, weights) -> None:
        """Set parameters from what :meth:`get_weights` returned.

        Every key must name a parameter of its layer and every array must have its shape and be
        finite; nothing is changed unless all are right.
        """
        if isinstance(weights, dict) or not hasattr(weights, "__len__"):
            raise TypeError(f"weights must be a list with one dict per layer, got {describe(weights)}")
        if len(weights) != len(self.layers):
            raise ValueError(f"weights must have one dict per layer ({len(self.layers)}), got {len(weights)}")
        checked = []
        for i, (layer, w) in enumerate(zip(self.layers, weights)):
            if not isinstance(w, dict):
                raise TypeError(f"weights[{i}] must be a dict of parameter arrays, got {describe(w)}")
            names = list(layer.params)
            for k, v in w.items():
                if k not in layer.params:
                    known = ", ".join(repr(n) for n in names) if names else "none"
                    raise ValueError(
                        f"weights[{i}] has key {k!r}, but layers[{i}] ({layer!r}) has no parameter {k!r}; "
                        f"its parameters are: {known}"
                    )
                target = layer.params[k]
                arr = np.asarray(v)
                if arr.dtype == object or not np.issubdtype(arr.dtype, np.number):
                    raise TypeError(f"weights[{i}][{k!r}] must be a numeric array, got {describe(v)}")
                if arr.shape != target.shape:
                    raise ValueError(f"weights[{i}][{k!r}] must have shape {target.shape}, got shape {arr.shape}")
                if not np.isfinite(arr).all():
                    raise ValueError(f"weights[{i}][{k!r}] must contain only finite values, got NaN or inf")
                checked.append((layer, target, arr))
        for layer, target, arr in checked:
            target[...] = arr
            layer._keep_weights = True
        self._weights_assigned()

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
        """Restore what :meth:`state_dict` returned (the architecture must be the same).

        Every array is checked (shape, finite values) before anything changes."""
        if not isinstance(state, dict):
            raise TypeError(f"state must be a dict from state_dict(), got {describe(state)}")
        if "params" not in state or "counters" not in state:
            raise ValueError("state must have 'params' and 'counters' (the output of state_dict())")
        params = np.asarray(state["params"])
        n = self._params.size
        if params.shape != (n,):
            raise ValueError(
                f"state['params'] must have shape ({n},) (this network's {n} parameters), got shape {params.shape}"
            )
        if not np.issubdtype(params.dtype, np.floating) or not np.isfinite(params).all():
            raise ValueError("state['params'] must hold only finite floating-point values, got NaN, inf or non-floats")
        counters = np.asarray(state["counters"])
        if counters.shape != (2,) or not np.issubdtype(counters.dtype, np.integer) or (counters < 0).any():
            raise ValueError(f"state['counters'] must be 2 integers >= 0 (step, epoch), got {counters!r}")
        opt = {}
        for k, v in state.items():
            if not k.startswith("optimizer:"):
                continue
            if "/" not in k:
                raise ValueError(f"state key {k!r} must read 'optimizer:<key>/<field>' (from state_dict())")
            arr = np.asarray(v)
            if arr.ndim and arr.shape != (n,):
                raise ValueError(f"state[{k!r}] must have shape ({n},) (one entry per parameter) or be a number, "
                                 f"got shape {arr.shape}")
            if not np.issubdtype(arr.dtype, np.number) or not np.isfinite(arr).all():
                raise ValueError(f"state[{k!r}] must hold only finite numbers, got NaN, inf or non-numbers")
            opt[k[len("optimizer:"):]] = arr
        rng_state = None
        if "rng" in state:
            try:
                rng_state = json.loads(str(state["rng"]))
            except ValueError as exc:
                raise ValueError(f"state['rng'] is not a generator state: {exc}") from None
        self._params[...] = params
        self.step_, self.epoch_ = (int(c) for c in counters)
        self._optimizer.set_state(opt)
        if rng_state is not None:  # shuffling and dropout carry on exactly where they were
            self.rng.bit_generator.state = rng_state
        for layer in self.layers:
            layer._keep_weights = True
        self._weights_assigned()

    def reset(self, seed=None) -> None:
        """Re-initialise every layer's weights (from ``seed``, or the network's generator), forget
        optimiser state, history and counters."""
        if seed is not None:
            self.rng = check_rng("seed", seed)
            self.seed = seed if isinstance(seed, numbers.Integral) else None
        for layer in self.layers:
            layer.reset_parameters(self.rng)
            layer.use_rng(self.rng)
        self._optimizer.reset()
        self.history.clear()
        self.step_ = self.epoch_ = 0
        self._weights_assigned()

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
        """Save to ``path`` (``.npz``: arrays + JSON config, no pickle), atomically: a failed write
        leaves any previous file intact. Returns the path written."""
        from .serialization import save_network

        return save_network(self, path)

    @classmethod
    def load(cls, path) -> "Network":
        """Load a network written by :meth:`save`, bit-exact; never unpickles."""
        from .serialization import load_network

        return load_network(path)

    def __repr__(self) -> str:
        # a frozen layer (trainable = False) says so, as transfer learning needs to be seen
        arch = " → ".join([_shape_text(self.input_shape)]
                          + [l.short() + ("" if l.trainable or not l.params else " (frozen)") for l in self.layers])
        frozen = sum(a.size for l in self.layers if not l.trainable for a in l.params.values())
        n = f"{self.n_params} parameters" + (f", {frozen} frozen" if frozen else "")
        return f"Network({arch}, loss={self.loss.name!r}, {n})"
