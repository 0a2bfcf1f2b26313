"""SoftMax Pro (Molecular Devices) plate-section text exports, endpoint and kinetic.

The file starts with ``##BLOCKS= n``; each block starts with a type line (``Plate:``,
``Group:``, ``Note:``) and ends with ``~End``. Only ``Plate:`` blocks hold plate data:

- the tab-separated header line names the plate, the export format (``TimeFormat``: one
  column per well; ``PlateFormat``: a grid per read), the read type (Endpoint, Kinetic), the
  read mode and, four fields before the well count (96 or 384), the number of wavelengths and
  their list;
- then the raw data: under a ``Temperature`` header, one row (TimeFormat) or one grid
  (PlateFormat) per read, reads of a second wavelength after a blank line (TimeFormat) or in a
  second block of columns (PlateFormat); kinetic rows start with the time (m:ss or h:mm:ss);
- then, optionally, the reduced data under a header without 'Temperature'.

Columns returned: plate, well, value, read (1, 2, ... per wavelength), time_s (kinetic; NaN for
endpoint), temperature, wavelength (NaN when not given, e.g. luminescence), line.
``section='reduced'`` returns the reduced values instead (plate, well, value, line).
"""
from __future__ import annotations

import os
import re

import pandas as pd

from ..core.plates import PLATES
from ..errors import ParameterError
from .source import Line, Problems, expect_number, read_lines
from .tidy import tidy
from .wells import parse_well, row_letter

_BLOCK_START = re.compile(r"^[A-Za-z]+:")
RAW_COLUMNS = ["plate", "well", "value", "read", "time_s", "temperature", "wavelength", "line"]
REDUCED_COLUMNS = ["plate", "well", "value", "line"]


def _blocks(lines: list[Line], problems: Problems) -> list[list[Line]]:
    """The blocks of the file (each from its type line to the line before ``~End``)."""
    first = next((line for line in lines if not line.blank), None)
    if first is None or not first.cell(0).startswith("##BLOCKS"):
        problems("not a SoftMax Pro export: the first line should be '##BLOCKS= n'", first.no if first else None)
        return []
    blocks, current = [], None
    for line in lines[lines.index(first) + 1:]:
        if line.cell(0).startswith("~End"):
            if current is None:
                problems("'~End' without a block before it", line.no)
            else:
                blocks.append(current)
            current = None
        elif current is None:
            if _BLOCK_START.match(line.cell(0)):
                current = [line]
            elif not line.blank and not line.cell(0).startswith("Original Filename"):
                problems(f"{line.cell(0)[:40]!r} outside a block; expected a block such as 'Plate:' or "
                         f"'Group:' (the file's trailer starts 'Original Filename')", line.no)
        else:
            current.append(line)
    if current is not None:
        problems(f"the block starting at line {current[0].no} ({current[0].cell(0)}) has no '~End'", current[0].no)
    return blocks


def _plate_header(line: Line, problems: Problems) -> dict | None:
    cells = line.cells
    fmt = next((c for c in cells if c in ("TimeFormat", "PlateFormat")), None)
    wells_at = next((i for i, c in enumerate(cells) if i >= 4 and c.isdigit() and int(c) in PLATES
                     and cells[i - 1].isdigit()), None)
    if fmt is None or wells_at is None:
        problems("SoftMax Pro plate header without an export format (TimeFormat/PlateFormat) "
                 "or a well count (96/384)", line.no)
        return None
    wavelengths = []
    for w in cells[wells_at - 3].split():
        try:
            wavelengths.append(float(w))
        except ValueError:
            problems(f"wavelength {w!r} is not a number", line.no)
    read_mode = cells[5] if len(cells) > 5 else ""
    if read_mode == "Luminescence" or wavelengths == [0.0]:
        wavelengths = []
    return {"name": cells[1] if len(cells) > 1 else "", "format": fmt,
            "kinetic": "Kinetic" in cells, "plate": PLATES[int(cells[wells_at])], "wavelengths": wavelengths}


def _seconds(text: str, problems: Problems, line: int) -> float:
    """'1:30' -> 90.0, '1:02:03' -> 3723.0; '' -> NaN (endpoint reads)."""
    if not text:
        return float("nan")
    parts = text.split(":")
    try:
        if not 2 <= len(parts) <= 3:
            raise ValueError
        total = 0.0
        for p in parts:
            total = total * 60 + float(p)
        return total
    except ValueError:
        problems(f"read time {text!r} is not m:ss or h:mm:ss", line)
        return float("nan")


def _is_reduced_header(line: Line) -> bool:
    return line.cell(0) == "" and line.cell(1) == "" and line.cell(2) != "" and (
        parse_well(line.cell(2)) is not None or line.cell(2) == "1")


