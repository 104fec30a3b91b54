"""One export-ready figure of a network's state, and an animated GIF of its training."""
from __future__ import annotations

import os

import numpy as np

from nnviz.analysis import input_matrix, make_grid
from nnviz.analysis._validation import check_features, check_float, check_int, check_network, describe

from ._figure import LOSS_COLORS, MUTED, TEXT, check_data, new_figure
from .boundary import VIEW, boundary_image, plot_decision_boundary
from .loss import loss_series, plot_loss, style_loss_axes
from .network import plot_network

__all__ = ["save_training_gif", "snapshot_figure"]


def _check_inputs(network, features, X_train, y_train, X_test, y_test):
    """Validate what both exports take; returns ``(features, train, test)`` (``test`` may be None)."""
    check_network(network)
    features = check_features(features, network)
    train = check_data(network, X_train, y_train, names=("X_train", "y_train"))
    if (X_test is None) != (y_test is None):
        missing = "y_test" if y_test is None else "X_test"
        raise ValueError(f"X_test and y_test must be given together, got {missing}=None")
    test = None if X_test is None else check_data(network, X_test, y_test, names=("X_test", "y_test"))
    return features, train, test


def _status(network, features, train, test) -> str:
    """``Epoch 200 · train loss 0.012 · test loss 0.015 · test accuracy 99.6%``, measured now."""
    loss, acc = network.evaluate(input_matrix(train[0], features), train[1])
    parts = [f"Epoch {network.epoch_}", f"train loss {loss:.3f}"]
    if test is not None:
        test_loss, test_acc = network.evaluate(input_matrix(test[0], features), test[1])
        parts.append(f"test loss {test_loss:.3f}")
        acc, which = test_acc, "test"
    else:
        which = "train"
    if acc is not None:
        parts.append(f"{which} accuracy {100 * acc:.1f}%")
    return "   ·   ".join(parts)


def snapshot_figure(
    network, X_train, y_train, X_test=None, y_test=None, history=None, features=("x1", "x2"), title=None
):
    """The network's state on one slide: its graph of neurons, its output over the data, its loss curve.

    Parameters
    ----------
    network : nnviz.core.Network
    X_train, y_train : array-like of shape (n_samples, 2) and (n_samples,)
        Training points (raw x1, x2) and labels.
    X_test, y_test : array-like or None
        Test points, drawn with a black edge and measured in the heading.
    history : nnviz.core.History, dict or None
        Loss record to plot; None uses ``network.history``.
    features : sequence of str, default ("x1", "x2")
        The network's input features.
    title : str or None
        A heading above the status line (epoch, losses and accuracy, measured on the given data).

    Returns
    -------
    matplotlib.figure.Figure
        Three axes: the network graph, the decision boundary and the loss curve. Save it with
        ``fig.savefig("snapshot.png", dpi=150)``.
    """
    features, train, test = _check_inputs(network, features, X_train, y_train, X_test, y_test)
    if title is not None and not isinstance(title, str):
        raise TypeError(f"title must be a str or None, got {describe(title)}")
    history = network.history if history is None else history
    loss_series(history)  # check it before drawing anything

    fig = new_figure((13.0, 4.6))
    top = 0.83 if title else 0.87
    grid = fig.add_gridspec(2, 3, width_ratios=[1.6, 1.0, 1.0], height_ratios=[1.0, 0.3],
                            left=0.01, right=0.985, bottom=0.08, top=top, wspace=0.16, hspace=0.3)
    plot_network(network, features, ax=fig.add_subplot(grid[:, 0]))
    ax_out = fig.add_subplot(grid[:, 1])
    plot_decision_boundary(network, *train, features=features, ax=ax_out, test=test)
    ax_out.set_title("output", fontsize=9, color=TEXT, fontweight="bold")
    ax_loss = fig.add_subplot(grid[0, 2])
    plot_loss(history, ax=ax_loss)
    ax_loss.set_title("loss", fontsize=9, color=TEXT, fontweight="bold")
    _legend(fig.add_subplot(grid[1, 2]), network, test is not None)

    status = _status(network, features, train, test)
    if title:
        fig.suptitle(title, x=0.5, y=0.985, fontsize=14, color=TEXT, fontweight="bold")
        fig.text(0.5, 0.905, status, ha="center", va="center", fontsize=10.5, color=MUTED)
    else:
        fig.suptitle(status, x=0.5, y=0.965, fontsize=12, color=TEXT)
    return fig


def _legend(ax, network, has_test):
    """A small key: what the colours and the point edges mean."""
    from matplotlib.lines import Line2D

    from nnviz.analysis import CLASS_COLORS, PLAYGROUND_COLORS

    ax.set_axis_off()
    if network.task == "binary":
        entries = [("class 0", PLAYGROUND_COLORS["negative"]), ("class 1", PLAYGROUND_COLORS["positive"])]
    elif network.task == "regression":
        entries = [("−1", PLAYGROUND_COLORS["negative"]), ("+1", PLAYGROUND_COLORS["positive"])]
    else:
        entries = [(f"class {k}", CLASS_COLORS[k % len(CLASS_COLORS)]) for k in range(network.n_outputs)]
    handles = [Line2D([], [], marker="s", linestyle="", markersize=9, color=c, label=t) for t, c in entries]
    handles.append(Line2D([], [], marker="o", linestyle="", markersize=6, markerfacecolor="#999999",
                          markeredgecolor="white", label="train"))
    if has_test:
        handles.append(Line2D([], [], marker="o", linestyle="", markersize=6, markerfacecolor="#999999",
                              markeredgecolor="black", label="test"))
    ax.legend(handles=handles, loc="center", ncol=min(len(handles), 5), frameon=False, fontsize=8,
              labelcolor=MUTED, handletextpad=0.3, columnspacing=1.2)


