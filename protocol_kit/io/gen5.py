"""Agilent BioTek Gen5 text exports: the measured reads of every plate, calculated data left out.

The file is paragraphs separated by blank lines (tab-separated cells):

- the header (:mod:`protocol_kit.io.gen5_procedure`): 'Software Version', 'Plate Number'
  (each plate of a multi-plate export starts with one; without it the plate is '1'), ...,
  and 'Procedure Details';
- 'Layout': a grid of sample ids (STD1, SPL1, ...), not values: skipped;
- 'Results': a grid, column numbers in the header, each plate row on one line per data set,
  the row letter on the first, the data set's label at the line end ('od:600',
  'DAPI/GFP:485/20,528/20', 'FP Read:485/20,528/20 [Parallel]', '260:Pathlength', ...);
- a data set's own table under its label: a grid (labelled at the line end or not) or a
  kinetic table 'Time<TAB>T° 420<TAB>A1<TAB>A2 ...', one line per time point (h:mm:ss);
- curve fits, 'Actual Temperature:' lines and the like: skipped.

Only measured data sets are returned (:mod:`protocol_kit.io.gen5_labels` tells them from
calculated ones); ``read`` numbers them 1, 2, ... per plate in the order they first appear.
"""
from __future__ import annotations

import os
import re

import pandas as pd

from .gen5_labels import Measured, measured
from .gen5_procedure import ReadStep, read_steps
from ..typed_numbers import is_number_text
from .plate_reads import MARKER, NAN, READ_COLUMNS, clock_seconds, nm, plate_well
from .plate_reads import measured as cell_value
from .source import Line, Problems, paragraphs, read_lines
from .tidy import tidy

COLUMNS = READ_COLUMNS + ["temperature"]
SKIPPED = ("Layout", "Actual Temperature:", "Curve Fitting Results", "StdCurve Fitting Results",
           "Curve Name", "Software Version", "Experiment File Path:", "Protocol File Path:", "Date",
           "Reader Type:", "Reader Serial Number:", "Reading Type", "Time", "Plate Type")
_ROW = re.compile(r"^[A-Z]{1,2}$")
_TIMES = ("Time", "Wavelength")


class _Plate:
    """The measured records of one plate, with its data sets numbered in order of appearance."""

    def __init__(self, name: str, line: int, steps: list[ReadStep], problems: Problems) -> None:
        self.name, self.line, self.steps, self.problems = name, line, steps, problems
        self.reads: dict[str, int] = {}
        self.rows: list[dict] = []

    def dataset(self, label: str, line: int) -> Measured | None:
        got = measured(label, self.steps)
        if isinstance(got, str):
            self.problems(f"plate {self.name!r}: {got}", line)
            return None
        if got is not None and got.step.mode not in ("Absorbance", "Fluorescence", "Luminescence"):
            self.problems(f"plate {self.name!r}: data set {label!r}: read mode {got.step.mode!r} is not supported "
                          f"(this reader reads absorbance, fluorescence and luminescence)", line)
            return None
        if got is not None and got.step.read_type not in ("Endpoint", "Kinetic"):
            self.problems(f"plate {self.name!r}: data set {label!r}: a {got.step.read_type} read is not supported "
                          f"(this reader reads endpoint and kinetic reads)", line)
            return None
        return got

    def add(self, ds: Measured, well: str, cell: str, line: int, time_s: float = NAN, temp: float = NAN) -> None:
        got = cell_value(cell, self.problems, line, f"plate {self.name!r}, {ds.label!r}, well {well}")
        if got is None:
            return
        read = self.reads.setdefault(ds.label, len(self.reads) + 1)
        self.rows.append({"plate": self.name, "well": well, "value": got[0], "read": read, "time_s": time_s,
                          "wavelength_nm": nm(ds.wavelength), "excitation_nm": nm(ds.excitation),
                          "mode": ds.step.mode.lower(), "read_label": ds.label, "text": got[1], "line": line,
                          "temperature": temp})


def _column_numbers(line: Line) -> list[int] | None:
    """The column numbers of a grid header ('' then 1, 2, ...), or None."""
    cells = [c for c in line.cells[1:]]
    while cells and not cells[-1]:
        cells.pop()
    if line.cell(0) or not cells or any(not c.isdigit() for c in cells):
        return None
    return [int(c) for c in cells]


