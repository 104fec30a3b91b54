"""Which widget models a compound widget created, so that ``close()`` closes every one of them."""
from __future__ import annotations

import contextlib

from ipywidgets.widgets.widget import _instances

__all__ = ["close_owned", "owned_models"]


@contextlib.contextmanager
def owned_models(widget):
    """Record in ``widget._owned_ids`` the ids of every widget model created inside the block
    (children, marks, scales, layouts, styles, links...). A model shared with the caller (e.g. a
    status area passed in) was created before and is not recorded. When the block raises, the models
    it created are closed at once."""
    before = set(_instances)
    try:
        yield
    except BaseException:
        # the widget could not be built: close what it had made so far, nothing is left behind
        for model_id in set(_instances) - before:
            other = _instances.get(model_id)
            if other is not None and other is not widget:
                other.close()
        raise
    widget._owned_ids = getattr(widget, "_owned_ids", set()) | (set(_instances) - before)


def close_owned(widget) -> None:
    """Close the models recorded by :func:`owned_models` except ``widget`` itself (its ``close`` then
    calls the base class's)."""
    for model_id in list(getattr(widget, "_owned_ids", ())):
        other = _instances.get(model_id)
        if other is not None and other is not widget:
            other.close()
    widget._owned_ids = set()
