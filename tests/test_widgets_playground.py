"""Headless tests of the Playground: each control does what a learner expects to the network, the
data and the marks; play/pause run in a real asyncio loop; divergence, config round trip, locks."""
import asyncio
import io
import json
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from nnviz.core import SGD, Adam, Dropout
from nnviz.data import make_dataset
from nnviz.widgets import Playground
from nnviz.widgets._config import CONTROLS


def make(**config):
    """A Playground with fixed seeds (data and weights), so runs repeat exactly."""
    return Playground(config={"seed": 1, "net_seed": 2, **config})


def epoch_text(pg) -> str:
    return pg.training_controls.epoch.value.split("data-epoch=")[1].split(">")[1].split("<")[0]


def decode(png: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(png)))


# ------------------------------------------------------------------------------- defaults
def test_defaults_follow_the_playground():
    pg = make()
    c = pg.config
    assert c["dataset"] == "circle" and c["hidden"] == [4, 2] and c["features"] == ["x1", "x2"]
    assert c["lr"] == 0.03 and c["batch_size"] == 10 and c["train_ratio"] == 0.5 and c["activation"] == "tanh"
    assert pg.network.sizes == [2, 4, 2, 1] and pg.network.loss.name == "bce"
    assert pg.lr_control.value == 0.03 and pg.training_controls.batch_size.value == 10
    X_train, y_train, X_test, y_test = pg.data
    assert len(X_train) == len(X_test) == 250
    np.testing.assert_allclose(pg.decision_plot.train_scatter.x, X_train[:, 0], rtol=1e-6)
    np.testing.assert_allclose(pg.decision_plot.train_scatter.y, X_train[:, 1], rtol=1e-6)
    np.testing.assert_allclose(pg.decision_plot.test_scatter.x, X_test[:, 0], rtol=1e-6)
    assert not pg.decision_plot.test_scatter.visible  # "show test data" starts off
    assert epoch_text(pg) == "000,000"
    assert "Classification (2 classes)" in pg.problem.value
    assert json.loads(json.dumps(c)) == c  # plain JSON-safe data
    assert "Press play" in pg.status.text
    assert repr(pg).startswith("Playground(Circle, noise 0; 2 → 4 tanh → 2 tanh → 1 sigmoid; lr=0.03, epoch 0")


def test_css_hooks_for_browser_tests():
    pg = make()
    tc = pg.training_controls
    for widget, name in [(pg.decision_plot.figure, "nnviz-decision"), (tc.epoch, "nnviz-epoch"),
                         (tc.play_button, "nnviz-play"), (tc.pause_button, "nnviz-pause"),
                         (tc.reset_button, "nnviz-reset"), (tc.step_button, "nnviz-step"),
                         (pg.lr_control.slider, "nnviz-lr"), (pg.status, "nnviz-status"),
                         (pg.graph.figure, "nnviz-graph"), (pg, "nnviz-playground")]:
        assert name in widget._dom_classes


# ------------------------------------------------------------------------------- stepping
def test_step_advances_epochs_and_redraws():
    pg = make()
    pngs = (pg.decision_plot.png, pg.graph.png)
    pg.step(5)
    assert pg.network.epoch_ == 5 and len(pg.history) == 5 and epoch_text(pg) == "000,005"
    assert pg.decision_plot.png != pngs[0] and pg.graph.png != pngs[1]
    assert len(pg.loss_chart.train_line.x) == 5 and len(pg.loss_chart.test_line.y) == 5
    assert f"{pg.history['val_loss'][-1]:.3f}" in pg.loss_chart.summary.value
    pg.training_controls.step_button.click()
    assert pg.network.epoch_ == 6
    with pytest.raises(ValueError, match="n must be"):
        pg.step(0)


def test_training_learns_the_circle():
    pg = make(lr=0.1)
    pg.step(150)
    assert pg.history["val_accuracy"][-1] > 0.9
    # the centre of the view is class 1 (blue), a corner class 0 (orange)
    image = decode(pg.decision_plot.png).astype(int)
    assert image[50, 50, 2] > image[50, 50, 0] and image[2, 2, 0] > image[2, 2, 2]


