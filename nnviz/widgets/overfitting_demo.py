"""The overfitting demo: a small noisy training set, a big network, and what regularisation changes.

Two :class:`~nnviz.widgets.TrainingSession` objects train side by side from the same initial weights
(a :class:`~nnviz.widgets.SessionGroup` plays them together): the **over-fitted** network (no
regularisation) and the **regularised** one (the chosen L1/L2 penalty, dropout and early stopping,
:class:`nnviz.core.EarlyStopping`). The views: both networks' train and test loss, their decision
boundaries side by side, accuracy and a confusion matrix whose cells highlight their points on the
map, and a capacity sweep (:class:`nnviz.analysis.CapacitySweeper`) that runs in slices in the
background so the kernel answers meanwhile.
"""
from __future__ import annotations

import asyncio
import time

import numpy as np
from ipywidgets import (HTML, Button, Checkbox, FloatSlider, HBox, IntProgress, IntSlider, Layout,
                        SelectionSlider, ToggleButtons, VBox, link)
from traitlets import Bool, Float, Int

from nnviz.analysis import DEFAULT_WIDTHS, CapacitySweeper, confusion_cells, confusion_matrix
from nnviz.core import Adam, Dense, Dropout, EarlyStopping, Network, parameters_to_vector, vector_to_parameters
from nnviz.data import make_dataset, train_test_split

from ._common import add_class, check_float, check_int, describe, escape, format_epoch, format_number, guarded
from ._config import REG_RATES
from ._loop import running_loop
from ._owned import OwnsModels, records_models
from ._style import style_widget
from .decision_plot import DecisionBoundaryPlot
from .overfitting_views import SERIES_COLORS, CapacityChart, ConfusionMatrixView, PairLossChart
from .session import SessionGroup, TrainingSession
from .status import ReportsErrors, StatusArea

__all__ = ["OverfittingDemo"]

FEATURES = ("x1", "x2")
#: The defaults, measured (benchmarks/bench_overfitting.py prints the figures): 50 noisy training
#: points of the circle (label noise 0.4, data seed 2) and 500 test points, a 2-32-32-1 tanh network
#: (1,185 parameters), Adam at 0.01, batches of 10. Unregularised, the test loss is lowest (0.425) at
#: epoch 37 and climbs to 1.6 by epoch 400 while the training loss falls to 0.04 (test accuracy 82% ->
#: 70%); with L2 0.01 it ends at 0.47 (81%); early stopping alone (patience 30) stops after epoch 73
#: with the weights of epoch 43 (test loss 0.416). The capacity sweep (one hidden layer of 1 … 128
#: units) has its lowest test error, 0.216, at 8 units: 0.38 at 1 unit, 0.31 at 128 (train error 0).
DEFAULTS = {
    "dataset": "circle", "noise": 0.4, "n_train": 50, "n_test": 500, "seed": 2, "layers": 2, "neurons": 32,
    "lr": 0.01, "batch_size": 10, "net_seed": 0, "regularization": "l2", "reg_rate": 0.01, "dropout": 0.0,
    "early_stopping": True, "patience": 30, "speed": 5,
}
NEURON_CHOICES = (2, 4, 8, 16, 32, 64)
LAYER_RANGE = (1, 4)
N_TRAIN_RANGE = (10, 250)
PATIENCE_RANGE = (1, 300)
MAP_SIZE = 232
#: While playing, the loss chart, accuracy and confusion matrix redraw at most this often (seconds).
NUMBERS_EVERY = 0.2
#: The capacity sweep trains about this long per slice (seconds), ``SWEEP_EPOCHS`` epochs per call,
#: then gives the event loop back for ``SWEEP_PAUSE`` seconds (the kernel answers in between).
SWEEP_SLICE, SWEEP_EPOCHS, SWEEP_PAUSE = 0.03, 5, 0.005
STEP_EPOCHS = 10
_STYLE = {"description_width": "92px"}


def _control_layout() -> Layout:
    return Layout(width="232px")


class _PairGroup(SessionGroup):
    """A SessionGroup that leaves out the sessions ``hold(session)`` holds back (an early-stopped one)."""

    def __init__(self, sessions, hold, max_fps: float):
        super().__init__(sessions, max_fps=max_fps)
        self._hold = hold

    def _active(self) -> list:
        return [s for s in super()._active() if not self._hold(s)]

    def step(self, n: int = 1) -> None:
        """``n`` epochs for each session not held back."""
        self.pause()
        for s in self._active():
            s.step(n)


