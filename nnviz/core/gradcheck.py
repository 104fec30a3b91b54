"""Central-difference gradient checking."""
from __future__ import annotations

import numpy as np

__all__ = ["check_network_gradients", "network_gradients", "numerical_gradient"]


def numerical_gradient(f, x: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    """Central differences ``(f(x + ε e_i) − f(x − ε e_i)) / 2ε`` for every entry of ``x`` (changed in
    place and restored). ``f`` takes no argument and returns a float."""
    grad = np.zeros_like(x, dtype=np.float64)
    flat, gflat = x.reshape(-1), grad.reshape(-1)
    for i in range(flat.size):
        old = flat[i]
        flat[i] = old + eps
        fp = f()
        flat[i] = old - eps
        fm = f()
        flat[i] = old
        gflat[i] = (fp - fm) / (2 * eps)
    return grad


def network_gradients(net, X, y, eps: float = 1e-6) -> tuple[np.ndarray, np.ndarray]:
    """Backprop and central-difference gradients of the objective over all parameters.

    The objective is the data loss plus the L1/L2 penalty, computed by the same training forward pass
    that ``fit`` uses. Dropout draws a new mask per pass, so check networks without dropout (or p = 0).

    Returns
    -------
    analytic, numeric : ndarray of shape (n_params,)
        In the network's flat parameter order.
    """
    X, T = net._prepare(X, y)
    Xt = net._train_inputs(X)

    def objective():
        return net._loss_value(net._forward_training(Xt), T) + net.penalty()

    with np.errstate(all="ignore"):
        net._forward_training(Xt)
        net._backward(T)
        net._regularise()
        analytic = net._grads.astype(np.float64)
        numeric = numerical_gradient(objective, net._params, eps)
    return analytic, numeric


def check_network_gradients(net, X, y, eps: float = 1e-6) -> float:
    """Relative error ``‖g_backprop − g_numeric‖ / (‖g_backprop‖ + ‖g_numeric‖)`` over all parameters
    (about 1e-9 or less for a correct float64 implementation)."""
    analytic, numeric = network_gradients(net, X, y, eps)
    denom = np.linalg.norm(analytic) + np.linalg.norm(numeric)
    return float(np.linalg.norm(analytic - numeric) / denom) if denom else 0.0