# ------------------------------------------------------------------------------- live settings
def test_learning_rate_slider_keeps_the_network():
    pg = make()
    pg.step(3)
    net = pg.network
    pg.lr_control.slider.value = 0.3
    assert pg.network is net and net.optimizer.lr == 0.3 and pg.config["lr"] == 0.3 and net.epoch_ == 3
    pg.step(1)
    assert net.epoch_ == 4


def test_optimizer_momentum_regularization_batch_size_apply_without_reset():
    pg = make()
    pg.step(2)
    net, tc = pg.network, pg.training_controls
    tc.optimizer.value = "momentum"
    assert isinstance(net.optimizer, SGD) and net.optimizer.momentum == 0.9 and tc.momentum.disabled is False
    tc.momentum.value = 0.5
    assert net.optimizer.momentum == 0.5
    weights = net.dense_layers[0].W.copy()
    tc.optimizer.value = "adam"
    assert isinstance(net.optimizer, Adam) and net.optimizer.lr == 0.03 and "Adam" in pg.status.text
    np.testing.assert_array_equal(net.dense_layers[0].W, weights)  # weights kept
    assert tc.momentum.disabled
    assert tc.reg_rate.disabled
    tc.regularization.value = "l2"
    tc.reg_rate.value = 0.01
    assert net.l2 == 0.01 and net.l1 == 0.0 and not tc.reg_rate.disabled
    tc.regularization.value = "l1"
    assert net.l1 == 0.01 and net.l2 == 0.0
    tc.batch_size.value = 25
    pg.step(1)
    assert pg.network is net and net.epoch_ == 3 and net.step_ == 2 * 25 + 250 // 25
    c = pg.config
    settings = (c["optimizer"], c["momentum"], c["regularization"], c["reg_rate"], c["batch_size"])
    assert settings == ("adam", 0.5, "l1", 0.01, 25)


def test_dropout_adds_layers_then_applies_live():
    pg = make()
    pg.training_controls.dropout.value = 0.2
    net = pg.network
    assert [l.p for l in net.layers if isinstance(l, Dropout)] == [0.2, 0.2] and "rebuilt" not in pg.status.text
    assert "Dropout" in pg.status.text and net.epoch_ == 0
    pg.step(1)
    pg.training_controls.dropout.value = 0.4
    assert pg.network is net and [l.p for l in net.layers if isinstance(l, Dropout)] == [0.4, 0.4]


# ------------------------------------------------------------------------------- data and architecture
def test_architecture_buttons_rebuild_the_network():
    pg = make()
    pg.step(2)
    b = pg.builder
    b.add_layer_button.click()
    assert pg.network.sizes == [2, 4, 2, 2, 1] and pg.network.epoch_ == 0
    assert "Architecture changed" in pg.status.text and "new network" in pg.status.text
    b.add_neuron_buttons[0].click()
    b.remove_neuron_buttons[1].click()
    assert pg.network.sizes == [2, 5, 1, 2, 1] and pg.config["hidden"] == [5, 1, 2]
    b.remove_layer_button.click()
    b.remove_layer_button.click()
    assert pg.network.sizes == [2, 5, 1]
    assert len(pg.graph.nodes) == 2 + 5 + 1
    b.layer_activation_dropdowns[0].value = "relu"
    assert pg.network.dense_layers[0].activation.name == "relu" and pg.config["activations"] == ["relu"]
    b.activation_dropdown.value = "sigmoid"
    assert pg.config["activation"] == "sigmoid" and pg.network.dense_layers[0].activation.name == "sigmoid"


