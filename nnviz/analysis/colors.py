"""Colours of the playground, as RGBA arrays, and a small PNG encoder for sending images to a browser.

Values become ``uint8`` RGBA arrays of shape (..., 4) that any view can draw: matplotlib's ``imshow``,
a bqplot ``Image`` (via :func:`encode_png`) or a thumbnail.

The scale (TensorFlow Playground's ``colorScale``)::

    -1 → #f59322 (orange)      0 → #e8eaeb (light grey)      +1 → #0877bd (blue)

linear in RGB between, clipped outside [-1, 1]. nnviz labels classes 0/1 where the playground uses -1/+1,
so class 0 is orange and class 1 is blue, and a ``bce`` output P(class 1) in [0, 1] is drawn with
``vmin=0, vmax=1``.
"""
from __future__ import annotations

import struct
import zlib

import numpy as np

from ._validation import check_float, check_int, describe

__all__ = [
    "CLASS_COLORS",
    "HEATMAP_ALPHA",
    "PLAYGROUND_COLORS",
    "class_rgba",
    "colors_to_rgba",
    "data_to_pixel",
    "diverging_rgba",
    "encode_png",
    "hex_to_rgb",
    "layer_rgba",
    "output_rgba",
    "pixel_to_data",
    "raster_rgba",
    "sequential_rgba",
    "tick_pixels",
    "to_signed",
]

#: The playground's three anchor colours.
PLAYGROUND_COLORS = {
    "negative": "#f59322",  # -1, class 0
    "neutral": "#e8eaeb",  # 0, undecided
    "positive": "#0877bd",  # +1, class 1
}

#: Opacity (of 255) the playground gives every heatmap canvas, so that the data points drawn on top at
#: full colour stand out. Views apply it when drawing (``imshow(alpha=HEATMAP_ALPHA / 255)``, a mark's
#: opacity); the functions here return opaque colours.
HEATMAP_ALPHA = 160

#: One colour per class for multiclass data (up to 10 classes); the first two are the playground's.
CLASS_COLORS = (
    "#f59322",  # orange
    "#0877bd",  # blue
    "#2e9e4f",  # green
    "#c8365a",  # crimson
    "#7d55c7",  # violet
    "#11a3a3",  # teal
    "#8c5a3c",  # brown
    "#d4b106",  # mustard
    "#d663b0",  # pink
    "#4f5d75",  # slate
)

_TASKS = ("binary", "multiclass", "regression")


def hex_to_rgb(color: str) -> tuple[int, int, int]:
    """``"#0877bd"`` → ``(8, 119, 189)``."""
    if not isinstance(color, str) or len(color) != 7 or color[0] != "#":
        raise ValueError(f"color must be a hex string like '#0877bd', got {color!r}")
    try:
        return tuple(int(color[k : k + 2], 16) for k in (1, 3, 5))
    except ValueError:
        raise ValueError(f"color must be a hex string like '#0877bd', got {color!r}") from None


_NEG, _ZERO, _POS = (np.array(hex_to_rgb(c), dtype=np.float32) for c in PLAYGROUND_COLORS.values())
_CLASS_RGB = np.array([hex_to_rgb(c) for c in CLASS_COLORS], dtype=np.float32)


def _as_float_array(values, name: str) -> np.ndarray:
    if isinstance(values, (str, bytes)) or values is None:
        raise TypeError(f"{name} must be an array of numbers, got {describe(values)}")
    arr = np.asarray(values)
    if arr.dtype == object or not (np.issubdtype(arr.dtype, np.number) or arr.dtype == bool):
        raise TypeError(f"{name} must be an array of numbers, got dtype {arr.dtype}")
    return arr.astype(np.float32, copy=False)


def _finish(rgb: np.ndarray, nan: np.ndarray) -> np.ndarray:
    """Round ``rgb`` (..., 3) to uint8 RGBA, opaque except where ``nan`` (transparent black)."""
    out = np.empty(rgb.shape[:-1] + (4,), dtype=np.uint8)
    np.rint(rgb, out=rgb)
    out[..., :3] = rgb
    out[..., 3] = 255
    if nan.any():
        out[nan] = 0
    return out


