"""A fully connected layer ``Z = X W + b``, ``A = f(Z)``."""
from __future__ import annotations

import numpy as np

from ._validation import check_choice, check_int, check_rng, describe
from .activations import get_activation
from .initializers import INITIALIZERS, default_init, get_initializer
from .layer import Layer

__all__ = ["Dense"]

#: Rows per matrix product in inference. OpenBLAS multithreads products above roughly 64k
#: multiply-adds; on two shared cores its threads then spin against other work and a 100 x 100 grid
#: pass takes 8 ms instead of 1.3 ms. Blocks of this many rows stay single-threaded and cache-friendly.
_ROW_BLOCK = 1024


def _dot_rows(X: np.ndarray, W: np.ndarray) -> np.ndarray:
    """``X @ W`` computed in blocks of :data:`_ROW_BLOCK` rows."""
    n = len(X)
    if n <= _ROW_BLOCK:
        return np.dot(X, W)
    Z = np.empty((n, W.shape[1]), dtype=np.result_type(X, W))
    for start in range(0, n, _ROW_BLOCK):
        np.dot(X[start : start + _ROW_BLOCK], W, out=Z[start : start + _ROW_BLOCK])
    return Z


def _block(W: np.ndarray, b: np.ndarray) -> np.ndarray | None:
    """The (n_in + 1, n_out) array whose rows are ``W`` then ``b``, when ``b`` follows ``W`` in one
    C-contiguous buffer (else None)."""
    base = W.base
    if base is None or b.base is not base or not (W.flags.c_contiguous and base.flags.c_contiguous):
        return None
    start = W.__array_interface__["data"][0] - base.__array_interface__["data"][0]
    if b.__array_interface__["data"][0] != W.__array_interface__["data"][0] + W.nbytes or start < 0:
        return None
    return np.ndarray((W.shape[0] + 1, W.shape[1]), dtype=W.dtype, buffer=base, offset=start)


