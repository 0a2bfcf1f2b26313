"""Plate data as people and plate readers write it: grids and long lists, in CSV, TSV or XLSX.

- Grid: a header row of column numbers 1-12 (96 wells) or 1-24 (384 wells) with the row
  letters in the cell before the first number, then one row per plate row (A-H or A-P).
  Several grids in one file are several plates ('1', '2', ... in file order).
- Long: a header row naming a well column ('Well', 'Well ID', 'Position') and a value column
  ('Value', 'Signal', 'OD', 'RFU', 'RLU', 'CPM', ... or the one named with ``value=``), then one
  row per well. A 'Plate' column, if present, is kept; other columns are kept as text.

An empty cell is no value for that well (the well is left out, and :func:`join_layout` reports
it if the layout expects it); text where a number belongs is an error.
"""
from __future__ import annotations

import io
import os

import pandas as pd

from ..errors import DataFormatError
from .source import Line, Problems, expect_number, load, read_lines
from .table import Want, extra_columns, find_header, names, pick_columns, read_rows
from .tidy import tidy
from .wells import BY_COLUMNS, row_letter

PLATE_COLUMNS = ["plate", "well", "value", "line"]
WELL = Want("well", names("well", "wells", "well id", "well name", "well position", "position", "pos"),
            number=False)
VALUE = Want("value", names("value", "values", "signal", "result", "od", "absorbance", "abs", "rfu",
                            "rlu", "fluorescence", "luminescence", "counts", "cpm", "intensity"))
PLATE = Want("plate", names("plate", "plate id", "plate name", "plate number", "plate no"),
             required=False, number=False)


def grid_header(line: Line) -> tuple[int, int] | None:
    """(index of the '1' cell, number of columns) when ``line`` is a grid's column header."""
    cells = line.cells
    for start, c in enumerate(cells):
        if c.lstrip("0") == "1" and start >= 1:
            break
    else:
        return None
    n = 0
    while start + n < len(cells) and cells[start + n].lstrip("0") == str(n + 1):
        n += 1
    if n not in BY_COLUMNS or any(cells[start + n:]):
        return None
    return start, n


def parse_grids(lines: list[Line], problems: Problems, decimal: str = ".") -> list[dict]:
    """Records (plate, well, value, line) of every grid in ``lines``."""
    out: list[dict] = []
    i, plate_no = 0, 0
    while i < len(lines):
        found = grid_header(lines[i])
        if found is None:
            i += 1
            continue
        start, ncols = found
        plate_no += 1
        fmt = BY_COLUMNS[ncols]
        header_no = lines[i].no
        for r in range(fmt.rows):
            i += 1
            letter = row_letter(r)
            line = lines[i] if i < len(lines) else None
            if line is None or line.cell(start - 1).upper() != letter:
                got = "the end of the file" if line is None else repr(line.cell(start - 1))
                problems(f"expected row {letter} of the {fmt.wells}-well grid whose header is line "
                         f"{header_no}, found {got}", line.no if line else None)
                break
            for c in range(ncols):
                v = expect_number(line.cell(start + c), problems, line.no, f"well {letter}{c + 1}", decimal)
                if v is not None:
                    out.append({"plate": str(plate_no), "well": f"{letter}{c + 1}", "value": v, "line": line.no})
            extra = [x for x in line.cells[start + ncols:] if x]
            if extra:
                problems(f"row {letter} has {ncols + len(extra)} values; a {fmt.wells}-well grid has {ncols}", line.no)
        i += 1
    return out


def parse_long(lines: list[Line], problems: Problems, *, value: str | None = None,
               decimal: str = ".") -> list[dict] | None:
    """Records of a long table (None when no line names a well column)."""
    h = find_header(lines, WELL)
    if h is None:
        return None
    wants = [WELL, VALUE, PLATE]
    cols = pick_columns(lines[h], wants, {"value": value}, problems)
    if "well" not in cols or "value" not in cols:
        return []
    extras = extra_columns(lines[h], cols, set(PLATE_COLUMNS))
    rows = read_rows(lines, h + 1, cols, wants, problems, extras=extras, decimal=decimal)
    for r in rows:
        r.setdefault("plate", "1")
    return rows


