"""The batch & epoch explorer: which points form each mini-batch, steps and epochs counted, and how the
batch size makes the loss curve noisy."""
from __future__ import annotations

import math

import bqplot
import numpy as np
from ipywidgets import HTML, Button, HBox, Layout, SelectionSlider, VBox

from nnviz.analysis import copy_network, step_variance, steps_per_epoch

from ._common import add_class, check_int, check_network, escape, format_number, guarded
from ._legend import legend_html
from ._owned import OwnsModels, records_models
from ._style import style_widget
from .decision_plot import DecisionBoundaryPlot
from .session import SessionGroup, TrainingSession
from .status import ReportsErrors, StatusArea

__all__ = ["BatchEpochExplorer", "COMPARE_COLORS"]

#: The comparison's runs: batch size 1, 10 and the full batch (None).
COMPARE_BATCHES = (1, 10, None)
COMPARE_COLORS = ("#f59322", "#0877bd", "#222222")
MAX_POINTS = 1500
CHART_WIDTH, CHART_HEIGHT = 430, 250


def _default_problem(seed: int):
    from nnviz.core import Network
    from nnviz.data import make_dataset, train_test_split

    X, y = make_dataset("circle", n=200, noise=0.1, seed=seed)
    X_train, X_test, y_train, y_test = train_test_split(X, y, train_ratio=0.5, seed=seed)
    return Network.mlp(2, [4, 2], seed=seed), X_train, y_train, X_test, y_test, ("x1", "x2")


