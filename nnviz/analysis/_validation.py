"""Argument checks for the analysis functions.

The generic checks come from :mod:`nnviz.core._validation` so that every message in nnviz reads the
same way: it names the argument, says what was expected and shows what came.
"""
from __future__ import annotations

from nnviz.core import Network
from nnviz.core._validation import check_dtype, check_float, check_int, describe

__all__ = ["check_dtype", "check_float", "check_int", "check_network", "check_features", "describe"]


def check_network(network, name: str = "network") -> Network:
    """Check that ``network`` is an :class:`nnviz.core.Network`."""
    if not isinstance(network, Network):
        raise TypeError(f"{name} must be an nnviz.core.Network, got {describe(network)}")
    return network


def check_features(features, network: Network) -> tuple[str, ...]:
    """Check that there is one feature name per network input; return the names as a tuple.

    The names themselves are checked by :func:`nnviz.data.make_features`, whose message lists the
    known ones.
    """
    if isinstance(features, str) or not hasattr(features, "__iter__"):
        raise TypeError(
            f"features must be a sequence of feature names such as ('x1', 'x2'), got {describe(features)}"
        )
    features = tuple(features)
    if len(features) != network.n_inputs:
        raise ValueError(
            f"features must name one input per network input ({network.n_inputs}), "
            f"got {len(features)}: {features}"
        )
    return features
