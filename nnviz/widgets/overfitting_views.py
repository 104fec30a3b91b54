"""The overfitting demo's own views: two networks' loss curves, the capacity-sweep chart, a clickable
confusion matrix. Each draws what it is given (histories, a :class:`~nnviz.analysis.CapacitySweep`, a
matrix); the demo (:mod:`nnviz.widgets.overfitting_demo`) wires them to its sessions."""
from __future__ import annotations

import bqplot
import numpy as np
from ipywidgets import Button, GridBox, HTML, Layout, VBox

from nnviz.core import History

from ._common import add_class, check_int, describe, escape
from .loss_chart import TICK_STYLE, Y_TICK_STYLE, _curve, _nice_ceiling, _thin, _tick_format

__all__ = ["CapacityChart", "ConfusionMatrixView", "PairLossChart", "SERIES_COLORS"]

#: The over-fitted network orange, the regularised one blue (the playground's two class colours).
SERIES_COLORS = {"overfit": "#f59322", "regularised": "#0877bd"}
#: On the log axis losses are drawn no lower than this (a loss of 0 has no logarithm).
LOG_FLOOR = 1e-4


def _figure(marks, axes, width, height, css):
    fig = bqplot.Figure(
        marks=marks, axes=axes, fig_margin={"top": 8, "bottom": 32, "left": 44, "right": 12}, display_toolbar=False,
        padding_x=0.0, padding_y=0.0, animation_duration=0, min_aspect_ratio=0.01, max_aspect_ratio=100,
        layout=Layout(width=f"{width}px", height=f"{height}px", margin="0"),
    )
    add_class(fig, css)
    return fig


