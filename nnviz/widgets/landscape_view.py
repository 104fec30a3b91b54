"""The loss landscape of the learning-rate explorer: a banded heatmap with optimiser paths on it."""
from __future__ import annotations

import time

import bqplot
import numpy as np
from ipywidgets import HTML, Button, Checkbox, FloatSlider, HBox, IntSlider, Layout, ToggleButtons, VBox

from nnviz.analysis import (
    REGIME_TEXT,
    OptimizerPath,
    encode_png,
    clip_path,
    loss_bands,
    loss_landscape,
    optimizer_path,
    path_regime,
    sequential_rgba,
    sharpness,
    two_parameter_landscape,
    two_parameter_model,
)
from nnviz.core import vector_to_parameters

from ._common import add_class, check_int, escape, format_number, guarded
from ._image_feed import ImageFeed
from ._legend import legend_html
from ._owned import close_owned, owned_models
from .status import ReportsErrors, StatusArea

__all__ = ["LandscapeView", "MODES", "OPTIMIZER_PATHS"]

#: What the map shows: a 2-D slice through the live network's parameters, or the exact surface of a
#: two-weight model (w, b of a line fitted by least squares).
MODES = {"network slice": "network", "two weights": "two"}
#: The optimisers drawn from the same start, at the chosen learning rate (name → config, colour).
OPTIMIZER_PATHS = {
    "SGD": ({"type": "sgd"}, "#222222"),
    "momentum 0.9": ({"type": "sgd", "momentum": 0.9}, "#8e24aa"),
    "Adam": ({"type": "adam"}, "#2e7d32"),
}
#: Where the two-weight model starts (w, b): away from its minimum near (2, -1), so paths are long.
TWO_WEIGHT_START = (-3.0, 3.0)
PATH_STEPS = 50
SIZE = 330
LOW = "#08306b"  # low loss dark blue; high loss the neutral grey


