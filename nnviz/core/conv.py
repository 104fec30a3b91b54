"""A 2-D convolution layer (cross-correlation, as ``torch.nn.Conv2d``)."""
from __future__ import annotations

import numpy as np

from ._im2col import col2im, im2col, to_chwn
from ._layer_utils import check_pair, dot, init_weight, param_property
from ._validation import check_choice, check_int, check_rng
from .activations import get_activation
from .initializers import INITIALIZERS, default_init
from .layer import Layer

__all__ = ["Conv2D"]

#: Samples per chunk in an inference pass over many samples (see :meth:`Conv2D.forward`).
_INFERENCE_CHUNK = 256


class Conv2D(Layer):
    """2-D convolution over a batch of images, with an activation.

    Parameters
    ----------
    c_in, c_out : int
        Input channels and output channels (filters), each >= 1.
    kernel_size : int or pair of int
        ``(kh, kw)``; an int ``k`` means ``(k, k)``.
    stride : int or pair of int, default 1
        Step between receptive fields, ``(sh, sw)``.
    padding : int or pair of int, default 0
        Zero rows (``ph``) above and below, zero columns (``pw``) left and right.
    activation : str or None, default None
        A key of :data:`nnviz.core.ACTIVATIONS`; ``None`` means ``"linear"``.
    init : {"glorot", "he", "playground"} or None
        Initialiser with ``fan_in = c_in kh kw`` and ``fan_out = c_out kh kw`` (as ``torch.nn.init``);
        ``None`` picks He for ReLU-like activations and Glorot otherwise, as :class:`Dense` does.
    seed : int, numpy.random.Generator or None
        Seed for the initial weights of a layer used on its own.

    Attributes
    ----------
    W : ndarray of shape (c_out, c_in, kh, kw)
        Filters (``torch.nn.Conv2d.weight``).
    b : ndarray of shape (c_out,)
        One bias per filter.

    Notes
    -----
    For input ``X`` of shape (N, c_in, H, W), padded with zeros to ``X̃`` of shape
    (N, c_in, H + 2 ph, W + 2 pw), the pre-activation is the cross-correlation

    ``Z[n, o, y, x] = b[o] + Σ_{c, i, j} W[o, c, i, j] X̃[n, c, y sh + i, x sw + j]``

    of shape (N, c_out, Ho, Wo) with ``Ho = ⌊(H + 2 ph − kh) / sh⌋ + 1`` (likewise ``Wo``), and
    ``A = f(Z)``. Computed as one matrix product ``W_mat @ cols`` where ``cols`` (``im2col``) holds one
    receptive field per column. Backward, for ``dZ = dA ⊙ f'(Z)``: ``∂L/∂W = dZ_mat colsᵀ``,
    ``∂L/∂b = Σ_{n, y, x} dZ``, and ``∂L/∂X`` scatters ``W_matᵀ dZ_mat`` back to the pixels each field
    came from (``col2im``), summing where fields overlap; with stride 1 the same sum is computed as the
    correlation of ``dZ``, zero-padded by ``k − 1 − p``, with the flipped filters.

    The output (and ``z``) is a view of shape (N, c_out, Ho, Wo) on memory laid out as
    (c_out, Ho, Wo, N), samples innermost (see :mod:`nnviz.core._im2col`): index it as usual;
    ``np.ascontiguousarray`` gives a C-ordered copy.

    Examples
    --------
    >>> import numpy as np
    >>> conv = Conv2D(1, 8, 3, padding=1, activation="relu", seed=0)
    >>> conv
    Conv2D(1 → 8, 3x3, padding=1, 'relu')
    >>> conv.forward(np.zeros((2, 1, 8, 8))).shape
    (2, 8, 8, 8)
    >>> conv.output_shape((1, 28, 28)), Conv2D(1, 4, 5, stride=2).output_shape((1, 28, 28))
    ((8, 28, 28), (4, 12, 12))
    """

    penalised = ("W",)

    def __init__(self, c_in: int, c_out: int, kernel_size, stride=1, padding=0, activation=None,
                 init: str | None = None, seed=None):
        super().__init__()
        self.c_in = check_int("c_in", c_in, low=1)
        self.c_out = check_int("c_out", c_out, low=1)
        self.kernel_size = check_pair("kernel_size", kernel_size, 1)
        self.stride = check_pair("stride", stride, 1)
        self.padding = check_pair("padding", padding, 0)
        self.activation = get_activation("linear" if activation is None else activation)
        if self.activation.name == "softmax":
            raise ValueError("activation 'softmax' is not supported in Conv2D (it is row-wise); "
                             "use it on a Dense output layer")
        self.init = default_init(self.activation.name) if init is None else check_choice("init", init, INITIALIZERS)
        self._cache = None
        self._dZ = None
        self._allocate()
        self.reset_parameters(check_rng("seed", seed))

    # -- parameters -----------------------------------------------------------------------------
    def param_shapes(self) -> dict[str, tuple[int, ...]]:
        return {"W": (self.c_out, self.c_in, *self.kernel_size), "b": (self.c_out,)}

    def reset_parameters(self, rng: np.random.Generator) -> None:
        """Draw new initial filters from ``rng`` (in place)."""
        kh, kw = self.kernel_size
        W, bias = init_weight(self.init, (self.c_out, self.c_in, kh, kw),
                              self.c_in * kh * kw, self.c_out * kh * kw, rng)
        self.params["W"][...] = W
        self.params["b"][...] = bias

    W = param_property("W", "Filters, of shape (c_out, c_in, kh, kw) (``torch.nn.Conv2d.weight``).")
    b = param_property("b", "Biases, of shape (c_out,).")

    # -- shapes ---------------------------------------------------------------------------------
    def output_shape(self, input_shape) -> tuple[int, int, int]:
        """``(c_out, Ho, Wo)`` for a per-sample ``input_shape`` ``(c_in, H, W)``."""
        shape = tuple(input_shape)
        if len(shape) != 3:
            raise ValueError(f"{self!r} expects images of shape (channels, height, width) = "
                             f"({self.c_in}, H, W) per sample, got shape {shape}")
        if shape[0] != self.c_in:
            raise ValueError(f"{self!r} expects {self.c_in} input channel(s), got shape {shape} "
                             f"with {shape[0]}")
        (kh, kw), (sh, sw), (ph, pw) = self.kernel_size, self.stride, self.padding
        Hp, Wp = shape[1] + 2 * ph, shape[2] + 2 * pw
        if kh > Hp or kw > Wp:
            raise ValueError(f"{self!r}: the kernel ({kh}x{kw}) is larger than the padded input "
                             f"({Hp}x{Wp}) for input shape {shape}")
        return self.c_out, (Hp - kh) // sh + 1, (Wp - kw) // sw + 1

    # -- computation ----------------------------------------------------------------------------
    def forward(self, X: np.ndarray, training: bool = False) -> np.ndarray:
        """``A = f(conv(X, W) + b)`` for ``X`` of shape (N, c_in, H, W); returns (N, c_out, Ho, Wo)."""
        if X.ndim != 4:
            raise ValueError(f"{self!r} expects a batch of shape (n_samples, {self.c_in}, H, W), "
                             f"got shape {X.shape}")
        _, Ho, Wo = self.output_shape(X.shape[1:])
        W, b = self.params["W"], self.params["b"]
        if X.dtype != W.dtype and X.dtype.kind == "f":  # e.g. float32 images through a float64 network
            W, b = W.astype(X.dtype), b.astype(X.dtype)
        N = X.shape[0]
        Wm = W.reshape(self.c_out, -1)
        if training or N <= _INFERENCE_CHUNK:
            cols = self._im2col(X, Ho, Wo)  # (c_in kh kw, Ho Wo N)
            Zm = dot(Wm, cols)  # (c_out, Ho Wo N)
            Zm += b[:, None]
        else:
            # Inference on many samples (an evaluation, a trace): chunks of samples keep the unfolded
            # images in cache, about twice as fast; a later backward (trace with targets) unfolds again.
            cols = None
            Zm = np.empty((self.c_out, Ho * Wo, N), dtype=np.result_type(X, W))
            for s in range(0, N, _INFERENCE_CHUNK):
                part = dot(Wm, self._im2col(X[s : s + _INFERENCE_CHUNK], Ho, Wo))
                Zm[:, :, s : s + _INFERENCE_CHUNK] = part.reshape(self.c_out, Ho * Wo, -1)
            Zm += b[:, None, None]
        Zc = Zm.reshape(self.c_out, Ho, Wo, N)
        # (N, c_out, Ho, Wo) as a view of (c_out, Ho, Wo, N) memory: see nnviz.core._im2col. The
        # activation is elementwise: apply it in memory order (NumPy iterates a transposed view of small
        # arrays several times slower), then view the result as (N, c_out, Ho, Wo) too.
        Z = Zc.transpose(3, 0, 1, 2)
        A = self.activation.forward(Zc).transpose(3, 0, 1, 2)
        self._cache = (cols, X, (Ho, Wo), Z, A)
        return A

    def _im2col(self, X: np.ndarray, Ho: int, Wo: int) -> np.ndarray:
        return im2col(to_chwn(X, self.padding), self.kernel_size, self.stride, (Ho, Wo))

    def backward(self, dA: np.ndarray, need_dx: bool = True) -> np.ndarray | None:
        """Gradients from ``dA = ∂L/∂A`` of shape (N, c_out, Ho, Wo); returns ``∂L/∂X`` (N, c_in, H, W)."""
        cols, X, out_hw, Z, A = self._cache
        if cols is None:  # after a chunked inference pass
            cols = self._im2col(X, *out_hw)
        # dZ = f'(Z) ⊙ dA in (c_out, Ho, Wo, N) memory order, like the forward pass (dA arrives in it from
        # the layer above). f'(Z) then one multiply: for ReLU five times faster than a masked select.
        dAc = dA.transpose(1, 2, 3, 0)
        if self.activation.name == "linear":
            dZc = np.ascontiguousarray(dAc)
        else:
            dZc = self.activation.derivative(Z.transpose(1, 2, 3, 0), A.transpose(1, 2, 3, 0))
            dZc *= dAc
        self._dZ = dZc.transpose(3, 0, 1, 2)
        dZm = dZc.reshape(self.c_out, -1)  # (c_out, Ho Wo N)
        dot(dZm, cols.T, out=self.grads["W"].reshape(self.c_out, -1))
        np.add.reduce(dZm, axis=1, out=self.grads["b"])
        if not need_dx:
            return None
        W = self.params["W"]
        if W.dtype != dZm.dtype:
            W = W.astype(dZm.dtype)
        N, C, H, Wd = X.shape
        (kh, kw), (ph, pw) = self.kernel_size, self.padding
        if self.stride == (1, 1) and ph < kh and pw < kw:
            # Stride 1: ∂L/∂X is the "full" correlation of dZ (zero-padded by k − 1 − p) with the flipped
            # filters, channels swapped — one more im2col and one matmul, faster than a scatter-add.
            qh, qw = kh - 1 - ph, kw - 1 - pw
            dZp = np.zeros((self.c_out, out_hw[0] + 2 * qh, out_hw[1] + 2 * qw, N), dtype=dZm.dtype)
            dZp[:, qh : qh + out_hw[0], qw : qw + out_hw[1]] = dZm.reshape(self.c_out, *out_hw, N)
            cols2 = im2col(dZp, self.kernel_size, (1, 1), (H, Wd))  # (c_out kh kw, H W N)
            Wf = W[:, :, ::-1, ::-1].transpose(1, 0, 2, 3).reshape(C, -1)  # (c_in, c_out kh kw)
            return dot(Wf, cols2).reshape(C, H, Wd, N).transpose(3, 0, 1, 2)  # a view of CHWN memory
        dcols = dot(W.reshape(self.c_out, -1).T, dZm)  # (c_in kh kw, Ho Wo N)
        dXp = col2im(dcols, (H + 2 * ph, Wd + 2 * pw), self.kernel_size, self.stride, out_hw, C, N)
        return dXp[:, ph : ph + H, pw : pw + Wd].transpose(3, 0, 1, 2)  # (N, c_in, H, W), a view

    @property
    def z(self) -> np.ndarray | None:
        """The pre-activation feature maps ``Z`` of the last forward pass, of shape (N, c_out, Ho, Wo)."""
        return None if self._cache is None else self._cache[3]

    @property
    def delta(self) -> np.ndarray | None:
        """``∂L/∂Z`` of shape (N, c_out, Ho, Wo) from the last backward pass."""
        return self._dZ

    def trace_arrays(self) -> dict[str, np.ndarray]:
        """``{"z": Z}``, the pre-activation feature maps of shape (N, c_out, Ho, Wo)."""
        return {} if self._cache is None else {"z": self._cache[3]}

    # -- description ----------------------------------------------------------------------------
    def get_config(self) -> dict:
        return {
            "type": "Conv2D",
            "c_in": self.c_in,
            "c_out": self.c_out,
            "kernel_size": list(self.kernel_size),
            "stride": list(self.stride),
            "padding": list(self.padding),
            "activation": self.activation.name,
            "init": self.init,
        }

    def short(self) -> str:
        kh, kw = self.kernel_size
        act = "" if self.activation.name == "linear" else f" {self.activation.name}"
        return f"conv {self.c_out}@{kh}x{kw}{act}"

    def __repr__(self) -> str:
        extra = ""
        if self.stride != (1, 1):
            extra += f", stride={_pair_text(self.stride)}"
        if self.padding != (0, 0):
            extra += f", padding={_pair_text(self.padding)}"
        return (f"Conv2D({self.c_in} → {self.c_out}, {_pair_text(self.kernel_size, 'x')}{extra}, "
                f"{self.activation.name!r})")


def _pair_text(pair, sep=None) -> str:
    if sep is not None:
        return f"{pair[0]}{sep}{pair[1]}"
    return str(pair[0]) if pair[0] == pair[1] else f"({pair[0]}, {pair[1]})"

