"""Revvity (PerkinElmer) Kaleido CSV exports (EnSight, VICTOR Nivo), versions 2 and 3 (3.5 writes
the same layout with every line padded to the same number of cells).

A measured result is a heading and a plate grid (see :mod:`protocol_kit.io.vendor_grid`):
- version 3: 'Result for <operation>', a table 'Barcode, Repeat, Loop no, ..., Exc wl / filter,
  Ems wl, ...' with one line of values, then the grid;
- version 2: 'Results for <operation>', a line 'Barcode: <barcode>, PlateRepeat: 1, WellRepeat:
  1', then the grid.
Calculated results are not measurements and are skipped: version 3's 'Results for ...'
sections, and version 2's after the 'Analysis Result' line (their barcode line names an
AnalysisParameter). Plate-map grids ('Platemap', wells of '-' or sample codes) are not values.
The operation's settings give its wavelengths: version 3 under 'Details of Measurement Sequence'
('Operation', then 'Excitation Wavelength [nm]', 'Emission Wavelength [nm]'), version 2 under
'Measurements:' ('Tech', then 'Excitation wavelength [nm]', 'Exc. filter [nm]', 'Ems. filter
[nm]', ...); the result table's own 'Exc wl / filter' and 'Ems wl' take precedence when filled.
An absorbance operation's wavelength is its excitation (light) wavelength.

Read as the read frame, with columns plate (the barcode, else '1'), read (1, 2, ... per result
of a plate in file order: operations, plate repeats, loops), repeat and loop. Optical imaging
results (image file names in the wells) are refused: they are not measured values.
"""
from __future__ import annotations

import math
import os
import re

import pandas as pd

from ..typed_numbers import NumberTextError, parse_number
from .source import Line
from .plate_reads import measured as cell_value
from .vendor_grid import column_header, labelled_grid, read_frame, text_lines_of
EXTRA = ["repeat", "loop"]
_MODES = (("abs", "absorbance"), ("fluorescence", "fluorescence"), ("fi ", "fluorescence"), ("trf", "fluorescence"),
          ("fp ", "fluorescence"), ("alpha", ""), ("lum", "luminescence"))
_EXCITATION = ("excitation wavelength [nm]", "exc. filter [nm]", "excitation filter [nm]")
_EMISSION = ("emission wavelength [nm]", "ems. filter [nm]", "emission filter [nm]")


def looks_like(lines: list[Line]) -> bool:
    """Whether ``lines`` are a Kaleido export: 'EnSight Results from' first (version 3), a
    'Barcode: ..., PlateRepeat: ...' line (version 2), or 'Exported with Kaleido'."""
    cells0 = [line.cell(0) for line in lines]
    return (any(c == "EnSight Results from" for c in cells0[:5])
            or any(c.startswith("Barcode:") and any(x.startswith("PlateRepeat:") for x in line.cells)
                   for c, line in zip(cells0[:40], lines[:40]))
            or any(c.startswith("Exported with Kaleido") for c in cells0))


def _settings(lines: list[Line]) -> dict[str, dict[str, str]]:
    """Each operation's settings: {operation name: {lower-case key: value}} from the lines
    'Operation,,,<name>' (version 3) or 'Tech,,,,<name>' (version 2) and those after them."""
    out: dict[str, dict[str, str]] = {}
    current = None
    for line in lines:
        key = line.cell(0)
        value = next((c for c in line.cells[1:] if c), "")
        if key in ("Operation", "Tech"):
            current = out.setdefault(value, {})
        elif current is not None and key and key not in ("Meas", "Measurements:"):
            current[key.lower()] = value
        if line.blank:
            current = None
    return out


def _nm(text: str) -> float:
    try:
        return parse_number(text.removesuffix("nm").strip())
    except NumberTextError:
        return math.nan


def _first_nm(settings: dict[str, str], keys: tuple[str, ...]) -> float:
    return next((v for v in (_nm(settings.get(k, "")) for k in keys) if not math.isnan(v)), math.nan)


def _mode(operation: str) -> str:
    low = operation.lower() + " "
    return next((mode for key, mode in _MODES if low.startswith(key) or f" {key}" in f" {low}"), "")