class BatchEpochExplorer(OwnsModels, ReportsErrors, VBox):
    """Mini-batches and epochs, seen on the data: the points of each batch light up as it trains.

    **Left**: the data and the network's decision boundary (a
    :class:`~nnviz.widgets.decision_plot.DecisionBoundaryPlot`, drawn on a CanvasMap) with the current
    mini-batch highlighted — the batch the network has just been updated on, as the session's
    :meth:`~TrainingSession.on_batch` reports it; updated per batch with **Step batch**, per frame while
    playing. The counters say how many steps an epoch takes (``ceil(n / batch size)``), the epoch, and
    the step within it. **Step batch**, **Step epoch**, **Play** and **Reset** drive one
    :class:`TrainingSession`; the batch-size and learning-rate sliders act at once, mid-epoch too.

    **Right**: the loss curve's noise. Three runs from the same initial weights with batch size 1, 10
    and the full batch, trained side by side; after every update the training loss on the whole
    training set is recorded and plotted against the *epochs* (samples seen ÷ n), so every curve has
    seen the same data at the same x — batch 1 makes n noisy steps per epoch, the full batch one smooth
    one. The legend gives each curve's step-to-step variance (:func:`nnviz.analysis.step_variance`).

    Parameters
    ----------
    network : nnviz.core.Network or None
        Trained live (the comparison trains copies of its starting weights). None: the Playground's
        2 → 4 → 2 → 1 tanh network on 100 circle points, seeded.
    X_train, y_train, X_test, y_test : array-like or None
        2-D points and labels (with ``network``).
    features : sequence of str or None, default ("x1", "x2")
        The network's input features computed from the points (one per input).
    batch_size : int, default 10
    lr : float, default 0.1
        Learning rate of the main run and of the comparison.
    seed : int, default 0

    Attributes
    ----------
    session : TrainingSession
        The main run.
    compare : SessionGroup
        The comparison's three sessions (``compare.sessions``, batch 1, 10, full).
    plot : DecisionBoundaryPlot
        Its ``map`` is the CanvasMap; ``map.highlighted["train"]`` the highlighted batch.
    batch : ndarray of int or None
        Indices into ``X_train`` of the batch the network was last updated on.
    compare_lines : list of bqplot.Lines
    counters : ipywidgets.HTML
    batch_slider, lr_slider : ipywidgets.SelectionSlider
    step_batch_button, step_epoch_button, play_button, reset_button : ipywidgets.Button
    compare_step_button, compare_play_button, compare_reset_button : ipywidgets.Button

    Examples
    --------
    >>> bx = BatchEpochExplorer()
    >>> bx.step_batch()                    # one update on 10 points, highlighted on the map
    >>> bx.batch                           # their indices in X_train
    >>> bx.step_epoch(); bx.session.epoch
    1
    >>> bx.compare_step(5)                 # 5 epochs for batch 1, 10 and the full batch
    """

    @records_models
    def __init__(self, network=None, X_train=None, y_train=None, X_test=None, y_test=None, *,
                 features=("x1", "x2"), batch_size: int = 10, lr: float = 0.1, seed: int = 0):
        seed = check_int("seed", seed, low=0)
        if network is None:
            if X_train is not None or y_train is not None:
                raise TypeError("BatchEpochExplorer takes data together with a network (or neither, for the "
                                "circle data set)")
            network, X_train, y_train, X_test, y_test, features = _default_problem(seed)
        else:
            check_network(network)
            if X_train is None or y_train is None:
                raise TypeError("BatchEpochExplorer(network, X_train, y_train, ...): pass the training data "
                                "with the network")
        self._closed = False
        self.batch = None
        self.batch_loss = None
        self.status = StatusArea()
        self._start = copy_network(network)
        self.session = TrainingSession(network, X_train, y_train, X_test, y_test, features=features, lr=lr,
                                       batch_size=batch_size, speed=1, name="batch explorer")
        n = len(self.session.X_train)
        self.compare = SessionGroup([
            TrainingSession(copy_network(network), X_train, y_train, features=features, lr=lr,
                            batch_size=n if b is None else b, speed=1, name=f"batch {b or 'full'}")
            for b in COMPARE_BATCHES], max_fps=30)
        self._curves = [([], []) for _ in COMPARE_BATCHES]  # per run: (epochs seen, loss after each step)
        self._build()
        super().__init__(self._layout())
        add_class(self, "nnviz-batch-explorer")
        self._wire()
        self.session.track_views(self)
        self.compare.track_views(self)
        self._record_compare_starts()
        self._draw_counters()
        self._draw_compare()
        self.status.info("“Step batch” trains on one mini-batch and lights its points up; an epoch is "
                         f"{self.steps_per_epoch} of them.")

    # ----------------------------------------------------------------------------------- building
    def _build(self) -> None:
        s = self.session
        self.plot = DecisionBoundaryPlot(s.network, s.X_train, s.y_train, s.X_test, s.y_test,
                                         s.features or ("x1", "x2"), size=280, title="Data · current mini-batch",
                                         status=self.status)
        self.session.add_view(self.plot)
        n = len(s.X_train)
        sizes = sorted({b for b in (1, 2, 5, 10, 20, 25, 50, 100) if b < n} | {s.batch_size, n})
        self.batch_slider = SelectionSlider(options=[(f"{b} (full)" if b == n else str(b), b) for b in sizes],
                                            value=s.batch_size, description="batch size", continuous_update=False,
                                            style={"description_width": "90px"}, layout=Layout(width="330px"))
        add_class(self.batch_slider, "nnviz-batch-size")
        from ._config import LEARNING_RATES

        rates = sorted(set(LEARNING_RATES) | {s.lr})
        self.lr_slider = SelectionSlider(options=[(format_number(r), r) for r in rates], value=s.lr,
                                         description="learning rate", continuous_update=False,
                                         style={"description_width": "90px"}, layout=Layout(width="330px"))

        def button(width):  # one Layout per button
            return dict(layout=Layout(width=width, padding="0 4px"))

        self.reset_button = Button(description="", icon="undo", tooltip="new initial weights", **button("36px"))
        self.step_batch_button = Button(description="Step batch", icon="step-forward", button_style="info",
                                        tooltip="one update on the next mini-batch", **button("104px"))
        self.step_epoch_button = Button(description="Step epoch", icon="fast-forward",
                                        tooltip="to the end of this epoch (or one whole epoch)", **button("106px"))
        self.play_button = Button(description="Play", icon="play", button_style="primary", **button("78px"))
        for b, name in ((self.reset_button, "reset"), (self.step_batch_button, "step-batch"),
                        (self.step_epoch_button, "step-epoch"), (self.play_button, "play")):
            add_class(b, f"nnviz-batch-{name}")
        self.counters = HTML(layout=Layout(width="330px"))
        add_class(self.counters, "nnviz-batch-counters")
        # the comparison
        self.x_scale = bqplot.LinearScale(min=0.0, max=1.0)
        self.y_scale = bqplot.LinearScale(min=0.0, max=1.0)
        sc = {"x": self.x_scale, "y": self.y_scale}
        self.compare_lines = [
            bqplot.Lines(x=[], y=[], scales=sc, colors=[color], stroke_width=1.3, labels=[self._compare_label(k)],
                         display_legend=False, enable_hover=False, interactions={})
            for k, color in enumerate(COMPARE_COLORS)
        ]
        axes = [bqplot.Axis(scale=self.x_scale, label="epochs = samples seen ÷ n (the same data for every run)",
                            tick_style={"font-size": "9px"}, grid_lines="none", label_offset="28px"),
                bqplot.Axis(scale=self.y_scale, side="left", label="training loss after each step",
                            tick_format=".2f", tick_style={"font-size": "9px"}, grid_lines="dashed",
                            label_offset="40px")]
        self.compare_chart = bqplot.Figure(
            marks=self.compare_lines, axes=axes,
            fig_margin={"top": 10, "bottom": 40, "left": 56, "right": 10}, display_toolbar=False,
            padding_x=0.0, padding_y=0.0, animation_duration=0, min_aspect_ratio=0.01, max_aspect_ratio=100,
            layout=Layout(width=f"{CHART_WIDTH}px", height=f"{CHART_HEIGHT}px", margin="0"),
        )
        add_class(self.compare_chart, "nnviz-batch-compare")
        self.compare_reset_button = Button(description="Reset", icon="undo", **button("auto"))
        self.compare_step_button = Button(description="Train 5 epochs", icon="fast-forward", **button("auto"))
        self.compare_play_button = Button(description="Play", icon="play", button_style="primary",
                                          **button("auto"))
        for b, name in ((self.compare_reset_button, "reset"), (self.compare_step_button, "step"),
                        (self.compare_play_button, "play")):
            add_class(b, f"nnviz-compare-{name}")
        self.compare_info = HTML(layout=Layout(width=f"{CHART_WIDTH}px"))
        self.compare_legend = HTML(layout=Layout(width=f"{CHART_WIDTH}px"))
        add_class(self.compare_legend, "nnviz-compare-legend")
        self.style = style_widget()

    def _layout(self) -> list:
        left = VBox([self.plot, self.counters,
                     HBox([self.reset_button, self.step_batch_button, self.step_epoch_button, self.play_button]),
                     self.batch_slider, self.lr_slider], layout=Layout(width="340px", flex="0 0 auto"))
        right = VBox([HTML("<div class='nnviz-header'>The loss curve's noise: batch 1, 10 and the full batch</div>"),
                      self.compare_chart, self.compare_legend,
                      HBox([self.compare_reset_button, self.compare_step_button, self.compare_play_button]),
                      self.compare_info])
        return [self.style, HBox([left, right], layout=Layout(flex_flow="row wrap")), self.status]

    def _wire(self) -> None:
        s = self.session
        s.on_batch(self._on_batch)
        s.on_frame(self._on_frame)
        s.observe(self._on_session_playing, "playing")
        self.step_batch_button.on_click(self._on_step_batch)
        self.step_epoch_button.on_click(self._on_step_epoch)
        self.play_button.on_click(self._on_play)
        self.reset_button.on_click(self._on_reset)
        self.batch_slider.observe(self._on_batch_slider, "value")
        self.lr_slider.observe(self._on_lr_slider, "value")
        for k, c in enumerate(self.compare.sessions):
            c.on_batch(lambda event, k=k: self._on_compare_batch(k, event))
            c.on_frame(self._on_compare_frame)
            c.observe(self._on_compare_playing, "playing")
        self.compare_step_button.on_click(self._on_compare_step)
        self.compare_play_button.on_click(self._on_compare_play)
        self.compare_reset_button.on_click(self._on_compare_reset)

    # ----------------------------------------------------------------------------------- main run
    @property
    def n_train(self) -> int:
        return len(self.session.X_train)

    @property
    def steps_per_epoch(self) -> int:
        """``ceil(n_train / batch_size)``: updates in one epoch."""
        return steps_per_epoch(self.n_train, self.session.batch_size)

    @property
    def step_in_epoch(self) -> int:
        """Updates done in the epoch in progress (0 between epochs): the session's ``batch_in_epoch``."""
        return self.session.batch_in_epoch

    @property
    def batch_size(self) -> int:
        return self.session.batch_size

    @batch_size.setter
    def batch_size(self, value) -> None:
        value = check_int("batch_size", value, low=1, high=self.n_train)
        options = [v for _, v in self.batch_slider.options]
        if value not in options:
            n = self.n_train
            self.batch_slider.options = [(f"{b} (full)" if b == n else str(b), b) for b in sorted({*options, value})]
        self.batch_slider.value = value

    def step_batch(self) -> np.ndarray | None:
        """One update on the next mini-batch of the epoch in progress (a new shuffled epoch when none is):
        the session's :meth:`~TrainingSession.step_batch`. Returns the batch's indices (None if it diverged)."""
        self._check_open()
        event = self.session.step_batch()  # its frame callback highlights the batch
        if event is None:
            self.status.error(self.session.message)
            self._draw_counters()
            return None
        return event.samples

    def step_epoch(self) -> None:
        """Finish the epoch in progress batch by batch, or train one whole epoch (the session's step)."""
        self._check_open()
        self.session.step(1)

    def play(self) -> None:
        """Train in the background (in Jupyter), highlighting the last batch of every frame; an epoch in
        progress is finished first."""
        self._check_open()
        self.session.play()

    def pause(self) -> None:
        self.session.pause()

    def reset(self, seed: int | None = None) -> None:
        """New initial weights (from ``seed``, or drawn), epoch 0; the comparison keeps its curves and
        starts from these weights at its next reset."""
        self._check_open()
        self.batch = None
        self.session.reset(seed)
        self._start = copy_network(self.session.network)  # the comparison's next reset starts here
        self.plot.map.clear_highlight()
        self._draw_counters()

    def _on_batch(self, event) -> None:
        self.batch = np.asarray(event.samples).copy()
        self.batch_loss = event.loss

    def _show_batch(self) -> None:
        if self.batch is not None:
            self.plot.map.highlight("train", self.batch, stroke="#111111", dim=0.3)
        self._draw_counters()

    def _draw_counters(self) -> None:
        s = self.session
        n, b, spe = self.n_train, s.batch_size, self.steps_per_epoch
        last = n - (spe - 1) * b
        in_epoch = self.step_in_epoch
        where = (f"step <b>{in_epoch}</b> of {spe} of epoch <b>{s.epoch + 1}</b> (in progress)" if in_epoch
                 else f"<b>{s.epoch}</b> epoch{'' if s.epoch == 1 else 's'} done")
        batch = ("" if self.batch is None else
                 f"<br>Highlighted: the <b>{len(self.batch)}</b> point{'' if len(self.batch) == 1 else 's'} of the "
                 f"batch just trained on (its loss before the update {self.batch_loss:.3f}).")
        tail = f", the last one {last}" if last != b else ""
        diverged = (f"<br><span style='color:#b71c1c'>{escape(s.message)}</span>" if s.status == "diverged" else "")
        self.counters.value = (
            f"<div class='nnviz-small' style='line-height:1.4'>n = <b>{n}</b> training points, batch size "
            f"<b>{b}</b> → <b>{spe}</b> step{'' if spe == 1 else 's'} per epoch (⌈{n} / {b}⌉{tail}).<br>"
            f"{where} · <b>{s.network.step_}</b> updates in all.{batch}{diverged}</div>")

    # ----------------------------------------------------------------------------------- comparison
    def compare_step(self, epochs: int = 5) -> None:
        """Train the three comparison runs ``epochs`` epochs each (the same data seen by all)."""
        self._check_open()
        epochs = check_int("epochs", epochs, low=1)
        self.compare.pause()
        for c in self.compare.sessions:
            if c.status != "diverged":
                c.train(epochs)
        self._draw_compare()

    def compare_reset(self) -> None:
        """The three runs back to the main run's starting weights (or its last reset's), no curves."""
        self._check_open()
        self.compare.pause()
        for c in self.compare.sessions:
            c.network.load_state_dict(self._start.state_dict())  # weights, optimiser state, counters, generator
            c.network.optimizer.lr = c.lr
            c.network.history.clear()
            c._set("epoch", c.network.epoch_)
            c._set("status", "paused")
            c._set("diverged", None)
        self._record_compare_starts()
        self._draw_compare()

    def _record_compare_starts(self) -> None:
        for k, c in enumerate(self.compare.sessions):
            loss = float(c.network.evaluate(c.inputs[0], c.y_train)[0])
            self._curves[k] = ([0.0], [loss])

    def _on_compare_batch(self, k: int, event) -> None:
        c = event.session
        x, y = self._curves[k]
        n = len(c.inputs[0])
        seen = (event.epoch - 1) + min(n, (event.batch + 1) * c.batch_size) / n
        x.append(seen)
        y.append(float(c.network.evaluate(c.inputs[0], c.y_train)[0]))

    def _compare_label(self, k: int) -> str:
        b = COMPARE_BATCHES[k]
        c = self.compare.sessions[k] if hasattr(self, "compare") else None
        name = "full batch" if b is None else f"batch {b}"
        if c is None:
            return name
        spe = steps_per_epoch(len(c.inputs[0]), c.batch_size)
        noise = step_variance(self._curves[k][1])
        text = f"{name}: {spe} step{'' if spe == 1 else 's'}/epoch, var(Δloss) {noise:.1e}"
        return text + (" · diverged" if c.status == "diverged" else "")

    def _draw_compare(self) -> None:
        top, bottom, last = 0.0, math.inf, 0.0
        for k, line in enumerate(self.compare_lines):
            x, y = (np.asarray(v, dtype=np.float64) for v in self._curves[k])
            keep = np.isfinite(y)
            x, y = x[keep], np.clip(y[keep], 0.0, 1e6)
            if len(x) > MAX_POINTS:
                idx = np.unique(np.linspace(0, len(x) - 1, MAX_POINTS).round().astype(np.int64))
                x, y = x[idx], y[idx]
            with line.hold_sync():
                line.x, line.y = x.astype(np.float32), y.astype(np.float32)
                line.labels = [self._compare_label(k)]
            if len(y):
                top, bottom, last = max(top, float(y.max())), min(bottom, float(y.min())), max(last, float(x[-1]))
        # the axis hugs the curves (in steps of 0.1), so the noise is not flattened against a distant 0
        y_max = max(0.1, math.ceil(top * 10) / 10)
        y_min = max(0.0, math.floor(bottom * 10) / 10 - 0.1) if math.isfinite(bottom) else 0.0
        if (self.y_scale.min, self.y_scale.max) != (y_min, y_max):
            with self.y_scale.hold_sync():
                self.y_scale.min, self.y_scale.max = y_min, y_max
        x_max = float(max(1, math.ceil(last)))
        if self.x_scale.max != x_max:
            self.x_scale.max = x_max
        self.compare_legend.value = legend_html(
            [(COMPARE_COLORS[k], self._compare_label(k), False) for k in range(len(self.compare_lines))])
        epochs = [c.epoch for c in self.compare.sessions]
        self.compare_info.value = (
            f"<div class='nnviz-small' style='line-height:1.35'>After {max(epochs)} epoch(s) every run has seen each "
            "training point the same number of times. Batch 1 updates after every point (many small, noisy "
            "steps); the full batch averages all of them into one smooth step per epoch.</div>")

    # ----------------------------------------------------------------------------------- callbacks
    def _on_frame(self, event) -> None:
        if not self._closed:
            try:
                self._show_batch()
            except Exception as exc:  # noqa: BLE001 - shown in the widget
                self.report_error(exc)

    def _on_compare_frame(self, event) -> None:
        if self._closed:
            return
        active = [c for c in self.compare.sessions if c.status != "diverged"]
        if event.playing and active and event.session is not active[-1]:
            return
        try:
            self._draw_compare()
        except Exception as exc:  # noqa: BLE001 - shown in the widget
            self.report_error(exc)

    def _on_session_playing(self, change) -> None:
        if not self._closed:
            self.play_button.description = "Pause" if change["new"] else "Play"
            self.play_button.icon = "pause" if change["new"] else "play"

    def _on_compare_playing(self, change) -> None:
        if not self._closed:
            playing = self.compare.playing
            self.compare_play_button.description = "Pause" if playing else "Play"
            self.compare_play_button.icon = "pause" if playing else "play"

    @guarded
    def _on_step_batch(self, _button) -> None:
        self.step_batch()

    @guarded
    def _on_step_epoch(self, _button) -> None:
        self.step_epoch()

    @guarded
    def _on_play(self, _button) -> None:
        if self.session.playing:
            self.pause()
        else:
            self.play()

    @guarded
    def _on_reset(self, _button) -> None:
        self.reset()

    @guarded
    def _on_batch_slider(self, change) -> None:
        self.session.batch_size = int(change["new"])
        self._draw_counters()

    @guarded
    def _on_lr_slider(self, change) -> None:
        self.session.lr = float(change["new"])

    @guarded
    def _on_compare_step(self, _button) -> None:
        self.compare_step(5)

    @guarded
    def _on_compare_play(self, _button) -> None:
        if self.compare.playing:
            self.compare.pause()
        else:
            self.compare.play()
        self._on_compare_playing(None)

    @guarded
    def _on_compare_reset(self, _button) -> None:
        self.compare_reset()

    # ----------------------------------------------------------------------------------- life-cycle
    def _stop_work(self) -> None:
        for part in ("session", "compare", "plot"):
            if hasattr(self, part):
                getattr(self, part).close()

    def __repr__(self) -> str:
        s = self.session
        return (f"BatchEpochExplorer({self.n_train} points, batch {s.batch_size}: {self.steps_per_epoch} steps/epoch; "
                f"epoch {s.epoch}, step {self.step_in_epoch} in epoch, {s.network.step_} updates, {s.status})")
