"""Loss functions by name: ``"mse"``, ``"bce"`` and ``"cross_entropy"``.

Conventions (``shared/REFERENCE.md``, matching PyTorch): the batch loss is the **mean over samples**;
``mse`` is ``½ Σ_outputs (o − y)²`` per sample; ``bce`` and ``cross_entropy`` are computed from the
output layer's pre-activation ``z`` (the logits) so that no ``log(0)`` can happen.

A loss turns raw labels into a float *target matrix* once (``prepare_targets``), so a training step
does no conversion. Target matrices have shape (n_samples, n_outputs): 0/1 in one column for ``bce``,
one-hot rows for ``cross_entropy``, the targets themselves for ``mse``.
"""
from __future__ import annotations

from abc import ABC, abstractmethod

import numpy as np

from ._validation import check_choice, describe

__all__ = ["LOSSES", "Loss", "get_loss"]


def _as_label_vector(y, name: str = "y") -> np.ndarray:
    if isinstance(y, (str, bytes)) or y is None:
        raise TypeError(f"{name} must be an array of labels, got {describe(y)}")
    arr = np.asarray(y)
    if arr.ndim == 2 and arr.shape[1] == 1:
        arr = arr[:, 0]
    if arr.ndim != 1:
        raise ValueError(f"{name} must be 1-D of shape (n_samples,), got shape {arr.shape}")
    if arr.dtype == object or not (np.issubdtype(arr.dtype, np.number) or arr.dtype == bool):
        raise TypeError(f"{name} must hold numbers, got dtype {arr.dtype}")
    if not np.isfinite(arr).all():
        raise ValueError(f"{name} must contain only finite values, got NaN or inf")
    return arr


class Loss(ABC):
    """A data loss, averaged over the samples of a batch."""

    name = "loss"
    #: the output activation the loss needs (``None``: any)
    output_activation: str | None = None
    #: "binary", "multiclass" or "regression"
    task = "regression"

    @abstractmethod
    def prepare_targets(self, y, n_outputs: int, dtype=np.float64) -> np.ndarray:
        """Validate labels ``y`` and return the target matrix of shape (n_samples, n_outputs)."""

    @abstractmethod
    def value(self, z: np.ndarray, a: np.ndarray, t: np.ndarray) -> float:
        """Mean loss of outputs ``a`` (pre-activation ``z``) against targets ``t``."""

    @abstractmethod
    def grad_z(self, z: np.ndarray, a: np.ndarray, t: np.ndarray, activation) -> np.ndarray:
        """Gradient of :meth:`value` with respect to the output pre-activation ``z``."""

    def correct(self, a: np.ndarray, t: np.ndarray) -> np.ndarray | None:
        """Boolean per sample: is the prediction right? ``None`` where accuracy has no meaning."""
        return None

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class MSE(Loss):
    """Squared error ``½ Σ (o − y)²`` per sample, mean over samples (TensorFlow Playground's loss)."""

    name = "mse"

    def prepare_targets(self, y, n_outputs, dtype=np.float64):
        arr = np.asarray(y) if not isinstance(y, (str, bytes)) and y is not None else None
        if arr is None or arr.dtype == object or not (
            np.issubdtype(arr.dtype, np.number) or arr.dtype == bool
        ):
            raise TypeError(f"y must be a numeric array of targets, got {describe(y)}")
        if arr.ndim == 1 and n_outputs == 1:
            arr = arr.reshape(-1, 1)
        if arr.ndim != 2 or arr.shape[1] != n_outputs:
            expected = "(n_samples,) or (n_samples, 1)" if n_outputs == 1 else f"(n_samples, {n_outputs})"
            raise ValueError(f"y must have shape {expected} for {n_outputs} output(s), got shape {arr.shape}")
        arr = np.ascontiguousarray(arr, dtype=dtype)
        if not np.isfinite(arr).all():
            raise ValueError("y must contain only finite values, got NaN or inf")
        return arr

    def value(self, z, a, t):
        d = a - t
        return 0.5 * float(np.vdot(d, d)) / len(t)

    def grad_z(self, z, a, t, activation):
        d = a - t
        d *= 1.0 / len(t)
        return activation.backward(d, z, a)

    def correct(self, a, t):
        # Accuracy is defined when the targets are class labels: 0/1 in one column, or one-hot rows.
        if t.shape[1] == 1:
            if np.all((t == 0) | (t == 1)):
                return (a[:, 0] > 0.5) == (t[:, 0] > 0.5)
            return None
        if np.all(t.sum(axis=1) == 1) and np.all((t == 0) | (t == 1)):
            return a.argmax(axis=1) == t.argmax(axis=1)
        return None


