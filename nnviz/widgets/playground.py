"""The Playground: TensorFlow Playground in a notebook cell, training live, reachable from Python."""
from __future__ import annotations

import copy
import math
import time

import numpy as np
from ipywidgets import HTML, HBox, Layout, VBox

from nnviz.core import SGD, Adam, DivergedError, Dropout
from nnviz.data import check_dataset, dataset_info, make_dataset, make_features, train_test_split

from ._common import (
    COLUMN_CONTROL_WIDTH,
    add_class,
    check_int,
    describe,
    format_number,
    guarded,
    one_blas_thread,
    set_visible,
)
from ._config import CONTROLS, CUSTOM, DATASET_LABELS, check_config, check_controls, new_seed
from ._loop import FrameLoop
from ._style import style_widget
from .architecture import ArchitectureBuilder
from .data_controls import DataControls
from .decision_plot import DecisionBoundaryPlot
from .learning_rate import LearningRateControl
from .loss_chart import LossChart
from .network_graph import NetworkGraph
from .status import ReportsErrors, StatusArea
from .training_controls import TrainingControls

__all__ = ["Playground"]

#: Seconds of training per frame aimed at with ``speed="auto"``.
TRAIN_BUDGET = 0.015
MAX_EPOCHS_PER_FRAME = 50
#: Sizes in pixels, chosen so that the four columns fit a JupyterLab notebook in a 1280 px window
#: (848 px of output width). A deep network widens the graph (>= COLUMN_MIN px per column); the output
#: column then wraps below it on a narrow screen. The graph is NEURON_ROW px tall per neuron of its
#: largest column (GRAPH_MIN_HEIGHT to GRAPH_HEIGHT), so that the weight editor sits right under it.
GRAPH_WIDTH, GRAPH_HEIGHT = 270, 290
GRAPH_MIN_HEIGHT, NEURON_ROW = 100, 50
COLUMN_MIN = 56  # a layer's activation dropdown shows "sigmoid" in full
HEATMAP_SIZE = 232
#: While playing, the decision boundary and the epoch counter are redrawn every frame; the graph
#: (thumbnails, links) and the loss chart at most this often (seconds). Measured in Chromium: redrawing
#: them at 15 and 8 per second held the heatmap to ~31 visible updates/s, at 10 and 5 it reaches ~34.
GRAPH_EVERY, CHART_EVERY = 1 / 10, 1 / 5


