"""What a learning rate does to a path: crawls, good, oscillates or diverges; and the numbers behind it.

The learning-rate explorer labels each optimiser path on the loss landscape with one of
:data:`REGIMES`, draws a path that runs off the map up to where it left, colours the landscape in
log-spaced bands, and quotes ``2 / L`` (``L`` the largest curvature, :func:`sharpness`): on a quadratic
bowl gradient descent converges for ``lr < 2 / L`` and diverges above. The batch explorer measures how
noisy a loss curve is with :func:`step_variance`. All pure NumPy on arrays and networks.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from nnviz.core import parameters_to_vector, vector_to_parameters
from nnviz.core._validation import check_float, check_int, check_rng

from ._validation import check_network, describe

__all__ = ["REGIMES", "REGIME_TEXT", "ClippedPath", "clip_path", "loss_bands", "path_regime", "sharpness",
           "step_variance", "steps_per_epoch"]

#: The verdicts of :func:`path_regime`, from too small to far too large.
REGIMES = ("crawls", "good", "oscillates", "diverges")
#: How a widget says them.
REGIME_TEXT = {
    "crawls": "too small: crawls",
    "good": "good",
    "oscillates": "too large: oscillates",
    "diverges": "far too large: diverges",
}


def _losses_and_vectors(path):
    try:
        losses = np.asarray(path.losses, dtype=np.float64)
        vectors = np.asarray(path.vectors, dtype=np.float64)
        diverged = bool(path.diverged)
    except AttributeError:
        raise TypeError(f"path must be an OptimizerPath (losses, vectors, diverged), got {describe(path)}") from None
    if losses.ndim != 1 or vectors.ndim != 2 or len(losses) != len(vectors) or len(losses) == 0:
        raise ValueError(f"path must hold one loss per parameter vector, got losses of shape {losses.shape} "
                         f"and vectors of shape {vectors.shape}")
    return losses, vectors, diverged


def path_regime(path, floor: float | None = None, *, within: float = 0.5, progress: float = 0.95,
                zigzag: float = 0.4) -> str:
    """Say what the learning rate did on an optimiser's path: one of :data:`REGIMES`.

    Parameters
    ----------
    path : OptimizerPath
        From :func:`nnviz.analysis.optimizer_path` (``losses``, ``vectors``, ``diverged``).
    floor : float or None
        The lowest loss reachable (e.g. the minimum of the landscape it is drawn on); None: the lowest
        loss on the path.
    within : float, default 0.5
        A path is ``"good"`` when it gets ``progress`` of the way down within this fraction of its steps.
    progress : float, default 0.95
    zigzag : float, default 0.4
        A converging path whose consecutive steps point against each other (negative dot product) in
        more than this fraction of its first ten step pairs ``"oscillates"`` (it overshoots the valley).

    Returns
    -------
    str
        ``"diverges"``: the path was cut short by a divergence, or it ends higher than it started;
        ``"oscillates"``: it zig-zags across the valley; ``"crawls"``: it has not come ``progress`` of
        the way from its first loss down to ``floor`` within ``within`` of its steps; else ``"good"``.

    Notes
    -----
    On the quadratic ``½ (w − w*)ᵀ H (w − w*)`` gradient descent multiplies the distance along each
    eigenvector of ``H`` (eigenvalue ``λ``) by ``1 − η λ`` per step: ``η < 1/L`` approaches without
    crossing, ``1/L < η < 2/L`` crosses the valley each step along the steepest direction (the sign of
    ``1 − η L`` flips) but converges, ``η > 2/L`` grows without bound (``L`` the largest ``λ``).
    """
    losses, vectors, diverged = _losses_and_vectors(path)
    within = check_float("within", within, low=0.0, low_open=True, high=1.0)
    progress = check_float("progress", progress, low=0.0, low_open=True, high=1.0)
    zigzag = check_float("zigzag", zigzag, low=0.0, high=1.0)
    if diverged or not np.isfinite(losses).all() or losses[-1] > losses[0]:
        return "diverges"
    steps = np.diff(vectors, axis=0)
    if len(steps) >= 2:
        pairs = np.einsum("ij,ij->i", steps[:-1], steps[1:])[:10]
        if np.mean(pairs < 0) > zigzag:
            return "oscillates"
    low = float(np.min(losses)) if floor is None else check_float("floor", floor)
    drop = losses[0] - low
    if drop <= 0:
        return "good"  # already at the bottom
    reached = np.flatnonzero(losses[0] - losses >= progress * drop)
    n = len(losses) - 1
    return "good" if len(reached) and reached[0] <= max(1, within * n) else "crawls"


@dataclass(frozen=True)
class ClippedPath:
    """A 2-D path cut where it first leaves a box.

    Attributes
    ----------
    xy : ndarray of shape (m, 2)
        The points inside, then (when it left) the point where it crossed the border.
    left : bool
        True when the path left the box (``xy`` then ends on its border).
    steps_inside : int
        How many steps of the original path stayed inside.
    """

    xy: np.ndarray
    left: bool
    steps_inside: int


def clip_path(xy, extent) -> ClippedPath:
    """Cut the path ``xy`` at the first point outside ``extent``, ending it on the border.

    Parameters
    ----------
    xy : array-like of shape (n, 2)
        E.g. a projected optimiser path (:meth:`LossLandscape.project`); non-finite points count as outside.
    extent : (xmin, xmax, ymin, ymax)

    Returns
    -------
    ClippedPath
        A divergent path is drawn up to where it left the map, never through NaN or off to 1e30.
    """
    P = np.asarray(xy, dtype=np.float64)
    if P.ndim != 2 or P.shape[1] != 2:
        raise ValueError(f"xy must have shape (n, 2), got shape {P.shape}")
    if isinstance(extent, (str, bytes)) or not hasattr(extent, "__len__") or len(extent) != 4:
        raise TypeError(f"extent must be (xmin, xmax, ymin, ymax), got {describe(extent)}")
    x0, x1, y0, y1 = (check_float(f"extent[{k}]", v) for k, v in enumerate(extent))
    if not (x0 < x1 and y0 < y1):
        raise ValueError(f"extent must have min < max on both axes, got {tuple(extent)}")
    with np.errstate(invalid="ignore"):
        inside = np.isfinite(P).all(axis=1) & (P[:, 0] >= x0) & (P[:, 0] <= x1) & (P[:, 1] >= y0) & (P[:, 1] <= y1)
    if inside.all():
        return ClippedPath(P.copy(), False, len(P) - 1)
    first_out = int(np.argmin(inside))
    if first_out == 0:
        return ClippedPath(P[:0].copy(), True, 0)
    a, b = P[first_out - 1], P[first_out]
    t = 1.0
    if np.isfinite(b).all():
        d = b - a
        for lo, hi, k in ((x0, x1, 0), (y0, y1, 1)):
            if d[k] > 0 and b[k] > hi:
                t = min(t, (hi - a[k]) / d[k])
            elif d[k] < 0 and b[k] < lo:
                t = min(t, (lo - a[k]) / d[k])
        border = a + t * d
    else:
        border = a
    return ClippedPath(np.vstack([P[:first_out], border[None]]), True, first_out - 1)


def loss_bands(loss, levels: int = 12) -> np.ndarray:
    """Log-spaced bands of a landscape's loss, as values in [0, 1] for a colour scale (filled contours).

    Parameters
    ----------
    loss : array-like of shape (R, R)
        E.g. :attr:`LossLandscape.loss` (``inf`` where it overflowed).
    levels : int, default 12
        Number of bands between the lowest and the highest finite loss (on a log scale).

    Returns
    -------
    ndarray of shape (R, R), float64
        0 in the lowest band, 1 in the highest; ``inf`` (and NaN) are 1.
    """
    L = np.asarray(loss, dtype=np.float64)
    levels = check_int("levels", levels, low=2, high=256)
    finite = np.isfinite(L)
    if not finite.any():
        return np.ones_like(L)
    logs = np.log10(np.maximum(np.where(finite, L, np.nan), 1e-12))
    lo, hi = float(np.nanmin(logs)), float(np.nanmax(logs))
    if hi - lo < 1e-12:
        return np.where(finite, 0.0, 1.0)
    band = np.floor((logs - lo) / (hi - lo) * levels)
    out = np.clip(band, 0, levels - 1) / (levels - 1)
    return np.where(finite, out, 1.0)


def sharpness(network, X, y, *, iterations: int = 30, eps: float = 1e-4, seed=0) -> float:
    """The largest eigenvalue ``L`` of the data loss's Hessian at the network's parameters.

    Power iteration on Hessian-vector products by central differences of the core's gradients,
    ``H v ≈ (∇L(θ + εv) − ∇L(θ − εv)) / 2ε`` (exact for a quadratic, up to rounding). Gradient descent
    on a quadratic converges for ``lr < 2 / L``.

    Parameters
    ----------
    network : nnviz.core.Network
        Left unchanged (the products are computed on a copy).
    X, y : array-like
    iterations : int, default 30
    eps : float, default 1e-4
    seed : int, numpy.random.Generator or None
        The start vector.

    Returns
    -------
    float
        The eigenvalue of largest magnitude (the Rayleigh quotient ``vᵀHv`` of the last iterate).
    """
    from .lr_finder import copy_network

    network = copy_network(check_network(network))  # gradients may draw dropout masks: work on a copy
    iterations = check_int("iterations", iterations, low=1)
    eps = check_float("eps", eps, low=0.0, low_open=True)
    rng = check_rng("seed", seed)
    X = np.asarray(X)
    y = np.asarray(y)
    theta = parameters_to_vector(network).astype(np.float64)
    network.l1 = network.l2 = 0.0  # the data loss only, as the landscape

    def grad_at(vector):
        vector_to_parameters(vector, network)
        grads = network.gradients(X, y)
        return np.concatenate([np.asarray(g[name], dtype=np.float64).ravel()
                               for layer, g in zip(network.layers, grads) for name in layer.params])

    v = rng.standard_normal(theta.size)
    v /= np.linalg.norm(v)
    value = 0.0
    for _ in range(iterations):
        hv = (grad_at(theta + eps * v) - grad_at(theta - eps * v)) / (2 * eps)
        value = float(v @ hv)
        norm = float(np.linalg.norm(hv))
        if norm == 0 or not math.isfinite(norm):
            break
        v = hv / norm
    return value


def step_variance(values) -> float:
    """Variance of the step-to-step changes of a curve, ``var(diff(values))``: how noisy it is.

    Parameters
    ----------
    values : array-like of shape (n,)
        E.g. the training loss after every update. Non-finite values are left out.

    Returns
    -------
    float
        0 for fewer than 3 finite values.
    """
    v = np.asarray(values, dtype=np.float64)
    if v.ndim != 1:
        raise ValueError(f"values must be 1-D, got shape {v.shape}")
    v = v[np.isfinite(v)]
    if len(v) < 3:
        return 0.0
    return float(np.var(np.diff(v)))


def steps_per_epoch(n_samples: int, batch_size: int) -> int:
    """Updates in one epoch: ``ceil(n_samples / batch_size)`` (the last batch may be smaller)."""
    n_samples = check_int("n_samples", n_samples, low=1)
    batch_size = check_int("batch_size", batch_size, low=1)
    return -(-n_samples // batch_size)
