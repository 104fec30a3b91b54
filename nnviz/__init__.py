"""nnviz: interactive, exact neural-network lessons in Jupyter.

``nnviz.Playground()`` and the other widgets are imported lazily: ``import nnviz`` does not import
ipywidgets or bqplot until a widget is first used.
"""
from ._version import __version__

#: Names resolved on first access from :mod:`nnviz.widgets`.
_WIDGETS = (
    "ActivationExplorer",
    "ActivationHeatmaps",
    "ArchitectureBuilder",
    "DecisionBoundaryPlot",
    "LayerSpaceView",
    "LearningRateControl",
    "LearningRateExplorer",
    "BatchEpochExplorer",
    "LossChart",
    "NetworkGraph",
    "Playground",
    "OverfittingDemo",
)

__all__ = ["__version__", *_WIDGETS]


def __getattr__(name):
    if name in _WIDGETS:
        from . import widgets

        value = getattr(widgets, name)
        globals()[name] = value  # later look-ups skip this function
        return value
    raise AttributeError(f"module 'nnviz' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_WIDGETS))
