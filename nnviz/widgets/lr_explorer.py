"""The learning-rate explorer: one network trained with several learning rates side by side, the loss
landscape with the optimisers' paths, and fastai's learning-rate finder."""
from __future__ import annotations

import math

import bqplot
import numpy as np
from ipywidgets import HTML, Button, FloatLogSlider, HBox, Layout, ToggleButtons, VBox

from nnviz.analysis import copy_network
from nnviz.core import parameters_to_vector

from ._common import add_class, check_int, check_network, describe, escape, format_number, guarded
from ._legend import legend_html
from ._owned import OwnsModels, records_models
from ._style import style_widget
from .landscape_view import LandscapeView
from .lr_finder_view import LRFinderView
from .session import SessionGroup, TrainingSession
from .status import ReportsErrors, StatusArea

__all__ = ["LearningRateExplorer", "RUN_COLORS"]

#: One colour per run, from the smallest rate to the largest.
RUN_COLORS = ("#9e9e9e", "#222222", "#0877bd", "#f59322", "#8e24aa", "#2e7d32", "#c62828", "#6d4c41")
DEFAULT_RATES = (0.003, 0.03, 0.3, 3.0)
#: Losses are drawn on a log axis between these (a run heading for divergence is drawn at the top).
LOSS_FLOOR, LOSS_CEILING = 1e-4, 1e4
MAX_POINTS = 400
#: Parameter vectors kept per run for its path on the landscape (older ones are thinned out).
MAX_PATH = 2000
CHART_WIDTH, CHART_HEIGHT = 420, 260


def _default_problem(seed: int):
    from nnviz.core import Network
    from nnviz.data import make_dataset, train_test_split

    X, y = make_dataset("circle", n=300, noise=0.1, seed=seed)
    X_train, X_test, y_train, y_test = train_test_split(X, y, train_ratio=0.5, seed=seed)
    return Network.mlp(2, [4, 2], seed=seed), X_train, y_train, X_test, y_test, ("x1", "x2")


