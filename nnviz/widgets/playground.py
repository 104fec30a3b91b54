"""The Playground: TensorFlow Playground in a notebook cell, training live, reachable from Python.

The Playground is a :class:`~nnviz.widgets.session.TrainingSession` (``pg.session``: the network, the
data, the training settings and the live loop) plus its views (graph, decision map, loss chart,
controls) and its data/network settings (``pg.settings``, :class:`~nnviz.widgets.settings.PlaygroundSettings`).
Controls are bound to those traits with ``link``; the views follow the session's ``network`` and
redraw on its frames.
"""
from __future__ import annotations

import copy

import numpy as np
from ipywidgets import HTML, HBox, Layout, VBox, link

from nnviz.core import DivergedError, Dropout, Network
from nnviz.data import check_dataset, dataset_info, make_dataset, train_test_split

from ._common import COLUMN_CONTROL_WIDTH, add_class, describe, format_number, guarded, set_visible
from ._config import (
    CONTROLS,
    CUSTOM,
    DATASET_LABELS,
    DEFAULTS,
    N_CLASSES_RANGE,
    check_config,
    check_controls,
    new_seed,
)
from ._owned import OwnsModels, records_models
from ._style import style_widget
from .architecture import ArchitectureBuilder
from .data_controls import DataControls
from .decision_plot import DecisionBoundaryPlot
from .learning_rate import LearningRateControl
from .loss_chart import LossChart
from .network_graph import NetworkGraph
from .session import MAX_EPOCHS_PER_FRAME, TRAIN_BUDGET  # noqa: F401 - re-exported for old imports
from .settings import SESSION_KEYS, PlaygroundSession, PlaygroundSettings
from .status import ReportsErrors, StatusArea
from .training_controls import TrainingControls

__all__ = ["Playground", "TASK_CHOICES"]

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
#: ``Playground(task=...)``: what your labels are (None: inferred, see :meth:`Playground._check_data`).
TASK_CHOICES = ("binary", "multiclass", "regression")
#: Controls that show a setting in other units: config value -> control value, and back.
CONTROL_TRANSFORMS = {
    "noise": (lambda v: int(round(v * 100)), lambda percent: percent / 100),
    "train_ratio": (lambda v: int(round(v * 100)), lambda percent: percent / 100),
}
#: Settings messages shown when a training setting changes (``{v}`` is the new value).
_SETTING_MESSAGES = {
    "lr": "Learning rate {v} from the next step (weights kept).",
    "batch_size": "Batch size {v} from the next step.",
    "momentum": "Momentum {v} from the next step.",
}


