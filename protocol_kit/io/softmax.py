"""SoftMax Pro (Molecular Devices) text exports: every plate section, each read kept apart.

The file starts with ``##BLOCKS= n`` and holds n blocks, each from a type line (``Plate:``,
``Group:``, ``Note:``) to ``~End``; only ``Plate:`` blocks hold measured data, and n is the
count read (a block after the n-th is reported, and not read). A plate block is

- the ``Plate:`` line, tab-separated fields (:mod:`protocol_kit.io.softmax_header`): name,
  export version, export format, read type, read mode, ..., the wavelengths, the well count;
- the raw data's column header, ``\\tTemperature(°C)\\t`` then the wells (``TimeFormat``: one
  column per well) or the column numbers (``PlateFormat``: a grid per read, one block of columns
  per wavelength, side by side);
- the raw data (:mod:`protocol_kit.io.softmax_data`): TimeFormat, per wavelength one row per
  time point (a blank line between wavelengths); PlateFormat, per time point one grid. The
  first cell of a row or grid is the read time (Kinetic, m:ss or h:mm:ss), the wavelength
  (Spectrum) or empty (Endpoint); the second is the temperature (empty or 'NaN' when unknown);
- optionally, after a blank line, the reduced data (one value per well): skipped, or returned
  alone with ``section='reduced'``.

Returns the plate-reader frame (:mod:`protocol_kit.io.plate_reads`) plus ``temperature``: one
row per value, ``read`` = the wavelength's place in the header's list (1, 2, ...; one read for
a spectrum, with ``wavelength_nm`` per point), ``wavelength_nm`` the absorbance or emission
wavelength (NaN for luminescence without a filter, which SoftMax Pro writes as 0),
``excitation_nm`` for fluorescence.
"""
from __future__ import annotations

import os
import re
import warnings as pywarnings

import pandas as pd

from ..errors import ParameterError
from .plate_reads import READ_COLUMNS
from .softmax_data import plate_format, time_format
from .softmax_header import plate_header
from .source import Line, Problems, read_lines
from .tidy import tidy

_BLOCK_START = re.compile(r"^[A-Za-z]+:")
_BLOCKS = re.compile(r"^##BLOCKS=\s*(\d+)$")
RAW_COLUMNS = READ_COLUMNS + ["temperature"]
REDUCED_COLUMNS = ["plate", "well", "value", "text", "line"]


def _blocks(lines: list[Line], problems: Problems, notes: list[str]) -> list[list[Line]]:
    """The first n blocks of the file (each from its type line to the line before ``~End``)."""
    first = next((line for line in lines if not line.blank), None)
    m = _BLOCKS.match(first.cell(0)) if first is not None else None
    if m is None:
        problems("not a SoftMax Pro export: the first line should be '##BLOCKS= n'", first.no if first else None)
        return []
    declared = int(m.group(1))
    blocks: list[list[Line]] = []
    current: list[Line] | None = None
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
    if len(blocks) < declared:
        problems(f"the file declares {declared} blocks ('##BLOCKS= {declared}') but holds {len(blocks)}: "
                 f"is it cut short?", first.no)
    if len(blocks) > declared:
        plates = [b[0].cell(1) for b in blocks[declared:] if b[0].cell(0) == "Plate:"]
        skipped = f"plates {', '.join(map(repr, plates))}" if plates else "no plate"
        notes.append(f"{problems.name}: the file declares {declared} blocks ('##BLOCKS= {declared}', line "
                     f"{first.no}) but holds {len(blocks)}; only the declared {declared} are read, and the "
                     f"{len(blocks) - declared} after them (from line {blocks[declared][0].no}: {skipped}) are not")
    return blocks[:declared]


def read_softmax(source: str | os.PathLike | bytes, *, name: str | None = None, section: str = "raw",
                 warnings: list[str] | None = None) -> pd.DataFrame:
    """Every plate of a SoftMax Pro text export as a plate-reader frame (see the module
    docstring); ``section='reduced'`` gives the reduced values instead (plate, well, value,
    text, line). Blocks beyond the declared count are named in ``warnings`` (or a Python
    warning) and in ``frame.attrs['notes']``."""
    if section not in ("raw", "reduced"):
        raise ParameterError("section", section, "'raw' or 'reduced'")
    lines, problems = read_lines(source, name=name, delimiter="\t", warnings=warnings)
    notes: list[str] = []
    out: list[dict] = []
    seen: dict[str, int] = {}
    for block in _blocks(lines, problems, notes):
        if block[0].cell(0) != "Plate:":
            continue
        head = plate_header(block[0], problems)
        if head is None:
            continue
        if head.name in seen:
            problems(f"two plates named {head.name!r} (lines {seen[head.name]} and {block[0].no}); "
                     f"their values could not be told apart", block[0].no)
            continue
        seen[head.name] = block[0].no
        parse = time_format if head.format == "TimeFormat" else plate_format
        raw, reduced = parse(block[1:], head, problems, reduced=section == "reduced")
        for r in raw if section == "raw" else reduced:
            r["plate"] = head.name
            out.append(r)
    for note in notes:
        if warnings is not None:
            warnings.append(note)
        else:
            pywarnings.warn(note, stacklevel=2)
    columns = RAW_COLUMNS if section == "raw" else REDUCED_COLUMNS
    frame = tidy(out, columns, source=problems.name, fmt=f"softmax-{section}")
    frame.attrs["notes"] = notes
    return frame
