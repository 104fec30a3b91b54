"""The layer protocol: what every layer declares and does, so that :class:`Network` treats all alike.

A layer is a small module (PyTorch ``nn.Module``, micrograd's ``Neuron``). It

* **declares its parameters** — :meth:`Layer.param_shapes` gives name → shape in a fixed order (``W``
  before ``b``), and the class attribute :attr:`Layer.penalised` names those that L1/L2 act on;
* **computes its output shape** from its input shape (per sample, without the batch axis):
  :meth:`Layer.output_shape`;
* runs :meth:`Layer.forward` ``(X, training) -> Y`` (batch first) caching only what backward needs, and
  :meth:`Layer.backward` ``(dY) -> dX``, which *overwrites* ``self.grads[name][...]`` for every
  parameter (never appends, never rebinds the arrays);
* knows nothing of optimisers. The :class:`Network` allocates one flat parameter vector (and one for
  the gradients), hands each layer views into it through :meth:`Layer.bind`, and honours
  :attr:`Layer.trainable` in its update.

A minimal layer with a parameter::

    class Scale(Layer):
        '''y = x * s, one learnable scale per feature.'''
        penalised = ("s",)

        def __init__(self, n):
            super().__init__()
            self.n = n
            self._allocate()            # zero arrays for params and grads, from param_shapes()
            self.params["s"][...] = 1.0

        def param_shapes(self):
            return {"s": (self.n,)}

        def output_shape(self, input_shape):
            return tuple(input_shape)

        def forward(self, X, training=False):
            self._X = X
            return X * self.params["s"]

        def backward(self, dY, need_dx=True):
            self.grads["s"][...] = (dY * self._X).sum(axis=0)
            return dY * self.params["s"] if need_dx else None

        def get_config(self):
            return {"type": "Scale", "n": self.n}

Optional parts of the protocol, each used by :class:`Network` when a layer declares it:

* ``activation`` (an :class:`~nnviz.core.Activation`) with the last pre-activation as :attr:`Layer.z`
  and ``backward_z(dZ, need_dx)``: the output layer of a ``bce`` / ``cross_entropy`` network needs
  these (the loss works on the logits); a last layer without them is taken as a linear output;
* :attr:`Layer.augmented` = True with ``forward_augmented(Xa, ZT, out)``: the MLP fast path (inputs
  with a column of ones appended, column-major buffers), used when every layer declares it;
* :meth:`Layer.use_rng`: a layer that draws random numbers (dropout) is handed the network's generator.

A layer that does not allocate its arrays itself (no ``_allocate()`` in ``__init__``) gets them from the
network, which then calls :meth:`Layer.reset_parameters` with its generator. Values assigned from
outside (a ``W`` setter) must go through :meth:`Layer._assigned`, so that no network re-initialises the
layer and its network moves its roll-back checkpoint to the new values. A layer bound into one network
and passed to another is copied (see :class:`Network`). ``Network.save``/``load`` rebuild a layer from
its :meth:`Layer.get_config` through ``LAYER_TYPES`` in ``nnviz/core/serialization.py`` (one line per
layer type).
"""
from __future__ import annotations

import copy
import weakref
from abc import ABC, abstractmethod

import numpy as np

__all__ = ["Layer"]


