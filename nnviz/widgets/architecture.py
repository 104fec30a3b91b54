"""The network editor: input features, hidden layers and neurons with +/- buttons, activations."""
from __future__ import annotations

import traitlets
from ipywidgets import HTML, Button, Dropdown, HBox, Layout, ToggleButton, VBox

from nnviz.core import Network
from nnviz.data import FEATURES

from ._common import add_class, check_int, check_network, describe, guarded, set_visible
from ._config import ACTIVATION_CHOICES, LOSS_FOR_TASK, MAX_LAYERS, MAX_NEURONS
from ._style import style_widget
from .status import ReportsErrors, StatusArea

__all__ = ["ArchitectureBuilder"]

#: Names :meth:`ArchitectureBuilder.lock` and :meth:`~ArchitectureBuilder.hide` accept.
BUILDER_CONTROLS = ("features", "layers", "neurons", "activation")
NEW_LAYER_SIZE = 2  # the playground's addLayer starts a layer with 2 neurons


def _small() -> Layout:
    """A fresh layout for a small +/- button (never share a Layout: hiding one would hide all)."""
    return Layout(width="26px", height="24px", padding="0px", margin="1px")


class ArchitectureBuilder(ReportsErrors, VBox):
    """Choose input features, hidden layers, neurons per layer and activations, as in the playground.

    The builder only *describes* a network: its :attr:`spec` (a plain dict) changes whenever the user
    clicks, and :meth:`build` turns it into a fresh :class:`~nnviz.core.Network`. Observe ``"spec"`` to
    react to changes (the :class:`~nnviz.widgets.Playground` rebuilds its network then).

    Parameters
    ----------
    network : nnviz.core.Network or None
        Start from this network's hidden sizes and activations (``features`` must then have one name per
        network input).
    features : sequence of str, default ("x1", "x2")
        Selected input features, keys of :data:`nnviz.data.FEATURES`.
    hidden : sequence of int, default (4, 2)
        Neurons per hidden layer (ignored when ``network`` is given).
    activation : str, default "tanh"
        Activation of every hidden layer, a key of :data:`nnviz.core.ACTIVATIONS`.
    activations : sequence of str or None
        One activation per hidden layer, overriding ``activation``.
    max_layers, max_neurons : int, default 8
        Limits of the +/- buttons (the playground's are 6 and 8).
    status : StatusArea or None
        Where messages go (a new one below the builder when None).

    Attributes
    ----------
    spec : dict
        ``{"features": [...], "hidden": [...], "activations": [...], "activation": str}``.
    feature_buttons : dict of str -> ToggleButton
    add_layer_button, remove_layer_button : Button
    add_neuron_buttons, remove_neuron_buttons : list of Button
        One per possible layer (those beyond the current depth are hidden).
    activation_dropdown : Dropdown
        Activation of the whole network; ``layer_activation_dropdowns`` set single layers.
    features_box, layers_box : Box
        The two halves, which the Playground places apart.

    Examples
    --------
    >>> builder = ArchitectureBuilder(hidden=[4, 2])
    >>> builder.add_layer_button.click()
    >>> builder.spec["hidden"]
    [4, 2, 2]
    >>> net = builder.build(task="binary", seed=0)
    """

    spec = traitlets.Dict()

    def __init__(
        self,
        network=None,
        features=("x1", "x2"),
        hidden=(4, 2),
        activation: str = "tanh",
        activations=None,
        max_layers: int = MAX_LAYERS,
        max_neurons: int = MAX_NEURONS,
        status: StatusArea | None = None,
    ):
        self.max_layers = check_int("max_layers", max_layers, low=0, high=32)
        self.max_neurons = check_int("max_neurons", max_neurons, low=1, high=64)
        features = self._check_features(features)
        network = check_network(network, allow_none=True)
        if network is not None:
            if network.n_inputs != len(features):
                raise ValueError(
                    f"features must name one input per network input ({network.n_inputs}), got {len(features)}: {features}"
                )
            hidden = list(network.units_per_level())[1:-1]
            activations = [level.activation.name for level in network.mlp_levels()[:-1]]
        hidden = self._check_hidden(hidden)
        activation = self._check_activation("activation", activation)
        if activations is None:
            activations = [activation] * len(hidden)
        activations = [self._check_activation(f"activations[{i}]", a) for i, a in enumerate(activations)]
        if len(activations) != len(hidden):
            raise ValueError(f"activations must have one name per hidden layer ({len(hidden)}), got {len(activations)}")
        self._locked: set[str] = set()
        self._syncing = False

        own_status = status is None
        self.status = StatusArea() if own_status else status
        self._build_features(features)
        self._build_layers()
        self.column_width: int | None = None
        super().__init__(
            [HBox([self.features_box, VBox([self.activation_dropdown, self.layers_box])])]
            + ([style_widget(), self.status] if own_status else [])
        )
        add_class(self, "nnviz-architecture")
        self.spec = {"features": features, "hidden": hidden, "activations": activations, "activation": activation}
        self._refresh()
        self._wire()

    # -- checks ---------------------------------------------------------------------------------
    @staticmethod
    def _check_features(features):
        if isinstance(features, str) or not hasattr(features, "__iter__"):
            raise TypeError(f"features must be a sequence of feature names such as ('x1', 'x2'), got {describe(features)}")
        features = list(features)
        if not features:
            raise ValueError("features must name at least one input feature, got none")
        for f in features:
            if f not in FEATURES:
                raise ValueError(f"unknown feature {f!r}; expected one of {', '.join(FEATURES)}")
        return [f for f in FEATURES if f in features]

    def _check_hidden(self, hidden):
        if isinstance(hidden, str) or not hasattr(hidden, "__iter__"):
            raise TypeError(f"hidden must be a list of layer sizes such as [4, 2], got {describe(hidden)}")
        hidden = list(hidden)
        if len(hidden) > self.max_layers:
            raise ValueError(f"hidden must have at most max_layers={self.max_layers} layers, got {len(hidden)}")
        hidden = [check_int(f"hidden[{i}]", h, low=1, high=self.max_neurons) for i, h in enumerate(hidden)]
        return hidden

    @staticmethod
    def _check_activation(name, value):
        if value not in ACTIVATION_CHOICES:
            raise ValueError(f"{name} must be one of {', '.join(ACTIVATION_CHOICES)}; got {describe(value)}")
        return value

    # -- construction of the controls -----------------------------------------------------------
    def _build_features(self, selected):
        self.feature_buttons = {}
        for name, feature in FEATURES.items():
            button = ToggleButton(
                value=name in selected,
                description=feature.label,
                tooltip=f"feed {feature.label} to the network",
                layout=Layout(width="68px", height="28px", margin="2px 0", padding="0"),
            )
            slug = name.replace("^", "2").replace("*", "x").replace("(", "-").replace(")", "")
            add_class(button, "nnviz-feature", f"nnviz-feature-{slug}")
            self.feature_buttons[name] = button
        header = HTML("<div class='nnviz-header'>Features</div>")
        self.features_box = VBox([header, *self.feature_buttons.values()],
                                 layout=Layout(width="76px", align_items="center"))
        add_class(self.features_box, "nnviz-features")

    def _build_layers(self):
        self.activation_dropdown = Dropdown(
            options=ACTIVATION_CHOICES, value="tanh", description="Activation",
            layout=Layout(width="190px"), style={"description_width": "initial"},
        )
        add_class(self.activation_dropdown, "nnviz-activation")
        self.add_layer_button = Button(icon="plus", tooltip="add a hidden layer", layout=_small())
        self.remove_layer_button = Button(icon="minus", tooltip="remove the last hidden layer", layout=_small())
        add_class(self.add_layer_button, "nnviz-add-layer")
        add_class(self.remove_layer_button, "nnviz-remove-layer")
        self.layers_label = HTML()
        self.add_neuron_buttons, self.remove_neuron_buttons = [], []
        self.neuron_labels, self.layer_activation_dropdowns, self.layer_cells = [], [], []
        for i in range(self.max_layers):
            plus = Button(icon="plus", tooltip=f"add a neuron to layer {i + 1}", layout=_small())
            minus = Button(icon="minus", tooltip=f"remove a neuron from layer {i + 1}", layout=_small())
            add_class(plus, "nnviz-add-neuron")
            add_class(minus, "nnviz-remove-neuron")
            label = HTML(layout=Layout(margin="0"))
            act = Dropdown(options=ACTIVATION_CHOICES, value="tanh", layout=Layout(width="78px", margin="1px 0"))
            cell = VBox([HBox([plus, minus]), label, act], layout=Layout(align_items="center", width="92px"))
            add_class(cell, "nnviz-layer-cell")
            self.add_neuron_buttons.append(plus)
            self.remove_neuron_buttons.append(minus)
            self.neuron_labels.append(label)
            self.layer_activation_dropdowns.append(act)
            self.layer_cells.append(cell)
        self.layers_header = HBox([self.add_layer_button, self.remove_layer_button, self.layers_label],
                                  layout=Layout(align_items="center"))
        self.cells_box = HBox(self.layer_cells, layout=Layout(justify_content="space-around"))
        self.layers_box = VBox([self.layers_header, self.cells_box])
        add_class(self.layers_box, "nnviz-layers")

    def _wire(self):
        for name, button in self.feature_buttons.items():
            button.observe(self._on_feature, "value")
        self.add_layer_button.on_click(self._on_add_layer)
        self.remove_layer_button.on_click(self._on_remove_layer)
        self.activation_dropdown.observe(self._on_network_activation, "value")
        for i in range(self.max_layers):
            self.add_neuron_buttons[i].on_click(self._on_add_neuron)
            self.remove_neuron_buttons[i].on_click(self._on_remove_neuron)
            self.layer_activation_dropdowns[i].observe(self._on_layer_activation, "value")

    # -- what the spec says ---------------------------------------------------------------------
    @property
    def features(self) -> list[str]:
        return list(self.spec["features"])

    @property
    def hidden(self) -> list[int]:
        return list(self.spec["hidden"])

    @property
    def activations(self) -> list[str]:
        return list(self.spec["activations"])

    @traitlets.validate("spec")
    def _check_spec(self, proposal):
        """Assigning ``spec`` (whole or in part) is checked with the limits of the buttons."""
        spec = proposal["value"]
        unknown = sorted(set(spec) - {"features", "hidden", "activations", "activation"})
        if unknown:
            raise ValueError(f"unknown spec key {unknown[0]!r}; valid keys: features, hidden, activations, activation")
        current = self._trait_values.get("spec") or {}
        merged = {**current, **spec}
        features = self._check_features(merged.get("features", ("x1", "x2")))
        hidden = self._check_hidden(merged.get("hidden", ()))
        activation = self._check_activation("spec['activation']", merged.get("activation", "tanh"))
        activations = spec.get("activations")
        if activations is None:
            old = list(current.get("activations", []))
            activations = (old + [activation] * len(hidden))[:len(hidden)] if "activation" not in spec else [activation] * len(hidden)
        activations = [self._check_activation(f"spec['activations'][{i}]", a) for i, a in enumerate(activations)]
        if len(activations) != len(hidden):
            raise ValueError(f"spec['activations'] must have one name per hidden layer ({len(hidden)}), "
                             f"got {len(activations)}")
        return {"features": features, "hidden": hidden, "activations": activations, "activation": activation}

    @traitlets.observe("spec")
    def _show_spec(self, change) -> None:
        if hasattr(self, "layer_cells"):
            self._refresh()

    def _set(self, **changes) -> None:
        self.spec = {**self.spec, **changes}
        self._refresh()

    # -- public mutators (the buttons call these) -----------------------------------------------
    def set_features(self, names) -> None:
        """Select exactly these input features (at least one)."""
        self._set(features=self._check_features(names))

    def add_layer(self) -> None:
        """Append a hidden layer of 2 neurons with the network's activation."""
        if len(self.spec["hidden"]) >= self.max_layers:
            raise ValueError(f"already {self.max_layers} hidden layers, the most this builder allows (max_layers)")
        self._set(hidden=self.hidden + [NEW_LAYER_SIZE], activations=self.activations + [self.spec["activation"]])

    def remove_layer(self) -> None:
        """Remove the last hidden layer (down to none: a linear model of the features)."""
        if not self.spec["hidden"]:
            raise ValueError("there is no hidden layer left to remove")
        self._set(hidden=self.hidden[:-1], activations=self.activations[:-1])

    def add_neuron(self, layer: int) -> None:
        """Add a neuron to hidden layer ``layer`` (0-based)."""
        layer = self._check_layer(layer)
        if self.spec["hidden"][layer] >= self.max_neurons:
            raise ValueError(f"layer {layer + 1} already has {self.max_neurons} neurons, the most allowed (max_neurons)")
        hidden = self.hidden
        hidden[layer] += 1
        self._set(hidden=hidden)

    def remove_neuron(self, layer: int) -> None:
        """Remove a neuron from hidden layer ``layer`` (0-based); a layer keeps at least one."""
        layer = self._check_layer(layer)
        if self.spec["hidden"][layer] <= 1:
            raise ValueError(f"layer {layer + 1} has a single neuron; remove the layer instead")
        hidden = self.hidden
        hidden[layer] -= 1
        self._set(hidden=hidden)

    def set_activation(self, name: str, layer: int | None = None) -> None:
        """Set the activation of every hidden layer (``layer=None``) or of one (0-based)."""
        name = self._check_activation("name", name)
        if layer is None:
            self._set(activation=name, activations=[name] * len(self.spec["hidden"]))
        else:
            layer = self._check_layer(layer)
            activations = self.activations
            activations[layer] = name
            self._set(activations=activations)

    def _check_layer(self, layer) -> int:
        n = len(self.spec["hidden"])
        if n == 0:
            raise ValueError("layer: there are no hidden layers")
        return check_int("layer", layer, low=0, high=n - 1)

    # -- building -------------------------------------------------------------------------------
    def build(self, task: str = "binary", n_classes: int | None = None, dropout: float = 0.0, **kwargs) -> Network:
        """A fresh network for the current spec.

        Parameters
        ----------
        task : {"binary", "multiclass", "regression"}
            Sets the output layer and loss: 1 sigmoid unit + ``bce``, ``n_classes`` softmax units +
            ``cross_entropy``, or 1 linear unit + ``mse``.
        n_classes : int or None
            Classes for ``"multiclass"`` (>= 2).
        dropout : float, default 0
            Dropout after each hidden layer.
        **kwargs
            Passed to :meth:`Network.mlp` (``optimizer``, ``l1``, ``l2``, ``seed``, ``dtype``).
        """
        if task not in LOSS_FOR_TASK:
            raise ValueError(f"task must be one of {', '.join(map(repr, LOSS_FOR_TASK))}; got {describe(task)}")
        n_outputs = 1
        if task == "multiclass":
            n_outputs = check_int("n_classes", n_classes, low=2)
        return Network.mlp(
            len(self.spec["features"]), self.hidden, n_outputs, activation=self.activations,
            loss=LOSS_FOR_TASK[task], dropout=dropout, **kwargs,
        )

    # -- locking --------------------------------------------------------------------------------
    def lock(self, names) -> None:
        """Disable controls for a lesson: any of ``"features"``, ``"layers"``, ``"neurons"``, ``"activation"``."""
        self._locked |= set(self._check_control_names(names))
        self._refresh()

    def unlock(self, names=BUILDER_CONTROLS) -> None:
        self._locked -= set(self._check_control_names(names))
        self._refresh()

    def hide(self, names) -> None:
        """Hide controls (same names as :meth:`lock`)."""
        names = self._check_control_names(names)
        if "features" in names:
            set_visible(self.features_box, False)
        if "layers" in names:
            set_visible(self.add_layer_button, False)
            set_visible(self.remove_layer_button, False)
        for i in range(self.max_layers):
            if "neurons" in names:
                set_visible(self.add_neuron_buttons[i], False)
                set_visible(self.remove_neuron_buttons[i], False)
            if "activation" in names:
                set_visible(self.layer_activation_dropdowns[i], False)
        if "activation" in names:
            set_visible(self.activation_dropdown, False)

    @staticmethod
    def _check_control_names(names):
        if isinstance(names, str):
            names = [names]
        names = list(names)
        for n in names:
            if n not in BUILDER_CONTROLS:
                raise ValueError(f"unknown control {n!r}; valid names: {', '.join(BUILDER_CONTROLS)}")
        return names

    @property
    def locked(self) -> list[str]:
        return sorted(self._locked)

    # -- showing the spec -----------------------------------------------------------------------
    def set_column_width(self, width: int | None) -> None:
        """Give each layer's cell this width in pixels, to line the cells up with a graph's columns."""
        self.column_width = width
        button = "26px" if not width or width >= 60 else "22px"
        for cell, dropdown, plus, minus in zip(self.layer_cells, self.layer_activation_dropdowns,
                                               self.add_neuron_buttons, self.remove_neuron_buttons):
            cell.layout.width = f"{width}px" if width else "92px"
            dropdown.layout.width = f"{max(40, min(78, width - 2))}px" if width else "78px"
            plus.layout.width = minus.layout.width = button
        self.cells_box.layout.justify_content = "flex-start" if width else "space-around"

    def _refresh(self) -> None:
        """Make every control show the spec (without triggering the callbacks)."""
        self._syncing = True
        try:
            spec, locked = self.spec, self._locked
            hidden, n = spec["hidden"], len(spec["hidden"])
            for name, button in self.feature_buttons.items():
                button.value = name in spec["features"]
                button.disabled = "features" in locked
            self.activation_dropdown.value = spec["activation"]
            self.activation_dropdown.disabled = "activation" in locked
            self.add_layer_button.disabled = "layers" in locked or n >= self.max_layers
            self.remove_layer_button.disabled = "layers" in locked or n == 0
            plural = "" if n == 1 else "s"
            self.layers_label.value = (
                f"<span class='nnviz-header' style='white-space:nowrap'>&nbsp;{n} hidden layer{plural}</span>"
            )
            for i in range(self.max_layers):
                set_visible(self.layer_cells[i], i < n)
                if i < n:
                    self.neuron_labels[i].value = (
                        f"<span class='nnviz-small' style='white-space:nowrap'>{hidden[i]} neuron"
                        f"{'' if hidden[i] == 1 else 's'}</span>"
                    )
                    self.layer_activation_dropdowns[i].value = spec["activations"][i]
                    # in a narrow column "leaky_relu" is cut: the tooltip has it whole
                    self.layer_activation_dropdowns[i].tooltip = f"layer {i + 1}: {spec['activations'][i]}"
                    self.add_neuron_buttons[i].disabled = "neurons" in locked or hidden[i] >= self.max_neurons
                    self.remove_neuron_buttons[i].disabled = "neurons" in locked or hidden[i] <= 1
                    self.layer_activation_dropdowns[i].disabled = "activation" in locked
        finally:
            self._syncing = False

    # -- callbacks (one job each) ---------------------------------------------------------------
    @guarded
    def _on_feature(self, change) -> None:
        if self._syncing:
            return
        chosen = [name for name, b in self.feature_buttons.items() if b.value]
        if not chosen:
            self._refresh()  # put the last feature back
            self.status.warning("The network needs at least one input feature.")
            return
        self.set_features(chosen)

    @guarded
    def _on_add_layer(self, _button) -> None:
        self.add_layer()

    @guarded
    def _on_remove_layer(self, _button) -> None:
        self.remove_layer()

    @guarded
    def _on_add_neuron(self, button) -> None:
        self.add_neuron(self.add_neuron_buttons.index(button))

    @guarded
    def _on_remove_neuron(self, button) -> None:
        self.remove_neuron(self.remove_neuron_buttons.index(button))

    @guarded
    def _on_network_activation(self, change) -> None:
        if not self._syncing:
            self.set_activation(change["new"])

    @guarded
    def _on_layer_activation(self, change) -> None:
        if not self._syncing:
            self.set_activation(change["new"], self.layer_activation_dropdowns.index(change["owner"]))

    def __repr__(self) -> str:
        s = self.spec
        layers = " → ".join(f"{h} {a}" for h, a in zip(s["hidden"], s["activations"])) or "no hidden layer"
        return f"ArchitectureBuilder(features={s['features']}, {layers})"
