"""Scintillation counter per-well lists (MicroBeta / TopCount style).

Such a file has free-text header lines (instrument, protocol, date, ...), then a table with a
header row naming the well column and the counts: 'CPM' (or 'CPM1', 'CCPM1' for a channel or a
corrected count) and, when the counter computed it, 'DPM'. A 'Plate' column, if present, is
kept; other columns (sample, position, counting time) are kept as text.

Columns returned: plate, well, cpm, dpm (if the file has it), value (= cpm), line, others.
"""
from __future__ import annotations

import os

import pandas as pd

from .plates import PLATE, WELL, plate_lines
from .table import Want, extra_columns, find_header, pattern, pick_columns, read_rows
from .tidy import tidy

CPM = Want("cpm", pattern(r"c?cpm\d*|countsperminute"), hint=" ('CPM', 'CPM1', 'CCPM1')")
DPM = Want("dpm", pattern(r"dpm\d*"), required=False)
BASE = ["plate", "well", "cpm", "dpm", "value", "line"]


def read_counter(source: str | os.PathLike | bytes, *, name: str | None = None, sheet: str | int | None = None,
                 cpm: str | None = None,
                 dpm: str | None = None, decimal: str = ".", delimiter: str | None = "auto",
                 warnings: list[str] | None = None) -> pd.DataFrame:
    """A counter's per-well list as a tidy frame; ``cpm=``/``dpm=`` name the columns to use when
    the file has several (e.g. two channels) or unusual names."""
    lines, problems = plate_lines(source, name=name, sheet=sheet, delimiter=delimiter, warnings=warnings)
    h = find_header(lines, WELL)
    rows: list[dict] = []
    cols: dict[str, int] = {}
    extras: dict[str, int] = {}
    if h is None:
        problems("no table header with a well column ('Well' or 'Position') found")
    else:
        wants = [WELL, CPM, DPM, PLATE]
        cols = pick_columns(lines[h], wants, {"cpm": cpm, "dpm": dpm}, problems)
        if "well" in cols and "cpm" in cols:
            extras = extra_columns(lines[h], cols, set(BASE))
            rows = read_rows(lines, h + 1, cols, wants, problems, extras=extras, decimal=decimal)
    for r in rows:
        r.setdefault("plate", "1")
        r["value"] = r["cpm"]
    columns = [c for c in BASE if c != "dpm" or "dpm" in cols] + list(extras)
    return tidy(rows, columns, source=problems.name, fmt="counter")