class Playground(ReportsErrors, VBox):
    """TensorFlow Playground in a notebook cell: data, network, live training and every view.

    Data column | input features | network graph (neurons as thumbnails, links by weight) | output
    (loss numbers and curve, the decision boundary). Training runs in a background task on the kernel's
    event loop, so pause, sliders and buttons act at once while it runs, and ``pg.network`` is the live
    network at every moment.

    **One step is one epoch**: the step button, ``step(n)`` and the epoch counter count passes over the
    training set (in mini-batches of ``batch_size``), as the playground does. While playing, each frame
    trains ``speed`` epochs (``"auto"``: about 15 ms of training) and redraws; frames are paced to what the
    browser has taken in (30 per second at most, a few frames in flight at most: see
    :class:`nnviz.widgets._loop.FrameLoop`), so a pause shows at once.

    The learning rate, optimiser settings, regularisation and batch size apply at the next step and keep
    the weights (changing the optimiser *type* starts it with fresh state). Changing the data or the
    architecture builds a new network, and the status line says so.

    Parameters
    ----------
    data : (X, y) or None
        Your own points: ``X`` of shape (n_samples, 2), ``y`` of shape (n_samples,) with 0/1 labels
        (binary), class labels 0..k-1 (multi-class) or float targets (regression), checked by
        :func:`nnviz.data.check_dataset`. None: the playground's data sets.
    config : dict or None
        A configuration such as ``pg.config`` (missing keys take their defaults; see
        :attr:`config`). The same config rebuilds the same data and initial weights.
    locked : list of str or None
        Controls to disable for a lesson (their values still show), e.g. ``["dataset", "lr"]``;
        the names and what each one is are in ``Playground.CONTROLS``.
    hidden : list of str or None
        Controls to hide altogether (same names).
    max_fps : float, default 40
        Frames sent per second at most while playing. The browser's echo keeps at most a few frames
        in flight, so a slower browser gets fewer; 40 (not 30) because the browser folds some frames
        together, and ~30 of them must reach the screen.

    Attributes
    ----------
    network : nnviz.core.Network
        The live network (a new object after a data or architecture change).
    builder, lr_control, decision_plot, graph, loss_chart, data_controls, training_controls
        The parts, each a widget of its own.
    status : StatusArea
        The message line (CSS class ``nnviz-status``).

    Examples
    --------
    >>> pg = Playground(config={"dataset": "xor", "hidden": [4], "lr": 0.1})
    >>> pg.step(20)                 # 20 epochs, then redraw
    >>> pg.history["loss"][-1]
    >>> pg.snapshot().savefig("xor.png")
    >>> lesson = Playground(config=pg.config, locked=["dataset", "features"])
    """

    #: Control name -> what it is: the names ``locked=`` and ``hidden=`` accept.
    CONTROLS = CONTROLS

    def __init__(self, data=None, config=None, locked=None, hidden=None, *, max_fps: float = 40.0):
        self._custom = self._check_data(data)
        if self._custom is not None and (config is None or "dataset" not in config):
            config = {**(config if isinstance(config, dict) else {}), "dataset": CUSTOM}
        self._config = check_config(config, has_custom_data=self._custom is not None)
        self._locked = check_controls("locked", locked)
        self._hidden = check_controls("hidden", hidden)
        if isinstance(max_fps, bool) or not isinstance(max_fps, (int, float)) or not 0 < max_fps <= 120:
            raise ValueError(f"max_fps must be a number in (0, 120], got {describe(max_fps)}")
        self.status = StatusArea()
        self._syncing = False
        self._diverged = None
        self._epoch_seconds = None
        self._drawn_at = {"graph": 0.0, "chart": 0.0}
        c = self._config

        self._make_data()
        self.builder = ArchitectureBuilder(
            features=c["features"], hidden=c["hidden"], activation=c["activation"], activations=c["activations"],
            status=self.status,
        )
        self.network = self._build_network()
        self.lr_control = LearningRateControl(self.network, value=c["lr"], status=self.status)
        self.decision_plot = DecisionBoundaryPlot(
            self.network, self._X_train, self._y_train, self._X_test, self._y_test, c["features"],
            discretize=c["discretize"], show_test=c["show_test"], size=HEATMAP_SIZE, title=None, status=self.status,
        )
        self.graph = NetworkGraph(self.network, c["features"], main_plot=self.decision_plot,
                                  width=GRAPH_WIDTH, height=self._graph_height(), status=self.status)
        if self.graph.width != self._graph_width():
            self.graph.set_size(self._graph_width())
        self.loss_chart = LossChart(self.network, width=HEATMAP_SIZE + 38, height=100, status=self.status)
        self.data_controls = DataControls(custom_data=self._custom is not None)
        self.training_controls = TrainingControls()
        self._loop = FrameLoop(self._play_frame, on_finish=self._on_loop_finish, max_fps=max_fps)
        self.problem = HTML()
        add_class(self.problem, "nnviz-problem")

        super().__init__(self._layout())
        add_class(self, "nnviz-playground")
        self._push_config_to_controls()
        self._wire()
        self._apply_locks()
        self._align_builder()
        self._describe_problem()
        self._draw()
        self._greet()

    # ================================================================== construction helpers
    def _greet(self) -> None:
        """The first line a learner reads: what to do, or what is wrong with their data."""
        if self._custom is not None:
            reach = float(np.abs(self._custom[0]).max())
            if reach > 6.0:
                self.status.warning(
                    f"Your points reach {reach:.3g}, beyond the view [-6, 6]²; rescale them, "
                    "e.g. X * 5 / abs(X).max(), to see them all."
                )
                return
        self.status.info("Press play to train. Click a neuron to see it large, or a link's dot to edit its weight.")

    @staticmethod
    def _check_data(data):
        if data is None:
            return None
        if not isinstance(data, (tuple, list)) or len(data) != 2:
            raise TypeError(f"data must be a pair (X, y) of arrays or None, got {describe(data)}")
        try:
            X, y = check_dataset(*data)
        except (TypeError, ValueError) as exc:
            raise type(exc)(f"data: {exc}") from None
        task = "regression" if y.dtype.kind == "f" else ("binary" if y.max() <= 1 else "multiclass")
        n_classes = None if task == "regression" else int(y.max()) + 1
        if len(X) < 4:
            raise ValueError(f"data must have at least 4 samples (some to train on, some to test), got {len(X)}")
        return X, y, task, n_classes

    def _layout(self) -> list:
        tc, dc, b = self.training_controls, self.data_controls, self.builder
        title = HTML("<span class='nnviz-title'>nnviz <b>playground</b></span>")
        top = HBox(
            [title, tc.bar, self.lr_control, b.activation_dropdown, tc.regularization, tc.reg_rate, self.problem],
            layout=Layout(align_items="center", flex_flow="row wrap", border_bottom="1px solid #e5e5e5",
                          padding="0 0 4px 0", margin="0 0 6px 0"),
        )
        data_column = VBox([dc.column, tc.panel], layout=Layout(width=f"{COLUMN_CONTROL_WIDTH + 2}px"))
        self._features_column = features_column = VBox([b.features_box], layout=Layout(width="72px"))
        self._builder_spacer = HTML(layout=Layout(width="0px"))
        self._network_column = network_column = VBox(
            [HBox([self._builder_spacer, b.layers_box]), self.graph], layout=Layout(width=f"{self.graph.width + 2}px"))
        output_header = HTML("<div class='nnviz-header'>Output</div>")
        output_column = VBox([output_header, self.loss_chart, self.decision_plot, dc.output_options],
                             layout=Layout(width=f"{HEATMAP_SIZE + 40}px"))
        for column in (data_column, features_column, network_column, output_column):
            add_class(column, "nnviz-column")
        main = HBox([data_column, features_column, network_column, output_column],
                    layout=Layout(flex_flow="row wrap", align_items="flex-start"))
        return [style_widget(), top, main, self.status]

    def _graph_width(self) -> int:
        levels = len(self.network.dense_layers) + 1
        return max(GRAPH_WIDTH, self.graph.left_margin + COLUMN_MIN * levels)

    def _graph_height(self) -> int:
        """NEURON_ROW px per neuron of the largest column (inputs and output included), within limits."""
        return int(min(GRAPH_HEIGHT, max(GRAPH_MIN_HEIGHT, NEURON_ROW * max(self.network.sizes))))

    def _align_builder(self) -> None:
        """Line the per-layer controls up with the graph's columns."""
        width = self.graph.column_width
        self._builder_spacer.layout.width = f"{int(self.graph.left_margin + width)}px"
        self.builder.set_column_width(int(width))

    # ================================================================== data and network
    def _task(self) -> tuple[str, int | None]:
        """(problem type, number of classes) of the current data."""
        c = self._config
        if c["dataset"] == CUSTOM:
            return self._custom[2], self._custom[3]
        params = {"n_classes": c["n_classes"]} if dataset_info(c["dataset"]).task == "multiclass" else {}
        info = dataset_info(c["dataset"], **params)
        return info.task, info.n_classes

    def _make_data(self) -> None:
        c = self._config
        if c["dataset"] == CUSTOM:
            X, y = self._custom[0], self._custom[1]
        else:
            params = {"n_classes": c["n_classes"]} if dataset_info(c["dataset"]).task == "multiclass" else {}
            X, y = make_dataset(c["dataset"], noise=c["noise"], seed=c["seed"], **params)
        self._X_train, self._X_test, self._y_train, self._y_test = train_test_split(
            X, y, train_ratio=c["train_ratio"], seed=c["seed"])
        self._inputs()

    def _inputs(self) -> None:
        features = self._config["features"]
        self._F_train = make_features(self._X_train, features)
        self._F_test = make_features(self._X_test, features)

    def _make_optimizer(self):
        c = self._config
        if c["optimizer"] == "adam":
            return Adam(c["lr"])
        return SGD(c["lr"], momentum=c["momentum"] if c["optimizer"] == "momentum" else 0.0)

    def _regularization(self) -> tuple[float, float]:
        c = self._config
        rate = c["reg_rate"]
        return (rate if c["regularization"] == "l1" else 0.0, rate if c["regularization"] == "l2" else 0.0)

    def _build_network(self):
        c = self._config
        task, n_classes = self._task()
        l1, l2 = self._regularization()
        return self.builder.build(task, n_classes, dropout=c["dropout"], optimizer=self._make_optimizer(),
                                  l1=l1, l2=l2, seed=c["net_seed"])

    def _rebuild(self, why: str) -> None:
        """A new network for the current config; every view follows it."""
        self.pause()
        self._inputs()
        self.network = self._build_network()
        self._diverged = None
        self._epoch_seconds = None
        self.remove_class("nnviz-diverged")
        features = self._config["features"]
        self.lr_control.network = self.network
        self.decision_plot.set_network(self.network, features)
        self.decision_plot.set_data(self._X_train, self._y_train, self._X_test, self._y_test)
        self.graph.set_network(self.network, features)
        if (self.graph.width, self.graph.height) != (self._graph_width(), self._graph_height()):
            self.graph.set_size(self._graph_width(), self._graph_height())
            self._network_column.layout.width = f"{self.graph.width + 2}px"
        self.loss_chart.network = self.network
        self._align_builder()
        self._describe_problem()
        self._draw()
        self.status.info(f"{why} — new network {self._arch()}, epoch 0.")

    def _arch(self) -> str:
        text = repr(self.network)
        return text[len("Network("):].split(", loss=")[0]

    def _describe_problem(self) -> None:
        task, k = self._task()
        text = {"binary": "Classification (2 classes)", "multiclass": f"Classification ({k} classes)",
                "regression": "Regression"}[task]
        self.problem.value = f"<span class='nnviz-small'>Problem type</span> <b>{text}</b>"

    # ================================================================== training
    def _epochs_per_frame(self) -> int:
        speed = self._config["speed"]
        if speed != "auto":
            return int(speed)
        if self._epoch_seconds is None:
            return 1
        return int(max(1, min(MAX_EPOCHS_PER_FRAME, TRAIN_BUDGET / max(self._epoch_seconds, 1e-6))))

    def _train(self, epochs: int) -> int:
        """Train ``epochs`` epochs (stopping at a divergence); returns how many were done."""
        net = self.network
        before, step_before = net.epoch_, net.step_
        batch_size = self._config["batch_size"]
        started = time.perf_counter()
        try:
            with one_blas_thread():
                net.fit(self._F_train, self._y_train, epochs=epochs, batch_size=batch_size,
                        validation_data=(self._F_test, self._y_test))
        except DivergedError as exc:
            # the epoch the learner's counter was in: exc.step counts updates, an epoch makes ceil(n / batch)
            steps_per_epoch = math.ceil(len(self._F_train) / batch_size)
            self._on_diverged(exc, epoch=before + math.ceil((exc.step - step_before) / steps_per_epoch))
        done = net.epoch_ - before
        if done:
            seconds = (time.perf_counter() - started) / done
            self._epoch_seconds = seconds if self._epoch_seconds is None else 0.7 * self._epoch_seconds + 0.3 * seconds
        return done

    def _on_diverged(self, exc: DivergedError, epoch: int | None = None) -> None:
        """Stop, and say so in one short line; the core's full message is :attr:`diverged` and the
        line's tooltip."""
        self._diverged = str(exc)
        self.pause(redraw=False)
        self.add_class("nnviz-diverged")
        when = "" if epoch is None else f" in epoch {epoch}"
        self.status.error(
            f"Diverged{when}: learning rate {format_number(exc.lr)} is too high. Weights rolled back to epoch "
            f"{self.network.epoch_} — lower the learning rate and play, or reset.",
            title=self._diverged,
        )

    def _draw(self, playing: bool = False) -> None:
        """Redraw the views from the network's current weights (marks updated in place).

        While ``playing``, the graph and the loss chart are redrawn only every ``GRAPH_EVERY`` and
        ``CHART_EVERY`` seconds; the decision boundary and the epoch counter every frame.
        """
        now = time.perf_counter()
        with one_blas_thread():
            self.decision_plot.update()
            if not playing or now - self._drawn_at["graph"] >= GRAPH_EVERY:
                self.graph.update()
                self._drawn_at["graph"] = now
        if not playing or now - self._drawn_at["chart"] >= CHART_EVERY:
            self.loss_chart.update()
            self._drawn_at["chart"] = now
        self.training_controls.set_epoch(self.network.epoch_)

    def _play_frame(self) -> bool:
        self._train(self._epochs_per_frame())
        self._draw(playing=self._diverged is None)  # after a divergence: everything, once
        return self._diverged is None

    def _on_loop_finish(self, error) -> None:
        self._set_playing(False)
        if error is not None:
            self.status.exception(error, "Training stopped: ")
        elif self._loop.browser_gone:
            self.status.info(f"Paused: no browser has drawn this playground for {self._loop.gone_after:g} s.")

    def _set_playing(self, playing: bool) -> None:
        self.training_controls.set_playing(playing, locked="play" in self._locked)
        if playing:
            self.add_class("nnviz-playing")
        else:
            self.remove_class("nnviz-playing")

    # ================================================================== public handle
    @property
    def playing(self) -> bool:
        """True while the background training task runs."""
        return self._loop.running

    def play(self) -> None:
        """Train continuously in the background (needs a running event loop, as in Jupyter)."""
        if self._loop.running:
            return
        self._loop.start()
        self._diverged = None
        self.remove_class("nnviz-diverged")
        if self.status.kind in ("error", "info"):
            self.status.clear()  # the last hint or error is history now
        self._set_playing(True)

    def pause(self, redraw: bool = True) -> None:
        """Stop training after the current frame (on screen at once: no frame is queued)."""
        was_running = self._loop.running
        self._loop.stop()
        self._set_playing(False)
        if was_running and redraw:
            self._draw()

    def step(self, n: int = 1) -> None:
        """Train ``n`` epochs now (synchronously), then redraw. One step = one epoch.

        A divergence stops early and is shown in the widget (see :attr:`diverged`).
        """
        n = check_int("n", n, low=1)
        if self._loop.running:
            self.pause(redraw=False)
        self._diverged = None
        self._train(n)
        self._draw()

    def reset(self) -> None:
        """New random initial weights (a new ``net_seed``), epoch 0; data and settings are kept."""
        self._config["net_seed"] = new_seed()
        self._rebuild("Reset: new random weights")

    @property
    def history(self):
        """The live network's :class:`~nnviz.core.History` (loss, accuracy, val_loss… per epoch)."""
        return self.network.history

    @property
    def diverged(self) -> str | None:
        """The message of the last divergence, or None."""
        return self._diverged

    @property
    def data(self) -> tuple:
        """``(X_train, y_train, X_test, y_test)``: the points (x1, x2) and labels in use."""
        return self._X_train, self._y_train, self._X_test, self._y_test

    @property
    def features(self) -> list[str]:
        return list(self._config["features"])

    @property
    def config(self) -> dict:
        """The whole state as plain JSON-safe data; ``Playground(config=pg.config)`` rebuilds it.

        Keys: ``dataset``, ``n_classes``, ``noise`` (0–0.5), ``seed`` (data), ``train_ratio``,
        ``features``, ``hidden``, ``activation``, ``activations``, ``lr``, ``batch_size``, ``optimizer``
        (``"sgd"``, ``"momentum"``, ``"adam"``), ``momentum``, ``regularization`` (``"none"``, ``"l1"``,
        ``"l2"``), ``reg_rate``, ``dropout``, ``discretize``, ``show_test``, ``speed``, ``net_seed``
        (initial weights). Trained weights are not part of it (save them with ``pg.network.save``).
        """
        return copy.deepcopy(self._config)

    @property
    def locked(self) -> list[str]:
        return list(self._locked)

    def snapshot(self, title: str | None = None):
        """A matplotlib figure of the current state (network, decision boundary, loss curve) for export."""
        from nnviz.plots import snapshot_figure

        if title is None:
            c = self._config
            name = "your data" if c["dataset"] == CUSTOM else DATASET_LABELS.get(c["dataset"], c["dataset"])
            title = f"{name} · {self._arch()}"  # the figure's subtitle gives the epoch and losses
        return snapshot_figure(self.network, self._X_train, self._y_train, self._X_test, self._y_test,
                               history=self.network.history, features=self._config["features"], title=title)

    def save_gif(self, path, epochs: int = 50, frames: int | None = None, fps: float = 8):
        """Write a GIF of training **the live network** for ``epochs`` more epochs, from its current state.

        ``frames`` defaults to 25 (or one per epoch, and the start, for fewer epochs). The network
        really trains (the widget shows the result afterwards); to keep the current weights, save
        them first (``pg.network.state_dict()``). Returns the path written.
        """
        from nnviz.plots import save_training_gif

        if frames is None:
            frames = min(25, epochs + 1) if isinstance(epochs, int) and epochs >= 1 else 25
        self.pause(redraw=False)
        try:
            return save_training_gif(self.network, self._X_train, self._y_train, path, epochs=epochs, frames=frames,
                                     batch_size=self._config["batch_size"], X_test=self._X_test, y_test=self._y_test,
                                     features=self._config["features"], fps=fps)
        except DivergedError as exc:
            self._on_diverged(exc)
            raise
        finally:
            self._draw()

    def close(self) -> None:
        """Stop training and close every widget model."""
        loop = getattr(self, "_loop", None)  # absent when __init__ failed
        if loop is not None:
            loop.close()
        super().close()

    # ================================================================== controls <-> config
    def _push_config_to_controls(self) -> None:
        c, dc, tc = self._config, self.data_controls, self.training_controls
        self._syncing = True
        try:
            dc.dataset.value = c["dataset"]
            dc.n_classes.value = c["n_classes"]
            dc.train_ratio.value = int(round(c["train_ratio"] * 100))
            dc.noise.value = int(round(c["noise"] * 100))
            dc.show_test.value = c["show_test"]
            dc.discretize.value = c["discretize"]
            tc.batch_size.value = c["batch_size"]
            tc.optimizer.value = c["optimizer"]
            tc.momentum.value = c["momentum"]
            tc.regularization.value = c["regularization"]
            tc.reg_rate.value = c["reg_rate"]
            tc.dropout.value = c["dropout"]
            tc.speed.value = c["speed"]
        finally:
            self._syncing = False
        self._refresh_enabled()

    def _refresh_enabled(self) -> None:
        """Enable what makes sense now; locked controls stay disabled."""
        c, dc, tc = self._config, self.data_controls, self.training_controls
        custom = c["dataset"] == CUSTOM
        multiclass = not custom and dataset_info(c["dataset"]).task == "multiclass"
        locked = set(self._locked)
        set_visible(dc.n_classes, multiclass and "n_classes" not in self._hidden)
        dc.noise.disabled = custom or "noise" in locked
        dc.regenerate.tooltip = "a new split of your data into train and test" if custom else "new random data (a new seed)"
        tc.momentum.disabled = c["optimizer"] != "momentum" or "momentum" in locked
        tc.reg_rate.disabled = c["regularization"] == "none" or "reg_rate" in locked

    def _apply_locks(self) -> None:
        widgets = {**self.data_controls.controls, **self.training_controls.controls, "lr": [self.lr_control.slider]}
        builder_names = {"features", "layers", "neurons", "activation"}
        for name in self._locked:
            if name in builder_names:
                self.builder.lock([name])
            elif name == "weights":
                self.graph.editable = False
                self.graph.handles.visible = False
                self.graph.select_link(None)
            elif name == "select_neuron":
                self.graph.clickable = False
            else:
                for w in widgets[name]:
                    w.disabled = True
                    add_class(w, "nnviz-locked")
                    w.tooltip = f"locked for this lesson ({CONTROLS[name]})"
        for name in self._hidden:
            if name == "features":
                set_visible(self._features_column, False)
            if name in builder_names:
                self.builder.hide([name])
            elif name == "weights":
                self.graph.editable = False
                self.graph.handles.visible = False
                set_visible(self.graph.weight_row, False)
            elif name == "select_neuron":
                self.graph.clickable = False
            else:
                for w in widgets[name]:
                    set_visible(w, False)
        self._set_playing(False)
        self._refresh_enabled()

    def _wire(self) -> None:
        dc, tc = self.data_controls, self.training_controls
        dc.dataset.observe(self._on_dataset, "value")
        dc.n_classes.observe(self._on_n_classes, "value")
        dc.noise.observe(self._on_noise, "value")
        dc.train_ratio.observe(self._on_train_ratio, "value")
        dc.regenerate.on_click(self._on_regenerate)
        dc.show_test.observe(self._on_show_test, "value")
        dc.discretize.observe(self._on_discretize, "value")
        self.builder.observe(self._on_architecture, "spec")
        self.lr_control.slider.observe(self._on_lr, "value")
        tc.play_button.on_click(self._on_play)
        tc.pause_button.on_click(self._on_pause)
        tc.step_button.on_click(self._on_step)
        tc.reset_button.on_click(self._on_reset)
        tc.batch_size.observe(self._on_batch_size, "value")
        tc.optimizer.observe(self._on_optimizer, "value")
        tc.momentum.observe(self._on_momentum, "value")
        tc.regularization.observe(self._on_regularization, "value")
        tc.reg_rate.observe(self._on_regularization, "value")
        tc.dropout.observe(self._on_dropout, "value")
        tc.speed.observe(self._on_speed, "value")
        self.graph.on_weight_change.append(self._on_weight_edit)

    # ================================================================== callbacks (one job each)
    def _set_config(self, **changes) -> bool:
        """Record control values in the config; False while the controls are being filled in."""
        if self._syncing:
            return False
        self._config.update(changes)
        self._refresh_enabled()
        return True

    def _data_label(self) -> str:
        c = self._config
        if c["dataset"] == CUSTOM:
            return "your data"
        return f"{DATASET_LABELS.get(c['dataset'], c['dataset'])}, noise {format_number(c['noise'])}"

    def _new_data(self, why: str) -> None:
        self._make_data()
        self._rebuild(f"{why} ({self._data_label()}, {int(round(self._config['train_ratio'] * 100))}% train)")

    @guarded
    def _on_dataset(self, change) -> None:
        if self._set_config(dataset=change["new"]):
            self._new_data("New data")

    @guarded
    def _on_n_classes(self, change) -> None:
        if self._set_config(n_classes=int(change["new"])):
            self._new_data(f"{change['new']} classes")

    @guarded
    def _on_noise(self, change) -> None:
        if self._set_config(noise=change["new"] / 100):
            self._new_data("New noise")

    @guarded
    def _on_train_ratio(self, change) -> None:
        if self._set_config(train_ratio=change["new"] / 100):
            self._new_data("New train/test split")

    @guarded
    def _on_regenerate(self, _button) -> None:
        self._config["seed"] = new_seed()
        self._new_data("Regenerated data")

    @guarded
    def _on_show_test(self, change) -> None:
        if self._set_config(show_test=bool(change["new"])):
            self.decision_plot.show_test = bool(change["new"])

    @guarded
    def _on_discretize(self, change) -> None:
        if self._set_config(discretize=bool(change["new"])):
            self.decision_plot.discretize = bool(change["new"])

    @guarded
    def _on_architecture(self, change) -> None:
        spec = change["new"]
        if self._set_config(features=list(spec["features"]), hidden=list(spec["hidden"]),
                            activation=spec["activation"], activations=list(spec["activations"])):
            self._rebuild("Architecture changed")

    @guarded
    def _on_lr(self, change) -> None:
        # the LearningRateControl itself sets network.optimizer.lr; here the config follows
        if self._set_config(lr=float(change["new"])):
            self.status.info(f"Learning rate {format_number(change['new'])} from the next step (weights kept).")

    @guarded
    def _on_play(self, _button) -> None:
        self.play()

    @guarded
    def _on_pause(self, _button) -> None:
        self.pause()

    @guarded
    def _on_step(self, _button) -> None:
        self.step(1)

    @guarded
    def _on_reset(self, _button) -> None:
        self.reset()

    @guarded
    def _on_batch_size(self, change) -> None:
        if self._set_config(batch_size=int(change["new"])):
            self.status.info(f"Batch size {change['new']} from the next step.")

    @guarded
    def _on_optimizer(self, change) -> None:
        old, new = change["old"], change["new"]
        if not self._set_config(optimizer=new):
            return
        if {old, new} <= {"sgd", "momentum"}:
            # the same SGD object: only its momentum changes, its state is kept
            self.network.optimizer.momentum = self._config["momentum"] if new == "momentum" else 0.0
            self.status.info(f"{'SGD + momentum' if new == 'momentum' else 'Plain SGD'} from the next step (weights kept).")
        else:
            self.network.optimizer = self._make_optimizer()
            label = {"sgd": "SGD", "momentum": "SGD + momentum", "adam": "Adam"}[new]
            self.status.info(f"Optimizer is now {label}: a fresh optimizer (no momentum/moment history yet); "
                             "the weights are kept.")

    @guarded
    def _on_momentum(self, change) -> None:
        if self._set_config(momentum=float(change["new"])) and self._config["optimizer"] == "momentum":
            self.network.optimizer.momentum = float(change["new"])
            self.status.info(f"Momentum {change['new']:.2f} from the next step.")

    @guarded
    def _on_regularization(self, _change) -> None:
        tc = self.training_controls
        if not self._set_config(regularization=tc.regularization.value, reg_rate=float(tc.reg_rate.value)):
            return
        self.network.l1, self.network.l2 = self._regularization()
        kind = self._config["regularization"]
        what = "No regularization" if kind == "none" else f"{kind.upper()} rate {format_number(self._config['reg_rate'])}"
        self.status.info(f"{what} from the next step (weights kept).")

    @guarded
    def _on_dropout(self, change) -> None:
        p = float(change["new"])
        if not self._set_config(dropout=p):
            return
        layers = [layer for layer in self.network.layers if isinstance(layer, Dropout)]
        if layers:
            for layer in layers:
                layer.p = p
            self.status.info(f"Dropout {p:.2f} from the next step (weights kept).")
        elif p > 0:
            self._rebuild(f"Dropout {p:.2f} added after each hidden layer")

    @guarded
    def _on_speed(self, change) -> None:
        self._set_config(speed=change["new"])

    @guarded
    def _on_weight_edit(self, layer, i, j, value) -> None:
        self.decision_plot.update()
        loss, _acc = self.network.evaluate(self._F_train, self._y_train)
        self.status.info(f"Weight set to {value:g}; training loss now {loss:.3f}. Training continues from it.")

    def __repr__(self) -> str:
        c = self._config
        state = "playing" if self.playing else "paused"
        return (f"Playground({self._data_label()}; {self._arch()}; lr={format_number(c['lr'])}, "
                f"epoch {self.network.epoch_}, {state})")
