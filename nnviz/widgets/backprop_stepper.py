"""The backprop stepper: one gradient-descent step of a tiny network, one operation at a time."""
from __future__ import annotations

import math

import bqplot
import numpy as np
from ipywidgets import HTML, Button, Dropdown, FloatText, HBox, Layout, VBox

from nnviz.analysis import backprop_steps, graph_layout
from nnviz.core import Network, parameters_to_vector, vector_to_parameters

from ._colors import TEXT
from ._common import add_class, check_float, check_int, check_network, describe, escape, guarded
from ._owned import OwnsModels, records_models
from ._style import style_widget
from .status import ReportsErrors, StatusArea

__all__ = ["BackpropStepper"]

#: The default lesson: XOR's four points.
XOR_X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
XOR_Y = np.array([0, 1, 1, 0])
FIG_WIDTH, FIG_HEIGHT = 490, 300
#: Room left and right of the outer columns (for the numbers written beside the units).
SIDE_MARGIN = 48.0
NODE = "#ffffff"
NODE_ACTIVE = "#f59322"
NODE_DONE = "#d5e8f5"
EDGE = "#b0b0b0"
EDGE_ACTIVE = "#f59322"
GRAD = "#b71c1c"
PHASE_TITLES = {"forward": "Forward pass", "loss": "Loss", "backward": "Backward pass", "update": "Update"}
KIND_TITLES = {
    "weighted_sum": "weighted sum", "activation": "activation", "loss": "the loss", "delta": "delta (error signal)",
    "weight_gradient": "gradient of a weight", "bias_gradient": "gradient of a bias", "update": "gradient-descent step",
}


def fmt(value) -> str:
    """A number with 4 significant digits, as every number of the stepper is shown."""
    v = float(value)
    if v == 0.0:
        return "0"
    return f"{v:.4g}".replace("-", "−")


def paren(value) -> str:
    """:func:`fmt`, in brackets when negative (for products)."""
    text = fmt(value)
    return f"({text})" if text.startswith("−") else text


def symbol_html(symbol) -> str:
    """A :class:`nnviz.analysis.Symbol` typeset: base, subscript, ``(layer)`` as a superscript."""
    sup = "" if symbol.layer is None else f"<sup>({symbol.layer})</sup>"
    sub = f"<sub>{escape(symbol.sub)}</sub>" if symbol.sub else ""
    return f"<i>{escape(symbol.base)}</i>{sub}{sup}"


def _targets(network, y_labels):
    """XOR's labels as targets for ``network``'s loss."""
    if network.loss.name == "cross_entropy":
        return y_labels % network.n_outputs
    if network.loss.name == "mse":
        return np.repeat(y_labels[:, None].astype(float), network.n_outputs, axis=1) if network.n_outputs > 1 \
            else y_labels.astype(float)
    return y_labels