class LandscapeView(ReportsErrors, VBox):
    """A loss landscape (filled log-contours) with the optimisers' paths drawn on it.

    Two surfaces (``mode``): ``"network"``, :func:`nnviz.analysis.loss_landscape` around the live
    network (two random filter-normalised directions, ``span`` wide), with the run's own training path
    projected onto it; ``"two"``, the exact surface of :func:`nnviz.analysis.two_parameter_model`
    (``ŷ = w x + b``, mse), where the axes are ``w`` and ``b`` themselves. On both, SGD, SGD with
    momentum and Adam take :data:`PATH_STEPS` full-batch steps from the same start at the chosen
    learning rate (:func:`nnviz.analysis.optimizer_path`), each labelled by
    :func:`nnviz.analysis.path_regime` (crawls / good / oscillates / diverges). A path that leaves the
    map is drawn up to its border and the message says so.

    Parameters
    ----------
    resolution : int, default 40
    span : float, default 1.0
    mode : {"network", "two"}, default "network"
    seed : int, default 0
        Draws the slice's directions (the same directions at every recompute).
    status : StatusArea or None

    Attributes
    ----------
    landscape : LossLandscape or None
        The surface on screen.
    paths : dict of str to OptimizerPath
        The optimisers' paths on screen.
    regimes : dict of str to str
        The optimisers' verdicts (:func:`nnviz.analysis.path_regime`; the run's own path, mini-batch
        steps seen once per epoch, gets none).
    path_lines : dict of str to bqplot.Lines
        ``"run"`` and one per optimiser of :data:`OPTIMIZER_PATHS`.
    feed : ImageFeed
        The heatmap.
    curvature : float
        The largest eigenvalue ``L`` of the loss's Hessian at the paths' start
        (:func:`nnviz.analysis.sharpness`): full-batch gradient descent is stable below ``2 / L``.
    seconds : float
        How long the last recompute took.
    """

    def __init__(self, *, resolution: int = 40, span: float = 1.0, mode: str = "network", seed: int = 0,
                 status: StatusArea | None = None):
        with owned_models(self):
            self._build(resolution, span, mode, seed, status)

    def _build(self, resolution, span, mode, seed, status) -> None:
        own = status is None
        self.status = StatusArea() if own else status
        self.seed = check_int("seed", seed, low=0)
        self.landscape = None
        self.paths: dict = {}
        self.regimes: dict = {}
        self.clipped: dict = {}
        self.seconds = 0.0
        self.curvature = 0.0
        self.lr = 0.1
        self._run_vectors = None
        self._two = two_parameter_model()
        vector_to_parameters(np.array(TWO_WEIGHT_START), self._two[0])
        self.x_scale = bqplot.LinearScale(min=-1.0, max=1.0, allow_padding=False)
        self.y_scale = bqplot.LinearScale(min=-1.0, max=1.0, allow_padding=False)
        sc = {"x": self.x_scale, "y": self.y_scale}
        self.feed = ImageFeed(sc, x=(-1.0, 1.0), y=(-1.0, 1.0))
        quiet = dict(enable_hover=False, interactions={})
        self.path_lines = {"run": bqplot.Lines(x=[], y=[], scales=sc, colors=["#f59322"], stroke_width=3,
                                               marker="circle", marker_size=12, labels=["run"], display_legend=False,
                                               **quiet)}
        for name, (_, color) in OPTIMIZER_PATHS.items():
            self.path_lines[name] = bqplot.Lines(x=[], y=[], scales=sc, colors=[color], stroke_width=1.8,
                                                 line_style="dashed", labels=[name], display_legend=False, **quiet)
        self.start_mark = bqplot.Scatter(x=[], y=[], scales=sc, colors=["#ffffff"], stroke="#000000",
                                         default_size=70, **quiet)
        self.minimum_mark = bqplot.Scatter(x=[], y=[], scales=sc, marker="cross", colors=["#ffca28"],
                                           default_size=80, **quiet)
        self.x_axis = bqplot.Axis(scale=self.x_scale, label="α (direction 1)", tick_style={"font-size": "9px"},
                                  grid_lines="none", label_offset="28px")
        self.y_axis = bqplot.Axis(scale=self.y_scale, side="left", label="β (direction 2)",
                                  tick_style={"font-size": "9px"}, grid_lines="none", label_offset="36px")
        self.figure = bqplot.Figure(
            marks=[self.feed.mark, *self.path_lines.values(), self.start_mark, self.minimum_mark],
            axes=[self.x_axis, self.y_axis],
            fig_margin={"top": 8, "bottom": 40, "left": 50, "right": 8}, display_toolbar=False,
            padding_x=0.0, padding_y=0.0, animation_duration=0, min_aspect_ratio=0.01, max_aspect_ratio=100,
            layout=Layout(width=f"{SIZE}px", height=f"{SIZE}px", margin="0"),
        )
        add_class(self.figure, "nnviz-landscape-figure")
        self.mode_buttons = ToggleButtons(options=list(MODES), value=self._label(mode),
                                          style={"button_width": "120px"}, layout=Layout(width="auto"))
        add_class(self.mode_buttons, "nnviz-landscape-mode")
        self.resolution_slider = IntSlider(value=check_int("resolution", resolution, low=10, high=150), min=10,
                                           max=150, step=5, description="resolution", continuous_update=False,
                                           style={"description_width": "70px"}, layout=Layout(width="250px"))
        self.span_slider = FloatSlider(value=float(span), min=0.1, max=3.0, step=0.1, description="span",
                                       continuous_update=False, style={"description_width": "70px"},
                                       layout=Layout(width="250px"))
        self.recompute_button = Button(description="Recompute", icon="refresh", layout=Layout(width="auto"),
                                       tooltip="the landscape around the network's weights now")
        add_class(self.recompute_button, "nnviz-landscape-recompute")
        self.auto = Checkbox(value=True, description="recompute when paused", indent=False,
                             layout=Layout(width="auto"))
        self.info = HTML()
        add_class(self.info, "nnviz-landscape-info")
        self.legend = HTML()
        add_class(self.legend, "nnviz-landscape-legend")
        children = [HTML("<div class='nnviz-header'>Loss landscape</div>"), self.mode_buttons, self.figure,
                    self.legend, self.info, HBox([self.recompute_button, self.auto]), self.resolution_slider,
                    self.span_slider]
        super().__init__(children + ([self.status] if own else []),
                         layout=Layout(width=f"{SIZE + 20}px", flex="0 0 auto"))
        add_class(self, "nnviz-landscape")
        self._target = None  # (network, X, y): the live network the slice goes through
        self.mode_buttons.observe(self._on_control, "value")
        self.resolution_slider.observe(self._on_control, "value")
        self.span_slider.observe(self._on_control, "value")
        self.recompute_button.on_click(self._on_recompute)

    @staticmethod
    def _label(mode: str) -> str:
        for label, value in MODES.items():
            if value == mode:
                return label
        raise ValueError(f"mode must be one of {', '.join(map(repr, MODES.values()))}, got {mode!r}")

    # ----------------------------------------------------------------------------------- state
    @property
    def mode(self) -> str:
        return MODES[self.mode_buttons.value]

    @mode.setter
    def mode(self, value) -> None:
        self.mode_buttons.value = self._label(value)

    @property
    def resolution(self) -> int:
        return self.resolution_slider.value

    @resolution.setter
    def resolution(self, value) -> None:
        self.resolution_slider.value = check_int("resolution", value, low=10, high=150)

    @property
    def two_weight_model(self):
        """``(network, X, y)`` of the exact two-weight surface (its network at the start of the paths)."""
        return self._two

    def set_target(self, network, X, y, lr: float, run_vectors=None, run_losses=None) -> None:
        """What the next :meth:`recompute` draws: the live ``network`` on ``(X, y)``, the chosen ``lr``,
        and the run's own path (parameter vectors, one per epoch, and their losses) when known."""
        self._target = (network, X, y)
        self.lr = float(lr)
        self._run_vectors = None if run_vectors is None else np.asarray(run_vectors, dtype=np.float64)
        self._run_losses = None if run_losses is None else np.asarray(run_losses, dtype=np.float64)

    # ----------------------------------------------------------------------------------- computing
    def recompute(self) -> None:
        """Compute the surface and the optimisers' paths, and draw them (timed in :attr:`seconds`)."""
        started = time.perf_counter()
        if self.mode == "two":
            net, X, y = self._two
            land = two_parameter_landscape(net, X, y, resolution=self.resolution)
            start = net
        else:
            if self._target is None:
                raise RuntimeError("no network to draw yet: call set_target(network, X, y, lr) first")
            start, X, y = self._target
            land = loss_landscape(start, X, y, resolution=self.resolution, span=self.span_slider.value,
                                  seed=self.seed)
        floor = land.minimum[2]
        self.curvature = sharpness(start, X, y)  # L: plain gradient descent is stable below 2/L here
        paths, regimes = {}, {}
        for name, (config, _) in OPTIMIZER_PATHS.items():
            p = optimizer_path(start, X, y, {**config, "lr": self.lr}, steps=PATH_STEPS)
            paths[name], regimes[name] = p, path_regime(p, floor=floor)
        self.landscape, self.paths, self.regimes = land, paths, regimes
        self.seconds = time.perf_counter() - started
        self._draw_surface()
        self.update_paths()

    def update_paths(self, run_vectors=None, run_losses=None, *, final: bool = True) -> None:
        """Redraw the paths; the run's from ``run_vectors`` (and its losses) when given.

        ``final=False`` (a frame while training): only the run's path is projected again, and its
        verdict waits for the next final redraw (a pause, a step), so a frame stays cheap.
        """
        if run_vectors is not None:
            self._run_vectors = np.asarray(run_vectors, dtype=np.float64)
            self._run_losses = None if run_losses is None else np.asarray(run_losses, dtype=np.float64)
        land = self.landscape
        if land is None:
            return
        lines = dict(self.paths) if final else {}
        if self.mode == "network" and self._run_vectors is not None and len(self._run_vectors):
            known = self._run_losses is not None and len(self._run_losses) == len(self._run_vectors)
            losses = self._run_losses if known else np.zeros(len(self._run_vectors))
            run = OptimizerPath(self._run_vectors, losses, "run", False)
            lines["run"] = run
        else:
            lines.setdefault("run", None)
        for name, p in lines.items():
            line = self.path_lines[name]
            with line.hold_sync():
                if p is None:
                    line.x, line.y = np.zeros(0), np.zeros(0)
                    self.clipped.pop(name, None)
                    continue
                clipped = clip_path(land.project(p.vectors[np.isfinite(p.vectors).all(axis=1)]), land.extent)
                self.clipped[name] = clipped
                line.x, line.y = clipped.xy[:, 0], clipped.xy[:, 1]
                label = [self._legend(name)]
                if list(line.labels) != label:
                    line.labels = label
        if final:
            self._write_info()
        self._write_legend()

    def _write_legend(self) -> None:
        entries = []
        for name, line in self.path_lines.items():
            if len(line.x):
                entries.append((line.colors[0], self._legend(name), name != "run"))
        legend = legend_html(entries) if entries else ""
        if self.legend.value != legend:
            self.legend.value = legend

    def _legend(self, name: str) -> str:
        if name == "run":  # mini-batch steps, one point per epoch: no verdict, just what it is
            n = 0 if self._run_vectors is None else len(self._run_vectors) - 1
            return f"the run's training path ({n} epoch{'' if n == 1 else 's'})"
        regime = self.regimes.get(name)
        return f"{name}: {REGIME_TEXT[regime]}" if regime else name

    # ----------------------------------------------------------------------------------- drawing
    def _draw_surface(self) -> None:
        land = self.landscape
        x0, x1, y0, y1 = land.extent
        bands = loss_bands(land.loss)
        rgba = sequential_rgba(1.0 - bands, LOW, 0.0, 1.0)  # neutral grey (high loss) to dark blue (low)
        self.feed.show(encode_png(np.ascontiguousarray(rgba)))
        self.feed.place((x0, x1), (y0, y1))
        with self.x_scale.hold_sync():
            self.x_scale.min, self.x_scale.max = x0, x1
        with self.y_scale.hold_sync():
            self.y_scale.min, self.y_scale.max = y0, y1
        two = self.mode == "two"
        self.x_axis.label = "w (weight)" if two else "α (direction 1)"
        self.y_axis.label = "b (bias)" if two else "β (direction 2)"
        self.span_slider.disabled = two
        start = land.project(self.paths["SGD"].vectors[0])
        with self.start_mark.hold_sync():
            self.start_mark.x, self.start_mark.y = [float(start[0])], [float(start[1])]
        a, b, _ = land.minimum
        with self.minimum_mark.hold_sync():
            self.minimum_mark.x, self.minimum_mark.y = [a], [b]

    def _write_info(self) -> None:
        land = self.landscape
        lo = float(np.min(land.loss))
        finite = land.loss[np.isfinite(land.loss)]
        hi = float(finite.max()) if finite.size else float("inf")
        lines = []
        L = self.curvature
        if self.mode == "two":
            lines.append(f"Exact surface of ŷ = w·x + b (mse). Curvature L = {L:.3g}: plain SGD converges for "
                         f"η &lt; 2/L = <b>{2 / L:.3g}</b> and diverges above.")
        else:
            lines.append(f"Slice through the live network along two random filter-normalised directions "
                         f"(Li et al. 2018), span ±{land.alphas[-1]:g}. Sharpest curvature here L ≈ {L:.3g}: "
                         f"full-batch SGD is stable below about 2/L = <b>{2 / L:.3g}</b>." if L > 0 else
                         f"Slice through the live network along two random filter-normalised directions "
                         f"(Li et al. 2018), span ±{land.alphas[-1]:g}.")
        lr = format_number(float(f"{self.lr:.3g}"))
        lines.append(f"η = <b>{escape(lr)}</b> · loss {lo:.3g} (dark) … {hi:.3g} (grey), "
                     f"log-spaced bands · {self.resolution}×{self.resolution} in {self.seconds * 1e3:.0f} ms")
        left = [n for n, c in self.clipped.items() if c.left and n in self.paths]
        if left:
            lines.append(f"<span style='color:#b71c1c'>{escape(', '.join(left))} left the map after "
                         f"{min(self.clipped[n].steps_inside for n in left) + 1} step(s): "
                         "the learning rate is too large for this surface (drawn up to where it left).</span>")
        self.info.value = "<div class='nnviz-small' style='line-height:1.35'>" + "<br>".join(lines) + "</div>"

    # ----------------------------------------------------------------------------------- callbacks
    @guarded
    def _on_control(self, _change) -> None:
        if self.mode == "network" and self._target is None:
            return
        self.recompute()

    @guarded
    def _on_recompute(self, _button) -> None:
        self.recompute()

    def close(self) -> None:
        """Close every widget model the view created (marks, scales, axes, controls, layouts)."""
        close_owned(self)
        super().close()

    def __repr__(self) -> str:
        what = "nothing yet" if self.landscape is None else f"{self.landscape.resolution}² {self.mode}"
        regimes = ", ".join(f"{k} {v}" for k, v in self.regimes.items())
        return f"LandscapeView({what}, lr {format_number(self.lr)}; {regimes or 'no paths'})"