def _check_range(vmin, vmax) -> tuple[float, float]:
    vmin = check_float("vmin", vmin)
    vmax = check_float("vmax", vmax)
    if not vmin < vmax:
        raise ValueError(f"vmin must be smaller than vmax, got vmin={vmin:g} and vmax={vmax:g}")
    return vmin, vmax


def _diverging_rgb(t: np.ndarray) -> np.ndarray:
    """Exact colour of signed values ``t`` in [-1, 1], shape t.shape + (3,), float."""
    t = t[..., None]
    return _ZERO + np.maximum(t, 0) * (_POS - _ZERO) + np.maximum(-t, 0) * (_NEG - _ZERO)


# diverging_rgba looks colours up in a table over t = -1 … 1 in 2 / _STEPS steps (about 4x faster than
# computing them). The anchors -1, 0, +1 are exact entries; in between a colour is off by at most
# 0.11 of a uint8 level before rounding. The extra last row is transparent, for NaN.
_STEPS = 2048
_DIVERGING_LUT = np.zeros((_STEPS + 2, 4), dtype=np.uint8)
_DIVERGING_LUT[:-1, :3] = np.rint(_diverging_rgb(np.linspace(-1.0, 1.0, _STEPS + 1, dtype=np.float32)))
_DIVERGING_LUT[:-1, 3] = 255


def diverging_rgba(values, vmin: float = -1.0, vmax: float = 1.0, discretize: bool = False) -> np.ndarray:
    """Colour values on the playground's orange–grey–blue scale.

    Parameters
    ----------
    values : array-like of any shape
    vmin, vmax : float, default -1, 1
        The values drawn full orange and full blue; their midpoint is grey. Use ``vmin=0, vmax=1`` for
        a probability P(class 1).
    discretize : bool, default False
        Snap to the two end colours by the side of the midpoint, as the playground's "Discretize output"
        (``value >= 0 ? 1 : -1``): at or above it blue, below it orange.

    Returns
    -------
    ndarray of shape values.shape + (4,), uint8
        Opaque RGBA; NaN gives transparent ``(0, 0, 0, 0)``; values outside [vmin, vmax] (and ±inf)
        are clipped to the end colours.

    Notes
    -----
    With ``t = 2 (v − vmin) / (vmax − vmin) − 1`` clipped to [-1, 1], the colour is
    ``grey + t (blue − grey)`` for ``t ≥ 0`` and ``grey + |t| (orange − grey)`` for ``t < 0``
    (looked up in a table of 2049 steps: exact at -1, 0 and +1, within one uint8 level elsewhere).
    """
    v = _as_float_array(values, "values")
    vmin, vmax = _check_range(vmin, vmax)
    # t = -1 … 1 becomes the table row s = 0 … _STEPS
    s = np.asarray((v - np.float32(vmin)) * np.float32(_STEPS / (vmax - vmin)), dtype=np.float32)
    nan = np.isnan(s)
    np.clip(s, 0, _STEPS, out=s)
    if discretize:
        s = np.where(s >= _STEPS / 2, np.float32(_STEPS), np.float32(0.0))
    if nan.any():
        s[nan] = _STEPS + 1
    return _DIVERGING_LUT[np.rint(s).astype(np.intp)]


def sequential_rgba(values, color: str, vmin: float = 0.0, vmax: float = 1.0) -> np.ndarray:
    """Colour values from the neutral grey (at ``vmin``) to ``color`` (at ``vmax``), clipped.

    Used for one class's probability, e.g. the thumbnail of a softmax output unit in the class colour.

    Parameters
    ----------
    values : array-like of any shape
    color : str
        Hex colour reached at ``vmax``, e.g. ``CLASS_COLORS[2]``.
    vmin, vmax : float, default 0, 1

    Returns
    -------
    ndarray of shape values.shape + (4,), uint8 (NaN transparent)
    """
    v = _as_float_array(values, "values")
    vmin, vmax = _check_range(vmin, vmax)
    target = np.array(hex_to_rgb(color), dtype=np.float32)
    nan = np.isnan(v)
    t = np.clip((v - np.float32(vmin)) * np.float32(1.0 / (vmax - vmin)), 0.0, 1.0)[..., None]
    rgb = _ZERO + t * (target - _ZERO)
    rgb[nan] = 0
    return _finish(rgb, nan)