def test_graph_height_follows_the_largest_column():
    """The graph is as tall as its neurons need, so the weight editor sits right under it."""
    from nnviz.widgets.playground import GRAPH_HEIGHT, GRAPH_MIN_HEIGHT, NEURON_ROW

    pg = make()  # 2 → 4 → 2 → 1
    assert pg.graph.height == 4 * NEURON_ROW < GRAPH_HEIGHT and pg.graph.figure.layout.height == f"{4 * NEURON_ROW}px"
    b = pg.builder
    for _ in range(4):
        b.add_neuron_buttons[0].click()
    assert pg.network.sizes[1] == 8 and pg.graph.height == GRAPH_HEIGHT
    ys = np.asarray(pg.graph.node_scatter.y)
    assert ys.min() - pg.graph.thumbnail / 2 >= 0 and ys.max() + pg.graph.thumbnail / 2 <= pg.graph.height
    pg = make(hidden=[1])  # 2 → 1 → 1
    assert pg.graph.height == GRAPH_MIN_HEIGHT
    pg.builder.feature_buttons["sin(x1)"].value = True  # 3 inputs
    assert pg.graph.height == 3 * NEURON_ROW


def test_dropdowns_show_their_longest_option():
    from nnviz.widgets._common import COLUMN_CONTROL_WIDTH

    pg = make()
    dc, tc = pg.data_controls, pg.training_controls
    # the data set: the whole column, no side label (the column's header says "Data")
    assert dc.dataset.description == "" and dc.dataset.layout.width == f"{COLUMN_CONTROL_WIDTH}px"
    assert max(len(label) for label, _ in dc.dataset.options) == len("Multi-Gaussian (regression)")
    assert max(len(label) for label, _ in tc.optimizer.options) <= len("Momentum")
    dropdown = pg.builder.layer_activation_dropdowns[0]
    assert int(dropdown.layout.width[:-2]) >= int(pg.graph.column_width) - 2 and dropdown.tooltip == "layer 1: tanh"


def test_feature_toggles_change_the_inputs():
    pg = make()
    pg.builder.feature_buttons["x1^2"].value = True
    pg.builder.feature_buttons["x2^2"].value = True
    assert pg.network.n_inputs == 4 and pg.config["features"] == ["x1", "x2", "x1^2", "x2^2"]
    assert list(pg.graph.input_labels.text) == ["X₁", "X₂", "X₁²", "X₂²"]
    pg.builder.feature_buttons["x1"].value = False
    pg.step(2)  # trains on the new inputs
    assert pg.network.n_inputs == 3 and pg.network.epoch_ == 2


def test_dataset_change_sets_data_task_and_loss():
    pg = make()
    dc = pg.data_controls
    old = pg.data[0].copy()
    dc.dataset.value = "xor"
    assert not np.array_equal(pg.data[0], old) and pg.network.loss.name == "bce"
    assert "New data (Exclusive or" in pg.status.text
    dc.dataset.value = "reg_plane"
    assert pg.network.loss.name == "mse" and pg.network.task == "regression" and "Regression" in pg.problem.value
    assert len(pg.data[0]) == 600 and pg.data[1].dtype.kind == "f"
    assert dc.n_classes.layout.display == "none"
    dc.dataset.value = "spirals"
    assert pg.network.loss.name == "cross_entropy" and pg.network.n_outputs == 3
    assert dc.n_classes.layout.display is None and "3 classes" in pg.problem.value
    dc.n_classes.value = 4
    assert pg.network.n_outputs == 4 and set(np.unique(pg.data[1])) == {0, 1, 2, 3}
    pg.step(2)
    assert decode(pg.decision_plot.png).shape == (100, 100, 3)


def test_noise_ratio_and_regenerate_change_the_data():
    pg = make()
    dc = pg.data_controls
    y0 = pg.data[1].copy()
    dc.noise.value = 30  # circle: noise flips labels near the border
    assert pg.config["noise"] == 0.3 and not np.array_equal(pg.data[1], y0)
    dc.train_ratio.value = 70
    assert pg.config["train_ratio"] == 0.7 and len(pg.data[0]) == 350 and len(pg.data[2]) == 150
    np.testing.assert_allclose(pg.decision_plot.train_scatter.x, pg.data[0][:, 0], rtol=1e-6)
    seed = pg.config["seed"]
    X1 = pg.data[0].copy()
    dc.regenerate.click()
    assert pg.config["seed"] != seed and not np.array_equal(pg.data[0], X1)
    assert "Regenerated data" in pg.status.text


