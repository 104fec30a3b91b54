"""Shared helpers of the plots: lazy matplotlib, a headless figure, the playground look, argument checks.

matplotlib is imported inside functions only, so ``import nnviz`` (and ``import nnviz.plots``) stays fast
and works without it. Figures are built with the object-oriented API on an Agg canvas — no pyplot state,
so they work headless, in threads and in notebooks alike.
"""
from __future__ import annotations

import numpy as np

from nnviz.analysis import CLASS_COLORS, HEATMAP_ALPHA, hex_to_rgb, output_rgba
from nnviz.analysis._validation import check_network, describe
from nnviz.data import check_dataset

__all__ = [
    "FRAME", "IMAGE_ALPHA", "LOSS_COLORS", "MUTED", "TEST_EDGE", "TEXT", "TRAIN_EDGE",
    "check_data", "check_pair", "figure_and_axes", "new_figure", "point_colors", "style_axes",
]

#: Text and line colours of the playground's page.
TEXT = "#444444"
MUTED = "#777777"
FRAME = "#bbbbbb"
TRAIN_EDGE = "white"
TEST_EDGE = "black"
#: Train and test loss lines, as the playground's line chart (grey train, black test).
LOSS_COLORS = {"train": "#777777", "test": "#000000"}
_CLASS_RGBA = np.array([hex_to_rgb(c) + (255,) for c in CLASS_COLORS], dtype=np.uint8)
#: Heatmaps are drawn at the playground's canvas opacity, over white.
IMAGE_ALPHA = HEATMAP_ALPHA / 255


def new_figure(figsize):
    """A matplotlib Figure on an Agg canvas (no pyplot, no GUI)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=figsize, facecolor="white")
    FigureCanvasAgg(fig)
    return fig


def figure_and_axes(ax, figsize):
    """``(fig, ax)``: the given ``ax`` and its figure, or a new figure with one axes."""
    if ax is None:
        fig = new_figure(figsize)
        return fig, fig.add_subplot()
    from matplotlib.axes import Axes

    if not isinstance(ax, Axes):
        raise TypeError(f"ax must be a matplotlib Axes or None, got {describe(ax)}")
    return ax.figure, ax


def style_axes(ax, grid=False) -> None:
    """The playground's quiet axes: light frame, small grey ticks."""
    for spine in ax.spines.values():
        spine.set_color(FRAME)
        spine.set_linewidth(0.8)
    ax.tick_params(colors=MUTED, labelsize=8, length=3, width=0.6)
    ax.title.set_color(TEXT)
    ax.xaxis.label.set_color(MUTED)
    ax.yaxis.label.set_color(MUTED)
    if grid:
        ax.grid(True, color="#eeeeee", linewidth=0.8)
        ax.set_axisbelow(True)


def point_colors(y: np.ndarray, task: str) -> np.ndarray:
    """Face colours (n, 4), floats in [0, 1], of data points by label, as the playground colours them:
    the output's colour scale at the label (class 0 orange, class 1 blue, k classes in CLASS_COLORS)."""
    if task == "multiclass":
        rgba = _CLASS_RGBA[np.asarray(y, dtype=np.int64) % len(CLASS_COLORS)]
    else:
        rgba = output_rgba(y, task)
    return rgba / 255.0


def check_data(network, X, y, names=("X", "y")):
    """Check a data set against the network's task; return ``(X, y)`` as check_dataset does."""
    check_network(network)
    try:
        return check_dataset(X, y, task=network.task)
    except (TypeError, ValueError) as exc:
        raise type(exc)(f"{names[0]}, {names[1]}: {exc}") from None


def check_pair(pair, name="test"):
    """``None`` or a pair ``(X, y)``."""
    if pair is None:
        return None
    if not isinstance(pair, (tuple, list)) or len(pair) != 2:
        raise TypeError(f"{name} must be a pair (X_test, y_test) or None, got {describe(pair)}")
    return pair
