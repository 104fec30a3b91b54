"""The big square: the network's output over the plane, with the data points on top."""
from __future__ import annotations

import numpy as np
import traitlets
from ipywidgets import HTML, Button, HBox, Layout, VBox, Widget

from nnviz.analysis import (
    CLASS_COLORS,
    HEATMAP_ALPHA,
    PLAYGROUND_COLORS,
    decision_grid,
    diverging_rgba,
    encode_png,
    feature_grids,
    make_grid,
    neuron_grids,
    output_rgba,
    sequential_rgba,
)
from nnviz.data import FEATURES, check_dataset

from ._colors import point_colors
from ._common import (
    add_class, check_bool, check_features, check_int, check_network, describe, escape, guarded, one_blas_thread,
    set_visible,
)
from ._style import style_widget
from .canvas_map import CanvasMap
from .status import ReportsErrors, StatusArea

__all__ = ["DecisionBoundaryPlot"]

VIEW = (-6.0, 6.0, -6.0, 6.0)
_MARGIN = {"top": 6, "bottom": 26, "left": 32, "right": 6}
#: Radius of a data point in pixels (bqplot's default dot of 26 px² had r ≈ 2.9, plus its outline).
_POINT_RADIUS = 3.0


class DecisionBoundaryPlot(ReportsErrors, VBox):
    """The network's output over [-6, 6]² as an orange–white–blue heatmap, with the data on top.

    Binary output: P(class 1) from orange (0) through grey (0.5) to blue (1). Multi-class: each region
    in its class colour, faded where the network is unsure. Regression: the output on the same scale
    over [-1, 1]. Training points have a white edge, test points a black one (as in the playground).
    Any neuron can be shown large instead of the output (:meth:`show_neuron`).

    The heatmap is coloured in NumPy and drawn on a :class:`~nnviz.widgets.canvas_map.CanvasMap`: one
    binary buffer of raw RGBA pixels per redraw, put on a canvas the size of the grid that the browser
    scales up (smoothly, or as crisp squares when ``discretize``). The points sit on their own layer,
    sent only when the data change.

    Parameters
    ----------
    network : nnviz.core.Network
    X_train : array-like of shape (n_samples, 2)
        Training points (x1, x2) — the raw points, not the features.
    y_train : array-like of shape (n_samples,)
        Their labels (0/1, class labels) or regression targets.
    X_test, y_test : array-like or None
        Test points, drawn with a black edge when ``show_test``.
    features : sequence of str, default ("x1", "x2")
        The network's input features (keys of :data:`nnviz.data.FEATURES`), one per input.
    resolution : int, default 100
        Grid cells per side (the playground's 100 x 100).
    discretize : bool, default False
        Flat class colours instead of the graded output.
    show_test : bool, default True
    size : int, default 300
        Side of the heatmap in pixels.
    title : str or None, default "Output"
        Heading above the plot while it shows the output (None: no heading then; a neuron shown
        large is always named).
    status : StatusArea or None
        Where messages go (a new one below the plot when None).

    Attributes
    ----------
    map : CanvasMap
        The map (CSS class ``nnviz-decision``): its raster is the heatmap, its point sets ``"train"``
        and ``"test"`` the data. ``map.on_click(callback)`` reports clicks in data coordinates.
    figure : CanvasMap
        The same map (the name the Playground's layout and older code use).
    train_scatter, test_scatter : PointSet
        The training and test points on the map (``x``, ``y``, ``colors``, settable ``visible``).
    focus : tuple (level, unit) or None
        What the heatmap shows: None for the output; level 0 is the input features, level ``l >= 1``
        the l-th Dense layer.

    Examples
    --------
    >>> X, y = make_dataset("circle", seed=0)
    >>> net = Network.mlp(2, [4, 2], seed=0)
    >>> plot = DecisionBoundaryPlot(net, X, y)
    >>> net.fit(X, y, epochs=20); plot.update()
    """

    focus = traitlets.Any(None, help="None (the output) or (level, unit) of the neuron shown large")

    def __init__(
        self,
        network,
        X_train,
        y_train,
        X_test=None,
        y_test=None,
        features=("x1", "x2"),
        *,
        resolution: int = 100,
        discretize: bool = False,
        show_test: bool = True,
        size: int = 300,
        title: str | None = "Output",
        status: StatusArea | None = None,
    ):
        self._network = check_network(network)
        self._features = check_features(features, self._network)
        self._grid = make_grid(VIEW, check_int("resolution", resolution, low=2, high=400))
        self._discretize = check_bool("discretize", discretize)
        size = check_int("size", size, low=50, high=2000)
        if title is not None and not isinstance(title, str):
            raise TypeError(f"title must be a string or None, got {describe(title)}")
        self._title = title
        own_status = status is None
        self.status = StatusArea() if own_status else status

        self.map = CanvasMap(VIEW, size, size, x_ticks=np.arange(-6, 7, 2), y_ticks=np.arange(-6, 7, 2),
                             margin=dict(_MARGIN), pixelated=self._discretize)
        self.map.layout.margin = "0"
        self.figure = self.map
        self._png: bytes | None = None
        add_class(self.map, "nnviz-decision")
        self.title = HTML()
        add_class(self.title, "nnviz-decision-title")
        self.output_button = Button(description="Output", icon="undo", tooltip="show the network's output again",
                                    layout=Layout(width="82px", height="24px", padding="0"))
        add_class(self.output_button, "nnviz-show-output")
        self.legend = HTML()
        add_class(self.legend, "nnviz-legend")
        self.header = HBox([self.title, self.output_button],
                           layout=Layout(align_items="center", justify_content="space-between", min_height="26px"))
        self._owned = [style_widget(), self.status] if own_status else []
        super().__init__([self.header, self.map, self.legend] + self._owned)
        add_class(self, "nnviz-decision-plot")
        self.output_button.on_click(self._on_output_button)

        self.set_data(X_train, y_train, X_test, y_test)
        self.show_test = show_test
        self._refresh_labels()
        self.update()

    # -- checks ---------------------------------------------------------------------------------
    def _check_xy(self, X, y, names):
        try:
            return check_dataset(X, y, task=self._network.task)
        except (TypeError, ValueError) as exc:
            raise type(exc)(f"{names}: {exc}") from None

    # -- properties -----------------------------------------------------------------------------
    @property
    def network(self):
        return self._network

    @property
    def features(self) -> tuple:
        return self._features

    @property
    def png(self) -> bytes:
        """The heatmap on screen as a PNG (RGB, exactly the pixels the map shows; made when asked)."""
        if self._png is None:
            if self.map.frames == 0:
                return encode_png(np.full((1, 1, 3), 255, dtype=np.uint8))
            self._png = encode_png(np.ascontiguousarray(self.map.image_rgba[..., :3]), flip_vertical=False)
        return self._png

    @property
    def train_scatter(self):
        return self.map.points["train"]

    @property
    def test_scatter(self):
        return self.map.points["test"]

    @property
    def discretize(self) -> bool:
        return self._discretize

    @discretize.setter
    def discretize(self, value) -> None:
        self._discretize = check_bool("discretize", value)
        self.map.pixelated = self._discretize
        self.update()

    @property
    def show_test(self) -> bool:
        return self.map.points["test"].visible

    @show_test.setter
    def show_test(self, value) -> None:
        self.map.show_points("test", check_bool("show_test", value))

    # -- changing what is drawn -----------------------------------------------------------------
    def set_network(self, network, features=None) -> None:
        """Draw another network (and its features); the view returns to the output."""
        network = check_network(network)
        features = check_features(self._features if features is None else features, network)
        self._network, self._features, self.focus = network, features, None
        self._refresh_labels()
        self.update()

    def set_data(self, X_train, y_train, X_test=None, y_test=None) -> None:
        """Replace the points drawn (the network's task decides how labels are coloured)."""
        task = self._network.task
        X_train, y_train = self._check_xy(X_train, y_train, "X_train, y_train")
        if (X_test is None) != (y_test is None):
            raise ValueError("X_test and y_test must be given together (or both None)")
        if X_test is not None:
            X_test, y_test = self._check_xy(X_test, y_test, "X_test, y_test")
        with self.map.hold_sync():
            self.map.set_points("train", X_train[:, 0], X_train[:, 1], point_colors(y_train, task),
                                stroke="#ffffff", radius=_POINT_RADIUS)
            if X_test is None:
                X_test, y_test = np.zeros((0, 2)), np.zeros(0)
            self.map.set_points("test", X_test[:, 0], X_test[:, 1], point_colors(y_test, task),
                                stroke="#000000", radius=_POINT_RADIUS)

    def show_neuron(self, level: int, unit: int) -> None:
        """Show one neuron large: ``level`` 0 is the input features, ``level >= 1`` the Dense layers
        (the last one is the output layer), ``unit`` counts from 0."""
        sizes = [len(self._features)] + self._network.sizes[1:]
        level = check_int("level", level, low=0, high=len(sizes) - 1)
        unit = check_int("unit", unit, low=0, high=sizes[level] - 1)
        last = len(sizes) - 1
        self.focus = None if (level == last and sizes[last] == 1) else (level, unit)
        self._refresh_labels()
        self.update()

    def show_output(self) -> None:
        """Show the network's output again."""
        self.focus = None
        self._refresh_labels()
        self.update()

    # -- drawing --------------------------------------------------------------------------------
    def _rgba(self) -> np.ndarray | None:
        """The heatmap's colours (resolution, resolution, 4), or None if the values are not finite."""
        net, grid, features = self._network, self._grid, self._features
        if self.focus is None:
            values = decision_grid(net, grid, features)
            if not np.isfinite(values).all():
                return None
            return output_rgba(values, net.task, self._discretize)
        level, unit = self.focus
        if level == 0:
            values = feature_grids(grid, features)[unit]
            top = float(np.abs(values).max()) or 1.0
            return diverging_rgba(values, -top, top)
        values = neuron_grids(net, grid, features)[level - 1][unit]
        if not np.isfinite(values).all():
            return None
        if level == len(net.dense_layers) and net.task == "multiclass":
            return sequential_rgba(values, CLASS_COLORS[unit % len(CLASS_COLORS)])
        if level == len(net.dense_layers) and net.task == "binary":
            return diverging_rgba(values, 0.0, 1.0, self._discretize)
        return diverging_rgba(values, -1.0, 1.0)

    def update(self) -> bool:
        """Recompute the heatmap from the network's current weights and send it if it changed.

        Returns False (and keeps the previous picture, with a warning) when the network's output is
        not finite: nothing is ever drawn from NaN.
        """
        with one_blas_thread():
            rgba = self._rgba()
        if rgba is None:
            if self.status.kind != "error":  # a divergence message says more; keep it
                self.status.warning("The network's output is not finite (NaN or inf); the picture was not updated.")
            return False
        if not self.map.show_image(rgba, alpha=HEATMAP_ALPHA):
            return False
        self._png = None
        return True

    def _refresh_labels(self) -> None:
        text = self._describe_focus()
        self.title.value = (f"<span class='nnviz-header' style='white-space:nowrap'>{escape(text)}</span>"
                            if text else "")
        set_visible(self.output_button, self.focus is not None)
        self.legend.value = self._legend_html()

    def _describe_focus(self) -> str:
        if self.focus is None:
            return self._title or ""
        level, unit = self.focus
        if level == 0:
            return f"Input {FEATURES[self._features[unit]].label}"
        if level == len(self._network.dense_layers):
            return f"Output unit {unit}: P(class {unit})" if self._network.task == "multiclass" else f"Output unit {unit}"
        return f"Layer {level}, neuron {unit + 1}"

    def _legend_html(self) -> str:
        neg, mid, pos = PLAYGROUND_COLORS["negative"], PLAYGROUND_COLORS["neutral"], PLAYGROUND_COLORS["positive"]
        task = self._network.task
        if self.focus is None and task == "multiclass":
            k = self._network.n_outputs
            chip = "display:inline-block;width:10px;height:10px;margin:0 3px 0 8px;vertical-align:middle"
            chips = "".join(
                f"<span style='{chip};background:{CLASS_COLORS[c % len(CLASS_COLORS)]}'></span>class {c}"
                for c in range(k)
            )
            return f"<div class='nnviz-small'>{chips}</div>"
        if self.focus is None and task == "binary":
            left, right = "class 0 (P = 0)", "class 1 (P = 1)"
        elif self.focus is not None and self.focus[0] == 0:
            left, right = "low", "high"
        else:
            left, right = "−1", "+1"
        return (
            "<div class='nnviz-small' style='display:flex;align-items:center;gap:6px'>"
            f"<span>{left}</span><span style='flex:1;height:8px;border-radius:2px;"
            f"background:linear-gradient(to right,{neg},{mid},{pos});opacity:0.75'></span><span>{right}</span></div>"
        )

    @guarded
    def _on_output_button(self, _button) -> None:
        self.show_output()

    def __repr__(self) -> str:
        shown = self._describe_focus() if self.focus is not None else "the output"
        return (
            f"DecisionBoundaryPlot({self._network!r}, {len(self.train_scatter)} train / "
            f"{len(self.test_scatter)} test points, showing {shown})"
        )

    def close(self) -> None:
        """Close the map, the heading, the button and the legend too (and the status area if it is ours),
        with their layout and style models."""
        parts = ("map", "title", "output_button", "header", "legend")
        for widget in [getattr(self, name, None) for name in parts] + list(getattr(self, "_owned", [])) + [self]:
            if widget is None:
                continue
            extras = [getattr(widget, "layout", None), getattr(widget, "style", None)]
            if widget is self:
                super().close()
            else:
                widget.close()
            for extra in extras:
                if isinstance(extra, Widget):
                    extra.close()
