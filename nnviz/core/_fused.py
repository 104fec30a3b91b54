"""The compiled training path: one numba call runs a whole epoch of a dense network.

This is the only module of nnviz that imports numba. It is compiled ahead of time into an extension
module by :mod:`nnviz.core._fused_aot` in a child process (on Linux), or imported by
:mod:`nnviz.core.backend` for numba's JIT where that cannot be built, lazily (in a background thread at
the first ``fit`` on a network it can run, or at ``backend(wait=True)``). Nothing here is public:
:mod:`nnviz.core.backend` builds the arguments from a :class:`~nnviz.core.Network` and keeps the NumPy
path as the reference.

What one call of :func:`train_epoch` does, and in which order (the NumPy path's, formula for formula):

* for every mini-batch of the (already drawn) permutation: the forward pass ``z = Σ_i x_i W_ij + b_j``,
  ``a = f(z)`` layer by layer; the output gradient (``mse``: ``(a − t) · (1/m)`` through the output
  activation; ``bce`` and ``cross_entropy`` from the logits: ``(a − t) · (1/m)``); backward
  ``∂L/∂W = Xᵀ dZ``, ``∂L/∂b = Σ dZ``, ``∂L/∂X = dZ Wᵀ`` through each activation; L2 then L1 on the weights
  (``g += (λ₂ w) · mask``, ``g += (λ₁ sign w) · mask``); the optimiser (``torch.optim`` semantics, the
  NumPy optimisers' operation order); then the divergence check ``isfinite(p · p)``, which stops the
  epoch at the failing step;
* at the end: the data loss and accuracy on the whole training set (and the validation set), as
  ``Network._evaluate`` computes them.

Buffers are flat C-ordered arrays indexed by hand, unit-major (``z[j * rows + s]``: unit ``j``, sample
``s``, as the NumPy path's column-major buffers), so one compiled signature serves every architecture (no
compile per network); a batch is padded to a multiple of 4 samples (one vector of float64) so that the
inner loops run whole vector iterations.

What makes it fast, measured (a mini-batch is ten samples: the cost is in entering loops and in memory
traffic, not in arithmetic):

* buffers are addressed by offsets, never sliced (a view costs two atomic reference-count updates), and
  read and written through :func:`_get` / :func:`_put`, which skip numba's negative-index wrap-around:
  with it, ``a[base + s]`` in a loop compiles to gathers and scatters;
* the dense products take up to four inputs (or outputs) per pass over the samples, the first pass
  writing and the last adding the bias: a quarter of the loops, each partial sum held in a register;
* ``exp`` is :func:`_exp`, a branch-free exponential within 1 ulp of NumPy's that LLVM inlines and
  vectorises (numba's ``math.exp`` is a scalar libm call, which would cost more than the rest of an
  epoch); tanh uses its polynomial without the range handling (:func:`_tanh`).

:func:`forward_output32` is the float32 inference pass for decision grids.
"""
from __future__ import annotations

import math

import numba as nb
import numpy as np
from llvmlite import ir
from numba.core import types
from numba.extending import intrinsic

# -- codes (backend.py mirrors them without importing this module; a test checks that they agree) --------
LINEAR, SIGMOID, TANH, RELU, LEAKY_RELU, ELU, SOFTPLUS, SWISH, SOFTMAX = range(9)
ACTIVATION_CODES = {
    "linear": LINEAR, "sigmoid": SIGMOID, "tanh": TANH, "relu": RELU, "leaky_relu": LEAKY_RELU,
    "elu": ELU, "softplus": SOFTPLUS, "swish": SWISH, "softmax": SOFTMAX,
}
MSE, BCE, CROSS_ENTROPY = range(3)
LOSS_CODES = {"mse": MSE, "bce": BCE, "cross_entropy": CROSS_ENTROPY}
SGD, MOMENTUM, ADAM = range(3)
#: how accuracy is counted: not at all, threshold 0.5 on one output, arg-max over the outputs, or as
#: ``MSE.correct`` decides from the targets (0/1 in one column: threshold; one-hot rows: arg-max; else none)
ACC_NONE, ACC_BINARY, ACC_ARGMAX, ACC_MSE = range(4)

# meta (int64) layout: fixed header, then sizes[L + 1], activation codes[L], parameter offsets[L]
M_LAYERS, M_LOSS, M_OPT, M_BATCH, M_ACC, M_VAL_ACC, M_HAS_VAL, M_FIRST, M_ADAM_T, M_DONE, M_FAILED = range(11)
M_HEADER = 11
# hyper (float64) layout: fixed header, then one activation parameter (alpha) per layer
H_LR, H_MOMENTUM, H_BETA1, H_BETA2, H_EPS, H_L1, H_L2 = range(7)
H_HEADER = 7
# res (float64) layout
R_LOSS, R_ACC, R_VAL_LOSS, R_VAL_ACC = range(4)
#: rows per block when evaluating a whole data set (keeps the buffers in L1/L2 cache)
EVAL_ROWS = 256

_jit = nb.njit(cache=True, error_model="numpy", nogil=True)
# helpers that allocate nothing are compiled without reference counting (``_nrt=False``): each array
# they are passed would otherwise cost two atomic updates per call, dozens of calls per mini-batch
_jit_nrt0 = nb.njit(cache=True, error_model="numpy", nogil=True, _nrt=False)
# elementwise formulas and matrix products may fuse a multiply and an add (one rounding instead of two,
# as BLAS does on the NumPy path); the optimiser updates keep NumPy's separate operations
_jit_fma = nb.njit(cache=True, error_model="numpy", nogil=True, fastmath={"contract"}, _nrt=False)


@intrinsic
def _int_bits_as_float(typingctx, bits):
    """The float64 whose bit pattern is the int64 ``bits`` (an LLVM bitcast, free and vectorisable)."""
    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], ir.DoubleType())
    return types.float64(types.int64), codegen


