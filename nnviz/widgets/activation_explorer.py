"""The activation explorer: each activation and its slope, what every layer's activations and gradients
look like while a network trains, dead ReLU units, and vanishing gradients in a deep sigmoid stack."""
from __future__ import annotations

import math
import time

import bqplot
import numpy as np
from ipywidgets import HTML, Dropdown, HBox, Layout, VBox

from nnviz.analysis import activation_curves, activation_stats
from nnviz.core import ACTIVATIONS, Network, get_activation
from nnviz.data import DEFAULT_FEATURES, make_dataset, make_features

from ._common import add_class, check_features, check_int, check_network, describe, escape, format_number, guarded
from ._owned import OwnsModels, models_under, records_models
from ._session_bar import SessionBar
from ._style import style_widget
from .session import SessionGroup, TrainingSession
from .status import ReportsErrors, StatusArea

__all__ = ["ActivationExplorer"]

#: The activations offered: every elementwise one of the registry (softmax acts on a whole row).
CHOICES = tuple(name for name in ACTIVATIONS if name != "softmax")
CURVE_COLOR, SLOPE_COLOR = "#0877bd", "#f59322"
ACT_BAR, GRAD_BAR = "#0877bd", "#b71c1c"
DEEP_COLORS = {"sigmoid": "#f59322", "relu": "#0877bd"}
HIST_W, HIST_H = 178, 92
#: Gradient norms are drawn on a log axis; exact zeros (a dead layer) are drawn at this floor.
LOG_FLOOR = 1e-12
#: While playing, the histograms and the gradient chart redraw at most this often (seconds): each redraw
#: runs the network on the whole training set (forward and backward); the deep pair's norms change slowly.
REDRAW_EVERY = {"main": 0.1, "sigmoid": 0.25, "relu": 0.25}
TICKS = {"font-size": "9px"}


def _small_figure(marks, width, height, **kwargs):
    return bqplot.Figure(marks=marks, fig_margin={"top": 4, "bottom": 18, "left": 34, "right": 14},
                         padding_x=0.0, padding_y=0.0, animation_duration=0, display_toolbar=False,
                         min_aspect_ratio=0.01, max_aspect_ratio=100,
                         layout=Layout(width=f"{width}px", height=f"{height}px", margin="0"), **kwargs)


