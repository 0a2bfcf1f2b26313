"""Compare what a reader makes of a real plate-reader export with the values allotropy read from it.

The corpus is ``tests/io/data/allotropy/`` (copied from shared/reference/instruments/allotropy,
allotropy's test data, MIT licence: ``LICENSE-allotropy.txt`` there; its README describes every
file and the reference columns). A reference row's key is (plate, channel, read,
wavelength_nm, well); plates are matched by order of first appearance (allotropy names plates
differently from the files), channels by ``read`` (1, 2, ... in file order within a plate), and
kinetic reads by the rank of ``time_s`` within a plate and read.

Known differences between allotropy and the file itself, where our reader follows the file:
``WAVELENGTH_QUIRKS`` lists them per file.
"""
from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd

CORPUS = Path(__file__).parent / "data" / "allotropy"
INDEX = pd.read_csv(CORPUS / "index.csv")
FILES = list(INDEX["file"])

# file -> {reference wavelength: the wavelength the file itself states}. allotropy reports
# 'Raw Data (450 1)' as wavelength 1 (the '1' is the read's number); SoftMax Pro writes 0 for
# luminescence read without a filter, which is no wavelength (NaN here).
WAVELENGTH_QUIRKS: dict[str, dict[float, float]] = {
    "bmgmars_BMG_Labtech_format.CSV": {1.0: 450.0},
}
NO_FILTER = 0.0
# file -> {allotropy's row letter: the file's}. allotropy names a grid's rows by position (A, B,
# C, ...) and not by the letters the file writes: the EnVision luminescence example, trimmed
# upstream to rows A, E, I and M, comes out as rows A-D.
ROW_QUIRKS: dict[str, dict[str, str]] = {
    "envision_luminescence_example01.csv": {"A": "A", "B": "E", "C": "I", "D": "M"},
}


def _well(ref_well: str, rows: dict[str, str] | None) -> str:
    """A reference well as protocol_kit names it: allotropy's rows after Z of a 1536-well plate
    are lower case (a-f), here AA-AF; then the file's own row letters where ROW_QUIRKS says."""
    row, column = ref_well.rstrip("0123456789"), ref_well[len(ref_well.rstrip("0123456789")):]
    if len(row) == 1 and row.islower():
        row = "A" + row.upper()
    if rows is not None:
        row = rows[row]
    return f"{row}{column}"


def _sub_index(frame: pd.DataFrame, group: list[str], time: str | None) -> pd.Series:
    """The point within a plate's read: the rank of its time (kinetic), else of its wavelength
    when one read holds several (a spectrum), else 0."""
    sub = pd.Series(0, index=frame.index)
    if time is not None and frame[time].notna().any():
        return frame.groupby(group)[time].rank(method="dense").fillna(0).astype(int)
    several = frame.groupby(group)["wavelength_nm"].transform("nunique") > 1
    if several.any():
        ranks = frame[several].groupby(group)["wavelength_nm"].rank(method="dense").astype(int)
        sub[several] = ranks
    return sub


def reference(file: str) -> pd.DataFrame:
    """The reference values, keyed as :func:`keyed` keys a reader's frame."""
    ref = pd.read_csv(CORPUS / "reference" / f"{file}.csv", dtype={"plate": str})
    ref["plate_no"] = pd.factorize(ref["plate"])[0] + 1
    ref["well"] = [_well(w, ROW_QUIRKS.get(file)) for w in ref["well"]]
    ref = ref.rename(columns={"channel": "read", "read": "kinetic_read"})
    kinetic = ref["kinetic_read"].where(ref["kinetic_read"] > 0)
    ref["sub"] = _sub_index(ref.assign(k=kinetic), ["plate_no", "read"], "k")
    return ref


def keyed(frame: pd.DataFrame) -> pd.DataFrame:
    """The reader's frame with plate_no (order of first appearance) and the point within a read."""
    out = frame.copy()
    out["plate_no"] = pd.factorize(out["plate"].astype(str))[0] + 1
    out["sub"] = _sub_index(out, ["plate_no", "read"], "time_s" if "time_s" in out.columns else None)
    return out


def compare(file: str, frame: pd.DataFrame) -> list[str]:
    """Every difference between ``frame`` (a reader's output) and the reference, as text."""
    problems: list[str] = []
    for col in ("plate", "well", "value", "read", "wavelength_nm"):
        if col not in frame.columns:
            problems.append(f"no column {col!r} (columns: {list(frame.columns)})")
    if problems:
        return problems
    ref_k, ours = reference(file), keyed(frame)
    key = ["plate_no", "read", "sub", "well"]
    dup = ours.duplicated(key, keep=False)
    if dup.any():
        problems.append(f"{int(dup.sum())} rows share a key (plate, read, time, well): reads merged? "
                        f"e.g. {ours.loc[dup, key].head(2).to_dict('records')}")
        return problems
    merged = ref_k.merge(ours, on=key, how="outer", suffixes=("_ref", ""), indicator=True)
    have_ref_value = merged["value_ref"].notna()
    missing = merged[(merged["_merge"] == "left_only") & have_ref_value]
    if len(missing):
        problems.append(f"{len(missing)} reference values not read, e.g. "
                        f"{missing[key + ['value_ref']].head(3).to_dict('records')}")
    extra = merged[(merged["_merge"] == "right_only") & merged["value"].notna()]
    if len(extra):
        problems.append(f"{len(extra)} values read that the reference does not have, e.g. "
                        f"{extra[key + ['value']].head(3).to_dict('records')}")
    both = merged[merged["_merge"] == "both"]
    blank_ref = both["value_ref"].isna()
    if (blank_ref & both["value"].notna()).any():
        bad = both[blank_ref & both["value"].notna()]
        problems.append(f"{len(bad)} values read where the reference has none (an error or empty cell), "
                        f"e.g. {bad[key + ['value']].head(3).to_dict('records')}")
    vals = both[~blank_ref]
    off = ~np.isclose(vals["value"].astype(float), vals["value_ref"].astype(float), rtol=1e-9, atol=0)
    if off.any():
        problems.append(f"{int(off.sum())} values differ, e.g. "
                        f"{vals.loc[off, key + ['value', 'value_ref']].head(3).to_dict('records')}")
    quirks = WAVELENGTH_QUIRKS.get(file, {})
    for (w_ref, w) in both[["wavelength_nm_ref", "wavelength_nm"]].drop_duplicates().itertuples(index=False):
        if _is_nan(w_ref):
            continue  # allotropy reports none; the file may still state one
        expected = quirks.get(float(w_ref), float(w_ref))
        if expected == NO_FILTER and _is_nan(w):
            continue
        if _is_nan(w) or not math.isclose(float(w), expected):
            problems.append(f"wavelength {w} where the reference has {w_ref} nm")
    return problems


def _is_nan(x) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x))