@intrinsic
def _get(typingctx, a, i):
    """``a[i]`` without the negative-index wrap-around (``i >= 0`` always here): with it, a loop over
    ``a[base + s]`` becomes gathers and scatters instead of contiguous vector loads and stores."""
    def codegen(context, builder, signature, args):
        ary = context.make_array(signature.args[0])(context, builder, args[0])
        return builder.load(builder.gep(ary.data, [args[1]], inbounds=True))
    return a.dtype(a, types.intp), codegen


@intrinsic
def _put(typingctx, a, i, v):
    """``a[i] = v`` without the negative-index wrap-around (see :func:`_get`)."""
    def codegen(context, builder, signature, args):
        ary = context.make_array(signature.args[0])(context, builder, args[0])
        value = context.cast(builder, args[2], signature.args[2], signature.args[0].dtype)
        builder.store(value, builder.gep(ary.data, [args[1]], inbounds=True))
        return context.get_dummy_value()
    return types.none(a, types.intp, v), codegen


# exp(x) = 2^k · exp(r) with k = round(x / ln2) and |r| <= ln2 / 2 (Cody-Waite: ln2 = C1 + C2, C1 exact
# in few bits); exp(r) by its Taylor polynomial of degree 13 (error below 1e-17), Horner's rule. No
# division, so the loop vectorises to multiply-adds.
_LOG2E = 1.4426950408889634
_C1 = 6.93145751953125e-1
_C2 = 1.42860682030941723212e-6
_E = tuple(1.0 / math.factorial(i) for i in range(14))
_EXP_MAX = 709.782712893384  # above: inf
_EXP_MIN = -745.1332191019412  # below: 0


@_jit
def _exp_reduced(xc):
    """``exp(xc) = e · 2^k`` for a finite ``xc`` in [−746, 710]: ``(k, e)`` with the integer
    ``k = round(xc / ln2)`` and ``e = exp(r)``, ``|r| <= ln2 / 2``, by Horner's rule (the part :func:`_exp`
    and :func:`_tanh` share; LLVM inlines it)."""
    k = np.floor(xc * _LOG2E + 0.5)
    r = xc - k * _C1
    r = r - k * _C2
    e = _E[13]
    e = e * r + _E[12]
    e = e * r + _E[11]
    e = e * r + _E[10]
    e = e * r + _E[9]
    e = e * r + _E[8]
    e = e * r + _E[7]
    e = e * r + _E[6]
    e = e * r + _E[5]
    e = e * r + _E[4]
    e = e * r + _E[3]
    e = e * r + _E[2]
    e = e * r + _E[1]
    e = e * r + _E[0]
    return np.int64(k), e


@_jit
def _exp(x):
    """``exp(x)`` within 1 ulp of NumPy's, without branches: LLVM inlines it and vectorises the loops
    that call it.

    ``2^k`` is applied as ``2^(k − k//2) · 2^(k//2)`` so that results in the subnormal range round once,
    as they should; inf, −inf and NaN map as NumPy's ``exp`` maps them.
    """
    xc = x
    if xc < -746.0:
        xc = -746.0
    if xc > 710.0:
        xc = 710.0
    if x != x:
        xc = 0.0
    k, e = _exp_reduced(xc)
    k1 = k >> 1
    v = e * _int_bits_as_float((k1 + 1023) << 52)
    v = v * _int_bits_as_float((k - k1 + 1023) << 52)
    if x > _EXP_MAX:
        v = math.inf
    if x < _EXP_MIN:
        v = 0.0
    if x != x:
        v = x
    return v


@_jit
def _tanh(z):
    """``1 − 2 / (1 + e^{2z})``, as ``activations._tanh``, with :func:`_exp`'s polynomial but none of its
    range handling: ``2z`` is clamped to ±40, where the formula already gives ±1 exactly, so the
    exponential needs no overflow, underflow or subnormal care (a third fewer operations)."""
    x = z * 2.0
    if x > 40.0:
        x = 40.0
    if x < -40.0:
        x = -40.0
    xc = x
    if x != x:
        xc = 0.0
    k, e = _exp_reduced(xc)
    v = e * _int_bits_as_float((k + 1023) << 52)
    if x != x:
        v = x
    return -2.0 / (v + 1.0) + 1.0


@_jit
def _sigmoid(z):
    """``1 / (1 + e^−z)``, as ``activations._sigmoid``."""
    return 1.0 / (_exp(-z) + 1.0)


@_jit_fma
def _activate(code, alpha, z, zb, a, ab, units, rows):
    """``a = f(z)`` over a unit-major block (``z[j * rows + s]``: unit ``j``, sample ``s``), as
    ``Activation.forward``."""
    n = units * rows
    if code == LINEAR:
        for i in range(n):
            _put(a, ab + i, _get(z, zb + i))
    elif code == SIGMOID:
        for i in range(n):
            _put(a, ab + i, _sigmoid(_get(z, zb + i)))
    elif code == TANH:
        # 1 − 2 / (1 + e^{2z}), as activations._tanh (within 4e-16 of np.tanh)
        for i in range(n):
            _put(a, ab + i, _tanh(_get(z, zb + i)))
    elif code == RELU:
        for i in range(n):
            zi = _get(z, zb + i)
            _put(a, ab + i, zi if (zi > 0.0 or zi != zi) else 0.0)  # np.maximum(z, 0): NaN stays NaN
    elif code == LEAKY_RELU:
        for i in range(n):
            zi = _get(z, zb + i)
            _put(a, ab + i, zi if zi > 0.0 else alpha * zi)
    elif code == ELU:
        for i in range(n):
            zi = _get(z, zb + i)
            m = zi if (zi < 0.0 or zi != zi) else 0.0  # np.minimum(z, 0)
            e = alpha * math.expm1(m)
            _put(a, ab + i, zi if zi > 0.0 else e)
    elif code == SOFTPLUS:
        for i in range(n):
            zi = _get(z, zb + i)
            mx = zi if (zi > 0.0 or zi != zi) else 0.0
            _put(a, ab + i, mx + math.log1p(_exp(-abs(zi))))
    elif code == SWISH:
        for i in range(n):
            _put(a, ab + i, _get(z, zb + i) * _sigmoid(_get(z, zb + i)))
    else:  # SOFTMAX over the units of each sample: e = exp(z − max); e /= Σ e
        for s in range(rows):
            mx = _get(z, zb + s)
            for j in range(1, units):
                v = _get(z, zb + j * rows + s)
                if v > mx or v != v:
                    mx = v
                if mx != mx:
                    break
            for j in range(units):
                _put(a, ab + j * rows + s, _exp(_get(z, zb + j * rows + s) - mx))
            t = 0.0
            for j in range(units):
                t += _get(a, ab + j * rows + s)
            for j in range(units):
                _put(a, ab + j * rows + s, _get(a, ab + j * rows + s) / t)


