"""The layer-space view: the input plane, its grid lines and the data points, drawn in every layer's own
space while the network trains (ConvNetJS's hidden-space view, colah's "manifolds" pictures)."""
from __future__ import annotations

import bqplot
import numpy as np
from ipywidgets import HTML, Dropdown, HBox, Layout, VBox

from nnviz.analysis import grid_lines, layer_space
from nnviz.core import Network
from nnviz.data import DEFAULT_FEATURES, make_dataset

from ._colors import point_colors
from ._common import add_class, check_features, check_int, check_network, describe, escape, guarded
from ._owned import OwnsModels, models_under, records_models
from ._session_bar import SessionBar
from ._style import style_widget
from .session import TrainingSession
from .status import ReportsErrors, StatusArea

__all__ = ["LayerSpaceView"]

BIG, SMALL = 380, 168
#: Lines of constant x1 and of constant x2 of the input plane.
GRID_COLORS = ("#9ab7d3", "#d9b38c")
SEPARATOR = "#333333"
#: Activations with a bounded output: their 2-unit spaces are drawn over the fixed square.
BOUNDS = {"tanh": (-1.08, 1.08), "sigmoid": (-0.04, 1.04)}
PCA, NEURONS = "PCA (first two components)", "two neurons"


class _Panel:
    """One level's picture: grid lines, points and the output layer's separating line on one figure."""

    def __init__(self, size: int, n_lines: int, colors: list, big: bool):
        self.x_scale = bqplot.LinearScale(min=-1.0, max=1.0, allow_padding=False)
        self.y_scale = bqplot.LinearScale(min=-1.0, max=1.0, allow_padding=False)
        sc = {"x": self.x_scale, "y": self.y_scale}
        quiet = dict(enable_hover=False, interactions={})
        line_colors = [GRID_COLORS[0]] * n_lines + [GRID_COLORS[1]] * n_lines
        self.grid = bqplot.Lines(x=np.zeros((2 * n_lines, 2)), y=np.zeros((2 * n_lines, 2)), scales=sc,
                                 colors=line_colors, stroke_width=1.0 if big else 0.7, **quiet)
        self.points = bqplot.Scatter(x=[], y=[], scales=sc, colors=colors, default_size=28 if big else 10,
                                     stroke="white", stroke_width=0.5 if big else 0.2, **quiet)
        self.separator = bqplot.Lines(x=[0.0, 0.0], y=[0.0, 0.0], scales=sc, colors=[SEPARATOR], stroke_width=2,
                                      line_style="dashed", visible=False, **quiet)
        margin = {"top": 6, "bottom": 34, "left": 50, "right": 8} if big else {"top": 2, "bottom": 4, "left": 4,
                                                                                  "right": 2}
        self.x_axis = bqplot.Axis(scale=self.x_scale, tick_style={"font-size": "9px"}, tick_format=".2~g",
                                  visible=big, label_offset="26px")
        self.y_axis = bqplot.Axis(scale=self.y_scale, side="left", tick_style={"font-size": "9px"},
                                  tick_format=".2~g", visible=big, label_offset="36px")
        self.figure = bqplot.Figure(marks=[self.grid, self.separator, self.points], axes=[self.x_axis, self.y_axis],
                                    fig_margin=margin, padding_x=0.0, padding_y=0.0, animation_duration=0,
                                    display_toolbar=False, min_aspect_ratio=0.01, max_aspect_ratio=100,
                                    layout=Layout(width=f"{size}px", height=f"{size}px", margin="0"))

    def draw(self, space, activation: str, jitter: np.ndarray, threshold) -> None:
        """Draw ``space`` (a :class:`nnviz.analysis.LayerSpace`); a 1-unit level spreads its points
        vertically by ``jitter`` and marks ``threshold`` (the output's decision value) with a line."""
        pts, lines = space.points, space.lines
        one_d = space.method == "1-d"
        xmin, xmax, ymin, ymax = self._bounds(space, activation, one_d)
        with self.x_scale.hold_sync():
            self.x_scale.min, self.x_scale.max = xmin, xmax
        with self.y_scale.hold_sync():
            self.y_scale.min, self.y_scale.max = ymin, ymax
        with self.points.hold_sync():
            self.points.x = pts[:, 0]
            self.points.y = jitter if one_d else pts[:, 1]
        with self.grid.hold_sync():
            self.grid.x, self.grid.y = lines[..., 0], lines[..., 1]
            self.grid.visible = not one_d
        self.x_axis.label, self.y_axis.label = space.axes[0], ("" if one_d else space.axes[1])
        segment = None
        if space.separator is not None:
            segment = self._line_through(*space.separator, (xmin, xmax, ymin, ymax))
        elif one_d and threshold is not None:
            segment = ([threshold, threshold], [ymin, ymax])
        with self.separator.hold_sync():
            if segment is not None:
                self.separator.x, self.separator.y = segment
            self.separator.visible = segment is not None

    @staticmethod
    def _bounds(space, activation, one_d):
        if space.level == 0:
            lines = space.lines
            return (float(lines[..., 0].min()), float(lines[..., 0].max()),
                    float(lines[..., 1].min()), float(lines[..., 1].max()))
        if space.method in ("identity", "neurons", "1-d") and activation in BOUNDS:
            lo, hi = BOUNDS[activation]
            return (lo, hi, -1.0, 1.0) if one_d else (lo, hi, lo, hi)
        pts = space.points[np.isfinite(space.points).all(axis=1)]
        if not len(pts):
            return -1.0, 1.0, -1.0, 1.0
        lo, hi = pts.min(axis=0), pts.max(axis=0)
        pad = np.maximum(0.12 * (hi - lo), 1e-3)
        lo, hi = lo - pad, hi + pad
        return (float(lo[0]), float(hi[0]), -1.0, 1.0) if one_d else (float(lo[0]), float(hi[0]), float(lo[1]),
                                                                        float(hi[1]))

    @staticmethod
    def _line_through(w, b, box):
        """Where ``w · h + b = 0`` crosses the drawn box, as two end points (None if it misses it)."""
        xmin, xmax, ymin, ymax = box
        w0, w1 = float(w[0]), float(w[1])
        if abs(w1) >= abs(w0) and w1 != 0:
            xs = np.array([xmin, xmax])
            return xs, -(w0 * xs + b) / w1
        if w0 != 0:
            ys = np.array([ymin, ymax])
            return -(w1 * ys + b) / w0, ys
        return None


