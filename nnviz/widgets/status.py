"""A one-line message area: what just happened, or what went wrong."""
from __future__ import annotations

import traceback

from ipywidgets import HTML, Layout

from ._common import add_class, escape

__all__ = ["ReportsErrors", "StatusArea"]

# background, text colour and symbol of each kind of message
_KINDS = {
    "info": ("transparent", "#555555", ""),
    "success": ("#eef7ee", "#2e7d32", "✓ "),
    "warning": ("#fff4e5", "#8a4b00", "⚠ "),
    "error": ("#fdecea", "#b71c1c", "✖ "),
}


class StatusArea(HTML):
    """One line of text under a widget: ``info``, ``success``, ``warning`` or ``error``.

    Errors raised inside widget callbacks land here (see :func:`nnviz.widgets._common.guarded`), so a
    learner sees what went wrong instead of a widget that silently stops reacting. The element carries
    the CSS class ``nnviz-status`` and ``nnviz-status-<kind>``. ``kind``, ``text`` and ``title`` (the
    tooltip, or None) hold what is shown.

    Examples
    --------
    >>> status = StatusArea()
    >>> status.error("diverged — lower the learning rate")
    >>> status.kind, status.text
    ('error', 'diverged — lower the learning rate')
    """

    def __init__(self, **kwargs):
        kwargs.setdefault("layout", Layout(min_height="22px", width="100%", margin="2px 0"))
        super().__init__(**kwargs)
        add_class(self, "nnviz-status")
        self.kind = "info"
        self.text = ""
        self.clear()

    def show(self, text: str, kind: str = "info", detail: str | None = None, title: str | None = None) -> None:
        """Show ``text``; ``detail`` (e.g. a traceback) goes in a collapsed block below it, ``title`` in
        a tooltip over the line (e.g. the full technical message behind a short one)."""
        if kind not in _KINDS:
            raise ValueError(f"kind must be one of {', '.join(map(repr, _KINDS))}, got {kind!r}")
        background, colour, symbol = _KINDS[kind]
        for name in _KINDS:
            self.remove_class(f"nnviz-status-{name}")
        self.add_class(f"nnviz-status-{kind}")
        self.kind, self.text, self.title = kind, str(text), title
        body = f"{symbol}{escape(self.text)}"
        if detail:
            body += (
                "<details style='margin-top:2px'><summary style='cursor:pointer'>details</summary>"
                f"<pre style='font-size:11px;white-space:pre-wrap;margin:2px 0'>{escape(detail)}</pre></details>"
            )
        tooltip = f" title='{escape(title, quote=True)}'" if title else ""
        self.value = (
            f"<div{tooltip} style='background:{background};color:{colour};padding:2px 8px;border-radius:3px;"
            f"font-size:13px;line-height:18px'>{body}</div>"
        )

    def info(self, text: str) -> None:
        self.show(text, "info")

    def success(self, text: str) -> None:
        self.show(text, "success")

    def warning(self, text: str) -> None:
        self.show(text, "warning")

    def error(self, text: str, detail: str | None = None, title: str | None = None) -> None:
        self.show(text, "error", detail, title)

    def exception(self, exc: BaseException, context: str = "") -> None:
        """Show an exception: its type and message, with the traceback folded away."""
        what = f"{type(exc).__name__}: {exc}"
        detail = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
        self.error(f"{context}{what}" if context else what, detail)

    def clear(self) -> None:
        """Empty the line (it keeps its height, so nothing below it jumps)."""
        for name in _KINDS:
            self.remove_class(f"nnviz-status-{name}")
        self.kind, self.text, self.title = "info", "", None
        self.value = ""

    def __repr__(self) -> str:
        return f"StatusArea({self.kind}: {self.text!r})" if self.text else "StatusArea(empty)"


class ReportsErrors:
    """Mixin: a widget with a ``status`` area, where its guarded callbacks report exceptions."""

    status: StatusArea

    def report_error(self, exc: BaseException) -> None:
        """Show ``exc`` in this widget's status line (used by :func:`~nnviz.widgets._common.guarded`)."""
        self.status.exception(exc)