class ActivationExplorer(OwnsModels, ReportsErrors, VBox):
    """Activations and their gradients, live: curves, per-layer histograms, dead units, vanishing gradients.

    Three panels on one :class:`~nnviz.widgets.SessionGroup` (Play trains all three networks together):

    * **The activation** chosen in the dropdown (every elementwise entry of
      :data:`nnviz.core.ACTIVATIONS`): ``f(z)`` and its derivative ``f′(z)`` over ``z ∈ [−5, 5]``, from
      :func:`nnviz.analysis.activation_curves`. Choosing one also rebuilds the network of the second
      panel with it as hidden activation (same shape, same seed, epoch 0).
    * **Per-layer histograms** of that network's activations and of its deltas ``∂L/∂z`` on the
      training set, with their mean, std and % near zero, and for ReLU layers the dead units — those
      whose pre-activation is ``<= 0`` on every sample — marked one by one
      (:func:`nnviz.analysis.activation_stats`). Raise the learning rate to watch ReLU units die.
    * **Vanishing gradients**: a deep (``depth`` hidden layers) sigmoid network and a ReLU network of
      the same shape, trained on the same data from the same seed (each with its usual initialiser),
      and the norm ``‖∂L/∂W‖`` of each layer's weight gradient on a log axis. The sigmoid stack's first
      layers get gradients orders of magnitude smaller than its last: they barely learn.

    Parameters
    ----------
    network : nnviz.core.Network or None
        The network of the histograms. None: a 2-8-8-8-1 network with ``activation`` hidden units.
    X, y : array-like or None
        Training points of shape (n_samples, 2) and labels (both or neither). None: the circle data set,
        200 points, seeded.
    features : sequence of str, default ("x1", "x2")
        Input features of the points (one per network input).
    activation : str or None
        The activation shown first (and of the default network). None: the given network's hidden
        activation, or ``"relu"``.
    depth, width : int, default 8 and 8
        Hidden layers (>= 2) and units per layer of the two deep networks.
    lr : float, default 0.03
        Learning rate of all three networks (the slider changes it while training).
    bins : int, default 30
        Histogram bins.
    seed : int, default 0
        Seed of the data and of every network.

    Attributes
    ----------
    session : TrainingSession
        Trains ``network``; ``deep_sessions`` (``{"sigmoid": ..., "relu": ...}``) the deep pair;
        ``group`` plays all three.
    network : Network
        The live network of the histograms (``session.network``).
    stats, deep_stats : list of LayerStats, dict of name to list of LayerStats
        What was drawn last.
    activation : ipywidgets.Dropdown
    curve_line, slope_line : bqplot.Lines
    act_bars, grad_bars : list of bqplot.Bars
        One per layer with parameters, input side first.
    layer_stats : list of ipywidgets.HTML
        Mean, std, % near zero and the dead units of each layer.
    deep_lines : dict of name to bqplot.Lines
        Gradient norm per layer (x: layer 1..depth + 1) on ``grad_scale`` (a ``LogScale``).
    bar : the Reset / Play / Pause / Step buttons and the learning-rate slider.
    status : StatusArea

    Examples
    --------
    >>> explorer = ActivationExplorer()
    >>> explorer.step(20)                      # 20 epochs for the three networks
    >>> [s.n_dead for s in explorer.stats]     # dead ReLU units per layer
    >>> explorer.activation.value = "tanh"     # its curve, and the network rebuilt with tanh
    """

    @records_models
    def __init__(self, network=None, X=None, y=None, *, features=DEFAULT_FEATURES, activation: str | None = None,
                 depth: int = 8, width: int = 8, lr: float = 0.03, bins: int = 30, seed: int = 0):
        self.seed = check_int("seed", seed, low=0)
        self.depth = check_int("depth", depth, low=2, high=30)
        self.width = check_int("width", width, low=1, high=256)
        self.bins = check_int("bins", bins, low=1, high=200)
        if activation is None:  # what the given network's hidden layers use, else ReLU
            hidden = self._hidden_activation(network) if network is not None else None
            activation = hidden if hidden in CHOICES else "relu"
        if not isinstance(activation, str) or activation not in CHOICES:
            raise ValueError(f"activation must be one of {', '.join(map(repr, CHOICES))}; got {describe(activation)}")
        if (X is None) != (y is None):
            raise TypeError("ActivationExplorer takes X and y together (or neither, for the circle data set)")
        if X is None:
            X, y = make_dataset("circle", n=200, noise=0.05, seed=self.seed)
        if network is None:
            network = Network.mlp(len(tuple(features)), [8, 8, 8], activation=activation, seed=self.seed)
        network = check_network(network)
        self.features = check_features(features, network)
        self.session = TrainingSession(network, X, y, features=self.features, lr=lr, name="network")
        self.deep_sessions = {
            kind: TrainingSession(
                Network.mlp(network.n_inputs, [self.width] * self.depth, network.n_outputs, activation=kind,
                            loss=network.loss.name, seed=self.seed),
                X, y, features=self.features, lr=lr, name=f"deep {kind} network")
            for kind in DEEP_COLORS
        }
        self.group = SessionGroup([self.session, *self.deep_sessions.values()])
        self.status = StatusArea()
        self.stats: list = []
        self.deep_stats: dict = {}
        self._drawn_at: dict = {}
        self._closed = False
        self._build_curves(activation)
        self._build_histograms()
        self._build_deep()
        self.bar = SessionBar(self.group, self.status)
        self.style = style_widget()
        self.title = HTML("<div class='nnviz-header'>Activations and their gradients</div>")
        super().__init__([self.style, self.title, self.bar,
                          HBox([self._curve_box, self._deep_box], layout=Layout(flex_flow="row wrap")),
                          self._hist_header, self._hist_box, self.status])
        add_class(self, "nnviz-activation-explorer")
        self.activation.observe(self._on_activation, "value")
        self.session.on_frame(self._on_main_frame)
        self.session.observe(self._on_network, "network")
        for kind, s in self.deep_sessions.items():
            s.on_frame(self._deep_frame_callback(kind))
        self.group.track_views(self)
        self._draw_curves()
        self.redraw()
        self.status.info("Press Play: all three networks train together. Try a large learning rate with ReLU, "
                         "and compare the two deep networks' first layers.")

    # ------------------------------------------------------------------------------------ building
    def _build_curves(self, activation: str) -> None:
        self.activation = Dropdown(options=list(CHOICES), value=activation, description="Activation",
                                   layout=Layout(width="220px"), style={"description_width": "initial"})
        add_class(self.activation, "nnviz-activation-choice")
        self.curve_x = bqplot.LinearScale(min=-5.0, max=5.0)
        self.curve_y = bqplot.LinearScale()
        sc = {"x": self.curve_x, "y": self.curve_y}
        self.zero_line = bqplot.Lines(x=[-5.0, 5.0], y=[0.0, 0.0], scales=sc, colors=["#cccccc"], stroke_width=1)
        self.curve_line = bqplot.Lines(x=[], y=[], scales=sc, colors=[CURVE_COLOR], stroke_width=2.5,
                                       labels=["f(z)"], display_legend=True, enable_hover=False)
        self.slope_line = bqplot.Lines(x=[], y=[], scales=sc, colors=[SLOPE_COLOR], stroke_width=2,
                                       line_style="dashed", labels=["f′(z)"], display_legend=True, enable_hover=False)
        axes = [bqplot.Axis(scale=self.curve_x, label="z", tick_style=TICKS, num_ticks=5, label_offset="22px"),
                bqplot.Axis(scale=self.curve_y, side="left", tick_style=TICKS, num_ticks=5,
                            grid_lines="dashed")]
        self.curve_figure = bqplot.Figure(
            marks=[self.zero_line, self.curve_line, self.slope_line], axes=axes, legend_location="top-left",
            legend_style={"font-size": "10px"}, animation_duration=0,
            fig_margin={"top": 10, "bottom": 34, "left": 40, "right": 10}, padding_y=0.05,
            layout=Layout(width="320px", height="230px"))
        add_class(self.curve_figure, "nnviz-activation-curves")
        self.formula = HTML()
        add_class(self.formula, "nnviz-activation-formula")
        self._curve_box = VBox([HTML("<div class='nnviz-header'>The activation and its slope</div>"),
                                self.activation, self.curve_figure, self.formula],
                               layout=Layout(margin="0 16px 0 0"))

    def _build_histograms(self) -> None:
        """One column per layer with parameters: its activations' histogram, its deltas', its numbers.
        Built again only when the network's shape changes (never per frame)."""
        self.act_bars, self.grad_bars, self.layer_stats, self.layer_titles = [], [], [], []
        self._hist_scales = []
        columns = []
        levels = [layer for layer in self.network.layers if layer.params]
        for k, _layer in enumerate(levels):
            figs = []
            for bars, color, what in ((self.act_bars, ACT_BAR, "a"), (self.grad_bars, GRAD_BAR, "δ")):
                xs, ys = bqplot.LinearScale(), bqplot.LinearScale(min=0.0)
                mark = bqplot.Bars(x=np.zeros(self.bins), y=np.zeros(self.bins), scales={"x": xs, "y": ys},
                                   colors=[color], padding=0.05, enable_hover=False)
                bars.append(mark)
                self._hist_scales.append((xs, ys))
                axes = [bqplot.Axis(scale=xs, tick_style=TICKS, num_ticks=3, tick_format=".2~g"),
                        bqplot.Axis(scale=ys, side="left", tick_style=TICKS, num_ticks=2,
                                    tick_format="d")]
                fig = _small_figure([mark], HIST_W, HIST_H, axes=axes)
                add_class(fig, f"nnviz-hist-{'act' if what == 'a' else 'grad'}")
                figs.append(fig)
            title, numbers = HTML(), HTML()
            add_class(numbers, "nnviz-layer-stats")
            self.layer_titles.append(title)
            self.layer_stats.append(numbers)
            columns.append(VBox([title, HTML("<span class='nnviz-small'>activations a</span>"), figs[0],
                                 HTML("<span class='nnviz-small'>deltas δ = ∂L/∂z</span>"), figs[1], numbers],
                                layout=Layout(width=f"{HIST_W + 6}px", margin="0 4px 0 0")))
        if not hasattr(self, "_hist_box"):
            self._hist_header = HTML()
            self._hist_box = HBox(layout=Layout(flex_flow="row wrap"))
            add_class(self._hist_box, "nnviz-activation-histograms")
        old = list(self._hist_box.children)
        self._hist_box.children = columns
        for column in old:
            for w in models_under(column):
                w.close()
            column.close()
        self._shape = self.network.units_per_level() if self._is_mlp(self.network) else len(levels)

    def _build_deep(self) -> None:
        n = self.depth + 1
        self.layer_scale = bqplot.LinearScale(min=0.5, max=n + 0.5)
        self.grad_scale = bqplot.LogScale(min=1e-8, max=10.0)
        sc = {"x": self.layer_scale, "y": self.grad_scale}
        self.deep_lines = {
            kind: bqplot.Lines(x=np.arange(1, n + 1, dtype=float), y=np.ones(n), scales=sc, colors=[color],
                               marker="circle", marker_size=24, stroke_width=2, labels=[kind], display_legend=True,
                               enable_hover=False)
            for kind, color in DEEP_COLORS.items()
        }
        axes = [bqplot.Axis(scale=self.layer_scale, label="layer (1 = next to the input)", tick_style=TICKS,
                            tick_values=list(range(1, n + 1)), tick_format="d", label_offset="24px"),
                bqplot.Axis(scale=self.grad_scale, side="left", tick_style=TICKS, tick_format=".0e",
                            grid_lines="dashed", label="‖∂L/∂W‖", label_offset="44px")]
        self.deep_figure = bqplot.Figure(
            marks=list(self.deep_lines.values()), axes=axes, legend_location="bottom-right",
            legend_style={"font-size": "10px"}, animation_duration=0,
            fig_margin={"top": 10, "bottom": 36, "left": 62, "right": 10},
            layout=Layout(width="440px", height="230px"))
        add_class(self.deep_figure, "nnviz-vanishing-gradients")
        self.deep_summary = HTML()
        add_class(self.deep_summary, "nnviz-vanishing-summary")
        self._deep_box = VBox([
            HTML(f"<div class='nnviz-header'>Vanishing gradients · {self.depth} hidden layers of {self.width}</div>"),
            self.deep_figure, self.deep_summary])

    # ------------------------------------------------------------------------------------ public
    @property
    def network(self) -> Network:
        """The live network of the histograms."""
        return self.session.network

    def step(self, n: int = 1) -> None:
        """Train the three networks ``n`` epochs now, then redraw."""
        self.group.step(check_int("n", n, low=1))

    def play(self) -> None:
        """Train the three networks in the background (in Jupyter)."""
        self.group.play()

    def pause(self) -> None:
        self.group.pause()

    def reset(self) -> None:
        """New initial weights for the three networks (their seeds' next draws), epoch 0."""
        self.group.reset()

    def set_activation(self, name: str) -> None:
        """Show ``name``'s curve and rebuild the network with it as hidden activation (same shape, seed)."""
        if name not in CHOICES:
            raise ValueError(f"activation must be one of {', '.join(map(repr, CHOICES))}; got {describe(name)}")
        if self.activation.value != name:
            self.activation.value = name  # the observer does the rest
            return
        self._draw_curves()
        net = self.network
        if not self._is_mlp(net):
            self.status.info(f"Showing {name}; this network is not a plain MLP, so it keeps its activations.")
            return
        levels = net.mlp_levels()
        if all(layer.activation.name == name for layer in levels[:-1]):
            return
        units = net.units_per_level()
        new = Network.mlp(units[0], units[1:-1], units[-1], activation=name, loss=net.loss.name,
                          output_activation=levels[-1].activation.name, seed=self.seed,
                          optimizer=self.session.make_optimizer())  # it trains with the settings shown
        self.session.network = new
        self.status.info(f"The network now has {name} hidden units: new weights, epoch 0. Press Play.")

    def redraw(self) -> None:
        """Draw every panel for the networks as they are now."""
        self._draw_histograms()
        for kind in self.deep_sessions:
            self._draw_deep(kind)

    # ------------------------------------------------------------------------------------ drawing
    @staticmethod
    def _hidden_activation(network):
        try:
            levels = network.mlp_levels()
        except (AttributeError, ValueError, TypeError):
            return None
        return levels[0].activation.name if len(levels) > 1 else None

    @staticmethod
    def _is_mlp(network) -> bool:
        try:
            network.mlp_levels()
        except (ValueError, TypeError):
            return False
        return True

    def _inputs(self, session):
        return make_features(session.X_train, self.features), session.y_train

    def _draw_curves(self) -> None:
        name = self.activation.value
        z, f, df = activation_curves([name])[name]
        with self.curve_line.hold_sync():
            self.curve_line.x, self.curve_line.y = z, f
        with self.slope_line.hold_sync():
            self.slope_line.x, self.slope_line.y = z, df
        act = get_activation(name)
        self.formula.value = (f"<div class='nnviz-small'><b>{escape(name)}</b>: {escape(act.formula)} · "
                              f"largest slope {format_number(round(float(np.max(df)), 4))} "
                              f"(at z = {format_number(round(float(z[np.argmax(df)]), 2))})</div>")

    def _draw_histograms(self) -> None:
        F, y = self._inputs(self.session)
        self.stats = stats = activation_stats(self.network, F, y, bins=self.bins)
        self._drawn_at["main"] = time.perf_counter()
        for k, s in enumerate(stats):
            for mark, (xs, ys), counts, edges in ((self.act_bars[k], self._hist_scales[2 * k], s.counts, s.edges),
                                                  (self.grad_bars[k], self._hist_scales[2 * k + 1], s.grad_counts,
                                                   s.grad_edges)):
                centres = 0.5 * (edges[:-1] + edges[1:])
                with mark.hold_sync():
                    mark.x, mark.y = centres, counts
                with xs.hold_sync():
                    xs.min, xs.max = float(edges[0]), float(edges[-1])
                ys.max = float(max(1, counts.max()))
            kind = "Output" if k == len(stats) - 1 else f"Layer {k + 1}"
            self.layer_titles[k].value = (f"<div class='nnviz-header' style='margin:0'>{kind} · "
                                          f"{escape(s.activation)}</div>")
            self.layer_stats[k].value = self._stats_html(s)
        epoch = self.session.epoch
        self._hist_header.value = (f"<div class='nnviz-header'>Every layer on the training set · "
                                   f"{escape(self._arch())} · epoch {epoch}</div>")

    def _stats_html(self, s) -> str:
        lines = [f"a: mean {s.mean:.3g}, std {s.std:.3g}, {100 * s.near_zero:.0f}% near 0"]
        if not math.isnan(s.saturated):
            lines.append(f"{100 * s.saturated:.0f}% saturated (slope ≈ 0)")
        if s.grad_std is not None:
            lines.append(f"δ: std {s.grad_std:.2g}, {100 * s.grad_near_zero:.0f}% near 0")
            lines.append(f"‖∂L/∂W‖ {s.grad_norm:.2g}")
        if s.activation == "relu":
            units = self.network.layers[s.index].params["b"].shape[0]
            dead = set(int(u) for u in s.dead_units)
            chips = "".join(
                f"<span title='unit {u + 1}: {'dead' if u in dead else 'alive'}' class='nnviz-unit "
                f"{'nnviz-dead' if u in dead else 'nnviz-alive'}' style='display:inline-block;width:9px;height:9px;"
                f"margin-right:2px;border-radius:2px;background:{'#999' if u in dead else ACT_BAR}'></span>"
                for u in range(units))
            lines.append(f"<span data-dead='{len(dead)}'>dead units: <b>{len(dead)}</b> of {units}</span><br>{chips}")
        return f"<div class='nnviz-small' style='line-height:1.35'>{'<br>'.join(lines)}</div>"

    def _draw_deep(self, kind: str) -> None:
        session = self.deep_sessions[kind]
        F, y = self._inputs(session)
        self.deep_stats[kind] = stats = activation_stats(session.network, F, y, bins=1)
        self._drawn_at[kind] = time.perf_counter()
        norms = np.array([s.grad_norm for s in stats], dtype=np.float64)
        drawn = np.where(np.isfinite(norms), np.maximum(norms, LOG_FLOOR), np.nan)
        line = self.deep_lines[kind]
        with line.hold_sync():
            line.x = np.arange(1, len(drawn) + 1, dtype=float)
            line.y = drawn
        every = np.concatenate([self.deep_lines[k].y for k in self.deep_lines])
        every = every[np.isfinite(every) & (every > 0)]
        if every.size:
            with self.grad_scale.hold_sync():
                self.grad_scale.min = float(10.0 ** math.floor(math.log10(every.min())))
                self.grad_scale.max = float(10.0 ** math.ceil(math.log10(every.max()) + 1e-9))
        self.deep_summary.value = self._deep_html()

    def _deep_html(self) -> str:
        rows = []
        for kind, stats in self.deep_stats.items():
            first, last = stats[0].grad_norm, stats[-1].grad_norm
            ratio = first / last if last else float("nan")
            loss = self.deep_sessions[kind].network.history["loss"]
            loss_text = f"{loss[-1]:.3f}" if loss else "–"
            rows.append(f"<span style='color:{DEEP_COLORS[kind]}'>■</span> <b>{kind}</b>: first layer {first:.1e}, "
                        f"last {last:.1e} (first / last = <span class='nnviz-ratio-{kind}'>{ratio:.1e}</span>), "
                        f"loss {loss_text}")
        return (f"<div class='nnviz-small' style='line-height:1.5'>{'<br>'.join(rows)}<br>Each sigmoid multiplies "
                f"the gradient by at most 0.25 on its way back, so the first layers hardly learn.</div>")

    def _arch(self) -> str:
        return repr(self.network)[len("Network("):].split(", loss=")[0]

    # ------------------------------------------------------------------------------------ callbacks
    def _due(self, key: str, event) -> bool:
        return not event.playing or time.perf_counter() - self._drawn_at.get(key, 0.0) >= REDRAW_EVERY[key]

    @guarded
    def _on_main_frame(self, event) -> None:
        if self._due("main", event):
            self._draw_histograms()

    def _deep_frame_callback(self, kind: str):
        @guarded
        def on_frame(self, event) -> None:
            if self._due(kind, event):
                self._draw_deep(kind)

        return lambda event: on_frame(self, event)

    @guarded
    def _on_activation(self, change) -> None:
        self.set_activation(change["new"])

    @guarded
    def _on_network(self, change) -> None:
        net = change["new"]
        shape = net.units_per_level() if self._is_mlp(net) else len([la for la in net.layers if la.params])
        if shape != self._shape:
            self._build_histograms()
        self._draw_histograms()

    # ------------------------------------------------------------------------------------ lifecycle
    def _stop_work(self) -> None:
        self.group.close()

    def __repr__(self) -> str:
        if self._closed:
            return "ActivationExplorer(closed)"
        dead = sum(s.n_dead for s in self.stats)
        return (f"ActivationExplorer({self._arch()}; showing {self.activation.value}; epoch {self.session.epoch}, "
                f"{dead} dead units; deep sigmoid vs relu, {self.depth} hidden layers)")
