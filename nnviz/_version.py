"""The single place the nnviz version is written."""

__version__ = "0.1.0"
