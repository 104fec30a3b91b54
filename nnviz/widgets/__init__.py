"""nnviz.widgets: the live Playground and its parts, as ipywidgets + bqplot views.

Every part is a widget of its own that takes a network (and data) and works without the Playground::

    from nnviz.widgets import Playground, DecisionBoundaryPlot, NetworkGraph
    pg = Playground()                       # the whole playground; pg.network is the live network
    plot = DecisionBoundaryPlot(net, X, y)  # just the output heatmap with the data

Views draw what :mod:`nnviz.analysis` computes and hold no maths. Redraws update marks in place; the
heatmaps are coloured in NumPy and sent as small PNGs.
"""
from .activation_heatmaps import ActivationHeatmaps
from .architecture import ArchitectureBuilder
from .canvas_map import CanvasMap, PointSet
from .data_controls import DataControls
from .decision_plot import DecisionBoundaryPlot
from .learning_rate import LearningRateControl
from .loss_chart import LossChart
from .network_graph import NetworkGraph
from .playground import Playground
from .status import StatusArea
from .training_controls import TrainingControls

__all__ = [
    "ActivationHeatmaps",
    "ArchitectureBuilder",
    "CanvasMap",
    "DataControls",
    "DecisionBoundaryPlot",
    "LearningRateControl",
    "LossChart",
    "NetworkGraph",
    "Playground",
    "PointSet",
    "StatusArea",
    "TrainingControls",
]
