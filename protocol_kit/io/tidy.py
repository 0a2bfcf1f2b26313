"""The tidy frame every reader returns: one row per value, with the file line it came from."""
from __future__ import annotations

import pandas as pd

from ..errors import DataFormatError

FLOAT_COLUMNS = ("value", "cpm", "dpm", "temperature", "time_s", "wavelength_nm", "excitation_nm", "peak_area", "concentration")
INT_COLUMNS = ("line", "read")


def tidy(rows: list[dict], columns: list[str], *, source: str, fmt: str) -> pd.DataFrame:
    """A frame of ``rows`` with ``columns`` in this order (numbers as float64, line/read as
    int64, the rest as text), and ``attrs`` naming the source file and the format read. A
    file that yields no value at all is refused: an empty frame would read as "no data" further
    on, far from the file that caused it."""
    if len(rows) == 0:
        raise DataFormatError(f"{source}: no values found when read as {fmt} (a header or layout with no "
                              "readings under it); check the file, or pass format= if it is another kind")
    df = pd.DataFrame(rows, columns=columns)
    for c in df.columns:
        if c in FLOAT_COLUMNS:
            df[c] = df[c].astype("float64")
        elif c in INT_COLUMNS:
            df[c] = df[c].astype("int64")
        elif c == "plate":
            df[c] = df[c].astype("str")
    df.attrs = {"source": source, "format": fmt}
    return df


def norm(header: str) -> str:
    """A header cell reduced to lower-case letters and digits: 'Well ID' -> 'wellid'."""
    return "".join(ch for ch in header.lower() if ch.isalnum())
