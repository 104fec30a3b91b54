"""nnviz.widgets: the live Playground and its parts, as ipywidgets + bqplot views.

Every part is a widget of its own that takes a network (and data) and works without the Playground::

    from nnviz.widgets import Playground, DecisionBoundaryPlot, NetworkGraph
    pg = Playground()                       # the whole playground; pg.network is the live network
    plot = DecisionBoundaryPlot(net, X, y)  # just the output heatmap with the data

Views draw what :mod:`nnviz.analysis` computes and hold no maths. Redraws update marks in place; the
decision map is coloured in NumPy and sent to a canvas as raw RGBA buffers; thumbnails travel as small PNGs.
"""
from .activation_explorer import ActivationExplorer
from .activation_heatmaps import ActivationHeatmaps
from .architecture import ArchitectureBuilder
from .backprop_stepper import BackpropStepper
from .batch_explorer import BatchEpochExplorer
from .canvas_map import CanvasMap, PointSet
from .data_controls import DataControls
from .decision_plot import DecisionBoundaryPlot
from .layer_space_view import LayerSpaceView
from .learning_rate import LearningRateControl
from .lr_explorer import LearningRateExplorer
from .loss_chart import LossChart
from .network_graph import NetworkGraph
from .overfitting_demo import OverfittingDemo
from .playground import Playground
from .session import SessionGroup, TrainingSession
from .status import StatusArea
from .training_controls import TrainingControls

__all__ = [
    "ActivationExplorer",
    "ActivationHeatmaps",
    "ArchitectureBuilder",
    "BackpropStepper",
    "BatchEpochExplorer",
    "CanvasMap",
    "DataControls",
    "DecisionBoundaryPlot",
    "LayerSpaceView",
    "LearningRateControl",
    "LearningRateExplorer",
    "LossChart",
    "NetworkGraph",
    "OverfittingDemo",
    "Playground",
    "PointSet",
    "StatusArea",
    "TrainingControls",
    # the training session under the Playground and every explorer
    "TrainingSession",
    "SessionGroup",
]
