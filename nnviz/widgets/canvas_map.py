"""A 2-D map on an HTML canvas: a raster (a decision boundary) redrawn every frame, points on their own
layer, a highlight layer, axes, and clicks reported in data coordinates.

Every explorer that draws the plane uses it: the Playground's decision boundary, a batch explorer that
highlights the current mini-batch, a confusion-matrix cell's points. It is an
`anywidget <https://anywidget.dev>`_ (an ES module shipped inline, no JupyterLab build step; works in
Voilà) because that measured fastest here: a 100 x 100 RGBA frame is sent as one binary buffer and
drawn with ``putImageData`` on a 100 x 100 canvas that CSS scales up, so the browser decodes no image.
By default the buffer is the raw 40,000 bytes (1.2 MB/s at 30 frames/s: nothing on a laptop or a
hub's local network). ``image_encoding="deflate"`` sends them zlib-deflated instead (level 1: about
0.3 ms in the kernel, ~5 kB for a typical boundary, 0.6 kB discretized) for learners on a slow link;
the browser inflates them with its native, asynchronous ``DecompressionStream``, which measured here
added up to 0.3 s before a frame showed when the page was busy (a browser without it asks for raw). Measured in headless Chromium on 2 shared cores, 100 x 100 frames sent at
60 Hz for 10 s over 500 static points: this widget showed 55.7 new frames/s, 0.5 ms of kernel time and
2.8 ms of browser main thread per frame; ipycanvas 0.14 (``MultiCanvas`` + ``hold_canvas`` +
``put_image_data``) 52.4 frames/s, 4.6 ms and 5.8 ms, because it PNG-encodes every frame with Pillow
and the browser decodes it through a Blob URL (never revoked) and then copies the whole canvas stack.

Layers, bottom to top: the raster (``image``, rows from the top, as :func:`nnviz.analysis.raster_rgba`
returns them), the points (drawn only when the point data or their visibility change), the highlight
(a subset of the points drawn larger, the others dimmed). Python maps every coordinate to pixels
(:func:`nnviz.analysis.data_to_pixel`) and back (:func:`~nnviz.analysis.pixel_to_data`): the browser
only draws.
"""
from __future__ import annotations

import zlib
from pathlib import Path

import anywidget
import numpy as np
import traitlets
from ipywidgets import CallbackDispatcher

from nnviz.analysis import colors_to_rgba, data_to_pixel, pixel_to_data, raster_rgba, tick_pixels
from nnviz.analysis.colors import _check_extent
from nnviz.core._validation import check_float, check_int, describe

from ._colors import rgba_to_hex

__all__ = ["CanvasMap", "PointSet"]

_ESM = (Path(__file__).with_name("canvas_map.js")).read_text(encoding="utf-8")
_DEFAULT_MARGIN = {"top": 6, "bottom": 26, "left": 32, "right": 6}


def _tick_label(value: float) -> str:
    return f"{value:g}".replace("-", "\u2212")  # a real minus sign, as typeset axes have


def _check_name(name) -> str:
    if not isinstance(name, str) or not name:
        raise TypeError(f"name must be a non-empty string, got {describe(name)}")
    return name


def _check_coordinates(x, y) -> tuple[np.ndarray, np.ndarray]:
    arrays = []
    for label, v in (("x", x), ("y", y)):
        if isinstance(v, (str, bytes)) or v is None:
            raise TypeError(f"{label} must be a 1-D array of numbers, got {describe(v)}")
        arr = np.asarray(v)
        if arr.dtype == object or not (np.issubdtype(arr.dtype, np.number) or arr.dtype == bool):
            raise TypeError(f"{label} must be a 1-D array of numbers, got dtype {arr.dtype}")
        if arr.ndim != 1:
            raise ValueError(f"{label} must be 1-D, got shape {arr.shape}")
        if not np.isfinite(arr).all():
            raise ValueError(f"{label} must be finite (no NaN or inf)")
        arrays.append(arr.astype(np.float32))
    if len(arrays[0]) != len(arrays[1]):
        raise ValueError(f"x and y must have the same length, got {len(arrays[0])} and {len(arrays[1])}")
    for arr in arrays:
        arr.flags.writeable = False
    return arrays[0], arrays[1]