def xlsx_lines(data: bytes, name: str, sheet: str | int | None) -> list[Line]:
    """The cells of one worksheet (the first unless ``sheet`` names one) as numbered lines.
    Numbers are written back as text without loss (integers without '.0')."""
    try:
        sheets = pd.read_excel(io.BytesIO(data), sheet_name=None, header=None, dtype=object, engine="openpyxl")
    except Exception as exc:  # openpyxl raises many kinds for a damaged or foreign file
        raise DataFormatError(f"{name}: not a readable XLSX workbook ({type(exc).__name__}: {exc})") from None
    keys = list(sheets)
    if sheet is None:
        key = keys[0]
    elif isinstance(sheet, int) and 0 <= sheet < len(keys):
        key = keys[sheet]
    elif sheet in sheets:
        key = sheet
    else:
        raise DataFormatError(f"{name}: no sheet {sheet!r}; the workbook has {', '.join(map(repr, keys))}")
    frame = sheets[key]
    out = []
    for no, row in enumerate(frame.itertuples(index=False), 1):
        out.append(Line(no, tuple(_cell_text(v) for v in row)))
    return out


def _cell_text(v: object) -> str:
    if v is None or (isinstance(v, float) and v != v):
        return ""
    if isinstance(v, float) and v.is_integer() and abs(v) < 1e15:
        return str(int(v))
    return str(v).strip()


def _is_xlsx(data: bytes, name: str) -> bool:
    return name.lower().endswith((".xlsx", ".xlsm")) or data.startswith(b"PK\x03\x04")


def plate_lines(source: str | os.PathLike | bytes, *, name: str | None, sheet: str | int | None,
                delimiter: str | None, warnings: list[str] | None) -> tuple[list[Line], Problems]:
    """Numbered lines of cells of a CSV/TSV/text file or of one XLSX worksheet (the first
    unless ``sheet`` names one)."""
    data, label = load(source, name)
    if _is_xlsx(data, label):
        shown = label if sheet is None else f"{label} [sheet {sheet}]"
        return xlsx_lines(data, label, sheet), Problems(shown, warnings)
    return read_lines(data, name=label, delimiter=delimiter, warnings=warnings)


def read_grid(source: str | os.PathLike | bytes, *, name: str | None = None, sheet: str | int | None = None,
              decimal: str = ".", delimiter: str | None = "auto", warnings: list[str] | None = None
              ) -> pd.DataFrame:
    """Plates laid out as grids (see the module docstring): columns plate, well, value, line."""
    lines, problems = plate_lines(source, name=name, sheet=sheet, delimiter=delimiter, warnings=warnings)
    if not any(grid_header(line) for line in lines):
        problems("no plate grid found; expected a header row of column numbers 1-12 or 1-24 "
                 "with row letters A-H or A-P below it")
    return tidy(parse_grids(lines, problems, decimal), PLATE_COLUMNS, source=problems.name, fmt="grid")


def read_long(source: str | os.PathLike | bytes, *, name: str | None = None, sheet: str | int | None = None,
              value: str | None = None, decimal: str = ".", delimiter: str | None = "auto",
              warnings: list[str] | None = None) -> pd.DataFrame:
    """One row per well (see the module docstring): plate, well, value, line, other columns."""
    lines, problems = plate_lines(source, name=name, sheet=sheet, delimiter=delimiter, warnings=warnings)
    rows = parse_long(lines, problems, value=value, decimal=decimal)
    if rows is None:
        problems("no header row with a well column ('Well', 'Well ID' or 'Position') found")
        rows = []
    extra = [k for k in (rows[0] if rows else {}) if k not in PLATE_COLUMNS]
    return tidy(rows, PLATE_COLUMNS + extra, source=problems.name, fmt="long")