def _grid(lines: list[Line], title: str | None, plate: _Plate) -> None:
    """A grid: an optional header of column numbers, then per plate row one line per data set
    (the row letter on the first), each labelled in the cell after the values (else ``title``)."""
    columns = _column_numbers(lines[0])
    body = lines[1:] if columns is not None else lines
    row = None
    for line in body:
        if line.cell(0):
            if not _ROW.match(line.cell(0)):
                plate.problems(f"plate {plate.name!r}: {line.cell(0)!r} is not a plate row (A, B, ...)", line.no)
                return
            row = line.cell(0)
        if row is None:
            plate.problems(f"plate {plate.name!r}: values before the first row letter", line.no)
            return
        cells = list(line.cells[1:])
        while cells and not cells[-1]:
            cells.pop()
        if not cells:
            continue
        labelled = title is None or (bool(cells) and not is_number_text(cells[-1]) and not MARKER.match(cells[-1]))
        n = len(columns) if columns is not None else len(cells) - labelled
        label = cells[n] if len(cells) > n else title
        if len(cells) > n + 1 or label is None:
            plate.problems(f"plate {plate.name!r}: row {row} has {len(cells)} cells; expected {n} values and "
                           f"the data set's label", line.no)
            continue
        ds = plate.dataset(label, line.no)
        if ds is None:
            continue
        for j, cell in enumerate(cells[:n]):
            plate.add(ds, f"{row}{columns[j] if columns else j + 1}", cell, line.no)


def _time_table(lines: list[Line], title: str | None, plate: _Plate) -> None:
    """A kinetic table: 'Time', the temperature column ('T° 420'), the wells; one line per time."""
    header = lines[0]
    if header.cell(0) == "Wavelength":
        plate.problems(f"plate {plate.name!r}: data set {title!r}: spectrum tables (one line per wavelength) are "
                       f"not supported by this reader", header.no)
        return
    if title is None:
        plate.problems(f"plate {plate.name!r}: a {header.cell(0)} table without its data set's label above it",
                       header.no)
        return
    ds = plate.dataset(title, header.no)
    if ds is None:
        return
    first_well = next((i for i, c in enumerate(header.cells) if plate_well(c)), None)
    if first_well is None:
        plate.problems(f"plate {plate.name!r}: the {title!r} table's header names no wells", header.no)
        return
    wells = [f"{w[0]}{w[1]}" if (w := plate_well(c)) else None for c in header.cells]
    for line in lines[1:]:
        t = clock_seconds(line.cell(0))
        if t is None:
            plate.problems(f"plate {plate.name!r}: {title!r}: time {line.cell(0)!r} is not h:mm:ss", line.no)
            continue
        temp = NAN
        if first_well > 1 and line.cell(1):
            got = cell_value(line.cell(1), plate.problems, line.no, "temperature")
            temp = got[0] if got else NAN
        for j in range(first_well, len(line.cells)):
            if not line.cells[j]:
                continue
            if j >= len(wells) or wells[j] is None:
                plate.problems(f"plate {plate.name!r}: value {line.cells[j]!r} in column {j + 1}, which names "
                               f"no well", line.no)
                continue
            plate.add(ds, wells[j], line.cells[j], line.no, time_s=t, temp=temp)


def read_gen5(source: str | os.PathLike | bytes, *, name: str | None = None,
              warnings: list[str] | None = None) -> pd.DataFrame:
    """Every plate of a Gen5 text export as a plate-reader frame (see the module docstring)."""
    lines, problems = read_lines(source, name=name, delimiter="\t", warnings=warnings)
    plates: list[_Plate] = []
    steps: list[ReadStep] = []
    title: str | None = None
    procedure_next = False
    for par in paragraphs(lines):
        first = par[0]
        key = first.cell(0).strip()
        plate_line = next((ln for ln in par if ln.cell(0) == "Plate Number"), None)
        if plate_line is not None:
            plate_name = plate_line.cell(1) or str(len(plates) + 1)
            if any(p.name == plate_name for p in plates):
                problems(f"a second plate named {plate_name!r} (first at line "
                         f"{next(p.line for p in plates if p.name == plate_name)})", plate_line.no)
            plates.append(_Plate(plate_name, plate_line.no, steps, problems))
            title = None
            continue
        if procedure_next:
            steps[:] = read_steps(par, problems)
            procedure_next = False
            continue
        if key == "Procedure Details":
            procedure_next = len(par) == 1
            if len(par) > 1:
                steps[:] = read_steps(par[1:], problems)
            continue
        if len(par) == 1 and len(first.cells) == 1 and key not in SKIPPED:
            title = key   # a data set's label, above its table
            continue
        if key == "Results" or (key in _TIMES and len(first.cells) > 2) or _column_numbers(first) is not None \
                or _ROW.match(key):
            if not plates:   # an export without a 'Plate Number' line: one plate, named '1'
                plates.append(_Plate("1", first.no, steps, problems))
            body = par[1:] if key == "Results" else par
            if body and body[0].cell(0) in _TIMES:
                _time_table(body, title, plates[-1])
            elif body:
                _grid(body, None if key == "Results" else title, plates[-1])
        title = None
    if not plates:
        problems("no plate data: neither a 'Results' grid nor a data set's table")
    rows = [r for p in plates for r in p.rows]
    if plates and not rows:
        problems("no measured data set found (a 'Results' grid or a data set's table whose label names a "
                 "read of the procedure)")
    return tidy(rows, COLUMNS, source=problems.name, fmt="gen5")
