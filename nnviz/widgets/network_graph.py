"""The network as the playground draws it: neurons as thumbnails, links by weight, weights editable."""
from __future__ import annotations

import math

import bqplot
import numpy as np
from ipywidgets import HTML, Button, FloatText, HBox, Layout, VBox

from nnviz.analysis import PLAYGROUND_COLORS, edge_arrays, edge_curves, edge_style
from nnviz.data import FEATURES

from ._common import add_class, check_float, check_int, escape, guarded
from .activation_heatmaps import ActivationHeatmaps
from .status import StatusArea

__all__ = ["NetworkGraph"]

#: Line widths links are drawn with (one bqplot Lines mark each: a mark has a single width).
WIDTHS = (0.6, 1.2, 2.0, 3.0, 4.0, 5.0, 6.0)
_WIDTH_EDGES = np.array([(a + b) / 2 for a, b in zip(WIDTHS[:-1], WIDTHS[1:])])
#: Link colours are quantised to this many steps per sign, so that small weight changes send nothing.
COLOR_STEPS = 8
CURVE_POINTS = 13
#: Where a link's click dot may sit, as indices of its curve points, in order of preference (t = 1/3
#: first, near the source); a dot moves along its link until it is HANDLE_GAP pixels from every other.
HANDLE_SPOTS = (4, 3, 5, 2, 6, 7, 8, 9, 1, 10)
HANDLE_GAP = 7.0


