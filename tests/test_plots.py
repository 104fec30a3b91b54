"""Tests for nnviz.plots: each function returns a Figure with the expected artists and renders headless.

Networks are tiny and grids coarse so the whole file runs in a few seconds.
"""
import subprocess
import sys

import numpy as np
import pytest
from matplotlib.collections import LineCollection, PathCollection
from matplotlib.figure import Figure
from PIL import Image

from nnviz.analysis import input_matrix
from nnviz.core import History, Network
from nnviz.data import make_dataset, train_test_split
from nnviz.plots import plot_decision_boundary, plot_loss, plot_network, save_training_gif, snapshot_figure


@pytest.fixture(scope="module")
def circle():
    X, y = make_dataset("circle", n=120, seed=0)
    return train_test_split(X, y, train_ratio=0.5, seed=0)  # X_train, X_test, y_train, y_test


@pytest.fixture
def trained(circle):
    X_train, X_test, y_train, y_test = circle
    net = Network.mlp(2, [4, 2], activation="tanh", loss="bce", seed=0)
    net.fit(input_matrix(X_train), y_train, epochs=5, validation_data=(input_matrix(X_test), y_test))
    return net


def saved(fig, tmp_path, name="fig.png", min_bytes=5_000):
    path = tmp_path / name
    fig.savefig(path, dpi=60)
    assert path.stat().st_size > min_bytes
    with Image.open(path) as im:
        assert im.size[0] > 100 and im.size[1] > 100
    return path


def test_plot_decision_boundary_artists(trained, circle, tmp_path):
    X_train, X_test, y_train, y_test = circle
    fig = plot_decision_boundary(trained, X_train, y_train, test=(X_test, y_test), resolution=40)
    assert isinstance(fig, Figure)
    (ax,) = fig.axes
    (image,) = ax.images
    assert image.get_array().shape == (40, 40, 4)
    assert image.origin == "lower" and tuple(image.get_extent()) == (-6, 6, -6, 6)
    train_pts, test_pts = ax.collections
    assert isinstance(train_pts, PathCollection) and len(train_pts.get_offsets()) == len(X_train)
    assert len(test_pts.get_offsets()) == len(X_test)
    np.testing.assert_allclose(train_pts.get_edgecolors()[0], [1, 1, 1, 1])  # white edge
    np.testing.assert_allclose(test_pts.get_edgecolors()[0], [0, 0, 0, 1])  # black edge
    # class 0 points orange, class 1 blue
    faces = train_pts.get_facecolors()
    np.testing.assert_allclose(faces[np.argmax(y_train == 0)][:3], np.array([245, 147, 34]) / 255)
    np.testing.assert_allclose(faces[np.argmax(y_train == 1)][:3], np.array([8, 119, 189]) / 255)
    assert ax.get_xlim() == (-6, 6) and ax.get_ylim() == (-6, 6)
    saved(fig, tmp_path)


def test_plot_decision_boundary_into_given_axes_multiclass_and_regression(tmp_path):
    from matplotlib.figure import Figure as F

    fig = F(figsize=(6, 3))
    ax1, ax2 = fig.subplots(1, 2)
    X, y = make_dataset("blobs", n=60, seed=1, n_classes=3)
    net = Network.mlp(2, [3], n_outputs=3, loss="cross_entropy", seed=1)
    assert plot_decision_boundary(net, X, y, ax=ax1, resolution=20, discretize=True) is fig
    Xr, yr = make_dataset("reg_plane", n=50, seed=2)
    reg = Network.mlp(2, [3], loss="mse", seed=2)
    plot_decision_boundary(reg, Xr, yr, ax=ax2, resolution=20)
    assert len(ax1.images) == len(ax2.images) == 1 and len(ax1.collections) == 1
    saved(fig, tmp_path)


def test_plot_decision_boundary_checks_arguments(trained, circle):
    X_train, X_test, y_train, y_test = circle
    with pytest.raises(ValueError, match=r"X, y: X must have 2 columns"):
        plot_decision_boundary(trained, X_train[:, :1], y_train)
    with pytest.raises(TypeError, match=r"test must be a pair \(X_test, y_test\) or None"):
        plot_decision_boundary(trained, X_train, y_train, test=X_test)
    with pytest.raises(ValueError, match=r"resolution must be an integer >= 2, got 1"):
        plot_decision_boundary(trained, X_train, y_train, resolution=1)
    with pytest.raises(TypeError, match=r"ax must be a matplotlib Axes or None"):
        plot_decision_boundary(trained, X_train, y_train, ax="left")


def test_plot_network_thumbnails_links_and_labels(trained, tmp_path):
    fig = plot_network(trained, resolution=12)
    (ax,) = fig.axes
    assert len(ax.images) == 2 + 4 + 2 + 1  # one thumbnail per input and neuron
    assert all(im.get_array().shape == (12, 12, 4) for im in ax.images)
    (links,) = [c for c in ax.collections if isinstance(c, LineCollection)]
    assert len(links.get_segments()) == 2 * 4 + 4 * 2 + 2 * 1
    widths = links.get_linewidths()
    assert len(widths) == 18 and min(widths) > 0
    texts = {t.get_text() for t in ax.texts}
    assert {"X₁", "X₂", "INPUT", "HIDDEN 1", "HIDDEN 2", "OUTPUT", "4 tanh", "P(class 1)"} <= texts
    saved(fig, tmp_path)


