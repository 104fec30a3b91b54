"""The network evaluated over a grid of the plane: the output heatmap and every neuron's thumbnail.

A :class:`Grid` is a square lattice of points over the view (the playground's [-6, 6]²). Functions here
run the network on all its points at once and hand back images, one value per grid cell.

Orientation
-----------
Every image has shape (resolution, resolution) with ``image[i, j]`` the value at the point
``(xs[j], ys[i])``: rows go along y, columns along x, and ``ys`` ascends, so **row 0 is the bottom of the
view (ymin)**. Draw it with ``imshow(image, origin="lower", extent=grid.extent)``, or flip it for
top-down screen images (:func:`nnviz.analysis.encode_png` does by default).
"""
from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field

import numpy as np

from nnviz.data import DEFAULT_FEATURES, make_features

from ._validation import check_dtype, check_features, check_int, check_network, describe

__all__ = ["Grid", "decision_grid", "feature_grids", "input_matrix", "make_grid", "neuron_grids"]

#: The playground's view of the plane: (xmin, xmax, ymin, ymax).
DEFAULT_EXTENT = (-6.0, 6.0, -6.0, 6.0)
#: Input matrices a grid keeps, one per (features, dtype): the playground redraws the same few every frame.
INPUTS_PER_GRID = 8
_FLOAT32_MAX = float(np.finfo(np.float32).max)


@dataclass(frozen=True, eq=False)
class Grid:
    """A square lattice of ``resolution × resolution`` points over ``extent``.

    Build one with :func:`make_grid`. The arrays are read-only, so one grid can be shared by every view.

    Attributes
    ----------
    xs : ndarray of shape (resolution,)
        x of each column, ascending: the centres of ``resolution`` equal cells spanning [xmin, xmax].
    ys : ndarray of shape (resolution,)
        y of each row, ascending (row 0 is the bottom, ymin), cell centres as ``xs``.
    points : ndarray of shape (resolution * resolution, 2), float64
        Every point, row by row: ``points[i * resolution + j] == (xs[j], ys[i])``, so
        ``values.reshape(resolution, resolution)`` turns one value per point into an image.
    extent : tuple of float
        ``(xmin, xmax, ymin, ymax)``, the outer edges of the cells (what ``imshow(extent=...)`` wants).
    resolution : int
        Cells per side.
    """

    xs: np.ndarray
    ys: np.ndarray
    points: np.ndarray
    extent: tuple
    resolution: int
    # the network inputs at the points, per (features, dtype): see _grid_inputs
    _inputs: dict = field(default_factory=dict, init=False, repr=False, compare=False)

    @property
    def shape(self) -> tuple[int, int]:
        """Shape of an image over this grid: ``(resolution, resolution)``."""
        return (self.resolution, self.resolution)

    def __repr__(self) -> str:
        xmin, xmax, ymin, ymax = self.extent
        return f"Grid({self.resolution}×{self.resolution} over x [{xmin:g}, {xmax:g}], y [{ymin:g}, {ymax:g}])"


def _check_extent(extent) -> tuple[float, float, float, float]:
    if isinstance(extent, (str, bytes)) or not hasattr(extent, "__len__") or len(extent) != 4:
        raise TypeError(f"extent must be a tuple (xmin, xmax, ymin, ymax), got {describe(extent)}")
    try:
        values = tuple(float(v) for v in extent)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"extent must hold 4 real numbers (xmin, xmax, ymin, ymax), got {describe(extent)}") from exc
    xmin, xmax, ymin, ymax = values
    if not all(math.isfinite(v) for v in values) or not (xmin < xmax and ymin < ymax):
        raise ValueError(
            f"extent must be finite (xmin, xmax, ymin, ymax) with xmin < xmax and ymin < ymax, got {values}"
        )
    return values


def make_grid(extent=DEFAULT_EXTENT, resolution: int = 100) -> Grid:
    """A grid of ``resolution × resolution`` cell centres over ``extent``.

    Parameters
    ----------
    extent : (xmin, xmax, ymin, ymax), default (-6, 6, -6, 6)
        The region of the plane, as the playground's view.
    resolution : int, default 100
        Cells per side, >= 2. The playground draws its output at 100 and its neuron thumbnails are
        small; 20–30 is plenty for a thumbnail and costs ~1/16 of the work.

    Returns
    -------
    Grid
        Read-only; the same arguments return the same (cached) object.

    Examples
    --------
    >>> g = make_grid(resolution=4)
    >>> g.xs
    array([-4.5, -1.5,  1.5,  4.5])
    >>> g.points[:2]
    array([[-4.5, -4.5],
           [-1.5, -4.5]])
    """
    return _make_grid(_check_extent(extent), check_int("resolution", resolution, low=2))


@functools.lru_cache(maxsize=16)
def _make_grid(extent: tuple, resolution: int) -> Grid:
    xmin, xmax, ymin, ymax = extent
    centres = (np.arange(resolution) + 0.5) / resolution
    xs = xmin + (xmax - xmin) * centres
    ys = ymin + (ymax - ymin) * centres
    points = np.empty((resolution * resolution, 2))
    points[:, 0] = np.tile(xs, resolution)
    points[:, 1] = np.repeat(ys, resolution)
    for a in (xs, ys, points):
        a.setflags(write=False)
    return Grid(xs, ys, points, extent, resolution)


def _check_grid(grid) -> Grid:
    if not isinstance(grid, Grid):
        raise TypeError(f"grid must be a Grid from make_grid(), got {describe(grid)}")
    return grid


