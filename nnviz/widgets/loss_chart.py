"""Train and test loss over epochs, with the latest values written out (3 decimals) and accuracy."""
from __future__ import annotations

import bqplot
import numpy as np
from ipywidgets import HTML, Layout, VBox

from nnviz.core import History

from ._colors import LOSS_COLORS
from ._common import add_class, check_int, check_network, describe
from ._style import style_widget
from .status import ReportsErrors, StatusArea

__all__ = ["LossChart"]

#: Points sent per curve at most: a long run is thinned to this many (first and last epochs kept).
MAX_POINTS = 400
FLOAT32_CAP = 1e30


def _thin(n: int, limit: int = MAX_POINTS) -> np.ndarray:
    """Indices of at most ``limit`` evenly spread epochs out of ``n`` (always the last)."""
    if n <= limit:
        return np.arange(n)
    idx = np.linspace(0, n - 1, limit).round().astype(np.int64)
    return np.unique(idx)


class LossChart(ReportsErrors, VBox):
    """Training and test loss per epoch, as the playground's chart (grey train, black test).

    Above the chart: the latest test and training loss with 3 decimals, and the accuracy for
    classification. The curves are bqplot ``Lines`` updated in place; long runs are thinned to
    :data:`MAX_POINTS` points per curve (float32) so a redraw stays small.

    Parameters
    ----------
    network : nnviz.core.Network or None
        The chart reads ``network.history`` (``loss``/``val_loss`` per epoch).
    history : nnviz.core.History or None
        Read this history instead (e.g. a finished run).
    width, height : int, default 300, 110
        Size of the chart in pixels.
    status : StatusArea or None

    Attributes
    ----------
    train_line, test_line : bqplot.Lines
    summary : ipywidgets.HTML
        The numbers; CSS class ``nnviz-metrics``.
    """

    def __init__(self, network=None, history=None, *, width: int = 300, height: int = 110,
                 status: StatusArea | None = None):
        self._network = check_network(network, allow_none=True)
        if history is not None and not isinstance(history, History):
            raise TypeError(f"history must be an nnviz.core.History or None, got {describe(history)}")
        self._history = history
        width = check_int("width", width, low=80, high=4000)
        height = check_int("height", height, low=40, high=4000)
        own_status = status is None
        self.status = StatusArea() if own_status else status
        self.x_scale = bqplot.LinearScale(min=0.0, max=10.0)
        self.y_scale = bqplot.LinearScale(min=0.0, max=1.0)
        scales = {"x": self.x_scale, "y": self.y_scale}
        line = dict(scales=scales, stroke_width=1.6, enable_hover=False, interactions={})
        self.train_line = bqplot.Lines(x=[], y=[], colors=[LOSS_COLORS["train"]], labels=["train"], **line)
        self.test_line = bqplot.Lines(x=[], y=[], colors=[LOSS_COLORS["test"]], labels=["test"], **line)
        tick = {"font-size": "9px"}
        axes = [
            bqplot.Axis(scale=self.x_scale, tick_values=[0, 5, 10], tick_style=tick, grid_lines="none",
                        label="epoch", label_offset="24px", tick_format="d"),
            bqplot.Axis(scale=self.y_scale, side="left", tick_values=[0, 0.5, 1.0], tick_style=tick,
                        grid_lines="dashed", tick_format=".2g"),
        ]
        self.x_axis, self.y_axis = axes
        self.figure = bqplot.Figure(
            marks=[self.train_line, self.test_line], axes=axes,
            fig_margin={"top": 6, "bottom": 30, "left": 40, "right": 16}, display_toolbar=False,
            padding_x=0.0, padding_y=0.0, animation_duration=0, min_aspect_ratio=0.01, max_aspect_ratio=100,
            layout=Layout(width=f"{width}px", height=f"{height}px", margin="0"),
        )
        add_class(self.figure, "nnviz-loss-chart")
        self.summary = HTML()
        add_class(self.summary, "nnviz-metrics")
        super().__init__([self.summary, self.figure] + ([style_widget(), self.status] if own_status else []))
        add_class(self, "nnviz-loss")
        self.update()

    @property
    def network(self):
        return self._network

    @network.setter
    def network(self, network) -> None:
        self._network = check_network(network, allow_none=True)
        self._history = None
        self.update()

    @property
    def history(self) -> History:
        if self._history is not None:
            return self._history
        return self._network.history if self._network is not None else History()

    @history.setter
    def history(self, history) -> None:
        if history is not None and not isinstance(history, History):
            raise TypeError(f"history must be an nnviz.core.History or None, got {describe(history)}")
        self._history = history
        self.update()

    # -- drawing --------------------------------------------------------------------------------
    def update(self) -> None:
        """Redraw the curves and the numbers from the history."""
        h = self.history
        n = len(h)
        epochs = np.asarray(h["epoch"], dtype=np.float32)
        train = np.asarray(h["loss"], dtype=np.float64)
        val = h["val_loss"]
        has_test = n > 0 and val[-1] is not None
        idx = _thin(n)
        x = epochs[idx]
        # a run heading for divergence can log losses beyond float32: draw them at the top instead
        train_y = np.minimum(train[idx], FLOAT32_CAP).astype(np.float32)
        test_y = (np.minimum(np.asarray(val, dtype=np.float64)[idx], FLOAT32_CAP).astype(np.float32)
                  if has_test else np.zeros(0, np.float32))
        top = max(float(train_y.max()) if n else 1.0, float(test_y.max()) if has_test else 0.0)
        top = top if np.isfinite(top) and top > 0 else 1.0
        with self.train_line.hold_sync():
            self.train_line.x, self.train_line.y = x, train_y
        with self.test_line.hold_sync():
            self.test_line.x, self.test_line.y = (x, test_y) if has_test else (x[:0], test_y)
        # axis ends move in "nice" steps only, so the axes are redrawn now and then, not every frame
        x_max = _nice_ceiling(max(10.0, float(epochs[-1]) if n else 0.0))
        y_max = _nice_ceiling(top)
        if self.x_scale.max != x_max:
            self.x_scale.max = x_max
            self.x_axis.tick_values = np.array([0.0, x_max / 2, x_max])
        if self.y_scale.max != y_max:
            self.y_scale.max = y_max
            self.y_axis.tick_values = np.array([0.0, y_max / 2, y_max])
        self.summary.value = self._summary_html(h)

    @staticmethod
    def _summary_html(h: History) -> str:
        if not len(h):
            return ("<div class='nnviz-metrics-body'><div>Test loss <b class='nnviz-test-loss'>–</b></div>"
                    "<div>Training loss <b class='nnviz-train-loss'>–</b></div></div>")

        def loss(v):
            return "–" if v is None else f"{v:.3f}"

        def acc(v):
            return "" if v is None else f"{100 * v:.1f}%"

        rows = [
            ("Test loss", loss(h["val_loss"][-1]), "nnviz-test-loss", acc(h["val_accuracy"][-1]), "nnviz-test-accuracy"),
            ("Training loss", loss(h["loss"][-1]), "nnviz-train-loss", acc(h["accuracy"][-1]), "nnviz-train-accuracy"),
        ]
        body = "".join(
            f"<div>{name} <b class='{cls}'>{value}</b>"
            + (f" <span class='nnviz-small'>· accuracy <b class='{acls}'>{a}</b></span>" if a else "")
            + "</div>"
            for name, value, cls, a, acls in rows
        )
        return f"<div class='nnviz-metrics-body'>{body}</div>"

    def __repr__(self) -> str:
        h = self.history
        if not len(h):
            return "LossChart(no epochs yet)"
        last = f"loss {h['loss'][-1]:.3f}"
        if h["val_loss"][-1] is not None:
            last += f", test loss {h['val_loss'][-1]:.3f}"
        return f"LossChart({len(h)} epochs; {last})"


def _nice_ceiling(value: float) -> float:
    """Round up to 1, 2, 4, 5 or 8 times a power of ten (so the axis does not twitch every frame)."""
    if value <= 0:
        return 1.0
    power = 10.0 ** np.floor(np.log10(value))
    for step in (1.0, 2.0, 4.0, 5.0, 8.0, 10.0):
        if step * power >= value * (1 - 1e-12):
            return float(step * power)
    return float(10.0 * power)