class BackpropStepper(OwnsModels, ReportsErrors, VBox):
    """Backpropagation in slow motion: a tiny network, a handful of points, every number of one step.

    **Step ▶** shows the next operation — forward: each weighted sum ``z`` (with its terms ``w·a``) and
    activation ``a``; the loss; backward: each delta ``δ`` and each weight's gradient with the
    chain-rule product that gives it; then the update ``w ← w − η ∂L/∂w``. The operation is
    highlighted on the diagram and written out with its numbers (4 significant digits), for every
    sample. **◀ Back** goes back one, **Run to end** shows them all, **Apply update** writes the new
    weights into the network and starts the next step, **Reset** returns to the first weights.
    Click a weight's dot on the diagram (or use ``set_weight``) to change it, then step again.

    All numbers come from :func:`nnviz.analysis.backprop_steps`, i.e. from the core's own forward
    pass and gradients; the widget only draws them.

    Parameters
    ----------
    network : nnviz.core.Network or None
        A small MLP of Dense layers (at most 64 parameters). None: a 2-2-1 sigmoid network with the
        ``mse`` loss, seeded (``seed``).
    X, y : array-like or None
        At most 16 points. None: XOR's four points (labels as the network's loss needs them).
    lr : float, default 0.5
        Learning rate η of the update.
    seed : int, default 0
        Seed of the default network.

    Attributes
    ----------
    network : Network
        The live network: the update and weight edits write into it.
    trace : nnviz.analysis.BackpropTrace
        The steps at the current weights.
    position : int
        Steps shown so far (0: none yet; ``len(trace)``: all).
    updates : int
        Updates applied since the start (or the last reset).
    figure : bqplot.Figure
        The diagram: ``node_scatter``, ``node_labels``, ``edge_lines``, ``highlight_lines``,
        ``weight_labels``, ``grad_labels`` and the clickable ``handles`` (one per weight).
    panel : ipywidgets.HTML
        The current operation: its formula and numbers.
    step_button, back_button, run_button, update_button, reset_button : ipywidgets.Button
    lr_input : ipywidgets.FloatText
    sample : ipywidgets.Dropdown
        The sample whose numbers the diagram shows (the panel shows them all).
    weight_input, weight_button, weight_label
        The weight editor.
    status : StatusArea

    Examples
    --------
    >>> stepper = BackpropStepper()
    >>> stepper.step(7)            # the forward pass of a 2-2-1 network and the loss
    >>> stepper.current.total      # the loss
    >>> stepper.set_weight(0, 1, 0, 2.0)
    """

    @records_models
    def __init__(self, network=None, X=None, y=None, *, lr: float = 0.5, seed: int = 0):
        seed = check_int("seed", seed, low=0)
        if network is None:
            network = Network.mlp(2, [2], activation="sigmoid", loss="mse", output_activation="sigmoid", seed=seed)
        self.network = check_network(network)
        if (X is None) != (y is None):
            raise TypeError("BackpropStepper takes X and y together (or neither, for XOR's four points)")
        if X is None:
            if self.network.n_inputs != 2:
                raise ValueError(f"without X and y the network must have 2 inputs (XOR's points), got "
                                 f"{self.network.n_inputs}; pass X and y")
            X, y = XOR_X, _targets(self.network, XOR_Y)
        self.X, self.y = np.asarray(X, dtype=float), np.asarray(y)
        self._lr = check_float("lr", lr, low=0.0, low_open=True)
        self.trace = backprop_steps(self.network, self.X, self.y, lr=self._lr)  # checks everything
        self._initial = parameters_to_vector(self.network)
        self.position = 0
        self.updates = 0
        self.selected_weight = None
        self.status = StatusArea()
        self._closed = False
        self._build()
        super().__init__(self._owned_layout())
        add_class(self, "nnviz-backprop-stepper")
        self._wire()
        self._relayout()
        self._show()
        self.status.info("Press “Step ▶” to follow one gradient-descent step, operation by operation.")

    # ----------------------------------------------------------------------------------- building
    def _build(self) -> None:
        self.x_scale = bqplot.LinearScale(min=0.0, max=float(FIG_WIDTH), allow_padding=False)
        self.y_scale = bqplot.LinearScale(min=0.0, max=float(FIG_HEIGHT), allow_padding=False)
        sc = {"x": self.x_scale, "y": self.y_scale}
        quiet = dict(enable_hover=False, interactions={})
        self.edge_lines = bqplot.Lines(x=[[0.0, 0.0]], y=[[0.0, 0.0]], scales=sc, colors=[EDGE], stroke_width=1.5,
                                       **quiet)
        self.highlight_lines = bqplot.Lines(x=[0.0, 0.0], y=[0.0, 0.0], scales=sc, colors=[EDGE_ACTIVE],
                                            stroke_width=4.0, visible=False, **quiet)
        self.handles = bqplot.Scatter(x=[], y=[], scales=sc, default_size=60, colors=["#666666"],
                                      opacities=[0.25], stroke="white", **quiet)
        # a weight near the source end of its edge, above it and clear of its dot (a label over the dot
        # would take its clicks); its gradient near the target end, below it
        self.weight_labels = bqplot.Label(x=[], y=[], text=[], scales=sc, colors=[TEXT], default_size=10,
                                          align="middle", y_offset=-7)
        self.grad_labels = bqplot.Label(x=[], y=[], text=[], scales=sc, colors=[GRAD], default_size=10,
                                        align="middle", y_offset=13)  # below the edge
        self.node_scatter = bqplot.Scatter(x=[], y=[], scales=sc, default_size=900, colors=[NODE], stroke="#555555",
                                           stroke_width=1.5, **quiet)
        self.node_labels = bqplot.Label(x=[], y=[], text=[], scales=sc, colors=[TEXT], default_size=12,
                                        align="middle", y_offset=4)
        # this sample's numbers at each unit: z and a above it, δ below it
        self.z_labels = bqplot.Label(x=[], y=[], text=[], scales=sc, colors=["#777777"], default_size=11,
                                     align="middle", y_offset=-34)
        self.a_labels = bqplot.Label(x=[], y=[], text=[], scales=sc, colors=["#0877bd"], default_size=11,
                                     align="middle", y_offset=-21)
        self.delta_labels = bqplot.Label(x=[], y=[], text=[], scales=sc, colors=[GRAD], default_size=11,
                                         align="middle", y_offset=30)
        self.figure = bqplot.Figure(
            marks=[self.edge_lines, self.highlight_lines, self.handles, self.weight_labels, self.grad_labels,
                   self.node_scatter, self.node_labels, self.z_labels, self.a_labels, self.delta_labels],
            fig_margin={"top": 0, "bottom": 0, "left": 0, "right": 0}, display_toolbar=False,
            padding_x=0.0, padding_y=0.0, animation_duration=0, min_aspect_ratio=0.01, max_aspect_ratio=100,
            layout=Layout(width=f"{FIG_WIDTH}px", height=f"{FIG_HEIGHT}px", margin="0"),
        )
        add_class(self.figure, "nnviz-backprop-diagram")
        self.title = HTML()
        add_class(self.title, "nnviz-backprop-title")
        self.panel = HTML(layout=Layout(width="350px", min_height="200px"))
        add_class(self.panel, "nnviz-backprop-panel")
        def button():  # a Layout of its own per button (a shared one would hide them all together)
            return Layout(width="auto")

        self.reset_button = Button(description="Reset", icon="undo", tooltip="back to the first weights",
                                   layout=button())
        self.back_button = Button(description="◀ Back", tooltip="one operation back", layout=button())
        self.step_button = Button(description="Step ▶", button_style="primary", tooltip="the next operation",
                                  layout=button())
        self.run_button = Button(description="Run to end", tooltip="show every operation of this step",
                                 layout=button())
        self.update_button = Button(description="Apply update", button_style="success",
                                    tooltip="write the new weights into the network and start the next step",
                                    layout=button())
        for b, name in [(self.reset_button, "reset"), (self.back_button, "back"), (self.step_button, "step"),
                        (self.run_button, "run"), (self.update_button, "update")]:
            add_class(b, f"nnviz-backprop-{name}")
        self.lr_input = FloatText(value=self._lr, description="η", layout=Layout(width="110px"),
                                  style={"description_width": "16px"})
        self.sample = Dropdown(options=self._sample_options(), value=0, description="diagram shows",
                               layout=Layout(width="340px"), style={"description_width": "initial"})
        self.weight_label = HTML()
        self.weight_input = FloatText(value=0.0, description="new w", disabled=True, layout=Layout(width="130px"),
                                      style={"description_width": "initial"})
        self.weight_button = Button(description="Set", disabled=True, layout=Layout(width="50px"))
        add_class(self.weight_input, "nnviz-backprop-weight-input")
        self.style = style_widget()

    def _sample_options(self) -> list:
        T = self.trace.targets
        out = []
        for n, x in enumerate(self.X):
            target = ", ".join(fmt(t) for t in T[n]) if T.shape[1] > 1 else fmt(T[n, 0])
            out.append((f"sample {n + 1}: x = ({', '.join(fmt(v) for v in x)}), y = {target}", n))
        return out

    def _owned_layout(self) -> list:
        self._buttons = HBox([self.reset_button, self.back_button, self.step_button, self.run_button,
                              self.update_button, self.lr_input])
        self._editor = HBox([self.weight_label, self.weight_input, self.weight_button])
        self._top = HBox([VBox([self.figure, self.sample, self._editor]), self.panel])
        return [self.style, self.title, self._top, self._buttons, self.status]

    def _wire(self) -> None:
        self.step_button.on_click(self._on_step)
        self.back_button.on_click(self._on_back)
        self.run_button.on_click(self._on_run)
        self.update_button.on_click(self._on_update)
        self.reset_button.on_click(self._on_reset)
        self.lr_input.observe(self._on_lr, "value")
        self.sample.observe(self._on_sample, "value")
        self.handles.on_element_click(self._on_handle_click)
        self.weight_button.on_click(self._on_weight_button)

    # ----------------------------------------------------------------------------------- geometry
    def _relayout(self) -> None:
        units = list(self.network.units_per_level())
        pad = 36.0
        layout = graph_layout(units, FIG_WIDTH, FIG_HEIGHT - 2 * pad)  # the rows; columns spread wider
        columns = np.linspace(SIDE_MARGIN, FIG_WIDTH - SIDE_MARGIN, len(units))
        self._nodes = [(lv, u) for lv, n in enumerate(units) for u in range(n)]
        self._xy = {(lv, u): (float(columns[lv]), float(layout[lv][u, 1]) + pad) for lv, u in self._nodes}
        self._edges = [(k, i, j) for k in range(len(units) - 1) for i in range(units[k]) for j in range(units[k + 1])]
        start = np.array([self._xy[(k, i)] for k, i, _ in self._edges])
        end = np.array([self._xy[(k + 1, j)] for k, _, j in self._edges])
        self._edge_x = np.stack([start[:, 0], end[:, 0]], axis=1)
        self._edge_y = np.stack([start[:, 1], end[:, 1]], axis=1)
        # a weight's label and dot sit near the source end of its edge, its gradient near the target end:
        # edges that cross in the middle keep their labels apart
        self._handle_xy = start + (end - start) * 0.3
        self._grad_xy = start + (end - start) * 0.7
        with self.edge_lines.hold_sync():
            self.edge_lines.x, self.edge_lines.y = self._edge_x, self._edge_y
            self.edge_lines.colors = [EDGE] * len(self._edges)
        with self.handles.hold_sync():
            self.handles.x, self.handles.y = self._handle_xy[:, 0], self._handle_xy[:, 1]
        xy = np.array([self._xy[n] for n in self._nodes])
        with self.node_scatter.hold_sync():
            self.node_scatter.x, self.node_scatter.y = xy[:, 0], xy[:, 1]
        for mark in (self.node_labels, self.z_labels, self.a_labels, self.delta_labels):
            with mark.hold_sync():
                mark.x, mark.y = xy[:, 0], xy[:, 1]
        for mark, where in ((self.weight_labels, self._handle_xy), (self.grad_labels, self._grad_xy)):
            with mark.hold_sync():
                mark.x, mark.y = where[:, 0], where[:, 1]

    # ----------------------------------------------------------------------------------- actions
    @property
    def lr(self) -> float:
        return self._lr

    @lr.setter
    def lr(self, value) -> None:
        self._lr = check_float("lr", value, low=0.0, low_open=True)
        self.trace = backprop_steps(self.network, self.X, self.y, lr=self._lr)
        if self.lr_input.value != self._lr:
            self.lr_input.value = self._lr
        self._show()

    @property
    def current(self):
        """The operation shown now (None before the first step)."""
        return self.trace.steps[self.position - 1] if self.position else None

    def step(self, n: int = 1) -> None:
        """Show the next ``n`` operations (stops at the last)."""
        n = check_int("n", n, low=1)
        self.position = min(len(self.trace), self.position + n)
        self._show()
        if self.position == len(self.trace):
            self.status.info("That was the whole step: “Apply update” writes the new weights into the network.")
        elif self.status.kind != "error":
            self.status.clear()

    def back(self, n: int = 1) -> None:
        """Go back ``n`` operations (stops before the first)."""
        n = check_int("n", n, low=1)
        self.position = max(0, self.position - n)
        self._show()

    def run_to_end(self) -> None:
        """Show every operation of this step."""
        self.position = len(self.trace)
        self._show()
        self.status.info("That was the whole step: “Apply update” writes the new weights into the network.")

    def apply_update(self) -> None:
        """Write the new weights (``w − η ∂L/∂w``) into the network; the next step starts from them."""
        before = self.trace.loss
        vector_to_parameters(self.trace.new_vector, self.network)
        self.updates += 1
        self._restart()
        self.status.success(f"Update {self.updates} applied: the loss went from {fmt(before)} to "
                            f"{fmt(self.trace.loss)}. Step through the next one.")

    def reset(self) -> None:
        """Back to the weights the stepper started with, before the first operation."""
        vector_to_parameters(self._initial, self.network)
        self.updates = 0
        self._restart()
        self.status.info("Back to the first weights.")

    def select_weight(self, layer, i=None, j=None) -> None:
        """Select weight ``W[i, j]`` of ``network.mlp_levels()[layer]`` for the editor (None: none)."""
        if layer is None:
            self.selected_weight = None
        else:
            levels = self.network.mlp_levels()
            layer = check_int("layer", layer, low=0, high=len(levels) - 1)
            n_in, n_out = levels[layer].params["W"].shape
            self.selected_weight = (layer, check_int("i", i, low=0, high=n_in - 1),
                                    check_int("j", j, low=0, high=n_out - 1))
        self._show_editor()

    def set_weight(self, layer, i, j, value) -> None:
        """Write ``value`` into ``W[i, j]`` of level ``layer`` and start the step again from there."""
        self.select_weight(layer, i, j)
        value = check_float("value", value)
        layer, i, j = self.selected_weight
        W = self.network.mlp_levels()[layer].params["W"].copy()
        W[i, j] = value
        weights = self.network.get_weights()
        index = self.network.layers.index(self.network.mlp_levels()[layer])
        weights[index]["W"] = W
        self.network.set_weights(weights)
        self._restart()
        self.status.info(f"w{i + 1}{j + 1} of layer {layer + 1} set to {fmt(value)}: the step starts again.")

    def _restart(self) -> None:
        self.trace = backprop_steps(self.network, self.X, self.y, lr=self._lr)
        self.position = 0
        self._show()

    # ----------------------------------------------------------------------------------- drawing
    def _known(self) -> tuple[dict, dict, dict]:
        """What the steps shown so far have computed: node values, gradients and new weights."""
        nodes, grads, new = {}, {}, {}
        for s in self.trace.steps[: self.position]:
            key = (s.layer + 1, s.unit) if s.unit is not None and s.layer is not None else None
            if s.kind == "weighted_sum":
                nodes.setdefault(key, {})["z"] = s.value
            elif s.kind == "activation":
                nodes.setdefault(key, {})["a"] = s.value
            elif s.kind == "delta":
                nodes.setdefault(key, {})["δ"] = s.value
            elif s.kind == "weight_gradient":
                grads[(s.layer, s.source, s.unit)] = s.total
            elif s.kind == "update":
                W_new = s.update["W"][2]
                for i in range(W_new.shape[0]):
                    for j in range(W_new.shape[1]):
                        new[(s.layer, i, j)] = W_new[i, j]
        return nodes, grads, new

    def _show(self) -> None:
        step = self.current
        n = self.sample.value
        nodes, grads, new = self._known()
        levels = self.network.mlp_levels()
        L = len(levels)
        # nodes: a name inside, this sample's numbers around (z and a above, δ below)
        sub = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")
        names, zs, As, ds, colors = [], [], [], [], []
        active = set(step.nodes) if step is not None else set()
        for lv, u in self._nodes:
            known = nodes.get((lv, u), {})
            if lv == 0:
                names.append(f"x{u + 1}".translate(sub))
                zs.append("")
                As.append(f"x = {fmt(self.X[n, u])}")
            else:
                names.append(("ŷ" if lv == L else "h") + f"{u + 1}".translate(sub))
                zs.append(f"z {fmt(known['z'][n])}" if "z" in known else "")
                As.append(f"a {fmt(known['a'][n])}" if "a" in known else "")
            ds.append(f"δ {fmt(known['δ'][n])}" if "δ" in known else "")
            colors.append(NODE_ACTIVE if (lv, u) in active else NODE_DONE if known else NODE)
        with self.node_scatter.hold_sync():
            self.node_scatter.colors = colors
        self.node_labels.text = names
        self.z_labels.text = zs
        self.a_labels.text = As
        self.delta_labels.text = ds
        # edges: the weight, its gradient once computed, the new weight once updated
        wtext, gtext = [], []
        for k, i, j in self._edges:
            w = levels[k].params["W"][i, j]
            wtext.append(f"{fmt(w)} → {fmt(new[(k, i, j)])}" if (k, i, j) in new else fmt(w))
            gtext.append(f"∂ {fmt(grads[(k, i, j)])}" if (k, i, j) in grads else "")
        self.weight_labels.text = wtext
        self.grad_labels.text = gtext
        edges = [self._edges.index(e) for e in step.edges] if step is not None else []
        with self.highlight_lines.hold_sync():
            if edges:
                self.highlight_lines.x = self._edge_x[edges] if len(edges) > 1 else self._edge_x[edges[0]]
                self.highlight_lines.y = self._edge_y[edges] if len(edges) > 1 else self._edge_y[edges[0]]
                self.highlight_lines.colors = [EDGE_ACTIVE] * len(edges)
            self.highlight_lines.visible = bool(edges)
        self.panel.value = self._panel_html(step)
        total = len(self.trace)
        phase = "ready" if step is None else PHASE_TITLES[step.phase]
        self.title.value = (
            f"<div class='nnviz-header'>Backpropagation · step {self.position} of {total} · {escape(phase)}"
            f" · loss {fmt(self.trace.loss)} · {self.updates} update{'' if self.updates == 1 else 's'} applied</div>"
        )
        self.back_button.disabled = self.position == 0
        self.step_button.disabled = self.run_button.disabled = self.position == total
        self._show_editor()

    def _panel_html(self, step) -> str:
        if step is None:
            return ("<div class='nnviz-small'>One step of gradient descent on "
                    f"{len(self.X)} points: the forward pass, the loss, the backward pass and the update "
                    f"(η = {fmt(self._lr)}), {len(self.trace)} operations.</div>")
        head = (f"<div class='nnviz-header'>{escape(PHASE_TITLES[step.phase])} · {escape(KIND_TITLES[step.kind])}"
                f"</div><div style='font-size:15px;margin:4px 0 6px 0'>{escape(step.formula)}</div>")
        return head + getattr(self, f"_html_{step.kind}")(step)

    def _table(self, header: list, rows: list, per_sample: bool = True) -> str:
        """Rows of numbers; with ``per_sample`` the row of the sample the diagram shows is marked."""
        n = self.sample.value if per_sample else -1
        th = "".join(f"<th style='text-align:left;padding:1px 6px'>{h}</th>" for h in header)
        body = "".join(
            f"<tr style='{'font-weight:600;background:#fff4e5' if k == n else ''}'>"
            + "".join(f"<td style='padding:1px 6px;font-variant-numeric:tabular-nums'>{c}</td>" for c in row)
            + "</tr>"
            for k, row in enumerate(rows)
        )
        return f"<table class='nnviz-backprop-table' style='border-collapse:collapse;font-size:12px'>{th}{body}</table>"

    def _html_weighted_sum(self, step) -> str:
        rows = []
        for n in range(len(self.X)):
            parts = [" · ".join(paren(np.broadcast_to(f.value, (len(self.X),))[n]) for f in t.factors)
                     for t in step.terms]
            rows.append([str(n + 1), " + ".join(parts), f"= <b>{fmt(step.value[n])}</b>"])
        return self._table(["n", symbol_html(step.symbol) + " = Σ w·a + b", ""], rows)

    def _html_activation(self, step) -> str:
        act = step.inputs["activation"]
        z = step.inputs["z"]
        if act == "softmax":  # a_j = e^{z_j} / Σ_m e^{z_m}: every z of the layer goes in
            z_all = step.inputs["z_all"]
            rows = [[str(n + 1), f"exp({fmt(z[n])}) / ({' + '.join(f'exp({fmt(v)})' for v in z_all[n])})",
                     f"= <b>{fmt(step.value[n])}</b>"] for n in range(len(z))]
        else:
            rows = [[str(n + 1), f"{escape(act)}({fmt(z[n])})", f"= <b>{fmt(step.value[n])}</b>"]
                    for n in range(len(z))]
        return self._table(["n", symbol_html(step.symbol), ""], rows)

    def _html_loss(self, step) -> str:
        T, A = step.inputs["y"], step.inputs["a"]
        rows = [[str(n + 1), ", ".join(fmt(v) for v in A[n]), ", ".join(fmt(v) for v in T[n]),
                 fmt(step.value[n])] for n in range(len(T))]
        return (self._table(["n", "output a", "target y", "loss ℓ<sub>n</sub>"], rows)
                + f"<div style='margin-top:6px'>L = mean of ℓ<sub>n</sub> = <b>{fmt(step.total)}</b></div>")

    def _html_delta(self, step) -> str:
        n_samples = len(self.X)
        rows = []
        for n in range(n_samples):
            factors = [paren(np.broadcast_to(f.value, (n_samples,))[n]) for f in step.factors]
            if step.terms:
                inner = " + ".join(" · ".join(paren(np.broadcast_to(f.value, (n_samples,))[n]) for f in t.factors)
                                   for t in step.terms)
                factors.append(f"({inner})")
            rows.append([str(n + 1), " · ".join(factors), f"= <b>{fmt(step.value[n])}</b>"])
        names = " · ".join(escape(str(f.symbol)) for f in step.factors)
        return self._table(["n", names + (" · (Σ w·δ)" if step.terms else ""), symbol_html(step.symbol)], rows)

    def _html_weight_gradient(self, step) -> str:
        return self._html_gradient(step)

    def _html_bias_gradient(self, step) -> str:
        return self._html_gradient(step)

    def _html_gradient(self, step) -> str:
        rows = []
        for n in range(len(self.X)):
            rows.append([str(n + 1), " · ".join(paren(f.value[n]) for f in step.factors), fmt(step.value[n])])
        names = " · ".join(symbol_html(f.symbol) for f in step.factors)
        tail = f"Σ<sub>n</sub> = {fmt(step.value.sum())}"
        if step.penalty:
            tail += f" + penalty {fmt(step.penalty)}"
        return (self._table(["n", names, "product"], rows)
                + f"<div style='margin-top:6px'>{tail} → {symbol_html(step.symbol)} = <b>{fmt(step.total)}</b></div>")

    def _html_update(self, step) -> str:
        lr = step.update["lr"]
        rows = []
        old, grad, new = step.update["W"]
        for i in range(old.shape[0]):
            for j in range(old.shape[1]):
                rows.append([f"w<sub>{i + 1}{j + 1}</sub><sup>({step.layer + 1})</sup>",
                             f"{fmt(old[i, j])} − {fmt(lr)} · {paren(grad[i, j])}", f"= <b>{fmt(new[i, j])}</b>"])
        old, grad, new = step.update["b"]
        for j in range(old.shape[0]):
            rows.append([f"b<sub>{j + 1}</sub><sup>({step.layer + 1})</sup>",
                         f"{fmt(old[j])} − {fmt(lr)} · {paren(grad[j])}", f"= <b>{fmt(new[j])}</b>"])
        return self._table(["", "w − η · ∂L/∂w", "new"], rows, per_sample=False)

    def _show_editor(self) -> None:
        if self.selected_weight is None:
            self.weight_label.value = "<span class='nnviz-small'>Click a weight's dot to edit it.</span>"
            self.weight_input.disabled = self.weight_button.disabled = True
            return
        layer, i, j = self.selected_weight
        w = float(self.network.mlp_levels()[layer].params["W"][i, j])
        self.weight_label.value = (f"<span class='nnviz-small'>w<sub>{i + 1}{j + 1}</sub><sup>({layer + 1})</sup>"
                                   f" = <b>{fmt(w)}</b></span>")
        self.weight_input.disabled = self.weight_button.disabled = False
        self.weight_input.value = round(w, 4)

    # ----------------------------------------------------------------------------------- callbacks
    @guarded
    def _on_step(self, _button) -> None:
        self.step()

    @guarded
    def _on_back(self, _button) -> None:
        self.back()

    @guarded
    def _on_run(self, _button) -> None:
        self.run_to_end()

    @guarded
    def _on_update(self, _button) -> None:
        self.apply_update()

    @guarded
    def _on_reset(self, _button) -> None:
        self.reset()

    @guarded
    def _on_lr(self, change) -> None:
        value = change["new"]
        if value is None or not math.isfinite(value) or value <= 0:
            raise ValueError(f"η must be a number > 0, got {describe(value)}")
        if value != self._lr:
            self.lr = value

    @guarded
    def _on_sample(self, _change) -> None:
        self._show()

    @guarded
    def _on_handle_click(self, _mark, event) -> None:
        self.select_weight(*self._edges[int(event["data"]["index"])])

    @guarded
    def _on_weight_button(self, _button) -> None:
        if self.selected_weight is not None:
            self.set_weight(*self.selected_weight, self.weight_input.value)

    def __repr__(self) -> str:
        units = "-".join(str(u) for u in self.network.units_per_level())
        step = self.current
        what = "not started" if step is None else f"{step.phase} {step.kind} {step.symbol}"
        return (f"BackpropStepper({units} network, {len(self.X)} samples, step {self.position} of "
                f"{len(self.trace)}: {what}, lr {self._lr:g}, {self.updates} updates)")
