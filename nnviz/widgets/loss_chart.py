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
#: Losses are drawn in float32; larger ones (a run heading for divergence), inf and NaN are drawn here.
FLOAT32_CAP = 1e30
#: Tick labels and marks: small labels, set 4 px further left so that the axis's end ticks (6 px)
#: do not run into the labels at 0 and at the top.
TICK_STYLE = {"font-size": "9px"}
Y_TICK_STYLE = {**TICK_STYLE, "transform": "translateX(-4px)"}


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
        axes = [
            bqplot.Axis(scale=self.x_scale, tick_values=[0, 5, 10], tick_style=TICK_STYLE, grid_lines="none",
                        label="epoch", label_offset="24px", tick_format="d"),
            bqplot.Axis(scale=self.y_scale, side="left", tick_values=[0, 0.5, 1.0], tick_style=Y_TICK_STYLE,
                        grid_lines="dashed", tick_format=_tick_format(1.0)),
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
        idx = _thin(n)
        epochs = np.asarray(h["epoch"], dtype=np.float64)
        x, train_y = _curve(epochs[idx], [h["loss"][i] for i in idx])
        val = h["val_loss"]
        has_test = n > 0 and val[-1] is not None
        test_x, test_y = _curve(epochs[idx], [val[i] for i in idx]) if has_test else (x[:0], train_y[:0])
        top = max(float(train_y.max()) if len(train_y) else 0.0, float(test_y.max()) if len(test_y) else 0.0)
        with self.train_line.hold_sync():
            self.train_line.x, self.train_line.y = x, train_y
        with self.test_line.hold_sync():
            self.test_line.x, self.test_line.y = test_x, test_y
        # axis ends move in "nice" steps only, so the axes are redrawn now and then, not every frame
        x_max = _nice_ceiling(max(10.0, float(epochs[-1]) if n else 0.0))
        y_max = _nice_ceiling(top if top > 0 else 1.0)
        if self.x_scale.max != x_max:
            self.x_scale.max = x_max
            self.x_axis.tick_values = np.array([0.0, x_max / 2, x_max])
        if self.y_scale.max != y_max:
            with self.y_axis.hold_sync():
                self.y_axis.tick_format = _tick_format(y_max)
                self.y_axis.tick_values = np.array([0.0, y_max / 2, y_max])
            self.y_scale.max = y_max
        self.summary.value = self._summary_html(h)

    @staticmethod
    def _summary_html(h: History) -> str:
        if not len(h):
            return ("<div class='nnviz-metrics-body'><div>Test loss <b class='nnviz-test-loss'>–</b></div>"
                    "<div>Training loss <b class='nnviz-train-loss'>–</b></div></div>")

        def loss(v):
            return "–" if v is None else _number(v)

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
        last = f"loss {_number(h['loss'][-1])}"
        if h["val_loss"][-1] is not None:
            last += f", test loss {_number(h['val_loss'][-1])}"
        return f"LossChart({len(h)} epochs; {last})"


def _number(v: float) -> str:
    """A loss with 3 decimals, or 3 significant digits when huge (1e+90, inf, nan: not 91 digits)."""
    return f"{v:.3f}" if abs(v) < 1e4 else f"{v:.3g}"


def _curve(epochs: np.ndarray, losses: list) -> tuple[np.ndarray, np.ndarray]:
    """One curve's points as float32 (x, y): epochs without a value (None) are left out, losses beyond
    :data:`FLOAT32_CAP` (inf and NaN too: a run heading for divergence) are drawn at the cap."""
    keep = np.array([v is not None for v in losses], dtype=bool)
    y = np.array([v for v in losses if v is not None], dtype=np.float64)
    y = np.clip(np.nan_to_num(y, nan=FLOAT32_CAP, posinf=FLOAT32_CAP, neginf=0.0), 0.0, FLOAT32_CAP)
    return epochs[keep].astype(np.float32), y.astype(np.float32)


def _tick_format(top: float) -> str:
    """d3 format of the loss axis's labels (0, top/2, top), the same decimals on all three.

    ``top`` is a :func:`_nice_ceiling` value: 0.8 → "0.4", "0.8"; 0.5 → "0.25", "0.50"; 40 → "20";
    from 10,000 up, SI prefixes ("25k"); beyond the prefixes' reach, powers of ten ("5e+29").
    """
    if top >= 1e24:
        return ".2~e"
    if top >= 1e4:
        return "~s"
    step = top / 2
    for decimals in range(8):
        scaled = step * 10**decimals
        if abs(scaled - round(scaled)) < 1e-6 * scaled:
            return f".{decimals}f"
    return ".2g"


def _nice_ceiling(value: float) -> float:
    """Round up to 1, 2, 4, 5 or 8 times a power of ten (so the axis does not twitch every frame)."""
    if value <= 0:
        return 1.0
    power = 10.0 ** np.floor(np.log10(value))
    for step in (1.0, 2.0, 4.0, 5.0, 8.0, 10.0):
        if step * power >= value * (1 - 1e-6):  # float32 losses: 1e30 arrives as 1.0000000150e30
            return float(step * power)
    return float(10.0 * power)