class PointSet:
    """One named set of points on a :class:`CanvasMap`: read its data here, change it through the map.

    Attributes
    ----------
    name : str
    x, y : ndarray of shape (n,), float32 (read-only)
        The points in data units.
    rgba : ndarray of shape (n, 4), uint8 (read-only)
        Their fill colours.
    colors : list of str
        The same as hex strings (``"#0877bd"``).
    stroke : str or None
        The outline colour (None: no outline).
    radius : float
        Radius in pixels.
    visible : bool
        Settable: hides or shows the set without sending its points again.
    """

    def __init__(self, owner: "CanvasMap", name: str, x, y, rgba, stroke, radius, stroke_width):
        self._owner = owner
        self.name = name
        self.x, self.y = x, y
        self.rgba = rgba
        self.rgba.flags.writeable = False
        self.stroke, self.radius, self.stroke_width = stroke, radius, stroke_width

    @property
    def colors(self) -> list[str]:
        return [str(c) for c in rgba_to_hex(self.rgba)]

    @property
    def visible(self) -> bool:
        return bool(self._owner.points_visible.get(self.name, True))

    @visible.setter
    def visible(self, value) -> None:
        self._owner.show_points(self.name, value)

    def __len__(self) -> int:
        return len(self.x)

    def __repr__(self) -> str:
        hidden = "" if self.visible else ", hidden"
        return f"PointSet({self.name!r}, {len(self)} points, stroke {self.stroke}{hidden})"


