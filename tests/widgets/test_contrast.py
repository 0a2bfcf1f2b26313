"""Text contrast of at least 4.5:1 (WCAG 2.1 AA, success criterion 1.4.3) for every text and
background colour pair the app and the printed sheets use, computed here from the colours
themselves with WCAG 2.1's definitions of relative luminance and contrast ratio."""
import re
from pathlib import Path

import pytest

from protocol_kit.widgets import html

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
AA = 4.5


def luminance(rgb: tuple[int, int, int]) -> float:
    """WCAG 2.1 relative luminance: sRGB channels linearised, weighted 0.2126, 0.7152, 0.0722."""
    lin = [c / 255 / 12.92 if c / 255 <= 0.03928 else ((c / 255 + 0.055) / 1.055) ** 2.4 for c in rgb]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def ratio(a, b) -> float:
    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def colour(text: str) -> tuple[int, int, int]:
    text = text.strip().lower()
    if m := re.fullmatch(r"rgb\((\d+),\s*(\d+),\s*(\d+)\)", text):
        return tuple(int(x) for x in m.groups())
    h = text.lstrip("#")
    h = "".join(c * 2 for c in h) if len(h) == 3 else h
    return tuple(int(h[i:i + 2], 16) for i in (0, 2, 4))


def test_the_formula_against_published_values():
    assert ratio(colour("#000"), colour("#fff")) == pytest.approx(21.0)          # the maximum
    assert ratio(colour("#777777"), colour("#fff")) == pytest.approx(4.48, abs=0.01)  # the classic near miss
    assert ratio(colour("#767676"), colour("#fff")) == pytest.approx(4.54, abs=0.01)  # the lightest grey that passes


def cell_pairs(markup: str) -> list[tuple[tuple, tuple]]:
    """(text, background) of every table cell that sets a background."""
    pairs = []
    for style in re.findall(r"<td[^>]*style='([^']*)'", markup):
        decl = dict(d.split(":", 1) for d in style.split(";") if ":" in d)
        assert "color" in decl, f"a cell with a background but no text colour: {style}"
        pairs.append((colour(decl["color"]), colour(decl["background"])))
    return pairs


def test_every_well_of_the_readings_map_has_readable_text():
    levels = [i / 20 for i in range(21)]
    cells = [{"well": f"A{i + 1}", "code": "C1", "value": "1234", "level": lv} for i, lv in enumerate(levels)]
    cells.append({"well": "B1", "code": "", "role": "", "value": "", "level": None})
    markup = html.readings_map({"plate": "1", "columns": list(range(1, 23)), "low": "0", "high": "1",
                                "rows": [{"letter": "A", "cells": cells}]})
    pairs = cell_pairs(markup)
    assert len(pairs) == 22
    worst = min(ratio(fg, bg) for fg, bg in pairs)
    assert worst >= AA, f"lowest contrast {worst:.2f}:1"


def test_every_well_of_the_plate_map_has_readable_text():
    cells = [{"code": "X", "role": role} for role in html.ROLE_STYLE] + [{"code": "", "role": ""}]
    markup = html.plate_map({"columns": list(range(1, len(cells) + 1)), "rows": [{"letter": "A", "cells": cells}],
                             "legend": [], "used": len(cells) - 1, "wells": 96})
    pairs = cell_pairs(markup)
    assert len(pairs) == len(cells)
    assert min(ratio(fg, bg) for fg, bg in pairs) >= AA


@pytest.mark.parametrize("name", ["print.css.j2", "report.css.j2"])
def test_text_colours_of_the_printed_pages(name):
    css = (TEMPLATES / name).read_text()
    texts = [colour(c) for c in re.findall(r"(?<![-\w])color:\s*(#[0-9a-fA-F]{3,6})", css)]
    backgrounds = [colour("#fff")] + [colour(c) for c in re.findall(r"background:\s*(#[0-9a-fA-F]{3,6})", css)]
    for fg in texts:
        for bg in backgrounds:
            assert ratio(fg, bg) >= AA, f"{name}: text {fg} on {bg} is {ratio(fg, bg):.2f}:1"