def input_matrix(points, features=DEFAULT_FEATURES) -> np.ndarray:
    """The network inputs for ``points``: one column per input feature.

    Parameters
    ----------
    points : array-like of shape (n_samples, 2)
        Points (x1, x2), e.g. ``grid.points`` or a data set's ``X``.
    features : sequence of str, default ("x1", "x2")
        Keys of :data:`nnviz.data.FEATURES`, in the network's input order.

    Returns
    -------
    ndarray of shape (n_samples, len(features)), float64
    """
    return make_features(points, features)


def _grid_inputs(grid: Grid, features: tuple, dtype: np.dtype) -> np.ndarray:
    """The network inputs at ``grid.points`` (:func:`input_matrix`) in ``dtype``, computed once per grid.

    Returns a read-only array of shape (resolution * resolution, len(features)), kept on the grid: a
    redraw then costs no ``sin`` over the grid's points. The grid keeps the latest
    :data:`INPUTS_PER_GRID` combinations of (features, dtype).
    """
    key = (features, dtype.str)
    cache = grid._inputs
    X = cache.get(key)
    if X is None:
        X = np.ascontiguousarray(input_matrix(grid.points, features), dtype=dtype)
        X.setflags(write=False)
        while len(cache) >= INPUTS_PER_GRID:
            cache.pop(next(iter(cache)), None)  # the oldest
        cache[key] = X
    return X


def _check_args(network, grid, features, dtype):
    network = check_network(network)
    grid = _check_grid(grid)
    features = check_features(features, network)
    return network, grid, features, check_dtype("dtype", dtype)


def _to_float32(a: np.ndarray) -> np.ndarray:
    """``a`` as float32, values beyond float32's range clipped to its largest (NaN stays NaN)."""
    if a.dtype == np.float32:
        return a
    return np.clip(a, -_FLOAT32_MAX, _FLOAT32_MAX).astype(np.float32)


def decision_grid(network, grid: Grid, features=DEFAULT_FEATURES, dtype=np.float32) -> np.ndarray:
    """The network's output over ``grid``, as an image.

    Parameters
    ----------
    network : nnviz.core.Network
    grid : Grid
        From :func:`make_grid`.
    features : sequence of str, default ("x1", "x2")
        The input features the network was trained on, one per input.
    dtype : numpy.float32 or numpy.float64, default float32
        Precision of the forward pass; float32 is about twice as fast and ample for drawing. Where
        float32 overflows (weights near a divergence, finite in float64), the pass is redone in float64.

    Returns
    -------
    ndarray, float32
        Of shape (resolution, resolution) for one output: P(class 1) for ``loss="bce"``, the raw output
        for ``"mse"``. Of shape (resolution, resolution, k) for k outputs: the class probabilities for
        ``"cross_entropy"``, the k outputs for ``"mse"``. Row 0 is ``y = ymin`` (see the module notes).
        Outputs beyond float32's range are clipped to its largest value; NaN only where the float64
        pass gives NaN.
    """
    network, grid, features, dtype = _check_args(network, grid, features, dtype)
    out = network.forward(_grid_inputs(grid, features, dtype), dtype=dtype)
    if dtype == np.float32 and not np.isfinite(out).all():
        out = network.forward(_grid_inputs(grid, features, np.dtype(np.float64)), dtype=np.float64)
    res = grid.resolution
    image = out.reshape(res, res) if out.shape[1] == 1 else out.reshape(res, res, out.shape[1])
    return _to_float32(image)


def neuron_grids(network, grid: Grid, features=DEFAULT_FEATURES, dtype=np.float32) -> list[np.ndarray]:
    """Every neuron's output over ``grid``: the thumbnails of the network graph.

    Parameters
    ----------
    network, grid, features, dtype
        As for :func:`decision_grid`. Use a coarse grid (resolution 20–30) for thumbnails.

    Returns
    -------
    list of ndarray, float32
        One per Dense layer (hidden layers, then the output layer), of shape (n_units, resolution,
        resolution): ``grids[l][u]`` is the activation of unit ``u`` of Dense layer ``l``. Dropout layers
        are skipped (they are the identity at inference). The last entry is the output layer, equal to
        :func:`decision_grid` with the units moved to the first axis.

    Notes
    -----
    All layers come from one :meth:`Network.trace` pass over the grid (redone in float64 where float32
    overflows, as in :func:`decision_grid`).
    """
    network, grid, features, dtype = _check_args(network, grid, features, dtype)
    res = grid.resolution
    outputs = _dense_outputs(network, grid, features, dtype)
    if dtype == np.float32 and not all(np.isfinite(a).all() for a in outputs):
        outputs = _dense_outputs(network, grid, features, np.dtype(np.float64))
    return [np.ascontiguousarray(_to_float32(a).T).reshape(-1, res, res) for a in outputs]


def _dense_outputs(network, grid, features, dtype) -> list[np.ndarray]:
    """Each level's activations over the grid (see ``Network.mlp_levels``), of shape
    (n_points, n_units), in ``dtype``."""
    levels = {id(l) for l in network.mlp_levels()}
    traces = network.trace(_grid_inputs(grid, features, dtype), dtype=dtype)
    return [t.a for layer, t in zip(network.layers, traces) if id(layer) in levels]


def feature_grids(grid: Grid, features=DEFAULT_FEATURES) -> np.ndarray:
    """Every input feature over ``grid``: the thumbnails of the graph's input "neurons".

    Parameters
    ----------
    grid : Grid
    features : sequence of str, default ("x1", "x2")

    Returns
    -------
    ndarray of shape (len(features), resolution, resolution), float32
    """
    grid = _check_grid(grid)
    if not isinstance(features, (str, bytes)) and hasattr(features, "__iter__"):
        features = tuple(features)  # hashable; make_features checks the names
    X = _grid_inputs(grid, features, np.dtype(np.float32))
    return np.ascontiguousarray(X.T).reshape(-1, grid.resolution, grid.resolution)
