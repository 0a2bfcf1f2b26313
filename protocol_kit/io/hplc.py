"""HPLC results per fraction (microdialysis): one row per injected sample, with its peak area
and/or concentration, as chromatography software exports a results table.

The header row names the sample column ('Sample', 'Sample Name', 'Fraction', 'Vial'), and a
peak area column ('Area', 'Peak Area [nA*min]') and/or a concentration column ('Amount',
'Conc.', 'Concentration [nM]'); optional 'Animal' and 'Analyte' (or 'Compound', 'Peak Name')
columns are kept. The header text of each number column, which carries its unit, is kept in
``frame.attrs['columns']``.

Columns returned: sample, animal, analyte (when present), peak_area and/or concentration, line,
other columns as text.
"""
from __future__ import annotations

import os

import pandas as pd

from .plates import plate_lines
from .table import Want, extra_columns, find_header, names, pattern, pick_columns, read_rows
from .tidy import tidy

SAMPLE = Want("sample", names("sample", "sample name", "sample id", "fraction", "vial", "sample no"), number=False)
AREA = Want("peak_area", pattern(r"(peak)?area.*"), required=False)
CONC = Want("concentration", pattern(r"(conc|concentration|amount)(\W.*|[a-z]*)?"), required=False)
ANIMAL = Want("animal", names("animal", "animal id", "rat", "mouse", "subject"), required=False, number=False)
ANALYTE = Want("analyte", names("analyte", "compound", "peak name", "component"), required=False, number=False)


def read_hplc(source: str | os.PathLike | bytes, *, name: str | None = None, sheet: str | int | None = None,
              sample: str | None = None,
              peak_area: str | None = None, concentration: str | None = None, decimal: str = ".",
              delimiter: str | None = "auto", warnings: list[str] | None = None) -> pd.DataFrame:
    """An HPLC results table as a tidy frame (see the module docstring)."""
    lines, problems = plate_lines(source, name=name, sheet=sheet, delimiter=delimiter, warnings=warnings)
    h = find_header(lines, SAMPLE if sample is None else Want("sample", names(sample)))
    rows: list[dict] = []
    cols: dict[str, int] = {}
    extras: dict[str, int] = {}
    if h is None:
        problems("no table header with a sample column ('Sample', 'Sample Name', 'Fraction' or 'Vial') found")
    else:
        wants = [SAMPLE, AREA, CONC, ANIMAL, ANALYTE]
        chosen = {"sample": sample, "peak_area": peak_area, "concentration": concentration}
        cols = pick_columns(lines[h], wants, chosen, problems)
        if "sample" in cols and not ({"peak_area", "concentration"} & set(cols)):
            problems("no peak area ('Area') or concentration ('Amount', 'Conc.') column; name one with "
                     "peak_area='...' or concentration='...'", lines[h].no)
        elif "sample" in cols:
            order = [w for w in wants if w.role in cols]
            number_first = sorted(order[1:], key=lambda w: not w.number)  # the main number first
            extras = extra_columns(lines[h], cols, {"line"})
            rows = read_rows(lines, h + 1, cols, [order[0], *number_first], problems, extras=extras,
                             decimal=decimal, wells=False)
    roles = [r for r in ("sample", "animal", "analyte", "peak_area", "concentration") if r in cols]
    frame = tidy(rows, roles + ["line"] + list(extras), source=problems.name, fmt="hplc")
    frame.attrs["columns"] = {r: lines[h].cell(cols[r]) for r in roles} if h is not None else {}
    return frame