class BCE(Loss):
    """Binary cross-entropy on a sigmoid output, from the logit ``z``.

    Notes
    -----
    Per sample ``ℓ = max(z, 0) − z y + log(1 + e^{−|z|})``, which equals ``−y log σ(z) − (1−y) log(1−σ(z))``
    without ever taking ``log(0)``. Its gradient with respect to ``z`` is ``σ(z) − y``.
    """

    name, output_activation, task = "bce", "sigmoid", "binary"

    def prepare_targets(self, y, n_outputs, dtype=np.float64):
        arr = _as_label_vector(y)
        if arr.size and (arr.min() < 0 or arr.max() > 1):
            bad = arr[(arr < 0) | (arr > 1)][0]
            raise ValueError(f"y must hold labels 0 or 1 (or probabilities in [0, 1]) for loss 'bce', got {bad.item()!r}")
        return np.ascontiguousarray(arr, dtype=dtype).reshape(-1, 1)

    def value(self, z, a, t):
        loss = np.maximum(z, 0.0) - z * t + np.log1p(np.exp(-np.abs(z)))
        return float(loss.sum()) / len(t)

    def grad_z(self, z, a, t, activation):
        d = a - t
        d *= 1.0 / len(t)
        return d

    def correct(self, a, t):
        return (a[:, 0] > 0.5) == (t[:, 0] > 0.5)


class CrossEntropy(Loss):
    """Softmax cross-entropy (negative log-likelihood) for integer class labels, from the logits.

    Notes
    -----
    Per sample ``ℓ = log Σ_j e^{z_j} − z_y``, computed with the log-sum-exp shift; the gradient with
    respect to ``z`` is ``softmax(z) − onehot(y)``. The same as ``torch.nn.CrossEntropyLoss``.
    """

    name, output_activation, task = "cross_entropy", "softmax", "multiclass"

    def prepare_targets(self, y, n_outputs, dtype=np.float64):
        arr = _as_label_vector(y)
        if not np.issubdtype(arr.dtype, np.integer):
            if arr.size and not np.all(arr == np.round(arr)):
                bad = arr[arr != np.round(arr)][0]
                raise ValueError(f"y must hold integer class labels for loss 'cross_entropy', got {bad.item()!r}")
            arr = arr.astype(np.int64)
        if arr.size and (arr.min() < 0 or arr.max() >= n_outputs):
            bad = arr[(arr < 0) | (arr >= n_outputs)][0]
            raise ValueError(
                f"y must hold class labels in 0..{n_outputs - 1} (the network has {n_outputs} outputs), got {bad.item()}"
            )
        t = np.zeros((len(arr), n_outputs), dtype=dtype)
        t[np.arange(len(arr)), arr] = 1.0
        return t

    def value(self, z, a, t):
        m = z.max(axis=1, keepdims=True)
        lse = np.log(np.exp(z - m).sum(axis=1)) + m[:, 0]
        return float((lse - (z * t).sum(axis=1)).sum()) / len(t)

    def grad_z(self, z, a, t, activation):
        d = a - t
        d *= 1.0 / len(t)
        return d

    def correct(self, a, t):
        return a.argmax(axis=1) == t.argmax(axis=1)


LOSSES: dict[str, Loss] = {loss.name: loss for loss in (MSE(), BCE(), CrossEntropy())}
"""Every loss by name; the keys are the valid ``loss=`` values."""


def get_loss(name) -> Loss:
    """Return the loss called ``name`` (or ``name`` itself if it is already a Loss)."""
    if isinstance(name, Loss):
        return name
    return LOSSES[check_choice("loss", name, LOSSES)]
