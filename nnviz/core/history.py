"""The record of training, one row per epoch."""
from __future__ import annotations

__all__ = ["History"]

_KEYS = ("epoch", "step", "loss", "accuracy", "val_loss", "val_accuracy")


class History:
    """Per-epoch training record.

    Each key of ``("epoch", "step", "loss", "accuracy", "val_loss", "val_accuracy")`` holds a list with
    one value per epoch. ``loss``/``accuracy`` are measured on the whole training set at the end of the
    epoch (as TensorFlow Playground shows them), ``val_*`` on ``validation_data`` when given (else None).
    Accuracy is None where it has no meaning (regression). The data loss excludes the L1/L2 penalty.
    """

    def __init__(self, rows: dict | None = None):
        self._data = {k: [] for k in _KEYS}
        if rows:
            for k in _KEYS:
                self._data[k] = list(rows.get(k, []))

    def append(self, **logs) -> None:
        for k in _KEYS:
            self._data[k].append(logs.get(k))

    def truncate(self, n: int) -> None:
        """Keep the first ``n`` epochs (used when a run is rolled back)."""
        for k in _KEYS:
            del self._data[k][n:]

    def clear(self) -> None:
        self.truncate(0)

    def as_dict(self) -> dict[str, list]:
        """Plain, JSON-safe copy."""
        return {k: list(v) for k, v in self._data.items()}

    def __getitem__(self, key: str) -> list:
        if key not in self._data:
            raise KeyError(f"unknown history key {key!r}; expected one of {', '.join(_KEYS)}")
        return self._data[key]

    def keys(self):
        return self._data.keys()

    def __len__(self) -> int:
        return len(self._data["epoch"])

    def __repr__(self) -> str:
        if not len(self):
            return "History(0 epochs)"
        last = ", ".join(
            f"{k}={v:.4g}" for k in _KEYS[2:] if (v := self._data[k][-1]) is not None
        )
        return f"History({len(self)} epochs; last: {last})"
