"""The network as a graph: where the neurons sit and what the links between them look like.

Levels are the columns of the playground's drawing: level 0 the input features, then one level per Dense
layer (hidden layers, then the output). Dropout layers are not levels (they have no weights to draw).
Link ``(layer, i, j)`` is the weight ``W[i, j]`` of Dense layer ``layer``, from unit ``i`` of level
``layer`` to unit ``j`` of level ``layer + 1``.
"""
from __future__ import annotations

import numbers
from typing import NamedTuple

import numpy as np

from ._validation import check_float, check_int, check_network, describe

__all__ = ["Edge", "edge_arrays", "edge_curves", "edge_list", "edge_style", "graph_layout"]

#: |w| drawn at full width by :func:`edge_style`: the playground's ``linkWidthScale`` domain [0, 5].
PLAYGROUND_WEIGHT_SCALE = 5.0


class Edge(NamedTuple):
    """One link of the graph: weight ``W[i, j]`` of Dense layer ``layer`` (0 = the first)."""

    layer: int
    i: int
    j: int
    weight: float


def _check_sizes(sizes) -> list[int]:
    if isinstance(sizes, (str, bytes)) or not hasattr(sizes, "__iter__"):
        raise TypeError(f"sizes must be a list of units per level such as [2, 4, 2, 1], got {describe(sizes)}")
    sizes = [check_int(f"sizes[{k}]", n, low=1) for k, n in enumerate(sizes)]
    if not sizes:
        raise ValueError("sizes must list at least one level, got an empty sequence")
    return sizes


def graph_layout(sizes, width: float = 1.0, height: float = 1.0) -> list[np.ndarray]:
    """Centres of the nodes, level by level, in a ``width × height`` box (y pointing up).

    Parameters
    ----------
    sizes : sequence of int
        Units per level, e.g. ``network.units_per_level()`` (``[2, 4, 2, 1]``).
    width, height : float, default 1
        Size of the box; the lower-left corner is (0, 0).

    Returns
    -------
    list of ndarray of shape (n_units, 2)
        ``layout[level][unit] = (x, y)``. Levels are evenly spaced columns at
        ``x = width (level + ½) / n_levels``. Within a column the units are ``height / max(sizes)``
        apart and centred on ``height / 2``; unit 0 is at the top (largest y). For screen coordinates
        (y down) use ``height − y``.
    """
    sizes = _check_sizes(sizes)
    width = check_float("width", width, low=0.0, low_open=True)
    height = check_float("height", height, low=0.0, low_open=True)
    n_levels, step = len(sizes), height / max(sizes)
    layout = []
    for level, n in enumerate(sizes):
        xy = np.empty((n, 2))
        xy[:, 0] = width * (level + 0.5) / n_levels
        xy[:, 1] = height / 2 + ((n - 1) / 2 - np.arange(n)) * step
        layout.append(xy)
    return layout


def edge_arrays(network) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """All links as flat arrays, in the order of :func:`edge_list`.

    Returns
    -------
    src_level : ndarray of shape (n_weights,), int64
        Level of the source unit (= index of the Dense layer); the destination is ``src_level + 1``.
    src_index, dst_index : ndarray of shape (n_weights,), int64
        Unit ``i`` in the source level and ``j`` in the destination level.
    weights : ndarray of shape (n_weights,), float64
        ``W[i, j]`` (a copy).
    """
    network = check_network(network)
    levels, src, dst, weights = [], [], [], []
    for level, layer in enumerate(network.mlp_levels()):
        n_in, n_out = layer.W.shape
        levels.append(np.full(n_in * n_out, level, dtype=np.int64))
        src.append(np.repeat(np.arange(n_in, dtype=np.int64), n_out))
        dst.append(np.tile(np.arange(n_out, dtype=np.int64), n_in))
        weights.append(np.array(layer.W, dtype=np.float64).ravel())
    return tuple(np.concatenate(a) for a in (levels, src, dst, weights))


