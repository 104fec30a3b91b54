"""Every parameter of a network as one flat vector, and back (PyTorch's names)."""
from __future__ import annotations

import numpy as np

from ._validation import describe

__all__ = ["parameters_to_vector", "vector_to_parameters"]


def _arrays(network):
    return [arr for layer in network.layers for arr in layer.params.values()]


def parameters_to_vector(network) -> np.ndarray:
    """A copy of every parameter of ``network``, trainable and frozen, as one flat vector.

    Layer by layer, each layer's parameters in declared order (``W`` before ``b``), each flattened in
    C order, as ``torch.nn.utils.parameters_to_vector(model.parameters())``.

    Returns
    -------
    ndarray of shape (network.n_params,)
    """
    flat = getattr(network, "_params", None)
    if flat is not None:  # a Network keeps its parameters in exactly this order already
        return flat.copy()
    arrays = _arrays(network)
    if not arrays:
        return np.zeros(0, dtype=network.dtype)
    return np.concatenate([a.ravel() for a in arrays])


def vector_to_parameters(vector, network) -> None:
    """Write ``vector`` (as from :func:`parameters_to_vector`) into ``network``'s parameters, in place.

    Raises
    ------
    ValueError
        If ``vector`` is not 1-D of length ``network.n_params`` or holds NaN or inf.

    Notes
    -----
    As any assignment of weights, this makes the new values the state a later divergence rolls back to.
    """
    vec = np.asarray(vector)
    if vec.dtype == object or not np.issubdtype(vec.dtype, np.number):
        raise TypeError(f"vector must be a 1-D numeric array, got {describe(vector)}")
    arrays = _arrays(network)
    total = sum(a.size for a in arrays)
    if vec.ndim != 1 or vec.size != total:
        raise ValueError(
            f"vector must be 1-D of length {total} (the network's parameters), got shape {vec.shape}"
        )
    if not np.isfinite(vec).all():
        raise ValueError("vector must contain only finite values, got NaN or inf")
    flat = getattr(network, "_params", None)
    if flat is not None and flat.size == total:  # one copy into the network's own vector
        flat[...] = vec
    else:
        offset = 0
        for a in arrays:
            a[...] = vec[offset : offset + a.size].reshape(a.shape)
            offset += a.size
    for layer in network.layers:
        layer._keep_weights = True
    network._weights_assigned()  # the new values are what a later divergence rolls back to