@_jit_fma
def _backward_act(code, alpha, d, db, z, zb, a, ab, units, rows):
    """``d ← ∂L/∂z`` from ``d = ∂L/∂a`` in place (unit-major blocks), as ``Activation.backward``."""
    n = units * rows
    if code == LINEAR:
        return
    elif code == SIGMOID:
        for i in range(n):
            _put(d, db + i, (1.0 - _get(a, ab + i)) * _get(a, ab + i) * _get(d, db + i))
    elif code == TANH:
        for i in range(n):
            _put(d, db + i, (1.0 - _get(a, ab + i) * _get(a, ab + i)) * _get(d, db + i))
    elif code == RELU:
        for i in range(n):
            _put(d, db + i, _get(d, db + i) if _get(z, zb + i) > 0.0 else 0.0)
    elif code == LEAKY_RELU:
        for i in range(n):
            _put(d, db + i, _get(d, db + i) if _get(z, zb + i) > 0.0 else alpha * _get(d, db + i))
    elif code == ELU:
        for i in range(n):
            _put(d, db + i, (1.0 if _get(z, zb + i) > 0.0 else _get(a, ab + i) + alpha) * _get(d, db + i))
    elif code == SOFTPLUS:  # f' = sigmoid(z), computed afresh as the NumPy path does
        for i in range(n):
            _put(d, db + i, _sigmoid(_get(z, zb + i)) * _get(d, db + i))
    elif code == SWISH:  # f' = a + s (1 − a), s = sigmoid(z)
        for i in range(n):
            sg = _sigmoid(_get(z, zb + i))
            _put(d, db + i, (_get(a, ab + i) + sg * (1.0 - _get(a, ab + i))) * _get(d, db + i))
    else:  # SOFTMAX: a (d − Σ_j d_j a_j) per sample
        for s in range(rows):
            t = 0.0
            for j in range(units):
                t += _get(d, db + j * rows + s) * _get(a, ab + j * rows + s)
            for j in range(units):
                _put(d, db + j * rows + s, _get(a, ab + j * rows + s) * (_get(d, db + j * rows + s) - t))


@_jit_fma
def _dense_forward(p, off, n_in, n_out, x, xb, z, zb, rows):
    """``z = x W + b`` on unit-major blocks: ``z[j, s] = Σ_i W[i, j] x[i, s] + b[j]``, the sum in order
    of ``i`` and the bias last. ``W`` (row-major, n_in × n_out) is at ``p[off:]``, ``b`` after it.

    Up to four inputs at a time inside the loop over samples, the first pass writing ``z`` and the last
    adding the bias: a mini-batch has few samples, and a loop costs more to enter than its arithmetic
    (this order of operations gives the sum of the plain loops bit for bit)."""
    boff = off + n_in * n_out
    for j in range(n_out):
        zo = zb + j * rows
        b = p[boff + j]
        w0 = p[off + j]
        x0 = xb
        if n_in == 1:
            for s in range(rows):
                _put(z, zo + s, w0 * _get(x, x0 + s) + b)
            continue
        w1 = p[off + n_out + j]
        x1 = x0 + rows
        if n_in == 2:
            for s in range(rows):
                _put(z, zo + s, (w0 * _get(x, x0 + s) + w1 * _get(x, x1 + s)) + b)
            continue
        w2 = p[off + 2 * n_out + j]
        x2 = x1 + rows
        if n_in == 3:
            for s in range(rows):
                _put(z, zo + s, ((w0 * _get(x, x0 + s) + w1 * _get(x, x1 + s)) + w2 * _get(x, x2 + s)) + b)
            continue
        w3 = p[off + 3 * n_out + j]
        x3 = x2 + rows
        if n_in == 4:
            for s in range(rows):
                _put(z, zo + s, (((w0 * _get(x, x0 + s) + w1 * _get(x, x1 + s)) + w2 * _get(x, x2 + s))
                                 + w3 * _get(x, x3 + s)) + b)
            continue
        for s in range(rows):
            _put(z, zo + s, ((w0 * _get(x, x0 + s) + w1 * _get(x, x1 + s)) + w2 * _get(x, x2 + s))
                 + w3 * _get(x, x3 + s))
        i = 4
        while i + 4 <= n_in:
            w0 = p[off + i * n_out + j]
            w1 = p[off + (i + 1) * n_out + j]
            w2 = p[off + (i + 2) * n_out + j]
            w3 = p[off + (i + 3) * n_out + j]
            x0 = xb + i * rows
            x1 = x0 + rows
            x2 = x1 + rows
            x3 = x2 + rows
            if i + 4 == n_in:
                for s in range(rows):
                    _put(z, zo + s, ((((_get(z, zo + s) + w0 * _get(x, x0 + s)) + w1 * _get(x, x1 + s))
                                      + w2 * _get(x, x2 + s)) + w3 * _get(x, x3 + s)) + b)
            else:
                for s in range(rows):
                    _put(z, zo + s, (((_get(z, zo + s) + w0 * _get(x, x0 + s)) + w1 * _get(x, x1 + s))
                                     + w2 * _get(x, x2 + s)) + w3 * _get(x, x3 + s))
            i += 4
        if i == n_in:
            continue
        while i < n_in:
            w0 = p[off + i * n_out + j]
            x0 = xb + i * rows
            if i + 1 == n_in:
                for s in range(rows):
                    _put(z, zo + s, (_get(z, zo + s) + w0 * _get(x, x0 + s)) + b)
            else:
                for s in range(rows):
                    _put(z, zo + s, _get(z, zo + s) + w0 * _get(x, x0 + s))
            i += 1


