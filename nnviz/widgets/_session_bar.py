"""A compact training bar for explorers: reset / play / pause / step, the epoch, a learning-rate slider.

It drives one :class:`~nnviz.widgets.session.TrainingSession` or a
:class:`~nnviz.widgets.session.SessionGroup` (every session of it at once) and holds no logic of its
own beyond forwarding clicks: the sessions train, the explorer's views redraw on their frames.
"""
from __future__ import annotations

from ipywidgets import HTML, Button, HBox, Layout, SelectionSlider

from ._common import add_class, format_epoch, format_number, guarded
from ._config import LEARNING_RATES
from .session import SessionGroup, TrainingSession
from .status import ReportsErrors, StatusArea

__all__ = ["SessionBar"]


class SessionBar(ReportsErrors, HBox):
    """Reset, Play, Pause and Step buttons, the epoch counter and a learning-rate slider.

    Parameters
    ----------
    runner : TrainingSession or SessionGroup
        What the buttons drive.
    status : StatusArea
        Where errors of the callbacks and the sessions' messages (divergence, paused...) are shown.
    step_epochs : int, default 1
        Epochs per click on Step.

    Attributes
    ----------
    reset_button, play_button, pause_button, step_button : Button
        CSS classes ``nnviz-reset``, ``nnviz-play``, ``nnviz-pause``, ``nnviz-step``.
    epoch : HTML
        ``Epoch 000,012`` (CSS class ``nnviz-epoch``) of the first session.
    lr : SelectionSlider
        Sets ``lr`` of every session (CSS class ``nnviz-lr``).
    """

    def __init__(self, runner, status: StatusArea, step_epochs: int = 1):
        if isinstance(runner, SessionGroup):
            self.sessions = list(runner.sessions)
        elif isinstance(runner, TrainingSession):
            self.sessions = [runner]
        else:
            raise TypeError(f"runner must be a TrainingSession or a SessionGroup, got {type(runner).__name__}")
        self.runner = runner
        self.status = status
        self.step_epochs = step_epochs
        button = Layout(width="auto")
        self.reset_button = Button(icon="undo", description="Reset", tooltip="new initial weights, epoch 0",
                                   layout=button)
        self.play_button = Button(icon="play", description="Play", button_style="primary",
                                  tooltip="train continuously", layout=button)
        self.pause_button = Button(icon="pause", description="Pause", disabled=True, tooltip="stop training",
                                   layout=button)
        self.step_button = Button(icon="step-forward", description="Step",
                                  tooltip=f"train {step_epochs} epoch{'s' if step_epochs != 1 else ''}", layout=button)
        self.epoch = HTML(layout=Layout(margin="0 10px"))
        lr = float(self.sessions[0].lr)
        rates = sorted(set(LEARNING_RATES) | {lr})
        self.lr = SelectionSlider(options=[(format_number(r), r) for r in rates], value=lr, description="Learning rate",
                                  continuous_update=False, style={"description_width": "initial"},
                                  layout=Layout(width="260px"))
        for widget, name in [(self.reset_button, "nnviz-reset"), (self.play_button, "nnviz-play"),
                             (self.pause_button, "nnviz-pause"), (self.step_button, "nnviz-step"),
                             (self.epoch, "nnviz-epoch"), (self.lr, "nnviz-lr")]:
            add_class(widget, name)
        super().__init__([self.reset_button, self.play_button, self.pause_button, self.step_button, self.epoch,
                          self.lr], layout=Layout(align_items="center", flex_flow="row wrap"))
        self.reset_button.on_click(self._on_reset)
        self.play_button.on_click(self._on_play)
        self.pause_button.on_click(self._on_pause)
        self.step_button.on_click(self._on_step)
        self.lr.observe(self._on_lr, "value")
        first = self.sessions[0]
        first.observe(self._on_epoch, "epoch")
        first.observe(self._on_playing, "playing")
        for s in self.sessions:
            s.observe(self._on_message, ["message", "warning"])
        self._show_epoch(first.epoch)

    def _show_epoch(self, epoch: int) -> None:
        self.epoch.value = (f"<div class='nnviz-epoch-box'><span class='nnviz-small'>Epoch</span> "
                            f"<span class='nnviz-epoch-value' data-epoch='{int(epoch)}'>{format_epoch(int(epoch))}"
                            f"</span></div>")

    def _on_epoch(self, change) -> None:
        self._show_epoch(change["new"])

    def _on_playing(self, change) -> None:
        playing = bool(change["new"])
        self.play_button.disabled = playing
        self.pause_button.disabled = not playing
        self.play_button.button_style = "" if playing else "primary"
        self.pause_button.button_style = "warning" if playing else ""

    def _on_message(self, change) -> None:
        session = change["owner"]
        if session.diverged is not None and session.message:
            self.status.error(f"{session.name}: {session.message}")
        elif session.message:
            self.status.warning(f"{session.name}: {session.message}")
        elif session.warning:
            self.status.warning(f"{session.name}: {session.warning}")
        elif self.status.kind in ("warning", "error") and not any(s.message or s.warning for s in self.sessions):
            self.status.clear()

    @guarded
    def _on_reset(self, _button) -> None:
        self.runner.reset()

    @guarded
    def _on_play(self, _button) -> None:
        self.runner.play()

    @guarded
    def _on_pause(self, _button) -> None:
        self.runner.pause()

    @guarded
    def _on_step(self, _button) -> None:
        self.runner.step(self.step_epochs)

    @guarded
    def _on_lr(self, change) -> None:
        for s in self.sessions:
            if not s.closed:
                s.lr = change["new"]

    def __repr__(self) -> str:
        return (f"SessionBar({len(self.sessions)} session{'s' if len(self.sessions) != 1 else ''}, "
                f"lr {format_number(self.lr.value)}, epoch {self.sessions[0].epoch})")

