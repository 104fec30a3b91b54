"""A thumbnail of every neuron's output over the plane; clicking one shows it large."""
from __future__ import annotations

import bqplot
import numpy as np
import traitlets
from ipywidgets import Layout, VBox

from nnviz.analysis import (
    CLASS_COLORS,
    diverging_rgba,
    encode_png,
    feature_grids,
    graph_layout,
    make_grid,
    neuron_grids,
    sequential_rgba,
)
from nnviz.data import FEATURES

from ._colors import TEXT, on_white
from ._common import add_class, check_bool, check_features, check_int, check_network, describe, guarded, one_blas_thread
from ._image_feed import ImageFeed
from ._style import style_widget
from .status import ReportsErrors, StatusArea

__all__ = ["ActivationHeatmaps"]

VIEW = (-6.0, 6.0, -6.0, 6.0)
BORDER = "#bbbbbb"  # the playground's node frame
SELECTED = "#333333"
#: Screen pixels per thumbnail pixel: thumbnails are computed at half their drawn size (the playground
#: computes its 30 px thumbnails from 10 x 10 samples) and the browser smooths them when drawing.
PIXEL = 2
LABEL_MARGIN = 40  # room left of the input columns for the inputs' labels (with half a column: sin(X₁) fits)
HEADER_MARGIN = 16  # room above the columns for their titles