@_jit_fma
def _dense_grads(g, off, n_in, n_out, x, xb, d, db, stride, rows):
    """``∂L/∂W[i, j] = Σ_s x[i, s] d[j, s]`` and ``∂L/∂b[j] = Σ_s d[j, s]`` into ``g[off:]``, over the
    first ``rows`` samples of unit-major blocks with ``stride`` samples per unit.

    Each sum runs in order of ``s``, eight (or four) of them at a time: independent chains of
    multiply-adds (a batch's few samples make vectorised reductions cost more in horizontal sums than
    they save)."""
    for i in range(n_in + 1):  # row n_in: the bias, x = 1
        xo = i * stride
        go = off + i * n_out
        j0 = 0
        while j0 + 8 <= n_out:
            d0 = db + j0 * stride
            a0 = 0.0
            a1 = 0.0
            a2 = 0.0
            a3 = 0.0
            a4 = 0.0
            a5 = 0.0
            a6 = 0.0
            a7 = 0.0
            if i < n_in:
                for s in range(rows):
                    xs = _get(x, xb + xo + s)
                    a0 += xs * _get(d, d0 + s)
                    a1 += xs * _get(d, d0 + stride + s)
                    a2 += xs * _get(d, d0 + 2 * stride + s)
                    a3 += xs * _get(d, d0 + 3 * stride + s)
                    a4 += xs * _get(d, d0 + 4 * stride + s)
                    a5 += xs * _get(d, d0 + 5 * stride + s)
                    a6 += xs * _get(d, d0 + 6 * stride + s)
                    a7 += xs * _get(d, d0 + 7 * stride + s)
            else:
                for s in range(rows):
                    a0 += _get(d, d0 + s)
                    a1 += _get(d, d0 + stride + s)
                    a2 += _get(d, d0 + 2 * stride + s)
                    a3 += _get(d, d0 + 3 * stride + s)
                    a4 += _get(d, d0 + 4 * stride + s)
                    a5 += _get(d, d0 + 5 * stride + s)
                    a6 += _get(d, d0 + 6 * stride + s)
                    a7 += _get(d, d0 + 7 * stride + s)
            g[go + j0] = a0
            g[go + j0 + 1] = a1
            g[go + j0 + 2] = a2
            g[go + j0 + 3] = a3
            g[go + j0 + 4] = a4
            g[go + j0 + 5] = a5
            g[go + j0 + 6] = a6
            g[go + j0 + 7] = a7
            j0 += 8
        while j0 + 4 <= n_out:
            d0 = j0 * stride
            d1 = d0 + stride
            d2 = d1 + stride
            d3 = d2 + stride
            a0 = 0.0
            a1 = 0.0
            a2 = 0.0
            a3 = 0.0
            if i < n_in:
                for s in range(rows):
                    xs = _get(x, xb + xo + s)
                    a0 += xs * _get(d, db + d0 + s)
                    a1 += xs * _get(d, db + d1 + s)
                    a2 += xs * _get(d, db + d2 + s)
                    a3 += xs * _get(d, db + d3 + s)
            else:
                for s in range(rows):
                    a0 += _get(d, db + d0 + s)
                    a1 += _get(d, db + d1 + s)
                    a2 += _get(d, db + d2 + s)
                    a3 += _get(d, db + d3 + s)
            g[go + j0] = a0
            g[go + j0 + 1] = a1
            g[go + j0 + 2] = a2
            g[go + j0 + 3] = a3
            j0 += 4
        for j in range(j0, n_out):
            do = j * stride
            acc = 0.0
            if i < n_in:
                for s in range(rows):
                    acc += _get(x, xb + xo + s) * _get(d, db + do + s)
            else:
                for s in range(rows):
                    acc += _get(d, db + do + s)
            g[go + j] = acc


@_jit_fma
def _dense_dx(p, off, n_in, n_out, d, db, dx, dxb, rows):
    """``∂L/∂x[i, s] = Σ_j W[i, j] d[j, s]`` on unit-major blocks, in order of ``j``, up to four outputs
    per pass (the first pass writing ``dx``), as :func:`_dense_forward`."""
    for i in range(n_in):
        xo = dxb + i * rows
        wo = off + i * n_out
        c = min(n_out, 4)
        w0 = p[wo]
        d0 = db
        if c == 1:
            for s in range(rows):
                _put(dx, xo + s, w0 * _get(d, d0 + s))
        else:
            w1 = p[wo + 1]
            d1 = d0 + rows
            if c == 2:
                for s in range(rows):
                    _put(dx, xo + s, w0 * _get(d, d0 + s) + w1 * _get(d, d1 + s))
            else:
                w2 = p[wo + 2]
                d2 = d1 + rows
                if c == 3:
                    for s in range(rows):
                        _put(dx, xo + s, (w0 * _get(d, d0 + s) + w1 * _get(d, d1 + s)) + w2 * _get(d, d2 + s))
                else:
                    w3 = p[wo + 3]
                    d3 = d2 + rows
                    for s in range(rows):
                        _put(dx, xo + s, ((w0 * _get(d, d0 + s) + w1 * _get(d, d1 + s)) + w2 * _get(d, d2 + s))
                             + w3 * _get(d, d3 + s))
        j = c
        while j + 4 <= n_out:
            w0 = p[wo + j]
            w1 = p[wo + j + 1]
            w2 = p[wo + j + 2]
            w3 = p[wo + j + 3]
            d0 = db + j * rows
            d1 = d0 + rows
            d2 = d1 + rows
            d3 = d2 + rows
            for s in range(rows):
                _put(dx, xo + s, (((_get(dx, xo + s) + w0 * _get(d, d0 + s)) + w1 * _get(d, d1 + s))
                                  + w2 * _get(d, d2 + s)) + w3 * _get(d, d3 + s))
            j += 4
        while j < n_out:
            w0 = p[wo + j]
            d0 = db + j * rows
            for s in range(rows):
                _put(dx, xo + s, _get(dx, xo + s) + w0 * _get(d, d0 + s))
            j += 1