class CanvasMap(anywidget.AnyWidget):
    """A map of the plane on a canvas: a raster redrawn per frame, point layers, a highlight, clicks.

    Parameters
    ----------
    extent : (xmin, xmax, ymin, ymax), default (-6, 6, -6, 6)
        What the map shows, in data units (the playground's view).
    width, height : int, default 300
        Size of the map itself in CSS pixels (the axes sit in the margin around it).
    x_ticks, y_ticks : sequence of float or None
        Tick values of the axes (default: every 2 units from -6 to 6 when the extent is the default
        one, else none). An empty sequence draws no axis.
    margin : dict or None
        ``{"top", "bottom", "left", "right"}`` pixels around the map (default room for the axes).
    pixelated : bool, default False
        Scale the raster up as crisp squares instead of smoothly.

    Attributes
    ----------
    points : dict of str to PointSet
        The point sets, by name (a copy; change them with :meth:`set_points`).
    last_click : (float, float) or None
        Data coordinates of the last click on the map (a traitlet: ``observe`` it, or use
        :meth:`on_click`).
    frames : int
        Raster frames sent so far (``image_id``; the browser stamps the one it shows on its canvas as
        ``data-frame``).

    Examples
    --------
    >>> m = CanvasMap()
    >>> m.show_image(output_rgba(decision_grid(net, make_grid(), ("x1", "x2")), net.task), alpha=160)
    >>> m.set_points("train", X[:, 0], X[:, 1], point_colors(y, net.task), stroke="white")
    >>> m.highlight("train", batch_indices)          # the current mini-batch, the rest dimmed
    >>> m.on_click(lambda x, y: print(x, y))         # data coordinates
    """

    _esm = _ESM

    # -- synced with the browser ----------------------------------------------------------------
    width = traitlets.Int(300, help="width of the map in CSS pixels").tag(sync=True)
    height = traitlets.Int(300, help="height of the map in CSS pixels").tag(sync=True)
    margin = traitlets.Dict(dict(_DEFAULT_MARGIN), help="pixels around the map for the axes").tag(sync=True)
    axes = traitlets.Dict({}, help="{'x': [[px, label], ...], 'y': [[py, label], ...]}, set by Python").tag(sync=True)
    axis_style = traitlets.Dict({"color": "#444444", "font": "10px sans-serif"}).tag(sync=True)
    pixelated = traitlets.Bool(False, help="scale the raster up as crisp squares").tag(sync=True)
    image = traitlets.Bytes(b"", help="the raster: RGBA bytes, rows from the top (zlib-deflated when "
                            "image_encoding is 'deflate')").tag(sync=True)
    image_encoding = traitlets.Enum(("raw", "deflate"), "raw",
                                    help="how the raster bytes travel: zlib-deflated or raw").tag(sync=True)
    image_shape = traitlets.Tuple(traitlets.Int(), traitlets.Int(), default_value=(0, 0),
                                  help="(height, width) of the raster in pixels").tag(sync=True)
    image_id = traitlets.Int(0, help="number of the raster frame (the browser stamps it as data-frame)").tag(sync=True)
    point_sets = traitlets.List([], help="the point layers, in pixels (set by Python)").tag(sync=True)
    points_visible = traitlets.Dict({}, help="{set name: visible}").tag(sync=True)
    highlight_state = traitlets.Dict({}, help="the highlighted points (set by Python)").tag(sync=True)
    clickable = traitlets.Bool(False, help="show a crosshair cursor (someone listens to clicks)").tag(sync=True)

    # -- Python only ----------------------------------------------------------------------------
    extent = traitlets.Tuple(traitlets.Float(), traitlets.Float(), traitlets.Float(), traitlets.Float(),
                             default_value=(-6.0, 6.0, -6.0, 6.0), help="(xmin, xmax, ymin, ymax) shown")
    last_click = traitlets.Any(None, help="(x, y) in data units of the last click, or None")

    def __init__(self, extent=(-6.0, 6.0, -6.0, 6.0), width: int = 300, height: int = 300, *,
                 x_ticks=None, y_ticks=None, margin: dict | None = None, pixelated: bool = False, **kwargs):
        extent = _check_extent(extent)
        width = check_int("width", width, low=10, high=4000)
        height = check_int("height", height, low=10, high=4000)
        if isinstance(pixelated, bool) is False:
            raise TypeError(f"pixelated must be True or False, got {describe(pixelated)}")
        default_ticks = list(np.arange(-6, 7, 2)) if extent == (-6.0, 6.0, -6.0, 6.0) else []
        self._x_ticks = self._check_ticks("x_ticks", default_ticks if x_ticks is None else x_ticks)
        self._y_ticks = self._check_ticks("y_ticks", default_ticks if y_ticks is None else y_ticks)
        if margin is None:
            margin = dict(_DEFAULT_MARGIN) if (self._x_ticks or self._y_ticks) else dict.fromkeys(_DEFAULT_MARGIN, 0)
        margin = self._check_margin(margin)
        self._raw = b""  # the raster on screen, raw RGBA
        self._sets: dict[str, PointSet] = {}
        self._highlighted: dict[str, np.ndarray] = {}
        self._highlight_style = {"stroke": "#222222", "dim": 0.35}
        self._click_handlers = CallbackDispatcher()
        super().__init__(extent=extent, width=width, height=height, margin=margin, pixelated=pixelated, **kwargs)
        self._place_axes()
        self.observe(self._on_geometry, ["extent", "width", "height"])
        self.on_msg(self._on_frontend_msg)

    # -- checks ---------------------------------------------------------------------------------
    @traitlets.validate("extent")
    def _valid_extent(self, proposal):
        return _check_extent(proposal["value"])

    @traitlets.validate("width", "height")
    def _valid_size(self, proposal):
        return check_int(proposal["trait"].name, proposal["value"], low=10, high=4000)

    @staticmethod
    def _check_ticks(name, ticks) -> list[float]:
        if isinstance(ticks, (str, bytes)) or not hasattr(ticks, "__iter__"):
            raise TypeError(f"{name} must be a sequence of numbers, got {describe(ticks)}")
        return [check_float(name, float(t) if isinstance(t, np.generic) else t) for t in ticks]

    @staticmethod
    def _check_margin(margin) -> dict:
        if not isinstance(margin, dict) or set(margin) - set(_DEFAULT_MARGIN):
            raise TypeError(f"margin must be a dict with keys top, bottom, left, right; got {describe(margin)}")
        return {k: check_int(f"margin[{k!r}]", margin.get(k, 0), low=0, high=400) for k in _DEFAULT_MARGIN}

    # -- the raster -----------------------------------------------------------------------------
    @property
    def frames(self) -> int:
        return self.image_id

    @property
    def image_rgba(self) -> np.ndarray:
        """The raster on screen, (height, width, 4) uint8 with rows from the top (read-only)."""
        h, w = self.image_shape
        return np.frombuffer(self._raw, dtype=np.uint8).reshape(h, w, 4)

    def show_image(self, rgba: np.ndarray, alpha: int | None = None) -> bool:
        """Put a grid image on screen; returns False (and sends nothing) when it is already there.

        Parameters
        ----------
        rgba : ndarray of shape (rows, cols, 4) or (rows, cols, 3), uint8
            Colours over the extent with **row 0 at the bottom** (ymin), as the
            :mod:`nnviz.analysis` colour functions return grid images.
        alpha : int in [0, 255] or None
            Draw it at this opacity over white (see :func:`nnviz.analysis.raster_rgba`).
        """
        screen = raster_rgba(rgba, alpha=alpha)
        data = screen.tobytes()
        shape = screen.shape[:2]
        if data == self._raw and tuple(shape) == tuple(self.image_shape):
            return False
        self._raw = data
        self._send_image(shape)
        return True

    def _send_image(self, shape=None) -> None:
        payload = zlib.compress(self._raw, 1) if self.image_encoding == "deflate" else self._raw
        with self.hold_sync():
            if shape is not None:
                self.image_shape = tuple(shape)
            self.image = payload
            self.image_id = self.image_id + 1

    @traitlets.observe("image_encoding")
    def _on_encoding(self, _change) -> None:
        if self._raw:
            self._send_image()

    # -- points ---------------------------------------------------------------------------------
    @property
    def points(self) -> dict[str, PointSet]:
        return dict(self._sets)

    def set_points(self, name: str, x, y, colors="#444444", *, stroke: str | None = "#ffffff",
                   radius: float = 3.0, stroke_width: float = 1.0, visible: bool | None = None) -> PointSet:
        """Draw (or replace) the point set ``name``: sent to the browser once, redrawn only on change.

        Parameters
        ----------
        name : str
            Sets are drawn in the order they were first added (later ones on top).
        x, y : array-like of shape (n,)
            Data coordinates.
        colors : str, sequence of n hex strings or (n, 3|4) uint8 array, default "#444444"
        stroke : str or None, default white
            Outline colour (e.g. white for training points, black for test points, as the playground).
        radius, stroke_width : float
            In pixels.
        visible : bool or None
            None keeps the set's current visibility (new sets are visible).

        Returns
        -------
        PointSet
        """
        name = _check_name(name)
        x, y = _check_coordinates(x, y)
        rgba = colors_to_rgba(colors, len(x))
        if stroke is not None and not isinstance(stroke, str):
            raise TypeError(f"stroke must be a CSS colour string or None, got {describe(stroke)}")
        radius = check_float("radius", radius, low=0.5, high=50)
        stroke_width = check_float("stroke_width", stroke_width, low=0, high=20)
        self._sets[name] = PointSet(self, name, x, y, rgba, stroke, radius, stroke_width)
        self._highlighted.pop(name, None)  # indices into the old points mean nothing now
        with self.hold_sync():
            self._send_points()
            if visible is not None:
                self.show_points(name, visible)
            self._send_highlight()
        return self._sets[name]

    def remove_points(self, name: str) -> None:
        """Remove the point set ``name`` (a KeyError names the sets there are)."""
        self._get_set(name)
        del self._sets[name]
        self._highlighted.pop(name, None)
        with self.hold_sync():
            self._send_points()
            self.points_visible = {k: v for k, v in self.points_visible.items() if k != name}
            self._send_highlight()

    def show_points(self, name: str, visible=True) -> None:
        """Show or hide the point set ``name`` (its points are not sent again)."""
        self._get_set(name)
        if not isinstance(visible, (bool, np.bool_)):
            raise TypeError(f"visible must be True or False, got {describe(visible)}")
        self.points_visible = {**self.points_visible, name: bool(visible)}

    def _get_set(self, name) -> PointSet:
        name = _check_name(name)
        if name not in self._sets:
            known = ", ".join(map(repr, self._sets)) or "none yet"
            raise KeyError(f"no point set named {name!r} on this map; the sets are: {known}")
        return self._sets[name]

    def _send_points(self) -> None:
        w, h = self.width, self.height
        sets = []
        for s in self._sets.values():
            px, py = data_to_pixel(s.x, s.y, self.extent, w, h)
            sets.append({
                "name": s.name,
                "x": px.astype(np.float32).tobytes(),
                "y": py.astype(np.float32).tobytes(),
                "fill": s.rgba.tobytes(),
                "stroke": s.stroke,
                "radius": s.radius,
                "stroke_width": s.stroke_width,
            })
        self.point_sets = sets

    # -- highlight ------------------------------------------------------------------------------
    @property
    def highlighted(self) -> dict[str, np.ndarray]:
        """``{set name: indices}`` of the highlighted points (copies)."""
        return {k: v.copy() for k, v in self._highlighted.items()}

    def highlight(self, name: str, which, *, stroke: str = "#222222", dim: float = 0.35, add: bool = False) -> None:
        """Draw some points of set ``name`` larger with a dark ring, and dim all the others.

        Parameters
        ----------
        name : str
            The point set.
        which : array-like of int indices, or boolean mask of the set's length
            The points to highlight (e.g. the current mini-batch, a confusion-matrix cell's points).
        stroke : str, default "#222222"
            Ring colour.
        dim : float in [0, 1], default 0.35
            Opacity of the other points while something is highlighted (1: not dimmed).
        add : bool, default False
            Keep the other sets' highlights (by default a highlight replaces every earlier one).
        """
        s = self._get_set(name)
        if not isinstance(stroke, str):
            raise TypeError(f"stroke must be a CSS colour string, got {describe(stroke)}")
        dim = check_float("dim", dim, low=0, high=1)
        arr = np.asarray(which)
        if arr.dtype == bool:
            if arr.shape != (len(s),):
                raise ValueError(f"a mask for set {name!r} must have shape ({len(s)},), got shape {arr.shape}")
            idx = np.flatnonzero(arr)
        elif arr.size == 0:
            idx = np.zeros(0, dtype=np.intp)
        elif np.issubdtype(arr.dtype, np.integer) and arr.ndim == 1:
            if arr.min() < 0 or arr.max() >= len(s):
                raise ValueError(f"indices for set {name!r} must be in [0, {len(s) - 1}], "
                                 f"got values from {arr.min()} to {arr.max()}")
            idx = arr
        else:
            raise TypeError(f"which must be 1-D integer indices or a boolean mask, got {describe(which)}")
        if not add:
            self._highlighted.clear()
        self._highlighted[name] = np.unique(idx).astype(np.uint32)
        self._highlight_style = {"stroke": stroke, "dim": dim}
        self._send_highlight()

    def clear_highlight(self, name: str | None = None) -> None:
        """Remove the highlight of set ``name`` (None: of every set)."""
        if name is None:
            self._highlighted.clear()
        else:
            self._get_set(name)
            self._highlighted.pop(name, None)
        self._send_highlight()

    def _send_highlight(self) -> None:
        if not self._highlighted:
            self.highlight_state = {}
            return
        self.highlight_state = {
            "sets": {k: v.tobytes() for k, v in self._highlighted.items()},
            "stroke": self._highlight_style["stroke"],
            "dim": self._highlight_style["dim"],
        }

    # -- clicks ---------------------------------------------------------------------------------
    def on_click(self, callback, remove: bool = False) -> None:
        """Call ``callback(x, y)`` (data units) on every click on the map; ``remove=True`` to stop.

        Errors in a callback are shown in the notebook, as ipywidgets' ``Button.on_click`` does.
        """
        if not callable(callback):
            raise TypeError(f"callback must be callable, got {describe(callback)}")
        self._click_handlers.register_callback(callback, remove=remove)
        self.clickable = bool(self._click_handlers.callbacks)

    def _on_frontend_msg(self, _widget, content, _buffers) -> None:
        if isinstance(content, dict) and content.get("event") == "no-deflate":
            self.image_encoding = "raw"  # an old browser: send the pixels as they are
            return
        if not isinstance(content, dict) or content.get("event") != "click":
            return
        try:
            px, py = float(content["px"]), float(content["py"])
        except (KeyError, TypeError, ValueError):
            return
        if not (np.isfinite(px) and np.isfinite(py)):
            return
        x, y = pixel_to_data(px, py, self.extent, self.width, self.height)
        self.last_click = (float(x), float(y))
        self._click_handlers(float(x), float(y))

    # -- geometry -------------------------------------------------------------------------------
    def _place_axes(self) -> None:
        xmin, xmax, ymin, ymax = self.extent
        xs = [t for t in self._x_ticks if xmin <= t <= xmax]
        ys = [t for t in self._y_ticks if ymin <= t <= ymax]
        self.axes = {
            "x": [[p, _tick_label(t)] for p, t in zip(tick_pixels(xs, xmin, xmax, self.width), xs)],
            "y": [[p, _tick_label(t)] for p, t in zip(tick_pixels(ys, ymin, ymax, self.height, flip=True), ys)],
        }

    def _on_geometry(self, _change) -> None:
        with self.hold_sync():
            self._place_axes()
            self._send_points()

    def close(self) -> None:
        """Close the widget and its layout model; click callbacks are dropped."""
        handlers = getattr(self, "_click_handlers", None)
        if handlers is not None:
            handlers.callbacks.clear()
        layout = getattr(self, "layout", None)
        super().close()
        if layout is not None:
            layout.close()

    def __repr__(self) -> str:
        xmin, xmax, ymin, ymax = self.extent
        h, w = self.image_shape
        sets = ", ".join(f"{s.name} {len(s)}{'' if s.visible else ' (hidden)'}" for s in self._sets.values())
        return (f"CanvasMap({self.width}x{self.height} px over x [{xmin:g}, {xmax:g}], y [{ymin:g}, {ymax:g}]; "
                f"image {w}x{h}, {self.frames} frames; points: {sets or 'none'})")
