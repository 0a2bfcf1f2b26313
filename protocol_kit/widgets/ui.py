"""Small ipywidgets helpers shared by the step views: messages, actions, a busy indicator."""
from __future__ import annotations

from collections.abc import Callable
from contextlib import contextmanager
from typing import Any

import ipywidgets as w

from ..errors import ProtocolKitError
from . import html

WIDE = {"description_width": "initial"}


def message_box() -> w.HTML:
    """Where one message (error or confirmation) appears beside a control."""
    return w.HTML(value="", layout=w.Layout(margin="0 0 0 8px"))


def show(box: w.HTML, kind: str | None, text: str = "") -> None:
    box.value = "" if kind is None else html.message(kind, text)


def attempt(action: Callable[[], Any], box: w.HTML, done: str | Callable[[Any], str] | None = None) -> Any:
    """Run ``action``; show a ProtocolKitError's one line in ``box`` (and return None), or the
    ``done`` text on success (and return the action's result)."""
    try:
        result = action()
    except ProtocolKitError as exc:
        from .data import form_message

        show(box, "Error", form_message(exc))
        return None
    if done is not None:
        show(box, "Done", done(result) if callable(done) else done)
    else:
        show(box, None)
    return result


def progress(label: str = "Working") -> w.IntProgress:
    """A busy indicator (hidden until :func:`busy` shows it)."""
    bar = w.IntProgress(value=0, min=0, max=3, description=label, bar_style="info", style=WIDE,
                        layout=w.Layout(visibility="hidden", width="320px"))
    return bar


@contextmanager
def busy(bar: w.IntProgress, what: str, *buttons: w.Button):
    """Show ``bar`` labelled with ``what`` and disable ``buttons`` while the body runs (then
    they are as they were; the view's refresh decides what they become)."""
    bar.description, bar.value = what, 1
    bar.layout.visibility = "visible"
    before = [b.disabled for b in buttons]   # a button disabled for a reason stays disabled
    for b in buttons:
        b.disabled = True
    try:
        yield bar
    finally:
        bar.value = bar.max
        bar.layout.visibility = "hidden"
        for b, was in zip(buttons, before):
            b.disabled = was


def button(label: str, tooltip: str, css: str, style: str = "") -> w.Button:
    b = w.Button(description=label, tooltip=tooltip, button_style=style,
                 layout=w.Layout(width="auto", min_width="max-content"))
    b.add_class(css)
    return b


def heading(text: str, level: int = 4) -> w.HTML:
    return w.HTML(f"<h{level} style='margin:8px 0 4px 0'>{html.esc(text)}</h{level}>")