def _v2_barcode(line: Line) -> dict[str, str]:
    """'Barcode: X, PlateRepeat: 1, WellRepeat: 1' (split into cells) as {key: value}."""
    out = {}
    for cell in line.cells:
        key, _, value = cell.partition(":")
        if value:
            out[key.strip()] = value.strip()
    return out


def _result(name: str, meta: dict[str, str], settings: dict) -> dict:
    """The read's fields shared by its wells: plate, optics, repeat and loop."""
    mode = _mode(name)
    op = settings.get(name, {})
    ex = _nm(meta.get("Exc wl / filter", "")) if meta.get("Exc wl / filter") else _first_nm(op, _EXCITATION)
    em = _nm(meta.get("Ems wl", "")) if meta.get("Ems wl") else _first_nm(op, _EMISSION)
    if mode == "absorbance":
        em, ex = ex, math.nan
    return {"plate": meta.get("Barcode") or "1", "mode": mode, "wavelength_nm": em, "excitation_nm": ex,
            "read_label": name, "repeat": meta.get("Repeat") or meta.get("PlateRepeat", ""),
            "loop": meta.get("Loop no", "")}


def read_kaleido(source: str | os.PathLike | bytes, *, name: str | None = None,
                 warnings: list[str] | None = None) -> pd.DataFrame:
    """The measured results of a Kaleido CSV export as a read frame (see the module docstring)."""
    lines, problems, decimal = text_lines_of(source, name, warnings)
    if not looks_like(lines):
        problems("not a Kaleido export: no 'EnSight Results from', 'Barcode: ..., PlateRepeat:' or "
                 "'Exported with Kaleido' line")
    settings = _settings(lines)
    version3 = any(line.cell(0) == "EnSight Results from" for line in lines[:5])
    rows: list[dict] = []
    reads: dict[str, int] = {}
    result, pending, analysis = None, None, False
    i = 0
    while i < len(lines):
        line, first = lines[i], lines[i].cell(0)
        if first.startswith("Analysis Result"):
            analysis = True
        if first.startswith("Result for ") and version3:
            result, pending = first.removeprefix("Result for ").strip(), None
        elif first.startswith("Results for "):
            measured = not version3 and not analysis
            result, pending = (first.removeprefix("Results for ").strip() if measured else None), None
        elif first == "Barcode" and "Repeat" in line.cells and result is not None and i + 1 < len(lines):
            pending = _result(result, dict(zip(line.cells, lines[i + 1].cells)), settings)
            i += 1
        elif first.startswith("Barcode:") and first != "Barcode:" and result is not None:
            meta = _v2_barcode(line)
            if "AnalysisParameter" in meta:
                result = None
            else:
                pending = _result(result, meta, settings)
        elif column_header(line) is not None:
            cells, i = labelled_grid(lines, i, problems)
            if pending is not None:
                if any(re.search(r"\.(tiff?|png|jpe?g)$", c.text, re.IGNORECASE) for c in cells):
                    problems(f"result {result!r} holds image file names (optical imaging), not measured values; "
                             "Kaleido imaging results are not supported", line.no)
                    pending = None
                    continue
                plate = pending["plate"]
                reads[plate] = reads.get(plate, 0) + 1
                for cell in cells:
                    got = cell_value(cell.text, problems, cell.line, f"{result}, well {cell.well}", decimal)
                    if got is not None:
                        rows.append({**pending, "read": reads[plate], "well": cell.well, "value": got[0],
                                     "text": got[1], "line": cell.line})
            result, pending = None, None  # one grid per result heading
            continue
        elif result is not None and not line.blank:
            problems(f"result {result!r}: {first[:40]!r} where its plate grid should be", line.no)
            result, pending = None, None
        i += 1
    if not reads and looks_like(lines):
        problems("no measured result found; expected 'Result for <operation>' (version 3) or "
                 "'Results for <operation>' with a 'Barcode: ...' line (version 2), each followed by a plate grid")
    return read_frame(rows, problems, fmt="kaleido", extra=EXTRA)