class OverfittingDemo(OwnsModels, ReportsErrors, VBox):
    """Overfitting, live: a big network learns a small noisy training set by heart; regularisation helps.

    Two networks start from **identical weights** and train side by side on the same data: the
    **over-fitted** one (orange: no regularisation) and the **regularised** one (blue: the L1 or L2
    penalty, dropout and early stopping chosen on the left). Watch the over-fitted network's test loss
    climb while its training loss falls, compare the two decision boundaries, click a cell of the
    confusion matrix to see its points on the map, and run the capacity sweep (train and test error
    against the number of hidden units, every width trained to convergence, in the background).

    The data and capacity controls (training points, noise, hidden layers, neurons) build new networks
    for both (epoch 0, the same start again); the regularised network's settings are the traits of
    :attr:`regularised` (``regularization``, ``reg_rate``, ``dropout``) and apply at its next step,
    weights kept. **Early stopping** (:class:`nnviz.core.EarlyStopping` on the test loss) stops the
    regularised network ``patience`` epochs after its best epoch, restores that epoch's weights and
    marks it on the loss chart; *Restore best* restores them at any time.

    Parameters
    ----------
    network : nnviz.core.Network or None
        A classifier with 2 inputs and hidden Dense layers: it is the over-fitted network (trained in
        place, at its own optimiser and learning rate) and the regularised one starts from a copy of its
        weights. None: the defaults' 2-32-32-1 tanh network. A data or capacity change builds new
        networks from the demo's settings.
    data : (X_train, y_train, X_test, y_test) or None
        Your own points (2 columns) and class labels; the data controls are then disabled. None:
        the circle data set, made from ``n_train``, ``noise`` and ``seed``.
    n_train, noise, n_test, seed, dataset
        The generated data (see :data:`DEFAULTS`): training points, label noise in [0, 0.5], test
        points, data seed, data set name.
    layers, neurons, lr, batch_size, net_seed
        The networks (built by ``Network.mlp`` with tanh units and Adam).
    regularization, reg_rate, dropout, early_stopping, patience
        The regularised network's settings.
    speed : int, default 5
        Epochs per frame while playing (the same for both networks, so they stay side by side).
    sweep_widths : sequence of int, default (1, 2, 4, ..., 128)
        Hidden units tried by the capacity sweep (one hidden layer each).
    sweep_options : dict or None
        More :class:`~nnviz.analysis.CapacitySweeper` arguments (``max_epochs``, ``patience``...).
    max_fps : float, default 30

    Attributes
    ----------
    overfit, regularised : TrainingSession
        The two sessions; ``group`` plays them together.
    stopper : nnviz.core.EarlyStopping
        Early stopping of the regularised network (``best_epoch``, ``best_weights``...).
    overfit_plot, regularised_plot : DecisionBoundaryPlot
        The two decision boundaries (``.map`` is each one's CanvasMap): the training points with white
        rings, the test points (black rings) when *show test points* is ticked.
    loss_chart : PairLossChart
    confusion : ConfusionMatrixView
    accuracy : ipywidgets.HTML
    capacity_chart : CapacityChart
    sweeper : CapacitySweeper or None
        The last capacity sweep started.
    n_train, noise, layers, neurons, early_stopping, patience : traits
        The demo's own settings; each control is linked to one.
    status : StatusArea

    Examples
    --------
    >>> demo = OverfittingDemo()
    >>> demo.step(200)                      # both networks, 200 epochs (headless)
    >>> demo.overfit.network.history["val_loss"][-1] > demo.overfit.network.history["loss"][-1]
    True
    >>> demo.regularised.reg_rate = 0.03    # the regularised network's L2 rate, from the next step
    >>> demo.run_sweep()                    # the capacity sweep, now (demo.start_sweep() in the background)
    """

    n_train = Int(DEFAULTS["n_train"], help="Training points (generated data only).")
    noise = Float(DEFAULTS["noise"], help="Label noise of the generated data, in [0, 0.5].")
    layers = Int(DEFAULTS["layers"], help="Hidden layers of both networks.")
    neurons = Int(DEFAULTS["neurons"], help="Neurons per hidden layer of both networks.")
    early_stopping = Bool(DEFAULTS["early_stopping"], help="Early stopping of the regularised network.")
    patience = Int(DEFAULTS["patience"], help="Epochs without a better test loss before it stops.")

    @records_models
    def __init__(self, network=None, data=None, *, n_train: int = DEFAULTS["n_train"], noise: float = DEFAULTS["noise"],
                 n_test: int = DEFAULTS["n_test"], seed: int = DEFAULTS["seed"], dataset: str = DEFAULTS["dataset"],
                 layers: int = DEFAULTS["layers"], neurons: int = DEFAULTS["neurons"], lr: float = DEFAULTS["lr"],
                 batch_size: int = DEFAULTS["batch_size"], net_seed: int = DEFAULTS["net_seed"],
                 regularization: str = DEFAULTS["regularization"], reg_rate: float = DEFAULTS["reg_rate"],
                 dropout: float = DEFAULTS["dropout"], early_stopping: bool = DEFAULTS["early_stopping"],
                 patience: int = DEFAULTS["patience"], speed: int = DEFAULTS["speed"], sweep_widths=DEFAULT_WIDTHS,
                 sweep_options=None, max_fps: float = 30.0):
        self._closed = False
        self._custom = self._check_data(data)
        if network is not None and not isinstance(network, Network):
            raise TypeError(f"network must be an nnviz.core.Network or None, got {describe(network)}")
        self._dataset = dataset
        self._n_test = check_int("n_test", n_test, low=10)
        self._seed = check_int("seed", seed, low=0)
        self._net_seed = check_int("net_seed", net_seed, low=0)
        self._lr = check_float("lr", lr, low=0.0, low_open=True)
        self._batch_size = check_int("batch_size", batch_size, low=1)
        self._sweep_widths = tuple(check_int(f"sweep_widths[{i}]", w, low=1) for i, w in enumerate(sweep_widths))
        if sweep_options is not None and not isinstance(sweep_options, dict):
            raise TypeError(f"sweep_options must be a dict of CapacitySweeper arguments or None, got {describe(sweep_options)}")
        self._sweep_options = dict(sweep_options or {})
        # the demo's own settings (traits, not synced: set before the widget is built)
        self.n_train = check_int("n_train", n_train, low=N_TRAIN_RANGE[0], high=N_TRAIN_RANGE[1])
        self.noise = check_float("noise", noise, low=0.0, high=0.5)
        self.layers = check_int("layers", layers, low=LAYER_RANGE[0], high=LAYER_RANGE[1])
        self.neurons = check_int("neurons", neurons, low=1, high=256)
        self.early_stopping = bool(early_stopping)
        self.patience = check_int("patience", patience, low=PATIENCE_RANGE[0], high=PATIENCE_RANGE[1])
        self.status = StatusArea()
        self.stopper = EarlyStopping("val_loss", patience=self.patience, restore_best=True)
        self._announced_stop = None
        self._numbers_at = 0.0
        self._sweep_task = None
        self.sweeper = None
        self.sweep_slices = 0

        self._make_data()
        if network is not None:
            self._check_network(network)
            if network.n_inputs != 2:
                raise ValueError(f"network must have 2 inputs (the points of the plane), got {network.n_inputs}")
            hidden = network.units_per_level()[1:-1]
            if not hidden:
                raise ValueError(f"network must have at least one hidden layer (a big one overfits), got {network!r}")
            self.layers, self.neurons = len(hidden), max(hidden)
        plain, reg = self._build_networks(network, regularization, reg_rate, dropout)
        data = self._data
        lr = None if network is not None else self._lr  # your network trains at its own learning rate
        self.overfit = TrainingSession(plain, *data, features=FEATURES, lr=lr, batch_size=self._batch_size,
                                       regularization="none", reg_rate=0.0, speed=speed, name="over-fitted network")
        self.regularised = TrainingSession(reg, *data, features=FEATURES, lr=lr, batch_size=self._batch_size,
                                           regularization=regularization, reg_rate=reg_rate, dropout=dropout,
                                           speed=speed, name="regularised network")
        self.group = _PairGroup([self.overfit, self.regularised], self._held, max_fps=max_fps)
        self._build_views()
        super().__init__(self._layout())
        add_class(self, "nnviz-overfitting")
        self._links = self._bind()
        self._wire()
        self._redraw()
        self.status.info("Press play: both networks start from the same weights. Watch the orange test loss climb.")
        self.group.track_views(self)
        self.observe(self._on_view_count, "_view_count")

    # ================================================================== checks and data
    @staticmethod
    def _check_data(data):
        if data is None:
            return None
        if not isinstance(data, (tuple, list)) or len(data) != 4:
            raise TypeError(f"data must be (X_train, y_train, X_test, y_test) or None, got {describe(data)}")
        arrays = []
        for name, X, y in (("train", data[0], data[1]), ("test", data[2], data[3])):
            X, y = np.asarray(X, dtype=float), np.asarray(y)
            if X.ndim != 2 or X.shape[1] != 2 or len(X) != len(y) or len(X) < 2:
                raise ValueError(f"data: X_{name} must be of shape (n_samples, 2) with one label per sample, got "
                                 f"X_{name} of shape {X.shape} and y_{name} of shape {y.shape}")
            if y.dtype.kind not in "biu" and not (y.dtype.kind == "f" and np.all(y == np.round(y))):
                raise TypeError(f"data: y_{name} must hold class labels (0, 1, ...), got dtype {y.dtype}")
            arrays += [X, y.astype(np.int64)]
        k = int(max(arrays[1].max(), arrays[3].max())) + 1
        if min(arrays[1].min(), arrays[3].min()) < 0 or k > 8:
            raise ValueError(f"data: labels must be classes 0..k-1 with 2 <= k <= 8, got labels from "
                             f"{min(arrays[1].min(), arrays[3].min())} to {k - 1}")
        return tuple(arrays)

    @property
    def n_classes(self) -> int:
        y_tr, y_te = self._data[1], self._data[3]
        return max(2, int(max(y_tr.max(), y_te.max())) + 1)

    def _check_network(self, network) -> None:
        k = self.n_classes
        if network.task == "regression" or (network.task == "multiclass" and network.n_outputs != k) or (
                network.task == "binary" and k != 2):
            raise ValueError(f"network must classify the data's {k} classes, got a {network.task} network with "
                             f"{network.n_outputs} output(s): {network!r}")

    def _make_data(self) -> None:
        if self._custom is not None:
            self._data = self._custom
            return
        n = self.n_train + self._n_test
        X, y = make_dataset(self._dataset, n=n, noise=self.noise, seed=self._seed)
        X_tr, X_te, y_tr, y_te = train_test_split(X, y, train_ratio=self.n_train / n, seed=self._seed)
        self._data = (X_tr, y_tr, X_te, y_te)

    @property
    def data(self) -> tuple:
        """``(X_train, y_train, X_test, y_test)`` in use."""
        return self._data

    # ================================================================== the two networks
    def _loss(self) -> tuple[str, int]:
        k = self.n_classes
        return ("bce", 1) if k == 2 else ("cross_entropy", k)

    def _build_networks(self, network=None, regularization="none", reg_rate=0.0, dropout=0.0):
        """The over-fitted network and the regularised one (Dropout layers after each hidden layer, the
        penalty), with the same parameters bit for bit."""
        if network is None:
            loss, n_out = self._loss()
            plain = Network.mlp(2, [self.neurons] * self.layers, n_outputs=n_out, activation="tanh", loss=loss,
                                optimizer=Adam(self._lr), seed=self._net_seed)
        else:
            plain = network
        layers = []
        hidden = [l for l in plain.layers if not isinstance(l, Dropout)]
        for i, layer in enumerate(hidden):
            layers.append(layer.copy())
            if isinstance(layer, Dense) and i < len(hidden) - 1:
                layers.append(Dropout(dropout))
        l1 = reg_rate if regularization == "l1" else 0.0
        l2 = reg_rate if regularization == "l2" else 0.0
        reg = Network(layers, loss=plain.loss.name, optimizer=plain.optimizer.get_config(), l1=l1, l2=l2,
                      seed=self._net_seed + 1)
        vector_to_parameters(parameters_to_vector(plain), reg)
        reg.optimizer.lr = plain.optimizer.lr
        return plain, reg

    def _rebuild(self, why: str, data_changed: bool) -> None:
        self.group.pause()
        if data_changed:
            self.cancel_sweep(f"the data changed: start the sweep again for the new data")
            self.sweeper = None
            self.capacity_chart.update(None)
            self._make_data()
        r = self.regularised
        plain, reg = self._build_networks(None, r.regularization, r.reg_rate, r.dropout)
        for session, net in ((self.overfit, plain), (self.regularised, reg)):
            session.set_data(*self._data, network=net)
            session.network = net
        self.stopper.reset()
        self._announced_stop = None
        self.confusion.select(None)
        self._redraw()
        self.status.info(f"{why}: new networks {self._arch()} for both, from the same weights, epoch 0.")

    def _arch(self) -> str:
        return " → ".join(str(u) for u in self.overfit.network.units_per_level())

    def _held(self, session) -> bool:
        return session is self.regularised and self.early_stopping and self.stopper.stopped

    # ================================================================== views and controls
    def _build_views(self) -> None:
        X_tr, y_tr, X_te, y_te = self._data
        self.overfit_plot = DecisionBoundaryPlot(self.overfit.network, X_tr, y_tr, X_te, y_te, FEATURES,
                                                 size=MAP_SIZE, title=None, show_test=False, status=self.status)
        self.regularised_plot = DecisionBoundaryPlot(self.regularised.network, X_tr, y_tr, X_te, y_te, FEATURES,
                                                     size=MAP_SIZE, title=None, show_test=False, status=self.status)
        self.overfit.add_view(self.overfit_plot)
        self.regularised.add_view(self.regularised_plot)
        self.overfit_title, self.regularised_title = HTML(), HTML()
        add_class(self.overfit_title, "nnviz-overfit-title")
        add_class(self.regularised_title, "nnviz-regularised-title")
        self.loss_chart = PairLossChart(width=440, height=200)
        names = ["orange", "blue"] if self.n_classes == 2 else None
        self.confusion = ConfusionMatrixView(self.n_classes, names)
        self.accuracy = HTML()
        add_class(self.accuracy, "nnviz-overfit-accuracy")
        self.capacity_chart = CapacityChart(self._sweep_widths, width=440, height=200)

        # -- controls
        button = dict(layout=Layout(width="auto", height="32px"))
        self.play_button = Button(description="Play", icon="play", button_style="primary", tooltip="train both", **button)
        self.pause_button = Button(description="Pause", icon="pause", disabled=True, **button)
        self.step_button = Button(description=f"+{STEP_EPOCHS} epochs", icon="step-forward",
                                  tooltip=f"train both networks {STEP_EPOCHS} epochs", **button)
        self.reset_button = Button(description="Reset", icon="undo", tooltip="both networks back to epoch 0, same start",
                                   **button)
        for b, css in ((self.play_button, "nnviz-play"), (self.pause_button, "nnviz-pause"),
                       (self.step_button, "nnviz-step"), (self.reset_button, "nnviz-reset")):
            add_class(b, css)
        self.epoch_label = HTML(layout=Layout(margin="0 10px"))
        c = dict(layout=_control_layout(), style=_STYLE, continuous_update=False)
        self.n_train_slider = IntSlider(value=self.n_train, min=N_TRAIN_RANGE[0], max=N_TRAIN_RANGE[1], step=10,
                                        description="Training pts", **c)
        self.noise_slider = FloatSlider(value=self.noise, min=0.0, max=0.5, step=0.05, description="Noise",
                                        readout_format=".2f", **c)
        self.layers_slider = IntSlider(value=self.layers, min=LAYER_RANGE[0], max=LAYER_RANGE[1],
                                       description="Hidden layers", **c)
        neurons = sorted(set(NEURON_CHOICES) | {self.neurons})
        self.neurons_slider = SelectionSlider(options=neurons, value=self.neurons, description="Neurons", **c)
        self.regularization_buttons = ToggleButtons(options=[("none", "none"), ("L1", "l1"), ("L2", "l2")],
                                                    value=self.regularised.regularization,
                                                    style={"button_width": "58px", "description_width": "92px"},
                                                    description="Penalty")
        rates = sorted(set(REG_RATES) | {float(self.regularised.reg_rate)})
        self.reg_rate_slider = SelectionSlider(options=[(format_number(r), r) for r in rates],
                                               value=float(self.regularised.reg_rate), description="Rate", **c)
        self.dropout_slider = FloatSlider(value=self.regularised.dropout, min=0.0, max=0.9, step=0.05,
                                          description="Dropout", readout_format=".2f", **c)
        self.early_stopping_box = Checkbox(value=self.early_stopping, description="Early stopping", indent=False,
                                           layout=Layout(width="232px"))
        self.patience_slider = IntSlider(value=self.patience, min=PATIENCE_RANGE[0], max=PATIENCE_RANGE[1],
                                         description="Patience", **c)
        self.restore_button = Button(description="Restore best", icon="history", tooltip=(
            "put the regularised network's weights of its best epoch (lowest test loss) back"),
            layout=Layout(width="124px", height="32px"))
        self.log_box = Checkbox(value=False, description="log loss axis", indent=False, layout=Layout(width="130px"))
        self.show_test_box = Checkbox(value=False, description="show test points on the maps", indent=False,
                                      layout=Layout(width="232px"))
        self.confusion_network = ToggleButtons(options=[("over-fitted", "overfit"), ("regularised", "regularised")],
                                               value="overfit", style={"button_width": "100px"})
        self.confusion_split = ToggleButtons(options=[("test", "test"), ("train", "train")], value="test",
                                             style={"button_width": "56px"})
        self.sweep_button = Button(description="Run capacity sweep", icon="play", button_style="info",
                                   layout=Layout(width="auto", height="32px"))
        self.cancel_button = Button(description="Cancel", icon="stop", disabled=True,
                                    layout=Layout(width="auto", height="32px"))
        self.sweep_progress = IntProgress(value=0, min=0, max=1000, layout=Layout(width="200px"))
        self.sweep_label = HTML()
        self.sweep_metric = ToggleButtons(options=[("error", "error"), ("loss", "loss")], value="error",
                                          style={"button_width": "60px"})
        for w, css in ((self.n_train_slider, "nnviz-n-train"), (self.noise_slider, "nnviz-noise"),
                       (self.layers_slider, "nnviz-layers"), (self.neurons_slider, "nnviz-neurons"),
                       (self.regularization_buttons, "nnviz-regularization"), (self.reg_rate_slider, "nnviz-reg-rate"),
                       (self.dropout_slider, "nnviz-dropout"), (self.early_stopping_box, "nnviz-early-stopping"),
                       (self.patience_slider, "nnviz-patience"), (self.restore_button, "nnviz-restore-best"),
                       (self.log_box, "nnviz-log-axis"), (self.show_test_box, "nnviz-show-test"),
                       (self.sweep_button, "nnviz-sweep"),
                       (self.cancel_button, "nnviz-sweep-cancel"), (self.sweep_progress, "nnviz-sweep-progress")):
            add_class(w, css)
        if self._custom is not None:
            for w in (self.n_train_slider, self.noise_slider):
                w.disabled = True
                w.tooltip = "your data: fixed"

    def _layout(self) -> list:
        def header(text):
            return HTML(f"<div class='nnviz-header'>{text}</div>")

        title = HTML("<span class='nnviz-title'>nnviz <b>overfitting</b></span>")
        top = HBox([title, self.play_button, self.pause_button, self.step_button, self.reset_button, self.epoch_label],
                   layout=Layout(align_items="center", flex_flow="row wrap", border_bottom="1px solid #e5e5e5",
                                 padding="0 0 4px 0", margin="0 0 6px 0"))
        reg_note = HTML("<div class='nnviz-small' style='margin:2px 0'>These apply to the <b style='color:"
                        f"{SERIES_COLORS['regularised']}'>regularised</b> network only; the "
                        f"<b style='color:{SERIES_COLORS['overfit']}'>over-fitted</b> one never has them.</div>",
                        layout=Layout(width="232px"))
        controls = VBox([header("Data (both networks)"), self.n_train_slider, self.noise_slider,
                         self.show_test_box, header("Network (both)"), self.layers_slider, self.neurons_slider,
                         header("Regularisation"), reg_note, self.regularization_buttons, self.reg_rate_slider,
                         self.dropout_slider, self.early_stopping_box, self.patience_slider,
                         HBox([self.restore_button], layout=Layout(justify_content="flex-end", width="232px"))],
                        layout=Layout(width="240px"))
        maps = HBox([VBox([self.overfit_title, self.overfit_plot]), VBox([self.regularised_title, self.regularised_plot])])
        loss_box = VBox([HBox([header("Loss"), self.log_box], layout=Layout(justify_content="space-between")),
                         self.loss_chart])
        confusion_box = VBox([header("Accuracy and confusion matrix"), self.accuracy,
                              HBox([self.confusion_network, self.confusion_split]), self.confusion],
                             layout=Layout(margin="0 0 0 12px"))
        sweep_box = VBox([header("Capacity sweep: error against hidden units"),
                          HBox([self.sweep_button, self.cancel_button, self.sweep_progress, self.sweep_metric],
                               layout=Layout(align_items="center")),
                          self.sweep_label, self.capacity_chart])
        right = VBox([maps, loss_box])
        main = HBox([controls, right], layout=Layout(align_items="flex-start", flex_flow="row wrap"))
        bottom = HBox([sweep_box, confusion_box], layout=Layout(align_items="flex-start", flex_flow="row wrap",
                                                               border_top="1px solid #eee", padding="4px 0 0 0"))
        add_class(main, "nnviz-overfit-main")
        add_class(bottom, "nnviz-overfit-bottom")
        return [style_widget(), top, main, bottom, self.status]

    def _bind(self) -> list:
        r = self.regularised
        pairs = [((self, "n_train"), self.n_train_slider), ((self, "noise"), self.noise_slider),
                 ((self, "layers"), self.layers_slider), ((self, "neurons"), self.neurons_slider),
                 ((self, "early_stopping"), self.early_stopping_box), ((self, "patience"), self.patience_slider),
                 ((r, "regularization"), self.regularization_buttons), ((r, "reg_rate"), self.reg_rate_slider),
                 ((r, "dropout"), self.dropout_slider)]
        return [link(source, (control, "value")) for source, control in pairs]

    def _wire(self) -> None:
        self.observe(self._on_data_setting, ["n_train", "noise"])
        self.observe(self._on_capacity_setting, ["layers", "neurons"])
        self.observe(self._on_early_stopping, "early_stopping")
        self.observe(self._on_patience, "patience")
        self.regularised.observe(self._on_reg_setting, ["regularization", "reg_rate", "dropout"])
        self.regularised.on_epoch(self._on_reg_epoch)
        for s in (self.overfit, self.regularised):
            s.on_frame(self._on_frame)
            s.observe(self._on_playing, "playing")
            s.observe(self._on_message, "message")
        self.play_button.on_click(self._on_play)
        self.pause_button.on_click(self._on_pause)
        self.step_button.on_click(self._on_step)
        self.reset_button.on_click(self._on_reset)
        self.restore_button.on_click(self._on_restore)
        self.log_box.observe(self._on_log, "value")
        self.show_test_box.observe(self._on_show_test, "value")
        self.confusion_network.observe(self._on_confusion_choice, "value")
        self.confusion_split.observe(self._on_confusion_choice, "value")
        self.confusion.on_cell(self._on_cell)
        self.sweep_button.on_click(self._on_sweep)
        self.cancel_button.on_click(self._on_cancel)
        self.sweep_metric.observe(self._on_sweep_metric, "value")

    # ================================================================== callbacks
    @guarded
    def _on_data_setting(self, change) -> None:
        what = "Training points" if change["name"] == "n_train" else "Noise"
        self._rebuild(f"{what} {format_number(change['new'])}: new data", data_changed=True)

    @guarded
    def _on_capacity_setting(self, change) -> None:
        self._rebuild(f"{'Hidden layers' if change['name'] == 'layers' else 'Neurons per layer'} {change['new']}",
                      data_changed=False)

    @guarded
    def _on_reg_setting(self, change) -> None:
        if self.regularised._syncing:
            return
        r = self.regularised
        what = "no penalty" if r.regularization == "none" else f"{r.regularization.upper()} {format_number(r.reg_rate)}"
        self._refresh_titles()
        self.status.info(f"Regularised network: {what}, dropout {r.dropout:.2f}, from its next step (weights kept).")

    @guarded
    def _on_early_stopping(self, change) -> None:
        self.stopper.reset()
        self._announced_stop = None
        self._redraw()
        if change["new"]:
            self.status.info(f"Early stopping on: the regularised network stops {self.patience} epochs after its "
                             "lowest test loss (counted from now) and gets that epoch's weights back.")
        else:
            self.status.info("Early stopping off: the regularised network trains on.")

    @guarded
    def _on_patience(self, change) -> None:
        self.stopper.patience = change["new"]
        self._refresh_titles()

    def _on_reg_epoch(self, session, logs) -> None:
        if self.early_stopping:
            self.stopper(session.network, logs)

    def _on_frame(self, event) -> None:
        if self._closed:
            return
        if self.early_stopping and self.stopper.stopped and self._announced_stop != self.stopper.stopped_epoch:
            self._announced_stop = self.stopper.stopped_epoch
            s = self.stopper
            self.status.success(
                f"Early stopping: the regularised network's test loss has not improved for {s.patience} epochs; it "
                f"stopped after epoch {s.stopped_epoch} and has the weights of epoch {s.best_epoch} again (test loss "
                f"{s.best:.3f}). The over-fitted network trains on.")
        now = time.perf_counter()
        if not event.playing or now - self._numbers_at >= NUMBERS_EVERY:
            self._redraw_numbers()

    def _on_playing(self, change) -> None:
        playing = self.group.playing
        self.play_button.disabled = playing
        self.pause_button.disabled = not playing
        self.play_button.button_style = "" if playing else "primary"
        self.pause_button.button_style = "warning" if playing else ""

    def _on_message(self, change) -> None:
        text = change["new"]
        if text:
            (self.status.error if text.startswith(("Diverged", "Training stopped")) else self.status.info)(
                f"{change['owner'].name.capitalize()}: {text}")

    @guarded
    def _on_play(self, _button) -> None:
        self.play()

    @guarded
    def _on_pause(self, _button) -> None:
        self.pause()

    @guarded
    def _on_step(self, _button) -> None:
        self.step(STEP_EPOCHS)

    @guarded
    def _on_reset(self, _button) -> None:
        self.reset()

    @guarded
    def _on_restore(self, _button) -> None:
        self.restore_best()

    @guarded
    def _on_log(self, change) -> None:
        self.loss_chart.log = bool(change["new"])

    @guarded
    def _on_show_test(self, change) -> None:
        for plot in (self.overfit_plot, self.regularised_plot):
            plot.show_test = bool(change["new"])

    @guarded
    def _on_confusion_choice(self, change) -> None:
        self.confusion.select(None)
        for plot in (self.overfit_plot, self.regularised_plot):
            plot.map.clear_highlight()
        self._redraw_numbers()

    @guarded
    def _on_cell(self, t: int, p: int) -> None:
        idx = self._highlight_cell()
        split = self.confusion_split.value
        which = "over-fitted" if self.confusion_network.value == "overfit" else "regularised"
        names = ["orange", "blue"] if self.n_classes == 2 else [f"class {i}" for i in range(self.n_classes)]
        self.status.info(f"{len(idx)} {split} points of class {names[t]} predicted as {names[p]}: ringed on the "
                         f"{which} network's map.")

    @guarded
    def _on_sweep(self, _button) -> None:
        self.start_sweep()

    @guarded
    def _on_cancel(self, _button) -> None:
        self.cancel_sweep()

    @guarded
    def _on_sweep_metric(self, change) -> None:
        self.capacity_chart.metric = change["new"]

    def _on_view_count(self, change) -> None:
        if change["old"] and not change["new"]:
            self.cancel_sweep("the demo is no longer shown")

    # ================================================================== drawing
    def _refresh_titles(self) -> None:
        r = self.regularised
        parts = []
        if r.regularization != "none" and r.reg_rate > 0:
            parts.append(f"{r.regularization.upper()} {format_number(r.reg_rate)}")
        if r.dropout > 0:
            parts.append(f"dropout {r.dropout:.2f}")
        if self.early_stopping:
            parts.append(f"early stopping (patience {self.patience})")
        what = " · ".join(parts) if parts else "nothing (same as the over-fitted one)"
        o, b = SERIES_COLORS["overfit"], SERIES_COLORS["regularised"]
        self.overfit_title.value = (f"<div class='nnviz-header' style='color:{o}'>Over-fitted network</div>"
                                    "<div class='nnviz-small'>no regularisation</div>")
        self.regularised_title.value = (f"<div class='nnviz-header' style='color:{b}'>Regularised network</div>"
                                        f"<div class='nnviz-small' style='max-width:{MAP_SIZE}px'>{escape(what)}</div>")

    def _redraw(self) -> None:
        self.overfit.redraw()
        self.regularised.redraw()
        self._refresh_titles()
        self._redraw_numbers()

    def _redraw_numbers(self) -> None:
        """The loss chart, the epoch counter, accuracy and the confusion matrix (current weights)."""
        self._numbers_at = time.perf_counter()
        best = self.stopper.best_epoch if self.early_stopping else None
        self.loss_chart.update(self.overfit.network.history, self.regularised.network.history, best_epoch=best)
        e1, e2 = self.overfit.network.epoch_, self.regularised.network.epoch_
        held = " (stopped early)" if self._held(self.regularised) else ""
        self.epoch_label.value = (f"<div class='nnviz-epoch-box'><span class='nnviz-small'>Epoch</span> "
                                  f"<span class='nnviz-epoch-value' data-epoch='{e1}'>{format_epoch(e1)}</span>"
                                  + (f" <span class='nnviz-small'>regularised: {e2}{held}</span>" if e2 != e1 or held else "")
                                  + "</div>")
        self.restore_button.disabled = not (self.early_stopping and self.stopper.best_weights is not None)
        self.accuracy.value = self._accuracy_html()
        counts = self._confusion_counts()
        split = self.confusion_split.value
        which = "over-fitted" if self.confusion_network.value == "overfit" else "regularised"
        self.confusion.update(counts, f"{which} network, {split} set ({int(counts.sum())} points): rows are the "
                                      "true class, columns the prediction; click a cell to ring its points on the map")
        if self.confusion.selected is not None:
            self._highlight_cell()

    def _accuracy_html(self) -> str:
        X_tr, y_tr, X_te, y_te = self._data
        rows = []
        for name, session in (("over-fitted", self.overfit), ("regularised", self.regularised)):
            net = session.network
            tr_loss, tr_acc = net.evaluate(X_tr, y_tr)
            te_loss, te_acc = net.evaluate(X_te, y_te)
            color = SERIES_COLORS["overfit" if session is self.overfit else "regularised"]
            rows.append(f"<tr><td style='color:{color};font-weight:500;padding-right:8px'>{name}</td>"
                        f"<td class='nnviz-train-accuracy'>{100 * tr_acc:.1f}%</td>"
                        f"<td class='nnviz-test-accuracy'><b>{100 * te_acc:.1f}%</b></td>"
                        f"<td>{tr_loss:.3f}</td><td><b>{te_loss:.3f}</b></td></tr>")
        head = ("<tr class='nnviz-small'><td></td><td>train acc.</td><td>test acc.</td><td>train loss</td>"
                "<td>test loss</td></tr>")
        return (f"<table class='nnviz-metrics-body' style='border-spacing:6px 1px'>{head}{''.join(rows)}</table>")

    def _confusion_target(self):
        session = self.overfit if self.confusion_network.value == "overfit" else self.regularised
        plot = self.overfit_plot if session is self.overfit else self.regularised_plot
        X_tr, y_tr, X_te, y_te = self._data
        X, y = (X_te, y_te) if self.confusion_split.value == "test" else (X_tr, y_tr)
        return session.network, plot, X, y

    def _confusion_counts(self) -> np.ndarray:
        net, _plot, X, y = self._confusion_target()
        return confusion_matrix(y, net.predict(X), self.n_classes)

    def confusion_cell_points(self, true_class: int, predicted_class: int) -> np.ndarray:
        """Indices (into the chosen split's points) of the chosen network's cell ``(true, predicted)`` now."""
        net, _plot, X, y = self._confusion_target()
        return confusion_cells(y, net.predict(X), self.n_classes)[int(true_class), int(predicted_class)]

    def _highlight_cell(self) -> np.ndarray:
        t, p = self.confusion.selected
        _net, plot, _X, _y = self._confusion_target()
        idx = self.confusion_cell_points(t, p)
        split = self.confusion_split.value
        current = plot.map.highlighted.get(split)
        if current is None or not np.array_equal(current, idx):
            plot.map.highlight(split, idx)  # replaces any highlight on this map
        other = self.regularised_plot if plot is self.overfit_plot else self.overfit_plot
        if other.map.highlighted:
            other.map.clear_highlight()
        if split == "test" and not plot.show_test:
            self.show_test_box.value = True  # the ringed points must be on the map
        return idx

    # ================================================================== public handle
    def play(self) -> None:
        """Train both networks in the background (an early-stopped regularised one stays stopped)."""
        self._check_open()
        self.group.play()
        self._on_playing(None)
        if self._held(self.regularised):
            self.status.info(f"The regularised network stopped early (epoch {self.stopper.stopped_epoch}); raise the "
                             "patience or turn early stopping off to train it on. The over-fitted one trains.")

    def pause(self) -> None:
        self.group.pause()
        self._on_playing(None)

    def step(self, n: int = 1) -> None:
        """Train both networks ``n`` epochs now, then redraw (one early-stopped stays where it is)."""
        self._check_open()
        n = check_int("n", n, low=1)
        self.group.step(n)
        self._redraw_numbers()

    def reset(self) -> None:
        """Both networks back to the same initial weights, epoch 0 (data and settings kept)."""
        self._check_open()
        self._rebuild("Reset", data_changed=False)

    def restore_best(self) -> bool:
        """Give the regularised network its best epoch's weights (lowest test loss) back now."""
        self._check_open()
        if not self.stopper.restore(self.regularised.network):
            self.status.warning("No best epoch yet: turn early stopping on and train first.")
            return False
        self.regularised.redraw()
        self._redraw_numbers()
        s = self.stopper
        self.status.success(f"Restored the regularised network's weights of epoch {s.best_epoch} (test loss {s.best:.3f}).")
        return True

    @property
    def playing(self) -> bool:
        return self.group.playing

    # -- the capacity sweep ---------------------------------------------------------------------
    def _new_sweeper(self) -> CapacitySweeper:
        X_tr, y_tr, X_te, y_te = self._data
        return CapacitySweeper(X_tr, y_tr, X_te, y_te, self._sweep_widths, **self._sweep_options)

    @property
    def sweeping(self) -> bool:
        return self._sweep_task is not None and not self._sweep_task.done()

    def start_sweep(self) -> None:
        """Run the capacity sweep in the background (in slices of ~30 ms; needs a running event loop)."""
        self._check_open()
        if self.sweeping:
            return
        loop = running_loop()
        self.sweeper = self._new_sweeper()
        self.sweep_slices = 0
        self.capacity_chart.update(None)
        self._sweep_started = time.perf_counter()
        self._show_sweep_progress()
        self.sweep_button.disabled, self.cancel_button.disabled = True, False
        self._sweep_task = loop.create_task(self._sweep_loop(self.sweeper))

    async def _sweep_loop(self, sweeper) -> None:
        try:
            while not sweeper.done:
                started = time.perf_counter()
                while not sweeper.done and time.perf_counter() - started < SWEEP_SLICE:
                    if sweeper.step(SWEEP_EPOCHS) is not None:
                        self.capacity_chart.update(sweeper.result())
                self.sweep_slices += 1
                self._show_sweep_progress()
                await asyncio.sleep(SWEEP_PAUSE)  # the kernel answers widget messages here
        except asyncio.CancelledError:
            return
        except Exception as exc:  # noqa: BLE001 - shown in the widget
            self.status.exception(exc, "Capacity sweep: ")
        finally:
            self.sweep_button.disabled, self.cancel_button.disabled = False, True

    def run_sweep(self):
        """Run the whole capacity sweep now (blocking) and draw it; returns the CapacitySweep."""
        self._check_open()
        self.cancel_sweep()
        self.sweeper = self._new_sweeper()
        self._sweep_started = time.perf_counter()
        result = self.sweeper.run(lambda s, _p: self.capacity_chart.update(s.result()))
        self._show_sweep_progress()
        return result

    def cancel_sweep(self, why: str = "") -> None:
        """Stop a running capacity sweep (the widths done so far stay on the chart)."""
        task, self._sweep_task = getattr(self, "_sweep_task", None), None
        if task is None or task.done():
            return
        task.cancel()
        self.sweep_button.disabled, self.cancel_button.disabled = False, True
        s = self.sweeper
        self.sweep_label.value = (f"<span class='nnviz-small'>Cancelled after {len(s.points)} of {len(s.widths)} "
                                  f"widths{': ' + escape(why) if why else ''}.</span>")

    def _show_sweep_progress(self) -> None:
        s = self.sweeper
        if s is None:
            return
        self.sweep_progress.value = int(round(1000 * s.progress))
        seconds = time.perf_counter() - getattr(self, "_sweep_started", time.perf_counter())
        if s.done:
            best = s.result().best_width
            text = (f"Done: {len(s.widths)} widths in {seconds:.1f} s. Lowest test error at {best} hidden units; "
                    "wider networks fit the training set better and the test set worse.")
        else:
            text = (f"Training width {s.current_width} ({len(s.points) + 1} of {len(s.widths)}), epoch {s.epochs_done}"
                    f" · {seconds:.1f} s")
        self.sweep_label.value = f"<span class='nnviz-small'>{escape(text)}</span>"

    # ================================================================== life-cycle
    def _repr_mimebundle_(self, **kwargs):
        self.group._loop.displayed = True
        return super()._repr_mimebundle_(**kwargs)

    def _stop_work(self) -> None:
        """Stop training and the sweep for good."""
        self.cancel_sweep()
        if hasattr(self, "group"):
            self.group.close()
        for lnk in getattr(self, "_links", []):
            lnk.unlink()

    def __repr__(self) -> str:
        if self._closed:
            return "OverfittingDemo(closed)"
        r = self.regularised
        reg = "no penalty" if r.regularization == "none" else f"{r.regularization} {format_number(r.reg_rate)}"
        es = f", early stopping (patience {self.patience})" if self.early_stopping else ""
        return (f"OverfittingDemo({len(self._data[0])} training points; {self._arch()}; regularised: {reg}, "
                f"dropout {r.dropout:g}{es}; epoch {self.overfit.network.epoch_}, "
                f"{'playing' if self.playing else 'paused'})")
