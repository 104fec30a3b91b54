"""Loss over time: the playground's little line chart, with axes and a legend."""
from __future__ import annotations

import numpy as np

from nnviz.analysis._validation import describe
from nnviz.core import History

from ._figure import LOSS_COLORS, MUTED, figure_and_axes, style_axes

__all__ = ["plot_loss"]


def _series(history, key):
    values = history[key] if key in history.keys() else []
    return np.array([np.nan if v is None else float(v) for v in values], dtype=np.float64)


def loss_series(history):
    """``(epochs, train_loss, test_loss)`` as float arrays; test loss is all-NaN when not recorded."""
    if isinstance(history, dict):
        history = History(history)
    if not isinstance(history, History):
        raise TypeError(f"history must be an nnviz.core.History (network.history) or its as_dict(), "
                        f"got {describe(history)}")
    return _series(history, "epoch"), _series(history, "loss"), _series(history, "val_loss")


def plot_loss(history, ax=None):
    """Train and test loss against the epoch.

    Parameters
    ----------
    history : nnviz.core.History or dict
        ``network.history`` (or its ``as_dict()``): keys ``"epoch"``, ``"loss"`` and ``"val_loss"`` (the
        test loss, present when training had ``validation_data``).
    ax : matplotlib Axes or None
        Draw into this axes; None makes a new 4.2 × 2.6 in figure.

    Returns
    -------
    matplotlib.figure.Figure
        ``ax.lines[0]`` is the train loss, ``ax.lines[1]`` the test loss (only when recorded).
    """
    epochs, train, test = loss_series(history)
    fig, ax = figure_and_axes(ax, (4.2, 2.6))
    if epochs.size == 0:
        ax.text(0.5, 0.5, "no epochs yet", ha="center", va="center", transform=ax.transAxes, color=MUTED)
        ax.set_xlim(0, 1)
    else:
        ax.plot(epochs, train, color=LOSS_COLORS["train"], linewidth=1.6, label=f"train  {train[-1]:.3f}")
        if np.isfinite(test).any():
            ax.plot(epochs, test, color=LOSS_COLORS["test"], linewidth=1.6, label=f"test  {test[-1]:.3f}")
        ax.set_xlim(epochs[0] - 1 if epochs.size == 1 else epochs[0], epochs[-1] + (epochs.size == 1))
        ax.legend(frameon=False, fontsize=8, labelcolor=MUTED, loc="best")
    ax.set_ylim(bottom=0)
    style_loss_axes(ax)
    return fig


def style_loss_axes(ax) -> None:
    """Axis labels, light grid, open frame."""
    ax.set_xlabel("epoch", fontsize=8)
    ax.set_ylabel("loss", fontsize=8)
    style_axes(ax, grid=True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
