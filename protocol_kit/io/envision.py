"""PerkinElmer EnVision CSV exports.

Each measured or calculated plate is a section: a 'Plate information' line, a header line and
a values line (plate number, repeat, barcode, ..., 'Label' for a measurement or 'Formula' for a
calculation), an optional 'Background information' table, then the plate as a bare grid (no
row letters or column numbers: 8 x 12 or 16 x 24 values). The protocol and plate-map sections
after the plates are not data.

Columns returned: plate, repeat, label, well, value, line.
"""
from __future__ import annotations

import os

import pandas as pd

from .source import Line, Problems, expect_number, number, read_lines
from .tidy import tidy
from .wells import BY_COLUMNS, row_letter

COLUMNS = ["plate", "repeat", "label", "well", "value", "line"]


def _section_info(lines: list[Line], i: int, problems: Problems) -> dict:
    header, values = lines[i + 1], lines[i + 2]
    info = dict(zip(header.cells, values.cells))
    label = info.get("Label") or info.get("Formula") or ""
    if not info.get("Plate"):
        problems("'Plate information' without a plate number on the line after its header", values.no)
    return {"plate": info.get("Plate", ""), "repeat": info.get("Repeat", ""), "label": label}


def _grid_after(lines: list[Line], i: int, end: int) -> tuple[list[Line], int]:
    """The bare grid of a section: the first run of lines (before ``end``) that are all numbers."""
    while i < end:
        line = lines[i]
        if not line.blank and all(_is_number(c) for c in line.cells if c):
            start = i
            while i < end and not lines[i].blank:
                i += 1
            return lines[start:i], i
        i += 1
    return [], i


def _is_number(cell: str) -> bool:
    try:
        return number(cell) is not None
    except ValueError:
        return False


def _trimmed(line: Line) -> tuple[str, ...]:
    """The cells without the empty ones a trailing delimiter leaves."""
    cells = list(line.cells)
    while cells and not cells[-1]:
        cells.pop()
    return tuple(cells)


def read_envision(source: str | os.PathLike | bytes, *, name: str | None = None,
                  warnings: list[str] | None = None) -> pd.DataFrame:
    """Every plate section of an EnVision CSV export as a tidy frame (see the module docstring)."""
    lines, problems = read_lines(source, name=name, delimiter=",", warnings=warnings)
    starts = [i for i, line in enumerate(lines) if line.cell(0) == "Plate information"]
    if not starts:
        problems("not an EnVision export: no 'Plate information' line")
    out = []
    for k, i in enumerate(starts):
        end = starts[k + 1] if k + 1 < len(starts) else len(lines)
        if i + 2 >= len(lines):
            problems("'Plate information' at the end of the file", lines[i].no)
            continue
        info = _section_info(lines, i, problems)
        grid, _ = _grid_after(lines, i + 3, end)
        widths = {len(_trimmed(g)) for g in grid}
        fmt = BY_COLUMNS.get(widths.pop()) if len(widths) == 1 else None
        if fmt is None or len(grid) != fmt.rows:
            shape = f"{len(grid)} rows of {'/'.join(map(str, sorted(widths))) or 0} values"
            problems(f"plate {info['plate']}: the grid after 'Plate information' has {shape}; "
                     f"expected 8 rows of 12 or 16 rows of 24", lines[i].no)
            continue
        for r, g in enumerate(grid):
            for c, cell in enumerate(_trimmed(g)):
                v = expect_number(cell, problems, g.no, f"well {row_letter(r)}{c + 1}")
                if v is not None:
                    out.append({**info, "well": f"{row_letter(r)}{c + 1}", "value": v, "line": g.no})
    return tidy(out, COLUMNS, source=problems.name, fmt="envision")
