"""Optimisers with per-parameter state, following ``torch.optim`` exactly.

An optimiser updates a parameter array in place from its gradient: ``opt.update(param, grad, key)``.
State (momentum buffer, Adam moments) is kept per ``key``. The network keeps all its parameters in one
flat array and calls ``update`` once per step, which keeps a step to a handful of NumPy calls.

Frozen parameters (``layer.trainable = False``) are left out of the update through ``where`` (the
indices of the parameters to update): as in PyTorch, where a parameter without a gradient is skipped,
neither they nor their state (momentum buffer, Adam moments and step count) move. Adam therefore keeps
its step count per parameter once some parameters have been left out.

``lr`` and ``momentum`` are plain attributes (validated on assignment): a learning-rate slider sets
``optimizer.lr`` and the next step uses it.
"""
from __future__ import annotations

import math

import numpy as np

from ._validation import check_choice, check_float, describe

__all__ = ["OPTIMIZERS", "Adam", "Optimizer", "SGD", "make_optimizer"]


class Optimizer:
    """Base class: validated ``lr`` and a per-key state dict."""

    name = "optimizer"

    def __init__(self, lr: float):
        self.lr = lr
        self.state: dict = {}

    @property
    def lr(self) -> float:
        """Learning rate, a finite number > 0; takes effect at the next step."""
        return self._lr

    @lr.setter
    def lr(self, value) -> None:
        self._lr = check_float("lr", value, low=0.0, low_open=True)

    def reset(self) -> None:
        """Forget all state (momentum, moments, step counts)."""
        self.state.clear()

    def get_config(self) -> dict:
        return {"type": self.name, "lr": self.lr}

    def get_state(self) -> dict[str, np.ndarray]:
        """State arrays by flat name, for saving (``"<key>/<field>"``)."""
        out = {}
        for key, fields in self.state.items():
            for field, value in fields.items():
                out[f"{key}/{field}"] = np.asarray(value)
        return out

    def set_state(self, arrays: dict[str, np.ndarray]) -> None:
        """Restore what :meth:`get_state` returned."""
        self.state.clear()
        for name, value in arrays.items():
            key, field = name.split("/", 1)
            value = np.array(value)
            self.state.setdefault(key, {})[field] = value if value.ndim else value.item()


class SGD(Optimizer):
    """Stochastic gradient descent with optional momentum, as ``torch.optim.SGD``.

    Parameters
    ----------
    lr : float
        Learning rate, > 0.
    momentum : float, default 0
        Momentum ``μ`` in [0, 1).

    Notes
    -----
    ``v ← μ v + g`` (on the first step ``v = g``), then ``w ← w − lr · v``. No dampening, no Nesterov.
    """

    name = "sgd"

    def __init__(self, lr: float = 0.03, momentum: float = 0.0):
        super().__init__(lr)
        self.momentum = momentum

    @property
    def momentum(self) -> float:
        """Momentum in [0, 1); takes effect at the next step."""
        return self._momentum

    @momentum.setter
    def momentum(self, value) -> None:
        self._momentum = check_float("momentum", value, low=0.0, high=1.0, high_open=True)

    def update(self, param: np.ndarray, grad: np.ndarray, key: str = "param", where=None) -> None:
        """Update ``param`` in place from ``grad``; with ``where`` (an index array) only those entries."""
        if where is not None:
            self._update_where(param, grad, key, where)
            return
        if self._momentum:
            st = self.state.get(key)
            if st is None:
                buf = grad.copy()
                self.state[key] = {"momentum_buffer": buf}
            else:
                buf = st["momentum_buffer"]
                buf *= self._momentum
                buf += grad
            step = buf * self._lr
        else:
            step = grad * self._lr
        param -= step

    def _update_where(self, param, grad, key, where) -> None:
        g = grad[where]
        if self._momentum:
            st = self.state.get(key)
            if st is None:  # a zero buffer: μ·0 + g = g, torch's first step, entry by entry
                st = self.state[key] = {"momentum_buffer": np.zeros_like(param)}
            buf = st["momentum_buffer"]
            b = buf[where]
            b *= self._momentum
            b += g
            buf[where] = b
            step = b * self._lr
        else:
            step = g * self._lr
        param[where] -= step

    def get_config(self) -> dict:
        return {"type": self.name, "lr": self.lr, "momentum": self.momentum}

    def __repr__(self) -> str:
        mom = f", momentum={self.momentum:g}" if self.momentum else ""
        return f"SGD(lr={self.lr:g}{mom})"


