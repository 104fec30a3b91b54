"""Loss landscapes: the data loss over a 2-D slice through a network's parameters.

:func:`loss_landscape` follows Li et al., *Visualizing the Loss Landscape of Neural Nets* (NeurIPS 2018):
two random directions ``d1``, ``d2`` in parameter space, **filter-normalised** (each neuron's incoming
weights — a column of ``W`` — scaled to the norm of the network's own column; bias entries zero), and the
loss evaluated at ``θ + α d1 + β d2`` over a square of ``(α, β)``. :func:`two_parameter_landscape`
gives the exact surface of a model with two parameters, whose axes are the parameters themselves.
:meth:`LossLandscape.project` puts an optimiser's path (a list of parameter vectors, e.g. from
:func:`optimizer_path`: SGD, momentum and Adam from the same start) on the slice.

Speed: a 100 × 100 slice is 10,000 forward passes. For networks of ``Dense`` (and ``Dropout``, the
identity at inference) layers the passes run together: the parameters are affine in ``(α, β)``, so the
first layer's pre-activation is ``Z₀ + α Z_d1 + β Z_d2`` for every grid point at once, and each later
layer is one batched matrix product over a chunk of grid points (memory bounded by ``chunk``). Any other
network goes through an exact, slower loop over the grid (write the parameters, ``network.evaluate``,
restore).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from nnviz.core import Dense, Dropout, Network, parameters_to_vector, vector_to_parameters
from nnviz.core._validation import check_choice, check_float, check_int, check_matrix, check_rng

from ._validation import check_network, describe

__all__ = ["LossLandscape", "OptimizerPath", "filter_normalized_direction", "loss_landscape", "optimizer_path",
           "two_parameter_landscape", "two_parameter_model"]

#: Bytes of float64 work arrays one chunk of grid points may use (per array) in the batched evaluation.
CHUNK_BYTES = 2**20
METHODS = ("auto", "batched", "loop")


@dataclass(frozen=True, eq=False)
class LossLandscape:
    """The data loss over the plane ``θ + α d1 + β d2``.

    Attributes
    ----------
    alphas : ndarray of shape (R,)
        Coordinates along ``d1`` (ascending).
    betas : ndarray of shape (R,)
        Coordinates along ``d2`` (ascending).
    loss : ndarray of shape (R, R)
        ``loss[j, i]`` is the data loss (no L1/L2 penalty) at ``θ + alphas[i]·d1 + betas[j]·d2``: rows
        go along β, columns along α, so ``imshow(loss, origin="lower", extent=extent)`` or
        ``contour(alphas, betas, loss)`` draws it the right way up.
    theta : ndarray of shape (n_params,)
        The centre, in :func:`nnviz.core.parameters_to_vector` order.
    d1, d2 : ndarray of shape (n_params,)
        The directions, in the same order.
    kind : str
        ``"filter-normalised"`` (from :func:`loss_landscape`) or ``"parameters"`` (from
        :func:`two_parameter_landscape`, where ``α`` and ``β`` are the two parameters' values).
    seed : int or None
        The seed the directions were drawn from (None: fresh entropy, or not random).
    """

    alphas: np.ndarray
    betas: np.ndarray
    loss: np.ndarray
    theta: np.ndarray
    d1: np.ndarray
    d2: np.ndarray
    kind: str = "filter-normalised"
    seed: int | None = None

    @property
    def extent(self) -> tuple[float, float, float, float]:
        """``(α_min, α_max, β_min, β_max)``."""
        return (float(self.alphas[0]), float(self.alphas[-1]), float(self.betas[0]), float(self.betas[-1]))

    @property
    def resolution(self) -> int:
        return len(self.alphas)

    @property
    def minimum(self) -> tuple[float, float, float]:
        """``(α, β, loss)`` of the lowest grid point."""
        j, i = np.unravel_index(int(np.argmin(self.loss)), self.loss.shape)
        return float(self.alphas[i]), float(self.betas[j]), float(self.loss[j, i])

    def point(self, alpha, beta) -> np.ndarray:
        """The parameter vector ``θ + α d1 + β d2`` (for :func:`nnviz.core.vector_to_parameters`)."""
        alpha = check_float("alpha", alpha)
        beta = check_float("beta", beta)
        return self.theta + alpha * self.d1 + beta * self.d2

    def project(self, path) -> np.ndarray:
        """Coordinates ``(α, β)`` of parameter vectors on this slice.

        Parameters
        ----------
        path : array-like of shape (n_points, n_params) or (n_params,)
            Parameter vectors, e.g. :func:`nnviz.core.parameters_to_vector` after each step.

        Returns
        -------
        ndarray of shape (n_points, 2) (or (2,) for one vector)
            The least-squares coordinates: ``(α, β)`` minimising ``‖p − θ − α d1 − β d2‖``, i.e. the
            orthogonal projection of ``p − θ`` onto the plane spanned by ``d1`` and ``d2``. A point on
            the slice comes back exactly (to rounding); :meth:`distance` says how far off the slice
            a point is.
        """
        P, single = self._check_path(path)
        coords = np.linalg.lstsq(self._plane(), (P - self.theta).T, rcond=None)[0].T
        return coords[0] if single else coords

    def distance(self, path) -> np.ndarray:
        """Euclidean distance of each parameter vector from the plane of the slice, shape (n_points,)
        (or a float for one vector): 0 for points on it, large where the projection says little."""
        P, single = self._check_path(path)
        coords = np.atleast_2d(self.project(P))
        residual = (P - self.theta) - coords @ self._plane().T
        d = np.linalg.norm(residual, axis=1)
        return float(d[0]) if single else d

    def _plane(self) -> np.ndarray:
        return np.stack([self.d1, self.d2], axis=1)

    def _check_path(self, path) -> tuple[np.ndarray, bool]:
        n = self.theta.size
        if isinstance(path, (str, bytes)) or path is None:
            raise TypeError(f"path must be an array of parameter vectors of shape (n_points, {n}), got {describe(path)}")
        try:
            P = np.asarray(path, dtype=np.float64)
        except (TypeError, ValueError) as exc:
            raise TypeError(f"path must be an array of parameter vectors of shape (n_points, {n}), "
                            f"got {describe(path)}") from exc
        single = P.ndim == 1
        P = np.atleast_2d(P)
        if P.ndim != 2 or P.shape[1] != n:
            raise ValueError(f"path must have shape (n_points, {n}) (one parameter vector per row), "
                             f"got shape {np.shape(path)}")
        if not np.isfinite(P).all():
            raise ValueError("path must contain only finite values, got NaN or inf")
        return P, single

    def __repr__(self) -> str:
        a0, a1, b0, b1 = self.extent
        lo, hi = float(np.min(self.loss)), float(np.max(self.loss))
        return (f"LossLandscape({self.resolution}×{self.resolution}, {self.kind}, α [{a0:g}, {a1:g}], "
                f"β [{b0:g}, {b1:g}], loss {lo:.4g} … {hi:.4g}, {self.theta.size} parameters)")


# ---------------------------------------------------------------------------------------- directions
def _layer_arrays(network):
    """(layer, name, array, offset) for every parameter, in parameters_to_vector order."""
    out, offset = [], 0
    for layer in network.layers:
        for name, arr in layer.params.items():
            out.append((layer, name, arr, offset))
            offset += arr.size
    return out


def _weights(layer) -> tuple[str, ...]:
    """Names of a layer's weights (what L1/L2 act on): ``layer.penalised``, or ``W`` for a layer that
    does not declare it."""
    names = tuple(getattr(layer, "penalised", ()) or ())
    return names or (("W",) if "W" in layer.params else ())


def filter_normalized_direction(network, rng) -> np.ndarray:
    """One random direction in parameter space, filter-normalised as Li et al. (2018).

    Parameters
    ----------
    network : nnviz.core.Network
    rng : int, numpy.random.Generator or None

    Returns
    -------
    ndarray of shape (n_params,)
        In :func:`nnviz.core.parameters_to_vector` order. Drawn from a standard normal, then, for every
        weight the layer penalises (``layer.penalised``, e.g. ``W``), each *filter* is rescaled to the
        norm of the network's own: a neuron's incoming weights, i.e. a column ``W[:, j]`` of a 2-D weight
        (``n_in, n_out``), a slice ``W[k]`` of a weight with more axes (a convolution's output
        channel), the whole array of a 1-D weight. A filter whose own norm is 0 gets 0. Every other
        parameter (biases) is 0, as Li et al.'s ``ignore='biasbn'``.
    """
    rng = check_rng("seed", rng)
    theta = parameters_to_vector(network).astype(np.float64)
    d = rng.standard_normal(theta.size)
    out = np.zeros_like(d)
    for layer, name, arr, offset in _layer_arrays(network):
        if name not in _weights(layer):
            continue
        w = theta[offset : offset + arr.size].reshape(arr.shape)
        r = d[offset : offset + arr.size].reshape(arr.shape)
        if arr.ndim == 2:
            w, r = w.T, r.T  # one row per neuron: its incoming weights
        elif arr.ndim == 1:
            w, r = w[None], r[None]
        w = w.reshape(len(w), -1)
        r = r.reshape(len(r), -1)
        wn = np.linalg.norm(w, axis=1, keepdims=True)
        rn = np.linalg.norm(r, axis=1, keepdims=True)
        scaled = np.where(rn > 0, r * (wn / np.where(rn > 0, rn, 1.0)), 0.0)
        if arr.ndim == 2:
            scaled = scaled.T
        out[offset : offset + arr.size] = scaled.reshape(-1)
    return out


# ---------------------------------------------------------------------------------------- evaluation
def _bce(Z, A, T):
    # per sample max(z, 0) − z t + log(1 + e^{−|z|}), mean over samples, one value per grid point
    ell = np.maximum(Z, 0.0) - Z * T + np.log1p(np.exp(-np.abs(Z)))
    return ell.sum(axis=(1, 2)) / T.shape[0]


def _cross_entropy(Z, A, T):
    m = Z.max(axis=2, keepdims=True)
    lse = np.log(np.exp(Z - m).sum(axis=2)) + m[..., 0]
    return (lse - (Z * T).sum(axis=2)).sum(axis=1) / T.shape[0]


def _mse(Z, A, T):
    D = A - T
    return 0.5 * np.einsum("pnk,pnk->p", D, D) / T.shape[0]


#: Per-grid-point data losses on stacked outputs Z, A of shape (P, n_samples, k), targets T (n_samples, k);
#: the same formulas as nnviz.core.losses (tested against the loop to ~1e-12).
BATCHED_LOSSES = {"bce": _bce, "cross_entropy": _cross_entropy, "mse": _mse}


def _batched_plan(network):
    """The Dense layers (Dropout is the identity at inference) when the batched path applies, else None."""
    if not isinstance(network, Network) or network.loss.name not in BATCHED_LOSSES:
        return None
    dense = []
    for layer in network.layers:
        if isinstance(layer, Dropout):
            continue
        if type(layer) is not Dense or tuple(layer.params) != ("W", "b"):
            return None
        dense.append(layer)
    if not dense or any(l.activation.name == "softmax" for l in dense[:-1]):
        return None
    if dense[-1].activation.name == "softmax" and network.loss.name != "cross_entropy":
        return None
    return dense


def _split(vector, network):
    """Per-parameter views of ``vector`` shaped like the network's parameters, as [(W, b), ...] per Dense."""
    out, cur = [], {}
    for layer, name, arr, offset in _layer_arrays(network):
        cur[name] = vector[offset : offset + arr.size].reshape(arr.shape)
        if len(cur) == 2:
            out.append((cur["W"], cur["b"]))
            cur = {}
    return out


def _batched_losses(network, dense, X, T, theta, d1, d2, a, b, chunk):
    """Data loss at ``theta + a[p] d1 + b[p] d2`` for every p, shape (P,), in chunks of grid points.

    Everything a layer computes is affine in ``(a, b)`` before its activation: the first layer's
    ``Z = Z₀ + a Z₁ + b Z₂`` (``Z₀ = X W + b`` at θ, ``Z₁``, ``Z₂`` the same along d1, d2) and every
    later layer's weights ``W = W₀ + a D₁ + b D₂``; each is one small matrix product with the rows
    ``[1, a, b]``. Work arrays are allocated once per call and reused by every chunk (a fresh
    800 kB array per operation costs more in page faults than the arithmetic).
    """
    loss_fn = BATCHED_LOSSES[network.loss.name]
    P0, P1, P2 = _split(theta, network), _split(d1, network), _split(d2, network)
    n = len(X)
    widest = max(l.n_out for l in dense)
    if chunk is None:
        chunk = max(1, CHUNK_BYTES // (8 * n * widest))
    chunk = min(chunk, len(a))
    coef = np.ones((len(a), 3))
    coef[:, 1], coef[:, 2] = a, b
    # per layer: the stacked [θ; d1; d2] parts, weights and bias in one row each, shape (3, (n_in + 1) n_out)
    stacks = []
    for k, layer in enumerate(dense):
        parts = [P[k] for P in (P0, P1, P2)]
        if k == 0:
            rows = [(X @ W + bias).ravel() for W, bias in parts]  # Z₀, Z₁, Z₂ of shape (n, n_out)
        else:
            rows = [np.concatenate([W.ravel(), bias]) for W, bias in parts]
        stacks.append(np.stack(rows))
    Zbuf = [np.empty((chunk, n, l.n_out)) for l in dense]
    Abuf = [np.empty((chunk, n, l.n_out)) for l in dense[:-1]]
    Wbuf = [None] + [np.empty((chunk, l.n_in * l.n_out + l.n_out)) for l in dense[1:]]
    out = np.empty(len(a))
    last = len(dense) - 1
    for start in range(0, len(a), chunk):
        c = min(chunk, len(a) - start)
        C = coef[start : start + c]
        for k, layer in enumerate(dense):
            Z = Zbuf[k][:c]
            if k == 0:
                np.dot(C, stacks[0], out=Z.reshape(c, -1))
            else:
                Wb = Wbuf[k][:c]
                np.dot(C, stacks[k], out=Wb)
                nw = layer.n_in * layer.n_out
                W = Wb[:, :nw].reshape(c, layer.n_in, layer.n_out)
                np.matmul(A, W, out=Z)
                Z += Wb[:, None, nw:]
            if k < last:
                A = Abuf[k][:c]
                A[...] = layer.activation.forward(Z) if layer.activation.name not in _INPLACE else \
                    _INPLACE[layer.activation.name](Z, A)
            else:
                A = Z if network.loss.name != "mse" else layer.activation.forward(Z)
        out[start : start + c] = loss_fn(Z, A, T)
    return out


#: Activations computed straight into a work array (the rest go through ``activation.forward``).
_INPLACE = {
    "tanh": lambda z, out: np.tanh(z, out=out),
    "relu": lambda z, out: np.maximum(z, 0.0, out=out),
    "linear": lambda z, out: np.copyto(out, z) or out,
}


def _loop_losses(network, X, y, theta, d1, d2, a, b):
    """The same as :func:`_batched_losses`, one ``evaluate`` per point (any network), on a copy of the
    network (writing parameters into the network itself would move its divergence roll-back state)."""
    from .lr_finder import copy_network

    net = copy_network(network)
    out = np.empty(len(a))
    for p in range(len(a)):
        vector_to_parameters(theta + a[p] * d1 + b[p] * d2, net)
        out[p] = net.evaluate(X, y)[0]
    return out


def _evaluate_grid(network, X, y, theta, d1, d2, alphas, betas, method, chunk):
    """loss of shape (len(betas), len(alphas)); inf where the loss overflowed (never NaN)."""
    dense = None if method == "loop" else _batched_plan(network)
    if method == "batched" and dense is None:
        raise ValueError(
            f"method 'batched' needs a network of Dense (and Dropout) layers with a 'bce', "
            f"'cross_entropy' or 'mse' loss, got {network!r}; use method='loop' or 'auto'"
        )
    A, B = np.meshgrid(alphas, betas)  # A[j, i] = alphas[i], B[j, i] = betas[j]
    a, b = A.ravel(), B.ravel()
    with np.errstate(all="ignore"):
        if dense is not None:
            T = network.loss.prepare_targets(y, network.n_outputs, np.float64)
            losses = _batched_losses(network, dense, np.asarray(X, dtype=np.float64), T,
                                     theta, d1, d2, a, b, chunk)
        else:
            losses = _loop_losses(network, X, y, theta, d1, d2, a, b)
    losses[~np.isfinite(losses)] = np.inf
    return losses.reshape(len(betas), len(alphas))


def _check_data(network, X, y):
    network = check_network(network)
    X = check_matrix("X", X, n_columns=network.n_inputs)
    if len(X) == 0:
        raise ValueError("X must hold at least one sample, got 0 rows")
    network.evaluate(X, y)  # checks y against the loss and the sample counts (raises the core's messages)
    return network, X


def loss_landscape(network, X, y, resolution: int = 100, span: float = 1.0, seed=None, *,
                   method: str = "auto", chunk: int | None = None) -> LossLandscape:
    """The data loss over a 2-D slice through ``network``'s parameters (Li et al. 2018).

    Parameters
    ----------
    network : nnviz.core.Network
        Left unchanged, bit for bit (the batched path only reads it; the loop evaluates a copy).
    X : array-like of shape (n_samples, n_inputs)
    y : array-like of shape (n_samples,) or (n_samples, n_outputs)
        Labels or targets as for ``network.evaluate``.
    resolution : int, default 100
        Grid points per axis, >= 2.
    span : float, default 1.0
        ``alphas`` and ``betas`` run from ``-span`` to ``span`` (> 0). With filter-normalised directions
        ``α = 1`` moves every neuron's weights by a vector as long as themselves.
    seed : int, numpy.random.Generator or None
        Draws the directions (:func:`filter_normalized_direction`, ``d1`` then ``d2``); the same seed
        gives the same directions.
    method : {"auto", "batched", "loop"}, default "auto"
        ``"batched"`` evaluates many grid points at once (networks of Dense/Dropout layers with a
        ``bce``, ``cross_entropy`` or ``mse`` loss); ``"loop"`` calls ``network.evaluate`` once per point
        (any network, much slower); ``"auto"`` picks the batched path when it applies.
    chunk : int or None
        Grid points per batched evaluation (None: as many as fit :data:`CHUNK_BYTES` per array).

    Returns
    -------
    LossLandscape
        ``loss[j, i]`` at ``θ + alphas[i]·d1 + betas[j]·d2``; where the loss overflows it is ``inf``.
        The batched path computes in float64 whatever the network's dtype (equal to the loop to ~1e-12
        for a float64 network; a float32 network's own loop differs at float32 rounding).

    Examples
    --------
    >>> land = loss_landscape(net, X, y, resolution=50, seed=0)
    >>> path = [parameters_to_vector(net)]          # ... append after each training step
    >>> land.project(path)                          # (n_points, 2) coordinates on the slice
    """
    network, X = _check_data(network, X, y)
    resolution = check_int("resolution", resolution, low=2)
    span = check_float("span", span, low=0.0, low_open=True)
    method = check_choice("method", method, METHODS)
    if chunk is not None:
        chunk = check_int("chunk", chunk, low=1)
    seed_value = seed if isinstance(seed, (int, np.integer)) and not isinstance(seed, bool) else None
    rng = check_rng("seed", seed)
    theta = parameters_to_vector(network).astype(np.float64)
    d1 = filter_normalized_direction(network, rng)
    d2 = filter_normalized_direction(network, rng)
    axis = np.linspace(-span, span, resolution)
    loss = _evaluate_grid(network, X, y, theta, d1, d2, axis, axis.copy(), method, chunk)
    return LossLandscape(axis, axis.copy(), loss, theta, d1, d2, "filter-normalised",
                         None if seed_value is None else int(seed_value))


# ---------------------------------------------------------------------------------------- two weights
def two_parameter_model(n_samples: int = 40, noise: float = 0.3, slope: float = 2.0, intercept: float = -1.0,
                        seed=0):
    """The smallest model whose loss surface is exact: ``ŷ = w x + b`` with the ``mse`` loss.

    Parameters
    ----------
    n_samples : int, default 40
    noise : float, default 0.3
        Standard deviation of the Gaussian noise added to the targets.
    slope, intercept : float
        The line the data come from (``y = slope · x + intercept + noise``).
    seed : int, numpy.random.Generator or None

    Returns
    -------
    network, X, y
        ``Network([Dense(1, 1, "linear")], loss="mse")`` with its two parameters ``(w, b)`` set to 0,
        inputs ``X`` of shape (n_samples, 1) uniform in [−1, 1] and targets ``y`` of shape (n_samples,).
        Its loss ``½ mean((w x + b − y)²)`` is a quadratic bowl, whose Hessian's largest eigenvalue ``L``
        makes gradient descent converge for ``lr < 2 / L`` and diverge above.
    """
    n_samples = check_int("n_samples", n_samples, low=2)
    noise = check_float("noise", noise, low=0.0)
    slope = check_float("slope", slope)
    intercept = check_float("intercept", intercept)
    rng = check_rng("seed", seed)
    X = rng.uniform(-1.0, 1.0, size=(n_samples, 1))
    y = slope * X[:, 0] + intercept + noise * rng.standard_normal(n_samples)
    net = Network([Dense(1, 1, "linear")], loss="mse", seed=0)
    vector_to_parameters(np.zeros(2), net)
    return net, X, y


def two_parameter_landscape(network=None, X=None, y=None, resolution: int = 100,
                            extent=(-4.0, 4.0, -4.0, 4.0), *, method: str = "auto") -> LossLandscape:
    """The exact loss surface of a model with two parameters, over the parameters themselves.

    Parameters
    ----------
    network : nnviz.core.Network or None
        A network with exactly 2 parameters (e.g. ``Dense(1, 1)``: ``w`` and ``b``; left unchanged).
        None: the model and data of :func:`two_parameter_model` (then ``X`` and ``y`` must be None too).
    X, y : array-like
        Data, as for :func:`loss_landscape`.
    resolution : int, default 100
    extent : (p0_min, p0_max, p1_min, p1_max), default (-4, 4, -4, 4)
        Range of the first and the second parameter (in :func:`nnviz.core.parameters_to_vector` order).

    Returns
    -------
    LossLandscape
        With ``theta = 0``, ``d1 = (1, 0)``, ``d2 = (0, 1)`` and ``kind="parameters"``: ``alphas`` and
        ``betas`` are the values of the two parameters, ``loss[j, i]`` the data loss at
        ``(alphas[i], betas[j])``, and :meth:`LossLandscape.project` of a path of parameter vectors
        returns the path itself.
    """
    if network is None:
        if X is not None or y is not None:
            raise TypeError("two_parameter_landscape: pass X and y together with a network, or none of them")
        network, X, y = two_parameter_model()
    network, X = _check_data(network, X, y)
    if network.n_params != 2:
        raise ValueError(f"network must have exactly 2 parameters (e.g. Dense(1, 1): w and b), "
                         f"got {network.n_params}: {network!r}")
    resolution = check_int("resolution", resolution, low=2)
    method = check_choice("method", method, METHODS)
    if isinstance(extent, (str, bytes)) or not hasattr(extent, "__len__") or len(extent) != 4:
        raise TypeError(f"extent must be a tuple (p0_min, p0_max, p1_min, p1_max), got {describe(extent)}")
    lo0, hi0, lo1, hi1 = (check_float(f"extent[{k}]", v) for k, v in enumerate(extent))
    if not (lo0 < hi0 and lo1 < hi1):
        raise ValueError(f"extent must have min < max on both axes, got {tuple(extent)}")
    alphas, betas = np.linspace(lo0, hi0, resolution), np.linspace(lo1, hi1, resolution)
    theta, d1, d2 = np.zeros(2), np.array([1.0, 0.0]), np.array([0.0, 1.0])
    loss = _evaluate_grid(network, X, y, theta, d1, d2, alphas, betas, method, None)
    return LossLandscape(alphas, betas, loss, theta, d1, d2, "parameters", None)



# ---------------------------------------------------------------------------------------- paths
@dataclass(frozen=True, eq=False)
class OptimizerPath:
    """Where an optimiser takes the parameters, step by step (from :func:`optimizer_path`).

    Attributes
    ----------
    vectors : ndarray of shape (n_steps + 1, n_params)
        The parameters before the first step and after each one (:meth:`LossLandscape.project` them).
    losses : ndarray of shape (n_steps + 1,)
        The data loss on the whole ``(X, y)`` at each of them.
    optimizer : str
        The optimiser's repr, e.g. ``"SGD(lr=0.1, momentum=0.9)"``.
    diverged : bool
        True when a step made the loss or a parameter non-finite; the path then ends at the last finite
        parameters, with fewer steps than asked.
    """

    vectors: np.ndarray
    losses: np.ndarray
    optimizer: str
    diverged: bool = False

    @property
    def n_steps(self) -> int:
        return len(self.vectors) - 1

    def __repr__(self) -> str:
        end = "diverged" if self.diverged else f"loss {self.losses[0]:.4g} → {self.losses[-1]:.4g}"
        return f"OptimizerPath({self.optimizer}, {self.n_steps} steps, {end})"


def optimizer_path(network, X, y, optimizer=None, steps: int = 50, *, batch_size: int | None = None,
                   seed=None) -> OptimizerPath:
    """Train a copy of ``network`` for ``steps`` updates and record the parameters after each.

    Parameters
    ----------
    network : nnviz.core.Network
        The start; left unchanged.
    X, y : array-like
        Data, as for ``network.train_step``.
    optimizer : Optimizer, str, dict or None
        As ``Network(optimizer=...)``, e.g. ``{"type": "sgd", "lr": 0.1, "momentum": 0.9}`` or
        ``{"type": "adam", "lr": 0.05}``: a fresh optimiser, so that several start from the same point
        alike. None: a copy of the network's own, with its state.
    steps : int, default 50
    batch_size : int or None, default None
        None: full-batch steps (the path a landscape shows best). Otherwise shuffled mini-batches.
    seed : int, numpy.random.Generator or None
        Shuffles the mini-batches (None: a copy of the network's generator).

    Returns
    -------
    OptimizerPath
        Divergence is caught and ends the path (``diverged=True``).
    """
    from nnviz.core import DivergedError, make_optimizer

    from .lr_finder import copy_network

    network, X = _check_data(network, X, y)
    steps = check_int("steps", steps, low=1)
    net = copy_network(network)
    if optimizer is not None:
        net.optimizer = make_optimizer(optimizer.get_config() if hasattr(optimizer, "get_config") else optimizer)
    if seed is not None:
        net.rng = check_rng("seed", seed)
    y = np.asarray(y)
    n = len(X)
    batch_size = n if batch_size is None else min(check_int("batch_size", batch_size, low=1), n)
    vectors = [parameters_to_vector(net).astype(np.float64)]
    losses = [net.evaluate(X, y)[0]]
    order, pos, diverged = np.arange(n), n, False
    for _ in range(steps):
        if batch_size == n:
            batch = order
        else:
            if pos + batch_size > n:
                order, pos = net.rng.permutation(n), 0
            batch = order[pos : pos + batch_size]
            pos += batch_size
        try:
            net.train_step(X[batch], y[batch])
        except DivergedError:
            diverged = True
            break
        loss = net.evaluate(X, y)[0]
        if not np.isfinite(loss):
            diverged = True
            break
        vectors.append(parameters_to_vector(net).astype(np.float64))
        losses.append(loss)
    return OptimizerPath(np.array(vectors), np.array(losses), repr(net.optimizer), diverged)