def class_rgba(probs, discretize: bool = False) -> np.ndarray:
    """Colour class probabilities by the most likely class, faded by how sure the network is.

    Parameters
    ----------
    probs : array-like of shape (..., k)
        Probabilities of k classes (2 <= k <= 10) along the last axis, e.g. from
        :func:`nnviz.analysis.decision_grid` with ``loss="cross_entropy"``.
    discretize : bool, default False
        Full class colour everywhere (the class regions, as the playground's "Discretize output").

    Returns
    -------
    ndarray of shape probs.shape[:-1] + (4,), uint8
        ``CLASS_COLORS[argmax]`` blended towards the neutral grey: a top probability of 1/k (no idea)
        gives grey, 1 gives the full colour. Rows holding NaN are transparent.

    Notes
    -----
    With ``p`` the top probability, the colour is ``grey + s (class colour − grey)`` where
    ``s = (p − 1/k) / (1 − 1/k)``, clipped to [0, 1].
    """
    p = _as_float_array(probs, "probs")
    if p.ndim < 1 or not 2 <= p.shape[-1] <= len(CLASS_COLORS):
        raise ValueError(
            f"probs must have a last axis of 2 to {len(CLASS_COLORS)} class probabilities, "
            f"got shape {p.shape}"
        )
    k = p.shape[-1]
    nan = np.isnan(p).any(axis=-1)
    safe = np.where(np.isnan(p), np.float32(-1.0), p) if nan.any() else p
    best = safe.argmax(axis=-1)
    color = _CLASS_RGB[best]
    if discretize:
        rgb = color
    else:
        top = np.take_along_axis(safe, best[..., None], axis=-1)
        s = np.clip((top - np.float32(1.0 / k)) * np.float32(k / (k - 1.0)), 0.0, 1.0)
        rgb = _ZERO + s * (color - _ZERO)
    rgb = np.array(rgb, dtype=np.float32)  # a fresh array: _finish rounds in place
    return _finish(rgb, nan)


def to_signed(values, task: str) -> np.ndarray:
    """Map an output onto the playground's signed scale [-1, 1] (class 0 → -1, class 1 → +1).

    Parameters
    ----------
    values : array-like
    task : {"binary", "regression"}
        ``"binary"``: a probability P(class 1), mapped by ``2 p − 1``. ``"regression"``: already
        signed, returned as is (as float32).

    Returns
    -------
    ndarray, float32, same shape as ``values``
    """
    v = _as_float_array(values, "values")
    if task == "binary":
        return 2.0 * v - np.float32(1.0)
    if task == "regression":
        return v.copy()
    if task == "multiclass":
        raise ValueError("task 'multiclass' has no signed scale; colour class probabilities with class_rgba")
    raise ValueError(f"task must be 'binary' or 'regression', got {task!r}")


def output_rgba(values, task: str, discretize: bool = False) -> np.ndarray:
    """Colour a :func:`~nnviz.analysis.decision_grid` image the way the playground colours its output.

    Parameters
    ----------
    values : array-like
        Shape (..., ) of P(class 1) for ``"binary"``, of outputs for ``"regression"`` (drawn on
        [-1, 1], the playground's target range), or (..., k) class probabilities for ``"multiclass"``.
    task : {"binary", "multiclass", "regression"}
        ``network.task``.
    discretize : bool, default False

    Returns
    -------
    ndarray of shape (..., 4), uint8
    """
    if task == "binary":
        return diverging_rgba(values, 0.0, 1.0, discretize)
    if task == "regression":
        return diverging_rgba(values, -1.0, 1.0, discretize)
    if task == "multiclass":
        return class_rgba(values, discretize)
    raise ValueError(f"task must be one of {', '.join(map(repr, _TASKS))}, got {task!r}")