class Adam(Optimizer):
    """Adam, as ``torch.optim.Adam`` (bias-corrected moments).

    Parameters
    ----------
    lr : float, default 0.001
    betas : (float, float), default (0.9, 0.999)
        Decay rates of the first and second moment, each in [0, 1).
    eps : float, default 1e-8
        Added to the denominator, > 0.

    Notes
    -----
    ``m ← β₁ m + (1−β₁) g``, ``v ← β₂ v + (1−β₂) g²``, ``w ← w − lr · m̂ / (√v̂ + ε)`` with
    ``m̂ = m / (1 − β₁ᵗ)`` and ``v̂ = v / (1 − β₂ᵗ)``.
    """

    name = "adam"

    def __init__(self, lr: float = 0.001, betas=(0.9, 0.999), eps: float = 1e-8):
        super().__init__(lr)
        self.betas = betas
        self.eps = eps

    @property
    def betas(self) -> tuple[float, float]:
        return self._betas

    @betas.setter
    def betas(self, value) -> None:
        if not isinstance(value, (tuple, list)) or len(value) != 2:
            raise TypeError(f"betas must be a pair (beta1, beta2), got {describe(value)}")
        b1 = check_float("betas[0]", value[0], low=0.0, high=1.0, high_open=True)
        b2 = check_float("betas[1]", value[1], low=0.0, high=1.0, high_open=True)
        self._betas = (b1, b2)

    @property
    def eps(self) -> float:
        return self._eps

    @eps.setter
    def eps(self, value) -> None:
        self._eps = check_float("eps", value, low=0.0, low_open=True)

    def update(self, param: np.ndarray, grad: np.ndarray, key: str = "param", where=None) -> None:
        """Update ``param`` in place from ``grad``; with ``where`` (an index array) only those entries."""
        b1, b2 = self._betas
        st = self.state.get(key)
        if st is None:
            st = self.state[key] = {
                "step": 0,
                "exp_avg": np.zeros_like(param),
                "exp_avg_sq": np.zeros_like(param),
            }
        if where is not None or np.ndim(st["step"]):
            self._update_where(param, grad, st, where)
            return
        st["step"] += 1
        t = st["step"]
        m, v = st["exp_avg"], st["exp_avg_sq"]
        m *= b1
        m += (1.0 - b1) * grad
        v *= b2
        v += (1.0 - b2) * (grad * grad)
        # torch: denom = sqrt(v) / sqrt(1 - b2^t) + eps; w -= lr / (1 - b1^t) * m / denom
        denom = np.sqrt(v)
        denom *= 1.0 / math.sqrt(1.0 - b2**t)
        denom += self._eps
        step = m / denom
        step *= self._lr / (1.0 - b1**t)
        param -= step

    def _update_where(self, param, grad, st, where) -> None:
        """The same update on the entries ``where`` (all if None), with a step count per entry."""
        b1, b2 = self._betas
        steps = st["step"]
        if not np.ndim(steps):
            steps = st["step"] = np.full(param.shape, steps, dtype=np.int64)
        sel = slice(None) if where is None else where
        t = steps[sel] + 1
        steps[sel] = t
        if where is None and t.size and t.min() == t.max():
            st["step"] = int(t[0])  # every entry in step again: back to one count
        g = grad[sel]
        m = st["exp_avg"][sel]
        m *= b1
        m += (1.0 - b1) * g
        st["exp_avg"][sel] = m
        v = st["exp_avg_sq"][sel]
        v *= b2
        v += (1.0 - b2) * (g * g)
        st["exp_avg_sq"][sel] = v
        # the bias corrections of each distinct step count, with the same float operations as above
        counts, inverse = np.unique(t, return_inverse=True)
        c2 = np.array([1.0 / math.sqrt(1.0 - b2 ** int(c)) for c in counts], dtype=param.dtype)[inverse]
        c1 = np.array([self._lr / (1.0 - b1 ** int(c)) for c in counts], dtype=param.dtype)[inverse]
        denom = np.sqrt(v)
        denom *= c2.reshape(denom.shape)
        denom += self._eps
        step = m / denom
        step *= c1.reshape(step.shape)
        param[sel] -= step

    def get_config(self) -> dict:
        return {"type": self.name, "lr": self.lr, "betas": list(self.betas), "eps": self.eps}

    def __repr__(self) -> str:
        return f"Adam(lr={self.lr:g}, betas={self.betas}, eps={self.eps:g})"


OPTIMIZERS = {"sgd": SGD, "adam": Adam}
"""Every optimiser class by name; the keys are the valid ``optimizer=`` names."""


def make_optimizer(spec) -> Optimizer:
    """Build an optimiser from an instance, a name (``"sgd"``, ``"adam"``) or a config dict."""
    if isinstance(spec, Optimizer):
        return spec
    if isinstance(spec, str):
        return OPTIMIZERS[check_choice("optimizer", spec, OPTIMIZERS)]()
    if isinstance(spec, dict):
        kwargs = dict(spec)
        name = kwargs.pop("type", None)
        cls = OPTIMIZERS[check_choice("optimizer", name, OPTIMIZERS)]
        if "betas" in kwargs:
            kwargs["betas"] = tuple(kwargs["betas"])
        return cls(**kwargs)
    raise TypeError(
        f"optimizer must be None, an Optimizer, a name ({', '.join(OPTIMIZERS)}) or a dict, got {describe(spec)}"
    )