class LearningRateExplorer(OwnsModels, ReportsErrors, VBox):
    """The same network, from the same initial weights, trained with several learning rates at once.

    Three parts:

    1. **Runs** — one :class:`TrainingSession` per learning rate in a :class:`SessionGroup` (one
       background loop; play / pause / step / reset act on all). Their training loss per epoch on a
       log axis, one colour per rate, with a legend that says when a run has diverged (that run stops,
       the others go on) or is unstable. Pick the *highlighted* run with the buttons; the log-scale
       slider sets its learning rate (from the next step, weights kept).
    2. **Loss landscape** (:class:`~nnviz.widgets.landscape_view.LandscapeView`) — a slice through
       the highlighted run's live weights, with its training path projected on it, or the exact surface
       of a two-weight model; SGD, momentum and Adam from the same start at the highlighted rate,
       labelled crawls / good / oscillates / diverges. Recomputed with its button, when a setting
       changes, and when training pauses (unless unticked).
    3. **LR finder** (:class:`~nnviz.widgets.lr_finder_view.LRFinderView`) — fastai's range test on a
       copy of the highlighted run; its suggestion becomes that run's learning rate with one click.

    Parameters
    ----------
    network : nnviz.core.Network or None
        The network every run starts from (copied; never trained itself). None: the Playground's
        2 → 4 → 2 → 1 tanh network on the circle data set (300 points, half for training), seeded.
    X_train, y_train, X_test, y_test : array-like or None
        Data (with ``network``); the test pair is optional.
    features : sequence of str or None
        Input features computed from the points (e.g. ``("x1", "x2")``); None feeds them as they are.
    rates : sequence of float, default (0.003, 0.03, 0.3, 3)
        One run per learning rate (2 to 8 of them).
    batch_size : int, default 10
    optimizer : {"sgd", "momentum", "adam"}, default "sgd"
    highlight : int or None
        Index of the highlighted run (None: the third, or the last).
    resolution : int, default 40
        Of the landscape.
    seed : int, default 0
        Of the default problem and the landscape's directions.

    Attributes
    ----------
    group : SessionGroup
    sessions : list of TrainingSession
        One per rate, in the order of ``rates``.
    lines : list of bqplot.Lines
        Their loss curves (``labels`` is the legend text).
    landscape : LandscapeView
    finder : LRFinderView
    lr_slider : ipywidgets.FloatLogSlider
    highlight_buttons : ipywidgets.ToggleButtons
    play_button, step_button, reset_button : ipywidgets.Button
    runs : ipywidgets.HTML
        One line per run: rate, epoch, loss, state.
    status : StatusArea

    Examples
    --------
    >>> lrx = LearningRateExplorer()
    >>> lrx.step(20)                       # 20 epochs for every run
    >>> [s.epoch for s in lrx.sessions]
    [20, 20, 20, 20]
    >>> lrx.set_lr(0.1)                    # the highlighted run trains on at 0.1
    >>> lrx.run_finder(); lrx.use_suggestion()
    >>> lrx                                # in Jupyter: play, pause, watch the landscape
    """

    @records_models
    def __init__(self, network=None, X_train=None, y_train=None, X_test=None, y_test=None, *, features=None,
                 rates=DEFAULT_RATES, batch_size: int = 10, optimizer: str = "sgd", highlight: int | None = None,
                 resolution: int = 40, seed: int = 0):
        seed = check_int("seed", seed, low=0)
        if network is None:
            if X_train is not None or y_train is not None:
                raise TypeError("LearningRateExplorer takes data together with a network (or neither, for "
                                "the circle data set)")
            network, X_train, y_train, X_test, y_test, default_features = _default_problem(seed)
            features = default_features if features is None else features
        else:
            check_network(network)
            if X_train is None or y_train is None:
                raise TypeError("LearningRateExplorer(network, X_train, y_train, ...): pass the training data "
                                "with the network")
        rates = self._check_rates(rates)
        self._quiet = False
        self._closed = False
        self.status = StatusArea()
        self._start = copy_network(network)  # every run starts from these weights
        self.sessions = [
            TrainingSession(copy_network(network), X_train, y_train, X_test, y_test, features=features,
                            lr=rate, batch_size=batch_size, optimizer=optimizer, speed=1,
                            name=f"run at lr {format_number(rate)}")
            for rate in rates
        ]
        self.group = SessionGroup(self.sessions, max_fps=30)
        self._paths = [[] for _ in self.sessions]
        self._path_losses = [[] for _ in self.sessions]
        self._record_starts()
        if highlight is None:
            highlight = min(2, len(rates) - 1)
        self._highlight = check_int("highlight", highlight, low=0, high=len(rates) - 1)
        self._build(resolution, seed)
        super().__init__(self._layout())
        add_class(self, "nnviz-lr-explorer")
        self._wire()
        self.group.track_views(self)
        self._draw_chart()
        self._show_highlight()
        self._recompute_landscape()
        self.status.info("Press ▶ to train every run at once; pick a run to highlight and move its learning rate.")

    # ----------------------------------------------------------------------------------- checks
    @staticmethod
    def _check_rates(rates) -> list[float]:
        if isinstance(rates, (str, bytes)) or not hasattr(rates, "__iter__"):
            raise TypeError(f"rates must be a sequence of learning rates, got {describe(rates)}")
        rates = list(rates)
        if not 2 <= len(rates) <= len(RUN_COLORS):
            raise ValueError(f"rates must hold 2 to {len(RUN_COLORS)} learning rates, got {len(rates)}")
        out = []
        for i, r in enumerate(rates):
            if isinstance(r, bool) or not isinstance(r, (int, float, np.floating, np.integer)) or not \
                    (math.isfinite(float(r)) and float(r) > 0):
                raise ValueError(f"rates[{i}] must be a learning rate > 0, got {describe(r)}")
            out.append(float(r))
        return out

    # ----------------------------------------------------------------------------------- building
    def _build(self, resolution: int, seed: int) -> None:
        self.x_scale = bqplot.LinearScale(min=0.0, max=10.0)
        self.y_scale = bqplot.LogScale(min=0.01, max=1.0)
        sc = {"x": self.x_scale, "y": self.y_scale}
        quiet = dict(enable_hover=False, interactions={})
        self.lines = [
            bqplot.Lines(x=[], y=[], scales=sc, colors=[RUN_COLORS[k]], stroke_width=1.6, labels=[self._label(k)],
                         display_legend=False, **quiet)
            for k in range(len(self.sessions))
        ]
        self.x_axis = bqplot.Axis(scale=self.x_scale, label="epoch", tick_format="d",
                                  tick_style={"font-size": "9px"}, grid_lines="none", label_offset="28px")
        self.y_axis = bqplot.Axis(scale=self.y_scale, side="left", label="training loss (log)",
                                  tick_format=".2~g", tick_style={"font-size": "9px"}, grid_lines="dashed",
                                  label_offset="40px")
        self.chart = bqplot.Figure(
            marks=self.lines, axes=[self.x_axis, self.y_axis],
            fig_margin={"top": 10, "bottom": 40, "left": 56, "right": 10}, display_toolbar=False,
            padding_x=0.0, padding_y=0.0, animation_duration=0, min_aspect_ratio=0.01, max_aspect_ratio=100,
            layout=Layout(width=f"{CHART_WIDTH}px", height=f"{CHART_HEIGHT}px", margin="0"),
        )
        add_class(self.chart, "nnviz-lr-chart")
        self.reset_button = Button(description="Reset", icon="undo", tooltip="every run back to the same new "
                                   "initial weights", layout=Layout(width="auto"))
        self.play_button = Button(description="Play", icon="play", button_style="primary",
                                  layout=Layout(width="auto"))
        self.step_button = Button(description="Step", icon="step-forward", tooltip="one epoch for every run",
                                  layout=Layout(width="auto"))
        for b, name in ((self.reset_button, "reset"), (self.play_button, "play"), (self.step_button, "step")):
            add_class(b, f"nnviz-lr-{name}")
        self.highlight_buttons = ToggleButtons(
            options=[(f"lr {format_number(s.lr)}", k) for k, s in enumerate(self.sessions)], value=self._highlight,
            style={"button_width": "86px"}, layout=Layout(width="auto"))
        add_class(self.highlight_buttons, "nnviz-lr-highlight")
        self.lr_slider = FloatLogSlider(value=self.sessions[self._highlight].lr, base=10, min=-5, max=1, step=0.05,
                                        description="learning rate", continuous_update=False, readout_format=".3g",
                                        style={"description_width": "90px"}, layout=Layout(width="330px"))
        add_class(self.lr_slider, "nnviz-lr-slider")
        self.runs = HTML()
        add_class(self.runs, "nnviz-lr-runs")
        self.legend = HTML(layout=Layout(width=f"{CHART_WIDTH}px"))
        add_class(self.legend, "nnviz-lr-legend")
        self.landscape = LandscapeView(resolution=resolution, seed=seed, status=self.status)
        self.finder = LRFinderView(status=self.status)
        self.style = style_widget()

    def _layout(self) -> list:
        controls = HBox([self.reset_button, self.play_button, self.step_button],
                        layout=Layout(align_items="center"))
        left = VBox([HTML("<div class='nnviz-header'>Training runs · same network, same start</div>"), controls,
                     self.chart, self.legend, HTML("<div class='nnviz-small'>Highlighted run:</div>"),
                     self.highlight_buttons, self.lr_slider, self.runs],
                    layout=Layout(width=f"{CHART_WIDTH + 20}px", flex="0 0 auto"))
        # the parts wrap onto the next line where the notebook is narrower than all three
        return [self.style, HBox([left, self.landscape, self.finder], layout=Layout(flex_flow="row wrap")),
                self.status]

    def _wire(self) -> None:
        self.play_button.on_click(self._on_play)
        self.step_button.on_click(self._on_step)
        self.reset_button.on_click(self._on_reset)
        self.highlight_buttons.observe(self._on_highlight, "value")
        self.lr_slider.observe(self._on_slider, "value")
        self.finder.run_button.on_click(self._on_run_finder)
        self.finder.on_use(self._on_use_suggestion)
        for s in self.sessions:
            s.on_frame(self._on_frame)
            s.on_epoch(self._on_epoch)
            s.observe(self._on_playing, "playing")

    # ----------------------------------------------------------------------------------- runs
    @property
    def rates(self) -> list[float]:
        """Each run's learning rate now."""
        return [s.lr for s in self.sessions]

    @property
    def highlighted(self) -> int:
        return self._highlight

    @property
    def session(self) -> TrainingSession:
        """The highlighted run."""
        return self.sessions[self._highlight]

    @property
    def playing(self) -> bool:
        return self.group.playing

    def highlight(self, index: int) -> None:
        """Highlight run ``index``: the slider, the landscape and the finder follow it."""
        self.highlight_buttons.value = check_int("index", index, low=0, high=len(self.sessions) - 1)

    def set_lr(self, lr: float, index: int | None = None) -> None:
        """Set the learning rate of run ``index`` (None: the highlighted one), from its next step."""
        index = self._highlight if index is None else check_int("index", index, low=0, high=len(self.sessions) - 1)
        self.sessions[index].lr = lr  # validated by the session
        if index == self._highlight and self.lr_slider.value != self.sessions[index].lr:
            self._set_slider(self.sessions[index].lr)
        self._relabel()
        self._draw_chart()
        if index == self._highlight:
            self._recompute_landscape(auto=True)

    def play(self) -> None:
        """Train every run in one background loop (in Jupyter)."""
        self._check_open()
        self.group.play()
        self._show_play()

    def pause(self) -> None:
        """Stop training; the landscape is recomputed (when its box is ticked)."""
        self._quiet = True
        try:
            self.group.pause()
        finally:
            self._quiet = False
        self._show_play()
        self._redraw()
        self._recompute_landscape(auto=True)

    def step(self, n: int = 1) -> None:
        """Train ``n`` epochs for every run that has not diverged, then redraw once."""
        self._check_open()
        n = check_int("n", n, low=1)
        self._quiet = True
        try:
            self.group.pause()
            for s in self.sessions:
                if s.status != "diverged":
                    s.step(n)
        finally:
            self._quiet = False
        self._show_play()
        self._redraw()
        self._recompute_landscape(auto=True)

    def reset(self, seed: int | None = None) -> None:
        """Every run back to one set of new initial weights (from ``seed``, or drawn), epoch 0."""
        self._check_open()
        if seed is None:
            seed = int(self._start.rng.integers(2**31))
        seed = check_int("seed", seed, low=0)
        self._quiet = True
        try:
            self.group.pause()
            self._start.reset(seed)
            for s in self.sessions:
                s.reset(seed)
        finally:
            self._quiet = False
        self._record_starts()
        self._show_play()
        self._redraw()
        self._recompute_landscape(auto=True)
        self.status.info(f"Every run starts again from the same new weights (seed {seed}).")

    def _record_starts(self) -> None:
        for k, s in enumerate(self.sessions):
            self._paths[k] = [parameters_to_vector(s.network).astype(np.float64)]
            self._path_losses[k] = [float(s.network.evaluate(*self._train_data(s))[0])]

    @staticmethod
    def _train_data(session):
        return session.inputs[0], session.y_train

    # ----------------------------------------------------------------------------------- finder
    def run_finder(self):
        """Run the LR finder on (a copy of) the highlighted run; returns its LRFinderResult."""
        s = self.session
        result = self.finder.run(s.network, *self._train_data(s), batch_size=s.batch_size)
        self.status.info(f"LR finder on the run at lr {format_number(s.lr)}: {result.rule} suggests "
                         f"{result.suggestion:.3g} — press “Use” to train the highlighted run at it.")
        return result

    def use_suggestion(self) -> float:
        """The finder's chosen suggestion becomes the highlighted run's learning rate; returns it."""
        return self.finder.use()

    def _on_use_suggestion(self, lr: float) -> None:
        self.set_lr(lr)
        self.status.success(f"The highlighted run trains at lr {lr:.3g} from its next step (weights kept).")

    # ----------------------------------------------------------------------------------- drawing
    def _label(self, k: int) -> str:
        s = self.sessions[k]
        text = f"lr {format_number(float(f'{s.lr:.3g}'))}"
        if s.status == "diverged":
            text += f" · diverged in epoch {s.epoch + 1} (stopped)"
        elif s.warning:
            text += " · unstable"
        return text

    def _relabel(self) -> None:
        for k, line in enumerate(self.lines):
            label = [self._label(k)]
            if list(line.labels) != label:
                line.labels = label
        legend = legend_html([(RUN_COLORS[k], self._label(k), False) for k in range(len(self.lines))],
                             bold=self._highlight)
        if self.legend.value != legend:
            self.legend.value = legend
        options = [(f"lr {format_number(float(f'{s.lr:.3g}'))}", k) for k, s in enumerate(self.sessions)]
        if list(self.highlight_buttons.options) != options:
            self.highlight_buttons.unobserve(self._on_highlight, "value")
            try:
                self.highlight_buttons.options = options
                self.highlight_buttons.value = self._highlight
            finally:
                self.highlight_buttons.observe(self._on_highlight, "value")

    def _draw_chart(self) -> None:
        top, bottom, last = 0.0, math.inf, 1
        for k, (s, line) in enumerate(zip(self.sessions, self.lines)):
            h = s.history
            losses = np.array([v if v is not None else np.nan for v in h["loss"]], dtype=np.float64)
            epochs = np.asarray(h["epoch"], dtype=np.float64)
            start = self._path_losses[k][0] if self._path_losses[k] else np.nan
            x = np.concatenate([[0.0], epochs])
            y = np.concatenate([[start], losses])
            keep = np.isfinite(y)
            x, y = x[keep], np.clip(y[keep], LOSS_FLOOR, LOSS_CEILING)
            if len(x) > MAX_POINTS:
                idx = np.unique(np.linspace(0, len(x) - 1, MAX_POINTS).round().astype(np.int64))
                x, y = x[idx], y[idx]
            with line.hold_sync():
                line.x, line.y = x.astype(np.float32), y.astype(np.float32)
                line.stroke_width = 3.0 if k == self._highlight else 1.4
                line.opacities = [1.0 if k == self._highlight else 0.65]
            if len(y):
                top, bottom, last = max(top, float(y.max())), min(bottom, float(y.min())), max(last, float(x[-1]))
        # the axes move in whole decades (and x in nice steps), not every frame
        y_max = 10.0 ** math.ceil(math.log10(top)) if top > 0 else 1.0
        y_min = 10.0 ** math.floor(math.log10(bottom)) if math.isfinite(bottom) else 0.01
        y_min = min(y_min, y_max / 10)
        if (self.y_scale.min, self.y_scale.max) != (y_min, y_max):
            with self.y_scale.hold_sync():
                self.y_scale.min, self.y_scale.max = y_min, y_max
        x_max = float(max(10, 10 * math.ceil(last / 10))) if last <= 100 else float(100 * math.ceil(last / 100))
        if self.x_scale.max != x_max:
            self.x_scale.max = x_max
        self._relabel()
        self._write_runs()

    def _write_runs(self) -> None:
        rows = []
        for k, s in enumerate(self.sessions):
            h = s.history
            loss = h["loss"][-1] if len(h) else (self._path_losses[k][0] if self._path_losses[k] else None)
            state = {"diverged": "<b style='color:#b71c1c'>diverged</b>", "playing": "training",
                     "paused": "paused", "closed": "closed"}.get(s.status, s.status)
            if s.warning and s.status != "diverged":
                state += " · <span style='color:#8a4b00'>unstable</span>"
            mark = "▶ " if k == self._highlight else ""
            rows.append(f"<div style='white-space:nowrap'><span style='color:{RUN_COLORS[k]}'>■</span> {mark}lr "
                        f"<b>{escape(format_number(float(f'{s.lr:.3g}')))}</b> · epoch {s.epoch} · loss "
                        f"{'–' if loss is None else f'{loss:.4g}'} · {state}</div>")
        message = next((s.message for s in self.sessions if s.status == "diverged" and s.message), "")
        extra = f"<div style='color:#b71c1c'>{escape(message)}</div>" if message else ""
        self.runs.value = f"<div class='nnviz-small' style='line-height:1.5'>{''.join(rows)}{extra}</div>"

    def _redraw(self, final: bool = True) -> None:
        self._draw_chart()
        self._update_run_path(final)

    def _update_run_path(self, final: bool = True) -> None:
        k = self._highlight
        self.landscape.update_paths(self._paths[k], self._path_losses[k], final=final)

    def _recompute_landscape(self, auto: bool = False) -> None:
        if auto and not self.landscape.auto.value:
            self._update_run_path()
            return
        s = self.session
        k = self._highlight
        self.landscape.set_target(s.network, *self._train_data(s), s.lr, self._paths[k], self._path_losses[k])
        self.landscape.recompute()

    def _show_highlight(self) -> None:
        self._set_slider(self.session.lr)

    def _set_slider(self, lr: float) -> None:
        self.lr_slider.unobserve(self._on_slider, "value")
        try:
            self.lr_slider.value = lr
        finally:
            self.lr_slider.observe(self._on_slider, "value")

    def _show_play(self) -> None:
        playing = self.group.playing
        self.play_button.description = "Pause" if playing else "Play"
        self.play_button.icon = "pause" if playing else "play"

    # ----------------------------------------------------------------------------------- events
    def _on_epoch(self, session, logs) -> None:
        k = self.sessions.index(session)
        path, losses = self._paths[k], self._path_losses[k]
        path.append(parameters_to_vector(session.network).astype(np.float64))
        losses.append(float(logs["loss"]))
        if len(path) > MAX_PATH:  # keep the start, thin the rest
            del path[1:len(path) // 2:2], losses[1:len(losses) // 2:2]

    def _on_frame(self, event) -> None:
        if self._quiet or self._closed:
            return
        active = [s for s in self.sessions if s.status != "diverged" and not s.closed]
        # one redraw per frame of the group: after the last run that trained in it
        if event.playing and active and event.session is not active[-1]:
            return
        try:
            self._redraw(final=not event.playing)
        except Exception as exc:  # noqa: BLE001 - shown in the widget, training goes on
            self.report_error(exc)

    def _on_playing(self, change) -> None:
        if not self._closed:
            self._show_play()
            if not self.group.playing and not self._quiet:
                self._write_runs()

    @guarded
    def _on_play(self, _button) -> None:
        if self.group.playing:
            self.pause()
        else:
            self.play()

    @guarded
    def _on_step(self, _button) -> None:
        self.step(1)

    @guarded
    def _on_reset(self, _button) -> None:
        self.reset()

    @guarded
    def _on_highlight(self, change) -> None:
        self._highlight = int(change["new"])
        self._show_highlight()
        self._draw_chart()
        self._recompute_landscape()

    @guarded
    def _on_slider(self, change) -> None:
        self.set_lr(float(change["new"]))

    @guarded
    def _on_run_finder(self, _button) -> None:
        self.run_finder()

    # ----------------------------------------------------------------------------------- life-cycle
    def _stop_work(self) -> None:
        for part in ("group", "landscape", "finder"):
            if hasattr(self, part):
                getattr(self, part).close()

    def __repr__(self) -> str:
        runs = ", ".join(f"{format_number(float(f'{s.lr:.3g}'))}{' diverged' if s.status == 'diverged' else ''}"
                         for s in self.sessions)
        return (f"LearningRateExplorer({len(self.sessions)} runs at lr {runs}; epoch "
                f"{max(s.epoch for s in self.sessions)}, highlighted lr {format_number(self.session.lr)}, "
                f"{'playing' if self.playing else 'paused'})")
