"""The network drawn as the playground draws it: every neuron a small heatmap, links by weight."""
from __future__ import annotations

import numpy as np

from nnviz.analysis import (
    diverging_rgba,
    edge_arrays,
    edge_curves,
    edge_style,
    feature_grids,
    graph_layout,
    layer_rgba,
    make_grid,
    neuron_grids,
)
from nnviz.analysis._validation import check_features, check_int, check_network
from nnviz.data import FEATURES

from ._figure import FRAME, IMAGE_ALPHA, MUTED, TEXT, figure_and_axes

__all__ = ["plot_network"]

VIEW = (-6.0, 6.0, -6.0, 6.0)
COLUMN_GAP = 2.2  # distance between columns, in node spacings
BOX = 0.72  # side of a neuron's thumbnail, in node spacings
MAX_LINK_WIDTH = 4.0  # points


def _headers(network, n_features):
    """Two lines above each column: what it is, and its size/activation (+ dropout)."""
    levels = network.mlp_levels()
    level_ids = {id(l) for l in levels}
    after = {}  # layers without parameters (dropout) right after a level, shown under its header
    for before, layer in zip(network.layers, network.layers[1:]):
        if id(before) in level_ids and id(layer) not in level_ids:
            after[id(before)] = layer.short()
    heads = [("INPUT", f"{n_features} feature{'s' if n_features > 1 else ''}")]
    for k, layer in enumerate(levels):
        title = "OUTPUT" if k == len(levels) - 1 else f"HIDDEN {k + 1}"
        detail = layer.short()
        if id(layer) in after:
            detail += f"\n{after[id(layer)]}"
        heads.append((title, detail))
    return heads


def _output_labels(network):
    n = network.n_outputs
    if network.task == "binary":
        return ["P(class 1)"]
    if network.task == "multiclass":
        return [f"class {j}" for j in range(n)]
    return ["output"] if n == 1 else [f"output {j}" for j in range(n)]


def plot_network(network, features=("x1", "x2"), ax=None, resolution=24):
    """The network as a graph of neuron thumbnails joined by links, in the playground's style.

    Parameters
    ----------
    network : nnviz.core.Network
    features : sequence of str, default ("x1", "x2")
        The network's input features; they label the input column.
    ax : matplotlib Axes or None
        Draw into this axes (its frame is switched off); None makes a new figure sized to the network.
    resolution : int, default 24
        Grid cells per side of each thumbnail.

    Returns
    -------
    matplotlib.figure.Figure
        One image per neuron in ``ax.images`` (inputs first, then layer by layer) and the links as one
        ``LineCollection`` in ``ax.collections[0]``.

    Notes
    -----
    Each thumbnail is the neuron's output over [-6, 6]² (orange -1 → grey 0 → blue +1). A link's width
    grows with ``|w|`` (full at ``|w| = 5``, the playground's fixed scale, so it thickens as training
    goes) and its colour is the weight on the same scale: blue positive, orange negative, pale near 0.
    Dropout layers are noted under their layer's heading (they are the identity at inference).
    """
    from matplotlib.collections import LineCollection
    from matplotlib.patches import Rectangle

    check_network(network)
    features = check_features(features, network)
    resolution = check_int("resolution", resolution, low=2)
    grid = make_grid(VIEW, resolution)
    level_grids = [feature_grids(grid, features)] + neuron_grids(network, grid, features)
    images = [layer_rgba(g) for g in level_grids[:-1]] + [layer_rgba(level_grids[-1], network.task)]
    sizes = [len(g) for g in level_grids]
    n_levels, tallest = len(sizes), max(sizes)
    width, height = n_levels * COLUMN_GAP, float(tallest)
    layout = graph_layout(sizes, width, height)
    half = BOX / 2

    if ax is None:
        fig, ax = figure_and_axes(None, (1.0 + 1.45 * n_levels, 1.3 + 0.62 * max(tallest, 3)))
    else:
        fig, ax = figure_and_axes(ax, None)

    # links first, under the boxes: from the right edge of a unit to the left edge of the next
    src_level, src, dst, weights = edge_arrays(network)
    start = np.array([layout[l][i] for l, i in zip(src_level, src)]) + (half, 0.0)
    end = np.array([layout[l + 1][j] for l, j in zip(src_level, dst)]) - (half, 0.0)
    widths, _ = edge_style(weights, max_width=MAX_LINK_WIDTH, min_width=0.6)
    colors = diverging_rgba(weights) / 255.0
    order = np.argsort(np.abs(weights))  # strong links drawn on top
    links = LineCollection(
        edge_curves(start, end)[order], linewidths=widths[order], colors=colors[order],
        capstyle="round", zorder=1,
    )
    ax.add_collection(links)

    for level, (xy, thumbs) in enumerate(zip(layout, images)):
        for (x, y), rgba in zip(xy, thumbs):
            ax.imshow(rgba, origin="lower", extent=(x - half, x + half, y - half, y + half),
                      interpolation="bilinear", alpha=IMAGE_ALPHA, zorder=2)
            ax.add_patch(Rectangle((x - half, y - half), BOX, BOX, fill=False, edgecolor=FRAME,
                                   linewidth=0.8, zorder=3))

    # labels: feature names left of the inputs, output names right of the outputs, headings on top
    for (x, y), name in zip(layout[0], features):
        ax.text(x - half - 0.12, y, FEATURES[name].label, ha="right", va="center", fontsize=10, color=TEXT)
    for (x, y), label in zip(layout[-1], _output_labels(network)):
        ax.text(x + half + 0.12, y, label, ha="left", va="center", fontsize=8, color=MUTED)
    top = height / 2 + (tallest - 1) / 2 + half
    for xy, (title, detail) in zip(layout, _headers(network, len(features))):
        ax.text(xy[0, 0], top + 0.62, title, ha="center", va="bottom", fontsize=8, color=TEXT,
                fontweight="bold")
        ax.text(xy[0, 0], top + 0.55, detail, ha="center", va="top", fontsize=8, color=MUTED)

    ax.set_xlim(layout[0][0, 0] - half - 1.1, layout[-1][0, 0] + half + 1.3)
    ax.set_ylim(height / 2 - (tallest - 1) / 2 - half - 0.25, top + 1.05)
    ax.set_aspect("equal")
    ax.set_axis_off()
    return fig
