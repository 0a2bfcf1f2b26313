"""What the vendor plate-reader readers (EnVision, BMG MARS, Kaleido, Tecan Magellan) share: the
read frame and plate grids (a cell is read by :func:`.plate_reads.measured`).

The read frame is the contract of :mod:`.plate_reads` (READ_COLUMNS), then a reader's own columns.

Grids: a header line of column numbers (1, 2, ... or 01, 02, ...; the first cell empty), then
one line per plate row starting with its label: A-Z, then AA-AF on a 1536-well plate (BMG MARS
writes the rows after Z in lower case, a-f: ``lower_after_z``). Empty cells are wells not read:
they give no row. A plate's shape follows from its column count (12 -> 8 rows, 24 -> 16,
48 -> 32; ANSI/SLAS 4-2004 well positions).
"""
from __future__ import annotations

import math
import os
import re
from dataclasses import dataclass

import pandas as pd

from .plate_reads import READ_COLUMNS, row_index
from .source import Line, Problems, decode, load, sniff_delimiter, split_lines, text_lines
from .tidy import tidy
from .wells import row_letter

_FLOATS = ("value", "time_s", "wavelength_nm", "excitation_nm", "temperature")
# Rows of a plate by its number of columns (ANSI/SLAS 4-2004: 6 to 1536 wells).
ROWS_BY_COLUMNS = {3: 2, 4: 3, 6: 4, 8: 6, 12: 8, 24: 16, 48: 32}


def text_lines_of(source: str | os.PathLike | bytes, name: str | None, warnings: list[str] | None
                  ) -> tuple[list[Line], Problems, str]:
    """A text export as numbered lines of cells, its Problems reporter, and the decimal rule for
    its cells: '.' when cells are split on commas (a comma cannot then be a decimal comma),
    else 'auto' (a ';'- or tab-separated export may write decimal commas). No-break spaces
    (Kaleido writes them in headings) are read as spaces."""
    data, label = load(source, name)
    problems = Problems(label, warnings)
    raw = [line.replace("\xa0", " ") for line in text_lines(decode(data, label))]
    delimiter = sniff_delimiter(raw)
    return split_lines(raw, delimiter, problems), problems, "." if delimiter == "," else "auto"


def column_header(line: Line) -> int | None:
    """The number of columns when ``line`` is a grid's column header ('', 1, 2, ..., n, then
    only empty cells), else None."""
    cells = line.cells
    if len(cells) < 2 or cells[0]:
        return None
    n = 0
    while n + 1 < len(cells) and cells[n + 1].isdigit() and int(cells[n + 1]) == n + 1:
        n += 1
    if n == 0 or any(cells[n + 1:]):
        return None
    return n


@dataclass(frozen=True)
class GridCell:
    well: str
    text: str
    line: int


def labelled_grid(lines: list[Line], i: int, problems: Problems, *, lower_after_z: bool = False
                  ) -> tuple[list[GridCell], int]:
    """The cells of the grid whose column header is ``lines[i]`` (see the module docstring),
    and the index of the first line after it. Rows end at the first line that does not start
    with a row label."""
    ncols = column_header(lines[i])
    assert ncols is not None
    nrows = ROWS_BY_COLUMNS.get(ncols)
    out: list[GridCell] = []
    seen: set[int] = set()
    j = i + 1
    while j < len(lines):
        line = lines[j]
        r = row_index(line.cell(0), lower_after_z=lower_after_z)
        if r is None:
            if re.fullmatch(r"[A-Za-z]{1,2}", line.cell(0)) and any(line.cells[1:]):
                rows = "A-Z, then AA-AF" + (" or a-f" if lower_after_z else "")
                problems(f"{line.cell(0)!r} is not a plate row; expected {rows}", line.no)
            break
        if nrows is not None and r >= nrows:
            problems(f"row {line.cell(0)!r} is past the last row of a {ncols}-column plate "
                     f"({row_letter(nrows - 1)})", line.no)
        elif r in seen:
            problems(f"row {line.cell(0)!r} appears twice in the grid whose header is line {lines[i].no}", line.no)
        seen.add(r)
        extra = [c for c in line.cells[ncols + 1:] if c]
        if extra:
            problems(f"row {line.cell(0)} has {ncols + len(extra)} cells under a header of {ncols} columns", line.no)
        for c in range(ncols):
            text = line.cell(c + 1)
            if text:
                out.append(GridCell(f"{row_letter(r)}{c + 1}", text, line.no))
        j += 1
    if j == i + 1:
        problems(f"the grid header (columns 1-{ncols}) is followed by no row labelled A, B, ...", lines[i].no)
    return out, j


def read_frame(rows: list[dict], problems: Problems, *, fmt: str, extra: list[str] = ()) -> pd.DataFrame:
    """The read frame of ``rows`` (missing time_s/excitation_nm are NaN, text is ''), with the
    reader's ``extra`` columns after the shared ones. Two values for one well of one read
    (same plate, read and time) are refused: a reader must never merge reads."""
    for r in rows:
        r.setdefault("time_s", math.nan)
        r.setdefault("excitation_nm", math.nan)
        r.setdefault("text", "")
    df = tidy(rows, READ_COLUMNS + list(extra), source=problems.name, fmt=fmt)
    for c in _FLOATS:
        if c in df.columns:
            df[c] = df[c].astype("float64")
    key = df[["plate", "read", "well"]].assign(t=df["time_s"].fillna(-1.0))
    dup = key.duplicated(keep=False)
    if dup.any():
        first = df[dup].iloc[0]
        problems(f"two values for well {first['well']} of plate {first['plate']}, read {first['read']}",
                 int(first["line"]))
    return df