def layer_rgba(grids, task: str | None = None) -> np.ndarray:
    """Colour one level of neuron thumbnails (from :func:`~nnviz.analysis.neuron_grids` or
    :func:`~nnviz.analysis.feature_grids`) the way the graph draws them.

    Parameters
    ----------
    grids : array-like of shape (n_units, res, res)
    task : {"binary", "multiclass", "regression"} or None, default None
        ``None`` for input features and hidden layers: every unit on the playground's [-1, 1] scale
        (tanh's range; ReLU outputs above 1 saturate blue, as in the playground). ``network.task`` for
        the output layer: P(class 1) on [0, 1] (``"binary"``), outputs on [-1, 1] (``"regression"``),
        unit j's probability from grey to ``CLASS_COLORS[j]`` (``"multiclass"``).

    Returns
    -------
    ndarray of shape (n_units, res, res, 4), uint8
    """
    g = _as_float_array(grids, "grids")
    if g.ndim != 3:
        raise ValueError(f"grids must have shape (n_units, res, res), got shape {g.shape}")
    if task is None or task == "regression":
        return diverging_rgba(g)
    if task == "binary":
        return diverging_rgba(g, 0.0, 1.0)
    if task == "multiclass":
        return np.stack([sequential_rgba(u, CLASS_COLORS[j % len(CLASS_COLORS)]) for j, u in enumerate(g)])
    raise ValueError(f"task must be None or one of {', '.join(map(repr, _TASKS))}, got {task!r}")


# ----------------------------------------------------------------------------------- PNG encoding
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_COLOR_TYPES = {3: 2, 4: 6}  # channels -> PNG colour type (RGB, RGBA)


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def encode_png(rgba, flip_vertical: bool = True) -> bytes:
    """Encode an RGBA (or RGB) image as PNG bytes, with NumPy and zlib only.

    Parameters
    ----------
    rgba : ndarray of shape (height, width, 4) or (height, width, 3), uint8
    flip_vertical : bool, default True
        Write the rows bottom-up, so that row 0 of a grid image (``y = ymin``) lands at the bottom of the
        picture, as screens draw images from the top row down.

    Returns
    -------
    bytes
        A PNG file (8 bits per channel, no filtering, zlib level 1: fast over small).

    Notes
    -----
    A PNG is the signature, an ``IHDR`` chunk (size, bit depth, colour type), ``IDAT`` (the zlib-deflated
    rows, each prefixed by its filter type byte, here 0 = none) and ``IEND``; each chunk ends with a CRC-32.
    """
    if not isinstance(rgba, np.ndarray):
        raise TypeError(f"rgba must be a numpy array of shape (height, width, 4), got {describe(rgba)}")
    if rgba.dtype != np.uint8:
        raise TypeError(f"rgba must have dtype uint8, got {rgba.dtype}")
    if rgba.ndim != 3 or rgba.shape[2] not in _COLOR_TYPES or 0 in rgba.shape:
        raise ValueError(f"rgba must have shape (height, width, 4) or (height, width, 3), got shape {rgba.shape}")
    height, width, channels = rgba.shape
    rows = np.empty((height, 1 + width * channels), dtype=np.uint8)
    rows[:, 0] = 0
    rows[:, 1:] = (rgba[::-1] if flip_vertical else rgba).reshape(height, width * channels)
    header = struct.pack(">IIBBBBB", width, height, 8, _COLOR_TYPES[channels], 0, 0, 0)
    return b"".join(
        (
            _PNG_SIGNATURE,
            _chunk(b"IHDR", header),
            _chunk(b"IDAT", zlib.compress(rows.tobytes(), 1)),
            _chunk(b"IEND", b""),
        )
    )


# ----------------------------------------------------------------------------------- rasters on a screen
# A map on screen is a rectangle of ``width x height`` CSS pixels showing ``extent = (xmin, xmax, ymin,
# ymax)`` in data units. Pixel coordinates are measured from the rectangle's top-left corner, x to the
# right and y *down* (the screen's convention), so data y grows as pixel y shrinks.


