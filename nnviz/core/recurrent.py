"""A simple (Elman) recurrent layer, trained by backpropagation through time."""
from __future__ import annotations

import math

import numpy as np

from ._validation import check_choice, check_float, check_int, check_rng, describe
from ._layer_utils import BLAS_SINGLE_THREAD_MNK, dot, param_property
from .layer import Layer

__all__ = ["RECURRENT_INITS", "SimpleRNN"]

RECURRENT_INITS = ("glorot", "orthogonal", "torch")
"""Valid ``init=`` values of the recurrent layers (see :func:`recurrent_init`)."""


def _orthogonal(n: int, rng: np.random.Generator) -> np.ndarray:
    """A random orthogonal ``n x n`` matrix (QR of a Gaussian with the signs fixed, as
    ``torch.nn.init.orthogonal_``)."""
    q, r = np.linalg.qr(rng.standard_normal((n, n)))
    return q * np.sign(np.diag(r))


def recurrent_init(init: str, n_in: int, n_hidden: int, n_gates: int, rng: np.random.Generator):
    """Initial ``W_x`` (n_in, G H), ``W_h`` (H, G H) and ``b`` (G H,) for ``G = n_gates`` gate blocks.

    ``"glorot"``: each gate block of ``W_x`` ``U(±sqrt(6 / (n_in + H)))``, of ``W_h``
    ``U(±sqrt(6 / 2H))``, biases 0. ``"orthogonal"``: the same ``W_x``, each block of ``W_h`` a random
    orthogonal matrix (Keras' default). ``"torch"``: every weight ``U(±1/sqrt(H))`` and the bias the sum
    of two such draws (torch's ``b_ih + b_hh``), torch.nn.RNN/LSTM's default.
    """
    H, G = n_hidden, n_gates
    if init == "torch":
        k = 1.0 / math.sqrt(H)
        W_x = rng.uniform(-k, k, size=(n_in, G * H))
        W_h = rng.uniform(-k, k, size=(H, G * H))
        b = rng.uniform(-k, k, size=G * H) + rng.uniform(-k, k, size=G * H)
        return W_x, W_h, b
    W_x = rng.uniform(-1.0, 1.0, size=(n_in, G * H)) * math.sqrt(6.0 / (n_in + H))
    if init == "orthogonal":
        W_h = np.concatenate([_orthogonal(H, rng) for _ in range(G)], axis=1)
    else:
        W_h = rng.uniform(-1.0, 1.0, size=(H, G * H)) * math.sqrt(6.0 / (2 * H))
    return W_x, W_h, np.zeros(G * H)


class RecurrentBase(Layer):
    """What :class:`SimpleRNN` and :class:`LSTM` share: arguments, shapes, clipping, description."""

    _label = "rnn"

    def __init__(self, n_in, n_hidden, return_sequences, clip, init, seed):
        super().__init__()
        self.n_in = check_int("n_in", n_in, low=1)
        self.n_hidden = check_int("n_hidden", n_hidden, low=1)
        if not isinstance(return_sequences, (bool, np.bool_)):
            raise TypeError(f"return_sequences must be True or False, got {describe(return_sequences)}")
        self.return_sequences = bool(return_sequences)
        self.clip = None if clip is None else check_float("clip", clip, low=0.0, low_open=True)
        self.init = check_choice("init", init, RECURRENT_INITS)
        self._cache = None
        self._dA = self._dH = None
        self.grad_norm_ = None
        self._allocate()
        self.reset_parameters(check_rng("seed", seed))

    def output_shape(self, input_shape) -> tuple[int, ...]:
        """``(T, H)`` with ``return_sequences``, else ``(H,)``, for a per-sample ``(T, n_in)``."""
        shape = tuple(input_shape)
        if len(shape) != 2:
            raise ValueError(f"{self!r} expects sequences of shape (time steps, features) = "
                             f"(T, {self.n_in}) per sample, got shape {shape}")
        if shape[1] != self.n_in:
            raise ValueError(f"{self!r} expects {self.n_in} feature(s) per time step, got shape {shape} "
                             f"with {shape[1]}")
        if shape[0] < 1:
            raise ValueError(f"{self!r} expects at least one time step, got shape {shape}")
        return (shape[0], self.n_hidden) if self.return_sequences else (self.n_hidden,)

    def _check_batch(self, X: np.ndarray) -> None:
        if X.ndim != 3:
            raise ValueError(f"{self!r} expects a batch of shape (n_samples, T, {self.n_in}), "
                             f"got shape {X.shape}")
        self.output_shape(X.shape[1:])

    def _compute_dtype(self, X: np.ndarray) -> np.dtype:
        """The input's float dtype (float32 inference through a float64 layer), else the parameters'."""
        return X.dtype if X.dtype.kind == "f" else next(iter(self.params.values())).dtype

    def _params_as(self, dtype):
        p = self.params
        if next(iter(p.values())).dtype == dtype:
            return tuple(p.values())
        return tuple(v.astype(dtype) for v in p.values())

    def _clip(self) -> None:
        """Scale this layer's gradients to norm ``clip`` if they are longer (records ``grad_norm_``)."""
        grads = tuple(self.grads.values())
        norm = math.sqrt(sum(float(np.vdot(g, g)) for g in grads))
        self.grad_norm_ = norm
        if self.clip is None:
            return
        coef = self.clip / (norm + 1e-6)  # torch.nn.utils.clip_grad_norm_'s formula
        if coef < 1.0:
            for g in grads:
                g *= coef

    @property
    def delta(self) -> np.ndarray | None:
        """``∂L/∂(pre-activation)`` of every step, of shape (N, T, G H), from the last backward pass."""
        return None if self._dA is None else self._dA.transpose(1, 0, 2)

    def trace_grad_arrays(self) -> dict[str, np.ndarray]:
        """``{"dh": ∂L/∂h_t}`` of shape (N, T, H): the whole gradient reaching each hidden state, from
        the output at that step (``return_sequences``) and from the step after it."""
        return {} if self._dH is None else {"dh": self._dH.transpose(1, 0, 2)}

    def _config(self, kind) -> dict:
        return {
            "type": kind,
            "n_in": self.n_in,
            "n_hidden": self.n_hidden,
            "return_sequences": self.return_sequences,
            "clip": self.clip,
            "init": self.init,
        }

    def short(self) -> str:
        return f"{self._label} {self.n_hidden}" + (" seq" if self.return_sequences else "")

    def __repr__(self) -> str:
        extra = ", return_sequences=True" if self.return_sequences else ""
        if self.clip is not None:
            extra += f", clip={self.clip:g}"
        return f"{type(self).__name__}({self.n_in} → {self.n_hidden}{extra})"


