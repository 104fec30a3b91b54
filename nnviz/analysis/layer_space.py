"""How the data move through the network: the input plane, its grid lines and the points, drawn in each
layer's own space (ConvNetJS's hidden-space view, colah's "manifolds" pictures).

:func:`layer_space` maps the data points and a set of grid lines of the input plane through the network
and gives, for the plane and for each layer with parameters, 2-D coordinates to draw: the layer itself
when it has 2 units, otherwise two chosen neurons or its first two principal components (fitted on the
data points' activations there, the grid lines projected with the same components). Watching them
while training shows the network untangling the classes until the output layer separates them with a
line.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from nnviz.core._validation import check_choice, check_int
from nnviz.data import DEFAULT_FEATURES, make_features

from ._validation import check_features, check_network, describe

__all__ = ["LayerSpace", "grid_lines", "layer_space"]

METHODS = ("auto", "pca", "neurons")


@dataclass(frozen=True, eq=False)
class LayerSpace:
    """One level's picture.

    Attributes
    ----------
    level : int
        0 for the input plane, ``k + 1`` for the ``k``-th layer with parameters.
    name : str
        ``"input"`` or the layer's repr.
    n_units : int
        Units of the level (2 for the plane).
    method : {"identity", "neurons", "pca", "1-d"}
        How the 2 coordinates were made: the level itself (2 units), two chosen neurons, the first two
        principal components, or a single unit drawn against 0.
    axes : tuple of str
        Axis labels, e.g. ``("unit 1", "unit 2")`` or ``("PC 1", "PC 2")``.
    points : ndarray of shape (n_samples, 2)
        The data points.
    lines : ndarray of shape (n_lines, points_per_line, 2)
        The grid lines of the input plane, mapped to this level.
    components : ndarray of shape (2, n_units) or None
        For ``"pca"``: the unit-length principal directions (rows), signs aligned to the previous frame's
        when ``previous`` was given; ``mean`` is what was subtracted first.
    mean : ndarray of shape (n_units,) or None
    explained : ndarray of shape (2,) or None
        For ``"pca"``: the fraction of the variance each component explains.
    separator : (w, b) or None
        At the level just before a 1-unit output (binary or single regression output), drawn with its own
        2 units: the output's pre-activation is ``w · h + b``, so ``w · h + b = 0`` is the line the
        output layer separates the classes with, in these coordinates.
    """

    level: int
    name: str
    n_units: int
    method: str
    axes: tuple
    points: np.ndarray
    lines: np.ndarray
    components: np.ndarray | None = None
    mean: np.ndarray | None = None
    explained: np.ndarray | None = None
    separator: tuple | None = None

    def __repr__(self) -> str:
        return (f"LayerSpace(level {self.level}: {self.name}, {self.n_units} units, {self.method}, "
                f"{len(self.points)} points, {len(self.lines)} grid lines)")


def grid_lines(extent=(-6.0, 6.0, -6.0, 6.0), n_lines: int = 9, points_per_line: int = 50) -> np.ndarray:
    """Horizontal and vertical lines over ``extent`` (the playground's view), shape
    (2 · n_lines, points_per_line, 2): first the ``n_lines`` lines of constant x, then those of constant y."""
    n_lines = check_int("n_lines", n_lines, low=2)
    points_per_line = check_int("points_per_line", points_per_line, low=2)
    if isinstance(extent, (str, bytes)) or not hasattr(extent, "__len__") or len(extent) != 4:
        raise TypeError(f"extent must be a tuple (xmin, xmax, ymin, ymax), got {describe(extent)}")
    xmin, xmax, ymin, ymax = (float(v) for v in extent)
    if not (xmin < xmax and ymin < ymax):
        raise ValueError(f"extent must have min < max on both axes, got {tuple(extent)}")
    xs, ys = np.linspace(xmin, xmax, n_lines), np.linspace(ymin, ymax, n_lines)
    tx, ty = np.linspace(xmin, xmax, points_per_line), np.linspace(ymin, ymax, points_per_line)
    vertical = np.stack([np.broadcast_to(xs[:, None], (n_lines, points_per_line)),
                         np.broadcast_to(ty[None, :], (n_lines, points_per_line))], axis=-1)
    horizontal = np.stack([np.broadcast_to(tx[None, :], (n_lines, points_per_line)),
                           np.broadcast_to(ys[:, None], (n_lines, points_per_line))], axis=-1)
    return np.concatenate([vertical, horizontal]).astype(np.float64)


def _pca(A: np.ndarray, previous: np.ndarray | None):
    mean = A.mean(axis=0)
    _, s, Vt = np.linalg.svd(A - mean, full_matrices=False)
    comps = np.zeros((2, A.shape[1]))
    k = min(2, Vt.shape[0])
    comps[:k] = Vt[:k]
    var = s**2
    explained = np.zeros(2)
    if var.sum() > 0:
        explained[:k] = var[:k] / var.sum()
    for c in range(2):
        if previous is not None and previous.shape == comps.shape:
            sign = np.sign(comps[c] @ previous[c])  # keep the picture from flipping between frames
        else:
            sign = np.sign(comps[c][np.argmax(np.abs(comps[c]))])  # largest loading positive
        comps[c] *= sign if sign != 0 else 1.0
    return comps, mean, explained


def layer_space(network, X, features=DEFAULT_FEATURES, *, lines=None, method: str = "auto", neurons=None,
                previous=None) -> list[LayerSpace]:
    """The data points and the input plane's grid lines in the space of every layer.

    Parameters
    ----------
    network : nnviz.core.Network
        An MLP on features of 2-D points.
    X : array-like of shape (n_samples, 2)
        The data points, in the plane.
    features : sequence of str, default ("x1", "x2")
        The network's input features of a point (:func:`nnviz.data.make_features`).
    lines : ndarray of shape (n_lines, points_per_line, 2) or None
        Curves in the plane to map through (None: :func:`grid_lines` over [−6, 6]²).
    method : {"auto", "pca", "neurons"}, default "auto"
        For levels with more than 2 units: ``"pca"`` (first two principal components of the data points'
        activations), ``"neurons"`` (the two units ``neurons`` names). ``"auto"`` is ``"neurons"`` when
        ``neurons`` is given, else ``"pca"``. A 2-unit level is always drawn as itself, a 1-unit level
        against 0.
    neurons : dict of level to (i, j), or None
        The two units to draw for a level (levels numbered as :attr:`LayerSpace.level`).
    previous : list of LayerSpace or None
        The last frame, so that principal components keep their signs (no flipping while animating).

    Returns
    -------
    list of LayerSpace
        Level 0 (the plane) first, then each layer with parameters. The network is not changed.
    """
    network = check_network(network)
    features = check_features(features, network)
    method = check_choice("method", method, METHODS)
    pts = np.asarray(X, dtype=np.float64)
    if pts.ndim != 2 or pts.shape[1] != 2:
        raise ValueError(f"X must have shape (n_samples, 2) (points of the plane), got shape {pts.shape}")
    curves = grid_lines() if lines is None else np.asarray(lines, dtype=np.float64)
    if curves.ndim != 3 or curves.shape[2] != 2:
        raise ValueError(f"lines must have shape (n_lines, points_per_line, 2), got shape {curves.shape}")
    if neurons is not None and not isinstance(neurons, dict):
        raise TypeError(f"neurons must be a dict of level -> (i, j), got {describe(neurons)}")
    n, (n_lines, per_line, _) = len(pts), curves.shape
    everything = np.concatenate([pts, curves.reshape(-1, 2)])
    traces = network.trace(make_features(everything, features))
    levels = [(t, l) for t, l in zip(traces, network.layers) if l.params]
    prev = {s.level: s for s in previous} if previous else {}
    out = [LayerSpace(0, "input", 2, "identity", ("x₁", "x₂"), pts.copy(), curves.copy())]
    for k, (t, layer) in enumerate(levels, start=1):
        A = np.asarray(t.a, dtype=np.float64).reshape(len(everything), -1)
        units = A.shape[1]
        comps = mean = explained = None
        if units == 1:
            coords, how, axes = np.column_stack([A[:, 0], np.zeros(len(A))]), "1-d", ("unit 1", "")
        elif units == 2:
            coords, how, axes = A, "identity", ("unit 1", "unit 2")
        elif method == "neurons" or (method == "auto" and neurons and k in neurons):
            pair = (neurons or {}).get(k)
            if pair is None:
                raise ValueError(f"neurons must give two units for level {k} ({units} units) with "
                                 f"method='neurons', got {neurons!r}")
            i, j = (check_int(f"neurons[{k}][{c}]", v, low=0, high=units - 1) for c, v in enumerate(pair))
            coords, how, axes = A[:, [i, j]], "neurons", (f"unit {i + 1}", f"unit {j + 1}")
        else:
            ref = prev.get(k)
            comps, mean, explained = _pca(A[:n], None if ref is None else ref.components)
            coords, how, axes = (A - mean) @ comps.T, "pca", ("PC 1", "PC 2")
        separator = None
        if how == "identity" and k == len(levels) - 1 and levels[-1][1].params["W"].shape[1] == 1:
            out_layer = levels[-1][1]
            separator = (out_layer.params["W"][:, 0].astype(np.float64).copy(),
                         float(out_layer.params["b"][0]))
        out.append(LayerSpace(k, t.name, units, how, axes, coords[:n].copy(),
                              coords[n:].reshape(n_lines, per_line, 2).copy(), comps, mean, explained, separator))
    return out
