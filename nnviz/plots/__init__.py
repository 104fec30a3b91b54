"""nnviz.plots: static matplotlib figures of what :mod:`nnviz.analysis` computes.

For export, README images, slides and headless use. Every function builds its figure with the
object-oriented API on an Agg canvas (no pyplot state) and imports matplotlib only when called, so
``import nnviz.plots`` is cheap. Each returns a ``matplotlib.figure.Figure``; save it with
``fig.savefig("name.png", dpi=150)``::

    fig = snapshot_figure(net, X_train, y_train, X_test, y_test, title="Circle, 2-4-2-1 tanh")
    save_training_gif(net, X_train, y_train, "training.gif", epochs=100, frames=25)
"""
from .boundary import plot_decision_boundary
from .colormap import playground_cmap
from .loss import plot_loss
from .network import plot_network
from .snapshot import save_training_gif, snapshot_figure

__all__ = ["playground_cmap", "plot_decision_boundary", "plot_loss", "plot_network", "save_training_gif", "snapshot_figure"]
