"""The training controls of the Playground: reset / play / pause / step, the epoch counter, and the
settings that apply at the next step (batch size, optimiser, momentum, regularisation, dropout, speed)."""
from __future__ import annotations

from ipywidgets import HTML, Button, Dropdown, FloatSlider, HBox, IntSlider, Layout, SelectionSlider, VBox

from ._common import add_class, format_epoch, format_number, wide_layout
from ._config import (
    BATCH_SIZE_RANGE,
    DROPOUT_MAX,
    MOMENTUM_RANGE,
    OPTIMIZER_CHOICES,
    REG_RATES,
    REGULARIZATIONS,
    SPEEDS,
)

__all__ = ["TrainingControls"]

_STYLE = {"description_width": "66px"}


class TrainingControls(VBox):
    """The buttons and settings of training; they hold no logic (the :class:`Playground` wires them).

    Attributes
    ----------
    reset_button, play_button, pause_button, step_button : Button
        CSS classes ``nnviz-reset``, ``nnviz-play``, ``nnviz-pause``, ``nnviz-step``.
    epoch : HTML
        The epoch counter, CSS class ``nnviz-epoch`` (text ``Epoch 000,123``).
    batch_size : IntSlider
    optimizer : Dropdown
        ``"sgd"``, ``"momentum"``, ``"adam"``.
    momentum : FloatSlider
    regularization : Dropdown
        ``"none"``, ``"l1"``, ``"l2"``.
    reg_rate : SelectionSlider
        The playground's regularisation rates.
    dropout : FloatSlider
    speed : Dropdown
        Epochs per frame while playing (``"auto"``: about 15 ms of training per frame).
    bar, panel : Box
        The top bar (buttons, epoch) and the settings column, which the Playground places apart.
    """

    def __init__(self):
        button = Layout(width="auto", height="34px")
        self.reset_button = Button(icon="undo", description="Reset", tooltip="new random weights, epoch 0", layout=button)
        self.play_button = Button(icon="play", description="Play", tooltip="train continuously", button_style="primary",
                                  layout=button)
        self.pause_button = Button(icon="pause", description="Pause", tooltip="stop training", disabled=True, layout=button)
        self.step_button = Button(icon="step-forward", description="Step", tooltip="train one epoch", layout=button)
        self.epoch = HTML(layout=Layout(margin="0 12px"))
        self.set_epoch(0)
        self.batch_size = IntSlider(value=10, min=BATCH_SIZE_RANGE[0], max=BATCH_SIZE_RANGE[1], description="Batch size",
                                    continuous_update=False, layout=wide_layout(), style=_STYLE)
        self.optimizer = Dropdown(options=[(label, key) for key, label in OPTIMIZER_CHOICES.items()],
                                  description="Optimizer", layout=wide_layout(), style=_STYLE)
        self.momentum = FloatSlider(value=0.9, min=MOMENTUM_RANGE[0], max=MOMENTUM_RANGE[1], step=0.01,
                                    description="Momentum", continuous_update=False, layout=wide_layout(), style=_STYLE)
        self.regularization = Dropdown(options=[(label, key) for key, label in REGULARIZATIONS.items()],
                                       description="Regularization", layout=Layout(width="170px"),
                                       style={"description_width": "initial"})
        self.reg_rate = SelectionSlider(options=[(format_number(r), r) for r in REG_RATES], value=0.0,
                                        description="Reg. rate", continuous_update=False,
                                        layout=Layout(width="230px"), style={"description_width": "initial"})
        self.dropout = FloatSlider(value=0.0, min=0.0, max=DROPOUT_MAX, step=0.05, description="Dropout",
                                   continuous_update=False, layout=wide_layout(), style=_STYLE)
        self.speed = Dropdown(options=[("auto" if s == "auto" else f"{s} epoch{'s' if s != 1 else ''}", s) for s in SPEEDS],
                              description="Per frame", tooltip="epochs trained per animation frame while playing",
                              layout=wide_layout(), style=_STYLE)
        for widget, name in [
            (self.reset_button, "nnviz-reset"), (self.play_button, "nnviz-play"), (self.pause_button, "nnviz-pause"),
            (self.step_button, "nnviz-step"), (self.epoch, "nnviz-epoch"), (self.batch_size, "nnviz-batch-size"),
            (self.optimizer, "nnviz-optimizer"), (self.momentum, "nnviz-momentum"),
            (self.regularization, "nnviz-regularization"), (self.reg_rate, "nnviz-reg-rate"),
            (self.dropout, "nnviz-dropout"), (self.speed, "nnviz-speed"),
        ]:
            add_class(widget, name)
        self.bar = HBox([self.reset_button, self.play_button, self.pause_button, self.step_button, self.epoch],
                        layout=Layout(align_items="center"))
        self.header = HTML("<div class='nnviz-header'>Training</div>")
        self.panel = VBox([self.header, self.batch_size, self.optimizer, self.momentum, self.dropout, self.speed])
        super().__init__([self.bar, HBox([self.regularization, self.reg_rate]), self.panel])
        add_class(self, "nnviz-training-controls")

    def set_epoch(self, epoch: int) -> None:
        """Show the epoch counter as the playground does: ``Epoch 000,123``."""
        self.epoch.value = (
            f"<div class='nnviz-epoch-box'><span class='nnviz-small'>Epoch</span> "
            f"<span class='nnviz-epoch-value' data-epoch='{int(epoch)}'>{format_epoch(int(epoch))}</span></div>"
        )

    def set_playing(self, playing: bool, locked: bool = False) -> None:
        """Swap which of play / pause is active (both disabled when ``locked``)."""
        self.play_button.disabled = playing or locked
        self.pause_button.disabled = (not playing) or locked
        self.play_button.button_style = "" if playing else "primary"
        self.pause_button.button_style = "warning" if playing else ""

    @property
    def controls(self) -> dict:
        """Control name (as ``Playground(locked=...)`` uses it) -> its widgets."""
        return {
            "play": [self.play_button, self.pause_button], "step": [self.step_button], "reset": [self.reset_button],
            "batch_size": [self.batch_size], "optimizer": [self.optimizer], "momentum": [self.momentum],
            "regularization": [self.regularization], "reg_rate": [self.reg_rate], "dropout": [self.dropout],
            "speed": [self.speed],
        }

    def __repr__(self) -> str:
        return (f"TrainingControls(batch_size={self.batch_size.value}, optimizer={self.optimizer.value!r}, "
                f"regularization={self.regularization.value!r})")