def _check_extent(extent) -> tuple[float, float, float, float]:
    if isinstance(extent, (str, bytes)) or not hasattr(extent, "__len__") or len(extent) != 4:
        raise TypeError(f"extent must be a tuple (xmin, xmax, ymin, ymax), got {describe(extent)}")
    xmin, xmax, ymin, ymax = (check_float(name, v) for name, v in zip(("xmin", "xmax", "ymin", "ymax"), extent))
    if not (xmin < xmax and ymin < ymax):
        raise ValueError(f"extent must have xmin < xmax and ymin < ymax, got {tuple(extent)}")
    return xmin, xmax, ymin, ymax


def _as_float64(values, name: str) -> np.ndarray:
    """As :func:`_as_float_array`, in float64 (pixel positions need more than float32's 7 digits)."""
    if isinstance(values, (str, bytes)) or values is None:
        raise TypeError(f"{name} must be an array of numbers, got {describe(values)}")
    arr = np.asarray(values)
    if arr.dtype == object or not (np.issubdtype(arr.dtype, np.number) or arr.dtype == bool):
        raise TypeError(f"{name} must be an array of numbers, got dtype {arr.dtype}")
    return arr.astype(np.float64, copy=False)


def _check_size(width, height) -> tuple[float, float]:
    return (check_float("width", width, low=0, low_open=True), check_float("height", height, low=0, low_open=True))


def data_to_pixel(x, y, extent, width, height) -> tuple[np.ndarray, np.ndarray]:
    """Data coordinates → pixel coordinates on a map of ``width x height`` pixels showing ``extent``.

    Parameters
    ----------
    x, y : float or array-like of shape (n,)
        Points in data units.
    extent : (xmin, xmax, ymin, ymax)
        What the map shows; its left edge is ``xmin``, its bottom edge ``ymin``.
    width, height : float
        The map's size in (CSS) pixels.

    Returns
    -------
    px, py : ndarray of float64, the shape of ``x`` and ``y``
        From the map's top-left corner: ``px`` to the right, ``py`` down. Points outside ``extent``
        land outside ``[0, width] x [0, height]`` (nothing is clipped).

    Notes
    -----
    ``px = (x − xmin) / (xmax − xmin) · width`` and ``py = (ymax − y) / (ymax − ymin) · height``;
    :func:`pixel_to_data` is its inverse.
    """
    xmin, xmax, ymin, ymax = _check_extent(extent)
    width, height = _check_size(width, height)
    x = _as_float64(x, "x")
    y = _as_float64(y, "y")
    return (x - xmin) * (width / (xmax - xmin)), (ymax - y) * (height / (ymax - ymin))


def pixel_to_data(px, py, extent, width, height) -> tuple[np.ndarray, np.ndarray]:
    """Pixel coordinates on a map (from its top-left corner, y down) → data coordinates.

    The inverse of :func:`data_to_pixel` (same parameters): a click at pixel ``(px, py)`` of a
    ``width x height`` map showing ``extent`` is at data ``(x, y)``.

    Returns
    -------
    x, y : ndarray of float64, the shape of ``px`` and ``py``
    """
    xmin, xmax, ymin, ymax = _check_extent(extent)
    width, height = _check_size(width, height)
    px = _as_float64(px, "px")
    py = _as_float64(py, "py")
    return xmin + px * ((xmax - xmin) / width), ymax - py * ((ymax - ymin) / height)


def tick_pixels(ticks, low: float, high: float, length: float, flip: bool = False) -> list[float]:
    """Where tick values sit along an axis of ``length`` pixels spanning ``[low, high]`` data units.

    ``flip`` for a vertical axis (pixels grow downwards, so ``high`` is at pixel 0). Ticks outside
    ``[low, high]`` are dropped. Returns plain floats, ready to send to a browser.
    """
    low, high = check_float("low", low), check_float("high", high)
    if not low < high:
        raise ValueError(f"low must be smaller than high, got low={low:g} and high={high:g}")
    length = check_float("length", length, low=0, low_open=True)
    t = _as_float64(ticks, "ticks").ravel()
    t = t[(t >= low) & (t <= high)]
    pos = (t - low) * (length / (high - low))
    return [float(v) for v in (length - pos if flip else pos)]