class PairLossChart(VBox):
    """Train (dashed) and test (solid) loss per epoch of two networks, and the best epoch marked.

    Parameters
    ----------
    width, height : int
        Size of the chart in pixels.
    log : bool, default False
        A logarithmic loss axis (losses below :data:`LOG_FLOOR` are drawn at it).

    Attributes
    ----------
    lines : dict of str to bqplot.Lines
        ``"overfit_train"``, ``"overfit_test"``, ``"regularised_train"``, ``"regularised_test"``.
    best_rule, best_dot : bqplot.Lines, bqplot.Scatter
        The best validation epoch (a vertical dashed rule, a dot on the test curve); hidden when none.
    best_epoch : int or None
        The epoch marked.
    """

    def __init__(self, width: int = 430, height: int = 190, log: bool = False):
        width = check_int("width", width, low=120, high=4000)
        height = check_int("height", height, low=60, high=4000)
        self.x_scale = bqplot.LinearScale(min=0.0, max=10.0)
        self.linear_scale = bqplot.LinearScale(min=0.0, max=1.0)
        self.log_scale = bqplot.LogScale(min=LOG_FLOOR, max=10.0)
        self._log = False
        scales = {"x": self.x_scale, "y": self.linear_scale}
        quiet = dict(enable_hover=False, interactions={})
        self.lines = {}
        for series in ("overfit", "regularised"):
            for split, style in (("train", "dashed"), ("test", "solid")):
                self.lines[f"{series}_{split}"] = bqplot.Lines(
                    x=[], y=[], scales=scales, colors=[SERIES_COLORS[series]], line_style=style,
                    stroke_width=1.4 if split == "train" else 2.0, **quiet)
        self.best_rule = bqplot.Lines(x=[0.0, 0.0], y=[0.0, 1.0], scales=scales, colors=["#333333"],
                                      line_style="dash_dotted", stroke_width=1.0, visible=False, **quiet)
        self.best_dot = bqplot.Scatter(x=[0.0], y=[0.0], scales=scales, colors=[SERIES_COLORS["regularised"]],
                                       stroke="#222222", default_size=48, visible=False, **quiet)
        self.x_axis = bqplot.Axis(scale=self.x_scale, tick_values=[0, 5, 10], tick_style=TICK_STYLE,
                                  grid_lines="none", label="epoch", label_offset="26px", tick_format="d")
        self.linear_axis = bqplot.Axis(scale=self.linear_scale, side="left", tick_values=[0, 0.5, 1.0],
                                       tick_style=Y_TICK_STYLE, grid_lines="dashed", tick_format=_tick_format(1.0))
        # the log axis is an axis of its own (the figure swaps axes; bqplot redraws a new axis reliably)
        self.log_axis = bqplot.Axis(scale=self.log_scale, side="left", tick_values=[0.01, 0.1, 1.0],
                                    tick_style=Y_TICK_STYLE, grid_lines="dashed", tick_format="~g")
        self.figure = _figure(list(self.lines.values()) + [self.best_rule, self.best_dot],
                              [self.x_axis, self.linear_axis], width, height, "nnviz-overfit-loss-chart")
        self.legend = HTML(self._legend_html())
        add_class(self.legend, "nnviz-small")
        self.best_epoch: int | None = None
        super().__init__([self.legend, self.figure])
        add_class(self, "nnviz-overfit-loss")
        self._histories = (History(), History())
        self.log = log

    @staticmethod
    def _legend_html() -> str:
        def key(color, dashed):
            border = "dashed" if dashed else "solid"
            return (f"<span style='display:inline-block;width:18px;border-top:2px {border} {color};"
                    f"vertical-align:middle;margin:0 3px 0 8px'></span>")

        o, r = SERIES_COLORS["overfit"], SERIES_COLORS["regularised"]
        return (f"<span>{key(o, False)}over-fitted test{key(o, True)}train</span>"
                f"<span>{key(r, False)}regularised test{key(r, True)}train</span>"
                f"<span style='margin-left:8px'>┆ best epoch (early stopping)</span>")

    @property
    def log(self) -> bool:
        return self._log

    @log.setter
    def log(self, value) -> None:
        if not isinstance(value, (bool, np.bool_)):
            raise TypeError(f"log must be True or False, got {describe(value)}")
        self._log = bool(value)
        scale = self.log_scale if self._log else self.linear_scale
        marks = list(self.lines.values()) + [self.best_rule, self.best_dot]
        with self.figure.hold_sync():
            for mark in marks:
                mark.scales = {"x": self.x_scale, "y": scale}
            self.figure.axes = [self.x_axis, self.y_axis]
        self.update(*self._histories, best_epoch=self.best_epoch)

    @property
    def y_scale(self):
        """The loss axis's scale now (linear or log)."""
        return self.log_scale if self._log else self.linear_scale

    @property
    def y_axis(self):
        """The loss axis shown now (``linear_axis`` or ``log_axis``)."""
        return self.log_axis if self._log else self.linear_axis

    def update(self, overfit: History, regularised: History, best_epoch: int | None = None) -> None:
        """Redraw both networks' curves from their histories; mark ``best_epoch`` of the regularised one."""
        self._histories = (overfit, regularised)
        top, low, last = 0.0, np.inf, 0
        for series, h in (("overfit", overfit), ("regularised", regularised)):
            n = len(h)
            idx = _thin(n)
            epochs = np.asarray(h["epoch"], dtype=np.float64)
            for split, key in (("train", "loss"), ("test", "val_loss")):
                values = h[key]
                x, y = _curve(epochs[idx], [values[i] for i in idx]) if n else (np.zeros(0, np.float32),) * 2
                if self._log:
                    y = np.maximum(y, np.float32(LOG_FLOOR))
                line = self.lines[f"{series}_{split}"]
                with line.hold_sync():
                    line.x, line.y = x, y
                if len(y):
                    top, low = max(top, float(y.max())), min(low, float(y.min()))
            if n:
                last = max(last, int(epochs[-1]))
        x_max = _nice_ceiling(max(10.0, float(last)))
        if self.x_scale.max != x_max:
            self.x_scale.max = x_max
            self.x_axis.tick_values = np.array([0.0, x_max / 2, x_max])
        if self._log:
            y_min = 10.0 ** np.floor(np.log10(max(low if np.isfinite(low) else 0.1, LOG_FLOOR)))
            y_max = 10.0 ** np.ceil(np.log10(max(top, 10 * y_min)))
            if (self.log_scale.min, self.log_scale.max) != (y_min, y_max):
                with self.y_axis.hold_sync():
                    self.y_axis.tick_values = 10.0 ** np.arange(np.log10(y_min), np.log10(y_max) + 0.5)
                    self.y_axis.tick_format = "~g"
                with self.log_scale.hold_sync():
                    self.log_scale.min, self.log_scale.max = float(y_min), float(y_max)
            y_bottom, y_top = float(y_min), float(y_max)
        else:
            y_max = _nice_ceiling(top if top > 0 else 1.0)
            if self.linear_scale.max != y_max:
                with self.y_axis.hold_sync():
                    self.y_axis.tick_format = _tick_format(y_max)
                    self.y_axis.tick_values = np.array([0.0, y_max / 2, y_max])
                self.linear_scale.max = y_max
            y_bottom, y_top = 0.0, float(y_max)
        self._mark_best(regularised, best_epoch, y_bottom, y_top)

    def _mark_best(self, h: History, best_epoch, y_bottom, y_top) -> None:
        value = None
        if best_epoch is not None and 1 <= best_epoch <= len(h):
            value = h["val_loss"][best_epoch - 1]
        self.best_epoch = best_epoch if value is not None else None
        if self.best_epoch is None:
            self.best_rule.visible = self.best_dot.visible = False
            return
        y = max(float(value), LOG_FLOOR) if self._log else float(value)
        with self.best_rule.hold_sync():
            self.best_rule.x = np.array([best_epoch, best_epoch], dtype=np.float32)
            self.best_rule.y = np.array([y_bottom, y_top], dtype=np.float32)
            self.best_rule.visible = True
        with self.best_dot.hold_sync():
            self.best_dot.x = np.array([best_epoch], dtype=np.float32)
            self.best_dot.y = np.array([y], dtype=np.float32)
            self.best_dot.visible = True

    def __repr__(self) -> str:
        n = [len(h) for h in self._histories]
        best = "" if self.best_epoch is None else f", best epoch {self.best_epoch}"
        return f"PairLossChart({n[0]} and {n[1]} epochs{best}{', log' if self._log else ''})"


