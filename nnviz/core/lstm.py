"""Long short-term memory (``torch.nn.LSTM``'s cell, gates in the order i, f, g, o)."""
from __future__ import annotations

import numpy as np

from ._layer_utils import BLAS_SINGLE_THREAD_MNK, dot, param_property
from ._validation import check_float
from .activations import _sigmoid
from .recurrent import RecurrentBase, recurrent_init

__all__ = ["LSTM"]

GATES = ("i", "f", "g", "o")
"""Gate names in parameter order: input, forget, cell candidate, output (torch's order)."""


class LSTM(RecurrentBase):
    """LSTM layer over batch-first sequences (PyTorch's equations and gate order).

    Parameters
    ----------
    n_in, n_hidden : int
        Features per time step and hidden units ``H``, each >= 1.
    return_sequences : bool, default False
        Output every hidden state, shape (N, T, H), instead of the last one, shape (N, H).
    clip : float or None, default None
        Gradient-norm clipping of this layer's gradients, as in :class:`SimpleRNN`.
    init : {"glorot", "orthogonal", "torch"}, default "glorot"
        See :func:`nnviz.core.recurrent.recurrent_init` (applied per gate block).
    forget_bias : float, default 1.0
        Added to the forget gate's initial bias ``b[H:2H]``, so that the cell starts out remembering
        (Jozefowicz et al. 2015; Keras' ``unit_forget_bias``). ``0`` with ``init="torch"`` gives
        torch's own initial distribution.
    seed : int, numpy.random.Generator or None
        Seed for the initial weights of a layer used on its own.

    Attributes
    ----------
    W_x : ndarray of shape (n_in, 4H)
    W_h : ndarray of shape (H, 4H)
    b : ndarray of shape (4H,)
        Column blocks ``[i | f | g | o]`` of H each: torch.nn.LSTM's ``weight_ih_l0.T``,
        ``weight_hh_l0.T`` and ``bias_ih_l0 + bias_hh_l0``.

    Notes
    -----
    For ``X`` of shape (N, T, n_in), with ``h_0 = c_0 = 0`` and ``σ`` the logistic sigmoid:

    ``[a_i | a_f | a_g | a_o] = x_t W_x + h_{t−1} W_h + b``,
    ``i = σ(a_i)``, ``f = σ(a_f)``, ``g = tanh(a_g)``, ``o = σ(a_o)``,
    ``c_t = f ⊙ c_{t−1} + i ⊙ g``, ``h_t = o ⊙ tanh(c_t)``.

    Backward through time, with ``dh_t`` the whole gradient reaching ``h_t`` and ``dc_{T+1} = 0``:
    ``dc_t = dc_{t+1} ⊙ f_{t+1} + dh_t ⊙ o ⊙ (1 − tanh² c_t)``; ``da_o = dh_t ⊙ tanh c_t ⊙ o(1 − o)``,
    ``da_i = dc_t ⊙ g ⊙ i(1 − i)``, ``da_f = dc_t ⊙ c_{t−1} ⊙ f(1 − f)``, ``da_g = dc_t ⊙ i ⊙ (1 − g²)``;
    ``dh_{t−1} = g_{t−1} + da_t W_hᵀ``. The cell path ``dc_t → dc_{t−1}`` is multiplied only by ``f``,
    not by a weight matrix and a tanh', which is why the gradient survives many steps when ``f ≈ 1``.

    Examples
    --------
    >>> import numpy as np
    >>> lstm = LSTM(1, 16, return_sequences=True, seed=0)
    >>> lstm.forward(np.zeros((4, 30, 1))).shape
    (4, 30, 16)
    >>> sorted(lstm.trace_arrays())
    ['c', 'f', 'g', 'h', 'i', 'o']
    """

    penalised = ("W_x", "W_h")
    _label = "lstm"

    def __init__(self, n_in: int, n_hidden: int, return_sequences: bool = False, clip: float | None = None,
                 init: str = "glorot", forget_bias: float = 1.0, seed=None):
        self.forget_bias = check_float("forget_bias", forget_bias)
        super().__init__(n_in, n_hidden, return_sequences, clip, init, seed)

    def param_shapes(self) -> dict[str, tuple[int, ...]]:
        H = self.n_hidden
        return {"W_x": (self.n_in, 4 * H), "W_h": (H, 4 * H), "b": (4 * H,)}

    def reset_parameters(self, rng: np.random.Generator) -> None:
        """Draw new initial weights from ``rng`` (in place); adds ``forget_bias`` to ``b[H:2H]``."""
        W_x, W_h, b = recurrent_init(self.init, self.n_in, self.n_hidden, 4, rng)
        H = self.n_hidden
        b[H : 2 * H] += self.forget_bias
        self.params["W_x"][...] = W_x
        self.params["W_h"][...] = W_h
        self.params["b"][...] = b

    W_x = param_property("W_x", "Input weights, of shape (n_in, 4H), blocks [i | f | g | o].")
    W_h = param_property("W_h", "Recurrent weights, of shape (H, 4H), blocks [i | f | g | o].")
    b = param_property("b", "Bias, of shape (4H,), blocks [i | f | g | o].")

    def forward(self, X: np.ndarray, training: bool = False) -> np.ndarray:
        """Hidden states for ``X`` of shape (N, T, n_in): (N, H) (last) or (N, T, H) (all)."""
        self._check_batch(X)
        W_x, W_h, b = self._params_as(self._compute_dtype(X))
        N, T, _ = X.shape
        H = self.n_hidden
        dt = W_x.dtype
        Xt = np.ascontiguousarray(X.transpose(1, 0, 2))  # time-major
        Ax = dot(Xt.reshape(T * N, -1), W_x).reshape(T, N, 4 * H)  # x_t W_x for every t at once
        Ax += b
        S = np.empty((T, N, 4 * H), dtype=dt)  # gate values i, f, g, o of every step
        C = np.empty((T + 1, N, H), dtype=dt)  # C[t] = c_t, C[0] = 0
        Hs = np.empty((T + 1, N, H), dtype=dt)  # Hs[t] = h_t, Hs[0] = 0
        TC = np.empty((T, N, H), dtype=dt)  # tanh(c_t)
        C[0] = 0.0
        Hs[0] = 0.0
        a = np.empty((N, 4 * H), dtype=dt)
        ig = np.empty((N, H), dtype=dt)
        mm = np.dot if N * H * 4 * H <= BLAS_SINGLE_THREAD_MNK else dot  # skip the wrapper in the loop
        for t in range(T):
            if t:
                mm(Hs[t], W_h, out=a)
                a += Ax[t]
            else:
                a[...] = Ax[0]
            s = S[t]
            _sigmoid(a, out=s)  # all four blocks; g is overwritten with tanh next
            np.tanh(a[:, 2 * H : 3 * H], out=s[:, 2 * H : 3 * H])
            np.multiply(s[:, H : 2 * H], C[t], out=C[t + 1])  # f c_{t−1}
            np.multiply(s[:, :H], s[:, 2 * H : 3 * H], out=ig)  # i g
            C[t + 1] += ig
            np.tanh(C[t + 1], out=TC[t])
            np.multiply(s[:, 3 * H :], TC[t], out=Hs[t + 1])
        self._cache = (Xt, S, C, TC, Hs)
        return Hs[1:].transpose(1, 0, 2) if self.return_sequences else Hs[T]

    def backward(self, dY: np.ndarray, need_dx: bool = True) -> np.ndarray | None:
        """BPTT from ``dY`` (shaped like the output); returns ``∂L/∂X`` of shape (N, T, n_in)."""
        Xt, S, C, TC, Hs = self._cache
        T, N, H = TC.shape
        dt = TC.dtype
        W_x, W_h, _ = self._params_as(dt)
        W_hT = W_h.T
        S4 = S.reshape(T, N, 4, H)
        I, F, G, O = S4[:, :, 0], S4[:, :, 1], S4[:, :, 2], S4[:, :, 3]
        # Everything that does not depend on the incoming gradient, for all steps at once:
        # P[:, :, k] multiplies dc_t to give da_i, da_f, da_g; Q multiplies dh_t to give da_o; R dh_t → dc_t.
        P = np.empty((T, N, 3, H), dtype=dt)
        np.multiply(G, I * (1.0 - I), out=P[:, :, 0])
        np.multiply(C[:-1], F * (1.0 - F), out=P[:, :, 1])
        np.multiply(I, 1.0 - G * G, out=P[:, :, 2])
        Q = TC * O * (1.0 - O)
        R = O * (1.0 - TC * TC)
        dH = np.empty((T, N, H), dtype=dt)
        dA = np.empty((T, N, 4, H), dtype=dt)
        if self.return_sequences:
            dH[...] = dY.transpose(1, 0, 2)
        else:
            dH[T - 1] = dY
        dc = np.zeros((N, H), dtype=dt)
        tmp = np.empty((N, H), dtype=dt)
        mm = np.dot if N * H * 4 * H <= BLAS_SINGLE_THREAD_MNK else dot
        dA_flat = dA.reshape(T, N, 4 * H)
        for t in range(T - 1, -1, -1):
            if t < T - 1:
                if self.return_sequences:
                    dH[t] += mm(dA_flat[t + 1], W_hT)
                else:
                    mm(dA_flat[t + 1], W_hT, out=dH[t])
                dc *= F[t + 1]  # dc_{t+1} f_{t+1}: the cell path
            np.multiply(dH[t], R[t], out=tmp)
            dc += tmp
            np.multiply(dc[:, None, :], P[t], out=dA[t, :, :3])
            np.multiply(dH[t], Q[t], out=dA[t, :, 3])
        dAf = dA.reshape(T * N, 4 * H)
        g = self.grads
        dot(Xt.reshape(T * N, -1).T, dAf, out=g["W_x"])
        dot(Hs[:-1].reshape(T * N, H).T, dAf, out=g["W_h"])
        np.add.reduce(dAf, axis=0, out=g["b"])
        self._dA, self._dH = dA.reshape(T, N, 4 * H), dH
        self._clip()
        if not need_dx:
            return None
        return dot(dAf, W_x.T).reshape(T, N, -1).transpose(1, 0, 2)

    def trace_arrays(self) -> dict[str, np.ndarray]:
        """``"h"`` and ``"c"`` (hidden and cell states) and the gates ``"i"``, ``"f"``, ``"g"``, ``"o"``
        of the last forward pass, each of shape (N, T, H)."""
        if self._cache is None:
            return {}
        _, S, C, _, Hs = self._cache
        T, N = S.shape[:2]
        S4 = S.reshape(T, N, 4, self.n_hidden)
        out = {"h": Hs[1:].transpose(1, 0, 2), "c": C[1:].transpose(1, 0, 2)}
        for k, name in enumerate(GATES):
            out[name] = S4[:, :, k].transpose(1, 0, 2)
        return out

    def get_config(self) -> dict:
        config = self._config("LSTM")
        config["forget_bias"] = self.forget_bias
        return config
