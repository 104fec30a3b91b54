"""The output heatmap with the data on top: the big square of the playground."""
from __future__ import annotations

import numpy as np

from nnviz.analysis import decision_grid, make_grid, output_rgba
from nnviz.analysis._validation import check_features, check_int, check_network

from ._figure import IMAGE_ALPHA, TEST_EDGE, TRAIN_EDGE, check_data, check_pair, figure_and_axes, point_colors, style_axes

__all__ = ["plot_decision_boundary"]

VIEW = (-6.0, 6.0, -6.0, 6.0)


def boundary_image(network, features, resolution, discretize, grid=None):
    """RGBA of the network's output over the view (row 0 at the bottom)."""
    grid = make_grid(VIEW, resolution) if grid is None else grid
    return output_rgba(decision_grid(network, grid, features), network.task, discretize)


def draw_points(ax, X, y, task, test=False, size=18.0):
    """Scatter data points coloured by label: train with a white edge, test with a black one."""
    return ax.scatter(
        X[:, 0], X[:, 1], s=size, c=point_colors(y, task),
        edgecolors=TEST_EDGE if test else TRAIN_EDGE, linewidths=0.9 if test else 0.7,
        zorder=3 if test else 2, label="test" if test else "train",
    )


def plot_decision_boundary(
    network, X, y, features=("x1", "x2"), ax=None, test=None, resolution=100, discretize=False
):
    """The network's output over [-6, 6]² in the playground's colours, with the data on top.

    Parameters
    ----------
    network : nnviz.core.Network
    X : array-like of shape (n_samples, 2)
        Training points (x1, x2) — the raw points, not the features.
    y : array-like of shape (n_samples,)
        Their labels (0/1, class labels) or targets, as the network's loss expects.
    features : sequence of str, default ("x1", "x2")
        The network's input features.
    ax : matplotlib Axes or None
        Draw into this axes; None makes a new 4.2 × 4.2 in figure.
    test : (X_test, y_test) or None
        Test points, drawn with a black edge.
    resolution : int, default 100
        Grid cells per side (the playground's 100).
    discretize : bool, default False
        Two (or k) flat colours instead of the graded output.

    Returns
    -------
    matplotlib.figure.Figure
        The figure holding the axes; the heatmap is ``ax.images[0]``, train and test points are
        ``ax.collections[0]`` and ``[1]``.

    Notes
    -----
    Binary: orange (class 0) → grey (P = ½) → blue (class 1). Regression: output -1 → +1 on the same
    scale. Multiclass: the most likely class's colour, faded towards grey where the network is unsure.
    """
    check_network(network)
    features = check_features(features, network)
    resolution = check_int("resolution", resolution, low=2)
    X, y = check_data(network, X, y)
    test = check_pair(test)
    if test is not None:
        test = check_data(network, *test, names=("X_test", "y_test"))
    fig, ax = figure_and_axes(ax, (4.2, 4.2))
    ax.imshow(
        boundary_image(network, features, resolution, bool(discretize)),
        origin="lower", extent=VIEW, interpolation="bilinear", alpha=IMAGE_ALPHA, zorder=0,
    )
    draw_points(ax, X, y, network.task)
    if test is not None:
        draw_points(ax, *test, network.task, test=True)
    ax.set_xlim(VIEW[0], VIEW[1])
    ax.set_ylim(VIEW[2], VIEW[3])
    ax.set_aspect("equal")
    ticks = np.arange(-6, 7, 2)
    ax.set_xticks(ticks)
    ax.set_yticks(ticks)
    style_axes(ax)
    return fig
