"""PerkinElmer EnVision CSV exports (EnVision Workstation and Manager, 'Plate' and 'Plate2').

The file holds one section per measured or calculated plate:
- 'Plate information', a header line and a values line: Plate (number), Repeat, Barcode, ...,
  then 'Label' and 'Measinfo' for a measurement ('De=1st' names its detector), or 'Formula' for
  a calculated plate (a ratio, a crosstalk correction);
- optionally 'Background information' (a small table) and a title line ('Results for <label>
  - channel n', 'Calculated results: ...');
- the plate's grid: with a header of column numbers and row letters, or bare (one line per
  plate row from A, one cell per column from 1; an unread row is a line of empty cells).
Before or after the plates (as the export options choose) come Basic assay information,
Protocol information, 'Plate type:' (Number of rows, Number of columns), Platemap, ..., then
'Labels:' (one block per label, naming its filters or monochromator wavelengths) and 'Filters:'
(one block per filter; its Description states its centre wavelength, 'CWL=665nm', or for a
cut-off filter 'Longpass=360nm').

Read as the read frame (:mod:`protocol_kit.io.vendor_grid`), with columns repeat and barcode:
- only measured plates: calculated plates are not measurements and are skipped;
- plate is the plate number; read counts the measured sections of a plate in file order (the
  two detectors of a dual-emission label, several labels, plate repeats);
- wavelengths as the label block states them: for a fluorescence read the detector's emission
  filter ('De=1st' -> 'Ems. filter', 'De=2nd' -> '2nd ems. filter') or 'Emission wavelength',
  and the excitation filter or 'Excitation wavelength'; for absorbance the light's wavelength
  ('Excitation wavelength', else the excitation filter's CWL). Where the label block states
  none, a wavelength in Measinfo ('Em=450 nm') is used. A cut-off filter states no wavelength,
  nor does a label without filters (luminescence, Alpha): NaN then.
- kinetic sections (Kinetics other than 0) are refused: their layout is not known here.
"""
from __future__ import annotations

import math
import os
import re

import pandas as pd

from .source import Line, Problems, paragraphs
from .plate_reads import measured as cell_value, row_index
from .vendor_grid import ROWS_BY_COLUMNS, GridCell, column_header, labelled_grid, read_frame, text_lines_of
from .wells import row_letter

EXTRA = ["repeat", "barcode"]
_TRAILER = ("Basic assay information", "Protocol information", "Protocol:", "Plate type:", "Platemap:",
            "Calculations:", "Auto export parameters:", "Operations:", "Labels:", "Filters:", "Instrument:")
_CWL = re.compile(r"CWL=(\d+(?:\.\d+)?)\s*nm", re.IGNORECASE)
_NM = re.compile(r"^(\d+(?:\.\d+)?)\s*nm$", re.IGNORECASE)
_ABSORBANCE = re.compile(r"absorbance|\babs\b|\bod\s?\d{3}\b|\ba\d{3}\b", re.IGNORECASE)
_DETECTOR_FILTER = {"1st": ("Ems. filter", "Emission wavelength"),
                    "2nd": ("2nd ems. filter", "2nd emission wavelength")}


def _blank(line: Line) -> bool:
    """An empty line (a line of empty cells is an unread row of a bare grid, not a blank)."""
    return len(line.cells) <= 1 and not line.cell(0)


def _value(line: Line) -> str:
    """The value of a 'Key,,,,value' line: its first non-empty cell after the key."""
    return next((c for c in line.cells[1:] if c), "")


def _trailer_sections(lines: list[Line], heading: str, stop: int) -> dict[str, dict[str, str]]:
    """The named blocks of a trailer section ('Labels:', 'Filters:'): name -> {key: value}."""
    start = next((i for i, line in enumerate(lines) if line.cell(0) == heading), None)
    if start is None:
        return {}
    end = start + 1
    while end < stop and not (lines[end].cell(0).endswith(":") and not any(lines[end].cells[1:])):
        end += 1
    return {b[0].cell(0): {line.cell(0): _value(line) for line in b[1:]}
            for b in paragraphs(lines[start + 1:end], _blank)}


