"""Small helpers every widget shares: argument checks, CSS classes, formatting, guarded callbacks.

The argument checks are the core's (:mod:`nnviz.core._validation`), so every message in nnviz reads
the same way: it names the argument, says what was expected and shows what came.
"""
from __future__ import annotations

import contextlib
import functools
import html

import numpy as np
from ipywidgets import Layout

from nnviz.core import Network
from nnviz.core._validation import check_choice, check_float, check_int, describe

__all__ = [
    "COLUMN_CONTROL_WIDTH",
    "add_class",
    "check_bool",
    "check_choice",
    "check_features",
    "check_float",
    "check_int",
    "check_network",
    "describe",
    "escape",
    "format_epoch",
    "format_number",
    "guarded",
    "one_blas_thread",
    "set_visible",
    "wide_layout",
]

escape = html.escape

#: Width in pixels of the controls in the Playground's data/training column: the data-set dropdown
#: shows its longest option ("Multi-Gaussian (regression)") in full.
COLUMN_CONTROL_WIDTH = 194


def wide_layout() -> Layout:
    """A fresh layout for a control of that column (never share a Layout: hiding one would hide all)."""
    return Layout(width=f"{COLUMN_CONTROL_WIDTH}px")


def check_network(network, name: str = "network", allow_none: bool = False):
    """Check that ``network`` is an :class:`nnviz.core.Network` (or None when allowed)."""
    if network is None and allow_none:
        return None
    if not isinstance(network, Network):
        raise TypeError(f"{name} must be an nnviz.core.Network, got {describe(network)}")
    return network


def check_features(features, network) -> tuple[str, ...]:
    """Check input-feature names (keys of :data:`nnviz.data.FEATURES`), one per network input."""
    from nnviz.data import FEATURES

    if isinstance(features, str) or not hasattr(features, "__iter__"):
        raise TypeError(f"features must be a sequence of feature names such as ('x1', 'x2'), got {describe(features)}")
    features = tuple(features)
    for f in features:
        if f not in FEATURES:
            raise ValueError(f"unknown feature {f!r}; expected one of {', '.join(FEATURES)}")
    if len(features) != network.n_inputs:
        raise ValueError(
            f"features must name one input per network input ({network.n_inputs}), got {len(features)}: {features}"
        )
    return features


def check_bool(name: str, value) -> bool:
    """Check that ``value`` is a bool (NumPy bools included)."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False, got {describe(value)}")
    return bool(value)


def add_class(widget, *names: str):
    """Add CSS classes to a widget (the stable hooks browser tests and styles use); returns it."""
    for name in names:
        widget.add_class(name)
    return widget


def set_visible(widget, visible: bool) -> None:
    """Show or hide a widget without removing it from the layout tree."""
    widget.layout.display = None if visible else "none"


def format_number(value: float) -> str:
    """A rate as the playground writes it: ``1e-05 → "0.00001"``, ``10.0 → "10"``."""
    return np.format_float_positional(float(value), trim="-")


def format_epoch(epoch: int) -> str:
    """The playground's epoch counter: ``1234 → "001,234"``."""
    return f"{epoch // 1000:03d},{epoch % 1000:03d}" if epoch < 1_000_000 else f"{epoch:,}"


def guarded(method):
    """Decorate a widget callback so that an exception shows in the widget instead of vanishing.

    ipywidgets swallows exceptions raised in observers and button handlers (they end up in a log the
    learner never sees). The wrapped method reports the exception through ``self.report_error``
    (every nnviz widget has one) and returns None.
    """

    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        except Exception as exc:  # noqa: BLE001 - shown to the user, never swallowed silently
            self.report_error(exc)
            return None

    return wrapper


_BLAS = {}


def _blas_controller():
    """threadpoolctl's controller (created once), or None when threadpoolctl is not installed."""
    if "controller" not in _BLAS:
        try:
            from threadpoolctl import ThreadpoolController

            _BLAS["controller"] = ThreadpoolController()
        except Exception:  # noqa: BLE001 - optional: without it, BLAS keeps its own threading
            _BLAS["controller"] = None
    return _BLAS["controller"]


@contextlib.contextmanager
def one_blas_thread():
    """Run the block with BLAS on one thread (if threadpoolctl is installed).

    The views multiply small matrices (a 100 x 100 grid through layers of a few units). Multithreaded
    OpenBLAS gains nothing there and, on a shared classroom server where the other cores are busy,
    its threads wait for each other: a frame measured 9 ms alone took 30-110 ms under load. The
    limit costs about 0.02 ms and is undone at the end of the block.
    """
    controller = _blas_controller()
    if controller is None:
        yield
        return
    with controller.limit(limits=1, user_api="blas"):
        yield