def test_show_test_and_discretize():
    pg = make()
    pg.step(20)
    dc = pg.data_controls
    dc.show_test.value = True
    assert pg.decision_plot.test_scatter.visible and pg.config["show_test"]
    smooth = pg.decision_plot.png
    dc.discretize.value = True
    assert pg.decision_plot.png != smooth and pg.config["discretize"]
    assert len(np.unique(decode(pg.decision_plot.png).reshape(-1, 3), axis=0)) == 2


def test_weight_edit_writes_the_network_and_redraws():
    pg = make()
    before = pg.decision_plot.png
    pg.graph.select_link(0, 1, 2)
    pg.graph.weight_input.value = 3.0
    assert pg.network.dense_layers[0].W[1, 2] == 3.0
    assert pg.decision_plot.png != before and "training loss now" in pg.status.text


def test_clicking_a_thumbnail_shows_it_large():
    pg = make()
    index = pg.graph.nodes.index((1, 2))
    pg.graph._on_node_click(pg.graph.node_scatter, {"event": "element_click", "data": {"index": index}})
    assert pg.decision_plot.focus == (1, 2) and "Layer 1, neuron 3" in pg.decision_plot.title.value
    pg.step(1)  # stays on the neuron while training
    assert pg.decision_plot.focus == (1, 2)
    pg.decision_plot.output_button.click()
    assert pg.decision_plot.focus is None and pg.graph.selected is None


# ------------------------------------------------------------------------------- play / pause
def test_play_and_pause_in_a_running_loop():
    async def scenario():
        pg = make()
        pg.training_controls.play_button.click()
        assert pg.playing and pg.training_controls.play_button.disabled and "nnviz-playing" in pg._dom_classes
        await asyncio.sleep(0.5)
        epochs = pg.network.epoch_
        assert epochs > 5 and pg._loop.frames > 3
        assert epoch_text(pg) == f"{epochs // 1000:03d},{epochs % 1000:03d}"
        pg.training_controls.pause_button.click()
        paused_at = pg.network.epoch_
        await asyncio.sleep(0.25)
        assert not pg.playing and pg.network.epoch_ == paused_at
        assert not pg.training_controls.play_button.disabled and pg.training_controls.pause_button.disabled
        # controls act while playing: the learning rate reaches the live network at once
        pg.play()
        await asyncio.sleep(0.1)
        pg.lr_control.slider.value = 0.1
        assert pg.network.optimizer.lr == 0.1
        await asyncio.sleep(0.1)
        pg.pause()
        return pg

    pg = asyncio.run(scenario())
    assert pg.network.optimizer.lr == 0.1


def test_play_without_an_event_loop_explains():
    pg = make()
    with pytest.raises(RuntimeError, match="running asyncio event loop"):
        pg.play()
    pg.training_controls.play_button.click()  # from a button, the message lands in the widget
    assert pg.status.kind == "error" and "step(n)" in pg.status.text and not pg.playing


def test_architecture_change_while_playing_pauses():
    async def scenario():
        pg = make()
        pg.play()
        await asyncio.sleep(0.15)
        pg.builder.add_layer_button.click()
        assert not pg.playing and pg.network.epoch_ == 0
        await asyncio.sleep(0.1)
        assert pg.network.epoch_ == 0

    asyncio.run(scenario())