@_jit_nrt0
def _forward(p, meta, hyper, x, rows, zs, acts, size):
    """Every layer's ``z`` and ``a`` (unit-major, ``rows`` samples) from the unit-major input ``x``;
    layer ``l`` writes ``zs[l * size:]`` and ``acts[l * size:]``.

    Buffers are flat and addressed by offsets, never sliced: an array view costs two atomic reference
    count updates, more than a layer's arithmetic on a mini-batch."""
    L = meta[M_LAYERS]
    for l in range(L):
        n_in = meta[M_HEADER + l]
        n_out = meta[M_HEADER + l + 1]
        off = meta[M_HEADER + 2 * L + 1 + l]
        if l == 0:
            _dense_forward(p, off, n_in, n_out, x, 0, zs, 0, rows)
        else:
            _dense_forward(p, off, n_in, n_out, acts, (l - 1) * size, zs, l * size, rows)
        _activate(meta[M_HEADER + L + 1 + l], hyper[H_HEADER + l], zs, l * size, acts, l * size, n_out, rows)


@_jit_nrt0
def _gather(src, idx, start, rows, width, dst, stride):
    """``dst[j, s] = src[idx[start + s], j]`` for ``s < rows``: rows of a row-major matrix into a
    unit-major block of ``stride >= rows`` samples per unit, the padding samples set to 0."""
    for s in range(rows):
        o = idx[start + s] * width
        for j in range(width):
            _put(dst, j * stride + s, _get(src, o + j))
    for j in range(width):
        for s in range(rows, stride):
            _put(dst, j * stride + s, 0.0)


@_jit_nrt0
def _loss_sum(loss, z, zb, a, ab, t, tb, k, stride, rows):
    """Σ over the first ``rows`` samples (of unit-major blocks of ``stride`` samples per unit) of the
    per-sample loss (``mse``: Σ (a − t)², halved by the caller)."""
    total = 0.0
    if loss == MSE:
        for s in range(rows):
            for j in range(k):
                dd = _get(a, ab + j * stride + s) - _get(t, tb + j * stride + s)
                total += dd * dd
    elif loss == BCE:
        for s in range(rows):
            zi = _get(z, zb + s)
            mx = zi if (zi > 0.0 or zi != zi) else 0.0
            total += mx - zi * _get(t, tb + s) + math.log1p(_exp(-abs(zi)))
    else:
        for s in range(rows):
            m = _get(z, zb + s)
            for j in range(1, k):
                v = _get(z, zb + j * stride + s)
                if v > m or v != v:
                    m = v
                if m != m:
                    break
            e = 0.0
            zt = 0.0
            for j in range(k):
                e += _exp(_get(z, zb + j * stride + s) - m)
                zt += _get(z, zb + j * stride + s) * _get(t, tb + j * stride + s)
            total += (math.log(e) + m) - zt
    return total


@_jit_nrt0
def _count_correct(mode, a, ab, t, tb, k, stride, rows):
    """Samples predicted right: ``a > 0.5`` against ``t > 0.5`` (one output) or arg-max against arg-max."""
    count = 0
    if mode == ACC_BINARY:
        for s in range(rows):
            if (_get(a, ab + s) > 0.5) == (_get(t, tb + s) > 0.5):
                count += 1
    elif mode == ACC_ARGMAX:
        for s in range(rows):
            ia = 0
            it = 0
            for j in range(1, k):
                aj = _get(a, ab + j * stride + s)
                ai = _get(a, ab + ia * stride + s)
                # np.argmax: the first maximum, and a NaN counts as the maximum
                if aj > ai or (aj != aj and ai == ai):
                    ia = j
                if _get(t, tb + j * stride + s) > _get(t, tb + it * stride + s):
                    it = j
            if ia == it:
                count += 1
    return count