def _nm(text: str) -> float:
    m = _NM.match(text.strip())
    return float(m.group(1)) if m else math.nan


def _measinfo_nm(measinfo: str, key: str) -> float:
    """A wavelength Measinfo states ('Em=450 nm'); NaN where it names a side ('Em=Top') or none."""
    m = re.search(rf"\b{key}=(\d+(?:\.\d+)?)\s*nm", measinfo)
    return float(m.group(1)) if m else math.nan


def _first_nm(*values: float) -> float:
    return next((v for v in values if not math.isnan(v)), math.nan)


def _filter_nm(name: str, filters: dict[str, dict[str, str]]) -> float:
    """A band-pass filter's centre wavelength from its Description; NaN for a cut-off filter, an
    unnamed one ('N/A') or one the file does not describe."""
    m = _CWL.search(filters.get(name, {}).get("Description", ""))
    return float(m.group(1)) if m else math.nan


def _optics(label: str, measinfo: str, labels: dict, filters: dict) -> tuple[str, float, float, str]:
    """(mode, wavelength_nm, excitation_nm, detector filter name) of a measured section."""
    name = re.sub(r"\(\d+\)$", "", label).strip()
    block = labels.get(name, {})
    m = re.search(r"De=(\S+)", measinfo)
    detector = m.group(1) if m else ""
    em_filter, em_wavelength = _DETECTOR_FILTER.get(detector, ("", ""))
    em_name = block.get(em_filter, "")
    em_name = "" if em_name in ("", "N/A") else em_name
    ex = _nm(block.get("Excitation wavelength", ""))
    if math.isnan(ex):
        ex = _filter_nm(block.get("Exc. filter", ""), filters)
    em = _filter_nm(em_name, filters) if em_name else _nm(block.get(em_wavelength, ""))
    ex, em = (_first_nm(ex, _measinfo_nm(measinfo, "Ex")), _first_nm(em, _measinfo_nm(measinfo, "Em")))
    no_emission = not em_name and "Em=N/A" in measinfo
    if _ABSORBANCE.search(name) or (no_emission and not math.isnan(ex)):
        return "absorbance", _first_nm(ex, em), math.nan, ""
    if "lum" in name.lower() or "lum" in detector.lower():
        return "luminescence", em, math.nan, em_name
    if "fluorescence" in name.lower() or em_name or not math.isnan(em):
        return "fluorescence", em, ex, em_name
    return "", em, ex, em_name


def _plate_shape(lines: list[Line]) -> tuple[int, int] | None:
    """(rows, columns) from the 'Plate type:' section, when the file states them."""
    found = {}
    for line in lines:
        if line.cell(0) in ("Number of rows", "Number of columns") and _value(line).isdigit():
            found.setdefault(line.cell(0), int(_value(line)))
    if len(found) == 2:
        return found["Number of rows"], found["Number of columns"]
    return None


def _bare_grid(block: list[Line], shape: tuple[int, int] | None, problems: Problems, plate: str) -> list[GridCell]:
    """A grid without row letters or column numbers: line k is row k from A, cell c column c + 1."""
    widths = []
    for line in block:
        cells = list(line.cells)
        while cells and not cells[-1]:
            cells.pop()
        widths.append(len(cells))
    rows, cols = shape if shape else (len(block), {r: c for c, r in ROWS_BY_COLUMNS.items()}.get(len(block), 0))
    if len(block) != rows or max(widths) > cols:
        plate_text = (f"the plate type's {rows} rows of {cols}" if shape
                      else "8, 16 or 32 rows (a 96-, 384- or 1536-well plate)")
        problems(f"plate {plate}: a grid without row letters of {len(block)} lines of up to {max(widths)} cells; "
                 f"expected one line per plate row ({plate_text}), else which rows they are cannot be told",
                 block[0].no)
        return []
    return [GridCell(f"{row_letter(r)}{c + 1}", text, line.no)
            for r, line in enumerate(block) for c, text in enumerate(line.cells) if text]


