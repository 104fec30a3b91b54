"""Which widget models a compound widget created, so that ``close()`` closes every one of them.

One way for all of nnviz's compound widgets:

* :func:`owned_models` (a context manager) or :func:`records_models` (its decorator form, for a whole
  ``__init__``) records the ids of every model created while the widget is built, and closes them at
  once when building fails;
* :func:`models_under` finds every model reachable from a widget (what was added later, e.g. by a
  rebuild, is found there);
* :func:`close_owned` closes them;
* :class:`OwnsModels`, a mixin, gives a widget ``closed``, ``_check_open()`` and a ``close()`` that
  stops the widget's work (its :meth:`~OwnsModels._stop_work` hook), then closes its models, then itself.
"""
from __future__ import annotations

import contextlib
import functools

from ipywidgets import Widget
from ipywidgets.widgets.widget import _instances

__all__ = ["OwnsModels", "close_owned", "models_under", "owned_models", "records_models"]


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


def records_models(init):
    """Decorate a compound widget's ``__init__``: all of it runs inside :func:`owned_models`."""
    @functools.wraps(init)
    def __init__(self, *args, **kwargs):
        with owned_models(self):
            init(self, *args, **kwargs)
    return __init__


def models_under(root) -> list:
    """Every widget model reachable from ``root`` through its traits (children, marks, scales, axes,
    layouts, styles...), ``root`` itself excluded."""
    seen, stack = {id(root): root}, [root]
    while stack:
        w = stack.pop()
        for name in w.trait_names():
            if name in ("comm", "keys"):
                continue
            try:
                value = getattr(w, name)
            except Exception:  # noqa: BLE001 - a trait that cannot be read holds no model
                continue
            values = value.values() if isinstance(value, dict) else value if isinstance(value, (list, tuple)) \
                else (value,)
            for v in values:
                for item in v if isinstance(v, (list, tuple)) else (v,):
                    if isinstance(item, Widget) and id(item) not in seen:
                        seen[id(item)] = item
                        stack.append(item)
    return [w for w in seen.values() if w is not root]


def close_owned(widget, tree: bool = False) -> None:
    """Close the models recorded by :func:`owned_models` (and, with ``tree``, every model
    :func:`models_under` finds) except ``widget`` itself (its ``close`` then calls the base class's)."""
    models = [_instances.get(model_id) for model_id in list(getattr(widget, "_owned_ids", ()))]
    if tree:
        models += models_under(widget)
    for other in models:
        if other is not None and other is not widget:
            other.close()
    widget._owned_ids = set()


class OwnsModels:
    """Mixin (listed before the ipywidgets base class) for a widget that closes every model it made.

    The widget decorates its ``__init__`` with :func:`records_models` and sets ``self._closed = False``
    once it can be closed; until then (``__init__`` failed early) :meth:`close` has nothing to stop.
    :meth:`close` sets :attr:`closed`, calls :meth:`_stop_work` (stop sessions, loops, tasks; unlink), closes
    the recorded models and those under the widget, then the widget itself. A second call does nothing.
    """

    _closed = True
    #: The RuntimeError of :meth:`_check_open`; None: ``"this <class name> is closed: create a new one"``.
    _closed_message: str | None = None

    @property
    def closed(self) -> bool:
        """True after :meth:`close`."""
        return self._closed

    def _check_open(self) -> None:
        if self._closed:
            raise RuntimeError(self._closed_message or f"this {type(self).__name__} is closed: create a new one")

    def _stop_work(self) -> None:
        """Stop the widget's work before its models close (its sessions, loops, tasks, links)."""

    def close(self) -> None:
        """Stop the widget's work for good and close every widget model it created."""
        if self._closed:  # closed, or __init__ failed before the widget was built
            close_owned(self)
            return
        self._closed = True
        self._stop_work()
        close_owned(self, tree=True)
        super().close()
