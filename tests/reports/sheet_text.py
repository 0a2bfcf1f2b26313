"""The numbers a rendered sheet or report shows a person, and the ways a number can print badly.

Used by test_sheet_numbers.py: the HTML is reduced to its visible text (styles, scripts, SVG
figures, hashes, dates and times removed), then every number in it is checked against the rule
of :func:`protocol_kit.units.fmt_number`.
"""
from __future__ import annotations

import html
import re

_HIDDEN = re.compile(r"<(style|script|svg)\b.*?</\1>", re.S | re.I)
_TAG = re.compile(r"<[^>]+>")
# not quantities: hashes (hex), ISO dates and times, run ids, step ids, plate wells and well ranges
_NOT_NUMBERS = re.compile(
    r"\b(?=[0-9a-f]*[a-f])[0-9a-f]{16,64}\b|\d{4}-\d{2}-\d{2}(?:[T ][\d:.]+(?:Z|[+-]\d{2}:?\d{2})?)?|\b\d{2}:\d{2}(?::\d{2})?\b"
    r"|\b\d{8}-[\w-]+|\b[A-P]\d{1,2}\b|\bF\d{2}\b")
SCIENTIFIC = re.compile(r"\d[eE][+-]?\d")
RESIDUE = re.compile(r"[1-9][.]?\d*?(?:0{4,}|9{4,})[1-9]|9{5,}")
NUMBER = re.compile(r"(?<![\w.])\d+(?:\.\d+)?")
# molar masses are data, quoted with the figures of their source ("M = 121.14 g/mol", "342.69 / 306.23 g/mol")
_MOLAR_MASSES = re.compile(r"\d+(?:\.\d+)?(?: / \d+(?:\.\d+)?)? g/mol")


def visible_text(page: str) -> str:
    """The text a reader sees: no markup, styles, scripts or figures; entities decoded."""
    return html.unescape(_TAG.sub(" ", _HIDDEN.sub(" ", page)))


def numbers_in(text: str) -> list[str]:
    """Every decimal number in ``text`` outside hashes, dates, times and well names."""
    return NUMBER.findall(_MOLAR_MASSES.sub(" ", _NOT_NUMBERS.sub(" ", text)))


def significant_figures(token: str) -> int:
    """Figures of a printed number: '0.0000956' 3, '12500' 3, '1152' 4, '10.94' 4, '0' 1."""
    digits = token.replace(".", "").lstrip("0")
    if "." not in token:
        digits = digits.rstrip("0")
    return max(len(digits), 1)


def problems(page: str, max_figures: int | None = 4) -> list[str]:
    """What in ``page`` does not print as a person pipettes and weighs: scientific notation,
    float residue (runs of 0s or 9s inside a number), more than ``max_figures`` figures (None:
    not checked)."""
    text = visible_text(page)
    found = [f"scientific notation: {m.group(0)!r} in {text[max(0, m.start() - 50):m.end() + 10]!r}"
             for m in SCIENTIFIC.finditer(_NOT_NUMBERS.sub(" ", text))]
    found += [f"float residue: {m.group(0)!r}" for m in RESIDUE.finditer(_NOT_NUMBERS.sub(" ", text))]
    found += [f"{significant_figures(t)} figures: {t!r}" for t in numbers_in(text)
              if max_figures is not None and significant_figures(t) > max_figures]
    return found
