"""The learning-rate finder (Leslie Smith's range test, as fastai's ``lr_find``).

Train for ``steps`` mini-batches while the learning rate grows geometrically from ``start`` to
``stop``; record the loss of each batch; stop when the smoothed loss passes ``diverge_factor`` times its
best. The learning rates where the loss falls fastest are good ones. The sweep trains a *copy* of the
network: the network itself — parameters, optimiser state and ``lr``, step and epoch counters, history,
random generator, ``diverged_`` — is exactly as it was.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from nnviz.core import DivergedError, History, Network
from nnviz.core._validation import check_choice, check_float, check_int, check_matrix, check_rng

from ._validation import check_network, describe

__all__ = ["LR_RULES", "LRFinderResult", "copy_network", "lr_find", "lr_minimum_over_10", "lr_steepest",
           "lr_valley"]


def copy_network(network) -> Network:
    """An independent copy of ``network``: same architecture, settings, parameters, optimiser state,
    counters, random generator state, frozen layers and history; nothing shared with the original."""
    network = check_network(network)
    other = Network.from_config(network.to_config())
    other.load_state_dict(network.state_dict())
    other.optimizer.lr = network.optimizer.lr
    for a, b in zip(other.layers, network.layers):
        a.trainable = b.trainable
    other.history = History(network.history.as_dict())
    return other


# ------------------------------------------------------------------------------------------ rules
def _trim(lrs: np.ndarray, losses: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """fastai's window for the rules: skip the first tenth and the last 5 points (when enough remain)."""
    n = len(lrs)
    lo, hi = n // 10, n - 5
    if hi - lo < 5:
        return lrs, losses
    return lrs[lo:hi], losses[lo:hi]


def lr_steepest(lrs, losses) -> float:
    """The learning rate where the (smoothed) loss falls fastest per decade: the start of the steepest
    segment, ``argmin Δloss / Δlog(lr)`` (fastai's ``steep``)."""
    lrs, losses = np.asarray(lrs, dtype=float), np.asarray(losses, dtype=float)
    if len(lrs) < 2:
        return float(lrs[0])
    slopes = np.diff(losses) / np.diff(np.log(lrs))
    return float(lrs[int(np.argmin(slopes))])


def lr_minimum_over_10(lrs, losses) -> float:
    """A tenth of the learning rate with the lowest (smoothed) loss (fastai's ``minimum``): the
    minimum itself is already too large, the loss turns up just after it."""
    lrs, losses = np.asarray(lrs, dtype=float), np.asarray(losses, dtype=float)
    return float(lrs[int(np.argmin(losses))] / 10.0)


def lr_valley(lrs, losses) -> float:
    """fastai's default ``valley``: find the longest run of points along which the loss keeps falling
    (the longest decreasing subsequence), and pick the point about 2/3 of the way down it
    (``start + int(len/3) + int(len/6)``): far enough to be fast, before the bottom where it turns up.

    The same loop as fastai's, except that an index below 0 (a valley from the very first point, where
    fastai's ``max_start`` is −1 and ``lrs[-1]`` would wrap round to the largest rate) is 0."""
    lrs, losses = np.asarray(lrs, dtype=float), np.asarray(losses, dtype=float)
    n = len(losses)
    lds = np.ones(n, dtype=np.int64)
    max_start = max_end = 0
    for i in range(1, n):
        lower = losses[:i] > losses[i]
        if lower.any():
            lds[i] = max(1, int(lds[:i][lower].max()) + 1)
        if lds[max_end] < lds[i]:
            max_end = i
            max_start = max_end - int(lds[max_end])
    sections = (max_end - max_start) / 3
    idx = max(0, min(n - 1, max_start + int(sections) + int(sections / 2)))
    return float(lrs[idx])


#: The suggestion rules by name, each ``rule(lrs, smoothed_losses) -> lr``, applied to fastai's window
#: of the curve (without the first tenth and the last 5 points).
LR_RULES = {"steepest": lr_steepest, "minimum/10": lr_minimum_over_10, "valley": lr_valley}


# ------------------------------------------------------------------------------------------ result
@dataclass(frozen=True, eq=False)
class LRFinderResult:
    """What :func:`lr_find` measured: everything its plot needs.

    Attributes
    ----------
    lrs : ndarray of shape (n,)
        The learning rate of each step, geometric from ``start`` (``n = steps`` unless it stopped early).
    losses : ndarray of shape (n,)
        The raw loss of each step's mini-batch, measured before that step's update.
    smoothed : ndarray of shape (n,)
        Exponential moving average of ``losses`` with factor ``smooth``, debiased (fastai's
        ``avg = β avg + (1 − β) loss``, ``smoothed = avg / (1 − βⁱ)``).
    suggestions : dict of str to float
        One learning rate per rule of :data:`LR_RULES` (``"steepest"``, ``"minimum/10"``, ``"valley"``).
    rule : str
        The rule behind :attr:`suggestion`.
    stop_reason : str
        ``"completed"``, ``"diverged"`` (the smoothed loss passed ``diverge_factor`` × its best) or
        ``"non-finite"`` (the loss or a parameter became NaN/inf; that step is not recorded).
    start, stop : float
        The requested range.
    steps : int
        The requested number of steps.
    """

    lrs: np.ndarray
    losses: np.ndarray
    smoothed: np.ndarray
    suggestions: dict
    rule: str
    stop_reason: str
    start: float
    stop: float
    steps: int
    diverge_factor: float = 4.0

    @property
    def suggestion(self) -> float:
        """The suggested learning rate by :attr:`rule` (fastai's default: ``"valley"``)."""
        return self.suggestions[self.rule]

    @property
    def best(self) -> tuple[float, float]:
        """``(lr, smoothed loss)`` at the lowest smoothed loss."""
        i = int(np.argmin(self.smoothed))
        return float(self.lrs[i]), float(self.smoothed[i])

    def loss_at(self, lr) -> float:
        """The smoothed loss at the recorded learning rate nearest to ``lr`` (on a log scale): where a
        plot marks a suggestion."""
        lr = check_float("lr", lr, low=0.0, low_open=True)
        i = int(np.argmin(np.abs(np.log(self.lrs) - math.log(lr))))
        return float(self.smoothed[i])

    def __repr__(self) -> str:
        rules = ", ".join(f"{k}={v:.3g}" for k, v in self.suggestions.items())
        return (f"LRFinderResult({len(self.lrs)} of {self.steps} steps, lr {self.start:g} … "
                f"{self.lrs[-1]:.3g}, {self.stop_reason}; suggestion {self.suggestion:.3g} ({self.rule}); {rules})")


