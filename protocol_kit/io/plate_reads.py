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
# Overflow (SoftMax Pro and Gen5 'OVRFLW', Tecan 'OVER', BMG MARS 'Overflow' and 'Underflow'),
# SoftMax Pro's pathlength and range flags ('Path?', 'Range?'), masked or failed wells, and runs
# of '*' or '?' (a value too wide for its column, or none).
MARKER = re.compile(r"^(OVRFLW|OVER|Overflow|Underflow|Range\?|Path\?|Masked|Error|\*+|\?+)$", re.IGNORECASE)
_WELL = re.compile(r"^([A-Z]{1,2})\s*0*([1-9]\d?)$")
_CLOCK = re.compile(r"^(\d+):([0-5]?\d)(?::([0-5]?\d(?:\.\d+)?))?$")


def measured(cell: str, problems: Problems, line: int, what: str, decimal: str = "auto"
             ) -> tuple[float, str] | None:
    """(value, text) of a value cell: (number, '') or (NaN, marker); None for an empty cell.
    Other text is reported to ``problems`` (None then, in warning mode). ``decimal`` is
    :func:`~protocol_kit.typed_numbers.parse_number`'s ('.' where cells are split on commas)."""
    text = cell.strip()
    if not text:
        return None
    try:
        return parse_number(text, decimal=decimal), ""
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


def row_index(label: str, *, lower_after_z: bool = False) -> int | None:
    """Row number (from 0) of a row label: A-Z, then AA-AF (a 1536-well plate's rows 27-32,
    ANSI/SLAS 4-2004); a-f after Z when ``lower_after_z`` (BMG MARS). None for anything else."""
    if re.fullmatch(r"[A-Z]", label):
        return ord(label) - ord("A")
    if re.fullmatch(r"A[A-F]", label):
        return 26 + ord(label[1]) - ord("A")
    if lower_after_z and re.fullmatch(r"[a-f]", label):
        return 26 + ord(label) - ord("a")
    return None


def plate_well(text: str) -> tuple[str, int] | None:
    """(row, column) of a well named as plate readers write it ('A1', 'A01', 'AF48'), or None."""
    m = _WELL.match(text.strip().upper())
    return (m.group(1), int(m.group(2))) if m else None
