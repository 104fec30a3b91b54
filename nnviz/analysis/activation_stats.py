"""What the activations and the gradients of every layer look like: histograms, mean, std, % near zero,
dead ReLU units and gradient norms (fastai's ActivationStats, computed on demand, live).

:func:`activation_stats` runs the network on a batch (inference mode, a copy: the network is left as
it was) and, given targets, the backward pass of the data loss, and summarises each layer with
parameters. :func:`activation_curves` gives each activation and its derivative over a range of ``z``.
A deep sigmoid network's gradient norms shrinking towards the input beside a ReLU network's staying
level is the vanishing-gradient picture.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from nnviz.core import ACTIVATIONS, get_activation
from nnviz.core._validation import check_float, check_int

from ._validation import check_network, describe

__all__ = ["BOUNDED_RANGES", "LayerStats", "activation_curves", "activation_stats"]

#: Output ranges of the bounded activations; their histograms use them as fixed bin ranges, so that
#: frames of a live view are comparable. Other activations are binned over the data's range.
BOUNDED_RANGES = {"sigmoid": (0.0, 1.0), "tanh": (-1.0, 1.0), "softmax": (0.0, 1.0)}


@dataclass(frozen=True, eq=False)
class LayerStats:
    """One layer's activations (and, with targets, its gradients) on a batch.

    Attributes
    ----------
    index : int
        Position in ``network.layers``.
    name : str
        The layer's repr.
    activation : str
        Its activation's name ("" for a layer without one).
    counts, edges : ndarray of shape (bins,) and (bins + 1,)
        Histogram of every activation value of the layer over the batch.
    mean, std : float
        Of the activation values.
    near_zero : float
        Fraction of activation values with ``|a| <= near_zero_tol``.
    dead_units : ndarray of int
        ReLU-like units (``relu``) whose pre-activation is ``<= 0`` for every sample of the batch:
        they output 0 and pass no gradient, whatever the input. Empty for other activations.
    saturated : float
        For sigmoid and tanh: the fraction of values within 2 % of the bounds, where the derivative is
        nearly 0 (NaN for other activations).
    grad_counts, grad_edges : ndarray or None
        Histogram of the deltas ``∂L/∂z`` (with targets; else None).
    grad_mean, grad_std, grad_near_zero : float or None
        Of the deltas; ``grad_near_zero`` is the fraction with ``|δ| <= near_zero_tol · max|δ|`` over
        the whole network.
    grad_norm : float or None
        ``‖∂L/∂W‖`` (Frobenius norm of the weight gradient of the data loss; biases excluded).
    """

    index: int
    name: str
    activation: str
    counts: np.ndarray
    edges: np.ndarray
    mean: float
    std: float
    near_zero: float
    dead_units: np.ndarray
    saturated: float
    grad_counts: np.ndarray | None = None
    grad_edges: np.ndarray | None = None
    grad_mean: float | None = None
    grad_std: float | None = None
    grad_near_zero: float | None = None
    grad_norm: float | None = None

    @property
    def n_dead(self) -> int:
        return int(len(self.dead_units))

    def __repr__(self) -> str:
        grad = "" if self.grad_norm is None else f", ‖∂L/∂W‖ {self.grad_norm:.3g}"
        dead = f", {self.n_dead} dead" if self.activation == "relu" else ""
        return (f"LayerStats({self.index}: {self.name}, mean {self.mean:.3g}, std {self.std:.3g}, "
                f"{100 * self.near_zero:.0f}% near 0{dead}{grad})")


def activation_stats(network, X, y=None, *, bins: int = 30, near_zero_tol: float = 0.05) -> list[LayerStats]:
    """Per-layer statistics of the activations (and of the gradients, given ``y``) on a batch.

    Parameters
    ----------
    network : nnviz.core.Network
        Left unchanged (a copy runs the passes).
    X : array-like of shape (n_samples, n_inputs)
        The batch, e.g. the training set.
    y : array-like or None
        Targets: adds the deltas' histogram and statistics and the weight-gradient norms.
    bins : int, default 30
        Histogram bins, >= 1. Bounded activations (:data:`BOUNDED_RANGES`) are binned over their range,
        others over the data's.
    near_zero_tol : float, default 0.05
        ``|a|`` at most this counts as near zero (for deltas: this fraction of the largest ``|δ|``).

    Returns
    -------
    list of LayerStats
        One per layer with parameters (``network.mlp_levels()`` for an MLP), input side first.
    """
    from .lr_finder import copy_network

    network = check_network(network)
    bins = check_int("bins", bins, low=1)
    near_zero_tol = check_float("near_zero_tol", near_zero_tol, low=0.0)
    net = copy_network(network)
    traces = net.trace(X) if y is None else net.trace(X, y)
    layers = [(t, l) for t, l in zip(traces, net.layers) if l.params]
    if y is not None:
        deltas = [t.delta for t, _ in layers if t.delta is not None]
        scale = max((float(np.max(np.abs(d))) for d in deltas if d.size), default=0.0)
    out = []
    for t, layer in layers:
        act = getattr(getattr(layer, "activation", None), "name", "")
        a = np.asarray(t.a, dtype=np.float64)
        flat = a.ravel()
        finite = flat[np.isfinite(flat)]
        lo_hi = BOUNDED_RANGES.get(act)
        if lo_hi is None:
            lo_hi = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
            if lo_hi[0] == lo_hi[1]:
                lo_hi = (lo_hi[0] - 0.5, lo_hi[1] + 0.5)
        counts, edges = np.histogram(finite, bins=bins, range=lo_hi)
        z = t.z
        if act == "relu" and z is not None:
            dead = np.flatnonzero(np.all(np.asarray(z).reshape(len(z), -1) <= 0, axis=0))
        else:
            dead = np.zeros(0, dtype=np.int64)
        if act in ("sigmoid", "tanh"):
            lo, hi = BOUNDED_RANGES[act]
            margin = 0.02 * (hi - lo)
            saturated = float(np.mean((flat <= lo + margin) | (flat >= hi - margin)))
        else:
            saturated = float("nan")
        stats = dict(index=t.index, name=t.name, activation=act, counts=counts, edges=edges,
                     mean=float(finite.mean()) if finite.size else float("nan"),
                     std=float(finite.std()) if finite.size else float("nan"),
                     near_zero=float(np.mean(np.abs(flat) <= near_zero_tol)), dead_units=dead, saturated=saturated)
        if y is not None and t.delta is not None:
            d = np.asarray(t.delta, dtype=np.float64).ravel()
            span = float(np.max(np.abs(d))) if d.size else 0.0
            gc, ge = np.histogram(d, bins=bins, range=(-span, span) if span > 0 else (-1.0, 1.0))
            W = t.grads.get("W")
            stats.update(grad_counts=gc, grad_edges=ge, grad_mean=float(d.mean()), grad_std=float(d.std()),
                         grad_near_zero=float(np.mean(np.abs(d) <= near_zero_tol * scale)) if scale > 0 else 1.0,
                         grad_norm=None if W is None else float(np.linalg.norm(W)))
        out.append(LayerStats(**stats))
    return out


def activation_curves(names=None, z=None) -> dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Each activation and its derivative over ``z``, for the chart that compares them.

    Parameters
    ----------
    names : sequence of str or None
        Keys of :data:`nnviz.core.ACTIVATIONS` (None: every elementwise one, i.e. all but softmax).
    z : array-like of shape (n,) or None
        Where to evaluate (None: 201 points from −5 to 5).

    Returns
    -------
    dict of name to (z, f(z), f′(z))
        Each array of shape (n,).
    """
    if names is None:
        names = [k for k in ACTIVATIONS if k != "softmax"]
    if isinstance(names, str) or not hasattr(names, "__iter__"):
        raise TypeError(f"names must be a sequence of activation names, got {describe(names)}")
    z = np.linspace(-5.0, 5.0, 201) if z is None else np.asarray(z, dtype=np.float64)
    if z.ndim != 1 or not np.isfinite(z).all():
        raise ValueError(f"z must be a 1-D array of finite numbers, got shape {z.shape}")
    out = {}
    for name in names:
        act = get_activation(name)
        if act.name == "softmax":
            raise ValueError("activation_curves takes elementwise activations; softmax acts on a whole row")
        zz = z[:, None]
        a = act.forward(zz.copy())
        out[act.name] = (z.copy(), np.asarray(a)[:, 0].copy(), np.asarray(act.derivative(zz, a))[:, 0].copy())
    return out