class Dense(Layer):
    """Fully connected layer with an activation.

    Parameters
    ----------
    n_in, n_out : int
        Number of inputs and of units (neurons), each >= 1.
    activation : str, default "tanh"
        A key of :data:`nnviz.core.ACTIVATIONS`.
    init : {"glorot", "he", "playground"} or None
        Initialiser; ``None`` picks He for ReLU-like activations and Glorot otherwise.
    seed : int, numpy.random.Generator or None
        Seed for the initial weights of a layer used on its own. A :class:`Network` built with a
        seed re-initialises the layer from that seed, unless its weights were assigned or it has
        already been in a network (then its weights are kept).

    Attributes
    ----------
    W : ndarray of shape (n_in, n_out)
        Weights; ``W[i, j]`` connects input ``i`` to unit ``j``. Assign an array to set them.
    b : ndarray of shape (n_out,)
        Biases.
    grads : dict
        ``{"W": dL/dW, "b": dL/db}`` from the last backward pass.
    delta : ndarray of shape (n_samples, n_out) or None
        ``∂L/∂Z`` of the last backward pass.

    Notes
    -----
    Forward: ``Z = X W + b`` and ``A = f(Z)`` for ``X`` of shape (n_samples, n_in).
    Backward, for ``dA = ∂L/∂A``: ``dZ = dA ⊙ f'(Z)``, ``∂L/∂W = Xᵀ dZ``, ``∂L/∂b = Σ_samples dZ``,
    ``∂L/∂X = dZ Wᵀ``.
    """

    penalised = ("W",)

    def __init__(self, n_in: int, n_out: int, activation: str = "tanh", init: str | None = None, seed=None):
        super().__init__()
        self.n_in = check_int("n_in", n_in, low=1)
        self.n_out = check_int("n_out", n_out, low=1)
        self.activation = get_activation(activation)
        self.init = default_init(self.activation.name) if init is None else check_choice("init", init, INITIALIZERS)
        self._X = self._Z = self._A = self._dZ = None
        self._augmented = False
        # W and b in one block of shape (n_in + 1, n_out): rows 0..n_in-1 are W, the last row is b
        Wa, gWa = np.zeros((self.n_in + 1, self.n_out)), np.zeros((self.n_in + 1, self.n_out))
        self._params, self._grads = {"W": Wa[:-1], "b": Wa[-1]}, {"W": gWa[:-1], "b": gWa[-1]}
        self._on_bind()
        self.reset_parameters(check_rng("seed", seed))

    # -- parameters -----------------------------------------------------------------------------
    # The weights and the bias live in one block ``Wa`` of shape (n_in + 1, n_out) whenever ``b``
    # follows ``W`` in memory (always, once the layer is in a Network: W before b, C order). With a
    # column of ones appended to the input, one matrix product gives ``X W + b`` and one gives both
    # gradients, which halves the NumPy calls of a training step.
    def param_shapes(self) -> dict[str, tuple[int, ...]]:
        return {"W": (self.n_in, self.n_out), "b": (self.n_out,)}

    def reset_parameters(self, rng: np.random.Generator) -> None:
        """Draw new initial weights from ``rng`` (in place, so a network's views stay valid)."""
        W, b = get_initializer(self.init)(self.n_in, self.n_out, rng)
        self._W[...] = W
        self._b[...] = b

    def _on_bind(self) -> None:
        self._W, self._b = self._params["W"], self._params["b"]
        self._gW, self._gb = self._grads["W"], self._grads["b"]
        self._Wa, self._gWa = _block(self._W, self._b), _block(self._gW, self._gb)
        self._WT = self._W.T
        self._WaT = None if self._Wa is None else self._Wa.T

    @property
    def W(self) -> np.ndarray:
        """Weights of shape (n_in, n_out); ``W[i, j]`` connects input ``i`` to unit ``j``."""
        return self._W

    @W.setter
    def W(self, value) -> None:
        self._W[...] = self._checked("W", value, (self.n_in, self.n_out))
        self._assigned()

    @property
    def b(self) -> np.ndarray:
        """Biases of shape (n_out,)."""
        return self._b

    @b.setter
    def b(self, value) -> None:
        self._b[...] = self._checked("b", value, (self.n_out,))
        self._assigned()

    @staticmethod
    def _checked(name, value, shape):
        arr = np.asarray(value)
        if arr.dtype == object or not np.issubdtype(arr.dtype, np.number):
            raise TypeError(f"{name} must be a numeric array of shape {shape}, got {describe(value)}")
        if arr.shape != shape:
            raise ValueError(f"{name} must have shape {shape}, got shape {arr.shape}")
        if not np.isfinite(arr).all():
            raise ValueError(f"{name} must contain only finite values, got NaN or inf")
        return arr

    @property
    def augmented(self) -> bool:  # the fast path needs W and b in one block
        return self._Wa is not None and self._gWa is not None

    @property
    def input_shape(self) -> tuple[int, ...]:
        return (self.n_in,)

    def output_shape(self, input_shape) -> tuple[int, ...]:
        shape = tuple(input_shape)
        if shape != (self.n_in,):
            hint = ""
            if len(shape) == 2:
                hint = " (a sequence of shape (T, F) needs a recurrent layer, or Flatten(), before Dense)"
            elif len(shape) > 2:
                hint = " (put Flatten() before Dense)"
            raise ValueError(f"expects {self.n_in} inputs per sample, shape ({self.n_in},), got shape {shape}{hint}")
        return (self.n_out,)

    # -- computation ----------------------------------------------------------------------------
    def forward(self, X: np.ndarray, training: bool = False) -> np.ndarray:
        """``A = f(X W + b)`` for ``X`` of shape (n_samples, n_in); returns shape (n_samples, n_out)."""
        W, b = self._W, self._b
        if X.dtype != W.dtype:  # e.g. a float32 grid through a float64 network
            W, b = W.astype(X.dtype), b.astype(X.dtype)
        Z = _dot_rows(X, W)
        Z += b
        A = self.activation.forward(Z)
        self._X, self._Z, self._A, self._augmented = X, Z, A, False
        return A

    def forward_augmented(self, Xa: np.ndarray, ZT: np.ndarray, out: np.ndarray) -> np.ndarray:
        """Training fast path, computing the same as :meth:`forward`.

        ``Xa`` of shape (n_samples, n_in + 1) ends in a column of ones. ``ZT`` (C-ordered, of shape
        (n_out, n_samples)) and ``out`` (a column-major view of shape (n_samples, n_out)) are
        preallocated by the network. Everything stays column-major, so every elementwise call runs on
        contiguous memory. Returns ``out``.
        """
        np.dot(self._WaT, Xa.T, out=ZT)  # Zᵀ = Waᵀ Xaᵀ, so Z = ZT.T is column-major
        Z = ZT.T
        A = self.activation.forward_into(Z, out)
        self._X, self._Z, self._A, self._augmented = Xa, Z, A, True
        return A

    def backward(self, dA: np.ndarray, need_dx: bool = True) -> np.ndarray | None:
        """Gradients from ``dA = ∂L/∂A``; returns ``∂L/∂X`` (or None when ``need_dx`` is False)."""
        return self.backward_z(self.activation.backward(dA, self._Z, self._A), need_dx)

    def backward_z(self, dZ: np.ndarray, need_dx: bool = True) -> np.ndarray | None:
        """Gradients from ``dZ = ∂L/∂Z`` (the pre-activation), as used by a fused output loss."""
        self._dZ = dZ
        if self._augmented:
            np.dot(self._X.T, dZ, out=self._gWa)  # [Xᵀ dZ ; 1ᵀ dZ] = [∂L/∂W ; ∂L/∂b]
        else:
            np.dot(self._X.T, dZ, out=self._gW)
            np.add.reduce(dZ, axis=0, out=self._gb)
        if not need_dx:
            return None
        if self._augmented:
            return np.dot(self._W, dZ.T).T  # (W dZᵀ)ᵀ: column-major like the forward buffers
        return np.dot(dZ, self._WT)

    @property
    def z(self) -> np.ndarray | None:
        """Pre-activation ``Z`` of shape (n_samples, n_out) of the last forward pass."""
        return self._Z

    @property
    def delta(self) -> np.ndarray | None:
        """``∂L/∂Z`` of shape (n_samples, n_out) of the last backward pass."""
        return self._dZ

    def trace_arrays(self) -> dict[str, np.ndarray]:
        return {} if self._Z is None else {"z": self._Z}

    # -- description ----------------------------------------------------------------------------
    def get_config(self) -> dict:
        return {
            "type": "Dense",
            "n_in": self.n_in,
            "n_out": self.n_out,
            "activation": self.activation.name,
            "init": self.init,
        }

    def short(self) -> str:
        return f"{self.n_out} {self.activation.name}"

    def __repr__(self) -> str:
        return f"Dense({self.n_in} → {self.n_out}, {self.activation.name!r})"
