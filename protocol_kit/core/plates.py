"""Plates and layouts as data: one row per well.

A layout is built from *groups* (a role and a concentration, e.g. "compound at 10 nM"),
each laid down as ``replicates`` adjacent wells, in row-major order, without splitting a
group across two rows. A design that needs more wells than the plate has raises
:class:`LayoutError` with the count; nothing is truncated.
"""
from __future__ import annotations

import string
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import LayoutError

ROLES = ("total", "nsb", "compound", "vehicle", "positive", "blank")


@dataclass(frozen=True)
class PlateFormat:
    """A microplate: its number of rows and columns."""

    wells: int
    rows: int
    columns: int

    @property
    def row_letters(self) -> list[str]:
        return list(string.ascii_uppercase[: self.rows])

    def well_names(self) -> list[str]:
        """Row-major well names: A1, A2, ..., A12, B1, ..."""
        return [f"{r}{c}" for r in self.row_letters for c in range(1, self.columns + 1)]


PLATES = {96: PlateFormat(96, 8, 12), 384: PlateFormat(384, 16, 24)}


def plate_format(wells: int | str) -> PlateFormat:
    key = int(wells)
    if key not in PLATES:
        raise LayoutError(f"plate_format: {wells!r} is not a supported plate; allowed: 96 or 384")
    return PLATES[key]


@dataclass(frozen=True)
class WellGroup:
    """Wells that share a role and a concentration (molar; NaN where none)."""

    role: str
    conc: float
    label: str
    replicates: int
    extra: tuple[tuple[str, object], ...] = ()

    def __post_init__(self) -> None:
        if self.role not in ROLES:
            raise LayoutError(f"role: {self.role!r} is not a layout role; allowed: {', '.join(ROLES)}")


def build_layout(groups: list[WellGroup], plate: PlateFormat, *, what: str) -> pd.DataFrame:
    """Lay ``groups`` on ``plate``; one row per used well.

    Columns: ``well``, ``row``, ``column``, ``role``, ``conc``, ``replicate``, ``group`` (a
    short code such as "C3"), ``label``, plus any ``extra`` of the groups.
    """
    needed = sum(g.replicates for g in groups)
    if needed > plate.wells:
        raise LayoutError(
            f"plate_format: the design needs {needed} wells ({what}) but a {plate.wells}-well plate "
            f"has {plate.wells}; use a larger plate, fewer replicates or fewer concentrations"
        )
    rows_out = []
    r, c = 0, 0
    for g in groups:
        if g.replicates > plate.columns:
            raise LayoutError(f"replicates: {g.replicates} do not fit in one row of {plate.columns} wells")
        if c + g.replicates > plate.columns:  # keep a group's replicates in one row
            r, c = r + 1, 0
        if r >= plate.rows:
            raise LayoutError(
                f"plate_format: the design needs {needed} wells ({what}) laid in rows of "
                f"{plate.columns}, which does not fit a {plate.wells}-well plate; use a larger plate "
                f"or fewer replicates"
            )
        for rep in range(g.replicates):
            rows_out.append({
                "well": f"{plate.row_letters[r]}{c + 1}", "row": plate.row_letters[r], "column": c + 1,
                "role": g.role, "conc": g.conc, "replicate": rep + 1, "group": g.label.split(" ")[0],
                "label": g.label, **dict(g.extra),
            })
            c += 1
        if c >= plate.columns:
            r, c = r + 1, 0
    frame = pd.DataFrame(rows_out)
    frame["conc"] = frame["conc"].astype(float)
    return frame


def plate_grid(layout: pd.DataFrame, plate: PlateFormat, value: str = "group") -> pd.DataFrame:
    """The layout as a rows x columns grid of ``value`` (empty string for unused wells)."""
    cells = np.full((plate.rows, plate.columns), "", dtype=object)
    rows = {letter: i for i, letter in enumerate(plate.row_letters)}
    cells[[rows[r] for r in layout["row"]], layout["column"].to_numpy(int) - 1] = layout[value].to_numpy(object)
    return pd.DataFrame(cells, index=plate.row_letters, columns=range(1, plate.columns + 1))

