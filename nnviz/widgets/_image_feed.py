"""A bqplot ``Image`` mark whose picture is replaced many times a second, without rebuilding anything.

bqplot's ``Image`` view redraws when the mark's ``image`` (the ``ipywidgets.Image`` it shows) is
*replaced*, not when that image's bytes change. So the feed keeps two ``ipywidgets.Image`` widgets and
alternates between them: the new PNG is written into the one not on screen, then the mark is pointed at
it. Two widget models for the life of the view, one small binary message plus one tiny JSON message per
frame, and the browser only decodes a PNG (no per-cell drawing, unlike ``HeatMap``/``GridHeatMap``).
"""
from __future__ import annotations

import bqplot
import numpy as np
from ipywidgets import Image

from nnviz.analysis import encode_png

__all__ = ["ImageFeed"]

#: A 1 x 1 transparent PNG, shown before the first frame.
BLANK_PNG = encode_png(np.zeros((1, 1, 4), dtype=np.uint8))


class ImageFeed:
    """A bqplot ``Image`` mark (``feed.mark``) showing the PNG last passed to :meth:`show`.

    Parameters
    ----------
    scales : dict
        ``{"x": LinearScale, "y": LinearScale}`` of the figure the mark goes into.
    x, y : (float, float)
        Where the image's left/right and bottom/top edges sit, in scale units.
    pixelated : bool, default False
        Draw the pixels as crisp squares instead of smoothing them when scaled up.
    """

    def __init__(self, scales: dict, x=(0.0, 1.0), y=(0.0, 1.0), pixelated: bool = False):
        self._images = (Image(value=BLANK_PNG, format="png"), Image(value=BLANK_PNG, format="png"))
        self._front = 0
        self.mark = bqplot.Image(image=self._images[0], scales=scales, x=list(x), y=list(y), pixelated=pixelated)
        self.frames = 0

    @property
    def png(self) -> bytes:
        """The PNG on screen."""
        return self._images[self._front].value

    def show(self, png: bytes) -> bool:
        """Put ``png`` on screen; returns False (and sends nothing) when it is already there."""
        if png == self.png:
            return False
        back = 1 - self._front
        self._images[back].value = png  # first the bytes, then the switch that makes the view redraw
        self.mark.image = self._images[back]
        self._front = back
        self.frames += 1
        return True

    def place(self, x, y) -> None:
        """Move the image's edges (scale units)."""
        with self.mark.hold_sync():
            self.mark.x = list(x)
            self.mark.y = list(y)

    def close(self) -> None:
        for image in self._images:
            image.close()
        self.mark.close()

    def __repr__(self) -> str:
        return f"ImageFeed({len(self.png)} bytes on screen, {self.frames} frames shown)"