class Playground(OwnsModels, ReportsErrors, VBox):
    """TensorFlow Playground in a notebook cell: data, network, live training and every view.

    Data column | input features | network graph (neurons as thumbnails, links by weight) | output
    (loss numbers and curve, the decision boundary). The Playground is a
    :class:`~nnviz.widgets.TrainingSession` (:attr:`session`: network, data, training settings, the live
    loop) plus views of it; its data and network settings are the traits of :attr:`settings`. Every
    control is bound to its trait, so ``pg.session.lr = 0.3`` moves the slider and moving the slider
    sets ``pg.session.lr``. Training runs in a background task on the kernel's event loop, so pause,
    sliders and buttons act at once while it runs, and ``pg.network`` is the live network at every moment.

    **One step is one epoch**: the step button, ``step(n)`` and the epoch counter count passes over the
    training set (in mini-batches of ``batch_size``), as the playground does. While playing, each frame
    trains ``speed`` epochs (``"auto"``: about 15 ms of training) and redraws; frames are paced to what the
    browser has taken in (a few frames in flight at most: see :class:`nnviz.widgets._loop.FrameLoop`), so
    a pause shows at once.

    The learning rate, optimiser settings, regularisation and batch size apply at the next step and keep
    the weights (changing the optimiser *type* starts it with fresh state). Changing the data or the
    architecture builds a new network, and the status line says so. A loss that climbs or swings for
    several epochs shows a warning ("unstable: ... the learning rate may be too high") while training
    goes on; a non-finite loss stops training and rolls the weights back.

    Life-cycle: a playing Playground that is shown nowhere any more (its cell re-run, its output
    cleared, the notebook closed) pauses; :meth:`close` stops it for good and closes every widget model it
    made; a closed Playground refuses to train.

    Parameters
    ----------
    data : (X, y) or None
        Your own points: ``X`` of shape (n_samples, 2), ``y`` of shape (n_samples,) with 0/1 labels
        (binary), class labels 0..k-1 (multi-class) or float targets (regression), checked by
        :func:`nnviz.data.check_dataset`. Float labels whose values are all whole numbers in 0..7 (as
        read from a CSV file) are class labels; pass ``task=`` to say otherwise. Your data win over
        the config's data set (the config's other settings apply). None: the playground's data sets.
    config : dict or None
        A configuration such as ``pg.config`` (missing keys take their defaults; see
        :attr:`config`). The same config rebuilds the same data and initial weights.
    locked : list of str or None
        Controls to disable for a lesson (their values still show), e.g. ``["dataset", "lr"]``;
        the names and what each one is are in ``Playground.CONTROLS``.
    hidden : list of str or None
        Controls to hide altogether (same names).
    task : {"binary", "multiclass", "regression"} or None
        What your labels are (only with ``data``); None guesses it from the labels (see ``data``).
    max_fps : float, default 40
        Frames sent per second at most while playing. The browser's echo keeps at most a few frames
        in flight, so a slower browser gets fewer; 40 (not 30) because the browser folds some frames
        together, and ~30 of them must reach the screen.

    Attributes
    ----------
    network : nnviz.core.Network
        The live network (a new object after a data or architecture change). Assign one (e.g.
        ``pg.network = Network.load(path)``, with the same inputs and problem type) and every view
        follows it.
    session : TrainingSession
        Network, data, training settings (traits ``lr``, ``batch_size``, ``optimizer``...), the loop
        and its events; explorers build views on one.
    settings : PlaygroundSettings
        The data, network and view settings as traits (``dataset``, ``noise``, ``hidden``...).
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

    _closed_message = "this Playground is closed: create a new one, e.g. Playground(config=pg.config)"

    @records_models
    def __init__(self, data=None, config=None, locked=None, hidden=None, *, task=None, max_fps: float = 40.0):
        self._closed = False
        self._custom = self._check_data(data, task)
        if self._custom is not None:
            # your data win over the config's data set; the config's other settings are kept
            config = {**(config if isinstance(config, dict) else {}), "dataset": CUSTOM}
        c = check_config(config, has_custom_data=self._custom is not None)
        self._locked = check_controls("locked", locked)
        self._hidden = check_controls("hidden", hidden)
        if isinstance(max_fps, bool) or not isinstance(max_fps, (int, float)) or not 0 < max_fps <= 120:
            raise ValueError(f"max_fps must be a number in (0, 120], got {describe(max_fps)}")
        self.status = StatusArea()
        self._syncing = False
        self.settings = PlaygroundSettings(c, has_custom_data=self._custom is not None)

        self._make_data()
        self.builder = ArchitectureBuilder(
            features=c["features"], hidden=c["hidden"], activation=c["activation"], activations=c["activations"],
            status=self.status,
        )
        network = self._build_network(c)
        self.session = PlaygroundSession(
            network, self._X_train, self._y_train, self._X_test, self._y_test, features=c["features"],
            max_fps=max_fps, name="playground", **{k: c[k] for k in SESSION_KEYS})
        # the slider is bound to session.lr (the session writes the network's rate), so it holds no network
        self.lr_control = LearningRateControl(None, value=c["lr"], status=self.status)
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
        self.problem = HTML()
        add_class(self.problem, "nnviz-problem")
        # the views live on the session: they follow its network and redraw on its frames (the graph
        # and the loss chart at most every GRAPH_EVERY / CHART_EVERY seconds while playing)
        for view, every in ((self.decision_plot, 0.0), (self.graph, GRAPH_EVERY), (self.loss_chart, CHART_EVERY)):
            self.session.add_view(view, every)

        super().__init__(self._layout())
        add_class(self, "nnviz-playground")
        self._links = self._bind()
        self._wire()
        self._apply_locks()
        self._align_builder()
        self._describe_problem()
        self._draw()
        self._greet()
        self.session.track_views(self)

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
    def _check_data(data, task=None):
        """Check ``data=(X, y)``; return ``(X, y, task, n_classes)`` or None.

        Labels stored as floats (as read from a CSV file) whose values are all whole numbers in
        0..7 are class labels (0/1: binary, else multi-class); other floats are regression targets.
        ``task=`` overrides the guess.
        """
        if task is not None and task not in TASK_CHOICES:
            raise ValueError(f"task must be one of {', '.join(map(repr, TASK_CHOICES))} or None; got {describe(task)}")
        if data is None:
            if task is not None:
                raise ValueError("task= describes your own labels: pass data=(X, y) as well")
            return None
        if not isinstance(data, (tuple, list)) or len(data) != 2:
            raise TypeError(f"data must be a pair (X, y) of arrays or None, got {describe(data)}")
        X, y = data
        if task is None:
            labels = np.asarray(y)
            if labels.dtype.kind == "f" and labels.size and np.isfinite(labels).all():
                values = np.unique(labels)
                if (values == np.round(values)).all() and values.min() >= 0 and values.max() < N_CLASSES_RANGE[1]:
                    task = "binary" if values.max() <= 1 else "multiclass"
        try:
            X, y = check_dataset(X, y, task=task)
        except (TypeError, ValueError) as exc:
            raise type(exc)(f"data: {exc}") from None
        if task is None:
            task = "regression" if y.dtype.kind == "f" else ("binary" if y.max() <= 1 else "multiclass")
        n_classes = None if task == "regression" else max(2, int(y.max()) + 1)
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
        levels = len(self._units()) - 1
        return max(GRAPH_WIDTH, self.graph.left_margin + COLUMN_MIN * levels)

    def _graph_height(self) -> int:
        """NEURON_ROW px per neuron of the largest column (inputs and output included), within limits."""
        return int(min(GRAPH_HEIGHT, max(GRAPH_MIN_HEIGHT, NEURON_ROW * max(self._units()))))

    def _units(self) -> list[int]:
        """Units per level, inputs first: ``[2, 4, 2, 1]``."""
        return list(self.network.units_per_level())

    def _align_builder(self) -> None:
        """Line the per-layer controls up with the graph's columns."""
        width = self.graph.column_width
        self._builder_spacer.layout.width = f"{int(self.graph.left_margin + width)}px"
        self.builder.set_column_width(int(width))

    # ================================================================== data and network
    def _task(self) -> tuple[str, int | None]:
        """(problem type, number of classes) of the current data."""
        s = self.settings
        if s.dataset == CUSTOM:
            return self._custom[2], self._custom[3]
        params = {"n_classes": s.n_classes} if dataset_info(s.dataset).task == "multiclass" else {}
        info = dataset_info(s.dataset, **params)
        return info.task, info.n_classes

    def _make_data(self) -> None:
        s = self.settings
        if s.dataset == CUSTOM:
            X, y = self._custom[0], self._custom[1]
        else:
            params = {"n_classes": s.n_classes} if dataset_info(s.dataset).task == "multiclass" else {}
            X, y = make_dataset(s.dataset, noise=s.noise, seed=s.seed, **params)
        self._X_train, self._X_test, self._y_train, self._y_test = train_test_split(
            X, y, train_ratio=s.train_ratio, seed=s.seed)

    def _build_network(self, c: dict | None = None) -> Network:
        """A fresh network for the builder's spec and the current settings (or config ``c``)."""
        if c is None:
            c = {**self.settings.values(), **self.session.config()}
        task, n_classes = self._task()
        rate = c["reg_rate"]
        l1 = rate if c["regularization"] == "l1" else 0.0
        l2 = rate if c["regularization"] == "l2" else 0.0
        from nnviz.core import SGD, Adam

        optimizer = Adam(c["lr"]) if c["optimizer"] == "adam" else SGD(
            c["lr"], momentum=c["momentum"] if c["optimizer"] == "momentum" else 0.0)
        return self.builder.build(task, n_classes, dropout=c["dropout"], optimizer=optimizer, l1=l1, l2=l2,
                                  seed=c["net_seed"])

    def _rebuild(self, why: str) -> None:
        """A new network for the current settings; every view follows it (through the session)."""
        self.pause(redraw=False)
        network = self._build_network()
        self.session.set_data(self._X_train, self._y_train, self._X_test, self._y_test,
                              features=self.settings.features, network=network)
        self.session.network = network
        self.status.info(f"{why} — new network {self._arch()}, epoch 0.")

    def _follow_network(self, change) -> None:
        """``session.network`` was replaced (the session's views already show it): the layout follows."""
        net = change["new"]
        self.remove_class("nnviz-diverged")
        if (self.graph.width, self.graph.height) != (self._graph_width(), self._graph_height()):
            self.graph.set_size(self._graph_width(), self._graph_height())
            self._network_column.layout.width = f"{self.graph.width + 2}px"
        self._sync_builder(net)
        self._align_builder()
        self._describe_problem()
        self.training_controls.set_epoch(net.epoch_)

    def _session_data(self) -> tuple:
        s = self.session
        return s.X_train, s.y_train, s.X_test, s.y_test

    def _sync_builder(self, net) -> None:
        """The builder (and the settings) show the network's hidden layers, without a rebuild."""
        hidden, activations = self._hidden_of(net)
        if (hidden, activations) == (self.builder.hidden, self.builder.activations):
            return
        self._syncing = True
        try:
            try:
                self.builder.spec = {"hidden": hidden, "activations": activations}
            except (TypeError, ValueError) as exc:
                self.status.warning(f"The builder cannot show this network ({exc}); it trains as it is.")
                return
            with self.settings.hold_trait_notifications():
                self.settings.hidden, self.settings.activations = hidden, activations
        finally:
            self._syncing = False

    @staticmethod
    def _hidden_of(net) -> tuple[list[int], list[str]]:
        return list(net.units_per_level())[1:-1], [level.activation.name for level in net.mlp_levels()[:-1]]

    def _arch(self) -> str:
        text = repr(self.network)
        return text[len("Network("):].split(", loss=")[0]

    def _describe_problem(self) -> None:
        task, k = self._task()
        text = {"binary": "Classification (2 classes)", "multiclass": f"Classification ({k} classes)",
                "regression": "Regression"}[task]
        self.problem.value = f"<span class='nnviz-small'>Problem type</span> <b>{text}</b>"

    # ================================================================== drawing
    def _draw(self, playing: bool = False) -> None:
        """Redraw the views from the network's current weights (marks updated in place).

        While ``playing``, the graph and the loss chart are redrawn only every ``GRAPH_EVERY`` and
        ``CHART_EVERY`` seconds; the decision boundary and the epoch counter every frame.
        """
        if self._closed:
            return
        self.session.redraw(playing)
        self.training_controls.set_epoch(self.network.epoch_)

    def _on_frame(self, event) -> None:
        # the session has redrawn its views; the epoch counter is the Playground's
        self.training_controls.set_epoch(self.network.epoch_)

    def _train(self, epochs: int) -> int:
        """Train ``epochs`` epochs without redrawing (the benchmarks time this)."""
        return self.session.train(epochs)

    def _play_frame(self) -> bool:
        """One frame of the live loop: train, redraw (the benchmarks time this)."""
        return self.session._play_frame()

    def _set_playing(self, playing: bool) -> None:
        self.training_controls.set_playing(playing, locked="play" in self._locked)
        if playing:
            self.add_class("nnviz-playing")
        else:
            self.remove_class("nnviz-playing")

    # ================================================================== public handle
    @property
    def network(self) -> Network:
        """The live network; assign one (e.g. ``Network.load(path)``) and every view follows it."""
        return self.session.network

    @network.setter
    def network(self, network) -> None:
        if not isinstance(network, Network):
            raise TypeError(f"network must be an nnviz.core.Network, got {describe(network)}")
        task, k = self._task()
        if network.task != task or (task == "multiclass" and network.n_outputs != k):
            what = f"{task} ({k} classes)" if task == "multiclass" else task
            raise ValueError(f"network must fit the data, a {what} problem; got a {network.task} network with "
                             f"{network.n_outputs} output(s): {network!r}")
        self.session.network = network
        self.status.info(f"New network {self._arch()}, epoch {network.epoch_}.")

    @property
    def playing(self) -> bool:
        """True while the background training task runs."""
        return self.session.playing

    @property
    def _loop(self):
        return self.session.loop

    def play(self) -> None:
        """Train continuously in the background (needs a running event loop, as in Jupyter)."""
        self._check_open()
        if self.session.playing:
            return
        self.session.play()
        self.remove_class("nnviz-diverged")
        if self.status.kind in ("error", "info"):
            self.status.clear()  # the last hint or error is history now

    def pause(self, redraw: bool = True) -> None:
        """Stop training after the current frame (on screen at once: no frame is queued)."""
        self.session.pause(redraw=redraw and not self._closed)

    def step(self, n: int = 1) -> None:
        """Train ``n`` epochs now (synchronously), then redraw. One step = one epoch.

        A divergence stops early and is shown in the widget (see :attr:`diverged`).
        """
        self._check_open()
        self.session.step(n)

    def reset(self) -> None:
        """New random initial weights (a new ``net_seed``), epoch 0; data and settings are kept."""
        self._check_open()
        self.settings.net_seed = new_seed()
        self._rebuild("Reset: new random weights")

    @property
    def history(self):
        """The live network's :class:`~nnviz.core.History` (loss, accuracy, val_loss… per epoch)."""
        return self.network.history

    @property
    def diverged(self) -> str | None:
        """The message of the last divergence, or None."""
        return self.session.diverged

    @property
    def data(self) -> tuple:
        """``(X_train, y_train, X_test, y_test)``: the points (x1, x2) and labels in use."""
        return self._session_data()

    @property
    def features(self) -> list[str]:
        return list(self.settings.features)

    @property
    def config(self) -> dict:
        """The whole state as plain JSON-safe data; ``Playground(config=pg.config)`` rebuilds it.

        Keys: ``dataset``, ``n_classes``, ``noise`` (0–0.5), ``seed`` (data), ``train_ratio``,
        ``features``, ``hidden``, ``activation``, ``activations``, ``lr``, ``batch_size``, ``optimizer``
        (``"sgd"``, ``"momentum"``, ``"adam"``), ``momentum``, ``regularization`` (``"none"``, ``"l1"``,
        ``"l2"``), ``reg_rate``, ``dropout``, ``discretize``, ``show_test``, ``speed``, ``net_seed``
        (initial weights). They are the values of the traits of :attr:`settings` and :attr:`session`.
        Trained weights are not part of it (save them with ``pg.network.save``).
        """
        values = {**self.settings.values(), **self.session.config()}
        return copy.deepcopy({key: values[key] for key in DEFAULTS})

    @property
    def locked(self) -> list[str]:
        return list(self._locked)

    def snapshot(self, title: str | None = None):
        """A matplotlib figure of the current state (network, decision boundary, loss curve) for export."""
        from nnviz.plots import snapshot_figure

        if title is None:
            title = f"{self._data_name()} · {self._arch()}"  # the figure's subtitle gives the epoch and losses
        X_train, y_train, X_test, y_test = self.data
        return snapshot_figure(self.network, X_train, y_train, X_test, y_test,
                               history=self.network.history, features=self.features, title=title)

    def save_gif(self, path, epochs: int = 50, frames: int | None = None, fps: float = 8):
        """Write a GIF of training **the live network** for ``epochs`` more epochs, from its current state.

        ``frames`` defaults to 25 (or one per epoch, and the start, for fewer epochs). The network
        really trains (the widget shows the result afterwards); to keep the current weights, save
        them first (``pg.network.state_dict()``). Returns the path written.
        """
        from nnviz.plots import save_training_gif

        self._check_open()
        if frames is None:
            frames = min(25, epochs + 1) if isinstance(epochs, int) and epochs >= 1 else 25
        self.pause(redraw=False)
        X_train, y_train, X_test, y_test = self.data
        try:
            return save_training_gif(self.network, X_train, y_train, path, epochs=epochs, frames=frames,
                                     batch_size=self.session.batch_size, X_test=X_test, y_test=y_test,
                                     features=self.features, fps=fps)
        except DivergedError as exc:
            self.session._on_diverged(exc)
            raise
        finally:
            self.session._set("epoch", self.network.epoch_)
            self._draw()

    # ================================================================== life-cycle
    def _repr_mimebundle_(self, **kwargs):
        # shown in a notebook: a loop that no front end ever answers will stop (see FrameLoop.displayed)
        self.session.loop.displayed = True
        return super()._repr_mimebundle_(**kwargs)

    def _stop_work(self) -> None:
        session = getattr(self, "session", None)  # absent when __init__ failed
        if session is not None:
            session.close()
        for lnk in getattr(self, "_links", []):
            lnk.unlink()

    # ================================================================== controls <-> traits
    def _bind(self) -> list:
        """Link every setting's trait to its control: the config key names both (``CONTROLS``).

        A setting held by the session (:data:`~nnviz.widgets.settings.SESSION_KEYS`) links to
        ``pg.session``, the others to ``pg.settings``; sliders in percent go through
        :data:`CONTROL_TRANSFORMS`. So adding a setting is a trait and a control of the same name.
        """
        controls = {**self.data_controls.controls, **self.training_controls.controls, "lr": [self.lr_control.slider]}
        links = []
        for key in DEFAULTS:
            if key not in controls:
                continue  # set through the builder (features, layers...) or only from Python (seeds)
            owner = self.session if key in SESSION_KEYS else self.settings
            transform = CONTROL_TRANSFORMS.get(key)
            pair = ((owner, key), (controls[key][0], "value"))
            links.append(link(*pair, transform=transform) if transform else link(*pair))
        return links

    def _wire(self) -> None:
        dc, tc, s, st = self.data_controls, self.training_controls, self.session, self.settings
        st.observe(self._on_data_setting, ["dataset", "n_classes", "noise", "train_ratio", "seed"])
        st.observe(self._on_view_setting, ["show_test", "discretize"])
        st.observe(self._on_architecture_setting, ["features", "hidden", "activation", "activations"])
        self.builder.observe(self._on_architecture, "spec")
        dc.regenerate.on_click(self._on_regenerate)
        tc.play_button.on_click(self._on_play)
        tc.pause_button.on_click(self._on_pause)
        tc.step_button.on_click(self._on_step)
        tc.reset_button.on_click(self._on_reset)
        s.observe(self._on_training_setting, ["lr", "batch_size", "optimizer", "momentum", "regularization",
                                              "reg_rate", "dropout"])
        s.observe(self._follow_network, "network")
        s.observe(self._on_playing, "playing")
        s.observe(self._on_diverged, "diverged")
        s.observe(self._on_message, "message")
        s.observe(self._on_warning, "warning")
        s.on_frame(self._on_frame)
        self.graph.on_weight_change.append(self._on_weight_edit)

    def _refresh_enabled(self) -> None:
        """Enable what makes sense now; locked controls stay disabled."""
        dc, tc, st = self.data_controls, self.training_controls, self.settings
        custom = st.dataset == CUSTOM
        multiclass = not custom and dataset_info(st.dataset).task == "multiclass"
        locked = set(self._locked)
        set_visible(dc.n_classes, multiclass and "n_classes" not in self._hidden)
        dc.noise.disabled = custom or "noise" in locked
        dc.regenerate.tooltip = "a new split of your data into train and test" if custom else "new random data (a new seed)"
        tc.momentum.disabled = self.session.optimizer != "momentum" or "momentum" in locked
        tc.reg_rate.disabled = self.session.regularization == "none" or "reg_rate" in locked

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

    # ================================================================== callbacks (one job each)
    def _data_name(self) -> str:
        st = self.settings
        return "your data" if st.dataset == CUSTOM else DATASET_LABELS.get(st.dataset, st.dataset)

    def _data_label(self) -> str:
        st = self.settings
        if st.dataset == CUSTOM:
            return "your data"
        return f"{self._data_name()}, noise {format_number(st.noise)}"

    def _new_data(self, why: str) -> None:
        self._make_data()
        self._refresh_enabled()
        self._rebuild(f"{why} ({self._data_label()}, {int(round(self.settings.train_ratio * 100))}% train)")

    @guarded
    def _on_data_setting(self, change) -> None:
        why = {"dataset": "New data", "n_classes": f"{change['new']} classes", "noise": "New noise",
               "train_ratio": "New train/test split", "seed": "Regenerated data"}[change["name"]]
        self._new_data(why)

    @guarded
    def _on_view_setting(self, change) -> None:
        setattr(self.decision_plot, change["name"], bool(change["new"]))

    @guarded
    def _on_regenerate(self, _button) -> None:
        self.settings.seed = new_seed()

    @guarded
    def _on_architecture_setting(self, change) -> None:
        """``pg.settings.hidden = [...]`` (etc.) from Python: the builder takes it (and rebuilds)."""
        if self._syncing:
            return
        st = self.settings
        spec = {"features": list(st.features), "hidden": list(st.hidden), "activation": st.activation}
        if change["name"] == "activations" or len(st.activations) == len(st.hidden):
            spec["activations"] = list(st.activations)
        self.builder.spec = spec

    @guarded
    def _on_architecture(self, change) -> None:
        spec = change["new"]
        if self._syncing:
            return
        self._syncing = True
        try:
            with self.settings.hold_trait_notifications():
                self.settings.features = list(spec["features"])
                self.settings.hidden = list(spec["hidden"])
                self.settings.activation = spec["activation"]
                self.settings.activations = list(spec["activations"])
        finally:
            self._syncing = False
        self._rebuild("Architecture changed")

    @guarded
    def _on_training_setting(self, change) -> None:
        self._refresh_enabled()
        if self.session._syncing:
            return  # the settings of a new network, not a change by the learner
        name, v = change["name"], change["new"]
        if name == "optimizer":
            old = change["old"]
            if {old, v} <= {"sgd", "momentum"}:
                text = f"{'SGD + momentum' if v == 'momentum' else 'Plain SGD'} from the next step (weights kept)."
            else:
                label = {"sgd": "SGD", "momentum": "SGD + momentum", "adam": "Adam"}[v]
                text = (f"Optimizer is now {label}: a fresh optimizer (no momentum/moment history yet); "
                        "the weights are kept.")
        elif name in ("regularization", "reg_rate"):
            kind = self.session.regularization
            what = "No regularization" if kind == "none" else f"{kind.upper()} rate {format_number(self.session.reg_rate)}"
            text = f"{what} from the next step (weights kept)."
        elif name == "dropout":
            if not any(isinstance(layer, Dropout) for layer in self.network.layers):
                if v > 0:
                    self._rebuild(f"Dropout {v:.2f} added after each hidden layer")
                return
            text = f"Dropout {v:.2f} from the next step (weights kept)."
        else:
            shown = f"{v:.2f}" if name == "momentum" else format_number(v) if name == "lr" else v
            text = _SETTING_MESSAGES[name].format(v=shown)
        self.status.info(text)

    def _on_playing(self, change) -> None:
        self._set_playing(bool(change["new"]))

    def _on_diverged(self, change) -> None:
        if change["new"] is None:
            self.remove_class("nnviz-diverged")
        else:
            self.add_class("nnviz-diverged")

    def _on_message(self, change) -> None:
        text = change["new"]
        if not text:
            return
        if self.session.diverged is not None and text.startswith("Diverged"):
            self.status.error(text, title=self.session.diverged)
        elif text.startswith("Training stopped"):
            self.status.error(text)
        else:
            self.status.info(text)

    def _on_warning(self, change) -> None:
        if change["new"]:
            if self.status.kind != "error":  # a divergence's message stays until it is history
                self.status.warning(change["new"])
        elif self.status.kind == "warning" and self.status.text == change["old"]:
            self.status.clear()

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
    def _on_weight_edit(self, layer, i, j, value) -> None:
        self.decision_plot.update()
        F_train, _ = self.session.inputs
        loss, _acc = self.network.evaluate(F_train, self.session.y_train)
        self.status.info(f"Weight set to {value:g}; training loss now {loss:.3f}. Training continues from it.")

    def __repr__(self) -> str:
        if self._closed:
            return "Playground(closed)"
        state = "playing" if self.playing else "paused"
        return (f"Playground({self._data_label()}; {self._arch()}; lr={format_number(self.session.lr)}, "
                f"epoch {self.network.epoch_}, {state})")