class SimpleRNN(RecurrentBase):
    """Elman recurrent layer with a tanh state, over batch-first sequences.

    Parameters
    ----------
    n_in, n_hidden : int
        Features per time step and hidden units ``H``, each >= 1.
    return_sequences : bool, default False
        Output every hidden state, shape (N, T, H), instead of the last one, shape (N, H) (needed to
        stack a second recurrent layer on top).
    clip : float or None, default None
        Gradient-norm clipping: after each backward pass, if the Euclidean norm of this layer's
        gradients (``W_xh``, ``W_hh`` and ``b`` together) exceeds ``clip``, they are scaled by
        ``clip / (norm + 1e-6)`` (``torch.nn.utils.clip_grad_norm_`` applied to this layer alone). The
        gradient passed on to the layer below is not clipped. The unclipped norm is kept in
        ``grad_norm_``.
    init : {"glorot", "orthogonal", "torch"}, default "glorot"
        See :func:`recurrent_init`.
    seed : int, numpy.random.Generator or None
        Seed for the initial weights of a layer used on its own.

    Attributes
    ----------
    W_xh : ndarray of shape (n_in, H)
    W_hh : ndarray of shape (H, H)
    b : ndarray of shape (H,)
        torch.nn.RNN's ``weight_ih_l0.T``, ``weight_hh_l0.T`` and ``bias_ih_l0 + bias_hh_l0``.

    Notes
    -----
    For ``X`` of shape (N, T, n_in), with ``h_0 = 0``:

    ``a_t = x_t W_xh + h_{t−1} W_hh + b``, ``h_t = tanh(a_t)``, t = 1 … T.

    Backpropagation through time, from ``g_t = ∂L/∂h_t`` (output part) and ``dh_{T+1} = 0``:
    ``dh_t = g_t + da_{t+1} W_hhᵀ`` (the whole gradient reaching ``h_t``), ``da_t = dh_t ⊙ (1 − h_t²)``,
    ``∂L/∂W_xh = Σ_t x_tᵀ da_t``, ``∂L/∂W_hh = Σ_t h_{t−1}ᵀ da_t``, ``∂L/∂b = Σ_t Σ_n da_t``,
    ``∂L/∂x_t = da_t W_xhᵀ``. ``‖dh_t‖`` shrinking as t goes back is the vanishing gradient.

    Examples
    --------
    >>> import numpy as np
    >>> rnn = SimpleRNN(1, 16, seed=0)
    >>> X = np.zeros((4, 30, 1))           # 4 sequences of 30 steps, 1 feature
    >>> rnn.forward(X).shape, rnn.trace_arrays()["h"].shape
    ((4, 16), (4, 30, 16))
    """

    penalised = ("W_xh", "W_hh")

    def __init__(self, n_in: int, n_hidden: int, return_sequences: bool = False, clip: float | None = None,
                 init: str = "glorot", seed=None):
        super().__init__(n_in, n_hidden, return_sequences, clip, init, seed)

    def param_shapes(self) -> dict[str, tuple[int, ...]]:
        H = self.n_hidden
        return {"W_xh": (self.n_in, H), "W_hh": (H, H), "b": (H,)}

    def reset_parameters(self, rng: np.random.Generator) -> None:
        """Draw new initial weights from ``rng`` (in place)."""
        W_x, W_h, b = recurrent_init(self.init, self.n_in, self.n_hidden, 1, rng)
        self.params["W_xh"][...] = W_x
        self.params["W_hh"][...] = W_h
        self.params["b"][...] = b

    W_xh = param_property("W_xh", "Input weights, of shape (n_in, H).")
    W_hh = param_property("W_hh", "Recurrent weights, of shape (H, H).")
    b = param_property("b", "Bias, of shape (H,).")

    def forward(self, X: np.ndarray, training: bool = False) -> np.ndarray:
        """Hidden states for ``X`` of shape (N, T, n_in): (N, H) (last) or (N, T, H) (all)."""
        self._check_batch(X)
        W_xh, W_hh, b = self._params_as(self._compute_dtype(X))
        N, T, _ = X.shape
        H = self.n_hidden
        Xt = np.ascontiguousarray(X.transpose(1, 0, 2))  # time-major: each step's rows are contiguous
        A = dot(Xt.reshape(T * N, -1), W_xh).reshape(T, N, H)  # x_t W_xh for every t in one product
        A += b
        Hs = np.empty((T + 1, N, H), dtype=A.dtype)  # Hs[t] = h_t, Hs[0] = h_0 = 0
        Hs[0] = 0.0
        np.tanh(A[0], out=Hs[1])
        tmp = np.empty((N, H), dtype=A.dtype)
        mm = np.dot if N * H * H <= BLAS_SINGLE_THREAD_MNK else dot  # skip the wrapper in the loop
        for t in range(1, T):
            mm(Hs[t], W_hh, out=tmp)
            tmp += A[t]
            np.tanh(tmp, out=Hs[t + 1])
        self._cache = (Xt, Hs)
        return Hs[1:].transpose(1, 0, 2) if self.return_sequences else Hs[T]

    def backward(self, dY: np.ndarray, need_dx: bool = True) -> np.ndarray | None:
        """BPTT from ``dY`` (shaped like the output); returns ``∂L/∂X`` of shape (N, T, n_in)."""
        Xt, Hs = self._cache
        T, N, H = Hs.shape[0] - 1, Hs.shape[1], Hs.shape[2]
        W_xh, W_hh, _ = self._params_as(Hs.dtype)
        W_hhT = W_hh.T
        D = np.square(Hs[1:])
        np.subtract(1.0, D, out=D)  # tanh'(a_t) = 1 − h_t², all steps at once
        dH = np.empty((T, N, H), dtype=Hs.dtype)
        dA = np.empty((T, N, H), dtype=Hs.dtype)
        if self.return_sequences:
            dH[...] = dY.transpose(1, 0, 2)
        else:
            dH[T - 1] = dY
        np.multiply(dH[T - 1], D[T - 1], out=dA[T - 1])
        mm = np.dot if N * H * H <= BLAS_SINGLE_THREAD_MNK else dot
        for t in range(T - 2, -1, -1):
            if self.return_sequences:
                dH[t] += mm(dA[t + 1], W_hhT)
            else:
                mm(dA[t + 1], W_hhT, out=dH[t])
            np.multiply(dH[t], D[t], out=dA[t])
        dAf = dA.reshape(T * N, H)
        g = self.grads
        dot(Xt.reshape(T * N, -1).T, dAf, out=g["W_xh"])
        dot(Hs[:-1].reshape(T * N, H).T, dAf, out=g["W_hh"])
        np.add.reduce(dAf, axis=0, out=g["b"])
        self._dA, self._dH = dA, dH
        self._clip()
        if not need_dx:
            return None
        return dot(dAf, W_xh.T).reshape(T, N, -1).transpose(1, 0, 2)

    def trace_arrays(self) -> dict[str, np.ndarray]:
        """``{"h": h_t}`` of shape (N, T, H), every hidden state of the last forward pass."""
        return {} if self._cache is None else {"h": self._cache[1][1:].transpose(1, 0, 2)}

    def get_config(self) -> dict:
        return self._config("SimpleRNN")