class ActivationHeatmaps(ReportsErrors, VBox):
    """Every neuron's output over [-6, 6]² as a small heatmap, laid out in columns by layer.

    All thumbnails are coloured in NumPy and packed into **one** PNG per redraw (a bqplot ``Image``
    mark), so a network of 50 neurons costs the browser one image decode, not 50 figures; each
    thumbnail is computed at half its drawn size (15 x 15 for 30 px) and smoothed by the browser. A
    transparent square over each thumbnail catches clicks: clicking a neuron selects it (and, with
    ``main_plot``, shows it large there); clicking it again goes back to the output.

    Parameters
    ----------
    network : nnviz.core.Network
    features : sequence of str, default ("x1", "x2")
        The network's input features, one per input.
    main_plot : DecisionBoundaryPlot or None
        Where a clicked neuron is shown large.
    show_inputs : bool, default False
        Also show the input features (level 0) as a first column.
    show_output : bool, default True
        Also show the output layer as a last column.
    width, height : int, default 440, 300
        Size of the drawing in pixels.
    thumbnail : int, default 30
        Side of a thumbnail in pixels (its grid has half as many cells per side); shrunk when columns
        are crowded.
    status : StatusArea or None
        Where messages go (a new one below when None).

    Attributes
    ----------
    figure : bqplot.Figure
        CSS class ``nnviz-graph``; the thumbnails are its ``<image>``.
    atlas : ImageFeed
        The packed thumbnails (``atlas.png``).
    node_scatter : bqplot.Scatter
        The click targets, one per neuron, in the order of :attr:`nodes`.
    nodes : list of (level, unit)
        Level 0 is the inputs, level ``l >= 1`` the l-th level with weights (``network.mlp_levels()[l - 1]``).
    selected : tuple (level, unit) or None
        The neuron shown large.
    """

    selected = traitlets.Any(None, help="(level, unit) of the selected neuron, or None")

    def __init__(
        self,
        network,
        features=("x1", "x2"),
        *,
        main_plot=None,
        show_inputs: bool = False,
        show_output: bool = True,
        width: int = 440,
        height: int = 300,
        thumbnail: int = 30,
        status: StatusArea | None = None,
    ):
        self._network = check_network(network)
        self._features = check_features(features, self._network)
        self._main_plot = None
        self.show_inputs = check_bool("show_inputs", show_inputs)
        self.show_output = check_bool("show_output", show_output)
        self.width = check_int("width", width, low=100, high=4000)
        self.height = check_int("height", height, low=60, high=4000)
        self.max_thumbnail = check_int("thumbnail", thumbnail, low=8, high=200)
        self.clickable = True
        own_status = status is None
        self.status = StatusArea() if own_status else status

        self.x_scale = bqplot.LinearScale(min=0.0, max=float(self.width), allow_padding=False)
        self.y_scale = bqplot.LinearScale(min=0.0, max=float(self.height), allow_padding=False)
        self.scales = {"x": self.x_scale, "y": self.y_scale}
        self._create_marks()
        self.figure = bqplot.Figure(
            marks=self._marks(),
            fig_margin={"top": 0, "bottom": 0, "left": 0, "right": 0}, display_toolbar=False,
            padding_x=0.0, padding_y=0.0, animation_duration=0,
            min_aspect_ratio=0.01, max_aspect_ratio=100,
            layout=Layout(width=f"{self.width}px", height=f"{self.height}px", margin="0"),
        )
        add_class(self.figure, "nnviz-graph")
        super().__init__(self._children() + ([style_widget(), self.status] if own_status else []))
        add_class(self, "nnviz-activations")
        self.node_scatter.on_element_click(self._on_node_click)
        self.main_plot = main_plot
        self._relayout()
        self.update()

    def _create_marks(self) -> None:
        """Create the marks (once); subclasses add theirs."""
        self.atlas = ImageFeed(self.scales, pixelated=False)
        frame = dict(scales=self.scales, marker="square", fill=False, enable_hover=False, interactions={})
        self.frames = bqplot.Scatter(x=[], y=[], colors=[BORDER], stroke=BORDER, stroke_width=1.0, **frame)
        self.selection_frame = bqplot.Scatter(x=[0.0], y=[0.0], colors=[SELECTED], stroke=SELECTED,
                                              stroke_width=2.0, visible=False, **frame)
        self.node_scatter = bqplot.Scatter(
            x=[], y=[], scales=self.scales, marker="square", opacities=[0.0],
            colors=["#ffffff"], enable_hover=False, interactions={},
        )
        self.input_labels = bqplot.Label(x=[], y=[], text=[], scales=self.scales, colors=[TEXT],
                                         default_size=12, align="end", x_offset=-4, y_offset=4)
        self.headers = bqplot.Label(x=[], y=[], text=[], scales=self.scales, colors=[TEXT],
                                    default_size=11, align="middle", y_offset=0)

    def _marks(self) -> list:
        """The figure's marks, bottom to top."""
        return [self.atlas.mark, self.frames, self.selection_frame, self.input_labels, self.headers,
                self.node_scatter]

    def _children(self) -> list:
        return [self.figure]

    # -- properties -----------------------------------------------------------------------------
    @property
    def network(self):
        return self._network

    @property
    def features(self) -> tuple:
        return self._features

    @property
    def main_plot(self):
        """The DecisionBoundaryPlot where a clicked neuron is shown large (or None)."""
        return self._main_plot

    @main_plot.setter
    def main_plot(self, plot) -> None:
        if plot is not None and not hasattr(plot, "show_neuron"):
            raise TypeError(f"main_plot must be a DecisionBoundaryPlot or None, got {describe(plot)}")
        if self._main_plot is not None:
            self._main_plot.unobserve(self._on_main_focus, "focus")
        self._main_plot = plot
        if plot is not None:
            plot.observe(self._on_main_focus, "focus")

    @property
    def png(self) -> bytes:
        """The PNG of all thumbnails on screen."""
        return self.atlas.png

    @property
    def levels(self) -> list[int]:
        """The levels drawn, left to right (0 = inputs, l = ``network.mlp_levels()[l - 1]``)."""
        n_dense = len(self._network.mlp_levels())
        levels = list(range(1, n_dense))
        if self.show_inputs:
            levels.insert(0, 0)
        if self.show_output:
            levels.append(n_dense)
        return levels

    @property
    def column_width(self) -> float:
        """Width of one column in pixels (for lining controls up with the columns)."""
        return (self.width - self._left) / max(len(self.levels), 1)

    @property
    def left_margin(self) -> int:
        return self._left

    def level_size(self, level: int) -> int:
        return len(self._features) if level == 0 else self._network.units_per_level()[level]

    # -- changing what is drawn -----------------------------------------------------------------
    def set_size(self, width: int | None = None, height: int | None = None) -> None:
        """Resize the drawing (pixels) and lay the neurons out again."""
        if width is not None:
            self.width = check_int("width", width, low=100, high=4000)
        if height is not None:
            self.height = check_int("height", height, low=60, high=4000)
        with self.x_scale.hold_sync():
            self.x_scale.max = float(self.width)
        self.y_scale.max = float(self.height)
        self.figure.layout.width = f"{self.width}px"
        self.figure.layout.height = f"{self.height}px"
        self._relayout()
        self.update()

    def set_network(self, network, features=None) -> None:
        """Draw another network (and its features); the selection is cleared."""
        network = check_network(network)
        features = check_features(self._features if features is None else features, network)
        self._network, self._features = network, features
        self.selected = None
        self._relayout()
        self.update()

    def select(self, level: int | None, unit: int | None = None) -> None:
        """Select a neuron (``None`` to clear); with ``main_plot`` it is shown large there."""
        if level is None:
            self.selected = None
        else:
            levels = self.levels
            level = check_int("level", level, low=min(levels), high=max(levels))
            if level not in levels:
                raise ValueError(f"level {level} is not drawn here; drawn levels: {levels}")
            unit = check_int("unit", unit, low=0, high=self.level_size(level) - 1)
            self.selected = (level, unit)
        self._show_selected_frame()
        if self.main_plot is not None:
            if self.selected is None:
                self.main_plot.show_output()
            else:
                self.main_plot.show_neuron(*self.selected)

    # -- geometry (only when the architecture changes) ------------------------------------------
    def _relayout(self) -> None:
        levels = self.levels
        sizes = [self.level_size(level) for level in levels]
        self._left = LABEL_MARGIN if self.show_inputs else 0
        top = HEADER_MARGIN if self._show_headers() else 0
        width, height = self.width - self._left, self.height - top
        layout = graph_layout(sizes, width=width, height=height)
        spacing = min(height / max(sizes), 0.6 * width / len(sizes))
        cells = int(max(4, min(self.max_thumbnail, 0.82 * spacing) // PIXEL))
        self.thumbnail = t = cells * PIXEL
        # snap every thumbnail's lower-left corner to the atlas's pixel grid, so that pixels line up
        corners = np.concatenate([xy for xy in layout]) - t / 2
        corners[:, 0] += self._left
        origin = np.floor(corners.min(axis=0)) - PIXEL
        corners = origin + np.rint((corners - origin) / PIXEL) * PIXEL
        centres = corners + t / 2
        self.nodes = [(level, unit) for level, n in zip(levels, sizes) for unit in range(n)]
        self._positions = {node: (float(x), float(y)) for node, (x, y) in zip(self.nodes, centres)}
        self._cells = {node: ((corners[k] - origin) / PIXEL).astype(int) for k, node in enumerate(self.nodes)}
        extent = (np.ceil((corners.max(axis=0) + t - origin) / PIXEL) + 1).astype(int)
        self._atlas_shape = (int(extent[1]), int(extent[0]), 3)  # rows, columns, RGB
        self.atlas.place((origin[0], origin[0] + extent[0] * PIXEL), (origin[1], origin[1] + extent[1] * PIXEL))
        xs, ys = centres[:, 0].astype(np.float32), centres[:, 1].astype(np.float32)
        with self.node_scatter.hold_sync():
            self.node_scatter.x, self.node_scatter.y = xs, ys
            self.node_scatter.default_size = int(t * t)
        with self.frames.hold_sync():
            self.frames.x, self.frames.y = xs, ys
            self.frames.default_size = int((t + 1) ** 2)
        self.selection_frame.default_size = int((t + 4) ** 2)
        self._grid = make_grid(VIEW, cells)
        self._input_cache = None
        self._relabel(levels, top)
        self._show_selected_frame()

    def _show_headers(self) -> bool:
        return True

    def _relabel(self, levels, top) -> None:
        with self.input_labels.hold_sync():
            if self.show_inputs:
                xy = np.array([self._positions[(0, u)] for u in range(len(self._features))], dtype=np.float32)
                self.input_labels.x = xy[:, 0] - self.thumbnail / 2
                self.input_labels.y = xy[:, 1]
                self.input_labels.text = [FEATURES[f].label for f in self._features]
            else:
                self.input_labels.x, self.input_labels.y, self.input_labels.text = [], [], []
        n_dense = len(self._network.mlp_levels())
        with self.headers.hold_sync():
            if self._show_headers():
                self.headers.x = np.array([self._positions[(lv, 0)][0] for lv in levels], dtype=np.float32)
                self.headers.y = np.full(len(levels), self.height - top + 4, dtype=np.float32)
                self.headers.text = [
                    "Inputs" if lv == 0 else "Output" if lv == n_dense else f"Layer {lv}" for lv in levels
                ]
            else:
                self.headers.x, self.headers.y, self.headers.text = [], [], []

    # -- drawing --------------------------------------------------------------------------------
    def _thumbnails(self) -> dict:
        """``{level: uint8 RGBA of shape (n_units, T, T, 4)}`` for every drawn level."""
        net, grid, features = self._network, self._grid, self._features
        n_dense = len(net.mlp_levels())
        levels = self.levels
        out = {}
        if 0 in levels:
            if self._input_cache is None:  # inputs never change while training
                values = feature_grids(grid, features)
                top = np.abs(values).reshape(len(values), -1).max(axis=1)
                top[top == 0] = 1.0
                self._input_cache = diverging_rgba(values / top[:, None, None])
            out[0] = self._input_cache
        grids = neuron_grids(net, grid, features)
        for level in levels:
            if level == 0:
                continue
            values = grids[level - 1]
            if not np.isfinite(values).all():
                return {}
            if level == n_dense and net.task == "multiclass":
                rgba = np.stack([sequential_rgba(v, CLASS_COLORS[u % len(CLASS_COLORS)]) for u, v in enumerate(values)])
            elif level == n_dense and net.task == "binary":
                rgba = diverging_rgba(values, 0.0, 1.0)
            else:
                rgba = diverging_rgba(values, -1.0, 1.0)
            out[level] = rgba
        return out

    def _compose(self, thumbs: dict) -> np.ndarray:
        """Pack the thumbnails into one RGB picture on white (row 0 at the top), one cell per pixel."""
        atlas = np.full(self._atlas_shape, 255, dtype=np.uint8)
        rows = self._atlas_shape[0]
        n = self._grid.resolution
        for level, rgba in thumbs.items():
            rgb = on_white(rgba[:, ::-1])  # thumbnails have row 0 at the bottom; the atlas at the top
            for unit in range(len(rgb)):
                col, row = self._cells[(level, unit)]
                top = rows - row - n
                atlas[top : top + n, col : col + n] = rgb[unit]
        return atlas

    def _show_selected_frame(self) -> None:
        if self.selected is None or self.selected not in self._positions:
            self.selection_frame.visible = False
            return
        x, y = self._positions[self.selected]
        with self.selection_frame.hold_sync():
            self.selection_frame.x, self.selection_frame.y = [x], [y]
            self.selection_frame.visible = True

    def update(self, thumbnails: bool = True) -> bool:
        """Recompute the thumbnails from the network's weights and send them if they changed."""
        if not thumbnails:
            return False
        with one_blas_thread():
            thumbs = self._thumbnails()
        if not thumbs:
            if self.status.kind != "error":  # a divergence message says more; keep it
                self.status.warning("Some neuron outputs are not finite (NaN or inf); the thumbnails were not updated.")
            return False
        return self.atlas.show(encode_png(self._compose(thumbs), flip_vertical=False))

    # -- callbacks ------------------------------------------------------------------------------
    @guarded
    def _on_node_click(self, _mark, event) -> None:
        if not self.clickable:
            return
        level, unit = self.nodes[int(event["data"]["index"])]
        single_output = self.show_output and level == max(self.levels) and self.level_size(level) == 1
        if self.selected == (level, unit) or single_output:
            self.select(None)
        else:
            self.select(level, unit)

    @guarded
    def _on_main_focus(self, change) -> None:
        # the big plot went back to the output (its own button): drop the selection frame
        if change["new"] is None and self.selected is not None:
            self.selected = None
            self._show_selected_frame()

    def __repr__(self) -> str:
        sizes = "-".join(str(self.level_size(level)) for level in self.levels)
        sel = f", selected {self.selected}" if self.selected else ""
        return f"{type(self).__name__}({len(self.nodes)} neurons in columns {sizes}, thumbnails {self.thumbnail}px{sel})"