@_jit_nrt0
def _mse_accuracy_mode(T, k):
    """``MSE.correct``'s rule: accuracy is defined for 0/1 targets in one column or one-hot rows."""
    for v in T:
        if v != 0.0 and v != 1.0:
            return ACC_NONE
    if k == 1:
        return ACC_BINARY
    for r in range(T.size // k):
        t = 0.0
        for j in range(k):
            t += T[r * k + j]
        if t != 1.0:
            return ACC_NONE
    return ACC_ARGMAX


@_jit
def _evaluate(p, meta, hyper, X, T, mode, res, i_loss, i_acc):
    """Data loss and accuracy over all of ``(X, T)`` (row-major, flattened), as
    ``Network._evaluate``, into ``res[i_loss]``, ``res[i_acc]``."""
    L = meta[M_LAYERS]
    n0 = meta[M_HEADER]
    k = meta[M_HEADER + L]
    loss = meta[M_LOSS]
    n = X.size // n0
    if mode == ACC_MSE:
        mode = _mse_accuracy_mode(T, k)
    width = 1
    for l in range(L + 1):
        width = max(width, meta[M_HEADER + l])
    size = EVAL_ROWS * width
    zs = np.empty(L * size)
    acts = np.empty(L * size)
    xb = np.empty(EVAL_ROWS * n0)
    tb = np.empty(EVAL_ROWS * k)
    order = np.arange(n)
    last = (L - 1) * size
    total = 0.0
    correct = 0
    for start in range(0, n, EVAL_ROWS):
        rows = min(EVAL_ROWS, n - start)
        stride = (rows + 3) // 4 * 4  # padded as the training batches
        _gather(X, order, start, rows, n0, xb, stride)
        _gather(T, order, start, rows, k, tb, stride)
        _forward(p, meta, hyper, xb, stride, zs, acts, size)
        total += _loss_sum(loss, zs, last, acts, last, tb, 0, k, stride, rows)
        correct += _count_correct(mode, acts, last, tb, 0, k, stride, rows)
    if loss == MSE:
        res[i_loss] = 0.5 * total / n
    else:
        res[i_loss] = total / n
    res[i_acc] = correct / n if mode != ACC_NONE else math.nan


@_jit_nrt0
def _update(p, g, wmask, train, meta, hyper, st1, st2):
    """Regularise, step the optimiser, and return ``p · p`` (inf or NaN once a parameter is not finite).

    ``train`` is empty when every parameter trains, else 1 for the parameters the optimiser moves and 0
    for frozen ones (SGD only: neither they nor their momentum buffer move, as ``SGD.update(where=)``)."""
    n = p.size
    l1 = hyper[H_L1]
    l2 = hyper[H_L2]
    if l2 != 0.0:
        for i in range(n):
            g[i] += (l2 * p[i]) * wmask[i]
    if l1 != 0.0:
        for i in range(n):
            pi = p[i]
            sign = 1.0 if pi > 0.0 else (-1.0 if pi < 0.0 else pi)  # np.sign: 0 → 0, NaN → NaN
            g[i] += (l1 * sign) * wmask[i]
    lr = hyper[H_LR]
    opt = meta[M_OPT]
    if train.size:  # frozen parameters (SGD, with or without momentum)
        mom = hyper[H_MOMENTUM]
        for i in range(n):
            if train[i] != 0.0:
                if opt == MOMENTUM:
                    st1[i] = st1[i] * mom + g[i]  # the buffer starts at 0: μ·0 + g = g
                    p[i] -= st1[i] * lr
                else:
                    p[i] -= g[i] * lr
    elif opt == SGD:
        for i in range(n):
            p[i] -= g[i] * lr
    elif opt == MOMENTUM:
        mom = hyper[H_MOMENTUM]
        if meta[M_FIRST]:  # torch: the first step's buffer is the gradient itself
            for i in range(n):
                st1[i] = g[i]
            meta[M_FIRST] = 0
        else:
            for i in range(n):
                st1[i] = st1[i] * mom + g[i]
        for i in range(n):
            p[i] -= st1[i] * lr
    else:  # ADAM, as optimizers.Adam.update
        b1 = hyper[H_BETA1]
        b2 = hyper[H_BETA2]
        eps = hyper[H_EPS]
        meta[M_ADAM_T] += 1
        t = float(meta[M_ADAM_T])
        c2 = 1.0 / math.sqrt(1.0 - math.pow(b2, t))
        c1 = lr / (1.0 - math.pow(b1, t))
        one_b1 = 1.0 - b1
        one_b2 = 1.0 - b2
        for i in range(n):
            gi = g[i]
            m = st1[i] * b1 + one_b1 * gi
            v = st2[i] * b2 + one_b2 * (gi * gi)
            st1[i] = m
            st2[i] = v
            p[i] -= (m / (math.sqrt(v) * c2 + eps)) * c1
    ss = 0.0
    for i in range(n):
        ss += p[i] * p[i]
    return ss


@_jit_nrt0
def _all_finite(p):
    for v in p:
        if not math.isfinite(v):
            return False
    return True


@_jit
def train_epoch(p, g, wmask, train, X, T, perm, Xv, Tv, meta, hyper, st1, st2, res):
    """One epoch of mini-batch training over ``perm``, then the end-of-epoch evaluation.

    Parameters
    ----------
    p, g, wmask : ndarray of shape (n_params,)
        The network's flat parameters and gradients (updated in place) and its weight mask.
    train : ndarray of shape (n_params,) or (0,)
        1 where the optimiser moves a parameter, 0 where it is frozen; empty when none is frozen.
    X, T : ndarray of shape (n_samples * n_inputs,), (n_samples * n_outputs,)
        Training inputs and target matrix, flattened row by row.
    perm : int64 ndarray of shape (n_samples,)
        The order of the samples in this epoch.
    Xv, Tv : ndarray
        Validation set, flattened (read when ``meta[M_HAS_VAL]``).
    meta, hyper : ndarray
        Architecture, loss, optimiser and settings (see the layout constants); ``meta[M_DONE]`` receives
        the steps done, ``meta[M_FAILED]`` 1 if the last of them made a parameter non-finite (the
        parameters are left as that step made them, for the network to say where and roll back).
    st1, st2 : ndarray of shape (n_params,)
        Optimiser state: the momentum buffer, or Adam's ``exp_avg`` and ``exp_avg_sq``.
    res : ndarray of shape (4,)
        Receives train loss, train accuracy, validation loss, validation accuracy (NaN: none).
    """
    L = meta[M_LAYERS]
    batch = meta[M_BATCH]
    loss = meta[M_LOSS]
    n0 = meta[M_HEADER]
    k = meta[M_HEADER + L]
    n = perm.size
    width = 1
    for l in range(L + 1):
        width = max(width, meta[M_HEADER + l])
    # A batch of m samples is computed on mp = m rounded up to a multiple of 4, the padding samples
    # zero: the loops then run whole vector iterations (short ones are scalar, twice as slow). Samples
    # are independent in the forward pass and in ∂L/∂X, and the gradient sums skip the padding, so the
    # padding changes no result.
    bp = (batch + 3) // 4 * 4
    xb = np.empty(bp * n0)
    tb = np.empty(bp * k)
    size = bp * width
    zs = np.empty(L * size)
    acts = np.empty(L * size)
    dd = np.empty(2 * size)  # ∂L/∂z of the layer at hand and ∂L/∂x below it, at offsets d and dx
    last = (L - 1) * size
    meta[M_DONE] = 0
    meta[M_FAILED] = 0
    for start in range(0, n, batch):
        m = min(batch, n - start)
        mp = (m + 3) // 4 * 4
        _gather(X, perm, start, m, n0, xb, mp)
        _gather(T, perm, start, m, k, tb, mp)
        _forward(p, meta, hyper, xb, mp, zs, acts, size)
        # output gradient: (a − t) · (1/m), through the output activation for mse
        inv = 1.0 / m
        for j in range(k):
            for q in range(j * mp, j * mp + m):
                _put(dd, q, (_get(acts, last + q) - _get(tb, q)) * inv)
            for q in range(j * mp + m, (j + 1) * mp):
                _put(dd, q, 0.0)
        if loss == MSE:
            _backward_act(meta[M_HEADER + 2 * L], hyper[H_HEADER + L - 1], dd, 0, zs, last, acts, last, k, mp)
        d = 0
        dx = size
        for l in range(L - 1, -1, -1):
            n_in = meta[M_HEADER + l]
            n_out = meta[M_HEADER + l + 1]
            off = meta[M_HEADER + 2 * L + 1 + l]
            if l == 0:
                _dense_grads(g, off, n_in, n_out, xb, 0, dd, d, mp, m)
                break
            below = (l - 1) * size
            _dense_grads(g, off, n_in, n_out, acts, below, dd, d, mp, m)
            _dense_dx(p, off, n_in, n_out, dd, d, dd, dx, mp)
            _backward_act(meta[M_HEADER + L + l], hyper[H_HEADER + l - 1], dd, dx, zs, below, acts, below, n_in, mp)
            d, dx = dx, d
        ss = _update(p, g, wmask, train, meta, hyper, st1, st2)
        meta[M_DONE] += 1
        # as Network._update: p·p is finite when every parameter is (unless some |w| > ~1e154: look closer)
        if not math.isfinite(ss) and not _all_finite(p):
            meta[M_FAILED] = 1
            return
    _evaluate(p, meta, hyper, X, T, meta[M_ACC], res, R_LOSS, R_ACC)
    if meta[M_HAS_VAL]:
        _evaluate(p, meta, hyper, Xv, Tv, meta[M_VAL_ACC], res, R_VAL_LOSS, R_VAL_ACC)


# -- float32 inference, for drawing (decision grids) --------------------------------------------------
@intrinsic
def _int32_bits_as_float32(typingctx, bits):
    """The float32 whose bit pattern is the int32 ``bits``."""
    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], ir.FloatType())
    return types.float32(types.int32), codegen