def test_plot_network_with_features_and_dropout(tmp_path):
    net = Network.mlp(3, [3], n_outputs=3, loss="cross_entropy", dropout=0.25, seed=3)
    fig = plot_network(net, features=("x1", "x2", "sin(x1)"), resolution=8)
    ax = fig.axes[0]
    assert len(ax.images) == 3 + 3 + 3
    texts = " ".join(t.get_text() for t in ax.texts)
    assert "sin(X₁)" in texts and "dropout 0.25" in texts and "class 2" in texts
    with pytest.raises(ValueError, match=r"features must name one input per network input \(3\)"):
        plot_network(net)
    saved(fig, tmp_path)


def test_plot_loss_lines(trained, tmp_path):
    fig = plot_loss(trained.history)
    ax = fig.axes[0]
    train_line, test_line = ax.lines
    np.testing.assert_allclose(train_line.get_xdata(), [1, 2, 3, 4, 5])
    np.testing.assert_allclose(train_line.get_ydata(), trained.history["loss"])
    np.testing.assert_allclose(test_line.get_ydata(), trained.history["val_loss"])
    assert ax.get_xlabel() == "epoch" and ax.get_ylabel() == "loss"
    assert [t.get_text() for t in ax.get_legend().get_texts()][0].startswith("train")
    saved(fig, tmp_path)


def test_plot_loss_without_test_loss_or_epochs():
    h = History()
    h.append(epoch=1, loss=0.7)
    h.append(epoch=2, loss=0.5)
    assert len(plot_loss(h).axes[0].lines) == 1
    assert len(plot_loss(h.as_dict()).axes[0].lines) == 1
    empty = plot_loss(History()).axes[0]
    assert not empty.lines and empty.texts[0].get_text() == "no epochs yet"
    with pytest.raises(TypeError, match=r"history must be an nnviz.core.History"):
        plot_loss([0.7, 0.5])


def test_snapshot_figure(trained, circle, tmp_path):
    X_train, X_test, y_train, y_test = circle
    fig = snapshot_figure(trained, X_train, y_train, X_test, y_test, title="Circle")
    assert isinstance(fig, Figure)
    assert len(fig.axes) == 4  # graph, output, loss, key
    graph, output, loss, _ = fig.axes
    assert len(graph.images) == 9 and len(output.images) == 1 and len(loss.lines) == 2
    assert fig._suptitle.get_text() == "Circle"
    status = " ".join(t.get_text() for t in fig.texts)
    assert "Epoch 5" in status and "test loss" in status and "accuracy" in status
    saved(fig, tmp_path, "snapshot.png", min_bytes=20_000)


def test_snapshot_figure_checks_arguments(trained, circle):
    X_train, X_test, y_train, y_test = circle
    with pytest.raises(ValueError, match=r"X_test and y_test must be given together, got y_test=None"):
        snapshot_figure(trained, X_train, y_train, X_test)
    with pytest.raises(TypeError, match=r"title must be a str or None"):
        snapshot_figure(trained, X_train, y_train, title=3)


def test_save_training_gif_frames(circle, tmp_path):
    X_train, X_test, y_train, y_test = circle
    net = Network.mlp(2, [3], loss="bce", seed=0)
    path = save_training_gif(net, X_train, y_train, tmp_path / "train.gif", epochs=4, frames=3,
                             X_test=X_test, y_test=y_test, fps=5)
    assert path == str(tmp_path / "train.gif")
    with Image.open(path) as im:
        assert im.format == "GIF" and im.n_frames == 3
    assert net.epoch_ == 4 and len(net.history) == 4
    assert net.history["val_loss"][-1] is not None


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        ({"path": "out.png"}, ValueError, r"path must end with .gif, got 'out.png'"),
        ({"epochs": 0}, ValueError, r"epochs must be an integer >= 1, got 0"),
        ({"frames": 0}, ValueError, r"frames must be an integer >= 1, got 0"),
        ({"epochs": 2, "frames": 4}, ValueError, r"frames must be an integer in \[1, epochs \+ 1\] = \[1, 3\], got 4"),
        ({"fps": 0}, ValueError, r"fps must be a finite number > 0, got 0.0"),
        ({"batch_size": 1.5}, TypeError, r"batch_size must be an integer >= 1, got 1.5"),
    ],
)
def test_save_training_gif_checks_arguments(circle, tmp_path, kwargs, error, message):
    X_train, _, y_train, _ = circle
    net = Network.mlp(2, [3], loss="bce", seed=0)
    args = {"path": str(tmp_path / "x.gif"), **kwargs}
    with pytest.raises(error, match=message):
        save_training_gif(net, X_train, y_train, **args)
    assert net.epoch_ == 0  # nothing trained before the checks


def test_importing_plots_does_not_import_matplotlib():
    code = "import sys, nnviz.plots\nassert 'matplotlib' not in sys.modules\n"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_playground_cmap_matches_the_heatmap_colours():
    from nnviz.analysis import PLAYGROUND_COLORS, hex_to_rgb
    from nnviz.plots import playground_cmap

    cmap = playground_cmap()
    for value, key in ((0.0, "negative"), (0.5, "neutral"), (1.0, "positive")):
        rgb = np.round(np.array(cmap(value)[:3]) * 255)
        np.testing.assert_allclose(rgb, hex_to_rgb(PLAYGROUND_COLORS[key]), atol=1)
