"""Central-difference gradient checking."""
from __future__ import annotations

import numpy as np

__all__ = ["numerical_gradient", "check_network_gradients"]


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


def check_network_gradients(net, X, y, eps: float = 1e-6) -> float:
    """Largest relative error between backprop and central differences over all parameters.

    The objective is the data loss plus the L1/L2 penalty, in inference mode for Dropout masks fixed
    by the seed: use a network without dropout or with ``p = 0`` for an exact check.
    """
    X, T = net._prepare(X, y)
    Xa = net._augment(X)

    def objective():
        A = net._forward_train(Xa)
        return net.loss.value(net._out._Z, A, T) + net.penalty()

    net._forward_train(Xa)
    net._backward(T)
    net._regularise()
    p, g = net._params, net._grads.copy()
    num = numerical_gradient(objective, p, eps)
    denom = np.maximum(np.abs(num) + np.abs(g), 1e-8)
    return float(np.max(np.abs(num - g) / denom))
