"""A legend as HTML under a chart: a coloured line sample and a text per entry (long texts wrap, and no
curve is ever hidden under a legend box)."""
from __future__ import annotations

from ._common import escape

__all__ = ["legend_html"]


def legend_html(entries, bold: int | None = None) -> str:
    """``entries``: ``(colour, text, dashed)`` per line; ``bold``: the index of the entry to emphasise.
    The block carries the CSS class ``nnviz-legend-entries`` (one ``nnviz-legend-entry`` per line)."""
    rows = []
    for k, (color, text, dashed) in enumerate(entries):
        style = "dashed" if dashed else "solid"
        weight = "font-weight:600;" if k == bold else ""
        rows.append(f"<div class='nnviz-legend-entry' style='{weight}white-space:nowrap'>"
                    f"<span style='display:inline-block;width:18px;border-top:3px {style} {color};"
                    f"vertical-align:middle;margin-right:5px'></span>{escape(text)}</div>")
    return ("<div class='nnviz-small nnviz-legend-entries' style='display:flex;flex-wrap:wrap;column-gap:14px;"
            f"line-height:1.5'>{''.join(rows)}</div>")
