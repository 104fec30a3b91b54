"""The learning-rate finder of the learning-rate explorer: fastai's range test, its curve and suggestions."""
from __future__ import annotations

import time

import bqplot
import numpy as np
from ipywidgets import HTML, Button, Dropdown, HBox, Layout, VBox

from nnviz.analysis import LR_RULES, lr_find

from ._common import add_class, escape, format_number, guarded
from ._owned import close_owned, owned_models
from .status import ReportsErrors, StatusArea

__all__ = ["LRFinderView", "RULE_COLORS"]

RULE_COLORS = {"steepest": "#e53935", "minimum/10": "#fb8c00", "valley": "#2e7d32"}
WIDTH, HEIGHT = 330, 230


class LRFinderView(ReportsErrors, VBox):
    """Run :func:`nnviz.analysis.lr_find` on a network and show it: the loss against the learning rate
    (log axis; the raw batch losses faint, the smoothed curve bold), each suggestion rule marked and
    named, and a button that hands the chosen suggestion to :meth:`on_use` callbacks.

    The sweep trains a copy: the network is left bit-exact (parameters, optimiser state, counters,
    history, random generator).

    Parameters
    ----------
    status : StatusArea or None

    Attributes
    ----------
    result : LRFinderResult or None
    run_button, use_button : ipywidgets.Button
    rule : ipywidgets.Dropdown
        Which suggestion the use button takes (``"valley"``, fastai's default, first).
    raw_line, smooth_line : bqplot.Lines
    marks : bqplot.Scatter
        One dot per rule at (suggested lr, smoothed loss there), coloured as :data:`RULE_COLORS`.
    seconds : float
        How long the last sweep took.
    """

    def __init__(self, *, status: StatusArea | None = None):
        with owned_models(self):
            own = status is None
            self.status = StatusArea() if own else status
            self.result = None
            self.seconds = 0.0
            self._use_callbacks: list = []
            self.x_scale = bqplot.LogScale(min=1e-7, max=10.0)
            self.y_scale = bqplot.LinearScale(min=0.0, max=1.0)
            sc = {"x": self.x_scale, "y": self.y_scale}
            quiet = dict(enable_hover=False, interactions={})
            self.raw_line = bqplot.Lines(x=[], y=[], scales=sc, colors=["#bbbbbb"], stroke_width=1, **quiet)
            self.smooth_line = bqplot.Lines(x=[], y=[], scales=sc, colors=["#0877bd"], stroke_width=2.2, **quiet)
            self.marks = bqplot.Scatter(x=[], y=[], scales=sc, colors=list(RULE_COLORS.values()), default_size=80,
                                        stroke="#000000", **quiet)
            self.mark_labels = bqplot.Label(x=[], y=[], text=[], scales=sc, colors=list(RULE_COLORS.values()),
                                            default_size=10, y_offset=-10, align="middle")
            axes = [bqplot.Axis(scale=self.x_scale, label="learning rate (log)", tick_format=".0e",
                                tick_style={"font-size": "9px"}, grid_lines="none", label_offset="28px"),
                    bqplot.Axis(scale=self.y_scale, side="left", label="loss", tick_format=".2f",
                                tick_style={"font-size": "9px"}, grid_lines="dashed", label_offset="36px")]
            self.figure = bqplot.Figure(
                marks=[self.raw_line, self.smooth_line, self.marks, self.mark_labels], axes=axes,
                fig_margin={"top": 14, "bottom": 40, "left": 50, "right": 10}, display_toolbar=False,
                padding_x=0.0, padding_y=0.0, animation_duration=0, min_aspect_ratio=0.01, max_aspect_ratio=100,
                layout=Layout(width=f"{WIDTH}px", height=f"{HEIGHT}px", margin="0"),
            )
            add_class(self.figure, "nnviz-lr-finder-figure")
            self.run_button = Button(description="Run LR finder", icon="search", button_style="info",
                                     tooltip="sweep the learning rate from 1e-7 to 10 on a copy of the network",
                                     layout=Layout(width="132px"))
            add_class(self.run_button, "nnviz-lr-finder-run")
            self.rule = Dropdown(options=[("valley", "valley"), ("steepest", "steepest"),
                                          ("minimum / 10", "minimum/10")], value="valley",
                                 layout=Layout(width="92px"))
            self.use_button = Button(description="Use it", icon="check", disabled=True,
                                     tooltip="train the highlighted run at the suggested learning rate",
                                     layout=Layout(width="118px"))
            add_class(self.use_button, "nnviz-lr-finder-use")
            self.info = HTML("<div class='nnviz-small' style='line-height:1.35'>Press “Run LR finder”: it trains a copy of the "
                             "highlighted run for 100 mini-batches while the learning rate grows from 1e-7 to 10, "
                             "and stops when the loss blows up. Good rates are where the loss falls fastest.</div>",
                             layout=Layout(width=f"{WIDTH}px"))
            add_class(self.info, "nnviz-lr-finder-info")
            children = [HTML("<div class='nnviz-header'>Learning-rate finder</div>"), self.figure, self.info,
                        HBox([self.run_button, self.rule, self.use_button])]
            super().__init__(children + ([self.status] if own else []),
                             layout=Layout(width=f"{WIDTH + 20}px", flex="0 0 auto"))
            add_class(self, "nnviz-lr-finder")
            self.use_button.on_click(self._on_use)
            self.rule.observe(self._on_rule, "value")

    def run(self, network, X, y, batch_size: int | None = 10):
        """Sweep on ``network`` (left unchanged) and draw the result; returns the LRFinderResult."""
        started = time.perf_counter()
        result = lr_find(network, X, y, batch_size=batch_size)
        self.seconds = time.perf_counter() - started
        self.show(result)
        return result

    def show(self, result) -> None:
        """Draw a finished sweep."""
        self.result = result
        lrs = result.lrs
        raw = np.clip(np.nan_to_num(result.losses, nan=0.0, posinf=1e6), 0.0, 1e6)
        top = float(min(raw.max(), 4 * max(result.smoothed.min(), 1e-12) * result.diverge_factor))
        with self.raw_line.hold_sync():
            self.raw_line.x, self.raw_line.y = lrs, raw
        with self.smooth_line.hold_sync():
            self.smooth_line.x, self.smooth_line.y = lrs, result.smoothed
        names = list(LR_RULES)
        xs = [result.suggestions[n] for n in names]
        ys = [result.loss_at(v) for v in xs]
        with self.marks.hold_sync():
            self.marks.x, self.marks.y = xs, ys
            self.marks.colors = [RULE_COLORS[n] for n in names]
        with self.mark_labels.hold_sync():
            self.mark_labels.x, self.mark_labels.y = xs, ys
            self.mark_labels.text = names
            self.mark_labels.colors = [RULE_COLORS[n] for n in names]
        with self.x_scale.hold_sync():
            self.x_scale.min, self.x_scale.max = float(lrs[0]), float(max(lrs[-1], lrs[0] * 10))
        with self.y_scale.hold_sync():
            self.y_scale.min = float(max(0.0, raw.min() * 0.9))
            self.y_scale.max = float(max(top, result.smoothed.max()) * 1.05)
        self.use_button.disabled = False
        self._write_info()

    @property
    def suggestion(self) -> float | None:
        """The chosen rule's suggestion of the last sweep (None before one)."""
        return None if self.result is None else float(self.result.suggestions[self.rule.value])

    def on_use(self, callback, remove: bool = False) -> None:
        """Call ``callback(lr)`` when the use button is pressed."""
        if remove:
            if callback in self._use_callbacks:
                self._use_callbacks.remove(callback)
        elif callback not in self._use_callbacks:
            self._use_callbacks.append(callback)

    def use(self) -> float:
        """Hand the chosen suggestion to the :meth:`on_use` callbacks; returns it."""
        if self.result is None:
            raise RuntimeError("no sweep yet: run the LR finder first")
        lr = self.suggestion
        for callback in list(self._use_callbacks):
            callback(lr)
        return lr

    def _write_info(self) -> None:
        r = self.result
        stop = {"completed": "ran all 100 steps", "diverged": "stopped when the smoothed loss passed 4× its best",
                "non-finite": "stopped when the loss became NaN/inf"}[r.stop_reason]
        rules = " · ".join(f"<span style='color:{RULE_COLORS[n]}'>{escape(n)} <b>{v:.3g}</b></span>"
                           for n, v in r.suggestions.items())
        self.info.value = (f"<div class='nnviz-small' style='line-height:1.35'>{len(r.lrs)} steps, lr "
                           f"{r.lrs[0]:.0e} … {r.lrs[-1]:.2g}: {stop} ({self.seconds:.2f} s; the network itself "
                           f"is unchanged).<br>{rules}</div>")
        self.use_button.description = f"Use {format_number(float(f'{self.suggestion:.3g}'))}"

    @guarded
    def _on_use(self, _button) -> None:
        self.use()

    @guarded
    def _on_rule(self, _change) -> None:
        if self.result is not None:
            self._write_info()

    def close(self) -> None:
        """Close every widget model the view created."""
        self._use_callbacks.clear()
        close_owned(self)
        super().close()

    def __repr__(self) -> str:
        if self.result is None:
            return "LRFinderView(not run yet)"
        return f"LRFinderView({len(self.result.lrs)} steps, {self.rule.value} suggests {self.suggestion:.3g})"