# ------------------------------------------------------------------------------------------ GIF
def _check_gif_path(path) -> str:
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"path must be a str or os.PathLike ending in .gif, got {describe(path)}")
    path = os.fspath(path)
    if not path.lower().endswith(".gif"):
        raise ValueError(f"path must end with .gif, got {path!r}")
    return path


def _schedule(epochs: int, frames: int) -> list[int]:
    """Epochs done at each frame: the untrained state first, the last frame after all epochs."""
    if frames == 1:
        return [epochs]
    return [round(k * epochs / (frames - 1)) for k in range(frames)]


def save_training_gif(
    network, X_train, y_train, path, epochs=50, frames=25, batch_size=10, X_test=None, y_test=None,
    features=("x1", "x2"), fps=8,
):
    """Train ``network`` and record the decision boundary and the loss curve as an animated GIF.

    Parameters
    ----------
    network : nnviz.core.Network
        Trained in place (one ``partial_fit`` per epoch), continuing from its current state.
    X_train, y_train : array-like of shape (n_samples, 2) and (n_samples,)
        Training points (raw x1, x2) and labels.
    path : str or os.PathLike
        Output file, ending in ``.gif``.
    epochs : int, default 50
        Epochs to train, >= 1.
    frames : int, default 25
        Frames of the GIF, in [1, epochs + 1]: the first shows the network before this training, the
        last after all ``epochs``, the others evenly spaced between (one frame: the final state).
    batch_size : int, default 10
    X_test, y_test : array-like or None
        Test points: drawn with a black edge, their loss recorded every epoch.
    features : sequence of str, default ("x1", "x2")
    fps : float, default 8
        Frames per second.

    Returns
    -------
    str
        ``path``.

    Notes
    -----
    The figure is built once; each frame updates the heatmap (``image.set_data``), the loss lines and
    the heading in place and is grabbed by matplotlib's ``PillowWriter``.
    """
    from matplotlib.animation import PillowWriter

    features, train, test = _check_inputs(network, features, X_train, y_train, X_test, y_test)
    path = _check_gif_path(path)
    epochs = check_int("epochs", epochs, low=1)
    frames = check_int("frames", frames, low=1)
    if frames > epochs + 1:
        raise ValueError(f"frames must be an integer in [1, epochs + 1] = [1, {epochs + 1}], got {frames}")
    batch_size = check_int("batch_size", batch_size, low=1)
    fps = check_float("fps", fps, low=0.0, low_open=True)

    X_fit = input_matrix(train[0], features)
    validation = None if test is None else (input_matrix(test[0], features), test[1])
    grid = make_grid(VIEW, 100)
    first_epoch = network.epoch_
    last_epoch = first_epoch + epochs

    fig = new_figure((8.6, 4.3))
    ax_out = fig.add_axes((0.04, 0.1, 0.44, 0.76))
    ax_loss = fig.add_axes((0.58, 0.2, 0.39, 0.6))
    plot_decision_boundary(network, *train, features=features, ax=ax_out, test=test)
    image = ax_out.images[0]
    (train_line,) = ax_loss.plot([], [], color=LOSS_COLORS["train"], linewidth=1.6, label="train")
    test_line = None
    if test is not None:
        (test_line,) = ax_loss.plot([], [], color=LOSS_COLORS["test"], linewidth=1.6, label="test")
    ax_loss.legend(frameon=False, fontsize=8, labelcolor=MUTED, loc="upper right")
    style_loss_axes(ax_loss)
    ax_loss.set_title("loss", fontsize=9, color=TEXT, fontweight="bold")
    ax_loss.set_xlim(first_epoch, last_epoch)
    ax_loss.set_ylim(0, 1)
    heading = fig.text(0.5, 0.94, "", ha="center", va="center", fontsize=11, color=TEXT)

    writer = PillowWriter(fps=fps)
    with writer.saving(fig, path, dpi=90):
        done = 0
        for target in _schedule(epochs, frames):
            for _ in range(target - done):
                network.partial_fit(X_fit, train[1], batch_size=batch_size, validation_data=validation)
            done = target
            image.set_data(boundary_image(network, features, 100, False, grid))
            ep, train_loss, test_loss = loss_series(network.history)
            keep = ep >= first_epoch
            train_line.set_data(ep[keep], train_loss[keep])
            if test_line is not None:
                test_line.set_data(ep[keep], test_loss[keep])
            shown = np.concatenate([train_loss[keep], test_loss[keep]])
            shown = shown[np.isfinite(shown)]
            if shown.size:
                ax_loss.set_ylim(0, max(1e-3, float(shown.max())) * 1.08)
            heading.set_text(_status(network, features, train, test))
            writer.grab_frame()
    return path
