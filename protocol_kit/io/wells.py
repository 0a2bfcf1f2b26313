"""Well names: 'A1', 'a01', 'A 1' all mean row A, column 1; written back as 'A1' (as layouts are)."""
from __future__ import annotations

import re
import string

from ..core.plates import PLATES, PlateFormat

_WELL = re.compile(r"^([A-Za-z])\s*0*(\d{1,2})$")
# A grid's column count gives its plate: 12 columns = 96 wells (8 rows), 24 = 384 (16 rows).
BY_COLUMNS: dict[int, PlateFormat] = {p.columns: p for p in PLATES.values()}


def parse_well(text: str) -> tuple[str, int] | None:
    """(row letter, column) of a well name, or None if ``text`` is not one."""
    m = _WELL.match(text.strip())
    if not m or int(m.group(2)) == 0:
        return None
    return m.group(1).upper(), int(m.group(2))


def row_letter(i: int) -> str:
    """The name of row ``i`` (from 0): A-Z, then AA-AF for the rows after Z of a 1536-well plate."""
    letters = string.ascii_uppercase
    return letters[i] if i < 26 else "A" + letters[i - 26]


def fits(row: str, column: int, plate: PlateFormat | None) -> bool:
    """Whether the well lies on ``plate`` (any 384-well position when the plate is unknown)."""
    plate = plate or PLATES[384]
    return row in plate.row_letters and 1 <= column <= plate.columns


def plate_text(plate: PlateFormat | None) -> str:
    plate = plate or PLATES[384]
    return f"a {plate.wells}-well plate (rows A-{plate.row_letters[-1]}, columns 1-{plate.columns})"
