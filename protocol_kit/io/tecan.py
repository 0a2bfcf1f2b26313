"""Tecan Magellan exports in the long layout (XLSX, or the same table as text).

A header line with a 'Well positions' column and one column per label (a label is one read:
'Label1', 'Label2', ... or the names the method gives them; a 'Plate' column names the plate
when present), then lines with an empty well cell that give each label's read time ('0s') and
temperature ('24.8 °C'), then one line per well. Below the table, the method's settings: a
'Measurement n:' block per label, in label order, with 'Measurement mode: Absorbance' and
'Measurement wavelength: 485 nm' (absorbance), or 'Excitation wavelength' and 'Emission
wavelength' (fluorescence); 'Meas. temperature: <label>: 24.8 °C' lines name the labels.

Read as the read frame, with a temperature column: plate (the Plate column, else '1'), read
(1, 2, ... per label, in column order). A label read once is an endpoint (time_s NaN, whatever
its read time); a label spread over several columns with read times is kinetic (time_s from
them). Cells that are neither numbers nor a marker (OVER) are refused.
"""
from __future__ import annotations

import math
import os
import re

import pandas as pd

from ..typed_numbers import NumberTextError, parse_number
from .plates import plate_lines
from .source import Line, Problems
from .plate_reads import measured as cell_value
from .vendor_grid import read_frame
from .wells import parse_well

_WELLS = "well positions"
_TIME = re.compile(r"^(\d+(?:[.,]\d+)?)\s*s$")
_TEMP = re.compile(r"^(-?\d+(?:[.,]\d+)?)\s*°\s*C$")
_SETTING = re.compile(r"^([^:]+):\s*(.*)$")


def _header(lines: list[Line]) -> int | None:
    return next((i for i, line in enumerate(lines) if any(c.lower() == _WELLS for c in line.cells)), None)


def looks_like(lines: list[Line]) -> bool:
    """Whether ``lines`` are a Magellan long table: a 'Well positions' header cell."""
    return _header(lines) is not None


def _number(text: str) -> float:
    try:
        return parse_number(text)
    except NumberTextError:
        return math.nan


def _measurements(lines: list[Line]) -> tuple[list[dict[str, str]], list[str]]:
    """The 'Measurement n:' settings blocks in order, and the label names of the
    'Meas. temperature: <label>: ...' lines."""
    blocks: list[dict[str, str]] = []
    labels: list[str] = []
    for line in lines:
        text = line.cell(0)
        if re.fullmatch(r"Measurement \d+:", text):
            blocks.append({})
        elif text.startswith("Meas. temperature:"):
            labels.append(text.removeprefix("Meas. temperature:").rsplit(":", 1)[0].strip())
        elif blocks and (m := _SETTING.match(text)):
            blocks[-1].setdefault(m.group(1).strip().lower(), m.group(2).strip())
    return blocks, labels


def _optics(block: dict[str, str]) -> tuple[str, float, float]:
    """(mode, wavelength_nm, excitation_nm) of one measurement's settings."""
    mode = block.get("measurement mode", "").lower()
    mode = next((m for m in ("absorbance", "fluorescence", "luminescence") if mode.startswith(m)), "")
    nm = {k: _number(v.removesuffix("nm").strip()) for k, v in block.items() if "wavelength" in k}
    if mode == "absorbance":
        return mode, nm.get("measurement wavelength", math.nan), math.nan
    return mode, nm.get("emission wavelength", nm.get("measurement wavelength", math.nan)), \
        nm.get("excitation wavelength", math.nan)


def _columns(header: Line, labels: list[str], problems: Problems) -> list[tuple[int, str]]:
    """(column index, label) of every value column: the labels' own columns, and the unnamed
    columns after one (its further reads, in a kinetic export)."""
    named = set(labels) or {c for c in header.cells if re.fullmatch(r"Label\s*\d+", c)}
    if not named:
        problems("no label columns ('Label1', ...) beside 'Well positions'", header.no)
    out, current = [], None
    for k, cell in enumerate(header.cells):
        if cell in named:
            current = cell
        elif cell:
            current = None
        if current is not None:
            out.append((k, current))
    missing = named - {label for _, label in out}
    if missing:
        problems(f"the settings name labels {sorted(missing)} that have no column in the table", header.no)
    return out


def read_tecan(source: str | os.PathLike | bytes, *, name: str | None = None, sheet: str | int | None = None,
               warnings: list[str] | None = None) -> pd.DataFrame:
    """A Magellan long table as a read frame (see the module docstring)."""
    lines, problems = plate_lines(source, name=name, sheet=sheet, delimiter="auto", warnings=warnings)
    h = _header(lines)
    if h is None:
        problems("not a Tecan Magellan table: no 'Well positions' header cell")
        return read_frame([], problems, fmt="tecan", extra=["temperature"])
    header = lines[h]
    well_at = next(k for k, c in enumerate(header.cells) if c.lower() == _WELLS)
    plate_at = next((k for k, c in enumerate(header.cells) if c.lower() == "plate"), None)
    blocks, labels = _measurements(lines[h + 1:])
    columns = _columns(header, labels, problems)
    order = list(dict.fromkeys(label for _, label in columns))
    if blocks and len(blocks) != len(order):
        problems(f"{len(blocks)} 'Measurement n:' settings blocks for {len(order)} labels ({', '.join(order)}); "
                 "cannot tell which wavelength belongs to which label", header.no)
        blocks = []
    optics = {label: _optics(blocks[n]) if blocks else ("", math.nan, math.nan) for n, label in enumerate(order)}
    times: dict[int, float] = {}
    temps: dict[int, float] = {}
    j = h + 1
    while j < len(lines) and not lines[j].cell(well_at):
        for k, _ in columns:
            cell = lines[j].cell(k)
            if m := _TIME.match(cell):
                times[k] = _number(m.group(1))
            elif m := _TEMP.match(cell):
                temps[k] = _number(m.group(1))
        j += 1
    kinetic = {label for label in order if sum(1 for _, lb in columns if lb == label) > 1}
    rows: list[dict] = []
    for line in lines[j:]:
        well = line.cell(well_at)
        parsed = parse_well(well)
        if parsed is None and not any(line.cell(k) for k, _ in columns):
            break  # the end of the table: the settings follow
        if parsed is None:
            problems(f"{well!r} in 'Well positions' is not a well such as A1 or P24", line.no)
            continue
        for k, label in columns:
            got = cell_value(line.cell(k), problems, line.no, f"well {well}, {label}")
            if got is None:
                continue
            mode, wavelength, excitation = optics[label]
            rows.append({"plate": (line.cell(plate_at) if plate_at is not None else "") or "1",
                         "well": f"{parsed[0]}{parsed[1]}", "value": got[0], "text": got[1], "line": line.no,
                         "read": order.index(label) + 1, "mode": mode, "wavelength_nm": wavelength,
                         "excitation_nm": excitation, "read_label": label,
                         "time_s": times.get(k, math.nan) if label in kinetic else math.nan,
                         "temperature": temps.get(k, math.nan)})
    if kinetic and any(math.isnan(times.get(k, math.nan)) for k, lb in columns if lb in kinetic):
        problems(f"labels {sorted(kinetic)} span several columns without a read time under each", header.no)
    return read_frame(rows, problems, fmt="tecan", extra=["temperature"])