_F = np.float32
_LOG2E_F, _C1_F, _C2_F = _F(1.44269504088896341), _F(0.693359375), _F(-2.12194440e-4)
_EF = tuple(_F(c) for c in (1.9875691500e-4, 1.3981999507e-3, 8.3334519073e-3, 4.1665795894e-2,
                            1.6666665459e-1, 5.0000001201e-1))
_ONE_F, _TWO_F, _HALF_F, _ZERO_F = _F(1.0), _F(2.0), _F(0.5), _F(0.0)
_EXP_MAX_F, _EXP_MIN_F = _F(88.72283), _F(-87.33654)


@_jit
def _exp32_reduced(xc):
    """float32 ``exp(xc)`` for a finite ``xc`` in float32's normal range: ``2^k · exp(r)`` with the
    Cephes polynomial (the part :func:`_exp32` and :func:`_tanh32` share)."""
    k = np.floor(xc * _LOG2E_F + _HALF_F)
    r = xc - k * _C1_F
    r = r - k * _C2_F
    rr = r * r
    e = _EF[0]
    e = e * r + _EF[1]
    e = e * r + _EF[2]
    e = e * r + _EF[3]
    e = e * r + _EF[4]
    e = e * r + _EF[5]
    e = e * rr + r + _ONE_F
    return e * _int32_bits_as_float32((np.int32(k) + np.int32(127)) << np.int32(23))


@_jit
def _exp32(x):
    """float32 ``exp(x)`` (Cephes ``expf``: a degree-7 polynomial on |r| <= ln2 / 2), within 1–2 ulp;
    below −87.3 (where float32 turns subnormal) it gives 0."""
    xc = x
    if xc < _EXP_MIN_F:
        xc = _EXP_MIN_F
    if xc > _EXP_MAX_F:
        xc = _EXP_MAX_F
    if x != x:
        xc = _ZERO_F
    v = _exp32_reduced(xc)
    if x > _EXP_MAX_F:
        v = _F(math.inf)
    if x < _EXP_MIN_F:
        v = _ZERO_F
    if x != x:
        v = x
    return v


_TANH_CLAMP_F = _F(20.0)


@_jit
def _tanh32(z):
    """float32 ``1 − 2 / (1 + e^{2z})`` with :func:`_exp32`'s polynomial but none of its range handling:
    ``2z`` is clamped to ±20, where the float32 formula already gives ±1 exactly."""
    x = z * _TWO_F
    if x > _TANH_CLAMP_F:
        x = _TANH_CLAMP_F
    if x < -_TANH_CLAMP_F:
        x = -_TANH_CLAMP_F
    xc = x
    if x != x:
        xc = _ZERO_F
    v = _exp32_reduced(xc)
    if x != x:
        v = x
    return -_TWO_F / (v + _ONE_F) + _ONE_F


