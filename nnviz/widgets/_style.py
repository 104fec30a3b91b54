"""The look shared by the widgets: the playground's typography and colours, as one CSS block.

An ``HTML`` widget holding a ``<style>`` element is placed (invisibly) in each top-level widget; the
rules are scoped to ``nnviz-*`` classes so they touch nothing else on the page.
"""
from __future__ import annotations

from ipywidgets import HTML, Layout

__all__ = ["style_widget"]

CSS = """
<style>
.nnviz-playground, .nnviz-activations, .nnviz-decision-plot, .nnviz-loss, .nnviz-architecture {
  font-family: "Helvetica Neue", Helvetica, Arial, sans-serif; color: #444;
}
.nnviz-header { text-transform: uppercase; font-size: 12px; font-weight: 600; letter-spacing: .6px;
  color: #555; margin: 2px 0 4px 0; }
.nnviz-small { font-size: 11px; color: #666; }
.nnviz-title { font-size: 18px; font-weight: 300; color: #333; margin-right: 14px; }
.nnviz-title b { color: #0877bd; font-weight: 500; }
.nnviz-epoch-box { line-height: 1.1; }
.nnviz-epoch-value { font-size: 24px; font-weight: 300; color: #333; font-variant-numeric: tabular-nums; }
.nnviz-metrics-body { font-size: 12px; color: #555; line-height: 1.5; }
.nnviz-metrics-body b { font-size: 14px; font-weight: 500; color: #222; font-variant-numeric: tabular-nums; }
.nnviz-metrics-body b.nnviz-train-loss { color: #777; }
.nnviz-problem { font-size: 12px; color: #555; margin-left: 10px; }
.nnviz-column { padding: 0 4px 0 2px; border-right: 1px solid #eee; box-sizing: content-box; }
.nnviz-column:last-child { border-right: none; }
.nnviz-features .nnviz-header { letter-spacing: 0; }
.nnviz-feature.mod-active, .nnviz-feature.mod-active:hover { background: #0877bd; color: white; }
.nnviz-feature { font-size: 13px; }
/* a layer's activation in a narrow column: small arrow and padding, so "sigmoid" fits in 55 px */
.nnviz-layer-cell .widget-dropdown select { font-size: 11px; padding: 0 12px 0 2px; background-size: 12px auto; }
.nnviz-locked { opacity: .6; }
.nnviz-column .widget-readout { min-width: 30px; max-width: 36px; overflow: visible; }
.nnviz-problem b { font-weight: 500; color: #333; }
.nnviz-loss-chart { --bq-axislabel-font: 10px sans-serif; }
.nnviz-diverged .nnviz-decision { outline: 2px solid #b71c1c; }
</style>
"""


def style_widget() -> HTML:
    """A hidden-in-plain-sight HTML widget carrying the nnviz CSS."""
    return HTML(CSS, layout=Layout(height="0px", margin="0", padding="0", overflow="hidden"))