class CapacityChart(VBox):
    """Train and test error (or loss) against hidden units, on a log2 width axis, drawn as widths finish.

    Attributes
    ----------
    train_line, test_line : bqplot.Lines
        With markers, one point per finished width.
    best_dot : bqplot.Scatter
        The width with the lowest test value.
    metric : {"error", "loss"}
    """

    def __init__(self, widths, width: int = 430, height: int = 190, metric: str = "error"):
        self.widths = [int(w) for w in widths]
        self.x_scale = bqplot.LogScale(min=min(self.widths) / 1.3, max=max(self.widths) * 1.3)
        self.y_scale = bqplot.LinearScale(min=0.0, max=0.5)
        scales = {"x": self.x_scale, "y": self.y_scale}
        quiet = dict(enable_hover=False, interactions={})
        self.train_line = bqplot.Lines(x=[], y=[], scales=scales, colors=["#777777"], line_style="dashed",
                                       marker="circle", marker_size=24, stroke_width=1.5, **quiet)
        self.test_line = bqplot.Lines(x=[], y=[], scales=scales, colors=["#000000"], marker="circle",
                                      marker_size=28, stroke_width=2.0, **quiet)
        self.best_dot = bqplot.Scatter(x=[], y=[], scales=scales, colors=["#2e7d32"], default_size=90,
                                       stroke="#ffffff", **quiet)
        self.x_axis = bqplot.Axis(scale=self.x_scale, tick_values=self.widths, tick_format="d", tick_style=TICK_STYLE,
                                  grid_lines="none", label="hidden units (one hidden layer)", label_offset="26px")
        self.y_axis = bqplot.Axis(scale=self.y_scale, side="left", tick_values=[0, 0.25, 0.5], tick_style=Y_TICK_STYLE,
                                  grid_lines="dashed", tick_format=".2f")
        self.figure = _figure([self.train_line, self.test_line, self.best_dot], [self.x_axis, self.y_axis],
                              width, height, "nnviz-capacity-chart")
        self.legend = HTML()
        add_class(self.legend, "nnviz-small")
        super().__init__([self.legend, self.figure])
        add_class(self, "nnviz-capacity")
        self.metric = metric
        self._sweep = None
        self.update(None)

    def update(self, sweep) -> None:
        """Draw the widths done so far (``sweep``: a CapacitySweep, or None for an empty chart)."""
        self._sweep = sweep
        n = 0 if sweep is None else len(sweep)
        if n:
            x = sweep.widths.astype(np.float32)
            train = getattr(sweep, f"train_{self.metric}").astype(np.float32)
            test = getattr(sweep, f"test_{self.metric}").astype(np.float32)
            best = int(np.argmin(test))
        else:
            x = train = test = np.zeros(0, np.float32)
        top = max(float(train.max()) if n else 0.0, float(test.max()) if n else 0.0)
        y_max = _nice_ceiling(max(top, 0.05)) if self.metric == "loss" or top > 0.5 else 0.5
        with self.figure.hold_sync():
            self.train_line.x, self.train_line.y = x, train
            self.test_line.x, self.test_line.y = x, test
            self.best_dot.x, self.best_dot.y = (x[best:best + 1], test[best:best + 1]) if n else (x, test)
            if self.y_scale.max != y_max:
                self.y_scale.max = y_max
                self.y_axis.tick_values = np.array([0.0, y_max / 2, y_max])
                self.y_axis.tick_format = _tick_format(y_max)
        what = "error (1 − accuracy)" if self.metric == "error" else "loss"
        text = (f"<b>train</b> {what} dashed grey, <b>test</b> {what} black"
                + (f"; lowest test {what} <b>{test[best]:.3f}</b> at <b>{int(x[best])}</b> units (green)" if n else ""))
        self.legend.value = f"<span>{text}</span>"

    @property
    def metric(self) -> str:
        return self._metric

    @metric.setter
    def metric(self, value) -> None:
        if value not in ("error", "loss"):
            raise ValueError(f"metric must be 'error' or 'loss', got {describe(value)}")
        self._metric = value
        if hasattr(self, "_sweep"):
            self.update(self._sweep)

    def __repr__(self) -> str:
        n = 0 if self._sweep is None else len(self._sweep)
        return f"CapacityChart({n} of {len(self.widths)} widths, {self.metric})"


