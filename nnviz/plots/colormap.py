"""The playground's orange–grey–blue scale as a matplotlib colormap, for lessons' own figures."""
from __future__ import annotations

from nnviz.analysis import PLAYGROUND_COLORS

__all__ = ["playground_cmap"]


def playground_cmap(n: int = 256):
    """A ``LinearSegmentedColormap`` from orange (low) through grey to blue (high).

    Use it with a symmetric range, e.g. ``ax.imshow(a, cmap=playground_cmap(), vmin=-1, vmax=1)``,
    so that 0 is the neutral grey as in every nnviz heatmap.
    """
    from matplotlib.colors import LinearSegmentedColormap

    colors = [PLAYGROUND_COLORS[k] for k in ("negative", "neutral", "positive")]
    return LinearSegmentedColormap.from_list("nnviz_playground", colors, N=n)