def _time_format(body: list[Line], head: dict, problems: Problems) -> tuple[list[dict], list[dict]]:
    """Raw and reduced records of a TimeFormat plate (one column per well)."""
    raw, reduced = [], []
    header = body[0]
    wells = [parse_well(c) for c in header.cells[2:]]
    names = [f"{w[0]}{w[1]}" if w else None for w in wells]
    group, read, section = 0, 0, raw
    for line in body[1:]:
        if _is_reduced_header(line):
            section = reduced
            names = [f"{w[0]}{w[1]}" if (w := parse_well(c)) else None for c in line.cells[2:]]
            continue
        if line.blank:
            if read:
                group, read = group + 1, 0
            continue
        read += 1
        t = _seconds(line.cell(0), problems, line.no)
        temp = expect_number(line.cell(1), problems, line.no, "temperature") if section is raw else None
        for j, cell in enumerate(line.cells[2:]):
            name = names[j] if j < len(names) else None
            v = expect_number(cell, problems, line.no, f"well {name or '#' + str(j + 1)}")
            if v is None:
                continue
            if name is None:
                problems(f"value {cell!r} in column {j + 3}, which has no well name in the header", line.no)
                continue
            section.append({"well": name, "value": v, "read": read, "time_s": t, "temperature": temp,
                            "group": group, "line": line.no})
    return raw, reduced


def _plate_format(body: list[Line], head: dict, problems: Problems) -> tuple[list[dict], list[dict]]:
    """Raw and reduced records of a PlateFormat plate (a grid per read, wavelengths side by side)."""
    raw, reduced = [], []
    rows = head["plate"].rows
    header = body[0]
    # column blocks: runs of 1..n in the header, one per wavelength
    col_of: list[tuple[int, int]] = []  # (block, column number) per cell index from 2
    block, expect = -1, 1
    for c in header.cells[2:]:
        if c == "1":
            block, expect = block + 1, 1
        if c == str(expect) and block >= 0:
            col_of.append((block, expect))
            expect += 1
        else:
            col_of.append((-1, 0))
    i, read, section = 1, 0, raw
    while i < len(body):
        line = body[i]
        if _is_reduced_header(line):
            section, read = reduced, 0
            i += 1
            continue
        if line.blank:
            i += 1
            continue
        read += 1
        t = _seconds(line.cell(0), problems, line.no)
        temp = expect_number(line.cell(1), problems, line.no, "temperature")
        for r in range(rows):
            if i + r >= len(body) or (r and body[i + r].blank):
                problems(f"read {read} has {r} of the plate's {rows} rows", line.no)
                break
            grid_line = body[i + r]
            for j, cell in enumerate(grid_line.cells[2:]):
                blk, col = col_of[j] if j < len(col_of) else (-1, 0)
                v = expect_number(cell, problems, grid_line.no, f"row {row_letter(r)}, column {j + 1}")
                if v is None:
                    continue
                if blk < 0:
                    problems(f"value {cell!r} outside the plate's columns", grid_line.no)
                    continue
                section.append({"well": f"{row_letter(r)}{col}", "value": v, "read": read, "time_s": t,
                                "temperature": temp, "group": blk, "line": grid_line.no})
        i += rows
    return raw, reduced


def read_softmax(source: str | os.PathLike | bytes, *, name: str | None = None, section: str = "raw",
                 warnings: list[str] | None = None) -> pd.DataFrame:
    """Every plate of a SoftMax Pro text export as a tidy frame (see the module docstring)."""
    if section not in ("raw", "reduced"):
        raise ParameterError("section", section, "'raw' or 'reduced'")
    lines, problems = read_lines(source, name=name, delimiter="\t", warnings=warnings)
    out = []
    for block in _blocks(lines, problems):
        if block[0].cell(0) != "Plate:":
            continue
        head = _plate_header(block[0], problems)
        if head is None or len(block) < 2:
            continue
        parse = _time_format if head["format"] == "TimeFormat" else _plate_format
        raw, reduced = parse(block[1:], head, problems)
        wl = head["wavelengths"]
        n_groups = 1 + max((r["group"] for r in raw), default=0)
        if raw and wl and n_groups != len(wl):
            problems(f"plate {head['name']!r}: {n_groups} groups of reads but {len(wl)} wavelengths "
                     f"in the header", block[0].no)
        for r in raw if section == "raw" else reduced:
            g = r.pop("group")
            r["plate"] = head["name"]
            r["wavelength"] = wl[g] if g < len(wl) else float("nan")
            out.append(r)
    columns = RAW_COLUMNS if section == "raw" else REDUCED_COLUMNS
    return tidy(out, columns, source=problems.name, fmt=f"softmax-{section}")