class ConfusionMatrixView(VBox):
    """A k x k confusion matrix of buttons (rows: true class, columns: predicted), coloured by count.

    Clicking a cell calls the ``on_cell`` callbacks with ``(true_class, predicted_class)``; the cell
    stays selected (outlined) until another is clicked or :meth:`select` is called with None.

    Parameters
    ----------
    n_classes : int >= 2
    class_names : sequence of str or None

    Attributes
    ----------
    cells : list of list of ipywidgets.Button
        ``cells[t][p]``.
    counts : ndarray of shape (k, k)
    selected : (int, int) or None
    """

    def __init__(self, n_classes: int = 2, class_names=None):
        k = check_int("n_classes", n_classes, low=2, high=8)
        self.n_classes = k
        names = [f"class {i}" for i in range(k)] if class_names is None else [str(c) for c in class_names]
        if len(names) != k:
            raise ValueError(f"class_names must name {k} classes, got {len(names)}")
        self.counts = np.zeros((k, k), dtype=np.int64)
        self.selected: tuple[int, int] | None = None
        self._callbacks: list = []
        self.cells = [[Button(description="0", layout=Layout(width="72px", height="34px", margin="1px"),
                              tooltip=f"true {names[t]}, predicted {names[p]}: click to show these points")
                       for p in range(k)] for t in range(k)]
        header = [HTML("", layout=Layout(width="84px"))] + [
            HTML(f"<div class='nnviz-small' style='text-align:center;line-height:1.2'>predicted<br>{escape(n)}</div>")
            for n in names]
        rows = []
        for t in range(k):
            rows.append(HTML(f"<div class='nnviz-small' style='text-align:right;padding-right:4px;white-space:nowrap;"
                             f"line-height:34px'>true {escape(names[t])}</div>"))
            rows.extend(self.cells[t])
        self.grid = GridBox(header + rows, layout=Layout(grid_template_columns=f"84px repeat({k}, 76px)",
                                                         grid_gap="0px"))
        for t in range(k):
            for p in range(k):
                add_class(self.cells[t][p], "nnviz-confusion-cell", f"nnviz-cell-{t}-{p}")
                self.cells[t][p].on_click(lambda _b, t=t, p=p: self._clicked(t, p))
        self.caption = HTML()
        add_class(self.caption, "nnviz-small")
        super().__init__([self.grid, self.caption])
        add_class(self, "nnviz-confusion")

    def on_cell(self, callback, remove: bool = False) -> None:
        """Call ``callback(true_class, predicted_class)`` when a cell is clicked."""
        if not callable(callback):
            raise TypeError(f"callback must be callable, got {describe(callback)}")
        if remove:
            if callback in self._callbacks:
                self._callbacks.remove(callback)
        elif callback not in self._callbacks:
            self._callbacks.append(callback)

    def _clicked(self, t: int, p: int) -> None:
        self.select((t, p))
        for cb in list(self._callbacks):
            cb(t, p)

    def select(self, cell) -> None:
        """Outline ``cell`` (``(t, p)``) as the selected one, or none (None)."""
        if cell is not None:
            t, p = cell
            check_int("true class", t, low=0, high=self.n_classes - 1)
            check_int("predicted class", p, low=0, high=self.n_classes - 1)
            cell = (int(t), int(p))
        self.selected = cell
        self._restyle()

    def update(self, counts, caption: str = "") -> None:
        """Show ``counts`` (k x k, rows true) in the cells, coloured by their share of each row."""
        counts = np.asarray(counts)
        if counts.shape != (self.n_classes, self.n_classes):
            raise ValueError(f"counts must have shape ({self.n_classes}, {self.n_classes}), got {counts.shape}")
        self.counts = counts.astype(np.int64)
        for t in range(self.n_classes):
            for p in range(self.n_classes):
                text = str(int(self.counts[t, p]))
                if self.cells[t][p].description != text:
                    self.cells[t][p].description = text
        self.caption.value = caption
        self._restyle()

    def _restyle(self) -> None:
        totals = np.maximum(self.counts.sum(axis=1, keepdims=True), 1)
        share = self.counts / totals
        for t in range(self.n_classes):
            for p in range(self.n_classes):
                b = self.cells[t][p]
                # correct cells green, mistakes red, darker for a larger share of the row
                base = (46, 125, 50) if t == p else (183, 28, 28)
                a = 0.12 + 0.6 * float(share[t, p])
                color = "#" + "".join(f"{int(round(255 - (255 - c) * a)):02x}" for c in base)
                if b.style.button_color != color:
                    b.style.button_color = color
                weight = "bold" if (t, p) == self.selected else "normal"
                if b.style.font_weight != weight:
                    b.style.font_weight = weight
                border = "2px solid #222" if (t, p) == self.selected else "1px solid #ccc"
                if b.layout.border != border:
                    b.layout.border = border

    def __repr__(self) -> str:
        sel = "" if self.selected is None else f", selected {self.selected}"
        return f"ConfusionMatrixView({self.n_classes} classes, {int(self.counts.sum())} samples{sel})"