class NetworkGraph(ActivationHeatmaps):
    """Inputs, hidden neurons and output as thumbnails, joined by links whose width grows with |w|
    and whose colour is the weight's sign (orange negative, blue positive, grey near zero).

    Clicking a neuron shows it large in ``main_plot``; clicking the small dot on a link selects that
    weight: its value is shown and a new one can be typed, which is written into ``layer.W[i, j]``.

    Parameters
    ----------
    network : nnviz.core.Network
    features : sequence of str, default ("x1", "x2")
    main_plot : DecisionBoundaryPlot or None
    width, height, thumbnail : int
        As for :class:`ActivationHeatmaps` (defaults 440, 300, 30).
    status : StatusArea or None

    Attributes
    ----------
    link_marks : list of bqplot.Lines
        One per line width in :data:`WIDTHS`; each holds the links drawn at that width.
    handles : bqplot.Scatter
        One dot per link (in :func:`nnviz.analysis.edge_arrays` order); clicking one selects it.
    selected_link : tuple (layer, i, j) or None
        The weight ``network.mlp_levels()[layer].W[i, j]`` being shown.
    weight_input : ipywidgets.FloatText
        Type a value and press Enter (or "Set weight") to write it.
    weight_label : ipywidgets.HTML
    on_weight_change : list of callables
        Each is called as ``callback(layer, i, j, value)`` after a weight was written.

    Examples
    --------
    >>> graph = NetworkGraph(net)
    >>> graph.select_link(0, 1, 2)        # W[1, 2] of the first level with weights
    >>> graph.set_weight(0.5)
    >>> net.mlp_levels()[0].W[1, 2]
    0.5
    """

    def __init__(self, network, features=("x1", "x2"), *, main_plot=None, width: int = 440, height: int = 300,
                 thumbnail: int = 30, status: StatusArea | None = None):
        self.selected_link = None
        self.on_weight_change = []
        self.editable = True
        self.weight_label = HTML()
        add_class(self.weight_label, "nnviz-weight-label")
        self.weight_input = FloatText(value=0.0, description="new w", continuous_update=False, disabled=True,
                                      layout=Layout(width="120px"), style={"description_width": "initial"})
        add_class(self.weight_input, "nnviz-weight-input")
        self.weight_button = Button(description="Set", disabled=True, tooltip="write the new weight",
                                    layout=Layout(width="56px"))
        add_class(self.weight_button, "nnviz-weight-set")
        self.weight_row = VBox([self.weight_label, HBox([self.weight_input, self.weight_button])],
                               layout=Layout(min_height="58px"))
        self._colors_key = None
        super().__init__(network, features, main_plot=main_plot, show_inputs=True, show_output=True,
                         width=width, height=height, thumbnail=thumbnail, status=status)
        add_class(self, "nnviz-network-graph")
        self.handles.on_element_click(self._on_handle_click)
        self.weight_input.observe(self._on_weight_input, "value")
        self.weight_button.on_click(self._on_weight_button)
        self._show_selection()

    def _create_marks(self) -> None:
        super()._create_marks()
        # fixed colour range (never auto-scaled): the playground's scale over w in [-1, 1]
        self.link_colors = bqplot.ColorScale(
            colors=[PLAYGROUND_COLORS["negative"], PLAYGROUND_COLORS["neutral"], PLAYGROUND_COLORS["positive"]],
            min=-1.0, max=1.0, mid=0.0,
        )
        scales = {**self.scales, "color": self.link_colors}
        self.link_marks = [
            bqplot.Lines(x=[[0.0, 0.0]], y=[[0.0, 0.0]], color=[0.0], scales=scales, stroke_width=w,
                         visible=False, enable_hover=False, interactions={})
            for w in WIDTHS
        ]
        self.selected_mark = bqplot.Lines(x=[0.0, 0.0], y=[0.0, 0.0], scales=self.scales, stroke_width=2.0,
                                          colors=["#222222"], line_style="dashed", visible=False,
                                          enable_hover=False, interactions={})
        self.handles = bqplot.Scatter(x=[], y=[], scales=self.scales, default_size=22, colors=["#666666"],
                                      opacities=[0.35], stroke="white", stroke_width=0.5,
                                      enable_hover=False, interactions={})

    def _marks(self) -> list:
        # the (opaque, white) atlas at the bottom; links run between the thumbnails, over it; link dots
        # and the neurons' click targets on top
        atlas, *rest = super()._marks()
        return [atlas, *self.link_marks, self.selected_mark, *rest[:-1], self.handles, self.node_scatter]

    def _children(self) -> list:
        return [self.figure, self.weight_row]

    def _show_headers(self) -> bool:
        return False  # the Playground's layer controls sit above the columns

    # -- geometry -------------------------------------------------------------------------------
    def _relayout(self) -> None:
        super()._relayout()
        levels, i, j, _ = edge_arrays(self._network)
        half = self.thumbnail / 2
        start = np.array([self._positions[(lv, a)] for lv, a in zip(levels, i)], dtype=np.float64).reshape(-1, 2)
        end = np.array([self._positions[(lv + 1, b)] for lv, b in zip(levels, j)], dtype=np.float64).reshape(-1, 2)
        start[:, 0] += half + 1
        end[:, 0] -= half + 1
        curves = edge_curves(start, end, CURVE_POINTS).astype(np.float32)
        self._curves_x, self._curves_y = curves[..., 0], curves[..., 1]
        self._links = list(zip(levels.tolist(), i.tolist(), j.tolist()))
        spots = self._handle_spots()
        with self.handles.hold_sync():
            self.handles.x = self._curves_x[np.arange(len(spots)), spots]
            self.handles.y = self._curves_y[np.arange(len(spots)), spots]
        self._buckets = [None] * len(WIDTHS)
        self._colors_key = None
        self.selected_link = None
        self._show_selection()

    def _handle_spots(self) -> np.ndarray:
        """For each link, the curve point its click dot sits on, so that no two dots overlap
        (links that cross would otherwise share a spot)."""
        placed = np.empty((0, 2), dtype=np.float32)
        spots = np.empty(len(self._curves_x), dtype=np.int64)
        for k in range(len(spots)):
            for spot in HANDLE_SPOTS:
                xy = np.array([self._curves_x[k, spot], self._curves_y[k, spot]], dtype=np.float32)
                if not len(placed) or np.min(np.hypot(*(placed - xy).T)) >= HANDLE_GAP:
                    break
            else:
                spot = HANDLE_SPOTS[0]  # crowded everywhere: keep the first choice
                xy = np.array([self._curves_x[k, spot], self._curves_y[k, spot]], dtype=np.float32)
            spots[k] = spot
            placed = np.vstack([placed, xy])
        return spots

    # -- drawing --------------------------------------------------------------------------------
    def update(self, thumbnails: bool = True, links: bool = True) -> bool:
        """Redraw the thumbnails and/or the links from the network's current weights."""
        changed = super().update(thumbnails)
        if links:
            changed = self._update_links() or changed
            self._update_weight_label()
        return changed

    def _update_links(self) -> bool:
        weights = edge_arrays(self._network)[3]
        if not np.isfinite(weights).all():
            return False
        widths, _signs = edge_style(weights, max_width=WIDTHS[-1])
        bucket = np.digitize(widths, _WIDTH_EDGES)
        # colour on the playground's scale, quantised so that tiny changes resend nothing
        level = np.rint(np.clip(weights, -1.0, 1.0) * COLOR_STEPS).astype(np.int8)
        colors = level.astype(np.float32) / COLOR_STEPS
        changed = False
        for b, mark in enumerate(self.link_marks):
            members = np.flatnonzero(bucket == b)
            key = (members.tobytes(), level[members].tobytes())
            if key == self._buckets[b]:
                continue
            self._buckets[b] = key
            changed = True
            with mark.hold_sync():
                if members.size:
                    mark.x = self._curves_x[members]
                    mark.y = self._curves_y[members]
                    mark.color = colors[members]
                mark.visible = bool(members.size)
        return changed

    # -- the weight editor ----------------------------------------------------------------------
    def select_link(self, layer: int | None, i: int | None = None, j: int | None = None) -> None:
        """Select the weight ``network.mlp_levels()[layer].W[i, j]`` (``None`` clears the selection)."""
        if layer is None:
            self.selected_link = None
        else:
            dense = self._network.mlp_levels()
            layer = check_int("layer", layer, low=0, high=len(dense) - 1)
            n_in, n_out = dense[layer].W.shape
            i = check_int("i", i, low=0, high=n_in - 1)
            j = check_int("j", j, low=0, high=n_out - 1)
            self.selected_link = (layer, i, j)
        self._show_selection()

    @property
    def selected_weight(self) -> float | None:
        """Current value of the selected weight (None without a selection)."""
        if self.selected_link is None:
            return None
        layer, i, j = self.selected_link
        return float(self._network.mlp_levels()[layer].W[i, j])

    def set_weight(self, value, layer: int | None = None, i: int | None = None, j: int | None = None) -> None:
        """Write ``value`` into the selected weight (or ``W[i, j]`` of ``network.mlp_levels()[layer]``) and redraw.

        The network keeps training from the edited weight at the next step.
        """
        if layer is not None:
            self.select_link(layer, i, j)
        if self.selected_link is None:
            raise ValueError("no link selected: click a link's dot first, or pass layer, i and j")
        value = check_float("value", value)
        layer, i, j = self.selected_link
        self._network.mlp_levels()[layer].W[i, j] = value
        for callback in list(self.on_weight_change):
            callback(layer, i, j, value)
        self.update()
        self._show_selection()

    def _describe_link(self, layer, i, j) -> str:
        source = FEATURES[self._features[i]].label if layer == 0 else f"neuron {i + 1} of layer {layer}"
        n_dense = len(self._network.mlp_levels())
        target = "the output" if layer == n_dense - 1 and self._network.n_outputs == 1 else (
            f"output {j}" if layer == n_dense - 1 else f"neuron {j + 1} of layer {layer + 1}")
        return f"{source} → {target}"

    def _show_selection(self) -> None:
        if self.selected_link is None:
            self.selected_mark.visible = False
            self.weight_input.disabled = self.weight_button.disabled = True
            self.weight_label.value = (
                "<span class='nnviz-small'>Click a link's dot to see its weight and type a new one.</span>"
                if self.editable else "<span class='nnviz-small'>Weights are locked for this lesson.</span>"
            )
            return
        k = self._links.index(self.selected_link)
        with self.selected_mark.hold_sync():
            self.selected_mark.x = self._curves_x[k]
            self.selected_mark.y = self._curves_y[k]
            self.selected_mark.visible = True
        self.weight_input.disabled = self.weight_button.disabled = not self.editable
        self.weight_input.unobserve(self._on_weight_input, "value")
        try:
            self.weight_input.value = round(self.selected_weight, 4)
        finally:
            self.weight_input.observe(self._on_weight_input, "value")
        self._update_weight_label()

    def _update_weight_label(self) -> None:
        if self.selected_link is None:
            return
        layer, i, j = self.selected_link
        w = self.selected_weight
        colour = "#0877bd" if w > 0 else "#f59322" if w < 0 else "#777777"
        self.weight_label.value = (
            f"<span class='nnviz-small'>{escape(self._describe_link(layer, i, j))}: "
            f"w = <b style='color:{colour}'>{w:.3f}</b>&nbsp;</span>"
        )

    # -- callbacks ------------------------------------------------------------------------------
    @guarded
    def _on_handle_click(self, _mark, event) -> None:
        if not self.editable:
            return
        self.select_link(*self._links[int(event["data"]["index"])])

    @guarded
    def _on_weight_input(self, change) -> None:
        if self.selected_link is not None and self.editable and math.isfinite(change["new"]):
            self.set_weight(change["new"])

    @guarded
    def _on_weight_button(self, _button) -> None:
        self.set_weight(self.weight_input.value)

    def __repr__(self) -> str:
        link = f", link {self.selected_link} selected" if self.selected_link else ""
        return f"NetworkGraph({self._network!r}, {len(self._links)} links{link})"
