"""Matplotlib figures as inline SVG text that is the same bytes every time.

Byte-stable because: the figure is drawn by the SVG backend alone (no pyplot, no GUI), with
``svg.hashsalt`` fixed (matplotlib derives its clip-path and marker ids from it), no date in
the metadata, text kept as text (``svg.fonttype = none``: selectable, searchable in the PDF),
and every id prefixed with the figure's own key so several figures can share one HTML page.
"""
from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import matplotlib
from matplotlib.figure import Figure

# What every protocol_kit SVG (these figures, the profile plot) is drawn with, beside its own
# svg.hashsalt: text kept as text, in a font that ships with matplotlib; and no date.
STABLE = {"svg.fonttype": "none", "font.family": "DejaVu Sans"}
STABLE_METADATA = {"Date": None}
STYLE = {
    "svg.hashsalt": "protocol_kit",
    **STABLE,
    "font.size": 8.0,
    "axes.linewidth": 0.8,
    "axes.edgecolor": "black",
    "axes.labelcolor": "black",
    "axes.spines.top": False,
    "axes.spines.right": False,
    "xtick.color": "black",
    "ytick.color": "black",
    "lines.linewidth": 1.2,
    "lines.markersize": 4.5,
    "legend.frameon": False,
    "legend.fontsize": 7.5,
    "image.interpolation": "nearest",
}
METADATA = {**STABLE_METADATA, "Creator": "protocol_kit (matplotlib)"}

_ID = re.compile(r'\bid="([^"]+)"')
_REF = re.compile(r'(href="#|url\(#)([^")]+)')


def inline_svg(text: str) -> str:
    """SVG text without what precedes its ``<svg>`` element (the XML declaration and doctype),
    for use inside an HTML page."""
    return text[text.index("<svg"):]


@contextmanager
def figure(width_in: float, height_in: float) -> Iterator[Figure]:
    """A new figure (inches) drawn with the house style."""
    with matplotlib.rc_context(STYLE):
        yield Figure(figsize=(width_in, height_in), layout="constrained")


def to_svg(fig: Figure, key: str, title: str) -> str:
    """The figure as an ``<svg>`` element (no XML prologue), ids prefixed by ``key``, with a
    ``<title>`` for screen readers and a ``role="img"``."""
    buf = io.StringIO()
    with matplotlib.rc_context(STYLE):
        fig.savefig(buf, format="svg", metadata=METADATA)
    text = inline_svg(buf.getvalue())
    text = _ID.sub(lambda m: f'id="{key}-{m.group(1)}"', text)
    text = _REF.sub(lambda m: f"{m.group(1)}{key}-{m.group(2)}", text)
    head_end = text.index(">") + 1
    safe = title.replace("&", "&amp;").replace("<", "&lt;").replace('"', "&quot;")
    head = text[:head_end].replace("<svg ", f'<svg role="img" aria-label="{safe}" ', 1)
    return f"{head}\n<title>{safe}</title>{text[head_end:]}"


def draw(width_in: float, height_in: float, key: str, title: str, paint: Callable[[Figure], None]) -> str:
    """Make a figure, let ``paint`` draw on it, and return its SVG (see :func:`to_svg`)."""
    with figure(width_in, height_in) as fig:
        paint(fig)
        return to_svg(fig, key, title)