class LayerSpaceView(OwnsModels, ReportsErrors, VBox):
    """How the data move through the network: the plane, its grid lines and the points in every layer's space.

    Each layer with parameters maps the input plane somewhere: the view draws the data points and the
    grid lines of the plane (light blue: lines of constant x₁, sand: constant x₂) where they land in
    each layer — the layer itself when it has 2 units, otherwise two neurons you choose or its first two
    principal components (:func:`nnviz.analysis.layer_space`), the output layer's single unit against a
    spread of the points. While the network trains (Play) the pictures move: the network folds and
    stretches the plane until, in the last hidden layer, the classes lie on either side of the dashed
    line the output layer draws (``w · h + b = 0``).

    Small multiples show every level at once; the big picture shows the level chosen in ``level``.
    While playing, each frame trains one epoch (``view.session.speed = "auto"`` trains faster).

    Parameters
    ----------
    network : nnviz.core.Network or None
        An MLP on features of 2-D points. None: 2 → 2 tanh → 2 tanh → 1 sigmoid, seeded, whose layers
        are drawn as they are.
    X, y : array-like or None
        Training points of shape (n_samples, 2) and labels (both or neither). None: XOR (the four
        quadrants), 200 points with noise 0.05, seeded: no straight line separates them in the plane.
    features : sequence of str, default ("x1", "x2")
        The network's input features of a point.
    neurons : dict of level to (i, j), or None
        Units drawn for levels with more than 2 units (others: principal components).
    level : int or None
        The level in the big picture (0 is the input plane). None: the last hidden layer.
    lr : float, default 0.03
    n_lines : int, default 9
        Grid lines per direction over [−6, 6]².
    seed : int, default 0
        Seed of the default data and network.

    Attributes
    ----------
    session : TrainingSession
    network : Network
        ``session.network``.
    spaces : list of LayerSpace
        What is drawn now, level 0 first.
    panels : list
        One small picture per level (``.points``, ``.grid``, ``.separator`` bqplot marks); ``big``
        the large one.
    level, coords, neuron_i, neuron_j : ipywidgets.Dropdown
        Which level is big, and how a level with more than 2 units is drawn.
    bar : the Reset / Play / Pause / Step buttons and the learning-rate slider.
    status : StatusArea

    Examples
    --------
    >>> view = LayerSpaceView()
    >>> view.step(100)
    >>> view.spaces[2].points[:3]       # three points in the second hidden layer's plane
    >>> view.level.value = 1            # the first hidden layer, big
    """

    @records_models
    def __init__(self, network=None, X=None, y=None, *, features=DEFAULT_FEATURES, neurons=None, level=None,
                 lr: float = 0.03, n_lines: int = 9, seed: int = 0):
        self.seed = check_int("seed", seed, low=0)
        self.n_lines = check_int("n_lines", n_lines, low=2, high=40)
        if (X is None) != (y is None):
            raise TypeError("LayerSpaceView takes X and y together (or neither, for the XOR data set)")
        if X is None:
            X, y = make_dataset("xor", n=200, noise=0.05, seed=self.seed)
        if network is None:
            network = Network.mlp(2, [2, 2], activation="tanh", seed=self.seed)
        network = check_network(network)
        self.features = check_features(features, network)
        if neurons is not None and not isinstance(neurons, dict):
            raise TypeError(f"neurons must be a dict of level -> (i, j), got {describe(neurons)}")
        self._neurons = dict(neurons or {})
        # one epoch per frame: the pictures move slowly enough to follow (the speed trait changes it)
        self.session = TrainingSession(network, X, y, features=self.features, lr=lr, speed=1,
                                       name="layer-space view")
        self._lines = grid_lines(n_lines=self.n_lines)
        self.status = StatusArea()
        self.spaces: list = []
        self._closed = False
        self.bar = SessionBar(self.session, self.status)
        self.style = style_widget()
        self.title = HTML()
        add_class(self.title, "nnviz-layer-space-title")
        self.level = Dropdown(description="Big picture", style={"description_width": "initial"},
                              layout=Layout(width="300px"))
        self.coords = Dropdown(options=[PCA, NEURONS], value=PCA, description="drawn as",
                               style={"description_width": "initial"}, layout=Layout(width="270px"))
        self.neuron_i = Dropdown(description="x: unit", style={"description_width": "initial"},
                                 layout=Layout(width="120px"))
        self.neuron_j = Dropdown(description="y: unit", style={"description_width": "initial"},
                                 layout=Layout(width="120px"))
        for w, name in ((self.level, "level"), (self.coords, "coords"), (self.neuron_i, "neuron-i"),
                        (self.neuron_j, "neuron-j")):
            add_class(w, f"nnviz-layer-space-{name}")
        self.caption = HTML(layout=Layout(width=f"{BIG}px"))
        add_class(self.caption, "nnviz-layer-space-caption")
        self._small_box = HBox(layout=Layout(flex_flow="row wrap"))
        self._big_box = VBox()
        self._coords_box = HBox([self.coords, self.neuron_i, self.neuron_j])
        self._build_panels(level)
        super().__init__([self.style, self.title, self.bar, self._small_box,
                          HBox([self._big_box, VBox([self.level, self._coords_box, self.caption],
                                                    layout=Layout(margin="0 0 0 12px"))]),
                          self.status])
        add_class(self, "nnviz-layer-space")
        self.level.observe(self._on_level, "value")
        self.coords.observe(self._on_coords, "value")
        self.neuron_i.observe(self._on_neurons, "value")
        self.neuron_j.observe(self._on_neurons, "value")
        self.session.on_frame(self._on_frame)
        self.session.observe(self._on_network, "network")
        self.session.track_views(self)
        self._show_coords()
        self.redraw()
        self.status.info("Press Play and watch the network bend the plane until the two classes sit on either "
                         "side of the dashed line.")

    # ------------------------------------------------------------------------------------ building
    def _levels(self, network) -> list:
        return [layer for layer in network.layers if layer.params]

    def _build_panels(self, level=None) -> None:
        """The pictures for the network's shape (again only when the shape changes)."""
        net = self.network
        try:
            net.mlp_levels()
        except (ValueError, TypeError) as exc:
            raise ValueError(f"network must be an MLP of Dense layers for the layer-space view, got "
                             f"{describe(net)}") from exc
        layers = self._levels(net)
        self._shape = net.units_per_level()
        self._activations = [""] + [layer.activation.name for layer in layers]
        y = np.asarray(self.session.y_train)
        labels = y.argmax(axis=1) if y.ndim == 2 and y.shape[1] > 1 else y.reshape(len(y), -1)[:, 0]
        colors = point_colors(labels, net.task)
        self._jitter = np.random.default_rng(self.seed).uniform(-0.85, 0.85, len(y))
        old = [p.figure for p in getattr(self, "panels", [])] + ([self.big.figure] if hasattr(self, "big") else [])
        self.panels = [_Panel(SMALL, self.n_lines, colors, big=False) for _ in range(len(layers) + 1)]
        self.big = _Panel(BIG, self.n_lines, colors, big=True)
        self._small_titles = [HTML() for _ in self.panels]
        cells = []
        for k, (panel, title) in enumerate(zip(self.panels, self._small_titles)):
            add_class(panel.figure, "nnviz-layer-space-small")
            add_class(title, "nnviz-small")
            cells.append(VBox([title, panel.figure], layout=Layout(margin="0 6px 0 0")))
        add_class(self.big.figure, "nnviz-layer-space-big")
        old_cells = list(self._small_box.children)
        self._small_box.children = cells
        self._big_box.children = [self.big.figure]
        for w in old_cells + old:
            for m in models_under(w):
                m.close()
            w.close()
        options = [(self._level_name(k), k) for k in range(len(layers) + 1)]
        default = max(0, len(layers) - 1) if level is None else check_int("level", level, low=0, high=len(layers))
        self.level.options = options  # (the view is not drawn yet: its observer ignores this)
        self.level.value = default

    def _level_name(self, k: int) -> str:
        if k == 0:
            return "input plane (x₁, x₂)"
        units = self._shape[k]
        last = k == len(self._shape) - 1
        plural = "s" if units > 1 else ""
        return f"{'output' if last else f'hidden layer {k}'}: {units} {self._activations[k]} unit{plural}"

    # ------------------------------------------------------------------------------------ public
    @property
    def network(self) -> Network:
        return self.session.network

    def step(self, n: int = 1) -> None:
        """Train ``n`` epochs now, then redraw."""
        self.session.step(check_int("n", n, low=1))

    def play(self) -> None:
        self.session.play()

    def pause(self) -> None:
        self.session.pause()

    def reset(self) -> None:
        self.session.reset()

    def set_neurons(self, level: int, i: int, j: int) -> None:
        """Draw level ``level`` (more than 2 units) with its units ``i`` and ``j`` (from 0)."""
        level = check_int("level", level, low=1, high=len(self._shape) - 1)
        units = self._shape[level]
        if units <= 2:
            raise ValueError(f"level {level} has {units} unit{'s' if units > 1 else ''}: it is drawn as it is, "
                             "no neurons to choose")
        self._neurons[level] = (check_int("i", i, low=0, high=units - 1), check_int("j", j, low=0, high=units - 1))
        self.redraw()
        self._show_coords()

    def use_pca(self, level: int) -> None:
        """Draw level ``level`` with its first two principal components again."""
        self._neurons.pop(level, None)
        self.redraw()
        self._show_coords()

    def redraw(self) -> None:
        """Map the points and grid lines through the network as it is now and draw every level."""
        X = self.session.X_train
        self.spaces = spaces = layer_space(self.network, X, self.features, lines=self._lines,
                                           neurons=self._neurons or None, previous=self.spaces or None)
        threshold = self._threshold()
        for k, (space, panel) in enumerate(zip(spaces, self.panels)):
            panel.draw(space, self._activations[k], self._jitter, threshold)
            self._small_titles[k].value = (f"<span class='nnviz-small'><b>{'input' if k == 0 else f'layer {k}'}"
                                           f"</b> · {escape(self._method_text(space))}</span>")
        k = self.level.value
        self.big.draw(spaces[k], self._activations[k], self._jitter, threshold)
        self.caption.value = self._caption(spaces[k])
        history = self.network.history
        loss = history["loss"][-1] if len(history) else self.network.evaluate(
            *self._train_inputs())[0]
        acc = history["accuracy"][-1] if len(history) else self.network.evaluate(*self._train_inputs())[1]
        acc_text = "" if acc is None else f" · accuracy {100 * acc:.0f}%"
        self.title.value = (f"<div class='nnviz-header'>The data through the layers · "
                            f"{escape(self._arch())} · epoch {self.session.epoch} · loss {loss:.3f}{acc_text}</div>")

    # ------------------------------------------------------------------------------------ drawing
    def _train_inputs(self):
        from nnviz.data import make_features

        return make_features(self.session.X_train, self.features), self.session.y_train

    def _threshold(self):
        """The output's decision value for a 1-unit classifier (0.5 for sigmoid, else None)."""
        out = self.network.mlp_levels()[-1]
        if out.params["W"].shape[1] != 1 or self.network.task == "regression":
            return None
        return {"sigmoid": 0.5, "tanh": 0.0}.get(out.activation.name)

    @staticmethod
    def _method_text(space) -> str:
        return {"identity": "as it is" if space.level else "the plane", "1-d": "its one unit",
                "pca": "PCA", "neurons": f"{space.axes[0]}, {space.axes[1]}"}[space.method]

    def _caption(self, space) -> str:
        if space.level == 0:
            text = "The input plane: the data and a grid over [−6, 6]². Every other picture is this plane, moved."
        elif space.method == "identity":
            text = (f"This layer has 2 units: each point is drawn at (unit 1, unit 2), the layer's outputs. "
                    f"The grid lines show how the layer bent the plane.")
        elif space.method == "pca":
            ex = space.explained
            text = (f"{space.n_units} units, seen along their first two principal components "
                    f"({100 * ex[0]:.0f}% and {100 * ex[1]:.0f}% of the variance).")
        elif space.method == "neurons":
            text = f"{space.n_units} units; drawn: {space.axes[0]} against {space.axes[1]}."
        else:
            text = ("The output unit: each point at its output (left–right), spread up and down only to be seen. "
                    "The dashed line is the decision threshold.")
        if space.separator is not None:
            text += " The dashed line is where the output layer's weighted sum is 0: its decision boundary."
        return f"<div class='nnviz-small' style='line-height:1.4'>{escape(text)}</div>"

    def _show_coords(self) -> None:
        k = self.level.value
        units = self._shape[k]
        many = units > 2
        self._coords_box.layout.display = None if many else "none"
        if not many:
            return
        unit_options = [(str(u + 1), u) for u in range(units)]
        pair = self._neurons.get(k)
        self._updating = True
        try:
            for dd, v in ((self.neuron_i, pair[0] if pair else 0), (self.neuron_j, pair[1] if pair else 1)):
                if list(dd.options) != unit_options:
                    dd.options = unit_options
                dd.value = v
                dd.disabled = pair is None
            self.coords.value = NEURONS if pair else PCA
        finally:
            self._updating = False

    def _arch(self) -> str:
        return repr(self.network)[len("Network("):].split(", loss=")[0]

    # ------------------------------------------------------------------------------------ callbacks
    @guarded
    def _on_frame(self, _event) -> None:
        self.redraw()

    @guarded
    def _on_level(self, change) -> None:
        if change["new"] is None or not self.spaces:
            return
        self._show_coords()
        k = change["new"]
        self.big.draw(self.spaces[k], self._activations[k], self._jitter, self._threshold())
        self.caption.value = self._caption(self.spaces[k])

    @guarded
    def _on_coords(self, change) -> None:
        if getattr(self, "_updating", False):
            return
        k = self.level.value
        if change["new"] == NEURONS:
            self.set_neurons(k, self.neuron_i.value or 0, 1 if self.neuron_j.value is None else self.neuron_j.value)
        else:
            self.use_pca(k)

    @guarded
    def _on_neurons(self, _change) -> None:
        if getattr(self, "_updating", False) or self.coords.value != NEURONS:
            return
        self.set_neurons(self.level.value, self.neuron_i.value, self.neuron_j.value)

    @guarded
    def _on_network(self, change) -> None:
        net = change["new"]
        self.spaces = []
        if net.units_per_level() != self._shape:
            self._neurons = {}
            self._build_panels()
            self._show_coords()
        self.redraw()

    # ------------------------------------------------------------------------------------ lifecycle
    def _stop_work(self) -> None:
        self.session.close()

    def __repr__(self) -> str:
        if self._closed:
            return "LayerSpaceView(closed)"
        methods = ", ".join(s.method for s in self.spaces[1:])
        return (f"LayerSpaceView({self._arch()}; levels drawn as {methods}; big: level {self.level.value}; "
                f"epoch {self.session.epoch})")
