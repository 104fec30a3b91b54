"""Exceptions of the core."""
from __future__ import annotations

__all__ = ["DivergedError"]


class DivergedError(FloatingPointError):
    """Training produced a non-finite loss or parameter (or a loss 10,000 times its lowest) and was
    stopped.

    The network's parameters have already been rolled back when this is raised — inside ``fit`` to the
    epoch end with the lowest training loss so far, in ``train_step`` to the state before the step —
    so the network stays usable: lower the learning rate and train again.

    Attributes
    ----------
    step : int
        The update (counted from 1) at which the divergence showed.
    lr : float
        The learning rate in force.
    """

    def __init__(self, message: str, step: int, lr: float):
        super().__init__(message)
        self.step = step
        self.lr = lr
