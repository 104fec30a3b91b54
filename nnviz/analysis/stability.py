"""Is training stable? A rule on the loss curve that names what a too-high learning rate looks like.

A learning rate that is too high shows in the loss per epoch long before anything becomes NaN: the
loss climbs above where it started, or it jumps up and down instead of going down. The live widgets
show a plain warning while :func:`loss_stability` says so, and clear it when the loss settles again.
Non-finite divergence is a different matter: the core stops and rolls back (``DivergedError``).
"""
from __future__ import annotations

import numpy as np

from ._validation import check_int, describe

__all__ = ["STABILITY_MESSAGES", "loss_stability"]

#: What the widgets write for each verdict of :func:`loss_stability` ("" when stable).
STABILITY_MESSAGES = {
    "stable": "",
    "rising": "unstable: the loss is rising — the learning rate may be too high",
    "swinging": "unstable: the loss is swinging up and down — the learning rate may be too high",
}


def _check_ratio(name: str, value) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.floating, np.integer)) or not value > 0:
        raise ValueError(f"{name} must be a number > 0, got {describe(value)}")
    return float(value)


def loss_stability(losses, window: int = 5, rise: float = 1.5, swing: float = 0.1) -> str:
    """Classify the end of a loss curve as ``"stable"``, ``"rising"`` or ``"swinging"``.

    Parameters
    ----------
    losses : array-like of shape (n_epochs,)
        The training loss after each epoch, oldest first (``network.history["loss"]``); finite.
    window : int, default 5
        How many of the latest epochs must show the problem ("for several epochs"), >= 2.
    rise : float, default 1.5
        ``"rising"`` when each of the last ``window`` losses is above ``rise`` times the first loss.
    swing : float, default 0.1
        ``"swinging"`` when, over the last ``window`` epochs, the loss moves by more than ``swing``
        times the first loss per epoch on average while going nowhere (see Notes).

    Returns
    -------
    str
        ``"stable"`` (also when there are fewer than ``window + 1`` epochs), ``"rising"`` or
        ``"swinging"``; :data:`STABILITY_MESSAGES` has the sentence a learner reads for each.

    Raises
    ------
    ValueError
        ``losses`` is not 1-D or holds a non-finite value (divergence is the core's to report).

    Notes
    -----
    With :math:`L_0` the first loss and :math:`L_{n-w}, \\dots, L_{n-1}` the last :math:`w` = ``window``
    losses (:math:`n` epochs in all, :math:`n > w`):

    * rising: :math:`\\min_k L_k > \\text{rise} \\cdot L_0` over the last :math:`w` epochs;
    * swinging: with the steps :math:`d_k = L_k - L_{k-1}` of the last :math:`w` epochs,
      :math:`\\sum |d_k| > \\text{swing} \\cdot L_0 \\cdot w` (big moves, relative to the problem's own
      scale, so the small jitter of mini-batch SGD near a minimum never counts) and
      :math:`|\\sum d_k| < \\tfrac12 \\sum |d_k|` (they cancel out: up as much as down).

    A loss that falls fast in the first epochs moves a lot but in one direction, so it is stable.

    Examples
    --------
    >>> loss_stability([0.7, 0.5, 0.4, 0.35, 0.3, 0.28, 0.27])
    'stable'
    >>> loss_stability([0.5, 0.9, 1.6, 2.4, 3.1, 3.9, 4.2])
    'rising'
    >>> loss_stability([0.7, 0.3, 1.2, 0.4, 1.3, 0.3, 1.1])
    'swinging'
    """
    if isinstance(losses, (str, bytes)) or losses is None:
        raise TypeError(f"losses must be a 1-D array of loss values, got {describe(losses)}")
    values = np.asarray(losses, dtype=np.float64)
    if values.ndim != 1:
        raise ValueError(f"losses must be 1-D of shape (n_epochs,), got shape {values.shape}")
    if not np.isfinite(values).all():
        raise ValueError("losses must be finite (a non-finite loss is a divergence, which the core reports)")
    window = check_int("window", window, low=2)
    rise = _check_ratio("rise", rise)
    swing = _check_ratio("swing", swing)
    if len(values) <= window:
        return "stable"
    first = abs(values[0])
    recent = values[-window:]
    if recent.min() > rise * first:
        return "rising"
    steps = np.diff(values[-window - 1:])
    moved = np.abs(steps).sum()
    if moved > swing * first * window and abs(steps.sum()) < 0.5 * moved:
        return "swinging"
    return "stable"
