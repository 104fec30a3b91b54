"""nnviz: interactive, exact neural-network lessons in Jupyter."""
from ._version import __version__