def _grid(blocks: list[list[Line]], shape, problems: Problems, plate: str, at: int) -> tuple[list[GridCell], str]:
    """The one grid among a section's blocks (after its information lines), and its title."""
    grids, title = [], ""
    for block in blocks:
        first = block[0]
        if first.cell(0).startswith("Background information"):
            continue
        k = 0
        if first.cell(0) and row_index(first.cell(0)) is None and not any(first.cells[1:]) \
                and not re.match(r"^[-+.\d]", first.cell(0)):
            title, k = first.cell(0), 1
        if k == len(block):
            continue
        if column_header(block[k]) is not None:
            cells, end = labelled_grid(block, k, problems)
            if end < len(block):
                problems(f"plate {plate}: {block[end].cell(0)[:40]!r} after the grid; expected a row label or "
                         "an empty line", block[end].no)
        else:
            cells = _bare_grid(block[k:], shape, problems, plate)
        grids.append(cells)
    if len(grids) != 1:
        problems(f"plate {plate}: {len(grids)} grids in the plate section; expected one", at)
        return [], title
    return grids[0], title


def read_envision(source: str | os.PathLike | bytes, *, name: str | None = None,
                  warnings: list[str] | None = None) -> pd.DataFrame:
    """The measured plates of an EnVision CSV export as a read frame (see the module docstring)."""
    lines, problems, decimal = text_lines_of(source, name, warnings)
    starts = [i for i, line in enumerate(lines) if line.cell(0) == "Plate information"]
    if not starts:
        problems("not an EnVision export: no 'Plate information' line")
    trailer = [i for i, line in enumerate(lines) if line.cell(0) in _TRAILER]
    labels = _trailer_sections(lines, "Labels:", len(lines))
    filters = _trailer_sections(lines, "Filters:", len(lines))
    shape = _plate_shape(lines)
    rows: list[dict] = []
    reads: dict[str, int] = {}
    for k, s in enumerate(starts):
        end = min([starts[k + 1] if k + 1 < len(starts) else len(lines)] + [t for t in trailer if t > s])
        h = next((j for j in range(s + 1, end) if not _blank(lines[j])), end)
        if h + 1 >= end:
            problems("'Plate information' without its header and values lines", lines[s].no)
            continue
        header, values = lines[h], lines[h + 1]
        blocks = paragraphs(lines[h + 2:end], _blank)
        info = dict(zip(header.cells, values.cells))
        label, measinfo = info.get("Label", ""), info.get("Measinfo", info.get("MeasInfo", ""))
        if not label:
            if not info.get("Formula"):
                problems("'Plate information' with neither a Label (a measurement) nor a Formula (a calculation)",
                         values.no)
            continue  # a calculated plate: not a measurement
        plate = info.get("Plate", "")
        if not plate:
            problems("'Plate information' without a plate number", values.no)
        if info.get("Kinetics", "0") not in ("", "0"):
            problems(f"plate {plate}: a kinetic measurement (Kinetics {info['Kinetics']}); EnVision kinetic "
                     "exports are not supported", values.no)
            continue
        cells, _ = _grid(blocks, shape, problems, plate, lines[s].no)
        reads[plate] = reads.get(plate, 0) + 1
        mode, wavelength, excitation, em_filter = _optics(label, measinfo, labels, filters)
        barcode = info.get("Barcode", "").removeprefix("=").strip('"')
        common = {"plate": plate, "read": reads[plate], "wavelength_nm": wavelength, "excitation_nm": excitation,
                  "mode": mode, "read_label": f"{label} / {em_filter}" if em_filter else label,
                  "repeat": info.get("Repeat", ""), "barcode": barcode}
        for cell in cells:
            got = cell_value(cell.text, problems, cell.line, f"plate {plate}, well {cell.well}", decimal)
            if got is not None:
                rows.append({**common, "well": cell.well, "value": got[0], "text": got[1], "line": cell.line})
    return read_frame(rows, problems, fmt="envision", extra=EXTRA)