# ------------------------------------------------------------------------------------------ finder
def lr_find(network, X, y, start: float = 1e-7, stop: float = 10.0, steps: int = 100, *,
            batch_size: int | None = 10, smooth: float = 0.98, diverge_factor: float = 4.0,
            shuffle: bool = True, seed=None, rule: str = "valley") -> LRFinderResult:
    """Sweep the learning rate geometrically and record the loss (fastai's ``lr_find``).

    Parameters
    ----------
    network : nnviz.core.Network
        Its optimiser (type, settings and state) does the steps. The network is left exactly as it
        was: the sweep trains a copy (:func:`copy_network`).
    X : array-like of shape (n_samples, n_inputs)
    y : array-like of shape (n_samples,) or (n_samples, n_outputs)
    start, stop : float, default 1e-7 and 10
        The first and the last learning rate, 0 < start < stop.
    steps : int, default 100
        Number of steps (mini-batches), >= 2; step ``i`` uses ``start · (stop/start)^(i/(steps−1))``.
    batch_size : int or None, default 10
        Samples per step; the data are gone through in shuffled epochs, as many as needed. None: the
        whole set every step.
    smooth : float, default 0.98
        fastai's ``beta`` of the moving average, in [0, 1).
    diverge_factor : float, default 4.0
        Stop once the smoothed loss exceeds this many times its lowest value so far (> 1).
    shuffle : bool, default True
    seed : int, numpy.random.Generator or None
        Shuffles the batches (and draws dropout masks). None: a copy of the network's own generator,
        so the same network gives the same sweep (and its generator does not move).
    rule : str, default "valley"
        Which key of :data:`LR_RULES` gives :attr:`LRFinderResult.suggestion`.

    Returns
    -------
    LRFinderResult
        Divergence is caught: the sweep ends there and says so in ``stop_reason``; no NaN is recorded.

    Examples
    --------
    >>> found = lr_find(net, X_train, y_train)
    >>> found.suggestion, found.suggestions["steepest"]
    >>> net.optimizer.lr = found.suggestion
    """
    net = copy_network(network)  # the sweep never touches ``network``
    X = check_matrix("X", X, n_columns=net.n_inputs, dtype=net.dtype)
    net.evaluate(X, y)  # checks y against the loss and the sample counts (the core's messages)
    n = len(X)
    if n == 0:
        raise ValueError("X must hold at least one sample, got 0 rows")
    start = check_float("start", start, low=0.0, low_open=True)
    stop = check_float("stop", stop, low=0.0, low_open=True)
    if not start < stop:
        raise ValueError(f"start must be below stop, got start={start:g} and stop={stop:g}")
    steps = check_int("steps", steps, low=2)
    batch_size = n if batch_size is None else min(check_int("batch_size", batch_size, low=1), n)
    smooth = check_float("smooth", smooth, low=0.0, high=1.0, high_open=True)
    diverge_factor = check_float("diverge_factor", diverge_factor, low=1.0, low_open=True)
    if not isinstance(shuffle, (bool, np.bool_)):
        raise TypeError(f"shuffle must be True or False, got {describe(shuffle)}")
    rule = check_choice("rule", rule, LR_RULES)

    if seed is not None:
        net.rng = check_rng("seed", seed)
    y = np.asarray(y)
    schedule = np.geomspace(start, stop, steps)
    lrs, losses, smoothed = [], [], []
    avg, best, reason = 0.0, math.inf, "completed"
    order, pos = np.arange(n), n
    for i, lr in enumerate(schedule):
        if pos + batch_size > n:  # a new epoch (a last partial batch is dropped, as a DataLoader's)
            order = net.rng.permutation(n) if shuffle else np.arange(n)
            pos = 0
        batch = order[pos : pos + batch_size]
        pos += batch_size
        net.optimizer.lr = float(lr)
        try:
            loss = net.train_step(X[batch], y[batch])
        except DivergedError:
            reason = "non-finite"
            break
        avg = smooth * avg + (1.0 - smooth) * loss
        value = avg / (1.0 - smooth ** (i + 1))
        lrs.append(float(lr))
        losses.append(loss)
        smoothed.append(value)
        best = min(best, value)
        if value > diverge_factor * best:
            reason = "diverged"
            break
    if not lrs:
        raise ValueError(
            f"the loss was not finite at the first step (lr = {start:g}): the network's parameters or data "
            "give NaN or inf"
        )
    lrs_a, losses_a, smoothed_a = np.array(lrs), np.array(losses), np.array(smoothed)
    window_lrs, window_losses = _trim(lrs_a, smoothed_a)
    suggestions = {name: fn(window_lrs, window_losses) for name, fn in LR_RULES.items()}
    return LRFinderResult(lrs_a, losses_a, smoothed_a, suggestions, rule, reason, start, stop, steps,
                          diverge_factor)