def raster_rgba(rgba, alpha: int | None = None, flip_vertical: bool = True) -> np.ndarray:
    """A grid image as a screen raster: RGBA rows from the top, optionally flattened onto white.

    Parameters
    ----------
    rgba : ndarray of shape (height, width, 4) or (height, width, 3), uint8
        Colours over a :class:`~nnviz.analysis.Grid`, row 0 the bottom of the view (ymin), as every
        function here returns them.
    alpha : int in [0, 255] or None, default None
        Draw the image at this opacity over white and return the opaque result (the playground shows
        its heatmaps at ``HEATMAP_ALPHA``, behind points drawn at full colour). None keeps the colours
        and their own alpha (RGB input becomes opaque).
    flip_vertical : bool, default True
        Put row 0 at the bottom of the picture (screens draw rows from the top down).

    Returns
    -------
    ndarray of shape (height, width, 4), uint8, C-contiguous
        Ready for a canvas ``ImageData`` (4 bytes per pixel, rows from the top).

    Notes
    -----
    Over white, a channel ``c`` with opacity ``a = alpha/255 · own alpha/255`` shows as
    ``255 − (255 − c) · a``.
    """
    if not isinstance(rgba, np.ndarray):
        raise TypeError(f"rgba must be a numpy array of shape (height, width, 4), got {describe(rgba)}")
    if rgba.dtype != np.uint8:
        raise TypeError(f"rgba must have dtype uint8, got {rgba.dtype}")
    if rgba.ndim != 3 or rgba.shape[2] not in (3, 4) or 0 in rgba.shape:
        raise ValueError(f"rgba must have shape (height, width, 4) or (height, width, 3), got shape {rgba.shape}")
    src = rgba[::-1] if flip_vertical else rgba
    out = np.empty(rgba.shape[:2] + (4,), dtype=np.uint8)
    if alpha is None:
        out[..., :3] = src[..., :3]
        out[..., 3] = src[..., 3] if rgba.shape[2] == 4 else 255
        return out
    if isinstance(alpha, bool) or not isinstance(alpha, (int, np.integer)) or not 0 <= alpha <= 255:
        raise ValueError(f"alpha must be an integer in [0, 255] or None, got {describe(alpha)}")
    a = np.float32(alpha / 255.0)
    if rgba.shape[2] == 4:
        a = src[..., 3:4].astype(np.float32) * np.float32(1.0 / 255.0) * a
    rgb = np.float32(255.0) - (np.float32(255.0) - src[..., :3].astype(np.float32)) * a
    out[..., :3] = np.rint(rgb)
    out[..., 3] = 255
    return out


def colors_to_rgba(colors, n: int) -> np.ndarray:
    """One colour per point as an ``(n, 4)`` uint8 RGBA array.

    Parameters
    ----------
    colors : str, sequence of str, or array-like of shape (n, 3) or (n, 4)
        One hex colour (``"#0877bd"``) for all, one hex colour per point, or uint8 RGB(A) rows.
    n : int
        The number of points.

    Returns
    -------
    ndarray of shape (n, 4), uint8 (opaque when no alpha is given)
    """
    n = check_int("n", n, low=0)
    out = np.empty((n, 4), dtype=np.uint8)
    out[:, 3] = 255
    if isinstance(colors, str):
        out[:, :3] = hex_to_rgb(colors)
        return out
    if isinstance(colors, np.ndarray) and colors.ndim == 2:
        if colors.shape not in ((n, 3), (n, 4)):
            raise ValueError(f"colors must have shape ({n}, 3) or ({n}, 4), got shape {colors.shape}")
        if colors.dtype != np.uint8:
            raise TypeError(f"colors must have dtype uint8, got {colors.dtype}")
        out[:, : colors.shape[1]] = colors
        return out
    if not hasattr(colors, "__len__"):
        raise TypeError(f"colors must be a hex string, a list of them or an (n, 3) uint8 array, got {describe(colors)}")
    if len(colors) != n:
        raise ValueError(f"colors must hold one colour per point ({n}), got {len(colors)}")
    lut: dict = {}
    for i, c in enumerate(colors):
        rgb = lut.get(c)
        if rgb is None:
            rgb = lut[c] = hex_to_rgb(c)
        out[i, :3] = rgb
    return out
