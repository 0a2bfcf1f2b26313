"""The plate-reader frame (one row per measured value) and the cell rules its readers share.

Columns, in order (the shared contract of every plate reader):
plate, well, value, read, time_s, wavelength_nm, excitation_nm, mode, read_label, text, line,
then ``temperature`` where a reader has it. ``read`` numbers the measurements of a plate in
file order (a wavelength, filter set, read mode or read step), so reads that share a
wavelength stay apart; ``time_s`` is NaN for an endpoint or spectrum read.

A value cell holds a number (read by :func:`protocol_kit.typed_numbers.parse_number`, so a
decimal comma is read and '1,000' is refused as ambiguous), nothing (no row), or one of the
markers instruments write instead of a number (:data:`MARKER`): the value is then NaN and
``text`` holds the marker. Any other text is an error.
"""
from __future__ import annotations

import math
import re

from ..typed_numbers import NumberTextError, parse_number
from .source import Problems

READ_COLUMNS = ["plate", "well", "value", "read", "time_s", "wavelength_nm", "excitation_nm", "mode",
                "read_label", "text", "line"]
NAN = float("nan")
# Overflow (SoftMax Pro and Gen5 'OVRFLW', 'OVER'), SoftMax Pro's pathlength and range flags
# ('Path?', 'Range?'), masked or failed wells, and runs of '*' or '?' (saturated or no value).
MARKER = re.compile(r"^(OVRFLW|OVER|Overflow|Range\?|Path\?|Masked|Error|\*+|\?+)$", re.IGNORECASE)
_WELL = re.compile(r"^([A-Z]{1,2})\s*0*([1-9]\d?)$")
_CLOCK = re.compile(r"^(\d+):([0-5]?\d)(?::([0-5]?\d(?:\.\d+)?))?$")


def measured(cell: str, problems: Problems, line: int, what: str) -> tuple[float, str] | None:
    """(value, text) of a value cell: (number, '') or (NaN, marker); None for an empty cell.
    Other text is reported to ``problems`` (None then, in warning mode)."""
    text = cell.strip()
    if not text:
        return None
    try:
        return parse_number(text), ""
    except NumberTextError as exc:
        if MARKER.match(text):
            return NAN, text
        problems(f"{what}: {exc}; or an instrument marker such as OVRFLW, Range? or *****", line)
        return None


def clock_seconds(text: str) -> float | None:
    """A read time as seconds: 'm:ss' (SoftMax Pro '1:30' = 90 s) or 'h:mm:ss' (both programs;
    '0:02:30' = 150 s, fractions of a second allowed); None when ``text`` is not such a time."""
    m = _CLOCK.match(text.strip())
    if not m:
        return None
    a, b, c = m.groups()
    if c is None:
        return int(a) * 60 + int(b)
    return int(a) * 3600 + int(b) * 60 + float(c)


def nm(x: float | None) -> float:
    """A wavelength in nm, NaN for none (None, or 0: SoftMax Pro's 'no filter')."""
    return NAN if x is None or x == 0 or (isinstance(x, float) and math.isnan(x)) else float(x)


def row_name(i: int) -> str:
    """Row ``i`` (from 0) as plate readers name it: A-Z, then AA, AB, ... (a 1536-well plate's
    rows 27-32 are AA-AF, ANSI/SLAS 4-2004)."""
    return chr(65 + i) if i < 26 else "A" + chr(65 + i - 26)


def row_index(name: str) -> int:
    """The inverse of :func:`row_name`."""
    return ord(name) - 65 if len(name) == 1 else 26 + ord(name[1]) - 65


def plate_well(text: str) -> tuple[str, int] | None:
    """(row, column) of a well named as plate readers write it ('A1', 'A01', 'AF48'), or None."""
    m = _WELL.match(text.strip().upper())
    return (m.group(1), int(m.group(2))) if m else None