@_jit_fma
def _activate32(code, alpha, z, zb, a, ab, units, rows):
    """:func:`_activate` in float32 (``alpha`` a float32)."""
    n = units * rows
    if code == LINEAR:
        for i in range(n):
            _put(a, ab + i, _get(z, zb + i))
    elif code == SIGMOID:
        for i in range(n):
            _put(a, ab + i, _ONE_F / (_exp32(-_get(z, zb + i)) + _ONE_F))
    elif code == TANH:
        for i in range(n):
            _put(a, ab + i, _tanh32(_get(z, zb + i)))
    elif code == RELU:
        for i in range(n):
            zi = _get(z, zb + i)
            _put(a, ab + i, zi if (zi > _ZERO_F or zi != zi) else _ZERO_F)
    elif code == LEAKY_RELU:
        for i in range(n):
            zi = _get(z, zb + i)
            _put(a, ab + i, zi if zi > _ZERO_F else alpha * zi)
    elif code == ELU:
        for i in range(n):
            zi = _get(z, zb + i)
            m = zi if (zi < _ZERO_F or zi != zi) else _ZERO_F
            _put(a, ab + i, zi if zi > _ZERO_F else _F(alpha * math.expm1(m)))
    elif code == SOFTPLUS:
        for i in range(n):
            zi = _get(z, zb + i)
            mx = zi if (zi > _ZERO_F or zi != zi) else _ZERO_F
            _put(a, ab + i, mx + _F(math.log1p(_exp32(-abs(zi)))))
    elif code == SWISH:
        for i in range(n):
            _put(a, ab + i, _get(z, zb + i) * (_ONE_F / (_exp32(-_get(z, zb + i)) + _ONE_F)))
    else:  # SOFTMAX over the units of each sample
        for s in range(rows):
            mx = _get(z, zb + s)
            for j in range(1, units):
                v = _get(z, zb + j * rows + s)
                if v > mx or v != v:
                    mx = v
                if mx != mx:
                    break
            for j in range(units):
                _put(a, ab + j * rows + s, _exp32(_get(z, zb + j * rows + s) - mx))
            t = _ZERO_F
            for j in range(units):
                t += _get(a, ab + j * rows + s)
            for j in range(units):
                _put(a, ab + j * rows + s, _get(a, ab + j * rows + s) / t)


@_jit
def forward_output32(p, meta, hyper, X, out):
    """The network's output for every row of ``X`` (row-major, flattened) into ``out`` (row-major,
    flattened, n_samples × n_outputs), in float32 as NumPy's float32 pass (``Dense.forward`` casts the
    parameters to the input's dtype): ``p``, ``hyper`` (the alphas), ``X`` and ``out`` are float32."""
    L = meta[M_LAYERS]
    n0 = meta[M_HEADER]
    k = meta[M_HEADER + L]
    n = X.size // n0
    width = 1
    for l in range(L + 1):
        width = max(width, meta[M_HEADER + l])
    size = EVAL_ROWS * width
    zs = np.empty(L * size, dtype=np.float32)
    acts = np.empty(L * size, dtype=np.float32)
    xb = np.empty(EVAL_ROWS * n0, dtype=np.float32)
    order = np.arange(n)
    for start in range(0, n, EVAL_ROWS):
        rows = min(EVAL_ROWS, n - start)
        stride = (rows + 7) // 8 * 8
        _gather(X, order, start, rows, n0, xb, stride)
        for l in range(L):
            n_in = meta[M_HEADER + l]
            n_out = meta[M_HEADER + l + 1]
            off = meta[M_HEADER + 2 * L + 1 + l]
            if l == 0:
                _dense_forward(p, off, n_in, n_out, xb, 0, zs, 0, stride)
            else:
                _dense_forward(p, off, n_in, n_out, acts, (l - 1) * size, zs, l * size, stride)
            _activate32(meta[M_HEADER + L + 1 + l], hyper[H_HEADER + l], zs, l * size, acts, l * size, n_out,
                        stride)
        last = (L - 1) * size
        for s in range(rows):
            for j in range(k):
                _put(out, (start + s) * k + j, _get(acts, last + j * stride + s))


KERNELS = (train_epoch, forward_output32)


def warm_up() -> bool:
    """Compile (or load from numba's disk cache) :func:`train_epoch` by running it once on a tiny
    network, then stop numba from compiling again (a call with other argument types raises TypeError
    instead of compiling in the caller's thread). Returns whether the code came from the cache."""
    sizes, codes, offs = [2, 3, 2], [TANH, SOFTMAX], [0, 9]
    meta = np.array([2, CROSS_ENTROPY, ADAM, 2, ACC_ARGMAX, ACC_ARGMAX, 1, 0, 0, 0, 0] + sizes + codes + offs,
                    dtype=np.int64)
    p = np.linspace(-0.5, 0.5, 17)
    X = np.array([0.1, 0.2, -0.3, 0.4, 0.5, -0.6])
    T = np.array([1.0, 0.0, 0.0, 1.0, 1.0, 0.0])
    hyper = np.array([0.01, 0.0, 0.9, 0.999, 1e-8, 0.0, 0.0, 0.0, 0.0])
    res = np.zeros(4)
    train_epoch(p, np.zeros(17), np.ones(17), np.zeros(0), X, T, np.arange(3, dtype=np.int64), X, T, meta,
                hyper, np.zeros(17), np.zeros(17), res)
    f32 = np.float32
    forward_output32(p.astype(f32), meta, hyper.astype(f32), X.astype(f32), np.zeros(6, dtype=f32))
    hits = 0
    for kernel in KERNELS:
        hits += sum(kernel.stats.cache_hits.values())
        kernel.disable_compile()
    return hits > 0
