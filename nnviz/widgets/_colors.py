"""Colours as the browser wants them: hex strings for marks, translucent RGBA for heatmap images."""
from __future__ import annotations

import numpy as np

from nnviz.analysis import CLASS_COLORS, HEATMAP_ALPHA, output_rgba

__all__ = ["LOSS_COLORS", "TEXT", "on_white", "point_colors", "rgba_to_hex", "translucent"]

TEXT = "#444444"
#: Train and test loss lines, as the playground's chart (grey train, black test).
LOSS_COLORS = {"train": "#777777", "test": "#000000"}

_HEX = np.array([f"{v:02x}" for v in range(256)])


def rgba_to_hex(rgba: np.ndarray) -> list[str]:
    """``(n, 4)`` (or ``(n, 3)``) uint8 colours → ``["#rrggbb", ...]``."""
    rgba = np.asarray(rgba)
    if len(rgba) == 0:
        return []
    parts = _HEX[rgba[:, :3]]
    return list(np.char.add(np.char.add(np.char.add("#", parts[:, 0]), parts[:, 1]), parts[:, 2]))


def point_colors(y: np.ndarray, task: str) -> list[str]:
    """Hex colour of each data point by its label, on the output's colour scale (class 0 orange,
    class 1 blue, k classes in ``CLASS_COLORS``, a regression target on the orange–blue scale)."""
    y = np.asarray(y)
    if task == "multiclass":
        return [CLASS_COLORS[int(c) % len(CLASS_COLORS)] for c in y]
    return rgba_to_hex(output_rgba(y, task).reshape(-1, 4))


def translucent(rgba: np.ndarray) -> np.ndarray:
    """Give an opaque heatmap the playground's canvas opacity (``HEATMAP_ALPHA``), in place."""
    rgba[..., 3] = np.minimum(rgba[..., 3], HEATMAP_ALPHA)
    return rgba


def on_white(rgba: np.ndarray) -> np.ndarray:
    """Flatten a heatmap onto white at the playground's canvas opacity: RGB uint8, same height/width.

    Sending RGB instead of RGBA makes the PNG smaller; the page behind it is white anyway."""
    alpha = (rgba[..., 3:4].astype(np.float32) * (1.0 / 255.0)) * (HEATMAP_ALPHA / 255.0)
    rgb = 255.0 - (255.0 - rgba[..., :3].astype(np.float32)) * alpha
    return np.rint(rgb).astype(np.uint8)