# ------------------------------------------------------------------------------- divergence
def test_divergence_at_lr_10_is_shown_and_reset_works():
    pg = make(dataset="reg_plane", lr=10.0)
    pg.step(50)
    assert pg.diverged is not None and "lower the learning rate" in pg.diverged
    # one short line for the learner; the core's full message in pg.diverged and the line's tooltip
    assert pg.status.kind == "error" and pg.status.text.startswith("Diverged in epoch 1: learning rate 10 is too high")
    assert pg.status.text.count("lower the learning rate") == 1 and "e+" not in pg.status.text
    assert f"rolled back to epoch {pg.network.epoch_} " in pg.status.text and len(pg.status.text) < 130
    assert pg.status.title == pg.diverged and "title='diverged at step" in pg.status.value
    assert "nnviz-diverged" in pg._dom_classes
    net = pg.network
    assert all(np.isfinite(l.W).all() for l in net.dense_layers)  # rolled back
    for png in (pg.decision_plot.png, pg.graph.png):
        assert decode(png).shape[-1] == 3  # a real picture, nothing drawn from NaN
    assert np.isfinite(pg.loss_chart.train_line.y).all()
    # lower the rate and continue from the rolled-back weights...
    epoch = net.epoch_
    pg.lr_control.slider.value = 0.01
    pg.step(3)
    assert pg.network is net and net.epoch_ == epoch + 3 and pg.diverged is None
    # ...or reset
    pg.lr_control.slider.value = 10.0
    pg.step(50)
    assert pg.diverged is not None
    pg.training_controls.reset_button.click()
    assert pg.diverged is None and pg.network.epoch_ == 0 and "Reset" in pg.status.text
    assert "nnviz-diverged" not in pg._dom_classes and epoch_text(pg) == "000,000"


def test_divergence_while_playing_stops_the_loop():
    async def scenario():
        pg = make(dataset="reg_plane", lr=10.0, speed=5)
        pg.play()
        for _ in range(40):
            await asyncio.sleep(0.05)
            if not pg.playing:
                break
        return pg

    pg = asyncio.run(scenario())
    assert not pg.playing and pg.diverged is not None and pg.status.kind == "error"
    assert not pg.training_controls.play_button.disabled


# ------------------------------------------------------------------------------- config
def test_config_round_trip_rebuilds_the_same_state():
    pg = make()
    tc, dc, b = pg.training_controls, pg.data_controls, pg.builder
    dc.dataset.value = "xor"
    dc.noise.value = 10
    dc.train_ratio.value = 60
    b.feature_buttons["x1*x2"].value = True
    b.add_layer_button.click()
    b.layer_activation_dropdowns[2].value = "relu"
    pg.lr_control.slider.value = 0.1
    tc.batch_size.value = 5
    tc.optimizer.value = "momentum"
    tc.momentum.value = 0.8
    tc.regularization.value = "l2"
    tc.reg_rate.value = 0.003
    tc.speed.value = 2
    dc.show_test.value = True
    dc.discretize.value = True
    pg.reset()
    config = pg.config
    json.dumps(config)
    again = Playground(config=config)
    assert again.config == config
    for a, b_ in zip(pg.data, again.data):
        np.testing.assert_array_equal(a, b_)
    for la, lb in zip(pg.network.dense_layers, again.network.dense_layers):
        np.testing.assert_array_equal(la.W, lb.W)
    assert again.network.optimizer.momentum == 0.8 and again.network.l2 == 0.003
    assert again.network.sizes == pg.network.sizes and again.training_controls.speed.value == 2
    assert again.data_controls.discretize.value and again.decision_plot.discretize


def test_config_validation():
    with pytest.raises(ValueError, match="unknown config key 'colour'; valid keys: dataset"):
        Playground(config={"colour": "red"})
    with pytest.raises(ValueError, match=r"config\['lr'\] must be one of 0.00001, 0.0001"):
        Playground(config={"lr": 0.02})
    with pytest.raises(ValueError, match=r"config\['dataset'\] must be one of 'circle'"):
        Playground(config={"dataset": "mnist"})
    with pytest.raises(ValueError, match=r"config\['activations'\] must name one activation per hidden layer \(2\)"):
        Playground(config={"activations": ["relu"]})
    with pytest.raises(TypeError, match="config must be a dict"):
        Playground(config=[("lr", 0.1)])
    with pytest.raises(ValueError, match="pass data=\\(X, y\\) as well"):
        Playground(config={"dataset": "custom"})
    with pytest.raises(ValueError, match="max_fps must be a number"):
        Playground(max_fps=0)


