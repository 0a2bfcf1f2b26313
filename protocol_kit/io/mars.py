"""BMG LABTECH MARS plate exports (CSV; PHERAstar, CLARIOstar, FLUOstar, SPECTROstar, ...).

Header lines of 'Key: value' cells (User, Path, Test run no., Test name, Date, Time, ID1, ID2,
ID3), a line naming the read mode ('Absorbance', 'Fluorescence (FI)', 'Luminescence', ...), then
for each read a heading and a plate grid (see :mod:`protocol_kit.io.vendor_grid`; rows after Z
of a 1536-well plate are written a-f). A read's heading is 'Raw Data (<optics>)', where optics
is 'ex/em' for fluorescence ('485/520'), the wavelength for absorbance or a filtered
luminescence read ('450'), 'No filter' for none, optionally followed by the read's number
('450 1': wavelength 450, read 1). Headings of values MARS calculates from the raw data ('Blank
corrected based on Raw Data (...)', ratios, averages) are not measurements: their grids are
skipped.

Read as the read frame, with columns plate (ID1, else '1'), read (1, 2, ... per 'Raw Data'
heading in file order), and the header's test_name and date.
"""
from __future__ import annotations

import math
import os
import re

import pandas as pd

from .source import Line
from .plate_reads import measured as cell_value
from .vendor_grid import column_header, labelled_grid, read_frame, text_lines_of
EXTRA = ["test_name", "date"]
_RAW = re.compile(r"^Raw Data\s*\((?P<optics>[^)]*)\)\s*(?P<rest>.*)$")
_OPTICS = re.compile(r"^(?:(?P<ex>\d+(?:\.\d+)?)(?:-\d+)?/)?(?P<em>\d+(?:\.\d+)?)(?:-\d+)?(?:\s+(?P<no>\d+))?$")
_MODES = (("absorbance", "absorbance"), ("fluorescence", "fluorescence"), ("luminescence", "luminescence"),
          ("time-resolved fluorescence", "fluorescence"), ("time resolved fluorescence", "fluorescence"))


def _first(line: Line) -> str:
    """The line's first non-empty cell (MARS may leave the first cell empty)."""
    return next((c for c in line.cells if c), "")


def _heading(line: Line) -> str | None:
    """A section heading: one text cell on the line (not a grid row or a 'Key: value' cell)."""
    cells = [c for c in line.cells if c]
    return cells[0] if len(cells) == 1 and ": " not in cells[0] and not cells[0].endswith(":") else None


def looks_like(lines: list[Line]) -> bool:
    """Whether ``lines`` are a MARS export: an 'ID1:' or 'Test name:' header cell and a
    'Raw Data (' heading."""
    head = any(c.startswith(("ID1:", "Test name:")) for line in lines[:40] for c in line.cells)
    return head and any(_RAW.match(_first(line)) for line in lines[:80])


def _optics(text: str, mode: str) -> tuple[float, float]:
    """(wavelength_nm, excitation_nm) of a heading's optics, as far as it states them."""
    m = _OPTICS.match(text.strip())
    if not m:
        return math.nan, math.nan
    em = float(m.group("em"))
    ex = float(m.group("ex")) if m.group("ex") else math.nan
    return em, (ex if mode != "absorbance" else math.nan)


def read_mars(source: str | os.PathLike | bytes, *, name: str | None = None,
              warnings: list[str] | None = None) -> pd.DataFrame:
    """The raw-data reads of a BMG MARS plate export as a read frame (see the module docstring)."""
    lines, problems, decimal = text_lines_of(source, name, warnings)
    header: dict[str, str] = {}
    mode, section, rows, reads = "", None, [], 0
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.blank:
            i += 1
            continue
        if column_header(line) is not None:
            cells, i = labelled_grid(lines, i, problems, lower_after_z=True)
            if section is None:
                problems("a plate grid without a heading before it; expected 'Raw Data (...)'", line.no)
            elif section is not False:
                for cell in cells:
                    got = cell_value(cell.text, problems, cell.line, f"well {cell.well}", decimal)
                    if got is not None:
                        rows.append({**section, "well": cell.well, "value": got[0], "text": got[1], "line": cell.line})
                section = False  # consumed: a second grid needs its own heading
            continue
        keyed = [c for c in line.cells if ": " in c or c.endswith(":")]
        heading = _heading(line)
        if keyed and not reads:
            for c in keyed:
                key, _, value = c.partition(":")
                header[key.strip().lower()] = value.strip()
        elif heading and _RAW.match(heading):
            m = _RAW.match(heading)
            reads += 1
            wavelength, excitation = _optics(m.group("optics"), mode)
            section = {"plate": header.get("id1") or "1", "read": reads, "wavelength_nm": wavelength,
                       "excitation_nm": excitation, "mode": mode, "read_label": heading,
                       "test_name": header.get("test name", ""), "date": header.get("date", "")}
        elif heading and not reads and not mode:
            low = heading.lower()
            mode = next((m for key, m in _MODES if low.startswith(key)), "")
        elif heading and reads:
            section = False  # a calculated result (blank corrected, ratio, ...): not a measurement
        else:
            problems(f"{_first(line)[:40]!r} is not part of a MARS plate export; expected 'Key: value' header "
                     "cells, a 'Raw Data (...)' heading or a plate grid (MARS table or kinetic layouts are "
                     "not supported)", line.no)
        i += 1
    if not reads:
        problems("not a BMG MARS plate export: no 'Raw Data (...)' heading")
    return read_frame(rows, problems, fmt="mars", extra=EXTRA)