def edge_list(network) -> list[Edge]:
    """One :class:`Edge` per weight, Dense layer by layer, each layer's ``W`` in row-major order
    (``W[0, 0], W[0, 1], …, W[1, 0], …``)."""
    return [
        Edge(int(level), int(i), int(j), float(w))
        for level, i, j, w in zip(*edge_arrays(network))
    ]


def edge_style(weights, max_width: float = 6.0, scale=PLAYGROUND_WEIGHT_SCALE, min_width: float = 0.5):
    """Line width and sign of each link, as the playground draws them.

    Parameters
    ----------
    weights : array-like of shape (n_weights,)
    max_width : float, default 6
        Width for ``|w| >= scale``.
    scale : float or None, default 5
        The ``|w|`` drawn at full width. The default is **fixed** (the playground's ``linkWidthScale``
        domain [0, 5]), so links visibly thicken as weights grow during training and two networks can be
        compared. ``None`` uses the largest ``|w|`` of ``weights`` instead (every picture uses the full
        range, at the price of comparability).
    min_width : float, default 0.5
        Width of a zero weight, so every link stays visible (the playground's range starts at 1 px).

    Returns
    -------
    widths : ndarray of shape (n_weights,), float64
        ``min_width + (max_width − min_width) · min(|w| / scale, 1)``: increasing in ``|w|``.
    signs : ndarray of shape (n_weights,), int8
        +1 (blue), -1 (orange) or 0.
    """
    w = np.asarray(weights, dtype=np.float64)
    if w.ndim != 1:
        raise ValueError(f"weights must be 1-D of shape (n_weights,), got shape {w.shape}")
    max_width = check_float("max_width", max_width, low=0.0, low_open=True)
    min_width = check_float("min_width", min_width, low=0.0, high=max_width)
    magnitude = np.abs(w)
    if scale is None:
        scale = float(magnitude.max()) if w.size and magnitude.max() > 0 else 1.0
    elif isinstance(scale, numbers.Real) and not isinstance(scale, bool):
        scale = check_float("scale", scale, low=0.0, low_open=True)
    else:
        raise TypeError(f"scale must be a positive number or None, got {describe(scale)}")
    widths = min_width + (max_width - min_width) * np.minimum(magnitude / scale, 1.0)
    return widths, np.sign(w).astype(np.int8)


def edge_curves(start, end, n_points: int = 16) -> np.ndarray:
    """Smooth S-shaped links between points, as the playground draws them (``d3.svg.diagonal``).

    Parameters
    ----------
    start, end : array-like of shape (n_edges, 2)
        Where each link leaves its source and enters its destination.
    n_points : int, default 16
        Points per curve, >= 2.

    Returns
    -------
    ndarray of shape (n_edges, n_points, 2)
        Cubic Bézier curves leaving and entering horizontally: control points
        ``(mid_x, start_y)`` and ``(mid_x, end_y)`` with ``mid_x`` halfway between the ends.
    """
    p0 = np.asarray(start, dtype=np.float64)
    p3 = np.asarray(end, dtype=np.float64)
    if p0.ndim != 2 or p0.shape[1] != 2 or p0.shape != p3.shape:
        raise ValueError(
            f"start and end must have the same shape (n_edges, 2), got {p0.shape} and {p3.shape}"
        )
    n_points = check_int("n_points", n_points, low=2)
    mid = (p0[:, 0] + p3[:, 0]) / 2
    p1 = np.column_stack([mid, p0[:, 1]])
    p2 = np.column_stack([mid, p3[:, 1]])
    t = np.linspace(0.0, 1.0, n_points)[None, :, None]
    u = 1.0 - t
    return (u**3) * p0[:, None] + 3 * (u**2) * t * p1[:, None] + 3 * u * (t**2) * p2[:, None] + (t**3) * p3[:, None]