class Layer(ABC):
    """Base class of every layer; see the module docstring for the protocol.

    Attributes
    ----------
    params : dict of str to ndarray
        The live parameter arrays by name, in :meth:`param_shapes` order. Once the layer is in a
        :class:`Network` these are views into the network's flat parameter vector, so writing into
        them (``layer.params["W"][...] = ...``) changes the network.
    grads : dict of str to ndarray
        Gradients of the last backward pass, keyed and shaped like :attr:`params`.
    trainable : bool
        ``False`` freezes the layer (PyTorch's ``requires_grad = False``): the optimiser moves neither
        its parameters nor their optimiser state, and no L1/L2 penalty applies to them, while the
        gradient still flows through the layer to the layers below. May be set at any time.
    penalised : tuple of str
        Class attribute: names of the parameters that L1/L2 regularisation acts on (weights, not biases).
    """

    penalised: tuple[str, ...] = ()
    #: the layer's activation, for layers of the form ``f(Z)`` (``None``: no activation of its own)
    activation = None
    #: capability: the layer implements the MLP fast path ``forward_augmented(Xa, ZT, out)``
    augmented: bool = False

    def __init__(self) -> None:
        self._params: dict[str, np.ndarray] = {}
        self._grads: dict[str, np.ndarray] = {}
        self._trainable = True
        self._network = None  # weak reference to the Network the layer is bound into
        self._keep_weights = False  # True once bound into a network or assigned: never re-initialised

    # -- parameters -----------------------------------------------------------------------------
    def param_shapes(self) -> dict[str, tuple[int, ...]]:
        """Name → shape of every parameter, in declared order (``{}`` for a layer without any)."""
        return {}

    def _allocate(self, dtype=np.float64) -> None:
        """Give the layer zero-filled arrays of its own for :meth:`param_shapes` (and the gradients)."""
        shapes = self.param_shapes()
        self._params = {k: np.zeros(s, dtype=dtype) for k, s in shapes.items()}
        self._grads = {k: np.zeros(s, dtype=dtype) for k, s in shapes.items()}

    @property
    def params(self) -> dict[str, np.ndarray]:
        return getattr(self, "_params", {})

    @property
    def grads(self) -> dict[str, np.ndarray]:
        return getattr(self, "_grads", {})

    @property
    def n_params(self) -> int:
        return sum(int(np.prod(s)) for s in self.param_shapes().values())

    def reset_parameters(self, rng: np.random.Generator) -> None:
        """Draw new initial values from ``rng`` into :attr:`params`, in place (nothing by default)."""

    def bind(self, params: dict[str, np.ndarray], grads: dict[str, np.ndarray]) -> None:
        """Move the parameters into arrays owned by a network, keeping their values.

        ``params`` and ``grads`` have the keys and shapes of :meth:`param_shapes`; the current values
        are copied into ``params`` (converted to its dtype), ``grads`` are zeroed, and from then on the
        layer reads and writes only these arrays. :meth:`_on_bind` lets a layer refresh views it keeps.
        """
        for name, arr in params.items():
            arr[...] = self._params[name]
            grads[name][...] = 0.0
        self._params, self._grads = dict(params), dict(grads)
        self._on_bind()

    def _on_bind(self) -> None:
        """Hook called after :meth:`bind`: refresh any cached views of :attr:`params`."""

    @property
    def network(self):
        """The :class:`Network` this layer is bound into (``None`` if none, or if it is gone)."""
        ref = getattr(self, "_network", None)
        return None if ref is None else ref()

    def _attach_to(self, network) -> None:
        """Called by :class:`Network` after :meth:`bind`: remember it (weakly); the weights now count
        as initialised, so no later network re-initialises them."""
        self._network = None if network is None else weakref.ref(network)
        self._keep_weights = True

    def _assigned(self) -> None:
        """Record that parameter values were assigned from outside (a setter, ``set_weights``):
        the layer is never re-initialised by a seed, and its network moves its roll-back checkpoint
        to the new values."""
        self._keep_weights = True
        net = self.network
        if net is not None:
            net._weights_assigned()

    def copy(self) -> "Layer":
        """An independent copy with the same configuration, parameter values and ``trainable`` flag,
        bound to no network."""
        ref = getattr(self, "_network", None)
        self._network = None
        try:
            clone = copy.deepcopy(self)
        finally:
            self._network = ref
        clone._params = {k: np.array(v, copy=True) for k, v in self.params.items()}
        clone._grads = {k: np.zeros_like(v) for k, v in self.params.items()}
        clone._on_bind()
        return clone

    def use_rng(self, rng: np.random.Generator) -> None:
        """Take the network's generator for any random numbers the layer draws (nothing by default)."""

    @property
    def trainable(self) -> bool:
        return getattr(self, "_trainable", True)

    @trainable.setter
    def trainable(self, value) -> None:
        if not isinstance(value, (bool, np.bool_)):
            raise TypeError(f"trainable must be True or False, got {type(value).__name__} {value!r}")
        self._trainable = bool(value)
        net = self.network
        if net is not None:
            net._trainable_changed()

    # -- computation ----------------------------------------------------------------------------
    @property
    def input_shape(self) -> tuple[int, ...] | None:
        """The per-sample input shape this layer requires, when it alone fixes it (``Dense(2, 8)``:
        ``(2,)``); ``None`` when the layer accepts several (``Conv2D`` knows its channels, not H, W)."""
        return None

    @abstractmethod
    def output_shape(self, input_shape: tuple[int, ...]) -> tuple[int, ...]:
        """Per-sample output shape for a per-sample ``input_shape`` (no batch axis).

        Raises ``ValueError`` naming the layer, what it expects and what came when the layer cannot
        take that input (a sequence fed to ``Dense``, a kernel larger than the padded image, ...).
        """

    @abstractmethod
    def forward(self, X: np.ndarray, training: bool = False) -> np.ndarray:
        """Output for ``X`` of shape (n_samples, *input_shape): shape (n_samples, *output_shape)."""

    @abstractmethod
    def backward(self, dY: np.ndarray, need_dx: bool = True) -> np.ndarray | None:
        """Given ``dY = ∂L/∂Y`` for the output of the last :meth:`forward`, overwrite :attr:`grads`
        and return ``∂L/∂X`` (``None`` when ``need_dx`` is False)."""

    @property
    def z(self) -> np.ndarray | None:
        """The pre-activation of the last :meth:`forward` for a layer with an ``activation`` (else None)."""
        return None

    @property
    def delta(self) -> np.ndarray | None:
        """``∂L/∂Z`` of the last backward pass for a layer with a pre-activation ``Z`` (else None)."""
        return None

    def trace_arrays(self) -> dict[str, np.ndarray]:
        """What the last :meth:`forward` computed that is worth showing, by name: ``"z"`` (the
        pre-activation), a recurrent layer's hidden states ``"h"`` of shape (n_samples, T, H), an LSTM's
        cell states ``"c"``, ... (``{}`` by default). :meth:`Network.trace` collects these."""
        return {}

    def trace_grad_arrays(self) -> dict[str, np.ndarray]:
        """Gradients of the last :meth:`backward` worth showing beyond :attr:`grads`, by name, e.g. a
        recurrent layer's ``"dh"`` = ∂L/∂h_t of shape (n_samples, T, H) (``{}`` by default)."""
        return {}

    # -- description ----------------------------------------------------------------------------
    def get_config(self) -> dict:
        """Plain, JSON-safe description, with ``"type"``, from which the layer can be rebuilt.

        Needed only to save a network or print its config: a layer without one trains as any other."""
        raise TypeError(
            f"{type(self).__name__} has no get_config(): define one (and add the type to LAYER_TYPES) "
            "to save this network or rebuild it from its config"
        )

    def short(self) -> str:
        """A short label for architecture strings, e.g. ``"8 tanh"``."""
        return type(self).__name__

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"
