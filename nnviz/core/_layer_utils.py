"""Small helpers shared by the convolutional and recurrent layers: argument checks and initialisers."""
from __future__ import annotations

import numbers

import numpy as np

from ._validation import check_choice, describe

__all__ = ["BLAS_SINGLE_THREAD_MNK", "check_pair", "checked_array", "dot", "init_weight", "param_property"]


def check_pair(name: str, value, low: int) -> tuple[int, int]:
    """An int or a pair of ints, each >= ``low``, as a pair ``(rows, cols)``."""
    if isinstance(value, (tuple, list)) and len(value) == 2:
        items = tuple(value)
    elif isinstance(value, numbers.Integral) and not isinstance(value, bool):
        items = (value, value)
    else:
        raise TypeError(f"{name} must be an integer >= {low} or a pair of them, got {describe(value)}")
    for v in items:
        if isinstance(v, bool) or not isinstance(v, numbers.Integral):
            raise TypeError(f"{name} must be an integer >= {low} or a pair of them, got {describe(value)}")
        if v < low:
            raise ValueError(f"{name} must be an integer >= {low} or a pair of them, got {value!r}")
    return int(items[0]), int(items[1])


def checked_array(name: str, value, shape) -> np.ndarray:
    """``value`` as an array after checking it is numeric, of ``shape`` and finite (for a setter)."""
    arr = np.asarray(value)
    if arr.dtype == object or not np.issubdtype(arr.dtype, np.number):
        raise TypeError(f"{name} must be a numeric array of shape {tuple(shape)}, got {describe(value)}")
    if arr.shape != tuple(shape):
        raise ValueError(f"{name} must have shape {tuple(shape)}, got shape {arr.shape}")
    if not np.isfinite(arr).all():
        raise ValueError(f"{name} must contain only finite values, got NaN or inf")
    return arr


_INITS = ("glorot", "he", "playground")


def init_weight(name: str, shape, fan_in: int, fan_out: int, rng: np.random.Generator):
    """Weights of ``shape`` and zero biases drawn as :mod:`nnviz.core.initializers` does, for the given
    fans (a Conv2D's ``fan_in = c_in kh kw``, ``fan_out = c_out kh kw``, as ``torch.nn.init``).

    ``glorot``: ``U(±sqrt(6 / (fan_in + fan_out)))``; ``he``: ``U(±sqrt(6 / fan_in))``; ``playground``:
    ``U(±0.5)``. Returns ``(W, bias_value)`` with ``bias_value`` 0.0 (0.1 for ``playground``). For a
    Dense-shaped ``(n_in, n_out)`` this draws exactly what the named initialiser draws.
    """
    name = check_choice("init", name, _INITS)
    if name == "glorot":
        bound, bias = np.sqrt(6.0 / (fan_in + fan_out)), 0.0
    elif name == "he":
        bound, bias = np.sqrt(6.0 / fan_in), 0.0
    else:
        bound, bias = 0.5, 0.1
    return rng.uniform(-bound, bound, size=shape), bias


def param_property(name: str, doc: str) -> property:
    """A property reading ``self.params[name]`` and assigning into it in place after checking the
    value's shape against ``self.param_shapes()[name]`` (a network's views stay valid); an assignment
    is reported through :meth:`Layer._assigned` (no later seed re-initialises it, and a network moves its
    roll-back state to it)."""

    def get(self):
        return self.params[name]

    def set(self, value):
        self.params[name][...] = checked_array(name, value, self.param_shapes()[name])
        self._assigned()

    return property(get, set, doc=doc)


#: Largest ``m * n * k`` that OpenBLAS computes on one thread (its ``SMP_THRESHOLD_MIN`` x
#: ``GEMM_MULTITHREAD_THRESHOLD`` = 65536 x 4). Above it OpenBLAS wakes a second thread; on two cores
#: shared with other work that thread is often descheduled and a 20 µs product takes milliseconds
#: (an LSTM's forward pass over 1,000 sequences took 200 ms instead of 10 ms). :func:`dot` keeps every
#: product at or below this size.
BLAS_SINGLE_THREAD_MNK = 262144


def dot(A: np.ndarray, B: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """``A @ B`` for 2-D arrays as products small enough for one BLAS thread (see
    :data:`BLAS_SINGLE_THREAD_MNK`): as few blocks of rows of ``A`` (or of columns of ``B``) as will do,
    and blocks of the inner dimension too when one row or column alone is too big. ``out`` may be any
    (M, N) view."""
    M, K = A.shape
    N = B.shape[1]
    limit = BLAS_SINGLE_THREAD_MNK
    if K == 1:  # an outer product (a one-feature sequence): one broadcast multiply, exact like BLAS
        return np.multiply(A, B, out=out)
    if M * N * K <= limit:
        if out is None:
            return np.dot(A, B)
        if out.flags.c_contiguous and out.dtype == np.result_type(A, B):
            return np.dot(A, B, out=out)  # the cheapest call for the small products of a training step
        return np.matmul(A, B, out=out)
    if out is None:
        out = np.empty((M, N), dtype=np.result_type(A, B))
    bm, bn, bk = M, N, K
    if M >= N and N * K <= limit:  # blocks of rows: no sums across blocks
        bm = next(b for p in range(-(-M * N * K // limit), M + 1) if (b := -(-M // p)) * N * K <= limit)
    elif N > M and M * K <= limit:  # blocks of columns
        bn = next(b for p in range(-(-M * N * K // limit), N + 1) if (b := -(-N // p)) * M * K <= limit)
    else:
        while bm * bn * bk > limit:  # halve the largest block side until the product is small enough
            if bk >= bm and bk >= bn:
                bk = (bk + 1) // 2
            elif bm >= bn:
                bm = (bm + 1) // 2
            else:
                bn = (bn + 1) // 2
    for r in range(0, M, bm):
        for c in range(0, N, bn):
            o = out[r : r + bm, c : c + bn]
            np.matmul(A[r : r + bm, :bk], B[:bk, c : c + bn], out=o)
            for k in range(bk, K, bk):
                o += np.matmul(A[r : r + bm, k : k + bk], B[k : k + bk, c : c + bn])
    return out