# ------------------------------------------------------------------------------- locks
def test_locked_controls_are_disabled_and_hidden_ones_hidden():
    pg = Playground(config={"seed": 1, "net_seed": 2}, locked=["dataset", "lr", "layers", "play", "weights"],
                    hidden=["noise", "features"])
    assert pg.data_controls.dataset.disabled and pg.lr_control.slider.disabled
    assert pg.builder.add_layer_button.disabled and pg.builder.remove_layer_button.disabled
    assert pg.training_controls.play_button.disabled and pg.training_controls.pause_button.disabled
    assert not pg.graph.editable and not pg.graph.handles.visible
    assert pg.data_controls.noise.layout.display == "none" and pg.builder.features_box.layout.display == "none"
    assert pg._features_column.layout.display == "none"
    assert not pg.training_controls.step_button.disabled and not pg.data_controls.train_ratio.disabled
    assert pg.locked == ["dataset", "lr", "layers", "play", "weights"]
    pg.step(2)  # Python still works
    assert pg.network.epoch_ == 2
    with pytest.raises(ValueError, match="unknown control 'learning_rate' in locked; valid names: dataset"):
        Playground(locked=["learning_rate"])
    with pytest.raises(TypeError, match="locked must be a list of control names"):
        Playground(locked="lr")
    assert set(CONTROLS) >= {"dataset", "noise", "lr", "features", "layers", "neurons", "play", "reset"}
    assert Playground.CONTROLS is CONTROLS


# ------------------------------------------------------------------------------- your own data
def test_custom_data():
    X, y = make_dataset("moons", n=120, noise=0.1, seed=3)
    pg = Playground(data=(X, y), config={"seed": 0, "net_seed": 0})
    assert pg.config["dataset"] == "custom" and pg.network.task == "binary"
    assert len(pg.data[0]) + len(pg.data[2]) == 120
    assert pg.data_controls.noise.disabled
    pg.step(3)
    again = Playground(data=(X, y), config=pg.config)
    assert again.config == pg.config
    pg.data_controls.dataset.value = "gauss"
    pg.data_controls.dataset.value = "custom"
    assert len(pg.data[0]) == 60
    reg = Playground(data=(X, y.astype(float) / 2))
    assert reg.network.loss.name == "mse"
    far = Playground(data=(X * 10, y))
    assert far.status.kind == "warning" and "beyond the view" in far.status.text
    with pytest.raises(ValueError, match="data: "):
        Playground(data=(X[:, :1], y))
    with pytest.raises(TypeError, match="data must be a pair"):
        Playground(data=X)


# ------------------------------------------------------------------------------- errors in callbacks
def test_callback_errors_show_in_the_widget(monkeypatch):
    pg = make()

    def broken():
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(pg, "_make_data", broken)
    pg.data_controls.regenerate.click()
    assert pg.status.kind == "error" and "RuntimeError: the disk is full" in pg.status.text
    assert "Traceback" in pg.status.value


# ------------------------------------------------------------------------------- export
def test_snapshot_and_gif(tmp_path):
    pg = make()
    pg.step(5)
    fig = pg.snapshot()
    assert type(fig).__name__ == "Figure" and fig._suptitle.get_text().startswith("Circle")
    assert any(t.get_text().startswith("Epoch 5 ") for t in fig.texts)  # the subtitle under the title
    path = pg.save_gif(tmp_path / "train.gif", epochs=4, frames=3)
    with open(path, "rb") as fh:
        assert fh.read(6) in (b"GIF89a", b"GIF87a")
    assert pg.network.epoch_ == 9 and epoch_text(pg) == "000,009"  # trained the live network
    pg.save_gif(tmp_path / "short.gif", epochs=3)  # default frames fit a short run
    assert pg.network.epoch_ == 12


def test_widgets_pass_only_known_traits():
    """An unknown keyword to a widget or mark is silently dropped by traitlets (with a warning);
    building every view must not trigger one."""
    import warnings

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        pg = make(hidden=[3], dataset="spirals")
        pg.step(1)
    unknown = [str(w.message) for w in caught if "unrecognized arguments" in str(w.message)]
    assert unknown == []


def test_import_nnviz_does_not_import_widgets():
    code = (
        "import sys, nnviz\n"
        "assert 'ipywidgets' not in sys.modules and 'bqplot' not in sys.modules\n"
        "assert nnviz.Playground.__name__ == 'Playground'\n"
        "assert 'ipywidgets' in sys.modules and 'Playground' in dir(nnviz)\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
